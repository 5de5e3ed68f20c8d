using Microsoft.AspNetCore.Identity;
using Undb.Data;

namespace Undb.Features.Accounts;

public sealed class AppUser : IdentityUser
{
    public AppUser()
    {
        Id = Ids.New(Ids.User);
        SecurityStamp = Guid.NewGuid().ToString();
    }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The member's role in the workspace; checked on every request and UI action.</summary>
    public Role Role { get; set; } = Role.Viewer;

    /// <summary>When the member last used the app or the API (to the minute).</summary>
    public DateTimeOffset? LastActiveAt { get; set; }

    /// <summary>When an owner removed the member. The row stays (records keep their "created by"); nothing signs in as it.</summary>
    public DateTimeOffset? RemovedAt { get; set; }
}

/// <summary>A personal API token; only its SHA-256 hash is stored. A revoked token keeps its row, so the same token cannot come back.</summary>
public sealed class ApiToken
{
    public string Id { get; set; } = Ids.New(Ids.ApiToken);
    public required string UserId { get; set; }
    public AppUser? User { get; set; }
    public required string Name { get; set; }
    public required string Hash { get; set; }
    /// <summary>The first characters of the token, shown so users can tell tokens apart.</summary>
    public required string Prefix { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    /// <summary>When the token was revoked; from then on it authenticates nobody, and bootstrap does not bring it back.</summary>
    public DateTimeOffset? RevokedAt { get; set; }
    /// <summary>A read-only token may only read (GET); any change it asks for is refused with 403.</summary>
    public bool ReadOnly { get; set; }
    /// <summary>After this the token authenticates nobody.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    /// <summary>A short-lived token from <c>POST /api/auth/sign-in</c>; not listed among the personal tokens.</summary>
    public bool SignIn { get; set; }
}

/// <summary>A single-use invitation link for a role; only the hash of its token is stored.</summary>
public sealed class Invitation
{
    public string Id { get; set; } = Ids.New(Ids.Invitation);
    public required Role Role { get; set; }
    public required string TokenHash { get; set; }
    public required string CreatedById { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
    public string? AcceptedById { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>
/// The account that owns this server: the first user, by registration or bootstrap. At most one row, because its key
/// is always <see cref="TheOne"/>; a second first user fails on the primary key, whatever instance it runs on.
/// </summary>
public sealed class ServerOwner
{
    public const int TheOne = 1;

    public int Id { get; set; } = TheOne;
    public required string UserId { get; set; }
    public DateTimeOffset ClaimedAt { get; set; }
}
