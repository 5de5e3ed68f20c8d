using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Undb.Tests.TestSupport;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

/// <summary>The app on a clock the test moves, for the time-based rules.</summary>
public class FakeClockFactory : UndbFactory
{
    public FakeClockFactory() => ConfigureServices = services => services.AddSingleton<TimeProvider>(Clock);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
}

[Trait("Engines", "Both")]
public sealed class RetentionAndIdempotencyWindowTests(FakeClockFactory factory) : IClassFixture<FakeClockFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    [Fact]
    public async Task RequestLog_DropsRequestsOlderThanTheRetention()
    {
        var hook = await CreateHookAsync(factory);
        await _client.SendAsync(Post(hook, """{ "deal": { "title": "old" } }""", hook.Key));
        factory.Clock.Advance(TimeSpan.FromDays(8));
        await _client.SendAsync(Post(hook, """{ "deal": { "title": "new" } }""", hook.Key));

        var log = await RequestLogAsync(factory, hook.Id);
        Assert.Contains("new", Assert.Single(log)!["payload"]!.GetValue<string>());
    }

    [Fact]
    public async Task IdempotencyKey_IsForgottenAfter24Hours()
    {
        var hook = await CreateHookAsync(factory);
        await _client.SendAsync(Post(hook, """{ "deal": { "title": "A" } }""", hook.Key, idempotencyKey: "evt-window"));
        factory.Clock.Advance(TimeSpan.FromHours(23));
        var within = await _client.SendAsync(Post(hook, """{ "deal": { "title": "A" } }""", hook.Key, idempotencyKey: "evt-window"));
        factory.Clock.Advance(TimeSpan.FromHours(2));
        var after = await _client.SendAsync(Post(hook, """{ "deal": { "title": "A" } }""", hook.Key, idempotencyKey: "evt-window"));

        Assert.True(within.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.False(after.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, await RecordCountAsync(factory, hook.TableId));
    }
}
