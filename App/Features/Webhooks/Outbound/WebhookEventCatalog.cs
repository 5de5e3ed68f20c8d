using System.Text.Json.Nodes;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound.Alerts;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>One event a webhook can receive: what it means, its JSON Schema, and a real example.</summary>
/// <param name="Scope"><c>record</c> (any webhook), <c>workspace</c> (only a workspace webhook can subscribe) or <c>test</c> (sent by "Send test").</param>
public sealed record WebhookEventInfo(string Name, string Description, string Scope, JsonObject Schema, JsonNode Example);

/// <summary>The answer of <c>GET /api/webhook-events</c>.</summary>
public sealed record WebhookEventList(IReadOnlyList<WebhookEventInfo> Items);

/// <summary>
/// "What will my receiver get?": every event with its JSON Schema (draft 2020-12) and an example built by the code that
/// builds real deliveries (<see cref="PayloadBuilder"/>, <see cref="WebhookAlerts.Payload"/>), so the two cannot drift.
/// Served by <c>GET /api/webhook-events</c> and shown in the webhook dialog.
/// </summary>
public static class WebhookEventCatalog
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);

    public static IReadOnlyList<WebhookEventInfo> All { get; } = Build();

    public static WebhookEventInfo? Find(string name) => All.FirstOrDefault(e => e.Name == name);

    private static List<WebhookEventInfo> Build() =>
    [
        Record(WebhookEvents.Created, "A record was created (one event per record, also for each record of a bulk create or CSV import).", single: true),
        Record(WebhookEvents.Updated, "A record was changed; `event.previous` holds the values of the fields that changed, as they were.", single: true),
        Record(WebhookEvents.Deleted, "A record was deleted; `event.record` is the record as it was.", single: true),
        Record(WebhookEvents.BulkCreated, "Several records were created in one operation (bulk API, CSV import): one event for all of them.", single: false),
        Record(WebhookEvents.BulkUpdated, "Several records were changed in one operation; `event.previous` is keyed by record id.", single: false),
        Record(WebhookEvents.BulkDeleted, "Several records were deleted in one operation.", single: false),
        new(WebhookEvents.Test, "The sample event \"Send test\" sends: the table and a made-up record.", "test",
            Envelope(WebhookEvents.Test, RecordEventSchema(single: true, previous: false)), Example(WebhookEvents.Test)),
        Alert(WebhookEvents.WebhookDisabled, "Another webhook was turned off by the engine (410 Gone, or failing for `Webhooks:AutoDisableAfter`)."),
        Alert(WebhookEvents.WebhookFailing, "Another webhook's deliveries failed `Webhooks:AlertAfterFailures` times in a row (once per streak)."),
    ];

    private static WebhookEventInfo Record(string name, string description, bool single) =>
        new(name, description, "record", Envelope(name, RecordEventSchema(single, previous: name.EndsWith("updated", StringComparison.Ordinal))), Example(name));

    private static WebhookEventInfo Alert(string name, string description) =>
        new(name, description, "workspace", Envelope(name, new JsonObject
        {
            ["type"] = "object",
            ["required"] = Strings("webhookId", "webhookName", "url", "message", "consecutiveFailures"),
            ["properties"] = new JsonObject
            {
                ["webhookId"] = Str("The webhook the alert is about."),
                ["webhookName"] = Str(null),
                ["tableId"] = new JsonObject { ["type"] = Strings("string", "null"), ["description"] = "Its table; null for a workspace webhook." },
                ["url"] = Str("Where it sends."),
                ["message"] = Str("Why: the reason it was turned off, or the streak and the last error."),
                ["failingSince"] = new JsonObject { ["type"] = Strings("string", "null"), ["format"] = "date-time" },
                ["consecutiveFailures"] = new JsonObject { ["type"] = "integer" },
            },
        }), WebhookAlerts.Payload("evt_example", name, At, "whk_example", "CRM sync", "tbl_deals", "https://crm.example.com/hooks/undb",
            name == WebhookEvents.WebhookDisabled ? "Disabled on 2026-12-01 09:30 UTC: the endpoint answered 410 Gone." : "5 deliveries in a row failed. Last error: HTTP 503",
            At.AddHours(-1), 5));

    /// <summary>The envelope every event shares.</summary>
    private static JsonObject Envelope(string name, JsonObject evt) => new()
    {
        ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
        ["title"] = name,
        ["type"] = "object",
        ["required"] = Strings("id", "name", "timestamp", "event"),
        ["properties"] = new JsonObject
        {
            ["id"] = Str("The event id; also the `webhook-id` header. Deduplicate on it: delivery is at least once."),
            ["name"] = new JsonObject { ["const"] = name },
            ["operatorId"] = new JsonObject { ["type"] = Strings("string", "null"), ["description"] = "The member who made the change; null for the engine." },
            ["timestamp"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            ["sequence"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Ordered webhooks only: 1, 2, 3… per webhook, in commit order." },
            ["event"] = evt,
        },
    };

    private static JsonObject RecordEventSchema(bool single, bool previous)
    {
        var record = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "Values by field name, plus id, createdAt, createdBy, updatedAt, updatedBy.",
            ["required"] = Strings("id"),
            ["properties"] = new JsonObject { ["id"] = Str(null) },
            ["additionalProperties"] = true,
        };
        var properties = new JsonObject
        {
            ["tableId"] = Str(null),
            ["tableName"] = Str(null),
        };
        if (single)
        {
            properties["record"] = record;
        }
        else
        {
            properties["records"] = new JsonObject { ["type"] = "array", ["items"] = record };
        }
        if (previous)
        {
            properties["previous"] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = single ? "The changed fields' earlier values, by field name." : "By record id: the changed fields' earlier values.",
                ["additionalProperties"] = true,
            };
        }
        return new JsonObject
        {
            ["type"] = "object",
            ["required"] = Strings("tableId", "tableName", single ? "record" : "records"),
            ["properties"] = properties,
        };
    }

    /// <summary>A real payload, built by the code that builds deliveries, for a sample table.</summary>
    public static JsonNode Example(string name)
    {
        var fields = new List<FieldEntity>
        {
            new() { Id = "fld_deal", TableId = "tbl_deals", Name = "Deal", Type = FieldType.Text, Order = 0 },
            new() { Id = "fld_value", TableId = "tbl_deals", Name = "Value", Type = FieldType.Number, Order = 1 },
        };
        var table = new TableSnapshot("tbl_deals", "Deals", fields);
        var actor = new UserRef("usr_example", "ada@example.com");
        if (name == WebhookEvents.Test)
        {
            return PayloadBuilder.ForTest("evt_example", table, actor, At);
        }
        if (WebhookEvents.Alerts.Contains(name))
        {
            return Find(name)!.Example;
        }
        var kind = name.EndsWith("created", StringComparison.Ordinal) ? ChangeKind.Created : name.EndsWith("updated", StringComparison.Ordinal) ? ChangeKind.Updated : ChangeKind.Deleted;
        var record = new RecordSnapshot("rec_example", new JsonObject { ["fld_deal"] = "Acme", ["fld_value"] = 1200 }, At, actor, At, actor);
        var change = new RecordChange("evt_example", kind, record, kind == ChangeKind.Updated ? new JsonObject { ["fld_value"] = 1000 } : null, ["fld_value"]);
        var bulk = name.Contains("bulk", StringComparison.Ordinal);
        var batch = ChangeBatch.Create(table, actor, At, [change], bulk ? kind : null);
        var payload = bulk ? PayloadBuilder.ForBulk(batch, [change]) : PayloadBuilder.ForRecord(batch, change);
        payload["id"] = "evt_example"; // a bulk event's id is made per batch
        return payload;
    }

    private static JsonObject Str(string? description) =>
        description is null ? new JsonObject { ["type"] = "string" } : new JsonObject { ["type"] = "string", ["description"] = description };

    private static JsonArray Strings(params string[] values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
