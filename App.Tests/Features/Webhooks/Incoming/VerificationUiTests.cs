using Bunit;
using MudBlazor;
using Undb.Features.Webhooks.Incoming;
using Undb.Features.Webhooks.Incoming.Components;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class VerificationUiTests(IncomingFactory factory) : IncomingBunitContext(factory)
{
    [Fact]
    public async Task Dialog_ChoosingStandardWebhooks_IssuesASecret_ShowsItWithCopy_AndSaves()
    {
        var (_, hook) = await CreateAsync();
        var (host, dialog) = await ShowDialogAsync("Signature", new DialogParameters<VerificationDialog> { { d => d.Webhook, hook.Webhook } });

        await host.Find(".verification-scheme .mud-input-control-input-container").MouseDownAsync(new());
        var item = host.WaitForElements(".mud-list-item", Patience).First(i => i.TextContent.Contains("Standard Webhooks"));
        await item.ClickAsync(new());
        host.WaitForAssertion(() => Assert.Contains("webhook-timestamp", host.Find(".verification-help").TextContent), Patience);
        // Saving waits for the issued secret to be acknowledged, so the click completes after "I have copied it".
        var saving = host.Find(".verification-save").ClickAsync(new());

        var shown = host.WaitForElement("#secret-value", Patience).GetAttribute("value")!;
        Assert.StartsWith("whsec_", shown);
        Assert.NotNull(host.Find("#secret-copy"));
        await host.Find("#secret-done").ClickAsync(new());
        await saving.WaitAsync(Patience);
        Assert.False((await dialog.Result)!.Canceled);

        var saved = (await Hooks.GetAsync(hook.Webhook.Id))!.Verification!;
        Assert.Equal(SenderSignatures.StandardWebhooks, saved.Scheme);
        Assert.Equal(shown, await Hooks.GetVerificationSecretAsync(hook.Webhook.Id));
    }

    [Fact]
    public async Task Dialog_StripeWithoutSecret_SaysWhy_AndSavesNothing()
    {
        var (_, hook) = await CreateAsync();
        var (host, _) = await ShowDialogAsync("Signature", new DialogParameters<VerificationDialog> { { d => d.Webhook, hook.Webhook } });

        await host.Find(".verification-scheme .mud-input-control-input-container").MouseDownAsync(new());
        await host.WaitForElements(".mud-list-item", Patience).First(i => i.TextContent.Contains("Stripe")).ClickAsync(new());
        await host.Find(".verification-save").ClickAsync(new());

        host.WaitForAssertion(() => Assert.Contains("Paste the signing secret", host.Find(".verification-error").TextContent), Patience);
        Assert.Null((await Hooks.GetAsync(hook.Webhook.Id))!.Verification);
    }

    [Fact]
    public async Task Card_ShowsSchemeAndMaskedSecret_RevealShowsIt()
    {
        var (table, hook) = await CreateAsync();
        var changed = await Hooks.ChangeAsync(hook.Webhook.Id, null, null, null, new VerificationInput(SenderSignatures.GitHub, "It's a Secret to Everybody"));
        var card = Render<IncomingWebhookCard>(p => p.Add(c => c.Webhook, changed.Webhook).Add(c => c.Table, table).Add(c => c.Now, DateTimeOffset.UtcNow));

        Assert.Contains("GitHub", card.Find(".incoming-verification-scheme").TextContent);
        Assert.Equal("It's…body", card.Find(".incoming-verification-secret").TextContent);
        Assert.DoesNotContain("Secret to Everybody", card.Markup);

        await card.Find(".incoming-verification-reveal").ClickAsync(new());
        card.WaitForAssertion(() => Assert.Equal("It's a Secret to Everybody", card.Find(".incoming-verification-secret").TextContent), Patience);
    }
}
