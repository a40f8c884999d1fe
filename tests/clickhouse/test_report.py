"""``automagik-telemetry report`` on real data: an embedded store our exporters filled, the HTTP
path through the loopback front, a real browser for the HTML, and the errors a user can make."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from automagik_telemetry.cli import main
from automagik_telemetry.exporters.clickhouse import ClickHouseSettings
from automagik_telemetry.report import collect, render_html_report
from tests.support.chromium import headless_chromium
from tests.support.clickhouse_http import ClickHouseFront

from .test_embedded_errors import run_child
from .usage_data import EVENT_NAMES, INSTALLS, MARKUP, SYNC_ERROR, Usage, make_usage, write_usage

WEEK = 7 * 86400


@pytest.fixture(scope="module")
def usage() -> Usage:
    return make_usage()


@pytest.fixture(scope="module")
def filled(engine: Any, store_path: Path, usage: Usage) -> Iterator[str]:
    """A database holding the week of usage (shared by this module's tests)."""
    write_usage(f"chdb://{store_path}", "report_usage", usage)
    yield "report_usage"
    engine.command("DROP DATABASE IF EXISTS report_usage")


def settings(store_path: Path, database: str) -> ClickHouseSettings:
    return ClickHouseSettings.create(f"chdb://{store_path}", database=database)


def report(*argv: str) -> int:
    return main(["report", *argv])


def test_every_section_answers_what_was_written(
    store_path: Path, filled: str, usage: Usage
) -> None:
    data = collect(settings(store_path, filled), WEEK, now=usage.now + 1)
    sections = {name: table.records() for name, table in data.sections.items()}
    assert data.missing_tables == ()

    assert sections["activity_totals"] == [
        {"installs": 3, "services": 2, "records": len(usage.spans) + len(usage.logs)}
    ]
    assert {row["event"]: row["events"] for row in sections["top_events"]} == usage.events()
    by_version = {row["label"]: row["installs"] for row in sections["versions"]}
    assert by_version == {"forge 1.1.0": 2, "forge 1.0.0": 1, "legacy-worker (no version)": 0}
    by_os = {row["label"]: row["installs"] for row in sections["operating_systems"]}
    assert (by_os["linux"], by_os["darwin"]) == (2, 1)
    by_python = {row["label"]: row["installs"] for row in sections["python_versions"]}
    assert (by_python["CPython 3.12"], by_python["CPython 3.11"]) == (2, 1)

    (totals,) = sections["error_totals"]
    assert totals["error_rate"] == pytest.approx(usage.error_rate())
    # track_error's span event and error record on the same span count once; the error
    # outside any span counts on its own
    exceptions = {row["exception"]: row["occurrences"] for row in sections["top_exceptions"]}
    syncs = sum(1 for s in usage.spans if s.name == "cli sync")
    assert exceptions == {SYNC_ERROR: syncs, "ValueError": len(INSTALLS) + 1}

    latency = {row["span"]: row for row in sections["latency_by_span"]}
    for name, durations in usage.durations_ms().items():
        assert latency[name]["spans"] == len(durations)
        assert latency[name]["p50_ms"] == pytest.approx(statistics.median(durations), rel=0.2)
        assert min(durations) <= latency[name]["p99_ms"] <= max(durations)

    slowest = sections["slowest_traces"]
    assert slowest[0]["duration_ms"] == pytest.approx(
        max(max(d) for d in usage.durations_ms().values())
    )
    assert all(row["span"] != "db.query" for row in slowest)  # root spans only

    levels = {row["level"] for row in sections["logs_by_severity"]}
    assert levels == {"INFO", "WARN", "ERROR"}
    assert sum(r["records"] for r in sections["logs_by_severity"]) == len(usage.logs)
    bodies = [row["body"] for row in sections["recent_logs"]]
    assert any(body.startswith("event feature.") for body in bodies)  # events show their name
    assert len(bodies) == 50  # the limit
    assert all(row["level"] == "ERROR" for row in sections["recent_error_logs"])


def test_the_time_range_and_service_filter_apply(
    store_path: Path, filled: str, usage: Usage
) -> None:
    day = collect(settings(store_path, filled), 86400, now=usage.now + 1)
    week = collect(settings(store_path, filled), WEEK, now=usage.now + 1)
    day_spans = day.sections["error_totals"].records()[0]["spans"]
    assert 0 < day_spans < len(usage.spans) == week.sections["error_totals"].records()[0]["spans"]
    assert day.bucket == 900
    assert week.bucket == 3 * 3600
    legacy = collect(
        settings(store_path, filled), WEEK, services=["legacy-worker"], now=usage.now + 1
    )
    assert legacy.sections["activity_totals"].records()[0]["services"] == 1
    assert {r["label"] for r in legacy.sections["versions"].records()} == {
        "legacy-worker (no version)"
    }


def test_text_report(store_path: Path, filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"chdb://{store_path}"
    assert report("--clickhouse-url", url, "--database", filled, "--format", "text") == 0
    out = capsys.readouterr().out
    assert f"embedded ClickHouse store (chDB) at {store_path}, database {filled}" in out
    assert "active installs: 3  services: 2" in out
    assert re.search(r"forge 1\.1\.0 +2  #+", out)
    assert re.search(r"tests\.clickhouse\.usage_data\.SyncErr… +\d+  #+", out)
    assert "cli sync" in out
    assert "p95" in out
    assert "disk almost full for maria@example.com" in out
    assert "…" in out  # the long log line is cut to the terminal
    assert "\x1b" not in out
    assert "?[2J" in out  # control characters never reach the terminal
    args = ("--clickhouse-url", url, "--database", filled, "--format", "text")
    assert report(*args, "--since", "100s", "--limit", "5") == 0
    assert "UTC (last 100s)" in capsys.readouterr().out


def test_html_report_is_self_contained_and_escaped(
    store_path: Path, filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nested" / "report.html"
    url = f"chdb://{store_path}"
    assert report("--clickhouse-url", url, "--database", filled, "--out", str(out)) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    page = out.read_text()
    for chart in ("events_over_time", "top_events", "versions", "latency_by_span"):
        assert re.search(
            rf'<figure data-chart="{chart}"[^>]*><figcaption>[^<]+</figcaption><svg', page
        )
    # nothing is fetched from anywhere: no script, no external stylesheet, font or image
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "@import" not in page
    assert "url(http" not in page
    assert "default-src 'none'" in page
    # markup from the store is shown, never interpreted
    assert MARKUP not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


def test_the_browser_draws_every_chart_without_network(
    store_path: Path, filled: str, usage: Usage, tmp_path: Path
) -> None:
    data = collect(settings(store_path, filled), WEEK, now=usage.now + 1)
    page = tmp_path / "report.html"
    page.write_text(render_html_report(data))
    with headless_chromium(tmp_path / "profile") as browser:
        browser.open(page.as_uri())
        drawn = browser.evaluate(_DRAWN_MARKS)
        tables = browser.evaluate(_TABLE_ROWS)
        browser.screenshot(tmp_path / "report.png")
        requests = browser.requested_urls()
    expected = {
        "events_over_time", "top_events", "installs_over_time", "versions", "operating_systems",
        "python_versions", "error_rate_over_time", "top_exceptions", "latency_by_span",
        "latency_over_time", "logs_by_severity",
    }  # fmt: skip
    assert set(drawn) == expected
    for chart, facts in drawn.items():
        assert facts["width"] > 200, (chart, facts)
        assert facts["height"] > 100, (chart, facts)
        assert facts["marks"] > 0, (chart, facts)  # bars, slices, lines or dots with an area
    assert drawn["top_events"]["marks"] == min(12, len(EVENT_NAMES) + 1)
    errors = sum(1 for r in usage.logs if r.log_record.severity_text == "ERROR")
    assert tables == {"recent_error_logs": errors, "slowest_traces": 20, "recent_logs": 50}
    assert requests == [page.as_uri()]  # the page itself, nothing else
    assert (tmp_path / "report.png").stat().st_size > 10_000


_DRAWN_MARKS = """
(() => {
  const out = {};
  for (const figure of document.querySelectorAll('figure[data-chart]')) {
    const svg = figure.querySelector('svg');
    if (!svg) continue;
    const box = svg.getBoundingClientRect();
    let marks = 0;
    for (const shape of svg.querySelectorAll('.series rect, .series path, .series circle')) {
      const b = shape.getBoundingClientRect();
      if (b.width > 0 && b.height > 0) marks += 1;
    }
    out[figure.dataset.chart] = {width: box.width, height: box.height, marks};
  }
  return out;
})()
"""
_TABLE_ROWS = """
Object.fromEntries([...document.querySelectorAll('table[data-table]')].map(
  t => [t.dataset.table, t.querySelectorAll('tbody tr').length]))
"""


def test_report_over_http(front: ClickHouseFront, filled: str, tmp_path: Path) -> None:
    """The same command against a server URL (the loopback front over the same engine)."""
    out = tmp_path / "server.html"
    assert report("--clickhouse-url", f"{front.url}/{filled}", "--out", str(out)) == 0
    page = out.read_text()
    assert f"ClickHouse server {front.url}" in page.replace("127.0.0.1", "127.0.0.1")
    assert '<figure data-chart="top_events"><figcaption>Top events</figcaption><svg' in page


def test_url_and_names_from_the_environment(
    store_path: Path,
    filled: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL", f"chdb://{store_path}")
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_CLICKHOUSE_DATABASE", filled)
    assert report("--format", "text", "--service", "forge", "--since", "2w") == 0
    out = capsys.readouterr().out
    assert "services forge" in out
    assert "active installs: 3  services: 1" in out
    monkeypatch.chdir(tmp_path)
    assert report("--service", "forge") == 0  # html into ./report.html by default
    assert "Wrote report.html" in capsys.readouterr().out
    assert "forge" in (tmp_path / "report.html").read_text()


def test_a_store_with_spans_only_says_what_is_missing(
    engine: Any, store_path: Path, database: str, usage: Usage, tmp_path: Path
) -> None:
    write_usage(f"chdb://{store_path}", database, usage, logs=False)
    # Our exporters create every table at start; a store filled by another writer (a traces-only
    # collector, say) may have no logs table at all.
    engine.command(f"DROP TABLE `{database}`.otel_logs")
    out = tmp_path / "r.html"
    url = f"chdb://{store_path}"
    assert report("--clickhouse-url", url, "--database", database, "--out", str(out)) == 0
    page = out.read_text()
    assert f"No table otel_logs in database {database}" in page
    assert (
        '<figure data-chart="top_events"><figcaption>Top events</figcaption><p class="empty">'
        in page
    )
    assert '<figure data-chart="latency_by_span"' in page
    assert "No data in this period" in page
    text = tmp_path / "r.txt"
    assert (
        report(
            "--clickhouse-url", url, "--database", database, "--format", "text", "--out", str(text)
        )
        == 0
    )
    assert "(no table otel_logs: those sections are empty)" in text.read_text()


def test_an_empty_period_renders_empty_sections(
    store_path: Path, filled: str, usage: Usage
) -> None:
    data = collect(settings(store_path, filled), 60, now=usage.now - 3 * 86400 + 7)
    html = render_html_report(data)
    assert "<svg" not in html
    assert html.count("No data in this period") == 14
    from automagik_telemetry.report import render_text

    text = render_text(data)
    assert "error rate: n/a" in text
    assert "(no spans)" in text
    assert "(no log records)" in text


# -- what a user can get wrong ----------------------------------------------------------------


def test_no_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert report() == 2
    assert "give --clickhouse-url" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host", "invalid clickhouse_url"),
        ("chdb:///nowhere/at/all", "no embedded ClickHouse store at /nowhere/at/all"),
    ],
)
def test_bad_urls_exit_2(url: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert report("--clickhouse-url", url) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "soon"), "not a duration such as 7d"),
        (("--since", "0d"), "not a duration"),
        (("--limit", "0"), "not a whole number from 1 to 10000"),
        (("--format", "pdf"), "invalid choice"),
    ],
)
def test_bad_options_exit_2(
    args: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        report("--clickhouse-url", "chdb:///x", *args)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_an_unreachable_server_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.rotel import free_port

    assert report("--clickhouse-url", f"http://127.0.0.1:{free_port()}", "--format", "text") == 1
    err = capsys.readouterr().err
    assert "querying the ClickHouse server http://127.0.0.1:" in err
    assert "Traceback" not in err


def test_a_store_in_use_by_a_running_program_exits_1(store_path: Path, engine: Any) -> None:
    """This test process holds the shared store, as a running app would."""
    child = run_child(
        "import sys; from automagik_telemetry.cli import main; sys.exit(main(sys.argv[1:]))",
        "report", "--clickhouse-url", f"chdb://{store_path}", "--format", "text",
    )  # fmt: skip
    assert child.returncode == 1, child.stderr
    assert f"the embedded ClickHouse store at {store_path} is in use by another process" in (
        child.stderr
    )
    assert "Traceback" not in child.stderr


def test_a_second_store_in_this_process_exits_1(
    engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    child = run_child(
        "import sys, clickhouse_connect as c\n"
        "c.get_client(interface='chdb', path=sys.argv[1]).command('CREATE DATABASE d')",
        str(other),
    )
    assert child.returncode == 0, child.stderr
    assert report("--clickhouse-url", f"chdb://{other}", "--format", "text") == 1
    assert "this process already uses another chDB store" in capsys.readouterr().err


def test_an_unwritable_output_exits_1(
    store_path: Path, filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    url = f"chdb://{store_path}"
    args = ("--clickhouse-url", url, "--database", filled, "--format", "text")
    assert report(*args, "--out", str(blocker / "report.txt")) == 1
    assert "cannot write the report to" in capsys.readouterr().err


def test_without_pygal_the_html_report_names_the_extra_and_text_still_works(
    store_path: Path, engine: Any, tmp_path: Path
) -> None:
    """A separate process without pygal (blocked), on a store of its own."""
    store = tmp_path / "store"
    code = (
        "import sys; sys.modules['pygal'] = None\n"
        "from automagik_telemetry.cli import main\n"
        "from tests.clickhouse.usage_data import make_usage, write_usage\n"
        "write_usage('chdb://' + sys.argv[1], 'default', make_usage())\n"
        "print('HTML', main(['report', '--clickhouse-url', 'chdb://' + sys.argv[1],"
        " '--out', sys.argv[1] + '/r.html']))\n"
        "print('TEXT', main(['report', '--clickhouse-url', 'chdb://' + sys.argv[1],"
        " '--format', 'text']))\n"
    )
    child = run_child(code, str(store))
    assert "HTML 2" in child.stdout, child.stderr
    assert "TEXT 0" in child.stdout, child.stderr
    assert "pip install 'automagik-telemetry[report]'" in child.stderr
    assert "active installs: 3" in child.stdout
