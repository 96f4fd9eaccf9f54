"""A stack action's final state write that falls in a database outage.

The write (the state and its event, one transaction) is retried on a
lost connection for ``db_retry_seconds``; when the database stays away
longer, the action's thread keeps the stack's lock (it does not release
a lock over a stack left IN_PROGRESS), and the engine's periodic
stale-stack check writes the state once the database answers and
releases the lock. The outage is simulated at the one call that matters
(the stack's state update raising oslo.db's ``DBConnectionError``, as a
lost MariaDB connection does); the rest is a real SQLite file.
``heat/tests/functional/test_faults.py`` does it with a real MariaDB
restart.
"""

from unittest import mock

from oslo_db import exception as db_exc

from heat.common import context
from heat.db import api as db_api
from heat.engine import service, stack_lock
from heat.tests import db_fixtures

WAIT = 60

ONE = '''
heat_template_version: 2016-10-14
resources:
  none:
    type: OS::Heat::None
'''


class Outage:
    """``stack_update`` raising DBConnectionError for final states while
    ``down`` (``fails`` more times when a count is given)."""

    def __init__(self, fails=None):
        self.down = True
        self.fails = fails
        self.calls = 0
        self.real = db_api.stack_update

    def __call__(self, context, stack_id, project_id, values, *a, **kw):
        if self.down and values.get('status') in ('COMPLETE', 'FAILED'):
            self.calls += 1
            if self.fails is None or self.calls <= self.fails:
                raise db_exc.DBConnectionError('Lost connection to server')
        return self.real(context, stack_id, project_id, values, *a, **kw)


class TestUnwrittenFinalState(db_fixtures.DBTestCase):

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.svc = service.EngineService(engine_id='engine-live',
                                         stale_check_interval=3600)
        self.addCleanup(self.svc.stop, WAIT)
        self.ctx = context.RequestContext(project_id='p1', user_id='u1')
        self.patch_retry(0.3)

    def patch_retry(self, seconds):
        old = db_api.retry_seconds
        db_api.retry_seconds = seconds
        self.addCleanup(setattr, db_api, 'retry_seconds', old)

    def state(self, sid):
        row = db_api.stack_get(None, sid, 'p1')
        return (row.action, row.status)

    def create(self, outage):
        with mock.patch.object(db_api, 'stack_update', outage):
            ident = self.svc.create_stack(self.ctx, 's1', ONE, {}, {},
                                          {'timeout_mins': 5})
            self.assertTrue(self.svc.wait(ident, WAIT))
        return ident['stack_id']

    def test_a_short_outage_is_retried(self):
        outage = Outage(fails=2)
        sid = self.create(outage)
        self.assertEqual(3, outage.calls)
        self.assertEqual(('CREATE', 'COMPLETE'), self.state(sid))
        self.assertIsNone(db_api.stack_lock_get_engine_id(None, sid))

    def test_a_long_outage_keeps_the_lock_until_the_state_is_written(self):
        outage = Outage()
        sid = self.create(outage)
        # the write never went through: the stack looks busy, and its
        # lock stays with this (live) engine instead of being freed
        self.assertEqual(('CREATE', 'IN_PROGRESS'), self.state(sid))
        self.assertEqual('engine-live',
                         db_api.stack_lock_get_engine_id(None, sid))
        self.assertFalse(stack_lock.held_here(sid))
        # the database is back: the periodic look writes the state the
        # action ended with, and frees the lock
        self.assertEqual({sid: 'wrote CREATE_COMPLETE'},
                         self.svc.resolve_unwritten_stacks())
        self.assertEqual(('CREATE', 'COMPLETE'), self.state(sid))
        self.assertIsNone(db_api.stack_lock_get_engine_id(None, sid))
        self.assertIn(('CREATE', 'COMPLETE'), [
            (e.resource_action, e.resource_status)
            for e in db_api.event_get_all_by_stack(None, sid, 'p1')
            if e.resource_name == 's1'])
        # nothing left to do on the next look
        self.assertEqual({}, self.svc.resolve_unwritten_stacks())

    def test_a_kept_lock_the_engine_forgot_is_taken_over(self):
        outage = Outage()
        sid = self.create(outage)
        # the engine lost what it meant to write (e.g. the state object)
        self.assertIsNotNone(self.svc.thread_group_mgr.take_unwritten(sid))
        done = self.svc.resolve_unwritten_stacks()
        self.assertEqual({sid: 'failed %s' % sid}, done)
        row = db_api.stack_get(None, sid, 'p1')
        self.assertEqual(('CREATE', 'FAILED',
                          'Engine went down during stack CREATE'),
                         (row.action, row.status, row.status_reason))
        self.assertIsNone(db_api.stack_lock_get_engine_id(None, sid))

    def test_a_running_action_keeps_its_lock(self):
        ident = self.svc.create_stack(self.ctx, 's2', ONE, {}, {},
                                      {'timeout_mins': 5})
        self.assertTrue(self.svc.wait(ident, WAIT))
        sid = ident['stack_id']
        lock = stack_lock.StackLock(self.ctx, sid, 'engine-live')
        lock.acquire()
        self.addCleanup(lock.release)
        # held by an action of this process: not this look's business
        self.assertEqual({}, self.svc.resolve_unwritten_stacks())
        self.assertEqual('engine-live',
                         db_api.stack_lock_get_engine_id(None, sid))
