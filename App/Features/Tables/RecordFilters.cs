using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Undb.Data;

namespace Undb.Features.Tables;

public enum FilterOperator
{
    Is,
    IsNot,
    Contains,
    DoesNotContain,
    GreaterThan,
    LessThan,
    GreaterOrEqual,
    LessOrEqual,
    IsEmpty,
    IsNotEmpty,
    IsAnyOf,
}

/// <summary>One condition on one field. <see cref="Value"/> for single-value operators, <see cref="Values"/> for "is any of".</summary>
public sealed record RecordFilter(string FieldId, FilterOperator Operator, string? Value = null, IReadOnlyList<string>? Values = null);

/// <summary>Which operators fit which field type, and how each becomes a database predicate (all filters combine with AND).</summary>
public static class RecordFilters
{
    public static IReadOnlyList<FilterOperator> OperatorsFor(FieldType type) => type switch
    {
        FieldType.Number => [FilterOperator.Is, FilterOperator.IsNot, FilterOperator.GreaterThan, FilterOperator.LessThan, FilterOperator.GreaterOrEqual, FilterOperator.LessOrEqual, FilterOperator.IsEmpty, FilterOperator.IsNotEmpty],
        FieldType.Date => [FilterOperator.Is, FilterOperator.IsNot, FilterOperator.GreaterThan, FilterOperator.LessThan, FilterOperator.GreaterOrEqual, FilterOperator.LessOrEqual, FilterOperator.IsEmpty, FilterOperator.IsNotEmpty],
        FieldType.Checkbox => [FilterOperator.Is],
        FieldType.SingleSelect => [FilterOperator.Is, FilterOperator.IsNot, FilterOperator.IsAnyOf, FilterOperator.IsEmpty, FilterOperator.IsNotEmpty],
        FieldType.MultiSelect => [FilterOperator.Contains, FilterOperator.DoesNotContain, FilterOperator.IsAnyOf, FilterOperator.IsEmpty, FilterOperator.IsNotEmpty],
        _ => [FilterOperator.Contains, FilterOperator.DoesNotContain, FilterOperator.Is, FilterOperator.IsNot, FilterOperator.IsAnyOf, FilterOperator.IsEmpty, FilterOperator.IsNotEmpty],
    };

    public static string Label(FilterOperator op, FieldType type) => (op, type) switch
    {
        (FilterOperator.GreaterThan, FieldType.Date) => "is after",
        (FilterOperator.LessThan, FieldType.Date) => "is before",
        (FilterOperator.GreaterOrEqual, FieldType.Date) => "is on or after",
        (FilterOperator.LessOrEqual, FieldType.Date) => "is on or before",
        (FilterOperator.Contains, FieldType.MultiSelect) => "has",
        (FilterOperator.DoesNotContain, FieldType.MultiSelect) => "does not have",
        (FilterOperator.IsAnyOf, FieldType.MultiSelect) => "has any of",
        (FilterOperator.Is, _) => "is",
        (FilterOperator.IsNot, _) => "is not",
        (FilterOperator.Contains, _) => "contains",
        (FilterOperator.DoesNotContain, _) => "does not contain",
        (FilterOperator.GreaterThan, _) => ">",
        (FilterOperator.LessThan, _) => "<",
        (FilterOperator.GreaterOrEqual, _) => "≥",
        (FilterOperator.LessOrEqual, _) => "≤",
        (FilterOperator.IsEmpty, _) => "is empty",
        (FilterOperator.IsNotEmpty, _) => "is not empty",
        (FilterOperator.IsAnyOf, _) => "is any of",
        _ => op.ToString(),
    };

    public static bool NeedsValue(FilterOperator op) => op is not (FilterOperator.IsEmpty or FilterOperator.IsNotEmpty);

    /// <summary>True when the filter has what its operator needs (the UI skips half-typed filters instead of failing).</summary>
    public static bool IsComplete(RecordFilter filter) => filter.Operator switch
    {
        FilterOperator.IsEmpty or FilterOperator.IsNotEmpty => true,
        FilterOperator.IsAnyOf => filter.Values is { Count: > 0 },
        _ => !string.IsNullOrWhiteSpace(filter.Value),
    };

    public static IQueryable<RecordEntity> Apply(IQueryable<RecordEntity> records, TableSnapshot table, IEnumerable<RecordFilter> filters)
    {
        foreach (var filter in filters)
        {
            records = records.Where(Predicate(Resolve(table, filter), filter));
        }
        return records;
    }

    /// <summary>
    /// Throws <see cref="BadRequestException"/> for a filter on no such field, with an operator that does not apply, or
    /// with a value that does not fit (building the predicate checks it; nothing is queried).
    /// </summary>
    public static void Check(TableSnapshot table, IEnumerable<RecordFilter> filters)
    {
        foreach (var filter in filters)
        {
            _ = Predicate(Resolve(table, filter), filter);
        }
    }

    private static FieldEntity Resolve(TableSnapshot table, RecordFilter filter)
    {
        var field = RecordService.ResolveField(table, filter.FieldId)
            ?? throw new BadRequestException($"Cannot filter by '{filter.FieldId}': table '{table.Name}' has no such field.");
        if (!OperatorsFor(field.Type).Contains(filter.Operator))
        {
            throw new BadRequestException($"'{Label(filter.Operator, field.Type)}' does not apply to {field.Type.DisplayName().ToLowerInvariant()} field '{field.Name}'.");
        }
        if (!IsComplete(filter))
        {
            throw new BadRequestException($"The filter on '{field.Name}' needs a value.");
        }
        return field;
    }

    private static Expression<Func<RecordEntity, bool>> Predicate(FieldEntity field, RecordFilter filter)
    {
        // Locals captured by the lambdas below become SQL parameters.
        var path = JsonFunctions.FieldPath(field.Id);
        var op = filter.Operator;
        if (op == FilterOperator.IsEmpty)
        {
            // Empty values are never stored (RecordService removes them), so "empty" is "absent".
            return r => JsonFunctions.Value(r.Data, path) == null;
        }
        if (op == FilterOperator.IsNotEmpty)
        {
            return r => JsonFunctions.Value(r.Data, path) != null;
        }
        return field.Type switch
        {
            FieldType.Number => NumberPredicate(field, path, op, filter.Value!),
            FieldType.Checkbox => CheckboxPredicate(field, path, filter.Value!),
            FieldType.Date => DatePredicate(field, path, op, filter.Value!),
            FieldType.SingleSelect => SelectPredicate(field, path, op, filter),
            FieldType.MultiSelect => MultiSelectPredicate(field, path, op, filter),
            _ => TextPredicate(path, op, filter),
        };
    }

    private static Expression<Func<RecordEntity, bool>> TextPredicate(string path, FilterOperator op, RecordFilter filter)
    {
        // Lower-casing both sides keeps matching case-insensitive on every provider.
        var lowered = filter.Value?.Trim().ToLowerInvariant() ?? "";
        var pattern = "%" + EscapeLike(lowered) + "%";
        var values = (filter.Values ?? []).Select(v => v.Trim().ToLowerInvariant()).ToList();
        return op switch
        {
            FilterOperator.Is => r => JsonFunctions.Value(r.Data, path)!.ToLower() == lowered,
            FilterOperator.IsNot => r => JsonFunctions.Value(r.Data, path) == null || JsonFunctions.Value(r.Data, path)!.ToLower() != lowered,
            FilterOperator.Contains => r => JsonFunctions.Matches(JsonFunctions.Value(r.Data, path)!.ToLower(), pattern),
            FilterOperator.DoesNotContain => r => JsonFunctions.Value(r.Data, path) == null || !JsonFunctions.Matches(JsonFunctions.Value(r.Data, path)!.ToLower(), pattern),
            FilterOperator.IsAnyOf => r => values.Contains(JsonFunctions.Value(r.Data, path)!.ToLower()),
            _ => throw new BadRequestException($"Unsupported operator {op}."),
        };
    }

    private static Expression<Func<RecordEntity, bool>> NumberPredicate(FieldEntity field, string path, FilterOperator op, string raw)
    {
        if (!decimal.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            throw new BadRequestException($"The filter on '{field.Name}' needs a number, not \"{raw}\".");
        }
        var n = (double)parsed;
        return op switch
        {
            FilterOperator.Is => r => JsonFunctions.Number(r.Data, path) == n,
            FilterOperator.IsNot => r => JsonFunctions.Number(r.Data, path) == null || JsonFunctions.Number(r.Data, path) != n,
            FilterOperator.GreaterThan => r => JsonFunctions.Number(r.Data, path) > n,
            FilterOperator.LessThan => r => JsonFunctions.Number(r.Data, path) < n,
            FilterOperator.GreaterOrEqual => r => JsonFunctions.Number(r.Data, path) >= n,
            FilterOperator.LessOrEqual => r => JsonFunctions.Number(r.Data, path) <= n,
            _ => throw new BadRequestException($"Unsupported operator {op}."),
        };
    }

    private static Expression<Func<RecordEntity, bool>> CheckboxPredicate(FieldEntity field, string path, string raw)
    {
        if (!bool.TryParse(raw.Trim(), out var wanted))
        {
            throw new BadRequestException($"The filter on '{field.Name}' needs true or false.");
        }
        // JSON true/false read as numbers 1/0; an unchecked box may also have no value at all.
        return wanted
            ? r => JsonFunctions.Number(r.Data, path) == 1
            : r => JsonFunctions.Number(r.Data, path) == null || JsonFunctions.Number(r.Data, path) == 0;
    }

    /// <summary>
    /// Dates are stored as ISO text (<c>2026-11-22</c> or <c>2026-11-22T10:00:00.000Z</c>), which orders as text.
    /// A day's values all start with "yyyy-MM-dd", so "after day D" means "sorts after D + '~'" ('~' follows 'T' and digits).
    /// </summary>
    private static Expression<Func<RecordEntity, bool>> DatePredicate(FieldEntity field, string path, FilterOperator op, string raw)
    {
        var normalized = ValueCoercer.NormalizeDate(raw.Trim())
            ?? throw new BadRequestException($"The filter on '{field.Name}' needs a date such as 2026-11-22, not \"{raw}\".");
        var day = normalized[..10];
        var dayEnd = day + "~";
        var dayPrefix = day + "%";
        return op switch
        {
            FilterOperator.Is => r => JsonFunctions.Matches(JsonFunctions.Value(r.Data, path)!, dayPrefix),
            FilterOperator.IsNot => r => JsonFunctions.Value(r.Data, path) == null || !JsonFunctions.Matches(JsonFunctions.Value(r.Data, path)!, dayPrefix),
            FilterOperator.GreaterThan => r => string.Compare(JsonFunctions.Value(r.Data, path), dayEnd) > 0,
            FilterOperator.LessThan => r => string.Compare(JsonFunctions.Value(r.Data, path), day) < 0,
            FilterOperator.GreaterOrEqual => r => string.Compare(JsonFunctions.Value(r.Data, path), day) >= 0,
            FilterOperator.LessOrEqual => r => string.Compare(JsonFunctions.Value(r.Data, path), dayEnd) < 0,
            _ => throw new BadRequestException($"Unsupported operator {op}."),
        };
    }

    private static Expression<Func<RecordEntity, bool>> SelectPredicate(FieldEntity field, string path, FilterOperator op, RecordFilter filter)
    {
        var choice = Canonical(field, filter.Value ?? "");
        var choices = (filter.Values ?? []).Select(v => Canonical(field, v)).ToList();
        return op switch
        {
            FilterOperator.Is => r => JsonFunctions.Value(r.Data, path) == choice,
            FilterOperator.IsNot => r => JsonFunctions.Value(r.Data, path) == null || JsonFunctions.Value(r.Data, path) != choice,
            FilterOperator.IsAnyOf => r => choices.Contains(JsonFunctions.Value(r.Data, path)!),
            _ => throw new BadRequestException($"Unsupported operator {op}."),
        };
    }

    /// <summary>A multi-select value is stored as a JSON array; the array's text contains <c>"choice"</c> exactly when the choice is set.</summary>
    private static Expression<Func<RecordEntity, bool>> MultiSelectPredicate(FieldEntity field, string path, FilterOperator op, RecordFilter filter)
    {
        string PatternFor(string v) => "%" + EscapeLike(JsonSerializer.Serialize(Canonical(field, v), JsonStorage.Options)) + "%";
        if (op == FilterOperator.IsAnyOf)
        {
            var parts = (filter.Values ?? []).Select(v =>
            {
                var p = PatternFor(v);
                return (Expression<Func<RecordEntity, bool>>)(r => JsonFunctions.Matches(JsonFunctions.Value(r.Data, path)!, p));
            });
            return Or(parts);
        }
        var pattern = PatternFor(filter.Value ?? "");
        return op switch
        {
            FilterOperator.Contains => r => JsonFunctions.Matches(JsonFunctions.Value(r.Data, path)!, pattern),
            FilterOperator.DoesNotContain => r => JsonFunctions.Value(r.Data, path) == null || !JsonFunctions.Matches(JsonFunctions.Value(r.Data, path)!, pattern),
            _ => throw new BadRequestException($"Unsupported operator {op}."),
        };
    }

    private static string Canonical(FieldEntity field, string value)
    {
        var trimmed = value.Trim();
        return field.Choices.FirstOrDefault(c => string.Equals(c, trimmed, StringComparison.OrdinalIgnoreCase)) ?? trimmed;
    }

    private static Expression<Func<RecordEntity, bool>> Or(IEnumerable<Expression<Func<RecordEntity, bool>>> parts)
    {
        var r = Expression.Parameter(typeof(RecordEntity), "r");
        Expression? body = null;
        foreach (var part in parts)
        {
            var rebound = ReplacingExpressionVisitor.Replace(part.Parameters[0], r, part.Body);
            body = body is null ? rebound : Expression.OrElse(body, rebound);
        }
        return Expression.Lambda<Func<RecordEntity, bool>>(body ?? Expression.Constant(false), r);
    }

    internal static string EscapeLike(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
