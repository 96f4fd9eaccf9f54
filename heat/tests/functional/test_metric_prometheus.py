"""Target tracking on a real Prometheus, end to end.

A real engine (in-process, on SQLite, through the real RPC path, with
the metric evaluator its service runs, every 1 s as with the default
``[autoscaling] evaluation_tick``) tracks
``avg(cpu_load{group="<id>"})`` at 50 for a group of cheap members. The
test pushes one ``cpu_load`` series per member (``group`` and ``member``
labels) to a private Pushgateway that a private Prometheus scrapes every
second (``honor_labels``), the way an agent in each member would report
its load, and measures from the push:

1. all members at 100: the group goes from 2 to ceil(2 * 100 / 50) = 4
   within evaluation_interval + scrape interval + 2 s;
2. all (now four) members at 50: the group holds at 4;
3. all at 20: the group scales in to ceil(4 * 20 / 50) = 2 only once the
   scale-down stabilization window (20 s) has passed since the last
   recommendation of 4, and within window + interval + scrape + 2 s of
   the push;

and each change's activity holds the metric value and every step of the
arithmetic. About 40 s. It skips with the reason when ``prometheus`` or
``prometheus-pushgateway`` cannot run here (``tools/install_test_tools.sh``
installs both).
"""

import datetime
import math
import time
import unittest

from oslo_config import cfg

from heat.engine.autoscaling import evaluator
from heat.tests import db_fixtures
from heat.tests.functional import prometheus as prom
from heat.tests.unit.autoscaling import test_engine as base

TARGET = 50
INTERVAL = 2        # the policy's evaluation_interval
SCRAPE = 1          # Prometheus's scrape interval
WINDOW = 20         # scale_down stabilization_window
TICK = 1            # [autoscaling] evaluation_tick
SLACK = 2           # the "+ 2 s" of every bound
JOB = 'heat-metric-test'


class TestTargetTrackingOnPrometheus(base.ASTestBase):

    BACKEND = db_fixtures.BACKENDS['sqlite']

    @classmethod
    def setUpClass(cls):
        for reason in (prom.skip_reason(), prom.pushgateway_skip_reason()):
            if reason:
                raise unittest.SkipTest(reason)
        super().setUpClass()
        cls.gateway = prom.PrivatePushgateway()
        try:
            cls.gateway.start()
            cls.prometheus = prom.PrivatePrometheus(
                [], port=0, pushgateway=cls.gateway.target,
                scrape_interval=SCRAPE).start()
        except RuntimeError as exc:
            cls.gateway.stop()
            super().tearDownClass()
            raise unittest.SkipTest(str(exc)) from exc

    @classmethod
    def tearDownClass(cls):
        cls.prometheus.stop()
        cls.gateway.stop()
        super().tearDownClass()

    def setUp(self):
        # before the engine starts: the policies ask the private
        # Prometheus
        cfg.CONF.set_override('prometheus_url', self.prometheus.url,
                              group='autoscaling')
        self.addCleanup(cfg.CONF.clear_override, 'prometheus_url',
                        group='autoscaling')
        super().setUp()
        # the engine fixture keeps the service's own evaluator off
        # (evaluation_tick 0): the one the service starts, on its AS
        # engine, every TICK, stopped with the test
        if getattr(self.fx.service, '_as_evaluator', None) is None:
            own = evaluator.Evaluator(self.fx.service.as_engine,
                                      TICK).start()
            self.addCleanup(own.stop, 10)
        self.pushed = set()
        self.addCleanup(self._delete_pushed)
        #: seconds from a push to the change seen (for a report)
        self.timings = {}

    def _delete_pushed(self):
        for gid, member in self.pushed:
            self.gateway.delete(JOB, {'group': gid, 'member': member})

    def push_all(self, gid, value):
        """``value`` as the load of every member of the group now."""
        members = [m['name'] for m in self.rpc.show_scaling_group(
            self.ctx, gid, with_members=True)['members']]
        for member in members:
            self.gateway.push(JOB, {'cpu_load': value},
                              {'group': gid, 'member': member})
            self.pushed.add((gid, member))
        return members

    def poll(self, gid, until, timeout, seen=None):
        """Watch the group until ``until(group dict)``; every evaluation
        record seen on the way goes into ``seen`` (by its time)."""
        deadline = time.monotonic() + timeout
        while True:
            g = self.rpc.show_scaling_group(self.ctx, gid)
            ev = g.get('last_evaluation')
            if seen is not None and ev:
                seen.setdefault(ev['at'], ev)
            if until(g):
                return g, time.monotonic()
            if time.monotonic() > deadline:
                self.fail('after %.1f s: %r' % (timeout, g))
            time.sleep(0.05)

    def metric_activities(self, gid):
        return sorted((a for a in self.rpc.list_scaling_activities(
            self.ctx, gid) if a['trigger'] == 'metric'),
            key=lambda a: a['started_at'])

    @staticmethod
    def steps(activity):
        return {s['name']: s for s in activity['decision']['steps']}

    def assert_metric_recorded(self, activity, value):
        """The decision holds the metric value it was made on."""
        d = activity['decision']
        metric = d['inputs']['metrics']['cpu']
        self.assertEqual((value, 1, 'prometheus'),
                         (metric['value'], metric['values'],
                          metric['source']), d)
        # the policy's own decision, its inputs and steps, under the
        # combination's
        own = d['inputs']['policies']['cpu']
        self.assertEqual((value, TARGET), (own['inputs']['metric'],
                                           own['inputs']['target']))
        self.assertEqual(own['steps'], d['steps'][:len(own['steps'])])

    def test_scale_out_hold_and_stabilized_scale_in(self):
        gid = self.group(desired=2, min_size=1, max_size=10)
        self.settle(gid)
        query = 'avg(cpu_load{group="%s"})' % gid
        policy = self.rpc.create_scaling_policy(
            self.ctx, gid, 'cpu', None, None, kind='target_tracking',
            params={
                'metric': {'name': 'cpu', 'source': 'prometheus',
                           'query': query},
                'evaluation_interval': INTERVAL,
                'target': TARGET,
                # at most doubling per minute: the evaluations made before
                # the test pushes 50 for the new members (old ones at
                # 100: ceil(4 * 2) = 8) cannot go further than 4
                'scale_up': {'stabilization_window': 0, 'rate_limits': [
                    {'type': 'percent', 'value': 100, 'period': 60}]},
                'scale_down': {'stabilization_window': WINDOW}})
        pid = policy['id']
        self.assertEqual('prometheus',
                         policy['params']['metric']['source'])
        # no data yet: holding, no activity
        g, _ = self.poll(gid, lambda g: g.get('last_evaluation'),
                         INTERVAL + TICK + SLACK)
        self.assertEqual(INTERVAL, g['evaluation_interval'])
        self.assertEqual([], self.metric_activities(gid))

        # 1. 100 everywhere: 2 -> 4 from one evaluation on a fresh scrape
        pushed = time.monotonic()
        self.push_all(gid, 100)
        bound = INTERVAL + SCRAPE + SLACK
        g, seen_at = self.poll(gid, lambda g: g['desired_capacity'] != 2,
                               bound + 10)
        took = self.timings['scale_out'] = seen_at - pushed
        self.assertEqual(math.ceil(2 * 100 / TARGET), g['desired_capacity'])
        self.assertLessEqual(took, bound, 'scale-out after %.1f s' % took)
        self.assertEqual(4, self.settle(gid)['current_size'])
        self.assert_consistent(gid, 4)
        # the load spreads over the new members (meanwhile the old ones
        # at 100 ask ceil(4 * 2) = 8: the rate limit keeps 4)
        self.assertEqual(4, len(self.push_all(gid, 50)))
        [up] = self.metric_activities(gid)
        self.assertEqual((2, 4, 'COMPLETE', pid),
                         (up['from_capacity'], up['to_capacity'],
                          up['status'], up['policy_id']))
        self.assert_metric_recorded(up, 100.0)
        steps = self.steps(up)
        self.assertEqual(
            (4, 'metric 100 / target 50 = 2: ceil(2 * 2) = 4'),
            (steps['ratio']['capacity'], steps['ratio']['detail']))
        self.assertEqual(4, steps['rate_limit']['capacity'])
        self.assertIn('at most 4 (100% per 60s', steps['rate_limit']['detail'])
        self.assertIn('scale up from 2 to 4', up['reason'])

        # 2. 50 everywhere: within the tolerance, holds at 4
        seen = {}
        self.poll(gid, lambda g: (g['last_evaluation'] or {}).get(
            'metrics', {}).get('cpu', {}).get('value') == 50.0,
            INTERVAL + SCRAPE + SLACK + TICK, seen)
        hold_until = time.monotonic() + 3 * INTERVAL
        while time.monotonic() < hold_until:
            g = self.rpc.show_scaling_group(self.ctx, gid)
            self.assertEqual(4, g['desired_capacity'])
            seen.setdefault(g['last_evaluation']['at'], g['last_evaluation'])
            time.sleep(0.1)
        at_50 = [e for e in seen.values()
                 if e['metrics']['cpu']['value'] == 50.0]
        self.assertGreaterEqual(len(at_50), 2, seen)
        for ev in at_50:
            self.assertFalse(ev['changed'], ev)
            self.assertEqual(4, ev['policies'][pid]['desired'], ev)
            self.assertIn('metric 50 / target 50 = 1 is within 1 ± 0.1: '
                          'no change', ev['policies'][pid]['reason'])
            self.assertEqual(4, ev['desired'], ev)
        self.assertEqual(1, len(self.metric_activities(gid)))

        # 3. 20 everywhere: ceil(4 * 0.4) = 2, but only after the window
        pushed = time.monotonic()
        self.push_all(gid, 20)
        seen = {}
        g, seen_at = self.poll(gid, lambda g: g['desired_capacity'] != 4,
                               WINDOW + INTERVAL + SCRAPE + SLACK + 10, seen)
        took = self.timings['scale_in'] = seen_at - pushed
        self.assertEqual(2, g['desired_capacity'])
        self.assertLessEqual(took, WINDOW + INTERVAL + SCRAPE + SLACK,
                             'scale-in after %.1f s' % took)
        # the last recommendation of 4 was made at most one evaluation
        # before the push: never sooner than the window after it
        self.assertGreaterEqual(took, WINDOW - INTERVAL - TICK,
                                'scale-in after %.1f s' % took)
        held = [e for e in seen.values()
                if e['metrics']['cpu']['value'] == 20.0 and not e['changed']]
        self.assertTrue(held, seen)
        for ev in held:
            self.assertIn('stabilization', ev['policies'][pid]['reason'])
        self.assertEqual(2, self.settle(gid)['current_size'])
        self.assert_consistent(gid, 2)
        up, down = self.metric_activities(gid)
        self.assertEqual((4, 2, 'COMPLETE', pid),
                         (down['from_capacity'], down['to_capacity'],
                          down['status'], down['policy_id']))
        self.assert_metric_recorded(down, 20.0)
        steps = self.steps(down)
        self.assertEqual(
            (2, 'metric 20 / target 50 = 0.4: ceil(4 * 0.4) = 2'),
            (steps['ratio']['capacity'], steps['ratio']['detail']))
        self.assertEqual((2, 'recommendation 2 stands'),
                         (steps['stabilization']['capacity'],
                          steps['stabilization']['detail']))
        self.assertIn('scale down from 4 to 2', down['reason'])
        # the evaluation that decided it names the activity; its record
        # is written after the decision transaction (the evaluator's
        # tick writes its records in one transaction at its end), so a
        # read between the two sees the new capacity beside the last
        # record before it: wait for the record
        self.poll(gid, lambda g: (g['last_evaluation'] or {}).get(
            'changed'), TICK + SLACK, seen)
        last = [e for e in seen.values() if e['changed']]
        self.assertEqual([down['id']], [e['activity_id'] for e in last])
        # not before the window: the evaluations that still recommended
        # 4 (metric 50) were all more than WINDOW before the decision
        decided = _posix(last[0]['at'])
        for ev in list(at_50) + list(seen.values()):
            if ev['metrics']['cpu']['value'] == 50.0:
                self.assertGreaterEqual(decided - _posix(ev['at']), WINDOW,
                                        (ev, last[0]))


def _posix(iso):
    return datetime.datetime.fromisoformat(iso.rstrip('Z')).replace(
        tzinfo=datetime.timezone.utc).timestamp()
