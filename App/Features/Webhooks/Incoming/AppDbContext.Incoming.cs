using Microsoft.EntityFrameworkCore;
using Undb.Features.Webhooks.Incoming;

namespace Undb.Data;

public partial class AppDbContext
{
    public DbSet<IncomingWebhookEntity> IncomingWebhooks => Set<IncomingWebhookEntity>();
    public DbSet<IncomingRequestEntity> IncomingRequests => Set<IncomingRequestEntity>();
    public DbSet<IncomingWebhookCounterEntity> IncomingWebhookCounters => Set<IncomingWebhookCounterEntity>();
    public DbSet<IncomingIdempotencyEntity> IncomingIdempotencyKeys => Set<IncomingIdempotencyEntity>();
}
