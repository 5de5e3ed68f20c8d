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
    public static Task FocusFirstFieldAsync(this IJSRuntime js, string containerId, bool selectText = false) =>
        js.InvokeQuietlyAsync("undb.focusFirstField", containerId, selectText);

    /// <summary>
    /// Puts the keyboard on the element <paramref name="selector"/> finds as soon as it is shown (app.js,
    /// <c>undb.focusWhenShown</c>): a row just added, a drawer's close button once it is open.
    /// </summary>
    public static Task FocusWhenShownAsync(this IJSRuntime js, string selector) =>
        js.InvokeQuietlyAsync("undb.focusWhenShown", selector);

    /// <summary>Puts the keyboard on the element <paramref name="selector"/> finds, if nothing has it (app.js, <c>undb.focusIfNowhere</c>).</summary>
    public static Task FocusIfNowhereAsync(this IJSRuntime js, string selector) =>
        js.InvokeQuietlyAsync("undb.focusIfNowhere", selector);

    /// <summary>
    /// Calls a browser function whose failure changes nothing on the server (where the keyboard goes, a hint): a circuit
    /// that closed meanwhile, or a page that could not run it, is not an error worth ending the circuit for.
    /// </summary>
    public static async Task InvokeQuietlyAsync(this IJSRuntime js, string identifier, params object?[] args)
    {
        try
        {
            await js.InvokeVoidAsync(identifier, args);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException)
        {
        }
    }
}
