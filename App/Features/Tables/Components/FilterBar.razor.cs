using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Undb.Infrastructure;

namespace Undb.Features.Tables.Components;

/// <summary>One filter as the user is building it.</summary>
public sealed class FilterRow
{
    public string? FieldId { get; set; }
    public FilterOperator Operator { get; set; }
    public string? Value { get; set; }
    public IReadOnlyCollection<string> Values { get; set; } = [];

    /// <summary>The filter to send to the query, or null while it is incomplete.</summary>
    public RecordFilter? ToFilter()
    {
        if (FieldId is null)
        {
            return null;
        }
        var values = Values.Count > 0 ? Values.ToList() : (Value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        var filter = new RecordFilter(FieldId, Operator, Value, Operator == FilterOperator.IsAnyOf ? values : null);
        return RecordFilters.IsComplete(filter) ? filter : null;
    }

    /// <summary>Why the row's complete filter cannot apply (a number field given "abc"), or null. Such a row is shown
    /// with the reason at its value and, like a half-filled one, not applied, so the grid does not read "no matches".</summary>
    public string? ErrorIn(TableSnapshot table)
    {
        if (ToFilter() is not { } filter)
        {
            return null;
        }
        try
        {
            RecordFilters.Check(table, [filter]);
            return null;
        }
        catch (BadRequestException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The filter to apply: complete and valid for the table, else null.</summary>
    public RecordFilter? ToFilter(TableSnapshot table) => ErrorIn(table) is null ? ToFilter() : null;
}

public partial class FilterBar
{
    /// <summary>
    /// The newest row's value box, or its condition when the condition needs no value ("is empty"): where the keyboard
    /// goes when a row is added, so the user types the value at once.
    /// </summary>
    public const string LastRowInput =
        "#filter-bar .filter-row:last-of-type .filter-value input:not([type=hidden]), " +
        "#filter-bar .filter-row.filter-row--no-value:last-of-type .filter-operator input:not([type=hidden])";

    /// <summary>A row whose condition needs no value is marked, so <see cref="LastRowInput"/> needs no <c>:has</c> (Firefox before 121 throws on it).</summary>
    private static string RowClass(FilterRow row, FieldEntity? field) =>
        field is not null && !RecordFilters.NeedsValue(row.Operator) ? "filter-row filter-row--no-value mb-2" : "filter-row mb-2";

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    /// <summary>Where the keyboard goes after the next render (a row added or removed), if anywhere.</summary>
    private readonly FocusAfterRender _focusAfterRender = new();

    [Parameter, EditorRequired]
    public TableSnapshot Table { get; set; } = default!;

    /// <summary>The rows, owned by the grid so they survive re-renders; changed in place.</summary>
    [Parameter, EditorRequired]
    public List<FilterRow> Rows { get; set; } = default!;

    /// <summary>Raised after any change; the grid re-reads the applicable filters.</summary>
    [Parameter]
    public EventCallback OnChanged { get; set; }

    private FieldEntity? FieldOf(FilterRow row) => Table.Fields.FirstOrDefault(f => f.Id == row.FieldId);

    /// <summary>Adds a row for a field (the first one when none is given).</summary>
    public Task AddForAsync(FieldEntity? field)
    {
        field ??= Table.Fields.FirstOrDefault();
        if (field is null)
        {
            return Task.CompletedTask;
        }
        Rows.Add(new FilterRow { FieldId = field.Id, Operator = RecordFilters.OperatorsFor(field.Type)[0] });
        _focusAfterRender.Set(LastRowInput);
        return OnChanged.InvokeAsync();
    }

    private Task AddAsync() => AddForAsync(null);

    private Task ChangeFieldAsync(FilterRow row, string? fieldId)
    {
        row.FieldId = fieldId;
        var field = FieldOf(row);
        row.Operator = field is null ? FilterOperator.Is : RecordFilters.OperatorsFor(field.Type)[0];
        row.Value = null;
        row.Values = [];
        return OnChanged.InvokeAsync();
    }

    private Task ChangeOperatorAsync(FilterRow row, FilterOperator op)
    {
        if (op == FilterOperator.IsAnyOf || row.Operator == FilterOperator.IsAnyOf)
        {
            row.Value = null;
            row.Values = [];
        }
        row.Operator = op;
        return OnChanged.InvokeAsync();
    }

    private Task ChangeValueAsync(FilterRow row, string? value)
    {
        row.Value = value;
        return OnChanged.InvokeAsync();
    }

    private Task ChangeValuesAsync(FilterRow row, IEnumerable<string>? values)
    {
        row.Values = values?.ToList() ?? [];
        return OnChanged.InvokeAsync();
    }

    /// <summary>Removes the row; the keyboard goes to the remove button of the row now in its place, or to "Add condition".</summary>
    private Task RemoveAsync(FilterRow row)
    {
        var index = Rows.IndexOf(row);
        Rows.Remove(row);
        _focusAfterRender.Set(index < Rows.Count ? $"#filter-bar .filter-row:nth-of-type({index + 1}) .filter-remove" : "#add-filter-row");
        return OnChanged.InvokeAsync();
    }

    protected override Task OnAfterRenderAsync(bool firstRender) => _focusAfterRender.ApplyAsync(JS);
}
