namespace Undb.Features.Tables.Components;

/// <summary>How a table's grid was last viewed: its sort, search and filters.</summary>
public sealed record GridView(string? SortField, bool SortDescending, string? Search, IReadOnlyList<FilterRow> Filters, bool ShowFilters);

/// <summary>
/// The grid's view of each table for as long as the browser tab's circuit lasts (scoped): leaving a table for a
/// webhook's delivery history or another table and coming back finds it sorted, searched and filtered as it was left.
/// Filter rows are copied in and out, since the grid edits its rows in place.
/// </summary>
public sealed class GridViews
{
    private readonly Dictionary<string, GridView> _views = [];

    public GridView? For(string tableId) => _views.TryGetValue(tableId, out var view) ? view with { Filters = Copy(view.Filters) } : null;

    public void Remember(string tableId, GridView view) => _views[tableId] = view with { Filters = Copy(view.Filters) };

    private static List<FilterRow> Copy(IEnumerable<FilterRow> rows) =>
        rows.Select(r => new FilterRow { FieldId = r.FieldId, Operator = r.Operator, Value = r.Value, Values = r.Values.ToList() }).ToList();
}
