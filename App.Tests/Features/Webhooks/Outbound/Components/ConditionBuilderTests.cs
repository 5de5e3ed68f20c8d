using System.Text.Json.Nodes;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound.Components;

public sealed class ConditionBuilderTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private readonly WebhooksUiContext _ui = new(factory);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ui.DisposeAsync();

    private async Task<(TableSnapshot Table, ConditionDraft Draft, IRenderedComponent<ConditionBuilder> Cut)> RenderAsync(Dictionary<string, string[]>? errors = null)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var draft = new ConditionDraft();
        _ui.RenderProviders();
        var cut = _ui.Render<ConditionBuilder>(p => p.Add(c => c.Table, table).Add(c => c.Draft, draft).Add(c => c.Errors, errors ?? []));
        return (table, draft, cut);
    }

    private static Task SelectAsync(IRenderedComponent<ConditionBuilder> cut, string cssClass, int row, string value) =>
        cut.InvokeAsync(() => cut.FindComponents<MudSelect<string>>().Where(s => s.Instance.Class?.Contains(cssClass) == true).ElementAt(row).Instance.ValueChanged.InvokeAsync(value));

    [Fact]
    public async Task Empty_SaysEverythingIsSent_AndGivesNoCondition()
    {
        var (table, draft, cut) = await RenderAsync();

        Assert.Contains("every chosen event is sent", cut.Find("#condition-none").TextContent);
        Assert.Null(draft.ToCondition(table));
    }

    [Fact]
    public async Task AddCondition_AddsARowOnTheFirstField_AndAndOrAppearsWithTwoRows()
    {
        var (table, draft, cut) = await RenderAsync();

        cut.Find("#condition-add").Click();
        Assert.Single(cut.FindAll("[data-testid=condition-row]"));
        // Rows keep the field's id (a rename cannot break them) and show its name.
        Assert.Equal(table.Fields.Single(f => f.Name == "Deal").Id, draft.Rows[0].Field);
        Assert.Equal("Deal", cut.Find(".condition-field input").GetAttribute("value"));
        Assert.Empty(cut.FindAll("#condition-conjunction"));

        cut.Find("#condition-add").Click();
        Assert.Equal(2, cut.FindAll("[data-testid=condition-row]").Count);
        var any = cut.FindAll("#condition-conjunction button").Single(b => b.TextContent.Contains("OR"));
        any.Click();
        Assert.Equal("or", draft.Conjunction);
    }

    [Fact]
    public async Task ChangingField_ResetsAnOperatorThatNoLongerApplies_AndClearsTheValue()
    {
        var (_, draft, cut) = await RenderAsync();
        cut.Find("#condition-add").Click();
        await SelectAsync(cut, "condition-field", 0, "Value");
        await SelectAsync(cut, "condition-operator", 0, ConditionOperators.Gt);
        cut.Find(".condition-value input").Change("1000");
        Assert.Equal(("Value", "gt", "1000"), (draft.Rows[0].Field, draft.Rows[0].Operator, draft.Rows[0].Value));

        // "greater than" means nothing for a checkbox.
        await SelectAsync(cut, "condition-field", 0, "Won");

        Assert.Equal(ConditionOperators.Is, draft.Rows[0].Operator);
        Assert.Equal("", draft.Rows[0].Value);
    }

    [Fact]
    public async Task IsEmpty_HidesTheValue()
    {
        var (_, _, cut) = await RenderAsync();
        cut.Find("#condition-add").Click();
        Assert.Single(cut.FindAll(".condition-value"));

        await SelectAsync(cut, "condition-operator", 0, ConditionOperators.IsEmpty);

        Assert.Empty(cut.FindAll(".condition-value"));
    }

    [Fact]
    public async Task BuiltCondition_IsAcceptedByTheEngine_WithTypedValues()
    {
        var (table, draft, cut) = await RenderAsync();
        cut.Find("#condition-add").Click();
        await SelectAsync(cut, "condition-field", 0, "Tags");
        await SelectAsync(cut, "condition-operator", 0, ConditionOperators.Contains);
        cut.Find(".condition-value input").Change("hot, vip");
        cut.Find("#condition-add").Click();
        await SelectAsync(cut, "condition-field", 1, "Value");
        await SelectAsync(cut, "condition-operator", 1, ConditionOperators.Gte);
        cut.FindAll(".condition-value input")[1].Change("1200");
        draft.ChangedFields = ["Stage"];

        var condition = draft.ToCondition(table);
        var saved = await factory.Services.GetRequiredService<WebhookService>().CreateAsync(table.Id,
            new WebhookRequest("c", "https://example.com/hook", "POST", [WebhookEvents.Updated], null, true, condition), null);

        var stored = saved.Webhook.Condition!;
        Assert.Equal("and", stored.Conjunction);
        Assert.True(JsonNode.DeepEquals(new JsonArray("hot", "vip"), stored.Filters![0].Value));
        Assert.Equal(1200m, stored.Filters[1].Value!.GetValue<decimal>());
        Assert.Equal(["Stage"], stored.ChangedFields);
    }

    [Fact]
    public async Task EngineErrors_AreShownAtTheirRow()
    {
        var errors = new Dictionary<string, string[]> { ["condition.filters[0].value"] = ["Value must be a number."] };
        var table = await TablesSeed.DealsAsync(factory.Services);
        var draft = new ConditionDraft();
        draft.Rows.Add(new ConditionRow { Field = "Value", Operator = ConditionOperators.Gt, Value = "lots" });
        _ui.RenderProviders();

        var cut = _ui.Render<ConditionBuilder>(p => p.Add(c => c.Table, table).Add(c => c.Draft, draft).Add(c => c.Errors, errors));

        Assert.Contains("Value must be a number.", cut.Find("[data-testid=condition-row]").TextContent);
    }

    [Fact]
    public async Task LoadedCondition_ShowsItsRows()
    {
        var (table, draft, cut) = await RenderAsync();
        draft.Load(new WebhookCondition("or", [new ConditionFilter("Stage", "is", JsonValue.Create("Won")), new ConditionFilter("Deal", "isNotEmpty")], ["Stage"]));
        cut.Render();

        Assert.Equal(2, cut.FindAll("[data-testid=condition-row]").Count);
        Assert.Equal("or", draft.Conjunction);
        Assert.Equal("Won", draft.Rows[0].Value);
        Assert.Equal(2, draft.ToCondition(table)!.Filters!.Count);
    }

    [Fact]
    public async Task RowsKeepFieldIds_ARenameShowsTheNewName_ADeletedFieldIsFlaggedAtItsRow()
    {
        var (table, draft, cut) = await RenderAsync();
        var stage = table.Fields.Single(f => f.Name == "Stage");
        draft.Load(new WebhookCondition("and", [new ConditionFilter(stage.Id, "is", JsonValue.Create("Won"))], [stage.Id]));
        var tables = factory.Services.GetRequiredService<TableService>();

        await tables.UpdateFieldAsync(table.Id, stage.Id, new FieldChanges(Name: "Phase"), null);
        var renamed = (await tables.GetAsync(table.Id))!;
        cut.Render(p => p.Add(c => c.Table, renamed));

        Assert.Equal("Phase", cut.Find(".condition-field input").GetAttribute("value"));
        Assert.DoesNotContain("deleted", cut.Markup);
        Assert.Equal(stage.Id, draft.ToCondition(renamed)!.Filters![0].Field);

        await tables.DeleteFieldAsync(table.Id, stage.Id, null);
        var withoutStage = (await tables.GetAsync(table.Id))!;
        cut.Render(p => p.Add(c => c.Table, withoutStage));

        Assert.Contains(ConditionBuilder.DeletedFieldError, cut.Find("[data-testid=condition-row]").TextContent);
        Assert.Contains("A field in this list was deleted", cut.Find("#condition-builder").TextContent);
    }
}
