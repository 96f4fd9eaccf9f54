"""Combining several policies' decisions: largest and safest."""

from heat.scaling import combine as cb
from heat.scaling import decision as dec
from heat.tests import base


def up(to, current=5):
    return dec.DecisionBuilder(current).accept(to, 'wants %d' % to)


down = up


def hold(code=dec.REJECT_NO_CHANGE, current=5):
    return dec.DecisionBuilder(current).reject(code, 'holds: %s' % code)


class TestCombine(base.TestCase):

    # name: (mode, [(policy, decision)], winner, desired, rejection)
    CASES = {
        'largest_single': ('largest', [('a', up(7))], 'a', 7, None),
        'largest_picks_biggest_up': (
            'largest', [('a', up(7)), ('b', up(9))], 'b', 9, None),
        'largest_up_beats_down': (
            'largest', [('a', down(3)), ('b', up(6))], 'b', 6, None),
        'largest_all_down_picks_mildest': (
            'largest', [('a', down(2)), ('b', down(4))], 'b', 4, None),
        'largest_ignores_abstainers': (
            'largest', [('a', hold(dec.REJECT_NO_DATA)), ('b', down(3))],
            'b', 3, None),
        'largest_tie_goes_to_first': (
            'largest', [('a', up(7)), ('b', up(7))], 'a', 7, None),
        'largest_nothing_accepted_holds': (
            'largest', [('a', hold()), ('b', hold(dec.REJECT_COOLDOWN))],
            None, 5, dec.REJECT_NO_CHANGE),
        'largest_shared_rejection_kept': (
            'largest', [('a', hold(dec.REJECT_COOLDOWN)),
                        ('b', hold(dec.REJECT_COOLDOWN))],
            None, 5, dec.REJECT_COOLDOWN),
        'safest_up_wins': (
            'safest', [('a', hold()), ('b', up(8)), ('c', down(2))],
            'b', 8, None),
        'safest_hold_vetoes_scale_in': (
            'safest', [('a', down(2)), ('b', hold(dec.REJECT_NO_DATA))],
            'b', 5, dec.REJECT_NO_DATA),
        'safest_all_down_takes_smallest_step': (
            'safest', [('a', down(2)), ('b', down(4))], 'b', 4, None),
        'safest_nothing_accepted_holds': (
            'safest', [('a', hold()), ('b', hold())], None, 5,
            dec.REJECT_NO_CHANGE),
        'suspended_wins_in_any_mode': (
            'largest', [('a', up(9)), ('b', hold(dec.REJECT_SUSPENDED))],
            'b', 5, dec.REJECT_SUSPENDED),
    }

    def test_cases(self):
        for name, (mode, pairs, winner, desired, code) in \
                self.CASES.items():
            d = cb.combine(pairs, mode=mode)
            self.assertEqual((winner, desired, code),
                             (d.inputs['winner'], d.desired, d.rejection),
                             name)
            self.assertEqual(code is None, d.accepted, name)
            self.assertEqual(mode, d.inputs['mode'], name)
            self.assertEqual(['policy'] * len(pairs) + ['combine'],
                             [s.name for s in d.steps], name)
            if winner:
                self.assertIn(repr(winner), d.reason, name)

    def test_record_keeps_every_policy_decision(self):
        d = cb.combine({'cpu': up(7), 'mem': hold()})
        self.assertEqual({'cpu', 'mem'}, set(d.inputs['policies']))
        self.assertEqual(7, d.inputs['policies']['cpu']['desired'])
        self.assertEqual(d, dec.Decision.from_json(d.to_json()))

    def test_winner_cooldown_end_is_kept(self):
        won = dec.DecisionBuilder(5).accept(7, 'x', cooldown_end=60.0)
        self.assertEqual(60.0, cb.combine([('a', won)]).cooldown_end)

    # name: (args, message fragment)
    ERRORS = {
        'empty': (([],), 'at least one'),
        'unknown_mode': (([('a', up(6))], 'loudest'), 'mode'),
        'duplicate_names': (([('a', up(6)), ('a', up(7))],), 'unique'),
        'different_currents': (([('a', up(6)), ('b', up(7, current=4))],),
                               'different capacities'),
    }

    def test_errors(self):
        for name, (args, fragment) in self.ERRORS.items():
            e = self.assertRaises(ValueError, cb.combine, *args)
            self.assertIn(fragment, str(e), name)
