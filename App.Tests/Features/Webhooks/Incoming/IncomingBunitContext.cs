using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Incoming;
using Undb.Realtime;

namespace Undb.Tests.Features.Webhooks.Incoming;

/// <summary>
/// bUnit with MudBlazor (no transitions, loose JS interop) and the real incoming-webhook services of an in-memory app
/// on its own SQLite file, so components read and write a real database.
/// </summary>
public abstract class IncomingBunitContext : BunitContext, IClassFixture<IncomingFactory>, IAsyncLifetime
{
    protected IncomingBunitContext(IncomingFactory factory)
    {
        Factory = factory;
        JSInterop.Mode = JSRuntimeMode.Loose;
        DefaultWaitTimeout = Patience;
        Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
            o.PopoverOptions.CheckForPopoverProvider = false;
        });
        Share<IncomingWebhookService>();
        Share<IngestService>();
        Share<IncomingTestSender>();
        Share<IncomingWebhookNotifier>();
        Share<TableService>();
        Share<TableChangeNotifier>();
        Share<RecordQueryService>();
        Share<TimeProvider>();
        Share<IOptions<IncomingWebhooksOptions>>();
        // Signed in as an owner, as the layout cascades it (role-specific views are in RoleVisibilityTests).
        Services.AddCascadingValue(_ => new Undb.Features.Accounts.MemberAccess(Undb.Features.Accounts.Role.Owner));
    }

    /// <summary>
    /// How long a wait for a render may take before the test fails. It only bounds a failing test: a passing wait
    /// returns at the first render that satisfies it. Generous because the debounced sample box and a busy CI share it.
    /// </summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    protected IncomingFactory Factory { get; }

    protected IncomingWebhookService Hooks => Factory.Services.GetRequiredService<IncomingWebhookService>();

    protected IngestService Ingest => Factory.Services.GetRequiredService<IngestService>();

    protected TableService Tables => Factory.Services.GetRequiredService<TableService>();

    /// <summary>Sends a request through the real ingest pipeline, as the endpoint would.</summary>
    protected Task<IngestOutcome> PostAsync(IncomingWebhookWithKey hook, string json) =>
        Ingest.IngestAsync(new IngestRequest(hook.Webhook.Id, hook.ApiKey, null, true, json.Length),
            _ => Task.FromResult(new IngestBody(System.Text.Encoding.UTF8.GetBytes(json), json.Length)), CancellationToken.None);

    protected async Task<(TableSnapshot Table, IncomingWebhookWithKey Hook)> CreateAsync(IncomingMapping? mapping = null)
    {
        var table = await TestSupport.TablesSeed.DealsAsync(Factory.Services);
        var hook = await Hooks.CreateAsync(table.Id, "Form", mapping, enabled: true, actorId: null);
        return (table, hook);
    }

    protected static IncomingMapping MapByName(TableSnapshot table, string? recordsPath, params (string Field, string Path)[] fields) =>
        new(recordsPath, fields.ToDictionary(f => table.Fields.Single(x => x.Name == f.Field).Id, f => f.Path));

    /// <summary>Shows a dialog inside a rendered <see cref="DialogHost"/> and returns the host to query.</summary>
    protected async Task<(IRenderedComponent<DialogHost> Host, IDialogReference Dialog)> ShowDialogAsync<TDialog>(string title, DialogParameters<TDialog> parameters)
        where TDialog : Microsoft.AspNetCore.Components.ComponentBase
    {
        var host = Render<DialogHost>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        IDialogReference? reference = null;
        await host.InvokeAsync(async () => reference = await dialogs.ShowAsync<TDialog>(title, parameters));
        return (host, reference!);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor registers services that only dispose asynchronously; xunit 2 would otherwise dispose synchronously.</summary>
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    private void Share<T>() where T : class => Services.AddSingleton(Factory.Services.GetRequiredService<T>());
}
