"""The per-user directories of the stored consent, the install id and the spool.

Every run of every host program reads the consent file, most of them with consent off, so
finding its directory is on the path the light front must keep short. On Linux and the BSDs the
answer is the XDG base directory rule — ``$XDG_CONFIG_HOME`` (``$XDG_CACHE_HOME``) when it is an
absolute path, else ``~/.config`` (``~/.cache``) — which takes two lines, while importing
``platformdirs`` for it costs 3 to 8 ms per run (it imports ``tempfile``, ``shutil``, ``random``,
``bz2`` and ``lzma``). Elsewhere (macOS, Windows, Android) ``platformdirs`` knows the
conventions and is used; ``tests/test_dirs.py`` checks that both agree where both apply.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["APP_DIR", "user_cache_dir", "user_config_dir"]

APP_DIR = "automagik"
_XDG_PLATFORMS = ("linux", "freebsd", "openbsd", "netbsd", "dragonfly", "sunos")


def _xdg() -> bool:
    """Whether the XDG rule is the platform's (``platformdirs`` uses it there too)."""
    android = hasattr(sys, "getandroidapilevel") or (
        os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system"
    )
    return sys.platform.startswith(_XDG_PLATFORMS) and not android


def _xdg_dir(variable: str, default: str) -> Path:
    value = os.environ.get(variable, "")
    base = value if os.path.isabs(value) else os.path.expanduser(default)
    return Path(base) / APP_DIR


def user_config_dir() -> Path:
    """Where the consent file, the opt-in level, the install id and the pseudonym key live."""
    if _xdg():
        return _xdg_dir("XDG_CONFIG_HOME", "~/.config")
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_DIR))


def user_cache_dir() -> Path:
    """Where the spool lives (``<cache>/spool``)."""
    if _xdg():
        return _xdg_dir("XDG_CACHE_HOME", "~/.cache")
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_DIR))
