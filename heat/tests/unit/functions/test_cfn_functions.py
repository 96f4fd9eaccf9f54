"""CFN intrinsic functions: valid use and misuse, in both CFN versions.

Rows run in each version they list (``test_<case>_<version>``); the stack
is ``fakes.default_stack()`` (see test_hot_functions for its content) with
the mapping Region.RegionOne.ami = ami-1 and zone nova.
"""

from heat.engine import function
from heat.tests import base
from heat.tests.unit.functions import fakes

BOTH = ('2010-09-09', '2012-12-12')
AWS = ('2010-09-09',)
HEAT = ('2012-12-12',)

RESOLVE = [
    # Ref
    ('ref_resource', BOTH, {'Ref': 'server'}, 'srv-1'),
    ('ref_parameter', BOTH, {'Ref': 'name'}, 'web'),
    ('ref_stack_name', BOTH, {'Ref': 'AWS::StackName'}, 'teststack'),
    ('ref_stack_id', BOTH, {'Ref': 'AWS::StackId'}, 'stack-1234'),
    ('ref_region', BOTH, {'Ref': 'AWS::Region'}, 'RegionOne'),
    # Fn::GetAtt
    ('getatt', BOTH, {'Fn::GetAtt': ['server', 'ip']}, '10.0.0.1'),
    ('getatt_name_from_function', BOTH,
     {'Fn::GetAtt': [{'Fn::Select': [0, ['server']]}, 'ip']}, '10.0.0.1'),
    # Fn::Join
    ('join', BOTH, {'Fn::Join': [':', ['a', {'Ref': 'name'}]]}, 'a:web'),
    ('join_none_item', BOTH, {'Fn::Join': [':', ['a', None]]}, 'a:'),
    # Fn::Select
    ('select_list', BOTH, {'Fn::Select': [1, ['a', 'b']]}, 'b'),
    ('select_list_index_string', BOTH, {'Fn::Select': ['0', ['a']]}, 'a'),
    ('select_out_of_range', BOTH, {'Fn::Select': [5, ['a']]}, ''),
    ('select_map', BOTH, {'Fn::Select': ['k', {'k': 'v'}]}, 'v'),
    ('select_map_missing_key', BOTH, {'Fn::Select': ['x', {'k': 'v'}]},
     ''),
    ('select_json_string', BOTH, {'Fn::Select': [1, '["a", "b"]']}, 'b'),
    ('select_empty_string', BOTH, {'Fn::Select': [1, '']}, ''),
    ('select_none', BOTH, {'Fn::Select': [1, None]}, ''),
    ('select_zone', BOTH, {'Fn::Select': [0, {'Fn::GetAZs': ''}]}, 'nova'),
    # Fn::Split
    ('split', BOTH, {'Fn::Split': [',', 'a,b']}, ['a', 'b']),
    # Fn::Replace
    ('replace', BOTH,
     {'Fn::Replace': [{'$a': 'x', '%b%': {'Ref': 'name'}}, '$a is %b%']},
     'x is web'),
    ('replace_longer_first', BOTH,
     {'Fn::Replace': [{'$a': '1', '$ab': '2'}, '$ab $a']}, '2 1'),
    # Fn::Base64
    ('base64_is_plain_text', BOTH, {'Fn::Base64': 'hello'}, 'hello'),
    # Fn::GetAZs
    ('getazs', BOTH, {'Fn::GetAZs': ''}, ['nova']),
    ('getazs_region_ref', BOTH, {'Fn::GetAZs': {'Ref': 'AWS::Region'}},
     ['nova']),
    # Fn::MemberListToMap
    ('member_list_to_map', BOTH,
     {'Fn::MemberListToMap': ['Name', 'Value',
                              ['.member.0.Name=key', '.member.0.Value=door',
                               '.member.1.Name=colour',
                               '.member.1.Value=green']]},
     {'key': 'door', 'colour': 'green'}),
    ('member_list_to_map_value_with_equals', BOTH,
     {'Fn::MemberListToMap': ['Name', 'Value',
                              ['.member.0.Name=k', '.member.0.Value=a=b']]},
     {'k': 'a=b'}),
    # Fn::ResourceFacade
    ('resource_facade_metadata', BOTH, {'Fn::ResourceFacade': 'Metadata'},
     {'role': 'db'}),
    ('resource_facade_deletion_policy', BOTH,
     {'Fn::ResourceFacade': 'DeletionPolicy'}, 'Retain'),
    ('resource_facade_update_policy', BOTH,
     {'Fn::ResourceFacade': 'UpdatePolicy'}, {'batch': 1}),
    # Fn::FindInMap
    ('find_in_map', BOTH,
     {'Fn::FindInMap': ['Region', {'Ref': 'AWS::Region'}, 'ami']}, 'ami-1'),
    # Fn::If
    ('if_true', AWS, {'Fn::If': ['prod', 'a', 'b']}, 'a'),
    ('if_false', AWS, {'Fn::If': ['dev', 'a', 'b']}, 'b'),
    ('if_equals', AWS,
     {'Fn::If': [{'Fn::Equals': [{'Ref': 'flag'}, 'yes']}, 1, 2]}, 1),
    ('if_not_and_or', AWS,
     {'Fn::If': [{'Fn::Or': ['dev', {'Fn::And': [
         'prod', {'Fn::Not': ['dev']}]}]}, 1, 2]}, 1),
    ('if_chosen_value_only', AWS,
     {'Fn::If': ['dev', {'Ref': 'nope'}, {'Ref': 'name'}]}, 'web'),
]

CONDITION_RESOLVE = [
    ('equals', AWS, {'Fn::Equals': [{'Ref': 'flag'}, 'yes']}, True),
    ('equals_false', AWS, {'Fn::Equals': ['a', 'b']}, False),
    ('not', AWS, {'Fn::Not': [{'Fn::Equals': [1, 1]}]}, False),
    ('not_condition_name', AWS, {'Fn::Not': ['dev']}, True),
    ('and', AWS, {'Fn::And': ['prod', True]}, True),
    ('or', AWS, {'Fn::Or': ['dev', False, 'prod']}, True),
    ('find_in_map', AWS,
     {'Fn::Equals': [{'Fn::FindInMap': ['Region', 'RegionOne', 'ami']},
                     'ami-1']}, True),
]

ERRORS = [
    ('ref_unknown', BOTH, {'Ref': 'nope'}, 'both',
     'The specified reference "nope"'),
    ('ref_not_string', BOTH, {'Ref': ['server']}, 'both',
     'Argument to "Ref" must be a string'),
    ('getatt_one_argument', BOTH, {'Fn::GetAtt': ['server']}, 'both',
     'Arguments to "Fn::GetAtt" must be of the form [resource_name, '
     'attribute]'),
    ('getatt_path_not_allowed', BOTH,
     {'Fn::GetAtt': ['server', 'addresses', 'net']}, 'both',
     'Arguments to "Fn::GetAtt" must be of the form'),
    ('getatt_unknown_resource', BOTH, {'Fn::GetAtt': ['nope', 'ip']},
     'both', 'The specified reference "nope"'),
    ('join_not_list', BOTH, {'Fn::Join': 'abc'}, 'both',
     'Incorrect arguments to "Fn::Join"'),
    ('join_number_item', BOTH, {'Fn::Join': [',', [1]]}, 'resolve',
     'Items to join in "Fn::Join" must be strings'),
    ('select_one_argument', BOTH, {'Fn::Select': [1]}, 'both',
     'Arguments to "Fn::Select" must be of the form [index, collection]'),
    ('select_index_not_integer', BOTH, {'Fn::Select': ['x', ['a']]},
     'resolve', 'Index to "Fn::Select" must be an integer'),
    ('select_map_index_not_string', BOTH, {'Fn::Select': [1, {'k': 'v'}]},
     'resolve', 'Index to "Fn::Select" must be a string'),
    ('select_bad_json', BOTH, {'Fn::Select': [1, '[a']}, 'resolve',
     '"Fn::Select": Expecting value'),
    ('select_from_number', BOTH, {'Fn::Select': [1, 5]}, 'resolve',
     'Arguments to "Fn::Select" not fully resolved'),
    ('split_one_argument', BOTH, {'Fn::Split': [',']}, 'both',
     'Incorrect arguments to "Fn::Split"'),
    ('split_delimiter_not_string', BOTH, {'Fn::Split': [1, 'a']}, 'both',
     'Delimiter for "Fn::Split" must be'),
    ('split_not_string', BOTH, {'Fn::Split': [',', ['a']]}, 'resolve',
     'String to split in "Fn::Split" must be a string'),
    ('replace_map_only', BOTH, {'Fn::Replace': {'a': 'b'}}, 'both',
     'Incorrect arguments to "Fn::Replace"'),
    ('replace_mapping_not_map', BOTH, {'Fn::Replace': [['a'], 'a']},
     'both', '"Fn::Replace" params must be a map'),
    ('replace_list_value', BOTH, {'Fn::Replace': [{'a': ['b']}, 'a']},
     'resolve', '"Fn::Replace" params must be strings or numbers'),
    ('base64_not_string', BOTH, {'Fn::Base64': ['a']}, 'resolve',
     '"Fn::Base64" argument must be a string'),
    ('getazs_bad_region', BOTH, {'Fn::GetAZs': ['r']}, 'both',
     'Argument to "Fn::GetAZs" must be a region name'),
    ('member_list_to_map_two_arguments', BOTH,
     {'Fn::MemberListToMap': ['Name', []]}, 'both',
     'Wrong arguments to "Fn::MemberListToMap"'),
    ('member_list_to_map_key_name_not_string', BOTH,
     {'Fn::MemberListToMap': [1, 'Value', []]}, 'both',
     '"Fn::MemberListToMap" key name must be a string'),
    ('member_list_to_map_value_name_not_string', BOTH,
     {'Fn::MemberListToMap': ['Name', 1, []]}, 'both',
     '"Fn::MemberListToMap" value name must be a string'),
    ('member_list_to_map_item_not_string', BOTH,
     {'Fn::MemberListToMap': ['Name', 'Value', [1]]}, 'resolve',
     '"Fn::MemberListToMap" member list items must be strings'),
    ('resource_facade_hot_name', BOTH, {'Fn::ResourceFacade': 'metadata'},
     'both', 'Incorrect arguments to "Fn::ResourceFacade" should be one '
     'of: Metadata, DeletionPolicy, UpdatePolicy'),
    ('find_in_map_two_arguments', BOTH,
     {'Fn::FindInMap': ['Region', 'RegionOne']}, 'both',
     'Arguments to "Fn::FindInMap" must be of the form [map_name, '
     'top_level_key, second_level_key]'),
    ('find_in_map_unknown_map', BOTH,
     {'Fn::FindInMap': ['Nope', 'RegionOne', 'ami']}, 'resolve',
     '"Fn::FindInMap": key \'Nope\' not found in Mappings'),
    ('find_in_map_unknown_key', BOTH,
     {'Fn::FindInMap': ['Region', 'RegionTwo', 'ami']}, 'resolve',
     'key \'RegionTwo\' not found in mapping Region'),
    ('if_two_arguments', AWS, {'Fn::If': ['prod', 'a']}, 'both',
     'Arguments to "Fn::If" must be of the form: [condition_name, '
     'value_if_true, value_if_false]'),
    ('if_unknown_condition', AWS, {'Fn::If': ['nope', 1, 2]}, 'resolve',
     'Invalid condition "nope"'),
    ('if_join_in_condition', AWS,
     {'Fn::If': [{'Fn::Join': ['', ['a']]}, 1, 2]}, 'both',
     'The function "Fn::Join" is invalid in this context'),
    ('if_not_in_heat_format', HEAT, {'Fn::If': ['prod', 1, 2]}, 'both',
     '"Fn::If" is not supported in template version 2012-12-12'),
]

CONDITION_ERRORS = [
    ('equals_three_arguments', AWS, {'Fn::Equals': [1, 1, 1]}, 'both',
     'Arguments to "Fn::Equals" must be of the form: [value_1, value_2]'),
    ('not_string', AWS, {'Fn::Not': 'prod'}, 'both',
     'Arguments to "Fn::Not" must be of the form: [condition]'),
    ('not_two_conditions', AWS, {'Fn::Not': ['prod', 'dev']}, 'both',
     'Arguments to "Fn::Not" must be of the form: [condition]'),
    ('and_one_condition', AWS, {'Fn::And': ['prod']}, 'both',
     'The minimum number of condition arguments to "Fn::And" is 2'),
    ('or_not_list', AWS, {'Fn::Or': 'prod'}, 'both',
     'Arguments to "Fn::Or" must be a list of conditions'),
    ('ref_to_resource_in_condition', AWS,
     {'Fn::Equals': [{'Ref': 'server'}, 'x']}, 'both',
     'The specified reference "server"'),
    ('getatt_in_condition', AWS, {'Fn::GetAtt': ['server', 'ip']}, 'both',
     'The function "Fn::GetAtt" is invalid in this context'),
    ('condition_function_in_heat_format', HEAT, {'Fn::Equals': [1, 1]},
     'both', '"Fn::Equals" is not supported in template version '
     '2012-12-12'),
]


class TestCfnResolve(base.TestCase):
    """Valid calls resolve to the expected value."""


class TestCfnConditionResolve(base.TestCase):
    """Condition functions (parsed as a condition) resolve to booleans."""


class TestCfnErrors(base.TestCase):
    """Misuse fails naming the function and the offending value."""


class TestCfnConditionErrors(base.TestCase):
    """Misuse of the condition functions."""


fakes.add_resolve_tests(TestCfnResolve, RESOLVE, fakes.cfn)
fakes.add_resolve_tests(TestCfnConditionResolve, CONDITION_RESOLVE,
                        fakes.cfn, condition=True)
fakes.add_error_tests(TestCfnErrors, ERRORS, fakes.cfn)
fakes.add_error_tests(TestCfnConditionErrors, CONDITION_ERRORS, fakes.cfn,
                      condition=True)


class TestCfnSpecifics(base.TestCase):

    def test_ref_prefers_the_resource_over_a_parameter(self):
        stack = fakes.default_stack(parameters={'server': 'param'})
        self.assertEqual('srv-1', function.resolve(
            fakes.cfn(stack, {'Ref': 'server'})))

    def test_ref_to_resource_is_a_dependency_parameter_is_not(self):
        stack = fakes.default_stack()
        parsed = fakes.cfn(stack, [{'Ref': 'server'}, {'Ref': 'name'}])
        self.assertEqual(['server'], list(function.dependencies(parsed)))

    def test_pseudo_parameters_come_from_parameters_first(self):
        stack = fakes.default_stack(parameters={'AWS::StackName': 'p'})
        self.assertEqual('p', function.resolve(
            fakes.cfn(stack, {'Ref': 'AWS::StackName'})))

    def test_find_in_map_reads_the_template_mappings_section(self):
        stack = fakes.default_stack(mappings={'M': {'a': {'b': [1]}}})
        self.assertEqual([1], function.resolve(
            fakes.cfn(stack, {'Fn::FindInMap': ['M', 'a', 'b']})))

    def test_find_in_map_falls_back_to_the_raw_template(self):
        stack = fakes.default_stack()

        class RawOnly:
            t = {'Mappings': {'M': {'a': {'b': 'c'}}}}

            def __getitem__(self, key):
                raise KeyError(key)

        stack.t = RawOnly()
        self.assertEqual('c', function.resolve(
            fakes.cfn(stack, {'Fn::FindInMap': ['M', 'a', 'b']})))

    def test_getazs_without_a_cloud_is_empty(self):
        stack = fakes.default_stack(zones=())
        self.assertEqual([], function.resolve(
            fakes.cfn(stack, {'Fn::GetAZs': ''})))

    def test_getatt_dep_attrs(self):
        stack = fakes.default_stack()
        parsed = fakes.cfn(stack, {'a': {'Fn::GetAtt': ['server', 'ip']},
                                   'b': {'Fn::GetAtt': ['volume', 'size']}})
        self.assertEqual(['ip'], list(function.dep_attrs(parsed, 'server')))
