using Microsoft.Playwright;

namespace Undb.E2E.Support;

/// <summary>
/// Set UNDB_E2E_DIAG to a folder to keep what a flaky run needs explaining: every app server's log (written when the
/// server stops) and, in browser.log, each page's console messages, uncaught errors, navigations and WebSocket closes
/// (a Blazor circuit that dropped loses the clicks sent meanwhile), each line with its time.
/// </summary>
public static class Diagnostics
{
    private static readonly Lock Gate = new();

    public static string? Folder { get; } = Environment.GetEnvironmentVariable("UNDB_E2E_DIAG") is { Length: > 0 } folder
        ? Directory.CreateDirectory(folder).FullName
        : null;

    public static void Watch(IBrowserContext context)
    {
        if (Folder is null)
        {
            return;
        }
        context.Page += (_, page) =>
        {
            page.Console += (_, message) => Write(page, $"console.{message.Type}: {message.Text}");
            page.PageError += (_, error) => Write(page, $"page error: {error}");
            page.FrameNavigated += (_, frame) =>
            {
                if (frame == page.MainFrame)
                {
                    Write(page, $"navigated to {frame.Url}");
                }
            };
            page.WebSocket += (_, socket) =>
            {
                Write(page, $"websocket opened {socket.Url}");
                socket.Close += (_, _) => Write(page, $"websocket closed {socket.Url}");
                socket.SocketError += (_, error) => Write(page, $"websocket error {error}");
            };
        };
    }

    private static void Write(IPage page, string line)
    {
        lock (Gate)
        {
            File.AppendAllText(Path.Combine(Folder!, "browser.log"), $"{DateTime.UtcNow:HH:mm:ss.fff} page {page.GetHashCode():x8} {line}{Environment.NewLine}");
        }
    }
}
