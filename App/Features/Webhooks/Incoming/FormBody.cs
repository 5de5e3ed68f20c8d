using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>A form body turned into JSON, or why it could not be (<see cref="Status"/>: 400 malformed, 415 a file).</summary>
public sealed record FormJson(JsonObject? Json, int Status = 200, string? Title = null, string? Error = null);

/// <summary>
/// Form posts (<c>application/x-www-form-urlencoded</c>, <c>multipart/form-data</c>) as a JSON object, so they are
/// mapped, logged and captured exactly like JSON: a repeated key becomes an array (so does <c>a[]</c>), and
/// <c>a[b][c]</c> nests objects. Values stay strings; the mapping coerces them by field type. Files are refused for now.
/// </summary>
public static class FormBody
{
    public const string UrlEncoded = "application/x-www-form-urlencoded";
    public const string Multipart = "multipart/form-data";

    /// <summary>Whether <paramref name="contentType"/> is a form this endpoint reads.</summary>
    public static bool IsForm(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals(UrlEncoded, StringComparison.OrdinalIgnoreCase) || media.MediaType.Equals(Multipart, StringComparison.OrdinalIgnoreCase));

    public static async Task<FormJson> ParseAsync(ReadOnlyMemory<byte> body, string contentType, CancellationToken ct)
    {
        var media = MediaTypeHeaderValue.Parse(contentType);
        var fields = new List<KeyValuePair<string, string>>();
        if (media.MediaType.Equals(UrlEncoded, StringComparison.OrdinalIgnoreCase))
        {
            var reader = new FormReader(Encoding.UTF8.GetString(body.Span));
            while (await reader.ReadNextPairAsync(ct) is { } pair)
            {
                fields.Add(pair);
            }
            return new FormJson(ToJson(fields));
        }

        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary))
        {
            return new FormJson(null, 400, "Malformed form", "The multipart/form-data body has no boundary in its Content-Type.");
        }
        try
        {
            using var stream = new MemoryStream(body.ToArray(), writable: false);
            var multipart = new MultipartReader(boundary, stream);
            while (await multipart.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data"))
                {
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition())
                {
                    var file = HeaderUtilities.RemoveQuotes(disposition.FileName.HasValue ? disposition.FileName : disposition.FileNameStar).Value;
                    return new FormJson(null, 415, "Unsupported media type",
                        $"The form carries a file ('{name}': {file}); incoming webhooks take form fields only, not files, for now. Send the fields without the file.");
                }
                using var text = new StreamReader(section.Body, Encoding.UTF8);
                fields.Add(new(name, await text.ReadToEndAsync(ct)));
            }
        }
        catch (IOException ex)
        {
            return new FormJson(null, 400, "Malformed form", $"The multipart/form-data body cannot be read: {ex.Message}");
        }
        return new FormJson(ToJson(fields));
    }

    /// <summary>The fields, in order, as one JSON object.</summary>
    public static JsonObject ToJson(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var root = new JsonObject();
        foreach (var (key, value) in fields)
        {
            var (segments, forceArray) = Split(key);
            Add(root, segments, forceArray, value, key);
        }
        return root;
    }

    /// <summary><c>a[b][c]</c> → a, b, c; a trailing <c>[]</c> asks for an array. A key that is not of that shape is taken whole.</summary>
    private static (List<string> Segments, bool ForceArray) Split(string key)
    {
        var open = key.IndexOf('[');
        if (open <= 0 || !key.EndsWith(']'))
        {
            return ([key], false);
        }
        var segments = new List<string> { key[..open] };
        var rest = key.AsSpan(open);
        var forceArray = false;
        while (rest.Length > 0)
        {
            var close = rest.IndexOf(']');
            if (rest[0] != '[' || close < 0 || rest[1..close].IndexOfAny('[', ']') >= 0)
            {
                return ([key], false);
            }
            var name = rest[1..close].ToString();
            rest = rest[(close + 1)..];
            if (name.Length == 0)
            {
                if (rest.Length > 0)
                {
                    return ([key], false); // a[][b]: positions are not meaningful in a form; keep the key as sent
                }
                forceArray = true;
            }
            else
            {
                segments.Add(name);
            }
        }
        return (segments, forceArray);
    }

    private static void Add(JsonObject root, List<string> segments, bool forceArray, string value, string key)
    {
        var parent = root;
        for (var i = 0; i < segments.Count - 1; i++)
        {
            switch (parent[segments[i]])
            {
                case JsonObject child:
                    parent = child;
                    break;
                case null when !parent.ContainsKey(segments[i]):
                    var created = new JsonObject();
                    parent[segments[i]] = created;
                    parent = created;
                    break;
                default:
                    // "a=1&a[b]=2": a is already a value; keep the nested one under its own key rather than lose either.
                    Set(root, key, value, forceArray);
                    return;
            }
        }
        Set(parent, segments[^1], value, forceArray);
    }

    private static void Set(JsonObject parent, string name, string value, bool forceArray)
    {
        if (!parent.TryGetPropertyValue(name, out var existing))
        {
            parent[name] = forceArray ? new JsonArray(value) : JsonValue.Create(value);
            return;
        }
        switch (existing)
        {
            case JsonArray array:
                array.Add(value);
                break;
            case JsonValue:
                parent[name] = new JsonArray(existing.DeepClone(), value);
                break;
            default:
                parent[name + "[]"] = value; // an object already there: the value goes beside it, under the key as sent
                break;
        }
    }
}
