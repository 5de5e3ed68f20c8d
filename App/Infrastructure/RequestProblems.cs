using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Undb.Infrastructure;

/// <summary>
/// Problem details for request bodies and parameters the framework could not read. Its own messages name .NET types
/// ("could not be converted to System.String", "Failed to bind parameter \"int? limit\""), so none is passed on: the
/// answer says where (<c>fields[0].required</c>) and what was expected there in JSON terms, worked out from the route's
/// declared body type.
/// </summary>
public static partial class RequestProblems
{
    public const string InvalidTitle = "The request is not valid.";

    public static ProblemDetails FromJson(JsonException exception, HttpContext? context)
    {
        if (exception is RequestShapeException shape)
        {
            var key = JsonPathText.Key(JsonPathText.Combine(exception.Path, shape.Fragment));
            return Validation(key, $"'{key}' {shape.Message}.");
        }
        if (exception.InnerException?.GetType().Name == "JsonReaderException")
        {
            return new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = "The request body is not valid JSON.", Detail = JsonText.Syntax(exception) };
        }
        // A value of the wrong JSON type, or of the right one that does not fit (a date that is none, a number too big).
        var path = exception.Path ?? "$";
        var invalidText = exception.InnerException?.Message.Contains("UTF-", StringComparison.Ordinal) == true;
        var expected = Expected(context, path) ?? "a value of another type";
        if (path == "$")
        {
            return Validation("body", invalidText ? "The body is not valid Unicode text." : $"The body must be {expected}.");
        }
        var name = JsonPathText.Key(path);
        return Validation(name, invalidText ? $"'{name}' is not valid Unicode text." : $"'{name}' must be {expected}.");
    }

    public static ProblemDetails FromBadRequest(BadHttpRequestException exception, HttpContext? context)
    {
        if (exception.InnerException is JsonException json)
        {
            return FromJson(json, context);
        }
        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return UnsupportedMediaType();
        }
        var message = exception.Message;
        if (message.Contains("no body was provided", StringComparison.Ordinal) || (message.StartsWith("Required parameter", StringComparison.Ordinal) && message.EndsWith("from body.", StringComparison.Ordinal)))
        {
            return MissingBody(context);
        }
        var parameter = QuotedParameter().Match(message);
        if (parameter.Success && message.StartsWith("Failed to bind parameter", StringComparison.Ordinal))
        {
            var name = parameter.Groups["name"].Value;
            var value = parameter.Groups["value"].Value;
            return Validation(name, $"'{name}' must be {Describe(parameter.Groups["type"].Value)}, not \"{value}\".");
        }
        if (parameter.Success && message.StartsWith("Required parameter", StringComparison.Ordinal))
        {
            var name = parameter.Groups["name"].Value;
            return Validation(name, $"'{name}' is required.");
        }
        if (exception.InnerException is IOException)
        {
            return new ProblemDetails { Status = exception.StatusCode, Title = InvalidTitle, Detail = "The request body ended before it was complete." };
        }
        return new ProblemDetails { Status = exception.StatusCode, Title = InvalidTitle, Detail = "The request could not be read. Check its parameters and body against the API documentation." };
    }

    public static ProblemDetails UnsupportedMediaType() => new()
    {
        Status = StatusCodes.Status415UnsupportedMediaType,
        Title = "Unsupported media type",
        Detail = "Send the body as JSON with 'Content-Type: application/json'.",
    };

    public static ProblemDetails MissingBody(HttpContext? context)
    {
        var expected = context is null ? null : Expected(context, "$");
        return Validation("body", $"This route needs a JSON body: {expected ?? "an object"}.");
    }

    public static HttpValidationProblemDetails Validation(string key, string message) => new(new Dictionary<string, string[]> { [key] = [message] })
    {
        Status = StatusCodes.Status400BadRequest,
        Title = InvalidTitle,
        Detail = message,
    };

    /// <summary>What the route's body has at this JSON path, in JSON terms; null when the path leads nowhere known.</summary>
    public static string? Expected(HttpContext? context, string path)
    {
        // Inside the exception handler the request's endpoint has been cleared; the handler's feature keeps it.
        var endpoint = context?.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint ?? context?.GetEndpoint();
        if (context is null || endpoint is null || BodyType(endpoint) is not { } root)
        {
            return null;
        }
        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var type = root;
        foreach (var (member, index) in Segments(path))
        {
            var info = options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
            if (index is not null && info.Kind == JsonTypeInfoKind.Enumerable)
            {
                type = info.ElementType!;
            }
            else if (member is not null && info.Kind == JsonTypeInfoKind.Dictionary)
            {
                type = info.ElementType!;
            }
            else if (member is not null && info.Kind == JsonTypeInfoKind.Object
                && info.Properties.FirstOrDefault(p => string.Equals(p.Name, member, StringComparison.OrdinalIgnoreCase)) is { } property)
            {
                type = property.PropertyType;
            }
            else
            {
                return null;
            }
        }
        return Describe(type, options);
    }

    /// <summary>The JSON shape a route declares: its body parameter, or the <c>Accepts&lt;T&gt;</c> it states when it binds raw JSON.</summary>
    private static Type? BodyType(Endpoint endpoint)
    {
        var declared = endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>().Select(a => a.RequestType).OfType<Type>().ToList();
        return declared.FirstOrDefault(t => !typeof(JsonNode).IsAssignableFrom(t)) ?? declared.FirstOrDefault();
    }

    private static string Describe(Type type, JsonSerializerOptions options)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (Primitive(type) is { } primitive)
        {
            return primitive;
        }
        if (typeof(JsonNode).IsAssignableFrom(type))
        {
            return "a JSON value";
        }
        return options.GetTypeInfo(type).Kind switch
        {
            JsonTypeInfoKind.Enumerable => "a list (a JSON array)",
            JsonTypeInfoKind.Dictionary or JsonTypeInfoKind.Object => "an object",
            _ => "a value of another type",
        };
    }

    private static string? Primitive(Type type) => type switch
    {
        _ when type == typeof(string) => "text (a JSON string)",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) => "a whole number from -2147483648 to 2147483647",
        _ when type == typeof(long) => "a whole number",
        _ when type == typeof(double) || type == typeof(decimal) || type == typeof(float) => "a number",
        _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => UtcDateTimeOffsetConverter.Expected,
        _ => null,
    };

    /// <summary>The C# type text of a parameter in a framework message ("int?", "DateTimeOffset?") in JSON terms.</summary>
    private static string Describe(string csharpType) => csharpType.TrimEnd('?') switch
    {
        "int" or "Int32" => "a whole number",
        "long" or "Int64" => "a whole number",
        "bool" or "Boolean" => "true or false",
        "double" or "decimal" or "Double" or "Decimal" => "a number",
        "DateTimeOffset" or "DateTime" => UtcDateTimeOffsetConverter.Expected,
        _ => "a valid value",
    };

    /// <summary>The steps of a System.Text.Json path: <c>$.fields[0]['odd key']</c> → (fields), [0], (odd key).</summary>
    private static IEnumerable<(string? Member, int? Index)> Segments(string path)
    {
        foreach (Match m in PathSegment().Matches(path))
        {
            if (m.Groups["index"].Success)
            {
                yield return (null, int.Parse(m.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                yield return (m.Groups["name"].Success ? m.Groups["name"].Value : m.Groups["quoted"].Value.Replace("\\'", "'"), null);
            }
        }
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>(?:[^'\\]|\\.)*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathSegment();

    /// <summary><c>"int? limit" from "abc"</c>: the parameter's type, name and, when given, the value.</summary>
    [GeneratedRegex("\"(?<type>[^\"]*?)\\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)\"(?: from \"(?<value>[^\"]*)\")?")]
    private static partial Regex QuotedParameter();
}
