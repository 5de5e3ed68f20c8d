using System.Diagnostics.Metrics;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Infrastructure.Telemetry;

/// <summary>
/// The "Undb" meter: committed record writes by kind, and requests to <c>POST /hooks/{id}</c> by status code. Counted
/// only while something listens (the Prometheus endpoint or an OTLP exporter); otherwise the hot paths skip it.
/// </summary>
public sealed class AppMetrics
{
    public const string MeterName = "Undb";

    private readonly Counter<long> _recordsWritten;
    private readonly Counter<long> _incomingRequests;

    public AppMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _recordsWritten = meter.CreateCounter<long>("undb.records.written", "{record}", "Records created, updated or deleted, counted when their transaction committed.");
        _incomingRequests = meter.CreateCounter<long>("undb.incoming.requests", "{request}", "Requests to incoming webhooks (POST /hooks/{id}), by the status code answered.");
    }

    public bool CountsRecords => _recordsWritten.Enabled;

    public void RecordsWritten(ChangeKind kind, int count) =>
        _recordsWritten.Add(count, new KeyValuePair<string, object?>("kind", kind.ToString().ToLowerInvariant()));

    public bool CountsIncoming => _incomingRequests.Enabled;

    public void IncomingAnswered(int statusCode) =>
        _incomingRequests.Add(1, new KeyValuePair<string, object?>("status_code", statusCode));
}

/// <summary>Counts each committed write's records (after the commit, so a rolled-back write counts nothing).</summary>
internal sealed class RecordMetricsSink(AppMetrics metrics) : IRecordChangeSink
{
    public ValueTask<Action?> OnChangesAsync(WriteSession scope, ChangeBatch batch, CancellationToken ct)
    {
        if (metrics.CountsRecords && batch.Changes.Count > 0)
        {
            foreach (var group in batch.Changes.GroupBy(c => c.Kind))
            {
                var (kind, count) = (group.Key, group.Count());
                scope.AfterCommit(() => metrics.RecordsWritten(kind, count));
            }
        }
        return ValueTask.FromResult<Action?>(null);
    }
}
