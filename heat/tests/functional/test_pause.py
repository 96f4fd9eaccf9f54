"""Pause test on real processes: ``SIGSTOP`` the engine converging a
group, let another engine take the group over, ``SIGCONT`` it, at random
points of a 0 to 300 member scale-out.

``heat-api`` + 3 ``heat-engine`` processes on RabbitMQ and a fresh
MariaDB database (:mod:`heat.tests.functional.processes`), configured
with ``[autoscaling] lease_ttl = 3``, ``sweep_interval = 1``,
``converge_batch_size = 25`` and ``[DEFAULT] db_idle_transaction_timeout
= 5`` (a stopped engine may be in the middle of a transaction: the
server ends it, so its row locks do not hold the takeover up). Through
python-heatclient on heat-api: a stack with an ``OS::Heat::AutoScalingGroup``
of ``OS::Heat::None`` (min 0, max 1000, desired 0) and a ``ScalingPolicy``
of +300, then a signal of the policy. ``PAUSES`` times, when the
group's member rows have grown by a random count (seeded; the seed is
printed) since the start or the last SIGCONT, the engine holding the
group's lease gets SIGSTOP; once another engine holds the lease with a
higher fence and has made progress (a batch more of ACTIVE members, or
the end), the stopped engine gets SIGCONT. It resumes with a stale view
of its batch (the members it was creating, loaded before the stop):
each of its writes is refused by the fence, or fails because the server
ended the transaction it was stopped in, and it stops.

Asserted: each resumed engine logs the loss of the lease under the
fence it had ("lease lost (fence F); N member resource writes
refused"); the group reaches exactly 300 members; the member rows
and the resource rows of the member stack are the same 300 distinct
names (none duplicated, none orphaned), all ACTIVE / CREATE_COMPLETE;
each takeover is recorded in the activity's reason ("resumed by engine
X after the lease of engine Y expired"); the 3 engines are alive at the
end. Figures on stderr: seed, pause points, takeover latency after each
SIGSTOP, how long each engine stayed stopped, the writes it had refused,
time to reach 300.

Environment: ``HEAT_PAUSE_SEED`` (default: time based),
``HEAT_PAUSE_COUNT`` (default 3). Skipped, with the reason, when
RabbitMQ or MariaDB does not answer. Run: ``.venv/bin/python -m
testtools.run heat.tests.functional.test_pause``.
"""

import os
import random
import re
import signal
import sys
import time

from heat.tests.functional.cluster_case import (
    ClusterTestCase,
    scale_out_template,
)

TARGET = 300
PAUSES = int(os.environ.get('HEAT_PAUSE_COUNT', '3'))
LEASE_TTL = 3
BATCH = 25
IDLE_TRANSACTION_TIMEOUT = 5
#: seconds the whole scale-out may take
DEADLINE = 300
#: seconds a takeover, progress, or the resumed engine's log line may take
STEP = 60

CONF = ('[DEFAULT]\n'
        'db_idle_transaction_timeout = %d\n'
        '[autoscaling]\n'
        'lease_ttl = %d\n'
        'sweep_interval = 1\n'
        'converge_batch_size = %d\n' % (IDLE_TRANSACTION_TIMEOUT,
                                        LEASE_TTL, BATCH))

TEMPLATE = scale_out_template(TARGET)


def report(msg):
    sys.stderr.write('[pause] %s\n' % msg)
    sys.stderr.flush()


def lease_lost_lines(proc, gid):
    """``{fence: refused writes}`` of the lease losses ``proc`` logged
    for the group."""
    found = re.findall(r'Group %s: lease lost \(fence (\d+)\); (\d+) member '
                       r'resource writes refused' % re.escape(gid),
                       proc.output()[1])
    return {int(f): int(n) for f, n in found}


class TestPauseDuringScaleOut(ClusterTestCase):

    CONF = CONF
    PREFIX = 'pause'

    def setUp(self):
        super().setUp()
        # (runs before the cluster's stop: a stopped process ignores
        # SIGTERM)
        self.stopped = []
        self.addCleanup(self._continue_all)

    def _continue_all(self):
        for proc in self.stopped:
            if proc.proc.poll() is None:
                os.kill(proc.proc.pid, signal.SIGCONT)

    def duplicated_resources(self, gid):
        return self.q("SELECT name, COUNT(*) FROM DB.resource WHERE "
                      "stack_id = '%s' GROUP BY name HAVING COUNT(*) > 1"
                      % gid)

    # -- the test ----------------------------------------------------------

    def test_sigstop_then_sigcont_the_converging_engine(self):
        seed = int(os.environ.get('HEAT_PAUSE_SEED') or time.time() * 1000)
        rng = random.Random(seed)
        # member rows to let grow before each pause (from the start, then
        # from the last SIGCONT); a takeover needs work left, so no pause
        # in the last batch (see ``live_holder``)
        offsets = [rng.randrange(1, BATCH + 1) for _ in range(PAUSES)]
        report('seed %d (HEAT_PAUSE_SEED), member rows between pauses %s'
               % (seed, offsets))

        ident, gid = self.create_group_stack('pause', TEMPLATE)

        t0 = time.monotonic()
        self.hc.resources.signal(ident, 'up')
        paused, latencies = [], []
        base = 0
        for offset in offsets:
            point = base + offset
            self.wait('%d member rows' % point,
                      lambda p=point: self.member_count(gid) >= p, DEADLINE)
            time.sleep(rng.uniform(0, 0.3))

            holder, fence, proc = self.live_holder(gid, TARGET, BATCH,
                                                   STEP)
            if holder == 'late':
                report('pause point %d passed with less than a batch '
                       'left: no more pauses' % point)
                break
            members = self.member_count(gid)
            os.kill(proc.proc.pid, signal.SIGSTOP)
            t_stop = time.monotonic()
            self.stopped.append(proc)

            new_holder, new_fence = self.wait_takeover(gid, holder, fence,
                                                       STEP, 'pause')
            latency = time.monotonic() - t_stop
            latencies.append(latency)
            active = self.active_count(gid)
            self.wait('progress by %s' % new_holder, lambda a=active: (
                self.active_count(gid) >= min(a + BATCH, TARGET) or
                self.converged(gid, TARGET)), STEP)
            os.kill(proc.proc.pid, signal.SIGCONT)
            stopped_for = time.monotonic() - t_stop
            base = self.member_count(gid)
            paused.append((holder, fence, proc))
            report('pause %d at %d member rows (t=%.1fs): engine %s (pid '
                   '%d, fence %d) -> taken over by %s (fence %d) after '
                   '%.2fs; SIGCONT after %.1fs stopped' % (
                       len(paused), members, t_stop - t0, holder,
                       proc.proc.pid, fence, new_holder, new_fence,
                       latency, stopped_for))

        self.wait('%d ACTIVE members' % TARGET,
                  lambda: self.converged(gid, TARGET), DEADLINE)
        elapsed = time.monotonic() - t0

        # each resumed engine ran into the moved fence and stopped;
        # nothing it had in hand was written
        for holder, fence, proc in paused:
            try:
                refused = self.wait(
                    '%s to log its lease loss (fence %d)' % (holder, fence),
                    lambda f=fence, p=proc: lease_lost_lines(p, gid).get(
                        f, -1) + 1, STEP) - 1
            except self.failureException:
                self.diagnose(gid, 'pause')
                raise
            report('engine %s, resumed with fence %d: lease lost, %d '
                   'member resource writes refused' % (holder, fence,
                                                        refused))
        self.assertEqual((), self.duplicated_resources(gid))
        report('%d pauses; %d members in %.1fs; takeover latency min '
               '%.2fs mean %.2fs max %.2fs' % (
                   len(paused), TARGET, elapsed, min(latencies),
                   sum(latencies) / len(latencies), max(latencies)))

        # exactly TARGET members, none duplicated, none orphaned
        self.assert_exact_members(gid, TARGET)

        # every takeover is recorded in the scale-out's activity
        reason = self.scale_out_reason(gid, TARGET)
        for holder, _fence, _proc in paused:
            self.assertIn('after the lease of engine %s expired' % holder,
                          reason)
        self.assertGreaterEqual(reason.count('resumed by engine'),
                                len(paused))
        self.assertGreaterEqual(len(paused), min(3, PAUSES))
        # the stopped engines went on: 3 alive at the end
        self.assertEqual(3, len(self.cluster.engine_ids()))
