"""CFN templates: sections, resource and output keys, parsing per version."""

from heat.common import exception
from heat.engine import function, template
from heat.engine.cfn import functions as cfn_funcs
from heat.tests import base
from heat.tests.unit.templates.test_template import Stack

AWS = ('AWSTemplateFormatVersion', '2010-09-09')
HEAT = ('HeatTemplateFormatVersion', '2012-12-12')
BOTH = (AWS, HEAT)


def cfn(version=AWS, **sections):
    body = {version[0]: version[1]}
    body.update(sections)
    return template.Template.create(body)


def fails(test, tmpl, message, exc=exception.StackValidationFailed,
          what=None):
    ex = test.assertRaises(exc, tmpl.validate)
    test.assertEqual(message, str(ex), what)
    return ex


class SectionsTest(base.TestCase):

    def test_every_section_accepted(self):
        for version in BOTH:
            cfn(version, Description='d', Parameters={}, Mappings={},
                Resources={}, Outputs={}).validate()

    def test_conditions_only_in_2010_09_09(self):
        cfn(AWS, Conditions={'c': True}).validate()
        fails(self, cfn(HEAT, Conditions={'c': True}),
              'The template section is invalid: Conditions',
              exception.InvalidTemplateSection)

    def test_hot_section_names_are_unknown(self):
        for version in BOTH:
            for section in ('resources', 'parameters', 'outputs',
                            'heat_template_version_x', 'parameter_groups'):
                fails(self, cfn(version, **{section: {}}),
                      'The template section is invalid: %s' % section,
                      exception.InvalidTemplateSection, section)

    def test_section_types(self):
        cases = [
            ({'Resources': []},
             'Resources: The "Resources" section must be a map, not a '
             'list'),
            ({'Mappings': ['a']},
             'Mappings: The "Mappings" section must be a map, not a list'),
            ({'Parameters': 'x'},
             'Parameters: The "Parameters" section must be a map, not a '
             'string'),
            ({'Outputs': 1},
             'Outputs: The "Outputs" section must be a map, not a number'),
            ({'Conditions': 'c'},
             'Conditions: Condition definitions must be a map. Found a '
             'string instead'),
        ]
        for sections, message in cases:
            fails(self, cfn(AWS, **sections), message, what=message)


class ResourceKeysTest(base.TestCase):

    BASE = {'Type': 'AWS::EC2::Instance', 'Properties': {'a': 1},
            'Metadata': {'m': 1}, 'DependsOn': 'other',
            'DeletionPolicy': 'Snapshot', 'UpdatePolicy': {'u': 1},
            'Description': 'r'}

    def _tmpl(self, version, **keys):
        return cfn(version, Resources={'r': keys,
                                       'other': {'Type': 'T'}})

    def test_base_keys_in_both_versions(self):
        for version in BOTH:
            self._tmpl(version, **self.BASE).validate()

    def test_condition_key_only_in_2010_09_09(self):
        self._tmpl(AWS, Type='T', Condition='c').validate()
        ex = fails(self, self._tmpl(HEAT, Type='T', Condition='c'),
                   'Resources.r.Condition: "Condition" is not a valid '
                   'keyword inside a resource definition (valid keywords: '
                   'Type, Properties, Metadata, DependsOn, DeletionPolicy, '
                   'UpdatePolicy, Description)')
        self.assertEqual(['Resources', 'r', 'Condition'], ex.path)

    def test_hot_keys_are_unknown(self):
        for key in ('type', 'properties', 'external_id', 'condition'):
            ex = self.assertRaises(exception.StackValidationFailed,
                                   self._tmpl(AWS, Type='T',
                                              **{key: 'x'}).validate)
            self.assertEqual(['Resources', 'r', key], ex.path, key)

    CASES = [
        ('not_a_map', 'T',
         'Resources.r: "Resources" must contain a map of resource maps. '
         'Found a [string] instead'),
        ('no_type', {'Properties': {}},
         'Resources.r: Resource r is missing "Type"'),
        ('type_not_string', {'Type': 1},
         'Resources.r.Type: Resource r Type type must be string'),
        ('properties_list', {'Type': 'T', 'Properties': []},
         'Resources.r.Properties: Resource r Properties type must be '
         'object'),
        ('depends_on_number', {'Type': 'T', 'DependsOn': 3},
         'Resources.r.DependsOn: Resource r DependsOn type must be list '
         'or string'),
        ('bad_policy', {'Type': 'T', 'DeletionPolicy': 'retain'},
         'Resources.r.DeletionPolicy: Invalid deletion policy "retain" '
         '(valid: Delete, Retain, Snapshot)'),
        ('condition_list', {'Type': 'T', 'Condition': []},
         'Resources.r.Condition: Resource r Condition type must be string '
         'or boolean'),
    ]

    def test_errors(self):
        for name, data, message in self.CASES:
            fails(self, cfn(AWS, Resources={'r': data}), message, what=name)


class OutputKeysTest(base.TestCase):

    def test_condition_only_in_2010_09_09(self):
        cfn(AWS, Outputs={'o': {'Value': 1, 'Description': 'd',
                                'Condition': True}}).validate()
        fails(self, cfn(HEAT, Outputs={'o': {'Value': 1,
                                             'Condition': True}}),
              'Outputs.o.Condition: "Condition" is not a valid keyword '
              'inside an output definition (valid keywords: Value, '
              'Description)')

    def test_value_is_required(self):
        fails(self, cfn(AWS, Outputs={'o': {'Description': 'd'}}),
              'Outputs.o: Each output definition must contain a Value key.')


class ParseTest(base.TestCase):

    AVAILABILITY = {
        'Ref': BOTH, 'Fn::GetAtt': BOTH, 'Fn::Join': BOTH,
        'Fn::Select': BOTH, 'Fn::Split': BOTH, 'Fn::Replace': BOTH,
        'Fn::Base64': BOTH, 'Fn::FindInMap': BOTH, 'Fn::GetAZs': BOTH,
        'Fn::MemberListToMap': BOTH, 'Fn::ResourceFacade': BOTH,
        'Fn::If': (AWS,),
    }

    def test_function_availability_per_version(self):
        for name, versions in self.AVAILABILITY.items():
            for version in BOTH:
                parsed = cfn(version).parse(None, {name: 'x'})
                if version in versions:
                    self.assertIs(cfn_funcs.FUNCTIONS[version[1]][name],
                                  type(parsed), (name, version))
                else:
                    self.assertIsInstance(parsed, function.Invalid,
                                          (name, version))

    def test_hot_names_are_plain_data(self):
        for name in ('get_param', 'get_resource', 'if', 'equals'):
            self.assertEqual({name: 'x'}, cfn(AWS).parse(None, {name: 'x'}))

    def test_condition_functions(self):
        tmpl = cfn(AWS)
        for name in ('Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Ref',
                     'Fn::FindInMap'):
            parsed = tmpl.parse_condition(None, {name: []})
            self.assertIs(cfn_funcs.CONDITION_FUNCTIONS['2010-09-09'][name],
                          type(parsed), name)
        self.assertIsInstance(tmpl.parse_condition(None, {'Fn::Join': []}),
                              function.InvalidInContext)


class DefinitionsTest(base.TestCase):

    def test_definition_fields(self):
        tmpl = cfn(AWS, Parameters={'P': {'Type': 'String',
                                          'Default': 'v'}},
                   Resources={'r': {'Type': 'T',
                                    'Properties': {'a': {'Ref': 'P'}},
                                    'DependsOn': ['s'],
                                    'DeletionPolicy': 'Retain',
                                    'Description': 'desc'},
                              's': {'Type': 'T'}})
        stack = Stack(tmpl)
        defn = tmpl.resource_definitions(stack)['r']
        self.assertEqual({'a': 'v'}, defn.resolved_properties())
        self.assertEqual(['s'], defn.depends_on)
        self.assertEqual('Retain', defn.deletion_policy)
        self.assertEqual('desc', defn.description)
        self.assertEqual(['Resources', 'r', 'Properties'],
                         defn.path('properties'))

    def test_conditions_leave_resources_and_outputs_out(self):
        tmpl = cfn(AWS,
                   Parameters={'Env': {'Type': 'String',
                                       'Default': 'prod'}},
                   Conditions={'IsProd': {'Fn::Equals': [{'Ref': 'Env'},
                                                         'prod']},
                               'IsDev': {'Fn::Not': ['IsProd']}},
                   Resources={'a': {'Type': 'T', 'Condition': 'IsProd'},
                              'b': {'Type': 'T', 'Condition': 'IsDev'}},
                   Outputs={'oa': {'Value': {'Ref': 'a'},
                                   'Condition': 'IsProd'},
                            'ob': {'Value': {'Ref': 'b'},
                                   'Condition': 'IsDev'}})
        stack = Stack(tmpl)
        self.assertEqual(['a'], list(tmpl.resource_definitions(stack)))
        outputs = tmpl.outputs(stack)
        self.assertEqual('a-id', outputs['oa'].get_value())
        self.assertIsNone(outputs['ob'].get_value())

    def test_fn_if_with_condition_names(self):
        tmpl = cfn(AWS, Conditions={'Yes': True},
                   Outputs={'o': {'Value': {'Fn::If': ['Yes', 1, 2]}}})
        stack = Stack(tmpl)
        self.assertEqual(1, tmpl.outputs(stack)['o'].get_value())

    def test_mappings_are_read_by_find_in_map(self):
        tmpl = cfn(HEAT, Mappings={'M': {'k': {'v': 'found'}}},
                   Outputs={'o': {'Value': {'Fn::FindInMap':
                                            ['M', 'k', 'v']}}})
        stack = Stack(tmpl)
        self.assertEqual('found', tmpl.outputs(stack)['o'].get_value())
