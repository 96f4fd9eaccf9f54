"""The converger: bring a group's members to what the group should be.

``converge(context, group_id, engine_id)`` takes the group's lease (a
fencing token, ``fence``), then loops: read the group and its members,
plan with the library (:func:`heat.scaling.members.plan_resize` for the
count, :func:`heat.scaling.rolling_update.next_batch` +
:func:`heat.scaling.members.plan_batch` while a rolling update runs) and
apply one batch: record the intent (new ``PENDING`` rows, victims
``REMOVING``, members to update ``UPDATING``), act on the member stack,
record the outcome, renew the lease. Members created or deleted plainly
(most of them) cost the batch O(1) transactions whatever its size
(:mod:`~heat.engine.autoscaling.member_batch`: their resource rows and
events in bulk, one lease check per transaction); their own handlers
run concurrently, at most ``[autoscaling] member_concurrency`` at once,
except handlers with nothing to wait for (``OS::Heat::None``), which run
in the converger's thread. Every write is fence-checked, the member
stack's resource rows too (the stack's
:class:`~heat.engine.autoscaling.members.LeaseFence` checks the lease in
each row write's transaction): a converger whose lease was taken over
(it was paused, stalled, cut off) gets ``LeaseLost``, skips the rest of
its batch and stops, touching nothing more, not even the lease. An
empty plan marks the group converged at the version it planned from
(with the member stack's update end and the activities' completion, in
one transaction under one fence check), releases the lease and re-reads
the group's version: a decision that arrived meanwhile is converged too,
so none is ever left behind. A busy group (a decision came while it
converged, or several were waiting) keeps its lease ``[autoscaling]
coalesce_window`` longer first: the decisions of that window cast
nothing and are converged together once it ends (a trigger storm costs
a convergence per window, not one per decision); a quiet group's
convergence ends at once. A quick plan's batch that closed the whole
gap to the desired capacity ends so at once when the group's version
is unchanged (three columns read, not the group and its members); the
open activities go IN_PROGRESS in the first batch's intent
transaction. A one-member convergence costs 6 write transactions
(``test_convergence_cost``).

Memory: the converger never holds more than one batch of members as
resource objects (at most ``converge_batch_size``: the batch's
:class:`~heat.engine.autoscaling.members.MemberStack` holds only the
batch's names, and is dropped with it). A rolling update's batch is
the update policy's ``max_batch_size`` instead (upstream's batches), its
updated members held twice (old and new definitions); the end of a
rolling update looks at the live members ``converge_batch_size`` at a
time.
The plans of a growing or shrinking group, and of its deletion, read
O(batch) member rows
(:meth:`Converger._quick_plan`); only the unusual cases (failed members,
unfinished intents, rolling updates, other removal policies) read every
member row, as plain rows, never as resources.

Resuming (a later converge, the sweep): ``PENDING`` members whose
resource is CREATE_COMPLETE become ACTIVE, others are (re)created under
the same name; ``REMOVING`` members are deleted; ``UPDATING`` members are
updated again.

The member stack's state follows the work as upstream's nested stack
does. It is stored ``CREATE_IN_PROGRESS`` with the group, and the end of
the group's first convergence makes it ``CREATE_COMPLETE`` (or
``CREATE_FAILED``). After that, the first batch that acts on members sets
it ``UPDATE_IN_PROGRESS`` (``updated_at`` now) in the batch's intent
transaction, the end of that convergence ``UPDATE_COMPLETE`` (or, on a
member failure, ``UPDATE_FAILED``). Deleting the group sets it
``DELETE_IN_PROGRESS`` with the first batch it deletes (or at the end,
with no member) and ``DELETE_COMPLETE`` when the group is gone. Each
change writes the stack's event: two writes per convergence, under the
lease, whatever the number of members; a convergence with nothing to do
writes nothing. A converger that died in between leaves the stack
``*_IN_PROGRESS`` to the next one, which ends it (the engines'
stale-stack resets leave member stacks to their converger, see
:func:`heat.engine.stack_lock.fail_interrupted`).

Test hooks: :data:`before_batch`, :data:`before_act` and
:data:`after_member` are called (if set) once the batch's intent is
recorded, once its members are loaded (just before the first member
action) and after each member's action; raising from them kills the
converger on the spot (no lease release, like a crash), blocking in them
pauses it.
"""

import concurrent.futures
import datetime
import logging
import random
import threading
import time

import sqlalchemy as sa
from oslo_config import cfg
from oslo_db import exception as db_exc

from heat.common import context as context_mod
from heat.common import exception, notify
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import member_batch
from heat.engine.autoscaling import members as members_mod
from heat.scaling import health as health_lib
from heat.scaling import lifecycle, removal
from heat.scaling import members as lib_members
from heat.scaling import rolling_update as ru

LOG = logging.getLogger(__name__)

#: test hooks: ``before_batch(group_id, plan)``,
#: ``before_act(group_id, plan)``, ``after_member(group_id, name, action)``
before_batch = None
before_act = None
after_member = None

_rng = random.SystemRandom()

#: the member stack's states (upstream's nested stack update)
S_CREATE, S_UPDATE, S_DELETE = 'CREATE', 'UPDATE', 'DELETE'
S_IN_PROGRESS, S_COMPLETE, S_FAILED = 'IN_PROGRESS', 'COMPLETE', 'FAILED'
STARTED_REASON = 'Stack UPDATE started'
COMPLETE_REASON = 'Stack UPDATE completed successfully'
#: the type of the stack's own events (``heat.engine.stack``'s)
STACK_EVENT_TYPE = 'OS::Heat::Stack'

CONVERGED, BUSY, LEASE_LOST, FAILED, STOPPED, DELETED, GONE = (
    'converged', 'busy', 'lease_lost', 'failed', 'stopped', 'deleted',
    'gone')


class _MemberFailed(Exception):
    def __init__(self, name, reason):
        super().__init__(reason)
        self.name = name
        self.reason = reason


class _GateFailed(Exception):
    """New members of a rolling batch not HEALTHY (see :meth:`Converger.
    _gate`)."""

    def __init__(self, names, reason):
        super().__init__(reason)
        self.names = names
        self.reason = reason


class Batch:
    """One batch: names to create, remove, update (and the generations
    the removed/updated members have now)."""

    def __init__(self, create=(), remove=(), update=(), generation=0,
                 old_generations=None, resume=False, drain=(), revive=()):
        self.create = list(create)
        self.remove = list(remove)
        self.update = list(update)
        #: lifecycle hooks: members to put in TERMINATING_WAIT (a scale-in
        #: with a terminate hook), members whose wait a scale-out cancels
        self.drain = list(drain)
        self.revive = list(revive)
        self.generation = generation
        self.old_generations = dict(old_generations or {})
        self.resume = resume
        #: a rolling-update batch: upstream's count of updated members
        #: once this batch is done (kept in ``rolling_update['updated']``)
        self.rolling_updated = None

    @property
    def empty(self):
        return not (self.create or self.remove or self.update or
                    self.drain or self.revive)

    def __repr__(self):
        return 'Batch(create=%d, remove=%d, update=%d, drain=%d, ' \
            'revive=%d)' % (len(self.create), len(self.remove),
                            len(self.update), len(self.drain),
                            len(self.revive))


#: :meth:`Converger._quick_plan`: "read the members and plan fully"
_NEED_ROWS = object()


def _lib_member(m):
    return removal.Member(name=m.name, status=m.status,
                          created_at=eng.posix(m.created_at),
                          generation=m.generation,
                          protected=bool(m.protected))


def _conf():
    return cfg.CONF


def _admin_context(context, project):
    if context is None:
        return context_mod.RequestContext(project_id=project, is_admin=True)
    return eng.group_context(context, project)


class Converger:
    def __init__(self, context, group_id, engine_id, stop_event=None):
        self.group_id = group_id
        self.engine_id = engine_id
        self.stop_event = stop_event
        self.fence = None
        #: the member stacks' write guard under ``fence``
        self.write_fence = None
        self.context = context
        self.conf = _conf()
        #: a scale-in that protected members stopped: why (or None)
        self.held = None
        #: this converger set the member stack UPDATE_IN_PROGRESS and has
        #: not ended that update yet
        self.stack_updating = False
        #: the group's row as the lease was acquired (the loop's first
        #: read), or None
        self._fresh = None
        #: ``time.monotonic()`` before the lease was last acquired or
        #: renewed (it runs ``lease_ttl`` from then at least)
        self._renewed_at = None
        #: the open activities are still to be set IN_PROGRESS (in the
        #: first batch's intent transaction)
        self._start_pending = False
        #: the quick plan's batch brings the group to its desired
        #: capacity (the whole gap, not a part of it)
        self._closes_gap = False
        #: a busy group: a decision arrived while this converger
        #: converged, or several waited when it began; it keeps the
        #: lease ``[autoscaling] coalesce_window`` after each
        #: convergence (:meth:`_coalesce`)
        self.hot = False

    # -- lease -----------------------------------------------------------

    def _ttl(self):
        return self.conf.autoscaling.lease_ttl

    def _acquire(self, before=False):
        """Take the lease; ``before``: the group's row read just before
        (default: read here), to tell a takeover."""
        if before is False:
            try:
                before = db_api.scaling_group_get(self.context,
                                                  self.group_id, None)
            except exception.EntityNotFound:
                before = None
        now = db_api.utcnow()
        started = time.monotonic()
        got = db_api.scaling_group_acquire_lease(
            self.context, self.group_id, self.engine_id, self._ttl(),
            now=now, with_row=True)
        if got is None:
            self.fence = None
            return False
        self.fence, self._fresh = got
        self._renewed_at = started
        self.write_fence = members_mod.LeaseFence(
            self.group_id, self.engine_id, self.fence)
        # A takeover: the lease we got was another engine's, expired (it
        # died or stalled). ``before`` is the state we took it from only
        # if nobody acquired in between (the fence moved by exactly one).
        if before is not None and before.lease_engine_id and \
                before.lease_engine_id != self.engine_id and \
                before.lease_expires_at is not None and \
                before.lease_expires_at < now and \
                before.fence == self.fence - 1:
            self._record_takeover(before)
        return True

    def _record_takeover(self, before):
        """Append the takeover to the open activities' reason, or write a
        ``converge`` activity when none is open."""
        note = 'resumed by engine %s after the lease of engine %s expired' \
            % (self.engine_id, before.lease_engine_id)
        LOG.info('Group %s: %s (fence %s)', self.group_id, note, self.fence)
        A = models.ScalingActivity
        try:
            with db_api.writer(self.context) as session:
                rows = session.query(A).filter(
                    A.group_id == self.group_id,
                    A.status.in_([eng.ACCEPTED, eng.IN_PROGRESS])).all()
                for row in rows:
                    row.reason = ('%s; %s' % (row.reason, note)
                                  if row.reason else note)
                if not rows:
                    session.add(A(
                        group_id=self.group_id, project=before.project,
                        trigger='converge',
                        from_capacity=before.desired_capacity,
                        to_capacity=before.desired_capacity,
                        status=eng.COMPLETE, reason=note,
                        engine_id=self.engine_id, fence=self.fence,
                        finished_at=db_api.utcnow()))
        except Exception:  # noqa: BLE001 - a record, never a blocker
            LOG.exception('Group %s: recording the takeover failed',
                          self.group_id)

    def _renew(self):
        started = time.monotonic()
        if not db_api.scaling_group_renew_lease(
                self.context, self.group_id, self.engine_id, self.fence,
                self._ttl()):
            raise exception.LeaseLost(group=self.group_id, fence=self.fence)
        self._renewed_at = started

    def _renew_if_due(self):
        """Renew unless the lease was taken or renewed less than
        :meth:`_renew_interval` ago (a quick batch: the lease still runs
        for two thirds of its time at least; every write after is
        fence-checked anyway)."""
        if self._renewed_at is None or \
                time.monotonic() - self._renewed_at >= \
                self._renew_interval():
            self._renew()

    def _renew_interval(self):
        """Seconds between renewals while a batch is acted on: a third of
        the lease, so that two renewals may be late before it ends."""
        return max(0.5, self._ttl() / 3.0)

    def _renew_during_batch(self, fence):
        """Renew the lease while a batch's members are made; when it
        was lost meanwhile (this engine was paused, or cut off from the
        database longer than the lease), the fence stops every member
        write of the batch at once: the new holder's work is not
        disturbed."""
        try:
            self._renew()
        except exception.LeaseLost:
            fence.lost.set()
        except Exception:  # noqa: BLE001 - the next renewal may succeed
            LOG.warning('Group %s: the lease could not be renewed during '
                        'a batch', self.group_id, exc_info=True)

    def _release(self):
        if self.fence is not None:
            db_api.scaling_group_release_lease(
                self.context, self.group_id, self.engine_id, self.fence)

    def _update_group(self, values, refresh=True):
        return db_api.scaling_group_update(self.context, self.group_id,
                                           values, expected_fence=self.fence,
                                           refresh=refresh)

    # -- activities ------------------------------------------------------

    def _activities(self, values, statuses, checked=False):
        """Set the activities of ``statuses`` to ``values``, fence-checked
        (``checked``: by the caller's transaction already)."""
        A = models.ScalingActivity
        with db_api.writer(self.context) as session:
            if not checked:
                db_api.scaling_group_update(
                    self.context, self.group_id,
                    {'lease_engine_id': self.engine_id},
                    expected_fence=self.fence, refresh=False)
            session.query(A).filter(
                A.group_id == self.group_id,
                A.status.in_(list(statuses))).update(
                dict(values), synchronize_session=False)

    def _note_open_activities(self, note):
        """Append ``note`` to the reason of the open activities (the
        ones this convergence completes)."""
        A = models.ScalingActivity
        with db_api.writer(self.context) as session:
            for row in session.query(A).filter(
                    A.group_id == self.group_id,
                    A.status.in_([eng.ACCEPTED, eng.IN_PROGRESS])):
                row.reason = ('%s; stopped at %s' % (row.reason, note)
                              if row.reason else note)

    def _open_activities(self):
        """``(id, trigger)`` of the activities this convergence completes
        (an accepted decision's activity stays open until then)."""
        A = models.ScalingActivity
        with db_api.reader(self.context) as session:
            return [tuple(r) for r in session.query(A.id, A.trigger).filter(
                A.group_id == self.group_id,
                A.status.in_([eng.ACCEPTED, eng.IN_PROGRESS])).order_by(
                A.started_at, A.id)]

    # -- the member stack's state ------------------------------------------

    def _stack_state(self, g, status, reason, action=S_UPDATE,
                     checked=False):
        """Set the member stack ``<action>_<status>`` and write its event,
        as ``Stack.state_set`` does, in one transaction checked against
        the lease. ``UPDATE_IN_PROGRESS`` moves ``updated_at`` on
        (upstream's ``updated_time``: when the update started); an end
        keeps it, and is written only over an ``<action>_IN_PROGRESS`` (a
        suspend or resume that came meanwhile keeps its state). True if
        written. ``checked``: the caller's transaction checked the lease
        already (it locked the group row by a fence-checked write)."""
        ctx = self.context
        with db_api.writer(ctx):
            if not checked:
                db_api.scaling_group_check_lease(ctx, g.id, self.engine_id,
                                                 self.fence)
            row = db_api.stack_get_state(ctx, g.id, g.project)
            if row is None:
                return False
            if status == S_IN_PROGRESS:
                updated = db_api.utcnow() if action == S_UPDATE \
                    else row.updated_at
            elif (row.action, row.status) == (action, S_IN_PROGRESS):
                updated = row.updated_at
            else:
                return False
            db_api.stack_update(ctx, row.id, g.project, {
                'action': action, 'status': status,
                'status_reason': reason, 'updated_at': updated})
            db_api.event_create(ctx, {
                'stack_id': row.id, 'resource_action': action,
                'resource_status': status, 'resource_name': row.name,
                'resource_type': STACK_EVENT_TYPE,
                'physical_resource_id': row.id,
                'resource_status_reason': reason})
        LOG.info('Stack %s %s (%s): %s', action, status, row.name, reason)
        return True

    def _start_stack_update(self, g, checked=False):
        """The member stack goes UPDATE_IN_PROGRESS (once per
        convergence; DELETE_IN_PROGRESS for a group being deleted), in the
        first acting batch's intent transaction: the action if written
        (the caller notes it once that commits), else False."""
        if self.stack_updating or not g.converged_version and \
                g.status != eng.DELETING:
            # the group's first convergence makes its members: that is
            # the member stack's creation (stored CREATE_IN_PROGRESS)
            return False
        if g.status == eng.DELETING:
            return self._start_stack_delete(g, checked) and S_DELETE
        return self._stack_state(g, S_IN_PROGRESS, STARTED_REASON,
                                 checked=checked) and S_UPDATE

    def _start_stack_delete(self, g, checked=False):
        """DELETE_IN_PROGRESS, unless it is already (a converger that
        died while deleting): True if this converger holds it."""
        row = db_api.stack_get_state(self.context, g.id, g.project)
        if row is not None and (row.action, row.status) == (
                S_DELETE, S_IN_PROGRESS):
            return True
        return self._stack_state(g, S_IN_PROGRESS, 'Stack DELETE started',
                                 action=S_DELETE, checked=checked)

    def _end_stack_update(self, g, status, reason, checked=False):
        """End the member stack's creation or update: this converger's,
        or one a converger that died (or lost its lease) left
        IN_PROGRESS, found with one read; nothing is written otherwise.
        ``reason`` names the update; a creation's or deletion's end names
        it instead."""
        action = self.stack_updating
        if not action:
            row = db_api.stack_get_state(self.context, g.id, g.project)
            if row is None or row.status != S_IN_PROGRESS or \
                    row.action not in (S_CREATE, S_UPDATE, S_DELETE):
                return
            action = row.action
        if action != S_UPDATE:
            reason = reason.replace('Stack UPDATE', 'Stack ' + action)
        self._stack_state(g, status, reason, action=action, checked=checked)
        self.stack_updating = False

    # -- the loop ----------------------------------------------------------

    def run(self):
        try:
            g = db_api.scaling_group_get(self.context, self.group_id, None)
        except exception.EntityNotFound:
            return GONE
        self.context = _admin_context(self.context, g.project)
        if not self._acquire(before=g):
            return BUSY
        try:
            return self._loop()
        except exception.LeaseLost:
            return self._lease_lost()
        except db_exc.DBError as exc:
            # e.g. the server ended our transaction while this process
            # was stopped: a lease that moved meanwhile is the story
            if not self._lease_moved():
                raise
            LOG.info('Group %s: %s: %s', self.group_id,
                     type(exc).__name__, exc)
            return self._lease_lost()

    def _lease_lost(self):
        refused = self.write_fence.refused if self.write_fence else 0
        LOG.warning('Group %s: lease lost (fence %s); %d member resource '
                    'writes refused; stopping', self.group_id, self.fence,
                    refused)
        return LEASE_LOST

    def _lease_moved(self):
        """Whether another engine took the lease (or it was released)
        since we got it; False when even that cannot be read."""
        try:
            g = db_api.scaling_group_get(self.context, self.group_id, None)
        except exception.EntityNotFound:
            return True
        except db_exc.DBError:
            return False
        return (g.fence, g.lease_engine_id) != (self.fence, self.engine_id)

    def _stopping(self):
        return self.stop_event is not None and self.stop_event.is_set()

    def _loop(self):
        started = False
        gated = False
        #: the row a batch just converged fully (see _closes_gap)
        done = None
        #: the version of the first plan
        first = None
        while True:
            closed, done = done, None
            g, self._fresh = closed or self._fresh, None
            if g is None:
                try:
                    g = db_api.scaling_group_get(self.context,
                                                 self.group_id, None)
                except exception.EntityNotFound:
                    return GONE
            if self._stopping():
                self._release()
                return STOPPED
            version = g.version
            if first is None:
                first = version
                if version - g.converged_version > 1:
                    # decisions piled up while none converged
                    self.hot = True
            elif version != first:
                # a decision came while we converged: a busy group
                self.hot = True
            rows = None
            self.held = None
            if not gated and g.rolling_generation is not None and \
                    g.health_check and g.status != eng.DELETING:
                # resuming a gated rolling update (a crash, a restart):
                # the last batch's members pass the gate first
                gated = True
                try:
                    self._gate(g, [
                        m.name for m in db_api.scaling_member_get_all(
                            self.context, g.id)
                        if m.generation == g.rolling_generation and
                        m.status == eng.M_ACTIVE and
                        m.health != health_lib.HEALTHY])
                except _GateFailed as exc:
                    if self._gate_failed(g, exc):
                        continue
                    return FAILED
                continue
            self._closes_gap = False
            batch = None if closed is not None else self._quick_plan(g)
            if batch is _NEED_ROWS:
                rows = db_api.scaling_member_get_all(self.context, g.id)
                batch = self._plan(g, rows)
            if batch is None:
                # Nothing to do at ``version``.
                if g.status == eng.DELETING:
                    return self._finish_delete(g)
                if g.rolling_generation is not None:
                    self._touch_nested_members(g, rows)
                    roll = dict(g.rolling_update or {})
                    # the roll's progress, gone with it: what stays is the
                    # rolling_update the group was given
                    for key in ('updated', 'from_generation', 'rollback_of'):
                        roll.pop(key, None)
                    self._update_group({'rolling_generation': None,
                                        'rolling_update': roll or None})
                    continue
                status = g.status
                if status in (eng.INIT, eng.CONVERGING, eng.ACTIVE):
                    status = eng.ACTIVE
                values = {'converged_version': version, 'status': status}
                if status == eng.ACTIVE and g.status != eng.ACTIVE:
                    values['status_reason'] = 'converged to %d members' % (
                        g.desired_capacity)
                    if self.held:
                        values['status_reason'] = 'converged; %s' % (
                            self.held)
                if g.status == eng.FAILED:
                    values = {'converged_version': version}
                # A change committed since our read (a deletion's
                # DELETING, an update) keeps its status: set ours only
                # while the version is still the one we converged.
                G = models.ScalingGroup
                for key in ('status', 'status_reason'):
                    if key in values:
                        values[key] = sa.case(
                            (G.version == version, values[key]),
                            else_=getattr(G, key))
                # One transaction under one fence check (the group's
                # UPDATE, first: it locks the row exclusively): the
                # group converged, the member stack's update ended
                # (UPDATE_COMPLETE once the group reads converged) and
                # the activities completed, together or not at all.
                scaled = self._converged(g, status, values)
                if status == eng.ACTIVE:
                    if started:
                        _refresh_owner_metadata(self.context, g)
                    # one .end for each trigger's .start, even when one
                    # convergence completed several of them
                    for activity_id, _trigger in scaled:
                        notify.notify(self.context,
                                      'orchestration.autoscaling.end', {
                                          'group_id': g.id,
                                          'group_name': g.name,
                                          'activity_id': activity_id,
                                          'capacity': g.desired_capacity,
                                          'stack_id': g.stack_id,
                                          'resource_name': g.resource_name,
                                          'message': 'converged'})
                if status == eng.ACTIVE and self._coalesce(version):
                    continue
                self._release()
                # Release, then recheck: a decision committed after our
                # read is ours to converge (or the next holder's).
                if not self._decided_since(version):
                    return CONVERGED
                if not self._acquire():
                    return CONVERGED
                continue
            if g.status == eng.FAILED and not batch.resume:
                # A failed group waits for a new decision (a new version
                # resets it to CONVERGING); removals go on.
                if batch.create or batch.update:
                    if g.converged_version >= version:
                        self._release()
                        if self._take_back(version):
                            continue
                        return FAILED
            if not started:
                # the open activities go IN_PROGRESS (and the group
                # CONVERGING) in the first batch's intent transaction
                started = True
                self._start_pending = True
            try:
                self._apply(g, batch)
            except _MemberFailed as exc:
                self._fail(g, exc)
                if self._take_back(version):
                    continue
                return FAILED
            except db_exc.DBDuplicateEntry:
                if rows is not None:
                    raise
                # a quick plan drew a name in use (60 random bits: next
                # to never); nothing was written: plan again
                LOG.info('Group %s: member name collision; replanning',
                         g.id)
                continue
            self._renew_if_due()
            if self._closes_gap and g.status in (
                    eng.INIT, eng.CONVERGING, eng.ACTIVE) and \
                    g.rolling_generation is None and \
                    not lifecycle.parse(g.lifecycle_hooks) and \
                    db_api.scaling_group_progress(
                        self.context, g.id) == (
                        version, g.converged_version, eng.CONVERGING):
                # every member of the plan made (or removed) and ACTIVE
                # (a failure raised), and the group still at ``version``
                # (CONVERGING since this convergence's first batch):
                # nothing is left to do, so end without reading the
                # group and its members again. (A decision since then
                # is the next batch's, in this convergence.)
                g.status = eng.CONVERGING
                done = g
                continue
            if g.rolling_generation is not None and g.health_check and \
                    not batch.resume and (batch.update or batch.create):
                gated = True
                try:
                    self._gate(g, batch.create + batch.update)
                except _GateFailed as exc:
                    if self._gate_failed(g, exc):
                        continue
                    return FAILED
            if g.rolling_generation is not None and not batch.resume and \
                    (batch.update or batch.create):
                pause = float((g.rolling_update or {}).get('pause_time')
                              or 0)
                if pause > 0:
                    if self._wait(pause):
                        self._release()
                        return STOPPED
                    self._renew()

    def _wait(self, seconds):
        """Sleep ``seconds``, less when the engine stops meanwhile; True
        if it does."""
        if self.stop_event is None:
            time.sleep(seconds)
            return False
        return self.stop_event.wait(seconds)

    def _decided_since(self, version):
        """Whether a decision came after ``version`` that is ours to
        converge: the group is still there, past ``version`` and not
        FAILED (three columns read, not the row)."""
        again = db_api.scaling_group_progress(self.context, self.group_id)
        return again is not None and again[0] != version and \
            again[2] != eng.FAILED

    def _coalesce(self, version):
        """A busy group (``hot``: a decision arrived while this converger
        converged it, or several were waiting when it began) keeps its
        lease for ``[autoscaling] coalesce_window`` seconds after
        converging at ``version``:
        deciders that see the live lease cast no converge
        (``AutoScalingEngine._after_decision``), so the decisions of the
        window are converged together, by this converger, once it ends.
        True when one came (the lease still ours: go on converging);
        False when none did, the window is 0, this process already has
        :data:`MAX_COALESCING` convergers waiting (each holds an RPC
        worker thread) or the engine stops: the caller releases and
        rechecks as always."""
        # (never longer than a third of the lease: it is not renewed
        # while the window runs)
        window = min(self.conf.autoscaling.coalesce_window,
                     self._ttl() / 3.0)
        if not self.hot or window <= 0 or self._stopping():
            return False
        if not _coalescing.acquire(blocking=False):
            return False
        try:
            if self._wait(window):
                return False
        finally:
            _coalescing.release()
        if not self._decided_since(version):
            return False
        # (LeaseLost if it was taken meanwhile: the holder converges)
        self._renew_if_due()
        return True

    def _converged(self, g, status, values):
        """The end of a convergence, in one transaction under one fence
        check (the group's UPDATE, first: it locks the row
        exclusively): the group converged (``values``), the member
        stack's update ended (UPDATE_COMPLETE once the group reads
        converged) and, when ``status`` is ACTIVE, the open activities
        completed, together or not at all; repeated whole when it lost a
        deadlock or its connection (each time fence-checked). The
        ``(id, trigger)`` of the activities completed."""

        @db_api.retry_on_deadlock
        def end(context):
            with db_api.writer(context):
                self._update_group(values, refresh=False)
                if status == eng.ACTIVE:
                    self._end_stack_update(g, S_COMPLETE, COMPLETE_REASON,
                                           checked=True)
                elif status == eng.FAILED:
                    self._end_stack_update(
                        g, S_FAILED,
                        g.status_reason or 'Stack UPDATE failed',
                        checked=True)
                if status != eng.ACTIVE:
                    return []
                if self.held:
                    self._note_open_activities(self.held)
                scaled = [a for a in self._open_activities()
                          if a[1] in SCALING_TRIGGERS]
                self._activities(
                    {'status': eng.COMPLETE,
                     'finished_at': db_api.utcnow()},
                    (eng.ACCEPTED, eng.IN_PROGRESS), checked=True)
                return scaled
        return end(self.context)

    def _begin(self, g):
        """In the first batch's intent transaction, first (its
        fence-checked UPDATE locks the group row exclusively before any
        share lock): the open activities go IN_PROGRESS under this
        converger, the group CONVERGING. True if written (the caller
        notes it once that commits)."""
        if not self._start_pending:
            return False
        if g.status not in (eng.CONVERGING, eng.DELETING):
            self._update_group({'status': eng.CONVERGING}, refresh=False)
            checked = True
        else:
            checked = False
        self._activities({'status': eng.IN_PROGRESS,
                          'engine_id': self.engine_id,
                          'fence': self.fence},
                         (eng.ACCEPTED,), checked=checked)
        return True

    # -- planning ----------------------------------------------------------

    def _quick_plan(self, g):
        """The common cases without reading every member, each O(k) for
        a batch of k whatever the group's size N:

        - a group whose members are all ACTIVE and which must grow (or
          is done): new names are drawn at random and the (group, name)
          unique key refuses a collision;
        - one that must shrink, by the default (upstream) removal
          order, with no member protected and no terminate hook: the
          oldest members go (``created_at, name``: the library's order
          when none has failed), read with a LIMIT;
        - a group being deleted: its oldest members, any status.

        Anything else (failed members, unfinished intents, rolling
        updates, other removal policies) returns ``_NEED_ROWS``."""
        size = self.conf.autoscaling.converge_batch_size
        if g.status == eng.DELETING:
            oldest = db_api.scaling_member_oldest(self.context, g.id, size)
            if not oldest:
                return None
            return Batch(remove=[n for n, _gen in oldest],
                         old_generations=dict(oldest), resume=True)
        if g.rolling_generation is not None:
            return _NEED_ROWS
        counts, protected = db_api.scaling_member_census(self.context,
                                                         g.id)
        if set(counts) - {eng.M_ACTIVE}:
            return _NEED_ROWS
        live = counts.get(eng.M_ACTIVE, 0)
        target = g.desired_capacity
        if target < live:
            if protected or (g.removal_policy or removal.DEFAULT) not in (
                    removal.DEFAULT, removal.OLDEST) or \
                    lifecycle.TERMINATE in lifecycle.parse(
                        g.lifecycle_hooks):
                return _NEED_ROWS
            oldest = db_api.scaling_member_oldest(
                self.context, g.id, min(live - target, size))
            self._closes_gap = len(oldest) == live - target
            return Batch(remove=[n for n, _gen in oldest],
                         generation=g.generation,
                         old_generations=dict(oldest))
        if target == live:
            return None
        names = lib_members.new_names(min(target - live, size), _rng)
        self._closes_gap = len(names) == target - live
        return Batch(create=names, generation=g.generation)

    def _plan(self, g, rows):
        size = self.conf.autoscaling.converge_batch_size
        gens = {m.name: m.generation for m in rows}
        # 1. unfinished intents (a crash, or the last batch's leftovers)
        removing = [m.name for m in rows if m.status == eng.REMOVING]
        pending = [m.name for m in rows if m.status == eng.PENDING]
        updating = [m.name for m in rows if m.status == eng.UPDATING]
        if g.status == eng.DELETING:
            names = [m.name for m in rows]
            if not names:
                return None
            return Batch(remove=names[:size], old_generations=gens,
                         resume=True)
        if removing or pending or updating:
            n = size
            b = Batch(remove=removing[:n], old_generations=gens,
                      resume=True, generation=g.rolling_generation or 0)
            n -= len(b.remove)
            b.create = pending[:max(n, 0)]
            n -= len(b.create)
            b.update = updating[:max(n, 0)]
            if b.update and g.rolling_generation is None:
                # Nothing to roll to any more: keep them as they are.
                b.update = []
            if not b.empty:
                return b
        failed = [m for m in rows if m.status == eng.M_FAILED]
        live = [m for m in rows if m.status in eng.LIVE_STATUSES]
        if g.rolling_generation is not None:
            return self._plan_rolling(g, failed, live, gens)
        target = g.desired_capacity
        lib_live = [_lib_member(m) for m in live]
        names = set(gens)
        plan = lib_members.plan_resize(
            lib_live, target, g.generation, _rng, names=names,
            policy=g.removal_policy or removal.DEFAULT)
        self.held = None
        if plan.shortfall:
            protected = sorted(m.name for m in live if m.protected)
            self.held = ('%d member(s) above the desired capacity %d: '
                         'scale-in protection of %s' % (
                             plan.shortfall, target, ', '.join(protected)))
        remove = [m.name for m in failed] + [m.name for m in plan.remove]
        create = list(plan.create)
        hooks = lifecycle.parse(g.lifecycle_hooks)
        draining = [m for m in rows if m.status == eng.TERMINATING_WAIT]
        # members to make beyond the replacements of failed ones: a
        # scale-out (a replacement does not cancel a drain)
        growth = len(create) - len(failed)
        if growth > 0 and draining:
            # a scale-out while members drain: the newest drains are
            # cancelled instead of as many members made
            return Batch(revive=lifecycle.drains_to_cancel(
                [(eng.posix(m.created_at), m.name) for m in draining],
                growth), generation=g.generation, old_generations=gens)
        if plan.remove and lifecycle.TERMINATE in hooks:
            if failed:
                return Batch(remove=[m.name for m in failed][:size],
                             generation=g.generation, old_generations=gens)
            return Batch(drain=[m.name for m in plan.remove][:size],
                         generation=g.generation, old_generations=gens)
        if failed and create and not plan.remove:
            # Replacing failed (or unhealthy) members: the replacements
            # first while the group has room below MaxSize (an unhealthy
            # member may still serve meanwhile), else the failed ones go
            # first; the other half is the next batch.
            room = g.max_size - len(live) - len(failed)
            if room > 0:
                return Batch(create=create[:min(room, size)],
                             generation=g.generation, old_generations=gens)
            return Batch(remove=remove[:size], generation=g.generation,
                         old_generations=gens)
        if not remove and not create:
            return None
        remove = remove[:size]
        create = create[:max(size - len(remove), 0)] if remove else \
            create[:size]
        if not remove and not create:
            return None
        return Batch(create=create, remove=remove, generation=g.generation,
                     old_generations=gens)

    def _plan_rolling(self, g, failed, live, gens):
        gen = g.rolling_generation
        roll = g.rolling_update or {}
        batch_size = max(int(roll.get('max_batch_size') or 1), 1)
        min_in = max(int(roll.get('min_in_service') or 0), 0)
        target = g.desired_capacity
        lib_live = [_lib_member(m) for m in live]
        if failed:
            return Batch(remove=[m.name for m in failed],
                         old_generations=gens, generation=gen)
        # Upstream's progress count (``_get_batches``): a batch's new
        # members count as updated only beyond the temporary extra
        # capacity; it decides the batches, and so which members stay.
        updated = int(roll.get('updated') or 0)
        current = len(live)
        if not ru.needs_update(target, current, updated):
            if any(m.generation != gen for m in live):
                # members left behind (a member failed and was replaced
                # meanwhile): bring them along one batch at a time
                updated = sum(1 for m in live if m.generation == gen)
            else:
                return None
        new_size, num = ru.next_batch(target, current, updated,
                                      batch_size, min_in)
        plan = lib_members.plan_batch(lib_live, new_size, num, gen, _rng,
                                      names=set(gens))
        batch = Batch(create=plan.create,
                      remove=[m.name for m in plan.remove],
                      update=[m.name for m in plan.update],
                      generation=gen, old_generations=gens)
        batch.rolling_updated = updated + num - max(
            new_size - max(current, target), 0)
        return batch

    # -- acting ------------------------------------------------------------

    def _apply(self, g, batch):
        ctx = self.context
        if batch.drain or batch.revive:
            return self._drain_or_revive(g, batch)
        # 1. intent (and the member stack's UPDATE_IN_PROGRESS, the
        # convergence's start)
        with db_api.writer(ctx):
            begun = self._begin(g)
            # once begun, the transaction holds the group row locked
            # under our fence: no other check is needed in it
            updating = self._start_stack_update(g, checked=begun)
            expected = None if begun else self.fence
            new = [n for n in batch.create if n not in batch.old_generations]
            if new:
                db_api.scaling_member_create_many(
                    ctx, g.id, [{'name': n, 'generation': batch.generation,
                                 'status': eng.PENDING} for n in new],
                    expected_fence=expected)
            if batch.remove:
                db_api.scaling_member_update(
                    ctx, g.id, batch.remove, {'status': eng.REMOVING},
                    expected_fence=expected)
            if batch.update:
                db_api.scaling_member_update(
                    ctx, g.id, batch.update, {'status': eng.UPDATING},
                    expected_fence=expected)
        if updating:
            self.stack_updating = updating
        if begun:
            self._start_pending = False
        if before_batch is not None:
            before_batch(g.id, batch)
        # 2. act
        gens = {}
        for n in batch.remove + batch.update:
            gens[n] = batch.old_generations.get(n, g.generation)
        for n in batch.create:
            gens[n] = batch.old_generations.get(n, batch.generation)
        names = batch.remove + batch.update + batch.create
        fence = self.write_fence
        stk = members_mod.MemberStack.for_members(ctx, g, names, gens,
                                                  guard=fence,
                                                  without_rows=new)
        new_stk = None
        if batch.update:
            new_stk = members_mod.MemberStack.for_members(
                ctx, g, batch.update,
                {n: batch.generation for n in batch.update}, guard=fence)
        resources = stk.resources  # built here, not in the workers
        if before_act is not None:
            before_act(g.id, batch)
        # Members made or removed in the batch's own transactions (see
        # member_batch); the others (resumed, hooked, updated) by their
        # own lifecycle methods, each with its transactions.
        bulk = {}
        for action, names in (('create', batch.create),
                              ('delete', batch.remove)):
            for n in names:
                if member_batch.batchable(resources[n], action):
                    bulk[n] = action
        member_batch.start(ctx, fence,
                           [resources[n] for n, a in bulk.items()
                            if a == 'create'],
                           [resources[n] for n, a in bulk.items()
                            if a == 'delete'])
        work = ([('delete', n) for n in batch.remove] +
                [('create', n) for n in batch.create] +
                [('update', n) for n in batch.update])
        # handlers with nothing to wait for run here, the others on
        # ``member_concurrency`` threads
        here = [(a, n) for a, n in work if n in bulk and
                member_batch.inline(resources[n], a)]
        skip = set(here)
        pooled = [w for w in work if w not in skip]
        handled = set()
        outcome = {}
        workers = max(1, min(self.conf.autoscaling.member_concurrency,
                             len(pooled)))
        with concurrent.futures.ThreadPoolExecutor(
                max_workers=workers,
                thread_name_prefix='converge-%s' % g.id[:8]) as pool:
            futures = {pool.submit(self._act, stk, new_stk, resources,
                                   action, name, name in bulk, handled):
                       (action, name) for action, name in pooled}
            renewed, every = time.monotonic(), self._renew_interval()
            for action, name in here:
                try:
                    self._act(stk, new_stk, resources, action, name, True,
                              handled)
                    outcome[name] = (action, None)
                except Exception as exc:  # noqa: BLE001 - the outcome
                    outcome[name] = (action, exc)
                if time.monotonic() - renewed > every:
                    self._renew_during_batch(fence)
                    renewed = time.monotonic()
            pending = set(futures)
            while pending:
                # a batch may outlast the lease (a hundred servers
                # booting): renew it while the members are made, so that
                # no other engine takes a live converger's group over
                done, pending = concurrent.futures.wait(
                    pending, timeout=self._renew_interval())
                for fut in done:
                    action, name = futures[fut]
                    outcome[name] = (action, fut.exception())
                if pending:
                    self._renew_during_batch(fence)
        # 3. outcome
        deleted = [n for n, (a, e) in outcome.items()
                   if a == 'delete' and e is None]
        created = [n for n, (a, e) in outcome.items()
                   if a == 'create' and e is None]
        updated = [n for n, (a, e) in outcome.items()
                   if a == 'update' and e is None]
        failures = [(n, a, e) for n, (a, e) in outcome.items()
                    if e is not None]
        for _n, _a, e in failures:
            if not isinstance(e, Exception):
                raise e  # a kill (tests) or an interpreter exit
        if fence.lost.is_set():
            # fenced out: whatever failed, nothing more is ours to write
            raise exception.LeaseLost(group=g.id, fence=self.fence)
        with db_api.writer(ctx):
            if batch.rolling_updated is not None and not failures:
                # first: its fence check locks the group row exclusively
                # (taken after the share lock below, it would be an
                # upgrade, a deadlock against a waiting decision)
                roll = dict(g.rolling_update or {})
                roll['updated'] = batch.rolling_updated
                self._update_group({'rolling_update': roll})
            # one lease check for the batch's outcome: the members' rows
            # and their resource rows below are written under it
            fence(ctx)
            member_batch.complete(
                ctx, [resources[n] for n in batch.create
                      if n in bulk and n in handled],
                [resources[n] for n in batch.remove
                 if n in bulk and n in handled])
            if deleted:
                db_api.scaling_member_delete(ctx, g.id, deleted)
            launch = lifecycle.parse(g.lifecycle_hooks).get(
                lifecycle.LAUNCH)
            waits = {}
            if created and launch is not None:
                # each waits on the launch hook, with a token of its own
                for name in created:
                    token, values = eng.begin_wait(launch)
                    db_api.scaling_member_update(ctx, g.id, [name], values)
                    waits[name] = token
            elif created:
                db_api.scaling_member_update(
                    ctx, g.id, created, {'status': eng.M_ACTIVE})
            if updated:
                # judged afresh: the health verdict was the old one's
                db_api.scaling_member_update(
                    ctx, g.id, updated, {'status': eng.M_ACTIVE,
                                         'generation': batch.generation,
                                         'health': None})
            failed_names = [n for n, a, e in failures if a != 'delete']
            if failed_names:
                db_api.scaling_member_update(
                    ctx, g.id, failed_names, {'status': eng.M_FAILED})
        if waits:
            eng.notify_hook(g, launch, waits)
        if failures:
            order = {'create': 0, 'update': 1, 'delete': 2}
            failures.sort(key=lambda f: (order[f[1]], f[0]))
            name, action, err = failures[0]
            raise _MemberFailed(name, 'Resource %s failed: %s' % (
                action.upper(), err))

    def _act(self, stk, new_stk, resources, action, name, bulk=False,
             handled=None):
        # a member write was refused: the rest of the batch is skipped
        self.write_fence.check()
        if bulk:
            # its rows are the batch's (member_batch): the handler only
            member_batch.run(resources[name], action)
            handled.add(name)
        elif action == 'delete':
            res = resources[name]
            res.delete()
            res.destroy()
        elif action == 'create':
            res = resources[name]
            state = (res.action, res.status)
            if state == ('CREATE', 'COMPLETE'):
                pass  # a resumed member that was created already
            else:
                if state != ('INIT', 'COMPLETE'):
                    # half-made by a converger that died: start afresh
                    res.delete()
                    res.destroy()
                    res = stk._make_resource(name, stk.definitions()[name],
                                             row=None)
                res.create()
        else:
            self._update_member(stk, new_stk, resources[name], name)
        if after_member is not None:
            after_member(self.group_id, name, action)

    def _drain_or_revive(self, g, batch):
        """Lifecycle hooks: scale-in victims begin to wait on the
        terminate hook; a scale-out cancels the newest waits."""
        ctx = self.context
        hook = lifecycle.parse(g.lifecycle_hooks).get(lifecycle.TERMINATE)
        waits = {}
        with db_api.writer(ctx):
            begun = self._begin(g)
            if batch.drain and hook is not None:
                for name in batch.drain:
                    token, values = eng.begin_wait(hook)
                    db_api.scaling_member_update(ctx, g.id, [name], values,
                                                 expected_fence=self.fence)
                    waits[name] = token
            if batch.revive:
                db_api.scaling_member_update(
                    ctx, g.id, batch.revive,
                    {'status': eng.M_ACTIVE, 'lifecycle': None,
                     'hook_deadline': None, 'hook_token_hash': None},
                    expected_fence=self.fence)
                reason = ('scale-out: the terminate wait of member(s) %s '
                          'cancelled, ACTIVE again' % ', '.join(
                              batch.revive))
                db_api.scaling_activity_create(ctx, {
                    'group_id': g.id, 'project': g.project,
                    'trigger': 'lifecycle',
                    'from_capacity': g.desired_capacity,
                    'to_capacity': g.desired_capacity,
                    'status': eng.COMPLETE, 'reason': reason,
                    'decision': {'accepted': True, 'reason': reason,
                                 'cancelled': list(batch.revive)},
                    'engine_id': self.engine_id, 'fence': self.fence,
                    'finished_at': db_api.utcnow()})
        if begun:
            self._start_pending = False
        if waits:
            LOG.info('Group %s: member(s) %s wait on terminate hook %s',
                     g.id, ', '.join(waits), hook.name)
            eng.notify_hook(g, hook, waits)

    def _update_member(self, stk, new_stk, res, name):
        from heat.engine import resource as resource_mod
        after = new_stk.definitions()[name]
        before = stk.definitions()[name]
        if (res.action, res.status) == ('INIT', 'COMPLETE'):
            fresh = new_stk._make_resource(name, after, row=None)
            fresh.create()
            return
        try:
            res.update(after, before)
        except resource_mod.UpdateReplace:
            res.delete()
            res.destroy()
            fresh = new_stk._make_resource(name, after, row=None)
            fresh.create()

    def _touch_nested_members(self, g, rows):
        """End a rolling update as upstream's final nested-stack update
        does: members that are nested stacks themselves (provider
        templates) and were created during the update pass an update
        too, so every member of such a group ends ``UPDATE_COMPLETE``."""
        names = [m.name for m in rows if m.status in eng.LIVE_STATUSES]
        if not names:
            return
        gens = {m.name: m.generation for m in rows}
        # a batch of members at a time as resource objects, never all
        size = self.conf.autoscaling.converge_batch_size
        for start in range(0, len(names), size):
            chunk = names[start:start + size]
            stk = members_mod.MemberStack.for_members(
                self.context, g, chunk, {n: gens[n] for n in chunk},
                guard=self.write_fence)
            todo = [res for res in stk.resources.values()
                    if getattr(res, 'always_update', False) and
                    (res.action, res.status) == ('CREATE', 'COMPLETE')]
            if not todo:
                continue
            workers = max(1, min(self.conf.autoscaling.member_concurrency,
                                 len(todo)))
            with concurrent.futures.ThreadPoolExecutor(
                    max_workers=workers) as pool:
                for fut in [pool.submit(res.update, res.t, res.t)
                            for res in todo]:
                    try:
                        fut.result()
                    except Exception:  # noqa: BLE001 - logged, not fatal
                        if not self.write_fence.lost.is_set():
                            LOG.exception('Group %s: final update of a '
                                          'member failed', g.id)
            self.write_fence.check()
            self._renew()

    # -- the health gate of rolling updates --------------------------------

    def _gate(self, g, names):
        """Wait until the members ``names`` (new in a rolling batch) are
        all HEALTHY by the health monitor's verdicts (their rows'
        ``health``), renewing the lease meanwhile; _GateFailed when one
        is found UNHEALTHY (or FAILED, or gone) or they are not all
        HEALTHY within :func:`heat.scaling.health.update_timeout`."""
        if not names:
            return
        check = health_lib.parse(g.health_check)
        timeout = health_lib.update_timeout(check)
        deadline = time.monotonic() + timeout
        step = max(0.05, min(1.0, check.interval / 2.0,
                             self._renew_interval()))
        M = models.ScalingMember
        while True:
            with db_api.reader(self.context) as session:
                rows = dict((r[0], r[1:]) for r in session.query(
                    M.name, M.status, M.health).filter(
                    M.group_id == g.id, M.name.in_(list(names))))
            bad = [n for n in names if n not in rows or
                   rows[n][0] == eng.M_FAILED or
                   rows[n][1] == health_lib.UNHEALTHY]
            if bad:
                raise _GateFailed(bad, 'member(s) %s of the rolling update '
                                  'found unhealthy%s' % (
                                      ', '.join(bad),
                                      self._evidence(g.id, bad)))
            waiting = [n for n in names
                       if rows[n][1] != health_lib.HEALTHY]
            if not waiting:
                return
            if time.monotonic() >= deadline:
                raise _GateFailed(waiting, 'member(s) %s of the rolling '
                                  'update not healthy within %ss' % (
                                      ', '.join(waiting),
                                      eng._num(round(timeout, 1))))
            if self._stopping():
                return  # the loop stops before the next batch
            self._wait(step)
            self._renew()

    def _evidence(self, group_id, names):
        try:
            g = db_api.scaling_group_get(self.context, group_id, None)
        except exception.EntityNotFound:
            return ''
        failing = (g.health or {}).get('failing') or {}
        found = ['%s: %s' % (n, failing[n]) for n in names if n in failing]
        return ' (%s)' % '; '.join(found) if found else ''

    def _gate_failed(self, g, exc):
        """The rolling update stops at a batch that failed its health
        gate: rolled back (the health check's ``rollback``, once) or the
        group FAILED. True when a rollback was started (converge on)."""
        g = db_api.scaling_group_get(self.context, g.id, None)
        check = health_lib.parse(g.health_check)
        roll = dict(g.rolling_update or {})
        prev = roll.get('from_generation')
        defs = dict(g.definitions or {})
        reason = 'rolling update to generation %s stopped: %s' % (
            g.rolling_generation, exc.reason)
        LOG.warning('Group %s: %s', g.id, reason)
        if check is None or not check.rollback or 'rollback_of' in roll \
                or prev is None or str(prev) not in defs:
            self._fail(g, _MemberFailed(exc.names[0], reason))
            return False
        gen = g.generation + 1
        defs[str(gen)] = defs[str(prev)]
        roll.update(updated=0, rollback_of=g.rolling_generation,
                    from_generation=g.rolling_generation)
        note = '%s; rolling back to the definition of generation %s' % (
            reason, prev)
        with db_api.writer(self.context):
            self._activities({'status': eng.A_FAILED, 'error': reason,
                              'finished_at': db_api.utcnow()},
                             (eng.ACCEPTED, eng.IN_PROGRESS))
            self._update_group({
                'definitions': defs, 'generation': gen,
                'rolling_generation': gen, 'rolling_update': roll,
                'version': models.ScalingGroup.version + 1,
                'status': eng.CONVERGING, 'status_reason': note})
            db_api.scaling_activity_create(self.context, {
                'group_id': g.id, 'project': g.project,
                'trigger': 'rollback',
                'from_capacity': g.desired_capacity,
                'to_capacity': g.desired_capacity,
                'status': eng.IN_PROGRESS, 'reason': note,
                'decision': {'accepted': True, 'reason': note,
                             'members': exc.names,
                             'rolled_back_generation': g.rolling_generation,
                             'to_definition_of': prev},
                'engine_id': self.engine_id, 'fence': self.fence})
        return True

    # -- endings -----------------------------------------------------------

    def _fail(self, g, exc):
        reason = exc.reason
        # the member stack's update ends first (as on success): once the
        # group reads FAILED, the stack is UPDATE_FAILED too
        self._end_stack_update(g, S_FAILED, reason)
        self._update_group({'status': eng.FAILED, 'status_reason': reason,
                            'converged_version': g.version})
        self._activities({'status': eng.A_FAILED, 'error': reason,
                          'finished_at': db_api.utcnow()},
                         (eng.ACCEPTED, eng.IN_PROGRESS))
        notify.notify(self.context, 'orchestration.autoscaling.error', {
            'group_id': g.id, 'group_name': g.name, 'member': exc.name,
            'message': reason, 'stack_id': g.stack_id,
            'resource_name': g.resource_name}, level='ERROR')
        self._release()
        return FAILED

    def _take_back(self, version):
        """After giving the lease up on a failure: a decision committed
        while we held it (past ``version``) cast no converge
        (``AutoScalingEngine._after_decision`` leaves it to the lease
        holder), so take the lease back and go on with it; True if so
        (False: no newer decision, or another engine has the lease)."""
        try:
            again = db_api.scaling_group_get(self.context, self.group_id,
                                             None)
        except exception.EntityNotFound:
            return False
        if again.version == version or not self._acquire():
            return False
        # as the newer decision would have set had it come after the
        # failure: a new decision resets a FAILED group (and only a
        # FAILED one: a delete may have come meanwhile)
        with db_api.writer(self.context):
            g = db_api.scaling_group_get(self.context, self.group_id, None,
                                         for_update=True)
            if g.status == eng.FAILED:
                self._update_group({'status': eng.CONVERGING})
        self._fresh = None  # read again: the status may have changed
        return True

    def _finish_delete(self, g):
        # Fence-checked one last time: nobody else may be deleting.
        self._update_group({'status_reason': 'deleting'})
        # the member stack ends DELETE_COMPLETE, as a deleted nested stack
        if self._start_stack_delete(g):
            self._stack_state(g, S_COMPLETE,
                              'Stack DELETE completed successfully',
                              action=S_DELETE)
        row = db_api.stack_get(self.context, g.id, g.project)
        if row is not None:
            creds = row.user_creds_id if not row.owner_id else None
            if creds:
                try:
                    db_api.stack_update(self.context, g.id, g.project,
                                        {'user_creds_id': None})
                    db_api.user_creds_delete(self.context, creds)
                except Exception:  # noqa: BLE001 - purge removes it later
                    LOG.debug('credentials of %s left', g.id)
            db_api.stack_delete(self.context, g.id, g.project)
        db_api.scaling_group_delete(self.context, g.id)
        notify.notify(self.context, 'orchestration.autoscaling.end', {
            'group_id': g.id, 'group_name': g.name, 'capacity': 0,
            'stack_id': g.stack_id, 'resource_name': g.resource_name,
            'message': 'deleted'})
        return DELETED


_local_lock = threading.Lock()
_local = {}
#: convergers of this process that may wait out a coalescing window at
#: once (:meth:`Converger._coalesce`): each holds an RPC worker thread
MAX_COALESCING = 16
_coalescing = threading.BoundedSemaphore(MAX_COALESCING)


#: ``{owner stack id: (raw_template_id, whether a resource of that
#: template may need a refresh)}``: a stored raw template never changes
#: (an update stores a new one), and a resource's class follows from the
#: template, its environment and files, so one look per template
_OWNER_REFRESH = {}
_OWNER_REFRESH_MAX = 10000
_owner_lock = threading.Lock()


def _needs_refresh(res):
    """Whether ``res``'s class re-resolves its metadata (overrides
    ``Resource.metadata_update``, a no-op: provider-template resources,
    ``TemplateResource``)."""
    from heat.engine import resource as resource_mod
    refresh = getattr(type(res), 'metadata_update', None)
    return callable(refresh) and \
        refresh is not resource_mod.Resource.metadata_update


def _refresh_owner_metadata(context, g):
    """After members changed, re-resolve the metadata of the owning
    stack's other resources (it may name the group's attributes, e.g.
    ``InstanceList``), as upstream does after a signal that scaled.

    Only resources whose class re-resolves metadata do anything
    (:func:`_needs_refresh`); an owner stack with none of them (known
    per stored template, :data:`_OWNER_REFRESH`) costs one one-column
    read, not the load of the whole stack."""
    if not g.stack_id:
        return
    try:
        tmpl_id = db_api.stack_raw_template_id(context, g.stack_id)
    except Exception:  # noqa: BLE001 - the stack may be going away
        LOG.debug('Group %s: owner stack %s not readable', g.id,
                  g.stack_id)
        return
    if tmpl_id is None:
        return
    with _owner_lock:
        known = _OWNER_REFRESH.get(g.stack_id)
    if known is not None and known[0] == tmpl_id and not known[1]:
        return
    from heat.engine import stack as stack_mod
    try:
        owner = stack_mod.Stack.load(context, g.stack_id)
        resources = list(owner.resources.values())
    except Exception:  # noqa: BLE001 - the stack may be going away
        LOG.debug('Group %s: owner stack %s not loadable', g.id,
                  g.stack_id)
        return
    loaded_id = getattr(owner.t, 'id', None)
    if loaded_id is not None:
        needed = any(_needs_refresh(res) for res in resources
                     if res.name != g.resource_name)
        with _owner_lock:
            if len(_OWNER_REFRESH) >= _OWNER_REFRESH_MAX:
                _OWNER_REFRESH.clear()
            _OWNER_REFRESH[g.stack_id] = (loaded_id, needed)
    for res in resources:
        if res.name == g.resource_name or res.action == 'INIT' or \
                res.id is None or not _needs_refresh(res):
            continue
        try:
            res.metadata_update()
        except Exception:  # noqa: BLE001 - one bad resource only
            LOG.exception('Metadata refresh of %s failed', res.name)


#: activities started by a scaling trigger (they send ``.start`` when
#: accepted; their convergence sends ``.end``)
SCALING_TRIGGERS = frozenset(['signal', 'alarm_url', 'webhook', 'rpc',
                              'resize'])


def _group_lock(group_id):
    with _local_lock:
        return _local.setdefault(group_id, threading.Lock())


def converge(context, group_id, engine_id, stop_event=None):
    """Converge one group (see the module docstring); returns what
    happened: ``converged``, ``busy`` (another converger holds the
    lease, or runs for this group in this process), ``lease_lost``,
    ``failed``, ``stopped``, ``deleted`` or ``gone``.

    One converger per group per process (the lease alone would let a
    second one of the same engine take over a running one); a cast that
    finds one running returns ``busy``, and the running one re-reads
    the group once it let go, so no decision is left unconverged.
    """
    while True:
        lock = _group_lock(group_id)
        if not lock.acquire(blocking=False):
            return BUSY
        try:
            result = Converger(context, group_id, engine_id,
                               stop_event).run()
        finally:
            lock.release()
        if result != CONVERGED:
            return result
        progress = db_api.scaling_group_progress(None, group_id)
        if progress is None:
            return result
        version, converged_version, status = progress
        if converged_version >= version or status == eng.FAILED:
            return result


def expire_lease_for_tests(group_id):
    """Make a group's lease look expired (tests of takeovers)."""
    db_api.scaling_group_update(None, group_id, {
        'lease_expires_at': db_api.utcnow() - datetime.timedelta(
            seconds=1)})
