using System.ComponentModel.DataAnnotations;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>Limits of the ingest endpoint, from the <c>IncomingWebhooks</c> configuration section.</summary>
public sealed class IncomingWebhooksOptions : IValidatableObject
{
    public const string Section = "IncomingWebhooks";
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>Largest accepted body in bytes; bigger ones get 413.</summary>
    [Range(1, 100 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Most records one request may create (like the REST bulk API); a payload holding more gets 413, nothing written.</summary>
    [Range(1, 100_000)]
    public int MaxRecordsPerRequest { get; set; } = 1000;

    /// <summary>Requests per webhook per <see cref="RateLimitWindow"/>; more get 429 with Retry-After.</summary>
    [Range(1, 1_000_000)]
    public int RateLimitPermits { get; set; } = 600;

    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Requests per client address per <see cref="UnauthenticatedRateLimitWindow"/> that fail to authenticate (no key,
    /// a wrong key, an unknown webhook); more get 429. Kept apart from <see cref="RateLimitPermits"/> so wrong keys
    /// never use up a sender's budget.
    /// </summary>
    [Range(1, 1_000_000)]
    public int UnauthenticatedRateLimitPermits { get; set; } = 60;

    public TimeSpan UnauthenticatedRateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The request log keeps at most this many requests per webhook…</summary>
    [Range(1, 100_000)]
    public int LogMaxRequests { get; set; } = 100;

    /// <summary>…and none older than this.</summary>
    public TimeSpan LogMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a repeated <c>Idempotency-Key</c>/<c>webhook-id</c> returns the first answer.</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A claimed key with no answer after this long is taken to belong to a crashed request and may be retried.</summary>
    public TimeSpan IdempotencyClaimTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Base of the URLs shown to users (<c>https://undb.example.com</c>) when the app sits behind a proxy; empty: the request's own host.</summary>
    public string? PublicBaseUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RateLimitWindow <= TimeSpan.Zero)
        {
            yield return new ValidationResult("must be positive", [nameof(RateLimitWindow)]);
        }
        if (UnauthenticatedRateLimitWindow <= TimeSpan.Zero)
        {
            yield return new ValidationResult("must be positive", [nameof(UnauthenticatedRateLimitWindow)]);
        }
        if (LogMaxAge <= TimeSpan.Zero)
        {
            yield return new ValidationResult("must be positive", [nameof(LogMaxAge)]);
        }
        if (IdempotencyWindow <= TimeSpan.Zero || IdempotencyClaimTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult("must be positive", [nameof(IdempotencyWindow), nameof(IdempotencyClaimTimeout)]);
        }
        if (!string.IsNullOrWhiteSpace(PublicBaseUrl) && !Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("must be an absolute URL", [nameof(PublicBaseUrl)]);
        }
    }
}
