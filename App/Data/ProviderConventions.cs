using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Undb.Data;

/// <summary>
/// The one provider-specific place of the model: how dates and record values are stored and how JSON values inside a
/// record are read, so that every query over records means the same on SQLite and on PostgreSQL.
/// </summary>
public static class ProviderConventions
{
    public static void Configure(ModelConfigurationBuilder builder, DatabaseFacade database)
    {
        if (database.IsSqlite())
        {
            // SQLite has no date type EF can compare or order by; a 64-bit binary form is both sortable and exact. It
            // keeps clock time and offset, so every time is turned to UTC first: 15:00+02:00 is stored, and compared
            // (parameters go through the same conversion), as 13:00Z.
            builder.Properties<DateTimeOffset>().HaveConversion<UtcBinaryConverter>();
        }
        else if (database.IsNpgsql())
        {
            // timestamptz stores an instant; Npgsql writes only UTC offsets, so every time is turned to UTC on the way in.
            builder.Properties<DateTimeOffset>().HaveConversion<UtcConverter>();
        }
    }

    private sealed class UtcConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(v => v.ToUniversalTime(), v => v);

    /// <summary>UTC, then EF's binary form (values stored before were UTC already, so they read back unchanged).</summary>
    private sealed class UtcBinaryConverter : ValueConverter<DateTimeOffset, long>
    {
        private static readonly ValueConverter Composed = new UtcConverter().ComposeWith(new DateTimeOffsetToBinaryConverter());

        public UtcBinaryConverter()
            : base(
                (System.Linq.Expressions.Expression<Func<DateTimeOffset, long>>)Composed.ConvertToProviderExpression,
                (System.Linq.Expressions.Expression<Func<long, DateTimeOffset>>)Composed.ConvertFromProviderExpression)
        {
        }
    }

    public static void MapFunctions(ModelBuilder builder, DatabaseFacade database)
    {
        if (database.IsNpgsql())
        {
            MapPostgresFunctions(builder);
            return;
        }
        // Arguments do not "propagate nullability": a missing member yields NULL from a non-null document, and saying
        // otherwise lets EF rewrite "json_extract(...) IS NULL" to "Data IS NULL", which is never true.
        SqlFunctionExpression Extract(string function, IReadOnlyList<SqlExpression> args, Type type) =>
            new(function, args, nullable: true, argumentsPropagateNullability: [false, false], type, null);
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Value))!)
            .HasTranslation(args => Extract("json_extract", args, typeof(string)));
        // The same extraction typed as a number, so comparisons with a numeric parameter compare numbers, not text.
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Number))!)
            .HasTranslation(args => Extract("json_extract", args, typeof(double)));
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Remove))!)
            .HasTranslation(args => Extract("json_remove", args, typeof(string)));
        // NOCASE folds ASCII letters, as lower() does on PostgreSQL.
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.SortText))!)
            .HasTranslation(args => new CollateExpression(Extract("json_extract", args, typeof(string)), "NOCASE"));
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Matches))!)
            .HasTranslation(args => new SqlFunctionExpression(
                "like", [args[1], args[0], new SqlFragmentExpression("'\\'")], nullable: true, argumentsPropagateNullability: [true, true, false], typeof(bool), null));
    }

    /// <summary>
    /// On PostgreSQL record values are <c>jsonb</c>; the functions are SQL functions created by the first migration
    /// (<c>undb_json_text</c>, <c>undb_json_number</c>, <c>undb_json_remove</c>: see Postgres/PostgresFunctions.cs), which
    /// read the member named by the same <c>$."fld_x"</c> path and answer as SQLite's json functions do.
    /// </summary>
    private static void MapPostgresFunctions(ModelBuilder builder)
    {
        // PostgreSQL's SQL generator needs a type mapping on every expression it orders or compares by.
        var text = new StringTypeMapping("text", System.Data.DbType.String);
        var jsonb = new StringTypeMapping("jsonb", System.Data.DbType.String);
        var number = new DoubleTypeMapping("double precision");
        var boolean = new BoolTypeMapping("boolean");
        // Compared and sorted byte by byte (COLLATE "C"), as SQLite compares text, whatever the database's collation:
        // under en-US, "2026-11-22T10:00" would sort after "2026-11-22~", and a date filter would miss its own day.
        SqlExpression Value(IReadOnlyList<SqlExpression> args) => new CollateExpression(
            new SqlFunctionExpression("undb_json_text", args, nullable: true, argumentsPropagateNullability: [false, false], typeof(string), text), "C");
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Value))!).HasTranslation(Value);
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Number))!)
            .HasTranslation(args => new SqlFunctionExpression(
                "undb_json_number", args, nullable: true, argumentsPropagateNullability: [false, false], typeof(double), number));
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Remove))!)
            .HasTranslation(args => new SqlFunctionExpression(
                "undb_json_remove", args, nullable: true, argumentsPropagateNullability: [false, false], typeof(string), jsonb));
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.SortText))!)
            .HasTranslation(args => new SqlFunctionExpression(
                "lower", [Value(args)], nullable: true, argumentsPropagateNullability: [true], typeof(string), text));
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Matches))!)
            .HasTranslation(args => new SqlFunctionExpression(
                "undb_matches", args, nullable: true, argumentsPropagateNullability: [true, true], typeof(bool), boolean));
    }
}

/// <summary>Functions usable inside LINQ queries over records.</summary>
public static class JsonFunctions
{
    /// <summary>The value at a JSON path (<c>$."fld_x"</c>) inside a JSON column; numbers stay numbers for ordering.</summary>
    public static string? Value(string json, string path) =>
        throw new InvalidOperationException("JsonFunctions.Value runs only inside a database query.");

    /// <summary>The number at a JSON path, or null; true/false read as 1/0.</summary>
    public static double? Number(string json, string path) =>
        throw new InvalidOperationException("JsonFunctions.Number runs only inside a database query.");

    /// <summary>The JSON document without the member at the path (used in bulk UPDATEs when a field is deleted).</summary>
    public static string Remove(string json, string path) =>
        throw new InvalidOperationException("JsonFunctions.Remove runs only inside a database query.");

    /// <summary>The value at a JSON path as a text that sorts ignoring case (ASCII letters), like SQLite's NOCASE.</summary>
    public static string? SortText(string json, string path) =>
        throw new InvalidOperationException("JsonFunctions.SortText runs only inside a database query.");

    /// <summary>
    /// Whether the text matches a LIKE pattern (<c>%</c>, <c>_</c>, escaped with a backslash), ignoring the case of
    /// ASCII letters on every engine (SQLite's LIKE does; PostgreSQL's needs ILIKE). The text may be a whole record's
    /// JSON (a cheap pre-check over the stored document).
    /// </summary>
    public static bool Matches(string? text, string pattern) =>
        throw new InvalidOperationException("JsonFunctions.Matches runs only inside a database query.");

    public static string FieldPath(string fieldId) => "$.\"" + fieldId + "\"";
}
