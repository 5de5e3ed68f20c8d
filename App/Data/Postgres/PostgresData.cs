using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Undb.Realtime;

namespace Undb.Data.Postgres;

/// <summary>
/// The PostgreSQL module: the context (with its row-lock interceptor), the writer, the LISTEN/NOTIFY backplane, and
/// Data Protection keys in the database, so several instances share everything through the one database.
/// </summary>
public static class PostgresData
{
    public static IHostApplicationBuilder AddPostgresData(this IHostApplicationBuilder builder, string connectionString)
    {
        var services = builder.Services;
        services.AddPooledDbContextFactory<PostgresAppDbContext>(o => o
            .UseNpgsql(WithPoolDefaults(connectionString))
            .AddInterceptors(PostgresRowLocks.Instance, DeferredRowsInterceptor.Instance));
        services.AddSingleton<IDbContextFactory<AppDbContext>, EngineContextFactory<PostgresAppDbContext>>();
        // Data Protection's EF store takes its context from a scope.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PostgresAppDbContext>>().CreateDbContext());
        services.AddSingleton<DataWriter, PostgresDataWriter>();

        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<PostgresBackplane>(sp, connectionString));
        services.AddSingleton<INotifierBackplane>(sp => sp.GetRequiredService<PostgresBackplane>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresBackplane>());

        // Every instance reads the keys the others wrote. The database's access control protects them; a certificate
        // (the same on every instance) encrypts them at rest as well.
        var protection = services.AddDataProtection().PersistKeysToDbContext<PostgresAppDbContext>();
        if (builder.Configuration["DataProtection:CertificatePath"] is { Length: > 0 } certificatePath)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(
                Path.GetFullPath(certificatePath, builder.Environment.ContentRootPath), builder.Configuration["DataProtection:CertificatePassword"]);
            protection.ProtectKeysWithCertificate(certificate);
        }
        return builder;
    }

    /// <summary>Eight connections per core of this machine, at least 16 and at most Npgsql's own 100.</summary>
    internal static int DefaultMaxPoolSize { get; } = Math.Clamp(Environment.ProcessorCount * 8, 16, 100);

    /// <summary>
    /// Connection defaults for how the app uses PostgreSQL, each applied only where the connection string does not set it:
    /// <list type="bullet">
    /// <item><c>Max Auto Prepare=64</c>: Npgsql prepares nothing unless told to, and the app runs the same few statements
    /// all day (the record, outbox and log inserts, the claims and settlements), so they are parsed and planned once per
    /// connection instead of at every call.</item>
    /// <item><c>No Reset On Close=true</c>: a context returns its connection to the pool after almost every query, and
    /// the reset sent each time (seven statements: RESET ALL, UNLISTEN *, …) cost more than many of the queries. The app
    /// leaves no session state on pooled connections (no SET, LISTEN or advisory lock: the backplane and the migration
    /// lock use connections of their own, from pools of their own).</item>
    /// <item><c>Maximum Pool Size</c> = <see cref="DefaultMaxPoolSize"/> (16 on two cores) instead of Npgsql's 100: more
    /// connections than the server has cores to run them only add server processes that compete for the cores, each
    /// planning the app's statements and filling its catalog caches for itself. On two cores, incoming requests went
    /// from about 1,200/s with 100 to about 1,600/s with 12–16 (docs/benchmarks.md). It also keeps several instances
    /// within PostgreSQL's default of 100 connections.</item>
    /// </list>
    /// Measured in docs/benchmarks.md (PostgreSQL round).
    /// </summary>
    internal static string WithPoolDefaults(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var keys = given.Keys.Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var result = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!keys.Contains("MaxAutoPrepare"))
        {
            result.MaxAutoPrepare = 64;
            result.AutoPrepareMinUsages = 2;
        }
        if (!keys.Contains("NoResetOnClose"))
        {
            result.NoResetOnClose = true;
        }
        if (!keys.Contains("MaximumPoolSize") && !keys.Contains("MaxPoolSize"))
        {
            result.MaxPoolSize = DefaultMaxPoolSize;
        }
        return result.ConnectionString;
    }
}
