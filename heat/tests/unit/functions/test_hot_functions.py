"""HOT intrinsic functions: valid use and misuse, in every version.

Each row becomes one test per version it lists (``test_<case>_<version>``).
The stack is ``fakes.default_stack()``: parameters name=web, count=3,
which=name, data={a: {b: [x, y]}, list: [1, 2]}, csv=[one, two], flag=yes,
empty=''; resources server (srv-1, ip, addresses) and volume (vol-1, size);
file script.sh; conditions prod=True, dev=False; a parent resource with
metadata {role: db}, deletion policy Retain, update policy {batch: 1}.
"""

import hashlib

from oslo_config import cfg

from heat.common import exception
from heat.engine import function
from heat.tests import base
from heat.tests.unit.functions import fakes

ALL = fakes.HOT_VERSIONS
since = fakes.since


def _digest(algorithm, text):
    return hashlib.new(algorithm, text.encode()).hexdigest()


RESOLVE = [
    # get_param
    ('get_param_name', ALL, {'get_param': 'name'}, 'web'),
    ('get_param_number', ALL, {'get_param': 'count'}, 3),
    ('get_param_path_into_map_and_list', ALL,
     {'get_param': ['data', 'a', 'b', 1]}, 'y'),
    ('get_param_path_index_as_string', ALL,
     {'get_param': ['data', 'list', '1']}, 2),
    ('get_param_path_into_comma_list', ALL, {'get_param': ['csv', 0]},
     'one'),
    ('get_param_path_missing_key_is_empty', ALL,
     {'get_param': ['data', 'nope']}, ''),
    ('get_param_path_index_out_of_range_is_empty', ALL,
     {'get_param': ['csv', 5]}, ''),
    ('get_param_path_into_string_is_empty', ALL,
     {'get_param': ['name', 'x']}, ''),
    ('get_param_path_index_not_number_is_empty', ALL,
     {'get_param': ['csv', 'x']}, ''),
    ('get_param_path_component_of_wrong_type_is_empty', ALL,
     {'get_param': ['data', ['a']]}, ''),
    ('get_param_name_from_function', ALL,
     {'get_param': {'get_param': 'which'}}, 'web'),
    ('get_param_pseudo_stack_name', ALL, {'get_param': 'OS::stack_name'},
     'teststack'),
    # get_resource
    ('get_resource', ALL, {'get_resource': 'server'}, 'srv-1'),
    # get_attr
    ('get_attr', ALL, {'get_attr': ['server', 'ip']}, '10.0.0.1'),
    ('get_attr_path', ALL, {'get_attr': ['server', 'addresses', 'net', 1]},
     '10.0.0.2'),
    ('get_attr_path_missing', ALL,
     {'get_attr': ['server', 'addresses', 'other']}, None),
    ('get_attr_all_attributes', since('2015-10-15'),
     {'get_attr': ['volume']}, {'size': 10}),
    # get_file
    ('get_file', ALL, {'get_file': 'script.sh'}, '#!/bin/sh\necho hi\n'),
    # str_replace
    ('str_replace', ALL,
     {'str_replace': {'template': 'Hello $name, $n',
                      'params': {'$name': {'get_param': 'name'},
                                 '$n': 3}}},
     'Hello web, 3'),
    ('str_replace_longer_placeholder_first', ALL,
     {'str_replace': {'template': 'var1 var10',
                      'params': {'var1': 'a', 'var10': 'b'}}}, 'a b'),
    ('str_replace_does_not_rescan_replacements', ALL,
     {'str_replace': {'template': 'x', 'params': {'x': 'y', 'y': 'z'}}},
     'y'),
    ('str_replace_none_is_empty', ALL,
     {'str_replace': {'template': 'a$x', 'params': {'$x': None}}}, 'a'),
    ('str_replace_json_values', since('2015-10-15'),
     {'str_replace': {'template': 'v=$v',
                      'params': {'$v': {'b': [1, 2], 'a': 1}}}},
     'v={"a": 1, "b": [1, 2]}'),
    ('str_replace_unused_param_is_fine', ALL,
     {'str_replace': {'template': 'a', 'params': {'$x': 'b'}}}, 'a'),
    ('str_replace_strict', since('2017-02-24'),
     {'str_replace_strict': {'template': 'a $x',
                             'params': {'$x': ''}}}, 'a '),
    ('str_replace_vstrict', since('2017-09-01'),
     {'str_replace_vstrict': {'template': 'a $x',
                              'params': {'$x': [1]}}}, 'a [1]'),
    # list_join
    ('list_join', ALL, {'list_join': [', ', ['a', 'b']]}, 'a, b'),
    ('list_join_none_item_is_empty', ALL, {'list_join': ['-', ['a', None]]},
     'a-'),
    ('list_join_of_function', ALL,
     {'list_join': [',', {'get_param': 'csv'}]}, 'one,two'),
    ('list_join_several_lists', since('2015-10-15'),
     {'list_join': [',', ['a'], ['b', 'c'], []]}, 'a,b,c'),
    ('list_join_maps_as_json', since('2015-10-15'),
     {'list_join': [' ', [{'a': 1}, [2]]]}, '{"a": 1} [2]'),
    # digest
    ('digest_md5', since('2015-04-30'), {'digest': ['md5', 'abc']},
     _digest('md5', 'abc')),
    ('digest_sha1', since('2015-04-30'), {'digest': ['sha1', 'abc']},
     _digest('sha1', 'abc')),
    ('digest_sha224', since('2015-04-30'), {'digest': ['sha224', 'abc']},
     _digest('sha224', 'abc')),
    ('digest_sha256', since('2015-04-30'),
     {'digest': ['SHA256', {'get_param': 'name'}]},
     _digest('sha256', 'web')),
    ('digest_sha384', since('2015-04-30'), {'digest': ['sha384', 'abc']},
     _digest('sha384', 'abc')),
    ('digest_sha512', since('2015-04-30'), {'digest': ['sha512', 'abc']},
     _digest('sha512', 'abc')),
    # repeat
    ('repeat', since('2015-04-30'),
     {'repeat': {'for_each': {'%v%': ['a', 'b']},
                 'template': {'name': 'x-%v%', '%v%': 1}}},
     [{'name': 'x-a', 'a': 1}, {'name': 'x-b', 'b': 1}]),
    ('repeat_all_combinations', since('2015-04-30'),
     {'repeat': {'for_each': {'%a%': [1, 2], '%b%': ['x', 'y']},
                 'template': '%a%%b%'}},
     ['1x', '1y', '2x', '2y']),
    ('repeat_over_function', since('2015-04-30'),
     {'repeat': {'for_each': {'<%p%>': {'get_param': 'csv'}},
                 'template': 'port-<%p%>'}},
     ['port-one', 'port-two']),
    ('repeat_none_list_is_empty', since('2015-04-30'),
     {'repeat': {'for_each': {'%v%': None}, 'template': '%v%'}}, []),
    ('repeat_over_map_keys', since('2016-10-14'),
     {'repeat': {'for_each': {'%k%': {'a': 1, 'b': 2}}, 'template': '%k%'}},
     ['a', 'b']),
    ('repeat_permutations_ignored_before_pike', since('2016-10-14',
                                                      '2017-09-01'),
     {'repeat': {'for_each': {'%a%': [1, 2], '%b%': [3, 4]},
                 'template': '%a%%b%', 'permutations': False}},
     ['13', '14', '23', '24']),
    ('repeat_without_permutations_zips', since('2017-09-01'),
     {'repeat': {'for_each': {'%a%': [1, 2], '%b%': [3, 4]},
                 'template': '%a%%b%', 'permutations': False}},
     ['13', '24']),
    # resource_facade
    ('resource_facade_metadata', ALL, {'resource_facade': 'metadata'},
     {'role': 'db'}),
    ('resource_facade_deletion_policy', ALL,
     {'resource_facade': 'deletion_policy'}, 'Retain'),
    ('resource_facade_update_policy', ALL,
     {'resource_facade': 'update_policy'}, {'batch': 1}),
    # str_split
    ('str_split', since('2015-10-15'), {'str_split': [',', 'a,b,c']},
     ['a', 'b', 'c']),
    ('str_split_index', since('2015-10-15'), {'str_split': [',', 'a,b', 1]},
     'b'),
    ('str_split_index_as_string', since('2015-10-15'),
     {'str_split': [',', 'a,b', '0']}, 'a'),
    ('str_split_none_is_none', since('2015-10-15'),
     {'str_split': [',', None]}, None),
    # map_merge
    ('map_merge', since('2016-04-08'),
     {'map_merge': [{'a': 1, 'b': 1}, {'a': 2}, None]}, {'a': 2, 'b': 1}),
    # map_replace
    ('map_replace', since('2016-10-14'),
     {'map_replace': [{'k1': 'v1', 'k2': 'v2', 'k3': ['x']},
                      {'keys': {'k1': 'K1'}, 'values': {'v2': 'V2'}}]},
     {'K1': 'v1', 'k2': 'V2', 'k3': ['x']}),
    ('map_replace_swap_keys', since('2016-10-14'),
     {'map_replace': [{'a': 1}, {'keys': {'a': 'b'}}]}, {'b': 1}),
    # yaql
    ('yaql', since('2016-10-14'),
     {'yaql': {'expression': '$.data.a.sum()', 'data': {'a': [1, 2, 3]}}},
     6),
    ('yaql_without_data', since('2016-10-14'),
     {'yaql': {'expression': '1 + 2'}}, 3),
    ('yaql_data_from_function', since('2016-10-14'),
     {'yaql': {'expression': '$.data.p.len()',
               'data': {'p': {'get_param': 'csv'}}}}, 2),
    # if
    ('if_true', since('2016-10-14'), {'if': ['prod', 'a', 'b']}, 'a'),
    ('if_false', since('2016-10-14'), {'if': ['dev', 'a', 'b']}, 'b'),
    ('if_boolean', since('2016-10-14'), {'if': [True, 'a', 'b']}, 'a'),
    ('if_equals', since('2016-10-14'),
     {'if': [{'equals': [{'get_param': 'flag'}, 'yes']}, 'a', 'b']}, 'a'),
    ('if_not', since('2016-10-14'), {'if': [{'not': 'prod'}, 1, 2]}, 2),
    ('if_and', since('2016-10-14'),
     {'if': [{'and': ['prod', {'not': 'dev'}]}, 1, 2]}, 1),
    ('if_or', since('2016-10-14'), {'if': [{'or': ['dev', False]}, 1, 2]},
     2),
    ('if_contains', since('2017-09-01'),
     {'if': [{'contains': ['web', ['web']]}, 1, 2]}, 1),
    ('if_only_resolves_chosen_value', since('2016-10-14'),
     {'if': ['prod', {'get_param': 'name'}, {'get_file': 'missing'}]},
     'web'),
    ('if_nested', since('2016-10-14'),
     {'if': ['dev', 1, {'if': ['prod', 2, 3]}]}, 2),
    ('if_two_arguments_true', since('2021-04-16'), {'if': ['prod', 'a']},
     'a'),
    ('if_two_arguments_false_removes_list_item', since('2021-04-16'),
     [1, {'if': ['dev', 2]}, 3], [1, 3]),
    ('if_two_arguments_false_removes_map_entry', since('2021-04-16'),
     {'a': 1, 'b': {'if': ['dev', 2]}}, {'a': 1}),
    ('if_two_arguments_false_alone_is_none', since('2021-04-16'),
     {'if': ['dev', 2]}, None),
    ('if_two_arguments_removed_inside_function', since('2021-04-16'),
     {'list_join': [',', ['a', {'if': ['dev', 'b']}, 'c']]}, 'a,c'),
    # filter
    ('filter', since('2017-02-24'), {'filter': [[1], [1, 2, 1, 3]]},
     [2, 3]),
    ('filter_no_values', since('2017-02-24'), {'filter': [None, [1]]},
     [1]),
    ('filter_empty_list', since('2017-02-24'), {'filter': [[1], []]}, []),
    # make_url
    ('make_url', since('2017-09-01'),
     {'make_url': {'scheme': 'https', 'username': 'u s', 'password': 'p@',
                   'host': 'example.com', 'port': 8443, 'path': '/a b',
                   'query': {'q': 'x/y'}, 'fragment': 'top'}},
     'https://u%20s:p%40@example.com:8443/a%20b?q=x/y#top'),
    ('make_url_ipv6_host', since('2017-09-01'),
     {'make_url': {'scheme': 'http', 'host': '::1', 'port': '80',
                   'path': '/'}},
     'http://[::1]:80/'),
    ('make_url_bracketed_ipv6_host', since('2017-09-01'),
     {'make_url': {'scheme': 'http', 'host': '[::1]'}}, 'http://[::1]'),
    # list_concat
    ('list_concat', since('2017-09-01'),
     {'list_concat': [[1, 2], None, [2, 3]]}, [1, 2, 2, 3]),
    ('list_concat_unique', since('2017-09-01'),
     {'list_concat_unique': [[1, 2], [2, 3], [1]]}, [2, 3, 1]),
    # contains
    ('contains_true', since('2017-09-01'),
     {'contains': [{'get_param': 'name'}, ['web', 'db']]}, True),
    ('contains_false', since('2017-09-01'), {'contains': [3, [1, 2]]},
     False),
    # CFN functions in HOT
    ('cfn_select_in_hot', since('2013-05-23', '2015-10-15'),
     {'Fn::Select': ['1', ['a', 'b']]}, 'b'),
    ('cfn_ref_resource_in_hot', since('2013-05-23', '2014-10-16'),
     {'Ref': 'server'}, 'srv-1'),
    ('cfn_ref_parameter_in_hot', since('2013-05-23', '2014-10-16'),
     {'Ref': 'name'}, 'web'),
    ('cfn_join_in_hot', since('2013-05-23', '2014-10-16'),
     {'Fn::Join': ['-', ['a', 'b']]}, 'a-b'),
    ('cfn_split_in_hot', since('2013-05-23', '2014-10-16'),
     {'Fn::Split': ['-', 'a-b']}, ['a', 'b']),
    ('cfn_replace_in_hot', since('2013-05-23', '2014-10-16'),
     {'Fn::Replace': [{'$x': 'y'}, 'a$x']}, 'ay'),
    ('cfn_base64_in_hot', since('2013-05-23', '2014-10-16'),
     {'Fn::Base64': 'text'}, 'text'),
    ('cfn_getazs_in_hot', since('2013-05-23', '2014-10-16'),
     {'Fn::GetAZs': ''}, ['nova']),
    ('cfn_member_list_to_map_in_hot', since('2013-05-23', '2014-10-16'),
     {'Fn::MemberListToMap': ['Name', 'Value', ['.member.0.Name=a',
                                                '.member.0.Value=b']]},
     {'a': 'b'}),
    ('cfn_resource_facade_in_hot', since('2013-05-23', '2014-10-16'),
     {'Fn::ResourceFacade': 'DeletionPolicy'}, 'Retain'),
]


CONDITION_RESOLVE = [
    ('equals_true', since('2016-10-14'),
     {'equals': [{'get_param': 'flag'}, 'yes']}, True),
    ('equals_false', since('2016-10-14'), {'equals': [1, '1']}, False),
    ('not', since('2016-10-14'), {'not': {'equals': [1, 1]}}, False),
    ('not_condition_name', since('2016-10-14'), {'not': 'dev'}, True),
    ('and', since('2016-10-14'), {'and': [True, 'prod', {'not': 'dev'}]},
     True),
    ('and_false', since('2016-10-14'), {'and': ['prod', 'dev']}, False),
    ('or', since('2016-10-14'), {'or': ['dev', {'equals': [1, 1]}]}, True),
    ('or_false', since('2016-10-14'), {'or': ['dev', False]}, False),
    ('contains', since('2017-09-01'),
     {'contains': [{'get_param': 'name'}, ['web']]}, True),
    ('yaql', since('2017-09-01'),
     {'yaql': {'expression': '$.data.n > 2',
               'data': {'n': {'get_param': 'count'}}}}, True),
]


ERRORS = [
    # get_param
    ('get_param_unknown', ALL, {'get_param': 'nope'}, 'both',
     'The Parameter (nope) was not provided.'),
    ('get_param_no_arguments', ALL, {'get_param': []}, 'both',
     'Function "get_param" must have arguments'),
    ('get_param_map_argument', ALL, {'get_param': {'a': 'b'}}, 'both',
     'Argument to "get_param" must be string or list'),
    ('get_param_name_not_string', ALL, {'get_param': [1]}, 'both',
     'Parameter name in "get_param" must be string'),
    # get_resource
    ('get_resource_unknown', ALL, {'get_resource': 'nope'}, 'both',
     'The specified reference "nope"'),
    ('get_resource_not_string', ALL, {'get_resource': ['server']}, 'both',
     'Argument to "get_resource" must be a string'),
    # get_attr
    ('get_attr_unknown_resource', ALL, {'get_attr': ['nope', 'ip']}, 'both',
     'The specified reference "nope"'),
    ('get_attr_not_list', ALL, {'get_attr': 'server'}, 'both',
     'Argument to "get_attr" must be a list'),
    ('get_attr_without_attribute', since('2013-05-23', '2015-10-15'),
     {'get_attr': ['server']}, 'both',
     'Arguments to "get_attr" must be of the form [resource_name, '
     'attribute, (path), ...]'),
    ('get_attr_empty', since('2015-10-15'), {'get_attr': []}, 'both',
     'Arguments to "get_attr" can be of the next forms: [resource_name]'),
    ('get_attr_resource_name_not_string', ALL,
     {'get_attr': [['server'], 'ip']}, 'both',
     'Resource name in "get_attr" must be a string'),
    ('get_attr_attribute_not_string', ALL,
     {'get_attr': ['server', ['ip']]}, 'both',
     'Attribute name in "get_attr" must be a string'),
    # get_file
    ('get_file_missing', ALL, {'get_file': 'missing.txt'}, 'resolve',
     'No content found in the "files" section for get_file path: '
     'missing.txt'),
    ('get_file_not_string', ALL, {'get_file': ['a']}, 'both',
     'Argument to "get_file" must be a string'),
    # str_replace family
    ('str_replace_not_map', ALL, {'str_replace': ['a', 'b']}, 'both',
     'Arguments to "str_replace" must be a map'),
    ('str_replace_missing_params', ALL, {'str_replace': {'template': 'a'}},
     'both', '"str_replace" syntax should be'),
    ('str_replace_params_not_map', ALL,
     {'str_replace': {'template': 'a', 'params': ['x']}}, 'both',
     '"str_replace" params must be a map'),
    ('str_replace_template_not_string', ALL,
     {'str_replace': {'template': ['a'], 'params': {}}}, 'resolve',
     '"str_replace" template must be a string'),
    ('str_replace_list_value_before_2015_10_15',
     since('2013-05-23', '2015-10-15'),
     {'str_replace': {'template': 'a', 'params': {'a': [1]}}}, 'resolve',
     '"str_replace" params must be strings or numbers, param a'),
    ('str_replace_strict_unused_param', since('2017-02-24'),
     {'str_replace_strict': {'template': 'a $x',
                             'params': {'$x': 'b', '$y': 'c'}}},
     'resolve', 'The following params were not found in the template: $y'),
    ('str_replace_vstrict_empty_value', since('2017-09-01'),
     {'str_replace_vstrict': {'template': 'a $x', 'params': {'$x': ''}}},
     'resolve', '"str_replace_vstrict" has an undefined or empty value for '
     'param $x'),
    ('str_replace_vstrict_none_value', since('2017-09-01'),
     {'str_replace_vstrict': {'template': 'a $x', 'params': {'$x': None}}},
     'resolve', 'undefined or empty value for param $x'),
    ('str_replace_vstrict_empty_list', since('2017-09-01'),
     {'str_replace_vstrict': {'template': 'a $x', 'params': {'$x': []}}},
     'resolve', 'undefined or empty value for param $x'),
    ('str_replace_vstrict_unused_param', since('2017-09-01'),
     {'str_replace_vstrict': {'template': 'a', 'params': {'$x': 'b'}}},
     'resolve', 'not found in the template: $x'),
    # list_join
    ('list_join_not_list', ALL, {'list_join': 'abc'}, 'both',
     'Incorrect arguments to "list_join"'),
    ('list_join_several_lists_before_2015_10_15',
     since('2013-05-23', '2015-10-15'),
     {'list_join': [',', ['a'], ['b']]}, 'both',
     'Incorrect arguments to "list_join"'),
    ('list_join_of_string', ALL, {'list_join': [',', 'abc']}, 'resolve',
     '"list_join" must operate on a list'),
    ('list_join_delimiter_not_string', ALL, {'list_join': [1, ['a']]},
     'resolve', '"list_join" delimiter must be a string'),
    ('list_join_number_item_before_2015_10_15',
     since('2013-05-23', '2015-10-15'), {'list_join': [',', [1]]},
     'resolve', 'Items to join in "list_join" must be strings'),
    ('list_join_number_item', since('2015-10-15'),
     {'list_join': [',', [1]]}, 'resolve',
     'Items to join in "list_join" must be strings, maps or lists'),
    # digest
    ('digest_one_argument', since('2015-04-30'), {'digest': ['sha256']},
     'both', 'Function "digest" usage: ["<algorithm>", "<value>"]'),
    ('digest_unknown_algorithm', since('2015-04-30'),
     {'digest': ['rot13', 'x']}, 'both', 'algorithm must be one of md5'),
    ('digest_not_list', since('2015-04-30'), {'digest': 'sha256'}, 'both',
     'Argument to function "digest" must be a list of strings'),
    ('digest_value_not_string', since('2015-04-30'), {'digest': ['md5', 1]},
     'both', 'must be a list of strings'),
    # repeat
    ('repeat_not_map', since('2015-04-30'), {'repeat': ['a']}, 'both',
     'Arguments to "repeat" must be a map'),
    ('repeat_missing_template', since('2015-04-30'),
     {'repeat': {'for_each': {'%v%': [1]}}}, 'both',
     '"repeat" syntax should be'),
    ('repeat_for_each_not_map', since('2015-04-30'),
     {'repeat': {'for_each': ['a'], 'template': 'x'}}, 'both',
     'The "for_each" argument to "repeat" must contain a map'),
    ('repeat_value_string', since('2015-04-30'),
     {'repeat': {'for_each': {'%v%': 'abc'}, 'template': 'x'}}, 'both',
     'The values of the "for_each" argument to "repeat" must be'),
    ('repeat_map_value_before_2016_10_14',
     since('2015-04-30', '2016-10-14'),
     {'repeat': {'for_each': {'%v%': {'a': 1}}, 'template': 'x'}}, 'both',
     'The values of the "for_each" argument to "repeat" must be lists'),
    ('repeat_permutations_not_boolean', since('2017-09-01'),
     {'repeat': {'for_each': {'%v%': [1]}, 'template': 'x',
                 'permutations': 'no'}}, 'both',
     '"permutations" should be a boolean for "repeat"'),
    ('repeat_without_permutations_unequal_lengths', since('2017-09-01'),
     {'repeat': {'for_each': {'%a%': [1], '%b%': [1, 2]}, 'template': 'x',
                 'permutations': False}}, 'resolve',
     'the lengths of the for_each values must be equal'),
    ('repeat_without_permutations_map_value', since('2017-09-01'),
     {'repeat': {'for_each': {'%a%': {'k': 1}}, 'template': 'x',
                 'permutations': False}}, 'both',
     'The values of the "for_each" argument to "repeat" must be lists'),
    # resource_facade
    ('resource_facade_unknown', ALL, {'resource_facade': 'tags'}, 'both',
     'Incorrect arguments to "resource_facade" should be one of: '
     'metadata, deletion_policy, update_policy'),
    ('resource_facade_cfn_name', ALL, {'resource_facade': 'Metadata'},
     'both', 'should be one of'),
    # str_split
    ('str_split_string_argument', since('2015-10-15'),
     {'str_split': 'a,b'}, 'both', 'Incorrect arguments to "str_split"'),
    ('str_split_one_argument', since('2015-10-15'), {'str_split': [',']},
     'both', 'Incorrect arguments to "str_split"'),
    ('str_split_index_out_of_range', since('2015-10-15'),
     {'str_split': [',', 'a,b,c', 5]}, 'resolve',
     'Incorrect index to "str_split" should be between 0 and 2'),
    ('str_split_index_not_integer', since('2015-10-15'),
     {'str_split': [',', 'a,b', 'x']}, 'resolve',
     'Incorrect index to "str_split" should be an integer'),
    ('str_split_delimiter_not_string', since('2015-10-15'),
     {'str_split': [1, 'a,b']}, 'resolve', 'Delimiter for "str_split"'),
    # map_merge
    ('map_merge_not_list', since('2016-04-08'), {'map_merge': {'a': 1}},
     'both', 'Incorrect arguments to "map_merge"'),
    ('map_merge_item_not_map', since('2016-04-08'),
     {'map_merge': [{'a': 1}, ['x']]}, 'resolve',
     'items to merge with "map_merge" must be maps'),
    # map_replace
    ('map_replace_collides_with_input', since('2016-10-14'),
     {'map_replace': [{'a': 1, 'b': 2}, {'keys': {'a': 'b'}}]}, 'resolve',
     'key replacement b collides with a key in the input map'),
    ('map_replace_collides_in_output', since('2016-10-14'),
     {'map_replace': [{'a': 1, 'b': 2}, {'keys': {'a': 'c', 'b': 'c'}}]},
     'resolve', 'collides with a key in the output map'),
    ('map_replace_unknown_key', since('2016-10-14'),
     {'map_replace': [{'a': 1}, {'kes': {}}]}, 'both',
     'unknown key \'kes\''),
    ('map_replace_one_argument', since('2016-10-14'),
     {'map_replace': [{'a': 1}]}, 'both',
     'Incorrect arguments to "map_replace"'),
    ('map_replace_argument_not_map', since('2016-10-14'),
     {'map_replace': [['a'], {}]}, 'resolve', 'arguments must be maps'),
    # yaql
    ('yaql_bad_expression', since('2016-10-14'),
     {'yaql': {'expression': '$.data.select('}}, 'both',
     '"yaql": bad expression'),
    ('yaql_missing_expression', since('2016-10-14'),
     {'yaql': {'data': {}}}, 'both', '"yaql" syntax should be'),
    ('yaql_unknown_key', since('2016-10-14'),
     {'yaql': {'expression': '1', 'vars': {}}}, 'both',
     '"yaql" syntax should be'),
    ('yaql_expression_not_string', since('2016-10-14'),
     {'yaql': {'expression': ['1']}}, 'both',
     'The "expression" argument to "yaql" must contain a string'),
    ('yaql_collection_limit', since('2016-10-14'),
     {'yaql': {'expression': 'range(1000).select($)'}}, 'resolve',
     'Collection length exceeds 200 elements'),
    ('yaql_not_map', since('2016-10-14'), {'yaql': '1 + 1'}, 'both',
     'Arguments to "yaql" must be a map'),
    # if
    ('if_two_arguments_before_2021', since('2016-10-14', '2021-04-16'),
     {'if': ['prod', 'a']}, 'both',
     'Arguments to "if" must be of the form: [condition_name, '
     'value_if_true, value_if_false]'),
    ('if_one_argument', since('2021-04-16'), {'if': ['prod']}, 'both',
     'Arguments to "if" must be of the form: [condition_name, '
     'value_if_true(, value_if_false)]'),
    ('if_not_list', since('2016-10-14'), {'if': 'prod'}, 'both',
     'Arguments to "if" must be of the form'),
    ('if_unknown_condition', since('2016-10-14'), {'if': ['nope', 1, 2]},
     'resolve', 'Invalid condition "nope"'),
    ('if_condition_not_condition', since('2016-10-14'),
     {'if': [['x'], 1, 2]}, 'resolve', 'Invalid condition in "if"'),
    ('if_resource_function_in_condition', since('2016-10-14'),
     {'if': [{'get_attr': ['server', 'ip']}, 1, 2]}, 'both',
     'The function "get_attr" is invalid in this context'),
    ('if_contains_before_2017_09_01', since('2016-10-14', '2017-09-01'),
     {'if': [{'contains': ['a', ['a']]}, 1, 2]}, 'both',
     '"contains" is not supported in template version'),
    ('if_error_in_chosen_value', since('2016-10-14'),
     {'if': ['prod', {'get_param': 'nope'}, 1]}, 'both',
     'The Parameter (nope) was not provided.'),
    # filter
    ('filter_not_list', since('2017-02-24'), {'filter': 'x'}, 'both',
     'Argument to "filter" must be a list'),
    ('filter_one_argument', since('2017-02-24'), {'filter': [[1]]}, 'both',
     '"filter" expected 2 arguments of the form [values, sequence] but '
     'got 1 arguments instead'),
    ('filter_of_string', since('2017-02-24'), {'filter': [[1], 'abc']},
     'resolve', '"filter" only works with lists'),
    ('filter_values_not_list', since('2017-02-24'), {'filter': ['a', [1]]},
     'resolve', '"filter" filters a list of values'),
    # make_url
    ('make_url_port_zero', since('2017-09-01'),
     {'make_url': {'host': 'h', 'port': 0}}, 'both',
     'Invalid URL port 0 for "make_url", must be in range 1-65535'),
    ('make_url_port_too_big', since('2017-09-01'),
     {'make_url': {'host': 'h', 'port': '65536'}}, 'both',
     'must be in range 1-65535'),
    ('make_url_port_not_number', since('2017-09-01'),
     {'make_url': {'host': 'h', 'port': 'http'}}, 'both',
     'Invalid URL port "http" for "make_url"'),
    ('make_url_unknown_argument', since('2017-09-01'),
     {'make_url': {'hostname': 'h'}}, 'both',
     'Invalid arguments to "make_url": hostname'),
    ('make_url_query_not_map', since('2017-09-01'),
     {'make_url': {'host': 'h', 'query': 'a=b'}}, 'both',
     'The "query" argument to "make_url" must be a map'),
    ('make_url_host_not_string', since('2017-09-01'),
     {'make_url': {'host': 1}}, 'both',
     'The "host" argument to "make_url" must be a string'),
    ('make_url_scheme_with_colon', since('2017-09-01'),
     {'make_url': {'scheme': 'http:', 'host': 'h'}}, 'resolve',
     'The "scheme" argument to "make_url" should not contain ":"'),
    ('make_url_not_map', since('2017-09-01'), {'make_url': ['h']}, 'both',
     'The arguments to "make_url" must be a map'),
    # list_concat
    ('list_concat_not_list', since('2017-09-01'), {'list_concat': 'ab'},
     'both', 'Incorrect arguments to "list_concat"'),
    ('list_concat_item_not_list', since('2017-09-01'),
     {'list_concat': [[1], 'ab']}, 'resolve',
     'items to concat with "list_concat" must be lists'),
    ('list_concat_unique_item_not_list', since('2017-09-01'),
     {'list_concat_unique': [{'a': 1}]}, 'resolve',
     'items to concat with "list_concat_unique" must be lists'),
    # contains
    ('contains_not_list', since('2017-09-01'), {'contains': 'a'}, 'both',
     'Arguments to "contains" must be of the form: [value1, [value1, '
     'value2]]'),
    ('contains_second_not_sequence', since('2017-09-01'),
     {'contains': ['a', 1]}, 'resolve',
     'Second argument to "contains" should be a sequence'),
    # CFN functions in HOT 2013-05-23
    ('cfn_split_in_hot_one_argument', since('2013-05-23', '2014-10-16'),
     {'Fn::Split': ['-']}, 'both', 'Incorrect arguments to "Fn::Split"'),
    ('cfn_ref_in_hot_unknown', since('2013-05-23', '2014-10-16'),
     {'Ref': 'nope'}, 'both', 'The specified reference "nope"'),
    ('cfn_select_in_hot_one_argument', since('2013-05-23', '2015-10-15'),
     {'Fn::Select': [1]}, 'both',
     'Arguments to "Fn::Select" must be of the form [index, collection]'),
    # functions missing from a version
    ('cfn_ref_removed', since('2014-10-16'), {'Ref': 'server'}, 'both',
     '"Ref" is not supported in template version'),
    ('cfn_select_removed', since('2015-10-15'),
     {'Fn::Select': [0, ['a']]}, 'both',
     '"Fn::Select" is not supported in template version'),
    ('if_before_2016_10_14', since('2013-05-23', '2016-10-14'),
     {'if': ['prod', 1, 2]}, 'both',
     '"if" is not supported in template version'),
]


CONDITION_ERRORS = [
    ('equals_one_argument', since('2016-10-14'), {'equals': [1]}, 'both',
     'Arguments to "equals" must be of the form: [value_1, value_2]'),
    ('equals_not_list', since('2016-10-14'), {'equals': 'a'}, 'both',
     'Arguments to "equals" must be of the form'),
    ('not_none', since('2016-10-14'), {'not': None}, 'both',
     'Argument to "not" must be a condition'),
    ('and_one_condition', since('2016-10-14'), {'and': ['prod']}, 'both',
     'The minimum number of condition arguments to "and" is 2'),
    ('and_not_list', since('2016-10-14'), {'and': 'prod'}, 'both',
     'Arguments to "and" must be a list of conditions'),
    ('or_one_condition', since('2016-10-14'), {'or': [True]}, 'both',
     'The minimum number of condition arguments to "or" is 2'),
    ('or_numbers', since('2016-10-14'), {'or': [1, 2]}, 'resolve',
     'Invalid condition in "or": 1'),
    ('get_attr_in_condition', since('2016-10-14'),
     {'get_attr': ['server', 'ip']}, 'both',
     'The function "get_attr" is invalid in this context'),
    ('yaql_in_condition_before_2017_09_01',
     since('2016-10-14', '2017-09-01'),
     {'yaql': {'expression': '1'}}, 'both',
     'The function "yaql" is invalid in this context'),
    ('contains_in_condition_before_2017_09_01',
     since('2016-10-14', '2017-09-01'),
     {'contains': [1, [1]]}, 'both',
     '"contains" is not supported in template version 201'),
]


class TestHotResolve(base.TestCase):
    """Valid calls resolve to the expected value."""


class TestHotConditionResolve(base.TestCase):
    """Condition functions (parsed as a condition) resolve to booleans."""


class TestHotErrors(base.TestCase):
    """Misuse fails naming the function and the offending value."""


class TestHotConditionErrors(base.TestCase):
    """Misuse of the condition functions."""


fakes.add_resolve_tests(TestHotResolve, RESOLVE, fakes.hot)
fakes.add_resolve_tests(TestHotConditionResolve, CONDITION_RESOLVE,
                        fakes.hot, condition=True)
fakes.add_error_tests(TestHotErrors, ERRORS, fakes.hot)
fakes.add_error_tests(TestHotConditionErrors, CONDITION_ERRORS, fakes.hot,
                      condition=True)


class TestHotSpecifics(base.TestCase):
    """Behaviour that needs more than one snippet and one value."""

    def test_get_attr_2013_selects_from_the_attribute_value(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'get_attr': ['server', 'addresses',
                                                'net', '0']}, '2013-05-23')
        self.assertEqual('10.0.0.1', function.resolve(parsed))

    def test_get_attr_checks_the_attribute_schema_when_there_is_one(self):
        stack = fakes.default_stack(resources=[fakes.FakeResource(
            'server', attributes={'ip': '1'}, attributes_schema={'ip'})])
        parsed = fakes.hot(stack, {'get_attr': ['server', 'ipv6']})
        exc = self.assertRaises(fakes.ERRORS, function.validate, parsed)
        self.assertIn('The Referenced Attribute (server ipv6) is incorrect',
                      str(exc))

    def test_resource_facade_in_top_level_stack(self):
        stack = fakes.default_stack(parent_resource=None)
        parsed = fakes.hot(stack, {'resource_facade': 'metadata'})
        function.validate(parsed)
        exc = self.assertRaises(fakes.ERRORS, function.resolve, parsed)
        self.assertIn('"resource_facade" is only available in a nested '
                      'stack', str(exc))

    def test_yaql_limits_come_from_configuration(self):
        self.addCleanup(cfg.CONF.clear_override, 'limit_iterators', 'yaql')
        cfg.CONF.set_override('limit_iterators', 2000, 'yaql')
        value = fakes.resolve_hot(
            {'yaql': {'expression': 'range(1000).select($).len()'}})
        self.assertEqual(1000, value)

    def test_get_param_of_unknown_parameter_names_it_with_its_path(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'name': {'get_param': 'nope'}})
        exc = self.assertRaises(fakes.ERRORS, function.validate, parsed,
                                'resources.server.properties')
        self.assertEqual('resources.server.properties.name.get_param: '
                         'The Parameter (nope) was not provided.', str(exc))

    def test_if_two_arguments_removes_property(self):
        stack = fakes.default_stack()
        props = fakes.hot(stack, {'flavor': 'm1.small',
                                  'key_name': {'if': ['dev', 'k']}})
        self.assertEqual({'flavor': 'm1.small'}, function.resolve(props))

    def test_if_dependencies_follow_the_chosen_value(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'if': ['prod',
                                          {'get_resource': 'server'},
                                          {'get_resource': 'volume'}]})
        self.assertEqual(['server'], list(function.dependencies(parsed)))

    def test_if_dependencies_of_both_values_when_undecided(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {'if': ['unknown',
                                          {'get_resource': 'server'},
                                          {'get_resource': 'volume'}]})
        self.assertEqual(['server', 'volume'],
                         list(function.dependencies(parsed)))


class ValuelessParameters(dict):
    """Declared parameters whose values were not given."""

    def __getitem__(self, key):
        raise exception.UserParameterMissing(key=key)


class TestWithoutParameterValues(base.TestCase):
    """A template validates without values for its parameters."""

    def _stack(self):
        stack = fakes.default_stack()
        stack.parameters = ValuelessParameters(name=None, flag=None)
        return stack

    def test_get_param_of_declared_parameter_validates(self):
        function.validate(fakes.hot(self._stack(), {'get_param': 'name'}))

    def test_get_param_of_undeclared_parameter_fails(self):
        parsed = fakes.hot(self._stack(), {'get_param': 'nope'})
        self.assertRaises(exception.StackValidationFailed,
                          function.validate, parsed)

    def test_resolving_reports_the_missing_value(self):
        parsed = fakes.hot(self._stack(), {'get_param': 'name'})
        exc = self.assertRaises(exception.UserParameterMissing,
                                function.resolve, parsed)
        self.assertEqual('The Parameter (name) was not provided.', str(exc))

    def test_if_on_a_parameter_validates_both_values(self):
        parsed = fakes.hot(self._stack(), {'if': [
            {'equals': [{'get_param': 'flag'}, 'yes']},
            {'get_param': 'name'}, {'get_resource': 'nope'}]})
        self.assertRaises(exception.InvalidTemplateReference,
                          function.validate, parsed)

    def test_cfn_ref_of_declared_parameter_validates(self):
        function.validate(fakes.cfn(self._stack(), {'Ref': 'name'}))

    def test_get_attr_of_a_resource_named_by_a_parameter_validates(self):
        parsed = fakes.hot(self._stack(), {'get_attr': [
            {'get_param': 'name'}, 'ip']})
        function.validate(parsed)
        self.assertEqual([], list(function.dependencies(parsed)))

    def test_get_resource_named_by_a_parameter_validates(self):
        parsed = fakes.hot(self._stack(), {'get_resource': {
            'get_param': 'name'}})
        function.validate(parsed)
