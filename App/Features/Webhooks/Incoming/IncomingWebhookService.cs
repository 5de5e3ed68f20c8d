using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming;

public sealed record IncomingStats(long Received, long Accepted, long Rejected, DateTimeOffset? LastReceivedAt);

public sealed record IncomingWebhookView(
    string Id, string TableId, string Name, bool Enabled, string ApiKeyMasked, IncomingMapping Mapping, IncomingStats Stats, DateTimeOffset CreatedAt,
    VerificationView? Verification = null);

/// <summary>A webhook with its API key in full: only the create and regenerate answers carry it (and a verification secret this app issued).</summary>
public sealed record IncomingWebhookWithKey(IncomingWebhookView Webhook, string ApiKey, string? VerificationSecret = null);

/// <summary>A changed webhook, with the verification secret in full when the change issued one.</summary>
public sealed record IncomingWebhookChange(IncomingWebhookView Webhook, string? VerificationSecret);

public sealed record IncomingRequestView(
    string Id, string WebhookId, DateTimeOffset ReceivedAt, int Status, long Size, IReadOnlyList<string> RecordIds, string? Error, string? Payload, bool Replay);

/// <summary>Incoming webhooks of a table: create, change, delete, regenerate keys, read stats and the request log.</summary>
public sealed class IncomingWebhookService(
    IDbContextFactory<AppDbContext> dbFactory,
    DataWriter writer,
    TableService tables,
    IncomingWebhookNotifier notifier,
    IncomingVerificationSecrets secrets,
    IOptions<IncomingWebhooksOptions> options,
    TimeProvider time)
{
    public const string KeyPrefix = "uwk_";

    public async Task<IReadOnlyList<IncomingWebhookView>> ListAsync(string tableId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.IncomingWebhooks.AsNoTracking().Where(w => w.TableId == tableId).OrderBy(w => w.Id).ToListAsync(ct);
        return await ViewsAsync(db, rows, ct);
    }

    public async Task<IncomingWebhookView?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.IncomingWebhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct);
        return row is null ? null : (await ViewsAsync(db, [row], ct))[0];
    }

    public async Task<IncomingWebhookWithKey> CreateAsync(
        string tableId, string? name, IncomingMapping? mapping, bool enabled, string? actorId, CancellationToken ct = default, VerificationInput? verification = null)
    {
        _ = await tables.GetAsync(tableId, ct) ?? throw new NotFoundException($"Table '{tableId}' does not exist.");
        var errors = new Dictionary<string, string[]>();
        var checkedName = TableRules.CheckName(string.IsNullOrWhiteSpace(name) ? "Incoming webhook" : name, "name", errors);
        ThrowIfAny(errors);
        var (stored, issued) = verification is null ? (null, null) : PrepareVerification(verification, null);

        var key = SecretHasher.NewKey(KeyPrefix);
        var now = time.GetUtcNow();
        var entity = new IncomingWebhookEntity
        {
            Id = Ids.New(IncomingWebhookEntity.IdPrefix, now),
            TableId = tableId,
            Name = checkedName,
            Enabled = enabled,
            KeyHash = SecretHasher.Hash(key),
            KeyMasked = SecretHasher.Mask(key, KeyPrefix.Length),
            Mapping = MappingJson.Serialize(mapping ?? IncomingMapping.Empty),
            Verification = stored?.Serialize(),
            CreatedAt = now,
            CreatedById = actorId,
        };
        await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            db.IncomingWebhooks.Add(entity);
        }, ct);
        Changed(entity);
        return new IncomingWebhookWithKey(ToView(entity, []), key, issued);
    }

    /// <summary>Changes what is given; null leaves it as it is.</summary>
    public async Task<IncomingWebhookView> UpdateAsync(string id, string? name, IncomingMapping? mapping, bool? enabled, CancellationToken ct = default) =>
        (await ChangeAsync(id, name, mapping, enabled, null, ct)).Webhook;

    /// <summary>Changes what is given, verification included (<see cref="VerificationInput.None"/> turns it off); null leaves it as it is.</summary>
    public async Task<IncomingWebhookChange> ChangeAsync(
        string id, string? name, IncomingMapping? mapping, bool? enabled, VerificationInput? verification, CancellationToken ct = default)
    {
        string? issued = null;
        var entity = await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            var entity = await RequireAsync(db, id, ct);
            if (verification is not null)
            {
                var (stored, secret) = PrepareVerification(verification, StoredVerification.Parse(entity.Verification));
                entity.Verification = stored?.Serialize();
                issued = secret;
            }
            if (name is not null)
            {
                var errors = new Dictionary<string, string[]>();
                entity.Name = TableRules.CheckName(name, "name", errors);
                ThrowIfAny(errors);
            }
            if (mapping is not null)
            {
                entity.Mapping = MappingJson.Serialize(mapping);
            }
            if (enabled is { } e)
            {
                entity.Enabled = e;
            }
            return entity;
        }, ct);
        Changed(entity);
        return new IncomingWebhookChange(await ViewAsync(entity, ct), issued);
    }

    /// <summary>The verification secret in full ("reveal"), for admins.</summary>
    public async Task<string> GetVerificationSecretAsync(string id, CancellationToken ct = default)
    {
        var hook = await GetRowAsync(id, ct);
        var stored = StoredVerification.Parse(hook.Verification)
            ?? throw new BadRequestException("This incoming webhook does not verify signatures, so it has no secret.");
        return secrets.TryUnprotect(stored.SecretProtected)
            ?? throw new BadRequestException("The secret cannot be decrypted: the Data Protection keys (DataProtection:KeysPath) are missing or were replaced. Set the secret again.");
    }

    private async Task<IncomingWebhookEntity> GetRowAsync(string id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.IncomingWebhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct)
            ?? throw new NotFoundException($"Incoming webhook '{id}' does not exist.");
    }

    /// <summary>
    /// The stored verification a caller asks for (null: off) and the secret this app issued, if it issued one. Without a
    /// secret the current one is kept when the scheme stays; otherwise one is issued where the app may choose it.
    /// </summary>
    private (StoredVerification? Stored, string? Issued) PrepareVerification(VerificationInput input, StoredVerification? current)
    {
        if (input.TurnsOff)
        {
            return (null, null);
        }
        var scheme = input.Scheme!.Trim();
        var settings = scheme == SenderSignatures.Hmac
            ? new VerificationSettings(scheme, input.Header?.Trim(), string.IsNullOrWhiteSpace(input.Encoding) ? null : input.Encoding.Trim().ToLowerInvariant(),
                string.IsNullOrEmpty(input.Prefix) ? null : input.Prefix)
            : new VerificationSettings(scheme);
        string? issued = null;
        string secret;
        if (!string.IsNullOrWhiteSpace(input.Secret))
        {
            secret = input.Secret.Trim();
        }
        else if (current is not null && current.Scheme == scheme && secrets.TryUnprotect(current.SecretProtected) is { } kept)
        {
            secret = kept;
        }
        else
        {
            secret = issued = SenderSignatures.NewSecret(scheme)
                ?? (SenderSignatures.Schemes.Contains(scheme)
                    ? throw Invalid($"Paste the signing secret {(scheme == SenderSignatures.Stripe ? "Stripe shows for the endpoint (whsec_…)" : "of the Shopify app or store")}: the sender issues it.")
                    : "");
        }
        if (SenderSignatures.Validate(settings, secret) is { } problem)
        {
            throw Invalid(problem);
        }
        return (new StoredVerification(settings.Scheme, secrets.Protect(secret), SenderSignatures.Mask(secret), settings.Header, settings.Encoding, settings.Prefix), issued);

        static BadRequestException Invalid(string message) =>
            new(message, new Dictionary<string, string[]> { ["verification"] = [message] });
    }

    public async Task DeleteAsync(string id, CancellationToken ct = default)
    {
        var entity = await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            var entity = await RequireAsync(db, id, ct);
            db.IncomingWebhooks.Remove(entity);
            return entity;
        }, ct);
        Changed(entity);
    }

    /// <summary>Replaces the key; the old one stops working at once.</summary>
    public async Task<IncomingWebhookWithKey> RegenerateKeyAsync(string id, CancellationToken ct = default)
    {
        var (entity, key) = await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            var entity = await RequireAsync(db, id, ct);
            var key = SecretHasher.NewKey(KeyPrefix);
            entity.KeyHash = SecretHasher.Hash(key);
            entity.KeyMasked = SecretHasher.Mask(key, KeyPrefix.Length);
            return (entity, key);
        }, ct);
        Changed(entity);
        return new IncomingWebhookWithKey(await ViewAsync(entity, ct), key);
    }

    /// <summary>The request log, newest first: at most <paramref name="limit"/> and never more than the log keeps (<c>LogMaxRequests</c>).</summary>
    public async Task<IReadOnlyList<IncomingRequestView>> ListRequestsAsync(string webhookId, int limit = 100, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.IncomingWebhooks.AnyAsync(w => w.Id == webhookId, ct))
        {
            throw new NotFoundException($"Incoming webhook '{webhookId}' does not exist.");
        }
        var rows = await db.IncomingRequests.AsNoTracking().Where(r => r.WebhookId == webhookId)
            .OrderByDescending(r => r.Id).Take(Math.Min(Math.Clamp(limit, 1, 1000), options.Value.LogMaxRequests)).ToListAsync(ct);
        return rows.Select(ToView).ToList();
    }

    public async Task<IncomingRequestView?> GetRequestAsync(string requestId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.IncomingRequests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        return row is null ? null : ToView(row);
    }

    /// <summary>The incoming webhook, locked for the rest of the write.</summary>
    private static async Task<IncomingWebhookEntity> RequireAsync(AppDbContext db, string id, CancellationToken ct) =>
        await db.IncomingWebhooks.Where(w => w.Id == id).ForUpdate().FirstOrDefaultAsync(ct)
        ?? throw new NotFoundException($"Incoming webhook '{id}' does not exist.");

    private void Changed(IncomingWebhookEntity entity) => notifier.Publish(new IncomingActivity(entity.Id, entity.TableId, null, WebhookChanged: true));

    private async Task<IncomingWebhookView> ViewAsync(IncomingWebhookEntity entity, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await ViewsAsync(db, [entity], ct))[0];
    }

    /// <summary>The webhooks as shown, each one's stats summed over the instances' shares (<see cref="IncomingWebhookCounterEntity"/>).</summary>
    private static async Task<IReadOnlyList<IncomingWebhookView>> ViewsAsync(AppDbContext db, IReadOnlyList<IncomingWebhookEntity> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToList();
        var shares = ids.Count == 0 ? [] : await db.IncomingWebhookCounters.AsNoTracking().Where(c => ids.Contains(c.WebhookId)).ToListAsync(ct);
        var byWebhook = shares.ToLookup(c => c.WebhookId);
        return rows.Select(r => ToView(r, byWebhook[r.Id])).ToList();
    }

    internal static IncomingWebhookView ToView(IncomingWebhookEntity e, IEnumerable<IncomingWebhookCounterEntity> shares) => new(
        e.Id, e.TableId, e.Name, e.Enabled, e.KeyMasked, MappingJson.Parse(e.Mapping),
        shares.Aggregate(new IncomingStats(e.Received, e.Accepted, e.Rejected, e.LastReceivedAt), (sum, c) => new IncomingStats(
            sum.Received + c.Received, sum.Accepted + c.Accepted, sum.Rejected + c.Rejected,
            c.LastReceivedAt > sum.LastReceivedAt || sum.LastReceivedAt is null ? c.LastReceivedAt : sum.LastReceivedAt)),
        e.CreatedAt, StoredVerification.Parse(e.Verification)?.ToView());

    internal static IncomingRequestView ToView(IncomingRequestEntity r) => new(
        r.Id, r.WebhookId, r.ReceivedAt, r.Status, r.Size,
        JsonSerializer.Deserialize<List<string>>(r.RecordIds) ?? [], r.Error, r.Payload, r.Replay);

    private static void ThrowIfAny(Dictionary<string, string[]> errors)
    {
        if (errors.Count > 0)
        {
            throw new BadRequestException(errors.First().Value[0], errors);
        }
    }
}

/// <summary>The stored form of a mapping.</summary>
internal static class MappingJson
{
    public static string Serialize(IncomingMapping mapping)
    {
        var fields = new JsonObject();
        foreach (var (fieldId, path) in mapping.Fields)
        {
            fields[fieldId] = path;
        }
        var stored = new JsonObject { ["recordsPath"] = mapping.RecordsPath, ["fields"] = fields };
        if (mapping.UpsertBy is { } upsertBy)
        {
            stored["upsertBy"] = upsertBy;
        }
        return JsonStorage.Serialize(stored);
    }

    // Keyed by the stored string itself: a cached webhook hands the same instance to every request it serves, so each
    // request skips parsing the mapping, and an edited mapping (a new string) is parsed afresh.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, IncomingMapping> Parsed = new();

    /// <summary>The mapping stored as <paramref name="json"/> (parsed once per stored string; the result is immutable).</summary>
    public static IncomingMapping Parse(string json) => Parsed.GetValue(json, ParseCore);

    private static IncomingMapping ParseCore(string json)
    {
        var node = JsonNode.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json) as JsonObject ?? [];
        var fields = (node["fields"] as JsonObject ?? [])
            .Where(p => p.Value is JsonValue)
            .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        return new IncomingMapping(node["recordsPath"]?.GetValue<string>(), fields) { UpsertBy = node["upsertBy"]?.GetValue<string>() };
    }
}
