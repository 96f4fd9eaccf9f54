"""OS::Heat::AutoScalingGroup: a group of any resource, defined in HOT.

A thin caller of the AS engine (see
:mod:`heat.engine.resources.openstack.autoscaling.instance_group`). The
``resource`` property is the member definition (a HOT snippet); the
group's reference is its id, which is the member stack's id, and
``OS::Heat::ScalingPolicy.auto_scaling_group_id`` names it.

A changed ``resource`` replaces the existing members in batches
following ``rolling_updates`` (upstream always rolls for this type). An
``update_policy`` section is refused ("Unknown Property"), as upstream.

Attributes (member attributes in creation order):
``outputs`` ``{member name: value}`` and ``outputs_list`` ``[value]`` of
the attribute path given, ``current_size``, ``refs``, ``refs_map``,
``resource.N`` / ``resource.N.<attr>``.

Extensions (not upstream's; upstream templates never need them): the
``health_check`` property (self-healing members, see
:mod:`heat.scaling.health`), the ``health`` attribute and the
``lifecycle_hooks`` property (a new member waits before it serves, a
scale-in victim before it goes, see :mod:`heat.scaling.lifecycle`). They
are listed in ``EXTENSION_PROPERTIES`` / ``EXTENSION_ATTRIBUTES``, which
the upstream-parity tests of the schemas leave out.
"""

import re

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources import stack_resource
from heat.engine.resources.openstack.autoscaling import instance_group as ig
from heat.scaling import health, lifecycle

# -- health checks (shared with AWS::AutoScaling::AutoScalingGroup) -----------

#: the library's defaults (heat.scaling.health.HealthCheck)
_HC_DEFAULTS = {k: (int(v) if isinstance(v, float) and v.is_integer()
                    else v)
                for k, v in health.HealthCheck().to_dict().items()}


def health_check_schema(description):
    """The ``health_check`` property: a map with one key per key of
    :data:`heat.scaling.health.KEYS`, typed, constrained and defaulted as
    the library (``timeout`` has no schema default: the library's is
    ``min(5, interval)``). Updated in place."""
    S = properties.Schema
    d = _HC_DEFAULTS

    def key(ptype, text, default=None, cons=()):
        return S(ptype, text, default=default, constraints=list(cons),
                 update_allowed=True)

    keys = {
        'type': key(
            S.STRING,
            'status: a member whose resource is FAILED (a failed action, '
            'a failed check, marked unhealthy) is unhealthy; http: also '
            'poll each member\'s URL (see url_attribute).',
            d['type'], [constraints.AllowedValues(list(health.TYPES))]),
        'grace_period': key(
            S.NUMBER,
            'Seconds after a member is created during which it is not '
            'judged.', d['grace_period'], [constraints.Range(min=0)]),
        'interval': key(
            S.NUMBER,
            'Seconds between two checks of a member (greater than 0).',
            d['interval']),
        'timeout': key(
            S.NUMBER,
            'Seconds for one HTTP answer, greater than 0 and at most '
            'interval (default 5, or interval when it is smaller).'),
        'healthy_threshold': key(
            S.INTEGER,
            'Consecutive passes that make an unhealthy member healthy '
            'again.', d['healthy_threshold'], [constraints.Range(min=1)]),
        'unhealthy_threshold': key(
            S.INTEGER,
            'Consecutive failures that make a member unhealthy.',
            d['unhealthy_threshold'], [constraints.Range(min=1)]),
        'url_attribute': key(
            S.STRING,
            'http (required): the attribute of the member\'s resource '
            'whose value is the URL, or the host, to poll.',
            cons=[constraints.Length(min=1)]),
        'path': key(
            S.STRING,
            'http: replaces the URL\'s path (starting with /; default: '
            'the URL\'s own, / for a host).',
            cons=[constraints.AllowedPattern('^/.*')]),
        'port': key(
            S.INTEGER,
            'http: the port when url_attribute gives a host.',
            d['port'], [constraints.Range(min=1, max=65535)]),
        'expected_codes': key(
            S.STRING,
            'http: the status codes of a pass, Octavia\'s syntax: "200", '
            '"200,202", "200-204".', d['expected_codes'],
            [constraints.Length(min=1)]),
        'max_unhealthy_percent': key(
            S.NUMBER,
            'When more of the members than this are unhealthy at once, '
            'none is replaced (a monitoring outage, a bad dependency).',
            d['max_unhealthy_percent'],
            [constraints.Range(min=0, max=100)]),
        'max_replacements': key(
            S.INTEGER,
            'Replacements per replacement_period (default: no limit).',
            cons=[constraints.Range(min=1)]),
        'replacement_period': key(
            S.NUMBER,
            'Seconds of the max_replacements window (greater than 0).',
            d['replacement_period']),
        'update_timeout': key(
            S.NUMBER,
            'Rolling updates: seconds the new members of a batch have to '
            'become healthy (greater than 0; default: the grace period '
            'plus healthy_threshold + 2 intervals).'),
        'rollback': key(
            S.BOOLEAN,
            'Rolling updates: a batch that does not become healthy rolls '
            'the previous definition out again (once) instead of only '
            'stopping the update.', False),
    }
    return S(S.MAP, description, update_allowed=True, schema=keys)


# -- lifecycle hooks ----------------------------------------------------------

#: the library's defaults (heat.scaling.lifecycle.Hook)
_LH_DEFAULTS = {k: (int(v) if isinstance(v, float) and v.is_integer()
                    else v)
                for k, v in lifecycle.Hook(
                    name='-', transition=lifecycle.LAUNCH).to_dict().items()}


def lifecycle_hooks_schema(description):
    """The ``lifecycle_hooks`` property: a list of maps with one key per
    key of :data:`heat.scaling.lifecycle.KEYS`, typed, constrained and
    defaulted as the library (``name`` and ``transition`` required). What
    spans entries (unique names, one hook per transition, a URL with a
    host) is the library's, checked at stack validation. Updated in
    place."""
    S = properties.Schema
    d = _LH_DEFAULTS

    def key(ptype, text, default=None, cons=(), required=False):
        return S(ptype, text, default=default, constraints=list(cons),
                 required=required, update_allowed=True)

    keys = {
        'name': key(
            S.STRING,
            'The hook\'s name, unique in the group.',
            cons=[constraints.Length(min=1, max=255)], required=True),
        'transition': key(
            S.STRING,
            'launch: a new member waits in PENDING_WAIT before it serves '
            '(it counts toward the capacity, health checks do not judge '
            'it yet); terminate: a member a scale-in chose waits in '
            'TERMINATING_WAIT before it is deleted. At most one hook per '
            'transition.',
            cons=[constraints.AllowedValues(list(lifecycle.TRANSITIONS))],
            required=True),
        'heartbeat_timeout': key(
            S.NUMBER,
            'Seconds a wait lasts without a heartbeat; then '
            'default_result applies.', d['heartbeat_timeout'],
            [constraints.Range(min=lifecycle.MIN_TIMEOUT,
                               max=lifecycle.MAX_TIMEOUT)]),
        'default_result': key(
            S.STRING,
            'The result applied at the timeout: CONTINUE (launch: the '
            'member serves) or ABANDON (launch: the member fails and is '
            'replaced); a terminate wait ends in the deletion either '
            'way.', d['default_result'],
            [constraints.AllowedValues(list(lifecycle.RESULTS))]),
        'notify_url': key(
            S.STRING,
            'An http(s) URL POSTed when a wait begins: the group, the '
            'member, the hook, its metadata and a completion_url to POST '
            'the result or a heartbeat to.',
            cons=[constraints.AllowedPattern('^https?://.+')]),
        'metadata': key(
            S.STRING,
            'A string passed in the notification.',
            cons=[constraints.Length(max=4096)]),
    }
    return S(S.LIST, description, update_allowed=True,
             schema=S(S.MAP, 'A lifecycle hook.', update_allowed=True,
                      schema=keys))


#: the keys of a hook with no value by default (empty: not set)
_HOOK_OPTIONAL = ('notify_url', 'metadata')
#: ``lifecycle_hooks[1].transition: message`` (the library's errors)
_HOOK_ERROR = re.compile(
    r'^(?P<prop>\w+)(?:\[(?P<index>\d+)\])?(?:\.(?P<key>\w+))?: '
    r'(?P<message>.*)$', re.S)


class HealthCheckMixin:
    """A scaling group type with a health check (an extension of
    upstream's types): an argument of the ``create_scaling_group`` and
    ``update_scaling_group`` calls (:meth:`ScalingGroupBase.
    _extension_args`). Validated with :func:`heat.scaling.health.parse`
    at stack validation.

    Subclasses say what the check is (:meth:`_health_check`) and which
    properties make it (``health_check_properties``).
    """

    #: the properties the health check is made of
    health_check_properties = ()

    def _health_check(self, props):
        """The health check dict of ``props`` (None: none)."""
        raise NotImplementedError()

    def _health_check_error(self, props, exc):
        """A StackValidationFailed for the library's ``exc``."""
        return exception.StackValidationFailed(
            message=str(exc), path=props.error_prefix,
            error=properties.PROPERTY_ERROR)

    def _checked_health_check(self, props):
        """:meth:`_health_check`, checked by the library."""
        check = self._health_check(props)
        try:
            health.parse(check)
        except health.InvalidHealthCheck as exc:
            raise self._health_check_error(props, exc) from None
        return check

    def validate_health_check(self):
        """Check the health check when its values are known (a value
        from a resource not created yet is checked by the AS engine at
        create time)."""
        props = self.properties
        data = props.data if isinstance(props.data, dict) else {}
        if any(properties._waits_for_resources(data.get(name))
               for name in self.health_check_properties):
            return
        self._checked_health_check(props)

    def _extension_args(self, props):
        args = super()._extension_args(props)
        args['health_check'] = self._checked_health_check(props)
        return args


class AutoScalingResourceGroup(HealthCheckMixin,
                               ig.ScalingGroupBase):
    """OS::Heat::AutoScalingGroup."""

    template_format = 'hot'

    PROPERTIES = (
        RESOURCE, MAX_SIZE, MIN_SIZE, COOLDOWN, DESIRED_CAPACITY,
        ROLLING_UPDATES, HEALTH_CHECK, LIFECYCLE_HOOKS,
    ) = (
        'resource', 'max_size', 'min_size', 'cooldown', 'desired_capacity',
        'rolling_updates', 'health_check', 'lifecycle_hooks',
    )
    _ROLLING_UPDATES_SCHEMA = (
        MIN_IN_SERVICE, MAX_BATCH_SIZE, PAUSE_TIME,
    ) = ('min_in_service', 'max_batch_size', 'pause_time')
    ATTRIBUTES = (
        OUTPUTS, OUTPUTS_LIST, CURRENT_SIZE, REFS, REFS_MAP, HEALTH,
    ) = (
        'outputs', 'outputs_list', 'current_size', 'refs', 'refs_map',
        'health',
    )
    #: this engine's own (optional, not in upstream's schema)
    EXTENSION_PROPERTIES = (HEALTH_CHECK, LIFECYCLE_HOOKS)
    EXTENSION_ATTRIBUTES = (HEALTH,)

    properties_schema = {
        RESOURCE: properties.Schema(
            properties.Schema.MAP,
            'Resource definition for the resources in the group, in HOT '
            'format: the definition of a resource just as if it had been '
            'declared in the template itself.',
            required=True, update_allowed=True),
        MAX_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Maximum number of resources in the group.',
            required=True, update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        MIN_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Minimum number of resources in the group.',
            required=True, update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        COOLDOWN: properties.Schema(
            properties.Schema.INTEGER,
            'Cooldown period, in seconds.',
            update_allowed=True),
        DESIRED_CAPACITY: properties.Schema(
            properties.Schema.INTEGER,
            'Desired initial number of resources.',
            update_allowed=True),
        ROLLING_UPDATES: properties.Schema(
            properties.Schema.MAP,
            'Policy for rolling updates for this scaling group.',
            update_allowed=True,
            schema={
                MIN_IN_SERVICE: properties.Schema(
                    properties.Schema.INTEGER,
                    'The minimum number of resources in service while '
                    'rolling updates are being executed.',
                    constraints=[constraints.Range(min=0)],
                    default=0),
                MAX_BATCH_SIZE: properties.Schema(
                    properties.Schema.INTEGER,
                    'The maximum number of resources to replace at once.',
                    constraints=[constraints.Range(min=1)],
                    default=1),
                PAUSE_TIME: properties.Schema(
                    properties.Schema.NUMBER,
                    'The number of seconds to wait between batches of '
                    'updates.',
                    constraints=[constraints.Range(min=0)],
                    default=0),
            },
            # every field at its own default
            default={MIN_IN_SERVICE: 0, MAX_BATCH_SIZE: 1, PAUSE_TIME: 0}),
        HEALTH_CHECK: health_check_schema(
            'Health checks of the members (self-healing): an unhealthy '
            'member is replaced. Absent or null: none; {} a status check '
            'with every default. Changed in place. (Heat extension: not '
            'in upstream Heat.)'),
        LIFECYCLE_HOOKS: lifecycle_hooks_schema(
            'Lifecycle hooks of the members: a launch hook holds a new '
            'member in PENDING_WAIT, a terminate hook holds a member a '
            'scale-in chose in TERMINATING_WAIT, until the action is '
            'completed (CONTINUE or ABANDON) or heartbeat_timeout passes '
            'without a heartbeat (default_result). At most one hook per '
            'transition. Absent, null or []: none. Changed in place. '
            '(Heat extension: not in upstream Heat.)'),
    }

    # get_attr may name any member attribute path (outputs, resource.N...)
    attributes_schema = stack_resource.OpenAttributeSchema({
        OUTPUTS: attributes.Schema(
            'A map of resource names to the specified attribute of each '
            'individual resource that is part of the AutoScalingGroup.',
            type=attributes.Schema.MAP),
        OUTPUTS_LIST: attributes.Schema(
            'A list of the specified attribute of each individual resource '
            'that is part of the AutoScalingGroup.',
            type=attributes.Schema.LIST),
        CURRENT_SIZE: attributes.Schema(
            'The current size of AutoscalingResourceGroup.',
            type=attributes.Schema.INTEGER),
        REFS: attributes.Schema(
            'A list of resource IDs for the resources in the group.',
            type=attributes.Schema.LIST),
        REFS_MAP: attributes.Schema(
            'A map of resource names to IDs for the resources in the group.',
            type=attributes.Schema.MAP),
        HEALTH: attributes.Schema(
            'The group\'s health as its last check found it (null with no '
            'health check or before the first check): status (HEALTHY, '
            'DEGRADED, GUARDED, LIMITED), reason, checked_at, members, '
            'healthy, unhealthy. (Heat extension.)',
            type=attributes.Schema.MAP),
    })

    update_policy_schema = {}

    size_properties = {'min_size': MIN_SIZE, 'max_size': MAX_SIZE,
                       'desired_capacity': DESIRED_CAPACITY}
    cooldown_property = COOLDOWN
    rolling_property = ROLLING_UPDATES
    health_check_properties = (HEALTH_CHECK,)

    # -- what the group is ----------------------------------------------

    def _sizes(self, props):
        return (props[self.MIN_SIZE], props[self.MAX_SIZE],
                props[self.DESIRED_CAPACITY])

    def _cooldown(self, props):
        return props[self.COOLDOWN]

    def _member_definition(self, props):
        return dict(props[self.RESOURCE] or {})

    def _rolling_update(self, props, policy):
        rolling = props[self.ROLLING_UPDATES] or {}
        return ig.rolling_update_seconds(
            rolling.get(self.MIN_IN_SERVICE, 0),
            rolling.get(self.MAX_BATCH_SIZE, 1),
            rolling.get(self.PAUSE_TIME, 0))

    def _replace_members_on_change(self, props, policy):
        return True

    def _health_check(self, props):
        value = props[self.HEALTH_CHECK]
        if not value:
            # absent, or null (an empty map: Properties' null of a map)
            return None
        return {k: v for k, v in value.items() if v is not None}

    def _health_check_error(self, props, exc):
        # the library names health_check.<key>: the path of the property
        where, sep, message = str(exc).partition(': ')
        if not sep or not where.startswith(self.HEALTH_CHECK):
            return super()._health_check_error(props, exc)
        return exception.StackValidationFailed(
            message=message, path=props.error_prefix + where.split('.'),
            error=properties.PROPERTY_ERROR)

    def _lifecycle_hooks(self, props):
        """The hooks of ``props`` as the library takes them (None:
        none): the keys not set left out (a null ``notify_url`` or
        ``metadata`` is Properties' empty string: not set either)."""
        value = props[self.LIFECYCLE_HOOKS]
        if not value:
            # absent, null or []
            return None
        return [{k: v for k, v in item.items() if v is not None and
                 not (v == '' and k in _HOOK_OPTIONAL)}
                if isinstance(item, dict) else item for item in value]

    def _checked_lifecycle_hooks(self, props):
        """:meth:`_lifecycle_hooks`, checked by the library (an error at
        the path of the entry's key, ``lifecycle_hooks[1].transition``)."""
        hooks = self._lifecycle_hooks(props)
        try:
            lifecycle.parse(hooks)
        except lifecycle.InvalidHook as exc:
            match = _HOOK_ERROR.match(str(exc))
            path = list(props.error_prefix)
            message = str(exc)
            if match and match.group('prop') == self.LIFECYCLE_HOOKS:
                path.append(self.LIFECYCLE_HOOKS)
                if match.group('index') is not None:
                    path.append(int(match.group('index')))
                if match.group('key'):
                    path.append(match.group('key'))
                message = match.group('message')
            raise exception.StackValidationFailed(
                message=message, path=path,
                error=properties.PROPERTY_ERROR) from None
        return hooks

    def validate_lifecycle_hooks(self):
        """Check the hooks when their values are known (a value from a
        resource not created yet is checked by the AS engine at create
        time)."""
        props = self.properties
        data = props.data if isinstance(props.data, dict) else {}
        if properties._waits_for_resources(data.get(self.LIFECYCLE_HOOKS)):
            return
        self._checked_lifecycle_hooks(props)

    def _extension_args(self, props):
        args = super()._extension_args(props)
        args['lifecycle_hooks'] = self._checked_lifecycle_hooks(props)
        return args

    # -- validation -----------------------------------------------------

    def validate_group(self):
        props = self.properties
        self._check_sizes(props[self.MIN_SIZE], props[self.MAX_SIZE],
                          props[self.DESIRED_CAPACITY])
        self.validate_health_check()
        self.validate_lifecycle_hooks()

    # -- references and attributes --------------------------------------

    def get_attribute(self, key, *path):
        if key == self.SHOW:
            return super().get_attribute(key, *path)
        if key == self.CURRENT_SIZE:
            # an extra path is ignored (upstream)
            return self.current_size()
        if key == self.HEALTH:
            group = self._group()
            return attributes.select_from_attribute(
                group.get('health') if group else None, path)
        if key == self.REFS:
            return attributes.select_from_attribute(
                [m.FnGetRefId() for m in self.get_members()], path)
        if key == self.REFS_MAP:
            return attributes.select_from_attribute(
                {m.name: m.FnGetRefId() for m in self.get_members()}, path)
        if key in (self.OUTPUTS, self.OUTPUTS_LIST):
            if not path:
                raise exception.InvalidTemplateAttribute(resource=self.name,
                                                         key=key)
            values = [(m.name, m.FnGetAtt(*path))
                      for m in self.get_members()]
            if key == self.OUTPUTS:
                return dict(values)
            return [v for _, v in values]
        if isinstance(key, str) and key.startswith('resource.'):
            return self._resource_attr(key, *path)
        raise exception.InvalidTemplateAttribute(resource=self.name,
                                                 key=key)

    def FnGetAtts(self):
        return {k: self.get_attribute(k) for k in
                (self.CURRENT_SIZE, self.REFS, self.REFS_MAP)}


def resource_mapping():
    return {'OS::Heat::AutoScalingGroup': AutoScalingResourceGroup}
