using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Undb.Data;

public static class DataExtensions
{
    public const string DefaultConnectionString = "Data Source=undb.db";

    /// <summary>SQLite from <c>ConnectionStrings:Default</c> (a relative file is placed in the content root).</summary>
    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        var connectionString = ResolveConnectionString(
            builder.Configuration.GetConnectionString("Default") ?? DefaultConnectionString,
            builder.Environment.ContentRootPath);
        // Pooled: a context is reset and reused rather than built with its own internal services each time (most calls
        // use a context for one or two queries; see docs/benchmarks.md for the gain). Identity's stores take one from the scope.
        builder.Services.AddPooledDbContextFactory<AppDbContext>(o => o
            .UseSqlite(connectionString)
            .AddInterceptors(SqlitePragmas.Instance));
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        // SQLite has one writer at a time: queue writers here rather than in SQLite's sleeping busy handler.
        builder.Services.AddSingleton(new DatabaseWriteGate(serialize: true));
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SqliteCheckpointer>(sp, connectionString));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SqliteCheckpointer>());
        return builder;
    }

    public static string ResolveConnectionString(string connectionString, string contentRoot)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(csb.DataSource) && csb.DataSource != ":memory:" && !Path.IsPathRooted(csb.DataSource) && csb.Mode != SqliteOpenMode.Memory)
        {
            csb.DataSource = Path.Combine(contentRoot, csb.DataSource);
        }
        return csb.ToString();
    }

    /// <summary>Creates the database when missing, applies migrations and turns on WAL, before the app serves anything.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var factory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync(ct);
        var file = db.Database.GetDbConnection().DataSource;
        if (!string.IsNullOrEmpty(file) && Path.GetDirectoryName(file) is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
        }
        await db.Database.MigrateAsync(ct);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers (the grid) run while a writer commits; it is a property of the file, set once.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
    }
}

/// <summary>
/// Per-connection SQLite settings, applied once per physical connection (they stay with it in the pool; EF opens and
/// closes a pooled connection for every query). In WAL mode synchronous=NORMAL survives a process crash without an
/// fsync per commit. Checkpoints are <see cref="SqliteCheckpointer"/>'s job; a commit only checkpoints itself if the
/// log reaches 10,000 pages (40 MB), ten times SQLite's default. (Memory-mapped reads were tried: mapped pages count
/// in the working set, and the 100k-event burst peaked at 461 MB with them against 354 MB without, for no measurable
/// gain in throughput.)
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    /// <summary>Log size, in pages, at which a committing writer checkpoints the log itself (SQLite's default is 1,000).</summary>
    internal const int AutoCheckpointPages = 10_000;

    internal static readonly string Settings = $"PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA wal_autocheckpoint={AutoCheckpointPages};";

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> _applied = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } || _applied.TryGetValue(handle, out _))
        {
            return;
        }
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Settings;
        cmd.ExecuteNonQuery();
        _applied.AddOrUpdate(handle, handle);
    }
}
