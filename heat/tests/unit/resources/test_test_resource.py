"""OS::Heat::TestResource: value, waits, failures, replacement, check."""

import time
from unittest import mock

from heat.common import exception
from heat.engine import constraints
from heat.engine.resources.openstack.heat import test_resource
from heat.tests.unit.resources.test_none import StackTestCase

TEST = '''
heat_template_version: 2016-10-14
resources:
  test:
    type: OS::Heat::TestResource
    properties: %s
outputs:
  output:
    value: {get_attr: [test, output]}
  ref:
    value: {get_resource: test}
'''


def template(props='{}'):
    return TEST % props


class TestTestResource(StackTestCase):

    def physical_id(self, stack):
        return self.load(stack).resources['test'].resource_id

    def wait_for(self, predicate, timeout=5):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                self.fail('condition not reached in %ss' % timeout)
            time.sleep(0.01)

    def test_value_is_the_output_and_the_reference_the_physical_name(self):
        for props, output in (('{}', 'test_string'),
                              ('{value: hello}', 'hello')):
            stack = self.create(template(props))
            self.assertEqual(output, stack.outputs()['output'])
            ref = stack.outputs()['ref']
            self.assertRegex(ref, r'^teststack-test-[a-z0-9]{12}$')
            self.assertEqual(stack.resources['test'].resource_id, ref)

    def test_fail_on_create(self):
        stack = self.create(template('{fail: true}'))
        self.assertState(('CREATE', 'FAILED'), stack)
        self.assertEqual('Resource CREATE failed: ValueError: '
                         'resources.test: Test Resource failed test',
                         stack.status_reason)
        rsrc = stack.resources['test']
        self.assertState(('CREATE', 'FAILED'), rsrc)
        self.assertIsNone(rsrc.resource_id)
        self.assertIsNone(rsrc.FnGetAtt('output'))

    def test_wait_secs_per_action(self):
        # (case, properties, create lasts at least, delete at least)
        table = [
            ('global wait', '{wait_secs: 0.15}', 0.15, 0.15),
            ('create only', '{action_wait_secs: {create: 0.15}}', 0.15, 0),
            ('missing key falls back', '{wait_secs: 0.1, '
             'action_wait_secs: {delete: 0}}', 0.1, 0),
        ]
        # the wait each action was given (what a delete without one
        # waits is no matter of the machine's speed)
        given = []
        real = test_resource.TestResource._wait_secs

        def recorded(props, action):
            secs = real(props, action)
            given.append((action, secs))
            return secs
        # (mock keeps the staticmethod itself to put back; a getattr
        # would put back the bare function, a method of every later
        # test's TestResource)
        patcher = mock.patch.object(test_resource.TestResource,
                                    '_wait_secs', staticmethod(recorded))
        patcher.start()
        self.addCleanup(patcher.stop)
        for case, props, create_secs, delete_secs in table:
            del given[:]
            start = time.monotonic()
            stack = self.create(template(props))
            self.assertGreaterEqual(time.monotonic() - start, create_secs,
                                    case)
            self.assertState(('CREATE', 'COMPLETE'), stack)
            start = time.monotonic()
            stack.delete()
            elapsed = time.monotonic() - start
            self.assertGreaterEqual(elapsed, delete_secs, case)
            self.assertEqual([('CREATE', create_secs),
                              ('DELETE', delete_secs)], given, case)
            self.assertState(('DELETE', 'COMPLETE'), stack)

    def test_wait_forever_until_cancelled(self):
        stack = self.parse(template('{wait_secs: -1}'))
        stack.store()
        join = self.in_thread(stack.create)
        rsrc = stack.resources['test']
        self.wait_for(lambda: tuple(rsrc.state) ==
                      ('CREATE', 'IN_PROGRESS'))
        time.sleep(0.05)
        self.assertEqual(('CREATE', 'IN_PROGRESS'), tuple(rsrc.state))
        self.assertTrue(stack.cancel())
        join()
        self.assertState(('CREATE', 'FAILED'), rsrc)
        self.assertState(('CREATE', 'FAILED'), stack)

    def test_update_in_place_keeps_the_physical_resource(self):
        stack = self.create(template('{value: a}'))
        physical = self.physical_id(stack)
        self.update(stack, template('{value: b}'))
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        self.assertEqual(physical, self.physical_id(stack))
        self.assertEqual('b', self.load(stack).outputs()['output'])

    def test_replacements(self):
        # (case, before, after)
        table = [
            ('update_replace with a new value', '{value: a}',
             '{value: b, update_replace: true}'),
            ('update_replace_value changed', '{update_replace_value: a}',
             '{update_replace_value: b}'),
        ]
        for case, before, after in table:
            stack = self.create(template(before))
            physical = self.physical_id(stack)
            self.update(stack, template(after))
            self.assertState(('UPDATE', 'COMPLETE'), stack)
            self.assertNotEqual(physical, self.physical_id(stack), case)

    def test_update_replace_alone_updates_in_place(self):
        stack = self.create(template('{value: a}'))
        physical = self.physical_id(stack)
        self.update(stack, template('{value: a, update_replace: true}'))
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        self.assertEqual(physical, self.physical_id(stack))

    def test_fail_on_update(self):
        for case, after in (('value changed', '{value: b, fail: true}'),
                            ('value kept', '{value: a, fail: true}')):
            stack = self.create(template('{value: a}'))
            self.update(stack, template(after))
            self.assertState(('UPDATE', 'FAILED'), stack)
            self.assertIn('ValueError: resources.test: Test Resource '
                          'failed test', stack.status_reason, case)
            # a failing update does not store the new value
            self.assertEqual('a', self.load(stack).outputs()['output'])

    def test_never_fails_on_delete(self):
        stack = self.create(template('{value: a}'))
        self.update(stack, template('{value: a, fail: true}'))
        stack.delete()
        self.assertState(('DELETE', 'COMPLETE'), stack)

    def test_suspend_and_resume_complete_at_once(self):
        stack = self.create(template('{wait_secs: 5, action_wait_secs: '
                                     '{create: 0}}'))
        start = time.monotonic()
        stack.suspend()
        self.assertState(('SUSPEND', 'COMPLETE'), stack.resources['test'])
        stack.resume()
        self.assertState(('RESUME', 'COMPLETE'), stack.resources['test'])
        self.assertLess(time.monotonic() - start, 1)

    def test_check(self):
        stack = self.create(template())
        stack.check()
        self.assertState(('CHECK', 'COMPLETE'), stack)
        self.assertState(('CHECK', 'COMPLETE'), stack.resources['test'])

    def test_check_fails_when_not_created(self):
        stack = self.create(template('{fail: true}'))
        stack.check()
        self.assertState(('CHECK', 'FAILED'), stack)
        rsrc = stack.resources['test']
        self.assertEqual('Error: resources.test: Resource not created',
                         rsrc.status_reason)

    def test_attr_wait_secs_slows_attributes(self):
        stack = self.create(template('{attr_wait_secs: 0.1}'))
        start = time.monotonic()
        self.assertEqual('test_string',
                         self.load(stack).outputs()['output'])
        self.assertGreaterEqual(time.monotonic() - start, 0.1)

    def test_constraint_prop_secs_slows_validation(self):
        self.assertIsNotNone(constraints.get_constraint('test_constr'))
        stack = self.parse(template('{constraint_prop_secs: 0.1}'))
        start = time.monotonic()
        stack.validate()
        self.assertGreaterEqual(time.monotonic() - start, 0.1)

    def test_client_and_entity_names_are_no_ops(self):
        stack = self.create(template(
            '{client_name: nova, entity_name: servers, wait_secs: 0.05}'))
        self.assertState(('CREATE', 'COMPLETE'), stack)

    def test_validation_errors(self):
        table = [
            ('wait_secs', '{wait_secs: soon}',
             "resources.test.properties.wait_secs: Value 'soon' is not a "
             "number"),
            ('fail', '{fail: maybe}',
             'resources.test.properties.fail: "maybe" is not a valid '
             'boolean'),
            ('action_wait_secs key', '{action_wait_secs: {check: 1}}',
             'resources.test.properties.action_wait_secs: Unknown '
             'Property check'),
        ]
        for case, props, message in table:
            stack = self.parse(template(props))
            exc = self.assertRaises(exception.StackValidationFailed,
                                    stack.validate)
            self.assertIn(message, str(exc), case)
