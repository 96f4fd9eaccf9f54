"""How engine code (the auto-scaling resources) reaches the AS RPCs.

Resources never touch the AS tables: they call the engine RPC API through
:func:`get`, an :class:`heat.rpc.client.EngineClient` on the configured
transport (in-process for the embedded default, the message bus when
``transport_url`` names one). Whichever engine answers does the work.
"""

import threading

from heat.rpc import client as rpc_client

_lock = threading.Lock()
_client = None


def get():
    """The process's :class:`~heat.rpc.client.EngineClient`."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = rpc_client.EngineClient()
    return _client


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
