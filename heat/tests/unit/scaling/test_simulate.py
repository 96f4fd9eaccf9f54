"""The trace simulator: loading, replay, summary, errors, CLI."""

import doctest
import io
import json
import os
import sys
from unittest import mock

import fixtures

from heat.scaling import simulate as sim
from heat.tests import base

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        '..', '..', '..', '..', 'examples', 'scaling')

TT = """
group: {min_size: 1, max_size: 10, capacity: 2}
boot_delay: 60
metric: total
policies:
  - {name: rate, kind: target_tracking, target: 50,
     scale_down: {stabilization_window: 0}}
"""


class FilesMixin:

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def run_main(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        code = sim.main(list(argv), stdout=out, stderr=err)
        return code, out.getvalue(), err.getvalue()


class TestLoadTrace(FilesMixin, base.TestCase):

    def test_csv_with_header_iso_times_and_missing_value(self):
        path = self.write('t.csv', 'time,value\n'
                          '2026-01-01T00:00:00Z,10\n'
                          '2026-01-01T00:01:00Z,\n'
                          '# a comment\n'
                          '2026-01-01T00:02:00+00:00,nan\n')
        points, iso = sim.load_trace(path)
        self.assertTrue(iso)
        self.assertEqual([10.0, None, None], [v for _t, v in points])
        self.assertEqual(60.0, points[1][0] - points[0][0])

    def test_json_pairs_and_objects(self):
        path = self.write('t.json', json.dumps(
            [[0, 1.5], {'time': 10, 'value': None}, {'time': 20,
                                                     'value': 3}]))
        points, iso = sim.load_trace(path)
        self.assertFalse(iso)
        self.assertEqual([(0.0, 1.5), (10.0, None), (20.0, 3.0)], points)

    def test_json_points_key(self):
        path = self.write('t.json', '{"points": [[0, 1]]}')
        self.assertEqual([(0.0, 1.0)], sim.load_trace(path)[0])


class TestSimulate(FilesMixin, base.TestCase):

    def report(self, policy, points, **kw):
        config = sim.load_policy_file(self.write('p.yaml', policy))
        return sim.simulate(config, points, **kw)

    def test_total_load_scales_out_and_metric_follows(self):
        r = self.report(TT, [(0, 100), (60, 200), (120, 200), (180, 200)])
        desired = [row['desired'] for row in r['timeline']]
        self.assertEqual([2, 4, 4, 4], desired)
        # Members added at t=60 are ready at 120, and the per-member
        # metric drops to the target.
        self.assertEqual([2, 2, 4, 4],
                         [row['ready'] for row in r['timeline']])
        self.assertEqual(50.0, r['timeline'][2]['metric'])
        self.assertEqual(1, r['summary']['scale_out_events'])
        self.assertEqual(60.0, r['summary']['time_waiting_for_boot'])
        self.assertEqual(60.0, r['summary']['time_over_target'])

    def test_boot_delay_and_start_override_the_file(self):
        r = self.report(TT, [(0, 100), (60, 200), (120, 200)],
                        boot_delay=0, start=1)
        self.assertEqual(0, r['boot_delay'])
        self.assertEqual(1, r['events'][0]['from'])
        # Started at 1, and with no boot delay new members serve at once.
        self.assertEqual([2, 4, 4],
                         [row['ready'] for row in r['timeline']])

    def test_missing_data_is_recorded(self):
        r = self.report(TT, [(0, 100), (60, None)])
        self.assertEqual('no_data',
                         r['timeline'][1]['decision']['rejection'])

    def test_scheduled_action_changes_bounds(self):
        r = self.report(TT + """
  - {name: floor, kind: scheduled, at: 30, min_size: 6}
""", [(0, 100), (60, 100)])
        self.assertEqual(6, r['timeline'][1]['min_size'])
        self.assertEqual(6, r['timeline'][1]['desired'])
        self.assertEqual('scheduled', r['events'][0]['source'])

    def test_combine_mode_is_applied(self):
        policy = """
group: {min_size: 0, max_size: 10, capacity: 6}
combine: safest
policies:
  - {name: a, kind: target_tracking, target: 50,
     scale_down: {stabilization_window: 0}}
  - {name: b, kind: target_tracking, target: 5, missing_data: hold,
     scale_down: {stabilization_window: 0}}
"""
        r = self.report(policy, [(0, 10)])
        # a wants 2, b wants 12 -> safest: scale out to 10 (max)
        self.assertEqual(10, r['timeline'][0]['desired'])
        self.assertEqual('b', r['timeline'][0]['decision']['winner'])

    def test_step_policy_warmup_in_replay(self):
        policy = """
group: {min_size: 1, max_size: 20, capacity: 4}
boot_delay: 0
policies:
  - name: burst
    kind: step
    threshold: 80
    warmup: 300
    bands: [{lower: 0, upper: 10, adjustment: 1},
            {lower: 10, adjustment: 3}]
"""
        r = self.report(policy, [(0, 85), (60, 85), (120, 95), (500, 85)])
        self.assertEqual([5, 5, 7, 8],
                         [row['desired'] for row in r['timeline']])

    def test_simple_policy_behind_an_alarm_with_cooldown(self):
        policy = """
group: {min_size: 1, max_size: 10, capacity: 2}
policies:
  - {name: up, kind: simple, alarm: {threshold: 80, comparison: gt},
     scaling_adjustment: 1, cooldown: 60}
"""
        r = self.report(policy, [(0, 100), (30, 100), (70, 100), (80, 10)])
        self.assertEqual([3, 3, 4, 4],
                         [row['desired'] for row in r['timeline']])
        self.assertEqual(['cooldown', 'no_change'],
                         [r['timeline'][i]['decision']['rejection']
                          for i in (1, 3)])

    def test_simple_direction_cooldown_goes_to_its_field(self):
        policy = """
group: {min_size: 1, max_size: 10, capacity: 2}
policies:
  - {name: up, kind: simple, alarm: {threshold: 80, comparison: ge},
     scaling_adjustment: 1, scale_up_cooldown: 60}
  - {name: down, kind: simple, alarm: {threshold: 20, comparison: le},
     scaling_adjustment: -1, scale_down_cooldown: 600}
"""
        # The scale-up cooldown does not block the scale-down.
        r = self.report(policy, [(0, 80), (10, 20), (20, 90), (70, 90)])
        self.assertEqual([3, 2, 2, 3],
                         [row['desired'] for row in r['timeline']])

    def test_scale_in_removes_booting_members_first(self):
        g = sim._Group(4, 0, 10, 0, members=[0.0, 0.0, 100.0, 110.0])
        g.desired = 2
        g.resize(120.0, boot_delay=60)
        self.assertEqual([0.0, 0.0], g.members)
        g.desired = 1
        g.resize(120.0, boot_delay=60)
        self.assertEqual([0.0], g.members)

    def test_example_files_replay(self):
        config = sim.load_policy_file(os.path.join(EXAMPLES,
                                                   'policy.yaml'))
        points, iso = sim.load_trace(os.path.join(EXAMPLES, 'trace.csv'))
        r = sim.simulate(config, points)
        self.assertTrue(iso)
        self.assertGreater(r['summary']['scale_out_events'], 0)
        self.assertGreater(r['summary']['scale_in_events'], 0)
        for row in r['timeline']:
            self.assertTrue(row['min_size'] <= row['desired'] <=
                            row['max_size'])
        json.dumps(r)  # plain data


class TestMain(FilesMixin, base.TestCase):

    def test_text_output(self):
        code, out, err = self.run_main(
            '--policy', self.write('p.yaml', TT),
            '--trace', self.write('t.csv', '0,100\n60,200\n'))
        self.assertEqual((0, ''), (code, err))
        self.assertIn('summary:', out)
        self.assertIn('rate -> 4', out)
        self.assertIn('scale_out_events       1', out)

    def test_json_output(self):
        code, out, _err = self.run_main(
            '--policy', self.write('p.yaml', TT),
            '--trace', self.write('t.csv', '0,100\n60,200\n'), '--json')
        self.assertEqual(0, code)
        report = json.loads(out)
        self.assertEqual(4, report['summary']['final_desired'])
        self.assertEqual(['rate'], [e['source'] for e in report['events']])

    # name: (policy text, trace text, fragment of the error)
    BAD = {
        'yaml_syntax': ('group: {min_size: 1\npolicies: [\n', '0,1\n',
                        'p.yaml line 2: invalid YAML'),
        'no_group': ('policies: []\n', '0,1\n', 'group: required'),
        'min_over_max': ('group: {min_size: 3, max_size: 2}\n'
                         'policies: [{kind: step}]\n', '0,1\n',
                         'min_size 3 is greater than max_size 2'),
        'unknown_top_level': (TT + 'colour: red\n', '0,1\n',
                              'unknown field(s) colour'),
        'unknown_kind': ('group: {min_size: 0, max_size: 2}\n'
                         'policies: [{name: x, kind: magic}]\n', '0,1\n',
                         "policies[0] (x).kind: 'magic' is not one of"),
        'band_gap': ('group: {min_size: 0, max_size: 2}\npolicies:\n'
                     '  - {name: b, kind: step, threshold: 1, bands: '
                     '[{lower: 0, upper: 1, adjustment: 1}, '
                     '{lower: 2, adjustment: 2}]}\n', '0,1\n',
                     'policies[0] (b): band 1: lower bound 2 leaves a '
                     'gap'),
        'bad_rate_limit': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: r, kind: target_tracking, target: 5, scale_up: '
            '{rate_limits: [{type: pods, value: 1, period: 1}]}}\n',
            '0,1\n', 'policies[0] (r).scale_up.rate_limits[0]: rate limit '
            "type 'pods'"),
        'tt_unknown_field': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: r, kind: target_tracking, target: 5, tgt: 1}\n',
            '0,1\n', 'unknown field(s) tgt'),
        'simple_without_alarm': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: s, kind: simple, scaling_adjustment: 1}\n', '0,1\n',
            'policies[0] (s): a simple policy needs an alarm'),
        'simple_without_adjustment': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: s, kind: simple, alarm: {threshold: 1}}\n', '0,1\n',
            'policies[0] (s).scaling_adjustment: required'),
        'simple_bad_comparison': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: s, kind: simple, scaling_adjustment: 1, alarm: '
            '{threshold: 1, comparison: gte}}\n', '0,1\n',
            "policies[0] (s).alarm.comparison: 'gte' is not one of"),
        'simple_fractional_change': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: s, kind: simple, scaling_adjustment: 1.5, alarm: '
            '{threshold: 1}}\n', '0,1\n',
            'policies[0] (s): scaling_adjustment 1.5 must be a whole'),
        'step_missing_threshold': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: b, kind: step, bands: [{lower: 0, adjustment: 1}]}'
            '\n', '0,1\n', 'policies[0] (b).threshold: required'),
        'step_bands_not_a_list': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: b, kind: step, threshold: 1, bands: 3}\n', '0,1\n',
            'policies[0] (b).bands: expected a list'),
        'tt_missing_target': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: r, kind: target_tracking}\n', '0,1\n',
            'policies[0] (r).target: required'),
        'tt_target_not_a_number': (
            'group: {min_size: 0, max_size: 2}\npolicies:\n'
            '  - {name: r, kind: target_tracking, target: high}\n', '0,1\n',
            "policies[0] (r): target 'high' is not a number"),
        'trace_bad_value': (TT, '0,1\n60,abc\n',
                            "t.csv line 2: value 'abc' is not a number"),
        'trace_bad_time': (TT, '0,1\nsoon,2\n',
                           "t.csv line 2: time 'soon' is not a number"),
        'trace_three_columns': (TT, '0,1,2\n', 't.csv line 1: expected 2 '
                                'columns'),
        'trace_times_go_back': (TT, '10,1\n5,2\n', 'times must increase'),
        'trace_empty': (TT, 'time,value\n', 'the trace has no points'),
    }

    def test_bad_inputs_exit_1_with_a_clear_message(self):
        for name, (policy, trace, fragment) in self.BAD.items():
            code, out, err = self.run_main(
                '--policy', self.write('p.yaml', policy),
                '--trace', self.write('t.csv', trace))
            self.assertEqual(1, code, name)
            self.assertEqual('', out, name)
            self.assertTrue(err.startswith('error: '), name)
            self.assertIn(fragment, err, name)
            self.assertNotIn('Traceback', err, name)

    def test_bad_json_policy_names_line(self):
        code, _out, err = self.run_main(
            '--policy', self.write('p.json', '{\n"group": 1,\n}'),
            '--trace', self.write('t.csv', '0,1\n'))
        self.assertEqual(1, code)
        self.assertIn('p.json line 3 column 1: invalid JSON', err)

    def test_missing_file(self):
        code, _out, err = self.run_main(
            '--policy', os.path.join(self.dir, 'nope.yaml'),
            '--trace', self.write('t.csv', '0,1\n'))
        self.assertEqual(1, code)
        self.assertIn('nope.yaml: cannot read', err)

    def test_negative_boot_delay(self):
        code, _out, err = self.run_main(
            '--policy', self.write('p.yaml', TT),
            '--trace', self.write('t.csv', '0,1\n'), '--boot-delay', '-1')
        self.assertEqual(1, code)
        self.assertIn('--boot-delay', err)

    def test_plot_writes_a_png(self):
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            self.skipTest('matplotlib (the optional "plot" extra) is not '
                          'installed')
        png = os.path.join(self.dir, 'x.png')
        code, out, _err = self.run_main(
            '--policy', self.write('p.yaml', TT),
            '--trace', self.write('t.csv', '0,100\n60,200\n120,200\n'),
            '--plot', png)
        self.assertEqual(0, code)
        self.assertIn('plot written to', out)
        with open(png, 'rb') as f:
            self.assertEqual(b'\x89PNG', f.read(4))

    def test_plot_without_matplotlib_is_a_clear_error(self):
        with mock.patch.dict(sys.modules, {'matplotlib': None}):
            code, out, err = self.run_main(
                '--policy', self.write('p.yaml', TT),
                '--trace', self.write('t.csv', '0,1\n'),
                '--plot', os.path.join(self.dir, 'x.png'))
        self.assertEqual(1, code)
        self.assertIn('--plot needs matplotlib', err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, 'x.png')))


DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   '..', '..', '..', '..', 'doc', 'scaling-library.md')


class TestLibraryDoc(base.TestCase):
    """The examples in doc/scaling-library.md run as shown."""

    def test_doc_examples(self):
        result = doctest.testfile(DOC, module_relative=False,
                                  optionflags=doctest.ELLIPSIS,
                                  report=False, verbose=False)
        self.assertEqual(0, result.failed)
        self.assertGreater(result.attempted, 50)
