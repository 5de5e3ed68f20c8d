using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Features.Webhooks.Incoming;
using Undb.Features.Webhooks.Incoming.Components;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class RequestLogDialogTests(IncomingFactory factory) : IncomingBunitContext(factory)
{
    [Fact]
    public async Task Log_ShowsRequestsNewestFirst_WithPrettyPayloadAndError_AndUpdatesLive()
    {
        var (table, hook) = await CreateAsync(mapping: null);
        await PostAsync(hook, """{"title":"first"}""");
        var (host, _) = await ShowDialogAsync("Requests", new DialogParameters<RequestLogDialog> { { d => d.Webhook, hook.Webhook } });

        host.WaitForAssertion(() => Assert.Single(host.FindAll(".request-entry")), Patience);
        Assert.Equal("422", host.Find(".request-status").TextContent.Trim());
        Assert.Contains("no path is mapped", host.Find(".request-error").TextContent);
        Assert.Contains("\"title\": \"first\"", host.Find(".request-payload").TextContent); // indented

        await Hooks.UpdateAsync(hook.Webhook.Id, null, MapByName(table, null, ("Deal", "$.title")), null);
        await PostAsync(hook, """{"title":"second"}""");
        host.WaitForAssertion(() => Assert.Equal(["201", "422"], host.FindAll(".request-status").Select(s => s.TextContent.Trim())), Patience);
    }

    [Fact]
    public async Task Replay_AsksFirst_ThenRunsThePayloadThroughTheCurrentMapping()
    {
        var (table, hook) = await CreateAsync(mapping: null);
        await PostAsync(hook, """{"title":"late"}""");
        await Hooks.UpdateAsync(hook.Webhook.Id, null, MapByName(table, null, ("Deal", "$.title")), null);
        var (host, _) = await ShowDialogAsync("Requests", new DialogParameters<RequestLogDialog> { { d => d.Webhook, hook.Webhook } });

        var replay = host.WaitForElement(".request-replay", Patience).ClickAsync(new());
        host.WaitForAssertion(() => Assert.Contains("Replay this payload?", host.Markup), Patience);
        await host.FindAll("button").Single(b => b.TextContent.Trim() == "Replay").ClickAsync(new());
        await replay;

        host.WaitForAssertion(() => Assert.Contains("Replayed: 1 record created.", host.Markup), Patience);
        var log = await Hooks.ListRequestsAsync(hook.Webhook.Id);
        Assert.True(log[0].Replay);
        Assert.Single(log[0].RecordIds);
        Assert.Equal(1, (await Factory.Services.GetRequiredService<Undb.Features.Tables.RecordQueryService>()
            .ListAsync(table.Id, new Undb.Features.Tables.RecordQuery(0, 10, null, false, null))).Total);
    }
}
