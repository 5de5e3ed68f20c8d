using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Undb.Infrastructure.Health;

/// <summary>
/// Health checks (Microsoft.Extensions.Diagnostics.HealthChecks): <c>/health/live</c> (the process and its delivery
/// worker run: restart it if not), <c>/health/ready</c> (and its alias <c>/health</c>: the database answers too, and
/// the delivery queue is not stuck), all anonymous, answering JSON.
/// </summary>
public static class HealthExtensions
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section);
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy, [ReadyTag])
            .AddCheck<DeliveryWorkerHealthCheck>("delivery-worker", HealthStatus.Unhealthy, [LiveTag, ReadyTag])
            .AddCheck<DeliveryQueueHealthCheck>("delivery-queue", HealthStatus.Degraded, [ReadyTag]);
        return builder;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        var live = Options(LiveTag);
        var ready = Options(ReadyTag);
        app.MapHealthChecks("/health/live", live).AllowAnonymous().WithName("HealthLive");
        app.MapHealthChecks("/health/ready", ready).AllowAnonymous().WithName("HealthReady");
        app.MapHealthChecks("/health", ready).AllowAnonymous().WithName("Health");
        return app;
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = WriteAsync,
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary><c>{"status":"healthy","checks":{"database":{"status":"healthy","description":"…","durationMs":1.2}}}</c>; no exception text.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = new HealthAnswer(
            Name(report.Status),
            Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            report.Entries.ToDictionary(e => e.Key, e => new HealthCheckAnswer(
                Name(e.Value.Status),
                e.Value.Description,
                Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                e.Value.Data.Count == 0 ? null : e.Value.Data.ToDictionary(d => d.Key, d => d.Value.ToString()))));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, Json, context.RequestAborted);
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}

/// <summary>The health endpoints' answer.</summary>
public sealed record HealthAnswer(string Status, double TotalDurationMs, IReadOnlyDictionary<string, HealthCheckAnswer> Checks);

/// <summary>One check in a <see cref="HealthAnswer"/>.</summary>
public sealed record HealthCheckAnswer(string Status, string? Description, double DurationMs, IReadOnlyDictionary<string, string?>? Data);
