using System.Text.Json.Nodes;
using Undb.Data;

namespace Undb.Features.Tables;

public enum ChangeKind { Created, Updated, Deleted }

/// <summary>The user (or token owner) behind a change.</summary>
public sealed record UserRef(string Id, string Username);

/// <summary>A record as stored: values keyed by field id.</summary>
public sealed record RecordSnapshot(
    string Id,
    JsonObject Values,
    DateTimeOffset CreatedAt,
    UserRef? CreatedBy,
    DateTimeOffset UpdatedAt,
    UserRef? UpdatedBy);

/// <summary>One record's change. <see cref="Previous"/> holds the old values of the changed fields (updates only).</summary>
public sealed record RecordChange(string EventId, ChangeKind Kind, RecordSnapshot Record, JsonObject? Previous, IReadOnlyList<string> ChangedFieldIds);

/// <summary>The table as it was when the change happened, so events can name fields.</summary>
public sealed record TableSnapshot(string Id, string Name, IReadOnlyList<FieldEntity> Fields)
{
    /// <summary>
    /// The count <see cref="IRecordChangeSink.SettingsCounter"/> as the snapshot's query read it (in a write, at the start
    /// of its transaction): a sink may keep what it read for this table while the count stands.
    /// </summary>
    public long SinkSettingsVersion { get; init; }

    public FieldEntity? FieldById(string id) => Fields.FirstOrDefault(f => f.Id == id);
}

/// <summary>
/// Everything one RecordService operation changed: a per-record event for each record, and for bulk operations
/// one bulk event (<see cref="BulkEventId"/>) covering them all.
/// </summary>
public sealed record ChangeBatch(
    TableSnapshot Table,
    UserRef? Actor,
    DateTimeOffset At,
    IReadOnlyList<RecordChange> Changes,
    ChangeKind? BulkKind,
    string? BulkEventId,
    string? Via = null)
{
    /// <summary>The write's span (W3C <c>traceparent</c>), kept with its deliveries so their attempts join its trace; null when not traced.</summary>
    public string? TraceParent { get; init; }

    public static ChangeBatch Create(TableSnapshot table, UserRef? actor, DateTimeOffset at, IReadOnlyList<RecordChange> changes, ChangeKind? bulkKind, string? via = null) =>
        new(table, actor, at, changes, bulkKind, bulkKind is null ? null : Ids.New(Ids.Event, at), via);
}

/// <summary>
/// Which way a change came in, for the record history: "API token 'CRM sync'", "incoming webhook 'Stripe'",
/// "CSV import"; "the app" (its own pages) when nothing says otherwise. Set by the entry point around the call
/// (<see cref="Use"/>) and captured by <see cref="RecordService"/> when the write is submitted.
/// </summary>
public static class ChangeOrigin
{
    public const string App = "the app";
    private static readonly AsyncLocal<string?> Value = new();

    public static string? Current => Value.Value;

    /// <summary>Sets the origin for the calls made until the result is disposed (and in what they start).</summary>
    public static IDisposable Use(string via)
    {
        var previous = Value.Value;
        Value.Value = via;
        return new Restore(previous);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => Value.Value = previous;
    }
}

/// <summary>
/// Rows a caller commits together with its own record write (an ingest's request log, say), so both need only one
/// transaction: called inside it after the write's changes and sinks, with the records the write produced.
/// It runs again if the write is retried; the write only returns once a run of it has committed.
/// </summary>
public delegate ValueTask AlongsideWrite(WriteSession scope, IReadOnlyList<RecordSnapshot> records, CancellationToken ct);

/// <summary>
/// The extension point of the one write path. Called inside RecordService's transaction, before it is saved:
/// a sink adds its own rows (an outbox, an audit log) to the scope's context so they commit with the records.
/// It may return an action to run after the commit (for instance, waking a delivery worker).
/// </summary>
public interface IRecordChangeSink
{
    /// <summary>
    /// The <see cref="ChangeCounters"/> count of changes to what sinks read for a table (webhooks, say): whoever changes
    /// such a setting counts it in the same transaction, so a sink may keep what it read while
    /// <see cref="TableSnapshot.SinkSettingsVersion"/> stands, instead of reading it in every transaction.
    /// </summary>
    const string SettingsCounter = "record-sink-settings";

    ValueTask<Action?> OnChangesAsync(WriteSession scope, ChangeBatch batch, CancellationToken ct);
}
