using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Undb.Data;

namespace Undb.Features.Webhooks.Outbound.Alerts;

/// <summary>An in-app notification for the workspace's admins: a webhook was auto-disabled or started failing.</summary>
public sealed class NotificationEntity
{
    public string Id { get; set; } = Ids.New(WebhookAlerts.IdPrefix);
    /// <summary><see cref="WebhookEvents.WebhookDisabled"/> or <see cref="WebhookEvents.WebhookFailing"/>.</summary>
    public required string Kind { get; set; }
    public required string WebhookId { get; set; }
    public required string WebhookName { get; set; }
    public required string Message { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Up to when a member has seen the notifications (the bell counts what came after).</summary>
public sealed class NotificationSeenEntity
{
    public required string UserId { get; set; }
    public DateTimeOffset SeenUpTo { get; set; }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<NotificationEntity>
{
    public void Configure(EntityTypeBuilder<NotificationEntity> b)
    {
        b.ToTable("Notifications");
        b.HasKey(n => n.Id);
        b.Property(n => n.Kind).HasMaxLength(32);
        b.Property(n => n.WebhookName).HasMaxLength(200);
        b.Property(n => n.Message).HasMaxLength(1200);
        b.HasIndex(n => n.CreatedAt);
    }
}

internal sealed class NotificationSeenConfiguration : IEntityTypeConfiguration<NotificationSeenEntity>
{
    public void Configure(EntityTypeBuilder<NotificationSeenEntity> b)
    {
        b.ToTable("NotificationsSeen");
        b.HasKey(n => n.UserId);
    }
}
