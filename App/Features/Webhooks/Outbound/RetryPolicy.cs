using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>The durable retry schedule: when the next attempt is due after a failure, or null when the schedule is spent.</summary>
public sealed class RetryPolicy(IOptionsMonitor<WebhooksOptions> options)
{
    /// <summary>
    /// <paramref name="step"/> is how many scheduled retries already happened. A receiver's <c>Retry-After</c> replaces
    /// the scheduled delay, clamped to [1 s, <c>Webhooks:MaxRetryAfter</c>]; the scheduled delay gets ±jitter so many
    /// deliveries failing together do not retry in lockstep.
    /// </summary>
    public DateTimeOffset? NextAttemptAt(int step, DateTimeOffset now, TimeSpan? retryAfter)
    {
        var o = options.CurrentValue;
        var schedule = o.EffectiveRetrySchedule;
        if (step >= schedule.Count)
        {
            return null;
        }
        if (retryAfter is { } wait)
        {
            return now + Clamp(wait, TimeSpan.FromSeconds(1), o.MaxRetryAfter);
        }
        var factor = 1 + ((Random.Shared.NextDouble() * 2) - 1) * o.RetryJitter;
        return now + schedule[step] * factor;
    }

    /// <summary>Reads <c>Retry-After</c> as seconds or an HTTP date.</summary>
    public static TimeSpan? ParseRetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
