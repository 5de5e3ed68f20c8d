using Microsoft.Extensions.DependencyInjection;
using Bunit;
using MudBlazor;
using Undb.Features.Tables;
using FieldType = Undb.Features.Tables.FieldType;
using Undb.Features.Webhooks.Incoming;
using Undb.Features.Webhooks.Incoming.Components;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class IncomingSetupDialogTests(IncomingFactory factory) : IncomingBunitContext(factory)
{
    private Task<(IRenderedComponent<DialogHost> Host, IDialogReference Dialog)> OpenAsync(TableSnapshot table, IncomingWebhookView hook, string? sample = null) =>
        ShowDialogAsync("Mapping", new DialogParameters<IncomingSetupDialog> { { d => d.Webhook, hook }, { d => d.Table, table }, { d => d.Sample, sample } });

    private static string SelectedPath(IRenderedComponent<DialogHost> host, string field) =>
        host.Find($".mapping-field-row[data-field='{field}'] input").GetAttribute("value") ?? "";

    [Fact]
    public async Task PastingASample_ListsItsKeys_AndAutoMatchesFieldsByName()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook);

        await host.WaitForElement("#mapping-sample", Patience).InputAsync(new() { Value = """{ "DEAL": "Acme", "order": { "value": "12", "Stage": "won" }, "contact_": "a@b.co", "extra key": 1 }""" });

        host.WaitForAssertion(() => Assert.NotNull(host.Find(".mapping-key[data-path=\"$['extra key']\"]")), Patience);
        Assert.Equal("$.DEAL", SelectedPath(host, "Deal"));
        Assert.Equal("$.order.value", SelectedPath(host, "Value"));
        Assert.Equal("$.order.Stage", SelectedPath(host, "Stage"));
        Assert.Equal("$.contact_", SelectedPath(host, "Contact"));
        Assert.Equal("", SelectedPath(host, "Notes"));
        Assert.Contains("would create 1 record", host.Find("#mapping-ok").TextContent);
        Assert.Contains("Won", host.Find("#mapping-preview-table").TextContent);
    }

    [Fact]
    public async Task RequiredFieldUnmapped_IsFlagged_AndSaveIsDisabled()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook, """{ "title": "Acme" }""");

        Assert.True(host.Find("#mapping-save").HasAttribute("disabled"));
        Assert.Contains("Deal", host.Find("#mapping-missing").TextContent);
        Assert.Contains("no path is mapped", host.Find("#mapping-errors").TextContent);
    }

    [Fact]
    public async Task Preview_ShowsCoercionErrors()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook, """{ "deal": "Acme", "value": "lots", "close": "next week" }""");

        var errors = host.Find("#mapping-errors").TextContent;
        Assert.Contains("Value ($.value): expects a number", errors);
        Assert.Contains("Close ($.close): expects an ISO 8601 date", errors);
        Assert.False(host.Find("#mapping-save").HasAttribute("disabled")); // mapping is complete; the sample is what is wrong
    }

    [Fact]
    public async Task AListPayload_MakesOneRecordPerElement_WithRelativePaths()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook, """{ "data": { "items": [ { "deal": "A" }, { "deal": "B" }, { "deal": "C" } ] } }""");

        Assert.Equal("$.deal", SelectedPath(host, "Deal"));
        Assert.Contains("would create 3 records", host.Find("#mapping-ok").TextContent);
    }

    [Fact]
    public async Task AnOrderWithLineItems_StaysOneRecordPerRequest()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook, """{ "deal": "Order 7", "lines": [ { "sku": "A" }, { "sku": "B" } ] }""");

        Assert.Equal("$.deal", SelectedPath(host, "Deal"));
        Assert.Contains("would create 1 record", host.Find("#mapping-ok").TextContent);
    }

    [Fact]
    public async Task WithoutAWebhook_ItStartsWithAName_CreatesIt_ShowsItsUrlAndKeyOnce_ThenTheMapping()
    {
        var table = await TestSupport.TablesSeed.DealsAsync(Factory.Services);
        var (host, dialog) = await ShowDialogAsync("New", new DialogParameters<IncomingSetupDialog> { { d => d.Table, table } });

        var name = host.WaitForElement("input#setup-name", Patience);
        Assert.Equal($"{table.Name} incoming", name.GetAttribute("value"));
        Assert.Empty(host.FindAll("#mapping-sample"));
        Assert.True(host.Find("#mapping-save").HasAttribute("disabled"));
        await name.ChangeAsync(new() { Value = "Website form" });
        await host.Find("#setup-create").ClickAsync(new());

        var key = host.WaitForElement("#setup-key", Patience).TextContent;
        Assert.StartsWith("uwk_", key);
        var created = Assert.Single(await Hooks.ListAsync(table.Id));
        Assert.Equal("Website form", created.Name);
        Assert.EndsWith($"/hooks/{created.Id}", host.Find("#setup-url").TextContent);
        Assert.NotNull(host.Find("#setup-copy-key"));
        Assert.NotNull(host.Find("#mapping-sample")); // the mapping, on the same screen
        Assert.NotNull(host.Find(".verification-scheme"));

        // The key shown is the one stored: a sender gets past authentication with it (and meets the still-empty mapping: Deal is required).
        var sent = await PostAsync(new IncomingWebhookWithKey(created, key), """{ "deal": "From the key" }""");
        Assert.Equal(422, sent.Status);
        Assert.Equal(401, (await PostAsync(new IncomingWebhookWithKey(created, key + "x"), """{ "deal": "Wrong key" }""")).Status);

        await host.Find("#mapping-cancel").ClickAsync(new()); // "Close": the webhook stays
        Assert.False((await dialog.Result)!.Canceled);
        Assert.Single(await Hooks.ListAsync(table.Id));
    }

    [Fact]
    public async Task Save_StoresNameVerificationAndMapping_InOneGo()
    {
        var (table, hook) = await CreateAsync();
        var (host, dialog) = await OpenAsync(table, hook.Webhook, """{ "deal": "A", "value": 1 }""");

        Assert.Equal(hook.Webhook.ApiKeyMasked, host.WaitForElement("#setup-key-masked", Patience).TextContent);
        Assert.Empty(host.FindAll("#setup-key")); // a stored key is never shown again
        await host.Find("input#setup-name").ChangeAsync(new() { Value = "Renamed form" });
        await host.Find(".verification-scheme .mud-input-control-input-container").MouseDownAsync(new());
        await host.WaitForElements(".mud-list-item", Patience).First(i => i.TextContent.Contains("GitHub")).ClickAsync(new());
        await host.WaitForElement(".verification-secret input", Patience).InputAsync(new() { Value = "It's a Secret to Everybody" });
        await host.Find("#mapping-save").ClickAsync(new());

        Assert.False((await dialog.Result)!.Canceled);
        var saved = (await Hooks.GetAsync(hook.Webhook.Id))!;
        Assert.Equal("Renamed form", saved.Name);
        Assert.Equal(SenderSignatures.GitHub, saved.Verification!.Scheme);
        Assert.Equal("It's a Secret to Everybody", await Hooks.GetVerificationSecretAsync(hook.Webhook.Id));
        Assert.Equal("$.deal", saved.Mapping.Fields[table.Fields.Single(f => f.Name == "Deal").Id]);
    }

    [Fact]
    public async Task Save_WithAStripeSchemeAndNoSecret_SaysWhyInTheDialog_AndSavesNothing()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook, """{ "deal": "A" }""");

        await host.WaitForElement(".verification-scheme .mud-input-control-input-container", Patience).MouseDownAsync(new());
        await host.WaitForElements(".mud-list-item", Patience).First(i => i.TextContent.Contains("Stripe")).ClickAsync(new());
        await host.Find("#mapping-save").ClickAsync(new());

        host.WaitForAssertion(() => Assert.Contains("Paste the signing secret", host.Find("#setup-error").TextContent), Patience);
        var unchanged = (await Hooks.GetAsync(hook.Webhook.Id))!;
        Assert.Null(unchanged.Verification);
        Assert.Empty(unchanged.Mapping.Fields);
    }

    [Fact]
    public async Task Save_StoresTheMapping_AndClosesWithIt()
    {
        var (table, hook) = await CreateAsync();
        var (host, dialog) = await OpenAsync(table, hook.Webhook, """{ "items": [ { "deal": "A", "value": 1 } ] }""");

        await host.Find("#mapping-save").ClickAsync(new());

        var result = await dialog.Result;
        Assert.False(result!.Canceled);
        var saved = (await Hooks.GetAsync(hook.Webhook.Id))!.Mapping;
        Assert.Equal("$.items", saved.RecordsPath);
        Assert.Equal("$.deal", saved.Fields[table.Fields.Single(f => f.Name == "Deal").Id]);
        Assert.Equal("$.value", saved.Fields[table.Fields.Single(f => f.Name == "Value").Id]);
    }

    [Fact]
    public async Task CreateFieldFromKey_AddsATypedField_AndMapsIt()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook, """{ "deal": "Acme", "score": 7 }""");

        await host.Find(".mapping-key[data-path='$.score'] .mapping-create-field").ClickAsync(new());

        var field = (await Tables.GetAsync(table.Id))!.Fields.Single(f => f.Name == "score");
        Assert.Equal(FieldType.Number, field.Type);
        host.WaitForAssertion(() => Assert.Equal("$.score", SelectedPath(host, "score")), Patience);
        Assert.Contains("7", host.Find("#mapping-preview-table").TextContent);
    }

    [Fact]
    public async Task UpsertBy_OffersMappedKeyFields_AndIsSaved()
    {
        var table = await TestSupport.TablesSeed.DealsAsync(Factory.Services);
        var hook = await Hooks.CreateAsync(table.Id, "Form", MapByName(table, null, ("Deal", "$.deal"), ("Contact", "$.email"), ("Close", "$.close")), enabled: true, actorId: null);
        var (host, dialog) = await OpenAsync(table, hook.Webhook, """{ "deal": "Acme", "email": "a@b.co", "close": "2026-01-01" }""");

        await host.Find(".mapping-upsert-by .mud-input-control-input-container").MouseDownAsync(new());
        var items = host.WaitForElements(".mud-list-item", Patience).Select(i => i.TextContent).ToList();
        Assert.Contains(items, i => i.Contains("same Contact"));
        Assert.Contains(items, i => i.Contains("same Deal"));
        Assert.DoesNotContain(items, i => i.Contains("same Close")); // a date does not identify a record
        await host.FindAll(".mud-list-item").First(i => i.TextContent.Contains("same Contact")).ClickAsync(new());
        await host.Find("#mapping-save").ClickAsync(new());
        await dialog.Result.WaitAsync(Patience);

        var contact = table.Fields.Single(f => f.Name == "Contact");
        Assert.Equal(contact.Id, (await Hooks.GetAsync(hook.Webhook.Id))!.Mapping.UpsertBy);
    }

    [Fact]
    public async Task TheLoggedSample_IsTheNewestAcceptedRequest_NotANewerRejectedOne()
    {
        var (table, hook) = await CreateAsync(mapping: null);
        var mapped = await Hooks.UpdateAsync(hook.Webhook.Id, null, MapByName(table, null, ("Deal", "$.who"), ("Value", "$.value")), null);
        Assert.Equal(201, (await PostAsync(hook, """{ "who": "Accepted", "value": 1 }""")).Status);
        Assert.Equal(422, (await PostAsync(hook, """{ "who": "Rejected", "value": "lots" }""")).Status);

        var (host, _) = await OpenAsync(table, mapped);

        host.WaitForAssertion(() => Assert.Contains("Accepted", host.Find("#mapping-preview-table").TextContent), Patience);
        Assert.DoesNotContain("Rejected", host.Find("#mapping-preview-table").TextContent);
    }

    [Fact]
    public async Task SendTest_PostsTheSampleWithTheEditedMapping_ShowsTheAnswer_AndTheRecordExists()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook, """{ "deal": "Tested", "value": "5" }""");
        host.WaitForAssertion(() => Assert.Equal("$.deal", SelectedPath(host, "Deal")), Patience); // auto-matched, not saved

        await host.Find("#mapping-send-test").ClickAsync(new());

        var answer = host.WaitForElement("#mapping-test-answer", Patience).TextContent;
        Assert.Contains("201", answer);
        var records = await Factory.Services.GetRequiredService<RecordQueryService>().ListAsync(table.Id, new RecordQuery());
        var record = Assert.Single(records.Records);
        Assert.Contains(record.Id, answer);
        Assert.Equal("Tested", record.Values[table.Fields.Single(f => f.Name == "Deal").Id]!.GetValue<string>());
        // The record as it is in the table now, under the answer.
        host.WaitForAssertion(() => Assert.Contains("Tested", host.Find($"#mapping-test-records tr[data-record-id='{record.Id}']").TextContent), Patience);
        var log = await Hooks.ListRequestsAsync(hook.Webhook.Id);
        Assert.True(Assert.Single(log).Replay); // logged as not from a sender
        Assert.Equal(0, (await Hooks.GetAsync(hook.Webhook.Id))!.Stats.Received);
    }

    [Fact]
    public async Task WaitForAFirstRequest_CapturesAFormPost_AsItsJson()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook);

        await host.WaitForElement("#mapping-wait", Patience).ClickAsync(new());
        var body = System.Text.Encoding.UTF8.GetBytes("deal[name]=Formed&tag=a&tag=b");
        await Ingest.IngestAsync(new IngestRequest(hook.Webhook.Id, hook.ApiKey, null, false, body.Length, FormContentType: "application/x-www-form-urlencoded"),
            _ => Task.FromResult(new IngestBody(body, body.Length)), CancellationToken.None);

        host.WaitForAssertion(() => Assert.NotNull(host.Find(".mapping-key[data-path='$.deal.name']")), Patience);
        Assert.NotNull(host.Find(".mapping-key[data-path='$.tag']"));
        Assert.Contains("Formed", host.Find("#mapping-sample").TextContent + host.Find("#mapping-sample").GetAttribute("value"));
    }

    [Fact]
    public async Task WaitForAFirstRequest_TakesTheNextRequestAsTheSample()
    {
        var (table, hook) = await CreateAsync();
        var (host, _) = await OpenAsync(table, hook.Webhook);

        await host.WaitForElement("#mapping-wait", Patience).ClickAsync(new());
        Assert.NotNull(host.Find("#mapping-waiting"));
        await PostAsync(hook, """{ "deal": { "name": "Captured" } }""");

        host.WaitForAssertion(() => Assert.Contains("Captured", host.Find("#mapping-sample").TextContent + host.Find("#mapping-sample").GetAttribute("value")), Patience);
        Assert.Empty(host.FindAll("#mapping-waiting"));
        Assert.NotNull(host.Find(".mapping-key[data-path='$.deal.name']"));
    }

    [Fact]
    public async Task OpeningWithoutASample_UsesTheNewestLoggedPayload_AndKeepsTheSavedMapping()
    {
        var (table, hook) = await CreateAsync(mapping: null);
        var mapped = await Hooks.UpdateAsync(hook.Webhook.Id, null, MapByName(table, null, ("Deal", "$.who")), null);
        await PostAsync(hook, """{ "who": "Logged", "value": 3 }""");

        var (host, _) = await OpenAsync(table, mapped);

        // The log is read after the dialog opens: wait for the sample to arrive.
        host.WaitForAssertion(() => Assert.Contains("Logged", host.Find("#mapping-preview-table").TextContent), Patience);
        Assert.Equal("$.who", SelectedPath(host, "Deal"));
        Assert.Equal("$.value", SelectedPath(host, "Value"));
    }

    [Fact]
    public async Task AFieldRenamedWhileOpen_KeepsItsPath_AndADeletedOneIsNamed_AndDroppedOnSave()
    {
        var table = await TestSupport.TablesSeed.DealsAsync(Factory.Services);
        var hook = await Hooks.CreateAsync(table.Id, "Form", MapByName(table, null, ("Deal", "$.deal"), ("Stage", "$.stage"), ("Site", "$.site")), enabled: true, actorId: null);
        var (host, dialog) = await OpenAsync(table, hook.Webhook, """{ "deal": "Acme", "stage": "Won", "site": "https://acme.example" }""");
        Assert.Equal("$.stage", SelectedPath(host, "Stage"));
        var stage = table.Fields.Single(f => f.Name == "Stage");
        var site = table.Fields.Single(f => f.Name == "Site");

        await Tables.UpdateFieldAsync(table.Id, stage.Id, new FieldChanges(Name: "Phase"), null);
        await Tables.DeleteFieldAsync(table.Id, site.Id, null);

        // Two schema changes, each re-read by the dialog when its notification arrives: wait for the state after both.
        host.WaitForAssertion(() =>
        {
            Assert.Equal("$.stage", SelectedPath(host, "Phase"));
            Assert.Empty(host.FindAll(".mapping-field-row[data-field='Site']"));
        }, Patience);
        Assert.Contains("$.site was mapped to a field that has been deleted", host.Find("#mapping-deleted").TextContent);
        host.Find("#mapping-save").Click();
        await dialog.Result.WaitAsync(Patience);
        var saved = (await Hooks.GetAsync(hook.Webhook.Id))!.Mapping.Fields;
        Assert.Equal("$.stage", saved[stage.Id]);
        Assert.False(saved.ContainsKey(site.Id));
    }
}
