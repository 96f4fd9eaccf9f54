"""Errors of the Auto-Scaling client.

Every 4xx/5xx answer of the API becomes an :class:`HTTPError` subclass
chosen by its status code (:class:`NotFound` for 404, ...). The server's
error body::

    {"code": 400, "title": "Bad Request", "explanation": "...",
     "error": {"type": "InvalidInput", "message": "...", "traceback": null}}

is read into ``status_code``/``code``, ``title``, ``explanation``,
``message`` (``error.message``, or the explanation when the body has no
``error``), ``error_type`` (``error.type``) and ``traceback``;
``request_id`` is the ``x-openstack-request-id`` header. ``str()`` gives
``"<message> (HTTP <code>) (Request-ID: <id>)"``.
"""

import json


class ClientException(Exception):
    """Base class of every error raised by this client."""

    def __init__(self, message=None):
        self.message = message or self.__class__.__doc__
        super().__init__(self.message)

    def __str__(self):
        return self.message or ''


class ConnectionRefused(ClientException):
    """The endpoint could not be reached."""


class EndpointNotFound(ClientException):
    """No endpoint for the autoscaling service: neither an explicit
    endpoint nor one in the service catalog."""


class WaitTimeout(ClientException):
    """The group did not reach the expected state in time."""


class GroupFailed(ClientException):
    """The group went to status FAILED while waiting for it.

    ``group`` is the last :class:`~heat_autoscalingclient.models.Group`
    seen."""

    def __init__(self, message=None, group=None):
        super().__init__(message)
        self.group = group


class HTTPError(ClientException):
    """An error answer of the API (any 4xx/5xx)."""

    http_status = None
    title = 'HTTP Error'

    def __init__(self, message=None, *, status_code=None, title=None,
                 explanation=None, error_type=None, traceback=None,
                 request_id=None, response=None, method=None, url=None,
                 body=None):
        super().__init__(message or explanation or self.title)
        self.status_code = status_code or self.http_status
        if title:
            self.title = title
        self.explanation = explanation
        self.error_type = error_type
        self.traceback = traceback
        self.request_id = request_id
        self.response = response
        self.method = method
        self.url = url
        self.body = body

    @property
    def code(self):
        return self.status_code

    # heatclient / novaclient spelling
    @property
    def http_code(self):
        return self.status_code

    def __str__(self):
        text = '%s (HTTP %s)' % (self.message, self.status_code)
        if self.request_id:
            text += ' (Request-ID: %s)' % self.request_id
        return text


class ClientError(HTTPError):
    """A 4xx answer without a more specific class."""


class ServerError(HTTPError):
    """A 5xx answer without a more specific class."""


def _make(name, base, status, title):
    cls = type(name, (base,), {'http_status': status, 'title': title,
                               '__doc__': 'HTTP %d %s.' % (status, title)})
    return cls


BadRequest = _make('BadRequest', ClientError, 400, 'Bad Request')
Unauthorized = _make('Unauthorized', ClientError, 401, 'Unauthorized')
Forbidden = _make('Forbidden', ClientError, 403, 'Forbidden')
NotFound = _make('NotFound', ClientError, 404, 'Not Found')
MethodNotAllowed = _make('MethodNotAllowed', ClientError, 405,
                         'Method Not Allowed')
NotAcceptable = _make('NotAcceptable', ClientError, 406, 'Not Acceptable')
Conflict = _make('Conflict', ClientError, 409, 'Conflict')
PreconditionFailed = _make('PreconditionFailed', ClientError, 412,
                           'Precondition Failed')
RequestEntityTooLarge = _make('RequestEntityTooLarge', ClientError, 413,
                              'Request Entity Too Large')
UnsupportedMediaType = _make('UnsupportedMediaType', ClientError, 415,
                             'Unsupported Media Type')
PreconditionRequired = _make('PreconditionRequired', ClientError, 428,
                             'Precondition Required')
TooManyRequests = _make('TooManyRequests', ClientError, 429,
                        'Too Many Requests')
InternalServerError = _make('InternalServerError', ServerError, 500,
                            'Internal Server Error')
HTTPNotImplemented = _make('HTTPNotImplemented', ServerError, 501,
                           'Not Implemented')
BadGateway = _make('BadGateway', ServerError, 502, 'Bad Gateway')
ServiceUnavailable = _make('ServiceUnavailable', ServerError, 503,
                           'Service Unavailable')
GatewayTimeout = _make('GatewayTimeout', ServerError, 504,
                       'Gateway Timeout')

_BY_STATUS = {cls.http_status: cls for cls in (
    BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed,
    NotAcceptable, Conflict, PreconditionFailed, RequestEntityTooLarge,
    UnsupportedMediaType, PreconditionRequired, TooManyRequests,
    InternalServerError, HTTPNotImplemented, BadGateway,
    ServiceUnavailable, GatewayTimeout)}


def class_for_status(status):
    """The :class:`HTTPError` subclass for an HTTP status code."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ClientError


def from_response(response, method=None, url=None):
    """The :class:`HTTPError` for an error ``response`` (requests'
    Response), with the server's message, code and error type."""
    status = response.status_code
    cls = class_for_status(status)
    body = None
    title = explanation = error_type = traceback = message = None
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        body = None
    if isinstance(body, dict):
        title = body.get('title')
        explanation = body.get('explanation')
        error = body.get('error')
        if isinstance(error, dict):
            message = error.get('message')
            error_type = error.get('type')
            traceback = error.get('traceback')
        elif isinstance(error, str):
            message = error
        if not message and isinstance(body.get('message'), str):
            message = body['message']
    elif response.text:
        message = response.text.strip()[:500]
    if not message:
        message = explanation or title or cls.title
    kwargs = dict(status_code=status, title=title, explanation=explanation,
                  error_type=error_type, traceback=traceback,
                  request_id=response.headers.get('x-openstack-request-id'),
                  response=response, method=method, url=url, body=body)
    exc = cls(message, **kwargs)
    if status == 429:
        exc.retry_after = response.headers.get('Retry-After')
    return exc
