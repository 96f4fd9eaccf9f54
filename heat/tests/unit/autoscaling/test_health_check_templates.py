"""Health checks of scaling groups from templates (self-healing groups).

``OS::Heat::AutoScalingGroup``'s ``health_check`` property (an extension
of upstream's schema) and ``AWS::AutoScaling::AutoScalingGroup``'s
``HealthCheckType`` / ``HealthCheckGracePeriod`` reach the AS engine's
``create_scaling_group`` / ``update_scaling_group`` (RPC 1.40): stacks are
created and updated through a served engine
(:class:`heat.tests.engine_fixture.EngineFixture`) and the group checked
through ``show_scaling_group``. A bad value fails validation, naming
``health_check.<key>``, before any group is made.
"""

import copy
import os
import time

import testtools
import yaml

from heat.common import context, exception
from heat.engine import resources
from heat.engine import validate as offline
from heat.engine.resources.openstack.autoscaling import (
    autoscaling_group as os_asg,
)
from heat.scaling import health
from heat.tests import db_fixtures
from heat.tests.unit.autoscaling import template_stacks
from heat.tests.unit.autoscaling_resources import test_schemas

WAIT = 60

OS_TMPL = {
    'heat_template_version': '2016-10-14',
    'resources': {
        'asg': {
            'type': 'OS::Heat::AutoScalingGroup',
            'properties': {
                'min_size': 1, 'max_size': 4, 'desired_capacity': 2,
                'cooldown': 0,
                'resource': {'type': 'OS::Heat::RandomString'},
                'health_check': {'grace_period': 30, 'interval': 20,
                                 'unhealthy_threshold': 2},
            },
        },
    },
    'outputs': {
        'health': {'value': {'get_attr': ['asg', 'health']}},
        'size': {'value': {'get_attr': ['asg', 'current_size']}},
    },
}

AWS_TMPL = {
    'HeatTemplateFormatVersion': '2012-12-12',
    'Resources': {
        'LaunchConfig': {
            'Type': 'AWS::AutoScaling::LaunchConfiguration',
            'Properties': {'ImageId': 'cirros', 'InstanceType': 'm1.small'},
        },
        'Group': {
            'Type': 'AWS::AutoScaling::AutoScalingGroup',
            'Properties': {
                'AvailabilityZones': ['nova'],
                'LaunchConfigurationName': {'Ref': 'LaunchConfig'},
                'MinSize': '1', 'MaxSize': '3',
                'HealthCheckType': 'EC2',
                'HealthCheckGracePeriod': 120,
            },
        },
    },
}
AWS_ENV = test_schemas.PROVIDER_ENV
AWS_FILES = test_schemas.PROVIDER_FILES

EXAMPLE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..',
    'examples', 'autoscaling', 'health-check.yaml')


def os_template(health_check=None, drop=False, **props):
    tmpl = copy.deepcopy(OS_TMPL)
    group = tmpl['resources']['asg']['properties']
    if drop:
        del group['health_check']
    elif health_check is not None:
        group['health_check'] = health_check
    group.update(props)
    return tmpl


def aws_template(**props):
    tmpl = copy.deepcopy(AWS_TMPL)
    group = tmpl['Resources']['Group']['Properties']
    for key, value in props.items():
        if value is None:
            group.pop(key, None)
        else:
            group[key] = value
    return tmpl


def ctx():
    return context.RequestContext(project_id='p1', user_id='u1',
                                  user_name='user1')


# -- schemas and validation (no engine) ---------------------------------------

class TestSchema(testtools.TestCase):

    def schema(self):
        cls = resources.get_class('OS::Heat::AutoScalingGroup')
        return cls.properties_schema['health_check']

    def test_one_key_per_library_key(self):
        schema = self.schema()
        self.assertEqual('Map', schema.type)
        self.assertFalse(schema.required)
        self.assertTrue(schema.update_allowed)
        self.assertEqual(list(health.KEYS), list(schema.schema))

    def test_defaults_are_the_librarys(self):
        library = health.HealthCheck().to_dict()
        for key, sub in self.schema().schema.items():
            if key == 'timeout':
                # the library's is min(5, interval): none in the schema
                self.assertIsNone(sub.default)
            else:
                self.assertEqual(library[key], sub.default, key)

    def test_types(self):
        types = {k: s.type for k, s in self.schema().schema.items()}
        self.assertEqual('String', types['type'])
        for key in ('grace_period', 'interval', 'timeout',
                    'max_unhealthy_percent', 'replacement_period'):
            self.assertEqual('Number', types[key], key)
        for key in ('healthy_threshold', 'unhealthy_threshold', 'port',
                    'max_replacements'):
            self.assertEqual('Integer', types[key], key)

    def test_declared_as_extensions(self):
        cls = resources.get_class('OS::Heat::AutoScalingGroup')
        self.assertIn('health_check', cls.EXTENSION_PROPERTIES)
        self.assertEqual(('health',), cls.EXTENSION_ATTRIBUTES)
        self.assertIn('health', cls.attributes_schema)
        self.assertIn('Heat extension',
                      cls.properties_schema['health_check'].description)

    def test_aws_health_check_properties_implemented(self):
        cls = resources.get_class('AWS::AutoScaling::AutoScalingGroup')
        schema = cls.properties_schema
        self.assertEqual(('String', 'Integer'),
                         (schema['HealthCheckType'].type,
                          schema['HealthCheckGracePeriod'].type))
        for name in ('HealthCheckType', 'HealthCheckGracePeriod'):
            self.assertTrue(schema[name].implemented, name)
            self.assertTrue(schema[name].update_allowed, name)
        self.assertIn('no load balancer health',
                      schema['HealthCheckType'].description)


class TestValidation(testtools.TestCase):

    def stack(self, tmpl, env=None, files=None):
        return test_schemas.make_stack(tmpl, env, files)

    def assertInvalid(self, where, message, health_check):
        stack = self.stack(os_template(health_check))
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('resources.asg.properties.health_check.%s: %s'
                      % (where, message), str(err))

    def test_valid(self):
        self.assertIsNone(self.stack(os_template()).validate())
        self.assertIsNone(self.stack(os_template(drop=True)).validate())
        self.assertIsNone(self.stack(os_template(
            {'type': 'http', 'url_attribute': 'value', 'path': '/healthz',
             'expected_codes': '200-204', 'max_replacements': 1})
        ).validate())

    def test_cross_key_rules_of_the_library(self):
        self.assertInvalid('timeout', '20 is greater than interval 5',
                           {'interval': 5, 'timeout': 20})
        self.assertInvalid('url_attribute', 'required when type is http',
                           {'type': 'http'})
        self.assertInvalid('interval', '0 is not a number greater than 0',
                           {'interval': 0})
        self.assertInvalid('expected_codes', "'2xx'", {'type': 'http',
                                                       'url_attribute': 'u',
                                                       'expected_codes':
                                                           '2xx'})

    def test_schema_constraints(self):
        self.assertInvalid('port', '0 is out of range', {'port': 0})
        self.assertInvalid('type', '"tcp" is not an allowed value',
                           {'type': 'tcp'})
        self.assertInvalid('grace_period', '-1 is out of range',
                           {'grace_period': -1})
        self.assertInvalid('unhealthy_threshold', '0 is out of range',
                           {'unhealthy_threshold': 0})
        self.assertInvalid('path', '"healthz" does not match pattern',
                           {'path': 'healthz'})
        stack = self.stack(os_template({'intervall': 5}))
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('health_check: Unknown Property intervall', str(err))

    def test_timeout_defaults_to_interval_when_smaller(self):
        # no schema default for timeout: the library's min(5, interval)
        self.assertIsNone(self.stack(os_template({'interval': 2}))
                          .validate())

    def test_health_check_of_parameters(self):
        tmpl = os_template({'interval': {'get_param': 'every'},
                            'timeout': 8})
        tmpl['parameters'] = {'every': {'type': 'number', 'default': 4}}
        err = self.assertRaises(exception.StackValidationFailed,
                                self.stack(tmpl).validate)
        self.assertIn('health_check.timeout: 8 is greater than interval 4',
                      str(err))

    def test_aws_grace_period(self):
        self.assertIsNone(self.stack(aws_template(), AWS_ENV,
                                     AWS_FILES).validate())
        err = self.assertRaises(
            exception.StackValidationFailed,
            self.stack(aws_template(HealthCheckGracePeriod=-5), AWS_ENV,
                       AWS_FILES).validate)
        self.assertIn('HealthCheckGracePeriod: -5 is out of range',
                      str(err))
        err = self.assertRaises(
            exception.StackValidationFailed,
            self.stack(aws_template(HealthCheckType='TCP'), AWS_ENV,
                       AWS_FILES).validate)
        self.assertIn('HealthCheckType: "TCP" is not an allowed value',
                      str(err))

    def test_what_goes_to_the_engine(self):
        def sent(tmpl, name='asg', env=None, files=None):
            stack = self.stack(tmpl, env, files)
            rsrc = stack[name]
            return rsrc._health_check(rsrc.properties)

        self.assertIsNone(sent(os_template(drop=True)))
        # null: none; {}: every default (a map property's defaults)
        tmpl = os_template(drop=True)
        tmpl['resources']['asg']['properties']['health_check'] = None
        self.assertIsNone(sent(tmpl))
        self.assertEqual(health.HealthCheck(),
                         health.parse(sent(os_template({}))))
        self.assertEqual(health.normalize({'grace_period': 30,
                                           'interval': 20,
                                           'unhealthy_threshold': 2}),
                         health.normalize(sent(os_template())))
        # AWS: EC2 and ELB are status checks; the grace period (0 absent)
        for kind in ('EC2', 'ELB'):
            self.assertEqual(
                {'type': 'status', 'grace_period': 120},
                sent(aws_template(HealthCheckType=kind), 'Group', AWS_ENV,
                     AWS_FILES))
        self.assertEqual(
            {'type': 'status', 'grace_period': 0},
            sent(aws_template(HealthCheckGracePeriod=None), 'Group',
                 AWS_ENV, AWS_FILES))
        self.assertIsNone(sent(aws_template(HealthCheckType=None), 'Group',
                               AWS_ENV, AWS_FILES))

    def test_offline_validator_accepts_it(self):
        # heat-manage template validate and POST /validate: a map
        with open(EXAMPLE) as f:
            result = offline.validate_template(f.read())
        self.assertIn('grace_period', result['Parameters'])
        tmpl = os_template(drop=True)
        tmpl['resources']['asg']['properties']['health_check'] = 5
        err = self.assertRaises(exception.StackValidationFailed,
                                offline.validate_template,
                                yaml.safe_dump(tmpl))
        self.assertIn('health_check', str(err))

    def test_mixin_serves_both_group_types(self):
        for name in ('OS::Heat::AutoScalingGroup',
                     'AWS::AutoScaling::AutoScalingGroup'):
            self.assertTrue(issubclass(resources.get_class(name),
                                       os_asg.HealthCheckMixin), name)


# -- stacks on a served engine ------------------------------------------------

@db_fixtures.for_each_backend
class TestHealthCheckStacks(template_stacks.ServedStackCase):

    def member_ids(self, group):
        return sorted((m['name'], m.get('physical_resource_id'))
                      for m in group.get('members') or ())

    def wait_converged(self, ident, name='asg'):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            group = self.group(ident, name)
            if group['converged']:
                return group
            time.sleep(0.05)
        self.fail('group of %s did not converge: %s' % (name, group))

    # -- OS::Heat::AutoScalingGroup ---------------------------------------

    def test_one_call_per_action(self):
        calls = self.record_calls()
        ident = self.create('calls', os_template())
        self.assertEqual(['create_scaling_group'], [c[0] for c in calls])
        self.assertEqual({'type': 'status', 'grace_period': 30,
                          'interval': 20, 'unhealthy_threshold': 2},
                         {k: v for k, v in
                          calls[0][1]['health_check'].items()
                          if k in ('type', 'grace_period', 'interval',
                                   'unhealthy_threshold')})
        # the health check alone
        del calls[:]
        self.update(ident, os_template({'interval': 15}))
        self.assertEqual(1, len(calls), calls)
        self.assertEqual(15, calls[0][1]['health_check']['interval'])
        self.assertEqual({'health_check'}, set(calls[0][1]))
        # with the size: the same call
        del calls[:]
        self.update(ident, os_template({'interval': 12}, max_size=6))
        self.assertEqual(1, len(calls), calls)
        self.assertEqual((6, 12), (calls[0][1]['max_size'],
                                   calls[0][1]['health_check']['interval']))
        # unchanged: not sent
        del calls[:]
        self.update(ident, os_template({'interval': 12}, max_size=5))
        self.assertEqual(1, len(calls), calls)
        self.assertNotIn('health_check', calls[0][1])
        # removed: {}
        del calls[:]
        self.update(ident, os_template(drop=True, max_size=5))
        self.assertEqual([('update_scaling_group', {'health_check': {}})],
                         calls)
        # none at create: no argument (a 1.37 call, as before)
        del calls[:]
        self.create('nocheck', os_template(drop=True))
        self.assertNotIn('health_check', calls[0][1])

    def test_create_with_health_check(self):
        ident = self.create('hc', os_template())
        group = self.group(ident)
        self.assertEqual(health.normalize({'grace_period': 30,
                                           'interval': 20,
                                           'unhealthy_threshold': 2}),
                         group['health_check'])
        self.assertEqual(2, group['current_size'])
        outs = self.outputs(ident)
        self.assertEqual(2, outs['size'])
        # the group's health dict: None until checked
        self.assertEqual(group['health'] is None,
                         outs['health'] is None, outs)
        if outs['health'] is not None:
            self.assertIn(outs['health']['status'],
                          ('HEALTHY', 'DEGRADED', 'GUARDED', 'LIMITED'))

    def test_without_health_check(self):
        ident = self.create('plain', os_template(drop=True))
        group = self.group(ident)
        self.assertIsNone(group['health_check'])
        self.assertIsNone(group['health'])
        self.assertIsNone(self.outputs(ident)['health'])

    def test_empty_map_is_every_default(self):
        ident = self.create('defaults', os_template({}))
        self.assertEqual(health.HealthCheck().to_dict(),
                         self.group(ident)['health_check'])

    def test_bad_value_fails_before_anything_is_made(self):
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.create_stack,
            self.ctx, 'bad', yaml.safe_dump(os_template(
                {'interval': 5, 'timeout': 6})), {}, {},
            {'timeout_mins': 5})
        self.assertIn('resources.asg.properties.health_check.timeout: '
                      '6 is greater than interval 5', str(err))
        self.assertEqual([], self.svc.list_stacks(self.ctx))
        self.assertEqual([], self.client.list_scaling_groups(self.ctx))

    def test_update_changes_it_in_place(self):
        ident = self.create('upd', os_template())
        before = self.group(ident)
        # only the health check changes: a call for it alone
        self.update(ident, os_template({'interval': 30, 'timeout': 10,
                                        'max_replacements': 1}))
        after = self.group(ident)
        self.assertEqual(before['id'], after['id'])
        self.assertEqual(health.normalize({'interval': 30, 'timeout': 10,
                                           'max_replacements': 1}),
                         after['health_check'])
        # members kept (no rolling replacement, no resize)
        self.assertEqual(self.member_ids(before), self.member_ids(after))
        # the health check and the size together: one update
        # (RandomString values are no URLs: not judged in this test)
        http = {'type': 'http', 'url_attribute': 'value',
                'grace_period': 3600}
        self.update(ident, os_template(http, desired_capacity=3))
        group = self.wait_converged(ident)
        self.assertEqual(3, group['current_size'])
        self.assertEqual(health.normalize(http), group['health_check'])

    def test_removing_the_property_removes_it(self):
        ident = self.create('rm', os_template())
        gid = self.group(ident)['id']
        self.update(ident, os_template(drop=True))
        group = self.group(ident)
        self.assertEqual(gid, group['id'])
        self.assertIsNone(group['health_check'])
        self.assertIsNone(group['health'])
        # and added again later
        self.update(ident, os_template({'grace_period': 5}))
        self.assertEqual(health.normalize({'grace_period': 5}),
                         self.group(ident)['health_check'])

    def test_unrelated_update_leaves_it(self):
        ident = self.create('same', os_template())
        check = self.group(ident)['health_check']
        self.update(ident, os_template(max_size=5))
        group = self.group(ident)
        self.assertEqual(5, group['max_size'])
        self.assertEqual(check, group['health_check'])

    def test_bad_update_is_refused_and_keeps_the_group(self):
        ident = self.create('badupd', os_template())
        check = self.group(ident)['health_check']
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.update_stack,
            self.ctx, ident, yaml.safe_dump(os_template({'type': 'http'})),
            {}, {}, {'timeout_mins': 5})
        self.assertIn('resources.asg.properties.health_check.url_attribute: '
                      'required when type is http', str(err))
        self.assertState('CREATE_COMPLETE', ident)
        self.assertEqual(check, self.group(ident)['health_check'])

    def test_example_template(self):
        with open(EXAMPLE) as f:
            text = f.read()
        ident = self.svc.create_stack(self.ctx, 'example', text,
                                      {'parameters': {'size': 2}}, {},
                                      {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('CREATE_COMPLETE', ident)
        group = self.group(ident)
        self.assertEqual(health.normalize({
            'type': 'status', 'grace_period': 10, 'interval': 5,
            'max_unhealthy_percent': 50, 'max_replacements': 2,
            'replacement_period': 600}), group['health_check'])
        outs = self.outputs(ident)
        self.assertEqual(group['id'], outs['group_id'])
        self.assertEqual(2, len(outs['members']))

    # -- AWS::AutoScaling::AutoScalingGroup -------------------------------

    def test_aws_ec2_with_grace_period(self):
        ident = self.create('aws', aws_template(), AWS_ENV, AWS_FILES)
        group = self.group(ident, 'Group')
        self.assertEqual(health.normalize({'type': 'status',
                                           'grace_period': 120}),
                         group['health_check'])
        # the grace period changes in place
        self.update(ident, aws_template(HealthCheckGracePeriod=60),
                    AWS_ENV, AWS_FILES)
        after = self.group(ident, 'Group')
        self.assertEqual(group['id'], after['id'])
        self.assertEqual(60, after['health_check']['grace_period'])
        # no HealthCheckType: no health check
        self.update(ident, aws_template(HealthCheckType=None),
                    AWS_ENV, AWS_FILES)
        self.assertIsNone(self.group(ident, 'Group')['health_check'])

    def test_aws_elb_and_no_type(self):
        ident = self.create('elb', aws_template(
            HealthCheckType='ELB', HealthCheckGracePeriod=None),
            AWS_ENV, AWS_FILES)
        self.assertEqual(health.normalize({'type': 'status'}),
                         self.group(ident, 'Group')['health_check'])
        ident = self.create('none', aws_template(HealthCheckType=None),
                            AWS_ENV, AWS_FILES)
        self.assertIsNone(self.group(ident, 'Group')['health_check'])
