"""The Neutron, Nova and Glance cloud types, offline (no cloud).

- the schemas are upstream's: property names, types, defaults, required
  and update_allowed flags, nested keys, attributes;
- without a cloud, a stack of any of them fails validation (and the
  served engine refuses to create it) with upstream's "Service neutron is
  not available for resource type OS::Neutron::Net, reason: ...";
- with a cloud that offers the services (a context that says so; cloud
  constraints are then not verified), validation errors name the
  property's path;
- the requests the types make, against a fake openstacksdk connection:
  what a create sends, how rules and ports are prepared, that a delete
  waits until the resource is gone.

The same types against a real cloud: heat.tests.functional.
test_cloud_resources.
"""

import itertools
from unittest import mock

from openstack import exceptions as sdk_exc
from openstack.compute.v2 import flavor as sdk_flavor
from openstack.compute.v2 import keypair as sdk_keypair
from openstack.image.v2 import image as sdk_image
from openstack.network.v2 import network as sdk_network
from openstack.network.v2 import port as sdk_port
from openstack.network.v2 import security_group as sdk_sg
from openstack.network.v2 import security_group_rule as sdk_rule
from openstack.network.v2 import subnet as sdk_subnet

from heat.common import config, context, exception
from heat.engine import clients
from heat.engine import resources as registry
from heat.engine.resources.openstack.neutron import neutron
from heat.tests import engine_fixture
from heat.tests.unit.resources.test_none import StackTestCase

NO_CLOUD = ('HEAT-E99001 Service %s is not available for resource type '
            '%s, reason: no cloud service is configured for this engine')

#: a valid (minimal) definition of each type: (service, properties)
MINIMAL = {
    'OS::Neutron::Net': ('neutron', {}),
    'OS::Neutron::Subnet': ('neutron', {'network': 'private',
                                        'cidr': '10.0.0.0/24'}),
    'OS::Neutron::Port': ('neutron', {'network': 'private'}),
    'OS::Neutron::SecurityGroup': ('neutron', {}),
    'OS::Neutron::SecurityGroupRule': ('neutron',
                                       {'security_group': 'web'}),
    'OS::Nova::KeyPair': ('nova', {'name': 'key'}),
    'OS::Nova::Flavor': ('nova', {'ram': 64, 'vcpus': 1}),
    'OS::Glance::WebImage': ('glance', {
        'location': 'http://example.com/i.img', 'disk_format': 'raw',
        'container_format': 'bare'}),
    'OS::Glance::Image': ('glance', {
        'location': 'http://example.com/i.img', 'disk_format': 'raw',
        'container_format': 'bare'}),
}

# -- upstream's schemas: {property: (type, required, default, update)} ------

S, INT, N, B, M, L = ('String', 'Integer', 'Number', 'Boolean', 'Map',
                      'List')

UPSTREAM_PROPERTIES = {
    'OS::Neutron::Net': {
        'name': (S, False, None, True),
        'value_specs': (M, False, {}, True),
        'admin_state_up': (B, False, True, True),
        'tenant_id': (S, False, None, False),
        'shared': (B, False, False, True),
        'dhcp_agent_ids': (L, False, None, True),
        'port_security_enabled': (B, False, None, True),
        'qos_policy': (S, False, None, True),
        'dns_domain': (S, False, None, True),
        'tags': (L, False, None, True),
    },
    'OS::Neutron::Subnet': {
        'network_id': (S, False, None, False),
        'network': (S, True, None, False),
        'subnetpool': (S, False, None, False),
        'prefixlen': (INT, False, None, False),
        'cidr': (S, False, None, False),
        'value_specs': (M, False, {}, True),
        'name': (S, False, None, True),
        'ip_version': (INT, False, 4, False),
        'dns_nameservers': (L, False, [], True),
        'gateway_ip': (S, False, None, True),
        'enable_dhcp': (B, False, True, True),
        'allocation_pools': (L, False, None, True),
        'tenant_id': (S, False, None, False),
        'host_routes': (L, False, None, True),
        'ipv6_ra_mode': (S, False, None, False),
        'ipv6_address_mode': (S, False, None, False),
        'segment': (S, False, None, True),
        'tags': (L, False, None, True),
    },
    'OS::Neutron::Port': {
        'name': (S, False, None, True),
        'network_id': (S, False, None, False),
        'network': (S, True, None, False),
        'fixed_ips': (L, False, None, True),
        'security_groups': (L, False, None, True),
        'replacement_policy': (S, False, 'AUTO', True),
        'device_id': (S, False, '', True),
        'device_owner': (S, False, '', True),
        'dns_name': (S, False, None, True),
        'tags': (L, False, None, True),
        'value_specs': (M, False, {}, True),
        'admin_state_up': (B, False, True, True),
        'mac_address': (S, False, None, True),
        'allowed_address_pairs': (L, False, None, True),
        'binding:vnic_type': (S, False, 'normal', True),
        'qos_policy': (S, False, None, True),
        'port_security_enabled': (B, False, None, True),
    },
    'OS::Neutron::SecurityGroup': {
        'name': (S, False, None, True),
        'description': (S, False, None, True),
        'rules': (L, False, [], True),
    },
    'OS::Neutron::SecurityGroupRule': {
        'security_group': (S, True, None, False),
        'description': (S, False, None, False),
        'direction': (S, False, 'ingress', False),
        'ethertype': (S, False, 'IPv4', False),
        'port_range_min': (INT, False, None, False),
        'port_range_max': (INT, False, None, False),
        'protocol': (S, False, 'tcp', False),
        'remote_group': (S, False, None, False),
        'remote_ip_prefix': (S, False, None, False),
    },
    'OS::Nova::KeyPair': {
        'name': (S, True, None, False),
        'save_private_key': (B, False, False, False),
        'public_key': (S, False, None, False),
        'type': (S, False, None, False),
        'user': (S, False, None, False),
    },
    'OS::Nova::Flavor': {
        'tenants': (L, False, [], True),
        'flavorid': (S, False, None, False),
        'name': (S, False, None, False),
        'ram': (INT, True, None, False),
        'vcpus': (INT, True, None, False),
        'disk': (INT, False, 0, False),
        'swap': (INT, False, 0, False),
        'ephemeral': (INT, False, 0, False),
        'rxtx_factor': (N, False, 1.0, False),
        'extra_specs': (M, False, None, True),
        'is_public': (B, False, True, False),
    },
    'OS::Glance::WebImage': {
        'name': (S, False, None, False),
        'id': (S, False, None, False),
        'min_disk': (INT, False, 0, False),
        'min_ram': (INT, False, 0, False),
        'protected': (B, False, False, False),
        'disk_format': (S, True, None, False),
        'container_format': (S, True, None, False),
        'location': (S, True, None, False),
        'tags': (L, False, None, True),
        'architecture': (S, False, None, True),
        'kernel_id': (S, False, None, True),
        'os_distro': (S, False, None, True),
        'os_version': (S, False, None, True),
        'owner': (S, False, None, True),
        'visibility': (S, False, 'private', True),
        'ramdisk_id': (S, False, None, True),
    },
    'OS::Glance::Image': {
        'name': (S, False, None, False),
        'id': (S, False, None, False),
        'is_public': (B, False, False, False),
        'min_disk': (INT, False, 0, False),
        'min_ram': (INT, False, 0, False),
        'protected': (B, False, False, False),
        'disk_format': (S, True, None, False),
        'container_format': (S, True, None, False),
        'location': (S, True, None, False),
        'tags': (L, False, None, True),
        'extra_properties': (M, False, {}, True),
        'architecture': (S, False, None, True),
        'kernel_id': (S, False, None, True),
        'os_distro': (S, False, None, True),
        'owner': (S, False, None, True),
        'ramdisk_id': (S, False, None, True),
    },
}

UPSTREAM_ATTRIBUTES = {
    'OS::Neutron::Net': {
        'status', 'name', 'subnets', 'admin_state_up', 'tenant_id',
        'port_security_enabled', 'mtu', 'qos_policy_id', 'l2_adjacency',
        'segments'},
    'OS::Neutron::Subnet': {
        'name', 'network_id', 'tenant_id', 'allocation_pools',
        'gateway_ip', 'host_routes', 'ip_version', 'cidr',
        'dns_nameservers', 'enable_dhcp'},
    'OS::Neutron::Port': {
        'admin_state_up', 'device_id', 'device_owner', 'fixed_ips',
        'mac_address', 'name', 'network_id', 'security_groups', 'status',
        'tenant_id', 'allowed_address_pairs', 'subnets',
        'port_security_enabled', 'qos_policy_id', 'dns_assignment',
        'network'},
    'OS::Neutron::SecurityGroup': set(),
    'OS::Neutron::SecurityGroupRule': set(),
    'OS::Nova::KeyPair': {'public_key', 'private_key'},
    'OS::Nova::Flavor': {'is_public', 'extra_specs'},
    'OS::Glance::WebImage': set(),
    'OS::Glance::Image': set(),
}


def template(resources, version='2018-08-31'):
    """A HOT template of ``{name: (type, properties)}``."""
    import json
    body = {'heat_template_version': version, 'resources': {
        name: {'type': rtype, 'properties': props}
        for name, (rtype, props) in resources.items()}}
    return json.dumps(body)


class TestSchemas(StackTestCase):

    def test_every_type_is_registered_with_its_service(self):
        for rtype, (service, _props) in MINIMAL.items():
            cls = registry.get_class(rtype)
            self.assertEqual(service, cls.required_service, rtype)
            self.assertTrue(callable(getattr(cls, 'handle_check', None)),
                            rtype)

    def test_properties_are_upstreams(self):
        for rtype, expected in UPSTREAM_PROPERTIES.items():
            schema = registry.get_class(rtype).properties_schema
            self.assertEqual(sorted(expected), sorted(schema), rtype)
            for name, (kind, required, default, update) in \
                    expected.items():
                prop = schema[name]
                self.assertEqual(
                    (kind, required, default, update),
                    (prop.type, prop.required, prop.default,
                     prop.update_allowed), '%s %s' % (rtype, name))

    def test_attributes_are_upstreams(self):
        for rtype, expected in UPSTREAM_ATTRIBUTES.items():
            schema = registry.get_class(rtype).attributes_schema
            self.assertEqual(expected, set(schema), rtype)

    def test_nested_keys_are_upstreams(self):
        def keys(rtype, prop):
            schema = registry.get_class(rtype).properties_schema[prop]
            item = schema.schema
            return {k: (v.required, v.default)
                    for k, v in item.schema.items()}

        self.assertEqual(
            {'direction': (False, 'ingress'), 'ethertype': (False, 'IPv4'),
             'port_range_min': (False, None),
             'port_range_max': (False, None), 'protocol': (False, None),
             'remote_mode': (False, 'remote_ip_prefix'),
             'remote_group_id': (False, None),
             'remote_ip_prefix': (False, None)},
            keys('OS::Neutron::SecurityGroup', 'rules'))
        self.assertEqual(
            {'subnet_id': (False, None), 'subnet': (False, None),
             'ip_address': (False, None)},
            keys('OS::Neutron::Port', 'fixed_ips'))
        self.assertEqual(
            {'mac_address': (False, None), 'ip_address': (True, None)},
            keys('OS::Neutron::Port', 'allowed_address_pairs'))
        self.assertEqual({'start': (True, None), 'end': (True, None)},
                         keys('OS::Neutron::Subnet', 'allocation_pools'))
        self.assertEqual(
            {'destination': (True, None), 'nexthop': (True, None)},
            keys('OS::Neutron::Subnet', 'host_routes'))

    def test_constraints_are_upstreams(self):
        def constraints(rtype, prop):
            schema = registry.get_class(rtype).properties_schema[prop]
            return [c.to_dict() for c in schema.constraints]

        self.assertEqual([{'custom_constraint': 'neutron.network'}],
                         constraints('OS::Neutron::Subnet', 'network'))
        self.assertEqual([{'custom_constraint': 'net_cidr'}],
                         constraints('OS::Neutron::Subnet', 'cidr'))
        self.assertEqual([{'allowed_values': [4, 6]}],
                         constraints('OS::Neutron::Subnet', 'ip_version'))
        self.assertEqual([{'custom_constraint': 'neutron.network'}],
                         constraints('OS::Neutron::Port', 'network'))
        self.assertEqual([{'custom_constraint': 'mac_addr'}],
                         constraints('OS::Neutron::Port', 'mac_address'))
        self.assertEqual(
            [{'allowed_values': ['normal', 'direct', 'macvtap',
                                 'direct-physical', 'baremetal']}],
            constraints('OS::Neutron::Port', 'binding:vnic_type'))
        self.assertEqual([{'custom_constraint': 'neutron.qos_policy'}],
                         constraints('OS::Neutron::Net', 'qos_policy'))
        self.assertEqual([{'length': {'min': 1, 'max': 255}}],
                         constraints('OS::Nova::KeyPair', 'name'))
        self.assertEqual([{'allowed_values': ['ssh', 'x509']}],
                         constraints('OS::Nova::KeyPair', 'type'))
        protocols = constraints('OS::Neutron::SecurityGroupRule',
                                'protocol')[0]['allowed_values']
        self.assertEqual(256 + 22, len(protocols))
        self.assertIn('icmp', protocols)

    def test_key_pair_private_key_is_never_cached(self):
        schema = registry.get_class('OS::Nova::KeyPair').attributes_schema
        self.assertEqual('cache_none', schema['private_key'].cache_mode)


class NoCloudMixin:

    def no_cloud(self):
        conf = config.CONF
        clients.register_opts(conf)
        for name, group in (('cloud', 'clients'),
                            ('auth_uri', 'clients_keystone')):
            conf.set_override(name, None, group=group)
            self.addCleanup(conf.clear_override, name, group=group)
        self.assertFalse(clients.configured(self.ctx))


class TestWithoutCloud(StackTestCase, NoCloudMixin):

    def setUp(self):
        super().setUp()
        self.no_cloud()

    def test_validate_says_the_service_is_not_available(self):
        for rtype, (service, props) in MINIMAL.items():
            stack = self.parse(template({'r': (rtype, props)}))
            err = self.assertRaises(exception.ResourceTypeUnavailable,
                                    stack.validate)
            self.assertEqual(NO_CLOUD % (service, rtype), str(err))

    def test_served_engine_refuses_the_create(self):
        svc = self.useFixture(engine_fixture.EngineFixture()).service
        # an administrator: OS::Nova::Flavor is admin-only (upstream's
        # resource_types: rules, checked before the service)
        values = self.ctx.to_dict()
        values['roles'] = ['admin']
        admin = context.RequestContext.from_dict(values)
        for rtype, (service, props) in MINIMAL.items():
            err = self.assertRaises(
                exception.ResourceTypeUnavailable, svc.create_stack,
                admin, 'nocloud', template({'r': (rtype, props)}), {},
                {}, {})
            self.assertEqual(NO_CLOUD % (service, rtype), str(err))


# -- a cloud that offers the services (constraints: not verified) ----------

class FakeClients:
    """``context.clients`` of a fake cloud: ``find`` gives ``id-<name>``."""

    def __init__(self, connection):
        self.connection = connection

    def find(self, service, resource, value):
        if neutron.is_uuid_like(value):
            return value
        return 'id-%s' % value


class CloudContext(context.RequestContext):
    """A context whose cloud offers every service (no constraint is
    verified: ``find_cloud_resource`` is None)."""

    fake_clients = None

    @property
    def available_services(self):
        return frozenset({'neutron', 'nova', 'glance', 'keystone'})

    @property
    def find_cloud_resource(self):
        return None

    @property
    def clients(self):
        return self.fake_clients


class CloudTestCase(StackTestCase):

    def setUp(self):
        super().setUp()
        self.conn = mock.MagicMock(name='connection')
        self.conn.current_project_id = 'project-1'
        self.ctx = CloudContext(project_id='test_tenant',
                                user_id='test_user', user_name='tester')
        self.ctx.fake_clients = FakeClients(self.conn)
        self.ids = itertools.count(1)

    def new_id(self, prefix):
        return '%s-%d' % (prefix, next(self.ids))

    def assertInvalid(self, message, resources):
        stack = self.parse(template(resources))
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertEqual(message, str(err))


class TestValidationPaths(CloudTestCase):

    def test_minimal_definitions_are_valid(self):
        for rtype, (_service, props) in MINIMAL.items():
            self.parse(template({'r': (rtype, props)})).validate()

    def test_errors_name_the_property_path(self):
        net, subnet, port = ('OS::Neutron::Net', 'OS::Neutron::Subnet',
                             'OS::Neutron::Port')
        sg, rule = 'OS::Neutron::SecurityGroup', \
            'OS::Neutron::SecurityGroupRule'
        table = [
            ((net, {'value_specs': {'shared': True, 'foo': 1}}),
             'resources.r.properties.value_specs: shared not allowed in '
             'value_specs'),
            ((net, {'value_specs': {'name': 'x', 'tenant_id': 't'}}),
             'resources.r.properties.value_specs: name, tenant_id not '
             'allowed in value_specs'),
            ((net, {'admin_state_up': 'maybe'}),
             'resources.r.properties.admin_state_up: "maybe" is not a '
             'valid boolean'),
            ((net, {'bogus': 1}),
             'resources.r.properties: Unknown Property bogus'),
            ((subnet, {'cidr': '10.0.0.0/24'}),
             'resources.r.properties: Property network not assigned'),
            ((subnet, {'network': 'n'}),
             'resources.r.properties: At least one of the following '
             'properties must be specified: subnetpool, cidr.'),
            ((subnet, {'network': 'n', 'cidr': '10.0.0.0/24',
                       'subnetpool': 'p'}),
             'resources.r.properties: Cannot define the following '
             'properties at the same time: subnetpool, cidr.'),
            ((subnet, {'network': 'n', 'cidr': '10.0.0.0/24',
                       'network_id': 'n'}),
             'resources.r.properties: Cannot define the following '
             'properties at the same time: network, network_id.'),
            ((subnet, {'network': 'n', 'cidr': 'bad'}),
             'resources.r.properties.cidr: "bad" does not validate '
             'net_cidr'),
            ((subnet, {'network': 'n', 'cidr': '10.0.0.0/24',
                       'ip_version': 5}),
             'resources.r.properties.ip_version: "5" is not an allowed '
             'value [4, 6]'),
            ((subnet, {'network': 'n', 'cidr': '10.0.0.0/24',
                       'allocation_pools': [{'start': '10.0.0.2',
                                             'end': 'x'}]}),
             'resources.r.properties.allocation_pools[0].end: "x" does '
             'not validate ip_addr'),
            ((subnet, {'network': 'n', 'cidr': '10.0.0.0/24',
                       'host_routes': [{'destination': '10.1.0.0/24'}]}),
             'resources.r.properties.host_routes[0]: Property nexthop not '
             'assigned'),
            ((subnet, {'network': 'n', 'cidr': '10.0.0.0/24',
                       'gateway_ip': '10.0.0.300'}),
             'resources.r.properties.gateway_ip: Gateway IP address '
             '"10.0.0.300" is in invalid format.'),
            ((subnet, {'network': 'n', 'cidr': '10.0.0.0/24',
                       'ipv6_ra_mode': 'slaac'}),
             'resources.r.properties: ipv6_ra_mode and ipv6_address_mode '
             'are not supported for ipv4.'),
            ((port, {'network': 'n',
                     'fixed_ips': [{'ip_address': '10.0.0.9'},
                                   {'ip_address': 'nine'}]}),
             'resources.r.properties.fixed_ips[1].ip_address: "nine" does '
             'not validate ip_addr'),
            ((port, {'network': 'n', 'mac_address': 'zz'}),
             'resources.r.properties.mac_address: "zz" does not validate '
             'mac_addr'),
            ((port, {'network': 'n', 'binding:vnic_type': 'fast'}),
             'resources.r.properties.binding:vnic_type: "fast" is not an '
             'allowed value [normal, direct, macvtap, direct-physical, '
             'baremetal]'),
            ((port, {'network': 'n',
                     'allowed_address_pairs': [
                         {'mac_address': 'fa:16:3e:00:00:01'}]}),
             'resources.r.properties.allowed_address_pairs[0]: Property '
             'ip_address not assigned'),
            ((sg, {'name': 'default'}),
             'resources.r.properties.name: Security groups cannot be '
             'assigned the name "default".'),
            ((sg, {'rules': [{'direction': 'ingress'},
                             {'direction': 'sideways'}]}),
             'resources.r.properties.rules[1].direction: "sideways" is '
             'not an allowed value [ingress, egress]'),
            ((sg, {'rules': [{'port_range_max': 70000}]}),
             'resources.r.properties.rules[0].port_range_max: 70000 is '
             'out of range (min: 0, max: 65535)'),
            ((sg, {'rules': [{'remote_mode': 'anything'}]}),
             'resources.r.properties.rules[0].remote_mode: "anything" is '
             'not an allowed value [remote_ip_prefix, remote_group_id]'),
            ((rule, {'security_group': 'g', 'remote_group': 'h',
                     'remote_ip_prefix': '10.0.0.0/8'}),
             'resources.r.properties: Cannot define the following '
             'properties at the same time: remote_group, '
             'remote_ip_prefix.'),
            ((rule, {'security_group': 'g', 'port_range_min': 90,
                     'port_range_max': 80}),
             'resources.r.properties.port_range_min: The minimum port '
             'number must be less than or equal to the maximum port '
             'number.'),
            ((rule, {'security_group': 'g', 'protocol': 'bogus'}),
             'resources.r.properties.protocol: "bogus" is not an allowed '
             'value'),
            (('OS::Nova::KeyPair', {'name': ''}),
             'resources.r.properties.name: length (0) is out of range '
             '(min: 1, max: 255)'),
            (('OS::Nova::KeyPair', {'name': 'k', 'type': 'rsa'}),
             'resources.r.properties.type: "rsa" is not an allowed value '
             '[ssh, x509]'),
            (('OS::Nova::Flavor', {'ram': 64}),
             'resources.r.properties: Property vcpus not assigned'),
            (('OS::Nova::Flavor', {'ram': 64, 'vcpus': 1,
                                   'extra_specs': ['a']}),
             "resources.r.properties.extra_specs: \"['a']\" is not a map"),
            (('OS::Glance::WebImage', {
                'location': 'http://x/i', 'disk_format': 'raw',
                'container_format': 'ami'}),
             "resources.r.properties.container_format: Invalid mix of "
             "disk and container formats. When setting a disk or "
             "container format to one of 'aki', 'ari', or 'ami', the "
             "container and disk formats must match."),
            (('OS::Glance::WebImage', {
                'location': 'http://x/i', 'disk_format': 'raw',
                'container_format': 'bare', 'kernel_id': 'k'}),
             'resources.r.properties.kernel_id: "k" does not match '
             'pattern "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
             '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"'),
            (('OS::Glance::WebImage', {'disk_format': 'raw',
                                       'container_format': 'bare'}),
             'resources.r.properties: Property location not assigned'),
        ]
        for (rtype, props), message in table:
            stack = self.parse(template({'r': (rtype, props)}))
            err = self.assertRaises(exception.StackValidationFailed,
                                    stack.validate)
            if message.endswith('is not an allowed value'):
                self.assertTrue(str(err).startswith(message), str(err))
            else:
                self.assertEqual(message, str(err))

    def test_deprecated_network_id_is_read_as_network(self):
        stack = self.parse(template({'r': ('OS::Neutron::Port', {
            'network_id': 'n'})}))
        stack.validate()
        self.assertEqual('n', stack.resources['r'].properties['network'])


# -- requests against a fake connection ---------------------------------

def not_found(*args, **kwargs):
    raise sdk_exc.NotFoundException('gone')


class TestRequests(CloudTestCase):

    def create(self, text, params=None, **kwargs):
        stack = super().create(text, params, **kwargs)
        self.assertState(('CREATE', 'COMPLETE'), stack)
        return stack

    def test_net(self):
        net_api = self.conn.network
        net_api.create_network.return_value = sdk_network.Network(
            id='net-1')
        net_api.get_network.return_value = sdk_network.Network(
            id='net-1', status='ACTIVE', subnets=['s-1'], mtu=1450,
            admin_state_up=True, project_id='p', tenant_id='p')
        stack = self.create(template({'net': ('OS::Neutron::Net', {
            'value_specs': {'provider:network_type': 'flat'},
            'dhcp_agent_ids': ['agent'], 'qos_policy': 'gold',
            'tags': ['a', 'b']})}))
        rsrc = stack.resources['net']
        body = net_api.create_network.call_args.kwargs
        self.assertEqual({'name': rsrc.physical_resource_name(),
                          'admin_state_up': True, 'shared': False,
                          'provider:network_type': 'flat',
                          'qos_policy_id': 'id-gold'}, body)
        net_api.set_tags.assert_called_once_with(mock.ANY, ['a', 'b'])
        self.assertEqual('net-1', rsrc.FnGetRefId())
        self.assertEqual(['s-1'], rsrc.FnGetAtt('subnets'))
        self.assertEqual(1450, rsrc.FnGetAtt('mtu'))
        self.assertEqual('p', rsrc.FnGetAtt('tenant_id'))
        self.assertEqual('ACTIVE', rsrc.FnGetAtt('show')['status'])

    def test_net_build_status_waits_and_error_fails(self):
        net_api = self.conn.network
        net_api.create_network.return_value = sdk_network.Network(id='n')
        net_api.get_network.side_effect = [
            sdk_network.Network(id='n', status='BUILD'),
            sdk_network.Network(id='n', status='ERROR')]
        stack = super().create(template({'net': ('OS::Neutron::Net', {})}))
        self.assertState(('CREATE', 'FAILED'), stack)
        self.assertIn('Went to status ERROR due to "Unknown"',
                      stack.status_reason)

    def test_subnet_null_gateway_and_names_resolved(self):
        net_api = self.conn.network
        net_api.create_subnet.return_value = sdk_subnet.Subnet(id='s-1')
        self.create(template({'subnet': ('OS::Neutron::Subnet', {
            'network': 'private', 'cidr': '10.0.0.0/24',
            'gateway_ip': None, 'tenant_id': 'p2',
            'allocation_pools': [{'start': '10.0.0.10',
                                  'end': '10.0.0.20'}]})}))
        body = net_api.create_subnet.call_args.kwargs
        self.assertEqual('id-private', body['network_id'])
        self.assertIsNone(body['gateway_ip'])
        self.assertEqual('p2', body['project_id'])
        self.assertEqual([{'start': '10.0.0.10', 'end': '10.0.0.20'}],
                         body['allocation_pools'])
        self.assertEqual((4, True, []), (body['ip_version'],
                                         body['enable_dhcp'],
                                         body['dns_nameservers']))
        self.assertNotIn('network', body)
        self.assertNotIn('tenant_id', body)

    def test_port_request(self):
        net_api = self.conn.network
        net_api.create_port.return_value = sdk_port.Port(id='p-1')
        net_api.get_port.return_value = sdk_port.Port(id='p-1',
                                                      status='DOWN')
        net_api.security_groups.return_value = [sdk_sg.SecurityGroup(
            id='sg-web', project_id='project-1')]
        sg_id = '11111111-2222-3333-4444-555555555555'
        self.create(template({'port': ('OS::Neutron::Port', {
            'network': 'private',
            'fixed_ips': [{'subnet': 'sub', 'ip_address': '10.0.0.5'},
                          {'subnet_id': 'old'}],
            'security_groups': ['web', sg_id],
            'allowed_address_pairs': [{'ip_address': '10.0.0.0/24'}],
            'replacement_policy': 'AUTO'})}))
        body = net_api.create_port.call_args.kwargs
        self.assertEqual('id-private', body['network_id'])
        self.assertEqual([{'subnet_id': 'id-sub', 'ip_address': '10.0.0.5'},
                          {'subnet_id': 'id-old'}], body['fixed_ips'])
        self.assertEqual(['sg-web', sg_id], body['security_groups'])
        self.assertEqual([{'ip_address': '10.0.0.0/24'}],
                         body['allowed_address_pairs'])
        self.assertEqual(('normal', True, '', ''),
                         (body['binding:vnic_type'], body['admin_state_up'],
                          body['device_id'], body['device_owner']))
        for absent in ('replacement_policy', 'network', 'tags',
                       'qos_policy'):
            self.assertNotIn(absent, body)
        net_api.security_groups.assert_called_once_with(name='web')

    def test_port_without_fixed_ips_or_groups_leaves_them_to_neutron(self):
        net_api = self.conn.network
        net_api.create_port.return_value = sdk_port.Port(id='p-1')
        net_api.get_port.return_value = sdk_port.Port(id='p-1',
                                                      status='ACTIVE')
        self.create(template({'port': ('OS::Neutron::Port', {
            'network': 'private', 'fixed_ips': []})}))
        body = net_api.create_port.call_args.kwargs
        self.assertNotIn('fixed_ips', body)
        self.assertNotIn('security_groups', body)

    def test_port_replace_always_needs_replacement(self):
        cls = registry.get_class('OS::Neutron::Port')
        stack = self.parse(template({'port': ('OS::Neutron::Port', {
            'network': 'n', 'replacement_policy': 'REPLACE_ALWAYS'})}))
        rsrc = stack.resources['port']
        self.assertTrue(rsrc.needs_replace(rsrc.properties))
        self.assertIs(cls, type(rsrc))

    def test_security_group_rules(self):
        net_api = self.conn.network
        net_api.create_security_group.return_value = sdk_sg.SecurityGroup(
            id='sg-1')
        net_api.security_group_rules.return_value = [
            sdk_rule.SecurityGroupRule(id='e4', direction='egress'),
            sdk_rule.SecurityGroupRule(id='e6', direction='egress'),
            sdk_rule.SecurityGroupRule(id='i1', direction='ingress')]
        net_api.create_security_group_rule.side_effect = [
            sdk_rule.SecurityGroupRule(id='r1'),
            sdk_exc.ConflictException('duplicate'),  # not an error
            sdk_rule.SecurityGroupRule(id='r3')]
        stack = self.create(template({'sg': (
            'OS::Neutron::SecurityGroup', {
                'description': 'd',
                'rules': [
                    {'protocol': 'tcp', 'port_range_min': 22,
                     'port_range_max': 22,
                     'remote_ip_prefix': '10.0.0.0/8'},
                    {'remote_mode': 'remote_group_id'},
                    {'direction': 'egress', 'ethertype': 'IPv6'}]})}))
        body = net_api.create_security_group.call_args.kwargs
        self.assertEqual({'name': stack.resources['sg'].
                          physical_resource_name(), 'description': 'd'},
                         body)
        rules = [c.kwargs for c in
                 net_api.create_security_group_rule.call_args_list]
        self.assertEqual([
            {'security_group_id': 'sg-1', 'direction': 'ingress',
             'ethertype': 'IPv4', 'protocol': 'tcp', 'port_range_min': 22,
             'port_range_max': 22, 'remote_ip_prefix': '10.0.0.0/8'},
            {'security_group_id': 'sg-1', 'direction': 'ingress',
             'ethertype': 'IPv4', 'remote_group_id': 'sg-1'},
            {'security_group_id': 'sg-1', 'direction': 'egress',
             'ethertype': 'IPv6'},
        ], rules)
        # the template's egress rule removed Neutron's egress rules
        self.assertEqual(
            ['e4', 'e6'],
            [c.args[0] for c in
             net_api.delete_security_group_rule.call_args_list])

    def test_security_group_rules_update(self):
        net_api = self.conn.network
        net_api.create_security_group.return_value = sdk_sg.SecurityGroup(
            id='sg-1')
        net_api.security_group_rules.return_value = []
        rules = {'rules': [{'port_range_min': 22, 'port_range_max': 22,
                            'protocol': 'tcp'}]}
        stack = self.create(template({'sg': (
            'OS::Neutron::SecurityGroup', rules)}))
        net_api.create_security_group_rule.reset_mock()
        net_api.security_group_rules.return_value = [
            sdk_rule.SecurityGroupRule(id='old', direction='ingress')]
        rules['rules'][0]['port_range_max'] = 23
        self.update(stack, template({'sg': (
            'OS::Neutron::SecurityGroup', rules)}))
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        self.assertEqual('sg-1', stack.resources['sg'].resource_id)
        net_api.delete_security_group_rule.assert_called_once_with(
            'old', ignore_missing=True)
        created = [c.kwargs for c in
                   net_api.create_security_group_rule.call_args_list]
        self.assertEqual([
            {'security_group_id': 'sg-1', 'direction': 'egress',
             'ethertype': 'IPv4'},
            {'security_group_id': 'sg-1', 'direction': 'egress',
             'ethertype': 'IPv6'},
            {'security_group_id': 'sg-1', 'direction': 'ingress',
             'ethertype': 'IPv4', 'protocol': 'tcp', 'port_range_min': 22,
             'port_range_max': 23},
        ], created)

    def test_security_group_rule_resource(self):
        net_api = self.conn.network
        net_api.security_groups.side_effect = lambda name: [
            sdk_sg.SecurityGroup(id='id-' + name)]
        net_api.create_security_group_rule.return_value = \
            sdk_rule.SecurityGroupRule(id='rule-1')
        stack = self.create(template({'rule': (
            'OS::Neutron::SecurityGroupRule', {
                'security_group': 'web', 'remote_group': 'db',
                'port_range_min': 5432, 'port_range_max': 5432})}))
        self.assertEqual({
            'security_group_id': 'id-web', 'remote_group_id': 'id-db',
            'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'tcp',
            'port_range_min': 5432, 'port_range_max': 5432},
            net_api.create_security_group_rule.call_args.kwargs)
        self.assertEqual('rule-1', stack.resources['rule'].resource_id)

    def test_ambiguous_group_name_picks_the_projects_own(self):
        self.conn.network.security_groups.return_value = [
            sdk_sg.SecurityGroup(id='other', project_id='project-2'),
            sdk_sg.SecurityGroup(id='mine', project_id='project-1')]
        stack = self.parse(template({'port': ('OS::Neutron::Port', {
            'network': 'n'})}))
        self.assertEqual(['mine'],
                         stack.resources['port'].secgroup_ids(['default']))
        self.conn.network.security_groups.return_value = [
            sdk_sg.SecurityGroup(id='a', project_id='project-2'),
            sdk_sg.SecurityGroup(id='b', project_id='project-3')]
        self.assertRaises(exception.PhysicalResourceNameAmbiguity,
                          stack.resources['port'].secgroup_ids, ['default'])

    def test_delete_waits_until_gone(self):
        net_api = self.conn.network
        net_api.create_network.return_value = sdk_network.Network(id='n-1')
        net_api.get_network.side_effect = itertools.chain(
            [sdk_network.Network(id='n-1', status='ACTIVE')] * 3,
            iter(not_found, None))
        stack = self.create(template({'net': ('OS::Neutron::Net', {})}))
        calls = net_api.get_network.call_count
        stack.delete()
        self.assertState(('DELETE', 'COMPLETE'), stack)
        net_api.delete_network.assert_called_once_with(
            'n-1', ignore_missing=True)
        # still there twice after the delete, then gone
        self.assertEqual(calls + 3, net_api.get_network.call_count)

    def test_key_pair_saves_the_private_key_redacted(self):
        created = sdk_keypair.Keypair(name='k', public_key='PUB',
                                      private_key='PRIV')
        factory = mock.MagicMock()
        factory.return_value.create.return_value = created
        factory.return_value.fetch.return_value = created
        cls = registry.get_class('OS::Nova::KeyPair')
        self.patch(cls, '_keypair_resource', factory)
        stack = self.create(template({'key': ('OS::Nova::KeyPair', {
            'name': 'k', 'save_private_key': True, 'type': 'ssh'})}))
        factory.assert_any_call(name='k', type='ssh')
        factory.return_value.create.assert_called_once_with(
            self.conn.compute, microversion='2.10')
        rsrc = stack.resources['key']
        self.assertEqual('k', rsrc.FnGetRefId())
        self.assertEqual('PRIV', rsrc.FnGetAtt('private_key'))
        self.assertEqual('PUB', rsrc.FnGetAtt('public_key'))
        from heat.db import api as db_api
        row = [d for d in db_api.resource_data_get_all(
            self.ctx, rsrc.id, reveal_redacted=False).items()]
        self.assertEqual(1, len(row))
        self.assertNotEqual('PRIV', row[0][1])
        self.assertTrue(cls.replace_before_create is False)

    def test_key_pair_private_key_empty_unless_saved(self):
        created = sdk_keypair.Keypair(name='k', public_key='PUB',
                                      private_key='PRIV')
        factory = mock.MagicMock()
        factory.return_value.create.return_value = created
        self.patch(registry.get_class('OS::Nova::KeyPair'),
                   '_keypair_resource', factory)
        stack = self.create(template({'key': ('OS::Nova::KeyPair', {
            'name': 'k', 'public_key': 'ssh-rsa AAAA'})}))
        factory.assert_any_call(name='k', public_key='ssh-rsa AAAA')
        self.assertEqual('', stack.resources['key'].FnGetAtt('private_key'))
        self.assertEqual('ssh-rsa AAAA',
                         stack.resources['key'].FnGetAtt('public_key'))

    def test_private_flavor(self):
        compute = self.conn.compute
        compute.create_flavor.return_value = sdk_flavor.Flavor(id='f-1')
        compute.fetch_flavor_extra_specs.return_value = sdk_flavor.Flavor(
            id='f-1', extra_specs={'a': '1'})
        stack = self.create(template({'flavor': ('OS::Nova::Flavor', {
            'ram': 64, 'vcpus': 1, 'is_public': False,
            'extra_specs': {'a': 1}, 'tenants': ['demo', 'other']})}))
        attrs = compute.create_flavor.call_args.kwargs
        self.assertEqual({
            'name': stack.resources['flavor'].physical_resource_name(),
            'ram': 64, 'vcpus': 1, 'disk': 0, 'swap': 0, 'ephemeral': 0,
            'rxtx_factor': 1.0, 'is_public': False}, attrs)
        compute.create_flavor_extra_specs.assert_called_once_with(
            'f-1', {'a': '1'})
        self.assertEqual(
            [mock.call('f-1', 'id-demo'), mock.call('f-1', 'id-other')],
            compute.flavor_add_tenant_access.call_args_list)
        self.assertEqual({'a': '1'},
                         stack.resources['flavor'].FnGetAtt('extra_specs'))

        compute.get_flavor_access.return_value = [
            {'flavor_id': 'f-1', 'tenant_id': 'id-demo'},
            {'flavor_id': 'f-1', 'tenant_id': 'id-other'}]
        self.update(stack, template({'flavor': ('OS::Nova::Flavor', {
            'ram': 64, 'vcpus': 1, 'is_public': False,
            'extra_specs': {'b': 'x'}, 'tenants': ['demo', 'third']})}))
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        self.assertEqual('f-1', stack.resources['flavor'].resource_id)
        compute.delete_flavor_extra_specs_property.assert_called_once_with(
            'f-1', 'a')
        compute.create_flavor_extra_specs.assert_called_with('f-1',
                                                             {'b': 'x'})
        compute.flavor_remove_tenant_access.assert_called_once_with(
            'f-1', 'id-other')
        compute.flavor_add_tenant_access.assert_called_with('f-1',
                                                            'id-third')

    def test_private_flavor_without_tenants_is_the_projects(self):
        compute = self.conn.compute
        compute.create_flavor.return_value = sdk_flavor.Flavor(id='f-1')
        self.create(template({'flavor': ('OS::Nova::Flavor', {
            'ram': 64, 'vcpus': 1, 'is_public': False,
            'flavorid': 'auto'})}))
        self.assertNotIn('id', compute.create_flavor.call_args.kwargs)
        compute.flavor_add_tenant_access.assert_called_once_with(
            'f-1', 'project-1')

    def test_web_image_import_failure_fails_the_create(self):
        image_api = self.conn.image
        image_api.get_import_info.return_value = mock.Mock(
            import_methods={'value': ['web-download']})
        factory = mock.patch.object(sdk_image.Image, 'new').start()
        self.addCleanup(mock.patch.stopall)
        factory.return_value.create.return_value = sdk_image.Image(
            id='img-1', status='queued', disk_format='raw',
            container_format='bare')
        image_api.import_image.return_value = mock.Mock(status_code=202)
        image_api.get_image.return_value = sdk_image.Image(
            id='img-1', status='queued',
            os_glance_failed_import='fs')
        image_api.image_tasks.return_value = [mock.Mock(
            status='failure', message='Task failed due to Internal Error',
            updated_at='2026')]
        stack = super().create(template({'img': ('OS::Glance::WebImage', {
            'location': 'http://example.com/i.img', 'disk_format': 'raw',
            'container_format': 'bare', 'tags': ['t']})}))
        self.assertState(('CREATE', 'FAILED'), stack)
        self.assertIn('web-download of http://example.com/i.img failed '
                      '(stores: fs): Task failed due to Internal Error',
                      stack.status_reason)
        attrs = factory.call_args.kwargs
        # no name given: none (upstream's), unlike the Neutron types
        self.assertEqual({'min_disk', 'min_ram', 'protected',
                          'disk_format', 'container_format', 'tags',
                          'visibility'}, set(attrs))
        self.assertEqual('img-1', stack.resources['img'].resource_id)

    def test_web_image_without_web_download_says_so(self):
        self.conn.image.get_import_info.return_value = mock.Mock(
            import_methods={'value': ['glance-direct']})
        stack = super().create(template({'img': ('OS::Glance::WebImage', {
            'location': 'http://example.com/i.img', 'disk_format': 'raw',
            'container_format': 'bare'})}))
        self.assertState(('CREATE', 'FAILED'), stack)
        self.assertIn('Glance does not offer the "web-download" image '
                      'import method', stack.status_reason)

    def test_v1_image_is_refused_with_the_reason(self):
        stack = super().create(template({'img': ('OS::Glance::Image', {
            'location': 'http://example.com/i.img', 'disk_format': 'raw',
            'container_format': 'bare'})}))
        self.assertState(('CREATE', 'FAILED'), stack)
        self.assertIn('requires the Glance v1 API', stack.status_reason)
        self.assertIn('OS::Glance::WebImage', stack.status_reason)
        self.assertFalse(self.conn.image.method_calls)


class TestIsBuilt(StackTestCase):

    def test_statuses(self):
        is_built = neutron.NeutronResource.is_built
        self.assertFalse(is_built('BUILD'))
        self.assertTrue(is_built('ACTIVE'))
        self.assertTrue(is_built('DOWN'))
        for status in ('ERROR', 'DEGRADED'):
            err = self.assertRaises(exception.ResourceInError, is_built,
                                    status)
            self.assertEqual('Went to status %s due to "Unknown"' % status,
                             str(err))
        err = self.assertRaises(exception.CloudError, is_built, 'WEIRD')
        self.assertEqual('Resource is not built - Unknown status WEIRD due '
                         'to "Unknown"', str(err))
