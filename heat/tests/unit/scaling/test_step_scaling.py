"""Step scaling: band validation, band choice, adjustments, warm-up."""

from heat.scaling import decision as dec
from heat.scaling import step_scaling as st
from heat.scaling.state import GroupState
from heat.tests import base

B = st.StepBand


def group(capacity, lo=0, hi=100, **kw):
    return GroupState(capacity=capacity, min_size=lo, max_size=hi, **kw)


#: Scale out +1 for 0..10 above 80, +3 beyond; scale in -1 below 80.
OUT_IN = (B(0, 10, 1), B(10, None, 3), B(None, 0, -1))


def policy(bands=OUT_IN, threshold=80, **kw):
    return st.StepPolicy(threshold=threshold, bands=bands, **kw)


class TestValidateBands(base.TestCase):

    # name: (bands, message fragment naming the band and value)
    CASES = {
        'empty': ((), 'at least one band'),
        'gap': ((B(0, 10, 1), B(12, None, 2)),
                'band 1: lower bound 12 leaves a gap after band 0, which '
                'ends at 10'),
        'overlap': ((B(0, 10, 1), B(5, None, 2)),
                    'band 1: lower bound 5 overlaps band 0, which ends '
                    'at 10'),
        'overlap_reported_by_given_index': (
            (B(5, None, 2), B(0, 10, 1)),
            'band 0: lower bound 5 overlaps band 1'),
        'inverted': ((B(10, 0, 1),),
                     'band 0: lower bound 10 is not below upper bound 0'),
        'empty_interval': ((B(3, 3, 1),), 'band 0: lower bound 3'),
        'two_unbounded_below': ((B(None, 0, -1), B(None, 5, 1)),
                                'band 1: only the lowest band'),
        'unbounded_top_not_last': ((B(0, None, 1), B(10, 20, 2)),
                                   'band 0 has no upper bound'),
        'fully_unbounded_with_others': ((B(None, None, 1), B(0, 1, 1)),
                                        'band 0 is unbounded on both'),
        'adjustment_missing': ((B(0, None, None),),
                               'band 0: adjustment None'),
        'bound_not_number': ((B('a', None, 1),),
                             "band 0: lower bound 'a' is not a number"),
    }

    def test_cases(self):
        for name, (bands, fragment) in self.CASES.items():
            e = self.assertRaises(ValueError, st.validate_bands, bands)
            self.assertIn(fragment, str(e), name)

    def test_valid_bands_come_back_sorted(self):
        got = st.validate_bands(OUT_IN)
        self.assertEqual([None, 0, 10], [b.lower for b in got])

    def test_single_unbounded_band_is_fine(self):
        self.assertEqual(1, len(st.validate_bands((B(None, None, 1),))))


class TestPolicyValidation(base.TestCase):

    # name: (kwargs, fragment)
    CASES = {
        'unknown_type': (dict(adjustment_type='double'), 'double'),
        'magnitude_needs_percent': (dict(min_adjustment_magnitude=2),
                                    'percent'),
        'negative_warmup': (dict(warmup=-1), 'warmup'),
        'threshold_not_number': (dict(threshold='80'),
                                 "threshold '80' is not a number"),
        'exact_needs_whole_numbers': (
            dict(adjustment_type='exact_capacity',
                 bands=(B(0, None, 2.5),)), 'band 0: exact capacity'),
    }

    def test_cases(self):
        for name, (kw, fragment) in self.CASES.items():
            e = self.assertRaises(ValueError, policy, **kw)
            self.assertIn(fragment, str(e), name)

    def test_cfn_type_names_are_accepted(self):
        p = policy(adjustment_type='PercentChangeInCapacity',
                   min_adjustment_magnitude=2)
        self.assertEqual('percent_change_in_capacity', p.adjustment_type)

    def test_from_dict_names_unknown_band_field(self):
        e = self.assertRaises(
            ValueError, st.policy_from_dict,
            {'threshold': 1, 'bands': [{'lower': 0, 'adjust': 1}]})
        self.assertIn('band 0: unknown field(s) adjust', str(e))


class TestDescribeBand(base.TestCase):

    # name: (band, text)
    CASES = {
        'above': (B(0, 10, 1), '[0, 10)'),
        'top_unbounded': (B(10, None, 1), '[10, inf)'),
        'below_is_open_below': (B(-10, 0, 1), '(-10, 0]'),
        'bottom_unbounded': (B(None, -5.5, 1), '(-inf, -5.5]'),
        'everything': (B(None, None, 1), '(-inf, inf)'),
    }

    def test_cases(self):
        for name, (band, text) in self.CASES.items():
            self.assertEqual(text, band.describe(), name)


class TestBandFor(base.TestCase):

    # name: (bands, metric, expected band index or None)
    CASES = {
        'just_above_threshold': (OUT_IN, 80, 0),
        'inside_first': (OUT_IN, 89.9, 0),
        'upper_bound_exclusive': (OUT_IN, 90, 1),
        'far_above': (OUT_IN, 1e9, 1),
        'below_threshold': (OUT_IN, 79, 2),
        'threshold_goes_to_band_starting_at_zero': (OUT_IN, 80, 0),
        'threshold_in_scale_in_band_when_alone': (
            (B(-20, 0, -1), B(None, -20, -2)), 80, 0),
        'below_only_lower_exclusive': (
            (B(-20, 0, -1), B(None, -20, -2)), 60, 1),
        'outside_every_band': ((B(0, 10, 1),), 95, None),
        'below_upper_only_policy': ((B(0, None, 1),), 70, None),
    }

    def test_cases(self):
        for name, (bands, metric, want) in self.CASES.items():
            got, _band = policy(bands).band_for(metric)
            self.assertEqual(want, got, name)


class TestDecide(base.TestCase):

    # name: (policy kwargs, capacity, metric, desired, rejection, kw)
    CASES = {
        'band_0_adds_one': ({}, 4, 85, 5, None, {}),
        'band_1_adds_three': ({}, 4, 95, 7, None, {}),
        'scale_in_band': ({}, 4, 50, 3, None, {}),
        'clamped_to_max': ({}, 9, 95, 10, None, {'hi': 10}),
        'at_max': ({}, 10, 95, 10, dec.REJECT_AT_MAX, {'hi': 10}),
        'at_min': ({}, 1, 50, 1, dec.REJECT_AT_MIN, {'lo': 1}),
        'exact_type': (dict(adjustment_type='exact_capacity',
                            bands=(B(0, None, 6), B(None, 0, 2))),
                       4, 90, 6, None, {}),
        'percent_type': (dict(adjustment_type='percent_change_in_capacity',
                              bands=(B(0, None, 50),)),
                         10, 90, 15, None, {}),
        'percent_magnitude_floor': (
            dict(adjustment_type='percent_change_in_capacity',
                 bands=(B(0, None, 10),), min_adjustment_magnitude=3),
            10, 90, 13, None, {}),
        'no_band_no_change': (dict(bands=(B(0, None, 1),)), 4, 50, 4,
                              dec.REJECT_NO_CHANGE, {}),
        'no_data': ({}, 4, None, 4, dec.REJECT_NO_DATA, {}),
        'nan_is_no_data': ({}, 4, float('nan'), 4, dec.REJECT_NO_DATA, {}),
        'suspended': ({}, 4, 95, 4, dec.REJECT_SUSPENDED,
                      {'suspended': True}),
    }

    def test_cases(self):
        for name, (pkw, capacity, metric, want, code, gkw) in \
                self.CASES.items():
            d = st.decide(group(capacity, **gkw), policy(**pkw), metric,
                          100.0)
            self.assertEqual((want, code), (d.desired, d.rejection), name)
            self.assertEqual('step', d.inputs['kind'], name)

    def test_record_names_band_and_steps(self):
        d = st.decide(group(4), policy(), 95, 100.0)
        self.assertEqual(1, d.inputs['band'])
        self.assertEqual(['band', 'raw'], [s.name for s in d.steps])
        self.assertIn('band 1', d.reason)
        self.assertEqual(d, dec.Decision.from_json(d.to_json()))


class TestWarmup(base.TestCase):

    def setUp(self):
        super().setUp()
        self.p = policy(warmup=300)

    def test_repeat_breach_in_same_band_adds_nothing(self):
        # 10 in service, the first alarm in band 0 made it 11 at t=0.
        d = st.decide(group(11), self.p, 85, 60.0, launches=[0.0])
        self.assertEqual(dec.REJECT_NO_CHANGE, d.rejection)
        self.assertIn('warming up', d.reason)
        self.assertEqual('warmup', d.steps[1].name)

    def test_higher_band_adds_only_the_difference(self):
        d = st.decide(group(11), self.p, 95, 60.0, launches=[0.0])
        self.assertEqual(13, d.desired)

    def test_warmed_members_count_as_in_service(self):
        d = st.decide(group(11), self.p, 85, 400.0, launches=[0.0])
        self.assertEqual(12, d.desired)

    def test_scale_in_ignores_warmup(self):
        d = st.decide(group(11), self.p, 50, 60.0, launches=[0.0])
        self.assertEqual(10, d.desired)

    def test_warming_counts_only_young_launches(self):
        self.assertEqual(2, st.warming([0, 50, 100, -400], 320, 300))
