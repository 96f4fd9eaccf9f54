"""Scheduled policies run by the engine (kind ``scheduled``): creation
and validation through the RPC, the evaluator (DST, grace, missed
occurrences, one-time actions), exactly once across engines and
restarts, and the crash points of the real-process suite
(:mod:`heat.tests.functional.test_scheduled_crash`) run in-process. Time
is the engine's injectable clock. On SQLite, MariaDB and PostgreSQL
(more DST cases: :mod:`.test_scheduled_dst`)."""

import datetime
import os
import threading
import time

import fixtures

from heat.common import exception
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import schedule as schedule_mod
from heat.engine.autoscaling import scheduler, sweep
from heat.tests import db_fixtures
from heat.tests.unit.autoscaling import test_engine

UTC = datetime.timezone.utc


def ts(text):
    """POSIX seconds of an ISO UTC time ``2027-03-27T07:00:00``."""
    return datetime.datetime.fromisoformat(text).replace(
        tzinfo=UTC).timestamp()


class ScheduledBase(test_engine.ASTestBase):
    """A group (desired 1, min 0, max 10) at 2027-03-26T12:00Z (the
    engine's clock, ``self.now``); the classes of tests run once per
    database (``@for_each_backend``)."""

    def setUp(self):
        super().setUp()
        self.now = ts('2027-03-26T12:00:00')
        self.patch_clock()
        self.gid = self.group(desired=1, min_size=0, max_size=10)
        self.settle(self.gid)

    def patch_clock(self):
        saved = eng.clock
        eng.clock = lambda: self.now
        self.addCleanup(setattr, eng, 'clock', saved)

    def scheduled(self, name='sched', **params):
        return self.rpc.create_scaling_policy(
            self.ctx, self.gid, name, None, None, kind='scheduled',
            params=params)

    def evaluate(self, at, engine=None, grace=300):
        self.now = at
        return scheduler.evaluate_once(
            engine or self.fx.service.as_engine, now=at, grace=grace)

    def activities(self, status=None):
        acts = [a for a in self.rpc.list_scaling_activities(self.ctx,
                                                            self.gid)
                if a['trigger'] == 'schedule']
        if status:
            acts = [a for a in acts if a['status'] == status]
        return sorted(acts, key=lambda a: a['idempotency_key'])

    @staticmethod
    def outcome(act):
        """MISSED, REJECTED or APPLIED (accepted: the converger moves
        the status on)."""
        if act['status'] in ('MISSED', 'REJECTED'):
            return act['status']
        return 'APPLIED'

    def show(self):
        return self.rpc.show_scaling_group(self.ctx, self.gid)


@db_fixtures.for_each_backend
class TestCreate(ScheduledBase):

    def test_policy_shows_schedule_and_next_run(self):
        p = self.scheduled(recurrence='0 8 * * 1-5',
                           time_zone='Europe/Paris', min_size=2,
                           desired_capacity=4)
        self.assertEqual('scheduled', p['kind'])
        self.assertEqual({'recurrence': '0 8 * * 1-5',
                          'time_zone': 'Europe/Paris', 'min_size': 2,
                          'desired_capacity': 4}, p['schedule'])
        self.assertIsNone(p['adjustment_type'])
        self.assertIsNone(p['scaling_adjustment'])
        # Friday 2027-03-26 12:00Z: next is Monday 08:00 CEST = 06:00Z
        self.assertEqual('2027-03-29T06:00:00Z', p['next_run_at'])
        shown = self.rpc.show_scaling_policy(self.ctx, p['id'])
        self.assertEqual(p['next_run_at'], shown['next_run_at'])
        simple = self.rpc.create_scaling_policy(
            self.ctx, self.gid, 'up', 'change_in_capacity', 1)
        self.assertIsNone(simple['next_run_at'])
        self.assertIsNone(simple['schedule'])

    def assert_invalid(self, params, *words, **kw):
        err = self.assertRaises(exception.Invalid, self.rpc.
                                create_scaling_policy, self.ctx, self.gid,
                                'bad', kw.get('adjustment_type'), None,
                                kind='scheduled', params=params)
        for word in words:
            self.assertIn(word, str(err))

    def test_validation_names_field_and_value(self):
        self.assert_invalid({'recurrence': '0 8 * *', 'desired_capacity': 1},
                            'recurrence', "'0 8 * *'", 'cron')
        self.assert_invalid({'recurrence': '61 8 * * *',
                             'desired_capacity': 1}, 'recurrence',
                            "'61 8 * * *'")
        self.assert_invalid({'recurrence': '0 8 * * *',
                             'time_zone': 'Europe/Pariss',
                             'desired_capacity': 1},
                            'time_zone', "'Europe/Pariss'")
        self.assert_invalid({'recurrence': '0 8 * * *'}, 'sets nothing',
                            'min_size', 'desired_capacity')
        self.assert_invalid({'at': '2020-01-01T08:00:00Z', 'max_size': 3},
                            'at', "'2020-01-01T08:00:00Z'", 'past')
        self.assert_invalid({'at': 'tomorrow', 'max_size': 3}, 'at',
                            "'tomorrow'")
        self.assert_invalid({'recurrence': '0 8 * * *', 'min_size': 5,
                             'max_size': 2}, 'min_size 5', 'max_size 2')
        self.assert_invalid({'recurrence': '0 8 * * *', 'desired': 2},
                            'desired', 'unknown')
        self.assert_invalid({'recurrence': '0 8 * * *', 'min_size': 1},
                            'adjustment_type', 'exact_capacity',
                            adjustment_type='exact_capacity')
        self.assertEqual([], self.rpc.list_scaling_policies(self.ctx,
                                                            self.gid))

    def test_update_schedule(self):
        p = self.scheduled(recurrence='0 8 * * *', desired_capacity=2)
        p = self.rpc.update_scaling_policy(
            self.ctx, p['id'], params={'recurrence': '0 9 * * *',
                                       'max_size': 3})
        self.assertEqual({'recurrence': '0 9 * * *', 'max_size': 3},
                         p['schedule'])
        self.assertEqual('2027-03-27T09:00:00Z', p['next_run_at'])
        err = self.assertRaises(exception.Invalid,
                                self.rpc.update_scaling_policy, self.ctx,
                                p['id'], scaling_adjustment=2)
        self.assertIn('scaling_adjustment', str(err))


@db_fixtures.for_each_backend
class TestEvaluation(ScheduledBase):

    def test_cron_across_dst_in_paris(self):
        p = self.scheduled(recurrence='0 8 * * *', time_zone='Europe/Paris',
                           desired_capacity=3)
        self.assertEqual('2027-03-27T07:00:00Z', p['next_run_at'])
        self.assertEqual([], self.evaluate(ts('2027-03-27T06:59:59')))
        out = self.evaluate(ts('2027-03-27T07:00:10'))
        self.assertEqual([True], [d['accepted'] for d in out])
        self.assertEqual(3, self.show()['desired_capacity'])
        # clocks go forward on Sunday 28 March: 08:00 CEST is 06:00Z
        p = self.rpc.show_scaling_policy(self.ctx, p['id'])
        self.assertEqual('2027-03-28T06:00:00Z', p['next_run_at'])
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=1)
        self.assertEqual([], self.evaluate(ts('2027-03-28T05:59:00')))
        self.assertEqual(1, self.show()['desired_capacity'])
        out = self.evaluate(ts('2027-03-28T06:00:05'))
        self.assertEqual([True], [d['accepted'] for d in out])
        self.assertEqual(3, self.show()['desired_capacity'])
        keys = [a['idempotency_key'] for a in self.activities()]
        self.assertEqual(sorted(
            'schedule:%s:%d' % (p['id'], ts(t)) for t in (
                '2027-03-27T07:00:00', '2027-03-28T06:00:00')), keys)
        act = self.activities()[-1]
        self.assertEqual('APPLIED', self.outcome(act))
        self.assertIn("cron '0 8 * * *' in Europe/Paris", act['reason'])
        self.assertIn('2027-03-28T06:00:00Z', act['reason'])
        self.assertEqual((1, 3), (act['from_capacity'], act['to_capacity']))

    def test_bounds_are_set_and_recorded(self):
        self.scheduled(recurrence='0 * * * *', min_size=4, max_size=6)
        self.evaluate(ts('2027-03-26T13:00:01'))
        g = self.show()
        self.assertEqual((4, 6, 4), (g['min_size'], g['max_size'],
                                     g['desired_capacity']))
        act = self.activities()[0]
        self.assertEqual({'from': [0, 10], 'to': [4, 6]},
                         act['decision']['inputs']['bounds'])
        self.assertIn('bounds [0, 10] -> [4, 6]', act['reason'])
        # bounds only (desired already inside): rejected, bounds written,
        # version moved
        version = g['version']
        self.scheduled('wider', recurrence='30 * * * *', max_size=8)
        self.evaluate(ts('2027-03-26T13:30:01'))
        g = self.show()
        self.assertEqual((4, 8, 4), (g['min_size'], g['max_size'],
                                     g['desired_capacity']))
        self.assertEqual(version + 1, g['version'])
        act = [a for a in self.activities() if a['status'] == 'REJECTED']
        self.assertIn('bounds [4, 6] -> [4, 8]', act[0]['reason'])

    def test_missed_inside_grace_runs_once(self):
        p = self.scheduled(recurrence='0 * * * *', desired_capacity=5)
        out = self.evaluate(ts('2027-03-26T13:02:00'))
        self.assertEqual([5], [d['desired'] for d in out])
        self.assertEqual(5, self.show()['desired_capacity'])
        self.assertIn('evaluated 120s late', self.activities()[0]['reason'])
        self.assertEqual([], self.evaluate(ts('2027-03-26T13:03:00')))
        self.assertEqual(1, len(self.activities()))
        self.assertEqual('2027-03-26T14:00:00Z', self.rpc.show_scaling_policy(
            self.ctx, p['id'])['next_run_at'])

    def test_missed_outside_grace_is_recorded_not_applied(self):
        self.scheduled(recurrence='0 * * * *', desired_capacity=5)
        self.assertEqual([], self.evaluate(ts('2027-03-26T13:06:40')))
        self.assertEqual(1, self.show()['desired_capacity'])
        [act] = self.activities()
        self.assertEqual('MISSED', act['status'])
        self.assertEqual((1, 1), (act['from_capacity'], act['to_capacity']))
        self.assertIn('2027-03-26T13:00:00Z', act['reason'])
        self.assertIn('400s after it', act['reason'])
        self.assertIn('schedule_grace_seconds (300s)', act['reason'])

    def test_only_latest_of_several_due_is_applied(self):
        self.scheduled(recurrence='0 * * * *', desired_capacity=5)
        out = self.evaluate(ts('2027-03-26T15:01:00'))
        self.assertEqual(1, len(out))
        acts = self.activities()
        self.assertEqual(['MISSED', 'MISSED', 'APPLIED'],
                         [self.outcome(a) for a in acts])
        self.assertIn('superseded by the occurrence at '
                      '2027-03-26T15:00:00Z', acts[0]['reason'])
        self.assertEqual(5, self.show()['desired_capacity'])

    def test_at_fires_once(self):
        p = self.scheduled(at='2027-03-26T14:00:00+01:00', desired_capacity=7)
        self.assertEqual('2027-03-26T13:00:00Z', p['next_run_at'])
        self.assertEqual([], self.evaluate(ts('2027-03-26T12:59:59')))
        out = self.evaluate(ts('2027-03-26T13:00:01'))
        self.assertEqual([7], [d['desired'] for d in out])
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=2)
        for t in ('2027-03-26T13:00:02', '2027-03-27T13:00:00'):
            self.assertEqual([], self.evaluate(ts(t)))
        self.assertEqual(2, self.show()['desired_capacity'])
        self.assertEqual(1, len(self.activities()))
        self.assertIn('at 2027-03-26T13:00:00Z',
                      self.activities()[0]['reason'])
        self.assertIsNone(self.rpc.show_scaling_policy(
            self.ctx, p['id'])['next_run_at'])

    def test_execute_by_hand_applies_now(self):
        p = self.scheduled(recurrence='0 8 * * *', min_size=2,
                           desired_capacity=4)
        d = self.rpc.execute_scaling_policy(self.ctx, p['id'])
        self.assertTrue(d['accepted'])
        g = self.show()
        self.assertEqual((2, 4), (g['min_size'], g['desired_capacity']))
        act = [a for a in self.rpc.list_scaling_activities(self.ctx,
                                                           self.gid)
               if a['id'] == d['activity_id']][0]
        self.assertEqual('rpc', act['trigger'])
        # the schedule itself is untouched (08:00 UTC, the default zone)
        self.assertEqual('2027-03-27T08:00:00Z', self.rpc.show_scaling_policy(
            self.ctx, p['id'])['next_run_at'])

    def test_suspended_group_does_not_apply(self):
        self.scheduled(recurrence='0 * * * *', desired_capacity=5,
                       max_size=8)
        self.rpc.suspend_scaling_group(self.ctx, self.gid)
        self.evaluate(ts('2027-03-26T13:00:01'))
        g = self.show()
        self.assertEqual((1, 10), (g['desired_capacity'], g['max_size']))
        self.assertEqual(['REJECTED'],
                         [a['status'] for a in self.activities()])


@db_fixtures.for_each_backend
class TestExactlyOnce(ScheduledBase):

    def test_two_engines_same_occurrence(self):
        p = self.scheduled(recurrence='0 * * * *', desired_capacity=6)
        version = self.show()['version']
        engines = [eng.AutoScalingEngine('engine-%d' % i) for i in range(6)]
        barrier = threading.Barrier(len(engines))
        results, errors = [], []
        at = ts('2027-03-26T13:00:03')
        self.now = at

        def run(e):
            try:
                barrier.wait()
                results.extend(scheduler.evaluate_once(e, now=at,
                                                       grace=300))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([], errors)
        acts = self.activities()
        self.assertEqual(1, len(acts))
        self.assertEqual('schedule:%s:%d' % (p['id'],
                                             ts('2027-03-26T13:00:00')),
                         acts[0]['idempotency_key'])
        # one engine applied it; the others were answered from the receipt
        self.assertEqual(1, sum(1 for r in results if not r['repeated']))
        self.assertEqual(version + 1, self.show()['version'])
        self.assertEqual(6, self.show()['desired_capacity'])
        with db_api.reader(None) as session:
            self.assertEqual(1, session.query(
                models.ScalingTriggerReceipt).filter(
                models.ScalingTriggerReceipt.idempotency_key.like(
                    'schedule:%')).count())

    def test_restart_does_not_refire(self):
        p = self.scheduled(recurrence='0 * * * *', desired_capacity=6)
        self.evaluate(ts('2027-03-26T13:00:03'))
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=2)
        # a new engine (a restart), and even one that lost checked_until
        # (a crash between the decision and its write): the receipt holds
        with db_api.writer(None) as session:
            row = session.get(models.ScalingPolicy, p['id'])
            row.params = dict(row.params, checked_until=ts(
                '2027-03-26T12:00:00'))
        fresh = eng.AutoScalingEngine('engine-new')
        out = self.evaluate(ts('2027-03-26T13:00:30'), engine=fresh)
        self.assertTrue(all(d['repeated'] for d in out))
        self.assertEqual(2, self.show()['desired_capacity'])
        self.assertEqual(1, len(self.activities()))
        # a missed record is not written twice either
        self.evaluate(ts('2027-03-26T14:10:00'), engine=fresh)
        self.evaluate(ts('2027-03-26T14:10:00'))
        with db_api.writer(None) as session:
            row = session.get(models.ScalingPolicy, p['id'])
            row.params = dict(row.params, checked_until=ts(
                '2027-03-26T13:30:00'))
        self.evaluate(ts('2027-03-26T14:10:00'), engine=fresh)
        self.assertEqual(['APPLIED', 'MISSED'],
                         [self.outcome(a) for a in self.activities()])

    def test_checked_until_never_goes_back(self):
        p = self.scheduled(recurrence='0 * * * *', desired_capacity=6)
        scheduler.advance(p['id'], ts('2027-03-26T13:00:00'))
        scheduler.advance(p['id'], ts('2027-03-26T12:30:00'))
        with db_api.reader(None) as session:
            row = session.get(models.ScalingPolicy, p['id'])
            self.assertEqual(ts('2027-03-26T13:00:00'),
                             row.params[schedule_mod.CHECKED_UNTIL])

    def test_thread_evaluates(self):
        p = self.scheduled(recurrence='0 * * * *', desired_capacity=6)
        self.now = ts('2027-03-26T13:00:01')
        s = scheduler.Scheduler(self.fx.service.as_engine, 0.05).start()
        self.addCleanup(s.stop, 10)
        end = time.time() + test_engine.WAIT
        while time.time() < end and not self.activities():
            time.sleep(0.05)
        s.stop(10)
        self.assertEqual(['schedule:%s:%d' % (p['id'],
                                              ts('2027-03-26T13:00:00'))],
                         [a['idempotency_key'] for a in self.activities()])


class Killed(BaseException):
    """What a crash point raises in-process (a real engine gets SIGKILL)."""


@db_fixtures.for_each_backend
class TestCrashPoints(ScheduledBase):
    """The crash points of :data:`scheduler.CRASH_ENV` (the real-process
    suite SIGKILLs an engine there), with a raise instead of the kill:
    just before the COMMIT of an occurrence's decision nothing of it is
    stored and another engine applies it; right after, it is stored once,
    not applied again, and the sweep converges it."""

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(self.dir, 'crash')
        self.useFixture(fixtures.EnvironmentVariable(scheduler.CRASH_ENV,
                                                     self.path))
        self.useFixture(fixtures.MockPatchObject(scheduler, 'crash',
                                                 self.kill))
        scheduler.crash_points()
        self.addCleanup(scheduler.crash_points, False)
        self.log = self.useFixture(fixtures.FakeLogger(
            name=scheduler.__name__))
        self.kills = []

    def kill(self):
        self.kills.append(True)
        raise Killed()

    def arm(self, point, prefix=''):
        with open(self.path, 'w') as f:
            f.write('%s %s\n' % (point, prefix))

    def fired(self):
        with open(self.path + '.fired') as f:
            return f.read().split()

    def receipts(self):
        with db_api.reader(None) as session:
            return [r.idempotency_key for r in session.query(
                models.ScalingTriggerReceipt)]

    def checked_until(self, pid):
        with db_api.reader(None) as session:
            return session.get(models.ScalingPolicy,
                               pid).params[schedule_mod.CHECKED_UNTIL]

    def test_scheduler_hooks_them_when_the_variable_is_set(self):
        scheduler.crash_points(False)
        scheduler.Scheduler(self.fx.service.as_engine, 0)
        self.assertTrue(all(
            scheduler.sa.event.contains(scheduler.orm.Session, name, fn)
            for name, fn in scheduler._HOOKS))
        scheduler.crash_points(False)
        self.useFixture(fixtures.EnvironmentVariable(scheduler.CRASH_ENV))
        scheduler.Scheduler(self.fx.service.as_engine, 0)
        self.assertFalse(any(
            scheduler.sa.event.contains(scheduler.orm.Session, name, fn)
            for name, fn in scheduler._HOOKS))

    def test_kill_before_commit_leaves_it_to_another_engine(self):
        p = self.scheduled(at='2027-03-26T13:00:00Z', desired_capacity=5)
        key = scheduler.occurrence_key(p['id'], ts('2027-03-26T13:00:00'))
        self.arm('before-commit', 'schedule:%s:' % p['id'])
        dead = eng.AutoScalingEngine('engine-dead')
        self.now = ts('2027-03-26T13:00:02')
        self.assertRaises(Killed, scheduler.evaluate_once, dead)
        self.assertEqual(['%d' % os.getpid(), 'before-commit', key],
                         self.fired())
        self.assertIn('Crash point before-commit of %s' % key,
                      self.log.output)
        # nothing of the transaction stored
        self.assertEqual([], self.activities())
        self.assertEqual([], self.receipts())
        self.assertEqual(1, self.show()['desired_capacity'])
        # another engine (the file is taken: no second crash) applies it
        other = eng.AutoScalingEngine('engine-other')
        out = scheduler.evaluate_once(other, now=ts('2027-03-26T13:00:04'))
        self.assertEqual([(5, False)], [(d['desired'], d['repeated'])
                                        for d in out])
        self.assertEqual(1, len(self.kills))
        [act] = self.activities()
        # (its engine_id is the converger's once that takes it on)
        self.assertEqual((key, out[0]['activity_id']),
                         (act['idempotency_key'], act['id']))
        self.assertNotEqual('engine-dead', act['engine_id'])
        self.assertEqual(5, self.settle(self.gid)['current_size'])

    def test_kill_after_commit_applies_it_once(self):
        p = self.scheduled(at='2027-03-26T13:00:00Z', desired_capacity=5)
        key = scheduler.occurrence_key(p['id'], ts('2027-03-26T13:00:00'))
        casts = []
        dead = eng.AutoScalingEngine('engine-dead')
        dead.cast_converge = lambda c, g: casts.append(g)
        self.arm('after-commit')
        self.now = ts('2027-03-26T13:00:02')
        self.assertRaises(Killed, scheduler.evaluate_once, dead)
        self.assertEqual(['%d' % os.getpid(), 'after-commit', key],
                         self.fired())
        # the decision is stored; nothing after its COMMIT was done (no
        # cast: no converger has the activity yet)
        [act] = self.activities()
        self.assertEqual((key, 'engine-dead', 'ACCEPTED'),
                         (act['idempotency_key'], act['engine_id'],
                          act['status']))
        self.assertEqual([key], self.receipts())
        self.assertEqual([], casts)
        self.assertEqual(ts('2027-03-26T12:00:00'),
                         self.checked_until(p['id']))
        g = self.show()
        self.assertEqual(5, g['desired_capacity'])
        self.assertFalse(g['converged'])
        # another engine finds the receipt: not applied again; then
        # checked_until moves on
        other = eng.AutoScalingEngine('engine-other')
        out = scheduler.evaluate_once(other, now=ts('2027-03-26T13:00:03'))
        self.assertEqual([True], [d['repeated'] for d in out])
        out = scheduler.evaluate_once(other, now=ts('2027-03-26T13:00:05'))
        self.assertEqual([], out)
        self.assertEqual(1, len(self.activities()))
        self.assertEqual(ts('2027-03-26T13:00:05'),
                         self.checked_until(p['id']))
        # the sweep of another engine converges the stored decision
        self.assertEqual([self.gid], sweep.sweep_once())
        self.assertEqual(5, self.settle(self.gid)['current_size'])
        self.assertEqual(1, len(self.kills))

    def test_missed_records_and_other_policies_do_not_fire_it(self):
        self.scheduled('late', at='2027-03-26T13:00:00Z',
                       desired_capacity=5)
        p = self.scheduled('armed', at='2027-03-26T14:00:00Z',
                           desired_capacity=6)
        self.arm('after-commit', 'schedule:%s:' % p['id'])
        # ``late`` is recorded MISSED, ``armed`` not due: no crash
        self.evaluate(ts('2027-03-26T13:30:00'))
        self.assertEqual([], self.kills)
        self.assertTrue(os.path.exists(self.path))
        self.assertEqual(['MISSED'], [a['status'] for a in self.activities()])
        self.assertRaises(Killed, self.evaluate, ts('2027-03-26T14:00:01'))
        self.assertEqual(1, len(self.kills))
        self.assertEqual(2, len(self.receipts()))
