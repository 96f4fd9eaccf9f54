"""The HTTP layer: a keystoneauth1 ``Adapter`` that sends JSON, the
``OpenStack-API-Version`` header, ``Idempotency-Key`` and ``If-Match``,
and turns error answers into :mod:`heat_autoscalingclient.exceptions`."""

import logging
import urllib.parse
import uuid

from keystoneauth1 import adapter as ksa_adapter
from keystoneauth1 import exceptions as ksa_exc

from heat_autoscalingclient import exceptions

LOG = logging.getLogger(__name__)

API_VERSION = '1.0'
SERVICE_TYPE = 'autoscaling'
VERSION_HEADER = 'OpenStack-API-Version'


def quote(value):
    """``value`` as one URL path segment."""
    return urllib.parse.quote(str(value), safe='')


def format_if_match(value):
    """An ``If-Match`` header value from a Group (its ``etag``), an
    ETag string (quoted or not) or a version number."""
    if value is None:
        return None
    if hasattr(value, 'etag') or hasattr(value, 'version'):
        if getattr(value, 'etag', None) is not None:
            return value.etag
        if getattr(value, 'version', None) is not None:
            return '"%s"' % value.version
        raise ValueError('if_match: %r has no version' % (value,))
    if isinstance(value, bool):
        raise TypeError('if_match: not a version: %r' % value)
    if isinstance(value, int):
        return '"%d"' % value
    value = str(value)
    if value == '*' or value.startswith('"') or value.startswith('W/"'):
        return value
    return '"%s"' % value


class HTTPClient:
    """Requests on ``adapter`` (a keystoneauth1 Adapter)."""

    def __init__(self, adapter, api_version=API_VERSION,
                 auto_idempotency=False):
        self.adapter = adapter
        self.api_version = api_version
        self.auto_idempotency = auto_idempotency

    def get_endpoint(self):
        return self.adapter.get_endpoint()

    def request(self, method, url, json=None, params=None, headers=None,
                idempotency_key=None, if_match=None, data=None):
        """The response of ``method url`` (relative to the endpoint);
        raises the :class:`~heat_autoscalingclient.exceptions.HTTPError`
        of an error answer."""
        hdrs = {'Accept': 'application/json',
                VERSION_HEADER: '%s %s' % (SERVICE_TYPE, self.api_version)}
        if headers:
            hdrs.update(headers)
        if method == 'POST':
            if idempotency_key is None and self.auto_idempotency:
                idempotency_key = str(uuid.uuid4())
            if idempotency_key is not None:
                hdrs['Idempotency-Key'] = str(idempotency_key)
        match = format_if_match(if_match)
        if match is not None:
            hdrs['If-Match'] = match
        kwargs = {'headers': hdrs, 'raise_exc': False}
        if json is not None:
            kwargs['json'] = json
        elif data is not None:
            kwargs['data'] = data
        if params:
            kwargs['params'] = {k: v for k, v in params.items()
                                if v is not None}
        try:
            resp = self.adapter.request(url, method, **kwargs)
        except ksa_exc.EndpointNotFound as exc:
            raise exceptions.EndpointNotFound(
                'No endpoint for service type %r: %s' % (
                    self.adapter.service_type, exc)) from exc
        except (ksa_exc.ConnectFailure, ksa_exc.ConnectionError) as exc:
            raise exceptions.ConnectionRefused(
                'Unable to reach the autoscaling endpoint: %s' % exc
            ) from exc
        if resp.status_code >= 400:
            raise exceptions.from_response(resp, method, url)
        return resp

    def get(self, url, **kwargs):
        return self.request('GET', url, **kwargs)

    def post(self, url, **kwargs):
        return self.request('POST', url, **kwargs)

    def patch(self, url, **kwargs):
        return self.request('PATCH', url, **kwargs)

    def delete(self, url, **kwargs):
        return self.request('DELETE', url, **kwargs)


def make_adapter(session=None, endpoint_override=None,
                 service_type=SERVICE_TYPE, interface=None,
                 region_name=None, token=None, **kwargs):
    """A keystoneauth1 Adapter: on ``session``, or, without one, on a new
    session with no auth (``token`` given: a fixed token) that needs
    ``endpoint_override``. ``timeout``, ``verify`` and ``cert`` are
    settings of that new session (a given session keeps its own: passing
    them with one is a TypeError, not a silently ignored setting)."""
    from heat_autoscalingclient import __version__
    session_kwargs = {k: kwargs.pop(k) for k in ('timeout', 'verify', 'cert')
                      if k in kwargs}
    if session is None:
        from keystoneauth1 import session as ksa_session
        if endpoint_override is None:
            raise exceptions.EndpointNotFound(
                'Without a session, endpoint_override is required')
        if token:
            from keystoneauth1 import token_endpoint
            auth = token_endpoint.Token(endpoint_override, token)
        else:
            from keystoneauth1 import noauth
            auth = noauth.NoAuth()
        session = ksa_session.Session(auth=auth, **session_kwargs)
    elif session_kwargs:
        raise TypeError('%s: settings of a new session; the given session '
                        'has its own' % ', '.join(sorted(session_kwargs)))
    return ksa_adapter.Adapter(
        session, service_type=service_type, interface=interface,
        region_name=region_name, endpoint_override=endpoint_override,
        client_name='heat-autoscalingclient', client_version=__version__,
        **kwargs)


def next_params(links):
    """The query of the ``rel: next`` link of a listing (a dict), or None
    when there is no next page."""
    for link in links or ():
        if link.get('rel') == 'next' and link.get('href'):
            query = urllib.parse.urlsplit(link['href']).query
            return dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    return None
