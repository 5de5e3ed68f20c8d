using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
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
public sealed class RowWriter(DbContext db, string nullSafeEquals) : IDisposable
{
    private static readonly ConcurrentDictionary<(IModel Model, Type Type), Columns> Mappings = new();
    private readonly Dictionary<(Type, string), (DbCommand Command, Columns Columns, IReadOnlyList<Column> Bound)> _statements = [];

    /// <summary>Rows written through this writer so far.</summary>
    public int Written { get; private set; }

    /// <summary>Inserts the row, every mapped column.</summary>
    public async Task InsertAsync(object row, CancellationToken ct)
    {
        var statement = Statement(row.GetType(), "insert", columns => (columns.InsertSql, columns.All));
        Bind(statement, row, []);
        await Execute(statement.Command, ct);
    }

    /// <summary>
    /// Inserts the rows, every mapped column. Where the connection batches statements (PostgreSQL), all of them go to
    /// the server in one round trip instead of one each: a write adds its record, its outbox deliveries and its request
    /// log together, and on a server across a socket the round trips were most of a write's time (docs/benchmarks.md).
    /// In-process SQLite has no round trips to save and inserts them one by one through the prepared statements.
    /// </summary>
    public async Task InsertAllAsync(IReadOnlyList<object> rows, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        if (rows.Count < 2 || !connection.CanCreateBatch)
        {
            foreach (var row in rows)
            {
                await InsertAsync(row, ct);
            }
            return;
        }
        using var batch = connection.CreateBatch();
        batch.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        _parameterFactory ??= connection.CreateCommand();
        foreach (var row in rows)
        {
            var columns = ColumnsOf(row.GetType());
            var command = batch.CreateBatchCommand();
            command.CommandText = columns.InsertSql;
            for (var i = 0; i < columns.All.Count; i++)
            {
                var column = columns.All[i];
                // Made empty (the mapping sets the provider's type) and then given the value already converted for the provider.
                var parameter = column.Mapping.CreateParameter(_parameterFactory, "@p" + i, null, column.Property.IsNullable);
                parameter.Value = column.Read(row);
                command.Parameters.Add(parameter);
            }
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
        Written += rows.Count;
    }

    /// <summary>Only makes parameters (with the provider's types, e.g. jsonb) for batched statements; never executed.</summary>
    private DbCommand? _parameterFactory;

    /// <summary>
    /// Writes the columns in which <paramref name="updated"/> differs from <paramref name="original"/> (what SaveChanges
    /// would write for a changed entity), by key, and only where the <paramref name="expected"/> columns still hold the
    /// given values: a compare-and-set. Returns whether the row matched (and so was updated).
    /// </summary>
    public async Task<bool> UpdateChangedAsync<T>(T original, T updated, IReadOnlyList<(string Property, object? Value)> expected, CancellationToken ct)
        where T : class
    {
        var columns = ColumnsOf(typeof(T));
        var changed = columns.All.Where(c => !columns.Key.Contains(c) && !Equals(c.Read(original), c.Read(updated))).Select(c => c.Property.Name).ToList();
        if (changed.Count == 0)
        {
            changed.Add(columns.Key[0].Property.Name); // nothing to write, but whether the row still matches is still the answer
        }
        return await UpdateAsync(updated, changed, expected, ct);
    }

    /// <summary>Sets the named properties of the row by its key, where the <paramref name="expected"/> columns still hold the given values.</summary>
    public async Task<bool> UpdateAsync<T>(T row, IReadOnlyList<string> properties, IReadOnlyList<(string Property, object? Value)> expected, CancellationToken ct)
        where T : class
    {
        var name = "update:" + string.Join(',', properties) + ":" + string.Join(',', expected.Select(e => e.Property));
        var statement = Statement(typeof(T), name, columns =>
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
        Bind(statement, row, expected);
        return await Execute(statement.Command, ct) > 0;
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

    private sealed record Column(IProperty Property, string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter)
    {
        public object Read(object row) => ToProvider(Getter.GetClrValueUsingContainingEntity(row));

        public object ToProvider(object? value) =>
            (value is null ? null : Mapping.Converter is { } converter ? converter.ConvertToProvider(value) : value) ?? DBNull.Value;
    }

    /// <summary>The columns of one entity type's table, quoted, with their type mappings.</summary>
    private sealed record Columns(string Table, IReadOnlyList<Column> All, IReadOnlyList<Column> Key)
    {
        /// <summary>The INSERT of every column, built once per model and type.</summary>
        public string InsertSql { get; } = new StringBuilder("INSERT INTO ").Append(Table).Append(" (")
            .AppendJoin(", ", All.Select(c => c.Name)).Append(") VALUES (")
            .AppendJoin(", ", All.Select((_, i) => "@p" + i)).Append(')').ToString();

        public Column Named(string property) => All.FirstOrDefault(c => c.Property.Name == property)
            ?? throw new ArgumentException($"'{property}' is not a mapped property.", nameof(property));

        public static Columns Of(IModel model, Type type, ISqlGenerationHelper sql)
        {
            var entity = model.FindEntityType(type) ?? throw new ArgumentException($"{type.Name} is not mapped.", nameof(type));
            var tableName = entity.GetTableName() ?? throw new ArgumentException($"{type.Name} is not mapped to a table.", nameof(type));
            var table = StoreObjectIdentifier.Table(tableName, entity.GetSchema());
            var all = entity.GetProperties().Select(p => p.IsShadowProperty()
                    ? throw new NotSupportedException($"{type.Name}.{p.Name} is a shadow property; RowWriter writes only CLR properties.")
                    : new Column(p, sql.DelimitIdentifier(p.GetColumnName(table)!), p.GetRelationalTypeMapping(), p.GetGetter()))
                .ToList();
            var key = entity.FindPrimaryKey()!.Properties.Select(p => all.First(c => c.Property == p)).ToList();
            return new Columns(sql.DelimitIdentifier(tableName, entity.GetSchema()), all, key);
        }
    }
}
