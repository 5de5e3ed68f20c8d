using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>The event names a webhook can subscribe to.</summary>
public static class WebhookEvents
{
    public const string Created = "record.created";
    public const string Updated = "record.updated";
    public const string Deleted = "record.deleted";
    public const string BulkCreated = "record.bulk_created";
    public const string BulkUpdated = "record.bulk_updated";
    public const string BulkDeleted = "record.bulk_deleted";
    /// <summary>The sample event sent by "test"; not subscribable.</summary>
    public const string Test = "webhook.test";

    /// <summary>A webhook was turned off by the engine (410 Gone, or failing for <c>Webhooks:AutoDisableAfter</c>).</summary>
    public const string WebhookDisabled = "webhook.disabled";
    /// <summary>A webhook's deliveries failed <c>Webhooks:AlertAfterFailures</c> times in a row.</summary>
    public const string WebhookFailing = "webhook.failing";

    /// <summary>The record events, which any webhook can subscribe to.</summary>
    public static readonly IReadOnlyList<string> All = [Created, Updated, Deleted, BulkCreated, BulkUpdated, BulkDeleted];

    /// <summary>Alerts about other webhooks, which only a workspace webhook can subscribe to (the workspace's alert URL).</summary>
    public static readonly IReadOnlyList<string> Alerts = [WebhookDisabled, WebhookFailing];

    public static string ForRecord(ChangeKind kind) => kind switch
    {
        ChangeKind.Created => Created,
        ChangeKind.Updated => Updated,
        ChangeKind.Deleted => Deleted,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string ForBulk(ChangeKind kind) => kind switch
    {
        ChangeKind.Created => BulkCreated,
        ChangeKind.Updated => BulkUpdated,
        ChangeKind.Deleted => BulkDeleted,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
