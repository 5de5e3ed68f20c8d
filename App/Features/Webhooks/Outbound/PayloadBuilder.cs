using System.Text.Json.Nodes;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Infrastructure;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Builds the undb-shaped JSON payload of DESIGN.md, "Events and payload"; values keyed by field name.</summary>
public static class PayloadBuilder
{
    /// <summary>A per-record event: <c>event.record</c>, plus <c>event.previous</c> for updates.</summary>
    public static JsonObject ForRecord(ChangeBatch batch, RecordChange change)
    {
        var evt = TableHeader(batch.Table);
        evt["record"] = RecordObject(change.Record, batch.Table);
        if (change.Kind == ChangeKind.Updated)
        {
            evt["previous"] = Previous(change, batch.Table);
        }
        return Envelope(change.EventId, WebhookEvents.ForRecord(change.Kind), batch.Actor, batch.At, evt);
    }

    /// <summary>A bulk event: <c>event.records</c>, and for updates <c>event.previous</c> keyed by record id.</summary>
    public static JsonObject ForBulk(ChangeBatch batch, IReadOnlyList<RecordChange> changes)
    {
        var evt = TableHeader(batch.Table);
        evt["records"] = new JsonArray(changes.Select(c => (JsonNode?)RecordObject(c.Record, batch.Table)).ToArray());
        if (batch.BulkKind == ChangeKind.Updated)
        {
            var previous = new JsonObject();
            foreach (var change in changes)
            {
                previous[change.Record.Id] = Previous(change, batch.Table);
            }
            evt["previous"] = previous;
        }
        return Envelope(batch.BulkEventId!, WebhookEvents.ForBulk(batch.BulkKind!.Value), batch.Actor, batch.At, evt);
    }

    /// <summary>The sample event "test" sends: the table and a made-up record, so a receiver can check its parsing.</summary>
    public static JsonObject ForTest(string eventId, TableSnapshot table, UserRef? actor, DateTimeOffset at)
    {
        var evt = TableHeader(table);
        var record = new JsonObject { ["id"] = "rec_test" };
        foreach (var field in table.Fields)
        {
            record[field.Name] = SampleValue(field);
        }
        record["createdAt"] = UtcDateTimeOffsetConverter.Text(at);
        record["createdBy"] = UserObject(actor);
        record["updatedAt"] = UtcDateTimeOffsetConverter.Text(at);
        record["updatedBy"] = UserObject(actor);
        evt["record"] = record;
        return Envelope(eventId, WebhookEvents.Test, actor, at, evt);
    }

    public static string Serialize(JsonObject payload) => JsonStorage.Serialize(payload);

    private static JsonObject Envelope(string eventId, string name, UserRef? actor, DateTimeOffset at, JsonObject evt) => new()
    {
        ["id"] = eventId,
        ["operatorId"] = actor?.Id,
        ["name"] = name,
        ["timestamp"] = UtcDateTimeOffsetConverter.Text(at),
        ["event"] = evt,
    };

    private static JsonObject TableHeader(TableSnapshot table) => new() { ["tableId"] = table.Id, ["tableName"] = table.Name };

    private static JsonObject RecordObject(RecordSnapshot record, TableSnapshot table)
    {
        var result = new JsonObject { ["id"] = record.Id };
        foreach (var (name, value) in ApiMapping.ValuesByName(record.Values, table).ToList())
        {
            result[name] = value?.DeepClone();
        }
        result["createdAt"] = UtcDateTimeOffsetConverter.Text(record.CreatedAt);
        result["createdBy"] = UserObject(record.CreatedBy);
        result["updatedAt"] = UtcDateTimeOffsetConverter.Text(record.UpdatedAt);
        result["updatedBy"] = UserObject(record.UpdatedBy);
        return result;
    }

    /// <summary>Old values of the changed fields by name; a field that had no value is null.</summary>
    private static JsonObject Previous(RecordChange change, TableSnapshot table)
    {
        var result = new JsonObject();
        foreach (var (fieldId, value) in change.Previous ?? [])
        {
            if (table.FieldById(fieldId) is { } field)
            {
                result[field.Name] = value?.DeepClone();
            }
        }
        return result;
    }

    private static JsonObject? UserObject(UserRef? user) => user is null ? null : new JsonObject { ["id"] = user.Id, ["username"] = user.Username };

    private static JsonNode? SampleValue(FieldEntity field) => field.Type switch
    {
        FieldType.Number => 42,
        FieldType.Checkbox => true,
        FieldType.SingleSelect => field.Choices.FirstOrDefault(),
        FieldType.MultiSelect => new JsonArray(field.Choices.Take(1).Select(c => (JsonNode?)c).ToArray()),
        FieldType.Date => "2026-01-01",
        FieldType.Email => "test@example.com",
        FieldType.Url => "https://example.com",
        _ => "Test " + field.Name,
    };
}
