using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Undb.Components.Layout;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Components;

public sealed class NavMenuTests : ShellTestContext
{
    private static List<string> TableLinks(IRenderedComponent<NavMenu> nav) =>
        nav.FindAll(".nav-table-link a").Select(a => a.TextContent.Trim()).ToList();

    [Fact]
    public void NoTables_SaysSo()
    {
        var nav = Render<NavMenu>();

        nav.WaitForAssertion(() => Assert.Contains("No tables yet.", nav.Markup));
        Assert.Empty(TableLinks(nav));
    }

    [Fact]
    public async Task ListsTheTables_ByName_LinkingToEach()
    {
        var beta = await CreateTableAsync("Beta");
        var alpha = await CreateTableAsync("Alpha");

        var nav = Render<NavMenu>();

        nav.WaitForAssertion(() => Assert.Equal(["Alpha", "Beta"], TableLinks(nav)));
        var hrefs = nav.FindAll(".nav-table-link a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal([$"/tables/{alpha.Id}", $"/tables/{beta.Id}"], hrefs);
        Assert.DoesNotContain("No tables yet.", nav.Markup);
    }

    [Fact]
    public async Task TableCreatedElsewhere_AppearsWithoutReload()
    {
        var nav = Render<NavMenu>();
        nav.WaitForAssertion(() => Assert.Contains("No tables yet.", nav.Markup));

        await CreateTableAsync("Live table");

        nav.WaitForAssertion(() => Assert.Equal(["Live table"], TableLinks(nav)));
    }

    [Fact]
    public async Task Disposing_Unsubscribes()
    {
        var nav = Render<NavMenu>();
        nav.WaitForAssertion(() => Assert.Equal(1, Notifier.SubscriberCount));

        await DisposeComponentsAsync();

        Assert.Equal(0, Notifier.SubscriberCount);
    }

    [Fact]
    public async Task NewTableButton_OpensTheDialog_AndCreatingNavigatesToTheTable()
    {
        var provider = Render<MudDialogProvider>();
        var nav = Render<NavMenu>();
        nav.WaitForAssertion(() => Assert.Contains("No tables yet.", nav.Markup));

        nav.Find("#nav-new-table").Click();
        provider.WaitForAssertion(() => Assert.NotNull(provider.Find("#create-table-submit")));
        provider.Find("#table-name").Change("From the nav");
        provider.WaitForAssertion(() => Assert.Equal("From the nav", provider.Find("#table-name").GetAttribute("value")));
        provider.Find("#create-table-submit").Click();

        nav.WaitForAssertion(() => Assert.Equal(["From the nav"], TableLinks(nav)));
        var table = Assert.Single(await Tables.ListAsync());
        var navigation = Services.GetService(typeof(NavigationManager)) as NavigationManager;
        Assert.EndsWith($"/tables/{table.Id}", navigation!.Uri);
    }
}
