"""``OS::Neutron::Subnet``: an IP address block of a Neutron network.

The subnet is made on ``network`` (a name or id) from ``cidr`` or from a
``subnetpool`` (optionally with ``prefixlen``). ``gateway_ip`` left out
lets Neutron pick the first address; written as null, ``~`` or ``""`` it
makes a subnet without a gateway. Updates in place, as upstream's:
``name``, ``value_specs``, ``dns_nameservers``, ``gateway_ip``,
``enable_dhcp``, ``allocation_pools``, ``host_routes``, ``tags`` and
``segment`` (only while the subnet has no segment); any other change
(``cidr``, ``network``, ``ip_version``...) replaces the subnet.

The deprecated ``network_id`` (hidden upstream) is still accepted and
read as ``network``.
"""

import ipaddress

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources.openstack.neutron import neutron


class Subnet(neutron.NeutronResource):
    """A Neutron subnet."""

    entity = 'subnet'

    PROPERTIES = (
        NETWORK_ID, NETWORK, SUBNETPOOL, PREFIXLEN, CIDR,
        VALUE_SPECS, NAME, IP_VERSION, DNS_NAMESERVERS, GATEWAY_IP,
        ENABLE_DHCP, ALLOCATION_POOLS, TENANT_ID, HOST_ROUTES,
        IPV6_RA_MODE, IPV6_ADDRESS_MODE, SEGMENT, TAGS,
    ) = (
        'network_id', 'network', 'subnetpool', 'prefixlen', 'cidr',
        'value_specs', 'name', 'ip_version', 'dns_nameservers', 'gateway_ip',
        'enable_dhcp', 'allocation_pools', 'tenant_id', 'host_routes',
        'ipv6_ra_mode', 'ipv6_address_mode', 'segment', 'tags',
    )

    _ALLOCATION_POOL_KEYS = (
        ALLOCATION_POOL_START, ALLOCATION_POOL_END,
    ) = (
        'start', 'end',
    )

    _HOST_ROUTES_KEYS = (
        ROUTE_DESTINATION, ROUTE_NEXTHOP,
    ) = (
        'destination', 'nexthop',
    )

    _IPV6_DHCP_MODES = (
        DHCPV6_STATEFUL, DHCPV6_STATELESS, SLAAC,
    ) = (
        'dhcpv6-stateful', 'dhcpv6-stateless', 'slaac',
    )

    ATTRIBUTES = (
        NAME_ATTR, NETWORK_ID_ATTR, TENANT_ID_ATTR, ALLOCATION_POOLS_ATTR,
        GATEWAY_IP_ATTR, HOST_ROUTES_ATTR, IP_VERSION_ATTR, CIDR_ATTR,
        DNS_NAMESERVERS_ATTR, ENABLE_DHCP_ATTR,
    ) = (
        'name', 'network_id', 'tenant_id', 'allocation_pools',
        'gateway_ip', 'host_routes', 'ip_version', 'cidr',
        'dns_nameservers', 'enable_dhcp',
    )

    properties_schema = {
        NETWORK_ID: properties.Schema(
            properties.Schema.STRING,
            support_status={'status': 'HIDDEN', 'version': '5.0.0',
                            'message': 'Use property network.'},
            constraints=[constraints.CustomConstraint('neutron.network')]),
        NETWORK: properties.Schema(
            properties.Schema.STRING,
            'The ID of the attached network.',
            required=True,
            constraints=[constraints.CustomConstraint('neutron.network')],
            support_status={'version': '2014.2'}),
        SUBNETPOOL: properties.Schema(
            properties.Schema.STRING,
            'The name or ID of the subnet pool.',
            constraints=[constraints.CustomConstraint('neutron.subnetpool')],
            support_status={'version': '6.0.0'}),
        PREFIXLEN: properties.Schema(
            properties.Schema.INTEGER,
            'Prefix length for subnet allocation from subnet pool.',
            constraints=[constraints.Range(min=0)],
            support_status={'version': '6.0.0'}),
        CIDR: properties.Schema(
            properties.Schema.STRING,
            'The CIDR.',
            constraints=[constraints.CustomConstraint('net_cidr')]),
        VALUE_SPECS: properties.Schema(
            properties.Schema.MAP,
            'Extra parameters to include in the request.',
            default={}, update_allowed=True),
        NAME: properties.Schema(
            properties.Schema.STRING,
            'The name of the subnet.',
            update_allowed=True),
        IP_VERSION: properties.Schema(
            properties.Schema.INTEGER,
            'The IP version, which is 4 or 6.',
            default=4,
            constraints=[constraints.AllowedValues([4, 6])]),
        DNS_NAMESERVERS: properties.Schema(
            properties.Schema.LIST,
            'A specified set of DNS name servers to be used.',
            default=[], update_allowed=True),
        GATEWAY_IP: properties.Schema(
            properties.Schema.STRING,
            'The gateway IP address. Set to any of [ null | ~ | "" ] '
            'to create/update a subnet without a gateway. '
            'If omitted when creation, neutron will assign the first '
            'free IP address within the subnet to the gateway '
            'automatically. If remove this from template when update, '
            'the old gateway IP address will be detached.',
            update_allowed=True),
        ENABLE_DHCP: properties.Schema(
            properties.Schema.BOOLEAN,
            'Set to true if DHCP is enabled and false if DHCP is disabled.',
            default=True, update_allowed=True),
        ALLOCATION_POOLS: properties.Schema(
            properties.Schema.LIST,
            'The start and end addresses for the allocation pools.',
            schema=properties.Schema(
                properties.Schema.MAP,
                schema={
                    ALLOCATION_POOL_START: properties.Schema(
                        properties.Schema.STRING,
                        'Start address for the allocation pool.',
                        required=True,
                        constraints=[
                            constraints.CustomConstraint('ip_addr')]),
                    ALLOCATION_POOL_END: properties.Schema(
                        properties.Schema.STRING,
                        'End address for the allocation pool.',
                        required=True,
                        constraints=[
                            constraints.CustomConstraint('ip_addr')]),
                }),
            update_allowed=True),
        TENANT_ID: properties.Schema(
            properties.Schema.STRING,
            'The ID of the tenant who owns the network. Only administrative '
            'users can specify a tenant ID other than their own.'),
        HOST_ROUTES: properties.Schema(
            properties.Schema.LIST,
            'A list of host route dictionaries for the subnet.',
            schema=properties.Schema(
                properties.Schema.MAP,
                schema={
                    ROUTE_DESTINATION: properties.Schema(
                        properties.Schema.STRING,
                        'The destination for static route.',
                        required=True,
                        constraints=[
                            constraints.CustomConstraint('net_cidr')]),
                    ROUTE_NEXTHOP: properties.Schema(
                        properties.Schema.STRING,
                        'The next hop for the destination.',
                        required=True,
                        constraints=[
                            constraints.CustomConstraint('ip_addr')]),
                }),
            update_allowed=True),
        IPV6_RA_MODE: properties.Schema(
            properties.Schema.STRING,
            'IPv6 RA (Router Advertisement) mode.',
            constraints=[constraints.AllowedValues(
                [DHCPV6_STATEFUL, DHCPV6_STATELESS, SLAAC])],
            support_status={'version': '2015.1'}),
        IPV6_ADDRESS_MODE: properties.Schema(
            properties.Schema.STRING,
            'IPv6 address mode.',
            constraints=[constraints.AllowedValues(
                [DHCPV6_STATEFUL, DHCPV6_STATELESS, SLAAC])],
            support_status={'version': '2015.1'}),
        SEGMENT: properties.Schema(
            properties.Schema.STRING,
            'The name/ID of the segment to associate.',
            constraints=[constraints.CustomConstraint('neutron.segment')],
            update_allowed=True,
            support_status={'version': '11.0.0',
                            'message': 'Update allowed since version '
                                       '11.0.0.'}),
        TAGS: properties.Schema(
            properties.Schema.LIST,
            'The tags to be added to the subnet.',
            schema=properties.Schema(properties.Schema.STRING),
            update_allowed=True,
            support_status={'version': '9.0.0'}),
    }

    attributes_schema = {
        NAME_ATTR: attributes.Schema('Friendly name of the subnet.',
                                     type=attributes.Schema.STRING),
        NETWORK_ID_ATTR: attributes.Schema('Parent network of the subnet.',
                                           type=attributes.Schema.STRING),
        TENANT_ID_ATTR: attributes.Schema('Tenant owning the subnet.',
                                          type=attributes.Schema.STRING),
        ALLOCATION_POOLS_ATTR: attributes.Schema(
            'Ip allocation pools and their ranges.',
            type=attributes.Schema.LIST),
        GATEWAY_IP_ATTR: attributes.Schema("Ip of the subnet's gateway.",
                                           type=attributes.Schema.STRING),
        HOST_ROUTES_ATTR: attributes.Schema(
            'Additional routes for this subnet.',
            type=attributes.Schema.LIST),
        IP_VERSION_ATTR: attributes.Schema('Ip version for the subnet.',
                                           type=attributes.Schema.STRING),
        CIDR_ATTR: attributes.Schema('CIDR block notation for this subnet.',
                                     type=attributes.Schema.STRING),
        DNS_NAMESERVERS_ATTR: attributes.Schema(
            'List of dns nameservers.', type=attributes.Schema.LIST),
        ENABLE_DHCP_ATTR: attributes.Schema(
            "'true' if DHCP is enabled for this subnet; 'false' otherwise.",
            type=attributes.Schema.STRING),
    }

    #: deprecated property -> the one it stands for (upstream's REPLACE
    #: translation rule)
    replaced_properties = {NETWORK_ID: NETWORK}

    # -- validation ------------------------------------------------------

    def validate(self):
        result = super().validate()
        props = self.properties
        subnetpool = props[self.SUBNETPOOL]
        prefixlen = props[self.PREFIXLEN]
        cidr = props[self.CIDR]
        if subnetpool is not None and cidr:
            self._fail_validation(
                'Cannot define the following properties at the same time: '
                '%s, %s.' % (self.SUBNETPOOL, self.CIDR))
        if subnetpool is None and not cidr:
            self._fail_validation(
                'At least one of the following properties must be '
                'specified: %s, %s.' % (self.SUBNETPOOL, self.CIDR))
        if prefixlen and cidr:
            self._fail_validation(
                'Cannot define the following properties at the same time: '
                '%s, %s.' % (self.PREFIXLEN, self.CIDR))
        ra_mode = props[self.IPV6_RA_MODE]
        address_mode = props[self.IPV6_ADDRESS_MODE]
        if props[self.IP_VERSION] == 4 and (ra_mode or address_mode):
            self._fail_validation('ipv6_ra_mode and ipv6_address_mode are '
                                  'not supported for ipv4.')
        if ra_mode and address_mode and ra_mode != address_mode:
            self._fail_validation('When both ipv6_ra_mode and '
                                  'ipv6_address_mode are set, they must be '
                                  'equal.')
        gateway_ip = props[self.GATEWAY_IP]
        if gateway_ip and gateway_ip not in ('~', '') and \
                not _valid_ip(gateway_ip):
            self._fail_validation('Gateway IP address "%s" is in invalid '
                                  'format.' % gateway_ip, self.GATEWAY_IP)
        return result

    # -- create ----------------------------------------------------------

    @classmethod
    def _null_gateway_ip(cls, body):
        # null, ~ or "" (a String's empty value): no gateway, which the
        # API spells null
        if cls.GATEWAY_IP in body and body[cls.GATEWAY_IP] in ('', '~'):
            body[cls.GATEWAY_IP] = None

    def handle_create(self):
        body = self.prepare_properties()
        body.pop(self.NETWORK_ID, None)
        body['network_id'] = self.resolve_id('network',
                                             body.pop(self.NETWORK))
        if body.get(self.SEGMENT):
            body['segment_id'] = self.resolve_id('segment',
                                                 body.pop(self.SEGMENT))
        if body.get(self.SUBNETPOOL):
            body['subnetpool_id'] = self.resolve_id(
                'subnetpool', body.pop(self.SUBNETPOOL))
        if self.TENANT_ID in body:
            body['project_id'] = body.pop(self.TENANT_ID)
        tags = body.pop(self.TAGS, None)
        self._null_gateway_ip(body)
        subnet = self.proxy.create_subnet(**body)
        self.resource_id_set(subnet.id)
        if tags:
            self.set_tags(tags)
        return subnet.id

    # -- update ----------------------------------------------------------

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        body = self.prepare_update_properties(prop_diff)
        if self.ALLOCATION_POOLS in body and \
                body[self.ALLOCATION_POOLS] is None:
            body[self.ALLOCATION_POOLS] = []
        if self.SEGMENT in body:
            segment = body.pop(self.SEGMENT)
            if segment:
                if self.fetch().segment_id is not None:
                    raise exception.ResourceActionNotSupported(
                        action='Updating the subnet segment assciation '
                               'only allowed when the current segment_id '
                               'is None. The subnet is currently '
                               'associated with segment. In this state '
                               'update')
                body['segment_id'] = self.resolve_id('segment', segment)
        self._null_gateway_ip(body)
        if self.TAGS in body:
            self.set_tags(body.pop(self.TAGS))
        self.update_physical(body)


def _valid_ip(value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def resource_mapping():
    return {'OS::Neutron::Subnet': Subnet}
