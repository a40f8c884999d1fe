"""Fork safety: give a forked child fresh threads, locks and connections of its own.

Pre-forking servers (gunicorn) call ``os.fork()`` after the app configured telemetry. Threads do
not survive a fork, a lock held by one of them at that moment stays locked forever in the
child, and sockets inherited from the parent must not be shared. Components register a method
that rebuilds what they need in the child; the registration holds them weakly, so a component
that is gone is not kept alive by it.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable

__all__ = ["after_fork_in_child"]


def after_fork_in_child(method: Callable[[], object]) -> None:
    """Call the bound ``method`` in every child forked from now on, while its object lives."""
    reference = weakref.WeakMethod(method)

    def call() -> None:
        bound = reference()
        if bound is not None:
            bound()

    os.register_at_fork(after_in_child=call)
