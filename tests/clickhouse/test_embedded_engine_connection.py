"""What a program writing to the embedded store loads: chDB's engine connection, not
``chdb.connect``'s wrapper, whose module imports pyarrow (~0.1 s, mostly holding the GIL) on the
start-up thread while the app makes its first spans, for Arrow results we never ask for; and no
protobuf runtime, which only decodes spooled batches."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import chdb
import pytest

from automagik_telemetry.exporters.clickhouse import ClickHouseSpanExporter

from .telemetry import many_spans
from .test_embedded_spans import rows

_PROGRAM = """
import sys
from pathlib import Path
from opentelemetry import trace
from automagik_telemetry import configure_automagik

store = Path(sys.argv[1])
handle = configure_automagik(
    enabled=True, service_name="cli", backend="clickhouse", clickhouse_url=f"chdb://{store}",
    spool_dir=store.parent / "spool",
)
with trace.get_tracer("cli").start_as_current_span("run"):
    pass
handle.force_flush(60)
stored = handle.pipeline.stages[0].backend.sink.connection._embedded_store().query(
    "SELECT count() FROM default.otel_traces"
)
print("ROWS", stored.strip())
heavy = ("pyarrow", "chdb.state", "google.protobuf", "opentelemetry.proto")
print("LOADED", sorted(name for name in heavy if name in sys.modules))
handle.shutdown()
"""


def test_a_program_storing_spans_loads_neither_pyarrow_nor_protobuf(tmp_path: Path) -> None:
    """Nor the protobuf runtime: it decodes spooled batches only (~15 ms at configure)."""
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_PROGRAM), str(tmp_path / "store")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
        env={k: v for k, v in os.environ.items() if not k.startswith(("AUTOMAGIK_", "OTEL_"))},
    )
    assert "ROWS 1" in child.stdout, child.stderr
    assert "LOADED []" in child.stdout, child.stdout


def test_a_chdb_without_the_engine_class_falls_back_to_its_public_connect(
    store_path: Path, database: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a chDB release move its engine class, the public ``chdb.connect`` is used: the
    store still opens and takes the rows."""
    monkeypatch.delattr(chdb, "_chdb")
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(many_spans(10)).name == "SUCCESS"
    exporter.shutdown()
    assert rows(engine, f"SELECT count() AS n FROM `{database}`.otel_traces") == [{"n": 10}]
