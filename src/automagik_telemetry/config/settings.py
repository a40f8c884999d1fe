"""``TelemetryConfig``: every setting, resolved as defaults < environment < code.

Within the environment, ``AUTOMAGIK_TELEMETRY_*`` beats the standard ``OTEL_*`` variable for the
same setting: the package-specific name is the more deliberate choice. A per-signal endpoint beats
the base endpoint when both come from the same layer; across layers the higher layer wins, so an
endpoint set in code is not overridden by a stray ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``.

Consent is *not* resolved here: ``enabled`` is one input of the consent decision
(``automagik_telemetry.consent``), which also weighs ``DO_NOT_TRACK``, the opt-out file, CI and
the stored preference.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from ..errors import ConfigurationError
from . import values as v
from .level import ConsentLevel
from .masking import mask_headers, mask_url
from .scrubbing import ScrubbingOptions
from .specs import DURATION_LIMITS, EXIT_MODES, KNOWN_BACKENDS
from .specs import SPECS as _SPECS

__all__ = [
    "DEFAULT_ENDPOINT",
    "DURATION_LIMITS",
    "EXIT_MODES",
    "KNOWN_BACKENDS",
    "Signal",
    "TelemetryConfig",
]

DEFAULT_ENDPOINT = "https://telemetry.namastex.ai"
Signal = Literal["traces", "metrics", "logs"]


@dataclass(frozen=True, kw_only=True, repr=False)
class TelemetryConfig:
    """All settings of ``configure_automagik()``; each keyword has an environment variable.

    Build it with :meth:`resolve` to apply the environment, or directly to use code values
    only. Values are validated on construction: a bad value raises ``ConfigurationError``.
    """

    service_name: str = "unknown_service"
    """``service.name`` of the resource: the tool that sends telemetry."""
    service_version: str | None = None
    """``service.version`` of the resource."""
    enabled: ConsentLevel | bool | str | None = None
    """The tool's or operator's explicit choice (``True``/``False`` or ``off``/``errors``/``all``).
    ``None`` leaves the decision to the user's stored opt-in. Refusals from the user
    (``DO_NOT_TRACK``, the opt-out file) always win; see docs/CONFIGURATION.md."""
    backend: tuple[str, ...] | str = ("otlp",)
    """Where data goes: ``otlp``, ``console`` (prints to stderr, sends nothing), ``clickhouse``
    (a server or the embedded store, see ``clickhouse_url``); several at once as a
    comma-separated string or a tuple."""
    endpoint: str = DEFAULT_ENDPOINT
    """Base OTLP/HTTP URL; signals go to ``/v1/traces``, ``/v1/metrics``, ``/v1/logs``."""
    traces_endpoint: str | None = None
    """Full URL for traces, overriding ``endpoint`` for that signal."""
    metrics_endpoint: str | None = None
    """Full URL for metrics, overriding ``endpoint`` for that signal."""
    logs_endpoint: str | None = None
    """Full URL for logs, overriding ``endpoint`` for that signal."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra HTTP headers for every OTLP request (e.g. an API key of your collector)."""
    timeout: float = 10.0
    """Seconds per export request (environment: milliseconds, or with a unit)."""
    compression: str = "gzip"
    """OTLP body compression: ``gzip``, ``deflate`` or ``none``."""
    sample_rate: float = 1.0
    """Fraction of new traces kept (parent-based: a child follows its parent's decision)."""
    verbose: bool = False
    """Debug mode: print what would be sent to stderr and send nothing."""
    environment: str | None = None
    """Deployment environment; ``development``/``dev``/``test``/``testing`` turn telemetry off."""
    resource_attributes: Mapping[str, str] = field(default_factory=dict)
    """Extra resource attributes (environment: ``OTEL_RESOURCE_ATTRIBUTES``)."""
    metric_export_interval: float = 60.0
    """Seconds between metric exports."""
    shutdown_timeout: float = 5.0
    """Upper bound in seconds for flushing at shutdown and interpreter exit."""
    config_dir: Path | None = None
    """Where the stored consent and install id live (default: the per-OS user config dir)."""
    clickhouse_url: str | None = field(default=None, repr=False)
    """``http(s)://[user:password@]host[:port][/database]`` of a ClickHouse server, or
    ``chdb:///path/to/dir`` for the embedded store; required with the ``clickhouse`` backend."""
    clickhouse_user: str | None = None
    """ClickHouse user (beats one in the URL; default ``default``)."""
    clickhouse_password: str | None = field(default=None, repr=False)
    """ClickHouse password (beats one in the URL); never shown by ``status``."""
    clickhouse_database: str | None = None
    """Database of the tables (beats one in the URL; default ``default``)."""
    clickhouse_table_prefix: str = "otel"
    """Tables are ``<prefix>_traces``, ``<prefix>_logs``, ``<prefix>_metrics_gauge``, ..."""
    clickhouse_table_names: Mapping[str, str] = field(default_factory=dict)
    """Per-table names beating the prefix, e.g. ``{"traces": "spans"}``."""
    clickhouse_create_schema: bool = True
    """Create the database and tables when missing (otherwise they must exist)."""
    clickhouse_ttl: int = 0
    """Row lifetime in seconds (environment: ``30d``, ``12h``, ...); 0 keeps rows forever."""
    clickhouse_cluster_name: str | None = None
    """Create tables ``ON CLUSTER`` this cluster, with Replicated engines."""
    clickhouse_table_engine: str = "MergeTree()"
    """MergeTree-family engine of the created tables."""
    clickhouse_async_insert: bool = False
    """Use the server's asynchronous inserts (acknowledged once flushed)."""
    clickhouse_compression: str = "lz4"
    """Request compression to a server: ``lz4``, ``zstd``, ``gzip`` or ``none``."""
    clickhouse_timeout: float = 10.0
    """Seconds one export may take, retries included (environment: milliseconds or a unit)."""
    clickhouse_verify: bool = True
    """Verify the server's TLS certificate (``https://``)."""
    clickhouse_ca_cert: Path | None = None
    """CA bundle (PEM) to verify the server certificate with."""
    capture_logging: bool = False
    """Send stdlib ``logging`` records to the OTel logs pipeline (with trace correlation)."""
    log_level: int | str = 30
    """Threshold for captured ``logging`` records: a level name or number (default 30,
    ``WARNING``); stored as the number."""
    queue_size: int = 32_768
    """Items per signal waiting for export in memory (a span takes under 1 KB there); past
    it the oldest are dropped and counted."""
    batch_size: int | None = None
    """Items per export; default: the backend's choice (512 for OTLP, 2048 for ClickHouse)."""
    schedule_delay: float = 5.0
    """Seconds between exports when the batch is not full."""
    spool: bool = True
    """Keep batches a backend did not take on disk and replay them (docs/RELIABILITY.md)."""
    spool_dir: Path | None = None
    """Where the spool lives (default: the per-OS user cache dir, per service and backend)."""
    spool_max_bytes: int = 128 * 2**20
    """Disk budget of the spool, per backend (environment: ``500MB``, ``2GiB``, ...)."""
    spool_max_age: float = 7 * 86_400.0
    """Seconds a spooled batch is kept before it is dropped as stale (environment: ``7d``)."""
    retry_initial_backoff: float = 1.0
    """Seconds before the spool retries a backend after a failure; doubles per failure."""
    retry_max_backoff: float = 30.0
    """Upper bound of that wait (a ``Retry-After`` from the backend may ask for longer)."""
    exit_mode: str = "auto"
    """What interpreter exit does with pending telemetry: ``handoff`` writes it to the spool
    and starts a detached sender (the exit never waits on the network), ``flush`` sends it
    within ``shutdown_timeout`` (the rest is spooled for the next start), ``auto`` hands off
    in a process that ran under a minute and flushes in a longer-running one
    (docs/RELIABILITY.md)."""
    sender_lifetime: float = 60.0
    """Upper bound in seconds of the detached sender's life (it leaves earlier once the spool
    is empty)."""
    scrubbing: ScrubbingOptions = field(default_factory=ScrubbingOptions)
    """How personal data and secrets are scrubbed (see docs/PRIVACY.md); from code only."""
    scrubbing_mode: str | None = None
    """``mask`` (``<email>``) or ``hash`` (``<email:pseudonym>``); overrides ``scrubbing.mode``
    when set (environment: ``AUTOMAGIK_TELEMETRY_SCRUBBING_MODE``)."""
    capture_genai_content: bool | None = None
    """Keep GenAI prompt/completion content (still scrubbed); overrides
    ``scrubbing.capture_genai_content`` when set."""
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Where each non-default value came from (``code`` or ``env:NAME``), for ``status``."""

    def __post_init__(self) -> None:
        for name, spec in _SPECS.items():
            value = getattr(self, name)
            default = _DEFAULTS[name]
            # A default is valid as it is (tests/test_config.py parses each one to prove it):
            # parsing only what was set keeps a consent-off start short.
            if value is default or (type(value) is type(default) and value == default):
                continue
            object.__setattr__(self, name, spec.parse(value, name, self.sources.get(name)))
        for name in ("headers", "resource_attributes", "clickhouse_table_names", "sources"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        if "clickhouse" in self.backend:
            from . import clickhouse as ch

            ch.check_clickhouse_requirements(
                self.clickhouse_url,
                self.sources.get("backend"),
                cluster_name=self.clickhouse_cluster_name,
                cluster_source=self.sources.get("clickhouse_cluster_name"),
            )

    def __repr__(self) -> str:
        """Every setting, secrets masked: a configuration may end up in a log or a traceback."""
        shown = []
        for setting in fields(self):
            value = getattr(self, setting.name)
            if setting.name in _HIDDEN:
                continue
            if setting.name in _URLS and value is not None:
                value = mask_url(value)
            elif setting.name == "headers":
                value = mask_headers(value)
            shown.append(f"{setting.name}={value!r}")
        return f"TelemetryConfig({', '.join(shown)})"

    @classmethod
    def resolve(
        cls, environ: Mapping[str, str] | None = None, /, **settings: object
    ) -> TelemetryConfig:
        """Defaults < environment < ``settings`` (``None`` in ``settings`` means "not set")."""
        env = os.environ if environ is None else environ
        unknown = sorted(set(settings) - set(_SPECS))
        if unknown:
            raise ConfigurationError(
                "setting name", unknown[0], "one of " + ", ".join(sorted(_SPECS))
            )
        values: dict[str, object] = {}
        sources: dict[str, str] = {}
        for name, spec in _SPECS.items():
            if settings.get(name) is not None:
                values[name] = settings[name]
                sources[name] = "code"
                continue
            for var in spec.env:
                raw = env.get(var, "").strip()
                if raw:
                    values[name] = (spec.parse_env or spec.parse)(raw, name, f"env:{var}")
                    sources[name] = f"env:{var}"
                    break
        return cls(**values, sources=sources)  # type: ignore[arg-type]

    def with_overrides(self, **settings: object) -> TelemetryConfig:
        """A copy with some settings replaced from code (validated like the originals)."""
        sources = {**self.sources, **dict.fromkeys(settings, "code")}
        return replace(self, **settings, sources=sources)  # type: ignore[arg-type]

    # -- derived values ---------------------------------------------------------------------

    @property
    def consent_setting(self) -> ConsentLevel | None:
        """``enabled`` as a level (``None`` when nobody set it)."""
        return self.enabled if isinstance(self.enabled, ConsentLevel) else None

    @property
    def backends(self) -> tuple[str, ...]:
        """The backends that will run: debug mode replaces every backend by ``console``."""
        return ("console",) if self.verbose else tuple(self.backend)

    @property
    def log_threshold(self) -> int:
        """``log_level`` as the number ``logging`` uses (it is normalised on construction)."""
        return v.parse_log_level(self.log_level, "log_level")

    @property
    def scrubbing_options(self) -> ScrubbingOptions:
        """``scrubbing`` with ``scrubbing_mode`` and ``capture_genai_content`` applied: the
        two settings an operator can change from the environment."""
        changes: dict[str, Any] = {}
        if self.scrubbing_mode is not None:
            changes["mode"] = self.scrubbing_mode
        if self.capture_genai_content is not None:
            changes["capture_genai_content"] = self.capture_genai_content
        return replace(self.scrubbing, **changes) if changes else self.scrubbing

    def signal_endpoint(self, signal: Signal) -> str:
        """The full URL for one signal, applying the precedence in the module docstring."""
        specific: str | None = getattr(self, f"{signal}_endpoint")
        if specific is not None and _rank(self.sources.get(f"{signal}_endpoint")) >= _rank(
            self.sources.get("endpoint")
        ):
            return specific
        return f"{self.endpoint}/v1/{signal}"


_URLS = frozenset(
    {"endpoint", "traces_endpoint", "metrics_endpoint", "logs_endpoint", "clickhouse_url"}
)
_HIDDEN = frozenset({"clickhouse_password", "sources"})


def _rank(source: str | None) -> int:
    """Which layer a value came from: default 0, OTEL_* env 1, AUTOMAGIK_* env 2, code 3."""
    if source is None:
        return 0
    if source == "code":
        return 3
    return 2 if source.startswith("env:AUTOMAGIK") else 1


_DEFAULTS: dict[str, object] = {
    f.name: (f.default_factory() if callable(f.default_factory) else f.default)
    for f in fields(TelemetryConfig)
}
