"""Lifecycle hooks of scaling groups from templates.

``OS::Heat::AutoScalingGroup``'s ``lifecycle_hooks`` property (an
extension of upstream's schema) reaches the AS engine's
``create_scaling_group`` / ``update_scaling_group`` (RPC 1.40): stacks are
created and updated through a served engine
(:class:`heat.tests.engine_fixture.EngineFixture`) and the group checked
through ``show_scaling_group``. A bad value fails validation, naming
``lifecycle_hooks[i].key``, before any group is made; removing the
property sends ``[]``.
"""

import copy
import os
import time

import testtools
import yaml

from heat.common import context, exception
from heat.engine import resource_types, resources
from heat.engine import validate as offline
from heat.engine.autoscaling import engine as as_eng
from heat.engine.resources.openstack.autoscaling import instance_group as ig
from heat.scaling import lifecycle
from heat.tests import db_fixtures
from heat.tests.unit.autoscaling import template_stacks
from heat.tests.unit.autoscaling_resources import test_schemas

WAIT = 60

LAUNCH = {'name': 'warm-up', 'transition': 'launch'}
TERMINATE = {'name': 'drain', 'transition': 'terminate',
             'heartbeat_timeout': 600, 'default_result': 'CONTINUE',
             'notify_url': 'https://hooks.example.com/drain',
             'metadata': 'drain the member'}
HOOKS = [LAUNCH, TERMINATE]

OS_TMPL = {
    'heat_template_version': '2016-10-14',
    'resources': {
        'asg': {
            'type': 'OS::Heat::AutoScalingGroup',
            'properties': {
                'min_size': 0, 'max_size': 4, 'desired_capacity': 2,
                'cooldown': 0,
                'resource': {'type': 'OS::Heat::RandomString'},
                'lifecycle_hooks': HOOKS,
            },
        },
    },
    'outputs': {
        'size': {'value': {'get_attr': ['asg', 'current_size']}},
    },
}

EXAMPLE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..',
    'examples', 'autoscaling', 'lifecycle-hooks.yaml')


def os_template(hooks=None, drop=False, **props):
    tmpl = copy.deepcopy(OS_TMPL)
    group = tmpl['resources']['asg']['properties']
    if drop:
        del group['lifecycle_hooks']
    elif hooks is not None:
        group['lifecycle_hooks'] = copy.deepcopy(hooks)
    group.update(props)
    return tmpl


def ctx():
    return context.RequestContext(project_id='p1', user_id='u1',
                                  user_name='user1')


def schema():
    cls = resources.get_class('OS::Heat::AutoScalingGroup')
    return cls.properties_schema['lifecycle_hooks']


# -- schemas and validation (no engine) ---------------------------------------

class TestSchema(testtools.TestCase):

    def test_a_list_of_maps_one_key_per_library_key(self):
        s = schema()
        self.assertEqual('List', s.type)
        self.assertFalse(s.required)
        self.assertIsNone(s.default)
        self.assertTrue(s.update_allowed)
        self.assertEqual('Map', s.schema.type)
        self.assertEqual(list(lifecycle.KEYS), list(s.schema.schema))

    def test_defaults_are_the_librarys(self):
        keys = schema().schema.schema
        library = lifecycle.Hook(name='x', transition='launch').to_dict()
        for key in ('heartbeat_timeout', 'default_result', 'notify_url',
                    'metadata'):
            self.assertEqual(library[key], keys[key].default, key)
        # no default: required, as by the library
        for key in ('name', 'transition'):
            self.assertTrue(keys[key].required, key)
            self.assertIsNone(keys[key].default, key)

    def test_types_and_constraints(self):
        keys = schema().schema.schema
        self.assertEqual({'name': 'String', 'transition': 'String',
                          'heartbeat_timeout': 'Number',
                          'default_result': 'String',
                          'notify_url': 'String', 'metadata': 'String'},
                         {k: s.type for k, s in keys.items()})

        def cons(key):
            return [c.to_dict() for c in keys[key].constraints]
        self.assertEqual([{'allowed_values': list(lifecycle.TRANSITIONS)}],
                         cons('transition'))
        self.assertEqual([{'allowed_values': list(lifecycle.RESULTS)}],
                         cons('default_result'))
        self.assertEqual([{'range': {'min': lifecycle.MIN_TIMEOUT,
                                     'max': lifecycle.MAX_TIMEOUT}}],
                         cons('heartbeat_timeout'))

    def test_declared_as_an_extension(self):
        cls = resources.get_class('OS::Heat::AutoScalingGroup')
        self.assertIn('lifecycle_hooks', cls.EXTENSION_PROPERTIES)
        self.assertIn('Heat extension', schema().description)
        # what a removed one is sent as
        self.assertEqual([], ig.ScalingGroupBase.EXTENSION_REMOVED[
            'lifecycle_hooks'])

    def test_not_on_the_aws_group(self):
        # upstream's AWS::AutoScaling::AutoScalingGroup has no lifecycle
        # hook property (no LifecycleHookSpecificationList): left alone
        cls = resources.get_class('AWS::AutoScaling::AutoScalingGroup')
        self.assertFalse([n for n in cls.properties_schema
                          if 'ifecycle' in n])

    def test_offline_schema_knows_it(self):
        prop = resource_types.properties_schema(
            'OS::Heat::AutoScalingGroup').props['lifecycle_hooks']
        self.assertEqual('list', prop.kind)
        self.assertFalse(prop.required)


class TestValidation(testtools.TestCase):

    def stack(self, tmpl):
        return test_schemas.make_stack(tmpl)

    def assertInvalid(self, where, message, hooks):
        err = self.assertRaises(exception.StackValidationFailed,
                                self.stack(os_template(hooks)).validate)
        self.assertIn('resources.asg.properties.lifecycle_hooks%s: %s'
                      % (where, message), str(err))

    def test_valid(self):
        for tmpl in (os_template(), os_template(drop=True),
                     os_template([]), os_template([LAUNCH]),
                     os_template([TERMINATE])):
            self.assertIsNone(self.stack(tmpl).validate())
        tmpl = os_template(drop=True)
        tmpl['resources']['asg']['properties']['lifecycle_hooks'] = None
        self.assertIsNone(self.stack(tmpl).validate())

    def test_schema_constraints_name_the_entry_and_key(self):
        self.assertInvalid('[1].transition',
                           '"boot" is not an allowed value',
                           [LAUNCH, {'name': 'b', 'transition': 'boot'}])
        self.assertInvalid('[0].default_result',
                           '"MAYBE" is not an allowed value',
                           [dict(LAUNCH, default_result='MAYBE')])
        self.assertInvalid('[0].heartbeat_timeout', '0 is out of range',
                           [dict(LAUNCH, heartbeat_timeout=0)])
        self.assertInvalid('[1].heartbeat_timeout',
                           '172801 is out of range',
                           [LAUNCH, dict(TERMINATE,
                                         heartbeat_timeout=172801)])
        self.assertInvalid('[0].notify_url', '"ftp://x" does not match',
                           [dict(LAUNCH, notify_url='ftp://x')])
        self.assertInvalid('[0]', 'Property name not assigned',
                           [{'transition': 'launch'}])
        self.assertInvalid('[0]', 'Unknown Property colour',
                           [dict(LAUNCH, colour='red')])
        self.assertInvalid('', '"{\'name\': \'x\'}" is not a list',
                           {'name': 'x'})

    def test_library_rules_name_the_entry_and_key(self):
        # what spans entries, and what the schema does not say
        self.assertInvalid('[1].transition',
                           'a second launch hook (one hook per '
                           'transition)',
                           [LAUNCH, dict(LAUNCH, name='other')])
        self.assertInvalid('[1].name',
                           "'warm-up' is the name of another hook",
                           [LAUNCH, dict(TERMINATE, name='warm-up')])
        self.assertInvalid('[0].notify_url',
                           "'http:///x' is not an http(s) URL",
                           [dict(LAUNCH, notify_url='http:///x')])
        self.assertInvalid('[0].name', "'  ' is not a name",
                           [dict(LAUNCH, name='  ')])

    def test_hooks_of_parameters(self):
        tmpl = os_template([dict(LAUNCH, transition={'get_param': 't'}),
                            dict(TERMINATE, transition={'get_param': 't'},
                                 name='other')])
        tmpl['parameters'] = {'t': {'type': 'string',
                                    'default': 'terminate'}}
        err = self.assertRaises(exception.StackValidationFailed,
                                self.stack(tmpl).validate)
        self.assertIn('lifecycle_hooks[1].transition: a second terminate '
                      'hook', str(err))

    def test_values_of_resources_not_made_wait(self):
        # the URL of a resource not created yet: checked by the AS engine
        # at create time, not at stack validation
        tmpl = os_template([dict(LAUNCH, notify_url={
            'get_attr': ['url', 'value']}), dict(LAUNCH, name='again')])
        tmpl['resources']['url'] = {'type': 'OS::Heat::Value',
                                    'properties': {'value': 'http://x/'}}
        self.assertIsNone(self.stack(tmpl).validate())

    def test_what_goes_to_the_engine(self):
        def sent(tmpl):
            rsrc = self.stack(tmpl)['asg']
            return rsrc._extension_args(rsrc.properties)['lifecycle_hooks']

        # none: absent, null or []
        self.assertIsNone(sent(os_template(drop=True)))
        self.assertIsNone(sent(os_template([])))
        tmpl = os_template(drop=True)
        tmpl['resources']['asg']['properties']['lifecycle_hooks'] = None
        self.assertIsNone(sent(tmpl))
        # the schema's defaults filled in, the keys not set left out
        self.assertEqual(
            [{'name': 'warm-up', 'transition': 'launch',
              'heartbeat_timeout': 3600, 'default_result': 'ABANDON'},
             TERMINATE], sent(os_template()))
        self.assertEqual(lifecycle.normalize(HOOKS),
                         lifecycle.normalize(sent(os_template())))
        # a null notify_url or metadata (an empty string): not set
        self.assertEqual(
            [{'name': 'drain', 'transition': 'terminate',
              'heartbeat_timeout': 600, 'default_result': 'CONTINUE'}],
            sent(os_template([dict(TERMINATE, notify_url=None,
                                   metadata=None)])))

    def test_offline_validator_accepts_it(self):
        # heat-manage template validate and POST /validate: a list
        with open(EXAMPLE) as f:
            result = offline.validate_template(f.read())
        self.assertEqual({'size', 'warm_up', 'drain'},
                         set(result['Parameters']))
        self.assertIsNotNone(offline.validate_template(
            yaml.safe_dump(os_template())))
        tmpl = os_template(drop=True)
        tmpl['resources']['asg']['properties']['lifecycle_hooks'] = 'x'
        err = self.assertRaises(exception.StackValidationFailed,
                                offline.validate_template,
                                yaml.safe_dump(tmpl))
        self.assertIn('lifecycle_hooks', str(err))

    def test_example_validates_with_the_stack(self):
        with open(EXAMPLE) as f:
            tmpl = yaml.safe_load(f)
        self.assertIsNone(self.stack(tmpl).validate())


# -- stacks on a served engine ------------------------------------------------

@db_fixtures.for_each_backend
class TestLifecycleHookStacks(template_stacks.ServedStackCase):

    def statuses(self, group):
        return sorted(m['status'] for m in group.get('members') or ())

    def member_names(self, group):
        return sorted(m['name'] for m in group.get('members') or ())

    def test_one_call_per_action(self):
        calls = self.record_calls()
        ident = self.create('calls', os_template())
        self.assertEqual(['create_scaling_group'], [c[0] for c in calls])
        self.assertEqual(lifecycle.normalize(HOOKS), lifecycle.normalize(
            calls[0][1]['lifecycle_hooks']))
        # the hooks alone
        del calls[:]
        self.update(ident, os_template([dict(LAUNCH,
                                             heartbeat_timeout=60)]))
        self.assertEqual(1, len(calls), calls)
        self.assertEqual({'lifecycle_hooks'}, set(calls[0][1]))
        self.assertEqual(60, calls[0][1]['lifecycle_hooks'][0][
            'heartbeat_timeout'])
        # unchanged, with another change: not sent
        del calls[:]
        self.update(ident, os_template([dict(LAUNCH, heartbeat_timeout=60)],
                                       max_size=5))
        self.assertEqual(1, len(calls), calls)
        self.assertNotIn('lifecycle_hooks', calls[0][1])
        # removed: []
        del calls[:]
        self.update(ident, os_template(drop=True, max_size=5))
        self.assertEqual([('update_scaling_group', {'lifecycle_hooks': []})],
                         calls)
        # none at create: no argument (a 1.37 call, as before)
        del calls[:]
        self.create('nohooks', os_template(drop=True))
        self.assertNotIn('lifecycle_hooks', calls[0][1])
        self.assertNotIn('health_check', calls[0][1])

    def test_create_with_hooks(self):
        ident = self.create('hooks', os_template())
        group = self.group(ident)
        self.assertEqual(lifecycle.normalize(HOOKS),
                         group['lifecycle_hooks'])
        self.assertEqual([{'name': 'warm-up', 'transition': 'launch',
                           'heartbeat_timeout': 3600.0,
                           'default_result': 'ABANDON', 'notify_url': None,
                           'metadata': None}],
                         group['lifecycle_hooks'][:1])
        # the new members wait on the launch hook, and count
        self.assertEqual([as_eng.PENDING_WAIT] * 2, self.statuses(group))
        self.assertEqual(2, group['current_size'])
        self.assertEqual(2, self.outputs(ident)['size'])

    def test_without_hooks(self):
        ident = self.create('plain', os_template(drop=True))
        group = self.group(ident)
        self.assertEqual([], group['lifecycle_hooks'])
        self.assertEqual(['ACTIVE'] * 2, self.statuses(group))

    def test_bad_value_fails_before_anything_is_made(self):
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.create_stack,
            self.ctx, 'bad', yaml.safe_dump(os_template(
                [LAUNCH, dict(TERMINATE, transition='boot')])), {}, {},
            {'timeout_mins': 5})
        self.assertIn('resources.asg.properties.lifecycle_hooks[1].'
                      'transition: "boot" is not an allowed value',
                      str(err))
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.create_stack,
            self.ctx, 'bad', yaml.safe_dump(os_template(
                [LAUNCH, dict(TERMINATE, name='warm-up')])), {}, {},
            {'timeout_mins': 5})
        self.assertIn("resources.asg.properties.lifecycle_hooks[1].name: "
                      "'warm-up' is the name of another hook", str(err))
        self.assertEqual([], self.svc.list_stacks(self.ctx))
        self.assertEqual([], self.client.list_scaling_groups(self.ctx))

    def test_update_changes_them_in_place(self):
        ident = self.create('upd', os_template([TERMINATE]))
        before = self.group(ident)
        self.assertEqual(lifecycle.normalize([TERMINATE]),
                         before['lifecycle_hooks'])
        new = [dict(TERMINATE, heartbeat_timeout=30, notify_url=None),
               dict(LAUNCH, default_result='CONTINUE')]
        self.update(ident, os_template(new))
        after = self.group(ident)
        self.assertEqual(before['id'], after['id'])
        self.assertEqual(lifecycle.normalize(new), after['lifecycle_hooks'])
        # members kept (no rolling replacement, no resize)
        self.assertEqual(self.member_names(before),
                         self.member_names(after))

    def test_removing_the_property_removes_them(self):
        ident = self.create('rm', os_template())
        gid = self.group(ident)['id']
        self.update(ident, os_template(drop=True))
        group = self.group(ident)
        self.assertEqual(gid, group['id'])
        self.assertEqual([], group['lifecycle_hooks'])
        # and added again later; [] in the template is none too
        self.update(ident, os_template([TERMINATE]))
        self.assertEqual(lifecycle.normalize([TERMINATE]),
                         self.group(ident)['lifecycle_hooks'])
        self.update(ident, os_template([]))
        self.assertEqual([], self.group(ident)['lifecycle_hooks'])

    def test_unrelated_update_leaves_them(self):
        ident = self.create('same', os_template())
        hooks = self.group(ident)['lifecycle_hooks']
        self.update(ident, os_template(max_size=5))
        group = self.group(ident)
        self.assertEqual(5, group['max_size'])
        self.assertEqual(hooks, group['lifecycle_hooks'])

    def test_bad_update_is_refused_and_keeps_the_group(self):
        ident = self.create('badupd', os_template())
        hooks = self.group(ident)['lifecycle_hooks']
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.update_stack,
            self.ctx, ident, yaml.safe_dump(os_template(
                [LAUNCH, dict(LAUNCH, name='again')])),
            {}, {}, {'timeout_mins': 5})
        self.assertIn('resources.asg.properties.lifecycle_hooks[1].'
                      'transition: a second launch hook', str(err))
        self.assertState('CREATE_COMPLETE', ident)
        self.assertEqual(hooks, self.group(ident)['lifecycle_hooks'])

    def test_a_template_scale_in_waits_on_the_terminate_hook(self):
        ident = self.create('drain', os_template([TERMINATE],
                                                 desired_capacity=3))
        before = self.member_names(self.group(ident))
        self.update(ident, os_template([TERMINATE], desired_capacity=1))
        group = self.group(ident)
        self.assertEqual(1, group['current_size'])
        self.assertEqual(before, self.member_names(group))
        self.assertEqual(['ACTIVE'] + [as_eng.TERMINATING_WAIT] * 2,
                         self.statuses(group))

    def test_example_template(self):
        with open(EXAMPLE) as f:
            text = f.read()
        ident = self.create('example', text,
                            params={'size': 2, 'warm_up': 1})
        group = self.group(ident)
        self.assertEqual(lifecycle.normalize([
            {'name': 'warm-up', 'transition': 'launch',
             'heartbeat_timeout': 1, 'default_result': 'CONTINUE',
             'metadata': 'a new member of the example group'},
            {'name': 'drain', 'transition': 'terminate',
             'heartbeat_timeout': 10, 'default_result': 'CONTINUE'}]),
            group['lifecycle_hooks'])
        self.assertEqual([as_eng.PENDING_WAIT] * 2, self.statuses(group))
        outs = self.outputs(ident)
        self.assertEqual(group['id'], outs['group_id'])
        self.assertEqual(2, outs['size'])
        # unattended: at the timeout the members serve (what every
        # engine's monitor tick does on heat-all)
        time.sleep(1.1)
        done = self.svc.as_engine.expire_lifecycle_waits()
        self.assertEqual(sorted(outs['members']),
                         sorted(d['name'] for d in done))
        self.assertEqual(['ACTIVE'] * 2, self.statuses(self.group(ident)))
