using Undb.Realtime;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>A delivery changed status (or a webhook was disabled): what a history page needs to refresh.</summary>
public sealed record DeliveryChange(string WebhookId, string? DeliveryId, DeliveryStatus? Status, bool WebhookChanged = false);

/// <summary>Delivery progress, keyed by webhook: history pages and the webhooks panel refresh from it.</summary>
public sealed class DeliveryNotifier(ILogger<DeliveryNotifier> logger, INotifierBackplane? backplane = null)
    : KeyedNotifier<DeliveryChange>(logger, change => change.WebhookId, backplane);
