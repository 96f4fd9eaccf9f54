"""Metric-driven scaling through the Auto-Scaling API
(doc/dev/metric-scaling-contract.md): step and target-tracking policies,
metric samples pushed and listed, an evaluation on demand, a shadow
policy compared with the live ones, samples through a metric policy's
webhook; every error naming the field."""

import datetime
import time

from heat.tests.unit.api.autoscaling import ASTestCase

CPU = {'name': 'cpu'}
TT = {'target': 50}
STEP = {'threshold': 70, 'bands': [{'lower': 0, 'upper': 20, 'adjustment': 1},
                                   {'lower': 20, 'adjustment': 3}]}


class MetricTestCase(ASTestCase):

    def setUp(self):
        # the engine fixture evaluates on demand only (evaluation_tick
        # 0): POST .../evaluate
        super().setUp()
        self.g = self.make_group(min_size=1, max_size=10, desired=2,
                                 cooldown=0)
        self.base = '/groups/%s' % self.g['id']

    def post_policy(self, body, expect=201):
        resp = self.as_request('POST', self.base + '/policies', body)
        self.assertEqual(expect, resp.status_code, resp.text)
        return resp.json.get('policy') if expect == 201 else resp

    def tt_policy(self, name='cpu', mode=None, **tt):
        body = {'name': name, 'kind': 'target_tracking', 'metric': CPU,
                'target_tracking': dict(TT, **tt)}
        if mode:
            body['mode'] = mode
        return self.post_policy(body)

    def push(self, samples, group=None, expect=202):
        resp = self.as_request('POST', '/groups/%s/metrics' % (
            group or self.g['id']), {'samples': samples})
        self.assertEqual(expect, resp.status_code, resp.text)
        return resp.json

    def assert_400(self, method, path, body, *words):
        resp = self.as_request(method, path, body)
        self.assertEqual(400, resp.status_code, resp.text)
        for word in words:
            self.assertIn(word, resp.json['error']['message'])
        return resp


class TestMetricPolicies(MetricTestCase):

    def test_create_show_list(self):
        p = self.post_policy({
            'name': 'cpu', 'kind': 'target_tracking',
            'metric': {'name': 'cpu', 'statistic': 'maximum', 'period': 30},
            'mode': 'shadow', 'evaluation_interval': 5,
            'target_tracking': {'target': 60, 'tolerance': 0.05,
                                'scale_down': {'stabilization_window': 120,
                                               'rate_limits': [{
                                                   'type': 'members',
                                                   'value': 1,
                                                   'period': 60}]}}})
        self.assertEqual(('target_tracking', None, None, None),
                         (p['kind'], p['adjustment_type'],
                          p['scaling_adjustment'], p['schedule']))
        params = p['params']
        # flat: the object of the kind's name merged with the common keys
        self.assertEqual('shadow', params['mode'])
        self.assertEqual(5, params['evaluation_interval'])
        self.assertEqual(60, params['target'])
        self.assertEqual(0.05, params['tolerance'])
        self.assertEqual(('cpu', 'maximum', 30), (
            params['metric']['name'], params['metric']['statistic'],
            params['metric']['period']))
        self.assertEqual(120, params['scale_down']['stabilization_window'])
        self.assertNotIn('target_tracking', params)

        step = self.post_policy({'name': 'burst', 'kind': 'step',
                                 'metric': CPU, 'step': STEP})
        self.assertEqual('step', step['kind'])
        self.assertEqual(70, step['params']['threshold'])
        self.assertEqual(2, len(step['params']['bands']))
        # the defaults are filled in by the engine
        self.assertEqual('live', step['params']['mode'])
        self.assertEqual('push', step['params']['metric']['source'])

        shown = self.as_request('GET', '%s/policies/%s' % (
            self.base, p['id'])).json['policy']
        self.assertEqual(params, shown['params'])
        listed = self.as_request('GET', self.base + '/policies').json[
            'policies']
        self.assertEqual({'cpu': 'target_tracking', 'burst': 'step'},
                         {x['name']: x['kind'] for x in listed})
        simple = self.make_policy(self.g['id'])
        self.assertIsNone(simple['params'])

        g = self.as_request('GET', self.base).json['group']
        self.assertIn('last_evaluation', g)
        self.assertIsNotNone(g['evaluation_interval'])

    def test_schema_errors_name_the_field(self):
        path = self.base + '/policies'
        tt = {'name': 'x', 'kind': 'target_tracking', 'metric': CPU,
              'target_tracking': TT}
        cases = [
            (dict(tt, target_tracking=None), '/target_tracking: None'),
            ({'name': 'x', 'kind': 'target_tracking', 'metric': CPU},
             '/target_tracking', 'required'),
            ({'name': 'x', 'kind': 'step', 'step': STEP}, '/metric',
             'required'),
            (dict(tt, target_tracking={'target': 0}),
             '/target_tracking/target: 0'),
            (dict(tt, target_tracking={'target': 50, 'colour': 1}),
             '/target_tracking/colour: unknown key'),
            (dict(tt, target_tracking={'target': 50, 'tolerance': 1}),
             '/target_tracking/tolerance: 1'),
            (dict(tt, target_tracking={'target': 50, 'scale_up': {
                'rate_limits': [{'type': 'lots', 'value': 1,
                                 'period': 60}]}}),
             '/target_tracking/scale_up/rate_limits/0/type', "'lots'"),
            (dict(tt, target_tracking={'target': 50, 'scale_down': {
                'select': 'best'}}),
             '/target_tracking/scale_down/select', "'best'"),
            (dict(tt, metric={'name': '1cpu'}), '/metric/name', "'1cpu'"),
            (dict(tt, metric={'name': 'cpu', 'statistic': 'avg'}),
             '/metric/statistic', "'avg'"),
            (dict(tt, metric={'name': 'cpu', 'period': 0}),
             '/metric/period', '0'),
            (dict(tt, metric={'name': 'cpu', 'source': 'prometheus'}),
             '/metric/query', 'required'),
            (dict(tt, metric={'name': 'cpu', 'query': 'up'}),
             '/metric/query', 'only with source prometheus'),
            (dict(tt, metric={'name': 'cpu', 'source': 'graphite'}),
             '/metric/source', "'graphite'"),
            (dict(tt, mode='dry-run'), '/mode', "'dry-run'"),
            (dict(tt, evaluation_interval=0), '/evaluation_interval', '0'),
            (dict(tt, adjustment_type='exact_capacity'), '/adjustment_type',
             'not allowed with kind target_tracking'),
            (dict(tt, cooldown=5), '/cooldown', 'not allowed'),
            (dict(tt, step=STEP), '/step', 'only with kind step'),
            ({'name': 'x', 'kind': 'step', 'metric': CPU,
              'step': dict(STEP, bands=[])}, '/step/bands', '[]'),
            ({'name': 'x', 'kind': 'step', 'metric': CPU,
              'step': dict(STEP, bands=[{'lower': 0}])},
             '/step/bands/0/adjustment', 'required'),
            ({'name': 'x', 'kind': 'step', 'metric': CPU,
              'step': dict(STEP, adjustment_type='more')},
             '/step/adjustment_type', "'more'"),
            ({'name': 'x', 'kind': 'step', 'metric': CPU, 'step': STEP,
              'target_tracking': TT}, '/target_tracking',
             'only with kind target_tracking'),
            ({'name': 'x', 'adjustment_type': 'exact_capacity',
              'scaling_adjustment': 1, 'metric': CPU}, '/metric',
             'only with kind step or target_tracking'),
            ({'name': 'x', 'kind': 'scheduled', 'schedule': {
                'recurrence': '0 8 * * *', 'max_size': 1}, 'mode': 'live'},
             '/mode', 'not allowed with kind scheduled'),
        ]
        for case in cases:
            self.assert_400('POST', path, case[0], *case[1:])
        self.assertEqual([], self.as_request('GET', path).json['policies'])

    def test_engine_errors_name_the_key_and_value(self):
        path = self.base + '/policies'
        # what the schema cannot see: the bands must tile one interval
        resp = self.assert_400('POST', path, {
            'name': 'x', 'kind': 'step', 'metric': CPU, 'step': {
                'threshold': 70, 'bands': [{'lower': 0, 'upper': 10,
                                            'adjustment': 1},
                                           {'lower': 20, 'adjustment': 2}]}})
        self.assertIn('bands', resp.json['error']['message'])
        self.assertEqual([], self.as_request('GET', path).json['policies'])

    def test_update_replaces_the_keys_given(self):
        p = self.tt_policy(tolerance=0.2)
        url = '%s/policies/%s' % (self.base, p['id'])
        resp = self.as_request('PATCH', url, {'target_tracking': {
            'target': 70}, 'mode': 'shadow'})
        self.assertEqual(200, resp.status_code, resp.text)
        params = resp.json['policy']['params']
        self.assertEqual((70, 0.2, 'shadow', 'cpu'), (
            params['target'], params['tolerance'], params['mode'],
            params['metric']['name']))
        resp = self.as_request('PATCH', url, {'name': 'cpu2'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(('cpu2', 70), (resp.json['policy']['name'],
                                        resp.json['policy']['params'][
                                            'target']))
        resp = self.as_request('PATCH', url, {'metric': {
            'name': 'mem', 'statistic': 'sum'}})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(('mem', 'sum'), (
            resp.json['policy']['params']['metric']['name'],
            resp.json['policy']['params']['metric']['statistic']))

        self.assert_400('PATCH', url, {'step': STEP}, '/step',
                        'only with kind step', 'target_tracking')
        self.assert_400('PATCH', url, {'scaling_adjustment': 1},
                        '/scaling_adjustment', 'not allowed with kind '
                        'target_tracking')
        self.assert_400('PATCH', url, {'target_tracking': {'target': -1}},
                        '/target_tracking/target: -1')
        simple = self.make_policy(self.g['id'])
        self.assert_400('PATCH', '%s/policies/%s' % (self.base,
                                                     simple['id']),
                        {'mode': 'shadow'}, '/mode', 'only a metric policy')


class TestMetricSamples(MetricTestCase):

    def test_push_and_list(self):
        then = datetime.datetime.fromtimestamp(
            time.time() - 30, datetime.timezone.utc)
        out = self.push([
            {'name': 'cpu', 'value': 80, 'member': 'm1',
             'timestamp': then.strftime('%Y-%m-%dT%H:%M:%SZ')},
            {'name': 'cpu', 'value': 40.5, 'member': 'm2'},
            {'name': 'mem', 'value': 1}])
        self.assertEqual(3, out['accepted'])
        self.assertEqual(self.g['id'], out['group_id'])

        resp = self.as_request('GET', self.base + '/metrics')
        self.assertEqual(200, resp.status_code, resp.text)
        samples = resp.json['samples']
        self.assertEqual(3, len(samples))
        self.assertEqual({'name', 'value', 'timestamp', 'member'},
                         set(samples[0]))
        for x in samples:
            self.assertTrue(x['timestamp'].endswith('Z'), x)
        cpu = self.as_request('GET', self.base + '/metrics?name=cpu').json[
            'samples']
        self.assertEqual({('m1', 80), ('m2', 40.5)},
                         {(x['member'], x['value']) for x in cpu})
        self.assertEqual(1, len(self.as_request(
            'GET', self.base + '/metrics?name=cpu&limit=1').json[
                'samples']))
        # since: ISO 8601 or POSIX seconds
        self.assertEqual([], self.as_request(
            'GET', self.base + '/metrics?since=2100-01-01T00:00:00Z').json[
                'samples'])
        self.assertEqual(3, len(self.as_request(
            'GET', self.base + '/metrics?since=0').json['samples']))
        # by the group's name too
        self.assertEqual(3, len(self.as_request(
            'GET', '/groups/%s/metrics' % self.g['name']).json['samples']))

    def test_errors(self):
        url = self.base + '/metrics'
        self.assert_400('POST', url, {'samples': []}, '/samples', '[]')
        self.assert_400('POST', url, {}, '/samples', 'required')
        self.assert_400('POST', url, {'samples': [
            {'name': 'cpu', 'value': 1}, {'name': 'cpu', 'value': 'hot'}]},
            '/samples/1/value', "'hot'")
        self.assert_400('POST', url, {'samples': [
            {'name': 'cpu', 'value': 1, 'colour': 'red'}]},
            '/samples/0/colour: unknown key')
        self.assert_400('POST', url, {'samples': [{'value': 1}]},
                        '/samples/0/name', 'required')
        self.assert_400('POST', url, {'samples': [
            {'name': 'cpu load', 'value': 1}]}, '/samples/0/name',
            "'cpu load'")
        self.assert_400('POST', url, None, raw=b'{"samples": [{"name": '
                        b'"cpu", "value": NaN}]}')
        # the engine's checks: a time far in the future, a bad time
        self.assert_400('POST', url, {'samples': [
            {'name': 'cpu', 'value': 1, 'timestamp': 4102444800}]},
            'samples[0].timestamp')
        self.assert_400('POST', url, {'samples': [
            {'name': 'cpu', 'value': 1, 'timestamp': 'yesterday'}]},
            'samples[0].timestamp', 'yesterday')
        # nothing half-stored
        self.assertEqual([], self.as_request('GET', url).json['samples'])
        self.assert_400('GET', url + '?limit=0', None, '/limit')
        self.assert_400('GET', url + '?limit=10001', None, '/limit: 10001')
        self.assert_400('GET', url + '?colour=red', None,
                        '/colour: unknown key')
        resp = self.as_request('POST', '/groups/nope/metrics', {
            'samples': [{'name': 'cpu', 'value': 1}]})
        self.assertEqual(404, resp.status_code, resp.text)
        resp = self.as_request('GET', '/groups/nope/metrics')
        self.assertEqual(404, resp.status_code, resp.text)
        # another project's group is not found
        resp = self.as_request('POST', url, {'samples': [
            {'name': 'cpu', 'value': 1}]}, project='p2')
        self.assertEqual(404, resp.status_code, resp.text)

    def assert_400(self, method, path, body, *words, raw=None):
        resp = self.as_request(method, path, body, raw=raw)
        self.assertEqual(400, resp.status_code, resp.text)
        for word in words:
            self.assertIn(word, resp.json['error']['message'])
        return resp


class TestEvaluation(MetricTestCase):

    def test_evaluate_scales_out_on_the_metric(self):
        p = self.tt_policy()
        self.wait_group(self.g['id'], 2)
        # two members at 100 % of a 50 % target: twice the capacity
        self.push([{'name': 'cpu', 'value': 100, 'member': 'a'},
                   {'name': 'cpu', 'value': 100, 'member': 'b'}])
        resp = self.as_request('POST', self.base + '/evaluate', {})
        self.assertEqual(200, resp.status_code, resp.text)
        ev = resp.json['evaluation']
        self.assertEqual(2, ev['capacity'])
        self.assertEqual(4, ev['desired'])
        self.assertTrue(ev['changed'])
        self.assertTrue(ev['at'].endswith('Z'))
        self.assertEqual(100, ev['metrics']['cpu']['value'])
        self.assertEqual(2, ev['metrics']['cpu']['values'])
        self.assertEqual(('live', 4), (ev['policies'][p['id']]['mode'],
                                       ev['policies'][p['id']]['desired']))
        self.assertIsNotNone(ev['activity_id'])
        g = self.as_request('GET', self.base).json['group']
        self.assertEqual(4, g['desired_capacity'])
        self.assertEqual(ev['activity_id'],
                         g['last_evaluation']['activity_id'])
        self.assertEqual(10, g['evaluation_interval'])
        act = self.as_request('GET', '%s/activities/%s' % (
            self.base, ev['activity_id'])).json['activity']
        self.assertEqual(('metric', p['id']), (act['trigger'],
                                               act['policy_id']))

    def test_evaluate_without_data_changes_nothing(self):
        self.tt_policy()
        resp = self.as_request('POST', self.base + '/evaluate')
        self.assertEqual(200, resp.status_code, resp.text)
        ev = resp.json['evaluation']
        self.assertFalse(ev['changed'])
        self.assertIsNone(ev['activity_id'])
        self.assertEqual(2, self.as_request('GET', self.base).json[
            'group']['desired_capacity'])
        self.assert_400('POST', self.base + '/evaluate', {'now': True},
                        '/now: unknown key')
        resp = self.as_request('POST', '/groups/nope/evaluate', {})
        self.assertEqual(404, resp.status_code, resp.text)

    def test_compare_a_shadow_policy(self):
        live = self.tt_policy('live')
        shadow = self.tt_policy('shadow', mode='shadow', target=25)
        self.push([{'name': 'cpu', 'value': 50, 'member': 'a'}])
        ev = self.as_request('POST', self.base + '/evaluate', {}).json[
            'evaluation']
        # at its target the live one keeps 2; the shadow one wants 4
        self.assertEqual(2, ev['policies'][live['id']]['desired'])
        self.assertEqual(4, ev['policies'][shadow['id']]['desired'])
        self.assertFalse(ev['changed'])
        url = '%s/policies/%s/compare' % (self.base, shadow['id'])
        resp = self.as_request('GET', url)
        self.assertEqual(200, resp.status_code, resp.text)
        c = resp.json['comparison']
        self.assertEqual((shadow['id'], self.g['id']),
                         (c['policy_id'], c['group_id']))
        self.assertEqual((1, 1, 1, 0), (c['evaluations'], c['differed'],
                                        c['shadow_higher'],
                                        c['shadow_lower']))
        self.assertEqual(2, c['max_abs_difference'])
        self.assertTrue(c['start'].endswith('Z') and c['end'].endswith('Z'))
        resp = self.as_request('GET', url + '?start=2000-01-01T00:00:00Z'
                               '&end=2000-01-02T00:00:00Z')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(0, resp.json['comparison']['evaluations'])
        resp = self.as_request('GET', url + '?start=0&end=1')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(0, resp.json['comparison']['evaluations'])
        # only a shadow metric policy compares
        self.assert_400('GET', '%s/policies/%s/compare' % (
            self.base, live['id']), None, 'shadow')
        self.assert_400('GET', url + '?colour=red', None,
                        '/colour: unknown key')
        resp = self.as_request('GET', '%s/policies/nope/compare'
                               % self.base)
        self.assertEqual(404, resp.status_code, resp.text)


class TestMetricWebhook(MetricTestCase):

    def test_a_metric_policy_webhook_takes_samples(self):
        p = self.tt_policy()
        hook = self.as_request('POST', '%s/policies/%s/webhooks' % (
            self.base, p['id']), {}).json['webhook']
        url = '/' + hook['url'].split('//', 1)[1].split('/', 1)[1]
        resp = self.as_request('POST', '/' + url, {'samples': [
            {'name': 'cpu', 'value': 70, 'member': 'a'},
            {'name': 'cpu', 'value': 30, 'member': 'b'}]})
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertEqual(2, resp.json['accepted'])
        self.assertEqual({(70, 'a'), (30, 'b')}, {
            (x['value'], x['member']) for x in self.as_request(
                'GET', self.base + '/metrics').json['samples']})
        # no samples: refused, naming why
        resp = self.as_request('POST', '/' + url, {})
        self.assertEqual(400, resp.status_code, resp.text)
        self.assertIn('samples', resp.json['error']['message'])
        resp = self.as_request('POST', '/' + url, {'samples': [
            {'name': 'cpu', 'value': 'x'}]})
        self.assertEqual(400, resp.status_code, resp.text)
        self.assertIn('/samples/0/value', resp.json['error']['message'])

    def test_a_simple_policy_webhook_still_decides(self):
        p = self.make_policy(self.g['id'])
        hook = self.as_request('POST', '%s/policies/%s/webhooks' % (
            self.base, p['id']), {}).json['webhook']
        url = '/' + hook['url'].split('//', 1)[1].split('/', 1)[1]
        resp = self.as_request('POST', '/' + url, {'why': 'alarm'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertTrue(resp.json['decision']['accepted'])
