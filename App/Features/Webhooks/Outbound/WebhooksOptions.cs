using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Operator settings for outbound delivery, bound from <c>Webhooks</c>.</summary>
public sealed class WebhooksOptions
{
    public const string Section = "Webhooks";

    /// <summary>The durable retry schedule after the first (immediate) attempt fails (DESIGN.md).</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>Lets webhooks reach loopback and private addresses. Only for development and tests.</summary>
    public bool AllowPrivateNetworks { get; set; }

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A webhook failing without a single success for this long is disabled.</summary>
    public TimeSpan AutoDisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Delays between attempts; null uses <see cref="DefaultRetrySchedule"/> (arrays bind by appending, so no default here).</summary>
    public TimeSpan[]? RetrySchedule { get; set; }

    [Range(0.0, 0.9)]
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>Upper bound on a receiver's <c>Retry-After</c>, so it cannot park a delivery for days.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a claim holds a delivery; after that (a crash) another sweep sends it again.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The name this app instance takes leases under (default: the machine name). On start-up an instance expires the
    /// leases under its own name, since the process that took them is gone, so what it had in hand is sent again at
    /// once instead of when the leases run out. Give each instance its own name when several share a host.
    /// </summary>
    [MaxLength(100)]
    public string? InstanceId { get; set; }

    public string EffectiveInstanceId => string.IsNullOrWhiteSpace(InstanceId) ? Environment.MachineName : InstanceId.Trim();

    [Range(1, 256)]
    public int MaxConcurrencyPerWebhook { get; set; } = 16;

    /// <summary>
    /// Failed attempts in a row after which a webhook counts as failing: the admins' bell shows it, and workspace
    /// webhooks subscribed to <c>webhook.failing</c> are told. Once per streak; a success ends the streak.
    /// </summary>
    [Range(1, 1000)]
    public int AlertAfterFailures { get; set; } = 5;

    [Range(1, 4096)]
    public int MaxConcurrentDeliveries { get; set; } = 64;

    /// <summary>Deliveries held in memory at once; more wait in the database for the sweeper.</summary>
    [Range(10, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Deliveries kept per paused (or disabled) webhook; beyond it the oldest held ones are cancelled (checked by the
    /// sweeper, not on every write), and the card says how many.
    /// </summary>
    [Range(1, 100_000_000)]
    public int MaxHeldPerWebhook { get; set; } = 100_000;

    [Range(1, 10_000)]
    public int SweepBatchSize { get; set; } = 500;

    [Range(0, 10_000_000)]
    public int ResponseBodyLimit { get; set; } = 20 * 1024;

    public TimeSpan PreviousSecretLifetime { get; set; } = TimeSpan.FromHours(24);

    [Range(0.01, 1.0)]
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    [Range(2, 10_000)]
    public int CircuitBreakerMinimumThroughput { get; set; } = 20;

    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How far back a webhook's circuit looks at its failures: at least 30 s, and two attempt timeouts.</summary>
    public TimeSpan CircuitBreakerSamplingDuration => TimeSpan.FromSeconds(Math.Max(30, AttemptTimeout.TotalSeconds * 2));

    public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule is { Length: > 0 } s ? s : DefaultRetrySchedule;
}

internal sealed class WebhooksOptionsValidator : IValidateOptions<WebhooksOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhooksOptions o)
    {
        var errors = new List<string>();
        if (o.AttemptTimeout <= TimeSpan.Zero)
        {
            errors.Add("Webhooks:AttemptTimeout must be positive.");
        }
        if (o.LeaseDuration <= o.AttemptTimeout)
        {
            errors.Add("Webhooks:LeaseDuration must be longer than Webhooks:AttemptTimeout, or a slow send would be sent twice.");
        }
        if (o.SweepInterval <= TimeSpan.Zero)
        {
            errors.Add("Webhooks:SweepInterval must be positive.");
        }
        if (o.AutoDisableAfter <= TimeSpan.Zero || o.MaxRetryAfter <= TimeSpan.Zero || o.PreviousSecretLifetime < TimeSpan.Zero)
        {
            errors.Add("Webhooks:AutoDisableAfter and Webhooks:MaxRetryAfter must be positive, Webhooks:PreviousSecretLifetime not negative.");
        }
        if (o.RetrySchedule?.Any(d => d < TimeSpan.Zero) == true)
        {
            errors.Add("Webhooks:RetrySchedule delays cannot be negative.");
        }
        if (o.CircuitBreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add("Webhooks:CircuitBreakerBreakDuration must be at least 0.5 s.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
