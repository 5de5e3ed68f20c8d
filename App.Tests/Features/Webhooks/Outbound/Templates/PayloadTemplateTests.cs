using System.Text.Json;
using System.Text.Json.Nodes;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Templates;

namespace Undb.Tests.Features.Webhooks.Outbound.Templates;

/// <summary>Payload templates (issue #22 part 2): presets against golden files, the json filter, and what is refused.</summary>
public sealed class PayloadTemplateTests
{
    private static readonly string GoldenDir = Path.Combine(AppContext.BaseDirectory, "Features", "Webhooks", "Outbound", "Templates", "golden");

    private static JsonObject Example(string name) => (JsonObject)WebhookEventCatalog.Example(name).DeepClone();

    public static TheoryData<string, string> PresetsAndEvents()
    {
        var data = new TheoryData<string, string>();
        foreach (var preset in PayloadPresets.All)
        {
            foreach (var name in new[] { WebhookEvents.Created, WebhookEvents.Updated, WebhookEvents.BulkDeleted, WebhookEvents.WebhookFailing })
            {
                data.Add(preset.Id, name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PresetsAndEvents))]
    public void EachPreset_RendersItsGoldenFile(string presetId, string eventName)
    {
        var preset = PayloadPresets.Find(presetId)!;
        var body = PayloadTemplates.Render(preset.Template, Example(eventName));
        var pretty = JsonNode.Parse(body)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var path = Path.Combine(GoldenDir, $"{presetId}.{eventName}.json");
        if (Environment.GetEnvironmentVariable("UNDB_UPDATE_GOLDEN") is { Length: > 0 } source)
        {
            File.WriteAllText(Path.Combine(source, $"{presetId}.{eventName}.json"), pretty + "\n");
        }
        Assert.True(File.Exists(path), $"no golden file {path}");
        Assert.Equal(File.ReadAllText(path).TrimEnd(), pretty);
    }

    [Theory]
    [MemberData(nameof(PresetsAndEvents))]
    public void EachPreset_ProducesWhatItsServiceAccepts(string presetId, string eventName)
    {
        var body = JsonNode.Parse(PayloadTemplates.Render(PayloadPresets.Find(presetId)!.Template, Example(eventName)))!.AsObject();
        switch (presetId)
        {
            case "slack":
                // Slack incoming webhooks: a non-empty "text".
                Assert.False(string.IsNullOrWhiteSpace(body["text"]!.GetValue<string>()));
                break;
            case "discord":
                // Discord: "content", at most 2,000 characters.
                var content = body["content"]!.GetValue<string>();
                Assert.InRange(content.Length, 1, 2000);
                break;
            case "teams":
                // Teams: a message with one Adaptive Card attachment whose body has text blocks.
                Assert.Equal("message", body["type"]!.GetValue<string>());
                var attachment = body["attachments"]!.AsArray().Single()!;
                Assert.Equal("application/vnd.microsoft.card.adaptive", attachment["contentType"]!.GetValue<string>());
                Assert.Equal("AdaptiveCard", attachment["content"]!["type"]!.GetValue<string>());
                Assert.All(attachment["content"]!["body"]!.AsArray(), b => Assert.Equal("TextBlock", b!["type"]!.GetValue<string>()));
                break;
            case "thin":
                Assert.Equal(["id", "name", "tableId", "recordId"], body.Select(p => p.Key));
                Assert.Equal(eventName, body["name"]!.GetValue<string>());
                break;
        }
    }

    [Fact]
    public void AFormTemplate_RendersUrlEncoded_AndIsNotHeldToJson()
    {
        var sample = Example(WebhookEvents.Created);
        sample["event"]!["record"]!["Deal"] = "Acme & Sons";
        const string template = "deal={{ record.Deal | url_encode }}&value={{ record.Value }}";
        Assert.Equal("deal=Acme+%26+Sons&value=1200", PayloadTemplates.Render(template, sample));
        Assert.Null(PayloadTemplates.Check(template, PayloadContentTypes.Form, sample));
        Assert.Contains("invalid JSON", PayloadTemplates.Check(template, PayloadContentTypes.Json, sample));
        Assert.Equal("application/x-www-form-urlencoded", PayloadContentTypes.MediaType(PayloadContentTypes.Form));
    }

    [Fact]
    public void TheJsonFilter_WritesObjectsAndArrays_AsJson()
    {
        var body = PayloadTemplates.Render("{\"record\": {{ record | json }}, \"previous\": {{ previous | json }}, \"none\": {{ records | json }}}", Example(WebhookEvents.Updated));
        var parsed = JsonNode.Parse(body)!;
        Assert.Equal("Acme", parsed["record"]!["Deal"]!.GetValue<string>());
        Assert.Equal(1200, parsed["record"]!["Value"]!.GetValue<decimal>());
        Assert.Equal("rec_example", parsed["record"]!["id"]!.GetValue<string>());
        Assert.Equal("ada@example.com", parsed["record"]!["createdBy"]!["username"]!.GetValue<string>());
        Assert.Equal(1000, parsed["previous"]!["Value"]!.GetValue<decimal>());
        Assert.Null(parsed["none"]);
    }

    [Fact]
    public void Discord_CutsALongLineToItsLimit()
    {
        var payload = Example(WebhookEvents.Created);
        payload["event"]!["record"]!["Deal"] = new string('x', 5000);
        var content = JsonNode.Parse(PayloadTemplates.Render(PayloadPresets.Discord.Template, payload))!["content"]!.GetValue<string>();
        Assert.Equal(2000, content.Length);
    }

    [Fact]
    public void TheJsonFilter_KeepsTheBodyValid_WhateverARecordHolds()
    {
        var payload = Example(WebhookEvents.Created);
        payload["event"]!["record"]!["Deal"] = "Quote \" backslash \\ newline \n tab \t </script> ünïcode";
        var body = PayloadTemplates.Render("{\"deal\": {{ record.Deal | json }}, \"value\": {{ record.Value | json }}, \"missing\": {{ record.Nope | json }}, \"table\": {{ event.tableName | json }}}", payload);
        var parsed = JsonNode.Parse(body)!;
        Assert.Equal("Quote \" backslash \\ newline \n tab \t </script> ünïcode", parsed["deal"]!.GetValue<string>());
        Assert.Equal(1200m, parsed["value"]!.GetValue<decimal>());
        Assert.Null(parsed["missing"]);
        Assert.Equal("Deals", parsed["table"]!.GetValue<string>());
    }

    [Fact]
    public void DatesAndNames_AreAtHand()
    {
        var body = PayloadTemplates.Render("{{ name }} at {{ timestamp | date: '%Y-%m-%d %H:%M' }} in {{ tableName }}", Example(WebhookEvents.Created));
        Assert.Equal("record.created at 2026-12-01 09:30 in Deals", body);
    }

    [Theory]
    [InlineData("{{ record.Deal ", "does not parse")]
    [InlineData("{% if record %}open", "does not parse")]
    [InlineData("{{ record.Deal | nosuchfilter }}", "nosuchfilter")]
    public void ABrokenTemplate_IsRefused_WithWhereAndWhy(string template, string expected)
    {
        var error = PayloadTemplates.Check(template, PayloadContentTypes.Text, Example(WebhookEvents.Created));
        Assert.NotNull(error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void ATemplateThatRendersInvalidJson_IsRefused_ForJson_ButNotForText()
    {
        const string template = "{\"deal\": {{ record.Deal }}}";
        var error = PayloadTemplates.Check(template, PayloadContentTypes.Json, Example(WebhookEvents.Created));
        Assert.NotNull(error);
        Assert.Contains("invalid JSON", error);
        Assert.Contains("json filter", error);
        Assert.Null(PayloadTemplates.Check(template, PayloadContentTypes.Text, Example(WebhookEvents.Created)));
    }
}
