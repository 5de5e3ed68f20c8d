// The C# live feed client of docs/live-feed.md (Microsoft.AspNetCore.SignalR.Client), run by LiveFeedClientTests.
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Undb.E2E.LiveFeed;

public static class CSharpClient
{
    /// <summary>Follows one table; <paramref name="onMessage"/> gets (message type, JSON) for every message.</summary>
    public static async Task<HubConnection> FollowAsync(string baseUrl, string apiToken, string tableId, Action<string, JsonElement> onMessage)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"{baseUrl}/hubs/tables", o => o.AccessTokenProvider = () => Task.FromResult<string?>(apiToken))
            .WithAutomaticReconnect()
            .Build();
        connection.On<JsonElement>("recordsChanged", e => onMessage("recordsChanged", e));
        connection.On<JsonElement>("tableChanged", e => onMessage("tableChanged", e));
        connection.On<JsonElement>("resync", e => onMessage("resync", e)); // reload what you show
        await connection.StartAsync();
        await connection.InvokeAsync("SubscribeTable", tableId);
        return connection;
    }
}
