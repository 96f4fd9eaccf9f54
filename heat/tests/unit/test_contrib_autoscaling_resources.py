"""contrib/heat-autoscaling-resources in this engine: a stack made only of
``OS::AutoScaling::Group``, ``Policy`` and ``Webhook`` on a real heat-all
serving both APIs, the plug-in reaching the Auto-Scaling API over HTTP
(``[clients_autoscaling] endpoint``) and loaded through its
``heat.resource_plugins`` entry point.

Create, scale through the webhook URL and by a signal of the policy,
update (bounds, and the member definition: a rolling replacement),
suspend/resume, check and delete, with the group checked through the
Auto-Scaling API and the members' outputs through the stack; and bad
input (min > max, an unknown member type, a policy on a missing group)
failing the stack with the API's message and leaving no group behind.
"""

import time
import urllib.request
import uuid

import requests
import testtools
from heat_autoscalingclient import client as as_client
from heat_autoscalingclient import exceptions as as_exc
from heat_autoscalingclient.tests import server as server_mod

WAIT = 120

MEMBER_TEMPLATE = """
heat_template_version: 2018-08-31
parameters:
  prefix: {type: string}
resources:
  rand:
    type: OS::Heat::RandomString
    properties: {length: 8}
outputs:
  value:
    value: {list_join: ['-', [{get_param: prefix}, {get_attr: [rand, value]}]]}
"""


#: the second member definition's template: a longer random part
MEMBER_TEMPLATE_V2 = MEMBER_TEMPLATE.replace('length: 8', 'length: 10')
FILES = {'member.yaml': MEMBER_TEMPLATE, 'member_v2.yaml': MEMBER_TEMPLATE_V2}


def stack_template(min_size=1, max_size=4, desired=2, prefix='a',
                   member_type='member.yaml', policy_group=None,
                   with_group=True):
    resources = {}
    if with_group:
        resources['group'] = {
            'type': 'OS::AutoScaling::Group',
            'properties': {
                'min_size': min_size, 'max_size': max_size,
                'cooldown': 0,
                'resource': {'type': member_type,
                             'properties': {'prefix': prefix}},
                'rolling_updates': {'max_batch_size': 1,
                                    'min_in_service': 1},
            }}
        if desired is not None:
            resources['group']['properties']['desired_capacity'] = desired
    resources['up'] = {
        'type': 'OS::AutoScaling::Policy',
        'properties': {
            'group': policy_group or {'get_resource': 'group'},
            'adjustment_type': 'change_in_capacity',
            'scaling_adjustment': 1, 'cooldown': 0}}
    resources['hook'] = {
        'type': 'OS::AutoScaling::Webhook',
        'properties': {'policy': {'get_resource': 'up'}}}
    outputs = {'url': {'value': {'get_attr': ['hook', 'url']}},
               'execute_url': {'value': {'get_attr': ['up', 'execute_url']}}}
    if with_group:
        outputs.update({
            'group_id': {'value': {'get_resource': 'group'}},
            'size': {'value': {'get_attr': ['group', 'current_size']}},
            'values': {'value': {'get_attr': ['group', 'outputs',
                                              'value']}},
            'values_list': {'value': {'get_attr': ['group', 'outputs_list',
                                                   'value']}},
        })
    return {'heat_template_version': '2018-08-31',
            'resources': resources, 'outputs': outputs}


class _Server:
    """One heat-all per test process, configured with the plug-in's
    endpoint option pointing at itself."""

    server = None

    @classmethod
    def get(cls):
        if cls.server is None or cls.server.proc.poll() is not None:
            port = server_mod.free_port()
            config = ('[clients_autoscaling]\n'
                      'endpoint = http://127.0.0.1:%d/autoscaling/v1/'
                      '%%(project_id)s\n' % port)
            import atexit
            cls.server = server_mod.HeatAll(port=port,
                                            config=config).start()
            atexit.register(cls.server.stop)
        return cls.server


class PluginStackTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        try:
            import heat_autoscaling_resources  # noqa: F401
        except ImportError:
            self.skipTest('heat-autoscaling-resources is not installed '
                          '(make installs it from contrib/)')
        self.server = _Server.get()
        self.project = server_mod.new_project()
        self.orch = '%s/v1/%s' % (self.server.base, self.project)
        self.client = as_client.Client(
            endpoint_override=self.server.endpoint(self.project))

    # -- the Orchestration API -------------------------------------------

    def _check(self, resp):
        if resp.status_code >= 400:
            raise AssertionError('%s %s: %s %s\nheat-all log:\n%s' % (
                resp.request.method, resp.url, resp.status_code,
                resp.text[:2000], self.server.log_tail()))
        return resp

    def create_stack(self, template, name=None, parameters=None):
        name = name or 's-%s' % uuid.uuid4().hex[:8]
        body = {'stack_name': name, 'template': template,
                'files': FILES, 'parameters': parameters or {}}
        resp = self._check(requests.post(self.orch + '/stacks', json=body,
                                         timeout=30))
        return name, resp.json()['stack']['id']

    def stack(self, name, sid):
        return self._check(requests.get(
            '%s/stacks/%s/%s' % (self.orch, name, sid),
            timeout=30)).json()['stack']

    def wait_stack(self, name, sid, action, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while True:
            stk = self.stack(name, sid)
            status = stk['stack_status']
            if status != '%s_IN_PROGRESS' % action:
                return stk
            if time.monotonic() > deadline:
                self.fail('stack %s still %s after %ss' % (name, status,
                                                           timeout))
            time.sleep(0.2)

    def outputs(self, stk):
        return {o['output_key']: o.get('output_value')
                for o in stk.get('outputs') or ()}

    def stack_action(self, name, sid, action):
        self._check(requests.post(
            '%s/stacks/%s/%s/actions' % (self.orch, name, sid),
            json={action: None}, timeout=30))

    def update_stack(self, name, sid, template, parameters):
        self._check(requests.put(
            '%s/stacks/%s/%s' % (self.orch, name, sid),
            json={'template': template, 'parameters': parameters,
                  'files': FILES}, timeout=30))

    def delete_stack(self, name, sid):
        self._check(requests.delete(
            '%s/stacks/%s/%s' % (self.orch, name, sid), timeout=30))
        deadline = time.monotonic() + WAIT
        while True:
            resp = requests.get('%s/stacks/%s/%s' % (self.orch, name, sid),
                                timeout=30)
            if resp.status_code == 404 or \
                    resp.json()['stack']['stack_status'] != \
                    'DELETE_IN_PROGRESS':
                return resp
            if time.monotonic() > deadline:
                self.fail('stack %s not deleted after %ss' % (name, WAIT))
            time.sleep(0.2)

    def resource_events(self, name, sid, resource):
        return self._check(requests.get(
            '%s/stacks/%s/%s/resources/%s/events' % (
                self.orch, name, sid, resource),
            params={'sort_dir': 'asc'}, timeout=30)).json()['events']

    def wait_outputs(self, name, sid, predicate, what):
        deadline = time.monotonic() + WAIT
        while True:
            outs = self.outputs(self.stack(name, sid))
            if predicate(outs):
                return outs
            if time.monotonic() > deadline:
                self.fail('timed out waiting for %s: %s' % (what, outs))
            time.sleep(0.2)

    def assert_no_group(self):
        self.assertEqual([], list(self.client.groups.list()))


class TestPluginStackLifecycle(PluginStackTestCase):

    def test_create_scale_update_delete(self):
        name, sid = self.create_stack(stack_template())
        stk = self.wait_stack(name, sid, 'CREATE')
        self.assertEqual('CREATE_COMPLETE', stk['stack_status'],
                         stk['stack_status_reason'])
        outs = self.outputs(stk)
        gid = outs['group_id']

        # the group, through the Auto-Scaling API
        group = self.client.groups.get(gid)
        self.assertEqual((1, 4, 2, 2, 'ACTIVE'),
                         (group.min_size, group.max_size,
                          group.desired_capacity, group.current_size,
                          group.status))
        self.assertEqual('member.yaml', group.resource['type'])
        members = self.client.members.list(gid)
        self.assertEqual(2, len(members))
        # the members' outputs, through the stack
        self.assertEqual(2, outs['size'])
        self.assertEqual(sorted(m.name for m in members),
                         sorted(outs['values']))
        for value in outs['values'].values():
            self.assertRegex(value, r'^a-\w{8}$')
        self.assertEqual(sorted(outs['values'].values()),
                         sorted(outs['values_list']))
        policy_id = self.client.policies.list(gid)[0].id
        self.assertEqual(
            '%s/groups/%s/policies/%s/execute' % (
                self.server.endpoint(self.project), gid, policy_id),
            outs['execute_url'])

        # scale out through the webhook's capability URL (no token)
        url = outs['url']
        self.assertIn('/autoscaling/', url)
        decision = as_client.execute_webhook(url)
        self.assertTrue(decision.accepted, decision.reason)
        self.assertEqual((2, 3), (decision.from_capacity,
                                  decision.to_capacity))
        self.client.groups.wait(gid, timeout=WAIT, interval=0.2, capacity=3)
        outs = self.wait_outputs(name, sid, lambda o: o['size'] == 3,
                                 'three members in the outputs')
        self.assertEqual(3, len(outs['values']))

        # scale out by a signal of the policy: the decision is the reason
        # of the SIGNAL event
        self._check(requests.post(
            '%s/stacks/%s/%s/resources/up/signal' % (self.orch, name, sid),
            json={}, timeout=30))
        self.client.groups.wait(gid, timeout=WAIT, interval=0.2, capacity=4)
        signals = [e for e in self.resource_events(name, sid, 'up')
                   if e['resource_status'].startswith('SIGNAL_')]
        self.assertEqual(1, len(signals))
        self.assertIn('3', signals[0]['resource_status_reason'])
        self.assertIn('4', signals[0]['resource_status_reason'])
        self.assertTrue(signals[0]['resource_status_reason'].startswith(
            'Signal: '), signals[0]['resource_status_reason'])
        # at max_size: the next is refused, and the reason says so
        decision = as_client.execute_webhook(url)
        self.assertFalse(decision.accepted)
        before = {m.name: (m.generation, m.physical_resource_id)
                  for m in self.client.members.list(gid)}
        self.assertEqual(4, len(before))

        # update: bounds in place, and a new member definition (another
        # provider template) replaces every member in rolling batches
        self.update_stack(name, sid, stack_template(
            max_size=6, prefix='b', member_type='member_v2.yaml'), {})
        stk = self.wait_stack(name, sid, 'UPDATE', timeout=WAIT * 2)
        self.assertEqual('UPDATE_COMPLETE', stk['stack_status'],
                         stk['stack_status_reason'])
        outs = self.outputs(stk)
        self.assertEqual(gid, outs['group_id'], 'group replaced, not updated')
        group = self.client.groups.get(gid)
        self.assertEqual((1, 6, 4), (group.min_size, group.max_size,
                                     group.current_size))
        self.assertEqual(('member_v2.yaml', {'prefix': 'b'}),
                         (group.resource['type'],
                          group.resource['properties']))
        after = {m.name: (m.generation, m.physical_resource_id)
                 for m in self.client.members.list(gid)}
        self.assertEqual(4, len(after))
        # replaced under the same member names (as upstream's rolling
        # update keeps them): a new generation, new resources
        self.assertEqual(set(before), set(after))
        for member, (generation, physical) in after.items():
            self.assertGreater(generation, before[member][0], member)
            self.assertNotEqual(before[member][1], physical, member)
        self.assertEqual(set(after), set(outs['values']))
        for value in outs['values'].values():
            self.assertRegex(value, r'^b-\w{10}$')

        # suspend / resume / check reach the group
        self.stack_action(name, sid, 'suspend')
        stk = self.wait_stack(name, sid, 'SUSPEND')
        self.assertEqual('SUSPEND_COMPLETE', stk['stack_status'],
                         stk['stack_status_reason'])
        self.assertTrue(self.client.groups.get(gid).suspended)
        decision = as_client.execute_webhook(url)
        self.assertFalse(decision.accepted)
        self.stack_action(name, sid, 'resume')
        stk = self.wait_stack(name, sid, 'RESUME')
        self.assertEqual('RESUME_COMPLETE', stk['stack_status'],
                         stk['stack_status_reason'])
        self.assertFalse(self.client.groups.get(gid).suspended)
        self.stack_action(name, sid, 'check')
        stk = self.wait_stack(name, sid, 'CHECK')
        self.assertEqual('CHECK_COMPLETE', stk['stack_status'],
                         stk['stack_status_reason'])

        # delete: the stack is gone once the group is
        resp = self.delete_stack(name, sid)
        if resp.status_code != 404:
            self.assertEqual('DELETE_COMPLETE',
                             resp.json()['stack']['stack_status'])
        self.assertRaises(as_exc.NotFound, self.client.groups.get, gid)
        self.assert_no_group()
        # the webhook went with its policy
        req = urllib.request.Request(url, data=b'{}', method='POST',
                                     headers={'Content-Type':
                                              'application/json'})
        try:
            urllib.request.urlopen(req, timeout=30)
            self.fail('the deleted webhook still answers')
        except urllib.error.HTTPError as exc:
            self.assertEqual(404, exc.code)


class TestPluginBadInput(PluginStackTestCase):

    def assert_create_fails(self, template, *expected):
        name, sid = self.create_stack(template)
        stk = self.wait_stack(name, sid, 'CREATE')
        self.assertEqual('CREATE_FAILED', stk['stack_status'])
        for text in expected:
            self.assertIn(text, stk['stack_status_reason'])
        return stk

    def test_min_above_max(self):
        # the API's own message, naming the value and where it is
        self.assert_create_fails(
            stack_template(min_size=5, max_size=2, desired=None),
            'min_size: 5 is greater than max_size 2', 'HTTP 400')
        self.assert_no_group()

    def test_unknown_member_type(self):
        self.assert_create_fails(stack_template(member_type='OS::No::Such'),
                                 'OS::No::Such')
        self.assert_no_group()

    def test_policy_on_missing_group(self):
        missing = str(uuid.uuid4())
        self.assert_create_fails(
            stack_template(with_group=False, policy_group=missing), missing)
        self.assert_no_group()


class TestPluginScheduledPolicy(PluginStackTestCase):
    """The policy type takes every kind the API offers: ``scheduled``
    too."""

    def template(self, policy_props):
        tmpl = stack_template()
        tmpl['resources'] = {'group': tmpl['resources']['group'],
                             'nightly': {'type': 'OS::AutoScaling::Policy',
                                         'properties': dict(
                                             policy_props,
                                             group={'get_resource':
                                                    'group'})}}
        tmpl['outputs'] = {
            'next': {'value': {'get_attr': ['nightly', 'next_run_at']}},
            'group_id': {'value': {'get_resource': 'group'}}}
        return tmpl

    def test_scheduled_policy(self):
        name, sid = self.create_stack(self.template({
            'kind': 'scheduled',
            'schedule': {'recurrence': '0 3 * * *',
                         'time_zone': 'Europe/Paris',
                         'desired_capacity': 3, 'max_size': 5}}))
        stk = self.wait_stack(name, sid, 'CREATE')
        self.assertEqual('CREATE_COMPLETE', stk['stack_status'],
                         stk['stack_status_reason'])
        outs = self.outputs(stk)
        # 03:00 in Paris is 01:00 or 02:00 UTC
        self.assertRegex(outs['next'], r'T0[12]:00:00')
        policy = self.client.policies.list(outs['group_id'])[0]
        self.assertEqual('scheduled', policy.kind)
        self.assertEqual('0 3 * * *',
                         policy.to_dict()['schedule']['recurrence'])
        # a signal applies the action now
        self._check(requests.post(
            '%s/stacks/%s/%s/resources/nightly/signal' % (
                self.orch, name, sid), json={}, timeout=30))
        group = self.client.groups.wait(outs['group_id'], timeout=WAIT,
                                        interval=0.2, capacity=3)
        self.assertEqual((3, 5), (group.desired_capacity, group.max_size))
        self.delete_stack(name, sid)

    def test_kind_and_properties_must_agree(self):
        for props, where, what in (
                ({'kind': 'scheduled'}, 'schedule',
                 'a scheduled policy needs a schedule'),
                ({'kind': 'scheduled', 'scaling_adjustment': 1,
                  'schedule': {'at': '2099-01-01T00:00:00Z',
                               'desired_capacity': 1}},
                 'scaling_adjustment', 'not allowed with kind scheduled'),
                ({'adjustment_type': 'change_in_capacity'},
                 'scaling_adjustment', 'required by a simple policy')):
            resp = requests.post(self.orch + '/stacks', json={
                'stack_name': 's-%s' % uuid.uuid4().hex[:6],
                'template': self.template(props), 'files': FILES},
                timeout=30)
            self.assertEqual(400, resp.status_code, resp.text)
            self.assertIn('resources.nightly.properties.%s: %s'
                          % (where, what), resp.text)
        self.assert_no_group()


class TestPluginRegistered(PluginStackTestCase):

    def test_types_listed_and_shown(self):
        types = self._check(requests.get(
            self.orch + '/resource_types', timeout=30)).json()
        names = types['resource_types']
        for name in ('OS::AutoScaling::Group', 'OS::AutoScaling::Policy',
                     'OS::AutoScaling::Webhook'):
            self.assertIn(name, names)
        shown = self._check(requests.get(
            self.orch + '/resource_types/OS::AutoScaling::Group',
            timeout=30)).json()
        self.assertEqual(['desired_capacity', 'max_size', 'min_size'],
                         sorted(k for k in shown['properties']
                                if k.endswith(('_size', '_capacity'))))
        self.assertIn('outputs', shown['attributes'])
        self.assertTrue(shown['properties']['resource']['update_allowed'])
        self.assertEqual(
            ['max_size', 'min_size', 'resource'],
            sorted(k for k, v in shown['properties'].items()
                   if v.get('required')))


class TestEndpointAndCredentials(testtools.TestCase):
    """Where the plug-in's client sends requests, and with what."""

    def setUp(self):
        super().setUp()
        try:
            from heat_autoscaling_resources import _client
        except ImportError:
            self.skipTest('heat-autoscaling-resources is not installed')
        from oslo_config import cfg
        self._client = _client
        self.conf = cfg.CONF
        self.addCleanup(self.conf.clear_override, 'endpoint',
                        group=_client.GROUP)

    def context(self, **values):
        class Context:
            pass
        ctx = Context()
        for key in ('project_id', 'auth_token', 'trust_id', 'password',
                    'region_name'):
            setattr(ctx, key, values.get(key))
        if 'clients' in values:
            ctx.clients = values['clients']
        return ctx

    def set_endpoint(self, url):
        self.conf.set_override('endpoint', url, group=self._client.GROUP)

    def test_configured_endpoint_without_credentials_sends_no_token(self):
        self.set_endpoint('http://as.example:8004/autoscaling/v1/'
                          '%(project_id)s')
        client = self._client.make_client(self.context(project_id='p1'))
        self.assertEqual('http://as.example:8004/autoscaling/v1/p1',
                         client.endpoint)
        from keystoneauth1 import noauth
        self.assertIsInstance(client.session.auth, noauth.NoAuth)

    def test_credentials_use_the_engine_session(self):
        from keystoneauth1 import session as ks_session
        engine_session = ks_session.Session()

        class Connection:
            session = engine_session

        class Clients:
            connection = Connection()

        self.set_endpoint('http://as.example/autoscaling/v1/'
                          '%(tenant_id)s')
        ctx = self.context(project_id='p2', trust_id='t',
                           clients=Clients())
        client = self._client.make_client(ctx)
        self.assertIs(engine_session, client.session)
        self.assertEqual('http://as.example/autoscaling/v1/p2',
                         client.endpoint)

    def test_upstream_context_session(self):
        from keystoneauth1 import session as ks_session
        upstream_session = ks_session.Session()

        class UpstreamContext:
            auth_token = 'tok'
            project_id = 'p3'
            region_name = None

            @property
            def keystone_session(self):
                return upstream_session

        self.set_endpoint(None)
        client = self._client.make_client(UpstreamContext())
        self.assertIs(upstream_session, client.session)
        self.assertEqual('autoscaling', client.adapter.service_type)
        self.assertEqual('public', client.adapter.interface)

    def test_no_endpoint_and_no_credentials(self):
        self.set_endpoint(None)
        err = self.assertRaises(self._client.NoEndpoint,
                                self._client.make_client,
                                self.context(project_id='p4'))
        self.assertIn('[clients_autoscaling] endpoint', str(err))
