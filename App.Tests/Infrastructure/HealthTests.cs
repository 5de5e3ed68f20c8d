using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Infrastructure;

/// <summary>The app without its delivery worker: nothing sends, so a due delivery stays due.</summary>
public sealed class NoWorkerFactory : OutboundFactory
{
    public NoWorkerFactory() => ConfigureServices = services => services.RemoveAll<IHostedService>(d => d.ImplementationType == typeof(DeliveryWorker));
}

internal static class HealthClient
{
    public static async Task<(HttpStatusCode Status, JsonNode Body)> HealthAsync(this UndbFactory factory, string path)
    {
        var response = await factory.CreateAnonymousClient().GetAsync(path);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    public static string Status(this JsonNode body, string? check = null) =>
        (check is null ? body["status"] : body["checks"]![check]!["status"])!.GetValue<string>();

    /// <summary>Removes the hosted services a predicate picks (RemoveAll by service type cannot tell them apart).</summary>
    public static void RemoveAll<T>(this IServiceCollection services, Func<ServiceDescriptor, bool> match)
    {
        foreach (var descriptor in services.Where(d => d.ServiceType == typeof(T) && match(d)).ToList())
        {
            services.Remove(descriptor);
        }
    }
}

[Trait("Engines", "Both")]
public sealed class HealthTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task Ready_NeedsNoLogin_AndReportsEveryCheckHealthy(string path)
    {
        var (status, body) = await factory.HealthAsync(path);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.Status());
        Assert.Equal(["database", "delivery-queue", "delivery-worker"], body["checks"]!.AsObject().Select(c => c.Key).Order());
        Assert.All(body["checks"]!.AsObject(), c => Assert.Equal("healthy", c.Value!["status"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Live_ChecksTheWorkerButNotTheDatabase()
    {
        var (status, body) = await factory.HealthAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["delivery-worker"], body["checks"]!.AsObject().Select(c => c.Key));
        Assert.NotNull(body["checks"]!["delivery-worker"]!["data"]!["lastBeatAt"]);
    }
}

/// <summary>Each test breaks its own app.</summary>
[Trait("Engines", "Both")]
public sealed class HealthFailureTests
{
    [Fact]
    public async Task Ready_Is503_WhenTheDatabaseIsGone_WhileLiveStays200()
    {
        using var factory = new UndbFactory();
        Assert.Equal(HttpStatusCode.OK, (await factory.HealthAsync("/health/ready")).Status);

        if (factory.PostgresConnectionString is { } postgres)
        {
            TestEngine.DropPostgresDatabase(postgres);
        }
        else
        {
            Directory.Delete(factory.Database.Directory, recursive: true);
        }

        foreach (var path in new[] { "/health/ready", "/health" })
        {
            var (status, body) = await factory.HealthAsync(path);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("unhealthy", body.Status());
            Assert.Equal("unhealthy", body.Status("database"));
            Assert.Equal("The database is unreachable.", body["checks"]!["database"]!["description"]!.GetValue<string>());
        }
        var live = await factory.HealthAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.Status);
    }

    [Fact]
    public async Task Live_Is503_WhenTheDeliveryWorkerHasStopped()
    {
        using var factory = new UndbFactory();
        Assert.Equal(HttpStatusCode.OK, (await factory.HealthAsync("/health/live")).Status);

        await factory.Services.Worker().StopAsync(CancellationToken.None);

        var (status, body) = await factory.HealthAsync("/health/live");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", body.Status("delivery-worker"));
        Assert.Equal("The delivery worker has stopped.", body["checks"]!["delivery-worker"]!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ready_IsDegradedBut200_WhenADeliveryIsLongOverdue()
    {
        using var factory = new NoWorkerFactory();
        var (_, before) = await factory.HealthAsync("/health/ready");
        Assert.Equal("healthy", before.Status("delivery-queue"));

        // A delivery whose lease ran out eleven minutes ago and that nobody took over (the default limit is ten).
        var expired = DateTimeOffset.UtcNow.AddMinutes(-11);
        await factory.SeedInFlightAsync(expired.AddMinutes(-2), ("lost", expired));
        // One that is overdue by less than the limit does not count.
        await factory.SeedInFlightAsync(DateTimeOffset.UtcNow, ("recent", DateTimeOffset.UtcNow.AddMinutes(-1)));

        var (status, body) = await factory.HealthAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("degraded", body.Status());
        Assert.Equal("degraded", body.Status("delivery-queue"));
        var oldest = DateTimeOffset.Parse(body["checks"]!["delivery-queue"]!["data"]!["oldestDueAt"]!.GetValue<string>());
        Assert.True(Math.Abs((oldest - expired).TotalSeconds) < 1, $"{oldest:O} is not {expired:O}");
    }

    [Fact]
    public void WorkerStaleAfter_IsNeverUnderThreeSweepIntervals()
    {
        var health = new Undb.Infrastructure.Health.HealthOptions { WorkerStaleAfter = TimeSpan.FromSeconds(10) };
        Assert.Equal(TimeSpan.FromSeconds(60), Undb.Infrastructure.Health.DeliveryWorkerHealthCheck.StaleAfter(new WebhooksOptions { SweepInterval = TimeSpan.FromSeconds(20) }, health));
        Assert.Equal(TimeSpan.FromSeconds(10), Undb.Infrastructure.Health.DeliveryWorkerHealthCheck.StaleAfter(new WebhooksOptions { SweepInterval = TimeSpan.FromSeconds(1) }, health));
    }
}
