using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Undb.Features.Accounts;
using Undb.Realtime;

namespace Undb.Features.LiveFeed;

/// <summary>
/// The committed record changes of one table, in commit order, as the hub sends them (<c>recordsChanged</c>). Null
/// <see cref="Events"/>: the changes were too large to carry to this instance, and its clients are told to resync.
/// </summary>
public sealed record FeedBatch(string TableId, IReadOnlyList<JsonObject>? Events);

/// <summary>Record changes for the live feed, here and (through the backplane) on every other instance.</summary>
public sealed class FeedNotifier(ILogger<FeedNotifier> logger, INotifierBackplane? backplane = null)
    : KeyedNotifier<FeedBatch>(logger, batch => batch.TableId, backplane)
{
    /// <summary>Larger batches travel without their events (PostgreSQL's NOTIFY takes 8,000 bytes): clients there resync.</summary>
    public const int MaxCharsToOtherInstances = 7000;

    protected override FeedBatch ForOtherInstances(FeedBatch e) =>
        e.Events is null || e.Events.Sum(x => x.ToJsonString().Length) <= MaxCharsToOtherInstances ? e : e with { Events = null };
}

/// <summary>"An instance has live-feed clients for this table": so every instance forwards that table's changes.</summary>
public sealed record FeedInterest(string TableId);

public sealed class FeedInterestNotifier(ILogger<FeedInterestNotifier> logger, INotifierBackplane? backplane = null)
    : KeyedNotifier<FeedInterest>(logger, interest => interest.TableId, backplane);

/// <summary><c>LiveFeed:*</c> settings.</summary>
public sealed class LiveFeedOptions
{
    public const string Section = "LiveFeed";

    /// <summary>Messages a client may fall behind by before it is told to resync.</summary>
    public int BufferSize { get; set; } = 1000;
}

/// <summary>
/// Who follows which table, on this instance, and what each connection has yet to receive. Changes come in from
/// <see cref="FeedNotifier"/> (record changes, from any instance) and <see cref="TableChangeNotifier"/> (schema changes),
/// and go into each subscriber's <see cref="FeedBuffer"/> at once, so nothing a client does holds up the publisher.
/// Record changes are only turned into messages for tables someone follows, here or on another instance
/// (<see cref="IsFollowed"/>), so the feed costs nothing while nobody listens.
/// </summary>
public sealed class TableFeed : IDisposable
{
    private static readonly TimeSpan InterestLifetime = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan InterestRenewal = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _remoteInterest = new(StringComparer.Ordinal);
    private readonly IHubContext<TablesHub> _hub;
    private readonly FeedNotifier _feed;
    private readonly FeedInterestNotifier _interest;
    private readonly MemberDirectory _members;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<LiveFeedOptions> _options;
    private readonly ILogger<TableFeed> _logger;
    private readonly IDisposable[] _subscriptions;
    private readonly ITimer _renewal;

    public TableFeed(
        IHubContext<TablesHub> hub,
        FeedNotifier feed,
        FeedInterestNotifier interest,
        TableChangeNotifier tables,
        MemberDirectory members,
        TimeProvider time,
        IOptionsMonitor<LiveFeedOptions> options,
        ILogger<TableFeed> logger)
    {
        _hub = hub;
        _feed = feed;
        _interest = interest;
        _members = members;
        _time = time;
        _options = options;
        _logger = logger;
        _subscriptions =
        [
            feed.SubscribeAll(OnRecordsAsync),
            tables.SubscribeAll(OnTableAsync),
            interest.SubscribeAll(OnInterestAsync),
        ];
        members.Changed += OnMemberChanged;
        _renewal = time.CreateTimer(_ => AnnounceAll(), null, InterestRenewal, InterestRenewal);
    }

    /// <summary>Whether anyone, on any instance, follows the table (checked before building messages on the write path).</summary>
    public bool IsFollowed(string tableId) =>
        _connections.Values.Any(c => c.Follows(tableId))
        || (_remoteInterest.TryGetValue(tableId, out var until) && until > _time.GetUtcNow());

    public int ConnectionCount => _connections.Count;

    public void Connect(HubCallerContext context)
    {
        var connectionId = context.ConnectionId;
        var buffer = new FeedBuffer(Math.Max(1, _options.CurrentValue.BufferSize),
            (item, ct) => _hub.Clients.Client(connectionId).SendAsync(item.Method, item.Argument, ct), _logger);
        _connections[connectionId] = new Connection(context, buffer);
    }

    public async Task DisconnectAsync(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var connection))
        {
            await connection.Buffer.DisposeAsync();
        }
    }

    public void Subscribe(string connectionId, string tableId)
    {
        if (_connections.TryGetValue(connectionId, out var connection) && connection.Add(tableId))
        {
            _interest.Publish(new FeedInterest(tableId));
        }
    }

    public void Unsubscribe(string connectionId, string tableId)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            connection.Remove(tableId);
        }
    }

    private Task OnRecordsAsync(FeedBatch batch)
    {
        foreach (var connection in _connections.Values.Where(c => c.Follows(batch.TableId)))
        {
            if (batch.Events is null)
            {
                connection.Buffer.Resync(new { tableId = batch.TableId, reason = "A change too large to forward was made on another instance; reload the table." });
                continue;
            }
            foreach (var e in batch.Events)
            {
                connection.Buffer.Post(new FeedItem("recordsChanged", e));
            }
        }
        return Task.CompletedTask;
    }

    private Task OnTableAsync(TableChange change)
    {
        var kind = change.Kind switch
        {
            TableChangeKind.SchemaChanged => "schemaChanged",
            TableChangeKind.TableDeleted => "tableDeleted",
            _ => null,
        };
        if (kind is not null)
        {
            foreach (var connection in _connections.Values.Where(c => c.Follows(change.TableId)))
            {
                connection.Buffer.Post(new FeedItem("tableChanged", new { tableId = change.TableId, kind }));
            }
        }
        return Task.CompletedTask;
    }

    private Task OnInterestAsync(FeedInterest interest)
    {
        _remoteInterest[interest.TableId] = _time.GetUtcNow() + InterestLifetime;
        return Task.CompletedTask;
    }

    /// <summary>Renews this instance's interest with the others while it has followers.</summary>
    private void AnnounceAll()
    {
        foreach (var tableId in _connections.Values.SelectMany(c => c.Tables).Distinct())
        {
            _interest.Publish(new FeedInterest(tableId));
        }
    }

    /// <summary>A removed member's live connections close at once.</summary>
    private async void OnMemberChanged(string userId)
    {
        try
        {
            foreach (var connection in _connections.Values.Where(c => c.Context.UserIdentifier == userId))
            {
                if (await _members.GetAsync(userId) is not { Active: true })
                {
                    connection.Context.Abort();
                }
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not close a removed member's live feed connections");
        }
    }

    public void Dispose()
    {
        _renewal.Dispose();
        _members.Changed -= OnMemberChanged;
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    private sealed class Connection(HubCallerContext context, FeedBuffer buffer)
    {
        private readonly ConcurrentDictionary<string, byte> _tables = new(StringComparer.Ordinal);

        public HubCallerContext Context { get; } = context;

        public FeedBuffer Buffer { get; } = buffer;

        public IEnumerable<string> Tables => _tables.Keys;

        public bool Follows(string tableId) => _tables.ContainsKey(tableId);

        public bool Add(string tableId) => _tables.TryAdd(tableId, 0);

        public void Remove(string tableId) => _tables.TryRemove(tableId, out _);
    }
}
