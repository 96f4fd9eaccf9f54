"""The Auto-Scaling API v1 through its Python client
(``heat_autoscalingclient``) on real processes: ``heat-api`` and two
``heat-engine`` on RabbitMQ and a fresh MariaDB database
(:class:`~heat.tests.functional.processes.Cluster`, noauth: the project
is the one in the endpoint ``http://127.0.0.1:<port>/autoscaling/v1/
<project>``), configured with ``[autoscaling] lease_ttl = 3`` and
``sweep_interval = 1``.

- :meth:`TestAutoScalingAPIOnProcesses.test_every_endpoint`: a group of
  ``OS::Heat::RandomString`` members driven through every route of the
  client: groups (create, list, find, show, update with ``If-Match`` and
  a stale one, suspend, resume, resize, converge, delete with
  ``If-Match``), members (list, show, protect, mark unhealthy, remove),
  policies (create, list, show, update, execute, delete), webhooks
  (create, list, execute by their URL with no auth, delete) and
  activities (list, show). After each change the group is checked
  against the database: the member rows and the resources of the member
  stack are the same names, all COMPLETE; the activities say
  that both engines made decisions (RabbitMQ spreads the RPCs);
- ``test_provider_template_and_a_dead_engine``: a group whose member
  is a provider template given in ``files`` (each member a nested stack
  holding a RandomString); then the engine that
  last converged it gets SIGKILL and a policy executed through the API
  is still decided (by the survivor) and converged: the members exist
  as resources of the member stack with their nested stacks.

Skipped, with the reason, when RabbitMQ or MariaDB does not answer.
About a minute. Run:
``.venv/bin/python -m testtools.run
heat.tests.functional.test_as_api_cluster``.
"""

import signal
import urllib.request
import uuid

from heat_autoscalingclient import client as as_client
from heat_autoscalingclient import exceptions as as_exc
from heat_autoscalingclient import models

from heat.tests.functional.cluster_case import ClusterTestCase

CONF = ('[autoscaling]\n'
        'lease_ttl = 3\n'
        'sweep_interval = 1\n')

RANDOM = {'type': 'OS::Heat::RandomString', 'properties': {'length': 8}}

PROVIDER = '''heat_template_version: 2016-10-14
parameters:
  length:
    type: number
    default: 6
resources:
  secret:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: length}
outputs:
  value:
    value: {get_attr: [secret, value]}
'''

#: seconds a convergence may take on a loaded 2-core machine
WAIT = 60


class TestAutoScalingAPIOnProcesses(ClusterTestCase):

    ENGINES = 2
    CONF = CONF
    PREFIX = 'asapi'
    POLL = 0.1

    def setUp(self):
        super().setUp()
        self.endpoint = 'http://127.0.0.1:%d/autoscaling/v1/%s' % (
            self.cluster.port, self.project)
        self.client = as_client.Client(endpoint_override=self.endpoint)

    # -- helpers -----------------------------------------------------------

    def wait_group(self, group, capacity=None, min_version=None):
        return self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                       capacity=capacity,
                                       min_version=min_version)

    def assert_members_in_db(self, gid, names, resource_type):
        """The group's member rows and the member stack's resources (the
        member stack's id is the group's) are exactly ``names``, ACTIVE
        and COMPLETE (CREATE or RESUME), of ``resource_type``."""
        members = self.q("SELECT name, status FROM DB.scaling_member "
                         "WHERE group_id = '%s'" % gid)
        resources = self.q("SELECT name, action, status, type FROM "
                           "DB.resource WHERE stack_id = '%s'" % gid)
        self.assertEqual(sorted(names), sorted(m[0] for m in members))
        self.assertEqual({'ACTIVE'}, {m[1] for m in members})
        self.assertEqual(sorted(names), sorted(r[0] for r in resources))
        # (RESUME_COMPLETE once the group was suspended and resumed)
        for name, action, status, rtype in resources:
            self.assertIn(action, ('CREATE', 'RESUME'), name)
            self.assertEqual(('COMPLETE', resource_type), (status, rtype))

    def converged_members(self, group, capacity, resource_type):
        """Wait for ``capacity`` members; check them against the API
        and the database; their names."""
        group = self.wait_group(group, capacity=capacity)
        self.assertTrue(group.converged)
        self.assertEqual('ACTIVE', group.status)
        self.assertEqual(capacity, group.desired_capacity)
        names = [m.name for m in self.client.members.list(group)]
        self.assertEqual(capacity, len(names))
        self.assert_members_in_db(group.id, names, resource_type)
        return names

    # -- the tests ---------------------------------------------------------

    def test_every_endpoint(self):
        c = self.client
        self.assertEqual('v1.0', c.versions()[0]['id'])

        # groups: create, list, find, show
        created = c.groups.create(
            name='web', min_size=0, max_size=5, desired_capacity=2,
            cooldown=0, resource=RANDOM, removal_policy='oldest',
            idempotency_key='create-web')
        self.assertIsInstance(created, models.Group)
        self.assertEqual(self.project, created.project_id)
        self.assertEqual('"%s"' % created.version, created.etag)
        again = c.groups.create(
            name='web', min_size=0, max_size=5, desired_capacity=2,
            cooldown=0, resource=RANDOM, removal_policy='oldest',
            idempotency_key='create-web')
        self.assertEqual(created.id, again.id)
        gid = created.id
        names = self.converged_members(created, 2, RANDOM['type'])
        self.assertEqual([gid], [g.id for g in c.groups.list()])
        self.assertEqual(gid, c.groups.find('web').id)
        page, marker = c.groups.list_page(limit=1)
        self.assertEqual([gid], [g.id for g in page])
        self.assertEqual(gid, marker)
        group = c.groups.get(gid)
        self.assertEqual((0, 5, 2, 2), (group.min_size, group.max_size,
                                        group.desired_capacity,
                                        group.current_size))

        # update with If-Match; a stale ETag is a 412 and changes nothing
        updated = c.groups.update(group, if_match=group, desired_capacity=3)
        self.assertGreater(updated.version, group.version)
        exc = self.assertRaises(as_exc.PreconditionFailed, c.groups.update,
                                group, if_match=group, max_size=4)
        self.assertEqual(412, exc.status_code)
        self.assertEqual(5, c.groups.get(gid).max_size)
        names = self.converged_members(gid, 3, RANDOM['type'])

        # suspend: a policy's decision is rejected; resume
        up = c.policies.create(gid, name='up', scaling_adjustment=1,
                               adjustment_type='change_in_capacity',
                               cooldown=0)
        suspended = c.groups.suspend(gid, if_match=c.groups.get(gid))
        self.assertTrue(suspended.suspended)
        rejected = c.policies.execute(gid, up)
        self.assertFalse(rejected.accepted)
        self.assertEqual('REJECTED', rejected.status)
        resumed = c.groups.resume(gid)
        self.assertFalse(resumed.suspended)

        # members: show, protect, mark unhealthy (replaced), remove
        member = c.members.get(gid, names[0])
        self.assertEqual((names[0], 'HEALTHY', False),
                         (member.name, member.health, member.protected))
        protected = names[2]
        self.assertTrue(c.members.protect(gid, protected).protected)
        self.assertTrue(c.members.get(gid, protected).protected)
        marked = c.members.mark_unhealthy(gid, names[0], reason='no ping')
        self.assertEqual('UNHEALTHY', marked.health)
        self.wait('the unhealthy member to be replaced', lambda: names[0]
                  not in [m.name for m in c.members.list(gid)], WAIT)
        names = self.converged_members(gid, 3, RANDOM['type'])
        self.assertNotIn(marked.name, names)
        self.assertIn(protected, names)
        # resize: the protected member is never chosen for scale-in
        decision = c.groups.resize(gid, capacity=1)
        self.assertTrue(decision.accepted, decision.reason)
        self.assertEqual((3, 1), (decision.from_capacity,
                                  decision.to_capacity))
        self.assertEqual([protected],
                         self.converged_members(gid, 1, RANDOM['type']))
        decision = c.groups.resize(gid, adjustment=1,
                                   adjustment_type='change_in_capacity')
        self.assertEqual((1, 2), (decision.from_capacity,
                                  decision.to_capacity))
        names = self.converged_members(gid, 2, RANDOM['type'])
        victim = [n for n in names if n != protected][0]
        after = c.members.remove(gid, victim)
        self.assertEqual(1, after.desired_capacity)
        self.assertEqual([protected],
                         self.converged_members(gid, 1, RANDOM['type']))

        # policies: list, show, update, execute
        self.assertEqual([up.id], [p.id for p in c.policies.list(gid)])
        self.assertEqual('up', c.policies.get(gid, up.id).name)
        self.assertEqual(2, c.policies.update(gid, up,
                                              scaling_adjustment=2)
                         .scaling_adjustment)
        decision = c.policies.execute(gid, up, details={'why': 'test'})
        self.assertTrue(decision.accepted, decision.reason)
        self.assertEqual((1, 3), (decision.from_capacity,
                                  decision.to_capacity))
        self.assertEqual(up.id, decision.policy_id)
        self.converged_members(gid, 3, RANDOM['type'])

        # webhooks: create (the URL shown once), list, execute with no
        # auth at all, delete
        down = c.policies.create(gid, name='down', scaling_adjustment=-1,
                                 adjustment_type='change_in_capacity',
                                 cooldown=0)
        hook = c.webhooks.create(gid, down, name='alarm')
        self.assertTrue(hook.url.startswith(
            'http://127.0.0.1:%d/autoscaling/v1/webhooks/' %
            self.cluster.port), hook.url)
        listed = c.webhooks.list(gid, down)
        self.assertEqual([hook.id], [w.id for w in listed])
        self.assertIsNone(listed[0].url)
        decision = as_client.execute_webhook(hook.url)
        self.assertTrue(decision.accepted, decision.reason)
        self.assertEqual((3, 2), (decision.from_capacity,
                                  decision.to_capacity))
        req = urllib.request.Request(hook.url, data=b'', method='POST')
        with urllib.request.urlopen(req, timeout=60) as resp:
            self.assertEqual(200, resp.status)
        self.converged_members(gid, 1, RANDOM['type'])
        c.webhooks.delete(gid, down, hook)
        self.assertEqual([], c.webhooks.list(gid, down))
        self.assertRaises(as_exc.NotFound, as_client.execute_webhook,
                          hook.url)
        c.policies.delete(gid, up)
        self.assertRaises(as_exc.NotFound, c.policies.get, gid, up.id)
        self.assertEqual([down.id], [p.id for p in c.policies.list(gid)])

        # both engines answer: rejected decisions (cheap: nothing to
        # converge) through the webhook route (one RPC each) and the
        # policy route, spread over the engines by RabbitMQ
        floor = c.policies.create(gid, name='floor', scaling_adjustment=-5,
                                  adjustment_type='change_in_capacity',
                                  cooldown=0)
        floor_hook = c.webhooks.create(gid, floor)
        c.groups.update(gid, min_size=1)
        for _ in range(4):
            self.assertFalse(c.policies.execute(gid, floor).accepted)
            self.assertFalse(
                as_client.execute_webhook(floor_hook.url).accepted)

        # activities: newest first, every decision of this test, made by
        # both engines; one by id
        activities = list(c.activities.list(gid, limit=4))
        ids = [a.id for a in activities]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertIn(decision.activity_id, ids)
        self.assertIn(rejected.activity_id, ids)
        self.assertLess(ids.index(decision.activity_id),
                        ids.index(rejected.activity_id))
        engines = set(self.cluster.engine_ids())
        self.assertEqual(2, len(engines))
        self.assertEqual(engines, {a.engine_id for a in activities})
        one = c.activities.get(gid, rejected.activity_id)
        self.assertEqual(('REJECTED', up.id), (one.status, one.policy_id))

        # converge (nothing to do: stays ACTIVE), delete with If-Match
        self.assertIsInstance(c.groups.converge(gid), models.Group)
        current = self.wait_group(gid)
        self.assertRaises(as_exc.PreconditionFailed, c.groups.delete, gid,
                          if_match=current.version - 1)
        c.groups.delete(gid, if_match=current)
        c.groups.wait_for_delete(gid, timeout=WAIT, interval=0.1)
        self.assertEqual([], list(c.groups.list()))
        self.assertEqual(0, self.q("SELECT COUNT(*) FROM DB.scaling_member "
                                   "WHERE group_id = '%s'" % gid)[0][0])
        self.assertEqual(0, self.q("SELECT COUNT(*) FROM DB.resource "
                                   "WHERE stack_id = '%s'" % gid)[0][0])

    def test_provider_template_and_a_dead_engine(self):
        c = self.client
        group = c.groups.create(
            name='nested', min_size=0, max_size=10, desired_capacity=2,
            cooldown=0, resource={'type': 'member.yaml',
                                  'properties': {'length': 10}},
            files={'member.yaml': PROVIDER})
        gid = group.id
        self.converged_members(group, 2, 'member.yaml')
        # each member is a nested stack of the member stack holding a
        # RandomString of the given length
        nested = self.q("SELECT s.id FROM DB.stack s JOIN DB.resource r "
                        "ON r.nova_instance = s.id WHERE r.stack_id = '%s' "
                        "AND s.deleted_at IS NULL" % gid)
        self.assertEqual(2, len(nested))
        for (stack_id,) in nested:
            self.assertEqual(
                [('secret', 'OS::Heat::RandomString', 'COMPLETE')],
                list(self.q("SELECT name, type, status FROM DB.resource "
                            "WHERE stack_id = '%s'" % stack_id)))
        up = c.policies.create(gid, name='up', scaling_adjustment=1,
                               adjustment_type='change_in_capacity',
                               cooldown=0)

        # kill -9 the engine that last held the group's lease (else the
        # first); the survivor decides and converges
        engines = self.cluster.engine_ids()
        self.assertEqual(2, len(engines))
        holder = self.q("SELECT lease_engine_id FROM DB.scaling_group "
                        "WHERE id = '%s'" % gid)[0][0]
        victim = holder if holder in engines else sorted(engines)[0]
        survivor = [e for e in engines if e != victim][0]
        engines[victim].proc.send_signal(signal.SIGKILL)
        engines[victim].proc.wait(30)

        decisions = [c.policies.execute(gid, up,
                                        idempotency_key=uuid.uuid4().hex)
                     for _ in range(2)]
        for d in decisions:
            self.assertTrue(d.accepted, d.reason)
            self.assertEqual(survivor,
                             c.activities.get(gid, d.activity_id).engine_id)
        self.assertEqual([(2, 3), (3, 4)], [(d.from_capacity, d.to_capacity)
                                            for d in decisions])
        self.converged_members(gid, 4, 'member.yaml')
        self.assertEqual(4, len(self.q(
            "SELECT s.id FROM DB.stack s JOIN DB.resource r ON "
            "r.nova_instance = s.id WHERE r.stack_id = '%s' AND "
            "s.deleted_at IS NULL" % gid)))
