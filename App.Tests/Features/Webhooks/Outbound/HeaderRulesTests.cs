using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>Custom headers are refused on save unless they can be sent as given, and the history shows what was sent.</summary>
public sealed class HeaderRulesTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = default!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    public static TheoryData<string, string, string> BadHeaders => new()
    {
        // name, value, what the message must say
        { "X-Name", "café", "ASCII" },
        { "X-Name", "🙂", "ASCII" },
        { "X-Name", "a\r\nX-Injected: 1", "line" },
        { "X-Name", "tab\u0001bell", "line" },
        { "Bad Name", "x", "token" },
        { "X:Colon", "x", "token" },
        { "Ünïcode", "x", "token" },
        { "Host", "example.com", "set by the webhook engine" },
        { "Content-Length", "1", "set by the webhook engine" },
        { "Content-Type", "text/plain", "set by the webhook engine" },
        { "Content-Encoding", "gzip", "set by the webhook engine" },
        { "Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ==", "set by the webhook engine" },
        { "Transfer-Encoding", "chunked", "set by the webhook engine" },
        { "webhook-signature", "v1,x", "set by the webhook engine" },
        { "X-Undb-Signature", "sha256=0", "set by the webhook engine" },
        { "x-undb-anything", "1", "set by the webhook engine" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task Create_WithAHeaderThatCannotBeSentAsGiven_Is422_NamingTheHeader_NothingSaved(string name, string value, string message)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();

        var response = await api.PostAsJsonAsync($"/api/tables/{table.Id}/webhooks",
            new { name = "h", url = _receiver.Url, events = new[] { "record.created" }, headers = new Dictionary<string, string> { [name] = value } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var error = Assert.Single(problem["errors"]!.AsObject());
        Assert.Equal($"headers.{name}", error.Key);
        Assert.Contains(message, error.Value![0]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("System.", problem.ToJsonString());
        var list = await api.SendJsonAsync(HttpMethod.Get, $"/api/tables/{table.Id}/webhooks");
        Assert.Empty(list["items"]!.AsArray());
    }

    [Fact]
    public async Task Patch_WithANonAsciiValue_Is422_AndKeepsTheSavedHeaders()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "h", url = _receiver.Url, events = new[] { "record.created" }, headers = new Dictionary<string, string> { ["X-Env"] = "prod" } });

        var response = await api.PatchAsJsonAsync($"/api/webhooks/{id}", new { headers = new Dictionary<string, string> { ["X-Env"] = "prodé" } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var test = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");
        Assert.True(test["succeeded"]!.GetValue<bool>(), test["error"]?.ToString());
        Assert.Equal("prod", _receiver.Requests[^1].Header("X-Env"));
    }

    [Theory]
    [InlineData("X~Tilde")]
    [InlineData("X-Custom!#$%&'*+.^_`|")]
    [InlineData("Authorization")]
    public async Task Create_AnyTokenAsName_IsAccepted(string name)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var response = await factory.CreateApiClient().PostAsJsonAsync($"/api/tables/{table.Id}/webhooks",
            new { name = "h", url = _receiver.Url, events = new[] { "record.created" }, headers = new Dictionary<string, string> { [name] = "v" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Send_ContentHeadersAreSentToo_AndTheHistoryListsExactlyWhatTheReceiverGot()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new
        {
            name = "h", url = _receiver.Url, events = new[] { "record.created" },
            headers = new Dictionary<string, string> { ["Content-Language"] = "de", ["X-Env"] = "prod" },
        });

        var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");

        var received = Assert.Single(_receiver.Requests);
        Assert.Equal("de", received.Header("Content-Language"));
        AssertRecordedIsReceived(attempt, received);
    }

    [Fact]
    public async Task Send_HeadersSavedBeforeTheyWereReserved_AreNotSent_AndNotListed()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "h", url = _receiver.Url, events = new[] { "record.created" } });
        // Saved by an earlier version, which let these through: the receiver never got them, and the history said it did.
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var webhook = await db.Webhooks.SingleAsync(w => w.Id == id);
            webhook.Headers = new() { ["Content-Encoding"] = "gzip", ["Content-MD5"] = "Q2hlY2sgSW50ZWdyaXR5IQ==", ["X-Env"] = "prod" };
            await db.SaveChangesAsync();
        }

        var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");

        Assert.True(attempt["succeeded"]!.GetValue<bool>(), attempt["error"]?.ToString());
        var received = Assert.Single(_receiver.Requests);
        Assert.Equal("", received.Header("Content-Encoding"));
        Assert.Equal("", received.Header("Content-MD5"));
        AssertRecordedIsReceived(attempt, received);
    }

    [Fact]
    public async Task Send_AValueSavedBeforeItWasRefused_FailsWithAClearError_WithoutARequest()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "h", url = _receiver.Url, events = new[] { "record.created" } });
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var webhook = await db.Webhooks.SingleAsync(w => w.Id == id);
            webhook.Headers = new() { ["X-Name"] = "café" };
            await db.SaveChangesAsync();
        }

        var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");

        Assert.False(attempt["succeeded"]!.GetValue<bool>());
        Assert.Contains("X-Name", attempt["error"]!.GetValue<string>());
        Assert.Contains("ASCII", attempt["error"]!.GetValue<string>());
        Assert.Empty(_receiver.Requests);
    }

    /// <summary>Every header the history lists reached the receiver with that value, and every one the receiver got is listed (Host is the URL's).</summary>
    private static void AssertRecordedIsReceived(JsonNode attempt, ReceivedRequest received)
    {
        var recorded = attempt["request"]!["headers"]!.AsObject().ToDictionary(h => h.Key, h => h.Value!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var got = received.Headers.Where(h => !h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(got.Keys.Order(StringComparer.OrdinalIgnoreCase), recorded.Keys.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in recorded)
        {
            // Custom values are masked in the history; everything else is shown as sent.
            if (value != "********")
            {
                Assert.Equal(got[name], value);
            }
        }
    }
}
