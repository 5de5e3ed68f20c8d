using System.Net;
using Undb.Tests.TestSupport;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class RateLimitedFactory : UndbFactory
{
    public const int Permits = 2;

    public RateLimitedFactory()
    {
        Settings["IncomingWebhooks:RateLimitPermits"] = Permits.ToString();
        // A window far longer than the test, so the limit cannot replenish while it runs.
        Settings["IncomingWebhooks:RateLimitWindow"] = "01:00:00";
    }
}

public sealed class RateLimitTests(RateLimitedFactory factory) : IClassFixture<RateLimitedFactory>
{
    [Fact]
    public async Task Post_OverTheRateLimit_Is429_WithRetryAfter_NothingWritten_OtherWebhooksUnaffected()
    {
        var hook = await CreateHookAsync(factory);
        var other = await CreateHookAsync(factory);
        var client = factory.CreateAnonymousClient();
        for (var i = 0; i < RateLimitedFactory.Permits; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post(hook, """{ "deal": { "title": "ok" } }""", hook.Key))).StatusCode);
        }

        var limited = await client.SendAsync(Post(hook, """{ "deal": { "title": "too many" } }""", hook.Key));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.True(limited.Headers.RetryAfter!.Delta > TimeSpan.Zero);
        Assert.Contains("retry after", await limited.Content.ReadAsStringAsync());
        Assert.Equal(RateLimitedFactory.Permits, await RecordCountAsync(factory, hook.TableId));
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post(other, """{ "deal": { "title": "ok" } }""", other.Key))).StatusCode);
    }
}
