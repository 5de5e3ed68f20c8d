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
}
