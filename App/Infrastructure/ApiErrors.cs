using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Undb.Features.Tables;

namespace Undb.Infrastructure;

/// <summary>Turns domain exceptions thrown under <c>/api</c> into RFC 7807 problem details: 400, 404, 409, 422.</summary>
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
        if (!path.StartsWithSegments("/api") && !path.StartsWithSegments("/hooks"))
        {
            return false;
        }
        var problem = ToProblem(exception);
        if (problem is null)
        {
            return false;
        }
        problem.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? context.TraceIdentifier;
        context.Response.StatusCode = problem.Status ?? 500;
        context.Response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, problem.GetType(), Options, ct);
        return true;
    }

    public static ProblemDetails? ToProblem(Exception exception) => exception switch
    {
        RecordValidationException v => new HttpValidationProblemDetails(ToDictionary(v.Errors))
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "Some values are not valid; nothing was written.",
            Detail = v.Message,
        },
        NotFoundException n => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = n.Message },
        ConflictException c => WithExtensions(new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = c.Message }, c.Extensions),
        BadRequestException b when b.Errors is not null => new HttpValidationProblemDetails(b.Errors.ToDictionary(e => e.Key, e => e.Value))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid.",
            Detail = b.Message,
        },
        BadRequestException b => new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = "The request is not valid.", Detail = b.Message },
        BadHttpRequestException { InnerException: JsonException j } => BadJson(j),
        JsonException j => BadJson(j),
        BadHttpRequestException b => new ProblemDetails { Status = b.StatusCode, Title = "The request is not valid.", Detail = b.Message },
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

    private static ProblemDetails BadJson(JsonException j) => new()
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "The request body is not valid JSON for this endpoint.",
        Detail = j.Path is null ? j.Message : $"At {j.Path}: {j.Message}",
    };

    /// <summary>Errors keyed like ASP.NET validation: <c>Value</c>, or <c>records[3].Value</c> for a bulk item.</summary>
    public static Dictionary<string, string[]> ToDictionary(IReadOnlyList<FieldError> errors) =>
        errors.GroupBy(e => e.Index is null ? e.Field : $"records[{e.Index}].{e.Field}")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
}
