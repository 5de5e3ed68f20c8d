using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Undb.Features.Accounts;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Infrastructure;

/// <summary>
/// The REST API's OpenAPI 3.1 document (the framework's own generator) at <c>/openapi/v1.json</c>, and an interactive
/// reference (Scalar) at <c>/api/docs</c>. Both are public: they describe the API, not anyone's data.
/// </summary>
public static class ApiDocs
{
    public const string DocumentPath = "/openapi/{documentName}.json";
    public const string ReferencePath = "/api/docs";

    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi("v1", o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            // The REST API and the ingest endpoint; not the UI's own routes (login form, Blazor, the hub).
            o.ShouldInclude = d => d.RelativePath is { } path && (path.StartsWith("api/", StringComparison.Ordinal) || path.StartsWith("hooks/", StringComparison.Ordinal));
            o.AddDocumentTransformer<UndbDocumentTransformer>();
            o.AddOperationTransformer<UndbOperationTransformer>();
            // Roles travel as names ("editor"), by their own converter, which the generator does not look into.
            o.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(Role))
                {
                    schema.Type = JsonSchemaType.String;
                    schema.Format = null;
                    schema.Enum = Enum.GetValues<Role>().Select(r => (JsonNode)JsonValue.Create(r.ToApiName())!).ToList();
                }
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        // A self-hosted reference: nothing fetched from or sent to another host (Scalar's default fonts come from its
        // CDN, and its telemetry, AI chat and MCP offers talk to scalar.com), and no toolbar for Scalar's own products.
        app.MapScalarApiReference(ReferencePath, o => o.WithTitle("Undb API reference").WithOpenApiRoutePattern(DocumentPath)
            .DisableDefaultFonts().DisableTelemetry().DisableAgent().DisableMcp().HideDeveloperTools()).AllowAnonymous();
        return app;
    }
}

/// <summary>Title, the two ways to authenticate, the problem details schema, and every outbound event as an OpenAPI webhook.</summary>
internal sealed class UndbDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Undb API",
            Version = "v1",
            Description = "Tables, fields and records; outbound and incoming webhooks; members and tokens. Authenticate with "
                + "`Authorization: Bearer <token>` (an API token from Settings, or one from `POST /api/auth/sign-in`). Errors are "
                + "RFC 7807 problem details. The `webhooks` section describes what outbound webhooks send.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[UndbOperationTransformer.Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API token (`undb_…`): Settings → API tokens, or `POST /api/auth/sign-in`. It acts with its owner's role; a read-only token may only GET.",
        };
        document.Components.SecuritySchemes[UndbOperationTransformer.IncomingKey] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "An incoming webhook's API key (`uwk_…`), shown once when the webhook is created or its key regenerated.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[UndbOperationTransformer.Problem] = ProblemSchema();
        document.Components.Schemas["WebhookEvent"] = EventSchema();
        document.Webhooks = WebhookEvents.All.Append(WebhookEvents.Test)
            .ToDictionary(name => name, name => (IOpenApiPathItem)EventPathItem(name, document));
        return Task.CompletedTask;
    }

    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 7807 problem details; `errors` names each property at fault.",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
    };

    private static OpenApiSchema EventSchema()
    {
        var values = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A record: `id`, `createdAt`, `createdBy`, `updatedAt`, `updatedBy`, and each field's value keyed by the field's name.",
            AdditionalProperties = new OpenApiSchema(),
        };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "id", "name", "timestamp", "event" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The event id; also the `webhook-id` header. Deduplicate on it: delivery is at least once." },
                ["name"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = WebhookEvents.All.Append(WebhookEvents.Test).Select(n => (JsonNode)JsonValue.Create(n)!).ToList() },
                ["operatorId"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "The member who made the change." },
                ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                ["event"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["tableId"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["tableName"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["record"] = values,
                        ["records"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = values, Description = "Bulk events: every record the operation changed that matches the condition." },
                        ["previous"] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            AdditionalProperties = new OpenApiSchema(),
                            Description = "Updates: the old values of the changed fields (bulk: keyed by record id).",
                        },
                    },
                },
            },
        };
    }

    private static OpenApiPathItem EventPathItem(string name, OpenApiDocument document)
    {
        var example = Example(name);
        var operation = new OpenApiOperation
        {
            Summary = name,
            Description = $"Sent to every enabled webhook subscribed to `{name}` whose condition matches. Signed twice: Standard Webhooks "
                + "(`webhook-signature: v1,<base64 HMAC-SHA256 of \"{{webhook-id}}.{{webhook-timestamp}}.{{body}}\">`, secret `whsec_…`) and "
                + "`X-Undb-Signature: sha256=<hex HMAC-SHA256 of the body>`. Answer 2xx fast; anything else is retried.",
            Parameters =
            [
                Header("webhook-id", "The event id (the same on every retry)."),
                Header("webhook-timestamp", "Seconds since 1970 when this attempt was signed."),
                Header("webhook-signature", "Space-separated `v1,<base64>` signatures (two while a rotated secret is still valid)."),
                Header("X-Undb-Signature", "`sha256=<hex>` of the body with the webhook's secret."),
                Header("X-Undb-Event", "The event name."),
            ],
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference("WebhookEvent", document), Example = example },
                },
            },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = "Received (any 2xx)." },
            },
        };
        return new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
    }

    private static OpenApiParameter Header(string name, string description) =>
        new() { Name = name, In = ParameterLocation.Header, Required = name.StartsWith("webhook-", StringComparison.Ordinal), Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };

    /// <summary>A real payload, built by the code that builds deliveries (the event catalog's example).</summary>
    private static JsonNode Example(string name) => WebhookEventCatalog.Example(name).DeepClone();
}

/// <summary>Per route: which credential it takes, and the problem details it may answer with.</summary>
internal sealed class UndbOperationTransformer : IOpenApiOperationTransformer
{
    public const string Bearer = "bearer";
    public const string IncomingKey = "incomingKey";
    public const string Problem = "ProblemDetails";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var path = context.Description.RelativePath ?? "";
        var document = context.Document;
        operation.Responses ??= new OpenApiResponses();
        operation.OperationId ??= OperationId(context.Description.HttpMethod ?? "GET", path);
        // An optional query parameter that is "null" is simply not sent: saying "string or null" only trips client
        // generators (NSwag's for an optional date, say).
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query) ?? [])
        {
            if (parameter.Schema is OpenApiSchema { Type: { } type } schema && type.HasFlag(JsonSchemaType.Null) && type != JsonSchemaType.Null)
            {
                schema.Type = type & ~JsonSchemaType.Null;
            }
            // The generator leaves an optional date with a format and no type; a date in a query is a string.
            if (parameter.Schema is OpenApiSchema { Type: null, Format: "date-time" or "date" } dated)
            {
                dated.Type = JsonSchemaType.String;
            }
        }
        if (path.StartsWith("hooks/", StringComparison.Ordinal))
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(IncomingKey, document)] = [] }];
            operation.Description ??= "Authenticate with the webhook's `X-Api-Key`, or with the sender's signature when the webhook verifies one.";
            AddProblem(operation, document, "401", "No key, a wrong key, or a signature that does not verify.");
            AddProblem(operation, document, "429", "Too many requests; see `Retry-After`.");
        }
        else if (metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [];
        }
        else
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] }];
            AddProblem(operation, document, "401", "No token, or one that is wrong, expired or revoked.");
            if (metadata.OfType<PermissionMetadata>().FirstOrDefault() is { } permission)
            {
                AddProblem(operation, document, "403", $"The member's role does not allow this ({permission.Permission.MinimumRole().ToApiName()} or above can).");
                operation.Description = (operation.Description is null ? "" : operation.Description + "\n\n")
                    + $"Needs the role **{permission.Permission.MinimumRole().ToApiName()}** or above.";
            }
        }
        if (context.Description.HttpMethod is not "GET")
        {
            AddProblem(operation, document, "400", "The body or a parameter cannot be read; `errors` names it.");
        }
        AddProblem(operation, document, "404", "Not found.");
        return Task.CompletedTask;
    }

    /// <summary>
    /// A stable name for generated clients: the method and the path, <c>GET api/tables/{tableId}/records</c> →
    /// <c>getTablesByTableIdRecords</c> (unique, as method and path are).
    /// </summary>
    internal static string OperationId(string method, string path)
    {
        var name = new System.Text.StringBuilder(method.ToLowerInvariant());
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries).SkipWhile(s => s == "api"))
        {
            var parameter = segment.StartsWith('{');
            if (parameter)
            {
                name.Append("By");
            }
            foreach (var word in segment.Trim('{', '}').Split(['-', '.', '_', ':'], StringSplitOptions.RemoveEmptyEntries))
            {
                name.Append(char.ToUpperInvariant(word[0])).Append(word.AsSpan(1));
            }
        }
        return name.ToString();
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiDocument? document, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }
        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(Problem, document) },
            },
        };
    }
}
