"""Stack update: add, remove, update in place, replace, rollback, cancel,
PATCH, preview; on a real database."""

import threading
import time

from heat.db import api as db_api
from heat.engine import stack as stack_mod
from heat.tests import db_fixtures
from heat.tests.unit.stack import test_stack as base

hot = base.hot
make_stack = base.make_stack


def _wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@db_fixtures.for_each_backend
class TestUpdate(base.StackTestCase):

    def update(self, stack, tmpl, **kwargs):
        new = make_stack(self.ctx, tmpl, **kwargs)
        stack.update(new)
        return stack

    def test_add_and_remove_resources(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'},
                                 'gone': {'type': 'Test::Recorder'}}))
        self.update(stack, hot({'a': {'type': 'Test::Recorder'},
                                'new': {'type': 'Test::Recorder'}}))
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        self.assertEqual('Stack successfully updated', stack.status_reason)
        self.assertEqual(['a', 'new'], list(stack.resources))
        self.assertEqual(['gone'], self.journal('delete'))
        # 'a' and 'gone' are independent, so they are created
        # concurrently, in either order; 'new' comes with the update.
        created = self.journal('create')
        self.assertEqual({'a', 'gone'}, set(created[:2]))
        self.assertEqual(['new'], created[2:])
        self.assertEqual({'a', 'new'},
                         {r.name for r in self.resource_rows(stack)})

    def test_update_allowed_property_is_updated_in_place(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder',
                                       'properties': {'label': 'one'}}}))
        physical = stack.resources['a'].resource_id
        self.update(stack, hot({'a': {'type': 'Test::Recorder',
                                      'properties': {'label': 'two'}}}))
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        res = stack.resources['a']
        self.assertEqual(physical, res.resource_id)
        self.assertEqual(('UPDATE', 'COMPLETE'), tuple(res.state))
        self.assertEqual('two', res.properties['label'])
        self.assertEqual(['a'], self.journal('update'))
        self.assertEqual([], self.journal('delete'))

    def test_adding_or_removing_external_id_is_refused(self):
        # as upstream: an external_id appearing, changing or going in an
        # update is "Update to property external_id ... not supported"
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        self.update(stack, hot({'a': {'type': 'Test::Recorder',
                                      'external_id': 'adopted-1'}}))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertIn('Update to property external_id of a '
                      '(Test::Recorder) is not supported',
                      stack.status_reason)
        stack = self.create(hot({'b': {'type': 'Test::Recorder',
                                       'external_id': 'adopted-2'}}),
                            name='second')
        self.assertEqual(('CREATE', 'COMPLETE'), stack.state)
        self.update(stack, hot({'b': {'type': 'Test::Recorder'}}),
                    name='second')
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertIn('Update to property external_id of b',
                      stack.status_reason)

    def test_unchanged_resource_is_left_alone(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        self.update(stack, hot({'a': {'type': 'Test::Recorder'}}))
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(stack.resources['a'].state))
        self.assertEqual([], self.journal('update'))

    def test_replacement_is_created_before_the_old_is_deleted(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder', 'properties': {'value': '1'}},
            'b': {'type': 'Test::Recorder',
                  'properties': {'label': {'get_resource': 'a'}}}}))
        old_a = stack.resources['a'].resource_id
        b_physical = stack.resources['b'].resource_id
        del base.JOURNAL[:]
        self.update(stack, hot({
            'a': {'type': 'Test::Recorder', 'properties': {'value': '2'}},
            'b': {'type': 'Test::Recorder',
                  'properties': {'label': {'get_resource': 'a'}}}}))
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        new_a = stack.resources['a'].resource_id
        self.assertNotEqual(old_a, new_a)
        # the new one first, then the dependent updated, then the old gone
        self.assertEqual([('create', 'a'), ('update', 'b'),
                          ('delete', 'a')], base.JOURNAL)
        self.assertEqual(new_a, stack.resources['b'].properties['label'])
        self.assertEqual(b_physical, stack.resources['b'].resource_id)
        rows = self.resource_rows(stack)
        self.assertEqual(2, len(rows))
        loaded = stack_mod.Stack.load(self.ctx, stack.id)
        self.assertEqual(new_a, loaded.resources['a'].resource_id)

    def test_type_may_ask_for_the_old_one_to_go_first(self):
        stack = self.create(hot({
            'a': {'type': 'Test::DeleteFirst', 'properties': {'value': '1'}}}))
        del base.JOURNAL[:]
        self.update(stack, hot({
            'a': {'type': 'Test::DeleteFirst', 'properties': {'value': '2'}}}))
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        self.assertEqual([('delete', 'a'), ('create', 'a')], base.JOURNAL)

    def test_template_is_stored_once_and_the_old_one_dropped(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        self.update(stack, hot({'b': {'type': 'Test::Recorder'}}))
        self.assertEqual(1, self.count_rows()['raw_template'])
        loaded = stack_mod.Stack.load(self.ctx, stack.id)
        self.assertEqual(['b'], list(loaded.resources))
        self.assertIsNone(loaded.prev_raw_template_id)

    def test_parameters_change_flows_into_properties(self):
        tmpl = hot({'a': {'type': 'Test::Recorder',
                          'properties': {'label': {'get_param': 'p'}}}},
                   parameters={'p': {'type': 'string'}})
        stack = self.create(tmpl, params={'p': 'one'})
        self.update(stack, tmpl, params={'p': 'two'})
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        self.assertEqual('two', stack.resources['a'].properties['label'])
        self.assertEqual(['a'], self.journal('update'))

    def test_failed_update_without_rollback(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        self.update(stack, hot({
            'a': {'type': 'Test::Recorder'},
            'bad': {'type': 'OS::Heat::TestResource',
                    'properties': {'fail': True}}}))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertEqual('ValueError: resources.bad: Test Resource failed '
                         'bad', stack.status_reason)
        self.assertEqual(('CREATE', 'FAILED'),
                         tuple(stack.resources['bad'].state))

    def test_failed_update_rolls_back(self):
        tmpl = hot({'a': {'type': 'Test::Recorder'}})
        stack = self.create(tmpl, disable_rollback=False)
        physical = stack.resources['a'].resource_id
        self.update(stack, hot({
            'a': {'type': 'Test::Recorder'},
            'bad': {'type': 'OS::Heat::TestResource',
                    'properties': {'fail': True}, 'depends_on': 'a'}}),
            disable_rollback=False)
        self.assertEqual(('ROLLBACK', 'COMPLETE'), stack.state)
        self.assertEqual('Stack rollback completed', stack.status_reason)
        self.assertEqual(['a'], list(stack.resources))
        self.assertEqual(physical, stack.resources['a'].resource_id)
        self.assertEqual(['a'], [r.name for r in self.resource_rows(stack)])
        loaded = stack_mod.Stack.load(self.ctx, stack.id)
        self.assertEqual(tmpl, loaded.t.t)
        self.assertEqual(1, self.count_rows()['raw_template'])
        reasons = [e[3] for e in self.events(stack)
                   if e[0] == 'teststack'][2:]
        self.assertEqual(['Stack UPDATE started',
                          'ValueError: resources.bad: Test Resource failed '
                          'bad',
                          'Stack ROLLBACK started',
                          'Stack rollback completed'], reasons)

    def test_rollback_puts_the_replaced_resource_back(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder', 'properties': {'value': '1'}},
            'bad': {'type': 'Test::Recorder', 'depends_on': 'a'}}),
            disable_rollback=False)
        physical = stack.resources['a'].resource_id
        self.update(stack, hot({
            'a': {'type': 'Test::Recorder', 'properties': {'value': '2'}},
            'bad': {'type': 'OS::Heat::TestResource', 'depends_on': 'a',
                    'properties': {'fail': True}}}),
            disable_rollback=False)
        self.assertEqual(('ROLLBACK', 'COMPLETE'), stack.state)
        self.assertEqual(physical, stack.resources['a'].resource_id)
        self.assertEqual({'a', 'bad'},
                         {r.name for r in self.resource_rows(stack)})
        self.assertEqual(2, len(self.resource_rows(stack)))

    def test_delete_after_failed_update_removes_everything(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder', 'properties': {'value': '1'}},
            'b': {'type': 'Test::Recorder', 'depends_on': 'a'}}))
        # a is replaced; b's replacement fails, so the old a and b stay
        self.update(stack, hot({
            'a': {'type': 'Test::Recorder', 'properties': {'value': '2'}},
            'b': {'type': 'OS::Heat::TestResource', 'depends_on': 'a',
                  'properties': {'fail': True}}}))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        loaded = stack_mod.Stack.load(self.ctx, stack.id)
        self.assertEqual(['a', 'b'], sorted(
            r.name for r in loaded.replaced_resources()))
        self.assertEqual(4, len(self.resource_rows(stack)))
        loaded.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), loaded.state)
        self.assertEqual(['a', 'a', 'b'], sorted(self.journal('delete')))
        db_api.purge_deleted(None, 0)
        self.assertEqual({}, self.count_rows())

    def test_update_timeout(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        self.update(stack, hot({
            'a': {'type': 'Test::Recorder'},
            'slow': {'type': 'OS::Heat::TestResource',
                     'properties': {'wait_secs': 30}}}),
            timeout_mins=0.005)
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertEqual('Timed out', stack.status_reason)

    def _start_slow_update(self, stack, disable_rollback):
        new = make_stack(self.ctx, hot({
            'a': {'type': 'Test::Recorder'},
            'slow': {'type': 'OS::Heat::TestResource',
                     'properties': {'action_wait_secs': {'create': -1}}}}),
            disable_rollback=disable_rollback)
        thread = threading.Thread(target=stack.update, args=(new,))
        thread.start()
        self.assertTrue(_wait_for(
            lambda: stack.resources.get('slow') is not None and
            stack.resources['slow'].status == 'IN_PROGRESS'))
        return thread

    def test_cancel_update_with_rollback(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        thread = self._start_slow_update(stack, disable_rollback=True)
        other = stack_mod.Stack.load(self.ctx, stack.id)
        self.assertTrue(other.cancel(rollback=True))
        thread.join(10)
        self.assertFalse(thread.is_alive())
        self.assertEqual(('ROLLBACK', 'COMPLETE'), stack.state)
        self.assertEqual(['a'], list(stack.resources))
        reasons = [e[3] for e in self.events(stack) if e[0] == 'teststack']
        self.assertIn('Operation cancelled', reasons)

    def test_cancel_update_without_rollback(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}),
                            disable_rollback=False)
        thread = self._start_slow_update(stack, disable_rollback=False)
        self.assertTrue(stack.cancel(rollback=False))
        thread.join(10)
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertEqual('Operation cancelled', stack.status_reason)
        self.assertEqual(('CREATE', 'FAILED'),
                         tuple(stack.resources['slow'].state))

    def test_cancel_with_nothing_running(self):
        stack = self.create(hot({}))
        self.assertFalse(stack.cancel())


@db_fixtures.for_each_backend
class TestPatchAndPreview(base.StackTestCase):

    def test_patch_reuses_template_environment_and_files(self):
        tmpl = hot({'a': {'type': 'Test::Recorder',
                          'properties': {'label': {'get_param': 'p'},
                                         'value': {'get_file': 'f'}}}},
                   parameters={'p': {'type': 'string'},
                               'q': {'type': 'string', 'default': 'd'}})
        stack = self.create(tmpl, params={'p': 'one', 'q': 'kept'},
                            files={'f': 'file-content'})
        new = stack.patched(params={'p': 'two'})
        self.assertEqual('two', new.parameters['p'])
        self.assertEqual('kept', new.parameters['q'])
        self.assertEqual({'f': 'file-content'}, dict(new.files))
        stack.update(new)
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        self.assertEqual('two', stack.resources['a'].properties['label'])
        cleared = stack.patched(clear_parameters=['q'])
        self.assertEqual('d', cleared.parameters['q'])

    def test_preview_update(self):
        stack = self.create(hot({
            'same': {'type': 'Test::Recorder'},
            'inplace': {'type': 'Test::Recorder',
                        'properties': {'label': 'x'}},
            'replace': {'type': 'Test::Recorder',
                        'properties': {'value': 'x'}},
            'gone': {'type': 'Test::Recorder'},
            'ref': {'type': 'Test::Recorder',
                    'properties': {'label': {'get_resource': 'same'}}}}))
        new = make_stack(self.ctx, hot({
            'same': {'type': 'Test::Recorder'},
            'ref': {'type': 'Test::Recorder',
                    'properties': {'label': {'get_resource': 'same'}}},
            'inplace': {'type': 'Test::Recorder',
                        'properties': {'label': 'y'}},
            'replace': {'type': 'Test::Recorder',
                        'properties': {'value': 'y'}},
            'added': {'type': 'Test::Recorder'}}))
        self.assertEqual({'unchanged': ['same', 'ref'],
                          'updated': ['inplace'],
                          'replaced': ['replace'], 'added': ['added'],
                          'deleted': ['gone']}, stack.preview_update(new))
        self.assertEqual(('CREATE', 'COMPLETE'), stack.state)


@db_fixtures.for_each_backend
class TestUnchanged(base.StackTestCase):

    def test_resource_whose_resolved_values_stay_is_not_touched(self):
        tmpl = hot({'a': {'type': 'Test::Recorder'},
                    'b': {'type': 'Test::Recorder',
                          'properties': {'label': {'get_resource': 'a'}}}})
        stack = self.create(tmpl)
        events = len(self.events(stack))
        stack.update(make_stack(self.ctx, tmpl))
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        self.assertEqual([], self.journal('update'))
        # only the stack's own two events
        self.assertEqual(events + 2, len(self.events(stack)))

    def test_second_update_after_a_failed_one_cleans_up_once(self):
        stack = self.create(hot({
            'a': {'type': 'Test::Recorder', 'properties': {'value': '1'}},
            'b': {'type': 'Test::Recorder', 'depends_on': 'a'}}))
        stack.update(make_stack(self.ctx, hot({
            'a': {'type': 'Test::Recorder', 'properties': {'value': '2'}},
            'b': {'type': 'OS::Heat::TestResource', 'depends_on': 'a',
                  'properties': {'fail': True}}})))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        loaded = stack_mod.Stack.load(self.ctx, stack.id)
        good = hot({'a': {'type': 'Test::Recorder',
                          'properties': {'value': '2'}},
                    'b': {'type': 'OS::Heat::TestResource',
                          'depends_on': 'a'}})
        loaded.update(make_stack(self.ctx, good))
        self.assertEqual(('UPDATE', 'COMPLETE'), loaded.state)
        self.assertEqual(2, len(self.resource_rows(loaded)))
        loaded.update(make_stack(self.ctx, hot({
            'a': {'type': 'Test::Recorder', 'properties': {'value': '2'}}})))
        self.assertEqual(('UPDATE', 'COMPLETE'), loaded.state)
        self.assertEqual(['a'], [r.name for r in self.resource_rows(loaded)])
        self.assertEqual([], loaded.replaced_resources())

    def test_parameter_change_touches_only_what_uses_it(self):
        tmpl = hot({'a': {'type': 'Test::Recorder',
                          'properties': {'label': {'get_param': 'p'}}},
                    'b': {'type': 'Test::Recorder',
                          'properties': {'label': {'get_resource': 'a'}}}},
                   parameters={'p': {'type': 'string'}})
        stack = self.create(tmpl, params={'p': 'one'})
        stack.update(make_stack(self.ctx, tmpl, params={'p': 'two'}))
        self.assertEqual(('UPDATE', 'COMPLETE'), stack.state)
        self.assertEqual(['a'], self.journal('update'))
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(stack.resources['b'].state))

    def test_update_to_an_unknown_type_fails_and_keeps_the_stack(self):
        stack = self.create(hot({'a': {'type': 'Test::Recorder'}}))
        physical = stack.resources['a'].resource_id
        stack.update(make_stack(self.ctx, hot({
            'a': {'type': 'Test::Recorder'},
            'x': {'type': 'Nope::Such::Type'}})))
        self.assertEqual(('UPDATE', 'FAILED'), stack.state)
        self.assertIn('Nope::Such::Type', stack.status_reason)
        loaded = stack_mod.Stack.load(self.ctx, stack.id)
        self.assertEqual(physical, loaded.resources['a'].resource_id)
        loaded.update(make_stack(self.ctx, hot({
            'a': {'type': 'Test::Recorder'},
            'x': {'type': 'Test::Recorder'}})))
        self.assertEqual(('UPDATE', 'COMPLETE'), loaded.state)
        self.assertEqual(('CREATE', 'COMPLETE'),
                         tuple(loaded.resources['x'].state))
        loaded.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), loaded.state)
