"""What every API request goes through before its controller.

- a request id (``x-openstack-request-id`` on every response);
- the body size limit (``[DEFAULT] max_json_body_size``, 1 MiB as
  upstream): a larger body is refused with a 400 before it is read;
- the request context: a context already put in the WSGI environ
  (``heat.context``, e.g. by a future keystone middleware) is used as is;
  otherwise, with ``auth_strategy = noauth``, the project is the one in
  the URL and the caller gets the ``member`` and ``reader`` roles of it,
  the user coming from ``X-User-Id`` / ``X-Auth-User`` if given;
- the JSON body, parsed (malformed JSON is a 400).
"""

import json

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


def json_body(req):
    """The parsed JSON body, or None when there is none."""
    if not req.content_length and not req.body:
        return None
    raw = req.body
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode('utf-8'))
    except (ValueError, UnicodeDecodeError) as exc:
        raise webob.exc.HTTPBadRequest(
            'The request body is not valid JSON: %s' % exc) from exc
