"""The AS engine through the real RPC path (EngineClient -> EngineService),
on SQLite, MariaDB and PostgreSQL."""

import threading
import time

import sqlalchemy as sa
from oslo_config import cfg

from heat.common import context, exception, notify
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import converger, sweep
from heat.engine.autoscaling import engine as eng
from heat.scaling import decision as dec
from heat.tests import db_fixtures, engine_fixture

NONE = {'type': 'OS::Heat::None'}
WAIT = 60


def ctx(project='p1'):
    return context.RequestContext(project_id=project, user_id='u1',
                                  user_name='user')


class ASTestBase(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.fx = self.useFixture(engine_fixture.EngineFixture())
        self.rpc = self.fx.client
        self.ctx = ctx()
        self.notes = []
        fn = lambda c, t, p, level: self.notes.append((t, p))  # noqa: E731
        notify.subscribe(fn)
        self.addCleanup(notify.unsubscribe, fn)

    def settle(self, gid, timeout=WAIT):
        """Wait until the group is converged (or FAILED); its dict."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.fx.transport._wait_casts(1) if hasattr(
                self.fx.transport, '_wait_casts') else None
            try:
                g = self.rpc.show_scaling_group(self.ctx, gid,
                                                with_members=True)
            except exception.EntityNotFound:
                return None
            if g['converged'] or g['status'] == 'FAILED':
                return g
            time.sleep(0.05)
        self.fail('group %s did not converge: %r' % (gid, g))

    def group(self, desired=2, min_size=0, max_size=500, cooldown=None,
              member=NONE, **kw):
        g = self.rpc.create_scaling_group(
            self.ctx, 'g1', min_size, max_size, member,
            desired_capacity=desired, cooldown=cooldown, **kw)
        return g['id']

    def resource_names(self, gid):
        with db_api.reader(None) as session:
            return sorted(r.name for r in session.query(
                models.Resource).filter(models.Resource.stack_id == gid))

    def member_names(self, gid):
        return sorted(m.name for m in
                      db_api.scaling_member_get_all(None, gid))

    def assert_consistent(self, gid, n):
        self.assertEqual(n, len(self.member_names(gid)))
        self.assertEqual(self.member_names(gid), self.resource_names(gid))
        members = db_api.scaling_member_get_all(None, gid)
        self.assertEqual({'ACTIVE'}, {m.status for m in members} or
                         {'ACTIVE'})


@db_fixtures.for_each_backend
class TestGroups(ASTestBase):

    def test_create_reaches_desired(self):
        gid = self.group(desired=3)
        g = self.settle(gid)
        self.assertEqual('ACTIVE', g['status'])
        self.assertEqual(3, g['current_size'])
        self.assert_consistent(gid, 3)
        # the member stack shows the members as ordinary resources
        from heat.engine import stack as stack_mod
        stk = stack_mod.Stack.load(self.ctx, gid)
        self.assertEqual(sorted(stk.resources), self.member_names(gid))
        self.assertEqual({('CREATE', 'COMPLETE')},
                         {tuple(r.state) for r in stk.resources.values()})
        # .start/.end pair up for scaling triggers, as upstream's
        # adjust() sends them: creating the group sends neither
        self.assertEqual([], [t for t, p in self.notes
                              if t.startswith('orchestration.autoscaling')])
        up = self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                            'change_in_capacity', 1)
        self.rpc.execute_scaling_policy(self.ctx, up['id'])
        self.settle(gid)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and 'orchestration.autoscaling.end' \
                not in [t for t, p in self.notes]:
            time.sleep(0.01)
        self.assertEqual(['orchestration.autoscaling.start',
                          'orchestration.autoscaling.end'],
                         [t for t, p in self.notes
                          if t.startswith('orchestration.autoscaling')])

    def test_validation_messages(self):
        e = self.assertRaises(exception.Invalid,
                              self.rpc.create_scaling_group, self.ctx, 'g',
                              5, 2, NONE)
        self.assertIn('MinSize can not be greater than MaxSize', str(e))
        e = self.assertRaises(exception.Invalid,
                              self.rpc.create_scaling_group, self.ctx, 'g',
                              1, 2, NONE, desired_capacity=3)
        self.assertIn('DesiredCapacity must be between MinSize and MaxSize',
                      str(e))

    def test_group_cools_down_from_its_creation(self):
        # upstream: a cooldown starts when the group is created
        gid = self.group(desired=1, cooldown=60)
        self.settle(gid)
        up = self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                            'change_in_capacity', 1)
        d = self.rpc.execute_scaling_policy(self.ctx, up['id'])
        self.assertFalse(d['accepted'])
        self.assertEqual('cooldown', d['rejection'])
        # the answer carries the end its reason names
        self.assertIsNotNone(d['cooldown_end'])
        self.assertIn(dec.iso(d['cooldown_end']), d['reason'])
        self.assertEqual(1, self.settle(gid)['current_size'])
        # without a group cooldown the first trigger scales at once
        gid2 = self.rpc.create_scaling_group(
            self.ctx, 'g2', 0, 5, NONE, desired_capacity=1)['id']
        self.settle(gid2)
        up2 = self.rpc.create_scaling_policy(self.ctx, gid2, 'up2',
                                             'change_in_capacity', 1,
                                             cooldown=60)
        self.assertTrue(self.rpc.execute_scaling_policy(
            self.ctx, up2['id'])['accepted'])

    def test_scale_out_in_and_cooldown(self):
        gid = self.group(desired=1)
        self.settle(gid)
        up = self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                            'change_in_capacity', 2,
                                            cooldown=60)
        down = self.rpc.create_scaling_policy(self.ctx, 'g1', 'down',
                                              'change_in_capacity', -1,
                                              cooldown=0)
        d = self.rpc.execute_scaling_policy(self.ctx, up['id'])
        self.assertTrue(d['accepted'])
        self.assertEqual((1, 3), (d['current'], d['desired']))
        self.assertFalse(d['repeated'])
        self.assertEqual(3, self.settle(gid)['current_size'])
        self.assert_consistent(gid, 3)
        d2 = self.rpc.execute_scaling_policy(self.ctx, 'up')
        self.assertFalse(d2['accepted'])
        self.assertEqual('cooldown', d2['rejection'])
        self.assertIn('rejected: cooldown until', d2['reason'])
        # the policy's own cooldown (0) wins over the group's for 'down'
        # but the group's cooldown end is still ahead: rejected too
        d3 = self.rpc.execute_scaling_policy(self.ctx, down['id'])
        self.assertEqual('cooldown', d3['rejection'])
        r = self.rpc.resize_scaling_group(self.ctx, gid, capacity=1)
        self.assertTrue(r['accepted'])
        self.assertEqual(1, self.settle(gid)['current_size'])
        self.assert_consistent(gid, 1)
        acts = self.rpc.list_scaling_activities(self.ctx, gid)
        statuses = [(a['trigger'], a['status']) for a in acts]
        self.assertIn(('rpc', 'REJECTED'), statuses)
        self.assertIn(('resize', 'COMPLETE'), statuses)
        self.assertIn(('rpc', 'COMPLETE'), statuses)

    def test_suspended_and_bounds(self):
        gid = self.group(desired=1, max_size=1)
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                       'change_in_capacity', 1)
        d = self.rpc.execute_scaling_policy(self.ctx, 'up')
        self.assertEqual('at_max', d['rejection'])
        self.rpc.suspend_scaling_group(self.ctx, gid)
        d = self.rpc.execute_scaling_policy(self.ctx, 'up')
        self.assertEqual('suspended', d['rejection'])
        self.rpc.resume_scaling_group(self.ctx, gid)

    def test_scale_out_within_the_resource_limit(self):
        # upstream refuses a scale-out past max_resources_per_stack; the
        # decision says so (capped where some room is left, else refused)
        cfg.CONF.set_override('max_resources_per_stack', 3)
        self.addCleanup(cfg.CONF.clear_override, 'max_resources_per_stack')
        gid = self.group(desired=2, max_size=10, cooldown=0)
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                       'change_in_capacity', 3)
        d = self.rpc.execute_scaling_policy(self.ctx, 'up')
        self.assertTrue(d['accepted'], d)
        self.assertEqual((2, 3), (d['current'], d['desired']))
        self.assertIn('capped at 3: max_resources_per_stack is 3',
                      d['reason'])
        self.assertEqual(3, self.settle(gid)['current_size'])
        self.assert_consistent(gid, 3)
        d = self.rpc.execute_scaling_policy(self.ctx, 'up')
        self.assertFalse(d['accepted'])
        self.assertEqual(dec.REJECT_RESOURCE_LIMIT, d['rejection'])
        self.assertIn('at most 3 members fit', d['reason'])
        self.assertEqual(3, self.settle(gid)['current_size'])
        # scaling in is never limited
        self.rpc.create_scaling_policy(self.ctx, gid, 'down',
                                       'change_in_capacity', -1)
        d = self.rpc.execute_scaling_policy(self.ctx, 'down')
        self.assertTrue(d['accepted'], d)

    def test_resource_limit_counts_what_members_hold(self):
        # a provider-template member of two resources counts three
        cfg.CONF.set_override('max_resources_per_stack', 7)
        self.addCleanup(cfg.CONF.clear_override, 'max_resources_per_stack')
        member_tmpl = ('heat_template_version: 2018-08-31\n'
                       'resources:\n'
                       '  a: {type: OS::Heat::None}\n'
                       '  b: {type: OS::Heat::None}\n')
        gid = self.group(desired=1, max_size=10, cooldown=0,
                         member={'type': 'm.yaml'},
                         files={'m.yaml': member_tmpl})
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                       'change_in_capacity', 3)
        d = self.rpc.execute_scaling_policy(self.ctx, 'up')
        self.assertEqual((1, 2), (d['current'], d['desired']))
        self.assertIn('a member counts 3', d['reason'])
        # unlimited: no check
        cfg.CONF.set_override('max_resources_per_stack', -1)
        self.settle(gid)
        d = self.rpc.execute_scaling_policy(self.ctx, 'up')
        self.assertEqual((2, 5), (d['current'], d['desired']))

    def test_idempotency(self):
        gid = self.group(desired=0)
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                       'change_in_capacity', 1)
        d1 = self.rpc.execute_scaling_policy(self.ctx, 'up',
                                             idempotency_key='k1')
        d2 = self.rpc.execute_scaling_policy(self.ctx, 'up',
                                             idempotency_key='k1')
        self.assertTrue(d2['repeated'])
        self.assertEqual(d1['activity_id'], d2['activity_id'])
        self.assertEqual(d1['desired'], d2['desired'])
        g = self.settle(gid)
        self.assertEqual(1, g['desired_capacity'])
        self.assertEqual(1, len([a for a in self.rpc.list_scaling_activities(
            self.ctx, gid) if a['trigger'] == 'rpc']))

    def test_webhook(self):
        gid = self.group(desired=0)
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                       'change_in_capacity', 1)
        hook = self.rpc.create_webhook(self.ctx, 'up', name='w')
        token = hook['token']
        with db_api.reader(None) as session:
            stored = session.query(models.ScalingWebhook).one()
        self.assertEqual(eng.token_hash(token), stored.token_hash)
        self.assertNotIn(token, repr(stored.__dict__))
        d = self.rpc.execute_webhook(context.RequestContext(), token)
        self.assertTrue(d['accepted'])
        e = self.assertRaises(exception.EntityNotFound,
                              self.rpc.execute_webhook,
                              context.RequestContext(), 'nope')
        self.assertIn('<redacted>', str(e))
        self.assertEqual(1, self.settle(gid)['current_size'])

    def test_remove_members_and_unhealthy(self):
        gid = self.group(desired=3, min_size=1)
        g = self.settle(gid)
        names = [m['name'] for m in g['members']]
        g = self.rpc.remove_scaling_members(self.ctx, gid, [names[0]])
        self.assertEqual(2, g['desired_capacity'])
        g = self.settle(gid)
        self.assertNotIn(names[0], [m['name'] for m in g['members']])
        self.assert_consistent(gid, 2)
        e = self.assertRaises(exception.Invalid,
                              self.rpc.remove_scaling_members, self.ctx, gid,
                              names[1:])
        self.assertIn('MinSize', str(e))
        self.rpc.mark_member_unhealthy(self.ctx, gid, names[1], 'broken')
        g = self.settle(gid)
        self.assertEqual(2, g['current_size'])
        self.assertNotIn(names[1], [m['name'] for m in g['members']])
        self.assert_consistent(gid, 2)

    def test_member_failure_fails_group(self):
        gid = self.group(desired=1, member={
            'type': 'OS::Heat::TestResource',
            'properties': {'fail': True}})
        g = self.settle(gid)
        self.assertEqual('FAILED', g['status'])
        self.assertTrue(g['status_reason'].startswith(
            'Resource CREATE failed: '), g['status_reason'])
        self.assertIn('orchestration.autoscaling.error',
                      [t for t, p in self.notes])

    def test_delete_removes_everything(self):
        gid = self.group(desired=3)
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                       'change_in_capacity', 1)
        self.rpc.execute_scaling_policy(self.ctx, 'up')
        self.rpc.delete_scaling_group(self.ctx, gid)
        self.assertIsNone(self.settle(gid))
        counts = self.count_rows()
        for table in ('scaling_group', 'scaling_member', 'scaling_policy',
                      'scaling_activity', 'scaling_trigger_receipt',
                      'resource'):
            self.assertNotIn(table, counts)
        self.assertIsNone(db_api.stack_get(None, gid, 'p1'))

    def test_project_isolation(self):
        gid = self.group(desired=0)
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                       'change_in_capacity', 1)
        other = ctx('p2')
        for call in (lambda: self.rpc.show_scaling_group(other, gid),
                     lambda: self.rpc.show_scaling_group(other, 'g1'),
                     lambda: self.rpc.execute_scaling_policy(other, 'up'),
                     lambda: self.rpc.delete_scaling_group(other, gid),
                     lambda: self.rpc.resize_scaling_group(other, gid,
                                                           capacity=3)):
            self.assertRaises(exception.EntityNotFound, call)
        self.assertEqual([], self.rpc.list_scaling_groups(other))
        self.assertEqual(1, len(self.rpc.list_scaling_groups(self.ctx)))
        self.assertEqual(0, self.rpc.show_scaling_group(
            self.ctx, gid)['desired_capacity'])

    def test_rolling_update(self):
        gid = self.group(desired=4, member={
            'type': 'OS::Heat::RandomString', 'properties': {'length': 8}},
            rolling_update={'min_in_service': 2, 'max_batch_size': 2,
                            'pause_time': 0})
        g = self.settle(gid)
        before = {m['name'] for m in g['members']}
        batches = []
        converger.before_batch = lambda gid, b: batches.append(
            (len(b.create), len(b.remove), len(b.update)))
        self.addCleanup(setattr, converger, 'before_batch', None)
        self.rpc.update_scaling_group(self.ctx, gid, member_definition={
            'type': 'OS::Heat::RandomString', 'properties': {'length': 12}})
        g = self.settle(gid)
        self.assertEqual(4, g['current_size'])
        self.assertEqual({1}, {m['generation'] for m in g['members']})
        self.assertEqual(before, {m['name'] for m in g['members']})
        self.assert_consistent(gid, 4)
        # max_batch_size 2 over 4 members: 2 batches of 2 updates each
        self.assertEqual([(0, 0, 2), (0, 0, 2)], batches)
        from heat.engine import stack as stack_mod
        stk = stack_mod.Stack.load(self.ctx, gid)
        self.assertEqual({12}, {len(r.FnGetAtt('value'))
                                for r in stk.resources.values()})
        self.assertIsNone(db_api.scaling_group_get(
            None, gid, None).rolling_generation)


@db_fixtures.for_each_backend
class TestConcurrency(ASTestBase):

    def _fire(self, policy, n=200, threads=20):
        results = []
        errors = []
        lock = threading.Lock()
        todo = list(range(n))

        def worker():
            while True:
                with lock:
                    if not todo:
                        return
                    todo.pop()
                try:
                    r = self.rpc.execute_scaling_policy(self.ctx, policy)
                    with lock:
                        results.append(r)
                except Exception as exc:  # noqa: BLE001
                    with lock:
                        errors.append(exc)

        ts = [threading.Thread(target=worker) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual([], errors)
        return results

    def test_200_triggers_cooldown_0(self):
        gid = self.group(desired=0, max_size=150, cooldown=0)
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                       'change_in_capacity', 1)
        results = self._fire('up')
        self.assertEqual(200, len({r['activity_id'] for r in results}))
        self.assertEqual(150, sum(1 for r in results if r['accepted']))
        self.assertEqual(50, sum(1 for r in results
                                 if r['rejection'] == 'at_max'))
        g = self.settle(gid)
        self.assertEqual(150, g['desired_capacity'])
        self.assertEqual(150, g['current_size'])
        self.assert_consistent(gid, 150)

    def test_200_triggers_cooldown_60(self):
        gid = self.group(desired=0)
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up',
                                       'change_in_capacity', 1, cooldown=60)
        results = self._fire('up')
        self.assertEqual(1, sum(1 for r in results if r['accepted']))
        self.assertEqual(199, sum(1 for r in results
                                  if r['rejection'] == 'cooldown'))
        self.assertEqual(200, len({r['activity_id'] for r in results}))
        self.assertEqual(1, self.settle(gid)['current_size'])


@db_fixtures.for_each_backend
class TestCostAndRecovery(ASTestBase):

    def _rows(self):
        return sum(self.count_rows().values())

    def _step_cost(self, n):
        gid = self.rpc.create_scaling_group(
            self.ctx, 'g%d' % n, 0, 1000, NONE, desired_capacity=n)['id']
        self.settle(gid)
        self.rpc.create_scaling_policy(self.ctx, gid, 'up%d' % n,
                                       'change_in_capacity', 1)
        writes = []

        def count(conn, cursor, statement, params, context, executemany):
            if statement.lstrip().upper().startswith(('INSERT', 'UPDATE',
                                                   'DELETE')):
                writes.append(statement)

        rows0 = self._rows()
        sa.event.listen(self.engine, 'before_cursor_execute', count)
        try:
            self.rpc.execute_scaling_policy(self.ctx, 'up%d' % n)
            self.settle(gid)
        finally:
            sa.event.remove(self.engine, 'before_cursor_execute', count)
        self.assert_consistent(gid, n + 1)
        return self._rows() - rows0, len(writes)

    def test_plus_one_costs_the_same_at_10_and_200(self):
        rows10, writes10 = self._step_cost(10)
        rows200, writes200 = self._step_cost(200)
        self.assertEqual(rows10, rows200)
        self.assertEqual(writes10, writes200)
        self.__class__.measured = (rows10, writes10, rows200, writes200)

    def test_killed_converger_is_resumed(self):
        self.useFixture(engine_fixture._Override(
            cfg.CONF, 'converge_batch_size', 5, group='autoscaling'))
        gid = self.group(desired=0)
        self.settle(gid)

        class Killed(BaseException):
            pass

        made = []

        def kill(group_id, name, action):
            made.append(name)
            if len(made) == 3:
                raise Killed()

        converger.after_member = kill
        self.addCleanup(setattr, converger, 'after_member', None)
        self.fx.service.as_engine.cast_converge = lambda c, g: None
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=12)
        self.assertRaises(Killed, converger.converge, ctx(), gid, 'dead')
        converger.after_member = None
        # the dead engine's lease holds: nobody else converges yet
        self.assertEqual(converger.BUSY,
                         converger.converge(ctx(), gid, 'other'))
        converger.expire_lease_for_tests(gid)
        self.assertEqual([gid], sweep.sweep_once(
            cast=lambda c, g: converger.converge(c, g, 'other')))
        g = self.settle(gid)
        self.assertEqual(12, g['current_size'])
        self.assert_consistent(gid, 12)

    def test_fenced_converger_writes_nothing(self):
        gid = self.group(desired=0)
        self.settle(gid)
        self.fx.service.as_engine.cast_converge = lambda c, g: None
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=3)
        paused, go = threading.Event(), threading.Event()

        def hold(group_id, batch):
            paused.set()
            go.wait(WAIT)

        converger.before_batch = hold
        self.addCleanup(setattr, converger, 'before_batch', None)
        out = []
        t = threading.Thread(target=lambda: out.append(
            converger.converge(ctx(), gid, 'A')))
        t.start()
        self.assertTrue(paused.wait(WAIT))
        converger.before_batch = None
        converger.expire_lease_for_tests(gid)
        fence_b = db_api.scaling_group_acquire_lease(None, gid, 'B', 60)
        self.assertIsNotNone(fence_b)
        members_before = self.member_names(gid)
        go.set()
        t.join(WAIT)
        self.assertEqual([converger.LEASE_LOST], out)
        # A acted on its batch but recorded nothing after losing the lease
        self.assertEqual(members_before, self.member_names(gid))
        self.assertEqual({'PENDING'}, {m.status for m in
                                       db_api.scaling_member_get_all(
                                           None, gid)})
        g = db_api.scaling_group_get(None, gid, None)
        self.assertEqual(('B', fence_b), (g.lease_engine_id, g.fence))
        db_api.scaling_group_release_lease(None, gid, 'B', fence_b)
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), gid, 'C'))
        self.assert_consistent(gid, 3)


@db_fixtures.for_each_backend
class TestServedSweep(db_fixtures.DBTestCase):

    def test_sweep_thread_resumes_a_killed_converger(self):
        self.useFixture(engine_fixture._Override(
            cfg.CONF, 'lease_ttl', 2, group='autoscaling'))
        fx = self.useFixture(engine_fixture.EngineFixture(sweep_interval=1))
        self.assertIsNotNone(fx.service._as_sweeper)
        c = ctx()

        class Killed(BaseException):
            pass

        def kill(group_id, batch):
            converger.before_batch = None
            raise Killed()

        converger.before_batch = kill
        self.addCleanup(setattr, converger, 'before_batch', None)
        fx.service.as_engine.cast_converge = lambda cn, g: None
        gid = fx.client.create_scaling_group(c, 'g', 0, 10, NONE,
                                             desired_capacity=4)['id']
        self.assertRaises(Killed, converger.converge, c, gid, 'dead')
        deadline = time.time() + WAIT
        while time.time() < deadline:
            g = fx.client.show_scaling_group(c, gid)
            if g['converged']:
                break
            time.sleep(0.2)
        self.assertTrue(g['converged'], g)
        self.assertEqual(4, g['current_size'])
        names = sorted(m.name for m in db_api.scaling_member_get_all(
            None, gid))
        with db_api.reader(None) as session:
            rows = sorted(r.name for r in session.query(
                models.Resource).filter(models.Resource.stack_id == gid))
        self.assertEqual(names, rows)
        self.assertEqual(4, len(rows))
