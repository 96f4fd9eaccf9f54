"""What every API request goes through before its controller.

- a request id (``x-openstack-request-id`` on every response);
- the body size limit (``[DEFAULT] max_json_body_size``, 1 MiB as
  upstream): a larger body is refused with a 400 before it is read;
- the request context: a context already put in the WSGI environ
  (``heat.context``, by :class:`KeystoneContext` with ``auth_strategy =
  keystone``) is used as is; otherwise, with ``auth_strategy = noauth``,
  the project is the one in the URL and the caller gets the ``member``
  and ``reader`` roles of it, the user coming from ``X-User-Id`` /
  ``X-Auth-User`` if given;
- the JSON body, parsed (malformed JSON, JSON nested past the parser's
  recursion limit or holding an unpaired UTF-16 surrogate, which no
  database stores, is a 400).
"""

import json
import re

import webob
import webob.dec
import webob.exc

from heat.common import context as context_mod
from heat.common import exception

ENV_CONTEXT = 'heat.context'
DEFAULT_MAX_JSON_BODY_SIZE = 1048576
NOAUTH_ROLES = ('member', 'reader')


class RequestTooLarge(exception.RequestLimitExceeded):
    pass


def request_id(req):
    rid = req.environ.get('openstack.request_id')
    if not rid:
        rid = context_mod.generate_request_id()
        req.environ['openstack.request_id'] = rid
    return rid


def check_body_size(req, limit):
    """Refuse a body over ``limit`` bytes without reading more of it."""
    length = req.content_length
    if length is not None and length > limit:
        raise RequestTooLarge(
            message='JSON body size (%s bytes) exceeds maximum allowed size '
                    '(%s bytes).' % (length, limit))
    if length is None and req.is_body_readable:
        data = req.body_file.read(limit + 1)
        if len(data) > limit:
            raise RequestTooLarge(
                message='JSON body size exceeds maximum allowed size (%s '
                        'bytes).' % limit)
        req.body = data


def make_context(req, tenant_id):
    """The request context of ``req`` (see the module docstring)."""
    ctx = req.environ.get(ENV_CONTEXT)
    if ctx is not None:
        return ctx
    headers = req.headers
    user = headers.get('X-User-Id') or headers.get('X-Auth-User')
    ctx = context_mod.RequestContext(
        auth_token=headers.get('X-Auth-Token'),
        user_id=user, user_name=headers.get('X-Auth-User') or user,
        project_id=tenant_id, roles=list(NOAUTH_ROLES),
        request_id=request_id(req))
    req.environ[ENV_CONTEXT] = ctx
    return ctx


def conf_value(conf, name, default):
    """An option of ``conf``, or ``default`` when it is unregistered or
    unset (``conf`` may be None or a plain object in tests)."""
    try:
        value = getattr(conf, name)
    except Exception:  # noqa: BLE001 - unregistered option
        return default
    return default if value is None else value


class APISettings:
    """What both REST applications (the Orchestration API, the
    Auto-Scaling API) read from their configuration: the engine, the
    authentication strategy, the JSON body limit, debug, the policy
    enforcer."""

    def _init_settings(self, engine, conf, enforcer):
        from oslo_config import cfg

        from heat.api import options
        from heat.api import policy as policy_mod
        self.engine = engine
        self.conf = conf
        if isinstance(conf, cfg.ConfigOpts):
            options.register_opts(conf)
        self.auth_strategy = conf_value(conf, 'auth_strategy', 'noauth')
        self.max_body = int(conf_value(conf, 'max_json_body_size',
                                       DEFAULT_MAX_JSON_BODY_SIZE))
        self.debug = bool(conf_value(conf, 'debug', False))
        if enforcer is None:
            enforcer = policy_mod.Enforcer(
                conf if isinstance(conf, cfg.ConfigOpts) else None)
        self.enforcer = enforcer


def authenticated_context(req, project, auth_strategy):
    """Set ``req.context`` for a request naming ``project``: the context
    the authentication middleware confirmed, or (``noauth``) one made
    from the URL; 401 when authentication is on and nothing confirmed
    the caller. Shared by the Orchestration and Auto-Scaling APIs."""
    if auth_strategy != 'noauth' and ENV_CONTEXT not in req.environ:
        raise webob.exc.HTTPUnauthorized(
            'Authentication required: no authenticated context '
            '(auth_strategy = %s).' % auth_strategy)
    req.context = make_context(req, project)
    return req.context


#: controllers whose requests carry their credential in the URL (a
#: signature, a webhook token): served without authentication
PUBLIC_CONTROLLERS = ('signal',)


class PublicRoutes:
    """Sends the requests routed to a public controller (signed signals,
    webhooks) straight to ``api``, before any authentication middleware;
    every other request goes to ``app`` (``api`` behind authentication,
    e.g. keystonemiddleware's ``auth_token``). Whatever ``auth_strategy``
    is, a signed URL works without a token, and nothing else does: the
    choice is made by the API's own routes, not by a path prefix."""

    def __init__(self, app, api, controllers=PUBLIC_CONTROLLERS):
        self.app = app
        self.api = api
        self.controllers = tuple(controllers)

    def __call__(self, environ, start_response):
        if self.app is not self.api:
            try:
                match = self.api.mapper.match(environ=dict(environ))
            except Exception:  # noqa: BLE001 - unroutable: authenticate
                match = None
            if match and match.get('controller') in self.controllers:
                return self.api(environ, start_response)
            # the Auto-Scaling API's own public routes (heat.api.app.API)
            is_public = getattr(self.api, 'is_public', None)
            if is_public is not None and is_public(environ):
                return self.api(environ, start_response)
        return self.app(environ, start_response)


def json_body(req):
    """The parsed JSON body, or None when there is none."""
    if not req.content_length and not req.body:
        return None
    raw = req.body
    if not raw.strip():
        return None
    try:
        body = json.loads(raw.decode('utf-8'))
    except (ValueError, UnicodeDecodeError) as exc:
        raise webob.exc.HTTPBadRequest(
            'The request body is not valid JSON: %s' % exc) from exc
    except RecursionError:
        # found by fuzzing: "[" * 100000 was a 500
        raise webob.exc.HTTPBadRequest(
            'The request body is not valid JSON: it is nested too deeply.'
        ) from None
    if _LONE_SURROGATE_ESCAPE.search(raw):
        _check_no_lone_surrogate(body)
    return body


#: a ``\uD800``-``\uDFFF`` escape: maybe half a pair, maybe alone
_LONE_SURROGATE_ESCAPE = re.compile(rb'\\u[dD][89a-fA-F]')


def _check_no_lone_surrogate(body):
    """Refuse text that is not Unicode: a ``\\ud800`` escape without its
    other half parses (RFC 8259 allows it) but no database can store it
    (found by fuzzing: a 500 from the event of such an alarm state)."""
    try:
        json.dumps(body, ensure_ascii=False).encode('utf-8')
    except UnicodeEncodeError as exc:
        raise webob.exc.HTTPBadRequest(
            'The request body is not valid JSON: a string holds an unpaired '
            'UTF-16 surrogate (%r).' % exc.object[exc.start:exc.end]
        ) from None
    except RecursionError:
        raise webob.exc.HTTPBadRequest(
            'The request body is not valid JSON: it is nested too deeply.'
        ) from None


# -- auth_strategy = keystone ------------------------------------------------

#: paths served without authentication (the version documents).
UNAUTHENTICATED_PATHS = ('', '/', '/v1', '/v1/')


def context_from_headers(req):
    """The RequestContext of the identity keystonemiddleware's auth_token
    put in the request headers (``X-Identity-Status: Confirmed``)."""
    headers = req.headers
    roles = [r.strip() for r in (headers.get('X-Roles') or '').split(',')
             if r.strip()]
    return context_mod.RequestContext(
        auth_token=headers.get('X-Auth-Token'),
        user_id=headers.get('X-User-Id'),
        user_name=headers.get('X-User-Name'),
        project_id=headers.get('X-Project-Id'),
        project_name=headers.get('X-Project-Name'),
        user_domain_id=headers.get('X-User-Domain-Id'),
        project_domain_id=headers.get('X-Project-Domain-Id'),
        roles=roles, request_id=request_id(req))


class KeystoneContext:
    """WSGI middleware behind keystonemiddleware's ``auth_token``.

    A request whose identity auth_token confirmed (``X-Identity-Status:
    Confirmed``) gets its :class:`~heat.common.context.RequestContext`
    from the headers auth_token sets (``X-Project-Id``, ``X-User-Id``,
    ``X-User-Name``, ``X-Roles``, ``X-Auth-Token``...) in the environ
    (``heat.context``). Any other request, except for the version
    documents, is answered 401 with upstream's JSON error body.
    ``www_authenticate_uri`` (auth_token's option), when set, is named in
    a ``WWW-Authenticate: Keystone uri="..."`` header as auth_token does.
    """

    def __init__(self, app, www_authenticate_uri=None, auth_url=None):
        self.app = app
        self.www_authenticate_uri = www_authenticate_uri
        #: the Keystone URL the contexts carry (``auth_url``)
        self.auth_url = auth_url or www_authenticate_uri

    @webob.dec.wsgify
    def __call__(self, req):
        rid = request_id(req)
        if req.path_info in UNAUTHENTICATED_PATHS:
            return req.get_response(self.app)
        if req.headers.get('X-Identity-Status') != 'Confirmed':
            from heat.api import faults
            resp = faults.error_response(webob.exc.HTTPUnauthorized(
                'Authentication required: the request has no valid '
                'Keystone token.'), request_id=rid)
            resp.headers['x-openstack-request-id'] = rid
            if self.www_authenticate_uri:
                resp.headers['WWW-Authenticate'] = \
                    'Keystone uri="%s"' % self.www_authenticate_uri
            return resp
        cnxt = context_from_headers(req)
        # the Keystone the token comes from: where the engine makes the
        # stack's trust (unless [clients_keystone] auth_uri says)
        cnxt.auth_url = self.auth_url
        req.environ[ENV_CONTEXT] = cnxt
        return req.get_response(self.app)
