"""The per-install pseudonym key for hash mode: created once, private, reused."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from automagik_telemetry.privacy.pseudonym import (
    KEY_FILENAME,
    PSEUDONYM_LENGTH,
    Pseudonymizer,
    load_pseudonym_key,
)


def test_key_is_created_only_when_asked(tmp_path: Path) -> None:
    assert load_pseudonym_key(tmp_path, create=False) is None
    assert not (tmp_path / KEY_FILENAME).exists()
    key = load_pseudonym_key(tmp_path, create=True)
    assert key is not None
    assert len(key) == 32
    assert load_pseudonym_key(tmp_path, create=False) == key
    assert load_pseudonym_key(tmp_path, create=True) == key


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_key_file_is_private(tmp_path: Path) -> None:
    load_pseudonym_key(tmp_path, create=True)
    mode = stat.S_IMODE((tmp_path / KEY_FILENAME).stat().st_mode)
    assert mode == 0o600


def test_default_location_is_next_to_the_install_id(isolated_user: Path) -> None:
    key = load_pseudonym_key(create=True)
    config_dir = Path(os.environ["XDG_CONFIG_HOME"]) / "automagik"
    assert (config_dir / KEY_FILENAME).read_text().strip() == key.hex()  # type: ignore[union-attr]


def test_unreadable_or_short_key_is_replaced(tmp_path: Path) -> None:
    (tmp_path / KEY_FILENAME).write_text("not hex\n")
    first = load_pseudonym_key(tmp_path, create=True)
    (tmp_path / KEY_FILENAME).write_text("abcd\n")  # too short to be a key
    second = load_pseudonym_key(tmp_path, create=True)
    assert first != second
    assert load_pseudonym_key(tmp_path, create=False) == second


def test_unwritable_dir_still_gives_a_working_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING):
        key = load_pseudonym_key(blocker / "config", create=True)
    assert key is not None
    assert "cannot store the pseudonym key" in caplog.text


def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    (config_dir / KEY_FILENAME).mkdir(parents=True)  # a directory there: replace() fails
    key = load_pseudonym_key(config_dir, create=True)
    assert key is not None
    assert [p.name for p in config_dir.iterdir()] == [KEY_FILENAME]


def test_pseudonyms_are_letters_only_and_keyed() -> None:
    one, other = Pseudonymizer(b"a" * 32), Pseudonymizer(b"b" * 32)
    value = one("email", "maria@example.com")
    assert len(value) == PSEUDONYM_LENGTH
    assert set(value) <= set("ghijklmnopqrstuv")
    assert one("email", "Maria@Example.com") == value
    assert one("user", "maria@example.com") != value
    assert other("email", "maria@example.com") != value
    assert "a" * 32 not in repr(one)
