"""environment_format.parse: sections, defaults and parse errors."""

from heat.common import environment_format as env_fmt
from heat.common import exception
from heat.tests import base

EMPTY = {
    'parameters': {}, 'parameter_defaults': {}, 'resource_registry': {},
    'event_sinks': [], 'encrypted_param_names': [],
    'parameter_merge_strategies': {},
}


class TestParse(base.TestCase):
    """text -> parsed environment (sections filled in)."""

    CASES = [
        ('none', None, {}),
        ('empty_text', '', {}),
        ('blank_yaml', '\n# only a comment\n', {}),
        ('yaml_parameters', 'parameters:\n  a: 1\n',
         {'parameters': {'a': 1}}),
        ('json', '{"parameter_defaults": {"b": "x"}}',
         {'parameter_defaults': {'b': 'x'}}),
        ('dict', {'resource_registry': {'A::B': 'c.yaml'}},
         {'resource_registry': {'A::B': 'c.yaml'}}),
        ('dates_stay_text', 'parameters:\n  day: 2013-05-23\n',
         {'parameters': {'day': '2013-05-23'}}),
        ('all_sections',
         'parameters: {}\nparameter_defaults: {}\nresource_registry: {}\n'
         'event_sinks: []\nencrypted_param_names: []\n'
         'parameter_merge_strategies: {}\n', {}),
        ('bytes', b'parameters: {a: b}', {'parameters': {'a': 'b'}}),
    ]

    def test_cases(self):
        for name, text, sections in self.CASES:
            expected = dict(EMPTY, **sections)
            self.assertEqual(expected, env_fmt.parse(text), name)

    def test_no_filling_when_asked(self):
        self.assertEqual({'parameters': {'a': 1}},
                         env_fmt.parse('parameters: {a: 1}',
                                       fill_missing=False))

    def test_dict_input_not_modified(self):
        given = {'parameters': {'a': 1}}
        env_fmt.parse(given)
        self.assertEqual({'parameters': {'a': 1}}, given)


class TestParseErrors(base.TestCase):
    """text -> InvalidEnvironment text."""

    CASES = [
        ('unknown_section', 'parameterz: {}',
         'environment has wrong section "parameterz"'),
        ('resources_at_top', {'resources': {}},
         'environment has wrong section "resources"'),
        ('empty_section', 'parameters:\n',
         'environment has empty section "parameters"'),
        ('list_top', '- a\n- b\n',
         'The environment is not a valid YAML mapping data type.'),
        ('text_top', 'just words',
         'The environment is not a valid YAML mapping data type.'),
        ('map_section_as_list', 'parameters: [a]',
         'environment section "parameters" must be a mapping'),
        ('list_section_as_map', 'event_sinks: {a: b}',
         'environment section "event_sinks" must be a list'),
    ]

    def test_cases(self):
        for name, text, expected in self.CASES:
            err = self.assertRaises(exception.InvalidEnvironment,
                                    env_fmt.parse, text)
            self.assertEqual(expected, str(err), name)

    def test_yaml_error_names_line_and_column(self):
        err = self.assertRaises(exception.InvalidEnvironment,
                                env_fmt.parse,
                                'parameters:\n  a: [1, 2\n  b: 3\n')
        self.assertIn('Error parsing environment:', str(err))
        self.assertIn('line 3, column', str(err))

    def test_json_error_is_clear(self):
        err = self.assertRaises(exception.InvalidEnvironment,
                                env_fmt.parse, '{"parameters": {"a": }')
        self.assertIn('Error parsing environment:', str(err))
        self.assertIn('line 1', str(err))


class TestDefaultForMissing(base.TestCase):

    def test_fills_only_missing(self):
        env = {'parameters': {'a': 1}}
        env_fmt.default_for_missing(env)
        self.assertEqual(dict(EMPTY, parameters={'a': 1}), env)

    def test_sections(self):
        self.assertEqual(('parameters', 'resource_registry',
                          'parameter_defaults', 'encrypted_param_names',
                          'event_sinks', 'parameter_merge_strategies'),
                         env_fmt.SECTIONS)
