// The records grid's keyboard, in the browser: a cell cursor that arrow keys move without a server round trip, and
// inline editors whose text stays in the browser until it is committed (Enter, Tab, leaving the cell). Only the
// decisions go to .NET (begin, commit with the final text, cancel), so no keystroke is lost however fast the typing
// or slow the link, and focus always lands back on a grid cell instead of <body>.
//
// Markup contract (RecordsGrid, GridCell, CellEditor):
//   host    [data-grid-host]                             wraps the grid; undbGrid.init(host, gridRef)
//   cell    [data-cell][data-record][data-field-id]       one per value; data-kind="checkbox" toggles in place (ToggleAt)
//   open    [data-open-record=recordId]                  a row's open button (OpenRecordAt)
//   editor  .cell-editor[data-cell][data-record][data-field-id][data-kind=text|select|multi]
//           undbGrid.attachEditor(editor, editorRef) once rendered; [data-editor-action=save|cancel] buttons
window.undbGrid = (function () {
    const grids = new WeakMap();
    const editors = new WeakMap();

    const sameCell = (a, b) => !!a && !!b && a.record === b.record && a.field === b.field;
    const keyOf = el => ({ record: el.dataset.record, field: el.dataset.fieldId });
    const cellsIn = root => Array.from(root.querySelectorAll("[data-cell]"));

    /** The cell (not an editor) of a record and field, if it is on screen. */
    function findCell(host, key) {
        return key ? cellsIn(host).find(el => !el.classList.contains("cell-editor") && sameCell(keyOf(el), key)) ?? null : null;
    }

    function isTyping(e) {
        // AltGr (Ctrl+Alt on Windows) types characters such as @ on many keyboards.
        return e.key.length === 1 && !e.metaKey && (!e.ctrlKey || e.getModifierState("AltGraph"));
    }

    function textInput(editor) {
        return editor.querySelector("input.cell-native-input, textarea.cell-native-input");
    }

    /** Where the keys of an editor go: its text input, or the select's own input (MudSelect handles its keys). */
    function editorFocusTarget(editor) {
        return textInput(editor)
            ?? editor.querySelector(".mud-select input:not([type=hidden]):not([disabled])")
            ?? editor.querySelector(".mud-select [tabindex]:not([tabindex='-1'])");
    }

    /** An editor that was committed or cancelled and waits for the server to take it away. */
    function isClosing(editor) {
        const ed = editors.get(editor);
        return !!ed && (ed.closed || ed.busy);
    }

    /** The editor shown for a record and field (open or on its way out), if any. */
    function editorAt(host, key) {
        return key ? Array.from(host.querySelectorAll(".cell-editor")).find(e => sameCell(keyOf(e), key)) ?? null : null;
    }

    /** The editor still open for the user (not one on its way out), if any. */
    function openEditor(host) {
        return Array.from(host.querySelectorAll(".cell-editor")).find(e => !isClosing(e)) ?? null;
    }

    /** The cell beside this one in its row (Tab, Shift+Tab, arrows); null at the edge. */
    function beside(el, step) {
        const row = el.closest("tr");
        if (!row) {
            return null;
        }
        const cells = cellsIn(row);
        return cells[cells.indexOf(el) + step] ?? null;
    }

    /** The same field in the row above or below; null at the edge. */
    function above(el, step) {
        let row = el.closest("tr");
        const key = keyOf(el);
        while (row) {
            row = step < 0 ? row.previousElementSibling : row.nextElementSibling;
            const match = row && cellsIn(row).find(c => c.dataset.fieldId === key.field);
            if (match) {
                return match;
            }
        }
        return null;
    }

    function focusCell(host, state, el) {
        if (!el) {
            return;
        }
        state.cursor = keyOf(el);
        if (el.classList.contains("cell-editor")) {
            // The cell is still shown as its editor (closing, or open): the cursor stands on it there.
            editorFocusTarget(el)?.focus();
            return;
        }
        el.focus({ preventScroll: false });
    }

    /** One tab stop for the whole grid (roving tabindex): the cursor cell, or the first cell. */
    function keepOneTabStop(host, state) {
        const cells = cellsIn(host).filter(c => !c.classList.contains("cell-editor"));
        const target = findCell(host, state.cursor) ?? cells[0]; // cells[0]: firstCell(host), without a second pass
        for (const c of cells) {
            const wanted = c === target ? "0" : "-1";
            if (c.getAttribute("tabindex") !== wanted) {
                c.setAttribute("tabindex", wanted);
            }
        }
    }

    /** Focus is "lost" when the keyboard went nowhere (app.js keyboardIsNowhere, loaded first) while the user was in the grid. */
    const focusWasLost = state => state.inGrid && keyboardIsNowhere();

    /** A sorted column's header says so to screen readers (aria-sort on its <th>, from FieldHeader's data-sort). */
    function markSortedColumns(host) {
        for (const header of host.querySelectorAll(".field-header")) {
            const th = header.closest("th");
            const sort = header.dataset.sort;
            if (th && th.getAttribute("aria-sort") !== (sort ?? null)) {
                sort ? th.setAttribute("aria-sort", sort) : th.removeAttribute("aria-sort");
            }
        }
    }

    function afterDomChange(host, state) {
        markSortedColumns(host);
        for (const editor of host.querySelectorAll(".cell-editor")) {
            if (!editors.has(editor)) {
                adopt(host, state, editor);
            }
        }
        keepOneTabStop(host, state);
        // An edit asked for on a cell whose previous editor was still closing: ask now that the cell is back.
        const pending = state.pending;
        if (pending?.waiting && findCell(host, pending)) {
            pending.waiting = false;
            requestEdit(state, pending);
        }
        if (focusWasLost(state)) {
            // Back to where the browser's cursor is now, never to where the server last saw it.
            const editor = openEditor(host);
            const target = editor && sameCell(keyOf(editor), state.cursor) ? editorFocusTarget(editor) : null;
            if (target) {
                target.focus();
            } else {
                // The cursor's row is gone (deleted here or by someone else): the first cell, the grid's tab stop.
                focusCell(host, state, findCell(host, state.cursor) ?? editorAt(host, state.cursor) ?? firstCell(host));
            }
        }
    }

    const firstCell = host => cellsIn(host).find(c => !c.classList.contains("cell-editor"));

    /**
     * After an action begun outside the grid that took away what had the keyboard (a bulk delete, whose button goes
     * with the selection; a field deleted from its column's menu): the keyboard goes back to the grid, at its cursor or
     * its first cell, or to `fallback` when the grid has no rows. Nothing moves if the keyboard is somewhere already.
     */
    function takeFocus(host, fallback) {
        const state = grids.get(host);
        if (!state || !keyboardIsNowhere()) {
            return;
        }
        const cell = findCell(host, state.cursor) ?? firstCell(host);
        if (cell) {
            // In the grid again: if this cell is re-rendered away next, the grid puts the keyboard on its successor.
            state.inGrid = true;
            focusCell(host, state, cell);
        } else if (fallback) {
            document.querySelector(fallback)?.focus();
        }
    }

    /** Puts the keyboard on a cell (<c>{ record, field }</c>), if it is shown: the grid's undo from a notice's button. */
    function focusAt(host, key) {
        const state = grids.get(host);
        const cell = state ? findCell(host, key) : null;
        if (cell) {
            state.inGrid = true;
            focusCell(host, state, cell);
        }
    }

    /**
     * An editor has just appeared (this runs in the same task as Blazor's DOM update, before any further key event):
     * it takes the text typed on the cell while the server was opening it, and the focus.
     */
    function adopt(host, state, editor) {
        const ed = { ref: null, queued: null, after: null, busy: false, closed: false, kind: editor.dataset.kind };
        editors.set(editor, ed);
        const pending = state.pending;
        state.pending = null;
        if (sameCell(pending, keyOf(editor))) {
            ed.after = pending.after ?? null; // keys typed after this edit's Enter or Tab, for the next cell
        }
        state.cursor = keyOf(editor);
        const input = textInput(editor);
        if (!input) {
            // A select: its keys go to MudSelect's input from now on, not to <body> until the server focuses it.
            if (sameCell(pending, keyOf(editor))) {
                ed.queued = pending.commit;
                // The letter typed on the cell picks the first choice it starts, once the list is open (typeAhead).
                ed.typed = pending.replace ? pending.typed : "";
            }
            editorFocusTarget(editor)?.focus();
            return;
        }
        if (sameCell(pending, keyOf(editor))) {
            input.value = pending.replace ? pending.typed : input.value + pending.typed;
            ed.queued = pending.commit;
        }
        input.focus();
        const end = input.value.length;
        try {
            input.setSelectionRange(end, end);
        } catch {
            // Inputs of type email and url have no selection API.
        }
        editor.addEventListener("focusout", e => {
            // Leaving the editor commits (as a spreadsheet does), unless focus moved to its own buttons or to another
            // window (the user comes back to the same editor).
            if (ed.kind === "text" && !editor.contains(e.relatedTarget) && document.hasFocus()) {
                commit(host, state, editor, "none");
            }
        });
    }

    /** Called by CellEditor once rendered: from now on its decisions can reach .NET. */
    function attachEditor(editor, ref) {
        const host = editor.closest("[data-grid-host]");
        const state = host && grids.get(host);
        if (!state) {
            return;
        }
        if (!editors.has(editor)) {
            adopt(host, state, editor);
        }
        const ed = editors.get(editor);
        ed.ref = ref;
        if (ed.queued && !ed.typed) { // with a letter typed, once typeAhead has given it to the list
            const move = ed.queued;
            ed.queued = null;
            commit(host, state, editor, move);
        }
    }

    /**
     * Called by CellEditor once a select's list is open: the letter typed on the cell goes to MudSelect as the key it
     * was, which picks the first choice starting with it (as typing in the open list does).
     */
    function typeAhead(editor) {
        const ed = editors.get(editor);
        const letter = ed?.typed?.[0];
        if (!letter || ed.closed) {
            return;
        }
        // Still marked typed while it goes, so the editor's key handler lets it through to MudSelect.
        editorFocusTarget(editor)?.dispatchEvent(new KeyboardEvent("keydown", { key: letter, bubbles: true, cancelable: true }));
        ed.typed = "";
        if (ed.queued) {
            // Enter or Tab pressed right after the letter, before the editor opened: saves the choice the letter picked.
            const host = editor.closest("[data-grid-host]");
            const move = ed.queued;
            ed.queued = null;
            commit(host, grids.get(host), editor, move);
        }
    }

    async function commit(host, state, editor, move) {
        const ed = editors.get(editor);
        if (!ed || ed.closed || ed.busy) {
            return;
        }
        if (!ed.ref) {
            // Enter pressed before .NET finished opening the editor: done once it has.
            ed.queued = move;
            return;
        }
        const input = textInput(editor);
        const target = move === "next" ? beside(editor, 1) : move === "previous" ? beside(editor, -1) : move === "down" ? above(editor, 1) : null;
        // The cursor moves now, when the key was pressed; the server's answer only confirms or rejects the value.
        state.cursor = target ? keyOf(target) : keyOf(editor);
        state.inGrid = true;
        ed.busy = true;
        try {
            const committing = ed.ref.invokeMethodAsync("Commit", input ? input.value : null, move);
            // Keys typed after this edit's Enter or Tab, before its editor had even opened: now, after the commit is on
            // its way (the server takes them in that order), they go to the cursor's cell as if typed there.
            replay(host, state, ed);
            ed.closed = await committing;
        } catch {
            // The circuit is gone; Blazor shows its reconnect UI.
            return;
        } finally {
            ed.busy = false;
        }
        if (ed.closed) {
            if (focusWasLost(state)) {
                focusCell(host, state, findCell(host, state.cursor));
            }
        } else if (editor.isConnected) {
            // Rejected: the editor stays open with the error and the typed text; the user fixes it there (an edit
            // begun meanwhile on another cell was dropped by the grid).
            state.pending = null;
            state.cursor = keyOf(editor);
            editorFocusTarget(editor)?.focus();
        }
    }

    function replay(host, state, ed) {
        const keys = ed.after;
        ed.after = null;
        for (const key of keys ?? []) {
            // No editor opens meanwhile (that takes the server), so each key goes to the cursor's cell.
            const cell = findCell(host, state.cursor);
            if (!cell) {
                return;
            }
            forward(cell, key);
        }
    }

    async function cancel(host, state, editor) {
        const ed = editors.get(editor);
        if (!ed || ed.closed) {
            return;
        }
        ed.closed = true;
        state.cursor = keyOf(editor);
        state.inGrid = true;
        try {
            await (ed.ref ?? state.ref).invokeMethodAsync(ed.ref ? "Cancel" : "CancelEdit");
        } catch {
            // The circuit is gone.
        }
    }

    function onEditorKey(host, state, editor, e) {
        if (isClosing(editor)) {
            // Committed or cancelled, waiting for the server to take it away: the keys belong to the cursor, which
            // has already moved on (Tab) or stands on this cell (Enter, Escape).
            const cell = findCell(host, state.cursor);
            if (cell) {
                e.preventDefault();
                e.stopPropagation();
                forward(cell, e);
            } else if (sameCell(state.cursor, keyOf(editor))) {
                onCellKey(host, state, editor, e);
                if (!e.defaultPrevented && !isModifier(e)) {
                    // Nothing more reaches an editor on its way out.
                    e.preventDefault();
                }
                e.stopPropagation();
            }
            return;
        }
        const kind = editors.get(editor)?.kind ?? editor.dataset.kind;
        const ed = editors.get(editor);
        if (ed?.queued && !ed.typed) {
            // Enter or Tab was pressed before .NET finished opening this editor, which commits once it has: the keys
            // after it belong to the next cell, not to this value.
            if (!isModifier(e)) {
                (ed.after ??= []).push(keyCopy(e));
                e.preventDefault();
                e.stopPropagation();
            }
            return;
        }
        if (ed?.typed && (e.key === "Enter" || e.key === "Tab")) {
            // The letter typed on the cell has not reached the list yet: this key saves what it picks, after it.
            e.preventDefault();
            e.stopPropagation();
            ed.queued = e.key === "Enter" ? "none" : e.shiftKey ? "previous" : "next";
            return;
        }
        if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            cancel(host, state, editor);
        } else if (e.key === "Tab") {
            e.preventDefault();
            e.stopPropagation();
            commit(host, state, editor, e.shiftKey ? "previous" : "next");
        } else if (e.key === "Enter" && kind === "select") {
            // MudSelect takes the choice Enter picks (already the value, when reached with arrows or a letter) and
            // closes its list; this closes the editor too when the choice is the one it showed, which leaves nothing to
            // save (MudSelect then reports no change, and the editor would stay open).
            commit(host, state, editor, "none");
        } else if (e.key === "Enter" && kind === "text" && !(e.shiftKey && e.target.tagName === "TEXTAREA")) {
            e.preventDefault();
            e.stopPropagation();
            // As in a spreadsheet: saved, and the cursor goes down a row (it stays on the last one).
            commit(host, state, editor, "down");
        }
    }

    function beginEdit(state, cell, replace, typed) {
        const key = keyOf(cell);
        // On an editor still closing, the new edit is asked for once the cell is back (afterDomChange), so the server
        // opens a fresh editor instead of keeping the closing one.
        const waiting = cell.classList.contains("cell-editor");
        state.pending = { ...key, replace, typed, commit: null, waiting };
        if (!waiting) {
            requestEdit(state, state.pending);
        }
    }

    /**
     * A checkbox toggles in place (a click, Space or Enter). Asked for by record and field id, like an edit, so a key
     * that lands while Blazor swaps the rows still toggles the right cell: an event bound to the element that was
     * swapped out would be lost.
     */
    function toggle(state, cell) {
        const key = keyOf(cell);
        state.ref.invokeMethodAsync("ToggleAt", key.record, key.field).catch(() => { });
    }

    function requestEdit(state, pending) {
        state.ref.invokeMethodAsync("BeginEditAt", pending.record, pending.field).then(ok => {
            if (!ok && state.pending === pending) {
                state.pending = null;
            }
        }, () => { });
    }

    /** Where keys type text, so Ctrl+Z is the text's own undo. */
    function isTextEntry(el) {
        if (!(el instanceof Element)) {
            return false;
        }
        if (el.isContentEditable || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) {
            return true;
        }
        return el instanceof HTMLInputElement && !["checkbox", "radio", "button", "submit", "reset"].includes(el.type);
    }

    function isModifier(e) {
        return e.key === "Shift" || e.key === "Control" || e.key === "Alt" || e.key === "Meta" || e.key === "AltGraph";
    }

    /** A key to give later (forward): what it was, AltGr's characters as plain characters. */
    function keyCopy(e) {
        const altGraph = e.getModifierState("AltGraph");
        return {
            key: e.key, code: e.code, location: e.location, repeat: false, shiftKey: e.shiftKey,
            ctrlKey: e.ctrlKey && !altGraph, altKey: e.altKey && !altGraph, metaKey: e.metaKey, getModifierState: () => false,
        };
    }

    /**
     * A key that landed where the grid's cursor is not (on <body> after a re-render took the focused element away,
     * on an editor on its way out, on a select's list): focus the cursor's element and give it the key, so the grid's
     * handlers and the cell's own (a checkbox's Space, MudSelect's arrows) handle it as if it had landed there.
     */
    function forward(target, e) {
        if (document.activeElement !== target) {
            target.focus();
        }
        const copy = new KeyboardEvent("keydown", {
            key: e.key, code: e.code, location: e.location, repeat: e.repeat, bubbles: true, cancelable: true, composed: true,
            shiftKey: e.shiftKey, ctrlKey: e.ctrlKey, altKey: e.altKey, metaKey: e.metaKey,
        });
        const handled = !target.dispatchEvent(copy);
        if (!handled && (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) && !target.readOnly) {
            // An untrusted key event types nothing by itself.
            if (isTyping(e)) {
                target.setRangeText(e.key, target.selectionStart ?? target.value.length, target.selectionEnd ?? target.value.length, "end");
            } else if (e.key === "Backspace" && target.selectionStart !== null) {
                const start = target.selectionStart === target.selectionEnd ? Math.max(0, target.selectionStart - 1) : target.selectionStart;
                target.setRangeText("", start, target.selectionEnd, "end");
            }
        }
    }

    function onCellKey(host, state, cell, e) {
        const pending = sameCell(state.pending, keyOf(cell)) ? state.pending : null;
        if (pending) {
            if (pending.commit) {
                // Enter or Tab has ended this edit already: what follows belongs to the cell the cursor goes to, and is
                // given to it once it has gone there (commit), so fast typing neither joins two values nor loses a key.
                if (!isModifier(e)) {
                    (pending.after ??= []).push(keyCopy(e));
                    e.preventDefault();
                }
                return;
            }
            // The editor is on its way: keep every key for it.
            if (isTyping(e)) {
                pending.typed += e.key;
            } else if (e.key === "Backspace") {
                pending.typed = pending.typed.slice(0, -1);
            } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "a") {
                pending.replace = true;
                pending.typed = "";
            } else if (e.key === "Enter" || e.key === "Tab") {
                pending.commit = e.key === "Enter" ? "down" : e.shiftKey ? "previous" : "next";
            } else if (e.key === "Escape") {
                const asked = !pending.waiting;
                state.pending = null;
                if (asked) {
                    state.ref.invokeMethodAsync("CancelEdit").catch(() => { });
                }
            } else {
                return;
            }
            e.preventDefault();
            return;
        }
        const checkbox = cell.dataset.kind === "checkbox";
        let target = null;
        switch (e.key) {
            case "ArrowLeft": target = beside(cell, -1); break;
            case "ArrowRight": target = beside(cell, 1); break;
            case "ArrowUp": target = above(cell, -1); break;
            case "ArrowDown": target = above(cell, 1); break;
            case "Home": target = cellsIn(cell.closest("tr"))[0]; break;
            case "End": target = cellsIn(cell.closest("tr")).at(-1); break;
            case "Tab":
                // At the row's edge Tab leaves the grid as usual: the cursor never traps focus.
                target = beside(cell, e.shiftKey ? -1 : 1);
                if (!target) {
                    return;
                }
                break;
            case "Enter":
            case "F2":
                e.preventDefault();
                if (!checkbox) {
                    beginEdit(state, cell, false, "");
                } else if (e.key === "Enter") {
                    toggle(state, cell);
                }
                return;
            case "Delete":
            case "Backspace":
                // Clears the cell, as a spreadsheet does (the record's history keeps the old value).
                if (!e.ctrlKey && !e.metaKey && !e.altKey) {
                    e.preventDefault();
                    state.ref.invokeMethodAsync("ClearAt", keyOf(cell).record, keyOf(cell).field).catch(() => { });
                    return;
                }
                break;
            case " ":
                if (checkbox) {
                    // Toggles, and keeps the page from scrolling.
                    e.preventDefault();
                    toggle(state, cell);
                    return;
                }
                break;
        }
        if (target) {
            e.preventDefault();
            focusCell(host, state, target);
            return;
        }
        if (e.key.startsWith("Arrow") || e.key === "Home" || e.key === "End") {
            // At the grid's edge: stay, without scrolling the page.
            e.preventDefault();
            return;
        }
        if (!checkbox && isTyping(e)) {
            // Typing on a cell replaces its value, starting with this character.
            e.preventDefault();
            beginEdit(state, cell, true, e.key);
        }
    }

    function init(host, ref) {
        dispose(host);
        const state = { ref, pending: null, cursor: null, inGrid: false, listeners: [] };
        grids.set(host, state);
        const on = (target, type, handler, capture) => {
            target.addEventListener(type, handler, capture);
            state.listeners.push(() => target.removeEventListener(type, handler, capture));
        };
        // Undo (Ctrl+Z, ⌘Z) and redo (Ctrl+Shift+Z, Ctrl+Y) of this grid's changes, from anywhere on the page but a
        // text field (whose own undo is the text's), a dialog, a drawer or a menu; the cursor goes to the cell that
        // changed (RecordsGrid.Undo.cs). After a bulk edit the keyboard is on the toolbar, not in the grid.
        on(document, "keydown", e => {
            const key = e.key.toLowerCase();
            if (e.defaultPrevented || !(e.ctrlKey || e.metaKey) || e.altKey || (key !== "z" && key !== "y")
                || isTextEntry(e.target) || (e.target instanceof Element && e.target.closest(".mud-dialog, .mud-drawer, .mud-popover"))) {
                return;
            }
            e.preventDefault();
            state.ref.invokeMethodAsync(key === "y" || e.shiftKey ? "RedoAt" : "UndoAt")
                .then(cell => focusCell(host, state, findCell(host, cell)), () => { });
        });
        // Capture: the editor's keys are decided here, before MudSelect or Blazor's own handlers see them.
        on(host, "keydown", e => {
            const editor = e.target instanceof Element ? e.target.closest(".cell-editor") : null;
            if (editor && host.contains(editor)) {
                onEditorKey(host, state, editor, e);
                return;
            }
            const cell = e.target instanceof Element ? e.target.closest("[data-cell]") : null;
            if (cell && host.contains(cell) && e.target === cell) {
                onCellKey(host, state, cell, e);
            }
        }, true);
        on(host, "click", e => {
            const target = e.target instanceof Element ? e.target : null;
            const open = target?.closest("[data-open-record]");
            if (open && host.contains(open)) {
                e.preventDefault();
                state.ref.invokeMethodAsync("OpenRecordAt", open.dataset.openRecord).catch(() => { });
                return;
            }
            const button = target?.closest("[data-editor-action]");
            const editor = button?.closest(".cell-editor");
            if (editor) {
                e.preventDefault();
                button.dataset.editorAction === "cancel" ? cancel(host, state, editor) : commit(host, state, editor, "none");
                return;
            }
            // A click edits the cell (a link inside it opens the link) or toggles a checkbox. By record and field id, so
            // a click that lands while Blazor swaps the rows still reaches the right cell.
            const cell = target?.closest("[data-cell]");
            if (cell && host.contains(cell) && !cell.classList.contains("cell-editor") && !target.closest("a")) {
                if (cell.dataset.kind === "checkbox") {
                    toggle(state, cell);
                } else {
                    beginEdit(state, cell, false, "");
                }
            }
        });
        on(host, "focusin", e => {
            state.inGrid = true;
            const cell = e.target instanceof Element ? e.target.closest("[data-cell]") : null;
            // An editor on its way out does not take the cursor back (after Tab it has already moved on).
            if (cell && host.contains(cell) && !isClosing(cell)) {
                state.cursor = keyOf(cell);
                keepOneTabStop(host, state);
            }
        });
        // The user went elsewhere (another control, a dialog, the page): focus is theirs to place. A select's list is
        // drawn outside the grid but belongs to its editor.
        const elsewhere = el => el instanceof Element && !host.contains(el) && !(host.querySelector(".cell-editor") && el.closest(".mud-popover"));
        on(host, "focusout", e => {
            if (e.relatedTarget && elsewhere(e.relatedTarget)) {
                state.inGrid = false;
            }
        });
        on(document, "mousedown", e => {
            if (elsewhere(e.target)) {
                state.inGrid = false;
            } else if (e.target instanceof Element && e.target.closest(".mud-popover") && !host.contains(e.target)) {
                // A click in the open editor's list (a select's choices) keeps the focus in the editor, so Escape,
                // Tab and Enter pressed right after it reach the editor and not the list item.
                e.preventDefault();
            }
        }, true);
        // Keys that land outside the grid while the user is in it: on <body> (the focused cell or editor was
        // re-rendered away and its successor is not there yet) or on the open editor's list. They go to the cursor.
        on(document, "keydown", e => {
            if (!state.inGrid || e.defaultPrevented || !e.isTrusted || isModifier(e)) {
                return;
            }
            const t = e.target;
            const lost = !(t instanceof Element) || t === document.body || t === document.documentElement || !t.isConnected;
            const editor = openEditor(host);
            const inList = !lost && !!editor && t.closest(".mud-popover") && !host.contains(t);
            if (!lost && !inList) {
                return;
            }
            const target = editor && sameCell(keyOf(editor), state.cursor) ? editorFocusTarget(editor) : null;
            const owner = target ?? findCell(host, state.cursor)
                ?? (editorAt(host, state.cursor) && editorFocusTarget(editorAt(host, state.cursor)));
            if (!owner) {
                return;
            }
            e.preventDefault();
            e.stopPropagation();
            forward(owner, e);
        }, true);
        const observer = new MutationObserver(() => afterDomChange(host, state));
        observer.observe(host, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-sort"] });
        state.listeners.push(() => observer.disconnect());
        afterDomChange(host, state);
    }

    function dispose(host) {
        const state = host && grids.get(host);
        if (state) {
            state.listeners.forEach(stop => stop());
            grids.delete(host);
        }
    }

    return { init, dispose, attachEditor, typeAhead, takeFocus, focusAt };
})();
