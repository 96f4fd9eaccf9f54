"""Resource attributes: declared schemas and lazily resolved values.

A resource type declares ``attributes_schema`` (name -> :class:`Schema`);
every resource also has the base attribute ``show`` (the physical
resource's details, or None). :class:`Attributes` resolves a value only
when it is asked for, through the resource's resolver, and keeps it
(``cache_mode`` ``cache_local``) until :meth:`Attributes.reset_resolved_values`
is called (the resource does it when its state changes); ``cache_none``
attributes are resolved on every access.

``get_attr: [res, attr, key, 0]`` selects inside a value with
:func:`select_from_attribute`.
"""

import collections.abc
import functools

CACHE_MODES = (CACHE_LOCAL, CACHE_NONE) = ('cache_local', 'cache_none')
TYPES = (STRING, MAP, LIST, INTEGER, BOOLEAN, NUMBER, ANY) = (
    'String', 'Map', 'List', 'Integer', 'Boolean', 'Number', 'Any')

SHOW = 'show'


class Schema:
    """The declaration of one attribute."""

    CACHE_MODES = CACHE_MODES
    CACHE_LOCAL, CACHE_NONE = CACHE_MODES
    TYPES = TYPES
    STRING, MAP, LIST, INTEGER, BOOLEAN, NUMBER, ANY = TYPES

    def __init__(self, description=None, support_status=None,
                 cache_mode=CACHE_LOCAL, type=None):
        if cache_mode not in CACHE_MODES:
            raise ValueError('Invalid cache mode (%s)' % (cache_mode,))
        if type is not None and type not in TYPES:
            raise ValueError('Invalid attribute type (%s)' % (type,))
        self.description = description
        self.support_status = support_status
        self.cache_mode = cache_mode
        self.type = type

    @classmethod
    def from_output(cls, output_name, description=None):
        """The schema of a provider template's output used as an
        attribute (never cached: outputs follow the nested stack)."""
        return cls(description or 'No description given',
                   cache_mode=CACHE_NONE)

    def to_dict(self):
        """Upstream's attribute description (``resource_schema`` API)."""
        out = {'description': self.description}
        if self.type is not None:
            out['type'] = self.type.lower()
        return out

    def __repr__(self):
        return 'Schema(%r)' % (self.description,)


#: attributes every resource has
BASE_ATTRIBUTES = {
    SHOW: Schema('Detailed information about resource.',
                 cache_mode=CACHE_NONE, type=MAP),
}


def schemata(schema_dict):
    """``schema_dict`` with each value checked to be a :class:`Schema`."""
    out = {}
    for name, schema in schema_dict.items():
        if not isinstance(schema, Schema):
            raise TypeError('Attribute %s: not an attributes.Schema' % name)
        out[name] = schema
    return out


class Attributes(collections.abc.Mapping):
    """The attributes of one resource, resolved on demand.

    ``resolver(name)`` gives the value of attribute ``name``. Asking for a
    name the schema lacks raises ``KeyError`` (the resource turns it into
    ``InvalidTemplateAttribute``).
    """

    def __init__(self, res_name, schema, resolver):
        self._resource_name = res_name
        self._schema = schemata(schema)
        self._resolver = resolver
        self._resolved_values = {}

    @property
    def schema(self):
        return self._schema

    def reset_resolved_values(self):
        """Forget cached values (the resource changed)."""
        self._resolved_values.clear()

    def set_cached_attr(self, key, value):
        self._resolved_values[key] = value

    def has_cached(self, key):
        return key in self._resolved_values

    def __getitem__(self, key):
        if key not in self._schema:
            raise KeyError('%s: Invalid attribute %s' % (
                self._resource_name, key))
        if key in self._resolved_values:
            return self._resolved_values[key]
        value = self._resolver(key)
        if self._schema[key].cache_mode == CACHE_LOCAL:
            self._resolved_values[key] = value
        return value

    def __iter__(self):
        return iter(self._schema)

    def __len__(self):
        return len(self._schema)

    def __contains__(self, key):
        return key in self._schema

    def __repr__(self):
        return 'Attributes for %s:\n\t%s' % (
            self._resource_name, '\n\t'.join(self._schema))


def _component(collection, key):
    if not isinstance(collection, (collections.abc.Mapping,
                                   collections.abc.Sequence)):
        raise TypeError("Can't traverse attribute path")
    if not isinstance(key, (str, int)) or isinstance(key, bool):
        raise TypeError('Path components in attributes must be strings')
    if isinstance(collection, (list, tuple)) and isinstance(key, str):
        # ``[res, attr, '0']`` written as text indexes a list too.
        try:
            key = int(key)
        except ValueError:
            raise TypeError('List indexes must be integers') from None
    return collection[key]


def select_from_attribute(attribute_value, path):
    """The item at ``path`` inside an attribute's value, None if absent."""
    try:
        return functools.reduce(_component, path, attribute_value)
    except (KeyError, IndexError, TypeError):
        return None
