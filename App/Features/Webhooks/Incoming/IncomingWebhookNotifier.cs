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
public sealed class IncomingWebhookNotifier(ILogger<IncomingWebhookNotifier> logger)
    : KeyedNotifier<IncomingActivity>(logger, activity => activity.TableId);
