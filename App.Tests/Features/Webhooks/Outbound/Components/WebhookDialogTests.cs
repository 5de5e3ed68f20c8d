using Bunit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound.Components;

public sealed class WebhookDialogTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private readonly WebhooksUiContext _ui = new(factory);
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _ui.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private WebhookService Webhooks => factory.Services.GetRequiredService<WebhookService>();

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, Task<DialogResult?> Result)> OpenAsync(TableSnapshot table, WebhookDto? existing = null)
    {
        var provider = _ui.RenderProviders();
        var dialogs = _ui.Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<WebhookDialog> { { d => d.Table, table }, { d => d.Existing, existing } };
        var reference = await provider.InvokeAsync(() => dialogs.ShowAsync<WebhookDialog>("Webhook", parameters));
        provider.WaitForElement("#webhook-form");
        return (provider, reference.Result);
    }

    /// <summary>The URL field validates as you type (input events); the others update on change.</summary>
    private static void Type(IRenderedComponent<MudDialogProvider> provider, string id, string value)
    {
        var input = provider.Find($"#{id} input, input#{id}");
        if (id == "webhook-url")
        {
            input.Input(value);
        }
        else
        {
            input.Change(value);
        }
    }

    [Theory]
    [InlineData("ftp://example.com/x", "Only http and https URLs can receive webhooks, not 'ftp'.")]
    [InlineData("https://user:pw@example.com/x", "Put credentials in a custom header (e.g. Authorization), not in the URL.")]
    [InlineData("not a url", "Enter an absolute URL such as https://example.com/hooks/undb.")]
    public async Task Url_IsValidatedAsYouType_WithTheEnginesMessage(string url, string message)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (provider, _) = await OpenAsync(table);

        Type(provider, "webhook-url", url);

        provider.WaitForAssertion(() => Assert.Contains(message, provider.Markup));
        Assert.True(provider.Find("#webhook-send-test").HasAttribute("disabled"));
        Type(provider, "webhook-url", _receiver.Url);
        provider.WaitForAssertion(() => Assert.DoesNotContain(message, provider.Markup));
    }

    [Fact]
    public async Task SendTest_BeforeSaving_ShowsStatusDurationAndBody_AndStoresNothing()
    {
        _receiver.Respond = async (_, ctx) =>
        {
            ctx.Response.StatusCode = StatusCodes.Status202Accepted;
            await ctx.Response.WriteAsync("{\"accepted\":true}");
        };
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (provider, _) = await OpenAsync(table);
        Type(provider, "webhook-name", "Draft");
        Type(provider, "webhook-url", _receiver.Url);

        provider.Find("#webhook-send-test").Click();

        var result = provider.WaitForElement("#webhook-test-result", TimeSpan.FromSeconds(30));
        Assert.Equal("HTTP 202", provider.Find("#webhook-test-status").TextContent.Trim());
        Assert.Matches(@"\d+(\.\d+)? (ms|s)", provider.Find("#webhook-test-duration").TextContent);
        Assert.Contains("\"accepted\": true", provider.Find("#webhook-test-body").TextContent);
        Assert.Contains("temporary secret", result.TextContent);
        var request = Assert.Single(_receiver.Requests);
        Assert.Equal(WebhookEvents.Test, request.EventName());
        Assert.Empty(await Webhooks.ListAsync(table.Id));
    }

    [Fact]
    public async Task Create_WithHeaderAndCondition_SavesThroughTheEngine_AndClosesWithIt()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (provider, result) = await OpenAsync(table);
        Type(provider, "webhook-name", "CRM");
        Type(provider, "webhook-url", _receiver.Url);
        provider.Find("#header-add").Click();
        provider.WaitForElement(".header-name input").Change("X-Env");
        provider.Find(".header-value input").Change("prod");
        provider.Find("#condition-add").Click();
        provider.WaitForElement(".condition-value input").Change("Acme");

        provider.Find("#webhook-save").Click();

        var closed = await result.WaitAsync(TimeSpan.FromSeconds(30));
        var created = Assert.IsType<WebhookDto>(closed!.Data);
        var saved = Assert.Single(await Webhooks.ListAsync(table.Id));
        Assert.Equal(created.Id, saved.Id);
        Assert.Equal(("CRM", "POST"), (saved.Name, saved.Method));
        Assert.Equal([WebhookEvents.Created, WebhookEvents.Updated, WebhookEvents.Deleted], saved.Events);
        Assert.Equal(WebhookHeaderValues.Mask, saved.Headers["X-Env"]);
        Assert.Equal("prod", (await Webhooks.GetHeadersAsync(saved.Id)).Headers["X-Env"]);
        var filter = Assert.Single(saved.Condition!.Filters!);
        Assert.Equal(("Deal", "is", "Acme"), (filter.Field, filter.Operator, filter.Value!.GetValue<string>()));
    }

    [Fact]
    public async Task Save_WithReservedHeader_ShowsTheEnginesErrorAtTheHeader_AndSavesNothing()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (provider, result) = await OpenAsync(table);
        Type(provider, "webhook-name", "Bad header");
        Type(provider, "webhook-url", _receiver.Url);
        provider.Find("#header-add").Click();
        provider.WaitForElement(".header-name input").Change("Content-Type");
        provider.Find(".header-value input").Change("text/plain");

        provider.Find("#webhook-save").Click();

        provider.WaitForAssertion(() => Assert.Contains("'Content-Type' is set by the webhook engine and cannot be overridden.",
            provider.Find("[data-testid=header-row]").TextContent));
        Assert.False(result.IsCompleted);
        Assert.Empty(await Webhooks.ListAsync(table.Id));
    }

    /// <summary>A bad value was reported on the header's name (and the keyboard sent there), and stayed red after the fix until the next save.</summary>
    [Fact]
    public async Task Save_WithAHeaderValueNotAscii_ShowsItAtTheValue_AndTheFixClearsIt()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (provider, result) = await OpenAsync(table);
        Type(provider, "webhook-name", "Bad value");
        Type(provider, "webhook-url", _receiver.Url);
        provider.Find("#header-add").Click();
        provider.WaitForElement(".header-name input").Change("Authorization");
        provider.Find(".header-value input").Change("secret-valueé");

        provider.Find("#webhook-save").Click();

        provider.WaitForAssertion(() => Assert.Contains("'Authorization' has a value that is not plain ASCII", provider.Find(".header-value").TextContent));
        Assert.DoesNotContain("ASCII", provider.Find(".header-name").TextContent);
        Assert.Empty(provider.FindAll(".header-name.mud-input-error, .header-name .mud-input-error"));
        Assert.False(result.IsCompleted);
        Assert.Empty(await Webhooks.ListAsync(table.Id));

        provider.Find(".header-value input").Change("secret-value");
        provider.WaitForAssertion(() => Assert.DoesNotContain("ASCII", provider.Find("[data-testid=header-row]").TextContent));
    }

    [Fact]
    public async Task Save_WithoutName_ShowsRequiredAtTheName()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (provider, result) = await OpenAsync(table);
        Type(provider, "webhook-url", _receiver.Url);

        // Enter in a field submits the form.
        provider.Find("#webhook-form").Submit();

        provider.WaitForAssertion(() => Assert.Contains("A name is required.", provider.Markup));
        Assert.False(result.IsCompleted);
    }

    [Fact]
    public async Task Edit_RevealsTheRealSecret_AndRotateAsksFirst()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await Webhooks.CreateAsync(table.Id, new WebhookRequest("Edit me", _receiver.Url, "PUT", [WebhookEvents.Created], null, true, null), null);
        var (provider, _) = await OpenAsync(table, await Webhooks.GetAsync(created.Webhook.Id));
        Assert.Equal("Edit me", provider.Find("#webhook-name input, input#webhook-name").GetAttribute("value"));
        Assert.DoesNotContain(created.Secret, provider.Markup);

        provider.Find("#webhook-secret-reveal").Click();
        provider.WaitForAssertion(() => Assert.Contains(created.Secret, provider.Markup));

        provider.Find("#webhook-secret-rotate").Click();
        provider.WaitForAssertion(() => Assert.Contains("Rotate the signing secret?", provider.Markup));
        Assert.Equal(created.Secret, (await Webhooks.GetSecretAsync(created.Webhook.Id)).Secret);
        provider.FindAll("button").Single(b => b.TextContent.Trim() == "Rotate" && !b.HasAttribute("id")).Click();
        provider.WaitForAssertion(() => Assert.NotEqual(created.Secret, Webhooks.GetSecretAsync(created.Webhook.Id).GetAwaiter().GetResult().Secret));
    }

    [Fact]
    public async Task SendTest_OfUnchangedSavedWebhook_GoesIntoItsHistory()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await Webhooks.CreateAsync(table.Id, new WebhookRequest("Saved", _receiver.Url, "POST", [WebhookEvents.Created], null, true, null), null);
        var (provider, _) = await OpenAsync(table, created.Webhook);

        provider.Find("#webhook-send-test").Click();

        provider.WaitForElement("#webhook-test-result", TimeSpan.FromSeconds(30));
        Assert.Equal("HTTP 200", provider.Find("#webhook-test-status").TextContent.Trim());
        var history = await factory.Services.GetRequiredService<DeliveryQueryService>().ListAsync(created.Webhook.Id, new DeliveryFilter());
        Assert.Equal(WebhookEvents.Test, Assert.Single(history.Items).Event);
        Assert.True(_receiver.Requests.Single().VerifiesWith(created.Secret));
    }

    [Fact]
    public async Task Edit_ShowsHeaderValuesMasked_RevealsOneOnRequest_AndSavingKeepsTheOthers()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer s3cret", ["X-Env"] = "prod" };
        var created = await Webhooks.CreateAsync(table.Id, new WebhookRequest("Creds", _receiver.Url, "POST", [WebhookEvents.Created], headers, true, null), null);
        var (provider, result) = await OpenAsync(table, await Webhooks.GetAsync(created.Webhook.Id));
        Assert.DoesNotContain("s3cret", provider.Markup);
        Assert.DoesNotContain("prod", provider.Markup);
        Assert.All(provider.FindAll(".header-value input"), i => Assert.Equal(WebhookHeaderValues.Mask, i.GetAttribute("value")));

        provider.Find("[aria-label='Reveal value of X-Env']").Click();
        provider.WaitForAssertion(() => Assert.Equal("prod", provider.FindAll(".header-value input")[1].GetAttribute("value")));
        Assert.DoesNotContain("s3cret", provider.Markup);
        provider.FindAll(".header-value input")[1].Change("staging");
        provider.Find("#webhook-save").Click();

        await result.WaitAsync(TimeSpan.FromSeconds(30));
        var saved = (await Webhooks.GetHeadersAsync(created.Webhook.Id)).Headers;
        Assert.Equal(("Bearer s3cret", "staging"), (saved["Authorization"], saved["X-Env"]));
    }

    [Fact]
    public async Task Edit_AFieldRenamedWhileOpen_ShowsTheNewName_AndSaves()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var stage = table.Fields.Single(f => f.Name == "Stage");
        var created = await Webhooks.CreateAsync(table.Id, new WebhookRequest("Won", _receiver.Url, "POST", [WebhookEvents.Updated], null, true,
            new WebhookCondition("and", [new ConditionFilter("Stage", "is", System.Text.Json.Nodes.JsonValue.Create("Won"))], ["Stage"])), null);
        var (provider, result) = await OpenAsync(table, created.Webhook);
        Assert.Equal("Stage", provider.Find(".condition-field input").GetAttribute("value"));

        await factory.Services.GetRequiredService<TableService>().UpdateFieldAsync(table.Id, stage.Id, new FieldChanges(Name: "Phase"), null);

        provider.WaitForAssertion(() => Assert.Equal("Phase", provider.Find(".condition-field input").GetAttribute("value")));
        provider.Find("#webhook-save").Click();
        var closed = await result.WaitAsync(TimeSpan.FromSeconds(30));
        var saved = Assert.IsType<WebhookDto>(closed!.Data);
        Assert.Equal(("Phase", "Phase"), (saved.Condition!.Filters![0].Field, saved.Condition.ChangedFields![0]));
    }

    /// <summary>
    /// The page can open the dialog with the table as it last showed it, before the news of a rename reached it; the
    /// dialog subscribes only when it opens, so it would never hear that rename. It reads the table once subscribed.
    /// (An E2E run once saw the old name stay in the dialog.)
    /// </summary>
    [Fact]
    public async Task Edit_OpenedWithATableFromBeforeARename_ShowsTheNewName()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var stage = table.Fields.Single(f => f.Name == "Stage");
        var created = await Webhooks.CreateAsync(table.Id, new WebhookRequest("Won", _receiver.Url, "POST", [WebhookEvents.Updated], null, true,
            new WebhookCondition("and", [new ConditionFilter("Stage", "is", System.Text.Json.Nodes.JsonValue.Create("Won"))], null)), null);
        await factory.Services.GetRequiredService<TableService>().UpdateFieldAsync(table.Id, stage.Id, new FieldChanges(Name: "Phase"), null);

        var (provider, _) = await OpenAsync(table, created.Webhook);

        provider.WaitForAssertion(() => Assert.Equal("Phase", provider.Find(".condition-field input").GetAttribute("value")));
        Assert.Empty(provider.FindAll(".condition-problem"));
    }

    [Fact]
    public async Task Edit_AFieldDeletedWhileOpen_IsFlaggedAtItsRow_AndRemovingTheRowSaves()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var stage = table.Fields.Single(f => f.Name == "Stage");
        var created = await Webhooks.CreateAsync(table.Id, new WebhookRequest("Won", _receiver.Url, "POST", [WebhookEvents.Created], null, true,
            new WebhookCondition("and", [new ConditionFilter("Stage", "is", System.Text.Json.Nodes.JsonValue.Create("Won"))], null)), null);
        var (provider, result) = await OpenAsync(table, created.Webhook);

        await factory.Services.GetRequiredService<TableService>().DeleteFieldAsync(table.Id, stage.Id, null);

        provider.WaitForAssertion(() => Assert.Contains(ConditionBuilder.DeletedFieldError, provider.Find("[data-testid=condition-row]").TextContent));
        Assert.Contains("nothing is sent", provider.Find(".condition-problem").TextContent);
        provider.Find(".condition-remove").Click();
        Assert.Empty(provider.FindAll(".condition-problem"));
        provider.Find("#webhook-save").Click();
        var saved = Assert.IsType<WebhookDto>((await result.WaitAsync(TimeSpan.FromSeconds(30)))!.Data);
        Assert.Empty(saved.Problems);
    }
}
