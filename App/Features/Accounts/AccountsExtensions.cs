using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Accounts;

public static class AccountsExtensions
{
    public const string CombinedScheme = "CookieOrToken";

    /// <summary>Identity with cookies for the UI, API tokens for <c>/api</c>, and a login required everywhere by default.</summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AccountsOptions>().BindConfiguration(AccountsOptions.Section);
        // Checked by AccountsBootstrapper before the app serves anything, so a bad value stops start-up with one line.
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section);

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = CombinedScheme;
                options.DefaultChallengeScheme = CombinedScheme;
                options.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddPolicyScheme(CombinedScheme, "Cookie or API token", o => o.ForwardDefaultSelector = ApiTokenAuthenticationHandler.SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/access-denied";
            o.Cookie.Name = "undb.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            // APIs answer 401/403 instead of redirecting to the login page.
            o.Events.OnRedirectToLogin = ctx => IsApi(ctx.Request) ? Problem(ctx.HttpContext, 401, "Sign in or send an API token as 'Authorization: Bearer <token>'.") : Redirect(ctx);
            o.Events.OnRedirectToAccessDenied = ctx => IsApi(ctx.Request) ? Problem(ctx.HttpContext, 403, "Your role does not allow this.") : Redirect(ctx);
            // Identity's security-stamp check, then the member's state: a removed member's cookie stops working at once.
            var checkStamp = o.Events.OnValidatePrincipal;
            o.Events.OnValidatePrincipal = async ctx =>
            {
                await checkStamp(ctx);
                if (ctx.Principal?.UserId() is not { } userId)
                {
                    return;
                }
                var services = ctx.HttpContext.RequestServices;
                if (await services.GetRequiredService<MemberDirectory>().GetAsync(userId, ctx.HttpContext.RequestAborted) is not { Active: true })
                {
                    ctx.RejectPrincipal();
                    await ctx.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                    return;
                }
                services.GetRequiredService<MemberActivity>().Touch(userId);
            };
        });

        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 10;
                o.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
                // "Confirmed" here means "still a member" (ActiveMemberConfirmation): a removed member cannot sign in.
                o.SignIn.RequireConfirmedAccount = true;
            })
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.AddScoped<IUserConfirmation<AppUser>, ActiveMemberConfirmation>();

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(CombinedScheme).RequireAuthenticatedUser().Build())
            .AddPermissionPolicies();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, PermissionHandler>();

        services.AddSingleton<UserDirectory>();
        services.AddSingleton<MemberNotifier>();
        services.AddSingleton<MemberDirectory>();
        services.AddSingleton<MemberActivity>();
        services.AddScoped<MemberService>();
        services.AddScoped<CurrentMember>();
        AccountsApi.AddSignInRateLimit(services);
        services.AddSingleton<ApiTokenService>();
        services.AddScoped<AccountsBootstrapper>();
        services.AddScoped<RegistrationService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAccountsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/logout", async (SignInManager<AppUser> signInManager) =>
        {
            await signInManager.SignOutAsync();
            return TypedResults.LocalRedirect("~/account/login");
        });
        app.MapAccountsApi();
        return app;
    }

    /// <summary>Changes made through an API token say so in the record history: "API token 'CRM sync'", or "API (signed in)".</summary>
    public static IApplicationBuilder UseChangeOrigin(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.User.FindFirstValue(ApiTokenAuthenticationHandler.TokenIdClaim) is null)
        {
            await next(context);
            return;
        }
        var name = context.User.FindFirstValue(ApiTokenAuthenticationHandler.TokenNameClaim);
        using (ChangeOrigin.Use(name is null ? "API (signed in)" : $"API token '{name}'"))
        {
            await next(context);
        }
    });

    /// <summary>The signed-in user's id (cookie or API token), or null.</summary>
    public static string? UserId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs")
        || request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Infrastructure.Telemetry.MachineEndpoint>() is not null;

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> ctx)
    {
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    private static Task Problem(HttpContext context, int status, string detail) =>
        Results.Problem(new ProblemDetails
        {
            Status = status,
            Title = status == 401 ? "Unauthorized" : "Forbidden",
            Detail = detail,
        }).ExecuteAsync(context);
}

/// <summary>A removed member's account is not "confirmed", so Identity refuses to sign it in.</summary>
internal sealed class ActiveMemberConfirmation : IUserConfirmation<AppUser>
{
    public Task<bool> IsConfirmedAsync(UserManager<AppUser> manager, AppUser user) => Task.FromResult(user.RemovedAt is null);
}

/// <summary>
/// Re-checks the Identity security stamp of connected Blazor circuits every 30 minutes, so a signed-out user's circuit
/// ends; and at once when the member's role changes (the UI re-renders for the new role) or the member is removed (the
/// circuit becomes anonymous and goes to the login page).
/// </summary>
internal sealed class RevalidatingIdentityAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private readonly IServiceScopeFactory _scopeFactory;
    private readonly IdentityOptions _options;
    private readonly MemberDirectory _members;
    private readonly ILogger _logger;

    public RevalidatingIdentityAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopeFactory,
        Microsoft.Extensions.Options.IOptions<IdentityOptions> options,
        MemberDirectory members)
        : base(loggerFactory)
    {
        _scopeFactory = scopeFactory;
        _options = options.Value;
        _members = members;
        _logger = loggerFactory.CreateLogger<RevalidatingIdentityAuthenticationStateProvider>();
        members.Changed += OnMemberChanged;
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(30);

    private async void OnMemberChanged(string userId)
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if (state.User.UserId() != userId)
            {
                return;
            }
            var principal = await _members.GetAsync(userId) is { Active: true } ? state.User : new ClaimsPrincipal(new ClaimsIdentity());
            SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not apply a member change to a connected circuit");
        }
    }

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = _scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await userManager.GetUserAsync(authenticationState.User);
        if (user is null || user.RemovedAt is not null)
        {
            return false;
        }
        if (!userManager.SupportsUserSecurityStamp)
        {
            return true;
        }
        var principalStamp = authenticationState.User.FindFirstValue(_options.ClaimsIdentity.SecurityStampClaimType);
        return principalStamp == await userManager.GetSecurityStampAsync(user);
    }

    protected override void Dispose(bool disposing)
    {
        _members.Changed -= OnMemberChanged;
        base.Dispose(disposing);
    }
}
