"""OS::Aodh::{Alarm,PrometheusAlarm,EventAlarm} and AWS::EC2::Instance,
offline (no cloud).

- the schemas are upstream Heat's (names, types, required, defaults,
  allowed values, update_allowed, implemented);
- validation errors name the property path; without a cloud a stack
  validate says the service is not available;
- the Aodh bodies (rules, actions passed intact, queues, matching
  metadata) and the alarms' lifecycle through real stacks with a fake
  Aodh; the instance's boot arguments (tags as metadata, scheduler
  hints, user data, networks) with a fake connection.
"""

import base64
import copy
import email
import uuid
from unittest import mock

from openstack import exceptions as sdk_exc

from heat.common import exception
from heat.engine import clients, properties
from heat.engine.resources.aws.ec2 import instance as ec2
from heat.engine.resources.openstack.aodh import alarm
from heat.tests import base
from heat.tests.unit.resources.test_none import StackTestCase

OPS = ['le', 'ge', 'eq', 'lt', 'gt', 'ne']
QUERY_TYPES = ['integer', 'float', 'string', 'boolean', 'datetime']

#: a scaling policy's pre-signed alarm_url (long, with a query string)
ALARM_URL = (
    'http://127.0.0.1:8000/v1/signal/arn%3Aopenstack%3Aheat%3A%3Ap1%3A'
    'stacks%2Fs%2F5f1c%2Fresources%2Fscale_up?Timestamp=2024-01-01T00%3A'
    '00%3A00Z&SignatureMethod=HmacSHA256&AWSAccessKeyId=4b2c&'
    'SignatureVersion=2&Signature=a%2Bb%2Fc%3D')

PROMETHEUS = '''
heat_template_version: 2016-10-14
resources:
  alarm:
    type: OS::Aodh::PrometheusAlarm
    properties:
      description: CPU high
      query: sum(rate(cpu[1m]))
      threshold: 50
      comparison_operator: gt
      alarm_actions: ['%s']
      ok_queues: [q1]
outputs:
  show:
    value: {get_attr: [alarm, show]}
''' % ALARM_URL

THRESHOLD = '''
heat_template_version: 2016-10-14
resources:
  alarm:
    type: OS::Aodh::Alarm
    properties:
      meter_name: cpu_util
      statistic: avg
      period: 60
      evaluation_periods: 1
      threshold: 50
      comparison_operator: gt
      matching_metadata: {'metadata.metering.stack': s1, 'size': 2}
'''

INSTANCE = '''
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  inst:
    Type: AWS::EC2::Instance
    Properties: %s
'''


def schema_facts(schema):
    """Upstream's facts of a properties schema, recursively."""
    out = {}
    for name, item in schema.items():
        fact = {'type': item.type, 'required': item.required,
                'update_allowed': item.update_allowed,
                'implemented': item.implemented}
        if item.default is not None:
            fact['default'] = item.default
        allowed = [c for c in item.constraints
                   if type(c).__name__ == 'AllowedValues']
        if allowed:
            fact['allowed'] = sorted(allowed[0].allowed)
        custom = [c.constraint_name for c in item.constraints
                  if hasattr(c, 'constraint_name')]
        if custom:
            fact['custom'] = custom
        nested = item.schema
        if isinstance(nested, properties.Schema):
            fact['items'] = nested.type
            nested = nested.schema
        if isinstance(nested, dict):
            fact['schema'] = schema_facts(nested)
        out[name] = fact
    return out


def plain(**kw):
    return dict({'required': False, 'update_allowed': False,
                 'implemented': True}, **kw)


def upd(**kw):
    return plain(update_allowed=True, **kw)


#: alarm_base.common_properties_schema upstream
COMMON = {
    'description': upd(type='String'),
    'enabled': upd(type='Boolean', default='true'),
    'alarm_actions': upd(type='List'),
    'ok_actions': upd(type='List'),
    'insufficient_data_actions': upd(type='List'),
    'alarm_queues': upd(type='List', default=[], items='String'),
    'ok_queues': upd(type='List', default=[], items='String'),
    'insufficient_data_queues': upd(type='List', default=[],
                                    items='String'),
    'repeat_actions': upd(type='Boolean', default='true'),
    'severity': upd(type='String', default='low',
                    allowed=['critical', 'low', 'moderate']),
    'time_constraints': plain(type='List', default=[], items='Map', schema={
        'name': plain(type='String', required=True),
        'start': plain(type='String', required=True,
                       custom=['cron_expression']),
        'description': plain(type='String'),
        'duration': plain(type='Integer', required=True),
        'timezone': plain(type='String', custom=['timezone']),
    }),
}


def query_facts():
    return {
        'field': plain(type='String'),
        'type': plain(type='String', default='string',
                      allowed=sorted(QUERY_TYPES)),
        'op': plain(type='String', allowed=sorted(OPS)),
        'value': plain(type='String'),
    }


class TestUpstreamSchemas(base.TestCase):
    """The schemas match upstream Heat's, fact by fact."""

    def assertSchema(self, expected, cls):
        actual = schema_facts(cls.properties_schema)
        # the queues' items carry the zaqar.queue constraint
        for key in alarm.INTERNAL_PROPERTIES:
            if key in actual:
                item = cls.properties_schema[key].schema
                self.assertEqual(['zaqar.queue'],
                                 [c.constraint_name
                                  for c in item.constraints])
        self.assertEqual(sorted(expected), sorted(actual))
        for name in expected:
            self.assertEqual(expected[name], actual[name], name)

    def test_threshold_alarm(self):
        expected = dict(COMMON)
        expected.update({
            'comparison_operator': upd(type='String', allowed=sorted(OPS)),
            'evaluation_periods': upd(type='Integer'),
            'meter_name': plain(type='String', required=True),
            'period': upd(type='Integer'),
            'statistic': upd(type='String', allowed=sorted(
                ['count', 'avg', 'sum', 'min', 'max'])),
            'threshold': upd(type='Number', required=True),
            'matching_metadata': upd(type='Map', default={}),
            'query': upd(type='List', items='Map', schema=query_facts()),
        })
        self.assertSchema(expected, alarm.AodhAlarm)
        self.assertEqual('threshold', alarm.AodhAlarm.alarm_type)

    def test_prometheus_alarm(self):
        expected = dict(COMMON)
        expected.update({
            'comparison_operator': upd(type='String', allowed=sorted(OPS)),
            'query': upd(type='String', required=True),
            'threshold': upd(type='Number', required=True),
        })
        self.assertSchema(expected, alarm.PrometheusAlarm)
        self.assertEqual('prometheus', alarm.PrometheusAlarm.alarm_type)

    def test_event_alarm(self):
        expected = dict(COMMON)
        expected.update({
            'event_type': upd(type='String', default='*'),
            'query': upd(type='List', items='Map', schema=query_facts()),
        })
        self.assertSchema(expected, alarm.EventAlarm)

    def test_alarms_have_only_show(self):
        for cls in (alarm.AodhAlarm, alarm.PrometheusAlarm,
                    alarm.EventAlarm):
            # upstream's alarms declare none; 'show' is every resource's
            self.assertEqual(['show'], sorted(cls.attributes_schema))
            self.assertEqual('aodh', cls.required_service)

    def test_instance(self):
        kv = {'Key': plain(type='String', required=True),
              'Value': plain(type='String', required=True)}
        not_impl = dict(implemented=False)
        expected = {
            'ImageId': plain(type='String', required=True,
                             custom=['glance.image']),
            'InstanceType': upd(type='String', required=True,
                                custom=['nova.flavor']),
            'KeyName': plain(type='String', custom=['nova.keypair']),
            'AvailabilityZone': plain(type='String'),
            'DisableApiTermination': plain(type='String', **not_impl),
            'KernelId': plain(type='String', **not_impl),
            'Monitoring': plain(type='Boolean', **not_impl),
            'PlacementGroupName': plain(type='String', **not_impl),
            'PrivateIpAddress': plain(type='String', **not_impl),
            'RamDiskId': plain(type='String', **not_impl),
            'SecurityGroups': plain(type='List'),
            'SecurityGroupIds': plain(type='List'),
            'NetworkInterfaces': upd(type='List'),
            'SourceDestCheck': plain(type='Boolean', **not_impl),
            'SubnetId': upd(type='String'),
            'Tags': upd(type='List', items='Map', schema=kv),
            'NovaSchedulerHints': plain(type='List', items='Map',
                                        schema=kv),
            'Tenancy': plain(type='String', allowed=['dedicated',
                                                     'default'],
                             **not_impl),
            'UserData': plain(type='String'),
            'Volumes': plain(type='List', default=[], items='Map', schema={
                'Device': plain(type='String', required=True),
                'VolumeId': plain(type='String', required=True,
                                  custom=['cinder.volume']),
            }),
            'BlockDeviceMappings': plain(type='List', items='Map', schema={
                'DeviceName': plain(type='String', required=True),
                'Ebs': plain(type='Map', schema={
                    'DeleteOnTermination': plain(type='Boolean',
                                                 default=True),
                    'Iops': plain(type='Number', **not_impl),
                    'SnapshotId': plain(type='String',
                                        custom=['cinder.snapshot']),
                    'VolumeSize': plain(type='String'),
                    'VolumeType': plain(type='String', **not_impl),
                }),
                'NoDevice': plain(type='Map', **not_impl),
                'VirtualName': plain(type='String', **not_impl),
            }),
        }
        actual = schema_facts(ec2.Instance.properties_schema)
        self.assertEqual(sorted(expected), sorted(actual))
        for name in expected:
            self.assertEqual(expected[name], actual[name], name)
        self.assertEqual(
            {'AvailabilityZone', 'PrivateDnsName', 'PublicDnsName',
             'PrivateIp', 'PublicIp', 'show'},
            set(ec2.Instance.attributes_schema))
        self.assertEqual('nova', ec2.Instance.required_service)
        self.assertEqual(53, ec2.Instance.physical_resource_name_limit)

    def test_instance_accepts_what_groups_give_their_members(self):
        # the LaunchConfiguration's properties (but InstanceId), Tags and
        # SubnetId are what AWS groups and InstanceGroup pass
        from heat.engine.resources.aws.autoscaling import launch_config
        passed = (set(launch_config.LaunchConfiguration.properties_schema) -
                  {'InstanceId'}) | {'Tags', 'SubnetId'}
        self.assertLessEqual(passed, set(ec2.Instance.properties_schema))
        lc_bdm = launch_config.LaunchConfiguration.properties_schema[
            'BlockDeviceMappings']
        self.assertEqual(
            schema_facts({'b': lc_bdm})['b']['schema'].keys(),
            schema_facts({'b': ec2.Instance.properties_schema[
                'BlockDeviceMappings']})['b']['schema'].keys())


class FakeAodh:
    """Aodh's /v2/alarms in memory (what AodhClient offers)."""

    def __init__(self, refuse=None):
        self.alarms = {}
        self.calls = []
        self.refuse = refuse

    @staticmethod
    def _error(cls, message, code):
        response = mock.Mock(status_code=code, headers={})
        return cls(message='x', response=response, details=message)

    def create(self, body):
        self.calls.append(('create', copy.deepcopy(body)))
        if self.refuse:
            raise self._error(sdk_exc.BadRequestException, self.refuse,
                              400)
        alarm_id = str(uuid.uuid4())
        self.alarms[alarm_id] = dict(copy.deepcopy(body), alarm_id=alarm_id,
                                     state='insufficient data')
        return copy.deepcopy(self.alarms[alarm_id])

    def get(self, alarm_id):
        self.calls.append(('get', alarm_id))
        if alarm_id not in self.alarms:
            raise self._error(sdk_exc.NotFoundException,
                              'Alarm %s not found' % alarm_id, 404)
        return copy.deepcopy(self.alarms[alarm_id])

    def update(self, alarm_id, changes):
        self.calls.append(('update', alarm_id, copy.deepcopy(changes)))
        current = self.get(alarm_id)
        for key, value in changes.items():
            if key.endswith('_rule'):
                current[key].update(value)
            else:
                current[key] = value
        self.alarms[alarm_id] = current
        return copy.deepcopy(current)

    def delete(self, alarm_id):
        self.calls.append(('delete', alarm_id))
        if alarm_id not in self.alarms:
            raise self._error(sdk_exc.NotFoundException,
                              'Alarm %s not found' % alarm_id, 404)
        del self.alarms[alarm_id]


class CloudStackTestCase(StackTestCase):
    """Stacks whose context reaches ``services`` (no real cloud)."""

    services = frozenset({'aodh', 'nova', 'neutron', 'glance'})

    def setUp(self):
        super().setUp()
        self.useFixture_patch('heat.engine.clients.available_services',
                              return_value=self.services)

    def useFixture_patch(self, target, **kwargs):
        patcher = mock.patch(target, **kwargs)
        mocked = patcher.start()
        self.addCleanup(patcher.stop)
        return mocked


class TestNoCloud(StackTestCase):

    def test_validate_names_the_service(self):
        self.assertFalse(clients.configured(self.ctx))
        for tmpl, rtype in ((THRESHOLD, 'OS::Aodh::Alarm'),
                            (PROMETHEUS, 'OS::Aodh::PrometheusAlarm')):
            stack = self.parse(tmpl)
            err = self.assertRaises(exception.ResourceTypeUnavailable,
                                    stack.validate)
            self.assertEqual(
                'HEAT-E99001 Service aodh is not available for resource '
                'type %s, reason: no cloud service is configured for this '
                'engine' % rtype, str(err))

    def test_instance_validate_names_nova(self):
        stack = self.parse(INSTANCE % '{ImageId: tiny, InstanceType: m1}')
        err = self.assertRaises(exception.ResourceTypeUnavailable,
                                stack.validate)
        self.assertEqual(
            'HEAT-E99001 Service nova is not available for resource type '
            'AWS::EC2::Instance, reason: no cloud service is configured '
            'for this engine', str(err))


class TestValidation(CloudStackTestCase):
    """With the service there, property errors name their path."""

    def assertInvalid(self, message, tmpl):
        stack = self.parse(tmpl)
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertEqual(message, str(err))

    def test_alarm_allowed_values(self):
        self.assertInvalid(
            'resources.alarm.properties.comparison_operator: "bogus" is '
            'not an allowed value [le, ge, eq, lt, gt, ne]',
            THRESHOLD.replace('comparison_operator: gt',
                              'comparison_operator: bogus'))
        self.assertInvalid(
            'resources.alarm.properties.severity: "high" is not an '
            'allowed value [low, moderate, critical]',
            PROMETHEUS.replace('description: CPU high', 'severity: high'))

    def test_alarm_required(self):
        self.assertInvalid(
            'resources.alarm.properties: Property meter_name not assigned',
            THRESHOLD.replace('meter_name: cpu_util', ''))
        self.assertInvalid(
            'resources.alarm.properties: Property query not assigned',
            PROMETHEUS.replace('query: sum(rate(cpu[1m]))', ''))

    def test_alarm_nested_path(self):
        tmpl = PROMETHEUS.replace(
            'description: CPU high',
            "time_constraints: [{name: tc, start: '* * * * *', "
            "duration: -1}]")
        stack = self.parse(tmpl)
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertEqual(['resources', 'alarm', 'properties',
                          'time_constraints', 0, 'duration'], err.path)
        tmpl = THRESHOLD.replace(
            'meter_name: cpu_util',
            'meter_name: cpu_util\n      query: [{field: f, op: like}]')
        stack = self.parse(tmpl)
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertEqual(['resources', 'alarm', 'properties', 'query', 0,
                          'op'], err.path)

    def test_valid_alarms(self):
        for tmpl in (THRESHOLD, PROMETHEUS):
            self.parse(tmpl).validate()

    def test_instance_not_implemented(self):
        self.assertInvalid(
            'Resources.inst.Properties: Property Tenancy not implemented '
            'yet',
            INSTANCE % '{ImageId: tiny, InstanceType: m1, '
                       'Tenancy: dedicated}')

    def test_instance_required(self):
        self.assertInvalid(
            'Resources.inst.Properties: Property ImageId not assigned',
            INSTANCE % '{InstanceType: m1}')

    def test_instance_bdm_needs_snapshot(self):
        self.assertInvalid(
            'Resources.inst.Properties.BlockDeviceMappings[0].Ebs: '
            'SnapshotId is missing, this is required when specifying '
            'BlockDeviceMappings.',
            INSTANCE % '{ImageId: tiny, InstanceType: m1, '
                       'BlockDeviceMappings: [{DeviceName: vdb, '
                       'Ebs: {VolumeSize: "1"}}]}')
        self.assertInvalid(
            'Resources.inst.Properties.BlockDeviceMappings[0]: Ebs is '
            'missing, this is required when specifying '
            'BlockDeviceMappings.',
            INSTANCE % '{ImageId: tiny, InstanceType: m1, '
                       'BlockDeviceMappings: [{DeviceName: vdb}]}')

    def test_instance_groups_conflict_with_interfaces(self):
        self.assertInvalid(
            'Resources.inst.Properties: Cannot define the following '
            'properties at the same time: SecurityGroups/SecurityGroupIds, '
            'NetworkInterfaces.',
            INSTANCE % '{ImageId: tiny, InstanceType: m1, '
                       'SecurityGroups: [default], '
                       'NetworkInterfaces: [p1]}')

    def test_instance_tags_need_key_and_value(self):
        stack = self.parse(INSTANCE % '{ImageId: tiny, InstanceType: m1, '
                                      'Tags: [{Key: a}]}')
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertEqual(['Resources', 'inst', 'Properties', 'Tags', 0],
                         err.path[:5])
        self.assertIn('Value', str(err))

    def test_valid_instance(self):
        self.parse(INSTANCE % '{ImageId: tiny, InstanceType: m1, '
                              'Tags: [{Key: a, Value: b}], '
                              'NovaSchedulerHints: [{Key: k, Value: v}], '
                              'SubnetId: s1, UserData: "echo hi"}'
                   ).validate()


class TestAlarmLifecycle(CloudStackTestCase):
    """Alarms through real stacks, with Aodh in memory."""

    def setUp(self):
        super().setUp()
        self.aodh = FakeAodh()
        self.useFixture_patch(
            'heat.engine.resources.openstack.aodh.alarm.BaseAlarm.aodh',
            return_value=self.aodh)

    def only_alarm(self):
        self.assertEqual(1, len(self.aodh.alarms))
        return next(iter(self.aodh.alarms.values()))

    def test_prometheus_create_passes_actions_intact(self):
        stack = self.create(PROMETHEUS)
        self.assertState(('CREATE', 'COMPLETE'), stack)
        rsrc = stack['alarm']
        body = self.only_alarm()
        self.assertEqual(rsrc.resource_id, body['alarm_id'])
        self.assertEqual('prometheus', body['type'])
        self.assertEqual({'query': 'sum(rate(cpu[1m]))', 'threshold': 50,
                          'comparison_operator': 'gt'},
                         body['prometheus_rule'])
        self.assertEqual([ALARM_URL], body['alarm_actions'])
        self.assertEqual(['trust+zaqar://?queue_name=q1'],
                         body['ok_actions'])
        self.assertEqual([], body['insufficient_data_actions'])
        self.assertEqual(rsrc.physical_resource_name(), body['name'])
        self.assertIs(True, body['enabled'])
        self.assertIs(True, body['repeat_actions'])
        self.assertEqual('low', body['severity'])
        self.assertEqual('CPU high', body['description'])
        self.assertNotIn('ok_queues', body)
        show = stack.output('show')
        self.assertEqual(body['alarm_id'], show['alarm_id'])
        self.assertEqual('insufficient data', show['state'])

    def test_update_in_place_suspend_resume_delete(self):
        stack = self.create(PROMETHEUS)
        alarm_id = stack['alarm'].resource_id
        self.update(stack, PROMETHEUS.replace('threshold: 50',
                                              'threshold: 75'))
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        self.assertEqual(alarm_id, stack['alarm'].resource_id)
        self.assertEqual(75, self.only_alarm()['prometheus_rule'][
            'threshold'])
        self.assertEqual([ALARM_URL], self.only_alarm()['alarm_actions'])
        stack.suspend()
        self.assertState(('SUSPEND', 'COMPLETE'), stack)
        self.assertIs(False, self.only_alarm()['enabled'])
        stack.resume()
        self.assertState(('RESUME', 'COMPLETE'), stack)
        self.assertIs(True, self.only_alarm()['enabled'])
        stack.check()
        self.assertState(('CHECK', 'COMPLETE'), stack)
        stack.delete()
        self.assertState(('DELETE', 'COMPLETE'), stack)
        self.assertEqual({}, self.aodh.alarms)
        # delete asked once, then waited until Aodh said "not found"
        self.assertIn(('delete', alarm_id), self.aodh.calls)
        self.assertEqual(('get', alarm_id), self.aodh.calls[-1])

    def test_meter_name_change_replaces(self):
        stack = self.create(THRESHOLD)
        old = stack['alarm'].resource_id
        self.update(stack, THRESHOLD.replace('cpu_util', 'memory'))
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        self.assertNotEqual(old, stack['alarm'].resource_id)
        self.assertNotIn(old, self.aodh.alarms)

    def test_threshold_rule(self):
        self.create(THRESHOLD)
        rule = self.only_alarm()['threshold_rule']
        self.assertEqual({'meter_name': 'cpu_util', 'statistic': 'avg',
                          'period': 60, 'evaluation_periods': 1,
                          'threshold': 50, 'comparison_operator': 'gt'},
                         {k: v for k, v in rule.items() if k != 'query'})
        # cpu_util is a Nova meter: user_metadata; the value is a string
        self.assertEqual(
            sorted([{'field': 'metadata.user_metadata.stack', 'op': 'eq',
                     'value': 's1'},
                    {'field': 'metadata.user_metadata.size', 'op': 'eq',
                     'value': '2'}], key=lambda q: q['field']),
            sorted(rule['query'], key=lambda q: q['field']))

    def test_threshold_refused_says_why(self):
        self.aodh.refuse = ('Unknown attribute for argument data: '
                            'threshold_rule')
        stack = self.parse(THRESHOLD)
        stack.validate()
        stack.create()
        self.assertState(('CREATE', 'FAILED'), stack)
        reason = stack['alarm'].status_reason
        self.assertIn('CloudError: resources.alarm: Aodh refused the '
                      'threshold alarm: this Aodh does not serve the '
                      '"threshold" rule type', reason)
        self.assertIn('OS::Aodh::PrometheusAlarm', reason)
        self.assertIn('Unknown attribute for argument data: '
                      'threshold_rule (HTTP 400)', reason)

    def test_other_refusal_gives_aodhs_message(self):
        self.aodh.refuse = 'Alarm quota exceeded for user'
        stack = self.parse(PROMETHEUS)
        stack.create()
        self.assertState(('CREATE', 'FAILED'), stack)
        self.assertIn('Aodh refused the prometheus alarm: Alarm quota '
                      'exceeded for user (HTTP 400)',
                      stack['alarm'].status_reason)

    def test_action_naming_a_policy_gets_its_alarm_url(self):
        tmpl = '''
heat_template_version: 2016-10-14
resources:
  policy:
    type: OS::Heat::None
  alarm:
    type: OS::Aodh::EventAlarm
    properties:
      event_type: compute.instance.update
      alarm_actions: [policy, 'log://']
'''
        stack = self.parse(tmpl)
        rsrc = stack['alarm']
        with mock.patch.object(type(stack['policy']), 'FnGetAtt',
                               return_value='http://signed?x=1',
                               create=True) as get_att:
            body = rsrc.get_alarm_props(rsrc.properties)
        get_att.assert_called_once_with('AlarmUrl')
        self.assertEqual(['http://signed?x=1', 'log://'],
                         body['alarm_actions'])
        self.assertEqual({'event_type': 'compute.instance.update'},
                         body['event_rule'])

    def test_missing_alarm_counts_as_deleted(self):
        stack = self.create(PROMETHEUS)
        self.aodh.alarms.clear()
        stack.delete()
        self.assertState(('DELETE', 'COMPLETE'), stack)

    def test_check_fails_when_gone(self):
        stack = self.create(PROMETHEUS)
        self.aodh.alarms.clear()
        stack.check()
        self.assertState(('CHECK', 'FAILED'), stack)


class TestAodhClient(base.TestCase):
    """The REST calls: URLs, merge-then-PUT updates, Aodh's errors."""

    def setUp(self):
        super().setUp()
        self.adapter = mock.Mock()
        self.adapter.get_endpoint.return_value = 'http://aodh:8042/'
        self.client = alarm.AodhClient(mock.Mock(alarm=self.adapter))

    def answer(self, code=200, body=None):
        import json
        response = mock.Mock(status_code=code,
                             headers={'content-type': 'application/json'},
                             reason='r')
        response.content = json.dumps(body).encode() if body else b''
        response.json.return_value = body
        return response

    def test_urls(self):
        self.adapter.request.return_value = self.answer(201, {'a': 1})
        self.client.create({'x': 1})
        self.adapter.request.assert_called_with(
            'http://aodh:8042/v2/alarms', 'POST', json={'x': 1},
            headers={'Accept': 'application/json'}, raise_exc=False)
        client = alarm.AodhClient(mock.Mock(alarm=mock.Mock(
            **{'get_endpoint.return_value': 'http://aodh/v2'})))
        self.assertEqual('http://aodh/v2/alarms/a%20b',
                         client._url('a b'))

    def test_update_merges_rule_and_puts_whole_alarm(self):
        current = {'alarm_id': 'a1', 'type': 'prometheus', 'enabled': True,
                   'prometheus_rule': {'query': 'up', 'threshold': 1.0}}
        self.adapter.request.side_effect = [self.answer(200, current),
                                            self.answer(200, {'ok': 1})]
        self.client.update('a1', {'enabled': False,
                                  'prometheus_rule': {'threshold': 2}})
        args, kwargs = self.adapter.request.call_args
        self.assertEqual(('http://aodh:8042/v2/alarms/a1', 'PUT'), args)
        self.assertEqual({'alarm_id': 'a1', 'type': 'prometheus',
                          'enabled': False,
                          'prometheus_rule': {'query': 'up',
                                              'threshold': 2}},
                         kwargs['json'])

    def test_errors_carry_aodhs_message(self):
        self.adapter.request.return_value = self.answer(
            404, {'error_message': {'faultstring': 'Alarm a1 not found'}})
        err = self.assertRaises(sdk_exc.NotFoundException,
                                self.client.get, 'a1')
        self.assertEqual('Alarm a1 not found', err.details)

    def test_no_endpoint(self):
        self.adapter.get_endpoint.return_value = None
        err = self.assertRaises(exception.CloudError, self.client.get, 'a')
        self.assertIn('not in the service catalog', str(err))


class FakeNet:
    def __init__(self, net_id, external=False):
        self.id = net_id
        self.is_router_external = external


class TestInstanceBoot(CloudStackTestCase):
    """The CFN properties become OS::Nova::Server's boot arguments."""

    def setUp(self):
        super().setUp()
        self.conn = mock.Mock()
        self.conn.network.networks.return_value = [FakeNet('net-1')]
        self.conn.network.create_port.return_value = mock.Mock(id='port-9')
        self.conn.network.get_subnet.return_value = mock.Mock(
            network_id='net-2')
        self.useFixture_patch(
            'heat.engine.resources.cloud.CloudResource.cloud',
            new_callable=mock.PropertyMock, return_value=self.conn)
        self.useFixture_patch(
            'heat.engine.resources.cloud.CloudResource.find_id',
            side_effect=lambda service, kind, value: '%s-id' % value)

    def boot_args(self, props):
        stack = self.parse(INSTANCE % props)
        stack.store()
        rsrc = stack['inst']
        rsrc.state_set(rsrc.CREATE, rsrc.IN_PROGRESS)
        return rsrc, rsrc._boot_args(rsrc.properties)

    def test_translation(self):
        rsrc, args = self.boot_args(
            '{ImageId: tiny, InstanceType: mc.tiny, KeyName: k, '
            'AvailabilityZone: nova, UserData: "echo hi", '
            'SecurityGroups: [web], SecurityGroupIds: [sg-2], '
            'Tags: [{Key: metering.AutoScalingGroupName, Value: g1}, '
            '{Key: a, Value: b}], '
            'NovaSchedulerHints: [{Key: group, Value: g1}, '
            '{Key: group, Value: g2}, {Key: h, Value: v}]}')
        self.assertEqual(rsrc.physical_resource_name(), args['name'])
        self.assertEqual('tiny-id', args['image_id'])
        self.assertEqual('mc.tiny-id', args['flavor_id'])
        self.assertEqual('k', args['key_name'])
        self.assertEqual('nova', args['availability_zone'])
        self.assertEqual({'metering.AutoScalingGroupName': 'g1', 'a': 'b'},
                         args['metadata'])
        self.assertEqual({'group': ['g1', 'g2'], 'h': 'v'},
                         args['scheduler_hints'])
        self.assertEqual([{'name': 'web'}, {'name': 'sg-2'}],
                         args['security_groups'])
        self.assertEqual([{'uuid': 'net-1'}], args['networks'])
        message = email.message_from_string(
            base64.b64decode(args['user_data']).decode())
        parts = [p for p in message.walk() if not p.is_multipart()]
        self.assertEqual(['text/x-shellscript'],
                         [p.get_content_type() for p in parts])
        self.assertEqual('echo hi', parts[0].get_payload(decode=True)
                         .decode())

    def test_network_choice(self):
        self.conn.network.networks.return_value = [
            FakeNet('ext', external=True), FakeNet('net-1')]
        self.assertEqual([{'uuid': 'net-1'}], self.boot_args(
            '{ImageId: i, InstanceType: f}')[1]['networks'])
        self.conn.network.networks.return_value = [
            FakeNet('ext', external=True)]
        self.assertEqual([{'uuid': 'ext'}], self.boot_args(
            '{ImageId: i, InstanceType: f}')[1]['networks'])
        self.conn.network.networks.return_value = [FakeNet('a'),
                                                   FakeNet('b')]
        self.assertEqual('auto', self.boot_args(
            '{ImageId: i, InstanceType: f}')[1]['networks'])
        self.conn.network.networks.return_value = []
        self.assertEqual('auto', self.boot_args(
            '{ImageId: i, InstanceType: f}')[1]['networks'])

    def test_network_interfaces_in_device_order(self):
        _, args = self.boot_args(
            '{ImageId: i, InstanceType: f, NetworkInterfaces: ['
            '{NetworkInterfaceId: p2, DeviceIndex: "1"}, '
            '{NetworkInterfaceId: p1, DeviceIndex: "0"}]}')
        self.assertEqual([{'port': 'p1-id'}, {'port': 'p2-id'}],
                         args['networks'])
        self.assertNotIn('security_groups', args)

    def test_subnet_makes_a_port_with_the_groups(self):
        rsrc, args = self.boot_args(
            '{ImageId: i, InstanceType: f, SubnetId: s1, '
            'SecurityGroups: [web]}')
        self.assertEqual([{'port': 'port-9'}], args['networks'])
        self.conn.network.create_port.assert_called_once_with(
            network_id='net-2', fixed_ips=[{'subnet_id': 's1-id'}],
            admin_state_up=True, security_group_ids=['web-id'])
        self.assertEqual('port-9', rsrc.data()['port_id'])
        self.assertNotIn('security_groups', args)

    def test_block_device_mappings(self):
        _, args = self.boot_args(
            '{ImageId: i, InstanceType: f, BlockDeviceMappings: ['
            '{DeviceName: vdb, Ebs: {SnapshotId: snap, VolumeSize: "2", '
            'DeleteOnTermination: false}}]}')
        self.assertEqual([{'device_name': 'vdb', 'source_type': 'snapshot',
                           'destination_type': 'volume', 'uuid': 'snap',
                           'boot_index': -1, 'volume_size': 2,
                           'delete_on_termination': False}],
                         args['block_device_mapping'])

    def test_addresses(self):
        first = ec2.Instance.first_address
        self.assertIsNone(first({}))
        self.assertEqual('10.0.0.5', first({
            'a-net': [{'addr': '192.0.2.9'}],
            'b-net': [{'addr': '10.0.0.5'}, {'addr': '10.0.0.6'}]}))
        self.assertEqual('192.0.2.9', first({
            'a-net': [{'addr': '192.0.2.9'}], 'b-net': []}))
        stack = self.parse(INSTANCE % '{ImageId: i, InstanceType: f}')
        rsrc = stack['inst']
        server = mock.Mock(addresses={}, availability_zone='nova')
        self.assertEqual('0.0.0.0', rsrc._attribute_from(server,
                                                         'PrivateIp'))
        self.assertEqual('nova', rsrc._attribute_from(server,
                                                      'AvailabilityZone'))
        server.addresses = {'mc-net': [{'addr': '192.0.2.10'}]}
        for name in ('PrivateIp', 'PublicIp', 'PrivateDnsName',
                     'PublicDnsName'):
            self.assertEqual('192.0.2.10', rsrc._attribute_from(server,
                                                                name))

    def test_interface_update_detaches_and_attaches_the_difference(self):
        rsrc, _ = self.boot_args(
            '{ImageId: i, InstanceType: f, NetworkInterfaces: [p1, p2]}')
        rsrc.resource_id_set('srv-1')
        after = self.parse(INSTANCE % '{ImageId: i, InstanceType: f, '
                                      'NetworkInterfaces: [p2, p3]}')
        new_props = after['inst'].properties
        rsrc._update_interfaces({'NetworkInterfaces': ['p2', 'p3']},
                                new_props)
        compute = self.conn.compute
        compute.delete_server_interface.assert_called_once_with(
            'p1-id', server='srv-1', ignore_missing=True)
        compute.create_server_interface.assert_called_once_with(
            'srv-1', port_id='p3-id')

    def test_tags_update_replaces_the_metadata(self):
        rsrc, _ = self.boot_args('{ImageId: i, InstanceType: f, '
                                 'Tags: [{Key: a, Value: b}]}')
        rsrc.resource_id_set('srv-1')
        compute = self.conn.compute
        compute.get_server_metadata.return_value = mock.Mock(
            metadata={'a': 'b', 'c': 'd'})
        rsrc._replace_metadata([{'Key': 'c', 'Value': 'e'}])
        compute.set_server_metadata.assert_called_once_with('srv-1', c='e')
        compute.delete_server_metadata.assert_called_once_with('srv-1',
                                                               ['a'])

    def test_delete_of_a_create_that_died_finds_the_server_by_name(self):
        rsrc, _ = self.boot_args('{ImageId: i, InstanceType: f}')
        self.assertIsNone(rsrc.resource_id)
        compute = self.conn.compute
        orphan = mock.Mock(id='srv-7')
        orphan.name = rsrc.physical_resource_name()
        compute.servers.return_value = [orphan]
        self.assertEqual('srv-7', rsrc.handle_delete())
        compute.delete_server.assert_called_once_with('srv-7',
                                                      ignore_missing=True)
