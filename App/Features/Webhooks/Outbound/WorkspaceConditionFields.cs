using System.Text.Json.Nodes;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// What a workspace webhook's condition can test: the same on every table, whatever its fields. Text-valued, by name.
/// <c>changedBy</c> (who made the change: the member, or the API token's owner) is the one that stops an integration's
/// own writes from coming back to it: <c>changedBy isNot bot@example.com</c>.
/// </summary>
public static class WorkspaceConditionFields
{
    public const string TableName = "tableName";
    public const string ChangedBy = "changedBy";
    public const string CreatedBy = "createdBy";

    public static readonly IReadOnlyList<string> All = [TableName, ChangedBy, CreatedBy];

    /// <summary>The system fields as a table of text fields (id = name), for the condition builder and checks.</summary>
    public static readonly TableSnapshot Table = new("", "Every table", All.Select((name, i) => new FieldEntity
    {
        Id = name,
        TableId = "",
        Name = name,
        Type = FieldType.Text,
        Order = i,
    }).ToList());

    /// <summary>The system field <paramref name="name"/> is (any case), by its canonical name; null when it is none.</summary>
    public static string? Canonical(string? name) => All.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Its value for one change.</summary>
    public static JsonNode? Value(string name, RecordChange change, TableSnapshot table, UserRef? actor) => name switch
    {
        TableName => table.Name,
        ChangedBy => actor?.Username,
        CreatedBy => change.Record.CreatedBy?.Username,
        _ => null,
    };
}
