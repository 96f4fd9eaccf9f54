"""What the fault-harness suites on real processes share
(:mod:`~heat.tests.functional.test_crash`,
:mod:`~heat.tests.functional.test_pause`,
:mod:`~heat.tests.functional.test_engine_death`): a
:class:`~heat.tests.functional.processes.Cluster` started per test with
python-heatclient on a project of its own, SQL on the cluster's database
(``DB.`` in a query names it), waiting, and the checks of a scale-out
that must end with exactly its target of members."""

import sys
import time
import unittest
import uuid

import testtools
from heatclient import client as heat_client

from heat.tests.functional.processes import Cluster, mysql, skip_reason


def scale_out_template(target, max_size=1000, create_secs=None):
    """A group of ``OS::Heat::None`` (0 members) and a policy adding
    ``target`` members; with ``create_secs``, the members are
    ``OS::Heat::TestResource`` taking that long to create."""
    member = 'type: OS::Heat::None'
    if create_secs is not None:
        member = ('type: OS::Heat::TestResource\n'
                  '        properties:\n'
                  '          action_wait_secs: {create: %s}' % create_secs)
    return '''heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 0
      max_size: %d
      desired_capacity: 0
      resource:
        %s
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      auto_scaling_group_id: {get_resource: group}
      adjustment_type: change_in_capacity
      scaling_adjustment: %d
      cooldown: 0
''' % (max_size, member, target)


class ClusterTestCase(testtools.TestCase):
    """``ENGINES`` heat-engine and heat-api with ``CONF`` appended to
    their configuration; ``self.hc`` on project ``<PREFIX>-<random>``."""

    ENGINES = 3
    CONF = ''
    PREFIX = 'cluster'
    #: seconds between two looks of :meth:`wait`
    POLL = 0.05

    def setUp(self):
        super().setUp()
        reason = skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        self.cluster = Cluster(engines=self.ENGINES,
                               extra_conf=self.CONF).start()
        self.addCleanup(self.cluster.stop)
        self.db = self.cluster.db_name
        self.project = '%s-%s' % (self.PREFIX, uuid.uuid4().hex[:8])
        self.hc = heat_client.Client(
            '1', endpoint=self.cluster.endpoint(self.project),
            token='fake-token')

    def q(self, sql):
        return mysql(sql.replace('DB.', '`%s`.' % self.db))

    def wait(self, what, fn, timeout):
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail('timed out (%ss) waiting for %s' % (timeout, what))
            time.sleep(self.POLL)

    # -- a scaling group's rows --------------------------------------------

    def group(self, gid):
        """(lease holder, lease live, fence, version, converged_version,
        status, desired capacity)."""
        return self.q(
            "SELECT lease_engine_id, lease_expires_at > UTC_TIMESTAMP(6), "
            "fence, version, converged_version, status, desired_capacity "
            "FROM DB.scaling_group WHERE id = '%s'" % gid)[0]

    def member_count(self, gid):
        return self.q("SELECT COUNT(*) FROM DB.scaling_member WHERE "
                      "group_id = '%s'" % gid)[0][0]

    def active_count(self, gid):
        return self.q("SELECT COUNT(*) FROM DB.scaling_member WHERE "
                      "group_id = '%s' AND status = 'ACTIVE'" % gid)[0][0]

    def converged(self, gid, target):
        g = self.group(gid)
        return (g[4] >= g[3] and g[5] == 'ACTIVE' and
                self.active_count(gid) == target)

    def assert_exact_members(self, gid, target):
        """Exactly ``target`` members: the member rows and the member
        stack's resource rows the same distinct names (none duplicated,
        none orphaned), all ACTIVE / CREATE_COMPLETE."""
        self.assertEqual(target, self.group(gid)[6])
        members = self.q("SELECT name, status FROM DB.scaling_member "
                         "WHERE group_id = '%s'" % gid)
        resources = self.q("SELECT name, action, status FROM DB.resource "
                           "WHERE stack_id = '%s'" % gid)
        names = [m[0] for m in members]
        self.assertEqual(target, len(names))
        self.assertEqual(target, len(set(names)))
        self.assertEqual({'ACTIVE'}, {m[1] for m in members})
        self.assertEqual(sorted(names), sorted(r[0] for r in resources))
        self.assertEqual(target, len(resources))
        self.assertEqual({('CREATE', 'COMPLETE')},
                         {(r[1], r[2]) for r in resources})

    def scale_out_reason(self, gid, target):
        """The reason of the one activity that scaled to ``target`` (it
        records each takeover)."""
        reasons = [r[0] for r in self.q(
            "SELECT reason FROM DB.scaling_activity WHERE group_id = '%s' "
            "AND to_capacity = %d" % (gid, target))]
        self.assertEqual(1, len(reasons))
        return reasons[0]

    # -- a scale-out with faults -------------------------------------------

    def create_group_stack(self, name, template):
        """Create the stack, wait for CREATE_COMPLETE: ``(identity,
        group id)``."""
        created = self.hc.stacks.create(stack_name=name, template=template)
        ident = '%s/%s' % (name, created['stack']['id'])
        self.wait('CREATE_COMPLETE', lambda: self.hc.stacks.get(
            ident).stack_status == 'CREATE_COMPLETE', 60)
        gid = self.q("SELECT id FROM DB.scaling_group WHERE stack_id = "
                     "'%s'" % created['stack']['id'])[0][0]
        return ident, gid

    def live_holder(self, gid, target, batch, timeout):
        """``(engine id, fence, Process)`` of the engine holding the
        group's live lease, or ``('late', None, None)`` once less than
        ``batch`` members are left to make (an action on the holder then
        could hit it after it recorded the group converged, and there
        would be nothing to take over)."""
        def holder():
            engine_id, live, fence = self.group(gid)[:3]
            procs = self.cluster.engine_ids()
            if self.active_count(gid) >= target - batch:
                return 'late', None, None
            if engine_id in procs and live:
                return engine_id, fence, procs[engine_id]
            return None
        return self.wait('a live lease holder', holder, timeout)

    def wait_takeover(self, gid, old_holder, old_fence, timeout, tag):
        """Wait until another engine holds a live lease with a higher
        fence: ``(new holder, new fence)``; on a timeout the group's state
        and the engines' logs are written to stderr first."""
        def taken_over():
            engine_id, live, fence = self.group(gid)[:3]
            return (engine_id is not None and engine_id != old_holder and
                    live and fence > old_fence and (engine_id, fence))
        try:
            return self.wait('a takeover of %s' % old_holder, taken_over,
                             timeout)
        except self.failureException:
            self.diagnose(gid, tag)
            raise

    def diagnose(self, gid, tag):
        def report(msg):
            sys.stderr.write('[%s] %s\n' % (tag, msg))
        report('group (holder, live, fence, version, converged_version, '
               'status, desired): %r; active members %d; engines %s' % (
                   self.group(gid), self.active_count(gid),
                   sorted(self.cluster.engine_ids())))
        for eng_id, p in self.cluster.engine_ids().items():
            report('%s (%s) stderr tail:\n%s' % (
                p.name, eng_id, p.output()[1][-3000:]))
