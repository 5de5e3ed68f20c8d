using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Undb.Features.Accounts;

/// <summary>Authenticates <c>Authorization: Bearer undb_…</c> API tokens as the token's owner.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens,
    MemberDirectory members,
    MemberActivity activity)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    /// <summary>Claims a token adds: its id, its name (record history says "API token 'name'"), and whether it only reads.</summary>
    public const string TokenIdClaim = "undb:token_id";
    public const string TokenNameClaim = "undb:token_name";
    public const string ReadOnlyClaim = "undb:read_only";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadBearer(Request);
        // An incoming webhook's key (Authorization: Bearer uwk_…) is its endpoint's to check: no token lookup here, and
        // no failed sign-in logged for every post a sender makes.
        if (token is null || token.StartsWith(Undb.Features.Webhooks.Incoming.IncomingWebhookService.KeyPrefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.NoResult();
        }
        var valid = await tokens.ValidateAsync(token, Context.RequestAborted);
        // A removed member's tokens are revoked too; checking the member as well closes the moment in between.
        if (valid is null || await members.GetAsync(valid.UserId, Context.RequestAborted) is not { Active: true } member)
        {
            return AuthenticateResult.Fail("Invalid, expired or revoked API token.");
        }
        activity.Touch(member.Id);
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, member.Id),
            new(ClaimTypes.Name, member.Email),
            new(TokenIdClaim, valid.TokenId),
        ];
        if (!valid.SignIn)
        {
            claims.Add(new Claim(TokenNameClaim, valid.Name));
        }
        if (valid.ReadOnly)
        {
            claims.Add(new Claim(ReadOnlyClaim, "true"));
        }
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = ReadBearer(Request) is not null
            ? "The API token is wrong, expired or was revoked. Create a token under Settings and send it as 'Authorization: Bearer <token>'."
            : "Changes through the API need an API token: send 'Authorization: Bearer <token>' (create one under Settings). A browser sign-in only reads the API.";
        return Results.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status401Unauthorized,
            Title = "Unauthorized",
            Detail = detail,
        }).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Results.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status403Forbidden,
            Title = "Forbidden",
            Detail = Context.User.HasClaim(ReadOnlyClaim, "true") && !HttpMethods.IsGet(Request.Method)
                ? "This API token is read-only: it can only read."
                : "Your role does not allow this. Ask an owner of this workspace for a role that does.",
        }).ExecuteAsync(Context);

    /// <summary>
    /// The token of <c>Authorization: Bearer …</c>; for the live feed's hub also <c>?access_token=</c>, which is how
    /// SignalR clients send it over WebSockets and server-sent events (browsers cannot set headers there).
    /// </summary>
    public static string? ReadBearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }
        return request.Path.StartsWithSegments("/hubs") && request.Query["access_token"] is [{ Length: > 0 } token] ? token : null;
    }

    /// <summary>
    /// Which scheme a request uses: a bearer token goes to the token handler, everything else to the Identity cookie —
    /// except a change (POST, PUT, PATCH, DELETE) under <c>/api</c>, which only a token may make. A cookie rides along
    /// with any cross-site form or script a signed-in user happens to load, so it would let another site change data
    /// (CSRF); the UI does not need it, as its pages call the services directly. Cookie GETs stay, for downloads.
    /// </summary>
    public static string SelectScheme(HttpContext context) =>
        ReadBearer(context.Request) is not null || IsApiChange(context.Request) ? SchemeName : IdentityConstants.ApplicationScheme;

    private static bool IsApiChange(HttpRequest request) =>
        request.Path.StartsWithSegments("/api")
        && !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method));
}
