using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Tables;

namespace Undb.Tests.TestSupport;

/// <summary>Creates tables for tests through the real TableService.</summary>
public static class TablesSeed
{
    /// <summary>A "Deals" table with one field of every type; Deal is required.</summary>
    public static Task<TableSnapshot> DealsAsync(IServiceProvider services, string? name = null) =>
        services.GetRequiredService<TableService>().CreateAsync(name ?? "Deals " + Guid.NewGuid().ToString("N")[..6],
        [
            new FieldSpec("Deal", FieldType.Text, Required: true),
            new FieldSpec("Notes", FieldType.LongText),
            new FieldSpec("Value", FieldType.Number),
            new FieldSpec("Won", FieldType.Checkbox),
            new FieldSpec("Stage", FieldType.SingleSelect, Choices: ["Lead", "Discovery", "Won", "Lost"]),
            new FieldSpec("Tags", FieldType.MultiSelect, Choices: ["hot", "cold", "vip"]),
            new FieldSpec("Close", FieldType.Date),
            new FieldSpec("Contact", FieldType.Email),
            new FieldSpec("Site", FieldType.Url),
        ], actorId: null);

    /// <summary>Record values from a JSON object, keyed as written (field names or ids).</summary>
    public static IReadOnlyDictionary<string, JsonNode?> Values(string json) =>
        JsonNode.Parse(json)!.AsObject().ToDictionary(p => p.Key, p => p.Value?.DeepClone());

    public static RecordInput Input(string json) => new(Values(json));
}
