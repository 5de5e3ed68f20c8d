using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Undb.Infrastructure;

/// <summary>Times in the API and in payloads are UTC with milliseconds and a Z: <c>2026-11-22T15:35:20.006Z</c>.</summary>
public sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>What a caller is told when a date is not one; the API's error mapping adds where.</summary>
    public const string Expected = "a date and time such as 2026-11-22T15:35:20Z";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // A JsonException (not a FormatException) is what the serializer turns into "this value, at this path".
        if (reader.TokenType != JsonTokenType.String
            || !DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            throw new JsonException("must be " + Expected);
        }
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Text(value));

    public static string Text(DateTimeOffset value) => value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);
}

public static class JsonDefaults
{
    /// <summary>The API's serializer options: UTC times, no nulls written, and request types checked as they are read (<see cref="RequestShape"/>).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new UtcDateTimeOffsetConverter());
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(RequestShape.AddChecks);
    }
}
