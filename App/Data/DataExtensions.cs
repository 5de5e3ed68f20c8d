using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Undb.Data.Postgres;
using Undb.Data.Sqlite;

namespace Undb.Data;

public static class DataExtensions
{
    public const string DefaultConnectionString = "Data Source=undb.db";

    /// <summary>
    /// The engine <c>Database:Provider</c> names: <c>Sqlite</c> (default; <c>ConnectionStrings:Default</c> is a file, a
    /// relative one placed in the content root) or <c>Postgres</c> (<c>ConnectionStrings:Default</c> is an Npgsql
    /// connection string). Features see only <see cref="AppDbContext"/> and <see cref="DataWriter"/>.
    /// </summary>
    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        var provider = DatabaseProviders.Parse(builder.Configuration["Database:Provider"]);
        var configured = builder.Configuration.GetConnectionString("Default");
        if (provider == DatabaseProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(configured))
            {
                throw new InvalidOperationException(
                    "Database:Provider is Postgres but ConnectionStrings:Default is not set; give an Npgsql connection string, e.g. \"Host=localhost;Database=undb;Username=undb;Password=…\".");
            }
            builder.AddPostgresData(configured);
        }
        else
        {
            builder.AddSqliteData(ResolveConnectionString(configured ?? DefaultConnectionString, builder.Environment.ContentRootPath));
        }
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
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

    /// <summary>
    /// Creates the database when missing (SQLite) and applies the engine's migrations, before the app serves anything.
    /// On PostgreSQL, instances that start together take turns under an advisory lock, and the first one also creates
    /// the Data Protection key every instance will use. <paramref name="thenOnce"/> (seeding) runs after the migrations,
    /// still under that lock.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, Func<CancellationToken, Task>? thenOnce = null, CancellationToken ct = default)
    {
        var factory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync(ct);
        if (db.Database.IsNpgsql())
        {
            await PostgresMigrations.MigrateAsync(db, services, thenOnce, ct);
            return;
        }
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
        if (thenOnce is not null)
        {
            await thenOnce(ct);
        }
    }
}

public enum DatabaseProvider { Sqlite, Postgres }

public static class DatabaseProviders
{
    public static DatabaseProvider Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => DatabaseProvider.Sqlite,
        "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
        _ => throw new InvalidOperationException($"Database:Provider '{value}' is not known; use Sqlite (the default) or Postgres."),
    };
}
