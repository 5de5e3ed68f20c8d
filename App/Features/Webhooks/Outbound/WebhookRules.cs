using System.Text.RegularExpressions;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Checks a webhook's settings, collecting every problem under its JSON key for one clear 400.</summary>
public static partial class WebhookRules
{
    public const int MaxNameLength = 200;
    public const int MaxUrlLength = 2048;
    public const int MaxHeaders = 20;
    public const int MaxHeaderValueLength = 2000;

    public static readonly IReadOnlyList<string> Methods = ["POST", "PUT", "PATCH"];

    /// <summary>Headers the engine sets itself; a custom header must not override the signature or framing.</summary>
    public static readonly IReadOnlySet<string> ReservedHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "webhook-id", "webhook-timestamp", "webhook-signature", "X-Undb-Signature", "X-Undb-Event", "X-Undb-Delivery",
        "Content-Type", "Content-Length", "Host", "User-Agent", "Transfer-Encoding", "Connection", "Expect", "Upgrade",
    };

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

    public static List<string> CheckEvents(IReadOnlyList<string>? events, Dictionary<string, string[]> errors)
    {
        var result = new List<string>();
        if (events is null || events.Count == 0)
        {
            errors["events"] = [$"Choose at least one event: {string.Join(", ", WebhookEvents.All)}."];
            return result;
        }
        for (var i = 0; i < events.Count; i++)
        {
            var match = WebhookEvents.All.FirstOrDefault(e => string.Equals(e, events[i]?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                errors[$"events[{i}]"] = [$"'{events[i]}' is not an event; use {string.Join(", ", WebhookEvents.All)}."];
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
            if (!HeaderName().IsMatch(name))
            {
                errors[key] = ["A header name uses letters, digits and - _ . only."];
            }
            else if (ReservedHeaders.Contains(name))
            {
                errors[key] = [$"'{name}' is set by the webhook engine and cannot be overridden."];
            }
            else if (value.Length > MaxHeaderValueLength || value.Any(c => c is '\r' or '\n' || char.IsControl(c)))
            {
                errors[key] = [$"A header value is at most {MaxHeaderValueLength} characters on one line."];
            }
            else if (!result.TryAdd(name, value))
            {
                errors[key] = ["This header is given more than once."];
            }
        }
        return result;
    }

    public static void ThrowIfAny(Dictionary<string, string[]> errors, string title)
    {
        if (errors.Count > 0)
        {
            throw new BadRequestException(errors.Count == 1 ? errors.First().Value[0] : title, errors);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
    private static partial Regex HeaderName();
}
