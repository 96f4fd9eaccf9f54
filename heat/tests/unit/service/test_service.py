"""EngineService plumbing: service row, heartbeat, threads, lookups."""

import threading
import time

from heat.common import context, exception
from heat.db import api as db_api
from heat.engine import service
from heat.tests import base, db_fixtures, pinned

VALIDATE_TMPL = pinned.VALIDATE_TEMPLATE


def ctx(project='p1', **kw):
    return context.RequestContext(project_id=project, user_id='u1', **kw)


class TestThreadGroupManager(base.TestCase):

    def test_wait_and_cleanup(self):
        mgr = service.ThreadGroupManager()
        gate = threading.Event()
        mgr.start('s1', gate.wait, 5)
        self.assertFalse(mgr.wait('s1', timeout=0.05))
        gate.set()
        self.assertTrue(mgr.wait('s1', timeout=5))
        self.assertEqual([], mgr.threads('s1'))
        self.assertTrue(mgr.wait('unknown', timeout=0))

    def test_error_in_thread_is_contained(self):
        mgr = service.ThreadGroupManager()

        def boom():
            raise RuntimeError('boom')

        with self.assertLogs('heat.engine.service', level='ERROR'):
            mgr.start('s1', boom)
            self.assertTrue(mgr.wait('s1', timeout=5))

    def test_acquired_lock_released_and_running_tracked(self):
        mgr = service.ThreadGroupManager()
        released = []
        gate = threading.Event()

        class Lock:
            def release(self):
                released.append(True)

        class Stack:
            id = 's1'

        stack = Stack()
        mgr.start_with_acquired_lock(stack, Lock(), gate.wait, 5)
        self.assertIs(stack, mgr.running_stack('s1'))
        gate.set()
        self.assertTrue(mgr.wait('s1', timeout=5))
        self.assertEqual([True], released)
        self.assertIsNone(mgr.running_stack('s1'))


class TestStackName(base.TestCase):

    def test_valid(self):
        for name in ('a', 'a1_b-c.d', 'x' * 255):
            service.validate_stack_name(name)

    def test_invalid(self):
        for name in ('1abc', '_a', 'a b', 'a/b', '', 'x' * 256):
            e = self.assertRaises(exception.StackValidationFailed,
                                  service.validate_stack_name, name)
            self.assertEqual(
                'Invalid stack name %s must contain only alphanumeric or '
                '"_-." characters, must start with alpha and must be 255 '
                'characters or less.' % name, str(e))


@db_fixtures.for_each_backend
class TestServicePlumbing(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.svc = service.EngineService(engine_id='engine-1',
                                         report_interval=0.05)
        self.addCleanup(self.svc.stop, 10)

    def test_service_row_and_heartbeat(self):
        rows = db_api.service_get_all(None)
        self.assertEqual(['engine-1'], [r.engine_id for r in rows])
        first = rows[0].updated_at
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if db_api.service_get(None, rows[0].id).updated_at != first:
                break
            time.sleep(0.02)
        self.assertNotEqual(first,
                            db_api.service_get(None, rows[0].id).updated_at)
        self.assertTrue(db_api.engine_is_alive(None, 'engine-1'))

    def test_stop_removes_row(self):
        self.svc.stop(5)
        self.assertEqual([], db_api.service_get_all(None))
        self.assertFalse(db_api.engine_is_alive(None, 'engine-1'))

    def test_identify_unknown(self):
        e = self.assertRaises(exception.EntityNotFound,
                              self.svc.identify_stack, ctx(), 'nope')
        self.assertEqual('The Stack (nope) could not be found.', str(e))

    def test_show_unknown_identity(self):
        ident = {'tenant': 'p1', 'stack_name': 'x',
                 'stack_id': '8a2f1d4c-0000-4000-8000-000000000000',
                 'path': ''}
        self.assertRaises(exception.EntityNotFound, self.svc.show_stack,
                          ctx(), ident)
        self.assertRaises(exception.EntityNotFound, self.svc.get_template,
                          ctx(), ident)
        self.assertRaises(exception.EntityNotFound, self.svc.list_events,
                          ctx(), ident)

    def test_list_empty(self):
        self.assertEqual([], self.svc.list_stacks(ctx()))
        self.assertEqual(0, self.svc.count_stacks(ctx()))

    def test_validate_template(self):
        self.assertEqual(
            {'Description': 'No description',
             'Environment': {'event_sinks': [], 'parameter_defaults': {},
                             'parameters': {},
                             'resource_registry': {'resources': {}}},
             'Parameters': {'the_count': {'Description': '',
                                          'Label': 'the_count',
                                          'NoEcho': 'false',
                                          'Type': 'Number'}}},
            self.svc.validate_template(ctx(), VALIDATE_TMPL, {}))

    def test_validate_template_error_is_returned(self):
        out = self.svc.validate_template(
            ctx(), 'heat_template_version: 2013-05-23\n'
                   'resources:\n  r:\n    type: OS::Heat::RandomString\n'
                   '    properties: {length: BAD}\n')
        self.assertEqual(['Error'], list(out))
        self.assertIn("Value 'BAD' is not an integer", out['Error'])

    def test_create_bad_name(self):
        e = self.assertRaises(exception.StackValidationFailed,
                              self.svc.create_stack, ctx(), '1bad',
                              'heat_template_version: 2013-05-23\n', {},
                              {}, {})
        self.assertIn('Invalid stack name 1bad', str(e))

    def test_no_project(self):
        self.assertRaises(exception.Invalid, self.svc.list_stacks,
                          context.RequestContext())


class TestFailUnfinished(base.TestCase):

    def test_action_raising_marks_stack_failed(self):
        mgr = service.ThreadGroupManager()
        states = []

        class Stack:
            id = 's1'
            action, status = 'UPDATE', 'IN_PROGRESS'

            def state_set(self, action, status, reason):
                states.append((action, status, reason))

        class Lock:
            def release(self):
                pass

        def boom():
            raise RuntimeError('db down')

        with self.assertLogs('heat.engine.service', level='ERROR'):
            mgr.start_with_acquired_lock(Stack(), Lock(), boom)
            self.assertTrue(mgr.wait('s1', timeout=5))
        self.assertEqual([('UPDATE', 'FAILED',
                           'Unexpected error: RuntimeError: db down')],
                         states)
