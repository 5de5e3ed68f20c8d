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
}

/// <summary>A personal API token; only its SHA-256 hash is stored.</summary>
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
}
