namespace Undb.Features.Accounts;

/// <summary>
/// What the signed-in member may do, cascaded from the layout to every component so they show only what the role
/// allows (a hidden action has no handler a client could call). Recomputed when the member's role changes.
/// </summary>
public sealed record MemberAccess(Role? Role)
{
    public static readonly MemberAccess None = new((Role?)null);

    public bool Can(Permission permission) => Role?.Allows(permission) == true;
}
