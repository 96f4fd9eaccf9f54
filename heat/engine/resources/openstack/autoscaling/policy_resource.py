"""What the template types of the AS engine's non-simple policies share.

``OS::Heat::TargetTrackingScalingPolicy``, ``OS::Heat::StepScalingPolicy``
(:mod:`.metric_policy`) and ``OS::Heat::ScheduledAction``
(:mod:`.scheduled_action`) are thin callers of the policy RPCs, as
``OS::Heat::ScalingPolicy`` is: create is ``create_scaling_policy(kind=
..., params=...)``, an update is ``update_scaling_policy(params=...)``
(the params whole), delete is ``delete_scaling_policy``; the resource's
``resource_id`` (its reference) is the policy id. Every property but
``auto_scaling_group_id`` is changed in place; a new group replaces the
policy.

The group is found as ``OS::Heat::ScalingPolicy`` finds it: the group
resource of the same stack whose reference is ``auto_scaling_group_id``,
else the AS engine looks the value up as a group id or name. Unlike
``OS::Heat::ScalingPolicy`` (whose policy is made at its first signal
when the group is missing), a group found nowhere fails the create,
naming the property: these policies act without a signal.

Errors name the property. What the property schema cannot say (a value
in range but against a rule of the policy's kind) is checked at stack
validation by the subclass (:meth:`EnginePolicy.check_params`), when the
values are known; the AS engine checks again at create and update, and
its ``Invalid`` (``params.metric.statistic: ...``, ``schedule recurrence
...``) is raised as a ``StackValidationFailed`` at the property
(``resources.cpu.properties.metric.statistic: ...``).
"""

import logging
import re

from heat.common import exception
from heat.engine import properties, resource
from heat.engine.resources.openstack.autoscaling import instance_group as ig

LOG = logging.getLogger(__name__)

#: ``params.scale_down.rate_limits[0].period: message`` (the engine's)
_PARAMS_ERROR = re.compile(r'params\.(?P<path>[A-Za-z_][\w.\[\]]*): '
                           r'(?P<message>.*)', re.S)
_PATH_PART = re.compile(r'([A-Za-z_]\w*)|\[(\d+)\]')
_INVALID_PREFIX = 'Data supplied was not valid: '


def split_path(text):
    """``['scale_down', 'rate_limits', 0, 'period']`` of
    ``scale_down.rate_limits[0].period``."""
    out = []
    for name, index in _PATH_PART.findall(text):
        out.append(int(index) if index else name)
    return out


def error_name(exc):
    """The class name of an error (an RPC error's remote class)."""
    name = type(exc).__name__
    if name == 'RemoteError':
        name = getattr(exc, 'exc_type', name) or name
    return name[:-len('_Remote')] if name.endswith('_Remote') else name


def invalid_reason(exc):
    """The reason of an ``Invalid`` (local or from the RPC), one line."""
    reason = getattr(exc, 'kwargs', {}).get('reason')
    if reason is None:
        reason = getattr(exc, 'value', None) or str(exc)
    reason = str(reason)
    if reason.startswith(_INVALID_PREFIX):
        reason = reason[len(_INVALID_PREFIX):]
    return reason.strip().split('\n', 1)[0]


class EnginePolicy(resource.Resource):
    """A policy of the AS engine of kind :attr:`KIND` (subclasses)."""

    #: the policy kind (``create_scaling_policy(kind=...)``)
    KIND = None
    #: the property naming the group (as OS::Heat::ScalingPolicy names it)
    AUTO_SCALING_GROUP_ID = 'auto_scaling_group_id'
    POLICY_ID = 'policy_id'

    # -- the policy in the AS engine's terms ------------------------------

    def policy_params(self, props):
        """The RPC ``params`` of ``props`` (subclasses)."""
        raise NotImplementedError()

    def check_params(self, props, params):
        """Raise ``StackValidationFailed`` naming the property for what
        the schema cannot say (subclasses)."""

    def engine_error_path(self, reason):
        """``(path under the properties, message)`` of an engine
        ``Invalid`` reason, or None when it names no property."""
        found = _PARAMS_ERROR.match(reason)
        if found is None:
            return None
        return split_path(found.group('path')), found.group('message')

    def property_error(self, props, path, message):
        return exception.StackValidationFailed(
            message=message, path=list(props.error_prefix) + list(path),
            error=properties.PROPERTY_ERROR)

    def _engine_error(self, props, exc):
        """The error to raise for an AS RPC failure ``exc``."""
        if error_name(exc) != 'Invalid':
            return exc
        reason = invalid_reason(exc)
        found = self.engine_error_path(reason)
        if found is None:
            return self.property_error(props, [], reason)
        path, message = found
        return self.property_error(props, path, message)

    @staticmethod
    def _client():
        return ig.ScalingGroupBase._client()

    # -- validation -----------------------------------------------------

    def validate(self):
        result = super().validate()
        if not getattr(self.stack, 'strict_validate', True):
            # upstream's template validate: values may be missing
            return result
        props = self.properties
        data = props.data if isinstance(props.data, dict) else {}
        if any(properties._waits_for_resources(value)
               for key, value in data.items()
               if key != self.AUTO_SCALING_GROUP_ID):
            # known once those resources exist: the AS engine checks it
            return result
        self.check_params(props, self.policy_params(props))
        return result

    # -- the group --------------------------------------------------------

    def _group_in_stack(self, ref):
        """The group resource of this stack whose reference is ``ref``."""
        return ig.group_in_stack(self.stack, ref, exclude=self)

    def _group(self, props):
        ref = props[self.AUTO_SCALING_GROUP_ID]
        group = self._group_in_stack(ref)
        return group.resource_id if group is not None else ref

    # -- lifecycle ------------------------------------------------------

    def handle_create(self):
        props = self.properties
        params = self.policy_params(props)
        try:
            policy = self._client().create_scaling_policy(
                self.context, self._group(props),
                self.physical_resource_name() or self.name,
                adjustment_type=None, scaling_adjustment=None,
                kind=self.KIND, params=params,
                stack_identity=dict(self.stack.identifier()),
                resource_name=self.name)
        except Exception as exc:
            if ig.is_not_found(exc):
                raise self.property_error(
                    props, [self.AUTO_SCALING_GROUP_ID],
                    'scaling group "%s" not found'
                    % props[self.AUTO_SCALING_GROUP_ID]) from exc
            raise self._engine_error(props, exc) from exc
        self.resource_id_set(policy['id'])
        self.after_create(policy)

    def after_create(self, policy):
        """What the type makes once its policy exists (subclasses)."""

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        if not prop_diff:
            return None
        new_props = self.make_properties(json_snippet)
        self.properties = new_props
        if self.resource_id is None:
            return None
        try:
            self._client().update_scaling_policy(
                self.context, self.resource_id,
                params=self.policy_params(new_props))
        except Exception as exc:
            raise self._engine_error(new_props, exc) from exc
        return None

    def handle_delete(self):
        return ig.delete_scaling_policy(self)

    # -- attributes -------------------------------------------------------

    def _show_policy(self):
        return self._client().show_scaling_policy(self.context,
                                                  self.resource_id)

    def _show_resource(self):
        """The ``show`` attribute: the AS engine's policy."""
        return self._show_policy()

    def resolve_policy_attribute(self, name):
        """The value of a type's own attribute (subclasses)."""
        return None

    def _resolve_attribute(self, name):
        if self.id is None or self.action == self.INIT or \
                self.resource_id is None:
            return None
        if name == self.POLICY_ID:
            return self.resource_id
        return self.resolve_policy_attribute(name)


def without_none(value):
    """``value`` with the None values of its maps left out (recursively):
    what the template did not set is the engine's default."""
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items()
                if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value
