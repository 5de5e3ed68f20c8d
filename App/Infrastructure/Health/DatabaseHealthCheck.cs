using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Undb.Data;

namespace Undb.Infrastructure.Health;

/// <summary>
/// The app's database answers, and is the app's database: a query on a table of the model, not just an open
/// connection (an empty file where the database was, or a database without the app's tables, is not ready).
/// </summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<AppDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await db.Tables.AsNoTracking().Select(t => t.Id).FirstOrDefaultAsync(ct);
            return HealthCheckResult.Healthy("The database answers.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The exception goes to the log (HealthCheckPublisher/HealthCheckService log it); the answer names no internals.
            return new HealthCheckResult(context.Registration.FailureStatus, "The database is unreachable.", ex);
        }
    }
}
