"""NeutronResource: what the ``OS::Neutron::*`` types share.

Upstream's Neutron resources share a few rules, kept here:

- ``value_specs`` (a map of extra request parameters) is merged into the
  create and update requests, and may not name a property of the type
  (nor ``shared`` or ``tenant_id``): "<keys> not allowed in value_specs";
- a ``name`` left out defaults to the physical resource name
  (``<stack>-<resource>-<short id>``), at create and when an update
  removes it;
- ``tags`` are set after the create (and replaced on update) through
  Neutron's tag extension;
- a resource with a ``status`` is built when Neutron says ``ACTIVE`` or
  ``DOWN``; ``ERROR`` or ``DEGRADED`` fail the action (upstream's "Went to
  status ERROR due to ..."), ``BUILD`` waits;
- attributes and ``show`` are Neutron's own fields, with Neutron's names
  (``admin_state_up``, ``tenant_id``...), not openstacksdk's.

Requests go through the ``network`` proxy of the stack's openstacksdk
connection (:class:`heat.engine.resources.cloud.CloudResource`), which
also deletes the physical resource and waits until Neutron no longer has
it.
"""

import collections.abc
import uuid

from heat.common import exception
from heat.engine.resources import cloud

#: statuses that mean the resource is built, and those that mean failure
BUILT_STATUSES = ('ACTIVE', 'DOWN')
FAILED_STATUSES = ('ERROR', 'DEGRADED')

#: what value_specs may never set (besides the type's own properties)
BANNED_VALUE_SPECS = ('shared', 'tenant_id')

#: openstacksdk's own keys in ``to_dict``, not Neutron's
_SDK_ONLY_KEYS = ('location', 'if-match')


def is_uuid_like(value):
    """Whether ``value`` is written as a UUID (oslo's is_uuid_like)."""
    try:
        return str(uuid.UUID(value)).replace('-', '') == \
            str(value).replace('-', '').lower()
    except (TypeError, ValueError, AttributeError):
        return False


class NeutronResource(cloud.CloudResource):
    """A physical resource of Neutron (``entity``: the proxy's name)."""

    required_service = 'neutron'
    proxy_name = 'network'

    #: deprecated property -> the property it stands for (upstream's
    #: REPLACE translation rules: ``network_id`` is read as ``network``)
    replaced_properties = {}

    def make_properties(self, definition):
        props = super().make_properties(definition)
        data = props.data
        if not self.replaced_properties or \
                not isinstance(data, collections.abc.Mapping):
            return props
        moved = dict(data)
        for old, new in self.replaced_properties.items():
            if old in moved and new not in moved:
                moved[new] = moved.pop(old)
        props.data = moved
        return props

    # -- validation ------------------------------------------------------

    def validate(self):
        result = super().validate()
        data = self.properties.data
        for old, new in self.replaced_properties.items():
            if old in data and new in data:
                self._fail_validation(
                    'Cannot define the following properties at the same '
                    'time: %s, %s.' % (new, old))
        self._validate_value_specs()
        return result

    def _validate_value_specs(self):
        if 'value_specs' not in self.properties_schema:
            return
        specs = self.properties['value_specs']
        if not isinstance(specs, dict):
            return
        banned = set(BANNED_VALUE_SPECS) | set(self.properties_schema)
        found = sorted(banned & set(specs))
        if found:
            raise exception.StackValidationFailed(
                message='%s not allowed in value_specs' % ', '.join(found),
                path=self.t.path('properties') + ['value_specs'])

    def _fail_validation(self, message, *path):
        """A StackValidationFailed at ``properties.<path>``."""
        raise exception.StackValidationFailed(
            message=message, path=self.t.path('properties') + list(path))

    # -- requests ----------------------------------------------------------

    def prepare_properties(self, props=None):
        """The create request of ``props`` (the current properties): the
        values that are set, ``name`` defaulted to the physical resource
        name, ``value_specs`` merged in."""
        props = self.properties if props is None else props
        body = {}
        for key in props:
            value = props[key]
            if value is not None:
                body[key] = value
        if 'name' in self.properties_schema:
            body.setdefault('name', self.physical_resource_name())
        specs = body.pop('value_specs', None)
        if specs:
            body.update(specs)
        return body

    def prepare_update_properties(self, prop_diff):
        """The update request of ``prop_diff``: ``value_specs`` merged in,
        a removed ``name`` back to the physical resource name."""
        body = dict(prop_diff)
        if 'value_specs' in body:
            specs = body.pop('value_specs')
            if specs:
                body.update(specs)
        if 'name' in body and body['name'] is None:
            body['name'] = self.physical_resource_name()
        return body

    def update_physical(self, body):
        """``update_<entity>`` with ``body`` (nothing when it is empty)."""
        if body:
            getattr(self.proxy, 'update_%s' % self.entity)(
                self.resource_id, **body)

    def set_tags(self, tags):
        """Replace the tags of the physical resource."""
        self.proxy.set_tags(self.fetch(), list(tags or []))

    def resolve_id(self, resource_name, value):
        """The id of the Neutron ``resource_name`` named ``value``."""
        if value is None:
            return None
        return self.find_id('neutron', resource_name, value)

    def secgroup_ids(self, groups):
        """Ids of security groups given by name or id; a name several
        projects use picks the current project's group (upstream)."""
        ids = []
        project = None
        for group in groups or ():
            if is_uuid_like(group):
                ids.append(group)
                continue
            matches = list(self.proxy.security_groups(name=group))
            if len(matches) == 1:
                ids.append(matches[0].id)
                continue
            if not matches:
                raise exception.EntityNotFound(entity='Resource',
                                               name=group)
            if project is None:
                project = self.cloud.current_project_id
            own = [g.id for g in matches if g.project_id == project]
            if len(own) != 1:
                raise exception.PhysicalResourceNameAmbiguity(name=group)
            ids.append(own[0])
        return ids

    # -- status ------------------------------------------------------------

    @staticmethod
    def is_built(status):
        """Upstream's rule for a resource with a status."""
        status = (status or '').upper()
        if status == 'BUILD':
            return False
        if status in BUILT_STATUSES:
            return True
        if status in FAILED_STATUSES:
            raise exception.ResourceInError(resource_status=status,
                                            status_reason='Unknown')
        # upstream's ResourceUnknownStatus text
        raise exception.CloudError(
            'Resource is not built - Unknown status %s due to "Unknown"'
            % (status or None))

    def check_built(self):
        return self.is_built(self.fetch().status)

    def needs_replace_failed(self):
        """A failed resource is replaced only when Neutron has it no
        more or in ERROR (upstream); otherwise it is updated."""
        if self.resource_id is None:
            return True
        try:
            physical = self.fetch()
        except exception.PhysicalResourceNotFound:
            return True
        return (getattr(physical, 'status', None) or '').upper() == 'ERROR'

    def handle_check(self):
        physical = self.fetch()
        status = (getattr(physical, 'status', None) or '').upper()
        if status in FAILED_STATUSES:
            raise exception.ResourceInError(resource_status=status,
                                            status_reason='Unknown')

    # -- attributes --------------------------------------------------------

    @staticmethod
    def neutron_dict(physical):
        """The fields of an openstacksdk object, with Neutron's names."""
        data = physical.to_dict(original_names=True)
        for key in _SDK_ONLY_KEYS:
            data.pop(key, None)
        if data.get('tenant_id') is None and 'project_id' in data:
            data['tenant_id'] = data['project_id']
        return data

    def _show_resource(self):
        return self.neutron_dict(self.fetch())

    def _attribute_from(self, physical, name):
        return self.neutron_dict(physical).get(name)
