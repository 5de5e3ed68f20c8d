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
        if (url.StartsWith("//", StringComparison.Ordinal) || url.StartsWith("/\\", StringComparison.Ordinal) || url.Contains("://", StringComparison.Ordinal))
        {
            return "/";
        }
        return url.StartsWith('/') ? url : "/" + url;
    }
}
