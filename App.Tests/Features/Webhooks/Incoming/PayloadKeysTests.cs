using System.Text.Json.Nodes;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Incoming;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class PayloadKeysTests
{
    private static readonly JsonNode Sample = JsonNode.Parse("""
        { "id": 7, "customer": { "first_name": "Ada", "Email Address": "ada@example.com" },
          "items": [ { "sku": "A" }, { "sku": "B" }, { "sku": "C" }, { "sku": "D" } ], "tags": ["x"] }
        """)!;

    [Fact]
    public void Extract_ListsEveryKeyWithItsPath_AndAFewListElements()
    {
        var keys = PayloadKeys.Extract(Sample);
        Assert.Contains(keys, k => k.Path == "$.customer.first_name" && k.Depth == 2 && k.Preview == "\"Ada\"");
        Assert.Contains(keys, k => k.Path == "$.customer['Email Address']");
        Assert.Contains(keys, k => k.Path == "$.items[2].sku");
        Assert.DoesNotContain(keys, k => k.Path == "$.items[3]");
        Assert.Equal(["$.items"], PayloadKeys.RecordListPaths(Sample)); // lists of objects only: tags holds strings
    }

    [Theory]
    [InlineData("First Name", FieldType.Text, "$.customer.first_name")]
    [InlineData("email_address", FieldType.Email, "$.customer['Email Address']")]
    [InlineData("ID", FieldType.Number, "$.id")]
    [InlineData("Tags", FieldType.MultiSelect, "$.tags")]
    [InlineData("Tags", FieldType.Text, null)]
    [InlineData("Customer", FieldType.Text, null)]
    public void BestMatch_IgnoresCaseSpacesAndUnderscores(string fieldName, FieldType type, string? expected)
    {
        var field = new FieldEntity { TableId = "t", Name = fieldName, Type = type };
        Assert.Equal(expected, PayloadKeys.BestMatch(field, PayloadKeys.Extract(Sample)));
    }

    [Theory]
    [InlineData("Contact email", "$.lead.contact.email")]
    [InlineData("Lead Contact Email", "$.lead.contact.email")]
    [InlineData("Email", "$.email")] // a key of the very name wins over a spelled path
    [InlineData("Contact", null)] // an object is not a value
    [InlineData("Lead email", null)] // only the last keys, in order, spell a name
    public void BestMatch_IsPathAware_WhenNoKeyHasTheName(string fieldName, string? expected)
    {
        var sample = JsonNode.Parse("""{ "email": "x@y.z", "lead": { "contact": { "email": "a@b.co" } } }""");
        var field = new FieldEntity { TableId = "t", Name = fieldName, Type = FieldType.Email };
        Assert.Equal(expected, PayloadKeys.BestMatch(field, PayloadKeys.Extract(sample)));
    }

    [Fact]
    public void MappingPreview_NumbersItemsFromOne() =>
        Assert.Equal("Item 1: Value ($.n): expects a number",
            Undb.Features.Webhooks.Incoming.Components.MappingPreview.Describe(new MappingError("$.n", "Value", "expects a number", 0)));

    [Fact]
    public void RecordListPaths_IncludesTheRootWhenThePayloadIsAList() =>
        Assert.Equal(["$", "$[0].lines"], PayloadKeys.RecordListPaths(JsonNode.Parse("""[ { "lines": [ { "sku": "A" } ] } ]""")));

    [Fact]
    public void ForRecords_ListsTheFirstElementsKeys_Relative()
    {
        var keys = PayloadKeys.ForRecords(Sample, "$.items");
        Assert.Equal(["$.sku"], keys.Select(k => k.Path));
    }

    [Theory]
    [InlineData("12.5", FieldType.Number)]
    [InlineData("false", FieldType.Checkbox)]
    [InlineData("\"2026-11-22\"", FieldType.Date)]
    [InlineData("\"a@b.co\"", FieldType.Email)]
    [InlineData("\"https://x.io\"", FieldType.Url)]
    [InlineData("\"hello\"", FieldType.Text)]
    public void SuggestType_FollowsTheValue(string json, FieldType expected) =>
        Assert.Equal(expected, PayloadKeys.SuggestType(JsonNode.Parse(json)));
}
