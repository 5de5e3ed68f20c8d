using Undb.Realtime;
using System.Text.Json.Nodes;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>
/// A request reached an incoming webhook: its stats changed, and <see cref="Payload"/> (when the body was valid JSON
/// from an authenticated sender) can serve as the mapping dialog's sample ("wait for a first request").
/// <see cref="WebhookChanged"/> when the webhook itself was created, changed (mapping, pause, key) or deleted.
/// </summary>
public sealed record IncomingActivity(string WebhookId, string TableId, JsonNode? Payload, bool WebhookChanged = false);

/// <summary>Incoming-webhook activity, keyed by table: cards and the mapping dialog refresh from it.</summary>
public sealed class IncomingWebhookNotifier(ILogger<IncomingWebhookNotifier> logger, INotifierBackplane? backplane = null)
    : KeyedNotifier<IncomingActivity>(logger, activity => activity.TableId, backplane)
{
    /// <summary>A sample body travels to other instances only when short; the card's stats and caches need only the ids.</summary>
    public const int MaxPayloadToOtherInstances = 4000;

    protected override IncomingActivity ForOtherInstances(IncomingActivity e) =>
        e.Payload is null || e.Payload.ToJsonString().Length <= MaxPayloadToOtherInstances ? e : e with { Payload = null };
}
