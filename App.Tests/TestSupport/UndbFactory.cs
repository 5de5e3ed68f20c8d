using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Undb.Tests.TestSupport;

/// <summary>
/// The real app in memory on a fresh SQLite file (or a fresh PostgreSQL database, see <see cref="TestEngine"/>), with a bootstrap admin and API token.
/// Use as an xunit class fixture; override <see cref="ConfigureServices"/> or pass settings to swap in fakes.
/// </summary>
public class UndbFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "Adm1nPassw0rd";
    public const string ApiToken = "undb_test_token_0123456789abcdef";

    private readonly TestDatabase _database = new();
    private readonly string? _postgres;

    public UndbFactory()
        : this(TestEngine.Postgres)
    {
    }

    /// <summary>On PostgreSQL whatever <c>UNDB_TEST_PROVIDER</c> says (for tests of what only PostgreSQL does).</summary>
    protected UndbFactory(bool postgres) => _postgres = postgres ? TestEngine.CreatePostgresDatabase() : null;

    /// <summary>Another instance on the PostgreSQL database of <paramref name="first"/> (which owns and drops it).</summary>
    protected UndbFactory(UndbFactory first)
    {
        _postgres = first.PostgresConnectionString ?? throw new InvalidOperationException("A second instance needs the first on PostgreSQL.");
        _sharesDatabase = true;
    }

    private readonly bool _sharesDatabase;

    /// <summary>The PostgreSQL database's connection string, or null on SQLite.</summary>
    public string? PostgresConnectionString => _postgres;

    public TestDatabase Database => _database;

    /// <summary>Extra configuration (e.g. <c>["Webhooks:AttemptTimeout"] = "00:00:02"</c>), applied over the defaults.</summary>
    public Dictionary<string, string?> Settings { get; } = new();

    /// <summary>False for a fresh instance nobody has registered on yet (no bootstrap admin or token).</summary>
    public bool SeedAdmin { get; init; } = true;

    /// <summary>Service replacements applied after the app's own registrations.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        if (_postgres is not null)
        {
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("ConnectionStrings:Default", _postgres);
        }
        else
        {
            builder.UseSetting("ConnectionStrings:Default", _database.ConnectionString);
        }
        if (SeedAdmin)
        {
            builder.UseSetting("Bootstrap:AdminEmail", AdminEmail);
            builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
            builder.UseSetting("Bootstrap:ApiToken", ApiToken);
        }
        // Tests sign in far more often than a person; the limit itself is tested with its own setting.
        builder.UseSetting("Accounts:SignInPermitsPerMinute", "100000");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services =>
        {
            // "Send test" posts to the app itself; here the app is this in-memory server.
            services.AddHttpClient(Undb.Features.Webhooks.Incoming.IncomingTestSender.ClientName, c => c.BaseAddress = new Uri("http://localhost/"))
                .ConfigurePrimaryHttpMessageHandler(() => Server.CreateHandler());
            ConfigureServices?.Invoke(services);
        });
    }

    /// <summary>An HTTP client that authenticates with the bootstrap API token.</summary>
    public HttpClient CreateApiClient()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        return client;
    }

    /// <summary>An HTTP client with no credentials.</summary>
    public HttpClient CreateAnonymousClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>The bootstrap admin's user id.</summary>
    public async Task<string> AdminIdAsync()
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Undb.Features.Accounts.AppUser>>();
        return (await users.FindByEmailAsync(AdminEmail))!.Id;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _database.Dispose();
            if (_postgres is not null && !_sharesDatabase)
            {
                TestEngine.DropPostgresDatabase(_postgres);
            }
        }
    }
}
