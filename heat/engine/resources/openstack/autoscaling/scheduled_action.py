"""OS::Heat::ScheduledAction: set a scaling group's sizes on a schedule.

A type of this engine (not upstream's): a thin caller of the AS engine's
scheduled policies (``kind = 'scheduled'``, :mod:`heat.engine.autoscaling.
schedule`). The properties other than ``auto_scaling_group_id`` are the
schedule (the policy's ``params``), sent whole at create and at each
update (in place): a cron ``recurrence`` read in ``time_zone`` or one
time ``at``, and the ``min_size``, ``max_size`` and/or
``desired_capacity`` the group gets then.

The schedule is checked at stack validation with the AS engine's own
rules (errors name the property:
``resources.nightly.properties.recurrence: recurrence '0 8 * *' is not a
valid cron expression ...``), except that an ``at`` in the past is
refused only when the policy is created or changed (a stack update must
not fail on a one-time action that already ran).
"""

from heat.engine import attributes, constraints, properties
from heat.engine.resources.openstack.autoscaling import policy_resource

S = properties.Schema


class ScheduledAction(policy_resource.EnginePolicy):
    """OS::Heat::ScheduledAction: a scaling group's sizes on a schedule.

    On each occurrence of recurrence (or once, at) the AS engine sets the
    group's min_size, max_size and/or desired_capacity.
    """

    KIND = 'scheduled'
    PROPERTIES = (
        AUTO_SCALING_GROUP_ID, RECURRENCE, AT, TIME_ZONE, MIN_SIZE,
        MAX_SIZE, DESIRED_CAPACITY,
    ) = (
        'auto_scaling_group_id', 'recurrence', 'at', 'time_zone',
        'min_size', 'max_size', 'desired_capacity',
    )
    #: the schedule's fields (schedule.FIELDS)
    FIELDS = PROPERTIES[1:]
    ATTRIBUTES = (POLICY_ID, NEXT_RUN_AT) = ('policy_id', 'next_run_at')

    properties_schema = {
        AUTO_SCALING_GROUP_ID: S(
            S.STRING,
            'The scaling group the action sizes: its id or name '
            '(get_resource of an OS::Heat::AutoScalingGroup). A new group '
            'replaces the action.',
            required=True),
        RECURRENCE: S(
            S.STRING,
            'When the action runs: a cron expression of five fields '
            '(minute hour day-of-month month day-of-week), read in '
            'time_zone, such as "0 8 * * 1-5". Exactly one of recurrence '
            'and at.',
            update_allowed=True,
            constraints=[constraints.CustomConstraint('cron_expression')]),
        AT: S(
            S.STRING,
            'When the action runs, once: an ISO-8601 time in the future, '
            'such as "2027-01-01T08:00:00+01:00" (without an offset: in '
            'time_zone). Exactly one of recurrence and at.',
            update_allowed=True,
            constraints=[constraints.CustomConstraint('iso_8601')]),
        TIME_ZONE: S(
            S.STRING,
            'The IANA time zone recurrence (and an at without an offset) '
            'is read in, such as Europe/Paris (default: UTC).',
            update_allowed=True,
            constraints=[constraints.CustomConstraint('timezone')]),
        MIN_SIZE: S(
            S.INTEGER,
            'The group\'s min_size from then on. At least one of '
            'min_size, max_size and desired_capacity.',
            update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        MAX_SIZE: S(
            S.INTEGER,
            'The group\'s max_size from then on (not below min_size).',
            update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        DESIRED_CAPACITY: S(
            S.INTEGER,
            'The group\'s capacity then (within min_size and max_size '
            'when given; else clamped to the group\'s sizes).',
            update_allowed=True,
            constraints=[constraints.Range(min=0)]),
    }

    attributes_schema = {
        POLICY_ID: attributes.Schema(
            'The action\'s policy id in the Auto-Scaling engine (also the '
            'resource\'s reference).',
            type=attributes.Schema.STRING),
        NEXT_RUN_AT: attributes.Schema(
            'When the action runs next (ISO-8601, UTC), or null for an '
            'at that ran.',
            type=attributes.Schema.STRING),
    }

    def policy_params(self, props):
        return {name: props[name] for name in self.FIELDS
                if props[name] is not None}

    def check_params(self, props, params):
        from heat.common import exception
        from heat.engine.autoscaling import schedule
        try:
            # the past is checked by the engine, at create and update
            schedule.validate(params, self.name, float('-inf'))
        except exception.Invalid as exc:
            path, message = self.engine_error_path(
                policy_resource.invalid_reason(exc)) or ([], str(exc))
            raise self.property_error(props, path, message) from None

    def engine_error_path(self, reason):
        """``schedule recurrence '...' is not ...`` names a property."""
        if not reason.startswith('schedule '):
            return super().engine_error_path(reason)
        message = reason[len('schedule '):]
        word = message.split(' ', 1)[0]
        return ([word] if word in self.FIELDS else []), message

    def resolve_policy_attribute(self, name):
        if name == self.NEXT_RUN_AT:
            return self._show_policy().get('next_run_at')
        return None


def resource_mapping():
    return {'OS::Heat::ScheduledAction': ScheduledAction}
