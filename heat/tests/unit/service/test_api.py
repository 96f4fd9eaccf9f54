"""The engine result formatters (heat.engine.api), on plain objects."""

import datetime
import types

from heat.engine import api, dependencies, output
from heat.tests import base

T0 = datetime.datetime(2026, 11, 25, 13, 34, 5)
T1 = datetime.datetime(2026, 11, 25, 13, 40, 0)


class FakeParams(dict):
    def map(self, func):
        return {k: func(v) for k, v in self.items()}


class FakeTemplate:
    def __init__(self, t, outputs):
        self.t = t
        self._outputs = outputs

    def get_section_name(self, key):
        return key

    def outputs(self, stack):
        return self._outputs


class FakeStack:
    def __init__(self, outputs=None, values=None, action='CREATE',
                 status='COMPLETE'):
        self.name = 's1'
        self.id = 'a8f1c0de-0000-4000-8000-000000000001'
        self.tenant_id = 'p1'
        self.t = FakeTemplate({'heat_template_version': '2013-05-23',
                               'description': 'A stack'}, outputs or {})
        self.parameters = FakeParams({'count': 3, 'OS::stack_name': 's1'})
        self.action, self.status = action, status
        self.status_reason = 'Stack CREATE completed successfully'
        self.created_time, self.updated_time = T0, None
        self.timeout_mins = 10
        self.disable_rollback = True
        self.owner_id = None
        self.tags = ['a', 'b']
        self.resources = {}
        self._values = values or {}
        self._deps = dependencies.Dependencies()

    def identifier(self):
        return api.stack_identity(self.tenant_id, self.name, self.id)

    def output(self, name):
        value = self._values[name]
        if isinstance(value, Exception):
            raise value
        return value

    def dependencies(self):
        return self._deps


class FakeResource:
    attributes_schema = {'value': None}
    properties_schema = {'length': None}

    def __init__(self, stack, name, nested=None):
        self.stack = stack
        self.name = name
        self.resource_id = 'phys-%s' % name
        self.action, self.status = 'CREATE', 'COMPLETE'
        self.status_reason = 'state changed'
        self.created_time, self.updated_time = T0, T1
        self.t = types.SimpleNamespace(description='my resource')
        self.properties = {'length': 8}
        self._nested = nested

    def type(self):
        return 'OS::Heat::RandomString'

    def metadata_get(self):
        return {'k': 'v'}

    def FnGetAtt(self, key):
        if key == 'show':
            return None
        if key == 'broken':
            raise ValueError('no')
        return 'val-%s' % key

    def has_nested(self):
        return self._nested is not None

    def nested(self):
        return self._nested


class TestHelpers(base.TestCase):

    def test_isotime(self):
        self.assertEqual('2026-11-25T13:34:05Z', api.isotime(T0))
        self.assertIsNone(api.isotime(None))
        aware = T0.replace(tzinfo=datetime.timezone(
            datetime.timedelta(hours=1)))
        self.assertEqual('2026-11-25T12:34:05Z', api.isotime(aware))

    def test_identities(self):
        ident = api.stack_identity('p1', 's1', 'id1')
        self.assertEqual({'tenant': 'p1', 'stack_name': 's1',
                          'stack_id': 'id1', 'path': ''}, ident)
        self.assertEqual('/resources/r1',
                         api.resource_identity(ident, 'r1')['path'])
        self.assertEqual('/resources/r1/events/e1',
                         api.event_identity(ident, 'r1', 'e1')['path'])

    def test_extract_args(self):
        out = api.extract_args({'timeout_mins': '5',
                                'disable_rollback': 'false',
                                'adopt_stack_data': '{"resources": {}}',
                                'tags': ['x', 'y']})
        self.assertEqual({'timeout_mins': 5, 'disable_rollback': False,
                          'adopt_stack_data': {'resources': {}},
                          'tags': ['x', 'y']}, out)
        self.assertEqual({}, api.extract_args({'timeout_mins': 0}))

    def test_extract_args_errors(self):
        e = self.assertRaises(ValueError, api.extract_args,
                              {'timeout_mins': -1})
        self.assertEqual('Invalid timeout value -1', str(e))
        e = self.assertRaises(ValueError, api.extract_args,
                              {'tags': ['a,b']})
        self.assertEqual('Invalid tag, "a,b" contains a comma', str(e))
        e = self.assertRaises(ValueError, api.extract_args,
                              {'disable_rollback': 'maybe'})
        self.assertIn('Unrecognized value "maybe"', str(e))

    def test_translate_filters(self):
        self.assertEqual(
            {'name': 's1', 'status': 'FAILED', 'action': 'CREATE'},
            api.translate_filters({'stack_name': 's1',
                                   'stack_status': 'CREATE_FAILED'}))
        self.assertEqual(
            {'status': ['COMPLETE', 'FAILED'],
             'action': ['CREATE', 'UPDATE']},
            api.translate_filters({'status': ['CREATE_FAILED',
                                              'UPDATE_COMPLETE']}))


class TestFormatStack(base.TestCase):

    def _stack(self, **kw):
        outs = {'a': output.Output('a', None, 'first'),
                'b': output.Output('b', None)}
        return FakeStack(outputs=outs, values={'a': 1, 'b': KeyError('x')},
                         **kw)

    def test_shape(self):
        info = api.format_stack(self._stack())
        self.assertEqual({'tenant': 'p1', 'stack_name': 's1',
                          'stack_id': FakeStack().id, 'path': ''},
                         info['stack_identity'])
        self.assertEqual('s1', info['stack_name'])
        self.assertEqual('CREATE', info['stack_action'])
        self.assertEqual('COMPLETE', info['stack_status'])
        self.assertEqual('Stack CREATE completed successfully',
                         info['stack_status_reason'])
        self.assertEqual('2026-11-25T13:34:05Z', info['creation_time'])
        self.assertIsNone(info['updated_time'])
        self.assertIsNone(info['deletion_time'])
        self.assertEqual('A stack', info['description'])
        self.assertEqual('A stack', info['template_description'])
        self.assertEqual({'count': '3', 'OS::stack_name': 's1'},
                         info['parameters'])
        self.assertEqual(10, info['timeout_mins'])
        self.assertTrue(info['disable_rollback'])
        self.assertIsNone(info['parent'])
        self.assertEqual(['a', 'b'], info['tags'])
        self.assertEqual([], info['capabilities'])
        self.assertEqual([], info['notification_topics'])

    def test_outputs_with_error(self):
        outs = api.format_stack(self._stack())['outputs']
        self.assertEqual({'output_key': 'a', 'description': 'first',
                          'output_value': 1}, outs[0])
        self.assertEqual('b', outs[1]['output_key'])
        self.assertEqual('No description given', outs[1]['description'])
        self.assertIsNone(outs[1]['output_value'])
        self.assertIn('output_error', outs[1])

    def test_outputs_not_resolved(self):
        self.assertNotIn('outputs', api.format_stack(
            self._stack(), resolve_outputs=False))
        self.assertNotIn('outputs', api.format_stack(
            self._stack(action='DELETE', status='COMPLETE')))
        listed = api.format_stack_outputs(self._stack())
        self.assertEqual([{'output_key': 'a', 'description': 'first'},
                          {'output_key': 'b',
                           'description': 'No description given'}], listed)

    def test_preview_has_no_state(self):
        stack = self._stack()
        stack.preview_resources = lambda: [FakeResource(stack, 'r1')]
        info = api.format_stack_preview(stack)
        self.assertNotIn('stack_status', info)
        self.assertEqual(['r1'], [r['resource_name']
                                  for r in info['resources']])
        self.assertEqual({'length': 8}, info['resources'][0]['properties'])

    def test_db_object(self):
        row = types.SimpleNamespace(
            id='i1', name='s1', tenant='p1', action='CREATE',
            status='FAILED', status_reason='boom', created_at=T0,
            updated_at=T1, deleted_at=None, username='u', owner_id=None,
            stack_user_project_id=None,
            tags=[types.SimpleNamespace(tag='t')])
        info = api.format_stack_db_object(row)
        self.assertEqual('p1', info['stack_identity']['tenant'])
        self.assertEqual('FAILED', info['stack_status'])
        self.assertEqual(['t'], info['tags'])
        self.assertEqual('2026-11-25T13:40:00Z', info['updated_time'])


class TestFormatResource(base.TestCase):

    def test_shape(self):
        stack = FakeStack()
        stack._deps += ('r2', 'r1')     # r2 requires r1
        rsrc = FakeResource(stack, 'r1')
        res = api.format_stack_resource(rsrc)
        self.assertEqual('r1', res['resource_name'])
        self.assertEqual('phys-r1', res['physical_resource_id'])
        self.assertEqual('CREATE', res['resource_action'])
        self.assertEqual('COMPLETE', res['resource_status'])
        self.assertEqual('OS::Heat::RandomString', res['resource_type'])
        self.assertEqual('/resources/r1', res['resource_identity']['path'])
        self.assertEqual(stack.identifier(), res['stack_identity'])
        self.assertEqual(['r2'], res['required_by'])
        self.assertEqual('2026-11-25T13:34:05Z', res['creation_time'])
        self.assertEqual('2026-11-25T13:40:00Z', res['updated_time'])
        self.assertEqual('my resource', res['description'])
        self.assertEqual({'k': 'v'}, res['metadata'])
        self.assertEqual({'value': 'val-value'}, res['attributes'])
        self.assertNotIn('nested_stack_id', res)
        self.assertNotIn('properties', res)

    def test_no_detail_and_nested(self):
        nested = FakeStack()
        nested.id = 'n1'
        nested.name = 's1-r1-abcdefghijkl'
        rsrc = FakeResource(FakeStack(), 'r1', nested=nested)
        rsrc.resource_id = None
        res = api.format_stack_resource(rsrc, detail=False)
        self.assertEqual('', res['physical_resource_id'])
        self.assertNotIn('attributes', res)
        self.assertEqual('n1', res['nested_stack_id']['stack_id'])

    def test_attributes_with_attr_and_errors(self):
        rsrc = FakeResource(FakeStack(), 'r1')
        attrs = api.format_resource_attributes(rsrc, ['broken', 'x'])
        self.assertEqual({'value': 'val-value', 'broken': None,
                          'x': 'val-x'}, attrs)


class TestFormatEvent(base.TestCase):

    def test_shape(self):
        ident = api.stack_identity('p1', 's1', 'id1')
        ev = types.SimpleNamespace(
            uuid='e1', resource_name='r1', created_at=T0,
            physical_resource_id='phys', resource_action='CREATE',
            resource_status='COMPLETE', resource_status_reason='done',
            resource_type='OS::Heat::None')
        out = api.format_event(ev, ident, include_rsrc_prop_data=False)
        self.assertEqual({
            'event_identity': dict(ident,
                                   path='/resources/r1/events/e1'),
            'stack_identity': ident, 'stack_name': 's1',
            'event_time': '2026-11-25T13:34:05Z', 'resource_name': 'r1',
            'physical_resource_id': 'phys', 'resource_action': 'CREATE',
            'resource_status': 'COMPLETE',
            'resource_status_reason': 'done',
            'resource_type': 'OS::Heat::None'}, out)
        out = api.format_event(ev, ident, root_stack_ident=ident)
        self.assertEqual(ident, out['root_stack_id'])
        self.assertEqual({}, out['resource_properties'])
