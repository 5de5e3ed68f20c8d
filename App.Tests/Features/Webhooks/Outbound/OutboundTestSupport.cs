using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>The app with loopback receivers allowed and Data Protection keys kept next to the test database.</summary>
public class OutboundFactory : UndbFactory
{
    public OutboundFactory()
        : this(TestEngine.Postgres)
    {
    }

    /// <summary>On PostgreSQL whatever <c>UNDB_TEST_PROVIDER</c> says (for tests of what only PostgreSQL does).</summary>
    protected OutboundFactory(bool postgres)
        : base(postgres)
    {
        Settings["Webhooks:AllowPrivateNetworks"] = "true";
        Settings["DataProtection:KeysPath"] = Path.Combine(Database.Directory, "keys");
    }
}

/// <summary>The same on PostgreSQL whatever the pass.</summary>
public sealed class PostgresOutboundFactory() : OutboundFactory(postgres: true);

/// <summary>The app with the SSRF guard on (the production default).</summary>
public sealed class GuardedFactory : UndbFactory
{
    public GuardedFactory()
    {
        Settings["Webhooks:AllowPrivateNetworks"] = "false";
        Settings["DataProtection:KeysPath"] = Path.Combine(Database.Directory, "keys");
    }
}

/// <summary>Collects delivery changes so a test can await "this delivery reached that state" instead of sleeping.</summary>
public sealed class DeliverySignals : IDisposable
{
    private readonly Channel<DeliveryChange> _changes = Channel.CreateUnbounded<DeliveryChange>();
    private readonly IDisposable _subscription;

    public DeliverySignals(IServiceProvider services) =>
        _subscription = services.GetRequiredService<DeliveryNotifier>().SubscribeAll(c => _changes.Writer.WriteAsync(c).AsTask());

    public async Task<DeliveryChange> NextAsync(Func<DeliveryChange, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var change = await _changes.Reader.ReadAsync(cts.Token);
            if (match(change))
            {
                return change;
            }
        }
    }

    public void Dispose() => _subscription.Dispose();
}

public static class OutboundTestExtensions
{
    /// <summary>The count every webhook change adds to (<see cref="WebhookSettings.Changed"/>), as stored now.</summary>
    public static async Task<long> WebhookSettingsCountAsync(this IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.ChangeCounters.Where(c => c.Name == Undb.Features.Tables.IRecordChangeSink.SettingsCounter).Select(c => c.Value).FirstOrDefaultAsync();
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web);

    /// <summary>Creates a webhook through the REST API; returns its id and full secret.</summary>
    public static async Task<(string Id, string Secret)> CreateWebhookAsync(this HttpClient api, string tableId, object body)
    {
        var response = await api.PostAsJsonAsync($"/api/tables/{tableId}/webhooks", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, text);
        var json = JsonNode.Parse(text)!;
        return (json["id"]!.GetValue<string>(), json["secret"]!.GetValue<string>());
    }

    public static async Task<JsonNode> SendJsonAsync(this HttpClient api, HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {url} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>
    /// In-flight deliveries under the given leases, due at <paramref name="nextAttemptAt"/>, on a new table's paused
    /// webhook (so the worker leaves them alone); returns the webhook and copies of the rows, in the order given.
    /// </summary>
    public static async Task<(WebhookEntity Webhook, List<DeliveryEntity> Rows)> SeedInFlightAsync(
        this UndbFactory factory, DateTimeOffset nextAttemptAt, params (string Token, DateTimeOffset Until)[] leases)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (webhookId, _) = await factory.CreateApiClient().CreateWebhookAsync(table.Id, new { name = "paused", url = "http://127.0.0.1:9/", events = new[] { "record.created" }, enabled = false });
        var now = DateTimeOffset.UtcNow;
        var rows = leases.Select(l => new DeliveryEntity
        {
            WebhookId = webhookId, TableId = table.Id, EventId = Ids.New("evt"), EventName = "record.created", Payload = "{}",
            Status = DeliveryStatus.InFlight, LeaseToken = l.Token, LeaseExpiresAt = l.Until, NextAttemptAt = nextAttemptAt,
            CreatedAt = now, UpdatedAt = now,
        }).ToList();
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        db.Deliveries.AddRange(rows);
        await db.SaveChangesAsync();
        var webhook = await db.Webhooks.AsNoTracking().SingleAsync(w => w.Id == webhookId);
        return (webhook, rows.Select(d => d.Copy()).ToList());
    }

    public static DeliveryWorker Worker(this IServiceProvider services) =>
        services.GetServices<IHostedService>().OfType<DeliveryWorker>().Single();

    /// <summary>Standard Webhooks verification written from the spec, independent of the app's signer.</summary>
    public static bool VerifiesWith(this ReceivedRequest request, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var content = $"{request.Header("webhook-id")}.{request.Header("webhook-timestamp")}.{request.Body}";
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(content)));
        return request.Header("webhook-signature").Split(' ').Contains(expected);
    }

    public static JsonNode Payload(this ReceivedRequest request) => JsonNode.Parse(request.Body)!;

    public static string EventName(this ReceivedRequest request) => request.Payload()["name"]!.GetValue<string>();
}
