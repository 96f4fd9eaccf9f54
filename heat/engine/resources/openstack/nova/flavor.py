"""``OS::Nova::Flavor``: a Nova flavor (admin only, by Nova's policy).

Create makes the flavor (``name`` defaults to the physical resource name,
``flavorid`` to one Nova generates), sets its ``extra_specs`` and, for a
private flavor (``is_public: false``), gives the ``tenants`` (names or
ids) access to it, or the stack's own project when there are none.

Updates in place, as upstream's: ``extra_specs`` (the old keys are unset,
the new ones set) and ``tenants`` (access added and removed, for a
private flavor). Any other change replaces the flavor. Delete waits until
Nova no longer has it.
"""

import logging

from heat.engine import attributes, constraints, properties
from heat.engine.resources import cloud

LOG = logging.getLogger(__name__)


class NovaFlavor(cloud.CloudResource):
    """A Nova flavor."""

    required_service = 'nova'
    proxy_name = 'compute'
    entity = 'flavor'

    PROPERTIES = (
        TENANTS, ID, NAME, RAM, VCPUS, DISK, SWAP,
        EPHEMERAL, RXTX_FACTOR, EXTRA_SPECS, IS_PUBLIC,
    ) = (
        'tenants', 'flavorid', 'name', 'ram', 'vcpus', 'disk', 'swap',
        'ephemeral', 'rxtx_factor', 'extra_specs', 'is_public',
    )

    ATTRIBUTES = (
        IS_PUBLIC_ATTR, EXTRA_SPECS_ATTR,
    ) = (
        'is_public', 'extra_specs',
    )

    properties_schema = {
        TENANTS: properties.Schema(
            properties.Schema.LIST,
            'List of tenants.',
            update_allowed=True,
            default=[],
            schema=properties.Schema(
                properties.Schema.STRING,
                constraints=[
                    constraints.CustomConstraint('keystone.project')]),
            support_status={'version': '8.0.0'}),
        ID: properties.Schema(
            properties.Schema.STRING,
            'Unique ID of the flavor. If not specified, an UUID will be '
            'auto generated and used.',
            support_status={'version': '7.0.0'}),
        NAME: properties.Schema(
            properties.Schema.STRING,
            'Name of the flavor.',
            support_status={'version': '7.0.0'}),
        RAM: properties.Schema(
            properties.Schema.INTEGER,
            'Memory in MB for the flavor.',
            required=True),
        VCPUS: properties.Schema(
            properties.Schema.INTEGER,
            'Number of VCPUs for the flavor.',
            required=True),
        DISK: properties.Schema(
            properties.Schema.INTEGER,
            'Size of local disk in GB. The "0" size is a special case that '
            'uses the native base image size as the size of the ephemeral '
            'root volume.',
            default=0),
        SWAP: properties.Schema(
            properties.Schema.INTEGER,
            'Swap space in MB.',
            default=0),
        EPHEMERAL: properties.Schema(
            properties.Schema.INTEGER,
            'Size of a secondary ephemeral data disk in GB.',
            default=0),
        RXTX_FACTOR: properties.Schema(
            properties.Schema.NUMBER,
            'RX/TX factor.',
            default=1.0),
        EXTRA_SPECS: properties.Schema(
            properties.Schema.MAP,
            'Key/Value pairs to extend the capabilities of the flavor.',
            update_allowed=True),
        IS_PUBLIC: properties.Schema(
            properties.Schema.BOOLEAN,
            'Scope of flavor accessibility. Public or private. Default '
            'value is True, means public, shared across all projects.',
            default=True,
            support_status={'version': '6.0.0'}),
    }

    attributes_schema = {
        IS_PUBLIC_ATTR: attributes.Schema(
            'Whether the flavor is shared across all projects.',
            support_status={'version': '6.0.0'},
            type=attributes.Schema.BOOLEAN),
        EXTRA_SPECS_ATTR: attributes.Schema(
            'Extra specs of the flavor in key-value pairs.',
            support_status={'version': '7.0.0'},
            type=attributes.Schema.MAP),
    }

    def _project_ids(self, tenants):
        return [self.find_id('keystone', 'project', t) for t in tenants]

    # -- create ------------------------------------------------------------

    def handle_create(self):
        props = self.properties
        attrs = {
            'name': props[self.NAME] or self.physical_resource_name(),
            'ram': props[self.RAM],
            'vcpus': props[self.VCPUS],
            'disk': props[self.DISK],
            'swap': props[self.SWAP],
            'ephemeral': props[self.EPHEMERAL],
            'rxtx_factor': props[self.RXTX_FACTOR],
            'is_public': props[self.IS_PUBLIC],
        }
        # upstream's 'auto' (or nothing): Nova generates the id
        if props[self.ID] and props[self.ID] != 'auto':
            attrs['id'] = props[self.ID]
        flavor = self.proxy.create_flavor(**attrs)
        self.resource_id_set(flavor.id)
        if props[self.EXTRA_SPECS]:
            self.proxy.create_flavor_extra_specs(
                flavor.id, self._specs(props[self.EXTRA_SPECS]))
        if not props[self.IS_PUBLIC]:
            tenants = self._project_ids(props[self.TENANTS] or ())
            if not tenants:
                LOG.info('Tenant property is recommended for the private '
                         'flavors.')
                tenants = [self.cloud.current_project_id]
            for tenant in tenants:
                self.proxy.flavor_add_tenant_access(flavor.id, tenant)
        return flavor.id

    @staticmethod
    def _specs(specs):
        return {str(k): v if isinstance(v, str) else str(v)
                for k, v in (specs or {}).items()}

    # -- update ------------------------------------------------------------

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        if self.EXTRA_SPECS in prop_diff:
            old = self.proxy.fetch_flavor_extra_specs(
                self.resource_id).extra_specs or {}
            for key in old:
                self.proxy.delete_flavor_extra_specs_property(
                    self.resource_id, key)
            new = prop_diff[self.EXTRA_SPECS]
            if new:
                self.proxy.create_flavor_extra_specs(self.resource_id,
                                                     self._specs(new))
        if self.TENANTS in prop_diff and not self.properties[self.IS_PUBLIC]:
            old = {a.get('tenant_id') for a in
                   self.proxy.get_flavor_access(self.resource_id)}
            new = set(self._project_ids(prop_diff[self.TENANTS] or ()))
            for tenant in sorted(old - new):
                self.proxy.flavor_remove_tenant_access(self.resource_id,
                                                       tenant)
            for tenant in sorted(new - old):
                self.proxy.flavor_add_tenant_access(self.resource_id,
                                                    tenant)

    # -- attributes --------------------------------------------------------

    def _attribute_from(self, flavor, name):
        if name == self.IS_PUBLIC_ATTR:
            return flavor.is_public
        if name == self.EXTRA_SPECS_ATTR:
            return self.proxy.fetch_flavor_extra_specs(
                self.resource_id).extra_specs or {}
        return None

    def _show_resource(self):
        data = self.fetch().to_dict(original_names=True)
        data.pop('location', None)
        return data


def resource_mapping():
    return {'OS::Nova::Flavor': NovaFlavor}
