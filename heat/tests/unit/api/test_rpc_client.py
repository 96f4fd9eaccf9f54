"""The API on the real RPC client (EngineClient over the in-process
transport) instead of the service itself: same bodies, same errors."""

import uuid

from heat.api import app as app_mod
from heat.rpc import client as rpc_client
from heat.rpc import server as rpc_server
from heat.rpc import transport as rpc_transport
from heat.tests import pinned
from heat.tests.unit.api import TEMPLATE, APITestCase


class TestOverEngineClient(APITestCase):

    def setUp(self):
        super().setUp()
        topic = 'api-test-%s' % uuid.uuid4().hex
        transport = rpc_transport.get_transport('inproc://api-tests')
        server = rpc_server.EngineServer(self.engine_svc, transport,
                                         topic=topic).start()
        self.addCleanup(server.stop)
        client = rpc_client.EngineClient(transport, topic=topic, timeout=30)
        self.app = app_mod.make_app(client)

    def test_stack_round_trip(self):
        sid = self.create()
        resp = self.request('GET', '/stacks/s1')
        self.assertEqual(302, resp.status_code)
        stack = self.request('GET', '/stacks/s1/%s' % sid).json['stack']
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'])
        res = self.request('GET', '/stacks/s1/%s/resources' % sid).json
        self.assertEqual({'rand', 'group', 'noop'},
                         {r['resource_name'] for r in res['resources']})
        events = self.request('GET', '/stacks/s1/%s/events' % sid).json
        self.assertTrue(events['events'])
        resp = self.request('DELETE', '/stacks/s1/%s' % sid)
        self.assertEqual(204, resp.status_code)
        self.wait(sid)

    def test_errors_keep_their_type_and_status(self):
        self.assertError(self.request('GET', '/stacks/nope'), 404,
                         'StackNotFound', 'The Stack (nope) could not be '
                         'found.')
        self.create()
        self.assertError(self.request('POST', '/stacks', {
            'stack_name': 's1', 'template': TEMPLATE}), 409, 'StackExists')
        self.assertError(self.request('POST', '/stacks', {
            'stack_name': 's2',
            'template': TEMPLATE.replace('length: 8', 'length: BAD')}),
            400, 'StackValidationFailed', "Value 'BAD' is not an integer")

    def test_validate_and_catalogue(self):
        resp = self.request('POST', '/validate', {
            'template': pinned.VALIDATE_TEMPLATE})
        self.assertEqual(pinned.VALIDATE_RESULT, resp.json)
        types = self.request('GET', '/resource_types').json
        self.assertIn('OS::Heat::RandomString', types['resource_types'])
        some = self.request(
            'GET', '/resource_types?name=OS::Heat::Random.*').json[
            'resource_types']
        self.assertIn('OS::Heat::RandomString', some)
        self.assertNotIn('OS::Heat::None', some)
        schema = self.request('GET',
                              '/resource_types/OS::Heat::RandomString').json
        self.assertEqual('OS::Heat::RandomString', schema['resource_type'])
        self.assertIn('length', schema['properties'])
        self.assertError(self.request('GET', '/resource_types/No::Such'),
                         404, 'ResourceTypeNotFound')
        functions = self.request(
            'GET', '/template_versions/heat_template_version.2016-10-14'
                   '/functions')
        self.assertEqual(200, functions.status_code, functions.text)
        names = [f['functions']
                 for f in functions.json['template_functions']]
        self.assertIn('get_param', names)
        versions = self.request('GET', '/template_versions')
        self.assertEqual(200, versions.status_code, versions.text)
        self.assertTrue(versions.json['template_versions'])
        resp = self.request('GET', '/resource_types/OS::Heat::None/template'
                            '?template_type=hot')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('2016-10-14', resp.json['heat_template_version'])
