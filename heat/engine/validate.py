"""Offline template validation: upstream's ``POST /validate``, no cloud.

:func:`validate_template` runs the whole template layer over a template,
its environment and its files, with no cloud, no database and no resource
plugins:

1. parse the template text (``template_format``);
2. merge the environment files and the user parameters into the
   environment;
3. ``Template.create`` and the template's structural ``validate()``;
4. parameters, with the user's values and ``parameter_defaults`` (cloud
   custom constraints such as ``glance.image`` cannot be checked: they are
   listed as not verified, never failed);
5. conditions;
6. resource definitions: each type resolved through the environment's
   registry (aliases, provider templates, which are validated recursively
   against the resource's properties) down to a known type; a cloud type
   fails, naming the service it needs; the literal properties of engine
   types and of group members are checked against what
   ``resource_types`` knows of them; function arguments are validated,
   with their path; the dependency graph is built and a cycle is reported;
   attributes asked of resources whose attributes are known must exist;
7. outputs.

The result is upstream's validate body (``Description``, ``Parameters``,
``ParameterGroups`` when the template has them, ``Environment``); every
error is a :class:`~heat.common.exception.StackValidationFailed` whose
message carries the path inside the template.

Functions resolve against :class:`OfflineStack`: a resource's reference is
its name, every attribute is None, there are no availability zones.
"""

import collections.abc
import copy
import dataclasses

from heat.common import exception
from heat.engine import function, resource_types

#: upstream's ``max_resources_per_stack`` default.
MAX_RESOURCES_PER_STACK = 1000
#: upstream's ``max_nested_stack_depth`` default.
MAX_NESTED_STACK_DEPTH = 5
#: the stack name upstream's validate uses.
STACK_NAME = 'dummy'
#: what a hidden parameter's value is shown as.
HIDDEN_VALUE = '******'
TEMPLATE_SUFFIXES = ('.yaml', '.template')
HOOK_NAMES = ('pre-create', 'pre-update', 'pre-delete', 'post-create',
              'post-update', 'post-delete')
#: how nested (provider) templates are validated: as the top-level one,
#: or only structurally (upstream's ``POST /validate``).
NESTED_CHECKS = (FULL, STRUCTURAL) = ('full', 'structural')


@dataclasses.dataclass(frozen=True)
class Unverified:
    """A constraint that needs a cloud to be checked."""

    path: str
    constraint: str
    service: str

    def __str__(self):
        return '%s: %s not verified (needs the %s service)' % (
            self.path, self.constraint, self.service)


@dataclasses.dataclass
class ValidationReport:
    """:func:`validate_template`'s result plus what could not be checked."""

    result: dict
    unverified: list = dataclasses.field(default_factory=list)

    @property
    def notes(self):
        return [str(u) for u in self.unverified]


class OfflineResource:
    """A placeholder resource: reference is its name, attributes None."""

    def __init__(self, name, definition=None):
        self.name = name
        self.definition = definition

    def FnGetRefId(self):
        return self.name

    def FnGetAtt(self, key, *path):
        return None

    def FnGetAtts(self):
        return {}


class OfflineParameters(collections.abc.Mapping):
    """The stack's parameters, as functions see them offline.

    A parameter with no value (none given, no default) is not an error
    when validating: its value is simply unknown, so it reads as None, as
    an attribute of a resource does.
    """

    def __init__(self, parameters):
        self._parameters = parameters

    def __getitem__(self, name):
        try:
            return self._parameters[name]
        except exception.UserParameterMissing:
            return None

    def __iter__(self):
        return iter(self._parameters)

    def __len__(self):
        return len(self._parameters)

    def __contains__(self, name):
        return name in self._parameters

    def __getattr__(self, name):
        return getattr(self._parameters, name)


class OfflineParentResource:
    """What ``resource_facade`` sees of the resource a nested stack is for."""

    def __init__(self, metadata=None, deletion_policy=None,
                 update_policy=None):
        self.metadata = metadata or {}
        self.deletion_policy = deletion_policy
        self.update_policy = update_policy or {}


class OfflineStack:
    """A stack with no cloud behind it (``StackLike``)."""

    def __init__(self, tmpl, name=STACK_NAME, parent_resource=None):
        self.t = tmpl
        self.name = name
        self.id = None
        self.tenant_id = None
        self.region_name = None
        self.parameters = {}
        self.parent_resource = parent_resource
        self.files = getattr(tmpl, 'files', None) or {}
        self.conditions = None
        self.definitions = None
        self._raw_names = set(_raw_resources(tmpl))

    def resource_by_name(self, name):
        if not self.has_resource(name):
            return None
        defn = (self.definitions or {}).get(name)
        return OfflineResource(name, defn)

    def has_resource(self, name):
        if not isinstance(name, collections.abc.Hashable):
            return False
        if self.definitions is not None:
            return name in self.definitions
        return name in self._raw_names

    def condition(self, name):
        if self.conditions is None:
            raise exception.StackValidationFailed(
                message='Conditions are not available yet (%s)' % (name,))
        try:
            return bool(self.conditions.is_enabled(name))
        except ValueError as exc:
            raise exception.StackValidationFailed(message=str(exc)) from exc

    def availability_zones(self):
        return []


def _raw_resources(tmpl):
    raw = getattr(tmpl, 't', None)
    if not isinstance(raw, dict):
        return {}
    key = 'Resources' if getattr(tmpl, 'template_type', '') == 'cfn' \
        else 'resources'
    section = raw.get(key)
    return section if isinstance(section, dict) else {}


def _section(tmpl, hot, cfn):
    return cfn if getattr(tmpl, 'template_type', '') == 'cfn' else hot


def _fail(message, path=(), error=None):
    return exception.StackValidationFailed(message=message, path=list(path),
                                           error=error)


def _prefixed(exc, prefix):
    """``exc`` (a StackValidationFailed) with ``prefix`` before its path."""
    return exception.StackValidationFailed(
        message=exc.error_message, path=list(prefix) + list(exc.path),
        error=exc.error)


def _as_validation_error(exc, path=()):
    """Any user-facing error as a StackValidationFailed at ``path``."""
    if isinstance(exc, exception.StackValidationFailed):
        if path and not exc.path:
            return _prefixed(exc, path)
        return exc
    return _fail(str(exc), path, error=type(exc).__name__)


def _try_resolve(snippet):
    """Best-effort value of ``snippet`` offline; None when unknown."""
    try:
        return function.resolve(snippet)
    except (exception.HeatException, ValueError, TypeError, KeyError,
            IndexError, AttributeError, RecursionError):
        return None


_TRUE = ('true', 't', 'on', 'y', 'yes', '1')
_FALSE = ('false', 'f', 'off', 'n', 'no', '0')


def _check_value(prop, value):
    """Raise ValueError, with upstream's text, when ``value`` breaks
    ``prop`` (a :class:`resource_types.Prop`)."""
    from heat.engine import constraints
    kind = prop.kind
    if kind == 'integer':
        if isinstance(value, bool) or isinstance(value, (list, dict)):
            raise ValueError("Value '%s' is not an integer" % (value,))
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ValueError("Value '%s' is not an integer"
                             % (value,)) from None
    elif kind == 'number':
        if isinstance(value, (bool, list, dict)):
            raise ValueError("Value '%s' is not a number" % (value,))
        try:
            value = constraints.str_to_num(value)
        except (TypeError, ValueError):
            raise ValueError("Value '%s' is not a number"
                             % (value,)) from None
    elif kind == 'boolean':
        if not isinstance(value, bool) and not (
                isinstance(value, str) and
                value.lower() in _TRUE + _FALSE):
            raise ValueError('"%s" is not a valid boolean' % (value,))
    elif kind == 'string':
        if isinstance(value, (list, dict)):
            raise ValueError('Value must be a string; got %r' % (value,))
        if not isinstance(value, str):
            value = str(value)
    elif kind == 'list':
        if not isinstance(value, list):
            raise ValueError('"%s" is not a list' % (value,))
    elif kind == 'map':
        if not isinstance(value, dict):
            raise ValueError('"%s" is not a map' % (value,))
    if prop.allowed:
        constraints.AllowedValues(list(prop.allowed)).validate(value)
    if prop.value_range is not None:
        low, high = prop.value_range
        constraints.Range(min=low, max=high).validate(value)


def _check_properties(type_name, props, path):
    """Check ``props`` (a parsed snippet) against what is known of
    ``type_name``'s properties; errors name the property."""
    schema = resource_types.properties_schema(type_name)
    if schema is None or not isinstance(props, (dict, type(None))):
        return
    props = props or {}
    for key in props:
        if schema.closed and key not in schema.props:
            raise _fail('Unknown Property %s' % (key,), path,
                        error='Property error')
    for key, prop in schema.props.items():
        value = props.get(key)
        if _has_function(value):
            # Known only once the stack exists: offline, parameters may
            # have no value and attributes are placeholders.
            continue
        if value is None:
            if prop.required:
                raise _fail('Property %s not assigned' % key, path,
                            error='Property error')
            continue
        try:
            _check_value(prop, value)
        except ValueError as exc:
            raise _fail(str(exc), list(path) + [key],
                        error='Property error') from exc


def _has_function(snippet):
    if isinstance(snippet, function.Function):
        return True
    if isinstance(snippet, dict):
        return any(_has_function(v) for v in snippet.values())
    if isinstance(snippet, list):
        return any(_has_function(v) for v in snippet)
    return False


class _Validator:
    """Validates one template (the top-level one or a nested one)."""

    def __init__(self, tmpl, files, env, depth=0, in_progress=(),
                 parent_resource=None, show_nested=False, services=(),
                 nested_checks=FULL, structural=False):
        self.tmpl = tmpl
        self.files = files
        self.env = env
        self.depth = depth
        self.in_progress = tuple(in_progress)
        self.show_nested = show_nested
        #: FULL: nested templates are validated as the top-level one;
        #: STRUCTURAL: as upstream's validate, only their structure
        self.nested_checks = nested_checks
        #: whether this (nested) template is checked structurally only
        self.structural = structural
        self.services = tuple(services)
        self.stack = OfflineStack(tmpl, parent_resource=parent_resource)
        self.unverified = []
        self.nested = {}
        #: resource name -> (attribute names, prefixes) when known
        self.known_attributes = {}
        self.res_section = _section(tmpl, 'resources', 'Resources')
        self.props_key = _section(tmpl, 'properties', 'Properties')

    # -- the steps -----------------------------------------------------

    def run(self, user_params=None, check_values=True):
        """Validate; return the Parameters object."""
        self._check_structure()
        params = self._check_parameters(user_params, check_values)
        self._check_parameter_groups()
        if self.structural:
            self._walk_providers()
            return params
        self._check_conditions()
        self._check_resources()
        self._check_outputs()
        return params

    def _check_structure(self):
        try:
            self.tmpl.validate()
        except exception.HeatException as exc:
            raise _as_validation_error(exc) from exc
        count = len(_raw_resources(self.tmpl))
        if count > MAX_RESOURCES_PER_STACK:
            raise exception.StackValidationFailed(
                message='Request limit exceeded: You have reached the '
                        'maximum resources per stack (%d), please delete '
                        'some resources.' % MAX_RESOURCES_PER_STACK,
                error='RequestLimitExceeded')

    def _check_parameters(self, user_params, check_values):
        env = self.env
        param_defaults = dict(getattr(env, 'param_defaults', None) or {})
        try:
            params = self.tmpl.parameters(
                self.stack.name, None, None,
                user_params=user_params or {},
                param_defaults=param_defaults)
        except exception.HeatException as exc:
            raise _as_validation_error(exc) from exc
        self.stack.parameters = OfflineParameters(params)
        try:
            params.validate(validate_value=False)
        except exception.HeatException as exc:
            raise _as_validation_error(exc) from exc
        if check_values and user_params:
            self._check_user_values(params, user_params)
        unverified = getattr(params, 'unverified', None)
        if callable(unverified):
            for name, constraint, service in unverified():
                self.unverified.append(Unverified(
                    '%s.%s' % (_section(self.tmpl, 'parameters',
                                        'Parameters'), name),
                    constraint, service))
        return params

    def _check_user_values(self, params, user_params):
        # Upstream's validate does not check values (strict_validate is
        # off); an offline tool should, for the values the user gave.
        by_name = getattr(params, 'params', None) or {}
        for name in user_params:
            param = by_name.get(name)
            if param is None:
                continue
            try:
                param.validate(validate_value=True)
            except exception.HeatException as exc:
                raise _as_validation_error(exc) from exc

    @staticmethod
    def _check_provided_properties(child, provided, param_defaults, path):
        """The parent's properties against a provider's parameters."""
        try:
            schemata = child.param_schemata()
        except exception.HeatException as exc:
            raise _as_validation_error(exc, path) from exc
        for key in sorted(provided, key=str):
            if key not in schemata:
                raise _fail('Unknown Property %s' % key, path,
                            error='Property error')
        for name, schema in schemata.items():
            if name in provided or name in param_defaults:
                continue
            if getattr(schema, 'default', None) is None:
                raise _fail('Property %s not assigned' % name, path,
                            error='Property error')

    def _check_parameter_groups(self):
        key = _section(self.tmpl, 'parameter_groups', 'ParameterGroups')
        raw = self.tmpl.t.get(key) if isinstance(self.tmpl.t, dict) else None
        if raw is None:
            return
        if not isinstance(raw, list):
            raise _fail('Parameter Groups must be a list', [key])
        schemata = self.tmpl.param_schemata()
        grouped = set()
        for index, group in enumerate(raw):
            path = [key, index]
            if not isinstance(group, dict):
                raise _fail('Parameter Groups must contain mappings', path)
            names = group.get('parameters')
            if names is None:
                raise _fail('Parameters must be provided for each Parameter '
                            'Group.', path)
            if not isinstance(names, list):
                raise _fail('Parameters must be a list', path +
                            ['parameters'])
            for name in names:
                if not isinstance(name, collections.abc.Hashable) or \
                        name not in schemata:
                    raise _fail('The grouped parameter %s does not '
                                'reference a valid parameter.' % (name,),
                                path + ['parameters'])
                if name in grouped:
                    raise _fail('The %s parameter must be assigned to one '
                                'parameter group only.' % name,
                                path + ['parameters'])
                grouped.add(name)

    def _check_conditions(self):
        try:
            conditions = self.tmpl.conditions(self.stack)
            self.stack.conditions = conditions
            validate = getattr(conditions, 'validate', None)
            if callable(validate):
                validate()
        except exception.HeatException as exc:
            raise _as_validation_error(
                exc, [_section(self.tmpl, 'conditions', 'Conditions')]
            ) from exc

    def _check_resources(self):
        try:
            definitions = self.tmpl.resource_definitions(self.stack)
        except exception.HeatException as exc:
            raise _as_validation_error(exc, [self.res_section]) from exc
        self.stack.definitions = definitions
        param_names = set(self.tmpl.param_schemata())
        dup = sorted(param_names & set(definitions))
        if dup:
            raise _fail('Duplicate names %s' % dup)
        # Types first: a template that needs a cloud says so before any
        # other complaint about it.
        for name, defn in definitions.items():
            self._check_type(name, defn, [self.res_section, name])
        edges = []
        for name, defn in definitions.items():
            path = [self.res_section, name]
            self._check_functions(defn, path)
            self._check_hooks(name, path)
            try:
                deps = list(defn.dependencies(self.stack))
            except exception.HeatException as exc:
                raise _as_validation_error(exc, path) from exc
            edges.extend((name, dep) for dep in deps)
            for dep in deps:
                if dep == name:
                    raise _fail('Circular Dependency Found: %s' % name,
                                path, error='CircularDependencyException')
        self._check_graph(definitions, edges)
        self._check_attributes(definitions)

    def _check_functions(self, defn, path):
        try:
            defn.validate()
        except exception.StackValidationFailed:
            raise
        except exception.HeatException as exc:
            raise _as_validation_error(exc, path) from exc
        for field, key in (('properties', self.props_key),
                           ('metadata', _section(self.tmpl, 'metadata',
                                                 'Metadata'))):
            self._check_get_file(getattr(defn, field, None),
                                 list(path) + [key])

    def _check_get_file(self, snippet, path):
        """A literal ``get_file`` name must be in the files map: offline
        nothing else can supply it (upstream fails when resolving)."""
        stack = [(snippet, path)]
        while stack:
            node, where = stack.pop()
            if isinstance(node, function.Function):
                if node.fn_name == 'get_file' and isinstance(node.args, str) \
                        and node.args not in self.files:
                    raise _fail('No content found in the "files" section '
                                'for get_file path: %s' % node.args,
                                where + ['get_file'])
                stack.append((node.args, where + [node.fn_name]))
            elif isinstance(node, dict):
                stack.extend((v, where + [k]) for k, v in node.items())
            elif isinstance(node, (list, tuple)):
                stack.extend((v, where + [i]) for i, v in enumerate(node))

    def _check_hooks(self, name, path):
        registry = getattr(self.env, 'registry', None)
        hooks = getattr(registry, 'hooks', None)
        if not callable(hooks):
            return
        try:
            found = hooks(name) or ()
        except exception.HeatException as exc:
            raise _as_validation_error(exc, path) from exc
        if isinstance(found, str):
            found = [found]
        for hook in found:
            if hook not in HOOK_NAMES:
                raise _fail('Invalid hook type "%s" for resource breakpoint, '
                            'acceptable hook types are: %s'
                            % (hook, list(HOOK_NAMES)), path,
                            error='InvalidBreakPointHook')

    def _check_graph(self, definitions, edges):
        from heat.engine import dependencies
        graph = dependencies.Dependencies(
            [(name, None) for name in definitions] + edges)
        try:
            list(graph)  # the topological order; a cycle raises
        except exception.HeatException as exc:
            raise _as_validation_error(exc, [self.res_section]) from exc

    def _check_outputs(self):
        section = _section(self.tmpl, 'outputs', 'Outputs')
        try:
            outputs = self.tmpl.outputs(self.stack)
        except exception.HeatException as exc:
            raise _as_validation_error(exc, [section]) from exc
        for name, output in outputs.items():
            path = [section, name]
            try:
                output.validate()
            except exception.HeatException as exc:
                raise _as_validation_error(exc, path) from exc
            if getattr(output, 'enabled', True):
                self._check_get_file(output.value, path + [
                    _section(self.tmpl, 'value', 'Value')])
            self._check_attr_refs(output.value,
                                  path + [_section(self.tmpl, 'value',
                                                   'Value')])

    # -- resource types ------------------------------------------------

    def _check_type(self, name, defn, path):
        type_name = defn.resource_type
        final = self._resolve(type_name, name, path, defn=defn,
                              provided=self._property_names(defn))
        if final is not None:
            attrs = resource_types.attribute_schema(final)
            if attrs is not None:
                self.known_attributes[name] = attrs
            _check_properties(final, defn.properties,
                              list(path) + [self.props_key])
            self._check_members(name, final, defn, path)
            for prop, constraint in resource_types.cloud_property_constraints(
                    final).items():
                props = defn.properties
                if isinstance(props, dict) and prop in props:
                    self.unverified.append(Unverified(
                        '.'.join(map(str, path + [self.props_key, prop])),
                        constraint, constraint.split('.', 1)[0]))

    @staticmethod
    def _property_names(defn):
        props = defn.properties
        if props is None:
            return set()
        if isinstance(props, dict):
            return set(props)
        return None  # a function: not known until it is resolved

    def _resolve(self, type_name, resource_name, path, defn=None,
                 provided=None, nested=None, validate_nested=True):
        """Follow the registry to a known type; return its name.

        Provider templates are validated here (recursively); then None is
        returned since there is no type left to look at.
        """
        seen = []
        current = type_name
        registry = getattr(self.env, 'registry', None)
        while True:
            if not isinstance(current, str) or not current:
                raise _fail('Resource type must be a non-empty string, not '
                            '%r' % (current,), path)
            if current in seen:
                raise _fail('Resource type %s maps back to itself through '
                            'the resource_registry (%s)'
                            % (type_name, ' -> '.join(seen + [current])),
                            path)
            seen.append(current)
            info = None
            if registry is not None:
                try:
                    info = registry.get_resource_info(
                        current, resource_name=resource_name)
                except exception.HeatException as exc:
                    raise _as_validation_error(exc, path) from exc
            kind = getattr(info, 'kind', None)
            value = getattr(info, 'value', None)
            if kind == 'alias' and value != current:
                current = value
                continue
            if kind == 'template' or (
                    info is None and current.endswith(TEMPLATE_SUFFIXES)):
                template_name = value if kind == 'template' else current
                if current == type_name and template_name == type_name:
                    self._register_template_type(registry, type_name)
                if nested is None:
                    nested = ([self.res_section], resource_name, self.nested)
                if validate_nested:
                    self._check_provider(resource_name, type_name,
                                         template_name, path, defn, provided,
                                         nested)
                elif self.show_nested:
                    self._show_unvalidated(type_name, template_name, nested)
                return None
            if kind == 'type' and isinstance(value, str):
                current = value
            try:
                resource_types.check_available(current, self.services)
            except exception.HeatException as exc:
                raise _as_validation_error(exc, path) from exc
            return current

    @staticmethod
    def _register_template_type(registry, type_name):
        """A template file named directly as a type is entered in the
        environment's registry as mapping to itself, as upstream does
        (validate's ``Environment`` then shows ``{'mynested.yaml':
        'mynested.yaml'}``)."""
        load = getattr(registry, 'load', None)
        as_dict = getattr(registry, 'as_dict', None)
        if not callable(load) or not callable(as_dict) or \
                type_name in as_dict():
            return
        try:
            load({type_name: type_name})
        except exception.HeatException:
            pass  # not a name the registry takes: nothing to show

    def _show_unvalidated(self, type_name, template_name, nested):
        """show_nested entry of a member template that is not validated."""
        _prefix, label, into = nested
        from heat.common import template_format
        from heat.engine import template as templatem
        try:
            child = templatem.Template.create(
                template_format.parse(self.files[template_name]),
                files=self.files, env=self.env)
            params = child.parameters(
                self.stack.name, None, None,
                param_defaults=dict(self.env.param_defaults or {}))
            into[label] = {'Description': _description(child),
                           'Parameters': _parameters_output(params),
                           'Type': type_name}
        except (exception.HeatException, ValueError, KeyError):
            pass  # not validated: nothing to show

    def _check_provider(self, resource_name, type_name, template_name, path,
                        defn, provided, nested):
        prefix, label, into = nested
        where = list(prefix) + ['%s<%s>' % (label, template_name)]
        if self.depth + 1 > MAX_NESTED_STACK_DEPTH or \
                template_name in self.in_progress:
            raise _fail('Recursion depth exceeds %d.'
                        % MAX_NESTED_STACK_DEPTH, where)
        content = self.files.get(template_name) if isinstance(
            self.files, dict) else None
        if content is None:
            raise _fail('Could not fetch remote template "%s": it is not in '
                        'the files map (offline validation fetches no URLs)'
                        % template_name, path)
        from heat.engine import environment as envm
        try:
            child_env = envm.get_child_environment(
                self.env, None, child_resource_name=resource_name)
        except exception.HeatException as exc:
            raise _as_validation_error(exc, where) from exc
        from heat.common import template_format
        from heat.engine import template as templatem
        try:
            child_dict = template_format.parse(content)
            child = templatem.Template.create(child_dict, files=self.files,
                                              env=child_env)
        except exception.HeatException as exc:
            raise _as_validation_error(exc, where) from exc
        except ValueError as exc:
            raise _fail(str(exc), where) from exc
        parent = None
        if defn is not None:
            parent = OfflineParentResource(
                metadata=_try_resolve(defn.metadata) or {},
                deletion_policy=_try_resolve(defn.deletion_policy),
                update_policy=_try_resolve(defn.update_policy) or {})
        validator = _Validator(child, self.files, child_env,
                               depth=self.depth + 1,
                               in_progress=self.in_progress + (
                                   template_name,),
                               parent_resource=parent,
                               show_nested=self.show_nested,
                               services=self.services,
                               nested_checks=self.nested_checks,
                               structural=self.nested_checks == STRUCTURAL)
        if provided is not None:
            self._check_provided_properties(
                child, provided, child_env.param_defaults,
                list(path) + [self.props_key])
        try:
            params = validator.run(
                user_params=self._known_property_values(defn, child),
                check_values=False)
        except exception.StackValidationFailed as exc:
            raise _prefixed(exc, where) from exc
        self.unverified.extend(validator.unverified)
        # No known_attributes for a provider-template resource: as
        # upstream (its get_attribute is its own), get_attr of one is not
        # judged against the outputs of the template given now; a missing
        # output is an error of the output that reads it, once resolved
        # (an update may change the template while another one runs).
        if self.show_nested:
            into[label] = validator.nested_entry(params, type_name)

    @staticmethod
    def _known_property_values(defn, child):
        """The parent's property values known offline (literals, parameter
        values), passed as the nested parameters' values (upstream's
        ``show_nested`` shows them as ``Value``)."""
        if defn is None:
            return None
        props = _try_resolve(defn.properties)
        if not isinstance(props, dict):
            return None
        try:
            names = set(child.param_schemata())
        except exception.HeatException:
            return None
        return {k: v for k, v in props.items()
                if k in names and v is not None}

    def _walk_providers(self):
        """A nested template checked structurally (upstream's validate
        does not validate a nested stack's resources): with
        ``show_nested``, its provider resources are followed for their
        parameters; nothing else of its resources is checked."""
        if not self.show_nested:
            return
        registry = getattr(self.env, 'registry', None)
        type_key = _section(self.tmpl, 'type', 'Type')
        for name, raw in _raw_resources(self.tmpl).items():
            type_name = raw.get(type_key) if isinstance(raw, dict) else None
            if not isinstance(type_name, str) or registry is None:
                continue
            try:
                info = registry.get_resource_info(type_name,
                                                  resource_name=name)
            except exception.HeatException:
                continue
            if getattr(info, 'kind', None) != 'template':
                continue
            self._check_provider(name, type_name, info.value,
                                 [self.res_section, name], None, None,
                                 ([self.res_section], name, self.nested))

    def nested_entry(self, params, type_name):
        entry = {'Description': _description(self.tmpl),
                 'Parameters': _parameters_output(params),
                 'Type': type_name}
        if self.nested:
            entry['NestedParameters'] = self.nested
        return entry

    # -- group members -------------------------------------------------

    def _check_members(self, name, final_type, defn, path):
        props = defn.properties
        if not isinstance(props, dict):
            return
        members = []
        count = 1
        if final_type in ('OS::Heat::ResourceGroup',
                          'OS::Heat::AutoScalingGroup'):
            key = ('resource_def' if final_type == 'OS::Heat::ResourceGroup'
                   else 'resource')
            member = props.get(key)
            if final_type == 'OS::Heat::ResourceGroup':
                count = _try_resolve(props.get('count', 1))
            else:
                count = _try_resolve(props.get(
                    'desired_capacity', props.get('min_size', 1)))
            if isinstance(member, dict):
                members.append((member.get('type'),
                                member.get('properties'), key, '0'))
        elif final_type == 'OS::Heat::ResourceChain':
            chain = props.get('resources')
            if isinstance(chain, list):
                for index, mtype in enumerate(chain):
                    members.append((mtype, props.get('resource_properties'),
                                    'resources[%d]' % index, str(index)))
        elif final_type in ('AWS::AutoScaling::AutoScalingGroup',
                            'OS::Heat::InstanceGroup'):
            lc_props = self._launch_config_properties(props)
            if lc_props is not None:
                members.append(('AWS::EC2::Instance', lc_props,
                                'LaunchConfigurationName', '0'))
            count = _try_resolve(props.get(
                'DesiredCapacity', props.get('MinSize', props.get('Size'))))
        group_entry = {'Description': 'No description', 'Parameters': {},
                       'Type': defn.resource_type, 'NestedParameters': {}}
        for mtype, mprops, key, label in members:
            if isinstance(mtype, function.Function):
                continue  # only known once resolved
            mpath = list(path) + [self.props_key, key]
            if isinstance(mprops, dict):
                provided = set(mprops)
            elif mprops is None:
                provided = set()
            else:
                provided = None
            nested = ([self.res_section, '%s<nested_stack>' % name,
                       self.res_section], label,
                      group_entry['NestedParameters'])
            final = self._resolve(mtype, None, mpath, provided=provided,
                                  nested=nested,
                                  validate_nested=count not in (0, '0'))
            if final is not None and count not in (0, '0') and \
                    isinstance(mprops, (dict, type(None))):
                _check_properties(final, mprops,
                                  mpath + [self.props_key])
        if self.show_nested and group_entry['NestedParameters']:
            self.nested[name] = group_entry

    def _launch_config_properties(self, props):
        lc_ref = props.get('LaunchConfigurationName')
        if lc_ref is None:
            return None
        names = [n for n in function.dependencies(lc_ref)
                 if isinstance(n, str)]
        defs = self.stack.definitions or {}
        if len(names) != 1 or names[0] not in defs:
            return None
        lc_props = defs[names[0]].properties
        if not isinstance(lc_props, dict):
            return None
        # Upstream passes the configuration's properties and the group's
        # tags to each member instance.
        passed = dict(lc_props)
        passed.setdefault('Tags', None)
        return passed

    # -- attributes of resources whose attributes are known -------------

    def _check_attributes(self, definitions):
        if not self.known_attributes:
            return
        for name, defn in definitions.items():
            for field, key in (('properties', self.props_key),
                               ('metadata', _section(self.tmpl, 'metadata',
                                                     'Metadata'))):
                self._check_attr_refs(getattr(defn, field, None),
                                      [self.res_section, name, key])

    def _check_attr_refs(self, snippet, path):
        if snippet is None or not self.known_attributes:
            return
        # One walk for the names used, then only those resources' attrs:
        # walking once per known resource would be quadratic.
        used = set(n for n in function.dependencies(snippet)
                   if isinstance(n, collections.abc.Hashable))
        for resource in used & set(self.known_attributes):
            names, prefixes = self.known_attributes[resource]
            for attr in function.dep_attrs(snippet, resource):
                if isinstance(attr, tuple) and attr:
                    attr = attr[0]
                if not isinstance(attr, str):
                    continue
                if attr in names or attr.startswith(prefixes):
                    continue
                err = exception.InvalidTemplateAttribute(resource=resource,
                                                         key=attr)
                raise _fail(str(err), path,
                            error='InvalidTemplateAttribute')


def _description(tmpl):
    raw = tmpl.t if isinstance(getattr(tmpl, 't', None), dict) else {}
    key = _section(tmpl, 'description', 'Description')
    value = raw.get(key)
    if value is None:
        return 'No description'
    return value


def _parameters_output(params):
    if params is None:
        return {}
    return params.validate_output(mask_hidden=True)


def _environment_output(env, params):
    out = copy.deepcopy(env.user_env_as_dict())
    hidden = {name for name, entry in params.validate_output().items()
              if entry.get('NoEcho') == 'true'}
    for section in ('parameters', 'parameter_defaults'):
        values = out.get(section)
        if isinstance(values, dict):
            for name in hidden & set(values):
                values[name] = HIDDEN_VALUE
    return out


def _build_environment(environment, environment_files, files, params):
    from heat.common import environment_format
    from heat.engine import environment as envm
    try:
        env_dict = environment_format.parse(
            copy.deepcopy(environment) if environment is not None else {})
        if environment_files:
            envm.merge_environments(environment_files, files or {},
                                    env_dict)
        if params:
            if not isinstance(params, dict):
                raise _fail('Parameters must be a mapping of names to '
                            'values')
            merged = dict(env_dict.get('parameters') or {})
            merged.update(params)
            env_dict['parameters'] = merged
        return envm.Environment(env_dict)
    except exception.HeatException as exc:
        raise _as_validation_error(exc) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise _fail('Invalid environment: %s' % exc,
                    error='InvalidEnvironment') from exc


def check_template(template, files=None, environment=None,
                   environment_files=None, params=None, show_nested=False,
                   services=(), nested_checks=None):
    """Validate; return a :class:`ValidationReport`.

    ``services`` are the cloud services that can be reached; none, by
    default (offline). ``nested_checks``: :data:`FULL` (the default)
    validates nested (provider) templates as the top-level one;
    :data:`STRUCTURAL` only their structure, parameters and the parent's
    properties against them, as upstream's ``POST /validate`` does.
    """
    try:
        return _check_template(template, files, environment,
                               environment_files, params, show_nested,
                               services, nested_checks or FULL)
    except RecursionError as exc:
        # Deep nesting is the user's input, not our failure.
        raise _fail('The template is nested too deeply to be '
                    'validated.') from exc


def _check_template(template, files=None, environment=None,
                   environment_files=None, params=None, show_nested=False,
                   services=(), nested_checks=None):
    from heat.common import template_format
    from heat.engine import template as templatem

    if template is None:
        raise _fail('No Template provided.')
    if files is not None and not isinstance(files, dict):
        raise _fail('files must be a mapping of names to contents')
    for name, value in (files or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise _fail('files must map names to text; %r is not' % (name,))
    if environment is not None and not isinstance(environment,
                                                  (str, dict)):
        raise _fail('The environment must be a mapping or text, not %s'
                    % type(environment).__name__)
    if environment_files is not None and (
            not isinstance(environment_files, list) or
            not all(isinstance(n, str) for n in environment_files)):
        raise _fail('environment_files must be a list of names in files')
    files = dict(files or {})
    try:
        tmpl_dict = template_format.parse(template)
    except exception.HeatException as exc:
        raise _as_validation_error(exc) from exc
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    env = _build_environment(environment, environment_files, files, params)
    try:
        tmpl = templatem.Template.create(tmpl_dict, files=files, env=env)
    except exception.HeatException as exc:
        raise _as_validation_error(exc) from exc

    if nested_checks not in (None,) + NESTED_CHECKS:
        raise ValueError('nested_checks must be one of %s'
                         % (NESTED_CHECKS,))
    validator = _Validator(tmpl, files, env, show_nested=show_nested,
                           services=services,
                           nested_checks=nested_checks or FULL)
    user_params = dict(getattr(env, 'params', None) or {})
    try:
        parameters = validator.run(user_params=user_params)
    except exception.StackValidationFailed as exc:
        # What could not be checked before the error is still worth
        # telling (heat-manage prints it).
        exc.unverified = list(validator.unverified)
        raise

    result = {'Description': _description(tmpl),
              'Parameters': _parameters_output(parameters)}
    groups_key = _section(tmpl, 'parameter_groups', 'ParameterGroups')
    if tmpl.t.get(groups_key):
        result['ParameterGroups'] = tmpl.t[groups_key]
    if show_nested and validator.nested:
        result['NestedParameters'] = validator.nested
    result['Environment'] = _environment_output(env, parameters)
    return ValidationReport(result=result, unverified=validator.unverified)


def validate_template(template, files=None, environment=None,
                      environment_files=None, params=None,
                      show_nested=False, nested_checks=None):
    """Upstream's ``POST /validate`` body for ``template``, offline.

    ``template`` is YAML/JSON text or a parsed mapping; ``files`` maps
    names (``get_file`` arguments, provider template names) to contents;
    ``environment`` is an environment (text or mapping);
    ``environment_files`` names environments in ``files`` merged in order
    on top of it; ``params`` are the user's parameter values, which win;
    ``nested_checks`` as :func:`check_template`'s.
    Raises :class:`~heat.common.exception.StackValidationFailed`.
    """
    return check_template(template, files=files, environment=environment,
                          environment_files=environment_files,
                          params=params, show_nested=show_nested,
                          nested_checks=nested_checks).result
