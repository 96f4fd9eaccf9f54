"""``OS::Heat::None``: a stand-in that does nothing.

Mapping a type to ``OS::Heat::None`` in an environment's
``resource_registry`` disables it: any properties are accepted (and never
validated), every attribute is None, the physical id is a fresh uuid4, and
an update never changes or replaces it, whatever changed.
"""

from heat.common import uuids
from heat.engine import properties, resource


class AnyAttributes(dict):
    """An attribute schema declaring no attribute yet containing every
    name: ``get_attr`` of any name validates (and gives None)."""

    def __contains__(self, name):
        return isinstance(name, str)


class NoneResource(resource.Resource):
    """Accepts anything, does nothing, is never updated or replaced."""

    properties_schema = {}
    attributes_schema = AnyAttributes()

    def make_properties(self, definition):
        # Whatever the stubbed-out type took is ignored, never checked.
        return properties.Properties({}, {}, parent_name=self.name)

    def validate(self):
        return None

    def handle_create(self):
        self.resource_id_set(uuids.random_uuid())

    def _needs_update(self, after, before, after_props, before_props):
        # Never replaced nor changed: the new definition is just taken.
        return False

    def get_attribute(self, key, *path):
        return None


def resource_mapping():
    return {'OS::Heat::None': NoneResource}
