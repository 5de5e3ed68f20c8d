using Undb.Features.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;
using Undb.Components.Shared;
using Undb.Features.Tables;
using Undb.Infrastructure;

namespace Undb.Features.Webhooks.Outbound.Components;

/// <summary>A webhook's delivery history: filtered, server-paged, live while open, with a detail drawer and replay.</summary>
public partial class DeliveriesPage
{
    [Inject] private WebhookService Webhooks { get; set; } = default!;
    [Inject] private DeliveryQueryService Deliveries { get; set; } = default!;
    [Inject] private WebhookHealthService Health { get; set; } = default!;
    [Inject] private DeliveryNotifier Notifier { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private IOptionsMonitor<WebhooksOptions> Options { get; set; } = default!;

    [Parameter] public string WebhookId { get; set; } = "";

    /// <summary>Editors read the history; pausing, replaying and redelivering are for admins.</summary>
    [CascadingParameter] public MemberAccess Access { get; set; } = MemberAccess.None;

    /// <summary>The viewer's time zone: the date range means their days, as the list shows their times.</summary>
    [CascadingParameter] public ViewerTime? Viewer { get; set; }

    private ViewerTime Time => Viewer ?? ViewerTime.Unknown;

    private bool CanManage => Access.Can(Permission.ManageWebhooks);

    private WebhookDto? _webhook;
    private bool _notFound;
    private bool _busy;
    private MudDataGrid<DeliveryDto>? _grid;
    private string? _status;
    private string? _event;
    private string? _recordId;
    private DateRange? _range;
    private int _total;
    private IReadOnlyDictionary<string, double> _durations = new Dictionary<string, double>();
    private bool _drawerOpen;
    private string? _selectedId;
    private int _detailVersion;
    private IDisposable? _subscription;
    private string? _subscribedTo;
    private readonly RefreshGate _refresh = new();

    private bool HasFilters => _status is not null || _event is not null || !string.IsNullOrWhiteSpace(_recordId) || _range is not null;

    protected override async Task OnParametersSetAsync()
    {
        if (_subscribedTo == WebhookId)
        {
            return;
        }
        _subscription?.Dispose();
        _subscribedTo = WebhookId;
        _subscription = Notifier.Subscribe(WebhookId, OnChangeAsync);
        await LoadWebhookAsync();
    }

    private async Task LoadWebhookAsync()
    {
        try
        {
            _webhook = await Webhooks.GetAsync(WebhookId);
            _notFound = false;
        }
        catch (NotFoundException)
        {
            _webhook = null;
            _notFound = true;
        }
    }

    /// <summary>
    /// The date range picker gives whole days, the viewer's (the list shows their local times): from the first day's
    /// midnight where they are, up to the last day's end.
    /// </summary>
    private DeliveryFilter Filter(int offset, int limit) => new(
        OutboundMapping.ParseStatus(_status, "status"),
        _event,
        string.IsNullOrWhiteSpace(_recordId) ? null : _recordId,
        _range?.Start is { } start ? Time.StartOf(start) : null,
        _range?.End is { } end ? Time.StartOf(end.AddDays(1)) : null,
        offset,
        limit);

    private async Task<GridData<DeliveryDto>> LoadAsync(GridState<DeliveryDto> state, CancellationToken ct)
    {
        try
        {
            var page = await Deliveries.ListAsync(WebhookId, Filter(state.Page * state.PageSize, state.PageSize), ct);
            _durations = await Health.LastDurationsAsync(page.Items.Select(d => d.Id).ToList(), ct);
            if (_total != page.Total)
            {
                // The total chip sits outside the grid, which only re-renders itself.
                _total = page.Total;
                _ = InvokeAsync(StateHasChanged);
            }
            return new GridData<DeliveryDto> { Items = page.Items, TotalItems = page.Total };
        }
        catch (NotFoundException)
        {
            _notFound = true;
            return new GridData<DeliveryDto> { Items = [], TotalItems = 0 };
        }
    }

    private Task ReloadGridAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private async Task OnStatusChangedAsync(string? value)
    {
        _status = value;
        await ReloadGridAsync();
    }

    private async Task OnEventChangedAsync(string? value)
    {
        _event = value;
        await ReloadGridAsync();
    }

    private async Task OnRecordChangedAsync(string? value)
    {
        _recordId = value?.Trim();
        await ReloadGridAsync();
    }

    private async Task OnRangeChangedAsync(DateRange? value)
    {
        _range = value;
        await ReloadGridAsync();
    }

    private string RowClass(DeliveryDto item, int index) => "delivery-row cursor-pointer" + (item.Id == _selectedId && _drawerOpen ? " mud-selected-item" : "");

    private Task OnRowClick(DataGridRowClickEventArgs<DeliveryDto> args) => Open(args.Item);

    /// <summary>Shows the delivery in the drawer, with the keyboard on its close button (Escape closes it, app.js).</summary>
    private async Task Open(DeliveryDto item)
    {
        _selectedId = item.Id;
        _drawerOpen = true;
        await JS.FocusWhenShownAsync(".mud-drawer--open #delivery-detail-close");
    }

    private async Task OnChangeAsync(DeliveryChange change)
    {
        await _refresh.RunAsync(() => InvokeAsync(async () =>
        {
            try
            {
                // Bursts are coalesced, so this change may stand for several: re-read the webhook (its state may have changed) too.
                await LoadWebhookAsync();
                await ReloadGridAsync();
                // The drawer re-reads its delivery; cheap, and a retry of the open delivery must show up.
                _detailVersion++;
                StateHasChanged();
            }
            catch (Exception ex)
            {
                await DispatchExceptionAsync(ex);
            }
        }));
    }

    private async Task ToggleEnabledAsync()
    {
        if (!CanManage)
        {
            return;
        }
        if (_webhook is null)
        {
            return;
        }
        var cap = Options.CurrentValue.MaxHeldPerWebhook;
        try
        {
            if (_webhook.Enabled)
            {
                _busy = true;
                _webhook = await Webhooks.UpdateAsync(WebhookId, new WebhookRequest(null, null, null, null, null, false, null), setCondition: false);
                Snackbar.Add(HeldText.Paused(_webhook.Name, cap), Severity.Info);
                return;
            }
            await LoadWebhookAsync();
            if (_webhook is null || await HeldText.AskOnResumeAsync(Dialogs, _webhook, cap) is not { } held)
            {
                return;
            }
            _busy = true;
            var count = await Webhooks.ResumeAsync(WebhookId, held);
            await LoadWebhookAsync();
            Snackbar.Add(HeldText.Resumed(_webhook?.Name ?? "", held, count), Severity.Info);
        }
        catch (Exception ex) when (ex is BadRequestException or NotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task ReplayAsync()
    {
        if (!CanManage)
        {
            return;
        }
        var parameters = new DialogParameters<ReplayDialog> { { d => d.WebhookId, WebhookId }, { d => d.Viewer, Time } };
        var dialog = await Dialogs.ShowAsync<ReplayDialog>("Replay failed deliveries", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        if (await dialog.Result is { Canceled: false, Data: int count })
        {
            Snackbar.Add($"{count} deliver{(count == 1 ? "y" : "ies")} queued again.", Severity.Success);
            await ReloadGridAsync();
        }
    }

    public void Dispose() => _subscription?.Dispose();
}
