"""Stack snapshots through the REST API (upstream's routes, answers and
policy rules), on a real engine service."""

import json
import threading
import time

import webob
from cheroot import wsgi
from heatclient import client as heat_client

from heat.api import middleware
from heat.common import context
from heat.tests.base import free_port
from heat.tests.unit.api import APITestCase

TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  rand:
    type: OS::Heat::RandomString
    properties:
      length: 12
  gone:
    type: OS::Heat::None
outputs:
  rand:
    value: {get_attr: [rand, value]}
'''

#: TEMPLATE with ``gone`` removed and ``added`` added
UPDATED = '''heat_template_version: 2016-10-14
resources:
  rand:
    type: OS::Heat::RandomString
    properties:
      length: 12
  added:
    type: OS::Heat::None
outputs:
  rand:
    value: {get_attr: [rand, value]}
'''

SLOW = '''heat_template_version: 2016-10-14
resources:
  slow:
    type: OS::Heat::TestResource
    properties:
      value: a
      action_wait_secs:
        # short: a cancel without rollback lets it finish (as upstream)
        create: 3
'''


class TestSnapshotsAPI(APITestCase):

    def snapshots(self, sid, suffix='', name='s1'):
        return '/stacks/%s/%s/snapshots%s' % (name, sid, suffix)

    def take(self, sid, name='snap1'):
        resp = self.request('POST', self.snapshots(sid), {'name': name})
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json

    def stack(self, sid):
        return self.request('GET', '/stacks/s1/%s' % sid).json['stack']

    def resources(self, sid):
        return {r['resource_name']: r['physical_resource_id'] for r in
                self.request('GET', '/stacks/s1/%s/resources' % sid).json[
                    'resources']}

    def rand_value(self, sid):
        return {o['output_key']: o['output_value'] for o in
                self.stack(sid)['outputs']}['rand']

    def as_reader(self, method, path, body=None):
        req = webob.Request.blank('/v1/p1' + path, method=method)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        req.environ[middleware.ENV_CONTEXT] = context.RequestContext(
            project_id='p1', user_id='reader', roles=['reader'])
        return req.get_response(self.app)

    # -- the whole cycle ---------------------------------------------------

    def test_snapshot_list_show_restore_delete(self):
        sid = self.create(template=TEMPLATE)
        value, before = self.rand_value(sid), self.resources(sid)

        snap = self.take(sid)
        self.assertEqual({'id', 'name', 'status', 'status_reason', 'data',
                          'creation_time'}, set(snap))
        self.assertEqual(('snap1', 'COMPLETE'),
                         (snap['name'], snap['status']))
        self.assertEqual({'snapshots': [snap]}, self.request(
            'GET', self.snapshots(sid)).json)
        self.assertEqual({'snapshot': snap}, self.request(
            'GET', self.snapshots(sid, '/' + snap['id'])).json)
        self.assertEqual('SNAPSHOT_COMPLETE', self.stack(sid)['stack_status'])

        resp = self.request('PUT', '/stacks/s1/%s' % sid,
                            {'template': UPDATED})
        self.assertEqual(202, resp.status_code, resp.text)
        self.wait(sid)
        self.assertEqual({'rand', 'added'}, set(self.resources(sid)))

        resp = self.request('POST', self.snapshots(
            sid, '/%s/restore' % snap['id']))
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertEqual(b'', resp.body)
        self.wait(sid)
        stack = self.stack(sid)
        self.assertEqual('RESTORE_COMPLETE', stack['stack_status'],
                         stack['stack_status_reason'])
        after = self.resources(sid)
        self.assertEqual({'rand', 'gone'}, set(after))
        self.assertEqual(before['rand'], after['rand'])
        self.assertEqual(value, self.rand_value(sid))

        resp = self.request('DELETE', self.snapshots(sid, '/' + snap['id']))
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual(b'', resp.body)
        self.assertEqual({'snapshots': []}, self.request(
            'GET', self.snapshots(sid)).json)

    def test_a_group_is_snapshotted_and_restored_with_its_members(self):
        sid = self.create()  # the API tests' template: a ResourceGroup
        members = self.request(
            'GET', '/stacks/s1/%s/resources?nested_depth=1' % sid).json[
            'resources']
        snap = self.take(sid)
        group = snap['data']['resources']['group']
        self.assertEqual({'0', '1'}, set(group['resources']))
        self.assertEqual({'value': '******'},
                         snap['data']['resources']['rand']['resource_data'])
        resp = self.request('POST', self.snapshots(
            sid, '/%s/restore' % snap['id']))
        self.assertEqual(202, resp.status_code, resp.text)
        self.wait(sid)
        stack = self.stack(sid)
        self.assertEqual('RESTORE_COMPLETE', stack['stack_status'],
                         stack['stack_status_reason'])
        self.assertEqual(
            sorted(r['physical_resource_id'] for r in members),
            sorted(r['physical_resource_id'] for r in self.request(
                'GET', '/stacks/s1/%s/resources?nested_depth=1'
                % sid).json['resources']))

    def test_snapshot_without_a_body_has_no_name(self):
        sid = self.create(template=TEMPLATE)
        resp = self.request('POST', self.snapshots(sid))
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertIsNone(resp.json['name'])

    # -- refusals ----------------------------------------------------------

    def test_a_name_that_is_not_text_is_400(self):
        sid = self.create(template=TEMPLATE)
        self.assertError(self.request('POST', self.snapshots(sid),
                                      {'name': 5}), 400, 'HTTPBadRequest',
                         'The "name" of the request must be text')

    def test_unknown_snapshot_is_404(self):
        sid = self.create(template=TEMPLATE)
        for method, suffix in (('GET', '/nope'), ('DELETE', '/nope'),
                               ('POST', '/nope/restore')):
            self.assertError(
                self.request(method, self.snapshots(sid, suffix)), 404,
                'NotFound', 'Snapshot with id nope not found')

    def test_another_stacks_snapshot_is_404(self):
        sid = self.create(template=TEMPLATE)
        other = self.create('s2', template=TEMPLATE)
        snap = self.take(sid)
        self.assertError(
            self.request('GET', self.snapshots(other, '/' + snap['id'],
                                               name='s2')), 404,
            'SnapshotNotFound', 'The Snapshot (%s) for Stack (s2) could not '
                                'be found.' % snap['id'])

    def test_stack_in_progress_is_409(self):
        sid = self.create(template=SLOW, wait=False)
        self.assertError(self.request('POST', self.snapshots(sid),
                                      {'name': 'x'}), 409,
                         'ActionInProgress',
                         'Stack s1 already has an action (CREATE) in '
                         'progress.')
        self.request('POST', '/stacks/s1/%s/actions' % sid,
                     {'cancel_without_rollback': None})
        self.wait(sid)

    def test_another_projects_stack_is_404(self):
        sid = self.create(template=TEMPLATE)
        snap = self.take(sid)
        for method, suffix in (('POST', ''), ('GET', ''),
                               ('GET', '/' + snap['id']),
                               ('DELETE', '/' + snap['id']),
                               ('POST', '/%s/restore' % snap['id'])):
            self.assertError(self.request(
                method, self.snapshots(sid, suffix), project='p2'), 404,
                'StackNotFound')
        self.assertEqual([snap], self.request(
            'GET', self.snapshots(sid)).json['snapshots'])

    def test_a_reader_lists_and_shows_but_cannot_change(self):
        sid = self.create(template=TEMPLATE)
        snap = self.take(sid)
        one = self.snapshots(sid, '/' + snap['id'])
        self.assertEqual(200, self.as_reader('GET',
                                             self.snapshots(sid)).status_code)
        self.assertEqual(200, self.as_reader('GET', one).status_code)
        for method, path, rule in (
                ('POST', self.snapshots(sid), 'stacks:snapshot'),
                ('DELETE', one, 'stacks:delete_snapshot'),
                ('POST', one + '/restore', 'stacks:restore_snapshot')):
            self.assertError(self.as_reader(method, path, {'name': 'x'}),
                             403, None, rule)
        self.assertEqual([snap], self.request(
            'GET', self.snapshots(sid)).json['snapshots'])


class TestSnapshotsWithHeatclient(APITestCase):
    """python-heatclient's snapshot calls over a local HTTP server."""

    def setUp(self):
        super().setUp()
        port = free_port()
        server = wsgi.Server(('127.0.0.1', port), self.app, numthreads=4)
        server.prepare()
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(server.stop)
        self.hc = heat_client.Client(
            '1', endpoint='http://127.0.0.1:%d/v1/p1' % port,
            token='fake-token')

    def status(self, name):
        return self.hc.stacks.get(name, resolve_outputs=False).stack_status

    def test_snapshot_show_list_restore_delete(self):
        sid = self.create(template=TEMPLATE)
        snap = self.hc.stacks.snapshot('s1', 'snap1')
        self.assertEqual(('snap1', 'COMPLETE'),
                         (snap['name'], snap['status']))
        self.assertEqual(snap, self.hc.stacks.snapshot_show(
            's1', snap['id'])['snapshot'])
        self.assertEqual([snap], self.hc.stacks.snapshot_list('s1')[
            'snapshots'])
        self.hc.stacks.restore('s1', snap['id'])
        self.wait(sid)
        deadline = time.monotonic() + 30
        while self.status('s1') != 'RESTORE_COMPLETE' and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual('RESTORE_COMPLETE', self.status('s1'))
        self.hc.stacks.snapshot_delete('s1', snap['id'])
        self.assertEqual([], self.hc.stacks.snapshot_list('s1')[
            'snapshots'])
