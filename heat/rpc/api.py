"""Names and constants of the engine RPC API (upstream's heat/rpc/api.py).

The topic, the API versions, and the key names of RPC arguments and
results. The key tuples are those the engine's result formatters use
(:mod:`heat.engine.api`), re-exported here so that RPC callers need
not import the engine.
"""

from heat.engine.api import (  # noqa: F401 - re-exported names
    EVENT_KEYS,
    PARAM_ADOPT_STACK_DATA,
    PARAM_CLEAR_PARAMETERS,
    PARAM_CONVERGE,
    PARAM_DISABLE_ROLLBACK,
    PARAM_EXISTING,
    PARAM_GLOBAL_TENANT,
    PARAM_IGNORE_ERRORS,
    PARAM_KEYS,
    PARAM_LIMIT,
    PARAM_NESTED_DEPTH,
    PARAM_NOT_TAGS,
    PARAM_NOT_TAGS_ANY,
    PARAM_SHOW_DELETED,
    PARAM_SHOW_HIDDEN,
    PARAM_SHOW_NESTED,
    PARAM_TAGS,
    PARAM_TAGS_ANY,
    PARAM_TIMEOUT,
    PARAM_WITH_DETAIL,
    RES_KEYS,
    RESOLVE_OUTPUTS,
    STACK_KEYS,
    STACK_OUTPUT_KEYS,
    TEMPLATE_TYPE,
    THREAD_CANCEL,
    THREAD_CANCEL_WITH_ROLLBACK,
    THREAD_MESSAGES,
)

#: the topic the engines listen on (upstream's ``ENGINE_TOPIC``).
ENGINE_TOPIC = 'engine'

#: the version a client asks for when a method predates versioning.
BASE_RPC_API_VERSION = '1.0'

#: the highest version the engine's endpoint implements. Upstream stops
#: at 1.36; each method added here (the AS RPCs next) bumps the minor
#: version and the client pins the new methods to it. 1.37: the AS RPCs;
#: 1.38: what the Auto-Scaling REST API added to them; 1.39:
#: ``attributes`` of ``list_scaling_members`` and ``show_scaling_member``
#: (the values of attributes of the members' resources); 1.40:
#: ``health_check`` of ``create_scaling_group`` and
#: ``update_scaling_group`` (self-healing groups); 1.41: metric-driven
#: scaling (pushed samples, evaluation, shadow policy comparison); 1.42:
#: the engine serves upstream's software config and deployment RPCs
#: (their client methods keep upstream's pinned versions, so upstream
#: callers reach them too); 1.43: the engine serves upstream's stack
#: snapshot RPCs (pinned to 1.0 as upstream); 1.44: ``signal_event`` of
#: ``execute_scaling_policy`` (a policy resource's SIGNAL event written in
#: the decision's transaction).
RPC_API_VERSION = '1.44'

#: the oslo.messaging exchange of the engine (upstream's default).
EXCHANGE = 'heat'

#: the scheme of the in-process transport (the embedded default, also
#: used when ``transport_url`` is unset).
INPROC_SCHEME = 'inproc'

#: keys of the reply envelope every endpoint method returns: the result,
#: or the failure (``type``, ``message``, ``module``) of the exception
#: the engine raised.
REPLY_RESULT = 'result'
REPLY_FAILURE = 'failure'
