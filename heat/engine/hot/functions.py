"""The intrinsic functions of HOT (``heat_template_version``) templates.

``FUNCTIONS`` and ``CONDITION_FUNCTIONS`` map each canonical HOT version
(``'2013-05-23'`` ... ``'2021-04-16'``) to ``{name: class}``, as upstream
Heat's per-version template classes do. A name missing from a version's
table but present in another (``ALL_FUNCTION_NAMES``) is parsed as
``function.Invalid``, so using it fails naming the function and version.

Every class checks its arguments in ``validate()`` and again in
``result()``, raising ``StackValidationFailed`` with a message naming the
function and the offending value; the walkers of ``heat.engine.function``
add the path. Shared behaviour lives in ``heat.engine.cfn.functions``.
"""

import collections.abc
import hashlib
import itertools
import json
from urllib import parse as urlparse

import yaql
from oslo_config import cfg
from yaql.language import exceptions as yaql_exceptions

from heat.common import exception
from heat.engine import function
from heat.engine.cfn import functions as cfn

_short = cfn._short

yaql_opts = [
    cfg.IntOpt('limit_iterators', default=200,
               help='The maximum number of elements a collection in a '
                    'yaql expression can take for its evaluation.'),
    cfg.IntOpt('memory_quota', default=10000,
               help='The maximum size of memory in bytes that a yaql '
                    'expression can take for its evaluation.'),
]
cfg.CONF.register_opts(yaql_opts, group='yaql')


def _is_map(value):
    return isinstance(value, collections.abc.Mapping)


class GetParam(function.Function):
    """``get_param: name`` or ``get_param: [name, key_or_index, ...]``.

    The path walks into a json or comma_delimited_list value; a path that
    does not lead anywhere resolves to an empty string, as upstream.
    """

    def _split(self, args):
        if isinstance(args, str):
            if not args:
                raise self.invalid('Function "%s" must have arguments',
                                   self.fn_name)
            return args, []
        if function.is_sequence(args):
            if not args:
                raise self.invalid('Function "%s" must have arguments',
                                   self.fn_name)
            return args[0], list(args[1:])
        if args is None:
            raise self.invalid('Function "%s" must have arguments',
                               self.fn_name)
        raise self.invalid('Argument to "%s" must be string or list, not '
                           '%s', self.fn_name, _short(args))

    def _check_name(self, name):
        if not isinstance(name, str):
            raise self.invalid('Parameter name in "%s" must be string, '
                               'not %s', self.fn_name, _short(name))
        if not cfn.has_parameter(self, name):
            raise exception.UserParameterMissing(key=name)

    def validate(self):
        super().validate()
        if isinstance(self.args, function.Function):
            return
        name, _path = self._split(self.args)
        if not isinstance(name, function.Function):
            self._check_name(name)

    def result(self):
        name, path = self._split(function.resolve(self.args))
        self._check_name(name)
        value = cfn.parameter_value(self, name)
        # As upstream, a path that leads nowhere (a missing key, an index
        # out of range or not a number, a key of the wrong type) gives ''.
        for key in path:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                return ''
            if _is_map(value):
                if key not in value:
                    return ''
                value = value[key]
            elif function.is_sequence(value):
                try:
                    value = value[int(key)]
                except (ValueError, IndexError):
                    return ''
            else:
                return ''
        return value


class GetResource(cfn.ResourceRef):
    """``get_resource: name`` -> the resource's reference id."""


class GetAttThenSelect(cfn.GetAtt):
    """``get_attr: [resource, attribute, key_or_index, ...]`` (2013-05-23).

    The attribute value is fetched, then the path is followed into it.
    """

    usage = '[resource_name, attribute, (path), ...]'

    def _split_args(self, args):
        if not function.is_sequence(args):
            raise self.invalid('Argument to "%s" must be a list, not %s',
                               self.fn_name, _short(args))
        if len(args) < 2:
            raise self.invalid('Arguments to "%s" must be of the form %s, '
                               'not %s', self.fn_name, self.usage,
                               _short(args))
        return args[0], args[1], list(args[2:])

    def _value(self, resource, attr, path):
        return cfn.select_path(resource.FnGetAtt(attr), path)


class GetAtt(GetAttThenSelect):
    """``get_attr`` of 2014-10-16 and 2015-04-30: the resource selects."""

    def _attr_key(self):
        path = self._path()
        attr = self._attribute()
        return tuple([attr] + list(path)) if path else attr

    def _value(self, resource, attr, path):
        return resource.FnGetAtt(attr, *path)


class GetAttAllAttributes(GetAtt):
    """``get_attr`` from 2015-10-15: ``[resource]`` gives all attributes."""

    def _split_args(self, args):
        if function.is_sequence(args) and len(args) == 1:
            return args[0], None, []
        if not args:
            raise self.invalid('Arguments to "%s" can be of the next forms: '
                               '[resource_name] or %s, not %s',
                               self.fn_name, self.usage, _short(args))
        return super()._split_args(args)

    def _attr_key(self):
        if self._parts()[1] is None:
            return function.ALL_ATTRIBUTES
        return super()._attr_key()

    def _value(self, resource, attr, path):
        if attr is None:
            return resource.FnGetAtts()
        return super()._value(resource, attr, path)


class Replace(cfn.Replace):
    """``str_replace: {template: text, params: {placeholder: value}}``.

    Before 2015-10-15 values must be strings or numbers.
    """

    def _split(self, args):
        if not _is_map(args):
            raise self.invalid('Arguments to "%s" must be a map, not %s',
                               self.fn_name, _short(args))
        if 'params' not in args or 'template' not in args:
            raise self.invalid(
                '"%s" syntax should be {template: "This is var1 template '
                'var2", params: {var1: a, var2: string}}, missing %s',
                self.fn_name, ' and '.join(
                    k for k in ('template', 'params') if k not in args))
        return args['params'], args['template']


class ReplaceJson(Replace):
    """``str_replace`` from 2015-10-15: list and map values become JSON."""

    def _empty(self, placeholder):
        return self.invalid('"%s" has an undefined or empty value for '
                            'param %s, must be a defined non-empty value',
                            self.fn_name, placeholder)

    def _replacement(self, value, placeholder):
        if value is None:
            if self.allow_empty:
                return ''
            raise self._empty(placeholder)
        if isinstance(value, (str, int, float)):
            text = str(value)
        elif isinstance(value, (collections.abc.Mapping, list, tuple)):
            if not self.allow_empty and not value:
                raise self._empty(placeholder)
            try:
                text = json.dumps(value, sort_keys=True)
            except (TypeError, ValueError):
                raise self.invalid('"%s" params must be strings, numbers, '
                                   'lists or maps; failed to serialize %s',
                                   self.fn_name, _short(value)) from None
        else:
            raise self.invalid('"%s" params must be strings, numbers, '
                               'lists or maps, param %s is %s',
                               self.fn_name, placeholder, _short(value))
        if not self.allow_empty and not text:
            raise self._empty(placeholder)
        return text


class ReplaceJsonStrict(ReplaceJson):
    """``str_replace_strict``: every placeholder must occur."""

    strict = True


class ReplaceJsonVeryStrict(ReplaceJsonStrict):
    """``str_replace_vstrict``: also no None or empty values."""

    allow_empty = False


class GetFile(function.Function):
    """A function for including a file inline.

    ``get_file: key`` -> the content of ``key`` in the ``files`` map (the
    first line is the description the template-function list gives, as
    upstream's).
    """

    def _files(self):
        files = getattr(getattr(self.stack, 't', None), 'files', None)
        if files is None:
            files = getattr(self.stack, 'files', None)
        return files or {}

    def _key(self, key):
        if not isinstance(key, str):
            raise self.invalid('Argument to "%s" must be a string, not %s',
                               self.fn_name, _short(key))
        return key

    def validate(self):
        super().validate()
        if not isinstance(self.args, function.Function):
            self._key(self.args)

    def result(self):
        key = self._key(function.resolve(self.args))
        content = self._files().get(key)
        if content is None:
            raise self.invalid('No content found in the "files" section for '
                               '%s path: %s', self.fn_name, key)
        return content


class Join(cfn.Join):
    """``list_join: [delimiter, [string, ...]]`` (before 2015-10-15)."""


class JoinMultiple(function.Function):
    """``list_join: [delimiter, list, list, ...]`` from 2015-10-15.

    Map and list items are joined as JSON.
    """

    def _split(self, args):
        if not isinstance(args, list) or len(args) < 2:
            raise self.invalid('Incorrect arguments to "%s" should be: '
                               '[" ", ["str1", "str2"], ...], not %s',
                               self.fn_name, _short(args))
        return args[0], args[1:]

    def validate(self):
        super().validate()
        self._split(self.args)

    def _text(self, item):
        if item is None:
            return ''
        if isinstance(item, str):
            return item
        if isinstance(item, (collections.abc.Mapping, list, tuple)):
            try:
                return json.dumps(item, sort_keys=True)
            except (TypeError, ValueError):
                pass
        raise self.invalid('Items to join in "%s" must be strings, maps or '
                           'lists, not %s', self.fn_name, _short(item))

    def result(self):
        delim, lists = self._split(self.args)
        strings = []
        for item in function.resolve(lists):
            if not item:
                continue
            if not function.is_sequence(item):
                raise self.invalid('"%s" must operate on a list, not %s',
                                   self.fn_name, _short(item))
            strings.extend(item)
        delim = function.resolve(delim)
        if not isinstance(delim, str):
            raise self.invalid('"%s" delimiter must be a string, not %s',
                               self.fn_name, _short(delim))
        return delim.join(self._text(s) for s in strings)


class MapMerge(function.Function):
    """``map_merge: [map, map, ...]``; later maps win."""

    def validate(self):
        super().validate()
        if not isinstance(self.args, (list, function.Function)):
            raise self._usage(self.args)

    def _usage(self, args):
        return self.invalid('Incorrect arguments to "%s" should be: '
                            '[{"key1": "val1"}, {"key2": "val2"}], not %s',
                            self.fn_name, _short(args))

    def result(self):
        args = function.resolve(self.args)
        if not function.is_sequence(args):
            raise self._usage(args)
        merged = {}
        for item in args:
            if item is None:
                continue
            if not _is_map(item):
                raise self.invalid('Incorrect arguments: items to merge '
                                   'with "%s" must be maps, not %s',
                                   self.fn_name, _short(item))
            merged.update(item)
        return merged


class MapReplace(function.Function):
    """``map_replace: [map, {keys: {old: new}, values: {old: new}}]``.

    A replaced key may not collide with another key of the input or of
    the output.
    """

    def _usage(self, args):
        return self.invalid('Incorrect arguments to "%s" should be: '
                            '[{"key1": "val1"}, {"keys": {"key1": "key2"}, '
                            '"values": {"val1": "val2"}}], not %s',
                            self.fn_name, _short(args))

    def _split(self, args):
        if not function.is_sequence(args) or len(args) != 2:
            raise self._usage(args)
        return args

    def validate(self):
        super().validate()
        if isinstance(self.args, function.Function):
            return
        _in_map, repl = self._split(self.args)
        if _is_map(repl):
            self._check_repl(repl)

    def _check_repl(self, repl):
        for key in repl:
            if key not in ('keys', 'values'):
                raise self.invalid('Incorrect arguments to "%s": unknown '
                                   'key %s, allowed are keys and values',
                                   self.fn_name, _short(key))

    def _as_map(self, value):
        if value is None:
            return {}
        if not _is_map(value):
            raise self.invalid('Incorrect arguments to "%s": arguments '
                               'must be maps, not %s', self.fn_name,
                               _short(value))
        return value

    def result(self):
        in_map, repl = self._split(function.resolve(self.args))
        in_map = self._as_map(in_map)
        repl = self._as_map(repl)
        self._check_repl(repl)
        keys = self._as_map(repl.get('keys'))
        values = self._as_map(repl.get('values'))
        out = {}
        for key, value in in_map.items():
            new_key = keys.get(key)
            if new_key is None:
                new_key = key
            elif new_key in in_map and new_key != key:
                raise self.invalid('"%s": key replacement %s collides with '
                                   'a key in the input map', self.fn_name,
                                   new_key)
            elif new_key in out:
                raise self.invalid('"%s": key replacement %s collides with '
                                   'a key in the output map', self.fn_name,
                                   new_key)
            try:
                value = values.get(value, value)
            except TypeError:
                pass  # an unhashable value is never replaced
            out[new_key] = value
        return out


class ResourceFacade(cfn.ResourceFacade):
    """``resource_facade: metadata | deletion_policy | update_policy``."""

    METADATA, DELETION_POLICY, UPDATE_POLICY = (
        'metadata', 'deletion_policy', 'update_policy')


class Repeat(function.Function):
    """``repeat: {template: body, for_each: {var: list, ...}}`` (2015-04-30).

    One copy of the body per combination of the lists' items (all
    combinations), with each ``var`` replaced in strings, keys included.
    """

    #: Maps may be iterated (over their keys) from 2016-10-14.
    allow_maps = False
    #: ``permutations: false`` (zip the lists) from 2017-09-01.
    allow_permutations_flag = False

    def _split(self, args):
        if not _is_map(args):
            raise self.invalid('Arguments to "%s" must be a map, not %s',
                               self.fn_name, _short(args))
        missing = [k for k in ('for_each', 'template') if k not in args]
        if missing:
            raise self.invalid(
                '"%s" syntax should be {template: "This is %%var%%", '
                'for_each: {"%%var%%": ["a", "b", "c"]}}, missing %s',
                self.fn_name, ' and '.join(missing))
        nested = True
        if self.allow_permutations_flag and 'permutations' in args:
            nested = args['permutations']
            if not isinstance(nested, bool):
                raise self.invalid('"permutations" should be a boolean for '
                                   '"%s", not %s', self.fn_name,
                                   _short(nested))
        return args['for_each'], args['template'], nested

    def validate(self):
        super().validate()
        for_each, _template, nested = self._split(self.args)
        if not isinstance(for_each, function.Function):
            self._check_for_each(for_each)
            for value in for_each.values():
                if not isinstance(value, function.Function) and (
                        value is not None):
                    self._check_values(value, nested)

    def _check_for_each(self, for_each):
        if not _is_map(for_each) or not for_each:
            raise self.invalid('The "for_each" argument to "%s" must '
                               'contain a map, not %s', self.fn_name,
                               _short(for_each))

    def _check_values(self, value, nested):
        if function.is_sequence(value):
            return
        if self.allow_maps and nested and _is_map(value):
            return
        kinds = 'lists or maps' if self.allow_maps and nested else 'lists'
        raise self.invalid('The values of the "for_each" argument to "%s" '
                           'must be %s, not %s', self.fn_name, kinds,
                           _short(value))

    def _text(self, value):
        if isinstance(value, str):
            return value
        if isinstance(value, (collections.abc.Mapping, list, tuple)):
            return json.dumps(value, sort_keys=True)
        return str(value)

    def _replace(self, keys, values, node):
        if isinstance(node, str):
            for key, value in zip(keys, values):
                node = node.replace(key, self._text(value))
            return node
        if _is_map(node):
            return {self._replace(keys, values, k):
                    self._replace(keys, values, v) for k, v in node.items()}
        if function.is_sequence(node):
            return [self._replace(keys, values, item) for item in node]
        return node

    def result(self):
        for_each, template, nested = self._split(self.args)
        for_each = function.resolve(for_each)
        self._check_for_each(for_each)
        keys = list(for_each)
        lists = []
        for key in keys:
            value = for_each[key]
            if value is None:
                value = []
            self._check_values(value, nested)
            lists.append(list(value))
        if not nested and len({len(v) for v in lists}) > 1:
            raise self.invalid('For "%s", the lengths of the for_each '
                               'values must be equal when permutations is '
                               'false, got %s', self.fn_name,
                               ', '.join(str(len(v)) for v in lists))
        template = function.resolve(template)
        combos = itertools.product(*lists) if nested else zip(*lists)
        return [self._replace(keys, combo, template) for combo in combos]


class RepeatWithMap(Repeat):
    """``repeat`` of 2016-10-14: a for_each value may be a map (its keys)."""

    allow_maps = True


class RepeatWithNestedLoop(RepeatWithMap):
    """``repeat`` from 2017-09-01: ``permutations: false`` zips the lists."""

    allow_permutations_flag = True


#: Algorithms every build of Python has; others come from OpenSSL.
DIGEST_ALGORITHMS = ('md5', 'sha1', 'sha224', 'sha256', 'sha384',
                     'sha512')


class Digest(function.Function):
    """``digest: [algorithm, value]`` -> the hex digest of value."""

    def _check(self, args):
        if not (isinstance(args, list) and
                all(isinstance(a, str) for a in args)):
            raise self.invalid('Argument to function "%s" must be a list of '
                               'strings, not %s', self.fn_name,
                               _short(args))
        if len(args) != 2:
            raise self.invalid('Function "%s" usage: ["<algorithm>", '
                               '"<value>"], not %s', self.fn_name,
                               _short(args))
        algorithm = args[0].lower()
        if algorithm not in hashlib.algorithms_available:
            raise self.invalid('"%s": algorithm must be one of %s, not %s',
                               self.fn_name, ', '.join(DIGEST_ALGORITHMS),
                               _short(args[0]))
        return algorithm, args[1]

    def validate(self):
        super().validate()
        if isinstance(self.args, function.Function):
            return
        if isinstance(self.args, list) and any(
                isinstance(a, function.Function) for a in self.args):
            if len(self.args) != 2:
                self._check(self.args)
            return
        self._check(self.args)

    def result(self):
        algorithm, value = self._check(function.resolve(self.args))
        digest = hashlib.new(algorithm)
        digest.update(value.encode('utf-8'))
        return digest.hexdigest()


class StrSplit(function.Function):
    """``str_split: [delimiter, string]`` or ``[delimiter, string, index]``.
    """

    def _usage(self, args):
        return self.invalid('Incorrect arguments to "%s" should be: '
                            '[",", "apples,pears", <index>], not %s',
                            self.fn_name, _short(args))

    def _split(self, args):
        if not function.is_sequence(args) or len(args) not in (2, 3):
            raise self._usage(args)
        return args

    def validate(self):
        super().validate()
        if not isinstance(self.args, function.Function):
            self._split(self.args)

    def result(self):
        args = self._split(function.resolve(self.args))
        delim, text = args[0], args[1]
        if text is None:
            return None
        if not isinstance(delim, str) or not delim:
            raise self.invalid('Delimiter for "%s" must be a non-empty '
                               'string, not %s', self.fn_name,
                               _short(delim))
        if not isinstance(text, str):
            raise self.invalid('String to split in "%s" must be a string, '
                               'not %s', self.fn_name, _short(text))
        pieces = text.split(delim)
        if len(args) == 2:
            return pieces
        try:
            index = int(args[2])
        except (TypeError, ValueError):
            raise self.invalid('Incorrect index to "%s" should be an '
                               'integer, not %s', self.fn_name,
                               _short(args[2])) from None
        if not 0 <= index < len(pieces):
            raise self.invalid('Incorrect index to "%s" should be between '
                               '0 and %d, not %d', self.fn_name,
                               len(pieces) - 1, index)
        return pieces[index]


class Yaql(function.Function):
    """``yaql: {expression: text, data: value}`` -> the evaluated result.

    Evaluation is bounded by the ``[yaql] limit_iterators`` and
    ``memory_quota`` options, as upstream.
    """

    _parsers = {}

    @classmethod
    def _parser(cls):
        limits = (cfg.CONF.yaql.limit_iterators, cfg.CONF.yaql.memory_quota)
        parser = cls._parsers.get(limits)
        if parser is None:
            parser = yaql.YaqlFactory().create({
                'yaql.limitIterators': limits[0],
                'yaql.memoryQuota': limits[1]})
            cls._parsers[limits] = parser
        return parser

    def _split(self, args):
        if not _is_map(args):
            raise self.invalid('Arguments to "%s" must be a map, not %s',
                               self.fn_name, _short(args))
        extra = sorted(set(args) - {'expression', 'data'})
        if 'expression' not in args or extra:
            raise self.invalid(
                '"%s" syntax should be {expression: "$.data.var1.sum()", '
                'data: {var1: [3, 2, 1]}}, not %s', self.fn_name,
                _short(args))
        return args['expression'], args.get('data', {})

    def _parse(self, expression):
        if not isinstance(expression, str):
            raise self.invalid('The "expression" argument to "%s" must '
                               'contain a string, not %s', self.fn_name,
                               _short(expression))
        try:
            return self._parser()(expression)
        except yaql_exceptions.YaqlException as exc:
            raise self.invalid('"%s": bad expression %s', self.fn_name,
                               exc) from None

    def validate(self):
        super().validate()
        expression, _data = self._split(self.args)
        if not isinstance(expression, function.Function):
            self._parse(expression)

    def result(self):
        expression, data = self._split(self.args)
        statement = self._parse(function.resolve(expression))
        data = function.resolve(data)
        try:
            return statement.evaluate({'data': data},
                                      yaql.create_context())
        except yaql_exceptions.YaqlException as exc:
            raise self.invalid('"%s": evaluation failed: %s',
                               self.fn_name, exc) from None
        except (TypeError, ValueError, KeyError, IndexError,
                AttributeError) as exc:
            raise self.invalid('"%s": evaluation failed: %s',
                               self.fn_name, exc) from None


class Equals(cfn.Equals):
    """``equals: [value_1, value_2]``."""


class Not(cfn.Not):
    """``not: condition`` -> the negated condition."""

    def _condition(self):
        if self.args is None:
            raise self.invalid('Argument to "%s" must be a condition',
                               self.fn_name)
        return self.args


class And(cfn.And):
    """``and: [condition_1, condition_2, ...]`` (two or more)."""


class Or(cfn.Or):
    """``or: [condition_1, condition_2, ...]`` (two or more)."""


class If(cfn.If):
    """``if: [condition, value_if_true, value_if_false]``."""


class IfNullable(If):
    """``if`` from 2021-04-16: ``[condition, value_if_true]`` is allowed.

    When the condition is false and there is no false value, the enclosing
    list item or map entry (a property, say) is left out altogether.
    """

    optional_false = True


class Filter(function.Function):
    """``filter: [values_to_remove, list]``."""

    def _split(self, args):
        if not function.is_sequence(args):
            raise self.invalid('Argument to "%s" must be a list, not %s',
                               self.fn_name, _short(args))
        if len(args) != 2:
            raise self.invalid('"%s" expected 2 arguments of the form '
                               '[values, sequence] but got %d arguments '
                               'instead',
                               self.fn_name, len(args))
        return args

    def validate(self):
        super().validate()
        self._split(self.args)

    def result(self):
        values, sequence = self._split(self.args)
        sequence = function.resolve(sequence)
        if not sequence:
            return sequence
        if not isinstance(sequence, list):
            raise self.invalid('"%s" only works with lists, not %s',
                               self.fn_name, _short(sequence))
        values = function.resolve(values)
        if not values:
            return sequence
        if not isinstance(values, list):
            raise self.invalid('"%s" filters a list of values, not %s',
                               self.fn_name, _short(values))
        return [item for item in sequence if item not in values]


class MakeURL(function.Function):
    """``make_url: {scheme, username, password, host, port, path, query,
    fragment}`` -> a correctly escaped URL."""

    ARG_KEYS = ('scheme', 'username', 'password', 'host', 'port', 'path',
                'query', 'fragment')

    def _check(self, args):
        if not _is_map(args):
            raise self.invalid('The arguments to "%s" must be a map, not %s',
                               self.fn_name, _short(args))
        unknown = sorted(str(k) for k in set(args) - set(self.ARG_KEYS))
        if unknown:
            raise self.invalid('Invalid arguments to "%s": %s (allowed: '
                               '%s)', self.fn_name, ', '.join(unknown),
                               ', '.join(self.ARG_KEYS))
        for key, value in args.items():
            if isinstance(value, function.Function):
                continue
            if key == 'query':
                if not _is_map(value):
                    raise self.invalid('The "query" argument to "%s" must '
                                       'be a map, not %s', self.fn_name,
                                       _short(value))
            elif key == 'port':
                self._port(value, args)
            elif not isinstance(value, str):
                raise self.invalid('The "%s" argument to "%s" must be a '
                                   'string, not %s', key, self.fn_name,
                                   _short(value))

    def _port(self, port, args):
        if isinstance(port, bool):
            port = str(port)
        if not isinstance(port, int):
            try:
                port = int(port)
            except (TypeError, ValueError):
                raise self.invalid('Invalid URL port "%s" for "%s" called '
                                   'with %s', port, self.fn_name,
                                   _short(args)) from None
        if not 0 < port <= 65535:
            raise self.invalid('Invalid URL port %d for "%s", must be in '
                               'range 1-65535', port, self.fn_name)
        return port

    def validate(self):
        super().validate()
        if not isinstance(self.args, function.Function):
            self._check(self.args)

    def result(self):
        args = function.resolve(self.args)
        self._check(args)
        scheme = args.get('scheme', '')
        if ':' in scheme:
            raise self.invalid('The "scheme" argument to "%s" should not '
                               'contain ":", got %s', self.fn_name,
                               _short(scheme))

        netloc = ''
        username = urlparse.quote(args.get('username', ''), safe='')
        password = urlparse.quote(args.get('password', ''), safe='')
        if username or password:
            netloc = username + (':' + password if password else '') + '@'
        host = args.get('host', '')
        if host.startswith('[') and host.endswith(']'):
            host = host[1:-1]
        host = urlparse.quote(host, safe=':')
        if ':' in host:
            host = '[%s]' % host  # an IPv6 address
        netloc += host
        port = args.get('port', '')
        if port not in ('', None):
            netloc += ':%d' % self._port(port, args)

        path = urlparse.quote(args.get('path', ''))
        query = urlparse.urlencode(args.get('query', {})).replace('%2F', '/')
        fragment = urlparse.quote(args.get('fragment', ''))
        return urlparse.urlunsplit((scheme, netloc, path, query, fragment))


class ListConcat(function.Function):
    """``list_concat: [list, list, ...]``."""

    unique = False

    def _usage(self, args):
        return self.invalid('Incorrect arguments to "%s" should be: '
                            '[[<value 1>, <value 2>], [<value 3>, '
                            '<value 4>]], not %s', self.fn_name,
                            _short(args))

    def validate(self):
        super().validate()
        if not isinstance(self.args, function.Function) and (
                not function.is_sequence(self.args)):
            raise self._usage(self.args)

    def result(self):
        args = function.resolve(self.args)
        if not function.is_sequence(args):
            raise self._usage(args)
        out = []
        for item in args:
            if item is None:
                continue
            if not function.is_sequence(item):
                raise self.invalid('Incorrect arguments: items to concat '
                                   'with "%s" must be lists, not %s',
                                   self.fn_name, _short(item))
            out.extend(item)
        if self.unique:
            # Upstream's order: walking the list, each item seen more than
            # once loses its earlier copies.
            index = 0
            while index < len(out):
                item = out[index]
                while out.count(item) > 1:
                    del out[out.index(item)]
                index += 1
        return out


class ListConcatUnique(ListConcat):
    """``list_concat_unique``: as list_concat, each item once."""

    unique = True


class Contains(function.Function):
    """``contains: [value, sequence]`` -> whether value is in sequence."""

    def _split(self, args):
        if not isinstance(args, list) or len(args) != 2:
            raise self.invalid('Arguments to "%s" must be of the form: '
                               '[value1, [value1, value2]], not %s',
                               self.fn_name, _short(args))
        return args

    def validate(self):
        super().validate()
        self._split(self.args)

    def result(self):
        value, sequence = self._split(self.args)
        value = function.resolve(value)
        sequence = function.resolve(sequence)
        if not isinstance(sequence, collections.abc.Sequence):
            raise self.invalid('Second argument to "%s" should be a '
                               'sequence, not %s', self.fn_name,
                               _short(sequence))
        try:
            return value in sequence
        except TypeError:
            # e.g. a non-string value tested against a string: upstream
            # lets Python's TypeError escape; we name the arguments.
            raise self.invalid('"%s" cannot look for %s in %s',
                               self.fn_name, _short(value),
                               _short(sequence)) from None


# Version tables ---------------------------------------------------------

VERSIONS = ('2013-05-23', '2014-10-16', '2015-04-30', '2015-10-15',
            '2016-04-08', '2016-10-14', '2017-02-24', '2017-09-01',
            '2018-03-02', '2018-08-31', '2021-04-16')

#: Release names accepted as heat_template_version.
VERSION_ALIASES = {'newton': '2016-10-14', 'ocata': '2017-02-24',
                   'pike': '2017-09-01', 'queens': '2018-03-02',
                   'rocky': '2018-08-31', 'wallaby': '2021-04-16'}


def _tables():
    functions = {}
    conditions = {}

    v = {'get_param': GetParam,
         'get_resource': GetResource,
         'get_attr': GetAttThenSelect,
         'list_join': Join,
         'str_replace': Replace,
         'resource_facade': ResourceFacade,
         'get_file': GetFile,
         'Fn::GetAZs': cfn.GetAZs,
         'Ref': cfn.Ref,
         'Fn::Select': cfn.Select,
         'Fn::Join': cfn.Join,
         'Fn::Split': cfn.Split,
         'Fn::Replace': cfn.Replace,
         'Fn::Base64': cfn.Base64,
         'Fn::MemberListToMap': cfn.MemberListToMap,
         'Fn::ResourceFacade': cfn.ResourceFacade}
    functions['2013-05-23'] = dict(v)

    # Ref and the Fn:: functions go, but for Fn::Select.
    v = {k: c for k, c in v.items()
         if k == 'Fn::Select' or not (k == 'Ref' or k.startswith('Fn::'))}
    v['get_attr'] = GetAtt
    functions['2014-10-16'] = dict(v)

    v.update({'repeat': Repeat, 'digest': Digest})
    functions['2015-04-30'] = dict(v)

    del v['Fn::Select']
    v.update({'get_attr': GetAttAllAttributes, 'list_join': JoinMultiple,
              'str_replace': ReplaceJson, 'str_split': StrSplit})
    functions['2015-10-15'] = dict(v)

    v['map_merge'] = MapMerge
    functions['2016-04-08'] = dict(v)

    c = {'get_param': GetParam, 'equals': Equals, 'not': Not, 'and': And,
         'or': Or}
    v.update({'repeat': RepeatWithMap, 'yaql': Yaql,
              'map_replace': MapReplace,
              'if': cfn.versioned_if(If, '2016-10-14')})
    functions['2016-10-14'] = dict(v)
    conditions['2016-10-14'] = dict(c)

    v.update({'filter': Filter, 'str_replace_strict': ReplaceJsonStrict,
              'if': cfn.versioned_if(If, '2017-02-24')})
    functions['2017-02-24'] = dict(v)
    conditions['2017-02-24'] = dict(c)

    c.update({'yaql': Yaql, 'contains': Contains})
    v.update({'repeat': RepeatWithNestedLoop, 'make_url': MakeURL,
              'list_concat': ListConcat,
              'list_concat_unique': ListConcatUnique,
              'str_replace_vstrict': ReplaceJsonVeryStrict,
              'contains': Contains})
    for version in ('2017-09-01', '2018-03-02', '2018-08-31'):
        v['if'] = cfn.versioned_if(If, version)
        functions[version] = dict(v)
        conditions[version] = dict(c)

    v['if'] = cfn.versioned_if(IfNullable, '2021-04-16')
    functions['2021-04-16'] = dict(v)
    conditions['2021-04-16'] = dict(c)

    for version in VERSIONS:
        conditions.setdefault(version, {})
    return functions, {k: conditions[k] for k in VERSIONS}


FUNCTIONS, CONDITION_FUNCTIONS = _tables()

#: Every function name of any HOT version (the CFN ones of 2013-05-23
#: included), to tell a function of another version from a plain key.
ALL_FUNCTION_NAMES = frozenset(
    name for table in FUNCTIONS.values() for name in table)

#: Every condition function name of any HOT version.
ALL_CONDITION_FUNCTION_NAMES = frozenset(
    name for table in CONDITION_FUNCTIONS.values() for name in table)

cfn.bind_if_tables(FUNCTIONS, CONDITION_FUNCTIONS,
                   ALL_FUNCTION_NAMES | ALL_CONDITION_FUNCTION_NAMES)


def canonical_version(version):
    """'2016-10-14' for 'newton', and so on; the version itself if known."""
    return VERSION_ALIASES.get(version, version)


def parse(stack, snippet, version, condition=False):
    """Parse a HOT snippet of ``version`` (``condition``: a condition)."""
    version = canonical_version(version)
    if condition:
        funcs = CONDITION_FUNCTIONS[version]
        return function.parse(
            stack, snippet, funcs, version,
            known_names=ALL_FUNCTION_NAMES | ALL_CONDITION_FUNCTION_NAMES,
            invalid_here=set(FUNCTIONS[version]) - set(funcs))
    return function.parse(stack, snippet, FUNCTIONS[version], version,
                          known_names=ALL_FUNCTION_NAMES)
