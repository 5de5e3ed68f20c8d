using System.Text.Json.Nodes;
using Microsoft.JSInterop;
using MudBlazor;

namespace Undb.Features.Tables.Components;

/// <summary>A cell, by record and field id, as wwwroot/grid.js names it (<c>{ record, field }</c>).</summary>
public sealed record CellKey(string Record, string Field);

/// <summary>
/// Undo and redo of the changes made in this grid: a cell's (a typed value, a cleared cell, a toggled checkbox) and a
/// bulk edit's. Ctrl+Z (⌘Z) on the grid puts the last one back, Ctrl+Shift+Z or Ctrl+Y makes it again
/// (wwwroot/grid.js), and the cell cursor goes to the (first) cell that changed. Each step is a conditional update
/// (<see cref="RecordPatch.Expected"/>; a bulk edit's, all or nothing): it is made only while every cell still holds what
/// the change left there, so an undo never overwrites what somebody (or another tab) changed since; such a step is
/// dropped, and a notice says why. The steps live as long as the grid.
/// </summary>
public partial class RecordsGrid
{
    private const int UndoDepth = 100;
    private readonly List<Change> _undo = [];
    private readonly List<Change> _redo = [];
    // One step at a time, in the order asked: two fast Ctrl+Z are two undos, the second after the first.
    private readonly SemaphoreSlim _steps = new(1, 1);

    /// <summary>One record's value of the field before and after the change.</summary>
    private sealed record CellValues(string RecordId, JsonNode? Before, JsonNode? After);

    private sealed record Change(string FieldId, IReadOnlyList<CellValues> Cells);

    /// <summary>A change saved from this grid becomes the step to undo; a new change forgets what was undone.</summary>
    private void Remember(string fieldId, IEnumerable<CellValues> cells)
    {
        var changed = cells.Where(c => !JsonNode.DeepEquals(c.Before, c.After))
            .Select(c => new CellValues(c.RecordId, c.Before?.DeepClone(), c.After?.DeepClone())).ToList();
        if (changed.Count == 0)
        {
            return;
        }
        _undo.Add(new(fieldId, changed));
        if (_undo.Count > UndoDepth)
        {
            _undo.RemoveAt(0);
        }
        _redo.Clear();
    }

    /// <summary>Ctrl+Z on the grid: the cell it changed back (the first, for a bulk edit), or null.</summary>
    [JSInvokable]
    public Task<CellKey?> UndoAt() => StepAsync(undo: true);

    /// <summary>Ctrl+Shift+Z or Ctrl+Y on the grid: the cell it changed again (the first, for a bulk edit), or null.</summary>
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
            if (Table.Fields.FirstOrDefault(f => f.Id == step.FieldId) is not { } field)
            {
                Snackbar.Add($"Not {verb}: the field was deleted.", Severity.Warning);
                return null;
            }
            try
            {
                var patches = step.Cells.Select(c =>
                {
                    var (value, expected) = undo ? (c.Before, c.After) : (c.After, c.Before);
                    return new RecordPatch(c.RecordId,
                        new Dictionary<string, JsonNode?> { [field.Id] = value?.DeepClone() },
                        new Dictionary<string, JsonNode?> { [field.Id] = expected?.DeepClone() });
                }).ToList();
                var user = await UserAsync();
                var updated = patches.Count == 1
                    ? [await Records.UpdateAsync(Table.Id, patches[0], user)]
                    : await Records.BulkUpdateAsync(Table.Id, patches, user);
                foreach (var record in updated)
                {
                    if (_page.FirstOrDefault(r => r.Id == record.Id) is { } shown)
                    {
                        MergeValues(shown, record.Values, keep: null);
                    }
                }
                to.Add(step);
                var what = step.Cells.Count == 1 ? $"the change to {field.Name}" : $"the change to {field.Name} on {step.Cells.Count:N0} records";
                Snackbar.Add($"{(undo ? "Undone" : "Redone")}: {what}.", Severity.Normal);
                return new CellKey(step.Cells[0].RecordId, field.Id);
            }
            catch (ConflictException)
            {
                var whose = step.Cells.Count == 1 ? field.Name : $"{field.Name} of one of the records";
                Snackbar.Add($"Not {verb}: {whose} was changed since, here or elsewhere.", Severity.Warning);
            }
            catch (NotFoundException)
            {
                Snackbar.Add($"Not {verb}: {(step.Cells.Count == 1 ? "the record was" : "a record was")} deleted.", Severity.Warning);
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
