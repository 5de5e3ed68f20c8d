using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Undb.Data;

/// <summary>How JSON is written to the database: compact, and with non-ASCII text kept as is so searches match it.</summary>
public static class JsonStorage
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(JsonNode node) => node.ToJsonString(Options);
}
