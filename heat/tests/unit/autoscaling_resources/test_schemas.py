"""Schemas and validation of the auto-scaling resource types (no engine).

Property names, defaults, update_allowed flags, constraints and messages
are upstream Heat's (heat/engine/resources/openstack/heat/
autoscaling_group.py, scaling_policy.py, instance_group.py and
heat/engine/resources/aws/autoscaling/*.py).
"""

import copy
import os

import testtools

from heat.common import context as ctx_mod
from heat.common import exception, template_format
from heat.engine import environment, resources
from heat.engine import stack as stack_mod
from heat.engine import template as tmpl_mod
from heat.engine.resources.openstack.autoscaling import instance_group as ig
from heat.tests import corpus

OS_ASG = 'OS::Heat::AutoScalingGroup'
OS_POLICY = 'OS::Heat::ScalingPolicy'
IG = 'OS::Heat::InstanceGroup'
AWS_ASG = 'AWS::AutoScaling::AutoScalingGroup'
AWS_LC = 'AWS::AutoScaling::LaunchConfiguration'
AWS_POLICY = 'AWS::AutoScaling::ScalingPolicy'

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
outputs:
  all_values:
    value: {get_attr: [random_group, outputs_list, value]}
'''

AWS_TMPL = {
    'HeatTemplateFormatVersion': '2012-12-12',
    'Resources': {
        'LaunchConfig': {
            'Type': AWS_LC,
            'Properties': {'ImageId': 'cirros', 'InstanceType': 'm1.small'},
        },
        'Group': {
            'Type': AWS_ASG,
            'Properties': {
                'AvailabilityZones': ['nova'],
                'LaunchConfigurationName': {'Ref': 'LaunchConfig'},
                'MinSize': '1', 'MaxSize': '3',
            },
        },
        'Policy': {
            'Type': AWS_POLICY,
            'Properties': {
                'AutoScalingGroupName': {'Ref': 'Group'},
                'AdjustmentType': 'ChangeInCapacity',
                'ScalingAdjustment': '1',
            },
        },
    },
}

IG_TMPL = {
    'HeatTemplateFormatVersion': '2012-12-12',
    'Resources': {
        'LaunchConfig': {
            'Type': AWS_LC,
            'Properties': {'ImageId': 'cirros', 'InstanceType': 'm1.small'},
        },
        'Group': {
            'Type': IG,
            'Properties': {
                'AvailabilityZones': ['nova'],
                'LaunchConfigurationName': {'Ref': 'LaunchConfig'},
                'Size': 2,
            },
        },
    },
}

# members need a cloud: map the instance type to a provider template
INSTANCE_PROVIDER = '''
heat_template_version: 2013-05-23
parameters:
  ImageId: {type: string}
  InstanceType: {type: string}
  SecurityGroups: {type: comma_delimited_list, default: ''}
  UserData: {type: string, default: ''}
  Tags: {type: comma_delimited_list, default: "x,y"}
  SubnetId: {type: string, default: ''}
resources:
  random1:
    type: OS::Heat::RandomString
outputs:
  PublicIp: {value: {get_attr: [random1, value]}}
'''
PROVIDER_ENV = {'resource_registry': {'AWS::EC2::Instance': 'provider.yaml'}}
PROVIDER_FILES = {'provider.yaml': INSTANCE_PROVIDER}


def context():
    return ctx_mod.RequestContext(project_id='p', user_id='u')


def make_stack(tmpl, env=None, files=None):
    if isinstance(tmpl, str):
        tmpl = template_format.parse(tmpl)
    parsed = tmpl_mod.Template.create(
        copy.deepcopy(tmpl), files=files,
        env=environment.Environment(env or {}))
    return stack_mod.Stack(context(), 'teststack', parsed)


class TestRegistry(testtools.TestCase):

    def test_types_registered(self):
        for name in (OS_ASG, OS_POLICY, IG, AWS_ASG, AWS_LC, AWS_POLICY):
            cls = resources.get_class(name)
            self.assertIsNotNone(cls)
            self.assertEqual(name, cls.resource_type_name)


class TestSchemas(testtools.TestCase):
    """Properties as upstream declares them.

    A type may add properties of this engine's own: it lists them in
    ``EXTENSION_PROPERTIES`` (attributes: ``EXTENSION_ATTRIBUTES``). They
    are left out of the comparison with upstream, and must be optional
    (an upstream template never sets them) and say in their description
    that they are an extension.
    """

    def schema(self, type_name):
        return resources.get_class(type_name).properties_schema

    def upstream_schema(self, type_name):
        """The properties but the type's declared extensions (checked)."""
        cls = resources.get_class(type_name)
        schema = dict(cls.properties_schema)
        for name in getattr(cls, 'EXTENSION_PROPERTIES', ()):
            ext = schema.pop(name)
            self.assertFalse(ext.required, name)
            self.assertIsNone(ext.default, name)
            self.assertIn('Heat extension', ext.description, name)
        for name in getattr(cls, 'EXTENSION_ATTRIBUTES', ()):
            self.assertIn('Heat extension',
                          cls.attributes_schema[name].description, name)
        return schema

    def check(self, type_name, expected):
        """``expected``: {name: (type, required, update_allowed, default)}"""
        schema = self.upstream_schema(type_name)
        self.assertEqual(sorted(expected), sorted(schema))
        for name, (ptype, required, upd, default) in expected.items():
            s = schema[name]
            self.assertEqual((ptype, required, upd, default),
                             (s.type, s.required, s.update_allowed,
                              s.default), name)

    def test_os_asg(self):
        self.check(OS_ASG, {
            'resource': ('Map', True, True, None),
            'max_size': ('Integer', True, True, None),
            'min_size': ('Integer', True, True, None),
            'cooldown': ('Integer', False, True, None),
            'desired_capacity': ('Integer', False, True, None),
            'rolling_updates': ('Map', False, True,
                                {'min_in_service': 0, 'max_batch_size': 1,
                                 'pause_time': 0}),
        })
        rolling = self.schema(OS_ASG)['rolling_updates'].schema
        self.assertEqual('Number', rolling['pause_time'].type)
        self.assertEqual({}, resources.get_class(OS_ASG).update_policy_schema)

    def test_os_asg_attributes(self):
        schema = resources.get_class(OS_ASG).attributes_schema
        for name in ('outputs', 'outputs_list', 'current_size', 'refs',
                     'refs_map'):
            self.assertIn(name, schema)
        # an extension (see TestSchemas)
        self.assertEqual(('health',), resources.get_class(OS_ASG)
                         .EXTENSION_ATTRIBUTES)
        # and the extension properties (see TestSchemas)
        self.assertEqual(('health_check', 'lifecycle_hooks'),
                         resources.get_class(OS_ASG).EXTENSION_PROPERTIES)
        # member attributes: any name passes template validation
        self.assertIn('resource.0.value', schema)

    def test_os_policy(self):
        self.check(OS_POLICY, {
            'auto_scaling_group_id': ('String', True, False, None),
            'scaling_adjustment': ('Number', True, True, None),
            'adjustment_type': ('String', True, True, None),
            'cooldown': ('Number', False, True, None),
            'min_adjustment_step': ('Integer', False, True, None),
        })
        self.assertEqual({'alarm_url', 'signal_url'},
                         set(resources.get_class(OS_POLICY)
                             .attributes_schema))
        self.assertTrue(resources.get_class(OS_POLICY).signal_is_fast)

    def test_aws_policy(self):
        self.check(AWS_POLICY, {
            'AutoScalingGroupName': ('String', True, False, None),
            'ScalingAdjustment': ('Integer', True, True, None),
            'AdjustmentType': ('String', True, True, None),
            'Cooldown': ('Integer', False, True, None),
            'MinAdjustmentStep': ('Integer', False, True, None),
        })
        self.assertEqual({'AlarmUrl'}, set(resources.get_class(AWS_POLICY)
                                          .attributes_schema))

    def test_aws_asg(self):
        self.check(AWS_ASG, {
            'AvailabilityZones': ('List', True, False, None),
            'LaunchConfigurationName': ('String', False, True, None),
            'InstanceId': ('String', False, False, None),
            'MaxSize': ('Integer', True, True, None),
            'MinSize': ('Integer', True, True, None),
            'Cooldown': ('Integer', False, True, None),
            'DesiredCapacity': ('Integer', False, True, None),
            # upstream: not implemented (so never set, never updated);
            # here the AS engine's status health check, updated in place
            # as in AWS CloudFormation
            'HealthCheckGracePeriod': ('Integer', False, True, None),
            'HealthCheckType': ('String', False, True, None),
            'LoadBalancerNames': ('List', False, False, None),
            'VPCZoneIdentifier': ('List', False, False, None),
            'Tags': ('List', False, False, None),
        })
        policy = resources.get_class(AWS_ASG).update_policy_schema
        rolling = policy['AutoScalingRollingUpdate'].schema
        self.assertEqual({'MinInstancesInService': 0, 'MaxBatchSize': 1,
                          'PauseTime': 'PT0S'},
                         {k: v.default for k, v in rolling.items()})

    def test_instance_group(self):
        self.check(IG, {
            'AvailabilityZones': ('List', True, False, None),
            'LaunchConfigurationName': ('String', True, True, None),
            'Size': ('Integer', True, True, None),
            'LoadBalancerNames': ('List', False, False, None),
            'Tags': ('List', False, False, None),
        })
        policy = resources.get_class(IG).update_policy_schema
        self.assertEqual(['RollingUpdate'], list(policy))
        self.assertEqual({'InstanceList'},
                         set(resources.get_class(IG).attributes_schema))

    def test_launch_config(self):
        schema = self.schema(AWS_LC)
        self.assertEqual(
            sorted(['ImageId', 'InstanceType', 'KeyName', 'UserData',
                    'SecurityGroups', 'KernelId', 'RamDiskId',
                    'BlockDeviceMappings', 'NovaSchedulerHints',
                    'InstanceId']), sorted(schema))
        self.assertFalse(any(s.update_allowed for s in schema.values()))
        self.assertFalse(schema['KernelId'].implemented)
        self.assertEqual(['glance.image'], [
            c.constraint_name for c in schema['ImageId'].constraints])
        self.assertEqual(['nova.flavor'], [
            c.constraint_name for c in schema['InstanceType'].constraints])


class TestValidation(testtools.TestCase):
    """Stack validation with the real classes and upstream's messages."""

    def assertInvalid(self, message, tmpl, env=None, files=None,
                      exc_type=exception.HeatException):
        stack = make_stack(tmpl, env, files)
        err = self.assertRaises(exc_type, stack.validate)
        self.assertIn(message, str(err))
        return err

    # -- OS::Heat::AutoScalingGroup ------------------------------------

    def test_heat_template_valid(self):
        self.assertIsNone(make_stack(HEAT_TMPL).validate())

    def test_min_greater_than_max(self):
        self.assertInvalid('MinSize can not be greater than MaxSize',
                           HEAT_TMPL.replace('min_size: 2', 'min_size: 6'))

    def test_desired_outside(self):
        self.assertInvalid(
            'DesiredCapacity must be between MinSize and MaxSize',
            HEAT_TMPL.replace('desired_capacity: 3', 'desired_capacity: 9'))

    def test_negative_min(self):
        self.assertInvalid('min_size',
                           HEAT_TMPL.replace('min_size: 2', 'min_size: -1'),
                           exc_type=exception.StackValidationFailed)

    def test_update_policy_unknown(self):
        tmpl = HEAT_TMPL.replace(
            '  scale_up_policy:',
            '    update_policy: {rolling_update: {}}\n  scale_up_policy:')
        self.assertInvalid('Unknown Property rolling_update', tmpl,
                           exc_type=exception.StackValidationFailed)

    def test_member_validated(self):
        tmpl = HEAT_TMPL.replace(
            'type: OS::Heat::RandomString',
            'type: OS::Heat::RandomString\n        properties: '
            '{length: BAD}')
        self.assertInvalid(
            # upstream: read by the member's validate(), a ValueError
            # of the member resource
            "resources.random_group<nested_stack>.resources.0: "
            "Value 'BAD' is not an integer", tmpl,
            exc_type=exception.StackValidationFailed)

    def test_member_not_validated_at_size_zero(self):
        tmpl = HEAT_TMPL.replace(
            'type: OS::Heat::RandomString',
            'type: OS::Heat::RandomString\n        properties: '
            '{length: BAD}').replace('desired_capacity: 3',
                                     'desired_capacity: 0').replace(
            'min_size: 2', 'min_size: 0')
        self.assertIsNone(make_stack(tmpl).validate())

    # -- OS::Heat::ScalingPolicy ---------------------------------------

    def test_min_adjustment_step_needs_percent(self):
        tmpl = HEAT_TMPL.replace(
            'scaling_adjustment: 1',
            'scaling_adjustment: 1\n      min_adjustment_step: 1')
        self.assertInvalid(
            'min_adjustment_step property should only be specified for '
            'adjustment_type percent_change_in_capacity.', tmpl,
            exc_type=exception.ResourcePropertyValueDependency)

    def test_aws_min_adjustment_step_needs_percent(self):
        tmpl = copy.deepcopy(AWS_TMPL)
        props = tmpl['Resources']['Policy']['Properties']
        props['MinAdjustmentStep'] = '1'
        self.assertInvalid(
            'MinAdjustmentStep property should only be specified for '
            'AdjustmentType PercentChangeInCapacity.', tmpl,
            PROVIDER_ENV, PROVIDER_FILES,
            exc_type=exception.ResourcePropertyValueDependency)
        props['AdjustmentType'] = 'PercentChangeInCapacity'
        self.assertIsNone(make_stack(tmpl, PROVIDER_ENV,
                                     PROVIDER_FILES).validate())

    def test_min_adjustment_step_percent_ok(self):
        tmpl = HEAT_TMPL.replace(
            'adjustment_type: change_in_capacity',
            'adjustment_type: percent_change_in_capacity').replace(
            'scaling_adjustment: 1',
            'scaling_adjustment: 1\n      min_adjustment_step: 1')
        self.assertIsNone(make_stack(tmpl).validate())

    def test_bad_adjustment_type(self):
        tmpl = HEAT_TMPL.replace('adjustment_type: change_in_capacity',
                                 'adjustment_type: ChangeInCapacity')
        self.assertInvalid('"ChangeInCapacity" is not an allowed value',
                           tmpl, exc_type=exception.StackValidationFailed)

    def test_float_adjustment_accepted(self):
        tmpl = HEAT_TMPL.replace('scaling_adjustment: 1',
                                 'scaling_adjustment: 1.5')
        self.assertIsNone(make_stack(tmpl).validate())

    # -- AWS types -----------------------------------------------------

    def aws(self, **group_props):
        tmpl = copy.deepcopy(AWS_TMPL)
        props = tmpl['Resources']['Group']['Properties']
        for key, value in group_props.items():
            if value is None:
                props.pop(key, None)
            else:
                props[key] = value
        return tmpl

    def test_aws_valid(self):
        self.assertIsNone(make_stack(self.aws(), PROVIDER_ENV,
                                     PROVIDER_FILES).validate())

    def test_aws_min_greater_than_max(self):
        self.assertInvalid('MinSize can not be greater than MaxSize',
                           self.aws(MinSize='4'), PROVIDER_ENV,
                           PROVIDER_FILES)

    def test_aws_negative_min(self):
        self.assertInvalid(
            'The size of AutoScalingGroup can not be less than zero',
            self.aws(MinSize='-1'), PROVIDER_ENV, PROVIDER_FILES)

    def test_aws_desired_outside(self):
        self.assertInvalid(
            'DesiredCapacity must be between MinSize and MaxSize',
            self.aws(DesiredCapacity='0'), PROVIDER_ENV, PROVIDER_FILES)

    def test_aws_vpc_zone_identifier(self):
        self.assertInvalid(
            'Anything other than one VPCZoneIdentifier is not supported',
            self.aws(VPCZoneIdentifier=['a', 'b']), PROVIDER_ENV,
            PROVIDER_FILES, exc_type=exception.NotSupported)

    def test_aws_neither_lc_nor_instance(self):
        self.assertInvalid(
            "Either 'InstanceId' or 'LaunchConfigurationName' must be "
            "provided.", self.aws(LaunchConfigurationName=None),
            PROVIDER_ENV, PROVIDER_FILES)

    def test_aws_both_lc_and_instance(self):
        self.assertInvalid(
            "Either 'InstanceId' or 'LaunchConfigurationName' must be "
            "provided.", self.aws(InstanceId='abc'),
            PROVIDER_ENV, PROVIDER_FILES)

    def test_aws_pause_time_over_an_hour(self):
        tmpl = self.aws()
        tmpl['Resources']['Group']['UpdatePolicy'] = {
            'AutoScalingRollingUpdate': {'PauseTime': 'PT2H'}}
        self.assertInvalid('Maximum PauseTime is 1 hour.', tmpl,
                           PROVIDER_ENV, PROVIDER_FILES)

    def test_aws_update_policy_unknown_key(self):
        tmpl = self.aws()
        tmpl['Resources']['Group']['UpdatePolicy'] = {
            'AutoScalingRollingUpdate': {'Foo': 1}}
        self.assertInvalid('Unknown Property Foo', tmpl, PROVIDER_ENV,
                           PROVIDER_FILES)

    def test_aws_policy_min_step(self):
        tmpl = copy.deepcopy(AWS_TMPL)
        tmpl['Resources']['Policy']['Properties']['MinAdjustmentStep'] = 1
        self.assertInvalid(
            'MinAdjustmentStep property should only be specified for '
            'AdjustmentType PercentChangeInCapacity.', tmpl, PROVIDER_ENV,
            PROVIDER_FILES)

    def test_aws_policy_hot_adjustment_type_refused(self):
        tmpl = copy.deepcopy(AWS_TMPL)
        tmpl['Resources']['Policy']['Properties']['AdjustmentType'] = \
            'change_in_capacity'
        self.assertInvalid('is not an allowed value', tmpl, PROVIDER_ENV,
                           PROVIDER_FILES)

    def test_launch_config_needs_image_and_type(self):
        tmpl = copy.deepcopy(AWS_TMPL)
        del tmpl['Resources']['LaunchConfig']['Properties']['ImageId']
        self.assertInvalid('If without InstanceId, ImageId and InstanceType '
                           'are required.', tmpl, PROVIDER_ENV,
                           PROVIDER_FILES)

    def test_launch_config_bdm_needs_snapshot(self):
        tmpl = copy.deepcopy(AWS_TMPL)
        tmpl['Resources']['LaunchConfig']['Properties'][
            'BlockDeviceMappings'] = [{'DeviceName': 'vdb', 'Ebs': {
                'VolumeSize': '1'}}]
        self.assertInvalid('SnapshotId is missing, this is required when '
                           'specifying BlockDeviceMappings.', tmpl,
                           PROVIDER_ENV, PROVIDER_FILES)

    def test_launch_config_bdm_needs_ebs(self):
        tmpl = copy.deepcopy(AWS_TMPL)
        tmpl['Resources']['LaunchConfig']['Properties'][
            'BlockDeviceMappings'] = [{'DeviceName': 'vdb'}]
        self.assertInvalid('Ebs is missing, this is required when '
                           'specifying BlockDeviceMappings.', tmpl,
                           PROVIDER_ENV, PROVIDER_FILES)

    def test_launch_config_kernel_not_implemented(self):
        tmpl = copy.deepcopy(AWS_TMPL)
        tmpl['Resources']['LaunchConfig']['Properties']['KernelId'] = 'k'
        self.assertInvalid('Property KernelId not implemented yet', tmpl,
                           PROVIDER_ENV, PROVIDER_FILES)

    def test_instance_group_valid(self):
        self.assertIsNone(make_stack(IG_TMPL, PROVIDER_ENV,
                                     PROVIDER_FILES).validate())

    def test_instance_group_bad_update_policy(self):
        tmpl = copy.deepcopy(IG_TMPL)
        tmpl['Resources']['Group']['UpdatePolicy'] = {
            'RollingUpdate': {'foo': 'bar'}}
        self.assertInvalid('Unknown Property foo', tmpl, PROVIDER_ENV,
                           PROVIDER_FILES)

    def test_instance_group_size_required(self):
        tmpl = copy.deepcopy(IG_TMPL)
        del tmpl['Resources']['Group']['Properties']['Size']
        self.assertInvalid('Property Size not assigned', tmpl, PROVIDER_ENV,
                           PROVIDER_FILES)


class TestHelpers(testtools.TestCase):
    """The pure helpers of the group base."""

    def test_instance_definition(self):
        snippet = ig.instance_definition(
            {'ImageId': 'cirros', 'InstanceType': 'm1', 'InstanceId': None,
             'UserData': None},
            [{'Key': 'metering.groupname', 'Value': 'g'}],
            metadata={'foo': 'bar'}, subnet_id='sub')
        self.assertEqual({
            'Type': 'AWS::EC2::Instance',
            'Properties': {'ImageId': 'cirros', 'InstanceType': 'm1',
                           'Tags': [{'Key': 'metering.groupname',
                                     'Value': 'g'}],
                           'SubnetId': 'sub'},
            'Metadata': {'foo': 'bar'}}, snippet)

    def test_metering_tags(self):
        self.assertEqual([{'Key': 'metering.groupname', 'Value': 'g'}],
                         ig.with_metering_tag(None, 'metering.groupname',
                                              'g', only_if_none=True))
        own = [{'Key': 'metering.x', 'Value': 'y'}]
        self.assertEqual(own, ig.with_metering_tag(
            own, 'metering.groupname', 'g', only_if_none=True))
        self.assertEqual(own + [{'Key': 'metering.AutoScalingGroupName',
                                 'Value': 'g'}],
                         ig.with_metering_tag(
                             own, 'metering.AutoScalingGroupName', 'g'))

    def test_size_args_only_changed(self):
        self.assertEqual({'min_size': 1, 'max_size': 5,
                          'desired_capacity': 3},
                         ig.size_args(1, 5, 3))
        self.assertEqual({}, ig.size_args(1, 5, 3, old=(1, 5, 3)))
        self.assertEqual({'max_size': 6},
                         ig.size_args(1, 6, 3, old=(1, 5, 3)))

    def test_not_found(self):
        self.assertTrue(ig.is_not_found(
            exception.EntityNotFound(entity='Scaling group', name='x')))
        self.assertFalse(ig.is_not_found(ValueError('x')))


@testtools.skipUnless(corpus.available(), 'corpus not available')
class TestCorpusTemplates(testtools.TestCase):
    """Corpus templates of engine-internal auto-scaling validate with the
    real classes (provider templates and registry as the tests use them)."""

    def read(self, name):
        path = os.path.join(corpus.templates_dir(), 'heat', name)
        with open(path) as f:
            return f.read()

    def test_heat_autoscaling(self):
        name = ('heat_integrationtests__functional__test_heat_autoscaling.'
                'py__HeatAutoscalingTest.template.yaml')
        self.assertIsNone(make_stack(self.read(name)).validate())

    def test_aws_signal(self):
        prefix = 'heat_integrationtests__functional__test_autoscaling.py__'
        tmpl = self.read(prefix + 'AutoScalingSignalTest.template.json')
        files = {
            'provider.yaml': self.read(
                prefix + 'AutoscalingGroupTest.instance_template.yaml'),
            'lb.yaml': self.read(
                prefix + 'AutoScalingSignalTest.lb_template.yaml')}
        env = {'resource_registry': {
            'resources': {'custom_lb': {'AWS::EC2::Instance': 'lb.yaml'}},
            'AWS::EC2::Instance': 'provider.yaml'},
            'parameters': {'size': 2, 'image': 'cirros', 'flavor': 'm1'}}
        self.assertIsNone(make_stack(tmpl, env, files).validate())
