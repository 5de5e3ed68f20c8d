using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using MudBlazor;
using Undb.Features.Accounts;
using Undb.Features.Tables;
using Undb.Realtime;

namespace Undb.Features.Webhooks.Outbound.Components;

public partial class WebhooksPanel
{
    [Inject] private WebhookService Webhooks { get; set; } = default!;
    [Inject] private WebhookHealthService HealthService { get; set; } = default!;
    [Inject] private DeliveryNotifier Notifier { get; set; } = default!;
    [Inject] private TableChangeNotifier TableChanges { get; set; } = default!;
    [Inject] private TableService Tables { get; set; } = default!;
    [Inject] private IOptionsMonitor<WebhooksOptions> Options { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthState { get; set; }

    /// <summary>The table whose webhooks are shown; null for the workspace webhooks (every table).</summary>
    [Parameter] public TableSnapshot? Table { get; set; }

    private IReadOnlyList<WebhookDto>? _webhooks;
    /// <summary>On a table's tab: how many workspace webhooks also get this table's changes.</summary>
    private int _workspaceCovering;
    private IReadOnlyDictionary<string, string>? _tableNames;
    private IReadOnlyDictionary<string, WebhookHealth> _health = new Dictionary<string, WebhookHealth>();
    private readonly HashSet<string> _busy = [];
    private IDisposable? _subscription;
    private IDisposable? _tableSubscription;
    private string? _loadedFor;
    private TableSnapshot? _loadedWith;
    private readonly RefreshGate _refresh = new();

    protected override async Task OnParametersSetAsync()
    {
        var key = Table?.Id ?? "";
        if (_loadedFor == key)
        {
            // The page hands in a new snapshot after a schema change (a field renamed or deleted): the cards name
            // fields and flag deleted ones, so they are read again.
            if (!ReferenceEquals(_loadedWith, Table))
            {
                _loadedWith = Table;
                await LoadAsync();
            }
            return;
        }
        _loadedFor = key;
        _loadedWith = Table;
        _subscription?.Dispose();
        _tableSubscription?.Dispose();
        // Deliveries of any webhook may change this table's health line; ones of other tables are filtered below.
        _subscription = Notifier.SubscribeAll(OnDeliveryChangeAsync);
        // A record change writes held deliveries for a paused webhook, which no delivery news announces.
        _tableSubscription = Table is null ? TableChanges.SubscribeAll(OnTableChangeAsync) : TableChanges.Subscribe(Table.Id, OnTableChangeAsync);
        await LoadAsync();
    }

    private Task OnTableChangeAsync(TableChange change) =>
        (change.Kind == TableChangeKind.RecordsChanged && _webhooks?.Any(w => !w.Enabled) == true)
        // The workspace page names the tables each webhook leaves out.
        || (Table is null && change.Kind is TableChangeKind.TableCreated or TableChangeKind.TableDeleted or TableChangeKind.SchemaChanged)
            ? RefreshAsync() : Task.CompletedTask;

    private async Task LoadAsync()
    {
        var list = Table is null ? await Webhooks.ListWorkspaceAsync() : await Webhooks.ListAsync(Table.Id);
        _health = await HealthService.ForWebhooksAsync(list.Select(w => w.Id).ToList());
        _workspaceCovering = Table is null ? 0 : (await Webhooks.ListWorkspaceAsync()).Count(w => !w.ExcludedTableIds.Contains(Table.Id));
        _tableNames = Table is null ? (await Tables.ListAsync()).ToDictionary(t => t.Id, t => t.Name) : null;
        _webhooks = list;
    }

    private Task OnDeliveryChangeAsync(DeliveryChange change)
    {
        // A webhook created elsewhere (another tab, the API) is unknown until we reload, so webhook changes always count.
        if (!change.WebhookChanged && _webhooks?.Any(w => w.Id == change.WebhookId) != true)
        {
            return Task.CompletedTask;
        }
        return RefreshAsync();
    }

    private Task RefreshAsync() => _refresh.RunAsync(() => InvokeAsync(async () =>
    {
        try
        {
            await LoadAsync();
            StateHasChanged();
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
    }));

    private async Task<string?> ActorAsync() => AuthState is null ? null : (await AuthState).User.UserId();

    private static DialogOptions DialogOptions => new() { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true, BackdropClick = false };

    private async Task CreateAsync()
    {
        var parameters = new DialogParameters<WebhookDialog> { { d => d.Table, Table } };
        var dialog = await Dialogs.ShowAsync<WebhookDialog>("New webhook", parameters, DialogOptions);
        if (await dialog.Result is { Canceled: false, Data: WebhookDto created })
        {
            Snackbar.Add($"Webhook \"{created.Name}\" created. Reveal its signing secret from Edit.", Severity.Success);
            await LoadAsync();
        }
    }

    private async Task OnActionAsync((WebhookDto Webhook, WebhookAction Action) args)
    {
        var (webhook, action) = args;
        if (action == WebhookAction.Edit)
        {
            var parameters = new DialogParameters<WebhookDialog> { { d => d.Table, Table }, { d => d.Existing, webhook } };
            var dialog = await Dialogs.ShowAsync<WebhookDialog>($"Edit webhook", parameters, DialogOptions);
            if (await dialog.Result is { Canceled: false })
            {
                Snackbar.Add("Webhook saved.", Severity.Success);
                await LoadAsync();
            }
            return;
        }
        var held = HeldAction.Send;
        if (action == WebhookAction.Resume)
        {
            // Fresh numbers: the card may be a moment behind what is held right now.
            WebhookDto current;
            try
            {
                current = await Webhooks.GetAsync(webhook.Id);
            }
            catch (NotFoundException ex)
            {
                Snackbar.Add(ex.Message, Severity.Error);
                await LoadAsync();
                return;
            }
            if (await HeldText.AskOnResumeAsync(Dialogs, current, Options.CurrentValue.MaxHeldPerWebhook) is not { } answer)
            {
                return;
            }
            held = answer;
        }
        if (action == WebhookAction.Delete && await Dialogs.ShowMessageBoxAsync("Delete this webhook?",
                $"\"{webhook.Name}\" and its whole delivery history will be deleted. Pending and held deliveries will not be sent.",
                yesText: "Delete", cancelText: "Cancel") != true)
        {
            return;
        }
        _busy.Add(webhook.Id);
        try
        {
            await RunAsync(webhook, action, held);
            await LoadAsync();
        }
        catch (Exception ex) when (ex is BadRequestException or NotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
            await LoadAsync();
        }
        finally
        {
            _busy.Remove(webhook.Id);
        }
    }

    /// <summary>Runs the action; <paramref name="held"/> is what a resume does with what the webhook held (asked before the card shows busy).</summary>
    private async Task RunAsync(WebhookDto webhook, WebhookAction action, HeldAction held)
    {
        switch (action)
        {
            case WebhookAction.Pause:
                await Webhooks.UpdateAsync(webhook.Id, new WebhookRequest(null, null, null, null, null, false, null), setCondition: false);
                Snackbar.Add(HeldText.Paused(webhook.Name, Options.CurrentValue.MaxHeldPerWebhook), Severity.Info);
                break;
            case WebhookAction.Resume:
                var count = await Webhooks.ResumeAsync(webhook.Id, held);
                Snackbar.Add(HeldText.Resumed(webhook.Name, held, count), Severity.Info);
                break;
            case WebhookAction.Test:
                var attempt = await Webhooks.SendTestAsync(webhook.Id, await ActorAsync());
                Snackbar.Add(attempt.Succeeded
                    ? $"Test sent: HTTP {attempt.ResponseStatus} in {WebhookText.Duration(attempt.DurationMs)}."
                    : $"Test failed: {attempt.Error}", attempt.Succeeded ? Severity.Success : Severity.Error);
                break;
            case WebhookAction.Duplicate:
                var copy = await HealthService.DuplicateAsync(webhook.Id, await ActorAsync());
                Snackbar.Add($"Created \"{copy.Webhook.Name}\", paused so it does not double your deliveries. Edit it, then turn it on.", Severity.Success);
                break;
            case WebhookAction.Delete:
                await Webhooks.DeleteAsync(webhook.Id);
                Snackbar.Add($"Webhook \"{webhook.Name}\" deleted.", Severity.Success);
                break;
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _tableSubscription?.Dispose();
    }
}
