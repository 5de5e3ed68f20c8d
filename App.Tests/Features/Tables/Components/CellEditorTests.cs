using System.Text.Json.Nodes;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor.Services;
using Undb.Features.Tables;
using Undb.Features.Tables.Components;

namespace Undb.Tests.Features.Tables.Components;

public sealed class CellEditorTests : BunitContext
{
    public CellEditorTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    private static FieldEntity Field(FieldType type) => new() { TableId = "tbl_x", Name = type.ToString(), Type = type };

    [Fact]
    public async Task DateTime_EditedAsItsDay_KeepsItsTimeOfDay()
    {
        CellSave? saved = null;
        var cut = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.Date)).Add(c => c.Value, JsonValue.Create("2026-11-22T15:35:20.000Z"))
            .Add(c => c.OnSave, s => saved = s));

        Assert.Equal("2026-11-22", cut.Find("input").GetAttribute("value"));
        cut.Find("input").Input("2026-12-01");
        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Enter" });

        Assert.Equal("2026-12-01T15:35:20.000Z", saved!.Value!.GetValue<string>());
    }

    [Fact]
    public async Task DateOnly_StaysDateOnly()
    {
        CellSave? saved = null;
        var cut = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.Date)).Add(c => c.Value, JsonValue.Create("2026-11-22"))
            .Add(c => c.OnSave, s => saved = s));

        cut.Find("input").Input("2026-12-01");
        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Enter" });

        Assert.Equal("2026-12-01", saved!.Value!.GetValue<string>());
    }

    [Fact]
    public async Task Keys_MapToSaveMoveAndCancel()
    {
        var saves = new List<CellSave>();
        var cancels = 0;
        var cut = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.Text)).Add(c => c.Value, JsonValue.Create("old"))
            .Add(c => c.OnSave, s => saves.Add(s)).Add(c => c.OnCancel, () => cancels++));

        Assert.Equal("old", cut.Find("input").GetAttribute("value"));
        cut.Find("input").Input("new");
        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Tab" });
        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Tab", ShiftKey = true });
        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Enter" });
        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Escape" });

        Assert.Equal([CellMove.Next, CellMove.Previous, CellMove.None], saves.Select(s => s.Move));
        Assert.All(saves, s => Assert.Equal("new", s.Value!.GetValue<string>()));
        Assert.Equal(1, cancels);
    }

    [Fact]
    public void ClearedText_SavesAsNoValue()
    {
        CellSave? saved = null;
        var cut = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.Email)).Add(c => c.Value, JsonValue.Create("a@b.co")).Add(c => c.OnSave, s => saved = s));
        cut.Find("input").Input("  ");
        cut.Find(".cell-save").Click();
        Assert.NotNull(saved);
        Assert.Null(saved.Value);
    }

    [Fact]
    public void EditorsFitTheType()
    {
        var date = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.Date)).Add(c => c.Value, JsonValue.Create("2026-11-22T15:00:00.000Z")));
        Assert.Equal("date", date.Find("input").GetAttribute("type"));
        Assert.Equal("2026-11-22", date.Find("input").GetAttribute("value"));

        var number = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.Number)).Add(c => c.Value, JsonValue.Create(1200.5m)));
        Assert.Equal("decimal", number.Find("input").GetAttribute("inputmode"));
        Assert.Equal("1200.5", number.Find("input").GetAttribute("value"));

        var longText = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.LongText)));
        Assert.NotNull(longText.Find("textarea"));

        var error = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.Url)).Add(c => c.Error, "expects a URL"));
        Assert.Equal("url", error.Find("input").GetAttribute("type"));
        Assert.Equal("expects a URL", error.Find(".cell-error").TextContent);
    }

    [Fact]
    public void LongText_ShiftEnterDoesNotSave()
    {
        var saves = 0;
        var cut = Render<CellEditor>(p => p.Add(c => c.Field, Field(FieldType.LongText)).Add(c => c.OnSave, _ => saves++));
        cut.Find(".cell-editor").KeyDown(new KeyboardEventArgs { Key = "Enter", ShiftKey = true });
        Assert.Equal(0, saves);
        cut.Find(".cell-editor").KeyDown(new KeyboardEventArgs { Key = "Enter" });
        Assert.Equal(1, saves);
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
    public void IsAnyOf_TakesChosenValues_OrCommaSeparatedText()
    {
        Assert.Equal(["a", "b"], new FilterRow { FieldId = "f", Operator = FilterOperator.IsAnyOf, Values = ["a", "b"] }.ToFilter()!.Values);
        Assert.Equal(["x", "y"], new FilterRow { FieldId = "f", Operator = FilterOperator.IsAnyOf, Value = "x, y," }.ToFilter()!.Values);
    }
}
