using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Infrastructure;

/// <summary>
/// The app with one of everything a write route can point at: a table with a record, a paused outbound webhook with a
/// finished delivery, and an incoming webhook (with its key) that has logged one request.
/// </summary>
public sealed class BadInputFactory : UndbFactory, IAsyncLifetime
{
    public string AdminId { get; private set; } = "";
    public string TableId { get; private set; } = "";
    public string RecordId { get; private set; } = "";
    public string FieldId { get; private set; } = "";
    public string WebhookId { get; private set; } = "";
    public string DeliveryId { get; private set; } = "";
    public string IncomingId { get; private set; } = "";
    public string IncomingKey { get; private set; } = "";
    public string RequestId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var api = CreateApiClient();
        var table = await ReadAsync(await api.PostAsJsonAsync("/api/tables", new
        {
            name = "Fuzz",
            fields = new object[]
            {
                new { name = "Deal", type = "text", required = true },
                new { name = "Value", type = "number" },
                new { name = "Won", type = "checkbox" },
                new { name = "Close", type = "date" },
                new { name = "Stage", type = "singleSelect", options = new { choices = new[] { "Lead", "Won" } } },
            },
        }));
        TableId = table["id"]!.GetValue<string>();
        AdminId = await AdminIdAsync();
        FieldId = table["fields"]![1]!["id"]!.GetValue<string>();
        RecordId = (await ReadAsync(await api.PostAsJsonAsync($"/api/tables/{TableId}/records", new { values = new { Deal = "Acme", Value = 1 } })))["id"]!.GetValue<string>();
        WebhookId = (await ReadAsync(await api.PostAsJsonAsync($"/api/tables/{TableId}/webhooks",
            new { name = "Paused", url = "https://example.com/hook", events = new[] { "record.created" }, enabled = false })))["id"]!.GetValue<string>();
        var incoming = await ReadAsync(await api.PostAsJsonAsync($"/api/tables/{TableId}/incoming-webhooks",
            new { name = "In", mapping = new { fields = new Dictionary<string, string> { ["Deal"] = "$.deal", ["Value"] = "$.value" } } }));
        IncomingId = incoming["id"]!.GetValue<string>();
        IncomingKey = incoming["apiKey"]!.GetValue<string>();
        using var hook = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{IncomingId}") { Content = JsonContent.Create(new { deal = "Logged", value = 2 }) };
        hook.Headers.Add("X-Api-Key", IncomingKey);
        await ReadAsync(await api.SendAsync(hook));
        RequestId = (await ReadAsync(await api.GetAsync($"/api/incoming-webhooks/{IncomingId}/requests")))["items"]![0]!["id"]!.GetValue<string>();

        // A delivery that is finished (the worker leaves it alone), so redeliver and replay routes have one to point at.
        await using var db = await Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        var delivery = new DeliveryEntity
        {
            WebhookId = WebhookId, TableId = TableId, EventId = Ids.New("evt"), EventName = "record.created", Payload = "{}",
            Status = DeliveryStatus.Failed, AttemptCount = 1, NextAttemptAt = now, CreatedAt = now, UpdatedAt = now, CompletedAt = now,
        };
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync();
        DeliveryId = delivery.Id;
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    /// <summary>The id to put after a literal route segment (<c>tables/{tableId}</c>, <c>hooks/{id}</c>…).</summary>
    public string IdFor(string previousSegment, string parameter) => previousSegment switch
    {
        "tables" => TableId,
        "records" => RecordId,
        "fields" => FieldId,
        "webhooks" => WebhookId,
        "deliveries" => DeliveryId,
        "incoming-webhooks" or "hooks" => IncomingId,
        "requests" => RequestId,
        "members" => AdminId,
        "invitations" => "inv_none",
        "tokens" => "tok_none",
        _ => throw new InvalidOperationException(
            $"A new kind of route parameter: '{{{parameter}}}' after '{previousSegment}/'. Teach BadInputFactory.IdFor which seeded id to use."),
    };

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Seeding failed: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}

/// <summary>
/// Every write route of the app (read from its endpoint data source, so a new route is covered without touching this
/// test) against bodies no route may accept: each answer is a 4xx problem details that says what is wrong without
/// naming .NET types, nothing is written, and the ingest endpoint logs the request.
/// </summary>
public sealed partial class BadInputTests(BadInputFactory app) : IClassFixture<BadInputFactory>
{
    public static TheoryData<string> AnyRouteBodies => new(BadBodies.ForAnyRoute.Select(b => b.What));

    public static TheoryData<string> BodyRouteBodies => new(BadBodies.ForRoutesWithABody.Select(b => b.What));

    [Fact]
    public void TheRoutesUnderTest_AreEveryWriteRouteThatTakesData()
    {
        var all = WriteRoute.All(app.Services);
        var api = WriteRoute.Api(app.Services);

        Assert.Contains(api, r => r.IsIngest);
        Assert.Contains(api, r => r.Method == "PATCH" && r.Pattern == "/api/tables/{tableId}/records/bulk");
        Assert.True(api.Count >= 25, $"Only {api.Count} API write routes found: {string.Join(", ", api)}");
        // A write route outside /api and /hooks must be one of the UI's own; anything else would escape this test.
        Assert.All(all.Except(api), r => Assert.True(WriteRoute.IsUiRoute(r), $"{r} takes writes but is neither an API route nor a UI route."));
    }

    [Theory]
    [MemberData(nameof(AnyRouteBodies))]
    public async Task EveryWriteRoute_RefusesABodyThatIsWrongEverywhere(string what)
    {
        var body = BadBodies.ForAnyRoute.Single(b => b.What == what);
        // A form is wrong everywhere but at the ingest endpoint, which takes form posts (the incoming form tests cover it).
        var routes = WriteRoute.Api(app.Services).Where(r => !(r.IsIngest && body.ContentType == "application/x-www-form-urlencoded"));
        await AssertRefusedAsync(routes.Select(r => (r, body)));
    }

    [Theory]
    [MemberData(nameof(BodyRouteBodies))]
    public async Task EveryWriteRouteWithABody_RefusesAMissingBody(string what)
    {
        var body = BadBodies.ForRoutesWithABody.Single(b => b.What == what);
        await AssertRefusedAsync(WriteRoute.Api(app.Services).Where(r => r.TakesBody).Select(r => (r, body)));
    }

    [Fact]
    public async Task EveryWriteRoute_RefusesEachWrongPropertyOfItsShape()
    {
        var options = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var cases = WriteRoute.Api(app.Services)
            .Where(r => r.BodyType is { } t && t != typeof(object) && !typeof(JsonNode).IsAssignableFrom(t))
            .SelectMany(r => BadBodies.ForShape(r.BodyType!, options).Select(b => (r, b)))
            .ToList();
        Assert.True(cases.Count > 100, $"Only {cases.Count} shaped cases.");

        await AssertRefusedAsync(cases);
    }

    private async Task AssertRefusedAsync(IEnumerable<(WriteRoute Route, BadBody Body)> cases)
    {
        var client = app.CreateApiClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", app.IncomingKey);
        var failures = new List<string>();
        var before = await SnapshotAsync();
        foreach (var (route, body) in cases)
        {
            var logged = await IncomingLogCountAsync();
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Url(app.IdFor)) { Content = new ByteArrayContent(body.Bytes) };
            if (body.ContentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(body.ContentType);
            }
            var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var problem = Check((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
            if (problem is not null)
            {
                failures.Add($"{route} with {body.What}: {problem}");
            }
            var after = await SnapshotAsync();
            if (after != before)
            {
                failures.Add($"{route} with {body.What}: wrote to the database ({Difference(before, after)}); answered {(int)response.StatusCode} {Truncate(text)}");
                before = after;
            }
            if (route.IsIngest && await IncomingLogCountAsync() != logged + 1)
            {
                failures.Add($"{route} with {body.What}: the request was not logged");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} bad requests were not refused properly:\n" + string.Join("\n", failures.Take(60)));
    }

    /// <summary>What is wrong with an answer to a bad request, or null when it is a clear 4xx problem details.</summary>
    private static string? Check(int status, string? mediaType, string text)
    {
        if (status is not (400 or 413 or 415 or 422))
        {
            return $"answered {status} {mediaType} {Truncate(text)}";
        }
        if (mediaType != "application/problem+json")
        {
            return $"answered {status} as '{mediaType}', not problem details: {Truncate(text)}";
        }
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }
        if (json is null || json["status"]?.GetValue<int>() != status || json["title"] is null)
        {
            return $"answered {status} with a body that is not problem details: {Truncate(text)}";
        }
        if (json["detail"] is null && json["errors"] is null)
        {
            return $"answered {status} without saying what is wrong: {Truncate(text)}";
        }
        var typeName = TypeName().Match(text);
        if (typeName.Success)
        {
            return $"names a .NET type ('{typeName.Value}'): {Truncate(text)}";
        }
        return null;
    }

    /// <summary>Every table's rows, except the request log and the counters and timestamps a request is meant to move.</summary>
    private async Task<string> SnapshotAsync()
    {
        await using var connection = new SqliteConnection(app.Database.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var sb = new StringBuilder();
        // The request log and the per-instance request counts record every request, refused ones included.
        foreach (var table in tables.Where(t => t is not ("IncomingRequests" or "IncomingWebhookCounters")))
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\" ORDER BY rowid";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                sb.Append(table).Append(':');
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (!Moving.Contains((table, reader.GetName(i))))
                    {
                        sb.Append(reader.GetName(i)).Append('=').Append(reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append(';');
                    }
                }
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    private static readonly HashSet<(string Table, string Column)> Moving =
    [
        ("ApiTokens", "LastUsedAt"),
    ];

    private async Task<long> IncomingLogCountAsync()
    {
        await using var connection = new SqliteConnection(app.Database.ConnectionString);
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM IncomingRequests";
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static string Difference(string before, string after)
    {
        var a = before.Split('\n').ToHashSet();
        var b = after.Split('\n').ToHashSet();
        var changed = b.Except(a).Concat(a.Except(b).Select(l => "- " + l)).Take(3);
        return Truncate(string.Join(" | ", changed));
    }

    private static string Truncate(string s) => s.Length <= 400 ? s : s[..400] + "…";

    /// <summary>.NET namespaces, generic arity marks, framework type names, and our own DTO/entity class names.</summary>
    [GeneratedRegex(@"System\.|Microsoft\.|Undb\.|`\d|\b(JsonElement|JsonNode|JsonObject|JsonArray|JsonValue|Nullable|IReadOnly\w+|IEnumerable|Dictionary|Int32|Int64|Boolean|Decimal|Double|DateTimeOffset|String\b|\w+Exception|\w+(Request|Dto|Entity|Options))\b")]
    private static partial Regex TypeName();
}
