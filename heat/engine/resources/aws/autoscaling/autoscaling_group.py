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

``HealthCheckType`` and ``HealthCheckGracePeriod`` (upstream: not
implemented) make the group self-healing: ``EC2`` is the AS engine's
``status`` health check (an instance whose resource is FAILED is
replaced) with ``grace_period`` ``HealthCheckGracePeriod`` (0 when
absent). ``ELB`` is accepted and is the same ``status`` check: this
engine has no load balancer health. Without ``HealthCheckType`` there is
no health check (upstream templates keep their behaviour). Unlike
upstream's schema (where they are not implemented, so never set), both
are updated in place, as in AWS CloudFormation.
"""

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources.openstack.autoscaling import (
    autoscaling_group as os_asg,
)
from heat.engine.resources.openstack.autoscaling import instance_group as ig
from heat.scaling import health


class AutoScalingGroup(os_asg.HealthCheckMixin, ig.InstanceGroupBase):
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
            'The length of time in seconds after a new instance is '
            'created during which its health is not checked (with '
            'HealthCheckType; default 0).',
            constraints=[constraints.Range(min=0)],
            update_allowed=True),
        HEALTH_CHECK_TYPE: properties.Schema(
            properties.Schema.STRING,
            'The health check of the instances: an unhealthy one is '
            'replaced. EC2: an instance whose resource is FAILED is '
            'unhealthy; ELB: the same (this engine has no load balancer '
            'health). Absent: no health check.',
            constraints=[constraints.AllowedValues(['EC2', 'ELB'])],
            update_allowed=True),
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
    health_check_properties = (HEALTH_CHECK_TYPE, HEALTH_CHECK_GRACE_PERIOD)

    # -- what the group is ----------------------------------------------

    def _sizes(self, props):
        return (props[self.MIN_SIZE], props[self.MAX_SIZE],
                props[self.DESIRED_CAPACITY])

    def _cooldown(self, props):
        return props[self.COOLDOWN]

    def _health_check(self, props):
        """EC2 (and ELB): a status check after HealthCheckGracePeriod."""
        if not props[self.HEALTH_CHECK_TYPE]:
            return None
        return {'type': health.STATUS,
                'grace_period': props[self.HEALTH_CHECK_GRACE_PERIOD] or 0}

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
        self.validate_health_check()


def resource_mapping():
    return {'AWS::AutoScaling::AutoScalingGroup': AutoScalingGroup}
