"""AWS::AutoScaling::AutoScalingGroup: instances of a LaunchConfiguration.

A thin caller of the AS engine (see
:mod:`heat.engine.resources.openstack.autoscaling.instance_group`): the
members are ``AWS::EC2::Instance`` resources built from the referenced
LaunchConfiguration's properties, tagged ``metering.AutoScalingGroupName``
with the group's reference. Scaling policies
(``AWS::AutoScaling::ScalingPolicy``) name the group by its reference.

Existing members get a changed LaunchConfiguration only with an
``AutoScalingRollingUpdate`` update policy (upstream); without one only new
members get it.
"""

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources.openstack.autoscaling import instance_group as ig


class AutoScalingGroup(ig.InstanceGroupBase):
    """AWS::AutoScaling::AutoScalingGroup."""

    PROPERTIES = (
        AVAILABILITY_ZONES, LAUNCH_CONFIGURATION_NAME, MAX_SIZE, MIN_SIZE,
        COOLDOWN, DESIRED_CAPACITY, HEALTH_CHECK_GRACE_PERIOD,
        HEALTH_CHECK_TYPE, LOAD_BALANCER_NAMES, VPCZONE_IDENTIFIER, TAGS,
        INSTANCE_ID,
    ) = (
        'AvailabilityZones', 'LaunchConfigurationName', 'MaxSize', 'MinSize',
        'Cooldown', 'DesiredCapacity', 'HealthCheckGracePeriod',
        'HealthCheckType', 'LoadBalancerNames', 'VPCZoneIdentifier', 'Tags',
        'InstanceId',
    )
    _UPDATE_POLICY_SCHEMA_KEYS = (ROLLING_UPDATE,) = (
        'AutoScalingRollingUpdate',)
    ATTRIBUTES = (INSTANCE_LIST,) = ('InstanceList',)

    properties_schema = {
        AVAILABILITY_ZONES: properties.Schema(
            properties.Schema.LIST,
            'Not Implemented.',
            required=True),
        LAUNCH_CONFIGURATION_NAME: properties.Schema(
            properties.Schema.STRING,
            'The reference to a LaunchConfiguration resource.',
            update_allowed=True),
        INSTANCE_ID: properties.Schema(
            properties.Schema.STRING,
            'The ID of an existing instance to use to create the Auto '
            'Scaling group instead of a launch configuration.',
            constraints=[constraints.CustomConstraint('nova.server')]),
        MAX_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Maximum number of instances in the group.',
            required=True, update_allowed=True),
        MIN_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Minimum number of instances in the group.',
            required=True, update_allowed=True),
        COOLDOWN: properties.Schema(
            properties.Schema.INTEGER,
            'Cooldown period, in seconds.',
            update_allowed=True),
        DESIRED_CAPACITY: properties.Schema(
            properties.Schema.INTEGER,
            'Desired initial number of instances.',
            update_allowed=True),
        HEALTH_CHECK_GRACE_PERIOD: properties.Schema(
            properties.Schema.INTEGER,
            'Not Implemented.',
            implemented=False),
        HEALTH_CHECK_TYPE: properties.Schema(
            properties.Schema.STRING,
            'Not Implemented.',
            constraints=[constraints.AllowedValues(['EC2', 'ELB'])],
            implemented=False),
        LOAD_BALANCER_NAMES: properties.Schema(
            properties.Schema.LIST,
            'List of LoadBalancer resources.'),
        VPCZONE_IDENTIFIER: properties.Schema(
            properties.Schema.LIST,
            'Use only with Neutron, to list the internal subnet to which '
            'the instance will be attached; needed only if multiple exist; '
            'list length must be exactly 1.',
            schema=properties.Schema(
                properties.Schema.STRING,
                'UUID of the internal subnet to which the instance will be '
                'attached.')),
        TAGS: ig.InstanceGroupBase._tags_schema,
    }

    attributes_schema = {
        INSTANCE_LIST: attributes.Schema(
            'A comma-delimited list of server ip addresses. '
            '(Heat extension).',
            type=attributes.Schema.STRING),
    }

    update_policy_schema = {
        ROLLING_UPDATE: properties.Schema(
            properties.Schema.MAP,
            schema=ig.InstanceGroupBase.rolling_update_schema),
    }

    size_properties = {'min_size': MIN_SIZE, 'max_size': MAX_SIZE,
                       'desired_capacity': DESIRED_CAPACITY}
    cooldown_property = COOLDOWN

    # -- what the group is ----------------------------------------------

    def _sizes(self, props):
        return (props[self.MIN_SIZE], props[self.MAX_SIZE],
                props[self.DESIRED_CAPACITY])

    def _cooldown(self, props):
        return props[self.COOLDOWN]

    def _tags(self, props):
        """The group's tags, ``metering.groupname`` (unless a
        ``metering.`` tag is given) and ``metering.AutoScalingGroupName``
        (upstream)."""
        tags = super()._tags(props)
        return ig.with_metering_tag(tags, 'metering.AutoScalingGroupName',
                                    self.FnGetRefId())

    def _subnet_id(self, props):
        zones = props[self.VPCZONE_IDENTIFIER]
        return zones[0] if zones else None

    def _member_definition(self, props):
        if props[self.INSTANCE_ID] and not \
                props[self.LAUNCH_CONFIGURATION_NAME]:
            # Upstream reads the instance's image, flavor, key and security
            # groups from Nova.
            raise exception.ResourceTypeUnavailable(
                service_name='nova', resource_type=self.type(),
                reason='InstanceId needs the compute service to read the '
                       'instance')
        return super()._member_definition(props)

    # -- validation -----------------------------------------------------

    def validate_group(self):
        props = self.properties
        self._check_sizes(props[self.MIN_SIZE], props[self.MAX_SIZE],
                          props[self.DESIRED_CAPACITY])
        zones = props[self.VPCZONE_IDENTIFIER]
        if zones and len(zones) != 1:
            raise exception.NotSupported(
                feature='Anything other than one VPCZoneIdentifier')
        if bool(props[self.INSTANCE_ID]) == \
                bool(props[self.LAUNCH_CONFIGURATION_NAME]):
            raise exception.StackValidationFailed(
                message="Either 'InstanceId' or 'LaunchConfigurationName' "
                        "must be provided.")


def resource_mapping():
    return {'AWS::AutoScaling::AutoScalingGroup': AutoScalingGroup}
