using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Tests.TestSupport;

/// <summary>The steps of the engine's plan for a query of a context, to check that an index can serve it.</summary>
public static class QueryPlans
{
    /// <summary>
    /// The plan's lines (SQLite's EXPLAIN QUERY PLAN details, PostgreSQL's EXPLAIN). On PostgreSQL sequential scans are
    /// turned off for the context's connection: on a test's small tables the planner would rightly scan, and the question
    /// is whether the index can serve the query.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ExplainAsync<T>(AppDbContext db, IQueryable<T> query)
    {
        await db.Database.OpenConnectionAsync();
        var postgres = db.Database.ProviderName!.Contains("Npgsql", StringComparison.Ordinal);
        if (postgres)
        {
            await db.Database.ExecuteSqlRawAsync("SET enable_seqscan = off");
        }
        // The query's own command, its parameters bound.
        using var explain = query.CreateDbCommand();
        explain.CommandText = (postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + explain.CommandText;
        var plan = new List<string>();
        using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(postgres ? 0 : 3));
        }
        return plan;
    }
}
