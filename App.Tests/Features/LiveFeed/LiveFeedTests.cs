using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Undb.Features.Accounts;
using Undb.Features.LiveFeed;
using Undb.Tests.Features.Accounts;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.LiveFeed;

/// <summary>A client of the live feed: every message it receives, in order.</summary>
public sealed class FeedClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Channel<(string Method, JsonElement Body)> _received = Channel.CreateUnbounded<(string, JsonElement)>();

    private FeedClient(HubConnection connection)
    {
        Connection = connection;
        foreach (var method in new[] { "recordsChanged", "tableChanged", "resync" })
        {
            connection.On<JsonElement>(method, body => _received.Writer.TryWrite((method, body)));
        }
    }

    public HubConnection Connection { get; }

    /// <summary>Connects to the factory's in-memory server (long polling; the token travels as the SignalR client sends it).</summary>
    public static async Task<FeedClient> ConnectAsync(UndbFactory factory, string? token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, "hubs/tables"), o =>
            {
                o.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build();
        var client = new FeedClient(connection);
        await connection.StartAsync();
        return client;
    }

    public async Task<(string Method, JsonElement Body)> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

[Trait("Engines", "Both")]
public sealed class LiveFeedTests(TeamsFactory app) : IClassFixture<TeamsFactory>
{
    private async Task<string> TableAsync(string name = "Feed")
    {
        var created = await app.CreateApiClient().PostAsJsonAsync("/api/tables",
            new { name = $"{name} {Guid.NewGuid().ToString("N")[..6]}", fields = new[] { new { name = "Deal", type = "text" }, new { name = "Value", type = "number" } } });
        return (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    [Fact]
    public async Task ASubscriber_ReceivesCreateUpdateDelete_InOrder_WithThePayloadsEvent()
    {
        var tableId = await TableAsync();
        await using var client = await FeedClient.ConnectAsync(app, UndbFactory.ApiToken);
        await client.Connection.InvokeAsync("SubscribeTable", tableId);

        var api = app.CreateApiClient();
        var record = (await (await api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = "Acme", Value = 1 } })).Content.ReadFromJsonAsync<JsonObject>())!;
        var recordId = (string)record["id"]!;
        Assert.True((await api.PatchAsJsonAsync($"/api/tables/{tableId}/records/{recordId}", new { values = new { Value = 2 } })).IsSuccessStatusCode);
        Assert.True((await api.DeleteAsync($"/api/tables/{tableId}/records/{recordId}")).IsSuccessStatusCode);

        var created = await client.NextAsync();
        Assert.Equal("recordsChanged", created.Method);
        Assert.Equal("record.created", created.Body.GetProperty("name").GetString());
        Assert.Equal(tableId, created.Body.GetProperty("tableId").GetString());
        Assert.Equal("Acme", created.Body.GetProperty("record").GetProperty("Deal").GetString());
        Assert.Equal(await app.AdminIdAsync(), created.Body.GetProperty("operatorId").GetString());
        Assert.True(created.Body.TryGetProperty("timestamp", out _));

        var updated = await client.NextAsync();
        Assert.Equal("record.updated", updated.Body.GetProperty("name").GetString());
        Assert.Equal(2, updated.Body.GetProperty("record").GetProperty("Value").GetDouble());
        Assert.Equal(1, updated.Body.GetProperty("previous").GetProperty("Value").GetDouble());

        var deleted = await client.NextAsync();
        Assert.Equal("record.deleted", deleted.Body.GetProperty("name").GetString());
        Assert.Equal(recordId, deleted.Body.GetProperty("record").GetProperty("id").GetString());
    }

    [Fact]
    public async Task WithoutAToken_TheConnectionIsRefused()
    {
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => FeedClient.ConnectAsync(app, null));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var wrong = await Assert.ThrowsAsync<HttpRequestException>(() => FeedClient.ConnectAsync(app, "undb_not_a_real_token_at_all_000"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task AfterUnsubscribing_NothingMoreArrives()
    {
        var first = await TableAsync("First");
        var second = await TableAsync("Second");
        await using var client = await FeedClient.ConnectAsync(app, UndbFactory.ApiToken);
        await client.Connection.InvokeAsync("SubscribeTable", first);
        await client.Connection.InvokeAsync("SubscribeTable", second);
        await client.Connection.InvokeAsync("UnsubscribeTable", first);

        var api = app.CreateApiClient();
        Assert.True((await api.PostAsJsonAsync($"/api/tables/{first}/records", new { values = new { Deal = "Not for you" } })).IsSuccessStatusCode);
        Assert.True((await api.PostAsJsonAsync($"/api/tables/{second}/records", new { values = new { Deal = "For you" } })).IsSuccessStatusCode);

        // Messages to one client leave in order: had the first table's change been sent, it would come first.
        var next = await client.NextAsync();
        Assert.Equal(second, next.Body.GetProperty("tableId").GetString());
        Assert.Equal("For you", next.Body.GetProperty("record").GetProperty("Deal").GetString());
    }

    [Fact]
    public async Task AnUnknownTable_IsAHubErrorTheClientCanRead()
    {
        await using var client = await FeedClient.ConnectAsync(app, UndbFactory.ApiToken);
        var error = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync("SubscribeTable", "tbl_nope"));
        Assert.Contains("Table 'tbl_nope' does not exist", error.Message);
    }

    [Fact]
    public async Task SchemaChanges_AndBulkChanges_AreSentToo()
    {
        var tableId = await TableAsync();
        await using var client = await FeedClient.ConnectAsync(app, UndbFactory.ApiToken);
        await client.Connection.InvokeAsync("SubscribeTable", tableId);
        var api = app.CreateApiClient();
        Assert.True((await api.PostAsJsonAsync($"/api/tables/{tableId}/fields", new { name = "Stage", type = "text" })).IsSuccessStatusCode);
        Assert.True((await api.PostAsJsonAsync($"/api/tables/{tableId}/records/bulk",
            new { records = new[] { new { values = new { Deal = "A" } }, new { values = new { Deal = "B" } } } })).IsSuccessStatusCode);

        var schema = await client.NextAsync();
        Assert.Equal("tableChanged", schema.Method);
        Assert.Equal("schemaChanged", schema.Body.GetProperty("kind").GetString());
        var bulk = await client.NextAsync();
        Assert.Equal("record.bulk_created", bulk.Body.GetProperty("name").GetString());
        Assert.Equal(["A", "B"], bulk.Body.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("Deal").GetString()));
    }

    [Fact]
    public async Task AReadOnlyToken_MayFollowATable()
    {
        var tableId = await TableAsync();
        var reader = await app.MemberAsync(Role.Viewer, readOnlyToken: true);
        await using var client = await FeedClient.ConnectAsync(app, reader.Token);
        await client.Connection.InvokeAsync("SubscribeTable", tableId);
        Assert.True((await app.CreateApiClient().PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = "Seen" } })).IsSuccessStatusCode);
        Assert.Equal("record.created", (await client.NextAsync()).Body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task AViewer_MayFollowATable_AndARemovedMember_IsDisconnected()
    {
        var tableId = await TableAsync();
        var viewer = await app.MemberAsync(Role.Viewer);
        await using var client = await FeedClient.ConnectAsync(app, viewer.Token);
        await client.Connection.InvokeAsync("SubscribeTable", tableId);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await app.Services.CreateScope().ServiceProvider.GetRequiredService<MemberService>().RemoveAsync(viewer.Id);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HubConnectionState.Disconnected, client.Connection.State);
    }
}

/// <summary>The token a SignalR client puts in the URL (<c>?access_token=</c>) never reaches the logs, whatever their level.</summary>
public sealed class LiveFeedLogFactory : UndbFactory
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public LiveFeedLogFactory()
    {
        Settings["Logging:LogLevel:Default"] = "Trace";
        Settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace";
        ConfigureServices = services => services.AddSingleton<ILoggerProvider>(new LineProvider(Lines));
    }

    private sealed class LineProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class LineLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
    }
}

public sealed class LiveFeedLogTests(LiveFeedLogFactory app) : IClassFixture<LiveFeedLogFactory>
{
    [Fact]
    public async Task ATokenInTheQuery_Authenticates_ButIsNeverLogged()
    {
        var client = app.CreateAnonymousClient();
        var negotiate = await client.PostAsync($"/hubs/tables/negotiate?negotiateVersion=1&access_token={UndbFactory.ApiToken}", null);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        var refused = await client.PostAsync("/hubs/tables/negotiate?negotiateVersion=1&access_token=undb_wrong_token_0000000000", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        Assert.NotEmpty(app.Lines);
        Assert.DoesNotContain(app.Lines, line => line.Contains(UndbFactory.ApiToken, StringComparison.Ordinal) || line.Contains("undb_wrong_token", StringComparison.Ordinal));
    }
}

/// <summary>An incoming webhook's key sent as a Bearer token is the endpoint's to check, not a failed API-token sign-in.</summary>
public sealed class IncomingBearerLogTests(LiveFeedLogFactory app) : IClassFixture<LiveFeedLogFactory>
{
    [Fact]
    public async Task AnIncomingKeyAsBearer_IsAccepted_WithoutAFailedTokenSignInLogged()
    {
        var hook = await Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport.CreateHookAsync(app);
        var request = Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport.Post(hook, """{ "deal": { "title": "Bearer" } }""");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", hook.Key);
        Assert.Equal(HttpStatusCode.Created, (await app.CreateAnonymousClient().SendAsync(request)).StatusCode);
        static bool Failed(string line) => line.Contains("was not authenticated. Failure message", StringComparison.Ordinal);
        Assert.DoesNotContain(app.Lines, Failed);

        // A wrong API token still is one, and is logged as such: the log is being read.
        var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/tables");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "undb_wrong_token_0000000000");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateAnonymousClient().SendAsync(wrong)).StatusCode);
        Assert.Contains(app.Lines, Failed);
    }
}

/// <summary>A slow client never slows the publisher: its buffer is bounded and, when full, it gets one resync.</summary>
public sealed class FeedBufferTests
{
    [Fact]
    public async Task WhenTheClientFallsBehind_WhatItMissedIsReplacedByOneResync()
    {
        var sending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new List<FeedItem>();
        await using var buffer = new FeedBuffer(3, async (item, _) =>
        {
            lock (sent)
            {
                sent.Add(item);
            }
            if (item.Argument is 1)
            {
                sending.TrySetResult();
                await release.Task; // the client does not read
            }
            if (item.Argument is 5)
            {
                last.TrySetResult();
            }
        }, NullLogger.Instance);

        buffer.Post(new FeedItem("recordsChanged", 1));
        await sending.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The first message is stuck in the client's connection; three more fill the buffer, the fifth overflows it.
        for (var i = 2; i <= 5; i++)
        {
            buffer.Post(new FeedItem("recordsChanged", i));
        }
        Assert.Equal(1, buffer.Resyncs);

        release.SetResult();
        await last.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["recordsChanged", FeedBuffer.ResyncMethod, "recordsChanged"], sent.Select(s => s.Method));
        Assert.Equal(5, sent[^1].Argument);
    }
}

/// <summary>Two instances on one PostgreSQL database: a client of instance B hears a change made through instance A.</summary>
public sealed class SecondInstanceFactory(PostgresFeedFactory first) : UndbFactory(first)
{
    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        Settings["Webhooks:InstanceId"] = "instance-b";
        base.ConfigureWebHost(builder);
    }
}

public sealed class PostgresFeedFactory : UndbFactory
{
    public PostgresFeedFactory()
        : base(postgres: true) => Settings["Webhooks:InstanceId"] = "instance-a";
}

[Trait("Engines", "Postgres")]
public sealed class LiveFeedInstancesTests(PostgresFeedFactory a) : IClassFixture<PostgresFeedFactory>
{
    [Fact]
    public async Task AClientOfInstanceB_SeesAChangeMadeThroughInstanceA()
    {
        var api = a.CreateApiClient();
        var table = (await (await api.PostAsJsonAsync("/api/tables", new { name = "Across", fields = new[] { new { name = "Deal", type = "text" } } })).Content.ReadFromJsonAsync<JsonObject>())!;
        var tableId = (string)table["id"]!;
        await using var b = new SecondInstanceFactory(a);

        // A hears that B follows the table (so it forwards that table's changes) before the change is made.
        var aHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listening = a.Services.GetRequiredService<FeedInterestNotifier>().Subscribe(tableId, _ =>
        {
            aHeard.TrySetResult();
            return Task.CompletedTask;
        });
        await using var client = await FeedClient.ConnectAsync(b, UndbFactory.ApiToken);
        await client.Connection.InvokeAsync("SubscribeTable", tableId);
        await aHeard.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True((await api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = "Made on A" } })).IsSuccessStatusCode);

        var heard = await client.NextAsync();
        Assert.Equal("record.created", heard.Body.GetProperty("name").GetString());
        Assert.Equal("Made on A", heard.Body.GetProperty("record").GetProperty("Deal").GetString());
    }
}
