"""Template parameters: schemas, typed values, pseudo parameters.

- :class:`Schema` is one parameter's definition, read from a HOT or CFN
  template by :meth:`Schema.from_dict` (unknown keys, bad types and bad
  constraint definitions are errors naming ``parameters.<name>.<key>``).
- :class:`Parameter` holds one parameter's user value and default and turns
  them into a typed value the way upstream Heat does (numbers from text,
  boolean words, JSON from text, comma-delimited lists).
- :class:`Parameters` is the mapping a stack reads (``get_param`` /
  ``Ref``): user parameters plus the pseudo parameters of the template
  format. It also gives upstream's ``POST /validate`` description of each
  parameter (:meth:`Parameters.validate_output`) and the cloud constraints
  that could not be checked offline (:meth:`Parameters.unverified`).

Error texts follow upstream Heat: value errors are
``StackValidationFailed("Parameter 'x' is invalid: ...")``, a missing value
is ``UserParameterMissing`` and a value for an undeclared parameter is
``UnknownUserParameter``.
"""

import collections.abc
import json
import urllib.parse

from oslo_utils import strutils

from heat.common import exception
from heat.engine import constraints as constr

TEMPLATE_TYPES = (HOT, CFN) = ('hot', 'cfn')

#: parameter types by template format, each with its kind
HOT_TYPES = {
    'string': constr.STRING,
    'number': constr.NUMBER,
    'comma_delimited_list': constr.LIST,
    'json': constr.MAP,
    'boolean': constr.BOOLEAN,
}
CFN_TYPES = {
    'String': constr.STRING,
    'Number': constr.NUMBER,
    'CommaDelimitedList': constr.LIST,
    'Json': constr.MAP,
    'Boolean': constr.BOOLEAN,
}
#: the ``Type`` reported by validate, by kind
API_TYPES = {
    constr.STRING: 'String',
    constr.NUMBER: 'Number',
    constr.LIST: 'CommaDelimitedList',
    constr.MAP: 'Json',
    constr.BOOLEAN: 'Boolean',
}

HOT_KEYS = ('type', 'description', 'default', 'schema', 'constraints',
            'hidden', 'label', 'immutable')
HOT_TAGS_KEY = 'tags'
CFN_KEYS = ('Type', 'Default', 'NoEcho', 'AllowedValues', 'AllowedPattern',
            'MaxLength', 'MinLength', 'MaxValue', 'MinValue', 'Description',
            'ConstraintDescription', 'Label')

HOT_CONSTRAINT_KEYS = ('description', 'length', 'range', 'modulo',
                       'allowed_values', 'allowed_pattern',
                       'custom_constraint')

#: first HOT versions with a feature; ``None`` as a version means newest
MODULO_SINCE = '2017-02-24'
TAGS_SINCE = '2018-03-02'
_HOT_ALIASES = {
    'newton': '2016-10-14', 'ocata': '2017-02-24', 'pike': '2017-09-01',
    'queens': '2018-03-02', 'rocky': '2018-08-31', 'wallaby': '2021-04-16',
}

HOT_PSEUDO = (OS_STACK_ID, OS_STACK_NAME, OS_PROJECT_ID) = (
    'OS::stack_id', 'OS::stack_name', 'OS::project_id')
CFN_PSEUDO = (AWS_STACK_ID, AWS_STACK_NAME, AWS_REGION) = (
    'AWS::StackId', 'AWS::StackName', 'AWS::Region')
CFN_REGIONS = ['us-east-1', 'us-west-1', 'us-west-2', 'sa-east-1',
               'eu-west-1', 'ap-southeast-1', 'ap-northeast-1']
HIDDEN_TEXT = '******'


def _canonical_version(version):
    if version is None:
        return None
    version = str(version)
    return _HOT_ALIASES.get(version, version)


def _since(version, first):
    version = _canonical_version(version)
    return version is None or version >= first


def section_name(template_type):
    return 'Parameters' if template_type == CFN else 'parameters'


class Schema:
    """One parameter's definition."""

    def __init__(self, data_type, description=None, default=None,
                 constraints=None, hidden=False, label=None,
                 immutable=False, tags=None, template_type=HOT):
        types = CFN_TYPES if template_type == CFN else HOT_TYPES
        if not isinstance(data_type, str) or data_type not in types:
            raise exception.InvalidSchemaError(
                message='Invalid type (%s)' % (data_type,))
        self.type = data_type
        self.kind = types[data_type]
        self.template_type = template_type
        self.description = description
        self.default = default
        self.constraints = list(constraints or [])
        self.hidden = hidden
        self.label = label
        self.immutable = immutable
        self.tags = tags

    # -- reading templates ---------------------------------------------

    @classmethod
    def from_dict(cls, name, schema_dict, template_type=HOT, version=None):
        """The schema of parameter ``name`` from its template definition.

        ``version`` is the HOT version (``'2016-10-14'`` or an alias);
        ``None`` means the newest, where ``modulo`` and ``tags`` exist.
        """
        if template_type == CFN:
            return cls._from_cfn(name, schema_dict)
        return cls._from_hot(name, schema_dict, version)

    @staticmethod
    def _fail(message, path):
        raise exception.ParameterSchemaError(message=message, path=path)

    @classmethod
    def _check_keys(cls, name, schema_dict, allowed, template_type):
        path = [section_name(template_type), name]
        if not isinstance(schema_dict, collections.abc.Mapping):
            cls._fail('Invalid parameter (%s), expected a mapping' % name,
                      path)
        for key in schema_dict:
            if key not in allowed:
                cls._fail("Invalid key '%s' for parameter (%s)" % (key, name),
                          path + [key])
        type_key = 'Type' if template_type == CFN else 'type'
        if type_key not in schema_dict:
            cls._fail('Missing parameter type for parameter: %s' % name,
                      path)
        return path

    @classmethod
    def _build(cls, path, type_key, schema_dict, template_type, **kwargs):
        try:
            return cls(schema_dict[type_key], template_type=template_type,
                       **kwargs)
        except exception.InvalidSchemaError as exc:
            cls._fail(str(exc), path + [type_key])

    @classmethod
    def _from_hot(cls, name, schema_dict, version):
        allowed = HOT_KEYS
        tags_allowed = _since(version, TAGS_SINCE)
        if tags_allowed:
            allowed = allowed + (HOT_TAGS_KEY,)
        path = cls._check_keys(name, schema_dict, allowed, HOT)
        tags = schema_dict.get(HOT_TAGS_KEY) if tags_allowed else None
        if tags is not None and not isinstance(tags, list):
            cls._fail('Tags property should be a list for parameter: %s'
                      % name, path + [HOT_TAGS_KEY])
        constraints = cls._hot_constraints(name, schema_dict, version, path)
        return cls._build(
            path, 'type', schema_dict, HOT,
            description=schema_dict.get('description'),
            default=schema_dict.get('default'),
            constraints=constraints,
            hidden=_truthy(schema_dict.get('hidden', False)),
            label=schema_dict.get('label'),
            immutable=_truthy(schema_dict.get('immutable', False)),
            tags=tags)

    @classmethod
    def _hot_constraints(cls, name, schema_dict, version, path):
        defs = schema_dict.get('constraints')
        if defs is None:
            return []
        path = path + ['constraints']
        if not isinstance(defs, list):
            cls._fail('Invalid parameter constraints for parameter %s, '
                      'expected a list' % name, path)
        out = []
        for index, cdef in enumerate(defs):
            cpath = path + [index]
            if not isinstance(cdef, collections.abc.Mapping):
                cls._fail('Invalid parameter constraints, expected a '
                          'mapping', cpath)
            for key in cdef:
                if key not in HOT_CONSTRAINT_KEYS:
                    cls._fail("Invalid key '%s' for parameter constraints"
                              % key, cpath + [key])
            try:
                out.append(cls._hot_constraint(cdef, version, cpath))
            except exception.InvalidSchemaError as exc:
                if isinstance(exc, exception.ParameterSchemaError):
                    raise
                cls._fail(str(exc), cpath)
        return out

    @classmethod
    def _hot_constraint(cls, cdef, version, path):
        desc = cdef.get('description')
        if 'range' in cdef:
            lo, hi = cls._min_max(cdef['range'], 'range', path)
            return constr.Range(lo, hi, desc)
        if 'length' in cdef:
            lo, hi = cls._min_max(cdef['length'], 'length', path)
            return constr.Length(lo, hi, desc)
        if 'modulo' in cdef and _since(version, MODULO_SINCE):
            body = cls._mapping(cdef['modulo'], ('step', 'offset'),
                                'modulo constraint', path + ['modulo'])
            return constr.Modulo(_num(body, 'step', path),
                                 _num(body, 'offset', path), desc)
        if 'allowed_values' in cdef:
            return constr.AllowedValues(cdef['allowed_values'], desc)
        if 'allowed_pattern' in cdef:
            return constr.AllowedPattern(cdef['allowed_pattern'], desc)
        if 'custom_constraint' in cdef:
            return constr.CustomConstraint(cdef['custom_constraint'], desc)
        cls._fail('No constraint expressed', path)

    @classmethod
    def _mapping(cls, body, allowed, entity, path):
        if not isinstance(body, collections.abc.Mapping):
            cls._fail('Invalid %s, expected a mapping' % entity, path)
        for key in body:
            if key not in allowed:
                cls._fail("Invalid key '%s' for %s" % (key, entity),
                          path + [key])
        return body

    @classmethod
    def _min_max(cls, body, kind, path):
        body = cls._mapping(body, ('min', 'max'), '%s constraint' % kind,
                            path + [kind])
        return (_num(body, 'min', path + [kind]),
                _num(body, 'max', path + [kind]))

    @classmethod
    def _from_cfn(cls, name, schema_dict):
        path = cls._check_keys(name, schema_dict, CFN_KEYS, CFN)
        desc = schema_dict.get('ConstraintDescription')
        constraints = []
        try:
            if 'MinValue' in schema_dict or 'MaxValue' in schema_dict:
                constraints.append(constr.Range(
                    _num(schema_dict, 'MinValue', path),
                    _num(schema_dict, 'MaxValue', path), desc))
            if 'MinLength' in schema_dict or 'MaxLength' in schema_dict:
                constraints.append(constr.Length(
                    _num(schema_dict, 'MinLength', path),
                    _num(schema_dict, 'MaxLength', path), desc))
            if 'AllowedValues' in schema_dict:
                constraints.append(constr.AllowedValues(
                    schema_dict['AllowedValues'], desc))
            if 'AllowedPattern' in schema_dict:
                constraints.append(constr.AllowedPattern(
                    schema_dict['AllowedPattern'], desc))
        except exception.ParameterSchemaError:
            raise
        except exception.InvalidSchemaError as exc:
            cls._fail(str(exc), path)
        return cls._build(
            path, 'Type', schema_dict, CFN,
            description=schema_dict.get('Description'),
            default=schema_dict.get('Default'),
            constraints=constraints,
            hidden=str(schema_dict.get('NoEcho', 'false')).lower() == 'true',
            label=schema_dict.get('Label'))

    # -- checking ------------------------------------------------------

    def validate(self, context=None):
        """Check constraints suit the type and the default obeys them.

        Custom constraints are not applied to defaults (as upstream).
        """
        for c in self.constraints:
            if not c.valid_for(self.kind):
                raise exception.InvalidSchemaError(
                    message='%s constraint invalid for %s' % (
                        type(c).__name__, self.type))
        if self.default is None:
            return
        value = self.default
        if self.kind == constr.LIST:
            try:
                value = parse_list(value, what='Default')
            except ValueError as exc:
                raise exception.InvalidSchemaError(message=str(exc)) from exc
        try:
            if self.kind == constr.MAP:
                value = parse_json(value)
            self.validate_constraints(value, context,
                                      skip=(constr.CustomConstraint,))
        except (ValueError, TypeError) as exc:
            raise exception.InvalidSchemaError(
                message='Invalid default %s (%s)' % (self.default, exc)
            ) from exc

    def validate_constraints(self, value, context=None, skip=(),
                             unverified=None):
        """Apply every constraint; ``ValueError`` names the first failure.

        Cloud constraints that cannot be checked are appended to
        ``unverified`` as ``(constraint_name, service)``.
        """
        for c in self.constraints:
            if isinstance(c, tuple(skip)):
                continue
            try:
                c.validate(value, self, context)
            except constr.Unverifiable as exc:
                if unverified is not None:
                    unverified.append((exc.constraint, exc.service))

    def to_schema_type(self, value):
        """``value`` as this type (used to compare allowed values)."""
        try:
            if self.kind == constr.NUMBER:
                return constr.str_to_num(value)
            if self.kind == constr.STRING:
                return str(value)
            if self.kind == constr.BOOLEAN:
                return strutils.bool_from_string(str(value), strict=True)
        except (ValueError, TypeError):
            raise ValueError('Value "%s" is invalid for data type "%s".'
                             % (value, self.type)) from None
        return value

    def set_default(self, default=None):
        self.default = default

    @property
    def api_type(self):
        return API_TYPES[self.kind]


def _truthy(value):
    if isinstance(value, str):
        return strutils.bool_from_string(value)
    return bool(value)


def _num(body, key, path):
    value = body.get(key)
    if value is None:
        return None
    try:
        return constr.str_to_num(value)
    except (ValueError, TypeError) as exc:
        raise exception.ParameterSchemaError(
            message='Invalid %s "%s": %s' % (key, value, exc),
            path=path + [key]) from exc


def parse_list(value, what='Value'):
    """A comma-delimited list value as a list of strings."""
    if isinstance(value, list):
        return [str(x) for x in value]
    if value is None:
        return None
    if value == '':
        return []
    try:
        return value.split(',')
    except AttributeError as exc:
        raise ValueError('%s must be a comma-delimited list string: %s'
                         % (what, exc)) from exc


def parse_json(value):
    """A json value (map or list) from a string or plain data."""
    try:
        text = value
        if not isinstance(text, str):
            text = json.dumps(text)
        if text:
            return json.loads(text)
    except (ValueError, TypeError) as exc:
        raise ValueError('Value must be valid JSON: %s' % exc) from exc
    return value


class Parameter:
    """One parameter: its schema, user value and default."""

    def __init__(self, name, schema, value=None):
        self.name = name
        self.schema = schema
        self.user_value = value
        self.user_default = None
        self.unverified = []

    def validate(self, validate_value=True, context=None):
        """Check the schema and, optionally, the value in use."""
        prefix = "Parameter '%s' is invalid: " % self.name
        try:
            self.schema.validate(context)
            if not validate_value:
                return
            self.unverified = []
            if self.user_value is not None:
                self._validate(self.user_value, context)
            elif self.has_default():
                self._validate(self.default(), context)
            else:
                raise exception.UserParameterMissing(key=self.name)
        except exception.InvalidSchemaError as exc:
            raise exception.InvalidSchemaError(
                message=prefix + str(exc)) from exc
        except (ValueError, TypeError) as exc:
            raise exception.StackValidationFailed(
                message=prefix + str(exc)) from exc

    def _validate(self, raw, context):
        value = self.parse(raw)
        self.schema.validate_constraints(value, context,
                                         unverified=self.unverified)

    def parse(self, raw):
        """The typed value of ``raw``; ``ValueError`` when it has none."""
        return raw

    def raw_value(self):
        if self.user_value is not None:
            return self.user_value
        if self.has_default():
            return self.default()
        raise exception.UserParameterMissing(key=self.name)

    def value(self):
        """The typed value in use (user value, else default)."""
        raw = self.raw_value()
        try:
            return self.parse(raw)
        except (ValueError, TypeError) as exc:
            raise exception.StackValidationFailed(
                message="Parameter '%s' is invalid: %s" % (self.name, exc)
            ) from exc

    def has_value(self):
        return self.user_value is not None or self.has_default()

    def hidden(self):
        return bool(self.schema.hidden)

    def description(self):
        return self.schema.description or ''

    def label(self):
        return self.schema.label or self.name

    def tags(self):
        return self.schema.tags or []

    def has_default(self):
        return (self.schema.default is not None or
                self.user_default is not None)

    def default(self):
        if self.user_default is not None:
            return self.user_default
        return self.schema.default

    def set_default(self, value):
        self.user_default = value

    def _value_as_text(self, value):
        return str(value)

    def __str__(self):
        value = self.value()
        if self.hidden():
            return HIDDEN_TEXT
        return self._value_as_text(value)

    def validate_output(self, mask_hidden=False):
        """Upstream's ``format_validate_parameter`` for this parameter."""
        schema = self.schema
        res = {
            'Type': schema.api_type,
            'Description': self.description(),
            'NoEcho': 'true' if self.hidden() else 'false',
            'Label': self.label(),
        }
        masked = mask_hidden and self.hidden()
        if self.has_default():
            # The default is template text that every reader of the
            # template sees; upstream shows it (its functional test pins
            # 'Default': 'secret' beside NoEcho 'true'). Only the value a
            # user supplied is a secret worth masking.
            res['Default'] = self.default()
        if self.user_value:
            res['Value'] = HIDDEN_TEXT if masked else self.user_value
        if self.tags():
            res['Tags'] = self.tags()
        descriptions = []
        for c in schema.constraints:
            if isinstance(c, constr.Length):
                if c.min is not None:
                    res['MinLength'] = c.min
                if c.max is not None:
                    res['MaxLength'] = c.max
            elif isinstance(c, constr.Range):
                if c.min is not None:
                    res['MinValue'] = c.min
                if c.max is not None:
                    res['MaxValue'] = c.max
            elif isinstance(c, constr.Modulo):
                res['Step'] = c.step
                res['Offset'] = c.offset
            elif isinstance(c, constr.AllowedValues):
                res['AllowedValues'] = list(c.allowed)
            elif isinstance(c, constr.AllowedPattern):
                res['AllowedPattern'] = c.pattern
            elif isinstance(c, constr.CustomConstraint):
                res['CustomConstraint'] = c.constraint_name
            if c.description:
                descriptions.append(c.description)
        if descriptions:
            res['ConstraintDescription'] = ' '.join(descriptions)
        return res


class StringParam(Parameter):
    def parse(self, raw):
        return str(raw)


class NumberParam(Parameter):
    def parse(self, raw):
        return constr.str_to_num(raw)

    def _validate(self, raw, context):
        self.parse(raw)
        self.schema.validate_constraints(raw, context,
                                         unverified=self.unverified)


class BooleanParam(Parameter):
    def parse(self, raw):
        return strutils.bool_from_string(str(raw) if not isinstance(
            raw, bool) else raw, strict=True)

    def _validate(self, raw, context):
        self.parse(raw)
        self.schema.validate_constraints(raw, context,
                                         unverified=self.unverified)


class CommaDelimitedListParam(Parameter):
    def parse(self, raw):
        return parse_list(raw)

    def _value_as_text(self, value):
        return ','.join(value)


class JsonParam(Parameter):
    def parse(self, raw):
        return parse_json(raw)

    def _value_as_text(self, value):
        return json.dumps(value)


PARAM_CLASSES = {
    constr.STRING: StringParam,
    constr.NUMBER: NumberParam,
    constr.BOOLEAN: BooleanParam,
    constr.LIST: CommaDelimitedListParam,
    constr.MAP: JsonParam,
}


def new_parameter(name, schema, value=None):
    """A :class:`Parameter` of the class for ``schema``'s type."""
    return PARAM_CLASSES[schema.kind](name, schema, value)


def stack_arn(stack_name, stack_id, project_id=''):
    """Upstream's ``AWS::StackId``: the stack identifier as an ARN."""
    def q(text):
        return urllib.parse.quote(str(text), '')
    return 'arn:openstack:heat::%s:stacks/%s/%s' % (
        q(project_id or ''), q(stack_name), q(stack_id))


_PSEUDO_ALIASES = {
    'stack_name': 'stack_name', 'name': 'stack_name',
    'stack_id': 'stack_id', 'id': 'stack_id',
    'project_id': 'project_id', 'tenant_id': 'project_id',
    'tenant': 'project_id',
    OS_STACK_NAME: 'stack_name', AWS_STACK_NAME: 'stack_name',
    OS_STACK_ID: 'stack_id', AWS_STACK_ID: 'stack_id',
    OS_PROJECT_ID: 'project_id',
}


def _pseudo_info(pseudo):
    info = {'stack_name': None, 'stack_id': None, 'project_id': None}
    for key, value in (pseudo or {}).items():
        if key in _PSEUDO_ALIASES:
            info[_PSEUDO_ALIASES[key]] = value
    return info


def _fixed(name, value, description=None, constraints=None):
    schema = Schema('String', description=description, default=value,
                    constraints=constraints, template_type=CFN)
    return StringParam(name, schema)


def pseudo_parameters(template_type, pseudo=None):
    """The pseudo parameters of a format, as upstream fills them in.

    ``pseudo`` holds ``stack_name``, ``stack_id`` and ``project_id`` (the
    pseudo parameter names are accepted as keys too). As upstream, the
    stack-name parameters only exist when a stack name is known.
    """
    info = _pseudo_info(pseudo)
    name, sid, project = (info['stack_name'], info['stack_id'],
                          info['project_id'])
    if template_type == CFN:
        if name:
            yield _fixed(AWS_STACK_ID, stack_arn(name, sid, project),
                         'Stack ID')
            yield _fixed(AWS_STACK_NAME, name, 'Stack Name')
            yield _fixed(AWS_REGION, 'ap-southeast-1', None,
                         [constr.AllowedValues(CFN_REGIONS)])
        else:
            yield _fixed(AWS_STACK_ID, 'None', 'Stack ID')
        return
    yield _fixed(OS_STACK_ID, '' if sid is None else str(sid), 'Stack ID')
    yield _fixed(OS_PROJECT_ID, '' if project is None else str(project),
                 'Project ID')
    if name:
        yield _fixed(OS_STACK_NAME, name, 'Stack Name')


class Parameters(collections.abc.Mapping):
    """The parameters of a stack: name -> typed value.

    ``schemata`` maps names to :class:`Schema` (template dicts are read
    with :meth:`Schema.from_dict`). ``param_defaults`` (the environment's
    ``parameter_defaults``) override template defaults; unknown names there
    are ignored, as upstream does. Values for undeclared parameters
    (pseudo parameters included) fail :meth:`validate` with
    ``UnknownUserParameter``.
    """

    def __init__(self, schemata, user_params=None, param_defaults=None,
                 pseudo=None, template_type=HOT, version=None):
        self.template_type = template_type
        self.user_params = dict(user_params or {})
        self.schemata = {}
        for name, schema in (schemata or {}).items():
            if not isinstance(schema, Schema):
                schema = Schema.from_dict(name, schema, template_type,
                                          version)
            self.schemata[name] = schema
        self.PSEUDO_PARAMETERS = CFN_PSEUDO if template_type == CFN \
            else HOT_PSEUDO
        self.params = {}
        for p in pseudo_parameters(template_type, pseudo):
            self.params[p.name] = p
        for name, schema in self.schemata.items():
            self.params[name] = new_parameter(name, schema,
                                              self.user_params.get(name))
        self.non_pseudo_param_keys = list(self.schemata)
        for name, value in (param_defaults or {}).items():
            if name in self.schemata:
                self.params[name].set_default(value)

    # -- Mapping --------------------------------------------------------

    def __getitem__(self, key):
        return self.params[key].value()

    def __iter__(self):
        return iter(self.params)

    def __len__(self):
        return len(self.params)

    def __contains__(self, key):
        return key in self.params

    # -- checks --------------------------------------------------------

    def validate(self, validate_value=True, context=None):
        """Check user parameter names, schemas and (optionally) values."""
        for name in self.user_params:
            if name not in self.schemata:
                raise exception.UnknownUserParameter(key=name)
        for param in self.params.values():
            param.validate(validate_value, context)

    def unverified(self, context=None):
        """``[(param, constraint, service)]`` for cloud constraints.

        Every custom constraint of a parameter that needs a cloud service
        which ``context`` cannot reach (no context: none can be reached)
        is listed, in parameter order.
        """
        can_reach = getattr(context, 'find_cloud_resource', None)
        out = []
        if can_reach is not None:
            return out
        for name in self.non_pseudo_param_keys:
            for c in self.params[name].schema.constraints:
                if isinstance(c, constr.CustomConstraint):
                    service = constr.cloud_service(c.constraint_name)
                    if service is not None:
                        out.append((name, c.constraint_name, service))
        return out

    def validate_output(self, mask_hidden=False):
        """``{name: {...}}`` as upstream's validate ``Parameters``.

        Pseudo parameters are left out. As upstream, a hidden parameter's
        ``Default`` is shown; its user-supplied ``Value`` is masked when
        ``mask_hidden`` is set (upstream returns it in clear).
        """
        return {name: self.params[name].validate_output(mask_hidden)
                for name in self.non_pseudo_param_keys}

    def map(self, func, filter_func=lambda p: True):
        return {n: func(p) for n, p in self.params.items() if filter_func(p)}

    def display_values(self):
        """name -> value as text, hidden ones as ``******``."""
        return self.map(str)

    def set_stack_id(self, stack_id, stack_name=None, project_id=''):
        """Fill in the stack id once it is known."""
        if self.template_type == CFN:
            if AWS_STACK_ID in self.params and stack_name:
                self.params[AWS_STACK_ID].schema.set_default(
                    stack_arn(stack_name, stack_id, project_id))
        else:
            self.params[OS_STACK_ID].schema.set_default(str(stack_id))

    def immutable_params_modified(self, new_parameters, input_params):
        """Names of immutable parameters whose value would change."""
        changed = []
        for name in self.non_pseudo_param_keys:
            if name not in new_parameters.schemata:
                continue
            if not new_parameters.schemata[name].immutable:
                continue
            new_value = (input_params[name] if name in input_params
                         else new_parameters[name])
            if self.params[name].value() != new_value:
                changed.append(name)
        return changed
