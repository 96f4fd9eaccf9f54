"""AWS::AutoScaling::ScalingPolicy: the CFN spelling of a scaling policy.

Everything but the names is :class:`OS::Heat::ScalingPolicy
<heat.engine.resources.openstack.autoscaling.scaling_policy.AutoScalingPolicy>`:
``AdjustmentType`` takes the CFN names (``ChangeInCapacity``,
``ExactCapacity``, ``PercentChangeInCapacity``), ``ScalingAdjustment`` is
an integer, the only attribute is ``AlarmUrl`` and the reference (``Ref``)
is that pre-signed URL once created (the name before), as upstream.
"""

from heat.engine import attributes, constraints, properties
from heat.engine.resources.openstack.autoscaling import scaling_policy as sp

(CFN_CHANGE_IN_CAPACITY, CFN_EXACT_CAPACITY,
 CFN_PERCENT_CHANGE_IN_CAPACITY) = (
    'ChangeInCapacity', 'ExactCapacity', 'PercentChangeInCapacity')


class AWSScalingPolicy(sp.AutoScalingPolicy):
    """AWS::AutoScaling::ScalingPolicy."""

    PROPERTIES = (
        AUTO_SCALING_GROUP_NAME, SCALING_ADJUSTMENT, ADJUSTMENT_TYPE,
        COOLDOWN, MIN_ADJUSTMENT_STEP,
    ) = (
        'AutoScalingGroupName', 'ScalingAdjustment', 'AdjustmentType',
        'Cooldown', 'MinAdjustmentStep',
    )
    ATTRIBUTES = (ALARM_URL,) = ('AlarmUrl',)
    SIGNAL_URL = None
    # the adjustment types by their CFN names (the base class's checks
    # read these)
    EXACT_CAPACITY, CHANGE_IN_CAPACITY, PERCENT_CHANGE_IN_CAPACITY = (
        CFN_EXACT_CAPACITY, CFN_CHANGE_IN_CAPACITY,
        CFN_PERCENT_CHANGE_IN_CAPACITY)

    properties_schema = {
        AUTO_SCALING_GROUP_NAME: properties.Schema(
            properties.Schema.STRING,
            'AutoScaling group name to apply policy to.',
            required=True),
        SCALING_ADJUSTMENT: properties.Schema(
            properties.Schema.INTEGER,
            'Size of adjustment.',
            required=True, update_allowed=True),
        ADJUSTMENT_TYPE: properties.Schema(
            properties.Schema.STRING,
            'Type of adjustment (absolute or percentage).',
            required=True,
            constraints=[constraints.AllowedValues(
                [CFN_CHANGE_IN_CAPACITY, CFN_EXACT_CAPACITY,
                 CFN_PERCENT_CHANGE_IN_CAPACITY])],
            update_allowed=True),
        COOLDOWN: properties.Schema(
            properties.Schema.INTEGER,
            'Cooldown period, in seconds.',
            update_allowed=True),
        MIN_ADJUSTMENT_STEP: properties.Schema(
            properties.Schema.INTEGER,
            'Minimum number of resources that are added or removed when '
            'the AutoScaling group scales up or down. This can be used only '
            'when specifying PercentChangeInCapacity for the AdjustmentType '
            'property.',
            constraints=[constraints.Range(min=0)],
            update_allowed=True),
    }

    attributes_schema = {
        ALARM_URL: attributes.Schema(
            'A signed url to handle the alarm. (Heat extension).',
            type=attributes.Schema.STRING),
    }

    def get_reference_id(self):
        if self.resource_id is not None:
            url = self._alarm_url()
            if url is not None:
                return str(url)
        return str(self.name)

    def _resolve_attribute(self, name):
        if self.id is None or self.action == self.INIT:
            return None
        if name == self.ALARM_URL:
            return self._alarm_url()
        return None


def resource_mapping():
    return {'AWS::AutoScaling::ScalingPolicy': AWSScalingPolicy}
