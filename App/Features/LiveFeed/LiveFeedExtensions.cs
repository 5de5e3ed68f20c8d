using Undb.Features.Tables;

namespace Undb.Features.LiveFeed;

public static class LiveFeedExtensions
{
    /// <summary>SignalR and the live feed of table changes (<see cref="TablesHub"/>).</summary>
    public static IHostApplicationBuilder AddLiveFeed(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSignalR();
        // AddSignalR adds routing's services again, content-type routing included, which the app takes out (see there).
        Undb.Infrastructure.WebExtensions.RemoveContentTypeRouting(services);
        services.AddOptions<LiveFeedOptions>().BindConfiguration(LiveFeedOptions.Section);
        services.AddSingleton<FeedNotifier>();
        services.AddSingleton<FeedInterestNotifier>();
        services.AddSingleton<TableFeed>();
        // Created at start-up, not at the first connection: it must hear other instances' followers from the start.
        services.AddHostedService<TableFeedStarter>();
        services.AddSingleton<IRecordChangeSink, FeedSink>();
        // The request line of a WebSocket or long-polling request carries the client's API token (?access_token=, as
        // SignalR clients send it): the host's request log stays off, whatever Microsoft.AspNetCore's level is.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Connections", LogLevel.Warning);
        return builder;
    }

    public static IEndpointRouteBuilder MapLiveFeed(this IEndpointRouteBuilder app)
    {
        app.MapHub<TablesHub>(TablesHub.Path);
        return app;
    }
}

/// <summary>Creates the <see cref="TableFeed"/> when the app starts.</summary>
internal sealed class TableFeedStarter(TableFeed feed) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(feed);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
