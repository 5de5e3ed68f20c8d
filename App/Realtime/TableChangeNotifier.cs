namespace Undb.Realtime;

public enum TableChangeKind { RecordsChanged, SchemaChanged, TableCreated, TableDeleted }

/// <summary>What changed in a table, published after the change committed.</summary>
public sealed record TableChange(string TableId, TableChangeKind Kind, IReadOnlyList<string> RecordIds, string? ActorId = null);

/// <summary>Committed record and schema changes, keyed by table: open grids and the nav refresh from it.</summary>
public sealed class TableChangeNotifier(ILogger<TableChangeNotifier> logger, INotifierBackplane? backplane = null)
    : KeyedNotifier<TableChange>(logger, change => change.TableId, backplane)
{
    /// <summary>At most this many record ids travel to other instances (a grid there merges at most a page of them anyway).</summary>
    public const int MaxIdsToOtherInstances = 100;

    protected override TableChange ForOtherInstances(TableChange e) =>
        e.RecordIds.Count <= MaxIdsToOtherInstances ? e : e with { RecordIds = e.RecordIds.Take(MaxIdsToOtherInstances).ToList() };
}
