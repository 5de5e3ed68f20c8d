using Microsoft.AspNetCore.Components.Authorization;
using Undb.Features.Tables;

namespace Undb.Features.Accounts;

/// <summary>
/// The signed-in member of a Blazor circuit, for the UI's server-side checks: pages hide what the role cannot do, and
/// the actions themselves ask <see cref="DemandAsync"/> with the member's current role before they change anything.
/// </summary>
public sealed class CurrentMember(AuthenticationStateProvider auth, MemberDirectory members)
{
    public async Task<string?> UserIdAsync() => (await auth.GetAuthenticationStateAsync()).User.UserId();

    /// <summary>The member's current role, or null when signed out or removed.</summary>
    public async Task<Role?> RoleAsync() => await members.RoleAsync(await UserIdAsync());

    public async Task<bool> CanAsync(Permission permission) => (await RoleAsync())?.Allows(permission) == true;

    /// <summary>Throws <see cref="ForbiddenException"/> unless the member's current role allows the permission.</summary>
    public async Task DemandAsync(Permission permission)
    {
        if (!await CanAsync(permission))
        {
            throw new ForbiddenException($"Your role does not allow this ({permission.MinimumRole().ToApiName()} or above can).");
        }
    }
}
