"""Aodh alarms: ``OS::Aodh::Alarm``, ``OS::Aodh::PrometheusAlarm`` and
``OS::Aodh::EventAlarm``, created through Aodh's REST API v2.

openstacksdk has no Aodh proxy, only the pass-through adapter of the
``alarm`` service type (``alarming`` in the catalog): every call here is
a plain request on ``/v2/alarms`` with the stack's session (its token or
trust, retries, timeouts, endpoint interface and region), see
:class:`AodhClient`.

The schemas are upstream Heat's (``heat/engine/resources/alarm_base.py``
and ``openstack/aodh/alarm.py``): the common alarm properties
(``description``, ``enabled``, ``alarm_actions``, ``ok_actions``,
``insufficient_data_actions``, the three ``*_queues``,
``repeat_actions``, ``severity``, ``time_constraints``) plus each type's
rule, which becomes Aodh's ``<type>_rule``:

- ``OS::Aodh::Alarm`` is upstream's threshold alarm (``threshold_rule``:
  ``meter_name``, ``statistic``, ``period``, ``evaluation_periods``,
  ``threshold``, ``comparison_operator``, ``query`` with
  ``matching_metadata`` folded in as ``metadata.metering.<key>`` /
  ``metadata.user_metadata.<key>`` terms). Upstream deprecated it in
  Queens and Aodh removed the ``threshold`` rule type (it relied on the
  Ceilometer API): an Aodh without it refuses the create, and the
  resource fails with Aodh's own message and what to use instead;
- ``OS::Aodh::PrometheusAlarm`` (``prometheus_rule``: ``query``,
  ``threshold``, ``comparison_operator``), upstream's since 22.0.0: Aodh
  evaluates the PromQL query against its configured Prometheus;
- ``OS::Aodh::EventAlarm`` (``event_rule``: ``event_type``, ``query``).

The alarm is named after the resource's physical name. Every property
but ``meter_name`` and ``time_constraints`` updates in place (Aodh's
alarm is read, merged and written back, as aodhclient does); suspend and
resume disable and enable the alarm; delete waits until Aodh no longer
has it. ``show`` is Aodh's alarm. Actions are passed to Aodh exactly as
written (a scaling policy's pre-signed ``alarm_url``, query string
included); an action naming a resource of the stack is replaced by that
resource's ``AlarmUrl`` (``alarm_url`` for the OpenStack scaling
policy), and a queue by ``trust+zaqar://?queue_name=<queue>``.

An error from Aodh becomes the resource's status reason with Aodh's
message and HTTP status.
"""

import contextlib
import urllib.parse

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources import cloud

COMMON_PROPERTIES = (
    ALARM_ACTIONS, OK_ACTIONS, INSUFFICIENT_DATA_ACTIONS,
    ALARM_QUEUES, OK_QUEUES, INSUFFICIENT_DATA_QUEUES,
    REPEAT_ACTIONS, DESCRIPTION, ENABLED, TIME_CONSTRAINTS, SEVERITY,
) = (
    'alarm_actions', 'ok_actions', 'insufficient_data_actions',
    'alarm_queues', 'ok_queues', 'insufficient_data_queues',
    'repeat_actions', 'description', 'enabled', 'time_constraints',
    'severity',
)

#: properties that are not Aodh fields (they become actions)
INTERNAL_PROPERTIES = (ALARM_QUEUES, OK_QUEUES, INSUFFICIENT_DATA_QUEUES)

_TIME_CONSTRAINT_KEYS = (
    TC_NAME, TC_START, TC_DURATION, TC_TIMEZONE, TC_DESCRIPTION,
) = ('name', 'start', 'duration', 'timezone', 'description')

#: action property -> the queue property whose queues it gets
_ACTION_QUEUES = ((ALARM_ACTIONS, ALARM_QUEUES), (OK_ACTIONS, OK_QUEUES),
                  (INSUFFICIENT_DATA_ACTIONS, INSUFFICIENT_DATA_QUEUES))

#: upstream's Nova meters: their metadata is ``user_metadata.*``
NOVA_METERS = (
    'instance', 'memory', 'memory.usage', 'memory.resident', 'cpu',
    'cpu_util', 'vcpus',
    'disk.read.requests', 'disk.read.requests.rate',
    'disk.write.requests', 'disk.write.requests.rate',
    'disk.read.bytes', 'disk.read.bytes.rate',
    'disk.write.bytes', 'disk.write.bytes.rate',
    'disk.device.read.requests', 'disk.device.read.requests.rate',
    'disk.device.write.requests', 'disk.device.write.requests.rate',
    'disk.device.read.bytes', 'disk.device.read.bytes.rate',
    'disk.device.write.bytes', 'disk.device.write.bytes.rate',
    'disk.root.size', 'disk.ephemeral.size',
    'network.incoming.bytes', 'network.incoming.bytes.rate',
    'network.outgoing.bytes', 'network.outgoing.bytes.rate',
    'network.incoming.packets', 'network.incoming.packets.rate',
    'network.outgoing.packets', 'network.outgoing.packets.rate',
)

QUERY_FACTOR_FIELDS = (QF_FIELD, QF_OP, QF_VALUE, QF_TYPE) = (
    'field', 'op', 'value', 'type')
OPERATORS = ('le', 'ge', 'eq', 'lt', 'gt', 'ne')
QUERY_TYPES = ('integer', 'float', 'string', 'boolean', 'datetime')


def _operators():
    return constraints.AllowedValues(list(OPERATORS))


def _query_types():
    return constraints.AllowedValues(list(QUERY_TYPES))


def _queues(state):
    return properties.Schema(
        properties.Schema.LIST,
        'A list of Zaqar queues to post to when state transitions to %s.'
        % state,
        schema=properties.Schema(
            properties.Schema.STRING,
            constraints=[constraints.CustomConstraint('zaqar.queue')]),
        default=[], update_allowed=True,
        support_status={'version': '8.0.0'})


def _actions(state):
    return properties.Schema(
        properties.Schema.LIST,
        'A list of URLs (webhooks) to invoke when state transitions to %s.'
        % state,
        update_allowed=True)


common_properties_schema = {
    DESCRIPTION: properties.Schema(
        properties.Schema.STRING, 'Description for the alarm.',
        update_allowed=True),
    ENABLED: properties.Schema(
        properties.Schema.BOOLEAN,
        'True if alarm evaluation/actioning is enabled.',
        default='true', update_allowed=True),
    ALARM_ACTIONS: _actions('alarm'),
    OK_ACTIONS: _actions('ok'),
    INSUFFICIENT_DATA_ACTIONS: _actions('insufficient-data'),
    ALARM_QUEUES: _queues('alarm'),
    OK_QUEUES: _queues('ok'),
    INSUFFICIENT_DATA_QUEUES: _queues('insufficient-data'),
    REPEAT_ACTIONS: properties.Schema(
        properties.Schema.BOOLEAN,
        "False to trigger actions when the threshold is reached AND the "
        "alarm's state has changed. By default, actions are called each "
        "time the threshold is reached.",
        default='true', update_allowed=True),
    SEVERITY: properties.Schema(
        properties.Schema.STRING, 'Severity of the alarm.',
        default='low',
        constraints=[constraints.AllowedValues(
            ['low', 'moderate', 'critical'])],
        update_allowed=True, support_status={'version': '5.0.0'}),
    TIME_CONSTRAINTS: properties.Schema(
        properties.Schema.LIST,
        'Describe time constraints for the alarm. Only evaluate the alarm '
        'if the time at evaluation is within this time constraint. Start '
        'point(s) of the constraint are specified with a cron expression, '
        'whereas its duration is given in seconds.',
        schema=properties.Schema(properties.Schema.MAP, schema={
            TC_NAME: properties.Schema(
                properties.Schema.STRING,
                'Name for the time constraint.', required=True),
            TC_START: properties.Schema(
                properties.Schema.STRING,
                'Start time for the time constraint. A CRON expression '
                'property.',
                constraints=[constraints.CustomConstraint(
                    'cron_expression')],
                required=True),
            TC_DESCRIPTION: properties.Schema(
                properties.Schema.STRING,
                'Description for the time constraint.'),
            TC_DURATION: properties.Schema(
                properties.Schema.INTEGER,
                'Duration for the time constraint.',
                constraints=[constraints.Range(min=0)], required=True),
            TC_TIMEZONE: properties.Schema(
                properties.Schema.STRING,
                "Timezone for the time constraint (eg. 'Asia/Taipei', "
                "'Europe/Amsterdam').",
                constraints=[constraints.CustomConstraint('timezone')]),
        }),
        default=[], support_status={'version': '5.0.0'}),
}


def _query_schema(field_help, type_support=None):
    type_kw = {}
    if type_support:
        type_kw['support_status'] = {'version': type_support}
    return {
        QF_FIELD: properties.Schema(properties.Schema.STRING, field_help),
        QF_TYPE: properties.Schema(
            properties.Schema.STRING, 'The type of the attribute.',
            default='string', constraints=[_query_types()], **type_kw),
        QF_OP: properties.Schema(
            properties.Schema.STRING, 'Comparison operator.',
            constraints=[_operators()]),
        QF_VALUE: properties.Schema(
            properties.Schema.STRING, 'String value with which to compare.'),
    }


# -- Aodh's REST API --------------------------------------------------------

class AodhClient:
    """Aodh's ``/v2/alarms`` through a connection's ``alarm`` adapter.

    Errors are openstacksdk's (``NotFoundException``, ``BadRequest...``)
    with Aodh's ``faultstring`` as their details.
    """

    def __init__(self, conn):
        self._adapter = conn.alarm
        self._base = None

    def _url(self, alarm_id=None):
        if self._base is None:
            try:
                endpoint = self._adapter.get_endpoint()
            except Exception as exc:  # noqa: BLE001 - any catalog failure
                raise exception.CloudError(
                    'Aodh (alarming) has no usable endpoint: %s' % exc) \
                    from exc
            if not endpoint:
                raise exception.CloudError(
                    'Aodh (alarming) is not in the service catalog')
            endpoint = endpoint.rstrip('/')
            if endpoint.endswith('/v2'):
                endpoint = endpoint[:-len('/v2')]
            self._base = endpoint + '/v2/alarms'
        if alarm_id is None:
            return self._base
        return '%s/%s' % (self._base, urllib.parse.quote(str(alarm_id)))

    def _request(self, method, url, body=None):
        from openstack import exceptions as sdk_exc
        kwargs = {'headers': {'Accept': 'application/json'},
                  'raise_exc': False}
        if body is not None:
            kwargs['json'] = body
        response = self._adapter.request(url, method, **kwargs)
        sdk_exc.raise_from_response(response)
        if not response.content:
            return None
        return response.json()

    def create(self, alarm):
        return self._request('POST', self._url(), alarm)

    def get(self, alarm_id):
        return self._request('GET', self._url(alarm_id))

    def update(self, alarm_id, changes):
        """Merge ``changes`` into the alarm (its rule key by key) and
        write it back (Aodh's PUT replaces the whole alarm)."""
        alarm = self.get(alarm_id)
        changes = dict(changes)
        for key in [k for k in changes if k.endswith('_rule')]:
            rule = changes.pop(key)
            if isinstance(alarm.get(key), dict) and isinstance(rule, dict):
                alarm[key].update(rule)
            else:
                alarm[key] = rule
        alarm.update(changes)
        return self._request('PUT', self._url(alarm_id), alarm)

    def delete(self, alarm_id):
        self._request('DELETE', self._url(alarm_id))


@contextlib.contextmanager
def aodh_errors(what):
    """An error Aodh answered becomes a ``CloudError`` saying ``what``
    failed, with Aodh's message (a missing alarm stays not-found)."""
    from openstack import exceptions as sdk_exc
    try:
        yield
    except sdk_exc.NotFoundException:
        raise
    except sdk_exc.HttpException as exc:
        raise exception.CloudError('%s: %s' % (what, cloud.cloud_error(exc))) \
            from exc


# -- the resource types ------------------------------------------------------

class BaseAlarm(cloud.CloudResource):
    """What every Aodh alarm type shares (upstream's ``BaseAlarm``)."""

    required_service = 'aodh'
    entity = 'alarm'
    #: Aodh's alarm type (the body's ``type``, its rule is ``<type>_rule``)
    alarm_type = None
    #: the type's own properties (those that go in the rule)
    PROPERTIES = ()

    QUERY_FACTOR_FIELDS = QUERY_FACTOR_FIELDS
    QF_FIELD, QF_OP, QF_VALUE, QF_TYPE = QUERY_FACTOR_FIELDS

    # ``show`` is declared here too (upstream's resources have it in
    # their attributes_schema), so that ``get_attr: [alarm, show]``
    # passes the template's attribute check
    attributes_schema = {attributes.SHOW:
                         attributes.BASE_ATTRIBUTES[attributes.SHOW]}

    # -- Aodh ------------------------------------------------------------

    def aodh(self):
        """The :class:`AodhClient` of the stack's connection."""
        return AodhClient(self.cloud)

    def fetch(self):
        """Aodh's alarm (a dict); ``PhysicalResourceNotFound`` if gone."""
        if self.resource_id is None:
            raise exception.PhysicalResourceNotFound(resource_id=self.name)
        try:
            with aodh_errors('Aodh could not show alarm %s'
                             % self.resource_id):
                return self.aodh().get(self.resource_id)
        except Exception as exc:
            if cloud.is_not_found(exc):
                raise exception.PhysicalResourceNotFound(
                    resource_id=self.resource_id) from None
            raise

    def _show_resource(self):
        return self.fetch()

    def _resolve_attribute(self, name):
        if name == self.SHOW:
            return self._show_resource() if self.resource_id else None
        return super()._resolve_attribute(name)

    def _attribute_from(self, physical, name):
        return physical.get(name) if isinstance(physical, dict) else None

    # -- the body ----------------------------------------------------------

    def _action_url(self, action):
        """An action as Aodh gets it: a resource of the stack is asked
        for its alarm URL, anything else is passed as written."""
        stack = self.stack
        if isinstance(action, str) and stack is not None and \
                action in stack:
            target = stack[action]
            key = 'AlarmUrl'
            if key not in target.attributes_schema and \
                    'alarm_url' in target.attributes_schema:
                key = 'alarm_url'
            return target.FnGetAtt(key)
        return action

    def actions_to_urls(self, props):
        """The three action lists (queues folded in as
        ``trust+zaqar://`` URLs)."""
        out = {}
        for actions_key, queues_key in _ACTION_QUEUES:
            urls = [self._action_url(a) for a in props[actions_key] or ()
                    if a]
            for queue in props[queues_key] or ():
                urls.append('trust+zaqar://?%s' % urllib.parse.urlencode(
                    {'queue_name': queue}))
            out[actions_key] = urls
        return out

    def _common_fields(self, props):
        body = self.actions_to_urls(props)
        for key in (DESCRIPTION, ENABLED, REPEAT_ACTIONS, SEVERITY):
            if props[key] is not None:
                body[key] = props[key]
        body[TIME_CONSTRAINTS] = [
            {k: v for k, v in tc.items() if v is not None}
            for tc in props[TIME_CONSTRAINTS] or ()]
        return body

    def _rule(self, props):
        """The type's ``<type>_rule`` (default: its own properties that
        have a value)."""
        return {k: props[k] for k in self.PROPERTIES
                if props[k] is not None}

    def get_alarm_props(self, props):
        """Aodh's alarm body for properties ``props``."""
        body = self._common_fields(props)
        body['type'] = self.alarm_type
        body['%s_rule' % self.alarm_type] = self._rule(props)
        return body

    def _refused(self, exc):
        """The error of a create Aodh refused (types explain more)."""
        return exception.CloudError('Aodh refused the %s alarm: %s' % (
            self.alarm_type, cloud.cloud_error(exc)))

    # -- lifecycle ---------------------------------------------------------

    def handle_create(self):
        from openstack import exceptions as sdk_exc
        body = self.get_alarm_props(self.properties)
        body['name'] = self.physical_resource_name()
        try:
            alarm = self.aodh().create(body)
        except sdk_exc.HttpException as exc:
            raise self._refused(exc) from exc
        self.resource_id_set(alarm['alarm_id'])
        return alarm['alarm_id']

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        if not prop_diff:
            return None
        after = self.make_properties(json_snippet)
        with aodh_errors('Aodh refused the update of alarm %s'
                         % self.resource_id):
            self.aodh().update(self.resource_id, self.get_alarm_props(after))
        return None

    def handle_delete(self):
        if self.resource_id is None:
            return None
        try:
            with aodh_errors('Aodh could not delete alarm %s'
                             % self.resource_id):
                self.aodh().delete(self.resource_id)
        except Exception as exc:
            if not cloud.is_not_found(exc):
                raise
        return self.resource_id

    def _set_enabled(self, enabled):
        if self.resource_id is None:
            return
        with aodh_errors('Aodh could not %s alarm %s' % (
                'enable' if enabled else 'disable', self.resource_id)):
            self.aodh().update(self.resource_id, {ENABLED: enabled})

    def handle_suspend(self):
        self._set_enabled(False)

    def handle_resume(self):
        self._set_enabled(True)

    def handle_check(self):
        self.fetch()


class AodhAlarm(BaseAlarm):
    """A resource that implements alarming service of Aodh.

    Upstream's threshold alarm: it evaluates a statistic of a Ceilometer
    meter's samples against a threshold, and calls its actions when the
    state changes. Aodh removed the ``threshold`` rule type (it needed the
    Ceilometer API, deprecated upstream since Queens): an Aodh without it
    refuses the alarm, and the create fails with Aodh's message. Use
    OS::Aodh::PrometheusAlarm (or the Gnocchi alarms) instead.
    """

    alarm_type = 'threshold'
    support_status = {
        'status': 'DEPRECATED', 'version': '10.0.0',
        'message': 'Theshold alarm relies on ceilometer-api and has been '
                   'deprecated in aodh since Ocata. Use '
                   'OS::Aodh::GnocchiAggregationByResourcesAlarm instead.',
        'previous_status': {'version': '2014.1'}}

    PROPERTIES = (
        COMPARISON_OPERATOR, EVALUATION_PERIODS, METER_NAME, PERIOD,
        STATISTIC, THRESHOLD, MATCHING_METADATA, QUERY,
    ) = (
        'comparison_operator', 'evaluation_periods', 'meter_name', 'period',
        'statistic', 'threshold', 'matching_metadata', 'query',
    )

    properties_schema = {
        COMPARISON_OPERATOR: properties.Schema(
            properties.Schema.STRING,
            'Operator used to compare specified statistic with threshold.',
            constraints=[_operators()], update_allowed=True),
        EVALUATION_PERIODS: properties.Schema(
            properties.Schema.INTEGER, 'Number of periods to evaluate over.',
            update_allowed=True),
        METER_NAME: properties.Schema(
            properties.Schema.STRING, 'Meter name watched by the alarm.',
            required=True),
        PERIOD: properties.Schema(
            properties.Schema.INTEGER, 'Period (seconds) to evaluate over.',
            update_allowed=True),
        STATISTIC: properties.Schema(
            properties.Schema.STRING, 'Meter statistic to evaluate.',
            constraints=[constraints.AllowedValues(
                ['count', 'avg', 'sum', 'min', 'max'])],
            update_allowed=True),
        THRESHOLD: properties.Schema(
            properties.Schema.NUMBER, 'Threshold to evaluate against.',
            required=True, update_allowed=True),
        MATCHING_METADATA: properties.Schema(
            properties.Schema.MAP,
            'Meter should match this resource metadata (key=value) '
            'additionally to the meter_name.',
            default={}, update_allowed=True),
        QUERY: properties.Schema(
            properties.Schema.LIST,
            'A list of query factors, each comparing a Sample attribute '
            'with a value. Implicitly combined with matching_metadata, if '
            'any.',
            update_allowed=True, support_status={'version': '2015.1'},
            schema=properties.Schema(
                properties.Schema.MAP,
                schema=_query_schema(
                    'Name of attribute to compare. Names of the form '
                    'metadata.user_metadata.X or metadata.metering.X are '
                    'equivalent to what you can address through '
                    'matching_metadata; the former for Nova meters, the '
                    'latter for all others. To see the attributes of your '
                    'Samples, use `ceilometer --debug sample-list`.',
                    type_support='8.0.0'))),
    }
    properties_schema.update(common_properties_schema)

    def _rule(self, props):
        rule = {k: props[k] for k in (
            self.PERIOD, self.EVALUATION_PERIODS, self.THRESHOLD,
            self.STATISTIC, self.COMPARISON_OPERATOR, self.METER_NAME)
            if props[k] is not None}
        prefix = ('user_metadata.' if props[self.METER_NAME] in NOVA_METERS
                  else 'metering.')
        query = [dict(q) for q in props[self.QUERY] or ()]
        for key, value in (props[self.MATCHING_METADATA] or {}).items():
            if key.startswith('metadata.'):
                key = key[len('metadata.'):]
            if key.startswith(('metering.', 'user_metadata.')):
                key = key.split('.', 1)[1]
            query.append({'field': 'metadata.%s%s' % (prefix, key),
                          'op': 'eq', 'value': str(value)})
        if query:
            rule[self.QUERY] = query
        return rule

    def _refused(self, exc):
        message = cloud.cloud_error(exc)
        if getattr(exc, 'status_code', None) == 400 and \
                'threshold' in message:
            # Aodh without the rule type: "Unknown attribute for argument
            # data: threshold_rule" (or "Value should be one of: ...")
            return exception.CloudError(
                'Aodh refused the threshold alarm: this Aodh does not '
                'serve the "threshold" rule type OS::Aodh::Alarm needs '
                '(removed from Aodh with the Ceilometer API; use '
                'OS::Aodh::PrometheusAlarm): %s' % message)
        return super()._refused(exc)


class PrometheusAlarm(BaseAlarm):
    """A resource that implements Aodh alarm of type prometheus.

    An alarm that evaluates threshold based on metric data fetched from
    Prometheus (Aodh's evaluator runs the PromQL ``query`` and compares
    its value with ``threshold``).
    """

    alarm_type = 'prometheus'
    support_status = {'version': '22.0.0'}

    PROPERTIES = (COMPARISON_OPERATOR, QUERY, THRESHOLD) = (
        'comparison_operator', 'query', 'threshold')

    properties_schema = {
        COMPARISON_OPERATOR: properties.Schema(
            properties.Schema.STRING,
            'Operator used to compare specified statistic with threshold.',
            constraints=[_operators()], update_allowed=True),
        QUERY: properties.Schema(
            properties.Schema.STRING,
            'The PromQL query string to fetch metrics data from Prometheus.',
            required=True, update_allowed=True),
        THRESHOLD: properties.Schema(
            properties.Schema.NUMBER, 'Threshold to evaluate against.',
            required=True, update_allowed=True),
    }
    properties_schema.update(common_properties_schema)


class EventAlarm(BaseAlarm):
    """A resource that implements event alarms.

    Allows users to define alarms which can be evaluated based on events
    passed from other OpenStack services. The events can be emitted when
    the resources from other OpenStack services have been updated, created
    or deleted, such as 'compute.instance.reboot.end',
    'scheduler.select_destinations.end'.
    """

    alarm_type = 'event'
    support_status = {'version': '8.0.0'}

    PROPERTIES = (EVENT_TYPE, QUERY) = ('event_type', 'query')

    properties_schema = {
        EVENT_TYPE: properties.Schema(
            properties.Schema.STRING,
            'Event type to evaluate against. If not specified will match '
            'all events.',
            update_allowed=True, default='*'),
        QUERY: properties.Schema(
            properties.Schema.LIST,
            'A list for filtering events. Query conditions used to filter '
            'specific events when evaluating the alarm.',
            update_allowed=True,
            schema=properties.Schema(
                properties.Schema.MAP,
                schema=_query_schema('Name of attribute to compare.'))),
    }
    properties_schema.update(common_properties_schema)

    def _rule(self, props):
        rule = {}
        if props[self.QUERY]:
            rule[self.QUERY] = [dict(q) for q in props[self.QUERY]]
        if props[self.EVENT_TYPE]:
            rule[self.EVENT_TYPE] = props[self.EVENT_TYPE]
        return rule


def resource_mapping():
    return {
        'OS::Aodh::Alarm': AodhAlarm,
        'OS::Aodh::PrometheusAlarm': PrometheusAlarm,
        'OS::Aodh::EventAlarm': EventAlarm,
    }
