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
            .UseNpgsql(connectionString)
            .AddInterceptors(PostgresRowLocks.Instance));
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
}
