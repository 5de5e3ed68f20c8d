using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Undb.Features.Tables;

/// <summary>
/// Turns an incoming JSON value into the stored form for a field type, leniently where the meaning is unambiguous
/// (<c>"1200"</c> for a number, <c>"true"</c> for a checkbox, a choice's name in any case) and rejecting the rest.
/// </summary>
public static partial class ValueCoercer
{
    public const int MaxTextLength = 10_000;
    public const int MaxLongTextLength = 100_000;

    /// <summary>Coerces <paramref name="input"/>; null output means "no value". Returns an error message or null.</summary>
    public static string? TryCoerce(FieldEntity field, JsonNode? input, out JsonNode? value)
    {
        value = null;
        if (!IsValidText(input))
        {
            return "is not valid Unicode text (it has an unpaired surrogate or bytes that are not UTF-8)";
        }
        if (IsEmpty(input))
        {
            return field.Required ? "is required" : null;
        }

        var error = field.Type switch
        {
            FieldType.Text => CoerceText(input!, MaxTextLength, out value),
            FieldType.LongText => CoerceText(input!, MaxLongTextLength, out value),
            FieldType.Number => CoerceNumber(input!, out value),
            FieldType.Checkbox => CoerceCheckbox(input!, out value),
            FieldType.SingleSelect => CoerceSingleSelect(field, input!, out value),
            FieldType.MultiSelect => CoerceMultiSelect(field, input!, out value),
            FieldType.Date => CoerceDate(input!, out value),
            FieldType.Email => CoerceEmail(input!, out value),
            FieldType.Url => CoerceUrl(input!, out value),
            _ => "has an unknown type",
        };
        if (error is null && field.Required && IsEmpty(value))
        {
            return "is required";
        }
        return error;
    }

    /// <summary>
    /// False when a string in the value cannot become UTF-8: an unpaired surrogate, or (in a value still backed by the
    /// request's bytes) invalid UTF-8. Stored, it would break every later read, payload and export of the record.
    /// </summary>
    public static bool IsValidText(JsonNode? node)
    {
        switch (node)
        {
            case JsonArray array:
                return array.All(IsValidText);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                try
                {
                    return Infrastructure.JsonText.IsValidUtf16(v.GetValue<string>());
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            default:
                return true;
        }
    }

    /// <summary>No value: missing, null, an empty or blank string, an empty array.</summary>
    public static bool IsEmpty(JsonNode? node) => node switch
    {
        null => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => string.IsNullOrWhiteSpace(v.GetValue<string>()),
        JsonArray a => a.Count == 0,
        _ => false,
    };

    private static string? CoerceText(JsonNode input, int maxLength, out JsonNode? value)
    {
        value = null;
        string text;
        switch (input.GetValueKind())
        {
            case JsonValueKind.String:
                text = input.GetValue<string>();
                break;
            case JsonValueKind.Number:
                text = input.ToJsonString();
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                text = input.GetValue<bool>() ? "true" : "false";
                break;
            default:
                return $"expects text, got {Describe(input)}";
        }
        if (text.Length > maxLength)
        {
            return $"is too long ({text.Length:N0} characters; the limit is {maxLength:N0})";
        }
        value = JsonValue.Create(text);
        return null;
    }

    private static string? CoerceNumber(JsonNode input, out JsonNode? value)
    {
        value = null;
        decimal number;
        switch (input.GetValueKind())
        {
            case JsonValueKind.Number:
                if (!decimal.TryParse(input.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                {
                    return $"is out of range ({input.ToJsonString()})";
                }
                break;
            case JsonValueKind.String:
                var s = input.GetValue<string>().Trim();
                if (!decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                {
                    return $"expects a number, got \"{Truncate(s)}\"";
                }
                break;
            default:
                return $"expects a number, got {Describe(input)}";
        }
        value = JsonValue.Create(Normalize(number));
        return null;
    }

    /// <summary>Drops trailing zeros so 1200.50 and 1200.5 are the same value.</summary>
    public static decimal Normalize(decimal d) => d / 1.000000000000000000000000000000000m;

    /// <summary>
    /// A checkbox's value from a word whose meaning is plain: true/false, yes/no, y/n, on/off (an HTML form's ticked
    /// box sends "on"), 1/0, x, checked/unchecked, ✓; in any case. Null for anything else. CSV import reads the same words.
    /// </summary>
    public static bool? CheckboxWord(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "y" or "on" or "1" or "x" or "checked" or "✓" => true,
        "false" or "no" or "n" or "off" or "0" or "unchecked" => false,
        _ => null,
    };

    private static string? CoerceCheckbox(JsonNode input, out JsonNode? value)
    {
        value = null;
        switch (input.GetValueKind())
        {
            case JsonValueKind.True:
            case JsonValueKind.False:
                value = JsonValue.Create(input.GetValue<bool>());
                return null;
            case JsonValueKind.Number when input.AsValue().TryGetValue<decimal>(out var n) && n is 0 or 1:
                value = JsonValue.Create(n == 1);
                return null;
            case JsonValueKind.String:
                var s = input.GetValue<string>().Trim();
                if (CheckboxWord(s) is { } b)
                {
                    value = JsonValue.Create(b);
                    return null;
                }
                return $"expects true or false, got \"{Truncate(s)}\"";
            default:
                return $"expects true or false, got {Describe(input)}";
        }
    }

    private static string? CoerceSingleSelect(FieldEntity field, JsonNode input, out JsonNode? value)
    {
        value = null;
        if (input.GetValueKind() != JsonValueKind.String)
        {
            return $"expects one of {ChoiceList(field)}, got {Describe(input)}";
        }
        var choice = MatchChoice(field, input.GetValue<string>());
        if (choice is null)
        {
            return $"expects one of {ChoiceList(field)}, got \"{Truncate(input.GetValue<string>())}\"";
        }
        value = JsonValue.Create(choice);
        return null;
    }

    private static string? CoerceMultiSelect(FieldEntity field, JsonNode input, out JsonNode? value)
    {
        value = null;
        // Not `array : [input]`: that collection expression takes the other branch's type, a JsonArray, whose Add
        // throws for a value that already sits in a document (a payload's single "tags": "cold" answered 500).
        IEnumerable<JsonNode?> items = input is JsonArray array ? array : new[] { input };
        var chosen = new List<string>();
        foreach (var item in items)
        {
            if (item is null || item.GetValueKind() != JsonValueKind.String)
            {
                return $"expects a list of choices from {ChoiceList(field)}, got {Describe(item)}";
            }
            var choice = MatchChoice(field, item.GetValue<string>());
            if (choice is null)
            {
                return $"expects choices from {ChoiceList(field)}, got \"{Truncate(item.GetValue<string>())}\"";
            }
            if (!chosen.Contains(choice))
            {
                chosen.Add(choice);
            }
        }
        value = chosen.Count == 0 ? null : new JsonArray(chosen.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
        return null;
    }

    private static string? CoerceDate(JsonNode input, out JsonNode? value)
    {
        value = null;
        if (input.GetValueKind() != JsonValueKind.String)
        {
            return $"expects an ISO 8601 date such as 2026-11-22 or 2026-11-22T15:35:20Z, got {Describe(input)}";
        }
        var s = input.GetValue<string>().Trim();
        var normalized = NormalizeDate(s);
        if (normalized is null)
        {
            return $"expects an ISO 8601 date such as 2026-11-22 or 2026-11-22T15:35:20Z, got \"{Truncate(s)}\"";
        }
        value = JsonValue.Create(normalized);
        return null;
    }

    /// <summary>A date-only value stays <c>yyyy-MM-dd</c>; a date and time becomes UTC <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    public static string? NormalizeDate(string s)
    {
        var match = IsoDate().Match(s);
        if (!match.Success)
        {
            return null;
        }
        if (!match.Groups["time"].Success)
        {
            return DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : null;
        }
        var styles = DateTimeStyles.AllowWhiteSpaces | (match.Groups["zone"].Success ? DateTimeStyles.None : DateTimeStyles.AssumeUniversal);
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, styles, out var dto)
            ? dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : null;
    }

    private static string? CoerceEmail(JsonNode input, out JsonNode? value)
    {
        value = null;
        if (input.GetValueKind() != JsonValueKind.String)
        {
            return $"expects an email address, got {Describe(input)}";
        }
        var s = input.GetValue<string>().Trim();
        if (s.Length > 254 || !Email().IsMatch(s))
        {
            return $"expects an email address such as name@example.com, got \"{Truncate(s)}\"";
        }
        value = JsonValue.Create(s);
        return null;
    }

    private static string? CoerceUrl(JsonNode input, out JsonNode? value)
    {
        value = null;
        if (input.GetValueKind() != JsonValueKind.String)
        {
            return $"expects a URL, got {Describe(input)}";
        }
        var s = input.GetValue<string>().Trim();
        if (s.Length > 2048 || !Uri.TryCreate(s, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            return $"expects an absolute http(s) URL such as https://example.com, got \"{Truncate(s)}\"";
        }
        value = JsonValue.Create(s);
        return null;
    }

    private static string? MatchChoice(FieldEntity field, string candidate)
    {
        var trimmed = candidate.Trim();
        return field.Choices.FirstOrDefault(c => string.Equals(c, trimmed, StringComparison.Ordinal))
            ?? field.Choices.FirstOrDefault(c => string.Equals(c, trimmed, StringComparison.OrdinalIgnoreCase));
    }

    private static string ChoiceList(FieldEntity field) =>
        field.Choices.Count == 0 ? "its choices (none are defined yet)" : string.Join(", ", field.Choices.Select(c => $"\"{c}\""));

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => node.ToJsonString(),
        JsonValueKind.Number => node.ToJsonString(),
        JsonValueKind.String => $"\"{Truncate(node.GetValue<string>())}\"",
        _ => "an unsupported value",
    };

    private static string Truncate(string s) => s.Length <= 60 ? s : string.Concat(s.AsSpan(0, 57), "…");

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(?<time>[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(?<zone>Z|[+-]\d{2}:?\d{2})?)?$", RegexOptions.IgnoreCase)]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"^[^@\s""<>]+@[^@\s""<>]+\.[^@\s""<>.]+$")]
    private static partial Regex Email();
}
