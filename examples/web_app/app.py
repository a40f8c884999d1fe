"""A small Flask service meant to run under ``opentelemetry-instrument`` (see README.md).

Nothing in it sets up telemetry: the ``automagik`` distro does, from environment variables.
The Flask, requests, sqlite3 and logging instrumentations add spans and logs; the convenience
calls (``track_event``, ``track_error``) add usage events. Its requests deliberately carry the
kind of data that instrumentation copies into telemetry — e-mail addresses in query strings,
tokens in headers, literals in SQL — which the privacy processors scrub before export.

Run: ``python examples/web_app/app.py [PORT]`` (0 picks a free port; the first line printed
says which).
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import sys
import threading
from typing import Any

import requests
from flask import Flask, request
from werkzeug.serving import make_server

from automagik_telemetry import StandardEvents, track_error, track_event

app = Flask(__name__)
log = logging.getLogger("web_app")
_port = 0


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/signup")
def signup() -> dict[str, Any]:
    email = request.args.get("email", "")
    track_event(StandardEvents.FEATURE_USED, {"feature_name": "signup"})
    log.warning("new signup from %s", email)
    with sqlite3.connect(":memory:") as db:
        cursor = db.cursor()
        cursor.execute("CREATE TABLE users (email TEXT)")
        # Legacy code that inlines values: instrumentation copies this text into db.statement.
        cursor.execute(f"INSERT INTO users (email) VALUES ('{email}')")  # noqa: S608
        cursor.execute("SELECT count(*) FROM users WHERE email = ?", (email,))
        count = cursor.fetchone()[0]
    # An outgoing call whose URL carries credentials and personal data (url.full).
    upstream = requests.get(
        f"http://service:s3cr3t-pass@127.0.0.1:{_port}/health",
        params={"email": email},
        timeout=5,
    )
    return {"users": count, "upstream": upstream.status_code}


@app.get("/fail")
def fail() -> tuple[dict[str, str], int]:
    try:
        raise ValueError(f"cannot charge card of {request.args.get('email', 'someone')}")
    except ValueError as error:
        track_error(error, {"error_code": "WEB-1"})
        log.exception("payment failed")
        return {"error": "payment failed"}, 500


def main() -> None:
    global _port
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = make_server("127.0.0.1", port, app, threaded=True)
    _port = server.port

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on http://127.0.0.1:{_port}", flush=True)
    server.serve_forever()
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
