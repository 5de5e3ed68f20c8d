using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Undb.Realtime;

namespace Undb.Data.Sqlite;

/// <summary>The SQLite module: the context with its pragmas, the write gate and its writer, the checkpointer, keys on disk.</summary>
public static class SqliteData
{
    public static IHostApplicationBuilder AddSqliteData(this IHostApplicationBuilder builder, string connectionString)
    {
        // SQLite has one writer at a time: queue writers here rather than in SQLite's sleeping busy handler.
        builder.Services.AddSingleton(new DatabaseWriteGate(serialize: true));
        builder.Services.AddSingleton<SqliteWriteInterceptor>();
        // Pooled: a context is reset and reused rather than built with its own internal services each time (most calls
        // use a context for one or two queries; see docs/benchmarks.md for the gain). Identity's stores take one from the scope.
        builder.Services.AddPooledDbContextFactory<SqliteAppDbContext>((sp, o) => o
            .UseSqlite(connectionString)
            .AddInterceptors(SqlitePragmas.Instance, sp.GetRequiredService<SqliteWriteInterceptor>(), DeferredRowsInterceptor.Instance));
        builder.Services.AddSingleton<IDbContextFactory<AppDbContext>, EngineContextFactory<SqliteAppDbContext>>();
        builder.Services.AddSingleton<DataWriter, SqliteDataWriter>();
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SqliteCheckpointer>(sp, connectionString));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SqliteCheckpointer>());
        builder.Services.AddSingleton<INotifierBackplane>(LocalOnlyBackplane.Instance);

        // Data Protection keys in a folder beside the database (default <content root>/keys); back them up with it.
        var keysPath = builder.Configuration["DataProtection:KeysPath"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured, builder.Environment.ContentRootPath)
            : Path.Combine(builder.Environment.ContentRootPath, "keys");
        builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keysPath));
        return builder;
    }
}
