"""The JSON Schemas (draft 2020-12) of the Auto-Scaling API v1: the
request bodies and query strings every route validates with
``jsonschema``, and the resources it answers with. The same schemas make
the OpenAPI 3.1 document (:mod:`heat.api.autoscaling.openapi`).

Validation errors name the field as a JSON pointer
(``/min_size: -1 is less than the minimum of 0``); an unknown key is
refused naming it (``/colour: unknown key``).
"""

import math

import jsonschema
import webob.exc

from heat.scaling import lifecycle

DIALECT = 'https://json-schema.org/draft/2020-12/schema'

ADJUSTMENT_TYPES = ['change_in_capacity', 'exact_capacity',
                    'percent_change_in_capacity']
#: what the engine's removal library accepts (heat.scaling.removal)
REMOVAL_POLICIES = ['default', 'oldest', 'newest', 'oldest_definition',
                    'oldest_generation', 'random']
GROUP_STATUSES = ['INIT', 'CONVERGING', 'ACTIVE', 'FAILED', 'DELETING']
SORT_KEYS = ['name', 'created_at', 'updated_at', 'status']

#: the largest integer every database's INTEGER column holds (MySQL's
#: INT): a larger count is a 400, not a 500 from the INSERT (found by
#: fuzzing); seconds are bounded alike (a cooldown's end stays a date)
INT_MAX = 2 ** 31 - 1
_count = {'type': 'integer', 'minimum': 0, 'maximum': INT_MAX}
_seconds = {'type': 'number', 'minimum': 0, 'maximum': INT_MAX}
_adjustment = {'type': 'number', 'minimum': -INT_MAX, 'maximum': INT_MAX}
_name = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_time = {'type': ['string', 'null'], 'format': 'date-time'}
_links = {'type': 'array', 'items': {
    'type': 'object', 'properties': {'rel': {'type': 'string'},
                                     'href': {'type': 'string'}}}}


def _obj(properties, required=(), **extra):
    out = {'type': 'object', 'properties': properties,
           'additionalProperties': False}
    if required:
        out['required'] = list(required)
    out.update(extra)
    return out


MEMBER_RESOURCE = _obj({
    'type': {'type': 'string', 'minLength': 1, 'maxLength': 255,
             'description': 'A resource type (OS::Heat::RandomString), '
                            'or a provider template named in files or '
                            'mapped in environment.'},
    'properties': {'type': 'object'},
    'metadata': {'type': 'object'},
}, required=['type'], description='One member, as the resource property '
                                  'of OS::Heat::AutoScalingGroup.')

ROLLING_UPDATE = _obj({
    'min_in_service': _count,
    'max_batch_size': {'type': 'integer', 'minimum': 1, 'maximum': INT_MAX},
    'pause_time': _seconds,
})

_positive_seconds = {'type': 'number', 'exclusiveMinimum': 0,
                     'maximum': INT_MAX}
HEALTH_CHECK_TYPES = ['status', 'http']
#: a group's health check (heat.scaling.health): each key typed here (a
#: 400 naming it); the engine checks what spans keys (timeout <=
#: interval, url_attribute with http, the expected_codes syntax) and
#: fills in the defaults. null (or {}) on update: no health check.
HEALTH_CHECK = {
    'type': ['object', 'null'],
    'properties': {
        'type': {'type': 'string', 'enum': HEALTH_CHECK_TYPES,
                 'description': 'status (default): a member whose resource '
                                'is FAILED is unhealthy; http: also poll '
                                'each member\'s URL.'},
        'grace_period': dict(_seconds, description=(
            'Seconds after a member is created during which it is not '
            'judged (default 0).')),
        'interval': dict(_positive_seconds, description=(
            'Seconds between two checks of a member (default 10).')),
        'timeout': dict(_positive_seconds, description=(
            'Seconds for one HTTP answer, at most interval (default 5, '
            'or interval when it is smaller).')),
        'healthy_threshold': {
            'type': 'integer', 'minimum': 1, 'maximum': INT_MAX,
            'description': 'Consecutive passes that make a member '
                           'healthy again (default 2).'},
        'unhealthy_threshold': {
            'type': 'integer', 'minimum': 1, 'maximum': INT_MAX,
            'description': 'Consecutive failures that make a member '
                           'unhealthy (default 3).'},
        'url_attribute': {
            'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255,
            'description': 'http (required): the attribute of the member\'s '
                           'resource whose value is the URL, or the host, '
                           'to poll.'},
        'path': {
            'type': ['string', 'null'], 'pattern': '^/', 'maxLength': 2048,
            'description': 'http: replaces the URL\'s path (default: the '
                           'URL\'s own; / for a host).'},
        'port': {'type': 'integer', 'minimum': 1, 'maximum': 65535,
                 'description': 'http: the port when url_attribute gives '
                                'a host (default 80).'},
        'expected_codes': {
            'type': 'string', 'minLength': 1, 'maxLength': 255,
            'description': 'http: the status codes of a pass, Octavia\'s '
                           'syntax: "200", "200,202", "200-204" '
                           '(default "200").'},
        'max_unhealthy_percent': {
            'type': 'number', 'minimum': 0, 'maximum': 100,
            'description': 'When more of the members are unhealthy at '
                           'once, none is replaced (default 50).'},
        'max_replacements': {
            'type': ['integer', 'null'], 'minimum': 1, 'maximum': INT_MAX,
            'description': 'Replacements per replacement_period (default '
                           'null: no limit).'},
        'replacement_period': dict(_positive_seconds, description=(
            'Seconds of the max_replacements window (default 3600).')),
        'update_timeout': {
            'type': ['number', 'null'], 'exclusiveMinimum': 0,
            'maximum': INT_MAX,
            'description': 'Rolling updates: seconds the new members of a '
                           'batch have to become healthy before the next '
                           'batch (default null: the grace period plus '
                           'healthy_threshold + 2 intervals).'},
        'rollback': {
            'type': 'boolean',
            'description': 'Rolling updates: a batch that does not become '
                           'healthy rolls the previous definition out '
                           'again (default false: the update stops).'},
    },
    'additionalProperties': False,
    'description': 'Health checks of the members (self-healing): an '
                   'unhealthy member is replaced. null (or {}): none.',
}

#: the results that end a lifecycle wait (heat.scaling.lifecycle)
LIFECYCLE_RESULTS = list(lifecycle.RESULTS)
LIFECYCLE_TRANSITIONS = list(lifecycle.TRANSITIONS)
_result = {'type': 'string', 'enum': LIFECYCLE_RESULTS}
#: one lifecycle hook of a group (heat.scaling.lifecycle): each key typed
#: here (a 400 naming it); the engine checks what spans hooks (one hook
#: per transition, unique names) and the URL, and fills in the defaults
LIFECYCLE_HOOK = _obj({
    'name': dict(_name, description='The hook\'s name, unique in the '
                                    'group.'),
    'transition': {
        'type': 'string', 'enum': LIFECYCLE_TRANSITIONS,
        'description': 'launch: a new member waits in PENDING_WAIT before '
                       'it serves; terminate: a member chosen by a '
                       'scale-in waits in TERMINATING_WAIT before it is '
                       'deleted.'},
    'heartbeat_timeout': {
        'type': 'number', 'minimum': lifecycle.MIN_TIMEOUT,
        'maximum': lifecycle.MAX_TIMEOUT,
        'description': 'Seconds a wait lasts without a heartbeat (default '
                       '3600); then default_result applies.'},
    'default_result': dict(_result, description=(
        'The result applied at the timeout (default ABANDON).')),
    'notify_url': {
        'type': ['string', 'null'], 'minLength': 1, 'maxLength': 2048,
        'description': 'An http(s) URL POSTed a JSON notification when a '
                       'wait begins (with its completion_url); null: '
                       'none.'},
    'metadata': {
        'type': ['string', 'null'], 'maxLength': 4096,
        'description': 'Passed as is in the notification.'},
}, required=['name', 'transition'])
LIFECYCLE_HOOKS = {
    'type': ['array', 'null'],
    'items': LIFECYCLE_HOOK,
    'maxItems': len(lifecycle.TRANSITIONS),
    'description': 'Lifecycle hooks: at most one per transition (launch, '
                   'terminate). null (or []): none.',
}

_GROUP_FIELDS = {
    'name': _name,
    'min_size': _count,
    'max_size': _count,
    'desired_capacity': _count,
    'cooldown': _seconds,
    'resource': MEMBER_RESOURCE,
    'files': {'type': 'object', 'additionalProperties': {'type': 'string'}},
    'environment': {'type': 'object'},
    'removal_policy': {'type': 'string', 'enum': REMOVAL_POLICIES},
    'rolling_update': ROLLING_UPDATE,
    'health_check': HEALTH_CHECK,
    'lifecycle_hooks': LIFECYCLE_HOOKS,
}

GROUP_CREATE = _obj(dict(_GROUP_FIELDS), required=[
    'name', 'min_size', 'max_size', 'resource'])
GROUP_UPDATE = _obj(dict(_GROUP_FIELDS,
                         replace_members={'type': 'boolean'}))

RESIZE = _obj({
    'capacity': _count,
    'adjustment': _adjustment,
    'adjustment_type': {'type': 'string', 'enum': ADJUSTMENT_TYPES},
    'min_adjustment_step': _count,
    'honor_cooldown': {'type': 'boolean'},
}, oneOf=[{'required': ['capacity'], 'not': {'anyOf': [
    {'required': ['adjustment']}, {'required': ['adjustment_type']},
    {'required': ['min_adjustment_step']}]}},
    {'required': ['adjustment'], 'not': {'required': ['capacity']}}],
    **{'x-error': 'give either capacity, or adjustment (with '
                  'adjustment_type, min_adjustment_step)'})

MEMBERS_REMOVE = _obj({
    'members': {'type': 'array', 'minItems': 1,
                'items': {'type': 'string', 'minLength': 1,
                          'maxLength': 64}},
    'replace': {'type': 'boolean'},
}, required=['members'])
MEMBER_UPDATE = _obj({'protected': {'type': 'boolean'}},
                     required=['protected'])
MARK_UNHEALTHY = _obj({'reason': {'type': 'string', 'maxLength': 4096}})
COMPLETE_LIFECYCLE_ACTION = _obj({'result': dict(_result, description=(
    'CONTINUE: a launch wait\'s member becomes ACTIVE; ABANDON: it is '
    'FAILED (and replaced). A terminate wait\'s member is deleted either '
    'way.'))}, required=['result'])
LIFECYCLE_HEARTBEAT = _obj({}, description='No body, or {}.')
#: the completion URL's body: a result, or a heartbeat
LIFECYCLE_ACTION = _obj({
    'result': dict(_result, description='End the wait with this result.'),
    'heartbeat': {'type': 'boolean', 'const': True,
                  'description': 'Extend the wait (its deadline is now + '
                                 'the hook\'s heartbeat_timeout).'},
}, oneOf=[{'required': ['result'], 'not': {'required': ['heartbeat']}},
          {'required': ['heartbeat'], 'not': {'required': ['result']}}],
    **{'x-error': 'give exactly one of result and heartbeat'})

_POLICY_FIELDS = {
    'name': _name,
    'adjustment_type': {'type': 'string', 'enum': ADJUSTMENT_TYPES},
    'scaling_adjustment': _adjustment,
    'min_adjustment_step': _count,
    'cooldown': _seconds,
}
POLICY_KINDS = ['simple', 'scheduled', 'step', 'target_tracking']
#: the kinds of the metric policies (their settings: ``params``)
METRIC_KINDS = ['step', 'target_tracking']
SCHEDULE = _obj({
    'recurrence': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                   'description': 'A cron expression, five fields (minute '
                                  'hour day-of-month month day-of-week), '
                                  'read in time_zone: "0 8 * * 1-5".'},
    'at': {'type': 'string', 'minLength': 1, 'maxLength': 64,
           'description': 'One time, ISO 8601 ("2027-01-01T08:00:00+01:00"; '
                          'without an offset: in time_zone). Must be in '
                          'the future.'},
    'time_zone': {'type': 'string', 'minLength': 1, 'maxLength': 64,
                  'description': 'An IANA time zone (Europe/Paris); UTC '
                                 'when not given.'},
    'min_size': _count, 'max_size': _count, 'desired_capacity': _count,
}, allOf=[
    {'oneOf': [{'required': ['recurrence'], 'not': {'required': ['at']}},
               {'required': ['at'], 'not': {'required': ['recurrence']}}],
     'x-error': 'give exactly one of recurrence and at'},
    {'anyOf': [{'required': ['min_size']}, {'required': ['max_size']},
               {'required': ['desired_capacity']}],
     'x-error': 'the schedule sets nothing: give at least one of '
                'min_size, max_size and desired_capacity'}],
    description='When (recurrence or at) the policy sets which of the '
                'group\'s min_size, max_size and desired_capacity.')

#: what a metric is called: a sample's name, a policy's metric.name
METRIC_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.:-]{0,254}$'
_metric_name = {'type': 'string', 'pattern': METRIC_NAME_PATTERN}
METRIC_SOURCES = ['push', 'prometheus']
METRIC_STATISTICS = ['average', 'sum', 'maximum', 'minimum']
POLICY_MODES = ['live', 'shadow']
_only_prometheus = {'not': {}, 'x-error': 'only with source prometheus'}
#: a metric policy's metric (doc/dev/metric-scaling-contract.md)
METRIC = _obj({
    'name': dict(_metric_name, description=(
        'The metric: the name of the samples pushed (source push), a '
        'label of the evaluations (source prometheus).')),
    'source': {'type': 'string', 'enum': METRIC_SOURCES,
               'description': 'push (default): the samples pushed to the '
                              'group (POST .../metrics, or the policy\'s '
                              'webhook); prometheus: an instant query.'},
    'query': {'type': 'string', 'minLength': 1, 'maxLength': 4096,
              'description': 'prometheus (required): the PromQL instant '
                             'query; each series of the answer is one '
                             'value.'},
    'url': {'type': 'string', 'minLength': 1, 'maxLength': 2048,
            'pattern': '^https?://',
            'description': 'prometheus: the server (default: [autoscaling] '
                           'prometheus_url).'},
    'statistic': {'type': 'string', 'enum': METRIC_STATISTICS,
                  'description': 'How the values (one per member label) '
                                 'make the metric (default average).'},
    'period': {'type': 'number', 'minimum': 1, 'maximum': 86400,
               'description': 'Seconds: older samples are not used '
                              '(default 60).'},
}, required=['name'], allOf=[
    {'if': {'required': ['source'],
            'properties': {'source': {'const': 'prometheus'}}},
     'then': {'required': ['query']},
     'else': {'properties': {'query': _only_prometheus,
                             'url': _only_prometheus}}}],
    description='Where the metric comes from and how its values are '
                'reduced to one.')
_positive = {'type': 'number', 'exclusiveMinimum': 0, 'maximum': INT_MAX}
RATE_LIMIT = _obj({
    'type': {'type': 'string', 'enum': ['members', 'percent'],
             'description': 'members: at most value members; percent: at '
                            'most value percent of the capacity at the '
                            'start of the period (at least one member).'},
    'value': dict(_positive, description='How much change per period (a '
                                         'whole number with members).'),
    'period': dict(_positive, description='Seconds.'),
}, required=['type', 'value', 'period'])
BEHAVIOR = _obj({
    'stabilization_window': dict(_seconds, description=(
        'Seconds of recommendations considered (default 0 up, 300 '
        'down).')),
    'rate_limits': {'type': 'array', 'items': RATE_LIMIT, 'maxItems': 16,
                    'description': 'Limits on the change in this '
                                   'direction (default: none).'},
    'select': {'type': 'string', 'enum': ['max', 'min', 'disabled'],
               'description': 'Which recommendation of the window or '
                              'limit wins (default max); disabled: no '
                              'change in this direction.'},
}, description='How fast the policy moves in one direction.')
TARGET_TRACKING = _obj({
    'target': dict(_positive, description='The metric value to keep '
                                          '(required, > 0).'),
    'tolerance': {'type': 'number', 'minimum': 0, 'exclusiveMaximum': 1,
                  'description': 'Relative dead band around the target '
                                 '(default 0.1).'},
    'scale_up': BEHAVIOR,
    'scale_down': BEHAVIOR,
}, required=['target'], description='A target-tracking policy\'s settings '
                                    '(heat.scaling.target_tracking).')
STEP_BAND = _obj({
    'lower': {'type': ['number', 'null'],
              'description': 'Offset from the threshold where the band '
                             'starts (null: no lower end).'},
    'upper': {'type': ['number', 'null'],
              'description': 'Offset where it ends (null: no upper end).'},
    'adjustment': dict(_adjustment, description='The adjustment in the '
                                                 'band.'),
}, required=['adjustment'])
STEP = _obj({
    'threshold': {'type': 'number', 'description': 'The alarm threshold '
                                                   '(required).'},
    'bands': {'type': 'array', 'items': STEP_BAND, 'minItems': 1,
              'maxItems': 64,
              'description': 'Bands of offsets from the threshold and '
                             'their adjustments, tiling one interval '
                             '(required).'},
    'adjustment_type': {'type': 'string', 'enum': ADJUSTMENT_TYPES},
    'min_adjustment_magnitude': dict(_count, description=(
        'percent_change_in_capacity only: the least change.')),
    'warmup': dict(_seconds, description=(
        'Seconds a new member is not counted as settled (default 0).')),
}, required=['threshold', 'bands'], description='A step policy\'s settings '
                                                '(heat.scaling.step_scaling).')
#: the top-level keys of a metric policy's body (its params)
METRIC_POLICY_FIELDS = {
    'metric': METRIC,
    'mode': {'type': 'string', 'enum': POLICY_MODES,
             'description': 'live (default): its decisions scale the '
                            'group; shadow: they are only recorded (SHADOW '
                            'activities, .../compare).'},
    'evaluation_interval': {
        'type': 'number', 'minimum': 1, 'maximum': 3600,
        'description': 'Seconds between two evaluations (default 10).'},
    'target_tracking': TARGET_TRACKING,
    'step': STEP,
}
_ADJUSTMENT_KEYS = ('adjustment_type', 'scaling_adjustment',
                    'min_adjustment_step', 'cooldown')
_METRIC_KEYS = ('metric', 'mode', 'evaluation_interval', 'target_tracking',
                'step')


def _refuse(keys, why):
    return {k: {'not': {}, 'x-error': why} for k in keys}


def _kind_is(kind):
    return {'required': ['kind'], 'properties': {'kind': {'const': kind}}}


POLICY_CREATE = _obj(
    dict(_POLICY_FIELDS,
         kind={'type': 'string', 'enum': POLICY_KINDS,
               'description': 'simple (the default): adjustment_type and '
                              'scaling_adjustment; scheduled: schedule; '
                              'step and target_tracking (metric policies):'
                              ' metric, and the object of the kind\'s '
                              'name.'},
         schedule=SCHEDULE, **METRIC_POLICY_FIELDS),
    required=['name'],
    allOf=[
        {'if': _kind_is('scheduled'),
         'then': {'required': ['schedule'], 'properties': dict(
             _refuse(_ADJUSTMENT_KEYS, 'not allowed with kind scheduled (a '
                     'scheduled policy has a schedule, no adjustment)'),
             **_refuse(_METRIC_KEYS, 'not allowed with kind scheduled'))}},
        {'if': _kind_is('step'),
         'then': {'required': ['metric', 'step'], 'properties': dict(
             _refuse(_ADJUSTMENT_KEYS, 'not allowed with kind step (its '
                     'adjustments are in step.bands)'),
             schedule={'not': {}, 'x-error': 'only with kind scheduled'},
             target_tracking={'not': {}, 'x-error': 'only with kind '
                                                    'target_tracking'})}},
        {'if': _kind_is('target_tracking'),
         'then': {'required': ['metric', 'target_tracking'],
                  'properties': dict(
                      _refuse(_ADJUSTMENT_KEYS, 'not allowed with kind '
                              'target_tracking (it computes the capacity '
                              'from target_tracking.target)'),
                      schedule={'not': {}, 'x-error': 'only with kind '
                                                      'scheduled'},
                      step={'not': {}, 'x-error': 'only with kind step'})}},
        {'if': {'anyOf': [{'not': {'required': ['kind']}},
                          _kind_is('simple')]},
         'then': {'required': ['adjustment_type', 'scaling_adjustment'],
                  'properties': dict(
                      schedule={'not': {}, 'x-error': 'only with kind '
                                                      'scheduled'},
                      **_refuse(('metric', 'mode', 'evaluation_interval'),
                                'only with kind step or target_tracking'),
                      step={'not': {}, 'x-error': 'only with kind step'},
                      target_tracking={'not': {}, 'x-error': 'only with '
                                       'kind target_tracking'})}}])
#: the keys the policy's kind allows are checked by the controller
POLICY_UPDATE = _obj(dict(_POLICY_FIELDS, schedule=SCHEDULE,
                          **METRIC_POLICY_FIELDS))
#: at most this many samples in one push (the engine's limit)
MAX_SAMPLES = 10000
SAMPLE = _obj({
    'name': dict(_metric_name, description='The metric (a metric '
                                           'policy\'s metric.name).'),
    'value': {'type': 'number', 'description': 'A finite number.'},
    'timestamp': {
        'type': ['number', 'string'], 'maxLength': 64, 'minimum': 0,
        'maximum': 253402300799,
        'description': 'When it was measured: POSIX seconds or ISO 8601 '
                       '(default: when received); at most 300 s in the '
                       'future.'},
    'member': {'type': ['string', 'null'], 'maxLength': 255,
               'description': 'What it was measured on (a member\'s name, '
                              'any label); per label the latest sample '
                              'counts. Samples without one share one '
                              'label.'},
}, required=['name', 'value'])
SAMPLES = {'type': 'array', 'items': SAMPLE, 'minItems': 1,
           'maxItems': MAX_SAMPLES,
           'description': 'The samples (1 to 10,000): all stored, or none.'}
METRICS_PUSH = _obj({'samples': SAMPLES}, required=['samples'])
#: a policy execution's (or an anonymous webhook's) details: any object;
#: the webhook of a metric policy takes ``{"samples": [...]}``
EXECUTE = {'type': 'object'}
WEBHOOK_BODY = {
    'type': 'object',
    'properties': {'samples': SAMPLES},
    'description': 'Optional details (any object). The webhook of a '
                   'metric policy takes {"samples": [...]} (as POST '
                   '.../metrics): they are stored into the policy\'s '
                   'group (a 202).'}
WEBHOOK_CREATE = _obj({'name': _name})

# query strings: every value arrives as a string; integers are converted
# before validation (a value that is no integer stays a string, and the
# error says so)
GROUP_QUERY = _obj({
    'limit': {'type': 'integer', 'minimum': 1, 'maximum': INT_MAX},
    'marker': {'type': 'string'},
    'sort_key': {'type': 'string', 'enum': SORT_KEYS},
    'sort_dir': {'type': 'string', 'enum': ['asc', 'desc']},
    'name': {'type': 'string'},
    'status': {'type': 'string', 'enum': GROUP_STATUSES},
    'stack_id': {'type': 'string'},
})
ACTIVITY_QUERY = _obj({
    'limit': {'type': 'integer', 'minimum': 1, 'maximum': INT_MAX},
    'marker': {'type': 'string'},
})
# a parameter of type array may repeat (``?attribute=a&attribute=b``):
# all its values, in order, are validated (see :func:`query`)
MEMBER_QUERY = _obj({
    'attribute': {
        'type': 'array', 'minItems': 1,
        'items': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'description': 'An attribute of the member\'s resource (a '
                       'top-level attribute name; for a provider template '
                       'member, an output of its nested stack), as '
                       'OS::Heat::AutoScalingGroup\'s outputs attribute '
                       'gives it; repeat for several. Each member then '
                       'carries "attributes": {name: value}; a name the '
                       'member\'s type does not have is a 400 '
                       '(InvalidTemplateAttribute).'},
})
NO_QUERY = _obj({})
_when = {'type': 'string', 'minLength': 1, 'maxLength': 64}
METRICS_QUERY = _obj({
    'name': dict(_metric_name, description='Only the samples of this '
                                           'metric.'),
    'since': dict(_when, description='Only the samples at or after this '
                                     'time (ISO 8601 or POSIX seconds).'),
    'limit': {'type': 'integer', 'minimum': 1, 'maximum': MAX_SAMPLES,
              'description': 'The newest this many samples (default '
                             '1000, at most 10000), given oldest '
                             'first.'},
})
COMPARE_QUERY = _obj({
    'start': dict(_when, description='ISO 8601 or POSIX seconds (default: '
                                     '24 h before end).'),
    'end': dict(_when, description='ISO 8601 or POSIX seconds (default: '
                                   'now).'),
})

# -- answers (documentation: the OpenAPI document) ---------------------------

HEALTH_STATUSES = ['HEALTHY', 'DEGRADED', 'GUARDED', 'LIMITED']
GROUP_HEALTH = {
    'type': ['object', 'null'],
    'properties': {
        'status': {'type': 'string', 'enum': HEALTH_STATUSES,
                   'description': 'HEALTHY: no member unhealthy; '
                                  'DEGRADED: unhealthy members being '
                                  'replaced; GUARDED: too many unhealthy '
                                  'at once (max_unhealthy_percent), none '
                                  'replaced; LIMITED: max_replacements '
                                  'reached, the rest wait.'},
        'reason': {'type': 'string'},
        'checked_at': dict(_time, description='When the last check ended.'),
        'members': dict(_count, description='Members judged (not in their '
                                            'grace period).'),
        'healthy': _count, 'unhealthy': _count,
        'engine_id': {'type': ['string', 'null'],
                      'description': 'The engine that checked.'}},
    'description': 'The last check of the members (null: not checked '
                   'yet, or no health check).'}

EVALUATION = {
    'type': 'object',
    'properties': {
        'at': dict(_time, description='When the evaluation ran (UTC).'),
        'engine_id': {'type': ['string', 'null']},
        'capacity': dict(_count, description='The capacity it started '
                                             'from.'),
        'metrics': {
            'type': 'object',
            'additionalProperties': {'type': 'object', 'properties': {
                'value': {'type': ['number', 'null']},
                'values': _count,
                'source': {'type': 'string', 'enum': METRIC_SOURCES},
                'statistic': {'type': 'string', 'enum': METRIC_STATISTICS},
                'period': {'type': 'number'},
                'reason': {'type': ['string', 'null']}}},
            'description': 'Per metric name: the value the policies saw '
                           '(null: no data), from how many values.'},
        'policies': {
            'type': 'object',
            'additionalProperties': {'type': 'object', 'properties': {
                'name': {'type': 'string'},
                'kind': {'type': 'string', 'enum': METRIC_KINDS},
                'mode': {'type': 'string', 'enum': POLICY_MODES},
                'value': {'type': ['number', 'null'],
                          'description': 'The metric value it saw.'},
                'desired': {'type': ['integer', 'null']},
                'accepted': {'type': 'boolean'},
                'rejection': {'type': ['string', 'null']},
                'reason': {'type': ['string', 'null']}}},
            'description': 'Per policy id: what it decided.'},
        'desired': {'type': ['integer', 'null'],
                    'description': 'The combined live decision.'},
        'changed': {'type': 'boolean',
                    'description': 'Whether the group was changed.'},
        'activity_id': {'type': ['string', 'null'],
                        'description': 'The activity of the change.'},
        'why': {'type': ['string', 'null']}},
    'description': 'One evaluation of a group\'s metric policies.'}
GROUP = {'type': 'object', 'properties': {
    'id': {'type': 'string'}, 'name': {'type': 'string'},
    'project_id': {'type': 'string'},
    'stack_id': {'type': ['string', 'null']},
    'resource_name': {'type': ['string', 'null']},
    'min_size': _count, 'max_size': _count, 'desired_capacity': _count,
    'current_size': _count, 'pending_size': _count, 'member_count': _count,
    'cooldown': {'type': ['number', 'null']}, 'cooldown_end': _time,
    'status': {'type': 'string', 'enum': GROUP_STATUSES},
    'status_reason': {'type': 'string'}, 'converged': {'type': 'boolean'},
    'suspended': {'type': 'boolean'}, 'generation': {'type': 'integer'},
    'version': {'type': 'integer'},
    'lease_holder': {'type': ['string', 'null']},
    'lease_expires_at': _time,
    'removal_policy': {'type': 'string'},
    'rolling_update': {'type': ['object', 'null']},
    'resource': {'type': ['object', 'null']},
    'health_check': dict(HEALTH_CHECK, description=(
        'The health check, every key with its value (defaults filled '
        'in); null: none.')),
    'health': GROUP_HEALTH,
    'lifecycle_hooks': {
        'type': 'array', 'items': LIFECYCLE_HOOK,
        'description': 'The lifecycle hooks, every key with its value '
                       '(defaults filled in); []: none.'},
    'last_evaluation': {
        'oneOf': [{'type': 'null'}, EVALUATION],
        'description': 'The last evaluation of the group\'s metric '
                       'policies (null: none yet).'},
    'evaluation_interval': {
        'type': ['number', 'null'],
        'description': 'Seconds between two evaluations (the smallest '
                       'of its metric policies\'); null: no metric '
                       'policy.'},
    'created_at': _time, 'updated_at': _time, 'links': _links}}
MEMBER_LIFECYCLE = {
    'type': ['object', 'null'],
    'properties': {
        'hook': {'type': 'string', 'description': 'The hook\'s name.'},
        'transition': {'type': 'string', 'enum': LIFECYCLE_TRANSITIONS},
        'started_at': dict(_time, description='When the wait began.'),
        'default_result': dict(_result, description=(
            'The result applied at the deadline.')),
        'deadline': dict(_time, description=(
            'When default_result applies unless the wait is completed or '
            'extended by a heartbeat first.'))},
    'description': 'The lifecycle wait of a member in PENDING_WAIT or '
                   'TERMINATING_WAIT; null otherwise.'}
MEMBER = {'type': 'object', 'properties': {
    'name': {'type': 'string'}, 'generation': {'type': 'integer'},
    'status': {'type': 'string',
               'description': 'PENDING, ACTIVE, UPDATING, FAILED, '
                              'REMOVING; PENDING_WAIT (a launch hook\'s '
                              'wait: counted, not yet judged by health '
                              'checks) or TERMINATING_WAIT (a terminate '
                              'hook\'s wait: no longer counted).'},
    'health': {'type': 'string', 'enum': ['HEALTHY', 'UNHEALTHY']},
    'protected': {'type': 'boolean'},
    'lifecycle': MEMBER_LIFECYCLE,
    'physical_resource_id': {'type': ['string', 'null']},
    'created_at': _time,
    'attributes': {
        'type': 'object',
        'description': 'Only with ?attribute=NAME: the value of each named '
                       'attribute of the member\'s resource (null while '
                       'the resource has no row yet, or when the value '
                       'cannot be resolved).'}}}
POLICY = {'type': 'object', 'properties': {
    'id': {'type': 'string'}, 'name': {'type': 'string'},
    'group_id': {'type': 'string'},
    'kind': {'type': 'string', 'enum': POLICY_KINDS},
    'adjustment_type': {'type': ['string', 'null']},
    'scaling_adjustment': {'type': ['number', 'null']},
    'min_adjustment_step': {'type': ['integer', 'null']},
    'cooldown': {'type': ['number', 'null']},
    'schedule': {'oneOf': [{'type': 'null'}, SCHEDULE],
                 'description': 'A scheduled policy\'s schedule (null for '
                                'a simple policy).'},
    'next_run_at': dict(_time, description=(
        'A scheduled policy\'s next occurrence not evaluated yet (UTC); '
        'null for a simple policy and a one-time action that ran.')),
    'params': {'type': ['object', 'null'],
               'description': 'A metric policy\'s settings as stored '
                              '(defaults filled in): metric, mode, '
                              'evaluation_interval and the keys of its '
                              'target_tracking or step object, flat; null '
                              'for the other kinds.'},
    'stack_id': {'type': ['string', 'null']},
    'resource_name': {'type': ['string', 'null']},
    'created_at': _time, 'updated_at': _time, 'links': _links}}
DECISION = {'type': 'object', 'properties': {
    'accepted': {'type': 'boolean'},
    'status': {'type': 'string', 'enum': ['ACCEPTED', 'REJECTED']},
    'reason': {'type': 'string'},
    'rejection': {'type': ['string', 'null']},
    'from_capacity': {'type': 'integer'}, 'to_capacity': {'type': 'integer'},
    'cooldown_end': _time, 'activity_id': {'type': ['string', 'null']},
    'group_id': {'type': 'string'},
    'policy_id': {'type': ['string', 'null']},
    'repeated': {'type': 'boolean'}}}
WEBHOOK = {'type': 'object', 'properties': {
    'id': {'type': 'string'}, 'name': {'type': ['string', 'null']},
    'policy_id': {'type': 'string'}, 'enabled': {'type': 'boolean'},
    'created_at': _time,
    'url': {'type': 'string', 'description': 'Only in the answer to '
                                             'the creation.'}}}
ACTIVITY = {'type': 'object', 'properties': {
    'id': {'type': 'string'}, 'group_id': {'type': 'string'},
    'policy_id': {'type': ['string', 'null']},
    'trigger': {'type': 'string'},
    'idempotency_key': {'type': ['string', 'null']},
    'status': {'type': 'string'}, 'reason': {'type': 'string'},
    'from_capacity': {'type': 'integer'}, 'to_capacity': {'type': 'integer'},
    'decision': {'type': ['object', 'null']},
    'error': {'type': ['string', 'null']},
    'engine_id': {'type': ['string', 'null']},
    'started_at': _time, 'finished_at': _time}}
SAMPLE_OUT = {'type': 'object', 'properties': {
    'name': {'type': 'string'}, 'value': {'type': 'number'},
    'timestamp': dict(_time, description='When it was measured (UTC).'),
    'member': {'type': ['string', 'null']}}}
METRICS_ACCEPTED = {'type': 'object', 'required': ['accepted'],
                    'properties': {
                        'accepted': dict(_count, description=(
                            'How many samples were stored.')),
                        'group_id': {'type': 'string'}}}
COMPARISON = {'type': 'object', 'properties': {
    'policy_id': {'type': 'string'}, 'group_id': {'type': 'string'},
    'start': _time, 'end': _time,
    'evaluations': dict(_count, description='Evaluations in the period.'),
    'differed': dict(_count, description='Evaluations where the shadow '
                                          'policy wanted another '
                                          'capacity than the live ones.'),
    'differed_percent': {'type': 'number'},
    'shadow_higher': _count, 'shadow_lower': _count,
    'mean_abs_difference': {'type': 'number'},
    'max_abs_difference': {'type': 'integer'},
    'shadow_changes': dict(_count, description='SHADOW activities.'),
    'live_changes': dict(_count, description='Accepted metric '
                                             'activities.')},
    'description': 'A shadow policy against the live ones.'}
ERROR = {'type': 'object', 'required': ['code', 'title', 'explanation',
                                        'error'],
         'properties': {
             'code': {'type': 'integer'}, 'title': {'type': 'string'},
             'explanation': {'type': 'string'},
             'error': {'type': 'object', 'properties': {
                 'type': {'type': 'string'}, 'message': {'type': 'string'},
                 'traceback': {'type': ['string', 'null']}}}}}
VERSIONS = {'type': 'object', 'properties': {'versions': {
    'type': 'array', 'items': {'type': 'object', 'properties': {
        'id': {'type': 'string'}, 'status': {'type': 'string'},
        'min_version': {'type': 'string'},
        'max_version': {'type': 'string'}, 'links': _links}}}}}


class InvalidInput(webob.exc.HTTPBadRequest):
    """A body or query that does not match its schema (a 400 whose
    ``error.type`` is ``InvalidInput``)."""


def pointer(path):
    """The JSON pointer (RFC 6901) of a path of keys and indexes."""
    return '/' + '/'.join(str(p).replace('~', '~0').replace('/', '~1')
                          for p in path)


def _message(error):
    custom = error.schema.get('x-error') if isinstance(error.schema,
                                                       dict) else None
    if error.validator == 'additionalProperties':
        known = set(error.schema.get('properties') or {})
        extra = sorted(k for k in error.instance if k not in known)
        where = list(error.absolute_path) + [extra[0] if extra else '']
        return '%s: unknown key (allowed: %s)' % (
            pointer(where), ', '.join(sorted(known)) or 'none')
    if error.validator == 'required':
        missing = [k for k in error.validator_value
                   if k not in error.instance]
        where = list(error.absolute_path) + [missing[0] if missing else '']
        return '%s: %s' % (pointer(where), error.message)
    if custom:
        return '%s: %s' % (pointer(error.absolute_path), custom)
    return '%s: %s' % (pointer(error.absolute_path), error.message)


_validators = {}


def validator(schema):
    key = id(schema)
    v = _validators.get(key)
    if v is None:
        jsonschema.Draft202012Validator.check_schema(schema)
        v = _validators[key] = jsonschema.Draft202012Validator(schema)
    return v


def non_finite(instance):
    """The path of a NaN or an Infinity in ``instance`` (JSON
    documents of any depth: no recursion), or None."""
    todo = [((), instance)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return path
        if isinstance(value, dict):
            todo.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            todo.extend((path + (i,), v) for i, v in enumerate(value))
    return None


def validate(schema, instance):
    """Raise :class:`InvalidInput` naming the field in error: a number
    that is not finite (Python's JSON parser takes ``NaN`` and
    ``Infinity``; NaN passes any ``minimum``, and no answer could carry
    it: found by fuzzing), an unknown key, then a wrong value, then a
    missing key."""
    where = non_finite(instance)
    if where is not None:
        raise InvalidInput('%s: not a finite number' % pointer(where))
    errors = list(validator(schema).iter_errors(instance))
    if not errors:
        return instance
    for kinds in (('additionalProperties',), None, ('required',)):
        chosen = [e for e in errors if (
            e.validator in kinds if kinds else
            e.validator not in ('additionalProperties', 'required'))]
        if chosen:
            raise InvalidInput(_message(
                jsonschema.exceptions.best_match(chosen)))


def query(schema, params):
    """The query parameters (a ``webob`` MultiDict) as a dict validated
    against ``schema``: a parameter of type ``array`` is the list of all
    its values, in order; of any other, the last of repeated values
    wins."""
    out = {}
    props = schema.get('properties', {})
    for key in params.keys():
        kind = props.get(key, {}).get('type')
        if kind == 'array':
            out[key] = params.getall(key)
            continue
        value = params.getall(key)[-1]
        if kind == 'integer':
            try:
                value = int(value)
            except ValueError:
                pass
        out[key] = value
    return validate(schema, out)
