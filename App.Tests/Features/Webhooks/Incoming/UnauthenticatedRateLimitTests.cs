using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Undb.Tests.TestSupport;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class SeparateBudgetsFactory : UndbFactory
{
    public const int Permits = 3;
    public const int UnauthenticatedPermits = 2;

    public SeparateBudgetsFactory()
    {
        Settings["IncomingWebhooks:RateLimitPermits"] = Permits.ToString();
        Settings["IncomingWebhooks:UnauthenticatedRateLimitPermits"] = UnauthenticatedPermits.ToString();
        // Windows far longer than the test, so no budget can replenish while it runs.
        Settings["IncomingWebhooks:RateLimitWindow"] = "01:00:00";
        Settings["IncomingWebhooks:UnauthenticatedRateLimitWindow"] = "01:00:00";
    }
}

/// <summary>An outsider with wrong keys must not use up the budget of the sender who has the right one.</summary>
public sealed class UnauthenticatedRateLimitTests(SeparateBudgetsFactory factory) : IClassFixture<SeparateBudgetsFactory>
{
    private const string Body = """{ "deal": { "title": "x" } }""";

    /// <summary>A POST to the hook as if from <paramref name="address"/> (TestServer lets a test choose the client address).</summary>
    private Task<HttpContext> PostFromAsync(CreatedHook hook, string address, string? key) =>
        factory.Server.SendAsync(ctx =>
        {
            ctx.Connection.RemoteIpAddress = IPAddress.Parse(address);
            ctx.Request.Method = HttpMethods.Post;
            ctx.Request.Path = $"/hooks/{hook.Id}";
            ctx.Request.ContentType = "application/json";
            if (key is not null)
            {
                ctx.Request.Headers["X-Api-Key"] = key;
            }
            ctx.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(Body));
        });

    [Fact]
    public async Task ManyBadKeys_ThenTheRealKey_Is201_BadKeysBeyondTheirOwnBudgetGet429WithRetryAfter()
    {
        var hook = await CreateHookAsync(factory);
        var client = factory.CreateAnonymousClient();
        var bad = new List<HttpResponseMessage>();
        for (var i = 0; i < SeparateBudgetsFactory.Permits + 2; i++)
        {
            bad.Add(await client.SendAsync(Post(hook, Body, "uwk_wrong_" + i)));
        }

        // The real sender still has its whole budget.
        for (var i = 0; i < SeparateBudgetsFactory.Permits; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post(hook, Body, hook.Key))).StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, SeparateBudgetsFactory.UnauthenticatedPermits), bad.Take(SeparateBudgetsFactory.UnauthenticatedPermits).Select(r => r.StatusCode));
        foreach (var limited in bad.Skip(SeparateBudgetsFactory.UnauthenticatedPermits))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
            Assert.Contains("retry after", await limited.Content.ReadAsStringAsync());
        }
        // Refused bad keys cost nothing: only the ones within their budget (and the accepted requests) are logged.
        var log = await RequestLogAsync(factory, hook.Id);
        Assert.Equal(SeparateBudgetsFactory.UnauthenticatedPermits, log.Count(r => r!["status"]!.GetValue<int>() == 401));
        Assert.Equal(SeparateBudgetsFactory.Permits, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task MissingKeys_CountAgainstTheCallersAddress_NotAgainstOtherAddresses()
    {
        var hook = await CreateHookAsync(factory);
        for (var i = 0; i < SeparateBudgetsFactory.UnauthenticatedPermits; i++)
        {
            Assert.Equal(StatusCodes.Status401Unauthorized, (await PostFromAsync(hook, "203.0.113.7", key: null)).Response.StatusCode);
        }

        var limited = await PostFromAsync(hook, "203.0.113.7", key: null);
        var elsewhere = await PostFromAsync(hook, "198.51.100.9", key: "uwk_wrong");
        var sender = await PostFromAsync(hook, "203.0.113.7", hook.Key);

        Assert.Equal(StatusCodes.Status429TooManyRequests, limited.Response.StatusCode);
        Assert.False(string.IsNullOrEmpty(limited.Response.Headers.RetryAfter));
        Assert.Equal(StatusCodes.Status401Unauthorized, elsewhere.Response.StatusCode);
        // Even from the address that used up its budget, the right key gets through.
        Assert.Equal(StatusCodes.Status201Created, sender.Response.StatusCode);
    }

    [Fact]
    public async Task UnknownWebhookIds_CountAsUnauthenticated()
    {
        var hook = await CreateHookAsync(factory);
        var probe = hook with { Id = "uwh_doesnotexist" };
        for (var i = 0; i < SeparateBudgetsFactory.UnauthenticatedPermits; i++)
        {
            Assert.Equal(StatusCodes.Status404NotFound, (await PostFromAsync(probe, "192.0.2.44", "uwk_guess")).Response.StatusCode);
        }

        Assert.Equal(StatusCodes.Status429TooManyRequests, (await PostFromAsync(probe, "192.0.2.44", "uwk_guess")).Response.StatusCode);
        Assert.Equal(StatusCodes.Status201Created, (await PostFromAsync(hook, "192.0.2.44", hook.Key)).Response.StatusCode);
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7", true)]
    [InlineData("203.0.113.7", "203.0.113.8", false)]
    public void ClientKey_GroupsAnIpv6SubnetLikeOneIpv4Address(string a, string b, bool same)
    {
        var keyA = Undb.Features.Webhooks.Incoming.IngestRateLimits.ClientKey(IPAddress.Parse(a));
        var keyB = Undb.Features.Webhooks.Incoming.IngestRateLimits.ClientKey(IPAddress.Parse(b));
        Assert.Equal(same, keyA == keyB);
    }
}
