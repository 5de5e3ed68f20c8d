using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Undb.Components.Shared;
using Undb.Data;

namespace Undb.Features.Webhooks.Incoming.Components;

/// <summary>How the incoming-webhook UI words times, sizes and payloads.</summary>
public static class IncomingFormat
{
    private static readonly JsonSerializerOptions Indented = new(JsonStorage.Options) { WriteIndented = true };

    /// <summary>"just now", "5 s ago", "3 min ago", "2 h ago", "4 days ago"; "never" without a time.</summary>
    public static string Relative(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is null)
        {
            return "never";
        }
        var ago = now - time.Value;
        return ago switch
        {
            { TotalSeconds: < 5 } => "just now",
            { TotalMinutes: < 1 } => $"{(int)ago.TotalSeconds} s ago",
            { TotalHours: < 1 } => $"{(int)ago.TotalMinutes} min ago",
            { TotalDays: < 1 } => $"{(int)ago.TotalHours} h ago",
            { TotalDays: < 2 } => "yesterday",
            _ => $"{(int)ago.TotalDays} days ago",
        };
    }

    /// <summary>A time in UTC, in the app's one format, for plain-text places; on screen use <c>&lt;LocalTime&gt;</c> or <see cref="ViewerTime.Both"/>.</summary>
    public static string Absolute(DateTimeOffset time) => ViewerTime.Unknown.Utc(time);

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes / (1024.0 * 1024):0.#} MB",
    };

    /// <summary>The payload indented for reading; text that is not JSON is shown as it came.</summary>
    public static string Pretty(string? payload)
    {
        if (string.IsNullOrEmpty(payload))
        {
            return "";
        }
        try
        {
            return JsonNode.Parse(payload)?.ToJsonString(Indented) ?? "null";
        }
        catch (JsonException)
        {
            return payload;
        }
    }

    public static string Pretty(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";

    /// <summary>
    /// What a request did to records, from its answer: 200 means an upsert updated them all; 201 that it created them,
    /// or with an upsert key, that it created at least one (the log does not keep which were which), so "written".
    /// </summary>
    public static string RecordsWritten(int count, int status, bool upsert) =>
        $"{count} record{(count == 1 ? "" : "s")} " + (status == 200 ? "updated" : upsert ? "written" : "created");

    public static MudBlazor.Color StatusColor(int status) => status switch
    {
        < 300 => MudBlazor.Color.Success,
        429 or 503 => MudBlazor.Color.Warning,
        _ => MudBlazor.Color.Error,
    };

    /// <summary>The public URL of a webhook: the configured base, else the address the browser uses.</summary>
    public static string HookUrl(IncomingWebhooksOptions options, string browserBaseUri, string id) =>
        IncomingWebhooksApi.HookUrl(string.IsNullOrWhiteSpace(options.PublicBaseUrl) ? browserBaseUri : options.PublicBaseUrl, id);
}
