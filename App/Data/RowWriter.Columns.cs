using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Undb.Data;

/// <summary>What <see cref="RowWriter"/> knows of a mapped table, read once per model and type from the EF model.</summary>
public sealed partial class RowWriter
{
    private sealed record Column(IProperty Property, string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter)
    {
        public object Read(object row) => ToProvider(Getter.GetClrValueUsingContainingEntity(row));

        public object ToProvider(object? value) =>
            (value is null ? null : Mapping.Converter is { } converter ? converter.ConvertToProvider(value) : value) ?? DBNull.Value;

        /// <summary>The type of an array of this column's values as sent to the database (nullable where the column is).</summary>
        public Type ArrayElementType { get; } = Property.IsNullable && (Mapping.Converter?.ProviderClrType ?? Mapping.ClrType) is { IsValueType: true } t && Nullable.GetUnderlyingType(t) is null
            ? typeof(Nullable<>).MakeGenericType(t)
            : Mapping.Converter?.ProviderClrType ?? Mapping.ClrType;
    }

    /// <summary>The columns of one entity type's table, quoted, with their type mappings.</summary>
    /// <param name="References">The entity types this one has foreign keys to.</param>
    private sealed record Columns(Type Type, string Table, IReadOnlyList<Column> All, IReadOnlyList<Column> Key, IReadOnlyList<Type> References)
    {
        /// <summary>
        /// The INSERT of any number of rows from one array parameter per column (<c>@p0</c>, <c>@p1</c>, … in column
        /// order), each cast to an array of the column's type: PostgreSQL's <c>unnest</c> turns them back into rows.
        /// </summary>
        public string InsertFromArraysSql { get; } = new StringBuilder("INSERT INTO ").Append(Table).Append(" (")
            .AppendJoin(", ", All.Select(c => c.Name)).Append(") SELECT * FROM unnest(")
            .AppendJoin(", ", All.Select((c, i) => $"@p{i}::{c.Mapping.StoreType}[]")).Append(')').ToString();

        /// <summary>The INSERT of one row, parameters <c>@p0</c>, <c>@p1</c>, … in column order.</summary>
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
            var references = entity.GetForeignKeys().Select(f => f.PrincipalEntityType.ClrType).Distinct().ToList();
            return new Columns(type, sql.DelimitIdentifier(tableName, entity.GetSchema()), all, key, references);
        }
    }
}
