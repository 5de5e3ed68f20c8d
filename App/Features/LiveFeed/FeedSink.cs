using System.Text.Json.Nodes;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Features.LiveFeed;

/// <summary>
/// Turns committed record changes of followed tables into live feed messages: the outbound payload's <c>event</c>
/// with the envelope's <c>id</c>, <c>name</c>, <c>operatorId</c> and <c>timestamp</c>. Published right after the
/// commit, from the write itself, so the messages of one instance leave in commit order.
/// </summary>
internal sealed class FeedSink(TableFeed feed, FeedNotifier notifier) : IRecordChangeSink
{
    public ValueTask<Action?> OnChangesAsync(WriteSession scope, ChangeBatch batch, CancellationToken ct)
    {
        if (!feed.IsFollowed(batch.Table.Id))
        {
            return ValueTask.FromResult<Action?>(null);
        }
        IReadOnlyList<JsonObject> events = batch.BulkKind is not null
            ? [Message(PayloadBuilder.ForBulk(batch, batch.Changes))]
            : batch.Changes.Select(c => Message(PayloadBuilder.ForRecord(batch, c))).ToList();
        scope.AfterCommit(() => notifier.Publish(new FeedBatch(batch.Table.Id, events)));
        return ValueTask.FromResult<Action?>(null);
    }

    /// <summary><c>{id, name, operatorId, timestamp, tableId, tableName, record | records, previous?}</c>.</summary>
    internal static JsonObject Message(JsonObject envelope)
    {
        var message = new JsonObject
        {
            ["id"] = envelope["id"]?.DeepClone(),
            ["name"] = envelope["name"]?.DeepClone(),
            ["operatorId"] = envelope["operatorId"]?.DeepClone(),
            ["timestamp"] = envelope["timestamp"]?.DeepClone(),
        };
        if (envelope["event"] is JsonObject evt)
        {
            foreach (var (key, value) in evt)
            {
                message[key] = value?.DeepClone();
            }
        }
        return message;
    }
}
