"""Fuzzing validate_template: only user-facing errors, never a crash.

Whatever it is given (random text, random structures in every section,
wrong types, 10,000 levels of nesting, huge documents),
``validate_template`` either returns a result or raises
``StackValidationFailed``. Any other exception is a bug. Bugs found in
modules other than the validator, not fixed yet, are listed in
``KNOWN_CRASHES`` (exception type, module it came from, reason) so that the
suite stays green and honest: an unlisted crash fails.
"""

import io
import json
import os
import tempfile
import traceback

import hypothesis
from hypothesis import strategies as st

from heat.cmd import manage
from heat.common import exception
from heat.engine import validate
from heat.tests import base

SETTINGS = hypothesis.settings(
    # HEAT_FUZZ_EXAMPLES=5000 for a longer hunt; no example database is
    # written into the tree.
    max_examples=int(os.environ.get('HEAT_FUZZ_EXAMPLES', 200)),
    deadline=None, database=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow,
                           hypothesis.HealthCheck.data_too_large])

#: ``{(exception type, 'file.py:function' raising it, 'file.py:function'
#: it came through): reason}``
KNOWN_CRASHES = {
    # Found and since fixed: parameters.py Schema.__init__ raised
    # TypeError for "type: [1]" (unhashable type); hot/functions.py
    # Contains.result() let a TypeError escape for
    # external_id: {contains: [null, "abc"]}.
}

HOT_VERSIONS = ('2013-05-23', '2014-10-16', '2015-04-30', '2015-10-15',
                '2016-04-08', '2016-10-14', '2017-02-24', '2017-09-01',
                '2018-03-02', '2018-08-31', '2021-04-16', 'wallaby')
FUNCTION_NAMES = ('get_param', 'get_resource', 'get_attr', 'get_file',
                  'list_join', 'str_replace', 'repeat', 'digest',
                  'str_split', 'map_merge', 'map_replace', 'yaql', 'if',
                  'equals', 'not', 'and', 'or', 'filter', 'make_url',
                  'list_concat', 'list_concat_unique', 'contains',
                  'str_replace_strict', 'str_replace_vstrict',
                  'resource_facade', 'Ref', 'Fn::GetAtt', 'Fn::Join',
                  'Fn::Select', 'Fn::Split', 'Fn::Replace', 'Fn::Base64',
                  'Fn::FindInMap', 'Fn::GetAZs', 'Fn::MemberListToMap',
                  'Fn::ResourceFacade', 'Fn::If', 'Fn::Equals', 'Fn::Not',
                  'Fn::And', 'Fn::Or', 'condition')
NAMES = st.sampled_from(('a', 'b', 'r1', 'r2', 'p1', 'c1', 'value',
                         'OS::stack_id', 'OS::stack_name', 'AWS::Region',
                         '0', 'resource.0.value'))
TYPES = st.sampled_from(('OS::Heat::None', 'OS::Heat::RandomString',
                         'OS::Heat::ResourceGroup', 'OS::Nova::Server',
                         'idontexist', 'p.yaml', 'My::Alias'))

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=20), NAMES, TYPES,
    st.sampled_from(HOT_VERSIONS + ('2010-09-09', '2012-12-12')))


def _extend(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(NAMES, st.text(max_size=8)), children,
                        max_size=4),
        st.builds(lambda name, args: {name: args},
                  st.sampled_from(FUNCTION_NAMES), children))


values = st.recursive(scalars, _extend, max_leaves=30)


def hot_skeleton():
    return {
        'heat_template_version': '2021-04-16',
        'parameters': {'p1': {'type': 'string', 'default': 'x'}},
        'conditions': {'c1': {'equals': [{'get_param': 'p1'}, 'x']}},
        'resources': {
            'r1': {'type': 'OS::Heat::RandomString',
                   'properties': {'length': 8}},
            'r2': {'type': 'OS::Heat::None',
                   'properties': {'v': {'get_attr': ['r1', 'value']}},
                   'depends_on': ['r1'], 'condition': 'c1'}},
        'outputs': {'o1': {'value': {'get_resource': 'r1'}}},
    }


def cfn_skeleton():
    return {
        'AWSTemplateFormatVersion': '2010-09-09',
        'Parameters': {'p1': {'Type': 'String', 'Default': 'x'}},
        'Conditions': {'c1': {'Fn::Equals': [{'Ref': 'p1'}, 'x']}},
        'Resources': {
            'r1': {'Type': 'OS::Heat::RandomString'},
            'r2': {'Type': 'OS::Heat::None',
                   'Properties': {'v': {'Fn::GetAtt': ['r1', 'value']}},
                   'DependsOn': 'r1', 'Condition': 'c1'}},
        'Outputs': {'o1': {'Value': {'Ref': 'r1'}}},
    }


# Where a fuzzed value is put inside a valid template.
HOT_SPOTS = (
    ('heat_template_version',), ('description',), ('parameters',),
    ('parameters', 'p1'), ('parameters', 'p1', 'type'),
    ('parameters', 'p1', 'default'), ('parameters', 'p1', 'constraints'),
    ('parameter_groups',), ('conditions',), ('conditions', 'c1'),
    ('resources',), ('resources', 'r1'), ('resources', 'r1', 'type'),
    ('resources', 'r1', 'properties'),
    ('resources', 'r1', 'properties', 'length'),
    ('resources', 'r2', 'depends_on'), ('resources', 'r2', 'condition'),
    ('resources', 'r2', 'metadata'), ('resources', 'r2', 'update_policy'),
    ('resources', 'r2', 'deletion_policy'),
    ('resources', 'r2', 'external_id'), ('outputs',), ('outputs', 'o1'),
    ('outputs', 'o1', 'value'), ('outputs', 'o1', 'condition'),
    ('extra_section',),
)
CFN_SPOTS = (
    ('AWSTemplateFormatVersion',), ('Description',), ('Parameters',),
    ('Parameters', 'p1'), ('Parameters', 'p1', 'Type'), ('Mappings',),
    ('Conditions',), ('Conditions', 'c1'), ('Resources',),
    ('Resources', 'r1'), ('Resources', 'r1', 'Type'),
    ('Resources', 'r1', 'Properties'), ('Resources', 'r2', 'DependsOn'),
    ('Resources', 'r2', 'Condition'), ('Resources', 'r2', 'Metadata'),
    ('Outputs',), ('Outputs', 'o1', 'Value'),
)


def _put(tmpl, spot, value):
    node = tmpl
    for key in spot[:-1]:
        node = node[key]
    node[spot[-1]] = value
    return tmpl


def _frames(exc):
    return ['%s:%s' % (os.path.basename(f.filename), f.name)
            for f in traceback.extract_tb(exc.__traceback__)]


def _known(exc):
    frames = _frames(exc)
    for (name, last, via), reason in KNOWN_CRASHES.items():
        if (type(exc).__name__ == name and frames and frames[-1] == last
                and via in frames):
            return reason
    return None


def call_validate(*args, **kwargs):
    """Run validate_template; fail on any error that is not user-facing."""
    try:
        validate.validate_template(*args, **kwargs)
    except exception.StackValidationFailed:
        pass
    except Exception as exc:  # noqa: BLE001 - this is the check
        if _known(exc):
            hypothesis.event('known crash: %s' % type(exc).__name__)
            return
        frames = _frames(exc)
        raise AssertionError('validate_template crashed with %s (from %s):'
                             ' %s\n%s' % (type(exc).__name__,
                                          frames[-1] if frames else '?',
                                          exc, traceback.format_exc())
                             ) from exc


class TestFuzzText(base.TestCase):

    @SETTINGS
    @hypothesis.given(st.text(max_size=300))
    def test_random_text(self, text):
        call_validate(text)

    @SETTINGS
    @hypothesis.given(st.binary(max_size=200))
    def test_random_bytes_as_text(self, data):
        call_validate(data.decode('latin-1'))

    @SETTINGS
    @hypothesis.given(values)
    def test_random_json_text(self, value):
        call_validate(json.dumps(value))

    @SETTINGS
    @hypothesis.given(st.sampled_from(HOT_VERSIONS), st.text(max_size=200))
    def test_version_line_then_random_yaml(self, version, rest):
        call_validate('heat_template_version: %s\n%s' % (version, rest))


class TestFuzzStructure(base.TestCase):

    @SETTINGS
    @hypothesis.given(values)
    def test_random_structure_as_template(self, value):
        call_validate(value)

    @SETTINGS
    @hypothesis.given(st.sampled_from(HOT_SPOTS), values)
    def test_random_value_in_every_hot_section(self, spot, value):
        call_validate(_put(hot_skeleton(), spot, value))

    @SETTINGS
    @hypothesis.given(st.sampled_from(CFN_SPOTS), values)
    def test_random_value_in_every_cfn_section(self, spot, value):
        call_validate(_put(cfn_skeleton(), spot, value))

    @SETTINGS
    @hypothesis.given(st.sampled_from(HOT_VERSIONS),
                      st.sampled_from(FUNCTION_NAMES), values)
    def test_every_function_with_random_arguments(self, version, name,
                                                  args):
        tmpl = hot_skeleton()
        tmpl['heat_template_version'] = version
        tmpl['resources']['r2']['properties'] = {'v': {name: args}}
        call_validate(tmpl)
        tmpl['outputs']['o1']['value'] = {name: args}
        call_validate(tmpl)

    @SETTINGS
    @hypothesis.given(values, values, values)
    def test_random_environment_files_and_params(self, env, files, params):
        call_validate(hot_skeleton(), environment=env, files=files,
                      params=params)

    @SETTINGS
    @hypothesis.given(values)
    def test_random_provider_template(self, provider):
        tmpl = hot_skeleton()
        tmpl['resources']['r1']['type'] = 'p.yaml'
        call_validate(tmpl, files={'p.yaml': json.dumps(provider)})

    @SETTINGS
    @hypothesis.given(values)
    def test_random_registry(self, registry):
        tmpl = hot_skeleton()
        tmpl['resources']['r1']['type'] = 'My::Alias'
        call_validate(tmpl, environment={'resource_registry': registry},
                      files={'p.yaml': json.dumps(hot_skeleton())})


class TestFuzzCli(base.TestCase):
    """heat-manage exits 0 or 1 on any file content, never a traceback."""

    def _run(self, template_text, env_text=None):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 't.yaml')
            with open(path, 'w', encoding='utf-8',
                      errors='surrogatepass') as f:
                f.write(template_text)
            argv = ['template', 'validate', path]
            if env_text is not None:
                env = os.path.join(tmp, 'e.yaml')
                with open(env, 'w', encoding='utf-8',
                          errors='surrogatepass') as f:
                    f.write(env_text)
                argv += ['-e', env]
            out, err = io.StringIO(), io.StringIO()
            code = manage.main(argv, out=out, err=err)
        self.assertIn(code, (0, 1), err.getvalue())
        self.assertNotIn('internal error', err.getvalue())
        self.assertNotIn('Traceback', err.getvalue())
        if code == 0:
            json.loads(out.getvalue())

    @SETTINGS
    @hypothesis.given(st.text(max_size=200))
    def test_random_template_file(self, text):
        self._run(text)

    @SETTINGS
    @hypothesis.given(values, values)
    def test_random_structures_as_files(self, tmpl, env):
        self._run(json.dumps(tmpl), json.dumps(env))

    @SETTINGS
    @hypothesis.given(st.sampled_from(HOT_SPOTS), values)
    def test_random_section_values_in_a_file(self, spot, value):
        self._run(json.dumps(_put(hot_skeleton(), spot, value)))


class TestFuzzExtremes(base.TestCase):

    DEPTH = 10000

    def test_deeply_nested_yaml_list_text(self):
        call_validate('heat_template_version: 2015-10-15\nresources:\n'
                      '  r: {type: OS::Heat::None, properties: {v: %s%s}}\n'
                      % ('[' * self.DEPTH, ']' * self.DEPTH))

    def test_deeply_nested_json_text(self):
        call_validate('{"heat_template_version": "2015-10-15", '
                      '"resources": %s}' % ('{"a": ' * self.DEPTH + '1' +
                                            '}' * self.DEPTH))

    def test_deeply_nested_structure_in_properties(self):
        value = 'leaf'
        for _ in range(self.DEPTH):
            value = {'k': [value]}
        tmpl = hot_skeleton()
        tmpl['resources']['r2']['properties'] = {'v': value}
        call_validate(tmpl)

    def test_deeply_nested_functions(self):
        value = 'x'
        for _ in range(self.DEPTH):
            value = {'list_join': [',', [value]]}
        tmpl = hot_skeleton()
        tmpl['outputs']['o1']['value'] = value
        call_validate(tmpl)

    def test_contains_with_mismatched_types_is_a_user_error(self):
        # Once a crash (TypeError from "None in 'abc'"): now an error
        # naming the function, at the external_id path.
        tmpl = hot_skeleton()
        tmpl['resources']['r2']['external_id'] = {'contains': [None, 'abc']}
        tmpl['resources']['r2']['depends_on'] = 'r1'
        exc = self.assertRaises(exception.StackValidationFailed,
                                validate.validate_template, tmpl)
        self.assertIn('contains', str(exc))
        self.assertIn('resources.r2.external_id', str(exc))

    def test_deeply_nested_environment(self):
        value = 'leaf'
        for _ in range(self.DEPTH):
            value = {'k': value}
        call_validate(hot_skeleton(), environment={
            'parameters': {'p1': value}})
        call_validate(hot_skeleton(), environment={
            'resource_registry': {'resources': value}})

    def test_huge_text_is_refused(self):
        text = ('heat_template_version: 2015-10-15\nresources:\n' +
                ''.join('  r%d: {type: OS::Heat::None}\n' % i
                        for i in range(30000)))
        self.assertGreater(len(text), 524288)
        self.assertRaises(exception.StackValidationFailed,
                          validate.validate_template, text)

    def test_many_resources_over_the_limit(self):
        tmpl = {'heat_template_version': '2015-10-15',
                'resources': {'r%d' % i: {'type': 'OS::Heat::None'}
                              for i in range(1001)}}
        err = self.assertRaises(exception.StackValidationFailed,
                                validate.validate_template, tmpl)
        self.assertIn('maximum resources per stack', str(err))

    def test_provider_template_that_uses_itself(self):
        tmpl = {'heat_template_version': '2015-10-15',
                'resources': {'r': {'type': 'self.yaml'}}}
        err = self.assertRaises(exception.StackValidationFailed,
                                validate.validate_template, tmpl,
                                files={'self.yaml': json.dumps(tmpl)})
        self.assertIn('Recursion depth exceeds', str(err))
