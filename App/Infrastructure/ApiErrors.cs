using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Undb.Features.Tables;

namespace Undb.Infrastructure;

/// <summary>
/// Every exception under <c>/api</c> and <c>/hooks</c> becomes RFC 7807 problem details: the app's own (400, 404, 409, 422),
/// request bodies and parameters that cannot be read (400, 415, with the place named and no .NET type names), and
/// anything else a 500 problem — never the HTML error page, nor a 405 from re-running a PATCH on it.
/// </summary>
public sealed class ApiExceptionHandler : IExceptionHandler
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        // By now the request path may already point at the error page; the feature keeps the original.
        var path = new PathString(context.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? context.Request.Path);
        if (!IsApi(path))
        {
            return false;
        }
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The caller hung up: nobody is left to read an answer.
            return true;
        }
        var problem = ToProblem(exception, context);
        if (problem is null)
        {
            // Logged by the exception handler middleware (see UseWebUi): a 500 is the server's fault.
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal server error",
                Detail = "The server failed to handle this request. If it happens again, tell the administrator this trace id.",
            };
        }
        if (!context.Response.HasStarted)
        {
            await WriteAsync(context, problem, ct);
        }
        return true;
    }

    /// <summary>
    /// Writes a problem as <c>application/problem+json</c> through the framework's <see cref="IProblemDetailsService"/>
    /// (which adds the <c>type</c> link and the <c>traceId</c> to quote, and uses the app's JSON options); a client whose
    /// <c>Accept</c> the framework's writer declines (say <c>text/html</c> only) still gets the same JSON.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, ProblemDetails problem, CancellationToken ct)
    {
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        var service = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            return;
        }
        problem.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? context.TraceIdentifier;
        context.Response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, problem.GetType(), Options, ct);
    }

    public static bool IsApi(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/hooks");

    /// <summary>The problem for a caller's mistake, or null for a fault of the server's own.</summary>
    public static ProblemDetails? ToProblem(Exception exception, HttpContext? context = null) => exception switch
    {
        RecordValidationException v => new HttpValidationProblemDetails(ToDictionary(v.Errors))
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "Some values are not valid; nothing was written.",
            Detail = v.Message,
        },
        NotFoundException n => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = n.Message },
        ForbiddenException f => new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Forbidden", Detail = f.Message },
        GoneException g => new ProblemDetails { Status = StatusCodes.Status410Gone, Title = "Gone", Detail = g.Message },
        ConflictException c => WithExtensions(new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = c.Message }, c.Extensions),
        BadRequestException b when b.Errors is not null => new HttpValidationProblemDetails(b.Errors.ToDictionary(e => e.Key, e => e.Value))
        {
            Status = b.Status,
            Title = b.Status == StatusCodes.Status422UnprocessableEntity ? "Some values are not valid; nothing was saved." : "The request is not valid.",
            Detail = b.Message,
        },
        BadRequestException b => new ProblemDetails { Status = b.Status, Title = "The request is not valid.", Detail = b.Message },
        JsonException j => RequestProblems.FromJson(j, context),
        BadHttpRequestException b => RequestProblems.FromBadRequest(b, context),
        _ => null,
    };

    private static ProblemDetails WithExtensions(ProblemDetails problem, IReadOnlyDictionary<string, object?> extensions)
    {
        foreach (var (key, value) in extensions)
        {
            problem.Extensions[key] = value;
        }
        return problem;
    }

    /// <summary>Errors keyed like ASP.NET validation: <c>Value</c>, or <c>records[3].Value</c> for a bulk item.</summary>
    public static Dictionary<string, string[]> ToDictionary(IReadOnlyList<FieldError> errors) =>
        errors.GroupBy(e => e.Index is null ? e.Field : $"records[{e.Index}].{e.Field}")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
}
