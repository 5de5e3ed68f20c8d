using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Undb.Features.Webhooks.Incoming;

/// <summary><c>POST /hooks/{id}</c>: the HTTP side of ingesting (headers, client address, body limit); <see cref="IngestService"/> decides.</summary>
public static class IngestEndpoint
{
    public const string ApiKeyHeader = "X-Api-Key";
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string WebhookIdHeader = "webhook-id";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static IEndpointRouteBuilder MapIngestEndpoint(this IEndpointRouteBuilder app)
    {
        // The webhook's own key authenticates, not a user: anonymous as far as the app's login is concerned.
        app.MapPost("/hooks/{id}", HandleAsync).AllowAnonymous().DisableAntiforgery().WithTags("Incoming webhooks");
        // Any other method (the URL opened in a browser, a sender set to GET or PUT) is told what to send, instead of
        // falling through to the pages and answering with the login page. A fallback: not an operation to document.
        app.MapFallback("/hooks/{id}", context =>
        {
            context.Response.Headers.Allow = HttpMethods.Post;
            return Results.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method not allowed",
                detail: $"An incoming webhook URL takes POST requests (JSON or a form post), not {context.Request.Method}.").ExecuteAsync(context);
        }).AllowAnonymous().DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> HandleAsync(string id, HttpContext context, IngestService ingest, IOptions<IncomingWebhooksOptions> options)
    {
        var request = context.Request;
        var ingestRequest = new IngestRequest(id, ReadApiKey(request), ReadIdempotencyKey(request), IsJson(request.ContentType), request.ContentLength,
            context.Connection.RemoteIpAddress, name => request.Headers.TryGetValue(name, out var value) && value.Count > 0 ? value.ToString() : null,
            FormBody.IsForm(request.ContentType) ? request.ContentType : null,
            request.Headers.TryGetValue(IncomingTestPasses.Header, out var pass) ? pass.ToString() : null);
        var outcome = await ingest.IngestAsync(ingestRequest, ct => ReadBodyAsync(context, options.Value.MaxBodyBytes, ct), context.RequestAborted);
        if (outcome.IdempotentReplay)
        {
            context.Response.Headers[ReplayedHeader] = "true";
        }
        if (outcome.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
        if (outcome.Status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        return Results.Json(outcome.Body, statusCode: outcome.Status,
            contentType: outcome.Status < 300 ? "application/json" : "application/problem+json");
    }

    public static string? ReadApiKey(HttpRequest request)
    {
        var header = request.Headers[ApiKeyHeader].ToString().Trim();
        return header.Length > 0 ? header : Accounts.ApiTokenAuthenticationHandler.ReadBearer(request);
    }

    /// <summary>The sender's dedupe key; very long keys are hashed so any length fits the stored column.</summary>
    public static string? ReadIdempotencyKey(HttpRequest request)
    {
        var key = request.Headers[IdempotencyKeyHeader].ToString().Trim();
        if (key.Length == 0)
        {
            key = request.Headers[WebhookIdHeader].ToString().Trim();
        }
        if (key.Length == 0)
        {
            return null;
        }
        return key.Length <= IncomingWebhooksOptions.MaxIdempotencyKeyLength
            ? key
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary><c>application/json</c> or any <c>application/…+json</c>, with or without a charset.</summary>
    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType is { } type
        && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Reads at most <paramref name="limit"/> bytes; a bigger body comes back without bytes (413), unread beyond the limit.</summary>
    private static async Task<IngestBody> ReadBodyAsync(HttpContext context, long limit, CancellationToken ct)
    {
        if (context.Request.ContentLength is { } declared && declared > limit)
        {
            return new IngestBody(null, declared);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            // Our limit replaces the server's default (30 MB in Kestrel), in either direction; +1 so we see "over".
            sizeFeature.MaxRequestBodySize = limit + 1;
        }
        // Sized by Content-Length when the sender gave one (up to 64 KB: a declared size is not yet a body); the chunk
        // is rented (a fresh 16 KB per request added up).
        using var buffer = new MemoryStream(context.Request.ContentLength is { } length ? (int)Math.Min(length, 64 * 1024) : 0);
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, ct)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    return new IngestBody(null, total);
                }
                buffer.Write(chunk, 0, read);
            }
            return new IngestBody(buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray(), total);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
