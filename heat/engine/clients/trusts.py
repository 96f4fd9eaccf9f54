"""Keystone trusts: how a stack acts for its owner after the token expired.

With ``deferred_auth_method = trusts`` (upstream's default), a
``[trustee]`` user configured (keystoneauth's options: ``auth_type``,
``auth_url``, ``username``, ``password``, ``user_domain_name``...) and a
request that carries a Keystone token, creating a top-level stack also
creates a trust: the user (trustor) delegates ``trusts_delegated_roles``
(default: all the roles of the request) on the stack's project to the
trustee, with impersonation. Its id is kept with the stack's stored
credentials (``user_creds.trust_id``), and the trust is deleted with the
stack.

Later, whatever acts for the stack without the user's token (a
pre-signed ``alarm_url``, a webhook, the converger of a scaling group on
any engine, the periodic sweep) reaches the cloud through
:func:`stack_context`: the stack's context with the trust's id, which
:mod:`heat.engine.clients` turns into a trust-scoped token of the trustee.
"""

import logging

from oslo_config import cfg

from heat.common import context as context_mod
from heat.common import exception
from heat.db import api as db_api

LOG = logging.getLogger(__name__)

trust_opts = [
    cfg.StrOpt('deferred_auth_method', default='trusts',
               choices=['password', 'trusts'],
               help='Select deferred auth method, stored password or '
                    'trusts. Only trusts are implemented: with '
                    '"password" no trust is made and deferred actions '
                    'have no credentials of the user.'),
    cfg.ListOpt('trusts_delegated_roles', default=[],
                help='Subset of trustor roles to be delegated to heat. If '
                     'left unset, all roles of a user will be delegated '
                     'to heat when creating a stack.'),
]


def register_opts(conf):
    try:
        conf.register_opts(trust_opts)
    except cfg.DuplicateOptError:
        pass


def list_opts():
    yield None, list(trust_opts)


def _conf():
    from heat.engine import clients
    conf = clients._conf()
    register_opts(conf)
    return conf


def _keystone_url(context, conf):
    from heat.engine import clients
    url = conf.clients_keystone.auth_uri or getattr(context, 'auth_url',
                                                    None)
    return clients._keystone_v3(url) if url else None


def enabled(context):
    """Whether a stack created with ``context`` gets a trust."""
    from heat.engine import clients
    conf = _conf()
    return (conf.deferred_auth_method == 'trusts' and
            clients._trustee_configured(conf) and
            bool(getattr(context, 'auth_token', None)) and
            bool(getattr(context, 'user_id', None)) and
            _keystone_url(context, conf) is not None)


def _trustee_user_id(conf):
    from keystoneauth1 import loading
    from keystoneauth1 import session as ks_session
    auth = loading.load_auth_from_conf_options(conf, 'trustee')
    sess = ks_session.Session(auth=auth, timeout=conf.clients.api_timeout)
    return auth.get_user_id(sess)


def _user_session(context, conf):
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3
    auth = v3.Token(auth_url=_keystone_url(context, conf),
                    token=context.auth_token,
                    project_id=context.project_id)
    return ks_session.Session(auth=auth, timeout=conf.clients.api_timeout)


def create_trust(context):
    """Create the trust of a new stack; its id. Raises ``CloudError``
    with Keystone's message when Keystone refuses."""
    conf = _conf()
    roles = list(conf.trusts_delegated_roles) or list(context.roles or ())
    body = {'trust': {
        'trustor_user_id': context.user_id,
        'trustee_user_id': _trustee_user_id(conf),
        'project_id': context.project_id,
        'impersonation': True,
        'roles': [{'name': r} for r in roles],
    }}
    sess = _user_session(context, conf)
    resp = sess.post('/OS-TRUST/trusts', json=body, raise_exc=False,
                     endpoint_filter={'service_type': 'identity',
                                      'interface': 'public'})
    if resp.status_code >= 400:
        raise exception.CloudError(
            'Keystone refused the trust of the stack (HTTP %s): %s'
            % (resp.status_code, resp.text[:500]))
    return resp.json()['trust']['id']


def delete_trust(context, trust_id):
    """Delete a stack's trust with the deleting user's token (the
    trustor, or an admin); a trust already gone is fine."""
    if not trust_id or not getattr(context, 'auth_token', None):
        return False
    conf = _conf()
    if _keystone_url(context, conf) is None:
        return False
    try:
        resp = _user_session(context, conf).delete(
            '/OS-TRUST/trusts/%s' % trust_id, raise_exc=False,
            endpoint_filter={'service_type': 'identity',
                             'interface': 'public'})
    except Exception as exc:  # noqa: BLE001 - the stack goes anyway
        LOG.warning('Trust %s not deleted: %s', trust_id, exc)
        return False
    if resp.status_code not in (204, 404):
        LOG.warning('Trust %s not deleted (HTTP %s): %s', trust_id,
                    resp.status_code, resp.text[:200])
        return False
    return True


def trust_context(context, trust_id):
    """``context`` acting through ``trust_id`` (no token of its own)."""
    values = context.to_dict() if hasattr(context, 'to_dict') else {}
    values.pop('auth_token', None)
    values['trust_id'] = trust_id
    return context_mod.RequestContext.from_dict(values)


def stack_context(stack):
    """The context the cloud resources of ``stack`` act with: the
    stack's own when it has a trust or nothing better exists, else the
    stack's context through the root stack's trust (cached on the stack
    object: one read per stack object)."""
    ctx = stack.context
    if getattr(ctx, 'trust_id', None):
        return ctx
    cached = getattr(stack, '_trust_context', None)
    if cached is not None:
        return cached
    from heat.engine import clients
    if not clients._trustee_configured(_conf()):
        return ctx
    trust_id = _root_trust_id(stack)
    if not trust_id:
        return ctx
    found = trust_context(ctx, trust_id)
    try:
        stack._trust_context = found
    except AttributeError:
        pass
    return found


def _root_trust_id(stack):
    root_id = stack.root_stack_id() if callable(
        getattr(stack, 'root_stack_id', None)) else None
    if not root_id:
        return None
    row = db_api.stack_get(stack.context, root_id,
                           getattr(stack, 'tenant_id', None) or
                           stack.context.project_id, show_deleted=True)
    if row is None or not row.user_creds_id:
        return None
    try:
        return db_api.user_creds_get(stack.context,
                                     row.user_creds_id).trust_id
    except exception.EntityNotFound:
        return None
