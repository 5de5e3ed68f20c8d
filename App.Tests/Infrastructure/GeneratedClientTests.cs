using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NSwag.CodeGeneration.CSharp;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Infrastructure;

/// <summary>
/// A client generated from /openapi/v1.json (NSwag, as a user of the API would) compiles, and makes real calls: the
/// document is complete enough to program against, not only to read.
/// </summary>
public sealed class GeneratedClientTests(UndbFactory app) : IClassFixture<UndbFactory>
{
    [Fact]
    public async Task AClientGeneratedFromTheDocument_Compiles_AndCallsTheApi()
    {
        var json = await app.CreateAnonymousClient().GetStringAsync("/openapi/v1.json");
        var document = await NSwag.OpenApiDocument.FromJsonAsync(json);
        var code = new CSharpClientGenerator(document, new CSharpClientGeneratorSettings
        {
            ClassName = "UndbClient",
            CSharpGeneratorSettings = { Namespace = "Generated", JsonLibrary = NJsonSchema.CodeGeneration.CSharp.CSharpJsonLibrary.SystemTextJson },
            UseBaseUrl = false,
            GenerateClientInterfaces = false,
        }).GenerateFile();

        var assembly = Compile(code);
        var clientType = assembly.GetType("Generated.UndbClient")!;
        var http = app.CreateApiClient();
        var client = Activator.CreateInstance(clientType, http)!;

        // GET /api/me (operation id getMe).
        var me = clientType.GetMethod("GetMeAsync", [typeof(CancellationToken)])!;
        var result = await Invoke(me, client, CancellationToken.None);
        Assert.Equal(UndbFactory.AdminEmail, result!.GetType().GetProperty("Email")!.GetValue(result));

        // POST /api/tables with a typed body, then GET /api/tables/{tableId}: the request and response schemas are usable.
        var create = clientType.GetMethods().Single(m => m.Name == "PostTablesAsync" && m.GetParameters().Length == 2);
        var body = Activator.CreateInstance(create.GetParameters()[0].ParameterType)!;
        body.GetType().GetProperty("Name")!.SetValue(body, "Generated " + Guid.NewGuid().ToString("N")[..6]);
        await Invoke(create, client, body, CancellationToken.None);
        var list = await app.CreateApiClient().GetStringAsync("/api/tables");
        Assert.Contains((string)body.GetType().GetProperty("Name")!.GetValue(body)!, list);
    }

    private static async Task<object?> Invoke(MethodInfo method, object target, params object[] args)
    {
        var task = (Task)method.Invoke(target, args)!;
        await task;
        return task.GetType().GetProperty("Result")?.GetValue(task);
    }

    private static Assembly Compile(string code)
    {
        var references = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic && !string.IsNullOrEmpty(a.Location))
            .Select(a => MetadataReference.CreateFromFile(a.Location))
            .Concat(new[] { typeof(System.ComponentModel.DataAnnotations.RequiredAttribute), typeof(System.Text.Json.JsonSerializer), typeof(System.Net.Http.HttpClient) }
                .Select(t => MetadataReference.CreateFromFile(t.Assembly.Location)));
        var compilation = CSharpCompilation.Create("Generated" + Guid.NewGuid().ToString("N"), [CSharpSyntaxTree.ParseText(code)], references.DistinctBy(r => r.Display),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, "The generated client does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
        return Assembly.Load(stream.ToArray());
    }
}
