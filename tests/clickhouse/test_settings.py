"""ClickHouse settings: parsing, validation at configure time, precedence, DDL rendering."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

from automagik_telemetry import ConfigurationError, TelemetryConfig
from automagik_telemetry.config.clickhouse import (
    ClickHouseURL,
    parse_identifier,
    parse_secret,
    parse_table_engine,
    parse_table_names,
    parse_ttl,
)
from automagik_telemetry.exporters.clickhouse.ddl import create_statements, ttl_clause
from automagik_telemetry.exporters.clickhouse.settings import ClickHouseSettings
from automagik_telemetry.exporters.clickhouse.tables import normalize_type
from automagik_telemetry.status import describe_destinations


def config(**settings: object) -> TelemetryConfig:
    return TelemetryConfig.resolve({}, backend="clickhouse", **settings)


def test_server_urls() -> None:
    url = ClickHouseURL.parse("https://u%40x:p%2Fss@ch.example.com/otel?max_threads=2")
    assert (url.scheme, url.host, url.port) == ("https", "ch.example.com", 8443)
    assert (url.user, url.password, url.database) == ("u@x", "p/ss", "otel")
    assert dict(url.settings) == {"max_threads": "2"}
    assert url.server == "https://ch.example.com:8443"
    assert not url.embedded
    assert "p/ss" not in repr(url)
    assert "p/ss" not in url.describe()
    plain = ClickHouseURL.parse("http://[::1]:9000?database=logs")
    assert (plain.port, plain.database, plain.user, plain.password) == (9000, "logs", None, None)
    assert plain.server == "http://[::1]:9000"
    assert ClickHouseURL.parse("http://h").port == 8123


def test_embedded_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = ClickHouseURL.parse(f"chdb://{tmp_path}/store?database=tel&max_threads=1")
    assert url.embedded
    assert url.path == str(tmp_path / "store")
    assert url.database == "tel"
    assert url.describe() == f"embedded ClickHouse store (chDB) at {tmp_path / 'store'}"
    monkeypatch.chdir(tmp_path)
    assert ClickHouseURL.parse("chdb://relative/dir").path == str(tmp_path / "relative/dir")
    assert ClickHouseURL.parse("chdb://~/t").path == str(Path.home() / "t")


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "",
        42,
        "ftp://host",
        "host:8123",
        "http://",
        "http://h:0",
        "http://u:topsecret@h:99999",
        "http://h:port",
        "http://h/a/b",
        "http://h?bad-name=1",
        "http://h?database=bad-name",
        "chdb://",
        "chdb://memory",
        "chdb://:memory:",
    ],
)
def test_bad_urls_are_rejected_without_echoing_passwords(bad: object) -> None:
    with pytest.raises(ConfigurationError) as caught:
        config(clickhouse_url=bad)
    assert caught.value.setting == "clickhouse_url"
    assert "topsecret" not in str(caught.value)


def test_a_url_is_required_with_the_backend() -> None:
    with pytest.raises(ConfigurationError, match="AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL"):
        config()


@pytest.mark.parametrize(
    ("url", "blocked", "extra"),
    [
        ("http://h", "clickhouse_connect", "clickhouse"),
        ("chdb:///tmp/x", "chdb", "embedded"),
        ("chdb:///tmp/x", "clickhouse_connect", "embedded"),
    ],
)
def test_missing_extras_name_what_to_install(
    monkeypatch: pytest.MonkeyPatch, url: str, blocked: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, blocked, None)
    with pytest.raises(ConfigurationError) as caught:
        config(clickhouse_url=url)
    assert f"pip install 'automagik-telemetry[{extra}]'" in str(caught.value)
    assert blocked in str(caught.value)
    assert caught.value.setting == "backend"


def test_values_parsers() -> None:
    assert parse_identifier(" otel ", "x") == "otel"
    for bad in ("1abc", "a-b", "a b", "`x`", "", None, "x" * 129):
        with pytest.raises(ConfigurationError):
            parse_identifier(bad, "clickhouse_database")
    assert parse_secret("", "p") == ""
    with pytest.raises(ConfigurationError, match="<hidden>"):
        parse_secret(123, "clickhouse_password")
    assert [parse_ttl(v, "t") for v in (0, "0", "30d", "12h", "90m", "45s", "3600")] == [
        0, 0, 2592000, 43200, 5400, 45, 3600,
    ]  # fmt: skip
    assert parse_ttl(timedelta(days=2), "t") == 172800
    assert parse_ttl(7.0, "t") == 7
    for bad in (-1, 1.5, "1w", "x", True, timedelta(seconds=0.5), math_inf()):
        with pytest.raises(ConfigurationError):
            parse_ttl(bad, "clickhouse_ttl")
    assert parse_table_engine("MergeTree", "e") == "MergeTree()"
    assert parse_table_engine("ReplacingMergeTree(ver)", "e") == "ReplacingMergeTree(ver)"
    assert (
        parse_table_engine("ReplicatedMergeTree( '/ch/{shard}/t' ,'{replica}')", "e")
        == "ReplicatedMergeTree('/ch/{shard}/t', '{replica}')"
    )
    for bad in ("Memory", "MergeTree(); DROP TABLE x", "MergeTree('a'')", 5, "MergeTree(a b)"):
        with pytest.raises(ConfigurationError):
            parse_table_engine(bad, "clickhouse_table_engine")
    assert parse_table_names("traces=spans, logs=app_logs", "n") == {
        "traces": "spans",
        "logs": "app_logs",
    }
    for bad in ("spans=x", "traces=bad-name"):
        with pytest.raises(ConfigurationError):
            parse_table_names(bad, "clickhouse_table_names")


def math_inf() -> float:
    return float("inf")


def test_environment_variables_configure_everything(tmp_path: Path) -> None:
    env = {
        "AUTOMAGIK_TELEMETRY_BACKEND": "otlp,clickhouse",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL": "https://ch:9443/fromurl",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_USER": "writer",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_PASSWORD": "pw",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_DATABASE": "telemetry",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_TABLE_PREFIX": "app",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_TABLE_NAMES": "traces=spans",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_CREATE_SCHEMA": "false",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_TTL": "30d",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_CLUSTER_NAME": "main",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_TABLE_ENGINE": "ReplacingMergeTree",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_ASYNC_INSERT": "yes",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_COMPRESSION": "ZSTD",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_TIMEOUT": "2500",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_VERIFY": "0",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_CA_CERT": str(tmp_path / "ca.pem"),
    }
    resolved = TelemetryConfig.resolve(env)
    settings = ClickHouseSettings.from_config(resolved)
    assert (settings.user, settings.password, settings.database) == ("writer", "pw", "telemetry")
    assert settings.tables["traces"] == "spans"
    assert settings.tables["metrics_exponential_histogram"] == "app_metrics_exponential_histogram"
    assert (settings.create_schema, settings.ttl, settings.cluster_name) == (False, 2592000, "main")
    assert settings.table_engine == "ReplacingMergeTree()"
    assert (settings.async_insert, settings.compression, settings.timeout) == (True, "zstd", 2.5)
    assert (settings.verify, settings.ca_cert) == (False, tmp_path / "ca.pem")
    assert "pw" not in repr(resolved)
    assert "pw" not in repr(settings)
    assert resolved.sources["clickhouse_url"] == "env:AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL"


def test_url_credentials_and_defaults() -> None:
    settings = ClickHouseSettings.from_config(config(clickhouse_url="http://u:p@h/db"))
    assert (settings.user, settings.password, settings.database) == ("u", "p", "db")
    settings = ClickHouseSettings.from_config(config(clickhouse_url="http://h"))
    assert (settings.user, settings.password, settings.database) == ("default", "", "default")
    assert settings.tables["traces"] == "otel_traces"
    assert settings.tables["logs"] == "otel_logs"
    explicit = ClickHouseSettings.create("http://u:p@h/db", user="v", password="", database="x")
    assert (explicit.user, explicit.password, explicit.database) == ("v", "", "x")
    with pytest.raises(ConfigurationError, match="clickhouse_ttl"):
        ClickHouseSettings.create("http://h", ttl="forever")


def test_status_describes_without_secrets() -> None:
    described = describe_destinations(
        config(clickhouse_url="https://u:hunter2@ch.example.com/otel")
    )
    assert described["clickhouse"] == (
        "ClickHouse server https://ch.example.com:8443 as u, database otel, "
        "tables otel_traces, otel_logs, otel_metrics_sum, ..."
    )
    embedded = describe_destinations(config(clickhouse_url="chdb:///var/lib/t"))
    assert embedded["clickhouse"].startswith("embedded ClickHouse store (chDB) at /var/lib/t,")
    assert "hunter2" not in str(described)


def test_ddl_defaults_and_options() -> None:
    settings = ClickHouseSettings.create("http://h")
    statements = create_statements(settings, ["traces", "logs"])
    assert not any(s.startswith("CREATE DATABASE") for s in statements)
    traces = statements[0]
    assert traces.startswith("CREATE TABLE IF NOT EXISTS `default`.`otel_traces` (")
    assert "Events Nested(Timestamp DateTime64(9), Name LowCardinality(String)" in traces
    assert ") ENGINE = MergeTree()\nPARTITION BY toDate(Timestamp)\n" in traces
    assert "TTL" not in traces
    assert "ON CLUSTER" not in traces
    assert statements[1].startswith(
        "CREATE TABLE IF NOT EXISTS `default`.`otel_traces_trace_id_ts` ("
    )
    assert "TO `default`.`otel_traces_trace_id_ts`" in statements[2]
    logs = statements[3]  # the collector's current layout
    assert "ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)" in logs
    assert "PARTITION BY toDate(Timestamp)\n" in logs
    assert "TimestampTime DateTime ALIAS toDateTime(Timestamp)" in logs
    assert "INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0)" in logs
    text = create_statements(settings, ["logs"], text_indexes=True)[0]
    assert "INDEX idx_lower_body lower(Body) TYPE text(tokenizer = 'splitByNonAlpha')" in text
    assert "bloom_filter" not in text
    assert len(create_statements(settings, ["traces"], lookup=False)) == 1

    clustered = ClickHouseSettings.create(
        "http://h", database="otel", cluster_name="main", ttl="2h"
    )
    first, table, distributed = create_statements(clustered, ["metrics_sum"])
    assert first == "CREATE DATABASE IF NOT EXISTS `otel` ON CLUSTER `main`"
    assert "`otel`.`otel_metrics_sum_local` ON CLUSTER `main` (" in table
    assert "ENGINE = Distributed('main', 'otel', 'otel_metrics_sum_local'," in distributed
    assert "ENGINE = ReplicatedMergeTree()" in table
    assert "TTL toDateTime(TimeUnix) + toIntervalHour(2)" in table
    explicit = ClickHouseSettings.create(
        "http://h", cluster_name="main", table_engine="ReplicatedMergeTree('/t/{shard}', '{r}')"
    )
    assert (
        "ENGINE = ReplicatedMergeTree('/t/{shard}', '{r}')"
        in create_statements(explicit, ["logs"])[0]
    )


def test_ttl_units_and_type_normalization() -> None:
    assert ttl_clause(0, "x") == ""
    assert ttl_clause(86400 * 3, "x") == "TTL x + toIntervalDay(3)"
    assert ttl_clause(120, "x") == "TTL x + toIntervalMinute(2)"
    assert ttl_clause(61, "x") == "TTL x + toIntervalSecond(61)"
    assert normalize_type("Map(LowCardinality(String), String)") == "Map(String,String)"
    assert normalize_type("DateTime64(9, 'UTC')") == "DateTime64(9)"
