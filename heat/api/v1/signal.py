"""Signals whose credential is the URL itself: served without
authentication (see :class:`heat.api.middleware.PublicRoutes`).

- ``POST /v1/signal/{arn}?AWSAccessKeyId=..&SignatureMethod=HmacSHA256
  &SignatureVersion=2&Timestamp=..&Signature=..``: upstream's CFN-style
  signal path, the pre-signed ``alarm_url`` of a scaling policy
  (:mod:`heat.common.signing`). The engine
  (``signed_resource_signal``) checks the signature over the method, the
  path and the query, with the resource's own credentials, then signals
  the resource: 200 with the result (a scaling policy's decision), 403
  ``InvalidSignature`` when the check fails.
- ``POST /v1/webhooks/{token}``: a scaling webhook (the token is the
  capability; RPC ``execute_webhook``): 200 with the decision, 404 for an
  unknown token.

Both take an optional JSON body (the signal details; malformed JSON is a
400) and an ``Idempotency-Key`` header (at most 255 characters), passed
to the engine: a repeat returns the first decision.
"""

import webob.exc

from heat.api import middleware
from heat.common import context as context_mod

IDEMPOTENCY_KEY = 'Idempotency-Key'
MAX_HEADER_LENGTH = 255


def header_value(req, name, max_length=MAX_HEADER_LENGTH):
    """The header ``name`` (None when absent or empty); a value longer
    than ``max_length`` characters is a 400 naming the header."""
    value = req.headers.get(name)
    if value is None:
        return None
    if len(value) > max_length:
        raise webob.exc.HTTPBadRequest(
            'The %s header is longer than %d characters.'
            % (name, max_length))
    value = value.strip()
    return value or None


def idempotency_key(req):
    return header_value(req, IDEMPOTENCY_KEY)


def anonymous_context(req):
    """The context of a request that carries its credential in the URL:
    no user, no project (the engine scopes it)."""
    return context_mod.RequestContext(request_id=middleware.request_id(req))


class SignalController:
    POLICY_SCOPE = 'signal'

    def __init__(self, engine, conf=None):
        self.engine = engine
        self.conf = conf

    def signal(self, req, arn):
        key = idempotency_key(req)
        path = req.script_name + req.path_info
        params = [[k, v] for k, v in req.GET.items()]
        return self.engine.signed_resource_signal(
            anonymous_context(req), arn, req.method, path, params,
            req.body_json, idempotency_key=key)

    def webhook(self, req, token):
        key = idempotency_key(req)
        return self.engine.execute_webhook(
            anonymous_context(req), token, idempotency_key=key,
            details=req.body_json)
