"""Retries on a lost deadlock or a lost database connection
(``heat.db.api.retry_on_deadlock``, ``RetryBudget``) and the decision
transaction's retry after an ambiguous commit, on SQLite: the failure is
injected into a real call (an error raised by an SQLAlchemy event after
the statement ran, so the transaction is rolled back, as after a real
disconnect)."""

import threading
import time
from unittest import mock

import fixtures
import sqlalchemy as sa
from oslo_db import exception as db_exc

from heat.common import context
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import engine as eng
from heat.tests import db_fixtures, engine_fixture

LOST = '(2013, Lost connection to MySQL server during query)'


class Injector:
    """Raise ``errors`` (one per matching statement, in order) after a
    statement whose SQL contains ``match`` ran."""

    def __init__(self, match, errors):
        self.match = match
        self.errors = list(errors)
        self.executed = 0
        self.lock = threading.Lock()

    def __call__(self, conn, cursor, statement, parameters, context,
                 executemany):
        if self.match not in statement:
            return
        with self.lock:
            self.executed += 1
            if self.errors:
                raise self.errors.pop(0)


class RetryTestBase(db_fixtures.DBTestCase):

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.fx = self.useFixture(engine_fixture.EngineFixture())
        self.rpc = self.fx.client
        self.ctx = context.RequestContext(project_id='p1', user_id='u1')
        self.gid = self.rpc.create_scaling_group(
            self.ctx, 'g1', 0, 10, {'type': 'OS::Heat::None'},
            desired_capacity=0)['id']
        # the group's first convergence (in a thread of the engine) reads
        # and writes the tables the tests inject failures into: it ends
        # before they start
        deadline = time.time() + 30
        while not self.rpc.show_scaling_group(self.ctx,
                                              self.gid)['converged']:
            if time.time() > deadline:
                self.fail('group %s never converged' % self.gid)
            time.sleep(0.02)

    def inject(self, match, *errors):
        injector = Injector(match, errors)
        engine = db_api.get_engine()
        sa.event.listen(engine, 'after_cursor_execute', injector)
        self.addCleanup(sa.event.remove, engine, 'after_cursor_execute',
                        injector)
        return injector

    def members(self):
        return sorted(m.name for m in
                      db_api.scaling_member_get_all(None, self.gid))


class TestRetryOnDisconnect(RetryTestBase):

    def create_members(self, context=None):
        return db_api.scaling_member_create_many(context, self.gid, [
            {'name': 'm1', 'generation': 0, 'status': 'PENDING'},
            {'name': 'm2', 'generation': 0, 'status': 'PENDING'}])

    def test_lost_connection_is_retried_and_applied_once(self):
        injector = self.inject('INSERT INTO scaling_member',
                               db_exc.DBConnectionError(Exception(LOST)))
        self.assertEqual(2, self.create_members())
        self.assertEqual(2, injector.executed)  # the failed try, the retry
        self.assertEqual(['m1', 'm2'], self.members())

    def test_reads_on_the_trigger_path_are_retried(self):
        # the group's member stack has the group's id
        injector = self.inject('FROM stack ',
                               db_exc.DBConnectionError(Exception(LOST)))
        row = db_api.stack_get(None, self.gid, 'p1')
        self.assertEqual(self.gid, row.id)
        self.assertEqual(2, injector.executed)

    def test_lost_deadlock_is_retried_and_applied_once(self):
        injector = self.inject('INSERT INTO scaling_member',
                               db_exc.DBDeadlock(Exception('1213')))
        self.assertEqual(2, self.create_members())
        self.assertEqual(2, injector.executed)
        self.assertEqual(['m1', 'm2'], self.members())

    def test_server_shutdown_error_counts_as_a_disconnect(self):
        shutdown = db_exc.DBError(
            sa.exc.OperationalError('INSERT', {}, Exception(
                1053, 'Server shutdown in progress')))
        self.assertTrue(db_api.is_disconnect(shutdown))
        injector = self.inject('INSERT INTO scaling_member', shutdown)
        self.create_members()
        self.assertEqual(2, injector.executed)
        self.assertEqual(['m1', 'm2'], self.members())

    def test_other_errors_are_not_retried(self):
        injector = self.inject('INSERT INTO scaling_member',
                               db_exc.DBError(Exception('syntax')))
        self.assertRaises(db_exc.DBError, self.create_members)
        self.assertEqual(1, injector.executed)
        self.assertEqual([], self.members())

    def test_not_retried_inside_a_callers_transaction(self):
        # the caller's whole transaction is gone: only it can redo it
        injector = self.inject('INSERT INTO scaling_member',
                               db_exc.DBConnectionError(Exception(LOST)))
        ctx = context.RequestContext(project_id='p1')

        def in_transaction():
            with db_api.writer(ctx):
                self.create_members(ctx)
        self.assertRaises(db_exc.DBConnectionError, in_transaction)
        self.assertEqual(1, injector.executed)
        self.assertEqual([], self.members())

    def test_gives_up_after_db_retry_seconds(self):
        self.useFixture(fixtures.MockPatchObject(db_api, 'retry_seconds', 0.5))
        injector = self.inject(
            'INSERT INTO scaling_member',
            *[db_exc.DBConnectionError(Exception(LOST))] * 1000)
        t0 = time.monotonic()
        self.assertRaises(db_exc.DBConnectionError, self.create_members)
        took = time.monotonic() - t0
        self.assertGreater(injector.executed, 2)
        self.assertLess(injector.executed, 20)
        self.assertLess(took, 5)
        self.assertEqual([], self.members())

    def test_deadlocks_are_retried_a_bounded_number_of_times(self):
        injector = self.inject(
            'INSERT INTO scaling_member',
            *[db_exc.DBDeadlock(Exception('1213'))] * 10)
        self.assertRaises(db_exc.DBDeadlock, self.create_members)
        self.assertEqual(db_api.DEADLOCK_RETRIES + 1, injector.executed)

    def test_pauses_double_up_to_the_maximum(self):
        budget = db_api.RetryBudget(seconds=60)
        with mock.patch.object(db_api.time, 'sleep') as sleep:
            for _ in range(7):
                self.assertTrue(budget.pause(
                    db_exc.DBConnectionError(Exception(LOST))))
        self.assertEqual([0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0],
                         [c.args[0] for c in sleep.call_args_list])


class TestDecisionRetry(RetryTestBase):
    """A connection lost during the decision transaction's COMMIT: the
    decision may or may not be stored; the retry must not apply it
    twice, with or without an Idempotency-Key."""

    def setUp(self):
        super().setUp()
        self.pid = self.rpc.create_scaling_policy(
            self.ctx, self.gid, 'up', 'change_in_capacity', 1,
            cooldown=0)['id']
        real = eng.AutoScalingEngine._decide_once
        self.attempts = []
        self.fail_after_commit = []
        self.fail_before = []

        def flaky(engine, *args, **kwargs):
            # (cnxt, group_id, project, policy_id, trigger, key, decide,
            #  activity_id, retry)
            self.attempts.append(args[8])
            if self.fail_before:
                raise self.fail_before.pop(0)
            result = real(engine, *args, **kwargs)
            if self.fail_after_commit:
                raise self.fail_after_commit.pop(0)
            return result
        self.useFixture(fixtures.MockPatchObject(
            eng.AutoScalingEngine, '_decide_once', flaky))

    def activities(self):
        return [a for a in self.rpc.list_scaling_activities(
            self.ctx, self.gid) if a['trigger'] != 'create']

    def receipts(self):
        R = models.ScalingTriggerReceipt
        with db_api.reader(None) as session:
            return session.query(R).filter(R.group_id == self.gid).count()

    def desired(self):
        return self.rpc.show_scaling_group(self.ctx,
                                           self.gid)['desired_capacity']

    def check_once(self, result, key=None):
        self.assertTrue(result['accepted'], result)
        self.assertFalse(result['repeated'])
        self.assertEqual((0, 1), (result['current'], result['desired']))
        self.assertEqual([False, True], self.attempts)
        self.assertEqual(1, self.desired())
        acts = self.activities()
        self.assertEqual(1, len(acts))
        self.assertEqual(result['activity_id'], acts[0]['id'])
        self.assertEqual(key, acts[0]['idempotency_key'])

    def test_ambiguous_commit_without_key_is_applied_once(self):
        self.fail_after_commit.append(
            db_exc.DBConnectionError(Exception(LOST)))
        result = self.rpc.execute_scaling_policy(self.ctx, self.pid)
        self.check_once(result)
        self.assertEqual(0, self.receipts())

    def test_ambiguous_commit_with_key_is_applied_once(self):
        self.fail_after_commit.append(
            db_exc.DBConnectionError(Exception(LOST)))
        result = self.rpc.execute_scaling_policy(self.ctx, self.pid,
                                                 idempotency_key='k1')
        self.check_once(result, 'k1')
        self.assertEqual(1, self.receipts())
        # the client retries too (its answer was lost): the first decision
        again = self.rpc.execute_scaling_policy(self.ctx, self.pid,
                                                idempotency_key='k1')
        self.assertTrue(again['repeated'])
        self.assertEqual(result['activity_id'], again['activity_id'])
        self.assertEqual(1, self.desired())

    def test_lost_before_commit_decides_again(self):
        self.fail_before.append(db_exc.DBConnectionError(Exception(LOST)))
        result = self.rpc.execute_scaling_policy(self.ctx, self.pid)
        self.check_once(result)

    def test_the_accepted_decision_of_a_retry_converges(self):
        self.fail_after_commit.append(
            db_exc.DBConnectionError(Exception(LOST)))
        self.rpc.execute_scaling_policy(self.ctx, self.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            g = self.rpc.show_scaling_group(self.ctx, self.gid)
            if g['converged']:
                break
            time.sleep(0.05)
        self.assertTrue(g['converged'], g)
        self.assertEqual(1, g['current_size'])
