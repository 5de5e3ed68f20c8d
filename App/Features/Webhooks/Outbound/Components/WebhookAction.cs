namespace Undb.Features.Webhooks.Outbound.Components;

/// <summary>What a webhook card asks its panel to do.</summary>
public enum WebhookAction { Edit, Test, Pause, Resume, Duplicate, Delete }
