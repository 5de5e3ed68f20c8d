using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Undb.Bench;

/// <summary>The REST calls the benchmarks make, with errors that say what the app answered.</summary>
public static class BenchApi
{
    public static async Task<string> CreateTableAsync(HttpClient api, string name)
    {
        var table = await PostAsync(api, "/api/tables", new
        {
            name,
            fields = new object[]
            {
                new { name = "Name", type = "text", required = true },
                new { name = "Email", type = "email" },
                new { name = "Amount", type = "number" },
                new { name = "Stage", type = "singleSelect", options = new { choices = new[] { "Lead", "Qualified", "Won", "Lost" } } },
                new { name = "Notes", type = "longText" },
            },
        });
        return table["id"]!.GetValue<string>();
    }

    public static object Values(int i) => new
    {
        Name = $"Customer {i:D6}",
        Email = $"user{i}@example.com",
        Amount = (i * 37) % 100_000,
        Stage = (i % 4) switch { 0 => "Lead", 1 => "Qualified", 2 => "Won", _ => "Lost" },
        Notes = i % 10 == 0 ? $"Follow up with {i} about the renewal" : null,
    };

    /// <summary>Creates records <paramref name="from"/>..<paramref name="from"/>+<paramref name="count"/> in bulk requests of <paramref name="chunk"/>, <paramref name="parallel"/> at a time.</summary>
    public static async Task BulkCreateAsync(HttpClient api, string tableId, int from, int count, int chunk = 1000, int parallel = 2)
    {
        var starts = Enumerable.Range(0, (count + chunk - 1) / chunk).Select(c => from + c * chunk).ToList();
        await Parallel.ForEachAsync(starts, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (start, ct) =>
        {
            var n = Math.Min(chunk, from + count - start);
            var records = Enumerable.Range(start, n).Select(i => new { values = Values(i) }).ToArray();
            await PostAsync(api, $"/api/tables/{tableId}/records/bulk", new { records });
        });
    }

    public static async Task<(string Id, string Secret)> CreateWebhookAsync(HttpClient api, string tableId, string url, string[] events)
    {
        var webhook = await PostAsync(api, $"/api/tables/{tableId}/webhooks", new { name = "bench", url, method = "POST", events, enabled = true });
        return (webhook["id"]!.GetValue<string>(), webhook["secret"]!.GetValue<string>());
    }

    /// <summary>A table with one <c>record.created</c> webhook to the receiver, which verifies with its secret from now on.</summary>
    public static async Task<(string TableId, string Secret)> TableWithWebhookAsync(HttpClient api, Receiver receiver, string tableName)
    {
        var tableId = await CreateTableAsync(api, tableName);
        var (_, secret) = await CreateWebhookAsync(api, tableId, receiver.Url, ["record.created"]);
        receiver.UseSecret(secret);
        return (tableId, secret);
    }

    public static async Task<JsonObject> PostAsync(HttpClient api, string path, object body)
    {
        using var response = await api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        }
        return JsonNode.Parse(text)!.AsObject();
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

public static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        var rank = p / 100.0 * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    /// <summary>The given percentiles, to 0.1, as "p50 / p90 / …" for a log line.</summary>
    public static string Spread(IReadOnlyList<double> values, params double[] percentiles) =>
        string.Join(" / ", percentiles.Select(p => Percentile(values, p).ToString("F1")));
}
