"""``ClickHouseSettings``: the resolved options of one ClickHouse destination.

Built from a ``TelemetryConfig`` (``configure_automagik``) or from keywords (standalone
exporters); both paths run the same validators, so a bad table name or URL fails the same way
with the same ``ConfigurationError`` wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ...config import TelemetryConfig
from ...config.clickhouse import TABLE_KINDS, ClickHouseURL

__all__ = ["ClickHouseSettings"]


@dataclass(frozen=True)
class ClickHouseSettings:
    url: ClickHouseURL
    user: str = "default"
    password: str = field(default="", repr=False)
    database: str = "default"
    tables: Mapping[str, str] = field(default_factory=dict)
    """Table name by kind: ``traces``, ``logs``, ``metrics_gauge``, ..."""
    create_schema: bool = True
    ttl: int = 0
    cluster_name: str | None = None
    table_engine: str = "MergeTree()"
    async_insert: bool = False
    compression: str = "lz4"
    timeout: float = 10.0
    verify: bool = True
    ca_cert: Path | None = None

    @classmethod
    def from_config(cls, config: TelemetryConfig) -> ClickHouseSettings:
        """Explicit settings beat what the URL carries (user, password, database)."""
        assert config.clickhouse_url is not None  # checked when the config was built
        url = ClickHouseURL.parse(config.clickhouse_url)
        prefix = config.clickhouse_table_prefix
        tables = {
            kind: config.clickhouse_table_names.get(kind, f"{prefix}_{kind}")
            for kind in TABLE_KINDS
        }
        password = config.clickhouse_password
        return cls(
            url=url,
            user=config.clickhouse_user or url.user or "default",
            password=password if password is not None else (url.password or ""),
            database=config.clickhouse_database or url.database or "default",
            tables=MappingProxyType(tables),
            create_schema=config.clickhouse_create_schema,
            ttl=config.clickhouse_ttl,
            cluster_name=config.clickhouse_cluster_name,
            table_engine=config.clickhouse_table_engine,
            async_insert=config.clickhouse_async_insert,
            compression=config.clickhouse_compression,
            timeout=config.clickhouse_timeout,
            verify=config.clickhouse_verify,
            ca_cert=config.clickhouse_ca_cert,
        )

    @classmethod
    def create(cls, url: str, **options: object) -> ClickHouseSettings:
        """From keywords named like the ``clickhouse_*`` settings without the prefix:
        ``ClickHouseSettings.create("chdb:///var/lib/app/telemetry", ttl="30d")``.
        Raises ``ConfigurationError`` for bad values, as ``configure_automagik`` does."""
        settings = {f"clickhouse_{name}": value for name, value in options.items()}
        config = TelemetryConfig.resolve({}, backend="clickhouse", clickhouse_url=url, **settings)
        return cls.from_config(config)

    def describe(self) -> str:
        """Where rows go, for ``status`` and log messages: never the password."""
        where = self.url.describe()
        if not self.url.embedded:
            where += f" as {self.user}"
        tables = ", ".join(self.tables[kind] for kind in ("traces", "logs", "metrics_sum"))
        return f"{where}, database {self.database}, tables {tables}, ..."
