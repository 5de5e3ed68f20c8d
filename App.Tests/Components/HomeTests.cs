using Bunit;
using Undb.Components.Pages;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Components;

public sealed class HomeTests : ShellTestContext
{
    [Fact]
    public void NoTables_ShowsTheEmptyState()
    {
        var home = Render<Home>();

        home.WaitForAssertion(() => Assert.Contains("No tables yet", home.Markup));
        Assert.Contains("Create your first table", home.Markup);
        Assert.Empty(home.FindAll(".mud-card"));
    }

    [Fact]
    public async Task Tables_AreShownAsCards_WithTheirFieldCounts()
    {
        var deals = await CreateTableAsync("Deals", new FieldSpec("Deal", FieldType.Text), new FieldSpec("Value", FieldType.Number));
        await CreateTableAsync("Contacts");

        var home = Render<Home>();

        home.WaitForAssertion(() => Assert.Equal(2, home.FindAll(".mud-card").Count));
        var cards = home.FindAll(".mud-card").Select(c => c.TextContent).ToList();
        Assert.Contains("Contacts", cards[0]);
        Assert.Contains("1 field", cards[0]);
        Assert.DoesNotContain("1 fields", cards[0]);
        Assert.Contains("Deals", cards[1]);
        Assert.Contains("2 fields", cards[1]);
        Assert.Contains(home.FindAll("a"), a => a.GetAttribute("href") == $"/tables/{deals.Id}");
        Assert.DoesNotContain("No tables yet", home.Markup);
    }

    [Fact]
    public async Task EmptyState_GivesWayToTheTable_WhenOneIsCreated()
    {
        var home = Render<Home>();
        home.WaitForAssertion(() => Assert.Contains("No tables yet", home.Markup));

        await CreateTableAsync("First");

        home.WaitForAssertion(() => Assert.Single(home.FindAll(".mud-card")));
        Assert.Contains("First", home.Find(".mud-card").TextContent);
        Assert.DoesNotContain("No tables yet", home.Markup);
    }
}
