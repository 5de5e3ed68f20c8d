using Microsoft.JSInterop;

namespace Undb.Infrastructure;

/// <summary>
/// Where the keyboard goes once a component has rendered what a handler changed (a row added or removed, a list
/// re-read): the handler calls <see cref="Set"/>, the component's <c>OnAfterRenderAsync</c> calls
/// <see cref="ApplyAsync"/>. Focusing in the handler itself would look for an element the render has not made yet.
/// </summary>
public sealed class FocusAfterRender
{
    private (string Selector, bool OnlyIfNowhere)? _next;

    /// <summary>After the next render, the keyboard goes to what <paramref name="selector"/> finds once it is shown.</summary>
    /// <param name="onlyIfNowhere">
    /// Only if nothing has the keyboard then (a dialog the handler opened has closed and taken it with it), so the
    /// user's own move is never undone.
    /// </param>
    public void Set(string selector, bool onlyIfNowhere = false) => _next = (selector, onlyIfNowhere);

    /// <summary>Moves the keyboard as <see cref="Set"/> asked, once; nothing when nothing was asked.</summary>
    public Task ApplyAsync(IJSRuntime js)
    {
        if (_next is not { } next)
        {
            return Task.CompletedTask;
        }
        _next = null;
        return next.OnlyIfNowhere ? js.FocusIfNowhereAsync(next.Selector) : js.FocusWhenShownAsync(next.Selector);
    }
}
