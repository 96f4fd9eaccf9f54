"""Bad parameter values through ``POST /stacks``.

A template with one parameter of each type (string, number, json,
comma_delimited_list, boolean) under each kind of constraint (range,
length, allowed_values, allowed_pattern), in HOT and in CFN; one
parameter at a time gets a random value (in the body's ``parameters`` or
in the environment's), the others keep valid ones. A refusal is a 4xx
naming the parameter and leaves no stack row; an accepted value holds
its constraints (read back from the stack's outputs).
"""

import itertools
import json
import math

import hypothesis
from hypothesis import strategies as st

from heat.common import context as context_mod
from heat.db import api as db_api
from heat.tests.unit import api as api_tests
from heat.tests.unit import fuzz
from heat.tests.unit.validate import test_fuzz as vfuzz

#: name: (HOT schema, CFN schema, a valid value)
PARAMS = {
    'p_len': ({'type': 'string',
               'constraints': [{'length': {'min': 2, 'max': 8}}]},
              {'Type': 'String', 'MinLength': 2, 'MaxLength': 8}, 'abc'),
    'p_pattern': ({'type': 'string',
                   'constraints': [{'allowed_pattern': '[a-z]+'}]},
                  {'Type': 'String', 'AllowedPattern': '[a-z]+'}, 'abc'),
    'p_colour': ({'type': 'string',
                  'constraints': [{'allowed_values': ['red', 'green']}]},
                 {'Type': 'String', 'AllowedValues': ['red', 'green']},
                 'red'),
    'p_range': ({'type': 'number',
                 'constraints': [{'range': {'min': -5, 'max': 10}}]},
                {'Type': 'Number', 'MinValue': -5, 'MaxValue': 10}, 3),
    'p_number_in': ({'type': 'number',
                     'constraints': [{'allowed_values': [1, 2.5]}]},
                    {'Type': 'Number', 'AllowedValues': [1, 2.5]}, 1),
    'p_json': ({'type': 'json'}, {'Type': 'Json'}, {'a': 1}),
    'p_list': ({'type': 'comma_delimited_list',
                'constraints': [{'length': {'min': 1, 'max': 3}}]},
               {'Type': 'CommaDelimitedList'}, 'a,b'),
    'p_list_in': ({'type': 'comma_delimited_list',
                   'constraints': [{'allowed_values': ['x', 'y']}]},
                  {'Type': 'CommaDelimitedList',
                   'AllowedValues': ['x', 'y']}, 'x'),
    'p_bool': ({'type': 'boolean'}, None, True),
}
NAMES = sorted(PARAMS)


def hot_template():
    return {'heat_template_version': '2016-10-14',
            'parameters': {n: dict(hot) for n, (hot, _, _) in
                           PARAMS.items()},
            'resources': {'r': {'type': 'OS::Heat::None'}},
            'outputs': {n: {'value': {'get_param': n}} for n in NAMES}}


def cfn_template():
    names = [n for n in NAMES if PARAMS[n][1] is not None]
    return {'AWSTemplateFormatVersion': '2010-09-09',
            'Parameters': {n: dict(PARAMS[n][1]) for n in names},
            'Resources': {'r': {'Type': 'OS::Heat::None'}},
            'Outputs': {n: {'Value': {'Ref': n}} for n in names}}


def valid_params(cfn=False):
    return {n: v for n, (_, c, v) in PARAMS.items()
            if not (cfn and c is None)}


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(('red', 'green', 'x', 'y', 'x,y', 'x,y,z,w', '', ',',
                     'abc', 'ABC', 'a1', '1', '2.5', '-5', '11', '1e400',
                     'nan', 'inf', '-inf', '0x10', 'true', 'False', 'yes',
                     'on', '{"a": 1}', '[1]', 'null', ' 3 ', '3\n')))
param_values = st.recursive(scalars, lambda c: st.one_of(
    st.lists(c, max_size=4), st.dictionaries(st.text(max_size=5), c,
                                              max_size=3)), max_leaves=10)


def _number(value):
    return float(value) if isinstance(value, str) else value


#: how an accepted value must look in the output (None: anything)
CHECKS = {
    'p_len': lambda v: isinstance(v, str) and 2 <= len(v) <= 8,
    'p_pattern': lambda v: isinstance(v, str) and v.isascii() and
    v.isalpha() and v.islower(),
    'p_colour': lambda v: v in ('red', 'green'),
    'p_range': lambda v: math.isfinite(_number(v)) and
    -5 <= _number(v) <= 10,
    'p_number_in': lambda v: _number(v) in (1, 2.5),
    'p_list': lambda v: isinstance(v, list) and 1 <= len(v) <= 3,
    'p_list_in': lambda v: isinstance(v, list) and
    set(v) <= {'x', 'y'},
    'p_bool': lambda v: isinstance(v, bool),
}
#: the CFN template's list has no length constraint
CFN_CHECKS = dict(CHECKS, p_list=lambda v: isinstance(v, list))


class TestParameterValues(api_tests.APITestCase, fuzz.FuzzAssertions):

    def setUp(self):
        super().setUp()
        self.names = itertools.count()
        self.ctx = context_mod.RequestContext(project_id=self.PROJECT)

    def stacks(self):
        return db_api.stack_count_all(self.ctx, self.PROJECT,
                                      show_deleted=True)

    def create(self, template, params, where, name, checks=CHECKS):
        body = {'stack_name': 'pz%d' % next(self.names),
                'template': template, 'disable_rollback': True}
        if where == 'body':
            body['parameters'] = params
        else:
            body['environment'] = {'parameters': params}
        before = self.stacks()
        resp = self.request('POST', '/stacks', body)
        self.assertNot500(resp, 'parameter %s' % name)
        if resp.status_code != 201:
            message = self.assertClientError(resp, 'parameter %s' % name)
            self.assertIn(name, message)
            self.assertEqual(before, self.stacks())
            return None
        self.assertEqual(before + 1, self.stacks())
        sid = resp.json['stack']['id']
        self.wait(sid)
        stack = self.request('GET', '/stacks/%s/%s' % (
            body['stack_name'], sid)).json['stack']
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'],
                         stack['stack_status_reason'])
        outputs = {o['output_key']: o.get('output_value')
                   for o in stack['outputs']}
        check = checks.get(name)
        if check is not None:
            self.assertTrue(check(outputs[name]),
                            '%s accepted %r as %r' % (
                                name, params[name], outputs[name]))
        return outputs

    @fuzz.settings(250)
    @hypothesis.given(st.sampled_from(NAMES), param_values,
                      st.sampled_from(('body', 'environment')))
    @fuzz.seeded
    def test_random_value_of_each_hot_parameter(self, name, value, where):
        params = valid_params()
        params[name] = value
        self.create(hot_template(), params, where, name)

    @fuzz.settings(150)
    @hypothesis.given(st.sampled_from([n for n in NAMES
                                       if PARAMS[n][1] is not None]),
                      param_values)
    @fuzz.seeded
    def test_random_value_of_each_cfn_parameter(self, name, value):
        params = valid_params(cfn=True)
        params[name] = value
        self.create(json.dumps(cfn_template()), params, 'body', name,
                    CFN_CHECKS)

    @fuzz.settings(80)
    @hypothesis.given(st.text(min_size=1, max_size=30).filter(
        lambda n: n not in PARAMS), param_values)
    @fuzz.seeded
    def test_unknown_parameter_is_named(self, name, value):
        params = valid_params()
        params[name] = value
        self.create(hot_template(), params, 'body', name)

    @fuzz.settings(120)
    @hypothesis.given(st.sampled_from(('string', 'number', 'json',
                                       'comma_delimited_list', 'boolean',
                                       'String', 'Number', 'list', 'Json')),
                      vfuzz.values, vfuzz.values, param_values)
    @fuzz.seeded
    def test_random_schema_and_value(self, ptype, constraints, default,
                                     value):
        """A parameter declared with random constraints and default:
        never a 500, a refusal names it."""
        tmpl = hot_template()
        tmpl['parameters']['p_fz'] = {'type': ptype,
                                      'constraints': constraints,
                                      'default': default}
        params = valid_params()
        params['p_fz'] = value
        self.create(tmpl, params, 'body', 'p_fz')

    def test_valid_values_are_accepted(self):
        outputs = self.create(hot_template(), valid_params(), 'body',
                              'p_len')
        self.assertEqual('abc', outputs['p_len'])
        self.assertEqual(['a', 'b'], outputs['p_list'])
        outputs = self.create(json.dumps(cfn_template()),
                              valid_params(cfn=True), 'environment',
                              'p_len')
        self.assertEqual('red', outputs['p_colour'])
