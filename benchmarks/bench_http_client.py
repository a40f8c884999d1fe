"""Is ``requests`` worth its cost for the OTLP exchange? Import time and CPU per request.

Measures, each in fresh interpreters, interleaved, medians over ``--rounds``:

* import time of ``requests`` on top of what the engine imports anyway (the OTel SDK, ``ssl``,
  ``http.client``, ``email.utils``, ``gzip``), against nothing more (``http.client`` is already
  there);
* CPU time (process time of the client) per POST of a 40 KB body to a loopback HTTP/1.1
  server in another process, over one kept-alive connection: ``requests.Session.post`` against
  ``http.client.HTTPConnection``.

Run: ``.venv/bin/python benchmarks/bench_http_client.py [--rounds 5] [--requests 2000]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

_BASE = (
    "import opentelemetry.sdk.trace, opentelemetry.sdk.metrics, ssl, http.client, email.utils, gzip"
)

_IMPORT = """
import time
{base}
started = time.perf_counter()
{extra}
print(time.perf_counter() - started)
"""

_SERVER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

_CLIENT = """
import sys, time
port, count, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = bytes(range(256)) * 160
headers = {"Content-Type": "application/x-protobuf", "User-Agent": "bench"}
if kind == "requests":
    import requests
    session = requests.Session()
    url = f"http://127.0.0.1:{port}/v1/traces"
    send = lambda: session.post(url, data=body, headers=headers, timeout=(3.5, 10)).status_code
else:
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    def send():
        conn.request("POST", "/v1/traces", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
for _ in range(50):
    send()
started = time.process_time()
for _ in range(count):
    assert send() == 200
print((time.process_time() - started) / count)
"""


def _run(code: str, *args: str) -> float:
    output = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return float(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = server.stdout.readline().strip()
    results: dict[str, list[float]] = {
        "import_requests_ms": [],
        "import_nothing_more_ms": [],
        "cpu_per_request_requests_us": [],
        "cpu_per_request_http_client_us": [],
    }
    try:
        for _ in range(args.rounds):
            results["import_requests_ms"].append(
                1000 * _run(_IMPORT.format(base=_BASE, extra="import requests"))
            )
            results["import_nothing_more_ms"].append(
                1000 * _run(_IMPORT.format(base=_BASE, extra="pass"))
            )
            for kind, key in (
                ("requests", "cpu_per_request_requests_us"),
                ("http.client", "cpu_per_request_http_client_us"),
            ):
                results[key].append(1e6 * _run(_CLIENT, port, str(args.requests), kind))
    finally:
        server.terminate()
        server.wait()
    print(json.dumps({key: round(statistics.median(values), 2) for key, values in results.items()}))


if __name__ == "__main__":
    main()
