"""Auto-scaling resources in stacks, through a served engine (functional).

EngineService is served on a private in-process bus
(:class:`heat.tests.engine_fixture.EngineFixture`), so the resources reach
the AS engine through the RPC client as in production; the database is a
real SQLite file (``db_fixtures``). Templates come from the corpus
(HeatAutoscalingTest, AutoScalingSignalTest).
"""

import time

from heat.common import context, exception
from heat.tests import db_fixtures, engine_fixture

WAIT = 60

HEAT_TMPL = '''
heat_template_version: 2014-10-16
resources:
  random_group:
    type: OS::Heat::AutoScalingGroup
    properties:
      cooldown: 0
      desired_capacity: 3
      max_size: 5
      min_size: 2
      resource:
        type: OS::Heat::RandomString
  scale_up_policy:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: random_group}
      scaling_adjustment: 1
  scale_down_policy:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: random_group}
      scaling_adjustment: -1
outputs:
  all_values:
    value: {get_attr: [random_group, outputs_list, value]}
  value_0:
    value: {get_attr: [random_group, resource.0.value]}
  value_1:
    value: {get_attr: [random_group, resource.1.value]}
  value_2:
    value: {get_attr: [random_group, resource.2.value]}
  asg_size:
    value: {get_attr: [random_group, current_size]}
  refs:
    value: {get_attr: [random_group, refs]}
  outputs_map:
    value: {get_attr: [random_group, outputs, value]}
'''

AWS_TMPL = '''
{
  "AWSTemplateFormatVersion" : "2010-09-09",
  "Parameters" : {"size": {"Type": "String", "Default": "2"}},
  "Resources": {
    "JobServerGroup": {
      "Type" : "AWS::AutoScaling::AutoScalingGroup",
      "Properties" : {
        "AvailabilityZones" : ["nova"],
        "LaunchConfigurationName" : { "Ref" : "JobServerConfig" },
        "DesiredCapacity" : {"Ref": "size"},
        "MinSize" : "0",
        "MaxSize" : "20"
      }
    },
    "JobServerConfig" : {
      "Type" : "AWS::AutoScaling::LaunchConfiguration",
      "Metadata": {"foo": "bar"},
      "Properties": {
        "ImageId"           : "cirros",
        "InstanceType"      : "m1.tiny",
        "SecurityGroups"    : [ "sg-1" ],
        "UserData"          : "jsconfig data"
      }
    },
    "ScaleUpPolicy" : {
      "Type" : "AWS::AutoScaling::ScalingPolicy",
      "Properties" : {
        "AdjustmentType" : "ChangeInCapacity",
        "AutoScalingGroupName" : { "Ref" : "JobServerGroup" },
        "Cooldown" : "0",
        "ScalingAdjustment": "1"
      }
    },
    "ScaleDownPolicy" : {
      "Type" : "AWS::AutoScaling::ScalingPolicy",
      "Properties" : {
        "AdjustmentType" : "ChangeInCapacity",
        "AutoScalingGroupName" : { "Ref" : "JobServerGroup" },
        "Cooldown" : "0",
        "ScalingAdjustment" : "-2"
      }
    }
  },
  "Outputs": {
    "InstanceList": {"Value": {
      "Fn::GetAtt": ["JobServerGroup", "InstanceList"]}}
  }
}
'''

INSTANCE_PROVIDER = '''
heat_template_version: 2013-05-23
parameters:
  ImageId: {type: string}
  InstanceType: {type: string}
  SecurityGroups: {type: comma_delimited_list}
  UserData: {type: string}
  Tags: {type: comma_delimited_list, default: "x,y"}
resources:
  random1:
    type: OS::Heat::RandomString
outputs:
  PublicIp: {value: {get_attr: [random1, value]}}
'''


def ctx():
    return context.RequestContext(project_id='p1', user_id='u1',
                                  user_name='user1')


@db_fixtures.for_each_backend
class TestHeatAutoScaling(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.engine_fx = self.useFixture(engine_fixture.EngineFixture())
        self.svc = self.engine_fx.service
        self.ctx = ctx()

    # -- helpers ---------------------------------------------------------

    def create(self, name, tmpl, params=None, files=None):
        ident = self.svc.create_stack(self.ctx, name, tmpl, params or {},
                                      files or {}, {'timeout_mins': 5})
        self.wait(ident)
        return ident

    def wait(self, ident):
        self.assertTrue(self.svc.wait(ident, WAIT), 'stack action hung')

    def state(self, ident):
        info = self.svc.show_stack(self.ctx, ident,
                                   resolve_outputs=False)[0]
        return '%s_%s' % (info['stack_action'], info['stack_status'])

    def assertState(self, expected, ident):
        info = self.svc.show_stack(self.ctx, ident,
                                   resolve_outputs=False)[0]
        self.assertEqual(expected, '%s_%s' % (info['stack_action'],
                                              info['stack_status']),
                         info['stack_status_reason'])

    def outputs(self, ident):
        info = self.svc.show_stack(self.ctx, ident)[0]
        return {o['output_key']: o.get('output_value')
                for o in info['outputs']}

    def resource(self, ident, name):
        return self.svc.describe_stack_resource(self.ctx, ident, name)

    def group_id(self, ident, name='random_group'):
        return self.resource(ident, name)['physical_resource_id']

    def wait_group(self, group_id, size=None):
        """Wait until the AS engine converged the group (to ``size``)."""
        client = self.engine_fx.client
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            group = client.show_scaling_group(self.ctx, group_id)
            if group['converged'] and (size is None or
                                       group['current_size'] == size):
                return group
            time.sleep(0.05)
        self.fail('group %s did not converge to %s: %s'
                  % (group_id, size, group))

    def signal(self, ident, name, details=None):
        return self.svc.resource_signal(self.ctx, ident, name, details)

    def signal_events(self, ident, name):
        return [e['resource_status_reason']
                for e in self.svc.list_events(self.ctx, ident)
                if e['resource_name'] == name and
                e['resource_action'] == 'SIGNAL']

    # -- tests -----------------------------------------------------------

    def test_create_attributes(self):
        ident = self.create('asg', HEAT_TMPL)
        self.assertState('CREATE_COMPLETE', ident)
        gid = self.group_id(ident)
        group = self.engine_fx.client.show_scaling_group(self.ctx, gid)
        self.assertEqual(gid, group['id'])
        self.assertEqual(3, group['current_size'])
        out = self.outputs(ident)
        self.assertEqual(3, out['asg_size'])
        self.assertEqual(3, len(out['all_values']))
        self.assertEqual([out['value_0'], out['value_1'], out['value_2']],
                         out['all_values'])
        self.assertEqual(sorted(out['all_values']),
                         sorted(out['outputs_map'].values()))
        self.assertEqual(3, len(out['refs']))
        # the group is a nested stack for the API (link rel=nested)
        res = self.resource(ident, 'random_group')
        self.assertEqual(gid, res['nested_stack_id']['stack_id'])

    def test_scale_up_honours_max(self):
        ident = self.create('asg', HEAT_TMPL)
        gid = self.group_id(ident)
        for expected in (4, 5, 5):
            self.signal(ident, 'scale_up_policy')
            self.wait_group(gid, expected)
        self.assertEqual(5, self.outputs(ident)['asg_size'])
        reasons = self.signal_events(ident, 'scale_up_policy')
        # every trigger leaves an event, the rejected one too
        self.assertEqual(3, len(reasons), reasons)

    def test_scale_down_honours_min(self):
        ident = self.create('asg', HEAT_TMPL)
        gid = self.group_id(ident)
        for expected in (2, 2):
            self.signal(ident, 'scale_down_policy')
            self.wait_group(gid, expected)
        self.assertEqual(2, len(self.outputs(ident)['all_values']))
        self.assertEqual(2, len(self.signal_events(ident,
                                                   'scale_down_policy')))

    def test_signal_returns_decision(self):
        ident = self.create('asg', HEAT_TMPL)
        decision = self.signal(ident, 'scale_up_policy')
        self.assertIsInstance(decision, dict)
        self.assertTrue(decision['accepted'])
        self.assertEqual((3, 4), (decision['current'], decision['desired']))
        self.assertEqual([decision['reason']],
                         self.signal_events(ident, 'scale_up_policy'))

    def test_policy_attributes(self):
        ident = self.create('asg', HEAT_TMPL)
        res = self.svc.describe_stack_resource(self.ctx, ident,
                                               'scale_up_policy',
                                               with_attr=['signal_url',
                                                          'alarm_url'])
        attrs = res.get('attributes') or {}
        self.assertTrue(attrs.get('signal_url', '').endswith(
            '/resources/scale_up_policy/signal'), attrs)
        self.assertIn('/v1/signal/arn%3Aopenstack%3Aheat',
                      attrs.get('alarm_url') or '')

    def test_update_size_only_when_changed(self):
        ident = self.create('asg', HEAT_TMPL)
        gid = self.group_id(ident)
        self.signal(ident, 'scale_up_policy')
        self.wait_group(gid, 4)
        # an update that does not touch the sizes keeps the scaled size
        tmpl2 = HEAT_TMPL.replace('scaling_adjustment: -1',
                                  'scaling_adjustment: -2')
        self.svc.update_stack(self.ctx, ident, tmpl2, {}, {},
                              {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)
        self.assertEqual(4, self.wait_group(gid)['current_size'])
        # the policy update reached the AS engine
        self.signal(ident, 'scale_down_policy')
        self.wait_group(gid, 2)
        # a changed desired_capacity resizes
        tmpl3 = tmpl2.replace('desired_capacity: 3', 'desired_capacity: 5')
        self.svc.update_stack(self.ctx, ident, tmpl3, {}, {},
                              {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)
        self.assertEqual(5, self.wait_group(gid)['current_size'])
        self.assertEqual(gid, self.group_id(ident))

    def test_update_member_definition_rolls(self):
        ident = self.create('asg', HEAT_TMPL)
        gid = self.group_id(ident)
        before = self.outputs(ident)['all_values']
        tmpl2 = HEAT_TMPL.replace(
            'type: OS::Heat::RandomString',
            'type: OS::Heat::RandomString\n        properties: '
            '{length: 10}')
        self.svc.update_stack(self.ctx, ident, tmpl2, {}, {},
                              {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)
        self.wait_group(gid, 3)
        after = self.outputs(ident)['all_values']
        self.assertEqual(3, len(after))
        self.assertEqual([10, 10, 10], [len(v) for v in after])
        self.assertFalse(set(before) & set(after))

    def test_delete(self):
        ident = self.create('asg', HEAT_TMPL)
        gid = self.group_id(ident)
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertRaises(exception.HeatException,
                          self.engine_fx.client.show_scaling_group,
                          self.ctx, gid)

    def test_suspend_resume(self):
        ident = self.create('asg', HEAT_TMPL)
        self.svc.stack_suspend(self.ctx, ident)
        self.wait(ident)
        self.assertState('SUSPEND_COMPLETE', ident)
        err = self.assertRaises(exception.HeatException, self.signal,
                                ident, 'scale_up_policy')
        self.assertIn('Signal resource during SUSPEND', str(err))
        self.svc.stack_resume(self.ctx, ident)
        self.wait(ident)
        self.assertState('RESUME_COMPLETE', ident)

    # -- AWS -------------------------------------------------------------

    def test_aws_group_signals(self):
        env = {'resource_registry': {'AWS::EC2::Instance': 'provider.yaml'}}
        ident = self.create('aws', AWS_TMPL, params=env,
                            files={'provider.yaml': INSTANCE_PROVIDER})
        self.assertState('CREATE_COMPLETE', ident)
        gid = self.group_id(ident, 'JobServerGroup')
        self.wait_group(gid, 2)
        ips = self.outputs(ident)['InstanceList']
        self.assertEqual(2, len(ips.split(',')))
        self.signal(ident, 'ScaleUpPolicy')
        self.wait_group(gid, 3)
        self.assertEqual(3, len(self.outputs(ident)['InstanceList']
                                .split(',')))
        self.signal(ident, 'ScaleDownPolicy')
        self.wait_group(gid, 1)
        # Ref of the AWS group is its physical name, not the group id
        res = self.resource(ident, 'JobServerGroup')
        self.assertEqual(gid, res['physical_resource_id'])

    def test_aws_size_update_through_parameter(self):
        env = {'resource_registry': {'AWS::EC2::Instance': 'provider.yaml'},
               'parameters': {'size': 2}}
        files = {'provider.yaml': INSTANCE_PROVIDER}
        ident = self.create('aws', AWS_TMPL, params=env, files=files)
        gid = self.group_id(ident, 'JobServerGroup')
        env['parameters']['size'] = 5
        self.svc.update_stack(self.ctx, ident, AWS_TMPL, env, files,
                              {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)
        self.assertEqual(5, self.wait_group(gid)['current_size'])
        self.assertEqual(5, len(self.outputs(ident)['InstanceList']
                                .split(',')))

    def test_files_change_reaches_members(self):
        env = {'resource_registry': {'AWS::EC2::Instance': 'provider.yaml'},
               'parameters': {'size': 2}}
        ident = self.create('aws', AWS_TMPL, params=env,
                            files={'provider.yaml': INSTANCE_PROVIDER})
        bad = INSTANCE_PROVIDER.replace(
            'type: OS::Heat::RandomString',
            'type: OS::Heat::TestResource\n    properties: {fail: true}'
        ).replace('[random1, value]', '[random1, output]')
        self.svc.update_stack(self.ctx, ident, AWS_TMPL, env,
                              {'provider.yaml': bad}, {'timeout_mins': 5})
        self.wait(ident)
        self.assertEqual('UPDATE_FAILED', self.state(ident))
