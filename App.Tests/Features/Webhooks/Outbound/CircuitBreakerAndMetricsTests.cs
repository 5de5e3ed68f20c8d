using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>A breaker that opens after two failures, so its effect shows in a few sends.</summary>
public sealed class TwitchyBreakerFactory : OutboundFactory
{
    public TwitchyBreakerFactory()
    {
        Settings["Webhooks:CircuitBreakerMinimumThroughput"] = "2";
        Settings["Webhooks:CircuitBreakerFailureRatio"] = "0.5";
        Settings["Webhooks:CircuitBreakerBreakDuration"] = "00:01:00";
    }
}

public sealed class CircuitBreakerAndMetricsTests(TwitchyBreakerFactory factory) : IClassFixture<TwitchyBreakerFactory>
{
    [Fact]
    public async Task FailingEndpoint_OpensItsCircuit_SoLaterAttemptsFailFastWithoutCallingIt_OtherEndpointsUnaffected()
    {
        await using var broken = await LoopbackReceiver.StartAsync();
        await using var fine = await LoopbackReceiver.StartAsync();
        broken.Respond = (_, ctx) =>
        {
            ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        };
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (brokenId, _) = await api.CreateWebhookAsync(table.Id, new { name = "broken", url = broken.Url, events = new[] { "record.created" } });
        var (fineId, _) = await api.CreateWebhookAsync(table.Id, new { name = "fine", url = fine.Url, events = new[] { "record.created" } });

        var errors = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{brokenId}/test");
            errors.Add(attempt["error"]!.GetValue<string>());
        }

        Assert.Equal(2, broken.Requests.Count);
        Assert.All(errors.Skip(2), e => Assert.Contains("circuit open", e));
        var other = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{fineId}/test");
        Assert.True(other["succeeded"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Metrics_CountSucceededAndFailedAttempts_AndRecordDuration()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "m", url = receiver.Url, events = new[] { "record.created" } });
        var meterFactory = factory.Services.GetRequiredService<IMeterFactory>();
        var measured = new List<(string Instrument, double Value)>();
        using var listener = new MeterListener();
        // Only this app's meter: other test classes run their own apps in parallel.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WebhookMetrics.MeterName && instrument.Meter.Scope == meterFactory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => { lock (measured) { measured.Add((i.Name, v)); } });
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (measured) { measured.Add((i.Name, v)); } });
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => { lock (measured) { measured.Add((i.Name, v)); } });
        listener.Start();

        await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");
        receiver.Respond = (_, ctx) =>
        {
            ctx.Response.StatusCode = 410;
            return Task.CompletedTask;
        };
        await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");
        listener.RecordObservableInstruments();

        lock (measured)
        {
            Assert.Equal(1, measured.Count(m => m.Instrument == "undb.webhooks.attempts.succeeded"));
            Assert.Equal(1, measured.Count(m => m.Instrument == "undb.webhooks.attempts.failed"));
            Assert.Equal(2, measured.Count(m => m.Instrument == "undb.webhooks.attempt.duration"));
            Assert.Contains(measured, m => m.Instrument == "undb.webhooks.queue.depth");
        }
    }
}
