using MudBlazor;

namespace Undb.Features.Webhooks.Outbound.Components;

/// <summary>
/// What the UI says about held deliveries and asks on resume, in one place so the panel, the card and the history
/// page say the same (true) thing.
/// </summary>
public static class HeldText
{
    public static string Changes(int count) => $"{count:N0} held change{(count == 1 ? "" : "s")}";

    public static string Paused(string name, int cap) =>
        $"\"{name}\" is paused: changes are held, not sent, until you resume it (up to {cap:N0}; then the oldest are dropped).";

    public static string Resumed(string name, HeldAction action, int count) => (action, count) switch
    {
        (_, 0) => $"\"{name}\" is on again.",
        (HeldAction.Send, _) => $"\"{name}\" is on again: sending {Changes(count)}, oldest first.",
        _ => $"\"{name}\" is on again; {Changes(count)} discarded (cancelled in its history).",
    };

    /// <summary>
    /// Asks what to do with what the webhook held, if anything: send (true), discard (false) or do not resume (null).
    /// With nothing held there is nothing to ask, and resuming just sends from now on.
    /// </summary>
    public static async Task<HeldAction?> AskOnResumeAsync(IDialogService dialogs, WebhookDto webhook, int cap)
    {
        if (webhook.Stats.Held == 0)
        {
            return HeldAction.Send;
        }
        var dropped = webhook.Stats.HeldCancelled > 0
            ? $" ({webhook.Stats.HeldCancelled:N0} older ones were already cancelled: at most {cap:N0} are held.)"
            : "";
        var answer = await dialogs.ShowMessageBoxAsync(
            $"Resume \"{webhook.Name}\"?",
            $"It holds {Changes(webhook.Stats.Held)} made while it was off{dropped}. Send them now, oldest first, or discard them? " +
            "Discarded ones are never sent; they stay in the history as cancelled, and can still be replayed from there.",
            yesText: $"Send {webhook.Stats.Held:N0} held", noText: "Discard held", cancelText: "Cancel",
            new DialogOptions { CloseOnEscapeKey = true, MaxWidth = MaxWidth.Small });
        return answer switch
        {
            true => HeldAction.Send,
            false => HeldAction.Discard,
            null => null,
        };
    }
}
