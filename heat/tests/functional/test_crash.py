"""Crash test on real processes: ``kill -9`` the engine converging a
group, at random points of a 0 to 500 member scale-out.

``heat-api`` + 3 ``heat-engine`` processes on RabbitMQ and a fresh
MariaDB database (:mod:`heat.tests.functional.processes`), configured
with ``[autoscaling] lease_ttl = 3``, ``sweep_interval = 1``,
``converge_batch_size = 25`` so that another engine takes a dead one's
group over within seconds, and ``member_concurrency = 1``. Through
python-heatclient on heat-api: a stack with an
``OS::Heat::AutoScalingGroup`` of ``OS::Heat::TestResource`` members that
take 0.04 s each to create (min 0, max 1000, desired 0) and a
``ScalingPolicy`` of +500, then a signal of the policy. (Members of
``OS::Heat::None`` are made in bulk: 500 of them take a few seconds, too
few for the kills; one at a time at 0.04 s the scale-out lasts at least
20 s.) While the group converges, whenever the group's member rows reach
the next of ``KILLS`` random counts (seeded; the seed is printed), the
engine holding the group's lease (``scaling_group.lease_engine_id``,
mapped to its process by the id each engine logs in its "serving" line)
gets SIGKILL and a fresh engine is started, so 3 stay alive.

Asserted: the group reaches exactly 500 members; the member rows and the
resource rows of the member stack are the same 500 distinct names (none
duplicated, none orphaned), all ACTIVE / CREATE_COMPLETE; every kill is
followed by a takeover by another engine, recorded in the activity's
reason ("resumed by engine X after the lease of engine Y expired").
Figures on stderr: seed, kill points, takeover latency after each kill,
time to reach 500.

Environment: ``HEAT_CRASH_SEED`` (default: time based), ``HEAT_CRASH_KILLS``
(default 10). Skipped, with the reason, when RabbitMQ or MariaDB does not
answer. Run: ``.venv/bin/python -m testtools.run
heat.tests.functional.test_crash``.
"""

import os
import random
import signal
import sys
import time

from heat.tests.functional.cluster_case import (
    ClusterTestCase,
    scale_out_template,
)

TARGET = 500
KILLS = int(os.environ.get('HEAT_CRASH_KILLS', '10'))
LEASE_TTL = 3
BATCH = 25
#: seconds each member takes to create (one at a time)
CREATE_SECS = 0.04
#: seconds the whole scale-out may take
DEADLINE = 300

CONF = ('[autoscaling]\n'
        'lease_ttl = %d\n'
        'sweep_interval = 1\n'
        'converge_batch_size = %d\n'
        'member_concurrency = 1\n' % (LEASE_TTL, BATCH))

TEMPLATE = scale_out_template(TARGET, create_secs=CREATE_SECS)


def report(msg):
    sys.stderr.write('[crash] %s\n' % msg)
    sys.stderr.flush()


class TestCrashDuringScaleOut(ClusterTestCase):

    CONF = CONF
    PREFIX = 'crash'

    # -- the test ----------------------------------------------------------

    def test_kill_9_the_converging_engine(self):
        seed = int(os.environ.get('HEAT_CRASH_SEED') or time.time() * 1000)
        rng = random.Random(seed)
        # member-row counts to kill at; a kill needs work left to take
        # over, so none in the last 2 batches (see ``live_holder``)
        points = sorted(rng.sample(range(1, TARGET - 50), KILLS))
        report('seed %d (HEAT_CRASH_SEED), kill points (member rows) %s'
               % (seed, points))

        ident, gid = self.create_group_stack('crash', TEMPLATE)

        t0 = time.monotonic()
        self.hc.resources.signal(ident, 'up')
        killed, latencies, replacements = [], [], []
        for point in points:
            self.wait('%d member rows' % point,
                      lambda p=point: self.member_count(gid) >= p, DEADLINE)
            time.sleep(rng.uniform(0, 0.3))

            holder, fence, proc = self.live_holder(gid, TARGET, BATCH, 30)
            if holder == 'late':
                # less than a batch left: a kill now could hit the
                # converger after it recorded the group converged, and
                # there would be nothing to take over
                report('kill point %d passed with less than a batch '
                       'left: no more kills' % point)
                break
            members = self.member_count(gid)
            os.kill(proc.proc.pid, signal.SIGKILL)
            t_kill = time.monotonic()
            proc.proc.wait()
            killed.append(holder)
            replacements.append(self.cluster.add_engine(wait=False))

            new_holder, _ = self.wait_takeover(gid, holder, fence, 30,
                                               'crash')
            latency = time.monotonic() - t_kill
            latencies.append(latency)
            report('kill %d at %d member rows (t=%.1fs): engine %s (pid %d)'
                   ' -> taken over by %s after %.2fs' % (
                       len(killed), members, t_kill - t0, holder,
                       proc.proc.pid, new_holder, latency))
            for engine in replacements:
                self.cluster.wait_engine(engine)
            replacements = []

        self.wait('%d ACTIVE members' % TARGET,
                  lambda: self.converged(gid, TARGET), DEADLINE)
        elapsed = time.monotonic() - t0
        report('%d kills; %d members in %.1fs; takeover latency min %.2fs '
               'mean %.2fs max %.2fs' % (
                   len(killed), TARGET, elapsed, min(latencies),
                   sum(latencies) / len(latencies), max(latencies)))

        # exactly TARGET members, none duplicated, none orphaned
        self.assert_exact_members(gid, TARGET)

        # every takeover is recorded in the scale-out's activity
        reason = self.scale_out_reason(gid, TARGET)
        for dead in killed:
            self.assertIn('after the lease of engine %s expired' % dead,
                          reason)
        self.assertEqual(len(killed), reason.count('resumed by engine'))
        self.assertGreaterEqual(len(killed), min(3, KILLS))
        # 3 engines alive at the end
        self.assertEqual(3, len(self.cluster.engine_ids()))
