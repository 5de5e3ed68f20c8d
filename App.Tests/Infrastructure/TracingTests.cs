using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Webhooks.Outbound;
using Undb.Infrastructure.Telemetry;
using Undb.Tests.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Infrastructure;

/// <summary>
/// Tracing (issue #23): a record write's span and, in its trace, the delivery attempt's span — carried through the
/// delivery row, since the attempt runs later on the worker — and the receiver gets the trace in <c>traceparent</c>.
/// </summary>
public sealed class TracingTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private ActivityListener? _listener;

    [Fact]
    public async Task ADeliveryAttempt_IsInTheTraceOfTheWriteThatMadeIt()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Undb",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        await using var receiver = await LoopbackReceiver.StartAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        using var signals = new DeliverySignals(factory.Services);
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "traced", url = receiver.Url, events = new[] { "record.created" } });

        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });
        await signals.NextAsync(c => c.WebhookId == webhookId && c.DeliveryId is not null && c.Status == DeliveryStatus.Succeeded);

        var write = Assert.Single(_spans, s => s.OperationName == "undb.records.write" && (string?)s.GetTagItem("undb.table.id") == table.Id);
        var deliver = Assert.Single(_spans, s => s.OperationName == "undb.webhooks.deliver" && (string?)s.GetTagItem("undb.webhook.id") == webhookId);
        Assert.Equal(write.TraceId, deliver.TraceId);
        Assert.Equal(write.SpanId, deliver.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Ok, deliver.Status);
        Assert.Equal(200, deliver.GetTagItem("http.response.status_code"));
        var request = Assert.Single(receiver.Requests);
        Assert.Contains(write.TraceId.ToHexString(), request.Header("traceparent"));
    }

    public void Dispose() => _listener?.Dispose();
}

/// <summary>The standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> turns on the OTLP export of traces and metrics.</summary>
public sealed class OtlpFactory : UndbFactory
{
    public OtlpFactory() => Settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9";
}

public sealed class OtlpConfigurationTests(OtlpFactory factory) : IClassFixture<OtlpFactory>
{
    [Fact]
    public void WithAnOtlpEndpoint_TracesAndMetricsAreExported()
    {
        Assert.NotNull(factory.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
        Assert.NotNull(factory.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
    }
}

public sealed class NoTelemetryTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    [Fact]
    public void WithNeitherMetricsNorOtlp_NothingIsCollected()
    {
        Assert.Null(factory.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
        Assert.Null(factory.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
    }
}
