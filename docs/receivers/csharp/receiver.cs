// An Undb webhook receiver in C# (ASP.NET Core minimal API), verifying signatures with System.Security.Cryptography.
// A .NET 10 file-based app: no project file needed.
//
//   UNDB_WEBHOOK_SECRET=whsec_... PORT=4000 dotnet run receiver.cs
//
// It answers POST /webhooks/undb: 401 when a signature does not verify, 200 for a webhook-id it has already seen
// (a redelivery: Undb delivers at least once), 204 as soon as a new event is queued; the work happens after the answer.
#:sdk Microsoft.NET.Sdk.Web

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

var secret = Environment.GetEnvironmentVariable("UNDB_WEBHOOK_SECRET")
    ?? throw new InvalidOperationException("Set UNDB_WEBHOOK_SECRET to the webhook's secret (whsec_...).");
// Both signatures use the base64-decoded part after "whsec_" as the HMAC key.
var key = Convert.FromBase64String(secret.StartsWith("whsec_") ? secret["whsec_".Length..] : secret);
var tolerance = TimeSpan.FromMinutes(5); // refuse old (replayed) or far-future timestamps

// Deduplication: remember each webhook-id. Here in memory; in production a table with a unique key on it,
// written in the same transaction as the event's effects.
var seen = new ConcurrentDictionary<string, DateTimeOffset>();
var work = Channel.CreateUnbounded<JsonNode>();

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls($"http://{Environment.GetEnvironmentVariable("HOST") ?? "127.0.0.1"}:{Environment.GetEnvironmentVariable("PORT") ?? "4000"}");
var app = builder.Build();

app.MapPost("/webhooks/undb", async (HttpRequest request) =>
{
    // The raw body: the signature covers the bytes exactly, so verify before parsing.
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var body = buffer.ToArray();
    var id = request.Headers["webhook-id"].ToString();
    if (!VerifyStandardWebhooks(request.Headers, body) || !VerifyUndbSignature(request.Headers["X-Undb-Signature"].ToString(), body))
    {
        Console.WriteLine($"rejected {(id.Length > 0 ? id : "-")}");
        return Results.Text("invalid signature", statusCode: StatusCodes.Status401Unauthorized);
    }
    if (!seen.TryAdd(id, DateTimeOffset.UtcNow))
    {
        Console.WriteLine($"duplicate {id}");
        return Results.Ok();
    }
    var payload = JsonNode.Parse(body)!;
    Console.WriteLine($"verified {id} {payload["name"]}");
    work.Writer.TryWrite(payload);
    return Results.NoContent(); // answer within seconds: Undb gives up on an attempt after 15 s and tries again later
});

// The slow part (calling other systems, writing to a database) runs here, after the answer was sent.
_ = Task.Run(async () =>
{
    await foreach (var payload in work.Reader.ReadAllAsync())
    {
        Console.WriteLine($"processed {payload["id"]} {payload["name"]} record={payload["event"]?["record"]?["id"]?.ToString() ?? "-"}");
    }
});

app.Run();

// webhook-signature: space-separated "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" (two while a secret rotates).
bool VerifyStandardWebhooks(IHeaderDictionary headers, byte[] body)
{
    var id = headers["webhook-id"].ToString();
    if (id.Length == 0 || !long.TryParse(headers["webhook-timestamp"].ToString(), out var timestamp)
        || (DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(timestamp)).Duration() > tolerance)
    {
        return false;
    }
    var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
    var expected = Encoding.ASCII.GetBytes("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)));
    return headers["webhook-signature"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
}

// X-Undb-Signature: "sha256=<hex HMAC-SHA256(key, body)>", for receivers built for GitHub-style signatures.
bool VerifyUndbSignature(string header, byte[] body)
{
    var expected = Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body)));
    return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(header), expected);
}
