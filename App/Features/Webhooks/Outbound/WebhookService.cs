using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>A webhook just created or given a new secret: the only time the full secret is handed out besides <see cref="WebhookService.GetSecretAsync"/>.</summary>
public sealed record WebhookWithSecret(WebhookDto Webhook, string Secret);

/// <summary>Outbound webhooks of a table: create, read, change, delete, secrets, test sends, redeliver and replay.</summary>
public sealed partial class WebhookService(
    IDbContextFactory<AppDbContext> dbFactory,
    DataWriter writer,
    TableService tables,
    UserDirectory users,
    WebhookSecrets secrets,
    WebhookHeaderValues headerValues,
    DeliveryProcessor processor,
    DeliveryQueue queue,
    DeliveryNotifier notifier,
    WebhookCircuits circuits,
    HeldDeliveries held,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options)
{
    public async Task<IReadOnlyList<WebhookDto>> ListAsync(string tableId, CancellationToken ct = default)
    {
        var table = await RequireTableAsync(tableId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = await db.Webhooks.AsNoTracking().Where(w => w.TableId == tableId).OrderBy(w => w.Id).ToListAsync(ct);
        var counts = await held.CountAsync(list.Select(w => w.Id).ToList(), ct);
        return list.Select(w => ToDto(w, table, null, counts.GetValueOrDefault(w.Id))).ToList();
    }

    public async Task<WebhookDto> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var webhook = await RequireAsync(db, id, ct);
        return ToDto(webhook, await ScopeTableAsync(webhook.TableId, ct), null, await HeldCountAsync(id, ct));
    }

    /// <summary>The workspace webhooks (every table, <c>tableId</c> null).</summary>
    public async Task<IReadOnlyList<WebhookDto>> ListWorkspaceAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = await db.Webhooks.AsNoTracking().Where(w => w.TableId == null).OrderBy(w => w.Id).ToListAsync(ct);
        var counts = await held.CountAsync(list.Select(w => w.Id).ToList(), ct);
        return list.Select(w => ToDto(w, null, null, counts.GetValueOrDefault(w.Id))).ToList();
    }

    /// <summary>Creates a webhook on one table, or with <paramref name="tableId"/> null on every table of the workspace.</summary>
    public async Task<WebhookWithSecret> CreateAsync(string? tableId, WebhookRequest request, string? actorId, CancellationToken ct = default)
    {
        var table = await ScopeTableAsync(tableId, ct);
        var errors = new Dictionary<string, string[]>();
        var now = time.GetUtcNow();
        var secret = WebhookSigner.NewSecret();
        var webhook = new WebhookEntity
        {
            Id = Ids.New(WebhookIds.Webhook, now),
            TableId = tableId,
            Name = WebhookRules.CheckName(request.Name, errors),
            Url = WebhookRules.CheckUrl(request.Url, options.CurrentValue.AllowPrivateNetworks, errors),
            Method = WebhookRules.CheckMethod(request.Method, errors),
            Events = WebhookRules.CheckEvents(request.Events, errors, workspace: table is null),
            Headers = CheckAndProtectHeaders(request.Headers, saved: new Dictionary<string, string>(), errors),
            Enabled = request.Enabled ?? true,
            ExcludedTableIds = await CheckExcludedAsync(table, request.ExcludedTableIds, errors, ct),
            Ordered = request.Ordered ?? false,
            MaxPerSecond = WebhookRules.CheckMaxPerSecond(request.MaxPerSecond, errors),
            ContentType = WebhookRules.CheckContentType(request.ContentType, errors) ?? Templates.PayloadContentTypes.Json,
            ConditionJson = ConditionMapper.Serialize(CheckCondition(request.Condition, table, errors)),
            SecretProtected = secrets.Protect(secret),
            CreatedAt = now,
            UpdatedAt = now,
            CreatedById = actorId,
        };
        webhook.PayloadTemplate = WebhookRules.CheckTemplate(request.PayloadTemplate, webhook.ContentType, webhook.Events, errors);
        WebhookRules.ThrowIfAny(errors, "The webhook is not valid.");
        await writer.WriteAsync(s =>
        {
            s.Db.Webhooks.Add(webhook);
            WebhookSettings.Changed(s);
            return Task.CompletedTask;
        }, ct);
        notifier.Publish(new DeliveryChange(webhook.Id, null, null, WebhookChanged: true));
        return new WebhookWithSecret(ToDto(webhook, table, secret, 0), secret);
    }

    /// <summary>
    /// Changes what the request names. <paramref name="setCondition"/> says whether <c>condition</c> was given (null
    /// clears it). Turning it off holds its deliveries; turning it on sends what it held (see <see cref="ResumeAsync"/>).
    /// </summary>
    public async Task<WebhookDto> UpdateAsync(string id, WebhookRequest request, bool setCondition, CancellationToken ct = default)
    {
        var (webhook, table) = await writer.WriteAsync(session => UpdateCoreAsync(session, id, request, setCondition, ct), ct);
        notifier.Publish(new DeliveryChange(webhook.Id, null, null, WebhookChanged: true));
        return ToDto(webhook, table, null, await HeldCountAsync(id, ct));
    }

    private async Task<(WebhookEntity, TableSnapshot?)> UpdateCoreAsync(WriteSession session, string id, WebhookRequest request, bool setCondition, CancellationToken ct)
    {
        var webhook = await LockAsync(session, id, ct);
        WebhookSettings.Changed(session);
        var table = await ScopeTableAsync(webhook.TableId, ct);
        var errors = new Dictionary<string, string[]>();
        if (request.ExcludedTableIds is not null) webhook.ExcludedTableIds = await CheckExcludedAsync(table, request.ExcludedTableIds, errors, ct, webhook.ExcludedTableIds);
        if (request.Name is not null) webhook.Name = WebhookRules.CheckName(request.Name, errors);
        var url = webhook.Url;
        if (request.Url is not null) webhook.Url = WebhookRules.CheckUrl(request.Url, options.CurrentValue.AllowPrivateNetworks, errors);
        if (request.Method is not null) webhook.Method = WebhookRules.CheckMethod(request.Method, errors);
        if (request.Events is not null) webhook.Events = WebhookRules.CheckEvents(request.Events, errors, workspace: table is null);
        if (request.Headers is not null) webhook.Headers = CheckAndProtectHeaders(request.Headers, webhook.Headers, errors);
        if (setCondition) webhook.ConditionJson = ConditionMapper.Serialize(CheckCondition(request.Condition, table, errors));
        if (request.Ordered is { } ordered) webhook.Ordered = ordered;
        if (request.MaxPerSecond is { } perSecond) webhook.MaxPerSecond = perSecond == 0 ? null : WebhookRules.CheckMaxPerSecond(perSecond, errors);
        if (request.ContentType is not null) webhook.ContentType = WebhookRules.CheckContentType(request.ContentType, errors) ?? webhook.ContentType;
        if (request.PayloadTemplate is not null) webhook.PayloadTemplate = request.PayloadTemplate;
        if (request.PayloadTemplate is not null || request.ContentType is not null || request.Events is not null)
        {
            // A template is checked against what the webhook now sends: its events and content type.
            webhook.PayloadTemplate = WebhookRules.CheckTemplate(webhook.PayloadTemplate, webhook.ContentType, webhook.Events, errors);
        }
        WebhookRules.ThrowIfAny(errors, "The webhook is not valid.");
        bool? enabledNow = request.Enabled is { } enabled && enabled != webhook.Enabled ? enabled : null;
        if (enabledNow is { } on)
        {
            SetEnabled(webhook, on);
        }
        webhook.UpdatedAt = time.GetUtcNow();
        await held.ApplyAsync(session, id, enabledNow, HeldAction.Send, ct);
        if (webhook.Url != url)
        {
            // A new endpoint owes nothing to the old one's failures.
            session.AfterCommit(() => circuits.Forget(webhook.Id));
        }
        return (webhook, table);
    }

    /// <summary>The webhook, locked for the rest of the write (two changes to one webhook on two instances take turns).</summary>
    private static async Task<WebhookEntity> LockAsync(WriteSession session, string id, CancellationToken ct) =>
        await session.Db.Webhooks.Where(w => w.Id == id).ForUpdate().FirstOrDefaultAsync(ct) ?? throw NotFound(id);

    /// <summary>
    /// Turns the webhook on (if it is not) and sends what it held while it was off, oldest first, or discards it
    /// (the deliveries become cancelled, kept in the history). Returns how many held deliveries were sent or discarded.
    /// </summary>
    public async Task<int> ResumeAsync(string id, HeldAction action, CancellationToken ct = default)
    {
        var count = await writer.WriteAsync(async session =>
        {
            var webhook = await LockAsync(session, id, ct);
            if (!webhook.Enabled)
            {
                SetEnabled(webhook, true);
                webhook.UpdatedAt = time.GetUtcNow();
                WebhookSettings.Changed(session);
            }
            return await held.ApplyAsync(session, id, enabledNow: true, action, ct);
        }, ct);
        notifier.Publish(new DeliveryChange(id, null, null, WebhookChanged: true));
        return count;
    }

    private void SetEnabled(WebhookEntity webhook, bool enabled)
    {
        webhook.Enabled = enabled;
        if (enabled)
        {
            // Turning it back on starts a fresh health record; the reason it was off is history.
            webhook.DisabledReason = null;
            webhook.DisabledAt = null;
            webhook.FailingSince = null;
            webhook.ConsecutiveFailures = 0;
        }
        else
        {
            webhook.DisabledAt = time.GetUtcNow();
        }
    }

    /// <summary>Deletes the webhook with its delivery history.</summary>
    public async Task DeleteAsync(string id, CancellationToken ct = default)
    {
        if (await writer.WriteAsync(async s =>
            {
                // The webhook's row first, then its deliveries (the cascade), then the count: the lock order of
                // every webhook write (DeliveryStore.SettleBatchAsync says why).
                var deleted = await s.Db.Webhooks.Where(w => w.Id == id).ExecuteDeleteAsync(ct);
                if (deleted > 0)
                {
                    WebhookSettings.Changed(s);
                }
                return deleted;
            }, ct) == 0)
        {
            throw NotFound(id);
        }
        circuits.Forget(id);
        notifier.Publish(new DeliveryChange(id, null, null, WebhookChanged: true));
    }

    public async Task<SecretDto> GetSecretAsync(string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var webhook = await RequireAsync(db, id, ct);
        var previousValid = webhook.PreviousSecretProtected is not null && webhook.PreviousSecretExpiresAt > time.GetUtcNow();
        try
        {
            return new SecretDto(secrets.Unprotect(webhook.SecretProtected), previousValid ? webhook.PreviousSecretExpiresAt : null);
        }
        catch (SecretUnreadableException ex)
        {
            throw new BadRequestException(ex.Message);
        }
    }

    /// <summary>The webhook's custom headers with their values (masked everywhere else).</summary>
    public async Task<HeadersDto> GetHeadersAsync(string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var webhook = await RequireAsync(db, id, ct);
        try
        {
            return new HeadersDto(headerValues.Reveal(webhook.Headers));
        }
        catch (HeaderValuesUnreadableException ex)
        {
            throw new BadRequestException(ex.Message);
        }
    }

    /// <summary>
    /// The headers to store: masked values resolved against the <paramref name="saved"/> ones (a client sends back what
    /// it was shown), then checked, then encrypted.
    /// </summary>
    private Dictionary<string, string> CheckAndProtectHeaders(IReadOnlyDictionary<string, string>? requested, IReadOnlyDictionary<string, string> saved, Dictionary<string, string[]> errors)
    {
        if (requested is null)
        {
            return [];
        }
        IReadOnlyDictionary<string, string> savedPlain = new Dictionary<string, string>();
        if (saved.Count > 0 && requested.Values.Any(v => v?.Trim() == WebhookHeaderValues.Mask))
        {
            try
            {
                savedPlain = headerValues.Reveal(saved);
            }
            catch (HeaderValuesUnreadableException ex)
            {
                errors["headers"] = [ex.Message];
            }
        }
        var resolved = WebhookHeaderValues.KeepMasked(requested, savedPlain, errors);
        return headerValues.Protect(WebhookRules.CheckHeaders(resolved, errors));
    }

    /// <summary>A new secret; the old one keeps signing (as a second signature) for <c>Webhooks:PreviousSecretLifetime</c>.</summary>
    public async Task<SecretDto> RotateSecretAsync(string id, CancellationToken ct = default)
    {
        var secret = WebhookSigner.NewSecret();
        var webhook = await writer.WriteAsync(async session =>
        {
            var webhook = await LockAsync(session, id, ct);
            var now = time.GetUtcNow();
            webhook.PreviousSecretProtected = webhook.SecretProtected;
            webhook.PreviousSecretExpiresAt = now + options.CurrentValue.PreviousSecretLifetime;
            webhook.SecretProtected = secrets.Protect(secret);
            webhook.UpdatedAt = now;
            WebhookSettings.Changed(session);
            return webhook;
        }, ct);
        // Deliveries already in hand must be signed with the new secret too.
        notifier.Publish(new DeliveryChange(webhook.Id, null, null, WebhookChanged: true));
        return new SecretDto(secret, webhook.PreviousSecretExpiresAt);
    }

    /// <summary>The webhook's table, or null for a workspace webhook.</summary>
    private async Task<TableSnapshot?> ScopeTableAsync(string? tableId, CancellationToken ct) =>
        tableId is null ? null : await RequireTableAsync(tableId, ct);

    /// <summary>
    /// A table webhook's condition is checked against its table. A workspace webhook's may only use system fields
    /// (<see cref="WorkspaceConditionFields"/>: the tables it covers have different fields), and watches none.
    /// </summary>
    private static WebhookCondition? CheckCondition(WebhookCondition? condition, TableSnapshot? table, Dictionary<string, string[]> errors)
    {
        if (table is not null || condition is null)
        {
            return table is null ? null : ConditionMapper.ToStored(condition, table, errors);
        }
        var filters = condition.Filters ?? [];
        for (var i = 0; i < filters.Count; i++)
        {
            if (WorkspaceConditionFields.Canonical(filters[i].Field) is null)
            {
                errors[$"condition.filters[{i}].field"] = [$"'{filters[i].Field}' is not a system field; a workspace webhook covers tables with different fields, so its condition may only use {string.Join(", ", WorkspaceConditionFields.All)}."];
            }
        }
        for (var i = 0; i < (condition.ChangedFields?.Count ?? 0); i++)
        {
            errors[$"condition.changedFields[{i}]"] = [$"'{condition.ChangedFields![i]}': a workspace webhook cannot watch fields (its tables have different ones); use a table webhook."];
        }
        if (errors.Keys.Any(k => k.StartsWith("condition.", StringComparison.Ordinal)))
        {
            return null;
        }
        var stored = ConditionMapper.ToStored(condition with { ChangedFields = null }, WorkspaceConditionFields.Table, errors);
        // An empty condition is no condition.
        return stored is { Filters.Count: 0 } ? null : stored;
    }

    /// <summary>
    /// The tables a workspace webhook leaves out: each must exist; a table webhook cannot have any. A table that was
    /// left out already (<paramref name="saved"/>) and has since been deleted is dropped quietly, so saving again works.
    /// </summary>
    private async Task<List<string>> CheckExcludedAsync(TableSnapshot? table, IReadOnlyList<string>? excluded, Dictionary<string, string[]> errors, CancellationToken ct,
        IReadOnlyList<string>? saved = null)
    {
        if (excluded is null || excluded.Count == 0)
        {
            return [];
        }
        if (table is not null)
        {
            errors["excludedTableIds"] = ["Only a workspace webhook (tableId null) can leave tables out."];
            return [];
        }
        var result = new List<string>();
        for (var i = 0; i < excluded.Count; i++)
        {
            var id = excluded[i]?.Trim() ?? "";
            if (await tables.GetAsync(id, ct) is null)
            {
                if (saved?.Contains(id) == true)
                {
                    continue;
                }
                errors[$"excludedTableIds[{i}]"] = [$"Table '{excluded[i]}' does not exist."];
            }
            else if (!result.Contains(id))
            {
                result.Add(id);
            }
        }
        return result;
    }

    private async Task<TableSnapshot> RequireTableAsync(string tableId, CancellationToken ct) =>
        await tables.GetAsync(tableId, ct) ?? throw new NotFoundException($"Table '{tableId}' does not exist.");

    private static async Task<WebhookEntity> RequireAsync(AppDbContext db, string id, CancellationToken ct) =>
        await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw NotFound(id);

    private static NotFoundException NotFound(string id) => new($"Webhook '{id}' does not exist.");

    private async Task<int> HeldCountAsync(string id, CancellationToken ct) => (await held.CountAsync([id], ct)).GetValueOrDefault(id);

    private WebhookDto ToDto(WebhookEntity w, TableSnapshot? table, string? plainSecret, int heldCount)
    {
        // A workspace webhook's condition names system fields.
        var fields = w.TableId is null ? WorkspaceConditionFields.Table : table;
        var stored = fields is null ? null : ConditionMapper.Deserialize(w.ConditionJson);
        return new WebhookDto(
            w.Id, w.TableId, w.Name, w.Url, w.Method, w.Events, WebhookHeaderValues.Masked(w.Headers), w.Enabled,
            fields is null ? null : ConditionMapper.ToApi(stored, fields),
            plainSecret ?? secrets.MaskedOrHint(w.SecretProtected),
            w.DisabledReason, w.DisabledAt, w.LastSuccessAt, w.LastFailureAt, w.FailingSince, w.ConsecutiveFailures, w.CreatedAt, w.UpdatedAt,
            new WebhookStats(heldCount, w.HeldCancelled),
            fields is null ? [] : ConditionMapper.Problems(stored, fields),
            w.Ordered,
            w.MaxPerSecond)
        {
            ExcludedTableIds = w.ExcludedTableIds,
            PayloadTemplate = w.PayloadTemplate,
            ContentType = w.ContentType,
            StoredCondition = stored,
        };
    }
}
