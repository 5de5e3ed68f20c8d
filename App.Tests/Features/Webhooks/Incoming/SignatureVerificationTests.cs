using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

/// <summary>The app with loopback outbound targets allowed (for the chain) and Data Protection keys next to the database.</summary>
public sealed class SignedIncomingFactory : UndbFactory
{
    public SignedIncomingFactory()
    {
        Settings["Webhooks:AllowPrivateNetworks"] = "true";
        Settings["DataProtection:KeysPath"] = Path.Combine(Database.Directory, "keys");
    }
}

[Trait("Engines", "Both")]
public sealed class SignatureVerificationTests(SignedIncomingFactory factory) : IClassFixture<SignedIncomingFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    private async Task<CreatedHook> CreateSignedHookAsync(object verification, object? mapping = null)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var response = await factory.CreateApiClient().PostAsJsonAsync($"/api/tables/{table.Id}/incoming-webhooks", new
        {
            name = "Signed",
            mapping = mapping ?? new { fields = new Dictionary<string, string> { ["Deal"] = "$.deal.title" } },
            verification,
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var body = JsonNode.Parse(text)!.AsObject();
        return new CreatedHook(body["id"]!.GetValue<string>(), table.Id, body["url"]!.GetValue<string>(), body["apiKey"]!.GetValue<string>(), body);
    }

    private static HttpRequestMessage Signed(CreatedHook hook, string body, params (string Name, string Value)[] headers)
    {
        var request = Post(hook, body);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    private static (string, string)[] StandardHeaders(string secret, string body, DateTimeOffset at, string id = "msg_1")
    {
        var t = at.ToUnixTimeSeconds();
        return [("webhook-id", id), ("webhook-timestamp", t.ToString()), ("webhook-signature", WebhookSigner.Sign(secret, id, t, body))];
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>();

    [Fact]
    public async Task StandardWebhooks_IssuedSecret_SignedRequestIsAccepted_TamperedStaleMissingAre401()
    {
        var hook = await CreateSignedHookAsync(new { scheme = "standardWebhooks" });
        var verification = hook.Created["verification"]!;
        Assert.Equal("standardWebhooks", verification["scheme"]!.GetValue<string>());
        var secret = verification["secret"]!.GetValue<string>();
        Assert.True(WebhookSigner.IsValidSecret(secret), secret);

        const string body = """{ "deal": { "title": "Signed" } }""";
        var ok = await _client.SendAsync(Signed(hook, body, StandardHeaders(secret, body, DateTimeOffset.UtcNow, "msg_ok")));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);

        var tampered = await _client.SendAsync(Signed(hook, body.Replace("Signed", "Forged"), StandardHeaders(secret, body, DateTimeOffset.UtcNow, "msg_t")));
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Contains("'webhook-signature' does not match", await DetailAsync(tampered));

        var stale = await _client.SendAsync(Signed(hook, body, StandardHeaders(secret, body, DateTimeOffset.UtcNow.AddMinutes(-10), "msg_s")));
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Contains("timestamp in 'webhook-timestamp'", await DetailAsync(stale));

        var missing = await _client.SendAsync(Post(hook, body));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Contains("'webhook-signature'", await DetailAsync(missing));

        // The API key still works beside the signature.
        Assert.Equal(HttpStatusCode.Created, (await _client.SendAsync(Post(hook, body, hook.Key))).StatusCode);
        Assert.Equal(2, await RecordCountAsync(factory, hook.TableId));
        var log = await RequestLogAsync(factory, hook.Id);
        Assert.Contains(log, r => r!["status"]!.GetValue<int>() == 401 && r["error"]!.GetValue<string>().Contains("webhook-timestamp"));
    }

    [Fact]
    public async Task Secret_IsEncryptedAtRest_MaskedInReads_RevealableByRoute_AndKeptWhenOnlyHeaderSettingsChange()
    {
        const string secret = "my-hmac-secret-0123456789";
        var hook = await CreateSignedHookAsync(new { scheme = "hmac", secret, header = "X-Signature", encoding = "hex", prefix = "sha256=" });
        Assert.Null(hook.Created["verification"]!["secret"]); // the caller chose it: not echoed

        var read = await GetHookAsync(factory, hook.Id);
        Assert.Equal("my-h…6789", read["verification"]!["secretMasked"]!.GetValue<string>());
        Assert.DoesNotContain(secret, read.ToJsonString());
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var stored = await db.IncomingWebhooks.AsNoTracking().Where(w => w.Id == hook.Id).Select(w => w.Verification).SingleAsync();
            Assert.NotNull(stored);
            Assert.DoesNotContain(secret, stored);
        }
        var revealed = await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"/api/incoming-webhooks/{hook.Id}/verification/secret");
        Assert.Equal(secret, revealed!["secret"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.GetAsync($"/api/incoming-webhooks/{hook.Id}/verification/secret")).StatusCode);

        // Changing the header keeps the secret; the request signs with it under the new header.
        var patch = await factory.CreateApiClient().PatchAsJsonAsync($"/api/incoming-webhooks/{hook.Id}", new { verification = new { scheme = "hmac", header = "X-Sig", encoding = "base64" } });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        const string body = """{ "deal": { "title": "Hmac" } }""";
        var mac = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));
        Assert.Equal(HttpStatusCode.Created, (await _client.SendAsync(Signed(hook, body, ("X-Sig", mac)))).StatusCode);

        // "none" turns verification off: only the key authenticates again.
        await factory.CreateApiClient().PatchAsJsonAsync($"/api/incoming-webhooks/{hook.Id}", new { verification = new { scheme = "none" } });
        Assert.Null((await GetHookAsync(factory, hook.Id))["verification"]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(Signed(hook, body, ("X-Sig", mac)))).StatusCode);
    }

    [Fact]
    public async Task GitHub_SignedOverTheExactBytes_IsAccepted()
    {
        const string secret = "gh-secret";
        var hook = await CreateSignedHookAsync(new { scheme = "github", secret });
        // Bytes a re-serialiser would change (spacing, escapes, a byte order mark): the signature covers them as sent.
        byte[] body = [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes("{ \"deal\":{\"title\" : \"caf\\u00e9\"} }")];
        var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{hook.Id}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("stripe", null, "Paste the signing secret")]
    [InlineData("hmac", "x", "Name the header")]
    [InlineData("md5", "x", "not a verification scheme")]
    public async Task InvalidVerification_Is400_NothingCreated(string scheme, string? secret, string expected)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var response = await factory.CreateApiClient().PostAsJsonAsync($"/api/tables/{table.Id}/incoming-webhooks", new { name = "X", verification = new { scheme, secret } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
        var list = await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"/api/tables/{table.Id}/incoming-webhooks");
        Assert.Empty(list!["items"]!.AsArray());
    }

    /// <summary>
    /// This app's outbound webhook on table A, pointed at an incoming webhook on table B that verifies Standard Webhooks
    /// signatures with the outbound webhook's secret: a record created in A arrives as a record in B. The outbound request
    /// goes to a loopback server (the in-memory app has no port), which hands its bytes and headers on unchanged.
    /// </summary>
    [Fact]
    public async Task Chain_OutboundWebhookOnA_ToSignedIncomingOnB_CreatesTheRecordInB()
    {
        var tableA = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        await using var relay = await LoopbackReceiver.StartAsync();
        var (_, outboundSecret) = await api.CreateWebhookAsync(tableA.Id, new { name = "To B", url = relay.Url, events = new[] { "record.created" } });
        var hookB = await CreateSignedHookAsync(new { scheme = "standardWebhooks", secret = outboundSecret },
            new { fields = new Dictionary<string, string> { ["Deal"] = "$.event.record.Deal", ["Value"] = "$.event.record.Value" } });

        var answered = new TaskCompletionSource<(HttpStatusCode, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var inMemory = factory.CreateAnonymousClient();
        relay.Respond = async (received, ctx) =>
        {
            using var forward = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{hookB.Id}") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(received.Body)) };
            forward.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(received.Header("Content-Type"));
            foreach (var name in new[] { "webhook-id", "webhook-timestamp", "webhook-signature" })
            {
                forward.Headers.Add(name, received.Header(name));
            }
            var response = await inMemory.SendAsync(forward);
            var text = await response.Content.ReadAsStringAsync();
            answered.TrySetResult((response.StatusCode, text));
            ctx.Response.StatusCode = (int)response.StatusCode;
        };

        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableA.Id}/records", new { values = new { Deal = "Chained", Value = 42 } });
        var (status, answer) = await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(status == HttpStatusCode.Created, answer);
        var id = JsonNode.Parse(answer)!["recordIds"]![0]!.GetValue<string>();
        var record = await api.GetFromJsonAsync<JsonObject>($"/api/tables/{hookB.TableId}/records/{id}");
        Assert.Equal("Chained", record!["values"]!["Deal"]!.GetValue<string>());
        Assert.Equal(42, record["values"]!["Value"]!.GetValue<decimal>());
    }
}
