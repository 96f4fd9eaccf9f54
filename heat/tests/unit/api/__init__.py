"""Tests of the REST facade (heat/api), and what they share: an
EngineService on a SQLite file behind ``make_app``, driven with WebOb
requests."""

import json

import webob

from heat.api import app as app_mod
from heat.engine import service
from heat.tests import db_fixtures

TEMPLATE = '''heat_template_version: 2016-10-14
description: A stack for the API tests
parameters:
  size:
    type: number
    default: 2
resources:
  rand:
    type: OS::Heat::RandomString
    properties:
      length: 8
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: size}
      resource_def:
        type: OS::Heat::TestResource
        properties:
          value: member
  noop:
    type: OS::Heat::None
outputs:
  the_length:
    description: length of the random string
    value: {get_attr: [rand, value]}
  group_size:
    value: {get_param: size}
'''

WAIT = 30


class APITestCase(db_fixtures.DBTestCase):
    """A real engine service on SQLite behind the WSGI app."""

    BACKEND = db_fixtures.BACKENDS['sqlite']
    PROJECT = 'p1'

    def setUp(self):
        super().setUp()
        self.engine_svc = service.EngineService(engine_id='api-engine',
                                                report_interval=0.5)
        self.addCleanup(self.engine_svc.stop, 10)
        self.app = app_mod.make_app(self.engine_svc)

    def serve_engine_on_rpc(self, conf=None):
        """Replace the direct engine by one served on a private RPC bus
        (:class:`heat.tests.engine_fixture.EngineFixture`), as the
        auto-scaling resources need: the app talks to it through an RPC
        client (``self.client``). ``conf``: the app's configuration."""
        from heat.tests import engine_fixture
        self.engine_svc.stop(10)
        self.fx = self.useFixture(engine_fixture.EngineFixture())
        self.engine_svc = self.fx.service
        self.client = self.fx.client
        self.app = app_mod.make_app(self.client, conf) if conf is not None \
            else app_mod.make_app(self.client)

    def request(self, method, path, body=None, project=None, raw=None,
                headers=None, content_type='application/json'):
        """``webob.Response`` of ``method /v1/<project><path>``."""
        url = '/v1/%s%s' % (project or self.PROJECT, path)
        req = webob.Request.blank(url, method=method)
        if raw is not None:
            req.body = raw
            req.content_type = content_type
        elif body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = content_type
        for key, value in (headers or {}).items():
            req.headers[key] = value
        return req.get_response(self.app)

    def assertError(self, resp, code, err_type=None, message=None):
        self.assertEqual(code, resp.status_code, resp.text)
        self.assertEqual('application/json', resp.content_type)
        body = resp.json
        self.assertEqual(code, body['code'])
        self.assertIn('title', body)
        self.assertIn('explanation', body)
        self.assertEqual({'message', 'type', 'traceback'},
                         set(body['error']))
        if err_type is not None:
            self.assertEqual(err_type, body['error']['type'])
        if message is not None:
            self.assertIn(message, body['error']['message'])
        return body

    def wait(self, stack_id):
        self.assertTrue(self.engine_svc.wait(stack_id, WAIT))

    def create(self, name='s1', template=TEMPLATE, project=None, wait=True,
               **extra):
        body = {'stack_name': name, 'template': template,
                'disable_rollback': True}
        body.update(extra)
        resp = self.request('POST', '/stacks', body, project=project)
        self.assertEqual(201, resp.status_code, resp.text)
        stack_id = resp.json['stack']['id']
        if wait:
            self.wait(stack_id)
        return stack_id
