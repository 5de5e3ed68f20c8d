using System.Collections.Concurrent;
using Undb.Features.Accounts;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>What a test pass lets its one request do: the webhook it is for, the mapping being edited, and who pressed "Send test".</summary>
public sealed record IncomingTestPass(string WebhookId, IncomingMapping? Mapping, string? ActorId, DateTimeOffset ExpiresAt);

/// <summary>
/// One-time passes for "Send test": the setup screen posts its sample to the real <c>/hooks/{id}</c> endpoint, but the
/// webhook's API key is stored hashed, so the screen cannot send it. Instead the signed-in admin's screen gets a pass
/// (256 random bits, single use, one minute, for one webhook) that the endpoint accepts in place of the key. Passes
/// live in this instance's memory only: the test request goes to this same instance over loopback
/// (<see cref="IncomingTestSender"/>). Kept by hash, so a lookup reveals nothing by its timing.
/// </summary>
public sealed class IncomingTestPasses(TimeProvider time)
{
    public const string Header = "X-Undb-Test-Pass";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, IncomingTestPass> _passes = new(StringComparer.Ordinal);

    public string Issue(string webhookId, IncomingMapping? mapping, string? actorId)
    {
        var now = time.GetUtcNow();
        foreach (var (hash, stale) in _passes)
        {
            if (stale.ExpiresAt <= now)
            {
                _passes.TryRemove(hash, out _);
            }
        }
        var pass = SecretHasher.NewKey("uwt_");
        _passes[SecretHasher.Hash(pass)] = new IncomingTestPass(webhookId, mapping, actorId, now + Lifetime);
        return pass;
    }

    /// <summary>The pass's grant, used up by this call; null when it is unknown, used, expired, or for another webhook.</summary>
    public IncomingTestPass? Redeem(string webhookId, string pass)
    {
        if (!_passes.TryRemove(SecretHasher.Hash(pass), out var grant))
        {
            return null;
        }
        return grant.WebhookId == webhookId && grant.ExpiresAt > time.GetUtcNow() ? grant : null;
    }
}
