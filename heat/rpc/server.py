"""EngineServer: EngineService's methods served over an RPC transport.

:class:`EngineEndpoint` is the object the transport dispatches to. It
exposes exactly the engine RPC methods (:data:`heat.rpc.client.
ENGINE_METHODS`), never the service's lifecycle methods (``stop``,
``wait``...). Each method rebuilds the caller's
:class:`~heat.common.context.RequestContext` from its wire form, calls
the service method of the same name, and replies with an envelope:
``{'result': <result>}`` or ``{'failure': {'type', 'module', 'message',
'attrs'}}`` for an exception, which :mod:`heat.rpc.client` raises again
on the caller's side. The dispatch is generic: an engine method the
service does not have (``list_services``,
``migrate_convergence_1``) fails with
``NotSupported`` naming the method.

The endpoint's target version is :data:`heat.rpc.api.RPC_API_VERSION`;
new methods (the AS RPCs) bump it.
"""

import json
import logging
import socket
import threading

import oslo_messaging

from heat.common import context as context_mod
from heat.common import exception
from heat.rpc import api as rpc_api
from heat.rpc import client as rpc_client
from heat.rpc import transport as rpc_transport

LOG = logging.getLogger(__name__)


def _json_safe(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def failure_of(exc):
    """The wire form of an exception raised by the engine."""
    cls = type(exc)
    attrs = {k: v for k, v in vars(exc).items()
             if not k.startswith('_') and k != 'message' and _json_safe(v)}
    return {'type': cls.__name__, 'module': cls.__module__,
            'message': str(exc), 'attrs': attrs}


class EngineEndpoint:
    """The RPC endpoint in front of an EngineService."""

    target = oslo_messaging.Target(version=rpc_api.RPC_API_VERSION)

    def __init__(self, service):
        self.service = service

    def _dispatch(self, method, ctxt, kwargs):
        try:
            cnxt = context_mod.RequestContext.from_dict(ctxt or {})
            fn = getattr(self.service, method, None)
            if fn is None:
                raise exception.NotSupported(
                    feature='The engine RPC %s' % method)
            result = fn(cnxt, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every error is replied
            if isinstance(exc, exception.HeatException):
                LOG.debug('RPC %s failed: %s', method, exc)
            else:
                LOG.exception('RPC %s failed', method)
            return {rpc_api.REPLY_FAILURE: failure_of(exc)}
        return {rpc_api.REPLY_RESULT: result}


def _endpoint_method(name):
    def method(self, ctxt, **kwargs):
        return self._dispatch(name, ctxt, kwargs)
    method.__name__ = name
    method.__doc__ = 'The engine RPC %s (EngineService.%s).' % (name, name)
    return method


for _name in rpc_client.ENGINE_METHODS:
    setattr(EngineEndpoint, _name, _endpoint_method(_name))
del _name


class EngineServer:
    """Serves an EngineService on ``topic`` (and on ``host``, its own
    server name, for messages sent to this engine only)."""

    def __init__(self, service, transport=None, topic=rpc_api.ENGINE_TOPIC,
                 host=None):
        if transport is None:
            from heat.common import config
            transport = config.CONF
        if not hasattr(transport, 'make_server'):
            transport = rpc_transport.get_transport(transport)
        self.service = service
        self.transport = transport
        self.topic = topic
        self.host = host or getattr(service, 'engine_id', None) or \
            socket.gethostname()
        self.endpoint = EngineEndpoint(service)
        self.target = rpc_transport.Target(topic=topic, server=self.host)
        self._server = None

    def start(self):
        if self._server is None:
            self._server = self.transport.make_server(self.target,
                                                      [self.endpoint])
            self._server.start()
            if self.topic == rpc_api.ENGINE_TOPIC:
                # this process answers the engine topic: its own AS
                # calls need no trip through the bus
                as_client().serve_locally(self.endpoint)
        return self

    def stop(self, timeout=None):
        """Stop taking messages and wait for those being handled (at most
        ``timeout`` seconds; None: as long as they take). True when none
        is left; False: their threads still run, abandoned."""
        if self._server is not None and self.topic == rpc_api.ENGINE_TOPIC:
            local = as_client()
            if local._local is self.endpoint:
                local.serve_locally(None)
        server, self._server = self._server, None
        if server is None:
            return True
        server.stop()
        if timeout is None:
            server.wait()
            return True
        waiter = threading.Thread(target=server.wait, name='rpc-wait',
                                  daemon=True)
        waiter.start()
        waiter.join(timeout)
        return not waiter.is_alive()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def as_client():
    """:mod:`heat.engine.autoscaling.client`, imported when first needed
    (the RPC layer is imported before the engine's packages)."""
    from heat.engine.autoscaling import client
    return client
