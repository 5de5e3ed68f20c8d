using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Undb.Data.Sqlite;

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
        builder.AddSqliteData(connectionString);
        builder.Services.AddSingleton<Undb.Realtime.INotifierBackplane>(Undb.Realtime.LocalOnlyBackplane.Instance);
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
