using System.Text;
using System.Text.Json;

namespace Undb.Infrastructure;

/// <summary>Where a JSON text goes wrong (<c>$.values.Deal</c>) and what is wrong there, in words for the sender.</summary>
public sealed record JsonTextError(string Path, string Message, bool IsSyntax = false)
{
    public override string ToString() => Path == "$" ? Message : $"At {Path}: {Message}";
}

/// <summary>
/// Checks that bytes are one well-formed JSON document whose strings and property names are all valid Unicode. The JSON
/// reader itself lets invalid UTF-8 and unpaired surrogate escapes (<c>"\ud83d"</c>) through until someone reads that
/// string, which may be deep in the app (a mapping, a database write, a webhook payload); checking once at the edge
/// turns them into a 400 that names the place.
/// </summary>
public static class JsonText
{
    /// <summary>The same limit System.Text.Json applies when binding, so what passes here can be bound.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The first problem in the text, or null. It sits on the ingest endpoint's path, so a clean document costs one
    /// reader pass and no allocation: property names are kept as positions and only decoded to describe an error.
    /// </summary>
    public static JsonTextError? FindError(ReadOnlySpan<byte> json)
    {
        if (json.StartsWith(Encoding.UTF8.Preamble))
        {
            json = json[Encoding.UTF8.Preamble.Length..];
        }
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        var path = new PathTracker();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        path.Value();
                        path.Enter(reader.TokenType == JsonTokenType.StartArray);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.Leave();
                        break;
                    case JsonTokenType.PropertyName:
                        if (!IsValidText(ref reader))
                        {
                            path.Property("?");
                            return new JsonTextError(path.Describe(json), InvalidText("A property name"));
                        }
                        if (reader.ValueIsEscaped)
                        {
                            path.Property(reader.GetString()!);
                        }
                        else
                        {
                            // The name's bytes follow the opening quote.
                            path.Property((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
                        }
                        break;
                    case JsonTokenType.String:
                        path.Value();
                        if (!IsValidText(ref reader))
                        {
                            return new JsonTextError(path.Describe(json), InvalidText("The text"));
                        }
                        break;
                    default:
                        path.Value();
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            return new JsonTextError(path.Describe(json), Syntax(ex), IsSyntax: true);
        }
        return null;
    }

    /// <summary>The reader's own words for a syntax error, without its "LineNumber: 0 | BytePositionInLine: 12." tail.</summary>
    public static string Syntax(JsonException ex)
    {
        var message = ex.Message;
        var tail = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (tail < 0)
        {
            tail = message.IndexOf(" Path:", StringComparison.Ordinal);
        }
        if (tail >= 0)
        {
            message = message[..tail];
        }
        var where = ex.LineNumber is { } line && ex.BytePositionInLine is { } position ? $" (line {line + 1}, byte {position + 1})" : "";
        return $"The body is not valid JSON: {message.TrimEnd()}{where}";
    }

    private static string InvalidText(string what) =>
        $"{what} is not valid Unicode: it has bytes that are not UTF-8, or an unpaired surrogate escape such as \\ud83d. Send UTF-8 text; escape characters beyond U+FFFF as a pair (\\ud83d\\ude00).";

    /// <summary>Whether the current string or property name is valid Unicode once unescaped.</summary>
    private static bool IsValidText(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return System.Text.Unicode.Utf8.IsValid(reader.ValueSpan);
        }
        // Unescaped, the text has no more UTF-16 units than its escaped form has bytes.
        var length = reader.ValueSpan.Length;
        char[]? rented = null;
        var buffer = length <= 256 ? stackalloc char[256] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(length));
        try
        {
            return IsValidUtf16(buffer[..reader.CopyString(buffer)]);
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8, or an unpaired surrogate escape, which the reader refuses to unescape.
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>No unpaired surrogate: what .NET strings allow but UTF-8 (and so JSON, SQLite, receivers) cannot carry.</summary>
    public static bool IsValidUtf16(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The JSON path of the reader's position, as <c>$.records[3].values.Deal</c>.</summary>
    private sealed class PathTracker
    {
        /// <summary>An array frame counts its items; an object frame holds its current member: a name, or where its bytes are.</summary>
        private readonly List<(bool IsArray, int Index, string? Name, int NameStart, int NameLength)> _frames = [];

        public void Enter(bool isArray) => _frames.Add((isArray, -1, null, 0, -1));

        public void Leave() => _frames.RemoveAt(_frames.Count - 1);

        public void Property(string name) => _frames[^1] = (false, -1, name, 0, -1);

        public void Property(int start, int length) => _frames[^1] = (false, -1, null, start, length);

        /// <summary>A value starts: in an array, that is the next index.</summary>
        public void Value()
        {
            if (_frames.Count > 0 && _frames[^1].IsArray)
            {
                _frames[^1] = _frames[^1] with { Index = _frames[^1].Index + 1 };
            }
        }

        public string Describe(ReadOnlySpan<byte> json)
        {
            var sb = new StringBuilder("$");
            foreach (var (isArray, index, name, start, length) in _frames)
            {
                if (isArray && index >= 0)
                {
                    sb.Append('[').Append(index).Append(']');
                }
                else if (!isArray && (name ?? (length >= 0 ? Encoding.UTF8.GetString(json.Slice(start, length)) : null)) is { } member)
                {
                    sb.Append(JsonPathText.Member(member));
                }
            }
            return sb.ToString();
        }
    }
}

/// <summary>How a member name appears in a JSON path: <c>.name</c>, or <c>['odd key']</c> when it is not a plain name.</summary>
public static class JsonPathText
{
    public static string Member(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0])
            ? "." + name
            : "['" + name.Replace("\\", "\\\\").Replace("'", "\\'") + "']";

    /// <summary>A path below its parent's: <c>$.fields[0]</c> + <c>.name</c>.</summary>
    public static string Combine(string? parent, string fragment) => (string.IsNullOrEmpty(parent) ? "$" : parent) + fragment;

    /// <summary>The error key for a path, as ASP.NET validation names it: <c>$.fields[0].name</c> → <c>fields[0].name</c>.</summary>
    public static string Key(string path) => path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
