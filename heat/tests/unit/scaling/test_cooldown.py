"""Cooldown: sanitising, the effective cooldown, ends and the verdict."""

from heat.scaling import cooldown as cd
from heat.scaling import decision as dec
from heat.scaling import state
from heat.tests import base

T0 = 1_800_000_000.0


def group(**kw):
    kw.setdefault('capacity', 3)
    kw.setdefault('min_size', 0)
    kw.setdefault('max_size', 10)
    return state.GroupState(**kw)


class SanitizeTest(base.TestCase):

    CASES = {
        'none_is_zero': (None, 0),
        'negative_is_zero': (-5, 0),
        'zero': (0, 0),
        'positive_kept': (60, 60),
        'fractional_kept': (1.5, 1.5),
    }

    def test_sanitize(self):
        for case, (value, expected) in self.CASES.items():
            self.assertEqual(expected, cd.sanitize(value), case)


class EffectiveCooldownTest(base.TestCase):
    """(group, policy, rule) -> seconds."""

    CASES = {
        'policy_set_wins': (60, 10, cd.POLICY_OR_GROUP, 10),
        'policy_none_falls_back': (60, None, cd.POLICY_OR_GROUP, 60),
        'policy_zero_is_set': (60, 0, cd.POLICY_OR_GROUP, 0),
        'policy_negative_is_zero': (60, -1, cd.POLICY_OR_GROUP, 0),
        'both_none': (None, None, cd.POLICY_OR_GROUP, 0),
        'max_group_larger': (60, 10, cd.MAX_OF_GROUP_AND_POLICY, 60),
        'max_policy_larger': (10, 60, cd.MAX_OF_GROUP_AND_POLICY, 60),
        'max_with_nones': (None, None, cd.MAX_OF_GROUP_AND_POLICY, 0),
        'max_with_negative': (-3, 5, cd.MAX_OF_GROUP_AND_POLICY, 5),
    }

    def test_effective(self):
        for case, (g, p, rule, expected) in self.CASES.items():
            self.assertEqual(expected, cd.effective_cooldown(g, p, rule),
                             case)

    def test_unknown_rule(self):
        err = self.assertRaises(ValueError, cd.effective_cooldown, 1, 2,
                                'min')
        self.assertIn("'min'", str(err))
        self.assertIn(cd.POLICY_OR_GROUP, str(err))


class NextCooldownEndTest(base.TestCase):

    CASES = {
        'no_old_end': (None, T0, 60, T0 + 60),
        'old_end_earlier': (T0 + 10, T0, 60, T0 + 60),
        'old_end_later_is_kept': (T0 + 100, T0, 60, T0 + 100),
        'zero_cooldown': (None, T0, 0, T0),
        'none_cooldown': (T0 - 5, T0, None, T0),
        'negative_cooldown': (None, T0, -30, T0),
    }

    def test_next_end(self):
        for case, (old, now, c, expected) in self.CASES.items():
            self.assertEqual(expected, cd.next_cooldown_end(old, now, c),
                             case)


class EndFieldTest(base.TestCase):

    CASES = {
        'shared_up': (cd.UP, False, 'cooldown_end'),
        'shared_down': (cd.DOWN, False, 'cooldown_end'),
        'separate_up': (cd.UP, True, 'scale_up_cooldown_end'),
        'separate_down': (cd.DOWN, True, 'scale_down_cooldown_end'),
        'separate_none': (cd.NONE, True, 'cooldown_end'),
    }

    def test_end_field(self):
        for case, (direction, separate, field) in self.CASES.items():
            self.assertEqual(field, cd.end_field(direction, separate), case)
            # The name is a real GroupState field.
            self.assertTrue(hasattr(group(), field), case)


class VerdictTest(base.TestCase):
    """(group fields, cooldown, direction) -> (allowed, rejection)."""

    CASES = {
        'idle_no_end': ({}, 60, cd.UP, (True, None)),
        'end_passed': (dict(cooldown_end=T0 - 1), 60, cd.UP, (True, None)),
        'end_exactly_now_allows': (dict(cooldown_end=T0), 60, cd.UP,
                                   (True, None)),
        'end_ahead': (dict(cooldown_end=T0 + 30), 60, cd.UP,
                      (False, dec.REJECT_COOLDOWN)),
        'end_ahead_even_with_zero_cooldown': (
            dict(cooldown_end=T0 + 30), 0, cd.DOWN,
            (False, dec.REJECT_COOLDOWN)),
        'in_progress_with_cooldown': (dict(in_progress=True), 60, cd.UP,
                                      (False, dec.REJECT_IN_PROGRESS)),
        'in_progress_zero_cooldown_coalesces': (
            dict(in_progress=True), 0, cd.UP, (True, None)),
        'in_progress_none_cooldown_coalesces': (
            dict(in_progress=True), None, cd.UP, (True, None)),
        'cooldown_reported_before_in_progress': (
            dict(in_progress=True, cooldown_end=T0 + 5), 60, cd.UP,
            (False, dec.REJECT_COOLDOWN)),
        'scale_up_end_blocks_up': (dict(scale_up_cooldown_end=T0 + 5), 60,
                                   cd.UP, (False, dec.REJECT_COOLDOWN)),
        'scale_up_end_lets_down_pass': (
            dict(scale_up_cooldown_end=T0 + 5), 60, cd.DOWN, (True, None)),
        'scale_down_end_blocks_down': (
            dict(scale_down_cooldown_end=T0 + 5), 60, cd.DOWN,
            (False, dec.REJECT_COOLDOWN)),
        'scale_down_end_lets_up_pass': (
            dict(scale_down_cooldown_end=T0 + 5), 60, cd.UP, (True, None)),
        'no_direction_ignores_specific_ends': (
            dict(scale_up_cooldown_end=T0 + 5,
                 scale_down_cooldown_end=T0 + 5), 60, cd.NONE,
            (True, None)),
        'direction_given_as_a_change': (
            dict(scale_up_cooldown_end=T0 + 5), 60, 4,
            (False, dec.REJECT_COOLDOWN)),
    }

    def test_verdict(self):
        for case, (fields, c, direction, expected) in self.CASES.items():
            v = cd.verdict(group(**fields), T0, c, direction)
            self.assertEqual(expected, (v.allowed, v.rejection), case)

    def test_cooldown_reason_names_the_end(self):
        v = cd.verdict(group(cooldown_end=T0 + 60), T0, 60, cd.UP)
        self.assertEqual(T0 + 60, v.until)
        self.assertEqual('cooldown until %s' % dec.iso(T0 + 60), v.reason)
        self.assertIn('2027-01-15T08:01:00', v.reason)

    def test_later_of_shared_and_specific_end_reported(self):
        g = group(cooldown_end=T0 + 10, scale_up_cooldown_end=T0 + 90)
        self.assertEqual(T0 + 90, cd.verdict(g, T0, 60, cd.UP).until)
        g = group(cooldown_end=T0 + 90, scale_up_cooldown_end=T0 + 10)
        self.assertEqual(T0 + 90, cd.verdict(g, T0, 60, cd.UP).until)

    def test_in_progress_reason(self):
        v = cd.verdict(group(in_progress=True), T0, 60, cd.UP)
        self.assertIn('in progress', v.reason)
        self.assertIsNone(v.until)
