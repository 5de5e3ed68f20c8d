using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>One step of a path: a property name or an array index (negative counts from the end).</summary>
public readonly record struct PathSegment(string? Key, int Index)
{
    public bool IsIndex => Key is null;

    public static PathSegment Property(string key) => new(key, 0);

    public static PathSegment At(int index) => new(null, index);
}

/// <summary>
/// The small subset of JSONPath a mapping needs: <c>$</c>, <c>.name</c>, <c>['quoted key']</c> or <c>["quoted"]</c>,
/// and <c>[0]</c> (or <c>[-1]</c> for the last element). No wildcards or filters: a mapped field takes one value.
/// </summary>
public sealed partial class JsonPath
{
    private JsonPath(IReadOnlyList<PathSegment> segments) => Segments = segments;

    public static JsonPath Root { get; } = new([]);

    public IReadOnlyList<PathSegment> Segments { get; }

    public static JsonPath Parse(string text) =>
        TryParse(text, out var path, out var error) ? path : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out JsonPath? path, [NotNullWhen(false)] out string? error)
    {
        path = null;
        var s = (text ?? "").Trim();
        if (s.Length == 0 || s[0] != '$')
        {
            error = $"'{text}' is not a path; paths start with $ (for example $.customer.email).";
            return false;
        }
        var segments = new List<PathSegment>();
        var i = 1;
        while (i < s.Length)
        {
            if (s[i] == '.')
            {
                var start = ++i;
                while (i < s.Length && s[i] != '.' && s[i] != '[')
                {
                    i++;
                }
                if (i == start)
                {
                    error = $"'{s}' has an empty name at position {start}.";
                    return false;
                }
                segments.Add(PathSegment.Property(s[start..i]));
            }
            else if (s[i] == '[')
            {
                if (!ReadBracket(s, ref i, segments, out error))
                {
                    return false;
                }
            }
            else
            {
                error = $"'{s}' has an unexpected '{s[i]}' at position {i}; use .name, ['name'] or [0].";
                return false;
            }
        }
        path = new JsonPath(segments);
        error = null;
        return true;
    }

    private static bool ReadBracket(string s, ref int i, List<PathSegment> segments, [NotNullWhen(false)] out string? error)
    {
        i++; // '['
        if (i < s.Length && (s[i] == '\'' || s[i] == '"'))
        {
            var quote = s[i++];
            var key = new StringBuilder();
            while (i < s.Length && s[i] != quote)
            {
                if (s[i] == '\\' && i + 1 < s.Length)
                {
                    i++;
                }
                key.Append(s[i++]);
            }
            if (i + 1 >= s.Length || s[i] != quote || s[i + 1] != ']')
            {
                error = $"'{s}' has an unclosed quoted name.";
                return false;
            }
            i += 2;
            segments.Add(PathSegment.Property(key.ToString()));
            error = null;
            return true;
        }
        var close = s.IndexOf(']', i);
        if (close < 0 || !int.TryParse(s.AsSpan(i, close - i), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var index))
        {
            error = $"'{s}' has a bracket that is neither an index like [0] nor a quoted name like ['name'].";
            return false;
        }
        i = close + 1;
        segments.Add(PathSegment.At(index));
        error = null;
        return true;
    }

    /// <summary>The value at this path, or null when any step is missing (missing and JSON null both mean "no value").</summary>
    public JsonNode? Evaluate(JsonNode? root)
    {
        var node = root;
        foreach (var segment in Segments)
        {
            node = Step(node, segment);
            if (node is null)
            {
                return null;
            }
        }
        return node;
    }

    private static JsonNode? Step(JsonNode? node, PathSegment segment) => (node, segment.IsIndex) switch
    {
        (JsonObject obj, false) => obj.TryGetPropertyValue(segment.Key!, out var child) ? child : null,
        (JsonArray array, true) => (segment.Index < 0 ? array.Count + segment.Index : segment.Index) is var i && i >= 0 && i < array.Count ? array[i] : null,
        _ => null,
    };

    public JsonPath Append(PathSegment segment) => new([.. Segments, segment]);

    /// <summary>The last property name along the path (what auto-matching compares with field names).</summary>
    public string? LastKey => Segments.LastOrDefault(s => !s.IsIndex).Key;

    /// <summary>Canonical text: <c>.name</c> for plain names, <c>['odd name']</c> otherwise.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("$");
        foreach (var segment in Segments)
        {
            if (segment.IsIndex)
            {
                sb.Append('[').Append(segment.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(']');
            }
            else if (PlainName().IsMatch(segment.Key!))
            {
                sb.Append('.').Append(segment.Key);
            }
            else
            {
                sb.Append("['").Append(segment.Key!.Replace("\\", "\\\\").Replace("'", "\\'")).Append("']");
            }
        }
        return sb.ToString();
    }

    /// <summary>Normalizes a path's text (<c>$["a"]</c> → <c>$.a</c>); invalid text is returned trimmed, for the caller to report.</summary>
    public static string Normalize(string text) => TryParse(text, out var p, out _) ? p.ToString() : text.Trim();

    [GeneratedRegex(@"^[A-Za-z_$][A-Za-z0-9_$-]*$")]
    private static partial Regex PlainName();
}
