using Undb.E2E.Support;

namespace Undb.E2E;

/// <summary>The real app process, started with settings it must refuse: it stops with one clear line, not a stack trace.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Bootstrap:ApiToken", "not-a-token", "Bootstrap:ApiToken")]
    [InlineData("Bootstrap:ApiToken", "undb_short", "Bootstrap:ApiToken")]
    [InlineData("Bootstrap:AdminEmail", "not-an-email", "Bootstrap:AdminEmail")]
    public async Task InvalidBootstrapSetting_StopsStartUp_WithOneClearLine(string key, string value, string named)
    {
        await using var server = new AppServer(new Dictionary<string, string> { [key] = value });

        var (exitCode, output) = await server.RunToExitAsync();

        Assert.NotEqual(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines, l => l.Contains(named, StringComparison.Ordinal));
        Assert.StartsWith("Undb cannot start:", line);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("Unhandled", output);
    }
}
