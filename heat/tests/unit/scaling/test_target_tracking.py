"""Target tracking: ratio, tolerance, zero, missing data, damping."""

from heat.scaling import decision as dec
from heat.scaling import target_tracking as tt
from heat.scaling.state import GroupState
from heat.tests import base


def group(capacity, lo=0, hi=100, **kw):
    return GroupState(capacity=capacity, min_size=lo, max_size=hi, **kw)


def mem(recs=(), changes=()):
    return tt.Memory(tuple(recs), tuple(changes))


NO_DAMPING = tt.Behavior(stabilization_window=0)


def policy(target=50.0, tolerance=0.1, **kw):
    kw.setdefault('scale_down', NO_DAMPING)
    return tt.TargetTrackingPolicy(target=target, tolerance=tolerance, **kw)


class TestRecommend(base.TestCase):

    # name: (current, metric, target, tolerance, expected capacity, rule)
    CASES = {
        'ratio_up': (4, 75, 50, 0.1, 6, 'ratio'),
        'ratio_up_rounds_up': (3, 60, 50, 0.1, 4, 'ratio'),
        'ratio_down': (10, 20, 50, 0.1, 4, 'ratio'),
        'ratio_down_rounds_up': (10, 26, 50, 0.1, 6, 'ratio'),
        'inside_upper_tolerance': (10, 55, 50, 0.1, 10, 'tolerance'),
        'inside_lower_tolerance': (10, 45, 50, 0.1, 10, 'tolerance'),
        'just_outside_tolerance': (10, 56, 50, 0.1, 12, 'ratio'),
        'zero_tolerance_moves': (10, 51, 50, 0.0, 11, 'ratio'),
        'exact_float_ratio_no_spurious_member': (3, 0.7 * 1.5, 0.7, 0,
                                                 5, 'ratio'),
        'metric_zero_goes_to_zero': (5, 0, 50, 0.1, 0, 'ratio'),
        'from_zero_with_load': (0, 120, 50, 0.1, 3, 'scale_from_zero'),
        'from_zero_small_load_gets_one': (0, 1, 50, 0.1, 1,
                                          'scale_from_zero'),
        'from_zero_no_load_stays': (0, 0, 50, 0.1, 0, 'ratio'),
    }

    def test_cases(self):
        for name, (cur, metric, target, tol, want, rule) in \
                self.CASES.items():
            got, got_rule, detail = tt.recommend(cur, metric, target, tol)
            self.assertEqual((want, rule), (got, got_rule), name)
            self.assertTrue(detail, name)


class TestDecide(base.TestCase):

    def test_scale_up_records_ratio_and_reason(self):
        r = tt.decide(group(4), policy(), 75, 1000.0)
        d = r.decision
        self.assertTrue(d.accepted)
        self.assertEqual(6, d.desired)
        self.assertEqual(['ratio'], [s.name for s in d.steps])
        self.assertIn('ceil(4 * 1.5) = 6', d.reason)
        self.assertEqual('target_tracking', d.inputs['kind'])
        self.assertEqual(((1000.0, 6),), r.memory.recommendations)
        self.assertEqual(((1000.0, 2),), r.memory.changes)

    def test_inside_tolerance_is_no_change(self):
        d = tt.decide(group(10), policy(), 52, 0.0).decision
        self.assertEqual(dec.REJECT_NO_CHANGE, d.rejection)
        self.assertIn('within 1 ± 0.1', d.reason)

    def test_scale_from_zero_explains_itself(self):
        d = tt.decide(group(0), policy(), 120, 0.0).decision
        self.assertEqual(3, d.desired)
        self.assertIn('group is at 0', d.reason)
        self.assertEqual('scale_from_zero', d.steps[0].name)

    def test_clamped_to_max(self):
        d = tt.decide(group(8, hi=10), policy(), 100, 0.0).decision
        self.assertEqual(10, d.desired)
        self.assertEqual('clamp', d.steps[-1].name)

    def test_at_max_is_rejected_with_code(self):
        d = tt.decide(group(10, hi=10), policy(), 100, 0.0).decision
        self.assertFalse(d.accepted)
        self.assertEqual(dec.REJECT_AT_MAX, d.rejection)

    def test_at_min_is_rejected_with_code(self):
        d = tt.decide(group(2, lo=2), policy(), 10, 0.0).decision
        self.assertEqual(dec.REJECT_AT_MIN, d.rejection)

    def test_suspended(self):
        r = tt.decide(group(2, suspended=True), policy(), 100, 0.0)
        self.assertEqual(dec.REJECT_SUSPENDED, r.decision.rejection)
        self.assertEqual((), r.memory.recommendations)

    def test_negative_or_infinite_metric_is_an_error(self):
        for bad in (-1, float('inf')):
            e = self.assertRaises(ValueError, tt.decide, group(2), policy(),
                                  bad, 0)
            self.assertIn('finite number >= 0', str(e))

    def test_nan_metric_is_missing_data(self):
        d = tt.decide(group(2), policy(), float('nan'), 0).decision
        self.assertEqual(dec.REJECT_NO_DATA, d.rejection)

    def test_decision_round_trips_through_json(self):
        d = tt.decide(group(4), policy(), 75, 0.0).decision
        self.assertEqual(d, dec.Decision.from_json(d.to_json()))


class TestMissingData(base.TestCase):

    def test_hold_rejects_and_records_current(self):
        r = tt.decide(group(5), policy(missing_data='hold'), None, 10.0)
        self.assertEqual(dec.REJECT_NO_DATA, r.decision.rejection)
        self.assertEqual(((10.0, 5),), r.memory.recommendations)

    def test_hold_blocks_scale_in_for_the_down_window(self):
        p = policy(missing_data='hold',
                   scale_down=tt.Behavior(stabilization_window=300))
        r = tt.decide(group(5), p, None, 10.0)
        d = tt.decide(group(5), p, 10, 100.0, r.memory).decision
        self.assertEqual(dec.REJECT_STABILIZATION, d.rejection)

    def test_ignore_rejects_and_records_nothing(self):
        r = tt.decide(group(5), policy(missing_data='ignore'), None, 10.0)
        self.assertEqual(dec.REJECT_NO_DATA, r.decision.rejection)
        self.assertEqual((), r.memory.recommendations)

    def test_scale_in_reads_missing_as_zero(self):
        d = tt.decide(group(5, lo=1), policy(missing_data='scale_in'),
                      None, 10.0).decision
        self.assertTrue(d.accepted)
        self.assertEqual(1, d.desired)
        self.assertEqual('missing_data', d.steps[0].name)

    def test_parse_missing_values(self):
        for raw in (None, '', '  ', 'nan', float('nan')):
            self.assertIsNone(tt.missing_or_metric(raw), repr(raw))
        self.assertEqual(1.5, tt.missing_or_metric('1.5'))


class TestStabilization(base.TestCase):

    # name: (current, recommendation, history, up_w, down_w, expected)
    CASES = {
        'no_history_follows': (5, 3, (), 0, 300, 3),
        'down_takes_max_in_window': (5, 3, ((0, 4), (100, 6)), 0, 300, 5),
        'down_to_highest_below_current': (8, 3, ((0, 4), (100, 6)),
                                          0, 300, 6),
        'old_recommendation_forgotten': (8, 3, ((-300, 7), (100, 4)),
                                         0, 300, 4),
        'up_takes_min_in_window': (5, 9, ((100, 7), (150, 8)), 120, 0, 7),
        'up_window_zero_follows': (5, 9, ((100, 3),), 0, 300, 9),
        'up_held_at_current_when_window_saw_lower': (5, 9, ((150, 4),),
                                                     120, 0, 5),
    }

    def test_cases(self):
        for name, (cur, rec, hist, up, down, want) in self.CASES.items():
            got, detail = tt.stabilize(cur, rec, 200.0, hist, up, down)
            self.assertEqual(want, got, name)
            self.assertTrue(detail, name)

    def test_rejection_code_when_window_holds(self):
        p = policy(scale_down=tt.Behavior(stabilization_window=300))
        d = tt.decide(group(5), p, 10, 200.0, mem([(100.0, 5)])).decision
        self.assertEqual(dec.REJECT_STABILIZATION, d.rejection)
        self.assertEqual(['ratio', 'stabilization'],
                         [s.name for s in d.steps])

    def test_memory_is_trimmed_to_horizon(self):
        p = policy(scale_down=tt.Behavior(stabilization_window=300))
        r = tt.decide(group(5), p, 50, 1000.0,
                      mem([(100.0, 9), (800.0, 5)], [(100.0, 1)]))
        self.assertEqual(((800.0, 5), (1000.0, 5)),
                         r.memory.recommendations)
        self.assertEqual((), r.memory.changes)

    def test_memory_round_trips(self):
        m = mem([(1.0, 3)], [(1.0, -2)])
        self.assertEqual(m, tt.Memory.from_dict(m.to_dict()))


def limited(up=(), down=(), select_up='max', select_down='max'):
    return policy(
        scale_up=tt.Behavior(rate_limits=[tt.RateLimit(*r) for r in up],
                             select=select_up),
        scale_down=tt.Behavior(rate_limits=[tt.RateLimit(*r)
                                            for r in down],
                               select=select_down))


class TestRateLimits(base.TestCase):

    # name: (policy, current, metric, changes, expected desired, rejection)
    CASES = {
        'members_per_period': (
            limited(up=[('members', 2, 60)]), 4, 150, (), 6, None),
        'percent_per_period': (
            limited(up=[('percent', 50, 60)]), 10, 150, (), 15, None),
        'percent_allows_one_from_zero': (
            limited(up=[('percent', 10, 60)]), 0, 500, (), 1, None),
        'budget_spent_in_period': (
            limited(up=[('members', 2, 60)]), 6, 150, ((30.0, 2),), 6,
            dec.REJECT_RATE_LIMIT),
        'budget_back_after_period': (
            limited(up=[('members', 2, 60)]), 6, 150, ((-40.0, 2),), 8,
            None),
        'select_max_takes_most_generous': (
            limited(up=[('members', 1, 60), ('percent', 50, 60)]), 10,
            150, (), 15, None),
        'select_min_takes_most_strict': (
            limited(up=[('members', 1, 60), ('percent', 50, 60)],
                    select_up='min'), 10, 150, (), 11, None),
        'scale_down_members': (
            limited(down=[('members', 3, 60)]), 10, 10, (), 7, None),
        'scale_down_percent': (
            limited(down=[('percent', 20, 60)]), 10, 10, (), 8, None),
        'scale_down_disabled': (
            limited(select_down='disabled'), 10, 10, (), 10,
            dec.REJECT_RATE_LIMIT),
        'down_limit_ignores_up_changes': (
            limited(down=[('members', 3, 60)]), 10, 10, ((30.0, 5),), 7,
            None),
    }

    def test_cases(self):
        for name, (p, cur, metric, changes, want, code) in \
                self.CASES.items():
            d = tt.decide(group(cur), p, metric, 60.0,
                          mem((), changes)).decision
            self.assertEqual((want, code), (d.desired, d.rejection), name)
            if want != cur and p.scale_up.rate_limits + \
                    p.scale_down.rate_limits:
                names = [s.name for s in d.steps]
                if 'rate_limit' in names:
                    self.assertIn('per 60s', d.steps[-1].detail, name)


class TestValidation(base.TestCase):

    # name: (callable, message fragment)
    CASES = {
        'target_zero': (lambda: tt.TargetTrackingPolicy(target=0),
                        'positive'),
        'target_not_number': (lambda: tt.TargetTrackingPolicy(target='5'),
                              "target '5' is not a number"),
        'window_not_number': (
            lambda: tt.Behavior(stabilization_window='5m'),
            "stabilization_window '5m' is not a number"),
        'tolerance_one': (
            lambda: tt.TargetTrackingPolicy(target=1, tolerance=1),
            'tolerance'),
        'missing_data_unknown': (
            lambda: tt.TargetTrackingPolicy(target=1, missing_data='x'),
            'missing_data'),
        'rate_type_unknown': (lambda: tt.RateLimit('pods', 1, 1),
                              'members, percent'),
        'rate_value_zero': (lambda: tt.RateLimit('members', 0, 1),
                            'positive'),
        'rate_members_fraction': (lambda: tt.RateLimit('members', 1.5, 1),
                                  'whole number'),
        'rate_period_zero': (lambda: tt.RateLimit('percent', 5, 0),
                             'period'),
        'select_unknown': (lambda: tt.Behavior(select='all'), 'select'),
        'window_negative': (lambda: tt.Behavior(stabilization_window=-1),
                            'stabilization_window'),
    }

    def test_cases(self):
        for name, (make, fragment) in self.CASES.items():
            e = self.assertRaises(ValueError, make)
            self.assertIn(fragment, str(e), name)
