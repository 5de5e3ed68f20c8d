using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>What the HTTP layer read before the body: who knocked, with which key, what they sent.</summary>
/// <param name="Header">Reads a request header (signature schemes need several); null when there are none to read.</param>
/// <param name="FormContentType">The Content-Type of a form post (read as fields, see <see cref="FormBody"/>); null for JSON or anything else.</param>
/// <param name="TestPass">A one-time pass from the setup screen's "Send test" (<see cref="IncomingTestPasses"/>), in place of the key.</param>
public sealed record IngestRequest(
    string WebhookId, string? ApiKey, string? IdempotencyKey, bool IsJson, long? DeclaredSize, System.Net.IPAddress? Client = null,
    Func<string, string?>? Header = null, string? FormContentType = null, string? TestPass = null);

/// <summary>The body, read up to the limit: <see cref="Bytes"/> is null when it was bigger.</summary>
public sealed record IngestBody(byte[]? Bytes, long Size);

/// <summary>The answer to a sender: status and JSON body (<c>{recordIds}</c> or problem details).</summary>
public sealed record IngestOutcome(int Status, JsonObject Body, bool IdempotentReplay = false)
{
    /// <summary>Whether the request's log entry (and idempotency answer) already committed, with the records it created.</summary>
    internal bool LoggedWithRecords { get; init; }

    /// <summary>For a 429: how long the sender should wait (sent as <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public IReadOnlyList<string> RecordIds =>
        Body["recordIds"] is JsonArray ids ? ids.Select(i => i!.GetValue<string>()).ToList() : [];

    public string? Detail => Body["detail"]?.GetValue<string>();
}

/// <summary>
/// Turns a request to <c>/hooks/{id}</c> into records, in this order: webhook exists (404), key (401), rate limits
/// (429, see <see cref="IngestRateLimits"/>), a repeated idempotency key returns its first answer, paused (503), JSON
/// content type (415), size (413), syntax (400), number of records (413), mapping and values (422, nothing written),
/// then one all-or-nothing write through RecordService (201). Every request to an existing webhook is counted and
/// logged, except those refused by a rate limit: they do no work at all.
/// </summary>
public sealed class IngestService(
    IDbContextFactory<AppDbContext> dbFactory,
    IncomingWebhookCache webhooks,
    RecordService records,
    TableSnapshotCache tables,
    IdempotencyStore idempotency,
    IncomingLogWriter logWriter,
    IncomingWebhookNotifier notifier,
    IngestRateLimits rateLimits,
    IncomingVerificationSecrets verificationSecrets,
    IncomingTestPasses testPasses,
    IOptions<IncomingWebhooksOptions> options,
    TimeProvider time,
    ILogger<IngestService> logger)
{
    private readonly IncomingWebhooksOptions _options = options.Value;

    public async Task<IngestOutcome> IngestAsync(IngestRequest request, Func<CancellationToken, Task<IngestBody>> readBody, CancellationToken ct)
    {
        var webhook = await webhooks.GetAsync(request.WebhookId, ct);
        if (webhook is null)
        {
            return UnauthenticatedOverBudget(request)
                ?? Problem(404, "Not found", $"There is no incoming webhook '{request.WebhookId}'. Check the URL.");
        }
        var log = new IncomingRequestEntity { WebhookId = webhook.Id, ReceivedAt = time.GetUtcNow(), Size = request.DeclaredSize ?? 0 };

        // The body is read at most once: a signature needs it before anything else is decided.
        IngestBody? read = null;
        async Task<IngestBody> ReadOnceAsync() => read ??= await readBody(ct);

        // "Send test" from the setup screen: a one-time pass stands in for the key, with the mapping being edited and the
        // user who pressed it as the actor; logged as a test (not from a sender), not counted in the stats.
        IncomingTestPass? test = null;
        if (request.TestPass is { Length: > 0 } presented)
        {
            test = testPasses.Redeem(webhook.Id, presented);
            if (test is null)
            {
                return UnauthenticatedOverBudget(request) ?? await FinishAsync(webhook, log, null,
                    Problem(401, "Unauthorized", "This test pass is unknown, used or expired: press Send test again."));
            }
            log.Replay = true;
        }
        var keyMatches = test is not null || (!string.IsNullOrEmpty(request.ApiKey) && SecretHasher.Matches(request.ApiKey, webhook.KeyHash));
        if (!keyMatches)
        {
            string detail;
            var verification = StoredVerification.Parse(webhook.Verification);
            if (verification is not null)
            {
                var signed = await ReadOnceAsync();
                if (signed.Bytes is null)
                {
                    log.Size = signed.Size;
                    return await FinishAsync(webhook, log, null, Problem(413, "Payload too large",
                        $"The body is larger than this webhook accepts ({_options.MaxBodyBytes:N0} bytes)."));
                }
                var check = verificationSecrets.TryUnprotect(verification.SecretProtected) is { } secret
                    ? SenderSignatures.Verify(verification.Settings, secret, request.Header ?? (_ => null), signed.Bytes, time.GetUtcNow())
                    : SignatureCheck.Fail("The webhook's verification secret cannot be decrypted (the Data Protection keys were replaced); its owner must set it again.");
                detail = check.Ok ? ""
                    : string.IsNullOrEmpty(request.ApiKey) ? check.Problem + " (Or send the webhook's API key as 'X-Api-Key'.)"
                    : "The API key is wrong or was regenerated, and " + char.ToLowerInvariant(check.Problem![0]) + check.Problem[1..];
            }
            else
            {
                detail = string.IsNullOrEmpty(request.ApiKey)
                    ? "Send the webhook's API key as 'X-Api-Key: uwk_…' or 'Authorization: Bearer uwk_…'."
                    : "The API key is wrong or was regenerated. Copy the current key from the webhook's card.";
            }
            if (detail.Length > 0)
            {
                // Over its budget, a failing caller gets 429 with no work done: not logged, not counted.
                if (UnauthenticatedOverBudget(request) is { } refused)
                {
                    return refused;
                }
                return await FinishAsync(webhook, log, null, Problem(401, "Unauthorized", detail));
            }
        }
        if (rateLimits.Authenticated(webhook.Id) is { } wait)
        {
            return TooManyRequests(wait, $"This webhook takes at most {_options.RateLimitPermits} requests per window");
        }

        if (request.IdempotencyKey is { } key && await idempotency.FindAnswerAsync(webhook.Id, key, ct) is { } first)
        {
            log.Error = $"Repeated idempotency key '{key}': answered with the first response ({first.Status}); nothing written.";
            return await FinishAsync(webhook, log, null, first with { IdempotentReplay = true }, countAsAccepted: first.Status < 300);
        }
        if (!webhook.Enabled)
        {
            return await FinishAsync(webhook, log, null, Problem(503, "Paused",
                "This incoming webhook is paused; nothing was written. Retry later, or ask its owner to turn it back on."));
        }
        if (!request.IsJson && request.FormContentType is null)
        {
            return await FinishAsync(webhook, log, null, Problem(415, "Unsupported media type",
                "Send the body as JSON with 'Content-Type: application/json', or as a form (application/x-www-form-urlencoded or multipart/form-data)."));
        }

        var body = await ReadOnceAsync();
        log.Size = body.Size;
        if (body.Bytes is null)
        {
            return await FinishAsync(webhook, log, null, Problem(413, "Payload too large",
                $"The body is larger than this webhook accepts ({_options.MaxBodyBytes:N0} bytes)."));
        }
        // Some senders start UTF-8 with a byte order mark, which the JSON reader refuses.
        var json = body.Bytes.AsMemory();
        if (json.Span.StartsWith(Encoding.UTF8.Preamble))
        {
            json = json[Encoding.UTF8.Preamble.Length..];
        }
        JsonNode? payload;
        if (request.FormContentType is { } formType)
        {
            // A form becomes the JSON object it means; from here on (mapping, log, capture) it is JSON.
            var form = await FormBody.ParseAsync(json, formType, ct);
            if (form.Json is null)
            {
                return await FinishAsync(webhook, log, null, Problem(form.Status, form.Title!, form.Error!));
            }
            payload = form.Json;
            log.Payload = form.Json.ToJsonString(Data.JsonStorage.Options);
        }
        else
        {
            log.Payload = Encoding.UTF8.GetString(json.Span);

            // Syntax, and text that is not Unicode (invalid UTF-8, "\ud83d"): refused here, logged, before any value is read.
            if (Infrastructure.JsonText.FindError(json.Span) is { } invalid)
            {
                return await FinishAsync(webhook, log, null, Problem(400, "Malformed JSON", invalid.ToString()));
            }
            payload = JsonNode.Parse(json.Span);
        }

        if (request.IdempotencyKey is { } claimKey && !await idempotency.TryClaimAsync(webhook.Id, claimKey, ct))
        {
            // Lost the race to a concurrent request with the same key: that one's answer is (or will be) the answer.
            var answer = await idempotency.FindAnswerAsync(webhook.Id, claimKey, ct)
                ?? Problem(409, "Conflict", $"A request with idempotency key '{claimKey}' is being processed; retry in a moment.");
            return await FinishAsync(webhook, log, payload, answer with { IdempotentReplay = answer.Status != 409 }, countAsAccepted: answer.Status < 300);
        }

        IngestOutcome outcome;
        try
        {
            outcome = test is null
                ? await WriteAsync(webhook, payload, webhook.CreatedById, new Bookkeeping(log, CountInStats: true, request.IdempotencyKey), ct)
                : await WriteAsync(WithMapping(webhook, test.Mapping), payload, test.ActorId, new Bookkeeping(log, CountInStats: false, request.IdempotencyKey), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failure of ours (a bug, the database gone): nothing was written, the write being one transaction. The
            // sender gets a 500 it can retry, and the request log shows the failure, which the owner would otherwise
            // only find in the server's log.
            logger.LogError(ex, "Incoming webhook {WebhookId}: a request failed; nothing was written", webhook.Id);
            var failed = Problem(500, "Internal error", "The request could not be processed and nothing was written; retry it. The app's log says why.");
            log.Error = $"Failed on the server ({ex.GetType().Name}); nothing was written. The app's log has the details.";
            try
            {
                if (request.IdempotencyKey is { } failedKey)
                {
                    // Frees the key, so the sender's retry is not refused with 409.
                    await idempotency.CompleteAsync(webhook.Id, failedKey, failed);
                }
                return await FinishAsync(webhook, log, payload, failed, countAsAccepted: false);
            }
            catch (Exception logFailure) when (logFailure is not OperationCanceledException)
            {
                logger.LogError(logFailure, "Incoming webhook {WebhookId}: the failed request could not be logged either", webhook.Id);
                return failed;
            }
        }
        if (request.IdempotencyKey is { } usedKey && !outcome.LoggedWithRecords)
        {
            await idempotency.CompleteAsync(webhook.Id, usedKey, outcome);
        }
        return await FinishAsync(webhook, log, payload, outcome);
    }

    /// <summary>The webhook as it would be with the mapping being edited (a test), or as it is.</summary>
    private static IncomingWebhookEntity WithMapping(IncomingWebhookEntity webhook, IncomingMapping? mapping) => mapping is null ? webhook : new()
    {
        Id = webhook.Id, TableId = webhook.TableId, Name = webhook.Name, Enabled = webhook.Enabled, KeyHash = webhook.KeyHash, KeyMasked = webhook.KeyMasked,
        Mapping = MappingJson.Serialize(mapping), CreatedById = webhook.CreatedById, Verification = webhook.Verification,
    };

    /// <summary>Runs a logged payload through the webhook's current mapping ("replay this payload"); logged, not counted in the stats.</summary>
    public async Task<IngestOutcome> ReplayAsync(string requestId, string? actorId, CancellationToken ct = default)
    {
        IncomingRequestEntity? original;
        IncomingWebhookEntity? webhook;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            original = await db.IncomingRequests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == requestId, ct)
                ?? throw new NotFoundException($"Request '{requestId}' is not in the log (any more).");
            webhook = await db.IncomingWebhooks.AsNoTracking().FirstAsync(w => w.Id == original.WebhookId, ct);
        }
        if (original.Payload is null)
        {
            throw new BadRequestException("This request's body was not kept (it was rejected before it was read), so it cannot be replayed.");
        }
        if (Infrastructure.JsonText.FindError(Encoding.UTF8.GetBytes(original.Payload)) is not null)
        {
            throw new BadRequestException("This request's body is not valid JSON, so it cannot be replayed.");
        }
        var payload = JsonNode.Parse(original.Payload);
        var log = new IncomingRequestEntity
        {
            WebhookId = webhook.Id, ReceivedAt = time.GetUtcNow(), Size = original.Size, Payload = original.Payload, Replay = true,
        };
        var outcome = await WriteAsync(webhook, payload, actorId, new Bookkeeping(log, CountInStats: false, IdempotencyKey: null), ct);
        return await FinishAsync(webhook, log, null, outcome);
    }

    /// <summary>What a request leaves behind besides records: its log entry, its place in the stats, the answer to its idempotency key.</summary>
    private sealed record Bookkeeping(IncomingRequestEntity Log, bool CountInStats, string? IdempotencyKey);

    /// <summary>
    /// Maps and writes; every error is collected first so the sender sees them all, and nothing is written on any.
    /// An accepted request's bookkeeping commits in the records' own transaction: one write instead of two or three,
    /// and no window in which the records exist but the idempotency key has no answer.
    /// </summary>
    private async Task<IngestOutcome> WriteAsync(IncomingWebhookEntity webhook, JsonNode? payload, string? actorId, Bookkeeping books, CancellationToken ct)
    {
        var table = await tables.GetAsync(webhook.TableId, ct);
        if (table is null)
        {
            return Problem(404, "Not found", "The table of this webhook no longer exists.");
        }
        var mapping = MappingJson.Parse(webhook.Mapping);
        var count = MappingEngine.CountRecords(payload, mapping.RecordsPath);
        if (count > _options.MaxRecordsPerRequest)
        {
            return TooManyRecords(count);
        }
        var result = MappingEngine.Apply(payload, mapping, table);
        if (!result.Ok)
        {
            return Unprocessable(result.Errors);
        }
        // An accepted request's log says what the mapping skipped, so a field deleted since does not go unnoticed.
        var skipped = result.Skipped.Count == 0 ? null
            : $"Skipped {string.Join(", ", result.Skipped)}: mapped to a field that was deleted. Edit the mapping.";
        using var origin = ChangeOrigin.Use($"incoming webhook '{webhook.Name}'");
        try
        {
            var inputs = result.Records.Select(r => new RecordInput(r.Inputs)).ToList();
            AlongsideWrite bookkeeping = async (scope, written, _) =>
            {
                books.Log.Error = skipped;
                var answer = Created(written);
                RecordAnswer(books.Log, answer);
                logWriter.AddTo(scope, new IncomingLogEntry(books.Log, books.CountInStats, Accepted: true));
                if (books.IdempotencyKey is { } key)
                {
                    await idempotency.CompleteAsync(scope.Db, webhook.Id, key, answer);
                }
            };
            if (inputs.Count == 0)
            {
                books.Log.Error = skipped;
            }
            else if (mapping.UpsertBy is { } keyField && table.FieldById(keyField) is not null)
            {
                var upserted = await records.UpsertAsync(table.Id, keyField, inputs, actorId, ct, async (scope, result, _) =>
                {
                    books.Log.Error = skipped;
                    var answer = Upserted(result);
                    RecordAnswer(books.Log, answer);
                    logWriter.AddTo(scope, new IncomingLogEntry(books.Log, books.CountInStats, Accepted: true));
                    if (books.IdempotencyKey is { } key)
                    {
                        await idempotency.CompleteAsync(scope.Db, webhook.Id, key, answer);
                    }
                });
                return Upserted(upserted) with { LoggedWithRecords = true };
            }
            IReadOnlyList<RecordSnapshot> created = inputs.Count switch
            {
                0 => [],
                1 when mapping.RecordsPath is null => [await records.CreateAsync(table.Id, inputs[0], actorId, ct, bookkeeping)],
                _ => await records.BulkCreateAsync(table.Id, inputs, actorId, ct, bookkeeping),
            };
            return Created(created) with { LoggedWithRecords = created.Count > 0 };
        }
        catch (RecordValidationException ex)
        {
            books.Log.Error = null; // the errors below say why, not the note of a write that did not happen
            // The table changed between mapping and writing (a field became required, a choice was removed).
            var errors = ex.Errors.Select(e => new MappingError(
                table.Fields.FirstOrDefault(f => f.Name == e.Field) is { } f && mapping.Fields.TryGetValue(f.Id, out var p) ? p : "",
                e.Field, e.Message, e.Index)).ToList();
            return Unprocessable(errors);
        }
        catch (NotFoundException ex)
        {
            books.Log.Error = null;
            return Problem(404, "Not found", ex.Message);
        }
        catch (BadRequestException ex)
        {
            // An upsert whose key matches several records (409), or a key field that can no longer key (400).
            books.Log.Error = null;
            return Problem(ex.Status, ex.Status == 409 ? "Conflict" : "Bad request", ex.Message);
        }
    }

    private IngestOutcome? UnauthenticatedOverBudget(IngestRequest request) =>
        rateLimits.Unauthenticated(request.Client) is { } wait
            ? TooManyRequests(wait, "Too many requests without a valid API key came from your address")
            : null;

    private static IngestOutcome TooManyRequests(TimeSpan wait, string reason)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        return Problem(429, "Too many requests", $"{reason}; retry after {seconds} s.") with { RetryAfter = TimeSpan.FromSeconds(seconds) };
    }

    private IngestOutcome TooManyRecords(int count)
    {
        var max = _options.MaxRecordsPerRequest;
        var outcome = Problem(413, "Too many records", string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The payload holds {count:N0} records; this webhook takes at most {max:N0} per request. Nothing was written; send them in batches of up to {max:N0}."));
        outcome.Body["maxRecords"] = max;
        return outcome;
    }

    /// <summary>An upsert's answer: 201 when it created any record, else 200; <c>recordIds</c> as ever, and which were which.</summary>
    private static IngestOutcome Upserted(UpsertResult result)
    {
        static JsonArray Ids(IEnumerable<RecordSnapshot> records) => new(records.Select(r => (JsonNode?)r.Id).ToArray());
        return new(result.Created.Count > 0 ? 201 : 200, new JsonObject
        {
            ["recordIds"] = Ids(result.Created.Concat(result.Updated)),
            ["created"] = Ids(result.Created),
            ["updated"] = Ids(result.Updated),
        });
    }

    private static IngestOutcome Created(IEnumerable<RecordSnapshot> records) =>
        new(201, new JsonObject { ["recordIds"] = new JsonArray(records.Select(r => (JsonNode?)r.Id).ToArray()) });

    /// <summary>Logs the request (unless its log entry already committed with its records) and tells the app's pages.</summary>
    private async Task<IngestOutcome> FinishAsync(
        IncomingWebhookEntity webhook, IncomingRequestEntity log, JsonNode? capturedPayload, IngestOutcome outcome,
        bool? countAsAccepted = null)
    {
        if (!outcome.LoggedWithRecords)
        {
            var accepted = countAsAccepted ?? outcome.Status is >= 200 and < 300;
            RecordAnswer(log, outcome);
            // The answer is already decided; the log and the counters must not be skipped because the sender hung up.
            // Replays and tests are logged, not counted: the stats say what senders sent.
            await logWriter.WriteAsync(new IncomingLogEntry(log, CountInStats: !log.Replay, accepted));
        }
        notifier.Publish(new IncomingActivity(webhook.Id, webhook.TableId, capturedPayload));
        return outcome;
    }

    /// <summary>Fills in the log entry from the answer the sender gets.</summary>
    private static void RecordAnswer(IncomingRequestEntity log, IngestOutcome outcome)
    {
        log.Id = Ids.New(IncomingRequestEntity.IdPrefix, log.ReceivedAt);
        log.Status = outcome.Status;
        log.RecordIds = JsonSerializer.Serialize(outcome.IdempotentReplay ? [] : outcome.RecordIds);
        log.Error ??= outcome.Status >= 300 ? Describe(outcome) : null;
    }

    private static string Describe(IngestOutcome outcome)
    {
        // Every mapping error on its own line (the first line is what the log's summary shows); otherwise the detail.
        if (outcome.Body["errors"] is JsonArray errors && errors.Count > 0)
        {
            return string.Join("\n", errors.Select(e => (e?["index"] is { } i ? $"#{i}: " : "") + $"{e?["field"]} ({e?["path"]}): {e?["message"]}"));
        }
        return outcome.Detail ?? outcome.Body["title"]?.GetValue<string>() ?? $"HTTP {outcome.Status}";
    }

    internal static IngestOutcome Unprocessable(IReadOnlyList<MappingError> errors)
    {
        var outcome = Problem(422, "The payload does not fit the mapping; nothing was written.",
            errors.Count == 1 ? errors[0].ToString() : $"{errors.Count} values could not be mapped; see errors.");
        outcome.Body["errors"] = new JsonArray(errors.Select(e =>
        {
            var item = new JsonObject { ["path"] = e.Path, ["field"] = e.Field, ["message"] = e.Message };
            if (e.Index is { } index)
            {
                item["index"] = index;
            }
            return (JsonNode?)item;
        }).ToArray());
        return outcome;
    }

    internal static IngestOutcome Problem(int status, string title, string detail) =>
        new(status, new JsonObject { ["title"] = title, ["status"] = status, ["detail"] = detail });
}
