using Undb.Data;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Where a delivery stands. <see cref="Held"/>: written while its webhook was paused or disabled, never sent until
/// the webhook is resumed (then it becomes <see cref="Pending"/>, or <see cref="Cancelled"/> if the user discards it).
/// </summary>
public enum DeliveryStatus { Pending, InFlight, Succeeded, Failed, Cancelled, Held }

public enum AttemptTrigger { Scheduled, Manual, Test }

/// <summary>
/// An outbound webhook: where to send which events of one table (or, with <see cref="TableId"/> null, of every table
/// of the workspace, including tables created later, except <see cref="ExcludedTableIds"/>), and how it has been doing.
/// </summary>
public sealed class WebhookEntity
{
    public string Id { get; set; } = Ids.New(WebhookIds.Webhook);
    /// <summary>The table it watches; null for a workspace webhook.</summary>
    public string? TableId { get; set; }
    /// <summary>Tables a workspace webhook leaves out; empty for a table webhook.</summary>
    public List<string> ExcludedTableIds { get; set; } = [];
    public required string Name { get; set; }
    public required string Url { get; set; }
    public string Method { get; set; } = "POST";
    /// <summary>Subscribed event names (<c>record.created</c>, …).</summary>
    public List<string> Events { get; set; } = [];
    public Dictionary<string, string> Headers { get; set; } = [];
    public bool Enabled { get; set; } = true;
    /// <summary>The condition as stored (fields by id, so renaming a field keeps it); null fires on every change.</summary>
    public string? ConditionJson { get; set; }
    /// <summary>The signing secret, encrypted with Data Protection.</summary>
    public required string SecretProtected { get; set; }
    /// <summary>The secret before the last rotation; still signs until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSecretProtected { get; set; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? CreatedById { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public DateTimeOffset? LastFailureAt { get; set; }
    /// <summary>When the current run of failures began; null while healthy.</summary>
    public DateTimeOffset? FailingSince { get; set; }
    public int ConsecutiveFailures { get; set; }
    /// <summary>Why the system turned it off (410 Gone, failing too long); null when a user did or it is on.</summary>
    public string? DisabledReason { get; set; }
    public DateTimeOffset? DisabledAt { get; set; }
    /// <summary>
    /// Held deliveries cancelled because more than <c>Webhooks:MaxHeldPerWebhook</c> were held (oldest first), since
    /// the webhook was last resumed; shown on its card.
    /// </summary>
    public int HeldCancelled { get; set; }
    /// <summary>
    /// Ordered delivery: one delivery at a time, in the order the changes committed; a failing one holds those
    /// behind it until it succeeds or is given up. Its deliveries carry a <see cref="DeliveryEntity.Sequence"/>.
    /// </summary>
    public bool Ordered { get; set; }
    /// <summary>The last sequence number given to one of its deliveries (ordered webhooks only).</summary>
    public long LastSequence { get; set; }
    /// <summary>At most this many sends per second (per instance), retries included; null: no limit.</summary>
    public int? MaxPerSecond { get; set; }
    /// <summary>A Liquid template the body is rendered from (<see cref="Templates.PayloadTemplates"/>); null: the standard JSON payload.</summary>
    public string? PayloadTemplate { get; set; }
    /// <summary>How a templated body is sent: <c>json</c> (default), <c>text</c> or <c>form</c>.</summary>
    public string ContentType { get; set; } = Templates.PayloadContentTypes.Json;
}

/// <summary>The outbox: one event for one webhook, written in the same transaction as the change.</summary>
public sealed class DeliveryEntity
{
    /// <summary>A detached copy, so a write that is rolled back and retried starts from the state it was given.</summary>
    internal DeliveryEntity Copy() => (DeliveryEntity)MemberwiseClone();

    public string Id { get; set; } = Ids.New(WebhookIds.Delivery);
    public required string WebhookId { get; set; }
    public required string TableId { get; set; }
    /// <summary>Sent as <c>webhook-id</c>; the same on every attempt so receivers can dedupe.</summary>
    public required string EventId { get; set; }
    public required string EventName { get; set; }
    /// <summary>The record it is about (null for bulk and test events), for filtering the history.</summary>
    public string? RecordId { get; set; }
    public required string Payload { get; set; }
    /// <summary>
    /// Position in its webhook's commit order, consecutive per webhook (also in the payload as <c>sequence</c>);
    /// set only for a webhook in ordered mode, which sends its deliveries by it.
    /// </summary>
    public long? Sequence { get; set; }
    /// <summary>The W3C <c>traceparent</c> of the write that made this delivery, when it was traced: its attempts' spans join that trace.</summary>
    public string? TraceParent { get; set; }
    public DeliveryStatus Status { get; set; } = DeliveryStatus.Pending;
    public int AttemptCount { get; set; }
    /// <summary>Position in the retry schedule; reset by a replay, unlike <see cref="AttemptCount"/>.</summary>
    public int RetryStep { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>Which claim holds the lease, so a worker whose lease was taken over does not overwrite the new owner.</summary>
    public string? LeaseToken { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>One HTTP request made for a delivery, with what came back.</summary>
public sealed class DeliveryAttemptEntity
{
    public string Id { get; set; } = Ids.New(WebhookIds.Attempt);
    public required string DeliveryId { get; set; }
    public required string WebhookId { get; set; }
    public int Number { get; set; }
    public AttemptTrigger Trigger { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public double DurationMs { get; set; }
    public required string RequestMethod { get; set; }
    public required string RequestUrl { get; set; }
    public Dictionary<string, string> RequestHeaders { get; set; } = [];
    public required string RequestBody { get; set; }
    public int? ResponseStatus { get; set; }
    public Dictionary<string, string> ResponseHeaders { get; set; } = [];
    public string? ResponseBody { get; set; }
    public string? Error { get; set; }
    public bool Succeeded { get; set; }
}

public static class WebhookIds
{
    public const string Webhook = "whk";
    public const string Delivery = "dlv";
    public const string Attempt = "att";
}
