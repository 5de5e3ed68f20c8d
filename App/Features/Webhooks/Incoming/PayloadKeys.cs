using System.Text.Json;
using System.Text.Json.Nodes;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>One key of a sample payload, as the mapping dialog lists it: its path, depth in the tree and a short preview.</summary>
public sealed record PayloadKey(string Path, string Label, int Depth, JsonValueKind Kind, string Preview)
{
    /// <summary>A value a field can take (not an object; lists count, for multiple select).</summary>
    public bool IsLeaf => Kind is not JsonValueKind.Object;
}

/// <summary>Extracts the keys of a sample payload and matches them to fields by name.</summary>
public static class PayloadKeys
{
    /// <summary>Elements of a list shown in the tree: enough to see its shape, not a thousand rows.</summary>
    public const int ListedElements = 3;

    public static IReadOnlyList<PayloadKey> Extract(JsonNode? root)
    {
        var keys = new List<PayloadKey>();
        Walk(root, JsonPath.Root, "$", 0, keys);
        return keys;
    }

    private static void Walk(JsonNode? node, JsonPath path, string label, int depth, List<PayloadKey> keys)
    {
        var kind = node?.GetValueKind() ?? JsonValueKind.Null;
        if (depth > 0)
        {
            keys.Add(new PayloadKey(path.ToString(), label, depth, kind, Preview(node)));
        }
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    Walk(child, path.Append(PathSegment.Property(name)), name, depth + 1, keys);
                }
                break;
            case JsonArray array:
                for (var i = 0; i < Math.Min(array.Count, ListedElements); i++)
                {
                    Walk(array[i], path.Append(PathSegment.At(i)), $"[{i}]", depth + 1, keys);
                }
                break;
        }
    }

    public static string Preview(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => $"{{…}} {o.Count} key{(o.Count == 1 ? "" : "s")}",
        JsonArray a => $"[…] {a.Count} item{(a.Count == 1 ? "" : "s")}",
        _ => Shorten(node.ToJsonString(Data.JsonStorage.Options)),
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : string.Concat(s.AsSpan(0, 39), "…");

    /// <summary>Names compared ignoring case, spaces, underscores and dashes: "First name" = "first_name" = "firstName".</summary>
    public static string NormalizeName(string name) =>
        new(name.Where(c => c is not (' ' or '_' or '-')).Select(char.ToLowerInvariant).ToArray());

    /// <summary>
    /// The path a field most likely maps to: a leaf whose key has the field's name, the shallowest first; failing that,
    /// a leaf whose last keys together spell it (<c>Contact email</c> ↔ <c>$.lead.contact.email</c>), the fewest keys first.
    /// </summary>
    public static string? BestMatch(FieldEntity field, IReadOnlyList<PayloadKey> keys)
    {
        var name = NormalizeName(field.Name);
        var candidates = keys
            .Where(k => k.IsLeaf && !k.Label.StartsWith('['))
            .Where(k => k.Kind != JsonValueKind.Array || field.Type == FieldType.MultiSelect)
            .ToList();
        return candidates.Where(k => NormalizeName(k.Label) == name).OrderBy(k => k.Depth).Select(k => k.Path).FirstOrDefault()
            ?? candidates
                .Select(k => (k.Path, Keys: TrailingKeysSpelling(k.Path, name)))
                .Where(m => m.Keys > 0)
                .OrderBy(m => m.Keys)
                .Select(m => m.Path)
                .FirstOrDefault();
    }

    /// <summary>How many of the path's last property names, joined, spell <paramref name="name"/> (normalized); 0 when none do.</summary>
    private static int TrailingKeysSpelling(string path, string name)
    {
        if (!JsonPath.TryParse(path, out var parsed, out _))
        {
            return 0;
        }
        var joined = "";
        var count = 0;
        foreach (var segment in parsed.Segments.Reverse())
        {
            if (segment.IsIndex)
            {
                continue;
            }
            joined = NormalizeName(segment.Key!) + joined;
            count++;
            if (joined == name)
            {
                return count;
            }
            if (joined.Length >= name.Length)
            {
                return 0;
            }
        }
        return 0;
    }

    /// <summary>Keys for a mapping with a records path: those of the first element, relative to it.</summary>
    public static IReadOnlyList<PayloadKey> ForRecords(JsonNode? sample, string? recordsPath)
    {
        if (string.IsNullOrWhiteSpace(recordsPath) || !JsonPath.TryParse(recordsPath, out var path, out _))
        {
            return Extract(sample);
        }
        var target = path.Evaluate(sample);
        return Extract(target is JsonArray array ? array.FirstOrDefault() : target);
    }

    /// <summary>The field type a value suggests when the user creates a field from a key.</summary>
    public static FieldType SuggestType(JsonNode? value)
    {
        switch (value?.GetValueKind())
        {
            case JsonValueKind.Number:
                return FieldType.Number;
            case JsonValueKind.True or JsonValueKind.False:
                return FieldType.Checkbox;
            case JsonValueKind.String:
                var s = value.GetValue<string>();
                if (ValueCoercer.NormalizeDate(s.Trim()) is not null)
                {
                    return FieldType.Date;
                }
                if (ValueCoercer.TryCoerce(new FieldEntity { TableId = "", Name = "", Type = FieldType.Email }, value, out _) is null)
                {
                    return FieldType.Email;
                }
                if (Uri.TryCreate(s, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                {
                    return FieldType.Url;
                }
                return s.Length > 200 || s.Contains('\n') ? FieldType.LongText : FieldType.Text;
            default:
                return FieldType.Text;
        }
    }

    /// <summary>Candidates for the records path: lists of objects, the payload itself included when it is one.</summary>
    public static IReadOnlyList<string> RecordListPaths(JsonNode? root)
    {
        var paths = new List<string>();
        if (root is JsonArray { Count: > 0 } top && top[0] is JsonObject)
        {
            paths.Add(JsonPath.Root.ToString());
        }
        foreach (var key in Extract(root).Where(k => k.Kind == JsonValueKind.Array && !k.Path.EndsWith(']')))
        {
            if (JsonPath.Parse(key.Path).Evaluate(root) is JsonArray { Count: > 0 } list && list[0] is JsonObject)
            {
                paths.Add(key.Path);
            }
        }
        return paths;
    }
}
