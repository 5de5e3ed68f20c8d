using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;
using Undb.Features.Accounts;
using Undb.Infrastructure;
using Undb.Realtime;

namespace Undb.Features.Tables.Components;

/// <summary>Grid rows are compared by record id, so selection survives reloads that bring fresh row objects.</summary>
public sealed class RecordIdComparer : IEqualityComparer<RecordSnapshot>
{
    public static readonly RecordIdComparer Instance = new();

    public bool Equals(RecordSnapshot? x, RecordSnapshot? y) => x?.Id == y?.Id;

    public int GetHashCode(RecordSnapshot obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
}

public partial class RecordsGrid
{
    /// <summary>Live changes to more rows than this reload the page instead of being merged row by row.</summary>
    private const int MaxMergedRows = 100;

    [Inject] private RecordQueryService Query { get; set; } = default!;
    [Inject] private RecordService Records { get; set; } = default!;
    [Inject] private TableChangeNotifier Notifier { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private FieldActions Fields { get; set; } = default!;
    [Inject] private GridViews Views { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>The viewer's time zone (MainLayout), so the export's file name carries their local time.</summary>
    [CascadingParameter] private Undb.Components.Shared.ViewerTime? Viewer { get; set; }
    [Inject] private AuthenticationStateProvider Auth { get; set; } = default!;

    [Parameter, EditorRequired]
    public TableSnapshot Table { get; set; } = default!;

    /// <summary>The member's role: viewers read, editors change records, admins also change fields.</summary>
    [CascadingParameter]
    public MemberAccess Access { get; set; } = MemberAccess.None;

    private bool CanEdit => Access.Can(Permission.EditRecords);

    private bool CanChangeSchema => Access.Can(Permission.ManageSchema);

    private readonly Func<GridState<RecordSnapshot>, CancellationToken, Task<GridData<RecordSnapshot>>> _serverData;
    private MudDataGrid<RecordSnapshot>? _grid;
    private HashSet<RecordSnapshot> _selected = new(RecordIdComparer.Instance);
    private readonly List<FilterRow> _filterRows = [];
    private IReadOnlyList<RecordSnapshot> _page = [];
    private string? _search;
    private string? _sortField;
    private bool _sortDescending;
    private bool _showFilters;
    /// <summary>Where the keyboard goes after the render: the filter bar's newest row, once the user opened the bar or gave it a row.</summary>
    private readonly FocusAfterRender _focusAfterRender = new();
    private int _total;
    private bool _ready;
    private bool _loadedInteractively;
    private int _loadsInFlight;

    private (string RecordId, string FieldId)? _editing;
    /// <summary>A cell the user opened while the previous one was still saving; it opens once that save succeeds.</summary>
    private (string RecordId, string FieldId)? _deferredEdit;
    private string? _editError;
    private bool _editBusy;
    private ElementReference _host;
    private DotNetObjectReference<RecordsGrid>? _jsRef;

    private bool _reloading;
    private bool _reloadAgain;
    private bool _reloadPending;
    private bool _bulkBusy;
    private bool _drawerOpen;
    private string? _drawerRecordId;

    private IDisposable? _subscription;
    private string? _subscribedTo;
    private string? _renderedColumnsKey;
    private TableSnapshot? _renderedTable;

    public RecordsGrid()
    {
        // One delegate instance, so re-rendering the grid never looks like a new data source.
        _serverData = LoadAsync;
    }

    private IReadOnlyList<FieldEntity> VisibleFields => Table.Fields.Where(f => !f.Hidden).ToList();

    private string ColumnsKey => Table.Id + ":" + string.Join(",", VisibleFields.Select(f => f.Id + "=" + f.Name + (f.Required ? "*" : "") + f.Choices.Count));

    protected override async Task OnParametersSetAsync()
    {
        if (ReferenceEquals(Table, _renderedTable))
        {
            // The parent re-rendered (the tabs do so often) with the same table: nothing to reload. Reloading here
            // rebuilt every row, dropped clicks and threw away an open editor with its text.
            return;
        }
        _renderedTable = Table;
        if (_subscribedTo != Table.Id)
        {
            _subscription?.Dispose();
            RememberView();
            _subscribedTo = Table.Id;
            // As this table was last viewed in this browser tab (a visit to a webhook's history and back), or unsorted.
            var view = Views.For(Table.Id);
            _search = view?.Search;
            _filterRows.Clear();
            _filterRows.AddRange(view?.Filters.Where(r => Table.Fields.Any(f => f.Id == r.FieldId)) ?? []);
            _showFilters = view?.ShowFilters == true && _filterRows.Count > 0;
            _selected.Clear();
            _sortField = Table.Fields.Any(f => f.Id == view?.SortField) ? view!.SortField : null;
            _sortDescending = view?.SortDescending == true;
            _editing = null;
            _subscription = Notifier.Subscribe(Table.Id, OnChangeAsync);
        }
        else
        {
            // The schema changed: drop filters and sorts on fields that are gone.
            _filterRows.RemoveAll(r => Table.Fields.All(f => f.Id != r.FieldId));
            if (_sortField is not null && Table.Fields.All(f => f.Id != _sortField))
            {
                _sortField = null;
            }
            if (_editing is { } e && VisibleFields.All(f => f.Id != e.FieldId))
            {
                _editing = null;
            }
            // New columns mean a new grid (see ColumnsKey), which loads its own data; otherwise reload this one.
            if (ColumnsKey == _renderedColumnsKey)
            {
                await ReloadAsync();
            }
        }
        _renderedColumnsKey = ColumnsKey;
    }

    /// <summary>Ready once rows loaded over the circuit have been rendered and no other load is under way.</summary>
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _jsRef = DotNetObjectReference.Create(this);
            try
            {
                await JS.InvokeVoidAsync("undbGrid.init", _host, _jsRef);
            }
            catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException)
            {
                // The browser left; nothing to attach to.
            }
        }
        await _focusAfterRender.ApplyAsync(JS);
        if (!_ready && _loadedInteractively && _loadsInFlight == 0)
        {
            _ready = true;
            StateHasChanged();
        }
    }

    /// <summary>Keeps the view of the table shown until now for when it is opened again (see <see cref="GridViews"/>).</summary>
    private void RememberView()
    {
        if (_subscribedTo is not null)
        {
            Views.Remember(_subscribedTo, new GridView(_sortField, _sortDescending, _search, _filterRows, _showFilters));
        }
    }

    private List<RecordFilter> ActiveFilters() => _filterRows.Select(r => r.ToFilter(Table)).OfType<RecordFilter>().ToList();

    private RecordQuery CurrentQuery(int offset, int limit) => new(offset, limit, _sortField, _sortDescending, _search, ActiveFilters());

    /// <summary>The CSV export of what the grid shows: its search, filters and sort, by field id.</summary>
    private string ExportUrl
    {
        get
        {
            var query = RecordQueryText.ToQueryString(_sortField, _sortDescending, _search, ActiveFilters());
            if (Viewer?.Zone is { } zone)
            {
                query += (query.Length == 0 ? "?" : "&") + "tz=" + Uri.EscapeDataString(zone.Id);
            }
            return $"api/tables/{Uri.EscapeDataString(Table.Id)}/export.csv{query}";
        }
    }

    private string ExportTitle => $"Download the {_total:N0} record{(_total == 1 ? "" : "s")} shown, as CSV";

    /// <summary>
    /// The grid's data source. Loads can overlap (the grid starts its own when paging, a search or a live change starts
    /// another) and finish in any order, while the grid keeps whichever answer arrives last: so every load answers with
    /// the newest load's page, and only that page sets the total and the rows the grid works with.
    /// </summary>
    private async Task<GridData<RecordSnapshot>> LoadAsync(GridState<RecordSnapshot> state, CancellationToken ct)
    {
        var (records, total) = await _loads.RunAsync(QueryPageAsync(state, ct));
        _total = total;
        _page = records;
        // The toolbar shows the total; the grid re-rendering itself does not re-render this component.
        _ = InvokeAsync(StateHasChanged);
        return new GridData<RecordSnapshot> { Items = records, TotalItems = total };
    }

    private readonly Infrastructure.NewestLoad<(IReadOnlyList<RecordSnapshot> Records, int Total)> _loads = new();

    private async Task<(IReadOnlyList<RecordSnapshot> Records, int Total)> QueryPageAsync(GridState<RecordSnapshot> state, CancellationToken ct)
    {
        _loadsInFlight++;
        try
        {
            var page = await Query.ListAsync(Table.Id, CurrentQuery(state.Page * state.PageSize, state.PageSize), ct);
            // Prerendering loads rows too, but only rows loaded over the circuit can be clicked.
            _loadedInteractively |= RendererInfo.IsInteractive;
            return (page.Records, page.Total);
        }
        catch (Exception ex) when (ex is BadRequestException or NotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
            return ([], 0);
        }
        finally
        {
            _loadsInFlight--;
        }
    }

    /// <summary>Reloads the current page; calls that arrive while one runs are folded into one more reload.</summary>
    private async Task ReloadAsync()
    {
        if (_grid is null)
        {
            return;
        }
        if (_reloading)
        {
            _reloadAgain = true;
            return;
        }
        _reloading = true;
        try
        {
            do
            {
                _reloadAgain = false;
                await _grid.ReloadServerData();
            }
            while (_reloadAgain);
        }
        finally
        {
            _reloading = false;
        }
    }

    /// <summary>Search and filters change the result set: start again from the first page.</summary>
    private async Task ReloadFromFirstPageAsync()
    {
        if (_grid is { CurrentPage: > 0 })
        {
            // Navigating reloads the data itself.
            _grid.NavigateTo(Page.First);
            return;
        }
        await ReloadAsync();
    }

    private async Task<string?> UserAsync() => (await Auth.GetAuthenticationStateAsync()).User.UserId();

    private void OnSelectionChanged(HashSet<RecordSnapshot> items) => _selected = new HashSet<RecordSnapshot>(items, RecordIdComparer.Instance);

    /// <summary>Clears the selection and re-renders the rows so their checkboxes follow.</summary>
    private async Task ClearSelection()
    {
        _selected = new HashSet<RecordSnapshot>(RecordIdComparer.Instance);
        StateHasChanged();
        await ReloadAsync();
    }

    private async Task OnSearchAsync(string? value)
    {
        _search = value;
        await ReloadFromFirstPageAsync();
    }

    private void ToggleFilters()
    {
        _showFilters = !_showFilters;
        if (_showFilters && _filterRows.Count == 0 && Table.Fields.Count > 0)
        {
            var field = Table.Fields[0];
            _filterRows.Add(new FilterRow { FieldId = field.Id, Operator = RecordFilters.OperatorsFor(field.Type)[0] });
        }
        if (_showFilters)
        {
            _focusAfterRender.Set(FilterBar.LastRowInput);
        }
    }

    private Task OnFiltersChangedAsync() => ReloadFromFirstPageAsync();

    private async Task FilterByAsync(FieldEntity field)
    {
        _showFilters = true;
        _filterRows.Add(new FilterRow { FieldId = field.Id, Operator = RecordFilters.OperatorsFor(field.Type)[0] });
        _focusAfterRender.Set(FilterBar.LastRowInput);
        await ReloadFromFirstPageAsync();
    }

    private async Task SortAsync(FieldEntity field, bool descending)
    {
        _sortField = field.Id;
        _sortDescending = descending;
        await ReloadAsync();
    }
}
