"""Metric-driven scaling from the client: step and target-tracking
policies, scheduled policies from the CLI, metric samples pushed and
listed, evaluations, comparisons, samples through a metric policy's
webhook, and ``group replay`` (the library and the ``openstack``
commands against a real heat-all whose engine evaluates only on demand:
``[autoscaling] evaluation_tick = 0``)."""

import datetime
import json
import os
import shutil
import sys
import textwrap
import time
from unittest import mock

import fixtures
import testtools
import yaml
from osc_lib import exceptions as osc_exc

from heat_autoscalingclient import client as as_client
from heat_autoscalingclient import exceptions, managers, models
from heat_autoscalingclient.osc.v1 import common, replay
from heat_autoscalingclient.tests import server as server_mod
from heat_autoscalingclient.tests import test_cli, test_library

try:
    import matplotlib  # noqa: F401 - group replay --plot needs it
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False

#: no periodic evaluation: the tests evaluate with POST .../evaluate
CONFIG = '[autoscaling]\nevaluation_tick = 0\n'
CPU = {'name': 'cpu'}
POLICY_FILE = textwrap.dedent('''\
    group: {min_size: 1, max_size: 10, capacity: 2}
    policies:
      - {name: cpu, kind: target_tracking, target: 50}
    ''')


def iso(seconds_ago):
    return datetime.datetime.fromtimestamp(
        time.time() - seconds_ago, datetime.timezone.utc).strftime(
            '%Y-%m-%dT%H:%M:%SZ')


class MetricLibraryTestCase(test_library.LibraryTestCase):

    def setUp(self):
        testtools.TestCase.setUp(self)
        self.server = server_mod.configured_server(CONFIG)
        self.project = server_mod.new_project()
        self.endpoint = self.server.endpoint(self.project)
        self.client = as_client.Client(endpoint_override=self.endpoint)


class TestMetricLibrary(MetricLibraryTestCase):

    def test_metric_policies(self):
        group = self.create_group(desired=2, max_size=10)
        # params flat, as the engine stores them
        tt = self.client.policies.create(
            group, name='cpu', kind='target_tracking',
            params={'metric': CPU, 'target': 50, 'tolerance': 0.2})
        self.assertIsInstance(tt, models.Policy)
        self.assertEqual(('target_tracking', None), (tt.kind,
                                                     tt.adjustment_type))
        self.assertEqual((50, 0.2, 'live', 'cpu'), (
            tt.params['target'], tt.params['tolerance'], tt.params['mode'],
            tt.params['metric']['name']))
        # or the API's keys
        step = self.client.policies.create(
            group, name='burst', kind='step', metric=CPU, mode='shadow',
            step={'threshold': 80, 'bands': [{'lower': 0,
                                              'adjustment': 2}]})
        self.assertEqual(('step', 'shadow', 80), (
            step.kind, step.params['mode'], step.params['threshold']))
        # an update replaces the keys given
        tt = self.client.policies.update(group, tt, params={'target': 40})
        self.assertEqual((40, 0.2), (tt.params['target'],
                                     tt.params['tolerance']))
        tt = self.client.policies.update(group, tt.id, mode='live',
                                         evaluation_interval=5)
        self.assertEqual(5, tt.params['evaluation_interval'])
        exc = self.assertRaises(
            exceptions.BadRequest, self.client.policies.create, group,
            name='bad', kind='target_tracking',
            params={'metric': CPU, 'target': 50, 'tolerance': 2})
        self.assertIn('/target_tracking/tolerance', exc.message)
        self.assertRaises(ValueError, self.client.policies.create, group,
                          name='bad', params={'metric': CPU})
        # a scheduled policy
        sched = self.client.policies.create(
            group, name='night', kind='scheduled',
            schedule={'recurrence': '0 22 * * *', 'desired_capacity': 1})
        self.assertEqual('0 22 * * *', sched.schedule['recurrence'])
        self.assertIsNotNone(sched.next_run_at)
        self.assertIsNone(sched.params)

    def test_samples_evaluate_compare(self):
        group = self.create_group(desired=2, max_size=10)
        live = self.client.policies.create(
            group, name='live', kind='target_tracking',
            params={'metric': CPU, 'target': 50})
        shadow = self.client.policies.create(
            group, name='shadow', kind='target_tracking',
            params={'metric': CPU, 'target': 25, 'mode': 'shadow'})
        now = datetime.datetime.now(datetime.timezone.utc)
        accepted = self.client.metrics.push(group, [
            {'name': 'cpu', 'value': 100, 'member': 'a', 'timestamp': now},
            models.Sample(name='cpu', value=100, member='b')])
        self.assertIsInstance(accepted, models.SamplesAccepted)
        self.assertEqual((2, group.id), (accepted.accepted,
                                         accepted.group_id))
        samples = self.client.metrics.list(group, name='cpu')
        self.assertEqual({('a', 100), ('b', 100)},
                         {(x.member, x.value) for x in samples})
        self.assertIsInstance(samples[0], models.Sample)
        self.assertEqual(1, len(self.client.metrics.list(group, limit=1)))
        self.assertEqual([], self.client.metrics.list(
            group, since=now + datetime.timedelta(hours=1)))
        self.assertEqual(2, len(self.client.metrics.list(
            group, since=time.time() - 600)))
        exc = self.assertRaises(exceptions.BadRequest,
                                self.client.metrics.push, group,
                                [{'name': 'cpu', 'value': 'hot'}])
        self.assertIn('/samples/0/value', exc.message)
        self.assertRaises(ValueError, self.client.metrics.push, group, [])

        ev = self.client.groups.evaluate(group)
        self.assertIsInstance(ev, models.Evaluation)
        self.assertEqual((2, 4, True), (ev.capacity, ev.desired,
                                        ev.changed))
        self.assertEqual(8, ev.policies[shadow.id]['desired'])
        group = self.client.groups.get(group)
        self.assertEqual(4, group.desired_capacity)
        self.assertEqual(ev.activity_id,
                         group.last_evaluation['activity_id'])
        self.assertEqual(10, group.evaluation_interval)

        c = self.client.policies.compare(group, shadow)
        self.assertIsInstance(c, models.Comparison)
        self.assertEqual((shadow.id, 1, 1, 1), (
            c.policy_id, c.evaluations, c.differed, c.shadow_higher))
        c = self.client.policies.compare(
            group, shadow, start=datetime.datetime(2000, 1, 1),
            end=946771200)
        self.assertEqual(0, c.evaluations)
        exc = self.assertRaises(exceptions.BadRequest,
                                self.client.policies.compare, group, live)
        self.assertIn('shadow', exc.message)

    def test_webhook_of_a_metric_policy_takes_samples(self):
        group = self.create_group(desired=1, max_size=3)
        policy = self.client.policies.create(
            group, name='cpu', kind='target_tracking',
            params={'metric': CPU, 'target': 50})
        hook = self.client.webhooks.create(group, policy)
        out = as_client.push_webhook_samples(
            hook.url, [{'name': 'cpu', 'value': 20, 'member': 'm1'}])
        self.assertIsInstance(out, models.SamplesAccepted)
        self.assertEqual(1, out.accepted)
        out = as_client.execute_webhook(hook.url, {'samples': [
            {'name': 'cpu', 'value': 30, 'member': 'm2'}]})
        self.assertIsInstance(out, models.SamplesAccepted)
        self.assertEqual(2, len(self.client.metrics.list(group)))
        exc = self.assertRaises(exceptions.BadRequest,
                                as_client.execute_webhook, hook.url)
        self.assertIn('samples', exc.message)


class TestHelpers(testtools.TestCase):
    """No server needed."""

    def test_metric_policy_body(self):
        self.assertEqual(
            {'metric': CPU, 'mode': 'shadow',
             'target_tracking': {'target': 50, 'tolerance': 0.1}},
            managers.metric_policy_body('target_tracking', {
                'metric': CPU, 'mode': 'shadow', 'target': 50,
                'tolerance': 0.1}))
        self.assertEqual({'evaluation_interval': 5},
                         managers.metric_policy_body(
                             'step', {'evaluation_interval': 5}))
        self.assertRaises(ValueError, managers.metric_policy_body,
                          'simple', {'target': 1})
        self.assertRaises(ValueError, managers.metric_policy_body,
                          'step', ['threshold'])

    def test_time_param(self):
        self.assertEqual('2027-01-01T08:00:00.000000Z', managers.time_param(
            datetime.datetime(2027, 1, 1, 8)))
        self.assertEqual('2027-01-01T07:00:00.000000Z', managers.time_param(
            datetime.datetime(2027, 1, 1, 8, tzinfo=datetime.timezone(
                datetime.timedelta(hours=1)))))
        self.assertEqual('12', managers.time_param(12))
        self.assertEqual('1.5', managers.time_param(1.5))
        self.assertEqual('yesterday', managers.time_param('yesterday'))
        self.assertIsNone(managers.time_param(None))

    def test_sample_arg(self):
        self.assertEqual({'name': 'cpu', 'value': 80, 'member': 'm1',
                          'timestamp': 1700000000.5},
                         common.sample_arg('name=cpu,value=80,member=m1,'
                                           'timestamp=1700000000.5'))
        self.assertEqual({'name': 'cpu', 'value': 1.5,
                          'timestamp': '2027-01-01T00:00:00Z'},
                         common.sample_arg('name=cpu,value=1.5,'
                                           'timestamp=2027-01-01T00:00:00Z'))
        for text, words in (('name=cpu', 'value required'),
                            ('value=1', 'name required'),
                            ('name=cpu,value=hot', "value 'hot' is not"),
                            ('name=cpu,value=1,colour=red',
                             'unknown key colour'),
                            ('name=cpu,value=1,value=2', 'value given '
                                                         'twice'),
                            ('cpu', 'expected key=value')):
            exc = self.assertRaises(ValueError, common.sample_arg, text)
            self.assertIn(words, str(exc))

    def test_schedule_item(self):
        self.assertEqual(('recurrence', '0 8 * * *'),
                         common.schedule_item('recurrence=0 8 * * *'))
        self.assertEqual(('max_size', 4), common.schedule_item('max_size=4'))
        self.assertRaisesRegex(ValueError, 'unknown key when',
                               common.schedule_item, 'when=now')
        self.assertRaisesRegex(ValueError, "min_size: 'x' is not an "
                               "integer", common.schedule_item,
                               'min_size=x')
        self.assertEqual({'at': 'T', 'max_size': 1, 'time_zone': 'UTC'},
                         common.merged_schedule(
                             {'recurrence': 'R', 'max_size': 1,
                              'time_zone': 'UTC'}, {'at': 'T'}))

    def test_read_samples(self):
        tmp = self.useFixture(fixtures.TempDir()).path

        def write(name, text):
            path = os.path.join(tmp, name)
            with open(path, 'w') as f:
                f.write(text)
            return path

        path = write('s.csv', 'name,value,member,timestamp\n'
                              'cpu,80,m1,2027-01-01T00:00:00Z\n'
                              '# a comment\n'
                              'cpu,70.5,,1798761600\n')
        self.assertEqual([
            {'name': 'cpu', 'value': 80, 'member': 'm1',
             'timestamp': '2027-01-01T00:00:00Z'},
            {'name': 'cpu', 'value': 70.5, 'timestamp': 1798761600}],
            common.read_samples(path))
        # a trace: time,value and --name
        path = write('t.csv', 'time,value\n0,1\n60,2\n')
        self.assertEqual([{'name': 'cpu', 'timestamp': 0, 'value': 1},
                          {'name': 'cpu', 'timestamp': 60, 'value': 2}],
                         common.read_samples(path, 'cpu'))
        self.assertRaisesRegex(osc_exc.CommandError, 'name and value are '
                               'required', common.read_samples, path)
        path = write('bad.csv', 'name,value\ncpu,hot\n')
        self.assertRaisesRegex(osc_exc.CommandError, "line 2: value 'hot'",
                               common.read_samples, path)
        path = write('cols.csv', 'name,value,colour\n')
        self.assertRaisesRegex(osc_exc.CommandError, "unknown column "
                               "'colour'", common.read_samples, path)
        path = write('s.json', json.dumps({'samples': [
            {'name': 'cpu', 'value': 1}]}))
        self.assertEqual([{'name': 'cpu', 'value': 1}],
                         common.read_samples(path))
        path = write('l.json', json.dumps([{'value': 1}]))
        self.assertEqual([{'name': 'mem', 'value': 1}],
                         common.read_samples(path, 'mem'))

    def test_replay_without_heat_says_so(self):
        with mock.patch.dict(sys.modules, {'heat.scaling': None,
                                           'heat.scaling.simulate': None}):
            exc = self.assertRaises(osc_exc.CommandError,
                                    replay.load_simulator)
        self.assertIn('heat.scaling.simulate', str(exc))
        self.assertIn('does not depend on it', str(exc))


class TestMetricCLI(test_cli.CLITestCase):

    def setUp(self):
        testtools.TestCase.setUp(self)
        self.openstack = shutil.which('openstack', path=server_mod.BINDIR)
        if self.openstack is None:
            self.skipTest('the openstack command (python-openstackclient) '
                          'is not installed next to this Python')
        self.server = server_mod.configured_server(CONFIG)
        self.project = server_mod.new_project()
        self.endpoint = self.server.endpoint(self.project)
        self.cwd = self.useFixture(fixtures.TempDir()).path
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith('OS_')}
        self.env['HOME'] = self.cwd

    def make_group(self, desired=2):
        self.osc('group', 'create', 'g', '--min-size', '1', '--max-size',
                 '10', '--desired-capacity', str(desired), '--cooldown',
                 '0', '--resource-type', 'OS::Heat::None', '--wait')

    def test_policy_kinds(self):
        self.make_group()
        self.write('tt.yaml', yaml.safe_dump({
            'metric': {'name': 'cpu', 'statistic': 'maximum'},
            'target': 50, 'scale_down': {'stabilization_window': 60}}))
        p = self.osc_json('policy', 'create', 'g', 'cpu', '--kind',
                          'target_tracking', '--params-file', 'tt.yaml',
                          '--mode', 'shadow', '--evaluation-interval', '5')
        self.assertEqual(('target_tracking', 'shadow', 5, 50, 'maximum'), (
            p['kind'], p['params']['mode'],
            p['params']['evaluation_interval'], p['params']['target'],
            p['params']['metric']['statistic']))
        # the API's shape, and the kind from the file
        self.write('step.json', json.dumps({
            'kind': 'step', 'metric': {'name': 'cpu'},
            'step': {'threshold': 80, 'bands': [{'lower': 0,
                                                 'adjustment': 1}]}}))
        p = self.osc_json('policy', 'create', 'g', 'burst',
                          '--params-file', 'step.json')
        self.assertEqual(('step', 80), (p['kind'], p['params']['threshold']))
        p = self.osc_json('policy', 'update', 'g', 'cpu', '--mode', 'live')
        self.assertEqual(('live', 50), (p['params']['mode'],
                                        p['params']['target']))
        self.write('target.yaml', 'target: 60\n')
        self.osc('policy', 'update', 'g', 'cpu', '--params-file',
                 'target.yaml')
        p = self.osc_json('policy', 'show', 'g', 'cpu')
        self.assertEqual((60, 'maximum'), (
            p['params']['target'], p['params']['metric']['statistic']))

        # scheduled
        p = self.osc_json('policy', 'create', 'g', 'night', '--schedule',
                          'recurrence=0 22 * * *', '--schedule',
                          'time_zone=Europe/Paris', '--schedule',
                          'desired_capacity=1')
        self.assertEqual(('scheduled', {'recurrence': '0 22 * * *',
                                        'time_zone': 'Europe/Paris',
                                        'desired_capacity': 1}),
                         (p['kind'], p['schedule']))
        self.assertIsNotNone(p['next_run_at'])
        p = self.osc_json('policy', 'update', 'g', 'night', '--schedule',
                          'max_size=5')
        self.assertEqual({'recurrence': '0 22 * * *',
                          'time_zone': 'Europe/Paris',
                          'desired_capacity': 1, 'max_size': 5},
                         p['schedule'])
        self.assertEqual({('cpu', 'target_tracking'), ('burst', 'step'),
                          ('night', 'scheduled')}, {
            (x['Name'], x['Kind'])
            for x in self.osc_json('policy', 'list', 'g')})

        # errors: said by the client, or the server's naming the field
        for args, words in (
                (('--kind', 'step'), 'needs --params-file'),
                (('--kind', 'scheduled'), 'needs --schedule'),
                (('--adjustment', '1'), 'needs --adjustment-type and '
                                        '--adjustment'),
                (('--params-file', 'tt.yaml', '--kind', 'target_tracking',
                  '--cooldown', '1'), '--cooldown: not with a policy of '
                                      'kind target_tracking'),
                (('--schedule', 'max_size=1', '--mode', 'live'),
                 '--mode: not with a policy of kind scheduled'),
                (('--schedule', 'when=now'), 'unknown key when')):
            run = self.osc('policy', 'create', 'g', 'bad', *args,
                           expect=None)
            self.assertNotEqual(0, run.returncode, run.stdout)
            self.assertIn(words, run.stderr)
        self.write('bad.yaml', yaml.safe_dump({'metric': {'name': 'cpu'},
                                               'target': -1}))
        run = self.osc('policy', 'create', 'g', 'bad', '--kind',
                       'target_tracking', '--params-file', 'bad.yaml',
                       expect=1)
        self.assertIn('HTTP 400', run.stderr)
        self.assertIn('/target_tracking/target', run.stderr)
        run = self.osc('policy', 'update', 'g', 'night', '--mode', 'live',
                       expect=1)
        self.assertIn('--mode: not with a policy of kind scheduled',
                      run.stderr)

    def test_metrics_evaluate_compare_replay(self):
        self.make_group()
        self.write('tt.yaml', yaml.safe_dump({'metric': {'name': 'cpu'},
                                              'target': 50}))
        self.osc('policy', 'create', 'g', 'live', '--kind',
                 'target_tracking', '--params-file', 'tt.yaml')
        self.osc('policy', 'create', 'g', 'shadow', '--kind',
                 'target_tracking', '--params-file', 'tt.yaml', '--mode',
                 'shadow')
        # ten minutes of two members, a sample a minute: 20 then 100
        lines = ['time,member,value']
        for i in range(10):
            when = iso(600 - 60 * i)
            for member in ('a', 'b'):
                lines.append('%s,%s,%s' % (when, member,
                                           20 if i < 5 else 100))
        self.write('samples.csv', '\n'.join(lines) + '\n')
        out = self.osc_json('metric', 'push', 'g', '--file', 'samples.csv',
                            '--name', 'cpu')
        self.assertEqual((20, 1), (out['accepted'], out['requests']))
        out = self.osc_json('metric', 'push', 'g', '--sample',
                            'name=mem,value=1', '--sample',
                            'name=mem,value=2,member=a,timestamp=%s'
                            % iso(1))
        self.assertEqual(2, out['accepted'])
        listed = self.osc_json('metric', 'list', 'g', '--name', 'cpu')
        self.assertEqual(20, len(listed))
        self.assertEqual({'Timestamp', 'Name', 'Value', 'Member'},
                         set(listed[0]))
        self.assertEqual(3, len(self.osc_json('metric', 'list', 'g',
                                              '--limit', '3')))
        self.assertEqual(22, len(self.osc_json('metric', 'list', 'g',
                                               '--since', iso(3600))))
        run = self.osc('metric', 'push', 'g', '--sample', 'name=cpu,'
                       'value=hot', expect=2)
        self.assertIn("value 'hot' is not a number", run.stderr)
        run = self.osc('metric', 'push', 'g', expect=1)
        self.assertIn('no samples', run.stderr)

        # the group's samples replayed through a policy file
        self.write('policy.yaml', POLICY_FILE)
        run = self.osc('group', 'replay', 'g', '--policy-file',
                       'policy.yaml', '--metric', 'cpu')
        self.assertIn('# trace: 10 points from 20 samples of cpu of group '
                      'g (average of each member\'s latest sample within '
                      '60 s)', run.stdout)
        self.assertIn('summary:', run.stdout)
        plot = ('--plot', 'out.png') if HAVE_MATPLOTLIB else ()
        report = self.osc_json_raw('group', 'replay', 'g', '--policy-file',
                                   'policy.yaml', '--metric', 'cpu',
                                   '--json', *plot)
        self.assertEqual(10, report['trace']['points'])
        self.assertEqual('average', report['trace']['statistic'])
        self.assertEqual([20.0] * 5 + [100.0] * 5,
                         [r['value'] for r in report['timeline']])
        # 20 at a target of 50: down to 1, then up again at 100
        self.assertEqual(1, report['timeline'][0]['desired'])
        self.assertGreater(report['summary']['max_desired'], 2)
        if HAVE_MATPLOTLIB:
            self.assertTrue(os.path.getsize(os.path.join(self.cwd,
                                                         'out.png')))
        run = self.osc('group', 'replay', 'g', '--policy-file',
                       'policy.yaml', expect=1)
        self.assertIn('several metrics (cpu, mem): choose one with '
                      '--metric', run.stderr)
        # a trace file instead of a group
        self.write('trace.csv', 'time,value\n0,20\n60,100\n120,100\n')
        report = self.osc_json_raw('group', 'replay', '--trace',
                                   'trace.csv', '--policy-file',
                                   'policy.yaml', '--json')
        self.assertEqual({'source': 'file', 'file': 'trace.csv',
                          'points': 3}, report['trace'])
        run = self.osc('group', 'replay', 'g', '--trace', 'trace.csv',
                       '--policy-file', 'policy.yaml', expect=1)
        self.assertIn('give a group or --trace', run.stderr)
        self.write('broken.yaml', 'policies: []\n')
        run = self.osc('group', 'replay', '--trace', 'trace.csv',
                       '--policy-file', 'broken.yaml', expect=1)
        self.assertIn('broken.yaml', run.stderr)

        # an evaluation now (of the samples of the last 60 s): 100 at a
        # target of 50
        self.osc('metric', 'push', 'g', '--sample',
                 'name=cpu,value=100,member=a', '--sample',
                 'name=cpu,value=100,member=b')
        ev = self.osc_json('group', 'evaluate', 'g')
        self.assertEqual((2, 4, True), (ev['capacity'], ev['desired'],
                                        ev['changed']))
        self.assertEqual('4', self.osc_value('group', 'show', 'g', '-c',
                                             'desired_capacity'))
        c = self.osc_json('policy', 'compare', 'g', 'shadow')
        self.assertEqual((1, 0), (c['evaluations'], c['differed']))
        c = self.osc_json('policy', 'compare', 'g', 'shadow', '--start',
                          '0', '--end', '1')
        self.assertEqual(0, c['evaluations'])
        run = self.osc('policy', 'compare', 'g', 'live', expect=1)
        self.assertIn('HTTP 400', run.stderr)

    def osc_json_raw(self, *args):
        """The JSON a command prints itself (``--json``)."""
        return json.loads(self.osc(*args).stdout)
