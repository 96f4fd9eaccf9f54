"""Which function each template version has (upstream's tables).

Every function name is checked against every version: available names are
in the version's table; others fail on validate and on resolve with an
error naming the function and the version.
"""

from heat.common import exception
from heat.engine import function
from heat.engine.cfn import functions as cfn_functions
from heat.engine.hot import functions as hot_functions
from heat.tests import base
from heat.tests.unit.functions import fakes

HOT_VERSIONS = ('2013-05-23', '2014-10-16', '2015-04-30', '2015-10-15',
                '2016-04-08', '2016-10-14', '2017-02-24', '2017-09-01',
                '2018-03-02', '2018-08-31', '2021-04-16')

# name -> (first version that has it, first version that no longer has it)
HOT_AVAILABILITY = {
    'get_param': ('2013-05-23', None),
    'get_resource': ('2013-05-23', None),
    'get_attr': ('2013-05-23', None),
    'list_join': ('2013-05-23', None),
    'str_replace': ('2013-05-23', None),
    'resource_facade': ('2013-05-23', None),
    'get_file': ('2013-05-23', None),
    'Ref': ('2013-05-23', '2014-10-16'),
    'Fn::GetAZs': ('2013-05-23', '2014-10-16'),
    'Fn::Join': ('2013-05-23', '2014-10-16'),
    'Fn::Split': ('2013-05-23', '2014-10-16'),
    'Fn::Replace': ('2013-05-23', '2014-10-16'),
    'Fn::Base64': ('2013-05-23', '2014-10-16'),
    'Fn::MemberListToMap': ('2013-05-23', '2014-10-16'),
    'Fn::ResourceFacade': ('2013-05-23', '2014-10-16'),
    'Fn::Select': ('2013-05-23', '2015-10-15'),
    'repeat': ('2015-04-30', None),
    'digest': ('2015-04-30', None),
    'str_split': ('2015-10-15', None),
    'map_merge': ('2016-04-08', None),
    'yaql': ('2016-10-14', None),
    'map_replace': ('2016-10-14', None),
    'if': ('2016-10-14', None),
    'filter': ('2017-02-24', None),
    'str_replace_strict': ('2017-02-24', None),
    'make_url': ('2017-09-01', None),
    'list_concat': ('2017-09-01', None),
    'list_concat_unique': ('2017-09-01', None),
    'str_replace_vstrict': ('2017-09-01', None),
    'contains': ('2017-09-01', None),
}

HOT_CONDITION_AVAILABILITY = {
    'get_param': '2016-10-14',
    'equals': '2016-10-14',
    'not': '2016-10-14',
    'and': '2016-10-14',
    'or': '2016-10-14',
    'yaql': '2017-09-01',
    'contains': '2017-09-01',
}

# The class each version uses where the behaviour changed.
HOT_CLASSES = {
    ('get_attr', '2013-05-23'): hot_functions.GetAttThenSelect,
    ('get_attr', '2014-10-16'): hot_functions.GetAtt,
    ('get_attr', '2015-04-30'): hot_functions.GetAtt,
    ('get_attr', '2015-10-15'): hot_functions.GetAttAllAttributes,
    ('get_attr', '2021-04-16'): hot_functions.GetAttAllAttributes,
    ('list_join', '2015-04-30'): hot_functions.Join,
    ('list_join', '2015-10-15'): hot_functions.JoinMultiple,
    ('str_replace', '2015-04-30'): hot_functions.Replace,
    ('str_replace', '2015-10-15'): hot_functions.ReplaceJson,
    ('repeat', '2015-04-30'): hot_functions.Repeat,
    ('repeat', '2016-10-14'): hot_functions.RepeatWithMap,
    ('repeat', '2017-02-24'): hot_functions.RepeatWithMap,
    ('repeat', '2017-09-01'): hot_functions.RepeatWithNestedLoop,
    ('Ref', '2013-05-23'): cfn_functions.Ref,
    ('Fn::Select', '2015-04-30'): cfn_functions.Select,
}

CFN_VERSIONS = ('2010-09-09', '2012-12-12')

CFN_AVAILABILITY = {
    'Fn::FindInMap': CFN_VERSIONS,
    'Fn::GetAZs': CFN_VERSIONS,
    'Ref': CFN_VERSIONS,
    'Fn::GetAtt': CFN_VERSIONS,
    'Fn::Select': CFN_VERSIONS,
    'Fn::Join': CFN_VERSIONS,
    'Fn::Split': CFN_VERSIONS,
    'Fn::Replace': CFN_VERSIONS,
    'Fn::Base64': CFN_VERSIONS,
    'Fn::MemberListToMap': CFN_VERSIONS,
    'Fn::ResourceFacade': CFN_VERSIONS,
    'Fn::If': ('2010-09-09',),
}

CFN_CONDITION_AVAILABILITY = {
    'Fn::Equals': ('2010-09-09',),
    'Ref': ('2010-09-09',),
    'Fn::FindInMap': ('2010-09-09',),
    'Fn::Not': ('2010-09-09',),
    'Fn::And': ('2010-09-09',),
    'Fn::Or': ('2010-09-09',),
}


def hot_available(name, version):
    first, gone = HOT_AVAILABILITY[name]
    return first <= version and (gone is None or version < gone)


class TestTables(base.TestCase):

    def test_hot_versions_are_upstreams(self):
        self.assertEqual(HOT_VERSIONS, tuple(hot_functions.FUNCTIONS))
        self.assertEqual(HOT_VERSIONS,
                         tuple(hot_functions.CONDITION_FUNCTIONS))

    def test_hot_names_are_upstreams(self):
        self.assertEqual(set(HOT_AVAILABILITY),
                         set(hot_functions.ALL_FUNCTION_NAMES))
        self.assertEqual(set(HOT_CONDITION_AVAILABILITY),
                         set(hot_functions.ALL_CONDITION_FUNCTION_NAMES))

    def test_cfn_tables_are_upstreams(self):
        self.assertEqual(CFN_VERSIONS, tuple(cfn_functions.FUNCTIONS))
        self.assertEqual(set(CFN_AVAILABILITY),
                         set(cfn_functions.ALL_FUNCTION_NAMES))
        self.assertEqual(set(CFN_CONDITION_AVAILABILITY),
                         set(cfn_functions.ALL_CONDITION_FUNCTION_NAMES))

    def test_hot_classes_per_version(self):
        for (name, version), cls in HOT_CLASSES.items():
            self.assertIs(cls, hot_functions.FUNCTIONS[version][name],
                          (name, version))

    def test_if_has_three_arguments_until_2021(self):
        for version in HOT_VERSIONS[5:-1]:
            cls = hot_functions.FUNCTIONS[version]['if']
            self.assertFalse(cls.optional_false, version)
            self.assertEqual(version, cls.version)
        cls = hot_functions.FUNCTIONS['2021-04-16']['if']
        self.assertTrue(issubclass(cls, hot_functions.IfNullable))

    def test_if_parses_conditions_with_its_versions_table(self):
        for version in HOT_VERSIONS[5:]:
            cls = hot_functions.FUNCTIONS[version]['if']
            self.assertEqual(hot_functions.CONDITION_FUNCTIONS[version],
                             cls.condition_functions)

    def test_version_aliases(self):
        self.assertEqual('2016-10-14',
                         hot_functions.canonical_version('newton'))
        self.assertEqual('2021-04-16',
                         hot_functions.canonical_version('wallaby'))
        self.assertEqual('2015-04-30',
                         hot_functions.canonical_version('2015-04-30'))


def _make_hot_test(name, version, condition):
    def test(self):
        stack = fakes.default_stack()
        parsed = fakes.hot(stack, {name: 'x'}, version, condition)
        table = (hot_functions.CONDITION_FUNCTIONS if condition
                 else hot_functions.FUNCTIONS)[version]
        if condition:
            first = HOT_CONDITION_AVAILABILITY.get(name)
            available = first is not None and first <= version
        else:
            available = hot_available(name, version)
        if available:
            self.assertIn(name, table)
            self.assertIsInstance(parsed, table[name])
            return
        self.assertNotIn(name, table)
        self.assertIsInstance(parsed, function.Invalid)
        for check in (function.validate, function.resolve):
            exc = self.assertRaises(exception.StackValidationFailed,
                                    check, parsed)
            self.assertIn('"%s"' % name, str(exc))
            if not isinstance(parsed, function.InvalidInContext):
                self.assertIn(version, str(exc))
    return test


def _make_cfn_test(name, version, condition):
    def test(self):
        stack = fakes.default_stack()
        parsed = fakes.cfn(stack, {name: 'x'}, version, condition)
        table = (cfn_functions.CONDITION_FUNCTIONS if condition
                 else cfn_functions.FUNCTIONS)[version]
        wanted = (CFN_CONDITION_AVAILABILITY if condition
                  else CFN_AVAILABILITY).get(name, ())
        if version in wanted:
            self.assertIsInstance(parsed, table[name])
            return
        if not condition and name not in CFN_AVAILABILITY:
            # A condition-only name elsewhere is a plain key, as upstream.
            self.assertEqual({name: 'x'}, parsed)
            return
        self.assertNotIn(name, table)
        exc = self.assertRaises(exception.StackValidationFailed,
                                function.validate, parsed)
        self.assertIn('"%s"' % name, str(exc))
    return test


def _slug(text):
    return text.replace('::', '_').replace('-', '_')


class TestHotAvailability(base.TestCase):
    """get_param x 2013-05-23, ...: every name in every version."""


class TestHotConditionAvailability(base.TestCase):
    """The same for the functions allowed in conditions."""


class TestCfnAvailability(base.TestCase):
    """Every CFN name in both CFN versions, plain and in conditions."""


for _name in sorted(HOT_AVAILABILITY):
    for _version in HOT_VERSIONS:
        setattr(TestHotAvailability,
                'test_%s_%s' % (_slug(_name), _slug(_version)),
                _make_hot_test(_name, _version, False))
for _name in sorted(set(HOT_AVAILABILITY) | set(HOT_CONDITION_AVAILABILITY)):
    for _version in HOT_VERSIONS[5:]:
        setattr(TestHotConditionAvailability,
                'test_%s_%s' % (_slug(_name), _slug(_version)),
                _make_hot_test(_name, _version, True))
for _name in sorted(set(CFN_AVAILABILITY) | set(CFN_CONDITION_AVAILABILITY)):
    for _version in CFN_VERSIONS:
        for _cond in (False, True):
            setattr(TestCfnAvailability,
                    'test_%s_%s%s' % (_slug(_name), _slug(_version),
                                      '_condition' if _cond else ''),
                    _make_cfn_test(_name, _version, _cond))
