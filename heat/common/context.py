"""The request context: who asks, for which project.

Every engine and database call carries one. ``to_dict``/``from_dict``
round-trip it through RPC messages and stored stack credentials.
"""

from heat.common import uuids


def generate_request_id():
    # (one per API request: no system call each, see heat.common.uuids)
    return 'req-%s' % uuids.random_uuid()


class RequestContext:
    """Identity and request data of one API call."""

    FIELDS = ('auth_token', 'user_id', 'user_name', 'project_id',
              'project_name', 'roles', 'is_admin', 'request_id',
              'region_name', 'show_deleted', 'trust_id', 'auth_url',
              'user_domain_id', 'project_domain_id')

    def __init__(self, auth_token=None, user_id=None, user_name=None,
                 project_id=None, project_name=None, roles=None,
                 is_admin=False, request_id=None, region_name=None,
                 show_deleted=False, trust_id=None, auth_url=None,
                 user_domain_id=None, project_domain_id=None,
                 **kwargs):
        self.auth_token = auth_token
        self.user_id = user_id
        self.user_name = user_name
        self.project_id = project_id
        self.project_name = project_name
        self.roles = list(roles or [])
        self.is_admin = bool(is_admin) or 'admin' in self.roles
        self.request_id = request_id or generate_request_id()
        self.region_name = region_name
        self.show_deleted = show_deleted
        self.trust_id = trust_id
        self.auth_url = auth_url
        self.user_domain_id = user_domain_id
        self.project_domain_id = project_domain_id
        # Upstream's older spellings, accepted from stored dicts.
        if self.project_id is None:
            self.project_id = kwargs.get('tenant_id') or kwargs.get('tenant')
        if self.user_name is None:
            self.user_name = kwargs.get('username')
        if self.project_name is None:
            self.project_name = kwargs.get('tenant_name')

    # upstream's aliases
    @property
    def tenant_id(self):
        return self.project_id

    @property
    def username(self):
        return self.user_name

    @property
    def tenant(self):
        return self.project_id

    # -- the cloud (heat.engine.clients) -------------------------------------

    @property
    def clients(self):
        """The context's cloud clients (one openstacksdk connection)."""
        from heat.engine import clients
        return clients.clients(self)

    @property
    def available_services(self):
        """Client names (``nova``, ``neutron``...) of the cloud services
        this context reaches; empty without a cloud."""
        from heat.engine import clients
        return clients.available_services(self)

    @property
    def find_cloud_resource(self):
        """``find(service, resource, value) -> bool`` for the cloud
        constraints, or None without a cloud (they are then reported as
        not verified)."""
        from heat.engine import clients
        if not clients.configured(self):
            return None
        return self.clients.find_cloud_resource

    def to_dict(self):
        out = {f: getattr(self, f) for f in self.FIELDS}
        out['roles'] = list(self.roles)
        out['tenant_id'] = self.project_id
        out['username'] = self.user_name
        return out

    @classmethod
    def from_dict(cls, values):
        values = dict(values or {})
        known = {k: values.pop(k) for k in list(values)
                 if k in cls.FIELDS or k in ('tenant_id', 'tenant',
                                             'username', 'tenant_name')}
        return cls(**known)

    def __repr__(self):
        return 'RequestContext(project_id=%r, user_id=%r, request_id=%r)' % (
            self.project_id, self.user_id, self.request_id)


def get_admin_context(show_deleted=False):
    """A context of the engine itself: admin, no user, no project."""
    return RequestContext(is_admin=True, roles=['admin'],
                          show_deleted=show_deleted)
