"""Capacity arithmetic: upstream's pinned cases, names, rounding, the fix."""

from heat.scaling import capacity as cap
from heat.tests import base, corpus

PCT = cap.PERCENT_CHANGE_IN_CAPACITY
CHANGE = cap.CHANGE_IN_CAPACITY
EXACT = cap.EXACT_CAPACITY


class PinnedUpstreamCasesTest(base.TestCase):
    """The 19 cases of upstream's test_new_capacity.py."""

    def test_new_capacity_matches_upstream(self):
        table = corpus.expectations('test_new_capacity')['scenarios']
        self.assertEqual(19, len(table))
        for row in table:
            args = (row['current'], row['adjustment'],
                    row['adjustment_type'], row['min_adjustment_step'],
                    row['minimum'], row['maximum'])
            self.assertEqual(row['expected'], cap.new_capacity(*args),
                             row['name'])
            self.assertEqual(row['expected'],
                             cap.decide_capacity(*args).desired, row['name'])

    def test_cfn_names_give_the_same_results(self):
        table = corpus.expectations('test_new_capacity')['scenarios']
        cfn = dict(zip(cap.ADJUSTMENT_TYPES, cap.CFN_ADJUSTMENT_TYPES))
        for row in table:
            self.assertEqual(row['expected'], cap.new_capacity(
                row['current'], row['adjustment'],
                cfn[row['adjustment_type']], row['min_adjustment_step'],
                row['minimum'], row['maximum']), row['name'])


class CapacityChangesTest(base.TestCase):
    """Our own rows for upstream's calculate_new_capacity rules.

    Each row: (current, adjustment, type, min_adjustment_step, lower,
    upper) -> expected, derived from the rules in
    :mod:`heat.scaling.capacity`: change adds, exact replaces; percent
    takes ``d = current * adjustment / 100``, a step of ``|d| < 1`` rounds
    away from zero and a larger one truncates toward zero; the minimum
    step raises a smaller percent step (only); the result is clamped.
    Needs nothing outside the repository.
    """

    CHANGE_AND_EXACT = {
        'change_up': (2, 3, CHANGE, None, 0, 10, 5),
        'change_down': (5, -2, CHANGE, None, 0, 10, 3),
        'change_zero_is_no_change': (4, 0, CHANGE, None, 0, 10, 4),
        'change_up_without_bounds': (3, 40, CHANGE, None, None, None, 43),
        'change_ignores_min_step': (2, 1, CHANGE, 5, 0, 10, 3),
        'exact_up': (2, 7, EXACT, None, 0, 10, 7),
        'exact_down': (8, 3, EXACT, None, 0, 10, 3),
        'exact_zero': (6, 0, EXACT, None, 0, 10, 0),
        # exact never looks at the current capacity, nor the min step
        'exact_from_zero_ignores_min_step': (0, 5, EXACT, 4, 0, 10, 5),
    }

    PERCENT = {
        # d = 10 * 33% = 3.3: truncated to +3
        'up_truncates': (10, 33, PCT, None, 0, 20, 13),
        # d = -2.5: truncated toward zero to -2 (not floored to -3)
        'down_truncates_toward_zero': (10, -25, PCT, None, 0, 20, 8),
        # d = 0.4: rounded away from zero to +1
        'small_up_is_one_member': (4, 10, PCT, None, 0, 20, 5),
        # d = -0.4: rounded away from zero to -1
        'small_down_is_one_member': (4, -10, PCT, None, 0, 20, 3),
        # d = 1.0 is not below 1: a step of exactly 1
        'exactly_one_member_up': (5, 20, PCT, None, 0, 20, 6),
        # d = -1.0: a step of exactly -1
        'exactly_one_member_down': (5, -20, PCT, None, 0, 20, 4),
        # d = 200 * 1.5% = 3.0
        'fractional_percent': (200, 1.5, PCT, None, 0, 300, 203),
        # d = 8 * 100% = 8: doubles
        'hundred_percent_doubles': (8, 100, PCT, None, 0, 20, 16),
        # d = -6: all gone
        'minus_hundred_percent_empties': (6, -100, PCT, None, 0, 10, 0),
        # d = 7 * 250% = 17.5: truncated to 17
        'above_hundred_percent': (7, 250, PCT, None, 0, 30, 24),
    }

    MIN_STEP = {
        # d = 1.0 -> +1, raised to +3
        'raises_small_step_up': (10, 10, PCT, 3, 0, 20, 13),
        # d = -1.0 -> -1, raised to -3 (direction kept)
        'raises_small_step_down': (10, -10, PCT, 3, 0, 20, 7),
        # d = 0.3 rounds to +1, raised to +2
        'raises_rounded_step': (3, 10, PCT, 2, 0, 20, 5),
        # d = 5.0 is larger than the minimum: unchanged
        'keeps_larger_step': (10, 50, PCT, 2, 0, 20, 15),
        # d = -3.0 equals the minimum: unchanged
        'keeps_equal_step': (10, -30, PCT, 3, 0, 20, 7),
        # 0 is no minimum: d = 0.5 stays +1
        'zero_is_no_minimum': (5, 10, PCT, 0, 0, 20, 6),
        # d = 0.9 -> +1, raised to +4 = 13, then clamped to 12
        'raised_then_clamped_to_max': (9, 10, PCT, 4, 0, 12, 12),
        # d = -0.4 -> -1, raised to -5 = -1, then clamped to 0
        'raised_then_clamped_to_min': (4, -10, PCT, 5, 0, 12, 0),
    }

    CLAMP = {
        'change_above_max': (8, 5, CHANGE, None, 0, 10, 10),
        'change_below_min': (3, -5, CHANGE, None, 1, 10, 1),
        'change_at_max_unchanged': (8, 2, CHANGE, None, 0, 10, 10),
        'change_at_min_unchanged': (3, -2, CHANGE, None, 1, 10, 1),
        'exact_above_max': (2, 12, EXACT, None, 0, 10, 10),
        'exact_below_min': (6, 0, EXACT, None, 2, 10, 2),
        # d = 10 * 100% = 10 -> 20, clamped to 15
        'percent_above_max': (10, 100, PCT, None, 0, 15, 15),
        # d = -9 -> 1, clamped to 3
        'percent_below_min': (10, -90, PCT, None, 3, 20, 3),
        # no upper bound: only the lower one applies
        'open_upper_bound': (3, 100, CHANGE, None, 1, None, 103),
        # no lower bound: a negative capacity is not corrected
        'open_lower_bound': (1, -3, CHANGE, None, None, 10, -2),
        # min == max pins the capacity
        'pinned': (1, 6, CHANGE, None, 4, 4, 4),
    }

    TABLES = (CHANGE_AND_EXACT, PERCENT, MIN_STEP, CLAMP)

    def _check(self, table):
        for case, row in table.items():
            args, expected = row[:-1], row[-1]
            self.assertEqual(expected, cap.new_capacity(*args), case)
            self.assertEqual(expected, cap.decide_capacity(*args).desired,
                             case)

    def test_change_and_exact(self):
        self._check(self.CHANGE_AND_EXACT)

    def test_percent(self):
        self._check(self.PERCENT)

    def test_min_adjustment_step(self):
        self._check(self.MIN_STEP)

    def test_clamp_to_min_max(self):
        self._check(self.CLAMP)

    def test_cfn_names_give_the_same_results(self):
        cfn = dict(zip(cap.ADJUSTMENT_TYPES, cap.CFN_ADJUSTMENT_TYPES))
        for table in self.TABLES:
            for case, row in table.items():
                (current, adj, kind, step, lower, upper,
                 expected) = row
                self.assertEqual(expected, cap.new_capacity(
                    current, adj, cfn[kind], step, lower, upper), case)


class AdjustmentTypeNamesTest(base.TestCase):

    NAMES = {
        'hot_change': ('change_in_capacity', 'change_in_capacity'),
        'hot_exact': ('exact_capacity', 'exact_capacity'),
        'hot_percent': ('percent_change_in_capacity',
                        'percent_change_in_capacity'),
        'cfn_change': ('ChangeInCapacity', 'change_in_capacity'),
        'cfn_exact': ('ExactCapacity', 'exact_capacity'),
        'cfn_percent': ('PercentChangeInCapacity',
                        'percent_change_in_capacity'),
    }

    def test_normalize(self):
        for case, (name, hot) in self.NAMES.items():
            self.assertEqual(hot, cap.normalize_adjustment_type(name), case)

    def test_unknown_type_names_value_and_allowed_names(self):
        for bad in ('double', 'Change_In_Capacity', '', None, 3):
            err = self.assertRaises(ValueError,
                                    cap.normalize_adjustment_type, bad)
            self.assertIn(repr(bad), str(err))
            for allowed in cap.ADJUSTMENT_TYPES + cap.CFN_ADJUSTMENT_TYPES:
                self.assertIn(allowed, str(err))

    def test_new_capacity_rejects_unknown_type(self):
        err = self.assertRaises(ValueError, cap.new_capacity, 1, 1, 'more')
        self.assertIn("'more'", str(err))
        self.assertIn('change_in_capacity', str(err))


class PercentRoundingTest(base.TestCase):
    """One row per rounding rule: (current, adjustment, step, expected)."""

    CASES = {
        'small_up_rounds_away_from_zero': (1, 10, None, 2),
        'small_down_rounds_away_from_zero': (5, -10, None, 4),
        'large_up_truncates': (3, 90, None, 5),
        'large_down_truncates': (3, -90, None, 1),
        'exactly_one_member': (10, 10, None, 11),
        'fractional_percent': (200, 0.5, None, 201),
        'min_step_raises_small_step': (10, 10, 3, 13),
        'min_step_keeps_larger_step': (10, 50, 3, 15),
        'min_step_on_the_way_down': (10, -10, 3, 7),
        'zero_min_step_is_no_minimum': (10, 10, 0, 11),
    }

    def test_rounding(self):
        for case, (current, adj, step, expected) in self.CASES.items():
            self.assertEqual(expected, cap.new_capacity(current, adj, PCT,
                                                        step), case)


class GrowFromZeroFixTest(base.TestCase):
    """Deliberate difference: a percent policy can grow an empty group."""

    CASES = {
        'plus_percent_from_zero_adds_one': (0, 50, None, 1),
        'plus_percent_from_zero_honours_min_step': (0, 50, 3, 3),
        'minus_percent_from_zero_stays_at_zero': (0, -50, None, 0),
        'minus_percent_with_step_from_zero_clamps': (0, -50, 2, 0),
        'zero_percent_is_no_change': (4, 0, None, 4),
        'zero_percent_ignores_min_step': (4, 0, 2, 4),
    }

    def test_grow_from_zero(self):
        for case, (current, adj, step, expected) in self.CASES.items():
            self.assertEqual(expected, cap.new_capacity(
                current, adj, PCT, step, 0, 10), case)


class WholeNumbersTest(base.TestCase):

    def test_float_change_is_rejected(self):
        err = self.assertRaises(ValueError, cap.new_capacity, 2, 1.5,
                                'change_in_capacity')
        self.assertIn('1.5', str(err))
        self.assertIn('whole number', str(err))

    def test_float_exact_is_rejected(self):
        self.assertRaises(ValueError, cap.new_capacity, 2, 2.25,
                          'ExactCapacity')

    def test_integral_float_is_accepted_as_int(self):
        result = cap.new_capacity(2, 2.0, 'change_in_capacity')
        self.assertEqual(4, result)
        self.assertIsInstance(result, int)

    def test_non_number_is_rejected(self):
        err = self.assertRaises(ValueError, cap.new_capacity, 2, '1',
                                'change_in_capacity')
        self.assertIn('not a number', str(err))

    def test_min_step_ignored_for_change(self):
        self.assertEqual(3, cap.new_capacity(2, 1, 'change_in_capacity', 5))


class ClampTest(base.TestCase):

    CASES = {
        'inside': ((3, 1, 5), 3),
        'above': ((7, 1, 5), 5),
        'below': ((0, 1, 5), 1),
        'no_upper': ((70, 1, None), 70),
        'no_lower': ((-3, None, 5), -3),
        'no_bounds': ((9, None, None), 9),
        'degenerate': ((9, 4, 4), 4),
    }

    def test_clamp(self):
        for case, (args, expected) in self.CASES.items():
            self.assertEqual(expected, cap.clamp(*args), case)

    def test_new_capacity_crossed_bounds_as_upstream(self):
        self.assertEqual(3, cap.new_capacity(10, 0, 'change_in_capacity',
                                             None, 5, 3))
        self.assertEqual(5, cap.new_capacity(1, 0, 'change_in_capacity',
                                             None, 5, 3))
        self.assertRaises(ValueError, cap.decide_capacity, 1, 0,
                          'change_in_capacity', None, 5, 3)

    def test_unhashable_type_is_a_value_error(self):
        self.assertRaises(ValueError, cap.new_capacity, 1, 1, ['x'])
        self.assertRaises(ValueError, cap.decide_capacity, 1, 1, {})

    def test_crossed_bounds_raise(self):
        err = self.assertRaises(ValueError, cap.clamp, 1, 5, 2)
        self.assertIn('5', str(err))
        self.assertIn('2', str(err))


class DecideCapacityStepsTest(base.TestCase):

    def names(self, outcome):
        return [s.name for s in outcome.steps]

    def test_plain_change_records_raw_only(self):
        o = cap.decide_capacity(3, 1, 'change_in_capacity', None, 0, 10)
        self.assertEqual((4, 4), (o.desired, o.raw))
        self.assertEqual(['raw'], self.names(o))
        self.assertEqual('change_in_capacity +1: 3 -> 4', o.steps[0].detail)

    def test_min_step_and_clamp_recorded(self):
        o = cap.decide_capacity(4, 10, PCT, 3, 0, 6)
        self.assertEqual(['raw', 'min_adjustment_step', 'clamp'],
                         self.names(o))
        self.assertEqual([5, 7, 6], [s.capacity for s in o.steps])
        self.assertEqual(6, o.desired)
        self.assertEqual(5, o.raw)

    def test_exact_below_minimum_clamped(self):
        o = cap.decide_capacity(4, 1, 'ExactCapacity', None, 3, 5)
        self.assertEqual(['raw', 'clamp'], self.names(o))
        self.assertIn('clamped to 3', o.steps[-1].detail)

    def test_describe_adjustment(self):
        self.assertEqual('+1', cap.describe_adjustment(1, 'ChangeInCapacity'))
        self.assertEqual('-25%', cap.describe_adjustment(-25, PCT))
        self.assertEqual('+2.5%', cap.describe_adjustment(2.5, PCT))
        self.assertEqual('= 4', cap.describe_adjustment(4, 'exact_capacity'))
