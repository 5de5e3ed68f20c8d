using Microsoft.AspNetCore.Http;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>A short attempt timeout, so "no answer" is observable without waiting 15 s.</summary>
public sealed class ShortTimeoutFactory : OutboundFactory
{
    public ShortTimeoutFactory()
    {
        Settings["Webhooks:AttemptTimeout"] = "00:00:01";
        Settings["Webhooks:LeaseDuration"] = "00:00:30";
    }
}

/// <summary>How the delivery client treats redirects, large answers and endpoints that never answer.</summary>
public sealed class HttpBehaviourTests(ShortTimeoutFactory factory) : IClassFixture<ShortTimeoutFactory>
{
    private async Task<(string WebhookId, HttpClient Api, string TableId)> WebhookToAsync(string url)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "h", url, events = new[] { "record.created" } });
        return (id, api, table.Id);
    }

    [Fact]
    public async Task RedirectToAnInternalAddress_IsNotFollowed_AndCountsAsFailure()
    {
        await using var internalService = await LoopbackReceiver.StartAsync();
        await using var redirecting = await LoopbackReceiver.StartAsync();
        redirecting.Respond = (_, ctx) =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = internalService.Url;
            return Task.CompletedTask;
        };
        var (webhookId, api, _) = await WebhookToAsync(redirecting.Url);

        var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{webhookId}/test");

        Assert.False(attempt["succeeded"]!.GetValue<bool>());
        Assert.Equal(302, attempt["response"]!["status"]!.GetValue<int>());
        Assert.Contains("redirect", attempt["error"]!.GetValue<string>());
        Assert.Single(redirecting.Requests);
        Assert.Empty(internalService.Requests);
    }

    [Fact]
    public async Task LargeResponseBody_IsStoredTruncatedTo20KB()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = (_, ctx) => ctx.Response.WriteAsync(new string('x', 100_000));
        var (webhookId, api, _) = await WebhookToAsync(receiver.Url);

        var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{webhookId}/test");

        var body = attempt["response"]!["body"]!.GetValue<string>();
        Assert.True(attempt["succeeded"]!.GetValue<bool>());
        Assert.StartsWith(new string('x', 20 * 1024), body);
        Assert.EndsWith("[truncated]", body);
        Assert.True(body.Length < 21 * 1024);
    }

    [Fact]
    public async Task EndpointThatNeverAnswers_TimesOut_AndIsScheduledForRetry()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var never = new TaskCompletionSource();
        receiver.Respond = (_, _) => never.Task;
        var (webhookId, api, tableId) = await WebhookToAsync(receiver.Url);
        using var signals = new DeliverySignals(factory.Services);

        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = "Slow" } });
        var change = await signals.NextAsync(c => c.WebhookId == webhookId && c.DeliveryId is not null);

        Assert.Equal(DeliveryStatus.Pending, change.Status);
        var detail = await api.SendJsonAsync(HttpMethod.Get, $"/api/deliveries/{change.DeliveryId}");
        Assert.Contains("No answer within 1 s", detail["attempts"]![0]!["error"]!.GetValue<string>());
        Assert.NotNull(detail["delivery"]!["nextAttemptAt"]);
        never.SetResult();
    }
}
