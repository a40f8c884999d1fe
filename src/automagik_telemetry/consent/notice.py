"""A first-run notice for interactive tools: ask once, record the answer, never block.

It only asks when a person can answer: stdin and stdout are terminals, no CI is detected and
nobody decided yet (no stored preference, no opt-out file, no ``DO_NOT_TRACK``, no explicit
``AUTOMAGIK_TELEMETRY_ENABLED``). The default answer is No; no answer within ``timeout``
seconds counts as No for this run without being recorded, so the question comes back next time.
"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from ..config.level import ConsentLevel
from ..config.masking import mask_url
from .environment import detect_ci
from .runtime import config_from_environment
from .store import ConsentStore

if TYPE_CHECKING:
    from ..config import TelemetryConfig

__all__ = ["first_run_notice"]

_NOTICE = """\
{service} can send anonymous usage and error telemetry to help its authors improve it.
  Collected: commands and features used, errors, performance timings, OS and Python version.
  Never collected: your files, prompts, personal data or secrets (scrubbed before sending).
  Sent to: {destination}
  Change it any time: `automagik-telemetry opt-in` / `opt-out`, or set DO_NOT_TRACK=1.
Share telemetry? [y]es / [e]rrors only / [N]o: """

_ANSWERS = {
    "y": ConsentLevel.ALL,
    "yes": ConsentLevel.ALL,
    "e": ConsentLevel.ERRORS,
    "errors": ConsentLevel.ERRORS,
    "n": ConsentLevel.OFF,
    "no": ConsentLevel.OFF,
    "": ConsentLevel.OFF,
}


def first_run_notice(
    service_name: str,
    *,
    config: TelemetryConfig | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> ConsentLevel | None:
    """Ask once and record the answer; returns the recorded level, or ``None`` if the user
    was not (or could not be) asked. Unrecognised answers count as No.

    ``config`` (default: resolved from the environment) says where data would go and where
    the answer is stored. Call it before ``configure_automagik()``.
    """
    env = os.environ if environ is None else environ
    config = config if config is not None else config_from_environment(env)
    store = ConsentStore(config.config_dir)
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    if not _should_ask(store, env, stdin, stdout):
        return None
    shown = mask_url(config.endpoint)  # the endpoint may carry credentials
    destination = shown if "otlp" in config.backends else ", ".join(config.backends)
    stdout.write(_NOTICE.format(service=service_name, destination=destination))
    stdout.flush()
    answer = _read_line(stdin, timeout)
    if answer is None:
        stdout.write("\nNo answer: telemetry stays off. We will ask again next time.\n")
        return None
    level = _ANSWERS.get(answer.strip().lower(), ConsentLevel.OFF)
    try:
        store.write_preference(level, via=f"first-run notice of {service_name}")
    except OSError as error:
        stdout.write(f"Could not save your answer ({error}); it applies to this run only.\n")
        return level
    stdout.write(f"Telemetry: {level.value}. Thank you.\n")
    return level


def _should_ask(store: ConsentStore, env: Mapping[str, str], stdin: TextIO, stdout: TextIO) -> bool:
    decided_by_env = any(
        env.get(name, "").strip() for name in ("DO_NOT_TRACK", "AUTOMAGIK_TELEMETRY_ENABLED")
    )
    return (
        _is_tty(stdin)
        and _is_tty(stdout)
        and detect_ci(env) is None
        and not decided_by_env
        and not store.opted_out_by_file()
        and store.read_preference() is None
    )


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _read_line(stdin: TextIO, timeout: float) -> str | None:
    """One line from ``stdin`` if it comes within ``timeout``; ``None`` on timeout or EOF."""
    try:
        ready, _, _ = select.select([stdin], [], [], timeout)
    except (OSError, ValueError, TypeError):
        return None  # e.g. Windows consoles cannot be select()ed: do not risk blocking
    if not ready:
        return None
    line = stdin.readline()
    return line if line else None
