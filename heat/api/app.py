"""The WSGI application of the Orchestration API v1.

``make_app(engine_client, conf=None)``: ``engine_client`` is anything
with :class:`heat.engine.service.EngineService`'s method names (the
service itself in tests, ``heat.rpc.client.EngineClient`` otherwise).
Routes are in :mod:`heat.api.v1`; each request gets an id, a size check,
a context, a policy check and, on any error, upstream's JSON error body.

Options (:mod:`heat.api.options`, registered on ``conf`` when it is an
oslo.config ``ConfigOpts``; any object with those attributes will do, and
defaults apply to missing ones): ``[DEFAULT] max_json_body_size``
(1048576), ``auth_strategy`` (``noauth``; ``keystone`` puts the API
behind keystonemiddleware's ``auth_token``, configured in
``[keystone_authtoken]``, see :func:`keystone_pipeline`), and oslo.log's
``debug`` (tracebacks in error bodies). The policy file is oslo.policy's
``[oslo_policy] policy_file``. The endpoints whose credential is in the
URL are rate limited (``anonymous_rate_limit``, ``anonymous_rate_burst``,
``anonymous_client_rate_limit``; :mod:`heat.api.ratelimit`).
"""

import json
import logging

import webob
import webob.dec
import webob.exc
from oslo_config import cfg

from heat.api import faults, middleware, ratelimit, v1
from heat.api import policy as policy_mod
from heat.api.autoscaling import PREFIX as AUTOSCALING_PREFIX
from heat.api.autoscaling import app as autoscaling_app

LOG = logging.getLogger(__name__)


_opt = middleware.conf_value


class Request(webob.Request):
    """A request with the API's context and parsed body."""

    context = None
    body_json = None


class API(middleware.APISettings):
    """The v1 router plus the per-request plumbing."""

    def __init__(self, engine, conf=None, enforcer=None):
        self._init_settings(engine, conf, enforcer)
        self.mapper, self.controllers = v1.make_routes(engine, conf)
        for controller in self.controllers.values():
            if hasattr(controller, 'enforcer'):  # rules checked inside
                controller.enforcer = self.enforcer
        self.anonymous_limit = ratelimit.AnonymousRateLimit.from_conf(
            lambda name, default: _opt(conf, name, default))
        #: the Auto-Scaling API, served under /autoscaling; it shares the
        #: enforcer and the anonymous rate limiter
        self.autoscaling = autoscaling_app.AutoScalingAPI(
            engine, conf, enforcer=self.enforcer, limits=self)

    @staticmethod
    def _is_autoscaling(path):
        return path == AUTOSCALING_PREFIX or path.startswith(
            AUTOSCALING_PREFIX + '/')

    def is_public(self, environ):
        """Whether an Auto-Scaling API request goes to one of its
        unauthenticated routes (:class:`heat.api.middleware.PublicRoutes`
        asks)."""
        return (self._is_autoscaling(environ.get('PATH_INFO', '')) and
                self.autoscaling.is_public(environ))

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req):
        # the raw PATH_INFO: req.path_info decodes it, and a path that
        # is not UTF-8 (``%FF``) must reach the error handling below
        if self._is_autoscaling(req.environ.get('PATH_INFO', '')):
            return req.get_response(self.autoscaling)
        rid = middleware.request_id(req)
        try:
            resp = self._dispatch(req)
        except webob.exc.HTTPException as exc:
            if exc.code in (202, 204):
                # heatclient expects these bodies empty
                resp = webob.Response(status=exc.code)
                resp.headers.pop('Content-Type', None)
            elif exc.code < 400:
                resp = exc
            else:
                resp = faults.error_response(exc, self.debug, rid)
                if exc.code == 429 and 'Retry-After' in exc.headers:
                    resp.headers['Retry-After'] = exc.headers['Retry-After']
        except Exception as exc:  # noqa: BLE001 - every error is JSON
            resp = faults.error_response(exc, self.debug, rid)
        resp.headers['x-openstack-request-id'] = rid
        return resp

    def _dispatch(self, req):
        middleware.check_body_size(req, self.max_body)
        match = self.mapper.match(environ=req.environ)
        if match is None:
            raise webob.exc.HTTPNotFound(
                'The resource could not be found.')
        args = {key: _wsgi_text(value) for key, value in match.items()}
        name = args.pop('controller')
        controller = self.controllers[name]
        action = args.pop('action')
        if action == '_reject':
            raise webob.exc.HTTPMethodNotAllowed(
                headers={'Allow': args.get('allowed', '')})
        args.pop('allowed', None)
        if name in middleware.PUBLIC_CONTROLLERS and \
                self.anonymous_limit.enabled:
            # the credential is the URL: limited before any engine work
            self.anonymous_limit.check(req.remote_addr,
                                       tuple(sorted(args.items())), action)
        tenant_id = args.pop('tenant_id', None)
        if tenant_id is not None:
            middleware.authenticated_context(req, tenant_id,
                                             self.auth_strategy)
            self._authorize(req, controller, action, tenant_id)
        req.body_json = middleware.json_body(req)
        result = getattr(controller, action)(req, **args)
        if isinstance(result, webob.Response):
            return result
        resp = webob.Response(content_type='application/json',
                              charset='UTF-8')
        resp.text = json.dumps(result)
        return resp

    def _authorize(self, req, controller, action, tenant_id):
        ctx = req.context
        if ctx.project_id != tenant_id and not ctx.is_admin:
            raise policy_mod.Forbidden(action='%s:%s' % (
                controller.POLICY_SCOPE, action))
        self.enforcer.enforce(ctx, '%s:%s' % (controller.POLICY_SCOPE,
                                              action), tenant_id)


def keystone_pipeline(app, conf=None):
    """``app`` behind keystonemiddleware's ``auth_token`` and
    :class:`heat.api.middleware.KeystoneContext`.

    auth_token reads ``[keystone_authtoken]`` of ``conf`` (its own
    options, registered there). It runs with ``delay_auth_decision``: it
    never answers itself, it marks the request (``X-Identity-Status``)
    and KeystoneContext answers an unconfirmed identity with a 401 in
    upstream Heat's JSON error body, the one heatclient reads.
    """
    from keystonemiddleware import auth_token
    local = {'delay_auth_decision': 'true'}
    if isinstance(conf, cfg.ConfigOpts):
        local['oslo_config_config'] = conf
    # auth_token adds its ``WWW-Authenticate: Keystone uri=...`` header to
    # the 401 itself (``www_authenticate_uri``, or the identity endpoint
    # of its auth plugin).
    context_mw = middleware.KeystoneContext(app)
    pipeline = auth_token.AuthProtocol(context_mw, local)
    # the Keystone the tokens come from (auth_token registered its
    # options on ``conf`` by now): where the engine makes stack trusts
    if isinstance(conf, cfg.ConfigOpts):
        try:
            context_mw.auth_url = (
                conf.keystone_authtoken.www_authenticate_uri or
                conf.keystone_authtoken.auth_url)
        except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
            pass
    return pipeline


def make_app(engine_client, conf=None, enforcer=None):
    """The WSGI application serving ``/v1/{tenant_id}/...``: the
    :class:`API`, behind :func:`keystone_pipeline` when ``auth_strategy``
    is ``keystone``."""
    app = API(engine_client, conf, enforcer)
    if app.auth_strategy == 'keystone':
        # signed signals and webhooks (credential in the URL) bypass it
        return middleware.PublicRoutes(keystone_pipeline(app, conf), app)
    return app


def _wsgi_text(value):
    """A route argument as text: PATH_INFO holds the URL's bytes decoded
    as latin-1 (PEP 3333), so a percent-encoded UTF-8 name (a resource
    named in Chinese, as upstream's StackUnicodeTemplateTest has) is
    decoded again as UTF-8; what is not UTF-8 is left as it is."""
    if not isinstance(value, str):
        return value
    try:
        return value.encode('latin-1').decode('utf-8')
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
