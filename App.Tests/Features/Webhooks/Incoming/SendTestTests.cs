using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Incoming;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

/// <summary>"Send test" from the setup screen: the sample goes to the real <c>/hooks/{id}</c> with a one-time pass in place of the key.</summary>
[Trait("Engines", "Both")]
public sealed class SendTestTests(IncomingFactory factory) : IClassFixture<IncomingFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    private IncomingTestPasses Passes => factory.Services.GetRequiredService<IncomingTestPasses>();

    private IncomingTestSender Sender => factory.Services.GetRequiredService<IncomingTestSender>();

    private HttpRequestMessage WithPass(CreatedHook hook, string json, string pass)
    {
        var request = Post(hook, json);
        request.Headers.Add(IncomingTestPasses.Header, pass);
        return request;
    }

    [Fact]
    public async Task SendTest_PostsThroughTheEndpoint_WithTheEditedMapping_AsTheUser_LoggedAsATest_NotCounted()
    {
        var hook = await CreateHookAsync(factory);
        var table = (await factory.Services.GetRequiredService<TableService>().GetAsync(hook.TableId))!;
        var deal = table.Fields.Single(f => f.Name == "Deal").Id;
        var edited = new IncomingMapping(null, new Dictionary<string, string> { [deal] = "$.name" }); // not saved: the hook maps $.deal.title
        var user = await factory.AdminIdAsync();

        var outcome = await Sender.SendAsync(hook.Id, """{ "name": "Edited" }""", edited, user);

        Assert.Equal(201, outcome.Status);
        var id = Assert.Single(outcome.RecordIds);
        var record = (await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"/api/tables/{hook.TableId}/records/{id}"))!;
        Assert.Equal("Edited", record["values"]!["Deal"]!.GetValue<string>());
        Assert.Equal(user, record["createdBy"]!["id"]!.GetValue<string>());
        var logged = Assert.Single(await RequestLogAsync(factory, hook.Id))!;
        Assert.True(logged["replay"]!.GetValue<bool>());
        Assert.Equal(0, (await GetHookAsync(factory, hook.Id))["stats"]!["received"]!.GetValue<long>());
        // The saved mapping is untouched.
        Assert.Equal("$.deal.title", (await GetHookAsync(factory, hook.Id))["mapping"]!["fields"]!["Deal"]!.GetValue<string>());
    }

    [Fact]
    public async Task SendTest_ToAPausedWebhook_GetsTheAnswerASenderGets()
    {
        var hook = await CreateHookAsync(factory, enabled: false);

        var outcome = await Sender.SendAsync(hook.Id, """{ "deal": { "title": "Paused" } }""", null, null);

        Assert.Equal(503, outcome.Status);
        Assert.Contains("paused", outcome.Detail);
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task SendTest_RefusesASampleThatIsNotJson()
    {
        var hook = await CreateHookAsync(factory);
        var error = await Assert.ThrowsAsync<BadRequestException>(() => Sender.SendAsync(hook.Id, "{ \"deal\": ", null, null));
        Assert.Contains("not valid JSON", error.Message);
        Assert.Empty(await RequestLogAsync(factory, hook.Id));
    }

    [Fact]
    public async Task APass_AuthenticatesOneRequest_OnlyToItsWebhook()
    {
        var hook = await CreateHookAsync(factory);
        var other = await CreateHookAsync(factory);
        var pass = Passes.Issue(hook.Id, null, null);

        var first = await _client.SendAsync(WithPass(hook, """{ "deal": { "title": "Once" } }""", pass));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        var again = await _client.SendAsync(WithPass(hook, """{ "deal": { "title": "Twice" } }""", pass));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.Contains("test pass is unknown, used or expired", (await again.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));

        var elsewhere = await _client.SendAsync(WithPass(other, """{ "deal": { "title": "Elsewhere" } }""", Passes.Issue(hook.Id, null, null)));
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode);
        Assert.Equal(0, await RecordCountAsync(factory, other.TableId));

        var madeUp = await _client.SendAsync(WithPass(hook, """{ "deal": { "title": "Forged" } }""", "uwt_" + new string('a', 43)));
        Assert.Equal(HttpStatusCode.Unauthorized, madeUp.StatusCode);
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public void APass_ExpiresAfterAMinute_AndIsForOneWebhook()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-04T10:00:00Z"));
        var passes = new IncomingTestPasses(time);
        var late = passes.Issue("uwh_a", null, null);
        var wrong = passes.Issue("uwh_a", null, null);
        var fresh = passes.Issue("uwh_a", null, "usr_1");

        Assert.Null(passes.Redeem("uwh_b", wrong));
        Assert.Null(passes.Redeem("uwh_a", wrong)); // spent by the wrong try
        Assert.Equal("usr_1", passes.Redeem("uwh_a", fresh)!.ActorId);
        time.Advance(IncomingTestPasses.Lifetime);
        Assert.Null(passes.Redeem("uwh_a", late));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://[::]:8080", "http://[::1]:8080/")]
    [InlineData("http://+:80", "http://127.0.0.1/")]
    [InlineData("http://*:5001", "http://127.0.0.1:5001/")]
    [InlineData("http://localhost:5000", "http://127.0.0.1:5000/")]
    [InlineData("https://10.0.0.5:443", "https://10.0.0.5/")]
    [InlineData("unix:/tmp/undb.sock", null)]
    public void TheServerReachesItselfOnLoopback(string address, string? expected) =>
        Assert.Equal(expected, IncomingTestSender.Loopback(address)?.ToString());
}
