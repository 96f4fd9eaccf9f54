"""Abandon then adopt of stacks holding nested stacks, through
EngineService on real databases: a template resource, an
``OS::Heat::Stack``, a ``ResourceGroup`` and two levels of nesting keep
their nested resources' physical ids and data; a scaling group's adopt
data is refused naming the resource; ``enable_stack_adopt`` gates it
all."""

import json

from heat.common import config, exception, template_format
from heat.engine import service
from heat.tests import base, db_fixtures
from heat.tests.unit.service.test_service_stacks import WAIT, ctx

#: a provider template holding a random string and a test resource
INNER = '''
heat_template_version: 2016-10-14
parameters:
  salt:
    type: string
    default: s
resources:
  secret:
    type: OS::Heat::RandomString
    properties:
      salt: {get_param: salt}
  thing:
    type: OS::Heat::TestResource
    properties:
      value: {get_attr: [secret, value]}
outputs:
  secret:
    value: {get_attr: [secret, value]}
'''

TEMPLATE_RESOURCE = '''
heat_template_version: 2016-10-14
resources:
  nest:
    type: inner.yaml
    properties:
      salt: pepper
outputs:
  secret:
    value: {get_attr: [nest, secret]}
'''

HEAT_STACK = {
    'heat_template_version': '2016-10-14',
    'resources': {'nest': {
        'type': 'OS::Heat::Stack',
        'properties': {'template': INNER,
                       'parameters': {'salt': 'pepper'}}}},
    'outputs': {'secret': {'value': {
        'get_attr': ['nest', 'outputs', 'secret']}}},
}

GROUP = '''
heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 2
      resource_def:
        type: inner.yaml
outputs:
  secrets:
    value: {get_attr: [group, secret]}
'''

#: a template resource whose template holds a template resource
TWO_LEVELS = '''
heat_template_version: 2016-10-14
resources:
  outer:
    type: middle.yaml
outputs:
  secret:
    value: {get_attr: [outer, secret]}
'''

MIDDLE = '''
heat_template_version: 2016-10-14
resources:
  nest:
    type: inner.yaml
  extra:
    type: OS::Heat::RandomString
outputs:
  secret:
    value: {get_attr: [nest, secret]}
'''

CHAIN = '''
heat_template_version: 2016-10-14
resources:
  chain:
    type: OS::Heat::ResourceChain
    properties:
      resources: [inner.yaml, OS::Heat::RandomString]
outputs:
  value:
    value: {get_attr: [chain, resource.1, value]}
'''

DEPLOYMENTS = '''
heat_template_version: 2016-10-14
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      config: echo
  deployments:
    type: OS::Heat::SoftwareDeploymentGroup
    properties:
      config: {get_resource: config}
      signal_transport: NO_SIGNAL
      servers: {a: server-a, b: server-b}
'''

SCALING = '''
heat_template_version: 2016-10-14
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 2
      resource:
        type: OS::Heat::RandomString
'''

FILES = {'inner.yaml': INNER, 'middle.yaml': MIDDLE}


class AdoptCase(db_fixtures.DBTestCase):

    adopt_enabled = True

    def setUp(self):
        super().setUp()
        if self.adopt_enabled:
            base.enable_stack_adopt(self)
        self.svc = service.EngineService(engine_id='engine-a')
        self.addCleanup(self.svc.stop, WAIT)
        self.ctx = ctx()

    def wait(self, ident):
        self.assertTrue(self.svc.wait(ident, WAIT),
                        'stack action did not finish in %s s' % WAIT)

    def state(self, ident):
        info = self.svc.show_stack(self.ctx, ident,
                                   resolve_outputs=False)[0]
        return ('%s_%s' % (info['stack_action'], info['stack_status']),
                info['stack_status_reason'])

    def outputs(self, ident):
        info = self.svc.show_stack(self.ctx, ident)[0]
        return {o['output_key']: o.get('output_value')
                for o in info['outputs']}

    def create(self, name, tmpl, files=None):
        ident = self.svc.create_stack(self.ctx, name, tmpl, {}, files or {},
                                      {'timeout_mins': 5})
        self.wait(ident)
        self.assertEqual('CREATE_COMPLETE', self.state(ident)[0],
                         self.state(ident)[1])
        return ident

    def adopt(self, name, data, files=None, expect='ADOPT_COMPLETE'):
        ident = self.svc.create_stack(
            self.ctx, name, None, {}, files or {},
            {'adopt_stack_data': json.dumps(data), 'timeout_mins': 5})
        self.wait(ident)
        state, reason = self.state(ident)
        self.assertEqual(expect, state, reason)
        return ident

    def nested_resources(self, ident):
        """``{path: (type, physical id, action_status)}`` of every
        resource below the stack (nested ones by their parents' names)."""
        found = {}

        def walk(stack_ident, prefix):
            for r in self.svc.list_stack_resources(self.ctx, stack_ident):
                path = prefix + r['resource_name']
                found[path] = (r['resource_type'],
                               r['physical_resource_id'],
                               '%s_%s' % (r['resource_action'],
                                          r['resource_status']))
                nested = r.get('nested_stack_id')
                if nested:
                    walk(nested, path + '/')
        walk(ident, '')
        return found

    def round_trip(self, tmpl, files=None):
        """Create, abandon and adopt ``tmpl``: (before, after, data,
        adopted identity)."""
        ident = self.create('orig', tmpl, files)
        before = self.nested_resources(ident)
        outputs = self.outputs(ident)
        data = self.svc.abandon_stack(self.ctx, ident)
        self.wait(ident)
        self.assertEqual([], self.svc.list_stacks(self.ctx))
        adopted = self.adopt('copy', data, files)
        after = self.nested_resources(adopted)
        self.assertEqual(outputs, self.outputs(adopted))
        return before, after, data, adopted

    def assertAdoptedAll(self, before, after):
        """Every resource, nested ones included, has the same type and
        physical id, ADOPT_COMPLETE (the nested stacks' own ids differ:
        a nested stack resource's physical id is its new stack)."""
        self.assertEqual(set(before), set(after))
        for path, (rtype, physical, _) in before.items():
            self.assertEqual(rtype, after[path][0], path)
            self.assertEqual('ADOPT_COMPLETE', after[path][2], path)
            if not self._holds_stack(path, before):
                self.assertEqual(physical, after[path][1], path)

    @staticmethod
    def _holds_stack(path, resources):
        return any(p.startswith(path + '/') for p in resources)


@db_fixtures.for_each_backend
class TestAdoptNested(AdoptCase):

    def test_template_resource_members_keep_ids_and_random_value(self):
        before, after, data, adopted = self.round_trip(
            TEMPLATE_RESOURCE, FILES)
        self.assertEqual({'secret', 'thing'},
                         set(data['resources']['nest']['resources']))
        self.assertEqual(template_format.parse(INNER),
                         data['resources']['nest']['template'])
        self.assertAdoptedAll(before, after)
        self.assertIn('nest/secret', after)
        nested = self.svc.list_stack_resources(self.ctx, adopted)[0][
            'nested_stack_id']
        self.assertEqual('ADOPT_COMPLETE', self.state(nested)[0])

    def test_heat_stack_resources_keep_ids_and_random_value(self):
        before, after, _, _ = self.round_trip(json.dumps(HEAT_STACK))
        self.assertAdoptedAll(before, after)
        self.assertIn('nest/thing', after)

    def test_resource_group_members_keep_ids_and_random_values(self):
        before, after, _, adopted = self.round_trip(GROUP, FILES)
        self.assertAdoptedAll(before, after)
        self.assertEqual({'group', 'group/0', 'group/1', 'group/0/secret',
                          'group/0/thing', 'group/1/secret',
                          'group/1/thing'}, set(after))
        secrets = self.outputs(adopted)['secrets']
        self.assertEqual(2, len(set(secrets)))

    def test_resource_chain_members_keep_ids(self):
        before, after, _, _ = self.round_trip(CHAIN, FILES)
        self.assertAdoptedAll(before, after)
        self.assertIn('chain/0/thing', after)
        self.assertIn('chain/1', after)

    def test_deployment_group_keeps_its_deployments(self):
        before, after, _, adopted = self.round_trip(DEPLOYMENTS)
        self.assertAdoptedAll(before, after)
        rows = self.svc.list_software_deployments(self.ctx, None)
        self.assertEqual(
            sorted([after['deployments/a'][1], after['deployments/b'][1]]),
            sorted(r['id'] for r in rows))

    def test_two_levels_of_nesting_are_adopted(self):
        before, after, _, _ = self.round_trip(TWO_LEVELS, FILES)
        self.assertAdoptedAll(before, after)
        self.assertIn('outer/nest/thing', after)
        self.assertIn('outer/extra', after)

    def test_upstream_adopt_data_without_nested_template(self):
        # upstream's TemplateResourceAdoptTest: hand-written data, the
        # nested template from the files, no "template" under the_nested
        main = {'heat_template_version': '2016-10-14',
                'resources': {'the_nested': {'type': 'inner.yaml'}},
                'outputs': {'value': {'value': {
                    'get_attr': ['the_nested', 'secret']}}}}
        data = {'template': main, 'environment': {'parameters': {}},
                'resources': {'the_nested': {
                    'type': 'inner.yaml',
                    'resources': {
                        'secret': {'type': 'OS::Heat::RandomString',
                                   'resource_id': 'froggy',
                                   'resource_data': {'value': 'goopie'}},
                        'thing': {'type': 'OS::Heat::TestResource',
                                  'resource_id': 'thing-id',
                                  'resource_data': {'value': 'goopie'}}}}}}
        adopted = self.adopt('copy', data, FILES)
        self.assertEqual('goopie', self.outputs(adopted)['value'])
        found = self.nested_resources(adopted)
        self.assertEqual('froggy', found['the_nested/secret'][1])
        self.assertEqual('thing-id', found['the_nested/thing'][1])

    def test_missing_nested_resource_data_fails_the_adopt_with_its_path(self):
        ident = self.create('orig', TEMPLATE_RESOURCE, FILES)
        data = self.svc.abandon_stack(self.ctx, ident)
        self.wait(ident)
        del data['resources']['nest']['resources']['thing']
        adopted = self.adopt('copy', data, FILES, expect='ADOPT_FAILED')
        reason = self.state(adopted)[1]
        self.assertIn('resources.nest.resources.thing', reason)
        self.assertIn('Resource ID was not provided', reason)

    def test_scaling_group_adopt_data_is_refused_naming_the_resource(self):
        data = {'template': template_format.parse(SCALING),
                'environment': {'parameters': {}},
                'resources': {'asg': {
                    'type': 'OS::Heat::AutoScalingGroup',
                    'resource_id': 'some-group',
                    'resources': {'m1': {
                        'type': 'OS::Heat::RandomString',
                        'resource_id': 'r1',
                        'resource_data': {'value': 'x'}}}}}}
        adopted = self.adopt('copy', data, expect='ADOPT_FAILED')
        reason = self.state(adopted)[1]
        self.assertIn('resources.asg', reason)
        self.assertIn('OS::Heat::AutoScalingGroup', reason)
        self.assertIn('not supported', reason)

    def test_scaling_group_in_a_template_resource_is_refused_with_path(self):
        files = {'asg.yaml': SCALING}
        main = {'heat_template_version': '2016-10-14',
                'resources': {'wrap': {'type': 'asg.yaml'}}}
        data = {'template': main, 'environment': {'parameters': {}},
                'resources': {'wrap': {
                    'type': 'asg.yaml',
                    'resources': {'asg': {
                        'type': 'OS::Heat::AutoScalingGroup',
                        'resource_id': 'some-group'}}}}}
        adopted = self.adopt('copy', data, files, expect='ADOPT_FAILED')
        reason = self.state(adopted)[1]
        self.assertIn('resources.wrap.resources.asg', reason)
        self.assertIn('OS::Heat::AutoScalingGroup', reason)


@db_fixtures.for_each_backend
class TestAdoptDisabled(AdoptCase):

    adopt_enabled = False

    def test_adopt_is_disabled_by_default_as_upstream(self):
        self.assertFalse(config.CONF.enable_stack_adopt)
        data = {'template': template_format.parse(TEMPLATE_RESOURCE),
                'resources': {}}
        exc = self.assertRaises(
            exception.NotSupported, self.svc.create_stack, self.ctx, 'copy',
            None, {}, FILES, {'adopt_stack_data': json.dumps(data)})
        self.assertIn('Stack Adopt', str(exc))
        self.assertEqual([], self.svc.list_stacks(self.ctx))
