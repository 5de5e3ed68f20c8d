using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Infrastructure;

namespace Undb.Features.Accounts;

public sealed record SignInRequest(string? Email, string? Password);
public sealed record SignInResponse(string Token, DateTimeOffset ExpiresAt);
public sealed record MeResponse(string Id, string Email, Role Role);
public sealed record ChangeRoleRequest(Role? Role);
public sealed record CreateInvitationRequest(Role? Role, double? ExpiresInHours);
public sealed record InvitationResponse(string Id, Role Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? AcceptedAt, DateTimeOffset? RevokedAt, string Status);
public sealed record CreatedInvitationResponse(string Id, Role Role, string Url, string Token, DateTimeOffset ExpiresAt);
public sealed record AcceptInvitationRequest(string? Token, string? Email, string? Password);
public sealed record CreateTokenRequest(string? Name, bool? ReadOnly, int? ExpiresInDays);
public sealed record CreatedTokenResponse(string Id, string Name, string Token, bool ReadOnly, DateTimeOffset? ExpiresAt);

/// <summary>
/// <c>/api/auth</c>, <c>/api/me</c>, <c>/api/members</c>, <c>/api/invitations</c>, <c>/api/tokens</c>: how a script signs
/// in, who it is, and how owners and admins manage the team.
/// </summary>
public static class AccountsApi
{
    public const string SignInRateLimit = "sign-in";

    /// <summary>Sign-in attempts per client address and minute (on top of Identity's per-account lockout).</summary>
    internal static void AddSignInRateLimit(IServiceCollection services)
    {
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignInRateLimit, context =>
            {
                var permits = context.RequestServices.GetRequiredService<IOptions<AccountsOptions>>().Value.SignInPermitsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
            o.OnRejected = async (context, ct) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                await ApiExceptionHandler.WriteAsync(context.HttpContext, new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = "Too many sign-in attempts from this address; try again in a minute.",
                }, ct);
            };
        });
    }

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Accounts");

        api.MapPost("/auth/sign-in", async Task<IResult> (SignInRequest body, UserManager<AppUser> userManager, SignInManager<AppUser> signIn,
            ApiTokenService tokens, IOptions<AccountsOptions> options, TimeProvider time, CancellationToken ct) =>
        {
            var user = string.IsNullOrWhiteSpace(body.Email) ? null : await userManager.FindByEmailAsync(body.Email.Trim());
            var result = user is null || string.IsNullOrEmpty(body.Password)
                ? Microsoft.AspNetCore.Identity.SignInResult.Failed
                : await signIn.CheckPasswordSignInAsync(user, body.Password, lockoutOnFailure: true);
            if (!result.Succeeded)
            {
                return Unauthorized(result.IsLockedOut
                    ? "Too many failed attempts: this account is locked for a few minutes."
                    : "That email and password do not match a member of this workspace.");
            }
            var expiresAt = time.GetUtcNow() + options.Value.SignInTokenLifetime;
            var created = await tokens.CreateAsync(user!.Id, "Sign-in", ct, new ApiTokenOptions(ExpiresAt: expiresAt, SignIn: true));
            return TypedResults.Ok(new SignInResponse(created.Token, expiresAt));
        }).AllowAnonymous().RequireRateLimiting(SignInRateLimit).Produces<SignInResponse>();

        api.MapGet("/me", async Task<IResult> (ClaimsPrincipal user, MemberDirectory members, CancellationToken ct) =>
            await members.GetAsync(user.UserId(), ct) is { Active: true } me
                ? TypedResults.Ok(new MeResponse(me.Id, me.Email, me.Role))
                : Unauthorized("Sign in again."))
            .RequirePermission(Permission.ReadData).Produces<MeResponse>();

        api.MapGet("/members", (MemberService members, CancellationToken ct) => members.ListAsync(ct))
            .RequirePermission(Permission.InviteMembers);
        api.MapPatch("/members/{userId}", async (string userId, ChangeRoleRequest body, MemberService members, CancellationToken ct) =>
            TypedResults.Ok(await members.ChangeRoleAsync(userId, body.Role ?? throw RoleMissing(), ct)))
            .RequirePermission(Permission.ManageMembers);
        api.MapDelete("/members/{userId}", async (string userId, MemberService members, CancellationToken ct) =>
        {
            await members.RemoveAsync(userId, ct);
            return TypedResults.NoContent();
        }).RequirePermission(Permission.ManageMembers);

        api.MapGet("/invitations", async (MemberService members, TimeProvider time, CancellationToken ct) =>
            (await members.ListInvitationsAsync(ct)).Select(i => ToResponse(i, time.GetUtcNow())))
            .RequirePermission(Permission.InviteMembers);
        api.MapPost("/invitations", async (CreateInvitationRequest body, HttpRequest http, ClaimsPrincipal user, MemberService members, MemberDirectory directory, CancellationToken ct) =>
        {
            var inviterRole = await directory.RoleAsync(user.UserId(), ct) ?? Role.Viewer;
            TimeSpan? lifetime = body.ExpiresInHours is { } hours ? TimeSpan.FromHours(double.IsFinite(hours) ? Math.Clamp(hours, -1, 1e6) : -1) : null;
            var created = await members.InviteAsync(user.UserId()!, inviterRole, body.Role ?? throw RoleMissing(), lifetime, ct);
            var url = $"{http.Scheme}://{http.Host}{http.PathBase}/{created.Path}";
            return TypedResults.Created($"/api/invitations/{created.Info.Id}",
                new CreatedInvitationResponse(created.Info.Id, created.Info.Role, url, created.Token, created.Info.ExpiresAt));
        }).RequirePermission(Permission.InviteMembers);
        api.MapDelete("/invitations/{id}", async Task<IResult> (string id, MemberService members, CancellationToken ct) =>
            await members.RevokeInvitationAsync(id, ct) ? TypedResults.NoContent() : NotFound($"There is no pending invitation '{id}'."))
            .RequirePermission(Permission.InviteMembers).Produces(StatusCodes.Status204NoContent);
        api.MapPost("/invitations/accept", async (AcceptInvitationRequest body, MemberService members, UserManager<AppUser> userManager, AppDbContext db, CancellationToken ct) =>
        {
            var joined = await members.AcceptAsync(userManager, db, body.Token ?? "", body.Email ?? "", body.Password ?? "", ct);
            return TypedResults.Created("/api/me", new MeResponse(joined.Id, joined.Email, joined.Role));
        }).AllowAnonymous().RequireRateLimiting(SignInRateLimit);

        api.MapGet("/tokens", (ClaimsPrincipal user, ApiTokenService tokens, CancellationToken ct) => tokens.ListAsync(user.UserId()!, ct))
            .RequirePermission(Permission.ReadData);
        api.MapPost("/tokens", async (CreateTokenRequest body, ClaimsPrincipal user, ApiTokenService tokens, TimeProvider time, CancellationToken ct) =>
        {
            if (body.ExpiresInDays is < 1 or > 3650)
            {
                throw new BadRequestException("expiresInDays must be between 1 and 3650 (or left out for a token that does not expire).",
                    new Dictionary<string, string[]> { ["expiresInDays"] = ["must be between 1 and 3650"] });
            }
            var expiresAt = body.ExpiresInDays is { } days ? time.GetUtcNow().AddDays(days) : (DateTimeOffset?)null;
            var created = await tokens.CreateAsync(user.UserId()!, body.Name ?? "", ct, new ApiTokenOptions(body.ReadOnly == true, expiresAt));
            return TypedResults.Created($"/api/tokens/{created.Info.Id}",
                new CreatedTokenResponse(created.Info.Id, created.Info.Name, created.Token, created.Info.ReadOnly, created.Info.ExpiresAt));
        }).RequirePermission(Permission.ReadData);
        api.MapDelete("/tokens/{id}", async Task<IResult> (string id, ClaimsPrincipal user, ApiTokenService tokens, CancellationToken ct) =>
            await tokens.RevokeAsync(user.UserId()!, id, ct) ? TypedResults.NoContent() : NotFound($"You have no token '{id}'."))
            .RequirePermission(Permission.ReadData).Produces(StatusCodes.Status204NoContent);
        return app;
    }

    private static InvitationResponse ToResponse(InvitationInfo i, DateTimeOffset now) =>
        new(i.Id, i.Role, i.CreatedBy, i.CreatedAt, i.ExpiresAt, i.AcceptedAt, i.RevokedAt,
            i.AcceptedAt is not null ? "accepted" : i.RevokedAt is not null ? "revoked" : i.ExpiresAt <= now ? "expired" : "pending");

    private static BadRequestException RoleMissing() =>
        new("Say which role: viewer, editor, admin or owner.", new Dictionary<string, string[]> { ["role"] = ["is required"] });

    private static IResult Unauthorized(string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = StatusCodes.Status401Unauthorized, Title = "Unauthorized", Detail = detail });

    private static IResult NotFound(string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = detail });
}
