"""The trigger's hot path in a distributed deployment: AS calls run on
the process's own engine endpoint, a decision under a live lease casts no
converge (the holder converges it, or takes it on after a failure), the
database pool."""

import threading
import time
from unittest import mock

from oslo_config import cfg

from heat.common import config, exception
from heat.db import api as db_api
from heat.engine.autoscaling import client as as_client
from heat.engine.autoscaling import converger
from heat.engine.autoscaling import engine as eng
from heat.rpc import server as rpc_server
from heat.tests import base, db_fixtures
from heat.tests.unit.autoscaling.test_engine import NONE, ASTestBase


class _CountingTransport:
    """Wraps a transport, counting its calls and casts by method."""

    def __init__(self, inner):
        self.inner = inner
        self.calls, self.casts = [], []

    def call(self, target, ctxt, method, kwargs, **kw):
        self.calls.append(method)
        return self.inner.call(target, ctxt, method, kwargs, **kw)

    def cast(self, target, ctxt, method, kwargs, **kw):
        self.casts.append(method)
        return self.inner.cast(target, ctxt, method, kwargs, **kw)


class TestLocalCalls(ASTestBase):
    """EngineFixture serves its engine on the engine topic, so this
    process's AS client runs calls on that endpoint."""

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def test_calls_run_on_the_local_endpoint_casts_go_out(self):
        client = as_client.get()
        self.assertIsInstance(client.transport, as_client._LocalCalls)
        bus = client.transport.transport
        counting = _CountingTransport(bus)
        client.transport.transport = counting
        gid = self.group(desired=0)
        self.settle(gid)
        pol = self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                             'change_in_capacity', 1,
                                             cooldown=0)
        caller = threading.get_ident()
        seen = []
        real = self.fx.service.execute_scaling_policy

        def spy(*args, **kwargs):
            seen.append(threading.get_ident())
            return real(*args, **kwargs)
        with mock.patch.object(self.fx.service, 'execute_scaling_policy',
                               side_effect=spy):
            d = client.execute_scaling_policy(self.ctx, policy=pol['id'])
        self.assertTrue(d['accepted'])
        # dispatched in the caller's thread, not over the bus
        self.assertEqual([caller], seen)
        self.assertEqual([], counting.calls)
        # a failure keeps its type through the wire form
        self.assertRaises(exception.EntityNotFound,
                          client.execute_scaling_policy,
                          self.ctx, policy='no-such-policy')
        # (the engine's own converge casts went out on the bus too)
        self.assertEqual({'converge_scaling_group'}, set(counting.casts))
        before = len(counting.casts)
        client.converge_scaling_group(self.ctx, gid)
        self.assertEqual(before + 1, len(counting.casts))

    def test_a_stopped_server_stops_local_calls(self):
        endpoint = as_client._local
        self.assertIsNotNone(endpoint)
        other = rpc_server.EngineServer(self.fx.service,
                                        transport=self.fx.transport)
        other.start()
        self.assertIs(other.endpoint, as_client._local)
        other.stop()
        self.assertIsNone(as_client._local)
        self.assertNotIsInstance(as_client.get().transport,
                                 as_client._LocalCalls)

    def test_a_private_topic_does_not_serve_locally(self):
        before = as_client._local
        other = rpc_server.EngineServer(self.fx.service,
                                        transport=self.fx.transport,
                                        topic='private-topic')
        other.start()
        self.addCleanup(other.stop)
        self.assertIs(before, as_client._local)


@db_fixtures.for_each_backend
class TestCastUnderLease(ASTestBase):

    def _group_and_policy(self):
        gid = self.group(desired=0, member=NONE)
        self.settle(gid)
        pol = self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                             'change_in_capacity', 1,
                                             cooldown=0)
        return gid, pol['id']

    def test_no_cast_while_a_live_lease_holder_converges(self):
        gid, pid = self._group_and_policy()
        engine = self.fx.service.as_engine
        fence = db_api.scaling_group_acquire_lease(
            None, gid, 'other-engine', 60)
        self.assertIsNotNone(fence)
        with mock.patch.object(engine, 'cast_converge') as cast:
            d = self.rpc.execute_scaling_policy(self.ctx, pid)
        self.assertTrue(d['accepted'])
        cast.assert_not_called()
        # the lease given up: the next decision casts
        db_api.scaling_group_release_lease(None, gid, 'other-engine', fence)
        with mock.patch.object(engine, 'cast_converge',
                               wraps=engine.cast_converge) as cast:
            d = self.rpc.execute_scaling_policy(self.ctx, pid)
        self.assertTrue(d['accepted'])
        cast.assert_called_once_with(mock.ANY, gid)
        self.assertEqual(2, self.settle(gid)['current_size'])
        self.assert_consistent(gid, 2)

    def test_an_expired_lease_does_not_hold_the_cast_back(self):
        gid, pid = self._group_and_policy()
        engine = self.fx.service.as_engine
        self.assertIsNotNone(db_api.scaling_group_acquire_lease(
            None, gid, 'dead-engine', 60))
        converger.expire_lease_for_tests(gid)
        with mock.patch.object(engine, 'cast_converge') as cast:
            self.rpc.execute_scaling_policy(self.ctx, pid)
        cast.assert_called_once_with(mock.ANY, gid)

    def test_a_failing_holder_takes_a_newer_decision_on(self):
        gid, pid = self._group_and_policy()
        self.assertEqual(0, self.settle(gid)['current_size'])
        # The converger of the first decision fails its member; a second
        # decision lands while it holds the lease (no cast of its own).
        decided = []

        def fail_and_decide(group_id, name, action):
            if not decided:
                decided.append(self.rpc.execute_scaling_policy(self.ctx,
                                                               pid))
                raise RuntimeError('member failed on purpose')
        self.patch(converger, 'after_member', fail_and_decide)
        self.rpc.execute_scaling_policy(self.ctx, pid)
        # taken back: the converger goes on with the second decision's
        # version after the first failed (the sweep is off in these
        # tests), and converges (the hook fails only once)
        deadline = time.monotonic() + 60
        while True:
            g = self.rpc.show_scaling_group(self.ctx, gid)
            if g['status'] == eng.ACTIVE and g['current_size'] == 2:
                break
            if time.monotonic() > deadline:
                self.fail('not taken back: %r' % g)
            time.sleep(0.05)
        self.assertTrue(decided[0]['accepted'])
        self.assertEqual(2, g['desired_capacity'])
        self.assert_consistent(gid, 2)


@db_fixtures.for_each_backend
class TestCoalescing(ASTestBase):
    """A busy group's converger keeps the lease ``[autoscaling]
    coalesce_window`` after converging: the decisions of that window
    cast nothing and are converged together, once it ends."""

    def setUp(self):
        super().setUp()
        # long enough to fire into, whatever the machine's load
        self.window = 1.5
        cfg.CONF.set_override('coalesce_window', self.window,
                              group='autoscaling')
        self.addCleanup(cfg.CONF.clear_override, 'coalesce_window',
                        group='autoscaling')
        gid = self.group(desired=0, member=NONE)
        self.settle(gid)
        self.gid = gid
        self.pid = self.rpc.create_scaling_policy(
            self.ctx, gid, 'up', 'change_in_capacity', 1, cooldown=0)['id']

    def _heat_up(self, start=0):
        """Two decisions, the second while the first converges: the
        converger goes on with it and is then busy ("hot")."""
        decided = []

        def decide_once(group_id, name, action):
            if not decided:
                decided.append(self.rpc.execute_scaling_policy(
                    self.ctx, self.pid))
        self.patch(converger, 'after_member', decide_once)
        self.assertTrue(self.rpc.execute_scaling_policy(
            self.ctx, self.pid)['accepted'])
        self._wait(lambda g: g['current_size'] == start + 2 and
                   g['converged'])
        self.assertTrue(decided[0]['accepted'])
        self.patch(converger, 'after_member', None)

    def _wait(self, until, timeout=60, read=None):
        """Poll the group (its API dict, or what ``read()`` returns)
        until ``until`` says so; the last read."""
        read = read or (lambda: self.rpc.show_scaling_group(self.ctx,
                                                            self.gid))
        deadline = time.monotonic() + timeout
        while True:
            g = read()
            if until(g):
                return g
            if time.monotonic() > deadline:
                self.fail('not reached: %r' % g)
            time.sleep(0.02)

    def _row(self):
        return db_api.scaling_group_get(None, self.gid, None)

    def test_the_decisions_of_the_window_converge_together(self):
        self._heat_up()
        held = self._row()
        # converged, and the lease still held: the window runs
        self.assertEqual(held.version, held.converged_version)
        self.assertIsNotNone(held.lease_engine_id)
        engine = self.fx.service.as_engine
        with mock.patch.object(engine, 'cast_converge') as cast:
            for _ in range(3):
                self.assertTrue(self.rpc.execute_scaling_policy(
                    self.ctx, self.pid)['accepted'])
        cast.assert_not_called()
        self.assertEqual(5, self.settle(self.gid)['current_size'])
        self.assert_consistent(self.gid, 5)
        # by the same holder: no lease was taken in between
        self.assertEqual(held.fence, self._row().fence)
        acts = [a for a in self.rpc.list_scaling_activities(
            self.ctx, self.gid) if a['trigger'] == 'rpc']
        self.assertEqual(5, len(acts))
        self.assertEqual({'COMPLETE'}, {a['status'] for a in acts})
        # once a window passes with no decision, the lease is given up
        row = self._wait_row(lambda r: r.lease_engine_id is None)
        self.assertEqual(row.version, row.converged_version)

    def _wait_row(self, until, timeout=60):
        return self._wait(until, timeout, read=self._row)

    def test_decisions_waiting_at_the_start_make_a_busy_group(self):
        # two decisions while another engine holds the lease: neither
        # casts; that engine goes away without converging them
        fence = db_api.scaling_group_acquire_lease(None, self.gid,
                                                   'other-engine', 60)
        for _ in range(2):
            self.assertTrue(self.rpc.execute_scaling_policy(
                self.ctx, self.pid)['accepted'])
        db_api.scaling_group_release_lease(None, self.gid, 'other-engine',
                                           fence)
        results = []
        worker = threading.Thread(target=lambda: results.append(
            converger.converge(self.ctx, self.gid,
                               self.fx.service.engine_id)))
        worker.start()
        self.addCleanup(worker.join, 60)
        row = self._wait_row(lambda r: r.converged_version == r.version)
        self.assertEqual(2, len(self.member_names(self.gid)))
        # it keeps the lease for the window: the next decision casts
        # nothing and is converged by it
        self.assertEqual(fence + 1, row.fence)
        self.assertIsNotNone(row.lease_engine_id)
        engine = self.fx.service.as_engine
        with mock.patch.object(engine, 'cast_converge') as cast:
            self.rpc.execute_scaling_policy(self.ctx, self.pid)
        cast.assert_not_called()
        worker.join(60)
        self.assertEqual(['converged'], results)
        self.assertEqual(3, self.settle(self.gid)['current_size'])
        self.assert_consistent(self.gid, 3)

    def test_a_quiet_group_gives_the_lease_up_at_once(self):
        # one decision at a time: nothing came while it converged, so
        # the next one casts (the lease was not kept for the window)
        engine = self.fx.service.as_engine
        for n in (1, 2):
            with mock.patch.object(engine, 'cast_converge',
                                   wraps=engine.cast_converge) as cast:
                self.assertTrue(self.rpc.execute_scaling_policy(
                    self.ctx, self.pid)['accepted'])
            cast.assert_called_once_with(mock.ANY, self.gid)
            self.assertEqual(n, self.settle(self.gid)['current_size'])
            self._wait_row(lambda r: r.lease_engine_id is None, 10)

    def test_no_window_when_zero_or_when_enough_convergers_wait(self):
        for how in ('zero', 'full'):
            if how == 'zero':
                cfg.CONF.set_override('coalesce_window', 0,
                                      group='autoscaling')
            else:
                cfg.CONF.set_override('coalesce_window', self.window,
                                      group='autoscaling')
                # MAX_COALESCING convergers of this process wait already
                self.patch(converger, '_coalescing',
                           threading.BoundedSemaphore(1))
                converger._coalescing.acquire()
            start = self._row().desired_capacity
            self._heat_up(start)
            row = self._wait_row(lambda r: r.lease_engine_id is None, 10)
            self.assertEqual(row.version, row.converged_version, how)
            engine = self.fx.service.as_engine
            with mock.patch.object(engine, 'cast_converge',
                                   wraps=engine.cast_converge) as cast:
                self.rpc.execute_scaling_policy(self.ctx, self.pid)
            cast.assert_called_once_with(mock.ANY, self.gid)
            self.settle(self.gid)

    def test_the_window_is_at_most_a_third_of_the_lease(self):
        class Stop:
            waited = []

            def is_set(self):
                return False

            def wait(self, seconds):
                self.waited.append(seconds)
                return False
        version = self._row().version
        for window, ttl, expected in ((0.5, 60, 0.5), (5, 3, 1.0)):
            cfg.CONF.set_override('coalesce_window', window,
                                  group='autoscaling')
            cfg.CONF.set_override('lease_ttl', ttl, group='autoscaling')
            self.addCleanup(cfg.CONF.clear_override, 'lease_ttl',
                            group='autoscaling')
            conv = converger.Converger(self.ctx, self.gid, 'A', Stop())
            conv.hot = True
            # nothing came during the window: the caller releases
            self.assertFalse(conv._coalesce(version))
            self.assertEqual(expected, Stop.waited[-1])
        # a group that is not busy does not wait at all
        conv = converger.Converger(self.ctx, self.gid, 'A', Stop())
        self.assertFalse(conv._coalesce(version))
        self.assertEqual(2, len(Stop.waited))

    def test_a_delete_in_the_window_is_converged_by_the_holder(self):
        self._heat_up()
        self.assertIsNotNone(self._row().lease_engine_id)
        self.rpc.delete_scaling_group(self.ctx, self.gid)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.rpc.show_scaling_group(self.ctx, self.gid)
            except exception.EntityNotFound:
                break
            if time.monotonic() > deadline:
                self.fail('group not deleted')
            time.sleep(0.05)
        self.assertEqual([], self.member_names(self.gid))
        self.assertEqual([], self.resource_names(self.gid))


class TestPoolSize(base.TestCase):

    def test_server_databases_keep_twenty_connections(self):
        conf = config.make_conf(default_config_files=[])
        self.assertEqual(20, conf.database.max_pool_size)
