using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>One filter row: a field (name in the API, id when stored), an operator and a value.</summary>
public sealed record ConditionFilter(string Field, string Operator, JsonNode? Value = null);

/// <summary>
/// When a webhook fires: filter rows joined by <c>and</c>/<c>or</c>, evaluated on the record after the change, and
/// optionally "only when one of these fields changed" (updates only: creating or deleting a record changes no field).
/// </summary>
public sealed record WebhookCondition(string? Conjunction, IReadOnlyList<ConditionFilter>? Filters, IReadOnlyList<string>? ChangedFields)
{
    public bool IsAny => string.Equals(Conjunction, "or", StringComparison.OrdinalIgnoreCase);
}

public static class ConditionOperators
{
    public const string Is = "is", IsNot = "isNot", Contains = "contains", NotContains = "notContains";
    public const string Gt = "gt", Gte = "gte", Lt = "lt", Lte = "lte", IsEmpty = "isEmpty", IsNotEmpty = "isNotEmpty";

    public static readonly IReadOnlyList<string> All = [Is, IsNot, Contains, NotContains, Gt, Gte, Lt, Lte, IsEmpty, IsNotEmpty];

    public static bool AppliesTo(string op, FieldType type) => op switch
    {
        Contains or NotContains => type is FieldType.Text or FieldType.LongText or FieldType.Email or FieldType.Url or FieldType.MultiSelect,
        Gt or Gte or Lt or Lte => type is FieldType.Number or FieldType.Date,
        _ => true,
    };

    public static bool TakesValue(string op) => op is not (IsEmpty or IsNotEmpty);
}

/// <summary>Evaluates a stored condition (fields by id, values already coerced to the field type) on a change.</summary>
public static class ConditionEvaluator
{
    /// <param name="actor">Who made the change, for the <c>changedBy</c> system field of workspace webhooks.</param>
    public static bool Matches(WebhookCondition? condition, RecordChange change, TableSnapshot table, UserRef? actor = null)
    {
        if (condition is null)
        {
            return true;
        }
        if (condition.ChangedFields is { Count: > 0 } watched && change.Kind == ChangeKind.Updated
            && !watched.Intersect(change.ChangedFieldIds).Any())
        {
            return false;
        }
        var filters = condition.Filters ?? [];
        if (filters.Count == 0)
        {
            return true;
        }
        var values = change.Record.Values;
        // A filter on a field deleted since the condition was saved matches nothing (see ConditionMapper.Problems for why).
        // A workspace webhook's filters name system fields (only they pass its checks); a table's field ids never clash with them.
        bool Test(ConditionFilter f) => table.FieldById(f.Field) is { } field
            ? Evaluate(field, f.Operator, values[field.Id], f.Value)
            : WorkspaceConditionFields.Table.FieldById(f.Field) is { } system && Evaluate(system, f.Operator, WorkspaceConditionFields.Value(system.Id, change, table, actor), f.Value);
        return condition.IsAny ? filters.Any(Test) : filters.All(Test);
    }

    public static bool Evaluate(FieldEntity field, string op, JsonNode? actual, JsonNode? expected)
    {
        var empty = ValueCoercer.IsEmpty(actual);
        return op switch
        {
            ConditionOperators.IsEmpty => empty,
            ConditionOperators.IsNotEmpty => !empty,
            ConditionOperators.Is => AreEqual(field, actual, expected),
            ConditionOperators.IsNot => !AreEqual(field, actual, expected),
            ConditionOperators.Contains => !empty && Contains(field, actual!, expected),
            ConditionOperators.NotContains => empty || !Contains(field, actual!, expected),
            ConditionOperators.Gt => !empty && Compare(field, actual!, expected) > 0,
            ConditionOperators.Gte => !empty && Compare(field, actual!, expected) >= 0,
            ConditionOperators.Lt => !empty && Compare(field, actual!, expected) < 0,
            ConditionOperators.Lte => !empty && Compare(field, actual!, expected) <= 0,
            _ => false,
        };
    }

    private static bool AreEqual(FieldEntity field, JsonNode? actual, JsonNode? expected)
    {
        if (ValueCoercer.IsEmpty(actual) || ValueCoercer.IsEmpty(expected))
        {
            return ValueCoercer.IsEmpty(actual) && ValueCoercer.IsEmpty(expected);
        }
        return field.Type switch
        {
            FieldType.Number => Number(actual!) == Number(expected!),
            FieldType.MultiSelect => Strings(actual!).ToHashSet().SetEquals(Strings(expected!)),
            FieldType.Text or FieldType.LongText or FieldType.Email or FieldType.Url =>
                string.Equals(Text(actual!), Text(expected!), StringComparison.OrdinalIgnoreCase),
            _ => JsonNode.DeepEquals(actual, expected),
        };
    }

    private static bool Contains(FieldEntity field, JsonNode actual, JsonNode? expected)
    {
        if (expected is null)
        {
            return true;
        }
        return field.Type == FieldType.MultiSelect
            ? Strings(expected).All(Strings(actual).Contains)
            : Text(actual).Contains(Text(expected), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Numbers compare as numbers; dates are stored normalized ISO 8601, so they compare as text.</summary>
    private static int Compare(FieldEntity field, JsonNode actual, JsonNode? expected)
    {
        if (expected is null)
        {
            return 0;
        }
        return field.Type == FieldType.Number
            ? Number(actual).CompareTo(Number(expected))
            : string.CompareOrdinal(Text(actual), Text(expected));
    }

    private static decimal Number(JsonNode node) =>
        decimal.TryParse(node.ToJsonString().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0m;

    private static string Text(JsonNode node) => node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();

    private static IEnumerable<string> Strings(JsonNode node) =>
        node is JsonArray a ? a.Where(n => n is not null).Select(n => Text(n!)) : [Text(node)];
}
