"""``OS::Neutron::Port``: a port on a Neutron network.

Create makes the port on ``network`` (name or id) with the ``fixed_ips``
asked for (each a ``subnet``, name or id, and/or an ``ip_address``; none:
Neutron picks), the ``security_groups`` given by name or id (left out:
Neutron's ``default`` group; ``[]``: none), then sets its ``tags`` and
waits until the port is ``ACTIVE`` or ``DOWN``.

Updates in place, as upstream's: ``name``, ``fixed_ips`` (an empty list
keeps the addresses the port has), ``security_groups`` (removed: back to
``default``), ``device_id``, ``device_owner``, ``admin_state_up``,
``mac_address``, ``allowed_address_pairs``, ``binding:vnic_type``,
``port_security_enabled``, ``qos_policy``, ``dns_name``,
``value_specs`` and ``tags``. A change of ``network`` replaces the port;
``replacement_policy: REPLACE_ALWAYS`` (deprecated upstream) replaces it
on any update.

The deprecated ``network_id`` and ``fixed_ips[].subnet_id`` (hidden
upstream) are still read as ``network`` and ``fixed_ips[].subnet``.
"""

import json
import logging

from heat.engine import attributes, constraints, properties
from heat.engine.resources import cloud
from heat.engine.resources.openstack.neutron import neutron

LOG = logging.getLogger(__name__)


class Port(neutron.NeutronResource):
    """A Neutron port."""

    entity = 'port'

    PROPERTIES = (
        NAME, NETWORK_ID, NETWORK, FIXED_IPS, SECURITY_GROUPS,
        REPLACEMENT_POLICY, DEVICE_ID, DEVICE_OWNER, DNS_NAME,
        TAGS,
    ) = (
        'name', 'network_id', 'network', 'fixed_ips', 'security_groups',
        'replacement_policy', 'device_id', 'device_owner', 'dns_name',
        'tags',
    )

    EXTRA_PROPERTIES = (
        VALUE_SPECS, ADMIN_STATE_UP, MAC_ADDRESS,
        ALLOWED_ADDRESS_PAIRS, VNIC_TYPE, QOS_POLICY,
        PORT_SECURITY_ENABLED,
    ) = (
        'value_specs', 'admin_state_up', 'mac_address',
        'allowed_address_pairs', 'binding:vnic_type', 'qos_policy',
        'port_security_enabled',
    )

    _FIXED_IP_KEYS = (
        FIXED_IP_SUBNET_ID, FIXED_IP_SUBNET, FIXED_IP_IP_ADDRESS,
    ) = (
        'subnet_id', 'subnet', 'ip_address',
    )

    _ALLOWED_ADDRESS_PAIR_KEYS = (
        ALLOWED_ADDRESS_PAIR_MAC_ADDRESS, ALLOWED_ADDRESS_PAIR_IP_ADDRESS,
    ) = (
        'mac_address', 'ip_address',
    )

    ATTRIBUTES = (
        ADMIN_STATE_UP_ATTR, DEVICE_ID_ATTR, DEVICE_OWNER_ATTR,
        FIXED_IPS_ATTR, MAC_ADDRESS_ATTR, NAME_ATTR, NETWORK_ID_ATTR,
        SECURITY_GROUPS_ATTR, STATUS, TENANT_ID, ALLOWED_ADDRESS_PAIRS_ATTR,
        SUBNETS_ATTR, PORT_SECURITY_ENABLED_ATTR, QOS_POLICY_ATTR,
        DNS_ASSIGNMENT, NETWORK_ATTR,
    ) = (
        'admin_state_up', 'device_id', 'device_owner', 'fixed_ips',
        'mac_address', 'name', 'network_id', 'security_groups',
        'status', 'tenant_id', 'allowed_address_pairs', 'subnets',
        'port_security_enabled', 'qos_policy_id', 'dns_assignment',
        'network',
    )

    properties_schema = {
        NAME: properties.Schema(
            properties.Schema.STRING,
            'A symbolic name for this port.',
            update_allowed=True),
        NETWORK_ID: properties.Schema(
            properties.Schema.STRING,
            support_status={'status': 'HIDDEN', 'version': '5.0.0',
                            'message': 'Use property network.'},
            constraints=[constraints.CustomConstraint('neutron.network')]),
        NETWORK: properties.Schema(
            properties.Schema.STRING,
            'Network this port belongs to. If you plan to use current port '
            'to assign Floating IP, you should specify fixed_ips with '
            'subnet. Note if this changes to a different network update, '
            'the port will be replaced.',
            support_status={'version': '2014.2'},
            required=True,
            constraints=[constraints.CustomConstraint('neutron.network')]),
        DEVICE_ID: properties.Schema(
            properties.Schema.STRING,
            'Device ID of this port.',
            update_allowed=True, default=''),
        DEVICE_OWNER: properties.Schema(
            properties.Schema.STRING,
            'Name of the network owning the port. The value is typically '
            'network:floatingip or network:router_interface or '
            'network:dhcp.',
            update_allowed=True, default=''),
        FIXED_IPS: properties.Schema(
            properties.Schema.LIST,
            'Desired IPs for this port.',
            schema=properties.Schema(
                properties.Schema.MAP,
                schema={
                    FIXED_IP_SUBNET_ID: properties.Schema(
                        properties.Schema.STRING,
                        support_status={
                            'status': 'HIDDEN', 'version': '5.0.0',
                            'message': 'Use property subnet.'},
                        constraints=[
                            constraints.CustomConstraint('neutron.subnet')]),
                    FIXED_IP_SUBNET: properties.Schema(
                        properties.Schema.STRING,
                        'Subnet in which to allocate the IP address for '
                        'this port.',
                        support_status={'version': '2014.2'},
                        constraints=[
                            constraints.CustomConstraint('neutron.subnet')]),
                    FIXED_IP_IP_ADDRESS: properties.Schema(
                        properties.Schema.STRING,
                        'IP address desired in the subnet for this port.',
                        constraints=[
                            constraints.CustomConstraint('ip_addr')]),
                }),
            update_allowed=True),
        SECURITY_GROUPS: properties.Schema(
            properties.Schema.LIST,
            'Security group IDs to associate with this port.',
            update_allowed=True),
        REPLACEMENT_POLICY: properties.Schema(
            properties.Schema.STRING,
            'Policy on how to respond to a stack-update for this resource. '
            'REPLACE_ALWAYS will replace the port regardless of any '
            'property changes. AUTO will update the existing port for any '
            'changed update-allowed property.',
            default='AUTO',
            constraints=[constraints.AllowedValues(['REPLACE_ALWAYS',
                                                    'AUTO'])],
            update_allowed=True,
            support_status={'status': 'HIDDEN', 'version': '9.0.0'}),
        DNS_NAME: properties.Schema(
            properties.Schema.STRING,
            'DNS name associated with the port.',
            update_allowed=True,
            constraints=[constraints.CustomConstraint('dns_name')],
            support_status={'version': '7.0.0'}),
        TAGS: properties.Schema(
            properties.Schema.LIST,
            'The tags to be added to the port.',
            schema=properties.Schema(properties.Schema.STRING),
            update_allowed=True,
            support_status={'version': '9.0.0'}),
        VALUE_SPECS: properties.Schema(
            properties.Schema.MAP,
            'Extra parameters to include in the request.',
            default={}, update_allowed=True),
        ADMIN_STATE_UP: properties.Schema(
            properties.Schema.BOOLEAN,
            'The administrative state of this port.',
            default=True, update_allowed=True),
        MAC_ADDRESS: properties.Schema(
            properties.Schema.STRING,
            'MAC address to give to this port. The default update policy '
            'of this property in neutron is that allow admin role only.',
            constraints=[constraints.CustomConstraint('mac_addr')],
            update_allowed=True),
        ALLOWED_ADDRESS_PAIRS: properties.Schema(
            properties.Schema.LIST,
            'Additional MAC/IP address pairs allowed to pass through the '
            'port.',
            schema=properties.Schema(
                properties.Schema.MAP,
                schema={
                    ALLOWED_ADDRESS_PAIR_MAC_ADDRESS: properties.Schema(
                        properties.Schema.STRING,
                        'MAC address to allow through this port.',
                        constraints=[
                            constraints.CustomConstraint('mac_addr')]),
                    ALLOWED_ADDRESS_PAIR_IP_ADDRESS: properties.Schema(
                        properties.Schema.STRING,
                        'IP address to allow through this port.',
                        required=True,
                        constraints=[
                            constraints.CustomConstraint('net_cidr')]),
                }),
            update_allowed=True),
        VNIC_TYPE: properties.Schema(
            properties.Schema.STRING,
            'The vnic type to be bound on the neutron port. To support '
            'SR-IOV PCI passthrough networking, you can request that the '
            'neutron port to be realized as normal (virtual nic), direct '
            '(pci passthrough), or macvtap (virtual interface with a '
            'tap-like software interface). Note that this only works for '
            'Neutron deployments that support the bindings extension.',
            constraints=[constraints.AllowedValues(
                ['normal', 'direct', 'macvtap', 'direct-physical',
                 'baremetal'])],
            support_status={'version': '2015.1'},
            update_allowed=True, default='normal'),
        PORT_SECURITY_ENABLED: properties.Schema(
            properties.Schema.BOOLEAN,
            'Flag to enable/disable port security on the port. When '
            'disable this feature(set it to False), there will be no '
            'packages filtering, like security-group and address-pairs.',
            update_allowed=True,
            support_status={'version': '5.0.0'}),
        QOS_POLICY: properties.Schema(
            properties.Schema.STRING,
            'The name or ID of QoS policy to attach to this port.',
            constraints=[constraints.CustomConstraint('neutron.qos_policy')],
            update_allowed=True,
            support_status={'version': '6.0.0'}),
    }

    attributes_schema = {
        ADMIN_STATE_UP_ATTR: attributes.Schema(
            'The administrative state of this port.',
            type=attributes.Schema.STRING),
        DEVICE_ID_ATTR: attributes.Schema('Unique identifier for the device.',
                                          type=attributes.Schema.STRING),
        DEVICE_OWNER_ATTR: attributes.Schema(
            'Name of the network owning the port.',
            type=attributes.Schema.STRING),
        FIXED_IPS_ATTR: attributes.Schema('Fixed IP addresses.',
                                          type=attributes.Schema.LIST),
        MAC_ADDRESS_ATTR: attributes.Schema('MAC address of the port.',
                                            type=attributes.Schema.STRING),
        NAME_ATTR: attributes.Schema('Friendly name of the port.',
                                     type=attributes.Schema.STRING),
        NETWORK_ID_ATTR: attributes.Schema(
            'Unique identifier for the network owning the port.',
            type=attributes.Schema.STRING),
        SECURITY_GROUPS_ATTR: attributes.Schema(
            'A list of security groups for the port.',
            type=attributes.Schema.LIST),
        STATUS: attributes.Schema('The status of the port.',
                                  type=attributes.Schema.STRING),
        TENANT_ID: attributes.Schema('Tenant owning the port.',
                                     type=attributes.Schema.STRING),
        ALLOWED_ADDRESS_PAIRS_ATTR: attributes.Schema(
            'Additional MAC/IP address pairs allowed to pass through a '
            'port.',
            type=attributes.Schema.LIST),
        SUBNETS_ATTR: attributes.Schema(
            'A list of all subnet attributes for the port.',
            type=attributes.Schema.LIST),
        PORT_SECURITY_ENABLED_ATTR: attributes.Schema(
            'Port security enabled of the port.',
            support_status={'version': '5.0.0'},
            type=attributes.Schema.BOOLEAN),
        QOS_POLICY_ATTR: attributes.Schema(
            'The QoS policy ID attached to this port.',
            support_status={'version': '6.0.0'},
            type=attributes.Schema.STRING),
        DNS_ASSIGNMENT: attributes.Schema(
            'The DNS assigned to this port.',
            support_status={'version': '7.0.0'},
            type=attributes.Schema.MAP),
        NETWORK_ATTR: attributes.Schema(
            'The attributes of the network owning the port. (The full list '
            'of response parameters can be found in the `Openstack '
            'Networking service API reference '
            '<https://developer.openstack.org/api-ref/network/>`_.) The '
            'following examples demonstrate some (not all) possible '
            'expressions. (Obtains the network, the MTU (Maximum '
            'transmission unit), the network tags and the l2_adjacency '
            'property): ``{get_attr: [<port>, network]}``, '
            '``{get_attr: [<port>, network, mtu]}``, '
            '``{get_attr: [<port>, network, tags]}?``, '
            '``{get_attr: [<port>, network, l2_adjacency]}``.',
            support_status={'version': '11.0.0'},
            type=attributes.Schema.MAP),
    }

    replaced_properties = {NETWORK_ID: NETWORK}

    # -- requests --------------------------------------------------------

    def _fixed_ips(self, fixed_ips):
        """The API's fixed_ips: Nones dropped, subnets by id."""
        out = []
        for fixed_ip in fixed_ips:
            item = {k: v for k, v in fixed_ip.items() if v is not None}
            subnet = item.pop(self.FIXED_IP_SUBNET, None) or \
                item.pop(self.FIXED_IP_SUBNET_ID, None)
            item.pop(self.FIXED_IP_SUBNET_ID, None)
            if subnet:
                item['subnet_id'] = self.resolve_id('subnet', subnet)
            out.append(item)
        return out

    def _prepare_port_properties(self, body, for_update=False):
        """Upstream's rules for the port request ``body`` (in place)."""
        if self.FIXED_IPS in body:
            if body[self.FIXED_IPS]:
                body[self.FIXED_IPS] = self._fixed_ips(body[self.FIXED_IPS])
            else:
                # [] would make a port without addresses (create) or
                # release them (update): Neutron picks / keeps them
                del body[self.FIXED_IPS]
        if self.ALLOWED_ADDRESS_PAIRS in body:
            pairs = body[self.ALLOWED_ADDRESS_PAIRS]
            body[self.ALLOWED_ADDRESS_PAIRS] = [
                {k: v for k, v in pair.items() if v is not None}
                for pair in pairs or ()]
        if self.SECURITY_GROUPS in body:
            groups = body[self.SECURITY_GROUPS]
            if groups is not None:
                body[self.SECURITY_GROUPS] = self.secgroup_ids(groups)
            elif for_update:
                # removed from the template: back to the default group
                body[self.SECURITY_GROUPS] = self.secgroup_ids(['default'])
            else:
                del body[self.SECURITY_GROUPS]
        body.pop(self.REPLACEMENT_POLICY, None)
        if self.QOS_POLICY in body:
            qos_policy = body.pop(self.QOS_POLICY)
            body['qos_policy_id'] = (self.resolve_id('qos_policy',
                                                     qos_policy)
                                     if qos_policy else None)
        return body

    # -- create ----------------------------------------------------------

    def handle_create(self):
        body = self.prepare_properties()
        body.pop(self.NETWORK_ID, None)
        body['network_id'] = self.resolve_id('network',
                                             body.pop(self.NETWORK))
        tags = body.pop(self.TAGS, None)
        self._prepare_port_properties(body)
        port = self.proxy.create_port(**body)
        self.resource_id_set(port.id)
        if tags:
            self.set_tags(tags)
        return port.id

    def check_create_complete(self, token):
        return self.check_built()

    # -- update ----------------------------------------------------------

    def needs_replace(self, after_props):
        return after_props[self.REPLACEMENT_POLICY] == 'REPLACE_ALWAYS'

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        body = self.prepare_update_properties(prop_diff)
        if self.TAGS in body:
            self.set_tags(body.pop(self.TAGS))
        self._prepare_port_properties(body, for_update=True)
        if body:
            LOG.debug('updating port %s with %s', self.resource_id, body)
        self.update_physical(body)
        return bool(body)

    def check_update_complete(self, token):
        return self.check_built()

    def prepare_for_replace(self):
        """Free the port's addresses for its replacement (kept in the
        resource data, to be given back by :meth:`restore_prev_rsrc`)."""
        if self.resource_id is None:
            return
        try:
            port = self.fetch()
        except Exception as exc:
            if cloud.is_not_found(exc):
                return
            raise
        self.data_set('port_fip', json.dumps(list(port.fixed_ips or [])))
        self.proxy.update_port(self.resource_id, fixed_ips=[])

    def restore_prev_rsrc(self, convergence=False):
        fixed_ips = self.data().get('port_fip')
        if fixed_ips and self.resource_id:
            self.proxy.update_port(self.resource_id,
                                   fixed_ips=json.loads(fixed_ips))

    # -- attributes ------------------------------------------------------

    def _attribute_from(self, physical, name):
        if name == self.SUBNETS_ATTR:
            subnets = []
            for fixed_ip in physical.fixed_ips or ():
                subnet_id = fixed_ip.get('subnet_id')
                if subnet_id:
                    subnets.append(self.neutron_dict(
                        self.proxy.get_subnet(subnet_id)))
            return subnets
        if name == self.NETWORK_ATTR:
            return self.neutron_dict(
                self.proxy.get_network(physical.network_id))
        return super()._attribute_from(physical, name)


def resource_mapping():
    return {'OS::Neutron::Port': Port}
