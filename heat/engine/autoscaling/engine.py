"""Decisions, and the groups, policies and webhooks they are made on.

:class:`AutoScalingEngine` is the write side of the AS RPCs. Every
trigger (a policy execution, a resize, a webhook) is one database
transaction, **the decision transaction**: the group row locked
(``FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` serialises writers), the
idempotency receipt checked (a repeat returns the stored decision and
changes nothing), the library's decision made from the group's state,
and the new desired capacity, cooldown end, ``version``, status, the
activity (ACCEPTED or REJECTED, with the decision and its reason) and
the receipt written. After commit an accepted decision casts
``converge_scaling_group`` and sends ``orchestration.autoscaling.start``.

Group changes (create, update, delete, suspend, resume, member removal,
unhealthy members) bump ``version`` the same way and cast a converge.
"""

import dataclasses
import datetime
import hashlib
import logging
import secrets
import threading
import time
import uuid

import sqlalchemy as sa
from oslo_db import exception as db_exc

from heat.common import context as context_mod
from heat.common import exception, notify, short_id
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import client as as_client
from heat.engine.autoscaling import members as members_mod
from heat.engine.autoscaling import metrics as metrics_mod
from heat.engine.autoscaling import schedule as schedule_mod
from heat.scaling import capacity as cap
from heat.scaling import decision as dec
from heat.scaling import health as health_lib
from heat.scaling import lifecycle, scheduled, simple
from heat.scaling import state as state_mod

LOG = logging.getLogger(__name__)

GROUP = 'Scaling group'
POLICY = 'Scaling policy'
WEBHOOK = 'Webhook'

# group statuses
INIT, CONVERGING, ACTIVE, FAILED, DELETING = (
    'INIT', 'CONVERGING', 'ACTIVE', 'FAILED', 'DELETING')
# member statuses
PENDING, M_ACTIVE, M_FAILED, REMOVING, UPDATING = (
    'PENDING', 'ACTIVE', 'FAILED', 'REMOVING', 'UPDATING')
# waits of lifecycle hooks (heat.scaling.lifecycle)
PENDING_WAIT = lifecycle.WAIT_STATUS[lifecycle.LAUNCH]
TERMINATING_WAIT = lifecycle.WAIT_STATUS[lifecycle.TERMINATE]
WAIT_STATUSES = (PENDING_WAIT, TERMINATING_WAIT)
#: members that count toward the capacity (a member waiting on a launch
#: hook does; one waiting on a terminate hook was scaled in already)
LIVE_STATUSES = (PENDING, M_ACTIVE, UPDATING, PENDING_WAIT)
# activity statuses
REJECTED, ACCEPTED, IN_PROGRESS, COMPLETE, A_FAILED = (
    'REJECTED', 'ACCEPTED', 'IN_PROGRESS', 'COMPLETE', 'FAILED')
#: a scheduled occurrence that was not applied (too late, or superseded)
MISSED = 'MISSED'
#: what a shadow metric policy would have done (the group is untouched)
SHADOW_STATUS = 'SHADOW'
# a group's health (``health['status']``, heat.engine.autoscaling.health)
HEALTHY_STATE, DEGRADED_STATE, GUARDED_STATE, LIMITED_STATE = (
    'HEALTHY', 'DEGRADED', 'GUARDED', 'LIMITED')

DEADLOCK_RETRIES = 5

MIN_MAX_MSG = 'MinSize can not be greater than MaxSize'
DESIRED_MSG = 'DesiredCapacity must be between MinSize and MaxSize'

#: the clock (tests may replace it)
clock = time.time


def iso(dt):
    if dt is None:
        return None
    if isinstance(dt, (int, float)):
        return dec.iso(dt)
    return dt.strftime('%Y-%m-%dT%H:%M:%SZ')


#: POSIX seconds of a database time (the converger's member records)
posix = schedule_mod.posix


def token_hash(token):
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def group_context(cnxt, project):
    """A context acting in ``project`` (the group's), keeping the
    caller's identity."""
    values = {}
    to_dict = getattr(cnxt, 'to_dict', None)
    if callable(to_dict):
        values = dict(to_dict())
    values.pop('tenant_id', None)
    values.pop('tenant', None)
    values['project_id'] = project
    values['is_admin'] = True
    return context_mod.RequestContext.from_dict(values)


def _policy_obj(row):
    return simple.SimplePolicy(
        adjustment_type=row.adjustment_type,
        scaling_adjustment=row.scaling_adjustment,
        min_adjustment_step=row.min_adjustment_step,
        cooldown=row.cooldown, name=row.name)


def _group_state(g, honor_cooldown=True):
    return state_mod.GroupState(
        capacity=g.desired_capacity, min_size=g.min_size,
        max_size=g.max_size, cooldown=g.cooldown or 0,
        cooldown_end=g.cooldown_end if honor_cooldown else None,
        scale_up_cooldown_end=(g.scale_up_cooldown_end if honor_cooldown
                               else None),
        scale_down_cooldown_end=(g.scale_down_cooldown_end
                                 if honor_cooldown else None),
        in_progress=honor_cooldown and g.status == CONVERGING,
        suspended=bool(g.suspended))


def _resource_limit():
    """``[DEFAULT] max_resources_per_stack``, or None when unlimited."""
    from heat.common import config
    limit = config.CONF.max_resources_per_stack
    return None if limit is None or limit < 0 else limit


def _resource_budget(cnxt, group_id, may_grow=True):
    """What the resource limit sees of the group (``(others,
    per_member)``, :func:`heat.db.api.scaling_member_resource_budget`),
    read *before* the decision transaction, so that its counts do not
    run under the group's row lock; None when the limit is off or the
    trigger cannot scale out (``may_grow`` False). The counts move only
    with the stack tree's other resources and the member definition,
    not with the decisions themselves."""
    if not may_grow or _resource_limit() is None:
        return None
    return db_api.scaling_member_resource_budget(cnxt, group_id)


def _within_resource_limit(cnxt, g, decision, budget=None):
    """A scale-out kept within ``[DEFAULT] max_resources_per_stack``
    over the group's stack tree (upstream refuses a nested stack update
    past it; here the decision says so, as it says at_max). ``budget``:
    from :func:`_resource_budget`, read before the transaction; read
    here (under the lock) only when a trigger that was not expected to
    scale out did."""
    if not decision.accepted or decision.desired <= decision.current:
        return decision
    limit = _resource_limit()
    if limit is None:
        return decision
    others, per_member = budget or db_api.scaling_member_resource_budget(
        cnxt, g.id)
    allowed = max((limit - others) // per_member, 0)
    if decision.desired <= allowed:
        return decision
    return dec.capped(decision, allowed, (
        'max_resources_per_stack is %d: the stack tree holds %d other '
        'resources and a member counts %d, so at most %d members fit'
        % (limit, others, per_member, allowed)))


def _refuse_adjustment(why, adjustment_type, scaling_adjustment,
                       min_adjustment_step, cooldown):
    """Invalid naming the first adjustment field given to a policy kind
    that has none (scheduled, the metric kinds)."""
    for field, value in (('adjustment_type', adjustment_type),
                         ('scaling_adjustment', scaling_adjustment),
                         ('min_adjustment_step', min_adjustment_step),
                         ('cooldown', cooldown)):
        if value is not None:
            raise exception.Invalid(reason='%s %r: %s' % (field, value, why))


def _lease_live(g):
    """Whether a converger holds the group's lease, unexpired."""
    return bool(g.lease_engine_id and g.lease_expires_at is not None and
                g.lease_expires_at > db_api.utcnow())


def _check_sizes(min_size, max_size, desired):
    for name, value in (('MinSize', min_size), ('MaxSize', max_size),
                        ('DesiredCapacity', desired)):
        if value is not None and (not isinstance(value, int) or
                                  isinstance(value, bool) or value < 0):
            raise exception.Invalid(
                reason='%s %r must be a whole number >= 0' % (name, value))
    if min_size > max_size:
        raise exception.Invalid(reason=MIN_MAX_MSG)
    if desired is not None and not min_size <= desired <= max_size:
        raise exception.Invalid(reason=DESIRED_MSG)


#: member statuses counted as "being created or removed"
PENDING_STATUSES = (PENDING, REMOVING)


def check_owner(g, refuse_stack_owned):
    """The Auto-Scaling API's callers (``refuse_stack_owned``) may not
    change what a template owns: the stack's next update would undo it."""
    if refuse_stack_owned and g.stack_id:
        raise exception.ScalingGroupOwnedByStack(
            group=g.id, stack_id=g.stack_id,
            resource_name=g.resource_name)


def check_version(g, expected_version):
    """``If-Match``: called with the group row locked in the writing
    transaction, so of two callers with the same version exactly one
    gets past it (the other sees the version the first wrote)."""
    if expected_version is not None and g.version != expected_version:
        raise exception.ScalingGroupVersionMismatch(
            group=g.id, version=g.version, expected=expected_version)


def _check_members_can(g, stk, suspended):
    """Raise ScalingGroupBusy naming the members that would refuse to be
    suspended (``suspended``) or resumed (the states
    :meth:`heat.engine.resource.Resource.suspend` and ``resume`` take)."""
    bad = []
    for name, res in sorted(stk.resources.items()):
        state = (res.action, res.status)
        if suspended:
            ok = res.action != res.DELETE and (
                res.action == res.SUSPEND or res.status == res.COMPLETE)
        else:
            ok = state in ((res.SUSPEND, res.COMPLETE),
                           (res.RESUME, res.FAILED),
                           (res.RESUME, res.COMPLETE))
        if not ok:
            bad.append('%s (%s_%s)' % (name, res.action, res.status))
    if bad:
        raise exception.ScalingGroupBusy(group=g.id, state=(
            'not %s: member %s cannot be (converge the group or remove '
            'the member first)' % ('suspendable' if suspended else
                                   'resumable', ', '.join(bad))))


def group_dict(cnxt, g, with_members=False, counts=None):
    """The group as the RPCs return it; ``counts``: its ``{member status:
    number}`` when the caller read them already (a listing)."""
    rows = db_api.scaling_member_get_all(cnxt, g.id) if with_members \
        else None
    if rows is None:
        if counts is None:
            counts = db_api.scaling_member_count_by_status(cnxt, g.id)
    else:
        counts = {}
        for m in rows:
            counts[m.status] = counts.get(m.status, 0) + 1
    member_count = sum(counts.values())
    current = sum(counts.get(s, 0) for s in LIVE_STATUSES)
    pending = sum(counts.get(s, 0) for s in PENDING_STATUSES)
    lease_live = _lease_live(g)
    out = {
        'id': g.id, 'name': g.name, 'project': g.project,
        'stack_id': g.stack_id, 'resource_name': g.resource_name,
        'min_size': g.min_size, 'max_size': g.max_size,
        'desired_capacity': g.desired_capacity, 'current_size': current,
        'member_count': member_count, 'cooldown': g.cooldown,
        'cooldown_end': iso(g.cooldown_end), 'status': g.status,
        'status_reason': g.status_reason or '',
        'converged': (g.converged_version >= g.version and
                      g.status == ACTIVE),
        'suspended': bool(g.suspended), 'generation': g.generation,
        'removal_policy': g.removal_policy,
        'rolling_update': g.rolling_update,
        'created_at': iso(g.created_at), 'updated_at': iso(g.updated_at),
        'version': g.version, 'pending_size': pending,
        'lease_holder': g.lease_engine_id if lease_live else None,
        'lease_expires_at': iso(g.lease_expires_at) if lease_live else None,
        'resource': (g.definitions or {}).get(str(g.generation)),
        'health_check': g.health_check,
        'health': g.health if g.health_check else None,
        'lifecycle_hooks': g.lifecycle_hooks or [],
        'evaluation_interval': g.evaluation_interval,
        'last_evaluation': g.last_evaluation,
    }
    if rows is not None:
        ordered = sorted(rows, key=lambda m: (m.status != M_FAILED,
                                              m.created_at, m.name))
        out['members'] = [{'name': m.name, 'status': m.status,
                           'generation': m.generation,
                           'created_at': iso(m.created_at)}
                          for m in ordered]
    return out


def _num(n):
    return '%d' % n if float(n).is_integer() else '%s' % n


def normalize_hooks(data):
    """The stored form of a group's lifecycle hooks (None: none);
    Invalid naming the offending entry."""
    try:
        return lifecycle.normalize(data)
    except lifecycle.InvalidHook as exc:
        raise exception.Invalid(reason=str(exc)) from None


def lifecycle_dict(m):
    """A member's lifecycle wait as shown (None when it waits for
    nothing)."""
    if m.status not in WAIT_STATUSES or not m.lifecycle:
        return None
    out = {k: m.lifecycle.get(k) for k in ('hook', 'transition',
                                          'started_at', 'default_result')}
    out['deadline'] = iso(m.hook_deadline)
    return out


#: the path of lifecycle completion URLs under the public heat-api URL
LIFECYCLE_PATH = '/autoscaling/v1/lifecycle/'

_notify_pool = None
_notify_lock = threading.Lock()


def begin_wait(hook, now=None):
    """``(token, member values)`` of a member beginning to wait on
    ``hook`` (a :class:`heat.scaling.lifecycle.Hook`): its status, the
    wait, its deadline, its completion token's sha256."""
    now = now or db_api.utcnow()
    token = secrets.token_urlsafe(32)
    wait = {'hook': hook.name, 'transition': hook.transition,
            'started_at': iso(now),
            'heartbeat_timeout': hook.heartbeat_timeout,
            'default_result': hook.default_result}
    return token, {
        'status': lifecycle.WAIT_STATUS[hook.transition], 'lifecycle': wait,
        'hook_deadline': now + datetime.timedelta(
            seconds=hook.heartbeat_timeout),
        'hook_token_hash': token_hash(token)}


def completion_url(token):
    from heat.common import signing
    return signing.public_base_url() + LIFECYCLE_PATH + token


def notify_hook(g, hook, waits):
    """POST, in the background, one notification per member beginning
    a wait on ``hook`` (``waits``: ``{member name: token}``) to the hook's
    ``notify_url``: the group, the member, the hook and the completion
    URL (POST ``{"result": "CONTINUE"}`` or ``{"heartbeat": true}`` to
    it). A failed notification is logged; the wait goes on (its timeout
    applies the default result)."""
    global _notify_pool
    if not hook.notify_url or not waits:
        return
    with _notify_lock:
        if _notify_pool is None:
            import concurrent.futures
            _notify_pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=4, thread_name_prefix='as-lifecycle-notify')
    for name, token in waits.items():
        body = {'group_id': g.id, 'group_name': g.name,
                'project': g.project, 'member': name,
                'hook': hook.name, 'transition': hook.transition,
                'status': lifecycle.WAIT_STATUS[hook.transition],
                'heartbeat_timeout': hook.heartbeat_timeout,
                'default_result': hook.default_result,
                'metadata': hook.metadata,
                'completion_url': completion_url(token)}
        _notify_pool.submit(_post, hook.notify_url, body, g.id, name)


def _post(url, body, group_id, name):
    import json

    import urllib3
    try:
        resp = urllib3.request(
            'POST', url, body=json.dumps(body).encode(),
            headers={'Content-Type': 'application/json'},
            timeout=urllib3.Timeout(total=10), retries=False,
            redirect=False)
        if resp.status >= 400:
            LOG.warning('Group %s: lifecycle notification of member %s to '
                        '%s answered %d', group_id, name, url, resp.status)
    except Exception as exc:  # noqa: BLE001 - the wait goes on
        LOG.warning('Group %s: lifecycle notification of member %s to %s '
                    'failed: %s', group_id, name, url, exc)


def normalize_health_check(data):
    """The stored form of a group's health check (None: none); Invalid
    naming the offending key."""
    try:
        return health_lib.normalize(data)
    except health_lib.InvalidHealthCheck as exc:
        raise exception.Invalid(reason=str(exc)) from None


def member_dict(m, resource=None):
    """A member as the Auto-Scaling API shows it; ``resource``: its row
    in the member stack, if any."""
    return {'name': m.name, 'generation': m.generation,
            'status': m.status,
            # the health monitor's verdict; a member not judged (no
            # health check, in its grace period) has no evidence against
            'health': ('UNHEALTHY' if m.status == M_FAILED else
                       m.health or 'HEALTHY'),
            'protected': bool(m.protected),
            'lifecycle': lifecycle_dict(m),
            'physical_resource_id': (resource.nova_instance
                                     if resource is not None else None),
            'created_at': iso(m.created_at)}


def policy_dict(p):
    out = {'id': p.id, 'name': p.name, 'group_id': p.group_id,
           'project': p.project, 'stack_id': p.stack_id,
           'resource_name': p.resource_name, 'kind': p.kind,
           'adjustment_type': p.adjustment_type,
           'scaling_adjustment': p.scaling_adjustment,
           'min_adjustment_step': p.min_adjustment_step,
           'cooldown': p.cooldown, 'params': p.params,
           'schedule': None, 'next_run_at': None,
           'created_at': iso(p.created_at),
           'updated_at': iso(p.updated_at)}
    if p.kind == schedule_mod.KIND:
        # a scheduled policy has no adjustment (the columns hold fillers)
        out.update(adjustment_type=None, scaling_adjustment=None,
                   schedule=schedule_mod.schedule_of(p.params),
                   next_run_at=schedule_mod.iso_utc(
                       schedule_mod.next_run(p)))
    elif p.kind in metrics_mod.KINDS:
        # a metric policy's settings are all in params
        out.update(adjustment_type=None, scaling_adjustment=None)
    return out


def webhook_dict(w):
    return {'id': w.id, 'policy_id': w.policy_id, 'project': w.project,
            'name': w.name, 'enabled': bool(w.enabled),
            'created_at': iso(w.created_at)}


def activity_dict(a):
    return {'id': a.id, 'group_id': a.group_id, 'policy_id': a.policy_id,
            'trigger': a.trigger, 'idempotency_key': a.idempotency_key,
            'decision': a.decision, 'from_capacity': a.from_capacity,
            'to_capacity': a.to_capacity, 'status': a.status,
            'reason': a.reason, 'error': a.error,
            'engine_id': a.engine_id, 'fence': a.fence,
            'started_at': iso(a.started_at),
            'finished_at': iso(a.finished_at)}


def _decision_result(decision, activity_id, group_id, policy_id,
                     repeated=False):
    out = dict(decision)
    out.update(activity_id=activity_id, group_id=group_id,
               policy_id=policy_id, repeated=repeated)
    return out


def _stack_identity_id(stack_identity):
    if stack_identity is None:
        return None
    if isinstance(stack_identity, dict):
        return stack_identity.get('stack_id')
    return getattr(stack_identity, 'stack_id', None) or str(stack_identity)


def _policy_event(p, trigger):
    """What :meth:`AutoScalingEngine._decide` needs to leave the SIGNAL
    event of a trigger other than the signal API (a webhook, the RPC) on
    the policy's resource, when a stack owns the policy (every trigger
    shows in the stack's events): ``(stack id, resource name,
    trigger)``, or None. A signal's event is written by the policy
    resource itself, and so is a scheduled occurrence's absence of one.

    The event is one ``INSERT ... SELECT`` inside the decision
    transaction: stored with the decision or not at all, at the cost of
    one statement (it was a read and a write transaction of their own,
    the write queued behind the converger's)."""
    if trigger in ('signal', 'schedule') or not (
            p.stack_id and p.resource_name):
        return None
    return (p.stack_id, p.resource_name, trigger)


def _event_of(p, trigger, signal_event):
    """The event a decision writes in its transaction: the SIGNAL
    event of the policy resource signalled (``signal_event``, from
    :func:`heat.engine.resources.openstack.autoscaling.scaling_policy.
    fast_signal`), else :func:`_policy_event`'s."""
    if signal_event is not None:
        return SignalEvent(signal_event)
    return _policy_event(p, trigger)


class SignalEvent(dict):
    """The SIGNAL event a scaling policy resource leaves for a signal
    (its columns but the reason, which is the decision's), written in
    the decision transaction: the decision is stored with its event or
    not at all, in one write transaction instead of two."""

    def store(self, cnxt, result):
        from heat.engine import event
        # the columns Event.store writes, in one Core INSERT
        db_api.event_insert(cnxt, event.Event(
            cnxt, event.StackRef(self['stack_id']), 'SIGNAL',
            self.get('resource_status'), as_client.decision_reason(result),
            self.get('physical_resource_id'), self.get('resource_name'),
            self.get('resource_type'), uuid=db_api.new_uuid(),
            rsrc_prop_data_id=self.get('rsrc_prop_data_id')).values())


def _record_event(cnxt, event, result):
    if event is None:
        return
    if isinstance(event, SignalEvent):
        event.store(cnxt, result)
        return
    stack_id, resource_name, trigger = event
    db_api.resource_event_insert(
        cnxt, stack_id, resource_name, 'SIGNAL', '%s (%s)' % (
            as_client.decision_reason(result), trigger))


@dataclasses.dataclass(frozen=True)
class PolicyRef:
    """What a trigger needs of a policy *before* its decision
    transaction: the columns no update changes (id, group, project,
    kind, owning stack resource). The adjustment itself is read with
    the group inside the transaction."""

    id: str
    group_id: str
    project: str
    kind: str
    stack_id: str | None
    resource_name: str | None
    #: a hint only (the adjustment may change): whether a trigger may
    #: scale out, so that the resource budget is read before the
    #: transaction (a wrong hint costs that read under the lock)
    grows: bool = True

    @classmethod
    def of(cls, row):
        grows = (row.adjustment_type == cap.EXACT_CAPACITY or
                 row.scaling_adjustment is None or
                 row.scaling_adjustment > 0)
        return cls(row.id, row.group_id, row.project, row.kind or 'simple',
                   row.stack_id, row.resource_name, grows)


class PolicyRefs:
    """:class:`PolicyRef` by policy id, remembered from the policy rows
    this engine read: a trigger naming a policy by id then needs no read
    of its own before the decision transaction (which finds a deleted
    policy gone, and forgets it). Bounded: cleared when full."""

    MAX = 4096

    def __init__(self):
        self._refs = {}

    def get(self, policy_id, project):
        ref = self._refs.get(policy_id)
        if ref is None or ref.project != project:
            return None
        return ref

    def remember(self, row):
        ref = PolicyRef.of(row)
        if len(self._refs) >= self.MAX:
            self._refs.clear()
        self._refs[ref.id] = ref
        return ref

    def forget(self, policy_id):
        self._refs.pop(policy_id, None)


class AutoScalingEngine:
    """Decisions and group/policy/webhook changes of one engine."""

    def __init__(self, engine_id):
        self.engine_id = engine_id
        self.policy_refs = PolicyRefs()

    # -- casting -------------------------------------------------------

    def cast_converge(self, cnxt, group_id):
        try:
            as_client.get().converge_scaling_group(cnxt, group_id)
        except Exception:  # noqa: BLE001 - the sweep resumes it
            LOG.exception('Could not cast converge of group %s', group_id)

    # -- groups ----------------------------------------------------------

    def create_group(self, cnxt, project, name, min_size, max_size,
                     member_definition, desired_capacity=None,
                     cooldown=None, template_format='hot',
                     removal_policy='default', rolling_update=None,
                     stack_identity=None, resource_name=None,
                     environment=None, files=None, group_id=None,
                     health_check=None, lifecycle_hooks=None):
        from oslo_config import cfg
        _check_sizes(min_size, max_size, desired_capacity)
        health_check = normalize_health_check(health_check)
        lifecycle_hooks = normalize_hooks(lifecycle_hooks)
        if not isinstance(member_definition, dict) or not (
                member_definition.get('type') or
                member_definition.get('Type')):
            raise exception.Invalid(
                reason='member_definition must be a resource snippet with '
                       'a type')
        if template_format not in ('hot', 'cfn'):
            raise exception.Invalid(
                reason='template_format %r: allowed values are hot, cfn'
                       % (template_format,))
        group_id = group_id or str(uuid.uuid4())
        owner_id = _stack_identity_id(stack_identity)
        if owner_id is None:
            # a template's group was validated with its stack; one made
            # through the API is validated here, before anything is
            # written (an unknown type would make members that do
            # nothing)
            members_mod.validate_definition(
                cnxt, project, member_definition, template_format,
                environment, files)
        depth, timeout = 0, None
        if owner_id is not None:
            owner = db_api.stack_get(cnxt, owner_id, project)
            if owner is None:
                raise exception.StackNotFound(owner_id)
            limit = cfg.CONF.max_nested_stack_depth
            if (owner.nested_depth or 0) >= limit:
                raise exception.RequestLimitExceeded(
                    message='Recursion depth exceeds %d. A nested stack '
                            'would be at depth %d, max_nested_stack_depth '
                            'is %d.' % (limit, (owner.nested_depth or 0) + 1,
                                        limit))
            depth = (owner.nested_depth or 0) + 1
            timeout = owner.timeout
            stack_name = '%s-%s-%s' % (owner.name, resource_name or name,
                                       short_id.get_id(group_id))
        else:
            stack_name = '%s-%s' % (name, short_id.get_id(group_id))
        desired = (desired_capacity if desired_capacity is not None
                   else min_size)
        # As upstream, a group cools down from its creation: a trigger
        # right after create is rejected during the group's cooldown.
        cooldown_end = None
        if cooldown and cooldown > 0:
            cooldown_end = clock() + float(cooldown)
        cnxt = group_context(cnxt, project)
        with db_api.writer(cnxt):
            members_mod.create_member_stack(
                cnxt, stack_id=group_id, name=stack_name, project=project,
                template_format=template_format, environment=environment,
                files=files, owner_id=owner_id, nested_depth=depth,
                parent_resource_name=resource_name if owner_id else None,
                timeout_mins=timeout)
            g = db_api.scaling_group_create(cnxt, {
                'id': group_id, 'project': project, 'name': name,
                'stack_id': owner_id, 'resource_name': resource_name,
                'template_format': template_format,
                'min_size': min_size, 'max_size': max_size,
                'desired_capacity': desired, 'cooldown': cooldown,
                'cooldown_end': cooldown_end,
                'definitions': {'0': member_definition}, 'generation': 0,
                'rolling_update': rolling_update,
                'removal_policy': removal_policy or 'default',
                'health_check': health_check,
                'lifecycle_hooks': lifecycle_hooks,
                'suspended': False, 'status': INIT, 'status_reason': '',
                'version': 1, 'converged_version': 0, 'fence': 0})
            db_api.scaling_activity_create(cnxt, {
                'group_id': group_id, 'project': project,
                'trigger': 'create', 'from_capacity': 0,
                'to_capacity': desired, 'status': ACCEPTED,
                'reason': 'group created with desired capacity %d'
                          % desired,
                'engine_id': self.engine_id})
        self.cast_converge(cnxt, group_id)
        return g

    def update_group(self, cnxt, g, min_size=None, max_size=None,
                     desired_capacity=None, cooldown=None,
                     member_definition=None, rolling_update=None,
                     replace_members=None, removal_policy=None,
                     environment=None, files=None, expected_version=None,
                     refuse_stack_owned=False, name=None,
                     health_check=None, lifecycle_hooks=None):
        if health_check is not None:
            # {} removes the check (None: unchanged)
            health_check = normalize_health_check(health_check) or {}
        if lifecycle_hooks is not None:
            # [] removes them (None: unchanged); waits begun go on
            lifecycle_hooks = normalize_hooks(lifecycle_hooks) or []
        if g.stack_id is None and (member_definition is not None or
                                   environment is not None or
                                   files is not None):
            # as at create: before anything is written
            members_mod.validate_group_update(cnxt, g, member_definition,
                                              environment, files)
        with db_api.writer(cnxt):
            g = db_api.scaling_group_get(cnxt, g.id, g.project,
                                         for_update=True)
            check_owner(g, refuse_stack_owned)
            check_version(g, expected_version)
            if g.status == DELETING:
                raise exception.ScalingGroupBusy(group=g.id,
                                                 state='being deleted')
            lo = g.min_size if min_size is None else min_size
            hi = g.max_size if max_size is None else max_size
            _check_sizes(lo, hi, desired_capacity)
            values = {}
            if name is not None:
                values['name'] = name
            if min_size is not None:
                values['min_size'] = min_size
            if max_size is not None:
                values['max_size'] = max_size
            desired = old_desired = g.desired_capacity
            if desired_capacity is not None:
                desired = desired_capacity
            else:
                desired = max(lo, min(hi, desired))
            if desired != g.desired_capacity:
                values['desired_capacity'] = desired
                # upstream: a group cools down after an update resized it
                cd = g.cooldown if cooldown is None else cooldown
                if cd and cd > 0:
                    values['cooldown_end'] = max(g.cooldown_end or 0,
                                                 clock() + float(cd))
            if cooldown is not None:
                values['cooldown'] = cooldown
            if removal_policy is not None:
                values['removal_policy'] = removal_policy
            if health_check is not None and \
                    (health_check or None) != g.health_check:
                values['health_check'] = health_check or None
                # what was found under the old check no longer holds
                values['health'] = None
            if lifecycle_hooks is not None and \
                    (lifecycle_hooks or None) != g.lifecycle_hooks:
                values['lifecycle_hooks'] = lifecycle_hooks or None
            if rolling_update is not None:
                values['rolling_update'] = rolling_update
            roll = rolling_update if rolling_update is not None \
                else g.rolling_update
            current = (g.definitions or {}).get(str(g.generation))
            changed = (member_definition is not None and
                       member_definition != current)
            if changed or replace_members:
                gen = g.generation + 1
                defs = dict(g.definitions or {})
                defs[str(gen)] = (member_definition if changed
                                  else current)
                values['definitions'] = defs
                values['generation'] = gen
                if replace_members or roll:
                    values['rolling_generation'] = gen
                    progress = dict(roll or {})
                    progress['updated'] = 0
                    # what a health-gated rollback goes back to
                    progress['from_generation'] = g.generation
                    progress.pop('rollback_of', None)
                    values['rolling_update'] = progress
            if environment is not None or files is not None:
                members_mod.update_member_stack_template(
                    cnxt, g, environment, files)
            values['version'] = models.ScalingGroup.version + 1
            if g.status != FAILED or 'desired_capacity' in values or \
                    'generation' in values:
                values['status'] = CONVERGING
            g = db_api.scaling_group_update(cnxt, g.id, values)
            db_api.scaling_activity_create(cnxt, {
                'group_id': g.id, 'project': g.project, 'trigger': 'update',
                'from_capacity': old_desired, 'to_capacity': desired,
                'status': ACCEPTED, 'reason': 'group updated',
                'engine_id': self.engine_id})
        self.cast_converge(cnxt, g.id)
        return g

    def delete_group(self, cnxt, g, expected_version=None,
                     refuse_stack_owned=False):
        with db_api.writer(cnxt):
            g = db_api.scaling_group_get(cnxt, g.id, g.project,
                                         for_update=True)
            check_owner(g, refuse_stack_owned)
            check_version(g, expected_version)
            g = db_api.scaling_group_update(cnxt, g.id, {
                'status': DELETING, 'status_reason': 'deletion requested',
                'version': models.ScalingGroup.version + 1})
        self.cast_converge(cnxt, g.id)
        return g

    def request_converge(self, cnxt, g, expected_version=None):
        """Converge the group now (a FAILED group tries again): the
        status goes back to CONVERGING, then a converge is cast."""
        with db_api.writer(cnxt):
            g = db_api.scaling_group_get(cnxt, g.id, g.project,
                                         for_update=True)
            check_version(g, expected_version)
            if g.status != DELETING:
                g = db_api.scaling_group_update(cnxt, g.id, {
                    'status': CONVERGING,
                    'status_reason': 'convergence requested'})
        self.cast_converge(cnxt, g.id)
        return g

    def set_member_protected(self, cnxt, g, name, protected):
        """Scale-in protection of one member (the removal library never
        chooses a protected member, :mod:`heat.scaling.removal`)."""
        with db_api.writer(cnxt):
            db_api.scaling_member_get(cnxt, g.id, name)
            db_api.scaling_member_update(cnxt, g.id, [name],
                                         {'protected': bool(protected)})
        return db_api.scaling_member_get(cnxt, g.id, name)

    def set_suspended(self, cnxt, g, suspended, expected_version=None):
        """Suspend (or resume) scaling and the members themselves: the
        member stack is suspended or resumed as a whole, as upstream's
        nested stack is. Triggers meanwhile are rejected ``suspended``.
        The version moves (the group's ETag).

        A member the action would refuse (a failed one, one being
        created) makes it a ScalingGroupBusy (409) before anything is
        written: it was a 500 after the group row was written (found by
        fuzzing)."""
        from heat.engine import stack as stack_mod
        stk = stack_mod.Stack.load(group_context(cnxt, g.project), g.id)
        # never suspended: nothing to resume (a member's resume from
        # CREATE_COMPLETE fails: resuming a running group was a 500); a
        # suspended group whose member stack a convergence updated since
        # (UPDATE_COMPLETE) is resumed all the same
        act = suspended or g.suspended or stk.action in (stk.SUSPEND,
                                                         stk.RESUME)
        # a stale If-Match is the answer whatever the members are (the
        # locked re-check below is the one that counts)
        check_version(g, expected_version)
        if act:
            _check_members_can(g, stk, suspended)
        with db_api.writer(cnxt):
            g = db_api.scaling_group_get(cnxt, g.id, g.project,
                                         for_update=True)
            check_version(g, expected_version)
            if g.status == DELETING:
                raise exception.ScalingGroupBusy(group=g.id,
                                                 state='being deleted')
            # A new version, but nothing for the converger: a group that
            # was converged stays so (the row is locked, these are exact).
            version = g.version + 1
            values = {'suspended': bool(suspended), 'version': version}
            if g.converged_version >= g.version:
                values['converged_version'] = version
            g = db_api.scaling_group_update(cnxt, g.id, values)
        if not act:
            return g
        if suspended:
            stk.suspend()
        else:
            stk.resume()
        if (stk.action, stk.status) != (
                'SUSPEND' if suspended else 'RESUME', 'COMPLETE'):
            raise exception.ResourceFailure(stk.status_reason)
        return g

    # -- decisions -------------------------------------------------------

    def _decide(self, cnxt, group_id, project, policy_id, trigger, key,
                decide, event=None, budget=None, with_policy=False):
        """The decision transaction; ``decide(state, now) -> (Decision,
        cooldown field)`` (``with_policy``: ``decide(state, now,
        policy row)``, the policy read with the group, in the same
        statement). Returns (result dict, group row as read under the
        lock, accepted). ``event``: from :func:`_policy_event`, written
        in the transaction; ``budget``: from :func:`_resource_budget`.

        Inside the transaction only what must see the locked row: the
        group (and policy) read, the receipt, the library's decision,
        the activity, the receipt and the group written, the event.
        What can come before (the policy's identity, the resource
        budget) or after (the converge cast, the notification) does.

        Retried on a lost deadlock and, for ``[DEFAULT]
        db_retry_seconds``, on a lost connection (``db_api.RetryBudget``).
        A connection lost during COMMIT leaves it unknown whether the
        decision was stored, so the activity id is chosen once per call
        (the call's own idempotency key, with or without the trigger's):
        a retry that finds that activity returns its decision instead of
        deciding again."""
        activity_id = db_api.new_uuid()
        retries = db_api.RetryBudget(deadlocks=DEADLOCK_RETRIES,
                                     what='decision of group %s' % group_id)
        duplicates = DEADLOCK_RETRIES
        retry = False
        while True:
            try:
                with db_api.priority_writes():
                    return self._decide_once(
                        cnxt, group_id, project, policy_id, trigger, key,
                        decide, activity_id, retry, event=event,
                        budget=budget, with_policy=with_policy)
            except db_exc.DBDuplicateEntry:
                # A concurrent first use of the key won: read its result.
                if not key or duplicates == 0:
                    raise
                duplicates -= 1
            except db_exc.DBError as exc:
                if not retries.pause(exc):
                    raise
            retry = True

    def _decide_once(self, cnxt, group_id, project, policy_id, trigger,
                     key, decide, activity_id=None, retry=False, event=None,
                     budget=None, with_policy=False):
        with db_api.writer(cnxt) as session:
            if with_policy:
                g, prow = db_api.scaling_group_and_policy_for_update(
                    cnxt, group_id, project, policy_id)
            else:
                g = db_api.scaling_group_get(cnxt, group_id, project,
                                             for_update=True)
            if retry:
                act = session.get(models.ScalingActivity, activity_id)
                if act is not None:
                    # an earlier attempt of this call committed (a
                    # converger may have moved the activity on since),
                    # its event with it
                    return (_decision_result(act.decision, act.id, group_id,
                                             act.policy_id), g,
                            bool((act.decision or {}).get('accepted')))
            if key:
                receipt = db_api.scaling_receipt_get(cnxt, group_id, key)
                if receipt is not None:
                    act = session.get(models.ScalingActivity,
                                      receipt.activity_id)
                    decision = (act.decision if act is not None else {})
                    result = _decision_result(
                        decision, receipt.activity_id, group_id,
                        act.policy_id if act is not None else policy_id,
                        repeated=True)
                    _record_event(cnxt, event, result)
                    return result, g, False
            if g.status == DELETING:
                raise exception.ScalingGroupBusy(group=g.id,
                                                 state='being deleted')
            now = clock()
            decision, field = (decide(g, now, prow) if with_policy
                               else decide(g, now))
            decision = _within_resource_limit(cnxt, g, decision, budget)
            values = {}
            if decision.accepted:
                values['desired_capacity'] = decision.desired
                if field and decision.cooldown_end is not None:
                    values[field] = decision.cooldown_end
                values['version'] = models.ScalingGroup.version + 1
                values['status'] = CONVERGING
                values['status_reason'] = decision.reason
            data = decision.to_dict()
            act_id = db_api.scaling_activity_insert(cnxt, {
                'id': activity_id, 'group_id': g.id, 'project': g.project,
                'policy_id': policy_id, 'trigger': trigger,
                'idempotency_key': key, 'decision': data,
                'from_capacity': decision.current,
                'to_capacity': decision.desired,
                'status': ACCEPTED if decision.accepted else REJECTED,
                'reason': decision.reason, 'engine_id': self.engine_id})
            if key:
                db_api.scaling_receipt_create(cnxt, g.id, key, act_id)
            if values:
                # (no read back: the caller needs only what did not move)
                db_api.scaling_group_update(cnxt, g.id, values,
                                            refresh=False)
            result = _decision_result(data, act_id, g.id, policy_id)
            _record_event(cnxt, event, result)
        return result, g, decision.accepted

    def _after_decision(self, cnxt, result, g, accepted):
        if accepted and not _lease_live(g):
            # With a live lease (``g`` as the decision's transaction saw
            # it, under the row lock) the holder converges this decision:
            # it gives the lease up by writing this row, after our commit,
            # and then reads the version again (or hands it on, or the
            # sweep resumes it after a crash). A cast would only make
            # another engine try the lease and find it busy.
            self.cast_converge(cnxt, g.id)
        if accepted:
            notify.notify(cnxt, 'orchestration.autoscaling.start', {
                'group_id': g.id, 'group_name': g.name,
                'policy_id': result.get('policy_id'),
                'activity_id': result.get('activity_id'),
                'adjustment': result['desired'] - result['current'],
                'capacity': result['current'],
                'desired': result['desired'],
                'message': result['reason'], 'stack_id': g.stack_id,
                'resource_name': g.resource_name})
        return result

    def execute_policy(self, cnxt, p, idempotency_key=None, details=None,
                       trigger='rpc', signal_event=None):
        """``signal_event``: the SIGNAL event of the policy resource
        signalled (its columns but the reason), written in the decision
        transaction (:class:`SignalEvent`)."""
        if p.kind == schedule_mod.KIND:
            # by hand: the action is applied now (its schedule is
            # unchanged: the next occurrence applies it again)
            return self.apply_scheduled(cnxt, p, clock(), trigger,
                                        idempotency_key,
                                        signal_event=signal_event)
        if p.kind in metrics_mod.KINDS:
            raise exception.Invalid(
                reason='a %s policy is not executed: it is evaluated from '
                       'its metric (push samples to it, or evaluate the '
                       'group)' % p.kind)
        if p.kind not in (None, 'simple'):
            raise exception.NotSupported(
                feature='Scaling policy kind %s' % p.kind)

        def decide(g, now, row):
            # the policy as the transaction read it, with the group
            policy = _policy_obj(row)
            d = simple.decide(_group_state(g), policy, now, details)
            field = (simple.cooldown_end_field(policy, d)
                     if d.accepted else None)
            return d, field

        ref = p if isinstance(p, PolicyRef) else PolicyRef.of(p)
        budget = _resource_budget(cnxt, p.group_id, may_grow=ref.grows)
        try:
            result, g, accepted = self._decide(
                cnxt, p.group_id, p.project, p.id, trigger,
                idempotency_key, decide,
                event=_event_of(p, trigger, signal_event),
                budget=budget, with_policy=True)
        except exception.EntityNotFound:
            self.policy_refs.forget(p.id)
            if isinstance(p, PolicyRef):
                # as a read of the policy would have said it
                raise exception.EntityNotFound(entity=POLICY,
                                               name=p.id) from None
            raise
        if budget is None and accepted and \
                result['desired'] > result['current'] and \
                _resource_limit() is not None:
            # the remembered hint said it would not scale out (the policy
            # changed since): read the policy again next time
            self.policy_refs.forget(p.id)
        return self._after_decision(cnxt, result, g, accepted)

    def apply_scheduled(self, cnxt, p, occurrence, trigger, key=None,
                        note=None, signal_event=None):
        """Apply the action of scheduled policy ``p`` as of
        ``occurrence`` (POSIX seconds) in the decision transaction: the
        bounds and desired capacity it sets (bounds changes are written in
        the same transaction and recorded in the decision's ``bounds``
        input and step). ``key``: the idempotency key (the evaluator's is
        ``schedule:<policy>:<occurrence>``)."""
        action = schedule_mod.action_of(p)
        once = dataclasses.replace(action, cron=None, at=occurrence,
                                   start=None, end=None)
        what = schedule_mod.describe(action)
        when = schedule_mod.iso_utc(occurrence)

        def decide(g, now):
            state = _group_state(g, honor_cooldown=False)
            res = scheduled.decide(state, [once], occurrence - 1.0,
                                   occurrence)
            d = res.decision
            old = (g.min_size, g.max_size)
            new = (res.min_size, res.max_size)
            reason = 'scheduled policy %s (%s) occurrence %s%s: %s' % (
                p.name, what, when, ' (%s)' % note if note else '',
                action.describe())
            if d.accepted:
                reason += ' -> desired %d (was %d)' % (d.desired, d.current)
            elif d.rejection == dec.REJECT_SUSPENDED:
                reason += ' -> not applied: scaling is suspended'
            else:
                reason += ' -> desired stays %d' % d.current
            inputs = dict(d.inputs, occurrence=occurrence, schedule=what)
            steps = d.steps
            if new != old and d.rejection != dec.REJECT_SUSPENDED:
                reason += '; bounds [%d, %d] -> [%d, %d]' % (old + new)
                inputs['bounds'] = {'from': list(old), 'to': list(new)}
                steps += (dec.Step('bounds', None,
                                   'min_size %d -> %d, max_size %d -> %d'
                                   % (old[0], new[0], old[1], new[1])),)
                values = {'min_size': new[0], 'max_size': new[1]}
                if not d.accepted:
                    # the decision transaction moves the version of an
                    # accepted decision; bounds alone move it here
                    values['version'] = models.ScalingGroup.version + 1
                db_api.scaling_group_update(cnxt, g.id, values)
            return dataclasses.replace(d, reason=reason, inputs=inputs,
                                       steps=steps), None

        result, g, accepted = self._decide(
            cnxt, p.group_id, p.project, p.id, trigger, key, decide,
            event=_event_of(p, trigger, signal_event),
            budget=_resource_budget(cnxt, p.group_id))
        return self._after_decision(cnxt, result, g, accepted)

    def record_missed(self, cnxt, p, occurrence, why, key):
        """A MISSED activity for an occurrence of scheduled policy ``p``
        that is not applied, with the occurrence's receipt (``key``): an
        engine that comes to the occurrence later finds the receipt and
        neither applies nor records it again. The activity, or None when
        the key was used already."""
        action = schedule_mod.action_of(p)
        try:
            with db_api.writer(cnxt):
                g = db_api.scaling_group_get(cnxt, p.group_id, p.project,
                                             for_update=True)
                if db_api.scaling_receipt_get(cnxt, g.id, key) is not None:
                    return None
                act = db_api.scaling_activity_create(cnxt, {
                    'group_id': g.id, 'project': g.project,
                    'policy_id': p.id, 'trigger': 'schedule',
                    'idempotency_key': key,
                    'decision': {'occurrence': occurrence,
                                 'schedule': schedule_mod.describe(action)},
                    'from_capacity': g.desired_capacity,
                    'to_capacity': g.desired_capacity, 'status': MISSED,
                    'reason': 'scheduled policy %s (%s) occurrence %s '
                              'missed, not applied (%s): %s' % (
                                  p.name, schedule_mod.describe(action),
                                  schedule_mod.iso_utc(occurrence), why,
                                  action.describe()),
                    'engine_id': self.engine_id})
                db_api.scaling_receipt_create(cnxt, g.id, key, act.id)
                return act
        except db_exc.DBDuplicateEntry:
            return None  # another engine recorded it first

    def resize(self, cnxt, g, capacity=None, adjustment=None,
               adjustment_type='change_in_capacity', honor_cooldown=False,
               idempotency_key=None, min_adjustment_step=None,
               expected_version=None):
        if (capacity is None) == (adjustment is None):
            raise exception.Invalid(
                reason='give exactly one of capacity and adjustment')
        if capacity is not None:
            adjustment_type, adjustment = cap.EXACT_CAPACITY, capacity
        try:
            policy = simple.SimplePolicy(
                adjustment_type=adjustment_type,
                scaling_adjustment=adjustment,
                min_adjustment_step=min_adjustment_step,
                cooldown=None if honor_cooldown else 0, name='resize')
        except ValueError as exc:
            raise exception.Invalid(reason=str(exc)) from exc

        def decide(row, now):
            # the row is locked: If-Match holds until this commits
            check_version(row, expected_version)
            d = simple.decide(_group_state(row, honor_cooldown), policy,
                              now)
            field = (simple.cooldown_end_field(policy, d)
                     if d.accepted and honor_cooldown else None)
            return d, field

        budget = _resource_budget(cnxt, g.id, may_grow=(
            adjustment_type == cap.EXACT_CAPACITY or adjustment > 0))
        result, g, accepted = self._decide(
            cnxt, g.id, g.project, None, 'resize', idempotency_key, decide,
            budget=budget)
        return self._after_decision(cnxt, result, g, accepted)

    def execute_webhook(self, cnxt, token, idempotency_key=None,
                        details=None):
        hook = None
        if isinstance(token, str) and token:
            hook = db_api.scaling_webhook_get_by_token_hash(
                cnxt, token_hash(token))
        if hook is None or not hook.enabled:
            raise exception.EntityNotFound(entity=WEBHOOK, name='<redacted>')
        try:
            p = db_api.scaling_policy_get(cnxt, hook.policy_id, hook.project)
        except exception.EntityNotFound:
            raise exception.EntityNotFound(entity=WEBHOOK,
                                           name='<redacted>') from None
        pcnxt = group_context(cnxt, hook.project)
        if p.kind in metrics_mod.KINDS:
            # the capability URL of a metric policy is a metric push URL
            samples = (details or {}).get('samples') \
                if isinstance(details, dict) else None
            if not samples:
                raise exception.Invalid(
                    reason="a metric policy's webhook takes samples "
                           '({"samples": [{"name": ..., "value": ...}]})')
            g = db_api.scaling_group_get(pcnxt, p.group_id, None)
            return self.push_metric_samples(pcnxt, g, samples)
        return self.execute_policy(pcnxt, p, idempotency_key, details,
                                   trigger='webhook')

    # -- members ---------------------------------------------------------

    def remove_members(self, cnxt, g, names, replace=False):
        names = list(dict.fromkeys(names or []))
        if not names:
            raise exception.Invalid(reason='no members named')
        with db_api.writer(cnxt) as session:
            g = db_api.scaling_group_get(cnxt, g.id, g.project,
                                         for_update=True)
            if g.status == DELETING:
                raise exception.ScalingGroupBusy(group=g.id,
                                                 state='being deleted')
            M = models.ScalingMember
            rows = session.query(M).filter(M.group_id == g.id,
                                           M.name.in_(names)).all()
            found = {r.name: r for r in rows}
            missing = [n for n in names if n not in found]
            if missing:
                raise exception.EntityNotFound(entity='Scaling member',
                                               name=missing[0])
            live = [n for n in names if found[n].status != REMOVING]
            values = {'version': models.ScalingGroup.version + 1,
                      'status': CONVERGING}
            desired = g.desired_capacity
            if not replace:
                desired = g.desired_capacity - sum(
                    1 for n in live if found[n].status in LIVE_STATUSES)
                if desired < g.min_size:
                    raise exception.Invalid(
                        reason='Removing %d member(s) would take the group '
                               'below MinSize %d' % (len(live), g.min_size))
                values['desired_capacity'] = desired
            db_api.scaling_member_update(cnxt, g.id, live,
                                         {'status': REMOVING})
            g = db_api.scaling_group_update(cnxt, g.id, values)
            db_api.scaling_activity_create(cnxt, {
                'group_id': g.id, 'project': g.project, 'trigger': 'remove',
                'from_capacity': g.desired_capacity if replace else
                desired + len(live), 'to_capacity': desired,
                'status': ACCEPTED,
                'reason': '%s member(s) %s' % (
                    'replace' if replace else 'remove', ', '.join(live)),
                'engine_id': self.engine_id})
        self.cast_converge(cnxt, g.id)
        return g

    def mark_member_unhealthy(self, cnxt, g, name, reason=None):
        reason = reason or 'marked unhealthy'
        rows = members_mod.resource_rows(cnxt, g.id, [name])
        with db_api.writer(cnxt) as session:
            g = db_api.scaling_group_get(cnxt, g.id, g.project,
                                         for_update=True)
            M = models.ScalingMember
            row = session.query(M).filter(M.group_id == g.id,
                                          M.name == name).one_or_none()
            if row is None:
                raise exception.EntityNotFound(entity='Scaling member',
                                               name=name)
            db_api.scaling_member_update(cnxt, g.id, [name],
                                         {'status': M_FAILED})
            # the member as marked (the converger may replace it as soon
            # as the converge below is cast): what the caller is shown
            marked = dict(member_dict(row, rows.get(name)),
                          status=M_FAILED, health='UNHEALTHY')
            g = db_api.scaling_group_update(cnxt, g.id, {
                'version': models.ScalingGroup.version + 1,
                'status': CONVERGING})
            db_api.scaling_activity_create(cnxt, {
                'group_id': g.id, 'project': g.project,
                'trigger': 'unhealthy', 'from_capacity': g.desired_capacity,
                'to_capacity': g.desired_capacity, 'status': ACCEPTED,
                'reason': 'member %s unhealthy: %s' % (name, reason),
                'engine_id': self.engine_id})
        if name in rows:
            try:
                stk = members_mod.MemberStack.for_members(
                    cnxt, g, [name], {name: row.generation})
                stk.resources[name].state_set('CHECK', 'FAILED', reason)
            except Exception:  # noqa: BLE001 - the member is FAILED anyway
                LOG.exception('Could not mark resource %s unhealthy', name)
        self.cast_converge(cnxt, g.id)
        return g, marked

    def replace_unhealthy(self, cnxt, group_id, findings, check):
        """Replace the members the health monitor found unhealthy, in one
        transaction under the group's row lock: ``findings`` is ``{member
        name: (check kind, evidence)}``, ``check`` the group's
        :class:`heat.scaling.health.HealthCheck`.

        Only members still ACTIVE are taken (one already FAILED, being
        removed or gone is not replaced twice, whoever reports it). The
        guard (:func:`heat.scaling.health.guarded`) counts them with the
        members already FAILED against the members the group has: over
        ``max_unhealthy_percent``, none is replaced. Beyond
        ``max_replacements`` within ``replacement_period``, the first in
        name order are replaced and the rest wait. Each replaced member is
        marked FAILED (the converger replaces FAILED members, creating the
        replacement first while the group is below its MaxSize) with an
        activity of trigger
        ``unhealthy`` naming the check and its evidence. Entering the
        guard or the limit writes one REJECTED activity saying why.

        Returns ``(replaced names, status, reason)``; status is
        ``DEGRADED`` (replacing), ``GUARDED``, ``LIMITED`` or
        ``HEALTHY`` (nothing left to replace).
        """
        M = models.ScalingMember
        now = db_api.utcnow()
        with db_api.writer(cnxt) as session:
            g = db_api.scaling_group_get(cnxt, group_id, None,
                                         for_update=True)
            if g.status == DELETING:
                return [], HEALTHY_STATE, 'group being deleted'
            counts = dict(session.query(M.status, sa.func.count()).filter(
                M.group_id == g.id).group_by(M.status).all())
            total = sum(n for st, n in counts.items() if st != REMOVING)
            rows = session.query(M.name, M.generation).filter(
                M.group_id == g.id, M.name.in_(list(findings)),
                M.status == M_ACTIVE).all()
            # the new members of a rolling update are judged by its
            # health gate (the converger stops or rolls the update back)
            names = sorted(name for name, gen in rows
                           if g.rolling_generation is None or
                           gen != g.rolling_generation)
            if not names:
                return [], DEGRADED_STATE, (
                    'unhealthy member(s) %s of the rolling update left to '
                    'its health gate' % ', '.join(sorted(findings))
                    if rows else 'no member to replace')
            unhealthy = len(names) + counts.get(M_FAILED, 0)
            before = (g.health or {}).get('status')
            why = health_lib.guarded(check, total, unhealthy)
            status = GUARDED_STATE
            if why is not None:
                names = []
            else:
                since = now - datetime.timedelta(
                    seconds=check.replacement_period)
                recent = db_api.scaling_activity_count_since(
                    cnxt, g.id, 'unhealthy', since,
                    statuses=(ACCEPTED, IN_PROGRESS, COMPLETE, A_FAILED))
                allowed = health_lib.replacements_allowed(check, recent)
                if allowed is not None and allowed < len(names):
                    why = ('%d replacement(s) in the last %ss, '
                           'max_replacements is %d: %s wait(s)' % (
                               recent, _num(check.replacement_period),
                               check.max_replacements,
                               ', '.join(names[allowed:])))
                    status = LIMITED_STATE
                    names = names[:allowed]
            if why is not None and before != status:
                db_api.scaling_activity_create(cnxt, {
                    'group_id': g.id, 'project': g.project,
                    'trigger': 'unhealthy',
                    'from_capacity': g.desired_capacity,
                    'to_capacity': g.desired_capacity,
                    'status': REJECTED, 'reason': why,
                    'decision': {'accepted': False, 'reason': why,
                                 'unhealthy': {
                                     n: '%s check: %s' % findings[n]
                                     for n in sorted(findings)}},
                    'engine_id': self.engine_id})
            if not names:
                return [], status, why
            db_api.scaling_member_update(cnxt, g.id, names,
                                         {'status': M_FAILED})
            for name in names:
                kind, evidence = findings[name]
                reason = 'member %s unhealthy (%s check): %s; replacing' \
                    % (name, kind, evidence)
                db_api.scaling_activity_create(cnxt, {
                    'group_id': g.id, 'project': g.project,
                    'trigger': 'unhealthy',
                    'from_capacity': g.desired_capacity,
                    'to_capacity': g.desired_capacity,
                    'status': ACCEPTED, 'reason': reason,
                    'decision': {'accepted': True, 'reason': reason,
                                 'member': name, 'check': kind,
                                 'evidence': evidence},
                    'engine_id': self.engine_id})
            g = db_api.scaling_group_update(cnxt, g.id, {
                'version': models.ScalingGroup.version + 1,
                'status': CONVERGING,
                'status_reason': 'replacing unhealthy member(s) %s'
                                 % ', '.join(names)})
        LOG.info('Group %s: replacing unhealthy member(s) %s', group_id,
                 ', '.join(names))
        self.cast_converge(cnxt, group_id)
        if why is None:
            status = DEGRADED_STATE
            why = 'replacing %d unhealthy member(s): %s' % (
                len(names), ', '.join(names))
        return names, status, why

    # -- lifecycle hooks (heat.scaling.lifecycle) -------------------------

    def complete_lifecycle_action(self, cnxt, group_id, name, result,
                                  how='rpc', token_hash=None, now=None):
        """End a member's lifecycle wait with ``result`` (CONTINUE or
        ABANDON), in one transaction under the group's row lock; ``how``
        says who (``rpc``, ``url``, ``timeout``). A launch wait: CONTINUE
        makes the member ACTIVE, ABANDON FAILED (the converger replaces
        it). A terminate wait: the member is removed either way.

        ``token_hash`` (the completion URL): the wait must still be that
        one. ``now`` (the timeout): the wait must have passed its deadline
        at ``now`` (a heartbeat since wins). Returns the member dict, or
        None when the wait ended meanwhile (a timeout that lost a race).
        """
        lifecycle.check_result(result)
        M = models.ScalingMember
        with db_api.writer(cnxt) as session:
            g = db_api.scaling_group_get(cnxt, group_id, None,
                                         for_update=True)
            row = session.query(M).filter(M.group_id == g.id,
                                          M.name == name).one_or_none()
            if row is None:
                raise exception.EntityNotFound(entity='Scaling member',
                                               name=name)
            waiting = row.status in WAIT_STATUSES and (
                token_hash is None or row.hook_token_hash == token_hash) \
                and (now is None or (row.hook_deadline is not None and
                                     row.hook_deadline <= now))
            if not waiting:
                if how == 'timeout':
                    return None
                raise exception.Invalid(
                    reason='member %s is not waiting for a lifecycle action '
                           '(status %s)' % (name, row.status))
            wait = dict(row.lifecycle or {})
            launch = row.status == PENDING_WAIT
            if launch and result == lifecycle.CONTINUE:
                status, bump = M_ACTIVE, False
            else:
                status, bump = (M_FAILED if launch else REMOVING), True
            wait.update(result=result, completed_by=how,
                        completed_at=schedule_mod.iso_utc(clock()))
            values = {'status': status, 'lifecycle': wait,
                      'hook_deadline': None, 'hook_token_hash': None}
            db_api.scaling_member_update(cnxt, g.id, [name], values)
            reason = 'member %s: %s hook %s completed %s (%s)' % (
                name, wait.get('transition'), wait.get('hook'), result,
                'heartbeat timeout, default result' if how == 'timeout'
                else 'by ' + how)
            if bump:
                reason += '; %s' % ('replacing it' if launch else
                                    'removing it')
                g = db_api.scaling_group_update(cnxt, g.id, {
                    'version': models.ScalingGroup.version + 1,
                    'status': CONVERGING, 'status_reason': reason})
            db_api.scaling_activity_create(cnxt, {
                'group_id': g.id, 'project': g.project,
                'trigger': 'lifecycle',
                'from_capacity': g.desired_capacity,
                'to_capacity': g.desired_capacity,
                'status': ACCEPTED if bump else COMPLETE,
                'finished_at': None if bump else db_api.utcnow(),
                'reason': reason,
                'decision': {'accepted': True, 'reason': reason,
                             'member': name, 'result': result,
                             'hook': wait.get('hook'),
                             'transition': wait.get('transition'),
                             'completed_by': how},
                'engine_id': self.engine_id})
        member = self._member(cnxt, group_id, name)
        LOG.info('Group %s: %s', group_id, reason)
        if bump:
            self.cast_converge(cnxt, group_id)
        return member

    def lifecycle_heartbeat(self, cnxt, group_id, name, token_hash=None):
        """Move a member's wait deadline to now + the hook's
        ``heartbeat_timeout``; the member dict."""
        M = models.ScalingMember
        with db_api.writer(cnxt) as session:
            row = session.query(M).filter(
                M.group_id == group_id, M.name == name).with_for_update(
            ).one_or_none()
            if row is None:
                raise exception.EntityNotFound(entity='Scaling member',
                                               name=name)
            if row.status not in WAIT_STATUSES or (
                    token_hash is not None and
                    row.hook_token_hash != token_hash):
                raise exception.Invalid(
                    reason='member %s is not waiting for a lifecycle action '
                           '(status %s)' % (name, row.status))
            wait = dict(row.lifecycle or {})
            timeout = float(wait.get('heartbeat_timeout') or 3600)
            wait['heartbeats'] = int(wait.get('heartbeats') or 0) + 1
            db_api.scaling_member_update(cnxt, group_id, [name], {
                'lifecycle': wait,
                'hook_deadline': db_api.utcnow() + datetime.timedelta(
                    seconds=timeout)})
        return self._member(cnxt, group_id, name)

    @staticmethod
    def _member(cnxt, group_id, name):
        """The member dict as listed (with its resource's physical
        id)."""
        return member_dict(db_api.scaling_member_get(cnxt, group_id, name),
                           members_mod.resource_rows(cnxt, group_id,
                                                     [name]).get(name))

    def lifecycle_by_token(self, token, result=None, heartbeat=False):
        """The completion URL of a wait: complete it with ``result`` or
        (``heartbeat``) extend it. EntityNotFound (token redacted) when
        no wait has the token."""
        digest = token_hash(token)
        M = models.ScalingMember
        with db_api.reader(None) as session:
            row = session.query(M.group_id, M.name).filter(
                M.hook_token_hash == digest).one_or_none()
        if row is None:
            raise exception.EntityNotFound(entity='Lifecycle action',
                                           name='<redacted>')
        group_id, name = row
        g = db_api.scaling_group_get(None, group_id, None)
        cnxt = group_context(None, g.project)
        if heartbeat:
            return self.lifecycle_heartbeat(cnxt, group_id, name, digest)
        return self.complete_lifecycle_action(cnxt, group_id, name, result,
                                              how='url', token_hash=digest)

    def expire_lifecycle_waits(self, limit=100):
        """Apply the default result of every wait past its deadline
        (each exactly once, whichever engines run this at the same time:
        the completion re-checks the deadline under the row lock); the
        member dicts completed."""
        now = db_api.utcnow()
        M = models.ScalingMember
        G = models.ScalingGroup
        with db_api.reader(None) as session:
            rows = session.query(M.group_id, M.name, M.lifecycle,
                                 G.project).join(
                G, G.id == M.group_id).filter(
                M.hook_deadline.isnot(None),
                M.hook_deadline <= now).order_by(M.hook_deadline).limit(
                limit).all()
        done = []
        for group_id, name, wait, project in rows:
            result = (wait or {}).get('default_result') or lifecycle.ABANDON
            try:
                out = self.complete_lifecycle_action(
                    group_context(None, project), group_id, name, result,
                    how='timeout', now=now)
            except exception.EntityNotFound:
                continue
            if out is not None:
                done.append(out)
        return done

    # -- policies --------------------------------------------------------

    def create_policy(self, cnxt, g, name, adjustment_type,
                      scaling_adjustment, min_adjustment_step=None,
                      cooldown=None, kind='simple', params=None,
                      stack_identity=None, resource_name=None):
        kind = kind or 'simple'
        if kind == schedule_mod.KIND:
            return self._create_scheduled_policy(
                cnxt, g, name, adjustment_type, scaling_adjustment,
                min_adjustment_step, cooldown, params, stack_identity,
                resource_name)
        if kind in metrics_mod.KINDS:
            return self._create_metric_policy(
                cnxt, g, name, kind, adjustment_type, scaling_adjustment,
                min_adjustment_step, cooldown, params, stack_identity,
                resource_name)
        if kind != 'simple':
            raise exception.NotSupported(
                feature='Scaling policy kind %s' % kind)
        try:
            obj = simple.SimplePolicy(
                adjustment_type=adjustment_type,
                scaling_adjustment=scaling_adjustment,
                min_adjustment_step=min_adjustment_step, cooldown=cooldown,
                name=name or 'policy')
        except ValueError as exc:
            raise exception.Invalid(reason=str(exc)) from exc
        return db_api.scaling_policy_create(cnxt, {
            'group_id': g.id, 'project': g.project, 'name': name,
            'stack_id': _stack_identity_id(stack_identity),
            'resource_name': resource_name, 'kind': kind,
            'adjustment_type': obj.adjustment_type,
            'scaling_adjustment': obj.scaling_adjustment,
            'min_adjustment_step': obj.min_adjustment_step,
            'cooldown': cooldown, 'params': params})

    # -- metric policies (heat.engine.autoscaling.metrics) ---------------

    def _create_metric_policy(self, cnxt, g, name, kind, adjustment_type,
                              scaling_adjustment, min_adjustment_step,
                              cooldown, params, stack_identity,
                              resource_name):
        _refuse_adjustment('a %s policy has no adjustment, its settings '
                           'are in params' % kind, adjustment_type,
                           scaling_adjustment, min_adjustment_step, cooldown)
        stored = metrics_mod.validate(kind, params)
        with db_api.writer(cnxt):
            g = db_api.scaling_group_get(cnxt, g.id, g.project,
                                         for_update=True)
            if g.status == DELETING:
                raise exception.ScalingGroupBusy(group=g.id,
                                                 state='being deleted')
            p = db_api.scaling_policy_create(cnxt, {
                'group_id': g.id, 'project': g.project, 'name': name,
                'stack_id': _stack_identity_id(stack_identity),
                'resource_name': resource_name, 'kind': kind,
                'adjustment_type': '', 'scaling_adjustment': 0,
                'params': stored})
            db_api.scaling_group_refresh_evaluation(
                cnxt, g.id, clock(), stored['evaluation_interval'])
        return p

    def _update_metric_policy(self, cnxt, p, changes):
        bad = sorted(k for k, v in changes.items()
                     if k not in ('name', 'params', 'kind', 'stack_identity',
                                  'resource_name') and v is not None)
        if bad:
            raise exception.Invalid(
                reason='cannot change %s of a %s policy (its settings are '
                       'in params)' % (', '.join(bad), p.kind))
        if changes.get('kind') not in (None, p.kind):
            raise exception.Invalid(reason='cannot change kind')
        values = {}
        if changes.get('name'):
            values['name'] = changes['name']
        if changes.get('params') is not None:
            values['params'] = metrics_mod.validate(p.kind,
                                                    changes['params'])
        with db_api.writer(cnxt):
            db_api.scaling_group_get(cnxt, p.group_id, None,
                                     for_update=True)
            p = db_api.scaling_policy_update(cnxt, p.id, values, p.project)
            if 'params' in values:
                db_api.scaling_group_refresh_evaluation(
                    cnxt, p.group_id, clock(),
                    values['params']['evaluation_interval'])
        return p

    def delete_policy(self, cnxt, p):
        """Delete a policy (and its webhooks); a metric policy's group
        gets its evaluation interval again (none when it was the last)."""
        if p.kind not in metrics_mod.KINDS:
            db_api.scaling_policy_delete(cnxt, p.id, p.project)
            return
        with db_api.writer(cnxt):
            g = db_api.scaling_group_get(cnxt, p.group_id, None,
                                         for_update=True)
            db_api.scaling_policy_delete(cnxt, p.id, p.project)
            db_api.scaling_group_refresh_evaluation(cnxt, g.id, clock())
            state = dict(g.metric_state or {})
            policies = dict(state.get('policies') or {})
            if policies.pop(p.id, None) is not None:
                state['policies'] = policies
                db_api.scaling_group_update(cnxt, g.id,
                                            {'metric_state': state})

    def push_metric_samples(self, cnxt, g, samples):
        """Store pushed samples of group ``g`` (all or none); ``{"accepted":
        N, "group_id": ID}``."""
        from oslo_config import cfg
        conf = cfg.CONF.autoscaling
        now = clock()
        rows = metrics_mod.validate_samples(samples, now)
        n = db_api.scaling_metric_samples_add(
            cnxt, g.id, rows, conf.metric_window_samples,
            now - conf.metric_retention, max_names=conf.metric_names)
        return {'accepted': n, 'group_id': g.id}

    def list_metric_samples(self, cnxt, g, name=None, since=None,
                            limit=1000):
        if name is not None:
            metrics_mod._name('name', name)
        if since is not None:
            since = metrics_mod.parse_time('since', since)
        if limit is None:
            limit = 1000
        if isinstance(limit, str) and limit.isdigit():
            limit = int(limit)
        limit = metrics_mod._number('limit', limit, 1,
                                    metrics_mod.MAX_SAMPLES, whole=True)
        return [metrics_mod.sample_dict(r) for r in
                db_api.scaling_metric_samples_get(cnxt, g.id, name, since,
                                                  limit)]

    def evaluate_group(self, cnxt, g):
        """One evaluation of ``g`` now, by this engine, whoever holds the
        evaluator claim (the claim is not changed); the record."""
        from heat.engine.autoscaling import evaluator
        return evaluator.evaluate(self, g.id, clock(), engine_id=None)

    def compare_policy(self, cnxt, g, p, start=None, end=None):
        """How shadow policy ``p`` compares with the live policies of its
        group between ``start`` and ``end`` (default: the last 24 h)."""
        if p.group_id != g.id:
            raise exception.Invalid(reason='policy %s is not a policy of '
                                           'group %s' % (p.id, g.id))
        if p.kind not in metrics_mod.KINDS or \
                (p.params or {}).get('mode') != metrics_mod.SHADOW:
            raise exception.Invalid(
                reason='policy %s is not a shadow metric policy (kind %s, '
                       'mode %s): only a shadow policy is compared with '
                       'the live ones' % (p.name, p.kind,
                                          (p.params or {}).get('mode')))
        now = clock()
        end = now if end is None else metrics_mod.parse_time('end', end)
        start = (end - 86400.0 if start is None else
                 metrics_mod.parse_time('start', start))
        if start > end:
            raise exception.Invalid(reason='start %s is after end %s' % (
                metrics_mod.iso_z(start), metrics_mod.iso_z(end)))
        n = differed = higher = lower = 0
        total = biggest = shadow_changes = live_changes = 0
        for row in db_api.scaling_evaluation_get_all(cnxt, g.id, start,
                                                     end):
            shadow = (row.shadow or {}).get(p.id)
            if shadow is None:
                continue
            n += 1
            diff = int(shadow) - int(row.live_desired)
            if diff:
                differed += 1
                if diff > 0:
                    higher += 1
                else:
                    lower += 1
            total += abs(diff)
            biggest = max(biggest, abs(diff))
            # a decision is accepted exactly when it changes the capacity:
            # these are the SHADOW activities and the accepted metric
            # activities of these evaluations
            shadow_changes += int(shadow) != row.capacity
            live_changes += row.live_desired != row.capacity
        return {
            'policy_id': p.id, 'group_id': g.id,
            'start': metrics_mod.iso_z(start),
            'end': metrics_mod.iso_z(end),
            'evaluations': n, 'differed': differed,
            'differed_percent': round(100.0 * differed / n, 2) if n
            else 0.0,
            'shadow_higher': higher, 'shadow_lower': lower,
            'mean_abs_difference': round(total / n, 4) if n else 0.0,
            'max_abs_difference': biggest,
            'shadow_changes': shadow_changes,
            'live_changes': live_changes,
        }

    def _create_scheduled_policy(self, cnxt, g, name, adjustment_type,
                                 scaling_adjustment, min_adjustment_step,
                                 cooldown, params, stack_identity,
                                 resource_name):
        _refuse_adjustment('a scheduled policy has no adjustment, only a '
                           'schedule', adjustment_type, scaling_adjustment,
                           min_adjustment_step, cooldown)
        now = clock()
        stored = schedule_mod.validate(params, name, now)
        # occurrences from now on (none before the policy existed)
        stored[schedule_mod.CHECKED_UNTIL] = now
        return db_api.scaling_policy_create(cnxt, {
            'group_id': g.id, 'project': g.project, 'name': name,
            'stack_id': _stack_identity_id(stack_identity),
            'resource_name': resource_name, 'kind': schedule_mod.KIND,
            'adjustment_type': '', 'scaling_adjustment': 0,
            'params': stored})

    def _update_scheduled_policy(self, cnxt, p, changes):
        bad = sorted(k for k, v in changes.items()
                     if k not in ('name', 'params', 'kind', 'stack_identity',
                                  'resource_name') and v is not None)
        if bad:
            raise exception.Invalid(
                reason='cannot change %s of a scheduled policy (it has a '
                       'schedule, no adjustment)' % ', '.join(bad))
        if changes.get('kind') not in (None, schedule_mod.KIND):
            raise exception.Invalid(reason='cannot change kind')
        values = {}
        name = changes.get('name') or p.name
        if changes.get('name'):
            values['name'] = changes['name']
        if changes.get('params') is not None:
            now = clock()
            stored = schedule_mod.validate(changes['params'], name, now)
            # a new schedule runs from now on; what was evaluated stays so
            stored[schedule_mod.CHECKED_UNTIL] = max(
                now, schedule_mod.checked_until(p))
            values['params'] = stored
        return db_api.scaling_policy_update(cnxt, p.id, values, p.project)

    def update_policy(self, cnxt, p, **changes):
        if p.kind == schedule_mod.KIND:
            return self._update_scheduled_policy(cnxt, p, changes)
        if p.kind in metrics_mod.KINDS:
            return self._update_metric_policy(cnxt, p, changes)
        allowed = ('name', 'adjustment_type', 'scaling_adjustment',
                   'min_adjustment_step', 'cooldown', 'params')
        unknown = set(changes) - set(allowed) - {'kind', 'stack_identity',
                                                 'resource_name'}
        if unknown:
            raise exception.Invalid(reason='cannot change %s'
                                    % ', '.join(sorted(unknown)))
        values = {k: v for k, v in changes.items()
                  if k in allowed and (v is not None or k in (
                      'min_adjustment_step', 'cooldown'))}
        merged = {k: getattr(p, k) for k in allowed}
        merged.update(values)
        try:
            obj = simple.SimplePolicy(
                adjustment_type=merged['adjustment_type'],
                scaling_adjustment=merged['scaling_adjustment'],
                min_adjustment_step=merged['min_adjustment_step'],
                cooldown=merged['cooldown'], name=merged['name'] or 'x')
        except ValueError as exc:
            raise exception.Invalid(reason=str(exc)) from exc
        if 'adjustment_type' in values:
            values['adjustment_type'] = obj.adjustment_type
        return db_api.scaling_policy_update(cnxt, p.id, values, p.project)

    def create_webhook(self, cnxt, p, name=None):
        token = secrets.token_urlsafe(32)
        row = db_api.scaling_webhook_create(cnxt, {
            'policy_id': p.id, 'project': p.project, 'name': name,
            'token_hash': token_hash(token), 'enabled': True})
        out = webhook_dict(row)
        out['token'] = token
        return out
