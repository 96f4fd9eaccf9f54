"""Exceptions to HTTP statuses and upstream Heat's JSON error body.

The body is ``{"code", "title", "explanation", "error": {"message",
"type", "traceback"}}``; python-heatclient shows ``error.message`` and
the harness looks at ``error.type`` (``ActionInProgress`` -> retry).
The status of an exception class is found by walking its bases until a
name in :data:`ERROR_MAP` (upstream's ``heat/api/middleware/fault.py``
mapping); anything unknown is a 500 whose message hides the details.
A ``StackValidationFailed`` reads as upstream's API words it
(``<error>: : <path>: : <message>``, see its ``api_message``).

Outages are not server bugs: the database gone (oslo.db's
``DBConnectionError``, which covers "server has gone away" and lost
connections, or a deadlock that outlived the engine's retries) or the
message bus unable to deliver or answer an engine call
(``MessagingTimeout``, ``MessageDeliveryFailure``, ``MessagingUnavailable``)
are a 503 with a ``Retry-After`` header (:data:`RETRY_AFTER` seconds) and
a message naming the cause (:data:`UNAVAILABLE`). The request was not
done, or not known to be done: a trigger retried with the same
``Idempotency-Key`` is applied once either way.
"""

import json
import logging

import webob
import webob.exc

from heat.common import exception

LOG = logging.getLogger(__name__)

ERROR_MAP = {
    'AttributeError': webob.exc.HTTPBadRequest,
    'ActionInProgress': webob.exc.HTTPConflict,
    'ValueError': webob.exc.HTTPBadRequest,
    'EntityNotFound': webob.exc.HTTPNotFound,
    'NotFound': webob.exc.HTTPNotFound,
    'ResourceActionNotSupported': webob.exc.HTTPBadRequest,
    'ResourceNotAvailable': webob.exc.HTTPNotFound,
    'PhysicalResourceNotFound': webob.exc.HTTPNotFound,
    'PhysicalResourceIDAmbiguity': webob.exc.HTTPBadRequest,
    'InvalidTenant': webob.exc.HTTPForbidden,
    'Forbidden': webob.exc.HTTPForbidden,
    'InvalidSignalToken': webob.exc.HTTPForbidden,
    'InvalidSignature': webob.exc.HTTPForbidden,
    'StackExists': webob.exc.HTTPConflict,
    'StackValidationFailed': webob.exc.HTTPBadRequest,
    'InvalidSchemaError': webob.exc.HTTPBadRequest,
    'InvalidTemplateReference': webob.exc.HTTPBadRequest,
    'InvalidTemplateAttribute': webob.exc.HTTPBadRequest,
    'InvalidTemplateVersion': webob.exc.HTTPBadRequest,
    'InvalidTemplateSection': webob.exc.HTTPBadRequest,
    'InvalidEnvironment': webob.exc.HTTPBadRequest,
    'UnknownUserParameter': webob.exc.HTTPBadRequest,
    'UserParameterMissing': webob.exc.HTTPBadRequest,
    'StopActionFailed': webob.exc.HTTPInternalServerError,
    'NotSupported': webob.exc.HTTPBadRequest,
    'RequestLimitExceeded': webob.exc.HTTPBadRequest,
    'TemplateTooLarge': webob.exc.HTTPBadRequest,
    'Invalid': webob.exc.HTTPBadRequest,
    'ResourcePropertyConflict': webob.exc.HTTPBadRequest,
    'ResourceTypeNotFound': webob.exc.HTTPNotFound,
    'ResourceTypeUnavailable': webob.exc.HTTPBadRequest,
    'InvalidBreakPointHook': webob.exc.HTTPBadRequest,
    'ImmutableParameterModified': webob.exc.HTTPBadRequest,
    'CircularDependencyException': webob.exc.HTTPBadRequest,
    'InvalidRestrictedAction': webob.exc.HTTPBadRequest,
    'ActionNotComplete': webob.exc.HTTPConflict,
    'ResourceActionRestricted': webob.exc.HTTPBadRequest,
    # a cloud call the request needed failed (Keystone refused the
    # stack's trust, no credentials for the cloud): the message says why
    'CloudError': webob.exc.HTTPBadRequest,
    'PhysicalResourceNameAmbiguity': webob.exc.HTTPBadRequest,
    # the Auto-Scaling API (heat.api.autoscaling)
    'ScalingGroupBusy': webob.exc.HTTPConflict,
    'ScalingGroupOwnedByStack': webob.exc.HTTPConflict,
    'ScalingGroupVersionMismatch': webob.exc.HTTPPreconditionFailed,
    'IdempotencyKeyReused': webob.exc.HTTPConflict,
}

#: exception class names that mean "a service heat needs is unavailable
#: right now": the cause the 503's message names.
UNAVAILABLE = {
    'DBConnectionError': 'the database is unavailable',
    'DBDeadlock': 'the database kept reporting deadlocks',
    'MessagingTimeout': 'no engine answered in time',
    'MessageDeliveryFailure': 'the message bus could not deliver the '
                              'request',
    'MessagingUnavailable': 'the message bus could not deliver the '
                            'request',
    'ClientSendError': 'the message bus could not deliver the request',
}
for _name in UNAVAILABLE:
    ERROR_MAP[_name] = webob.exc.HTTPServiceUnavailable
del _name

#: seconds a client is told to wait before retrying after a 503.
RETRY_AFTER = 2

#: the message of a 500: the details stay in the log.
INTERNAL_MESSAGE = 'An unexpected error occurred on the server.'


def status_class(exc_class):
    """The webob HTTP error class for an exception class."""
    for klass in exc_class.__mro__:
        if klass is Exception or klass is BaseException:
            break
        if klass.__name__ in ERROR_MAP:
            return ERROR_MAP[klass.__name__]
    return webob.exc.HTTPInternalServerError


def _unavailable_type(exc):
    """The :data:`UNAVAILABLE` name an exception stands for, or None."""
    if type(exc).__name__ == 'RemoteError':
        name = getattr(exc, 'exc_type', None)
        return name if name in UNAVAILABLE else None
    for klass in type(exc).__mro__:
        name = klass.__name__
        if name.endswith('_Remote'):
            name = name[:-len('_Remote')]
        if name in UNAVAILABLE:
            return name
    return None


def unavailable_message(name, exc=None):
    """The 503's message. A timeout of an engine call adds its detail
    (which RPC, which topic: Heat's own words); a database driver's or
    the broker client's text is left out (it may name hosts, ports and
    statements). A timeout does not tell whether the engine did the
    work, so the message says how to retry safely."""
    detail = ''
    if isinstance(exc, exception.MessagingTimeout):
        detail = ': %s' % exc.message
    return ('Service unavailable: %s (%s%s). Retry after %d seconds; a '
            'trigger retried with the same Idempotency-Key is applied at '
            'most once.' % (UNAVAILABLE[name], name, detail, RETRY_AFTER))


def error_body(exc, debug=False):
    """``(status code, body dict)`` for an exception."""
    ex_type = type(exc).__name__
    if ex_type.endswith('_Remote'):  # oslo.messaging's remote copies
        ex_type = ex_type[:-len('_Remote')]
    unavailable = _unavailable_type(exc)
    if unavailable is not None:
        http = webob.exc.HTTPServiceUnavailable()
        ex_type = unavailable
        message = unavailable_message(unavailable, exc)
    elif isinstance(exc, webob.exc.HTTPException):
        http = exc
        message = exc.detail or exc.explanation
    elif type(exc).__name__ == 'RemoteError' and \
            getattr(exc, 'exc_type', None):
        # an engine error of a class this side does not have: its name
        # still decides the status
        ex_type = exc.exc_type
        http = ERROR_MAP.get(ex_type, webob.exc.HTTPInternalServerError)()
        message = str(getattr(exc, 'value', '') or exc)
        if http.code >= 500:
            message = INTERNAL_MESSAGE
    else:
        http = status_class(type(exc))()
        if isinstance(exc, exception.StackValidationFailed):
            message = exc.api_message()
        elif isinstance(exc, exception.HeatException):
            message = exc.message
        elif http.code < 500:
            message = str(exc)
        else:
            message = INTERNAL_MESSAGE
    trace = None
    if debug:
        import traceback
        trace = ''.join(traceback.format_exception(type(exc), exc,
                                                   exc.__traceback__))
    return http.code, {
        'code': http.code,
        'title': http.title,
        'explanation': http.explanation,
        'error': {'message': message, 'type': ex_type, 'traceback': trace},
    }


def error_response(exc, debug=False, request_id=None):
    code, body = error_body(exc, debug)
    if code == 503:
        # an outage, not a bug: one line, no traceback
        LOG.warning('Request %s: 503 (%s: %s)', request_id,
                    body['error']['type'], exc)
    elif code >= 500:
        LOG.error('Request %s failed', request_id, exc_info=exc)
    resp = webob.Response(status=code, content_type='application/json',
                          charset='UTF-8')
    resp.text = json.dumps(body)
    if code == 503:
        resp.headers['Retry-After'] = str(RETRY_AFTER)
    if isinstance(exc, webob.exc.HTTPMethodNotAllowed):
        resp.headers['Allow'] = exc.headers.get('Allow', '')
    return resp
