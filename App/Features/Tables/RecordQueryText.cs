using System.Text.Json;

namespace Undb.Features.Tables;

/// <summary>
/// A grid view in URL query parameters, shared by <c>GET …/records</c> and <c>GET …/export.csv</c> (and written by the
/// grid for its download link): <c>sort=Field</c>, <c>-Field</c> or <c>Field:desc</c>; <c>search=text</c>; and
/// <c>filter=Field:operator:value</c>, repeated, all of which must match. A field is named by its name or its id (use
/// the id when a name holds a colon); the value is the rest after the second colon, so it may hold colons itself.
/// <c>isAnyOf</c> takes comma-separated values or a JSON array of strings (for values that hold commas).
/// </summary>
public static class RecordQueryText
{
    private static readonly (string Name, FilterOperator Operator)[] OperatorNames =
    [
        ("is", FilterOperator.Is), ("isNot", FilterOperator.IsNot), ("contains", FilterOperator.Contains),
        ("notContains", FilterOperator.DoesNotContain), ("gt", FilterOperator.GreaterThan), ("gte", FilterOperator.GreaterOrEqual),
        ("lt", FilterOperator.LessThan), ("lte", FilterOperator.LessOrEqual), ("isEmpty", FilterOperator.IsEmpty),
        ("isNotEmpty", FilterOperator.IsNotEmpty), ("isAnyOf", FilterOperator.IsAnyOf),
    ];

    public static string OperatorName(FilterOperator op) => OperatorNames.First(o => o.Operator == op).Name;

    /// <summary>The view the parameters describe (offset and limit as given); a malformed filter is a <see cref="BadRequestException"/>.</summary>
    public static RecordQuery Parse(string? sort, string? search, IReadOnlyList<string>? filters, int offset = 0, int limit = 50)
    {
        var (sortField, descending) = TablesApi.ParseSort(sort);
        return new RecordQuery(offset, limit, sortField, descending, search, ParseFilters(filters));
    }

    public static IReadOnlyList<RecordFilter> ParseFilters(IReadOnlyList<string>? filters)
    {
        var result = new List<RecordFilter>();
        for (var i = 0; i < (filters?.Count ?? 0); i++)
        {
            result.Add(ParseFilter(filters![i], $"filter[{i}]"));
        }
        return result;
    }

    private static RecordFilter ParseFilter(string text, string key)
    {
        var first = text.IndexOf(':');
        if (first <= 0)
        {
            throw Bad(key, $"'{text}' is not a filter; write Field:operator:value, e.g. Stage:is:Won or Value:gt:100.");
        }
        var field = text[..first].Trim();
        var rest = text[(first + 1)..];
        var second = rest.IndexOf(':');
        var opName = (second < 0 ? rest : rest[..second]).Trim();
        var value = second < 0 ? null : rest[(second + 1)..];
        var match = OperatorNames.FirstOrDefault(o => string.Equals(o.Name, opName, StringComparison.OrdinalIgnoreCase));
        if (match.Name is null)
        {
            throw Bad(key, $"'{opName}' is not a filter operator; use one of {string.Join(", ", OperatorNames.Select(o => o.Name))}.");
        }
        if (match.Operator != FilterOperator.IsAnyOf)
        {
            return new RecordFilter(field, match.Operator, string.IsNullOrEmpty(value) ? null : value);
        }
        return new RecordFilter(field, match.Operator, value, AnyOf(value, key));
    }

    private static List<string> AnyOf(string? value, string key)
    {
        if (value?.TrimStart().StartsWith('[') == true)
        {
            try
            {
                return JsonSerializer.Deserialize<List<string>>(value)?.Where(v => v is not null).ToList() ?? [];
            }
            catch (JsonException)
            {
                throw Bad(key, "isAnyOf takes comma-separated values or a JSON array of strings, such as [\"Lead\",\"Won\"].");
            }
        }
        return (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static BadRequestException Bad(string key, string message) =>
        new(message, new Dictionary<string, string[]> { [key] = [message] });

    /// <summary>The query string (with its <c>?</c>, or empty) for a view, fields by id.</summary>
    public static string ToQueryString(string? sortField, bool descending, string? search, IEnumerable<RecordFilter> filters)
    {
        var parameters = new List<KeyValuePair<string, string?>>();
        if (!string.IsNullOrEmpty(sortField))
        {
            parameters.Add(new("sort", (descending ? "-" : "") + sortField));
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            parameters.Add(new("search", search));
        }
        foreach (var filter in filters)
        {
            var value = filter.Operator == FilterOperator.IsAnyOf ? JsonSerializer.Serialize(filter.Values ?? []) : filter.Value;
            parameters.Add(new("filter", $"{filter.FieldId}:{OperatorName(filter.Operator)}" + (value is null ? "" : ":" + value)));
        }
        return QueryString.Create(parameters).ToUriComponent();
    }
}
