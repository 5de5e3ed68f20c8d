using System.Text.Json.Nodes;
using Microsoft.JSInterop;
using MudBlazor;
using Undb.Infrastructure;

namespace Undb.Features.Tables.Components;

/// <summary>A cell, by record and field id, as wwwroot/grid.js names it (<c>{ record, field }</c>).</summary>
public sealed record CellKey(string Record, string Field);

/// <summary>One cell's value before and after a change (for the grid's undo).</summary>
public sealed record CellChange(string RecordId, string FieldId, JsonNode? Before, JsonNode? After);

/// <summary>A change the grid can take back (<see cref="RecordsGrid"/>'s undo): cells' values, or whole records added or deleted.</summary>
public abstract record GridChange;

/// <summary>Values changed: a typed or cleared cell, a toggled checkbox, a bulk edit, a save in the record drawer.</summary>
public sealed record CellsChanged(IReadOnlyList<CellChange> Cells) : GridChange;

/// <summary>Records added (<paramref name="Deleted"/> false) or deleted, as they were just after the change.</summary>
public sealed record RecordsChanged(IReadOnlyList<RecordSnapshot> Records, bool Deleted) : GridChange;

/// <summary>
/// Undo and redo of the changes made in this grid and its record drawer: a cell's (a typed value, a cleared cell, a
/// toggled checkbox), a bulk edit's, a drawer's save, and records added, duplicated or deleted. Ctrl+Z (⌘Z) on the grid
/// takes the last one back, Ctrl+Shift+Z or Ctrl+Y makes it again (wwwroot/grid.js), and the cell cursor goes to the
/// (first) cell that changed. Each step is conditional, all or nothing: values are put back (<see cref="RecordPatch.Expected"/>)
/// only while every cell still holds what the change left there, and a record is deleted again only while nobody has
/// changed it (<see cref="RecordService.DeleteIfUnchangedAsync"/>), so an undo never overwrites what somebody (or another
/// tab) changed since; such a step is dropped, and a notice says why. A deleted record comes back with its id, values
/// and history (<see cref="RecordService.RestoreAsync"/>). The steps live as long as the grid.
/// </summary>
public partial class RecordsGrid
{
    private const int UndoDepth = 100;
    private readonly List<GridChange> _undo = [];
    private readonly List<GridChange> _redo = [];
    // One step at a time, in the order asked: two fast Ctrl+Z are two undos, the second after the first.
    private readonly SemaphoreSlim _steps = new(1, 1);
    // Changes remembered so far: a step on its way to the database counts those made meanwhile (see StepAsync).
    private long _pushed;

    /// <summary>A change saved from this grid becomes the step to undo; a new change forgets what was undone.</summary>
    private void Remember(IEnumerable<CellChange> cells)
    {
        var changed = cells.Where(c => !JsonNode.DeepEquals(c.Before, c.After))
            .Select(c => c with { Before = c.Before?.DeepClone(), After = c.After?.DeepClone() }).ToList();
        if (changed.Count > 0)
        {
            Push(new CellsChanged(changed));
        }
    }

    /// <summary>The record drawer's changes (a save, a duplicate, a deletion) join the grid's steps.</summary>
    private async Task FromDrawerAsync(GridChange change)
    {
        Remember(change);
        if (change is RecordsChanged { Deleted: true })
        {
            // The drawer has closed, and the keyboard was on its confirmation: it goes back to the grid.
            await KeyboardToGridAsync();
        }
    }

    private void Remember(GridChange change)
    {
        switch (change)
        {
            case CellsChanged cells:
                Remember(cells.Cells);
                break;
            case RecordsChanged { Records.Count: > 0 } records:
                Push(change);
                if (records.Deleted)
                {
                    NoticeWithUndo(records.Records.Count == 1 ? "Record deleted." : $"Deleted {records.Records.Count:N0} records.", change);
                }
                break;
        }
    }

    private void Push(GridChange step)
    {
        DropUndoNotice();
        _pushed++;
        _undo.Add(step);
        TrimUndo();
        _redo.Clear();
    }

    private void TrimUndo()
    {
        if (_undo.Count > UndoDepth)
        {
            _undo.RemoveAt(0);
        }
    }

    /// <summary>Ctrl+Z on the grid: the cell it changed back (the first, for a bulk edit), or null.</summary>
    [JSInvokable]
    public Task<CellKey?> UndoAt() => StepAsync(undo: true, only: null);

    /// <summary>Ctrl+Shift+Z or Ctrl+Y on the grid: the cell it changed again (the first, for a bulk edit), or null.</summary>
    [JSInvokable]
    public Task<CellKey?> RedoAt() => StepAsync(undo: false, only: null);

    /// <summary>The notice whose Undo button takes back the last step, while it is shown.</summary>
    private MudBlazor.Snackbar? _undoNotice;

    /// <summary>A deletion's notice offers Undo: it takes back that deletion, if nothing was changed here after it.</summary>
    private void NoticeWithUndo(string message, GridChange step) =>
        _undoNotice = Snackbar.Add(message, Severity.Success, config =>
        {
            config.Action = "Undo";
            // Long enough to reach for the button; Ctrl+Z works after it has gone.
            config.VisibleStateDuration = 10_000;
            config.ActionColor = Color.Inherit;
            config.OnClick = notice => InvokeAsync(async () =>
            {
                // Once used, the notice goes (and its button with the keyboard): the keyboard goes to the first record back.
                Snackbar.Remove(notice);
                _undoNotice = null;
                if (await StepAsync(undo: true, only: step) is { } at)
                {
                    await JS.InvokeQuietlyAsync("undbGrid.focusAt", _host, at);
                }
                await KeyboardToGridAsync();
            });
        });

    /// <summary>Once the last step changes (undone, or another on top), its notice's Undo would mean another step: it goes.</summary>
    private void DropUndoNotice()
    {
        if (_undoNotice is { } notice)
        {
            _undoNotice = null;
            Snackbar.Remove(notice);
        }
    }

    /// <param name="only">The step the caller means (a notice's Undo): refused when it is not the last one any more.</param>
    private async Task<CellKey?> StepAsync(bool undo, GridChange? only)
    {
        var (from, to, verb) = undo ? (_undo, _redo, "undone") : (_redo, _undo, "redone");
        await _steps.WaitAsync();
        try
        {
            if (only is not null && (from.Count == 0 || !ReferenceEquals(from[^1], only)))
            {
                Snackbar.Add("Not undone: it was undone already, or something was changed here after it. Ctrl+Z takes changes back one at a time, the last first.", Severity.Info);
                return null;
            }
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
            DropUndoNotice();
            var pushed = _pushed;
            try
            {
                var (done, at) = step switch
                {
                    CellsChanged cells => await PutBackAsync(cells, undo),
                    RecordsChanged records => await AddOrDeleteAsync(records, undo),
                    _ => throw new InvalidOperationException($"Unknown step {step.GetType().Name}."),
                };
                if (done is null)
                {
                    return null;
                }
                Settle(done.Step, undo, changedMeanwhile: (int)Math.Min(_pushed - pushed, _undo.Count));
                Snackbar.Add($"{(undo ? "Undone" : "Redone")}: {done.What}.", Severity.Normal);
                return at;
            }
            catch (ConflictException)
            {
                Snackbar.Add($"Not {verb}: {Subject(step)} changed since, here or elsewhere.", Severity.Warning);
            }
            catch (NotFoundException)
            {
                Snackbar.Add($"Not {verb}: {(Count(step) == 1 ? "the record was" : "a record was")} deleted.", Severity.Warning);
            }
            catch (RecordValidationException ex)
            {
                // A field changed meanwhile (now required, a choice removed): the old value is no longer allowed.
                var error = ex.Errors.FirstOrDefault();
                var reason = error is null ? ex.Message.TrimEnd('.') : $"{error.Field} {error.Message}";
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

    /// <summary>
    /// A step done goes on the other list, as if it had been done before the changes made here while it was on its way
    /// (a cell saved, a drawer saved during an undo's round trip): an undo is forgotten once a change follows it, as
    /// <see cref="Push"/> forgets one done earlier, and a redo goes under them, so Ctrl+Z takes those back first.
    /// </summary>
    private void Settle(GridChange step, bool undo, int changedMeanwhile)
    {
        if (undo)
        {
            if (changedMeanwhile == 0)
            {
                _redo.Add(step);
            }
            return;
        }
        _undo.Insert(_undo.Count - changedMeanwhile, step);
        TrimUndo();
    }

    private sealed record Done(GridChange Step, string What);

    /// <summary>Cells back to their values before (undo) or after (redo), each only while it holds the other.</summary>
    private async Task<(Done?, CellKey?)> PutBackAsync(CellsChanged step, bool undo)
    {
        var fields = step.Cells.Select(c => c.FieldId).Distinct().Select(id => Table.Fields.FirstOrDefault(f => f.Id == id)).ToList();
        if (fields.Any(f => f is null))
        {
            Snackbar.Add($"Not {(undo ? "undone" : "redone")}: {(fields.Count == 1 ? "the field was" : "a field was")} deleted.", Severity.Warning);
            return (null, null);
        }
        var patches = step.Cells.GroupBy(c => c.RecordId).Select(cells =>
        {
            var values = new Dictionary<string, JsonNode?>();
            var expected = new Dictionary<string, JsonNode?>();
            foreach (var c in cells)
            {
                var (value, was) = undo ? (c.Before, c.After) : (c.After, c.Before);
                values[c.FieldId] = value?.DeepClone();
                expected[c.FieldId] = was?.DeepClone();
            }
            return new RecordPatch(cells.Key, values, expected);
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
        var names = fields.Count == 1 ? fields[0]!.Name : string.Join(", ", fields.SkipLast(1).Select(f => f!.Name)) + " and " + fields[^1]!.Name;
        var what = $"the change{(fields.Count == 1 ? "" : "s")} to {names}{(patches.Count == 1 ? "" : $" on {patches.Count:N0} records")}";
        return (new Done(step, what), new CellKey(step.Cells[0].RecordId, step.Cells[0].FieldId));
    }

    /// <summary>Records back (a deletion undone, an addition redone) or deleted again, only while unchanged.</summary>
    private async Task<(Done?, CellKey?)> AddOrDeleteAsync(RecordsChanged step, bool undo)
    {
        var user = await UserAsync();
        var restore = undo == step.Deleted;
        var records = restore
            ? await Records.RestoreAsync(Table.Id, step.Records, user)
            : await Records.DeleteIfUnchangedAsync(Table.Id, step.Records, user);
        await ReloadAsync();
        if (!restore)
        {
            // The rows went, and the cell that had the keyboard with them: it goes back to the grid.
            StateHasChanged();
            await KeyboardToGridAsync();
        }
        var some = records.Count == 1 ? "the record" : $"{records.Count:N0} records";
        var what = step.Deleted ? $"the deletion of {some}" : $"adding {some}";
        // What is there now is what the next step takes back or deletes again (a value of a field deleted since is gone).
        var done = new Done(step with { Records = restore ? records : step.Records }, what);
        return (done, restore && VisibleFields.FirstOrDefault() is { } first ? new CellKey(records[0].Id, first.Id) : null);
    }

    private static int Count(GridChange step) => step switch
    {
        CellsChanged cells => cells.Cells.Select(c => c.RecordId).Distinct().Count(),
        RecordsChanged records => records.Records.Count,
        _ => 0,
    };

    private string Subject(GridChange step)
    {
        if (step is CellsChanged { Cells: [var only] })
        {
            return (Table.Fields.FirstOrDefault(f => f.Id == only.FieldId)?.Name ?? "the value") + " was";
        }
        return Count(step) == 1 ? "the record was" : "one of the records was";
    }
}
