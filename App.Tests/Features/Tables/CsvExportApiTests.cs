using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary><c>GET /api/tables/{id}/export.csv</c>: the grid's view as a streamed CSV download, safe to open in a spreadsheet.</summary>
[Trait("Engines", "Both")]
public sealed class CsvExportApiTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private readonly HttpClient _api = factory.CreateApiClient();

    private async Task<(string TableId, JsonNode Table)> TableAsync(params object[] records)
    {
        var created = await _api.PostAsJsonAsync("/api/tables", new
        {
            name = "Export " + Guid.NewGuid().ToString("N")[..6],
            fields = new object[]
            {
                new { name = "Deal", type = "text" },
                new { name = "Value", type = "number" },
                new { name = "Stage", type = "singleSelect", options = new { choices = new[] { "Lead", "Won" } } },
            },
        });
        var table = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = table["id"]!.GetValue<string>();
        if (records.Length > 0)
        {
            var bulk = await _api.PostAsJsonAsync($"/api/tables/{id}/records/bulk", new { records = records.Select(r => new { values = r }) });
            Assert.Equal(HttpStatusCode.Created, bulk.StatusCode);
        }
        return (id, table);
    }

    private static async Task<string> CsvAsync(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        return Encoding.UTF8.GetString(bytes.AsSpan(3));
    }

    [Fact]
    public async Task Export_IsACsvAttachment_InUtf8WithABom()
    {
        var (id, _) = await TableAsync(new { Deal = "Café", Value = 1 });

        var response = await _api.GetAsync($"/api/tables/{id}/export.csv");

        var csv = await CsvAsync(response);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Matches(@"^Export-[0-9a-f]{6}-\d{8}-\d{4}\.csv$", disposition.FileNameStar ?? disposition.FileName!.Trim('"'));
        Assert.Equal("Deal,Value,Stage\nCafé,1,\n", csv);
    }

    [Fact]
    public void FileName_CarriesTheDownloadersLocalTime_OrUtc()
    {
        var at = new DateTimeOffset(2026, 12, 5, 23, 35, 0, TimeSpan.Zero);
        Assert.Equal("Deals-2026-20261205-2335.csv", CsvExporter.FileName("Deals 2026", at));
        // Berlin is an hour ahead in winter; Tokyo is already on the next day.
        Assert.Equal("Deals-2026-20261206-0035.csv", CsvExporter.FileName("Deals 2026", at, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")));
        Assert.Equal("Deals-2026-20261206-0835.csv", CsvExporter.FileName("Deals 2026", at, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")));
    }

    [Theory]
    [InlineData("Asia/Tokyo")]
    [InlineData("Not/AZone")]
    public async Task Export_NamesTheFileInTheZoneItIsGiven_AndAnUnknownZoneMeansUtc(string tz)
    {
        var (id, _) = await TableAsync(new { Deal = "Acme", Value = 1 });
        var zone = Undb.Components.Shared.ViewerTime.For(tz).Zone;

        var before = DateTimeOffset.UtcNow;
        var response = await _api.GetAsync($"/api/tables/{id}/export.csv?tz={Uri.EscapeDataString(tz)}");
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var disposition = response.Content.Headers.ContentDisposition!;
        var name = disposition.FileNameStar ?? disposition.FileName!.Trim('"');
        var table = name[..name.IndexOf('-', "Export-".Length)];
        // The name's minute is the clock's at the request: one of the two minutes around it.
        Assert.Contains(name, new[] { CsvExporter.FileName(table, before, zone), CsvExporter.FileName(table, after, zone) });
        Assert.Equal("Deal,Value,Stage\nAcme,1,\n", await CsvAsync(response));
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")]
    [InlineData("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0")]
    [InlineData("@SUM(1)", "'@SUM(1)")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("\t=1+1", "'\t=1+1")]
    [InlineData("\r=1+1", "\"'\r=1+1\"")]
    [InlineData("plain = text", "plain = text")]
    [InlineData("2+2", "2+2")]
    public async Task TextThatLooksLikeAFormula_IsExportedAsText(string value, string cell)
    {
        var (id, _) = await TableAsync(new { Deal = value, Value = -5 });

        var csv = await CsvAsync(await _api.GetAsync($"/api/tables/{id}/export.csv"));

        // The negative number of a number field stays a number.
        Assert.Equal($"Deal,Value,Stage\n{cell},-5,\n", csv);
    }

    [Fact]
    public async Task Export_FollowsSortSearchAndFilters_LikeTheList()
    {
        var (id, _) = await TableAsync(
            new { Deal = "Zeta, Ltd", Value = 10, Stage = "Won" },
            new { Deal = "Alpha", Value = 20.5, Stage = "Lead" },
            new { Deal = "Beta", Value = 30, Stage = "Won" },
            new { Deal = "Gamma", Value = 5, Stage = "Won" });
        var query = "?sort=-Value&search=ta&filter=Value:gte:10&filter=Stage:isAnyOf:[\"Won\",\"Lost, really\"]";

        var csv = await CsvAsync(await _api.GetAsync($"/api/tables/{id}/export.csv{Encode(query)}"));
        var list = JsonNode.Parse(await _api.GetStringAsync($"/api/tables/{id}/records{Encode(query)}"))!;

        Assert.Equal("Deal,Value,Stage\nBeta,30,Won\n\"Zeta, Ltd\",10,Won\n", csv);
        Assert.Equal(["Beta", "Zeta, Ltd"], list["records"]!.AsArray().Select(r => r!["values"]!["Deal"]!.GetValue<string>()));
        Assert.Equal(2, list["total"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("filter=Value", "filter[0]")]
    [InlineData("filter=Value:about:3", "filter[0]")]
    [InlineData("filter=Stage:is:Won&filter=Nope:is:1", "")]
    [InlineData("filter=Value:gt:many", "")]
    [InlineData("sort=Nope", "")]
    public async Task ABadView_Is400ProblemDetails_NotADownloadCutShort(string query, string key)
    {
        var (id, _) = await TableAsync(new { Deal = "A", Value = 1 });

        foreach (var route in new[] { "export.csv", "records" })
        {
            var response = await _api.GetAsync($"/api/tables/{id}/{route}?{query}");

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Null(response.Content.Headers.ContentDisposition);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            if (key.Length > 0)
            {
                Assert.NotNull(problem["errors"]![key]);
            }
        }
    }

    [Fact]
    public async Task Export_ReadsWithABrowserSignIn_WhichStillCannotWrite()
    {
        var (id, _) = await TableAsync(new { Deal = "Cookie", Value = 2 });
        var browser = await CookieSignIn.BrowserAsync(factory);

        var csv = await CsvAsync(await browser.GetAsync($"/api/tables/{id}/export.csv"));

        Assert.Equal("Deal,Value,Stage\nCookie,2,\n", csv);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.DeleteAsync($"/api/tables/{id}")).StatusCode);
    }

    [Fact]
    public async Task Export_WithoutSignIn_Is401()
    {
        var (id, _) = await TableAsync();

        var response = await factory.CreateAnonymousClient().GetAsync($"/api/tables/{id}/export.csv");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Export_IsWrittenRowByRow_NeverTheWholeFileAtOnce()
    {
        var (id, _) = await TableAsync();
        var values = Enumerable.Range(0, 3000).Select(i => new { Deal = $"Deal number {i:D5} with some words to make the row longer", Value = i }).ToArray();
        foreach (var chunk in values.Chunk(1000))
        {
            Assert.Equal(HttpStatusCode.Created, (await _api.PostAsJsonAsync($"/api/tables/{id}/records/bulk", new { records = chunk.Select(v => new { values = v }) })).StatusCode);
        }
        var table = (await factory.Services.GetRequiredService<TableService>().GetAsync(id))!;
        var output = new RecordingStream();

        var rows = await factory.Services.GetRequiredService<CsvExporter>().WriteAsync(output, table, table.Fields, new RecordQuery());

        Assert.Equal(3000, rows);
        var text = Encoding.UTF8.GetString(output.ToArray().AsSpan(3));
        Assert.Equal(3001, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        // About 200 KB in all, handed over in pieces of at most a chunk (16 K characters) and a row.
        Assert.True(output.Writes.Count >= 10, $"{output.Writes.Count} writes");
        Assert.True(output.Writes.Max() < 20_000, $"largest write {output.Writes.Max()} bytes");
    }

    [Fact]
    public async Task AnExport_ImportsBackAsItWas_FormulasIncluded()
    {
        string[] deals = ["=1+1", "-3", "@home", "plain"];
        var (id, _) = await TableAsync(deals.Select(d => (object)new { Deal = d, Value = -1 }).ToArray());
        var csv = await CsvAsync(await _api.GetAsync($"/api/tables/{id}/export.csv?sort=Deal"));
        var table = (await factory.Services.GetRequiredService<TableService>().GetAsync(id))!;
        var rows = CsvFormat.Parse(csv);
        var request = new CsvImportRequest(id, rows.Skip(1).ToList(), CsvImporter.AutoMatch(rows[0], table), CsvImportMode.AllOrNothing);

        var result = await factory.Services.GetRequiredService<CsvImporter>().ImportAsync(request, null);

        Assert.Equal(4, result.Imported);
        var list = JsonNode.Parse(await _api.GetStringAsync($"/api/tables/{id}/records?limit=100"))!["records"]!.AsArray();
        var imported = list.Skip(4).Select(r => r!["values"]!["Deal"]!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal(deals.Order(StringComparer.Ordinal), imported);
        Assert.All(list.Skip(4), r => Assert.Equal(-1, r!["values"]!["Value"]!.GetValue<decimal>()));
    }

    private static string Encode(string query) =>
        "?" + string.Join("&", query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).Select(p => p[0] + "=" + Uri.EscapeDataString(p[1])));

    /// <summary>A stream that keeps what is written to it and remembers the size of every write.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly MemoryStream _data = new();

        public List<int> Writes { get; } = [];

        public byte[] ToArray() => _data.ToArray();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Writes.Add(buffer.Length);
            _data.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _data.Length;
        public override long Position { get => _data.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
