using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>A request the receiver got.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : "";
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 and a free port, started inside the test, that records every request and
/// answers with <see cref="Respond"/> (200 by default). Tests await what they expect with <see cref="WaitForAsync"/>.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LoopbackReceiver(WebApplication app) => _app = app;

    /// <summary>Decides the answer; may await (a slow endpoint) and may set status and headers.</summary>
    public Func<ReceivedRequest, HttpContext, Task> Respond { get; set; } = (_, ctx) =>
    {
        ctx.Response.StatusCode = 200;
        return Task.CompletedTask;
    };

    public string BaseUrl { get; private set; } = "";

    public string Url => BaseUrl + "/hook";

    public int Port => new Uri(BaseUrl).Port;

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToList();

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var receiver = new LoopbackReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return receiver;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new ReceivedRequest(ctx.Request.Method, ctx.Request.Path, headers, body);
        _requests.Enqueue(request);
        Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await Respond(request, ctx);
    }

    /// <summary>Waits until the requests so far satisfy <paramref name="done"/>; fails after <paramref name="timeout"/> (a hang guard, not a performance bound).</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(Func<IReadOnlyList<ReceivedRequest>, bool> done, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var changed = _changed.Task;
            var snapshot = Requests;
            if (done(snapshot))
            {
                return snapshot;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The receiver got {snapshot.Count} requests, not what the test waited for:\n" +
                    string.Join("\n", snapshot.Select(r => $"{r.Method} {r.Header("X-Undb-Event")} {r.Body[..Math.Min(200, r.Body.Length)]}")));
            }
        }
    }

    public Task<IReadOnlyList<ReceivedRequest>> WaitForCountAsync(int count, TimeSpan? timeout = null) => WaitForAsync(r => r.Count >= count, timeout);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
