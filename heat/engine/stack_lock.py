"""One engine acts on a stack at a time, and a dead engine's action ends.

:class:`StackLock` is the engine side of the ``stack_lock`` row
(``heat.db.api.stack_lock_*``): the row names the engine acting on the
stack. Taking a lock that a live engine holds (this one included) raises
:class:`~heat.common.exception.ActionInProgress` naming the stack and
its current action; a lock whose holder is dead (no heartbeat in the
``service`` table within ``dead_after``) is stolen.

:func:`take_over` ends the action a dead engine left: in one transaction
it steals the lock (a conditional UPDATE naming the dead holder, so of
engines trying at once exactly one wins), marks FAILED what the action
left IN_PROGRESS (:func:`fail_interrupted`) and releases the lock.
:func:`take_over_dead_locks` does it for every lock held by a dead
engine; the engine runs it periodically and at start.

Why only locks held by dead engines, and never a stack that is
IN_PROGRESS with its lock free: an action takes the lock before the
stack goes IN_PROGRESS and releases it only after the stack left
IN_PROGRESS, so an engine that dies always leaves its lock row behind.
A free lock on an IN_PROGRESS stack is an action starting (its lock
taken in another row, a nested stack under its root's lock) or not a
crash at all; the engine's start-time reset alone handles it.

**Fencing.** An engine that was only paused (SIGSTOP, a long GC, a VM
migration) is "dead" to the others: they take its locks over. When it
resumes, its action must not write over what the takeover wrote. Each
taking of a lock gets a fresh random token (``stack_lock.token``);
:attr:`StackLock.fence` is ``(stack_id, engine_id, token)``, and the
action's stack state writes (the stack and its nested stacks, see
``Stack.state_set``) are conditional on the lock row still carrying it.
A refused write raises :class:`~heat.common.exception.StackLockLost` and
is logged; the action stops there. Resource writes are already
compare-and-swap on ``atomic_key``, which a takeover bumps. Releasing
names the token too, so a stale action never frees a lock taken again
since.
"""

import contextlib
import logging
import threading
import uuid

from heat.common import exception
from heat.db import api as db_api
from heat.db import models

LOG = logging.getLogger(__name__)

#: ``{stack_id: token}`` of the locks this process holds and still
#: means to release (a lock row of this engine absent from it was left
#: behind: its release or its action's final write failed; the engine's
#: stale-stack check resolves it)
_held = {}
_held_lock = threading.Lock()


def held_here(stack_id):
    """Whether this process holds ``stack_id``'s lock for an action
    still under way."""
    with _held_lock:
        return stack_id in _held


def _hold(stack_id, token):
    with _held_lock:
        _held[stack_id] = token


def _drop(stack_id, token):
    with _held_lock:
        if _held.get(stack_id) == token:
            del _held[stack_id]

#: upstream's reason for a stack, and its resources, whose action an
#: engine's death interrupted.
ENGINE_DOWN_REASON = 'Engine went down during stack %s'
#: the resource type of a stack's own events (as heat.engine.stack).
STACK_EVENT_TYPE = 'OS::Heat::Stack'


class StackLock:
    """The lock of stack ``stack_id``, taken on behalf of ``engine_id``."""

    def __init__(self, context, stack_id, engine_id, dead_after=None):
        self.context = context
        self.stack_id = stack_id
        self.engine_id = engine_id
        self.dead_after = dead_after
        #: the fencing token of the current taking of the lock
        self.token = None

    @property
    def fence(self):
        """``(stack_id, engine_id, token)`` while this object holds the
        lock (see the module's "Fencing"), else None."""
        if self.token is None:
            return None
        return (self.stack_id, self.engine_id, self.token)

    def get_engine_id(self):
        """The engine holding the lock, or None."""
        return db_api.stack_lock_get_engine_id(self.context, self.stack_id)

    def try_acquire(self):
        """Take the lock if it is free: None on success, else the holder.

        Never steals; :meth:`acquire` does.
        """
        token = uuid.uuid4().hex
        holder = db_api.stack_lock_create(self.context, self.stack_id,
                                          self.engine_id, token=token)
        if holder is None:
            self.token = token
            _hold(self.stack_id, token)
        return holder

    def acquire(self):
        """Take the lock (stealing it from a dead engine).

        Raises ActionInProgress when a live engine holds it.
        """
        token = uuid.uuid4().hex
        holder = db_api.stack_lock_acquire(self.context, self.stack_id,
                                           self.engine_id,
                                           dead_after=self.dead_after,
                                           token=token)
        if holder is not None:
            raise self._in_progress()
        self.token = token
        _hold(self.stack_id, token)

    def _in_progress(self):
        name, action = self.stack_id, None
        project = getattr(self.context, 'project_id', None)
        if project:
            row = db_api.stack_get(self.context, self.stack_id, project,
                                   show_deleted=True)
            if row is not None:
                name, action = row.name, row.action
        return exception.ActionInProgress(stack_name=name, action=action)

    def abandon(self):
        """Leave the lock row for the engine's stale-stack check (the
        action's final state could not be written): this object no
        longer holds it, the row stays."""
        token, self.token = self.token, None
        if token is not None:
            _drop(self.stack_id, token)

    def release(self):
        """Release the lock if this engine holds it (as this object took
        it, when it took it with a token); True if it did."""
        token, self.token = self.token, None
        if token is not None:
            _drop(self.stack_id, token)
        released = db_api.stack_lock_release(self.context, self.stack_id,
                                             self.engine_id, token=token)
        if token is not None and not released:
            holder = db_api.stack_lock_get_engine_id(self.context,
                                                     self.stack_id)
            if holder is not None:
                LOG.warning('Stack %s: lock (token %s) of engine %s was '
                            'taken over (now held by %s); nothing '
                            'released', self.stack_id, token,
                            self.engine_id, holder)
        return released

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


# ---------------------------------------------------------------------------
# ending the actions of dead engines

def _admin_context(project):
    from heat.common import context as context_mod
    return context_mod.RequestContext(project_id=project, is_admin=True)


def _tree(context, stack_id, project, engine_id):
    """Rows of the stack and its nested stacks, parents first, without
    the subtrees of nested stacks locked by another engine (their own
    action, or their own takeover)."""
    root = db_api.stack_get(context, stack_id, project)
    if root is None:
        return []
    rows, level = [root], [root]
    while level:
        children = [c for row in level for c in db_api.stack_get_children(
            context, row.id, project)]
        holders = db_api.stack_lock_get_holders(
            context, [c.id for c in children])
        level = [c for c in children if holders.get(c.id) in (None,
                                                              engine_id)]
        rows.extend(level)
    return rows


def _unrecorded_nested(context, stack_id, project, rows):
    """``{resource name: nested stack id}`` of the nested stacks no
    resource of the stack names.

    An engine-internal resource's physical id rides on its action's final
    state write (see ``Resource.resource_id_set``), so a stack resource
    whose engine died mid-create has its nested stack (``owner_id``,
    ``parent_resource_name``) but not its id; without it, deleting the
    stack would leave the nested stack behind.
    """
    named = {r.nova_instance for r in rows}
    found = {}
    for child in db_api.stack_get_children(context, stack_id, project):
        if child.id in named or not child.parent_resource_name:
            continue
        # Two candidates (a replacement under way): name neither.
        found[child.parent_resource_name] = (
            None if child.parent_resource_name in found else child.id)
    return found


def _fail_resources(context, stack_id, project, reason):
    rows = db_api.resource_get_all_by_stack(context, stack_id)
    nested = {}
    if any(r.status == 'IN_PROGRESS' and r.nova_instance is None
           for r in rows):
        nested = _unrecorded_nested(context, stack_id, project, rows)
    for row in rows:
        if row.status != 'IN_PROGRESS':
            continue
        # engine_id: a claim of the dead engine; atomic_key: a writer
        # holding the old key (the dead engine, if it was only paused)
        # must not overwrite this.
        values = {'status': 'FAILED', 'status_reason': reason,
                  'engine_id': None, 'atomic_key': (row.atomic_key or 0) + 1}
        if row.nova_instance is None and nested.get(row.name):
            values['nova_instance'] = nested[row.name]
        db_api.resource_update_and_save(context, row.id, values)
        db_api.event_create(context, {
            'stack_id': stack_id, 'resource_action': row.action,
            'resource_status': 'FAILED', 'resource_name': row.name,
            'resource_type': row.type,
            'physical_resource_id': values.get('nova_instance',
                                               row.nova_instance),
            'resource_status_reason': reason,
            'rsrc_prop_data_id': row.rsrc_prop_data_id})


def _member_stack_ids(context, stack_ids):
    """The ids among ``stack_ids`` of scaling groups' member stacks (a
    group's id is its member stack's); one query, none for no ids."""
    if not stack_ids:
        return set()
    G = models.ScalingGroup
    with db_api.reader(context) as session:
        return {gid for (gid,) in session.query(G.id).filter(
            G.id.in_(list(stack_ids)))}


def fail_interrupted(context, stack_id, project, engine_id):
    """Mark FAILED what an interrupted action left IN_PROGRESS.

    The caller holds the lock of stack ``stack_id`` as ``engine_id``.
    Every IN_PROGRESS stack of the tree under it (itself included) and
    every IN_PROGRESS resource of those stacks becomes FAILED with
    :data:`ENGINE_DOWN_REASON` (naming the stack's action), each with an
    event, as a state change of the engine would. Stacks that are not
    IN_PROGRESS keep their resources as they are. A scaling group's
    member stack is its converger's, not the stack lock's: it is
    UPDATE_IN_PROGRESS while a converger works on its members, under the
    group's lease, and the group's next converger ends that update
    (:mod:`heat.engine.autoscaling.converger`), so it is left alone.
    Returns the ids of the stacks marked FAILED.
    """
    reset = []
    with db_api.writer(context):
        rows = [row for row in _tree(context, stack_id, project, engine_id)
                if row.status == 'IN_PROGRESS']
        groups = _member_stack_ids(context, [row.id for row in rows])
        for row in rows:
            if row.id in groups:
                continue
            reason = ENGINE_DOWN_REASON % row.action
            db_api.stack_update(context, row.id, project, {
                'status': 'FAILED', 'status_reason': reason,
                'updated_at': row.updated_at})
            db_api.event_create(context, {
                'stack_id': row.id, 'resource_action': row.action,
                'resource_status': 'FAILED', 'resource_name': row.name,
                'resource_type': STACK_EVENT_TYPE,
                'physical_resource_id': row.id,
                'resource_status_reason': reason})
            _fail_resources(context, row.id, project, reason)
            reset.append(row.id)
    return reset


def take_over(stack_id, project, holder, engine_id, dead_after=None):
    """End the action that ``holder`` left on stack ``stack_id``.

    In one transaction: take the lock (``holder`` None: only if it is
    free; ``holder`` ``engine_id``: this engine's own lock, from before
    a restart; else only if ``holder`` still holds it and is dead), run
    :func:`fail_interrupted` and release the lock. Returns the ids of
    the stacks marked FAILED, or None when the lock was not taken (a
    live engine holds it, or another engine took it over first). On an
    error nothing is written: the lock stays with ``holder`` and the
    next look retries.
    """
    context = _admin_context(project)
    with db_api.writer(context):
        if holder is None:
            taken = db_api.stack_lock_create(context, stack_id,
                                             engine_id) is None
        elif holder == engine_id:
            taken = db_api.stack_lock_get_engine_id(
                context, stack_id) == engine_id
        else:
            taken = db_api.stack_lock_steal(context, stack_id, holder,
                                            engine_id,
                                            dead_after=dead_after)
        if not taken:
            return None
        reset = fail_interrupted(context, stack_id, project, engine_id)
        db_api.stack_lock_release(context, stack_id, engine_id)
    return reset


def take_over_dead_locks(engine_id, dead_after=None):
    """:func:`take_over` every lock an engine that is dead holds.

    Returns ``{stack_id: ids of the stacks marked FAILED}`` of the locks
    this engine took over (an empty list: the lock only was stale).
    """
    taken = {}
    for stack_id, holder, project in db_api.stack_lock_get_dead(
            None, dead_after=dead_after):
        if holder == engine_id:
            continue  # its own lock: this engine is alive
        try:
            reset = take_over(stack_id, project, holder, engine_id,
                              dead_after=dead_after)
        except Exception:  # noqa: BLE001 - the next look retries
            LOG.exception('Taking over the lock of stack %s from dead '
                          'engine %s failed', stack_id, holder)
            continue
        if reset is not None:
            LOG.warning('Engine %s took over the lock of stack %s from '
                        'dead engine %s; marked FAILED: %s', engine_id,
                        stack_id, holder, ', '.join(reset) or 'nothing')
            taken[stack_id] = reset
    return taken
