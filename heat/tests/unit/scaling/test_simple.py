"""Simple policies: validation and the decision, rule by rule."""

import json

from heat.scaling import cooldown as cd
from heat.scaling import decision as dec
from heat.scaling import simple, state
from heat.tests import base

T0 = 1_800_000_000.0
PCT = 'percent_change_in_capacity'


def group(capacity=3, min_size=1, max_size=5, **kw):
    return state.GroupState(capacity=capacity, min_size=min_size,
                            max_size=max_size, **kw)


def policy(adjustment_type='change_in_capacity', scaling_adjustment=1,
           **kw):
    return simple.SimplePolicy(adjustment_type, scaling_adjustment, **kw)


class PolicyValidationTest(base.TestCase):
    """One row per invalid policy: (kwargs, words the error must hold)."""

    INVALID = {
        'unknown_type': (dict(adjustment_type='double'),
                         ["'double'", 'change_in_capacity']),
        'float_change': (dict(scaling_adjustment=1.5),
                         ['scaling_adjustment 1.5', 'whole number',
                          'change_in_capacity']),
        'float_exact_cfn': (dict(adjustment_type='ExactCapacity',
                                 scaling_adjustment=2.5),
                            ['ScalingAdjustment 2.5', 'ExactCapacity']),
        'string_adjustment': (dict(scaling_adjustment='1'),
                              ["scaling_adjustment '1' is not a number"]),
        'bool_adjustment': (dict(scaling_adjustment=True),
                            ['scaling_adjustment True is not a number']),
        'nan_adjustment': (dict(adjustment_type=PCT,
                                scaling_adjustment=float('nan')),
                           ['scaling_adjustment nan']),
        'min_step_with_change': (
            dict(min_adjustment_step=1),
            ['min_adjustment_step property should only be specified for '
             'adjustment_type with value percent_change_in_capacity.']),
        'min_step_zero_with_change': (
            dict(min_adjustment_step=0),
            ['min_adjustment_step property should only be specified']),
        'min_step_with_cfn_exact': (
            dict(adjustment_type='ExactCapacity', min_adjustment_step=1),
            ['MinAdjustmentStep property should only be specified for '
             'AdjustmentType with value PercentChangeInCapacity.']),
        'negative_min_step': (dict(adjustment_type=PCT,
                                   min_adjustment_step=-1),
                              ['min_adjustment_step -1', '>= 0']),
        'fractional_min_step': (dict(adjustment_type=PCT,
                                     min_adjustment_step=1.5),
                                ['min_adjustment_step 1.5']),
        'string_cooldown': (dict(cooldown='60'),
                            ["cooldown '60' is not a number"]),
        'string_scale_up_cooldown': (dict(scale_up_cooldown='x'),
                                     ["scale_up_cooldown 'x'"]),
        'unknown_cooldown_rule': (dict(cooldown_rule='min'),
                                  ["'min'", cd.POLICY_OR_GROUP]),
    }

    def test_invalid(self):
        for case, (kw, words) in self.INVALID.items():
            err = self.assertRaises(ValueError, policy, **kw)
            for w in words:
                self.assertIn(w, str(err), case)

    def test_normalised(self):
        p = policy('PercentChangeInCapacity', 10, min_adjustment_step=2.0)
        self.assertEqual(PCT, p.adjustment_type)
        self.assertEqual(2, p.min_adjustment_step)
        p = policy(scaling_adjustment=2.0)
        self.assertEqual(2, p.scaling_adjustment)
        self.assertIsInstance(p.scaling_adjustment, int)

    def test_fractional_percent_is_fine(self):
        self.assertEqual(2.5, policy(PCT, 2.5).scaling_adjustment)

    def test_describe(self):
        self.assertEqual('change_in_capacity -2', policy(
            scaling_adjustment=-2).describe())
        self.assertEqual('exact_capacity 4', policy(
            'ExactCapacity', 4).describe())
        self.assertEqual('percent_change_in_capacity +50%', policy(
            PCT, 50).describe())


class DecideTest(base.TestCase):
    """(group kwargs, policy kwargs) -> (accepted, desired, rejection)."""

    CASES = {
        'scale_up': ({}, {}, (True, 4, None)),
        'scale_down': ({}, dict(scaling_adjustment=-1), (True, 2, None)),
        'exact': ({}, dict(adjustment_type='exact_capacity',
                           scaling_adjustment=5), (True, 5, None)),
        'percent': (dict(capacity=4, max_size=10),
                    dict(adjustment_type=PCT, scaling_adjustment=50),
                    (True, 6, None)),
        'clamped_up': ({}, dict(scaling_adjustment=10), (True, 5, None)),
        'clamped_down': ({}, dict(scaling_adjustment=-10), (True, 1, None)),
        'at_max': (dict(capacity=5), {}, (False, 5, dec.REJECT_AT_MAX)),
        'at_min': (dict(capacity=1), dict(scaling_adjustment=-1),
                   (False, 1, dec.REJECT_AT_MIN)),
        'exact_same': ({}, dict(adjustment_type='exact_capacity',
                                scaling_adjustment=3),
                       (False, 3, dec.REJECT_NO_CHANGE)),
        'zero_change': ({}, dict(scaling_adjustment=0),
                        (False, 3, dec.REJECT_NO_CHANGE)),
        'exact_above_max_is_at_max': (
            dict(capacity=5), dict(adjustment_type='exact_capacity',
                                   scaling_adjustment=9),
            (False, 5, dec.REJECT_AT_MAX)),
        'suspended': (dict(suspended=True), {},
                      (False, 3, dec.REJECT_SUSPENDED)),
        'suspended_before_cooldown': (
            dict(suspended=True, cooldown_end=T0 + 10), {},
            (False, 3, dec.REJECT_SUSPENDED)),
        'cooling_down': (dict(cooldown_end=T0 + 10), {},
                         (False, 3, dec.REJECT_COOLDOWN)),
        'cooldown_over': (dict(cooldown_end=T0 - 10), {}, (True, 4, None)),
        'in_progress_with_cooldown': (dict(in_progress=True),
                                      dict(cooldown=60),
                                      (False, 3, dec.REJECT_IN_PROGRESS)),
        'in_progress_group_cooldown': (dict(in_progress=True, cooldown=60),
                                       {},
                                       (False, 3, dec.REJECT_IN_PROGRESS)),
        'in_progress_zero_cooldown_coalesces': (
            dict(in_progress=True, cooldown=60), dict(cooldown=0),
            (True, 4, None)),
        'cooldown_reported_before_at_max': (
            dict(capacity=5, cooldown_end=T0 + 1), {},
            (False, 5, dec.REJECT_COOLDOWN)),
        'scale_up_end_does_not_block_down': (
            dict(scale_up_cooldown_end=T0 + 30),
            dict(scaling_adjustment=-1), (True, 2, None)),
        'scale_up_end_blocks_up': (
            dict(scale_up_cooldown_end=T0 + 30), {},
            (False, 3, dec.REJECT_COOLDOWN)),
        'grow_from_zero_by_percent': (
            dict(capacity=0, min_size=0),
            dict(adjustment_type=PCT, scaling_adjustment=10),
            (True, 1, None)),
        'capacity_above_lowered_max': (dict(capacity=8), {},
                                       (True, 5, None)),
    }

    def test_decide(self):
        for case, (g, p, expected) in self.CASES.items():
            d = simple.decide(group(**g), policy(**p), T0)
            self.assertEqual(expected, (d.accepted, d.desired, d.rejection),
                             case)
            self.assertEqual(3 if 'capacity' not in g else g['capacity'],
                             d.current, case)
            if d.accepted:
                self.assertIsNotNone(d.cooldown_end, case)
            else:
                self.assertTrue(d.reason.startswith('rejected: '), case)

    def test_cooldown_rejection_names_the_blocking_end(self):
        """A cooldown rejection carries the end its reason names (the
        alarm URL's answer and the activity show it); other rejections
        carry none."""
        cases = {
            'shared_end': (dict(cooldown_end=T0 + 10), {}, T0 + 10),
            'scale_up_end': (dict(scale_up_cooldown_end=T0 + 30), {},
                             T0 + 30),
            'later_of_both': (dict(cooldown_end=T0 + 5,
                                   scale_up_cooldown_end=T0 + 30), {},
                              T0 + 30),
            'at_max_has_none': (dict(capacity=5), {}, None),
            'in_progress_has_none': (dict(in_progress=True),
                                     dict(cooldown=60), None),
        }
        for case, (g, p, end) in cases.items():
            d = simple.decide(group(**g), policy(**p), T0)
            self.assertFalse(d.accepted, case)
            self.assertEqual(end, d.cooldown_end, case)
            if end is not None:
                self.assertIn(dec.iso(end), d.reason, case)

    def test_reasons(self):
        reasons = {
            'change_in_capacity +1: 3 -> 4': (group(), policy()),
            'percent_change_in_capacity -50%: 4 -> 2': (
                group(4), policy(PCT, -50)),
            'exact_capacity 5: 3 -> 5': (group(), policy('ExactCapacity',
                                                         5)),
            'change_in_capacity +10: 3 -> 5 (clamped to max_size 5)': (
                group(), policy(scaling_adjustment=10)),
            'rejected: change_in_capacity +1: already at max_size 5': (
                group(5), policy()),
            'rejected: change_in_capacity -1: already at min_size 1': (
                group(1), policy(scaling_adjustment=-1)),
            'rejected: scaling is suspended': (group(suspended=True),
                                               policy()),
            'rejected: cooldown until 2027-01-15T08:01:00+00:00': (
                group(cooldown_end=T0 + 60), policy()),
        }
        for reason, (g, p) in reasons.items():
            self.assertEqual(reason, simple.decide(g, p, T0).reason)

    def test_steps_recorded(self):
        d = simple.decide(group(4, max_size=6),
                          policy(PCT, 10, min_adjustment_step=3), T0)
        self.assertEqual(['raw', 'min_adjustment_step', 'clamp', 'cooldown'],
                         [s.name for s in d.steps])
        self.assertEqual(6, d.desired)

    def test_coalesced_trigger_records_why(self):
        d = simple.decide(group(in_progress=True), policy(cooldown=0), T0)
        self.assertTrue(d.accepted)
        self.assertIn('coalesced', d.steps[0].detail)


class CooldownEndTest(base.TestCase):

    CASES = {
        'policy_cooldown': (dict(cooldown=10), dict(cooldown=30), T0 + 30),
        'group_cooldown_when_policy_has_none': (dict(cooldown=45), {},
                                                T0 + 45),
        'policy_zero_is_its_own': (dict(cooldown=45), dict(cooldown=0), T0),
        'max_rule': (dict(cooldown=45),
                     dict(cooldown=30,
                          cooldown_rule=cd.MAX_OF_GROUP_AND_POLICY),
                     T0 + 45),
        'passed_end_replaced': (
            dict(cooldown=45, cooldown_end=T0 - 1),
            dict(cooldown=10), T0 + 10),
        'scale_up_cooldown': (dict(cooldown=45),
                              dict(scale_up_cooldown=5), T0 + 5),
        'scale_up_end_extended': (
            dict(scale_up_cooldown_end=T0 - 1), dict(scale_up_cooldown=5),
            T0 + 5),
    }

    def test_cooldown_end(self):
        for case, (g, p, end) in self.CASES.items():
            d = simple.decide(group(**g), policy(**p), T0)
            self.assertTrue(d.accepted, case)
            self.assertEqual(end, d.cooldown_end, case)

    def test_end_field(self):
        up = policy(scale_up_cooldown=5)
        d = simple.decide(group(), up, T0)
        self.assertEqual('scale_up_cooldown_end',
                         simple.cooldown_end_field(up, d))
        down = policy(scaling_adjustment=-1, scale_down_cooldown=5)
        d = simple.decide(group(), down, T0)
        self.assertEqual('scale_down_cooldown_end',
                         simple.cooldown_end_field(down, d))
        plain = policy(scale_down_cooldown=5)
        d = simple.decide(group(), plain, T0)
        self.assertEqual('cooldown_end', simple.cooldown_end_field(plain, d))

    def test_second_trigger_inside_window_rejected(self):
        p = policy(cooldown=60)
        first = simple.decide(group(), p, T0)
        after = group(capacity=first.desired, cooldown_end=first.cooldown_end)
        second = simple.decide(after, p, T0 + 59)
        self.assertEqual(dec.REJECT_COOLDOWN, second.rejection)
        third = simple.decide(after, p, T0 + 60)
        self.assertTrue(third.accepted)


class RecordTest(base.TestCase):

    def test_inputs_are_json_and_round_trip(self):
        trigger = {'current': 'alarm', 'previous': 'ok', 'reason': 'cpu'}
        d = simple.decide(group(cooldown=30), policy(name='up'), T0,
                          trigger)
        self.assertEqual(trigger, d.inputs['trigger'])
        self.assertEqual('up', d.inputs['policy'])
        self.assertEqual(30, d.inputs['cooldown'])
        self.assertEqual(T0, d.inputs['now'])
        self.assertEqual(d, dec.Decision.from_json(d.to_json()))
        json.loads(d.to_json())

    def test_no_trigger_no_trigger_input(self):
        d = simple.decide(group(), policy(), T0)
        self.assertNotIn('trigger', d.inputs)


class TestCapped(base.TestCase):
    """decision.capped: a scale-out kept within a limit outside the
    policy (the engine's max_resources_per_stack)."""

    def decision(self, current, desired):
        b = dec.DecisionBuilder(current)
        b.step('raw', desired, 'asked')
        return b.accept(desired, 'scale from %d to %d' % (current,
                                                          desired),
                        cooldown_end=100.0)

    def test_room_for_all(self):
        d = self.decision(2, 4)
        self.assertIs(d, dec.capped(d, 4, 'limit'))

    def test_room_for_some(self):
        d = dec.capped(self.decision(2, 6), 4, 'only 4 fit')
        self.assertTrue(d.accepted)
        self.assertEqual((2, 4), (d.current, d.desired))
        self.assertEqual('resource_limit', d.steps[-1].name)
        self.assertEqual(4, d.steps[-1].capacity)
        self.assertIn('capped at 4: only 4 fit', d.reason)
        self.assertEqual(100.0, d.cooldown_end)

    def test_no_room(self):
        d = dec.capped(self.decision(4, 6), 4, 'only 4 fit')
        self.assertFalse(d.accepted)
        self.assertEqual(dec.REJECT_RESOURCE_LIMIT, d.rejection)
        self.assertEqual((4, 4), (d.current, d.desired))
        self.assertIsNone(d.cooldown_end)
        self.assertIn('only 4 fit (asked for 6, at 4)', d.reason)
        # and it round-trips as every record does
        self.assertEqual(d, dec.Decision.from_json(d.to_json()))

    def test_scale_in_and_rejections_untouched(self):
        d = self.decision(4, 2)
        self.assertIs(d, dec.capped(d, 1, 'limit'))
        r = dec.DecisionBuilder(3).reject(dec.REJECT_COOLDOWN, 'cooling')
        self.assertIs(r, dec.capped(r, 0, 'limit'))
