"""The resource type registry: type name -> Resource class.

Type modules register their classes with :func:`register` (or by
defining ``resource_mapping()`` returning ``{type_name: class}``, as
upstream plugins do). The engine-internal modules listed in
:data:`ENGINE_TYPE_MODULES` are imported on the first lookup; a module
that does not exist yet is skipped.

:func:`create_resource` makes the resource object for one definition of a
stack: the type is resolved through the stack environment's registry
(aliases, per-resource mappings, provider templates). Provider templates
become instances of the class the nested-stack module registers as
:data:`TEMPLATE_RESOURCE_CLASS`.
"""

import importlib
import logging
import threading

from heat.common import exception
from heat.engine import resource_types

LOG = logging.getLogger(__name__)

#: modules holding the engine's own types, imported on first lookup
ENGINE_TYPE_MODULES = (
    'heat.engine.resources.openstack.heat.none_resource',
    'heat.engine.resources.openstack.heat.value',
    'heat.engine.resources.openstack.heat.random_string',
    'heat.engine.resources.openstack.heat.test_resource',
    'heat.engine.resources.openstack.heat.software_config',
    'heat.engine.resources.openstack.heat.wait_condition',
    'heat.engine.resources.openstack.heat.stack',
    'heat.engine.resources.openstack.heat.resource_group',
    'heat.engine.resources.openstack.heat.resource_chain',
    'heat.engine.resources.openstack.autoscaling.instance_group',
    'heat.engine.resources.openstack.autoscaling.autoscaling_group',
    'heat.engine.resources.openstack.autoscaling.scaling_policy',
    'heat.engine.resources.aws.autoscaling.launch_config',
    'heat.engine.resources.aws.autoscaling.autoscaling_group',
    'heat.engine.resources.aws.autoscaling.scaling_policy',
    'heat.engine.resources.template_resource',
    # cloud types (heat.engine.resources.cloud): they need a cloud
    'heat.engine.resources.openstack.nova.server',
    'heat.engine.resources.openstack.nova.keypair',
    'heat.engine.resources.openstack.nova.flavor',
    'heat.engine.resources.openstack.glance.image',
    'heat.engine.resources.openstack.neutron.net',
    'heat.engine.resources.openstack.neutron.subnet',
    'heat.engine.resources.openstack.neutron.port',
    'heat.engine.resources.openstack.neutron.security_group',
    'heat.engine.resources.openstack.aodh.alarm',
    'heat.engine.resources.aws.ec2.instance',
)
TEMPLATE_RESOURCE_MODULE = 'heat.engine.resources.template_resource'

#: the class of provider-template resources; set by template_resource.py
TEMPLATE_RESOURCE_CLASS = None

#: why a cloud type cannot be created by this engine
NO_CLOUD_REASON = 'no cloud service is configured for this engine'

_registry = {}
_lock = threading.RLock()
_loaded = False
_loading = False


def register(type_name, cls):
    """Make ``cls`` the class of resources of type ``type_name``."""
    if not isinstance(type_name, str) or not type_name:
        raise ValueError('Invalid resource type name %r' % (type_name,))
    with _lock:
        _registry[type_name] = cls
        if vars(cls).get('resource_type_name') is None:
            # the first name a class is registered under is its own
            try:
                cls.resource_type_name = type_name
            except (AttributeError, TypeError):
                pass
    return cls


def unregister(type_name):
    with _lock:
        _registry.pop(type_name, None)


def _register_module(module):
    mapping = getattr(module, 'resource_mapping', None)
    if callable(mapping):
        for name, cls in mapping().items():
            register(name, cls)


def load_module(module_name):
    """Import a type module and register what it maps (if present)."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        # A module (or one it needs) that is not there: its types are
        # simply not available.
        if not (exc.name and (exc.name == module_name or
                              module_name.startswith(exc.name + '.'))):
            LOG.warning('Resource types of %s not loaded: %s',
                        module_name, exc)
        return None
    _register_module(module)
    return module


def _ensure_loaded():
    global _loaded, _loading
    if _loaded:
        return
    with _lock:
        # Other threads wait here until every module is in; an import
        # that looks a type up again (same thread) sees what is there.
        if _loaded or _loading:
            return
        _loading = True
        try:
            for module_name in ENGINE_TYPE_MODULES:
                load_module(module_name)
        finally:
            _loading = False
            _loaded = True


def get_class(type_name):
    """The class registered for ``type_name``.

    An unknown type raises ``ResourceTypeNotFound``; a known cloud type
    (``OS::Nova::Server``...) with no implementation here raises
    ``ResourceTypeUnavailable`` naming its service.
    """
    _ensure_loaded()
    with _lock:
        cls = _registry.get(type_name)
    if cls is not None:
        return cls
    rtype = resource_types.lookup(type_name)
    if rtype is not None and rtype.service is not None:
        raise exception.ResourceTypeUnavailable(
            service_name=rtype.service, resource_type=type_name,
            reason=NO_CLOUD_REASON)
    raise exception.ResourceTypeNotFound(type_name=type_name)


def all_types():
    """Names of every registered type, sorted."""
    _ensure_loaded()
    with _lock:
        return sorted(_registry)


def template_resource_class():
    """The provider-template resource class (None if not available)."""
    if TEMPLATE_RESOURCE_CLASS is None:
        module = load_module(TEMPLATE_RESOURCE_MODULE)
        if TEMPLATE_RESOURCE_CLASS is None and module is not None:
            cls = getattr(module, 'TemplateResource', None)
            if cls is not None:
                return cls
    return TEMPLATE_RESOURCE_CLASS


def _environment(stack):
    env = getattr(stack, 'env', None)
    if env is None:
        env = getattr(getattr(stack, 't', None), 'env', None)
    return env


def resolve_type(type_name, stack, resource_name=None):
    """``(class, ResourceInfo)`` for ``type_name`` in ``stack``'s
    environment."""
    env = _environment(stack)
    info = None
    if env is not None:
        info = env.registry.get_resource_info(type_name,
                                              resource_name=resource_name)
        if info is None:
            raise exception.ResourceTypeNotFound(type_name=type_name)
    if info is not None and info.kind == 'template':
        cls = template_resource_class()
        if cls is None:
            raise exception.ResourceTypeNotFound(type_name=type_name)
        return cls, info
    final = info.value if info is not None else type_name
    return get_class(final), info


def create_resource(name, defn, stack):
    """A resource object for definition ``defn`` in ``stack``."""
    cls, info = resolve_type(defn.resource_type, stack, resource_name=name)
    rsrc = cls(name, defn, stack)
    rsrc.resource_info = info
    return rsrc
