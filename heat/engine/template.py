"""The template base class and the registry of template versions.

:meth:`Template.create` reads the version key of a parsed template
(``heat_template_version``, ``AWSTemplateFormatVersion`` or
``HeatTemplateFormatVersion``) and builds the class registered for it
(``heat.engine.hot.template``, ``heat.engine.cfn.template``). The common
machinery lives here: parsing snippets into ``Function`` objects with the
version's function tables, the named conditions, and the structural checks
that both formats share; each format says what its sections and keys are
called and which keys each version allows.
"""

import collections.abc
import datetime
import weakref

from heat.common import exception
from heat.engine import conditions as conditionsm
from heat.engine import function, rsrc_defn
from heat.engine import output as outputm

#: ``{(version_key, version_value): class}``, aliases included.
_TEMPLATE_CLASSES = {}

VERSION_KEYS = ('heat_template_version', 'AWSTemplateFormatVersion',
                'HeatTemplateFormatVersion')


def register(version_key, *values):
    """Class decorator: the class handles these values of the key."""
    def wrap(cls):
        for value in values:
            _TEMPLATE_CLASSES[(version_key, value)] = cls
        return cls
    return wrap


def _load_formats():
    # The format modules register themselves when imported; they import
    # this module, so they are loaded on first use rather than at the top.
    from heat.engine.cfn import template as _cfn  # noqa: F401
    from heat.engine.hot import template as _hot  # noqa: F401


def template_classes():
    """``{(version_key, version_value): class}`` of every known version."""
    if not _TEMPLATE_CLASSES or not any(
            k == 'heat_template_version' for k, _ in _TEMPLATE_CLASSES) \
            or not any(k != 'heat_template_version'
                       for k, _ in _TEMPLATE_CLASSES):
        _load_formats()
    return _TEMPLATE_CLASSES


def _version_text(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def get_version(tmpl):
    """The ``(key, value)`` version of a parsed template.

    Raises :class:`~heat.common.exception.InvalidTemplateVersion` when no
    version key is present or more than one is.
    """
    if not isinstance(tmpl, collections.abc.Mapping):
        raise exception.InvalidTemplateVersion(
            explanation='The template must be a map of sections, not a %s'
                        % type(tmpl).__name__)
    present = [k for k in VERSION_KEYS if k in tmpl]
    if len(present) > 1:
        raise exception.InvalidTemplateVersion(
            explanation='Ambiguous versions (%s)' % ', '.join(present))
    if not present:
        raise exception.InvalidTemplateVersion(
            explanation='Template version was not provided (the template '
                        'needs one of %s)' % ', '.join(VERSION_KEYS))
    key = present[0]
    return key, _version_text(tmpl[key])


def get_template_class(tmpl):
    """The class for the version of ``tmpl`` (a parsed template)."""
    key, value = get_version(tmpl)
    classes = template_classes()
    try:
        return classes[(key, value)]
    except (KeyError, TypeError):
        pass
    available = sorted(v for k, v in classes if k == key)
    if len(available) > 1:
        explanation = '"%s: %s". "%s" should be one of: %s' % (
            key, value, key, ', '.join(available))
    else:
        explanation = '"%s: %s". "%s" should be: %s' % (
            key, value, key, ', '.join(available))
    raise exception.InvalidTemplateVersion(explanation=explanation)


def _type_name(value):
    if isinstance(value, str):
        return 'string'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, collections.abc.Mapping):
        return 'map'
    if isinstance(value, (list, tuple)):
        return 'list'
    if value is None:
        return 'null'
    return type(value).__name__


#: the longest resource name (the resource table's column)
MAX_RESOURCE_NAME = 255


def _fail(message, path):
    return exception.StackValidationFailed(message=message, path=list(path))


class Template(collections.abc.Mapping):
    """A parsed template of one format version.

    Subclasses set the section and key names (``SECTIONS``,
    ``RESOURCE_KEYS``, ``OUTPUT_KEYS``, ...) and ``canonical_version``;
    the function tables come from ``heat.engine.hot.functions`` or
    ``heat.engine.cfn.functions`` (:meth:`_function_module`).
    """

    template_type = None
    canonical_version = None
    #: ``(VERSION, DESCRIPTION, ...)``: top-level sections of the version
    SECTIONS = ()
    VERSION = DESCRIPTION = PARAMETERS = RESOURCES = OUTPUTS = None
    PARAMETER_GROUPS = MAPPINGS = CONDITIONS = None
    #: field -> key in a resource definition (``None``: not in the version)
    RESOURCE_KEYS = {}
    #: field -> key in an output definition
    OUTPUT_KEYS = {}
    deletion_policies = {'Delete': rsrc_defn.DELETE,
                         'Retain': rsrc_defn.RETAIN,
                         'Snapshot': rsrc_defn.SNAPSHOT}

    @classmethod
    def create(cls, tmpl, files=None, env=None):
        """A template of the class its version key asks for."""
        klass = get_template_class(tmpl)
        return klass(tmpl, files=files, env=env)

    def __init__(self, tmpl, files=None, env=None, template_id=None):
        self.t = tmpl
        self.files = dict(files or {})
        self._env = env
        self.id = template_id
        self.version = get_version(tmpl)
        self._conditions_cache = (None, None)

    # -- environment, function tables ------------------------------------

    @property
    def env(self):
        if self._env is None:
            from heat.engine import environment
            self._env = environment.Environment({})
        return self._env

    @env.setter
    def env(self, value):
        self._env = value

    @classmethod
    def _function_module(cls):
        raise NotImplementedError

    @property
    def functions(self):
        """name -> Function class, for this version."""
        return self._function_module().FUNCTIONS[self.canonical_version]

    @property
    def condition_functions(self):
        """name -> Function class allowed in conditions."""
        return self._function_module().CONDITION_FUNCTIONS.get(
            self.canonical_version, {})

    @classmethod
    def _known_names(cls, condition=False):
        """Every function name of the format, in any version.

        Outside conditions only the ordinary functions count: a condition
        function name (``equals``) there is plain data, as upstream.
        """
        mod = cls._function_module()
        names = frozenset(mod.ALL_FUNCTION_NAMES)
        if condition:
            names |= frozenset(getattr(mod, 'ALL_CONDITION_FUNCTION_NAMES',
                                       ()))
        return names

    # -- sections --------------------------------------------------------

    @property
    def has_conditions(self):
        return self.CONDITIONS is not None

    def _key_of(self, section):
        """The template's key for a section given in either format."""
        if section in self.SECTIONS:
            return section
        translated = _SECTION_ALIASES.get(section)
        if translated is not None:
            key = getattr(self, translated)
            if key is not None:
                return key
            if translated in ('MAPPINGS', 'PARAMETER_GROUPS', 'CONDITIONS'):
                return None
        raise KeyError('"%s" is not a valid template section' % section)

    def __getitem__(self, section):
        """The raw section (either format's name), with its default."""
        key = self._key_of(section)
        if key is None:
            return {} if section not in ('ParameterGroups',
                                         'parameter_groups') else []
        value = self.t.get(key)
        if key == self.VERSION:
            return self.version[1]
        if value is None:
            if key == self.DESCRIPTION:
                return 'No description'
            if key == self.PARAMETER_GROUPS:
                return []
            return {}
        return value

    def __iter__(self):
        return (s for s in self.SECTIONS if s != self.VERSION)

    def __len__(self):
        return len(self.SECTIONS) - 1

    def get_section_name(self, key):
        """This format's name of a section or field named in either one."""
        if key in _HOT_TO_CFN_FIELDS or key in _CFN_TO_HOT_FIELDS:
            hot = _CFN_TO_HOT_FIELDS.get(key, key)
            names = dict(self.RESOURCE_KEYS)
            names.update(self.OUTPUT_KEYS)
            if names.get(hot):
                return names[hot]
        translated = _SECTION_ALIASES.get(key)
        if translated is not None and getattr(self, translated):
            return getattr(self, translated)
        return key

    def _section(self, key, kind, default):
        """The raw section ``key``, checked to be of ``kind``."""
        value = self.t.get(key) if key is not None else None
        if value is None:
            return default
        if not isinstance(value, kind):
            expected = 'map' if kind is dict else 'list'
            raise _fail('The "%s" section must be a %s, not a %s'
                        % (key, expected, _type_name(value)), [key])
        return value

    def all_rsrc_names(self):
        """Every resource name of the template, conditions ignored."""
        resources = self.t.get(self.RESOURCES)
        if isinstance(resources, collections.abc.Mapping):
            return list(resources)
        return []

    # -- parsing ---------------------------------------------------------

    def parse(self, stack, snippet, path=''):
        """``snippet`` with function calls replaced by Function objects."""
        return self._parse(stack, snippet, self.functions, (), path,
                           self._known_names())

    def parse_condition(self, stack, snippet, path=''):
        """As :meth:`parse`, with the condition functions."""
        conds = self.condition_functions
        return self._parse(stack, snippet, conds,
                           frozenset(self.functions) - frozenset(conds),
                           path, self._known_names(condition=True))

    def _parse(self, stack, snippet, table, invalid_here, path, known):
        try:
            return function.parse(stack, snippet, table,
                                  version=self.canonical_version,
                                  known_names=known,
                                  invalid_here=invalid_here)
        except (ValueError, TypeError, KeyError) as exc:
            raise _fail(str(exc), _as_path(path)) from exc

    # -- parameters ------------------------------------------------------

    def _parameter_section(self):
        return self._section(self.PARAMETERS, dict, {})

    def param_schemata(self):
        """``{name: parameters.Schema}`` from the parameters section."""
        from heat.engine import parameters
        out = {}
        for name, definition in self._parameter_section().items():
            if not isinstance(definition, collections.abc.Mapping):
                raise _fail('A parameter definition must be a map, not a '
                            '%s' % _type_name(definition),
                            [self.PARAMETERS, name])
            out[name] = parameters.Schema.from_dict(
                name, definition, self.template_type,
                self.canonical_version)
        return out

    def parameters(self, stack_name=None, stack_id=None, project_id=None,
                   user_params=None, param_defaults=None):
        """The stack's ``parameters.Parameters`` (pseudo ones included)."""
        from heat.engine import parameters
        pseudo = {'stack_name': stack_name, 'stack_id': stack_id,
                  'project_id': project_id}
        return parameters.Parameters(
            self.param_schemata(), user_params=user_params,
            param_defaults=param_defaults, pseudo=pseudo,
            template_type=self.template_type,
            version=self.canonical_version)

    # -- conditions ------------------------------------------------------

    def _condition_definitions(self):
        if not self.has_conditions:
            return {}
        raw = self.t.get(self.CONDITIONS)
        if raw is None:
            return {}
        if not isinstance(raw, collections.abc.Mapping):
            raise exception.StackValidationFailed(
                message='Condition definitions must be a map. Found a %s '
                        'instead' % _type_name(raw),
                path=[self.CONDITIONS], error='Conditions validation error')
        return raw

    def conditions(self, stack):
        """The named conditions, parsed against ``stack`` (cached)."""
        ref, cached = self._conditions_cache
        if cached is not None and ref is not None and ref() is stack:
            return cached
        raw = self._condition_definitions()
        parsed = {name: self.parse_condition(
                      stack, definition, '%s.%s' % (self.CONDITIONS, name))
                  for name, definition in raw.items()}
        conds = conditionsm.Conditions(parsed,
                                       section=self.CONDITIONS or
                                       'conditions')
        try:
            ref = weakref.ref(stack) if stack is not None else None
        except TypeError:
            ref = None
        self._conditions_cache = (ref, conds)
        return conds

    def _enabled(self, conds, stack, condition, path):
        """Whether a resource's/output's parsed condition holds."""
        if condition is None:
            return True
        try:
            return conds.is_enabled(function.resolve(condition))
        except exception.StackValidationFailed as exc:
            if exc.path and exc.path[0] == self.CONDITIONS:
                raise  # a named condition failed: its path says where
            raise exception.StackValidationFailed(
                message=exc.error_message,
                path=_in_function(path, condition) + exc.path,
                error=exc.error) from exc
        except (ValueError, TypeError, KeyError) as exc:
            raise _fail(str(exc.args[0] if exc.args else exc),
                        _in_function(path, condition)) from exc

    # -- resources -------------------------------------------------------

    def _resources(self):
        return self._section(self.RESOURCES, dict, {})

    def _resource_key_names(self):
        return {k: v for k, v in self.RESOURCE_KEYS.items() if v}

    def _check_resource(self, name, data):
        """Structural checks of one raw resource definition."""
        res = self.RESOURCES
        if '\x00' in str(name):
            # PostgreSQL stores no NUL in text (found by fuzzing)
            raise _fail('The resource name %r contains a NUL character'
                        % (name,), [res])
        if len(str(name)) > MAX_RESOURCE_NAME:
            # the resource table's name column (found by fuzzing: a longer
            # name was accepted, then failed the create on MariaDB)
            raise _fail('The resource name "%s..." is longer than %d '
                        'characters' % (str(name)[:32], MAX_RESOURCE_NAME),
                        [res])
        if not isinstance(data, collections.abc.Mapping):
            raise _fail('"%s" must contain a map of resource maps. Found a '
                        '[%s] instead' % (res, _type_name(data)),
                        [res, name])
        keys = self._resource_key_names()
        allowed = set(keys.values())
        for key in data:
            if key not in allowed:
                raise _fail('"%s" is not a valid keyword inside a resource '
                            'definition (valid keywords: %s)'
                            % (key, ', '.join(keys.values())),
                            [res, name, key])
        type_key = keys['type']
        if data.get(type_key) is None:
            raise _fail('Resource %s is missing "%s"' % (name, type_key),
                        [res, name])
        if not isinstance(data[type_key], str):
            raise _fail('Resource %s %s type must be string'
                        % (name, type_key), [res, name, type_key])
        depends = data.get(keys['depends_on'])
        if depends is not None:
            if not isinstance(depends, (str, list)):
                raise _fail('Resource %s %s type must be list or string'
                            % (name, keys['depends_on']),
                            [res, name, keys['depends_on']])
            if isinstance(depends, list):
                for index, dep in enumerate(depends):
                    if not isinstance(dep, str):
                        raise _fail('Resource %s %s must be a list of '
                                    'strings' % (name, keys['depends_on']),
                                    [res, name, keys['depends_on'], index])
        description = data.get(keys['description'])
        if description is not None and not isinstance(description, str):
            raise _fail('Resource %s %s type must be string'
                        % (name, keys['description']),
                        [res, name, keys['description']])

    def _check_parsed_field(self, name, field, value, kinds, typename):
        if value is None or isinstance(value, kinds):
            return
        key = self.RESOURCE_KEYS[field]
        raise _fail('Resource %s %s type must be %s' % (name, key, typename),
                    [self.RESOURCES, name, key])

    def _deletion_policy(self, name, value, resolve=True):
        """The canonical policy; a function is resolved when ``resolve``."""
        key = self.RESOURCE_KEYS['deletion_policy']
        path = [self.RESOURCES, name, key]
        if isinstance(value, function.Function):
            if not resolve:
                return None
            value = function.resolve(value, path=path)
        if value is None:
            return None
        if not isinstance(value, str) or \
                value not in self.deletion_policies:
            raise _fail('Invalid deletion policy "%s" (valid: %s)'
                        % (value, ', '.join(self.deletion_policies)), path)
        return self.deletion_policies[value]

    def _definition(self, stack, name, data, resolve=True):
        """A ResourceDefinition of the raw definition ``data``."""
        self._check_resource(name, data)
        keys = self._resource_key_names()
        res = self.RESOURCES

        def parsed(field, condition=False):
            key = keys.get(field)
            if key is None or key not in data:
                return None
            where = '%s.%s.%s' % (res, name, key)
            if condition:
                return self.parse_condition(stack, data[key], where)
            return self.parse(stack, data[key], where)

        mapping = (collections.abc.Mapping, function.Function)
        props = parsed('properties')
        self._check_parsed_field(name, 'properties', props, mapping,
                                 'object')
        metadata = parsed('metadata')
        self._check_parsed_field(name, 'metadata', metadata, mapping,
                                 'object')
        update_policy = parsed('update_policy')
        self._check_parsed_field(name, 'update_policy', update_policy,
                                 mapping, 'object')
        policy = parsed('deletion_policy')
        self._check_parsed_field(name, 'deletion_policy', policy,
                                 (str, function.Function), 'string')
        external_id = parsed('external_id')
        self._check_parsed_field(name, 'external_id', external_id,
                                 (str, function.Function), 'string')
        condition = parsed('condition', condition=True)
        self._check_parsed_field(name, 'condition', condition,
                                 (str, bool, function.Function),
                                 'string or boolean')
        depends = data.get(keys['depends_on'])
        if isinstance(depends, str):
            depends = [depends]
        return rsrc_defn.ResourceDefinition(
            name, data[keys['type']], properties=props, metadata=metadata,
            depends_on=depends,
            deletion_policy=self._deletion_policy(name, policy, resolve),
            update_policy=update_policy,
            description=data.get(keys['description']),
            condition=condition, external_id=external_id,
            keys=keys, section=res)

    def resource_definitions(self, stack):
        """``{name: ResourceDefinition}`` of the resources whose condition
        holds, in template order."""
        conds = self.conditions(stack)
        out = {}
        for name, data in self._resources().items():
            defn = self._definition(stack, name, data)
            path = [self.RESOURCES, name, self.RESOURCE_KEYS['condition']]
            if defn.condition is not None and not self._enabled(
                    conds, stack, defn.condition, path):
                continue
            out[name] = defn
        return out

    # -- outputs ---------------------------------------------------------

    def _check_output(self, name, data):
        outs = self.OUTPUTS
        if not isinstance(data, collections.abc.Mapping):
            raise _fail('Output definitions must be a map. Found a %s '
                        'instead' % _type_name(data), [outs, name])
        keys = {k: v for k, v in self.OUTPUT_KEYS.items() if v}
        for key in data:
            if key not in keys.values():
                raise _fail('"%s" is not a valid keyword inside an output '
                            'definition (valid keywords: %s)'
                            % (key, ', '.join(keys.values())),
                            [outs, name, key])
        if keys['value'] not in data:
            raise _fail('Each output definition must contain a %s key.'
                        % keys['value'], [outs, name])

    def outputs(self, stack):
        """``{name: Output}``; a disabled output's value is None."""
        conds = self.conditions(stack)
        keys = {k: v for k, v in self.OUTPUT_KEYS.items() if v}
        outs = self.OUTPUTS
        result = {}
        for name, data in self._section(outs, dict, {}).items():
            self._check_output(name, data)
            condition = None
            enabled = True
            if keys.get('condition') in data:
                path = [outs, name, keys['condition']]
                condition = self.parse_condition(
                    stack, data[keys['condition']], '.'.join(path))
                enabled = self._enabled(conds, stack, condition, path)
            value = None
            if enabled:
                value = self.parse(stack, data[keys['value']],
                                   '%s.%s.%s' % (outs, name, keys['value']))
            result[name] = outputm.Output(
                name, value, data.get(keys['description']),
                condition=condition, enabled=enabled,
                path=[outs, name, keys['value']])
        return result

    # -- validation ------------------------------------------------------

    def validate(self):
        """Structural checks of the whole template (no stack needed).

        Unknown sections, sections of the wrong type, unknown keys in a
        resource or output, resource fields of the wrong type, parameter
        definitions and parameter groups.
        """
        for key in self.t:
            if key not in self.SECTIONS:
                raise exception.InvalidTemplateSection(section=key)
        description = self.t.get(self.DESCRIPTION)
        if description is not None and not isinstance(description, str):
            raise _fail('The "%s" section must be a string, not a %s'
                        % (self.DESCRIPTION, _type_name(description)),
                        [self.DESCRIPTION])
        if self.MAPPINGS is not None:
            self._section(self.MAPPINGS, dict, {})
        schemata = self.param_schemata()
        self._validate_parameter_groups(schemata)
        for name, definition in self._condition_definitions().items():
            parsed = self.parse_condition(None, definition,
                                          '%s.%s' % (self.CONDITIONS, name))
            if not isinstance(parsed, (bool, function.Function)):
                raise exception.StackValidationFailed(
                    message='The definition of condition "%s" is invalid: '
                            '%s' % (name, definition),
                    path=[self.CONDITIONS, name],
                    error='Condition validation error')
        for name, data in self._resources().items():
            self._definition(None, name, data, resolve=False)
        for name, data in self._section(self.OUTPUTS, dict, {}).items():
            self._check_output(name, data)

    def _validate_parameter_groups(self, schemata):
        key = self.PARAMETER_GROUPS
        if key is None:
            return
        groups = self.t.get(key)
        if groups is None:
            return
        if not isinstance(groups, list):
            raise _fail('The %s should be a list.' % key, [key])
        grouped = {}
        for index, group in enumerate(groups):
            path = [key, index]
            if not isinstance(group, collections.abc.Mapping):
                raise _fail('Each parameter group must be a map, not a %s'
                            % _type_name(group), path)
            names = group.get('parameters')
            if names is None:
                raise _fail('The parameters must be provided for each '
                            'parameter group.', path)
            if not isinstance(names, list):
                raise _fail('The parameters of parameter group should be '
                            'a list.', path + ['parameters'])
            for pos, name in enumerate(names):
                where = path + ['parameters', pos]
                if not isinstance(name, str) or name not in schemata:
                    raise _fail('The grouped parameter %s does not '
                                'reference a valid parameter.' % (name,),
                                where)
                if name in grouped:
                    raise _fail('The %s parameter must be assigned to one '
                                'parameter group only.' % name, where)
                grouped[name] = index


def _in_function(path, snippet):
    """``path`` plus the function name when ``snippet`` is a call."""
    if isinstance(snippet, function.Function):
        return list(path) + [snippet.fn_name]
    return list(path)


def _as_path(path):
    if isinstance(path, str):
        return [path] if path else []
    return list(path or [])


# Section names of the other format, for lookups in either spelling.
_SECTION_ALIASES = {
    'heat_template_version': 'VERSION',
    'AWSTemplateFormatVersion': 'VERSION',
    'HeatTemplateFormatVersion': 'VERSION',
    'description': 'DESCRIPTION', 'Description': 'DESCRIPTION',
    'parameter_groups': 'PARAMETER_GROUPS',
    'ParameterGroups': 'PARAMETER_GROUPS',
    'parameters': 'PARAMETERS', 'Parameters': 'PARAMETERS',
    'Mappings': 'MAPPINGS',
    'resources': 'RESOURCES', 'Resources': 'RESOURCES',
    'outputs': 'OUTPUTS', 'Outputs': 'OUTPUTS',
    'conditions': 'CONDITIONS', 'Conditions': 'CONDITIONS',
}

_CFN_TO_HOT_FIELDS = {
    'Type': 'type', 'Properties': 'properties', 'Metadata': 'metadata',
    'DependsOn': 'depends_on', 'DeletionPolicy': 'deletion_policy',
    'UpdatePolicy': 'update_policy', 'Description': 'description',
    'Condition': 'condition', 'Value': 'value',
}
_HOT_TO_CFN_FIELDS = {v: k for k, v in _CFN_TO_HOT_FIELDS.items()}
_HOT_TO_CFN_FIELDS['external_id'] = 'external_id'
