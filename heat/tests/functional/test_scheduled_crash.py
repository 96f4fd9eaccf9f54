"""Scheduled actions on real processes: each occurrence applied exactly
once by three engines, also when the engine that claimed it gets
SIGKILL just before or right after the claim's COMMIT, and never again
after a restart.

``heat-api`` + 3 ``heat-engine`` processes on RabbitMQ and a fresh
MariaDB database (:class:`~heat.tests.functional.processes.Cluster`,
noauth), with ``[autoscaling] schedule_interval = 1`` (every engine
evaluates every scheduled policy every second), ``schedule_grace_seconds
= 60``, ``lease_ttl = 3`` and ``sweep_interval = 1``. The engines run
with :data:`heat.engine.autoscaling.scheduler.CRASH_ENV` naming a file
of the test: the test writes a crash point in it (``before-commit`` or
``after-commit`` and a policy's key prefix), and the first engine whose
transaction writes that policy's occurrence receipt (the claim) takes
the file and SIGKILLs itself there (the file then says its pid).

Through the Auto-Scaling API, on a group of ``OS::Heat::None`` (min 0,
max 20, desired 0) and a second one:

1. a ``* * * * *`` policy on the second group, desired 1 (it runs all
   along: one occurrence per minute boundary the test lives through,
   across the kills and the restart);
2. four one-time ``at`` policies 2 s apart setting desired 1, 2, 3, 4:
   each applied once (one activity, one receipt), the group ends with
   exactly 4 members;
3. an ``at`` setting 6, the claiming engine killed right after the
   COMMIT: the decision is there once (its activity names the dead
   engine), no engine applies it again, another engine's sweep converges
   the group to 6 members;
4. an ``at`` setting 2, the claiming engine killed just before the
   COMMIT: nothing of its transaction stays; another engine applies the
   occurrence, once; the group ends with 2 members;
5. every engine stopped and three new ones started: no ``at`` runs
   again (none shows a next run), the cron's occurrences stay one each;
6. once a minute boundary has passed since the cron was made (the
   phases above take most of a minute), its occurrences are one each.

Asserted all along: one activity per occurrence (``trigger = schedule``,
key ``schedule:<policy>:<occurrence>``) and one receipt per activity;
none ``MISSED``. Figures on stderr (``[scheduled-crash]``): the latency
from each occurrence to its activity, the killed engines, the time to
converge after each kill. 75 to 100 s (the cron phase waits for a minute
boundary).

Skipped, with the reason, when RabbitMQ or MariaDB does not answer. Run:
``.venv/bin/python -m testtools.run
heat.tests.functional.test_scheduled_crash``.
"""

import json
import os
import shutil
import signal
import sys
import tempfile
import time

import fixtures
import requests

from heat.engine.autoscaling import scheduler
from heat.tests.functional.cluster_case import ClusterTestCase

CONF = ('[autoscaling]\n'
        'schedule_interval = 1\n'
        'schedule_grace_seconds = 60\n'
        'lease_ttl = 3\n'
        'sweep_interval = 1\n')

NONE = {'type': 'OS::Heat::None'}
#: seconds an occurrence may take to be applied, a group to converge, an
#: engine to start, on a loaded 2-core machine
WAIT = 60
#: seconds from now to a new ``at`` (the API refuses one in the past)
LEAD = 4


def report(msg):
    sys.stderr.write('[scheduled-crash] %s\n' % msg)
    sys.stderr.flush()


def iso(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


class TestScheduledExactlyOnce(ClusterTestCase):

    ENGINES = 3
    CONF = CONF
    PREFIX = 'schedcrash'
    POLL = 0.1

    def setUp(self):
        # the engines inherit the variable (set before they start)
        self.crash_dir = tempfile.mkdtemp(prefix='heat-sched-crash-')
        self.crash_file = os.path.join(self.crash_dir, 'crash')
        self.useFixture(fixtures.EnvironmentVariable(scheduler.CRASH_ENV,
                                                     self.crash_file))
        super().setUp()
        self.addCleanup(shutil.rmtree, self.crash_dir, True)
        self.base = 'http://127.0.0.1:%d/autoscaling/v1/%s' % (
            self.cluster.port, self.project)

    def api(self, method, path, body=None, ok=(200, 201, 202, 204)):
        resp = requests.request(method, self.base + path, json=body,
                                timeout=30)
        self.assertIn(resp.status_code, ok, resp.text)
        return resp.json() if resp.content else None

    def make_group(self, name):
        g = self.api('POST', '/groups', {
            'name': name, 'min_size': 0, 'max_size': 20,
            'desired_capacity': 0, 'resource': NONE})
        return g['group']['id'] if 'group' in g else g['id']

    def policy(self, gid, name, **schedule):
        p = self.api('POST', '/groups/%s/policies' % gid, {
            'name': name, 'kind': 'scheduled', 'schedule': schedule})
        return p['policy']

    def at(self, gid, name, when, desired):
        p = self.policy(gid, name, at=iso(when), desired_capacity=desired)
        self.assertEqual(iso(when), p['next_run_at'])
        return p['id']

    def activities(self, policy_id=None):
        """``[(key, status, engine_id, to_capacity)]`` of the schedule's
        activities (of ``policy_id``), by key."""
        where = " AND policy_id = '%s'" % policy_id if policy_id else ''
        return sorted(self.q(
            "SELECT idempotency_key, status, engine_id, to_capacity FROM "
            "DB.scaling_activity WHERE `trigger` = 'schedule'%s" % where))

    def receipts(self):
        return sorted(r[0] for r in self.q(
            "SELECT idempotency_key FROM DB.scaling_trigger_receipt WHERE "
            "idempotency_key LIKE 'schedule:%%'"))

    def key(self, policy_id, when):
        return scheduler.occurrence_key(policy_id, when)

    def wait_applied(self, policy_id, when, tag):
        """Wait for the occurrence's activity; its row, the latency."""
        acts = self.wait('the activity of %s' % tag,
                         lambda: self.activities(policy_id), WAIT)
        latency = time.time() - when
        self.assertEqual([self.key(policy_id, when)], [a[0] for a in acts])
        return acts[0], latency

    def assert_once(self, expected):
        """One activity per occurrence of ``expected`` (keys), none
        MISSED, one receipt each and none more."""
        acts = self.activities()
        keys = [a[0] for a in acts]
        self.assertEqual(sorted(expected), keys)
        self.assertEqual([], [a for a in acts if a[1] == 'MISSED'])
        self.assertEqual(keys, self.receipts())

    def arm(self, point, policy_id):
        with open(self.crash_file, 'w') as f:
            f.write('%s schedule:%s:\n' % (point, policy_id))

    def killed(self, point, key):
        """Wait for the crash point to fire; the killed engine's (id,
        Process), once it is gone."""
        fired = self.crash_file + '.fired'

        def written():
            try:
                with open(fired) as f:
                    return f.read().endswith('\n')
            except OSError:
                return False
        self.wait('crash point %s' % point, written, WAIT)
        with open(fired) as f:
            pid, got_point, got_key = f.read().split()
        os.rename(fired, fired + '.%s' % got_point)
        self.assertEqual((point, key), (got_point, got_key))
        [proc] = [p for p in self.cluster.processes
                  if p.proc.pid == int(pid)]
        engine_id = self.cluster.engine_id(proc)
        self.assertEqual(-signal.SIGKILL, proc.proc.wait(WAIT))
        self.assertIn('Crash point %s of %s' % (point, key),
                      proc.output()[1])
        return engine_id, proc

    def test_each_occurrence_once_through_kills_and_a_restart(self):
        t_start = time.monotonic()
        gid = self.make_group('scheduled')
        cron_gid = self.make_group('every-minute')
        self.wait('groups converged', lambda: self.converged(gid, 0) and
                  self.converged(cron_gid, 0), WAIT)
        cron = self.policy(cron_gid, 'every-minute', recurrence='* * * * *',
                           desired_capacity=1)
        cron_created = time.time()
        expected = []

        # 2. four one-time actions, 2 s apart
        first = int(time.time()) + LEAD + 1
        ats = [(self.at(gid, 'at-%d' % d, first + 2 * i, d), first + 2 * i)
               for i, d in enumerate((1, 2, 3, 4))]
        for pid, when in ats:
            act, latency = self.wait_applied(pid, when, 'at %s' % iso(when))
            self.assertNotIn(act[1], ('MISSED', 'REJECTED'), act)
            report('at %s applied %.2fs after its time (activity of %s)' % (
                iso(when), latency, act[2]))
            expected.append(self.key(pid, when))
        self.wait('4 ACTIVE members', lambda: self.converged(gid, 4), WAIT)
        self.assert_exact_members(gid, 4)
        self.assertEqual([1, 2, 3, 4], [self.activities(p)[0][3]
                                        for p, _w in ats])

        # 3. killed right after the claim's COMMIT
        when = int(time.time()) + LEAD + 1
        pid = self.at(gid, 'at-6', when, 6)
        self.arm('after-commit', pid)
        key = self.key(pid, when)
        dead, proc = self.killed('after-commit', key)
        t_kill = time.monotonic()
        self.cluster.add_engine(wait=False)
        # the decision is stored, once (the dead engine wrote the crash
        # file after its COMMIT); the activity names the dead engine
        # until a converger takes it on
        [act] = self.activities(pid)
        self.assertEqual((key, 6), (act[0], act[3]))
        self.assertNotIn(act[1], ('MISSED', 'REJECTED'), act)
        expected.append(key)
        self.wait('6 ACTIVE members', lambda: self.converged(gid, 6), WAIT)
        # another engine converged it, without deciding it again
        self.wait('the activity COMPLETE', lambda: self.activities(pid)[0][
            1] == 'COMPLETE', WAIT)
        [act] = self.activities(pid)
        self.assertIn(act[2], self.cluster.engine_ids())
        self.assertNotEqual(dead, act[2])
        report('after-commit: engine %s (pid %d) killed after claiming %s; '
               'group converged to 6 by another engine %.2fs later' % (
                   dead, proc.proc.pid, iso(when),
                   time.monotonic() - t_kill))
        self.assert_exact_members(gid, 6)
        # the other engines evaluated the policy since: the receipt held
        self.wait('checked_until past the occurrence', lambda: float(
            self.checked_until(pid)) > when, WAIT)
        self.assert_once(expected + self.cron_keys(cron, cron_created))

        # 4. killed just before the claim's COMMIT
        when = int(time.time()) + LEAD + 1
        pid = self.at(gid, 'at-2', when, 2)
        self.arm('before-commit', pid)
        key = self.key(pid, when)
        dead2, proc2 = self.killed('before-commit', key)
        t_kill = time.monotonic()
        self.cluster.add_engine(wait=False)
        act, latency = self.wait_applied(pid, when, 'the killed claim')
        self.assertNotEqual(dead2, act[2])  # a live engine decided it
        self.assertNotIn(act[1], ('MISSED', 'REJECTED'), act)
        self.assertEqual(2, act[3])
        expected.append(key)
        self.wait('2 ACTIVE members', lambda: self.converged(gid, 2), WAIT)
        report('before-commit: engine %s (pid %d) killed while claiming %s;'
               ' applied by %s %.2fs after its time; converged %.2fs after '
               'the kill' % (dead2, proc2.proc.pid, iso(when), act[2],
                             latency, time.monotonic() - t_kill))
        self.assert_exact_members(gid, 2)
        self.assert_once(expected + self.cron_keys(cron, cron_created))

        # 5. restart every engine: nothing runs again
        t_restart = time.monotonic()
        running = list(self.cluster.engine_ids().values())
        for p in running:
            p.proc.send_signal(signal.SIGTERM)
        for p in running:
            p.stop()
        self.cluster.processes = [p for p in self.cluster.processes
                                  if p.proc.poll() is None]
        fresh = [self.cluster.add_engine(wait=False) for _ in range(3)]
        for p in fresh:
            self.cluster.wait_engine(p)
        report('all engines restarted in %.1fs' % (time.monotonic() -
                                                    t_restart))
        time.sleep(3)  # three evaluations by each new engine
        self.assertEqual(2, self.group(gid)[6])
        self.assert_once(expected + self.cron_keys(cron, cron_created))
        for pid, _when in ats:
            self.assertIsNone(self.api('GET', '/groups/%s/policies/%s' % (
                gid, pid))['policy']['next_run_at'])

        # 1. the cron: at least one minute boundary lived through (the
        # phases above take most of the minute), each occurrence once
        boundary = (int(cron_created) // 60 + 1) * 60
        self.wait('a minute boundary since the cron was made',
                  lambda: time.time() > boundary + 3, 70)
        self.assert_once(expected + self.cron_keys(cron, cron_created))
        self.assertEqual(2, self.group(gid)[6])
        cron_acts = self.activities(cron['id'])
        self.assertGreaterEqual(len(cron_acts), 1)
        report('cron * * * * *: %d occurrence(s), %s; engines killed %s, '
               '%s; %.1fs in all' % (
                   len(cron_acts), ', '.join(
                       '%s by %s (%s)' % (iso(int(a[0].rsplit(':', 1)[1])),
                                          a[2], a[1]) for a in cron_acts),
                   dead, dead2, time.monotonic() - t_start))

    def checked_until(self, policy_id):
        params = self.q("SELECT params FROM DB.scaling_policy WHERE id = "
                        "'%s'" % policy_id)[0][0]
        return json.loads(params).get('checked_until') or 0

    def cron_keys(self, cron, created):
        """The keys of the cron's occurrences up to now (one per minute
        boundary since ``created``), waiting a little for the latest."""
        # not near a boundary: its occurrence is evaluated (3 s) and the
        # next is not due before the caller's query (3 s)
        while not 3 <= time.time() % 60 <= 57:
            time.sleep(0.2)
        last = int(time.time()) // 60 * 60
        first = (int(created) // 60 + 1) * 60
        return [self.key(cron['id'], t) for t in range(first, last + 1, 60)]

