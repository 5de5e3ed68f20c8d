using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>
/// "Send test" on the setup screen: posts the sample to this instance's own <c>/hooks/{id}</c> over loopback, with a
/// one-time <see cref="IncomingTestPasses">pass</see> instead of the API key, so the test meets exactly what a sender
/// meets (content type, size, rate limit, pause, mapping, write, log) and the answer is the endpoint's own. The pass
/// carries the mapping being edited, so a test needs no save first. Logged as a test, not counted in the stats.
/// </summary>
public sealed class IncomingTestSender(IHttpClientFactory http, IncomingTestPasses passes, IServer server)
{
    /// <summary>The named client that reaches this instance; tests point it at their in-memory server.</summary>
    public const string ClientName = "undb-self";

    public async Task<IngestOutcome> SendAsync(string webhookId, string json, IncomingMapping? mapping, string? actorId, CancellationToken ct = default)
    {
        if (Infrastructure.JsonText.FindError(Encoding.UTF8.GetBytes(json)) is { } invalid)
        {
            throw new BadRequestException($"The sample is not valid JSON: {invalid}");
        }
        using var client = http.CreateClient(ClientName);
        var baseAddress = client.BaseAddress ?? OwnAddress()
            ?? throw new BadRequestException("This server listens on no HTTP address it can reach itself on, so the test cannot be sent.");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "hooks/" + Uri.EscapeDataString(webhookId)))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(IncomingTestPasses.Header, passes.Issue(webhookId, mapping, actorId));
        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var body = TryParse(text) ?? IngestService.Problem((int)response.StatusCode, response.ReasonPhrase ?? "Error", text).Body;
        return new IngestOutcome((int)response.StatusCode, body);
    }

    private static JsonObject? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>An address Kestrel listens on, as a loopback URL (plain HTTP preferred): wildcards become 127.0.0.1 or [::1].</summary>
    private Uri? OwnAddress()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.Select(Loopback).OfType<Uri>().OrderBy(u => u.Scheme == Uri.UriSchemeHttp ? 0 : 1).FirstOrDefault();
    }

    internal static Uri? Loopback(string address)
    {
        // Kestrel reports wildcards as "http://[::]:5000", "http://0.0.0.0:5000" or "http://+:80" / "http://*:80".
        var normalized = address.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }
        var host = uri.Host switch
        {
            "0.0.0.0" or "localhost" => "127.0.0.1",
            "[::]" => "[::1]",
            _ => uri.Host, // an address of this machine the server was bound to
        };
        return new UriBuilder(uri) { Host = host, Path = "/" }.Uri;
    }
}
