using Microsoft.EntityFrameworkCore;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Data;

public partial class AppDbContext
{
    public DbSet<WebhookEntity> Webhooks => Set<WebhookEntity>();
    public DbSet<DeliveryEntity> Deliveries => Set<DeliveryEntity>();
    public DbSet<DeliveryAttemptEntity> DeliveryAttempts => Set<DeliveryAttemptEntity>();
}
