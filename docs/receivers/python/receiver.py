"""An Undb webhook receiver in Python (Flask), verifying signatures with the standard library only.

    UNDB_WEBHOOK_SECRET=whsec_... PORT=4000 python3 receiver.py

It answers POST /webhooks/undb: 401 when a signature does not verify, 200 for a webhook-id it has already seen
(a redelivery: Undb delivers at least once), 204 as soon as a new event is queued; the work happens after the answer.
"""
import base64
import hashlib
import hmac
import json
import os
import queue
import threading
import time

from flask import Flask, request

SECRET = os.environ["UNDB_WEBHOOK_SECRET"]  # whsec_<base64>, shown when the webhook is created
KEY = base64.b64decode(SECRET.removeprefix("whsec_"))  # both signatures use the decoded bytes as the HMAC key
TOLERANCE_SECONDS = 5 * 60  # refuse old (replayed) or far-future timestamps, as the Standard Webhooks libraries do

app = Flask(__name__)


def verify_standard_webhooks(headers, body: bytes) -> bool:
    """webhook-signature: space-separated "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" (two while a secret rotates)."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not msg_id or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (entry.partition(",") for entry in headers.get("webhook-signature", "").split())
    )


def verify_undb_signature(headers, body: bytes) -> bool:
    """X-Undb-Signature: "sha256=<hex HMAC-SHA256(key, body)>", for receivers built for GitHub-style signatures."""
    expected = "sha256=" + hmac.new(KEY, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("X-Undb-Signature", ""), expected)


# Deduplication: remember each webhook-id. Here in memory; in production a table with a unique key on it,
# written in the same transaction as the event's effects.
seen = set()
seen_lock = threading.Lock()
work = queue.Queue()


def handle(event):
    """The slow part (calling other systems, writing to a database) runs here, after the answer was sent."""
    record = event["event"].get("record") or {}
    print(f"processed {event['id']} {event['name']} record={record.get('id', '-')}", flush=True)


def worker():
    while True:
        event = work.get()
        try:
            handle(event)
        except Exception as error:  # a failure here must not stop the worker
            print(f"failed {event.get('id')}: {error}", flush=True)


@app.post("/webhooks/undb")
def receive():
    body = request.get_data()  # the raw bytes: the signature covers them exactly, so verify before parsing
    if not verify_standard_webhooks(request.headers, body) or not verify_undb_signature(request.headers, body):
        print(f"rejected {request.headers.get('webhook-id', '-')}", flush=True)
        return "invalid signature", 401
    msg_id = request.headers["webhook-id"]
    with seen_lock:
        if msg_id in seen:
            print(f"duplicate {msg_id}", flush=True)
            return "", 200
        seen.add(msg_id)
    event = json.loads(body)
    print(f"verified {msg_id} {event['name']}", flush=True)
    work.put(event)
    return "", 204  # answer within seconds: Undb gives up on an attempt after 15 s and tries again later


if __name__ == "__main__":
    threading.Thread(target=worker, daemon=True).start()
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "4000")))
