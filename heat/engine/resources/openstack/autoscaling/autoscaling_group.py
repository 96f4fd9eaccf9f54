"""OS::Heat::AutoScalingGroup: a group of any resource, defined in HOT.

A thin caller of the AS engine (see
:mod:`heat.engine.resources.openstack.autoscaling.instance_group`). The
``resource`` property is the member definition (a HOT snippet); the
group's reference is its id, which is the member stack's id, and
``OS::Heat::ScalingPolicy.auto_scaling_group_id`` names it.

A changed ``resource`` replaces the existing members in batches
following ``rolling_updates`` (upstream always rolls for this type). An
``update_policy`` section is refused ("Unknown Property"), as upstream.

Attributes (member attributes in creation order):
``outputs`` ``{member name: value}`` and ``outputs_list`` ``[value]`` of
the attribute path given, ``current_size``, ``refs``, ``refs_map``,
``resource.N`` / ``resource.N.<attr>``.
"""

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources import stack_resource
from heat.engine.resources.openstack.autoscaling import instance_group as ig


class AutoScalingResourceGroup(ig.ScalingGroupBase):
    """OS::Heat::AutoScalingGroup."""

    template_format = 'hot'

    PROPERTIES = (
        RESOURCE, MAX_SIZE, MIN_SIZE, COOLDOWN, DESIRED_CAPACITY,
        ROLLING_UPDATES,
    ) = (
        'resource', 'max_size', 'min_size', 'cooldown', 'desired_capacity',
        'rolling_updates',
    )
    _ROLLING_UPDATES_SCHEMA = (
        MIN_IN_SERVICE, MAX_BATCH_SIZE, PAUSE_TIME,
    ) = ('min_in_service', 'max_batch_size', 'pause_time')
    ATTRIBUTES = (
        OUTPUTS, OUTPUTS_LIST, CURRENT_SIZE, REFS, REFS_MAP,
    ) = (
        'outputs', 'outputs_list', 'current_size', 'refs', 'refs_map',
    )

    properties_schema = {
        RESOURCE: properties.Schema(
            properties.Schema.MAP,
            'Resource definition for the resources in the group, in HOT '
            'format: the definition of a resource just as if it had been '
            'declared in the template itself.',
            required=True, update_allowed=True),
        MAX_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Maximum number of resources in the group.',
            required=True, update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        MIN_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Minimum number of resources in the group.',
            required=True, update_allowed=True,
            constraints=[constraints.Range(min=0)]),
        COOLDOWN: properties.Schema(
            properties.Schema.INTEGER,
            'Cooldown period, in seconds.',
            update_allowed=True),
        DESIRED_CAPACITY: properties.Schema(
            properties.Schema.INTEGER,
            'Desired initial number of resources.',
            update_allowed=True),
        ROLLING_UPDATES: properties.Schema(
            properties.Schema.MAP,
            'Policy for rolling updates for this scaling group.',
            update_allowed=True,
            schema={
                MIN_IN_SERVICE: properties.Schema(
                    properties.Schema.INTEGER,
                    'The minimum number of resources in service while '
                    'rolling updates are being executed.',
                    constraints=[constraints.Range(min=0)],
                    default=0),
                MAX_BATCH_SIZE: properties.Schema(
                    properties.Schema.INTEGER,
                    'The maximum number of resources to replace at once.',
                    constraints=[constraints.Range(min=1)],
                    default=1),
                PAUSE_TIME: properties.Schema(
                    properties.Schema.NUMBER,
                    'The number of seconds to wait between batches of '
                    'updates.',
                    constraints=[constraints.Range(min=0)],
                    default=0),
            },
            # every field at its own default
            default={MIN_IN_SERVICE: 0, MAX_BATCH_SIZE: 1, PAUSE_TIME: 0}),
    }

    # get_attr may name any member attribute path (outputs, resource.N...)
    attributes_schema = stack_resource.OpenAttributeSchema({
        OUTPUTS: attributes.Schema(
            'A map of resource names to the specified attribute of each '
            'individual resource that is part of the AutoScalingGroup.',
            type=attributes.Schema.MAP),
        OUTPUTS_LIST: attributes.Schema(
            'A list of the specified attribute of each individual resource '
            'that is part of the AutoScalingGroup.',
            type=attributes.Schema.LIST),
        CURRENT_SIZE: attributes.Schema(
            'The current size of AutoscalingResourceGroup.',
            type=attributes.Schema.INTEGER),
        REFS: attributes.Schema(
            'A list of resource IDs for the resources in the group.',
            type=attributes.Schema.LIST),
        REFS_MAP: attributes.Schema(
            'A map of resource names to IDs for the resources in the group.',
            type=attributes.Schema.MAP),
    })

    update_policy_schema = {}

    size_properties = {'min_size': MIN_SIZE, 'max_size': MAX_SIZE,
                       'desired_capacity': DESIRED_CAPACITY}
    cooldown_property = COOLDOWN
    rolling_property = ROLLING_UPDATES

    # -- what the group is ----------------------------------------------

    def _sizes(self, props):
        return (props[self.MIN_SIZE], props[self.MAX_SIZE],
                props[self.DESIRED_CAPACITY])

    def _cooldown(self, props):
        return props[self.COOLDOWN]

    def _member_definition(self, props):
        return dict(props[self.RESOURCE] or {})

    def _rolling_update(self, props, policy):
        rolling = props[self.ROLLING_UPDATES] or {}
        return ig.rolling_update_seconds(
            rolling.get(self.MIN_IN_SERVICE, 0),
            rolling.get(self.MAX_BATCH_SIZE, 1),
            rolling.get(self.PAUSE_TIME, 0))

    def _replace_members_on_change(self, props, policy):
        return True

    # -- validation -----------------------------------------------------

    def validate_group(self):
        props = self.properties
        self._check_sizes(props[self.MIN_SIZE], props[self.MAX_SIZE],
                          props[self.DESIRED_CAPACITY])

    # -- references and attributes --------------------------------------

    def get_attribute(self, key, *path):
        if key == self.SHOW:
            return super().get_attribute(key, *path)
        if key == self.CURRENT_SIZE:
            # an extra path is ignored (upstream)
            return self.current_size()
        if key == self.REFS:
            return attributes.select_from_attribute(
                [m.FnGetRefId() for m in self.get_members()], path)
        if key == self.REFS_MAP:
            return attributes.select_from_attribute(
                {m.name: m.FnGetRefId() for m in self.get_members()}, path)
        if key in (self.OUTPUTS, self.OUTPUTS_LIST):
            if not path:
                raise exception.InvalidTemplateAttribute(resource=self.name,
                                                         key=key)
            values = [(m.name, m.FnGetAtt(*path))
                      for m in self.get_members()]
            if key == self.OUTPUTS:
                return dict(values)
            return [v for _, v in values]
        if isinstance(key, str) and key.startswith('resource.'):
            return self._resource_attr(key, *path)
        raise exception.InvalidTemplateAttribute(resource=self.name,
                                                 key=key)

    def FnGetAtts(self):
        return {k: self.get_attribute(k) for k in
                (self.CURRENT_SIZE, self.REFS, self.REFS_MAP)}


def resource_mapping():
    return {'OS::Heat::AutoScalingGroup': AutoScalingResourceGroup}
