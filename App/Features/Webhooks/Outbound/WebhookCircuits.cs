using System.Collections.Concurrent;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// A circuit breaker (and the attempt timeout) per webhook, so one webhook's failing endpoint never refuses a send
/// of another webhook, even one on the same host and port (Slack, Zapier, one company API). Polly's own registry is
/// append-only, so the pipelines are kept here: forgotten when a webhook is deleted or its URL changes (a new
/// endpoint owes nothing to the old one's failures), and dropped once idle for longer than the breaker looks back
/// plus one break, which also covers webhooks that went with their table and throwaway ids of draft tests.
/// </summary>
public sealed class WebhookCircuits(IOptionsMonitor<WebhooksOptions> options, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ConcurrentDictionary<string, Circuit> _circuits = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    /// <summary>The pipeline that sends for <paramref name="webhookId"/>: breaker outside, attempt timeout inside, so timeouts count as failures.</summary>
    public ResiliencePipeline<HttpResponseMessage> For(string webhookId)
    {
        var now = time.GetUtcNow().UtcTicks;
        SweepIfDue(now);
        var circuit = _circuits.GetOrAdd(webhookId, static (id, self) => new Circuit(self.Build(id)), this);
        Volatile.Write(ref circuit.LastUsedTicks, now);
        return circuit.Pipeline;
    }

    /// <summary>Drops the webhook's circuit state; its next send starts closed.</summary>
    public void Forget(string webhookId) => _circuits.TryRemove(webhookId, out _);

    /// <summary>Whether state is held for the webhook (for tests and diagnostics).</summary>
    public bool Holds(string webhookId) => _circuits.ContainsKey(webhookId);

    /// <summary>
    /// How long a circuit may sit unused before it is dropped: by then every sample it holds is older than the
    /// sampling window and any break it was in has ended, so a fresh one differs at most by skipping a half-open probe.
    /// </summary>
    private TimeSpan IdleLimit => options.CurrentValue.CircuitBreakerSamplingDuration + options.CurrentValue.CircuitBreakerBreakDuration;

    private void SweepIfDue(long now)
    {
        var due = Volatile.Read(ref _nextSweepTicks);
        var idle = IdleLimit.Ticks;
        if (now < due || Interlocked.CompareExchange(ref _nextSweepTicks, now + idle, due) != due)
        {
            return;
        }
        foreach (var (id, circuit) in _circuits)
        {
            if (now - Volatile.Read(ref circuit.LastUsedTicks) > idle)
            {
                // Only this exact entry: a circuit created for the same id a moment ago stays.
                _circuits.TryRemove(new KeyValuePair<string, Circuit>(id, circuit));
            }
        }
    }

    private ResiliencePipeline<HttpResponseMessage> Build(string webhookId)
    {
        var o = options.CurrentValue;
        // Retries are durable, in the database (DeliveryProcessor); here only the breaker and the attempt timeout.
        return new ResiliencePipelineBuilder<HttpResponseMessage> { Name = "webhook-endpoint", InstanceName = webhookId, TimeProvider = time }
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = o.CircuitBreakerFailureRatio,
                MinimumThroughput = o.CircuitBreakerMinimumThroughput,
                SamplingDuration = o.CircuitBreakerSamplingDuration,
                BreakDuration = o.CircuitBreakerBreakDuration,
            })
            .AddTimeout(o.AttemptTimeout)
            .ConfigureTelemetry(loggers)
            .Build();
    }

    private sealed class Circuit(ResiliencePipeline<HttpResponseMessage> pipeline)
    {
        public readonly ResiliencePipeline<HttpResponseMessage> Pipeline = pipeline;
        public long LastUsedTicks;
    }
}

/// <summary>
/// Runs each request of the webhook client through its webhook's pipeline; the sender tags requests with
/// <see cref="WebhookIdKey"/>. A request without the tag (not the sender's) gets a circuit for its host, so it still
/// has the attempt timeout and cannot touch any webhook's circuit.
/// </summary>
public sealed class WebhookCircuitHandler(WebhookCircuits circuits) : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<string> WebhookIdKey = new("Undb.WebhookId");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var key = request.Options.TryGetValue(WebhookIdKey, out var webhookId) ? webhookId : "host:" + request.RequestUri?.Authority;
        return circuits.For(key).ExecuteAsync(
            static (state, ct) => new ValueTask<HttpResponseMessage>(state.Handler.SendInnerAsync(state.Request, ct)),
            (Handler: this, Request: request),
            cancellationToken).AsTask();
    }

    private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);
}
