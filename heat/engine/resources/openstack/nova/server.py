"""``OS::Nova::Server``: a Nova server, booted through openstacksdk.

Create boots the server (image, flavor, key pair, networks, security
groups, user data, metadata, scheduler hints...) and polls it to
``ACTIVE``; a server that goes to ``ERROR`` fails the create with Nova's
fault (upstream's "Went to status ERROR due to ..."). Its physical id is
stored the moment Nova returns it. Delete asks Nova and waits until the
server is gone (a ``SOFT_DELETED`` server counts as gone).

Updates in place, where upstream updates in place: ``name`` (rename),
``metadata`` (replaced as a whole), ``flavor`` (resize and confirm, with
``flavor_update_policy: RESIZE``), ``image`` (rebuild, with
``image_update_policy: REBUILD``), ``user_data`` with
``user_data_update_policy: IGNORE``, ``tags``. Any other change
replaces the server.

``networks`` entries name a ``network`` (Nova makes the port, and deletes
it with the server), a ``port`` (an existing one), optionally a
``fixed_ip``; ``allocate_network: none`` or ``auto`` boots with Nova's
``none`` / ``auto``. Without ``networks`` the server gets Nova's default.

``user_data_format``: ``RAW`` passes ``user_data`` as written;
``HEAT_CFNTOOLS`` (the default) and ``SOFTWARE_CONFIG`` wrap it in a
multipart MIME message with one ``text/x-shellscript`` part (cloud-init
runs it), which is what matters of upstream's boot scripts on a cloud
without the heat-cfntools agents.
"""

import base64
import email.mime.multipart
import email.mime.text

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources import cloud

#: upstream's default of ``max_server_name_length``
MAX_SERVER_NAME_LENGTH = 53


def _string(description, **kw):
    return properties.Schema(properties.Schema.STRING, description, **kw)


class Server(cloud.CloudResource):
    """A Nova server."""

    required_service = 'nova'
    proxy_name = 'compute'
    entity = 'server'
    physical_resource_name_limit = MAX_SERVER_NAME_LENGTH

    PROPERTIES = (
        NAME, IMAGE, BLOCK_DEVICE_MAPPING, BLOCK_DEVICE_MAPPING_V2,
        FLAVOR, FLAVOR_UPDATE_POLICY, IMAGE_UPDATE_POLICY, KEY_NAME,
        ADMIN_USER, AVAILABILITY_ZONE, SECURITY_GROUPS, NETWORKS,
        SCHEDULER_HINTS, METADATA, USER_DATA_FORMAT, USER_DATA,
        RESERVATION_ID, CONFIG_DRIVE, DISK_CONFIG, PERSONALITY,
        ADMIN_PASS, SOFTWARE_CONFIG_TRANSPORT, USER_DATA_UPDATE_POLICY,
        TAGS, DEPLOYMENT_SWIFT_DATA,
    ) = (
        'name', 'image', 'block_device_mapping', 'block_device_mapping_v2',
        'flavor', 'flavor_update_policy', 'image_update_policy', 'key_name',
        'admin_user', 'availability_zone', 'security_groups', 'networks',
        'scheduler_hints', 'metadata', 'user_data_format', 'user_data',
        'reservation_id', 'config_drive', 'diskConfig', 'personality',
        'admin_pass', 'software_config_transport',
        'user_data_update_policy', 'tags', 'deployment_swift_data',
    )

    _NETWORK_KEYS = (
        NETWORK_UUID, NETWORK_ID, NETWORK_ALLOCATE, NETWORK_TAG,
        NETWORK_FIXED_IP, NETWORK_PORT, NETWORK_SUBNET, NETWORK_PORT_EXTRA,
        NETWORK_FLOATING_IP,
    ) = (
        'uuid', 'network', 'allocate_network', 'tag', 'fixed_ip', 'port',
        'subnet', 'port_extra_properties', 'floating_ip',
    )

    _BDM_KEYS = (
        BDM_DEVICE_NAME, BDM_VOLUME_ID, BDM_IMAGE, BDM_IMAGE_ID,
        BDM_SNAPSHOT_ID, BDM_SWAP_SIZE, BDM_DEVICE_TYPE, BDM_DISK_BUS,
        BDM_BOOT_INDEX, BDM_VOLUME_SIZE, BDM_DELETE_ON_TERM,
        BDM_EPHEMERAL_SIZE, BDM_EPHEMERAL_FORMAT,
    ) = (
        'device_name', 'volume_id', 'image', 'image_id', 'snapshot_id',
        'swap_size', 'device_type', 'disk_bus', 'boot_index',
        'volume_size', 'delete_on_termination', 'ephemeral_size',
        'ephemeral_format',
    )

    USER_DATA_FORMATS = (HEAT_CFNTOOLS, RAW, SOFTWARE_CONFIG) = (
        'HEAT_CFNTOOLS', 'RAW', 'SOFTWARE_CONFIG')
    TRANSPORTS = ('POLL_SERVER_CFN', 'POLL_SERVER_HEAT', 'POLL_TEMP_URL',
                  'ZAQAR_MESSAGE')

    ATTRIBUTES = (
        NAME_ATTR, ADDRESSES, NETWORKS_ATTR, FIRST_ADDRESS, INSTANCE_NAME,
        ACCESSIPV4, ACCESSIPV6, CONSOLE_URLS, TAGS_ATTR, OS_COLLECT_CONFIG,
    ) = (
        'name', 'addresses', 'networks', 'first_address', 'instance_name',
        'accessIPv4', 'accessIPv6', 'console_urls', 'tags',
        'os_collect_config',
    )

    _BDM_SCHEMA = {
        BDM_DEVICE_NAME: _string(
            'A device name where the volume will be attached in the system '
            'at /dev/device_name. This value is typically vda.'),
        BDM_VOLUME_ID: _string(
            'The volume_id can be boot or non-boot device to the server.',
            constraints=[constraints.CustomConstraint('cinder.volume')]),
        BDM_IMAGE: _string(
            'The ID or name of the image to create a volume from.',
            constraints=[constraints.CustomConstraint('glance.image')]),
        BDM_SNAPSHOT_ID: _string(
            'The ID of the snapshot to create a volume from.',
            constraints=[constraints.CustomConstraint('cinder.snapshot')]),
        BDM_SWAP_SIZE: properties.Schema(
            properties.Schema.INTEGER, 'The size of the swap, in MB.'),
        BDM_DEVICE_TYPE: _string(
            'Device type: at the moment we can make distinction only '
            'between disk and cdrom.',
            constraints=[constraints.AllowedValues(['cdrom', 'disk'])]),
        BDM_DISK_BUS: _string(
            'Bus of the device: hypervisor driver chooses a suitable '
            'default if omitted.',
            constraints=[constraints.AllowedValues(
                ['ide', 'lame_bus', 'scsi', 'usb', 'virtio'])]),
        BDM_BOOT_INDEX: properties.Schema(
            properties.Schema.INTEGER,
            'Integer used for ordering the boot disks. If it is not '
            'specified, value "0" will be set for bootable sources '
            '(volume, snapshot, image); value "-1" will be set for '
            'non-bootable sources.'),
        BDM_VOLUME_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Size of the block device in GB. If it is omitted, hypervisor '
            'driver calculates size.'),
        BDM_DELETE_ON_TERM: properties.Schema(
            properties.Schema.BOOLEAN,
            'Indicate whether the volume should be deleted when the server '
            'is terminated.'),
    }

    properties_schema = {
        NAME: _string('Server name.', update_allowed=True),
        IMAGE: _string(
            'The ID or name of the image to boot with.',
            constraints=[constraints.CustomConstraint('glance.image')],
            update_allowed=True),
        BLOCK_DEVICE_MAPPING: properties.Schema(
            properties.Schema.LIST,
            'Block device mappings for this server.',
            schema=properties.Schema(properties.Schema.MAP, schema={
                BDM_DEVICE_NAME: _string(
                    'A device name where the volume will be attached in '
                    'the system at /dev/device_name. This value is '
                    'typically vda.', required=True),
                BDM_VOLUME_ID: _string(
                    'The ID of the volume to boot from. Only one of '
                    'volume_id or snapshot_id should be provided.',
                    constraints=[
                        constraints.CustomConstraint('cinder.volume')]),
                BDM_SNAPSHOT_ID: _string(
                    'The ID of the snapshot to create a volume from.',
                    constraints=[
                        constraints.CustomConstraint('cinder.snapshot')]),
                BDM_VOLUME_SIZE: properties.Schema(
                    properties.Schema.INTEGER,
                    'The size of the volume, in GB. It is safe to leave '
                    'this blank and have the Compute service infer the '
                    'size.'),
                BDM_DELETE_ON_TERM: properties.Schema(
                    properties.Schema.BOOLEAN,
                    'Indicate whether the volume should be deleted when '
                    'the server is terminated.'),
            })),
        BLOCK_DEVICE_MAPPING_V2: properties.Schema(
            properties.Schema.LIST,
            'Block device mappings v2 for this server.',
            schema=properties.Schema(properties.Schema.MAP,
                                     schema=_BDM_SCHEMA)),
        FLAVOR: _string(
            'The ID or name of the flavor to boot onto.',
            required=True, update_allowed=True,
            constraints=[constraints.CustomConstraint('nova.flavor')]),
        FLAVOR_UPDATE_POLICY: _string(
            'Policy on how to apply a flavor update; either by requesting '
            'a server resize or by replacing the entire server.',
            default='RESIZE', update_allowed=True,
            constraints=[constraints.AllowedValues(['RESIZE', 'REPLACE'])]),
        IMAGE_UPDATE_POLICY: _string(
            'Policy on how to apply an image-id update; either by '
            'requesting a server rebuild or by replacing the entire '
            'server.',
            default='REBUILD', update_allowed=True,
            constraints=[constraints.AllowedValues(
                ['REBUILD', 'REPLACE', 'REBUILD_PRESERVE_EPHEMERAL'])]),
        KEY_NAME: _string(
            'Name of keypair to inject into the server.',
            constraints=[constraints.CustomConstraint('nova.keypair')]),
        ADMIN_USER: _string(
            'Name of the administrative user to use on the server.',
            support_status={'status': 'HIDDEN', 'version': '5.0.0'}),
        AVAILABILITY_ZONE: _string(
            'Name of the availability zone for server placement.'),
        SECURITY_GROUPS: properties.Schema(
            properties.Schema.LIST,
            'List of security group names or IDs. Cannot be used if '
            'neutron ports are associated with this server; assign '
            'security groups to the ports instead.',
            default=[]),
        NETWORKS: properties.Schema(
            properties.Schema.LIST,
            'An ordered list of nics to be added to this server, with '
            'information about connected networks, fixed ips, port etc.',
            schema=properties.Schema(properties.Schema.MAP, schema={
                NETWORK_UUID: _string(
                    'ID of network to create a port on.',
                    support_status={'status': 'HIDDEN',
                                    'version': '5.0.0'},
                    constraints=[
                        constraints.CustomConstraint('neutron.network')]),
                NETWORK_ID: _string(
                    'Name or ID of network to create a port on.',
                    constraints=[
                        constraints.CustomConstraint('neutron.network')]),
                NETWORK_ALLOCATE: _string(
                    'The special string values of network, auto: means '
                    'either a network that is already available to the '
                    'project will be used, or if one does not exist, '
                    'will be automatically created for the project; '
                    'none: means no networking will be allocated for the '
                    'created server.',
                    constraints=[constraints.AllowedValues(
                        ['none', 'auto'])]),
                NETWORK_TAG: _string(
                    'Port tag. Heat ignores any update on this property '
                    'as nova does not support it.'),
                NETWORK_FIXED_IP: _string(
                    'Fixed IP address to specify for the port created on '
                    'the requested network.',
                    constraints=[constraints.CustomConstraint('ip_addr')]),
                NETWORK_PORT: _string(
                    'ID of an existing port to associate with this '
                    'server.',
                    constraints=[
                        constraints.CustomConstraint('neutron.port')]),
                NETWORK_SUBNET: _string(
                    'Subnet in which to allocate the IP address for port. '
                    'Used for creating port, based on derived properties. '
                    'If subnet is specified, network property becomes '
                    'optional.'),
                NETWORK_PORT_EXTRA: properties.Schema(
                    properties.Schema.MAP,
                    'Dict, which has expand properties for port. Used only '
                    'if port property is not specified for creating port.'),
                NETWORK_FLOATING_IP: _string(
                    'ID of the floating IP to associate.'),
            }),
            update_allowed=True),
        SCHEDULER_HINTS: properties.Schema(
            properties.Schema.MAP,
            'Arbitrary key-value pairs specified by the client to help boot '
            'a server.'),
        METADATA: properties.Schema(
            properties.Schema.MAP,
            'Arbitrary key/value metadata to store for this server. Both '
            'keys and values must be 255 characters or less. Non-string '
            'values will be serialized to JSON (and the serialized string '
            'must be 255 characters or less).',
            update_allowed=True, default={}),
        USER_DATA_FORMAT: _string(
            'How the user_data should be formatted for the server. For '
            'HEAT_CFNTOOLS, the user_data is bundled as part of the '
            'heat-cfntools cloud-init boot configuration data. For RAW '
            'the user_data is passed to Nova unmodified. For '
            'SOFTWARE_CONFIG user_data is bundled as part of the software '
            'config data, and metadata is derived from any associated '
            'SoftwareDeployment resources.',
            default=HEAT_CFNTOOLS,
            constraints=[constraints.AllowedValues(USER_DATA_FORMATS)]),
        SOFTWARE_CONFIG_TRANSPORT: _string(
            'How the server should receive the metadata required for '
            'software configuration. POLL_SERVER_CFN will allow calls to '
            'the cfn API action DescribeStackResource authenticated with '
            'the provided keypair. POLL_SERVER_HEAT will allow calls to '
            'the Heat API resource-show using the provided keystone '
            'credentials. POLL_TEMP_URL will create and populate a Swift '
            'TempURL with metadata for polling. ZAQAR_MESSAGE will create '
            'a dedicated zaqar queue and post the metadata for polling.',
            default='POLL_SERVER_CFN',
            constraints=[constraints.AllowedValues(TRANSPORTS)]),
        USER_DATA_UPDATE_POLICY: _string(
            'Policy on how to apply a user_data update; either by ignoring '
            'it or by replacing the entire server.',
            default='REPLACE', update_allowed=True,
            constraints=[constraints.AllowedValues(['REPLACE', 'IGNORE'])]),
        USER_DATA: _string(
            'User data script to be executed by cloud-init. Changes cause '
            'replacement of the resource by default, but can be ignored '
            'altogether by setting the `user_data_update_policy` '
            'property.',
            default='', update_allowed=True),
        RESERVATION_ID: _string(
            'A UUID for the set of servers being requested.'),
        CONFIG_DRIVE: properties.Schema(
            properties.Schema.BOOLEAN,
            'If True, enable config drive on the server.'),
        DISK_CONFIG: _string(
            'Control how the disk is partitioned when the server is '
            'created.',
            constraints=[constraints.AllowedValues(['AUTO', 'MANUAL'])]),
        PERSONALITY: properties.Schema(
            properties.Schema.MAP,
            'A map of files to create/overwrite on the server upon boot. '
            'Keys are file names and values are the file contents.',
            default={}),
        ADMIN_PASS: _string('The administrator password for the server.',
                            update_allowed=True),
        TAGS: properties.Schema(
            properties.Schema.LIST,
            'Server tags. Supported since client version 2.26.',
            update_allowed=True),
        DEPLOYMENT_SWIFT_DATA: properties.Schema(
            properties.Schema.MAP,
            'Swift container and object to use for storing deployment '
            'data for the server resource. The parameter is a map value '
            'with the keys "container" and "object", and the values are '
            'the corresponding container and object names. The '
            'software_config_transport parameter must be set to '
            'POLL_TEMP_URL for swift to be used. If not specified, and '
            'software_config_transport is set to POLL_TEMP_URL, a '
            'container will be automatically created from the resource '
            'name, and the object name will be a generated uuid.',
            default={}),
    }

    attributes_schema = {
        NAME_ATTR: attributes.Schema('Name of the server.',
                                     type=attributes.Schema.STRING),
        ADDRESSES: attributes.Schema(
            'A dict of all network addresses with corresponding port_id. '
            'Each network will have two keys in dict, they are network '
            'name and network id. The port ID may be obtained through the '
            'following expression: "{get_attr: [<server>, addresses, '
            '<network name_or_id>, 0, port]}".',
            type=attributes.Schema.MAP),
        NETWORKS_ATTR: attributes.Schema(
            'A dict of assigned network addresses of the form: '
            '{"public": [ip1, ip2...], "private": [ip3, ip4], '
            '"public_uuid": [ip1, ip2...], "private_uuid": [ip3, ip4]}. '
            'Each network will have two keys in dict, they are network '
            'name and network id.',
            type=attributes.Schema.MAP),
        FIRST_ADDRESS: attributes.Schema(
            'Convenience attribute to fetch the first assigned network '
            'address, or an empty string if nothing has been assigned at '
            'this time. Result may not be predictable if the server has '
            'addresses from more than one network.',
            support_status={'status': 'HIDDEN', 'version': '5.0.0'},
            type=attributes.Schema.STRING),
        INSTANCE_NAME: attributes.Schema(
            'AWS compatible instance name.', type=attributes.Schema.STRING),
        ACCESSIPV4: attributes.Schema(
            'The manually assigned alternative public IPv4 address of the '
            'server.', type=attributes.Schema.STRING),
        ACCESSIPV6: attributes.Schema(
            'The manually assigned alternative public IPv6 address of the '
            'server.', type=attributes.Schema.STRING),
        CONSOLE_URLS: attributes.Schema(
            "URLs of server's consoles. To get a specific console type, "
            "the requested type can be specified as parameter to the "
            "get_attr function, e.g. get_attr: [ <server>, console_urls, "
            "novnc ]. Currently supported types are novnc, xvpvnc, "
            "spice-html5, rdp-html5, serial and webmks.",
            type=attributes.Schema.MAP),
        TAGS_ATTR: attributes.Schema('Tags from the server.',
                                     type=attributes.Schema.LIST),
        OS_COLLECT_CONFIG: attributes.Schema(
            'The os-collect-config configuration for the server\'s local '
            'agent to be configured to connect to Heat to retrieve '
            'deployment data.', type=attributes.Schema.MAP),
    }

    # -- validation ----------------------------------------------------

    def validate(self):
        result = super().validate()
        props = self.properties
        for i, net in enumerate(props[self.NETWORKS] or ()):
            path = self.t.path('properties') + [self.NETWORKS, i]
            given = [k for k in (self.NETWORK_ID, self.NETWORK_UUID,
                                 self.NETWORK_PORT, self.NETWORK_SUBNET,
                                 self.NETWORK_ALLOCATE)
                     if net.get(k) is not None]
            if net.get(self.NETWORK_ALLOCATE) is not None and len(given) > 1:
                raise exception.StackValidationFailed(
                    message='Property "%s" can not be specified if '
                            'multiple network interfaces set for server.'
                            % self.NETWORK_ALLOCATE, path=path)
            if not given:
                raise exception.StackValidationFailed(
                    message='One of the properties "network", "port", '
                            '"allocate_network" or "subnet" should be set '
                            'for the specified network of server "%s".'
                            % self.name, path=path)
        if props[self.IMAGE] is None and not (
                props[self.BLOCK_DEVICE_MAPPING] or
                props[self.BLOCK_DEVICE_MAPPING_V2]):
            raise exception.StackValidationFailed(
                message='Neither image nor bootable volume is specified '
                        'for instance %s' % self.name,
                path=self.t.path('properties'))
        return result

    # -- create ----------------------------------------------------------

    def server_name(self, props=None):
        props = props or self.properties
        return props[self.NAME] or self.physical_resource_name()

    def _user_data(self, props):
        data = props[self.USER_DATA] or ''
        if props[self.USER_DATA_FORMAT] == self.RAW:
            return data
        message = email.mime.multipart.MIMEMultipart()
        if data:
            part = email.mime.text.MIMEText(data, 'x-shellscript',
                                            'utf-8')
            part.add_header('Content-Disposition', 'attachment',
                            filename='cfn-userdata')
            message.attach(part)
        return message.as_string()

    def _networks(self, props):
        nets = props[self.NETWORKS]
        if nets is None:
            return None
        out = []
        for net in nets:
            allocate = net.get(self.NETWORK_ALLOCATE)
            if allocate is not None:
                return allocate
            entry = {}
            if net.get(self.NETWORK_PORT):
                entry['port'] = self.find_id('neutron', 'port',
                                             net[self.NETWORK_PORT])
            else:
                network = net.get(self.NETWORK_ID) or \
                    net.get(self.NETWORK_UUID)
                if network is None and net.get(self.NETWORK_SUBNET):
                    subnet = self.cloud.network.get_subnet(
                        self.find_id('neutron', 'subnet',
                                     net[self.NETWORK_SUBNET]))
                    network = subnet.network_id
                entry['uuid'] = self.find_id('neutron', 'network', network)
            if net.get(self.NETWORK_FIXED_IP):
                entry['fixed_ip'] = net[self.NETWORK_FIXED_IP]
            if net.get(self.NETWORK_TAG):
                entry['tag'] = net[self.NETWORK_TAG]
            out.append(entry)
        return out

    @staticmethod
    def _metadata(meta):
        import json
        return {str(k): v if isinstance(v, str) else json.dumps(v)
                for k, v in (meta or {}).items()}

    def _boot_args(self, props):
        args = {
            'name': self.server_name(props),
            'flavor_id': self.find_id('nova', 'flavor', props[self.FLAVOR]),
            'metadata': self._metadata(props[self.METADATA]),
        }
        if props[self.IMAGE]:
            args['image_id'] = self.find_id('glance', 'image',
                                            props[self.IMAGE])
        user_data = self._user_data(props)
        if user_data:
            args['user_data'] = base64.b64encode(
                user_data.encode('utf-8')).decode('ascii')
        networks = self._networks(props)
        if networks is not None:
            args['networks'] = networks
        elif self._default_networks():
            args['networks'] = 'auto'
        optional = {
            'key_name': props[self.KEY_NAME],
            'availability_zone': props[self.AVAILABILITY_ZONE],
            'config_drive': props[self.CONFIG_DRIVE],
            'admin_password': props[self.ADMIN_PASS],
            'reservation_id': props[self.RESERVATION_ID],
            'OS-DCF:diskConfig': props[self.DISK_CONFIG],
            'tags': props[self.TAGS],
            'scheduler_hints': props[self.SCHEDULER_HINTS],
        }
        args.update({k: v for k, v in optional.items() if v})
        groups = props[self.SECURITY_GROUPS]
        if groups:
            args['security_groups'] = [{'name': g} for g in groups]
        bdm = self._block_devices(props)
        if bdm:
            args['block_device_mapping'] = bdm
        if props[self.PERSONALITY]:
            args['personality'] = [
                {'path': path, 'contents': base64.b64encode(
                    str(text).encode('utf-8')).decode('ascii')}
                for path, text in props[self.PERSONALITY].items()]
        return args

    def _default_networks(self):
        """Nova needs a choice of networks from microversion 2.37 on."""
        return True

    def _block_devices(self, props):
        out = []
        for bdm in props[self.BLOCK_DEVICE_MAPPING] or ():
            source = 'snapshot' if bdm.get(self.BDM_SNAPSHOT_ID) \
                else 'volume'
            item = {'device_name': bdm[self.BDM_DEVICE_NAME],
                    'source_type': source, 'destination_type': 'volume',
                    'uuid': bdm.get(self.BDM_VOLUME_ID) or
                    bdm.get(self.BDM_SNAPSHOT_ID), 'boot_index': 0}
            if bdm.get(self.BDM_VOLUME_SIZE):
                item['volume_size'] = bdm[self.BDM_VOLUME_SIZE]
            if bdm.get(self.BDM_DELETE_ON_TERM) is not None:
                item['delete_on_termination'] = bdm[self.BDM_DELETE_ON_TERM]
            out.append(item)
        for bdm in props[self.BLOCK_DEVICE_MAPPING_V2] or ():
            item = {k: bdm[k] for k in (self.BDM_DEVICE_NAME,
                                        self.BDM_DEVICE_TYPE,
                                        self.BDM_DISK_BUS,
                                        self.BDM_VOLUME_SIZE,
                                        self.BDM_DELETE_ON_TERM,
                                        self.BDM_BOOT_INDEX)
                    if bdm.get(k) is not None}
            if bdm.get(self.BDM_VOLUME_ID):
                item.update(source_type='volume', destination_type='volume',
                            uuid=bdm[self.BDM_VOLUME_ID])
            elif bdm.get(self.BDM_SNAPSHOT_ID):
                item.update(source_type='snapshot',
                            destination_type='volume',
                            uuid=bdm[self.BDM_SNAPSHOT_ID])
            elif bdm.get(self.BDM_IMAGE):
                item.update(source_type='image', destination_type='volume',
                            uuid=self.find_id('glance', 'image',
                                              bdm[self.BDM_IMAGE]))
            elif bdm.get(self.BDM_SWAP_SIZE):
                item.update(source_type='blank', destination_type='local',
                            guest_format='swap',
                            volume_size=bdm[self.BDM_SWAP_SIZE])
            item.setdefault('boot_index',
                            0 if item.get('source_type') in (
                                'volume', 'snapshot', 'image') else -1)
            out.append(item)
        return out

    def handle_create(self):
        args = self._boot_args(self.properties)
        server = self.proxy.create_server(**args)
        self.record_physical_id(server.id, lambda sid: self.proxy.
                                delete_server(sid, ignore_missing=True))
        return server.id

    def check_create_complete(self, server_id):
        return self._check_active(server_id)

    def _check_active(self, server_id, allowed=('BUILD', 'REBUILD',
                                                'RESIZE', 'MIGRATING')):
        server = self.proxy.get_server(server_id)
        status = (server.status or '').upper()
        if status == 'ACTIVE':
            return True
        if status in allowed or status == 'UNKNOWN':
            return False
        fault = server.fault or {}
        reason = fault.get('message') or 'Unknown'
        if fault.get('code'):
            reason = 'Message: %s, Code: %s' % (reason, fault['code'])
        raise exception.ResourceInError(resource_status=status,
                                        status_reason=reason)

    # -- update ----------------------------------------------------------

    def needs_replace_with_prop_diff(self, changed, after_props,
                                     before_props):
        if self.FLAVOR in changed and \
                after_props[self.FLAVOR_UPDATE_POLICY] == 'REPLACE':
            return True
        if self.IMAGE in changed and \
                after_props[self.IMAGE_UPDATE_POLICY] == 'REPLACE':
            return True
        if self.USER_DATA in changed and \
                after_props[self.USER_DATA_UPDATE_POLICY] == 'REPLACE':
            return True
        if self.NETWORKS in changed:
            # a change of the server's nics: replaced (no interface
            # attach/detach here)
            return True
        return False

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        after = self.make_properties(json_snippet)
        steps = []
        if self.NAME in prop_diff:
            self.proxy.update_server(self.resource_id,
                                     name=self.server_name(after))
        if self.METADATA in prop_diff:
            self.proxy.set_server_metadata(
                self.resource_id,
                **self._metadata(prop_diff[self.METADATA]))
            current = self.proxy.get_server_metadata(self.resource_id)
            gone = set(current.metadata or {}) - set(
                self._metadata(prop_diff[self.METADATA]))
            if gone:
                self.proxy.delete_server_metadata(self.resource_id,
                                                  list(gone))
        if self.TAGS in prop_diff:
            server = self.proxy.get_server(self.resource_id)
            server.set_tags(self.proxy, list(prop_diff[self.TAGS] or []))
        if self.ADMIN_PASS in prop_diff and prop_diff[self.ADMIN_PASS]:
            self.proxy.change_server_password(self.resource_id,
                                              prop_diff[self.ADMIN_PASS])
        if self.FLAVOR in prop_diff:
            flavor = self.find_id('nova', 'flavor', after[self.FLAVOR])
            self.proxy.resize_server(self.resource_id, flavor)
            steps.append('resize')
        if self.IMAGE in prop_diff:
            image = self.find_id('glance', 'image', after[self.IMAGE])
            preserve = after[self.IMAGE_UPDATE_POLICY] == \
                'REBUILD_PRESERVE_EPHEMERAL'
            self.proxy.rebuild_server(
                self.resource_id, image=image,
                name=self.server_name(after),
                preserve_ephemeral=preserve)
            steps.append('rebuild')
        return steps

    def check_update_complete(self, steps):
        if not steps:
            return True
        server = self.proxy.get_server(self.resource_id)
        status = (server.status or '').upper()
        if status == 'VERIFY_RESIZE':
            self.proxy.confirm_server_resize(self.resource_id)
            return False
        return self._check_active(self.resource_id)

    # -- delete ----------------------------------------------------------

    def handle_delete(self):
        if self.resource_id is None and self.id is not None and \
                self.properties.get(self.NAME) is None:
            # A create whose engine died between Nova's answer and the
            # id's write left a server only its generated (unique) name
            # identifies: find it, so that nothing is left orphaned.
            self._reconcile_by_name()
        return super().handle_delete()

    def _reconcile_by_name(self):
        import re
        name = self.physical_resource_name()
        if not name:
            return
        found = [s for s in self.proxy.servers(
            name='^%s$' % re.escape(name)) if s.name == name]
        if found:
            self.resource_id_set(found[0].id)
            for extra in found[1:]:
                self.proxy.delete_server(extra.id, ignore_missing=True)

    def check_delete_complete(self, token):
        if token is None:
            return True
        try:
            server = self.fetch()
        except exception.PhysicalResourceNotFound:
            return True
        status = (server.status or '').upper()
        if status in ('DELETED', 'SOFT_DELETED'):
            return True
        if status == 'ERROR' and server.task_state is None:
            # a server that failed to delete: ask again
            self.proxy.delete_server(self.resource_id, ignore_missing=True)
        return False

    # -- suspend / resume / check ----------------------------------------

    def handle_suspend(self):
        if self.resource_id is None:
            raise exception.PhysicalResourceNotFound(resource_id=self.name)
        self.proxy.suspend_server(self.resource_id)
        return self.resource_id

    def check_suspend_complete(self, server_id):
        server = self.proxy.get_server(server_id)
        status = (server.status or '').upper()
        if status == 'SUSPENDED':
            return True
        if status == 'ERROR':
            raise exception.ResourceInError(
                resource_status=status,
                status_reason=(server.fault or {}).get('message',
                                                       'Unknown'))
        return False

    def handle_resume(self):
        if self.resource_id is None:
            raise exception.PhysicalResourceNotFound(resource_id=self.name)
        self.proxy.resume_server(self.resource_id)
        return self.resource_id

    def check_resume_complete(self, server_id):
        return self._check_active(server_id, allowed=('SUSPENDED',))

    def handle_check(self):
        server = self.fetch()
        status = (server.status or '').upper()
        if status != 'ACTIVE':
            raise exception.CloudError(
                'Server %s: status is %s, expected ACTIVE'
                % (self.resource_id, status))

    # -- attributes ------------------------------------------------------

    def _attribute_from(self, server, name):
        addresses = server.addresses or {}
        if name == self.NAME_ATTR:
            return server.name
        if name == self.ADDRESSES:
            return self._addresses_by_network(addresses)
        if name == self.NETWORKS_ATTR:
            return self._networks_attr(addresses)
        if name == self.FIRST_ADDRESS:
            for addrs in addresses.values():
                for addr in addrs:
                    return addr.get('addr', '')
            return ''
        if name == self.INSTANCE_NAME:
            return server.instance_name
        if name == self.ACCESSIPV4:
            return server.access_ipv4 or ''
        if name == self.ACCESSIPV6:
            return server.access_ipv6 or ''
        if name == self.TAGS_ATTR:
            return list(server.tags or [])
        if name == self.CONSOLE_URLS:
            return {}
        if name == self.OS_COLLECT_CONFIG:
            return {}
        return None

    def _network_ids(self, names):
        ids = {}
        try:
            for net in self.cloud.network.networks():
                if net.name in names:
                    ids[net.name] = net.id
        except Exception:  # noqa: BLE001 - ids are a convenience
            pass
        return ids

    def _addresses_by_network(self, addresses):
        out = {}
        for net_name, addrs in addresses.items():
            out[net_name] = [{
                'addr': a.get('addr'), 'version': a.get('version'),
                'OS-EXT-IPS-MAC:mac_addr': a.get('OS-EXT-IPS-MAC:mac_addr'),
                'OS-EXT-IPS:type': a.get('OS-EXT-IPS:type'),
            } for a in addrs]
        return out

    def _networks_attr(self, addresses):
        out = {}
        ids = self._network_ids(set(addresses))
        for net_name, addrs in addresses.items():
            ips = [a.get('addr') for a in addrs]
            out[net_name] = ips
            if net_name in ids:
                out[ids[net_name]] = ips
        return out


def resource_mapping():
    return {'OS::Nova::Server': Server}

