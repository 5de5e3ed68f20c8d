using Undb.Data;
using Undb.Features.Accounts;
using Undb.Features.LiveFeed;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Incoming;
using Undb.Infrastructure;
using Undb.Infrastructure.Health;
using Undb.Infrastructure.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddWebUi();
builder.AddData();
builder.AddAccounts();
builder.AddTables();
builder.AddOutboundWebhooks();
builder.AddIncomingWebhooks();
builder.AddLiveFeed();
builder.AddApiDocs();
builder.AddHealth();
builder.AddTelemetry();

var app = builder.Build();

if (!await app.PrepareAsync())
{
    Environment.ExitCode = 1;
    return;
}

app.MapTelemetry();
app.UseWebUi();
app.MapHealth();
app.MapAccountsEndpoints();
app.MapTablesApi();
app.MapOutboundWebhooksApi();
app.MapIncomingWebhooks();
app.MapLiveFeed();
app.MapApiDocs();
app.MapWebUi();

app.Run();

/// <summary>Entry point; public so integration tests can host the app.</summary>
public partial class Program;
