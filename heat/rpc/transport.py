"""The two transports of the engine RPC API, chosen by ``transport_url``.

- ``rabbit://user:pass@host:port/`` (any URL oslo.messaging knows): an
  oslo.messaging RPC transport, client and server (executor
  ``threading``). This is the distributed deployment.
- unset (oslo.messaging's own default, ``rabbit://``, counts as unset:
  only a value really set in a file, on the command line or by an
  override selects a bus), or ``inproc://`` (``inproc://<name>`` for a
  separate namespace): the embedded default. A registry in this process maps
  each (exchange, topic, server) to the endpoints served there; a call
  runs the endpoint's method directly in the caller's thread, a cast in
  a background thread. oslo.messaging's ``fake://`` driver costs about
  50 ms a call here; this costs a few tens of microseconds.

Both transports expose the same three operations (:meth:`call`,
:meth:`cast`, :meth:`make_server`) and the in-process one round-trips
the context, the arguments and the reply through the same JSON
serialiser as the message bus (``oslo_serialization.jsonutils``), and
raises the same errors for an unknown method or an unsupported version,
so that behaviour cannot differ between transports: only the hop does.
Callers (:mod:`heat.rpc.client`, :mod:`heat.rpc.server`) never look at
which transport they have.

Broker outages: oslo.messaging's rabbit driver reconnects consumers (the
engines' RPC servers, the API's reply queue) by itself after the broker
comes back. A call or cast retries connecting ``[DEFAULT]
rpc_send_retries`` times (oslo.messaging's default is forever, which
would hold an API request for as long as the broker is down), then
fails with :class:`MessagingUnavailable`; a call nobody answered in time
fails with ``MessagingTimeout``. The API answers both with a 503 and a
``Retry-After`` (:mod:`heat.api.faults`); a lost converge cast is
resumed by the sweep. The driver's pause between two reconnection
attempts grows by ``rabbit_retry_backoff`` up to ``[oslo_messaging_rabbit]
rabbit_interval_max``, whose default this layer lowers from 30 to
:data:`RABBIT_INTERVAL_MAX` seconds, so that a broker back after a long
outage is used again within seconds.
"""

import concurrent.futures
import logging
import threading
import urllib.parse

import oslo_messaging
from oslo_config import cfg
from oslo_serialization import jsonutils

from heat.common import exception
from heat.rpc import api as rpc_api

LOG = logging.getLogger(__name__)

#: the oslo.messaging options this layer reads (``[DEFAULT]``); the
#: configuration loader lists them for the sample file.
_OPT_NAMES = ('transport_url', 'rpc_response_timeout')

send_retry_opt = cfg.IntOpt(
    'rpc_send_retries', default=3, min=-1,
    help='Times a call or cast on the message bus retries connecting to '
         'the broker (waiting rabbit_retry_interval, then longer by '
         'rabbit_retry_backoff each time) before it fails; heat-api then '
         'answers 503 with a Retry-After header. -1: retry forever '
         '(oslo.messaging\'s default; requests hang while the broker is '
         'down).')


#: heat's default of ``[oslo_messaging_rabbit] rabbit_interval_max``
RABBIT_INTERVAL_MAX = 3


class MessagingUnavailable(exception.HeatException):
    """The message bus could not take a call or cast (broker down or
    unreachable after ``rpc_send_retries`` attempts)."""

    msg_fmt = ('The message bus could not deliver %(method)s: '
               '%(reason)s')

#: threads that run the in-process casts of one transport namespace.
INPROC_CAST_WORKERS = 16


def list_opts():
    """oslo.messaging's ``[DEFAULT]`` options this layer reads."""
    from oslo_messaging import opts as om_opts
    found = []
    for group, opts in om_opts.list_opts():
        if group in (None, 'DEFAULT'):
            found.extend(o for o in opts if o.name in _OPT_NAMES)
    return [(None, found + [send_retry_opt])]


def register_opts(conf):
    for _group, opts in list_opts():
        for opt in opts:
            try:
                conf.register_opt(opt)
            except cfg.DuplicateOptError:
                pass


def wire(value):
    """``value`` as the other end of a message sees it: JSON round trip
    (tuples become lists, datetimes ISO text, keys text)."""
    return jsonutils.loads(jsonutils.dumps(value))


def _url_of(conf_or_url):
    if conf_or_url is None or isinstance(conf_or_url, str):
        return conf_or_url or None, None
    conf = conf_or_url
    register_opts(conf)
    # oslo.messaging's option defaults to 'rabbit://': only a value that
    # was really set (file, command line, override) picks a bus.
    try:
        location = conf.get_location('transport_url')
    except (AttributeError, cfg.NoSuchOptError):
        location = None
    if location is not None and \
            location.location == cfg.Locations.opt_default:
        return None, conf
    return conf.transport_url or None, conf


def is_inproc_url(url):
    return not url or urllib.parse.urlsplit(url).scheme == \
        rpc_api.INPROC_SCHEME


_transports = {}
_transports_lock = threading.Lock()


def get_transport(conf_or_url=None):
    """The transport of a configuration (its ``transport_url``) or URL.

    Transports are shared per URL in a process, so an embedded API and
    engine built from the same configuration meet on the same one.
    """
    url, conf = _url_of(conf_or_url)
    key = url or '%s://' % rpc_api.INPROC_SCHEME
    with _transports_lock:
        transport = _transports.get(key)
        if transport is None:
            if is_inproc_url(url):
                transport = InProcTransport(key)
            else:
                transport = MessagingTransport(url, conf)
            _transports[key] = transport
        return transport


def Target(topic=rpc_api.ENGINE_TOPIC, server=None, version=None,
           exchange=None):
    """An oslo.messaging Target (used by both transports)."""
    return oslo_messaging.Target(exchange=exchange or rpc_api.EXCHANGE,
                                 topic=topic, server=server,
                                 version=version)


def _version_tuple(version):
    major, _, minor = str(version or rpc_api.BASE_RPC_API_VERSION
                          ).partition('.')
    return int(major), int(minor or 0)


def version_is_compatible(available, requested):
    """oslo.messaging's rule: same major, requested minor <= available."""
    a, r = _version_tuple(available), _version_tuple(requested)
    return a[0] == r[0] and r[1] <= a[1]


# ---------------------------------------------------------------------------
# in-process

class _InProcServer:
    """Endpoints registered under a target while started."""

    def __init__(self, transport, target, endpoints):
        self.transport = transport
        self.target = target
        self.endpoints = list(endpoints)
        self._started = False

    def start(self):
        if not self._started:
            self.transport._register(self)
            self._started = True

    def stop(self):
        if self._started:
            self.transport._unregister(self)
            self._started = False

    def wait(self):
        self.transport._wait_casts()


class InProcTransport:
    """The embedded default: a registry of endpoints in this process."""

    def __init__(self, url):
        self.url = url
        self._lock = threading.Lock()
        # (exchange, topic) -> [server]; a call picks one round-robin.
        self._servers = {}
        self._next = 0
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=INPROC_CAST_WORKERS,
            thread_name_prefix='rpc-cast')
        self._casts = set()

    def __repr__(self):
        return 'InProcTransport(%r)' % self.url

    def make_server(self, target, endpoints):
        return _InProcServer(self, target, endpoints)

    def _register(self, server):
        key = (server.target.exchange, server.target.topic)
        with self._lock:
            self._servers.setdefault(key, []).append(server)

    def _unregister(self, server):
        key = (server.target.exchange, server.target.topic)
        with self._lock:
            servers = self._servers.get(key, [])
            if server in servers:
                servers.remove(server)
            if not servers:
                self._servers.pop(key, None)

    def _pick(self, target):
        key = (target.exchange, target.topic)
        with self._lock:
            servers = [s for s in self._servers.get(key, ())
                       if target.server is None or
                       s.target.server == target.server]
            if not servers:
                return None
            self._next += 1
            return servers[self._next % len(servers)]

    @staticmethod
    def _dispatch(server, ctxt, method, kwargs, version):
        """oslo.messaging's RPCDispatcher rules, without the bus."""
        found_method = False
        for endpoint in server.endpoints:
            tgt = getattr(endpoint, 'target', None)
            ns = getattr(tgt, 'namespace', None)
            available = getattr(tgt, 'version', None) or \
                rpc_api.BASE_RPC_API_VERSION
            if ns is not None or method.startswith('_'):
                continue
            fn = getattr(endpoint, method, None)
            if fn is None:
                continue
            found_method = True
            if not version_is_compatible(available, version):
                continue
            return fn(ctxt, **kwargs)
        if found_method:
            raise exception.RemoteError(
                exc_type='UnsupportedVersion',
                value='Endpoint does not support RPC version %s. '
                      'Attempted method: %s' % (version, method))
        raise exception.RemoteError(
            exc_type='NoSuchMethod',
            value='Endpoint does not support RPC method %s' % method)

    def _no_server(self, target, method, timeout):
        return exception.MessagingTimeout(
            method='%s (no engine listens on topic %s)' % (method,
                                                           target.topic),
            timeout=timeout if timeout is not None else 0)

    def call(self, target, ctxt, method, kwargs, version=None,
             timeout=None):
        server = self._pick(target)
        if server is None:
            raise self._no_server(target, method, timeout)
        reply = self._dispatch(server, wire(ctxt), method, wire(kwargs),
                               version)
        return wire(reply)

    def cast(self, target, ctxt, method, kwargs, version=None):
        server = self._pick(target)
        if server is None:
            # A cast to nobody is lost on a bus too; say so in the log.
            LOG.warning('Cast %s dropped: no engine listens on topic %s',
                        method, target.topic)
            return
        ctxt, kwargs = wire(ctxt), wire(kwargs)

        def run():
            try:
                self._dispatch(server, ctxt, method, kwargs, version)
            except Exception:  # noqa: BLE001 - nobody waits for a cast
                LOG.exception('Cast %s failed', method)

        future = self._executor.submit(run)
        with self._lock:
            self._casts.add(future)
        future.add_done_callback(self._cast_done)

    def _cast_done(self, future):
        with self._lock:
            self._casts.discard(future)

    def _wait_casts(self, timeout=None):
        with self._lock:
            pending = list(self._casts)
        concurrent.futures.wait(pending, timeout=timeout)

    def cleanup(self):
        self._wait_casts()


# ---------------------------------------------------------------------------
# oslo.messaging (RabbitMQ)

#: options oslo.messaging registers only on the global ``cfg.CONF`` at
#: import: (module, attribute, group).
_GLOBAL_ONLY_OPTS = (
    ('oslo_messaging._tracing.client', 'oslo_messaging_tracing',
     'oslo_messaging_tracing'),
    ('oslo_messaging._metrics.client', 'oslo_messaging_metrics',
     'oslo_messaging_metrics'),
    ('oslo_messaging.rpc.dispatcher', '_dispatcher_opts', None),
)


def _register_messaging_opts(conf):
    """Every option oslo.messaging reads, on ``conf`` (some are only
    registered on the global ``cfg.CONF``; a configuration of our own,
    such as ``heat.common.config.make_conf()``'s, needs them too)."""
    import importlib

    from oslo_messaging import opts as om_opts
    groups = list(om_opts.list_opts())
    for module, attr, group in _GLOBAL_ONLY_OPTS:
        try:
            opts = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):  # another oslo.messaging
            continue
        groups.append((group, opts))
    for group, opts in groups:
        for opt in opts:
            try:
                conf.register_opt(opt, group=group)
            except cfg.DuplicateOptError:
                pass

def _reason(exc):
    text = str(exc)
    return '%s: %s' % (type(exc).__name__, text) if text else \
        type(exc).__name__


class MessagingTransport:
    """An oslo.messaging RPC transport (``rabbit://`` and friends)."""

    def __init__(self, url, conf=None):
        if conf is None:
            conf = cfg.CONF
        register_opts(conf)
        _register_messaging_opts(conf)
        try:
            # a value set in a file or an override still wins
            conf.set_default('rabbit_interval_max', RABBIT_INTERVAL_MAX,
                             group='oslo_messaging_rabbit')
        except cfg.NoSuchOptError:  # an oslo.messaging without it
            pass
        self.url = url
        self.conf = conf
        self._transport = oslo_messaging.get_rpc_transport(conf, url=url)
        self._clients = {}
        self._lock = threading.Lock()

    def __repr__(self):
        parsed = urllib.parse.urlsplit(self.url)
        return 'MessagingTransport(%s://%s)' % (
            parsed.scheme, parsed.hostname)

    @property
    def default_timeout(self):
        return self.conf.rpc_response_timeout

    @property
    def send_retries(self):
        retries = self.conf.rpc_send_retries
        return None if retries is None or retries < 0 else retries

    def _client(self, target):
        key = (target.exchange, target.topic, target.server)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = oslo_messaging.get_rpc_client(
                    self._transport, target,
                    version_cap=None)
                self._clients[key] = client
            return client

    def call(self, target, ctxt, method, kwargs, version=None,
             timeout=None):
        client = self._client(target).prepare(
            version=version or rpc_api.BASE_RPC_API_VERSION,
            timeout=timeout or self.default_timeout,
            retry=self.send_retries)
        try:
            return client.call(ctxt, method, **kwargs)
        except oslo_messaging.MessagingTimeout as exc:
            raise exception.MessagingTimeout(
                method=method,
                timeout=timeout or self.default_timeout) from exc
        except oslo_messaging.RemoteError as exc:
            raise exception.RemoteError(exc_type=exc.exc_type,
                                        value=exc.value) from exc
        except (oslo_messaging.NoSuchMethod,
                oslo_messaging.UnsupportedVersion) as exc:
            name = type(exc).__name__
            if name.endswith('_Remote'):
                name = name[:-len('_Remote')]
            raise exception.RemoteError(exc_type=name,
                                        value=str(exc)) from exc
        except oslo_messaging.MessagingException as exc:
            # MessageDeliveryFailure (retries spent), a send error...
            raise MessagingUnavailable(method=method,
                                       reason=_reason(exc)) from exc

    def cast(self, target, ctxt, method, kwargs, version=None):
        client = self._client(target).prepare(
            version=version or rpc_api.BASE_RPC_API_VERSION,
            retry=self.send_retries)
        try:
            client.cast(ctxt, method, **kwargs)
        except oslo_messaging.MessagingException as exc:
            raise MessagingUnavailable(method=method,
                                       reason=_reason(exc)) from exc

    def make_server(self, target, endpoints):
        return oslo_messaging.get_rpc_server(
            self._transport, target, list(endpoints), executor='threading',
            access_policy=oslo_messaging.DefaultRPCAccessPolicy)

    def cleanup(self):
        self._transport.cleanup()
