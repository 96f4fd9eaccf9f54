"""The intrinsic functions of CloudFormation-compatible templates.

``FUNCTIONS`` and ``CONDITION_FUNCTIONS`` map each CFN format version
(``'2010-09-09'`` for ``AWSTemplateFormatVersion``, ``'2012-12-12'`` for
``HeatTemplateFormatVersion``) to ``{name: class}``. Several classes here
are also the base of the HOT functions (``heat.engine.hot.functions``) and
some are used by HOT 2013-05-23, which still accepts ``Ref`` and ``Fn::*``.

Every class checks its arguments in ``validate()`` and again in
``result()`` (so resolving without validating fails the same way), raising
``StackValidationFailed`` with a message that names the function and the
offending value; the walkers of ``heat.engine.function`` add the path.
"""

import collections.abc
import json
import re

from heat.common import exception
from heat.engine import function

# Pseudo parameters of CFN templates, answered from the stack when the
# parameters object does not carry them.
PSEUDO_PARAMETERS = ('AWS::StackId', 'AWS::StackName', 'AWS::Region')


def _short(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...'


def _pseudo_from_stack(stack):
    return {'AWS::StackId': getattr(stack, 'id', None),
            'AWS::StackName': getattr(stack, 'name', None),
            'AWS::Region': getattr(stack, 'region_name', None),
            'OS::stack_id': getattr(stack, 'id', None),
            'OS::stack_name': getattr(stack, 'name', None),
            'OS::project_id': getattr(stack, 'tenant_id', None)}


def _declared(params, name):
    try:
        return name in params
    except TypeError:
        return False


def parameter_value(fn, name):
    """A parameter's value, pseudo parameters included; KeyError if none.

    A declared parameter without a value raises what the parameters object
    raises (``UserParameterMissing``).
    """
    params = fn.stack.parameters
    if _declared(params, name):
        return params[name]
    pseudo = _pseudo_from_stack(fn.stack)
    if name in pseudo:
        return pseudo[name]
    raise KeyError(name)


def has_parameter(fn, name):
    """Whether ``name`` is a declared (or pseudo) parameter.

    Only the name is checked, so that a template validates without
    parameter values, as upstream.
    """
    return (_declared(fn.stack.parameters, name) or
            name in _pseudo_from_stack(fn.stack))


# Errors that leave a name unknown while the template is checked (a
# parameter without a value, say): the check waits for the values.
_UNDECIDED = (exception.HeatException, TypeError, ValueError, KeyError,
              IndexError)


def _own_attribute_lookup(resource):
    """Whether ``resource``'s type looks its attributes up itself (a
    provider template's outputs, a group's members): as upstream, a
    get_attr of one is not judged against its schema when validated,
    only when resolved (an update may change that schema while another
    update runs)."""
    from heat.engine import resource as resource_mod
    base = resource_mod.Resource
    cls = type(resource)
    if not isinstance(resource, base):
        return False
    return (cls.get_attribute is not base.get_attribute or
            cls.FnGetAtt is not base.FnGetAtt)


def _unknown_resource(name, key='unknown'):
    return exception.InvalidTemplateReference(resource=name, key=key)


class ResourceRef(function.Function):
    """Shared by ``get_resource`` and the resource form of ``Ref``."""

    def _resource_name(self):
        name = function.resolve(self.args)
        if not isinstance(name, str):
            raise self.invalid('Argument to "%s" must be a string, not %s',
                               self.fn_name, _short(name))
        return name

    def _check_exists(self, name, key='unknown'):
        if not self.stack.has_resource(name):
            raise _unknown_resource(name, key)

    def validate(self):
        super().validate()
        try:
            name = self._resource_name()
        except exception.UserParameterMissing:
            return
        self._check_exists(name)

    def dependencies(self, path=''):
        yield from super().dependencies(path)
        try:
            name = self._resource_name()
        except _UNDECIDED:
            return
        self._check_exists(name, path or 'unknown')
        yield name

    def result(self):
        name = self._resource_name()
        resource = self.stack.resource_by_name(name)
        if resource is None:
            raise _unknown_resource(name)
        return resource.FnGetRefId()


class ParamRef(function.Function):
    """``Ref`` to a parameter (the only form allowed in conditions)."""

    def _param_name(self):
        name = function.resolve(self.args)
        if not isinstance(name, str):
            raise self.invalid('Argument to "%s" must be a string, not %s',
                               self.fn_name, _short(name))
        return name

    def validate(self):
        super().validate()
        try:
            name = self._param_name()
        except exception.UserParameterMissing:
            return
        if not has_parameter(self, name):
            raise _unknown_resource(name)

    def result(self):
        name = self._param_name()
        try:
            return parameter_value(self, name)
        except KeyError:
            raise _unknown_resource(name) from None


class Ref(ResourceRef, ParamRef):
    """``Ref: name``: a resource's reference id or a parameter's value.

    A name that is a resource of the template refers to the resource;
    otherwise it must be a parameter or a pseudo parameter
    (``AWS::StackName``, ``AWS::StackId``, ``AWS::Region``).
    """

    def _is_resource(self, name):
        return self.stack.has_resource(name)

    def validate(self):
        function.validate(self.args)
        try:
            name = self._param_name()
        except exception.UserParameterMissing:
            return
        if not self._is_resource(name) and not has_parameter(self, name):
            raise _unknown_resource(name)

    def dependencies(self, path=''):
        yield from function.dependencies(self.args,
                                         function._join(path, self.fn_name))
        try:
            name = self._param_name()
        except _UNDECIDED:
            return
        if self._is_resource(name):
            yield name

    def result(self):
        name = self._param_name()
        if self._is_resource(name):
            return ResourceRef.result(self)
        return ParamRef.result(self)


def select_path(value, path):
    """Follow ``path`` (keys and indexes) into ``value``; None if absent."""
    for key in path:
        if isinstance(value, collections.abc.Mapping):
            if not isinstance(key, (str, int)):
                return None
            value = value.get(key)
        elif function.is_sequence(value):
            try:
                value = value[int(key)]
            except (ValueError, TypeError, IndexError):
                return None
        else:
            return None
    return value


class GetAtt(function.Function):
    """``Fn::GetAtt: [resource_name, attribute]``.

    The HOT ``get_attr`` classes extend this with attribute paths and the
    all-attributes form.
    """

    usage = '[resource_name, attribute]'

    def _split_args(self, args):
        """(resource name, attribute, path) from the argument list."""
        if not function.is_sequence(args) or len(args) != 2:
            raise self.invalid('Arguments to "%s" must be of the form %s, '
                               'not %s', self.fn_name, self.usage,
                               _short(args))
        return args[0], args[1], []

    def _parts(self):
        return self._split_args(self.args)

    def _resource_name(self):
        name = function.resolve(self._parts()[0])
        if not isinstance(name, str):
            raise self.invalid('Resource name in "%s" must be a string, '
                               'not %s', self.fn_name, _short(name))
        return name

    def _attribute(self):
        attr = self._parts()[1]
        if attr is None:
            return None
        attr = function.resolve(attr)
        if not isinstance(attr, str):
            raise self.invalid('Attribute name in "%s" must be a string, '
                               'not %s', self.fn_name, _short(attr))
        return attr

    def _path(self):
        path = function.resolve(self._parts()[2])
        for key in path:
            if not isinstance(key, (str, int)):
                raise self.invalid('Path components in "%s" must be '
                                   'strings or integers, not %s',
                                   self.fn_name, _short(key))
        return path

    def _attr_key(self):
        """What dep_attrs reports for this call."""
        return self._attribute()

    def validate(self):
        super().validate()
        self._parts()
        try:
            name = self._resource_name()
            attr = self._attribute()
            self._path()
        except exception.UserParameterMissing:
            return
        if not self.stack.has_resource(name):
            raise _unknown_resource(name)
        resource = self.stack.resource_by_name(name)
        if _own_attribute_lookup(resource):
            return
        schema = getattr(resource, 'attributes_schema', None)
        # every resource has the base attributes (``show``), as upstream
        base = getattr(resource, 'base_attributes_schema', None) or {}
        if attr is not None and schema is not None and \
                attr not in schema and attr not in base:
            raise exception.InvalidTemplateAttribute(resource=name, key=attr)

    def dependencies(self, path=''):
        yield from super().dependencies(path)
        try:
            name = self._resource_name()
        except _UNDECIDED:
            return
        if not self.stack.has_resource(name):
            raise _unknown_resource(name, path or 'unknown')
        yield name

    def dep_attrs(self, resource_name):
        yield from super().dep_attrs(resource_name)
        try:
            if self._resource_name() != resource_name:
                return
            key = self._attr_key()
        except _UNDECIDED:
            # A malformed call needs nothing; validate() reports it.
            return
        yield key

    def _resource(self):
        name = self._resource_name()
        resource = self.stack.resource_by_name(name)
        if resource is None:
            raise _unknown_resource(name)
        return resource

    def _value(self, resource, attr, path):
        return resource.FnGetAtt(attr)

    def result(self):
        attr = self._attribute()
        path = self._path()
        return self._value(self._resource(), attr, path)


class Select(function.Function):
    """``Fn::Select: [index, list_or_map]``.

    A list index may be a number or a numeric string; a map key must be a
    string. An index that is out of range (or a key not in the map)
    resolves to an empty string, as does an empty or missing collection.
    A string collection is read as JSON.
    """

    def _split(self, args):
        if not function.is_sequence(args) or len(args) != 2:
            raise self.invalid('Arguments to "%s" must be of the form '
                               '[index, collection], not %s',
                               self.fn_name, _short(args))
        return args

    def validate(self):
        super().validate()
        self._split(self.args)

    def result(self):
        lookup, strings = self._split(self.args)
        index = function.resolve(lookup)
        strings = function.resolve(strings)

        if strings == '' or strings is None:
            return ''
        if isinstance(strings, str):
            try:
                strings = json.loads(strings)
            except ValueError as exc:
                raise self.invalid('"%s": %s', self.fn_name, exc) from None

        if isinstance(strings, collections.abc.Mapping):
            if not isinstance(index, str):
                raise self.invalid('Index to "%s" must be a string when '
                                   'selecting from a map, not %s',
                                   self.fn_name, _short(index))
            return strings.get(index, '')

        if function.is_sequence(strings):
            try:
                index = int(index)
            except (ValueError, TypeError):
                raise self.invalid('Index to "%s" must be an integer, '
                                   'not %s', self.fn_name,
                                   _short(index)) from None
            if 0 <= index < len(strings):
                return strings[index]
            return ''

        raise self.invalid('Arguments to "%s" not fully resolved: %s',
                           self.fn_name, _short(strings))


def _ensure_string(fn, item):
    if item is None:
        return ''
    if not isinstance(item, str):
        raise fn.invalid('Items to join in "%s" must be strings, not %s',
                         fn.fn_name, _short(item))
    return item


class Join(function.Function):
    """``Fn::Join: [delimiter, [string, ...]]`` (also HOT ``list_join``
    before 2015-10-15)."""

    def _split(self, args):
        if not isinstance(args, list) or len(args) != 2:
            raise self.invalid('Incorrect arguments to "%s" should be: '
                               '[" ", ["str1", "str2"]], not %s',
                               self.fn_name, _short(args))
        return args

    def validate(self):
        super().validate()
        self._split(self.args)

    def result(self):
        delim, strings = self._split(self.args)
        strings = function.resolve(strings)
        if strings is None:
            strings = []
        if not function.is_sequence(strings):
            raise self.invalid('"%s" must operate on a list, not %s',
                               self.fn_name, _short(strings))
        delim = function.resolve(delim)
        if not isinstance(delim, str):
            raise self.invalid('"%s" delimiter must be a string, not %s',
                               self.fn_name, _short(delim))
        return delim.join(_ensure_string(self, s) for s in strings)


class Split(function.Function):
    """``Fn::Split: [delimiter, string]`` -> list of strings."""

    def _split(self, args):
        if not function.is_sequence(args) or len(args) != 2:
            raise self.invalid('Incorrect arguments to "%s" should be: '
                               '[",", "str1,str2"], not %s',
                               self.fn_name, _short(args))
        return args

    def validate(self):
        super().validate()
        delim, _strings = self._split(self.args)
        if not isinstance(delim, (str, function.Function)):
            raise self.invalid('Delimiter for "%s" must be a string, '
                               'not %s', self.fn_name, _short(delim))

    def result(self):
        delim, strings = self._split(self.args)
        delim = function.resolve(delim)
        strings = function.resolve(strings)
        if not isinstance(delim, str) or not delim:
            raise self.invalid('Delimiter for "%s" must be a non-empty '
                               'string, not %s', self.fn_name,
                               _short(delim))
        if not isinstance(strings, str):
            raise self.invalid('String to split in "%s" must be a string, '
                               'not %s', self.fn_name, _short(strings))
        return strings.split(delim)


class Replace(function.Function):
    """``Fn::Replace: [{placeholder: value, ...}, template_string]``.

    Longer placeholders are replaced first; among placeholders of the same
    length the lexically smaller first. Replacement text is never searched
    again. The HOT ``str_replace`` family extends this.
    """

    #: Every placeholder must occur in the template (str_replace_strict).
    strict = False
    #: None or empty values are allowed (not in str_replace_vstrict).
    allow_empty = True

    def _split(self, args):
        """(mapping, template) from the arguments."""
        if not function.is_sequence(args) or len(args) != 2:
            raise self.invalid(
                'Incorrect arguments to "%s" should be: '
                '[{"$var1": "foo", "%%var2%%": "bar"}, "$var1 is %%var2%%"],'
                ' not %s', self.fn_name, _short(args))
        return args[0], args[1]

    def validate(self):
        super().validate()
        mapping, _template = self._split(self.args)
        if not isinstance(mapping, (collections.abc.Mapping,
                                    function.Function)):
            raise self.invalid('"%s" params must be a map, not %s',
                               self.fn_name, _short(mapping))

    def _replacement(self, value, placeholder):
        """The text that replaces ``placeholder``."""
        if value is None:
            return ''
        if isinstance(value, (str, int, float)):
            return str(value)
        raise self.invalid('"%s" params must be strings or numbers, param '
                           '%s is not valid: %s', self.fn_name,
                           placeholder, _short(value))

    def result(self):
        mapping, template = self._split(self.args)
        template = function.resolve(template)
        mapping = function.resolve(mapping)
        if not isinstance(template, str):
            raise self.invalid('"%s" template must be a string, not %s',
                               self.fn_name, _short(template))
        if not isinstance(mapping, collections.abc.Mapping):
            raise self.invalid('"%s" params must be a map, not %s',
                               self.fn_name, _short(mapping))
        for key in mapping:
            if not isinstance(key, str):
                raise self.invalid('"%s" param placeholders must be '
                                   'strings, not %s', self.fn_name,
                                   _short(key))
        keys = sorted(sorted(mapping), key=len, reverse=True)
        values = {k: self._replacement(mapping[k], k) for k in keys}
        found = set()

        def replace(text, remaining):
            if not remaining:
                return text
            key, rest = remaining[0], remaining[1:]
            pieces = text.split(key)
            if len(pieces) > 1:
                found.add(key)
            return values[key].join(replace(p, rest) for p in pieces)

        out = replace(template, keys)
        missing = [k for k in keys if k not in found]
        if self.strict and missing:
            raise self.invalid('"%s": The following params were not found '
                               'in the template: %s', self.fn_name,
                               ','.join(missing))
        return out


class Base64(function.Function):
    """``Fn::Base64: string`` -> the string itself (no encoding)."""

    def result(self):
        value = function.resolve(self.args)
        if not isinstance(value, str):
            raise self.invalid('"%s" argument must be a string, not %s',
                               self.fn_name, _short(value))
        return value


_MEMBER = re.compile(r'\.member\.([0-9]+)\.(.*)$')


class MemberListToMap(function.Function):
    """``Fn::MemberListToMap: [key_name, value_name, member_list]``.

    ``['Name', 'Value', ['.member.0.Name=k', '.member.0.Value=v']]``
    resolves to ``{'k': 'v'}``.
    """

    def _split(self, args):
        if not function.is_sequence(args) or len(args) != 3:
            raise self.invalid(
                'Wrong arguments to "%s", should be: ["Name", "Value", '
                '[".member.0.Name=key", ".member.0.Value=door"]], not %s',
                self.fn_name, _short(args))
        keyname, valuename, members = args
        if not isinstance(keyname, str):
            raise self.invalid('"%s" key name must be a string, not %s',
                               self.fn_name, _short(keyname))
        if not isinstance(valuename, str):
            raise self.invalid('"%s" value name must be a string, not %s',
                               self.fn_name, _short(valuename))
        return keyname, valuename, members

    def validate(self):
        super().validate()
        self._split(self.args)

    def result(self):
        keyname, valuename, members = self._split(self.args)
        members = function.resolve(members)
        if not function.is_sequence(members):
            raise self.invalid('"%s" member list must be a list, not %s',
                               self.fn_name, _short(members))
        entries = {}
        for item in members:
            if not isinstance(item, str):
                raise self.invalid('"%s" member list items must be '
                                   'strings, not %s', self.fn_name,
                                   _short(item))
            name, _sep, value = item.partition('=')
            match = _MEMBER.match(name)
            if match:
                index = int(match.group(1))
                entries.setdefault(index, {})[match.group(2)] = value
        return {e[keyname]: e[valuename]
                for _i, e in sorted(entries.items())
                if keyname in e and valuename in e}


class ResourceFacade(function.Function):
    """``Fn::ResourceFacade: Metadata | DeletionPolicy | UpdatePolicy``.

    Data of the resource a nested stack was created for.
    """

    METADATA, DELETION_POLICY, UPDATE_POLICY = (
        'Metadata', 'DeletionPolicy', 'UpdatePolicy')

    def _allowed(self):
        return (self.METADATA, self.DELETION_POLICY, self.UPDATE_POLICY)

    def _check(self, attr):
        if attr not in self._allowed():
            raise self.invalid('Incorrect arguments to "%s" should be one '
                               'of: %s, not %s', self.fn_name,
                               ', '.join(self._allowed()), _short(attr))

    def validate(self):
        super().validate()
        if not isinstance(self.args, function.Function):
            self._check(self.args)

    def result(self):
        attr = function.resolve(self.args)
        self._check(attr)
        parent = self.stack.parent_resource
        if parent is None:
            raise self.invalid('"%s" is only available in a nested stack '
                               '(the stack has no parent resource)',
                               self.fn_name)
        if attr == self.METADATA:
            return function.resolve(parent.metadata)
        if attr == self.DELETION_POLICY:
            return function.resolve(parent.deletion_policy)
        return function.resolve(parent.update_policy or {})


class GetAZs(function.Function):
    """``Fn::GetAZs: region`` -> the availability zone names."""

    def _check(self, region):
        if not isinstance(region, str) and region is not None:
            raise self.invalid('Argument to "%s" must be a region name '
                               '(a string), not %s', self.fn_name,
                               _short(region))

    def validate(self):
        super().validate()
        if not isinstance(self.args, function.Function):
            self._check(self.args)

    def result(self):
        self._check(function.resolve(self.args))
        return list(self.stack.availability_zones())


class FindInMap(function.Function):
    """``Fn::FindInMap: [map_name, top_key, second_key]``."""

    def _split(self, args):
        if not function.is_sequence(args) or len(args) != 3:
            raise self.invalid('Arguments to "%s" must be of the form '
                               '[map_name, top_level_key, second_level_key]'
                               ', not %s', self.fn_name, _short(args))
        return args

    def validate(self):
        super().validate()
        self._split(self.args)

    def _mappings(self):
        tmpl = self.stack.t
        try:
            maps = tmpl['Mappings']
        except Exception:  # noqa: BLE001 - any template helper shape
            raw = getattr(tmpl, 't', tmpl)
            maps = raw.get('Mappings') if isinstance(
                raw, collections.abc.Mapping) else None
        return maps or {}

    def result(self):
        names = [function.resolve(a) for a in self._split(self.args)]
        value = self._mappings()
        for depth, key in enumerate(names):
            if not isinstance(value, collections.abc.Mapping):
                raise self.invalid('"%s": %s is not a map',
                                   self.fn_name,
                                   '.'.join(map(str, names[:depth])))
            try:
                value = value[key]
            except (KeyError, TypeError):
                where = ('Mappings' if depth == 0 else
                         'mapping %s' % '.'.join(map(str, names[:depth])))
                raise self.invalid('"%s": key %s not found in %s',
                                   self.fn_name, _short(key),
                                   where) from None
        return value


# Conditions -------------------------------------------------------------

def condition_value(fn, value):
    """A resolved condition: a boolean, or the name of a condition."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return bool(fn.stack.condition(value))
        except (KeyError, ValueError, TypeError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            raise fn.invalid('%s', message) from None
    raise fn.invalid('Invalid condition in "%s": %s (a condition is a '
                     'condition name, a boolean or a condition function)',
                     fn.fn_name, _short(value))


class Equals(function.Function):
    """``Fn::Equals: [value_1, value_2]`` -> whether they are equal."""

    def _split(self, args):
        if not isinstance(args, list) or len(args) != 2:
            raise self.invalid('Arguments to "%s" must be of the form: '
                               '[value_1, value_2], not %s',
                               self.fn_name, _short(args))
        return args

    def validate(self):
        super().validate()
        self._split(self.args)

    def result(self):
        first, second = self._split(self.args)
        return function.resolve(first) == function.resolve(second)


class Not(function.Function):
    """``Fn::Not: [condition]`` -> the negated condition."""

    def _condition(self):
        args = self.args
        if not function.is_sequence(args) or len(args) != 1:
            raise self.invalid('Arguments to "%s" must be of the form: '
                               '[condition], not %s', self.fn_name,
                               _short(args))
        return args[0]

    def validate(self):
        super().validate()
        self._condition()

    def result(self):
        return not condition_value(self,
                                   function.resolve(self._condition()))


class And(function.Function):
    """``Fn::And: [condition_1, condition_2, ...]`` (two or more)."""

    combine = staticmethod(all)

    def _conditions(self):
        args = self.args
        if not function.is_sequence(args):
            raise self.invalid('Arguments to "%s" must be a list of '
                               'conditions, not %s', self.fn_name,
                               _short(args))
        if len(args) < 2:
            raise self.invalid('The minimum number of condition arguments '
                               'to "%s" is 2, got %d', self.fn_name,
                               len(args))
        return args

    def validate(self):
        super().validate()
        self._conditions()

    def result(self):
        return self.combine(condition_value(self, function.resolve(c))
                            for c in self._conditions())


class Or(And):
    """``Fn::Or: [condition_1, condition_2, ...]`` (two or more)."""

    combine = staticmethod(any)


class If(function.Function):
    """``Fn::If: [condition, value_if_true, value_if_false]``.

    The condition is a condition name, a boolean or a condition function;
    only the chosen value is resolved. The template parses the arguments
    with the ordinary functions, so the condition is parsed again here
    with ``condition_functions`` (set per version on the class).
    """

    condition_functions = {}
    #: Function names of other versions (reported as not supported).
    known_names = frozenset()
    #: Functions of this version that are not allowed in a condition.
    invalid_names = frozenset()
    version = None
    #: The 2021-04-16 form: the false value may be left out, and the
    #: enclosing item is then removed.
    optional_false = False

    def _split(self):
        args = self.args
        ok = function.is_sequence(args) and (
            len(args) == 3 or (self.optional_false and len(args) == 2))
        if not ok:
            form = ('[condition_name, value_if_true(, value_if_false)]'
                    if self.optional_false else
                    '[condition_name, value_if_true, value_if_false]')
            raise self.invalid('Arguments to "%s" must be of the form: %s,'
                               ' not %s', self.fn_name, form, _short(args))
        if len(args) == 2:
            return args[0], args[1], function.REMOVED
        return args[0], args[1], args[2]

    def _condition(self):
        cached = getattr(self, '_parsed_condition', None)
        if cached is None:
            cached = self._reparse(self._split()[0])
            self._parsed_condition = cached
        return cached

    def _reparse(self, node):
        """Parse ``node`` again with the condition functions."""
        funcs = self.condition_functions
        if isinstance(node, function.Invalid) and not isinstance(
                node, function.InvalidInContext):
            node = {node.fn_name: node.args}
        if isinstance(node, function.Function):
            args = function.unparse(node.args)
            if node.fn_name in funcs:
                return funcs[node.fn_name](self.stack, node.fn_name,
                                           self._reparse(args))
            return function.InvalidInContext(self.stack, node.fn_name,
                                             node.args, self.version)
        if isinstance(node, collections.abc.Mapping):
            return function.parse(
                self.stack, function.unparse(node), funcs,
                version=self.version,
                known_names=self.known_names - set(funcs),
                invalid_here=self.invalid_names)
        if isinstance(node, (list, tuple)):
            return [self._reparse(item) for item in node]
        return node

    def _value(self):
        return condition_value(self, function.resolve(self._condition()))

    def validate(self):
        _cond, when_true, when_false = self._split()
        function.validate(self._condition(), [0])
        # As upstream, only the value the condition chooses is checked;
        # both are when the condition cannot be evaluated yet.
        try:
            resolved = function.resolve(self._condition())
        except Exception:  # noqa: BLE001 - undecided: check both
            chosen = [1, 2]
        else:
            # A name that is not a condition, or a value that is not a
            # condition at all, is the template's error: let it out.
            chosen = [1] if condition_value(self, resolved) else [2]
        for index in chosen:
            branch = when_true if index == 1 else when_false
            if branch is not function.REMOVED:
                function.validate(branch, [index])

    def dependencies(self, path=''):
        _cond, when_true, when_false = self._split()
        here = function._join(path, self.fn_name)
        try:
            chosen = [(1, when_true)] if self._value() else [(2, when_false)]
        except Exception:  # noqa: BLE001 - unknown yet: both branches
            chosen = [(1, when_true), (2, when_false)]
        for index, branch in chosen:
            yield from function.dependencies(branch,
                                             function._join(here, index))

    def dep_attrs(self, resource_name):
        _cond, when_true, when_false = self._split()
        try:
            chosen = [when_true] if self._value() else [when_false]
        except Exception:  # noqa: BLE001 - unknown yet: both branches
            chosen = [when_true, when_false]
        for branch in chosen:
            yield from function.dep_attrs(branch, resource_name)

    def result(self):
        _cond, when_true, when_false = self._split()
        if self._value():
            return function.resolve(when_true, nullable=True)
        return function.resolve(when_false, nullable=True)


# Version tables ---------------------------------------------------------

_HEAT_2012 = {
    'Fn::FindInMap': FindInMap,
    'Fn::GetAZs': GetAZs,
    'Ref': Ref,
    'Fn::GetAtt': GetAtt,
    'Fn::Select': Select,
    'Fn::Join': Join,
    'Fn::Split': Split,
    'Fn::Replace': Replace,
    'Fn::Base64': Base64,
    'Fn::MemberListToMap': MemberListToMap,
    'Fn::ResourceFacade': ResourceFacade,
}

_CONDITIONS_2010 = {
    'Fn::Equals': Equals,
    'Ref': ParamRef,
    'Fn::FindInMap': FindInMap,
    'Fn::Not': Not,
    'Fn::And': And,
    'Fn::Or': Or,
}


def versioned_if(base, version):
    """A subclass of ``base`` (an If class) for one template version.

    Its condition tables are filled in by :func:`bind_if_tables` once the
    version tables exist.
    """
    return type(base.__name__, (base,), {'version': version,
                                         '__doc__': base.__doc__})


def bind_if_tables(functions, condition_functions, known_names):
    """Give each version's If class the tables it parses conditions with."""
    for version, table in functions.items():
        for cls in table.values():
            if isinstance(cls, type) and issubclass(cls, If):
                conds = condition_functions.get(version, {})
                cls.condition_functions = conds
                cls.known_names = frozenset(known_names)
                cls.invalid_names = frozenset(set(table) - set(conds))


CONDITION_FUNCTIONS = {
    '2010-09-09': dict(_CONDITIONS_2010),
    '2012-12-12': {},
}

FUNCTIONS = {
    '2010-09-09': dict(_HEAT_2012,
                       **{'Fn::If': versioned_if(If, '2010-09-09')}),
    '2012-12-12': dict(_HEAT_2012),
}

#: Every function name of any CFN version.
ALL_FUNCTION_NAMES = frozenset(
    name for table in FUNCTIONS.values() for name in table)

#: Every condition function name of any CFN version.
ALL_CONDITION_FUNCTION_NAMES = frozenset(
    name for table in CONDITION_FUNCTIONS.values() for name in table)


def parse(stack, snippet, version, condition=False):
    """Parse a CFN snippet of ``version`` (``condition``: a condition)."""
    if condition:
        funcs = CONDITION_FUNCTIONS[version]
        return function.parse(
            stack, snippet, funcs, version,
            known_names=ALL_FUNCTION_NAMES | ALL_CONDITION_FUNCTION_NAMES,
            invalid_here=set(FUNCTIONS[version]) - set(funcs))
    return function.parse(stack, snippet, FUNCTIONS[version], version,
                          known_names=ALL_FUNCTION_NAMES)


bind_if_tables(FUNCTIONS, CONDITION_FUNCTIONS,
               ALL_FUNCTION_NAMES | ALL_CONDITION_FUNCTION_NAMES)
