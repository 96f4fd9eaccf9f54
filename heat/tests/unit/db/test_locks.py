"""Engine heartbeats and stack locks: one engine acts on a stack at a time,
and only a dead engine's lock can be stolen."""

import datetime
import threading
import types

import fixtures
from oslo_db import exception as db_exc

from heat.common import exception
from heat.db import api as db_api
from heat.tests import base, db_fixtures
from heat.tests.unit.db import utils

T0 = datetime.datetime(2026, 5, 1, 12, 0, 0)
SEC = datetime.timedelta(seconds=1)
DEAD_AFTER = datetime.timedelta(seconds=30)


def race(n, fn):
    """Run ``fn(i)`` in ``n`` threads released together; their results."""
    barrier = threading.Barrier(n)
    results = [None] * n
    errors = []

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


@db_fixtures.for_each_backend
class TestServices(db_fixtures.DBTestCase):

    def register(self, engine_id, now=T0):
        return db_api.service_create(None, {
            'engine_id': engine_id, 'host': 'h', 'hostname': 'h',
            'binary': 'heat-engine', 'topic': 'engine',
            'report_interval': 10}, now=now)

    def test_fresh_engine_is_alive(self):
        self.register('e1')
        self.assertTrue(db_api.engine_is_alive(
            None, 'e1', now=T0 + SEC, dead_after=DEAD_AFTER))

    def test_engine_without_heartbeat_dies(self):
        self.register('e1')
        self.assertFalse(db_api.engine_is_alive(
            None, 'e1', now=T0 + DEAD_AFTER + SEC, dead_after=DEAD_AFTER))

    def test_heartbeat_keeps_engine_alive(self):
        svc = self.register('e1')
        self.assertTrue(db_api.service_heartbeat(None, svc.id,
                                                 now=T0 + DEAD_AFTER))
        self.assertTrue(db_api.engine_is_alive(
            None, 'e1', now=T0 + DEAD_AFTER + SEC, dead_after=DEAD_AFTER))

    def test_alive_exactly_at_the_limit(self):
        self.register('e1')
        self.assertTrue(db_api.engine_is_alive(
            None, 'e1', now=T0 + DEAD_AFTER, dead_after=DEAD_AFTER))

    def test_unknown_engine_is_dead(self):
        self.assertFalse(db_api.engine_is_alive(None, 'ghost', now=T0))

    def test_deleted_service_is_dead_and_cannot_heartbeat(self):
        svc = self.register('e1')
        db_api.service_delete(None, svc.id, now=T0)
        self.assertFalse(db_api.engine_is_alive(None, 'e1', now=T0))
        self.assertFalse(db_api.service_heartbeat(None, svc.id, now=T0))
        self.assertEqual([], db_api.service_get_all(None))
        self.assertRaises(exception.EntityNotFound, db_api.service_get,
                          None, svc.id)

    def test_hard_delete_removes_row(self):
        svc = self.register('e1')
        db_api.service_delete(None, svc.id, soft_delete=False)
        self.assertEqual({}, self.count_rows())

    def test_engines_alive_lists_only_live_ones(self):
        self.register('old', now=T0)
        self.register('new', now=T0 + DEAD_AFTER)
        self.assertEqual({'new'}, db_api.engines_alive(
            None, now=T0 + DEAD_AFTER + SEC, dead_after=DEAD_AFTER))

    def test_service_fields(self):
        svc = self.register('e1')
        got = db_api.service_get(None, svc.id)
        self.assertEqual(('e1', 'heat-engine', 'engine', 10, T0),
                         (got.engine_id, got.binary, got.topic,
                          got.report_interval, got.updated_at))


@db_fixtures.for_each_backend
class TestStackLock(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.stack = utils.create_stack()
        self.sid = self.stack.id

    def alive(self, engine_id, now=T0):
        return db_api.service_create(None, {'engine_id': engine_id},
                                     now=now)

    def test_create_takes_a_free_lock(self):
        self.assertIsNone(db_api.stack_lock_create(None, self.sid, 'e1'))
        self.assertEqual('e1', db_api.stack_lock_get_engine_id(None,
                                                               self.sid))

    def test_create_on_held_lock_returns_holder(self):
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertEqual('e1', db_api.stack_lock_create(None, self.sid,
                                                        'e2'))
        self.assertEqual('e1', db_api.stack_lock_get_engine_id(None,
                                                               self.sid))

    def test_holder_cannot_take_it_twice(self):
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertEqual('e1', db_api.stack_lock_create(None, self.sid,
                                                        'e1'))

    def test_create_inside_a_transaction_keeps_it_usable(self):
        # A duplicate key must not poison the caller's transaction
        # (PostgreSQL aborts a transaction on any error).
        db_api.stack_lock_create(None, self.sid, 'e1')

        class Ctx:
            pass

        ctx = Ctx()
        with db_api.writer(ctx):
            self.assertEqual('e1', db_api.stack_lock_create(
                ctx, self.sid, 'e2'))
            db_api.event_create(ctx, {'stack_id': self.sid})
        self.assertEqual(1, db_api.event_count_all_by_stack(
            None, self.sid, utils.PROJECT))

    def test_release_by_holder(self):
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertTrue(db_api.stack_lock_release(None, self.sid, 'e1'))
        self.assertIsNone(db_api.stack_lock_get_engine_id(None, self.sid))
        self.assertIsNone(db_api.stack_lock_create(None, self.sid, 'e2'))

    def test_release_by_other_engine_is_refused(self):
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertFalse(db_api.stack_lock_release(None, self.sid, 'e2'))
        self.assertEqual('e1', db_api.stack_lock_get_engine_id(None,
                                                               self.sid))

    def test_release_of_free_lock_is_refused(self):
        self.assertFalse(db_api.stack_lock_release(None, self.sid, 'e1'))

    def test_steal_from_dead_engine(self):
        self.alive('e1', now=T0)
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertTrue(db_api.stack_lock_steal(
            None, self.sid, 'e1', 'e2', now=T0 + DEAD_AFTER + SEC,
            dead_after=DEAD_AFTER))
        self.assertEqual('e2', db_api.stack_lock_get_engine_id(None,
                                                               self.sid))

    def test_steal_from_engine_that_never_registered(self):
        db_api.stack_lock_create(None, self.sid, 'ghost')
        self.assertTrue(db_api.stack_lock_steal(None, self.sid, 'ghost',
                                                'e2', now=T0))

    def test_dead_engine_may_retake_its_own_lock(self):
        # The UPDATE changes nothing (same engine, same time): it must
        # still count as won (MariaDB reports matched, not changed, rows).
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertTrue(db_api.stack_lock_steal(None, self.sid, 'e1', 'e1',
                                                now=T0))
        self.assertTrue(db_api.stack_lock_steal(None, self.sid, 'e1', 'e1',
                                                now=T0))

    def test_no_steal_from_live_engine(self):
        self.alive('e1', now=T0)
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertFalse(db_api.stack_lock_steal(
            None, self.sid, 'e1', 'e2', now=T0 + SEC,
            dead_after=DEAD_AFTER))
        self.assertEqual('e1', db_api.stack_lock_get_engine_id(None,
                                                               self.sid))

    def test_no_steal_when_lock_changed_hands(self):
        db_api.stack_lock_create(None, self.sid, 'e1')
        db_api.stack_lock_steal(None, self.sid, 'e1', 'e2', now=T0)
        # e3 still believes e1 holds it: its compare-and-swap fails.
        self.assertFalse(db_api.stack_lock_steal(None, self.sid, 'e1', 'e3',
                                                 now=T0))
        self.assertEqual('e2', db_api.stack_lock_get_engine_id(None,
                                                               self.sid))

    def test_no_steal_of_released_lock(self):
        db_api.stack_lock_create(None, self.sid, 'e1')
        db_api.stack_lock_release(None, self.sid, 'e1')
        self.assertFalse(db_api.stack_lock_steal(None, self.sid, 'e1', 'e2',
                                                 now=T0))
        self.assertIsNone(db_api.stack_lock_get_engine_id(None, self.sid))

    def test_acquire_free_lock(self):
        self.assertIsNone(db_api.stack_lock_acquire(None, self.sid, 'e1',
                                                    now=T0))

    def test_acquire_held_by_live_engine_names_it(self):
        self.alive('e1', now=T0)
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertEqual('e1', db_api.stack_lock_acquire(
            None, self.sid, 'e2', now=T0 + SEC, dead_after=DEAD_AFTER))

    def test_acquire_steals_from_dead_engine(self):
        self.alive('e1', now=T0)
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertIsNone(db_api.stack_lock_acquire(
            None, self.sid, 'e2', now=T0 + DEAD_AFTER + SEC,
            dead_after=DEAD_AFTER))
        self.assertEqual('e2', db_api.stack_lock_get_engine_id(None,
                                                               self.sid))

    def test_acquire_by_holder_is_refused(self):
        db_api.stack_lock_create(None, self.sid, 'e1')
        self.assertEqual('e1', db_api.stack_lock_acquire(None, self.sid,
                                                         'e1', now=T0))

    def test_lock_goes_with_stack_delete(self):
        db_api.stack_lock_create(None, self.sid, 'e1')
        db_api.stack_delete(None, self.sid, utils.PROJECT)
        self.assertIsNone(db_api.stack_lock_get_engine_id(None, self.sid))

    def test_lock_on_unknown_stack_is_refused(self):
        from oslo_db import exception as db_exc
        self.assertRaises(db_exc.DBReferenceError, db_api.stack_lock_create,
                          None, 'no-such-stack', 'e1')

    def test_concurrent_create_has_one_winner(self):
        results = race(6, lambda i: db_api.stack_lock_create(
            None, self.sid, 'e%d' % i))
        winners = [i for i, r in enumerate(results) if r is None]
        self.assertEqual(1, len(winners), results)
        holder = 'e%d' % winners[0]
        self.assertEqual({holder}, {r for r in results if r is not None})
        self.assertEqual(holder, db_api.stack_lock_get_engine_id(None,
                                                                 self.sid))

    def test_concurrent_steal_has_one_winner(self):
        db_api.stack_lock_create(None, self.sid, 'dead')
        results = race(6, lambda i: db_api.stack_lock_steal(
            None, self.sid, 'dead', 'e%d' % i, now=T0))
        self.assertEqual(1, results.count(True), results)
        holder = 'e%d' % results.index(True)
        self.assertEqual(holder, db_api.stack_lock_get_engine_id(None,
                                                                 self.sid))

    def test_concurrent_acquire_has_one_winner(self):
        for i in range(4):
            self.alive('e%d' % i, now=T0)
        results = race(4, lambda i: db_api.stack_lock_acquire(
            None, self.sid, 'e%d' % i, now=T0 + SEC,
            dead_after=DEAD_AFTER))
        self.assertEqual(1, results.count(None), results)


class TestRetryOnDeadlock(base.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatch('heat.db.api.time.sleep'))
        self.calls = 0

    def flaky(self, failures):
        @db_api.retry_on_deadlock
        def fn(context):
            self.calls += 1
            if self.calls <= failures:
                raise db_exc.DBDeadlock()
            return 'done'
        return fn

    def test_own_transaction_is_retried(self):
        self.assertEqual('done', self.flaky(2)(None))
        self.assertEqual(3, self.calls)

    def test_gives_up_after_the_retries(self):
        fn = self.flaky(db_api.DEADLOCK_RETRIES + 1)
        self.assertRaises(db_exc.DBDeadlock, fn, None)
        self.assertEqual(db_api.DEADLOCK_RETRIES + 1, self.calls)

    def test_callers_transaction_is_not_retried(self):
        # What enginefacade attaches to a context inside a transaction.
        in_tx = types.SimpleNamespace(current=object())
        ctx = types.SimpleNamespace(_enginefacade_context=in_tx)
        self.assertRaises(db_exc.DBDeadlock, self.flaky(1), ctx)
        self.assertEqual(1, self.calls)
