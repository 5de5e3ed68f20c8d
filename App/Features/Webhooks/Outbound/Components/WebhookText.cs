using System.Text.Json;
using Undb.Components.Shared;
using System.Text.Json.Nodes;

namespace Undb.Features.Webhooks.Outbound.Components;

/// <summary>How the webhooks UI words and formats things, in one place so the panel, history and detail agree.</summary>
public static class WebhookText
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Bodies and headers: monospace, wrapped, scrolling when long.</summary>
    public const string CodeStyle = "font-family:monospace;font-size:12px;white-space:pre-wrap;word-break:break-all;max-height:320px;overflow:auto;background:var(--mud-palette-background-gray);padding:8px;border-radius:4px;margin:0";

    public static string OperatorLabel(string op) => op switch
    {
        ConditionOperators.Is => "is",
        ConditionOperators.IsNot => "is not",
        ConditionOperators.Contains => "contains",
        ConditionOperators.NotContains => "does not contain",
        ConditionOperators.Gt => ">",
        ConditionOperators.Gte => "≥",
        ConditionOperators.Lt => "<",
        ConditionOperators.Lte => "≤",
        ConditionOperators.IsEmpty => "is empty",
        ConditionOperators.IsNotEmpty => "is not empty",
        _ => op,
    };

    /// <summary>A condition in words, fields by name (the API's form): "Stage is Won and Amount > 1000; only when Stage changes".</summary>
    public static string? ConditionSummary(WebhookCondition? condition)
    {
        var filters = (condition?.Filters ?? []).Select(f => f.Value is null || !ConditionOperators.TakesValue(f.Operator)
            ? $"{f.Field} {OperatorLabel(f.Operator)}"
            : $"{f.Field} {OperatorLabel(f.Operator)} {(f.Value is JsonValue v && v.TryGetValue<string>(out var text) ? text : f.Value.ToJsonString())}").ToList();
        var parts = new List<string>();
        if (filters.Count > 0)
        {
            parts.Add(string.Join(condition!.IsAny ? " or " : " and ", filters));
        }
        if (condition?.ChangedFields is { Count: > 0 } watched)
        {
            parts.Add($"only when {string.Join(" or ", watched)} change{(watched.Count == 1 ? "s" : "")}");
        }
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    public static MudBlazor.Color StatusColor(string? status) => status switch
    {
        "succeeded" => MudBlazor.Color.Success,
        "failed" => MudBlazor.Color.Error,
        "pending" => MudBlazor.Color.Warning,
        "held" => MudBlazor.Color.Secondary,
        "inFlight" => MudBlazor.Color.Info,
        _ => MudBlazor.Color.Default,
    };

    /// <summary>2xx is success; anything else (a redirect included, since webhooks do not follow them) or no answer is failure.</summary>
    public static MudBlazor.Color HttpColor(int? status) => status is >= 200 and < 300 ? MudBlazor.Color.Success : MudBlazor.Color.Error;

    /// <summary>A time in UTC, in the app's one format, for plain-text places; on screen use <c>&lt;LocalTime&gt;</c> (the viewer's zone).</summary>
    public static string Time(DateTimeOffset? at) => at is { } t ? ViewerTime.Unknown.Utc(t) : "—";

    public static string Duration(double? ms) => ms switch
    {
        null => "—",
        < 1000 => $"{ms:0} ms",
        _ => $"{ms / 1000:0.0#} s",
    };

    /// <summary>JSON indented for reading; anything that is not JSON comes back as it was.</summary>
    public static string Pretty(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return body ?? "";
        }
        try
        {
            return JsonNode.Parse(body)?.ToJsonString(Indented) ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    public static string Headers(IReadOnlyDictionary<string, string> headers) =>
        string.Join("\n", headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).Select(h => $"{h.Key}: {h.Value}"));
}
