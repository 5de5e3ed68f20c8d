using System.Text.Json.Nodes;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Incoming;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class MappingEngineTests
{
    private static FieldEntity F(string name, FieldType type, bool required = false, params string[] choices) =>
        new() { Id = "fld_" + name.ToLowerInvariant(), TableId = "tbl_1", Name = name, Type = type, Required = required, Choices = choices.ToList() };

    private static readonly TableSnapshot Table = new("tbl_1", "Deals",
    [
        F("Deal", FieldType.Text, required: true),
        F("Notes", FieldType.LongText),
        F("Value", FieldType.Number),
        F("Won", FieldType.Checkbox),
        F("Stage", FieldType.SingleSelect, false, "Lead", "Won"),
        F("Tags", FieldType.MultiSelect, false, "hot", "vip"),
        F("Close", FieldType.Date),
        F("Contact", FieldType.Email),
        F("Site", FieldType.Url),
    ]);

    private static IncomingMapping Map(string? recordsPath, params (string Field, string Path)[] fields) =>
        new(recordsPath, fields.ToDictionary(f => "fld_" + f.Field.ToLowerInvariant(), f => f.Path));

    [Fact]
    public void Apply_NestedPathsAndIndexes_CoerceToEveryFieldType()
    {
        var payload = JsonNode.Parse("""
            { "deal": { "title": "Acme", "amount": "1200.50", "won": "true", "stage": "lead", "notes": "long\ntext",
                        "tags": ["HOT", "vip"], "close": "2026-11-22T16:35:20+01:00" },
              "contacts": [ { "email": " ada@example.com " } ], "links": { "site": "https://acme.example" } }
            """);
        var result = MappingEngine.Apply(payload, Map(null,
            ("Deal", "$.deal.title"), ("Notes", "$.deal.notes"), ("Value", "$.deal.amount"), ("Won", "$.deal.won"),
            ("Stage", "$.deal.stage"), ("Tags", "$.deal.tags"), ("Close", "$.deal.close"), ("Contact", "$.contacts[0].email"),
            ("Site", "$['links']['site']")), Table);

        Assert.True(result.Ok, string.Join("; ", result.Errors));
        var record = Assert.Single(result.Records).Coerced;
        Assert.Equal("Acme", record["fld_deal"]!.GetValue<string>());
        Assert.Equal("long\ntext", record["fld_notes"]!.GetValue<string>());
        Assert.Equal(1200.5m, record["fld_value"]!.GetValue<decimal>());
        Assert.True(record["fld_won"]!.GetValue<bool>());
        Assert.Equal("Lead", record["fld_stage"]!.GetValue<string>());
        Assert.Equal("""["hot","vip"]""", record["fld_tags"]!.ToJsonString());
        Assert.Equal("2026-11-22T15:35:20.000Z", record["fld_close"]!.GetValue<string>());
        Assert.Equal("ada@example.com", record["fld_contact"]!.GetValue<string>());
        Assert.Equal("https://acme.example", record["fld_site"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_RecordsPath_MakesOneRecordPerElement_WithRelativePaths()
    {
        var payload = JsonNode.Parse("""{ "data": { "items": [ { "name": "A", "n": 1 }, { "name": "B", "n": "2" }, { "name": "C" } ] } }""");
        var result = MappingEngine.Apply(payload, Map("$.data.items", ("Deal", "$.name"), ("Value", "$.n")), Table);

        Assert.True(result.Ok, string.Join("; ", result.Errors));
        Assert.Equal(["A", "B", "C"], result.Records.Select(r => r.Coerced["fld_deal"]!.GetValue<string>()));
        Assert.Equal(2m, result.Records[1].Coerced["fld_value"]!.GetValue<decimal>());
        Assert.False(result.Records[2].Inputs.ContainsKey("fld_value"));
    }

    [Fact]
    public void Apply_MissingAndNullValues_MeanNoValue_ButRequiredFieldsError()
    {
        var payload = JsonNode.Parse("""{ "title": null, "amount": null }""");
        var result = MappingEngine.Apply(payload, Map(null, ("Deal", "$.title"), ("Value", "$.amount"), ("Won", "$.nowhere")), Table);

        var error = Assert.Single(result.Errors);
        Assert.Equal(("Deal", "$.title"), (error.Field, error.Path));
        Assert.Contains("required", error.Message);
        Assert.Empty(result.Records[0].Inputs);
    }

    [Fact]
    public void Apply_ReportsEveryError_WithPathFieldAndIndex()
    {
        var payload = JsonNode.Parse("""{ "rows": [ { "name": "ok", "n": "abc", "stage": "Nope" }, { "n": 3 } ] }""");
        var result = MappingEngine.Apply(payload, Map("$.rows", ("Deal", "$.name"), ("Value", "$.n"), ("Stage", "$.stage")), Table);

        Assert.Equal(3, result.Errors.Count);
        Assert.Contains(result.Errors, e => e is { Field: "Value", Path: "$.n", Index: 0 } && e.Message.Contains("number"));
        Assert.Contains(result.Errors, e => e is { Field: "Stage", Path: "$.stage", Index: 0 } && e.Message.Contains("\"Lead\""));
        Assert.Contains(result.Errors, e => e is { Field: "Deal", Index: 1 } && e.Message.Contains("required"));
    }

    [Fact]
    public void Apply_UnmappedRequiredField_IsAnError()
    {
        var result = MappingEngine.Apply(JsonNode.Parse("{}"), IncomingMapping.Empty, Table);
        Assert.Contains(result.Errors, e => e.Field == "Deal" && e.Message.Contains("no path is mapped"));
    }

    /// <summary>A payload of another shape (another event, a misconfigured sender) found none of the mapped values: it was a blank record.</summary>
    [Fact]
    public void Apply_APayloadWithAValueAtNoMappedPath_IsAnError_NotABlankRecord()
    {
        var leads = new TableSnapshot("tbl_2", "Leads", [F("Name", FieldType.Text), F("Value", FieldType.Number)]);
        var mapping = new IncomingMapping(null, new Dictionary<string, string> { ["fld_name"] = "$.lead.name", ["fld_value"] = "$.lead.value" });

        foreach (var other in new[] { """{"foo":1}""", "[1,2]", """{"lead":{"name":null}}""" })
        {
            var error = Assert.Single(MappingEngine.Apply(JsonNode.Parse(other), mapping, leads).Errors);
            Assert.Equal((MappingEngine.RecordField, "$", (int?)null), (error.Field, error.Path, error.Index));
            Assert.Contains("no value at any mapped path ($.lead.name, $.lead.value)", error.Message);
        }
        Assert.True(MappingEngine.Apply(JsonNode.Parse("""{"lead":{"value":3}}"""), mapping, leads).Ok);

        // In a list, the element that has none is named by its index.
        var list = mapping with { RecordsPath = "$.leads" };
        var result = MappingEngine.Apply(JsonNode.Parse("""{"leads":[{"lead":{"name":"A"}},{"other":true}]}"""), list, leads);
        Assert.Equal((MappingEngine.RecordField, (int?)1), (Assert.Single(result.Errors).Field, result.Errors[0].Index));

        // With nothing mapped at all, the error says so.
        Assert.Contains("no path is mapped", Assert.Single(MappingEngine.Apply(JsonNode.Parse("""{"a":1}"""), IncomingMapping.Empty, leads).Errors).Message);
    }

    [Theory]
    [InlineData("""{ "items": 5 }""", "expected a list")]
    [InlineData("""{ }""", "missing")]
    public void Apply_RecordsPathNotAList_IsAnError(string json, string message)
    {
        var result = MappingEngine.Apply(JsonNode.Parse(json), Map("$.items", ("Deal", "$.name")), Table);
        var error = Assert.Single(result.Errors);
        Assert.Equal(MappingEngine.RecordsField, error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Apply_RecordsPathToOneObject_MakesOneRecord()
    {
        var result = MappingEngine.Apply(JsonNode.Parse("""{ "item": { "name": "Solo" } }"""), Map("$.item", ("Deal", "$.name")), Table);
        Assert.True(result.Ok);
        Assert.Equal("Solo", Assert.Single(result.Records).Coerced["fld_deal"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(FieldType.Number, "true", "expects a number")]
    [InlineData(FieldType.Checkbox, "\"maybe\"", "expects true or false")]
    [InlineData(FieldType.Date, "\"22/11/2026\"", "ISO 8601")]
    [InlineData(FieldType.Email, "\"not-an-email\"", "email")]
    [InlineData(FieldType.Url, "\"ftp://x\"", "URL")]
    [InlineData(FieldType.Text, "{ \"a\": 1 }", "expects text")]
    [InlineData(FieldType.MultiSelect, "[\"hot\", \"warm\"]", "choices")]
    public void Apply_ValueOfWrongType_IsACoercionError(FieldType type, string valueJson, string message)
    {
        var table = new TableSnapshot("tbl_2", "T", [F("Deal", FieldType.Text), F("X", type, false, "hot")]);
        var result = MappingEngine.Apply(JsonNode.Parse($$"""{ "x": {{valueJson}} }"""), new IncomingMapping(null, new Dictionary<string, string> { ["fld_x"] = "$.x" }), table);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("X", "$.x"), (error.Field, error.Path));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Resolve_AcceptsNamesOrIds_AndRejectsUnknownFieldsAndBadPaths()
    {
        var errors = new Dictionary<string, string[]>();
        var mapping = MappingEngine.Resolve(" $['data'].items ", new Dictionary<string, string?>
        {
            ["deal"] = "$.name", ["fld_value"] = "$['n']", ["Nope"] = "$.x", ["Won"] = "no-dollar", ["Notes"] = "",
        }, Table, errors);

        Assert.Equal("$.data.items", mapping.RecordsPath);
        Assert.Equal("$.name", mapping.Fields["fld_deal"]);
        Assert.Equal("$.n", mapping.Fields["fld_value"]);
        Assert.Equal(2, mapping.Fields.Count);
        Assert.Equal(["mapping.fields.Nope", "mapping.fields.Won"], errors.Keys.Order());
    }

    [Fact]
    public void Apply_TheSameMappingAgain_GivesTheSameAnswers_ForGoodAndBadPaths()
    {
        // Parsed paths are kept per path string; a second request with the same mapping must not lose an error or a value.
        var mapping = Map(null, ("Deal", "$.title"), ("Value", "amount"));
        var payload = JsonNode.Parse("""{ "title": "Acme", "amount": 3 }""");

        for (var i = 0; i < 2; i++)
        {
            var result = MappingEngine.Apply(payload, mapping, Table);
            var error = Assert.Single(result.Errors);
            Assert.Equal("Value", error.Field);
            Assert.Contains("is not a path", error.Message);
        }
        var fixedMapping = Map(null, ("Deal", "$.title"), ("Value", "$.amount"));
        var ok = MappingEngine.Apply(payload, fixedMapping, Table);
        Assert.True(ok.Ok, string.Join("; ", ok.Errors));
        Assert.Equal(3m, Assert.Single(ok.Records).Coerced["fld_value"]!.GetValue<decimal>());
    }

    [Fact]
    public void MappingJson_Parse_ReadsEachStoredString_AsItIs()
    {
        var before = MappingJson.Serialize(Map("$.items", ("Deal", "$.a")));
        var after = MappingJson.Serialize(Map(null, ("Deal", "$.b"), ("Value", "$.c")));

        Assert.Equal("$.a", MappingJson.Parse(before).Fields["fld_deal"]);
        Assert.Equal("$.items", MappingJson.Parse(before).RecordsPath);
        var edited = MappingJson.Parse(after);
        Assert.Null(edited.RecordsPath);
        Assert.Equal("$.b", edited.Fields["fld_deal"]);
        Assert.Equal("$.c", edited.Fields["fld_value"]);
    }
}
