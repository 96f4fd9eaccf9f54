"""Crash test on a real cloud: ``kill -9`` the engine converging a group
of Nova servers during a 0 to 20 server scale-out.

``heat-api`` + 3 ``heat-engine`` processes on RabbitMQ (a virtual host of
the cluster's own, apart from the mini cloud's ``mc_*`` ones) and a fresh
MariaDB database (:mod:`heat.tests.functional.processes`), acting on the
mini cloud (:mod:`heat.tests.functional.minicloud`) through ``[clients]
cloud = mc-admin``, with ``[autoscaling] sweep_interval = 1``,
``converge_batch_size = 5`` and a short ``lease_ttl``, so that another
engine takes a dead one's group over within seconds. Through
python-heatclient on heat-api: a stack with an
``OS::Heat::AutoScalingGroup`` of ``OS::Nova::Server`` (image ``tiny``,
flavor ``mc.tiny``, network ``mc-net``; min 0, max 40, desired 0) whose
servers carry the stack's id in their metadata
(``metering.server_group``: Nova cuts their names to 53 characters, so
the tag is what finds them), and a ``ScalingPolicy`` of +20, then a
signal of the policy. A thread of the test lists Nova's tagged servers
all along, so that a server that only lived for a while (a half-made one
the next engine deleted) is known too; a run that makes more servers
than the kills can explain fails at once (and the last cleanup deletes
whatever of the stack is left in Nova: the cloud is shared).

:class:`TestCloudCrashDuringScaleOut`: whenever the group's member rows
reach the next of ``KILLS`` random counts (seeded, one in each
batch-sized stretch of the first 15 rows; the seed is printed), and after
a random delay that lands the kill anywhere in the batch (before Nova's
answer, between the answer and the id's write, while the server builds),
the engine holding the group's lease gets SIGKILL and a fresh engine is
started, so 3 stay alive. Asserted: the group reaches exactly 20 members
(member rows and member stack resource rows: the same 20 distinct names,
all ACTIVE / CREATE_COMPLETE); Nova has exactly 20 servers tagged for the
stack, all ``ACTIVE``, and their ids are exactly the members' physical
ids (no tagged server that is not a member: none orphaned; no two
members on one server: none duplicated); every kill is followed by a
takeover by another engine, recorded in the activity's reason. Then the
stack's delete leaves no tagged server in Nova and no port on any server
ever seen. Figures on stderr: seed, kill points, what was in flight at
each kill, takeover latency, time to 20 ACTIVE, servers made in all.

Its lease (``HEAT_CLOUD_CRASH_LEASE_TTL``, default 3 s) is shorter than
a batch of 5 boots on the mini cloud (4 to 20 s): the converger renews
its lease while a batch's members are made, so no engine takes a live
converger's group over; :class:`TestBatchLongerThanLease` checks that
alone (no kill: no takeover, nothing leaked). A boot whose id can no
longer be stored (the lease moved on) is deleted at once.

Environment: ``HEAT_CLOUD_CRASH_SEED`` (default: time based),
``HEAT_CLOUD_CRASH_KILLS`` (default 3), ``HEAT_CLOUD_CRASH_LEASE_TTL``.
Skipped, with the reason, when RabbitMQ, MariaDB or the mini cloud is not
there (a cloud that runs but does not answer is never restarted: others
use it). On a failure the engines' logs are kept in
``/tmp/heat-cloud-crash-*`` (the path is printed). Run:
``.venv/bin/python -m testtools.run heat.tests.functional.test_cloud_crash``.
"""

import collections
import glob
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest

import fixtures

from heat.tests.functional import minicloud
from heat.tests.functional.cluster_case import ClusterTestCase

TARGET = 20
MAX_SIZE = 40
BATCH = 5
KILLS = int(os.environ.get('HEAT_CLOUD_CRASH_KILLS', '3'))
#: the crash test's lease: shorter than a batch of ``BATCH`` boots
CRASH_LEASE_TTL = int(os.environ.get('HEAT_CLOUD_CRASH_LEASE_TTL', '3'))
#: a lease shorter than a batch of boots (TestBatchLongerThanLease)
SHORT_LEASE_TTL = 3
#: seconds after a kill point is reached before the kill, at most: about
#: a batch's time on the mini cloud, so the kill lands anywhere in it
KILL_DELAY = 4.0
#: seconds the whole scale-out may take
DEADLINE = 600
#: seconds the stack's delete (and Nova's) may take
DELETE_WAIT = 300
TAG_KEY = 'metering.server_group'
#: servers per page of a Nova listing: Nova asks Neutron for the ports of
#: a page's servers in one URL, which Neutron refuses past ~85 of them
PAGE = 50


def conf(lease_ttl):
    return ('[autoscaling]\n'
            'lease_ttl = %d\n'
            'sweep_interval = 1\n'
            'converge_batch_size = %d\n'
            '[clients]\n'
            'cloud = %s\n' % (lease_ttl, BATCH, minicloud.ADMIN_CLOUD))


def template(adjustment):
    return '''heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 0
      max_size: %d
      desired_capacity: 0
      resource:
        type: OS::Nova::Server
        properties:
          image: %s
          flavor: %s
          networks: [{network: %s}]
          metadata: {"%s": {get_param: "OS::stack_id"}}
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      auto_scaling_group_id: {get_resource: group}
      adjustment_type: change_in_capacity
      scaling_adjustment: %d
      cooldown: 0
''' % (MAX_SIZE, minicloud.IMAGE_NAME, minicloud.FLAVOR_NAME,
       minicloud.NETWORK_NAME, TAG_KEY, adjustment)


def report(msg):
    sys.stderr.write('[cloud-crash] %s\n' % msg)
    sys.stderr.flush()


def running_cloud():
    """The mini cloud, up; ``unittest.SkipTest`` with the reason when it
    cannot be. One that runs (every process of it alive) but does not
    answer is not restarted: other tests use it."""
    reason = minicloud.skip_reason()
    if reason:
        raise unittest.SkipTest('mini cloud: %s' % reason)
    cloud = minicloud.MiniCloud()
    for _ in range(3):
        if cloud.is_up():
            return cloud
        time.sleep(2)
    procs = cloud.processes()
    if procs and all(procs.get(name, {}).get('alive')
                     for name in minicloud.ALL_PROCESSES):
        raise unittest.SkipTest('mini cloud runs but does not answer: %r'
                                % (cloud.answers(),))
    return minicloud.ensure_up()


def tagged_servers(conn, tag):
    """``{id: (status, name)}`` of Nova's servers (every project) whose
    metadata has ``TAG_KEY: tag``."""
    return {s.id: ((s.status or '').upper(), s.name)
            for s in conn.compute.servers(all_projects=True, limit=PAGE)
            if (s.metadata or {}).get(TAG_KEY) == tag}


class NovaWatch:
    """Lists Nova's servers tagged ``TAG_KEY: tag`` every ``interval``
    seconds in a thread of its own (a connection of its own): every id
    ever seen, when first seen, its last status."""

    def __init__(self, cloud, tag, interval=0.5):
        self.conn = cloud.connect()
        self.tag = tag
        self.interval = interval
        self.t0 = time.monotonic()
        self.first_seen = {}
        self.last_status = {}
        self.errors = 0
        self.last_error = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name='nova-watch')

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(30)
        self.conn.close()

    def _run(self):
        while not self._stop.is_set():
            try:
                for sid, (status, _name) in tagged_servers(
                        self.conn, self.tag).items():
                    self.first_seen.setdefault(
                        sid, time.monotonic() - self.t0)
                    self.last_status[sid] = status
            except Exception as exc:  # noqa: BLE001 - the next look will
                self.errors += 1
                self.last_error = exc
            self._stop.wait(self.interval)


class LeaseWatch:
    """Reads the group's lease every ``interval`` seconds in a thread of
    its own: the renewals of each holder (same engine and fence, a later
    expiry), so the longest stretch a converger went without renewing
    (a batch's time) can be set against the lease's."""

    def __init__(self, query, gid, interval=0.2):
        self.query = query
        self.gid = gid
        self.interval = interval
        #: seconds between two renewals (or the acquisition and the first
        #: renewal) of the same holder and fence
        self.gaps = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name='lease-watch')

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(30)

    @property
    def longest(self):
        return max(self.gaps) if self.gaps else 0.0

    def _run(self):
        last = None  # (engine, fence, expiry, when seen)
        while not self._stop.is_set():
            try:
                rows = self.query(
                    "SELECT lease_engine_id, fence, lease_expires_at FROM "
                    "DB.scaling_group WHERE id = '%s'" % self.gid)
            except Exception:  # noqa: BLE001 - the next look will do
                rows = None
            if rows:
                engine, fence, expiry = rows[0]
                now = time.monotonic()
                if engine is None or expiry is None:
                    last = None
                elif last is None or (engine, fence) != last[:2]:
                    last = (engine, fence, expiry, now)
                elif expiry != last[2]:
                    self.gaps.append(now - last[3])
                    last = (engine, fence, expiry, now)
            self._stop.wait(self.interval)


class CloudClusterCase(ClusterTestCase):
    """A :class:`ClusterTestCase` whose engines act on the mini cloud, with
    the Nova side of a group of servers: its tagged servers, a watch of
    every server it ever had, a bound on them (:attr:`max_servers`), the
    last cleanup that leaves the shared cloud without them."""

    POLL = 0.1
    #: more tagged servers seen than this fails the test at once
    max_servers = None

    def setUp(self):
        # before the cluster starts: its processes read the cloud's
        # clouds.yaml; and the first cleanup registered runs last (after
        # the cluster stopped): it deletes what a failed run left in Nova
        self.tag = None
        self.gid = None
        self.watch = None
        self.leases = None
        self._diagnosed = False
        self.addCleanup(self._sweep_nova)
        reason = None
        try:
            self.cloud = running_cloud()
        except unittest.SkipTest as exc:
            reason = str(exc)
        if reason:
            self.skipTest(reason)
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', self.cloud.clouds_yaml))
        super().setUp()
        self.conn = self.cloud.connect()
        self.addCleanup(self.conn.close)
        self.addOnException(self._on_failure)

    # -- waiting, with the runaway bound -----------------------------------

    def wait(self, what, fn, timeout):
        def guarded():
            self.check_runaway()
            return fn()
        return super().wait(what, guarded, timeout)

    def check_runaway(self):
        if self.watch is None or self.max_servers is None:
            return
        made = len(self.watch.first_seen)
        if made > self.max_servers:
            self.fail('runaway: %d servers made for the group (at most %d '
                      'expected); orphaned now (tagged, no member row names '
                      'them): %d' % (made, self.max_servers,
                                     len(self.orphans())))

    # -- the group and its stack -------------------------------------------

    def start_group(self, name, adjustment):
        """Create the stack, watch its servers: ``(identity, group id)``."""
        ident, gid = self.create_group_stack(name, template(adjustment))
        self.addCleanup(self._delete_quietly, ident)
        self.tag = ident.split('/')[1]
        self.gid = gid
        self.watch = NovaWatch(self.cloud, self.tag).start()
        self.addCleanup(self.watch.stop)
        self.leases = LeaseWatch(self.q, gid).start()
        self.addCleanup(self.leases.stop)
        return ident, gid

    def members_physical(self, gid):
        """``{member name: physical id}`` of the member stack's rows."""
        return dict(self.q("SELECT name, nova_instance FROM DB.resource "
                           "WHERE stack_id = '%s'" % gid))

    def in_flight(self, gid):
        """What the members not ACTIVE are at in the member stack: counts
        of 'no resource row', 'CREATE_IN_PROGRESS with id' / 'without id',
        'CREATE_COMPLETE' (created, not yet recorded ACTIVE), ..."""
        rows = self.q(
            "SELECT m.name, r.action, r.status, r.nova_instance "
            "FROM DB.scaling_member m LEFT JOIN DB.resource r ON "
            "r.stack_id = m.group_id AND r.name = m.name "
            "WHERE m.group_id = '%s' AND m.status <> 'ACTIVE'" % gid)
        counts = collections.Counter()
        for _name, action, status, physical in rows:
            if action is None:
                counts['no resource row'] += 1
            elif (action, status) == ('CREATE', 'IN_PROGRESS'):
                counts['CREATE_IN_PROGRESS %s id' % (
                    'with' if physical else 'without')] += 1
            else:
                counts['%s_%s' % (action, status)] += 1
        return dict(counts)

    def takeovers(self, gid):
        """The takeover notes of the group's activities."""
        notes = []
        for (reason,) in self.q("SELECT reason FROM DB.scaling_activity "
                                "WHERE group_id = '%s'" % gid):
            notes += [part.strip() for part in (reason or '').split(';')
                      if 'resumed by engine' in part]
        return notes

    # -- the cloud's side --------------------------------------------------

    def servers(self):
        return tagged_servers(self.conn, self.tag)

    def orphans(self):
        """Tagged servers no resource row of the member stack names."""
        named = set(self.members_physical(self.gid).values())
        return sorted(set(self.servers()) - named)

    def ports_of(self, server_ids):
        """``{server id: [port ids]}`` of the servers that still have
        ports."""
        out = {}
        for sid in server_ids:
            ports = [p.id for p in self.conn.network.ports(device_id=sid)]
            if ports:
                out[sid] = ports
        return out

    def assert_nova_is_the_group(self, gid, target):
        """Nova has exactly the ``target`` members' servers, ACTIVE (none
        orphaned, none duplicated): the servers."""
        physical = self.members_physical(gid)
        ids = [physical[n] for n in sorted(physical)]
        self.assertNotIn(None, ids, physical)
        # none duplicated: no two members on one server
        self.assertEqual(target, len(set(ids)), physical)

        def nova_agrees():
            servers = self.servers()
            return (set(servers) == set(ids) and
                    {s for s, _ in servers.values()} == {'ACTIVE'} and
                    servers)
        try:
            servers = self.wait('Nova to have exactly the %d members\' '
                                'servers, ACTIVE' % target, nova_agrees, 30)
        except self.failureException:
            servers = self.servers()
            orphans = sorted(set(servers) - set(ids))
            missing = sorted(set(ids) - set(servers))
            self.fail('Nova has %d tagged servers for %d members: '
                      'orphaned (not a member) %d %r; members without a '
                      'server %r; statuses %r' % (
                          len(servers), target, len(orphans),
                          {s: servers[s] for s in orphans}, missing,
                          dict(collections.Counter(
                              st for st, _ in servers.values()))))
        self.assertEqual(target, len(servers))
        return servers

    def delete_and_check(self, ident, servers):
        """Delete the stack: no tagged server left in Nova, no port on
        any server ever seen."""
        t_del = time.monotonic()
        self.hc.stacks.delete(ident)
        self.wait('the delete of %s' % ident,
                  lambda: self.stack_gone(ident), DELETE_WAIT)
        stack_deleted = time.monotonic() - t_del
        self.wait('no tagged server in Nova',
                  lambda: not self.servers(), DELETE_WAIT)
        nova_empty = time.monotonic() - t_del
        self.watch.stop()
        every = set(self.watch.first_seen) | set(servers)
        self.wait('no port left on the %d servers seen' % len(every),
                  lambda: not self.ports_of(every), 60)
        report('delete: stack DELETE_COMPLETE after %.1fs, no tagged '
               'server in Nova after %.1fs, no port left on the %d '
               'servers seen' % (stack_deleted, nova_empty, len(every)))

    def stack_gone(self, ident):
        from heatclient import exc
        try:
            stk = self.hc.stacks.get(ident)
        except exc.HTTPNotFound:
            return True
        if stk.stack_status == 'DELETE_FAILED':
            self.fail('DELETE_FAILED: %s' % stk.stack_status_reason)
        return stk.stack_status == 'DELETE_COMPLETE'

    # -- failures and cleanups ---------------------------------------------

    def _on_failure(self, exc_info):
        """Keep the engines' logs, write what the group, its rows and Nova
        say (each part on its own: the group may be gone already)."""
        if self._diagnosed or exc_info[0] is self.skipException:
            return
        self._diagnosed = True
        keep = tempfile.mkdtemp(prefix='heat-cloud-crash-')
        for path in glob.glob(os.path.join(self.cluster.workdir, '*.err')):
            shutil.copy(path, keep)
        report('engine and API logs kept in %s' % keep)
        if self.gid is None:
            return
        gid = self.gid

        def members():
            return dict(self.q("SELECT name, status FROM DB.scaling_member "
                               "WHERE group_id = '%s'" % gid))

        def nova():
            servers = self.servers()
            return '%d tagged servers %r; orphaned (no member row names ' \
                'them) %d' % (len(servers), dict(collections.Counter(
                    st for st, _ in servers.values())), len(self.orphans()))

        parts = [
            ('group', lambda: self.diagnose(gid, 'cloud-crash')),
            ('members', members),
            ('resource rows (name: physical id)',
             lambda: self.members_physical(gid)),
            ('in flight', lambda: self.in_flight(gid)),
            ('takeovers', lambda: self.takeovers(gid)),
            ('Nova', nova),
            ('servers seen in all', lambda: self.watch and (
                len(self.watch.first_seen), 'watch errors %d, last %r' % (
                    self.watch.errors, self.watch.last_error))),
            ('longest stretch without a lease renewal',
             lambda: self.leases and '%.1fs' % self.leases.longest),
        ]
        for what, fn in parts:
            try:
                value = fn()
                if value is not None:
                    report('%s: %s' % (what, value))
            except Exception as exc:  # noqa: BLE001 - diagnostics only
                report('%s: unavailable (%r)' % (what, exc))

    def _delete_quietly(self, ident):
        """A failed test's stack: its servers go too (the cluster still
        runs: cleanups run last-added first); what a wedged group leaves
        is the Nova sweep's."""
        from heatclient import exc
        try:
            self.hc.stacks.delete(ident)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if self.hc.stacks.get(ident).stack_status in (
                            'DELETE_COMPLETE', 'DELETE_FAILED'):
                        return
                except exc.HTTPNotFound:
                    return
                time.sleep(1)
        except Exception:  # noqa: BLE001 - gone already, or reported
            pass

    def _sweep_nova(self):
        """Last cleanup (the engines are stopped): delete any server of
        this test's stack still in Nova, and wait until they are gone, so
        a failed run leaves the shared cloud clean."""
        if self.tag is None:
            return
        conn = self.cloud.connect()
        try:
            left = tagged_servers(conn, self.tag)
            if not left:
                return
            report('cleanup: %d tagged servers left in Nova, deleting '
                   'them' % len(left))
            for sid in left:
                conn.compute.delete_server(sid, ignore_missing=True)
            deadline = time.monotonic() + DELETE_WAIT
            while tagged_servers(conn, self.tag) and \
                    time.monotonic() < deadline:
                time.sleep(2)
            report('cleanup: %d tagged servers left after the sweep'
                   % len(tagged_servers(conn, self.tag)))
        finally:
            conn.close()


class TestCloudCrashDuringScaleOut(CloudClusterCase):

    CONF = conf(CRASH_LEASE_TTL)
    PREFIX = 'cloudcrash'
    #: a kill can cost at most a batch of half-made servers (deleted and
    #: made afresh by the next engine)
    max_servers = TARGET + BATCH * (KILLS + 1)

    def test_kill_9_the_converging_engine(self):
        seed = int(os.environ.get('HEAT_CLOUD_CRASH_SEED') or
                   time.time() * 1000)
        rng = random.Random(seed)
        # member-row counts to kill at: one in each stretch of the rows
        # that leave work to take over (none in the last batch, see
        # ``live_holder``)
        span = (TARGET - BATCH) / float(KILLS)
        points = [rng.randint(int(i * span) + 1, int((i + 1) * span))
                  for i in range(KILLS)]
        delays = [rng.uniform(0, KILL_DELAY) for _ in points]
        report('seed %d (HEAT_CLOUD_CRASH_SEED), kill points (member rows) '
               '%s, delays %s; lease_ttl %ds; RabbitMQ vhost %s' % (
                   seed, points, ['%.2fs' % d for d in delays],
                   CRASH_LEASE_TTL, self.cluster.vhost or '/'))
        if self.cluster.vhost:
            self.assertFalse(self.cluster.vhost.startswith('mc_'))

        ident, gid = self.start_group('cloudcrash', TARGET)
        t0 = time.monotonic()
        self.hc.resources.signal(ident, 'up')
        killed, latencies, replacements = [], [], []
        for point, delay in zip(points, delays):
            self.wait('%d member rows' % point,
                      lambda p=point: self.member_count(gid) >= p, DEADLINE)
            time.sleep(delay)

            holder, fence, proc = self.live_holder(gid, TARGET, BATCH,
                                                   CRASH_LEASE_TTL * 3)
            if holder == 'late':
                report('kill point %d passed with less than a batch '
                       'left: no more kills' % point)
                break
            members = self.member_count(gid)
            active = self.active_count(gid)
            os.kill(proc.proc.pid, signal.SIGKILL)
            t_kill = time.monotonic()
            proc.proc.wait()
            killed.append(holder)
            left = self.in_flight(gid)
            in_nova = len(self.servers())
            replacements.append(self.cluster.add_engine(wait=False))

            new_holder, _ = self.wait_takeover(
                gid, holder, fence, CRASH_LEASE_TTL * 3, 'cloud-crash')
            latency = time.monotonic() - t_kill
            latencies.append(latency)
            report('kill %d at %d member rows, %d ACTIVE, %d tagged in Nova '
                   '(t=%.1fs): engine %s (pid %d); left %r -> taken over by '
                   '%s after %.2fs' % (
                       len(killed), members, active, in_nova, t_kill - t0,
                       holder, proc.proc.pid, left, new_holder, latency))
            for engine in replacements:
                self.cluster.wait_engine(engine)
            replacements = []

        self.wait('%d ACTIVE members' % TARGET,
                  lambda: self.converged(gid, TARGET), DEADLINE)
        elapsed = time.monotonic() - t0
        report('%d kills; %d members ACTIVE in %.1fs; takeover latency '
               'min %.2fs mean %.2fs max %.2fs; longest stretch without a '
               'lease renewal (a batch) %.1fs of the lease\'s %ds' % (
                   len(killed), TARGET, elapsed, min(latencies),
                   sum(latencies) / len(latencies), max(latencies),
                   self.leases.longest, CRASH_LEASE_TTL))

        # exactly TARGET members, none duplicated, none orphaned: the
        # rows, then Nova
        self.assert_exact_members(gid, TARGET)
        servers = self.assert_nova_is_the_group(gid, TARGET)
        seen = dict(self.watch.first_seen)
        report('Nova: %d ACTIVE servers = the %d members\' ids %.1fs after '
               'the signal; %d tagged servers seen in all (%d half-made '
               'ones deleted on takeovers)' % (
                   len(servers), TARGET, time.monotonic() - t0, len(seen),
                   len(set(seen) - set(servers))))

        # every takeover is recorded in the scale-out's activity
        reason = self.scale_out_reason(gid, TARGET)
        for dead in killed:
            self.assertIn('after the lease of engine %s expired' % dead,
                          reason)
        self.assertEqual(
            len(killed), reason.count('resumed by engine'),
            'takeovers beyond the kills: a live converger lost its lease '
            '(a batch longer than lease_ttl %ds, see '
            'TestBatchLongerThanLease): %s' % (CRASH_LEASE_TTL, reason))
        self.assertGreaterEqual(len(killed), min(2, KILLS))
        # 3 engines alive at the end
        self.assertEqual(3, len(self.cluster.engine_ids()))

        self.delete_and_check(ident, servers)


class TestBatchLongerThanLease(CloudClusterCase):
    """No kill: a batch of 5 boots takes longer than a 3 s lease. The
    converger must keep its lease while it works (no other engine takes a
    live converger's group over) and the group must end with exactly its
    servers. Before the converger renewed its lease during a batch,
    another engine took a live converger's group over at every batch,
    the engines went round deleting and making afresh the same batch's
    servers (the group never got past its first batch), and a boot still
    in flight when the next holder reconciled by name was orphaned in
    Nova. On a takeover the test lets that go on for
    ``LIVELOCK_WINDOW`` seconds, deletes the stack and counts what Nova
    still has of it: servers no engine will ever delete."""

    CONF = conf(SHORT_LEASE_TTL)
    PREFIX = 'cloudlease'
    SIZE = 10
    LIVELOCK_WINDOW = 60

    def test_a_live_converger_keeps_its_lease(self):
        ident, gid = self.start_group('cloudlease', self.SIZE)
        t0 = time.monotonic()
        self.hc.resources.signal(ident, 'up')
        deadline = t0 + DEADLINE
        first_takeover = None
        while not self.converged(gid, self.SIZE):
            now = time.monotonic()
            if first_takeover is None and self.takeovers(gid):
                first_takeover = now
            if first_takeover is not None and \
                    now - first_takeover > self.LIVELOCK_WINDOW:
                break
            if now > deadline:
                self.fail('timed out (%ss) waiting for %d ACTIVE members'
                          % (DEADLINE, self.SIZE))
            time.sleep(0.5)
        elapsed = time.monotonic() - t0
        notes = self.takeovers(gid)
        if notes:
            active = self.active_count(gid)
            made = len(self.watch.first_seen)
            renewed = len(self.leases.gaps)
            # what it cost: whatever the stack's delete leaves in Nova
            self.hc.stacks.delete(ident)
            self.wait('the delete of %s' % ident,
                      lambda: self.stack_gone(ident), DELETE_WAIT)
            left = self.servers()
            for _ in range(30):  # the deletes Nova was still doing
                if not any(st in ('DELETED', 'BUILD') or st is None
                           for st, _ in left.values()):
                    break
                time.sleep(2)
                left = self.servers()
            self.fail(
                'no engine died, yet %d takeovers of a live converger in '
                '%.0fs (lease_ttl %ds; batches that renewed their lease: '
                '%d), e.g. %r; %d of %d members ACTIVE; %d servers made; '
                'the stack\'s delete left %d servers orphaned in Nova '
                '(%r)' % (
                    len(notes), elapsed, SHORT_LEASE_TTL, renewed,
                    notes[0], active, self.SIZE, made, len(left),
                    dict(collections.Counter(
                        st for st, _ in left.values()))))
        report('lease_ttl %ds: %d members ACTIVE in %.1fs without a '
               'takeover; longest stretch without a lease renewal %.1fs'
               % (SHORT_LEASE_TTL, self.SIZE, elapsed, self.leases.longest))
        self.assert_exact_members(gid, self.SIZE)
        servers = self.assert_nova_is_the_group(gid, self.SIZE)
        self.assertEqual(set(servers), set(self.watch.first_seen))
        self.delete_and_check(ident, servers)
