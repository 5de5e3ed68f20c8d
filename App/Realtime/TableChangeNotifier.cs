namespace Undb.Realtime;

public enum TableChangeKind { RecordsChanged, SchemaChanged, TableCreated, TableDeleted }

/// <summary>What changed in a table, published after the change committed.</summary>
public sealed record TableChange(string TableId, TableChangeKind Kind, IReadOnlyList<string> RecordIds, string? ActorId = null);

/// <summary>Committed record and schema changes, keyed by table: open grids and the nav refresh from it.</summary>
public sealed class TableChangeNotifier(ILogger<TableChangeNotifier> logger)
    : KeyedNotifier<TableChange>(logger, change => change.TableId);
