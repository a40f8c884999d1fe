"""automagik-notes: a tiny command-line tool showing the convenience API.

* asks once whether the user shares telemetry (``first_run_notice``; only in a terminal);
* one ``track_event`` per command, with the command name and nothing the user typed;
* ``track_error`` when a command fails, then a clean error message and exit code 1.

Try it::

    python examples/cli_app/notes.py add "buy milk"
    python examples/cli_app/notes.py list
    python examples/cli_app/notes.py done 42          # fails: no such note
    AUTOMAGIK_TELEMETRY_ENABLED=1 AUTOMAGIK_TELEMETRY_VERBOSE=1 \\
        python examples/cli_app/notes.py list          # prints what would be sent
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from automagik_telemetry import (
    StandardEvents,
    configure_automagik,
    first_run_notice,
    track_error,
    track_event,
    track_metric,
)

SERVICE = "automagik-notes"
VERSION = "1.0.0"
STORE = Path.home() / ".automagik-notes.json"


class NoteError(Exception):
    """A failure the user caused; reported without a traceback."""


def load() -> list[str]:
    return json.loads(STORE.read_text()) if STORE.exists() else []


def save(notes: list[str]) -> None:
    STORE.write_text(json.dumps(notes))


def add(args: argparse.Namespace) -> None:
    notes = load()
    notes.append(args.text)
    save(notes)
    print(f"added note {len(notes)}")


def list_notes(args: argparse.Namespace) -> None:
    for number, text in enumerate(load(), start=1):
        print(f"{number}. {text}")


def done(args: argparse.Namespace) -> None:
    notes = load()
    if not 1 <= args.number <= len(notes):
        raise NoteError(f"there is no note {args.number}")
    del notes[args.number - 1]
    save(notes)
    print(f"note {args.number} done")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="automagik-notes", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)
    add_parser = commands.add_parser("add", help="add a note")
    add_parser.add_argument("text")
    add_parser.set_defaults(run=add)
    commands.add_parser("list", help="list notes").set_defaults(run=list_notes)
    done_parser = commands.add_parser("done", help="remove a note by number")
    done_parser.add_argument("number", type=int)
    done_parser.set_defaults(run=done)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    first_run_notice(SERVICE)  # asks once, in a terminal only; default No
    handle = configure_automagik(service_name=SERVICE, service_version=VERSION)
    # The command name only: never what the user typed (note texts are theirs).
    track_event(StandardEvents.COMMAND_EXECUTED, {"command": args.command})
    started = time.perf_counter()
    try:
        args.run(args)
        return 0
    except NoteError as error:
        track_error(error, {"command": args.command})
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        track_metric("notes.command.duration", elapsed_ms, "histogram", {"command": args.command})
        handle.shutdown()


if __name__ == "__main__":
    sys.exit(main())
