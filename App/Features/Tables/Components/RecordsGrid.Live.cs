using System.Text.Json.Nodes;
using Undb.Realtime;

namespace Undb.Features.Tables.Components;

/// <summary>The grid's live updates: changes made anywhere show at once, without dropping a cell being edited.</summary>
public partial class RecordsGrid
{
    private Task OnChangeAsync(TableChange change)
    {
        if (change.Kind != TableChangeKind.RecordsChanged)
        {
            return Task.CompletedTask;
        }
        return InvokeAsync(async () =>
        {
            try
            {
                await OnRecordsChangedAsync(change.RecordIds);
            }
            catch (Exception ex)
            {
                await DispatchExceptionAsync(ex);
            }
        });
    }

    /// <summary>
    /// A change made anywhere shows at once. While a cell is being edited the page is not reloaded (that would drop the
    /// editor); the changed rows on screen are merged in place instead, and the full reload waits until the edit ends.
    /// </summary>
    private async Task OnRecordsChangedAsync(IReadOnlyList<string> ids)
    {
        if (_editing is null)
        {
            await ReloadAsync();
            return;
        }
        _reloadPending = true;
        var onScreen = _page.Where(r => ids.Contains(r.Id)).Take(MaxMergedRows).ToList();
        foreach (var row in onScreen)
        {
            if (await Query.GetAsync(Table.Id, row.Id) is { } fresh)
            {
                MergeValues(row, fresh.Values, keep: _editing is { } e && e.RecordId == row.Id ? e.FieldId : null);
            }
        }
        StateHasChanged();
    }

    private static void MergeValues(RecordSnapshot target, JsonObject fresh, string? keep)
    {
        foreach (var key in target.Values.Select(p => p.Key).Concat(fresh.Select(p => p.Key)).Distinct().Where(k => k != keep).ToList())
        {
            if (fresh[key] is { } value)
            {
                target.Values[key] = value.DeepClone();
            }
            else
            {
                target.Values.Remove(key);
            }
        }
    }
}
