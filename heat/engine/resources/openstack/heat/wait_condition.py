"""``OS::Heat::WaitConditionHandle`` and ``OS::Heat::WaitCondition``.

A handle collects signals; a wait condition waits, during its create or
update, until ``count`` of them say SUCCESS.

**Signals.** A signal body is ``{"status": "SUCCESS"|"FAILURE",
"reason": ..., "data": ..., "id": ...}``; every key is optional (status
SUCCESS, reason ``Signal <n> received``, data None, id ``<n>``, n being
the number of signals so far plus one), any other key or status makes the
signal invalid (``ValueError: Metadata format invalid``). Signals are
kept in the handle's metadata, ``{id: {status, reason, data}}``; a signal
with an id already seen replaces the earlier one. The signal event's
reason is ``Signal: status:<status> reason:<reason>``.

**Tokens.** With ``signal_transport: TOKEN_SIGNAL`` (the default) a
handle makes a random token on create (kept redacted in its data;
attribute ``token``) and only accepts signals that carry it, as the
``token`` key of the signal body (a REST front end puts the request's
``X-Auth-Token`` there, see ``doc/dev/stack-engine.md``): any other
signal is rejected with :class:`InvalidSignalToken`, by
``handle_signal`` and already by the check the engine service makes
before it starts a signal in the background (so the caller gets the
error). ``NO_SIGNAL`` needs no signal at all: each time the wait
condition checks the handle, the handle signals itself.

**Stack users.** With a stack user domain configured
(``stack_user_domain_id``..., see heat/engine/clients/stack_domain.py),
a ``TOKEN_SIGNAL`` handle is upstream's: it makes a Keystone user of
that domain (role ``heat_stack_user`` in the stack's user project), and
its ``token`` is that user's Keystone token, its ``endpoint`` the
resource's signal URL in the stack user project, so that an instance
signals through keystonemiddleware like any client. ``HEAT_SIGNAL``
then works too: attribute ``signal`` is the user's credentials
(``auth_url``, ``username``, ``user_id``, ``password``, ``project_id``,
``domain_id``, ``region_name``, plus ``stack_id`` (the stack's path,
``<name>/<id>``) and ``resource_name`` to name what to signal), for a
client that signs in itself. The user is deleted with the handle.
Under Keystone authentication without a stack user domain, both fail
validation naming the options to set.
``CFN_SIGNAL``, ``TEMP_URL_SIGNAL`` and ``ZAQAR_SIGNAL`` need services
this engine does not offer (the CFN API, swift, zaqar) and fail
validation. Attribute ``signal`` is ``{"endpoint", "token"}`` for a
token handle (upstream gives ``null`` there), ``{}`` for ``NO_SIGNAL``.

**Waiting.** The wait condition finds its handle by reference
(``handle: {get_resource: h}``), fails with ``WaitConditionFailure`` (the
reasons of the FAILURE signals, ``;``-joined) as soon as one FAILURE
signal is there and with ``WaitConditionTimeout`` (``<n> of <count>
received[ - <reasons>]``) after ``timeout`` seconds. Its attribute
``data`` is the JSON text of ``{id: data}`` of every signal. Deleting it
clears the handle's signals.
"""

import json
import secrets
import threading
import time

from oslo_config import cfg

from heat.common import exception, identifier
from heat.engine import attributes, constraints, properties, resource
from heat.engine.clients import stack_domain
from heat.engine.resources import stack_user

DEFAULT_HEAT_URL = 'http://127.0.0.1:8004/v1'

SIGNAL_TRANSPORTS = (
    CFN_SIGNAL, TEMP_URL_SIGNAL, HEAT_SIGNAL, NO_SIGNAL, ZAQAR_SIGNAL,
    TOKEN_SIGNAL,
) = (
    'CFN_SIGNAL', 'TEMP_URL_SIGNAL', 'HEAT_SIGNAL', 'NO_SIGNAL',
    'ZAQAR_SIGNAL', 'TOKEN_SIGNAL',
)
#: transports that need a service this engine does not offer, and which
CLOUD_TRANSPORTS = {CFN_SIGNAL: 'CloudFormation-compatible API',
                    TEMP_URL_SIGNAL: 'swift', ZAQAR_SIGNAL: 'zaqar'}

STATUSES = (STATUS_FAILURE, STATUS_SUCCESS) = ('FAILURE', 'SUCCESS')

# Signals to a handle may arrive concurrently (several API requests):
# their read-modify-write of the handle's metadata is serialised. One
# lock for every handle: storing a signal is short.
_signal_lock = threading.Lock()


def _now():
    """Seconds on a monotonic clock (tests move it)."""
    return time.monotonic()


def heat_url():
    """The Orchestration API's base URL, without the project:
    ``[clients_heat] url`` (upstream's format, ``.../v1/%(tenant_id)s``,
    or without the project), else the public URL of heat-api that
    pre-signed URLs use (``heat_metadata_server_url``) and ``/v1``."""
    from heat.common import signing
    from heat.engine import clients
    url = clients._conf().clients_heat.url
    if url:
        url = url.rstrip('/')
        for suffix in ('/%(tenant_id)s', '/$(tenant_id)s',
                       '/%(project_id)s', '/$(project_id)s'):
            if url.endswith(suffix):
                url = url[:-len(suffix)]
        return url
    try:
        return signing.public_base_url() + '/v1'
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return DEFAULT_HEAT_URL


class InvalidSignalToken(exception.HeatException):
    msg_fmt = ('Signal to %(resource)s rejected: it does not carry the '
               'token of the wait condition handle.')


class WaitConditionFailure(resource.Error):
    """A FAILURE signal arrived: the reasons of every FAILURE signal."""

    def __init__(self, wait_condition, handle):
        super().__init__(';'.join(handle.get_status_reason(STATUS_FAILURE)))


class WaitConditionTimeout(resource.Error):
    """Too few SUCCESS signals before the timeout."""

    def __init__(self, wait_condition, handle, count=None):
        reasons = handle.get_status_reason(STATUS_SUCCESS)
        if count is None:
            count = wait_condition.properties[wait_condition.COUNT]
        message = '%d of %d received' % (len(reasons), count)
        if reasons:
            message += ' - %s' % ';'.join(reasons)
        super().__init__(message)


class HeatWaitConditionHandle(stack_user.StackUser, resource.Resource):
    """Collects the signals a wait condition waits for."""

    PROPERTIES = (SIGNAL_TRANSPORT,) = ('signal_transport',)
    # SIGNAL_ATTR, not SIGNAL: Resource.SIGNAL is the action name that
    # signal events are recorded with.
    ATTRIBUTES = (TOKEN, ENDPOINT, CURL_CLI, SIGNAL_ATTR) = (
        'token', 'endpoint', 'curl_cli', 'signal')
    METADATA_KEYS = (DATA, REASON, STATUS, UNIQUE_ID) = (
        'data', 'reason', 'status', 'id')
    STATUS_FAILURE, STATUS_SUCCESS = STATUS_FAILURE, STATUS_SUCCESS
    #: the signal token, and the stack user's password
    secret_data_keys = stack_user.StackUser.secret_data_keys | {'token'}

    properties_schema = {
        SIGNAL_TRANSPORT: properties.Schema(
            properties.Schema.STRING,
            'How the client will signal the wait condition. TOKEN_SIGNAL '
            'will allow an HTTP POST to a Heat API endpoint with the '
            'provided token. NO_SIGNAL will result in the resource going '
            'to a signalled state without waiting for any signal. '
            'CFN_SIGNAL, TEMP_URL_SIGNAL, HEAT_SIGNAL and ZAQAR_SIGNAL '
            'need a cloud.',
            default=TOKEN_SIGNAL,
            constraints=[constraints.AllowedValues(list(SIGNAL_TRANSPORTS))]),
    }

    _cache_none = {'cache_mode': attributes.Schema.CACHE_NONE,
                   'type': attributes.Schema.STRING}
    attributes_schema = {
        TOKEN: attributes.Schema(
            'Token which can be used for signalling handle when '
            'signal_transport is set to TOKEN_SIGNAL. None for all other '
            'signal transports.', **_cache_none),
        ENDPOINT: attributes.Schema(
            'Endpoint/url which can be used for signalling handle when '
            'signal_transport is set to TOKEN_SIGNAL. None for all other '
            'signal transports.', **_cache_none),
        CURL_CLI: attributes.Schema(
            'Convenience attribute, provides curl CLI command prefix, which '
            'can be used for signalling handle completion or failure when '
            'signal_transport is set to TOKEN_SIGNAL. You can signal '
            'success by adding --data-binary \'{"status": "SUCCESS"}\' , '
            'or signal failure by adding --data-binary \'{"status": '
            '"FAILURE"}\'. This attribute is set to None for all other '
            'signal transports.', **_cache_none),
        SIGNAL_ATTR: attributes.Schema(
            'JSON serialized map that includes the endpoint, token and/or '
            'other attributes the client must use for signalling this '
            'handle. The contents of this map depend on the type of signal '
            'selected in the signal_transport property.', **_cache_none),
    }

    def _transport(self):
        return self.properties[self.SIGNAL_TRANSPORT]

    def validate(self):
        super().validate()
        transport = self._transport()
        path = self.t.path('properties') + [self.SIGNAL_TRANSPORT]
        service = CLOUD_TRANSPORTS.get(transport)
        if service is not None:
            raise exception.StackValidationFailed(
                message='Signal transport %s needs the %s service, which '
                        'is not available' % (transport, service),
                path=path)
        if stack_domain.configured():
            return
        if transport == HEAT_SIGNAL:
            raise exception.StackValidationFailed(
                message='Signal transport HEAT_SIGNAL needs a stack user '
                        'domain: set stack_user_domain_id (or '
                        'stack_user_domain_name), stack_domain_admin and '
                        'stack_domain_admin_password in [DEFAULT]',
                path=path)
        if transport == TOKEN_SIGNAL and stack_domain.keystone_context(
                self.stack.context):
            raise exception.StackValidationFailed(
                message=stack_domain.missing_domain_message(transport),
                path=path)

    def _stack_users(self):
        """Whether this handle's credentials are a Keystone stack user's
        (a stack user domain is configured)."""
        return (self._transport() in (TOKEN_SIGNAL, HEAT_SIGNAL) and
                stack_domain.configured())

    def _endpoint(self, project=None):
        ident = identifier.ResourceIdentifier(
            project or self.stack.tenant_id or '', self.stack.name,
            self.stack.id or '', resource_name=self.name)
        return '%s/%s/signal' % (heat_url(), ident.url_path())

    def handle_create(self):
        if self._stack_users():
            # the user first: the token and the credentials are its
            user_id, _password, project = self._create_stack_user()
            if self._transport() == TOKEN_SIGNAL:
                self.data_set('token', self._stack_user_token(),
                              redact=True)
                self.data_set('endpoint', self._endpoint(project))
        elif self._transport() == TOKEN_SIGNAL:
            self.data_set('token', secrets.token_hex(32), redact=True)
            self.data_set('endpoint', self._endpoint())
        self.resource_id_set(self.physical_resource_name())

    def handle_delete(self):
        if self._stack_user_id():
            self._delete_stack_user()

    def _resolve_attribute(self, key):
        if not self.resource_id:
            return None
        data = self.data()
        token, endpoint = data.get('token'), data.get('endpoint')
        if key == self.TOKEN:
            return token
        if key == self.ENDPOINT:
            return endpoint
        if key == self.CURL_CLI:
            if token is None or endpoint is None:
                return None
            return ("curl -i -X POST -H 'X-Auth-Token: %s' "
                    "-H 'Content-Type: application/json' "
                    "-H 'Accept: application/json' %s" % (token, endpoint))
        if key == self.SIGNAL_ATTR:
            if self._transport() == TOKEN_SIGNAL:
                return json.dumps({'endpoint': endpoint, 'token': token})
            if self._transport() == HEAT_SIGNAL and self._stack_user_id():
                creds = self._heat_signal_credentials()
                # as upstream's server credentials name them: the
                # stack's path (name/id) and the resource
                creds.update(stack_id=self.stack.identifier().stack_path(),
                             resource_name=self.name)
                return json.dumps(creds)
            return json.dumps({})
        return None

    # -- signals -----------------------------------------------------------

    def _check_token(self, details):
        if self._transport() != TOKEN_SIGNAL:
            return
        expected = self.data().get('token')
        given = details.get('token') if isinstance(details, dict) else None
        # compared as bytes: compare_digest raises TypeError for a
        # non-ASCII str (found by fuzzing: a token "\x80" was a 500)
        if not (isinstance(given, str) and expected and
                secrets.compare_digest(
                    given.encode('utf-8', 'surrogatepass'),
                    expected.encode('utf-8'))):
            raise InvalidSignalToken(resource=self.name)

    def _signal_check_hook(self, details):
        # The service calls this before it starts the signal in the
        # background: a signal without the token is refused at once.
        super()._signal_check_hook(details)
        if not (isinstance(details, dict) and 'unset_hook' in details):
            self._check_token(details)

    def normalise_signal_data(self, details, signals):
        """The signal with its defaults, numbered after ``signals``."""
        number = len(signals) + 1
        entry = dict(details or {})
        entry.setdefault(self.REASON, 'Signal %s received' % number)
        entry.setdefault(self.DATA, None)
        entry.setdefault(self.UNIQUE_ID, number)
        entry.setdefault(self.STATUS, STATUS_SUCCESS)
        return entry

    def handle_signal(self, details=None):
        self._check_token(details)
        if isinstance(details, dict):
            details = {k: v for k, v in details.items() if k != 'token'}
        elif details is not None:
            raise ValueError('Metadata format invalid')
        with _signal_lock:
            signals = self._signals()
            entry = self.normalise_signal_data(details, signals)
            if (set(entry) != set(self.METADATA_KEYS) or
                    entry[self.STATUS] not in STATUSES):
                raise ValueError('Metadata format invalid')
            unique_id = str(entry.pop(self.UNIQUE_ID))
            signals = dict(signals)
            signals[unique_id] = entry
            self.metadata_set(signals)
        return 'status:%s reason:%s' % (entry[self.STATUS],
                                        entry[self.REASON])

    def _signals(self):
        """The stored signals, read afresh (another process or request
        may have added some)."""
        return dict(self.metadata_get(refresh=True) or {})

    def _service_signal(self):
        if self._transport() == NO_SIGNAL:
            self.signal(details={})

    def get_status(self):
        """The status of every signal received."""
        self._service_signal()
        return [v[self.STATUS] for v in self._signals().values()]

    def get_status_reason(self, status):
        """The reasons of the signals with ``status``."""
        return [v[self.REASON] for v in self._signals().values()
                if v[self.STATUS] == status]


class HeatWaitCondition(resource.Resource):
    """Waits for ``count`` SUCCESS signals to its handle."""

    PROPERTIES = (HANDLE, TIMEOUT, COUNT) = ('handle', 'timeout', 'count')
    ATTRIBUTES = (DATA,) = ('data',)

    properties_schema = {
        HANDLE: properties.Schema(
            properties.Schema.STRING,
            'A reference to the wait condition handle used to signal this '
            'wait condition.', required=True),
        TIMEOUT: properties.Schema(
            properties.Schema.NUMBER,
            'The number of seconds to wait for the correct number of '
            'signals to arrive.', required=True,
            constraints=[constraints.Range(1, 43200)]),
        COUNT: properties.Schema(
            properties.Schema.INTEGER,
            'The number of success signals that must be received before '
            'the stack creation process continues.', default=1,
            constraints=[constraints.Range(min=1)], update_allowed=True),
    }

    attributes_schema = {
        DATA: attributes.Schema(
            'JSON string containing data associated with wait condition '
            'signals sent to the handle.',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.STRING),
    }

    def _handle(self, ref=None):
        """The resource of this stack whose reference is the ``handle``
        property (handles looked at first), or None."""
        ref = self.properties[self.HANDLE] if ref is None else ref
        others = [r for r in self.stack.resources.values() if r is not self]
        others.sort(key=lambda r: not isinstance(r, HeatWaitConditionHandle))
        for rsrc in others:
            if rsrc.FnGetRefId() == ref:
                return rsrc
        return None

    def _valid_handle(self, ref=None):
        handle = self._handle(ref)
        if not isinstance(handle, HeatWaitConditionHandle):
            name = handle.name if handle is not None else (
                ref or self.properties[self.HANDLE])
            raise ValueError('%s is not a valid wait condition handle.'
                             % name)
        return handle

    def _start(self, count, ref=None):
        return (self._valid_handle(ref), _now(),
                float(self.properties[self.TIMEOUT]), count)

    def _check_signals(self, cookie):
        handle, started_at, timeout, count = cookie
        if _now() - started_at > timeout:
            raise WaitConditionTimeout(self, handle, count)
        statuses = handle.get_status()
        if any(s != STATUS_SUCCESS for s in statuses):
            raise WaitConditionFailure(self, handle)
        return len(statuses) >= count

    def handle_create(self):
        return self._start(self.properties[self.COUNT])

    check_create_complete = _check_signals

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        count = (prop_diff or {}).get(self.COUNT) or self.properties[
            self.COUNT]
        return self._start(count)

    check_update_complete = _check_signals

    def handle_delete(self):
        handle = self._handle()
        if isinstance(handle, HeatWaitConditionHandle):
            handle.metadata_set({})

    def _resolve_attribute(self, key):
        handle = self._handle()
        if not isinstance(handle, HeatWaitConditionHandle):
            return ''
        if key == self.DATA:
            return json.dumps({k: v[handle.DATA]
                               for k, v in handle._signals().items()})
        return None


def resource_mapping():
    return {
        'OS::Heat::WaitConditionHandle': HeatWaitConditionHandle,
        'OS::Heat::WaitCondition': HeatWaitCondition,
    }
