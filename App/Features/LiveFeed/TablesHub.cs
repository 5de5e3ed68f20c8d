using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Undb.Features.Accounts;
using Undb.Features.Tables;

namespace Undb.Features.LiveFeed;

/// <summary>
/// <c>/hubs/tables</c>: external apps follow tables live. Connect with an API token (<c>accessTokenFactory</c>, sent
/// as <c>?access_token=</c>) or a signed-in cookie; <c>SubscribeTable(tableId)</c> / <c>UnsubscribeTable(tableId)</c>;
/// the server sends <c>recordsChanged</c> for every committed change (in commit order per table), <c>tableChanged</c>
/// for schema changes, and <c>resync</c> when the client fell behind and should reload.
/// </summary>
[Authorize(Policy = Policies.ReadData)]
public sealed class TablesHub(TableFeed feed, TableSnapshotCache tables, MemberDirectory members) : Hub
{
    public const string Path = "/hubs/tables";

    public override async Task OnConnectedAsync()
    {
        feed.Connect(Context);
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await feed.DisconnectAsync(Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>Starts sending the table's changes to this connection. An unknown table is a hub error the client can read.</summary>
    public async Task SubscribeTable(string tableId)
    {
        if (await members.RoleAsync(Context.UserIdentifier) is not { } role || !role.Allows(Permission.ReadData))
        {
            throw new HubException("You are no longer a member of this workspace.");
        }
        if (string.IsNullOrWhiteSpace(tableId) || await tables.GetAsync(tableId) is null)
        {
            throw new HubException($"Table '{tableId}' does not exist.");
        }
        feed.Subscribe(Context.ConnectionId, tableId);
    }

    public void UnsubscribeTable(string tableId) => feed.Unsubscribe(Context.ConnectionId, tableId);
}
