"""Scheduled policies across daylight-saving changes, through the engine:
policies created by the RPC, the evaluator run as the engine's scheduler
runs it (:func:`scheduler.evaluate_once` on the engine's injected clock,
every ``STEP`` seconds), the occurrences asserted in UTC from the
activities the engine recorded. On SQLite, MariaDB and PostgreSQL.

The rule (:mod:`heat.scaling.scheduled`, croniter's reading of a cron in
an IANA zone):

* a cron time that does not exist (spring forward: 02:00 to 02:59 in
  Europe/Paris on 2027-03-28, in America/New_York on 2027-03-14) fires
  once, at the first minute that exists after the gap, 03:00 of the new
  offset (``0 2`` and ``30 2`` both fire at 03:00, never at 03:30, never
  skipped; ``* 2 * * *`` fires once that day, not 60 times);
* a cron time that happens twice (fall back: 02:00 to 02:59 in Paris on
  2027-10-31, 01:00 to 01:59 in New York on 2027-11-07) fires twice, an
  hour apart, each time applied: two occurrences, two receipts;
* other cron times (``30 1`` in Paris, ``0 2`` on New York's fall-back
  day) fire once at their usual local time, their UTC time moving with
  the offset;
* a one-time ``at`` without an offset is read in its time zone as Python
  reads a local time (PEP 495, ``fold=0``): a time in the gap is moved on
  by the gap (02:30 in Paris on 2027-03-28 is 03:30 CEST, unlike the
  cron's 03:00), a repeated time is its first instance (02:30 CEST on
  2027-10-31); with an offset it is that very instant. It fires once,
  never again, also on an engine that restarts with an older
  ``checked_until``.
"""

import datetime
import threading

from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import schedule as schedule_mod
from heat.engine.autoscaling import scheduler
from heat.scaling import scheduled
from heat.tests import base, db_fixtures
from heat.tests.unit.autoscaling import test_scheduled

ts = test_scheduled.ts
UTC = datetime.timezone.utc

#: the policies of each night: ``0 2 * * *`` sets desired 4,
#: ``30 1 * * *`` sets desired 3
TWO, HALF = 'two', 'half-past-one'


def iso(t):
    return schedule_mod.iso_utc(t)


@db_fixtures.for_each_backend
class TestCronAcrossDST(test_scheduled.ScheduledBase):
    """``0 2 * * *`` and ``30 1 * * *`` in a zone, the clock stepped
    through a night of change: each occurrence at its UTC time, applied
    by the first evaluation after it, exactly once."""

    #: seconds between two evaluations (a prime: the evaluations fall at
    #: every offset from the occurrences; under the grace of 300 s)
    STEP = 149

    def night(self, zone, start, end, expected, next_runs, resize_at=(),
              announced=()):
        """Create the two policies at ``start``, step the clock to
        ``end``; ``expected``: ``[(policy, UTC occurrence, from, to)]``;
        ``next_runs``: each policy's ``next_run_at`` at the end;
        ``resize_at``: times at which the group is resized to 1 (an
        operator); ``announced``: ``(time, policy, next_run_at)`` checked
        at the first evaluation from ``time`` on."""
        self.now = ts(start)
        ids = {}
        for name, cron, desired in ((TWO, '0 2 * * *', 4),
                                    (HALF, '30 1 * * *', 3)):
            p = self.scheduled(name, recurrence=cron, time_zone=zone,
                               desired_capacity=desired)
            ids[p['id']] = name
        by_name = {v: k for k, v in ids.items()}
        first = {name: min(t for n, t, _f, _t in expected if n == name)
                 for name in (TWO, HALF)}
        for name, occ in first.items():
            self.assertEqual(iso(ts(occ)), self.rpc.show_scaling_policy(
                self.ctx, by_name[name])['next_run_at'])
        resizes = sorted(ts(t) for t in resize_at)
        checks = sorted((ts(t), n, r) for t, n, r in announced)
        applied = []  # (evaluation time, policy, occurrence)
        t = ts(start)
        while t < ts(end):
            t += self.STEP
            while resizes and resizes[0] <= t:
                self.now = resizes.pop(0)
                self.rpc.resize_scaling_group(self.ctx, self.gid,
                                              capacity=1)
            self.now = t
            for d in scheduler.evaluate_once(self.fx.service.as_engine):
                applied.append((t, ids[d['policy_id']],
                                d['inputs']['occurrence']))
            while checks and checks[0][0] <= t:
                _when, name, run = checks.pop(0)
                self.assertEqual(run, self.rpc.show_scaling_policy(
                    self.ctx, by_name[name])['next_run_at'])
        self.assertEqual([], checks)
        # each occurrence at its UTC time, applied by the first evaluation
        # after it
        self.assertEqual([(n, ts(o)) for n, o, _f, _t in expected],
                         [(n, o) for _e, n, o in applied])
        for e, _n, o in applied:
            self.assertTrue(o <= e < o + self.STEP, (iso(o), iso(e)))
        # exactly one activity each, keyed by its occurrence, applied
        acts = sorted(self.activities(), key=lambda a: a['decision'][
            'inputs']['occurrence'])
        self.assertEqual(
            [(scheduler.occurrence_key(by_name[n], ts(o)), 'APPLIED', f, to)
             for n, o, f, to in expected],
            [(a['idempotency_key'], self.outcome(a), a['from_capacity'],
              a['to_capacity']) for a in acts])
        for a, (_n, o, _f, _t) in zip(acts, expected):
            self.assertIn('occurrence %s' % iso(ts(o)), a['reason'])
            self.assertIn('in %s' % zone, a['reason'])
        with db_api.reader(None) as session:
            self.assertEqual(len(expected), session.query(
                models.ScalingTriggerReceipt).count())
        for name, run in next_runs.items():
            self.assertEqual(run, self.rpc.show_scaling_policy(
                self.ctx, by_name[name])['next_run_at'])
        self.settle(self.gid)

    def test_paris_spring_forward(self):
        # 2027-03-28: 02:00 CET is 03:00 CEST (01:00Z); 02:00 does not
        # exist: ``0 2`` fires at 03:00 CEST, the first minute after
        self.night(
            'Europe/Paris', '2027-03-27T23:00:00', '2027-03-28T02:00:00',
            [(HALF, '2027-03-28T00:30:00', 1, 3),    # 01:30 CET
             (TWO, '2027-03-28T01:00:00', 3, 4)],    # 03:00 CEST
            {TWO: '2027-03-29T00:00:00Z',            # 02:00 CEST
             HALF: '2027-03-28T23:30:00Z'})          # 01:30 CEST

    def test_paris_fall_back(self):
        # 2027-10-31: 03:00 CEST is 02:00 CET (01:00Z); 02:00 to 02:59
        # happen twice: ``0 2`` fires twice, an hour apart; after the
        # first the policy already shows the second
        self.night(
            'Europe/Paris', '2027-10-30T23:00:00', '2027-10-31T02:00:00',
            [(HALF, '2027-10-30T23:30:00', 1, 3),    # 01:30 CEST
             (TWO, '2027-10-31T00:00:00', 3, 4),     # 02:00 CEST
             (TWO, '2027-10-31T01:00:00', 1, 4)],    # 02:00 CET
            {TWO: '2027-11-01T01:00:00Z',            # 02:00 CET
             HALF: '2027-11-01T00:30:00Z'},          # 01:30 CET
            resize_at=['2027-10-31T00:40:00'],
            announced=[('2027-10-31T00:00:00', TWO,
                        '2027-10-31T01:00:00Z')])

    def test_new_york_spring_forward(self):
        # 2027-03-14: 02:00 EST is 03:00 EDT (07:00Z)
        self.night(
            'America/New_York', '2027-03-14T05:00:00',
            '2027-03-14T08:00:00',
            [(HALF, '2027-03-14T06:30:00', 1, 3),    # 01:30 EST
             (TWO, '2027-03-14T07:00:00', 3, 4)],    # 03:00 EDT
            {TWO: '2027-03-15T06:00:00Z',            # 02:00 EDT
             HALF: '2027-03-15T05:30:00Z'})          # 01:30 EDT

    def test_new_york_fall_back(self):
        # 2027-11-07: 02:00 EDT is 01:00 EST (06:00Z); 01:00 to 01:59
        # happen twice: ``30 1`` fires twice; 02:00 once (EST)
        self.night(
            'America/New_York', '2027-11-07T04:00:00',
            '2027-11-07T08:00:00',
            [(HALF, '2027-11-07T05:30:00', 1, 3),    # 01:30 EDT
             (HALF, '2027-11-07T06:30:00', 1, 3),    # 01:30 EST
             (TWO, '2027-11-07T07:00:00', 3, 4)],    # 02:00 EST
            {TWO: '2027-11-08T07:00:00Z',            # 02:00 EST
             HALF: '2027-11-08T06:30:00Z'},          # 01:30 EST
            resize_at=['2027-11-07T06:10:00'],
            announced=[('2027-11-07T05:30:00', HALF,
                        '2027-11-07T06:30:00Z')])

    def test_every_minute_of_the_gap_fires_once(self):
        # ``* 2 * * *``: the 60 minutes that do not exist fire once, at
        # 03:00 CEST; on the fall-back night the 120 that do, each once
        self.now = ts('2027-03-28T00:58:00')
        p = self.scheduled(recurrence='* 2 * * *', time_zone='Europe/Paris',
                           desired_capacity=2)
        self.assertEqual('2027-03-28T01:00:00Z', p['next_run_at'])
        for t in range(int(self.now) + 60, int(ts('2027-03-28T01:10:00')),
                       60):
            self.evaluate(t)
        self.assertEqual([scheduler.occurrence_key(
            p['id'], ts('2027-03-28T01:00:00'))],
            [a['idempotency_key'] for a in self.activities()])
        self.assertEqual('2027-03-29T00:00:00Z', self.rpc.show_scaling_policy(
            self.ctx, p['id'])['next_run_at'])


@db_fixtures.for_each_backend
class TestAtAcrossDST(test_scheduled.ScheduledBase):
    """One-time ``at`` actions in local time on the nights of change:
    when they fire, once, and never again (also after a restart)."""

    def test_local_at_in_the_gap_and_in_the_repeated_hour(self):
        cases = [
            # a time that does not exist: moved on by the gap (PEP 495)
            ('gap', '2027-03-28T02:30:00', '2027-03-28T01:30:00'),
            # a time that happens twice: the first (CEST, +02:00)
            ('twice', '2027-10-31T02:30:00', '2027-10-31T00:30:00'),
            # an offset says which: the second (CET, +01:00)
            ('second', '2027-10-31T02:30:00+01:00', '2027-10-31T01:30:00'),
        ]
        ids = {}
        for i, (name, at, utc) in enumerate(cases):
            p = self.scheduled(name, at=at, time_zone='Europe/Paris',
                               desired_capacity=2 + i)
            self.assertEqual(iso(ts(utc)), p['next_run_at'], name)
            ids[name] = p['id']
        for i, (name, _at, utc) in enumerate(cases):
            self.assertEqual([], self.evaluate(ts(utc) - 1), name)
            out = self.evaluate(ts(utc) + 20)
            self.assertEqual([(ids[name], ts(utc), 2 + i, False)],
                             [(d['policy_id'], d['inputs']['occurrence'],
                               d['desired'], d['repeated']) for d in out])
            self.assertEqual(2 + i, self.show()['desired_capacity'])
            self.assertIsNone(self.rpc.show_scaling_policy(
                self.ctx, ids[name])['next_run_at'])
            self.assertEqual([], self.evaluate(ts(utc) + 1800))
        self.assertEqual(sorted(scheduler.occurrence_key(ids[n], ts(u))
                                for n, _a, u in cases),
                         [a['idempotency_key'] for a in self.activities()])
        self.assertEqual(['APPLIED'] * 3,
                         [self.outcome(a) for a in self.activities()])

    def test_at_fires_once_then_never_also_after_a_restart(self):
        at = '2027-10-31T02:30:00'   # Paris: the first 02:30 (00:30Z)
        occ = ts('2027-10-31T00:30:00')
        p = self.scheduled(at=at, time_zone='Europe/Paris',
                           desired_capacity=5)
        out = self.evaluate(occ + 3)
        self.assertEqual([5], [d['desired'] for d in out])
        self.settle(self.gid)
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=2)
        # the second 02:30 (01:30Z), the next days: nothing
        for t in (occ + 60, occ + 3600, occ + 3603, occ + 86400):
            self.assertEqual([], self.evaluate(t))
        # restarts: new engines, one of them with checked_until from
        # before the occurrence (a crash between the decision and its
        # write): within the grace the receipt answers; later the
        # occurrence is neither applied nor recorded missed
        for t, until in ((occ + 10, occ - 60), (occ + 7200, occ - 60),
                         (occ + 30 * 86400, occ - 60)):
            with db_api.writer(None) as session:
                row = session.get(models.ScalingPolicy, p['id'])
                row.params = dict(row.params, checked_until=until)
            fresh = eng.AutoScalingEngine('engine-restarted')
            out = self.evaluate(t, engine=fresh)
            self.assertTrue(all(d['repeated'] for d in out), out)
        self.assertEqual(2, self.show()['desired_capacity'])
        [act] = self.activities()
        self.assertEqual(('APPLIED', scheduler.occurrence_key(p['id'], occ)),
                         (self.outcome(act), act['idempotency_key']))
        self.assertIn('at 2027-10-31T00:30:00Z', act['reason'])
        self.assertIsNone(self.rpc.show_scaling_policy(
            self.ctx, p['id'])['next_run_at'])
        self.settle(self.gid)


@db_fixtures.for_each_backend
class TestEnginesAcrossDST(test_scheduled.ScheduledBase):
    """Three engines whose clocks differ by up to a minute evaluate at
    the same moments through the Paris fall-back night: the repeated
    02:00 is applied twice (two occurrences), each occurrence exactly
    once."""

    STEP = 127
    SKEWS = (-23, 0, 37)

    def test_three_skewed_engines_apply_each_occurrence_once(self):
        self.now = ts('2027-10-30T23:50:00')
        p = self.scheduled(recurrence='0 2 * * *', time_zone='Europe/Paris',
                           desired_capacity=4)
        q = self.scheduled('back', recurrence='30 2 * * *',
                           time_zone='Europe/Paris', desired_capacity=2)
        engines = [eng.AutoScalingEngine('engine-%d' % i)
                   for i in range(len(self.SKEWS))]
        steps = list(range(int(self.now) + self.STEP,
                           int(ts('2027-10-31T01:45:00')), self.STEP))
        barrier = threading.Barrier(len(engines))
        results, errors = [], []

        def run(e, skew):
            try:
                for t in steps:
                    barrier.wait(60)
                    results.extend(scheduler.evaluate_once(
                        e, now=t + skew, grace=300))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
                barrier.abort()

        self.now = steps[-1]
        threads = [threading.Thread(target=run, args=(e, s))
                   for e, s in zip(engines, self.SKEWS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([], errors)
        expected = sorted(
            [scheduler.occurrence_key(p['id'], ts(o)) for o in (
                '2027-10-31T00:00:00', '2027-10-31T01:00:00')] +
            [scheduler.occurrence_key(q['id'], ts(o)) for o in (
                '2027-10-31T00:30:00', '2027-10-31T01:30:00')])
        acts = self.activities()
        self.assertEqual(expected, [a['idempotency_key'] for a in acts])
        self.assertEqual(['APPLIED'] * 4, [self.outcome(a) for a in acts])
        self.assertEqual(4, sum(1 for r in results if not r['repeated']))
        self.assertEqual(
            [4, 2, 4, 2],
            [a['to_capacity'] for a in sorted(acts, key=lambda a: a[
                'decision']['inputs']['occurrence'])])
        self.settle(self.gid)


class TestRuleTable(base.TestCase):
    """The same rule in more zones and crons, on the library alone (no
    database: fast): weekly actions on the Sunday of the change, a zone
    whose change is 30 minutes (Australia/Lord_Howe), and evaluation
    windows of any length giving the same occurrences (what the engine's
    ``checked_until`` chaining relies on)."""

    def fires(self, cron, zone, t0, t1):
        act = scheduled.ScheduledAction(name='x', cron=cron, timezone=zone,
                                        desired=1)
        return [iso(f.time) for f in scheduled.fires_between(
            [act], ts(t0), ts(t1))]

    def test_table(self):
        for cron, zone, t0, t1, expected in [
            # weekly on Sundays: the change is on a Sunday
            ('0 2 * * 0', 'Europe/Paris', '2027-03-20T00:00',
             '2027-04-05T00:00', ['2027-03-21T01:00:00Z',
                                  '2027-03-28T01:00:00Z',    # 03:00 CEST
                                  '2027-04-04T00:00:00Z']),
            ('0 2 * * 0', 'Europe/Paris', '2027-10-20T00:00',
             '2027-11-08T00:00', ['2027-10-24T00:00:00Z',
                                  '2027-10-31T00:00:00Z',    # CEST
                                  '2027-10-31T01:00:00Z',    # CET
                                  '2027-11-07T01:00:00Z']),
            ('30 1 * * 0', 'America/New_York', '2027-11-01T00:00',
             '2027-11-15T00:00', ['2027-11-07T05:30:00Z',    # EDT
                                  '2027-11-07T06:30:00Z',    # EST
                                  '2027-11-14T06:30:00Z']),
            # a day-of-month naming the day of the gap
            ('0 2 28 3 *', 'Europe/Paris', '2027-03-20T00:00',
             '2027-04-05T00:00', ['2027-03-28T01:00:00Z']),
            # Lord Howe: 02:00 LHST (+10:30) is 02:30 LHDT (+11) on
            # 2027-10-03; 02:00 LHDT is 01:30 LHST on 2027-04-04
            ('15 2 * * *', 'Australia/Lord_Howe', '2027-10-01T00:00',
             '2027-10-04T00:00', ['2027-10-01T15:45:00Z',
                                  '2027-10-02T15:30:00Z',    # 02:30 LHDT
                                  '2027-10-03T15:15:00Z']),
            ('30 1 * * *', 'Australia/Lord_Howe', '2027-04-02T00:00',
             '2027-04-05T00:00', ['2027-04-02T14:30:00Z',
                                  '2027-04-03T14:30:00Z',    # LHDT
                                  '2027-04-03T15:00:00Z',    # LHST
                                  '2027-04-04T15:00:00Z']),
        ]:
            self.assertEqual(expected, self.fires(cron, zone, t0, t1),
                             (cron, zone))
        # every minute of the repeated hour, each once; of the gap, once
        self.assertEqual(120, len(self.fires(
            '* 2 * * *', 'Europe/Paris', '2027-10-30T12:00',
            '2027-10-31T12:00')))
        self.assertEqual(['2027-03-28T01:00:00Z'], self.fires(
            '* 2 * * *', 'Europe/Paris', '2027-03-27T12:00',
            '2027-03-28T12:00'))

    def test_windows_of_any_length_agree(self):
        crons = ('0 2 * * *', '30 2 * * *', '30 1 * * *', '*/30 * * * *',
                 '59 1 * * *', '0 3 * * *')
        nights = (('Europe/Paris', '2027-03-27T22:00', '2027-03-28T03:00'),
                  ('Europe/Paris', '2027-10-30T22:00', '2027-10-31T03:00'),
                  ('America/New_York', '2027-03-14T04:00',
                   '2027-03-14T09:00'),
                  ('America/New_York', '2027-11-07T03:00',
                   '2027-11-07T08:00'))
        for zone, t0, t1 in nights:
            for cron in crons:
                act = scheduled.ScheduledAction(name='x', cron=cron,
                                                timezone=zone, desired=1)
                whole = [f.time for f in scheduled.fires_between(
                    [act], ts(t0), ts(t1))]
                for step in (59, 97, 1800):
                    got, t = [], ts(t0)
                    while t < ts(t1):
                        got += [f.time for f in scheduled.fires_between(
                            [act], t, min(t + step, ts(t1)))]
                        t += step
                    self.assertEqual(whole, got, (zone, cron, step))
                chain, t = [], ts(t0)
                while True:
                    t = scheduled.next_fire(act, t)
                    if t is None or t > ts(t1):
                        break
                    chain.append(t)
                self.assertEqual(whole, chain, (zone, cron))
