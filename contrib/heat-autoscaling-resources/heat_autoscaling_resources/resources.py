"""``OS::AutoScaling::Group``, ``OS::AutoScaling::Policy`` and
``OS::AutoScaling::Webhook``: a template's scaling group, its policies and
their webhooks, kept by an Auto-Scaling API v1 service (reached over HTTP:
see :mod:`._client` for the endpoint and the credentials).

Only what upstream OpenStack Heat's plug-in interface offers is used
(``heat.engine.resource.Resource``, property and attribute schemas,
``handle_*`` / ``check_*_complete``), so the module loads into upstream
Heat through ``plugin_dirs`` and into this project's engine alike.

References: a group's is its id; a policy's is ``<group id>:<policy
id>`` (what a webhook's ``policy`` property takes, as Rackspace's
``Rackspace::AutoScale::WebHook`` did); a webhook's is its id.
"""

import logging

from heat.common import exception
from heat.engine import attributes, constraints, properties, resource

from . import _client

LOG = logging.getLogger(__name__)

ADJUSTMENT_TYPES = ('change_in_capacity', 'exact_capacity',
                    'percent_change_in_capacity')
POLICY_KINDS = (SIMPLE, SCHEDULED) = ('simple', 'scheduled')
REMOVAL_POLICIES = ('default', 'oldest', 'newest', 'oldest_definition',
                    'random')
#: member statuses whose resources exist and count
_LIVE_MEMBERS = ('ACTIVE', 'UPDATING')
HEALTH_CHECK_TYPES = ('status', 'http')
#: lifecycle hooks: the API's transitions, results and heartbeat bounds
HOOK_TRANSITIONS = ('launch', 'terminate')
HOOK_RESULTS = ('CONTINUE', 'ABANDON')
HOOK_MIN_TIMEOUT, HOOK_MAX_TIMEOUT = 1, 7200 * 24


def _health_check_schema():
    """The group's ``health_check`` map: the keys, types and defaults of
    the API's ``health_check`` object (``timeout`` has no default here:
    the API's is 5, or ``interval`` when that is smaller). The API checks
    what spans keys (``timeout`` <= ``interval``, ``url_attribute`` with
    ``http``, the ``expected_codes`` syntax)."""
    S = properties.Schema

    def key(ptype, text, default=None, cons=()):
        return S(ptype, text, default=default, constraints=list(cons),
                 update_allowed=True)

    return {
        'type': key(
            S.STRING,
            'status: a member whose resource is FAILED (a failed action, '
            'a failed check, marked unhealthy) is unhealthy; http: also '
            'poll each member\'s URL (see url_attribute).',
            'status', [constraints.AllowedValues(HEALTH_CHECK_TYPES)]),
        'grace_period': key(
            S.NUMBER,
            'Seconds after a member is created during which it is not '
            'judged.', 0, [constraints.Range(min=0)]),
        'interval': key(
            S.NUMBER,
            'Seconds between two checks of a member (greater than 0).', 10),
        'timeout': key(
            S.NUMBER,
            'Seconds for one HTTP answer, greater than 0 and at most '
            'interval (default 5, or interval when it is smaller).'),
        'healthy_threshold': key(
            S.INTEGER,
            'Consecutive passes that make an unhealthy member healthy '
            'again.', 2, [constraints.Range(min=1)]),
        'unhealthy_threshold': key(
            S.INTEGER,
            'Consecutive failures that make a member unhealthy.', 3,
            [constraints.Range(min=1)]),
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
            'http: the port when url_attribute gives a host.', 80,
            [constraints.Range(min=1, max=65535)]),
        'expected_codes': key(
            S.STRING,
            'http: the status codes of a pass, Octavia\'s syntax: "200", '
            '"200,202", "200-204".', '200', [constraints.Length(min=1)]),
        'max_unhealthy_percent': key(
            S.NUMBER,
            'When more of the members than this are unhealthy at once, '
            'none is replaced (a monitoring outage, a bad dependency).',
            50, [constraints.Range(min=0, max=100)]),
        'max_replacements': key(
            S.INTEGER,
            'Replacements per replacement_period (default: no limit).',
            cons=[constraints.Range(min=1)]),
        'replacement_period': key(
            S.NUMBER,
            'Seconds of the max_replacements window (greater than 0).',
            3600),
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


def _lifecycle_hook_schema():
    """One entry of the group's ``lifecycle_hooks`` list: the keys, types,
    constraints and defaults of the API's hook object. The API checks
    what spans entries (unique names, one hook per transition)."""
    S = properties.Schema

    def key(ptype, text, default=None, cons=(), required=False):
        return S(ptype, text, default=default, constraints=list(cons),
                 required=required, update_allowed=True)

    return S(S.MAP, 'A lifecycle hook.', update_allowed=True, schema={
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
            cons=[constraints.AllowedValues(list(HOOK_TRANSITIONS))],
            required=True),
        'heartbeat_timeout': key(
            S.NUMBER,
            'Seconds a wait lasts without a heartbeat; then '
            'default_result applies.', 3600,
            [constraints.Range(min=HOOK_MIN_TIMEOUT,
                               max=HOOK_MAX_TIMEOUT)]),
        'default_result': key(
            S.STRING,
            'The result applied at the timeout: CONTINUE (launch: the '
            'member serves) or ABANDON (launch: the member fails and is '
            'replaced); a terminate wait ends in the deletion either '
            'way.', 'ABANDON',
            [constraints.AllowedValues(list(HOOK_RESULTS))]),
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
    })


class APIStateError(Exception):
    """The API shows the object in a state the action cannot accept."""


def _not_found(exc):
    return getattr(exc, 'status_code', None) == 404


class _APIResource(resource.Resource):
    """What the three types share: the client of the stack."""

    _as_client = None

    def client_autoscaling(self):
        """The Auto-Scaling API client (made once per resource object)."""
        if self._as_client is None:
            self._as_client = _client.make_client(self.context)
        return self._as_client

    def _name_or_physical(self, name):
        return name or self.physical_resource_name()


class AutoScalingGroup(_APIResource):
    """A scaling group of the Auto-Scaling API.

    Created, changed in place (bounds, capacity, cooldown, member
    definition: a changed definition replaces the members in rolling
    batches; health check; lifecycle hooks), suspended, resumed, checked
    and deleted (waiting until the group and its members are gone)
    through the API.
    """

    PROPERTIES = (
        NAME, MIN_SIZE, MAX_SIZE, DESIRED_CAPACITY, COOLDOWN, RESOURCE,
        ROLLING_UPDATES, REMOVAL_POLICY, HEALTH_CHECK, LIFECYCLE_HOOKS,
    ) = (
        'name', 'min_size', 'max_size', 'desired_capacity', 'cooldown',
        'resource', 'rolling_updates', 'removal_policy', 'health_check',
        'lifecycle_hooks',
    )
    _RESOURCE_KEYS = (RES_TYPE, RES_PROPERTIES, RES_METADATA) = (
        'type', 'properties', 'metadata')
    _ROLLING_KEYS = (MIN_IN_SERVICE, MAX_BATCH_SIZE, PAUSE_TIME) = (
        'min_in_service', 'max_batch_size', 'pause_time')

    ATTRIBUTES = (
        GROUP_ID, CURRENT_SIZE, DESIRED, STATUS, MEMBERS, OUTPUTS,
        OUTPUTS_LIST, HEALTH,
    ) = (
        'group_id', 'current_size', 'desired_capacity', 'status', 'members',
        'outputs', 'outputs_list', 'health',
    )

    properties_schema = {
        NAME: properties.Schema(
            properties.Schema.STRING,
            'Name of the group (unique in the project). Default: the '
            'physical resource name.',
            update_allowed=True,
            constraints=[constraints.Length(min=1, max=255)]),
        MIN_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Minimum number of members in the group.',
            required=True, update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        MAX_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Maximum number of members in the group.',
            required=True, update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        DESIRED_CAPACITY: properties.Schema(
            properties.Schema.INTEGER,
            'Desired initial number of members (default: min_size). A '
            'change sets the capacity; scaling since is otherwise kept.',
            update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        COOLDOWN: properties.Schema(
            properties.Schema.NUMBER,
            'Cooldown period, in seconds, of the group\'s policies that '
            'set none.',
            update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        RESOURCE: properties.Schema(
            properties.Schema.MAP,
            'The definition of one member: a resource type (or a provider '
            'template in the stack\'s files, or a type the stack\'s '
            'environment maps) with its properties and metadata. A '
            'change replaces the members in rolling batches.',
            required=True, update_allowed=True,
            schema={
                RES_TYPE: properties.Schema(
                    properties.Schema.STRING,
                    'The member\'s resource type.', required=True),
                RES_PROPERTIES: properties.Schema(
                    properties.Schema.MAP,
                    'The member\'s properties.'),
                RES_METADATA: properties.Schema(
                    properties.Schema.MAP,
                    'The member\'s metadata.'),
            }),
        ROLLING_UPDATES: properties.Schema(
            properties.Schema.MAP,
            'How members are replaced when the member definition changes.',
            update_allowed=True,
            schema={
                MIN_IN_SERVICE: properties.Schema(
                    properties.Schema.INTEGER,
                    'Members kept in service during a rolling replacement.',
                    constraints=[constraints.Range(min=0)]),
                MAX_BATCH_SIZE: properties.Schema(
                    properties.Schema.INTEGER,
                    'Members replaced at once.',
                    constraints=[constraints.Range(min=1)]),
                PAUSE_TIME: properties.Schema(
                    properties.Schema.NUMBER,
                    'Seconds to wait between batches.',
                    constraints=[constraints.Range(min=0)]),
            }),
        REMOVAL_POLICY: properties.Schema(
            properties.Schema.STRING,
            'Which members a scale-in removes first.',
            update_allowed=True,
            constraints=[constraints.AllowedValues(REMOVAL_POLICIES)]),
        HEALTH_CHECK: properties.Schema(
            properties.Schema.MAP,
            'Health checks of the members (self-healing): an unhealthy '
            'member is replaced. Absent or null: none; {} a status check '
            'with every default. Changed in place.',
            update_allowed=True, schema=_health_check_schema()),
        LIFECYCLE_HOOKS: properties.Schema(
            properties.Schema.LIST,
            'Lifecycle hooks of the members: a launch hook holds a new '
            'member in PENDING_WAIT, a terminate hook holds a member a '
            'scale-in chose in TERMINATING_WAIT, until the action is '
            'completed (CONTINUE or ABANDON) or heartbeat_timeout passes '
            'without a heartbeat (default_result). At most one hook per '
            'transition. Absent, null or []: none. Changed in place.',
            update_allowed=True, schema=_lifecycle_hook_schema()),
    }

    attributes_schema = {
        GROUP_ID: attributes.Schema(
            'The group\'s id in the Auto-Scaling API.',
            type=attributes.Schema.STRING),
        CURRENT_SIZE: attributes.Schema(
            'The number of members that count (not failed, not being '
            'removed).',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.INTEGER),
        DESIRED: attributes.Schema(
            'The capacity the group is converging to.',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.INTEGER),
        STATUS: attributes.Schema(
            'The group\'s status (INIT, CONVERGING, ACTIVE, FAILED, '
            'DELETING).',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.STRING),
        MEMBERS: attributes.Schema(
            'The members: name, status, generation, health, protected and '
            'physical resource id of each, oldest first.',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.LIST),
        OUTPUTS: attributes.Schema(
            'A map of member names to the given attribute of each member '
            '(get_attr: [group, outputs, ATTRIBUTE]).',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.MAP),
        OUTPUTS_LIST: attributes.Schema(
            'The list of the given attribute of each member, oldest first '
            '(get_attr: [group, outputs_list, ATTRIBUTE]).',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.LIST),
        HEALTH: attributes.Schema(
            'The group\'s health as its last check found it (null with no '
            'health check or before the first check): status (HEALTHY, '
            'DEGRADED, GUARDED, LIMITED), reason, checked_at, members, '
            'healthy, unhealthy.',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.MAP),
    }

    # -- the request bodies ----------------------------------------------

    def _member_fields(self, definition):
        """``resource`` with the stack's files and type mappings its
        provider templates need."""
        fields = {'resource': {k: v for k, v in definition.items()
                               if v is not None}}
        files = dict(self.stack.t.files or {})
        if files:
            fields['files'] = files
        env = self.stack.env.user_env_as_dict() or {}
        registry = {k: v for k, v in
                    (env.get('resource_registry') or {}).items()
                    if k != 'resources'}
        if registry:
            fields['environment'] = {'resource_registry': registry}
        return fields

    def _rolling(self, value):
        if not value:
            return None
        return {k: v for k, v in value.items() if v is not None} or None

    def _health_check(self, value):
        """The API's ``health_check`` of the property's value (None:
        none; null gives an empty map)."""
        if not value:
            return None
        return {k: v for k, v in value.items() if v is not None}

    def _lifecycle_hooks(self, value):
        """The API's ``lifecycle_hooks`` of the property's value (None:
        none; null gives an empty list), the keys not set left out (a
        null ``notify_url`` or ``metadata`` is an empty string: not set
        either)."""
        if not value:
            return None
        return [{k: v for k, v in item.items() if v is not None and
                 not (v == '' and k in ('notify_url', 'metadata'))}
                if isinstance(item, dict) else item for item in value]

    def _body(self, props, keys, update=False):
        body = {}
        for key in keys:
            value = props.get(key)
            if key == self.NAME:
                body['name'] = self._name_or_physical(value)
            elif key == self.HEALTH_CHECK:
                check = self._health_check(value)
                if check or update:
                    # an update without one removes it: {} (the client
                    # leaves None out)
                    body['health_check'] = check or {}
            elif key == self.LIFECYCLE_HOOKS:
                hooks = self._lifecycle_hooks(value)
                if hooks or update:
                    # an update without them removes them: [] (the
                    # client leaves None out)
                    body['lifecycle_hooks'] = hooks or []
            elif value is None:
                continue
            elif key == self.RESOURCE:
                body.update(self._member_fields(value))
            elif key == self.ROLLING_UPDATES:
                rolling = self._rolling(value)
                if rolling:
                    body['rolling_update'] = rolling
            else:
                body[key] = value
        return body

    # -- lifecycle ---------------------------------------------------------

    def handle_create(self):
        body = self._body(self.properties, self.PROPERTIES)
        group = self.client_autoscaling().groups.create(
            idempotency_key='heat-%s' % self.uuid, **body)
        self.resource_id_set(group.id)
        return group.id

    def _poll(self, min_version=None):
        """True once converged and ACTIVE (at ``min_version``); raises on
        FAILED with the group's reason."""
        group = self.client_autoscaling().groups.get(self.resource_id)
        if group.status == 'FAILED':
            raise exception.ResourceInError(
                resource_status=group.status,
                status_reason=group.status_reason or 'group failed')
        if min_version is not None and (group.version or 0) < min_version:
            return False
        return bool(group.is_active)

    def check_create_complete(self, token):
        return self._poll()

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        if not prop_diff:
            return None
        keys = [k for k in self.PROPERTIES if k in prop_diff]
        body = self._body(prop_diff, keys, update=True)
        if self.MIN_SIZE in body or self.MAX_SIZE in body:
            # the API checks the bounds together (the current properties
            # are the ones before this update)
            for key in (self.MIN_SIZE, self.MAX_SIZE):
                body.setdefault(key, self.properties[key])
        if not body:
            return None
        group = self.client_autoscaling().groups.update(
            self.resource_id, **body)
        return group.version

    def check_update_complete(self, token):
        if token is None:
            return True
        return self._poll(min_version=token)

    def handle_delete(self):
        if self.resource_id is None:
            return None
        try:
            self.client_autoscaling().groups.delete(self.resource_id)
        except Exception as exc:
            if _not_found(exc):
                return None
            raise
        return self.resource_id

    def check_delete_complete(self, token):
        if token is None:
            return True
        try:
            group = self.client_autoscaling().groups.get(token)
        except Exception as exc:
            if _not_found(exc):
                return True
            raise
        if group.status == 'FAILED':
            raise exception.ResourceInError(
                resource_status=group.status,
                status_reason=group.status_reason or 'delete failed')
        return False

    def handle_suspend(self):
        if self.resource_id is not None:
            self.client_autoscaling().groups.suspend(self.resource_id)

    def handle_resume(self):
        if self.resource_id is not None:
            self.client_autoscaling().groups.resume(self.resource_id)

    def handle_check(self):
        group = self.client_autoscaling().groups.get(self.resource_id)
        if group.status in ('FAILED', 'DELETING'):
            raise APIStateError('group %s is %s: %s' % (
                group.id, group.status, group.status_reason or ''))

    # -- attributes ----------------------------------------------------------

    def _members(self, attribute=None):
        if self.resource_id is None:
            return []
        kwargs = {'attributes': [attribute]} if attribute else {}
        return self.client_autoscaling().members.list(self.resource_id,
                                                      **kwargs)

    def get_attribute(self, key, *path):
        if key in (self.OUTPUTS, self.OUTPUTS_LIST):
            if not path:
                raise exception.InvalidTemplateAttribute(resource=self.name,
                                                         key=key)
            name, rest = path[0], path[1:]
            values = []
            for m in self._members(name):
                if m.status not in _LIVE_MEMBERS:
                    continue
                value = (m.attributes or {}).get(name)
                values.append((m.name, attributes.select_from_attribute(
                    value, rest) if rest else value))
            if key == self.OUTPUTS:
                return dict(values)
            return [v for _, v in values]
        return super().get_attribute(key, *path)

    def _resolve_attribute(self, name):
        if self.resource_id is None:
            return None
        if name == self.GROUP_ID:
            return self.resource_id
        if name == self.MEMBERS:
            return [m.to_dict() for m in self._members()]
        group = self.client_autoscaling().groups.get(self.resource_id)
        if name == self.CURRENT_SIZE:
            return group.current_size
        if name == self.DESIRED:
            return group.desired_capacity
        if name == self.STATUS:
            return group.status
        if name == self.HEALTH:
            return group.to_dict().get('health')
        return None

    def _show_resource(self):
        if self.resource_id is None:
            return {}
        return self.client_autoscaling().groups.get(
            self.resource_id).to_dict()


class AutoScalingPolicy(_APIResource):
    """A scaling policy of a group of the Auto-Scaling API: ``simple``
    (an adjustment) or ``scheduled`` (a cron recurrence in a time zone,
    or one time ``at``, setting the group's bounds and capacity).

    Signalling the resource executes the policy (an alarm whose state is
    not ``alarm`` asks for nothing; a scheduled policy applies its action
    now); the SIGNAL event's reason is the API's decision.
    """

    PROPERTIES = (
        GROUP, NAME, KIND, ADJUSTMENT_TYPE, SCALING_ADJUSTMENT,
        MIN_ADJUSTMENT_STEP, COOLDOWN, SCHEDULE,
    ) = (
        'group', 'name', 'kind', 'adjustment_type', 'scaling_adjustment',
        'min_adjustment_step', 'cooldown', 'schedule',
    )
    _SCHEDULE_KEYS = (RECURRENCE, AT, TIME_ZONE, S_MIN, S_MAX,
                      S_DESIRED) = (
        'recurrence', 'at', 'time_zone', 'min_size', 'max_size',
        'desired_capacity')
    _SIMPLE_ONLY = (ADJUSTMENT_TYPE, SCALING_ADJUSTMENT,
                    MIN_ADJUSTMENT_STEP, COOLDOWN)
    SIMPLE, SCHEDULED = POLICY_KINDS
    ATTRIBUTES = (POLICY_ID, GROUP_ID, EXECUTE_URL, NEXT_RUN_AT) = (
        'policy_id', 'group_id', 'execute_url', 'next_run_at')

    properties_schema = {
        GROUP: properties.Schema(
            properties.Schema.STRING,
            'The id of the group (get_resource of an '
            'OS::AutoScaling::Group).',
            required=True),
        NAME: properties.Schema(
            properties.Schema.STRING,
            'Name of the policy (unique in the group). Default: the '
            'physical resource name.',
            update_allowed=True,
            constraints=[constraints.Length(min=1, max=255)]),
        KIND: properties.Schema(
            properties.Schema.STRING,
            'simple: adjustment_type and scaling_adjustment; scheduled: '
            'schedule. A change replaces the policy.',
            default=SIMPLE,
            constraints=[constraints.AllowedValues(POLICY_KINDS)]),
        ADJUSTMENT_TYPE: properties.Schema(
            properties.Schema.STRING,
            'How scaling_adjustment is applied (simple policies: '
            'required).',
            update_allowed=True,
            constraints=[constraints.AllowedValues(ADJUSTMENT_TYPES)]),
        SCALING_ADJUSTMENT: properties.Schema(
            properties.Schema.NUMBER,
            'The size adjustment, negative to scale in (simple policies: '
            'required).',
            update_allowed=True),
        MIN_ADJUSTMENT_STEP: properties.Schema(
            properties.Schema.INTEGER,
            'With percent_change_in_capacity: the least number of members '
            'added or removed.',
            update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        COOLDOWN: properties.Schema(
            properties.Schema.NUMBER,
            'Cooldown period, in seconds (default: the group\'s).',
            update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        SCHEDULE: properties.Schema(
            properties.Schema.MAP,
            'When a scheduled policy acts (recurrence or at) and what it '
            'sets (any of min_size, max_size, desired_capacity).',
            update_allowed=True,
            schema={
                RECURRENCE: properties.Schema(
                    properties.Schema.STRING,
                    'A cron expression of five fields, read in '
                    'time_zone: "0 8 * * 1-5".'),
                AT: properties.Schema(
                    properties.Schema.STRING,
                    'One time, ISO 8601 (without an offset: in '
                    'time_zone).'),
                TIME_ZONE: properties.Schema(
                    properties.Schema.STRING,
                    'An IANA time zone (default UTC).'),
                S_MIN: properties.Schema(
                    properties.Schema.INTEGER, 'The new min_size.',
                    constraints=[constraints.Range(min=0)]),
                S_MAX: properties.Schema(
                    properties.Schema.INTEGER, 'The new max_size.',
                    constraints=[constraints.Range(min=0)]),
                S_DESIRED: properties.Schema(
                    properties.Schema.INTEGER, 'The new capacity.',
                    constraints=[constraints.Range(min=0)]),
            }),
    }

    attributes_schema = {
        NEXT_RUN_AT: attributes.Schema(
            'A scheduled policy\'s next occurrence (ISO 8601, UTC), null '
            'when none is left.',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.STRING),
        POLICY_ID: attributes.Schema(
            'The policy\'s id in the Auto-Scaling API.',
            type=attributes.Schema.STRING),
        GROUP_ID: attributes.Schema(
            'The id of the policy\'s group.',
            type=attributes.Schema.STRING),
        EXECUTE_URL: attributes.Schema(
            'The authenticated URL executing the policy (POST with a '
            'token of the project).',
            type=attributes.Schema.STRING),
    }

    def _ids(self):
        group, _, policy = (self.resource_id or '').partition(':')
        return group, policy

    def _fail(self, key, message):
        raise exception.StackValidationFailed(
            message='Property error: resources.%s.properties.%s: %s'
                    % (self.name, key, message))

    def validate(self):
        result = super().validate()
        props = self.properties
        if props[self.KIND] == self.SCHEDULED:
            if not props[self.SCHEDULE]:
                self._fail(self.SCHEDULE, 'a scheduled policy needs a '
                                          'schedule')
            for key in self._SIMPLE_ONLY:
                if props[key] is not None:
                    self._fail(key, 'not allowed with kind scheduled (a '
                                    'scheduled policy has a schedule, no '
                                    'adjustment)')
        else:
            for key in (self.ADJUSTMENT_TYPE, self.SCALING_ADJUSTMENT):
                if props[key] is None:
                    self._fail(key, 'required by a simple policy')
            if props[self.SCHEDULE]:
                self._fail(self.SCHEDULE, 'only with kind scheduled')
        return result

    def _schedule(self, value):
        return {k: v for k, v in (value or {}).items() if v is not None}

    def handle_create(self):
        props = self.properties
        if props[self.KIND] == self.SCHEDULED:
            # no adjustment: the client leaves the None values out
            args = (None, None)
            extra = {'kind': self.SCHEDULED,
                     'schedule': self._schedule(props[self.SCHEDULE])}
        else:
            args = (props[self.ADJUSTMENT_TYPE],
                    props[self.SCALING_ADJUSTMENT])
            extra = {k: props[k] for k in (self.MIN_ADJUSTMENT_STEP,
                                           self.COOLDOWN)
                     if props[k] is not None}
        policy = self.client_autoscaling().policies.create(
            props[self.GROUP], self._name_or_physical(props[self.NAME]),
            *args, idempotency_key='heat-%s' % self.uuid, **extra)
        self.resource_id_set('%s:%s' % (policy.group_id, policy.id))

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        if not prop_diff:
            return
        body = {}
        for key, value in prop_diff.items():
            if key == self.NAME:
                body['name'] = self._name_or_physical(value)
            elif key == self.SCHEDULE:
                if value:
                    body[key] = self._schedule(value)
            elif value is not None:
                body[key] = value
        if body:
            group, policy = self._ids()
            self.client_autoscaling().policies.update(group, policy, **body)

    def handle_delete(self):
        if not self.resource_id:
            return
        group, policy = self._ids()
        try:
            self.client_autoscaling().policies.delete(group, policy)
        except Exception as exc:
            if not _not_found(exc):
                raise

    def handle_check(self):
        group, policy = self._ids()
        self.client_autoscaling().policies.get(group, policy)

    def handle_signal(self, details=None):
        """Execute the policy; the decision's text becomes the reason of
        the SIGNAL event."""
        if isinstance(details, dict) and 'current' in details:
            state = str(details.get('current')).lower()
            if state != 'alarm':
                return 'alarm state %s: no scaling action' % state
        group, policy = self._ids()
        decision = self.client_autoscaling().policies.execute(
            group, policy, details=details if isinstance(details, dict)
            else None)
        reason = decision.reason or (
            'accepted' if decision.accepted else 'rejected')
        if decision.repeated:
            reason = 'repeated trigger, first decision: %s' % reason
        return reason

    def _resolve_attribute(self, name):
        if not self.resource_id:
            return None
        group, policy = self._ids()
        if name == self.POLICY_ID:
            return policy
        if name == self.GROUP_ID:
            return group
        if name == self.EXECUTE_URL:
            endpoint = self.client_autoscaling().endpoint
            if not endpoint:
                return None
            return '%s/groups/%s/policies/%s/execute' % (
                endpoint.rstrip('/'), group, policy)
        if name == self.NEXT_RUN_AT:
            shown = self.client_autoscaling().policies.get(group, policy)
            return shown.to_dict().get('next_run_at')
        return None


class AutoScalingWebhook(_APIResource):
    """A webhook of a policy: an unauthenticated capability URL that
    executes the policy when POSTed to (its ``url`` attribute, kept
    secret in the resource's data)."""

    PROPERTIES = (POLICY, NAME) = ('policy', 'name')
    ATTRIBUTES = (URL,) = ('url',)
    _URL_KEY = 'url'

    properties_schema = {
        POLICY: properties.Schema(
            properties.Schema.STRING,
            'The policy, as "<group id>:<policy id>" (get_resource of an '
            'OS::AutoScaling::Policy).',
            required=True),
        NAME: properties.Schema(
            properties.Schema.STRING,
            'Name of the webhook.',
            constraints=[constraints.Length(min=1, max=255)]),
    }

    attributes_schema = {
        URL: attributes.Schema(
            'The capability URL: a POST to it (no token) executes the '
            'policy.',
            type=attributes.Schema.STRING),
    }

    def _ids(self):
        group, sep, policy = self.properties[self.POLICY].partition(':')
        if not sep or not group or not policy:
            raise exception.StackValidationFailed(
                message='Property error: %s.Properties.policy: %r is not '
                        '"<group id>:<policy id>" (get_resource of an '
                        'OS::AutoScaling::Policy)'
                        % (self.name, self.properties[self.POLICY]))
        return group, policy

    def handle_create(self):
        group, policy = self._ids()
        hook = self.client_autoscaling().webhooks.create(
            group, policy, name=self._name_or_physical(
                self.properties[self.NAME]),
            idempotency_key='heat-%s' % self.uuid)
        self.data_set(self._URL_KEY, hook.url, redact=True)
        self.resource_id_set(hook.id)

    def handle_delete(self):
        if not self.resource_id:
            return
        group, policy = self._ids()
        try:
            self.client_autoscaling().webhooks.delete(group, policy,
                                                      self.resource_id)
        except Exception as exc:
            if not _not_found(exc):
                raise

    def handle_check(self):
        group, policy = self._ids()
        ids = [w.id for w in self.client_autoscaling().webhooks.list(
            group, policy)]
        if self.resource_id not in ids:
            raise APIStateError('webhook %s of policy %s is gone'
                                  % (self.resource_id, policy))

    def _resolve_attribute(self, name):
        if name == self.URL and self.resource_id:
            return self.data().get(self._URL_KEY)
        return None


def resource_mapping():
    return {
        'OS::AutoScaling::Group': AutoScalingGroup,
        'OS::AutoScaling::Policy': AutoScalingPolicy,
        'OS::AutoScaling::Webhook': AutoScalingWebhook,
    }
