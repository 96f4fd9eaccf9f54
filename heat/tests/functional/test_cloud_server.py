"""``OS::Nova::Server`` on the test cloud, through a served engine.

The engine acts on the cloud through ``[clients] cloud`` (the mini
cloud's admin entry, :class:`heat.tests.cloud_fixture.CloudFixture`);
the test checks each step in Nova with a connection of its own. Skips
with the reason when the cloud cannot start.
"""

import time

from heat.common import exception
from heat.tests import cloud_fixture

WAIT = 120

SERVER = '''
heat_template_version: 2018-08-31
parameters:
  name: {type: string, default: ''}
  flavor: {type: string, default: mc.tiny}
  meta: {type: json, default: {role: web}}
  user_data: {type: string, default: 'echo hi'}
resources:
  server:
    type: OS::Nova::Server
    properties:
      name: {if: [{equals: [{get_param: name}, '']}, null,
                  {get_param: name}]}
      image: tiny
      flavor: {get_param: flavor}
      networks: [{network: mc-net}]
      metadata: {get_param: meta}
      user_data: {get_param: user_data}
      user_data_format: RAW
outputs:
  first_address: {value: {get_attr: [server, first_address]}}
  networks: {value: {get_attr: [server, networks]}}
  name: {value: {get_attr: [server, name]}}
  id: {value: {get_resource: server}}
'''


class ServerTest(cloud_fixture.CloudStackTestCase):

    def setUp(self):
        super().setUp()
        self.nova = self.conn.compute

    def test_create_update_in_place_and_delete(self):
        ident = self.create(SERVER)
        self.assertState('CREATE_COMPLETE', ident)
        out = self.outputs(ident)
        server = self.nova.get_server(out['id'])
        self.assertEqual('ACTIVE', server.status)
        self.assertEqual({'role': 'web'}, dict(server.metadata))
        # the generated name: <stack>-<resource>-<short id>
        self.assertTrue(server.name.startswith(
            self.info(ident)['stack_name'] + '-server-'), server.name)
        self.assertEqual(server.name, out['name'])
        ips = [a['addr'] for a in server.addresses['mc-net']]
        self.assertEqual(ips[0], out['first_address'])
        self.assertEqual(ips, out['networks']['mc-net'])
        self.assertTrue(ips[0].startswith('192.0.2.'), ips)

        # name and metadata change in place: same server
        self.update(ident, SERVER, {'name': 'renamed',
                                    'meta': {'role': 'db', 'tier': '2'}})
        self.assertState('UPDATE_COMPLETE', ident)
        again = self.nova.get_server(out['id'])
        self.assertEqual('renamed', again.name)
        self.assertEqual({'role': 'db', 'tier': '2'}, dict(again.metadata))
        self.assertEqual(out['id'], self.outputs(ident)['id'])

        # user_data changes replace (user_data_update_policy: REPLACE)
        self.update(ident, SERVER, {'name': 'renamed',
                                    'meta': {'role': 'db', 'tier': '2'},
                                    'user_data': 'echo bye'})
        self.assertState('UPDATE_COMPLETE', ident)
        new_id = self.outputs(ident)['id']
        self.assertNotEqual(out['id'], new_id)
        self.assertIsNone(self.nova.find_server(out['id']))

        self.delete(ident)
        self.assertIsNone(self.nova.find_server(new_id))
        self.assertEqual([], list(self.conn.network.ports(
            device_id=new_id)))

    def test_missing_flavor_fails_validation_with_its_name(self):
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.create_stack,
            self.ctx, 'bad', SERVER,
            {'parameters': {'flavor': 'no-such-flavor'}}, {},
            {'timeout_mins': 5})
        self.assertEqual(
            'resources.server.properties.flavor: Error '
            "validating value 'no-such-flavor': The Flavor "
            '(no-such-flavor) could not be found.', str(err))

    def test_check_and_suspend_resume(self):
        ident = self.create(SERVER)
        server_id = self.outputs(ident)['id']
        self.svc.stack_suspend(self.ctx, ident)
        self.wait(ident)
        self.assertState('SUSPEND_COMPLETE', ident)
        self.assertEqual('SUSPENDED',
                         self.nova.get_server(server_id).status)
        self.svc.stack_resume(self.ctx, ident)
        self.wait(ident)
        self.assertState('RESUME_COMPLETE', ident)
        self.assertEqual('ACTIVE', self.nova.get_server(server_id).status)
        self.svc.stack_check(self.ctx, ident)
        self.wait(ident)
        self.assertState('CHECK_COMPLETE', ident)
        # a server deleted behind the engine's back fails the check
        self.nova.delete_server(server_id)
        deadline = time.monotonic() + WAIT
        while self.nova.find_server(server_id) is not None:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.5)
        self.svc.stack_check(self.ctx, ident)
        self.wait(ident)
        self.assertState('CHECK_FAILED', ident)
