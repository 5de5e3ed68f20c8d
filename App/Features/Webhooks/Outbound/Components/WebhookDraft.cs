using System.Text.Json;
using System.Text.Json.Nodes;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound.Components;

/// <summary>The edit dialog's working copy of a webhook; turned into a <see cref="WebhookRequest"/> on save or test.</summary>
public sealed class WebhookDraft
{
    public string Name { get; set; } = "";
    public string Url { get; set; } = "";
    public string Method { get; set; } = "POST";
    public IReadOnlyCollection<string> Events { get; set; } = [WebhookEvents.Created, WebhookEvents.Updated, WebhookEvents.Deleted];
    public List<HeaderRow> Headers { get; } = [];
    public ConditionDraft Condition { get; } = new();
    /// <summary>The tables a workspace webhook leaves out.</summary>
    public IReadOnlyCollection<string> ExcludedTableIds { get; set; } = [];
    /// <summary>One at a time, in commit order, each payload with a <c>sequence</c>.</summary>
    public bool Ordered { get; set; }
    /// <summary>At most this many requests per second; null: no limit.</summary>
    public int? MaxPerSecond { get; set; }
    /// <summary>The body as a Liquid template; null or blank: the standard JSON payload.</summary>
    public string? PayloadTemplate { get; set; }
    /// <summary>How a templated body is sent: json, text or form.</summary>
    public string ContentType { get; set; } = Templates.PayloadContentTypes.Json;

    public static WebhookDraft From(WebhookDto dto)
    {
        var draft = new WebhookDraft { Name = dto.Name, Url = dto.Url, Method = dto.Method, Events = dto.Events.ToList(), ExcludedTableIds = dto.ExcludedTableIds.ToList(), Ordered = dto.Ordered, MaxPerSecond = dto.MaxPerSecond,
            PayloadTemplate = dto.PayloadTemplate, ContentType = dto.ContentType };
        // The values come masked; left as they are, saving keeps the saved ones.
        draft.Headers.AddRange(dto.Headers.Select(h => new HeaderRow { Name = h.Key, Value = h.Value, Saved = true }));
        // Fields by id, as stored: a rename while the dialog is open changes the names shown, not what is saved.
        draft.Condition.Load(dto.StoredCondition ?? dto.Condition);
        return draft;
    }

    /// <summary>The request to send; <paramref name="table"/> null for a workspace webhook (a condition on system fields, tables left out).</summary>
    public WebhookRequest ToRequest(TableSnapshot? table, bool? enabled = null) => new(
        Name, Url.Trim(), Method, Events.ToList(),
        // Blank rows are the "add header" placeholders, not headers.
        Headers.Where(h => !string.IsNullOrWhiteSpace(h.Name) || !string.IsNullOrWhiteSpace(h.Value))
            .GroupBy(h => h.Name.Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last().Value),
        enabled,
        // A workspace webhook's condition is on system fields; "" when emptied clears a saved one.
        table is null ? Condition.ToCondition(WorkspaceConditionFields.Table) ?? new WebhookCondition("and", [], []) : Condition.ToCondition(table),
        table is null ? ExcludedTableIds.ToList() : null,
        Ordered,
        // 0 clears a saved limit (null would leave it as it is).
        MaxPerSecond ?? 0)
    {
        // "" clears a saved template (null would leave it as it is).
        PayloadTemplate = string.IsNullOrWhiteSpace(PayloadTemplate) ? "" : PayloadTemplate,
        ContentType = ContentType,
    };
}

public sealed class HeaderRow
{
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";

    /// <summary>Loaded from the saved webhook (its value arrives masked), as opposed to added in this dialog.</summary>
    public bool Saved { get; init; }

    /// <summary>The saved value once revealed, so hiding it again can tell whether it was changed.</summary>
    public string? Revealed { get; set; }

    public bool IsMasked => Saved && Value == WebhookHeaderValues.Mask;
}

/// <summary>
/// Condition rows as the builder edits them: fields by id (the engine takes an id wherever it takes a name), values as
/// typed text, converted to JSON by the field's type.
/// </summary>
public sealed class ConditionDraft
{
    public string Conjunction { get; set; } = "and";
    public List<ConditionRow> Rows { get; } = [];
    public IReadOnlyCollection<string> ChangedFields { get; set; } = [];

    public bool IsEmpty => Rows.Count == 0 && !ChangedFields.Any();

    public void Load(WebhookCondition? condition)
    {
        Rows.Clear();
        Conjunction = condition?.IsAny == true ? "or" : "and";
        ChangedFields = condition?.ChangedFields?.ToList() ?? [];
        foreach (var f in condition?.Filters ?? [])
        {
            Rows.Add(new ConditionRow { Field = f.Field, Operator = f.Operator, Value = ToText(f.Value) });
        }
    }

    /// <summary>The condition to send; null when nothing is set, so the webhook fires on every matching event.</summary>
    public WebhookCondition? ToCondition(TableSnapshot table)
    {
        if (IsEmpty)
        {
            return null;
        }
        var filters = Rows.Select(r => new ConditionFilter(r.Field, r.Operator,
            ConditionOperators.TakesValue(r.Operator) ? ToJson(FieldOf(table, r.Field), r.Value) : null)).ToList();
        return new WebhookCondition(Conjunction, filters, ChangedFields.ToList());
    }

    /// <summary>The field a row refers to, by id (or by name, as the API takes it); null when it was deleted.</summary>
    public static FieldEntity? FieldOf(TableSnapshot table, string? key) => key is null ? null : RecordService.ResolveField(table, key);

    /// <summary>
    /// Text as the user typed it; the engine coerces it by the field's type (so "1200" becomes a number). Only a
    /// multiple select needs a list, written comma-separated.
    /// </summary>
    public static JsonNode? ToJson(FieldEntity? field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (field?.Type == FieldType.MultiSelect)
        {
            return new JsonArray(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => (JsonNode?)v).ToArray());
        }
        return JsonValue.Create(text.Trim());
    }

    public static string ToText(JsonNode? value) => value switch
    {
        null => "",
        JsonArray a => string.Join(", ", a.Select(n => n is null ? "" : ToText(n))),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };
}

public sealed class ConditionRow
{
    public string Field { get; set; } = "";
    public string Operator { get; set; } = ConditionOperators.Is;
    public string Value { get; set; } = "";
}
