"""The WSGI application of the Auto-Scaling API v1.

:class:`AutoScalingAPI` answers every path under ``/autoscaling``. The
Orchestration API's application (:mod:`heat.api.app`) mounts it, so
heat-api and heat-all serve both; :func:`make_app` builds it alone (its
own WSGI entry point: :mod:`heat.api.autoscaling.wsgi`).

Each request goes through the Orchestration API's plumbing (request id,
body size limit, context, oslo.policy rule ``autoscaling:<kind>:<action>``,
upstream's JSON error body) and then:

- ``OpenStack-API-Version: autoscaling 1.0`` (or ``1.latest``,
  ``latest``) may be asked for; another version is a 406. Every answer
  says ``OpenStack-API-Version: autoscaling 1.0`` and ``Vary:
  OpenStack-API-Version``;
- the query and the body are validated against the route's JSON Schema
  (:mod:`.schemas`): a 400 naming the field as a JSON pointer;
- ``If-Match: "<version>"`` (PATCH and DELETE of a group, its suspend,
  resume, resize and converge) goes to the engine, which compares it
  with the group's version in the writing transaction: 412 when stale;
- a group in the answer gives its ``ETag: "<version>"``, a creation its
  ``Location``;
- a POST with an ``Idempotency-Key`` is claimed in the engine's store
  first (:mod:`heat.engine.autoscaling.idempotency`): a repeat (same
  project, same key) gets the first answer (status, body, ETag,
  Location) and nothing is done again.

The webhook route (``POST /autoscaling/v1/webhooks/{token}``), the
lifecycle completion route (``POST /autoscaling/v1/lifecycle/{token}``),
the version documents and the OpenAPI document need no authentication;
the webhook and lifecycle routes go through the anonymous rate limit of
``/v1/webhooks/{token}`` (the same limiter when mounted by the
Orchestration API), and an unknown token is a 404 that does not name it.
"""

import hashlib
import json
import logging

import webob
import webob.dec
import webob.exc

from heat.api import faults, middleware, ratelimit
from heat.api import policy as policy_mod
from heat.api.autoscaling import (
    CAPABILITY_ACTIONS,
    PUBLIC_CONTROLLERS,
    ROUTES,
    controllers,
    make_mapper,
    schemas,
)
from heat.api.v1 import signal as v1_signal

LOG = logging.getLogger(__name__)

VERSION_HEADER = 'OpenStack-API-Version'
SERVICE = 'autoscaling'
CURRENT = '1.0'
ACCEPTED_VERSIONS = ('1.0', '1.latest', 'latest')
#: headers of a first answer kept for its repeats
KEPT_HEADERS = ('Location', 'ETag')


_opt = middleware.conf_value


class UnsupportedVersion(webob.exc.HTTPNotAcceptable):
    """An ``OpenStack-API-Version`` this API does not serve (406)."""


class IdempotentRequestInProgress(webob.exc.HTTPConflict):
    """The first request with this Idempotency-Key is still running."""


class Request(webob.Request):
    context = None
    body_json = None


def negotiate_version(req):
    """Raise :class:`UnsupportedVersion` unless the request asks for no
    version of this service or for one it serves."""
    header = req.headers.get(VERSION_HEADER)
    if not header:
        return
    for part in header.split(','):
        words = part.split()
        if not words or words[0].lower() != SERVICE:
            continue
        version = words[1].lower() if len(words) == 2 else ''
        if version not in ACCEPTED_VERSIONS:
            raise UnsupportedVersion(
                '%s "%s" is not supported: this API serves %s %s (min %s, '
                'max %s; "1.latest" and "latest" name it too).'
                % (VERSION_HEADER, part.strip(), SERVICE, CURRENT, CURRENT,
                   CURRENT))


def if_match(req):
    """The group version ``If-Match`` names, None for none (or ``*``);
    a value that is no version never matches (-1: a 412)."""
    value = (req.headers.get('If-Match') or '').strip()
    if not value or value == '*':
        return None
    value = value.split(',')[0].strip()
    if value.startswith('W/'):
        value = value[2:]
    value = value.strip('"')
    try:
        version = int(value)
    except ValueError:
        return -1
    return version if version >= 0 else -1


def fingerprint(req):
    """What makes a repeat the same request: method, path, body."""
    body = json.dumps(req.body_json, sort_keys=True, separators=(',', ':'))
    text = '%s %s\n%s' % (req.method, req.path_info, body)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


class AutoScalingAPI(middleware.APISettings):
    """The router of :data:`heat.api.autoscaling.ROUTES` plus the
    per-request plumbing (see the module docstring).

    ``limits``: an object whose ``anonymous_limit`` is the rate limiter
    to use (the Orchestration API's, so that both webhook routes share
    it); otherwise one of its own, from ``conf``."""

    def __init__(self, engine, conf=None, enforcer=None, limits=None):
        self._init_settings(engine, conf, enforcer)
        self.mapper = make_mapper()
        self.controllers = controllers.make_controllers(engine)
        self._limits = limits
        self._own_limit = None
        if limits is None:
            self._own_limit = ratelimit.AnonymousRateLimit.from_conf(
                lambda name, default: _opt(conf, name, default))

    @property
    def anonymous_limit(self):
        if self._limits is not None:
            return self._limits.anonymous_limit
        return self._own_limit

    @anonymous_limit.setter
    def anonymous_limit(self, value):
        self._limits = None
        self._own_limit = value

    def is_public(self, environ):
        """Whether the request is routed to a controller served without
        authentication."""
        try:
            match = self.mapper.match(environ=dict(environ))
        except Exception:  # noqa: BLE001 - unroutable: authenticate
            return False
        return bool(match) and match.get('controller') in PUBLIC_CONTROLLERS

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req):
        rid = middleware.request_id(req)
        try:
            negotiate_version(req)
            resp = self._dispatch(req)
        except Exception as exc:  # noqa: BLE001 - every error is JSON
            resp = self._error(exc, rid)
        resp.headers[VERSION_HEADER] = '%s %s' % (SERVICE, CURRENT)
        resp.headers['Vary'] = VERSION_HEADER
        resp.headers['x-openstack-request-id'] = rid
        return resp

    def _error(self, exc, rid):
        resp = faults.error_response(exc, self.debug, rid)
        if isinstance(exc, webob.exc.HTTPException) and exc.code == 429 \
                and 'Retry-After' in exc.headers:
            resp.headers['Retry-After'] = exc.headers['Retry-After']
        return resp

    def _dispatch(self, req):
        middleware.check_body_size(req, self.max_body)
        match = self.mapper.match(environ=req.environ)
        if match is None:
            raise webob.exc.HTTPNotFound('The resource could not be found.')
        args = dict(match)
        name = args.pop('controller')
        action = args.pop('action')
        route = args.pop('route', None)
        route = ROUTES[int(route)] if route is not None else None
        if action == '_reject':
            raise webob.exc.HTTPMethodNotAllowed(
                headers={'Allow': args.get('allowed', '')})
        args.pop('allowed', None)
        controller = self.controllers[name]
        if name in PUBLIC_CONTROLLERS and action in CAPABILITY_ACTIONS \
                and self.anonymous_limit.enabled:
            # the credential is the URL: limited before any engine work,
            # in the same buckets as POST /v1/webhooks/{token} (the
            # target is the token: never echoed, the error names the
            # action)
            self.anonymous_limit.check(req.remote_addr,
                                       tuple(sorted(args.items())), action)
        project = args.pop('project_id', None)
        if project is not None:
            middleware.authenticated_context(req, project,
                                             self.auth_strategy)
            self._authorize(req, controller, action, project)
        req.body_json = middleware.json_body(req)
        if route.body is not None:
            body = req.body_json
            if body is None and not req.body.strip():
                body = {}  # no body: the same as an empty object
            # a JSON null is validated (refused) like any other non-object
            # (found by fuzzing: it was taken as no body)
            args['body'] = schemas.validate(route.body, body)
        if route.query is not None:
            args['query'] = schemas.query(route.query, req.GET)
        if route.if_match:
            args['if_match'] = if_match(req)

        def invoke():
            status, body = getattr(controller, action)(req, **args)
            return self._response(req, status, body)

        key = v1_signal.idempotency_key(req)
        if req.method == 'POST' and project is not None and key:
            return self._idempotent(req, key, invoke)
        return invoke()

    def _authorize(self, req, controller, action, project):
        ctx = req.context
        rule = '%s:%s' % (controller.POLICY_SCOPE, action)
        if ctx.project_id != project and not ctx.is_admin:
            raise policy_mod.Forbidden(action=rule)
        self.enforcer.enforce(ctx, rule, project)

    def _response(self, req, status, body):
        resp = webob.Response(status=status)
        if body is None:
            resp.headers.pop('Content-Type', None)
        else:
            resp.content_type = 'application/json'
            resp.charset = 'UTF-8'
            resp.text = json.dumps(body)
            group = body.get('group') if isinstance(body, dict) else None
            if isinstance(group, dict) and 'version' in group:
                resp.headers['ETag'] = '"%s"' % group['version']
            if status == 201:
                item = next(iter(body.values()))
                resp.headers['Location'] = '%s%s%s/%s' % (
                    req.host_url, req.script_name, req.path_info,
                    item['id'])
        return resp

    def _idempotent(self, req, key, invoke):
        """The first answer for ``key`` (see the module docstring)."""
        ctx = req.context
        claim = self.engine.claim_idempotency_key(ctx, key,
                                                  fingerprint(req))
        state = claim['state']
        if state == 'done':
            resp = webob.Response(status=claim['status'])
            if claim.get('body') is None:
                resp.headers.pop('Content-Type', None)
            else:
                resp.content_type = 'application/json'
                resp.charset = 'UTF-8'
                resp.text = json.dumps(claim['body'])
            for name, value in (claim.get('headers') or {}).items():
                resp.headers[name] = value
            resp.headers['Idempotent-Replayed'] = 'true'
            return resp
        if state == 'in_progress':
            raise IdempotentRequestInProgress(
                'The first request with Idempotency-Key %s is still being '
                'served; retry later.' % key)
        if state == 'mismatch':
            from heat.common import exception
            raise exception.IdempotencyKeyReused(
                key=key, what='another method, path or body')
        try:
            resp = invoke()
        except Exception as exc:  # noqa: BLE001 - stored like any answer
            resp = self._error(exc, middleware.request_id(req))
        body = None
        if resp.body:
            try:
                body = json.loads(resp.body)
            except ValueError:
                body = None
        headers = {h: resp.headers[h] for h in KEPT_HEADERS
                   if h in resp.headers}
        try:
            self.engine.finish_idempotency_key(ctx, key, resp.status_code,
                                               body, headers)
        except Exception:  # noqa: BLE001 - the answer stands
            LOG.exception('Could not store the answer for Idempotency-Key '
                          '%s', key)
        return resp


def make_app(engine_client, conf=None, enforcer=None):
    """The Auto-Scaling API alone (behind keystonemiddleware's auth_token
    when ``auth_strategy`` is ``keystone``; its public routes, the
    webhooks, the lifecycle completion URLs and the version documents,
    before it)."""
    app = AutoScalingAPI(engine_client, conf, enforcer)
    if app.auth_strategy == 'keystone':
        from heat.api import app as api_app
        return middleware.PublicRoutes(
            api_app.keystone_pipeline(app, conf), app, PUBLIC_CONTROLLERS)
    return app
