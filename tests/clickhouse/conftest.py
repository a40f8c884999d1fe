"""Fixtures for the ClickHouse tests: one embedded engine per test process, shared.

chDB holds one data directory per process, so every test here uses the same store
(``store_path``) and isolates itself with its own *database*; the loopback HTTP front runs
over that same engine. ``AUTOMAGIK_TEST_CLICKHOUSE_URL`` (read at import: the autouse fixtures
clear ``AUTOMAGIK_*`` variables) adds a real server to the HTTP tests.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("chdb", reason="the embedded extra (chdb) is not installed")
pytest.importorskip("clickhouse_connect", reason="the clickhouse extra is not installed")

import clickhouse_connect

from automagik_telemetry.diagnostics import internal_log
from tests.support.clickhouse_http import ClickHouseFront, running_front

REAL_SERVER_URL = os.environ.get("AUTOMAGIK_TEST_CLICKHOUSE_URL", "").strip()
_databases = itertools.count()


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Each test sees its first log message of a kind (the limiter is process-wide)."""
    internal_log._last.clear()
    internal_log._suppressed.clear()


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chdb-store")


@pytest.fixture(scope="session")
def engine(store_path: Path) -> Iterator[Any]:
    """A clickhouse-connect client on the shared embedded store, for assertions."""
    client = clickhouse_connect.get_client(interface="chdb", path=str(store_path))
    yield client
    client.close()


@pytest.fixture
def database(engine: Any, request: pytest.FixtureRequest) -> str:
    """A fresh database name for one test (created by the exporters' schema step)."""
    name = f"t{next(_databases)}_{request.node.name[:40]}"
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


@pytest.fixture(scope="session")
def front(engine: Any, store_path: Path) -> Iterator[ClickHouseFront]:
    with running_front(str(store_path)) as running:
        yield running


@pytest.fixture
def fresh_front(front: ClickHouseFront) -> Iterator[ClickHouseFront]:
    """The shared front with its request log cleared and no fault installed afterwards."""
    front.requests.clear()
    yield front
    front.fault = None
    front.user = front.password = None


@pytest.fixture(params=["front", "server"])
def server_url(request: pytest.FixtureRequest, front: ClickHouseFront) -> str:
    """The HTTP URL to test against: the loopback front, and a real server when
    AUTOMAGIK_TEST_CLICKHOUSE_URL is set."""
    if request.param == "server":
        if not REAL_SERVER_URL:
            pytest.skip("AUTOMAGIK_TEST_CLICKHOUSE_URL is not set")
        return REAL_SERVER_URL
    front.requests.clear()
    return front.url


@pytest.fixture
def server_client(server_url: str, database: str) -> Iterator[Any]:
    """A plain clickhouse-connect client on ``server_url`` for assertions; drops the test's
    database afterwards."""
    client = clickhouse_connect.get_client(dsn=server_url, autogenerate_session_id=False)
    yield client
    client.command(f"DROP DATABASE IF EXISTS `{database}`")
    client.close()
