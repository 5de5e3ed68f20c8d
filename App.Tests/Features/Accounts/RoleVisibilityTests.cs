using System.Text.Json.Nodes;
using Bunit;
using Undb.Components.Layout;
using Undb.Features.Accounts;
using Undb.Features.Tables;
using Undb.Features.Tables.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Accounts;

/// <summary>Each role sees only what it may do, in the grid, the record drawer and the navigation.</summary>
public abstract class RoleVisibilityTests(UndbFactory factory, Role role) : ComponentTestContext(factory, role)
{
    protected async Task<(TableSnapshot Table, RecordSnapshot Record, IRenderedComponent<ContainerFragment> Grid)> RenderGridAsync()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var record = await Service<RecordService>().CreateAsync(table.Id, new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Acme", ["Won"] = false }), AdminId);
        var cut = RenderWithProviders<RecordsGrid>(p => p.Add(g => g.Table, table));
        cut.WaitForAssertion(() => Assert.Contains("1 record", cut.Find("#record-count").TextContent));
        return (table, record, cut);
    }

    protected static bool Shown(IRenderedComponent<ContainerFragment> cut, string selector) => cut.FindAll(selector).Count > 0;

    /// <summary>The Records view's Incoming Webhook card, for a table with one incoming webhook.</summary>
    protected async Task<IRenderedComponent<ContainerFragment>> RenderIncomingCardAsync()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        await Service<Undb.Features.Webhooks.Incoming.IncomingWebhookService>().CreateAsync(table.Id, "Typeform", null, enabled: true, AdminId);
        return RenderWithProviders<Undb.Features.Webhooks.Incoming.Components.TableIncomingCard>(p => p.Add(c => c.Table, table));
    }

    /// <summary>The table toolbar's "Incoming Webhook" button, on a table with one incoming webhook.</summary>
    protected async Task<IRenderedComponent<ContainerFragment>> RenderIncomingSetupButtonAsync()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        await Service<Undb.Features.Webhooks.Incoming.IncomingWebhookService>().CreateAsync(table.Id, "Typeform", null, enabled: true, AdminId);
        return RenderWithProviders<Undb.Features.Webhooks.Incoming.Components.IncomingSetupButton>(p => p.Add(c => c.Table, table));
    }
}

public sealed class ViewerSeesTests(UndbFactory factory) : RoleVisibilityTests(factory, Role.Viewer), IClassFixture<UndbFactory>
{
    [Fact]
    public async Task AViewer_ReadsTheGrid_ButCanChangeNothing()
    {
        var (table, record, cut) = await RenderGridAsync();

        Assert.False(Shown(cut, "#add-record"));
        Assert.False(Shown(cut, "#import-csv"));
        Assert.False(Shown(cut, "#manage-fields"));
        Assert.True(Shown(cut, "#export-csv"));
        Assert.True(Shown(cut, "#read-only-note"));
        Assert.False(Shown(cut, ".menu-edit-field"));

        // The grid refuses an edit on the server, whatever the browser asks.
        var grid = cut.FindComponent<RecordsGrid>();
        Assert.False(await grid.InvokeAsync(() => grid.Instance.BeginEditAt(record.Id, table.Fields.Single(f => f.Name == "Deal").Id)));
        // A checkbox cell does not toggle.
        cut.Find($"[data-record='{record.Id}'][data-cell-field='Won']").Click();
        var stored = await Service<RecordQueryService>().GetAsync(table.Id, record.Id);
        Assert.Equal(false, stored!.Values[table.Fields.Single(f => f.Name == "Won").Id]?.GetValue<bool>());

        // The drawer shows values and history, no form or actions.
        await grid.InvokeAsync(() => grid.Instance.OpenRecordAt(record.Id)); // as grid.js does for the row's open button
        cut.WaitForAssertion(() => Assert.True(Shown(cut, "#drawer-fields")));
        Assert.False(Shown(cut, "#drawer-save"));
        Assert.False(Shown(cut, "#drawer-delete"));
        Assert.Contains("Acme", cut.Find("[data-drawer-value='Deal']").TextContent);
    }

    [Fact]
    public async Task AViewer_DoesNotSeeTheIncomingWebhookCard()
    {
        var cut = await RenderIncomingCardAsync();
        Assert.False(Shown(cut, "#incoming-strip"));
    }
}

public sealed class EditorSeesTests(UndbFactory factory) : RoleVisibilityTests(factory, Role.Editor), IClassFixture<UndbFactory>
{
    [Fact]
    public async Task AnEditor_ChangesRecords_ButNotFields()
    {
        var (table, record, cut) = await RenderGridAsync();

        Assert.True(Shown(cut, "#add-record"));
        Assert.True(Shown(cut, "#import-csv"));
        Assert.False(Shown(cut, "#manage-fields"));
        Assert.False(Shown(cut, ".menu-edit-field"));
        var grid = cut.FindComponent<RecordsGrid>();
        Assert.True(await grid.InvokeAsync(() => grid.Instance.BeginEditAt(record.Id, table.Fields.Single(f => f.Name == "Deal").Id)));
    }

    [Fact]
    public async Task AnEditor_SeesTheIncomingWebhookCard_ReadOnly_WithoutItsKey()
    {
        var cut = await RenderIncomingCardAsync();
        cut.WaitForAssertion(() => Assert.True(Shown(cut, ".incoming-strip-row")));
        Assert.True(Shown(cut, ".incoming-strip-url"));
        Assert.True(Shown(cut, ".incoming-strip-state"));
        Assert.False(Shown(cut, ".incoming-strip-key"));
        Assert.False(Shown(cut, ".incoming-strip-enabled"));
        Assert.False(Shown(cut, ".incoming-strip-mapping"));
    }

    [Fact]
    public async Task AnEditor_HasNoIncomingWebhookButtonInTheToolbar() =>
        Assert.False(Shown(await RenderIncomingSetupButtonAsync(), "#incoming-setup"));
}

public sealed class AdminSeesTests(UndbFactory factory) : RoleVisibilityTests(factory, Role.Admin), IClassFixture<UndbFactory>
{
    [Fact]
    public async Task AnAdmin_ChangesRecordsAndFields()
    {
        var (_, _, cut) = await RenderGridAsync();

        Assert.True(Shown(cut, "#add-record"));
        Assert.True(Shown(cut, "#manage-fields"));
        Assert.False(Shown(cut, "#read-only-note"));
    }

    [Fact]
    public async Task AnAdmin_ManagesTheIncomingWebhookFromTheCard()
    {
        var cut = await RenderIncomingCardAsync();
        cut.WaitForAssertion(() => Assert.True(Shown(cut, ".incoming-strip-row")));
        Assert.True(Shown(cut, ".incoming-strip-key"));
        Assert.True(Shown(cut, ".incoming-strip-enabled"));
        Assert.True(Shown(cut, ".incoming-strip-mapping"));
    }

    [Fact]
    public async Task AnAdmin_HasTheIncomingWebhookButtonInTheToolbar()
    {
        var toolbar = await RenderIncomingSetupButtonAsync();
        toolbar.WaitForAssertion(() => Assert.True(Shown(toolbar, "#incoming-setup")));
    }
}

public sealed class ViewerNavTests() : ShellTestContext(Role.Viewer)
{
    [Fact]
    public void AViewer_CreatesNoTables_AndDoesNotSeeMembers()
    {
        var nav = Render<NavMenu>();
        nav.WaitForAssertion(() => Assert.Contains("Settings", nav.Markup));
        Assert.Empty(nav.FindAll("#nav-new-table"));
        Assert.Empty(nav.FindAll("#nav-members"));
        Assert.Empty(nav.FindAll("#nav-workspace-webhooks"));
    }
}

public sealed class AdminNavTests() : ShellTestContext(Role.Admin)
{
    [Fact]
    public void AnAdmin_CreatesTables_AndInvitesMembers()
    {
        var nav = Render<NavMenu>();
        nav.WaitForAssertion(() => Assert.NotEmpty(nav.FindAll("#nav-new-table")));
        Assert.NotEmpty(nav.FindAll("#nav-members"));
        Assert.NotEmpty(nav.FindAll("#nav-workspace-webhooks"));
    }
}
