using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Undb.Bench;

/// <summary>
/// A loopback Kestrel endpoint that verifies every Standard Webhooks signature and records when each event arrived.
/// Verification is written here independently of the app's signer, so a wrong signature is caught, not mirrored.
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte> _seen = new();
    private byte[] _key = [];
    private long _verified;
    private long _rejected;
    private long _expected;
    private int _floorEvents;

    public ConcurrentQueue<double> LatenciesMs { get; } = new();

    public bool MeasureLatency { get; set; }

    private Receiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public long Verified => Interlocked.Read(ref _verified);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Distinct event ids seen (deliveries may repeat; at-least-once).</summary>
    public int DistinctEvents => _seen.Count;

    public void UseSecret(string secret) => _key = Convert.FromBase64String(secret["whsec_".Length..]);

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new Receiver(app);
        app.MapPost("/hook", (Delegate)receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Urls.First().TrimEnd('/') + "/hook";
        return receiver;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var ms = new MemoryStream();
        await context.Request.Body.CopyToAsync(ms);
        var body = ms.ToArray();
        var id = context.Request.Headers["webhook-id"].ToString();
        var ts = context.Request.Headers["webhook-timestamp"].ToString();
        var signatures = context.Request.Headers["webhook-signature"].ToString();
        if (!Verify(id, ts, body, signatures))
        {
            Interlocked.Increment(ref _rejected);
            return Results.Unauthorized();
        }
        if (MeasureLatency)
        {
            RecordLatency(body);
        }
        if (_seen.TryAdd(id, 0) && id.StartsWith(FloorIdPrefix, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _floorEvents);
        }
        Interlocked.Increment(ref _verified);
        return Results.Ok();
    }

    private bool Verify(string id, string timestamp, byte[] body, string signatures)
    {
        if (id.Length == 0 || timestamp.Length == 0 || signatures.Length == 0)
        {
            return false;
        }
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(_key, signed));
        foreach (var sig in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = sig.IndexOf(',');
            if (comma > 0 && sig[..comma] == "v1" && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sig[(comma + 1)..]), Encoding.ASCII.GetBytes(expected)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Commit-to-arrival: the record's createdAt (set just before its commit) to now.</summary>
    private void RecordLatency(byte[] body)
    {
        var now = DateTimeOffset.UtcNow;
        using var doc = JsonDocument.Parse(body);
        if (doc.RootElement.TryGetProperty("event", out var ev) && ev.TryGetProperty("record", out var record) &&
            record.TryGetProperty("createdAt", out var created) && created.TryGetDateTimeOffset(out var at))
        {
            LatenciesMs.Enqueue((now - at).TotalMilliseconds);
        }
    }

    /// <summary>The <c>webhook-id</c>s the floor signs with; every other id is an event the app sent.</summary>
    public const string FloorIdPrefix = "msg_floor_";

    /// <summary>Adds events the app should have sent (a record.created for each record written to a table with the receiver's webhook).</summary>
    public void Expect(long events) => Interlocked.Add(ref _expected, events);

    /// <summary>Events the app should have sent that never arrived (counted against <see cref="Expect"/>).</summary>
    public long Lost => Math.Max(0, Interlocked.Read(ref _expected) - (DistinctEvents - Volatile.Read(ref _floorEvents)));

    /// <summary>Sends that repeated an event already received (allowed, at-least-once; counted so no figure includes them).</summary>
    public long Duplicates => Verified - DistinctEvents;

    /// <summary>Waits until <paramref name="count"/> distinct verified events have arrived, or throws after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(long count, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (DistinctEvents < count)
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"Only {DistinctEvents} of {count} events arrived within {timeout} ({Rejected} rejected, {Duplicates} duplicates).");
            }
            await Task.Delay(5);
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
