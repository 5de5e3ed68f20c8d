using System.Text.Json.Nodes;
using Undb.Features.Webhooks.Incoming;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class JsonPathTests
{
    private static readonly JsonNode Payload = JsonNode.Parse("""
        { "customer": { "email": "ada@example.com", "first name": "Ada", "it's": 1 },
          "items": [ { "sku": "A-1" }, { "sku": "B-2" } ],
          "empty": null }
        """)!;

    [Theory]
    [InlineData("$.customer.email", "\"ada@example.com\"")]
    [InlineData("$['customer']['first name']", "\"Ada\"")]
    [InlineData("$[\"customer\"][\"first name\"]", "\"Ada\"")]
    [InlineData("$.customer['it\\'s']", "1")]
    [InlineData("$.items[0].sku", "\"A-1\"")]
    [InlineData("$.items[1].sku", "\"B-2\"")]
    [InlineData("$.items[-1].sku", "\"B-2\"")]
    public void Evaluate_FindsValue(string path, string expected) =>
        Assert.Equal(expected, JsonPath.Parse(path).Evaluate(Payload)!.ToJsonString());

    [Theory]
    [InlineData("$.customer.phone")]
    [InlineData("$.items[5].sku")]
    [InlineData("$.items.sku")]
    [InlineData("$.customer[0]")]
    [InlineData("$.empty")]
    [InlineData("$.empty.deeper")]
    public void Evaluate_MissingOrNull_IsNull(string path) => Assert.Null(JsonPath.Parse(path).Evaluate(Payload));

    [Fact]
    public void Evaluate_Root_IsWholePayload() => Assert.Same(Payload, JsonPath.Parse("$").Evaluate(Payload));

    [Theory]
    [InlineData("")]
    [InlineData("customer.email")]
    [InlineData("$..email")]
    [InlineData("$.items[x]")]
    [InlineData("$['open")]
    [InlineData("$ .a")]
    public void TryParse_Invalid_ExplainsWhy(string path)
    {
        Assert.False(JsonPath.TryParse(path, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("$['customer'].email", "$.customer.email")]
    [InlineData("$.customer['first name']", "$.customer['first name']")]
    [InlineData("$[\"it's\"]", "$['it\\'s']")]
    [InlineData(" $.items[0] ", "$.items[0]")]
    public void ToString_IsCanonical_AndRoundTrips(string input, string canonical)
    {
        var path = JsonPath.Parse(input);
        Assert.Equal(canonical, path.ToString());
        Assert.Equal(canonical, JsonPath.Parse(path.ToString()).ToString());
    }
}
