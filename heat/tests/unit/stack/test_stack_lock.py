"""The stack lock: one engine acts on a stack at a time."""

import datetime

from heat.common import context as ctx_mod
from heat.common import exception
from heat.db import api as db_api
from heat.engine import stack_lock
from heat.tests import db_fixtures

PROJECT = 'project-lock'


def _context():
    return ctx_mod.RequestContext(project_id=PROJECT, user_id='u')


@db_fixtures.for_each_backend
class TestStackLock(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.ctx = _context()
        tmpl = db_api.raw_template_create(None, {'template': {
            'heat_template_version': '2018-08-31'}})
        self.stack_id = db_api.stack_create(None, {
            'name': 'locked', 'tenant': PROJECT, 'raw_template_id': tmpl.id,
            'action': 'UPDATE', 'status': 'IN_PROGRESS'}).id

    def _alive(self, engine_id, age=0):
        now = db_api.utcnow() - datetime.timedelta(seconds=age)
        db_api.service_create(None, {'engine_id': engine_id}, now=now)

    def test_acquire_and_release(self):
        lock = stack_lock.StackLock(self.ctx, self.stack_id, 'engine-a')
        lock.acquire()
        self.assertEqual('engine-a', lock.get_engine_id())
        self.assertTrue(lock.release())
        self.assertIsNone(lock.get_engine_id())

    def test_second_action_gets_action_in_progress(self):
        self._alive('engine-a')
        stack_lock.StackLock(self.ctx, self.stack_id, 'engine-a').acquire()
        other = stack_lock.StackLock(self.ctx, self.stack_id, 'engine-b')
        exc = self.assertRaises(exception.ActionInProgress, other.acquire)
        self.assertEqual('Stack locked already has an action (UPDATE) in '
                         'progress.', str(exc))
        self.assertEqual('engine-a', other.get_engine_id())

    def test_same_engine_cannot_take_it_twice(self):
        lock = stack_lock.StackLock(self.ctx, self.stack_id, 'engine-a')
        self._alive('engine-a')
        lock.acquire()
        self.assertRaises(exception.ActionInProgress, lock.acquire)

    def test_lock_of_a_dead_engine_is_stolen(self):
        self._alive('engine-dead', age=3600)
        stack_lock.StackLock(self.ctx, self.stack_id,
                             'engine-dead').acquire()
        lock = stack_lock.StackLock(self.ctx, self.stack_id, 'engine-b')
        lock.acquire()
        self.assertEqual('engine-b', lock.get_engine_id())

    def test_try_acquire_never_steals(self):
        stack_lock.StackLock(self.ctx, self.stack_id, 'engine-dead').acquire()
        lock = stack_lock.StackLock(self.ctx, self.stack_id, 'engine-b')
        self.assertEqual('engine-dead', lock.try_acquire())

    def test_thread_lock_releases_only_on_error(self):
        lock = stack_lock.StackLock(self.ctx, self.stack_id, 'engine-a')
        with lock.thread_lock():
            pass
        self.assertEqual('engine-a', lock.get_engine_id())
        lock.release()

        def fail():
            with lock.thread_lock():
                raise RuntimeError('boom')

        self.assertRaises(RuntimeError, fail)
        self.assertIsNone(lock.get_engine_id())

    def test_held_always_releases(self):
        lock = stack_lock.StackLock(self.ctx, self.stack_id, 'engine-a')
        with lock.held():
            self.assertEqual('engine-a', lock.get_engine_id())
        self.assertIsNone(lock.get_engine_id())
