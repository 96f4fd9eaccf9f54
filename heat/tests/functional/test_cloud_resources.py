"""Neutron, Nova and Glance resource types against the real mini cloud.

A served engine (:class:`heat.tests.engine_fixture.EngineFixture`, on a
SQLite file) acts as ``mc-admin`` of the mini cloud
(:class:`heat.tests.cloud_fixture.CloudFixture`); the test checks what it
did through an openstacksdk connection of its own:

- a stack of a network, a subnet, two security groups (one with inline
  rules, one with an ``OS::Neutron::SecurityGroupRule``), a port, a key
  pair and a private flavor is created with the properties asked for;
- an update changes in place what upstream changes in place (the port's
  name, the group's rules, the subnet's DNS servers, the flavor's extra
  specs) and keeps the physical ids;
- an update of what cannot change in place (the subnet's CIDR, the key
  pair's name) replaces those, the port moving to the new subnet in
  place, and leaves nothing of the old ones; a key pair given a new
  public key under the same name is replaced too (the old one deleted
  first: names are unique);
- the stack's delete leaves nothing in the cloud.

``OS::Glance::WebImage`` has Glance download a few bytes from an HTTP
server this test starts. Glance (33) refuses loopback and link-local
sources, and ports other than 80 and 443, unless its
``[import_filtering_opts]`` allow them (the mini cloud keeps the
defaults): a server on 127.0.0.1 makes the create fail with Glance's
"URI for web-download does not pass filtering"; the import itself is
tested with a server on port 80 of this machine's non-loopback address
(skipped with the reason when there is none or port 80 is taken).

Everything skips with the reason when the mini cloud cannot start.
"""

import http.server
import socket
import threading
import uuid

from openstack import exceptions as sdk_exc

from heat.common import exception
from heat.tests import cloud_fixture

WAIT = 180

NEUTRON_NOVA = '''
heat_template_version: 2018-08-31
parameters:
  prefix: {type: string}
  cidr: {type: string, default: 10.42.1.0/24}
  dns: {type: string, default: 192.0.2.53}
  port_name: {type: string, default: port-a}
  key_name: {type: string}
  public_key: {type: string, default: ''}
  ssh_prefix: {type: string, default: 10.0.0.0/8}
  specs: {type: json, default: {"hw:cpu_policy": "shared"}}
resources:
  net:
    type: OS::Neutron::Net
    properties:
      name: {list_join: ['-', [{get_param: prefix}, net]]}
      tags: [heat-functional]
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: {get_param: cidr}
      enable_dhcp: false
      dns_nameservers: [{get_param: dns}]
  sg:
    type: OS::Neutron::SecurityGroup
    properties:
      name: {list_join: ['-', [{get_param: prefix}, sg]]}
      description: heat functional test
      rules:
        - protocol: tcp
          port_range_min: 22
          port_range_max: 22
          remote_ip_prefix: {get_param: ssh_prefix}
        - direction: egress
          protocol: udp
          port_range_min: 53
          port_range_max: 53
  sg2:
    type: OS::Neutron::SecurityGroup
    properties:
      description: the group of the standalone rule
  sg2_rule:
    type: OS::Neutron::SecurityGroupRule
    properties:
      security_group: {get_resource: sg2}
      port_range_min: 80
      port_range_max: 80
      remote_group: {get_resource: sg}
  port:
    type: OS::Neutron::Port
    properties:
      name: {get_param: port_name}
      network: {get_resource: net}
      fixed_ips: [{subnet: {get_resource: subnet}}]
      security_groups: [{get_resource: sg}, {get_resource: sg2}]
  key:
    type: OS::Nova::KeyPair
    properties:
      name: {get_param: key_name}
      public_key: {get_param: public_key}
      save_private_key: true
  flavor:
    type: OS::Nova::Flavor
    properties:
      ram: 64
      vcpus: 1
      is_public: false
      extra_specs: {get_param: specs}
outputs:
  port_ips:
    value: {get_attr: [port, fixed_ips]}
  port_subnets:
    value: {get_attr: [port, subnets]}
  port_network_mtu:
    value: {get_attr: [port, network, mtu]}
  net_subnets:
    value: {get_attr: [net, subnets]}
  net_status:
    value: {get_attr: [net, status]}
  subnet_cidr:
    value: {get_attr: [subnet, cidr]}
  subnet_tenant:
    value: {get_attr: [subnet, tenant_id]}
  key_ref:
    value: {get_resource: key}
  public_key:
    value: {get_attr: [key, public_key]}
  private_key:
    value: {get_attr: [key, private_key]}
  flavor_specs:
    value: {get_attr: [flavor, extra_specs]}
  flavor_public:
    value: {get_attr: [flavor, is_public]}
'''

WEB_IMAGE = '''
heat_template_version: 2018-08-31
parameters:
  location: {type: string}
  name: {type: string}
  tags: {type: comma_delimited_list, default: [one]}
resources:
  image:
    type: OS::Glance::WebImage
    properties:
      name: {get_param: name}
      location: {get_param: location}
      disk_format: raw
      container_format: bare
      min_ram: 16
      tags: {get_param: tags}
      os_distro: cirros
'''

V1_IMAGE = '''
heat_template_version: 2018-08-31
resources:
  image:
    type: OS::Glance::Image
    properties:
      location: http://127.0.0.1/tiny.img
      disk_format: raw
      container_format: bare
'''

IMAGE_BYTES = b'heat web image\n' * 64


class CloudStackTestCase(cloud_fixture.CloudStackTestCase):
    """Stacks named after a prefix of their own (names in the cloud)."""

    WAIT = WAIT

    def setUp(self):
        super().setUp()
        self.prefix = 'hf-%s' % uuid.uuid4().hex[:8]

    def create(self, tmpl, params):
        return super().create(tmpl, params, name=self.prefix)

    def assertGone(self, getter, physical_id, what):
        try:
            found = getter(physical_id)
        except sdk_exc.NotFoundException:
            return
        self.fail('%s %s is still in the cloud: %s' % (what, physical_id,
                                                       found))


class TestNeutronNovaResources(CloudStackTestCase):

    def params(self, **extra):
        out = {'prefix': self.prefix, 'key_name': self.prefix + '-key'}
        out.update(extra)
        return out

    def test_create_update_replace_delete(self):
        net_api = self.conn.network
        compute = self.conn.compute

        # -- create ------------------------------------------------------
        ident = self.create(NEUTRON_NOVA, self.params())
        self.assertState('CREATE_COMPLETE', ident)
        ids = self.physical_ids(ident)
        out = self.outputs(ident)

        net = net_api.get_network(ids['net'])
        self.assertEqual(self.prefix + '-net', net.name)
        self.assertEqual(['heat-functional'], net.tags)
        self.assertTrue(net.is_admin_state_up)
        self.assertEqual('ACTIVE', out['net_status'])
        self.assertEqual([ids['subnet']], out['net_subnets'])

        subnet = net_api.get_subnet(ids['subnet'])
        self.assertEqual(ids['net'], subnet.network_id)
        self.assertEqual('10.42.1.0/24', subnet.cidr)
        self.assertFalse(subnet.is_dhcp_enabled)
        self.assertEqual(['192.0.2.53'], subnet.dns_nameservers)
        self.assertEqual(4, subnet.ip_version)
        # no name given: the physical resource name
        self.assertTrue(subnet.name.startswith(self.prefix + '-subnet-'),
                        subnet.name)
        self.assertEqual('10.42.1.0/24', out['subnet_cidr'])
        self.assertEqual(self.conn.current_project_id, out['subnet_tenant'])

        sg = net_api.get_security_group(ids['sg'])
        self.assertEqual(self.prefix + '-sg', sg.name)
        self.assertEqual('heat functional test', sg.description)
        rules = self.rules(ids['sg'])
        # the template's egress rule removed Neutron's allow-all egress
        self.assertEqual(
            {('ingress', 'IPv4', 'tcp', 22, 22, '10.0.0.0/8', None),
             ('egress', 'IPv4', 'udp', 53, 53, None, None)},
            rules)

        rule = net_api.get_security_group_rule(ids['sg2_rule'])
        self.assertEqual(ids['sg2'], rule.security_group_id)
        self.assertEqual(ids['sg'], rule.remote_group_id)
        self.assertEqual(('ingress', 'IPv4', 'tcp', 80, 80),
                         (rule.direction, rule.ether_type, rule.protocol,
                          rule.port_range_min, rule.port_range_max))

        port = net_api.get_port(ids['port'])
        self.assertEqual('port-a', port.name)
        self.assertEqual(ids['net'], port.network_id)
        self.assertEqual([ids['subnet']],
                         [ip['subnet_id'] for ip in port.fixed_ips])
        self.assertEqual(sorted([ids['sg'], ids['sg2']]),
                         sorted(port.security_group_ids))
        self.assertEqual(port.fixed_ips, out['port_ips'])
        self.assertEqual([ids['subnet']],
                         [s['id'] for s in out['port_subnets']])
        self.assertEqual(net.mtu, out['port_network_mtu'])

        key_name = self.prefix + '-key'
        self.assertEqual(key_name, ids['key'])
        self.assertEqual(key_name, out['key_ref'])
        key = compute.get_keypair(key_name)
        self.assertEqual(key.public_key, out['public_key'])
        self.assertIn('PRIVATE KEY', out['private_key'])

        flavor = compute.get_flavor(ids['flavor'])
        self.assertEqual((64, 1, 0, False),
                         (flavor.ram, flavor.vcpus, flavor.disk,
                          flavor.is_public))
        self.assertTrue(flavor.name.startswith(self.prefix + '-flavor-'))
        self.assertEqual({'hw:cpu_policy': 'shared'}, out['flavor_specs'])
        self.assertFalse(out['flavor_public'])
        access = compute.get_flavor_access(ids['flavor'])
        self.assertEqual([self.conn.current_project_id],
                         [a['tenant_id'] for a in access])

        # -- check -----------------------------------------------------
        self.svc.stack_check(self.ctx, ident)
        self.wait(ident)
        self.assertState('CHECK_COMPLETE', ident)

        # -- update in place ----------------------------------------------
        in_place = self.params(
            port_name='port-b', dns='192.0.2.54', ssh_prefix='10.1.0.0/16',
            specs={'hw:cpu_policy': 'dedicated',
                   'hw:mem_page_size': 'small'})
        self.update(ident, NEUTRON_NOVA, in_place)
        self.assertState('UPDATE_COMPLETE', ident)
        self.assertEqual(ids, self.physical_ids(ident))
        self.assertEqual('port-b', net_api.get_port(ids['port']).name)
        self.assertEqual(['192.0.2.54'],
                         net_api.get_subnet(ids['subnet']).dns_nameservers)
        self.assertEqual(
            {('ingress', 'IPv4', 'tcp', 22, 22, '10.1.0.0/16', None),
             ('egress', 'IPv4', 'udp', 53, 53, None, None)},
            self.rules(ids['sg']))
        # the standalone rule of the other group is untouched
        net_api.get_security_group_rule(ids['sg2_rule'])
        self.assertEqual(
            {'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': 'small'},
            compute.fetch_flavor_extra_specs(ids['flavor']).extra_specs)

        # -- update that replaces ----------------------------------------
        replacing = dict(in_place, cidr='10.42.2.0/24',
                         key_name=self.prefix + '-key2')
        self.update(ident, NEUTRON_NOVA, replacing)
        self.assertState('UPDATE_COMPLETE', ident)
        new_ids = self.physical_ids(ident)
        self.assertNotEqual(ids['subnet'], new_ids['subnet'])
        self.assertNotEqual(ids['key'], new_ids['key'])
        for same in ('net', 'port', 'sg', 'sg2', 'sg2_rule', 'flavor'):
            self.assertEqual(ids[same], new_ids[same], same)
        self.assertEqual('10.42.2.0/24',
                         net_api.get_subnet(new_ids['subnet']).cidr)
        port = net_api.get_port(ids['port'])
        self.assertEqual([new_ids['subnet']],
                         [ip['subnet_id'] for ip in port.fixed_ips])
        self.assertTrue(port.fixed_ips[0]['ip_address'].startswith(
            '10.42.2.'), port.fixed_ips)
        self.assertGone(net_api.get_subnet, ids['subnet'], 'old subnet')
        self.assertGone(compute.get_keypair, ids['key'], 'old key pair')
        key2 = compute.get_keypair(self.prefix + '-key2')

        # -- a new public key for the same name: the old pair is deleted
        # before its replacement is made (Nova's names are unique)
        spare = compute.create_keypair(name=self.prefix + '-spare')
        self.addCleanup(compute.delete_keypair, spare.name,
                        ignore_missing=True)
        self.update(ident, NEUTRON_NOVA, dict(replacing,
                                              public_key=spare.public_key))
        self.assertState('UPDATE_COMPLETE', ident)
        rekeyed = compute.get_keypair(self.prefix + '-key2')
        self.assertNotEqual(key2.public_key, rekeyed.public_key)
        self.assertEqual(spare.public_key, rekeyed.public_key)
        self.assertEqual('', self.outputs(ident)['private_key'])
        self.assertEqual(new_ids, self.physical_ids(ident))

        # -- delete ----------------------------------------------------
        self.delete(ident)
        self.assertState('DELETE_COMPLETE', ident)
        self.assertGone(net_api.get_network, ids['net'], 'network')
        self.assertGone(net_api.get_subnet, new_ids['subnet'], 'subnet')
        self.assertGone(net_api.get_port, ids['port'], 'port')
        self.assertGone(net_api.get_security_group, ids['sg'], 'group')
        self.assertGone(net_api.get_security_group, ids['sg2'], 'group')
        self.assertGone(net_api.get_security_group_rule, ids['sg2_rule'],
                        'rule')
        self.assertGone(compute.get_keypair, new_ids['key'], 'key pair')
        self.assertGone(compute.get_flavor, ids['flavor'], 'flavor')
        self.assertEqual([], list(net_api.networks(name=self.prefix +
                                                   '-net')))
        self.assertEqual([], list(net_api.security_groups(
            name=self.prefix + '-sg')))

    def test_validation_uses_the_cloud(self):
        tmpl = '''
heat_template_version: 2018-08-31
resources:
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: no-such-network-%s
      cidr: 10.9.0.0/24
''' % self.prefix
        # the served engine checks the network exists (the offline
        # validator, validate_template, has no cloud)
        err = self.assertRaises(exception.StackValidationFailed,
                                self.svc.create_stack, self.ctx,
                                self.prefix, tmpl, {}, {}, {})
        self.assertIn('resources.subnet.properties.network', str(err))
        self.assertIn('no-such-network-%s' % self.prefix, str(err))

    def rules(self, group_id):
        return {(r.direction, r.ether_type, r.protocol, r.port_range_min,
                 r.port_range_max, r.remote_ip_prefix, r.remote_group_id)
                for r in self.conn.network.security_group_rules(
                    security_group_id=group_id)}


class _Handler(http.server.BaseHTTPRequestHandler):
    """IMAGE_BYTES at /tiny.img, 404 elsewhere."""

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path != '/tiny.img':
            self.send_response(404)
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(len(IMAGE_BYTES)))
        self.end_headers()
        self.wfile.write(IMAGE_BYTES)

    def log_message(self, *args):
        pass


def external_address():
    """This machine's address on its default route (no packet is sent),
    or None when it has only the loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(('198.51.100.1', 9))
        except OSError:
            return None
        address = sock.getsockname()[0]
    return None if address.startswith('127.') else address


class TestGlanceImages(CloudStackTestCase):

    def serve(self, address, port=80):
        """An HTTP server of _Handler on ``address``:``port``; its port
        (``port`` 80 falls back to any free port when it cannot be had)."""
        try:
            server = http.server.ThreadingHTTPServer((address, port),
                                                     _Handler)
        except OSError:
            server = http.server.ThreadingHTTPServer((address, 0),
                                                     _Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server.server_address[1]

    def external_server(self):
        """``http://<this machine>:80``, which Glance may fetch from."""
        address = external_address()
        if address is None:
            self.skipTest('no address but the loopback: Glance refuses to '
                          'download from loopback addresses')
        port = self.serve(address)
        if port != 80:
            self.skipTest('port 80 of %s cannot be had: Glance\'s import '
                          'filter only lets ports 80 and 443 through'
                          % address)
        return 'http://%s' % address

    def create_image(self, location, name):
        return self.create(WEB_IMAGE, {'location': location, 'name': name})

    def assertDeletedWithNothingLeft(self, ident):
        image_id = self.physical_ids(ident)['image']
        self.delete(ident)
        self.assertState('DELETE_COMPLETE', ident)
        if image_id:
            self.assertGone(self.conn.image.get_image, image_id, 'image')

    def test_web_image_from_loopback_is_refused_by_glance(self):
        # Glance (33) refuses to download from loopback and link-local
        # addresses (and from ports other than 80 and 443) unless its
        # [import_filtering_opts] allowed_hosts names them: the create
        # fails with Glance's own reason
        port = self.serve('127.0.0.1')
        ident = self.create_image('http://127.0.0.1:%d/tiny.img' % port,
                                  self.prefix + '-lo')
        self.assertState('CREATE_FAILED', ident)
        self.assertIn('URI for web-download does not pass filtering',
                      str(self.failed_events(ident)))
        self.assertDeletedWithNothingLeft(ident)

    def test_web_image(self):
        location = self.external_server() + '/tiny.img'
        name = self.prefix + '-img'
        ident = self.create_image(location, name)
        self.assertState('CREATE_COMPLETE', ident)
        image_id = self.physical_ids(ident)['image']
        image = self.conn.image.get_image(image_id)
        self.assertEqual(('active', len(IMAGE_BYTES), name, 16),
                         (image.status, image.size, image.name,
                          image.min_ram))
        self.assertEqual(['one'], image.tags)
        self.assertEqual('cirros', image.os_distro)
        data = self.conn.image.download_image(image_id)
        self.assertEqual(IMAGE_BYTES, data.content)

        self.update(ident, WEB_IMAGE, {'location': location, 'name': name,
                                       'tags': 'two,three'})
        self.assertState('UPDATE_COMPLETE', ident)
        self.assertEqual(image_id, self.physical_ids(ident)['image'])
        self.assertEqual(['three', 'two'],
                         sorted(self.conn.image.get_image(image_id).tags))
        self.assertDeletedWithNothingLeft(ident)

    def test_web_image_download_failure_fails_the_create(self):
        location = self.external_server() + '/none.img'  # a 404
        ident = self.create_image(location, self.prefix + '-none')
        self.assertState('CREATE_FAILED', ident)
        self.assertIn('web-download of %s failed' % location,
                      str(self.failed_events(ident)))
        self.assertDeletedWithNothingLeft(ident)

    def test_v1_image_is_refused_with_the_reason(self):
        ident = self.create(V1_IMAGE, {})
        self.assertState('CREATE_FAILED', ident)
        self.assertIn('requires the Glance v1 API',
                      str(self.failed_events(ident)))
        self.assertIn('OS::Glance::WebImage', str(self.failed_events(ident)))
