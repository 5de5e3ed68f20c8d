using System.Text.RegularExpressions;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Checks a webhook's settings, collecting every problem under its JSON key for one clear 422.</summary>
public static partial class WebhookRules
{
    public const int MaxNameLength = 200;
    public const int MaxUrlLength = 2048;
    public const int MaxHeaders = 20;
    public const int MaxHeaderValueLength = 2000;

    public static readonly IReadOnlyList<string> Methods = ["POST", "PUT", "PATCH"];

    /// <summary>
    /// Headers a webhook cannot set, each for a reason: the delivery's identity and signatures (<c>webhook-*</c>,
    /// <c>X-Undb-*</c>, checked by prefix as well) must be the engine's; the body is always the JSON payload as signed,
    /// so what describes its type, length, encoding or checksum is the engine's too; and HttpClient owns the
    /// connection (<c>Host</c>, hop-by-hop headers). Every other header that is a valid token with a one-line ASCII
    /// value is sent, including content headers such as <c>Content-Language</c>.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "webhook-id", "webhook-timestamp", "webhook-signature", "User-Agent",
        "Content-Type", "Content-Length", "Content-Encoding", "Content-MD5", "Content-Range", "Transfer-Encoding",
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade", "Expect",
    };

    /// <summary>The engine's own namespace: <c>X-Undb-Signature</c>, <c>X-Undb-Event</c>, <c>X-Undb-Delivery</c> and any it adds later.</summary>
    public const string ReservedPrefix = "X-Undb-";

    public static bool IsReserved(string name) =>
        ReservedHeaders.Contains(name) || name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Why a custom header cannot be sent as given (a sentence to follow its name), or null when it can.</summary>
    public static string? HeaderProblem(string name, string value) => HeaderNameProblem(name) ?? HeaderValueProblem(value);

    /// <summary>What is wrong with a custom header's name (a sentence to follow it), or null.</summary>
    public static string? HeaderNameProblem(string name)
    {
        if (!HeaderName().IsMatch(name))
        {
            return "is not a valid header name: use a token of letters, digits and !#$%&'*+-.^_`|~ (no spaces, colons or accents).";
        }
        if (IsReserved(name))
        {
            return "is set by the webhook engine and cannot be overridden.";
        }
        return null;
    }

    /// <summary>What is wrong with a custom header's value (a sentence to follow the header's name), or null.</summary>
    public static string? HeaderValueProblem(string value)
    {
        if (value.Length > MaxHeaderValueLength)
        {
            return $"has a value longer than {MaxHeaderValueLength} characters.";
        }
        foreach (var c in value)
        {
            if (c > '\x7e')
            {
                return "has a value that is not plain ASCII (no accents, symbols or emoji); encode such text first, for example with percent-encoding.";
            }
            if ((c < ' ' && c != '\t') || c == '\x7f')
            {
                return "has a value that is not one line of text: no line breaks or control characters.";
            }
        }
        return null;
    }

    /// <summary>null: unchanged; otherwise one of <see cref="Templates.PayloadContentTypes.All"/>.</summary>
    public static string? CheckContentType(string? contentType, Dictionary<string, string[]> errors)
    {
        if (contentType is null)
        {
            return null;
        }
        var match = Templates.PayloadContentTypes.All.FirstOrDefault(c => string.Equals(c, contentType.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            errors["contentType"] = [$"contentType must be one of {string.Join(", ", Templates.PayloadContentTypes.All)}."];
        }
        return match;
    }

    /// <summary>
    /// A blank template is none (the standard payload). Otherwise it must parse and render, for each event the webhook
    /// sends, the catalog's example of it; with content type json, into JSON. The error names the event, line and reason.
    /// </summary>
    public static string? CheckTemplate(string? template, string contentType, IReadOnlyList<string> events, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            return null;
        }
        foreach (var name in events.Append(WebhookEvents.Test))
        {
            if (WebhookEventCatalog.Find(name) is not { } info)
            {
                continue;
            }
            if (Templates.PayloadTemplates.Check(template, contentType, (System.Text.Json.Nodes.JsonObject)info.Example.DeepClone()) is { } error)
            {
                errors["payloadTemplate"] = [$"For {name}: {error}"];
                break;
            }
        }
        return template;
    }

    public const int MaxPerSecondLimit = 1000;

    /// <summary>Null or 0: no limit; otherwise 1 to <see cref="MaxPerSecondLimit"/> sends per second.</summary>
    public static int? CheckMaxPerSecond(int? perSecond, Dictionary<string, string[]> errors)
    {
        if (perSecond is null or 0)
        {
            return null;
        }
        if (perSecond is < 1 or > MaxPerSecondLimit)
        {
            errors["maxPerSecond"] = [$"maxPerSecond must be between 1 and {MaxPerSecondLimit} (or 0 / null for no limit)."];
        }
        return perSecond;
    }

    public static string CheckName(string? name, Dictionary<string, string[]> errors)
    {
        var trimmed = (name ?? "").Trim();
        if (trimmed.Length == 0)
        {
            errors["name"] = ["A name is required."];
        }
        else if (trimmed.Length > MaxNameLength)
        {
            errors["name"] = [$"A name can be at most {MaxNameLength} characters."];
        }
        return trimmed;
    }

    public static string CheckUrl(string? url, bool allowPrivateNetworks, Dictionary<string, string[]> errors)
    {
        if (WebhookUrls.Validate(url, allowPrivateNetworks, out var uri) is { } error)
        {
            errors["url"] = [error];
            return url ?? "";
        }
        return uri!.AbsoluteUri;
    }

    public static string CheckMethod(string? method, Dictionary<string, string[]> errors)
    {
        var upper = (method ?? "POST").Trim().ToUpperInvariant();
        if (!Methods.Contains(upper))
        {
            errors["method"] = [$"Use one of {string.Join(", ", Methods)}."];
        }
        return upper;
    }

    /// <summary>The events a webhook subscribes to; the alert events only for a <paramref name="workspace"/> webhook.</summary>
    public static List<string> CheckEvents(IReadOnlyList<string>? events, Dictionary<string, string[]> errors, bool workspace = false)
    {
        var result = new List<string>();
        IReadOnlyList<string> allowed = workspace ? [.. WebhookEvents.All, .. WebhookEvents.Alerts] : WebhookEvents.All;
        if (events is null || events.Count == 0)
        {
            errors["events"] = [$"Choose at least one event: {string.Join(", ", allowed)}."];
            return result;
        }
        for (var i = 0; i < events.Count; i++)
        {
            var match = allowed.FirstOrDefault(e => string.Equals(e, events[i]?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                errors[$"events[{i}]"] = [WebhookEvents.Alerts.Contains(events[i]?.Trim() ?? "", StringComparer.OrdinalIgnoreCase)
                    ? $"'{events[i]}' is an alert about other webhooks: only a workspace webhook (tableId null) can subscribe to it."
                    : $"'{events[i]}' is not an event; use {string.Join(", ", allowed)}."];
            }
            else if (!result.Contains(match))
            {
                result.Add(match);
            }
        }
        return result;
    }

    public static Dictionary<string, string> CheckHeaders(IReadOnlyDictionary<string, string>? headers, Dictionary<string, string[]> errors)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (headers is null)
        {
            return result;
        }
        if (headers.Count > MaxHeaders)
        {
            errors["headers"] = [$"At most {MaxHeaders} custom headers."];
        }
        foreach (var (rawName, rawValue) in headers)
        {
            var name = rawName.Trim();
            var value = (rawValue ?? "").Trim();
            var key = $"headers.{name}";
            if (HeaderProblem(name, value) is { } problem)
            {
                errors[key] = [$"'{name}' {problem}"];
            }
            else if (!result.TryAdd(name, value))
            {
                errors[key] = ["This header is given more than once."];
            }
        }
        return result;
    }

    /// <summary>Throws when anything was collected: 400 for a request that makes no sense, 422 for settings that cannot be used (the default).</summary>
    public static void ThrowIfAny(Dictionary<string, string[]> errors, string title, int status = StatusCodes.Status422UnprocessableEntity)
    {
        if (errors.Count > 0)
        {
            throw new BadRequestException(errors.Count == 1 ? errors.First().Value[0] : title, errors, status);
        }
    }

    /// <summary>An HTTP token (RFC 9110, 5.6.2), at most 100 characters.</summary>
    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")]
    private static partial Regex HeaderName();
}
