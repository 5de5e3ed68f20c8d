using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Undb.Features.Accounts;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.Features.Accounts;
using Undb.Tests.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Infrastructure;

/// <summary>The app with the Prometheus endpoint on, and loopback receivers allowed.</summary>
public sealed class MetricsFactory : TeamsFactory
{
    public MetricsFactory()
    {
        Settings["Metrics:Enabled"] = "true";
        Settings["Webhooks:AllowPrivateNetworks"] = "true";
    }
}

/// <summary>
/// Alone: OpenTelemetry listens to meters by name across the process, so while another test's app runs (or disposes
/// its meters) the figures here would mix with or lose to it. In production there is one app per process.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics, alone";
}

/// <summary>
/// <c>/metrics</c> (issue #23): Prometheus text with the webhook, record and incoming series after real traffic,
/// for admins' tokens only; and off unless enabled.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests(MetricsFactory factory) : IClassFixture<MetricsFactory>
{
    [Fact]
    public async Task AfterADeliveryAndAnIncomingRequest_MetricsHasTheirSeries()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        using var signals = new DeliverySignals(factory.Services);
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "m", url = receiver.Url, events = new[] { "record.created" } });
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });
        await signals.NextAsync(c => c.WebhookId == webhookId && c.DeliveryId is not null && c.Status == DeliveryStatus.Succeeded);

        // An incoming webhook answered once with 201 and once with 401 (no key).
        var hook = (await (await api.PostAsJsonAsync($"/api/tables/{table.Id}/incoming-webhooks", new { name = "in", mapping = new { fields = new Dictionary<string, string> { ["Deal"] = "$.deal" } } }))
            .Content.ReadFromJsonAsync<JsonObject>())!;
        var anonymous = factory.CreateAnonymousClient();
        var accepted = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{hook["id"]!.GetValue<string>()}") { Content = JsonContent.Create(new { deal = "Globex" }) };
        accepted.Headers.Add("X-Api-Key", hook["apiKey"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, (await anonymous.SendAsync(accepted)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync($"/hooks/{hook["id"]!.GetValue<string>()}", new { deal = "x" })).StatusCode);

        var response = await api.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        Assert.Matches(@"undb_webhooks_attempts_succeeded_total\{[^}]*event=""record.created""[^}]*status_code=""200""[^}]*\} [1-9]", text);
        Assert.Contains("undb_webhooks_attempt_duration_milliseconds_bucket", text);
        Assert.Contains("undb_webhooks_queue_depth", text);
        Assert.Matches(@"undb_records_written_total\{[^}]*kind=""created""[^}]*\} [1-9]", text);
        Assert.Matches(@"undb_incoming_requests_total\{[^}]*status_code=""201""[^}]*\} 1", text);
        Assert.Matches(@"undb_incoming_requests_total\{[^}]*status_code=""401""[^}]*\} 1", text);
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Contains("dotnet_gc_collections", text);
    }

    [Fact]
    public async Task Metrics_AreForAdmins_AndTheirReadOnlyTokens()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateAnonymousClient().GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await factory.ClientWith((await factory.MemberAsync(Role.Editor)).Token).GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWith((await factory.MemberAsync(Role.Admin, readOnlyToken: true)).Token).GetAsync("/metrics")).StatusCode);
    }
}

/// <summary>Without <c>Metrics:Enabled</c> there is no endpoint (the default).</summary>
public sealed class MetricsOffTests(TeamsFactory factory) : IClassFixture<TeamsFactory>
{
    [Fact]
    public async Task ByDefault_ThereIsNoMetricsEndpoint()
    {
        var response = await factory.CreateApiClient().GetAsync("/metrics");
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("undb_", await response.Content.ReadAsStringAsync());
    }
}
