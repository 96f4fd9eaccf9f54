"""Secrets at rest and in views: the signing secret of a scaling
policy's alarm_url is stored redacted in resource_data and returned by
no REST view; webhook tokens are stored only as their sha256; signed
URLs are checked with :func:`hmac.compare_digest`."""

import hashlib
import hmac
import json
import urllib.parse
from unittest import mock

import sqlalchemy as sa
import webob

from heat.common import context as context_mod
from heat.common import signing
from heat.db import api as db_api
from heat.db import models
from heat.tests.unit.api import APITestCase

TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 3
      resource:
        type: OS::Heat::None
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: group}
      scaling_adjustment: 1
      cooldown: 0
outputs:
  alarm_url:
    value: {get_attr: [up, alarm_url]}
  signal_url:
    value: {get_attr: [up, signal_url]}
'''


class TestSecretsAtRest(APITestCase):

    def setUp(self):
        super().setUp()
        self.serve_engine_on_rpc()
        self.ctx = context_mod.RequestContext(project_id='p1',
                                              roles=['member'])
        self.sid = self.create('s1', template=TEMPLATE)
        self.policy = self.request(
            'GET', '/stacks/s1/%s/resources/up' % self.sid).json[
            'resource']
        self.resource_id = self.row_id('up')
        self.secret = db_api.resource_data_get(self.ctx, self.resource_id,
                                               'secret_key')
        self.access = db_api.resource_data_get(self.ctx, self.resource_id,
                                               'access_key')

    def row_id(self, name):
        R = models.Resource
        with self.engine.connect() as conn:
            return conn.execute(sa.select(R.id).where(
                R.stack_id == self.sid, R.name == name)).scalar_one()

    def dump(self):
        """Every row of every table, as text."""
        out = {}
        with self.engine.connect() as conn:
            for table in models.Base.metadata.sorted_tables:
                out[table.name] = [
                    {k: v for k, v in row._mapping.items()}
                    for row in conn.execute(sa.select(table))]
        return out

    def test_secret_is_stored_redacted(self):
        self.assertTrue(self.secret)
        D = models.ResourceData
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(D.key, D.redact).where(
                D.resource_id == self.resource_id)).all()
        self.assertEqual({'access_key': True, 'secret_key': True},
                         {k: bool(r) for k, r in rows if k in (
                             'access_key', 'secret_key')})
        listed = db_api.resource_data_get_all(self.ctx, self.resource_id)
        self.assertEqual(db_api.REDACTED, listed['secret_key'])
        self.assertEqual(db_api.REDACTED, listed['access_key'])

    def test_secret_is_in_no_other_row(self):
        holders = []
        for table, rows in self.dump().items():
            for row in rows:
                if self.secret in repr(row):
                    holders.append((table, row.get('key')))
        self.assertEqual([('resource_data', 'secret_key')], holders)

    def views(self):
        s = '/stacks/s1/%s' % self.sid
        paths = [s, s + '/outputs', s + '/outputs/alarm_url',
                 s + '/template', s + '/environment', s + '/files',
                 s + '/resources', s + '/resources?with_detail=true',
                 s + '/resources?nested_depth=2', s + '/resources/up',
                 s + '/resources/up?with_attr=alarm_url',
                 s + '/resources/up?with_attr=signal_url',
                 s + '/resources/up/metadata', s + '/events',
                 s + '/events?nested_depth=2', s + '/resources/up/events',
                 '/stacks', '/stacks/detail']
        for event in self.request('GET', s + '/resources/up/events').json[
                'events']:
            paths.append(s + '/resources/up/events/%s' % event['id'])
        return paths

    def test_no_view_returns_the_secret(self):
        # a signal first, so events and metadata have something to show
        url = self.policy_attr('alarm_url')
        self.assertEqual(200, self.post(url).status_code)
        for path in self.views():
            resp = self.request('GET', path)
            self.assertEqual(200, resp.status_code, path)
            self.assertNotIn(self.secret, resp.text, path)
            self.assertNotIn(urllib.parse.quote(self.secret, safe=''),
                             resp.text, path)
        # the alarm_url carries the access key and a signature, never
        # the secret
        self.assertIn(self.access, urllib.parse.unquote(url))
        self.assertNotIn(self.secret, urllib.parse.unquote(url))

    def policy_attr(self, name):
        return self.request(
            'GET', '/stacks/s1/%s/resources/up?with_attr=%s'
            % (self.sid, name)).json['resource']['attributes'][name]

    def post(self, url, app=None):
        parts = urllib.parse.urlsplit(url)
        req = webob.Request.blank(parts.path + '?' + parts.query,
                                  method='POST')
        return req.get_response(app or self.app)

    def test_webhook_tokens_are_stored_as_sha256_only(self):
        policy_id = self.policy['physical_resource_id']
        hooks = [self.client.create_webhook(self.ctx, policy_id,
                                            name='h%d' % i)
                 for i in range(3)]
        tokens = [h['token'] for h in hooks]
        self.assertEqual(3, len(set(tokens)))
        dump = self.dump()
        rows = dump['scaling_webhook']
        self.assertEqual(
            sorted(hashlib.sha256(t.encode()).hexdigest() for t in tokens),
            sorted(r['token_hash'] for r in rows))
        text = json.dumps(dump, default=str)
        for token in tokens:
            self.assertNotIn(token, text)
        # and no later read gives the token back
        listed = json.dumps(self.client.list_webhooks(self.ctx, policy_id))
        for token in tokens:
            self.assertNotIn(token, listed)
        # the token still works: it is the hash that is looked up
        resp = self.post('http://localhost/v1/webhooks/%s' % tokens[0])
        self.assertEqual(200, resp.status_code, resp.text)
        text = json.dumps(self.dump(), default=str)
        self.assertNotIn(tokens[0], text)

    def test_signed_url_checks_use_compare_digest(self):
        url = self.policy_attr('alarm_url')
        signature = urllib.parse.parse_qs(
            urllib.parse.urlsplit(url).query)['Signature'][0]
        calls = []
        real = hmac.compare_digest

        def spy(a, b):
            calls.append((a, b))
            return real(a, b)

        with mock.patch.object(signing.hmac, 'compare_digest', spy):
            self.assertEqual(200, self.post(url).status_code)
            bad = url.replace('Signature=', 'Signature=A')
            self.assertEqual(403, self.post(bad).status_code)
        compared = [a for a, _ in calls] + [b for _, b in calls]
        self.assertIn(signature.encode(), compared)
        self.assertIn(('A' + signature).encode(), compared)
        self.assertIn(self.access.encode(), compared)
