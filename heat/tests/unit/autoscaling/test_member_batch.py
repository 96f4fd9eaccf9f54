"""Members made and removed in batches (issue 15): a batch of members
costs O(1) transactions and lease checks whatever its size, the members'
own handlers run concurrently (at most ``[autoscaling]
member_concurrency`` at once; handlers with nothing to wait for in the
converger's thread), a fenced-out converger writes no row of its batch,
and a converger killed between its batch's rows and its handlers is
resumed with exact capacity, on SQLite, MariaDB and PostgreSQL."""

import threading
import time

import sqlalchemy as sa
from oslo_config import cfg

from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import converger, member_batch
from heat.engine.resources.openstack.heat import none_resource, test_resource
from heat.tests import db_fixtures, engine_fixture
from heat.tests.unit.autoscaling.test_engine import ASTestBase, ctx

WAIT = 60


class Killed(BaseException):
    """A kill -9 of the converger (raised from a hook: no clean-up)."""


class _Base(ASTestBase):

    def setUp(self):
        super().setUp()
        self.useFixture(engine_fixture._Override(
            cfg.CONF, 'converge_batch_size', 200, group='autoscaling'))

    def quiet_groups(self, *sizes, **kw):
        """Settled groups of ``sizes`` members that only the test
        converges from now on."""
        gids = [self.group(desired=n, **kw) for n in sizes]
        for gid in gids:
            self.settle(gid)
        self.fx.service.as_engine.cast_converge = lambda c, g: None
        deadline = time.time() + 10
        for gid in gids:
            while db_api.scaling_group_get(None, gid, None).lease_engine_id:
                if time.time() > deadline:
                    self.fail('the converger of %s kept its lease' % gid)
                time.sleep(0.02)
        return gids

    def quiet_group(self, desired=0, **kw):
        return self.quiet_groups(desired, **kw)[0]

    def resources(self, gid):
        R = models.Resource
        with db_api.reader(None) as s:
            return {r.name: (r.action, r.status) for r in s.query(R).filter(
                R.stack_id == gid)}

    def events(self, gid):
        E = models.Event
        with db_api.reader(None) as s:
            return [(e.resource_name, e.resource_action, e.resource_status)
                    for e in s.query(E).filter(E.stack_id == gid).order_by(
                        E.id)]

    def members(self, gid):
        return {m.name: m.status
                for m in db_api.scaling_member_get_all(None, gid)}


@db_fixtures.for_each_backend
class TestBatchCost(_Base):

    def _cost(self, gid, capacity):
        """Commits and lease checks (fence reads) of converging ``gid``
        to ``capacity`` (one batch)."""
        counts = {'commit': 0, 'lease': 0}

        def commit(conn):
            counts['commit'] += 1

        def statement(conn, cursor, stmt, params, context, executemany):
            # the lease checks: LeaseFence's and the AS tables' fence
            if stmt.lstrip().startswith('SELECT scaling_group.fence'):
                counts['lease'] += 1

        self.rpc.resize_scaling_group(self.ctx, gid, capacity=capacity)
        sa.event.listen(self.engine, 'commit', commit)
        sa.event.listen(self.engine, 'before_cursor_execute', statement)
        try:
            self.assertEqual(converger.CONVERGED,
                             converger.converge(ctx(), gid, 'A'))
        finally:
            sa.event.remove(self.engine, 'commit', commit)
            sa.event.remove(self.engine, 'before_cursor_execute', statement)
        return counts

    def test_creating_a_batch_costs_the_same_transactions_for_5_or_60(self):
        small, large = self.quiet_groups(0, 0)
        five = self._cost(small, 5)
        sixty = self._cost(large, 60)
        self.assertEqual(five, sixty)
        self.assert_consistent(small, 5)
        self.assert_consistent(large, 60)

    def test_deleting_a_batch_costs_the_same_transactions_for_5_or_60(self):
        small, large = self.quiet_groups(5, 60)
        self.assertEqual(self._cost(small, 0), self._cost(large, 0))
        self.assertEqual({}, self.resources(small))
        self.assertEqual({}, self.resources(large))

    def test_every_member_keeps_its_events_in_order(self):
        gid = self.quiet_group()
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=4)
        converger.converge(ctx(), gid, 'A')
        names = sorted(self.members(gid))
        self.assertEqual({n: ('CREATE', 'COMPLETE') for n in names},
                         self.resources(gid))
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=0)
        converger.converge(ctx(), gid, 'A')
        self.assertEqual({}, self.resources(gid))
        self.assertEqual({}, self.members(gid))
        events = [e for e in self.events(gid) if e[0] in names]
        for n in names:
            self.assertEqual(
                [('CREATE', 'IN_PROGRESS'), ('CREATE', 'COMPLETE'),
                 ('DELETE', 'IN_PROGRESS'), ('DELETE', 'COMPLETE')],
                [e[1:] for e in events if e[0] == n])


@db_fixtures.for_each_backend
class TestBatchHandlers(_Base):

    def test_handlers_run_concurrently_at_most_member_concurrency(self):
        self.useFixture(engine_fixture._Override(
            cfg.CONF, 'member_concurrency', 3, group='autoscaling'))
        lock = threading.Lock()
        running = {'now': 0, 'most': 0}
        original = test_resource.TestResource.handle_create

        def handle_create(res):
            with lock:
                running['now'] += 1
                running['most'] = max(running['most'], running['now'])
            try:
                time.sleep(0.5)
                return original(res)
            finally:
                with lock:
                    running['now'] -= 1

        self.patch(test_resource.TestResource, 'handle_create',
                   handle_create)
        gid = self.quiet_group(member={'type': 'OS::Heat::TestResource'})
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=9)
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), gid, 'A'))
        # three at once (each waits long enough for the others to
        # start), never more: no wall-clock bound on a shared machine
        self.assertEqual(3, running['most'])
        self.assert_consistent(gid, 9)

    def test_handlers_that_do_nothing_run_in_the_converger_thread(self):
        threads = set()
        original = none_resource.NoneResource.handle_create

        def handle_create(res):
            threads.add(threading.current_thread())
            return original(res)

        self.patch(none_resource.NoneResource, 'handle_create',
                   handle_create)
        gid = self.quiet_group()
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=20)
        converger.converge(ctx(), gid, 'A')
        self.assertEqual({threading.current_thread()}, threads)
        self.assert_consistent(gid, 20)


@db_fixtures.for_each_backend
class TestBatchFencingAndCrashes(_Base):

    def test_a_fenced_out_converger_writes_no_row_of_its_batch(self):
        gid = self.quiet_group(desired=3)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=8)
        paused, go = threading.Event(), threading.Event()

        def hold(group_id, batch):
            paused.set()
            go.wait(WAIT)

        converger.before_act = hold
        self.addCleanup(setattr, converger, 'before_act', None)
        out = []
        t = threading.Thread(target=lambda: out.append(
            converger.converge(ctx(), gid, 'A')))
        t.start()
        self.assertTrue(paused.wait(WAIT))
        converger.before_act = None
        # A's intent (5 PENDING members) is written; its lease moves on
        before = (self.resources(gid), self.events(gid), self.members(gid))
        self.assertEqual(5, list(before[2].values()).count('PENDING'))
        converger.expire_lease_for_tests(gid)
        self.assertIsNotNone(db_api.scaling_group_acquire_lease(
            None, gid, 'B', 60))
        go.set()
        t.join(WAIT)
        self.assertEqual([converger.LEASE_LOST], out)
        # no resource row, no event, no member change of A's batch
        self.assertEqual(before[0], self.resources(gid))
        self.assertEqual(before[1], self.events(gid))
        self.assertEqual(before[2], self.members(gid))

    def _kill_in_handlers(self, gid, capacity):
        calls = []

        def killed(res, action):
            calls.append(res.name)
            raise Killed()

        self.patch(member_batch, 'run', killed)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=capacity)
        self.assertRaises(Killed, converger.converge, ctx(), gid, 'dead')
        self.assertEqual(1, len(calls))
        member_batch.run = _original_run  # the process restarted
        converger.expire_lease_for_tests(gid)
        return calls[0]

    def test_a_crash_between_created_rows_and_handlers_is_resumed(self):
        gid = self.quiet_group(desired=2)
        self._kill_in_handlers(gid, 7)
        # the batch's rows are there, IN_PROGRESS, their members PENDING
        states = self.resources(gid)
        self.assertEqual(7, len(states))
        self.assertEqual(5, list(states.values()).count(
            ('CREATE', 'IN_PROGRESS')))
        self.assertEqual(5, list(self.members(gid).values()).count(
            'PENDING'))
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), gid, 'other'))
        self.assert_consistent(gid, 7)
        self.assertEqual({('CREATE', 'COMPLETE')},
                         set(self.resources(gid).values()))
        self.assertEqual(7, self.settle(gid)['current_size'])

    def test_a_crash_between_deleted_rows_and_handlers_is_resumed(self):
        gid = self.quiet_group(desired=6)
        self._kill_in_handlers(gid, 2)
        states = self.resources(gid)
        self.assertEqual(4, list(states.values()).count(
            ('DELETE', 'IN_PROGRESS')))
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), gid, 'other'))
        self.assert_consistent(gid, 2)
        self.assertEqual({('CREATE', 'COMPLETE')},
                         set(self.resources(gid).values()))


_original_run = member_batch.run
