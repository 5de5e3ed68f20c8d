// Small browser helpers called through JS interop.

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
        if (!container || (active && active.matches("input, textarea, select, [contenteditable=true]"))) {
            return;
        }
        const field = container.querySelector("input:not([type=hidden]):not([disabled]):not([readonly]), textarea:not([disabled]), select:not([disabled])");
        field?.focus();
        if (selectText && field && typeof field.select === "function") {
            field.select(); // a rename: what is typed replaces the old name
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
