using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>One answered request to record: its log row and how it counts in the webhook's stats.</summary>
public sealed record IncomingLogEntry(IncomingRequestEntity Log, bool CountInStats, bool Accepted);

/// <summary>
/// Writes request logs, stats counters and log pruning for many requests in one transaction (group commit), so a
/// burst of senders shares one write transaction instead of four each.
/// </summary>
public sealed class IncomingLogWriter : IDisposable
{
    private readonly DataWriter _writer;
    private readonly IncomingWebhooksOptions _options;

    /// <summary>This instance's name: its counts go to its own share of each webhook's stats.</summary>
    private readonly string _instance;
    private readonly WriteBatcher<IncomingLogEntry, bool> _batcher;
    private readonly ConcurrentDictionary<string, PruneState> _pruned = new();

    public IncomingLogWriter(DataWriter writer, IOptions<IncomingWebhooksOptions> options, IOptions<Outbound.WebhooksOptions> instance)
    {
        _writer = writer;
        _options = options.Value;
        _instance = instance.Value.EffectiveInstanceId;
        _batcher = new WriteBatcher<IncomingLogEntry, bool>(FlushAsync, pause: writer.GroupCommits);
    }

    /// <summary>Completes once the entry is committed.</summary>
    public Task WriteAsync(IncomingLogEntry entry) => _batcher.SubmitAsync(entry);

    /// <summary>
    /// Adds the entry to a record write's transaction instead (an accepted request: its records and its log commit
    /// together, in one transaction rather than two); the counters and pruning run once for all of that transaction's entries.
    /// </summary>
    public void AddTo(WriteSession scope, IncomingLogEntry entry)
    {
        scope.Add(entry.Log);
        if (scope.Items.GetValueOrDefault(typeof(IncomingLogWriter)) is not List<IncomingLogEntry> entries)
        {
            scope.Items[typeof(IncomingLogWriter)] = entries = [];
            scope.BeforeCommit(ct => CountAndPruneAsync(scope, entries, ct));
        }
        entries.Add(entry);
    }

    private async Task<IReadOnlyList<bool>> FlushAsync(IReadOnlyList<IncomingLogEntry> batch, CancellationToken ct)
    {
        await _writer.WriteAsync(WriteKind.Bookkeeping, async session =>
        {
            // Sent with the counters in one round trip (or before a prune's first query).
            session.Rows.Defer(batch.Select(e => e.Log));
            await CountAndPruneAsync(session, batch, ct);
        }, ct);
        return batch.Select(_ => true).ToList();
    }

    /// <summary>The counter columns added up, and the one that keeps the latest time (see <see cref="RowWriter.DeferAddTo{T}"/>).</summary>
    private static readonly string[] CounterSums =
        [nameof(IncomingWebhookCounterEntity.Received), nameof(IncomingWebhookCounterEntity.Accepted), nameof(IncomingWebhookCounterEntity.Rejected)];
    private static readonly string[] CounterLatest = [nameof(IncomingWebhookCounterEntity.LastReceivedAt)];

    /// <summary>
    /// Adds the entries to their webhooks' counters and prunes those webhooks' logs. The counts go to this instance's
    /// share of each webhook's stats (<see cref="IncomingWebhookCounterEntity"/>, so instances never wait on each
    /// other's), as an upsert sent with the transaction's rows in the same round trip. Webhooks in id order, so two
    /// transactions that touch the same counters lock them in the same order and cannot deadlock on PostgreSQL.
    /// </summary>
    private async Task CountAndPruneAsync(WriteSession session, IReadOnlyList<IncomingLogEntry> entries, CancellationToken ct)
    {
        foreach (var group in entries.Where(e => e.CountInStats).GroupBy(e => e.Log.WebhookId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var accepted = group.Count(e => e.Accepted);
            session.Rows.DeferAddTo(new IncomingWebhookCounterEntity
            {
                WebhookId = group.Key,
                Instance = _instance,
                Received = group.Count(),
                Accepted = accepted,
                Rejected = group.Count() - accepted,
                LastReceivedAt = group.Max(e => e.Log.ReceivedAt),
            }, CounterSums, CounterLatest);
        }
        var db = session.Db;
        foreach (var group in entries.GroupBy(e => e.Log.WebhookId))
        {
            var now = group.Max(e => e.Log.ReceivedAt);
            if (PruneDue(group.Key, group.Count(), now) is { } prune)
            {
                var bound = await PruneAsync(db, group.Key, prune, now, ct);
                PrunedBelow(group.Key, bound);
            }
        }
    }

    /// <summary>
    /// Entries a webhook's log may gain between prunes: pruning reads every kept entry, so on a busy webhook it runs
    /// once per this many entries instead of once per write. Readers never see the surplus
    /// (<see cref="IncomingWebhookService.ListRequestsAsync"/> returns at most <c>LogMaxRequests</c>).
    /// </summary>
    private int PruneEvery => Math.Clamp(_options.LogMaxRequests / 4, 1, 64);

    /// <summary>How often a webhook's whole log is pruned (by age too), so entries past <c>LogMaxAge</c> go soon after, even on a quiet webhook.</summary>
    private static readonly TimeSpan FullPruneEvery = TimeSpan.FromMinutes(1);

    /// <summary>A prune to run: <paramref name="Full"/> reads the whole log (by age and count); otherwise only entries from <paramref name="From"/> up.</summary>
    private sealed record Prune(bool Full, string? From);

    /// <summary>
    /// Counts <paramref name="added"/> entries against the webhook and says whether to prune now: a full prune on the
    /// first write since start and a minute after the last full one, and in between a prune by count once
    /// <see cref="PruneEvery"/> entries have gathered. If the transaction then rolls back, the next full prune catches up.
    /// </summary>
    private Prune? PruneDue(string webhookId, int added, DateTimeOffset now)
    {
        var state = _pruned.GetOrAdd(webhookId, _ => new PruneState());
        lock (state)
        {
            state.Added += added;
            var full = state.LastFull is not { } last || now - last >= FullPruneEvery;
            if (!full && state.Added < PruneEvery)
            {
                return null;
            }
            state.Added = 0;
            if (full)
            {
                state.LastFull = now;
            }
            return new Prune(full, full ? null : state.PrunedBelow);
        }
    }

    /// <summary>
    /// Notes that this instance's next prune by count may start at <paramref name="bound"/>: nothing of the log is below it
    /// once this transaction commits. Should the transaction roll back instead, the next full prune deletes what it left.
    /// </summary>
    private void PrunedBelow(string webhookId, string? bound)
    {
        var state = _pruned.GetOrAdd(webhookId, _ => new PruneState());
        lock (state)
        {
            if (bound is not null && (state.PrunedBelow is null || string.CompareOrdinal(bound, state.PrunedBelow) > 0))
            {
                state.PrunedBelow = bound;
            }
        }
    }

    private sealed class PruneState
    {
        public int Added;
        public DateTimeOffset? LastFull;

        /// <summary>The bound of this instance's last prune: nothing of the log is below it, so a prune by count starts there.</summary>
        public string? PrunedBelow;
    }

    /// <summary>
    /// Keeps the newest <c>LogMaxRequests</c> entries (and, in a full prune, only those younger than <c>LogMaxAge</c>);
    /// returns the id of the oldest entry kept by count, below which nothing is left (null while the log is shorter).
    /// A prune by count deletes only from <see cref="Prune.From"/> up: entries deleted earlier stay in the index until
    /// the database cleans up (PostgreSQL's vacuum), and a delete over the whole log visited all of them every time,
    /// which made it the server's costliest statement (docs/benchmarks.md).
    /// </summary>
    private async Task<string?> PruneAsync(AppDbContext db, string webhookId, Prune prune, DateTimeOffset now, CancellationToken ct)
    {
        var log = db.IncomingRequests.Where(r => r.WebhookId == webhookId);
        if (prune.Full)
        {
            var cutoff = now - _options.LogMaxAge;
            await log.Where(r => r.ReceivedAt < cutoff).ExecuteDeleteAsync(ct);
        }
        // Ids grow with time, so the newest entries are the highest ids: the bound is read walking down from the newest.
        var bound = await log.OrderByDescending(r => r.Id).Skip(_options.LogMaxRequests - 1).Select(r => r.Id).FirstOrDefaultAsync(ct);
        if (bound is not null)
        {
            var older = log.Where(r => string.Compare(r.Id, bound) < 0);
            if (prune.From is { } from)
            {
                older = older.Where(r => string.Compare(r.Id, from) >= 0);
            }
            await older.ExecuteDeleteAsync(ct);
        }
        return bound;
    }

    public void Dispose() => _batcher.Dispose();
}
