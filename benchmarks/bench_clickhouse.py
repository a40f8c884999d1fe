"""ClickHouse export vs the stock OTLP exporter, in one run.

    python benchmarks/bench_clickhouse.py [--spans 100000] [--rounds 3]

What is measured (best of ``--rounds``, the runs interleaved so background load hits both):

- spans/s: 100k SDK spans with realistic attributes (HTTP server spans, DB client spans with
  arrays and numbers, 5% with events, 2% errors with exception events), exported in batches
  - through ``ClickHouseSpanExporter`` into an embedded store (chDB), end to end: the clock
    stops when ``SELECT count()`` sees every row;
  - through the stock ``OTLPSpanExporter`` (protobuf over HTTP, no compression) to a loopback
    receiver in another process that decodes every request, as a collector would;
  once at the SDK's default batch size (512) for both, once as each pipeline hands them over
  (OTLP: 512 SDK spans; the embedded store: 8192 compact queued spans, what
  ``configure_automagik`` uses);
- rows/s for logs and for metric points (every metric type) into the embedded store;
- bytes on disk per span, after merges (``OPTIMIZE ... FINAL``), for ``otel_traces`` alone
  and with the trace-id lookup table.

The spans are made once, before any clock starts: both exporters get the same objects. That
is the exporters' own speed, not what a user's program sees; the second figure (from
``bench_clickhouse_program.py``, run at the end) is: spans created by a program in a fresh
interpreter, through ``configure_automagik`` (consent, privacy, queue, spool) into the embedded
store, against the stock SDK + OTLP exporter, from the first span to rows visible.
"""

from __future__ import annotations

import argparse
import http.server
import logging
import multiprocessing
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import bench_clickhouse_program
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from automagik_telemetry.delivery.queued import QueuedSpan
from automagik_telemetry.exporters.clickhouse import (
    ClickHouseLogExporter,
    ClickHouseMetricExporter,
    ClickHouseSpanExporter,
)

RESOURCE = Resource.create(
    {
        "service.name": "automagik-forge",
        "service.version": "1.4.0",
        "telemetry.distro.name": "automagik-telemetry",
        "telemetry.distro.version": "0.1.0",
        "os.type": "linux",
        "os.version": "6.1.0",
        "host.arch": "x86_64",
        "process.runtime.name": "cpython",
        "process.runtime.version": "3.11.7",
        "automagik.install.id": "5f0c6c1e-1f4e-4c55-9d3c-2b1d9b1b6a11",
        "deployment.environment.name": "production",
    }
)
ROUTES = ("/api/v1/tasks", "/api/v1/tasks/{id}", "/api/v1/agents", "/health", "/api/v1/runs/{id}")
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"


def make_spans(count: int) -> list[ReadableSpan]:
    """One HTTP server span and three DB client spans per request."""
    rnd = random.Random(7)
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("automagik_forge.api", "1.4.0")
    made = 0
    while made < count:
        route = rnd.choice(ROUTES)
        attributes = {
            "http.request.method": "GET",
            "http.route": route,
            "url.path": route.replace("{id}", str(rnd.randint(1, 10**6))),
            "url.scheme": "https",
            "server.address": "forge.example.com",
            "server.port": 443,
            "http.response.status_code": rnd.choice((200, 200, 200, 201, 404, 500)),
            "user_agent.original": USER_AGENT,
            "network.protocol.version": "1.1",
            "client.address": f"10.0.0.{rnd.randint(1, 254)}",
        }
        with tracer.start_as_current_span(
            f"GET {route}", kind=SpanKind.SERVER, attributes=attributes
        ):
            made += 1
            for _ in range(min(3, count - made)):
                with tracer.start_as_current_span(
                    "SELECT tasks",
                    kind=SpanKind.CLIENT,
                    attributes={
                        "db.system": "postgresql",
                        "db.namespace": "forge",
                        "db.query.text": "SELECT id, title, status FROM tasks WHERE owner_id = $1",
                        "db.operation.name": "SELECT",
                        "server.address": "db.internal",
                        "server.port": 5432,
                        "db.response.returned_rows": rnd.randint(0, 50),
                        "db.tags": ["primary", "pool-a"],
                        "db.cost": 0.25,
                    },
                ) as span:
                    made += 1
                    if rnd.random() < 0.05:
                        span.add_event("retry", {"attempt": 2, "reason": "deadlock detected"})
                    if rnd.random() < 0.02:
                        span.set_status(Status(StatusCode.ERROR, "connection reset"))
                        span.record_exception(ConnectionResetError("connection reset by peer"))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def make_logs(count: int) -> list[ReadableLogRecord]:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("automagik_forge.worker", "1.4.0")
    for index in range(count):
        logger.emit(
            LogRecord(
                body=f"task {index} finished in {index % 997} ms",
                severity_number=SeverityNumber.INFO if index % 10 else SeverityNumber.WARN,
                severity_text="INFO" if index % 10 else "WARN",
                attributes={"task.id": index, "queue": "default", "code.function": "run"},
            )
        )
    provider.shutdown()
    return list(exporter.get_finished_logs())


def make_metrics(series: int) -> MetricsData:
    reader = InMemoryMetricReader()
    views = [
        View(instrument_name="latency.exp", aggregation=ExponentialBucketHistogramAggregation())
    ]
    meter = MeterProvider(resource=RESOURCE, metric_readers=[reader], views=views).get_meter(
        "bench"
    )
    counter = meter.create_counter("requests")
    gauge = meter.create_gauge("temperature")
    histogram = meter.create_histogram("latency")
    exp = meter.create_histogram("latency.exp")
    for index in range(series):
        attributes = {"route": ROUTES[index % len(ROUTES)], "tenant": f"t{index}"}
        counter.add(index % 7 + 1, attributes)
        gauge.set(index / 10, attributes)
        histogram.record(index % 500, attributes)
        exp.record(index % 500 + 0.5, attributes)
    data = reader.get_metrics_data()
    assert data is not None
    return data


# -- the OTLP side: a decoding receiver in its own process ---------------------------------


def _serve(port_out: Any) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
        ExportTraceServiceResponse,
    )

    answer = ExportTraceServiceResponse().SerializeToString()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ExportTraceServiceRequest.FromString(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


def batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def timed(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run_otlp(url: str, spans: Sequence[ReadableSpan], size: int) -> float:
    exporter = OTLPSpanExporter(endpoint=f"{url}/v1/traces", compression=Compression.NoCompression)

    def work() -> None:
        for batch in batches(spans, size):
            assert exporter.export(batch).name == "SUCCESS"

    seconds = timed(work)
    exporter.shutdown()
    return len(spans) / seconds


def run_clickhouse(
    store: str,
    database: str,
    spans: Sequence[ReadableSpan],
    size: int,
    keep_for_disk: list[tuple[float, float]] | None = None,
) -> float:
    exporter = ClickHouseSpanExporter(f"chdb://{store}", database=database)
    assert exporter.export(spans[:1]).name == "SUCCESS"  # open the store, create the tables
    client = exporter.sink.connection.client
    client.command(f"TRUNCATE TABLE `{database}`.otel_traces")

    def work() -> None:
        for batch in batches(spans, size):
            assert exporter.export(batch).name == "SUCCESS"
        assert client.command(f"SELECT count() FROM `{database}`.otel_traces") == len(spans)

    seconds = timed(work)
    if keep_for_disk is None:
        client.command(f"DROP DATABASE `{database}`")  # no merges left running into later runs
    else:
        keep_for_disk.append(bytes_per_span(client, database, len(spans)))
    exporter.shutdown()
    return len(spans) / seconds


def bytes_per_span(client: Any, database: str, rows: int) -> tuple[float, float]:
    """Bytes on disk per span after merges: otel_traces alone, and with the lookup table."""
    sizes = []
    for table in ("otel_traces", "otel_traces_trace_id_ts"):
        client.command(f"OPTIMIZE TABLE `{database}`.`{table}` FINAL")
        sizes.append(
            client.command(
                "SELECT sum(bytes_on_disk) FROM system.parts WHERE active "
                f"AND database = '{database}' AND table = '{table}'"
            )
        )
    return sizes[0] / rows, sum(sizes) / rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--program-spans", type=int, default=30_000)
    parser.add_argument("--program-rounds", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    print(f"making {args.spans} spans ...", flush=True)
    spans = make_spans(args.spans)
    # what configure_automagik's pipeline hands the backend: compact queued spans
    compact = [QueuedSpan.of(span) for span in spans]
    port_queue: Any = multiprocessing.Queue()
    receiver = multiprocessing.Process(target=_serve, args=(port_queue,), daemon=True)
    receiver.start()
    url = f"http://127.0.0.1:{port_queue.get(timeout=30)}"
    store = tempfile.mkdtemp(prefix="bench-chdb-")
    results: dict[str, list[float]] = {}
    try:
        disk: list[tuple[float, float]] = []
        for round_ in range(args.rounds):
            last = round_ == args.rounds - 1
            runs: list[tuple[str, Callable[[], float]]] = [
                ("otlp@512", lambda: run_otlp(url, spans, 512)),
                ("clickhouse@512", lambda: run_clickhouse(store, "b512", spans, 512)),
                (
                    "clickhouse@8192",
                    lambda keep=disk if last else None: run_clickhouse(
                        store, "b8192", compact, 8192, keep
                    ),
                ),
            ]
            if round_ % 2:  # alternate the order: neither side always runs first
                runs.reverse()
            for name, run in runs:
                results.setdefault(name, []).append(run())
                print(
                    f"  round {round_ + 1} {name:16} {results[name][-1]:9,.0f} spans/s", flush=True
                )
        best = {name: max(values) for name, values in results.items()}
        print("\nspans/s        best     median")
        for name, value in best.items():
            print(f"  {name:16} {value:9,.0f} {statistics.median(results[name]):9,.0f}")
        same = best["clickhouse@512"] / best["otlp@512"]
        pipeline = best["clickhouse@8192"] / best["otlp@512"]
        print(f"  ratio, same batches (512 vs 512):      {same:.2f}x")
        print(f"  ratio, the pipeline's batches and compact spans (8192 vs 512): {pipeline:.2f}x")
        traces, total = disk[0]
        print(
            f"\non disk: {traces:.1f} bytes/span in otel_traces, {total:.1f} with the lookup table"
        )
        other_signals(store)
        memo, plain = encoder_memo(spans)
        print(
            f"\nNative encoding: {memo:.1f} µs/span with the memo of repeated strings, "
            f"{plain:.1f} without ({memo / plain - 1:+.0%})"
        )
        print(
            f"\nfrom a user's program: {args.program_spans:,} spans, first span to rows visible, "
            f"{args.program_rounds} rounds"
        )
        program = bench_clickhouse_program.measure(args.program_spans, args.program_rounds)
        print(f"  pre-built spans (pipeline batches): {pipeline:.2f}x the stock OTLP exporter")
        print(
            f"  from a user's program: {program['median']:.2f}x (min {min(program['ratios']):.2f}x,"
            f" max {max(program['ratios']):.2f}x); our app loop is {program['app_share']:.0%}"
            f" of our end-to-end time; CPU stock/ours {program['cpu_median']:.2f}x"
        )
    finally:
        receiver.terminate()
        shutil.rmtree(store, ignore_errors=True)
    return 0


def encoder_memo(spans: Sequence[ReadableSpan], rounds: int = 6) -> tuple[float, float]:
    """µs per span to build and encode 2048-span Native blocks, with the memo of repeated
    strings and without it (``encode_repeated`` swapped for the plain encoder), interleaved."""
    from automagik_telemetry.exporters.clickhouse import native
    from automagik_telemetry.exporters.clickhouse.compact import spans_block

    memoized = native.encode_repeated
    sample = list(spans[:20_480])

    def run() -> float:
        start = time.perf_counter()
        for index in range(0, len(sample), 2048):
            spans_block(sample[index : index + 2048]).to_bytes()
        return (time.perf_counter() - start) / len(sample) * 1e6

    with_memo, without = [], []
    try:
        for _ in range(rounds):
            native.encode_repeated = memoized
            with_memo.append(run())
            native.encode_repeated = native.encode_strings  # type: ignore[assignment]
            without.append(run())
    finally:
        native.encode_repeated = memoized
    return statistics.median(with_memo), statistics.median(without)


def other_signals(store: str) -> None:
    logs = make_logs(100_000)
    exporter = ClickHouseLogExporter(f"chdb://{store}", database="bench_logs")
    assert exporter.export(logs[:1]).name == "SUCCESS"
    seconds = timed(lambda: [exporter.export(batch) for batch in batches(logs, 2048)])
    client = exporter.sink.connection.client
    assert client.command("SELECT count() FROM bench_logs.otel_logs") == len(logs) + 1
    exporter.shutdown()
    print(f"\nlogs: {len(logs) / seconds:,.0f} rows/s ({len(logs):,} records, batches of 2048)")
    data = make_metrics(5_000)
    metrics = ClickHouseMetricExporter(f"chdb://{store}", database="bench_metrics")
    assert metrics.export(data).name == "SUCCESS"  # creates the tables
    points = sum(
        len(metric.data.data_points)
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
    )
    seconds = timed(lambda: metrics.export(data))
    metrics.shutdown()
    print(
        f"metrics: {points / seconds:,.0f} points/s ({points:,} points: sum, gauge, histogram, "
        "exponential histogram in one export)"
    )


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
