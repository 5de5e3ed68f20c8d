using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Undb.Data;

/// <summary>
/// The one provider-specific place: how dates are stored and how JSON values inside a record are read.
/// A PostgreSQL port changes this file (jsonb operators, native timestamptz) and nothing else.
/// </summary>
public static class ProviderConventions
{
    public static void Configure(ModelConfigurationBuilder builder, DatabaseFacade database)
    {
        if (database.IsSqlite())
        {
            // SQLite has no date type EF can compare or order by; a 64-bit binary form is both sortable and exact.
            builder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
    }

    /// <summary>The collation that orders text ignoring case (numbers still order as numbers).</summary>
    public const string CaseInsensitiveCollation = "NOCASE";

    public static void MapFunctions(ModelBuilder builder)
    {
        // Arguments do not "propagate nullability": a missing member yields NULL from a non-null document, and saying
        // otherwise lets EF rewrite "json_extract(...) IS NULL" to "Data IS NULL", which is never true.
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Value))!)
            .HasTranslation(args => new SqlFunctionExpression(
                "json_extract", args, nullable: true, argumentsPropagateNullability: [false, false], typeof(string), null));
        // The same extraction typed as a number, so comparisons with a numeric parameter compare numbers, not text.
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Number))!)
            .HasTranslation(args => new SqlFunctionExpression(
                "json_extract", args, nullable: true, argumentsPropagateNullability: [false, false], typeof(double), null));
        builder.HasDbFunction(typeof(JsonFunctions).GetMethod(nameof(JsonFunctions.Remove))!)
            .HasTranslation(args => new SqlFunctionExpression(
                "json_remove", args, nullable: true, argumentsPropagateNullability: [false, false], typeof(string), null));
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

    public static string FieldPath(string fieldId) => "$.\"" + fieldId + "\"";
}
