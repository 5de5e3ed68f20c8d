using Microsoft.JSInterop;

namespace Undb.Infrastructure;

public static class FocusExtensions
{
    /// <summary>
    /// Focuses the first field inside the element <paramref name="containerId"/>, unless the user is already in a field
    /// (app.js, <c>undb.focusFirstField</c>): for a dialog's first render, instead of MudBlazor's AutoFocus, which can
    /// arrive late and take the focus from the field being typed in. A closed circuit has nothing to focus.
    /// </summary>
    /// <param name="selectText">Select the field's text too, so typing replaces it (a rename).</param>
    public static async Task FocusFirstFieldAsync(this IJSRuntime js, string containerId, bool selectText = false)
    {
        try
        {
            await js.InvokeVoidAsync("undb.focusFirstField", containerId, selectText);
        }
        catch (JSDisconnectedException)
        {
        }
    }
}
