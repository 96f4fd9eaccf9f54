"""The Resource base class on a real database: states, lifecycle, events,
data, references, attributes, signals, hooks, health, validation and the
type registry."""

import re
import subprocess
import sys
import threading
import time
import types

from heat.common import context, exception, identifier
from heat.db import api as db_api
from heat.engine import (
    attributes,
    environment,
    event,
    properties,
    resource,
    resources,
    scheduler,
    template,
)
from heat.tests import base, db_fixtures
from heat.tests.unit.db import utils as db_utils

S = properties.Schema
HOT = '2018-08-31'


class Thing(resource.Resource):
    """A test type: records its handler calls, polls a few times."""

    properties_schema = {
        'size': S(S.INTEGER, default=1, update_allowed=True),
        'name': S(S.STRING),
        'fixed': S(S.STRING),
        'frozen': S(S.STRING, immutable=True, update_allowed=True),
        'fail': S(S.STRING),
        'polls': S(S.INTEGER, default=1),
    }
    attributes_schema = {
        'info': attributes.Schema('details', type=attributes.Schema.MAP),
    }

    def handle_create(self):
        if self.properties['fail']:
            raise ValueError(self.properties['fail'])
        self.resource_id_set(self.physical_resource_name())
        return {'left': self.properties['polls']}

    def check_create_complete(self, token):
        token['left'] -= 1
        return token['left'] <= 0

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        self.last_update = (tmpl_diff, prop_diff)

    def handle_delete(self):
        self.deleted = True

    def handle_suspend(self):
        return None

    def handle_check(self):
        return None

    def handle_signal(self, details=None):
        self.signals = getattr(self, 'signals', []) + [details]
        if isinstance(details, dict) and 'result' in details:
            return details['result']
        if isinstance(details, dict) and details.get('noop'):
            raise resource.NoActionRequired(self.name)
        if isinstance(details, dict) and details.get('boom'):
            raise ValueError('bad signal')
        return None

    def _resolve_attribute(self, name):
        return {'size': self.properties['size'], 'list': ['x', 'y']}


class Waiter(resource.Resource):
    """Never completes by itself."""

    def check_create_complete(self, token):
        return False


class Mute(resource.Resource):
    """No handle_signal."""


class Cloudy(resource.Resource):
    required_service = 'nova'


TEST_TYPES = (('Test::Thing', Thing), ('Test::Waiter', Waiter),
              ('Test::Mute', Mute), ('Test::Cloudy', Cloudy))


class FakeStack:
    """The least a resource needs of its stack."""

    def __init__(self, resources_section, env=None, name='st',
                 action='CREATE'):
        self.context = context.RequestContext(project_id=db_utils.PROJECT,
                                              user_id='u')
        self.env = environment.Environment(env)
        self.t = template.Template.create(
            {'heat_template_version': HOT, 'resources': resources_section},
            env=self.env)
        self.name = name
        self.id = db_utils.create_stack(name=name).id
        self.tenant_id = db_utils.PROJECT
        self.region_name = None
        self.files = {}
        self.parent_resource = None
        self.action = action
        self.strict_validate = True
        self.cancel_event = threading.Event()
        self.deadline = None
        self.parameters = self.t.parameters(name, self.id,
                                            db_utils.PROJECT, {}, {})
        self.resources = {}
        for rname, defn in self.t.resource_definitions(self).items():
            self.resources[rname] = resources.create_resource(rname, defn,
                                                              self)

    def definition(self, rname, body):
        tmpl = template.Template.create(
            {'heat_template_version': HOT, 'resources': {rname: body}},
            env=self.env)
        return tmpl.resource_definitions(self)[rname]

    def identifier(self):
        return identifier.HeatIdentifier(self.tenant_id, self.name, self.id)

    def resource_by_name(self, name):
        return self.resources.get(name)

    def has_resource(self, name):
        return name in self.resources

    def condition(self, name):
        return True

    def availability_zones(self):
        return []

    def events(self):
        return [(e.resource_name, e.resource_action, e.resource_status,
                 e.resource_status_reason)
                for e in db_api.event_get_all_by_stack(
                    None, self.id, db_utils.PROJECT)]


def thing(props=None, **body):
    body = dict(body, type=body.get('type', 'Test::Thing'))
    if props is not None:
        body['properties'] = props
    return body


class ResourceTestCase(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        for name, cls in TEST_TYPES:
            resources.register(name, cls)
            self.addCleanup(resources.unregister, name)

    def stack(self, section, **kwargs):
        return FakeStack(section, **kwargs)

    def one(self, props=None, **kwargs):
        stack = self.stack({'r': thing(props)}, **kwargs)
        return stack, stack.resources['r']


@db_fixtures.for_each_backend
class TestLifecycle(ResourceTestCase):

    def test_new_resource_is_init_complete_and_unstored(self):
        _stack, rsrc = self.one()
        self.assertEqual(('INIT', 'COMPLETE'), rsrc.state)
        self.assertEqual(('INIT', 'COMPLETE'), rsrc.state())
        self.assertIsNone(rsrc.id)
        self.assertIsNone(rsrc.physical_resource_name())
        self.assertEqual('r', rsrc.FnGetRefId())

    def test_create_polls_until_complete_and_records_events(self):
        stack, rsrc = self.one({'polls': 3})
        rsrc.create()
        self.assertEqual(('CREATE', 'COMPLETE'), rsrc.state)
        self.assertEqual([('r', 'CREATE', 'IN_PROGRESS', 'state changed'),
                          ('r', 'CREATE', 'COMPLETE', 'state changed')],
                         stack.events())
        row = db_api.resource_get(None, rsrc.id)
        self.assertEqual(('CREATE', 'COMPLETE', 'Test::Thing', 'r'),
                         (row.action, row.status, row.type, row.name))
        self.assertEqual(rsrc.resource_id, row.nova_instance)
        self.assertEqual(rsrc.uuid, row.uuid)
        self.assertEqual(stack.id, row.root_stack_id)
        self.assertEqual(3, row.properties_data['polls'])
        self.assertIsNotNone(rsrc.created_time)

    def test_events_carry_the_typed_properties(self):
        self.patch(resource.Resource, 'store_event_properties', True)
        stack, rsrc = self.one({'size': '3'})
        rsrc.create()
        stack.action = 'UPDATE'
        rsrc.update(stack.definition('r', thing({'size': 5})))
        rows = db_api.event_get_all_by_stack(None, stack.id,
                                             db_utils.PROJECT)
        sizes = [(r.resource_action, r.resource_status,
                  event.Event.from_db(None, stack, r)
                  .resource_properties.get('size')) for r in rows]
        self.assertEqual([('CREATE', 'IN_PROGRESS', 3),
                          ('CREATE', 'COMPLETE', 3),
                          ('UPDATE', 'IN_PROGRESS', 3),
                          ('UPDATE', 'COMPLETE', 5)], sizes)
        self.assertEqual(5, db_api.resource_prop_data_get(
            None, db_api.resource_get(None, rsrc.id).rsrc_prop_data_id
        ).data['size'])

    def test_no_property_rows_unless_asked(self):
        stack, rsrc = self.one({'size': '3'})
        rsrc.create()
        self.assertNotIn('resource_properties_data', self.count_rows())
        self.assertEqual(3, db_api.resource_get(
            None, rsrc.id).properties_data['size'])

    def test_physical_name_and_reference(self):
        stack, rsrc = self.one()
        rsrc.create()
        self.assertIsNotNone(re.fullmatch('st-r-[a-z2-7]{12}',
                                          rsrc.physical_resource_name()))
        self.assertEqual(rsrc.physical_resource_name(), rsrc.FnGetRefId())
        event_ids = {e[0] for e in stack.events()}
        self.assertEqual({'r'}, event_ids)

    def test_long_physical_names_are_reduced(self):
        cases = [('abcdef', 10, 'abcdef'), ('abcdefghijkl', 8, 'ab-hijkl'),
                 ('abcdefghijkl', 4, 'ab-l')]
        for name, limit, expected in cases:
            self.assertEqual(expected, resource.Resource.
                             reduce_physical_resource_name(name, limit))
        self.assertRaises(ValueError,
                          resource.Resource.reduce_physical_resource_name,
                          'abcdef', 3)

    def test_handler_failure_sets_failed_with_upstream_reason(self):
        stack, rsrc = self.one({'fail': 'it broke'})
        err = self.assertRaises(exception.ResourceFailure, rsrc.create)
        reason = 'ValueError: resources.r: it broke'
        self.assertEqual(reason, str(err))
        self.assertIsInstance(err.exc, ValueError)
        self.assertEqual('CREATE', err.action)
        self.assertEqual(('CREATE', 'FAILED'), rsrc.state)
        self.assertEqual(reason, rsrc.status_reason)
        self.assertEqual(('r', 'CREATE', 'FAILED', reason),
                         stack.events()[-1])

    def test_invalid_properties_fail_the_create(self):
        _stack, rsrc = self.one({'size': 'BAD'})
        err = self.assertRaises(exception.ResourceFailure, rsrc.create)
        self.assertIsInstance(err.exc, exception.StackValidationFailed)
        self.assertIn("Value 'BAD' is not an integer", str(err))
        self.assertEqual(('CREATE', 'FAILED'), rsrc.state)

    def test_create_twice_is_an_invalid_state(self):
        _stack, rsrc = self.one()
        rsrc.create()
        err = self.assertRaises(exception.ResourceFailure, rsrc.create)
        self.assertEqual("Error: resources.r: State ('CREATE', 'COMPLETE') "
                         "invalid for create", str(err))

    def test_delete(self):
        stack, rsrc = self.one()
        rsrc.create()
        rsrc.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), rsrc.state)
        self.assertTrue(rsrc.deleted)
        self.assertEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
                         ['%s_%s' % e[1:3] for e in stack.events()[-2:]])
        rsrc.delete()
        self.assertEqual(4, len(stack.events()))

    def test_delete_of_a_resource_never_created_does_nothing(self):
        stack, rsrc = self.one()
        rsrc.delete()
        self.assertEqual(('INIT', 'COMPLETE'), rsrc.state)
        self.assertEqual([], stack.events())

    def test_retain_keeps_the_physical_resource(self):
        stack = self.stack({'r': thing(deletion_policy='Retain')})
        rsrc = stack.resources['r']
        rsrc.create()
        rsrc.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), rsrc.state)
        self.assertFalse(hasattr(rsrc, 'deleted'))

    def test_suspend_resume_check(self):
        stack, rsrc = self.one()
        rsrc.create()
        for method, state in ((rsrc.suspend, ('SUSPEND', 'COMPLETE')),
                              (rsrc.resume, ('RESUME', 'COMPLETE')),
                              (rsrc.check, ('CHECK', 'COMPLETE'))):
            method()
            self.assertEqual(state, rsrc.state)

    def test_check_without_handler_is_not_supported_but_complete(self):
        stack = self.stack({'m': {'type': 'Test::Mute'}})
        rsrc = stack.resources['m']
        rsrc.create()
        rsrc.check()
        self.assertEqual(('CHECK', 'COMPLETE'), rsrc.state)
        self.assertEqual('CHECK not supported for Test::Mute',
                         rsrc.status_reason)

    def test_check_before_create_fails(self):
        _stack, rsrc = self.one()
        err = self.assertRaises(exception.ResourceFailure, rsrc.check)
        self.assertEqual('Exception: resources.r: Resource r not created '
                         'yet.', str(err))
        self.assertEqual('Can not check r, resource not created yet.',
                         rsrc.status_reason)

    def test_suspend_and_resume_need_the_right_state(self):
        _stack, rsrc = self.one()
        rsrc.create()
        err = self.assertRaises(exception.ResourceFailure, rsrc.resume)
        self.assertIn("State ('CREATE', 'COMPLETE') invalid for resume",
                      str(err))
        rsrc.state_set('CREATE', 'IN_PROGRESS')
        err = self.assertRaises(exception.ResourceFailure, rsrc.suspend)
        self.assertIn('invalid for suspend', str(err))

    def test_adopt(self):
        _stack, rsrc = self.one()
        rsrc.adopt({'resource_id': 'phys-1', 'resource_data': {'k': 'v'},
                    'metadata': {'m': 1}})
        self.assertEqual(('ADOPT', 'COMPLETE'), rsrc.state)
        self.assertEqual('phys-1', rsrc.resource_id)
        self.assertEqual({'k': 'v'}, rsrc.data())
        self.assertEqual({'m': 1}, rsrc.metadata_get())

    def test_adopt_needs_a_resource_id(self):
        _stack, rsrc = self.one()
        err = self.assertRaises(exception.ResourceFailure, rsrc.adopt, {})
        self.assertEqual('Exception: resources.r: Resource ID was not '
                         'provided.', str(err))

    def test_state_set_checks_names_and_writes_events_on_change(self):
        stack, rsrc = self.one()
        self.assertRaises(ValueError, rsrc.state_set, 'FLY', 'COMPLETE')
        self.assertRaises(ValueError, rsrc.state_set, 'CREATE', 'DONE')
        rsrc.state_set('CREATE', 'FAILED', 'one')
        rsrc.state_set('CREATE', 'FAILED', 'two')
        self.assertEqual([('r', 'CREATE', 'FAILED', 'one')], stack.events())
        self.assertEqual('two', db_api.resource_get(
            None, rsrc.id).status_reason)


@db_fixtures.for_each_backend
class TestWaiting(ResourceTestCase):

    def test_cancel_event_stops_the_wait(self):
        stack = self.stack({'w': {'type': 'Test::Waiter'}})
        rsrc = stack.resources['w']
        threading.Timer(0.1, stack.cancel_event.set).start()
        start = time.monotonic()
        err = self.assertRaises(exception.ResourceFailure, rsrc.create)
        self.assertLess(time.monotonic() - start, 5)
        self.assertTrue(scheduler.is_cancel(err))
        self.assertEqual(('CREATE', 'FAILED'), rsrc.state)
        self.assertEqual('CREATE aborted', rsrc.status_reason)

    def test_deadline_raises_timeout(self):
        stack = self.stack({'w': {'type': 'Test::Waiter'}})
        stack.deadline = time.monotonic() + 0.1
        err = self.assertRaises(exception.ResourceFailure,
                                stack.resources['w'].create)
        self.assertTrue(scheduler.is_timeout(err))
        self.assertEqual('CREATE aborted (Timed out)',
                         stack.resources['w'].status_reason)

    def test_action_control_of_the_stack_is_used_when_present(self):
        stack = self.stack({'w': {'type': 'Test::Waiter'}})
        stack.action_control = scheduler.ActionControl()
        threading.Timer(0.05, stack.action_control.cancel).start()
        err = self.assertRaises(exception.ResourceFailure,
                                stack.resources['w'].create)
        self.assertTrue(scheduler.is_cancel(err))


@db_fixtures.for_each_backend
class TestUpdate(ResourceTestCase):

    def created(self, props):
        stack, rsrc = self.one(props)
        rsrc.create()
        stack.action = 'UPDATE'
        return stack, rsrc

    def test_update_allowed_change_is_made_in_place(self):
        stack, rsrc = self.created({'size': 1})
        after = stack.definition('r', thing({'size': 4}))
        rsrc.update(after)
        self.assertEqual(('UPDATE', 'COMPLETE'), rsrc.state)
        self.assertEqual(({}, {'size': 4}), rsrc.last_update)
        self.assertIs(after, rsrc.t)
        self.assertEqual(4, rsrc.properties['size'])

    def test_unchanged_definition_does_nothing(self):
        stack, rsrc = self.created({'size': 1})
        before = len(stack.events())
        rsrc.update(stack.definition('r', thing({'size': 1})))
        self.assertEqual(('CREATE', 'COMPLETE'), rsrc.state)
        self.assertEqual(before, len(stack.events()))

    def test_metadata_change_is_a_template_diff(self):
        stack, rsrc = self.created({'size': 1})
        rsrc.update(stack.definition(
            'r', thing({'size': 1}, metadata={'a': 1})))
        self.assertEqual(({'metadata': {'a': 1}}, {}), rsrc.last_update)

    def test_replacements(self):
        # (new definition, whether the update was started first)
        cases = [
            (thing({'size': 1, 'fixed': 'x'}), True),
            ({'type': 'Test::Mute'}, False),
        ]
        for body, started in cases:
            stack, rsrc = self.created({'size': 1})
            self.assertRaises(resource.UpdateReplace, rsrc.update,
                              stack.definition('r', body))
            expected = ('UPDATE', 'COMPLETE') if started \
                else ('CREATE', 'COMPLETE')
            self.assertEqual(expected, rsrc.state, body)
            if started:
                self.assertEqual('The Resource r requires replacement.',
                                 rsrc.status_reason)

    def test_failed_resource_is_replaced(self):
        stack, rsrc = self.one({'fail': 'x'})
        self.assertRaises(exception.ResourceFailure, rsrc.create)
        self.assertRaises(resource.UpdateReplace, rsrc.update,
                          stack.definition('r', thing({'fail': 'x'})))

    def test_needs_replace_with_prop_diff_is_asked(self):
        stack, rsrc = self.created({'size': 1})
        seen = []

        def needs(changed, after, before):
            seen.append(sorted(changed))
            return True

        rsrc.needs_replace_with_prop_diff = needs
        self.assertRaises(resource.UpdateReplace, rsrc.update,
                          stack.definition('r', thing({'size': 2})))
        self.assertEqual([['size']], seen)

    def test_immutable_property_cannot_change(self):
        stack, rsrc = self.created({'frozen': 'a'})
        err = self.assertRaises(exception.ResourceFailure, rsrc.update,
                                stack.definition('r', thing({'frozen': 'b'})))
        self.assertIsInstance(err.exc, exception.NotSupported)
        self.assertEqual('Update to properties frozen of r (Test::Thing) '
                         'is not supported.', str(err.exc))
        self.assertEqual(('UPDATE', 'FAILED'), rsrc.state)

    def test_restricted_actions_refuse_updates_and_replacements(self):
        def env(actions):
            return {'resource_registry': {'resources': {
                'r': {'restricted_actions': actions}}}}

        cases = [
            ('update', thing({'size': 2}), 'update'),
            ('replace', thing({'fixed': 'x'}), 'replace'),
            (['update', 'replace'], thing({'fixed': 'x'}), 'replace'),
        ]
        for actions, body, refused in cases:
            stack, rsrc = self.one({'size': 1}, env=env(actions))
            rsrc.create()
            stack.action = 'UPDATE'
            err = self.assertRaises(exception.ResourceFailure, rsrc.update,
                                    stack.definition('r', body))
            self.assertEqual(
                'ResourceActionRestricted: resources.r: %s is restricted '
                'for resource.' % refused, str(err))
            self.assertEqual(('CREATE', 'COMPLETE'), rsrc.state)

    def test_restricted_replace_still_allows_in_place_updates(self):
        env = {'resource_registry': {'resources': {
            'r': {'restricted_actions': 'replace'}}}}
        stack, rsrc = self.one({'size': 1}, env=env)
        rsrc.create()
        stack.action = 'UPDATE'
        rsrc.update(stack.definition('r', thing({'size': 2})))
        self.assertEqual(('UPDATE', 'COMPLETE'), rsrc.state)

    def test_preview_update(self):
        stack, rsrc = self.created({'size': 1})
        same = stack.definition('r', thing({'size': 1}))
        self.assertFalse(rsrc.preview_update(
            same, rsrc.t, rsrc.make_properties(same), rsrc.properties))
        bigger = stack.definition('r', thing({'size': 3}))
        self.assertTrue(rsrc.preview_update(
            bigger, rsrc.t, rsrc.make_properties(bigger), rsrc.properties))
        fixed = stack.definition('r', thing({'size': 1, 'fixed': 'y'}))
        self.assertRaises(resource.UpdateReplace, rsrc.preview_update,
                          fixed, rsrc.t, rsrc.make_properties(fixed),
                          rsrc.properties)
        self.assertEqual(('CREATE', 'COMPLETE'), rsrc.state)

    def test_preview_of_a_resource_never_created(self):
        stack, rsrc = self.one({'size': 1})
        cases = [(thing({'size': 1}), False), (thing({'size': 2}), True)]
        for body, expected in cases:
            self.assertEqual(expected, rsrc.preview_update(
                stack.definition('r', body)))
        self.assertRaises(resource.UpdateReplace, rsrc.preview_update,
                          stack.definition('r', {'type': 'Test::Mute'}))
        self.assertRaises(resource.UpdateReplace, rsrc.preview_update,
                          stack.definition('r', thing({'size': 1})),
                          check_init_complete=True)

    def test_default_handle_update_replaces_on_property_change(self):
        stack = self.stack({'m': {'type': 'Test::Mute'}})
        rsrc = stack.resources['m']
        rsrc.properties_schema = {'p': S(S.STRING, update_allowed=True)}
        rsrc.create()
        self.assertRaises(
            resource.UpdateReplace, rsrc.update,
            stack.definition('m', {'type': 'Test::Mute',
                                   'properties': {'p': 'x'}}))


@db_fixtures.for_each_backend
class TestDataAndMetadata(ResourceTestCase):

    def test_data_round_trip_with_redaction_kept_for_the_engine(self):
        _stack, rsrc = self.one()
        rsrc.create()
        rsrc.data_set('plain', 'a')
        rsrc.data_set('secret', 's3', redact=True)
        self.assertEqual({'plain': 'a', 'secret': 's3'}, rsrc.data())
        self.assertEqual(db_api.REDACTED, db_api.resource_data_get_all(
            None, rsrc.id)['secret'])
        self.assertTrue(rsrc.data_delete('plain'))
        self.assertFalse(rsrc.data_delete('plain'))
        self.assertEqual({'secret': 's3'}, rsrc.data())

    def test_metadata_comes_from_the_template_until_set(self):
        stack = self.stack({'r': thing(metadata={'m': {'get_param':
                                                      'OS::stack_name'}})})
        rsrc = stack.resources['r']
        self.assertEqual({'m': 'st'}, rsrc.metadata_get())
        self.assertRaises(exception.ResourceNotAvailable, rsrc.metadata_set,
                          {'x': 1})
        rsrc.create()
        self.assertEqual({'m': 'st'}, rsrc.metadata_get())
        rsrc.metadata_set({'x': 1})
        self.assertEqual({'x': 1}, rsrc.metadata)
        self.assertEqual({'x': 1}, db_api.resource_get(
            None, rsrc.id).rsrc_metadata)

    def test_stored_state_is_restored(self):
        stack, rsrc = self.one()
        rsrc.create()
        rsrc.data_set('k', 'v')
        stack.db_resource_get = lambda name: \
            db_api.resource_get_by_name_and_stack(None, name, stack.id)
        again = Thing('r', rsrc.t, stack)
        for field in ('id', 'uuid', 'action', 'status', 'resource_id'):
            self.assertEqual(getattr(rsrc, field), getattr(again, field))
        self.assertEqual({'k': 'v'}, again.data())
        self.assertEqual(rsrc.physical_resource_name(),
                         again.physical_resource_name())

    def test_store_wins_after_another_writer(self):
        stack, rsrc = self.one()
        rsrc.create()
        other = Thing('r', rsrc.t, stack)
        other.load_from_db(db_api.resource_get(None, rsrc.id))
        other.state_set('CHECK', 'COMPLETE')
        rsrc.state_set('SUSPEND', 'COMPLETE')
        row = db_api.resource_get(None, rsrc.id)
        self.assertEqual(('SUSPEND', 'COMPLETE'), (row.action, row.status))

    def test_atomic_key_grows_with_each_update(self):
        _stack, rsrc = self.one()
        rsrc.create()
        key = db_api.resource_get(None, rsrc.id).atomic_key
        rsrc.state_set('CHECK', 'COMPLETE')
        self.assertEqual(key + 1, db_api.resource_get(
            None, rsrc.id).atomic_key)


@db_fixtures.for_each_backend
class TestAttributes(ResourceTestCase):

    def test_get_attr_with_paths(self):
        stack, rsrc = self.one({'size': 3})
        rsrc.create()
        cases = [(('info',), {'size': 3, 'list': ['x', 'y']}),
                 (('info', 'size'), 3), (('info', 'list', 1), 'y'),
                 (('info', 'nope'), None), (('show',), None)]
        for args, expected in cases:
            self.assertEqual(expected, rsrc.FnGetAtt(*args), args)

    def test_get_attrs_leaves_out_show(self):
        _stack, rsrc = self.one()
        self.assertEqual(['info'], sorted(rsrc.FnGetAtts()))

    def test_unknown_attribute_is_an_invalid_reference(self):
        _stack, rsrc = self.one()
        err = self.assertRaises(exception.InvalidTemplateAttribute,
                                rsrc.FnGetAtt, 'nope')
        self.assertEqual('The Referenced Attribute (r nope) is incorrect.',
                         str(err))

    def test_properties_resolve_other_resources_attributes(self):
        stack = self.stack({
            'a': thing({'size': 7}),
            'b': thing({'name': {'get_attr': ['a', 'info', 'size']},
                        'fixed': {'get_resource': 'a'}})})
        a, b = stack.resources['a'], stack.resources['b']
        b.validate()
        a.create()
        b.create()
        self.assertEqual('7', b.properties['name'])
        self.assertEqual(a.resource_id, b.properties['fixed'])


@db_fixtures.for_each_backend
class TestSignals(ResourceTestCase):

    def signalled(self):
        stack, rsrc = self.one()
        rsrc.create()
        return stack, rsrc

    def test_signal_event_reasons(self):
        cases = [
            (None, 'No signal details provided'),
            ('text body', 'text body'),
            ({'previous': 'ok', 'current': 'alarm', 'reason': 'hot'},
             'alarm state changed from ok to alarm (hot)'),
            ({'result': 'done'}, 'Signal: done'),
            ({'other': 1}, 'Unknown'),
        ]
        for details, reason in cases:
            stack, rsrc = self.signalled()
            self.assertTrue(rsrc.signal(details))
            self.assertEqual(('r', 'SIGNAL', 'COMPLETE', reason),
                             stack.events()[-1], details)
            self.assertEqual([details], rsrc.signals)

    def test_signal_during_suspend_or_delete_is_not_supported(self):
        for action in ('SUSPEND', 'DELETE'):
            stack, rsrc = self.signalled()
            rsrc.state_set(action, 'COMPLETE')
            err = self.assertRaises(exception.NotSupported, rsrc.signal)
            self.assertEqual('Signal resource during %s is not supported.'
                             % action, str(err))
            self.assertEqual(
                ('r', action, 'COMPLETE',
                 'Cannot signal resource during %s' % action),
                stack.events()[-1])

    def test_no_action_required_writes_no_event(self):
        stack, rsrc = self.signalled()
        before = len(stack.events())
        self.assertFalse(rsrc.signal({'noop': True}))
        self.assertEqual(before, len(stack.events()))

    def test_handler_errors_are_resource_failures(self):
        _stack, rsrc = self.signalled()
        err = self.assertRaises(exception.ResourceFailure, rsrc.signal,
                                {'boom': 1})
        self.assertEqual('ValueError: resources.r: bad signal', str(err))
        self.assertEqual(('CREATE', 'COMPLETE'), rsrc.state)

    def test_type_without_handler(self):
        stack = self.stack({'m': {'type': 'Test::Mute'}})
        err = self.assertRaises(exception.ResourceActionNotSupported,
                                stack.resources['m'].signal)
        self.assertEqual('signal is not supported for resource.', str(err))


@db_fixtures.for_each_backend
class TestHooks(ResourceTestCase):

    def env(self, hook):
        return {'resource_registry': {'resources': {'r': {'hooks': hook}}}}

    def wait_for_event(self, stack, reason):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(e[3] == reason for e in stack.events()):
                return
            time.sleep(0.02)
        self.fail('no event %r in %r' % (reason, stack.events()))

    def run_paused(self, method, stack, action, hook):
        errors = []

        def run():
            try:
                method()
            except Exception as exc:  # reported below
                errors.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        self.wait_for_event(stack, '%s paused until Hook %s is cleared'
                            % (action, hook))
        self.assertTrue(worker.is_alive())
        # a signal through another object of the same row clears it
        other = stack.resources['r'].__class__('r', stack.resources['r'].t,
                                               stack)
        other.load_from_db(db_api.resource_get(None,
                                               stack.resources['r'].id))
        self.assertFalse(other.signal({'unset_hook': hook}))
        worker.join(10)
        self.assertFalse(worker.is_alive())
        self.assertEqual([], errors)
        self.wait_for_event(stack, 'Hook %s is cleared' % hook)

    def test_pre_create_hook_pauses_until_cleared(self):
        stack, rsrc = self.one(env=self.env('pre-create'))
        self.run_paused(rsrc.create, stack, 'CREATE', 'pre-create')
        self.assertEqual(('CREATE', 'COMPLETE'), rsrc.state)
        self.assertEqual(('r', 'INIT', 'COMPLETE',
                          'CREATE paused until Hook pre-create is cleared'),
                         stack.events()[0])

    def test_pre_update_hook(self):
        stack, rsrc = self.one({'size': 1}, env=self.env('pre-update'))
        rsrc.create()
        stack.action = 'UPDATE'
        after = stack.definition('r', thing({'size': 2}))
        self.run_paused(lambda: rsrc.update(after), stack, 'UPDATE',
                        'pre-update')
        self.assertEqual(('UPDATE', 'COMPLETE'), rsrc.state)

    def test_pre_delete_hook(self):
        stack, rsrc = self.one(env=self.env(['pre-delete']))
        rsrc.create()
        stack.action = 'DELETE'
        self.run_paused(rsrc.delete, stack, 'DELETE', 'pre-delete')
        self.assertEqual(('DELETE', 'COMPLETE'), rsrc.state)

    def test_hook_of_another_stack_action_does_not_pause(self):
        stack, rsrc = self.one(env=self.env('pre-create'), action='UPDATE')
        rsrc.create()
        self.assertEqual(('CREATE', 'COMPLETE'), rsrc.state)

    def test_invalid_hooks_are_refused(self):
        stack, rsrc = self.one()
        rsrc.create()
        cases = [('pre-nothing', 'Invalid hook type "pre-nothing" for %s'),
                 ('pre-create', 'The "pre-create" hook is not defined on %s')]
        for hook, message in cases:
            err = self.assertRaises(exception.InvalidBreakPointHook,
                                    rsrc.signal, {'unset_hook': hook})
            self.assertEqual(message % rsrc, str(err))

    def test_cancel_while_paused_clears_the_hook(self):
        stack, rsrc = self.one(env=self.env('pre-create'))
        threading.Timer(0.1, stack.cancel_event.set).start()
        err = self.assertRaises(exception.ResourceFailure, rsrc.create)
        self.assertTrue(scheduler.is_cancel(err))
        self.assertFalse(rsrc.has_hook('pre-create'))
        self.assertIn(('r', 'INIT', 'COMPLETE',
                       'Failure occurred while waiting.'), stack.events())


@db_fixtures.for_each_backend
class TestHealth(ResourceTestCase):

    def test_mark_unhealthy_and_back(self):
        stack, rsrc = self.one()
        rsrc.create()
        rsrc.mark_unhealthy(True, 'broken disk')
        self.assertEqual(('CHECK', 'FAILED'), rsrc.state)
        self.assertEqual('broken disk', rsrc.status_reason)
        rsrc.mark_unhealthy(False, None)
        self.assertEqual(('CHECK', 'COMPLETE'), rsrc.state)
        self.assertEqual(resource.MARK_UNHEALTHY_REASON, rsrc.status_reason)
        self.assertEqual(('r', 'CHECK', 'COMPLETE',
                          resource.MARK_UNHEALTHY_REASON),
                         stack.events()[-1])

    def test_mark_healthy_only_undoes_check_failed(self):
        _stack, rsrc = self.one()
        rsrc.create()
        rsrc.mark_unhealthy(False, 'fine')
        self.assertEqual(('CREATE', 'COMPLETE'), rsrc.state)

    def test_deleted_resource_is_not_marked(self):
        _stack, rsrc = self.one()
        rsrc.create()
        rsrc.delete()
        rsrc.mark_unhealthy(True, 'x')
        self.assertEqual(('DELETE', 'COMPLETE'), rsrc.state)


@db_fixtures.for_each_backend
class TestValidate(ResourceTestCase):

    def test_property_errors_carry_the_resource_path(self):
        cases = [
            ({'size': 'BAD'}, "resources.r.properties.size: Value 'BAD' is "
                              "not an integer"),
            ({'bogus': 1}, 'resources.r.properties: Unknown Property bogus'),
        ]
        for props, message in cases:
            _stack, rsrc = self.one(props)
            err = self.assertRaises(exception.StackValidationFailed,
                                    rsrc.validate)
            self.assertEqual(message, str(err))
            self.assertEqual('Property error', err.error)

    def test_valid_resource(self):
        _stack, rsrc = self.one({'size': '2'})
        self.assertIsNone(rsrc.validate())

    def test_cloud_type_is_unavailable_without_its_service(self):
        stack = self.stack({'c': {'type': 'Test::Cloudy'}})
        err = self.assertRaises(exception.ResourceTypeUnavailable,
                                stack.resources['c'].validate)
        self.assertIn('Service nova is not available for resource type '
                      'Test::Cloudy', str(err))

    def test_snapshot_policy_needs_support(self):
        stack = self.stack({'r': thing(deletion_policy='Snapshot')})
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.resources['r'].validate)
        self.assertEqual('resources.r.deletion_policy: "Snapshot" deletion '
                         'policy not supported', str(err))


class FakeTemplateResource(resource.Resource):
    pass


@db_fixtures.for_each_backend
class TestRegistry(ResourceTestCase):

    def test_aliases_resolve_through_the_environment(self):
        env = {'resource_registry': {'My::Thing': 'Test::Thing'}}
        stack = self.stack({'r': {'type': 'My::Thing'}}, env=env)
        rsrc = stack.resources['r']
        self.assertIsInstance(rsrc, Thing)
        self.assertEqual('My::Thing', rsrc.type())
        self.assertEqual('alias', rsrc.resource_info.kind)

    def test_unknown_type(self):
        err = self.assertRaises(exception.ResourceTypeNotFound, self.stack,
                                {'r': {'type': 'No::Such'}})
        self.assertEqual('The Resource Type (No::Such) could not be found.',
                         str(err))

    def test_cloud_type_without_implementation(self):
        self.assertRaises(exception.ResourceTypeUnavailable, self.stack,
                          {'r': {'type': 'OS::Cinder::Volume'}})

    def test_provider_template_uses_the_template_resource_class(self):
        self.patch(resources, 'TEMPLATE_RESOURCE_CLASS',
                   FakeTemplateResource)
        stack = self.stack({'r': {'type': 'my.yaml'}})
        self.assertIsInstance(stack.resources['r'], FakeTemplateResource)

    def test_registered_types(self):
        self.assertIn('Test::Thing', resources.all_types())
        self.assertIs(Thing, resources.get_class('Test::Thing'))
        self.assertRaises(ValueError, resources.register, '', Thing)


class TestTypeModules(base.TestCase):
    """Loading type modules (no database needed)."""

    def test_missing_module_is_skipped(self):
        self.assertIsNone(resources.load_module('heat.engine.no_such_mod'))

    def test_module_mapping_is_registered(self):
        module = types.ModuleType('heat_test_fake_types')
        module.resource_mapping = lambda: {'Fake::Mapped': Mute}
        sys.modules['heat_test_fake_types'] = module
        self.addCleanup(sys.modules.pop, 'heat_test_fake_types')
        self.addCleanup(resources.unregister, 'Fake::Mapped')
        resources.load_module('heat_test_fake_types')
        self.assertIs(Mute, resources.get_class('Fake::Mapped'))

    def test_engine_types_are_loaded_on_first_lookup(self):
        self.assertIn('OS::Heat::None', resources.all_types())

    def test_first_registered_name_is_the_class_type_name(self):
        class Own(Mute):
            pass

        resources.register('Own::First', Own)
        resources.register('Own::Second', Own)
        self.addCleanup(resources.unregister, 'Own::First')
        self.addCleanup(resources.unregister, 'Own::Second')
        self.assertEqual('Own::First', Own.resource_type_name)

    def test_concurrent_first_lookups_all_see_the_engine_types(self):
        code = (
            'import threading\n'
            'from heat.engine import resources\n'
            'out = []\n'
            'def look():\n'
            '    try:\n'
            '        resources.get_class("OS::Heat::None")\n'
            '        out.append("ok")\n'
            '    except Exception as exc:\n'
            '        out.append(repr(exc))\n'
            'ts = [threading.Thread(target=look) for _ in range(8)]\n'
            '[t.start() for t in ts]\n'
            '[t.join() for t in ts]\n'
            'print(",".join(out))\n')
        result = subprocess.run([sys.executable, '-c', code],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(','.join(['ok'] * 8), result.stdout.strip(),
                         result.stderr)
