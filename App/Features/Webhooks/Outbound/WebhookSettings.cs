using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Every write that changes a webhook (created, edited, paused, resumed, disabled, deleted, its secret or headers)
/// calls <see cref="Changed"/> in its transaction, so the outbox's kept webhook lists (<see cref="OutboxSink"/>) are
/// read again by the next record transaction on every instance. Health counters and sequence numbers are not settings.
/// </summary>
internal static class WebhookSettings
{
    public static void Changed(WriteSession session) => ChangeCounters.Count(session, IRecordChangeSink.SettingsCounter);
}
