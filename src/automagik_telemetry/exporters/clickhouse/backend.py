"""``ClickHouseBackend``: the ``clickhouse`` backend of ``configure_automagik``.

The live path writes the SDK's objects as columns (the fast path of ``spans.py``, ``logs.py``,
``metrics.py``), one classified attempt per batch; the durable spool decides about retries.
Spooled batches are OTLP requests, decoded back into the SDK's objects and written the same
way, so a replayed row is identical to one written live.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ...delivery.backend import BatchHint
from ...delivery.outcome import Delivery
from .compact import spans_block
from .logs import logs_block
from .metrics import MetricColumns, add_sdk_metrics
from .native import NativeBlock
from .sink import ClickHouseSink

__all__ = ["CLICKHOUSE_BATCH", "EMBEDDED_BATCH", "ClickHouseBackend"]

# ClickHouse makes a part per insert and wants thousands of rows per insert ("too many parts"
# otherwise); on the embedded store 2048-row inserts ran ~1.7x faster than 512-row ones, and
# 8192-row ones took half the engine's CPU per row of 2048-row ones (each insert costs ~20 ms
# of its own there: parts, skip indexes, the trace-id view), so the embedded store, which has
# no network round trip to amortize but the app's own CPU to spare, gets the larger batch.
CLICKHOUSE_BATCH = BatchHint(max_export_batch_size=2048, max_queue_size=32768)
EMBEDDED_BATCH = BatchHint(max_export_batch_size=8192, max_queue_size=32768)


class ClickHouseBackend:
    name = "clickhouse"
    preferred_temporality = None
    preferred_aggregation = None

    def __init__(self, sink: ClickHouseSink) -> None:
        self.sink = sink
        self.destination = sink.settings.describe()
        embedded = sink.settings.url.embedded
        self.batch = EMBEDDED_BATCH if embedded else CLICKHOUSE_BATCH
        if embedded:
            # The embedded store is opened in this process whatever happens (even a short
            # program's exit writes to it here), and opening it (importing and starting the
            # engine, creating and checking the tables) takes ~0.5 s of CPU: started now, it
            # runs while the app makes its first batch instead of holding that batch up.
            threading.Thread(
                target=sink.start, name="automagik-clickhouse-start", daemon=True
            ).start()

    def send_items(
        self, signal: str, items: Any, timeout: float, *, batch_id: str | None = None
    ) -> Delivery:
        del timeout  # the connection's own timeout (clickhouse_timeout) bounds each request
        blocks = _blocks(signal, items)
        for kind, block in blocks.items():
            delivery = self.sink.write_once(kind, block, batch_id)
            if not delivery.delivered:
                return delivery
        return Delivery.ok()

    def send_request(
        self, signal: str, payload: bytes, timeout: float, *, batch_id: str | None = None
    ) -> Delivery:
        """A spooled batch. ``batch_id`` (stable across retries and processes) is sent as
        ``insert_deduplication_token``: a batch replayed after a crash, or after an answer
        that never came, is stored once (each table deduplicates on its own, so a metrics batch
        whose first tables were written before a failure is completed, not doubled)."""
        return self.send_items(signal, _decoder(signal)(payload), timeout, batch_id=batch_id)

    def shutdown(self) -> None:
        self.sink.release()


def _decoder(signal: str) -> Callable[[bytes], Any]:
    """The decoder of a spooled batch of ``signal``. Imported here, not with this module: it
    loads the protobuf runtime (~15 ms at ``configure_automagik()``), which a live export never
    needs."""
    from ...spool.decode import decode_logs, decode_metrics, decode_spans

    decoders: dict[str, Callable[[bytes], Any]] = {
        "traces": decode_spans,
        "logs": decode_logs,
        "metrics": decode_metrics,
    }
    return decoders[signal]


def _blocks(signal: str, items: Any) -> dict[str, NativeBlock]:
    if signal == "traces":
        return {"traces": spans_block(items)}
    if signal == "logs":
        return {"logs": logs_block(items)}
    tables: dict[str, MetricColumns] = {}
    add_sdk_metrics(tables, items)
    return {kind: columns.block() for kind, columns in tables.items()}
