"""CloudResource: the base of the types that own a physical resource in
an OpenStack service (a Nova server, a Neutron port, an Aodh alarm...).

A subclass names its service (``required_service``, upstream's client
name) and implements ``handle_create`` with the openstacksdk connection
of the stack's context (:attr:`CloudResource.cloud`, see
:mod:`heat.engine.clients`). This class gives it what upstream's
resources share:

- the physical id is stored as soon as the service returns it (the
  Resource base writes a cloud resource's id at once), so that an engine
  that dies mid-create leaves a row naming what to clean up;
- ``handle_delete`` deletes the physical resource (a missing one counts
  as deleted) and ``check_delete_complete`` waits until the service no
  longer has it, so that a deleted stack leaves nothing behind;
- ``_show_resource`` (the ``show`` attribute) and ``handle_check`` read
  the physical resource through :meth:`CloudResource.fetch`;
- polls of the service start at half a second and back off to two, so
  that a hundred booting servers do not flood the API;
- an error from the service becomes the resource's status reason with
  the service's own message (:func:`cloud_error`).
"""

import logging

from heat.common import exception
from heat.engine import resource

LOG = logging.getLogger(__name__)


def is_not_found(exc):
    """Whether ``exc`` is the service saying the resource does not exist."""
    from openstack import exceptions as sdk_exc
    return isinstance(exc, (sdk_exc.NotFoundException,
                            exception.PhysicalResourceNotFound,
                            exception.EntityNotFound))


def cloud_error(exc):
    """The service's message of an openstacksdk error (its details, not
    the client's wrapping), for a status reason."""
    details = getattr(exc, 'details', None)
    status = getattr(exc, 'status_code', None)
    if details:
        return ('%s (HTTP %s)' % (details, status) if status
                else str(details))
    return str(exc)


class CloudResource(resource.Resource):
    """A resource backed by a physical resource of an OpenStack service."""

    #: the openstacksdk proxy (``compute``, ``network``...) the default
    #: fetch and delete use, with :attr:`entity`
    proxy_name = None
    #: the proxy's resource name: ``get_<entity>``, ``delete_<entity>``
    entity = None

    poll_start = 0.5
    poll_max = 2.0

    @property
    def cloud_context(self):
        """The context the cloud is reached with: the stack's, through
        the stack's trust when it has one (see
        :mod:`heat.engine.clients.trusts`), so that the converger, a
        signal or a later update act for the owner without a token."""
        from heat.engine.clients import trusts
        return trusts.stack_context(self.stack)

    @property
    def cloud(self):
        """The openstacksdk connection of :attr:`cloud_context`."""
        return self.cloud_context.clients.connection

    @property
    def proxy(self):
        return getattr(self.cloud, self.proxy_name)

    def client(self, name=None):
        """Upstream's spelling: the connection (one for every service)."""
        return self.cloud

    def find_id(self, service, resource_name, value):
        """The id of ``value`` (a name or id) in the cloud."""
        return self.cloud_context.clients.find(service, resource_name,
                                               value)

    def _run_handler(self, action, args=()):
        """The handlers' errors from the service become ``CloudError``
        with the service's own message (the status reason says what the
        cloud said, not the client library's wrapping)."""
        from openstack import exceptions as sdk_exc
        try:
            return super()._run_handler(action, args)
        except sdk_exc.HttpException as exc:
            raise exception.CloudError(cloud_error(exc)) from exc

    def record_physical_id(self, physical_id, delete):
        """Store the id the service just returned; when it cannot be
        stored (a scaling group's converger lost its lease meanwhile: the
        fence refuses the write), ``delete(physical_id)`` first, so that
        nothing the database does not name is left in the cloud."""
        try:
            self.resource_id_set(physical_id)
        except BaseException:
            try:
                delete(physical_id)
            except Exception:  # noqa: BLE001 - the first error matters
                LOG.warning('%s: %s could not be deleted after its id '
                            'was refused', self, physical_id,
                            exc_info=True)
            raise

    # -- the physical resource ------------------------------------------

    def fetch(self):
        """The physical resource (an openstacksdk object); raises
        ``PhysicalResourceNotFound`` when it is gone."""
        if self.resource_id is None:
            raise exception.PhysicalResourceNotFound(resource_id=self.name)
        try:
            return getattr(self.proxy, 'get_%s' % self.entity)(
                self.resource_id)
        except Exception as exc:
            if is_not_found(exc):
                raise exception.PhysicalResourceNotFound(
                    resource_id=self.resource_id) from None
            raise

    def _show_resource(self):
        return self.fetch().to_dict()

    def handle_delete(self):
        if self.resource_id is None:
            return None
        try:
            getattr(self.proxy, 'delete_%s' % self.entity)(
                self.resource_id, ignore_missing=True)
        except Exception as exc:
            if not is_not_found(exc):
                raise
        return self.resource_id

    def check_delete_complete(self, token):
        if token is None:
            return True
        try:
            self.fetch()
        except exception.PhysicalResourceNotFound:
            return True
        return False

    def handle_check(self):
        """The physical resource still exists (types add their status)."""
        self.fetch()

    def _resolve_attribute(self, name):
        if self.resource_id is None:
            return None
        return self._attribute_from(self.fetch(), name)

    def _attribute_from(self, physical, name):
        """Attribute ``name`` of the fetched physical resource (types)."""
        return getattr(physical, name, None)
