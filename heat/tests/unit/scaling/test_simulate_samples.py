"""heat.scaling.simulate.points_from_samples: a trace from the metric
samples a group recorded (``openstack autoscaling group replay``)."""

import testtools

from heat.scaling import simulate as sim


def sample(t, value, member=None, name='cpu'):
    return {'name': name, 'value': value, 'timestamp': t, 'member': member}


class TestPointsFromSamples(testtools.TestCase):

    def test_one_point_per_timestamp_over_each_members_latest(self):
        samples = [sample(0, 10, 'a'), sample(0, 30, 'b'),
                   sample(10, 50, 'a'),              # b still 30
                   sample(20, 70, 'b'), sample(20, 90, 'b')]  # b's latest
        self.assertEqual([(0.0, 20.0), (10.0, 40.0), (20.0, 70.0)],
                         sim.points_from_samples(samples))

    def test_statistics(self):
        samples = [sample(0, 10, 'a'), sample(0, 30, 'b'),
                   sample(0, 20, 'c')]
        got = {s: sim.points_from_samples(samples, s)[0][1]
               for s in sim.STATISTICS}
        self.assertEqual({'average': 20.0, 'sum': 60.0, 'maximum': 30.0,
                          'minimum': 10.0}, got)
        self.assertRaisesRegex(sim.InputError, "'avg' is not one of",
                               sim.points_from_samples, samples, 'avg')

    def test_a_member_older_than_the_period_no_longer_counts(self):
        samples = [sample(0, 100, 'a'), sample(0, 0, 'b'),
                   sample(60, 10, 'b'),    # a is 60 s old: still counts
                   sample(61, 20, 'b')]    # a is 61 s old: gone
        self.assertEqual([(0.0, 50.0), (60.0, 55.0), (61.0, 20.0)],
                         sim.points_from_samples(samples))
        self.assertEqual([(0.0, 50.0), (60.0, 10.0), (61.0, 20.0)],
                         sim.points_from_samples(samples, period=30))
        self.assertRaisesRegex(sim.InputError,
                               'period 0 must be a positive number',
                               sim.points_from_samples, samples, period=0)

    def test_samples_without_member_share_one_label(self):
        samples = [sample(0, 10), sample(5, 30), sample(5, 50, 'x')]
        self.assertEqual([(0.0, 10.0), (5.0, 40.0)],
                         sim.points_from_samples(samples))

    def test_name_filter_iso_times_and_order(self):
        samples = [sample('2027-01-01T00:00:10Z', 30, 'a'),
                   sample('2027-01-01T00:00:00Z', 10, 'a'),
                   sample('2027-01-01T00:00:05Z', 99, 'a', name='mem')]
        points = sim.points_from_samples(samples, name='cpu')
        start = 1798761600.0
        self.assertEqual([(start, 10.0), (start + 10, 30.0)], points)
        self.assertEqual(3, len(sim.points_from_samples(samples)))
        self.assertEqual([], sim.points_from_samples(samples, name='disk'))

    def test_missing_values_are_no_data(self):
        samples = [sample(0, None, 'a'), sample(1, 40, 'b'),
                   sample(2, 'nan', 'b')]
        self.assertEqual([(0.0, None), (1.0, 40.0), (2.0, None)],
                         sim.points_from_samples(samples))

    def test_errors_name_the_sample(self):
        self.assertRaisesRegex(sim.InputError, "sample 1: value 'hot' is "
                               "not a number", sim.points_from_samples,
                               [sample(0, 1), sample(1, 'hot')])
        self.assertRaisesRegex(sim.InputError, "sample 0: time 'soon' is "
                               "not a number or ISO-8601",
                               sim.points_from_samples, [sample('soon', 1)])
        self.assertRaisesRegex(sim.InputError, 'sample 0: no timestamp',
                               sim.points_from_samples,
                               [{'name': 'cpu', 'value': 1}])

    def test_the_trace_replays(self):
        config = sim._config({
            'group': {'min_size': 1, 'max_size': 10, 'capacity': 2},
            'policies': [{'name': 'cpu', 'kind': 'target_tracking',
                          'target': 50}]})
        samples = [sample(t, 100, m) for t in (0, 60, 120)
                   for m in ('a', 'b')]
        report = sim.simulate(config, sim.points_from_samples(samples))
        self.assertEqual(3, report['summary']['samples'])
        self.assertEqual(4, report['timeline'][0]['desired'])
