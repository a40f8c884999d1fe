"""How each setting of ``TelemetryConfig`` is read: its environment variables (the first set
one wins) and the parsers that validate a value from code or from the environment.

Kept apart from the settings object so that the table of variables — what an operator looks
up — reads as one list, and so that ``settings.py`` is only the object and its precedence
rules. Duration settings carry an upper bound (``DURATION_LIMITS``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..errors import ConfigurationError
from . import values as v
from .level import parse_consent
from .scrubbing import SCRUBBING_MODES, ScrubbingOptions

__all__ = ["DURATION_LIMITS", "EXIT_MODES", "KNOWN_BACKENDS", "SPECS", "Spec"]

KNOWN_BACKENDS: tuple[str, ...] = ("otlp", "console", "clickhouse")
EXIT_MODES: tuple[str, ...] = ("auto", "handoff", "flush")

Parser = Callable[[object, str, "str | None"], Any]
"""A parser: ``(value, setting name, source)`` -> the value, or ``ConfigurationError``."""


@dataclass(frozen=True)
class Spec:
    """How one setting is read: its environment variables (first wins) and parsers."""

    env: tuple[str, ...]
    parse: Parser
    parse_env: Parser | None = None  # when the environment spells the value differently


def _backends(value: object, setting: str, source: str | None) -> tuple[str, ...]:
    return v.parse_name_list(value, setting, source, accepted=KNOWN_BACKENDS)


def _compression(value: object, setting: str, source: str | None) -> str:
    return v.parse_name_list(value, setting, source, accepted=("gzip", "deflate", "none"))[0]


def _optional(parser: Parser) -> Parser:
    def parse(value: object, setting: str, source: str | None) -> Any:
        return None if value is None else parser(value, setting, source)

    return parse


_MINUTE, _HOUR, _DAY = 60.0, 3_600.0, 86_400.0
DURATION_LIMITS: Mapping[str, float] = MappingProxyType(
    {
        "timeout": 5 * _MINUTE,
        "clickhouse_timeout": 5 * _MINUTE,
        "shutdown_timeout": 10 * _MINUTE,
        "schedule_delay": _HOUR,
        "retry_initial_backoff": _HOUR,
        "retry_max_backoff": _HOUR,
        "metric_export_interval": _DAY,
        "spool_max_age": 365 * _DAY,
        "sender_lifetime": _HOUR,
    }
)
"""The longest value each duration setting accepts, in seconds (docs/CONFIGURATION.md).

Each bounds a wait of a background thread or of the app's exit: past ``threading.TIMEOUT_MAX``
a wait raises ``OverflowError`` (a dead thread, or an error in the app at ``shutdown()``), and
well before that a value is a typo (milliseconds given as seconds) that would silently stop
delivery. The bounds are generous next to any sensible setting."""


def _duration(setting: str) -> tuple[Parser, Parser]:
    """The code and environment parsers of a duration setting, bounded by its limit."""
    maximum = DURATION_LIMITS[setting]

    def from_code(value: object, setting: str, source: str | None) -> float:
        return v.parse_positive_seconds(value, setting, source, maximum=maximum)

    def from_env(value: object, setting: str, source: str | None) -> float:
        return v.parse_duration_ms(value, setting, source, maximum=maximum)

    return from_code, from_env


def _ch(name: str) -> Parser:
    """A parser of ``config/clickhouse.py``, imported on first use: most programs set no
    ClickHouse setting, and defaults are not parsed (see ``__post_init__``)."""

    def parse(value: object, setting: str, source: str | None) -> Any:
        from . import clickhouse

        return getattr(clickhouse, name)(value, setting, source)

    return parse


def _ch_env(name: str) -> tuple[str, ...]:
    return (f"AUTOMAGIK_TELEMETRY_CLICKHOUSE_{name}",)


def _exit_mode(value: object, setting: str, source: str | None) -> str:
    return v.parse_name_list(value, setting, source, accepted=EXIT_MODES)[0]


def _scrubbing(value: object, setting: str, source: str | None) -> ScrubbingOptions:
    """A ``ScrubbingOptions``, or a mapping of its fields (``{"mode": "hash"}``)."""
    if isinstance(value, ScrubbingOptions):
        return value
    if isinstance(value, Mapping):
        try:
            return ScrubbingOptions(**value)
        except TypeError as error:
            raise ConfigurationError(
                setting, value, f"ScrubbingOptions fields ({error})", source=source
            ) from None
    raise ConfigurationError(
        setting, value, "a ScrubbingOptions or a mapping of its fields", source=source
    )


def _scrubbing_mode(value: object, setting: str, source: str | None) -> str:
    return v.parse_name_list(value, setting, source, accepted=SCRUBBING_MODES)[0]


def _endpoint(value: object, setting: str, source: str | None) -> str:
    url = v.parse_url(value, setting, source)
    # The seed SDK's AUTOMAGIK_TELEMETRY_ENDPOINT was the full traces URL: accept it as a base.
    return url.removesuffix("/v1/traces")


SPECS: dict[str, Spec] = {
    "service_name": Spec(("AUTOMAGIK_TELEMETRY_SERVICE_NAME", "OTEL_SERVICE_NAME"), v.parse_text),
    "service_version": Spec(("AUTOMAGIK_TELEMETRY_SERVICE_VERSION",), _optional(v.parse_text)),
    "enabled": Spec(("AUTOMAGIK_TELEMETRY_ENABLED",), parse_consent),
    "backend": Spec(("AUTOMAGIK_TELEMETRY_BACKEND",), _backends),
    "endpoint": Spec(("AUTOMAGIK_TELEMETRY_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"), _endpoint),
    "traces_endpoint": Spec(
        ("AUTOMAGIK_TELEMETRY_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        _optional(v.parse_url),
    ),
    "metrics_endpoint": Spec(
        ("AUTOMAGIK_TELEMETRY_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
        _optional(v.parse_url),
    ),
    "logs_endpoint": Spec(
        ("AUTOMAGIK_TELEMETRY_LOGS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"),
        _optional(v.parse_url),
    ),
    "headers": Spec(
        ("AUTOMAGIK_TELEMETRY_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"), v.parse_key_values
    ),
    "timeout": Spec(
        ("AUTOMAGIK_TELEMETRY_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"),
        *_duration("timeout"),
    ),
    "compression": Spec(
        ("AUTOMAGIK_TELEMETRY_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"), _compression
    ),
    "sample_rate": Spec(
        ("AUTOMAGIK_TELEMETRY_SAMPLE_RATE", "OTEL_TRACES_SAMPLER_ARG"), v.parse_fraction
    ),
    "verbose": Spec(("AUTOMAGIK_TELEMETRY_VERBOSE",), v.parse_bool),
    "environment": Spec(("AUTOMAGIK_ENV", "ENVIRONMENT"), _optional(v.parse_text)),
    "resource_attributes": Spec(("OTEL_RESOURCE_ATTRIBUTES",), v.parse_key_values),
    "metric_export_interval": Spec(
        ("AUTOMAGIK_TELEMETRY_METRIC_EXPORT_INTERVAL", "OTEL_METRIC_EXPORT_INTERVAL"),
        *_duration("metric_export_interval"),
    ),
    "shutdown_timeout": Spec(
        ("AUTOMAGIK_TELEMETRY_SHUTDOWN_TIMEOUT",), *_duration("shutdown_timeout")
    ),
    "config_dir": Spec(("AUTOMAGIK_TELEMETRY_CONFIG_DIR",), _optional(v.parse_path)),
    # -- the clickhouse backend (docs/BACKENDS.md) --------------------------------------------
    "clickhouse_url": Spec(_ch_env("URL"), _optional(_ch("parse_clickhouse_url"))),
    "clickhouse_user": Spec(_ch_env("USER"), _optional(v.parse_text)),
    "clickhouse_password": Spec(_ch_env("PASSWORD"), _optional(_ch("parse_secret"))),
    "clickhouse_database": Spec(_ch_env("DATABASE"), _optional(_ch("parse_identifier"))),
    "clickhouse_table_prefix": Spec(_ch_env("TABLE_PREFIX"), _ch("parse_identifier")),
    "clickhouse_table_names": Spec(_ch_env("TABLE_NAMES"), _ch("parse_table_names")),
    "clickhouse_create_schema": Spec(_ch_env("CREATE_SCHEMA"), v.parse_bool),
    "clickhouse_ttl": Spec(_ch_env("TTL"), _ch("parse_ttl")),
    "clickhouse_cluster_name": Spec(_ch_env("CLUSTER_NAME"), _optional(_ch("parse_identifier"))),
    "clickhouse_table_engine": Spec(_ch_env("TABLE_ENGINE"), _ch("parse_table_engine")),
    "clickhouse_async_insert": Spec(_ch_env("ASYNC_INSERT"), v.parse_bool),
    "clickhouse_compression": Spec(_ch_env("COMPRESSION"), _ch("parse_clickhouse_compression")),
    "clickhouse_timeout": Spec(_ch_env("TIMEOUT"), *_duration("clickhouse_timeout")),
    "clickhouse_verify": Spec(_ch_env("VERIFY"), v.parse_bool),
    "clickhouse_ca_cert": Spec(_ch_env("CA_CERT"), _optional(v.parse_path)),
    # The OTEL_* names are the ones the SDK's and the logging instrumentation's own handlers
    # read, so an operator's existing opentelemetry-instrument settings keep their meaning.
    "capture_logging": Spec(
        ("AUTOMAGIK_TELEMETRY_CAPTURE_LOGGING", "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED"),
        v.parse_bool,
    ),
    "log_level": Spec(
        ("AUTOMAGIK_TELEMETRY_LOG_LEVEL", "OTEL_PYTHON_LOG_HANDLER_LEVEL"), v.parse_log_level
    ),
    # -- reliability: the in-memory queue and the durable spool (docs/RELIABILITY.md) ---------
    "queue_size": Spec(
        ("AUTOMAGIK_TELEMETRY_QUEUE_SIZE", "OTEL_BSP_MAX_QUEUE_SIZE"), v.parse_positive_int
    ),
    "batch_size": Spec(
        ("AUTOMAGIK_TELEMETRY_BATCH_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
        _optional(v.parse_positive_int),
    ),
    "schedule_delay": Spec(
        ("AUTOMAGIK_TELEMETRY_SCHEDULE_DELAY", "OTEL_BSP_SCHEDULE_DELAY"),
        *_duration("schedule_delay"),
    ),
    "spool": Spec(("AUTOMAGIK_TELEMETRY_SPOOL",), v.parse_bool),
    "spool_dir": Spec(("AUTOMAGIK_TELEMETRY_SPOOL_DIR",), _optional(v.parse_path)),
    "spool_max_bytes": Spec(("AUTOMAGIK_TELEMETRY_SPOOL_MAX_BYTES",), v.parse_byte_size),
    "spool_max_age": Spec(("AUTOMAGIK_TELEMETRY_SPOOL_MAX_AGE",), *_duration("spool_max_age")),
    "retry_initial_backoff": Spec(
        ("AUTOMAGIK_TELEMETRY_RETRY_INITIAL_BACKOFF",),
        *_duration("retry_initial_backoff"),
    ),
    "retry_max_backoff": Spec(
        ("AUTOMAGIK_TELEMETRY_RETRY_MAX_BACKOFF",), *_duration("retry_max_backoff")
    ),
    "exit_mode": Spec(("AUTOMAGIK_TELEMETRY_EXIT_MODE",), _exit_mode),
    "sender_lifetime": Spec(
        ("AUTOMAGIK_TELEMETRY_SENDER_LIFETIME",), *_duration("sender_lifetime")
    ),
    "scrubbing": Spec((), _scrubbing),
    "scrubbing_mode": Spec(("AUTOMAGIK_TELEMETRY_SCRUBBING_MODE",), _optional(_scrubbing_mode)),
    "capture_genai_content": Spec(
        ("AUTOMAGIK_TELEMETRY_CAPTURE_GENAI_CONTENT",), _optional(v.parse_bool)
    ),
}
