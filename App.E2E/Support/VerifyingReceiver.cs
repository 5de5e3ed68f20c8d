using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Undb.E2E.Support;

/// <summary>
/// A loopback receiver for several app instances: verifies every Standard Webhooks signature (HMAC-SHA256 over
/// <c>id.timestamp.body</c> with the key after <c>whsec_</c>, written here independently of the app's signer), answers
/// 401 to a bad one, counts <c>record.created</c> per record id, and keeps each request's time span and the app
/// instance that sent it (found from the connection, see <see cref="LoopbackPeers"/>).
/// </summary>
public sealed class VerifyingReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _created = new();
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, string> _senderByConnection = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private volatile byte[] _key = [];
    private int _port;
    private long _rejected;

    private VerifyingReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>The app instances that may call, by pid, to name the sender of each request.</summary>
    public ConcurrentDictionary<int, string> Instances { get; } = new();

    /// <summary>How long each answer is held back, so that two sends of one delivery at once would overlap here visibly.</summary>
    public TimeSpan AnswerDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary><c>record.created</c> events received (verified) per record id.</summary>
    public IReadOnlyDictionary<string, int> CreatedByRecord => _created;

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToList();

    public long Rejected => Interlocked.Read(ref _rejected);

    public void UseSecret(string secret) => _key = Convert.FromBase64String(secret["whsec_".Length..]);

    public static async Task<VerifyingReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var receiver = new VerifyingReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        receiver._port = new Uri(address).Port;
        receiver.Url = address + "/hook";
        return receiver;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var started = _clock.Elapsed;
        var sender = _senderByConnection.GetOrAdd(ctx.Connection.Id, _ =>
            LoopbackPeers.FindProcess(ctx.Connection.RemotePort, _port, Instances.Keys) is { } pid && Instances.TryGetValue(pid, out var name) ? name : "?");
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var id = ctx.Request.Headers["webhook-id"].ToString();
        if (!Verify(id, ctx.Request.Headers["webhook-timestamp"].ToString(), ctx.Request.Headers["webhook-signature"].ToString(), body))
        {
            Interlocked.Increment(ref _rejected);
            ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        var payload = JsonNode.Parse(body)!;
        var eventName = payload["name"]?.GetValue<string>() ?? "";
        var recordId = payload["event"]?["record"]?["id"]?.GetValue<string>();
        await Task.Delay(AnswerDelay);
        // Counted before the answer: once the app sees 200 it may consider the event delivered.
        if (eventName == "record.created" && recordId is not null)
        {
            _created.AddOrUpdate(recordId, 1, (_, n) => n + 1);
        }
        _requests.Enqueue(new ReceivedRequest(id, eventName, recordId, sender, started, _clock.Elapsed));
        _arrived.Release();
        ctx.Response.StatusCode = StatusCodes.Status200OK;
    }

    private bool Verify(string id, string timestamp, string signatures, byte[] body)
    {
        if (id.Length == 0 || timestamp.Length == 0 || signatures.Length == 0 || _key.Length == 0)
        {
            return false;
        }
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        var expected = Encoding.ASCII.GetBytes(Convert.ToBase64String(HMACSHA256.HashData(_key, signed)));
        foreach (var signature in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = signature.IndexOf(',');
            if (comma > 0 && signature[..comma] == "v1" && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature[(comma + 1)..]), expected))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Waits (signalled per request, no sleeping) until <paramref name="done"/> holds; false if <paramref name="deadline"/> passes first.</summary>
    public async Task<bool> WaitUntilAsync(Func<bool> done, TimeSpan deadline)
    {
        using var cts = new CancellationTokenSource(deadline);
        while (!done())
        {
            try
            {
                await _arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                return done();
            }
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <param name="WebhookId">The <c>webhook-id</c> header: the event's id, the same on every attempt of a delivery.</param>
/// <param name="Sender">The app instance the request came from (by its connection), or "?" when it could not be told.</param>
/// <param name="Started">When the request reached the receiver, since the receiver started.</param>
/// <param name="Answered">When the receiver answered it.</param>
public sealed record ReceivedRequest(string WebhookId, string Event, string? RecordId, string Sender, TimeSpan Started, TimeSpan Answered);
