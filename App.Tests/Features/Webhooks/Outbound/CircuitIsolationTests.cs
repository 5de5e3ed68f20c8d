using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>Circuit state belongs to one webhook: receivers shared by many webhooks (Slack, Zapier, one company API) are the common case.</summary>
public sealed class CircuitIsolationTests(TwitchyBreakerFactory factory) : IClassFixture<TwitchyBreakerFactory>
{
    /// <summary>One receiver (one host:port) that fails on <c>/bad</c> and answers 200 everywhere else.</summary>
    private static async Task<LoopbackReceiver> SharedReceiverAsync()
    {
        var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = (request, ctx) =>
        {
            ctx.Response.StatusCode = request.Path == "/bad" ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
            return Task.CompletedTask;
        };
        return receiver;
    }

    [Fact]
    public async Task TwoWebhooksOnOneHostAndPort_OneFailsUntilItsCircuitOpens_TheOtherIsNeverRefused()
    {
        await using var receiver = await SharedReceiverAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (badId, _) = await api.CreateWebhookAsync(table.Id, new { name = "bad", url = receiver.BaseUrl + "/bad", events = new[] { "record.created" } });
        var (goodId, _) = await api.CreateWebhookAsync(table.Id, new { name = "good", url = receiver.BaseUrl + "/good", events = new[] { "record.created" } });

        var badErrors = new List<string>();
        var goodAttempts = new List<System.Text.Json.Nodes.JsonNode>();
        for (var i = 0; i < 4; i++)
        {
            badErrors.Add((await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{badId}/test"))["error"]!.GetValue<string>());
            goodAttempts.Add(await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{goodId}/test"));
        }

        // The failing webhook's circuit opened after its two failures (the factory's minimum throughput)...
        Assert.Equal(2, receiver.Requests.Count(r => r.Path == "/bad"));
        Assert.All(badErrors.Skip(2), e => Assert.Contains("circuit open", e));
        // ...and its neighbour on the same host:port was sent every time, and every time it succeeded.
        Assert.All(goodAttempts, a => Assert.True(a["succeeded"]!.GetValue<bool>(), a["error"]?.ToString()));
        Assert.Equal(4, receiver.Requests.Count(r => r.Path == "/good"));
    }

    [Fact]
    public async Task ChangingAWebhooksUrl_StartsItWithAClosedCircuit_EvenOnTheSameHost()
    {
        await using var receiver = await SharedReceiverAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "typo", url = receiver.BaseUrl + "/bad", events = new[] { "record.created" } });
        for (var i = 0; i < 3; i++)
        {
            await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");
        }
        Assert.Contains("circuit open", (await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test"))["error"]!.GetValue<string>());

        // The user fixes the path: the old endpoint's failures say nothing about the new one.
        await api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{id}", new { url = receiver.BaseUrl + "/fixed" });
        var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");

        Assert.True(attempt["succeeded"]!.GetValue<bool>(), attempt["error"]?.ToString());
        Assert.Single(receiver.Requests, r => r.Path == "/fixed");
    }

    [Fact]
    public async Task DeletingAWebhook_DropsItsCircuitState()
    {
        await using var receiver = await SharedReceiverAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "gone soon", url = receiver.BaseUrl + "/bad", events = new[] { "record.created" } });
        await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");
        var circuits = factory.Services.GetRequiredService<WebhookCircuits>();
        Assert.True(circuits.Holds(id));

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/webhooks/{id}")).StatusCode);

        Assert.False(circuits.Holds(id));
    }

    [Fact]
    public void ACircuitIdleForLongerThanItsSamplingWindowPlusABreak_IsDropped_ABusyOneIsKept()
    {
        var options = new WebhooksOptions();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-22T12:00:00Z"));
        var circuits = new WebhookCircuits(new FixedOptions<WebhooksOptions>(options), time, NullLoggerFactory.Instance);
        var idleLimit = options.CircuitBreakerSamplingDuration + options.CircuitBreakerBreakDuration;

        circuits.For("whk_idle");
        circuits.For("whk_busy");
        time.Advance(idleLimit / 2);
        circuits.For("whk_busy");
        time.Advance(idleLimit / 2 + TimeSpan.FromSeconds(1));
        circuits.For("whk_new");

        Assert.False(circuits.Holds("whk_idle"));
        Assert.True(circuits.Holds("whk_busy"));
        Assert.True(circuits.Holds("whk_new"));
    }

    private sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
