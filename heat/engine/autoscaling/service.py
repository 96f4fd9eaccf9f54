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
from heat.engine.autoscaling import converger, sweep
from heat.engine.autoscaling import engine as eng

LOG = logging.getLogger(__name__)


def _project(cnxt):
    project = getattr(cnxt, 'project_id', None)
    if not project:
        raise exception.Invalid(reason='the request has no project')
    return project


class AutoScalingMixin:
    """EngineService's auto-scaling methods (API 1.37)."""

    # -- lifecycle (called by EngineService) -----------------------------

    def _as_init(self):
        self.as_engine = eng.AutoScalingEngine(self.engine_id)
        self._as_stop = threading.Event()
        self._as_sweeper = None

    def _as_start(self):
        self._as_stop.clear()
        interval = cfg.CONF.autoscaling.sweep_interval
        if interval and interval > 0 and self._as_sweeper is None:
            self._as_sweeper = sweep.Sweeper(interval).start()

    def _as_shutdown(self, timeout=None):
        self._as_stop.set()
        if self._as_sweeper is not None:
            self._as_sweeper.stop(timeout)
            self._as_sweeper = None

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
                             environment=None, files=None, group_id=None):
        project = _project(cnxt)
        g = self.as_engine.create_group(
            cnxt, project, name, min_size, max_size, member_definition,
            desired_capacity=desired_capacity, cooldown=cooldown,
            template_format=template_format, removal_policy=removal_policy,
            rolling_update=rolling_update, stack_identity=stack_identity,
            resource_name=resource_name, environment=environment,
            files=files, group_id=group_id)
        return eng.group_dict(cnxt, g)

    def update_scaling_group(self, cnxt, group, min_size=None,
                             max_size=None, desired_capacity=None,
                             cooldown=None, member_definition=None,
                             rolling_update=None, replace_members=None,
                             removal_policy=None, environment=None,
                             files=None):
        g = self._as_group(cnxt, group)
        g = self.as_engine.update_group(
            cnxt, g, min_size=min_size, max_size=max_size,
            desired_capacity=desired_capacity, cooldown=cooldown,
            member_definition=member_definition,
            rolling_update=rolling_update, replace_members=replace_members,
            removal_policy=removal_policy, environment=environment,
            files=files)
        return eng.group_dict(cnxt, g)

    def delete_scaling_group(self, cnxt, group):
        g = self._as_group(cnxt, group)
        self.as_engine.delete_group(cnxt, g)
        return None

    def show_scaling_group(self, cnxt, group, with_members=False):
        g = self._as_group(cnxt, group)
        return eng.group_dict(cnxt, g, with_members=with_members)

    def list_scaling_groups(self, cnxt, limit=None, marker=None,
                            stack_identity=None):
        project = _project(cnxt)
        stack_id = eng._stack_identity_id(stack_identity)
        rows = db_api.scaling_group_get_all(cnxt, project, limit=limit,
                                            marker=marker, stack_id=stack_id)
        return [eng.group_dict(cnxt, g) for g in rows]

    def suspend_scaling_group(self, cnxt, group):
        g = self._as_group(cnxt, group)
        return eng.group_dict(cnxt, self.as_engine.set_suspended(cnxt, g,
                                                                 True))

    def resume_scaling_group(self, cnxt, group):
        g = self._as_group(cnxt, group)
        return eng.group_dict(cnxt, self.as_engine.set_suspended(cnxt, g,
                                                                 False))

    # -- policies --------------------------------------------------------

    def create_scaling_policy(self, cnxt, group, name, adjustment_type,
                              scaling_adjustment, min_adjustment_step=None,
                              cooldown=None, kind='simple', params=None,
                              stack_identity=None, resource_name=None):
        g = self._as_group(cnxt, group)
        p = self.as_engine.create_policy(
            cnxt, g, name, adjustment_type, scaling_adjustment,
            min_adjustment_step=min_adjustment_step, cooldown=cooldown,
            kind=kind, params=params, stack_identity=stack_identity,
            resource_name=resource_name)
        return eng.policy_dict(p)

    def update_scaling_policy(self, cnxt, policy, **changes):
        p = self._as_policy(cnxt, policy)
        return eng.policy_dict(self.as_engine.update_policy(cnxt, p,
                                                            **changes))

    def delete_scaling_policy(self, cnxt, policy):
        p = self._as_policy(cnxt, policy)
        db_api.scaling_policy_delete(cnxt, p.id, p.project)
        return None

    def show_scaling_policy(self, cnxt, policy):
        return eng.policy_dict(self._as_policy(cnxt, policy))

    def list_scaling_policies(self, cnxt, group):
        g = self._as_group(cnxt, group)
        return [eng.policy_dict(p) for p in
                db_api.scaling_policy_get_all(cnxt, g.id, g.project)]

    # -- decisions -------------------------------------------------------

    def execute_scaling_policy(self, cnxt, policy, idempotency_key=None,
                               details=None, trigger='rpc'):
        p = self._as_policy(cnxt, policy)
        return self.as_engine.execute_policy(
            cnxt, p, idempotency_key=idempotency_key, details=details,
            trigger=trigger or 'rpc')

    def resize_scaling_group(self, cnxt, group, capacity=None,
                             adjustment=None,
                             adjustment_type='change_in_capacity',
                             honor_cooldown=False, idempotency_key=None):
        g = self._as_group(cnxt, group)
        return self.as_engine.resize(
            cnxt, g, capacity=capacity, adjustment=adjustment,
            adjustment_type=adjustment_type, honor_cooldown=honor_cooldown,
            idempotency_key=idempotency_key)

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
        g = self.as_engine.mark_member_unhealthy(cnxt, g, member, reason)
        return eng.group_dict(cnxt, g)

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
