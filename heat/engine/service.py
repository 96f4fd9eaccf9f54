"""The engine's entry points: upstream Heat's engine method names.

:class:`EngineService` is what the RPC layer (and the embedded API)
calls. Each method takes the request context first and the arguments of
upstream's engine method of the same name; results are the dicts of
:mod:`heat.engine.api`.

- **Project scoping.** Every call finds stacks through the context's
  project (``heat.db.api`` filters on it): a stack of another project is
  not found (``EntityNotFound``/StackNotFound), never shown. An admin
  context may name another project's stack through its identity's
  ``tenant``.
- **One action per stack.** A stack action (create, update, delete,
  suspend, resume, check, abandon, rollback after cancel) takes the
  stack's :class:`~heat.engine.stack_lock.StackLock` in the caller's
  thread, so a second action fails at once with ``ActionInProgress``;
  the action then runs in a background thread of this service, which
  releases the lock when it ends. :meth:`EngineService.wait` (ours, not
  upstream's) blocks until a stack's threads are done.
- **Liveness.** The service registers a ``service`` row for its engine
  id and heartbeats it from a thread (``[DEFAULT] report_interval``); an
  engine with no heartbeat for ``service_down_time`` is dead, and other
  engines steal its locks. Every ``stale_stack_check_interval`` each live
  engine takes over the locks dead engines hold and marks FAILED the
  stacks (and resources) their actions left IN_PROGRESS
  (:meth:`reset_dead_engine_stacks`, no restart needed); at start it
  also resets stacks left IN_PROGRESS with a free lock
  (:meth:`reset_stale_stacks`).
"""

import collections
import contextlib
import copy
import functools
import logging
import re
import socket
import threading
import time
import uuid

from heat.common import context as context_mod
from heat.common import environment_format, exception, template_format
from heat.db import api as db_api
from heat.engine import api, hook_waits, snapshot_service, stack_lock
from heat.engine import software_config_service as sc_service
from heat.engine.autoscaling import service as as_service

LOG = logging.getLogger(__name__)

#: upstream's rule for top-level stack names.
STACK_NAME_RE = re.compile(r'[a-zA-Z][a-zA-Z0-9_.-]{0,254}$')
#: seconds between two heartbeats of the service row.
DEFAULT_REPORT_INTERVAL = 10
#: how long an action's caller waits to see the action begin.
START_NOTIFY_TIMEOUT = 5.0
#: how long a delete waits for a cancelled action to stop.
CANCEL_WAIT_TIMEOUT = 60.0
#: how long an update call waits for the action it supersedes to stop
#: before it hands the rest of the wait (up to CANCEL_WAIT_TIMEOUT) to
#: a background thread; less than an RPC call's timeout
PREEMPT_CALL_WAIT = 20.0

#: seconds between two looks at a ``give_up`` condition while waiting
#: for a stack's threads
GIVE_UP_POLL = 0.1

_UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}'
                      r'[0-9a-fA-F]{12}$')


def _stack_module():
    # Imported late: heat.engine.stack imports resources, which may
    # import this package's siblings.
    from heat.engine import stack as stack_mod
    return stack_mod


def _template_module():
    from heat.engine import template as templatem
    return templatem


def _environment_module():
    from heat.engine import environment as envm
    return envm


def validate_stack_name(name):
    """Upstream's check of a top-level stack name."""
    if not isinstance(name, str):
        raise exception.StackValidationFailed(
            message='Invalid stack name %s, must be a string' % (name,))
    if not STACK_NAME_RE.match(name):
        raise exception.StackValidationFailed(
            message='Invalid stack name %s must contain only alphanumeric '
                    'or "_-." characters, must start with alpha and must '
                    'be 255 characters or less.' % name)


# ---------------------------------------------------------------------------
# threads

class ThreadGroupManager:
    """The background threads of the service, grouped by stack id.

    ``running`` maps a stack id to the Stack object of the locked action
    that runs now, so that a cancel reaches its in-memory cancel event;
    ``preemptible`` names those a new update may supersede (a create or
    an update, with its rollback).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._threads = {}
        self._running = {}
        self._preemptible = set()
        #: ``{stack_id: Stack}`` of actions whose state could not be
        #: written (database unavailable); their locks are kept
        self._unwritten = {}

    def take_unwritten(self, stack_id):
        with self._lock:
            return self._unwritten.pop(stack_id, None)

    def _run(self, stack_id, fn, args, kwargs, on_exit=None):
        try:
            fn(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a thread must not die silently
            LOG.exception('Unhandled error in a thread of stack %s',
                          stack_id)
        finally:
            if on_exit is not None:
                try:
                    on_exit()
                except Exception:  # noqa: BLE001
                    LOG.exception('Error cleaning up after stack %s',
                                  stack_id)
            with self._lock:
                threads = self._threads.get(stack_id, [])
                current = threading.current_thread()
                if current in threads:
                    threads.remove(current)
                if not threads:
                    self._threads.pop(stack_id, None)

    def start(self, stack_id, fn, *args, **kwargs):
        return self._start(stack_id, fn, args, kwargs)

    def _start(self, stack_id, fn, args, kwargs, on_exit=None):
        thread = threading.Thread(
            target=self._run, args=(stack_id, fn, args, kwargs, on_exit),
            name='stack-%s' % stack_id, daemon=True)
        with self._lock:
            self._threads.setdefault(stack_id, []).append(thread)
        thread.start()
        return thread

    def start_with_acquired_lock(self, stack, lock, fn, *args,
                                 preemptible=False, **kwargs):
        """Run ``fn`` in a thread that releases ``lock`` when it ends;
        the stack's state writes are fenced by the lock
        (heat.engine.stack_lock, "Fencing"). ``preemptible``: a new
        update may supersede the action (see ``update_stack``)."""
        fence = getattr(lock, 'fence', None)
        if fence is not None and callable(getattr(stack, 'set_lock_fence',
                                                  None)):
            stack.set_lock_fence(fence)
        with self._lock:
            self._running[stack.id] = stack
            if preemptible:
                self._preemptible.add(stack.id)
            else:
                self._preemptible.discard(stack.id)
        failure = []

        def on_exit():
            with self._lock:
                if self._running.get(stack.id) is stack:
                    del self._running[stack.id]
                    self._preemptible.discard(stack.id)
            if failure and db_api.is_disconnect(failure[0]) and \
                    callable(getattr(lock, 'abandon', None)):
                # the state could not be written: the lock stays, and
                # this engine's stale-stack check writes it (or fails the
                # action) once the database answers again
                with self._lock:
                    self._unwritten[stack.id] = stack
                lock.abandon()
                LOG.warning('Stack %s: the database is unavailable; its '
                            'lock is kept until its state is written',
                            stack.id)
                return
            try:
                lock.release()
            except Exception:  # noqa: BLE001 - the stale check frees it
                if callable(getattr(lock, 'abandon', None)):
                    lock.abandon()
                raise

        def guarded(*a, **kw):
            try:
                fn(*a, **kw)
            except Exception as exc:
                failure.append(exc)
                if not db_api.is_disconnect(exc):
                    _fail_unfinished(stack, exc)
                raise

        try:
            return self._start(stack.id, guarded, args, kwargs, on_exit)
        except BaseException:
            on_exit()
            raise

    def running_stack(self, stack_id):
        with self._lock:
            return self._running.get(stack_id)

    def preemptible_stack(self, stack_id):
        """The Stack of the running action a new update may supersede
        (a create or an update), or None."""
        with self._lock:
            if stack_id in self._preemptible:
                return self._running.get(stack_id)
            return None

    def threads(self, stack_id):
        with self._lock:
            return list(self._threads.get(stack_id, ()))

    def all_stack_ids(self):
        with self._lock:
            return list(self._threads)

    def wait(self, stack_id, timeout=None, give_up=None):
        """Join the stack's threads (also those they start); True if done.

        ``give_up`` (a function of no argument), polled while waiting,
        ends the wait (False) when it returns true."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            threads = [t for t in self.threads(stack_id)
                       if t is not threading.current_thread()]
            if not threads:
                return True
            for thread in threads:
                if not self._join(thread, deadline, give_up):
                    return False

    @staticmethod
    def _join(thread, deadline, give_up):
        while thread.is_alive():
            if give_up is not None and give_up():
                return False
            remaining = None
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
            if give_up is not None:
                remaining = GIVE_UP_POLL if remaining is None else min(
                    remaining, GIVE_UP_POLL)
            thread.join(remaining)
        return True


def _conf_value(conf, name, default):
    try:
        return getattr(conf, name)
    except Exception:  # noqa: BLE001 - NoSuchOptError: not registered
        return default


def _check_liveness_options(report_interval, dead_after):
    if dead_after.total_seconds() <= report_interval:
        raise ValueError(
            'service_down_time (%s s) must be more than report_interval '
            '(%s s): engines would count as dead between two heartbeats'
            % (dead_after.total_seconds(), report_interval))


def _join_all(threads, deadline):
    """Join ``threads`` until ``deadline`` (time.monotonic()); True if
    they all ended (the calling thread is not waited for)."""
    for thread in threads:
        if thread is threading.current_thread():
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            return False
    return True


def _fail_unfinished(stack, exc):
    """An action that raised out of the stack left it IN_PROGRESS: mark
    it FAILED so that it does not look busy forever."""
    if isinstance(exc, exception.StackLockLost):
        return  # another engine took the stack over: its state stands
    try:
        if getattr(stack, 'status', None) == 'IN_PROGRESS':
            stack.state_set(stack.action, 'FAILED',
                            'Unexpected error: %s: %s'
                            % (type(exc).__name__, exc))
    except Exception:  # noqa: BLE001 - the original error is logged
        LOG.exception('Could not mark stack %s failed', stack.id)


# ---------------------------------------------------------------------------
# the service

class EngineService(as_service.AutoScalingMixin,
                    sc_service.SoftwareConfigService,
                    snapshot_service.SnapshotService):
    """The engine: upstream's ``EngineService`` methods on native threads."""

    def __init__(self, engine_id=None, conf=None, report_interval=None,
                 stale_check_interval=None):
        if conf is None:
            from heat.common import config
            conf = config.CONF
        self.conf = conf
        if db_api.connection_url() is None and hasattr(conf, 'database'):
            db_api.configure_from_conf(conf)
        self.engine_id = engine_id or str(uuid.uuid4())
        if report_interval is None:
            report_interval = _conf_value(conf, 'report_interval',
                                          DEFAULT_REPORT_INTERVAL)
            _check_liveness_options(report_interval,
                                    db_api.get_dead_after())
        self.report_interval = report_interval
        if stale_check_interval is None:
            stale_check_interval = _conf_value(
                conf, 'stale_stack_check_interval', 0)
        #: seconds between two :meth:`reset_dead_engine_stacks`
        self.stale_check_interval = (stale_check_interval or
                                     2 * report_interval)
        self.thread_group_mgr = ThreadGroupManager()
        #: ``{stack_id: [lock, users]}``: update calls of one stack take
        #: turns (see update_stack)
        self._update_gates = {}
        #: ``{stack_id: deletes}`` of the stacks whose delete waits for
        #: a cancelled action
        self._deleting = collections.Counter()
        self._gates_lock = threading.Lock()
        self._stopped = threading.Event()
        self._heartbeat_thread = None
        self._stale_check_thread = None
        self._last_beat = None
        self.service_id = None
        self._as_init()
        self.start()

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        """Register the service row and start heartbeating it."""
        if self.service_id is not None:
            return
        # The engine's types and the resource plug-ins (plugin_dirs, entry
        # points): a plug-in that fails is reported when the engine starts.
        from heat.engine import resources
        resources.ensure_loaded()
        self.service_id = self._register()
        try:
            self.reset_stale_stacks()
        except Exception:  # noqa: BLE001 - never block the start
            LOG.exception('Resetting stale stacks failed')
        self._stopped.clear()
        self._last_beat = time.monotonic()
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat_loop, name='heartbeat-%s' % self.engine_id,
            daemon=True)
        self._heartbeat_thread.start()
        self._stale_check_thread = threading.Thread(
            target=self._stale_check_loop,
            name='stale-check-%s' % self.engine_id, daemon=True)
        self._stale_check_thread.start()
        self._as_start()

    def reset_stale_stacks(self):
        """At start: mark FAILED the stacks left IN_PROGRESS by a dead engine.

        A stack tree is stale when its root's lock is held by an engine
        with no recent heartbeat, by this engine's id (left from before a
        restart), or is free. Each is taken over as
        :func:`~heat.engine.stack_lock.take_over` does: its IN_PROGRESS
        stacks and resources get upstream's reason ``Engine went down
        during stack <ACTION>`` and the lock is released, all in one
        transaction under the lock. Returns the ids of the stacks reset.
        """
        from heat.db import models
        S, L = models.Stack, models.StackLock
        reset = []
        with db_api.reader(None) as session:
            own = session.query(L.stack_id, S.tenant).join(
                S, S.id == L.stack_id).filter(
                L.engine_id == self.engine_id).all()
        # This engine has no action running yet: its old locks are dead.
        for stack_id, tenant in own:
            try:
                reset += stack_lock.take_over(stack_id, tenant,
                                              self.engine_id,
                                              self.engine_id) or []
            except Exception:  # noqa: BLE001 - the others still go
                LOG.exception('Resetting stale stack %s failed', stack_id)
        for ids in stack_lock.take_over_dead_locks(self.engine_id).values():
            reset += ids
        with db_api.reader(None) as session:
            rows = session.query(S.id, S.tenant).filter(
                S.status == 'IN_PROGRESS', S.deleted_at.is_(None)).all()
            owners = dict(session.query(S.id, S.owner_id).filter(
                S.owner_id.isnot(None)).all())
            locked = {sid for (sid,) in session.query(L.stack_id)}
        roots = {}
        for stack_id, tenant in rows:
            root, seen = stack_id, {stack_id}
            while root not in locked and owners.get(root) and \
                    owners[root] not in seen:
                root = owners[root]
                seen.add(root)
            if root not in locked:
                roots[root] = tenant
        for root, tenant in roots.items():
            try:
                reset += stack_lock.take_over(root, tenant, None,
                                              self.engine_id) or []
            except Exception:  # noqa: BLE001 - the others still go
                LOG.exception('Resetting stale stack %s failed', root)
        return reset

    def reset_dead_engine_stacks(self):
        """Take over the locks dead engines hold (the periodic look).

        Each lock is stolen in one transaction that marks FAILED the
        stacks and resources its action left IN_PROGRESS and releases it
        (:func:`~heat.engine.stack_lock.take_over_dead_locks`); of engines
        looking at once exactly one takes a lock over. Stacks IN_PROGRESS
        with a free lock are left alone (see :mod:`heat.engine.stack_lock`
        for why). An engine whose own heartbeat is late does nothing: it
        may be the one the others think dead. Returns ``{stack_id: ids of
        the stacks marked FAILED}``.
        """
        if self._last_beat is None or time.monotonic() - self._last_beat > \
                db_api.get_dead_after().total_seconds() / 2:
            return {}
        self.resolve_unwritten_stacks()
        return stack_lock.take_over_dead_locks(self.engine_id)

    def resolve_unwritten_stacks(self):
        """Locks of this engine that no action of it holds any more: an
        action whose final state write failed (the database was away
        longer than ``db_retry_seconds``), or whose lock release did.
        The state the action meant to write is written now (under the
        lock's fence) and the lock released; an action that ended
        without a final state, or one this engine no longer knows,
        is taken over as a dead engine's would be (FAILED). Returns
        ``{stack_id: what was done}``."""
        from heat.db import models
        S, L = models.Stack, models.StackLock
        with db_api.reader(None) as session:
            own = session.query(L.stack_id, L.token, S.tenant).join(
                S, S.id == L.stack_id).filter(
                L.engine_id == self.engine_id).all()
        done = {}
        for stack_id, token, tenant in own:
            if stack_lock.held_here(stack_id) or \
                    self.thread_group_mgr.threads(stack_id):
                continue
            stack = self.thread_group_mgr.take_unwritten(stack_id)
            try:
                done[stack_id] = self._finish_unwritten(
                    stack_id, token, tenant, stack)
            except Exception:  # noqa: BLE001 - the next look retries
                if stack is not None:
                    with self.thread_group_mgr._lock:
                        self.thread_group_mgr._unwritten[stack_id] = stack
                LOG.exception('Engine %s: resolving the kept lock of '
                              'stack %s failed', self.engine_id, stack_id)
        return done

    def _finish_unwritten(self, stack_id, token, tenant, stack):
        final = stack is not None and stack.status in ('COMPLETE',
                                                       'FAILED')
        if final:
            stack.set_lock_fence((stack_id, self.engine_id, token))
            stack.state_set(stack.action, stack.status,
                            stack.status_reason)
            if (stack.action, stack.status) == ('DELETE', 'COMPLETE'):
                db_api.stack_delete(stack.context, stack.id,
                                    stack.tenant_id)
            db_api.stack_lock_release(None, stack_id, self.engine_id,
                                      token=token)
            LOG.warning('Engine %s: wrote the kept state %s_%s of stack '
                        '%s once the database answered, and released its '
                        'lock', self.engine_id, stack.action, stack.status,
                        stack_id)
            return 'wrote %s_%s' % (stack.action, stack.status)
        reset = stack_lock.take_over(stack_id, tenant, self.engine_id,
                                     self.engine_id)
        LOG.warning('Engine %s: took over its own kept lock of stack %s; '
                    'marked FAILED: %s', self.engine_id, stack_id,
                    ', '.join(reset or ()) or 'nothing')
        return 'failed %s' % ', '.join(reset or ())

    def _register(self):
        """A new service row of this engine; its id."""
        return db_api.service_create(None, {
            'engine_id': self.engine_id,
            'host': 'engine-%s' % self.engine_id,
            'hostname': socket.gethostname(),
            'binary': 'heat-engine',
            'topic': 'engine',
            'report_interval': int(self.report_interval),
        }).id

    def _heartbeat_loop(self):
        while not self._stopped.wait(self.report_interval):
            try:
                if db_api.service_heartbeat(None, self.service_id):
                    self._last_beat = time.monotonic()
                else:
                    # The row is gone (``heat-manage service clean`` took
                    # this engine for dead): register again, as upstream.
                    LOG.warning('Service row of engine %s is gone: '
                                'registering again', self.engine_id)
                    self.service_id = self._register()
            except Exception:  # noqa: BLE001 - retried on the next beat
                LOG.exception('Heartbeat of engine %s failed', self.engine_id)

    def _stale_check_loop(self):
        while not self._stopped.wait(self.stale_check_interval):
            try:
                self.reset_dead_engine_stacks()
            except Exception:  # noqa: BLE001 - retried on the next look
                LOG.exception('Engine %s: looking for stacks of dead '
                              'engines failed', self.engine_id)

    def heartbeat(self):
        """One heartbeat now (the thread does this every interval)."""
        return db_api.service_heartbeat(None, self.service_id)

    def stop_taking_work(self):
        """The first step of a stop: convergers stop at their next batch
        (releasing their lease) and the sweep ends. Stack actions and
        the heartbeat go on: their locks stay this live engine's."""
        self._as_shutdown(0)

    def stop(self, timeout=None):
        """Wait for running stack threads (``timeout`` seconds in all;
        None: as long as they take), end the heartbeat, drop the row.

        Returns the ids of the stacks whose threads still run: abandoned.
        Their locks stay with this engine, dead once its row is gone, so
        that another engine's stale-stack check takes them over.
        """
        deadline = None if timeout is None else time.monotonic() + timeout

        def left(at_least=0.0):
            if deadline is None:
                return None
            return max(at_least, deadline - time.monotonic())

        self._as_shutdown(left())
        # An action paused on a hook waits for a signal that this
        # stopping engine no longer takes: it is abandoned at once (see
        # heat.engine.hook_waits), not waited for until the deadline.
        abandoned = [stack_id for stack_id in
                     self.thread_group_mgr.all_stack_ids()
                     if not self.thread_group_mgr.wait(
                         stack_id, left(),
                         give_up=functools.partial(hook_waits.is_paused,
                                                   stack_id))]
        self._stopped.set()
        # (a moment at least: a heartbeat under way must not register
        # the row again once it is deleted)
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join(left(0.5))
            self._heartbeat_thread = None
        if self._stale_check_thread is not None:
            self._stale_check_thread.join(left(0.5))
            self._stale_check_thread = None
        if abandoned:
            LOG.warning('Engine %s stopping: the actions of stacks %s still '
                        'run; their locks are left for another engine to '
                        'take over', self.engine_id, ', '.join(abandoned))
        if self.service_id is not None:
            try:
                db_api.service_delete(None, self.service_id)
            except Exception:  # noqa: BLE001 - the database may be gone
                LOG.exception('Could not delete service %s', self.service_id)
            self.service_id = None
        return abandoned

    def wait(self, stack_id, timeout=None):
        """Block until the stack's background work ends; True if it did.

        ``stack_id`` may be an id or an identity dict.
        """
        if isinstance(stack_id, dict) or hasattr(stack_id, 'stack_id'):
            stack_id = stack_id['stack_id']
        return self.thread_group_mgr.wait(stack_id, timeout)

    # -- helpers -----------------------------------------------------------

    @staticmethod
    def _project(cnxt):
        project = getattr(cnxt, 'project_id', None)
        if not project:
            raise exception.Invalid(reason='the request has no project')
        return project

    def _scoped_context(self, cnxt, identity):
        """The context to act in: the caller's, or for an admin naming
        another project's stack, one for that project."""
        tenant = identity.get('tenant') if identity else None
        if (tenant and getattr(cnxt, 'is_admin', False) and
                tenant != getattr(cnxt, 'project_id', None)):
            values = cnxt.to_dict()
            values['project_id'] = tenant
            values.pop('tenant_id', None)
            return context_mod.RequestContext.from_dict(values)
        return cnxt

    def _stack_user_context(self, cnxt, stack_identity):
        """For a stack user (a Keystone user of the stack user domain,
        role ``heat_stack_user_role``, whose token is scoped to a stack's
        user project): a context in the project of the stack whose user
        project that is, so that the user reaches that stack (to signal
        a resource and read its metadata) and no other. Anyone else:
        ``cnxt`` unchanged."""
        from heat.engine.clients import stack_domain
        roles = getattr(cnxt, 'roles', None) or ()
        if stack_domain.stack_user_role() not in roles:
            return cnxt
        identity = self._identity(stack_identity)
        project = getattr(cnxt, 'project_id', None)
        stack_id = identity.get('stack_id')
        row = (db_api.stack_get_by_user_project(cnxt, stack_id, project)
               if stack_id else None)
        if row is None or row.tenant == project:
            return cnxt
        values = cnxt.to_dict()
        values['project_id'] = row.tenant
        values.pop('tenant_id', None)
        values.pop('tenant', None)
        return context_mod.RequestContext.from_dict(values)

    @staticmethod
    def _identity(stack_identity):
        if stack_identity is None:
            raise exception.StackNotFound(stack_name=None)
        if isinstance(stack_identity, str):
            raise exception.Invalid(
                reason='a stack identity (dict) is required, not %r'
                       % stack_identity)
        return dict(stack_identity)

    def _get_stack(self, cnxt, stack_identity, show_deleted=False,
                   tags=True):
        """``(context, db row)`` of the identified stack of the project
        (``tags=False``: its tags not loaded)."""
        identity = self._identity(stack_identity)
        cnxt = self._scoped_context(cnxt, identity)
        name = identity.get('stack_name')
        stack_id = identity.get('stack_id')
        row = None
        if stack_id:
            row = db_api.stack_get(cnxt, stack_id, self._project(cnxt),
                                   show_deleted=show_deleted, tags=tags)
        if row is None or (name and row.name != name) or \
                identity.get('path'):
            raise exception.StackNotFound(stack_name=name or stack_id)
        return cnxt, row

    def _load(self, cnxt, stack_identity, show_deleted=False):
        cnxt, row = self._get_stack(cnxt, stack_identity, show_deleted)
        stack = _stack_module().Stack.load(cnxt, row.id,
                                           show_deleted=show_deleted)
        return cnxt, stack

    def _lock(self, cnxt, stack_id):
        return stack_lock.StackLock(cnxt, stack_id, self.engine_id)

    def _start_action(self, cnxt, stack, fn, *args, notify=True,
                      preemptible=False, **kwargs):
        """Take the stack's lock here (ActionInProgress if it is held) and
        run ``fn`` in a background thread that releases it.

        With ``notify``, return only once the action has changed the
        stack's stored state (or ended), as upstream's NotifyEvent does,
        so that a show right after sees it in progress. ``preemptible``:
        a new update may supersede the action (see ``update_stack``).
        """
        project = self._project(cnxt)
        before = None
        if notify:
            before = _status_or_none(cnxt, stack.id, project)
        lock = self._lock(cnxt, stack.id)
        lock.acquire()
        thread = self.thread_group_mgr.start_with_acquired_lock(
            stack, lock, fn, *args, preemptible=preemptible, **kwargs)
        if notify:
            deadline = time.monotonic() + START_NOTIFY_TIMEOUT
            delay = 0.002
            while thread.is_alive() and time.monotonic() < deadline:
                if _status_or_none(cnxt, stack.id, project) != before:
                    break
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        return thread

    def _args(self, args):
        try:
            return api.extract_args(args or {})
        except ValueError as exc:
            raise exception.Invalid(reason=str(exc)) from exc

    @staticmethod
    def _environment_dict(params, environment_files, files):
        try:
            env = environment_format.parse(
                copy.deepcopy(params) if params is not None else {})
        except ValueError as exc:
            raise exception.InvalidEnvironment(message=str(exc)) from exc
        _environment_module().merge_environments(environment_files,
                                                 files or {}, env)
        return env

    def _template(self, template, files, env_dict):
        if template is None:
            raise exception.StackValidationFailed(
                message='No Template provided.')
        try:
            tmpl_dict = template_format.parse(template)
        except ValueError as exc:
            raise exception.StackValidationFailed(message=str(exc)) from exc
        env = _environment_module().Environment(env_dict)
        return _template_module().Template.create(tmpl_dict,
                                                  files=dict(files or {}),
                                                  env=env)

    def _check_resource_limit(self, tmpl):
        limit = getattr(self.conf, 'max_resources_per_stack', 1000)
        if limit is None or limit == -1:
            return
        resources = tmpl.t.get(tmpl.get_section_name('resources')) \
            if hasattr(tmpl, 'get_section_name') else None
        if resources and len(resources) > limit:
            raise exception.RequestLimitExceeded(
                message=_stack_module().resource_limit_message(
                    len(resources), limit))

    def _parse_template_and_validate_stack(
            self, cnxt, stack_name, template, params, files,
            environment_files, args, owner_id=None, nested_depth=0,
            user_creds_id=None, parent_resource_name=None):
        common = self._args(args)
        adopt_data = common.pop(api.PARAM_ADOPT_STACK_DATA, None)
        params = copy.deepcopy(params) if params else {}
        if adopt_data is not None and not _conf_value(
                self.conf, 'enable_stack_adopt', False):
            # as upstream: off unless the operator turned it on
            raise exception.NotSupported(feature='Stack Adopt')
        if adopt_data is not None:
            # Parameters of the adopted stack, overridden by the request's.
            adopted = dict((adopt_data.get('environment') or {}).get(
                'parameters') or {})
            adopted.update(params.get('parameters') or {})
            params['parameters'] = adopted
            if template is None:
                template = adopt_data.get('template')
        if owner_id is None:
            validate_stack_name(stack_name)
            project = self._project(cnxt)
            if db_api.stack_get_by_name(cnxt, stack_name, project):
                raise exception.StackExists(stack_name=stack_name)
        env_dict = self._environment_dict(params, environment_files, files)
        tmpl = self._template(template, files, env_dict)
        self._check_resource_limit(tmpl)
        kwargs = {}
        if api.PARAM_TIMEOUT in common:
            kwargs['timeout_mins'] = common[api.PARAM_TIMEOUT]
        if api.PARAM_DISABLE_ROLLBACK in common:
            kwargs['disable_rollback'] = common[api.PARAM_DISABLE_ROLLBACK]
        if api.PARAM_TAGS in common:
            kwargs['tags'] = common[api.PARAM_TAGS]
        if owner_id is not None:
            kwargs['owner_id'] = owner_id
            kwargs['nested_depth'] = nested_depth
        if user_creds_id is not None:
            kwargs['user_creds_id'] = user_creds_id
        if parent_resource_name is not None:
            kwargs['parent_resource_name'] = parent_resource_name
        stack = _stack_module().Stack(cnxt, stack_name, tmpl,
                                      adopt_stack_data=adopt_data, **kwargs)
        # upstream's resource_types: rules (admin-only types), before
        # validation: 403 whatever else is wrong
        self._resource_type_enforcer().enforce_stack(stack)
        stack.validate()
        return stack

    # -- stacks: lookup and listing ----------------------------------------

    def identify_stack(self, cnxt, stack_name):
        """The identity dict of a live stack named (or with id) ``stack_name``.
        """
        project = self._project(cnxt)
        row = None
        if isinstance(stack_name, str) and _UUID_RE.match(stack_name):
            row = db_api.stack_get(cnxt, stack_name, project,
                                   show_deleted=True)
        if row is None:
            row = db_api.stack_get_by_name(cnxt, stack_name, project)
        if row is None:
            raise exception.StackNotFound(stack_name=stack_name)
        return api.stack_identity(row.tenant, row.name, row.id)

    def list_stacks(self, cnxt, limit=None, marker=None, sort_keys=None,
                    sort_dir=None, filters=None, tenant_safe=True,
                    show_deleted=False, show_nested=False, show_hidden=False,
                    tags=None, tags_any=None, not_tags=None,
                    not_tags_any=None):
        """Summaries of the project's stacks (upstream's list shape).
        Stacks with a tag of ``hidden_stack_tags`` only with
        ``show_hidden``."""
        if filters is not None:
            filters = api.translate_filters(filters)
        kwargs = dict(
            limit=_int_or_none(limit), sort_keys=_sort_keys(sort_keys),
            sort_dir=sort_dir or 'desc', filters=filters,
            show_deleted=show_deleted, show_nested=show_nested, tags=tags,
            tags_any=tags_any,
            not_tags=self._not_tags_any(not_tags_any, show_hidden))
        try:
            rows = db_api.stack_get_all(cnxt, self._project(cnxt),
                                        marker=marker, **kwargs)
        except exception.EntityNotFound:
            if marker is None:
                raise
            # As upstream: a marker naming no stack of the project is
            # ignored (the list starts at the beginning), not a 404.
            rows = db_api.stack_get_all(cnxt, self._project(cnxt),
                                        **kwargs)
        if not_tags:
            # not_tags: leave out the stacks that have every one of them
            rows = [r for r in rows
                    if not set(not_tags) <= {t.tag for t in r.tags}]
        return [api.format_stack_db_object(row) for row in rows]

    def count_stacks(self, cnxt, filters=None, tenant_safe=True,
                     show_deleted=False, show_nested=False, show_hidden=False,
                     tags=None, tags_any=None, not_tags=None,
                     not_tags_any=None):
        if filters is not None:
            filters = api.translate_filters(filters)
        not_any = self._not_tags_any(not_tags_any, show_hidden)
        if not_tags:
            # "not every one of them" is not a query of the database
            # helper: count what the list would show (the same rows)
            return len(self.list_stacks(
                cnxt, filters=filters, show_deleted=show_deleted,
                show_nested=show_nested, show_hidden=show_hidden,
                tags=tags, tags_any=tags_any, not_tags=not_tags,
                not_tags_any=not_tags_any))
        return db_api.stack_count_all(
            cnxt, self._project(cnxt), filters=filters,
            show_deleted=show_deleted, show_nested=show_nested, tags=tags,
            tags_any=tags_any, not_tags=not_any)

    def _not_tags_any(self, not_tags_any, show_hidden):
        """``not_tags_any`` with ``hidden_stack_tags`` unless
        ``show_hidden``."""
        hidden = [] if show_hidden else list(_conf_value(
            self.conf, 'hidden_stack_tags', []) or [])
        found = list(not_tags_any or []) + [t for t in hidden if t not in (
            not_tags_any or [])]
        return found or None

    def show_stack(self, cnxt, stack_identity, resolve_outputs=True):
        """``[stack dict]`` of one stack (or of all the project's stacks)."""
        if stack_identity is not None:
            _, stack = self._load(cnxt, stack_identity, show_deleted=True)
            stacks = [stack]
        else:
            rows = db_api.stack_get_all(cnxt, self._project(cnxt))
            stacks = [_stack_module().Stack.load(cnxt, r.id) for r in rows]
        return [api.format_stack(s, resolve_outputs=resolve_outputs)
                for s in stacks]

    # -- stacks: create, update, delete ------------------------------------

    def preview_stack(self, cnxt, stack_name, template, params, files,
                      args, environment_files=None, files_container=None):
        stack = self._parse_template_and_validate_stack(
            cnxt, stack_name, template, params, files, environment_files,
            args)
        return api.format_stack_preview(stack)

    def create_stack(self, cnxt, stack_name, template, params, files,
                     args, environment_files=None, files_container=None,
                     owner_id=None, nested_depth=0, user_creds_id=None,
                     stack_user_project_id=None, parent_resource_name=None,
                     template_id=None):
        """Validate, store and start creating (or adopting) a stack.

        ``params`` is the environment (``parameters``,
        ``resource_registry``...), as upstream's API passes it. Returns the
        stack's identity dict at once; the create runs in the background.
        """
        stack = self._parse_template_and_validate_stack(
            cnxt, stack_name, template, params, files, environment_files,
            args, owner_id, nested_depth, user_creds_id,
            parent_resource_name)
        stack.store()

        def _create(stk):
            if stk.adopt_stack_data:
                stk.adopt()
            else:
                stk.create()

        # Like every other action, return once the stored state shows the
        # create under way: a show right after must not find the stack
        # still INIT_COMPLETE (seen as a flaky heatclient test). A new
        # update may supersede a create, not an adopt.
        self._start_action(cnxt, stack, _create, stack,
                           preemptible=not stack.adopt_stack_data)
        return api.identity_dict(stack.identifier())

    def _prepare_stack_updates(self, cnxt, current, template, params,
                               environment_files, files, args):
        """``(template, new stack)`` for an update (PUT or PATCH)."""
        args = args or {}
        params = copy.deepcopy(params) if params else {}
        if args.get(api.PARAM_EXISTING):
            if template is not None:
                new_template = template
            else:
                # as upstream (convergence): the stored template, which
                # after a failed update is the one that update asked for,
                # so a PATCH can fix just the parameter that failed it
                new_template = copy.deepcopy(current.t.t)
            new_files = dict(current.t.files or {})
            new_files.update(files or {})
            new_params = self._environment_dict(params, environment_files,
                                                new_files)
            existing = current.env.env_as_dict() if hasattr(
                current.env, 'env_as_dict') else {}
            existing = copy.deepcopy(existing)
            clear = args.get(api.PARAM_CLEAR_PARAMETERS) or []
            if not isinstance(clear, list) or not all(
                    isinstance(c, str) for c in clear):
                raise exception.Invalid(
                    reason='clear_parameters must be a list of parameter '
                           'names, not %r' % (clear,))
            clear = set(clear)
            existing['parameters'] = {
                k: v for k, v in (existing.get('parameters') or {}).items()
                if k not in clear}
            existing.pop('encrypted_param_names', None)
            env = _environment_module().Environment(existing)
            env.load(new_params)
            tmpl = self._template(new_template, new_files, {})
            schemata = tmpl.param_schemata()
            given = set((new_params or {}).get('parameters') or {})
            for key in sorted(given - set(schemata)):
                # as a create (and upstream): a parameter the user gives
                # now must be the template's
                raise exception.UnknownUserParameter(key=key)
            for key in list(env.params):
                if key not in schemata:
                    # kept from before: the template dropped it
                    env.params.pop(key)
            tmpl.env = env
        else:
            env_dict = self._environment_dict(params, environment_files,
                                              files)
            tmpl = self._template(template, files, env_dict)
        self._check_resource_limit(tmpl)

        common = self._args(args)
        kwargs = {
            'timeout_mins': common.get(api.PARAM_TIMEOUT,
                                       current.timeout_mins),
            'disable_rollback': common.get(api.PARAM_DISABLE_ROLLBACK,
                                           current.disable_rollback),
            'owner_id': current.owner_id,
            'nested_depth': current.nested_depth,
        }
        if api.PARAM_TAGS in common:
            kwargs['tags'] = common[api.PARAM_TAGS]
        elif args.get(api.PARAM_EXISTING):
            kwargs['tags'] = getattr(current, 'tags', None)
        if getattr(current, 'user_creds_id', None) is not None:
            kwargs['user_creds_id'] = current.user_creds_id
        updated = _stack_module().Stack(
            cnxt, current.name, tmpl, stack_id=current.id,
            parent_resource=getattr(current, 'parent_resource', None),
            **kwargs)
        changed = current.parameters.immutable_params_modified(
            updated.parameters, tmpl.env.params) if hasattr(
            current.parameters, 'immutable_params_modified') else []
        if changed:
            raise exception.ImmutableParameterModified(*changed)
        self._resource_type_enforcer().enforce_stack(updated)
        updated.validate()
        return tmpl, updated

    def update_stack(self, cnxt, stack_identity, template, params, files,
                     args, environment_files=None, files_container=None,
                     template_id=None):
        """Start updating a stack; ``args['existing']`` is PATCH.

        As upstream with convergence, an update supersedes a create or
        update (or its rollback) that this engine runs on the stack
        (:meth:`_preempt`); any other action in progress, or one another
        live engine runs, refuses it with ``ActionInProgress``. The new
        update is validated first: an invalid one is refused before
        anything running is touched.
        """
        cnxt, current = self._load(cnxt, stack_identity)
        if current.action == 'SUSPEND':
            raise exception.NotSupported(
                feature='Updating a stack when it is suspended')
        if current.action == 'DELETE':
            raise exception.NotSupported(
                feature='Updating a stack when it is deleting')
        _, updated = self._prepare_stack_updates(
            cnxt, current, template, params, environment_files, files, args)
        identity = api.identity_dict(current.identifier())
        # Update calls of one stack take turns, so that the last to come
        # is the update that runs in the end.
        with self._update_gate(current.id):
            with self._gates_lock:
                deleting = current.id in self._deleting
            if deleting:
                # a delete waits for the action it cancelled to stop
                raise exception.ActionInProgress(stack_name=current.name,
                                                 action='DELETE')
            try:
                self._start_action(cnxt, current, current.update, updated,
                                   preemptible=True)
            except exception.ActionInProgress as busy:
                self._preempt(cnxt, identity, updated, busy)
        return identity

    @contextlib.contextmanager
    def _update_gate(self, stack_id):
        with self._gates_lock:
            gate = self._update_gates.setdefault(
                stack_id, [threading.Lock(), 0])
            gate[1] += 1
        try:
            with gate[0]:
                yield
        finally:
            with self._gates_lock:
                gate[1] -= 1
                if not gate[1]:
                    del self._update_gates[stack_id]

    def _preempt(self, cnxt, identity, updated, busy):
        """Supersede the action in progress with the update to ``updated``
        (a validated, unstored Stack), or raise ``busy`` (the
        ActionInProgress the lock raised) when that cannot be done.

        Only a create or update (or its rollback) this engine runs is
        superseded: another live engine's action cannot be reached (no
        message bus between engines), and a delete, suspend, resume,
        check, snapshot, restore or adopt must end first. The action is
        cancelled without rollback, nested stacks' actions with it (their
        controls are its control's children): waits are interrupted, the
        resources in progress end FAILED "<ACTION> aborted: superseded by
        a new update" and the stacks FAILED "Stack <ACTION> superseded by
        a new update", each with its event; the auto-scaling converger
        works under its group's lease, not this action, and goes on.
        Once its thread has ended (at most PREEMPT_CALL_WAIT seconds
        here) the new update starts, handling those FAILED resources as
        any update does; a slower action is waited for (up to
        CANCEL_WAIT_TIMEOUT) by a background thread that then starts it.
        A stack paused on a hook is superseded too, as upstream: the
        hook's wait is cancelled.
        """
        stack_id = identity['stack_id']
        deadline = time.monotonic() + PREEMPT_CALL_WAIT
        while True:
            running = self.thread_group_mgr.preemptible_stack(stack_id)
            with self._gates_lock:
                deleting = stack_id in self._deleting
            if deleting:
                raise exception.ActionInProgress(
                    stack_name=identity['stack_name'], action='DELETE')
            if running is None or self._lock(
                    cnxt, stack_id).get_engine_id() != self.engine_id:
                raise busy
            LOG.info('Stack %s: a new update supersedes its %s in '
                     'progress', running.name, running.action)
            # (taken before the cancel: the threads of the action)
            action_threads = self.thread_group_mgr.threads(stack_id)
            self._cancel_running(stack_id, rollback=False, superseded=True,
                                 only=running)
            if not _join_all(action_threads, deadline):
                break
            with self._gates_lock:
                if stack_id in self._deleting:
                    raise exception.ActionInProgress(
                        stack_name=identity['stack_name'], action='DELETE')
            _, current = self._load(cnxt, identity)
            try:
                self._start_action(cnxt, current, current.update, updated,
                                   preemptible=True)
                return
            except exception.ActionInProgress as again:
                busy = again
                if time.monotonic() > deadline:
                    raise
        LOG.warning('Stack %s: the action a new update supersedes has not '
                    'stopped after %s s; the update starts once it has',
                    stack_id, PREEMPT_CALL_WAIT)

        def wait_then_update():
            _join_all(action_threads, time.monotonic() +
                      CANCEL_WAIT_TIMEOUT - PREEMPT_CALL_WAIT)
            _, current = self._load(cnxt, identity)
            lock = self._lock(cnxt, stack_id)
            lock.acquire()
            self.thread_group_mgr.start_with_acquired_lock(
                current, lock, current.update, updated, preemptible=True)

        self.thread_group_mgr.start(stack_id, wait_then_update)

    def preview_update_stack(self, cnxt, stack_identity, template, params,
                             files, args, environment_files=None,
                             files_container=None):
        """What an update would do, per resource: ``unchanged``,
        ``updated``, ``replaced``, ``added``, ``deleted`` (lists of
        resource dicts)."""
        cnxt, current = self._load(cnxt, stack_identity)
        _, updated = self._prepare_stack_updates(
            cnxt, current, template, params, environment_files, files, args)
        old, new = current.resources, updated.resources
        preview = getattr(current, 'preview_update', None)
        if callable(preview):
            names = preview(updated)
            # as upstream: 'updated' and 'deleted' show the current
            # resource, the others the new one
            actions = {k: [(old if k in ('updated', 'deleted') else new)[n]
                           for n in v] for k, v in names.items()}
            if (args or {}).get('show_nested'):
                from heat.engine import preview_nested
                inner = preview_nested.nested_changes(current, updated,
                                                      names)
                out = {k: [api.format_stack_resource(r, with_attr=False)
                           for r in v] for k, v in actions.items()}
                for kind, pairs in inner.items():
                    for res, parent in pairs:
                        entry = api.format_stack_resource(res,
                                                          with_attr=False)
                        entry['parent_resource'] = parent
                        out[kind].append(entry)
                return out
        else:
            actions = {k: [] for k in ('unchanged', 'updated', 'replaced',
                                       'added', 'deleted')}
            for name, rsrc in new.items():
                if name not in old:
                    actions['added'].append(rsrc)
                    continue
                kind = _update_kind(old[name], rsrc)
                actions[kind].append(old[name] if kind == 'updated'
                                     else rsrc)
            for name, rsrc in old.items():
                if name not in new:
                    actions['deleted'].append(rsrc)
        return {k: [api.format_stack_resource(r, with_attr=False)
                    for r in v] for k, v in actions.items()}

    def stack_cancel_update(self, cnxt, stack_identity,
                            cancel_with_rollback=True):
        """Cancel the update (or, without rollback, the create) running."""
        cnxt, row = self._get_stack(cnxt, stack_identity)
        allowed = ('UPDATE',) if cancel_with_rollback else ('UPDATE',
                                                             'CREATE')
        if not (row.status == 'IN_PROGRESS' and row.action in allowed):
            raise exception.NotSupported(
                feature='Cancelling update when stack is %s_%s'
                        % (row.action, row.status))
        holder = self._lock(cnxt, row.id).get_engine_id()
        if holder is None:
            return None
        if holder == self.engine_id:
            # as upstream: without rollback, running resources finish
            self._cancel_running(row.id, rollback=cancel_with_rollback,
                                 let_finish=not cancel_with_rollback)
            return None
        LOG.warning('Cannot cancel stack %s: its lock is held by engine %s',
                    row.name, holder)
        return None

    def _cancel_running(self, stack_id, rollback, let_finish=False,
                        superseded=False, only=None):
        """Cancel the action this engine runs on the stack (``only``: if
        it is still that Stack's). The action may not have registered its
        cancel event yet when the caller saw it IN_PROGRESS: retry
        briefly while its thread lives."""
        deadline = time.monotonic() + START_NOTIFY_TIMEOUT
        while True:
            running = self.thread_group_mgr.running_stack(stack_id)
            if running is None or (only is not None and running is not only):
                return False
            kwargs = {'let_finish': True} if let_finish else {}
            if superseded:
                kwargs['superseded'] = True
            if running.cancel(rollback=rollback, **kwargs) is not False:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def delete_stack(self, cnxt, stack_identity):
        """Start deleting a stack; an action in progress is cancelled first.
        """
        cnxt, stack = self._load(cnxt, stack_identity)
        if stack.action == 'DELETE' and stack.status == 'COMPLETE':
            raise exception.StackNotFound(stack_name=stack.name)
        lock = self._lock(cnxt, stack.id)
        holder = lock.try_acquire()
        if holder is None:
            self._run_locked(cnxt, stack, lock, stack.delete)
            return None
        if holder != self.engine_id and db_api.engine_is_alive(cnxt, holder):
            # No message bus between engines here: the other engine's
            # action has to end first.
            raise exception.ActionInProgress(stack_name=stack.name,
                                             action=stack.action)
        # (before the cancel: an update superseding the action waits
        # for it to stop, then leaves the stack to this delete)
        with self._gates_lock:
            self._deleting[stack.id] += 1
        self._cancel_running(stack.id, rollback=False)
        action_threads = self.thread_group_mgr.threads(stack.id)
        identity = api.identity_dict(stack.identifier())

        def wait_then_delete():
            dlock = None
            try:
                deadline = time.monotonic() + CANCEL_WAIT_TIMEOUT
                _join_all(action_threads, deadline)
                while True:
                    dlock = self._lock(cnxt, stack.id)
                    try:
                        dlock.acquire()
                        break
                    except exception.ActionInProgress:
                        # an update that superseded the action started
                        # first: the delete supersedes it in turn
                        if time.monotonic() > deadline or \
                                self.thread_group_mgr.preemptible_stack(
                                    stack.id) is None:
                            raise
                    self._cancel_running(stack.id, rollback=False)
                    _join_all(self.thread_group_mgr.threads(stack.id),
                              deadline)
                _, again = self._load(cnxt, identity)
            except BaseException:
                if dlock is not None and dlock.token is not None:
                    dlock.release()
                self._deleted_waiting(stack.id)
                raise

            def delete():
                # the mark stays until the delete has ended: an update
                # meanwhile is refused naming the delete (the stored
                # action may still read CREATE when the delete starts)
                try:
                    again.delete()
                finally:
                    self._deleted_waiting(stack.id)
            try:
                self.thread_group_mgr.start_with_acquired_lock(
                    again, dlock, delete)
            except BaseException:
                self._deleted_waiting(stack.id)
                raise

        try:
            self.thread_group_mgr.start(stack.id, wait_then_delete)
        except BaseException:
            self._deleted_waiting(stack.id)
            raise
        return None

    def _deleted_waiting(self, stack_id):
        with self._gates_lock:
            self._deleting[stack_id] -= 1
            if self._deleting[stack_id] <= 0:
                del self._deleting[stack_id]

    def _run_locked(self, cnxt, stack, lock, fn, *args):
        project = self._project(cnxt)
        before = _status_or_none(cnxt, stack.id, project)
        thread = self.thread_group_mgr.start_with_acquired_lock(
            stack, lock, fn, *args)
        deadline = time.monotonic() + START_NOTIFY_TIMEOUT
        while thread.is_alive() and time.monotonic() < deadline:
            if _status_or_none(cnxt, stack.id, project) != before:
                break
            time.sleep(0.005)
        return thread

    def abandon_stack(self, cnxt, stack_identity, abandon=True):
        """The stack's data (for adopt); with ``abandon``, forget the stack
        (its rows go, nothing is deleted)."""
        cnxt, stack = self._load(cnxt, stack_identity)
        lock = self._lock(cnxt, stack.id)
        with lock.thread_lock():
            info = stack.prepare_abandon()
            if abandon:
                self.thread_group_mgr.start_with_acquired_lock(
                    stack, lock, _abandon, stack)
            else:
                lock.release()
        return info

    def export_stack(self, cnxt, stack_identity):
        return self.abandon_stack(cnxt, stack_identity, abandon=False)

    # -- stacks: other actions ---------------------------------------------

    def stack_suspend(self, cnxt, stack_identity):
        cnxt, stack = self._load(cnxt, stack_identity)
        self._start_action(cnxt, stack, stack.suspend)

    def stack_resume(self, cnxt, stack_identity):
        cnxt, stack = self._load(cnxt, stack_identity)
        self._start_action(cnxt, stack, stack.resume)

    def stack_check(self, cnxt, stack_identity):
        cnxt, stack = self._load(cnxt, stack_identity)
        self._start_action(cnxt, stack, stack.check)

    # -- templates, environments, files, outputs ---------------------------

    def _raw_template(self, cnxt, stack_identity):
        cnxt, row = self._get_stack(cnxt, stack_identity, show_deleted=True)
        return cnxt, db_api.raw_template_get(cnxt, row.raw_template_id)

    def get_template(self, cnxt, stack_identity):
        _, raw = self._raw_template(cnxt, stack_identity)
        return raw.template

    def get_environment(self, cnxt, stack_identity):
        _, raw = self._raw_template(cnxt, stack_identity)
        return raw.environment

    def get_files(self, cnxt, stack_identity):
        cnxt, raw = self._raw_template(cnxt, stack_identity)
        if raw.files_id is None:
            return {}
        files = db_api.raw_template_files_get(cnxt, raw.files_id)
        return dict(getattr(files, 'files', files) or {})

    def list_outputs(self, cnxt, stack_identity):
        _, stack = self._load(cnxt, stack_identity)
        return api.format_stack_outputs(stack, resolve_value=False)

    def show_output(self, cnxt, stack_identity, output_key):
        _, stack = self._load(cnxt, stack_identity)
        defs = api._output_definitions(stack)
        if output_key not in defs:
            raise exception.NotFound(
                'Specified output key %s not found.' % output_key)
        return api.format_stack_output(stack, defs[output_key])

    def validate_template(self, cnxt, template, params=None, files=None,
                          environment_files=None, files_container=None,
                          show_nested=False, ignorable_errors=None):
        """Upstream's validate body, or ``{'Error': message}`` when the
        template is invalid (upstream returns the error, not raises)."""
        from heat.engine import validate
        if template is None:
            raise exception.StackValidationFailed(
                message='No Template provided.')
        try:
            return validate.validate_template(
                template, files=files, environment=params,
                environment_files=environment_files,
                show_nested=show_nested,
                # as upstream: a nested template's resources are not
                # validated, only its structure and parameters
                nested_checks=validate.STRUCTURAL)
        except exception.HeatException as exc:
            return {'Error': str(exc)}

    # -- the template catalogue (the engine's registries, no stack) --------

    def list_template_versions(self, cnxt):
        """``[{version, type, aliases}]``: every template version, its
        canonical name first (e.g. ``heat_template_version.2016-10-14``
        with alias ``heat_template_version.newton``)."""
        out = []
        for names in _template_versions().values():
            kind = 'hot' if names[0].startswith('heat_template_version') \
                else 'cfn'
            out.append({'version': names[0], 'type': kind,
                        'aliases': names[1:]})
        return sorted(out, key=lambda v: v['version'])

    def list_template_functions(self, cnxt, template_version,
                                with_condition=False):
        """``[{functions, description}]`` of a template version (its
        condition functions with ``with_condition``); an unknown version
        is ``NotFound``."""
        found = [cls for cls, names in _template_versions().items()
                 if template_version in names]
        if not found:
            raise exception.NotFound(
                'Template with version %s not found' % template_version)
        cls = found[0]
        mod = cls._function_module()
        table = (mod.CONDITION_FUNCTIONS.get(cls.canonical_version, {})
                 if with_condition else mod.FUNCTIONS[cls.canonical_version])
        out = []
        for name, fn_cls in sorted(table.items()):
            if fn_cls is None:
                continue
            out.append({'functions': name,
                        'description': _first_line(fn_cls.__doc__)})
        return out

    def _resource_type_enforcer(self):
        """The engine's :class:`heat.common.policy.ResourceTypeEnforcer`
        (upstream's ``resource_types:`` rules, ``policy.yaml`` of
        ``self.conf``)."""
        enforcer = getattr(self, '_rt_enforcer', None)
        if enforcer is None:
            from heat.common import policy
            enforcer = self._rt_enforcer = policy.ResourceTypeEnforcer(
                self.conf)
        return enforcer

    def list_resource_types(self, cnxt, support_status=None, type_name=None,
                            heat_version=None, with_description=False):
        """Resource type names (``type_name``: a regular expression matched
        at the start); with ``with_description``, ``[{resource_type,
        description}]``."""
        from heat.engine import resource_types, resources
        # As upstream: a type whose service the cloud does not offer
        # (every cloud type, without a cloud) is not listed. Resource
        # plug-in types (plugin_dirs, entry points) are always listed.
        services = set(getattr(cnxt, 'available_services', None) or ())
        names = sorted({n for n, t in resource_types.TYPES.items()
                        if (t.service is None or t.service in services) and
                        n not in resource_types.HIDDEN} |
                       set(resources.plugin_types()))
        if type_name:
            try:
                pattern = re.compile(type_name)
            except re.error as exc:
                raise exception.Invalid(
                    reason='type_name %r is not a valid regular '
                           'expression: %s' % (type_name, exc)) from exc
            names = [n for n in names if pattern.match(n)]
        if support_status and support_status.upper() != 'SUPPORTED':
            names = []  # every type here is SUPPORTED
        # nor one a resource_types: rule refuses the caller (upstream's
        # admin-only types)
        enforcer = self._resource_type_enforcer()
        names = [n for n in names if enforcer.allowed(cnxt, n)]
        if not with_description:
            return names
        out = []
        for name in names:
            try:
                description = _first_line(resources.get_class(name).__doc__)
            except exception.HeatException:
                description = ''
            out.append({'resource_type': name, 'description': description})
        return out

    def resource_schema(self, cnxt, type_name, with_description=False):
        """Upstream's schema of a resource type: properties, attributes,
        support status (and description with ``with_description``)."""
        from heat.engine import resource_types, resources
        self._resource_type_enforcer().enforce(cnxt, type_name)
        cls = resources.get_class(type_name)
        if type_name in resource_types.HIDDEN:
            # as upstream: a hidden type's schema is not shown
            raise exception.NotSupported(feature=type_name)

        def described(schema):
            out = {}
            for key, item in (schema or {}).items():
                value = item.to_dict() if hasattr(item, 'to_dict') else {}
                if not with_description:
                    value.pop('description', None)
                out[key] = value
            return out

        return {'resource_type': type_name,
                'properties': described(getattr(cls, 'properties_schema',
                                                {})),
                'attributes': described(getattr(cls, 'attributes_schema',
                                                {})),
                'support_status': {'status': 'SUPPORTED', 'version': None,
                                   'message': None,
                                   'previous_status': None},
                'description': (cls.__doc__ or '').strip()
                if with_description else ''}

    def generate_template(self, cnxt, type_name, template_type='cfn'):
        """Upstream's template of a resource type (``hot`` or ``cfn``): a
        parameter per property, an output per attribute
        (:mod:`heat.engine.type_template`)."""
        from heat.engine import resource_types, resources, type_template
        enforcer = getattr(self, '_resource_type_enforcer', None)
        if callable(enforcer):
            enforcer().enforce(cnxt, type_name)
        cls = resources.get_class(type_name)
        if type_name in resource_types.HIDDEN:
            raise exception.NotSupported(feature=type_name)  # as upstream
        try:
            return type_template.resource_type_template(
                cls, type_name, template_type or 'cfn')
        except ValueError as exc:
            raise exception.Invalid(reason=str(exc)) from exc

    def get_revision(self, cnxt):
        from heat import version
        return version.version_string

    def authenticated_to_backend(self, cnxt):
        return True

    # -- resources ---------------------------------------------------------

    def list_stack_resources(self, cnxt, stack_identity, nested_depth=0,
                             with_detail=False, filters=None):
        _, stack = self._load(cnxt, stack_identity, show_deleted=True)
        max_depth = getattr(self.conf, 'max_nested_stack_depth', 5)
        depth = min(int(nested_depth or 0), max_depth)
        filters = _resource_filters(filters)
        graphs = {}
        return [api.format_stack_resource(r, detail=with_detail,
                                          graphs=graphs)
                for r in _iter_resources(stack, depth)
                if _resource_matches(r, filters)]

    def describe_stack_resource(self, cnxt, stack_identity, resource_name,
                                with_attr=None):
        cnxt = self._stack_user_context(cnxt, stack_identity)
        _, stack = self._load(cnxt, stack_identity)
        rsrc = stack.resources.get(resource_name)
        if rsrc is None:
            raise exception.ResourceNotFound(resource_name=resource_name,
                                             stack_name=stack.name)
        return api.format_stack_resource(rsrc, with_attr=with_attr)

    def describe_stack_resources(self, cnxt, stack_identity, resource_name):
        _, stack = self._load(cnxt, stack_identity)
        graphs = {}
        return [api.format_stack_resource(r, graphs=graphs)
                for name, r in stack.resources.items()
                if resource_name is None or name == resource_name]

    def find_physical_resource(self, cnxt, physical_resource_id):
        """The identity of the resource with this physical id."""
        project = self._project(cnxt)
        row = db_api.resource_get_by_physical_resource_id(
            cnxt, physical_resource_id, project)
        srow = None if row is None else db_api.stack_get(
            cnxt, row.stack_id, project)
        if srow is None:
            raise exception.EntityNotFound(entity='Resource',
                                           name=physical_resource_id)
        return api.resource_identity(
            api.stack_identity(srow.tenant, srow.name, srow.id), row.name)

    def resource_signal(self, cnxt, stack_identity, resource_name, details,
                        sync_call=False, idempotency_key=None):
        """Signal a resource. The action check (no signal during SUSPEND or
        DELETE: ``NotSupported``) is made here; the signal itself runs in
        a background thread unless ``sync_call`` or the resource's class
        sets ``signal_is_fast`` (a scaling policy: its result, the
        decision dict, is returned). ``idempotency_key`` reaches handlers
        that accept it."""
        cnxt = self._stack_user_context(cnxt, stack_identity)
        if not sync_call:
            result = self._fast_signal(cnxt, stack_identity, resource_name,
                                       details, idempotency_key)
            if result is not _SLOW:
                return result
        cnxt, stack = self._load(cnxt, stack_identity)
        rsrc = stack.resources.get(resource_name)
        if rsrc is None:
            raise exception.ResourceNotFound(resource_name=resource_name,
                                             stack_name=stack.name)
        if rsrc.id is None:
            raise exception.ResourceNotAvailable(resource_name=resource_name)
        details = _with_request_token(cnxt, rsrc, details)
        _signal_check(rsrc, details)
        if idempotency_key is not None:
            rsrc.signal_idempotency_key = idempotency_key
        fast = bool(getattr(type(rsrc), 'signal_is_fast', False))
        if sync_call or fast or not callable(
                getattr(rsrc, 'handle_signal', None)):
            _signal_and_refresh(stack, rsrc, details)
        else:
            self.thread_group_mgr.start(stack.id, _signal_and_refresh,
                                        stack, rsrc, details)
        result = getattr(rsrc, 'signal_result', None)
        if fast and isinstance(result, dict):
            return result
        if sync_call:
            return rsrc.metadata_get()
        return None

    def _fast_signal(self, cnxt, stack_identity, resource_name, details,
                     idempotency_key):
        """A signal served from the stored rows by the resource type's
        ``fast_signal`` (a scaling policy: the hot path of auto-scaling),
        or ``_SLOW`` when the full path must load the stack: another type,
        a hook to clear, a type the stack's environment maps elsewhere."""
        if isinstance(details, dict) and 'unset_hook' in details:
            return _SLOW
        cnxt = self._scoped_context(cnxt, self._identity(stack_identity))
        found = _fast_signal_rows(cnxt, self, stack_identity, resource_name)
        if found is _SLOW:
            return _SLOW
        srow, row, cls, fast, env = found
        registry = (env or {}).get('resource_registry') or {}
        if row.type in registry or resource_name in (
                registry.get('resources') or {}):
            return _SLOW
        declined = getattr(cls, 'FastSignalDeclined', ())
        try:
            return fast(cnxt, srow, row, details, idempotency_key)
        except declined:
            return _SLOW

    def signed_resource_signal(self, cnxt, arn, method=None, path=None,
                               params=None, details=None,
                               idempotency_key=None, http_method=None):
        """A signal through a pre-signed URL (``alarm_url``): the
        signature is the authentication (heat/engine/signed_signal.py).
        ``http_method``: ``method`` as the RPC sends it."""
        from heat.engine import signed_signal
        return signed_signal.signed_resource_signal(
            self, cnxt, arn, method or http_method, path, params, details,
            idempotency_key=idempotency_key)

    def resource_mark_unhealthy(self, cnxt, stack_identity, resource_name,
                                mark_unhealthy, resource_status_reason=None):
        if not isinstance(mark_unhealthy, bool):
            raise exception.Invalid(reason='mark_unhealthy is not a boolean')
        cnxt, stack = self._load(cnxt, stack_identity)
        rsrc = _find_resource(stack, resource_name)
        reason = (resource_status_reason or
                  'state changed by resource_mark_unhealthy api')
        with self._lock(cnxt, stack.id).held():
            if hasattr(rsrc, 'mark_unhealthy'):
                rsrc.mark_unhealthy(mark_unhealthy, reason)
            elif mark_unhealthy:
                if rsrc.action != 'DELETE':
                    rsrc.state_set('CHECK', 'FAILED', reason)
            elif (rsrc.action, rsrc.status) == ('CHECK', 'FAILED'):
                rsrc.state_set('CHECK', 'COMPLETE', reason)

    # -- events ------------------------------------------------------------

    def list_events(self, cnxt, stack_identity, filters=None, limit=None,
                    marker=None, sort_keys=None, sort_dir=None,
                    nested_depth=None):
        """Events of a stack (and of its nested stacks to ``nested_depth``).

        Ordered by time (``sort_dir`` asc by default); ``marker`` is an
        event uuid; ``filters`` on resource_name/action/status/type,
        physical_resource_id, uuid (a status such as CREATE_COMPLETE is
        split into action and status).
        """
        cnxt, row = self._get_stack(cnxt, stack_identity, show_deleted=True)
        project = self._project(cnxt)
        filters = _event_filters(filters)
        sort_dir = (sort_dir or 'asc').lower()
        include_props = bool(filters and 'uuid' in filters)
        ident = api.stack_identity(row.tenant, row.name, row.id)
        if not nested_depth:
            events = db_api.event_get_all_by_stack(
                cnxt, row.id, project, limit=_int_or_none(limit),
                marker=marker, sort_dir=sort_dir, filters=filters)
            return [api.format_event(e, ident,
                                     include_rsrc_prop_data=include_props)
                    for e in events]
        idents = {row.id: ident}
        frontier = [row.id]
        for _depth in range(int(nested_depth)):
            nxt = []
            for sid in frontier:
                for child in db_api.stack_get_children(cnxt, sid, project,
                                                       show_deleted=True):
                    idents[child.id] = api.stack_identity(
                        child.tenant, child.name, child.id)
                    nxt.append(child.id)
            frontier = nxt
        events = []
        for sid in idents:
            events.extend(db_api.event_get_all_by_stack(
                cnxt, sid, project, filters=filters))
        events.sort(key=lambda e: (e.created_at, e.id),
                    reverse=(sort_dir == 'desc'))
        if marker is not None:
            ids = [e.uuid for e in events]
            if marker not in ids:
                raise exception.EntityNotFound(entity='Event', name=marker)
            events = events[ids.index(marker) + 1:]
        limit = _int_or_none(limit)
        if limit is not None:
            events = events[:limit]
        return [api.format_event(e, idents[e.stack_id], ident,
                                 include_rsrc_prop_data=include_props)
                for e in events]


# ---------------------------------------------------------------------------
# module helpers

def _first_line(doc):
    doc = (doc or '').strip()
    return doc.splitlines()[0] if doc else ''


def _template_versions():
    """``{template class: [version names]}``, the canonical name first."""
    templatem = _template_module()
    by_class = {}
    for (key, value), cls in sorted(templatem.template_classes().items()):
        by_class.setdefault(cls, []).append('%s.%s' % (key, value))
    for cls, names in by_class.items():
        canonical = '%s.%s' % (names[0].split('.', 1)[0],
                               cls.canonical_version)
        names.sort(key=lambda n: (n != canonical, n))
    return by_class


def _status_or_none(cnxt, stack_id, project):
    try:
        return db_api.stack_get_status(cnxt, stack_id, project)
    except exception.HeatException:
        return None


def _int_or_none(value):
    if value is None or value == '':
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise exception.Invalid(reason='%r is not an integer'
                                % (value,)) from exc


_SORT_KEY_MAP = {'stack_name': 'name', 'stack_status': 'status',
                 'creation_time': 'created_at', 'updated_time': 'updated_at',
                 'name': 'name', 'status': 'status', 'action': 'action',
                 'created_at': 'created_at', 'updated_at': 'updated_at'}


def _sort_keys(keys):
    if not keys:
        return None
    if isinstance(keys, str):
        keys = [keys]
    out = []
    for key in keys:
        if key not in _SORT_KEY_MAP:
            raise exception.Invalid(reason='cannot sort on %r' % key)
        out.append(_SORT_KEY_MAP[key])
    return out


def _abandon(stack):
    if callable(getattr(stack, 'abandon', None)):
        stack.abandon()
        return
    import inspect
    try:
        params = inspect.signature(stack.delete).parameters
    except (TypeError, ValueError):
        params = {}
    if 'abandon' in params:
        stack.delete(abandon=True)
    else:
        stack.delete()


def _update_kind(old, new):
    """'unchanged', 'updated' or 'replaced' for a resource in an update."""
    if old.type() != new.type():
        return 'replaced'
    try:
        before = old.t.render_hot() if hasattr(old.t, 'render_hot') else None
        after = new.t.render_hot() if hasattr(new.t, 'render_hot') else None
    except Exception:  # noqa: BLE001
        before = after = None
    if before is not None and before == after:
        return 'unchanged'
    try:
        old_props = dict(old.properties)
        new_props = dict(new.properties)
    except Exception:  # noqa: BLE001 - unresolvable before the update
        return 'updated'
    schema = getattr(new, 'properties_schema', {}) or {}
    for key in set(old_props) | set(new_props):
        if old_props.get(key) != new_props.get(key):
            prop = schema.get(key)
            if prop is not None and not getattr(prop, 'update_allowed',
                                                False):
                return 'replaced'
    if old_props == new_props and before is None:
        return 'unchanged'
    return 'updated'


def _iter_resources(stack, depth):
    for rsrc in stack.resources.values():
        yield rsrc
        if depth > 0:
            nested = api.nested_stack_of(rsrc)
            if nested is not None:
                yield from _iter_resources(nested, depth - 1)


def _resource_filters(filters):
    if not filters:
        return {}
    filters = dict(filters)
    out = {}
    for key, value in filters.items():
        if key not in api.RES_FILTER_KEYS:
            raise exception.Invalid(
                reason='cannot filter resources on %r' % key)
        values = value if isinstance(value, (list, tuple, set)) else [value]
        out[key] = [str(v) for v in values]
    if 'status' in out:
        actions, statuses = api.parse_object_status(out['status'])
        out['status'] = sorted(statuses)
        if actions:
            out['action'] = sorted(set(out.get('action', [])) | actions)
    return out


def _resource_matches(rsrc, filters):
    for key, values in filters.items():
        if key == 'type':
            if not any(v in rsrc.type() for v in values):
                return False
            continue
        attr = {'name': rsrc.name, 'status': rsrc.status,
                'action': rsrc.action,
                'id': str(getattr(rsrc, 'uuid', None) or
                          getattr(rsrc, 'id', '')),
                'physical_resource_id': rsrc.resource_id}[key]
        if str(attr) not in values:
            return False
    return True


def _event_filters(filters):
    if not filters:
        return None
    out = {}
    for key, value in dict(filters).items():
        if value is None:
            continue
        out[key] = value
    status = out.get('resource_status')
    if status is not None:
        actions, statuses = api.parse_object_status(status)
        if statuses:
            out['resource_status'] = (sorted(statuses)[0] if len(statuses)
                                      == 1 else sorted(statuses))
        if actions:
            out['resource_action'] = (sorted(actions)[0] if len(actions)
                                      == 1 else sorted(actions))
    return out or None


#: types whose signals must carry the caller's token (a wait condition
#: handle made with the ``TOKEN`` signal transport checks it)
TOKEN_SIGNAL_TYPES = ('OS::Heat::WaitConditionHandle',)


def _with_request_token(cnxt, rsrc, details):
    """``details`` with the request's token added for a type that checks
    it (as the REST front end passes it upstream)."""
    token = getattr(cnxt, 'auth_token', None)
    if not token or rsrc.type() not in TOKEN_SIGNAL_TYPES:
        return details
    if details is not None and not isinstance(details, dict):
        return details
    if 'token' in (details or {}):
        return details
    return dict(details or {}, token=token)


#: :meth:`EngineService._fast_signal`: "load the stack instead"
_SLOW = object()


@db_api.retry_on_disconnect
def _fast_signal_rows(cnxt, service, stack_identity, resource_name):
    """``(stack row, resource row, class, its fast_signal, the stack's
    environment)``, or ``_SLOW``: one statement for the rows a signal
    needs, retried on a lost connection; the decision's own transaction
    comes after."""
    from heat.engine import resources
    identity = service._identity(stack_identity)
    cnxt = service._scoped_context(cnxt, identity)
    stack_id = identity.get('stack_id')
    if not stack_id or identity.get('path'):
        # (the full path words the error)
        return _SLOW
    # the stack, the resource and the environment only (not the
    # template and its files), in one statement
    found = db_api.stack_resource_signal_rows(
        cnxt, stack_id, service._project(cnxt), resource_name)
    name = identity.get('stack_name')
    if found is None or (name and found[0].name != name):
        raise exception.StackNotFound(stack_name=name or stack_id)
    srow, row, env = found
    if row is None or row.id is None:
        return _SLOW
    try:
        cls = resources.get_class(row.type)
    except exception.HeatException:
        return _SLOW
    fast = getattr(cls, 'fast_signal', None)
    if not callable(fast):
        return _SLOW
    return srow, row, cls, fast, env


def _find_resource(stack, name_or_physical_id):
    if name_or_physical_id in stack.resources:
        return stack.resources[name_or_physical_id]
    matches = [r for r in stack.resources.values()
               if r.resource_id == name_or_physical_id]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise exception.PhysicalResourceIDAmbiguity(
            phys_id=name_or_physical_id)
    raise exception.ResourceNotFound(resource_name=name_or_physical_id,
                                     stack_name=stack.name)


def _signal_check(rsrc, details):
    """Refuse a signal to a resource being suspended or deleted."""
    check = getattr(rsrc, '_signal_check_action', None)
    if callable(check):
        check()
    elif rsrc.action in ('SUSPEND', 'DELETE'):
        msg = 'Signal resource during %s' % rsrc.action
        raise exception.NotSupported(feature=msg)
    hook_check = getattr(rsrc, '_signal_check_hook', None)
    if callable(hook_check):
        hook_check(details)


def _signal_and_refresh(stack, rsrc, details):
    """Signal; then re-resolve the metadata of the stack's other resources
    (signals change what their metadata may refer to)."""
    import inspect
    try:
        takes_check = 'need_check' in inspect.signature(
            rsrc.signal).parameters
    except (TypeError, ValueError):
        takes_check = False
    # The checks were made synchronously by the caller.
    result = (rsrc.signal(details, need_check=False) if takes_check
              else rsrc.signal(details))
    if result is False:
        return
    for other in stack.resources.values():
        if other.name == rsrc.name or other.action == 'INIT':
            continue
        refresh = getattr(other, 'metadata_update', None)
        if callable(refresh):
            try:
                refresh()
            except Exception:  # noqa: BLE001 - one bad resource only
                LOG.exception('Metadata refresh of %s failed', other.name)
