using System.Text.Json.Serialization;

using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>What a caller sends to create or change a webhook; on PATCH, what is left out stays as it is.</summary>
public sealed record WebhookRequest(
    string? Name,
    string? Url,
    string? Method,
    IReadOnlyList<string>? Events,
    IReadOnlyDictionary<string, string>? Headers,
    bool? Enabled,
    WebhookCondition? Condition,
    IReadOnlyList<string>? ExcludedTableIds = null,
    bool? Ordered = null,
    int? MaxPerSecond = null)
{
    /// <summary><c>POST /api/webhooks</c> only: the table to watch, or null (or left out) for every table of the workspace.</summary>
    public string? TableId { get; init; }

    /// <summary>A Liquid template for the body (see README); <c>""</c> goes back to the standard payload, null leaves it as it is.</summary>
    public string? PayloadTemplate { get; init; }

    /// <summary><c>json</c> (default), <c>text</c> or <c>form</c>: the body's content type when a template is set.</summary>
    public string? ContentType { get; init; }
}

/// <summary>A webhook as the API shows it; <see cref="Secret"/> is masked except in the create answer, header values always.</summary>
public sealed record WebhookDto(
    string Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? TableId,
    string Name,
    string Url,
    string Method,
    IReadOnlyList<string> Events,
    IReadOnlyDictionary<string, string> Headers,
    bool Enabled,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] WebhookCondition? Condition,
    string Secret,
    string? DisabledReason,
    DateTimeOffset? DisabledAt,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    DateTimeOffset? FailingSince,
    int ConsecutiveFailures,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    WebhookStats Stats,
    IReadOnlyList<WebhookProblem> Problems,
    bool Ordered = false,
    int? MaxPerSecond = null)
{
    /// <summary>The tables a workspace webhook leaves out (empty for a table webhook).</summary>
    public IReadOnlyList<string> ExcludedTableIds { get; init; } = [];

    /// <summary>The body's Liquid template; null: the standard JSON payload.</summary>
    public string? PayloadTemplate { get; init; }

    /// <summary>How a templated body is sent: <c>json</c>, <c>text</c> or <c>form</c>.</summary>
    public string ContentType { get; init; } = Templates.PayloadContentTypes.Json;

    /// <summary>
    /// The condition as stored, fields by id: what the edit dialog works on, so a field renamed while it is open
    /// cannot turn into a name that no longer exists. Not part of the API, which names fields.
    /// </summary>
    [JsonIgnore]
    public WebhookCondition? StoredCondition { get; init; }
}

/// <summary>
/// Something that keeps a webhook from working as configured, for the UI and the API (<c>code</c> is stable:
/// <c>deletedField</c>); the message says what it does meanwhile and how to fix it.
/// </summary>
public sealed record WebhookProblem(string Code, string Message, string? FieldId = null);

/// <summary>
/// <see cref="Held"/>: deliveries written while the webhook was off, waiting for a resume. <see cref="HeldCancelled"/>:
/// held ones cancelled (oldest first) because more than <c>Webhooks:MaxHeldPerWebhook</c> were held, since the last resume.
/// </summary>
public sealed record WebhookStats(int Held, int HeldCancelled);

/// <summary><c>POST /api/webhooks/{id}/resume</c>: <c>held</c> is <c>"send"</c> (the default) or <c>"discard"</c>.</summary>
public sealed record ResumeRequest(string? Held);

public sealed record ResumeResult(string Held, int Count);

/// <summary>A webhook's custom headers with their values, from <c>GET /api/webhooks/{id}/headers</c> only.</summary>
public sealed record HeadersDto(IReadOnlyDictionary<string, string> Headers);

public sealed record SecretDto(string Secret, DateTimeOffset? PreviousSecretExpiresAt = null);

public sealed record ReplayRequest(DateTimeOffset? Since, string? Status);

public sealed record ReplayResult(int Count);

public sealed record DeliveryDto(
    string Id,
    string WebhookId,
    string TableId,
    string EventId,
    string Event,
    string? RecordId,
    string Status,
    int AttemptCount,
    DateTimeOffset? NextAttemptAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    string? RecordLabel = null,
    UserRef? Actor = null);

public sealed record AttemptRequestDto(string Method, string Url, IReadOnlyDictionary<string, string> Headers, string Body);

public sealed record AttemptResponseDto(int? Status, IReadOnlyDictionary<string, string> Headers, string? Body);

public sealed record AttemptDto(
    string Id,
    string DeliveryId,
    int Number,
    string Trigger,
    bool Succeeded,
    DateTimeOffset StartedAt,
    double DurationMs,
    AttemptRequestDto Request,
    AttemptResponseDto Response,
    string? Error);

public sealed record DeliveryDetailDto(DeliveryDto Delivery, string Payload, IReadOnlyList<AttemptDto> Attempts);

public sealed record DeliveryPage(IReadOnlyList<DeliveryDto> Items, int Total);

/// <summary>Filters for a webhook's delivery history; every one optional.</summary>
public sealed record DeliveryFilter(
    DeliveryStatus? Status = null,
    string? Event = null,
    string? RecordId = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Offset = 0,
    int Limit = 50);

public static class OutboundMapping
{
    public static string ToApi(this DeliveryStatus status) => status switch
    {
        DeliveryStatus.InFlight => "inFlight",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static HeldAction ParseHeldAction(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || string.Equals(value.Trim(), "send", StringComparison.OrdinalIgnoreCase))
        {
            return HeldAction.Send;
        }
        if (string.Equals(value.Trim(), "discard", StringComparison.OrdinalIgnoreCase))
        {
            return HeldAction.Discard;
        }
        throw new Tables.BadRequestException($"'{value}' is not something to do with held deliveries; use \"send\" or \"discard\".",
            new Dictionary<string, string[]> { ["held"] = ["Use \"send\" or \"discard\"."] });
    }

    public static DeliveryStatus? ParseStatus(string? value, string key)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        foreach (var status in Enum.GetValues<DeliveryStatus>())
        {
            if (string.Equals(status.ToApi(), value.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return status;
            }
        }
        var allowed = string.Join(", ", Enum.GetValues<DeliveryStatus>().Select(s => s.ToApi()));
        throw new Tables.BadRequestException($"'{value}' is not a delivery status; use one of {allowed}.",
            new Dictionary<string, string[]> { [key] = [$"Use one of {allowed}."] });
    }

    public static DeliveryDto ToDto(this DeliveryEntity d) => new(
        d.Id, d.WebhookId, d.TableId, d.EventId, d.EventName, d.RecordId, d.Status.ToApi(), d.AttemptCount,
        d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.LastStatusCode, d.LastError, d.CreatedAt, d.UpdatedAt, d.CompletedAt);

    public static AttemptDto ToDto(this DeliveryAttemptEntity a) => new(
        a.Id, a.DeliveryId, a.Number, a.Trigger.ToString().ToLowerInvariant(), a.Succeeded, a.StartedAt, a.DurationMs,
        new AttemptRequestDto(a.RequestMethod, a.RequestUrl, a.RequestHeaders, a.RequestBody),
        new AttemptResponseDto(a.ResponseStatus, a.ResponseHeaders, a.ResponseBody),
        a.Error);
}
