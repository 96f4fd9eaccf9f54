"""The stack engine: create, delete, suspend, resume, check, abandon,
adopt, preview, outputs, persistence; on a real database."""

import threading
import time
import uuid

import fixtures

from heat.common import config, exception
from heat.common import context as ctx_mod
from heat.db import api as db_api
from heat.engine import environment, properties, resource, resources
from heat.engine import stack as stack_mod
from heat.engine import template as tmpl_mod
from heat.tests import db_fixtures

PROJECT = 'project-stack'

#: what the Recorder resources did, in order: (action, name)
JOURNAL = []
_journal_lock = threading.Lock()


def _note(action, name):
    with _journal_lock:
        JOURNAL.append((action, name))


class Recorder(resource.Resource):
    """A test-only type that journals its physical actions."""

    properties_schema = {
        'value': properties.Schema(properties.Schema.STRING, default=''),
        'label': properties.Schema(properties.Schema.STRING, default='',
                                   update_allowed=True),
    }

    def handle_create(self):
        _note('create', self.name)
        self.resource_id_set('%s-%s' % (self.name, uuid.uuid4().hex[:8]))

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        _note('update', self.name)

    def handle_delete(self):
        _note('delete', self.name)

    def handle_suspend(self):
        _note('suspend', self.name)

    def handle_resume(self):
        _note('resume', self.name)

    def handle_check(self):
        _note('check', self.name)


class DeleteFirst(Recorder):
    """A type that cannot exist twice: replaced by deleting first."""

    strict_dependency = False
    replace_before_create = False


resources.register('Test::Recorder', Recorder)
resources.register('Test::DeleteFirst', DeleteFirst)


def context():
    return ctx_mod.RequestContext(project_id=PROJECT, user_id='user-1',
                                  user_name='alice')


def hot(resources_section, outputs=None, parameters=None):
    tmpl = {'heat_template_version': '2018-08-31',
            'resources': resources_section}
    if outputs:
        tmpl['outputs'] = outputs
    if parameters:
        tmpl['parameters'] = parameters
    return tmpl


def make_stack(ctx, tmpl, name='teststack', params=None, files=None,
               **kwargs):
    env = environment.Environment({'parameters': params or {}})
    parsed = tmpl_mod.Template.create(tmpl, files=files, env=env)
    return stack_mod.Stack(ctx, name, parsed, **kwargs)


class StackTestCase(db_fixtures.DBTestCase):
    """A database and a context per test; the journal emptied."""

    def setUp(self):
        super().setUp()
        self.ctx = context()
        self.useFixture(fixtures.FakeLogger())
        del JOURNAL[:]
        self.addCleanup(config.CONF.clear_override,
                        'max_concurrent_resources')

    def create(self, tmpl, **kwargs):
        stack = make_stack(self.ctx, tmpl, **kwargs)
        stack.store()
        stack.create()
        return stack

    def events(self, stack):
        return [(e.resource_name, e.resource_action, e.resource_status,
                 e.resource_status_reason)
                for e in db_api.event_get_all_by_stack(self.ctx, stack.id,
                                                       PROJECT)]

    def resource_rows(self, stack):
        return db_api.resource_get_all_by_stack(self.ctx, stack.id)

    def journal(self, action):
        return [name for act, name in JOURNAL if act == action]


@db_fixtures.for_each_backend
class TestCreate(StackTestCase):

    def test_create_completes_every_resource(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder'},
            'b': {'type': 'Test::Recorder',
                  'properties': {'value': {'get_resource': 'a'}}}}))
        self.assertEqual(('CREATE', 'COMPLETE'), stack.state)
        self.assertEqual('Stack CREATE completed successfully',
                         stack.status_reason)
        self.assertEqual(['a', 'b'], self.journal('create'))
        for res in stack.resources.values():
            self.assertEqual(('CREATE', 'COMPLETE'), tuple(res.state))
        self.assertEqual(stack.resources['a'].resource_id,
                         stack.resources['b'].properties['value'])

    def test_every_state_change_writes_an_event(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        events = self.events(stack)
        self.assertEqual(
            [('teststack', 'CREATE', 'IN_PROGRESS', 'Stack CREATE started'),
             ('a', 'CREATE', 'IN_PROGRESS'),
             ('a', 'CREATE', 'COMPLETE'),
             ('teststack', 'CREATE', 'COMPLETE',
              'Stack CREATE completed successfully')],
            [e if e[0] == 'teststack' else e[:3] for e in events])
        rows = db_api.event_get_all_by_stack(self.ctx, stack.id, PROJECT)
        self.assertEqual(stack.id, rows[0].physical_resource_id)
        self.assertEqual('OS::Heat::Stack', rows[0].resource_type)
        self.assertEqual(stack.resources['a'].resource_id,
                         rows[2].physical_resource_id)

    def test_failure_mid_create_leaves_create_failed_with_reason(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder'},
            'bad': {'type': 'OS::Heat::TestResource',
                    'properties': {'fail': True}, 'depends_on': 'a'},
            'after': {'type': 'Test::Recorder', 'depends_on': 'bad'}}))
        self.assertEqual(('CREATE', 'FAILED'), stack.state)
        self.assertEqual('Resource CREATE failed: ValueError: resources.bad: '
                         'Test Resource failed bad', stack.status_reason)
        self.assertEqual(('CREATE', 'FAILED'),
                         tuple(stack.resources['bad'].state))
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(stack.resources['a'].state))
        # nothing after the failure was started
        self.assertEqual(('INIT', 'COMPLETE'),
                         tuple(stack.resources['after'].state))
        self.assertEqual(['a'], self.journal('create'))

    def test_rollback_removes_what_was_created(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder'},
            'bad': {'type': 'OS::Heat::TestResource',
                    'properties': {'fail': True}, 'depends_on': 'a'}}),
            disable_rollback=False)
        self.assertEqual(('ROLLBACK', 'COMPLETE'), stack.state)
        self.assertEqual('Stack ROLLBACK completed successfully',
                         stack.status_reason)
        self.assertEqual(['a'], self.journal('delete'))
        self.assertEqual([], self.resource_rows(stack))
        reasons = [e[3] for e in self.events(stack) if e[0] == 'teststack']
        self.assertEqual(['Stack CREATE started',
                          'Resource CREATE failed: ValueError: '
                          'resources.bad: Test Resource failed bad',
                          'Stack ROLLBACK started',
                          'Stack ROLLBACK completed successfully'], reasons)

    def test_delete_after_failed_create_leaves_nothing_behind(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder'},
            'bad': {'type': 'OS::Heat::TestResource',
                    'properties': {'fail': True}, 'depends_on': 'a'},
            'never': {'type': 'Test::Recorder', 'depends_on': 'bad'}}))
        self.assertEqual(('CREATE', 'FAILED'), stack.state)
        loaded = stack_mod.Stack.load(self.ctx, stack.id)
        loaded.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), loaded.state)
        self.assertEqual('Stack DELETE completed successfully',
                         loaded.status_reason)
        self.assertEqual(['a'], self.journal('delete'))
        self.assertRaises(exception.StackNotFound, stack_mod.Stack.load,
                          self.ctx, stack.id)
        # soft-deleted: the row, its template and events stay until purged
        self.assertEqual({'stack', 'raw_template', 'event'},
                         set(self.count_rows()))
        db_api.purge_deleted(None, 0)
        self.assertEqual({}, self.count_rows())

    def test_independent_resources_run_concurrently(self):
        tmpl = hot({'r%d' % i: {'type': 'OS::Heat::TestResource',
                                'properties': {'wait_secs': 0.3}}
                    for i in range(6)})
        start = time.monotonic()
        stack = self.create(tmpl)
        self.assertEqual(('CREATE', 'COMPLETE'), stack.state)
        self.assertLess(time.monotonic() - start, 1.5)

    def test_concurrency_is_bounded(self):
        config.CONF.set_override('max_concurrent_resources', 1)
        tmpl = hot({'r%d' % i: {'type': 'OS::Heat::TestResource',
                                'properties': {'wait_secs': 0.2}}
                    for i in range(3)})
        start = time.monotonic()
        stack = self.create(tmpl)
        self.assertEqual(('CREATE', 'COMPLETE'), stack.state)
        self.assertGreaterEqual(time.monotonic() - start, 0.6)

    def test_stack_timeout_fails_the_create(self):
        stack = make_stack(self.ctx, hot({
            'slow': {'type': 'OS::Heat::TestResource',
                     'properties': {'wait_secs': 30}}}),
            timeout_mins=0.005)
        stack.store()
        start = time.monotonic()
        stack.create()
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(('CREATE', 'FAILED'), stack.state)
        self.assertEqual('Create timed out', stack.status_reason)
        self.assertEqual(('CREATE', 'FAILED'),
                         tuple(stack.resources['slow'].state))

    def test_a_thousand_resources_store_their_template_once(self):
        tmpl = hot({'r%d' % i: {'type': 'OS::Heat::None'}
                    for i in range(1000)})
        stack = self.create(tmpl)
        self.assertEqual(('CREATE', 'COMPLETE'), stack.state)
        counts = self.count_rows()
        self.assertEqual(1, counts['raw_template'])
        self.assertEqual(1000, counts['resource'])


@db_fixtures.for_each_backend
class TestPersistence(StackTestCase):

    def test_store_and_load_round_trip(self):
        stack = make_stack(self.ctx, hot(
            {'a': {'type': 'Test::Recorder',
                   'properties': {'value': {'get_param': 'p'}}}},
            parameters={'p': {'type': 'string'}},
            outputs={'out': {'value': {'get_file': 'f.txt'}}}),
            params={'p': 'hello'}, files={'f.txt': 'content'},
            timeout_mins=7, disable_rollback=False, tags=['x', 'y'])
        stack.store()
        stack.create()
        loaded = stack_mod.Stack.load(self.ctx, stack.id)
        self.assertEqual('teststack', loaded.name)
        self.assertEqual(('CREATE', 'COMPLETE'), loaded.state)
        self.assertEqual(7, loaded.timeout_mins)
        self.assertFalse(loaded.disable_rollback)
        self.assertEqual(['x', 'y'], loaded.tags)
        self.assertEqual('hello', loaded.parameters['p'])
        self.assertEqual({'out': 'content'}, loaded.outputs())
        res = loaded.resources['a']
        self.assertEqual(stack.resources['a'].resource_id, res.resource_id)
        self.assertEqual(stack.resources['a'].id, res.id)
        self.assertEqual(('CREATE', 'COMPLETE'), tuple(res.state))
        self.assertEqual(stack.id, loaded.parameters['OS::stack_id'])
        self.assertEqual(PROJECT, loaded.identifier()['tenant'])

    def test_load_of_another_project_is_not_found(self):
        stack = make_stack(self.ctx, hot({}))
        stack.store()
        other = ctx_mod.RequestContext(project_id='someone-else')
        self.assertRaises(exception.StackNotFound, stack_mod.Stack.load,
                          other, stack.id)

    def test_nested_stack_links_to_its_parent(self):
        parent = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        child = make_stack(self.ctx, hot({}), name='child',
                           owner_id=parent.id, nested_depth=1,
                           parent_resource=parent.resources['a'])
        child.store()
        row = db_api.stack_get(self.ctx, child.id, PROJECT)
        self.assertEqual(parent.id, row.owner_id)
        self.assertEqual(1, row.nested_depth)
        self.assertEqual('a', row.parent_resource_name)
        self.assertEqual(parent.id, child.root_stack_id())
        self.assertEqual(1, child.total_resources())


@db_fixtures.for_each_backend
class TestDelete(StackTestCase):

    def test_delete_runs_in_reverse_dependency_order(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder'},
            'b': {'type': 'Test::Recorder', 'depends_on': 'a'},
            'c': {'type': 'Test::Recorder', 'depends_on': 'b'}}))
        stack.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), stack.state)
        self.assertEqual(['c', 'b', 'a'], self.journal('delete'))

    def test_retained_resource_is_not_deleted(self):
        stack = self.create(hot({
            'keep': {'type': 'Test::Recorder', 'deletion_policy': 'Retain'},
            'drop': {'type': 'Test::Recorder'}}))
        stack.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), stack.state)
        self.assertEqual(['drop'], self.journal('delete'))

    def test_failed_delete_reports_the_resource(self):
        class Stubborn(Recorder):
            def handle_delete(self):
                raise RuntimeError('still in use')

        resources.register('Test::Stubborn', Stubborn)
        self.addCleanup(resources.unregister, 'Test::Stubborn')
        stack = self.create(hot({'s': {'type': 'Test::Stubborn'}}))
        stack.delete()
        self.assertEqual(('DELETE', 'FAILED'), stack.state)
        self.assertEqual('Resource DELETE failed: RuntimeError: '
                         'resources.s: still in use', stack.status_reason)
        self.assertIsNotNone(stack_mod.Stack.load(self.ctx, stack.id))

    def test_credentials_are_removed_with_the_stack(self):
        stack = self.create(hot({}))
        self.assertIsNotNone(stack.user_creds_id)
        stack.delete()
        self.assertNotIn('user_creds', self.count_rows())


@db_fixtures.for_each_backend
class TestOtherActions(StackTestCase):

    def test_suspend_and_resume(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder'},
            'b': {'type': 'Test::Recorder', 'depends_on': 'a'}}))
        stack.suspend()
        self.assertEqual(('SUSPEND', 'COMPLETE'), stack.state)
        self.assertEqual('Stack SUSPEND completed successfully',
                         stack.status_reason)
        self.assertEqual(['b', 'a'], self.journal('suspend'))
        stack.resume()
        self.assertEqual(('RESUME', 'COMPLETE'), stack.state)
        self.assertEqual(['a', 'b'], self.journal('resume'))
        for res in stack.resources.values():
            self.assertEqual(('RESUME', 'COMPLETE'), tuple(res.state))

    def test_check(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        stack.check()
        self.assertEqual(('CHECK', 'COMPLETE'), stack.state)
        self.assertEqual('Stack CHECK completed successfully',
                         stack.status_reason)
        self.assertEqual(['a'], self.journal('check'))

    def test_check_of_a_type_without_check_says_so(self):
        stack = self.create(hot({'n': {'type': 'OS::Heat::None'}}))
        stack.check()
        self.assertEqual(('CHECK', 'COMPLETE'), stack.state)
        self.assertEqual("Stack CHECK completed successfully. 'CHECK' not "
                         "fully supported (see resources)",
                         stack.status_reason)

    def test_abandon_keeps_the_resources_and_adopt_takes_them_back(self):
        tmpl = hot({'a': {'type': 'Test::Recorder'}})
        stack = self.create(tmpl)
        physical = stack.resources['a'].resource_id
        data = stack.abandon()
        self.assertEqual([], self.journal('delete'))
        self.assertEqual('teststack', data['name'])
        self.assertEqual(stack.id, data['id'])
        self.assertEqual(tmpl, data['template'])
        self.assertEqual({'name': 'a', 'resource_id': physical,
                          'type': 'Test::Recorder', 'action': 'CREATE',
                          'status': 'COMPLETE', 'metadata': {},
                          'resource_data': {}}, data['resources']['a'])
        self.assertEqual(('DELETE', 'COMPLETE'), stack.state)

        adopted = make_stack(self.ctx, data['template'], name='adopted',
                             adopt_stack_data=data)
        adopted.store()
        adopted.adopt()
        self.assertEqual(('ADOPT', 'COMPLETE'), adopted.state)
        self.assertEqual(physical, adopted.resources['a'].resource_id)
        self.assertEqual(['a'], self.journal('create'))  # the first only

    def test_preview_lists_the_resources_without_creating(self):
        stack = make_stack(self.ctx, hot({
            'a': {'type': 'Test::Recorder'},
            'b': {'type': 'OS::Heat::None'}}))
        preview = stack.preview_resources()
        self.assertEqual(['a', 'b'], [getattr(r, 'name', None)
                                      for r in preview])
        self.assertEqual({}, self.count_rows())

    def test_outputs_resolve_against_the_resources(self):
        stack = self.create(hot(
            {'a': {'type': 'Test::Recorder'}},
            outputs={'ref': {'value': {'get_resource': 'a'}},
                     'bad': {'value': {'get_attr': ['a', 'nope']}}}))
        values = stack.outputs()
        self.assertEqual(stack.resources['a'].resource_id, values['ref'])
        self.assertEqual(stack.resources['a'].resource_id,
                         stack.output('ref'))
        self.assertRaises(exception.NotFound, stack.output, 'missing')

    def test_validate_reports_a_bad_property(self):
        stack = make_stack(self.ctx, hot({
            'a': {'type': 'Test::Recorder',
                  'properties': {'nope': 1}}}))
        self.assertRaises(exception.StackValidationFailed, stack.validate)

    def test_validate_enforces_the_resource_limit(self):
        config.CONF.set_override('max_resources_per_stack', 2)
        self.addCleanup(config.CONF.clear_override,
                        'max_resources_per_stack')
        stack = make_stack(self.ctx, hot({
            'r%d' % i: {'type': 'OS::Heat::None'} for i in range(3)}))
        exc = self.assertRaises(exception.RequestLimitExceeded,
                                stack.validate)
        self.assertIn('maximum resources per stack', str(exc))



def _nested(resources_section):
    import json
    return json.dumps(hot(resources_section))


@db_fixtures.for_each_backend
class TestNested(StackTestCase):

    def test_suspend_and_resume_recurse_into_nested_stacks(self):
        stack = self.create(hot({'n': {
            'type': 'OS::Heat::Stack',
            'properties': {'template': _nested(
                {'x': {'type': 'Test::Recorder'}})}}}))
        self.assertEqual(('CREATE', 'COMPLETE'), stack.state)
        stack.suspend()
        self.assertEqual(('SUSPEND', 'COMPLETE'), stack.state)
        nested = stack_mod.Stack.load(self.ctx,
                                      stack.resources['n'].resource_id)
        self.assertEqual(('SUSPEND', 'COMPLETE'), nested.state)
        self.assertEqual(stack.id, nested.owner_id)
        self.assertEqual(1, nested.nested_depth)
        self.assertEqual(['x'], self.journal('suspend'))
        stack.resume()
        nested = stack_mod.Stack.load(self.ctx,
                                      stack.resources['n'].resource_id)
        self.assertEqual(('RESUME', 'COMPLETE'), nested.state)
        self.assertEqual(['x'], self.journal('resume'))
        self.assertEqual(2, stack.total_resources())

    def test_delete_takes_nested_stacks_with_it(self):
        stack = self.create(hot({'n': {
            'type': 'OS::Heat::Stack',
            'properties': {'template': _nested(
                {'x': {'type': 'Test::Recorder'}})}}}))
        stack.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), stack.state)
        self.assertEqual(['x'], self.journal('delete'))
        db_api.purge_deleted(None, 0)
        self.assertEqual({}, self.count_rows())

    def test_parent_deadline_reaches_the_nested_stack(self):
        stack = make_stack(self.ctx, hot({'n': {
            'type': 'OS::Heat::Stack',
            'properties': {'template': _nested(
                {'slow': {'type': 'OS::Heat::TestResource',
                          'properties': {
                              'action_wait_secs': {'create': -1}}}}),
                'timeout': 60}}}),
            timeout_mins=0.005)
        stack.store()
        start = time.monotonic()
        stack.create()
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(('CREATE', 'FAILED'), stack.state)
        self.assertEqual('Create timed out', stack.status_reason)
