using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

[Trait("Engines", "Both")]
public sealed class CsvFormatTests
{
    [Fact]
    public void Parse_HandlesQuotesCommasNewlinesBomAndCrlf()
    {
        var rows = CsvFormat.Parse("\uFEFFName,Notes\r\n\"Acme, Inc\",\"said \"\"hi\"\"\nthen left\"\r\nGlobex,\r\n\r\n");
        Assert.Equal(3, rows.Count);
        Assert.Equal(["Name", "Notes"], rows[0]);
        Assert.Equal(["Acme, Inc", "said \"hi\"\nthen left"], rows[1]);
        Assert.Equal(["Globex", ""], rows[2]);
    }

    [Fact]
    public void Parse_UnclosedQuote_Throws() => Assert.Throws<FormatException>(() => CsvFormat.Parse("a,\"b\n"));

    [Fact]
    public void Write_QuotesOnlyWhatNeedsIt_AndRoundTrips()
    {
        var rows = new[] { new[] { "plain", "a,b", "say \"x\"", "two\nlines", "" } };
        var text = CsvFormat.Write(rows);
        Assert.Equal("plain,\"a,b\",\"say \"\"x\"\"\",\"two\nlines\",\n", text);
        Assert.Equal(rows[0], CsvFormat.Parse(text)[0]);
    }
}

[Trait("Engines", "Both")]
public sealed class CsvImportExportTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private CsvImporter Importer => factory.Services.GetRequiredService<CsvImporter>();
    private RecordQueryService Query => factory.Services.GetRequiredService<RecordQueryService>();

    private static readonly string Csv =
        "deal,VALUE,Tags,Won,Ignored\r\n" +
        "Acme,1200,\"hot, vip\",yes,x\r\n" +
        "Globex,lots,cold,no,x\r\n" +
        ",5,,,x\r\n" +
        "Initech,300,,,x\r\n";

    private static CsvImportRequest Request(TableSnapshot table, CsvImportMode mode)
    {
        var rows = CsvFormat.Parse(Csv);
        var mapping = CsvImporter.AutoMatch(rows[0], table);
        return new CsvImportRequest(table.Id, rows.Skip(1).ToList(), mapping, mode);
    }

    [Fact]
    public async Task AutoMatch_MatchesByNameIgnoringCase()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var mapping = CsvImporter.AutoMatch(CsvFormat.Parse(Csv)[0], table);
        Assert.Equal(table.Fields.Single(f => f.Name == "Deal").Id, mapping[0]);
        Assert.Equal(table.Fields.Single(f => f.Name == "Value").Id, mapping[1]);
        Assert.Null(mapping[4]);
    }

    [Fact]
    public async Task AllOrNothing_WithBadRows_WritesNothing_AndReportsEveryError()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var result = await Importer.ImportAsync(Request(table, CsvImportMode.AllOrNothing), null);
        Assert.True(result.WroteNothing);
        Assert.Contains(result.Errors, e => e.Row == 3 && e.Field == "Value");
        Assert.Contains(result.Errors, e => e.Row == 4 && e.Field == "Deal");
        Assert.Equal(0, (await Query.ListAsync(table.Id, new RecordQuery())).Total);
    }

    [Fact]
    public async Task SkipBadRows_ImportsTheGoodOnes_WithProgress()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var progress = new List<CsvImportProgress>();
        var result = await Importer.ImportAsync(Request(table, CsvImportMode.SkipBadRows), null, p => { progress.Add(p); return Task.CompletedTask; });
        Assert.Equal(2, result.Imported);
        Assert.Equal(2, result.Skipped);
        Assert.Equal(new CsvImportProgress(2, 2), progress[^1]);

        var page = await Query.ListAsync(table.Id, new RecordQuery(Sort: "Deal"));
        var values = ApiMapping.ValuesByName(page.Records[0].Values, table);
        Assert.Equal("Acme", values["Deal"]!.GetValue<string>());
        Assert.Equal(["hot", "vip"], values["Tags"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.True(values["Won"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Export_FollowsFilterAndSort_AndQuotes()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var records = factory.Services.GetRequiredService<RecordService>();
        await records.BulkCreateAsync(table.Id,
        [
            new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Zeta, Ltd", ["Value"] = 10, ["Tags"] = new JsonArray("hot", "vip") }),
            new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Alpha", ["Value"] = 20.5 }),
            new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Mid", ["Value"] = 1 }),
        ], null);
        var fields = table.Fields.Where(f => f.Name is "Deal" or "Value" or "Tags").ToList();
        var view = new RecordQuery(Sort: "Value", Descending: true, Filters: [new RecordFilter(fields[1].Id, FilterOperator.GreaterOrEqual, "10")]);
        var output = new MemoryStream();
        await factory.Services.GetRequiredService<CsvExporter>().WriteAsync(output, table, fields, view);
        Assert.Equal("\uFEFFDeal,Value,Tags\nAlpha,20.5,\n\"Zeta, Ltd\",10,\"hot, vip\"\n", System.Text.Encoding.UTF8.GetString(output.ToArray()));
    }
}
