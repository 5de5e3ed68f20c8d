// Small browser helpers called through JS interop.

/** Nothing has the keyboard: it fell to the page, or its element was removed (a dialog closed, a list re-rendered). */
function keyboardIsNowhere() {
    const active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
}

/**
 * Puts the keyboard on the element `selector` finds as soon as it is shown and enabled, and remembers where it was, so
 * closing a drawer can bring it back there. A wait for the element gives up at the user's next key or pointer press:
 * from then on the keyboard is where they put it, and taking it from them later would send their typing elsewhere.
 * With onlyIfNowhere, only while nothing else has the keyboard: the wait also gives up the moment something has it.
 */
function focusOnceShown(selector, onlyIfNowhere) {
    if (onlyIfNowhere && !keyboardIsNowhere()) {
        return;
    }
    const opener = document.activeElement;
    // true: done (focused, or no longer wanted); false: watch on.
    const focus = () => {
        if (onlyIfNowhere && !keyboardIsNowhere()) {
            return true;
        }
        const target = document.querySelector(selector);
        if (!target) {
            return false;
        }
        const box = target.closest(".mud-drawer");
        if (box) {
            box._undbOpener = opener;
        }
        target.focus();
        // Not yet focusable (still disabled, or hidden): watch on until it is.
        return document.activeElement === target;
    };
    if (focus()) {
        return;
    }
    const stop = () => {
        observer.disconnect();
        clearTimeout(timer);
        document.removeEventListener("keydown", stop, true);
        document.removeEventListener("pointerdown", stop, true);
    };
    const observer = new MutationObserver(() => focus() && stop());
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["class", "disabled", "style"] });
    document.addEventListener("keydown", stop, true);
    document.addEventListener("pointerdown", stop, true);
    const timer = setTimeout(stop, 10000); // never shown (the page was left): stop watching
}

window.undb = {
    /** ChoicesInput: Enter or comma makes a chip, Backspace in the empty input removes the last, a pasted list makes several. */
    choicesInput: function (input, ref) {
        const add = () => {
            const text = input.value;
            input.value = "";
            if (text.trim()) {
                ref.invokeMethodAsync("Add", text).catch(() => { });
            }
        };
        input.addEventListener("keydown", e => {
            if ((e.key === "Enter" && input.value.trim()) || e.key === ",") {
                // Enter in an empty input is left to submit the form.
                e.preventDefault();
                add();
            } else if (e.key === "Backspace" && input.value === "") {
                e.preventDefault();
                ref.invokeMethodAsync("RemoveLast").catch(() => { });
            }
        });
        input.addEventListener("paste", e => {
            const text = e.clipboardData ? e.clipboardData.getData("text") : "";
            if (/[,\n]/.test(text)) {
                e.preventDefault();
                input.value += text;
                add();
            }
        });
        input.addEventListener("blur", add);
    },
    /** The browser's IANA time zone (Europe/Berlin), so the server can show times in it. */
    timeZone: function () {
        try {
            return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
        } catch {
            return null;
        }
    },
    markInteractive: function () {
        document.documentElement.dataset.interactive = "true";
    },
    /**
     * A dialog's first field takes the focus when the dialog opens, unless the user already went to a field of their
     * own: on a slow link this call can arrive after they clicked or tabbed on and started typing, and stealing the
     * focus then sends their keys to the wrong field (MudBlazor's AutoFocus does, a loaded CI run typed "12k" into Deal).
     */
    focusFirstField: function (id, selectText) {
        const container = document.getElementById(id);
        const active = document.activeElement;
        // In a drawer: where the keyboard was when it opened (the grid's open button), for when it closes.
        const drawer = container?.closest(".mud-drawer");
        if (drawer && active && active !== document.body && !drawer.contains(active)) {
            drawer._undbOpener = active;
        }
        if (!container || (active && active.matches("input, textarea, select, [contenteditable=true]"))) {
            return;
        }
        // No field (a read-only record drawer): its first button, so the keyboard is at least inside it.
        const field = container.querySelector("input:not([type=hidden]):not([disabled]):not([readonly]), textarea:not([disabled]), select:not([disabled])")
            ?? container.querySelector("button:not([disabled])");
        field?.focus();
        if (selectText && field && typeof field.select === "function") {
            field.select(); // a rename: what is typed replaces the old name
        }
    },
    /**
     * Puts the keyboard on the element `selector` finds, if nothing has it now (a page's heading once its content is
     * loaded; a list's next button after a dialog closed): as soon as the element is shown and enabled.
     */
    focusIfNowhere: function (selector) {
        focusOnceShown(selector, true);
    },
    /**
     * Puts the keyboard on the element `selector` finds as soon as it is shown (a drawer's close button once the drawer
     * is open and its content loaded), and remembers where it was, so closing the drawer can bring it back there.
     */
    focusWhenShown: function (selector) {
        focusOnceShown(selector, false);
    },
    // UnsavedChangesGuard: remembers whether anything was typed into the guard's dialog, which the browser knows before
    // the server has seen the keystrokes (a text field sends its value when it loses the focus). Typing into an element
    // marked data-unsaved-ignore (a sample payload to try a mapping on) is not a change to keep.
    guardUnsaved: function (guard, ref) {
        guard._undbGuard = { ref, typed: false };
        (guard.closest(".mud-dialog, .mud-drawer") ?? guard.parentElement)?.addEventListener("input", e => {
            if (!(e.target instanceof Element && e.target.closest("[data-unsaved-ignore]"))) {
                guard._undbGuard.typed = true;
            }
        }, true);
    },
    typedInto: function (guard) {
        return !!guard?._undbGuard?.typed;
    },
    guardSaved: function (guard) {
        if (guard?._undbGuard) {
            guard._undbGuard.typed = false;
        }
    },
    // After "Keep editing": the keyboard goes back to the field Escape was pressed in.
    returnFocus: function (guard) {
        const target = guard?._undbGuard?.returnTo;
        if (target?.isConnected) {
            target.focus();
        }
    },
    copyText: async function (text) {
        try {
            await navigator.clipboard.writeText(text);
            return true;
        } catch {
            // Fallback for pages without clipboard permission (plain http on a LAN address).
            const area = document.createElement("textarea");
            area.value = text;
            area.style.position = "fixed";
            area.style.opacity = "0";
            document.body.appendChild(area);
            area.select();
            const ok = document.execCommand("copy");
            document.body.removeChild(area);
            return ok;
        }
    }
};

// A button disabled while its work runs (Save, Send test: Disabled="_busy") loses the keyboard to the page, and a keyboard
// user would start again from the top. When it is enabled again and nothing else has taken the keyboard meanwhile, it
// gets it back.
(() => {
    let lastFocused = null;
    document.addEventListener("focusin", e => { lastFocused = e.target; });
    new MutationObserver(changes => {
        for (const change of changes) {
            const el = change.target;
            if (!(el instanceof HTMLElement)) {
                continue;
            }
            if (el.hasAttribute("disabled")) {
                if (el === document.activeElement || (el === lastFocused && keyboardIsNowhere())) {
                    el._undbRefocus = true;
                }
            } else if (el._undbRefocus) {
                el._undbRefocus = false;
                if (el.isConnected && keyboardIsNowhere()) {
                    el.focus();
                }
            }
        }
    }).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ["disabled"] });
})();

// Enhanced navigation (a link between the sign-in pages, a form posted back) swaps the page in without loading it, so
// the browser never applies its autofocus, and the keyboard stayed on the link or button used (kept by the DOM merge)
// or fell to the page: the field marked autofocus gets it, as on a full load, unless the user is already in a field.
// A form that came back refused marks the field to fix first (data-fix-first): it gets the keyboard even if the user
// was in another field (Enter in the last one), so fixing a too-short password is typing, not finding the field.
window.Blazor?.addEventListener?.("enhancedload", () => {
    const fix = document.querySelector("[data-fix-first]");
    if (fix) {
        fix.focus();
        fix.select?.();
    } else if (!document.activeElement?.matches("input, textarea, select, [contenteditable=true]")) {
        document.querySelector("[autofocus]")?.focus();
    }
});

// Escape in a search box (data-escape-clears) with text in it clears the text, as in most search boxes; an empty one
// lets Escape go on as usual.
document.addEventListener("keydown", e => {
    const box = e.target;
    if (e.key === "Escape" && box instanceof HTMLInputElement && box.hasAttribute("data-escape-clears") && box.value) {
        e.preventDefault();
        e.stopPropagation();
        box.value = "";
        box.dispatchEvent(new Event("input", { bubbles: true }));
    }
}, true);

// A label that opens a file input (data-file-button, focusable): Enter or Space click it, as they would a button.
document.addEventListener("keydown", e => {
    if ((e.key === "Enter" || e.key === " ") && e.target instanceof HTMLLabelElement && e.target.hasAttribute("data-file-button")) {
        e.preventDefault();
        e.target.click();
    }
});

// A date field's calendar (FieldEditor, data-date-field) from the keyboard: Alt+ArrowDown opens it (its button is not in
// the Tab order), and Escape with it open closes it and goes no further. Seen first, at the document, before MudBlazor's
// dialog (which listens on the dialog's element) could close the whole form with everything typed in it.
document.addEventListener("keydown", e => {
    if (!(e.target instanceof Element)) {
        return;
    }
    const field = e.target.closest("[data-date-field]");
    const open = field?.hasAttribute("data-calendar-open");
    if (field && ((e.key === "Escape" && open) || (e.key === "ArrowDown" && e.altKey && !open))) {
        e.stopPropagation();
        e.preventDefault();
        field.querySelector(".mud-input-adornment button")?.click();
    }
}, true);

// Escape in a form dialog or drawer with unsaved input (UnsavedChangesGuard, data-unsaved-guard) asks before it
// closes: seen first, at the document, like the calendar's Escape above (registered before this one, so an Escape
// that closes a calendar is already handled: defaultPrevented). The open list or menu of the field the keyboard is in
// (aria-haspopup, aria-expanded) takes its Escape as usual.
document.addEventListener("keydown", e => {
    if (e.key !== "Escape" || e.defaultPrevented || !(e.target instanceof Element)) {
        return;
    }
    const box = e.target.closest(".mud-dialog, .mud-drawer");
    const guard = box?.querySelector("[data-unsaved-guard]");
    // The list of the control the keyboard is in: another one's flag can be a stale render on a slow link.
    const list = "[aria-haspopup][aria-expanded=true]";
    if (e.target.closest(list) || e.target.closest(".mud-input-control, .mud-menu")?.querySelector(list)) {
        return;
    }
    if (!guard?._undbGuard) {
        // A drawer with nothing to lose (a delivery's detail): Escape closes it like its close button.
        const close = box?.classList.contains("mud-drawer") ? box.querySelector("[data-drawer-close]") : null;
        if (close) {
            e.preventDefault();
            close.click();
        }
        return;
    }
    if (guard.dataset.dirty === "true" || guard._undbGuard.typed) {
        e.stopImmediatePropagation();
        e.preventDefault();
        guard._undbGuard.returnTo = e.target;
        guard._undbGuard.ref.invokeMethodAsync("ConfirmDiscardAsync");
    } else if (box.classList.contains("mud-drawer")) {
        guard._undbGuard.ref.invokeMethodAsync("CloseAsync"); // MudBlazor's drawer has no Escape of its own
    }
}, true);

// Closing a drawer, whichever way (its close button, Escape, the overlay, a discard), puts the keyboard back where it was
// when the drawer opened (undb.focusWhenShown, undb.focusFirstField), instead of at the top of the page; a grid's open
// button re-rendered meanwhile is found again by its record.
new MutationObserver(changes => {
    for (const change of changes) {
        const box = change.target;
        if (!(box instanceof Element) || !box.classList.contains("mud-drawer") || box.classList.contains("mud-drawer--open")
            || !change.oldValue?.includes("mud-drawer--open") || !box._undbOpener) {
            continue;
        }
        const opener = box._undbOpener;
        box._undbOpener = null;
        if (!keyboardIsNowhere() && !box.contains(document.activeElement)) {
            continue; // the user has gone on elsewhere
        }
        const record = opener.dataset?.openRecord;
        const target = opener.isConnected ? opener
            : record ? document.querySelector(`[data-open-record="${CSS.escape(record)}"]`) : null;
        target?.focus();
    }
}).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ["class"], attributeOldValue: true });

// A click on the overlay beside an open drawer with a guard (the record drawer, OverlayAutoClose off) asks the guard to
// close it, which asks first when something is unsaved.
document.addEventListener("click", e => {
    if (!(e.target instanceof Element) || !e.target.closest(".mud-overlay-drawer")) {
        return;
    }
    document.querySelector(".mud-drawer--open [data-unsaved-guard]")?._undbGuard?.ref.invokeMethodAsync("CloseAsync");
});
