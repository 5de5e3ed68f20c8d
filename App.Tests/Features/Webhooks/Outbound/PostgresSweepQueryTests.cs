using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>On PostgreSQL the sweeper's query is served by indexes, also its half that looks for expired leases.</summary>
[Trait("Engines", "Postgres")]
public sealed class PostgresSweepQueryTests(PostgresUndbFactory factory) : IClassFixture<PostgresUndbFactory>
{
    [Fact]
    public async Task ExpiredLeases_AreFoundThroughTheirPartialIndex()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var query = DeliveryWorker.Claimable(db.Deliveries.AsNoTracking(), DateTimeOffset.UtcNow)
            .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id).Select(d => d.Id).Take(100);

        var plan = await QueryPlans.ExplainAsync(db, query);

        Assert.Contains(plan, step => step.Contains("IX_Deliveries_Leases"));
    }
}
