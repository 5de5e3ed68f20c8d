namespace Undb.Features.Webhooks.Incoming;

public static class IncomingWebhooksExtensions
{
    /// <summary>Incoming webhooks: options (validated at start), services, and the ingest endpoint's rate limits.</summary>
    public static IHostApplicationBuilder AddIncomingWebhooks(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<IncomingWebhooksOptions>().BindConfiguration(IncomingWebhooksOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IncomingWebhookNotifier>();
        services.AddSingleton<IncomingWebhookService>();
        services.AddSingleton<IncomingVerificationSecrets>();
        services.AddSingleton<Tables.IFieldUsageSource, IncomingFieldUsages>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<IncomingLogWriter>();
        services.AddSingleton<IncomingWebhookCache>();
        services.AddSingleton<IngestService>();
        services.AddSingleton<IngestRateLimits>();
        services.AddSingleton<IncomingTestPasses>();
        services.AddSingleton<IncomingTestSender>();
        // Only ever this instance's own listener (see IncomingTestSender), so its development certificate is accepted.
        services.AddHttpClient(IncomingTestSender.ClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        });
        return builder;
    }

    /// <summary><c>POST /hooks/{id}</c> and the REST API.</summary>
    public static IEndpointRouteBuilder MapIncomingWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapIngestEndpoint();
        app.MapIncomingWebhooksApi();
        return app;
    }
}
