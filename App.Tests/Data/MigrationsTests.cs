using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Data;

/// <summary>An empty database is migrated at start-up to exactly the model the code has, on each engine.</summary>
[Trait("Engines", "Both")]
public sealed class MigrationsTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    [Fact]
    public async Task FromEmpty_EveryMigrationIsApplied_AndTheModelHasNoPendingChanges()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

        var known = db.Database.GetMigrations().ToList();
        Assert.NotEmpty(known);
        Assert.Equal(known, await db.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public async Task MigratingAgain_ChangesNothing()
    {
        await factory.Services.MigrateDatabaseAsync();

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task OnPostgres_EveryIdColumnComparesByteByByte()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        if (!db.Database.IsNpgsql())
        {
            // SQLite compares text byte by byte (BINARY) unless told otherwise: nothing to check.
            Assert.True(db.Database.IsSqlite());
            return;
        }
        var notByteOrder = await db.Database.SqlQueryRaw<string>("""
            SELECT table_name || '.' || column_name AS "Value" FROM information_schema.columns
            WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')
              AND (column_name = 'Id' OR column_name LIKE '%Id') AND collation_name IS DISTINCT FROM 'C'
              AND table_name <> '__EFMigrationsHistory'
            """).ToListAsync();
        Assert.Empty(notByteOrder);
        Assert.Equal("C", await db.Database.SqlQueryRaw<string>("""
            SELECT collation_name AS "Value" FROM information_schema.columns WHERE table_name = 'Records' AND column_name = 'TableId'
            """).SingleAsync());
    }
}
