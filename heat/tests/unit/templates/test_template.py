"""Template: version registry, sections, parameters, parameter groups."""

from heat.common import exception
from heat.engine import function, template
from heat.engine.cfn import functions as cfn_funcs
from heat.engine.cfn import template as cfn_template
from heat.engine.hot import functions as hot_funcs
from heat.engine.hot import template as hot_template
from heat.tests import base


class Resource:
    """A created resource: its reference is ``<name>-id``."""

    def __init__(self, name):
        self.name = name

    def FnGetRefId(self):
        return '%s-id' % self.name

    def FnGetAtt(self, key, *path):
        return '%s.%s' % (self.name, key)

    def FnGetAtts(self):
        return {}


class Stack:
    """A minimal ``StackLike`` over a Template, for these tests."""

    def __init__(self, tmpl, params=None, parent_resource=None):
        self.t = tmpl
        self.name = 'test_stack'
        self.id = 'stack-1'
        self.tenant_id = 'project-1'
        self.region_name = 'RegionOne'
        self.files = tmpl.files
        self.parent_resource = parent_resource
        self.parameters = tmpl.parameters(self.name, self.id, self.tenant_id,
                                          user_params=params or {})
        self._defns = None

    def _names(self):
        if self._defns is None:
            self._defns = {}  # while computing: every raw name counts
            try:
                self._defns = self.t.resource_definitions(self)
            except Exception:
                self._defns = None
                raise
            return set(self._defns)
        if not self._defns:
            return set(self.t.all_rsrc_names())
        return set(self._defns)

    def has_resource(self, name):
        return name in self._names()

    def resource_by_name(self, name):
        return Resource(name) if self.has_resource(name) else None

    def condition(self, name):
        return self.t.conditions(self).is_enabled(name)

    def availability_zones(self):
        return ['nova']


def hot(version='2021-04-16', **sections):
    body = {'heat_template_version': version}
    body.update(sections)
    return template.Template.create(body)


HOT_VERSIONS = [
    ('2013-05-23', hot_template.HOTemplate20130523),
    ('2014-10-16', hot_template.HOTemplate20141016),
    ('2015-04-30', hot_template.HOTemplate20150430),
    ('2015-10-15', hot_template.HOTemplate20151015),
    ('2016-04-08', hot_template.HOTemplate20160408),
    ('2016-10-14', hot_template.HOTemplate20161014),
    ('newton', hot_template.HOTemplate20161014),
    ('2017-02-24', hot_template.HOTemplate20170224),
    ('ocata', hot_template.HOTemplate20170224),
    ('2017-09-01', hot_template.HOTemplate20170901),
    ('pike', hot_template.HOTemplate20170901),
    ('2018-03-02', hot_template.HOTemplate20180302),
    ('queens', hot_template.HOTemplate20180302),
    ('2018-08-31', hot_template.HOTemplate20180831),
    ('rocky', hot_template.HOTemplate20180831),
    ('2021-04-16', hot_template.HOTemplate20210416),
    ('wallaby', hot_template.HOTemplate20210416),
]


class CreateTest(base.TestCase):

    def test_each_hot_version_gets_its_class(self):
        for value, cls in HOT_VERSIONS:
            tmpl = hot(value)
            self.assertIs(cls, type(tmpl), value)
            self.assertEqual(('heat_template_version', value), tmpl.version)
            self.assertEqual('hot', tmpl.template_type)

    def test_aliases_use_the_dated_function_tables(self):
        for value, cls in HOT_VERSIONS:
            tmpl = hot(value)
            self.assertEqual(hot_funcs.FUNCTIONS[cls.canonical_version],
                             tmpl.functions, value)
            self.assertEqual(
                hot_funcs.CONDITION_FUNCTIONS[cls.canonical_version],
                tmpl.condition_functions, value)

    def test_cfn_versions(self):
        cases = [('AWSTemplateFormatVersion', '2010-09-09',
                  cfn_template.CfnTemplate),
                 ('HeatTemplateFormatVersion', '2012-12-12',
                  cfn_template.HeatTemplate)]
        for key, value, cls in cases:
            tmpl = template.Template.create({key: value})
            self.assertIs(cls, type(tmpl))
            self.assertEqual((key, value), tmpl.version)
            self.assertEqual('cfn', tmpl.template_type)
            self.assertEqual(cfn_funcs.FUNCTIONS[value], tmpl.functions)

    def test_raw_dict_files_and_env_are_kept(self):
        body = {'heat_template_version': '2015-04-30'}
        env = object()
        tmpl = template.Template.create(body, files={'a.sh': 'x'}, env=env)
        self.assertIs(body, tmpl.t)
        self.assertEqual({'a.sh': 'x'}, tmpl.files)
        self.assertIs(env, tmpl.env)

    def test_files_default_to_empty(self):
        self.assertEqual({}, hot('2015-04-30').files)

    def test_env_defaults_to_an_empty_environment(self):
        from heat.engine import environment
        env = hot('2015-04-30').env
        self.assertIsInstance(env, environment.Environment)
        self.assertEqual({}, dict(env.params))

    def test_version_errors(self):
        cases = [
            ('unknown_hot', {'heat_template_version': '2099-01-01'},
             ['"heat_template_version: 2099-01-01"',
              '"heat_template_version" should be one of:', '2013-05-23',
              '2021-04-16', 'wallaby']),
            ('unknown_aws', {'AWSTemplateFormatVersion': '2011-01-01'},
             ['"AWSTemplateFormatVersion: 2011-01-01"',
              '"AWSTemplateFormatVersion" should be: 2010-09-09']),
            ('unknown_heat', {'HeatTemplateFormatVersion': '2010-09-09'},
             ['"HeatTemplateFormatVersion" should be: 2012-12-12']),
            ('not_a_string', {'heat_template_version': 2013},
             ['"heat_template_version: 2013"']),
            ('missing', {'resources': {}},
             ['Template version was not provided']),
            ('missing_cfn', {'Resources': {}},
             ['Template version was not provided']),
            ('ambiguous', {'heat_template_version': '2013-05-23',
                           'AWSTemplateFormatVersion': '2010-09-09'},
             ['Ambiguous versions (heat_template_version, '
              'AWSTemplateFormatVersion)']),
            ('not_a_map', ['heat_template_version'],
             ['must be a map of sections']),
        ]
        for name, body, fragments in cases:
            ex = self.assertRaises(exception.InvalidTemplateVersion,
                                   template.Template.create, body)
            text = str(ex)
            self.assertTrue(text.startswith('The template version is '
                                            'invalid: '), name)
            for fragment in fragments:
                self.assertIn(fragment, text, name)

    def test_a_date_object_version_is_read_as_text(self):
        import datetime
        tmpl = template.Template.create(
            {'heat_template_version': datetime.date(2016, 10, 14)})
        self.assertIs(hot_template.HOTemplate20161014, type(tmpl))


class SectionsTest(base.TestCase):

    def test_getitem_in_either_spelling(self):
        tmpl = hot('2016-10-14', description='d',
                   resources={'r': {'type': 'T'}},
                   outputs={'o': {'value': 1}},
                   conditions={'c': True})
        cases = [('resources', {'r': {'type': 'T'}}),
                 ('Resources', {'r': {'type': 'T'}}),
                 ('outputs', {'o': {'value': 1}}),
                 ('Outputs', {'o': {'value': 1}}),
                 ('description', 'd'), ('Description', 'd'),
                 ('conditions', {'c': True}), ('Conditions', {'c': True}),
                 ('Mappings', {}), ('parameters', {}),
                 ('heat_template_version', '2016-10-14')]
        for section, expected in cases:
            self.assertEqual(expected, tmpl[section], section)

    def test_defaults_of_missing_sections(self):
        tmpl = hot('2013-05-23', resources=None)
        self.assertEqual('No description', tmpl['description'])
        self.assertEqual({}, tmpl['resources'])
        self.assertEqual({}, tmpl['outputs'])
        self.assertEqual([], tmpl['parameter_groups'])

    def test_cfn_defaults(self):
        tmpl = template.Template.create(
            {'AWSTemplateFormatVersion': '2010-09-09'})
        self.assertEqual('No description', tmpl['Description'])
        self.assertEqual({}, tmpl['Mappings'])
        self.assertEqual({}, tmpl['resources'])

    def test_unknown_section_is_a_key_error(self):
        tmpl = hot('2013-05-23')
        ex = self.assertRaises(KeyError, tmpl.__getitem__, 'resorces')
        self.assertIn('"resorces" is not a valid template section', str(ex))
        # conditions do not exist before 2016-10-14
        self.assertEqual({}, tmpl['conditions'])

    def test_get_section_name(self):
        cases = [
            ('2013-05-23', 'Properties', 'properties'),
            ('2013-05-23', 'Type', 'type'),
            ('2013-05-23', 'DependsOn', 'depends_on'),
            ('2013-05-23', 'Value', 'value'),
            ('2013-05-23', 'Resources', 'resources'),
            ('2013-05-23', 'properties', 'properties'),
            ('2016-10-14', 'Condition', 'condition'),
            ('2016-10-14', 'external_id', 'external_id'),
            ('2013-05-23', 'unknown_thing', 'unknown_thing'),
        ]
        for version, key, expected in cases:
            self.assertEqual(expected, hot(version).get_section_name(key),
                             (version, key))
        cfn = template.Template.create(
            {'AWSTemplateFormatVersion': '2010-09-09'})
        self.assertEqual('Properties', cfn.get_section_name('properties'))
        self.assertEqual('Properties', cfn.get_section_name('Properties'))
        self.assertEqual('Resources', cfn.get_section_name('resources'))

    def test_all_rsrc_names_ignores_conditions(self):
        tmpl = hot('2016-10-14', resources={
            'a': {'type': 'T', 'condition': False}, 'b': {'type': 'T'}})
        self.assertEqual(['a', 'b'], tmpl.all_rsrc_names())

    def test_iterates_over_sections_without_the_version(self):
        self.assertEqual(['description', 'parameter_groups', 'parameters',
                          'resources', 'outputs'], list(hot('2013-05-23')))


class ParametersTest(base.TestCase):

    def test_param_schemata_and_values(self):
        tmpl = hot('2013-05-23', parameters={
            'size': {'type': 'number', 'default': 2},
            'name': {'type': 'string'}})
        schemata = tmpl.param_schemata()
        self.assertEqual(['size', 'name'], list(schemata))
        params = tmpl.parameters('st', 'sid', 'pid',
                                 user_params={'name': 'web'})
        self.assertEqual(2, params['size'])
        self.assertEqual('web', params['name'])
        self.assertEqual('st', params['OS::stack_name'])
        self.assertEqual('sid', params['OS::stack_id'])

    def test_cfn_pseudo_parameters(self):
        tmpl = template.Template.create({
            'HeatTemplateFormatVersion': '2012-12-12',
            'Parameters': {'Size': {'Type': 'Number', 'Default': 1}}})
        params = tmpl.parameters('st', 'sid', 'pid')
        self.assertEqual(1, params['Size'])
        self.assertEqual('st', params['AWS::StackName'])

    def test_param_defaults_win_over_template_defaults(self):
        tmpl = hot('2013-05-23', parameters={
            'size': {'type': 'number', 'default': 2}})
        params = tmpl.parameters('st', param_defaults={'size': 5})
        self.assertEqual(5, params['size'])

    def test_parameters_section_type_errors(self):
        cases = [
            ({'parameters': ['a']},
             'parameters: The "parameters" section must be a map, not a '
             'list'),
            ({'parameters': {'a': 'string'}},
             'parameters.a: A parameter definition must be a map, not a '
             'string'),
        ]
        for sections, message in cases:
            tmpl = hot('2013-05-23', **sections)
            ex = self.assertRaises(exception.StackValidationFailed,
                                   tmpl.validate)
            self.assertEqual(message, str(ex))

    def test_unknown_parameter_key_names_its_path(self):
        tmpl = hot('2013-05-23', parameters={
            'a': {'type': 'string', 'defualt': 'x'}})
        ex = self.assertRaises(exception.HeatException, tmpl.validate)
        self.assertIn('parameters.a', str(ex))
        self.assertIn('defualt', str(ex))


class ParameterGroupsTest(base.TestCase):

    PARAMS = {'a': {'type': 'string'}, 'b': {'type': 'string'}}

    CASES = [
        ('not_a_list', {'label': 'x', 'parameters': ['a']},
         'parameter_groups: The parameter_groups should be a list.'),
        ('group_not_a_map', ['a'],
         'parameter_groups[0]: Each parameter group must be a map, not a '
         'string'),
        ('no_parameters', [{'label': 'g'}],
         'parameter_groups[0]: The parameters must be provided for each '
         'parameter group.'),
        ('parameters_not_a_list', [{'parameters': 'a'}],
         'parameter_groups[0].parameters: The parameters of parameter '
         'group should be a list.'),
        ('unknown_parameter', [{'parameters': ['a', 'c']}],
         'parameter_groups[0].parameters[1]: The grouped parameter c does '
         'not reference a valid parameter.'),
        ('repeated_in_group', [{'parameters': ['a', 'a']}],
         'parameter_groups[0].parameters[1]: The a parameter must be '
         'assigned to one parameter group only.'),
        ('repeated_across_groups', [{'parameters': ['a']},
                                    {'parameters': ['b', 'a']}],
         'parameter_groups[1].parameters[1]: The a parameter must be '
         'assigned to one parameter group only.'),
    ]

    def test_errors(self):
        for name, groups, message in self.CASES:
            tmpl = hot('2013-05-23', parameters=self.PARAMS,
                       parameter_groups=groups)
            ex = self.assertRaises(exception.StackValidationFailed,
                                   tmpl.validate)
            self.assertEqual(message, str(ex), name)

    def test_valid_groups(self):
        tmpl = hot('2013-05-23', parameters=self.PARAMS, parameter_groups=[
            {'label': 'one', 'description': 'x', 'parameters': ['a']},
            {'parameters': ['b']}, {'parameters': []}])
        tmpl.validate()

    def test_cfn_has_no_parameter_groups_section(self):
        tmpl = template.Template.create({
            'AWSTemplateFormatVersion': '2010-09-09',
            'ParameterGroups': []})
        ex = self.assertRaises(exception.InvalidTemplateSection,
                               tmpl.validate)
        self.assertEqual('The template section is invalid: ParameterGroups',
                         str(ex))


class ParseTest(base.TestCase):

    def test_parse_keeps_plain_data(self):
        tmpl = hot('2013-05-23')
        data = {'a': [1, {'b': 'c'}], 'd': {'x': 1, 'get_param': 'y'}}
        self.assertEqual(data, tmpl.parse(None, data))

    def test_functions_are_bound_to_the_stack(self):
        tmpl = hot('2013-05-23', parameters={'p': {'type': 'string',
                                                   'default': 'v'}})
        stack = Stack(tmpl)
        parsed = tmpl.parse(stack, {'a': {'get_param': 'p'}})
        self.assertIsInstance(parsed['a'], function.Function)
        self.assertIs(stack, parsed['a'].stack)
        self.assertEqual({'a': 'v'}, function.resolve(parsed))
