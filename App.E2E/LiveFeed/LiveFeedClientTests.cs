using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Undb.E2E.Support;

namespace Undb.E2E.LiveFeed;

/// <summary>
/// The two client examples of docs/live-feed.md against the real app over WebSockets: the JavaScript one in Node with
/// the @microsoft/signalr package, the C# one with Microsoft.AspNetCore.SignalR.Client. The docs quote these files, and
/// a test checks they still do, so the examples cannot rot.
/// </summary>
public sealed class LiveFeedClientTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static string Folder => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(AppServer.FindAppDll())!, "..", "..", "..", "..", "App.E2E", "LiveFeed"));

    private static string Docs => Path.GetFullPath(Path.Combine(Folder, "..", "..", "docs", "live-feed.md"));

    [Fact]
    public async Task TheJavaScriptClient_ReceivesCreateUpdateDelete_InOrder_AndNothingWithoutAToken()
    {
        Assert.True(Directory.Exists(Path.Combine(Folder, "node_modules", "@microsoft", "signalr")),
            $"@microsoft/signalr is not installed in {Folder}; ./test.sh runs 'npm ci' there.");
        var (tableId, _) = await shared.CreateTableAsync("Live", ("Deal", "text", null));
        var lines = Channel.CreateUnbounded<string>();
        var errors = new ConcurrentQueue<string>();
        using var node = StartNode(shared.Server.BaseUrl, AppServer.ApiToken, tableId, lines, errors);
        try
        {
            Assert.Equal("subscribed", Type(await NextAsync(lines, errors)));
            await ChangeOneRecordThreeTimesAsync(tableId);

            var names = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                var message = JsonNode.Parse(await NextAsync(lines, errors))!;
                Assert.Equal("recordsChanged", (string?)message["type"]);
                Assert.Equal(tableId, (string?)message["tableId"]);
                names.Add((string)message["name"]!);
            }
            Assert.Equal(["record.created", "record.updated", "record.deleted"], names);
        }
        finally
        {
            node.Kill(entireProcessTree: true);
        }

        // Without a token the hub refuses the connection, and the script fails to start.
        var refused = Channel.CreateUnbounded<string>();
        var refusedErrors = new ConcurrentQueue<string>();
        using var anonymous = StartNode(shared.Server.BaseUrl, "", tableId, refused, refusedErrors);
        await anonymous.WaitForExitAsync().WaitAsync(Patience);
        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains("401", string.Join("\n", refusedErrors));
    }

    [Fact]
    public async Task TheCSharpClient_ReceivesCreateUpdateDelete_InOrder()
    {
        var (tableId, _) = await shared.CreateTableAsync("Live", ("Deal", "text", null));
        var messages = Channel.CreateUnbounded<(string Type, JsonElement Body)>();
        await using var connection = await CSharpClient.FollowAsync(shared.Server.BaseUrl, AppServer.ApiToken, tableId, (type, body) => messages.Writer.TryWrite((type, body.Clone())));
        await ChangeOneRecordThreeTimesAsync(tableId);

        var names = new List<string>();
        using var timeout = new CancellationTokenSource(Patience);
        for (var i = 0; i < 3; i++)
        {
            var (type, body) = await messages.Reader.ReadAsync(timeout.Token);
            Assert.Equal("recordsChanged", type);
            names.Add(body.GetProperty("name").GetString()!);
        }
        Assert.Equal(["record.created", "record.updated", "record.deleted"], names);
    }

    [Fact]
    public void TheDocs_QuoteBothExamples_AsTheyAre()
    {
        var docs = File.ReadAllText(Docs).ReplaceLineEndings("\n");
        Assert.Contains(File.ReadAllText(Path.Combine(Folder, "client.mjs")).ReplaceLineEndings("\n").Trim(), docs);
        var csharp = File.ReadAllText(Path.Combine(Folder, "CSharpClient.cs")).ReplaceLineEndings("\n");
        var body = csharp[csharp.IndexOf("        var connection", StringComparison.Ordinal)..csharp.IndexOf("        return connection;", StringComparison.Ordinal)];
        Assert.Contains(string.Join("\n", body.Split('\n').Select(l => l.Length >= 8 ? l[8..] : l)).Trim(), docs);
    }

    private async Task ChangeOneRecordThreeTimesAsync(string tableId)
    {
        var created = await shared.Api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = "Acme" } });
        created.EnsureSuccessStatusCode();
        var recordId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        (await shared.Api.PatchAsJsonAsync($"/api/tables/{tableId}/records/{recordId}", new { values = new { Deal = "Acme Corp" } })).EnsureSuccessStatusCode();
        (await shared.Api.DeleteAsync($"/api/tables/{tableId}/records/{recordId}")).EnsureSuccessStatusCode();
    }

    private static Process StartNode(string baseUrl, string token, string tableId, Channel<string> lines, ConcurrentQueue<string> errors)
    {
        var info = new ProcessStartInfo("node", [Path.Combine(Folder, "client.mjs"), baseUrl, token, tableId])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Folder,
        };
        var node = new Process { StartInfo = info };
        node.OutputDataReceived += (_, e) =>
        {
            // Our messages are JSON lines; anything else (a library's own output) is not part of the feed.
            if (e.Data is { Length: > 0 } line && line.StartsWith('{'))
            {
                lines.Writer.TryWrite(line);
            }
        };
        node.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.Enqueue(e.Data);
            }
        };
        node.Start();
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        return node;
    }

    private static async Task<string> NextAsync(Channel<string> lines, ConcurrentQueue<string> errors)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await lines.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("The Node client printed nothing more: " + string.Join("\n", errors));
        }
    }

    private static string? Type(string line) => (string?)JsonNode.Parse(line)!["type"];
}
