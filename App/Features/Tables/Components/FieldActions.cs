using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Undb.Features.Accounts;

namespace Undb.Features.Tables.Components;

/// <summary>
/// The field actions the grid's column menus and the fields dialog share: each asks what it must (a dialog, a
/// confirmation), calls <see cref="TableService"/> and reports the outcome as a snackbar. Scoped: one per circuit.
/// Each returns true when something changed.
/// </summary>
public sealed class FieldActions(TableService tables, FieldUsages usages, IDialogService dialogs, ISnackbar snackbar, AuthenticationStateProvider auth)
{
    private static readonly DialogOptions FormOptions = new() { MaxWidth = MaxWidth.Small, FullWidth = true };

    public async Task<bool> AddAsync(string tableId)
    {
        var parameters = new DialogParameters<FieldDialog> { { d => d.TableId, tableId } };
        var dialog = await dialogs.ShowAsync<FieldDialog>("Add field", parameters, FormOptions);
        if (await dialog.Result is { Canceled: false, Data: FieldEntity field })
        {
            snackbar.Add($"Field '{field.Name}' added.", Severity.Success);
            return true;
        }
        return false;
    }

    public async Task<bool> EditAsync(FieldEntity field)
    {
        var parameters = new DialogParameters<FieldDialog> { { d => d.TableId, field.TableId }, { d => d.Field, field } };
        var dialog = await dialogs.ShowAsync<FieldDialog>($"Edit field '{field.Name}'", parameters, FormOptions);
        if (await dialog.Result is { Canceled: false })
        {
            snackbar.Add("Field saved.", Severity.Success);
            return true;
        }
        return false;
    }

    public Task<bool> SetHiddenAsync(FieldEntity field, bool hidden) => TryAsync(async user =>
    {
        await tables.UpdateFieldAsync(field.TableId, field.Id, new FieldChanges(Hidden: hidden), user);
        snackbar.Add(hidden ? $"'{field.Name}' is hidden from the grid; show it again from Fields." : $"'{field.Name}' is shown in the grid.", Severity.Info);
    });

    public Task<bool> ReorderAsync(string tableId, IReadOnlyList<string> fieldIds) =>
        TryAsync(user => tables.ReorderFieldsAsync(tableId, fieldIds, user));

    public async Task<bool> DeleteAsync(FieldEntity field)
    {
        var parameters = new DialogParameters<DeleteFieldDialog> { { d => d.Usages, await usages.FindAsync(field.TableId, field.Id) } };
        var dialog = await dialogs.ShowAsync<DeleteFieldDialog>($"Delete field '{field.Name}'?", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        if (await dialog.Result is not { Canceled: false })
        {
            return false;
        }
        return await TryAsync(async user =>
        {
            await tables.DeleteFieldAsync(field.TableId, field.Id, user);
            snackbar.Add($"Field '{field.Name}' deleted.", Severity.Success);
        });
    }

    private async Task<bool> TryAsync(Func<string?, Task> action)
    {
        try
        {
            var state = await auth.GetAuthenticationStateAsync();
            await action(state.User.UserId());
            return true;
        }
        catch (Exception ex) when (ex is BadRequestException or NotFoundException)
        {
            snackbar.Add(ex.Message, Severity.Error);
            return false;
        }
    }
}
