using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Undb.E2E.Support;

/// <summary>
/// A webhook receiver for browser tests: Kestrel on 127.0.0.1 and a free port, answering <see cref="StatusCode"/>
/// (switchable mid-test to make deliveries fail or succeed) and counting what it got.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _bodies = new();
    private readonly ConcurrentQueue<CapturedRequest> _requests = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private WebhookReceiver(WebApplication app) => _app = app;

    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string Url { get; private set; } = "";

    public IReadOnlyList<string> Bodies => _bodies.ToList();

    /// <summary>Every request with its headers (lower-case names) and raw body, for signature checks.</summary>
    public IReadOnlyList<CapturedRequest> Requests => _requests.ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var receiver = new WebhookReceiver(app);
        app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            receiver._requests.Enqueue(new CapturedRequest(headers, body));
            receiver._bodies.Enqueue(body);
            receiver._arrived.Release();
            var status = receiver.StatusCode;
            ctx.Response.StatusCode = status;
            await ctx.Response.WriteAsync(status < 300 ? "{\"received\":true}" : "receiver is down");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        receiver.Url = address + "/hook";
        return receiver;
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> requests arrived (signalled per request, no polling) and returns
    /// the bodies in arrival order. The timeout is a hang guard, not a speed bound.
    /// </summary>
    public async Task<IReadOnlyList<string>> WaitForCountAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (_bodies.Count < count)
        {
            await _arrived.WaitAsync(cts.Token);
        }
        return Bodies;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record CapturedRequest(IReadOnlyDictionary<string, string> Headers, string Body);
