using System.Text.Json.Nodes;
using Microsoft.JSInterop;
using MudBlazor;
using Undb.Infrastructure;

namespace Undb.Features.Tables.Components;

/// <summary>The grid's actions: inline cell editing, bulk edit and delete, add, import, export, fields.</summary>
public partial class RecordsGrid
{
    private static readonly DialogOptions FormOptions = new() { MaxWidth = MaxWidth.Small, FullWidth = true };

    private bool IsEditing(RecordSnapshot record, FieldEntity field) => _editing is { } e && e.RecordId == record.Id && e.FieldId == field.Id;

    private void BeginEdit(RecordSnapshot record, FieldEntity field)
    {
        if (_editBusy)
        {
            // The open cell is still saving (leaving it committed it): open this one once that save succeeds.
            _deferredEdit = (record.Id, field.Id);
            return;
        }
        _editing = (record.Id, field.Id);
        _editError = null;
    }

    /// <summary>
    /// The open button of a row (wwwroot/grid.js, [data-open-record]), by record id: a click bound to the button's
    /// element was lost when it landed while a live update re-rendered the rows (a CI run's drawer never opened).
    /// </summary>
    [JSInvokable]
    public Task OpenRecordAt(string recordId) => InvokeAsync(() =>
    {
        _drawerRecordId = recordId;
        _drawerOpen = true;
        StateHasChanged();
    });

    /// <summary>The cell cursor (wwwroot/grid.js) starts an edit: a click, Enter, F2 or typing on a cell.</summary>
    [JSInvokable]
    public Task<bool> BeginEditAt(string recordId, string fieldId)
    {
        var record = _page.FirstOrDefault(r => r.Id == recordId);
        var field = VisibleFields.FirstOrDefault(f => f.Id == fieldId);
        if (record is null || field is null || field.Type == FieldType.Checkbox || !CanEdit)
        {
            return Task.FromResult(false);
        }
        BeginEdit(record, field);
        StateHasChanged();
        return Task.FromResult(true);
    }

    /// <summary>Checkbox cells being toggled: a second Space while the first is saving is the same toggle.</summary>
    private readonly HashSet<(string RecordId, string FieldId)> _toggling = [];

    /// <summary>
    /// The cell cursor (wwwroot/grid.js) toggles a checkbox: a click, Space or Enter on it. By record and field id, so a
    /// key that lands while the rows are re-rendered (a live update) still toggles the right cell. Another cell's save in
    /// flight does not stop it: a Space right after Enter saved the cell above must not be lost. True when saved.
    /// </summary>
    [JSInvokable]
    public async Task<bool> ToggleAt(string recordId, string fieldId)
    {
        var record = _page.FirstOrDefault(r => r.Id == recordId);
        var field = VisibleFields.FirstOrDefault(f => f.Id == fieldId);
        if (record is null || field is not { Type: FieldType.Checkbox } || !CanEdit || !_toggling.Add((recordId, fieldId)))
        {
            return false;
        }
        try
        {
            return await SaveCellAsync(record, field, JsonValue.Create(!FieldTypes.IsChecked(record.Values[field.Id])));
        }
        finally
        {
            _toggling.Remove((recordId, fieldId));
        }
    }

    /// <summary>Delete or Backspace on a cell: clears its value (a required field refuses, in a notice).</summary>
    [JSInvokable]
    public async Task<bool> ClearAt(string recordId, string fieldId)
    {
        var record = _page.FirstOrDefault(r => r.Id == recordId);
        var field = VisibleFields.FirstOrDefault(f => f.Id == fieldId);
        if (record is null || field is null || IsEditing(record, field) || record.Values[field.Id] is null)
        {
            return false;
        }
        return await SaveCellAsync(record, field, null);
    }

    /// <summary>Escape on a cell whose editor was still opening.</summary>
    [JSInvokable]
    public async Task CancelEdit()
    {
        _deferredEdit = null;
        await EndEditAsync();
        StateHasChanged();
    }

    /// <summary>
    /// Saves one cell through RecordService; true when saved. A rejected value writes nothing: the editor stays open
    /// with the typed text and the error, which names the field.
    /// </summary>
    private async Task<bool> SaveCellAsync(RecordSnapshot record, FieldEntity field, JsonNode? value)
    {
        if (!CanEdit)
        {
            Snackbar.Add("Your role can read this table but not change it.", Severity.Warning);
            return false;
        }
        _editBusy = true;
        var before = record.Values[field.Id]?.DeepClone();
        try
        {
            var patch = new RecordPatch(record.Id, new Dictionary<string, JsonNode?> { [field.Id] = value?.DeepClone() });
            var updated = await Records.UpdateAsync(Table.Id, patch, await UserAsync());
            Remember([new CellChange(record.Id, field.Id, before, updated.Values[field.Id])]);
            MergeValues(record, updated.Values, keep: null);
            if (IsEditing(record, field))
            {
                await EndEditAsync();
            }
            if (_deferredEdit is { } next)
            {
                _deferredEdit = null;
                _editing = next;
                _editError = null;
            }
            return true;
        }
        catch (RecordValidationException ex)
        {
            _deferredEdit = null;
            var error = ex.Errors.Count > 0 ? $"{field.Name} {ex.Errors[0].Message}." : ex.Message;
            if (IsEditing(record, field))
            {
                _editError = error;
            }
            else
            {
                // A checkbox toggles without an editor: report it as a snackbar instead.
                Snackbar.Add(error, Severity.Error);
            }
            return false;
        }
        catch (NotFoundException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
            if (IsEditing(record, field))
            {
                await EndEditAsync();
            }
            return true;
        }
        finally
        {
            _editBusy = false;
            StateHasChanged();
        }
    }

    private async Task EndEditAsync()
    {
        _editing = null;
        _editError = null;
        if (_reloadPending)
        {
            _reloadPending = false;
            await ReloadAsync();
        }
    }

    private async Task BulkDeleteAsync()
    {
        var ids = _selected.Select(r => r.Id).ToList();
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            $"Delete {ids.Count:N0} record{(ids.Count == 1 ? "" : "s")}?",
            "The selected records will be deleted for everyone. Undo (Ctrl+Z) brings them back while this page is open.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }
        await RunBulkAsync(clearSelection: true, async user =>
        {
            var deleted = await Records.BulkDeleteReturningAsync(Table.Id, ids, user);
            Remember(new RecordsChanged(deleted, Deleted: true)); // and says so, with an Undo
        });
        // The Delete button went with the selection: the keyboard goes back to the grid, not to the top of the page.
        await KeyboardToGridAsync();
    }

    /// <summary>A column's menu action (edit, hide, delete the field): its column may be gone after it, so the keyboard goes back to the grid.</summary>
    private async Task ThenToGridAsync(Task<bool> action)
    {
        await action;
        await KeyboardToGridAsync();
    }

    /// <summary>Puts the keyboard on the grid's cursor (or first cell, or Add record when it has no rows), if nothing has it (grid.js takeFocus).</summary>
    private Task KeyboardToGridAsync() => JS.InvokeQuietlyAsync("undbGrid.takeFocus", _host, "#add-record");

    private async Task BulkEditAsync()
    {
        var ids = _selected.Select(r => r.Id).ToList();
        // What the grid shows of them now, for the undo step (the field is chosen in the dialog).
        var shown = _selected.ToDictionary(r => r.Id, r => r.Values.DeepClone().AsObject());
        var parameters = new DialogParameters<BulkEditDialog> { { d => d.Table, Table }, { d => d.RecordIds, ids } };
        var dialog = await Dialogs.ShowAsync<BulkEditDialog>("Edit selected records", parameters, FormOptions);
        // The dialog writes (and shows a rejected value at its field); the selection stays, so the same records can
        // be edited again or deleted.
        if (await dialog.Result is { Canceled: false, Data: BulkEditDialog.Outcome outcome })
        {
            Remember(outcome.Records.Select(r => new CellChange(r.Id, outcome.Field.Id, shown.GetValueOrDefault(r.Id)?[outcome.Field.Id], r.Values[outcome.Field.Id])));
            Snackbar.Add($"Updated {outcome.Field.Name} on {outcome.Updated:N0} record{(outcome.Updated == 1 ? "" : "s")}. Ctrl+Z undoes it.", Severity.Success);
        }
        await ReloadAsync();
    }

    private async Task RunBulkAsync(bool clearSelection, Func<string?, Task> action)
    {
        _bulkBusy = true;
        try
        {
            await action(await UserAsync());
            if (clearSelection)
            {
                _selected = new HashSet<RecordSnapshot>(RecordIdComparer.Instance);
            }
        }
        catch (RecordValidationException ex)
        {
            Snackbar.Add($"Nothing was changed: {ex.Message}", Severity.Error);
        }
        catch (NotFoundException ex)
        {
            Snackbar.Add($"Nothing was changed: {ex.Message} Reload and try again.", Severity.Error);
        }
        finally
        {
            _bulkBusy = false;
        }
        await ReloadAsync();
    }

    private async Task AddRecordAsync()
    {
        var parameters = new DialogParameters<RecordDialog> { { d => d.Table, Table } };
        var dialog = await Dialogs.ShowAsync<RecordDialog>("Add record", parameters, FormOptions);
        if (await dialog.Result is { Canceled: false, Data: RecordSnapshot added })
        {
            Remember(new RecordsChanged([added], Deleted: false));
            Snackbar.Add("Record added.", Severity.Success);
        }
    }

    private Task AddFieldAsync() => Fields.AddAsync(Table.Id);

    private async Task ManageFieldsAsync()
    {
        var parameters = new DialogParameters<FieldsDialog> { { d => d.TableId, Table.Id } };
        await Dialogs.ShowAsync<FieldsDialog>("Fields", parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
    }

    private async Task ImportAsync()
    {
        var parameters = new DialogParameters<CsvImportDialog> { { d => d.Table, Table } };
        var dialog = await Dialogs.ShowAsync<CsvImportDialog>("Import CSV", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, BackdropClick = false });
        await dialog.Result;
        await ReloadAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        RememberView();
        if (_jsRef is not null)
        {
            try
            {
                await JS.InvokeVoidAsync("undbGrid.dispose", _host);
            }
            catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException)
            {
                // The page is gone with its listeners.
            }
            _jsRef.Dispose();
        }
    }
}
