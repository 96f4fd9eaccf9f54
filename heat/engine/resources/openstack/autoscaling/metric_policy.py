"""Metric-driven scaling policies: ``OS::Heat::TargetTrackingScalingPolicy``
and ``OS::Heat::StepScalingPolicy`` (types of this engine, not upstream's).

Thin callers of the AS engine's policies of kind ``target_tracking`` and
``step`` (doc/dev/metric-scaling-contract.md): every property but
``auto_scaling_group_id`` is one key of the policy's ``params``, sent
whole at create and at each update (in place). The AS engine evaluates
the policy every ``evaluation_interval`` seconds against the metric's
value and resizes the group (``mode: live``) or only records what it
would have done (``mode: shadow``).

At create the resource also makes a webhook of the policy: its capability
URL is the ``metric_url`` attribute, which takes metric samples (``POST
{"samples": [{"name": "cpu", "value": 73.5, "member": "m-1"}]}``, no
token) into the policy's group. The webhook's token is kept in the
resource's data, redacted; it goes with the policy.

Property values are checked at stack validation against the scaling
library's rules (:mod:`heat.scaling.target_tracking`,
:mod:`heat.scaling.step_scaling`) and the AS engine's own check of the
params (:func:`heat.engine.autoscaling.metrics.validate`), errors naming
the property (``resources.cpu.properties.scale_up.rate_limits[0]: rate
limit value 1.5 must be a whole number of members``).
"""

import re

from heat.engine import attributes, constraints, properties
from heat.engine.resources.openstack.autoscaling import policy_resource

S = properties.Schema

#: the keys of the ``metric`` map (the contract's)
METRIC_KEYS = (M_NAME, M_SOURCE, M_QUERY, M_URL, M_STATISTIC, M_PERIOD) = (
    'name', 'source', 'query', 'url', 'statistic', 'period')
SOURCES = (PUSH, PROMETHEUS) = ('push', 'prometheus')
STATISTICS = ('average', 'sum', 'maximum', 'minimum')
MODES = (LIVE, SHADOW) = ('live', 'shadow')
METRIC_NAME_PATTERN = r'^[A-Za-z_][A-Za-z0-9_.:-]{0,254}$'
#: the resource data key of the metric webhook's token (redacted)
METRIC_TOKEN = 'metric_token'
METRIC_WEBHOOK_ID = 'metric_webhook_id'
#: where the Auto-Scaling API takes a webhook's POST (under heat-api)
WEBHOOK_PATH = '/autoscaling/v1/webhooks/'


def metric_schema():
    """The ``metric`` property: which metric, from where, how reduced."""
    return S(
        S.MAP,
        'The metric the policy follows: its samples received for the '
        'group (source push: POSTed to the metric_url, or with the '
        'Auto-Scaling API) or a Prometheus query, reduced to one value '
        'by statistic.',
        required=True, update_allowed=True,
        schema={
            M_NAME: S(
                S.STRING,
                'The metric\'s name (the name of its samples): a letter '
                'or _, then letters, digits, _ . : or -; at most 255 '
                'characters.',
                required=True, update_allowed=True,
                constraints=[constraints.AllowedPattern(
                    METRIC_NAME_PATTERN)]),
            M_SOURCE: S(
                S.STRING,
                'push: samples pushed to the group; prometheus: the value '
                'of an instant query (query, url).',
                default=PUSH, update_allowed=True,
                constraints=[constraints.AllowedValues(list(SOURCES))]),
            M_QUERY: S(
                S.STRING,
                'prometheus (required): a PromQL instant query; each '
                'series of its result is one value. Not for push.',
                update_allowed=True,
                constraints=[constraints.Length(min=1)]),
            M_URL: S(
                S.STRING,
                'prometheus: the Prometheus server\'s http(s) URL '
                '(default: the [autoscaling] prometheus_url option). Not '
                'for push.',
                update_allowed=True,
                constraints=[constraints.AllowedPattern('^https?://.+')]),
            M_STATISTIC: S(
                S.STRING,
                'How the values (per member, the latest sample; per '
                'series for prometheus) make one: average, sum, maximum '
                'or minimum.',
                default='average', update_allowed=True,
                constraints=[constraints.AllowedValues(list(STATISTICS))]),
            M_PERIOD: S(
                S.INTEGER,
                'Seconds: samples older than this are not used (1 to '
                '86400).',
                default=60, update_allowed=True,
                constraints=[constraints.Range(min=1, max=86400)]),
        })


def mode_schema():
    return S(
        S.STRING,
        'live: the policy resizes the group; shadow: it only records '
        'what it would have done (SHADOW activities, compared with the '
        'live policies by the Auto-Scaling API\'s compare), leaving the '
        'group alone.',
        default=LIVE, update_allowed=True,
        constraints=[constraints.AllowedValues(list(MODES))])


def evaluation_interval_schema():
    return S(
        S.INTEGER,
        'Seconds between two evaluations of the group\'s metric policies '
        '(1 to 3600; a group evaluates at the shortest interval of its '
        'policies).',
        default=10, update_allowed=True,
        constraints=[constraints.Range(min=1, max=3600)])


def behavior_schema(direction, window):
    """``scale_up`` / ``scale_down``: damping of one direction."""
    return S(
        S.MAP,
        'Damping of scaling %s: a stabilization window, rate limits and '
        'how the window\'s recommendations are chosen. Absent: '
        'stabilization_window %s, no rate limit, select max.'
        % (direction, window),
        update_allowed=True,
        schema={
            'stabilization_window': S(
                S.NUMBER,
                'Seconds of recommendations the decision looks back over '
                '(0: none, at most 86400); a longer window damps '
                'flapping.',
                default=window, update_allowed=True,
                constraints=[constraints.Range(min=0, max=86400)]),
            'rate_limits': S(
                S.LIST,
                'At most this much change per period (every limit '
                'applies).',
                default=[], update_allowed=True,
                schema=S(
                    S.MAP, 'A rate limit.', update_allowed=True,
                    schema={
                        'type': S(
                            S.STRING,
                            'members: value members; percent: value % '
                            'of the capacity at the start of the period '
                            '(at least 1 member).',
                            required=True, update_allowed=True,
                            constraints=[constraints.AllowedValues(
                                ['members', 'percent'])]),
                        'value': S(
                            S.NUMBER,
                            'The change allowed per period (greater than '
                            '0; a whole number for members).',
                            required=True, update_allowed=True),
                        'period': S(
                            S.NUMBER,
                            'The period, in seconds (greater than 0, at '
                            'most 86400).',
                            required=True, update_allowed=True),
                    })),
            'select': S(
                S.STRING,
                'Which recommendation of the window is taken: max, min, '
                'or disabled (no scaling in this direction).',
                default='max', update_allowed=True,
                constraints=[constraints.AllowedValues(
                    ['max', 'min', 'disabled'])]),
        })


def _first_word_path(message, names):
    """``[name]`` when ``message`` starts with one of ``names``."""
    word = message.split(' ', 1)[0]
    return [word] if word in names else []


class MetricPolicy(policy_resource.EnginePolicy):
    """A metric policy of the AS engine (kind :attr:`KIND`)."""

    AUTO_SCALING_GROUP_ID = 'auto_scaling_group_id'
    #: the step policy's bands (named by the engine's errors)
    BANDS = 'bands'
    METRIC, MODE, EVALUATION_INTERVAL = (
        'metric', 'mode', 'evaluation_interval')
    ATTRIBUTES = (POLICY_ID, METRIC_URL) = ('policy_id', 'metric_url')

    #: the metric webhook's token: redacted, even when adopted
    secret_data_keys = frozenset((METRIC_TOKEN,))

    attributes_schema = {
        POLICY_ID: attributes.Schema(
            'The policy\'s id in the Auto-Scaling engine (also the '
            'resource\'s reference).',
            type=attributes.Schema.STRING),
        METRIC_URL: attributes.Schema(
            'A capability URL (no token needed: keep it secret) that '
            'takes metric samples for the policy\'s group: POST '
            '{"samples": [{"name": <metric name>, "value": <number>, '
            '"member": <member label, optional>, "timestamp": <optional>}]}.',
            type=attributes.Schema.STRING),
    }

    @classmethod
    def common_schema(cls):
        return {
            cls.AUTO_SCALING_GROUP_ID: S(
                S.STRING,
                'The scaling group the policy resizes: its id or name '
                '(get_resource of an OS::Heat::AutoScalingGroup). A new '
                'group replaces the policy.',
                required=True),
            cls.METRIC: metric_schema(),
            cls.MODE: mode_schema(),
            cls.EVALUATION_INTERVAL: evaluation_interval_schema(),
        }

    #: the properties that make the params (all but the group's)
    PARAMS = ()

    def policy_params(self, props):
        return policy_resource.without_none(
            {name: props[name] for name in self.PARAMS})

    def check_params(self, props, params):
        metric = params.get(self.METRIC) or {}
        source = metric.get(M_SOURCE, PUSH)
        here = [self.METRIC]
        if source == PUSH:
            for key in (M_QUERY, M_URL):
                if metric.get(key) is not None:
                    raise self.property_error(
                        props, here + [key],
                        'only for source prometheus (push samples to the '
                        'metric_url)')
        elif not metric.get(M_QUERY):
            raise self.property_error(props, here + [M_QUERY],
                                      'required when source is prometheus')
        self.check_kind(props, params)
        # and every rule of the AS engine's (the same the create meets)
        from heat.common import exception
        from heat.engine.autoscaling import metrics
        try:
            metrics.validate(self.KIND, params)
        except exception.Invalid as exc:
            raise self._engine_error(props, exc) from None

    def check_kind(self, props, params):
        """The rules of the policy's kind (subclasses)."""

    def engine_error_path(self, reason):
        """Also the library's rules the engine gives as ``params:
        bands: band 1: ...`` or ``params: target 0 must be ...``."""
        found = super().engine_error_path(reason)
        if found is not None or not reason.startswith('params: '):
            return found
        message = reason[len('params: '):]
        band = re.match(r'bands: (band (\d+)\b.*)$', message, re.S)
        if band is not None:
            return [self.BANDS, int(band.group(2))], band.group(1)
        return _first_word_path(message, self.PARAMS), message

    # -- the metric webhook ---------------------------------------------

    def after_create(self, policy):
        hook = self._client().create_webhook(self.context, policy['id'],
                                             name=self.name)
        self.data_set(METRIC_WEBHOOK_ID, hook['id'])
        self.data_set(METRIC_TOKEN, hook['token'], redact=True)

    def _metric_url(self):
        token = self.data().get(METRIC_TOKEN)
        if not token:
            return None
        from heat.common import signing
        return '%s%s%s' % (signing.public_base_url(), WEBHOOK_PATH, token)

    def resolve_policy_attribute(self, name):
        if name == self.METRIC_URL:
            return self._metric_url()
        return None


class TargetTrackingScalingPolicy(MetricPolicy):
    """OS::Heat::TargetTrackingScalingPolicy: keep a metric near a target.

    The AS engine resizes the group to capacity * metric / target when
    metric / target leaves 1 +/- tolerance, damped per direction
    (scale_up, scale_down). Missing data never scales in: the policy
    holds.
    """

    KIND = 'target_tracking'
    TARGET, TOLERANCE, SCALE_UP, SCALE_DOWN = (
        'target', 'tolerance', 'scale_up', 'scale_down')
    PARAMS = (MetricPolicy.METRIC, MetricPolicy.MODE,
              MetricPolicy.EVALUATION_INTERVAL, TARGET, TOLERANCE,
              SCALE_UP, SCALE_DOWN)

    properties_schema = dict(
        MetricPolicy.common_schema(),
        **{
            TARGET: S(
                S.NUMBER,
                'The metric\'s value to keep (greater than 0), per member '
                'for an average: the group is resized to capacity * '
                'metric / target.',
                required=True, update_allowed=True,
                constraints=[constraints.Range(min=0)]),
            TOLERANCE: S(
                S.NUMBER,
                'No change while metric / target is within 1 +/- '
                'tolerance (0 to less than 1).',
                default=0.1, update_allowed=True,
                constraints=[constraints.Range(min=0, max=1)]),
            SCALE_UP: behavior_schema('up', 0),
            SCALE_DOWN: behavior_schema('down', 300),
        })
    PROPERTIES = tuple(properties_schema)

    def check_kind(self, props, params):
        from heat.scaling import target_tracking as tt
        try:
            tt.TargetTrackingPolicy(
                target=params.get(self.TARGET),
                tolerance=params.get(self.TOLERANCE, 0.1))
        except ValueError as exc:
            raise self.property_error(
                props, _first_word_path(str(exc), (self.TARGET,
                                                   self.TOLERANCE)),
                str(exc)) from None
        for direction in (self.SCALE_UP, self.SCALE_DOWN):
            behavior = params.get(direction)
            if behavior is None:
                continue
            limits = []
            for i, limit in enumerate(behavior.get('rate_limits') or ()):
                try:
                    limits.append(tt.RateLimit(
                        type=limit.get('type'), value=limit.get('value'),
                        period=limit.get('period')))
                except ValueError as exc:
                    raise self.property_error(
                        props, [direction, 'rate_limits', i],
                        str(exc)) from None
            try:
                tt.Behavior(
                    stabilization_window=behavior.get(
                        'stabilization_window', 0),
                    rate_limits=limits,
                    select=behavior.get('select', tt.SELECT_MAX))
            except ValueError as exc:
                raise self.property_error(
                    props, [direction] + _first_word_path(
                        str(exc), ('stabilization_window', 'select')),
                    str(exc)) from None


class StepScalingPolicy(MetricPolicy):
    """OS::Heat::StepScalingPolicy: step adjustments around a threshold.

    The AS engine adjusts the group by the band that metric - threshold
    falls in (CloudWatch's step scaling). Missing data changes nothing.
    """

    KIND = 'step'
    THRESHOLD, BANDS, ADJUSTMENT_TYPE, MIN_ADJUSTMENT_MAGNITUDE, WARMUP = (
        'threshold', 'bands', 'adjustment_type', 'min_adjustment_magnitude',
        'warmup')
    ADJUSTMENT_TYPES = ('change_in_capacity', 'exact_capacity',
                        'percent_change_in_capacity')
    PARAMS = (MetricPolicy.METRIC, MetricPolicy.MODE,
              MetricPolicy.EVALUATION_INTERVAL, THRESHOLD, BANDS,
              ADJUSTMENT_TYPE, MIN_ADJUSTMENT_MAGNITUDE, WARMUP)

    properties_schema = dict(
        MetricPolicy.common_schema(),
        **{
            THRESHOLD: S(
                S.NUMBER,
                'The metric\'s value the bands are offsets from.',
                required=True, update_allowed=True),
            BANDS: S(
                S.LIST,
                'The bands of metric - threshold and their adjustments: '
                'together they must cover one interval without a gap or '
                'an overlap (only the lowest may lack lower, only the '
                'highest upper). A value in no band changes nothing.',
                required=True, update_allowed=True,
                constraints=[constraints.Length(min=1)],
                schema=S(
                    S.MAP, 'A band: [lower, upper) above the threshold, '
                    '(lower, upper] below it.', update_allowed=True,
                    schema={
                        'lower': S(
                            S.NUMBER,
                            'The band\'s lower bound, an offset from the '
                            'threshold (absent: unbounded).',
                            update_allowed=True),
                        'upper': S(
                            S.NUMBER,
                            'The band\'s upper bound, an offset from the '
                            'threshold (absent: unbounded).',
                            update_allowed=True),
                        'adjustment': S(
                            S.NUMBER,
                            'The adjustment in this band, of '
                            'adjustment_type (negative: scale in).',
                            required=True, update_allowed=True),
                    })),
            ADJUSTMENT_TYPE: S(
                S.STRING,
                'How a band\'s adjustment applies: change_in_capacity '
                '(members), exact_capacity (the new capacity) or '
                'percent_change_in_capacity (percent of the capacity).',
                default='change_in_capacity', update_allowed=True,
                constraints=[constraints.AllowedValues(
                    list(ADJUSTMENT_TYPES))]),
            MIN_ADJUSTMENT_MAGNITUDE: S(
                S.INTEGER,
                'percent_change_in_capacity only: the smallest change, in '
                'members.',
                update_allowed=True,
                constraints=[constraints.Range(min=0)]),
            WARMUP: S(
                S.NUMBER,
                'Seconds a new member is warming up: members launched '
                'within it count toward a scale-out already under way (at '
                'most 86400).',
                default=0, update_allowed=True,
                constraints=[constraints.Range(min=0, max=86400)]),
        })
    PROPERTIES = tuple(properties_schema)

    def check_kind(self, props, params):
        from heat.scaling import step_scaling as step
        bands = []
        for band in params.get(self.BANDS) or ():
            bands.append(step.StepBand(band.get('lower'), band.get('upper'),
                                       band.get('adjustment')))
        try:
            step.StepPolicy(
                threshold=params.get(self.THRESHOLD), bands=tuple(bands),
                adjustment_type=params.get(self.ADJUSTMENT_TYPE,
                                           'change_in_capacity'),
                min_adjustment_magnitude=params.get(
                    self.MIN_ADJUSTMENT_MAGNITUDE),
                warmup=params.get(self.WARMUP, 0))
        except ValueError as exc:
            message = str(exc)
            words = message.split(' ', 2)
            if len(words) > 1 and words[0] == 'band' and \
                    words[1].rstrip(':').isdigit():
                path = [self.BANDS, int(words[1].rstrip(':'))]
            elif 'band' in message and words[0] != self.THRESHOLD:
                path = [self.BANDS]
            else:
                path = _first_word_path(message, self.PARAMS)
            raise self.property_error(props, path, message) from None


def resource_mapping():
    return {
        'OS::Heat::TargetTrackingScalingPolicy': TargetTrackingScalingPolicy,
        'OS::Heat::StepScalingPolicy': StepScalingPolicy,
    }
