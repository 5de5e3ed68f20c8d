using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Undb.Data;
using Undb.Data.Sqlite;
using Undb.Features.Tables;
using Undb.Realtime;

namespace Undb.Tests.TestSupport;

/// <summary>
/// A bUnit context with MudBlazor (no transitions, loose JS interop), a signed-in user, and the real table services
/// over a fresh, migrated SQLite file per test.
/// </summary>
public abstract class ShellTestContext : BunitContext, IAsyncLifetime
{
    public const string UserId = "usr_bunit";
    public const string UserName = "admin@example.com";

    private readonly TestDatabase _database = new();
    private bool _databaseDisposed;

    /// <param name="role">The member's role, cascaded as the layout does.</param>
    protected ShellTestContext(Undb.Features.Accounts.Role role = Undb.Features.Accounts.Role.Owner)
    {
        // Only how long a failing wait takes to give up: the first render pays for EF and MudBlazor warm-up.
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
            o.PopoverOptions.CheckForPopoverProvider = false;
        });
        Services.AddLogging();
        Services.AddDbContextFactory<SqliteAppDbContext>(o => o.UseSqlite(_database.ConnectionString));
        Services.AddSingleton<IDbContextFactory<AppDbContext>, EngineContextFactory<SqliteAppDbContext>>();
        // The Identity tables in the model follow this option, as the app sets it (AccountsExtensions).
        Services.Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<TableChangeNotifier>();
        Services.AddSingleton(new DatabaseWriteGate(serialize: true));
        Services.AddSingleton<DataWriter, SqliteDataWriter>();
        Services.AddSingleton<TableService>();
        Services.AddCascadingValue(_ => new Undb.Features.Accounts.MemberAccess(role));
        AddAuthorization().SetAuthorized(UserName).SetClaims(new Claim(ClaimTypes.NameIdentifier, UserId));
    }

    protected TableService Tables => Services.GetRequiredService<TableService>();

    protected TableChangeNotifier Notifier => Services.GetRequiredService<TableChangeNotifier>();

    public Task InitializeAsync() => Services.MigrateDatabaseAsync();

    /// <summary>MudBlazor's services are only async-disposable, so the context is disposed here rather than in Dispose.</summary>
    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        DisposeDatabase();
    }

    protected Task<TableSnapshot> CreateTableAsync(string name, params FieldSpec[] fields) =>
        Tables.CreateAsync(name, fields.Length == 0 ? [new FieldSpec("Name", FieldType.Text)] : fields, actorId: null);

    protected override void Dispose(bool disposing) => DisposeDatabase();

    private void DisposeDatabase()
    {
        if (!_databaseDisposed)
        {
            _databaseDisposed = true;
            _database.Dispose();
        }
    }
}
