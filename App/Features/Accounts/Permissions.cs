using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;

namespace Undb.Features.Accounts;

/// <summary>A member's role in the workspace (one workspace per server). Each role can do everything the one below can.</summary>
[JsonConverter(typeof(RoleJsonConverter))]
public enum Role
{
    Viewer = 0,
    Editor = 1,
    Admin = 2,
    Owner = 3,
}

/// <summary>What a request or a UI action needs. Routes say it with <see cref="Permissions.RequirePermission{TBuilder}"/>.</summary>
public enum Permission
{
    /// <summary>Read tables, fields and records (grid, API, export).</summary>
    ReadData,
    /// <summary>Create, edit and delete records (grid, bulk, CSV import).</summary>
    EditRecords,
    /// <summary>Read webhooks and their history, never a secret or an incoming key.</summary>
    ReadWebhooks,
    /// <summary>Create, rename and delete tables and fields.</summary>
    ManageSchema,
    /// <summary>Outbound and incoming webhooks: create, change, delete, secrets, keys, redeliver, replay.</summary>
    ManageWebhooks,
    /// <summary>Invitations for roles up to admin.</summary>
    InviteMembers,
    /// <summary>Members and their roles, owner invitations.</summary>
    ManageMembers,
}

/// <summary>Policy names for <c>[Authorize(Policy = …)]</c> on pages (the same policies routes get from RequirePermission).</summary>
public static class Policies
{
    public const string ReadData = "permission:" + nameof(Permission.ReadData);
    public const string ReadWebhooks = "permission:" + nameof(Permission.ReadWebhooks);
    public const string InviteMembers = "permission:" + nameof(Permission.InviteMembers);
}

/// <summary>Roles in JSON: <c>"viewer"</c>, <c>"editor"</c>, <c>"admin"</c>, <c>"owner"</c> (never numbers).</summary>
public sealed class RoleJsonConverter() : JsonStringEnumConverter<Role>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);

/// <summary>The endpoint metadata that says which permission a route needs (read by the permission matrix test).</summary>
public sealed record PermissionMetadata(Permission Permission);

public static class Permissions
{
    /// <summary>The role a permission starts at.</summary>
    public static Role MinimumRole(this Permission permission) => permission switch
    {
        Permission.ReadData => Role.Viewer,
        Permission.EditRecords or Permission.ReadWebhooks => Role.Editor,
        Permission.ManageSchema or Permission.ManageWebhooks or Permission.InviteMembers => Role.Admin,
        Permission.ManageMembers => Role.Owner,
        _ => throw new ArgumentOutOfRangeException(nameof(permission), permission, null),
    };

    public static bool Allows(this Role role, Permission permission) => role >= permission.MinimumRole();

    /// <summary>The role as the API and the UI name it.</summary>
    public static string ToApiName(this Role role) => role.ToString().ToLowerInvariant();

    /// <summary>The authorization policy name of a permission.</summary>
    public static string PolicyName(this Permission permission) => "permission:" + permission;

    /// <summary>Only members whose current role allows <paramref name="permission"/> may call this route (403 otherwise).</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, Permission permission)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(permission.PolicyName()).WithMetadata(new PermissionMetadata(permission));

    internal static AuthorizationBuilder AddPermissionPolicies(this AuthorizationBuilder builder)
    {
        foreach (var permission in Enum.GetValues<Permission>())
        {
            builder.AddPolicy(permission.PolicyName(), p => p
                .AddAuthenticationSchemes(AccountsExtensions.CombinedScheme)
                .RequireAuthenticatedUser()
                .AddRequirements(new PermissionRequirement(permission)));
        }
        return builder;
    }
}

public sealed record PermissionRequirement(Permission Permission) : IAuthorizationRequirement;

/// <summary>
/// Grants a permission when the member's current role allows it (read from <see cref="MemberDirectory"/>, so a change of
/// role counts at once) and, for a read-only API token, only to requests that read.
/// </summary>
internal sealed class PermissionHandler(MemberDirectory members) : AuthorizationHandler<PermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (await members.RoleAsync(context.User.UserId()) is not { } role || !role.Allows(requirement.Permission))
        {
            return;
        }
        // A read-only token reads: no API request but GET. (The live feed's hub only reads, whatever its transport's
        // requests look like, so it stays open to such tokens.)
        if (context.User.HasClaim(ApiTokenAuthenticationHandler.ReadOnlyClaim, "true")
            && context.Resource is HttpContext http && http.Request.Path.StartsWithSegments("/api")
            && !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)))
        {
            return;
        }
        context.Succeed(requirement);
    }
}
