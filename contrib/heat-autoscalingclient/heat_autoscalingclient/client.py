"""The client of the Auto-Scaling API v1.

On a keystoneauth1 session with auth, the endpoint is the service
catalog's (service type ``autoscaling``)::

    from keystoneauth1 import loading, session
    auth = loading.get_plugin_loader('password').load_from_options(...)
    client = Client(session=session.Session(auth=auth))

Without Keystone (heat-all's default), an explicit endpoint::

    client = Client(endpoint_override=
                    'http://127.0.0.1:8004/autoscaling/v1/demo')
"""

import json as jsonlib
import urllib.parse

from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session

from heat_autoscalingclient import exceptions, http, managers, models


class Client:
    """``Client(session=None, endpoint_override=None,
    service_type='autoscaling', interface='public', region_name=None)``.

    ``token``: without a session, a fixed token sent as X-Auth-Token
    (``endpoint_override`` required); ``endpoint`` is another name of
    ``endpoint_override``. ``auto_idempotency``: send a fresh
    ``Idempotency-Key`` on every POST that was given none (safe to retry
    by hand with the key of the failed try; the client itself never
    retries). ``timeout``, ``verify`` and ``cert``: settings of the
    session made without ``session``. Other keyword arguments go to the
    keystoneauth1 Adapter (``connect_retries``, ...).
    """

    def __init__(self, session=None, endpoint_override=None,
                 service_type=http.SERVICE_TYPE, interface='public',
                 region_name=None, token=None, endpoint=None,
                 api_version=http.API_VERSION, auto_idempotency=False,
                 **adapter_kwargs):
        endpoint_override = endpoint_override or endpoint
        self.adapter = http.make_adapter(
            session=session, endpoint_override=endpoint_override,
            service_type=service_type, interface=interface,
            region_name=region_name, token=token, **adapter_kwargs)
        self.session = self.adapter.session
        self.http = http.HTTPClient(self.adapter, api_version=api_version,
                                    auto_idempotency=auto_idempotency)
        self.groups = managers.GroupManager(self)
        self.members = managers.MemberManager(self)
        self.policies = managers.PolicyManager(self)
        self.webhooks = managers.WebhookManager(self)
        self.activities = managers.ActivityManager(self)
        self.metrics = managers.MetricManager(self)

    @property
    def endpoint(self):
        """The endpoint in use (``.../autoscaling/v1/<project>``)."""
        return self.http.get_endpoint()

    def versions(self):
        """The version document of ``/autoscaling/`` (no auth needed):
        the list of ``versions``."""
        endpoint = self.endpoint
        if not endpoint:
            raise exceptions.EndpointNotFound('No autoscaling endpoint')
        root = endpoint.rstrip('/')
        cut = root.rfind('/v1')
        root = (root[:cut] if cut >= 0 else root) + '/'
        try:
            resp = self.session.request(
                root, 'GET', authenticated=False, raise_exc=False,
                headers={'Accept': 'application/json'})
        except (ksa_exc.ConnectFailure, ksa_exc.ConnectionError) as exc:
            raise exceptions.ConnectionRefused(str(exc)) from exc
        if resp.status_code >= 400:
            raise exceptions.from_response(resp, 'GET', root)
        return resp.json().get('versions', [])


def _post_capability(url, body, session, timeout, idempotency_key, verify,
                     what):
    """POST ``body`` (None: no body) to a capability URL with no auth;
    the answer's JSON (raises the API's error)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.netloc:
        raise ValueError('not a %s URL: %r' % (what, url))
    if session is None:
        session = ksa_session.Session(verify=verify, timeout=timeout)
    headers = {'Accept': 'application/json',
               http.VERSION_HEADER: '%s %s' % (http.SERVICE_TYPE,
                                               http.API_VERSION)}
    if idempotency_key is not None:
        headers['Idempotency-Key'] = str(idempotency_key)
    kwargs = {'headers': headers, 'raise_exc': False,
              'authenticated': False}
    if body is not None:
        kwargs['data'] = jsonlib.dumps(body)
        headers['Content-Type'] = 'application/json'
    try:
        resp = session.request(url, 'POST', **kwargs)
    except (ksa_exc.ConnectFailure, ksa_exc.ConnectionError) as exc:
        raise exceptions.ConnectionRefused(str(exc)) from exc
    if resp.status_code >= 400:
        raise exceptions.from_response(resp, 'POST', url)
    return resp.json() if resp.content else {}


def execute_webhook(url, body=None, session=None, timeout=None,
                    idempotency_key=None, verify=True):
    """POST to a webhook's capability URL, with no auth; returns the
    :class:`~heat_autoscalingclient.models.Decision`. ``body``: the
    optional JSON details. ``session``: a keystoneauth1 session to use
    (none: a new one, ``verify`` and ``timeout`` applying).

    The webhook of a metric policy (kind step or target_tracking) takes
    ``{"samples": [...]}`` (see :func:`push_webhook_samples`): then the
    answer is a :class:`~heat_autoscalingclient.models.SamplesAccepted`.
    """
    data = _post_capability(url, body, session, timeout, idempotency_key,
                            verify, 'webhook')
    if 'decision' not in data and 'accepted' in data and \
            not isinstance(data['accepted'], bool):
        return models.SamplesAccepted.from_dict(data)
    return models.Decision.from_dict(data.get('decision', data))


def push_webhook_samples(url, samples, session=None, timeout=None,
                         idempotency_key=None, verify=True):
    """POST metric samples to the webhook URL of a metric policy, with
    no auth (a capability URL that instances can be given); returns the
    :class:`~heat_autoscalingclient.models.SamplesAccepted`. ``samples``:
    dicts ``{"name", "value", "timestamp" (optional), "member"
    (optional)}``, as :meth:`MetricManager.push
    <heat_autoscalingclient.managers.MetricManager.push>` takes them."""
    data = _post_capability(url, {'samples': list(samples)}, session,
                            timeout, idempotency_key, verify, 'webhook')
    return models.SamplesAccepted.from_dict(data)


def lifecycle_action(url, result=None, heartbeat=False, session=None,
                     timeout=None, verify=True):
    """POST to a lifecycle wait's completion URL (the ``completion_url``
    of the notification POSTed to the hook's ``notify_url``), with no
    auth: ``result`` (``CONTINUE`` or ``ABANDON``) ends the wait,
    ``heartbeat=True`` extends it (give exactly one). Returns the
    :class:`~heat_autoscalingclient.models.Member`. An unknown or used
    URL is a ``NotFound``. ``session``, ``timeout``, ``verify``: as for
    :func:`execute_webhook`."""
    if (result is None) == (not heartbeat):
        raise ValueError('lifecycle_action: give result or heartbeat=True')
    body = {'heartbeat': True} if heartbeat else {'result': result}
    data = _post_capability(url, body, session, timeout, None, verify,
                            'lifecycle completion')
    return models.Member.from_dict(data.get('member', data))
