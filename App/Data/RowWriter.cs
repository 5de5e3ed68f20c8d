using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Undb.Data;

/// <summary>
/// Inserts and updates rows of mapped entities through prepared statements that live as long as the writer (one
/// transaction), for the hot write paths that add many rows of the same few kinds (records, outbox deliveries,
/// delivery attempts, request logs). <c>SaveChanges</c> writes the same rows, but it builds the SQL text of every row
/// again and the database parses it again; that was the largest part of the write transactions' time (see
/// docs/benchmarks.md, fifth round). Columns, names and value conversions all come from the EF model, so a migration
/// that adds a column needs no change here. Rows written this way are not tracked by the context.
/// Runs on the context's connection and current transaction; the caller owns both (a <see cref="WriteSession"/> makes one).
/// </summary>
/// <param name="insertsFromArrays">
/// Whether several rows go to the server in one statement per kind, each column as one array (PostgreSQL's <c>unnest</c>):
/// one statement text whatever the number of rows, prepared once per connection. Otherwise rows go one by one through
/// the prepared single-row insert.
/// </param>
public sealed partial class RowWriter(DbContext db, string nullSafeEquals, bool insertsFromArrays = false) : IDisposable
{
    private static readonly ConcurrentDictionary<(IModel Model, Type Type), Columns> Mappings = new();
    private readonly Dictionary<(Type, string), (DbCommand Command, Columns Columns, IReadOnlyList<Column> Bound)> _statements = [];

    /// <summary>Rows written through this writer so far.</summary>
    public int Written { get; private set; }

    /// <summary>Inserts the row, every mapped column (after any rows handed to <see cref="Defer"/>).</summary>
    public async Task InsertAsync(object row, CancellationToken ct)
    {
        await InsertAllAsync([row], ct);
    }

    private readonly List<object> _deferred = [];

    /// <summary>Counter rows handed to <see cref="DeferAddTo{T}"/>, sent after the deferred rows.</summary>
    private readonly List<(object Row, string Name, IReadOnlyList<string> Sums, IReadOnlyList<string> Latest)> _deferredAdds = [];

    /// <summary>Whether rows handed to <see cref="Defer"/> or <see cref="DeferAddTo{T}"/> are still to be sent.</summary>
    public bool HasDeferred => _deferred.Count > 0 || _deferredAdds.Count > 0;

    /// <summary>
    /// Takes rows to insert later, together with the rows of the writes after them (a group commit's): they are sent
    /// by <see cref="SendDeferredAsync"/>, which runs before this writer's next statement and, through
    /// <see cref="DeferredRowsInterceptor"/>, before the next command of the context, so nothing ever reads the
    /// database without them.
    /// </summary>
    public void Defer(IEnumerable<object> rows) => _deferred.AddRange(rows);

    /// <summary>
    /// Takes a counter row to add with the deferred rows, in the same round trip, after them: inserted where its key is
    /// new; otherwise its <paramref name="sums"/> are added to the stored ones, and each of <paramref name="latest"/>
    /// keeps the later of the stored and the given value. An upsert needs no answer, so a transaction's counters (the
    /// incoming webhooks' stats) cost no round trip of their own (docs/benchmarks.md).
    /// </summary>
    public void DeferAddTo<T>(T row, IReadOnlyList<string> sums, IReadOnlyList<string> latest) where T : class =>
        _deferredAdds.Add((row, "add:" + string.Join(',', sums) + ":" + string.Join(',', latest), sums, latest));

    /// <summary>
    /// Inserts the rows handed to <see cref="Defer"/>, all of them in one round trip where the connection batches. Never
    /// cancelled: the rows belong to writes that count on them, not to whoever happens to run the next command.
    /// </summary>
    public async Task SendDeferredAsync()
    {
        if (!HasDeferred)
        {
            return;
        }
        if (_deferredAdds.Count > 0 && insertsFromArrays)
        {
            using var batch = NewBatch(db.Database.GetDbConnection());
            var taken = TakeDeferredInto(batch);
            await batch.ExecuteNonQueryAsync(CancellationToken.None);
            Written += taken;
            return;
        }
        // Taken before sending, as in TakeDeferredInto.
        var rows = _deferred.ToList();
        var adds = _deferredAdds.ToList();
        _deferred.Clear();
        _deferredAdds.Clear();
        await InsertNowAsync(rows, CancellationToken.None);
        foreach (var add in adds)
        {
            var statement = AddToStatement(add.Row.GetType(), add.Name, add.Sums, add.Latest);
            Bind(statement, add.Row, []);
            await Execute(statement.Command, CancellationToken.None);
        }
    }

    /// <summary>
    /// Adds the deferred rows (their inserts) and then the counter upserts to the batch, and forgets them, before the batch
    /// is sent: a caller that caught a failed send and went on would otherwise send them again with its next statement.
    /// </summary>
    /// <returns>How many there were.</returns>
    private int TakeDeferredInto(DbBatch batch)
    {
        var count = _deferred.Count + _deferredAdds.Count;
        AddInserts(batch, _deferred);
        foreach (var add in _deferredAdds)
        {
            batch.BatchCommands.Add(BatchCommand(batch, AddToStatement(add.Row.GetType(), add.Name, add.Sums, add.Latest), add.Row));
        }
        _deferred.Clear();
        _deferredAdds.Clear();
        return count;
    }

    /// <summary>The upsert of <see cref="DeferAddTo{T}"/>: the same SQL on both engines (<c>ON CONFLICT … DO UPDATE</c>, <c>excluded</c>).</summary>
    private (DbCommand Command, Columns Columns, IReadOnlyList<Column> Bound) AddToStatement(Type type, string name, IReadOnlyList<string> sums, IReadOnlyList<string> latest) =>
        Statement(type, name, columns =>
        {
            string Stored(Column c) => columns.Table + "." + c.Name;
            var sql = new StringBuilder(columns.InsertSql).Append(" ON CONFLICT (").AppendJoin(", ", columns.Key.Select(c => c.Name)).Append(") DO UPDATE SET ");
            sql.AppendJoin(", ", sums.Select(columns.Named).Select(c => $"{c.Name} = {Stored(c)} + excluded.{c.Name}")
                .Concat(latest.Select(columns.Named).Select(c =>
                    $"{c.Name} = CASE WHEN {Stored(c)} IS NULL OR {Stored(c)} < excluded.{c.Name} THEN excluded.{c.Name} ELSE {Stored(c)} END")));
            return (sql.ToString(), columns.All);
        });

    /// <summary>
    /// Inserts the rows, every mapped column. On PostgreSQL they go to the server in one round trip, as one INSERT per kind
    /// of row from one array per column (principal kinds before the kinds that reference them): a group commit's records,
    /// outbox deliveries and request logs cost a few statements instead of one each, and on a server across a socket the
    /// round trips and statements were most of a write's time (docs/benchmarks.md).
    /// In-process SQLite has no round trips to save and inserts them one by one through the prepared statements.
    /// </summary>
    public async Task InsertAllAsync(IReadOnlyList<object> rows, CancellationToken ct)
    {
        if (_deferred.Count > 0)
        {
            // One round trip with the deferred rows, which are never cancelled (see SendDeferredAsync).
            Defer(rows);
            await SendDeferredAsync();
            return;
        }
        await InsertNowAsync(rows, ct);
    }

    private async Task InsertNowAsync(IReadOnlyList<object> rows, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        if (rows.Count < 2 || !insertsFromArrays)
        {
            foreach (var row in rows)
            {
                var statement = Statement(row.GetType(), "insert", columns => (columns.InsertSql, columns.All));
                Bind(statement, row, []);
                await Execute(statement.Command, ct);
            }
            return;
        }
        using var batch = NewBatch(connection);
        AddInserts(batch, rows);
        await batch.ExecuteNonQueryAsync(ct);
        Written += rows.Count;
    }

    private DbBatch NewBatch(DbConnection connection)
    {
        var batch = connection.CreateBatch();
        batch.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        _parameterFactory ??= connection.CreateCommand();
        return batch;
    }

    /// <summary>Adds the rows to the batch as one INSERT per kind, in <see cref="InInsertOrder"/>.</summary>
    private void AddInserts(DbBatch batch, IReadOnlyList<object> rows)
    {
        foreach (var (columns, kind) in InInsertOrder(rows))
        {
            batch.BatchCommands.Add(InsertFromArrays(batch, columns, kind));
        }
    }

    /// <summary>
    /// The rows as one INSERT whose parameters are one array per column. A VALUES list has a different text for every
    /// number of rows: each group commit's size was a statement of its own to parse and plan, and the sizes crowded each
    /// other out of the connection's prepared statements (docs/benchmarks.md).
    /// </summary>
    private DbBatchCommand InsertFromArrays(DbBatch batch, Columns columns, List<object> rows)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = columns.InsertFromArraysSql;
        for (var c = 0; c < columns.All.Count; c++)
        {
            var column = columns.All[c];
            var values = Array.CreateInstance(column.ArrayElementType, rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                var value = column.Read(rows[r]);
                values.SetValue(value is DBNull ? null : value, r);
            }
            var parameter = _parameterFactory!.CreateParameter();
            parameter.ParameterName = "@p" + c;
            parameter.Value = values;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>A prepared statement's SQL as a command of the batch, its columns bound to the row's values (<c>@p0</c>, <c>@p1</c>, …).</summary>
    private DbBatchCommand BatchCommand(DbBatch batch, (DbCommand Command, Columns Columns, IReadOnlyList<Column> Bound) statement, object row)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = statement.Command.CommandText;
        for (var i = 0; i < statement.Bound.Count; i++)
        {
            command.Parameters.Add(Parameter("@p" + i, statement.Bound[i], statement.Bound[i].Read(row)));
        }
        return command;
    }

    /// <summary>Made empty (the mapping sets the provider's type, e.g. jsonb) and then given the value already converted for the provider.</summary>
    private DbParameter Parameter(string name, Column column, object value)
    {
        var parameter = column.Mapping.CreateParameter(_parameterFactory!, name, null, column.Property.IsNullable);
        parameter.Value = value;
        return parameter;
    }

    /// <summary>
    /// The rows grouped by kind, in the order the kinds first appear, except that a kind comes after every kind present
    /// that it has a foreign key to (so a row never arrives before the row it references).
    /// </summary>
    private List<(Columns Columns, List<object> Rows)> InInsertOrder(IReadOnlyList<object> rows)
    {
        var groups = new List<(Columns Columns, List<object> Rows)>();
        foreach (var row in rows)
        {
            var type = row.GetType();
            var group = groups.FindIndex(g => g.Columns.Type == type);
            if (group < 0)
            {
                groups.Add((ColumnsOf(type), [row]));
            }
            else
            {
                groups[group].Rows.Add(row);
            }
        }
        var ordered = new List<(Columns Columns, List<object> Rows)>(groups.Count);
        while (groups.Count > 0)
        {
            var ready = groups.FindIndex(g => !g.Columns.References.Any(r => r != g.Columns.Type && groups.Any(o => o.Columns.Type == r)));
            // A cycle of foreign keys between kinds (none in the model today) keeps the order of first appearance.
            var next = ready < 0 ? 0 : ready;
            ordered.Add(groups[next]);
            groups.RemoveAt(next);
        }
        return ordered;
    }

    /// <summary>Only makes parameters (with the provider's types, e.g. jsonb) for batched statements; never executed.</summary>
    private DbCommand? _parameterFactory;

    /// <summary>
    /// Writes the columns in which <paramref name="updated"/> differs from <paramref name="original"/> (what SaveChanges
    /// would write for a changed entity), by key, and only where the <paramref name="expected"/> columns still hold the
    /// given values: a compare-and-set. Returns whether the row matched (and so was updated).
    /// </summary>
    public Task<bool> UpdateChangedAsync<T>(T original, T updated, IReadOnlyList<(string Property, object? Value)> expected, CancellationToken ct)
        where T : class =>
        UpdateAsync(updated, Changed(original, updated), expected, ct);

    /// <summary>
    /// <see cref="UpdateChangedAsync{T}"/> for many rows, in order (a later update of the same row sees the earlier one).
    /// Where the connection batches, every update (after any deferred rows and counter upserts) goes in one round trip.
    /// </summary>
    public async Task<IReadOnlyList<bool>> UpdateChangedAllAsync<T>(IReadOnlyList<RowUpdate<T>> updates, CancellationToken ct)
        where T : class
    {
        var connection = db.Database.GetDbConnection();
        if (!connection.CanCreateBatch)
        {
            var one = new List<bool>(updates.Count);
            foreach (var u in updates)
            {
                one.Add(await UpdateChangedAsync(u.Original, u.Updated, u.Expected, ct));
            }
            return one;
        }
        using var batch = NewBatch(connection);
        var deferred = TakeDeferredInto(batch);
        var first = batch.BatchCommands.Count;
        foreach (var u in updates)
        {
            var statement = UpdateStatement<T>(Changed(u.Original, u.Updated), u.Expected);
            var command = BatchCommand(batch, statement, u.Updated);
            foreach (var (property, value) in u.Expected)
            {
                var parameter = _parameterFactory!.CreateParameter();
                parameter.ParameterName = "@e_" + property;
                parameter.Value = statement.Columns.Named(property).ToProvider(value);
                command.Parameters.Add(parameter);
            }
            batch.BatchCommands.Add(command);
        }
        // Not cancelled when deferred rows ride along: they belong to writes that count on them.
        await batch.ExecuteNonQueryAsync(deferred > 0 ? CancellationToken.None : ct);
        Written += deferred + updates.Count;
        return Enumerable.Range(first, updates.Count).Select(i => batch.BatchCommands[i].RecordsAffected > 0).ToList();
    }

    /// <summary>The properties in which <paramref name="updated"/> differs from <paramref name="original"/>, or the key when none (the match is still the answer).</summary>
    private IReadOnlyList<string> Changed<T>(T original, T updated) where T : class
    {
        var columns = ColumnsOf(typeof(T));
        var changed = columns.All.Where(c => !columns.Key.Contains(c) && !Equals(c.Read(original), c.Read(updated))).Select(c => c.Property.Name).ToList();
        if (changed.Count == 0)
        {
            changed.Add(columns.Key[0].Property.Name);
        }
        return changed;
    }

    /// <summary>Sets the named properties of the row by its key, where the <paramref name="expected"/> columns still hold the given values.</summary>
    public async Task<bool> UpdateAsync<T>(T row, IReadOnlyList<string> properties, IReadOnlyList<(string Property, object? Value)> expected, CancellationToken ct)
        where T : class
    {
        await SendDeferredAsync();
        var statement = UpdateStatement<T>(properties, expected);
        Bind(statement, row, expected);
        return await Execute(statement.Command, ct) > 0;
    }

    private (DbCommand Command, Columns Columns, IReadOnlyList<Column> Bound) UpdateStatement<T>(IReadOnlyList<string> properties, IReadOnlyList<(string Property, object? Value)> expected)
    {
        var name = "update:" + string.Join(',', properties) + ":" + string.Join(',', expected.Select(e => e.Property));
        return Statement(typeof(T), name, columns =>
        {
            var set = properties.Select(columns.Named).ToList();
            var bound = set.Concat(columns.Key).ToList();
            var sql = new StringBuilder("UPDATE ").Append(columns.Table).Append(" SET ");
            sql.AppendJoin(", ", set.Select((c, i) => $"{c.Name} = @p{i}"));
            sql.Append(" WHERE ").AppendJoin(" AND ", columns.Key.Select((c, i) => $"{c.Name} = @p{set.Count + i}"));
            foreach (var (property, _) in expected)
            {
                // Null-safe, not =: "still no lease" must match a NULL column too (IS on SQLite, IS NOT DISTINCT FROM on PostgreSQL).
                sql.Append(" AND ").Append(columns.Named(property).Name).Append(' ').Append(nullSafeEquals).Append(" @e_").Append(property);
            }
            return (sql.ToString(), bound);
        });
    }

    private Columns ColumnsOf(Type type) => Mappings.GetOrAdd((db.Model, type), k => Columns.Of(k.Model, k.Type, db.GetService<ISqlGenerationHelper>()));

    private (DbCommand Command, Columns Columns, IReadOnlyList<Column> Bound) Statement(Type type, string name, Func<Columns, (string Sql, IReadOnlyList<Column> Bound)> build)
    {
        var key = (type, name);
        if (!_statements.TryGetValue(key, out var statement))
        {
            var columns = ColumnsOf(type);
            var (sql, bound) = build(columns);
            var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < bound.Count; i++)
            {
                command.Parameters.Add(bound[i].Mapping.CreateParameter(command, "@p" + i, null, bound[i].Property.IsNullable));
            }
            _statements[key] = statement = (command, columns, bound);
        }
        statement.Command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        return statement;
    }

    private static void Bind((DbCommand Command, Columns Columns, IReadOnlyList<Column> Bound) statement, object row, IReadOnlyList<(string Property, object? Value)> expected)
    {
        var parameters = statement.Command.Parameters;
        for (var i = 0; i < statement.Bound.Count; i++)
        {
            parameters[i].Value = statement.Bound[i].Read(row);
        }
        foreach (var (property, value) in expected)
        {
            var name = "@e_" + property;
            var index = parameters.IndexOf(name);
            var parameter = index >= 0 ? parameters[index] : parameters[parameters.Add(statement.Command.CreateParameter())];
            parameter.ParameterName = name;
            parameter.Value = statement.Columns.Named(property).ToProvider(value);
        }
    }

    private async Task<int> Execute(DbCommand command, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            throw new InvalidOperationException("RowWriter runs inside a transaction on an open connection.");
        }
        var affected = await command.ExecuteNonQueryAsync(ct);
        Written++;
        return affected;
    }

    public void Dispose()
    {
        foreach (var (command, _, _) in _statements.Values)
        {
            command.Dispose();
        }
        _statements.Clear();
        _parameterFactory?.Dispose();
    }
}

/// <summary>One compare-and-set update for <see cref="RowWriter.UpdateChangedAllAsync{T}"/>: the row as read, as it should be, and the columns that must still hold the given values.</summary>
public sealed record RowUpdate<T>(T Original, T Updated, IReadOnlyList<(string Property, object? Value)> Expected);
