"""A scaling stack behind the WSGI app, for the signal and signed-URL
fuzz tests: the group, its policies (``OS::Heat::ScalingPolicy`` and
``AWS::AutoScaling::ScalingPolicy``), wait condition handles, their
alarm URLs and a webhook; and the group state a request may change."""

import collections
import json
import types
import urllib.parse

import webob

from heat.common import context as context_mod
from heat.db import api as db_api
from heat.db import models
from heat.tests.unit import api as api_tests
from heat.tests.unit import fuzz

TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 3
      cooldown: 0
      resource:
        type: OS::Heat::None
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: group}
      scaling_adjustment: 1
      cooldown: 0
  down:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: group}
      scaling_adjustment: -1
      cooldown: 0
  aws_up:
    type: AWS::AutoScaling::ScalingPolicy
    properties:
      AdjustmentType: ChangeInCapacity
      AutoScalingGroupName: {get_resource: group}
      ScalingAdjustment: 1
      Cooldown: 0
  handle:
    type: OS::Heat::WaitConditionHandle
    properties:
      signal_transport: NO_SIGNAL
  token_handle:
    type: OS::Heat::WaitConditionHandle
'''

POLICIES = ('up', 'down', 'aws_up')
HANDLES = ('handle', 'token_handle')

#: the API's options here: the anonymous endpoints' rate limit (its
#: own tests are heat.tests.unit.api) off, every other one its default
NO_RATE_LIMIT = types.SimpleNamespace(anonymous_rate_limit=0,
                                      anonymous_client_rate_limit=0)

#: what a request may change of a group
GroupState = collections.namedtuple('GroupState',
                                    'desired version activities receipts')


class ScalingFuzzCase(api_tests.APITestCase, fuzz.FuzzAssertions):
    """One stack (:data:`TEMPLATE`) on a served engine, the API on the
    RPC client, as in production."""

    STACK = 'sc'

    def setUp(self):
        super().setUp()
        self.serve_engine_on_rpc(NO_RATE_LIMIT)
        self.ctx = context_mod.RequestContext(project_id=self.PROJECT,
                                              roles=['member'])
        self.sid = self.create(self.STACK, template=TEMPLATE)
        stack = self.request('GET', self.stack_path()).json['stack']
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'],
                         stack['stack_status_reason'])
        self.group_id = self.physical_id('group')
        self.policy_ids = {p: self.physical_id(p) for p in POLICIES}

    # -- the stack -------------------------------------------------------

    def stack_path(self, suffix=''):
        return '/stacks/%s/%s%s' % (self.STACK, self.sid, suffix)

    def physical_id(self, name):
        return self.request('GET', self.stack_path(
            '/resources/' + name)).json['resource']['physical_resource_id']

    def alarm_url(self, policy):
        attr = 'AlarmUrl' if policy.startswith('aws') else 'alarm_url'
        res = self.request('GET', self.stack_path(
            '/resources/%s?with_attr=%s' % (policy, attr))).json
        url = res['resource']['attributes'][attr]
        self.assertIn('Signature=', url)
        return url

    def create_webhook(self, policy='up'):
        hook = self.fx.client.create_webhook(self.ctx,
                                             self.policy_ids[policy])
        return hook['token']

    def metadata(self, handle):
        return self.request('GET', self.stack_path(
            '/resources/%s/metadata' % handle)).json['metadata']

    def group_state(self, group_id=None):
        group_id = group_id or self.group_id
        row = db_api.scaling_group_get(self.ctx, group_id, self.PROJECT)
        with db_api.reader(self.ctx) as session:
            acts = session.query(models.ScalingActivity).filter_by(
                group_id=group_id).count()
            receipts = session.query(
                models.ScalingTriggerReceipt).filter_by(
                group_id=group_id).count()
        return GroupState(row.desired_capacity, row.version, acts, receipts)

    # -- requests --------------------------------------------------------

    def post_url(self, url, raw=None, content_type='application/json',
                 headers=None, method='POST'):
        """``method`` the path and query of ``url`` (absolute or not)."""
        parts = urllib.parse.urlsplit(url)
        path = parts.path + ('?' + parts.query if parts.query else '')
        req = webob.Request.blank(path, method=method)
        if raw is not None:
            req.body = raw
            req.content_type = content_type
        for key, value in (headers or {}).items():
            req.headers[key] = value
        return req.get_response(self.app)

    # -- invariants ------------------------------------------------------

    def assertDecisionApplied(self, resp, before, after, what=''):
        """A request changed the group by what its answer says, once:

        - a 4xx, a 2xx without a decision (an alarm state asking for no
          scaling) or a repeat: nothing changed;
        - a new decision: one activity (and one receipt with a key);
          capacity and version changed only if it was accepted.
        """
        self.assertNot500(resp, what)
        body = None
        if resp.status_code < 300 and resp.body:
            body = json.loads(resp.body)
        if resp.status_code >= 300:
            self.assertClientError(resp, what)
        if not (isinstance(body, dict) and 'accepted' in body):
            self.assertEqual(before, after, '%s: %s' % (what, resp.text))
            return None
        if body['repeated']:
            self.assertEqual(before, after, what)
            return body
        self.assertEqual(before.activities + 1, after.activities, what)
        self.assertLessEqual(after.receipts - before.receipts, 1, what)
        if body['accepted']:
            self.assertEqual(body['desired'], after.desired, what)
            self.assertEqual(before.version + 1, after.version, what)
            self.assertLessEqual(abs(after.desired - before.desired), 1,
                                 what)
        else:
            self.assertEqual((before.desired, before.version),
                             (after.desired, after.version), what)
        return body
