using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Undb.Components.Shared;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Components;

public sealed class MenuActionTests : BunitContext, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's services dispose only asynchronously (see ComponentTestContext).</summary>
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    public MenuActionTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    /// <summary>
    /// A column menu's "Sort descending" reloads the grid; the user opens the menu again before the reload is back. The
    /// menu item used to close the menu once its action was over, shutting the menu the user had just opened.
    /// </summary>
    [Fact]
    public async Task AMenuOpenedAgainWhileTheLastActionRuns_StaysOpenWhenTheActionEnds()
    {
        var action = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cut = Render<ContainerFragment>(p => p.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudMenu>(1);
            builder.AddAttribute(2, nameof(MudMenu.Icon), Icons.Material.Filled.MoreVert);
            builder.AddAttribute(3, nameof(MudMenu.ChildContent), (RenderFragment)(items =>
            {
                items.OpenComponent<MenuAction>(0);
                items.AddAttribute(1, nameof(MenuAction.Class), "slow-action");
                items.AddAttribute(2, nameof(MenuAction.OnClick), EventCallback.Factory.Create(this, () => action.Task));
                items.AddAttribute(3, nameof(MenuAction.ChildContent), (RenderFragment)(t => t.AddContent(0, "Sort")));
                items.CloseComponent();
            }));
            builder.CloseComponent();
        }));
        var menu = cut.FindComponent<MudMenu>().Instance;

        await cut.InvokeAsync(() => menu.OpenMenuAsync(EventArgs.Empty));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll(".mud-popover-open .slow-action")));
        var running = cut.InvokeAsync(() => cut.Find(".slow-action").ClickAsync(new()));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-popover-open .slow-action")));

        await cut.InvokeAsync(() => menu.OpenMenuAsync(EventArgs.Empty));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll(".mud-popover-open .slow-action")));
        action.SetResult();
        await running;

        Assert.NotEmpty(cut.FindAll(".mud-popover-open .slow-action"));
    }
}
