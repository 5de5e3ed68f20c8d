using System.Collections.Concurrent;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// A logical clock of the webhook changes this process publishes (edit, pause, secret rotation, delete, auto-disable):
/// take <see cref="Now"/> before reading a webhook, and <see cref="ChangedSince"/> later tells without a query
/// whether what was read may be out of date. (A change is published after its commit, so a stamp taken after the
/// publication belongs to a read that sees the change.)
/// </summary>
public sealed class WebhookVersions : IDisposable
{
    /// <summary>How long a webhook read with a stamp is trusted at most: changes made by another instance are not published here.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, long> _changedAt = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;
    private long _clock;

    public WebhookVersions(DeliveryNotifier notifier)
    {
        _subscription = notifier.SubscribeAll(change =>
        {
            if (change.WebhookChanged)
            {
                _changedAt[change.WebhookId] = Interlocked.Increment(ref _clock);
            }
            return Task.CompletedTask;
        });
    }

    public long Now => Interlocked.Read(ref _clock);

    public bool ChangedSince(string webhookId, long stamp) => _changedAt.TryGetValue(webhookId, out var at) && at > stamp;

    public void Dispose() => _subscription.Dispose();
}
