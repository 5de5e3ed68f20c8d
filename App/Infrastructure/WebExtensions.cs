using Microsoft.AspNetCore.Diagnostics;
using MudBlazor.Services;
using Undb.Components;
using Undb.Components.Shared;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Realtime;

namespace Undb.Infrastructure;

public static class WebExtensions
{
    /// <summary>Blazor Server with MudBlazor, JSON defaults, problem details, the clock and the change notifier.</summary>
    public static IHostApplicationBuilder AddWebUi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        // Notices at the top centre, over the empty middle of the app bar: at the top right (MudBlazor's default) they
        // covered the page's main buttons (Add record, Incoming webhook) and the bell for five seconds; at the bottom
        // they would cover a dialog's or the pager's buttons instead.
        services.AddMudServices(c => c.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.TopCenter);
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        // Outside Development, minimal APIs answer unreadable bodies with a bare 400; throwing lets ApiExceptionHandler
        // turn them into problem+json like every other API error.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o => JsonDefaults.Configure(o.SerializerOptions));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TableChangeNotifier>();
        RemoveContentTypeRouting(services);
        services.AddScoped<ViewerTimeZone>();
        return builder;
    }

    /// <summary>
    /// Routing picks among endpoints by Content-Type (ASP.NET Core's AcceptsMatcherPolicy): a JSON route asked with
    /// another content type, or none, drops out, and the request falls to a neighbour — <c>DELETE …/records/bulk</c>
    /// without a content type deletes the record "bulk" — or to a bare 415 with no problem details. The app's routes
    /// differ by path and method only, so the content type is checked on the chosen route instead, by ApiBodyGuard.
    /// </summary>
    internal static void RemoveContentTypeRouting(IServiceCollection services)
    {
        foreach (var policy in services.Where(d => d.ServiceType == typeof(Microsoft.AspNetCore.Routing.MatcherPolicy)
            && d.ImplementationType?.Name == "AcceptsMatcherPolicy").ToList())
        {
            services.Remove(policy);
        }
    }

    /// <summary>
    /// Migrates the database and seeds the bootstrap admin before the first request. False when a <c>Bootstrap:*</c>
    /// setting is unusable: that is said in one line on the error output (an operator's typo deserves no stack trace),
    /// and the app must stop.
    /// </summary>
    public static async Task<bool> PrepareAsync(this WebApplication app)
    {
        var ready = true;
        // Seeded right after the migrations, under the same start-up lock: instances that start together on one
        // database do not both create the bootstrap admin.
        await app.Services.MigrateDatabaseAsync(async ct =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            try
            {
                await scope.ServiceProvider.GetRequiredService<AccountsBootstrapper>().RunAsync(ct);
            }
            catch (BootstrapConfigurationException ex)
            {
                await Console.Error.WriteLineAsync("Undb cannot start: " + ex.Message);
                ready = false;
            }
        });
        return ready;
    }

    public static WebApplication UseWebUi(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/error",
            CreateScopeForErrors = true,
            // A 4xx answered by ApiExceptionHandler is the caller's mistake, not an error worth logging as one; its 500s are.
            SuppressDiagnosticsCallback = ctx => ctx.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService
                && ctx.HttpContext.Response.StatusCode < StatusCodes.Status500InternalServerError,
        });
        // A page the app does not have (a typed or stale URL) gets the app's own "not found" page with status 404,
        // not the browser's empty one. Only for page requests: API, ingest and framework routes keep their own answers.
        // (On the app itself, not in a UseWhen branch: the re-executed request must be routed again.)
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use(async (context, next) =>
        {
            await next(context);
            if ((context.Response.StatusCode != StatusCodes.Status404NotFound || !IsPageRequest(context))
                && context.Features.Get<IStatusCodePagesFeature>() is { } pages)
            {
                pages.Enabled = false;
            }
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseChangeOrigin();
        app.UseMiddleware<ApiBodyGuard>();
        app.UseAntiforgery();
        return app;
    }

    private static readonly string[] NonPagePrefixes = ["/api", "/hooks", "/hubs", "/health", "/_framework", "/_blazor", "/_content"];

    private static bool IsPageRequest(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method) && !NonPagePrefixes.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    public static WebApplication MapWebUi(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
