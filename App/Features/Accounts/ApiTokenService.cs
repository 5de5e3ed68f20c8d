using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Accounts;

public sealed record ApiTokenInfo(string Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, bool ReadOnly = false, DateTimeOffset? ExpiresAt = null);

/// <summary>What a valid token says about the request: whose it is, its name (for record history) and whether it may only read.</summary>
public sealed record ApiTokenIdentity(string UserId, string TokenId, string Name, bool ReadOnly, bool SignIn);

/// <summary>How a token is created: read-only, with an expiry, or as a short-lived sign-in token.</summary>
public sealed record ApiTokenOptions(bool ReadOnly = false, DateTimeOffset? ExpiresAt = null, bool SignIn = false);

/// <summary>The token itself, returned once at creation.</summary>
public sealed record NewApiToken(ApiTokenInfo Info, string Token);

/// <summary>
/// Personal API tokens: created and shown once, stored as a SHA-256 hash. Revoking marks the row rather than deleting it,
/// so a revoked token is remembered: the bootstrap token from configuration is not brought back by the next start.
/// </summary>
public sealed class ApiTokenService(IDbContextFactory<AppDbContext> dbFactory, DataWriter writer, TimeProvider time)
{
    public const string TokenPrefix = "undb_";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<NewApiToken> CreateAsync(string userId, string name, CancellationToken ct = default, ApiTokenOptions? options = null) =>
        await CreateAsync(userId, name, SecretHasher.NewKey(TokenPrefix), ct, options);

    /// <summary>Stores a given token (bootstrap from configuration); idempotent for the same token, and a revoked one stays revoked.</summary>
    public async Task<NewApiToken> CreateAsync(string userId, string name, string token, CancellationToken ct = default, ApiTokenOptions? options = null)
    {
        options ??= new ApiTokenOptions();
        name = string.IsNullOrWhiteSpace(name) ? "API token" : name.Trim();
        if (name.Length > 100)
        {
            name = name[..100];
        }
        var hash = SecretHasher.Hash(token);
        var entity = await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            if (await db.ApiTokens.FirstOrDefaultAsync(t => t.Hash == hash, ct) is { } existing)
            {
                return existing;
            }
            var entity = new ApiToken
            {
                UserId = userId,
                Name = name,
                Hash = hash,
                Prefix = token[..Math.Min(token.Length, TokenPrefix.Length + 4)],
                CreatedAt = time.GetUtcNow(),
                ReadOnly = options.ReadOnly,
                ExpiresAt = options.ExpiresAt,
                SignIn = options.SignIn,
            };
            db.ApiTokens.Add(entity);
            return entity;
        }, ct);
        return new NewApiToken(ToInfo(entity), token);
    }

    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId && t.RevokedAt == null && !t.SignIn).ToListAsync(ct);
        return tokens.OrderByDescending(t => t.CreatedAt).Select(ToInfo).ToList();
    }

    /// <summary>How many working personal tokens each member has (the members page).</summary>
    public async Task<Dictionary<string, int>> CountByUserAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var live = await db.ApiTokens.AsNoTracking().Where(t => t.RevokedAt == null && !t.SignIn)
            .Select(t => new { t.UserId, t.ExpiresAt }).ToListAsync(ct);
        return live.Where(t => t.ExpiresAt is null || t.ExpiresAt > now).GroupBy(t => t.UserId).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>Revokes every token of a member (removal), inside the caller's write.</summary>
    internal static Task<int> RevokeAllAsync(AppDbContext db, string userId, DateTimeOffset now, CancellationToken ct) =>
        db.ApiTokens.Where(t => t.UserId == userId && t.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);

    public async Task<bool> RevokeAsync(string userId, string tokenId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        return await writer.WriteAsync(session => session.Db.ApiTokens.Where(t => t.Id == tokenId && t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct), ct) > 0;
    }

    /// <summary>Whether this token was issued and later revoked.</summary>
    public async Task<bool> IsRevokedAsync(string token, CancellationToken ct = default)
    {
        var hash = SecretHasher.Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiTokens.AnyAsync(t => t.Hash == hash && t.RevokedAt != null, ct);
    }

    /// <summary>The token's owner and kind, or null (unknown, revoked or expired). Looked up by hash (an index seek), so timing reveals nothing useful.</summary>
    public async Task<ApiTokenIdentity?> ValidateAsync(string token, CancellationToken ct = default)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return null;
        }
        var hash = SecretHasher.Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entity = await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Hash == hash, ct);
        var now = time.GetUtcNow();
        if (entity is null || entity.RevokedAt is not null || entity.ExpiresAt <= now)
        {
            return null;
        }
        if (entity.LastUsedAt is null || now - entity.LastUsedAt > LastUsedResolution)
        {
            // Only the time moves; a write that races another (or a revocation) changes nothing else.
            await writer.WriteAsync(WriteKind.Bookkeeping, session => session.Db.ApiTokens.Where(t => t.Id == entity.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct), ct);
        }
        return new ApiTokenIdentity(entity.UserId, entity.Id, entity.Name, entity.ReadOnly, entity.SignIn);
    }

    private static ApiTokenInfo ToInfo(ApiToken t) => new(t.Id, t.Name, t.Prefix + "…", t.CreatedAt, t.LastUsedAt, t.ReadOnly, t.ExpiresAt);
}
