// Small browser helpers called through JS interop.

// Inline grid editors handle Tab (save and move on) and Enter (save) on the server; stop the browser from also moving
// focus away or adding a newline to a long-text editor before the save arrives.
document.addEventListener("keydown", function (e) {
    const editor = e.target instanceof Element ? e.target.closest(".cell-editor") : null;
    if (!editor) {
        return;
    }
    if (e.key === "Tab" || (e.key === "Enter" && e.target.tagName === "TEXTAREA" && !e.shiftKey)) {
        e.preventDefault();
    }
}, true);

window.undb = {
    markInteractive: function () {
        document.documentElement.dataset.interactive = "true";
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
