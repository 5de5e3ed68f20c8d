using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

[Trait("Engines", "Both")]
public sealed class RecordFilterTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private RecordService Records => factory.Services.GetRequiredService<RecordService>();
    private RecordQueryService Query => factory.Services.GetRequiredService<RecordQueryService>();

    private async Task<TableSnapshot> SeedAsync()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        JsonNode? S(string s) => JsonValue.Create(s);
        await Records.BulkCreateAsync(table.Id,
        [
            new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = S("Acme rockets"), ["Value"] = 1200, ["Won"] = true, ["Stage"] = S("Won"), ["Tags"] = new JsonArray("hot", "vip"), ["Close"] = S("2026-11-20") }),
            new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = S("Globex"), ["Value"] = 80, ["Won"] = false, ["Stage"] = S("Lead"), ["Tags"] = new JsonArray("cold"), ["Close"] = S("2026-11-22T15:00:00Z") }),
            new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = S("Initech"), ["Value"] = 300, ["Stage"] = S("Discovery"), ["Close"] = S("2026-11-23") }),
            new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = S("acme labs") }),
        ], actorId: null);
        return table;
    }

    private async Task<List<string>> DealsAsync(TableSnapshot table, params RecordFilter[] filters)
    {
        var page = await Query.ListAsync(table.Id, new RecordQuery(Limit: 100, Sort: "Deal", Filters: filters));
        var deal = table.Fields.Single(f => f.Name == "Deal").Id;
        return page.Records.Select(r => r.Values[deal]!.GetValue<string>()).ToList();
    }

    private static string F(TableSnapshot t, string name) => t.Fields.Single(f => f.Name == name).Id;

    [Fact]
    public async Task TextOperators_MatchIgnoringCase()
    {
        var t = await SeedAsync();
        Assert.Equal(["acme labs", "Acme rockets"], await DealsAsync(t, new RecordFilter(F(t, "Deal"), FilterOperator.Contains, "ACME")));
        Assert.Equal(["Globex"], await DealsAsync(t, new RecordFilter(F(t, "Deal"), FilterOperator.Is, "globex")));
        Assert.Equal(3, (await DealsAsync(t, new RecordFilter(F(t, "Deal"), FilterOperator.IsNot, "globex"))).Count);
        Assert.Equal(["Globex", "Initech"], await DealsAsync(t, new RecordFilter(F(t, "Deal"), FilterOperator.DoesNotContain, "acme")));
        Assert.Equal(["Globex", "Initech"], await DealsAsync(t, new RecordFilter(F(t, "Deal"), FilterOperator.IsAnyOf, Values: ["initech", "GLOBEX"])));
    }

    [Fact]
    public async Task NumberOperators_CompareAsNumbers()
    {
        var t = await SeedAsync();
        var value = F(t, "Value");
        Assert.Equal(["Acme rockets", "Initech"], await DealsAsync(t, new RecordFilter(value, FilterOperator.GreaterThan, "100")));
        Assert.Equal(["Globex"], await DealsAsync(t, new RecordFilter(value, FilterOperator.LessThan, "100")));
        Assert.Equal(["Globex", "Initech"], await DealsAsync(t, new RecordFilter(value, FilterOperator.LessOrEqual, "300")));
        Assert.Equal(["Acme rockets", "Initech"], await DealsAsync(t, new RecordFilter(value, FilterOperator.GreaterOrEqual, "300")));
        Assert.Equal(["Initech"], await DealsAsync(t, new RecordFilter(value, FilterOperator.Is, "300")));
        Assert.Equal(["acme labs"], await DealsAsync(t, new RecordFilter(value, FilterOperator.IsEmpty)));
        Assert.Equal(3, (await DealsAsync(t, new RecordFilter(value, FilterOperator.IsNotEmpty))).Count);
    }

    [Fact]
    public async Task CheckboxSelectAndMultiSelect_Filter()
    {
        var t = await SeedAsync();
        Assert.Equal(["Acme rockets"], await DealsAsync(t, new RecordFilter(F(t, "Won"), FilterOperator.Is, "true")));
        Assert.Equal(3, (await DealsAsync(t, new RecordFilter(F(t, "Won"), FilterOperator.Is, "false"))).Count);
        Assert.Equal(["Globex", "Initech"], await DealsAsync(t, new RecordFilter(F(t, "Stage"), FilterOperator.IsAnyOf, Values: ["lead", "Discovery"])));
        Assert.Equal(["Globex"], await DealsAsync(t, new RecordFilter(F(t, "Stage"), FilterOperator.Is, "Lead")));
        Assert.Equal(["Acme rockets"], await DealsAsync(t, new RecordFilter(F(t, "Tags"), FilterOperator.Contains, "vip")));
        Assert.Equal(["Acme rockets", "Globex"], await DealsAsync(t, new RecordFilter(F(t, "Tags"), FilterOperator.IsAnyOf, Values: ["vip", "cold"])));
        Assert.Equal(3, (await DealsAsync(t, new RecordFilter(F(t, "Tags"), FilterOperator.DoesNotContain, "vip"))).Count);
    }

    [Fact]
    public async Task DateOperators_TreatTimesAsTheirDay()
    {
        var t = await SeedAsync();
        var close = F(t, "Close");
        Assert.Equal(["Globex"], await DealsAsync(t, new RecordFilter(close, FilterOperator.Is, "2026-11-22")));
        Assert.Equal(["Initech"], await DealsAsync(t, new RecordFilter(close, FilterOperator.GreaterThan, "2026-11-22")));
        Assert.Equal(["Acme rockets"], await DealsAsync(t, new RecordFilter(close, FilterOperator.LessThan, "2026-11-22")));
        Assert.Equal(["Globex", "Initech"], await DealsAsync(t, new RecordFilter(close, FilterOperator.GreaterOrEqual, "2026-11-22")));
        Assert.Equal(["Acme rockets", "Globex"], await DealsAsync(t, new RecordFilter(close, FilterOperator.LessOrEqual, "2026-11-22")));
    }

    [Fact]
    public async Task Filters_CombineWithAnd_AndWithSearch()
    {
        var t = await SeedAsync();
        var page = await Query.ListAsync(t.Id, new RecordQuery(Search: "acme", Filters: [new RecordFilter(F(t, "Value"), FilterOperator.IsNotEmpty)]));
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task WrongOperatorOrValue_IsRejected()
    {
        var t = await SeedAsync();
        await Assert.ThrowsAsync<BadRequestException>(() => DealsAsync(t, new RecordFilter(F(t, "Value"), FilterOperator.Contains, "1")));
        await Assert.ThrowsAsync<BadRequestException>(() => DealsAsync(t, new RecordFilter(F(t, "Value"), FilterOperator.GreaterThan, "lots")));
        await Assert.ThrowsAsync<BadRequestException>(() => DealsAsync(t, new RecordFilter(F(t, "Close"), FilterOperator.Is, "tomorrow")));
    }

    [Fact]
    public void EveryType_HasOperators_WithLabels()
    {
        foreach (var type in FieldTypes.All)
        {
            var ops = RecordFilters.OperatorsFor(type);
            Assert.NotEmpty(ops);
            Assert.All(ops, op => Assert.False(string.IsNullOrWhiteSpace(RecordFilters.Label(op, type))));
        }
    }
}
