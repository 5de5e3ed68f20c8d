using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Undb.Tests.TestSupport;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

/// <summary>
/// An accepted request's bookkeeping (its log entry, its idempotency answer) is written in the same transaction as the
/// records it creates: all of it commits, or none of it does.
/// </summary>
[Trait("Engines", "Both")]
public sealed class IngestTransactionTests(RecordingUndbFactory factory) : IClassFixture<RecordingUndbFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    [Fact]
    public async Task TheLogEntryAndIdempotencyAnswer_AreInTheRecordsTransaction_AndRollBackWithIt()
    {
        var hook = await CreateHookAsync(factory);
        var fail = true;
        List<(int Status, string RecordIds)>? logSeen = null;
        List<int?>? answersSeen = null;
        string? recordId = null;
        factory.Sink.Behaviours[hook.TableId] = (scope, batch) =>
        {
            recordId = batch.Changes[0].Record.Id;
            // Runs after the write and its bookkeeping, just before the commit: what is in the transaction by then.
            scope.BeforeCommit(async ct =>
            {
                logSeen = (await scope.Db.IncomingRequests.AsNoTracking().Where(r => r.WebhookId == hook.Id).ToListAsync(ct))
                    .Select(r => (r.Status, r.RecordIds)).ToList();
                answersSeen = await scope.Db.IncomingIdempotencyKeys.AsNoTracking().Where(k => k.WebhookId == hook.Id).Select(k => k.Status).ToListAsync(ct);
                if (fail)
                {
                    throw new InvalidOperationException("the disk is full");
                }
            });
            return null;
        };

        var failed = await _client.SendAsync(Post(hook, """{ "deal": { "title": "Acme" } }""", hook.Key, idempotencyKey: "evt_1"));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nothing was written", (await failed.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        Assert.Equal([(201, $"[\"{recordId}\"]")], logSeen);
        Assert.Equal([201], answersSeen);
        // Rolled back together: no record, no 201 log entry, no accepted count, and the key is free for the sender's
        // retry. The failure itself is in the request log, with no records.
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
        var failure = Assert.Single(await RequestLogAsync(factory, hook.Id))!;
        Assert.Equal(500, failure["status"]!.GetValue<int>());
        Assert.Empty(failure["recordIds"]!.AsArray());
        Assert.Contains("nothing was written", failure["error"]!.GetValue<string>());
        Assert.Equal(0, (await GetHookAsync(factory, hook.Id))["stats"]!["accepted"]!.GetValue<int>());

        fail = false;
        var retried = await _client.SendAsync(Post(hook, """{ "deal": { "title": "Acme" } }""", hook.Key, idempotencyKey: "evt_1"));

        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        var id = Assert.Single((await retried.Content.ReadFromJsonAsync<JsonObject>())!["recordIds"]!.AsArray())!.GetValue<string>();
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
        var entry = (await RequestLogAsync(factory, hook.Id)).Single(e => e!["status"]!.GetValue<int>() == 201)!;
        Assert.Equal(id, Assert.Single(entry["recordIds"]!.AsArray())!.GetValue<string>());
        var stats = (await GetHookAsync(factory, hook.Id))["stats"]!;
        Assert.Equal(2, stats["received"]!.GetValue<int>());
        Assert.Equal(1, stats["accepted"]!.GetValue<int>());

        var replayed = await _client.SendAsync(Post(hook, """{ "deal": { "title": "Acme" } }""", hook.Key, idempotencyKey: "evt_1"));
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
    }
}
