// Usage: node verify.js SECRET FILE — FILE holds one JSON object per line: {"headers": {...}, "body": "..."}.
// Verifies every delivery with the Standard Webhooks reference library; prints how many verified, exits 1 on any failure.
const fs = require("fs");
const { Webhook } = require("standardwebhooks");
const [secret, file] = process.argv.slice(2);
const wh = new Webhook(secret);
let ok = 0;
for (const line of fs.readFileSync(file, "utf8").split("\n").filter(l => l.trim())) {
  const { headers, body } = JSON.parse(line);
  try {
    // The library rejects timestamps more than 5 minutes off, as a real receiver would.
    wh.verify(body, headers);
    ok++;
  } catch (e) {
    console.error(`FAILED ${headers["webhook-id"]}: ${e.message}`);
    process.exit(1);
  }
}
console.log(`verified ${ok}`);
