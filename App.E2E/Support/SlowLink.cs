using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Playwright;

namespace Undb.E2E.Support;

/// <summary>
/// Puts a fixed latency on Blazor's circuit (its WebSocket) in both directions, in order, as a slow link would: every
/// frame is held for the latency before it is passed on. No test-only code in the app: Playwright sits between the
/// page and the server.
/// </summary>
public static partial class SlowLink
{
    /// <summary>Call before the page loads the app.</summary>
    public static Task SlowDownCircuitAsync(this IPage page, TimeSpan latency) =>
        page.RouteWebSocketAsync(BlazorHub(), browser =>
        {
            var server = browser.ConnectToServer();
            var toServer = Relay(latency, server);
            var toBrowser = Relay(latency, browser);
            browser.OnMessage(toServer);
            server.OnMessage(toBrowser);
            browser.OnClose((code, reason) => _ = server.CloseAsync(new() { Code = code, Reason = reason }));
            server.OnClose((code, reason) => _ = browser.CloseAsync(new() { Code = code, Reason = reason }));
        });

    /// <summary>Takes frames; sends each to <paramref name="target"/> <paramref name="latency"/> after it arrived, in arrival order.</summary>
    private static Action<IWebSocketFrame> Relay(TimeSpan latency, IWebSocketRoute target)
    {
        var queue = Channel.CreateUnbounded<(long ArrivedAt, IWebSocketFrame Frame)>(new UnboundedChannelOptions { SingleReader = true });
        _ = Task.Run(async () =>
        {
            await foreach (var (arrivedAt, frame) in queue.Reader.ReadAllAsync())
            {
                var wait = latency - Stopwatch.GetElapsedTime(arrivedAt);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
                try
                {
                    if (frame.Binary is { } bytes)
                    {
                        target.Send(bytes);
                    }
                    else
                    {
                        target.Send(frame.Text ?? "");
                    }
                }
                catch (PlaywrightException)
                {
                    // The page or its socket closed: the test is over.
                    return;
                }
            }
        });
        return frame => queue.Writer.TryWrite((Stopwatch.GetTimestamp(), frame));
    }

    [GeneratedRegex("/_blazor")]
    private static partial Regex BlazorHub();
}
