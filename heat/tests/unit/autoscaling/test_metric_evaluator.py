"""The evaluator of metric policies (heat.engine.autoscaling.evaluator)
on a real engine and database: target tracking (HPA capacity, hold,
scale-in after the stabilization window, rate limits across
evaluations), step bands, missing data, the claim (one engine per
evaluation, takeover), shadow policies and their comparison, the
evaluate RPC, the Prometheus source. Time is the engine's injectable
clock."""

import threading
import time
from unittest import mock

from heat.common import exception
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import evaluator, prometheus
from heat.tests import db_fixtures
from heat.tests.unit.autoscaling import test_engine
from heat.tests.unit.autoscaling import test_metric_policies as base

T0 = base.T0


class EvaluatorBase(base.MetricBase):

    def setUp(self):
        super().setUp()
        self.as_engine = self.fx.service.as_engine
        self.ev = evaluator.Evaluator(self.as_engine, tick=0)

    def at(self, t, ev=None):
        """Evaluate what is due at ``T0 + t``; the records."""
        self.now = T0 + t
        return (ev or self.ev).run_once(now=self.now)

    def load(self, *values, t=None, name='cpu'):
        """One sample per member m0, m1, ... at the current time."""
        self.push(*[{'name': name, 'value': v, 'member': 'm%d' % i,
                     'timestamp': self.now if t is None else T0 + t}
                    for i, v in enumerate(values)])

    def desired(self):
        return self.row().desired_capacity

    def metric_activities(self, status=None):
        acts = [a for a in self.rpc.list_scaling_activities(self.ctx,
                                                            self.gid)
                if a['trigger'] == 'metric']
        if status:
            acts = [a for a in acts if a['status'] == status]
        return acts

    def resize(self, capacity):
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=capacity)


class TestTargetTracking(EvaluatorBase):

    def setUp(self):
        super().setUp()
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=3)

    def test_hpa_capacity_then_hold_then_stabilized_scale_in(self):
        p = self.policy()
        self.now = T0 + 10
        self.load(100, 100, 100)
        [rec] = self.at(10)
        # ceil(3 * 100 / 50) = 6
        self.assertEqual(6, self.desired())
        self.assertTrue(rec['changed'])
        self.assertEqual((3, 6), (rec['capacity'], rec['desired']))
        self.assertEqual({'value': 100.0, 'values': 3, 'source': 'push',
                          'statistic': 'average', 'period': 60},
                         rec['metrics']['cpu'])
        self.assertIn('scale up from 3 to 6', rec['why'])
        pol = rec['policies'][p['id']]
        self.assertEqual(('cpu', 'live', 6, True),
                         (pol['name'], pol['mode'], pol['desired'],
                          pol['accepted']))
        [act] = self.metric_activities()
        self.assertEqual(rec['activity_id'], act['id'])
        self.assertEqual(p['id'], act['policy_id'])
        self.assertEqual((3, 6), (act['from_capacity'], act['to_capacity']))
        self.assertEqual(100.0, act['decision']['inputs']['metrics']['cpu']
                         ['value'])
        names = [s['name'] for s in act['decision']['steps']]
        self.assertIn('ratio', names)
        self.assertIn('combine', names)
        self.assertEqual(rec, self.rpc.show_scaling_group(
            self.ctx, self.gid)['last_evaluation'])
        # at target: hold, no activity
        self.now = T0 + 20
        self.load(50, 50, 50, 50, 50, 50)
        [rec] = self.at(20)
        self.assertFalse(rec['changed'])
        self.assertIsNone(rec['activity_id'])
        self.assertEqual(1, len(self.metric_activities()))
        # low load: held by the 300 s scale-down window
        for t in range(30, 320, 10):
            self.now = T0 + t
            self.load(20, 20, 20, 20, 20, 20)
            [rec] = self.at(t)
            self.assertEqual(6, self.desired(), t)
            self.assertEqual('stabilization',
                             rec['policies'][p['id']]['rejection'], t)
        self.assertEqual(1, len(self.metric_activities()))
        # 300 s after the last recommendation of 6 (at +20): ceil(6 * .4)
        self.now = T0 + 320
        self.load(20, 20, 20, 20, 20, 20)
        [rec] = self.at(320)
        self.assertEqual(3, self.desired())
        self.assertTrue(rec['changed'])
        self.assertEqual(2, len(self.metric_activities()))

    def test_rate_limit_holds_across_evaluations(self):
        p = self.policy(scale_up={'rate_limits': [
            {'type': 'members', 'value': 1, 'period': 60}]})
        for t in (10, 20, 30, 60, 70):
            self.now = T0 + t
            self.load(100, 100, 100)
            self.at(t)
            want = {10: 4, 20: 4, 30: 4, 60: 4, 70: 5}[t]
            self.assertEqual(want, self.desired(), t)
        self.assertTrue(self.row().last_evaluation['changed'])
        # a resize is a change the rate limit sees too: a scale-up of 1
        # (seen at the next evaluation) uses the allowance
        self.now = T0 + 140
        self.resize(6)
        self.load(100, 100, 100)
        self.at(150)
        self.assertEqual(6, self.desired())
        self.assertEqual('rate_limit', self.row().last_evaluation[
            'policies'][p['id']]['rejection'])
        self.load(100, 100, 100)
        self.at(210)
        self.assertEqual(7, self.desired())

    def test_missing_data_holds_with_reason(self):
        p = self.policy(scale_down={'stabilization_window': 0})
        [rec] = self.at(10)
        self.assertEqual(3, self.desired())
        pol = rec['policies'][p['id']]
        self.assertEqual('no_data', pol['rejection'])
        self.assertIn('no sample of cpu in the last 60s', pol['reason'])
        self.assertIsNone(rec['metrics']['cpu']['value'])
        self.assertEqual('no sample of cpu in the last 60s',
                         rec['metrics']['cpu']['reason'])
        self.assertEqual([], self.metric_activities())
        # stale samples are no data either: never a scale-in
        self.load(1, 1, 1, t=-100)
        self.at(20)
        self.assertEqual(3, self.desired())
        self.assertEqual([], self.metric_activities())

    def test_suspended_group_is_not_scaled(self):
        self.policy()
        self.settle(self.gid)
        self.rpc.suspend_scaling_group(self.ctx, self.gid)
        self.now = T0 + 10
        self.load(100, 100, 100)
        [rec] = self.at(10)
        self.assertEqual(3, self.desired())
        self.assertFalse(rec['changed'])
        self.assertEqual([], self.metric_activities())


class TestStep(EvaluatorBase):

    def test_three_bands(self):
        p = self.policy('step', bands=[
            {'upper': 0, 'adjustment': -1},
            {'lower': 0, 'upper': 20, 'adjustment': 1},
            {'lower': 20, 'adjustment': 3}], evaluation_interval=10)
        self.resize(4)
        expected = [(75, 5), (95, 8), (60, 7), (70, 8), (89.9, 9)]
        for i, (value, want) in enumerate(expected):
            t = 10 * (i + 1)
            self.now = T0 + t
            self.load(value)
            [rec] = self.at(t)
            self.assertEqual(want, self.desired(), value)
            self.assertEqual(want, rec['policies'][p['id']]['desired'])
        acts = self.metric_activities()
        self.assertEqual(5, len(acts))
        self.assertEqual(1, sum('band 2 (offset 25 from threshold 70): +3'
                                in a['reason'] for a in acts))
        # no data (the last sample is older than the period): hold
        [rec] = self.at(111)
        self.assertEqual(9, self.desired())
        self.assertEqual('no_data', rec['policies'][p['id']]['rejection'])

    def test_warmup_counts_launches(self):
        self.policy('step', warmup=60)
        self.resize(4)
        self.now = T0 + 10
        self.load(75)
        self.at(10)
        self.assertEqual(5, self.desired())
        # the breach repeats during the warm-up: covered already
        self.now = T0 + 20
        self.load(75)
        self.at(20)
        self.assertEqual(5, self.desired())
        # a higher band: only the difference (4 + 3 = 7)
        self.now = T0 + 30
        self.load(95)
        self.at(30)
        self.assertEqual(7, self.desired())


class TestCombine(EvaluatorBase):
    """Two live policies on one group: out if any asks, in only if all
    agree (the smallest step), otherwise hold."""

    def test_out_if_any_in_only_if_all(self):
        tt_p = self.policy('target_tracking', name='cpu', scale_down={
            'stabilization_window': 0})
        step_p = self.policy('step', name='queue', metric={'name': 'queue'},
                             threshold=70, bands=[
                                 {'upper': 0, 'adjustment': -1},
                                 {'lower': 0, 'adjustment': 1}])
        self.resize(4)
        # cpu asks 4 -> 2, the queue (at its threshold: band 1, +1) asks
        # 4 -> 5: the scale-out wins
        self.now = T0 + 10
        self.load(20, 20, 20, 20)
        self.load(70, name='queue')
        [rec] = self.at(10)
        self.assertEqual(5, self.desired())
        self.assertEqual(step_p['id'], self.metric_activities()[0][
            'policy_id'])
        # cpu asks 5 -> 2, the queue has no data (its sample is older
        # than the period, 60 s): it holds, which vetoes the scale-in
        self.now = T0 + 75
        self.load(20, 20, 20, 20, 20)
        [rec] = self.at(80)
        self.assertEqual(5, self.desired())
        self.assertFalse(rec['changed'])
        self.assertIn('vetoes the scale-in of cpu', rec['why'])
        self.assertEqual(1, len(self.metric_activities()))
        # both ask to scale in (cpu 5 -> 2, queue 5 -> 4): the smallest
        # step, the queue's
        self.now = T0 + 90
        self.load(20, 20, 20, 20, 20)
        self.load(10, name='queue')
        [rec] = self.at(90)
        self.assertEqual(4, self.desired())
        self.assertEqual(2, rec['policies'][tt_p['id']]['desired'])
        self.assertEqual(4, rec['policies'][step_p['id']]['desired'])
        acts = self.metric_activities()
        self.assertEqual(2, len(acts))
        self.assertEqual(step_p['id'], acts[0]['policy_id'])
        self.assertIn('every policy scales in', acts[0]['reason'])


class TestClaim(EvaluatorBase):

    def engines(self, n):
        return [evaluator.Evaluator(eng.AutoScalingEngine('engine-%d' % i),
                                    tick=0) for i in range(n)]

    def test_each_evaluation_by_exactly_one_engine(self):
        self.policy()
        evs = self.engines(4)
        barrier = threading.Barrier(len(evs))
        done, errors = [], []
        self.now = T0 + 10
        self.load(100)

        def run(ev):
            try:
                barrier.wait()
                done.extend((ev.engine_id, r) for r in
                            ev.run_once(now=T0 + 10))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(e,)) for e in evs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([], errors)
        self.assertEqual(1, len(done))
        holder = done[0][0]
        row = self.row()
        self.assertEqual(holder, row.evaluator_engine_id)
        self.assertEqual(T0 + 10 + 30, row.evaluator_expires_at)
        self.assertEqual(T0 + 20, row.next_evaluation_at)
        self.assertEqual(holder, row.last_evaluation['engine_id'])
        self.assertEqual(1, len(self.metric_activities()))
        # the holder keeps it: the others find nothing due for them
        by_id = {e.engine_id: e for e in evs}
        for e in evs:
            if e.engine_id != holder:
                self.assertEqual([], self.at(20, e))
        self.assertEqual(1, len(self.at(20, by_id[holder])))
        # the holder dies: once its claim lapses, another takes over
        other = next(e for e in evs if e.engine_id != holder)
        for t in (30, 40, 50):
            self.assertEqual([], self.at(t, other))
        [rec] = self.at(51, other)
        self.assertEqual(other.engine_id, rec['engine_id'])
        self.assertEqual(other.engine_id, self.row().evaluator_engine_id)
        # a stopped evaluator gives its claims up
        other.stop()
        self.assertIsNone(self.row().evaluator_engine_id)

    def test_no_policy_no_evaluation(self):
        p = self.policy()
        self.rpc.delete_scaling_policy(self.ctx, p['id'])
        self.assertEqual([], self.at(10))
        self.assertEqual([], self.at(1000))

    def test_lost_claim_writes_no_record(self):
        self.policy()
        self.now = T0 + 10
        self.load(100)
        g = db_api.scaling_group_get(None, self.gid, None)
        record, state = evaluator.evaluate(self.as_engine, self.gid,
                                           self.now, g=g, write=False)
        self.assertEqual([], db_api.scaling_group_set_evaluations(
            None, [(self.gid, record, state)], 'engine-x'))
        self.assertIsNone(self.row().last_evaluation)

    def test_thread_evaluates(self):
        self.policy()
        self.now = T0 + 10
        self.load(100)
        ev = evaluator.Evaluator(self.as_engine, tick=0.05).start()
        self.addCleanup(ev.stop, 10)
        end = time.time() + test_engine.WAIT
        while time.time() < end and self.row().last_evaluation is None:
            time.sleep(0.05)
        ev.stop(10)
        self.assertEqual(2, self.desired())
        self.assertIsNone(self.row().evaluator_engine_id)

    def test_service_starts_and_stops_it(self):
        self.policy()
        self.now = T0 + 10
        self.load(100)
        svc = self.fx.service
        self.assertIsNone(svc._as_evaluator)
        self.override(evaluation_tick=0.05)
        svc._as_start()
        self.addCleanup(svc._as_shutdown, 10)
        self.assertIsInstance(svc._as_evaluator, evaluator.Evaluator)
        end = time.time() + test_engine.WAIT
        while time.time() < end and self.row().last_evaluation is None:
            time.sleep(0.05)
        self.assertEqual(svc.engine_id, self.row().evaluator_engine_id)
        svc._as_shutdown(10)
        self.assertIsNone(svc._as_evaluator)
        self.assertIsNone(self.row().evaluator_engine_id)
        self.assertEqual(2, self.desired())

class TestShadow(EvaluatorBase):

    def setUp(self):
        super().setUp()
        self.resize(2)

    def test_shadow_records_and_never_changes_the_group(self):
        s = self.policy(name='shadow', mode='shadow', target=25)
        for t in (10, 20):
            self.now = T0 + t
            self.load(100)
            [rec] = self.at(t)
            self.assertEqual(2, self.desired())
            self.assertFalse(rec['changed'])
            self.assertEqual({'name': 'shadow', 'mode': 'shadow',
                              'desired': 8, 'accepted': True},
                             {k: rec['policies'][s['id']][k] for k in
                              ('name', 'mode', 'desired', 'accepted')})
        acts = self.metric_activities()
        self.assertEqual(['SHADOW', 'SHADOW'], [a['status'] for a in acts])
        self.assertEqual({(2, 8)}, {(a['from_capacity'], a['to_capacity'])
                                    for a in acts})
        self.assertEqual({s['id']}, {a['policy_id'] for a in acts})
        self.assertIn('shadow policy shadow would scale up from 2 to 8',
                      acts[0]['reason'])
        with db_api.reader(None) as session:
            rows = session.query(models.ScalingEvaluation).all()
        self.assertEqual([(2, 2, {s['id']: 8})] * 2,
                         [(r.capacity, r.live_desired, r.shadow)
                          for r in rows])
        self.assertEqual(2, self.row().version and self.desired())

    def test_evaluation_history_is_bounded(self):
        self.override(evaluation_history=3)
        self.policy(name='shadow', mode='shadow')
        for t in range(10, 110, 10):
            self.at(t)
        with db_api.reader(None) as session:
            ats = [r.at for r in session.query(models.ScalingEvaluation)
                   .order_by(models.ScalingEvaluation.at)]
        self.assertEqual([T0 + 80, T0 + 90, T0 + 100], ats)

    def test_compare_against_a_hand_computed_table(self):
        live = self.policy(tolerance=0, scale_down={
            'stabilization_window': 0})
        shadow = self.policy(name='shadow', mode='shadow', target=40,
                             tolerance=0,
                             scale_down={'stabilization_window': 0})
        # value: (capacity, live desired, shadow desired)
        table = [(50, 2, 2, 3),     # shadow +1
                 (100, 2, 4, 5),    # live 2 -> 4; shadow +1
                 (50, 4, 4, 5),     # shadow +1
                 (40, 4, 4, 4),     # same
                 (20, 4, 2, 2),     # live 4 -> 2, shadow too
                 (45, 2, 2, 3)]     # shadow +1
        for i, (value, cap, want_live, want_shadow) in enumerate(table):
            t = 10 * (i + 1)
            self.now = T0 + t
            self.load(value)
            [rec] = self.at(t)
            self.assertEqual((cap, want_live, want_shadow),
                             (rec['capacity'], rec['desired'],
                              rec['policies'][shadow['id']]['desired']),
                             value)
        out = self.rpc.compare_scaling_policy(self.ctx, self.gid,
                                              shadow['id'])
        self.assertEqual({
            'policy_id': shadow['id'], 'group_id': self.gid,
            'start': '2027-03-25T12:01:00Z', 'end': '2027-03-26T12:01:00Z',
            'evaluations': 6, 'differed': 4, 'differed_percent': 66.67,
            'shadow_higher': 4, 'shadow_lower': 0,
            'mean_abs_difference': 0.6667, 'max_abs_difference': 1,
            'shadow_changes': 5, 'live_changes': 2}, out)
        self.assertEqual(5, len(self.metric_activities('SHADOW')))
        self.assertEqual(2, len([a for a in self.metric_activities()
                                 if a['status'] != 'SHADOW']))
        # a window: the last three evaluations (ISO and POSIX bounds)
        out = self.rpc.compare_scaling_policy(
            self.ctx, self.gid, 'shadow', start='2027-03-26T12:00:40Z',
            end=T0 + 60)
        self.assertEqual((3, 1, 0, 1, 1),
                         (out['evaluations'], out['differed'],
                          out['shadow_lower'], out['live_changes'],
                          out['max_abs_difference']))
        err = self.assertRaises(exception.Invalid,
                                self.rpc.compare_scaling_policy, self.ctx,
                                self.gid, live['id'])
        self.assertIn('not a shadow metric policy', str(err))
        self.assertRaises(exception.EntityNotFound,
                          self.rpc.compare_scaling_policy,
                          test_engine.ctx('p2'), self.gid, shadow['id'])


class TestEvaluateRPC(EvaluatorBase):

    def test_evaluate_now_without_claiming(self):
        p = self.policy()
        self.now = T0 + 3
        self.load(100)
        rec = self.rpc.evaluate_scaling_group(self.ctx, self.gid)
        self.assertEqual(2, self.desired())
        self.assertEqual(self.as_engine.engine_id, rec['engine_id'])
        self.assertEqual('2027-03-26T12:00:03Z', rec['at'])
        self.assertTrue(rec['policies'][p['id']]['accepted'])
        row = self.row()
        self.assertIsNone(row.evaluator_engine_id)
        self.assertEqual(T0 + 10, row.next_evaluation_at)
        self.assertEqual(rec, row.last_evaluation)
        # the group's name works too; at target: nothing to do
        self.push({'name': 'cpu', 'value': 50, 'member': 'm0'})
        rec = self.rpc.evaluate_scaling_group(self.ctx, 'g1')
        self.assertFalse(rec['changed'])
        self.assertRaises(exception.EntityNotFound,
                          self.rpc.evaluate_scaling_group,
                          test_engine.ctx('p2'), self.gid)

    def test_group_without_metric_policy(self):
        rec = self.rpc.evaluate_scaling_group(self.ctx, self.gid)
        self.assertEqual({}, rec['policies'])
        self.assertFalse(rec['changed'])
        self.assertEqual('no live metric policy', rec['why'])


class TestPrometheusSource(EvaluatorBase):

    def test_source_dispatch(self):
        p = self.policy(metric={'name': 'cpu', 'source': 'prometheus',
                                'query': 'avg(cpu)', 'statistic': 'sum'})
        self.override(prometheus_url='http://prom:9090',
                      prometheus_timeout=2.5)
        with mock.patch.object(prometheus, 'query',
                               return_value=[60.0, 40.0]) as q:
            [rec] = self.at(10)
        q.assert_called_once_with('http://prom:9090', 'avg(cpu)', 2.5)
        self.assertEqual({'value': 100.0, 'values': 2,
                          'source': 'prometheus', 'statistic': 'sum',
                          'period': 60}, rec['metrics']['cpu'])
        self.assertEqual(2, self.desired())
        with mock.patch.object(prometheus, 'query', side_effect=(
                prometheus.MetricError('http://prom:9090/api/v1/query: '
                                       'timed out after 2.5s'))):
            [rec] = self.at(20)
        self.assertEqual('no_data', rec['policies'][p['id']]['rejection'])
        self.assertIn('timed out after 2.5s',
                      rec['policies'][p['id']]['reason'])
        self.assertEqual(2, self.desired())
        with mock.patch.object(prometheus, 'query', return_value=[]):
            [rec] = self.at(30)
        self.assertIn('no series', rec['metrics']['cpu']['reason'])

    def test_a_slow_failure_is_not_repeated_in_a_round(self):
        self.override(prometheus_url='http://prom:9090',
                      prometheus_timeout=1.0)
        metric = {'name': 'cpu', 'source': 'prometheus', 'query': 'a'}
        self.policy(metric=metric)
        other = self.group(desired=1, min_size=0, max_size=10)
        self.rpc.create_scaling_policy(
            self.ctx, other, 'cpu', None, None, kind='target_tracking',
            params=dict(base.TT, metric=dict(metric, query='b')))

        def slow(url, query, timeout):
            time.sleep(0.6)
            raise prometheus.MetricError('%s/api/v1/query: timed out' % url)

        with mock.patch.object(prometheus, 'query', side_effect=slow) as q:
            recs = self.at(10)
        self.assertEqual(1, q.call_count)
        self.assertEqual(2, len(recs))
        reasons = sorted(r['metrics']['cpu']['reason'] for r in recs)
        self.assertEqual('http://prom:9090/api/v1/query: timed out',
                         reasons[0])
        self.assertIn('not asked again in this evaluation round',
                      reasons[1])


@db_fixtures.for_each_backend
class TestServerBackends(EvaluatorBase):
    """The claim and a decision on each backend."""

    def test_claim_and_scale(self):
        self.policy()
        self.now = T0 + 10
        self.load(100)
        evs = [evaluator.Evaluator(eng.AutoScalingEngine('e-%d' % i),
                                   tick=0) for i in range(3)]
        out = []
        barrier = threading.Barrier(3)

        def run(ev):
            barrier.wait()
            out.extend(ev.run_once(now=T0 + 10))

        threads = [threading.Thread(target=run, args=(e,)) for e in evs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(1, len(out))
        self.assertEqual(2, self.desired())
        self.assertEqual(1, len(self.metric_activities()))

    def test_concurrent_pushes_keep_the_window(self):
        self.override(metric_window_samples=20)
        errors = []
        barrier = threading.Barrier(4)

        def run(k):
            try:
                barrier.wait()
                for i in range(5):
                    self.push(*[{'name': 'cpu', 'value': k * 100 + i * 10 + j}
                                for j in range(10)])
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([], errors)
        self.assertEqual(20, len(self.rpc.list_metric_samples(
            self.ctx, self.gid, name='cpu')))
