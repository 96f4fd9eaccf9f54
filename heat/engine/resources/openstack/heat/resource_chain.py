"""``OS::Heat::ResourceChain``: resources of listed types in a nested stack.

Members are named ``'0'``, ``'1'``, ... in the order of ``resources`` (type
names or registry aliases); all get the same ``resource_properties``.
Unless ``concurrent``, each member depends on the previous one, so they are
created in order and deleted in reverse. Attributes mirror
``ResourceGroup``'s: ``refs``, ``attributes`` (needs a path),
``resource.N[.attr]`` and any member attribute as a list.
"""

import copy

from heat.common import exception
from heat.engine import attributes, properties
from heat.engine.resources import stack_resource

NESTED_VERSION = '2015-04-30'


def chain_template(resource_types, resource_properties, concurrent=False):
    """The nested template of a chain (pure)."""
    resources = {}
    for index, rtype in enumerate(resource_types):
        snippet = {'type': rtype}
        if resource_properties:
            snippet['properties'] = copy.deepcopy(resource_properties)
        if index > 0 and not concurrent:
            snippet['depends_on'] = [str(index - 1)]
        resources[str(index)] = snippet
    return {'heat_template_version': NESTED_VERSION, 'resources': resources}


class ResourceChain(stack_resource.StackResource):
    """Resources of listed types, created in order (or concurrently)."""

    PROPERTIES = (RESOURCES, CONCURRENT, RESOURCE_PROPERTIES) = (
        'resources', 'concurrent', 'resource_properties')
    ATTRIBUTES = (REFS, ATTR_ATTRIBUTES) = ('refs', 'attributes')

    properties_schema = {
        RESOURCES: properties.Schema(
            properties.Schema.LIST,
            'The list of resource types to create (type names or aliases '
            'of the resource registry).', required=True,
            update_allowed=True),
        CONCURRENT: properties.Schema(
            properties.Schema.BOOLEAN,
            'If true, the resources are created concurrently; otherwise '
            'each depends on the previous one.', default=False),
        RESOURCE_PROPERTIES: properties.Schema(
            properties.Schema.MAP,
            'Properties to pass to each resource of the chain.'),
    }

    # Members' attributes too (see FnGetAtt).
    attributes_schema = stack_resource.OpenAttributeSchema({
        REFS: attributes.Schema(
            'A list of resource IDs for the resources in the chain.'),
        ATTR_ATTRIBUTES: attributes.Schema(
            'A map of resource names to the specified attribute of each '
            'individual resource.'),
    })

    def _props(self, definition=None):
        if definition is None or definition is self.t:
            return self.properties
        return self.make_properties(definition)

    def child_template(self, props=None):
        props = props or self.properties
        return chain_template(props[self.RESOURCES] or [],
                              props[self.RESOURCE_PROPERTIES],
                              props[self.CONCURRENT])

    def child_params(self):
        return {}

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        self.update_with_template(self.child_template(
            self._props(json_snippet)), {})

    def _names(self):
        return [str(i) for i in range(len(self.properties[self.RESOURCES]
                                          or []))]

    def _member(self, name):
        nested = self.nested()
        return nested.resources.get(name) if nested is not None else None

    def _ref(self, name):
        member = self._member(name)
        return member.FnGetRefId() if member is not None else None

    def _attr(self, name, key, *path):
        member = self._member(name)
        return member.FnGetAtt(key, *path) if member is not None else None

    def FnGetAtt(self, key, *path):
        if key.startswith('resource.'):
            parts = key.split('.', 2)
            if len(parts) == 2 and not path:
                return self._ref(parts[1])
            return self._attr(parts[1], *(parts[2:] + list(path)))
        names = self._names()
        if key == self.REFS:
            return attributes.select_from_attribute(
                [self._ref(n) for n in names], path)
        if key == self.ATTR_ATTRIBUTES:
            if not path:
                raise exception.InvalidTemplateAttribute(resource=self.name,
                                                         key=key)
            return {n: self._attr(n, *path) for n in names}
        return [self._attr(n, key, *path) for n in names]


def resource_mapping():
    return {'OS::Heat::ResourceChain': ResourceChain}
