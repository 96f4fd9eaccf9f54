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

A URL whose path or query is not UTF-8 once unquoted (``%FF``) cannot be
one that heat handed out: a signed URL is refused as any other bad
signature (403 ``InvalidSignature``), a webhook token as any other
unknown token (404 ``EntityNotFound``), neither reaching the engine.
"""

import urllib.parse

import webob.exc

from heat.api import middleware
from heat.common import context as context_mod
from heat.common import exception

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


def _is_utf8(raw):
    """Whether a WSGI string (bytes as latin-1, RFC 3875/PEP 3333),
    percent-decoded, is UTF-8."""
    try:
        urllib.parse.unquote_to_bytes(raw.encode('latin-1')).decode('utf-8')
    except UnicodeError:
        return False
    return True


def path_is_utf8(req):
    return _is_utf8(req.environ.get('SCRIPT_NAME', '') +
                    req.environ.get('PATH_INFO', ''))


def query_is_utf8(req):
    query = req.environ.get('QUERY_STRING', '')
    return all(_is_utf8(part.replace('+', ' '))
               for pair in query.split('&') for part in pair.split('=', 1))


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
        if not (path_is_utf8(req) and query_is_utf8(req)):
            raise exception.InvalidSignature(
                reason='the URL is not valid UTF-8')
        key = idempotency_key(req)
        path = req.script_name + req.path_info
        params = [[k, v] for k, v in req.GET.items()]
        return self.engine.signed_resource_signal(
            anonymous_context(req), arn, req.method, path, params,
            req.body_json, idempotency_key=key)

    def webhook(self, req, token):
        if not path_is_utf8(req):
            # the engine's answer to a token it does not know
            raise exception.EntityNotFound(entity='Webhook',
                                           name='<redacted>')
        key = idempotency_key(req)
        return self.engine.execute_webhook(
            anonymous_context(req), token, idempotency_key=key,
            details=req.body_json)
