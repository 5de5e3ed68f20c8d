using System.Text.Json.Nodes;
using MudBlazor;

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
            return;
        }
        // Opening another cell abandons the current one's unsaved text, as Escape would.
        _editing = (record.Id, field.Id);
        _editError = null;
    }

    /// <summary>Saves one cell through RecordService. A rejected value keeps the editor open with the error and the old stored value.</summary>
    private async Task SaveCellAsync(RecordSnapshot record, FieldEntity field, CellSave save)
    {
        _editBusy = true;
        try
        {
            var patch = new RecordPatch(record.Id, new Dictionary<string, JsonNode?> { [field.Id] = save.Value?.DeepClone() });
            var updated = await Records.UpdateAsync(Table.Id, patch, await UserAsync());
            MergeValues(record, updated.Values, keep: null);
            _editError = null;
            var next = Neighbour(field, save.Move);
            if (next is null)
            {
                await EndEditAsync();
            }
            else
            {
                _editing = (record.Id, next.Id);
            }
        }
        catch (RecordValidationException ex)
        {
            _editError = ex.Errors.Count > 0 ? $"{field.Name} {ex.Errors[0].Message}." : ex.Message;
            if (_editing is null)
            {
                // A checkbox toggles without an editor: report it as a snackbar instead.
                Snackbar.Add(_editError, Severity.Error);
            }
        }
        catch (NotFoundException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
            await EndEditAsync();
        }
        finally
        {
            _editBusy = false;
        }
    }

    private FieldEntity? Neighbour(FieldEntity field, CellMove move)
    {
        if (move == CellMove.None)
        {
            return null;
        }
        var fields = VisibleFields.Where(f => f.Type != FieldType.Checkbox).ToList();
        var i = fields.FindIndex(f => f.Id == field.Id) + (move == CellMove.Next ? 1 : -1);
        return i >= 0 && i < fields.Count ? fields[i] : null;
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
            "The selected records will be deleted for everyone. This cannot be undone.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }
        await RunBulkAsync(clearSelection: true, async user =>
        {
            var deleted = await Records.BulkDeleteAsync(Table.Id, ids, user);
            Snackbar.Add($"Deleted {deleted:N0} record{(deleted == 1 ? "" : "s")}.", Severity.Success);
        });
    }

    private async Task BulkEditAsync()
    {
        var ids = _selected.Select(r => r.Id).ToList();
        var parameters = new DialogParameters<BulkEditDialog> { { d => d.Table, Table }, { d => d.Count, ids.Count } };
        var dialog = await Dialogs.ShowAsync<BulkEditDialog>("Edit selected records", parameters, FormOptions);
        if (await dialog.Result is not { Canceled: false, Data: BulkEditDialog.Choice choice })
        {
            return;
        }
        // The selection stays after an edit, so the same records can be edited again or deleted.
        await RunBulkAsync(clearSelection: false, async user =>
        {
            var patches = ids.Select(id => new RecordPatch(id, new Dictionary<string, JsonNode?> { [choice.Field.Id] = choice.Value?.DeepClone() })).ToList();
            var updated = await Records.BulkUpdateAsync(Table.Id, patches, user);
            Snackbar.Add($"Updated {choice.Field.Name} on {updated.Count:N0} record{(updated.Count == 1 ? "" : "s")}.", Severity.Success);
        });
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
        if (await dialog.Result is { Canceled: false })
        {
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

    public void Dispose() => _subscription?.Dispose();
}
