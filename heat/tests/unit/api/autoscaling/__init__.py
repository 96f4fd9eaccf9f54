"""Tests of the Auto-Scaling API v1 (heat/api/autoscaling): the WSGI app
of heat-api in process, an engine served on a private RPC bus, SQLite."""

import json
import time

import sqlalchemy as sa
import webob

from heat.db import models
from heat.tests import engine_fixture
from heat.tests.unit.api import APITestCase

RANDOM = {'type': 'OS::Heat::RandomString', 'properties': {'length': 6}}

TABLES = ('stack', 'resource', 'scaling_group', 'scaling_member',
          'scaling_policy', 'scaling_webhook', 'scaling_activity',
          'scaling_trigger_receipt', 'api_idempotency_record')


class ASTestCase(APITestCase):

    def setUp(self):
        super().setUp()
        self.serve_engine_on_rpc()

    def as_request(self, method, path, body=None, project=None,
                   headers=None, raw=None):
        """``webob.Response`` of ``method /autoscaling/v1/<project><path>``
        (``path`` starting with ``//``: taken as is after the host)."""
        if path.startswith('//'):
            url = path[1:]
        else:
            url = '/autoscaling/v1/%s%s' % (project or self.PROJECT, path)
        req = webob.Request.blank(url, method=method)
        if raw is not None:
            req.body = raw
            req.content_type = 'application/json'
        elif body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        for key, value in (headers or {}).items():
            req.headers[key] = value
        return req.get_response(self.app)

    def make_group(self, name='g1', min_size=1, max_size=5, desired=2,
                   resource=None, expect=201, **extra):
        body = {'name': name, 'min_size': min_size, 'max_size': max_size,
                'desired_capacity': desired, 'resource': resource or RANDOM}
        body.update(extra)
        resp = self.as_request('POST', '/groups', body)
        self.assertEqual(expect, resp.status_code, resp.text)
        return resp.json['group']

    def make_policy(self, group_id, name='up', adjustment=1, **extra):
        body = {'name': name, 'adjustment_type': 'change_in_capacity',
                'scaling_adjustment': adjustment, 'cooldown': 0}
        body.update(extra)
        resp = self.as_request('POST', '/groups/%s/policies' % group_id,
                               body)
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json['policy']

    def wait_group(self, group_id, size=None, project=None):
        """The group once ACTIVE and converged (with ``size`` live
        members, when given)."""
        deadline = time.monotonic() + engine_fixture.WAIT
        g = None
        while time.monotonic() < deadline:
            resp = self.as_request('GET', '/groups/%s' % group_id,
                                   project=project)
            g = resp.json.get('group')
            # settled: converged, and the converger gave its lease up
            if g and g['status'] == 'ACTIVE' and g['converged'] and (
                    g['lease_holder'] is None) and (
                    size is None or g['current_size'] == size):
                return g
            time.sleep(0.05)
        self.fail('group %s did not converge: %s' % (group_id, g))

    def rows(self):
        dump = {}
        meta = models.Base.metadata
        with self.engine.connect() as conn:
            for name in TABLES:
                dump[name] = sorted(repr(tuple(r)) for r in conn.execute(
                    sa.select(meta.tables[name])))
        return dump
