using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Undb.Features.Tables.Components;

public partial class CellEditor
{
    [Inject] private IJSRuntime JS { get; set; } = default!;

    [Parameter, EditorRequired]
    public FieldEntity Field { get; set; } = default!;

    [Parameter, EditorRequired]
    public string RecordId { get; set; } = "";

    /// <summary>The value when editing started.</summary>
    [Parameter]
    public JsonNode? Value { get; set; }

    /// <summary>The server's message for a rejected value; the editor stays open with the typed text.</summary>
    [Parameter]
    public string? Error { get; set; }

    [Parameter]
    public bool Busy { get; set; }

    /// <summary>Saves a value (as the RecordService takes it); true when it was saved and the editor closes, false when it was rejected.</summary>
    [Parameter, EditorRequired]
    public Func<JsonNode?, Task<bool>> Save { get; set; } = default!;

    [Parameter]
    public EventCallback OnCancel { get; set; }

    private ElementReference _root;
    private MudSelect<string>? _select;
    private DotNetObjectReference<CellEditor>? _ref;
    private string? _initial;
    private string? _choice;
    private List<string> _list = [];
    private bool _saving;
    private bool _closed;
    private bool _open;
    /// <summary>The stored time of a date-time value (<c>T15:35:20.000Z</c>), kept when only the day is edited.</summary>
    private string? _timeOfDay;

    private string Kind => Field.Type switch
    {
        FieldType.SingleSelect => "select",
        FieldType.MultiSelect => "multi",
        _ => "text",
    };

    private string InputType => Field.Type switch
    {
        FieldType.Email => "email",
        FieldType.Url => "url",
        _ => "text",
    };

    protected override void OnInitialized()
    {
        _list = Value is JsonArray a ? a.Select(n => n?.ToString() ?? "").ToList() : [];
        _initial = Value switch
        {
            null or JsonArray => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => Value.ToJsonString(),
        };
        _choice = _initial;
        // A stored date and time is edited as its day and keeps its time.
        if (Field.Type == FieldType.Date && _initial is { Length: > 10 } && _initial[10] == 'T')
        {
            _timeOfDay = _initial[10..];
            _initial = _initial[..10];
        }
        if (Field.Type == FieldType.Number && _initial is not null && decimal.TryParse(_initial, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            _initial = d.ToString(CultureInfo.InvariantCulture);
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
            _ref = DotNetObjectReference.Create(this);
            await JS.InvokeVoidAsync("undbGrid.attachEditor", _root, _ref);
            if (_select is not null)
            {
                // The browser has already put the focus in the select (grid.js); focusing it from here would pull it
                // back after keys pressed meanwhile had moved it on.
                await _select.OpenMenu();
                await JS.InvokeVoidAsync("undbGrid.typeAhead", _root);
            }
        }
        catch (Exception ex) when (ex is JSException or InvalidOperationException or JSDisconnectedException or TaskCanceledException)
        {
            // Without a browser (prerender, tests) or after it left there is nothing to attach to.
        }
    }

    /// <summary>
    /// The browser commits the editor (Enter, Tab, leaving it, the save button) with the text it holds. Returns true
    /// when the editor closes: saved, or nothing to save.
    /// </summary>
    [JSInvokable]
    public async Task<bool> Commit(string? text, string move)
    {
        if (_closed)
        {
            return true;
        }
        return Field.Type is FieldType.SingleSelect or FieldType.MultiSelect ? await CommitChoicesAsync() : await SaveAsync(FromText(text));
    }

    [JSInvokable]
    public async Task Cancel()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        await OnCancel.InvokeAsync();
    }

    /// <summary>The typed text as it goes to the RecordService, which parses it (leniently) or rejects it with a message; blank clears.</summary>
    internal JsonNode? FromText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (Field.Type == FieldType.Date && _timeOfDay is not null && text.Trim() is var day
            && DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return JsonValue.Create(day + _timeOfDay);
        }
        return JsonValue.Create(text);
    }

    private JsonNode? ListValue() => _list.Count == 0 ? null : new JsonArray(_list.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private async Task<bool> SaveAsync(JsonNode? value)
    {
        if (_saving)
        {
            return false;
        }
        _saving = true;
        try
        {
            _closed = await Save(value);
            return _closed;
        }
        finally
        {
            _saving = false;
        }
    }

    /// <summary>
    /// A select commits when its list closes (a pick, Enter, a click elsewhere) or on Tab; arrow keys only move
    /// through the choices. Unchanged, it closes without a save (a choice removed from the field stays as it is).
    /// </summary>
    private async Task<bool> CommitChoicesAsync()
    {
        if (!ChoicesChanged(out var value))
        {
            await Cancel();
            return true;
        }
        return await SaveAsync(value);
    }

    private bool ChoicesChanged(out JsonNode? value)
    {
        value = Field.Type == FieldType.MultiSelect ? ListValue() : string.IsNullOrEmpty(_choice) ? null : JsonValue.Create(_choice);
        return !JsonNode.DeepEquals(value, Value);
    }

    private async Task OnChoiceAsync(string? value)
    {
        _choice = value;
        if (!_open && !_closed)
        {
            // A clicked choice (MudSelect closes its list first, then sets the value) or the clear button.
            await CommitChoicesAsync();
        }
    }

    private async Task OnOpenChangedAsync(bool open)
    {
        _open = open;
        // A single select's list closes before a clicked choice arrives (OnChoiceAsync commits that one); a choice
        // reached with the arrow keys is already here when Enter closes the list.
        if (!open && !_closed && (Field.Type == FieldType.MultiSelect || ChoicesChanged(out _)))
        {
            await CommitChoicesAsync();
        }
    }

    public ValueTask DisposeAsync()
    {
        _closed = true;
        _ref?.Dispose();
        return ValueTask.CompletedTask;
    }
}
