"""Stack domain users: credentials a server can signal its stack with.

A wait condition handle (and any resource whose signals come from inside
an instance) cannot hand the instance the stack owner's token: it would
expire, and it could do anything the owner can. As upstream does, the
engine makes a Keystone user of its own for such a resource, in a
separate domain (the *stack user domain*), in a project of that domain
made for the stack (the stack's ``stack_user_project_id``), with the one
role ``heat_stack_user_role`` (``heat_stack_user``). The instance gets
that user's token (``TOKEN_SIGNAL``) or its password (``HEAT_SIGNAL``);
the API lets that role signal a resource and read its metadata, nothing
else, and only in the stack whose project the token is scoped to.

Upstream's options, in ``[DEFAULT]``:

- ``stack_user_domain_id`` or ``stack_user_domain_name``: the domain;
- ``stack_domain_admin`` / ``stack_domain_admin_password``: a user of
  that domain with the ``admin`` role on it, who creates and deletes the
  projects and users;
- ``heat_stack_user_role``: the role of the users (``heat_stack_user``).

The domain admin authenticates against ``[clients_keystone] auth_uri``
(else ``[keystone_authtoken] www_authenticate_uri``, else the request's
Keystone). Keystone refusing anything is a :class:`CloudError` carrying
Keystone's message.

Without a stack user domain (the embedded default, ``auth_strategy =
noauth``), a token handle keeps the engine's own random token, which only
the engine checks; with Keystone tokens and no domain configured, such a
handle fails validation naming the options to set (upstream falls back to
users in the stack owner's project, which needs the owner to be able to
create users; we do not).
"""

import logging
import secrets
import threading

from oslo_config import cfg

from heat.common import exception

LOG = logging.getLogger(__name__)

stack_domain_opts = [
    cfg.StrOpt('stack_user_domain_id',
               deprecated_opts=[cfg.DeprecatedOpt('stack_user_domain',
                                                  group=None)],
               help='Keystone domain ID which contains heat template-'
                    'defined users. If this option is set, '
                    'stack_user_domain_name option will be ignored.'),
    cfg.StrOpt('stack_user_domain_name',
               help='Keystone domain name which contains heat template-'
                    'defined users. If `stack_user_domain_id` option is '
                    'set, this option is ignored.'),
    cfg.StrOpt('stack_domain_admin',
               help='Keystone username, a user with roles sufficient to '
                    'manage users and projects in the stack_user_domain.'),
    cfg.StrOpt('stack_domain_admin_password', secret=True,
               help='Keystone password for stack_domain_admin user.'),
    cfg.StrOpt('heat_stack_user_role', default='heat_stack_user',
               help='Keystone role for heat template-defined users.'),
]


def register_opts(conf):
    try:
        conf.register_opts(stack_domain_opts)
    except cfg.DuplicateOptError:
        pass


def list_opts():
    yield None, list(stack_domain_opts)


def _conf():
    from heat.engine import clients
    conf = clients._conf()
    if 'heat_stack_user_role' not in conf:
        register_opts(conf)
    return conf


def stack_user_role():
    return _conf().heat_stack_user_role


def configured():
    """Whether a stack user domain and its admin are configured."""
    conf = _conf()
    return bool((conf.stack_user_domain_id or conf.stack_user_domain_name)
                and conf.stack_domain_admin and
                conf.stack_domain_admin_password)


def keystone_url(context=None):
    """The Keystone v3 URL the stack domain is reached at, or None."""
    from heat.engine import clients
    conf = _conf()
    url = conf.clients_keystone.auth_uri
    if not url:
        try:
            url = conf.keystone_authtoken.www_authenticate_uri
        except (cfg.NoSuchOptError, cfg.NoSuchGroupError, AttributeError):
            url = None
    url = url or getattr(context, 'auth_url', None)
    return clients._keystone_v3(url) if url else None


def keystone_context(context):
    """Whether ``context`` is a Keystone user's (a token from
    keystonemiddleware): signals must then carry Keystone tokens."""
    return bool(getattr(context, 'auth_token', None) and
                getattr(context, 'auth_url', None))


def missing_domain_message(transport):
    return ('Signal transport %s with Keystone authentication needs a '
            'stack user domain: set stack_user_domain_id (or '
            'stack_user_domain_name), stack_domain_admin and '
            'stack_domain_admin_password in [DEFAULT]' % transport)


_admin_lock = threading.Lock()
_admin = {}


class StackDomain:
    """The domain admin's Keystone session (one per process and
    configuration; keystoneauth renews its token)."""

    def __init__(self, context=None):
        from keystoneauth1 import session as ks_session
        from keystoneauth1.identity import v3
        conf = _conf()
        if not configured():
            raise exception.CloudError(missing_domain_message('of users'))
        self.url = keystone_url(context)
        if self.url is None:
            raise exception.CloudError(
                'No Keystone URL for the stack user domain: set '
                '[clients_keystone] auth_uri')
        domain = {}
        if conf.stack_user_domain_id:
            domain = {'user_domain_id': conf.stack_user_domain_id,
                      'domain_id': conf.stack_user_domain_id}
        else:
            domain = {'user_domain_name': conf.stack_user_domain_name,
                      'domain_name': conf.stack_user_domain_name}
        auth = v3.Password(auth_url=self.url,
                           username=conf.stack_domain_admin,
                           password=conf.stack_domain_admin_password,
                           **domain)
        self.session = ks_session.Session(auth=auth,
                                          timeout=conf.clients.api_timeout)
        self._domain_id = conf.stack_user_domain_id
        self._role_id = None

    @classmethod
    def get(cls, context=None):
        conf = _conf()
        key = (keystone_url(context), conf.stack_user_domain_id,
               conf.stack_user_domain_name, conf.stack_domain_admin,
               conf.stack_domain_admin_password)
        with _admin_lock:
            found = _admin.get(key)
            if found is None:
                found = _admin[key] = cls(context)
            return found

    # -- Keystone calls ------------------------------------------------

    def _call(self, method, path, what, ok=(200, 201, 204), **kwargs):
        from keystoneauth1 import exceptions as ks_exc
        try:
            resp = self.session.request(self.url + path, method,
                                        raise_exc=False, **kwargs)
        except ks_exc.ClientException as exc:
            raise exception.CloudError(
                'Keystone (stack user domain): %s: %s' % (what, exc)) \
                from exc
        if resp.status_code not in ok:
            raise exception.CloudError(
                'Keystone refused to %s (HTTP %s): %s'
                % (what, resp.status_code, resp.text[:500]))
        return resp

    @property
    def domain_id(self):
        if self._domain_id is None:
            name = _conf().stack_user_domain_name
            body = self._call('GET', '/domains?name=%s' % name,
                              'find the stack user domain %s' % name).json()
            found = body.get('domains') or []
            if not found:
                raise exception.CloudError(
                    'The stack user domain %s does not exist' % name)
            self._domain_id = found[0]['id']
        return self._domain_id

    @property
    def role_id(self):
        if self._role_id is None:
            name = stack_user_role()
            body = self._call('GET', '/roles?name=%s' % name,
                              'find the role %s' % name).json()
            found = body.get('roles') or []
            if not found:
                raise exception.CloudError(
                    'The role %s (heat_stack_user_role) does not exist in '
                    'Keystone' % name)
            self._role_id = found[0]['id']
        return self._role_id

    def create_project(self, stack_id, owner_project):
        """A project of the domain for the stack's users; its id."""
        name = ('%s-%s' % (owner_project, stack_id))[:64]
        body = {'project': {'name': name, 'domain_id': self.domain_id,
                            'description': 'Heat stack user project'}}
        resp = self._call('POST', '/projects',
                          'create the stack user project %s' % name,
                          ok=(201, 409), json=body)
        if resp.status_code == 201:
            return resp.json()['project']['id']
        # made meanwhile by another resource of the stack: that one
        found = self._call(
            'GET', '/projects?domain_id=%s&name=%s' % (self.domain_id, name),
            'find the stack user project %s' % name).json()['projects']
        if not found:
            raise exception.CloudError(
                'Keystone refused to create the stack user project %s '
                '(HTTP 409): %s' % (name, resp.text[:500]))
        return found[0]['id']

    def delete_project(self, project_id):
        """Delete a stack's user project (its users go with their
        resources; any left are deleted here too)."""
        users = self._call('GET', '/users?domain_id=%s' % self.domain_id,
                           'list the stack users').json().get('users', [])
        for user in users:
            if user.get('default_project_id') == project_id:
                self.delete_user(user['id'])
        self._call('DELETE', '/projects/%s' % project_id,
                   'delete the stack user project %s' % project_id,
                   ok=(204, 404))

    def create_user(self, name, project_id, password):
        """A user of the domain with the stack user role on
        ``project_id``; its id."""
        body = {'user': {'name': name[:255], 'domain_id': self.domain_id,
                         'default_project_id': project_id,
                         'password': password, 'enabled': True}}
        user_id = self._call('POST', '/users',
                             'create the stack user %s' % name,
                             json=body).json()['user']['id']
        try:
            self._call('PUT', '/projects/%s/users/%s/roles/%s' % (
                project_id, user_id, self.role_id),
                'grant %s to the stack user %s' % (stack_user_role(), name))
        except exception.CloudError:
            self.delete_user(user_id)
            raise
        return user_id

    def delete_user(self, user_id):
        self._call('DELETE', '/users/%s' % user_id,
                   'delete the stack user %s' % user_id, ok=(204, 404))

    def user_token(self, user_id, password, project_id):
        """A token of the stack user, scoped to its project."""
        from keystoneauth1 import session as ks_session
        from keystoneauth1.identity import v3
        auth = v3.Password(auth_url=self.url, user_id=user_id,
                           password=password, project_id=project_id)
        sess = ks_session.Session(auth=auth,
                                  timeout=_conf().clients.api_timeout)
        from keystoneauth1 import exceptions as ks_exc
        try:
            return sess.get_token()
        except ks_exc.ClientException as exc:
            raise exception.CloudError(
                'Keystone refused a token to the stack user %s: %s'
                % (user_id, exc)) from exc


def new_password():
    return secrets.token_urlsafe(24)
