"""Cost of the privacy engine, in one run.

1. Per span: the bare SDK (``BatchSpanProcessor`` + no-op exporter) against the same plus
   ``PrivacySpanProcessor``, on realistic spans: 7 attributes, repeated values as real
   telemetry has them (methods, routes, user agents), one attribute with an e-mail and an IP
   drawn from 1,000 users. Also: spans with nothing to scrub, the worst case (cache off:
   every value of every span scanned), and a naive 8-regex scrubber for scale.
2. The redactor alone on unique text: MB/s and µs per value (no cache hits possible).

Rounds are interleaved (bare, privacy, bare, ...) and the ratio is the median of per-round
ratios, so a noisy neighbour slows both sides of a round alike.

    python benchmarks/bench_privacy.py [--rounds 31] [--spans 3000] [--text-only]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from typing import ClassVar

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from automagik_telemetry.privacy import PrivacySpanProcessor, Redactor
from automagik_telemetry.privacy.detector import Detector
from automagik_telemetry.privacy.scanner import TextScanner

Attributes = dict[str, object]


class NoOpExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


class NaiveScrubProcessor(SpanProcessor):
    """What the issue calls a naive scrub: 8 regexes over every string, always a copy."""

    PATTERNS: ClassVar[list[re.Pattern[str]]] = [
        re.compile(p)
        for p in (
            r"[\w.+-]+@[\w-]+\.[\w.]+",
            r"\b\d{1,3}(?:\.\d{1,3}){3}\b",
            r"\+?\d[\d ()-]{7,}\d",
            r"\b(?:\d[ -]?){13,19}\b",
            r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b",
            r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*",
            r"(?i)bearer\s+\S+",
            r"(?i)(?:password|token|secret)=\S+",
        )
    ]

    def __init__(self, next_processor: SpanProcessor) -> None:
        self.next_processor = next_processor

    def on_end(self, span: ReadableSpan) -> None:
        attributes = {}
        for key, value in (span.attributes or {}).items():
            if isinstance(value, str):
                for pattern in self.PATTERNS:
                    value = pattern.sub("<redacted>", value)
            attributes[key] = value
        copy = ReadableSpan(
            name=span.name,
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=attributes,
            events=span.events,
            links=span.links,
            kind=span.kind,
            status=span.status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )
        self.next_processor.on_end(copy)


def realistic_spans(count: int, users: int, seed: int = 7) -> list[tuple[str, Attributes]]:
    rnd = random.Random(seed)
    methods = ["GET", "GET", "GET", "POST", "PUT"]
    paths = [f"/api/projects/{i}/tasks" for i in range(50)]
    agents = [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        "python-httpx/0.27.0",
        "automagik-cli/1.4.0 (linux; x86_64)",
    ]
    messages = [
        f"login ok for user{i}.silva@example.com from 198.51.{i // 250}.{i % 250 + 1}"
        for i in range(users)
    ]
    spans = []
    for i in range(count):
        method = methods[i % len(methods)]
        spans.append(
            (
                f"HTTP {method}",
                {
                    "http.request.method": method,
                    "url.path": paths[rnd.randrange(len(paths))],
                    "http.route": "/api/projects/{id}/tasks",
                    "http.response.status_code": rnd.choice((200, 200, 200, 201, 404)),
                    "server.address": "api.example.com",
                    "user_agent.original": agents[i % len(agents)],
                    "app.message": messages[rnd.randrange(len(messages))],
                },
            )
        )
    return spans


def clean_spans(count: int) -> list[tuple[str, Attributes]]:
    spans = realistic_spans(count, users=1)
    for _, attributes in spans:
        attributes["app.message"] = "login ok"
    return spans


def tracer_with(wrap: Callable[[SpanProcessor], SpanProcessor] | None) -> TracerProvider:
    provider = TracerProvider()
    batch = BatchSpanProcessor(NoOpExporter())
    provider.add_span_processor(batch if wrap is None else wrap(batch))
    return provider


def run(provider: TracerProvider, spans: list[tuple[str, Attributes]]) -> float:
    """µs per span: start, set 7 attributes, end. The batch is flushed afterwards (not
    timed), so one round's export thread never runs during the next round."""
    tracer = provider.get_tracer("bench")
    start = time.perf_counter()
    for name, attributes in spans:
        with tracer.start_as_current_span(name) as span:
            for key, value in attributes.items():
                span.set_attribute(key, value)
    elapsed = time.perf_counter() - start
    provider.force_flush()
    return elapsed / len(spans) * 1e6


def compare(
    label: str,
    spans: list[tuple[str, Attributes]],
    rounds: int,
    wrap: Callable[[SpanProcessor], SpanProcessor],
) -> None:
    bare, scrubbed = tracer_with(None), tracer_with(wrap)
    run(bare, spans[:500])
    run(scrubbed, spans[:500])
    bare_us, scrub_us, ratios = [], [], []
    for _ in range(rounds):
        b = run(bare, spans)
        s = run(scrubbed, spans)
        bare_us.append(b)
        scrub_us.append(s)
        ratios.append(s / b)
    bare.shutdown()
    scrubbed.shutdown()
    low, _, high = statistics.quantiles(ratios, n=4)
    print(
        f"  {label:<34} bare {statistics.median(bare_us):6.2f} µs   with it "
        f"{statistics.median(scrub_us):6.2f} µs   ratio {statistics.median(ratios):.3f}"
        f" (IQR {low:.2f}-{high:.2f})"
    )


def unique_texts(count: int, seed: int = 11) -> list[str]:
    """Realistic, never repeating telemetry strings; about one in five holds personal data."""
    rnd = random.Random(seed)
    templates = [
        "GET /api/v1/projects/{n}/tasks?page={m}&sort=created_at 200 in {m}ms",
        "SELECT id, name, status FROM tasks WHERE project_id = {n} AND updated_at > $1 LIMIT {m}",
        'File "/srv/app/automagik/workers/runner_{n}.py", line {m}, in execute',
        "worker-{n} finished job {h} after {m} retries (queue=default, attempt={m})",
        "cache miss for key tasks:{n}:{m}; fetching from upstream api.example.com",
        "trace_id={h} span_id={s} request completed with status OK",
        "model gpt-4o-mini answered in {m} ms using {n} input tokens and {m} output tokens",
        "user u{n}.costa@example.org changed plan to pro (invoice {m})",
        "connection from 203.0.{b}.{c} rejected: too many requests ({n}/min)",
        "Authorization failed for token sk-proj-{h}{h}",
        "payment card 4111 1111 1111 1111 declined for order {n}",
    ]
    texts = []
    for i in range(count):
        template = templates[i % len(templates)]
        texts.append(
            template.format(
                n=rnd.randrange(10**6) + i,
                m=rnd.randrange(10**4),
                h=f"{rnd.getrandbits(64):016x}",
                s=f"{rnd.getrandbits(32):08x}",
                b=rnd.randrange(256),
                c=rnd.randrange(1, 255),
            )
        )
    return texts


def long_texts(count: int, seed: int = 13) -> list[str]:
    """Never repeating ~130-byte values, the size the issue measures: log lines and JSON
    records; about one in four holds personal data (e-mail, IP, phone, name, address, key),
    the rest only look busy (ids, hashes, dates, versions, routes, Title Case)."""
    rnd = random.Random(seed)
    templates = [
        "2024-05-{d:02d}T10:{m2:02d}:07Z INFO worker-{n} finished job {h} for project {m} "
        "after {m2} retries (queue=default, attempt={d}, elapsed={m}ms)",
        "POST /api/v2/projects/{n}/tasks/{m}/comments HTTP/1.1 201 {m}B in {m2}ms "
        '"Mozilla/5.0 (X11; Linux x86_64)" request_id={h}',
        '{{"event": "order.created", "order_id": {n}, "items": {m2}, "total": {m}.{d:02d}, '
        '"currency": "EUR", "status": "Pending Review"}}',
        "SELECT id, name, status FROM tasks WHERE project_id = {n} AND updated_at > "
        "'2024-03-{d:02d}' ORDER BY id DESC LIMIT {m} OFFSET {m2}",
        "Release Notes for Version 4.{m2}.{d} of the Automagik Platform: Faster Queries, "
        "Better Retries, {m} Fixes and a New CLI",
        'File "/srv/app/automagik/workers/runner_{n}.py", line {m}, in execute; '
        "TimeoutError: upstream api.example.com took {m2}s",
        "user u{n}.costa@example.org changed plan to pro (invoice {m}, coupon SPRING{d}) "
        "from 203.0.{b}.{c} via the web console",
        "ticket {n} assigned to Maria Fernandes by the triage bot; priority {d}, sla {m}h, "
        "component billing-api, labels: p{d}, backend",
        '{{"customer": "Jonas Becker", "shipping_address": "Hauptstraße {d}, 10115 Berlin", '
        '"order": {n}, "items": {m2}, "paid": true}}',
        "SMS delivery to +44 20 7946 {m:04d} failed with code {m2} after {d} attempts; "
        "provider=twilio region=eu-west-1 campaign=spring-{d}",
        "Authorization failed for token sk-proj-{h}{h} on /v1/chat/completions "
        "(model gpt-4o-mini, {m} tokens)",
        "trace_id={h}{h} span_id={s}{s} parent={s} service=checkout-api version=3.{d}.{m2} "
        "status=OK duration={m}us",
    ]
    texts = []
    for i in range(count):
        texts.append(
            templates[i % len(templates)].format(
                n=rnd.randrange(10**6) + i,
                m=rnd.randrange(10**4),
                m2=rnd.randrange(60),
                d=rnd.randrange(1, 29),
                h=f"{rnd.getrandbits(64):016x}",
                s=f"{rnd.getrandbits(32):08x}",
                b=rnd.randrange(256),
                c=rnd.randrange(1, 255),
            )
        )
    return texts


def throughput(rounds: int) -> None:
    for texts in (unique_texts(20_000), long_texts(20_000)):
        per_value_cost(texts, rounds)
        per_value_cost(texts, rounds, new_shapes=True)


class _Forgetful(dict[bytes, tuple[int, int]]):
    """A scanner's memory of shapes that never remembers: every value is a new shape."""

    def __setitem__(self, key: bytes, value: tuple[int, int]) -> None:
        pass


def per_value_cost(texts: list[str], rounds: int, *, new_shapes: bool = False) -> None:
    """µs per value with nothing cached. ``new_shapes``: as if no two values shared a shape
    (the text with digits made ``0``), so the scanner's choice of detectors is never
    reused: values that differ in their words, not only in their numbers."""
    size = sum(len(text.encode()) for text in texts)
    speeds, per_value = [], []
    for _ in range(max(3, rounds // 3)):
        redactor = Redactor(cache_size=0)  # every value scanned: nothing can be cached
        if new_shapes:
            redactor._scanner._by_shape = _Forgetful()
        start = time.perf_counter()
        for text in texts:
            redactor.redact_text(text)
        elapsed = time.perf_counter() - start
        speeds.append(size / elapsed / 1e6)
        per_value.append(elapsed / len(texts) * 1e6)
    average = size / len(texts)
    label = "unique text, every shape new" if new_shapes else "unique text"
    print(
        f"  {label} ({len(texts)} values, {average:.0f} B avg): "
        f"{statistics.median(speeds):.1f} MB/s, {statistics.median(per_value):.2f} µs per value"
    )


def selection_growth(rounds: int) -> None:
    """Issue 12: the cost of choosing detectors must not grow with their number on text that
    matches none. The scanner as built, and the same with 40 more detectors holding 4,000
    words and word-beginning triggers that occur nowhere in the text. CPU time, fastest of
    the interleaved rounds: the two differ by a few percent, so a busy machine's noise
    (wall-clock) would hide the comparison."""
    texts = long_texts(4000)
    rnd = random.Random(5)

    def word() -> str:
        return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))

    def nothing(text: str) -> Iterator[tuple[int, int, str]]:
        return iter(())

    base = Redactor(cache_size=0)._scanner
    extra = [
        Detector(
            f"extra{i}",
            nothing,
            triggers=tuple(word() + "_" for _ in range(50)),
            words=frozenset(word().encode() for _ in range(50)),
        )
        for i in range(40)
    ]
    scanners = (base, TextScanner([*base.detectors, *extra]))
    for scanner in scanners:
        scanner._by_shape = _Forgetful()  # the choice itself, not a remembered one
    costs: list[list[float]] = [[], []]
    for _ in range(max(3, rounds // 3)):
        for cost, scanner in zip(costs, scanners, strict=True):
            start = time.process_time()
            for text in texts:
                scanner.selected(text)
            cost.append((time.process_time() - start) / len(texts) * 1e6)
    print(
        f"  choosing detectors ({len(base.detectors)}): {min(costs[0]):.2f} µs, "
        f"with 40 more (4,000 words, none present): {min(costs[1]):.2f} µs"
    )


def huge_value() -> None:
    """A 10 MB attribute value: cut after ``MAX_SCANNED_CHARS`` (issue 11), so it costs
    about what a 16 KiB value does, plus hashing it once for the cache lookup."""
    text = "user maria@example.com logged in from 203.0.113.7; " * 200_000  # ~10.2 MB
    times = []
    for _ in range(5):
        redactor = Redactor()
        redactor.redact_text("warm-up: compile the tables, load the phone library 603 123 456")
        start = time.perf_counter()
        redactor.redact({"app.body": text})
        times.append((time.perf_counter() - start) * 1e3)
    print(f"  10 MB attribute value: {statistics.median(times):.1f} ms (median of 5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--spans", type=int, default=3000)
    parser.add_argument("--text-only", action="store_true", help="only the redactor alone")
    args = parser.parse_args()
    if args.text_only:
        print("redactor alone:")
        throughput(args.rounds)
        selection_growth(args.rounds)
        huge_value()
        return

    print(f"per span ({args.spans} spans x {args.rounds} interleaved rounds, medians):")
    compare(
        "realistic (e-mail + IP, 1,000 users)",
        realistic_spans(args.spans, users=1000),
        args.rounds,
        PrivacySpanProcessor,
    )
    compare("nothing to scrub", clean_spans(args.spans), args.rounds, PrivacySpanProcessor)
    compare(
        "worst case: no cache, all scanned",
        realistic_spans(args.spans, users=1000),
        args.rounds,
        lambda batch: PrivacySpanProcessor(batch, Redactor(cache_size=0)),
    )
    compare(
        "naive 8-regex scrub, for scale",
        realistic_spans(args.spans, users=1000),
        args.rounds,
        NaiveScrubProcessor,
    )
    print("redactor alone:")
    throughput(args.rounds)
    selection_growth(args.rounds)
    huge_value()


if __name__ == "__main__":
    main()
