using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Alerts;
using Undb.Tests.Features.Webhooks.Outbound.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>
/// Alerts (issue #22 part 5): a webhook auto-disabled or failing raises an in-app notification, and a signed event to
/// the workspace webhooks subscribed to it (the alert URL).
/// </summary>
[Trait("Engines", "Both")]
public sealed class WebhookAlertsTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private LoopbackReceiver _failing = null!;
    private LoopbackReceiver _alerts = null!;

    public async Task InitializeAsync()
    {
        _failing = await LoopbackReceiver.StartAsync();
        _alerts = await LoopbackReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _failing.DisposeAsync();
        await _alerts.DisposeAsync();
    }

    private NotificationService Notifications => factory.Services.GetRequiredService<NotificationService>();

    private async Task<string> AlertWebhookAsync(HttpClient api, params string[] events)
    {
        var response = await api.PostAsJsonAsync("/api/webhooks", new { name = "Alerts " + Guid.NewGuid().ToString("N")[..6], url = _alerts.Url, events });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return System.Text.Json.Nodes.JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task AutoDisable_RaisesANotification_AndTellsTheAlertUrl()
    {
        _failing.Respond = (_, ctx) =>
        {
            ctx.Response.StatusCode = 410;
            return Task.CompletedTask;
        };
        var api = factory.CreateApiClient();
        var alertId = await AlertWebhookAsync(api, WebhookEvents.WebhookDisabled);
        var table = await TablesSeed.DealsAsync(factory.Services, "Gone " + Guid.NewGuid().ToString("N")[..6]);
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "Gone receiver", url = _failing.Url, events = new[] { "record.created" } });
        var userId = await factory.AdminIdAsync();
        var (_, unreadBefore) = await Notifications.ListAsync(userId);

        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "x" } });

        var alert = (await _alerts.WaitForAsync(r => r.Any(q => q.Payload()["event"]?["webhookId"]?.GetValue<string>() == webhookId)))
            .Single(q => q.Payload()["event"]?["webhookId"]?.GetValue<string>() == webhookId);
        Assert.Equal(WebhookEvents.WebhookDisabled, alert.Payload()["name"]!.GetValue<string>());
        Assert.Equal("Gone receiver", alert.Payload()["event"]!["webhookName"]!.GetValue<string>());
        Assert.Contains("410", alert.Payload()["event"]!["message"]!.GetValue<string>());
        Assert.StartsWith("v1,", alert.Header("webhook-signature"));
        // The notification committed with the settlement, before the alert was sent.
        var (items, unread) = await Notifications.ListAsync(userId);
        Assert.Equal(unreadBefore + 1, unread);
        var note = Assert.Single(items, n => n.WebhookId == webhookId);
        Assert.Equal(WebhookEvents.WebhookDisabled, note.Kind);
        Assert.True(note.Unread);
        // The alert webhook's own history keeps it.
        var history = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{alertId}/deliveries");
        Assert.Contains(history["items"]!.AsArray(), d => d!["event"]!.GetValue<string>() == WebhookEvents.WebhookDisabled);

        await Notifications.MarkSeenAsync(userId);
        Assert.Equal(0, (await Notifications.ListAsync(userId)).Unread);
    }

    [Fact]
    public async Task FiveFailuresInARow_RaiseOneFailingAlert()
    {
        _failing.Respond = (_, ctx) =>
        {
            ctx.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        var api = factory.CreateApiClient();
        await AlertWebhookAsync(api, WebhookEvents.WebhookFailing);
        var table = await TablesSeed.DealsAsync(factory.Services, "Failing " + Guid.NewGuid().ToString("N")[..6]);
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "Flaky receiver", url = _failing.Url, events = new[] { "record.created" } });
        using var signals = new DeliverySignals(factory.Services);

        // Six first attempts fail; the streak crosses five once.
        for (var i = 0; i < 6; i++)
        {
            await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = $"d{i}" } });
        }
        for (var settled = 0; settled < 6;)
        {
            if ((await signals.NextAsync(c => c.WebhookId == webhookId && c.DeliveryId is not null)).Status == DeliveryStatus.Pending)
            {
                settled++;
            }
        }

        var alert = (await _alerts.WaitForAsync(r => r.Any(q => q.Payload()["event"]?["webhookId"]?.GetValue<string>() == webhookId)))
            .Single(q => q.Payload()["event"]?["webhookId"]?.GetValue<string>() == webhookId);
        Assert.Equal(WebhookEvents.WebhookFailing, alert.Payload()["name"]!.GetValue<string>());
        Assert.Contains("in a row failed", alert.Payload()["event"]!["message"]!.GetValue<string>());
        var (items, _) = await Notifications.ListAsync(await factory.AdminIdAsync());
        Assert.Single(items, n => n.WebhookId == webhookId && n.Kind == WebhookEvents.WebhookFailing);
    }

    [Fact]
    public async Task OnlyAWorkspaceWebhook_CanSubscribeToAlerts()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var response = await api.PostAsJsonAsync($"/api/tables/{table.Id}/webhooks", new { name = "t", url = _alerts.Url, events = new[] { WebhookEvents.WebhookFailing } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("only a workspace webhook", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheBell_CountsWhatIsNew_AndOpeningItMarksItSeen()
    {
        var userId = "bell-" + Guid.NewGuid().ToString("N")[..8];
        await using var ui = new WebhooksUiContext(factory);
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId)], "test"));
        ui.Services.AddCascadingValue(_ => Task.FromResult(new AuthenticationState(principal)));
        var popovers = ui.Render<MudBlazor.MudPopoverProvider>();
        var (_, unread) = await Notifications.ListAsync(userId);
        var bell = ui.Render<AlertsBell>();

        if (unread == 0)
        {
            // Nothing yet in this database: raise one through the engine's own path.
            _failing.Respond = (_, ctx) =>
            {
                ctx.Response.StatusCode = 410;
                return Task.CompletedTask;
            };
            var table = await TablesSeed.DealsAsync(factory.Services);
            var api = factory.CreateApiClient();
            await api.CreateWebhookAsync(table.Id, new { name = "Bell", url = _failing.Url, events = new[] { "record.created" } });
            await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "x" } });
            unread = 1;
        }
        bell.WaitForAssertion(() => Assert.Equal($"Notifications, {unread} new", bell.Find("#alerts-bell button").GetAttribute("aria-label")));

        bell.Find("#alerts-bell button, button#alerts-bell").Click();
        // Opened: what was new is still highlighted in the list, and counts as seen.
        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll(".alert-unread")));
        bell.WaitForAssertion(() => Assert.Equal("Notifications", bell.Find("#alerts-bell button").GetAttribute("aria-label")));
        Assert.Equal(0, (await Notifications.ListAsync(userId)).Unread);
    }
}
