using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Undb.Features.Webhooks.Incoming;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class FormBodyTests
{
    private static string Json(params (string Key, string Value)[] fields) =>
        FormBody.ToJson(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))).ToJsonString();

    [Fact]
    public void RepeatedKeys_BecomeArrays_BracketsNest_EmptyBracketsForceAnArray() =>
        Assert.Equal("""{"name":"Ann","tag":["a","b"],"lead":{"contact":{"email":"a@b.co"},"size":"3"},"one":["x"]}""",
            Json(("name", "Ann"), ("tag", "a"), ("lead[contact][email]", "a@b.co"), ("tag", "b"), ("lead[size]", "3"), ("one[]", "x")));

    [Theory]
    [InlineData("a[b", """{"a[b":"1"}""")]
    [InlineData("[a]", """{"[a]":"1"}""")]
    [InlineData("a[][b]", """{"a[][b]":"1"}""")]
    [InlineData("a]b[", """{"a]b[":"1"}""")]
    public void KeysNotOfTheBracketShape_AreKeptAsSent(string key, string expected) => Assert.Equal(expected, Json((key, "1")));

    [Fact]
    public void AValueAndANestedKeyOfTheSameName_AreBothKept() =>
        Assert.Equal("""{"a":"1","a[b]":"2"}""", Json(("a", "1"), ("a[b]", "2")));

    /// <summary>A dot does not nest (the README says so): the dialog offers such a key as one quoted name, which maps.</summary>
    [Fact]
    public void ADottedKey_StaysOneKey_OfferedAsAQuotedName()
    {
        var body = FormBody.ToJson([new("contact.name", "Ada")]);
        Assert.Equal("""{"contact.name":"Ada"}""", body.ToJsonString());
        var key = Assert.Single(PayloadKeys.Extract(body), k => k.IsLeaf);
        Assert.Equal("$['contact.name']", key.Path);
        Assert.Equal("Ada", JsonPath.Parse(key.Path).Evaluate(body)?.GetValue<string>());
    }
}

[Trait("Engines", "Both")]
public sealed class FormPostTests(IncomingFactory factory) : IClassFixture<IncomingFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    private static readonly object LeadMapping = new
    {
        fields = new Dictionary<string, string> { ["Deal"] = "$.name", ["Value"] = "$.lead.amount", ["Contact"] = "$.lead.contact.email", ["Tags"] = "$.tag" },
    };

    private static HttpRequestMessage PostContent(CreatedHook hook, HttpContent content, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{hook.Id}") { Content = content };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }
        return request;
    }

    private async Task<JsonObject> RecordAsync(CreatedHook hook, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var id = JsonNode.Parse(text)!["recordIds"]![0]!.GetValue<string>();
        return (await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"/api/tables/{hook.TableId}/records/{id}"))!["values"]!.AsObject();
    }

    [Fact]
    public async Task UrlEncoded_NestedAndRepeatedKeys_AreMappedLikeJson_AndLoggedAsJson()
    {
        var hook = await CreateHookAsync(factory, LeadMapping);
        var form = new FormUrlEncodedContent([new("name", "Acme & Co"), new("lead[amount]", "1200"), new("lead[contact][email]", "ann@acme.test"), new("tag", "hot"), new("tag", "vip")]);
        var values = await RecordAsync(hook, await _client.SendAsync(PostContent(hook, form, hook.Key)));

        Assert.Equal("Acme & Co", values["Deal"]!.GetValue<string>());
        Assert.Equal(1200, values["Value"]!.GetValue<decimal>());
        Assert.Equal("ann@acme.test", values["Contact"]!.GetValue<string>());
        Assert.Equal(["hot", "vip"], values["Tags"]!.AsArray().Select(t => t!.GetValue<string>()));

        var logged = (await RequestLogAsync(factory, hook.Id))[0]!["payload"]!.GetValue<string>();
        Assert.Equal("""{"name":"Acme & Co","lead":{"amount":"1200","contact":{"email":"ann@acme.test"}},"tag":["hot","vip"]}""", logged);
    }

    /// <summary>
    /// A form's one tag becomes a one-choice list (it answered 500 once: a new-user run) and its ticked checkbox, which
    /// an HTML form sends as "on", is true.
    /// </summary>
    [Fact]
    public async Task UrlEncoded_OneTag_AndATickedBox_AreMapped()
    {
        var hook = await CreateHookAsync(factory, new { fields = new Dictionary<string, string> { ["Deal"] = "$.name", ["Tags"] = "$.tag", ["Won"] = "$.won" } });
        var form = new FormUrlEncodedContent([new("name", "Acme"), new("tag", "hot"), new("won", "on")]);
        var values = await RecordAsync(hook, await _client.SendAsync(PostContent(hook, form, hook.Key)));

        Assert.Equal(["hot"], values["Tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.True(values["Won"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Multipart_Fields_AreMapped()
    {
        var hook = await CreateHookAsync(factory, LeadMapping);
        using var form = new MultipartFormDataContent { { new StringContent("Zoë"), "name" }, { new StringContent("7"), "lead[amount]" } };
        var values = await RecordAsync(hook, await _client.SendAsync(PostContent(hook, form, hook.Key)));
        Assert.Equal("Zoë", values["Deal"]!.GetValue<string>());
        Assert.Equal(7, values["Value"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Multipart_WithAFile_Is415_SayingFilesAreNotTaken_NothingWritten()
    {
        var hook = await CreateHookAsync(factory, LeadMapping);
        using var form = new MultipartFormDataContent { { new StringContent("Acme"), "name" }, { new ByteArrayContent([1, 2, 3]), "cv", "cv.pdf" } };
        var response = await _client.SendAsync(PostContent(hook, form, hook.Key));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>();
        Assert.Contains("cv.pdf", detail);
        Assert.Contains("not files", detail);
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Multipart_WithoutBoundary_Is400()
    {
        var hook = await CreateHookAsync(factory, LeadMapping);
        var content = new StringContent("name=x");
        content.Headers.ContentType = new("multipart/form-data");
        var response = await _client.SendAsync(PostContent(hook, content, hook.Key));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("boundary", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UrlEncoded_ThatDoesNotFitTheMapping_Is422()
    {
        var hook = await CreateHookAsync(factory, LeadMapping);
        var response = await _client.SendAsync(PostContent(hook, new FormUrlEncodedContent([new("name", "A"), new("lead[amount]", "lots")]), hook.Key));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Value ($.lead.amount)", await response.Content.ReadAsStringAsync());
    }
}

public sealed class RequestLogWordingTests
{
    [Theory]
    [InlineData(1, 201, false, "1 record created")]
    [InlineData(3, 201, false, "3 records created")]
    [InlineData(2, 201, true, "2 records written")] // an upsert that created at least one: the log does not keep which
    [InlineData(1, 200, true, "1 record updated")]
    public void ARequestsRecords_AreNamedByWhatItsAnswerSays(int count, int status, bool upsert, string expected) =>
        Assert.Equal(expected, Undb.Features.Webhooks.Incoming.Components.IncomingFormat.RecordsWritten(count, status, upsert));
}
