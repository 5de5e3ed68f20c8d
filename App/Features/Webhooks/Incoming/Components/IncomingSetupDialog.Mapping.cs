using System.Text.Json;
using System.Text.Json.Nodes;
using MudBlazor;
using Undb.Features.Accounts;
using Undb.Features.Tables;
using Undb.Realtime;

namespace Undb.Features.Webhooks.Incoming.Components;

/// <summary>
/// The mapping half of <see cref="IncomingSetupDialog"/>: the sample and its keys, a path per field (auto-matched by
/// name), the records path, the live preview, a field created from a key, and the table or the log changing while the
/// dialog is open.
/// </summary>
public partial class IncomingSetupDialog
{
    /// <summary>Leaf keys a field can take, plus its current path when this sample lacks it (so it is not lost by opening the dialog).</summary>
    private IEnumerable<PayloadKey> PathOptions(FieldEntity field)
    {
        var leaves = _keys.Where(k => k.IsLeaf).ToList();
        if (_paths.GetValueOrDefault(field.Id) is { Length: > 0 } current && leaves.All(k => k.Path != current))
        {
            leaves.Insert(0, new PayloadKey(current, current, 1, JsonValueKind.Undefined, "(not in this sample)"));
        }
        return leaves;
    }

    private void OnSampleChanged(string? text)
    {
        _sampleText = text ?? "";
        _sampleError = null;
        if (string.IsNullOrWhiteSpace(_sampleText))
        {
            _sample = null;
        }
        else
        {
            try
            {
                _sample = JsonNode.Parse(_sampleText);
            }
            catch (JsonException ex)
            {
                _sampleError = $"Not valid JSON: {ex.Message}";
                _sample = null;
            }
        }
        _listPaths = PayloadKeys.RecordListPaths(_sample);
        if (_recordsPath is null && _listPaths is [var only] && !_table.Fields.Any(f => _paths.ContainsKey(f.Id)) && IsOnlyAList(only))
        {
            // A payload that is nothing but one list of objects (the usual batch shape) means one record per element.
            // An order with line items and its own values around them does not: that stays one record per request.
            _recordsPath = only;
        }
        Refresh(autoMatch: true);
    }

    private bool IsOnlyAList(string listPath)
    {
        var inside = listPath + "[";
        return PayloadKeys.Extract(_sample).All(k => k.Kind is JsonValueKind.Object or JsonValueKind.Array || k.Path.StartsWith(inside, StringComparison.Ordinal));
    }

    /// <summary>Field paths are relative to the records, so paths that do not exist from the new starting point are re-matched.</summary>
    private void OnRecordsPathChanged(string? path)
    {
        _recordsPath = string.IsNullOrEmpty(path) ? null : path;
        if (_sample is not null)
        {
            var valid = PayloadKeys.ForRecords(_sample, _recordsPath).Select(k => k.Path).ToHashSet();
            foreach (var fieldId in _paths.Where(p => !valid.Contains(p.Value)).Select(p => p.Key).ToList())
            {
                _paths.Remove(fieldId);
            }
        }
        Refresh(autoMatch: true);
    }

    private void SetPath(FieldEntity field, string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            _paths.Remove(field.Id);
        }
        else
        {
            _paths[field.Id] = path;
        }
        Refresh();
    }

    /// <summary>Re-derives the keys and the preview; with <paramref name="autoMatch"/>, fills unmapped fields whose name matches a key.</summary>
    private void Refresh(bool autoMatch = false)
    {
        var keys = _sample is null ? [] : PayloadKeys.ForRecords(_sample, _recordsPath);
        if (!keys.SequenceEqual(_keys))
        {
            _keys = keys;
            _keysVersion++;
        }
        if (autoMatch)
        {
            foreach (var field in _table.Fields.Where(f => !_paths.ContainsKey(f.Id)))
            {
                if (PayloadKeys.BestMatch(field, _keys) is { } match)
                {
                    _paths[field.Id] = match;
                }
            }
        }
        _preview = _sample is null ? null : MappingEngine.Apply(_sample, CurrentMapping(), _table);
    }

    private IncomingMapping CurrentMapping() =>
        new(_recordsPath, _paths.Where(p => _table.Fields.Any(f => f.Id == p.Key)).ToDictionary(p => p.Key, p => p.Value)) { UpsertBy = UpsertBy };

    /// <summary>Paths mapped to fields that were deleted (by id, so a rename is not one): requests skip them; saving drops them.</summary>
    private IReadOnlyList<string> DeletedPaths => _paths.Where(p => _table.Fields.All(f => f.Id != p.Key)).Select(p => p.Value).ToList();

    /// <summary>
    /// A field renamed, added or deleted while the dialog is open: the rows show the current fields. The mapping is
    /// kept by field id, so a renamed field keeps its path.
    /// </summary>
    private Task OnTableChangeAsync(TableChange change) => change.Kind != TableChangeKind.SchemaChanged
        ? Task.CompletedTask
        : InvokeAsync(async () =>
        {
            try
            {
                if (await Tables.GetAsync(_table.Id) is { } table)
                {
                    _table = table;
                    Refresh();
                    StateHasChanged();
                }
            }
            catch (Exception ex)
            {
                await DispatchExceptionAsync(ex);
            }
        });

    /// <summary>"Wait for a first request": the next request's body becomes the sample.</summary>
    private Task OnActivityAsync(IncomingActivity activity) => InvokeAsync(() =>
    {
        if (!_waiting || activity.WebhookId != _webhook?.Id || activity.Payload is null)
        {
            return;
        }
        _waiting = false;
        OnSampleChanged(IncomingFormat.Pretty(activity.Payload));
        Snackbar.Add("Captured a request: it is now the sample.", Severity.Success);
        StateHasChanged();
    });

    private async Task CreateFieldAsync(PayloadKey key)
    {
        _busy = true;
        try
        {
            var element = _recordsPath is null ? _sample : FirstElement();
            var value = JsonPath.Parse(key.Path).Evaluate(element);
            var name = UniqueName(key.Label);
            var user = AuthState is null ? null : (await AuthState).User.UserId();
            var field = await Tables.AddFieldAsync(_table.Id, new FieldSpec(name, PayloadKeys.SuggestType(value)), user);
            _table = await Tables.GetAsync(_table.Id) ?? _table;
            _paths[field.Id] = key.Path;
            Refresh();
            Snackbar.Add($"Created the field '{field.Name}' ({field.Type.DisplayName()}) and mapped {key.Path} to it.", Severity.Success);
        }
        catch (BadRequestException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        finally
        {
            _busy = false;
        }
    }

    private JsonNode? FirstElement() =>
        JsonPath.Parse(_recordsPath!).Evaluate(_sample) is var target && target is JsonArray array ? array.FirstOrDefault() : target;

    private string UniqueName(string label)
    {
        var baseName = label.Trim();
        if (baseName.Length == 0 || SystemFields.IsSystem(baseName))
        {
            baseName = "Field " + baseName;
        }
        var name = baseName;
        for (var i = 2; _table.Fields.Any(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)); i++)
        {
            name = $"{baseName} {i}";
        }
        return name;
    }
}
