"""The AS RPCs of ``EngineService`` (:class:`AutoScalingMixin`).

Every method takes the caller's context and resolves ``group`` /
``policy`` by id, or by name, in the caller's project (``project_id``):
another project's groups are never found. Results are plain dicts
(see doc/dev/autoscaling-engine.md, "RPC").
"""

import logging
import threading

from oslo_config import cfg

from heat.common import exception
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import (
    converger,
    evaluator,
    health,
    idempotency,
    scheduler,
    sweep,
)
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import members as members_mod
from heat.scaling import lifecycle

LOG = logging.getLogger(__name__)


def _project(cnxt):
    project = getattr(cnxt, 'project_id', None)
    if not project:
        raise exception.Invalid(reason='the request has no project')
    return project


def _attribute_names(attributes):
    """The attribute names asked for (each once, in order); [] for
    none. Refuses (Invalid) anything but names."""
    if attributes is None:
        return []
    if isinstance(attributes, str):
        attributes = [attributes]
    if not isinstance(attributes, (list, tuple)) or not all(
            isinstance(a, str) and a for a in attributes):
        raise exception.Invalid(reason='attributes must be a list of '
                                       'attribute names')
    return list(dict.fromkeys(attributes))


def _member_stack(cnxt, g, rows):
    """A ``Stack`` of ``g``'s member stack holding the members of
    ``rows`` (each at its generation; one with no definition left out),
    their resource rows read in one query; None if the group has no
    member stack."""
    defs = g.definitions or {}
    generations = {m.name: m.generation for m in rows
                   if str(m.generation) in defs}
    try:
        return members_mod.MemberStack.for_members(
            cnxt, g, list(generations), generations=generations)
    except exception.EntityNotFound:
        return None


def _member_attribute(rsrc, row, member, name):
    """The value of attribute ``name`` of a member's resource ``rsrc``
    (None: no row yet, or it cannot be resolved). An attribute its type
    does not have is InvalidTemplateAttribute naming the type, whether
    the resource has a row or not."""
    from heat.engine import resource as resource_mod
    if rsrc is None or type(rsrc) is resource_mod.Resource:
        # no definition, or a type that can no longer be built
        return None
    try:
        value = rsrc.FnGetAtt(name)
    except exception.InvalidTemplateAttribute:
        raise exception.InvalidTemplateAttribute(
            resource=rsrc.type(), key=name) from None
    except Exception as exc:  # noqa: BLE001 - one value, not the listing
        LOG.info('Attribute %s of member %s (%s) not resolved: %s', name,
                 member, rsrc.type(), exc)
        return None
    if row is None:
        return None  # being created: nothing to resolve yet
    return value


class AutoScalingMixin:
    """EngineService's auto-scaling methods (API 1.37; 1.38 added what
    the Auto-Scaling REST API needs: members one by one, activities one
    by one, list filters, If-Match versions, the stack-ownership guard
    and the idempotency records; 1.39 the ``attributes`` of members)."""

    # -- lifecycle (called by EngineService) -----------------------------

    def _as_init(self):
        self.as_engine = eng.AutoScalingEngine(self.engine_id)
        self._as_stop = threading.Event()
        self._as_sweeper = None
        self._as_scheduler = None
        self._as_monitor = None
        self._as_evaluator = None

    def _as_start(self):
        self._as_stop.clear()
        interval = cfg.CONF.autoscaling.sweep_interval
        if interval and interval > 0 and self._as_sweeper is None:
            self._as_sweeper = sweep.Sweeper(interval).start()
        interval = cfg.CONF.autoscaling.schedule_interval
        if interval and interval > 0 and self._as_scheduler is None:
            self._as_scheduler = scheduler.Scheduler(self.as_engine,
                                                     interval).start()
        tick = cfg.CONF.autoscaling.health_check_tick
        if tick and tick > 0 and self._as_monitor is None:
            self._as_monitor = health.Monitor(
                self.as_engine, self._member_attribute_values, tick).start()
        tick = cfg.CONF.autoscaling.evaluation_tick
        if tick and tick > 0 and self._as_evaluator is None:
            self._as_evaluator = evaluator.Evaluator(self.as_engine,
                                                     tick).start()

    def _as_shutdown(self, timeout=None):
        self._as_stop.set()
        if self._as_sweeper is not None:
            self._as_sweeper.stop(timeout)
            self._as_sweeper = None
        if self._as_scheduler is not None:
            self._as_scheduler.stop(timeout)
            self._as_scheduler = None
        if self._as_monitor is not None:
            self._as_monitor.stop(timeout)
            self._as_monitor = None
        if self._as_evaluator is not None:
            # gives this engine's evaluator claims up
            self._as_evaluator.stop(timeout)
            self._as_evaluator = None

    # -- resolution ----------------------------------------------------

    def _as_group(self, cnxt, group, project=None):
        project = project or _project(cnxt)
        if not group:
            raise exception.EntityNotFound(entity=eng.GROUP, name=group)
        try:
            return db_api.scaling_group_get(cnxt, group, project)
        except exception.EntityNotFound:
            row = db_api.scaling_group_get_by_name(cnxt, group, project)
            if row is None:
                raise
            return row

    def _as_policy(self, cnxt, policy):
        project = _project(cnxt)
        try:
            return db_api.scaling_policy_get(cnxt, policy, project)
        except exception.EntityNotFound:
            P = models.ScalingPolicy
            with db_api.reader(cnxt) as session:
                row = session.query(P).filter(
                    P.project == project, P.name == policy).order_by(
                    P.created_at, P.id).first()
            if row is None:
                raise
            return row

    # -- groups ----------------------------------------------------------

    def create_scaling_group(self, cnxt, name, min_size, max_size,
                             member_definition, desired_capacity=None,
                             cooldown=None, template_format='hot',
                             removal_policy='default', rolling_update=None,
                             stack_identity=None, resource_name=None,
                             environment=None, files=None, group_id=None,
                             health_check=None, lifecycle_hooks=None):
        """1.40 added ``health_check`` (heat.scaling.health) and
        ``lifecycle_hooks`` (heat.scaling.lifecycle)."""
        project = _project(cnxt)
        g = self.as_engine.create_group(
            cnxt, project, name, min_size, max_size, member_definition,
            desired_capacity=desired_capacity, cooldown=cooldown,
            template_format=template_format, removal_policy=removal_policy,
            rolling_update=rolling_update, stack_identity=stack_identity,
            resource_name=resource_name, environment=environment,
            files=files, group_id=group_id, health_check=health_check,
            lifecycle_hooks=lifecycle_hooks)
        return eng.group_dict(cnxt, g)

    def update_scaling_group(self, cnxt, group, min_size=None,
                             max_size=None, desired_capacity=None,
                             cooldown=None, member_definition=None,
                             rolling_update=None, replace_members=None,
                             removal_policy=None, environment=None,
                             files=None, expected_version=None,
                             refuse_stack_owned=False, name=None,
                             health_check=None, lifecycle_hooks=None):
        """1.38 added ``name``, ``expected_version``
        (ScalingGroupVersionMismatch unless the group is at that version)
        and ``refuse_stack_owned`` (ScalingGroupOwnedByStack for a group
        a template made); 1.40 ``health_check`` (None: unchanged, ``{}``:
        removed, a dict: the new check, whole) and ``lifecycle_hooks``
        (None: unchanged, ``[]``: removed, a list: the new hooks)."""
        g = self._as_group(cnxt, group)
        g = self.as_engine.update_group(
            cnxt, g, min_size=min_size, max_size=max_size,
            desired_capacity=desired_capacity, cooldown=cooldown,
            member_definition=member_definition,
            rolling_update=rolling_update, replace_members=replace_members,
            removal_policy=removal_policy, environment=environment,
            files=files, expected_version=expected_version,
            refuse_stack_owned=refuse_stack_owned, name=name,
            health_check=health_check, lifecycle_hooks=lifecycle_hooks)
        return eng.group_dict(cnxt, g)

    def delete_scaling_group(self, cnxt, group, expected_version=None,
                             refuse_stack_owned=False):
        g = self._as_group(cnxt, group)
        self.as_engine.delete_group(cnxt, g,
                                    expected_version=expected_version,
                                    refuse_stack_owned=refuse_stack_owned)
        return None

    def request_scaling_group_converge(self, cnxt, group,
                                       expected_version=None):
        """Converge a group now (1.38); the group."""
        g = self._as_group(cnxt, group)
        g = self.as_engine.request_converge(
            cnxt, g, expected_version=expected_version)
        return eng.group_dict(cnxt, g)

    def show_scaling_group(self, cnxt, group, with_members=False):
        g = self._as_group(cnxt, group)
        return eng.group_dict(cnxt, g, with_members=with_members)

    def list_scaling_groups(self, cnxt, limit=None, marker=None,
                            stack_identity=None, sort_key=None,
                            sort_dir=None, filters=None):
        """``sort_key``, ``sort_dir``, ``filters`` (``name``, ``status``):
        1.38."""
        project = _project(cnxt)
        stack_id = eng._stack_identity_id(stack_identity)
        rows = db_api.scaling_group_get_all(
            cnxt, project, limit=limit, marker=marker, stack_id=stack_id,
            sort_key=sort_key, sort_dir=sort_dir, filters=filters)
        # the member counts of the whole page in one query, not one each
        counts = db_api.scaling_member_counts_by_status(
            cnxt, [g.id for g in rows])
        return [eng.group_dict(cnxt, g, counts=counts.get(g.id, {}))
                for g in rows]

    def suspend_scaling_group(self, cnxt, group, expected_version=None):
        g = self._as_group(cnxt, group)
        return eng.group_dict(cnxt, self.as_engine.set_suspended(
            cnxt, g, True, expected_version=expected_version))

    def resume_scaling_group(self, cnxt, group, expected_version=None):
        g = self._as_group(cnxt, group)
        return eng.group_dict(cnxt, self.as_engine.set_suspended(
            cnxt, g, False, expected_version=expected_version))

    # -- policies --------------------------------------------------------

    def create_scaling_policy(self, cnxt, group, name, adjustment_type,
                              scaling_adjustment, min_adjustment_step=None,
                              cooldown=None, kind='simple', params=None,
                              stack_identity=None, resource_name=None,
                              refuse_stack_owned=False):
        g = self._as_group(cnxt, group)
        eng.check_owner(g, refuse_stack_owned)
        p = self.as_engine.create_policy(
            cnxt, g, name, adjustment_type, scaling_adjustment,
            min_adjustment_step=min_adjustment_step, cooldown=cooldown,
            kind=kind, params=params, stack_identity=stack_identity,
            resource_name=resource_name)
        return eng.policy_dict(p)

    def update_scaling_policy(self, cnxt, policy, refuse_stack_owned=False,
                              **changes):
        p = self._as_policy(cnxt, policy)
        self._check_policy_owner(cnxt, p, refuse_stack_owned)
        return eng.policy_dict(self.as_engine.update_policy(cnxt, p,
                                                            **changes))

    def delete_scaling_policy(self, cnxt, policy, refuse_stack_owned=False):
        p = self._as_policy(cnxt, policy)
        self._check_policy_owner(cnxt, p, refuse_stack_owned)
        self.as_engine.delete_policy(cnxt, p)
        return None

    def _check_policy_owner(self, cnxt, p, refuse_stack_owned):
        if refuse_stack_owned:
            eng.check_owner(self._as_group(cnxt, p.group_id, p.project),
                            True)

    def show_scaling_policy(self, cnxt, policy):
        return eng.policy_dict(self._as_policy(cnxt, policy))

    def list_scaling_policies(self, cnxt, group):
        g = self._as_group(cnxt, group)
        return [eng.policy_dict(p) for p in
                db_api.scaling_policy_get_all(cnxt, g.id, g.project)]

    # -- decisions -------------------------------------------------------

    def execute_scaling_policy(self, cnxt, policy, idempotency_key=None,
                               details=None, trigger='rpc',
                               signal_event=None):
        # A simple policy named by id is known from an earlier trigger
        # (what a trigger needs of it before its transaction never
        # changes): no read of its own; the transaction reads the
        # adjustment with the group, and finds a deleted one gone.
        refs = self.as_engine.policy_refs
        p = refs.get(policy, _project(cnxt)) if isinstance(
            policy, str) else None
        if p is None:
            p = self._as_policy(cnxt, policy)
            if p.kind in (None, 'simple'):
                refs.remember(p)
        return self.as_engine.execute_policy(
            cnxt, p, idempotency_key=idempotency_key, details=details,
            trigger=trigger or 'rpc', signal_event=signal_event)

    def resize_scaling_group(self, cnxt, group, capacity=None,
                             adjustment=None,
                             adjustment_type='change_in_capacity',
                             honor_cooldown=False, idempotency_key=None,
                             min_adjustment_step=None,
                             expected_version=None):
        g = self._as_group(cnxt, group)
        return self.as_engine.resize(
            cnxt, g, capacity=capacity, adjustment=adjustment,
            adjustment_type=adjustment_type, honor_cooldown=honor_cooldown,
            idempotency_key=idempotency_key,
            min_adjustment_step=min_adjustment_step,
            expected_version=expected_version)

    # -- metric-driven scaling (1.41) -------------------------------------

    def push_metric_samples(self, cnxt, group, samples):
        """Store pushed metric samples of a group, all or none (1.41);
        ``{"accepted": N, "group_id": ID}``."""
        g = self._as_group(cnxt, group)
        return self.as_engine.push_metric_samples(cnxt, g, samples)

    def list_metric_samples(self, cnxt, group, name=None, since=None,
                            limit=1000):
        """The newest ``limit`` samples (of ``name``, since ``since``),
        oldest first (1.41)."""
        g = self._as_group(cnxt, group)
        return self.as_engine.list_metric_samples(cnxt, g, name=name,
                                                  since=since, limit=limit)

    def compare_scaling_policy(self, cnxt, group, policy, start=None,
                               end=None):
        """A shadow policy against the live ones of its group (1.41)."""
        g = self._as_group(cnxt, group)
        p = self._as_policy(cnxt, policy)
        return self.as_engine.compare_policy(cnxt, g, p, start=start,
                                             end=end)

    def evaluate_scaling_group(self, cnxt, group):
        """One evaluation of the group's metric policies now, by this
        engine (1.41); the evaluation record."""
        g = self._as_group(cnxt, group)
        return self.as_engine.evaluate_group(cnxt, g)

    # -- webhooks --------------------------------------------------------

    def create_webhook(self, cnxt, policy, name=None):
        p = self._as_policy(cnxt, policy)
        return self.as_engine.create_webhook(cnxt, p, name=name)

    def delete_webhook(self, cnxt, webhook):
        db_api.scaling_webhook_delete(cnxt, webhook, _project(cnxt))
        return None

    def list_webhooks(self, cnxt, policy):
        p = self._as_policy(cnxt, policy)
        return [eng.webhook_dict(w) for w in
                db_api.scaling_webhook_get_all(cnxt, p.id, p.project)]

    def execute_webhook(self, cnxt, token, idempotency_key=None,
                        details=None):
        return self.as_engine.execute_webhook(
            cnxt, token, idempotency_key=idempotency_key, details=details)

    # -- activities, members -------------------------------------------

    def list_scaling_activities(self, cnxt, group, limit=None, marker=None):
        g = self._as_group(cnxt, group)
        return [eng.activity_dict(a) for a in
                db_api.scaling_activity_get_all(cnxt, g.id, g.project,
                                                limit=limit, marker=marker)]

    def remove_scaling_members(self, cnxt, group, members, replace=False):
        g = self._as_group(cnxt, group)
        if isinstance(members, str):
            members = [members]
        g = self.as_engine.remove_members(cnxt, g, members, replace=replace)
        return eng.group_dict(cnxt, g)

    def mark_member_unhealthy(self, cnxt, group, member, reason=None):
        g = self._as_group(cnxt, group)
        g, marked = self.as_engine.mark_member_unhealthy(cnxt, g, member,
                                                         reason)
        out = eng.group_dict(cnxt, g)
        # the member as marked, before the converger replaces it (1.38)
        out['marked_member'] = marked
        return out

    def show_scaling_activity(self, cnxt, group, activity):
        g = self._as_group(cnxt, group)
        return eng.activity_dict(db_api.scaling_activity_get(
            cnxt, activity, g.id, g.project))

    def list_scaling_members(self, cnxt, group, attributes=None):
        """The members, oldest first (1.38). ``attributes`` (1.39): see
        :meth:`_member_dicts`."""
        g = self._as_group(cnxt, group)
        rows = db_api.scaling_member_get_all(cnxt, g.id)
        return self._member_dicts(cnxt, g, rows, attributes)

    def show_scaling_member(self, cnxt, group, member, attributes=None):
        g = self._as_group(cnxt, group)
        m = db_api.scaling_member_get(cnxt, g.id, member)
        return self._member_dicts(cnxt, g, [m], attributes)[0]

    def _member_dicts(self, cnxt, g, rows, attributes=None):
        """The member dicts of ``rows``. With ``attributes`` (names of
        top-level attributes of the members' resources), each also has
        ``attributes``: ``{name: value}``, what OS::Heat::AutoScalingGroup's
        ``outputs`` attribute gives for each name (``FnGetAtt`` of the
        member's resource; for a provider template member, the output of
        its nested stack). The member stack is built once, holding only
        these members. A name the member's type does not have raises
        InvalidTemplateAttribute naming it and the type (as ``get_attr``
        would); a member whose resource has no row yet, or whose value
        cannot be resolved, has None."""
        names = _attribute_names(attributes)
        stk = _member_stack(cnxt, g, rows) if names and rows else None
        if stk is None:
            # no attributes asked (or no member stack): the rows alone
            row_of = members_mod.resource_rows(
                cnxt, g.id, [m.name for m in rows]).get
            rsrc_of = dict().get
        else:
            row_of, rsrc_of = stk.db_resource_get, stk.resources.get
        out = []
        for m in rows:
            row = row_of(m.name)
            d = eng.member_dict(m, row)
            if names:
                rsrc = rsrc_of(m.name)
                d['attributes'] = {
                    name: _member_attribute(rsrc, row, m.name, name)
                    for name in names}
            out.append(d)
        return out

    def complete_lifecycle_action(self, cnxt, group, member, result):
        """End a member's lifecycle wait: CONTINUE or ABANDON (1.40);
        the member."""
        g = self._as_group(cnxt, group)
        try:
            return self.as_engine.complete_lifecycle_action(
                cnxt, g.id, member, result)
        except lifecycle.InvalidHook as exc:
            raise exception.Invalid(reason=str(exc)) from None

    def record_lifecycle_heartbeat(self, cnxt, group, member):
        """Extend a member's lifecycle wait (1.40); the member."""
        g = self._as_group(cnxt, group)
        return self.as_engine.lifecycle_heartbeat(cnxt, g.id, member)

    def lifecycle_action_by_token(self, cnxt, token, result=None,
                                  heartbeat=False):
        """The completion URL of a wait (its token is the credential;
        1.40): complete it with ``result``, or extend it."""
        try:
            return self.as_engine.lifecycle_by_token(token, result,
                                                     heartbeat=heartbeat)
        except lifecycle.InvalidHook as exc:
            raise exception.Invalid(reason=str(exc)) from None

    def _member_attribute_values(self, cnxt, g, rows, name):
        """``{member name: value of attribute name}`` of ``rows`` (the
        health monitor's URLs)."""
        return {d['name']: d['attributes'][name]
                for d in self._member_dicts(cnxt, g, rows, [name])}

    def update_scaling_member(self, cnxt, group, member, protected=None):
        """Scale-in protection of a member (1.38); the member."""
        g = self._as_group(cnxt, group)
        if protected is not None:
            self.as_engine.set_member_protected(cnxt, g, member, protected)
        return self.show_scaling_member(cnxt, g.id, member)

    # -- the Auto-Scaling API's idempotency records (1.38) -----------------

    def claim_idempotency_key(self, cnxt, key, fingerprint):
        """See :mod:`heat.engine.autoscaling.idempotency`."""
        return idempotency.claim(cnxt, _project(cnxt), key, fingerprint)

    def finish_idempotency_key(self, cnxt, key, status, body=None,
                               headers=None):
        return idempotency.finish(cnxt, _project(cnxt), key, status, body,
                                  headers)

    def converge_scaling_group(self, cnxt, group_id):
        """Run the converger here (a cast: the caller does not wait).

        A caller with a project (not an admin) converges only its own
        groups: another project's group is not found. The engine's own
        casts carry the group's project (decisions, the sweep) or none
        (the anonymous signal endpoints), and a group already deleted is
        left to the converger (``gone``)."""
        project = getattr(cnxt, 'project_id', None)
        if project and not getattr(cnxt, 'is_admin', False):
            try:
                group = db_api.scaling_group_get(cnxt, group_id, None)
            except exception.EntityNotFound:
                group = None
            if group is not None and group.project != project:
                raise exception.EntityNotFound(entity=eng.GROUP,
                                               name=group_id)
        return converger.converge(cnxt, group_id, self.engine_id,
                                  stop_event=self._as_stop)
