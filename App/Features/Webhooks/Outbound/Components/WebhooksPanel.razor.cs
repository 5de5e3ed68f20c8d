using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Undb.Features.Accounts;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound.Components;

public partial class WebhooksPanel
{
    [Inject] private WebhookService Webhooks { get; set; } = default!;
    [Inject] private WebhookHealthService HealthService { get; set; } = default!;
    [Inject] private DeliveryNotifier Notifier { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthState { get; set; }

    [Parameter, EditorRequired] public TableSnapshot Table { get; set; } = default!;

    private IReadOnlyList<WebhookDto>? _webhooks;
    private IReadOnlyDictionary<string, WebhookHealth> _health = new Dictionary<string, WebhookHealth>();
    private readonly HashSet<string> _busy = [];
    private IDisposable? _subscription;
    private string? _loadedFor;
    private readonly RefreshGate _refresh = new();

    protected override async Task OnParametersSetAsync()
    {
        if (_loadedFor == Table.Id)
        {
            return;
        }
        _loadedFor = Table.Id;
        _subscription?.Dispose();
        // Deliveries of any webhook may change this table's health line; ones of other tables are filtered below.
        _subscription = Notifier.SubscribeAll(OnDeliveryChangeAsync);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        var list = await Webhooks.ListAsync(Table.Id);
        _health = await HealthService.ForWebhooksAsync(list.Select(w => w.Id).ToList());
        _webhooks = list;
    }

    private async Task OnDeliveryChangeAsync(DeliveryChange change)
    {
        // A webhook created elsewhere (another tab, the API) is unknown until we reload, so webhook changes always count.
        if (!change.WebhookChanged && _webhooks?.Any(w => w.Id == change.WebhookId) != true)
        {
            return;
        }
        await _refresh.RunAsync(() => InvokeAsync(async () =>
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
    }

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
        if (action == WebhookAction.Delete && await Dialogs.ShowMessageBoxAsync("Delete this webhook?",
                $"\"{webhook.Name}\" and its whole delivery history will be deleted. Pending deliveries will not be sent.",
                yesText: "Delete", cancelText: "Cancel") != true)
        {
            return;
        }
        _busy.Add(webhook.Id);
        try
        {
            await RunAsync(webhook, action);
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

    private async Task RunAsync(WebhookDto webhook, WebhookAction action)
    {
        switch (action)
        {
            case WebhookAction.Pause or WebhookAction.Resume:
                var enabled = action == WebhookAction.Resume;
                await Webhooks.UpdateAsync(webhook.Id, new WebhookRequest(null, null, null, null, null, enabled, null), setCondition: false);
                Snackbar.Add(enabled ? $"\"{webhook.Name}\" is on again." : $"\"{webhook.Name}\" is paused: changes are not sent until you resume it.", Severity.Info);
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

    public void Dispose() => _subscription?.Dispose();
}
