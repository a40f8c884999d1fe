"""Where the consent file and the spool live: the XDG rule on Linux, as platformdirs has it.

The light front resolves the two directories itself on XDG platforms (importing platformdirs on
every run of every host program costs milliseconds); these tests hold it to platformdirs'
answer in the environments users have, and check that macOS and Windows go to platformdirs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from automagik_telemetry.config import dirs
from automagik_telemetry.consent import ConsentStore
from automagik_telemetry.spool.layout import service_spool_root


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG rule is Linux's")
@pytest.mark.parametrize(
    "xdg",
    [
        None,  # unset: ~/.config and ~/.cache
        "",  # blank
        "relative/dir",  # relative paths are invalid by the XDG spec and ignored
        "/srv/xdg",  # an absolute path wins
    ],
)
def test_the_xdg_rule_matches_platformdirs(
    xdg: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        if xdg is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, xdg and xdg + "/" + variable.lower())
    assert dirs.user_config_dir() == Path(platformdirs.user_config_dir("automagik"))
    assert dirs.user_cache_dir() == Path(platformdirs.user_cache_dir("automagik"))
    assert ConsentStore().config_dir == dirs.user_config_dir()
    assert service_spool_root(None, "forge") == dirs.user_cache_dir() / "spool" / "forge"


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_other_platforms_ask_platformdirs(
    platform: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda app: f"/platform/config/{app}")
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda app: f"/platform/cache/{app}")
    assert dirs.user_config_dir() == Path("/platform/config/automagik")
    assert dirs.user_cache_dir() == Path("/platform/cache/automagik")


def test_android_asks_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANDROID_DATA", "/data")
    monkeypatch.setenv("ANDROID_ROOT", "/system")
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda app: f"/data/user/0/{app}")
    assert dirs.user_config_dir() == Path("/data/user/0/automagik")
