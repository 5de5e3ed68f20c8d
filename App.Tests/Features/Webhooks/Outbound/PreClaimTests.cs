using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>
/// Fresh deliveries are written already claimed by this instance and sent without another claim; a change to the
/// webhook made while they wait still applies to them; claims are handed back, and a restarted instance frees what
/// its earlier run held.
/// </summary>
[Trait("Engines", "Both")]
public sealed class PreClaimTests(PreClaimTests.Factory factory) : IClassFixture<PreClaimTests.Factory>
{
    /// <summary>One request at a time per webhook, so a second delivery provably waits behind the first.</summary>
    public sealed class Factory : OutboundFactory
    {
        public Factory() => Settings["Webhooks:MaxConcurrencyPerWebhook"] = "1";
    }

    private IDbContextFactory<AppDbContext> DbFactory => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private string Instance => factory.Services.GetRequiredService<IOptions<WebhooksOptions>>().Value.EffectiveInstanceId;

    private async Task<DeliveryEntity> DeliveryOfAsync(string webhookId, string recordId)
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().SingleAsync(d => d.WebhookId == webhookId && d.RecordId == recordId);
    }

    /// <summary>A webhook whose receiver holds every request until <c>release</c> is completed.</summary>
    private async Task<(string TableId, string WebhookId, string Secret, HttpClient Api)> HeldWebhookAsync(LoopbackReceiver receiver, TaskCompletionSource release)
    {
        receiver.Respond = async (_, ctx) =>
        {
            await release.Task;
            ctx.Response.StatusCode = StatusCodes.Status204NoContent;
        };
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, secret) = await api.CreateWebhookAsync(table.Id, new { name = "held", url = receiver.Url, events = new[] { "record.created" } });
        return (table.Id, webhookId, secret, api);
    }

    private static async Task<string> CreateRecordAsync(HttpClient api, string tableId, string deal) =>
        (await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = deal } }))["id"]!.GetValue<string>();

    [Fact]
    public async Task AFreshDelivery_IsWrittenClaimedByThisInstance_AndSentUnderThatClaim()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (tableId, webhookId, _, api) = await HeldWebhookAsync(receiver, release);
        using var signals = new DeliverySignals(factory.Services);

        var recordId = await CreateRecordAsync(api, tableId, "Acme");
        await receiver.WaitForCountAsync(1);
        var inFlight = await DeliveryOfAsync(webhookId, recordId);
        release.TrySetResult();
        await signals.NextAsync(c => c.DeliveryId == inFlight.Id && c.Status == DeliveryStatus.Succeeded);

        // While the receiver held the request, the row still carried the lease its creating transaction wrote.
        Assert.Equal(DeliveryStatus.InFlight, inFlight.Status);
        Assert.StartsWith(Instance + ":", inFlight.LeaseToken);
        Assert.Equal(inFlight.CreatedAt + factory.Services.GetRequiredService<IOptions<WebhooksOptions>>().Value.LeaseDuration, inFlight.LeaseExpiresAt);
        var settled = await DeliveryOfAsync(webhookId, recordId);
        Assert.Equal((DeliveryStatus.Succeeded, 1, (string?)null), (settled.Status, settled.AttemptCount, settled.LeaseToken));
    }

    [Fact]
    public async Task PausingTheWebhook_HoldsADeliveryAlreadyInHand_InsteadOfSendingIt()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (tableId, webhookId, _, api) = await HeldWebhookAsync(receiver, release);
        using var signals = new DeliverySignals(factory.Services);
        await CreateRecordAsync(api, tableId, "first");
        await receiver.WaitForCountAsync(1);
        // Claimed and queued when its record was created, waiting for the lane the first one holds.
        var waiting = await CreateRecordAsync(api, tableId, "second");
        var waitingId = (await DeliveryOfAsync(webhookId, waiting)).Id;

        await api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{webhookId}", new { enabled = false });
        release.TrySetResult();
        await signals.NextAsync(c => c.DeliveryId == waitingId && c.Status == DeliveryStatus.Held);

        Assert.Single(receiver.Requests);
        var held = await DeliveryOfAsync(webhookId, waiting);
        Assert.Equal((DeliveryStatus.Held, 0, (string?)null, (DateTimeOffset?)null), (held.Status, held.AttemptCount, held.LeaseToken, held.CompletedAt));
    }

    [Fact]
    public async Task RotatingTheSecret_SignsADeliveryAlreadyInHandWithTheNewOne()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (tableId, webhookId, oldSecret, api) = await HeldWebhookAsync(receiver, release);
        await CreateRecordAsync(api, tableId, "first");
        await receiver.WaitForCountAsync(1);
        await CreateRecordAsync(api, tableId, "second");

        var rotated = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{webhookId}/rotate-secret");
        release.TrySetResult();
        var requests = await receiver.WaitForCountAsync(2);

        var newSecret = rotated["secret"]!.GetValue<string>();
        Assert.True(requests[0].VerifiesWith(oldSecret));
        Assert.False(requests[0].VerifiesWith(newSecret));
        Assert.True(requests[1].VerifiesWith(newSecret), "a delivery sent after the rotation must carry the new secret's signature");
    }

    [Fact]
    public async Task ReleasedClaims_ArePendingAgain_AndOnlyTheGivenClaimIsReleased()
    {
        var (webhookId, rows) = await InFlightRowsAsync(("mine", DateTimeOffset.UtcNow.AddMinutes(2)), ("someone-else", DateTimeOffset.UtcNow.AddMinutes(2)));
        var notHeld = rows[1].Copy();
        notHeld.LeaseToken = "mine"; // a claim this process no longer holds: someone else took the delivery since

        await factory.Services.GetRequiredService<DeliveryStore>().ReleaseAsync([rows[0].Copy(), notHeld]);

        await using var db = await DbFactory.CreateDbContextAsync();
        var after = await db.Deliveries.AsNoTracking().Where(d => d.WebhookId == webhookId).OrderBy(d => d.Id).ToListAsync();
        Assert.Equal((DeliveryStatus.Pending, (string?)null, (DateTimeOffset?)null), (after[0].Status, after[0].LeaseToken, after[0].LeaseExpiresAt));
        Assert.Equal((DeliveryStatus.InFlight, "someone-else"), (after[1].Status, after[1].LeaseToken));
    }

    [Fact]
    public async Task AtStartUp_LeasesOfAnEarlierRunOfThisInstance_Expire_AndNoOneElses()
    {
        var later = DateTimeOffset.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds()); // whole seconds survive storage exactly
        var (webhookId, _) = await InFlightRowsAsync((Instance + ":earlier-run", later), ("other-host:their-run", later), (Instance + "x:similar-name", later));

        var expired = await factory.Services.GetRequiredService<DeliveryStore>().ExpireLeasesOfEarlierRunsAsync(CancellationToken.None);

        await using var db = await DbFactory.CreateDbContextAsync();
        var after = await db.Deliveries.AsNoTracking().Where(d => d.WebhookId == webhookId).OrderBy(d => d.Id).ToListAsync();
        Assert.True(expired >= 1); // other tests' deliveries share the database
        // Expired (or, if a sweep came by since, already taken and settled: the webhook is paused).
        Assert.True(after[0].LeaseExpiresAt is not { } until || until <= DateTimeOffset.UtcNow, "this instance's old lease should have expired");
        Assert.Equal(later, after[1].LeaseExpiresAt);
        Assert.Equal(later, after[2].LeaseExpiresAt);
    }

    /// <summary>Not due once released, so the sweeper leaves a released one pending for the test to see.</summary>
    private async Task<(string WebhookId, List<DeliveryEntity> Rows)> InFlightRowsAsync(params (string Token, DateTimeOffset Until)[] leases)
    {
        var (webhook, rows) = await factory.SeedInFlightAsync(DateTimeOffset.UtcNow.AddHours(1), leases);
        return (webhook.Id, rows);
    }
}
