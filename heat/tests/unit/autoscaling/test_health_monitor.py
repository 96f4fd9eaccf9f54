"""The health monitor (heat.engine.autoscaling.health) on a real engine,
with real HTTP: status and HTTP checks, replacement, the guard, the
replacement limit, the grace period, the claim."""

import time

from heat.db import api as db_api
from heat.engine.autoscaling import converger, health
from heat.tests import db_fixtures, health_server
from heat.tests.unit.autoscaling import test_engine as base

HTTP = {'type': 'http', 'url_attribute': 'url', 'interval': 5,
        'timeout': 1, 'unhealthy_threshold': 3}


@db_fixtures.for_each_backend
class TestHealthMonitor(base.ASTestBase):

    def setUp(self):
        super().setUp()
        self.server = health_server.HealthServer().start()
        self.addCleanup(self.server.stop)
        self.as_engine = self.fx.service.as_engine
        self.now = time.time()

    def monitor(self, engine=None):
        # the member URLs come from the test's server (one key per
        # member); the service's own resolver is tested below
        m = health.Monitor(engine or self.as_engine, self.urls, tick=0)
        self.addCleanup(m.poller.close)
        return m

    def urls(self, cnxt, g, rows, name):
        self.assertEqual('url', name)
        return {m.name: self.server.url(m.name) for m in rows}

    def rounds(self, monitor, n, interval=5):
        # members are judged from their creation on (no grace period)
        self.now = max(self.now, time.time())
        for _ in range(n):
            monitor.run_once(now=self.now)
            self.now += interval

    def activities(self, gid, trigger='unhealthy'):
        return [a for a in self.rpc.list_scaling_activities(self.ctx, gid)
                if a['trigger'] == trigger]

    def test_http_failures_replace_the_members(self):
        gid = self.group(desired=10, health_check=HTTP)
        names = [m['name'] for m in self.settle(gid)['members']]
        bad = names[2:4]
        self.server.fail(*bad)
        done = []
        converger.after_member = lambda g, name, action: done.append(
            (action, name))
        self.addCleanup(setattr, converger, 'after_member', None)
        mon = self.monitor()
        self.rounds(mon, 2)
        # two failures are below the threshold: nothing yet
        self.assertEqual([], self.activities(gid))
        self.rounds(mon, 1)
        acts = self.activities(gid)
        self.assertEqual(2, len(acts))
        for a in acts:
            member = a['decision']['member']
            self.assertIn(member, bad)
            self.assertEqual('http', a['decision']['check'])
            self.assertIn('GET %s answered 500 (expected 200) (3 '
                          'consecutive failures)' % self.server.url(member),
                          a['reason'])
        g = self.settle(gid)
        now = [m['name'] for m in g['members']]
        self.assertEqual(10, len(now))
        self.assertEqual([], [n for n in bad if n in now])
        self.assertEqual(8, len(set(names) & set(now)))
        self.assert_consistent(gid, 10)
        # replacements made before the unhealthy went (room below max)
        first_delete = min(i for i, (a, _n) in enumerate(done)
                           if a == 'delete')
        self.assertEqual(2, sum(1 for a, _n in done[:first_delete]
                                if a == 'create'))
        self.assertEqual({'COMPLETE'},
                         {a['status'] for a in self.activities(gid)})
        self.rounds(mon, 1)
        h = self.rpc.show_scaling_group(self.ctx, gid)['health']
        self.assertEqual('HEALTHY', h['status'])
        self.assertEqual(self.fx.engine_id, h['engine_id'])

    def test_guard_replaces_none_and_says_why(self):
        gid = self.group(desired=10, health_check=HTTP)
        names = [m['name'] for m in self.settle(gid)['members']]
        self.server.fail(*names[:7])
        mon = self.monitor()
        self.rounds(mon, 5)
        g = self.settle(gid)
        self.assertEqual(sorted(names),
                         sorted(m['name'] for m in g['members']))
        self.assertEqual('GUARDED', g['health']['status'])
        self.assertIn('7 of 10 members unhealthy (70%), more than '
                      'max_unhealthy_percent 50%: none replaced',
                      g['health']['reason'])
        acts = self.activities(gid)
        # one record on entering the guard, not one per round
        self.assertEqual(['REJECTED'], [a['status'] for a in acts])
        # the outage ends for most (healthy again after
        # healthy_threshold passes): the two still failing are replaced
        self.server.heal(*names[2:7])
        self.rounds(mon, 2)
        g = self.settle(gid)
        self.assertEqual(
            set(names[2:]), set(names) & {m['name'] for m in g['members']})

    def test_replacement_limit(self):
        gid = self.group(desired=4, health_check=dict(
            HTTP, max_replacements=1, replacement_period=600))
        names = sorted(m['name'] for m in self.settle(gid)['members'])
        self.server.fail(*names[:2])
        mon = self.monitor()
        self.rounds(mon, 3)
        g = self.settle(gid)
        self.assertEqual('LIMITED', g['health']['status'])
        self.assertIn('max_replacements is 1: %s wait(s)' % names[1],
                      g['health']['reason'])
        kept = {m['name'] for m in g['members']}
        self.assertNotIn(names[0], kept)
        self.assertIn(names[1], kept)
        self.rounds(mon, 2)
        self.assertIn(names[1], {m['name'] for m in
                                 self.settle(gid)['members']})
        self.assertEqual(['REJECTED', 'COMPLETE'], sorted(
            (a['status'] for a in self.activities(gid)), reverse=True))

    def test_status_check_and_grace_period(self):
        gid = self.group(desired=3, health_check={'type': 'status',
                                                  'grace_period': 60})
        names = [m['name'] for m in self.settle(gid)['members']]
        self._fail_resource(gid, names[0])
        mon = self.monitor()
        # within the grace period: not judged
        mon.run_once(now=time.time())
        self.assertEqual([], self.activities(gid))
        self.assertEqual(0, self.rpc.show_scaling_group(
            self.ctx, gid)['health']['members'])
        mon._groups.clear()
        mon.run_once(now=time.time() + 61)
        acts = self.activities(gid)
        self.assertEqual(1, len(acts))
        self.assertEqual('status', acts[0]['decision']['check'])
        self.assertIn('resource %s is CHECK_FAILED: broken disk' % names[0],
                      acts[0]['reason'])
        g = self.settle(gid)
        self.assertNotIn(names[0], [m['name'] for m in g['members']])
        self.assert_consistent(gid, 3)

    def _fail_resource(self, gid, name):
        from heat.db import models
        with db_api.writer(None) as session:
            row = session.query(models.Resource).filter_by(
                stack_id=gid, name=name).one()
            row.action, row.status = 'CHECK', 'FAILED'
            row.status_reason = 'broken disk'

    def test_one_engine_at_a_time(self):
        gid = self.group(desired=2, health_check=HTTP)
        self.settle(gid)
        first = self.monitor()
        other = health.Monitor(type(self.as_engine)('engine-other'),
                               self.urls, tick=0)
        self.addCleanup(other.poller.close)
        self.assertEqual([gid], first.run_once(now=self.now))
        self.assertEqual([], other.run_once(now=self.now + 100))
        # the first engine stops: its claim is released, the other takes
        # the group over at its next look
        first.stop()
        self.assertEqual([gid], other.run_once(now=self.now + 200))
        self.assertEqual('engine-other', self.rpc.show_scaling_group(
            self.ctx, gid)['health']['engine_id'])

    def test_service_resolves_the_url_attribute(self):
        gid = self.group(desired=2, health_check=dict(
            HTTP, url_attribute='output'), member={
            'type': 'OS::Heat::TestResource',
            'properties': {'value': self.server.url('shared')}})
        self.settle(gid)
        mon = health.Monitor(self.as_engine,
                             self.fx.service._member_attribute_values,
                             tick=0)
        self.addCleanup(mon.poller.close)
        mon.run_once(now=time.time())
        self.assertEqual(2, self.server.hits['shared'])

    def test_unresolvable_attribute_counts_as_failure(self):
        gid = self.group(desired=2, health_check=dict(
            HTTP, url_attribute='nosuch', unhealthy_threshold=1),
            member={'type': 'OS::Heat::TestResource'})
        self.settle(gid)
        mon = health.Monitor(self.as_engine,
                             self.fx.service._member_attribute_values,
                             tick=0)
        self.addCleanup(mon.poller.close)
        mon.run_once(now=time.time())
        g = self.rpc.show_scaling_group(self.ctx, gid)
        # both fail: the guard keeps them, and says why each failed
        self.assertEqual('GUARDED', g['health']['status'])
        [act] = self.activities(gid)
        self.assertEqual('REJECTED', act['status'])
        self.assertEqual(2, len(act['decision']['unhealthy']))
        for why in act['decision']['unhealthy'].values():
            self.assertIn('http check: ', why)
            self.assertIn('nosuch', why)

    def test_removing_the_check_stops_checking(self):
        gid = self.group(desired=1, health_check=HTTP)
        self.settle(gid)
        mon = self.monitor()
        self.assertEqual([gid], mon.run_once(now=self.now))
        g = self.rpc.update_scaling_group(self.ctx, gid, health_check={})
        self.assertIsNone(g['health_check'])
        self.assertIsNone(g['health'])
        self.assertEqual([], mon.run_once(now=self.now + 100))


@db_fixtures.for_each_backend
class TestHealthGatedRollingUpdate(base.ASTestBase):
    """A rolling update of a group with a health check goes on batch by
    batch only once the batch's new members are HEALTHY."""

    CHECK = {'type': 'http', 'url_attribute': 'output', 'interval': 0.3,
             'timeout': 0.25, 'healthy_threshold': 1,
             'unhealthy_threshold': 1}

    def setUp(self):
        super().setUp()
        self.server = health_server.HealthServer().start()
        self.addCleanup(self.server.stop)
        self.events = []
        converger.after_member = lambda g, name, action: self.events.append(
            (action, name))
        self.addCleanup(setattr, converger, 'after_member', None)

    def member(self, key):
        return {'type': 'OS::Heat::TestResource',
                'properties': {'value': self.server.url(key)}}

    def start_monitor(self):
        mon = health.Monitor(self.fx.service.as_engine,
                             self.fx.service._member_attribute_values,
                             tick=0.05).start()
        self.addCleanup(mon.stop, 5)

    def make(self, **check):
        gid = self.group(desired=3, member=self.member('v1'),
                         health_check=dict(self.CHECK, **check),
                         rolling_update={'max_batch_size': 1})
        self.settle(gid)
        self.start_monitor()
        deadline = time.time() + 30
        while time.time() < deadline:
            rows = db_api.scaling_member_get_all(None, gid)
            if all(m.health == 'HEALTHY' for m in rows):
                return gid, sorted(m.name for m in rows)
            time.sleep(0.05)
        self.fail('members never HEALTHY')

    def outputs(self, gid):
        return {m['name']: (m['generation'], m['attributes']['output'])
                for m in self.rpc.list_scaling_members(
                    self.ctx, gid, attributes=['output'])}

    def test_batches_wait_for_health(self):
        gid, names = self.make()
        seen = []

        def before_batch(group_id, plan):
            # the members already updated are HEALTHY before a batch goes
            rows = db_api.scaling_member_get_all(None, group_id)
            seen.append(sorted(m.health for m in rows
                               if m.generation == 1))
        converger.before_batch = before_batch
        self.addCleanup(setattr, converger, 'before_batch', None)
        self.rpc.update_scaling_group(self.ctx, gid,
                                      member_definition=self.member('v2'))
        g = self.settle(gid)
        self.assertEqual('ACTIVE', g['status'])
        self.assertEqual({n: (1, self.server.url('v2')) for n in names},
                         self.outputs(gid))
        self.assertEqual([[], ['HEALTHY'], ['HEALTHY', 'HEALTHY']], seen)

    def test_unhealthy_batch_stops_the_update(self):
        gid, names = self.make()
        self.server.fail('v2')
        self.rpc.update_scaling_group(self.ctx, gid,
                                      member_definition=self.member('v2'))
        g = self.settle(gid)
        self.assertEqual('FAILED', g['status'])
        updated = [n for a, n in self.events if a == 'update']
        self.assertEqual(1, len(updated))
        self.assertIn('rolling update to generation 1 stopped: member(s) '
                      '%s of the rolling update found unhealthy' % updated[0],
                      g['status_reason'])
        self.assertIn('answered 500', g['status_reason'])
        expected = {n: (0, self.server.url('v1')) for n in names}
        expected[updated[0]] = (1, self.server.url('v2'))
        self.assertEqual(expected, self.outputs(gid))
        # the gate's member was not replaced by the monitor meanwhile
        self.assertEqual(names, sorted(self.outputs(gid)))

    def test_rollback_puts_the_previous_definition_back(self):
        gid, names = self.make(rollback=True)
        self.server.fail('v2')
        self.rpc.update_scaling_group(self.ctx, gid,
                                      member_definition=self.member('v2'))
        g = self.settle(gid)
        self.assertEqual('ACTIVE', g['status'], g['status_reason'])
        acts = self.rpc.list_scaling_activities(self.ctx, gid)
        [rollback] = [a for a in acts if a['trigger'] == 'rollback']
        [update] = [a for a in acts if a['trigger'] == 'update']
        self.assertEqual('COMPLETE', rollback['status'])
        self.assertEqual('FAILED', update['status'])
        first = rollback['decision']['members']
        self.assertEqual(1, len(first))
        self.assertIn('answered 500', update['error'])
        self.assertEqual(1, rollback['decision']['rolled_back_generation'])
        self.assertEqual(0, rollback['decision']['to_definition_of'])
        # member by member: one member had the new definition, then all
        # are back on the old one (generation 2 is generation 0's)
        updates = [n for a, n in self.events if a == 'update']
        self.assertEqual(first, updates[:1])
        self.assertEqual(sorted(names), sorted(updates[1:]))
        self.assertEqual({n: (2, self.server.url('v1')) for n in names},
                         self.outputs(gid))
        self.assertEqual(names, sorted(self.outputs(gid)))
