using Microsoft.EntityFrameworkCore;

namespace Undb.Data;

/// <summary>Hands features the engine's context (with its migrations) as the <see cref="AppDbContext"/> they know.</summary>
public sealed class EngineContextFactory<TContext>(IDbContextFactory<TContext> engine) : IDbContextFactory<AppDbContext>
    where TContext : AppDbContext
{
    public AppDbContext CreateDbContext() => engine.CreateDbContext();

    public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await engine.CreateDbContextAsync(cancellationToken);
}
