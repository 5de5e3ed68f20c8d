using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Undb.Features.Accounts;
using Undb.Features.Tables;
using Undb.Features.Tables.Components;
using Undb.Realtime;

namespace Undb.Tests.TestSupport;

/// <summary>
/// bUnit with MudBlazor (no transitions, loose JS interop) and the real app's table services on the factory's SQLite
/// file, signed in as the bootstrap admin. Render components inside <see cref="RenderWithProviders{T}"/> so dialogs,
/// popovers and snackbars have somewhere to appear.
/// </summary>
public abstract class ComponentTestContext : BunitContext, IAsyncLifetime
{
    /// <param name="role">The signed-in member's role, cascaded as the layout does (<see cref="MemberAccess"/>).</param>
    protected ComponentTestContext(UndbFactory factory, Role role = Role.Owner)
    {
        Factory = factory;
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Saves go to a real SQLite file while other test classes run in parallel; give them time.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
            o.PopoverOptions.CheckForPopoverProvider = false;
        });
        var app = factory.Services;
        Services.AddSingleton(app.GetRequiredService<TableService>());
        Services.AddSingleton(app.GetRequiredService<RecordService>());
        Services.AddSingleton(app.GetRequiredService<RecordQueryService>());
        Services.AddSingleton(app.GetRequiredService<TableChangeNotifier>());
        Services.AddSingleton(app.GetRequiredService<CsvExporter>());
        Services.AddSingleton(app.GetRequiredService<CsvImporter>());
        Services.AddSingleton(app.GetRequiredService<UserDirectory>());
        Services.AddSingleton(app.GetRequiredService<FieldUsages>());
        Services.AddSingleton(TimeProvider.System);
        Services.AddScoped<FieldActions>();
        Services.AddScoped<GridViews>();
        Services.AddSingleton(app.GetRequiredService<RecordHistoryService>());
        // The table page's Incoming Webhook card.
        Services.AddSingleton(app.GetRequiredService<Undb.Features.Webhooks.Incoming.IncomingWebhookService>());
        Services.AddSingleton(app.GetRequiredService<Undb.Features.Webhooks.Incoming.IncomingWebhookNotifier>());
        Services.AddSingleton(app.GetRequiredService<Microsoft.Extensions.Options.IOptions<Undb.Features.Webhooks.Incoming.IncomingWebhooksOptions>>());
        Services.AddCascadingValue(_ => new MemberAccess(role));
        AdminId = factory.AdminIdAsync().GetAwaiter().GetResult();
        var auth = AddAuthorization();
        auth.SetAuthorized("admin@example.com");
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, AdminId));
        // Last: it starts the renderer, after which no services can be added. The grid only marks rows clickable when interactive.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected UndbFactory Factory { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor registers services that only dispose asynchronously; xunit awaits this before its synchronous Dispose, which then finds nothing left to do.</summary>
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    protected string AdminId { get; }

    protected T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Renders the component after the MudBlazor providers, as MainLayout does.</summary>
    protected IRenderedComponent<ContainerFragment> RenderWithProviders<T>(Action<ComponentParameterCollectionBuilder<T>> parameters) where T : IComponent =>
        Render<ContainerFragment>(p => p.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(2);
            builder.CloseComponent();
        }).AddChildContent(parameters));
}

/// <summary>A component that renders only its child content, to host several roots.</summary>
public sealed class ContainerFragment : ComponentBase
{
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder) => builder.AddContent(0, ChildContent);
}
