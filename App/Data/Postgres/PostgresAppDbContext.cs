using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Undb.Data.Postgres;

/// <summary>
/// The model on PostgreSQL: carries PostgreSQL's migrations (App/Data/Postgres/Migrations) and the Data Protection
/// keys, which live in the database here so that every instance reads what the others encrypted.
/// </summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Record values are a document the queries look into (ProviderConventions' functions): jsonb, parsed once on write.
        builder.Entity<Undb.Features.Tables.RecordEntity>().Property(r => r.Data).HasColumnType("jsonb");
    }
}
