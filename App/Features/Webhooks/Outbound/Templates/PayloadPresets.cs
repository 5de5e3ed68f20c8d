namespace Undb.Features.Webhooks.Outbound.Templates;

/// <summary>A ready-made template: what a service's incoming webhooks accept.</summary>
public sealed record PayloadPreset(string Id, string Label, string ContentType, string Template, string Hint);

/// <summary>
/// Presets for the payload template: Slack and Discord incoming webhooks, Microsoft Teams (an Adaptive Card message,
/// as Teams workflows and connectors take it), and "thin" (ids only, for a receiver that reads the rest from the API).
/// Each writes one line about the change; values go through the json filter, so any text a record holds stays valid.
/// </summary>
public static class PayloadPresets
{
    /// <summary>One line about the event, shared by the chat presets (Liquid; sets <c>summary</c>).</summary>
    private const string Summary = """
        {%- capture summary -%}
          {%- if event.webhookName -%}
            Webhook {{ event.webhookName }}: {{ event.message }}
          {%- elsif records -%}
            {{ name }} in {{ tableName }}: {{ records | size }} record{% if records.size != 1 %}s{% endif %}
          {%- elsif previous -%}
            {{ name }} in {{ tableName }}: {{ record.id }}
            {%- for change in previous %} · {{ change[0] }}: {{ change[1] | default: '(empty)' }} → {{ record[change[0]] | default: '(empty)' }}{% endfor %}
          {%- else -%}
            {{ name }} in {{ tableName }}: {{ record.id }}
            {%- for field in record -%}
              {%- assign key = field[0] -%}
              {%- unless key == 'id' or key == 'createdAt' or key == 'createdBy' or key == 'updatedAt' or key == 'updatedBy' -%}
                {%- if field[1] != nil %} · {{ key }}: {{ field[1] }}{% endif -%}
              {%- endunless -%}
            {%- endfor -%}
          {%- endif -%}
        {%- endcapture -%}

        """;

    public static readonly PayloadPreset Slack = new("slack", "Slack", PayloadContentTypes.Json,
        Summary + "{\"text\": {{ summary | json }}}",
        "A Slack incoming webhook URL (https://hooks.slack.com/services/…): posts the line as a message.");

    public static readonly PayloadPreset Discord = new("discord", "Discord", PayloadContentTypes.Json,
        Summary + "{\"content\": {{ summary | truncate: 2000 | json }}}",
        "A Discord channel webhook URL (https://discord.com/api/webhooks/…): posts the line (at most 2,000 characters, Discord's limit).");

    public static readonly PayloadPreset Teams = new("teams", "Microsoft Teams", PayloadContentTypes.Json,
        Summary +
        "{\"type\": \"message\", \"attachments\": [{\"contentType\": \"application/vnd.microsoft.card.adaptive\", \"contentUrl\": null, \"content\": " +
        "{\"$schema\": \"http://adaptivecards.io/schemas/adaptive-card.json\", \"type\": \"AdaptiveCard\", \"version\": \"1.4\", \"body\": [" +
        "{\"type\": \"TextBlock\", \"text\": {{ name | json }}, \"weight\": \"Bolder\", \"size\": \"Medium\"}, " +
        "{\"type\": \"TextBlock\", \"text\": {{ summary | json }}, \"wrap\": true}, " +
        "{\"type\": \"TextBlock\", \"text\": {{ timestamp | json }}, \"isSubtle\": true, \"spacing\": \"None\"}]}}]}",
        "A Teams workflow (\"When a Teams webhook request is received\") or channel webhook URL: posts an Adaptive Card.");

    public static readonly PayloadPreset Thin = new("thin", "Thin (ids only)", PayloadContentTypes.Json,
        "{\"id\": {{ id | json }}, \"name\": {{ name | json }}, \"tableId\": {{ tableId | json }}, \"recordId\": {{ record.id | json }}}",
        "Only which event, table and record: the receiver reads the rest through the API (recordId is null for bulk events).");

    public static readonly IReadOnlyList<PayloadPreset> All = [Slack, Discord, Teams, Thin];

    public static PayloadPreset? Find(string? id) => All.FirstOrDefault(p => p.Id == id);

    /// <summary>The preset a saved template is, if it is one unchanged.</summary>
    public static PayloadPreset? Matching(string? template) => template is null ? null : All.FirstOrDefault(p => p.Template == template);
}
