using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>The delivery client with the guard on (the default): every internal address is refused before connecting.</summary>
public sealed class SsrfGuardTests(GuardedFactory factory) : IClassFixture<GuardedFactory>
{
    public static TheoryData<string> InternalUrls => new()
    {
        "http://127.0.0.1:{port}/hook",
        "http://[::1]:{port}/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://10.200.3.4:{port}/hook",
        "http://172.16.0.1/hook",
        "http://172.31.9.9/hook",
        "http://192.168.1.1/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0:{port}/hook",
        "http://[fc00::1]/hook",
        "http://[fd00::5]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://2130706433:{port}/hook",
        "http://0x7f000001:{port}/hook",
        "http://localhost:{port}/hook",
    };

    [Theory]
    [MemberData(nameof(InternalUrls))]
    public async Task DeliveryClient_InternalAddress_IsRefusedAndNothingArrives(string template)
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var url = template.Replace("{port}", receiver.Port.ToString());
        var client = factory.Services.GetRequiredService<IHttpClientFactory>().CreateClient(DeliverySender.ClientName);

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => client.PostAsync(url, new StringContent("{}")));

        Assert.True(Chain(ex).Any(e => e is SsrfBlockedException), $"{url}: expected the SSRF guard to refuse it, got {ex}");
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task Webhook_ToHostnameResolvingToLoopback_IsBlockedAndRecorded()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "internal", url = $"http://localhost:{receiver.Port}/hook", events = new[] { "record.created" } });
        using var signals = new DeliverySignals(factory.Services);

        await api.PostAsJsonAsync($"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });
        var change = await signals.NextAsync(c => c.WebhookId == id && c.DeliveryId is not null);

        var detail = await api.SendJsonAsync(HttpMethod.Get, $"/api/deliveries/{change.DeliveryId}");
        var attempt = detail["attempts"]![0]!;
        Assert.StartsWith("Blocked:", attempt["error"]!.GetValue<string>());
        Assert.Null(attempt["response"]!["status"]);
        Assert.Empty(receiver.Requests);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("ftp://example.com/")]
    [InlineData("https://user:secret@example.com/")]
    public async Task CreateWebhook_BadUrl_Is422WithUrlError(string url)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var response = await factory.CreateApiClient().PostAsJsonAsync($"/api/tables/{table.Id}/webhooks",
            new { name = "bad", url, events = new[] { "record.created" } });
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]?["url"]);
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
