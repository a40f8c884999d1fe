"""Fork safety: give a forked child fresh threads, locks and connections of its own.

Pre-forking servers (gunicorn) call ``os.fork()`` after the app configured telemetry. Threads do
not survive a fork, a lock held by one of them at that moment stays locked forever in the
child, and sockets inherited from the parent must not be shared. Components register a method
that rebuilds what they need in the child; the registration holds them weakly, so a component
that is gone is not kept alive by it.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable

__all__ = ["after_fork_in_child", "at_multiprocessing_child_exit"]


def after_fork_in_child(method: Callable[[], object]) -> None:
    """Call the bound ``method`` in every child forked from now on, while its object lives."""
    reference = weakref.WeakMethod(method)

    def call() -> None:
        bound = reference()
        if bound is not None:
            bound()

    os.register_at_fork(after_in_child=call)


class _Token:
    """Something ``multiprocessing.util.register_after_fork`` can hold weakly."""


_TOKEN = _Token()


def at_multiprocessing_child_exit(method: Callable[[], object]) -> None:
    """Call the bound ``method`` when a ``multiprocessing`` child forked from this process
    ends, while its object lives.

    Such a child runs its target and leaves by ``os._exit()``: ``atexit`` handlers never run,
    so without this whatever it queued is lost (the stock SDK loses it too). ``multiprocessing``
    runs its own exit finalizers first; ours is registered in each child right after the fork
    (``register_after_fork``: the parent's finalizers are cleared there). Nothing is imported:
    the hook is only set up if the app has loaded ``multiprocessing`` by the time it forks.
    """
    reference = weakref.WeakMethod(method)
    registered: list[bool] = []

    def call() -> None:
        bound = reference()
        if bound is not None:
            bound()

    def in_child(_: object) -> None:
        util = sys.modules["multiprocessing.util"]
        util.Finalize(None, call, exitpriority=10)

    def before_fork() -> None:
        util = sys.modules.get("multiprocessing.util")
        if util is not None and not registered:
            registered.append(True)
            util.register_after_fork(_TOKEN, in_child)

    os.register_at_fork(before=before_fork)
