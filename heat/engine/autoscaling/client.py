"""How engine code (the auto-scaling resources) reaches the AS RPCs.

Resources never touch the AS tables: they call the engine RPC API through
:func:`get`, an :class:`heat.rpc.client.EngineClient` on the configured
transport (in-process for the embedded default, the message bus when
``transport_url`` names one). Whichever engine answers does the work.

A process that serves the engine topic itself (heat-engine, heat-all)
registers its endpoint (:func:`serve_locally`, called by
:class:`heat.rpc.server.EngineServer`): the client's *calls* then run on
that endpoint in the caller's thread, exactly as a remote engine would
run them (the context passes through its dict form, failures through
their wire form), but without a round trip through the broker and a
second RPC worker thread waiting on the first. *Casts* (converge) still
go out on the bus, so that any engine may take the work.
"""

import threading

from heat.rpc import client as rpc_client

_lock = threading.Lock()
_client = None
#: the engine endpoint this process serves on the engine topic, or None
_local = None


class _LocalCalls:
    """An EngineClient transport: calls dispatched to this process's
    engine endpoint, casts to the configured transport."""

    def __init__(self, endpoint, transport):
        self.endpoint = endpoint
        self.transport = transport

    def call(self, target, ctxt, method, kwargs, version=None,
             timeout=None):
        return getattr(self.endpoint, method)(ctxt, **kwargs)

    def cast(self, target, ctxt, method, kwargs, version=None):
        return self.transport.cast(target, ctxt, method, kwargs,
                                   version=version)


def get():
    """The process's :class:`~heat.rpc.client.EngineClient`."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                client = rpc_client.EngineClient()
                if _local is not None:
                    client.transport = _LocalCalls(_local, client.transport)
                _client = client
    return _client


def serve_locally(endpoint):
    """Run this process's AS calls on ``endpoint`` (an
    :class:`heat.rpc.server.EngineEndpoint` served on the engine topic);
    None stops it. The client is rebuilt on its next :func:`get`."""
    global _local, _client
    with _lock:
        _local = endpoint
        _client = None


def decision_reason(decision):
    """The text of a SIGNAL event for a decision the AS RPCs returned."""
    if not isinstance(decision, dict):
        return str(decision)
    reason = decision.get('reason') or (
        'accepted' if decision.get('accepted') else 'rejected')
    if decision.get('repeated'):
        # a retried trigger (same Idempotency-Key): nothing changed now
        reason = 'repeated trigger, first decision: %s' % reason
    return reason


def reset():
    """Forget the client (tests that change ``transport_url`` call it)."""
    global _client
    with _lock:
        _client = None
