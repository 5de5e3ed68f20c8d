using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

public static class OutboundExtensions
{
    /// <summary>Outbound webhooks: options, secrets at rest, the outbox sink, the delivery client, worker and services.</summary>
    public static IHostApplicationBuilder AddOutboundWebhooks(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhooksOptions>().BindConfiguration(WebhooksOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhooksOptions>, WebhooksOptionsValidator>();

        // Secrets must survive restarts: where the keys live is the data module's choice (App/Data), never memory.
        services.AddDataProtection().SetApplicationName("Undb.Blazor");

        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<DeliveryNotifier>();
        services.AddSingleton<WebhookVersions>();
        services.AddSingleton<WebhookPacer>();
        services.AddSingleton<Alerts.NotificationNotifier>();
        services.AddSingleton<Alerts.WebhookAlerts>();
        services.AddSingleton<Alerts.NotificationService>();
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookHeaderValues>();
        // Before the delivery worker, so it finds every header value encrypted.
        services.AddHostedService<ProtectStoredHeaderValues>();
        services.AddSingleton<SsrfGuard>();
        services.AddSingleton<RetryPolicy>();
        services.AddSingleton<WebhookCircuits>();
        services.AddTransient<WebhookCircuitHandler>();
        services.AddSingleton<DeliverySender>();
        services.AddSingleton<DeliveryStore>();
        services.AddSingleton<DeliveryProcessor>();
        services.AddSingleton<HeldDeliveries>();
        services.AddSingleton<WebhookService>();
        services.AddSingleton<DeliveryQueryService>();
        services.AddSingleton<IRecordChangeSink, OutboxSink>();
        services.AddSingleton<IFieldUsageSource, OutboundFieldUsages>();
        services.AddHostedService<DeliveryWorker>();
        services.AddOutboundWebhooksUi();

        services.AddHttpClient(DeliverySender.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            // DeliverySender records and logs every attempt; HttpClient's own four log lines per request would only repeat it.
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                // A proxy would make the guard vet the proxy instead of the webhook's host.
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<SsrfGuard>().ConnectAsync,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            // Breaker and attempt timeout per webhook, not per host: see WebhookCircuits.
            .AddHttpMessageHandler<WebhookCircuitHandler>();
        return builder;
    }
}
