"""Check the running stack: ``health`` probes each service, ``test`` sends telemetry with
automagik-telemetry over OTLP and waits until ClickHouse has it.

Used by ``make health`` and ``make test`` (which read the credentials from ``.env``); every
address can be given on the command line, so the same check runs against any deployment.
Only the standard library and automagik-telemetry itself are needed.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read_env(path: Path) -> dict[str, str]:
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                values[name.strip()] = value.strip()
    return values


def get(url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - http(s) URLs we were given
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as error:
        return 0, str(getattr(error, "reason", error))


def health(args: argparse.Namespace) -> int:
    checks = {
        "clickhouse": f"{args.clickhouse}/ping",
        "otel-collector": args.collector_health,
        "grafana": f"{args.grafana}/api/health",
    }
    healthy = True
    for name, url in checks.items():
        status, body = get(url)
        ok = status == 200
        healthy = healthy and ok
        print(f"{'OK  ' if ok else 'FAIL'} {name:<15} {url} -> {status or body}")
    return 0 if healthy else 1


def count(args: argparse.Namespace, sql: str, marker: str) -> int:
    """Run a query with ``{marker:String}`` bound by ClickHouse (never formatted into SQL)."""
    query = urllib.parse.urlencode(
        {"query": sql, "param_marker": marker, "database": args.database}
    )
    token = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
    status, body = get(f"{args.clickhouse}/?{query}", headers={"Authorization": f"Basic {token}"})
    if status != 200:
        raise RuntimeError(f"ClickHouse answered {status or 'nothing'}: {body.strip()[:300]}")
    return int(body.strip() or 0)


def send(args: argparse.Namespace, marker: str) -> None:
    from opentelemetry import trace

    from automagik_telemetry import configure_automagik, track_event

    handle = configure_automagik(
        service_name="infra-smoke-test",
        service_version="1.0.0",
        enabled=True,  # this run only: the operator asked for a test
        backend="otlp",
        endpoint=args.otlp,
        capture_logging=False,
    )
    with trace.get_tracer("infra.smoke").start_as_current_span("smoke-test") as span:
        span.set_attribute("smoke.id", marker)
        track_event("infra.smoke_test", {"smoke.id": marker})
    if not handle.shutdown(timeout=15):
        raise RuntimeError(f"the OTLP exporter could not deliver to {args.otlp}")


def test(args: argparse.Namespace) -> int:
    marker = uuid.uuid4().hex
    print(f"sending a span and an event (smoke.id={marker}) to {args.otlp}")
    try:
        send(args, marker)
        checks = {
            "span": "SELECT count() FROM otel_traces "
            "WHERE SpanAttributes['smoke.id'] = {marker:String}",
            "event": "SELECT count() FROM otel_logs "
            "WHERE LogAttributes['smoke.id'] = {marker:String}",
        }
        deadline = time.monotonic() + args.timeout
        pending = dict(checks)
        while pending and time.monotonic() < deadline:
            for name, sql in list(pending.items()):
                if count(args, sql, marker) > 0:
                    place = f"{args.clickhouse}, {args.database}"
                    print(f"OK   the {name} arrived in ClickHouse ({place})")
                    del pending[name]
            if pending:
                time.sleep(0.5)
    except RuntimeError as error:
        print(f"FAIL {error}")
        return 1
    for name in pending:
        print(f"FAIL the {name} did not arrive within {args.timeout:g}s: see `make logs`")
    return 1 if pending else 0


def main(argv: list[str] | None = None) -> int:
    env = read_env(HERE / ".env")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["health", "test"])
    parser.add_argument("--otlp", default="http://127.0.0.1:4318", help="OTLP/HTTP endpoint")
    parser.add_argument("--clickhouse", default="http://127.0.0.1:8123", help="ClickHouse HTTP")
    parser.add_argument("--database", default="otel")
    parser.add_argument("--user", default=env.get("CLICKHOUSE_USER", "default"))
    parser.add_argument("--password", default=env.get("CLICKHOUSE_PASSWORD", ""))
    parser.add_argument("--grafana", default="http://127.0.0.1:3000")
    parser.add_argument("--collector-health", default="http://127.0.0.1:13133/")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for data")
    args = parser.parse_args(argv)
    args.clickhouse = args.clickhouse.rstrip("/")
    return health(args) if args.command == "health" else test(args)


if __name__ == "__main__":
    sys.exit(main())
