from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from automagik_telemetry import ConsentLevel
from automagik_telemetry.consent import ConsentStore


def test_default_paths_follow_the_platform_config_dir(isolated_user: Path) -> None:
    store = ConsentStore()
    assert store.config_dir == isolated_user.parent / "xdg-config" / "automagik"
    assert store.opt_out_path == isolated_user / ".automagik-no-telemetry"


def test_opt_in_and_opt_out_round_trip_and_manage_the_opt_out_file(tmp_path: Path) -> None:
    store = ConsentStore(tmp_path / "cfg")
    store.write_preference(ConsentLevel.OFF, via="cli")
    assert store.opted_out_by_file()
    stored = store.read_preference()
    assert stored is not None
    assert (stored.level, stored.via) == (ConsentLevel.OFF, "cli")
    assert stored.decided_at[:4].isdigit()

    store.write_preference(ConsentLevel.ERRORS, via="notice")
    assert not store.opted_out_by_file()
    data = json.loads(store.preference_path.read_text())
    assert data["level"] == "errors"
    assert list(store.preference_path.parent.glob(".telemetry-consent.json.*")) == []


@pytest.mark.parametrize(
    "content", ["{not json", '{"level": "sometimes"}', '{"other": 1}', "[1, 2]"]
)
def test_unreadable_preference_counts_as_undecided(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = ConsentStore(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    store.preference_path.write_text(content)
    assert store.read_preference() is None
    assert "ignoring unreadable consent file" in caplog.text


@pytest.mark.parametrize(
    ("content", "level"),
    [("enabled\n", ConsentLevel.ALL), ("true", ConsentLevel.ALL), ("false", ConsentLevel.OFF)],
)
def test_the_seed_sdks_preference_file_is_honoured(
    isolated_user: Path, content: str, level: ConsentLevel
) -> None:
    legacy = isolated_user / ".automagik" / "telemetry_preference"
    legacy.parent.mkdir()
    legacy.write_text(content)
    stored = ConsentStore().read_preference()
    assert stored is not None
    assert stored.level is level


def test_install_id_is_created_only_on_request_and_is_stable(tmp_path: Path) -> None:
    store = ConsentStore(tmp_path / "cfg")
    assert store.install_id(create=False) is None
    assert not store.install_id_path.exists()
    first = store.install_id(create=True)
    assert first is not None
    assert uuid.UUID(first).version == 4
    assert store.install_id(create=True) == first
    assert ConsentStore(tmp_path / "cfg").install_id(create=False) == first


def test_corrupt_install_id_is_replaced(tmp_path: Path) -> None:
    store = ConsentStore(tmp_path)
    store.install_id_path.write_text("not-a-uuid")
    new_id = store.install_id(create=True)
    assert new_id is not None
    assert new_id != "not-a-uuid"
    assert store.install_id_path.read_text().strip() == new_id


def test_unwritable_install_id_still_returns_an_id_for_this_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = ConsentStore(blocker / "cfg")  # parent is a file: mkdir fails
    assert uuid.UUID(store.install_id(create=True) or "")
    assert "cannot store the install id" in caplog.text


def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = ConsentStore(tmp_path / "cfg")
    store.preference_path.mkdir(parents=True)  # a directory where the file should go
    with pytest.raises(IsADirectoryError):
        store.write_preference(ConsentLevel.ALL, via="test")
    assert [p.name for p in store.config_dir.iterdir()] == ["telemetry-consent.json"]


def test_change_marker_changes_with_either_file(tmp_path: Path) -> None:
    store = ConsentStore(tmp_path / "cfg", home=tmp_path)
    before = store.change_marker()
    store.write_preference(ConsentLevel.ALL, via="test")
    after_opt_in = store.change_marker()
    store.opt_out_path.touch()
    assert len({before, after_opt_in, store.change_marker()}) == 3
