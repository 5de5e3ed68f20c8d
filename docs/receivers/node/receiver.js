// An Undb webhook receiver in Node.js (Express), verifying with the Standard Webhooks library (npm standardwebhooks).
//
//   npm install            (express, standardwebhooks: see package.json)
//   UNDB_WEBHOOK_SECRET=whsec_... PORT=4000 node receiver.js
//
// It answers POST /webhooks/undb: 401 when a signature does not verify, 200 for a webhook-id it has already seen
// (a redelivery: Undb delivers at least once), 204 as soon as a new event is queued; the work happens after the answer.
const crypto = require("node:crypto");
const express = require("express");
const { Webhook } = require("standardwebhooks");

const secret = process.env.UNDB_WEBHOOK_SECRET; // whsec_<base64>, shown when the webhook is created
const webhook = new Webhook(secret); // checks webhook-signature and refuses timestamps more than 5 minutes off
const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64"); // the HMAC key of X-Undb-Signature too

// X-Undb-Signature: "sha256=<hex HMAC-SHA256(key, body)>", for receivers built for GitHub-style signatures.
function verifyUndbSignature(header, body) {
  const expected = Buffer.from("sha256=" + crypto.createHmac("sha256", key).update(body).digest("hex"));
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

// Deduplication: remember each webhook-id. Here in memory; in production a table with a unique key on it,
// written in the same transaction as the event's effects.
const seen = new Set();

// The slow part (calling other systems, writing to a database) runs here, after the answer was sent.
async function handle(event) {
  const record = event.event.record ?? {};
  console.log(`processed ${event.id} ${event.name} record=${record.id ?? "-"}`);
}

const app = express();
// The raw body: the signature covers the bytes exactly, so verify before parsing.
app.post("/webhooks/undb", express.raw({ type: "*/*" }), (req, res) => {
  const body = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
  let event;
  try {
    event = webhook.verify(body, req.headers); // the parsed payload
  } catch (error) {
    console.log(`rejected ${req.headers["webhook-id"] ?? "-"}: ${error.message}`);
    return res.status(401).send("invalid signature");
  }
  if (!verifyUndbSignature(req.headers["x-undb-signature"], body)) {
    console.log(`rejected ${req.headers["webhook-id"]}: X-Undb-Signature`);
    return res.status(401).send("invalid signature");
  }
  const id = req.headers["webhook-id"];
  if (seen.has(id)) {
    console.log(`duplicate ${id}`);
    return res.sendStatus(200);
  }
  seen.add(id);
  console.log(`verified ${id} ${event.name}`);
  res.sendStatus(204); // answer within seconds: Undb gives up on an attempt after 15 s and tries again later
  setImmediate(() => handle(event).catch(error => console.log(`failed ${id}: ${error.message}`)));
});

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 4000);
app.listen(port, host, () => console.log(`Listening on http://${host}:${port}`));
