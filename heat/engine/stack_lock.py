"""One engine acts on a stack at a time.

:class:`StackLock` is the engine side of the ``stack_lock`` row
(``heat.db.api.stack_lock_*``): the row names the engine acting on the
stack. Taking a lock that a live engine holds (this one included) raises
:class:`~heat.common.exception.ActionInProgress` naming the stack and
its current action; a lock whose holder is dead (no heartbeat in the
``service`` table within ``dead_after``) is stolen.
"""

import contextlib

from heat.common import exception
from heat.db import api as db_api


class StackLock:
    """The lock of stack ``stack_id``, taken on behalf of ``engine_id``."""

    def __init__(self, context, stack_id, engine_id, dead_after=None):
        self.context = context
        self.stack_id = stack_id
        self.engine_id = engine_id
        self.dead_after = dead_after

    def get_engine_id(self):
        """The engine holding the lock, or None."""
        return db_api.stack_lock_get_engine_id(self.context, self.stack_id)

    def try_acquire(self):
        """Take the lock if it is free: None on success, else the holder.

        Never steals; :meth:`acquire` does.
        """
        return db_api.stack_lock_create(self.context, self.stack_id,
                                        self.engine_id)

    def acquire(self):
        """Take the lock (stealing it from a dead engine).

        Raises ActionInProgress when a live engine holds it.
        """
        holder = db_api.stack_lock_acquire(self.context, self.stack_id,
                                           self.engine_id,
                                           dead_after=self.dead_after)
        if holder is not None:
            raise self._in_progress()

    def _in_progress(self):
        name, action = self.stack_id, None
        project = getattr(self.context, 'project_id', None)
        if project:
            row = db_api.stack_get(self.context, self.stack_id, project,
                                   show_deleted=True)
            if row is not None:
                name, action = row.name, row.action
        return exception.ActionInProgress(stack_name=name, action=action)

    def release(self):
        """Release the lock if this engine holds it; True if it did."""
        return db_api.stack_lock_release(self.context, self.stack_id,
                                         self.engine_id)

    @contextlib.contextmanager
    def thread_lock(self):
        """Take the lock; release it only if the body raises.

        For an action handed to a background thread, which releases the
        lock itself when it ends.
        """
        self.acquire()
        try:
            yield self
        except BaseException:
            self.release()
            raise

    @contextlib.contextmanager
    def try_thread_lock(self):
        """Try the lock without stealing; yields None when taken (else the
        holder), and releases it only if the body raises."""
        holder = self.try_acquire()
        try:
            yield holder
        except BaseException:
            if holder is None:
                self.release()
            raise

    @contextlib.contextmanager
    def held(self):
        """Take the lock for the body and always release it."""
        self.acquire()
        try:
            yield self
        finally:
            self.release()
