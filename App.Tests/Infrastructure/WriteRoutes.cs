using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Undb.Tests.Infrastructure;

/// <summary>One write route of the running app, e.g. <c>PATCH /api/tables/{tableId}</c>.</summary>
public sealed record WriteRoute(string Method, RouteEndpoint Endpoint)
{
    public string Pattern => "/" + string.Join("/", Endpoint.RoutePattern.PathSegments.Select(Text));

    /// <summary>The JSON body type the route declares (its body parameter, or <c>.Accepts&lt;T&gt;</c>); null when it reads no body.</summary>
    public Type? BodyType
    {
        get
        {
            var accepts = Endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>();
            if (accepts.Count == 0)
            {
                return null;
            }
            // A handler that binds the raw JSON (to tell "null" from "left out") declares its shape with Accepts<T>.
            return accepts.Select(a => a.RequestType).FirstOrDefault(t => t is not null && !typeof(System.Text.Json.Nodes.JsonNode).IsAssignableFrom(t))
                ?? accepts.Select(a => a.RequestType).FirstOrDefault(t => t is not null)
                ?? typeof(object);
        }
    }

    /// <summary>Whether the route reads a body: it declares one, or it is the ingest endpoint (which reads its own).</summary>
    public bool TakesBody => Endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not null || IsIngest;

    public bool IsIngest => Pattern.StartsWith("/hooks/", StringComparison.Ordinal);

    public override string ToString() => $"{Method} {Pattern}";

    /// <summary>The route with each parameter filled in by <paramref name="idFor"/>, given the literal segment before it.</summary>
    public string Url(Func<string, string, string> idFor)
    {
        var parts = new List<string>();
        string previous = "";
        foreach (var segment in Endpoint.RoutePattern.PathSegments)
        {
            var text = string.Concat(segment.Parts.Select(p => p switch
            {
                RoutePatternLiteralPart literal => literal.Content,
                RoutePatternParameterPart parameter => Uri.EscapeDataString(idFor(previous, parameter.Name)),
                _ => throw new InvalidOperationException($"{this}: unexpected route part {p}"),
            }));
            if (segment.Parts is [RoutePatternLiteralPart only])
            {
                previous = only.Content;
            }
            parts.Add(text);
        }
        return "/" + string.Join("/", parts);
    }

    private static string Text(RoutePatternPathSegment segment) => string.Concat(segment.Parts.Select(p => p switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
        _ => "?",
    }));

    private static readonly string[] WriteMethods = [HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete];

    /// <summary>Every route the app maps for POST, PUT, PATCH or DELETE, read from its endpoint data source.</summary>
    public static IReadOnlyList<WriteRoute> All(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => WriteMethods.Contains(m, StringComparer.OrdinalIgnoreCase))
                .Select(m => new WriteRoute(m.ToUpperInvariant(), e)))
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();

    /// <summary>The routes that take data from other programs: the REST API and the ingest endpoint.</summary>
    public static IReadOnlyList<WriteRoute> Api(IServiceProvider services) =>
        All(services).Where(r => r.Pattern.StartsWith("/api/", StringComparison.Ordinal) || r.IsIngest).ToList();

    /// <summary>Write routes of the UI itself (form posts of pages, the Blazor circuit, sign-out), which take no JSON.</summary>
    public static bool IsUiRoute(WriteRoute route) =>
        route.Endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is not null
        || route.Pattern.StartsWith("/_blazor", StringComparison.Ordinal)
        || route.Pattern == "/account/logout";
}
