using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Undb.Tests.Infrastructure;

/// <summary>A request body no route may accept: its bytes and the content type it is sent with (null: none).</summary>
public sealed record BadBody(string What, byte[] Bytes, string? ContentType = "application/json")
{
    public static BadBody Json(string what, string json) => new(what, Encoding.UTF8.GetBytes(json));

    public override string ToString() => What;
}

/// <summary>
/// Bad request bodies: a fixed table that is wrong for any route, and, per route, bodies made from the shape it
/// declares (every property given a value of the wrong JSON type, a null item, a lone surrogate, a huge number…).
/// </summary>
public static class BadBodies
{
    private static byte[] WithBytes(string before, byte[] bad, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)];

    /// <summary>Wrong for every route, whatever it expects.</summary>
    public static readonly IReadOnlyList<BadBody> ForAnyRoute =
    [
        BadBody.Json("malformed JSON (cut off)", """{"name":"Deals","fields":[{"name":"""),
        BadBody.Json("not JSON at all", "hello, world"),
        BadBody.Json("two JSON documents", """{"name":"a"} {"name":"b"}"""),
        BadBody.Json("a trailing comma", """{"name":"a",}"""),
        BadBody.Json("JSON null", "null"),
        BadBody.Json("a list of null", "[null]"),
        BadBody.Json("a string instead of an object", "\"Deals\""),
        BadBody.Json("a huge number instead of an object", "1e400"),
        BadBody.Json("nesting deeper than any shape", new string('[', 5000) + new string(']', 5000)),
        BadBody.Json("a lone surrogate in a value", """{"name":"\ud83d","values":{"Deal":"\ud83d"},"deal":"\ud83d","ids":["\ud83d"]}"""),
        BadBody.Json("a lone low surrogate in a nested value", """{"deal":"x","values":{"Deal":"a\udc00b"},"records":[{"values":{"Deal":"a\udc00b"}}]}"""),
        BadBody.Json("a lone surrogate in a property name", """{"\ud800":"x","deal":"x"}"""),
        new("invalid UTF-8 bytes in a value", WithBytes("{\"name\":\"A", [0xC3, 0x28], "\",\"deal\":\"x\",\"values\":{\"Deal\":\"x\"}}")),
        new("a byte that is never UTF-8", WithBytes("{\"deal\":\"x\",\"values\":{\"Deal\":\"x", [0xFF, 0xFE], "\"},\"name\":\"x\"}")),
        new("a form instead of JSON", Encoding.UTF8.GetBytes("name=Deals&deal=x"), "application/x-www-form-urlencoded"),
        new("JSON sent as text/plain", Encoding.UTF8.GetBytes("""{"name":"Deals","deal":"x"}"""), "text/plain"),
    ];

    /// <summary>Wrong only for routes that need a body; a route that takes none is right to accept it.</summary>
    public static readonly IReadOnlyList<BadBody> ForRoutesWithABody =
    [
        new("an empty body", [], "application/json"),
        new("no body and no content type", [], null),
    ];

    /// <summary>Bodies of the route's declared shape with one thing wrong in each.</summary>
    public static IEnumerable<BadBody> ForShape(Type type, JsonSerializerOptions options) =>
        ValuesFor(type, nullable: null, options, depth: 0).Select(v => BadBody.Json(v.What, v.Json));

    private static readonly NullabilityInfoContext Nullability = new();

    private static IEnumerable<(string What, string Json)> ValuesFor(Type type, NullabilityInfo? nullable, JsonSerializerOptions options, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (typeof(JsonNode).IsAssignableFrom(type) || type == typeof(JsonElement))
        {
            // Any JSON is a JSON value; only text that is not Unicode is wrong everywhere.
            yield return ("a lone surrogate", "\"\\ud83d\"");
            yield break;
        }
        if (type == typeof(string))
        {
            yield return ("a number instead of text", "42");
            yield return ("a list instead of text", "[\"a\"]");
            yield return ("a lone surrogate", "\"x\\ud83d\"");
            yield return ("a lone low surrogate", "\"\\udc00\"");
            yield break;
        }
        if (type == typeof(bool))
        {
            yield return ("text instead of true/false", "\"yes\"");
            yield return ("a number instead of true/false", "1");
            yield break;
        }
        if (type.IsPrimitive || type == typeof(decimal))
        {
            yield return ("text instead of a number", "\"many\"");
            yield return ("a number too large for any type", "1e400");
            yield return ("a number too large for a whole number", "99999999999999999999999999999");
            yield return ("a fraction instead of a whole number", "1.5");
            yield break;
        }
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            yield return ("text that is not a date", "\"garbage\"");
            yield return ("a number instead of a date", "1700000000");
            yield return ("an impossible date", "\"2026-02-30T25:61:00Z\"");
            yield break;
        }
        if (depth > 4)
        {
            yield break;
        }
        var info = options.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Enumerable:
            {
                yield return ("an object instead of a list", "{}");
                yield return ("text instead of a list", "\"x\"");
                var element = info.ElementType!;
                var elementNullable = nullable?.ElementType ?? nullable?.GenericTypeArguments.FirstOrDefault();
                if (!element.IsValueType && elementNullable?.ReadState == NullabilityState.NotNull)
                {
                    yield return ("a null item", "[null]");
                }
                foreach (var (what, json) in ValuesFor(element, elementNullable, options, depth + 1))
                {
                    yield return ($"an item with {what}", $"[{json}]");
                }
                break;
            }
            case JsonTypeInfoKind.Dictionary:
            {
                yield return ("a list instead of an object", "[]");
                var valueType = info.ElementType!;
                var valueNullable = nullable?.GenericTypeArguments.ElementAtOrDefault(1);
                if (!valueType.IsValueType && valueNullable?.ReadState == NullabilityState.NotNull)
                {
                    yield return ("a null value", """{"Deal":null}""");
                }
                if (typeof(JsonNode).IsAssignableFrom(valueType))
                {
                    // Record values by field name (the seeded table's fields): each is valid JSON and wrong for its field.
                    yield return ("a number too large for the Value field", """{"Value":1e400}""");
                    yield return ("a lone surrogate for the Deal field", """{"Deal":"\ud83d"}""");
                    yield return ("a date field given garbage", """{"Close":"garbage"}""");
                    yield return ("a field that does not exist", """{"No such field":1}""");
                    break;
                }
                foreach (var (what, json) in ValuesFor(valueType, valueNullable, options, depth + 1))
                {
                    yield return ($"a value with {what}", $$"""{"Deal":{{json}}}""");
                }
                break;
            }
            case JsonTypeInfoKind.Object:
            {
                yield return ("text instead of an object", "\"x\"");
                yield return ("a list instead of an object", "[{}]");
                foreach (var property in info.Properties.Where(p => p.Set is not null || p.AssociatedParameter is not null))
                {
                    var member = property.AttributeProvider switch
                    {
                        PropertyInfo p => Nullability.Create(p),
                        FieldInfo f => Nullability.Create(f),
                        _ => null,
                    };
                    if (!property.PropertyType.IsValueType && member?.WriteState == NullabilityState.NotNull)
                    {
                        yield return ($"{property.Name}: null", $$"""{"{{property.Name}}":null}""");
                    }
                    foreach (var (what, json) in ValuesFor(property.PropertyType, member, options, depth + 1))
                    {
                        yield return ($"{property.Name}: {what}", $$"""{"{{property.Name}}":{{json}}}""");
                    }
                }
                break;
            }
        }
    }
}
