"""Scheduled actions: cron and one-shot firings, time zones, decisions."""

import datetime

from heat.scaling import decision as dec
from heat.scaling import scheduled as sch
from heat.scaling.state import GroupState
from heat.tests import base


def ts(text):
    return datetime.datetime.fromisoformat(text).timestamp()


def group(capacity, lo=0, hi=10, **kw):
    return GroupState(capacity=capacity, min_size=lo, max_size=hi, **kw)


class TestNextFire(base.TestCase):

    # name: (action kwargs, after, expected ISO time or None)
    CASES = {
        'cron_utc': (dict(cron='0 22 * * *'), '2026-01-01T12:00:00+00:00',
                     '2026-01-01T22:00:00+00:00'),
        'cron_is_strictly_after': (dict(cron='0 22 * * *'),
                                   '2026-01-01T22:00:00+00:00',
                                   '2026-01-02T22:00:00+00:00'),
        'cron_in_paris_winter': (
            dict(cron='0 22 * * *', timezone='Europe/Paris'),
            '2026-01-01T12:00:00+00:00', '2026-01-01T21:00:00+00:00'),
        'cron_in_paris_summer': (
            dict(cron='0 22 * * *', timezone='Europe/Paris'),
            '2026-07-01T12:00:00+00:00', '2026-07-01T20:00:00+00:00'),
        'cron_weekdays_only': (dict(cron='0 8 * * 1-5'),
                               '2026-11-27T09:00:00+00:00',  # Friday
                               '2026-11-30T08:00:00+00:00'),
        'at_in_future': (dict(at='2026-05-01T10:00:00+00:00'),
                         '2026-01-01T00:00:00+00:00',
                         '2026-05-01T10:00:00+00:00'),
        'at_naive_is_local': (dict(at='2026-05-01T10:00:00',
                                   timezone='Asia/Tokyo'),
                              '2026-01-01T00:00:00+00:00',
                              '2026-05-01T01:00:00+00:00'),
        'at_in_past_never': (dict(at='2026-05-01T10:00:00+00:00'),
                             '2026-05-01T10:00:00+00:00', None),
        'cron_after_end_never': (
            dict(cron='0 22 * * *', end='2026-01-01T21:00:00+00:00'),
            '2026-01-01T12:00:00+00:00', None),
        'cron_waits_for_start': (
            dict(cron='0 * * * *', start='2026-01-03T00:00:00+00:00'),
            '2026-01-01T12:30:00+00:00', '2026-01-03T00:00:00+00:00'),
    }

    def test_cases(self):
        for name, (kw, after, want) in self.CASES.items():
            action = sch.ScheduledAction(name=name, desired=1, **kw)
            got = sch.next_fire(action, ts(after))
            self.assertEqual(None if want is None else ts(want), got, name)


class TestFiresBetween(base.TestCase):

    def test_window_is_half_open_and_ordered(self):
        hourly = sch.ScheduledAction('hourly', cron='0 * * * *', desired=2)
        once = sch.ScheduledAction('once', at=ts('2026-01-01T01:30:00Z'),
                                   desired=3)
        got = sch.fires_between([hourly, once], ts('2026-01-01T00:00:00Z'),
                                ts('2026-01-01T02:00:00Z'))
        self.assertEqual(
            [('hourly', ts('2026-01-01T01:00:00Z')),
             ('once', ts('2026-01-01T01:30:00Z')),
             ('hourly', ts('2026-01-01T02:00:00Z'))],
            [(f.action.name, f.time) for f in got])

    def test_consecutive_windows_never_fire_twice(self):
        hourly = sch.ScheduledAction('hourly', cron='0 * * * *', desired=2)
        t = ts('2026-01-01T00:00:00Z')
        times = []
        for _ in range(10):
            times += [f.time for f in sch.fires_between([hourly], t,
                                                         t + 1800)]
            t += 1800
        self.assertEqual(5, len(times))
        self.assertEqual(len(times), len(set(times)))

    def test_spring_forward_fires_at_next_existing_minute(self):
        a = sch.ScheduledAction('x', cron='30 2 * * *',
                                timezone='Europe/Paris', desired=1)
        got = sch.fires_between([a], ts('2026-03-28T23:00:00Z'),
                                ts('2026-03-29T12:00:00Z'))
        self.assertEqual([ts('2026-03-29T01:00:00Z')],
                         [f.time for f in got])

    def test_fall_back_fires_the_repeated_time_twice(self):
        a = sch.ScheduledAction('x', cron='30 2 * * *',
                                timezone='Europe/Paris', desired=1)
        got = sch.fires_between([a], ts('2026-10-24T22:00:00Z'),
                                ts('2026-10-25T12:00:00Z'))
        self.assertEqual([ts('2026-10-25T00:30:00Z'),
                          ts('2026-10-25T01:30:00Z')],
                         [f.time for f in got])

    def test_ties_keep_list_order(self):
        a = sch.ScheduledAction('a', at=100.0, desired=1)
        b = sch.ScheduledAction('b', at=100.0, desired=2)
        got = sch.fires_between([b, a], 0, 200)
        self.assertEqual(['b', 'a'], [f.action.name for f in got])


class TestDecide(base.TestCase):

    def test_latest_due_action_decides(self):
        morning = sch.ScheduledAction('morning', at=100.0, desired=6)
        evening = sch.ScheduledAction('evening', at=200.0, desired=2)
        r = sch.decide(group(4), [evening, morning], 0, 300)
        self.assertTrue(r.decision.accepted)
        self.assertEqual(2, r.decision.desired)
        self.assertEqual('evening', r.decision.inputs['policy'])
        self.assertEqual(['morning', 'evening'],
                         [f.action.name for f in r.firings])
        self.assertEqual(['schedule', 'schedule'],
                         [s.name for s in r.decision.steps])

    def test_bounds_only_action_clamps_desired(self):
        a = sch.ScheduledAction('floor', at=100.0, min_size=5)
        r = sch.decide(group(2), [a], 0, 300)
        self.assertEqual((5, 5, 10), (r.decision.desired, r.min_size,
                                      r.max_size))

    def test_raising_min_above_max_lifts_max(self):
        a = sch.ScheduledAction('floor', at=100.0, min_size=12)
        r = sch.decide(group(2), [a], 0, 300)
        self.assertEqual((12, 12, 12), (r.decision.desired, r.min_size,
                                        r.max_size))

    def test_lowering_max_below_min_lowers_min(self):
        a = sch.ScheduledAction('cap', at=100.0, max_size=1)
        r = sch.decide(group(4, lo=2), [a], 0, 300)
        self.assertEqual((1, 1, 1), (r.decision.desired, r.min_size,
                                     r.max_size))

    def test_bounds_change_without_desired_change_is_said(self):
        a = sch.ScheduledAction('cap', at=100.0, max_size=8)
        r = sch.decide(group(4), [a], 0, 300)
        self.assertEqual(dec.REJECT_NO_CHANGE, r.decision.rejection)
        self.assertEqual(8, r.max_size)
        self.assertIn('bounds now [0, 8]', r.decision.reason)

    def test_nothing_due(self):
        a = sch.ScheduledAction('late', at=1000.0, desired=1)
        r = sch.decide(group(4), [a], 0, 300)
        self.assertEqual(dec.REJECT_NO_CHANGE, r.decision.rejection)
        self.assertEqual((), r.firings)

    def test_suspended_waits(self):
        a = sch.ScheduledAction('x', at=100.0, desired=1)
        r = sch.decide(group(4, suspended=True), [a], 0, 300)
        self.assertEqual(dec.REJECT_SUSPENDED, r.decision.rejection)


class TestValidation(base.TestCase):

    # name: (kwargs, message fragment)
    CASES = {
        'neither_cron_nor_at': (dict(desired=1), 'exactly one'),
        'both_cron_and_at': (dict(cron='* * * * *', at=1.0, desired=1),
                             'exactly one'),
        'bad_cron': (dict(cron='61 * * * *', desired=1), 'valid cron'),
        'bad_zone': (dict(cron='* * * * *', timezone='Mars/Olympus',
                          desired=1), 'time zone'),
        'bad_at': (dict(at='tomorrow', desired=1), 'ISO-8601'),
        'no_sizes': (dict(at=1.0), 'at least one'),
        'negative_desired': (dict(at=1.0, desired=-1), 'whole number'),
        'min_over_max': (dict(at=1.0, min_size=3, max_size=2),
                         'greater than'),
        'desired_outside': (dict(at=1.0, min_size=1, max_size=2,
                                 desired=3), 'outside'),
    }

    def test_cases(self):
        for name, (kw, fragment) in self.CASES.items():
            e = self.assertRaises(ValueError, sch.ScheduledAction,
                                  name='x', **kw)
            self.assertIn(fragment, str(e), name)
            self.assertIn("scheduled action 'x'", str(e), name)

    def test_from_dict_rejects_unknown_fields(self):
        e = self.assertRaises(ValueError, sch.action_from_dict,
                              {'name': 'x', 'at': 1, 'desire': 2})
        self.assertIn('desire', str(e))
