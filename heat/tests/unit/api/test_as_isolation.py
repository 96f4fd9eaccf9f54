"""Project isolation of auto-scaling: project p2, over REST and over
every AS RPC of the engine, cannot read, signal, resize or change p1's
scaling groups, policies, webhooks or activities; each call is denied
(not found, or 403 for a signature that is not p1's) and p1's state
(the rows of every table, its groups, policies, webhooks, activities and
events) is the same before and after."""

import urllib.parse

import sqlalchemy as sa

from heat.common import context as context_mod
from heat.common import signing
from heat.db import models
from heat.tests import engine_fixture
from heat.tests.unit.api import APITestCase

ASG_TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 5
      resource:
        type: OS::Heat::None
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: group}
      scaling_adjustment: 1
      cooldown: 0
'''

#: AS RPCs and how p2 calls each on p1's objects (``g`` a group id or
#: name, ``p`` a policy id or name, ``m`` a member name, ``w`` a webhook
#: id). execute_webhook, converge_scaling_group and the signal RPCs have
#: their own tests.
RPC_MATRIX = [
    ('update_scaling_group', lambda g, p, m, w: dict(group=g, max_size=9)),
    ('update_scaling_group',
     lambda g, p, m, w: dict(group=g, desired_capacity=3)),
    ('delete_scaling_group', lambda g, p, m, w: dict(group=g)),
    ('show_scaling_group', lambda g, p, m, w: dict(group=g)),
    ('show_scaling_group',
     lambda g, p, m, w: dict(group=g, with_members=True)),
    ('suspend_scaling_group', lambda g, p, m, w: dict(group=g)),
    ('resume_scaling_group', lambda g, p, m, w: dict(group=g)),
    ('create_scaling_policy', lambda g, p, m, w: dict(
        group=g, name='evil', adjustment_type='change_in_capacity',
        scaling_adjustment=1)),
    ('update_scaling_policy',
     lambda g, p, m, w: dict(policy=p, scaling_adjustment=4)),
    ('delete_scaling_policy', lambda g, p, m, w: dict(policy=p)),
    ('show_scaling_policy', lambda g, p, m, w: dict(policy=p)),
    ('list_scaling_policies', lambda g, p, m, w: dict(group=g)),
    ('execute_scaling_policy', lambda g, p, m, w: dict(policy=p)),
    ('execute_scaling_policy', lambda g, p, m, w: dict(
        policy=p, idempotency_key='k1', trigger='signal')),
    ('resize_scaling_group', lambda g, p, m, w: dict(group=g, capacity=4)),
    ('resize_scaling_group', lambda g, p, m, w: dict(group=g, adjustment=1)),
    ('create_webhook', lambda g, p, m, w: dict(policy=p, name='evil')),
    ('delete_webhook', lambda g, p, m, w: dict(webhook=w)),
    ('list_webhooks', lambda g, p, m, w: dict(policy=p)),
    ('list_scaling_activities', lambda g, p, m, w: dict(group=g)),
    ('remove_scaling_members', lambda g, p, m, w: dict(group=g,
                                                       members=[m])),
    ('remove_scaling_members',
     lambda g, p, m, w: dict(group=g, members=[m], replace=True)),
    ('mark_member_unhealthy', lambda g, p, m, w: dict(group=g, member=m)),
]

#: every AS RPC of the engine: the ones above plus those tested apart
AS_RPCS = {name for name, _ in RPC_MATRIX} | {
    'create_scaling_group', 'list_scaling_groups', 'execute_webhook',
    'converge_scaling_group', 'signed_resource_signal'}

TABLES = ('stack', 'resource', 'resource_data', 'event', 'scaling_group',
          'scaling_member', 'scaling_policy', 'scaling_webhook',
          'scaling_activity', 'scaling_trigger_receipt')


def ctx(project):
    return context_mod.RequestContext(project_id=project, user_id='u-' +
                                      project, roles=['member'])


class TestAutoScalingIsolation(APITestCase):
    """p1 owns a stack (AutoScalingGroup + ScalingPolicy) and a group
    made through the AS RPCs, with a policy and a webhook; p2 tries
    everything on them."""

    def setUp(self):
        super().setUp()
        self.serve_engine_on_rpc()
        self.p1, self.p2 = ctx('p1'), ctx('p2')

        self.sid = self.create('s1', template=ASG_TEMPLATE)
        res = self.request('GET', '/stacks/s1/%s/resources' % self.sid)
        ids = {r['resource_name']: r['physical_resource_id']
               for r in res.json['resources']}
        self.stack_group, self.stack_policy = ids['group'], ids['up']

        rpc_group = self.client.create_scaling_group(
            self.p1, 'rpc-group', 1, 4, {'type': 'OS::Heat::None'},
            desired_capacity=2)
        self.rpc_group = rpc_group['id']
        self.rpc_policy = self.client.create_scaling_policy(
            self.p1, self.rpc_group, 'rpc-up', 'change_in_capacity', 1,
            cooldown=0)['id']
        self.webhook = self.client.create_webhook(self.p1, self.rpc_policy,
                                                  name='hook')
        self.wait_converged(self.rpc_group)
        self.wait_converged(self.stack_group)
        # a decision, so that p1 has activities to hide
        self.client.execute_scaling_policy(self.p1, self.rpc_policy)
        self.wait_converged(self.rpc_group)

    def wait_converged(self, group):
        import time
        deadline = time.monotonic() + engine_fixture.WAIT
        while time.monotonic() < deadline:
            g = self.client.show_scaling_group(self.p1, group)
            if g['converged']:
                return g
            time.sleep(0.05)
        self.fail('group %s did not converge: %s' % (group, g))

    # -- p1's state ------------------------------------------------------

    def rows(self):
        dump = {}
        meta = models.Base.metadata
        with self.engine.connect() as conn:
            for name in TABLES:
                table = meta.tables[name]
                dump[name] = sorted(
                    repr(tuple(row)) for row in conn.execute(
                        sa.select(table)))
        return dump

    def state(self):
        """p1's view of everything, and every row of the tables."""
        view = {}
        for group in (self.stack_group, self.rpc_group):
            view[group] = (
                self.client.show_scaling_group(self.p1, group,
                                               with_members=True),
                self.client.list_scaling_policies(self.p1, group),
                self.client.list_scaling_activities(self.p1, group))
        for policy in (self.stack_policy, self.rpc_policy):
            view[policy] = self.client.list_webhooks(self.p1, policy)
        view['groups'] = self.client.list_scaling_groups(self.p1)
        view['events'] = self.request(
            'GET', '/stacks/s1/%s/events' % self.sid).json['events']
        return view, self.rows()

    def members(self, group):
        return [m['name'] for m in self.client.show_scaling_group(
            self.p1, group, with_members=True)['members']]

    def assertDenied(self, call, what, allowed=('EntityNotFound',)):
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - its type is the answer
            name = type(exc).__name__
            if name.endswith('_Remote'):
                name = name[:-len('_Remote')]
            self.assertIn(name, allowed, '%s: %s' % (what, exc))
            return exc
        self.fail('%s was allowed: %r' % (what, result))

    # -- tests -----------------------------------------------------------

    def test_every_as_rpc_is_in_the_matrix(self):
        from heat.rpc import client as rpc_client
        self.assertEqual(set(rpc_client.AS_METHODS) - {'resource_signal'},
                         AS_RPCS)

    def test_p2_is_denied_every_rpc_by_id_and_by_name(self):
        before = self.state()
        targets = [
            (self.stack_group, self.stack_policy),
            (self.rpc_group, self.rpc_policy),
            ('rpc-group', 'rpc-up'),
        ]
        for group, policy in targets:
            member = self.members(group if group != 'rpc-group'
                                  else self.rpc_group)[0]
            for name, kwargs in RPC_MATRIX:
                args = kwargs(group, policy, member, self.webhook['id'])
                self.assertDenied(
                    lambda n=name, a=args: getattr(self.client, n)(
                        self.p2, **a),
                    '%s(%s)' % (name, args))
        self.assertEqual(before, self.state())

    def test_p2_lists_nothing_of_p1(self):
        self.assertEqual([], self.client.list_scaling_groups(self.p2))
        self.assertEqual([], self.client.list_scaling_groups(
            self.p2, stack_identity={'tenant': 'p1', 'stack_name': 's1',
                                     'stack_id': self.sid, 'path': ''}))
        # p2's own group and policy list only p2's things
        mine = self.client.create_scaling_group(
            self.p2, 'rpc-group', 0, 2, {'type': 'OS::Heat::None'})
        self.assertEqual([mine['id']], [
            g['id'] for g in self.client.list_scaling_groups(self.p2)])
        self.assertEqual([], self.client.list_scaling_policies(
            self.p2, 'rpc-group'))
        activities = self.client.list_scaling_activities(self.p2,
                                                         'rpc-group')
        self.assertNotIn(self.rpc_group, [a['group_id'] for a in activities])
        p1_activities = {a['id'] for a in self.client.list_scaling_activities(
            self.p1, self.rpc_group)}
        self.assertTrue(p1_activities)
        self.assertFalse(p1_activities & {a['id'] for a in activities})

    def test_p2_cannot_converge_p1s_group(self):
        before = self.state()
        self.assertDenied(
            lambda: self.engine_svc.converge_scaling_group(
                self.p2, self.rpc_group), 'converge_scaling_group')
        # the cast as any caller sends it: nothing happens either
        self.client.converge_scaling_group(self.p2, self.stack_group)
        self.assertEqual(before, self.state())

    def test_webhook_needs_the_token_not_the_project(self):
        before = self.state()
        for token in (self.webhook['id'], self.webhook['id'] + 'x',
                      'x' * 43, ''):
            self.assertDenied(
                lambda t=token: self.client.execute_webhook(self.p2, t),
                'execute_webhook(%r)' % token)
            resp = self.post_anonymous('/v1/webhooks/%s' % token)
            self.assertIn(resp.status_code, (404, 405), resp.text)
        self.assertEqual(before, self.state())

    def test_p2_cannot_signal_p1s_policy_over_the_stack_rpcs(self):
        before = self.state()
        identity = {'tenant': 'p1', 'stack_name': 's1',
                    'stack_id': self.sid, 'path': ''}
        self.assertDenied(
            lambda: self.client.resource_signal(self.p2, identity, 'up',
                                                {'x': 1}),
            'resource_signal', ('EntityNotFound', 'StackNotFound',
                                'InvalidTenant', 'Forbidden'))
        self.assertDenied(
            lambda: self.client.describe_stack_resource(self.p2, identity,
                                                        'up'),
            'describe_stack_resource', ('EntityNotFound', 'StackNotFound',
                                        'InvalidTenant', 'Forbidden'))
        self.assertEqual(before, self.state())

    def test_p2_cannot_signal_p1s_policy_over_rest(self):
        before = self.state()
        base = '/stacks/s1/%s/resources/up' % self.sid
        for method, path, body in [
                ('POST', base + '/signal', {'x': 1}),
                ('GET', base, None),
                ('GET', base + '?with_attr=alarm_url', None),
                ('GET', base + '/metadata', None),
                ('PATCH', base, {'mark_unhealthy': True}),
                ('GET', '/stacks/s1/%s/resources/group' % self.sid, None),
                ('GET', '/stacks/s1/%s/events' % self.sid, None)]:
            resp = self.request(method, path, body, project='p2')
            self.assertError(resp, 404)
        self.assertEqual(before, self.state())

    def alarm_url(self, project, sid, resource='up'):
        res = self.request('GET', '/stacks/s1/%s/resources/%s'
                           '?with_attr=alarm_url' % (sid, resource),
                           project=project).json['resource']
        return res['attributes']['alarm_url']

    def post_anonymous(self, url):
        import webob
        parts = urllib.parse.urlsplit(url)
        req = webob.Request.blank(parts.path + '?' + parts.query,
                                  method='POST')
        return req.get_response(self.app)

    def test_signed_signal_needs_p1s_signature(self):
        p2_sid = self.create('s1', template=ASG_TEMPLATE, project='p2')
        p1_url = self.alarm_url('p1', self.sid)
        p2_url = self.alarm_url('p2', p2_sid)
        before = self.state()
        p1_path = urllib.parse.urlsplit(p1_url).path
        p2_query = urllib.parse.urlsplit(p2_url).query
        p1_arn = urllib.parse.unquote(p1_path[len('/v1/signal/'):])
        # p1's arn with p2's signature, with a tampered one, with none,
        # and p1's arn signed afresh with p2's policy's own key
        forged = [p1_path + '?' + p2_query,
                  p1_url.replace('Signature=', 'Signature=A'),
                  p1_path + '?SignatureVersion=2']
        p2_access = urllib.parse.parse_qs(p2_query)['AWSAccessKeyId'][0]
        forged.append(signing.presigned_url(
            'POST', 'http://localhost', p1_path, p2_access, 'not-p1s'))
        # p1's stack named under p2's project in the arn
        forged.append(p1_url.replace('%3Ap1%3A', '%3Ap2%3A'))
        for url in forged:
            resp = self.post_anonymous(url)
            self.assertIn(resp.status_code, (403, 404), url)
            self.assertIn(resp.json['error']['type'],
                          ('InvalidSignature', 'EntityNotFound',
                           'StackNotFound', 'ResourceNotFound'), url)
        parts = urllib.parse.urlsplit(p1_url)
        params = [[k, v] for k, v in urllib.parse.parse_qsl(p2_query)]
        self.assertDenied(
            lambda: self.client.signed_resource_signal(
                self.p2, p1_arn, 'POST', parts.path, params, None),
            'signed_resource_signal', ('InvalidSignature',
                                       'EntityNotFound'))
        self.assertEqual(before, self.state())
        # the real URL still works: the denials were not a broken signal
        self.assertEqual(200, self.post_anonymous(p1_url).status_code)
        self.assertFalse(self.state() == before)

    def test_p2_same_names_are_p2s_own(self):
        mine = self.client.create_scaling_group(
            self.p2, 'rpc-group', 0, 2, {'type': 'OS::Heat::None'})
        self.assertNotEqual(self.rpc_group, mine['id'])
        self.assertEqual(mine['id'], self.client.show_scaling_group(
            self.p2, 'rpc-group')['id'])
        self.assertEqual(self.rpc_group, self.client.show_scaling_group(
            self.p1, 'rpc-group')['id'])
        # p2's id under p1's context: not found either way
        self.assertDenied(lambda: self.client.show_scaling_group(
            self.p1, mine['id']), 'p1 show of p2 group')
