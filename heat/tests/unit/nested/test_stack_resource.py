"""StackResource and OS::Heat::Stack, end to end on a real SQLite database.

``NestedTestCase`` (stack helpers) is shared by the other tests of this
package.
"""

import re

from heat.common import config, context, exception
from heat.db import api as db_api
from heat.engine import environment, stack, template
from heat.engine.resources import stack_resource
from heat.tests import db_fixtures

HOT = '2015-04-30'
NAME_RE = r'^%s-%s-[a-z2-7]{12}$'


class NestedTestCase(db_fixtures.DBTestCase):
    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(project_id='tenant', user_id='u',
                                          user_name='user')
        self.addCleanup(config.CONF.clear_override, 'max_nested_stack_depth')
        self.addCleanup(config.CONF.clear_override,
                        'max_resources_per_stack')

    def make_stack(self, tmpl, files=None, env=None, name='st',
                   timeout=None, params=None):
        envd = dict(env or {})
        if params:
            envd['parameters'] = params
        t = template.Template.create(tmpl, files=files,
                                     env=environment.Environment(envd))
        return stack.Stack(self.ctx, name, t, timeout_mins=timeout)

    def create(self, tmpl, **kwargs):
        st = self.make_stack(tmpl, **kwargs)
        st.validate()
        st.store()
        st.create()
        self.assertEqual(('CREATE', 'COMPLETE'), st.state, st.status_reason)
        return st

    def update(self, st, tmpl, expect=('UPDATE', 'COMPLETE'), **kwargs):
        new = self.make_stack(tmpl, name=st.name, **kwargs)
        st.update(new)
        self.assertEqual(expect, st.state, st.status_reason)
        return st

    def reload(self, st):
        return stack.Stack.load(self.ctx, st.id)


def hot(resources, outputs=None, parameters=None):
    out = {'heat_template_version': HOT, 'resources': resources}
    if outputs:
        out['outputs'] = outputs
    if parameters:
        out['parameters'] = parameters
    return out


INNER = '''
heat_template_version: 2015-04-30
parameters:
  length: {type: number, default: 8}
resources:
  rs:
    type: OS::Heat::RandomString
    properties: {length: {get_param: length}}
outputs:
  value: {value: {get_attr: [rs, value]}}
'''


class OSHeatStackTest(NestedTestCase):

    def tmpl(self, length=10, timeout=None):
        props = {'template': INNER, 'parameters': {'length': length}}
        if timeout:
            props['timeout'] = timeout
        return hot({'s': {'type': 'OS::Heat::Stack', 'properties': props}},
                   {'out': {'value': {'get_attr': ['s', 'outputs']}},
                    'name': {'value': {'get_attr': ['s', 'stack_name']}}})

    def test_creates_a_nested_stack_with_owner_and_depth(self):
        st = self.create(self.tmpl(), timeout=30)
        res = st['s']
        nested = res.nested()
        self.assertEqual(res.resource_id, nested.id)
        self.assertEqual(st.id, nested.owner_id)
        self.assertEqual(1, nested.nested_depth)
        self.assertEqual('s', nested.parent_resource_name)
        self.assertEqual(30, nested.timeout_mins)
        self.assertRegex(nested.name, NAME_RE % ('st', 's'))
        row = db_api.stack_get(self.ctx, nested.id, 'tenant')
        self.assertEqual(st.id, row.owner_id)
        self.assertEqual('s', row.parent_resource_name)

    def test_outputs_and_stack_name_attributes(self):
        st = self.create(self.tmpl(length=12))
        outs = self.reload(st).outputs()
        self.assertEqual(12, len(outs['out']['value']))
        self.assertEqual(st['s'].nested().name, outs['name'])
        self.assertEqual(st['s'].resource_id, st['s'].FnGetRefId())

    def test_update_passes_new_parameters_in_place(self):
        st = self.create(self.tmpl(length=10))
        nested_id = st['s'].resource_id
        st = self.update(st, self.tmpl(length=20))
        self.assertEqual(nested_id, st['s'].resource_id)
        self.assertEqual(20, len(st.outputs()['out']['value']))

    def test_suspend_resume_recurse(self):
        st = self.create(self.tmpl())
        st.suspend()
        self.assertEqual(('SUSPEND', 'COMPLETE'), st.state)
        nested = self.reload(st)['s'].nested()
        self.assertEqual(('SUSPEND', 'COMPLETE'), nested.state)
        self.assertEqual(('SUSPEND', 'COMPLETE'), nested['rs'].state)
        st.resume()
        self.assertEqual(('RESUME', 'COMPLETE'), st.state)
        nested = self.reload(st)['s'].nested()
        self.assertEqual(('RESUME', 'COMPLETE'), nested['rs'].state)

    def test_delete_deletes_the_nested_stack(self):
        st = self.create(self.tmpl())
        nested_id = st['s'].resource_id
        st.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), st.state, st.status_reason)
        self.assertIsNone(db_api.stack_get(self.ctx, nested_id, 'tenant'))

    def test_bad_inner_template_fails_validation(self):
        tmpl = hot({'s': {'type': 'OS::Heat::Stack', 'properties': {
            'template': 'heat_template_version: 2015-04-30\nresources:\n'
                        '  r: {type: OS::Heat::RandomString, properties: '
                        '{length: BAD}}\n'}}})
        st = self.make_stack(tmpl)
        err = self.assertRaises(exception.StackValidationFailed, st.validate)
        # upstream quotes the answer of the region's validate API
        self.assertIn('Failed validating stack template using Heat '
                      'endpoint at region "RegionOne" due to "ERROR: ',
                      str(err))
        self.assertIn('BAD', str(err))


class NestedDepthTest(NestedTestCase):

    RECURSIVE = {'heat_template_version': HOT,
                 'resources': {'again': {'type': 'rec.yaml'}}}

    def test_recursion_stops_at_the_depth_limit(self):
        import json
        files = {'rec.yaml': json.dumps(self.RECURSIVE)}
        st = self.make_stack(self.RECURSIVE, files=files)
        st.store()
        st.create()
        self.assertEqual(('CREATE', 'FAILED'), st.state)
        self.assertIn('Recursion depth exceeds 5.', st.status_reason)

    def test_limit_is_configurable(self):
        config.CONF.set_override('max_nested_stack_depth', 1)
        inner = hot({'v': {'type': 'OS::Heat::Value',
                           'properties': {'value': 1}}})
        outer = hot({'n': {'type': 'inner.yaml'}})
        import json
        files = {'inner.yaml': json.dumps(inner),
                 'outer.yaml': json.dumps(outer)}
        # depth 1 is allowed
        self.create(hot({'o': {'type': 'inner.yaml'}}), files=files)
        # depth 2 is not
        st = self.make_stack(hot({'o': {'type': 'outer.yaml'}}),
                             files=files, name='deep')
        st.store()
        st.create()
        self.assertEqual(('CREATE', 'FAILED'), st.state)
        self.assertIn('Recursion depth exceeds 1.', st.status_reason)


class OpenAttributeSchemaTest(NestedTestCase):

    def test_any_name_is_in_but_only_declared_ones_iterate(self):
        schema = stack_resource.OpenAttributeSchema({'refs': 1})
        self.assertIn('anything', schema)
        self.assertEqual(['refs'], list(schema))
        self.assertNotIn(3, schema)


class NestedNameTest(NestedTestCase):

    def test_physical_name_shape(self):
        st = self.create(hot({'Web': {'type': 'OS::Heat::Stack',
                                      'properties': {'template': INNER}}}),
                         name='my-stack')
        self.assertTrue(re.match(NAME_RE % ('my-stack', 'Web'),
                                 st['Web'].nested().name))
