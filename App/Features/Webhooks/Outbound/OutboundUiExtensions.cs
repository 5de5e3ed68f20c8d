namespace Undb.Features.Webhooks.Outbound;

public static class OutboundUiExtensions
{
    /// <summary>Services the webhooks UI uses on top of the engine's.</summary>
    public static IServiceCollection AddOutboundWebhooksUi(this IServiceCollection services)
    {
        services.AddSingleton<WebhookHealthService>();
        services.AddSingleton<WebhookDraftTester>();
        services.AddSingleton<Templates.PayloadPreview>();
        return services;
    }
}
