using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;

namespace Undb.Tests.Infrastructure;

/// <summary>The cases found by probing the API (#18 item 5), each with the answer a caller should read.</summary>
public sealed class BadInputMessagesTests(BadInputFactory app) : IClassFixture<BadInputFactory>
{
    private readonly HttpClient _api = app.CreateApiClient();

    private async Task<(HttpStatusCode Status, JsonObject Problem)> SendAsync(HttpMethod method, string url, string body, string contentType = "application/json", string? apiKey = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }
        var response = await _api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    private static string Detail(JsonObject problem) => problem["detail"]!.GetValue<string>();

    private static IEnumerable<string> ErrorKeys(JsonObject problem) => problem["errors"]!.AsObject().Select(p => p.Key);

    [Theory]
    [InlineData("POST", "/api/tables", """{"name":"T","fields":[null]}""", "fields[0]", "'fields[0]' must not be null.")]
    [InlineData("POST", "/api/tables/{table}/records/bulk", """{"records":[null]}""", "records[0]", "'records[0]' must not be null.")]
    [InlineData("PATCH", "/api/tables/{table}/records/bulk", """{"records":[{"id":"x","values":{}},null]}""", "records[1]", "'records[1]' must not be null.")]
    [InlineData("DELETE", "/api/tables/{table}/records/bulk", """{"ids":[null]}""", "ids[0]", "'ids[0]' must not be null.")]
    [InlineData("PATCH", "/api/webhooks/{webhook}", """{"condition":{"conjunction":"and","filters":[null]}}""", "condition.filters[0]", "'condition.filters[0]' must not be null.")]
    [InlineData("PATCH", "/api/webhooks/{webhook}", """{"condition":{"filters":[{"operator":"is","value":1}]}}""", "condition.filters[0].field", "'condition.filters[0].field' is required.")]
    [InlineData("PATCH", "/api/webhooks/{webhook}", """{"headers":{"X-Env":null}}""", "headers['X-Env']", "'headers['X-Env']' must not be null.")]
    [InlineData("POST", "/api/webhooks/{webhook}/replay", """{"since":"garbage"}""", "since", "'since' must be a date and time such as 2026-11-22T15:35:20Z.")]
    [InlineData("POST", "/api/tables", """{"name":5}""", "name", "'name' must be text (a JSON string).")]
    [InlineData("POST", "/api/tables", """{"name":"T","fields":[{"name":"A","type":"text","required":"yes"}]}""", "fields[0].required", "'fields[0].required' must be true or false.")]
    [InlineData("POST", "/api/tables", """{"name":"T","fields":{"name":"A"}}""", "fields", "'fields' must be a list (a JSON array).")]
    [InlineData("PATCH", "/api/tables/{table}", "[]", "body", "The body must be an object.")]
    public async Task NullItemsAndWrongTypes_Are400_NamingTheProperty(string method, string route, string body, string key, string detail)
    {
        var (status, problem) = await SendAsync(new HttpMethod(method), Url(route), body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(detail, Detail(problem));
        Assert.Equal(key, Assert.Single(ErrorKeys(problem)));
    }

    [Theory]
    [InlineData("PATCH", "/api/tables/{table}/records/{record}")]
    [InlineData("PUT", "/api/tables/{table}/fields/order")]
    [InlineData("DELETE", "/api/tables/{table}/records/bulk")]
    [InlineData("PATCH", "/api/webhooks/{webhook}")]
    public async Task LoneSurrogate_Is400_NamingWhere_NotA500Or405(string method, string route)
    {
        var (status, problem) = await SendAsync(new HttpMethod(method), Url(route), """{"values":{"Deal":"\ud83d"},"fieldIds":["\ud83d"],"ids":["\ud83d"],"name":"\ud83d"}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("At $.values.Deal: The text is not valid Unicode", Detail(problem));
    }

    [Fact]
    public async Task EmptyBody_OnPatch_Is400ProblemDetails_Not405()
    {
        var (status, problem) = await SendAsync(HttpMethod.Patch, Url("/api/tables/{table}"), "");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("This route needs a JSON body: an object.", Detail(problem));
    }

    [Fact]
    public async Task WrongContentType_Is415ProblemDetails()
    {
        var (status, problem) = await SendAsync(HttpMethod.Post, Url("/api/tables"), """{"name":"T"}""", "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("Content-Type: application/json", Detail(problem));
    }

    [Fact]
    public async Task ABodyForARouteThatTakesNone_IsRefused_AndTheTableStays()
    {
        var (status, problem) = await SendAsync(HttpMethod.Delete, Url("/api/tables/{table}"), """{"ids":["rec_1"]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("This route takes no request body", Detail(problem));
        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync(Url("/api/tables/{table}"))).StatusCode);
    }

    [Fact]
    public async Task HugeNumberForANumberField_Is422_NothingWritten()
    {
        var (status, problem) = await SendAsync(HttpMethod.Post, Url("/api/tables/{table}/records"), """{"values":{"Deal":"Big","Value":1e400}}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("Value", ErrorKeys(problem));
    }

    [Theory]
    [InlineData("""{"deal":"\ud83d","value":1}""")]
    [InlineData("""{"deal":"ok","nested":{"\udc00":1}}""")]
    public async Task LoneSurrogate_AtTheIngestEndpoint_Is400_AndLogged(string body)
    {
        var before = (await LogAsync()).Select(r => r.Id).ToHashSet();

        var (status, problem) = await SendAsync(HttpMethod.Post, $"/hooks/{app.IncomingId}", body, apiKey: app.IncomingKey);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not valid Unicode", Detail(problem));
        var entry = Assert.Single(await LogAsync(), r => !before.Contains(r.Id));
        Assert.Equal(400, entry.Status);
        Assert.Contains("not valid Unicode", entry.Error);
    }

    [Fact]
    public async Task InvalidUtf8_AtTheIngestEndpoint_Is400_AndLogged()
    {
        var before = (await LogAsync()).Select(r => r.Id).ToHashSet();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{app.IncomingId}")
        {
            Content = new ByteArrayContent([.. "{\"deal\":\""u8.ToArray(), 0xC3, 0x28, .. "\"}"u8.ToArray()]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Api-Key", app.IncomingKey);

        var response = await app.CreateAnonymousClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("At $.deal: The text is not valid Unicode", await response.Content.ReadAsStringAsync());
        var entry = Assert.Single(await LogAsync(), r => !before.Contains(r.Id));
        Assert.Equal(400, entry.Status);
    }

    private string Url(string route) => route
        .Replace("{table}", app.TableId).Replace("{record}", app.RecordId).Replace("{webhook}", app.WebhookId);

    private async Task<List<(string Id, int Status, string? Error)>> LogAsync()
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return (await db.IncomingRequests.Where(r => r.WebhookId == app.IncomingId).Select(r => new { r.Id, r.Status, r.Error }).ToListAsync())
            .Select(r => (r.Id, r.Status, r.Error)).ToList();
    }
}
