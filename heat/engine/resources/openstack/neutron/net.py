"""``OS::Neutron::Net``: a Neutron network.

Create makes the network (``value_specs`` merged into the request, a
``qos_policy`` name or id resolved to ``qos_policy_id``), sets its
``tags`` and waits until Neutron says it is ``ACTIVE`` (or ``DOWN``).
Every property but ``tenant_id`` updates in place, as upstream's;
changing ``tenant_id`` replaces the network. Delete waits until the
network is gone.

``dhcp_agent_ids`` is accepted and validated but not acted on: the
scheduling of a network on DHCP agents is an administrator's affair this
engine leaves to Neutron's own scheduler (upstream adds and removes the
agents).
"""

import logging

from heat.engine import attributes, constraints, properties
from heat.engine.resources import cloud
from heat.engine.resources.openstack.neutron import neutron

LOG = logging.getLogger(__name__)


class Net(neutron.NeutronResource):
    """A Neutron network."""

    entity = 'network'

    PROPERTIES = (
        NAME, VALUE_SPECS, ADMIN_STATE_UP, TENANT_ID, SHARED,
        DHCP_AGENT_IDS, PORT_SECURITY_ENABLED, QOS_POLICY,
        DNS_DOMAIN, TAGS,
    ) = (
        'name', 'value_specs', 'admin_state_up', 'tenant_id', 'shared',
        'dhcp_agent_ids', 'port_security_enabled', 'qos_policy',
        'dns_domain', 'tags',
    )

    ATTRIBUTES = (
        STATUS, NAME_ATTR, SUBNETS, ADMIN_STATE_UP_ATTR, TENANT_ID_ATTR,
        PORT_SECURITY_ENABLED_ATTR, MTU_ATTR, QOS_POLICY_ATTR, L2_ADJACENCY,
        SEGMENTS,
    ) = (
        'status', 'name', 'subnets', 'admin_state_up', 'tenant_id',
        'port_security_enabled', 'mtu', 'qos_policy_id', 'l2_adjacency',
        'segments',
    )

    properties_schema = {
        NAME: properties.Schema(
            properties.Schema.STRING,
            'A string specifying a symbolic name for the network, which is '
            'not required to be unique.',
            update_allowed=True),
        VALUE_SPECS: properties.Schema(
            properties.Schema.MAP,
            'Extra parameters to include in the request. Parameters are '
            'often specific to installed hardware or extensions.',
            default={}, update_allowed=True),
        ADMIN_STATE_UP: properties.Schema(
            properties.Schema.BOOLEAN,
            'A boolean value specifying the administrative status of the '
            'network.',
            default=True, update_allowed=True),
        TENANT_ID: properties.Schema(
            properties.Schema.STRING,
            'The ID of the tenant which will own the network. Only '
            'administrative users can set the tenant identifier; this '
            'cannot be changed using authorization policies.'),
        SHARED: properties.Schema(
            properties.Schema.BOOLEAN,
            'Whether this network should be shared across all tenants. '
            'Note that the default policy setting restricts usage of this '
            'attribute to administrative users only.',
            default=False, update_allowed=True),
        DHCP_AGENT_IDS: properties.Schema(
            properties.Schema.LIST,
            'The IDs of the DHCP agent to schedule the network. Note that '
            'the default policy setting in Neutron restricts usage of this '
            'property to administrative users only.',
            update_allowed=True),
        PORT_SECURITY_ENABLED: properties.Schema(
            properties.Schema.BOOLEAN,
            'Flag to enable/disable port security on the network. It '
            'provides the default value for the attribute of the ports '
            'created on this network.',
            update_allowed=True,
            support_status={'version': '5.0.0'}),
        QOS_POLICY: properties.Schema(
            properties.Schema.STRING,
            'The name or ID of QoS policy to attach to this network.',
            constraints=[constraints.CustomConstraint('neutron.qos_policy')],
            update_allowed=True,
            support_status={'version': '6.0.0'}),
        DNS_DOMAIN: properties.Schema(
            properties.Schema.STRING,
            'DNS domain associated with this network.',
            constraints=[constraints.CustomConstraint('dns_domain')],
            update_allowed=True,
            support_status={'version': '7.0.0'}),
        TAGS: properties.Schema(
            properties.Schema.LIST,
            'The tags to be added to the network.',
            schema=properties.Schema(properties.Schema.STRING),
            update_allowed=True,
            support_status={'version': '9.0.0'}),
    }

    attributes_schema = {
        STATUS: attributes.Schema('The status of the network.',
                                  type=attributes.Schema.STRING),
        NAME_ATTR: attributes.Schema('The name of the network.',
                                     type=attributes.Schema.STRING),
        SUBNETS: attributes.Schema('Subnets of this network.',
                                   type=attributes.Schema.LIST),
        ADMIN_STATE_UP_ATTR: attributes.Schema(
            'The administrative status of the network.',
            type=attributes.Schema.STRING),
        TENANT_ID_ATTR: attributes.Schema('The tenant owning this network.',
                                          type=attributes.Schema.STRING),
        PORT_SECURITY_ENABLED_ATTR: attributes.Schema(
            'Port security enabled of the network.',
            support_status={'version': '5.0.0'},
            type=attributes.Schema.BOOLEAN),
        MTU_ATTR: attributes.Schema(
            'The maximum transmission unit size(in bytes) for the network.',
            support_status={'version': '5.0.0'},
            type=attributes.Schema.INTEGER),
        QOS_POLICY_ATTR: attributes.Schema(
            'The QoS policy ID attached to this network.',
            support_status={'version': '6.0.0'},
            type=attributes.Schema.STRING),
        L2_ADJACENCY: attributes.Schema(
            'A boolean value for L2 adjacency, True means that you can '
            'expect L2 connectivity throughout the Network.',
            support_status={'version': '9.0.0'},
            type=attributes.Schema.BOOLEAN),
        SEGMENTS: attributes.Schema(
            'The segments of this network.',
            support_status={'version': '11.0.0'},
            type=attributes.Schema.LIST),
    }

    # -- create ----------------------------------------------------------

    def handle_create(self):
        body = self.prepare_properties()
        if body.pop(self.DHCP_AGENT_IDS, None):
            LOG.info('%s: dhcp_agent_ids is left to Neutron\'s scheduler',
                     self.name)
        tags = body.pop(self.TAGS, None)
        qos_policy = body.pop(self.QOS_POLICY, None)
        if qos_policy:
            body['qos_policy_id'] = self.resolve_id('qos_policy', qos_policy)
        if self.TENANT_ID in body:
            body['project_id'] = body.pop(self.TENANT_ID)
        net = self.proxy.create_network(**body)
        self.resource_id_set(net.id)
        if tags:
            self.set_tags(tags)
        return net.id

    def check_create_complete(self, token):
        return self.check_built()

    # -- update ----------------------------------------------------------

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        body = self.prepare_update_properties(prop_diff)
        body.pop(self.DHCP_AGENT_IDS, None)
        if self.TAGS in body:
            self.set_tags(body.pop(self.TAGS))
        if self.QOS_POLICY in body:
            body['qos_policy_id'] = self.resolve_id(
                'qos_policy', body.pop(self.QOS_POLICY))
        self.update_physical(body)
        return bool(body)

    def check_update_complete(self, token):
        return self.check_built()

    # -- attributes ------------------------------------------------------

    def _attribute_from(self, physical, name):
        if name == self.SEGMENTS:
            try:
                return [s.to_dict(original_names=True) for s in
                        self.proxy.segments(network_id=self.resource_id)]
            except Exception as exc:
                if cloud.is_not_found(exc):
                    # a Neutron without the segments extension
                    return []
                raise
        return super()._attribute_from(physical, name)


def resource_mapping():
    return {'OS::Neutron::Net': Net}
