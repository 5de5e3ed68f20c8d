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
            scope.BeforeCommit(ct => CountAndPruneAsync(scope.Db, entries, ct));
        }
        entries.Add(entry);
    }

    private async Task<IReadOnlyList<bool>> FlushAsync(IReadOnlyList<IncomingLogEntry> batch, CancellationToken ct)
    {
        await _writer.WriteAsync(WriteKind.Bookkeeping, async session =>
        {
            await session.Rows.InsertAllAsync(batch.Select(e => e.Log).ToList(), ct);
            await CountAndPruneAsync(session.Db, batch, ct);
        }, ct);
        return batch.Select(_ => true).ToList();
    }

    /// <summary>Adds the entries to their webhooks' counters and prunes those webhooks' logs; the log rows are saved already.</summary>
    private async Task CountAndPruneAsync(AppDbContext db, IReadOnlyList<IncomingLogEntry> entries, CancellationToken ct)
    {
        foreach (var group in entries.Where(e => e.CountInStats).GroupBy(e => e.Log.WebhookId))
        {
            var received = group.Count();
            var accepted = group.Count(e => e.Accepted);
            var rejected = received - accepted;
            var last = group.Max(e => e.Log.ReceivedAt);
            // This instance's share (IncomingWebhookCounterEntity): instances never wait on each other's counts.
            var share = db.IncomingWebhookCounters.Where(c => c.WebhookId == group.Key && c.Instance == _instance);
            Task<int> CountAsync() => share.ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Received, c => c.Received + received)
                .SetProperty(c => c.Accepted, c => c.Accepted + accepted)
                .SetProperty(c => c.Rejected, c => c.Rejected + rejected)
                .SetProperty(c => c.LastReceivedAt, c => c.LastReceivedAt == null || c.LastReceivedAt < last ? last : c.LastReceivedAt), ct);
            if (await CountAsync() == 0)
            {
                // The instance's first count for the webhook. Two of its transactions may both get here: the share is
                // created if missing (the same SQL on both engines), then counted.
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO "IncomingWebhookCounters" ("WebhookId", "Instance", "Received", "Accepted", "Rejected", "LastReceivedAt")
                    VALUES ({group.Key}, {_instance}, 0, 0, 0, NULL) ON CONFLICT DO NOTHING
                    """, ct);
                await CountAsync();
            }
        }
        foreach (var group in entries.GroupBy(e => e.Log.WebhookId))
        {
            var now = group.Max(e => e.Log.ReceivedAt);
            if (PruneDue(group.Key, group.Count(), now))
            {
                await PruneAsync(db, group.Key, now, ct);
            }
        }
    }

    /// <summary>
    /// Entries a webhook's log may gain between prunes: pruning reads every kept entry, so on a busy webhook it runs
    /// once per this many entries instead of once per write. Readers never see the surplus
    /// (<see cref="IncomingWebhookService.ListRequestsAsync"/> returns at most <c>LogMaxRequests</c>).
    /// </summary>
    private int PruneEvery => Math.Clamp(_options.LogMaxRequests / 4, 1, 64);

    /// <summary>How long a quiet webhook's log may go unpruned, so entries past <c>LogMaxAge</c> still go soon after.</summary>
    private static readonly TimeSpan PruneAtLeastEvery = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Counts <paramref name="added"/> entries against the webhook and says whether to prune now: once
    /// <see cref="PruneEvery"/> entries have gathered, a minute after the last prune, or on the first write since start.
    /// If the transaction then rolls back, the next prune simply has a little more to do.
    /// </summary>
    private bool PruneDue(string webhookId, int added, DateTimeOffset now)
    {
        var state = _pruned.GetOrAdd(webhookId, _ => new PruneState());
        lock (state)
        {
            state.Added += added;
            if (state.LastPruned is { } last && state.Added < PruneEvery && now - last < PruneAtLeastEvery)
            {
                return false;
            }
            state.Added = 0;
            state.LastPruned = now;
            return true;
        }
    }

    private sealed class PruneState
    {
        public int Added;
        public DateTimeOffset? LastPruned;
    }

    /// <summary>Keeps the newest <c>LogMaxRequests</c> entries younger than <c>LogMaxAge</c>, in one statement.</summary>
    private async Task PruneAsync(AppDbContext db, string webhookId, DateTimeOffset now, CancellationToken ct)
    {
        var cutoff = now - _options.LogMaxAge;
        var keep = _options.LogMaxRequests;
        var log = db.IncomingRequests.Where(r => r.WebhookId == webhookId);
        // Ids grow with time, so the newest entries are the highest ids; with fewer entries than kept, the bound is NULL and deletes nothing.
        await log
            .Where(r => r.ReceivedAt < cutoff
                || string.Compare(r.Id, log.OrderByDescending(k => k.Id).Skip(keep - 1).Select(k => k.Id).FirstOrDefault()) < 0)
            .ExecuteDeleteAsync(ct);
    }

    public void Dispose() => _batcher.Dispose();
}
