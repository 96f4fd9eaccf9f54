"""``OS::Heat::SoftwareComponent``: one software config holding a config
per lifecycle action.

Where a ``OS::Heat::SoftwareConfig`` stores one script, a component
stores several, each for the actions it names (``configs``: a list of
``{actions, config, tool}``; ``actions`` defaults to ``[CREATE,
UPDATE]``). No action may appear in two configs: there would be no order
between them. As upstream, it is stored as an ordinary software config
row whose ``group`` is ``component`` and whose ``config`` is ``{"configs":
[...]}``; its physical id is that config's id, so a
``OS::Heat::SoftwareDeployment`` takes it as its ``config``. Such a
deployment runs for the actions the component has a config for (its own
``actions`` property does not apply), and the in-instance hook of the
``component`` group picks the config of the action
(``deploy_action``). Attribute ``configs``: the stored list.
"""

from heat.common import exception
from heat.engine import attributes, constraints, properties, resource
from heat.engine import software_config_service as sc_service
from heat.engine.resources.openstack.heat import software_config as sc
from heat.engine.resources.openstack.heat import software_deployment as sd


class SoftwareComponent(sc.SoftwareConfig):
    """Several configs of one software component, one per set of
    lifecycle actions (see the module doc)."""

    PROPERTIES = (CONFIGS, INPUTS, OUTPUTS, OPTIONS) = (
        'configs', 'inputs', 'outputs', 'options')
    CONFIG_PROPERTIES = (CONFIG_ACTIONS, CONFIG_CONFIG, CONFIG_TOOL) = (
        'actions', 'config', 'tool')
    ATTRIBUTES = (CONFIGS_ATTR,) = ('configs',)

    config_schema = properties.Schema(
        properties.Schema.MAP,
        schema={
            # as upstream, no list of allowed values: a custom action
            # needs a hook that knows it; the standard ones are CREATE,
            # DELETE, UPDATE, SUSPEND and RESUME
            CONFIG_ACTIONS: properties.Schema(
                properties.Schema.LIST,
                'Lifecycle actions this configuration is for: Heat\'s '
                'resource actions CREATE, DELETE, UPDATE, SUSPEND and '
                'RESUME.',
                default=[resource.Resource.CREATE, resource.Resource.UPDATE],
                schema=properties.Schema(properties.Schema.STRING),
                constraints=[constraints.Length(min=1)]),
            CONFIG_CONFIG: sc.SoftwareConfig.properties_schema[
                sc.SoftwareConfig.CONFIG],
            CONFIG_TOOL: properties.Schema(
                properties.Schema.STRING,
                'The tool that applies this configuration on the server; '
                'the in-instance tools of the deployed server must know '
                'it.', required=True),
        })

    properties_schema = {
        CONFIGS: properties.Schema(
            properties.Schema.LIST,
            'The configurations of the component, one for each set of '
            'lifecycle actions.',
            schema=config_schema,
            constraints=[constraints.Length(min=1)], required=True),
        INPUTS: sc.SoftwareConfig.properties_schema[sc.SoftwareConfig.INPUTS],
        OUTPUTS: sc.SoftwareConfig.properties_schema[
            sc.SoftwareConfig.OUTPUTS],
        OPTIONS: sc.SoftwareConfig.properties_schema[
            sc.SoftwareConfig.OPTIONS],
    }

    attributes_schema = {
        CONFIGS_ATTR: attributes.Schema(
            'The configurations of the component\'s lifecycle actions, as '
            'stored.', type=attributes.Schema.LIST),
    }

    def validate(self):
        result = super().validate()
        # one config per action: otherwise no order among them
        seen = set()
        for index, item in enumerate(self.properties[self.CONFIGS] or []):
            actions = item.get(self.CONFIG_ACTIONS) or []
            if seen & set(actions):
                raise exception.StackValidationFailed(
                    message='Defining more than one configuration for the '
                            'same action in SoftwareComponent "%s" is not '
                            'allowed.' % self.name,
                    path=self.t.path('properties') + [self.CONFIGS, index,
                                                      self.CONFIG_ACTIONS])
            seen.update(actions)
        return result

    def build_config(self):
        props = self.properties
        return {
            'name': self.physical_resource_name(),
            'group': sd.COMPONENT_GROUP,
            'config': {self.CONFIGS: props[self.CONFIGS]},
            'options': props[self.OPTIONS] or {},
            'inputs': props[self.INPUTS] or [],
            'outputs': props[self.OUTPUTS] or [],
        }

    def _resolve_attribute(self, name):
        if name == self.CONFIGS_ATTR and self.resource_id:
            stored = sc.find_config(self.context, self.resource_id)
            if stored is None:
                return None
            return (stored.get(sc_service.CONFIG_CONFIG) or {}).get(
                self.CONFIGS)
        return None


def resource_mapping():
    return {'OS::Heat::SoftwareComponent': SoftwareComponent}
