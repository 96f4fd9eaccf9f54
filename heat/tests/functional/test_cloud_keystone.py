"""Keystone for real: ``auth_strategy = keystone`` against the test cloud.

``heat-api`` and a ``heat-engine`` (RabbitMQ, MariaDB) run behind
keystonemiddleware's ``auth_token`` on the test cloud's Keystone, with a
``heat`` service user as the ``[trustee]``. The ``demo`` user drives
python-heatclient with a real token:

- creating a stack makes a trust from ``demo`` to ``heat`` (Keystone
  lists it) and the group's servers boot in ``demo``'s project;
- the token is then revoked (as good as expired: Keystone refuses it,
  and so does heat-api), and a POST to the scale-up policy's pre-signed
  ``alarm_url`` still grows the group: the converger boots the server
  through the trust;
- ``other``'s token sees 404 for ``demo``'s stack and its resources;
- a fresh ``demo`` token deletes the stack: no server is left, and the
  trust is gone.

Skips with the reason when RabbitMQ, MariaDB or the cloud cannot start.
"""

import unittest
import urllib.request
import uuid

import fixtures
import testtools

from heat.tests import cloud_fixture
from heat.tests.functional import processes

TEMPLATE = '''
heat_template_version: 2016-10-14
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 3
      desired_capacity: 1
      cooldown: 0
      resource:
        type: OS::Nova::Server
        properties:
          flavor: mc.tiny
          image: tiny
          networks: [{network: mc-net}]
          metadata: {"metering.server_group": {get_param: "OS::stack_id"}}
  scale_up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: 1
      cooldown: 0
outputs:
  refs: {value: {get_attr: [asg, refs]}}
  alarm_url: {value: {get_attr: [scale_up, alarm_url]}}
'''

HEAT_USER = 'heat'
PASSWORD = 'secret'


class KeystoneTest(cloud_fixture.StackPolling, testtools.TestCase):

    cluster = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = processes.skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        from heat.tests.functional import minicloud
        cls.cloud = minicloud.ensure_up()
        cls.env = fixtures.EnvironmentVariable('OS_CLIENT_CONFIG_FILE',
                                               cls.cloud.clouds_yaml)
        cls.env.setUp()
        try:
            cls._heat_user()
            auth = cls.cloud.auth_url
            cls.cluster = processes.Cluster(engines=1, extra_conf=(
                '[DEFAULT]\n'
                'auth_strategy = keystone\n'
                '[keystone_authtoken]\n'
                'www_authenticate_uri = %(auth)s\n'
                'auth_url = %(auth)s\n'
                'auth_type = password\n'
                'username = %(user)s\n'
                'password = %(password)s\n'
                'project_name = service\n'
                'user_domain_name = Default\n'
                'project_domain_name = Default\n'
                # no cache: the revoked token is refused at once
                'token_cache_time = -1\n'
                '[trustee]\n'
                'auth_type = password\n'
                'auth_url = %(auth)s\n'
                'username = %(user)s\n'
                'password = %(password)s\n'
                'user_domain_name = Default\n'
                % {'auth': auth, 'user': HEAT_USER,
                   'password': PASSWORD})).start()
        except BaseException:
            cls.env.cleanUp()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.cluster is not None:
            cls.cluster.stop()
            cls.cluster = None
        cls.env.cleanUp()
        super().tearDownClass()

    @classmethod
    def _heat_user(cls):
        """The ``heat`` service user (admin in ``service``), once."""
        import openstack
        conn = openstack.connect(cloud=cls.cloud.admin_cloud_name)
        try:
            ident = conn.identity
            service = ident.find_project('service', ignore_missing=False)
            user = ident.find_user(HEAT_USER)
            if user is None:
                user = ident.create_user(name=HEAT_USER, password=PASSWORD,
                                         domain_id='default',
                                         default_project_id=service.id)
            admin = ident.find_role('admin', ignore_missing=False)
            ident.assign_project_role_to_user(service, user, admin)
            cls.heat_user_id = user.id
        finally:
            conn.close()

    # -- helpers -----------------------------------------------------------

    def session(self, cloud):
        import openstack
        conn = openstack.connect(cloud=cloud)
        self.addCleanup(conn.close)
        return conn

    def heat(self, conn):
        from heatclient import client as heat_client
        token = conn.session.get_token()
        project = conn.session.get_project_id()
        return heat_client.Client('1', endpoint=self.cluster.endpoint(
            project), token=token), token

    def servers(self, conn, stack_id):
        return {s.id: s.status for s in cloud_fixture.servers(conn)
                if (s.metadata or {}).get('metering.server_group') ==
                stack_id}

    def trusts(self, admin, trustor):
        return [t for t in admin.identity.trusts(
            trustor_user_id=trustor) if t.trustee_user_id ==
            self.heat_user_id]

    # -- the test ----------------------------------------------------------

    def test_trust_outlives_the_token(self):
        from heatclient import exc as heat_exc
        admin = self.session(self.cloud.admin_cloud_name)
        demo = self.session(self.cloud.demo_cloud_name)
        other = self.session(self.cloud.other_cloud_name)
        demo_user = demo.session.get_user_id()
        before = {t.id for t in self.trusts(admin, demo_user)}

        hc, token = self.heat(demo)
        created = hc.stacks.create(stack_name='ks-%s' % uuid.uuid4().hex[:6],
                                   template=TEMPLATE)
        stack_id = created['stack']['id']
        self.wait_status(hc, stack_id, 'CREATE_COMPLETE')
        # one trust from demo to heat, for this stack
        made = [t for t in self.trusts(admin, demo_user)
                if t.id not in before]
        self.assertEqual(1, len(made), made)
        self.assertEqual(demo.session.get_project_id(), made[0].project_id)
        self.poll('1 server of demo', lambda: list(
            self.servers(demo, stack_id).values()) == ['ACTIVE'])
        outputs = {o['output_key']: o['output_value']
                   for o in hc.stacks.get(stack_id).outputs}
        alarm_url = outputs['alarm_url']

        # another project's token: demo's stack does not exist for it
        hc_other, _ = self.heat(other)
        hc_other.http_client.endpoint = self.cluster.endpoint(
            demo.session.get_project_id())
        self.assertRaises(heat_exc.HTTPNotFound, hc_other.stacks.get,
                          stack_id)
        self.assertRaises(heat_exc.HTTPNotFound, hc_other.resources.list,
                          stack_id)

        # the user's token ends (revoked: what expiry does to it)
        admin.session.delete('/auth/tokens', headers={
            'X-Subject-Token': token}, endpoint_filter={
            'service_type': 'identity', 'interface': 'public'})
        self.assertRaises(heat_exc.HTTPUnauthorized, hc.stacks.get,
                          stack_id)

        # the alarm URL needs no token; the converger boots the server
        # through the trust
        req = urllib.request.Request(alarm_url, data=b'{}', method='POST',
                                     headers={'Content-Type':
                                              'application/json'})
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(200, resp.status)
        self.poll('2 servers of demo', lambda: sorted(
            self.servers(demo, stack_id).values()) == ['ACTIVE', 'ACTIVE'])

        # a fresh token deletes the stack: no server, no trust left
        demo2 = self.session(self.cloud.demo_cloud_name)
        hc2, _ = self.heat(demo2)
        hc2.stacks.delete(stack_id)

        def gone():
            try:
                stk = hc2.stacks.get(stack_id)
            except heat_exc.HTTPNotFound:
                return True
            if stk.stack_status == 'DELETE_FAILED':
                self.fail(stk.stack_status_reason)
            return stk.stack_status == 'DELETE_COMPLETE'
        self.poll('delete of %s' % stack_id, gone)
        self.assertEqual({}, self.servers(demo2, stack_id))
        self.assertEqual([], [t for t in self.trusts(admin, demo_user)
                              if t.id == made[0].id])
