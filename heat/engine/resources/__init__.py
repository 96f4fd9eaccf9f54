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

Resource plug-ins (upstream Heat's mechanism) are loaded after the
engine's own modules, on the same first lookup:

* the modules named by the entry points of the group
  :data:`ENTRY_POINT_GROUP` (``heat.resource_plugins``) of the installed
  distributions: a pip-installed plug-in package registers itself;
* then every module and package found in the directories of the
  ``[DEFAULT] plugin_dirs`` option, each directory imported under its own
  private package ``heat.engine.plugins.dir<N>`` (two directories may
  both have a ``mod.py``).

A plug-in module maps its types with ``available_resource_mapping()``
(types whose service is there) or, when it has no such function or it
returns None, ``resource_mapping()``. A directory that does not exist is
skipped; a module that fails to import is logged (a warning naming the
file and the error) and skipped. A plug-in type may replace an engine
type (or an earlier plug-in's) of the same name; a warning is logged.

Tests that change ``plugin_dirs`` call :func:`reset_for_tests` before
and after: it removes the plug-in types (restoring the classes they
replaced) and the next lookup loads the plug-ins again.
"""

import importlib
import importlib.metadata
import importlib.util
import itertools
import logging
import os
import pkgutil
import sys
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
    'heat.engine.resources.openstack.heat.software_deployment',
    'heat.engine.resources.openstack.heat.software_component',
    'heat.engine.resources.openstack.heat.wait_condition',
    'heat.engine.resources.openstack.heat.stack',
    'heat.engine.resources.openstack.heat.resource_group',
    'heat.engine.resources.openstack.heat.resource_chain',
    'heat.engine.resources.openstack.autoscaling.instance_group',
    'heat.engine.resources.openstack.autoscaling.autoscaling_group',
    'heat.engine.resources.openstack.autoscaling.scaling_policy',
    'heat.engine.resources.openstack.autoscaling.metric_policy',
    'heat.engine.resources.openstack.autoscaling.scheduled_action',
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

#: the entry point group naming resource plug-in modules
ENTRY_POINT_GROUP = 'heat.resource_plugins'

#: the package the modules of the plug-in directories are imported under
PLUGIN_PACKAGE = 'heat.engine.plugins'

#: a plug-in's functions returning its ``{type_name: class}``, in the
#: order upstream looks for them (the first that returns a mapping wins)
PLUGIN_MAPPING_HOOKS = ('available_resource_mapping', 'resource_mapping')

_registry = {}
_lock = threading.RLock()
_loaded = False
_loading = False
_plugins_loaded = False
#: type name -> the class it had before a plug-in registered it (None)
_plugin_types = {}
#: real path of a plug-in directory -> the package it is imported as
_plugin_dirs = {}
_plugin_dir_numbers = itertools.count()


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
    global _loaded, _loading, _plugins_loaded
    if _loaded and _plugins_loaded:
        return
    with _lock:
        # Other threads wait here until every module is in; an import
        # that looks a type up again (same thread) sees what is there.
        if (_loaded and _plugins_loaded) or _loading:
            return
        _loading = True
        try:
            if not _loaded:
                for module_name in ENGINE_TYPE_MODULES:
                    load_module(module_name)
                _loaded = True
            _load_plugins()
        finally:
            _loading = False
            _loaded = True
            _plugins_loaded = True


def ensure_loaded():
    """Load the engine's types and the resource plug-ins now (the first
    lookup does it otherwise); the engine calls it when it starts, so
    that a plug-in that fails is reported then."""
    _ensure_loaded()


# -- resource plug-ins ----------------------------------------------------

def _configured_plugin_dirs():
    from heat.common import config
    try:
        return list(config.CONF.plugin_dirs or ())
    except Exception as exc:  # noqa: BLE001 - a bad option: no plug-ins
        LOG.warning('Resource plug-in directories not read: %s', exc)
        return []


def _load_plugins():
    load_entry_points()
    load_plugin_dirs(_configured_plugin_dirs())


def _plugin_mapping(obj):
    """``{type_name: class}`` of a plug-in module (or object), or None
    when it has no mapping function."""
    for hook in PLUGIN_MAPPING_HOOKS:
        fn = getattr(obj, hook, None)
        if not callable(fn):
            continue
        mapping = fn()
        if isinstance(mapping, dict):
            return mapping
        if mapping is not None:
            raise TypeError('%s() returned %s, not a dict'
                            % (hook, type(mapping).__name__))
    return None


def _register_plugin(obj, source, require_mapping=False):
    """Register what plug-in ``obj`` (a module or an object) maps.

    Returns the names it registered; a failure is logged, not raised.
    """
    try:
        mapping = _plugin_mapping(obj)
    except Exception as exc:  # noqa: BLE001 - a bad plug-in is skipped
        LOG.warning('Resource plug-in %s not loaded: %s',
                    source, _describe(exc))
        return []
    if mapping is None:
        if require_mapping:
            LOG.warning('Resource plug-in %s not loaded: it has neither '
                        'available_resource_mapping() nor '
                        'resource_mapping()', source)
        return []
    names = []
    for name, cls in mapping.items():
        with _lock:
            previous = _registry.get(name)
            try:
                register(name, cls)
            except ValueError as exc:
                LOG.warning('Resource plug-in %s: type not registered: '
                            '%s', source, exc)
                continue
            _note_plugin_type(name, previous, cls, source)
        names.append(name)
    return names


def _note_plugin_type(name, previous, cls, source):
    if previous is not None and previous is not cls:
        LOG.warning('Resource plug-in %s replaces resource type %s (%s.%s '
                    'by %s.%s)', source, name, previous.__module__,
                    previous.__qualname__, getattr(cls, '__module__', '?'),
                    getattr(cls, '__qualname__', repr(cls)))
    if name not in _plugin_types:
        _plugin_types[name] = previous


def _note_direct_registrations(before, source):
    """Types a plug-in module registered with :func:`register` while it
    was imported: plug-in types too (reset, override warning)."""
    with _lock:
        changed = [(n, c) for n, c in _registry.items()
                   if before.get(n) is not c]
    for name, cls in changed:
        _note_plugin_type(name, before.get(name), cls, source)


def _describe(exc):
    return '%s: %s' % (type(exc).__name__, exc)


def load_entry_points(group=ENTRY_POINT_GROUP):
    """Load the plug-ins named by the entry points of ``group``.

    An entry point's value is a module (``my_plugin.types``) or an object
    of one (``my_plugin.types:PLUGIN``) with ``resource_mapping()`` (or
    ``available_resource_mapping()``). Returns the names registered.
    """
    try:
        found = importlib.metadata.entry_points(group=group)
    except Exception as exc:  # noqa: BLE001 - broken metadata: none
        LOG.warning('Entry points %s not read: %s', group, _describe(exc))
        return []
    names = []
    for ep in sorted(found, key=lambda e: (e.name, e.value)):
        source = 'entry point %s = %s (group %s)' % (ep.name, ep.value,
                                                      group)
        with _lock:
            before = dict(_registry)
            try:
                obj = ep.load()
            except Exception as exc:  # noqa: BLE001 - skipped, logged
                LOG.warning('Resource plug-in %s not loaded: %s',
                            source, _describe(exc))
                continue
            _note_direct_registrations(before, source)
            names += _register_plugin(obj, source, require_mapping=True)
    return names


def _plugin_package(path):
    """A fresh private package whose ``__path__`` is ``path``."""
    root = sys.modules.get(PLUGIN_PACKAGE)
    if root is None:
        spec = importlib.util.spec_from_loader(PLUGIN_PACKAGE, None,
                                               is_package=True)
        spec.submodule_search_locations = []
        root = importlib.util.module_from_spec(spec)
        root.__doc__ = 'The modules of the resource plug-in directories.'
        sys.modules[PLUGIN_PACKAGE] = root
    short = 'dir%d' % next(_plugin_dir_numbers)
    name = '%s.%s' % (PLUGIN_PACKAGE, short)
    spec = importlib.util.spec_from_loader(name, None, is_package=True)
    spec.submodule_search_locations = [path]
    package = importlib.util.module_from_spec(spec)
    package.__doc__ = 'Resource plug-ins of %s.' % path
    sys.modules[name] = package
    setattr(root, short, package)
    return package


def _module_file(finder, name):
    try:
        spec = finder.find_spec(name)
        if spec is not None and spec.origin:
            return spec.origin
    except Exception:  # noqa: BLE001 - only used to name the file
        pass
    return os.path.join(getattr(finder, 'path', '?'),
                        name.rpartition('.')[2])


def _skipped(local_name):
    # as upstream: test packages and setup.py are not plug-ins
    parts = local_name.split('.')
    return 'tests' in parts[:-1] or parts[-1] in ('tests', 'setup')


def _walk(path, package_name, prefix):
    """Import the modules and packages under ``path`` (a package's
    ``__path__``), depth first; yield ``(module, file)``."""
    for finder, name, is_package in pkgutil.iter_modules(path, prefix):
        if _skipped(name[len(package_name) + 1:]):
            continue
        filename = _module_file(finder, name)
        with _lock:
            before = dict(_registry)
            try:
                module = importlib.import_module(name)
            except (Exception, SystemExit) as exc:  # noqa: BLE001
                LOG.warning('Resource plug-in %s not loaded: %s',
                            filename, _describe(exc))
                continue
            _note_direct_registrations(before, filename)
        yield module, filename
        if is_package:
            sub_path = list(getattr(module, '__path__', None) or ())
            yield from _walk(sub_path, package_name, name + '.')


def load_plugin_dir(path):
    """Load every plug-in module and package under directory ``path``.

    Returns the names registered; a directory that does not exist (or was
    loaded already) gives none.
    """
    if not path or not os.path.isdir(path):
        LOG.debug('Resource plug-in directory %s: not there', path)
        return []
    real = os.path.realpath(path)
    with _lock:
        if real in _plugin_dirs:
            return []
        package = _plugin_package(os.path.abspath(path))
        _plugin_dirs[real] = package.__name__
        names = []
        for module, filename in _walk(package.__path__, package.__name__,
                                      package.__name__ + '.'):
            names += _register_plugin(module, filename)
        if names:
            LOG.info('Resource plug-ins of %s: %s', path,
                     ', '.join(sorted(set(names))))
        return names


def load_plugin_dirs(paths):
    """:func:`load_plugin_dir` of each directory of ``paths``."""
    names = []
    for path in paths or ():
        names += load_plugin_dir(path)
    return names


def plugin_types():
    """Names of the types registered by resource plug-ins, sorted."""
    _ensure_loaded()
    with _lock:
        return sorted(n for n in _plugin_types if n in _registry)


def reset_for_tests():
    """Forget the resource plug-ins: their types are removed (the classes
    they replaced are back), their directories' modules are dropped and
    the next lookup loads the plug-ins again, from the ``plugin_dirs`` of
    that time. The engine's own types stay. Modules named by entry points
    stay imported (the test that made them removes them)."""
    global _plugins_loaded
    with _lock:
        for name, previous in reversed(list(_plugin_types.items())):
            if previous is None:
                _registry.pop(name, None)
            else:
                _registry[name] = previous
        _plugin_types.clear()
        _plugin_dirs.clear()
        for name in list(sys.modules):
            if name == PLUGIN_PACKAGE or name.startswith(
                    PLUGIN_PACKAGE + '.'):
                del sys.modules[name]
        _plugins_loaded = False


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
