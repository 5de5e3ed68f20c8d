// The records grid's keyboard, in the browser: a cell cursor that arrow keys move without a server round trip, and
// inline editors whose text stays in the browser until it is committed (Enter, Tab, leaving the cell). Only the
// decisions go to .NET (begin, commit with the final text, cancel), so no keystroke is lost however fast the typing
// or slow the link, and focus always lands back on a grid cell instead of <body>.
//
// Markup contract (RecordsGrid, GridCell, CellEditor):
//   host    [data-grid-host]                             wraps the grid; undbGrid.init(host, gridRef)
//   cell    [data-cell][data-record][data-field-id]       one per value; data-kind="checkbox" toggles in place
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
        el.focus({ preventScroll: false });
    }

    /** One tab stop for the whole grid (roving tabindex): the cursor cell, or the first cell. */
    function keepOneTabStop(host, state) {
        const cells = cellsIn(host).filter(c => !c.classList.contains("cell-editor"));
        const target = findCell(host, state.cursor) ?? cells[0];
        for (const c of cells) {
            const wanted = c === target ? "0" : "-1";
            if (c.getAttribute("tabindex") !== wanted) {
                c.setAttribute("tabindex", wanted);
            }
        }
    }

    /** Focus is "lost" when it fell to <body> (its element was re-rendered away) while the user was in the grid. */
    function focusWasLost(state) {
        const active = document.activeElement;
        return state.inGrid && (!active || active === document.body || !active.isConnected);
    }

    function afterDomChange(host, state) {
        for (const editor of host.querySelectorAll(".cell-editor")) {
            if (!editors.has(editor)) {
                adopt(host, state, editor);
            }
        }
        keepOneTabStop(host, state);
        if (focusWasLost(state)) {
            const editor = host.querySelector(".cell-editor");
            const input = editor && textInput(editor);
            if (input) {
                input.focus();
            } else {
                focusCell(host, state, findCell(host, state.cursor));
            }
        }
    }

    /**
     * An editor has just appeared (this runs in the same task as Blazor's DOM update, before any further key event):
     * it takes the text typed on the cell while the server was opening it, and the focus.
     */
    function adopt(host, state, editor) {
        const ed = { ref: null, queued: null, busy: false, closed: false, kind: editor.dataset.kind };
        editors.set(editor, ed);
        const pending = state.pending;
        state.pending = null;
        state.cursor = keyOf(editor);
        const input = textInput(editor);
        if (!input) {
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
        if (ed.queued) {
            const move = ed.queued;
            ed.queued = null;
            commit(host, state, editor, move);
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
        const target = move === "next" ? beside(editor, 1) : move === "previous" ? beside(editor, -1) : null;
        const next = target ? keyOf(target) : keyOf(editor);
        ed.busy = true;
        try {
            ed.closed = await ed.ref.invokeMethodAsync("Commit", input ? input.value : null, move);
        } catch {
            // The circuit is gone; Blazor shows its reconnect UI.
            return;
        } finally {
            ed.busy = false;
        }
        if (ed.closed) {
            state.cursor = next;
            state.inGrid = true;
            if (!editor.isConnected || focusWasLost(state)) {
                focusCell(host, state, findCell(host, next));
            }
        } else if (input && editor.isConnected) {
            // Rejected: the editor stays open with the error and the typed text; the user fixes it there (an edit
            // begun meanwhile on another cell was dropped by the grid).
            state.pending = null;
            input.focus();
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
        const kind = editors.get(editor)?.kind ?? editor.dataset.kind;
        if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            cancel(host, state, editor);
        } else if (e.key === "Tab") {
            e.preventDefault();
            e.stopPropagation();
            commit(host, state, editor, e.shiftKey ? "previous" : "next");
        } else if (e.key === "Enter" && kind === "text" && !(e.shiftKey && e.target.tagName === "TEXTAREA")) {
            e.preventDefault();
            e.stopPropagation();
            commit(host, state, editor, "none");
        }
    }

    function beginEdit(state, cell, replace, typed) {
        const key = keyOf(cell);
        state.pending = { ...key, replace, typed, commit: null };
        state.ref.invokeMethodAsync("BeginEditAt", key.record, key.field).then(ok => {
            if (!ok && sameCell(state.pending, key)) {
                state.pending = null;
            }
        }, () => { });
    }

    function onCellKey(host, state, cell, e) {
        const pending = sameCell(state.pending, keyOf(cell)) ? state.pending : null;
        if (pending) {
            // The editor is on its way: keep every key for it.
            if (isTyping(e)) {
                pending.typed += e.key;
            } else if (e.key === "Backspace") {
                pending.typed = pending.typed.slice(0, -1);
            } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "a") {
                pending.replace = true;
                pending.typed = "";
            } else if (e.key === "Enter" || e.key === "Tab") {
                pending.commit = e.key === "Enter" ? "none" : e.shiftKey ? "previous" : "next";
            } else if (e.key === "Escape") {
                state.pending = null;
                state.ref.invokeMethodAsync("CancelEdit").catch(() => { });
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
                if (!checkbox) {
                    e.preventDefault();
                    beginEdit(state, cell, false, "");
                }
                // A checkbox toggles on Enter and Space in GridCell.
                return;
            case " ":
                if (checkbox) {
                    // Toggled by GridCell; keep the page from scrolling.
                    e.preventDefault();
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
            const button = target?.closest("[data-editor-action]");
            const editor = button?.closest(".cell-editor");
            if (editor) {
                e.preventDefault();
                button.dataset.editorAction === "cancel" ? cancel(host, state, editor) : commit(host, state, editor, "none");
                return;
            }
            // A click edits the cell (a link inside it opens the link; a checkbox toggles in GridCell). By record and
            // field id, so a click that lands while Blazor swaps the rows still reaches the right cell.
            const cell = target?.closest("[data-cell]");
            if (cell && host.contains(cell) && !cell.classList.contains("cell-editor") && cell.dataset.kind !== "checkbox" && !target.closest("a")) {
                beginEdit(state, cell, false, "");
            }
        });
        on(host, "focusin", e => {
            state.inGrid = true;
            const cell = e.target instanceof Element ? e.target.closest("[data-cell]") : null;
            if (cell && host.contains(cell)) {
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
            }
        }, true);
        const observer = new MutationObserver(() => afterDomChange(host, state));
        observer.observe(host, { childList: true, subtree: true });
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

    return { init, dispose, attachEditor };
})();
