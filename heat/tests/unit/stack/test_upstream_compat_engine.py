"""Engine behaviour upstream Heat's functional tests rely on (issue 12):
restricted updates leave an event, a pre-update hook pauses even an
unchanged resource; on a real database."""

import threading

from heat.engine import environment
from heat.engine import stack as stack_mod
from heat.engine import template as tmpl_mod
from heat.tests import db_fixtures
from heat.tests.unit.stack import test_stack as base
from heat.tests.unit.stack.test_stack_update import _wait_for

hot = base.hot

UPDATE_RESTRICTED = 'update is restricted for resource.'
REPLACE_RESTRICTED = 'replace is restricted for resource.'


def make_stack(ctx, tmpl, env=None, name='teststack', **kwargs):
    parsed = tmpl_mod.Template.create(
        tmpl, env=environment.Environment(env or {}))
    return stack_mod.Stack(ctx, name, parsed, **kwargs)


def restricted(*actions):
    return {'resource_registry': {'resources': {
        'a': {'restricted_actions': list(actions)}}}}


def hooked(hook, name='a'):
    return {'resource_registry': {'resources': {name: {'hooks': hook}}}}


class EngineCompatCase(base.StackTestCase):

    def create_with(self, tmpl, env=None, **kwargs):
        stack = make_stack(self.ctx, tmpl, env, **kwargs)
        stack.store()
        stack.create()
        self.assertEqual(('CREATE', 'COMPLETE'), stack.state,
                         stack.status_reason)
        return stack

    def update_with(self, stack, tmpl, env=None):
        stack.update(make_stack(self.ctx, tmpl, env))
        return stack

    def reasons(self, stack, name):
        return [e[3] for e in self.events(stack) if e[0] == name]


@db_fixtures.for_each_backend
class TestRestrictedActions(EngineCompatCase):
    """Upstream: a refused update or replacement fails the stack update,
    leaves the resource as it was and records an UPDATE_FAILED event of
    the resource with the reason."""

    def test_restricted_update_records_an_event_with_the_reason(self):
        tmpl = hot({'a': {'type': 'Test::Recorder',
                          'properties': {'label': 'one'}}})
        stack = self.create_with(tmpl)
        changed = hot({'a': {'type': 'Test::Recorder',
                             'properties': {'label': 'two'}}})
        self.update_with(stack, changed, restricted('update', 'replace'))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertIn(UPDATE_RESTRICTED, stack.status_reason)
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(stack.resources['a'].state))
        self.assertIn(('a', 'UPDATE', 'FAILED', UPDATE_RESTRICTED),
                      self.events(stack))
        self.assertEqual([], self.journal('update'))

    def test_restricted_replace_records_an_event_with_the_reason(self):
        stack = self.create_with(hot({'a': {
            'type': 'Test::Recorder', 'properties': {'value': 'one'}}}))
        physical = stack.resources['a'].resource_id
        changed = hot({'a': {'type': 'Test::Recorder',
                             'properties': {'value': 'two'}}})
        self.update_with(stack, changed, restricted('replace'))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertIn(REPLACE_RESTRICTED, stack.status_reason)
        self.assertEqual(physical, stack.resources['a'].resource_id)
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(stack.resources['a'].state))
        self.assertEqual([REPLACE_RESTRICTED],
                         [r for r in self.reasons(stack, 'a')
                          if 'restricted' in r])
        self.assertIn(('a', 'UPDATE', 'FAILED', REPLACE_RESTRICTED),
                      self.events(stack))

    def test_restricted_type_change_records_a_replace_event(self):
        stack = self.create_with(hot({'a': {'type': 'Test::Recorder'}}))
        self.update_with(stack, hot({'a': {'type': 'OS::Heat::None'}}),
                         restricted('update', 'replace'))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertIn(('a', 'UPDATE', 'FAILED', REPLACE_RESTRICTED),
                      self.events(stack))
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(stack.resources['a'].state))

    def test_only_replace_restricted_lets_an_update_through(self):
        stack = self.create_with(hot({'a': {
            'type': 'Test::Recorder', 'properties': {'label': 'one'}}}))
        self.update_with(stack, hot({'a': {
            'type': 'Test::Recorder', 'properties': {'label': 'two'}}}),
            restricted('replace'))
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        self.assertEqual([], [r for r in self.reasons(stack, 'a')
                              if 'restricted' in (r or '')])


@db_fixtures.for_each_backend
class TestPreUpdateHook(EngineCompatCase):
    """Upstream asks every resource of an update, so a pre-update hook
    pauses even when the resource's definition is unchanged (upstream's
    HooksTest.test_hook_pre_update_nochange)."""

    def test_pre_update_hook_pauses_an_unchanged_resource(self):
        tmpl = hot({'a': {'type': 'Test::Recorder',
                          'properties': {'label': 'same'}},
                    'b': {'type': 'Test::Recorder'}})
        env = hooked('pre-update')
        stack = self.create_with(tmpl, env)
        physical = stack.resources['a'].resource_id
        worker = threading.Thread(
            target=self.update_with, args=(stack, tmpl, env))
        worker.start()
        self.addCleanup(worker.join, 10)
        paused = 'UPDATE paused until Hook pre-update is cleared'
        self.assertTrue(_wait_for(
            lambda: paused in self.reasons(stack, 'a')),
            self.events(stack))
        self.assertTrue(worker.is_alive())
        self.assertIn(('a', 'CREATE', 'COMPLETE', paused),
                      self.events(stack))
        self.assertEqual(['UPDATE', 'IN_PROGRESS'],
                         [stack_mod.Stack.load(self.ctx, stack.id).action,
                          stack_mod.Stack.load(self.ctx, stack.id).status])
        signaller = stack_mod.Stack.load(self.ctx, stack.id)
        signaller.resources['a'].signal({'unset_hook': 'pre-update'})
        worker.join(10)
        self.assertFalse(worker.is_alive())
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state,
                         stack.status_reason)
        self.assertIn('Hook pre-update is cleared',
                      self.reasons(stack, 'a'))
        self.assertEqual(physical, stack.resources['a'].resource_id)
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(stack.resources['a'].state))
        self.assertEqual([], self.journal('update'))

    def test_unchanged_resource_without_hook_is_left_alone(self):
        tmpl = hot({'a': {'type': 'Test::Recorder'}})
        env = hooked('pre-update', name='other')
        stack = self.create_with(tmpl, env)
        before = len(self.events(stack))
        self.update_with(stack, tmpl, env)
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        self.assertEqual([], [e for e in self.events(stack)[before:]
                              if e[0] == 'a'])


@db_fixtures.for_each_backend
class TestCheckAfterFailedCreate(EngineCompatCase):
    """Upstream: a stack check leaves a resource never created as it is
    (INIT_COMPLETE, no event) when its type has no check of its own:
    CHECK_COMPLETE would say it was checked and exists."""

    def test_check_skips_a_resource_never_created(self):
        stack = make_stack(self.ctx, hot({
            'bad': {'type': 'OS::Heat::TestResource',
                    'properties': {'fail': True}},
            'never': {'type': 'OS::Heat::None', 'depends_on': 'bad'}}))
        stack.store()
        stack.create()
        self.assertEqual(('CREATE', 'FAILED'), stack.state)
        self.assertEqual(('INIT', 'COMPLETE'),
                         tuple(stack.resources['never'].state))
        before = self.events(stack)
        stack.check()
        self.assertEqual('CHECK', stack.action)
        self.assertEqual(('INIT', 'COMPLETE'),
                         tuple(stack.resources['never'].state))
        self.assertEqual([], [e for e in self.events(stack)[len(before):]
                              if e[0] == 'never'])
        row, = [r for r in self.resource_rows(stack) if r.name == 'never']
        self.assertEqual(('INIT', 'COMPLETE'), (row.action, row.status))
