"""AWS::AutoScaling::LaunchConfiguration: what an AWS group's members are.

No physical action: the resource only holds properties, which AWS
auto-scaling groups and ``OS::Heat::InstanceGroup`` read to build their
member definition. Its reference is its physical name. Nothing can be
updated in place: any change (metadata included) replaces it, and the
groups that refer to it then see a new ``LaunchConfigurationName``.

``ImageId``, ``InstanceType``, ``KeyName``, ``InstanceId`` and a snapshot's
``SnapshotId`` carry the cloud constraints upstream declares; without a
cloud they are reported as not verified (never failed). ``InstanceId``
itself needs Nova at create time.
"""

from heat.common import exception
from heat.engine import constraints, properties, resource


class LaunchConfiguration(resource.Resource):
    """AWS::AutoScaling::LaunchConfiguration."""

    PROPERTIES = (
        IMAGE_ID, INSTANCE_TYPE, KEY_NAME, USER_DATA, SECURITY_GROUPS,
        KERNEL_ID, RAM_DISK_ID, BLOCK_DEVICE_MAPPINGS, NOVA_SCHEDULER_HINTS,
        INSTANCE_ID,
    ) = (
        'ImageId', 'InstanceType', 'KeyName', 'UserData', 'SecurityGroups',
        'KernelId', 'RamDiskId', 'BlockDeviceMappings', 'NovaSchedulerHints',
        'InstanceId',
    )
    _NOVA_SCHEDULER_HINT_KEYS = (
        NOVA_SCHEDULER_HINT_KEY, NOVA_SCHEDULER_HINT_VALUE,
    ) = ('Key', 'Value')
    _BLOCK_DEVICE_MAPPING_KEYS = (
        DEVICE_NAME, EBS, NO_DEVICE, VIRTUAL_NAME,
    ) = ('DeviceName', 'Ebs', 'NoDevice', 'VirtualName')
    _EBS_KEYS = (
        DELETE_ON_TERMINATION, IOPS, SNAPSHOT_ID, VOLUME_SIZE, VOLUME_TYPE,
    ) = ('DeleteOnTermination', 'Iops', 'SnapshotId', 'VolumeSize',
         'VolumeType')

    properties_schema = {
        IMAGE_ID: properties.Schema(
            properties.Schema.STRING,
            'Glance image ID or name.',
            constraints=[constraints.CustomConstraint('glance.image')]),
        INSTANCE_TYPE: properties.Schema(
            properties.Schema.STRING,
            'Nova instance type (flavor).',
            constraints=[constraints.CustomConstraint('nova.flavor')]),
        INSTANCE_ID: properties.Schema(
            properties.Schema.STRING,
            'The ID of an existing instance to derive the configuration '
            'from (all but the block device mappings).',
            constraints=[constraints.CustomConstraint('nova.server')]),
        KEY_NAME: properties.Schema(
            properties.Schema.STRING,
            'Optional Nova keypair name.',
            constraints=[constraints.CustomConstraint('nova.keypair')]),
        USER_DATA: properties.Schema(
            properties.Schema.STRING,
            'User data to pass to instance.'),
        SECURITY_GROUPS: properties.Schema(
            properties.Schema.LIST,
            'Security group names to assign.'),
        KERNEL_ID: properties.Schema(
            properties.Schema.STRING,
            'Not Implemented.',
            implemented=False),
        RAM_DISK_ID: properties.Schema(
            properties.Schema.STRING,
            'Not Implemented.',
            implemented=False),
        BLOCK_DEVICE_MAPPINGS: properties.Schema(
            properties.Schema.LIST,
            'Block device mappings to attach to instance.',
            schema=properties.Schema(
                properties.Schema.MAP,
                schema={
                    DEVICE_NAME: properties.Schema(
                        properties.Schema.STRING,
                        'A device name where the volume will be attached '
                        'in the system at /dev/device_name, e.g. vdb.',
                        required=True),
                    EBS: properties.Schema(
                        properties.Schema.MAP,
                        'The ebs volume to attach to the instance.',
                        schema={
                            DELETE_ON_TERMINATION: properties.Schema(
                                properties.Schema.BOOLEAN,
                                'Whether the volume is deleted when the '
                                'instance is terminated.',
                                default=True),
                            IOPS: properties.Schema(
                                properties.Schema.NUMBER,
                                'I/O operations per second the volume '
                                'supports.',
                                implemented=False),
                            SNAPSHOT_ID: properties.Schema(
                                properties.Schema.STRING,
                                'The ID of the snapshot to create a volume '
                                'from.',
                                constraints=[constraints.CustomConstraint(
                                    'cinder.snapshot')]),
                            VOLUME_SIZE: properties.Schema(
                                properties.Schema.STRING,
                                'The size of the volume, in GB (at least '
                                'the snapshot\'s; may be left blank).'),
                            VOLUME_TYPE: properties.Schema(
                                properties.Schema.STRING,
                                'The volume type.',
                                implemented=False),
                        }),
                    NO_DEVICE: properties.Schema(
                        properties.Schema.MAP,
                        'Unmaps a defined device.',
                        implemented=False),
                    VIRTUAL_NAME: properties.Schema(
                        properties.Schema.STRING,
                        'The name of the virtual device (ephemeralX).',
                        implemented=False),
                })),
        NOVA_SCHEDULER_HINTS: properties.Schema(
            properties.Schema.LIST,
            'Scheduler hints to pass to Nova (Heat extension).',
            schema=properties.Schema(
                properties.Schema.MAP,
                schema={
                    NOVA_SCHEDULER_HINT_KEY: properties.Schema(
                        properties.Schema.STRING, required=True),
                    NOVA_SCHEDULER_HINT_VALUE: properties.Schema(
                        properties.Schema.STRING, required=True),
                })),
    }

    def validate(self):
        result = super().validate()
        bdm = self.properties[self.BLOCK_DEVICE_MAPPINGS]
        for mapping in bdm or ():
            ebs = mapping.get(self.EBS)
            if not ebs:
                raise exception.StackValidationFailed(
                    message='Ebs is missing, this is required when '
                            'specifying BlockDeviceMappings.')
            if not ebs.get(self.SNAPSHOT_ID):
                raise exception.StackValidationFailed(
                    message='SnapshotId is missing, this is required when '
                            'specifying BlockDeviceMappings.')
        if not self.properties[self.INSTANCE_ID]:
            if not (self.properties[self.IMAGE_ID] and
                    self.properties[self.INSTANCE_TYPE]):
                raise exception.StackValidationFailed(
                    message='If without InstanceId, ImageId and '
                            'InstanceType are required.')
        return result

    def handle_create(self):
        if self.properties[self.INSTANCE_ID]:
            # Upstream reads image, flavor, key and security groups of the
            # instance from Nova.
            raise exception.ResourceTypeUnavailable(
                service_name='nova', resource_type=self.type(),
                reason='InstanceId needs the compute service to read the '
                       'instance')
        self.resource_id_set(self.physical_resource_name())

    def needs_replace_with_tmpl_diff(self, tmpl_diff):
        return 'metadata' in tmpl_diff

    def get_reference_id(self):
        # the physical name once created, else the name (upstream)
        return (self.physical_resource_name() or
                resource.Resource.get_reference_id(self))


def resource_mapping():
    return {'AWS::AutoScaling::LaunchConfiguration': LaunchConfiguration}
