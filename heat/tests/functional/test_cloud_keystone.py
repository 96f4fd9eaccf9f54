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

In-instance signals through stack domain users (``stack_user_domain_name
= heat``, ``stack_domain_admin``): a stack with a ``TOKEN_SIGNAL`` and a
``HEAT_SIGNAL`` wait condition handle and a server whose ``user_data``
carries the handle's ``curl_cli`` and the other's ``signal`` credentials.
Nova's fake driver runs no guest, so the test is the guest: it reads the
``user_data`` back from Nova and runs the real ``curl`` command, and signs
in with the credentials as os-collect-config would (python-heatclient on
a Keystone session). Both signals pass keystonemiddleware and complete
the stack; the stack user's token can do nothing else; deleting the stack
deletes the users and their project from Keystone.

Skips with the reason when RabbitMQ, MariaDB or the cloud cannot start.
"""

import base64
import json
import shlex
import subprocess
import unittest
import urllib.error
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

SIGNALS = '''
heat_template_version: 2016-10-14
resources:
  token_handle:
    type: OS::Heat::WaitConditionHandle
  heat_handle:
    type: OS::Heat::WaitConditionHandle
    properties: {signal_transport: HEAT_SIGNAL}
  server:
    type: OS::Nova::Server
    properties:
      flavor: mc.tiny
      image: tiny
      networks: [{network: mc-net}]
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            CURL_CLI --data-binary '{"status": "SUCCESS", "data": "by curl"}'
            # HEAT_SIGNAL CREDENTIALS
          params:
            CURL_CLI: {get_attr: [token_handle, curl_cli]}
            CREDENTIALS: {get_attr: [heat_handle, signal]}
  token_wait:
    type: OS::Heat::WaitCondition
    properties: {handle: {get_resource: token_handle}, timeout: 600}
  heat_wait:
    type: OS::Heat::WaitCondition
    properties: {handle: {get_resource: heat_handle}, timeout: 600}
outputs:
  token_data: {value: {get_attr: [token_wait, data]}}
  heat_data: {value: {get_attr: [heat_wait, data]}}
'''

HEAT_USER = 'heat'
PASSWORD = 'secret'
STACK_DOMAIN = 'heat'
DOMAIN_ADMIN = 'heat_domain_admin'


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
                '[DEFAULT]\n'
                'stack_user_domain_name = %(domain)s\n'
                'stack_domain_admin = %(domain_admin)s\n'
                'stack_domain_admin_password = %(password)s\n'
                % {'auth': auth, 'user': HEAT_USER,
                   'password': PASSWORD, 'domain': STACK_DOMAIN,
                   'domain_admin': DOMAIN_ADMIN})).start()
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
            # the stack user domain, its admin, the stack user role (as
            # an operator sets them up for upstream Heat)
            domain = (ident.find_domain(STACK_DOMAIN) or
                      ident.create_domain(name=STACK_DOMAIN))
            dadmin = ident.find_user(DOMAIN_ADMIN, domain_id=domain.id)
            if dadmin is None:
                dadmin = ident.create_user(name=DOMAIN_ADMIN,
                                           password=PASSWORD,
                                           domain_id=domain.id)
            ident.assign_domain_role_to_user(domain, dadmin, admin)
            if ident.find_role('heat_stack_user') is None:
                ident.create_role(name='heat_stack_user')
            cls.stack_domain_id = domain.id
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
        self.wait_deleted(hc2, stack_id)
        self.assertEqual({}, self.servers(demo2, stack_id))
        self.assertEqual([], [t for t in self.trusts(admin, demo_user)
                              if t.id == made[0].id])

    # -- in-instance signals -------------------------------------------------

    def domain_users(self, admin):
        return {u.id: u for u in admin.identity.users(
            domain_id=self.stack_domain_id)}

    def user_data(self, admin, server_id):
        """The server's user_data as Nova keeps it (what a guest's
        metadata service would serve)."""
        resp = admin.compute.get('/servers/%s' % server_id, headers={
            'OpenStack-API-Version': 'compute 2.3'})
        self.assertEqual(200, resp.status_code, resp.text)
        raw = resp.json()['server']['OS-EXT-SRV-ATTR:user_data']
        return base64.b64decode(raw).decode('utf-8')

    def test_in_instance_signals_through_stack_users(self):
        from heatclient import client as heat_client
        from heatclient import exc as heat_exc
        from keystoneauth1 import session as ks_session
        from keystoneauth1.identity import v3
        admin = self.session(self.cloud.admin_cloud_name)
        demo = self.session(self.cloud.demo_cloud_name)
        hc, _token = self.heat(demo)
        before = set(self.domain_users(admin))
        name = 'su-%s' % uuid.uuid4().hex[:6]
        created = hc.stacks.create(stack_name=name, template=SIGNALS)
        stack_id = created['stack']['id']

        # the guest: waits for its server, reads its user_data
        def server_id():
            stk = hc.stacks.get(stack_id)
            if stk.stack_status.endswith('FAILED'):
                self.fail(stk.stack_status_reason)
            res = hc.resources.get(stack_id, 'server')
            if res.resource_status == 'COMPLETE' or \
                    res.resource_status == 'CREATE_COMPLETE':
                return res.physical_resource_id
            return None
        self.poll('the server', server_id)
        script = self.user_data(admin, server_id()).splitlines()
        self.assertEqual('IN_PROGRESS', hc.stacks.get(
            stack_id).stack_status.split('_', 1)[1])

        # Keystone: two users of the stack user domain, in one project
        # made for the stack, with the stack user role only
        users = {i: u for i, u in self.domain_users(admin).items()
                 if i not in before}
        self.assertEqual(2, len(users), users)
        projects = {u.default_project_id for u in users.values()}
        self.assertEqual(1, len(projects), projects)
        project = admin.identity.get_project(projects.pop())
        self.assertEqual(self.stack_domain_id, project.domain_id)
        # upstream's name, cut to Keystone's 64 characters
        self.assertEqual(('%s-%s' % (demo.session.get_project_id(),
                                     stack_id))[:64], project.name)

        # TOKEN_SIGNAL: the real curl command of curl_cli
        curl = shlex.split(script[1])
        self.assertEqual('curl', curl[0])
        out = subprocess.run(curl + ['-sS', '--max-time', '30'],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertRegex(out.stdout, r'^HTTP/1\.[01] 200', out.stdout)

        # HEAT_SIGNAL: sign in as the stack user, signal with heatclient
        prefix = '# HEAT_SIGNAL '
        self.assertTrue(script[2].startswith(prefix), script[2])
        creds = json.loads(script[2][len(prefix):])
        self.assertEqual(project.id, creds['project_id'])
        self.assertEqual('heat_handle', creds['resource_name'])
        self.assertEqual('%s/%s' % (name, stack_id), creds['stack_id'])
        auth = v3.Password(auth_url=creds['auth_url'],
                           user_id=creds['user_id'],
                           password=creds['password'],
                           project_id=creds['project_id'])
        guest = heat_client.Client(
            '1', session=ks_session.Session(auth=auth),
            endpoint_override=self.cluster.endpoint(creds['project_id']))
        guest.resources.signal(creds['stack_id'], creds['resource_name'],
                               data={'status': 'SUCCESS',
                                     'data': 'by heatclient'})

        self.wait_status(hc, stack_id, 'CREATE_COMPLETE')
        outputs = {o['output_key']: o['output_value']
                   for o in hc.stacks.get(stack_id).outputs}
        self.assertEqual({'1': 'by curl'}, json.loads(outputs['token_data']))
        self.assertEqual({'1': 'by heatclient'},
                         json.loads(outputs['heat_data']))

        # the stack user reads its stack's resource metadata, and does
        # nothing else: no stack list, no other project's stacks
        self.assertEqual({}, guest.resources.metadata(
            creds['stack_id'], 'server') or {})
        self.assertRaises(heat_exc.HTTPForbidden, guest.stacks.list().
                          __next__)
        other = heat_client.Client(
            '1', session=ks_session.Session(auth=auth),
            endpoint_override=self.cluster.endpoint(
                demo.session.get_project_id()))
        self.assertRaises((heat_exc.HTTPUnauthorized,
                           heat_exc.HTTPForbidden, heat_exc.HTTPNotFound),
                          other.resources.signal, creds['stack_id'],
                          'heat_handle', data={})

        # deleting the stack deletes the users and their project
        hc.stacks.delete(stack_id)
        self.wait_deleted(hc, stack_id)
        self.assertEqual(set(), set(users) & set(self.domain_users(admin)))
        self.assertIsNone(admin.identity.find_project(
            project.id, domain_id=self.stack_domain_id))

    # -- the Auto-Scaling API behind keystonemiddleware --------------------

    def test_autoscaling_api_with_keystone_tokens(self):
        """``/autoscaling/v1`` through the same auth_token middleware and
        policy as ``/v1``: the client library with demo's Keystone
        session makes and scales a group; no token is a 401; other's
        token sees 404 for demo's group and changes nothing; the webhook
        URL needs no token."""
        from heat_autoscalingclient import client as as_client
        from heat_autoscalingclient import exceptions as as_exc
        demo = self.session(self.cloud.demo_cloud_name)
        other = self.session(self.cloud.other_cloud_name)
        project = demo.session.get_project_id()
        endpoint = 'http://127.0.0.1:%d/autoscaling/v1/%s' % (
            self.cluster.port, project)
        ac = as_client.Client(session=demo.session,
                              endpoint_override=endpoint)
        group = ac.groups.create(
            name='ks-%s' % uuid.uuid4().hex[:6], min_size=0, max_size=3,
            desired_capacity=1, cooldown=0,
            resource={'type': 'OS::Heat::RandomString'})
        self.addCleanup(self._delete_group, ac, group.id)
        policy = ac.policies.create(group.id, name='up',
                                    adjustment_type='change_in_capacity',
                                    scaling_adjustment=1)
        hook = ac.webhooks.create(group.id, policy.id)
        # no token: 401 in the error body, nothing else reached
        req = urllib.request.Request(endpoint + '/groups')
        try:
            urllib.request.urlopen(req, timeout=30)
            self.fail('a request without a token was served')
        except urllib.error.HTTPError as exc:
            self.assertEqual(401, exc.code)
        # another project's token, demo's project in the URL: refused by
        # the middleware's project check or the policy; with its own
        # project in the URL, demo's group does not exist
        intruder = as_client.Client(
            session=other.session, endpoint_override=endpoint.replace(
                project, other.session.get_project_id()))
        self.assertRaises(as_exc.NotFound, intruder.groups.get, group.id)
        self.assertRaises(as_exc.NotFound, intruder.policies.execute,
                          group.id, policy.id)
        # the capability URL needs no token
        decision = as_client.execute_webhook(hook.url)
        self.assertTrue(decision.accepted, decision)
        self.poll('2 members', lambda: ac.groups.get(
            group.id).current_size == 2)
        self.assertEqual(2, ac.groups.get(group.id).desired_capacity)

    # -- contrib/heat-autoscaling-resources through the catalog ------------

    PLUGIN_TEMPLATE = {
        'heat_template_version': '2018-08-31',
        'resources': {
            'group': {'type': 'OS::AutoScaling::Group', 'properties': {
                'min_size': 1, 'max_size': 3, 'desired_capacity': 1,
                'cooldown': 0,
                'resource': {'type': 'OS::Heat::RandomString',
                             'properties': {'length': 6}}}},
            'up': {'type': 'OS::AutoScaling::Policy', 'properties': {
                'group': {'get_resource': 'group'},
                'adjustment_type': 'change_in_capacity',
                'scaling_adjustment': 1, 'cooldown': 0}},
            'hook': {'type': 'OS::AutoScaling::Webhook', 'properties': {
                'policy': {'get_resource': 'up'}}},
        },
        'outputs': {
            'group_id': {'value': {'get_resource': 'group'}},
            'url': {'value': {'get_attr': ['hook', 'url']}},
            'values': {'value': {'get_attr': ['group', 'outputs',
                                              'value']}},
        },
    }

    def _catalog_autoscaling(self, admin):
        """The Auto-Scaling API in Keystone's catalog (service type
        ``autoscaling``), as an operator registers it; removed after."""
        ident = admin.identity
        service = ident.create_service(name='heat-as-%s' %
                                       uuid.uuid4().hex[:6],
                                       type='autoscaling')
        self.addCleanup(ident.delete_service, service, ignore_missing=True)
        endpoint = ident.create_endpoint(
            service_id=service.id, interface='public',
            region_id=self.cloud.region_name,
            url='http://127.0.0.1:%d/autoscaling/v1/$(project_id)s'
                % self.cluster.port)
        self.addCleanup(ident.delete_endpoint, endpoint,
                        ignore_missing=True)

    def test_autoscaling_resources_through_the_catalog(self):
        """A stack of OS::AutoScaling::* (the contrib plug-in, loaded by
        the engine through its entry point) with no endpoint option: the
        types find the API in the token's catalog and call it with the
        stack's credentials, the user's token at create, the stack's
        trust once that token is gone (a signal of the policy), and the
        group is the user's (its project's) in the API."""
        try:
            import heat_autoscaling_resources  # noqa: F401
        except ImportError:
            self.skipTest('heat-autoscaling-resources is not installed')
        from heat_autoscalingclient import client as as_client
        from heat_autoscalingclient import exceptions as as_exc
        admin = self.session(self.cloud.admin_cloud_name)
        self._catalog_autoscaling(admin)
        # a token issued after the registration carries it in its catalog
        demo = self.session(self.cloud.demo_cloud_name)
        project = demo.session.get_project_id()
        hc, token = self.heat(demo)
        created = hc.stacks.create(stack_name='asp-%s' % uuid.uuid4().hex[:6],
                                   template=json.dumps(self.PLUGIN_TEMPLATE))
        stack_id = created['stack']['id']
        self.wait_status(hc, stack_id, 'CREATE_COMPLETE')
        outputs = {o['output_key']: o['output_value']
                   for o in hc.stacks.get(stack_id).outputs}
        ac = as_client.Client(session=demo.session,
                              endpoint_override='http://127.0.0.1:%d/'
                              'autoscaling/v1/%s' % (self.cluster.port,
                                                     project))
        group = ac.groups.get(outputs['group_id'])
        self.assertEqual(project, group.project_id)
        self.assertEqual(1, group.current_size)
        self.assertEqual(1, len(outputs['values']))

        # the user's token ends; the webhook URL needs none
        admin.session.delete('/auth/tokens', headers={
            'X-Subject-Token': token}, endpoint_filter={
            'service_type': 'identity', 'interface': 'public'})
        decision = as_client.execute_webhook(outputs['url'])
        self.assertTrue(decision.accepted, decision)
        self.poll('2 members', lambda: ac.groups.get(
            group.id).current_size == 2)
        # a signal of the policy: the engine calls the API with the
        # stack's trust (the token that asked for the signal is not the
        # one the stored context holds)
        demo2 = self.session(self.cloud.demo_cloud_name)
        hc2, _ = self.heat(demo2)
        hc2.resources.signal(stack_id, 'up', data={})
        self.poll('3 members', lambda: ac.groups.get(
            group.id).current_size == 3)
        reasons = [e.resource_status_reason for e in hc2.events.list(
            stack_id, resource_name='up')
            if e.resource_status.startswith('SIGNAL')]
        self.assertTrue(reasons and reasons[-1].startswith('Signal: '),
                        reasons)

        hc2.stacks.delete(stack_id)
        self.wait_deleted(hc2, stack_id)
        ac2 = as_client.Client(session=demo2.session,
                               endpoint_override=ac.endpoint)
        self.assertRaises(as_exc.NotFound, ac2.groups.get, group.id)

    @staticmethod
    def _delete_group(ac, group_id):
        try:
            ac.groups.delete(group_id)
        except Exception:  # noqa: BLE001 - already gone
            pass
