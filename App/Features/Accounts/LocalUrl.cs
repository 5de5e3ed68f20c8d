namespace Undb.Features.Accounts;

/// <summary>Guards redirects after login against open redirects: only app-relative paths pass.</summary>
public static class LocalUrl
{
    public static string OrHome(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "/";
        }
        url = url.Trim();
        // Browsers read a backslash as '/' and drop tabs and newlines, so "\evil.com" or "/<tab>/evil.com" would leave the site.
        if (url.StartsWith("//", StringComparison.Ordinal) || url.Contains('\\') || url.Any(char.IsControl) || url.Contains("://", StringComparison.Ordinal))
        {
            return "/";
        }
        return url.StartsWith('/') ? url : "/" + url;
    }
}
