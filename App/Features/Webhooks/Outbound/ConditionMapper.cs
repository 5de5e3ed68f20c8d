using System.Text.Json;
using System.Text.Json.Nodes;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Converts a condition between the API form (fields by name, raw values) and the stored form (fields by id,
/// values coerced like record input), collecting every problem so the caller can answer 400 with all of them.
/// </summary>
public static class ConditionMapper
{
    public const int MaxFilters = 50;

    public static WebhookCondition? ToStored(WebhookCondition? input, TableSnapshot table, Dictionary<string, string[]> errors)
    {
        if (input is null)
        {
            return null;
        }
        var conjunction = (input.Conjunction ?? "and").Trim().ToLowerInvariant();
        if (conjunction is not ("and" or "or"))
        {
            errors["condition.conjunction"] = ["Use \"and\" or \"or\"."];
        }
        var filters = new List<ConditionFilter>();
        var rows = input.Filters ?? [];
        if (rows.Count > MaxFilters)
        {
            errors["condition.filters"] = [$"A condition has at most {MaxFilters} filters."];
        }
        for (var i = 0; i < rows.Count && i < MaxFilters; i++)
        {
            if (ToStoredFilter(rows[i], table, $"condition.filters[{i}]", errors) is { } stored)
            {
                filters.Add(stored);
            }
        }
        var changed = new List<string>();
        var watched = input.ChangedFields ?? [];
        for (var i = 0; i < watched.Count; i++)
        {
            if (RecordService.ResolveField(table, watched[i] ?? "") is { } field)
            {
                changed.Add(field.Id);
            }
            else
            {
                errors[$"condition.changedFields[{i}]"] = [IsFieldId(watched[i])
                    ? "A field in this list was deleted; remove it."
                    : $"'{watched[i]}' is not a field of table '{table.Name}'."];
            }
        }
        return new WebhookCondition(conjunction, filters, changed.Distinct().ToList());
    }

    private static ConditionFilter? ToStoredFilter(ConditionFilter row, TableSnapshot table, string key, Dictionary<string, string[]> errors)
    {
        var field = RecordService.ResolveField(table, row.Field ?? "");
        if (field is null)
        {
            errors[key + ".field"] = [IsFieldId(row.Field)
                ? "This field was deleted. Choose another field, or remove this filter."
                : $"'{row.Field}' is not a field of table '{table.Name}'."];
            return null;
        }
        var op = ConditionOperators.All.FirstOrDefault(o => string.Equals(o, row.Operator?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (op is null)
        {
            errors[key + ".operator"] = [$"Use one of {string.Join(", ", ConditionOperators.All)}."];
            return null;
        }
        if (!ConditionOperators.AppliesTo(op, field.Type))
        {
            errors[key + ".operator"] = [$"'{op}' does not apply to the {field.Type.ToApiName()} field '{field.Name}'."];
            return null;
        }
        if (!ConditionOperators.TakesValue(op))
        {
            return new ConditionFilter(field.Id, op);
        }
        if (ValueCoercer.IsEmpty(row.Value))
        {
            // Read under the value box in the dialog and in an API answer: the dialog's label and the API's name.
            errors[key + ".value"] = ["Needs a value; to match an empty field, use \"is empty\" (isEmpty)."];
            return null;
        }
        // Text "contains" takes any fragment; everything else must be a valid value of the field.
        if (op is ConditionOperators.Contains or ConditionOperators.NotContains && field.Type != FieldType.MultiSelect)
        {
            return new ConditionFilter(field.Id, op, JsonValue.Create(row.Value!.GetValueKind() == JsonValueKind.String ? row.Value.GetValue<string>() : row.Value.ToJsonString()));
        }
        var probe = new FieldEntity { Id = field.Id, TableId = field.TableId, Name = field.Name, Type = field.Type, Choices = field.Choices, Required = false };
        if (ValueCoercer.TryCoerce(probe, row.Value, out var value) is { } error)
        {
            errors[key + ".value"] = [$"{field.Name} {error}."];
            return null;
        }
        return new ConditionFilter(field.Id, op, value);
    }

    /// <summary>The stored condition with field ids turned back into names (a deleted field keeps its id).</summary>
    public static WebhookCondition? ToApi(WebhookCondition? stored, TableSnapshot table)
    {
        if (stored is null)
        {
            return null;
        }
        string Name(string id) => table.FieldById(id)?.Name ?? id;
        return new WebhookCondition(
            stored.Conjunction ?? "and",
            (stored.Filters ?? []).Select(f => f with { Field = Name(f.Field), Value = f.Value?.DeepClone() }).ToList(),
            (stored.ChangedFields ?? []).Select(Name).ToList());
    }

    /// <summary>
    /// What keeps a stored condition from working as written: fields it uses that were deleted. A filter on a deleted
    /// field matches no change (ConditionEvaluator): sending records the user chose to filter out could set off
    /// something at the receiver that cannot be undone, while a webhook that sends less is fixable and says so here.
    /// </summary>
    public static IReadOnlyList<WebhookProblem> Problems(WebhookCondition? stored, TableSnapshot table)
    {
        if (stored is null)
        {
            return [];
        }
        var problems = new List<WebhookProblem>();
        var filters = stored.Filters ?? [];
        var deleted = filters.Where(f => table.FieldById(f.Field) is null).Select(f => f.Field).Distinct().ToList();
        if (deleted.Count > 0)
        {
            var othersCanMatch = stored.IsAny && filters.Any(f => table.FieldById(f.Field) is not null);
            problems.Add(new WebhookProblem(DeletedField, othersCanMatch
                ? "The condition has a filter on a deleted field. That filter matches nothing, so only the other filters can send. Edit the condition to change or remove it."
                : "The condition filters on a deleted field, so no change matches it and nothing is sent. Edit the condition to change or remove that filter.",
                deleted[0]));
        }
        var watched = stored.ChangedFields ?? [];
        var gone = watched.Where(id => table.FieldById(id) is null).ToList();
        if (gone.Count > 0)
        {
            problems.Add(new WebhookProblem(DeletedField, gone.Count == watched.Count
                ? "The condition waits for a change to a deleted field, so updates are not sent. Edit the condition to watch another field, or none."
                : "The condition watches a deleted field, which never changes. Edit the condition to remove it from the watched fields.",
                gone[0]));
        }
        return problems;
    }

    public const string DeletedField = "deletedField";

    private static bool IsFieldId(string? key) => key?.StartsWith(Undb.Data.Ids.Field + "_", StringComparison.Ordinal) == true;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web);

    public static string? Serialize(WebhookCondition? condition) => condition is null ? null : JsonSerializer.Serialize(condition, Json);

    public static WebhookCondition? Deserialize(string? json) => json is null ? null : JsonSerializer.Deserialize<WebhookCondition>(json, Json);
}
