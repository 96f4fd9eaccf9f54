"""Fencing of member resource writes: a converger paused after recording
its batch's intent, whose lease expired and was taken over meanwhile,
writes nothing once resumed (issue 7).

Converger A is paused in the ``before_act`` hook (its batch's intent
recorded, the batch's member rows loaded, no member acted on: the
window where a stale view is most dangerous); its lease is made to
expire; converger B takes the group over and converges it; A is resumed.
Its member resource writes are refused (LeaseLost, counted in its log
line), it stops, and the database is exactly as B left it: resource
rows, events, member rows and the group's lease (A neither renews nor
releases B's). Covered for a create batch (scale-out), a delete batch
(scale-in) and an update batch (rolling update); on SQLite and, when
they answer, MariaDB and PostgreSQL.
"""

import re
import threading
import time

import fixtures
from oslo_config import cfg
from oslo_db import exception as db_exc

from heat.common import exception
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import converger
from heat.engine.autoscaling import members as members_mod
from heat.tests import db_fixtures, engine_fixture
from heat.tests.unit.autoscaling.test_engine import WAIT, ASTestBase, ctx

RANDOM = {'type': 'OS::Heat::RandomString', 'properties': {'length': 8}}


@db_fixtures.for_each_backend
class TestLeaseCheck(db_fixtures.DBTestCase):
    """``db_api.scaling_group_check_lease``, the guard's one statement."""

    def setUp(self):
        super().setUp()
        db_api.scaling_group_create(None, dict(
            id='g1', project='p1', name='g1', min_size=0, max_size=5,
            desired_capacity=1, definitions={'0': {'type': 'x'}}))
        self.fence = db_api.scaling_group_acquire_lease(None, 'g1', 'A', 60)

    def check(self, engine_id, fence, group_id='g1'):
        db_api.scaling_group_check_lease(None, group_id, engine_id, fence)

    def test_the_holder_passes(self):
        self.check('A', self.fence)

    def test_a_moved_fence_is_refused(self):
        converger.expire_lease_for_tests('g1')
        db_api.scaling_group_acquire_lease(None, 'g1', 'B', 60)
        e = self.assertRaises(exception.LeaseLost, self.check, 'A',
                              self.fence)
        self.assertIn('fencing token %s is stale' % self.fence, str(e))

    def test_another_engine_with_the_same_fence_is_refused(self):
        self.assertRaises(exception.LeaseLost, self.check, 'B', self.fence)

    def test_a_released_lease_is_refused(self):
        db_api.scaling_group_release_lease(None, 'g1', 'A', self.fence)
        self.assertRaises(exception.LeaseLost, self.check, 'A', self.fence)

    def test_an_expired_lease_nobody_took_passes(self):
        # nobody else can have written: a taker bumps the fence first
        converger.expire_lease_for_tests('g1')
        self.check('A', self.fence)

    def test_a_missing_group_is_named(self):
        e = self.assertRaises(exception.EntityNotFound, self.check, 'A',
                              self.fence, group_id='nope')
        self.assertIn('nope', str(e))


@db_fixtures.for_each_backend
class TestIdleTransactionTimeout(db_fixtures.DBTestCase):
    """A stopped engine's open transaction does not hold its row locks
    for ever: the server ends it (``db_idle_transaction_timeout``)."""

    def test_an_idle_transaction_is_ended_by_the_server(self):
        db_api.configure(self._db_url, max_retries=1,
                         idle_transaction_timeout=1)
        self.addCleanup(db_api.configure, self._db_url, max_retries=1)
        db_api.scaling_group_create(None, dict(
            id='g1', project='p1', name='g1', min_size=0, max_size=5,
            desired_capacity=1, definitions={'0': {'type': 'x'}}))

        c = ctx()

        def idle_holder():
            with db_api.writer(c):
                db_api.scaling_group_get(c, 'g1', None, for_update=True)
                time.sleep(3)  # stopped in the middle of the transaction
                db_api.scaling_group_get(c, 'g1', None)

        if self.BACKEND.name == 'sqlite':
            idle_holder()  # embedded: no server to end anything
            return
        self.assertRaises(db_exc.DBConnectionError, idle_holder)
        # its lock went with it
        self.assertIsNotNone(db_api.scaling_group_acquire_lease(
            None, 'g1', 'B', 60))


class _FencingBase(ASTestBase):

    def setUp(self):
        super().setUp()
        self.useFixture(engine_fixture._Override(
            cfg.CONF, 'converge_batch_size', 5, group='autoscaling'))
        self.addCleanup(setattr, converger, 'before_act', None)
        self.log = self.useFixture(fixtures.FakeLogger(
            name=converger.__name__, level='INFO'))

    def make_group(self, desired, **kw):
        gid = self.group(desired=desired, **kw)
        self.settle(gid)
        # only the test converges from here on
        self.fx.service.as_engine.cast_converge = lambda c, g: None
        # the group reads converged a moment before its converger gives
        # the lease up: the tests take it themselves
        deadline = time.time() + 10
        while db_api.scaling_group_get(None, gid, None).lease_engine_id:
            if time.time() > deadline:
                self.fail('the converger of %s kept its lease' % gid)
            time.sleep(0.02)
        return gid

    # -- the database as B left it ---------------------------------------

    def snapshot(self, gid):
        R, E, M, G = (models.Resource, models.Event, models.ScalingMember,
                      models.ScalingGroup)
        with db_api.reader(None) as s:
            return {
                'resources': sorted(tuple(r) for r in s.query(
                    R.id, R.name, R.action, R.status, R.atomic_key,
                    R.nova_instance, R.updated_at).filter(
                    R.stack_id == gid)),
                'events': sorted(r[0] for r in s.query(E.id).filter(
                    E.stack_id == gid)),
                'members': sorted(tuple(m) for m in s.query(
                    M.name, M.status, M.generation).filter(
                    M.group_id == gid)),
                'group': tuple(s.query(
                    G.fence, G.lease_engine_id, G.lease_expires_at,
                    G.version, G.converged_version, G.status,
                    G.updated_at).filter(G.id == gid).one()),
            }

    # -- A paused, B takes over, A resumed -------------------------------

    def pause_a(self, gid):
        """Start converger A; return once it is paused in ``before_act``
        of its first batch: ``(thread, go, result, batch)``."""
        paused, go = threading.Event(), threading.Event()
        result, seen = [], []

        def hold(group_id, batch):
            if seen:
                return  # one pause only (B passes through)
            seen.append(batch)
            paused.set()
            go.wait(WAIT)

        converger.before_act = hold
        t = threading.Thread(target=lambda: result.append(
            converger.converge(ctx(), gid, 'A')))
        t.start()
        self.assertTrue(paused.wait(WAIT), 'A never reached its batch')
        return t, go, result, seen[0]

    def take_over(self, gid):
        """Expire A's lease; B converges the group, then holds a live
        lease again (so that A could renew or release it, were it not
        fenced)."""
        fence_a = db_api.scaling_group_get(None, gid, None).fence
        converger.expire_lease_for_tests(gid)
        # (converge() would be BUSY: A holds this process's group lock)
        self.assertEqual(converger.CONVERGED,
                         converger.Converger(ctx(), gid, 'B').run())
        fence_b = db_api.scaling_group_acquire_lease(None, gid, 'B', 60)
        self.assertGreater(fence_b, fence_a)
        return fence_a, fence_b

    def resume_a(self, thread, go, result):
        go.set()
        thread.join(WAIT)
        self.assertFalse(thread.is_alive())
        self.assertEqual([converger.LEASE_LOST], result)

    def refused(self, fence_a):
        found = re.findall(r'lease lost \(fence %d\); (\d+) member resource '
                           r'writes refused' % fence_a, self.log.output)
        self.assertEqual(1, len(found), self.log.output)
        return int(found[0])

    def assert_a_wrote_nothing(self, gid, action, **changes):
        t, go, result, batch = self.pause_a(gid)
        self.assertTrue(getattr(batch, action), batch)
        if changes:
            self.rpc.update_scaling_group(self.ctx, gid, **changes)
        fence_a, fence_b = self.take_over(gid)
        before = self.snapshot(gid)
        self.resume_a(t, go, result)
        self.assertEqual(before, self.snapshot(gid))
        # A did try: its member writes were refused, not skipped
        self.assertGreaterEqual(self.refused(fence_a), 1)
        g = db_api.scaling_group_get(None, gid, None)
        self.assertEqual(('B', fence_b), (g.lease_engine_id, g.fence))
        db_api.scaling_group_release_lease(None, gid, 'B', fence_b)
        return batch

    def assert_takeover_recorded(self, gid, to_capacity):
        acts = [a for a in self.rpc.list_scaling_activities(self.ctx, gid)
                if a['to_capacity'] == to_capacity and
                a['trigger'] != 'converge']
        self.assertEqual(1, len(acts), acts)
        self.assertEqual('COMPLETE', acts[0]['status'])
        self.assertIn('resumed by engine B after the lease of engine A '
                      'expired', acts[0]['reason'])


@db_fixtures.for_each_backend
class TestPausedConvergerIsFenced(_FencingBase):

    def test_create_batch(self):
        gid = self.make_group(0)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=8)
        batch = self.assert_a_wrote_nothing(gid, 'create')
        self.assertEqual(5, len(batch.create))
        # B created A's intended members under their names, once each
        self.assert_consistent(gid, 8)
        self.assertTrue(set(batch.create) <= set(self.resource_names(gid)))
        self.assert_takeover_recorded(gid, 8)

    def test_delete_batch(self):
        gid = self.make_group(8)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=3)
        batch = self.assert_a_wrote_nothing(gid, 'remove')
        self.assertEqual(5, len(batch.remove))
        self.assert_consistent(gid, 3)
        self.assertEqual(set(), set(batch.remove) &
                         set(self.resource_names(gid)))
        self.assert_takeover_recorded(gid, 3)

    def test_update_batch(self):
        # in place: without the fence, A's stale writes would land on the
        # rows B updated (a compare-and-swap loser re-reads and writes)
        member = {'type': 'OS::Heat::TestResource',
                  'properties': {'value': 'old'}}
        gid = self.make_group(4, member=member, rolling_update={
            'min_in_service': 2, 'max_batch_size': 2, 'pause_time': 0})
        names = self.member_names(gid)
        self.rpc.update_scaling_group(self.ctx, gid, member_definition={
            'type': 'OS::Heat::TestResource',
            'properties': {'value': 'new'}})
        batch = self.assert_a_wrote_nothing(gid, 'update')
        self.assertEqual(2, len(batch.update))
        self.assert_consistent(gid, 4)
        self.assertEqual(names, self.member_names(gid))
        from heat.engine import stack as stack_mod
        stk = stack_mod.Stack.load(self.ctx, gid)
        self.assertEqual({('UPDATE', 'COMPLETE')},
                         {tuple(r.state) for r in stk.resources.values()})
        self.assertEqual({'new'}, {r.FnGetAtt('output')
                                   for r in stk.resources.values()})

    def test_replace_batch(self):
        gid = self.make_group(4, member=RANDOM, rolling_update={
            'min_in_service': 2, 'max_batch_size': 2, 'pause_time': 0})
        names = self.member_names(gid)
        self.rpc.update_scaling_group(self.ctx, gid, member_definition={
            'type': 'OS::Heat::RandomString', 'properties': {'length': 12}})
        batch = self.assert_a_wrote_nothing(gid, 'update')
        self.assertEqual(2, len(batch.update))
        self.assert_consistent(gid, 4)
        self.assertEqual(names, self.member_names(gid))
        self.assertEqual({1}, {m.generation for m in
                               db_api.scaling_member_get_all(None, gid)})
        from heat.engine import stack as stack_mod
        stk = stack_mod.Stack.load(self.ctx, gid)
        self.assertEqual({12}, {len(r.FnGetAtt('value'))
                                for r in stk.resources.values()})
        acts = self.rpc.list_scaling_activities(self.ctx, gid)
        self.assertTrue(any('resumed by engine B after the lease of engine '
                            'A expired' in (a['reason'] or '')
                            for a in acts), acts)

    def test_refused_write_leaves_no_row_and_no_event(self):
        # a member stack's guard refuses inside the write's transaction:
        # the row and its event are written together or not at all
        gid = self.make_group(1)
        fence = db_api.scaling_group_acquire_lease(None, gid, 'A', 60)
        g = db_api.scaling_group_get(None, gid, None)
        guard = members_mod.LeaseFence(gid, 'A', fence)
        stk = members_mod.MemberStack.for_members(
            self.ctx, g, ['extra'], {'extra': 0}, guard=guard)
        res = stk.resources['extra']
        converger.expire_lease_for_tests(gid)
        db_api.scaling_group_acquire_lease(None, gid, 'B', 60)
        before = self.snapshot(gid)
        self.assertRaises(exception.LeaseLost, res.create)
        self.assertEqual(before, self.snapshot(gid))
        self.assertTrue(guard.lost.is_set())
        self.assertEqual(1, guard.refused)
        # refused at once from then on, without asking the database
        self.useFixture(fixtures.MockPatchObject(
            db_api, 'scaling_group_check_lease',
            side_effect=AssertionError('asked the database')))
        self.assertRaises(exception.LeaseLost, res.create)
        self.assertEqual(2, guard.refused)

    def test_the_holder_writes_through_the_guard(self):
        gid = self.make_group(1)
        fence = db_api.scaling_group_acquire_lease(None, gid, 'A', 60)
        g = db_api.scaling_group_get(None, gid, None)
        guard = members_mod.LeaseFence(gid, 'A', fence)
        stk = members_mod.MemberStack.for_members(
            self.ctx, g, ['extra'], {'extra': 0}, guard=guard)
        res = stk.resources['extra']
        res.create()
        self.assertEqual(('CREATE', 'COMPLETE'), tuple(res.state))
        res.delete()
        res.destroy()
        self.assertEqual(0, guard.refused)
        self.assertNotIn('extra', self.resource_names(gid))


def _gone(*args, **kwargs):
    raise db_exc.DBConnectionError(Exception('server closed the connection'))


class TestLostConnection(_FencingBase):
    """A resumed converger whose transactions the server ended while it
    was stopped gets a database error, not LeaseLost: with the lease
    gone it stops as fenced out; with the lease still its own the error
    is raised as before."""

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def break_member_writes(self):
        for name in ('scaling_group_check_lease', 'scaling_member_update'):
            self.useFixture(fixtures.MockPatchObject(db_api, name,
                                                     side_effect=_gone))

    def test_after_a_takeover_it_is_a_lease_loss(self):
        gid = self.make_group(0)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=3)
        t, go, result, _batch = self.pause_a(gid)
        fence_a, _fence_b = self.take_over(gid)
        self.break_member_writes()
        before = self.snapshot(gid)
        self.resume_a(t, go, result)
        self.assertEqual(before, self.snapshot(gid))
        self.assertIn('lease lost (fence %d)' % fence_a, self.log.output)
        self.assertIn('DBConnectionError', self.log.output)

    def test_with_the_lease_still_held_it_is_raised(self):
        gid = self.make_group(0)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=3)
        self.break_member_writes()
        self.assertRaises(db_exc.DBConnectionError, converger.converge,
                          ctx(), gid, 'A')
        self.assertNotIn('lease lost', self.log.output)
