using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Undb.Features.Accounts;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Accounts;

/// <summary>Bootstrap applies once: what an admin revoked stays revoked when the app starts again with the same settings.</summary>
public sealed class BootstrapRestartTests
{
    [Fact]
    public async Task RevokedBootstrapToken_StaysRevokedAfterARestart_AndTheStartWarns()
    {
        using var database = new TestDatabase();
        await using (var first = Instance(database, new CapturingLoggerProvider()))
        {
            var tokens = first.Services.GetRequiredService<ApiTokenService>();
            var adminId = await first.AdminIdAsync();
            var bootstrapToken = Assert.Single(await tokens.ListAsync(adminId));
            Assert.True(await tokens.RevokeAsync(adminId, bootstrapToken.Id));
            Assert.Null(await tokens.ValidateAsync(UndbFactory.ApiToken));
        }

        var log = new CapturingLoggerProvider();
        await using var second = Instance(database, log);
        _ = second.Services; // starts the app: migrations and bootstrap run again

        var tokensAfter = second.Services.GetRequiredService<ApiTokenService>();
        Assert.Null(await tokensAfter.ValidateAsync(UndbFactory.ApiToken));
        Assert.Empty(await tokensAfter.ListAsync(await second.AdminIdAsync()));
        var unauthorized = await second.CreateApiClient().GetAsync("/api/tables");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Bootstrap:ApiToken") && e.Message.Contains("revoked"));
    }

    [Fact]
    public async Task ATokenNotRevoked_IsStillAcceptedAfterARestart()
    {
        using var database = new TestDatabase();
        await using (var first = Instance(database, new CapturingLoggerProvider()))
        {
            Assert.NotNull(await first.Services.GetRequiredService<ApiTokenService>().ValidateAsync(UndbFactory.ApiToken));
        }

        var log = new CapturingLoggerProvider();
        await using var second = Instance(database, log);

        Assert.NotNull(await second.Services.GetRequiredService<ApiTokenService>().ValidateAsync(UndbFactory.ApiToken));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning && e.Message.Contains("Bootstrap"));
    }

    private static UndbFactory Instance(TestDatabase database, CapturingLoggerProvider log)
    {
        var factory = new UndbFactory { ConfigureServices = services => services.AddSingleton<ILoggerProvider>(log) };
        factory.Settings["ConnectionStrings:Default"] = database.ConnectionString;
        return factory;
    }
}

/// <summary>Keeps every log entry written through the app's logger factory.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((logLevel, category, formatter(state, exception)));
    }
}
