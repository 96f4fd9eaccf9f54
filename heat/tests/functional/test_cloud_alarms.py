"""Aodh alarms and AWS::EC2::Instance against the real mini cloud.

A served engine (:class:`heat.tests.engine_fixture.EngineFixture`, SQLite)
acts on the project's mini cloud
(:class:`heat.tests.cloud_fixture.CloudFixture`: Keystone, Nova with the
fake driver, Neutron, Glance, Aodh); what the engine did is checked in
the cloud with a connection of the test's own. The tests skip, with the
reason, when the cloud cannot start.

- an ``OS::Aodh::PrometheusAlarm`` whose actions are a scaling policy's
  pre-signed ``alarm_url`` and a long literal URL: created in Aodh with
  the URLs intact, its threshold updated in place, disabled and enabled
  by suspend and resume, gone after the stack delete;
- an ``OS::Aodh::Alarm`` (threshold): this Aodh has no ``threshold``
  rule type; the create fails with Aodh's message;
- an ``AWS::EC2::Instance`` (image ``tiny``, flavor ``mc.tiny``):
  ``ACTIVE`` in Nova with its tags as metadata (replaced in place by an
  update), ``PrivateIp`` its address, suspended and resumed, deleted
  with the stack;
- an ``AWS::AutoScaling::AutoScalingGroup`` of two: its members are real
  instances built from the LaunchConfiguration.
"""

import urllib.parse

from heat.common import signing
from heat.db import api as db_api
from heat.tests import cloud_fixture

LONG_URL = ('http://127.0.0.1:9/hook/%s?Timestamp=2024-01-01T00%%3A00%%3A'
            '00Z&SignatureMethod=HmacSHA256&AWSAccessKeyId=abc&'
            'SignatureVersion=2&Signature=a%%2Bb%%2Fc%%3D' % ('x' * 120))

ALARM_TMPL = '''
heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 3
      resource:
        type: OS::Heat::RandomString
  scale_up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: group}
      scaling_adjustment: 1
  alarm:
    type: OS::Aodh::PrometheusAlarm
    properties:
      description: scale up when busy
      query: 'sum(rate(libvirt_domain_info_cpu_time_seconds_total[1m]))'
      threshold: 50
      comparison_operator: gt
      alarm_actions:
        - {get_attr: [scale_up, alarm_url]}
      ok_actions: ['%s']
outputs:
  alarm_url:
    value: {get_attr: [scale_up, alarm_url]}
  show:
    value: {get_attr: [alarm, show]}
''' % LONG_URL

THRESHOLD_TMPL = '''
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
'''

INSTANCE_TMPL = '''
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  inst:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: tiny
      InstanceType: mc.tiny
      UserData: 'echo hello'
      Tags:
        - {Key: metering.AutoScalingGroupName, Value: g1}
        - {Key: role, Value: web}
Outputs:
  ip:
    Value: {'Fn::GetAtt': [inst, PrivateIp]}
  public_ip:
    Value: {'Fn::GetAtt': [inst, PublicIp]}
'''

GROUP_TMPL = '''
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  group:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      AvailabilityZones: [nova]
      LaunchConfigurationName: {Ref: config}
      MinSize: '2'
      MaxSize: '3'
      Tags: [{Key: role, Value: worker}]
  config:
    Type: AWS::AutoScaling::LaunchConfiguration
    Properties:
      ImageId: tiny
      InstanceType: mc.tiny
      UserData: 'echo member'
Outputs:
  name:
    Value: {Ref: group}
  ips:
    Value: {'Fn::GetAtt': [group, InstanceList]}
'''


class CloudStackTest(cloud_fixture.CloudStackTestCase):
    """The engine's stacks on the mini cloud, with Aodh at hand."""

    # -- cloud helpers ---------------------------------------------------

    def aodh(self, alarm_id):
        """Aodh's alarm (None when Aodh says it does not exist)."""
        # (the adapter's endpoint is Aodh's, with or without the
        # discovered version)
        base = self.conn.alarm.get_endpoint().rstrip('/')
        if base.endswith('/v2'):
            base = base[:-len('/v2')]
        response = self.conn.alarm.get('%s/v2/alarms/%s' % (base, alarm_id),
                                       raise_exc=False)
        if response.status_code == 404:
            return None
        self.assertEqual(200, response.status_code, response.text)
        return response.json()

    def assertPolicyUrl(self, ident, policy, url, expected):
        """``url`` is the policy's pre-signed alarm_url, whole: the
        same endpoint and query keys as ``expected`` (another resolution
        of it: the Timestamp may differ) and a signature that verifies
        with the policy's secret."""
        got, want = urllib.parse.urlsplit(url), urllib.parse.urlsplit(
            expected)
        self.assertEqual(want[:3], got[:3])
        params = dict(urllib.parse.parse_qsl(got.query))
        self.assertEqual(sorted(dict(urllib.parse.parse_qsl(want.query))),
                         sorted(params))
        row = db_api.resource_get_by_name_and_stack(
            self.ctx, policy, ident['stack_id'])
        data = db_api.resource_data_get_all(self.ctx, row.id,
                                            reveal_redacted=True)
        self.assertEqual(data['access_key'], params['AWSAccessKeyId'])
        signing.verify(data['secret_key'], 'POST', got.path, params,
                       access_key=data['access_key'])


class TestAodhAlarms(CloudStackTest):

    def test_prometheus_alarm_lifecycle(self):
        ident = self.create(ALARM_TMPL, name='alarms')
        self.assertState('CREATE_COMPLETE', ident)
        alarm_id = self.physical_id(ident, 'alarm')
        out = self.outputs(ident)

        found = self.aodh(alarm_id)
        self.assertEqual('prometheus', found['type'])
        self.assertEqual({'comparison_operator': 'gt', 'threshold': 50.0,
                          'query': 'sum(rate(libvirt_domain_info_cpu_time_'
                                   'seconds_total[1m]))'},
                         found['prometheus_rule'])
        # the pre-signed URL (its signature still verifies: nothing of
        # it was lost) and the long one, exactly as given
        self.assertEqual(1, len(found['alarm_actions']))
        self.assertPolicyUrl(ident, 'scale_up', found['alarm_actions'][0],
                             out['alarm_url'])
        self.assertEqual([LONG_URL], found['ok_actions'])
        self.assertTrue(found['enabled'])
        self.assertEqual('scale up when busy', found['description'])
        self.assertEqual(out['show']['alarm_id'], alarm_id)

        # threshold: updated in place
        self.svc.update_stack(self.ctx, ident,
                              ALARM_TMPL.replace('threshold: 50',
                                                 'threshold: 75'),
                              {}, {}, {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)
        self.assertEqual(alarm_id, self.physical_id(ident, 'alarm'))
        found = self.aodh(alarm_id)
        self.assertEqual(75.0, found['prometheus_rule']['threshold'])
        self.assertPolicyUrl(ident, 'scale_up', found['alarm_actions'][0],
                             out['alarm_url'])
        self.assertEqual([LONG_URL], found['ok_actions'])

        # suspend disables, resume enables
        self.svc.stack_suspend(self.ctx, ident)
        self.wait(ident)
        self.assertState('SUSPEND_COMPLETE', ident)
        self.assertFalse(self.aodh(alarm_id)['enabled'])
        self.svc.stack_resume(self.ctx, ident)
        self.wait(ident)
        self.assertState('RESUME_COMPLETE', ident)
        self.assertTrue(self.aodh(alarm_id)['enabled'])

        # check reads the alarm
        self.svc.stack_check(self.ctx, ident)
        self.wait(ident)
        self.assertState('CHECK_COMPLETE', ident)

        # delete: gone from Aodh
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertIsNone(self.aodh(alarm_id))

    def test_threshold_alarm_refused_with_aodhs_message(self):
        ident = self.create(THRESHOLD_TMPL, name='threshold')
        self.assertState('CREATE_FAILED', ident)
        reason = self.resource(ident, 'alarm')['resource_status_reason']
        self.assertIn('Aodh refused the threshold alarm: this Aodh does '
                      'not serve the "threshold" rule type', reason)
        self.assertIn('threshold_rule (HTTP 400)', reason)


class TestInstance(CloudStackTest):

    def test_instance_lifecycle(self):
        ident = self.create(INSTANCE_TMPL, name='inst')
        self.assertState('CREATE_COMPLETE', ident)
        server_id = self.physical_id(ident, 'inst')
        server = self.conn.compute.get_server(server_id)
        self.assertEqual('ACTIVE', server.status)
        self.assertEqual({'metering.AutoScalingGroupName': 'g1',
                          'role': 'web'}, server.metadata)
        self.assertTrue(server.name.startswith('inst-inst-'), server.name)
        addresses = [a['addr'] for addrs in server.addresses.values()
                     for a in addrs]
        self.assertEqual(1, len(addresses), server.addresses)
        self.assertEqual(['mc-net'], list(server.addresses))
        out = self.outputs(ident)
        self.assertEqual(addresses[0], out['ip'])
        self.assertEqual(addresses[0], out['public_ip'])

        # Tags: the metadata is replaced in place
        self.svc.update_stack(
            self.ctx, ident,
            INSTANCE_TMPL.replace('{Key: role, Value: web}',
                                  '{Key: tier, Value: db}'),
            {}, {}, {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)
        self.assertEqual(server_id, self.physical_id(ident, 'inst'))
        self.assertEqual({'metering.AutoScalingGroupName': 'g1',
                          'tier': 'db'},
                         self.conn.compute.get_server(server_id).metadata)

        # suspend and resume
        self.svc.stack_suspend(self.ctx, ident)
        self.wait(ident)
        self.assertState('SUSPEND_COMPLETE', ident)
        self.assertEqual('SUSPENDED',
                         self.conn.compute.get_server(server_id).status)
        self.svc.stack_resume(self.ctx, ident)
        self.wait(ident)
        self.assertState('RESUME_COMPLETE', ident)
        self.assertEqual('ACTIVE',
                         self.conn.compute.get_server(server_id).status)

        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertIsNone(self.conn.compute.find_server(server_id,
                                                        ignore_missing=True))

    def test_aws_group_members_are_instances(self):
        # the members' properties are what the LaunchConfiguration and
        # the group give (ImageId, InstanceType, UserData, Tags with
        # metering.AutoScalingGroupName): real servers
        ident = self.create(GROUP_TMPL, name='asg')
        self.assertState('CREATE_COMPLETE', ident)
        out = self.outputs(ident)
        members = [
            s for s in cloud_fixture.servers(self.conn)
            if (s.metadata or {}).get('metering.AutoScalingGroupName') ==
            out['name']]
        self.assertEqual(2, len(members), out)
        for server in members:
            self.assertEqual('ACTIVE', server.status)
            self.assertEqual('worker', server.metadata['role'])
        ips = sorted(a['addr'] for s in members
                     for addrs in s.addresses.values() for a in addrs)
        self.assertEqual(ips, sorted(out['ips'].split(',')))
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        for server in members:
            self.assertIsNone(self.conn.compute.find_server(
                server.id, ignore_missing=True))
