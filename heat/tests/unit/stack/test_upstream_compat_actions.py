"""Engine behaviour upstream Heat's functional tests rely on (issue 12),
second part: restricted actions for wildcard names, cancel without
rollback, check after a failed create."""

import json
import threading

from heat.engine import stack as stack_mod
from heat.tests import db_fixtures
from heat.tests.unit.stack import test_stack as base
from heat.tests.unit.stack import test_upstream_compat_engine as compat
from heat.tests.unit.stack.test_stack_update import _wait_for

hot = compat.hot
REPLACE_RESTRICTED = compat.REPLACE_RESTRICTED


def restricted_for(name, *actions):
    return {'resource_registry': {'resources': {
        name: {'restricted_actions': list(actions)}}}}


@db_fixtures.for_each_backend
class TestRestrictedActionsByPattern(compat.EngineCompatCase):

    def test_replace_restricted_by_a_wildcard_name_refuses_a_replace(self):
        stack = self.create_with(hot({'bar': {
            'type': 'Test::Recorder', 'properties': {'value': 'one'}}}))
        changed = hot({'bar': {'type': 'Test::Recorder',
                               'properties': {'value': 'two'}}})
        self.update_with(stack, changed, restricted_for('*ar', 'replace'))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertIn(REPLACE_RESTRICTED, stack.status_reason)

    def test_replace_restricted_again_after_a_refused_update(self):
        stack = self.create_with(hot({'bar': {
            'type': 'Test::Recorder', 'properties': {'value': 'one'}}}))
        changed = hot({'bar': {'type': 'Test::Recorder',
                               'properties': {'value': 'two'}}})
        self.update_with(stack, changed,
                         restricted_for('bar', 'update', 'replace'))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        stack = stack_mod.Stack.load(self.ctx, stack.id)
        self.update_with(stack, changed, restricted_for('*ar', 'replace'))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertIn(REPLACE_RESTRICTED, stack.status_reason)

    def test_update_refused_before_is_made_once_allowed(self):
        def bar(value):
            return hot({'bar': {'type': 'OS::Heat::TestResource',
                                'properties': {'value': value,
                                               'update_replace': False}}})
        stack = self.create_with(bar('1234'))
        physical = stack.resources['bar'].resource_id
        changed = bar('4567')
        self.update_with(stack, changed,
                         restricted_for('bar', 'update', 'replace'))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        stack = stack_mod.Stack.load(self.ctx, stack.id)
        self.update_with(stack, changed, restricted_for('*ar', 'replace'))
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state,
                         stack.status_reason)
        self.assertEqual(('UPDATE', 'COMPLETE'),
                         tuple(stack.resources['bar'].state))
        self.assertEqual(physical, stack.resources['bar'].resource_id)


def waiting_pair(value='one', create_secs=0, update_secs=0):
    """``test1`` slow to create or update, ``test2`` after it."""
    return hot({
        'test1': {'type': 'OS::Heat::TestResource',
                  'properties': {'value': value, 'action_wait_secs': {
                      'create': create_secs, 'update': update_secs}}},
        'test2': {'type': 'OS::Heat::TestResource',
                  'properties': {'value': value},
                  'depends_on': ['test1']}})


@db_fixtures.for_each_backend
class TestCancelWithoutRollback(compat.EngineCompatCase):
    """Upstream: a cancel without rollback starts nothing new but lets
    the resources in progress finish; the action ends FAILED,
    "Stack <action> cancelled", and is not rolled back."""

    def _cancel_when_in_progress(self, stack, target):
        worker = threading.Thread(target=target)
        worker.start()
        self.addCleanup(worker.join, 30)
        self.assertTrue(_wait_for(
            lambda: stack.resources['test1'].status == 'IN_PROGRESS'))
        other = stack_mod.Stack.load(self.ctx, stack.id)
        self.assertTrue(other.cancel(rollback=False, let_finish=True))
        worker.join(30)
        self.assertFalse(worker.is_alive())

    def test_cancel_create_lets_the_running_resource_finish(self):
        stack = compat.make_stack(self.ctx, waiting_pair(create_secs=1),
                                  disable_rollback=False)
        stack.store()
        self._cancel_when_in_progress(stack, stack.create)
        self.assertEqual(('CREATE', 'FAILED'), stack.state)
        self.assertEqual('Stack CREATE cancelled', stack.status_reason)
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(stack.resources['test1'].state))
        self.assertEqual(('INIT', 'COMPLETE'),
                         tuple(stack.resources['test2'].state))

    def test_cancel_update_lets_the_running_resource_finish(self):
        stack = self.create_with(waiting_pair(update_secs=1))
        changed = compat.make_stack(
            self.ctx, waiting_pair('two', update_secs=1),
            disable_rollback=False)
        self._cancel_when_in_progress(stack,
                                      lambda: stack.update(changed))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertEqual('Stack UPDATE cancelled', stack.status_reason)
        self.assertEqual(('UPDATE', 'COMPLETE'),
                         tuple(stack.resources['test1'].state))
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(stack.resources['test2'].state))


@db_fixtures.for_each_backend
class TestCheckAfterAFailure(compat.EngineCompatCase):
    """Upstream: a stack check goes on past a failed resource, but what
    depends on it is not checked (a resource never created stays
    INIT_COMPLETE even when its type has a check)."""

    def test_check_leaves_what_depends_on_a_failed_check_alone(self):
        stack = compat.make_stack(self.ctx, hot({
            'check_succeed': {'type': 'OS::Heat::TestResource'},
            'check_failed': {'type': 'OS::Heat::TestResource',
                             'properties': {'fail': True}},
            'check_deps_failed': {'type': 'OS::Heat::TestResource',
                                  'depends_on': 'check_failed'},
            'check_deps_deps_failed': {
                'type': 'OS::Heat::TestResource',
                'depends_on': 'check_deps_failed'}}))
        stack.store()
        stack.create()
        self.assertEqual(('CREATE', 'FAILED'), stack.state)
        stack.check()
        self.assertEqual(('CHECK', 'FAILED'), stack.state)
        states = {name: tuple(res.state)
                  for name, res in stack.resources.items()}
        self.assertEqual({
            'check_succeed': ('CHECK', 'COMPLETE'),
            'check_failed': ('CHECK', 'FAILED'),
            'check_deps_failed': ('INIT', 'COMPLETE'),
            'check_deps_deps_failed': ('INIT', 'COMPLETE')}, states)


@db_fixtures.for_each_backend
class TestProviderAttributesAtValidation(compat.EngineCompatCase):
    """Upstream: get_attr of a provider-template resource is not judged
    against the outputs of the template given now (an update may bring
    files whose template lacks them while another update runs)."""

    def test_get_attr_of_an_output_the_provider_lacks_validates(self):
        provider = {'heat_template_version': 'queens',
                    'resources': {}}
        stack = base.make_stack(
            self.ctx, hot({'nested_stack': {'type': 'preempt.yaml'}},
                          outputs={'delay_stack': {'value': {'get_attr': [
                              'nested_stack', 'delay_stack']}}}),
            files={'preempt.yaml': json.dumps(provider)})
        stack.validate()
