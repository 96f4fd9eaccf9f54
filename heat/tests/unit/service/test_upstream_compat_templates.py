"""Template resources as upstream Heat's functional tests use them
(issue 12), through EngineService on a real database: a concrete
provider template is checked against the facade it stands in for,
``parameter_defaults`` satisfy a nested parameter without a default, and
a nested output that cannot be resolved is reported when it is read."""

import yaml

from heat.common import context, exception
from heat.engine import service
from heat.tests import db_fixtures

WAIT = 60

#: the parent: OS::Thingy with two properties and one attribute used
PARENT = '''
heat_template_version: 2015-10-15
resources:
  thisone:
    type: OS::Thingy
    properties:
      one: pre
      two: post
outputs:
  one:
    value: {get_attr: [thisone, here-it-is]}
'''

#: the facade: what OS::Thingy is everywhere in the environment
FACADE = '''
heat_template_version: 2015-04-30
parameters:
  one:
    type: string
  two:
    type: string
outputs:
  here-it-is:
    value: noop
'''

#: the registry: a facade for the type, a concrete template for one
#: resource of that type
FACADE_ENV = {'resource_registry': {
    'OS::Thingy': 'facade.yaml',
    'resources': {'thisone': {'OS::Thingy': 'concrete.yaml'}}}}

CONCRETE = '''
heat_template_version: 2015-04-30
parameters:
  one:
    type: string
  two:
    type: string
resources:
  str:
    type: OS::Heat::RandomString
outputs:
  here-it-is:
    value: {get_attr: [str, value]}
'''


def ctx():
    return context.RequestContext(project_id='compat', user_id='u1',
                                  user_name='user1')


class ServiceCase(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.svc = service.EngineService(engine_id='engine-compat')
        self.addCleanup(self.svc.stop, WAIT)
        self.ctx = ctx()

    def create(self, name, tmpl, env=None, files=None):
        ident = self.svc.create_stack(self.ctx, name, tmpl, env or {},
                                      files or {}, {'timeout_mins': 5})
        self.assertTrue(self.svc.wait(ident, WAIT))
        return ident

    def info(self, ident, **kwargs):
        return self.svc.show_stack(self.ctx, ident, **kwargs)[0]

    def assertState(self, expected, ident):
        info = self.info(ident, resolve_outputs=False)
        self.assertEqual(expected, '%s_%s' % (info['stack_action'],
                                              info['stack_status']),
                         info['stack_status_reason'])


@db_fixtures.for_each_backend
class TestFacade(ServiceCase):
    """Upstream's ValidateFacadeTest: the concrete template must offer
    what the facade does, or the create is refused (HTTP 400)."""

    def refused(self, concrete, tmpl=PARENT):
        files = {'facade.yaml': FACADE, 'concrete.yaml': concrete}
        return self.assertRaises(
            exception.StackValidationFailed, self.svc.create_stack,
            self.ctx, 'facade', tmpl, FACADE_ENV, files,
            {'timeout_mins': 5})

    def test_concrete_template_missing_a_facade_attribute_is_refused(self):
        without_output = CONCRETE.split('outputs:')[0]
        err = self.refused(without_output)
        self.assertEqual('Attribute here-it-is for facade OS::Thingy '
                         'missing in provider', str(err))

    def test_concrete_template_missing_a_required_facade_property_is_refused(
            self):
        concrete = yaml.safe_load(CONCRETE)
        del concrete['parameters']['two']
        parent = yaml.safe_load(PARENT)
        del parent['resources']['thisone']['properties']['two']
        err = self.refused(yaml.safe_dump(concrete), yaml.safe_dump(parent))
        self.assertEqual('Required property two for facade OS::Thingy '
                         'missing in provider', str(err))

    def test_concrete_template_requiring_a_property_unknown_to_the_facade(
            self):
        concrete = yaml.safe_load(CONCRETE)
        concrete['parameters']['three'] = {'type': 'string'}
        parent = yaml.safe_load(PARENT)
        parent['resources']['thisone']['properties']['three'] = 'x'
        err = self.refused(yaml.safe_dump(concrete), yaml.safe_dump(parent))
        self.assertEqual('Provider requires property three unknown in '
                         'facade OS::Thingy', str(err))

    def test_concrete_template_with_another_property_type_is_refused(self):
        concrete = yaml.safe_load(CONCRETE)
        concrete['parameters']['two'] = {'type': 'number'}
        parent = yaml.safe_load(PARENT)
        parent['resources']['thisone']['properties']['two'] = '2'
        err = self.refused(yaml.safe_dump(concrete), yaml.safe_dump(parent))
        self.assertEqual('Property two type mismatch between facade '
                         'OS::Thingy (String) and provider (Number)',
                         str(err))

    def test_concrete_template_matching_the_facade_is_created(self):
        ident = self.create('facade', PARENT, FACADE_ENV,
                            {'facade.yaml': FACADE,
                             'concrete.yaml': CONCRETE})
        self.assertState('CREATE_COMPLETE', ident)
        outputs = {o['output_key']: o['output_value']
                   for o in self.info(ident)['outputs']}
        self.assertEqual(32, len(outputs['one']))

    def test_python_type_overridden_by_a_template_is_checked_against_it(
            self):
        # upstream: a template registered for a type the engine
        # implements stands in for it, so it must offer its attributes
        tmpl = '''
heat_template_version: 2015-10-15
resources:
  secret:
    type: OS::Heat::RandomString
'''
        env = {'resource_registry': {'OS::Heat::RandomString':
                                     'nested.yaml'}}
        nested = '''
heat_template_version: 2015-10-15
resources:
  inner:
    type: OS::Heat::None
'''
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.create_stack,
            self.ctx, 'override', tmpl, env, {'nested.yaml': nested},
            {'timeout_mins': 5})
        self.assertEqual('Attribute value for facade OS::Heat::RandomString '
                         'missing in provider', str(err))
        with_value = nested + '''
outputs:
  value:
    value: {get_resource: inner}
'''
        ident = self.create('override', tmpl, env,
                            {'nested.yaml': with_value})
        self.assertState('CREATE_COMPLETE', ident)


NESTED_NO_DEFAULT = '''
heat_template_version: 2013-05-23
parameters:
  length:
    type: string
resources:
  random1:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: length}
outputs:
  random1_value:
    value: {get_attr: [random1, value]}
'''

DEFAULTS_PARENT = '''
heat_template_version: 2013-05-23
resources:
  random1:
    type: nested_random.yaml
outputs:
  random1:
    value: {get_attr: [random1, random1_value]}
'''


@db_fixtures.for_each_backend
class TestParameterDefaults(ServiceCase):
    """Upstream's DefaultParametersTest (no_temp_default): the
    environment's ``parameter_defaults`` reach the nested stack, so its
    parameter needs no value from the parent."""

    def test_parameter_defaults_satisfy_a_nested_parameter_without_default(
            self):
        ident = self.create('defaults', DEFAULTS_PARENT,
                            {'parameter_defaults': {'length': 12}},
                            {'nested_random.yaml': NESTED_NO_DEFAULT})
        self.assertState('CREATE_COMPLETE', ident)
        outputs = {o['output_key']: o['output_value']
                   for o in self.info(ident)['outputs']}
        self.assertEqual(12, len(outputs['random1']))

    def test_nested_parameter_without_default_or_value_is_still_refused(
            self):
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.create_stack,
            self.ctx, 'nodefault', DEFAULTS_PARENT, {},
            {'nested_random.yaml': NESTED_NO_DEFAULT}, {'timeout_mins': 5})
        self.assertIn('length', str(err))


NESTED_OUTPUTS_PARENT = '''
heat_template_version: 2015-10-15
resources:
  parent:
    type: 1.yaml
outputs:
  resource_output_a:
    value: { get_attr: [parent, resource_output_a] }
    description: 'parent a'
  resource_output_b:
    value: { get_attr: [parent, resource_output_b] }
    description: 'parent b'
'''

NESTED_WITH_A_BAD_OUTPUT = '''
heat_template_version: 2015-10-15
resources:
  test_resource_a:
    type: OS::Heat::TestResource
    properties:
      value: 'a'
outputs:
  resource_output_a:
    value: { get_attr: [test_resource_a, output] }
  resource_output_b:
    value: { get_param: foo }
'''


@db_fixtures.for_each_backend
class TestNestedOutputError(ServiceCase):
    """Upstream's StackOutputsTest.test_output_error_nested: a nested
    output that cannot be resolved does not fail the create or update;
    reading it gives the error."""

    def test_nested_output_error_is_reported_when_read(self):
        files = {'1.yaml': NESTED_WITH_A_BAD_OUTPUT}
        ident = self.create('outerr', NESTED_OUTPUTS_PARENT, files=files)
        self.assertState('CREATE_COMPLETE', ident)
        self.svc.update_stack(self.ctx, ident, NESTED_OUTPUTS_PARENT, {},
                              files, {'timeout_mins': 5})
        self.assertTrue(self.svc.wait(ident, WAIT))
        self.assertState('UPDATE_COMPLETE', ident)
        outputs = sorted(self.info(ident)['outputs'],
                         key=lambda o: o['output_key'])
        self.assertEqual([
            {'output_key': 'resource_output_a', 'output_value': 'a',
             'description': 'parent a'},
            {'output_key': 'resource_output_b', 'output_value': None,
             'output_error': 'Error in parent output resource_output_b: '
                             'The Parameter (foo) was not provided.',
             'description': 'parent b'}], outputs)
        shown = self.svc.show_output(self.ctx, ident, 'resource_output_b')
        self.assertEqual('Error in parent output resource_output_b: The '
                         'Parameter (foo) was not provided.',
                         shown['output_error'])
