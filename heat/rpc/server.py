"""EngineServer: EngineService's methods served over an RPC transport.

:class:`EngineEndpoint` is the object the transport dispatches to. It
exposes exactly the engine RPC methods (:data:`heat.rpc.client.
ENGINE_METHODS`), never the service's lifecycle methods (``stop``,
``wait``...). Each method rebuilds the caller's
:class:`~heat.common.context.RequestContext` from its wire form, calls
the service method of the same name, and replies with an envelope:
``{'result': <result>}`` or ``{'failure': {'type', 'module', 'message',
'attrs'}}`` for an exception, which :mod:`heat.rpc.client` raises again
on the caller's side. The template catalogue RPCs
(``list_template_versions``, ``list_template_functions``,
``list_resource_types``, ``resource_schema``), ``get_revision`` and
``authenticated_to_backend`` are answered here from the engine's
registries while EngineService has no method of that name. Engine
methods with neither (software configs and deployments, snapshots,
``generate_template``, ``list_services``, ``migrate_convergence_1``)
fail with ``NotSupported`` naming the method.

The endpoint's target version is :data:`heat.rpc.api.RPC_API_VERSION`;
new methods (the AS RPCs) bump it.
"""

import json
import logging
import socket

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


def _revision(service, cnxt):
    from heat import version
    return version.version_string


def _authenticated_to_backend(service, cnxt):
    return True


# -- the template catalogue ---------------------------------------------------
# Upstream's template RPCs read only the engine's registries (template
# versions, functions, resource types), never a stack. EngineService has
# no such methods yet; until it does, the endpoint answers them from the
# registries here (a service method of the same name wins).

def _template_versions():
    """``{class: [version names]}``, the canonical name first."""
    from heat.engine import template as templatem
    by_class = {}
    for (key, value), cls in sorted(templatem.template_classes().items()):
        by_class.setdefault(cls, []).append('%s.%s' % (key, value))
    for cls, names in by_class.items():
        canonical = '%s.%s' % (names[0].split('.', 1)[0],
                               cls.canonical_version)
        names.sort(key=lambda n: (n != canonical, n))
    return by_class


def _list_template_versions(service, cnxt):
    out = []
    for names in _template_versions().values():
        kind = 'hot' if names[0].startswith('heat_template_version') \
            else 'cfn'
        out.append({'version': names[0], 'type': kind,
                    'aliases': names[1:]})
    return sorted(out, key=lambda v: v['version'])


def _list_template_functions(service, cnxt, template_version,
                             with_condition=False):
    found = [cls for cls, names in _template_versions().items()
             if template_version in names]
    if not found:
        raise exception.NotFound(
            'Template with version %s not found' % template_version)
    cls = found[0]
    mod = cls._function_module()
    table = (mod.CONDITION_FUNCTIONS.get(cls.canonical_version, {})
             if with_condition else mod.FUNCTIONS[cls.canonical_version])
    out = []
    for name, fn_cls in sorted(table.items()):
        if fn_cls is None:
            continue
        doc = (getattr(fn_cls, '__doc__', None) or '').strip()
        out.append({'functions': name,
                    'description': doc.splitlines()[0] if doc else ''})
    return out


def _list_resource_types(service, cnxt, support_status=None,
                         type_name=None, heat_version=None,
                         with_description=False):
    import re

    from heat.engine import resource_types
    names = sorted(resource_types.TYPES)
    if type_name:
        try:
            pattern = re.compile(type_name)
        except re.error as exc:
            raise exception.Invalid(
                reason='type_name %r is not a valid regular expression: '
                       '%s' % (type_name, exc)) from exc
        names = [n for n in names if pattern.match(n)]
    if support_status and support_status.upper() != 'SUPPORTED':
        # every type here is SUPPORTED
        names = []
    if not with_description:
        return names
    out = []
    for name in names:
        description = ''
        try:
            from heat.engine import resources
            doc = (resources.get_class(name).__doc__ or '').strip()
            description = doc.splitlines()[0] if doc else ''
        except exception.HeatException:
            pass
        out.append({'resource_type': name, 'description': description})
    return out


def _resource_schema(service, cnxt, type_name, with_description=False):
    from heat.engine import resources
    cls = resources.get_class(type_name)

    def described(schema):
        out = {}
        for key, item in (schema or {}).items():
            value = item.to_dict() if hasattr(item, 'to_dict') else {}
            if not with_description:
                value.pop('description', None)
            out[key] = value
        return out

    return {'resource_type': type_name,
            'properties': described(getattr(cls, 'properties_schema', {})),
            'attributes': described(getattr(cls, 'attributes_schema', {})),
            'support_status': {'status': 'SUPPORTED', 'version': None,
                               'message': None, 'previous_status': None},
            'description': (cls.__doc__ or '').strip()
            if with_description else ''}


#: answers for engine RPCs that are the RPC layer's own, when the service
#: has no method of that name.
FALLBACKS = {
    'get_revision': _revision,
    'authenticated_to_backend': _authenticated_to_backend,
    'list_template_versions': _list_template_versions,
    'list_template_functions': _list_template_functions,
    'list_resource_types': _list_resource_types,
    'resource_schema': _resource_schema,
}


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
                fallback = FALLBACKS.get(method)
                if fallback is None:
                    raise exception.NotSupported(
                        feature='The engine RPC %s' % method)
                result = fallback(self.service, cnxt, **kwargs)
            else:
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
        return self

    def stop(self):
        """Stop taking messages and wait for those being handled."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            server.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
