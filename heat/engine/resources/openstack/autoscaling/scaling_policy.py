"""OS::Heat::ScalingPolicy: a named adjustment of a scaling group.

A thin caller of the AS engine: create, update and delete are the policy
RPCs (``create_scaling_policy``...), the resource's ``resource_id`` is the
policy id, and a signal is ``execute_scaling_policy(trigger='signal')``.
The signal runs synchronously (``signal_is_fast``) and its ``SIGNAL``
event's reason is the AS engine's decision reason, accepted or rejected
(cooldown, at max, at min...): every trigger leaves an event, where
upstream Heat records nothing for a trigger that does nothing.

The group is found as upstream finds it: the resource of the same stack
whose reference is ``auto_scaling_group_id``. Its ``resource_id`` is the
group id. A group not in the stack is looked up by id or name in the AS
engine; a group found nowhere is an error when the policy is signalled
("Alarm <policy> could not find scaling group named "<group>"").

``alarm_url`` is a pre-signed URL of the signal API
(``/v1/signal/<policy ARN>``), signed with credentials made at create
time (resource data ``access_key`` / ``secret_key``, redacted);
``signal_url`` is the native API's signal URL.
"""

import logging
import urllib.parse

from heat.common import exception
from heat.engine import attributes, constraints, properties, resource
from heat.engine.resources.openstack.autoscaling import instance_group as ig
from heat.scaling import capacity

LOG = logging.getLogger(__name__)

#: resource data keys of the alarm URL's signing credentials
ACCESS_KEY, SECRET_KEY = 'access_key', 'secret_key'

#: the states of an alarm that ask for scaling
_ALARM = 'alarm'


def _signing():
    """:mod:`heat.common.signing`, or None while it does not exist."""
    try:
        from heat.common import signing
    except ImportError:
        return None
    return signing


def alarm_state(details):
    """The alarm state a signal carries (``alarm`` when it says none),
    lower case, as upstream reads it."""
    if not isinstance(details, dict):
        return _ALARM
    state = details.get('current', details.get('state', _ALARM))
    return str(state).lower()


class SlowPath(Exception):
    """The fast signal path cannot serve this signal: load the stack."""


def fast_signal(context, stack_row, row, details, idempotency_key=None):
    """A policy signal from the stored rows alone, without loading the
    stack: the action check, then the decision and the SIGNAL event (one
    RPC, one transaction: the event is written with the decision, see
    :class:`heat.engine.autoscaling.engine.SignalEvent`); as
    :meth:`AutoScalingPolicy.signal` does, at a fraction of the cost (no
    template parse, no resource objects). Raises :class:`SlowPath` for
    what only the full path handles (a policy not created yet, an alarm
    state that asks for no scaling)."""
    from heat.engine import event
    if row.nova_instance is None or alarm_state(details) != _ALARM:
        raise SlowPath()

    def add_event(action, status, reason):
        from heat.db import api as db_api
        with db_api.priority_writes():
            # (the hot path's UUIDs: no system call per id)
            event.Event(context, event.StackRef(stack_row.id), action,
                        status, reason, row.nova_instance, row.name,
                        row.type, uuid=db_api.new_uuid(),
                        rsrc_prop_data_id=row.rsrc_prop_data_id).store()

    if row.action in resource.Resource.no_signal_actions:
        add_event(row.action, row.status,
                  'Cannot signal resource during %s' % row.action)
        raise exception.NotSupported(
            feature='Signal resource during %s' % row.action)
    # Imported when needed, never at module level: importing the RPC
    # client while the type registry imports this module deadlocks
    # concurrent first lookups (heat.tests.unit.engine.test_resource).
    from heat.engine.autoscaling import client as as_client
    # the SIGNAL event (its reason the decision's, a repeated trigger's
    # included), written in the decision's transaction
    signal_event = {
        'stack_id': stack_row.id, 'resource_status': row.status,
        'resource_name': row.name, 'resource_type': row.type,
        'physical_resource_id': row.nova_instance,
        'rsrc_prop_data_id': row.rsrc_prop_data_id}
    try:
        return as_client.get().execute_scaling_policy(
            context, policy=row.nova_instance,
            idempotency_key=idempotency_key, details=details,
            trigger='signal', signal_event=signal_event)
    except Exception as exc:
        if ig.is_not_found(exc):
            raise SlowPath() from exc  # the full path words the error
        add_event(resource.Resource.SIGNAL, row.status,
                  'Signal failed: %s: resources.%s: %s'
                  % (type(exc).__name__, row.name, exc))
        raise


class AutoScalingPolicy(resource.Resource):
    """OS::Heat::ScalingPolicy."""

    PROPERTIES = (
        AUTO_SCALING_GROUP_NAME, SCALING_ADJUSTMENT, ADJUSTMENT_TYPE,
        COOLDOWN, MIN_ADJUSTMENT_STEP,
    ) = (
        'auto_scaling_group_id', 'scaling_adjustment', 'adjustment_type',
        'cooldown', 'min_adjustment_step',
    )
    EXACT_CAPACITY, CHANGE_IN_CAPACITY, PERCENT_CHANGE_IN_CAPACITY = (
        'exact_capacity', 'change_in_capacity', 'percent_change_in_capacity')
    ATTRIBUTES = (ALARM_URL, SIGNAL_URL) = ('alarm_url', 'signal_url')

    #: the alarm_url's signing credentials, redacted even when adopted
    secret_data_keys = frozenset((ACCESS_KEY, SECRET_KEY))
    #: the engine runs signals to this type synchronously
    signal_is_fast = True
    #: set by EngineService.resource_signal before a signal
    signal_idempotency_key = None
    #: the last signal's result (the decision dict), read by the service
    signal_result = None

    properties_schema = {
        AUTO_SCALING_GROUP_NAME: properties.Schema(
            properties.Schema.STRING,
            'AutoScaling group ID to apply policy to.',
            required=True),
        SCALING_ADJUSTMENT: properties.Schema(
            properties.Schema.NUMBER,
            'Size of adjustment.',
            required=True, update_allowed=True),
        ADJUSTMENT_TYPE: properties.Schema(
            properties.Schema.STRING,
            'Type of adjustment (absolute or percentage).',
            required=True,
            constraints=[constraints.AllowedValues(
                [CHANGE_IN_CAPACITY, EXACT_CAPACITY,
                 PERCENT_CHANGE_IN_CAPACITY])],
            update_allowed=True),
        COOLDOWN: properties.Schema(
            properties.Schema.NUMBER,
            'Cooldown period, in seconds.',
            update_allowed=True),
        MIN_ADJUSTMENT_STEP: properties.Schema(
            properties.Schema.INTEGER,
            'Minimum number of resources that are added or removed when '
            'the AutoScaling group scales up or down. This can be used only '
            'when specifying percent_change_in_capacity for the '
            'adjustment_type property.',
            constraints=[constraints.Range(min=0)],
            update_allowed=True),
    }

    attributes_schema = {
        ALARM_URL: attributes.Schema(
            'A signed url to handle the alarm.',
            type=attributes.Schema.STRING),
        SIGNAL_URL: attributes.Schema(
            'A url to handle the alarm using native API.',
            type=attributes.Schema.STRING),
    }

    # -- validation -----------------------------------------------------

    def validate(self):
        result = super().validate()
        self._validate_min_adjustment_step()
        return result

    def _validate_min_adjustment_step(self):
        adjustment_type = self.properties[self.ADJUSTMENT_TYPE]
        step = self.properties[self.MIN_ADJUSTMENT_STEP]
        if (adjustment_type != self.PERCENT_CHANGE_IN_CAPACITY and
                step is not None):
            raise exception.ResourcePropertyValueDependency(
                prop1=self.MIN_ADJUSTMENT_STEP,
                prop2=self.ADJUSTMENT_TYPE,
                value=self.PERCENT_CHANGE_IN_CAPACITY)

    # -- the policy's values in the AS engine's terms ---------------------

    @staticmethod
    def _client():
        return ig.ScalingGroupBase._client()

    def _policy_fields(self, props):
        """``{adjustment_type (HOT name), scaling_adjustment,
        min_adjustment_step, cooldown}`` of ``props``."""
        return {
            'adjustment_type': capacity.normalize_adjustment_type(
                props[self.ADJUSTMENT_TYPE]),
            'scaling_adjustment': props[self.SCALING_ADJUSTMENT],
            'min_adjustment_step': props[self.MIN_ADJUSTMENT_STEP],
            'cooldown': props[self.COOLDOWN],
        }

    def _group_ref(self, props=None):
        return (props or self.properties)[self.AUTO_SCALING_GROUP_NAME]

    def _group_in_stack(self, ref):
        """The group resource of this stack whose reference is ``ref``
        (upstream's ``stack.resource_by_refid``)."""
        return ig.group_in_stack(self.stack, ref, exclude=self)

    def _group_id(self, ref):
        """The AS group id for reference ``ref`` (None: not found in the
        stack; the AS engine may still know ``ref`` as an id or a name)."""
        group = self._group_in_stack(ref)
        if group is not None:
            return group.resource_id
        return None

    def _group_not_found(self, ref):
        return exception.NotFound(
            message='Alarm %(alarm)s could not find scaling group named '
                    '"%(group)s"' % {'alarm': self.name, 'group': ref})

    def _create_policy(self):
        """Create the AS policy; None when the group cannot be found."""
        ref = self._group_ref()
        group = self._group_id(ref) or ref
        try:
            policy = self._client().create_scaling_policy(
                self.context, group, self.physical_resource_name() or
                self.name, stack_identity=dict(self.stack.identifier()),
                resource_name=self.name,
                **self._policy_fields(self.properties))
        except Exception as exc:
            if ig.is_not_found(exc):
                LOG.info('%s: scaling group %s not found', self, ref)
                return None
            raise
        self.resource_id_set(policy['id'])
        return policy['id']

    # -- lifecycle ------------------------------------------------------

    def handle_create(self):
        self._make_credentials()
        self._create_policy()

    def _make_credentials(self):
        signing = _signing()
        if signing is None:
            LOG.warning('%s: no signing module: alarm_url unavailable',
                        self)
            return
        access, secret = signing.new_credentials()
        self.data_set(ACCESS_KEY, access, redact=True)
        self.data_set(SECRET_KEY, secret, redact=True)

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        if not prop_diff:
            return None
        new_props = self.make_properties(json_snippet)
        self.properties = new_props
        if self.resource_id is None:
            return None
        fields = self._policy_fields(new_props)
        changes = {}
        names = {self.ADJUSTMENT_TYPE: 'adjustment_type',
                 self.SCALING_ADJUSTMENT: 'scaling_adjustment',
                 self.MIN_ADJUSTMENT_STEP: 'min_adjustment_step',
                 self.COOLDOWN: 'cooldown'}
        for prop, field in names.items():
            if prop in prop_diff:
                changes[field] = fields[field]
        if changes:
            self._client().update_scaling_policy(self.context,
                                                 self.resource_id,
                                                 **changes)
        return None

    def handle_delete(self):
        return ig.delete_scaling_policy(self)

    # -- signals --------------------------------------------------------

    #: :meth:`EngineService.resource_signal` serves signals of this type
    #: from the stored rows (see :func:`fast_signal`)
    fast_signal = staticmethod(fast_signal)
    #: what ``fast_signal`` raises to hand the signal to the full path
    FastSignalDeclined = SlowPath

    def handle_signal(self, details=None, idempotency_key=None):
        """Execute the policy; returns the AS engine's decision dict
        (or, for an alarm state other than ``alarm``, a text saying no
        scaling was asked)."""
        state = alarm_state(details)
        LOG.info('Alarm %s, new state %s', self.name, state)
        if state != _ALARM:
            return 'alarm state %s: no scaling action' % state
        if self.resource_id is None and self._create_policy() is None:
            raise self._group_not_found(self._group_ref())
        try:
            return self._client().execute_scaling_policy(
                self.context, policy=self.resource_id,
                idempotency_key=idempotency_key, details=details,
                trigger='signal')
        except Exception as exc:
            if ig.is_not_found(exc):
                raise self._group_not_found(self._group_ref()) from exc
            raise

    def signal(self, details=None, need_check=True, idempotency_key=None):
        """Deliver a signal; every signal leaves a SIGNAL event whose
        reason is the decision's (or the error's)."""
        if isinstance(details, dict) and 'unset_hook' in details:
            return super().signal(details, need_check=need_check)
        if need_check:
            self._signal_check_hook(details)
            self._signal_check_action()
        if idempotency_key is None:
            # EngineService.resource_signal passes it this way
            idempotency_key = getattr(self, 'signal_idempotency_key', None)
        self.signal_result = None
        try:
            result = self.handle_signal(details,
                                        idempotency_key=idempotency_key)
        except resource.NoActionRequired:
            return False
        except Exception as exc:
            LOG.info('signal %s: %s', self, exc)
            failure = exception.ResourceFailure(exc, self)
            self._add_event(self.SIGNAL, self.status,
                            'Signal failed: %s' % failure)
            raise failure from exc
        # EngineService.resource_signal returns it to the caller
        self.signal_result = result
        from heat.engine.autoscaling import client as as_client
        self._add_event(self.SIGNAL, self.status,
                        as_client.decision_reason(result))
        return self.signal_needs_metadata_updates

    # -- references and attributes --------------------------------------

    def _alarm_url(self):
        signing = _signing()
        data = self.data()
        access, secret = data.get(ACCESS_KEY), data.get(SECRET_KEY)
        if signing is None or not access or not secret:
            return None
        path = '/v1/signal/' + urllib.parse.quote(self.identifier().arn(),
                                                  safe='')
        return signing.presigned_url('POST', signing.public_base_url(),
                                     path, access, secret)

    def _signal_url(self):
        from heat.engine.resources.openstack.heat import wait_condition
        return '%s/%s/signal' % (wait_condition.heat_url(),
                                 self.identifier().url_path())

    def _resolve_attribute(self, name):
        if self.id is None or self.action == self.INIT:
            return None
        if name == self.ALARM_URL:
            return self._alarm_url()
        if name == self.SIGNAL_URL:
            return self._signal_url()
        return None


def resource_mapping():
    return {'OS::Heat::ScalingPolicy': AutoScalingPolicy}
