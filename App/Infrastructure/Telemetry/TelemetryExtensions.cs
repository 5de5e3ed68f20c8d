using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Undb.Features.Accounts;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Infrastructure.Telemetry;

/// <summary>Marks an endpoint outside <c>/api</c> that machines call: unauthenticated, it answers 401, not a redirect to the sign-in page.</summary>
public sealed class MachineEndpoint;

/// <summary><c>Metrics</c> settings: the Prometheus scrape endpoint.</summary>
public sealed class MetricsOptions
{
    /// <summary>
    /// Off by default: the series name webhooks and tables and show traffic. On, the endpoint asks for an admin's
    /// API token (<c>Authorization: Bearer undb_…</c>; a read-only token is enough), like the rest of the API.
    /// </summary>
    public bool Enabled { get; set; }

    public string Path { get; set; } = "/metrics";
}

/// <summary>
/// OpenTelemetry: metrics (the app's <c>Undb</c> and <c>Undb.Webhooks</c> meters, ASP.NET Core, HttpClient and the runtime)
/// for Prometheus at <c>Metrics:Path</c> when <c>Metrics:Enabled</c>, and everything — traces included — to an OTLP
/// collector when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (other <c>OTEL_*</c> variables apply as usual).
/// Neither set: nothing is collected, and the instruments stay off.
/// </summary>
public static class TelemetryExtensions
{
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Metrics");
        builder.Services.Configure<MetricsOptions>(section);
        builder.Services.AddSingleton<AppMetrics>();
        builder.Services.AddSingleton<IRecordChangeSink, RecordMetricsSink>();

        var prometheus = section.GetValue<bool>(nameof(MetricsOptions.Enabled));
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!prometheus && !otlp)
        {
            return builder;
        }
        var telemetry = builder.Services.AddOpenTelemetry()
            // "undb" unless OTEL_SERVICE_NAME names it (several instances may want their own).
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "undb"))
            .WithMetrics(m =>
            {
                m.AddMeter(AppMetrics.MeterName, WebhookMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (prometheus)
                {
                    // No cached answer: one scrape must show what happened before it (Prometheus scrapes every 15 s or so).
                    m.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(t => t.AddSource(AppTracing.Source.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }
        return builder;
    }

    /// <summary>The Prometheus endpoint (when enabled), for admins and their API tokens; and the incoming requests counter.</summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        var options = app.Configuration.GetSection("Metrics").Get<MetricsOptions>() ?? new();
        var metrics = app.Services.GetRequiredService<AppMetrics>();
        // Counted as the answer starts (before the sender can see it), with the status it starts with.
        app.UseWhen(ctx => metrics.CountsIncoming && HttpMethods.IsPost(ctx.Request.Method) && ctx.Request.Path.StartsWithSegments("/hooks"), branch => branch.Use((ctx, next) =>
        {
            ctx.Response.OnStarting(() =>
            {
                metrics.IncomingAnswered(ctx.Response.StatusCode);
                return Task.CompletedTask;
            });
            return next(ctx);
        }));
        if (options.Enabled)
        {
            app.MapPrometheusScrapingEndpoint(options.Path).RequirePermission(Permission.ManageWebhooks)
                .WithMetadata(new MachineEndpoint()).WithName("Metrics");
        }
        return app;
    }
}
