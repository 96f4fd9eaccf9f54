"""Metric policies (kinds ``step`` and ``target_tracking``) through the
real RPC path: validation naming the key path, the stored params and
the group's evaluation interval, pushed samples (bounds, all or
nothing), the metric value a policy sees, the webhook of a metric
policy. Time is the engine's injectable clock."""

import datetime
import time

from oslo_config import cfg

from heat.common import exception
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import metrics
from heat.tests import db_fixtures
from heat.tests.unit.autoscaling import test_engine

UTC = datetime.timezone.utc
T0 = datetime.datetime(2027, 3, 26, 12, 0, tzinfo=UTC).timestamp()

TT = {'metric': {'name': 'cpu'}, 'target': 50}
STEP = {'metric': {'name': 'cpu'}, 'threshold': 70,
        'bands': [{'lower': 0, 'upper': 20, 'adjustment': 1},
                  {'lower': 20, 'adjustment': 3}]}


class MetricBase(test_engine.ASTestBase):

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.now = T0
        saved = eng.clock
        eng.clock = lambda: self.now
        self.addCleanup(setattr, eng, 'clock', saved)
        self.gid = self.group(desired=1, min_size=0, max_size=10)

    def policy(self, kind='target_tracking', name='cpu', **params):
        base = dict(TT if kind == 'target_tracking' else STEP)
        base.update(params)
        return self.rpc.create_scaling_policy(
            self.ctx, self.gid, name, None, None, kind=kind, params=base)

    def push(self, *samples, group=None):
        return self.rpc.push_metric_samples(self.ctx, group or self.gid,
                                            list(samples))

    def row(self):
        with db_api.reader(None) as session:
            return session.get(models.ScalingGroup, self.gid)

    def override(self, **kw):
        for name, value in kw.items():
            cfg.CONF.set_override(name, value, group='autoscaling')
            self.addCleanup(cfg.CONF.clear_override, name,
                            group='autoscaling')


class TestValidation(MetricBase):

    def assert_invalid(self, kind, params, *words, **kw):
        err = self.assertRaises(
            exception.Invalid, self.rpc.create_scaling_policy, self.ctx,
            self.gid, 'bad', kw.get('adjustment_type'), None, kind=kind,
            params=params)
        for word in words:
            self.assertIn(word, str(err))

    def test_errors_name_key_path_and_value(self):
        tt = 'target_tracking'
        self.assert_invalid(tt, {'metric': {'name': 'cpu',
                                            'statistic': 'avg'},
                                 'target': 50},
                            "params.metric.statistic: 'avg' is not one of "
                            "average, sum, maximum, minimum")
        self.assert_invalid(tt, {'target': 50}, 'params.metric: required')
        self.assert_invalid(tt, {'metric': {'name': '9cpu'}, 'target': 50},
                            'params.metric.name', "'9cpu'")
        self.assert_invalid(tt, {'metric': {'name': 'cpu'}}, 'params.target:'
                            ' required')
        self.assert_invalid(tt, dict(TT, target=0), 'params.target: 0',
                            '> 0')
        self.assert_invalid(tt, dict(TT, tolerance=1), 'params.tolerance: 1')
        self.assert_invalid(
            tt, dict(TT, scale_down={'rate_limits': [
                {'type': 'percent', 'value': 10, 'period': 0}]}),
            'params.scale_down.rate_limits[0].period: 0')
        self.assert_invalid(
            tt, dict(TT, scale_up={'rate_limits': [
                {'type': 'pods', 'value': 1, 'period': 60}]}),
            "params.scale_up.rate_limits[0].type: 'pods'")
        self.assert_invalid(tt, dict(TT, scale_up={'select': 'most'}),
                            "params.scale_up.select: 'most'")
        self.assert_invalid(tt, dict(TT, missing_data='scale_in'),
                            'params.missing_data: unknown key')
        self.assert_invalid(tt, dict(TT, mode='dry'), "params.mode: 'dry'")
        self.assert_invalid(tt, dict(TT, evaluation_interval=0),
                            'params.evaluation_interval: 0')
        self.assert_invalid(tt, dict(TT, metric={'name': 'cpu',
                                                 'period': 0}),
                            'params.metric.period: 0')
        self.assert_invalid(tt, dict(TT, metric={'name': 'cpu',
                                                 'source': 'prometheus'}),
                            'params.metric.query')
        self.assert_invalid(tt, dict(TT, metric={'name': 'cpu',
                                                 'query': 'up'}),
                            "params.metric.query: 'up'",
                            'only to source prometheus')
        self.assert_invalid(tt, TT, 'adjustment_type',
                            adjustment_type='change_in_capacity')
        self.assert_invalid('step', dict(STEP, bands=[]), 'params.bands')
        self.assert_invalid('step', dict(STEP, bands=[
            {'lower': 0, 'upper': 20, 'adjustment': 1},
            {'lower': 10, 'adjustment': 3}]), 'params: bands: band 1',
            'overlaps')
        self.assert_invalid('step', dict(STEP, bands=[{'lower': 0}]),
                            'params.bands[0].adjustment: required')
        self.assert_invalid('step', dict(STEP, adjustment_type='more'),
                            "params.adjustment_type: 'more'")
        self.assert_invalid('step', dict(STEP, threshold='high'),
                            "params.threshold: 'high'")
        self.assert_invalid('step', dict(STEP, target=3),
                            'params.target: unknown key')
        self.assertEqual([], self.rpc.list_scaling_policies(self.ctx,
                                                            self.gid))

    def test_stored_with_defaults_and_interval(self):
        self.assertIsNone(self.rpc.show_scaling_group(
            self.ctx, self.gid)['evaluation_interval'])
        p = self.policy(evaluation_interval=30)
        self.assertEqual('target_tracking', p['kind'])
        self.assertIsNone(p['adjustment_type'])
        self.assertIsNone(p['scaling_adjustment'])
        self.assertEqual({
            'metric': {'name': 'cpu', 'source': 'push',
                       'statistic': 'average', 'period': 60},
            'mode': 'live', 'evaluation_interval': 30, 'target': 50,
            'tolerance': 0.1,
            'scale_up': {'stabilization_window': 0, 'rate_limits': [],
                         'select': 'max'},
            'scale_down': {'stabilization_window': 300, 'rate_limits': [],
                           'select': 'max'}}, p['params'])
        g = self.rpc.show_scaling_group(self.ctx, self.gid)
        self.assertEqual(30, g['evaluation_interval'])
        self.assertIsNone(g['last_evaluation'])
        self.assertEqual(T0 + 30, self.row().next_evaluation_at)
        s = self.policy('step', name='steps', evaluation_interval=5)
        self.assertEqual({'metric': {'name': 'cpu', 'source': 'push',
                                     'statistic': 'average', 'period': 60},
                          'mode': 'live', 'evaluation_interval': 5,
                          'threshold': 70, 'bands': [
                              {'lower': 0, 'upper': 20, 'adjustment': 1},
                              {'lower': 20, 'upper': None,
                               'adjustment': 3}],
                          'adjustment_type': 'change_in_capacity',
                          'min_adjustment_magnitude': None, 'warmup': 0},
                         s['params'])
        self.assertEqual(5, self.row().evaluation_interval)
        self.assertEqual(T0 + 5, self.row().next_evaluation_at)
        # update: params whole, validated; kind cannot change
        s = self.rpc.update_scaling_policy(
            self.ctx, s['id'], params=dict(STEP, evaluation_interval=60))
        self.assertEqual(60, s['params']['evaluation_interval'])
        self.assertEqual(30, self.row().evaluation_interval)
        err = self.assertRaises(exception.Invalid,
                                self.rpc.update_scaling_policy, self.ctx,
                                s['id'], params=dict(STEP, threshold=None))
        self.assertIn('params.threshold', str(err))
        err = self.assertRaises(exception.Invalid,
                                self.rpc.update_scaling_policy, self.ctx,
                                s['id'], kind='target_tracking')
        self.assertIn('kind', str(err))
        err = self.assertRaises(exception.Invalid,
                                self.rpc.update_scaling_policy, self.ctx,
                                s['id'], scaling_adjustment=2)
        self.assertIn('scaling_adjustment', str(err))
        self.rpc.delete_scaling_policy(self.ctx, p['id'])
        self.assertEqual(60, self.row().evaluation_interval)
        self.rpc.delete_scaling_policy(self.ctx, s['id'])
        row = self.row()
        self.assertIsNone(row.evaluation_interval)
        self.assertIsNone(row.next_evaluation_at)
        self.assertIsNone(self.rpc.show_scaling_group(
            self.ctx, self.gid)['evaluation_interval'])

    def test_prometheus_policy(self):
        p = self.policy(metric={'name': 'cpu', 'source': 'prometheus',
                                'query': 'avg(cpu)',
                                'url': 'http://prom:9090',
                                'statistic': 'maximum'})
        self.assertEqual({'name': 'cpu', 'source': 'prometheus',
                          'query': 'avg(cpu)', 'url': 'http://prom:9090',
                          'statistic': 'maximum', 'period': 60},
                         p['params']['metric'])

    def test_execute_of_a_metric_policy_is_refused(self):
        p = self.policy()
        err = self.assertRaises(exception.Invalid,
                                self.rpc.execute_scaling_policy, self.ctx,
                                p['id'])
        self.assertIn('evaluated from its metric', str(err))


class TestSamples(MetricBase):

    def test_push_and_list(self):
        out = self.push({'name': 'cpu', 'value': 10, 'member': 'a'},
                        {'name': 'cpu', 'value': 20.5, 'member': 'b',
                         'timestamp': T0 - 5},
                        {'name': 'mem', 'value': 1,
                         'timestamp': '2027-03-26T11:59:58Z'})
        self.assertEqual({'accepted': 3, 'group_id': self.gid}, out)
        listed = self.rpc.list_metric_samples(self.ctx, self.gid)
        self.assertEqual([
            {'name': 'cpu', 'value': 20.5, 'member': 'b',
             'timestamp': '2027-03-26T11:59:55Z'},
            {'name': 'mem', 'value': 1.0, 'member': None,
             'timestamp': '2027-03-26T11:59:58Z'},
            {'name': 'cpu', 'value': 10.0, 'member': 'a',
             'timestamp': '2027-03-26T12:00:00Z'}], listed)
        self.assertEqual([10.0, 20.5], sorted(
            s['value'] for s in self.rpc.list_metric_samples(
                self.ctx, self.gid, name='cpu')))
        self.assertEqual(['mem', 'cpu'], [
            s['name'] for s in self.rpc.list_metric_samples(
                self.ctx, self.gid, since='2027-03-26T11:59:56Z')])
        self.assertEqual(['cpu'], [
            s['name'] for s in self.rpc.list_metric_samples(
                self.ctx, self.gid, limit=1)])
        # another project sees no group
        self.assertRaises(exception.EntityNotFound,
                          self.rpc.push_metric_samples,
                          test_engine.ctx('p2'), self.gid,
                          [{'name': 'cpu', 'value': 1}])
        self.assertRaises(exception.EntityNotFound,
                          self.rpc.list_metric_samples,
                          test_engine.ctx('p2'), self.gid)

    def test_whole_batch_refused_on_one_bad_sample(self):
        good = {'name': 'cpu', 'value': 1}
        cases = [
            ({'name': 'cpu', 'value': 'x'}, "samples[2].value: 'x'"),
            ({'name': 'cpu', 'value': float('nan')}, 'samples[2].value'),
            ({'name': 'cpu', 'value': True}, 'samples[2].value'),
            ({'value': 1}, 'samples[2].name: required'),
            ({'name': 'c p u', 'value': 1}, "samples[2].name: 'c p u'"),
            ({'name': 'cpu', 'value': 1, 'timestamp': T0 + 301},
             'samples[2].timestamp', 'future'),
            ({'name': 'cpu', 'value': 1, 'timestamp': 'yesterday'},
             "samples[2].timestamp: 'yesterday'"),
            ({'name': 'cpu', 'value': 1, 'member': 5}, 'samples[2].member'),
            ({'name': 'cpu', 'value': 1, 'unit': '%'},
             'samples[2].unit: unknown key'),
        ]
        for bad, *words in cases:
            err = self.assertRaises(exception.Invalid, self.push, good,
                                    good, bad, good)
            for word in words:
                self.assertIn(word, str(err))
        self.assertRaises(exception.Invalid, self.rpc.push_metric_samples,
                          self.ctx, self.gid, [])
        self.assertRaises(exception.Invalid, self.rpc.push_metric_samples,
                          self.ctx, self.gid, [good] * 10001)
        self.assertEqual([], self.rpc.list_metric_samples(self.ctx,
                                                          self.gid))
        # 300 s ahead is still accepted (clock skew)
        self.push({'name': 'cpu', 'value': 1, 'timestamp': T0 + 300})

    def test_window_keeps_newest_and_retention_drops_old(self):
        self.override(metric_window_samples=5, metric_retention=600)
        for i in range(4):
            self.push(*[{'name': 'cpu', 'value': i * 3 + k}
                        for k in range(3)])
        self.push({'name': 'mem', 'value': 1})
        values = [s['value'] for s in self.rpc.list_metric_samples(
            self.ctx, self.gid, name='cpu')]
        # the 5 newest received of 12: 7..11
        self.assertEqual([7.0, 8.0, 9.0, 10.0, 11.0], values)
        self.assertEqual(1, len(self.rpc.list_metric_samples(
            self.ctx, self.gid, name='mem')))
        # older than the retention: dropped at the next push
        self.push({'name': 'old', 'value': 1, 'timestamp': T0 - 601})
        self.assertEqual([], self.rpc.list_metric_samples(
            self.ctx, self.gid, name='old'))
        self.now = T0 + 601
        self.push({'name': 'cpu', 'value': 99})
        self.assertEqual([99.0], [s['value'] for s in
                                  self.rpc.list_metric_samples(
                                      self.ctx, self.gid)])

    def test_metric_names_per_group_are_bounded(self):
        self.override(metric_names=3, metric_retention=600)
        self.push({'name': 'a', 'value': 1}, {'name': 'b', 'value': 1})
        # a known name, and a third: fine
        self.push({'name': 'a', 'value': 2}, {'name': 'c', 'value': 1})
        exc = self.assertRaises(
            exception.Invalid, self.push, {'name': 'a', 'value': 3},
            {'name': 'd', 'value': 1})
        self.assertIn("samples[1].name: 'd' would be metric 4 of the group",
                      str(exc))
        self.assertIn('[autoscaling] metric_names', str(exc))
        # nothing of the refused push was stored
        self.assertEqual([1.0, 2.0], [s['value'] for s in
                                      self.rpc.list_metric_samples(
                                          self.ctx, self.gid, name='a')])
        self.assertEqual(['a', 'a', 'b', 'c'], sorted(
            s['name'] for s in self.rpc.list_metric_samples(
                self.ctx, self.gid)))
        # names whose samples are past the retention no longer count
        self.now = T0 + 601
        self.push({'name': 'd', 'value': 1}, {'name': 'e', 'value': 1})
        self.assertEqual(['d', 'e'], sorted(
            s['name'] for s in self.rpc.list_metric_samples(
                self.ctx, self.gid)))

    def test_samples_go_with_the_group(self):
        self.policy()
        self.push({'name': 'cpu', 'value': 1})
        self.settle(self.gid)
        self.rpc.delete_scaling_group(self.ctx, self.gid)
        end = time.time() + test_engine.WAIT
        while time.time() < end and self.settle(self.gid) is not None:
            time.sleep(0.05)
        self.assertRaises(exception.EntityNotFound,
                          self.rpc.show_scaling_group, self.ctx, self.gid)
        with db_api.reader(None) as session:
            self.assertEqual(0, session.query(
                models.ScalingMetricSample).count())


class TestAggregation(MetricBase):

    def value(self, metric, samples):
        metric = dict({'name': 'cpu', 'statistic': 'average',
                       'period': 60, 'source': 'push'}, **metric)
        rows = [(s.get('name', 'cpu'), s.get('member'), s['value'],
                 s['ts']) for s in samples]
        return metrics.push_value(metric, rows, T0)

    def test_latest_per_member_within_period(self):
        samples = [
            {'member': 'a', 'value': 10, 'ts': T0 - 30},
            {'member': 'a', 'value': 90, 'ts': T0 - 5},     # a: latest
            {'member': 'b', 'value': 30, 'ts': T0 - 10},
            {'member': 'c', 'value': 1000, 'ts': T0 - 61},  # too old
            {'value': 60, 'ts': T0 - 2},                    # no label
            {'value': 20, 'ts': T0 - 1},                    # no label: latest
            {'name': 'mem', 'member': 'a', 'value': 5, 'ts': T0},
        ]
        self.assertEqual((140 / 3, 3, None), self.value({}, samples))
        self.assertEqual((140.0, 3, None),
                         self.value({'statistic': 'sum'}, samples))
        self.assertEqual((90.0, 3, None),
                         self.value({'statistic': 'maximum'}, samples))
        self.assertEqual((20.0, 3, None),
                         self.value({'statistic': 'minimum'}, samples))
        # a longer period sees c
        self.assertEqual((1000.0, 4, None),
                         self.value({'statistic': 'maximum',
                                     'period': 120}, samples))
        value, count, reason = self.value({'name': 'disk'}, samples)
        self.assertEqual((None, 0), (value, count))
        self.assertEqual('no sample of disk in the last 60s', reason)

    def test_out_of_order_arrival_keeps_the_latest_time(self):
        samples = [{'member': 'a', 'value': 90, 'ts': T0 - 5},
                   {'member': 'a', 'value': 10, 'ts': T0 - 30}]
        self.assertEqual((90.0, 1, None), self.value({}, samples))


class TestWebhook(MetricBase):

    def test_webhook_of_a_metric_policy_ingests_samples(self):
        p = self.policy()
        hook = self.rpc.create_webhook(self.ctx, p['id'])
        out = self.rpc.execute_webhook(
            self.ctx, hook['token'], details={'samples': [
                {'name': 'cpu', 'value': 80, 'member': 'a'},
                {'name': 'cpu', 'value': 70, 'member': 'b'}]})
        self.assertEqual({'accepted': 2, 'group_id': self.gid}, out)
        self.assertEqual(2, len(self.rpc.list_metric_samples(self.ctx,
                                                             self.gid)))
        err = self.assertRaises(exception.Invalid, self.rpc.execute_webhook,
                                self.ctx, hook['token'], details={})
        self.assertIn("a metric policy's webhook takes samples", str(err))
        self.assertRaises(exception.Invalid, self.rpc.execute_webhook,
                          self.ctx, hook['token'])
        err = self.assertRaises(
            exception.Invalid, self.rpc.execute_webhook, self.ctx,
            hook['token'], details={'samples': [{'name': 'cpu',
                                                 'value': None}]})
        self.assertIn('samples[0].value', str(err))
        self.assertEqual(2, len(self.rpc.list_metric_samples(self.ctx,
                                                             self.gid)))
        # no activity: ingestion is not a decision
        self.assertEqual([], [a for a in self.rpc.list_scaling_activities(
            self.ctx, self.gid) if a['trigger'] != 'create'])
