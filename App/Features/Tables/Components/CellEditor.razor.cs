using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;

namespace Undb.Features.Tables.Components;

/// <summary>Which way a Tab leaves the cell.</summary>
public enum CellMove { None, Next, Previous }

/// <summary>A save request from an inline editor: the new value (as the RecordService takes it) and where to go next.</summary>
public sealed record CellSave(JsonNode? Value, CellMove Move);

public partial class CellEditor
{
    [Parameter, EditorRequired]
    public FieldEntity Field { get; set; } = default!;

    /// <summary>The value when editing started.</summary>
    [Parameter]
    public JsonNode? Value { get; set; }

    /// <summary>The server's message for a rejected value; the editor stays open with the typed text.</summary>
    [Parameter]
    public string? Error { get; set; }

    [Parameter]
    public bool Busy { get; set; }

    [Parameter]
    public EventCallback<CellSave> OnSave { get; set; }

    [Parameter]
    public EventCallback OnCancel { get; set; }

    private ElementReference _input;
    private MudSelect<string>? _select;
    private string? _text;
    private List<string> _list = [];
    private bool _saving;
    /// <summary>The stored time of a date-time value (<c>T15:35:20.000Z</c>), kept when only the day is edited.</summary>
    private string? _timeOfDay;

    private string InputType => Field.Type switch
    {
        FieldType.Date => "date",
        FieldType.Email => "email",
        FieldType.Url => "url",
        _ => "text",
    };

    protected override void OnInitialized()
    {
        _list = Value is JsonArray a ? a.Select(n => n?.ToString() ?? "").ToList() : [];
        _text = Value switch
        {
            null or JsonArray => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => Value.ToJsonString(),
        };
        // A date input takes yyyy-MM-dd only; a stored date and time is edited as its day and keeps its time.
        if (Field.Type == FieldType.Date && _text is { Length: > 10 })
        {
            _timeOfDay = _text[10..];
            _text = _text[..10];
        }
        if (Field.Type == FieldType.Number && _text is not null && decimal.TryParse(_text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            _text = d.ToString(CultureInfo.InvariantCulture);
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        try
        {
            if (_select is not null)
            {
                await _select.OpenMenu();
            }
            else
            {
                await _input.FocusAsync();
            }
        }
        catch (Exception ex) when (ex is JSException or InvalidOperationException)
        {
            // Focus is a convenience; without a browser (prerender, tests) there is nothing to focus.
        }
    }

    private JsonNode? Current() => Field.Type switch
    {
        FieldType.MultiSelect => _list.Count == 0 ? null : new JsonArray(_list.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
        FieldType.Date when _timeOfDay is not null && _text is { Length: 10 } => JsonValue.Create(_text + _timeOfDay),
        _ => string.IsNullOrWhiteSpace(_text) ? null : JsonValue.Create(_text),
    };

    private Task SaveAsync() => SaveAsync(CellMove.None);

    private async Task SaveAsync(CellMove move)
    {
        if (_saving || Busy)
        {
            return;
        }
        _saving = true;
        try
        {
            await OnSave.InvokeAsync(new CellSave(Current(), move));
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        switch (e.Key)
        {
            case "Escape":
                await OnCancel.InvokeAsync();
                break;
            case "Enter" when !(Field.Type == FieldType.LongText && e.ShiftKey):
                await SaveAsync(CellMove.None);
                break;
            case "Tab":
                await SaveAsync(e.ShiftKey ? CellMove.Previous : CellMove.Next);
                break;
        }
    }

    private async Task OnSelectChangedAsync(string? value)
    {
        _text = value;
        await SaveAsync(CellMove.None);
    }

    /// <summary>A multi-select commits when its list closes, after the user has ticked every choice they want.</summary>
    private async Task OnMultiOpenChangedAsync(bool open)
    {
        if (!open)
        {
            await SaveAsync(CellMove.None);
        }
    }
}
