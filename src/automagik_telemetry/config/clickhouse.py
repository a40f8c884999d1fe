"""Settings of the ClickHouse backend: how each is parsed, validated and explained.

Kept apart from ``config.py`` so that module stays about *which* settings exist. Everything that
ends up in SQL text (database, table and cluster names, the table engine, the TTL) is validated
here against a strict grammar, because identifiers cannot be sent as bound parameters; values
never reach SQL text at all. Errors never echo a password: URLs are shown with it masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from urllib.parse import parse_qsl, unquote, urlsplit

from ..errors import ConfigurationError
from . import values as v
from .masking import mask_url

__all__ = [
    "COMPRESSIONS",
    "TABLE_KINDS",
    "TTL_MAX",
    "ClickHouseURL",
    "check_clickhouse_requirements",
    "parse_clickhouse_compression",
    "parse_clickhouse_url",
    "parse_identifier",
    "parse_secret",
    "parse_table_engine",
    "parse_table_names",
    "parse_ttl",
]

COMPRESSIONS = ("lz4", "zstd", "gzip", "none")
TABLE_KINDS = (
    "traces",
    "logs",
    "metrics_gauge",
    "metrics_sum",
    "metrics_histogram",
    "metrics_exponential_histogram",
    "metrics_summary",
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_IDENTIFIER_TEXT = "letters, digits and _ (not starting with a digit), at most 128 characters"
_ENGINE = re.compile(r"^(?P<name>(?:[A-Za-z][A-Za-z0-9]*)?MergeTree)\s*(?:\((?P<params>.*)\))?$")
_ENGINE_ARG = re.compile(r"^\s*(?:'[A-Za-z0-9_{}/.\-]*'|[A-Za-z_][A-Za-z0-9_]*|[0-9]+)\s*$")
_TTL = re.compile(r"^\s*(?P<num>[0-9]+)\s*(?P<unit>d|h|m|s)?\s*$", re.IGNORECASE)
_TTL_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
TTL_MAX = 3650 * 86400
"""Ten years: ClickHouse ``DateTime`` ends in 2106, so a far longer TTL overflows it; use 0 to
keep rows forever."""
_URL_ACCEPTED = (
    "http(s)://[user:password@]host[:port][/database][?setting=value] for a ClickHouse "
    "server, or chdb:///path/to/directory for the embedded store"
)


def parse_identifier(value: object, setting: str, source: str | None = None) -> str:
    """A database, table or cluster name: safe to put in SQL text as a quoted identifier."""
    if isinstance(value, str) and _IDENTIFIER.match(value.strip()):
        return value.strip()
    raise ConfigurationError(setting, value, _IDENTIFIER_TEXT, source=source)


def parse_secret(value: object, setting: str, source: str | None = None) -> str:
    """A password: any string (an empty one means "no password"); never echoed in errors."""
    if isinstance(value, str):
        return value
    raise ConfigurationError(setting, "<hidden>", "a string", source=source)


def parse_clickhouse_compression(value: object, setting: str, source: str | None = None) -> str:
    if isinstance(value, str) and value.strip().lower() in COMPRESSIONS:
        return value.strip().lower()
    raise ConfigurationError(setting, value, ", ".join(COMPRESSIONS), source=source)


def parse_ttl(value: object, setting: str, source: str | None = None) -> int:
    """How long rows live, in whole seconds (0 keeps them forever).

    Code may pass seconds or a ``timedelta``; both may use ``30d``, ``12h``, ``90m``, ``45s``
    (a bare number is seconds). Fractions of a second are not representable in a TTL clause.
    """
    seconds: object = value
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, str) and (match := _TTL.match(value)):
        seconds = int(match["num"]) * _TTL_UNITS[(match["unit"] or "s").lower()]
    if (
        isinstance(seconds, (int, float))
        and not isinstance(seconds, bool)
        and 0 <= seconds <= TTL_MAX  # also refuses NaN and infinity
        and float(seconds).is_integer()
    ):
        return int(seconds)
    raise ConfigurationError(
        setting,
        value,
        "0 (keep forever) or a whole duration of at most 3650d: 30d, 12h, 90m, 45s",
        source=source,
    )


def parse_table_engine(value: object, setting: str, source: str | None = None) -> str:
    """A MergeTree-family engine, e.g. ``MergeTree`` or
    ``ReplicatedMergeTree('/clickhouse/tables/{shard}/{table}', '{replica}')``; returned as
    ``Name(params)``."""
    accepted = (
        "a MergeTree-family engine such as MergeTree, ReplacingMergeTree or "
        "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')"
    )
    match = _ENGINE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ConfigurationError(setting, value, accepted, source=source)
    params = (match["params"] or "").strip()
    if params and not all(_ENGINE_ARG.match(arg) for arg in params.split(",")):
        raise ConfigurationError(setting, value, accepted, source=source)
    args = ", ".join(arg.strip() for arg in params.split(",")) if params else ""
    return f"{match['name']}({args})"


def parse_table_names(value: object, setting: str, source: str | None = None) -> dict[str, str]:
    """Per-table name overrides, ``traces=spans,logs=app_logs`` or a mapping."""
    pairs = v.parse_key_values(value, setting, source)
    for kind, name in pairs.items():
        if kind not in TABLE_KINDS:
            raise ConfigurationError(
                setting, value, "keys among " + ", ".join(TABLE_KINDS), source=source
            )
        parse_identifier(name, setting, source)
    return pairs


@dataclass(frozen=True)
class ClickHouseURL:
    """A parsed ``clickhouse_url``: a server (``http``/``https``) or the embedded store."""

    scheme: str
    host: str = ""
    port: int = 0
    path: str = ""
    """The embedded store's directory (``chdb`` only)."""
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict, repr=False)
    """ClickHouse settings from the query string, sent with every request (not in the repr:
    ClickHouse also takes ``?password=`` there)."""

    @property
    def embedded(self) -> bool:
        return self.scheme == "chdb"

    @property
    def server(self) -> str:
        """``scheme://host:port`` without credentials, path or query."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def describe(self) -> str:
        """For people: where the data goes, never the password."""
        if self.embedded:
            return f"embedded ClickHouse store (chDB) at {self.path}"
        return f"ClickHouse server {self.server}"

    @classmethod
    def parse(
        cls, value: object, setting: str = "clickhouse_url", source: str | None = None
    ) -> ClickHouseURL:
        text = value.strip() if isinstance(value, str) else None
        if not text:
            raise ConfigurationError(setting, value, _URL_ACCEPTED, source=source)
        shown = mask_url(text)
        scheme = text.partition("://")[0].lower() if "://" in text else ""
        try:
            if scheme == "chdb":
                return cls._parse_chdb(text, setting, source, shown)
            if scheme in ("http", "https"):
                return cls._parse_http(text, scheme, setting, source, shown)
        except ValueError:
            pass
        raise ConfigurationError(setting, shown, _URL_ACCEPTED, source=source)

    @classmethod
    def _parse_chdb(cls, text: str, setting: str, source: str | None, shown: str) -> ClickHouseURL:
        rest, _, query = text[len("chdb://") :].partition("?")
        if rest.strip("/") in ("", "memory", ":memory:"):
            raise ConfigurationError(
                setting,
                shown,
                "chdb:///path/to/directory (the embedded store keeps its data in a directory; "
                "in-memory stores are not supported)",
                source=source,
            )
        database, settings = _query(query, setting, source, shown)
        path = str(Path(unquote(rest)).expanduser().absolute())
        return cls("chdb", path=path, database=database, settings=settings)

    @classmethod
    def _parse_http(
        cls, text: str, scheme: str, setting: str, source: str | None, shown: str
    ) -> ClickHouseURL:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError when out of range or not a number
        if port is None:
            port = 8443 if scheme == "https" else 8123
        if not parts.hostname or port == 0:
            raise ValueError("no host or port 0")
        database, settings = _query(parts.query, setting, source, shown)
        path = unquote(parts.path).strip("/")
        if path:
            database = parse_identifier(path, setting, source)
        return cls(
            scheme,
            host=parts.hostname,
            port=port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            database=database,
            settings=settings,
        )


def _query(
    query: str, setting: str, source: str | None, shown: str
) -> tuple[str | None, Mapping[str, str]]:
    database = None
    settings: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "database":
            database = parse_identifier(value, setting, source)
        elif _IDENTIFIER.match(key):
            settings[key] = value
        else:
            raise ConfigurationError(
                setting, shown, "query parameters that are ClickHouse setting names", source=source
            )
    return database, MappingProxyType(settings)


def parse_clickhouse_url(value: object, setting: str, source: str | None = None) -> str:
    """Validate a ``clickhouse_url``; the text is kept as given (it may carry credentials)."""
    ClickHouseURL.parse(value, setting, source)
    assert isinstance(value, str)
    return value.strip()


def _installed(module: str) -> bool:
    import importlib.util  # only with the clickhouse backend configured

    return importlib.util.find_spec(module) is not None


def check_clickhouse_requirements(
    url: str | None,
    backend_source: str | None = None,
    *,
    cluster_name: str | None = None,
    cluster_source: str | None = None,
) -> None:
    """With ``clickhouse`` among the backends: a URL is set, its client is installed, and the
    other settings make sense for it (no cluster for the embedded store).

    Checked when the configuration is built, whether or not consent is given, so a missing
    extra shows up on the tool author's machine rather than on an opted-in user's. Takes the
    values it checks, not the configuration, so this module needs nothing of ``settings``.
    """
    if url is None:
        raise ConfigurationError(
            "clickhouse_url",
            None,
            _URL_ACCEPTED + " (required because backend includes clickhouse; environment: "
            "AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL)",
        )
    parsed = ClickHouseURL.parse(url)
    if parsed.embedded and cluster_name is not None:
        # Every statement would fail at run time with CLUSTER_DOESNT_EXIST: say so now.
        raise ConfigurationError(
            "clickhouse_cluster_name",
            cluster_name,
            "no cluster name with a chdb:// URL (the embedded store is one local engine, not a "
            "cluster); unset it, or point clickhouse_url at a server of the cluster",
            source=cluster_source,
        )
    extra, modules = (
        ("embedded", ("clickhouse_connect", "chdb"))
        if parsed.embedded
        else (
            "clickhouse",
            ("clickhouse_connect",),
        )
    )
    missing = [module for module in modules if not _installed(module)]
    if missing:
        raise ConfigurationError(
            "backend",
            "clickhouse",
            f"clickhouse once its optional dependencies are installed ({', '.join(missing)} "
            f"missing): pip install 'automagik-telemetry[{extra}]'",
            source=backend_source,
        )
