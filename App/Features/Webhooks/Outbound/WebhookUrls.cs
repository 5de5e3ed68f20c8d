using System.Net;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Checks a webhook URL when it is saved: absolute http(s), no credentials, and (unless private networks are allowed) no private IP literal.</summary>
public static class WebhookUrls
{
    public static string? Validate(string? url, bool allowPrivateNetworks, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return "A URL is required.";
        }
        if (url.Length > WebhookRules.MaxUrlLength)
        {
            return $"A URL can be at most {WebhookRules.MaxUrlLength} characters.";
        }
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var parsed) || string.IsNullOrEmpty(parsed.Host))
        {
            return "Enter an absolute URL such as https://example.com/hooks/undb.";
        }
        if (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
        {
            return $"Only http and https URLs can receive webhooks, not '{parsed.Scheme}'.";
        }
        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            return "Put credentials in a custom header (e.g. Authorization), not in the URL.";
        }
        if (!allowPrivateNetworks && IPAddress.TryParse(parsed.Host.Trim('[', ']'), out var ip) && !NetworkRules.IsPublic(ip))
        {
            return $"{parsed.Host} is a loopback, private or reserved address; webhooks may only call public addresses (the server's Webhooks:AllowPrivateNetworks setting allows others).";
        }
        uri = parsed;
        return null;
    }
}
