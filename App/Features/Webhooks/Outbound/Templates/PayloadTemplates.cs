using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid;
using Fluid.Values;

namespace Undb.Features.Webhooks.Outbound.Templates;

/// <summary>How a templated body is sent.</summary>
public static class PayloadContentTypes
{
    public const string Json = "json";
    public const string Text = "text";
    public const string Form = "form";

    public static readonly IReadOnlyList<string> All = [Json, Text, Form];

    public static string MediaType(string? contentType) => contentType switch
    {
        Text => "text/plain",
        Form => "application/x-www-form-urlencoded",
        _ => "application/json",
    };
}

/// <summary>A template that did not parse or render: where and why.</summary>
public sealed class PayloadTemplateException(string message) : Exception(message);

/// <summary>
/// Payload templates in Liquid (Fluid): the body is rendered from the event a webhook would otherwise receive as
/// JSON. Variables: the payload's own (<c>id</c>, <c>name</c>, <c>timestamp</c>, <c>operatorId</c>, <c>sequence</c>,
/// <c>event</c>) and, for convenience, the event's (<c>tableId</c>, <c>tableName</c>, <c>record</c>, <c>records</c>,
/// <c>previous</c>). Filters: Liquid's own (<c>date</c>, <c>truncate</c>, <c>size</c>, …) and <c>json</c>, which writes
/// any value as JSON (a string with its quotes and escapes), so a JSON template stays valid whatever a record holds.
/// Parsed templates are cached by their text; rendering is bounded in steps, so a template cannot spin.
/// </summary>
public static partial class PayloadTemplates
{
    [System.Text.RegularExpressions.GeneratedRegex(@"\((\d+):(\d+)\)")]
    private static partial System.Text.RegularExpressions.Regex Position();

    private static readonly FluidParser Parser = new();
    /// <summary>JSON as a chat service shows it: non-ASCII text as is (still escaped where JSON requires).</summary>
    private static readonly JsonSerializerOptions JsonOut = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly TemplateOptions Options = CreateOptions();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Cache = new(StringComparer.Ordinal);
    private const int MaxCached = 1000;
    public const int MaxLength = 20_000;

    /// <summary>Most characters a rendered body may have.</summary>
    public const int MaxOutput = 1_000_000;

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            MaxSteps = 100_000,
            MaxRecursion = 20,
            StrictFilters = true,
            TimeZone = TimeZoneInfo.Utc,
            CultureInfo = CultureInfo.InvariantCulture,
        };
        options.Filters.AddFilter("json", static (input, _, context) =>
            new ValueTask<FluidValue>(new StringValue(JsonSerializer.Serialize(ToClr(input, context), JsonOut), false)));
        return options;
    }

    /// <summary>Parses <paramref name="source"/>, or throws with the line and the reason.</summary>
    public static IFluidTemplate Parse(string source)
    {
        if (Cache.TryGetValue(source, out var cached))
        {
            return cached;
        }
        if (!Parser.TryParse(source, out var template, out var error))
        {
            // Fluid ends its message with the place, "… at (line:column)"; said in words first.
            var at = Position().Match(error ?? "");
            var where = at.Success ? $"line {at.Groups[1].Value}, column {at.Groups[2].Value}: " : "";
            throw new PayloadTemplateException($"The template does not parse at {where}{error}");
        }
        if (Cache.Count < MaxCached)
        {
            Cache.TryAdd(source, template);
        }
        return template;
    }

    /// <summary>Renders the template over a payload as the engine built it; throws <see cref="PayloadTemplateException"/> when it cannot.</summary>
    public static string Render(string source, JsonObject payload)
    {
        var template = Parse(source);
        var context = new TemplateContext(Options);
        foreach (var (key, value) in payload)
        {
            context.SetValue(key, FluidValue.Create(ToModel(value), Options));
        }
        if (payload["event"] is JsonObject evt)
        {
            foreach (var key in (string[])["tableId", "tableName", "record", "records", "previous"])
            {
                if (evt[key] is { } value)
                {
                    context.SetValue(key, FluidValue.Create(ToModel(value), Options));
                }
            }
        }
        try
        {
            var body = template.Render(context, NullEncoder.Default);
            return body.Length <= MaxOutput ? body : throw new PayloadTemplateException($"The template renders more than {MaxOutput:N0} characters.");
        }
        catch (PayloadTemplateException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new PayloadTemplateException($"The template does not render: {ex.Message}");
        }
    }

    /// <summary>Renders from the stored payload text (a delivery's).</summary>
    public static string Render(string source, string payloadJson) =>
        Render(source, JsonNode.Parse(payloadJson) as JsonObject ?? throw new PayloadTemplateException("The event is not a JSON object."));

    /// <summary>
    /// Checks a template before it is saved: it parses, renders for <paramref name="sample"/>, and with content type
    /// JSON the result is JSON. Returns the error to show, or null.
    /// </summary>
    public static string? Check(string? source, string contentType, JsonObject sample)
    {
        if (source is null)
        {
            return null;
        }
        if (source.Length > MaxLength)
        {
            return $"A template can be at most {MaxLength:N0} characters.";
        }
        try
        {
            var body = Render(source, sample);
            if (contentType == PayloadContentTypes.Json)
            {
                try
                {
                    using var _ = JsonDocument.Parse(body);
                }
                catch (JsonException ex)
                {
                    return $"The template renders invalid JSON (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1} of the rendered body): {ex.Message.Split(" LineNumber")[0]} "
                        + "Write values with the json filter, e.g. {{ record.Deal | json }}, or choose the text content type.";
                }
            }
            return null;
        }
        catch (PayloadTemplateException ex)
        {
            return ex.Message;
        }
    }

    private static object? ToModel(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToModel(p.Value)),
        JsonArray a => a.Select(ToModel).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? d : double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => node.ToJsonString(),
    };

    /// <summary>A Liquid value back to plain .NET, for the json filter.</summary>
    private static object? ToClr(FluidValue value, TemplateContext context) => value switch
    {
        NilValue or EmptyValue or BlankValue => null,
        BooleanValue b => b.ToBooleanValue(),
        NumberValue n => n.ToNumberValue(),
        StringValue s => s.ToStringValue(),
        ArrayValue a => a.Values.Select(v => ToClr(v, context)).ToList(),
        // An object (a record, previous, event): Fluid holds it as an indexable of FluidValues.
        _ when value.ToObjectValue() is IFluidIndexable o => o.Keys.ToDictionary(k => k, k => o.TryGetValue(k, out var v) ? ToClr(v, context) : null),
        _ => Plain(value.ToObjectValue(), context),
    };

    private static object? Plain(object? value, TemplateContext context) => value switch
    {
        FluidValue f => ToClr(f, context),
        IDictionary<string, object?> d => d.ToDictionary(p => p.Key, p => Plain(p.Value, context)),
        IEnumerable<object?> list when value is not string => list.Select(v => Plain(v, context)).ToList(),
        _ => value,
    };
}
