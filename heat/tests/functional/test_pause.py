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
of ``OS::Heat::TestResource`` members taking 0.04 s each to create, one
at a time (``member_concurrency = 1``; members of ``OS::Heat::None`` are
made in bulk, 300 in a few seconds, too fast for the pauses), min 0,
max 1000, desired 0, and a ``ScalingPolicy`` of +300, then a signal of
the policy. ``PAUSES`` times, when the
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

from heatclient import exc as heat_exc

from heat.tests.functional.cluster_case import (
    ClusterTestCase,
    scale_out_template,
)

TARGET = 300
PAUSES = int(os.environ.get('HEAT_PAUSE_COUNT', '3'))
LEASE_TTL = 3
BATCH = 25
#: seconds each member takes to create (one at a time)
CREATE_SECS = 0.04
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
        'converge_batch_size = %d\n'
        'member_concurrency = 1\n' % (IDLE_TRANSACTION_TIMEOUT,
                                       LEASE_TTL, BATCH))

TEMPLATE = scale_out_template(TARGET, create_secs=CREATE_SECS)


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
            # (never past the target: the group may be done already,
            # and ``live_holder`` then says so)
            point = min(base + offset, TARGET)
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


# ---------------------------------------------------------------------------
# the same for a stack's action: the lock's fencing token

STACK_WAIT = 20
STACK_DOWN_TIME = 6
STACK_REASON = 'Engine went down during stack CREATE'
STACK_CONF = ('[DEFAULT]\n'
              'report_interval = 1\n'
              'service_down_time = %d\n'
              'stale_stack_check_interval = 1\n'
              'db_idle_transaction_timeout = %d\n'
              % (STACK_DOWN_TIME, IDLE_TRANSACTION_TIMEOUT))

STACK_TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  slow:
    type: OS::Heat::TestResource
    properties:
      action_wait_secs:
        create: %(wait)d
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 2
      resource_def:
        type: OS::Heat::TestResource
        properties:
          action_wait_secs:
            create: %(wait)d
''' % {'wait': STACK_WAIT}


class TestPauseDuringStackCreate(ClusterTestCase):
    """``SIGSTOP`` the engine creating a stack (a slow resource beside a
    nested stack of two), let the other engine take the stack over (it
    marks the tree CREATE_FAILED, "Engine went down during stack
    CREATE"), ``SIGCONT``: the resumed engine finishes its resources'
    waits and tries to write the stack's end, and every such write is
    refused by the lock's fencing token and logged; the stack, its
    nested stack and their resources keep the takeover's state."""

    ENGINES = 2
    CONF = STACK_CONF
    PREFIX = 'stackpause'
    POLL = 0.1

    def setUp(self):
        super().setUp()
        self.stopped = []
        self.addCleanup(self._continue_all)

    def _continue_all(self):
        for proc in self.stopped:
            if proc.proc.poll() is None:
                os.kill(proc.proc.pid, signal.SIGCONT)

    def test_sigstop_then_sigcont_the_engine_creating_a_stack(self):
        created = self.hc.stacks.create(stack_name='paused',
                                        template=STACK_TEMPLATE)
        stack_id = created['stack']['id']
        ident = 'paused/%s' % stack_id

        def in_progress():
            nested = self.q("SELECT id FROM DB.stack WHERE owner_id = "
                            "'%s'" % stack_id)
            slow = self.q("SELECT COUNT(*) FROM DB.resource WHERE status "
                          "= 'IN_PROGRESS' AND action = 'CREATE'")[0][0]
            return nested and slow >= 3
        self.wait('the create under way (3 resources in progress)',
                  in_progress, 60)
        nested_id = self.q("SELECT id FROM DB.stack WHERE owner_id = '%s'"
                           % stack_id)[0][0]
        holder = self.q("SELECT engine_id FROM DB.stack_lock WHERE "
                        "stack_id = '%s'" % stack_id)[0][0]
        engines = self.cluster.engine_ids()
        survivor, = set(engines) - {holder}
        paused = engines[holder]
        os.kill(paused.proc.pid, signal.SIGSTOP)
        self.stopped.append(paused)
        t_stop = time.monotonic()

        def failed():
            # a request the stopped engine took off the queue times out
            try:
                stk = self.hc.stacks.get(ident)
            except heat_exc.HTTPServiceUnavailable:
                return None
            return stk if stk.stack_status == 'CREATE_FAILED' else None
        stk = self.wait('the takeover (CREATE_FAILED)', failed, STEP)
        report('stack: engine %s stopped holding the lock; engine %s '
               'took it over after %.1f s' % (holder, survivor,
                                              time.monotonic() - t_stop))
        self.assertEqual(STACK_REASON, stk.stack_status_reason)
        # the stopped engine's waits end while it is stopped
        time.sleep(max(0.0, STACK_WAIT - (time.monotonic() - t_stop)) + 1)
        before = self.q("SELECT id, action, status, status_reason FROM "
                        "DB.stack WHERE id IN ('%s', '%s') ORDER BY id"
                        % (stack_id, nested_id))
        resources_before = self.q(
            "SELECT id, action, status, status_reason FROM DB.resource "
            "ORDER BY id")
        os.kill(paused.proc.pid, signal.SIGCONT)
        t_cont = time.monotonic()

        refused = re.compile(r'the lock of engine %s \(token [0-9a-f]+\) '
                             r'was taken over; the write of CREATE '
                             r'(COMPLETE|FAILED) is refused'
                             % re.escape(holder))

        def logged():
            return len(refused.findall(paused.output()[1])) >= 2
        self.wait('the resumed engine to log its refused writes (the '
                  'stack and its nested stack)', logged, STEP)
        report('stack: resumed engine %s logged %d refused stack writes '
               '%.1f s after SIGCONT' % (
                   holder, len(refused.findall(paused.output()[1])),
                   time.monotonic() - t_cont))
        # give it time to do anything else it would do, then compare
        time.sleep(3)
        self.assertEqual(before, self.q(
            "SELECT id, action, status, status_reason FROM DB.stack WHERE "
            "id IN ('%s', '%s') ORDER BY id" % (stack_id, nested_id)))
        self.assertEqual(resources_before, self.q(
            "SELECT id, action, status, status_reason FROM DB.resource "
            "ORDER BY id"))
        for row in before:
            self.assertEqual(('CREATE', 'FAILED', STACK_REASON), row[1:])
        # no COMPLETE event of either stack: the refused writes wrote
        # nothing with them
        self.assertEqual(0, self.q(
            "SELECT COUNT(*) FROM DB.event WHERE resource_type = "
            "'OS::Heat::Stack' AND resource_status = 'COMPLETE'")[0][0])
        self.assertEqual(0, self.q("SELECT COUNT(*) FROM DB.stack_lock")
                         [0][0])
        self.assertIsNone(paused.proc.poll())  # alive, just fenced

        # the stack is the user's again: it deletes
        self.hc.stacks.delete(ident)

        def deleted():
            try:
                return self.hc.stacks.get(ident).stack_status == \
                    'DELETE_COMPLETE'
            except heat_exc.HTTPNotFound:
                return True
        self.wait('the delete', deleted, STEP)
