using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Tables;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

[Trait("Engines", "Both")]
public sealed class IngestEndpointTests(IncomingFactory factory) : IClassFixture<IncomingFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    [Fact]
    public async Task Post_ValidPayload_Is201_WithRecordIds_AndCreatesMappedRecord()
    {
        var hook = await CreateHookAsync(factory);
        var response = await _client.SendAsync(Post(hook, """{ "deal": { "title": "Acme", "amount": "1200" } }""", hook.Key));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ids = (await response.Content.ReadFromJsonAsync<JsonObject>())!["recordIds"]!.AsArray();
        var id = Assert.Single(ids)!.GetValue<string>();
        var record = await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"/api/tables/{hook.TableId}/records/{id}");
        Assert.Equal("Acme", record!["values"]!["Deal"]!.GetValue<string>());
        Assert.Equal(1200, record["values"]!["Value"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Post_WithBearerKey_IsAccepted()
    {
        var hook = await CreateHookAsync(factory);
        var request = Post(hook, """{ "deal": { "title": "Bearer" } }""");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", hook.Key);
        Assert.Equal(HttpStatusCode.Created, (await _client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Post_RecordsPath_CreatesOneRecordPerElement_AllOrNothing()
    {
        var hook = await CreateHookAsync(factory, new { recordsPath = "$.data.items", fields = new { Deal = "$.name", Value = "$.n" } });
        var ok = await _client.SendAsync(Post(hook, """{ "data": { "items": [ { "name": "A", "n": 1 }, { "name": "B" } ] } }""", hook.Key));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Equal(2, (await ok.Content.ReadFromJsonAsync<JsonObject>())!["recordIds"]!.AsArray().Count);

        var bad = await _client.SendAsync(Post(hook, """{ "data": { "items": [ { "name": "C" }, { "n": "x" } ] } }""", hook.Key));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Equal(2, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Post_TopLevelList_WithRecordsPathRoot_CreatesOneRecordPerElement()
    {
        var hook = await CreateHookAsync(factory, new { recordsPath = "$", fields = new { Deal = "$.name" } });
        var response = await _client.SendAsync(Post(hook, """[ { "name": "A" }, { "name": "B" } ]""", hook.Key));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Post_Utf8WithByteOrderMark_IsAccepted()
    {
        var hook = await CreateHookAsync(factory);
        var request = Post(hook, null, hook.Key);
        request.Content = new ByteArrayContent([.. System.Text.Encoding.UTF8.Preamble, .. System.Text.Encoding.UTF8.GetBytes("""{ "deal": { "title": "Bom" } }""")]);
        request.Content.Headers.ContentType = new("application/json");
        Assert.Equal(HttpStatusCode.Created, (await _client.SendAsync(request)).StatusCode);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task AnyMethodButPost_Is405_SayingToPost_NotTheLoginPage(string method)
    {
        var hook = await CreateHookAsync(factory);
        var request = Post(hook, method == "GET" ? null : """{ "deal": { "title": "X" } }""", hook.Key);
        request.Method = new HttpMethod(method);
        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST", Assert.Single(response.Content.Headers.Allow));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("takes POST", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("uwk_wrong")]
    public async Task Post_MissingOrWrongKey_Is401_NothingWritten(string? key)
    {
        var hook = await CreateHookAsync(factory);
        var response = await _client.SendAsync(Post(hook, """{ "deal": { "title": "X" } }""", key));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("API key", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Post_UnknownWebhook_Is404()
    {
        var response = await _client.PostAsync("/hooks/uwh_nope", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Post_MalformedJson_Is400_NothingWritten()
    {
        var hook = await CreateHookAsync(factory);
        var response = await _client.SendAsync(Post(hook, """{ "deal": { "title": "X" """, hook.Key));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("text/csv")]
    public async Task Post_NotJson_Is415_NothingWritten(string contentType)
    {
        var hook = await CreateHookAsync(factory);
        var response = await _client.SendAsync(Post(hook, """{ "deal": { "title": "X" } }""", hook.Key, contentType));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Post_JsonSubtypeWithCharset_IsAccepted()
    {
        var hook = await CreateHookAsync(factory);
        var response = await _client.SendAsync(Post(hook, """{ "deal": { "title": "X" } }""", hook.Key, "application/vnd.acme+json; charset=utf-8"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Post_OverBodyLimit_Is413_NothingWritten()
    {
        var hook = await CreateHookAsync(factory);
        var big = $$"""{ "deal": { "title": "X", "notes": "{{new string('x', IncomingFactory.MaxBody)}}" } }""";
        var response = await _client.SendAsync(Post(hook, big, hook.Key));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Post_WithoutContentLength_IsReadUpToTheLimit()
    {
        var hook = await CreateHookAsync(factory);
        HttpRequestMessage Chunked(string json)
        {
            var request = Post(hook, null, hook.Key);
            // A stream that cannot tell its length: sent chunked, so the endpoint only learns the size by reading.
            request.Content = new StreamContent(new UnknownLengthStream(System.Text.Encoding.UTF8.GetBytes(json)));
            request.Content.Headers.ContentType = new("application/json");
            return request;
        }

        var small = await _client.SendAsync(Chunked($$"""{ "deal": { "title": "{{new string('s', IncomingFactory.MaxBody / 2)}}" } }"""));
        var big = await _client.SendAsync(Chunked($$"""{ "deal": { "title": "X", "notes": "{{new string('x', IncomingFactory.MaxBody)}}" } }"""));

        Assert.Equal(HttpStatusCode.Created, small.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
    }

    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    [Fact]
    public async Task Post_MappingAndTypeErrors_Is422_WithEveryError_NothingWritten()
    {
        var hook = await CreateHookAsync(factory, new { fields = new { Deal = "$.title", Value = "$.amount", Stage = "$.stage", Contact = "$.email" } });
        var response = await _client.SendAsync(Post(hook, """{ "amount": "lots", "stage": "Nowhere", "email": "nope" }""", hook.Key));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray();
        Assert.Equal(["Contact", "Deal", "Stage", "Value"], errors.Select(e => e!["field"]!.GetValue<string>()).Order());
        Assert.Contains(errors, e => e!["field"]!.GetValue<string>() == "Value" && e["path"]!.GetValue<string>() == "$.amount");
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e!["message"]!.GetValue<string>())));
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }

    /// <summary>With no required field, a payload of another shape found no mapped value and made a blank record per post.</summary>
    [Fact]
    public async Task Post_WithAValueAtNoMappedPath_Is422_NotABlankRecord()
    {
        var leads = await factory.Services.GetRequiredService<TableService>().CreateAsync("Leads " + Guid.NewGuid().ToString("N")[..6],
            [new FieldSpec("Name", FieldType.Text), new FieldSpec("Value", FieldType.Number)], null);
        var hook = await CreateHookAsync(factory, new { fields = new { Name = "$.lead.name", Value = "$.lead.value" } }, table: leads);

        var response = await _client.SendAsync(Post(hook, """{ "foo": 1 }""", hook.Key));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("no value at any mapped path ($.lead.name, $.lead.value)", body["detail"]!.GetValue<string>());
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
        Assert.Equal(HttpStatusCode.Created, (await _client.SendAsync(Post(hook, """{ "lead": { "name": "Ada" } }""", hook.Key))).StatusCode);
    }

    [Fact]
    public async Task Post_WhilePaused_Is503_WithMessage_NothingWritten()
    {
        var hook = await CreateHookAsync(factory, enabled: false);
        var response = await _client.SendAsync(Post(hook, """{ "deal": { "title": "X" } }""", hook.Key));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("paused", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Post_RepeatedIdempotencyKey_ReturnsFirstAnswer_WritesNothingNew()
    {
        var hook = await CreateHookAsync(factory);
        var first = await _client.SendAsync(Post(hook, """{ "deal": { "title": "Once" } }""", hook.Key, idempotencyKey: "evt-1"));
        var again = await _client.SendAsync(Post(hook, """{ "deal": { "title": "Twice" } }""", hook.Key, idempotencyKey: "evt-1"));
        var viaWebhookId = Post(hook, """{ "deal": { "title": "Thrice" } }""", hook.Key);
        viaWebhookId.Headers.Add("webhook-id", "evt-1");
        var third = await _client.SendAsync(viaWebhookId);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(firstBody, await again.Content.ReadAsStringAsync());
        Assert.Equal(firstBody, await third.Content.ReadAsStringAsync());
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Post_ConcurrentRequestsWithOneKey_WriteOnce()
    {
        var hook = await CreateHookAsync(factory);
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            _client.SendAsync(Post(hook, """{ "deal": { "title": "Race" } }""", hook.Key, idempotencyKey: "evt-race"))));

        // Each answer is the first one (201) or, while that one is still being written, 409 "retry in a moment".
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created && !r.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Post_RejectedThenRetriedWithSameKey_IsProcessedAgain()
    {
        var hook = await CreateHookAsync(factory);
        var rejected = await _client.SendAsync(Post(hook, """{ "deal": { } }""", hook.Key, idempotencyKey: "evt-2"));
        var retried = await _client.SendAsync(Post(hook, """{ "deal": { "title": "Fixed" } }""", hook.Key, idempotencyKey: "evt-2"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task Requests_AreCounted_AndLogged_WithinRetention()
    {
        var hook = await CreateHookAsync(factory);
        await _client.SendAsync(Post(hook, """{ "deal": { "title": "A" } }""", hook.Key));
        await _client.SendAsync(Post(hook, """{ "deal": { } }""", hook.Key));
        await _client.SendAsync(Post(hook, "{}", "uwk_wrong"));

        var stats = (await GetHookAsync(factory, hook.Id))["stats"]!;
        Assert.Equal((3, 1, 2), (stats["received"]!.GetValue<int>(), stats["accepted"]!.GetValue<int>(), stats["rejected"]!.GetValue<int>()));
        Assert.NotNull(stats["lastReceivedAt"]);

        var log = await RequestLogAsync(factory, hook.Id);
        Assert.Equal([401, 422, 201], log.Select(r => r!["status"]!.GetValue<int>()));
        Assert.Null(log[0]!["payload"]); // an unauthenticated body is not kept
        Assert.Contains("Deal", log[1]!["error"]!.GetValue<string>());
        Assert.Single(log[2]!["recordIds"]!.AsArray());
        Assert.Contains("\"A\"", log[2]!["payload"]!.GetValue<string>());

        for (var i = 0; i < IncomingFactory.LogMax; i++)
        {
            await _client.SendAsync(Post(hook, $$"""{ "n": {{i}} }""", hook.Key));
        }
        // Only the newest entries are kept (newest first).
        var kept = (await RequestLogAsync(factory, hook.Id)).Select(r => r!["payload"]!.GetValue<string>()).ToList();
        Assert.Equal(Enumerable.Range(0, IncomingFactory.LogMax).Reverse().Select(i => $$"""{ "n": {{i}} }"""), kept);
    }

    /// <summary>The webhook and its table are cached between requests; no change made through the app may wait for that cache.</summary>
    [Fact]
    public async Task ChangesMadeThroughTheApp_ApplyToTheVeryNextRequest()
    {
        var hook = await CreateHookAsync(factory);
        var api = factory.CreateApiClient();
        async Task<HttpStatusCode> SendAsync(string json, string key) => (await _client.SendAsync(Post(hook, json, key))).StatusCode;
        Assert.Equal(HttpStatusCode.Created, await SendAsync("""{ "deal": { "title": "primes the caches" } }""", hook.Key));

        var regenerated = await api.PostAsync($"/api/incoming-webhooks/{hook.Id}/regenerate-key", null);
        var newKey = (await regenerated.Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("""{ "deal": { "title": "old key" } }""", hook.Key));

        (await api.PatchAsJsonAsync($"/api/incoming-webhooks/{hook.Id}", new { enabled = false })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync("""{ "deal": { "title": "paused" } }""", newKey));

        // A new field, mapped: the next request fills it.
        var field = await api.PostAsJsonAsync($"/api/tables/{hook.TableId}/fields", new { name = "Source", type = "text" });
        Assert.Equal(HttpStatusCode.Created, field.StatusCode);
        (await api.PatchAsJsonAsync($"/api/incoming-webhooks/{hook.Id}", new
        {
            enabled = true,
            mapping = new { fields = new Dictionary<string, string> { ["Deal"] = "$.deal.title", ["Source"] = "$.source" } },
        })).EnsureSuccessStatusCode();
        var response = await _client.SendAsync(Post(hook, """{ "deal": { "title": "mapped" }, "source": "form" }""", newKey));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["recordIds"]![0]!.GetValue<string>();
        var record = await api.GetFromJsonAsync<JsonObject>($"/api/tables/{hook.TableId}/records/{id}");
        Assert.Equal("form", record!["values"]!["Source"]!.GetValue<string>());

        (await api.DeleteAsync($"/api/tables/{hook.TableId}")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync("""{ "deal": { "title": "table gone" } }""", newKey));
    }
}
