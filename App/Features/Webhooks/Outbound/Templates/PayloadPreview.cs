using System.Text.Json;
using System.Text.Json.Nodes;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound.Templates;

/// <summary>A rendered preview, or why it does not render, and what it was rendered from.</summary>
public sealed record PayloadPreviewResult(string? Body, string? Error, string Source);

/// <summary>
/// The dialog's live preview of a payload template: rendered over the event the webhook would send for the table's most
/// recently changed record (built by the code that builds deliveries), or over the catalog's example when the table has
/// no records yet, or for a workspace webhook and the alert events.
/// </summary>
public sealed class PayloadPreview(RecordQueryService records, TimeProvider clock)
{
    /// <summary>The event <paramref name="eventName"/> as it would be sent now, and a line saying what it was built from.</summary>
    public async Task<(JsonObject Payload, string Source)> SampleAsync(TableSnapshot? table, string eventName, CancellationToken ct = default)
    {
        if (table is null || WebhookEvents.Alerts.Contains(eventName) || eventName == WebhookEvents.Test)
        {
            return (Example(eventName), "the example event (Deals table)");
        }
        var latest = (await records.ListAsync(table.Id, new RecordQuery(Limit: 1, Sort: "updatedAt", Descending: true), ct)).Records.FirstOrDefault();
        if (latest is null)
        {
            return (Example(eventName), $"the example event: {table.Name} has no records yet");
        }
        var kind = eventName.EndsWith("created", StringComparison.Ordinal) ? ChangeKind.Created
            : eventName.EndsWith("updated", StringComparison.Ordinal) ? ChangeKind.Updated : ChangeKind.Deleted;
        // An update's "previous" shows the first field as if it had been empty before: enough to see how a change reads.
        var firstField = table.Fields.FirstOrDefault();
        JsonObject? previous = kind == ChangeKind.Updated && firstField is not null ? new JsonObject { [firstField.Id] = null } : null;
        var change = new RecordChange("evt_preview", kind, latest, previous, previous is null ? [] : [firstField!.Id]);
        var bulk = eventName.Contains("bulk", StringComparison.Ordinal);
        var batch = ChangeBatch.Create(table, latest.UpdatedBy, clock.GetUtcNow(), [change], bulk ? kind : null);
        var payload = bulk ? PayloadBuilder.ForBulk(batch, [change]) : PayloadBuilder.ForRecord(batch, change);
        payload["id"] = "evt_preview";
        return (payload, $"{latest.Id}, the record changed last in {table.Name}");
    }

    private static JsonObject Example(string eventName) => (JsonObject)WebhookEventCatalog.Example(eventName).DeepClone();

    /// <summary>Renders <paramref name="template"/> (blank: the standard payload) over <paramref name="sample"/>.</summary>
    public static PayloadPreviewResult Render(string? template, string contentType, JsonObject sample, string source)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            return new(sample.ToJsonString(Indented), null, source);
        }
        if (PayloadTemplates.Check(template, contentType, (JsonObject)sample.DeepClone()) is { } error)
        {
            return new(null, error, source);
        }
        var body = PayloadTemplates.Render(template, sample);
        return new(contentType == PayloadContentTypes.Json ? Pretty(body) : body, null, source);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Pretty(string json) => JsonNode.Parse(json) is { } node ? node.ToJsonString(Indented) : json;
}
