"""Resource properties: declared schemas and typed, validated values.

A resource type declares ``properties_schema`` (name -> :class:`Schema`).
:class:`Properties` wraps the template's (unresolved) property snippet and
gives typed values: functions are resolved on access, values are converted
to the declared type, defaults fill in what is absent. ``validate()``
reports the first problem as ``StackValidationFailed`` with
``error='Property error'``, the path of the property
(``resources.<name>.properties.<prop>``) and upstream Heat's message.

Types are upstream's: ``String``, ``Integer``, ``Number``, ``Boolean``,
``Map``, ``List`` and ``Any``. A ``Map`` may declare the schema of its
keys, a ``List`` the schema of its items; both are validated with the
nested path (``...properties.networks[0].port``).
"""

import collections.abc
import copy
import json

from heat.common import exception
from heat.engine import constraints as constr
from heat.engine import function

TYPES = (INTEGER, STRING, NUMBER, BOOLEAN, MAP, LIST, ANY) = (
    'Integer', 'String', 'Number', 'Boolean', 'Map', 'List', 'Any')

#: the constraint kind each property type is checked as
KINDS = {
    INTEGER: constr.NUMBER,
    NUMBER: constr.NUMBER,
    STRING: constr.STRING,
    BOOLEAN: constr.BOOLEAN,
    MAP: constr.MAP,
    LIST: constr.LIST,
    ANY: None,
}

_TRUE = ('true', 't', 'on', 'y', 'yes', '1')
_FALSE = ('false', 'f', 'off', 'n', 'no', '0')

PROPERTY_ERROR = 'Property error'

#: what an explicit null is, by type (upstream)
_EMPTY = {INTEGER: 0, NUMBER: 0, STRING: '', BOOLEAN: False, MAP: {},
          LIST: [], ANY: None}


class Schema:
    """The declaration of one property (or of a nested key or item)."""

    TYPES = TYPES
    INTEGER, STRING, NUMBER, BOOLEAN, MAP, LIST, ANY = TYPES

    def __init__(self, data_type, description='', default=None,
                 required=False, constraints=(), update_allowed=False,
                 immutable=False, schema=None, implemented=True,
                 allow_conversion=False, support_status=None, label=None):
        if data_type not in TYPES:
            raise exception.InvalidSchemaError(
                message='Invalid type (%s)' % (data_type,))
        self.type = data_type
        self.description = description or ''
        self.default = default
        self.required = bool(required)
        self.constraints = list(constraints or ())
        self.update_allowed = bool(update_allowed)
        self.immutable = bool(immutable)
        self.implemented = implemented
        self.allow_conversion = allow_conversion
        self.support_status = support_status
        self.label = label
        self.schema = self._nested(data_type, schema)
        kind = KINDS[data_type]
        for c in self.constraints:
            if kind is not None and not c.valid_for(kind):
                raise exception.InvalidSchemaError(
                    message='%s constraint invalid for %s' % (
                        type(c).__name__, data_type))

    @staticmethod
    def _nested(data_type, schema):
        if schema is None:
            return None
        if data_type == MAP:
            if not isinstance(schema, collections.abc.Mapping):
                raise exception.InvalidSchemaError(
                    message='The schema of a Map must be a mapping')
            return dict(schema)
        if data_type == LIST:
            # A mapping describes the keys of each item (a list of maps).
            if isinstance(schema, collections.abc.Mapping):
                return Schema(MAP, schema=schema)
            if isinstance(schema, Schema):
                return schema
            raise exception.InvalidSchemaError(
                message='The schema of a List must be a Schema')
        raise exception.InvalidSchemaError(
            message='Single uniform schema is only allowed for List and '
                    'Map types, not %s' % data_type)

    @classmethod
    def from_param(cls, param_schema):
        """A property schema from a ``parameters.Schema`` (provider
        templates: each parameter of the template is a property).

        Updates are allowed (the template decides what an update does);
        a parameter with no default is required.
        """
        kind_map = {constr.STRING: STRING, constr.NUMBER: NUMBER,
                    constr.LIST: LIST, constr.MAP: MAP,
                    constr.BOOLEAN: BOOLEAN}
        data_type = kind_map.get(param_schema.kind, MAP)
        # Parameter constraints were written for the parameter's kind;
        # comma-delimited lists and json also arrive as text.
        return cls(data_type,
                   description=param_schema.description or '',
                   required=param_schema.default is None,
                   constraints=list(param_schema.constraints),
                   update_allowed=True,
                   immutable=bool(getattr(param_schema, 'immutable',
                                          False)),
                   allow_conversion=data_type in (LIST, MAP),
                   label=getattr(param_schema, 'label', None))

    from_parameter = from_param

    def has_default(self):
        return self.default is not None

    def to_schema_type(self, value):
        """``value`` converted to this type (for allowed-value checks)."""
        return _convert(self, value)

    def validate_constraints(self, value, context=None):
        """Apply the constraints; ``ValueError`` with upstream's text."""
        for c in self.constraints:
            try:
                c.validate(value, self, context)
            except constr.Unverifiable:
                # A cloud constraint without a cloud is not a failure.
                continue

    def to_dict(self):
        """Upstream's schema description (``resource_schema`` API)."""
        out = {'type': self.type.lower(),
               'description': self.description,
               'required': self.required,
               'update_allowed': self.update_allowed,
               'immutable': self.immutable}
        if self.default is not None:
            out['default'] = self.default
        if self.constraints:
            out['constraints'] = [c.to_dict() for c in self.constraints]
        if isinstance(self.schema, dict):
            out['schema'] = {k: v.to_dict() for k, v in self.schema.items()}
        elif isinstance(self.schema, Schema):
            out['schema'] = {'*': self.schema.to_dict()}
        return out

    def __repr__(self):
        return 'Schema(%r)' % self.type


# -- type conversion --------------------------------------------------------

def _to_integer(value):
    if isinstance(value, (bool, list, dict)):
        raise ValueError("Value '%s' is not an integer" % (value,))
    try:
        # as upstream: text must be an integer, a float is truncated
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("Value '%s' is not an integer"
                         % (value,)) from None


def _to_number(value):
    if isinstance(value, (bool, list, dict)):
        raise ValueError("Value '%s' is not a number" % (value,))
    try:
        return constr.str_to_num(value)
    except (TypeError, ValueError):
        raise ValueError("Value '%s' is not a number" % (value,)) from None


def _to_boolean(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        normalised = value.lower()
        if normalised in _TRUE:
            return True
        if normalised in _FALSE:
            return False
    raise ValueError('"%s" is not a valid boolean' % (value,))


def _to_string(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)) or value is None:
        raise ValueError('Value must be a string; got %r' % (value,))
    return str(value)


def _to_list(schema, value):
    if isinstance(value, str) and schema.allow_conversion:
        return value.split(',') if value else []
    if isinstance(value, str) or not isinstance(
            value, collections.abc.Sequence):
        raise ValueError('"%r" is not a list' % (value,))
    return list(value)


def _to_map(schema, value):
    if isinstance(value, collections.abc.Mapping):
        return dict(value)
    if schema.allow_conversion:
        # Lists of maps reach provider templates as json parameters,
        # which take text: pass it on (upstream).
        if isinstance(value, str):
            return value
        if isinstance(value, collections.abc.Sequence):
            return json.dumps(value)
    raise ValueError('"%s" is not a map' % (value,))


def _convert(schema, value):
    """``value`` as ``schema``'s type (no constraints, no children)."""
    t = schema.type
    if t == INTEGER:
        return _to_integer(value)
    if t == NUMBER:
        return _to_number(value)
    if t == BOOLEAN:
        return _to_boolean(value)
    if t == STRING:
        return _to_string(value)
    if t == LIST:
        return _to_list(schema, value)
    if t == MAP:
        return _to_map(schema, value)
    return value


def _failure(message, path):
    return exception.StackValidationFailed(message=message, path=list(path))


def typed_value(schema, value, validate=False, context=None, path=()):
    """``value`` converted to ``schema``'s type, children included.

    With ``validate`` the constraints are applied too. Errors are
    ``StackValidationFailed`` at ``path`` (relative to the property).
    """
    try:
        value = _convert(schema, value)
    except (TypeError, ValueError) as exc:
        raise _failure(str(exc), path) from exc
    if schema.schema is not None:
        if schema.type == MAP and isinstance(value, dict):
            nested = Properties(schema.schema, value, resolver=_identity,
                                context=context)
            if validate:
                nested.validate_relative(path)
            value = nested.typed(path)
        elif schema.type == LIST and isinstance(value, list):
            value = [typed_value(schema.schema, item, validate, context,
                                 list(path) + [index])
                     for index, item in enumerate(value)]
    if validate:
        try:
            schema.validate_constraints(value, context)
        except (TypeError, ValueError) as exc:
            raise _failure(str(exc), path) from exc
    return value


def _identity(value):
    return value


# -- properties -------------------------------------------------------------

class Properties(collections.abc.Mapping):
    """The properties of one resource: a Mapping of typed values.

    ``data`` is the template's property snippet (it may hold functions);
    ``resolver`` resolves a value on access. ``parent_name`` is the
    resource's name and ``path`` (default
    ``['resources', parent_name, 'properties']``) prefixes error paths.
    """

    def __init__(self, schema, data, resolver=function.resolve,
                 parent_name=None, context=None, path=None):
        self.props = dict(schema or {})
        self.data = data if data is not None else {}
        self.resolve = resolver
        self.parent_name = parent_name
        self.context = context
        if path is None:
            path = (['resources', parent_name, 'properties']
                    if parent_name is not None else [])
        self.error_prefix = list(path)

    # -- Mapping ---------------------------------------------------------

    def __getitem__(self, key):
        if key not in self.props:
            raise KeyError('Invalid Property %s' % key)
        try:
            return self._value(key, validate=False)
        except exception.StackValidationFailed as exc:
            err = self._with_prefix(exc)
            # a value read by code, not a validation of the schema: what
            # upstream reports as a ValueError of the resource when its
            # validate() reads it (see StackResource._validate_nested)
            err._read_value = True
            raise err from exc

    def __iter__(self):
        return iter(self.props)

    def __len__(self):
        return len(self.props)

    def __contains__(self, key):
        return key in self.props

    # -- values ----------------------------------------------------------

    def _resolved(self, key):
        """The user's value of ``key``: (value, given)."""
        if not isinstance(self.data, collections.abc.Mapping) or \
                key not in self.data:
            return None, False
        return self.resolve(self.data[key]), True

    def _value(self, key, validate=False):
        schema = self.props[key]
        value, given = self._resolved(key)
        if value is None:
            if schema.has_default():
                value = schema.default
            elif given:
                # An explicit null is the type's empty value (upstream).
                return copy.copy(_EMPTY.get(schema.type))
            elif schema.required:
                # Upstream reports a missing value at the resource.
                raise _failure('Property %s not assigned' % key, [])
            else:
                return None
        return typed_value(schema, value, validate, self.context, [key])

    def get_user_value(self, key):
        """The resolved value the template gave (None when absent)."""
        return self._resolved(key)[0]

    def typed(self, path=()):
        """Every value, typed, as a plain dict (errors at ``path``)."""
        out = {}
        for key in self.props:
            try:
                out[key] = self._value(key)
            except exception.StackValidationFailed as exc:
                raise exception.StackValidationFailed(
                    message=exc.error_message,
                    path=list(path) + exc.path) from exc
        return out

    def _with_prefix(self, exc):
        return exception.StackValidationFailed(
            message=exc.error_message, path=self.error_prefix + exc.path,
            error=exc.error or PROPERTY_ERROR)

    # -- validation ------------------------------------------------------

    def validate(self, with_value=True):
        """Raise ``StackValidationFailed`` for the first problem."""
        try:
            self.validate_relative((), with_value)
        except exception.StackValidationFailed as exc:
            raise self._with_prefix(exc) from exc

    def validate_relative(self, path, with_value=True):
        """Validate with errors at ``path`` (relative, no prefix)."""
        path = list(path)
        if not isinstance(self.data, collections.abc.Mapping):
            raise _failure('"%s" is not a map' % (self.data,), path)
        for key in self.data:
            if key not in self.props:
                raise _failure('Unknown Property %s' % key, path)
        for key, schema in self.props.items():
            if not schema.implemented and key in self.data:
                raise _failure('Property %s not implemented yet' % key,
                               path)
            if not with_value:
                continue
            if key in self.data and _waits_for_resources(self.data[key]):
                # Known once the resources it refers to exist.
                continue
            try:
                self._value(key, validate=True)
            except exception.StackValidationFailed as exc:
                raise exception.StackValidationFailed(
                    message=exc.error_message, path=path + exc.path,
                    error=exc.error) from exc
            except Exception as exc:
                # whatever resolving the value raised (upstream)
                message = (exc.args[0] if isinstance(exc, KeyError) and
                           exc.args else str(exc))
                raise _failure(str(message), path + [key]) from exc

    def update_allowed_set(self):
        return {k for k, s in self.props.items() if s.update_allowed}

    def immutable_set(self):
        return {k for k, s in self.props.items() if s.immutable}


def _waits_for_resources(snippet):
    """Whether ``snippet`` refers to a resource not created yet (its
    value is not known until then)."""
    if isinstance(snippet, function.Function):
        stack = getattr(snippet, 'stack', None)
        try:
            names = list(function.dependencies(snippet))
        except Exception:
            return False
        for name in names:
            rsrc = None
            if stack is not None and hasattr(stack, 'resource_by_name'):
                try:
                    rsrc = stack.resource_by_name(name)
                except Exception:
                    rsrc = None
            action = getattr(rsrc, 'action', None)
            if action is None or action == 'INIT':
                return True
        return False
    if isinstance(snippet, collections.abc.Mapping):
        return any(_waits_for_resources(v) for v in snippet.values())
    if isinstance(snippet, (list, tuple)):
        return any(_waits_for_resources(v) for v in snippet)
    return False
