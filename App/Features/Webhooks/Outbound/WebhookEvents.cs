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

    public static readonly IReadOnlyList<string> All = [Created, Updated, Deleted, BulkCreated, BulkUpdated, BulkDeleted];

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
