// Follows one table of an Undb server live: node client.mjs <baseUrl> <apiToken> <tableId>
import * as signalR from "@microsoft/signalr";

const [baseUrl, token, tableId] = process.argv.slice(2);
const connection = new signalR.HubConnectionBuilder()
  .withUrl(`${baseUrl}/hubs/tables`, { accessTokenFactory: () => token })
  .withAutomaticReconnect()
  .configureLogging(signalR.LogLevel.Warning)
  .build();

connection.on("recordsChanged", (e) => console.log(JSON.stringify({ type: "recordsChanged", ...e })));
connection.on("tableChanged", (e) => console.log(JSON.stringify({ type: "tableChanged", ...e })));
connection.on("resync", (e) => console.log(JSON.stringify({ type: "resync", ...e }))); // reload what you show

await connection.start();
await connection.invoke("SubscribeTable", tableId);
console.log(JSON.stringify({ type: "subscribed", tableId }));
