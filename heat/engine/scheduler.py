"""Running a stack action's resources on native threads.

A stack action (create, update, delete, ...) runs in one thread. It owns
an :class:`ActionControl`: its deadline (the stack's ``timeout_mins``) and
its cancel event. Resources of the action run concurrently through a
:class:`DependencyRunner`, which submits a resource once everything it
must wait for has finished, on a ``ThreadPoolExecutor`` of its own
(``[DEFAULT] max_concurrent_resources`` workers). A nested stack acting
inside a parent's worker has its own pool, so it never waits for a slot
of the parent's pool.

A resource action that has to wait for something polls with
:func:`wait_until`: it waits on the action's cancel event with a growing
interval (10 ms doubling to 200 ms), so a cancellation wakes it at once
(:class:`Cancelled`) and the deadline raises
:class:`~heat.common.exception.Timeout`.

On the first failure the runner schedules nothing new, cancels the
action so that the running resources stop waiting, waits for them to
return, and raises that first failure.
"""

import collections
import concurrent.futures
import queue
import threading
import time

from heat.common import exception

#: first and longest interval between two polls of a resource action.
POLL_START = 0.01
POLL_MAX = 0.2


class Cancelled(Exception):
    """The stack action was cancelled while this work waited."""

    def __init__(self, reason='Operation cancelled'):
        self.reason = reason
        super().__init__(reason)

    def __str__(self):
        return self.reason


class Superseded(Cancelled):
    """The stack action was cancelled because a new update of the stack
    supersedes it (upstream convergence's preemption): what it was doing
    is left FAILED, without rollback, for the new update to take over."""


#: the words a superseded action's reasons end with
SUPERSEDED = 'superseded by a new update'


class ActionControl:
    """Deadline and cancellation of one stack action.

    ``parent`` is the control of the action this one runs inside (a
    nested stack's action inside its parent's): cancelling the parent
    cancels this one, and the parent's deadline bounds this one's.
    """

    def __init__(self, timeout=None, parent=None):
        self.cancel_event = threading.Event()
        self.cancel_reason = None
        #: True when the cancellation asks for a rollback (cancel update).
        self.rollback = True
        #: True when a new update cancelled the action (see Superseded).
        self.superseded = False
        #: True once asked to start nothing new while what runs finishes
        #: (upstream's cancel without rollback); see :meth:`stop`.
        self.stopping = False
        self.deadline = None
        if timeout is not None:
            self.deadline = time.monotonic() + timeout
        self._children = []
        self._lock = threading.Lock()
        if parent is not None:
            if parent.deadline is not None and (
                    self.deadline is None or parent.deadline < self.deadline):
                self.deadline = parent.deadline
            parent._add_child(self)

    def _add_child(self, child):
        with self._lock:
            self._children.append(child)
            cancelled = self.cancel_event.is_set()
            stopping = self.stopping
        if cancelled:
            child.cancel(self.cancel_reason, self.rollback,
                         superseded=self.superseded)
        elif stopping:
            child.stop(self.cancel_reason)

    def cancel(self, reason='Operation cancelled', rollback=True,
               superseded=False):
        """Stop every wait of this action (and of nested ones).

        ``superseded``: a new update preempts the action; its waits raise
        :class:`Superseded` (the first cancellation's kind stands)."""
        with self._lock:
            if not self.cancel_event.is_set():
                self.cancel_reason = reason
                self.rollback = rollback
                self.superseded = superseded
                self.cancel_event.set()
            children = list(self._children)
        for child in children:
            child.cancel(reason, rollback, superseded=superseded)

    def cancelled_error(self):
        """The exception a wait of this cancelled action raises."""
        kind = Superseded if self.superseded else Cancelled
        return kind(self.cancel_reason or 'Operation cancelled')

    def stop(self, reason='Operation cancelled'):
        """Start nothing new (here and in nested actions) and let what
        runs finish, then end the action as cancelled without rollback:
        unlike :meth:`cancel`, no wait is interrupted."""
        with self._lock:
            if not self.cancel_event.is_set() and not self.stopping:
                self.cancel_reason = reason
                self.rollback = False
                self.stopping = True
            children = list(self._children)
        for child in children:
            child.stop(reason)

    @property
    def cancelled(self):
        return self.cancel_event.is_set()

    def remaining(self):
        """Seconds left before the deadline (None: no deadline)."""
        if self.deadline is None:
            return None
        return self.deadline - time.monotonic()

    def expired(self):
        left = self.remaining()
        return left is not None and left <= 0

    def check(self):
        """Raise Timeout past the deadline, Cancelled once cancelled."""
        if self.expired():
            raise exception.Timeout()
        if self.cancelled:
            raise self.cancelled_error()


def wait_until(done, control=None, start=POLL_START, limit=POLL_MAX):
    """Call ``done()`` until it returns true; return its value.

    Between calls, wait on ``control``'s cancel event (a growing
    interval); raise :class:`Cancelled` when it is set and
    ``exception.Timeout`` past its deadline. Without a control, plain
    sleeps.
    """
    interval = start
    while True:
        result = done()
        if result:
            return result
        wait = interval
        if control is not None:
            left = control.remaining()
            if left is not None:
                if left <= 0:
                    raise exception.Timeout()
                wait = min(wait, left)
            if control.cancel_event.wait(wait):
                error = getattr(control, 'cancelled_error', None)
                if callable(error):
                    raise error()
                raise Cancelled(control.cancel_reason or
                                'Operation cancelled')
        else:
            time.sleep(wait)
        interval = min(interval * 2, limit)


def root_cause(exc):
    """The exception a ResourceFailure (or chain of them) wraps."""
    seen = 0
    while isinstance(exc, exception.ResourceFailure) and \
            isinstance(getattr(exc, 'exc', None), BaseException) and \
            seen < 20:
        exc = exc.exc
        seen += 1
    return exc


def is_cancel(exc):
    return isinstance(root_cause(exc), Cancelled)


def is_superseded(exc):
    return isinstance(root_cause(exc), Superseded)


def is_timeout(exc):
    return isinstance(root_cause(exc), exception.Timeout)


def max_workers():
    from heat.common import config
    try:
        return max(1, int(config.CONF.max_concurrent_resources))
    except Exception:  # options not parsed yet: the default
        return 8


class DependencyRunner:
    """Run ``action(key)`` for every node of a dependency graph.

    ``deps`` is a :class:`heat.engine.dependencies.Dependencies`. Forward,
    a node runs once the nodes it requires are done (create order);
    ``reverse=True`` runs a node once the nodes requiring it are done
    (delete order). ``control`` is the stack action's
    :class:`ActionControl`.

    With ``aggregate=False`` (the default) the first failure stops the
    run: nothing new is scheduled, the control is cancelled (running
    actions stop waiting), the runner waits for them and raises the first
    failure. With ``aggregate=True`` (check) a failure stops only what
    depends on the failed node (as upstream: what is downstream of an
    error is not run), every other node runs, and the first failure is
    raised at the end.
    """

    def __init__(self, deps, action, reverse=False, control=None,
                 workers=None, aggregate=False):
        self.deps = deps
        self.action = action
        self.reverse = reverse
        self.control = control if control is not None else ActionControl()
        self.workers = workers or max_workers()
        self.aggregate = aggregate
        self.failures = []

    def _graph(self):
        before = self.deps.graph(reverse=self.reverse)
        after = self.deps.graph(reverse=not self.reverse)
        return before, after

    def __call__(self):
        return self.run()

    def run(self):
        before, after = self._graph()
        # validates the graph (a cycle raises before anything runs)
        if self.reverse:
            order = list(reversed(self.deps))
        else:
            order = list(self.deps)
        position = {key: i for i, key in enumerate(order)}
        waiting = {key: len(before[key]) for key in order}
        ready = collections.deque(k for k in order if waiting[k] == 0)
        running = {}
        finished_q = queue.SimpleQueue()
        first = None
        stop = False
        workers = min(self.workers, max(1, len(order)))
        pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix='heat-resource')
        try:
            while True:
                if not stop and not self.aggregate and (
                        self.control.cancelled or self.control.stopping):
                    stop = True
                if not stop and self.control.expired():
                    first = first or exception.Timeout()
                    stop = True
                    self.control.cancel('Timed out')
                if stop:
                    ready.clear()
                # Only as many in flight as there are workers: once a
                # failure stops the run, nothing queued may still start.
                while ready and len(running) < workers:
                    key = ready.popleft()
                    future = pool.submit(self.action, key)
                    running[future] = key
                    future.add_done_callback(finished_q.put)
                if not running:
                    break
                wait = self.control.remaining()
                try:
                    done = [finished_q.get(
                        timeout=None if wait is None else max(wait, 0) + 0.01)]
                except queue.Empty:
                    continue
                while True:
                    try:
                        done.append(finished_q.get_nowait())
                    except queue.Empty:
                        break
                finished = []
                for future in done:
                    key = running.pop(future)
                    exc = future.exception()
                    if exc is None:
                        finished.append(key)
                        continue
                    self.failures.append((key, exc))
                    if self._counts_as_first(exc, first):
                        first = exc
                    # aggregate: the nodes after a failed one never
                    # become ready
                    if not self.aggregate and not stop:
                        stop = True
                        self.control.cancel(str(exc))
                for key in sorted(finished, key=position.get):
                    for other in after[key]:
                        waiting[other] -= 1
                        if waiting[other] == 0:
                            ready.append(other)
        finally:
            pool.shutdown(wait=True)
        if first is not None:
            raise first
        if stop and (self.control.cancelled or self.control.stopping):
            raise self.control.cancelled_error()

    def _counts_as_first(self, exc, first):
        if first is None:
            return True
        # A cancellation caused by the first failure is not a failure of
        # its own; a real failure outranks an earlier cancellation.
        return is_cancel(first) and not is_cancel(exc)
