using Microsoft.EntityFrameworkCore;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Data;

public partial class AppDbContext
{
    public DbSet<WebhookEntity> Webhooks => Set<WebhookEntity>();
    public DbSet<DeliveryEntity> Deliveries => Set<DeliveryEntity>();
    public DbSet<DeliveryAttemptEntity> DeliveryAttempts => Set<DeliveryAttemptEntity>();
}

public partial class AppDbContext
{
    public DbSet<Undb.Features.Webhooks.Outbound.Alerts.NotificationEntity> Notifications => Set<Undb.Features.Webhooks.Outbound.Alerts.NotificationEntity>();
    public DbSet<Undb.Features.Webhooks.Outbound.Alerts.NotificationSeenEntity> NotificationsSeen => Set<Undb.Features.Webhooks.Outbound.Alerts.NotificationSeenEntity>();
}
