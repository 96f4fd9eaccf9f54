"""``AWS::EC2::Instance``: a Nova server with a CloudFormation schema.

The members of the AWS auto-scaling groups and of
``OS::Heat::InstanceGroup`` (built from a LaunchConfiguration), and a
type of its own in CFN templates. The schema is upstream Heat's; the
server is booted, polled to ``ACTIVE``, resized, suspended, resumed and
deleted with the same Nova calls as ``OS::Nova::Server`` (this class is
one, with the CFN properties translated to its boot arguments):

- ``ImageId`` / ``InstanceType`` / ``KeyName`` / ``AvailabilityZone``:
  the image, flavor (names or ids), key pair and zone;
- ``UserData`` is wrapped as ``OS::Nova::Server`` wraps ``user_data``
  with ``HEAT_CFNTOOLS`` (a multipart MIME message whose shell-script part
  cloud-init runs);
- ``Tags`` (``[{Key, Value}]``, the groups' ``metering.*`` tags included)
  become the server's metadata, as upstream does;
- ``NovaSchedulerHints`` (``[{Key, Value}]``, a repeated key makes a
  list) are the scheduler hints;
- ``SecurityGroups`` and ``SecurityGroupIds`` (names or ids) are the
  server's security groups (the port's, with ``SubnetId``);
- ``NetworkInterfaces`` (port ids, or ``{NetworkInterfaceId,
  DeviceIndex}`` ordered by ``DeviceIndex``) are the server's ports;
  else ``SubnetId`` makes a port on that subnet (deleted with the
  instance); else the instance boots on the cloud's only network when
  the project sees exactly one (not counting external networks, unless
  they are all there is), and with Nova's ``auto`` allocation otherwise;
- ``BlockDeviceMappings`` (``Ebs`` with a ``SnapshotId``) become volumes
  made from the snapshots; ``Volumes`` are attached once the server is
  ``ACTIVE`` and the create waits until Cinder says they are in use.

Updates in place, as upstream: ``InstanceType`` (resize and confirm),
``Tags`` (the metadata is replaced), ``NetworkInterfaces`` and
``SubnetId`` (interfaces detached and attached). Any other change
replaces the instance.

Attributes: ``AvailabilityZone`` (the property, else Nova's), and
``PrivateIp``, ``PublicIp``, ``PrivateDnsName``, ``PublicDnsName``: the
first address of the server (networks in upstream's order, reverse
sorted by name), ``0.0.0.0`` while it has none.
"""

import base64
import logging

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources import cloud
from heat.engine.resources.openstack.nova import server

LOG = logging.getLogger(__name__)

#: resource data: the port made on ``SubnetId`` (deleted with the instance)
PORT_ID = 'port_id'

#: what an instance has before it has an address (upstream)
NO_ADDRESS = '0.0.0.0'


def _sdk_http_error():
    from openstack import exceptions as sdk_exc
    return sdk_exc.HttpException


class Instance(server.Server):
    """AWS::EC2::Instance: a Nova server (see the module docstring)."""

    required_service = 'nova'

    PROPERTIES = (
        IMAGE_ID, INSTANCE_TYPE, KEY_NAME, AVAILABILITY_ZONE,
        DISABLE_API_TERMINATION, KERNEL_ID, MONITORING,
        PLACEMENT_GROUP_NAME, PRIVATE_IP_ADDRESS, RAM_DISK_ID,
        SECURITY_GROUPS, SECURITY_GROUP_IDS, NETWORK_INTERFACES,
        SOURCE_DEST_CHECK, SUBNET_ID, TAGS, NOVA_SCHEDULER_HINTS, TENANCY,
        USER_DATA, VOLUMES, BLOCK_DEVICE_MAPPINGS,
    ) = (
        'ImageId', 'InstanceType', 'KeyName', 'AvailabilityZone',
        'DisableApiTermination', 'KernelId', 'Monitoring',
        'PlacementGroupName', 'PrivateIpAddress', 'RamDiskId',
        'SecurityGroups', 'SecurityGroupIds', 'NetworkInterfaces',
        'SourceDestCheck', 'SubnetId', 'Tags', 'NovaSchedulerHints',
        'Tenancy', 'UserData', 'Volumes', 'BlockDeviceMappings',
    )

    _TAG_KEYS = (TAG_KEY, TAG_VALUE) = ('Key', 'Value')
    _NOVA_SCHEDULER_HINT_KEYS = (
        NOVA_SCHEDULER_HINT_KEY, NOVA_SCHEDULER_HINT_VALUE,
    ) = ('Key', 'Value')
    _VOLUME_KEYS = (VOLUME_DEVICE, VOLUME_ID) = ('Device', 'VolumeId')
    _BLOCK_DEVICE_MAPPINGS_KEYS = (
        DEVICE_NAME, EBS, NO_DEVICE, VIRTUAL_NAME,
    ) = ('DeviceName', 'Ebs', 'NoDevice', 'VirtualName')
    _EBS_KEYS = (
        DELETE_ON_TERMINATION, IOPS, SNAPSHOT_ID, VOLUME_SIZE, VOLUME_TYPE,
    ) = ('DeleteOnTermination', 'Iops', 'SnapshotId', 'VolumeSize',
         'VolumeType')
    _NIC_KEYS = (NIC_ID, NIC_DEVICE_INDEX) = ('NetworkInterfaceId',
                                              'DeviceIndex')

    ATTRIBUTES = (
        AVAILABILITY_ZONE_ATTR, PRIVATE_DNS_NAME, PUBLIC_DNS_NAME,
        PRIVATE_IP, PUBLIC_IP,
    ) = (
        'AvailabilityZone', 'PrivateDnsName', 'PublicDnsName', 'PrivateIp',
        'PublicIp',
    )

    _KEY_VALUE = {
        'Key': properties.Schema(properties.Schema.STRING, required=True),
        'Value': properties.Schema(properties.Schema.STRING, required=True),
    }

    properties_schema = {
        IMAGE_ID: properties.Schema(
            properties.Schema.STRING, 'Glance image ID or name.',
            constraints=[constraints.CustomConstraint('glance.image')],
            required=True),
        # AWS does not require InstanceType but Heat does because the nova
        # create api call requires a flavor
        INSTANCE_TYPE: properties.Schema(
            properties.Schema.STRING, 'Nova instance type (flavor).',
            required=True, update_allowed=True,
            constraints=[constraints.CustomConstraint('nova.flavor')]),
        KEY_NAME: properties.Schema(
            properties.Schema.STRING, 'Optional Nova keypair name.',
            constraints=[constraints.CustomConstraint('nova.keypair')]),
        AVAILABILITY_ZONE: properties.Schema(
            properties.Schema.STRING,
            'Availability zone to launch the instance in.'),
        DISABLE_API_TERMINATION: properties.Schema(
            properties.Schema.STRING, 'Not Implemented.',
            implemented=False),
        KERNEL_ID: properties.Schema(
            properties.Schema.STRING, 'Not Implemented.',
            implemented=False),
        MONITORING: properties.Schema(
            properties.Schema.BOOLEAN, 'Not Implemented.',
            implemented=False),
        PLACEMENT_GROUP_NAME: properties.Schema(
            properties.Schema.STRING, 'Not Implemented.',
            implemented=False),
        PRIVATE_IP_ADDRESS: properties.Schema(
            properties.Schema.STRING, 'Not Implemented.',
            implemented=False),
        RAM_DISK_ID: properties.Schema(
            properties.Schema.STRING, 'Not Implemented.',
            implemented=False),
        SECURITY_GROUPS: properties.Schema(
            properties.Schema.LIST, 'Security group names to assign.'),
        SECURITY_GROUP_IDS: properties.Schema(
            properties.Schema.LIST, 'Security group IDs to assign.'),
        NETWORK_INTERFACES: properties.Schema(
            properties.Schema.LIST,
            'Network interfaces to associate with instance.',
            update_allowed=True),
        SOURCE_DEST_CHECK: properties.Schema(
            properties.Schema.BOOLEAN, 'Not Implemented.',
            implemented=False),
        SUBNET_ID: properties.Schema(
            properties.Schema.STRING, 'Subnet ID to launch instance in.',
            update_allowed=True),
        TAGS: properties.Schema(
            properties.Schema.LIST, 'Tags to attach to instance.',
            schema=properties.Schema(properties.Schema.MAP,
                                     schema=dict(_KEY_VALUE)),
            update_allowed=True),
        NOVA_SCHEDULER_HINTS: properties.Schema(
            properties.Schema.LIST,
            'Scheduler hints to pass to Nova (Heat extension).',
            schema=properties.Schema(properties.Schema.MAP,
                                     schema=dict(_KEY_VALUE))),
        TENANCY: properties.Schema(
            properties.Schema.STRING, 'Not Implemented.',
            constraints=[constraints.AllowedValues(['dedicated',
                                                    'default'])],
            implemented=False),
        USER_DATA: properties.Schema(
            properties.Schema.STRING, 'User data to pass to instance.'),
        VOLUMES: properties.Schema(
            properties.Schema.LIST, 'Volumes to attach to instance.',
            default=[],
            schema=properties.Schema(properties.Schema.MAP, schema={
                VOLUME_DEVICE: properties.Schema(
                    properties.Schema.STRING,
                    'The device where the volume is exposed on the '
                    'instance. This assignment may not be honored and it '
                    'is advised that the path /dev/disk/by-id/virtio-'
                    '<VolumeId> be used instead.',
                    required=True),
                VOLUME_ID: properties.Schema(
                    properties.Schema.STRING,
                    'The ID of the volume to be attached.', required=True,
                    constraints=[constraints.CustomConstraint(
                        'cinder.volume')]),
            })),
        BLOCK_DEVICE_MAPPINGS: properties.Schema(
            properties.Schema.LIST,
            'Block device mappings to attach to instance.',
            schema=properties.Schema(properties.Schema.MAP, schema={
                DEVICE_NAME: properties.Schema(
                    properties.Schema.STRING,
                    'A device name where the volume will be attached in '
                    'the system at /dev/device_name.e.g. vdb',
                    required=True),
                EBS: properties.Schema(
                    properties.Schema.MAP,
                    'The ebs volume to attach to the instance.',
                    schema={
                        DELETE_ON_TERMINATION: properties.Schema(
                            properties.Schema.BOOLEAN,
                            'Indicate whether the volume should be '
                            'deleted when the instance is terminated.',
                            default=True),
                        IOPS: properties.Schema(
                            properties.Schema.NUMBER,
                            'The number of I/O operations per second that '
                            'the volume supports.',
                            implemented=False),
                        SNAPSHOT_ID: properties.Schema(
                            properties.Schema.STRING,
                            'The ID of the snapshot to create a volume '
                            'from.',
                            constraints=[constraints.CustomConstraint(
                                'cinder.snapshot')]),
                        VOLUME_SIZE: properties.Schema(
                            properties.Schema.STRING,
                            'The size of the volume, in GB. Must be equal '
                            'or greater than the size of the snapshot. It '
                            'is safe to leave this blank and have the '
                            'Compute service infer the size.'),
                        VOLUME_TYPE: properties.Schema(
                            properties.Schema.STRING, 'The volume type.',
                            implemented=False),
                    }),
                NO_DEVICE: properties.Schema(
                    properties.Schema.MAP,
                    'The can be used to unmap a defined device.',
                    implemented=False),
                VIRTUAL_NAME: properties.Schema(
                    properties.Schema.STRING,
                    'The name of the virtual device. The name must be in '
                    'the form ephemeralX where X is a number starting from '
                    'zero (0); for example, ephemeral0.',
                    implemented=False),
            })),
    }

    attributes_schema = {
        AVAILABILITY_ZONE_ATTR: attributes.Schema(
            'The Availability Zone where the specified instance is '
            'launched.', type=attributes.Schema.STRING),
        PRIVATE_DNS_NAME: attributes.Schema(
            'Private DNS name of the specified instance.',
            type=attributes.Schema.STRING),
        PUBLIC_DNS_NAME: attributes.Schema(
            'Public DNS name of the specified instance.',
            type=attributes.Schema.STRING),
        PRIVATE_IP: attributes.Schema(
            'Private IP address of the specified instance.',
            type=attributes.Schema.STRING),
        PUBLIC_IP: attributes.Schema(
            'Public IP address of the specified instance.',
            type=attributes.Schema.STRING),
        # upstream's resources have ``show`` in their attributes_schema:
        # declared so that ``get_attr: [inst, show]`` passes the
        # template's attribute check
        attributes.SHOW: attributes.BASE_ATTRIBUTES[attributes.SHOW],
    }

    # -- validation ------------------------------------------------------

    def _security_groups(self, props=None):
        props = props if props is not None else self.properties
        groups = []
        for key in (self.SECURITY_GROUPS, self.SECURITY_GROUP_IDS):
            groups.extend(props[key] or ())
        return groups

    def validate(self):
        # the Resource checks (service, functions, properties); not the
        # Server's, which are about its own properties
        result = cloud.CloudResource.validate(self)
        props = self.properties
        path = self.t.path('properties')
        interfaces = props[self.NETWORK_INTERFACES]
        if self._security_groups(props) and interfaces:
            exc = exception.ResourcePropertyConflict(
                props='/'.join([self.SECURITY_GROUPS,
                                self.SECURITY_GROUP_IDS]) +
                ', ' + self.NETWORK_INTERFACES)
            raise exception.StackValidationFailed(message=str(exc),
                                                  path=path)
        for index, mapping in enumerate(
                props[self.BLOCK_DEVICE_MAPPINGS] or ()):
            here = path + [self.BLOCK_DEVICE_MAPPINGS, index]
            ebs = mapping.get(self.EBS)
            if not ebs:
                raise exception.StackValidationFailed(
                    message='Ebs is missing, this is required when '
                            'specifying BlockDeviceMappings.', path=here)
            if not ebs.get(self.SNAPSHOT_ID):
                raise exception.StackValidationFailed(
                    message='SnapshotId is missing, this is required when '
                            'specifying BlockDeviceMappings.',
                    path=here + [self.EBS])
        for index, nic in enumerate(interfaces or ()):
            if isinstance(nic, str):
                continue
            if not isinstance(nic, dict) or self.NIC_ID not in nic or \
                    self.NIC_DEVICE_INDEX not in nic:
                raise exception.StackValidationFailed(
                    message='A network interface is a port id or a map '
                            'with %s and %s' % (self.NIC_ID,
                                                self.NIC_DEVICE_INDEX),
                    path=path + [self.NETWORK_INTERFACES, index])
        if interfaces and props[self.SUBNET_ID]:
            LOG.warning('%s: "%s" is ignored when "%s" is given',
                        self.name, self.SUBNET_ID, self.NETWORK_INTERFACES)
        return result

    # -- create ----------------------------------------------------------

    def _nova_metadata(self, tags):
        if tags is None:
            return None
        return self._metadata({t[self.TAG_KEY]: t[self.TAG_VALUE]
                               for t in tags})

    def _scheduler_hints(self, hints):
        out = {}
        for hint in hints or ():
            key = hint[self.NOVA_SCHEDULER_HINT_KEY]
            value = hint[self.NOVA_SCHEDULER_HINT_VALUE]
            if key in out:
                if isinstance(out[key], str):
                    out[key] = [out[key]]
                out[key].append(value)
            else:
                out[key] = value
        return out

    def _sorted_ports(self, interfaces):
        nics = []
        for entry in interfaces or ():
            if isinstance(entry, str):
                entry = {self.NIC_ID: entry,
                         self.NIC_DEVICE_INDEX: len(nics)}
            nics.append(entry)
        nics.sort(key=lambda n: int(n[self.NIC_DEVICE_INDEX]))
        return [self.find_id('neutron', 'port', n[self.NIC_ID])
                for n in nics]

    def _subnet_port(self, subnet, groups):
        """A port on ``subnet`` (recorded at once, deleted with us)."""
        network = self.cloud.network
        subnet_id = self.find_id('neutron', 'subnet', subnet)
        attrs = {'network_id': network.get_subnet(subnet_id).network_id,
                 'fixed_ips': [{'subnet_id': subnet_id}],
                 'admin_state_up': True}
        if groups:
            attrs['security_group_ids'] = [
                self.find_id('neutron', 'security_group', g)
                for g in groups]
        port = network.create_port(**attrs)
        self.data_set(PORT_ID, port.id)
        return port.id

    def _default_network(self):
        """The cloud's only network (not counting external ones unless
        they are all there is), or None."""
        nets = list(self.cloud.network.networks())
        internal = [n for n in nets if not n.is_router_external]
        candidates = internal or nets
        if len(candidates) == 1:
            return candidates[0].id
        return None

    def _nics(self, props, groups=None):
        """Nova's ``networks``: ports, a subnet's port, the only network,
        or ``auto``."""
        interfaces = props[self.NETWORK_INTERFACES]
        if interfaces:
            return [{'port': p} for p in self._sorted_ports(interfaces)]
        if props[self.SUBNET_ID]:
            return [{'port': self._subnet_port(props[self.SUBNET_ID],
                                               groups)}]
        network = self._default_network()
        if network is not None:
            return [{'uuid': network}]
        return 'auto'

    def _block_devices(self, props):
        out = []
        for mapping in props[self.BLOCK_DEVICE_MAPPINGS] or ():
            ebs = mapping.get(self.EBS) or {}
            device = mapping[self.DEVICE_NAME]
            item = {'device_name': device, 'source_type': 'snapshot',
                    'destination_type': 'volume',
                    'uuid': ebs.get(self.SNAPSHOT_ID),
                    'boot_index': 0 if device.rsplit('/', 1)[-1] in (
                        'vda', 'sda', 'xvda') else -1}
            if ebs.get(self.VOLUME_SIZE):
                item['volume_size'] = int(ebs[self.VOLUME_SIZE])
            if ebs.get(self.DELETE_ON_TERMINATION) is not None:
                item['delete_on_termination'] = ebs[
                    self.DELETE_ON_TERMINATION]
            out.append(item)
        return out

    def _boot_args(self, props):
        # wrapped as OS::Nova::Server wraps user_data with HEAT_CFNTOOLS
        user_data = self._user_data({
            self.USER_DATA_FORMAT: self.HEAT_CFNTOOLS,
            self.USER_DATA: props[self.USER_DATA] or ''})
        args = {
            'name': self.physical_resource_name(),
            'image_id': self.find_id('glance', 'image', props[self.IMAGE_ID]),
            'flavor_id': self.find_id('nova', 'flavor',
                                      props[self.INSTANCE_TYPE]),
            'user_data': base64.b64encode(
                user_data.encode('utf-8')).decode('ascii'),
        }
        optional = {
            'metadata': self._nova_metadata(props[self.TAGS]),
            'key_name': props[self.KEY_NAME],
            'availability_zone': props[self.AVAILABILITY_ZONE],
            'scheduler_hints': self._scheduler_hints(
                props[self.NOVA_SCHEDULER_HINTS]),
            'block_device_mapping': self._block_devices(props),
        }
        args.update({k: v for k, v in optional.items() if v})
        groups = self._security_groups(props)
        args['networks'] = self._nics(props, groups)
        on_subnet_port = (props[self.SUBNET_ID] and
                          not props[self.NETWORK_INTERFACES])
        if groups and not on_subnet_port:
            # (the subnet's port got them)
            args['security_groups'] = [{'name': g} for g in groups]
        return args

    def handle_create(self):
        try:
            server_id = super().handle_create()
        except _sdk_http_error() as exc:
            raise exception.CloudError(
                'Nova refused the instance: %s' % cloud.cloud_error(exc)) \
                from exc
        self._attachments = None
        return server_id

    def check_create_complete(self, server_id):
        if not self._check_active(server_id):
            return False
        try:
            return self._volumes_attached(server_id)
        except _sdk_http_error() as exc:
            raise exception.CloudError(
                'The volumes of instance %s could not be attached: %s'
                % (server_id, cloud.cloud_error(exc))) from exc

    def _volumes_attached(self, server_id):
        volumes = [(v[self.VOLUME_ID], v[self.VOLUME_DEVICE])
                   for v in self.properties[self.VOLUMES] or ()]
        if not volumes:
            return True
        if getattr(self, '_attachments', None) is None:
            for volume_id, device in volumes:
                self.proxy.create_volume_attachment(
                    server_id, volume=volume_id, device=device)
            self._attachments = [v for v, _ in volumes]
        storage = self.cloud.block_storage
        for volume_id in self._attachments:
            status = (storage.get_volume(volume_id).status or '').lower()
            if status == 'in-use':
                continue
            if status.startswith('error'):
                raise exception.ResourceInError(
                    resource_status=status,
                    status_reason='volume %s could not be attached'
                                  % volume_id)
            return False
        return True

    # -- update ----------------------------------------------------------

    def needs_replace_with_prop_diff(self, changed, after_props,
                                     before_props):
        return False

    def _replace_metadata(self, tags):
        meta = self._nova_metadata(tags) or {}
        if meta:
            self.proxy.set_server_metadata(self.resource_id, **meta)
        current = self.proxy.get_server_metadata(self.resource_id)
        gone = set(current.metadata or {}) - set(meta)
        if gone:
            self.proxy.delete_server_metadata(self.resource_id, list(gone))

    def _attach(self, **attrs):
        self.proxy.create_server_interface(self.resource_id, **attrs)

    def _detach(self, port_id):
        self.proxy.delete_server_interface(port_id, server=self.resource_id,
                                           ignore_missing=True)

    def _update_interfaces(self, prop_diff, after):
        old = list(self.properties[self.NETWORK_INTERFACES] or ())
        new = list(after[self.NETWORK_INTERFACES] or ())
        if old and new:
            # detach what is gone, attach what is new
            kept = [n for n in old if n in new]
            for port in self._sorted_ports([n for n in old
                                            if n not in kept]):
                self._detach(port)
            for port in self._sorted_ports([n for n in new
                                            if n not in kept]):
                self._attach(port_id=port)
            return
        if old and self.NETWORK_INTERFACES not in prop_diff:
            LOG.warning('%s: "%s" did not change: the interfaces stay',
                        self.name, self.NETWORK_INTERFACES)
            return
        for iface in list(self.proxy.server_interfaces(self.resource_id)):
            self._detach(iface.port_id)
        self._delete_subnet_port()
        groups = self._security_groups(after)
        nics = self._nics(after, groups)
        if nics == 'auto':
            self._attach()
            return
        for nic in nics:
            if 'port' in nic:
                self._attach(port_id=nic['port'])
            else:
                self._attach(net_id=nic['uuid'])

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        after = self.make_properties(json_snippet)
        steps = []
        try:
            if self.TAGS in prop_diff:
                self._replace_metadata(prop_diff[self.TAGS])
            if self.INSTANCE_TYPE in prop_diff:
                flavor = self.find_id('nova', 'flavor',
                                      after[self.INSTANCE_TYPE])
                self.proxy.resize_server(self.resource_id, flavor)
                steps.append('resize')
            if self.NETWORK_INTERFACES in prop_diff or \
                    self.SUBNET_ID in prop_diff:
                self._update_interfaces(prop_diff, after)
        except _sdk_http_error() as exc:
            raise exception.CloudError(
                'Nova refused the update of instance %s: %s'
                % (self.resource_id, cloud.cloud_error(exc))) from exc
        return steps

    # -- delete ----------------------------------------------------------

    def handle_delete(self):
        # (not Server's: it reads its own ``name`` property) an instance
        # is always named after its physical name, so a create that died
        # before its id was stored is found by that name
        reconcile = getattr(self, '_reconcile_by_name', None)
        if self.resource_id is None and self.id is not None and \
                callable(reconcile):
            reconcile()
        return cloud.CloudResource.handle_delete(self)

    def _delete_subnet_port(self):
        port_id = self.data().get(PORT_ID)
        if not port_id:
            return
        try:
            self.cloud.network.delete_port(port_id, ignore_missing=True)
        except Exception as exc:
            if not cloud.is_not_found(exc):
                raise
        self.data_delete(PORT_ID)

    def check_delete_complete(self, token):
        if not super().check_delete_complete(token):
            return False
        self._delete_subnet_port()
        return True

    # -- check -----------------------------------------------------------

    def handle_check(self):
        instance = self.fetch()
        status = (instance.status or '').upper()
        if status != 'ACTIVE':
            raise exception.CloudError('Instance is not ACTIVE (was: %s)'
                                       % status)

    # -- attributes ------------------------------------------------------

    @staticmethod
    def first_address(addresses):
        """The first address of the first network that has one (networks
        reverse sorted by name, as upstream picks them)."""
        for name in sorted(addresses or {}, reverse=True):
            for addr in addresses[name] or ():
                value = addr.get('addr') if isinstance(addr, dict) else addr
                if value:
                    return value
        return None

    def _resolve_attribute(self, name):
        if name == self.SHOW:
            return self._show_resource() if self.resource_id else None
        return super()._resolve_attribute(name)

    def _attribute_from(self, instance, name):
        if name == self.AVAILABILITY_ZONE_ATTR:
            return (self.properties[self.AVAILABILITY_ZONE] or
                    instance.availability_zone or None)
        if name in self.ATTRIBUTES[1:]:
            return self.first_address(instance.addresses) or NO_ADDRESS
        return None


def resource_mapping():
    return {'AWS::EC2::Instance': Instance}
