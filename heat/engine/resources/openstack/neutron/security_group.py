"""``OS::Neutron::SecurityGroup`` and ``OS::Neutron::SecurityGroupRule``.

A security group is made with its ``rules``; as Neutron gives every new
group two rules that let all egress traffic out (IPv4 and IPv6), a
template that writes an egress rule of its own first has those default
egress rules removed (upstream). A rule's ``remote_mode`` says whether
``remote_ip_prefix`` or ``remote_group_id`` applies; ``remote_group_id``
left out with ``remote_mode: remote_group_id`` makes the rule refer to
the group itself. A rule Neutron already has (409) is not an error.

Updates in place, as upstream's: ``name``, ``description`` and ``rules``;
new rules replace the old ones: every rule of the group is deleted, the
default egress rules are restored, then the template's rules are made.
The name ``default`` is refused (Neutron's own group of a project).

``OS::Neutron::SecurityGroupRule`` (upstream's own module) is one rule
added to a group (``security_group``, a name or id, possibly another
stack's); none of its properties can be updated: any change replaces the
rule.

Deletes wait until Neutron no longer has the group (or the rule); a
group is deleted after its rules.
"""

from heat.engine import constraints, properties
from heat.engine.resources import cloud
from heat.engine.resources.openstack.neutron import neutron


def _is_conflict(exc):
    from openstack import exceptions as sdk_exc
    return isinstance(exc, sdk_exc.ConflictException)


class SecurityGroup(neutron.NeutronResource):
    """A Neutron security group and its rules."""

    entity = 'security_group'

    PROPERTIES = (
        NAME, DESCRIPTION, RULES,
    ) = (
        'name', 'description', 'rules',
    )

    _RULE_KEYS = (
        RULE_DIRECTION, RULE_ETHERTYPE, RULE_PORT_RANGE_MIN,
        RULE_PORT_RANGE_MAX, RULE_PROTOCOL, RULE_REMOTE_MODE,
        RULE_REMOTE_GROUP_ID, RULE_REMOTE_IP_PREFIX,
    ) = (
        'direction', 'ethertype', 'port_range_min',
        'port_range_max', 'protocol', 'remote_mode',
        'remote_group_id', 'remote_ip_prefix',
    )

    _rule_schema = {
        RULE_DIRECTION: properties.Schema(
            properties.Schema.STRING,
            'The direction in which the security group rule is applied. '
            'For a compute instance, an ingress security group rule '
            'matches traffic that is incoming (ingress) for that '
            'instance. An egress rule is applied to traffic leaving '
            'the instance.',
            default='ingress',
            constraints=[constraints.AllowedValues(['ingress', 'egress'])]),
        RULE_ETHERTYPE: properties.Schema(
            properties.Schema.STRING,
            'Ethertype of the traffic.',
            default='IPv4',
            constraints=[constraints.AllowedValues(['IPv4', 'IPv6'])]),
        RULE_PORT_RANGE_MIN: properties.Schema(
            properties.Schema.INTEGER,
            'The minimum port number in the range that is matched by the '
            'security group rule. If the protocol is TCP or UDP, this '
            'value must be less than or equal to the value of the '
            'port_range_max attribute. If the protocol is ICMP, this '
            'value must be an ICMP type.',
            constraints=[constraints.Range(0, 65535)]),
        RULE_PORT_RANGE_MAX: properties.Schema(
            properties.Schema.INTEGER,
            'The maximum port number in the range that is matched by the '
            'security group rule. The port_range_min attribute constrains '
            'the port_range_max attribute. If the protocol is ICMP, this '
            'value must be an ICMP type.',
            constraints=[constraints.Range(0, 65535)]),
        RULE_PROTOCOL: properties.Schema(
            properties.Schema.STRING,
            'The protocol that is matched by the security group rule. '
            'Valid values include tcp, udp, and icmp.'),
        RULE_REMOTE_MODE: properties.Schema(
            properties.Schema.STRING,
            'Whether to specify a remote group or a remote IP prefix.',
            default='remote_ip_prefix',
            constraints=[constraints.AllowedValues(
                ['remote_ip_prefix', 'remote_group_id'])]),
        RULE_REMOTE_GROUP_ID: properties.Schema(
            properties.Schema.STRING,
            'The remote group ID to be associated with this security group '
            'rule. If no value is specified then this rule will use this '
            'security group for the remote_group_id. The remote mode '
            'parameter must be set to "remote_group_id".',
            constraints=[
                constraints.CustomConstraint('neutron.security_group')]),
        RULE_REMOTE_IP_PREFIX: properties.Schema(
            properties.Schema.STRING,
            'The remote IP prefix (CIDR) to be associated with this '
            'security group rule.',
            constraints=[constraints.CustomConstraint('net_cidr')]),
    }

    properties_schema = {
        NAME: properties.Schema(
            properties.Schema.STRING,
            'A string specifying a symbolic name for the security group, '
            'which is not required to be unique.',
            update_allowed=True),
        DESCRIPTION: properties.Schema(
            properties.Schema.STRING,
            'Description of the security group.',
            update_allowed=True),
        RULES: properties.Schema(
            properties.Schema.LIST,
            'List of security group rules.',
            default=[],
            schema=properties.Schema(properties.Schema.MAP,
                                     schema=_rule_schema),
            update_allowed=True),
    }

    #: the rules Neutron gives a new group, restored on a rules update
    default_egress_rules = [
        {'direction': 'egress', 'ethertype': 'IPv4'},
        {'direction': 'egress', 'ethertype': 'IPv6'},
    ]

    def validate(self):
        result = super().validate()
        if self.properties[self.NAME] == 'default':
            self._fail_validation('Security groups cannot be assigned the '
                                  'name "default".', self.NAME)
        return result

    # -- rules -----------------------------------------------------------

    def _format_rule(self, rule):
        """The API's rule of a template rule of this group."""
        out = {k: v for k, v in rule.items() if v is not None}
        out['security_group_id'] = self.resource_id
        remote_mode = out.pop(self.RULE_REMOTE_MODE, None)
        if remote_mode == self.RULE_REMOTE_GROUP_ID:
            out.pop(self.RULE_REMOTE_IP_PREFIX, None)
            group = out.get(self.RULE_REMOTE_GROUP_ID)
            # none given: the rule refers to this group itself
            out[self.RULE_REMOTE_GROUP_ID] = (
                self.secgroup_ids([group])[0] if group
                else self.resource_id)
        elif remote_mode is not None:
            out.pop(self.RULE_REMOTE_GROUP_ID, None)
        return out

    def _create_rules(self, rules):
        egress_deleted = False
        for rule in rules:
            if rule.get(self.RULE_DIRECTION) == 'egress' and \
                    not egress_deleted:
                # an egress rule of the template: Neutron's allow-all
                # egress rules go
                egress_deleted = True
                self._delete_rules(
                    lambda r: r.direction == 'egress')
            try:
                self.proxy.create_security_group_rule(
                    **self._format_rule(rule))
            except Exception as exc:
                if not _is_conflict(exc):
                    raise

    def _delete_rules(self, to_delete=None):
        if self.resource_id is None:
            return
        for rule in list(self.proxy.security_group_rules(
                security_group_id=self.resource_id)):
            if to_delete is None or to_delete(rule):
                self.proxy.delete_security_group_rule(rule.id,
                                                      ignore_missing=True)

    # -- lifecycle -------------------------------------------------------

    def handle_create(self):
        body = self.prepare_properties()
        rules = body.pop(self.RULES, [])
        group = self.proxy.create_security_group(**body)
        self.resource_id_set(group.id)
        self._create_rules(rules)
        return group.id

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        body = self.prepare_update_properties(prop_diff)
        rules = None
        if self.RULES in body:
            rules = body.pop(self.RULES) or []
            self._delete_rules()
            self._create_rules(self.default_egress_rules)
        self.update_physical(body)
        if rules:
            self._create_rules(rules)

    def handle_delete(self):
        if self.resource_id is None:
            return None
        try:
            self._delete_rules()
        except Exception as exc:
            if not cloud.is_not_found(exc):
                raise
        return super().handle_delete()


class SecurityGroupRule(neutron.NeutronResource):
    """One rule of a Neutron security group."""

    entity = 'security_group_rule'

    PROPERTIES = (
        SECURITY_GROUP, DESCRIPTION, DIRECTION, ETHERTYPE,
        PORT_RANGE_MIN, PORT_RANGE_MAX, PROTOCOL, REMOTE_GROUP,
        REMOTE_IP_PREFIX,
    ) = (
        'security_group', 'description', 'direction', 'ethertype',
        'port_range_min', 'port_range_max', 'protocol', 'remote_group',
        'remote_ip_prefix',
    )

    _allowed_protocols = list(range(256)) + [
        'ah', 'dccp', 'egp', 'esp', 'gre', 'icmp', 'icmpv6', 'igmp',
        'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'ipv6-nonxt', 'ipv6-opts',
        'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp',
        'udplite', 'vrrp',
    ]

    properties_schema = {
        SECURITY_GROUP: properties.Schema(
            properties.Schema.STRING,
            'Security group name or ID to add rule.',
            required=True,
            constraints=[
                constraints.CustomConstraint('neutron.security_group')]),
        DESCRIPTION: properties.Schema(
            properties.Schema.STRING,
            'Description of the security group rule.'),
        DIRECTION: properties.Schema(
            properties.Schema.STRING,
            'The direction in which the security group rule is applied. '
            'For a compute instance, an ingress security group rule '
            'matches traffic that is incoming (ingress) for that '
            'instance. An egress rule is applied to traffic leaving '
            'the instance.',
            default='ingress',
            constraints=[constraints.AllowedValues(['ingress', 'egress'])]),
        ETHERTYPE: properties.Schema(
            properties.Schema.STRING,
            'Ethertype of the traffic.',
            default='IPv4',
            constraints=[constraints.AllowedValues(['IPv4', 'IPv6'])]),
        PORT_RANGE_MIN: properties.Schema(
            properties.Schema.INTEGER,
            'The minimum port number in the range that is matched by the '
            'security group rule. If the protocol is TCP or UDP, this '
            'value must be less than or equal to the value of the '
            'port_range_max attribute. If the protocol is ICMP, this '
            'value must be an ICMP type.',
            constraints=[constraints.Range(0, 65535)]),
        PORT_RANGE_MAX: properties.Schema(
            properties.Schema.INTEGER,
            'The maximum port number in the range that is matched by the '
            'security group rule. The port_range_min attribute constrains '
            'the port_range_max attribute. If the protocol is ICMP, this '
            'value must be an ICMP code.',
            constraints=[constraints.Range(0, 65535)]),
        PROTOCOL: properties.Schema(
            properties.Schema.STRING,
            'The protocol that is matched by the security group rule. '
            'Allowed values are ah, dccp, egp, esp, gre, icmp, icmpv6, '
            'igmp, ipv6-encap, ipv6-frag, ipv6-icmp, ipv6-nonxt, '
            'ipv6-opts, ipv6-route, ospf, pgm, rsvp, sctp, tcp, udp, '
            'udplite, vrrp and integer representations [0-255].',
            default='tcp',
            constraints=[constraints.AllowedValues(_allowed_protocols)]),
        REMOTE_GROUP: properties.Schema(
            properties.Schema.STRING,
            'The remote group name or ID to be associated with this '
            'security group rule.',
            constraints=[
                constraints.CustomConstraint('neutron.security_group')]),
        REMOTE_IP_PREFIX: properties.Schema(
            properties.Schema.STRING,
            'The remote IP prefix (CIDR) to be associated with this '
            'security group rule.',
            constraints=[constraints.CustomConstraint('net_cidr')]),
    }

    def validate(self):
        result = super().validate()
        props = self.properties
        if props[self.REMOTE_GROUP] is not None and \
                props[self.REMOTE_IP_PREFIX] is not None:
            self._fail_validation(
                'Cannot define the following properties at the same time: '
                '%s, %s.' % (self.REMOTE_GROUP, self.REMOTE_IP_PREFIX))
        port_max = props[self.PORT_RANGE_MAX]
        port_min = props[self.PORT_RANGE_MIN]
        if port_max is not None and port_min is not None and \
                props[self.PROTOCOL] not in ('icmp', 'icmpv6',
                                             'ipv6-icmp') and \
                port_max < port_min:
            self._fail_validation('The minimum port number must be less '
                                  'than or equal to the maximum port '
                                  'number.', self.PORT_RANGE_MIN)
        return result

    def handle_create(self):
        body = self.prepare_properties()
        body['security_group_id'] = self.secgroup_ids(
            [body.pop(self.SECURITY_GROUP)])[0]
        if self.REMOTE_GROUP in body:
            body['remote_group_id'] = self.secgroup_ids(
                [body.pop(self.REMOTE_GROUP)])[0]
        rule = self.proxy.create_security_group_rule(**body)
        self.resource_id_set(rule.id)
        return rule.id


def resource_mapping():
    return {
        'OS::Neutron::SecurityGroup': SecurityGroup,
        'OS::Neutron::SecurityGroupRule': SecurityGroupRule,
    }
