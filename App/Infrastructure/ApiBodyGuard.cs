using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Undb.Infrastructure;

/// <summary>
/// Checks the body of every write under <c>/api</c> before a handler binds it, so each route gets the same answers
/// without code of its own:
/// <list type="bullet">
/// <item>a route that reads no body refuses one (400): <c>DELETE /api/tables/{id}</c> with <c>{"ids":[…]}</c> was
/// meant for the bulk route and must not delete the table; an empty body or <c>{}</c> is fine;</item>
/// <item>a route that reads JSON needs a JSON content type (415) and a body (400);</item>
/// <item>the body must be one JSON document whose text is all valid Unicode (400, naming the place): the JSON reader
/// lets invalid UTF-8 and unpaired surrogates through until the app reads that string, far from the request.</item>
/// </list>
/// The body is buffered for the check; API bodies are small (bulk routes take at most 1,000 records), and the handler
/// then reads it from memory.
/// </summary>
public sealed class ApiBodyGuard(RequestDelegate next)
{
    /// <summary>How much of an unexpected body is read to see whether it is only <c>{}</c> or blank.</summary>
    private const int EmptyBodyProbe = 256;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/api") || !IsWrite(request.Method) || context.GetEndpoint() is not { } endpoint)
        {
            await next(context);
            return;
        }
        var accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>();
        var problem = accepts is null
            ? await CheckNoBodyAsync(request, context.RequestAborted)
            : await CheckJsonBodyAsync(context, accepts.IsOptional);
        if (problem is null)
        {
            await next(context);
            return;
        }
        await ApiExceptionHandler.WriteAsync(context, problem, context.RequestAborted);
    }

    private static bool IsWrite(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static async Task<ProblemDetails?> CheckNoBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (!HasBody(request))
        {
            return null;
        }
        var buffer = new byte[EmptyBodyProbe + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await request.Body.ReadAsync(buffer.AsMemory(read), ct)) > 0)
        {
            read += n;
        }
        var text = System.Text.Encoding.UTF8.GetString(buffer, 0, read).Trim().TrimStart('\uFEFF');
        if (read <= EmptyBodyProbe && (text.Length == 0 || System.Text.RegularExpressions.Regex.IsMatch(text, @"^\{\s*\}$")))
        {
            return null;
        }
        return RequestProblems.Validation("body", "This route takes no request body; send none. (Did you mean another route? Bulk changes go to …/records/bulk.)");
    }

    private async Task<ProblemDetails?> CheckJsonBodyAsync(HttpContext context, bool optional)
    {
        var request = context.Request;
        if (!HasBody(request))
        {
            return optional ? null : RequestProblems.MissingBody(context);
        }
        if (!IsJson(request.ContentType))
        {
            return RequestProblems.UnsupportedMediaType();
        }
        // Sized by Content-Length up to 64 KB: a declared size is not yet a body.
        var buffered = new MemoryStream((int)Math.Min(request.ContentLength ?? 0, 64 * 1024));
        await request.Body.CopyToAsync(buffered, context.RequestAborted);
        if (buffered.Length == 0)
        {
            return optional ? null : RequestProblems.MissingBody(context);
        }
        if (JsonText.FindError(buffered.GetBuffer().AsSpan(0, (int)buffered.Length)) is { } error)
        {
            return error.IsSyntax
                ? new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = "The request body is not valid JSON.", Detail = error.Message }
                : RequestProblems.Validation(JsonPathText.Key(error.Path), error.ToString());
        }
        buffered.Position = 0;
        request.Body = buffered;
        context.Response.RegisterForDispose(buffered);
        return null;
    }

    /// <summary><c>application/json</c> or <c>application/…+json</c>, with or without a charset.</summary>
    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType is { } type
        && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));
}
