"""The Function base class, parse/unparse and the snippet walkers."""

import copy
import pickle

from heat.common import exception
from heat.engine import function
from heat.tests import base
from heat.tests.unit.functions import fakes


class Boom(function.Function):
    """A function whose validate and result fail like Python code does."""

    def validate(self):
        raise TypeError('boom in validate')

    def result(self):
        raise ValueError('boom in result')


class Echo(function.Function):

    def result(self):
        return function.resolve(self.args, nullable=True)


class TestResolve(base.TestCase):

    def test_plain_data_is_returned_unchanged(self):
        data = {'a': [1, {'b': 'c'}], 'd': None}
        self.assertEqual(data, function.resolve(data))

    def test_tuples_become_lists(self):
        self.assertEqual([1, 2], function.resolve((1, 2)))

    def test_functions_are_replaced_by_results(self):
        snippet = {'a': [Echo(None, 'echo', 'x'), {'b': Echo(None, 'e', 1)}]}
        self.assertEqual({'a': ['x', {'b': 1}]}, function.resolve(snippet))

    def test_function_result_containing_functions_is_resolved(self):
        outer = Echo(None, 'echo', None)
        outer.result = lambda: [Echo(None, 'echo', 'inner')]
        self.assertEqual(['inner'], function.resolve(outer))

    def test_removed_list_item_is_dropped(self):
        snippet = [1, Echo(None, 'echo', function.REMOVED), 2]
        self.assertEqual([1, 2], function.resolve(snippet))

    def test_removed_map_entry_is_dropped(self):
        snippet = {'a': 1, 'b': Echo(None, 'echo', function.REMOVED)}
        self.assertEqual({'a': 1}, function.resolve(snippet))

    def test_removed_whole_snippet_is_none(self):
        self.assertIsNone(function.resolve(function.REMOVED))

    def test_removed_whole_snippet_kept_when_nullable(self):
        self.assertIs(function.REMOVED,
                      function.resolve(function.REMOVED, nullable=True))

    def test_error_carries_the_path_when_given(self):
        snippet = {'a': [Boom(None, 'boom', None)]}
        exc = self.assertRaises(exception.StackValidationFailed,
                                function.resolve, snippet,
                                path='outputs.out.value')
        self.assertEqual('outputs.out.value.a[0].boom: boom in result',
                         str(exc))
        self.assertEqual(['outputs.out.value', 'a', 0, 'boom'], exc.path)

    def test_error_without_a_path_is_raised_as_is(self):
        self.assertRaises(ValueError, function.resolve,
                          Boom(None, 'boom', None))

    def test_inner_function_error_is_reported_at_the_outer_call(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'v': {'list_join': [
            ',', [{'get_file': 'nope'}]]}})
        exc = self.assertRaises(exception.StackValidationFailed,
                                function.resolve, parsed, path=['outputs'])
        self.assertEqual(['outputs', 'v', 'list_join'], exc.path)
        self.assertIn('get_file path: nope', str(exc))

    def test_removed_sentinel_survives_copy_and_pickle(self):
        self.assertIs(function.REMOVED, copy.deepcopy(function.REMOVED))
        self.assertIs(function.REMOVED,
                      pickle.loads(pickle.dumps(function.REMOVED)))
        self.assertIs(function.ALL_ATTRIBUTES,
                      copy.deepcopy(function.ALL_ATTRIBUTES))


class TestValidate(base.TestCase):

    def test_plain_data_is_valid(self):
        function.validate({'a': [1, 'b']}, 'x')

    def test_python_errors_become_validation_errors_with_path(self):
        exc = self.assertRaises(exception.StackValidationFailed,
                                function.validate,
                                {'a': [{'b': Boom(None, 'boom', None)}]},
                                'resources.r.properties')
        self.assertEqual('resources.r.properties.a[0].b.boom: '
                         'boom in validate', str(exc))

    def test_path_may_be_a_list(self):
        exc = self.assertRaises(exception.StackValidationFailed,
                                function.validate,
                                [Boom(None, 'boom', None)],
                                ['outputs', 'o', 'value'])
        self.assertEqual(['outputs', 'o', 'value', 0, 'boom'], exc.path)

    def test_nested_function_path_is_inside_the_outer_call(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'list_join': [
            ',', ['a', {'str_split': 'x'}]]})
        exc = self.assertRaises(exception.StackValidationFailed,
                                function.validate, parsed, 'outputs.o.value')
        self.assertEqual('outputs.o.value.list_join[1][1].str_split: '
                         'Incorrect arguments to "str_split" should be: '
                         '[",", "apples,pears", <index>], not \'x\'',
                         str(exc))

    def test_unknown_resource_is_an_invalid_template_reference(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'image': {'get_resource': 'nope'}})
        exc = self.assertRaises(exception.InvalidTemplateReference,
                                function.validate, parsed,
                                'resources.server.properties')
        self.assertEqual('The specified reference "nope" (in '
                         'resources.server.properties.image.get_resource) '
                         'is incorrect.', str(exc))

    def test_other_engine_errors_become_validation_errors(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'get_param': 'nope'})
        exc = self.assertRaises(exception.StackValidationFailed,
                                function.validate, parsed, 'outputs.o')
        self.assertEqual('outputs.o.get_param: The Parameter (nope) was '
                         'not provided.', str(exc))

    def test_invalid_names_the_function_and_the_version(self):
        fn = function.Invalid(None, 'str_split', [], '2014-10-16')
        exc = self.assertRaises(exception.StackValidationFailed,
                                function.validate, {'a': fn})
        self.assertEqual('a.str_split: The template version is invalid: '
                         '"str_split" is not supported in template version '
                         '2014-10-16', str(exc))
        self.assertRaises(exception.StackValidationFailed, fn.result)

    def test_invalid_in_context_names_the_function(self):
        fn = function.InvalidInContext(None, 'get_attr', ['a', 'b'])
        exc = self.assertRaises(exception.StackValidationFailed,
                                function.validate, fn, 'conditions.c')
        self.assertEqual('conditions.c.get_attr: The function "get_attr" is '
                         'invalid in this context', str(exc))


class TestDependencies(base.TestCase):

    def test_resources_referenced_anywhere(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {
            'a': {'get_resource': 'server'},
            'b': [{'list_join': [',', [{'get_attr': ['volume', 'size']}]]}],
            'c': {'get_param': 'name'}})
        self.assertEqual(['server', 'volume'],
                         list(function.dependencies(parsed)))

    def test_unknown_resource_names_the_path(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'a': [{'get_attr': ['nope', 'x']}]})
        exc = self.assertRaises(exception.InvalidTemplateReference, list,
                                function.dependencies(parsed,
                                                      'server.properties'))
        self.assertEqual('The specified reference "nope" (in '
                         'server.properties.a[0]) is incorrect.', str(exc))

    def test_path_may_be_a_list(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'a': {'get_resource': 'nope'}})
        exc = self.assertRaises(exception.InvalidTemplateReference, list,
                                function.dependencies(parsed, ['r', 0]))
        self.assertIn('(in r[0].a)', str(exc))

    def test_invalid_function_has_no_dependencies(self):
        fn = function.Invalid(None, 'get_resource', 'server', 'x')
        self.assertEqual([], list(function.dependencies(fn)))

    def test_malformed_call_has_no_dependencies(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'get_attr': 'server'})
        self.assertEqual([], list(function.dependencies(parsed)))


class TestDepAttrs(base.TestCase):

    def _attrs(self, snippet, version, resource='server'):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, snippet, version)
        return list(function.dep_attrs(parsed, resource))

    def test_attribute_name(self):
        self.assertEqual(['ip'], self._attrs(
            {'get_attr': ['server', 'ip']}, '2021-04-16'))

    def test_path_is_ignored_in_2013_05_23(self):
        self.assertEqual(['addresses'], self._attrs(
            {'get_attr': ['server', 'addresses', 'net']}, '2013-05-23'))

    def test_path_is_part_of_the_attribute_from_2014_10_16(self):
        self.assertEqual([('addresses', 'net', 0)], self._attrs(
            {'get_attr': ['server', 'addresses', 'net', 0]}, '2014-10-16'))

    def test_all_attributes(self):
        self.assertEqual([function.ALL_ATTRIBUTES], self._attrs(
            {'get_attr': ['server']}, '2015-10-15'))

    def test_other_resources_are_not_reported(self):
        self.assertEqual([], self._attrs(
            {'get_attr': ['volume', 'size']}, '2021-04-16'))

    def test_nested_calls_are_reported(self):
        self.assertEqual(['ip', 'name'], self._attrs(
            {'list_join': [',', [{'get_attr': ['server', 'ip']},
                                 {'get_attr': ['server', 'name']}]]},
            '2021-04-16'))

    def test_if_reports_the_chosen_value(self):
        self.assertEqual(['b'], self._attrs(
            {'if': ['dev', {'get_attr': ['server', 'a']},
                    {'get_attr': ['server', 'b']}]}, '2021-04-16'))


class TestParse(base.TestCase):

    FUNCS = {'echo': Echo}

    def test_one_key_map_with_a_function_name_is_a_call(self):
        parsed = function.parse(None, {'a': {'echo': 1}}, self.FUNCS)
        self.assertIsInstance(parsed['a'], Echo)
        self.assertEqual(1, parsed['a'].args)

    def test_arguments_are_parsed(self):
        parsed = function.parse(None, {'echo': [{'echo': 'x'}]}, self.FUNCS)
        self.assertIsInstance(parsed.args[0], Echo)

    def test_map_with_more_keys_is_data(self):
        snippet = {'echo': 1, 'other': 2}
        self.assertEqual(snippet,
                         function.parse(None, snippet, self.FUNCS))

    def test_function_of_another_version_is_invalid(self):
        parsed = function.parse(None, {'old': 1}, self.FUNCS, '2020-01-01',
                                known_names={'old'})
        self.assertIsInstance(parsed, function.Invalid)
        self.assertEqual('2020-01-01', parsed.version)

    def test_function_not_allowed_here(self):
        parsed = function.parse(None, {'old': 1}, self.FUNCS,
                                invalid_here={'old'})
        self.assertIsInstance(parsed, function.InvalidInContext)

    def test_unknown_name_is_data(self):
        self.assertEqual({'nope': 1},
                         function.parse(None, {'nope': 1}, self.FUNCS))

    def test_unparse_gives_back_the_template(self):
        snippet = {'a': [{'echo': {'echo': 'x'}}, 1], 'b': {'c': 'd'}}
        parsed = function.parse(None, snippet, self.FUNCS)
        self.assertEqual(snippet, function.unparse(parsed))


class TestFunctionBase(base.TestCase):

    def test_equal_calls_compare_equal(self):
        self.assertEqual(Echo(None, 'echo', [1]), Echo(None, 'echo', [1]))
        self.assertNotEqual(Echo(None, 'echo', [1]), Echo(None, 'echo', 2))

    def test_functions_are_hashable(self):
        self.assertEqual(2, len({Echo(None, 'e', 1), Echo(None, 'e', 1)}))

    def test_repr_shows_the_call(self):
        self.assertEqual("{'echo': [1]}", repr(Echo(None, 'echo', [1])))

    def test_error_names_the_function(self):
        exc = Echo(None, 'echo', 1).error('bad %s', 'x')
        self.assertEqual('echo: bad x', str(exc))

    def test_invalid_keeps_the_message(self):
        exc = Echo(None, 'echo', 1).invalid('"%s" is bad', 'echo')
        self.assertEqual('"echo" is bad', str(exc))

    def test_result_must_be_implemented(self):
        self.assertRaises(NotImplementedError,
                          function.Function(None, 'f', 1).result)
