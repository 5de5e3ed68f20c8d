using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;
using Undb.Components.Shared;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming.Components;

/// <summary>One incoming webhook: its URL and masked key, the switch, live stats, and the doors to mapping and the request log.</summary>
public partial class IncomingWebhookCard
{
    /// <summary>The viewer's time zone (MainLayout), for the tooltip of "last received".</summary>
    [CascadingParameter]
    private ViewerTime? Viewer { get; set; }

    [Inject] private IncomingWebhookService Hooks { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IOptions<IncomingWebhooksOptions> Options { get; set; } = default!;

    [Parameter, EditorRequired]
    public IncomingWebhookView Webhook { get; set; } = default!;

    [Parameter, EditorRequired]
    public TableSnapshot Table { get; set; } = default!;

    /// <summary>The time relative times are counted from; the panel ticks it.</summary>
    [Parameter]
    public DateTimeOffset Now { get; set; }

    /// <summary>Called after this card changed or deleted the webhook, so the list re-reads.</summary>
    [Parameter]
    public EventCallback OnChanged { get; set; }

    private bool _busy;
    private bool _copied;
    private string? _revealed;

    private string Url => IncomingFormat.HookUrl(Options.Value, Navigation.BaseUri, Webhook.Id);

    private IReadOnlyList<string> MissingRequired =>
        Table.Fields.Where(f => f.Required && !Webhook.Mapping.Fields.ContainsKey(f.Id)).Select(f => f.Name).ToList();

    private IReadOnlyList<MappingProblem> Problems => MappingEngine.Problems(Webhook.Mapping, Table);

    private int MappedCount => Table.Fields.Count(f => Webhook.Mapping.Fields.ContainsKey(f.Id));

    /// <summary>Shows a freshly issued key in full, the only time it is ever shown.</summary>
    public static async Task ShowKeyAsync(IDialogService dialogs, IncomingWebhookWithKey issued)
    {
        var dialog = await SecretShownOnceDialog.ShowAsync(dialogs, "API key: shown once", issued.ApiKey, "API key",
            $"This is the API key of '{issued.Webhook.Name}'. Copy it now: it is shown only this once, then only masked. " +
            "Senders put it in an 'X-Api-Key' header (or 'Authorization: Bearer …'). If it is lost, regenerate it.");
        await dialog.Result;
    }

    private async Task CopyUrlAsync()
    {
        _copied = await JS.InvokeAsync<bool>("undb.copyText", Url);
        if (!_copied)
        {
            Snackbar.Add("The browser did not allow copying; select the URL and copy it by hand.", Severity.Warning);
        }
    }

    private Task SetEnabledAsync(bool enabled) => RunAsync(async () =>
    {
        await Hooks.UpdateAsync(Webhook.Id, null, null, enabled);
        Snackbar.Add(enabled ? $"'{Webhook.Name}' accepts requests again." : $"'{Webhook.Name}' is paused: senders get 503 and nothing is written.", Severity.Info);
    });

    private async Task RegenerateAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Regenerate the API key?",
            $"Senders using the current key of '{Webhook.Name}' will get 401 until they switch to the new one.", yesText: "Regenerate", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }
        await RunAsync(async () =>
        {
            var issued = await Hooks.RegenerateKeyAsync(Webhook.Id);
            await ShowKeyAsync(Dialogs, issued);
        });
    }

    private async Task RenameAsync()
    {
        var parameters = new DialogParameters<IncomingWebhookNameDialog> { { d => d.Name, Webhook.Name }, { d => d.SubmitText, "Rename" } };
        var dialog = await Dialogs.ShowAsync<IncomingWebhookNameDialog>("Rename incoming webhook", parameters, new DialogOptions { MaxWidth = MaxWidth.ExtraSmall, FullWidth = true });
        if (await dialog.Result is { Canceled: false, Data: string name })
        {
            await RunAsync(() => Hooks.UpdateAsync(Webhook.Id, name, null, null));
        }
    }

    private async Task DeleteAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete this incoming webhook?",
            $"'{Webhook.Name}' and its request log are deleted; its URL answers 404 from now on. Records it created stay.", yesText: "Delete", cancelText: "Cancel");
        if (confirmed == true)
        {
            await RunAsync(async () =>
            {
                await Hooks.DeleteAsync(Webhook.Id);
                Snackbar.Add($"Deleted '{Webhook.Name}'.", Severity.Success);
            });
        }
    }

    private async Task EditMappingAsync()
    {
        if (await IncomingSetupDialog.ShowAsync(Dialogs, Table, Webhook) is { } saved)
        {
            Snackbar.Add($"Saved '{saved.Name}'.", Severity.Success);
            await OnChanged.InvokeAsync();
        }
    }

    private async Task ToggleRevealAsync()
    {
        if (_revealed is not null)
        {
            _revealed = null;
            return;
        }
        await RunAsync(async () => _revealed = await Hooks.GetVerificationSecretAsync(Webhook.Id), reload: false);
    }

    private async Task EditVerificationAsync()
    {
        var parameters = new DialogParameters<VerificationDialog> { { d => d.Webhook, Webhook } };
        var dialog = await Dialogs.ShowAsync<VerificationDialog>($"Signature: {Webhook.Name}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, BackdropClick = false });
        if (await dialog.Result is { Canceled: false })
        {
            _revealed = null;
            Snackbar.Add("Signature verification saved.", Severity.Success);
            await OnChanged.InvokeAsync();
        }
    }

    private async Task ViewRequestsAsync()
    {
        var parameters = new DialogParameters<RequestLogDialog> { { d => d.Webhook, Webhook } };
        var dialog = await Dialogs.ShowAsync<RequestLogDialog>($"Requests: {Webhook.Name}", parameters, new DialogOptions { MaxWidth = MaxWidth.Large, FullWidth = true });
        await dialog.Result;
    }

    private async Task RunAsync(Func<Task> action, bool reload = true)
    {
        _busy = true;
        try
        {
            await action();
            if (reload)
            {
                await OnChanged.InvokeAsync();
            }
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
}
