"""The ``otlp`` backend: OTLP/HTTP protobuf, one classified attempt per call.

Requests are encoded by the stock OpenTelemetry encoders; only the HTTP exchange is ours. The
stock exporters retry inside ``export()`` for up to their whole timeout, which during an outage
blocks the batch thread while the in-memory queue overflows, and they answer only SUCCESS or
FAILURE. The durable spool needs one quick attempt and the reason it failed (connection refused,
timeout, 5xx and 429 with ``Retry-After`` may succeed later; other 4xx never will), so it can
keep the batch on disk and retry on its own schedule.
"""

from __future__ import annotations

import gzip
import os
import threading
import zlib
from dataclasses import replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import AggregationTemporality
from opentelemetry.sdk.metrics.view import Aggregation

from ..config import TelemetryConfig
from ..delivery.backend import BatchHint
from ..delivery.outcome import Delivery
from ..spool.codec import encode_batch

__all__ = ["OTLPBackend", "build_otlp_backend"]

_RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
_SIGNALS = ("traces", "metrics", "logs")


class OTLPBackend:
    """POSTs OTLP requests to the per-signal endpoints of ``config``."""

    name = "otlp"
    batch: BatchHint | None = None
    preferred_aggregation: dict[type, Aggregation] | None = None

    def __init__(self, config: TelemetryConfig) -> None:
        self.endpoints = {signal: config.signal_endpoint(signal) for signal in _SIGNALS}  # type: ignore[arg-type]
        self.destination = self.endpoints["traces"].removesuffix("/v1/traces")
        self._compression = config.compression
        self._headers = {"Content-Type": "application/x-protobuf", **config.headers}
        if config.compression != "none":
            self._headers["Content-Encoding"] = config.compression
        self._verify: bool | str = os.environ.get("OTEL_EXPORTER_OTLP_CERTIFICATE") or True
        cert, key = (
            os.environ.get("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"),
            os.environ.get("OTEL_EXPORTER_OTLP_CLIENT_KEY"),
        )
        self._cert: str | tuple[str, str] | None = (cert, key) if cert and key else cert
        self.preferred_temporality = _temporality_preference()
        self._local = threading.local()

    def send_items(self, signal: str, items: Any, timeout: float) -> Delivery:
        payload = encode_batch(signal, items)
        return replace(self.send_request(signal, payload, timeout), payload=payload)

    def send_request(
        self, signal: str, payload: bytes, timeout: float, *, batch_id: str | None = None
    ) -> Delivery:
        del batch_id  # OTLP/HTTP has no way to deduplicate (docs/RELIABILITY.md)
        url = self.endpoints[signal]
        try:
            response = self._session().post(
                url,
                data=self._compress(payload),
                headers=self._headers,
                timeout=timeout,
                verify=self._verify,
                cert=self._cert,
            )
        except requests.Timeout:
            return Delivery.retry(f"no answer from {url} within {timeout:g}s")
        except requests.ConnectionError as error:
            return Delivery.retry(f"cannot reach {url}: {_reason(error)}")
        except requests.RequestException as error:
            return Delivery.rejected(f"cannot send to {url}: {error}")
        status = response.status_code
        if 200 <= status < 300:
            return Delivery.ok()
        detail = f"{url} answered HTTP {status}: {response.text[:200].strip()}"
        if status in _RETRYABLE or status >= 500:
            return Delivery.retry(detail, _retry_after(response.headers.get("Retry-After")))
        return Delivery.rejected(detail)

    def shutdown(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()

    def _session(self) -> requests.Session:
        """One connection pool per thread and process: a forked child never reuses the
        parent's sockets."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None or self._local.pid != os.getpid():
            session = requests.Session()
            self._local.session, self._local.pid = session, os.getpid()
        return session

    def _compress(self, payload: bytes) -> bytes:
        if self._compression == "gzip":
            return gzip.compress(payload, compresslevel=6)
        if self._compression == "deflate":
            return zlib.compress(payload)
        return payload


def build_otlp_backend(config: TelemetryConfig) -> OTLPBackend:
    return OTLPBackend(config)


def _reason(error: Exception) -> str:
    """The innermost cause, which says what actually happened (refused, reset, DNS)."""
    while error.__context__ is not None and isinstance(error.__context__, Exception):
        error = error.__context__
    return str(error) or type(error).__name__


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - datetime.now(timezone.utc).timestamp())


def _temporality_preference() -> dict[type, AggregationTemporality]:
    """``OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`` (``cumulative``, ``delta``,
    ``lowmemory``) with the meaning the OpenTelemetry specification gives it."""
    preference = os.environ.get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "")
    preference = preference.strip().lower()
    cumulative, delta = AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA
    temporality: dict[type, AggregationTemporality] = dict.fromkeys(
        (
            Counter,
            UpDownCounter,
            Histogram,
            ObservableCounter,
            ObservableUpDownCounter,
            ObservableGauge,
        ),
        cumulative,
    )
    if preference in {"delta", "lowmemory"}:
        temporality[Counter] = temporality[Histogram] = delta
    if preference == "delta":
        temporality[ObservableCounter] = delta
    return temporality
