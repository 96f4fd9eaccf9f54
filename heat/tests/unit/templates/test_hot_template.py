"""HOT templates: sections, resource and output keys, parsing per version."""

from heat.common import exception
from heat.engine import function, template
from heat.engine.cfn import functions as cfn_funcs
from heat.engine.hot import functions as hot_funcs
from heat.tests import base
from heat.tests.unit.templates.test_template import Stack, hot

DATED = ['2013-05-23', '2014-10-16', '2015-04-30', '2015-10-15',
         '2016-04-08', '2016-10-14', '2017-02-24', '2017-09-01',
         '2018-03-02', '2018-08-31', '2021-04-16']
BEFORE_CONDITIONS = DATED[:5]
WITH_CONDITIONS = DATED[5:]


def fails(test, tmpl, message, exc=exception.StackValidationFailed,
          what=None):
    ex = test.assertRaises(exc, tmpl.validate)
    test.assertEqual(message, str(ex), what)
    return ex


class SectionsPerVersionTest(base.TestCase):

    def test_conditions_section_from_2016_10_14(self):
        for version in BEFORE_CONDITIONS:
            tmpl = hot(version, conditions={'c': True})
            fails(self, tmpl, 'The template section is invalid: conditions',
                  exception.InvalidTemplateSection, version)
        for version in WITH_CONDITIONS:
            hot(version, conditions={'c': True}).validate()

    def test_unknown_top_level_section(self):
        for version in DATED:
            fails(self, hot(version, resorces={}),
                  'The template section is invalid: resorces',
                  exception.InvalidTemplateSection, version)

    def test_cfn_section_names_are_unknown_in_hot(self):
        fails(self, hot('2015-04-30', Resources={}),
              'The template section is invalid: Resources',
              exception.InvalidTemplateSection)

    def test_every_section_accepted(self):
        for version in DATED:
            hot(version, description='d', parameter_groups=[],
                parameters={}, resources={}, outputs={}).validate()

    def test_empty_sections_are_accepted(self):
        hot('2016-10-14', parameters=None, resources=None, outputs=None,
            conditions=None).validate()

    def test_section_types(self):
        cases = [
            ({'resources': []},
             'resources: The "resources" section must be a map, not a '
             'list'),
            ({'outputs': 'x'},
             'outputs: The "outputs" section must be a map, not a string'),
            ({'description': {'a': 1}},
             'description: The "description" section must be a string, '
             'not a map'),
            ({'conditions': ['c']},
             'conditions: Condition definitions must be a map. Found a '
             'list instead'),
            ({'conditions': {'c': 'other'}},
             'conditions.c: The definition of condition "c" is invalid: '
             'other'),
            ({'conditions': {'c': [True]}},
             'conditions.c: The definition of condition "c" is invalid: '
             '[True]'),
        ]
        for sections, message in cases:
            fails(self, hot('2016-10-14', **sections), message, what=message)


class ResourceKeysTest(base.TestCase):

    BASE_KEYS = {'type': 'OS::Heat::None', 'properties': {'a': 1},
                 'metadata': {'m': 1}, 'depends_on': ['other'],
                 'deletion_policy': 'Retain',
                 'update_policy': {'batch': 1}, 'description': 'r'}

    def _tmpl(self, version, **keys):
        return hot(version, resources={'r': keys,
                                       'other': {'type': 'OS::Heat::None'}})

    def test_base_keys_in_every_version(self):
        for version in DATED:
            self._tmpl(version, **self.BASE_KEYS).validate()

    def test_condition_and_external_id_from_2016_10_14(self):
        for key, value in (('condition', True), ('external_id', 'abc')):
            for version in BEFORE_CONDITIONS:
                tmpl = self._tmpl(version, type='T', **{key: value})
                ex = self.assertRaises(exception.StackValidationFailed,
                                       tmpl.validate)
                self.assertEqual(['resources', 'r', key], ex.path)
                self.assertIn('"%s" is not a valid keyword inside a '
                              'resource definition' % key, str(ex))
            for version in WITH_CONDITIONS:
                self._tmpl(version, type='T', **{key: value}).validate()

    def test_unknown_key_names_key_and_path(self):
        tmpl = self._tmpl('2015-04-30', type='T', propertys={})
        ex = fails(self, tmpl,
                   'resources.r.propertys: "propertys" is not a valid '
                   'keyword inside a resource definition (valid keywords: '
                   'type, properties, metadata, depends_on, '
                   'deletion_policy, update_policy, description)')
        self.assertEqual(['resources', 'r', 'propertys'], ex.path)

    def test_cfn_keys_are_unknown_in_hot(self):
        tmpl = self._tmpl('2013-05-23', Type='T')
        ex = self.assertRaises(exception.StackValidationFailed,
                               tmpl.validate)
        self.assertEqual(['resources', 'r', 'Type'], ex.path)

    CASES = [
        ('not_a_map', ['T'],
         'resources.r: "resources" must contain a map of resource maps. '
         'Found a [list] instead'),
        ('empty', None,
         'resources.r: "resources" must contain a map of resource maps. '
         'Found a [null] instead'),
        ('no_type', {'properties': {}},
         'resources.r: Resource r is missing "type"'),
        ('type_not_string', {'type': ['T']},
         'resources.r.type: Resource r type type must be string'),
        ('properties_list', {'type': 'T', 'properties': [1]},
         'resources.r.properties: Resource r properties type must be '
         'object'),
        ('metadata_string', {'type': 'T', 'metadata': 'm'},
         'resources.r.metadata: Resource r metadata type must be object'),
        ('update_policy_list', {'type': 'T', 'update_policy': []},
         'resources.r.update_policy: Resource r update_policy type must '
         'be object'),
        ('depends_on_map', {'type': 'T', 'depends_on': {'a': 1}},
         'resources.r.depends_on: Resource r depends_on type must be list '
         'or string'),
        ('depends_on_list_of_numbers', {'type': 'T', 'depends_on': [1]},
         'resources.r.depends_on[0]: Resource r depends_on must be a list '
         'of strings'),
        ('deletion_policy_unknown', {'type': 'T',
                                     'deletion_policy': 'Keep'},
         'resources.r.deletion_policy: Invalid deletion policy "Keep" '
         '(valid: Delete, Retain, Snapshot)'),
        ('deletion_policy_list', {'type': 'T', 'deletion_policy': ['x']},
         'resources.r.deletion_policy: Resource r deletion_policy type '
         'must be string'),
        ('lowercase_policy_before_2016', {'type': 'T',
                                          'deletion_policy': 'retain'},
         'resources.r.deletion_policy: Invalid deletion policy "retain" '
         '(valid: Delete, Retain, Snapshot)'),
        ('description_map', {'type': 'T', 'description': {}},
         'resources.r.description: Resource r description type must be '
         'string'),
    ]

    def test_errors(self):
        for name, data, message in self.CASES:
            tmpl = hot('2015-10-15', resources={'r': data})
            fails(self, tmpl, message, what=name)

    NEWTON_CASES = [
        ('condition_list', {'type': 'T', 'condition': [1]},
         'resources.r.condition: Resource r condition type must be string '
         'or boolean'),
        ('external_id_number', {'type': 'T', 'external_id': 5},
         'resources.r.external_id: Resource r external_id type must be '
         'string'),
    ]

    def test_newton_errors(self):
        for name, data, message in self.NEWTON_CASES:
            tmpl = hot('2016-10-14', resources={'r': data})
            fails(self, tmpl, message, what=name)


class OutputKeysTest(base.TestCase):

    def test_condition_key_from_2016_10_14(self):
        for version in BEFORE_CONDITIONS:
            tmpl = hot(version, outputs={'o': {'value': 1,
                                               'condition': True}})
            fails(self, tmpl, 'outputs.o.condition: "condition" is not a '
                  'valid keyword inside an output definition (valid '
                  'keywords: value, description)', what=version)
        for version in WITH_CONDITIONS:
            hot(version, outputs={'o': {'value': 1, 'description': 'd',
                                        'condition': True}}).validate()

    CASES = [
        ('not_a_map', 'x',
         'outputs.o: Output definitions must be a map. Found a string '
         'instead'),
        ('no_value', {'description': 'd'},
         'outputs.o: Each output definition must contain a value key.'),
        ('unknown_key', {'value': 1, 'Value': 2},
         'outputs.o.Value: "Value" is not a valid keyword inside an '
         'output definition (valid keywords: value, description, '
         'condition)'),
    ]

    def test_errors(self):
        for name, data, message in self.CASES:
            fails(self, hot('2016-10-14', outputs={'o': data}), message,
                  what=name)


class ParseTest(base.TestCase):
    """Which names are functions in which version."""

    def _parsed(self, version, name, args='x'):
        return hot(version).parse(None, {name: args})

    # name -> versions where it is a function of this version
    AVAILABILITY = {
        'get_param': DATED, 'get_resource': DATED, 'get_attr': DATED,
        'list_join': DATED, 'str_replace': DATED, 'get_file': DATED,
        'resource_facade': DATED,
        'Ref': DATED[:1], 'Fn::Join': DATED[:1], 'Fn::Base64': DATED[:1],
        'Fn::GetAZs': DATED[:1], 'Fn::Split': DATED[:1],
        'Fn::Replace': DATED[:1], 'Fn::MemberListToMap': DATED[:1],
        'Fn::ResourceFacade': DATED[:1],
        'Fn::Select': DATED[:3],
        'repeat': DATED[2:], 'digest': DATED[2:],
        'str_split': DATED[3:],
        'map_merge': DATED[4:],
        'yaql': DATED[5:], 'map_replace': DATED[5:], 'if': DATED[5:],
        'filter': DATED[6:], 'str_replace_strict': DATED[6:],
        'make_url': DATED[7:], 'list_concat': DATED[7:],
        'list_concat_unique': DATED[7:], 'str_replace_vstrict': DATED[7:],
        'contains': DATED[7:],
    }

    def test_function_availability_per_version(self):
        for name, versions in self.AVAILABILITY.items():
            for version in DATED:
                parsed = self._parsed(version, name)
                if version in versions:
                    self.assertIsInstance(parsed, function.Function,
                                          (name, version))
                    self.assertNotIsInstance(parsed, function.Invalid,
                                             (name, version))
                    self.assertIs(hot_funcs.FUNCTIONS[version][name],
                                  type(parsed), (name, version))
                else:
                    self.assertIsInstance(parsed, function.Invalid,
                                          (name, version))

    def test_removed_function_fails_on_validate_naming_version(self):
        parsed = self._parsed('2014-10-16', 'Fn::Join', [',', ['a']])
        ex = self.assertRaises(exception.StackValidationFailed,
                               function.validate, {'v': parsed},
                               ['outputs', 'o'])
        self.assertIn('"Fn::Join" is not supported in template version '
                      '2014-10-16', str(ex))
        self.assertEqual(['outputs', 'o', 'v', 'Fn::Join'], ex.path)

    def test_cfn_only_names_are_plain_data_in_hot(self):
        for name in ('Fn::If', 'Fn::FindInMap', 'Fn::GetAtt', 'Fn::Equals'):
            for version in ('2013-05-23', '2021-04-16'):
                self.assertEqual({name: 'x'},
                                 self._parsed(version, name), name)

    def test_condition_function_names_are_data_outside_conditions(self):
        for name in ('equals', 'not', 'and', 'or'):
            for version in ('2013-05-23', '2016-10-14', '2021-04-16'):
                self.assertEqual({name: [1, 1]},
                                 self._parsed(version, name, [1, 1]),
                                 (name, version))

    def test_condition_functions_of_later_versions_are_invalid(self):
        # 'contains' is a condition function from 2017-09-01 only
        parsed = hot('2016-10-14').parse_condition(None, {'contains': []})
        self.assertIsInstance(parsed, function.Invalid)

    def test_2013_accepts_cfn_ref(self):
        self.assertIs(cfn_funcs.Ref, type(self._parsed('2013-05-23', 'Ref')))

    def test_aliases_parse_like_the_dated_version(self):
        for alias, dated in (('newton', '2016-10-14'),
                             ('wallaby', '2021-04-16')):
            parsed = self._parsed(alias, 'if', [True, 1, 2])
            self.assertIs(hot_funcs.FUNCTIONS[dated]['if'], type(parsed))

    def test_maps_with_more_keys_are_data(self):
        snippet = {'get_param': 'a', 'other': 1}
        self.assertEqual(snippet, hot('2015-04-30').parse(None, snippet))

    def test_nested_calls_are_parsed(self):
        parsed = hot('2015-04-30').parse(
            None, {'list_join': [',', [{'get_param': 'a'}, 'b']]})
        self.assertIsInstance(parsed.args[1][0], hot_funcs.GetParam)

    def test_condition_parse_uses_condition_functions(self):
        tmpl = hot('2016-10-14')
        parsed = tmpl.parse_condition(None, {'equals': [1, 1]})
        self.assertIs(hot_funcs.CONDITION_FUNCTIONS['2016-10-14']['equals'],
                      type(parsed))
        # a function of the version that conditions do not allow
        bad = tmpl.parse_condition(None, {'get_resource': 'r'})
        self.assertIsInstance(bad, function.InvalidInContext)
        # 'contains' arrives in conditions with 2017-09-01
        self.assertIsInstance(tmpl.parse_condition(None, {'contains': []}),
                              function.Invalid)
        self.assertIs(hot_funcs.Contains, type(
            hot('2017-09-01').parse_condition(None, {'contains': []})))


class DefinitionsTest(base.TestCase):

    def _stack(self, version='2016-10-14', params=None, **sections):
        return Stack(hot(version, **sections), params)

    def test_depends_on_string_becomes_list(self):
        stack = self._stack(resources={
            'a': {'type': 'T'}, 'b': {'type': 'T', 'depends_on': 'a'},
            'c': {'type': 'T', 'depends_on': ['a', 'b']}})
        defns = stack.t.resource_definitions(stack)
        self.assertEqual([], defns['a'].depends_on)
        self.assertEqual(['a'], defns['b'].depends_on)
        self.assertEqual(['a', 'b'], defns['c'].depends_on)

    def test_fields_are_parsed(self):
        stack = self._stack(
            parameters={'p': {'type': 'string', 'default': 'v'}},
            resources={'r': {'type': 'OS::Heat::None',
                             'properties': {'a': {'get_param': 'p'}},
                             'metadata': {'m': {'get_param': 'p'}},
                             'update_policy': {'u': 1},
                             'description': 'desc'}})
        defn = stack.t.resource_definitions(stack)['r']
        self.assertEqual('OS::Heat::None', defn.resource_type)
        self.assertEqual({'a': 'v'}, defn.resolved_properties())
        self.assertEqual({'m': 'v'}, defn.resolved_metadata())
        self.assertEqual({'u': 1}, defn.update_policy)
        self.assertEqual('desc', defn.description)
        self.assertIsNone(defn.deletion_policy)

    DELETION_POLICIES = [
        ('2013-05-23', 'Delete', 'Delete'),
        ('2013-05-23', 'Retain', 'Retain'),
        ('2013-05-23', 'Snapshot', 'Snapshot'),
        ('2016-10-14', 'retain', 'Retain'),
        ('2016-10-14', 'snapshot', 'Snapshot'),
        ('2021-04-16', 'delete', 'Delete'),
    ]

    def test_deletion_policies(self):
        for version, given, expected in self.DELETION_POLICIES:
            stack = self._stack(version, resources={
                'r': {'type': 'T', 'deletion_policy': given}})
            defn = stack.t.resource_definitions(stack)['r']
            self.assertEqual(expected, defn.deletion_policy,
                             (version, given))

    def test_deletion_policy_from_get_param(self):
        for value, expected in (('Retain', 'Retain'),
                                ('Snapshot', 'Snapshot')):
            stack = self._stack(
                '2015-04-30', params={'policy': value},
                parameters={'policy': {'type': 'string'}},
                resources={'r': {'type': 'T', 'deletion_policy':
                                 {'get_param': 'policy'}}})
            stack.t.validate()
            defn = stack.t.resource_definitions(stack)['r']
            self.assertEqual(expected, defn.deletion_policy)

    def test_deletion_policy_from_get_param_is_checked(self):
        stack = self._stack(
            '2015-04-30', params={'policy': 'Keep'},
            parameters={'policy': {'type': 'string'}},
            resources={'r': {'type': 'T', 'deletion_policy':
                             {'get_param': 'policy'}}})
        ex = self.assertRaises(exception.StackValidationFailed,
                               stack.t.resource_definitions, stack)
        self.assertEqual('resources.r.deletion_policy: Invalid deletion '
                         'policy "Keep" (valid: Delete, Retain, Snapshot)',
                         str(ex))

    def test_external_id_means_retain(self):
        stack = self._stack(resources={'r': {'type': 'T',
                                             'external_id': 'abc'}})
        defn = stack.t.resource_definitions(stack)['r']
        self.assertEqual('abc', defn.external_id)
        self.assertEqual('Retain', defn.deletion_policy)

    def test_resource_conditions(self):
        stack = self._stack(
            parameters={'env': {'type': 'string', 'default': 'prod'}},
            conditions={'is_prod': {'equals': [{'get_param': 'env'},
                                               'prod']},
                        'is_dev': {'not': 'is_prod'}},
            resources={
                'always': {'type': 'T'},
                'prod_only': {'type': 'T', 'condition': 'is_prod'},
                'dev_only': {'type': 'T', 'condition': 'is_dev'},
                'off': {'type': 'T', 'condition': False},
                'on': {'type': 'T', 'condition': True},
                'expr': {'type': 'T', 'condition':
                         {'equals': [{'get_param': 'env'}, 'dev']}},
                'expr_on': {'type': 'T', 'condition':
                            {'or': ['is_dev', 'is_prod']}},
            })
        defns = stack.t.resource_definitions(stack)
        self.assertEqual(['always', 'prod_only', 'on', 'expr_on'],
                         list(defns))

    def test_unknown_condition_name(self):
        stack = self._stack(resources={'r': {'type': 'T',
                                             'condition': 'nope'}})
        ex = self.assertRaises(exception.StackValidationFailed,
                               stack.t.resource_definitions, stack)
        self.assertEqual('resources.r.condition: Invalid condition "nope"',
                         str(ex))

    def test_failing_named_condition_reports_its_own_path(self):
        stack = self._stack(conditions={'bad': {'equals': [1]}},
                            resources={'r': {'type': 'T', 'condition':
                                             {'not': 'bad'}}})
        ex = self.assertRaises(exception.StackValidationFailed,
                               stack.t.resource_definitions, stack)
        self.assertEqual(['conditions', 'bad'], ex.path[:2])

    def test_condition_expression_errors_carry_the_resource_path(self):
        stack = self._stack(resources={'r': {'type': 'T', 'condition':
                                             {'equals': [1]}}})
        ex = self.assertRaises(exception.StackValidationFailed,
                               stack.t.resource_definitions, stack)
        self.assertEqual(['resources', 'r', 'condition', 'equals'], ex.path)

    def test_outputs(self):
        stack = self._stack(
            conditions={'yes': True, 'no': False},
            resources={'r': {'type': 'T'}},
            outputs={'plain': {'value': {'get_resource': 'r'},
                               'description': 'ref'},
                     'on': {'value': 1, 'condition': 'yes'},
                     'off': {'value': {'get_resource': 'r'},
                             'condition': 'no'},
                     'expr': {'value': 2, 'condition': {'not': 'yes'}}})
        outputs = stack.t.outputs(stack)
        self.assertEqual('r-id', outputs['plain'].get_value())
        self.assertEqual('ref', outputs['plain'].description)
        self.assertEqual(1, outputs['on'].get_value())
        self.assertIsNone(outputs['off'].get_value())
        self.assertFalse(outputs['off'].enabled)
        self.assertIsNone(outputs['expr'].get_value())
        self.assertEqual('No description given',
                         outputs['on'].description_text())

    def test_output_value_errors_carry_the_path(self):
        # (an undeclared parameter is not one: as upstream, it is the
        # output's error when read)
        stack = self._stack(outputs={'o': {'value': {'get_param': [1]}}})
        output = stack.t.outputs(stack)['o']
        ex = self.assertRaises(exception.StackValidationFailed,
                               output.validate)
        self.assertEqual(['outputs', 'o', 'value', 'get_param'],
                         ex.path[:4])

    def test_conditions_of_versions_before_newton_are_empty(self):
        stack = self._stack('2015-04-30', resources={'r': {'type': 'T'}})
        self.assertEqual(0, len(stack.t.conditions(stack)))
        self.assertEqual(['r'], list(stack.t.resource_definitions(stack)))


class MiscTest(base.TestCase):

    def test_registry_lists_every_version(self):
        hot_values = sorted(v for k, v in template.template_classes()
                            if k == 'heat_template_version')
        self.assertEqual(sorted(DATED + ['newton', 'ocata', 'pike',
                                         'queens', 'rocky', 'wallaby']),
                         hot_values)
