"""The ``otlp`` backend: OTLP/HTTP protobuf, one classified attempt per call.

Requests are encoded by our direct encoders (``encoding/``, through ``spool/codec.py``: the
stock encoders' bytes at a fraction of their cost); the HTTP exchange is ours, and says so in
its ``User-Agent``. The stock exporters retry inside ``export()`` for up
to their whole timeout, which during an outage blocks the batch thread while the in-memory queue
overflows, and they answer only SUCCESS or FAILURE. The durable spool needs one quick attempt
and the reason it failed (connection refused, timeout, 5xx and 429 with ``Retry-After`` may
succeed later; other 4xx never will), so it can keep the batch on disk and retry on its own
schedule.
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import threading
import zlib
from dataclasses import replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from opentelemetry.sdk.version import __version__ as sdk_version

from .._version import __version__
from ..config import TelemetryConfig
from ..config.masking import mask_url, redact, secret_values
from ..delivery.backend import BatchHint
from ..delivery.outcome import MAX_RETRY_AFTER, Delivery
from ..spool.codec import encode_batch

if TYPE_CHECKING:
    import requests
    from opentelemetry.sdk.metrics.export import AggregationTemporality
    from opentelemetry.sdk.metrics.view import Aggregation

__all__ = ["USER_AGENT", "OTLPBackend", "build_otlp_backend"]

USER_AGENT = f"automagik-telemetry/{__version__} OTel-OTLP-Exporter-Python/{sdk_version}"
"""What we are, then the exporter identity the stock OTLP exporters send (with the SDK's
version), as the OpenTelemetry specification lets a distribution prepend its own product."""

_RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
CONNECT_TIMEOUT = 3.5
"""Longest wait for the TCP connection, whatever ``timeout`` is: an endpoint that drops SYNs
(a host down behind a firewall) counts as down after the first SYN and its retransmissions at
1 s and 3 s, not after a whole ``timeout`` (10 s by default) of queue growth."""
_SIGNALS = ("traces", "metrics", "logs")


class OTLPBackend:
    """POSTs OTLP requests to the per-signal endpoints of ``config``."""

    name = "otlp"
    batch: BatchHint | None = None
    preferred_aggregation: dict[type, Aggregation] | None = None

    def __init__(self, config: TelemetryConfig) -> None:
        self.endpoints = {signal: config.signal_endpoint(signal) for signal in _SIGNALS}  # type: ignore[arg-type]
        # What we show (logs, spool names) never carries a credential of the URL or headers.
        self._shown = {signal: mask_url(url) for signal, url in self.endpoints.items()}
        self._secrets = secret_values(urls=self.endpoints.values(), headers=config.headers)
        self.destination = self._shown["traces"].removesuffix("/v1/traces")
        self._compression = config.compression
        self._headers = {
            "Content-Type": "application/x-protobuf",
            "User-Agent": USER_AGENT,
            **config.headers,
        }
        if sum(name.lower() == "user-agent" for name in self._headers) > 1:
            del self._headers["User-Agent"]  # the operator's own, from OTEL_EXPORTER_OTLP_HEADERS
        if config.compression != "none":
            self._headers["Content-Encoding"] = config.compression
        self._verify: bool | str = os.environ.get("OTEL_EXPORTER_OTLP_CERTIFICATE") or True
        cert, key = (
            os.environ.get("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"),
            os.environ.get("OTEL_EXPORTER_OTLP_CLIENT_KEY"),
        )
        self._cert: str | tuple[str, str] | None = (cert, key) if cert and key else cert
        self._local = threading.local()

    @functools.cached_property
    def preferred_temporality(self) -> dict[type, AggregationTemporality]:
        """Asked only by the pipeline's metric exporter (the SDK is loaded there)."""
        return _temporality_preference()

    def send_items(self, signal: str, items: Any, timeout: float) -> Delivery:
        payload = encode_batch(signal, items)
        return replace(self.send_request(signal, payload, timeout), payload=payload)

    def send_request(
        self, signal: str, payload: bytes, timeout: float, *, batch_id: str | None = None
    ) -> Delivery:
        """One attempt. ``batch_id`` (a spooled batch's stable id) is accepted and unused:
        OTLP has no way to ask the receiver to deduplicate (docs/RELIABILITY.md)."""
        del batch_id
        import requests  # ~50 ms: paid on the first send (a background thread), not at start

        url, shown = self.endpoints[signal], self._shown[signal]
        # Requests that no retry can make (a malformed URL or header) are the only transport
        # errors that are permanent. Anything else that goes wrong on the wire is transient.
        cannot_be_made = (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidHeader,
        )
        try:
            response = self._session().post(
                url,
                data=self._compress(payload),
                headers=self._headers,
                timeout=(min(timeout, CONNECT_TIMEOUT), timeout),
                verify=self._verify,
                cert=self._cert,
            )
        except cannot_be_made as error:
            return Delivery.rejected(redact(f"cannot send to {shown}: {error}", self._secrets))
        except requests.ConnectTimeout:
            connect = min(timeout, CONNECT_TIMEOUT)
            return Delivery.retry(f"cannot connect to {shown} within {connect:g}s")
        except requests.Timeout:
            return Delivery.retry(f"no answer from {shown} within {timeout:g}s")
        except requests.RequestException as error:
            # Refused, reset, an answer cut short (a 503 whose body never arrived whole): the
            # endpoint never said "never", so the batch is kept and tried again.
            return Delivery.retry(redact(f"cannot reach {shown}: {_reason(error)}", self._secrets))
        status = response.status_code
        if 200 <= status < 300:
            return Delivery.ok()
        answer = response.text[:200].strip()  # a receiver may echo the credential it refused
        detail = redact(f"{shown} answered HTTP {status}: {answer}", self._secrets)
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
            import requests

            session = requests.Session()
            self._local.session, self._local.pid = session, os.getpid()
        return session

    def _compress(self, payload: bytes) -> bytes:
        if self._compression == "gzip":
            return gzip.compress(payload, compresslevel=2)  # measured: docs/ENCODING.md
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
    """``Retry-After`` as seconds: a number of seconds or an HTTP date (RFC 9110), at most
    ``MAX_RETRY_AFTER`` (a server's ``1e10`` or ``inf`` must not park the spool for good)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - datetime.now(timezone.utc).timestamp()
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _temporality_preference() -> dict[type, AggregationTemporality]:
    """``OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`` (``cumulative``, ``delta``,
    ``lowmemory``) with the meaning the OpenTelemetry specification gives it. The SDK's metric
    classes are imported here: a detached sender replaying spooled bytes never needs them."""
    from opentelemetry.sdk.metrics import (
        Counter,
        Histogram,
        ObservableCounter,
        ObservableGauge,
        ObservableUpDownCounter,
        UpDownCounter,
    )
    from opentelemetry.sdk.metrics.export import AggregationTemporality

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
