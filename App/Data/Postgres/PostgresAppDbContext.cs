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

        // The sweeper's lease-expired half (DeliveryWorker.Claimable): through the Status index, every sweep read each
        // delivery in flight, thousands while a backlog is queued, to compare its lease (tens of milliseconds of server
        // time per sweep, per instance). Partial, so only claims maintain it. SQLite's planner does not choose it for
        // that query (it searches the Status index), so it exists only here.
        builder.Entity<Undb.Features.Webhooks.Outbound.DeliveryEntity>()
            .HasIndex(d => d.LeaseExpiresAt, "IX_Deliveries_Leases").HasFilter("\"Status\" = 'InFlight'");

        // Ids (keys, foreign keys, every "…Id" column) are ASCII, compared and sorted byte by byte as SQLite and C# compare
        // them: COLLATE "C", whatever the database's default. Besides meaning the same on both engines ("the newest
        // request has the highest id"), a byte comparison costs a fraction of a locale's, and every insert walks several
        // indexes of ids and checks foreign keys by them (docs/benchmarks.md, PostgreSQL round).
        foreach (var property in builder.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
        {
            if (property.ClrType == typeof(string) && (property.IsKey() || property.IsForeignKey() || property.Name.EndsWith("Id", StringComparison.Ordinal)))
            {
                property.SetCollation("C");
            }
        }
    }
}
