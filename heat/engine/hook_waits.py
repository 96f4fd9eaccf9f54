"""Which stacks of this process have a resource paused on a hook now.

A resource paused on a breakpoint (``hooks`` in the environment) waits
for a signal that clears it; nothing else moves its action on. A stop of
the engine therefore does not wait for such a stack's action: it is
abandoned at once (its lock left to the stale-stack takeover, its hook
still set in the resource's data), instead of holding the process until
the end of ``graceful_shutdown_timeout``.

A pause is recorded under the resource's stack and its root stack, so
that the thread of an action started on either finds it.
"""

import collections
import contextlib
import threading

_lock = threading.Lock()
_paused = collections.Counter()


@contextlib.contextmanager
def paused(*stack_ids):
    """Record a pause on a hook for ``stack_ids`` (None ignored) while
    the block runs."""
    ids = [s for s in dict.fromkeys(stack_ids) if s is not None]
    with _lock:
        _paused.update(ids)
    try:
        yield
    finally:
        with _lock:
            _paused.subtract(ids)
            for stack_id in ids:
                if _paused[stack_id] <= 0:
                    del _paused[stack_id]


def is_paused(stack_id):
    """Whether a resource of ``stack_id`` (or of a stack under it) waits
    on a hook now."""
    with _lock:
        return _paused.get(stack_id, 0) > 0
