"""Environments: parameters, the resource registry, merging env files.

:class:`Environment` is one user environment (already parsed, see
:mod:`heat.common.environment_format`): ``parameters``,
``parameter_defaults``, ``resource_registry``, ``event_sinks`` and
``encrypted_param_names``. :meth:`Environment.user_env_as_dict` gives it
back in upstream's shape (the ``Environment`` of ``POST /validate``).

:class:`ResourceRegistry` holds the ``resource_registry`` section:

- type aliases ``"My::Type": "OS::Heat::RandomString"``;
- provider templates ``"My::Type": "my.yaml"`` (any name ending in
  ``.yaml`` or ``.template``, relative or a URL);
- wildcard mappings ``"OS::Networking::*": "OS::Neutron::*"``;
- a ``null`` value removes an earlier mapping (``"OS::*": null`` all
  matching ones);
- ``resources: {name: {...}}``: per-resource type mappings, ``hooks``
  (breakpoints) and ``restricted_actions``; names may be ``fnmatch``
  patterns for hooks and restricted actions.

There is no global registry here: a type that no mapping matches resolves
to itself (``kind == 'type'``); callers check it against the known types.

:func:`merge_environments` merges environment files, in order, into the
request's parameters as upstream's ``environment_util`` does (including
``parameter_merge_strategies``).
"""

import collections.abc
import copy
import fnmatch

from heat.common import environment_format as env_fmt
from heat.common import exception

HOOK_TYPES = (
    HOOK_PRE_CREATE, HOOK_PRE_UPDATE, HOOK_PRE_DELETE, HOOK_POST_CREATE,
    HOOK_POST_UPDATE, HOOK_POST_DELETE,
) = (
    'pre-create', 'pre-update', 'pre-delete', 'post-create',
    'post-update', 'post-delete',
)

RESTRICTED_ACTIONS = (UPDATE, REPLACE) = ('update', 'replace')

TEMPLATE_SUFFIXES = ('.yaml', '.template')

RESOURCES = 'resources'
HOOKS = 'hooks'
RESTRICTED = 'restricted_actions'

#: longest chain of aliases followed before giving up
MAX_MAPPING_DEPTH = 50

ALLOWED_PARAM_MERGE_STRATEGIES = (OVERWRITE, MERGE, DEEP_MERGE) = (
    'overwrite', 'merge', 'deep_merge')


def _is_sequence(value):
    return (isinstance(value, collections.abc.Sequence) and
            not isinstance(value, str))


def _check_choice(value, allowed):
    if isinstance(value, str):
        return value in allowed
    if _is_sequence(value):
        return all(isinstance(v, str) and v in allowed for v in value)
    return False


def validate_hooks(value):
    """Raise ``InvalidBreakPointHook`` unless ``value`` names hooks."""
    if not _check_choice(value, HOOK_TYPES):
        raise exception.InvalidBreakPointHook(
            message='Invalid hook type "%s" for resource breakpoint, '
                    'acceptable hook types are: %s' % (value, HOOK_TYPES))


def validate_restricted_actions(value):
    if not _check_choice(value, RESTRICTED_ACTIONS):
        raise exception.InvalidRestrictedAction(
            message='Invalid restricted_action type "%s" for resource, '
                    'acceptable restricted_action types are: %s'
                    % (value, RESTRICTED_ACTIONS))


def _as_set(value):
    if isinstance(value, str):
        return {value}
    return set(value)


def is_template_name(name):
    return isinstance(name, str) and name.endswith(TEMPLATE_SUFFIXES)


class ResourceInfo:
    """What a resource type resolves to.

    - ``kind``: ``'template'`` (``value`` is the provider template name or
      URL), ``'alias'`` (mapped to another type; ``value`` is the final
      type) or ``'type'`` (no mapping applied; ``value`` is the type).
    - ``name``: the type asked for; ``chain``: every type followed, the
      asked one first.
    """

    KINDS = (TEMPLATE, ALIAS, TYPE) = ('template', 'alias', 'type')

    def __init__(self, kind, value, name, chain=None):
        self.kind = kind
        self.value = value
        self.name = name
        self.chain = list(chain or [name])

    @property
    def template_name(self):
        return self.value if self.kind == self.TEMPLATE else None

    def __eq__(self, other):
        return (isinstance(other, ResourceInfo) and
                (self.kind, self.value, self.name) ==
                (other.kind, other.value, other.name))

    def __repr__(self):
        return 'ResourceInfo(%r, %r, %r)' % (self.kind, self.value, self.name)


class _Entry:
    """One mapping of the registry (where it is and what it maps to)."""

    def __init__(self, path, value):
        self.path = list(path)
        self.name = path[-1]
        if is_template_name(self.name):
            self.kind, self.value = 'template', self.name
        elif is_template_name(value):
            self.kind, self.value = 'template', value
        elif self.name.endswith('*'):
            self.kind, self.value = 'glob', value
        else:
            self.kind, self.value = 'alias', value

    def matches(self, type_name):
        """For globs: does ``type_name`` fall under this pattern?"""
        # A many-to-one mapping must not match its own target.
        return (type_name != self.value and
                type_name.startswith(self.name[:-1]))

    def target(self, type_name):
        if self.kind == 'glob' and self.value.endswith('*'):
            return self.value[:-1] + type_name[len(self.name) - 1:]
        return self.value

    def sort_key(self):
        # As upstream: the more specific (longer) path first, then by path.
        return (-len(self.path), self.path)


class ResourceRegistry:
    """The user's ``resource_registry``."""

    def __init__(self, param_defaults=None):
        self._registry = {RESOURCES: {}}
        self.param_defaults = param_defaults if param_defaults is not None \
            else {}

    # -- loading -------------------------------------------------------

    def load(self, snippet):
        """Add (or, with ``null`` values, remove) mappings."""
        if snippet is None:
            return
        if not isinstance(snippet, collections.abc.Mapping):
            raise exception.InvalidEnvironment(
                message='resource_registry must be a mapping')
        for key, value in snippet.items():
            if key == RESOURCES:
                self._load_resources(value, [RESOURCES],
                                     self._registry[RESOURCES])
            else:
                self._load_type(self._registry, [key], value)

    def _load_type(self, level, path, value):
        name = path[-1]
        if not isinstance(name, str):
            raise exception.InvalidEnvironment(
                message='resource_registry key %r must be a string' % name)
        if value is None:
            self._remove(level, name)
            return
        if not isinstance(value, str):
            raise exception.InvalidEnvironment(
                message='resource_registry: "%s" must map to a type name '
                        'or a template, not %r' % ('/'.join(path), value))
        level[name] = _Entry(path, value)

    @staticmethod
    def _remove(level, name):
        if name.endswith('*'):
            for key in [k for k, v in level.items()
                        if isinstance(v, _Entry) and
                        k.startswith(name[:-1])]:
                del level[key]
        else:
            level.pop(name, None)

    def _load_resources(self, value, path, level):
        if value is None:
            return
        if not isinstance(value, collections.abc.Mapping):
            raise exception.InvalidEnvironment(
                message='resource_registry: "%s" must be a mapping'
                        % '/'.join(path))
        for rname, body in value.items():
            rpath = path + [rname]
            if body is None:
                level.pop(rname, None)
                continue
            if not isinstance(body, collections.abc.Mapping):
                raise exception.InvalidEnvironment(
                    message='resource_registry: "%s" must be a mapping'
                            % '/'.join(str(p) for p in rpath))
            target = level.setdefault(rname, {})
            self._load_resource(body, rpath, target)

    def _load_resource(self, body, path, level):
        for key, value in body.items():
            if key == HOOKS:
                validate_hooks(value)
                level[key] = value
            elif key == RESTRICTED:
                validate_restricted_actions(value)
                level[key] = value
            elif isinstance(value, collections.abc.Mapping):
                # settings for a resource of the nested stack of this one
                self._load_resource(value, path + [key],
                                    level.setdefault(key, {}))
            else:
                self._load_type(level, path + [key], value)

    # -- lookups -------------------------------------------------------

    def _candidates(self, type_name, resource_name):
        found = []
        if resource_name is not None:
            per_res = self._registry[RESOURCES].get(resource_name)
            if isinstance(per_res, dict):
                entry = per_res.get(type_name)
                if isinstance(entry, _Entry):
                    found.append(entry)
        entry = self._registry.get(type_name)
        if isinstance(entry, _Entry):
            found.append(entry)
        for entry in self._registry.values():
            if (isinstance(entry, _Entry) and entry.kind == 'glob' and
                    entry.matches(type_name)):
                found.append(entry)
        return sorted(found, key=_Entry.sort_key)

    def get_resource_info(self, type_name, resource_name=None):
        """The :class:`ResourceInfo` for a type, None for a non-type."""
        if not isinstance(type_name, str) or not type_name:
            return None
        chain = [type_name]
        current = type_name
        while True:
            if is_template_name(current):
                return ResourceInfo(ResourceInfo.TEMPLATE, current,
                                    type_name, chain)
            candidates = self._candidates(current, resource_name)
            if not candidates:
                kind = (ResourceInfo.TYPE if len(chain) == 1
                        else ResourceInfo.ALIAS)
                return ResourceInfo(kind, current, type_name, chain)
            entry = candidates[0]
            if entry.kind == 'template':
                return ResourceInfo(ResourceInfo.TEMPLATE, entry.value,
                                    type_name, chain + [entry.value])
            current = entry.target(current)
            if current in chain or len(chain) > MAX_MAPPING_DEPTH:
                raise exception.InvalidResourceType(
                    message='Resource type mapping loop in the '
                            'environment: %s' % ' -> '.join(chain +
                                                            [current]))
            chain.append(current)

    def facade_info(self, type_name, resource_name, provider):
        """What ``type_name`` is without the mappings that make it the
        provider template ``provider`` (a template name): the facade that
        template stands in for, as upstream looks it up (the next mapping
        of the type, else the type itself). None for a type that is a
        template name."""
        if is_template_name(type_name):
            return None
        for entry in self._candidates(type_name, resource_name):
            if entry.kind == 'template':
                info = ResourceInfo(ResourceInfo.TEMPLATE, entry.value,
                                    type_name, [type_name, entry.value])
            else:
                try:
                    info = self.get_resource_info(entry.target(type_name),
                                                  resource_name)
                except exception.InvalidResourceType:
                    continue
                if info is None:
                    continue
            if info.template_name is not None and \
                    info.template_name == provider:
                continue
            return info
        return ResourceInfo(ResourceInfo.TYPE, type_name, type_name)

    def _matching_resources(self, resource_name):
        for pattern, body in self._registry[RESOURCES].items():
            if (isinstance(body, dict) and
                    fnmatch.fnmatchcase(resource_name, pattern)):
                yield body

    def hooks(self, resource_name):
        """The set of hooks (breakpoints) set for a resource."""
        found = set()
        for body in self._matching_resources(resource_name):
            if HOOKS in body:
                found |= _as_set(body[HOOKS])
        return found

    def matches_hook(self, resource_name, hook):
        return hook in self.hooks(resource_name)

    def restricted_actions(self, resource_name):
        found = set()
        for body in self._matching_resources(resource_name):
            if RESTRICTED in body:
                found |= _as_set(body[RESTRICTED])
        return found

    get_rsrc_restricted_actions = restricted_actions

    def remove_resources_except(self, resource_name):
        """Keep only the per-resource settings that apply to one name.

        Used for the environment of a nested stack: its ``resources`` are
        what the parent environment says under that resource.
        """
        kept = {}
        for pattern, body in self._registry[RESOURCES].items():
            if (isinstance(body, dict) and
                    fnmatch.fnmatchcase(resource_name, pattern)):
                kept.update(body)
        self._registry[RESOURCES] = {
            k: v for k, v in kept.items() if isinstance(v, dict)}

    def as_dict(self):
        """The registry in the form it was given (upstream's ``as_dict``)."""
        def dump(level):
            out = {}
            for key, value in level.items():
                if isinstance(value, _Entry):
                    out[key] = value.value
                elif isinstance(value, dict):
                    out[key] = dump(value)
                else:
                    out[key] = copy.deepcopy(value)
            return out
        return dump(self._registry)


class Environment:
    """One user environment."""

    def __init__(self, env=None):
        env = copy.deepcopy(dict(env or {}))
        self.param_defaults = env.get(env_fmt.PARAMETER_DEFAULTS) or {}
        self.registry = ResourceRegistry(self.param_defaults)
        self.registry.load(env.get(env_fmt.RESOURCE_REGISTRY) or {})
        self.encrypted_param_names = list(
            env.get(env_fmt.ENCRYPTED_PARAM_NAMES) or [])
        self.parameter_merge_strategies = dict(
            env.get(env_fmt.PARAMETER_MERGE_STRATEGIES) or {})
        if env_fmt.PARAMETERS in env:
            self.params = env[env_fmt.PARAMETERS] or {}
        else:
            # old-school flat environment: every other key is a parameter
            self.params = {k: v for k, v in env.items()
                           if k not in env_fmt.SECTIONS}
        for section, value in ((env_fmt.PARAMETERS, self.params),
                               (env_fmt.PARAMETER_DEFAULTS,
                                self.param_defaults)):
            if not isinstance(value, collections.abc.Mapping):
                raise exception.InvalidEnvironment(
                    message='environment section "%s" must be a mapping'
                            % section)
        self.event_sinks = []
        self._add_event_sinks(env.get(env_fmt.EVENT_SINKS) or [])

    def _add_event_sinks(self, sinks):
        if not isinstance(sinks, list):
            raise exception.InvalidEnvironment(
                message='environment section "event_sinks" must be a list')
        for sink in sinks:
            if not isinstance(sink, collections.abc.Mapping) or \
                    'type' not in sink:
                raise exception.InvalidEnvironment(
                    message='Invalid event sink %r: a mapping with a '
                            '"type" is required' % (sink,))
        self.event_sinks.extend(sinks)

    def load(self, env_snippet):
        """Add another environment on top of this one."""
        self.registry.load(env_snippet.get(env_fmt.RESOURCE_REGISTRY) or {})
        self.params.update(env_snippet.get(env_fmt.PARAMETERS) or {})
        self.param_defaults.update(
            env_snippet.get(env_fmt.PARAMETER_DEFAULTS) or {})
        self._add_event_sinks(env_snippet.get(env_fmt.EVENT_SINKS) or [])

    def user_env_as_dict(self):
        """The environment as the user may see it (validate output)."""
        return {
            env_fmt.RESOURCE_REGISTRY: self.registry.as_dict(),
            env_fmt.PARAMETERS: copy.deepcopy(self.params),
            env_fmt.PARAMETER_DEFAULTS: copy.deepcopy(self.param_defaults),
            env_fmt.EVENT_SINKS: copy.deepcopy(self.event_sinks),
        }

    def env_as_dict(self):
        """The whole environment, as stored (adds encrypted names)."""
        out = self.user_env_as_dict()
        out[env_fmt.ENCRYPTED_PARAM_NAMES] = list(self.encrypted_param_names)
        return out

    def get_resource_info(self, type_name, resource_name=None):
        return self.registry.get_resource_info(type_name, resource_name)

    def hooks(self, resource_name):
        return self.registry.hooks(resource_name)


def get_child_environment(parent_env, child_params, item_to_remove=None,
                          child_resource_name=None):
    """The environment of a nested stack.

    The parent's registry and defaults are kept; the parameters are the
    child's (``child_params`` may be flat parameters or an environment).
    With ``child_resource_name`` only the per-resource settings under that
    resource are kept.
    """
    child = parent_env.user_env_as_dict()
    child[env_fmt.PARAMETERS] = {}
    flat = child_params is not None and not any(
        s in child_params for s in env_fmt.SECTIONS)
    if flat:
        child[env_fmt.PARAMETERS] = dict(child_params)
    new_env = Environment(child)
    if child_params is not None and not flat:
        new_env.load(child_params)
    if item_to_remove is not None:
        new_env.registry._registry.pop(item_to_remove, None)
    if child_resource_name:
        new_env.registry.remove_resources_except(child_resource_name)
    return new_env


# -- merging environment files ----------------------------------------

def get_param_merge_strategy(merge_strategies, param_key):
    """The strategy for one parameter (unknown names fall back)."""
    if merge_strategies is None:
        return OVERWRITE
    env_default = merge_strategies.get('default', OVERWRITE)
    strategy = merge_strategies.get(param_key, env_default)
    if strategy in ALLOWED_PARAM_MERGE_STRATEGIES:
        return strategy
    return env_default


def merge_list(old, new):
    """Lists and comma-delimited strings: ``old`` followed by ``new``."""
    if not old:
        return new
    if isinstance(new, list):
        if isinstance(old, str):
            old = old.split(',')
        return list(old) + new
    if isinstance(old, list):
        return old + str(new).split(',')
    return ','.join([old, new])


def merge_map(old, new, deep_merge=False):
    """Merge mappings; ``deep_merge`` merges nested values too."""
    if not old:
        return new
    out = dict(old)
    for key, value in new.items():
        if value is None:
            continue
        if not deep_merge:
            out[key] = value
        elif isinstance(value, collections.abc.Mapping):
            prev = out.get(key)
            out[key] = merge_map(prev, value, True) if prev else value
        elif _is_sequence(value):
            prev = out.get(key)
            out[key] = merge_list(prev, list(value)) if prev else value
        elif isinstance(value, str):
            out[key] = ''.join([str(out.get(key, '')), value])
        else:
            out[key] = value
    return out


def _kind_of(value, schema):
    if isinstance(schema, collections.abc.Mapping):
        # a raw template definition rather than a parameters.Schema
        from heat.engine import parameters
        ptype = schema.get('type', schema.get('Type'))
        return (parameters.HOT_TYPES.get(ptype) or
                parameters.CFN_TYPES.get(ptype))
    if schema is not None:
        return getattr(schema, 'kind', None)
    if isinstance(value, collections.abc.Mapping):
        return 'map'
    if isinstance(value, list):
        return 'list'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    return None


def _merge_value(key, old_value, value, kind, deep_merge, strategy):
    from heat.engine import parameters

    try:
        if kind == 'map':
            value = parameters.parse_json(value)
            return merge_map(old_value or {}, value, deep_merge)
        if kind == 'list':
            return merge_list(old_value, value)
        if kind == 'string':
            return ''.join([str(old_value or ''), str(value)])
        if kind == 'number':
            from heat.engine import constraints
            return (constraints.str_to_num(old_value or 0) +
                    constraints.str_to_num(value))
    except (ValueError, TypeError) as exc:
        raise exception.InvalidEnvironment(
            message='Invalid parameter in environment %s.' % exc) from exc
    raise exception.InvalidMergeStrategyForParam(strategy=strategy,
                                                 param=key)


def merge_parameters(old, new, param_schemata, strategies_in_file,
                     available_strategies, env_file):
    """Merge one file's parameters (or defaults) into ``old``.

    Returns the merged mapping and the strategies first seen in this file.
    As upstream: the first file that sets a section is taken as is, and
    later names not in ``param_schemata`` (when given) are ignored.
    """
    new_strategies = {}
    if not old:
        return new, new_strategies
    old = dict(old)
    for key, value in new.items():
        if value is None:
            continue
        if param_schemata is not None and key not in param_schemata:
            continue
        strategy = get_param_merge_strategy(strategies_in_file, key)
        if key not in available_strategies:
            new_strategies[key] = strategy
        elif strategy != available_strategies[key]:
            raise exception.ConflictingMergeStrategyForParam(
                strategy=strategy, param=key, env_file=env_file)
        if strategy in (MERGE, DEEP_MERGE):
            schema = (param_schemata or {}).get(key)
            old[key] = _merge_value(key, old.get(key), value,
                                    _kind_of(value, schema),
                                    strategy == DEEP_MERGE, strategy)
        else:
            old[key] = value
    return old, new_strategies


def merge_environments(environment_files, files, params,
                       param_schemata=None):
    """Merge environment files (named in order, text in ``files``).

    ``params`` is the request's environment dict and is updated in place;
    ``param_schemata`` (name -> parameter schema, nested templates' too)
    lets the ``merge``/``deep_merge`` strategies know parameter types and
    limits which parameters are merged (as upstream); without it every
    name is merged and types are taken from the values.
    """
    if not environment_files:
        return params
    files = files or {}
    available_strategies = {}
    for filename in environment_files:
        if not isinstance(filename, str):
            # found by fuzzing: [[]] was a TypeError (unhashable), a 500
            raise exception.InvalidEnvironment(
                message='Environment file names must be strings, not %r'
                        % (filename,))
        if filename not in files:
            raise exception.InvalidEnvironment(
                message='Environment file "%s" was not found in files'
                        % filename)
        try:
            parsed = env_fmt.parse(files[filename], fill_missing=False)
        except exception.InvalidEnvironment as exc:
            raise exception.InvalidEnvironment(
                message='Environment file "%s": %s' % (filename, exc)
            ) from exc
        strategies = parsed.pop(env_fmt.PARAMETER_MERGE_STRATEGIES, {})
        for section, value in parsed.items():
            if not value:
                continue
            if section in (env_fmt.PARAMETERS, env_fmt.PARAMETER_DEFAULTS):
                params[section], new_strategies = merge_parameters(
                    params.get(section) or {}, value, param_schemata,
                    strategies, available_strategies, filename)
                available_strategies.update(new_strategies)
            elif isinstance(value, list):
                params[section] = list(params.get(section) or []) + value
            else:
                params[section] = merge_map(params.get(section) or {},
                                            value)
    return params
