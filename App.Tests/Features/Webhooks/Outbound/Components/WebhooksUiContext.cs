using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Tests.Features.Webhooks.Outbound.Components;

/// <summary>
/// A bUnit context over the real app: MudBlazor with no transitions and loose JS interop, and every app service
/// (webhook engine, tables, database) taken from the running <see cref="OutboundFactory"/>.
/// </summary>
public sealed class WebhooksUiContext : BunitContext
{
    public WebhooksUiContext(OutboundFactory factory)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        // A wait only bounds a failing test (a passing one returns at the first render that satisfies it). The default
        // second was too short when the suite loads both cores: a CI run's dispatcher did not even get to check in time.
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
            o.PopoverOptions.CheckForPopoverProvider = false;
        });
        // Options are registered by AddMudServices too; take the app's so AllowPrivateNetworks matches the engine's.
        Services.AddSingleton(factory.Services.GetRequiredService<IOptionsMonitor<WebhooksOptions>>());
        Services.AddFallbackServiceProvider(factory.Services);
        // Signed in as an owner, as the layout cascades it.
        Services.AddCascadingValue(_ => new Undb.Features.Accounts.MemberAccess(Undb.Features.Accounts.Role.Owner));
    }

    /// <summary>Renders the providers dialogs, selects and snackbars need.</summary>
    /// <summary>Where open selects and menus render their items (set by <see cref="RenderProviders"/>).</summary>
    public IRenderedComponent<MudPopoverProvider> Popovers { get; private set; } = default!;

    public IRenderedComponent<MudDialogProvider> RenderProviders()
    {
        Popovers = Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        return Render<MudDialogProvider>();
    }
}
