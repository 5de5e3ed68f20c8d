using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Infrastructure;

/// <summary>The OpenAPI document and the reference page: valid 3.1, every mapped route, every outbound event.</summary>
public sealed class ApiDocsTests(UndbFactory app) : IClassFixture<UndbFactory>
{
    private async Task<string> DocumentAsync()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task TheDocument_IsValidOpenApi31_AndNeedsNoSignIn()
    {
        var text = await DocumentAsync();
        Assert.StartsWith("3.1", (string?)JsonNode.Parse(text)!["openapi"]);
        var read = OpenApiDocument.Parse(text, OpenApiConstants.Json, new OpenApiReaderSettings());
        Assert.NotNull(read.Document);
        Assert.True(read.Diagnostic is null || read.Diagnostic.Errors.Count == 0,
            "OpenAPI errors: " + string.Join("; ", read.Diagnostic?.Errors.Select(e => $"{e.Pointer}: {e.Message}") ?? []));
        Assert.Equal("bearer", (string?)JsonNode.Parse(text)!["components"]!["securitySchemes"]!["bearer"]!["scheme"]);
    }

    [Fact]
    public async Task EveryMappedRoute_IsInTheDocument_WithItsMethod()
    {
        var paths = JsonNode.Parse(await DocumentAsync())!["paths"]!.AsObject();
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && (p.StartsWith("/api/", StringComparison.Ordinal) || p.StartsWith("/hooks/", StringComparison.Ordinal))
                && !p.StartsWith("/api/docs", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: Normalize(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .Distinct()
            .ToList();
        Assert.True(routes.Count >= 45, $"Only {routes.Count} routes found.");

        var missing = routes.Where(r => paths[r.Path]?[r.Method] is null).Select(r => $"{r.Method.ToUpperInvariant()} {r.Path}").ToList();
        Assert.True(missing.Count == 0, "Mapped but not in /openapi/v1.json: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task EveryOutboundEvent_IsAWebhook_WithARealExample_AndTheSignatureHeaders()
    {
        var webhooks = JsonNode.Parse(await DocumentAsync())!["webhooks"]!.AsObject();
        foreach (var name in WebhookEvents.All.Append(WebhookEvents.Test))
        {
            var post = webhooks[name]?["post"];
            Assert.True(post is not null, $"{name} is not in the document's webhooks");
            var example = post!["requestBody"]!["content"]!["application/json"]!["example"]!;
            Assert.Equal(name, (string?)example["name"]);
            Assert.Contains(post["parameters"]!.AsArray(), p => (string?)p!["name"] == "webhook-signature");
        }
        Assert.NotNull(webhooks["record.updated"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]!["event"]!["previous"]);
    }

    [Fact]
    public async Task RoutesSayWhatTheyNeed_AndAnswerWithProblemDetails()
    {
        var paths = JsonNode.Parse(await DocumentAsync())!["paths"]!;
        var delete = paths["/api/tables/{tableId}"]!["delete"]!;
        Assert.Contains("admin", (string?)delete["description"]);
        Assert.NotNull(delete["responses"]!["403"]!["content"]!["application/problem+json"]);
        Assert.NotNull(paths["/hooks/{id}"]!["post"]!["security"]![0]!["incomingKey"]);
        Assert.Empty(paths["/api/auth/sign-in"]!["post"]!["security"]!.AsArray());
    }

    [Fact]
    public async Task TheReferencePage_Renders()
    {
        var response = await app.CreateClient().GetAsync("/api/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html);
    }

    /// <summary>Route patterns as OpenAPI writes paths: no constraints or defaults, no catch-all stars.</summary>
    private static string Normalize(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{\*{0,2}([A-Za-z0-9_]+)[^}]*\}", "{$1}").TrimEnd('/');
}
