using System.Text.Json.Nodes;
using Microsoft.JSInterop;
using MudBlazor;

namespace Undb.Features.Tables.Components;

/// <summary>A cell, by record and field id, as wwwroot/grid.js names it (<c>{ record, field }</c>).</summary>
public sealed record CellKey(string Record, string Field);

/// <summary>
/// Undo and redo of the cell changes made in this grid (a typed value, a cleared cell, a toggled checkbox): Ctrl+Z (⌘Z)
/// on the grid puts the last one back, Ctrl+Shift+Z or Ctrl+Y makes it again (wwwroot/grid.js), and the cell cursor goes
/// to the cell that changed. Each step is a conditional update (<see cref="RecordPatch.Expected"/>): it is made only
/// while the cell still holds what the change left there, so an undo never overwrites what somebody (or another tab)
/// changed since; such a step is dropped, and a notice says why. The steps live as long as the grid.
/// </summary>
public partial class RecordsGrid
{
    private const int UndoDepth = 100;
    private readonly List<CellChange> _undo = [];
    private readonly List<CellChange> _redo = [];
    // One step at a time, in the order asked: two fast Ctrl+Z are two undos, the second after the first.
    private readonly SemaphoreSlim _steps = new(1, 1);

    private sealed record CellChange(string RecordId, string FieldId, JsonNode? Before, JsonNode? After);

    /// <summary>A cell change saved from this grid becomes the step to undo; a new change forgets what was undone.</summary>
    private void Remember(string recordId, string fieldId, JsonNode? before, JsonNode? after)
    {
        if (JsonNode.DeepEquals(before, after))
        {
            return;
        }
        _undo.Add(new(recordId, fieldId, before?.DeepClone(), after?.DeepClone()));
        if (_undo.Count > UndoDepth)
        {
            _undo.RemoveAt(0);
        }
        _redo.Clear();
    }

    /// <summary>Ctrl+Z on the grid: the cell it changed back, or null.</summary>
    [JSInvokable]
    public Task<CellKey?> UndoAt() => StepAsync(undo: true);

    /// <summary>Ctrl+Shift+Z or Ctrl+Y on the grid: the cell it changed again, or null.</summary>
    [JSInvokable]
    public Task<CellKey?> RedoAt() => StepAsync(undo: false);

    private async Task<CellKey?> StepAsync(bool undo)
    {
        var (from, to, verb) = undo ? (_undo, _redo, "undone") : (_redo, _undo, "redone");
        await _steps.WaitAsync();
        try
        {
            if (from.Count == 0)
            {
                Snackbar.Add(undo ? "Nothing to undo." : "Nothing to redo.", Severity.Info);
                return null;
            }
            if (!CanEdit)
            {
                Snackbar.Add("Your role can read this table but not change it.", Severity.Warning);
                return null;
            }
            var step = from[^1];
            from.RemoveAt(from.Count - 1);
            var (value, expected) = undo ? (step.Before, step.After) : (step.After, step.Before);
            if (Table.Fields.FirstOrDefault(f => f.Id == step.FieldId) is not { } field)
            {
                Snackbar.Add($"Not {verb}: the field was deleted.", Severity.Warning);
                return null;
            }
            try
            {
                var patch = new RecordPatch(step.RecordId,
                    new Dictionary<string, JsonNode?> { [field.Id] = value?.DeepClone() },
                    new Dictionary<string, JsonNode?> { [field.Id] = expected?.DeepClone() });
                var updated = await Records.UpdateAsync(Table.Id, patch, await UserAsync());
                if (_page.FirstOrDefault(r => r.Id == step.RecordId) is { } shown)
                {
                    MergeValues(shown, updated.Values, keep: null);
                }
                to.Add(step);
                Snackbar.Add($"{(undo ? "Undone" : "Redone")}: the change to {field.Name}.", Severity.Normal);
                return new CellKey(step.RecordId, field.Id);
            }
            catch (ConflictException)
            {
                Snackbar.Add($"Not {verb}: {field.Name} was changed since, here or elsewhere.", Severity.Warning);
            }
            catch (NotFoundException)
            {
                Snackbar.Add($"Not {verb}: the record was deleted.", Severity.Warning);
            }
            catch (RecordValidationException ex)
            {
                // The field changed meanwhile (now required, a choice removed): the old value is no longer allowed.
                var reason = ex.Errors.Count > 0 ? $"{field.Name} {ex.Errors[0].Message}" : ex.Message.TrimEnd('.');
                Snackbar.Add($"Not {verb}: {reason}.", Severity.Warning);
            }
            return null;
        }
        finally
        {
            _steps.Release();
            StateHasChanged();
        }
    }
}
