using System.Text.Json.Nodes;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using MudSelectOfString = MudBlazor.MudSelect<string>;
using MudBlazor.Services;
using Undb.Features.Tables;
using Undb.Features.Tables.Components;

namespace Undb.Tests.Features.Tables.Components;

public sealed class CellEditorTests : BunitContext, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's services only dispose asynchronously.</summary>
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    public CellEditorTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    private static FieldEntity Field(FieldType type, params string[] choices) => new() { TableId = "tbl_x", Name = type.ToString(), Type = type, Choices = [.. choices] };

    private IRenderedComponent<CellEditor> Editor(FieldType type, JsonNode? value, List<JsonNode?>? saved = null, bool accept = true, Action? cancelled = null, params string[] choices) =>
        Render<CellEditor>(p => p.Add(c => c.Field, Field(type, choices)).Add(c => c.RecordId, "rec_1").Add(c => c.Value, value)
            .Add(c => c.Save, v => { saved?.Add(v); return Task.FromResult(accept); })
            .Add(c => c.OnCancel, () => cancelled?.Invoke()));

    [Fact]
    public void TheTextStaysInTheBrowser_NoKeystrokeGoesToTheServer()
    {
        var cut = Editor(FieldType.Text, JsonValue.Create("old"));

        Assert.Equal("old", cut.Find("input").GetAttribute("value"));
        // No per-keystroke handler: grid.js hands over the final text on commit (Enter, Tab, leaving the cell).
        Assert.Throws<MissingEventHandlerException>(() => cut.Find("input").Input("new"));
        Assert.Throws<MissingEventHandlerException>(() => cut.Find(".cell-editor").KeyDown(new KeyboardEventArgs { Key = "Enter" }));
    }

    [Fact]
    public async Task Commit_SendsTheTypedText_AndReportsWhetherItWasSaved()
    {
        var saved = new List<JsonNode?>();
        var cut = Editor(FieldType.Text, JsonValue.Create("old"), saved);

        Assert.True(await cut.InvokeAsync(() => cut.Instance.Commit("new", "next")));

        Assert.Equal("new", Assert.Single(saved)!.GetValue<string>());
    }

    [Fact]
    public async Task UnparseableText_IsSentAsTyped_NeverAsEmpty_AndARejectionKeepsTheEditorOpen()
    {
        var saved = new List<JsonNode?>();
        var cut = Editor(FieldType.Number, JsonValue.Create(12000), saved, accept: false);

        Assert.False(await cut.InvokeAsync(() => cut.Instance.Commit("12k", "none")));
        // Still open: the user fixes the text and commits again.
        Assert.False(await cut.InvokeAsync(() => cut.Instance.Commit("abc", "none")));

        Assert.Equal(["12k", "abc"], saved.Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task DateTime_EditedAsItsDay_KeepsItsTimeOfDay()
    {
        var saved = new List<JsonNode?>();
        var cut = Editor(FieldType.Date, JsonValue.Create("2026-11-22T15:35:20.000Z"), saved, accept: false);

        Assert.Equal("2026-11-22", cut.Find("input").GetAttribute("value"));
        await cut.InvokeAsync(() => cut.Instance.Commit("2026-12-01", "none"));
        // Not a date: sent as typed, for the server to reject with its message.
        await cut.InvokeAsync(() => cut.Instance.Commit("31/12/2026", "none"));

        Assert.Equal(["2026-12-01T15:35:20.000Z", "31/12/2026"], saved.Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task DateOnly_StaysDateOnly()
    {
        var saved = new List<JsonNode?>();
        var cut = Editor(FieldType.Date, JsonValue.Create("2026-11-22"), saved);

        await cut.InvokeAsync(() => cut.Instance.Commit("2026-12-01", "none"));

        Assert.Equal("2026-12-01", Assert.Single(saved)!.GetValue<string>());
    }

    [Fact]
    public async Task Cancel_ClosesWithoutSaving_AndALateCommitSavesNothing()
    {
        var saved = new List<JsonNode?>();
        var cancels = 0;
        var cut = Editor(FieldType.Text, JsonValue.Create("old"), saved, cancelled: () => cancels++);

        await cut.InvokeAsync(() => cut.Instance.Cancel());
        Assert.True(await cut.InvokeAsync(() => cut.Instance.Commit("typed", "none")));

        Assert.Equal(1, cancels);
        Assert.Empty(saved);
    }

    [Fact]
    public async Task ClearedText_SavesAsNoValue()
    {
        var saved = new List<JsonNode?>();
        var cut = Editor(FieldType.Email, JsonValue.Create("a@b.co"), saved);

        await cut.InvokeAsync(() => cut.Instance.Commit("  ", "none"));

        Assert.Null(Assert.Single(saved));
    }

    [Theory]
    [InlineData(FieldType.SingleSelect)]
    [InlineData(FieldType.MultiSelect)]
    public async Task Select_LeftUnchanged_ClosesWithoutASave(FieldType type)
    {
        // A stored choice the field no longer offers is not sent back (it would be rejected).
        var saved = new List<JsonNode?>();
        var cancels = 0;
        JsonNode value = type == FieldType.SingleSelect ? JsonValue.Create("Retired")! : new JsonArray("hot", "Retired");
        var cut = Editor(type, value, saved, cancelled: () => cancels++, choices: ["hot", "cold"]);

        Assert.True(await cut.InvokeAsync(() => cut.Instance.Commit(null, "next")));

        Assert.Equal(1, cancels);
        Assert.Empty(saved);
    }

    [Fact]
    public async Task Select_Changed_SavesOnceOnCommit()
    {
        var saved = new List<JsonNode?>();
        var single = Editor(FieldType.SingleSelect, JsonValue.Create("Lead"), saved, choices: ["Lead", "Won"]);
        var select = single.FindComponent<MudSelectOfString>();
        await single.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("Won"));
        Assert.True(await single.InvokeAsync(() => single.Instance.Commit(null, "next")));
        Assert.Equal("Won", Assert.Single(saved)!.GetValue<string>());

        saved.Clear();
        var multi = Editor(FieldType.MultiSelect, new JsonArray("hot"), saved, choices: ["hot", "cold", "vip"]);
        var list = multi.FindComponent<MudSelectOfString>();
        await multi.InvokeAsync(() => list.Instance.SelectedValuesChanged.InvokeAsync(["hot", "vip"]));
        Assert.True(await multi.InvokeAsync(() => multi.Instance.Commit(null, "next")));
        Assert.Equal(["hot", "vip"], Assert.Single(saved)!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void EditorsFitTheType()
    {
        // A date is typed as text: a browser date input turns a half-typed date into "", which would clear the value.
        var date = Editor(FieldType.Date, JsonValue.Create("2026-11-22T15:00:00.000Z"));
        Assert.Equal("text", date.Find("input").GetAttribute("type"));
        Assert.Equal("yyyy-mm-dd", date.Find("input").GetAttribute("placeholder"));
        Assert.Equal("2026-11-22", date.Find("input").GetAttribute("value"));

        var number = Editor(FieldType.Number, JsonValue.Create(1200.5m));
        Assert.Equal("decimal", number.Find("input").GetAttribute("inputmode"));
        Assert.Equal("1200.5", number.Find("input").GetAttribute("value"));

        var longText = Editor(FieldType.LongText, null);
        Assert.NotNull(longText.Find("textarea"));

        var error = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.Url)).Add(c => c.RecordId, "rec_1").Add(c => c.Error, "expects a URL")
            .Add(c => c.Save, _ => Task.FromResult(true)));
        Assert.Equal("url", error.Find("input").GetAttribute("type"));
        Assert.Equal("true", error.Find("input").GetAttribute("aria-invalid"));
        Assert.Equal("expects a URL", error.Find(".cell-error").TextContent);

        // The markup grid.js works from.
        var root = error.Find(".cell-editor");
        Assert.Equal("rec_1", root.GetAttribute("data-record"));
        Assert.Equal("text", root.GetAttribute("data-kind"));
        Assert.Equal("save", error.Find(".cell-save").GetAttribute("data-editor-action"));
        Assert.Equal("cancel", error.Find(".cell-cancel").GetAttribute("data-editor-action"));
    }
}

public sealed class FilterRowTests
{
    [Fact]
    public void IncompleteRows_AreNotApplied()
    {
        Assert.Null(new FilterRow().ToFilter());
        Assert.Null(new FilterRow { FieldId = "f", Operator = FilterOperator.Contains }.ToFilter());
        Assert.NotNull(new FilterRow { FieldId = "f", Operator = FilterOperator.IsEmpty }.ToFilter());
    }

    [Fact]
    public void AValueTheFieldCannotTake_IsNamed_AndNotApplied()
    {
        var amount = new FieldEntity { Id = "fld_amount", TableId = "tbl_1", Name = "Amount", Type = FieldType.Number };
        var table = new TableSnapshot("tbl_1", "Deals", [amount]);
        var bad = new FilterRow { FieldId = amount.Id, Operator = FilterOperator.GreaterThan, Value = "abc" };
        Assert.Equal("The filter on 'Amount' needs a number, not \"abc\".", bad.ErrorIn(table));
        Assert.Null(bad.ToFilter(table));

        var good = new FilterRow { FieldId = amount.Id, Operator = FilterOperator.GreaterThan, Value = "10" };
        Assert.Null(good.ErrorIn(table));
        Assert.Equal("10", good.ToFilter(table)!.Value);
        Assert.Null(new FilterRow { FieldId = amount.Id, Operator = FilterOperator.GreaterThan }.ErrorIn(table));
    }

    [Fact]
    public void IsAnyOf_TakesChosenValues_OrCommaSeparatedText()
    {
        Assert.Equal(["a", "b"], new FilterRow { FieldId = "f", Operator = FilterOperator.IsAnyOf, Values = ["a", "b"] }.ToFilter()!.Values);
        Assert.Equal(["x", "y"], new FilterRow { FieldId = "f", Operator = FilterOperator.IsAnyOf, Value = "x, y," }.ToFilter()!.Values);
    }
}
