using Undb.Features.Accounts;

namespace Undb.Tests.Features.Accounts;

public sealed class LocalUrlTests
{
    [Theory]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("  ", "/")]
    [InlineData("/", "/")]
    [InlineData("/settings", "/settings")]
    [InlineData("settings", "/settings")]
    [InlineData("/tables/tbl_1?x=1#y", "/tables/tbl_1?x=1#y")]
    public void OrHome_LocalPaths_AreKept(string? url, string expected)
    {
        Assert.Equal(expected, LocalUrl.OrHome(url));
    }

    [Theory]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("\\evil.example")]
    [InlineData("\\\\evil.example")]
    [InlineData("\\/evil.example")]
    [InlineData("https://evil.example")]
    [InlineData("/\t/evil.example")]
    [InlineData("/\n/evil.example")]
    [InlineData("javascript:alert(1)")]
    public void OrHome_AnythingThatCouldLeaveTheSite_GoesHome(string url)
    {
        var result = LocalUrl.OrHome(url);

        // What a browser would do with the Location header: drop tabs and newlines, read backslashes as slashes.
        var asBrowserReadsIt = result.Replace("\t", "").Replace("\n", "").Replace("\r", "").Replace('\\', '/');
        Assert.StartsWith("/", asBrowserReadsIt);
        Assert.False(asBrowserReadsIt.StartsWith("//"), $"'{url}' became '{result}'");
        Assert.True(new Uri(new Uri("https://undb.example/"), asBrowserReadsIt).Host == "undb.example", $"'{url}' became '{result}'");
    }
}
