using System.Reflection;
using System.Text;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>What one HTTP attempt produced: the attempt to store and, when the receiver asked, how long to wait.</summary>
public sealed record SendResult(DeliveryAttemptEntity Attempt, TimeSpan? RetryAfter);

/// <summary>Makes one signed HTTP request for a delivery and captures everything about it; never throws for HTTP failures.</summary>
public sealed class DeliverySender(
    IHttpClientFactory httpFactory,
    WebhookSecrets secrets,
    WebhookHeaderValues headerValues,
    WebhookMetrics metrics,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options,
    ILogger<DeliverySender> logger)
{
    public const string ClientName = "Undb.Webhooks";

    public static readonly string UserAgent = "Undb.Blazor-Webhooks/" + (typeof(DeliverySender).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0");

    public async Task<SendResult> SendAsync(WebhookEntity webhook, DeliveryEntity delivery, AttemptTrigger trigger, int number, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds();
        var attempt = new DeliveryAttemptEntity
        {
            Id = Data.Ids.New(WebhookIds.Attempt, now),
            DeliveryId = delivery.Id,
            WebhookId = webhook.Id,
            Number = number,
            Trigger = trigger,
            StartedAt = now,
            RequestMethod = webhook.Method,
            RequestUrl = webhook.Url,
            RequestBody = delivery.Payload,
        };
        string body;
        try
        {
            // A templated webhook sends the rendered body (and signs exactly that); the rest send the payload as stored.
            body = webhook.PayloadTemplate is { } template ? Templates.PayloadTemplates.Render(template, delivery.Payload) : delivery.Payload;
        }
        catch (Templates.PayloadTemplateException ex)
        {
            attempt.Error = ex.Message;
            metrics.Attempted(false, 0, delivery.EventName, null);
            logger.LogWarning("Webhook {WebhookId}: {Error}", webhook.Id, ex.Message);
            return new SendResult(attempt, null);
        }
        attempt.RequestBody = body;
        IReadOnlyList<string> signing;
        IReadOnlyDictionary<string, string> custom;
        try
        {
            signing = secrets.SigningSecrets(webhook, now);
            custom = headerValues.Reveal(webhook.Headers);
        }
        catch (Exception ex) when (ex is SecretUnreadableException or HeaderValuesUnreadableException)
        {
            // Never send unsigned, or without the receiver's credentials: record why instead, so the history says what to do.
            attempt.Error = ex.Message;
            metrics.Attempted(false, 0, delivery.EventName, null);
            logger.LogError("Webhook {WebhookId}: {Error}", webhook.Id, ex.Message);
            return new SendResult(attempt, null);
        }
        using var request = new HttpRequestMessage(new HttpMethod(webhook.Method), webhook.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, webhook.PayloadTemplate is null ? "application/json" : Templates.PayloadContentTypes.MediaType(webhook.ContentType)),
        };
        request.Options.Set(WebhookCircuitHandler.WebhookIdKey, webhook.Id);
        var engine = request.Headers;
        engine.TryAddWithoutValidation("User-Agent", UserAgent);
        engine.TryAddWithoutValidation("webhook-id", delivery.EventId);
        engine.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        engine.TryAddWithoutValidation("webhook-signature", WebhookSigner.SignatureHeader(signing, delivery.EventId, timestamp, body));
        engine.TryAddWithoutValidation("X-Undb-Signature", WebhookSigner.GitHubStyle(signing[0], body));
        engine.TryAddWithoutValidation("X-Undb-Event", delivery.EventName);
        engine.TryAddWithoutValidation("X-Undb-Delivery", delivery.Id);
        if (AddCustomHeaders(request, custom) is { } refused)
        {
            // A value saved before the rules refused it would fail inside HttpClient on every attempt; say which and why instead.
            attempt.RequestHeaders = SentHeaders(request, custom);
            attempt.Error = refused;
            metrics.Attempted(false, 0, delivery.EventName, null);
            logger.LogWarning("Webhook {WebhookId}: {Error}", webhook.Id, refused);
            return new SendResult(attempt, null);
        }

        TimeSpan? retryAfter = null;
        // The attempt's span joins the trace of the write that made the delivery (HttpClient's span nests under it and
        // sends its traceparent to the receiver).
        using var span = Infrastructure.Telemetry.AppTracing.Source.StartActivity("undb.webhooks.deliver", System.Diagnostics.ActivityKind.Internal,
            Infrastructure.Telemetry.AppTracing.Parent(delivery.TraceParent));
        span?.SetTag("undb.webhook.id", webhook.Id);
        span?.SetTag("undb.delivery.id", delivery.Id);
        span?.SetTag("undb.event", delivery.EventName);
        span?.SetTag("undb.attempt", number);
        var started = time.GetTimestamp();
        try
        {
            var client = httpFactory.CreateClient(ClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            attempt.ResponseStatus = (int)response.StatusCode;
            attempt.ResponseHeaders = response.Headers.Concat(response.Content.Headers)
                .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => string.Join(", ", g.SelectMany(h => h.Value)));
            attempt.ResponseBody = await ReadLimitedAsync(response, ct);
            attempt.Succeeded = response.IsSuccessStatusCode;
            if (!attempt.Succeeded)
            {
                attempt.Error = (int)response.StatusCode is >= 300 and < 400
                    ? $"The endpoint answered {(int)response.StatusCode} (a redirect); webhooks do not follow redirects."
                    : $"The endpoint answered {(int)response.StatusCode} {response.ReasonPhrase}.";
                retryAfter = RetryPolicy.ParseRetryAfter(response.Headers.RetryAfter, now);
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            attempt.Error = Describe(ex, options.CurrentValue.AttemptTimeout);
        }
        finally
        {
            // Read back after the send: what the handlers added (trace context) is in, what HttpClient would not take is not.
            attempt.RequestHeaders = SentHeaders(request, custom);
        }
        attempt.DurationMs = time.GetElapsedTime(started).TotalMilliseconds;
        span?.SetTag("http.response.status_code", attempt.ResponseStatus);
        span?.SetStatus(attempt.Succeeded ? System.Diagnostics.ActivityStatusCode.Ok : System.Diagnostics.ActivityStatusCode.Error, attempt.Error);
        metrics.Attempted(attempt.Succeeded, attempt.DurationMs, delivery.EventName, attempt.ResponseStatus);
        // Every attempt is in the delivery history already; the log only speaks up by default when one fails.
        logger.Log(attempt.Succeeded ? LogLevel.Debug : LogLevel.Information,
            "Webhook {WebhookId} {Trigger} attempt {Attempt} of {DeliveryId} ({EventName}): {StatusCode} {Error} in {DurationMs:F0} ms",
            webhook.Id, trigger, number, delivery.Id, delivery.EventName, attempt.ResponseStatus, attempt.Error, attempt.DurationMs);
        return new SendResult(attempt, retryAfter);
    }

    /// <summary>
    /// Adds the webhook's custom headers: to the request, or to its content where HttpClient keeps them
    /// (<c>Content-Language</c>, …). A header that became reserved since it was saved is left out, the engine's own
    /// value standing; one that cannot be sent at all comes back as the attempt's error.
    /// </summary>
    private static string? AddCustomHeaders(HttpRequestMessage request, IReadOnlyDictionary<string, string> headers)
    {
        foreach (var (name, value) in headers)
        {
            if (WebhookRules.IsReserved(name))
            {
                continue;
            }
            if (WebhookRules.HeaderProblem(name, value) is { } problem)
            {
                return $"Not sent: the custom header '{name}' {problem} Edit the webhook's headers.";
            }
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content!.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return null;
    }

    /// <summary>
    /// The request's headers as HttpClient holds them (and sends them), content headers included (Host comes from the
    /// URL), with the values of the webhook's custom headers masked: they are the receiver's credentials.
    /// </summary>
    private static Dictionary<string, string> SentHeaders(HttpRequestMessage request, IReadOnlyDictionary<string, string> custom)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (request.Content is { } content)
        {
            // Computed on first read; the handler reads it too when it writes the request.
            _ = content.Headers.ContentLength;
            foreach (var (name, values) in content.Headers.NonValidated)
            {
                headers[name] = values.ToString();
            }
        }
        foreach (var (name, values) in request.Headers.NonValidated)
        {
            headers[name] = values.ToString();
        }
        foreach (var name in custom.Keys)
        {
            if (headers.ContainsKey(name) && !WebhookRules.IsReserved(name))
            {
                headers[name] = WebhookHeaderValues.Mask;
            }
        }
        return headers;
    }

    /// <summary>Reads at most the configured limit of the body (20 KB by default); a huge answer is not buffered.</summary>
    private async Task<string> ReadLimitedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var limit = options.CurrentValue.ResponseBodyLimit;
        using var timeout = new CancellationTokenSource(options.CurrentValue.AttemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(linked.Token);
            // Rented: a fresh buffer of the limit's size for every attempt was a good part of all the app allocated.
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(limit + 1);
            try
            {
                var read = 0;
                while (read < limit + 1)
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(read, limit + 1 - read), linked.Token);
                    if (n == 0)
                    {
                        break;
                    }
                    read += n;
                }
                var text = Encoding.UTF8.GetString(buffer, 0, Math.Min(read, limit));
                return read > limit ? text + "\n[truncated]" : text;
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return $"[the body could not be read: {ex.Message}]";
        }
    }

    internal static string Describe(Exception ex, TimeSpan timeout)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SsrfBlockedException blocked:
                    return "Blocked: " + blocked.Message;
                case TimeoutRejectedException:
                    return $"No answer within {timeout.TotalSeconds:0.#} s.";
                case BrokenCircuitException:
                    return "Not sent: this endpoint failed repeatedly, so sends to it are paused for a moment (circuit open).";
            }
        }
        var inner = ex;
        while (inner.InnerException is not null && inner is HttpRequestException)
        {
            inner = inner.InnerException;
        }
        // "Connection refused (127.0.0.1:9)" already says what its socket error would add ("Connection refused").
        return ex == inner || ex.Message.Contains(inner.Message, StringComparison.OrdinalIgnoreCase) ? ex.Message : $"{ex.Message} ({inner.Message})";
    }
}
