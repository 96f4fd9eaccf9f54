"""Self-healing under a crash, on real processes: three ``heat-engine``
and ``heat-api`` on RabbitMQ and a fresh MariaDB database
(:class:`~heat.tests.functional.processes.Cluster`, noauth), with
``[autoscaling] lease_ttl = 3``, ``sweep_interval = 1`` and
``health_check_tick = 0.2``.

A group of four slow members (``OS::Heat::TestResource`` taking 3 s to
create) with a ``status`` health check and a terminate lifecycle hook,
made through the Auto-Scaling API:

1. a resize to 3 puts one member in ``TERMINATING_WAIT``;
2. a member is marked unhealthy through the Orchestration API (``PATCH
   .../resources/<member>`` with ``mark_unhealthy``): the health monitor
   finds it ``CHECK_FAILED`` and has it replaced;
3. while the replacement is being made, the engine holding the group's
   lease gets SIGKILL; another takes the lease over;
4. the group converges with exactly three ACTIVE members: the unhealthy
   one gone, one replacement (one ``unhealthy`` activity, one member
   made), no member row without its resource or the reverse; the
   terminate wait still waits (its member and its resource are there);
5. the wait is completed through the API: the member goes, and the
   group is exactly its three members.

Skipped, with the reason, when RabbitMQ or MariaDB does not answer.
About a minute. Run: ``.venv/bin/python -m testtools.run
heat.tests.functional.test_health_crash``.
"""

import os
import signal
import sys

import requests

from heat.tests.functional.cluster_case import ClusterTestCase

CONF = ('[autoscaling]\n'
        'lease_ttl = 3\n'
        'sweep_interval = 1\n'
        'health_check_tick = 0.2\n')

SLOW = {'type': 'OS::Heat::TestResource',
        'properties': {'value': 'member',
                       'action_wait_secs': {'create': 3}}}

#: seconds a convergence may take on a loaded 2-core machine
WAIT = 90


def report(msg):
    sys.stderr.write('[health-crash] %s\n' % msg)


class TestSelfHealingCrash(ClusterTestCase):

    ENGINES = 3
    CONF = CONF
    PREFIX = 'healcrash'
    POLL = 0.1

    def setUp(self):
        super().setUp()
        self.base = 'http://127.0.0.1:%d/autoscaling/v1/%s' % (
            self.cluster.port, self.project)
        self.orch = self.cluster.endpoint(self.project)

    def api(self, method, path, body=None, ok=(200, 201, 202, 204)):
        resp = requests.request(method, self.base + path, json=body,
                                timeout=30)
        self.assertIn(resp.status_code, ok, resp.text)
        return resp.json() if resp.content else None

    def members(self, gid):
        return {m[0]: m[1] for m in self.q(
            "SELECT name, status FROM DB.scaling_member WHERE group_id = "
            "'%s'" % gid)}

    def resources(self, gid):
        return {r[0]: (r[1], r[2]) for r in self.q(
            "SELECT name, action, status FROM DB.resource WHERE stack_id = "
            "'%s' AND replaced_by IS NULL" % gid)}

    def test_kill_9_during_a_replacement_and_a_terminate_wait(self):
        g = self.api('POST', '/groups', {
            'name': 'healing', 'min_size': 0, 'max_size': 10,
            'desired_capacity': 4, 'resource': SLOW,
            'health_check': {'type': 'status', 'interval': 0.5},
            'lifecycle_hooks': [{'name': 'drain', 'transition': 'terminate',
                                 'heartbeat_timeout': 600}]})
        gid = g['group']['id'] if 'group' in g else g['id']
        self.wait('4 ACTIVE members', lambda: self.converged(gid, 4), WAIT)
        first = set(self.members(gid))

        # 1. a scale-in held by the terminate hook
        self.api('POST', '/groups/%s/resize' % gid, {'capacity': 3})
        draining = self.wait('a terminate wait', lambda: [
            n for n, s in self.members(gid).items()
            if s == 'TERMINATING_WAIT'], WAIT)
        self.assertEqual(1, len(draining))
        draining = draining[0]
        self.wait('converged at 3', lambda: self.group(gid)[4] >=
                  self.group(gid)[3], WAIT)

        # 2. a member marked unhealthy through the Orchestration API: the
        # monitor's status check finds it and has it replaced
        victim = sorted(n for n, s in self.members(gid).items()
                        if s == 'ACTIVE')[0]
        resp = requests.patch(
            '%s/stacks/%s/%s/resources/%s' % (
                self.orch, self.stack_name(gid), gid, victim),
            json={'mark_unhealthy': True,
                  'resource_status_reason': 'disk gone'}, timeout=30)
        self.assertIn(resp.status_code, (200, 204), resp.text)

        # 3. kill the converger while the replacement is being made
        def making():
            rows = self.members(gid)
            pending = [n for n, s in rows.items() if s == 'PENDING']
            holder, live, fence = self.group(gid)[:3]
            procs = self.cluster.engine_ids()
            if pending and live and holder in procs:
                return holder, fence, procs[holder]
            return None
        try:
            holder, fence, proc = self.wait('a replacement being made',
                                            making, WAIT)
        except self.failureException:
            report('members %r; resources %r; health %r' % (
                self.members(gid), self.resources(gid), self.q(
                    "SELECT health, monitor_engine_id FROM "
                    "DB.scaling_group WHERE id = '%s'" % gid)))
            self.diagnose(gid, 'health-crash')
            raise
        os.kill(proc.proc.pid, signal.SIGKILL)
        proc.proc.wait()
        report('killed %s (fence %s) during the replacement' % (holder,
                                                               fence))
        self.cluster.add_engine(wait=False)
        new_holder, _ = self.wait_takeover(gid, holder, fence, 60,
                                           'health-crash')
        report('taken over by %s' % new_holder)

        # 4. exactly three ACTIVE members, the wait still waiting
        def settled():
            rows = self.members(gid)
            g = self.group(gid)
            active = [n for n, s in rows.items() if s == 'ACTIVE']
            return (g[4] >= g[3] and g[5] == 'ACTIVE' and
                    len(active) == 3 and victim not in rows)
        self.wait('3 ACTIVE members without the victim', settled, WAIT)
        rows = self.members(gid)
        resources = self.resources(gid)
        self.assertEqual(sorted(rows), sorted(resources))
        self.assertEqual('TERMINATING_WAIT', rows[draining])
        self.assertEqual(('CREATE', 'COMPLETE'), resources[draining])
        made = set(rows) - first
        self.assertEqual(1, len(made), rows)
        for name in set(rows) - {draining}:
            self.assertEqual('ACTIVE', rows[name])
            self.assertEqual(('CREATE', 'COMPLETE'), resources[name])
        unhealthy = self.q(
            "SELECT status, reason FROM DB.scaling_activity WHERE group_id "
            "= '%s' AND `trigger` = 'unhealthy'" % gid)
        self.assertEqual(1, len(unhealthy), unhealthy)
        self.assertEqual('COMPLETE', unhealthy[0][0])
        self.assertIn('member %s unhealthy (status check): resource %s is '
                      'CHECK_FAILED' % (victim, victim), unhealthy[0][1])

        # 5. the wait ends through the API: exactly three members
        self.api('POST', '/groups/%s/members/%s/complete-lifecycle-action'
                 % (gid, draining), {'result': 'CONTINUE'})
        self.wait('the drained member gone', lambda: draining not in
                  self.members(gid) and self.converged(gid, 3), WAIT)
        self.assertEqual(sorted(self.members(gid)),
                         sorted(self.resources(gid)))
        self.assertEqual(3, len(self.members(gid)))

    def stack_name(self, gid):
        return self.q("SELECT name FROM DB.stack WHERE id = '%s'"
                      % gid)[0][0]
