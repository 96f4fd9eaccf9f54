"""Parameters: schemas, typed values, pseudo parameters, validate output."""

from heat.common import exception
from heat.engine import constraints as constr
from heat.engine import parameters
from heat.tests import base


def hot_param(schema, value=None, version=None, name='p'):
    s = parameters.Schema.from_dict(name, schema, 'hot', version)
    return parameters.new_parameter(name, s, value)


def cfn_param(schema, value=None, name='p'):
    s = parameters.Schema.from_dict(name, schema, 'cfn')
    return parameters.new_parameter(name, s, value)


class TestTypedValues(base.TestCase):
    """type, user value -> typed value (as upstream coerces it)."""

    CASES = [
        ('string', 'string', 'abc', 'abc'),
        ('string_from_number', 'string', 42, '42'),
        ('string_unicode', 'string', 'test\u2665', 'test\u2665'),
        ('number_int_text', 'number', '3', 3),
        ('number_float_text', 'number', '3.5', 3.5),
        ('number_float', 'number', 3.5, 3.5),
        ('number_negative', 'number', '-2', -2),
        ('list_text', 'comma_delimited_list', 'a,b,c', ['a', 'b', 'c']),
        ('list_spaces_kept', 'comma_delimited_list', 'a, b', ['a', ' b']),
        ('list_empty_text', 'comma_delimited_list', '', []),
        ('list_list', 'comma_delimited_list', ['a', 'b'], ['a', 'b']),
        ('list_items_as_text', 'comma_delimited_list', [1, 3], ['1', '3']),
        ('json_text', 'json', '{"a": [1, 2]}', {'a': [1, 2]}),
        ('json_map', 'json', {'a': 1}, {'a': 1}),
        ('json_list_text', 'json', '["x", "y"]', ['x', 'y']),
        ('json_list', 'json', ['x'], ['x']),
    ] + [('bool_true_%r' % v, 'boolean', v, True)
         for v in ('1', 't', 'true', 'on', 'y', 'yes', 'TRUE', True, 1)] + [
        ('bool_false_%r' % v, 'boolean', v, False)
        for v in ('0', 'f', 'false', 'off', 'n', 'no', 'False', False, 0)]

    def test_cases(self):
        for name, ptype, raw, expected in self.CASES:
            p = hot_param({'type': ptype}, raw)
            p.validate()
            self.assertEqual(expected, p.value(), name)
            self.assertEqual(type(expected), type(p.value()), name)


class TestBadValues(base.TestCase):
    """type, bad user value -> StackValidationFailed with upstream text."""

    CASES = [
        ('number_word', 'number', 'BAD',
         "Parameter 'p' is invalid: could not convert string to float: "
         "'BAD'"),
        ('number_list', 'number', ['foo'],
         "Parameter 'p' is invalid: int() argument must be a string, a "
         "bytes-like object or a real number, not 'list'"),
        ('bool_word', 'boolean', 'foo',
         "Parameter 'p' is invalid: Unrecognized value 'foo', acceptable "
         "values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', "
         "'t', 'true', 'y', 'yes'"),
        ('json_garbage', 'json', 'I am not a map',
         "Parameter 'p' is invalid: Value must be valid JSON: Expecting "
         "value: line 1 column 1 (char 0)"),
        ('list_number', 'comma_delimited_list', 0,
         "Parameter 'p' is invalid: Value must be a comma-delimited list "
         "string: 'int' object has no attribute 'split'"),
    ]

    def test_cases(self):
        for name, ptype, raw, expected in self.CASES:
            p = hot_param({'type': ptype}, raw)
            err = self.assertRaises(exception.StackValidationFailed,
                                    p.validate)
            self.assertEqual(expected, str(err), name)

    def test_value_of_bad_value_raises_too(self):
        p = hot_param({'type': 'json'}, '{bad')
        self.assertRaises(exception.StackValidationFailed, p.value)


class TestConstraintsOnValues(base.TestCase):
    """schema, value, expected error (None: valid)."""

    CASES = [
        ('length_ok', {'type': 'string',
                       'constraints': [{'length': {'min': 2}}]}, 'ab', None),
        ('length_short', {'type': 'string',
                          'constraints': [{'length': {'min': 2}}]}, 'a',
         "Parameter 'p' is invalid: length (1) is out of range "
         "(min: 2, max: None)"),
        ('range_text_number', {'type': 'number',
                               'constraints': [{'range': {'max': 5}}]},
         '6', "Parameter 'p' is invalid: 6 is out of range (min: None, "
         "max: 5)"),
        ('range_described', {'type': 'number', 'constraints': [
            {'range': {'min': 1}, 'description': 'at least one'}]}, 0,
         "Parameter 'p' is invalid: at least one"),
        ('modulo_ok', {'type': 'number', 'constraints': [
            {'modulo': {'step': 2, 'offset': 1}}]}, 3, None),
        ('modulo_bad', {'type': 'number', 'constraints': [
            {'modulo': {'step': 2, 'offset': 1}}]}, '4',
         "Parameter 'p' is invalid: 4 is not a multiple of 2 with an "
         "offset of 1)"),
        ('allowed_number_text', {'type': 'number', 'constraints': [
            {'allowed_values': ['1', '3']}]}, 3, None),
        ('allowed_bool', {'type': 'boolean', 'constraints': [
            {'allowed_values': [True]}]}, 'yes', None),
        ('allowed_bool_bad', {'type': 'boolean', 'constraints': [
            {'allowed_values': [True]}]}, 'no',
         "Parameter 'p' is invalid: \"no\" is not an allowed value "
         "[True]"),
        ('allowed_list_items', {'type': 'comma_delimited_list',
                                'constraints': [
                                    {'allowed_values': ['a', 'b']}]},
         'a,b,c', "Parameter 'p' is invalid: \"['a', 'b', 'c']\" is not "
         "an allowed value [a, b]"),
        ('pattern_full', {'type': 'string', 'constraints': [
            {'allowed_pattern': '[a-z]+'}]}, 'ab1',
         "Parameter 'p' is invalid: \"ab1\" does not match pattern "
         "\"[a-z]+\""),
        ('json_length', {'type': 'json', 'constraints': [
            {'length': {'max': 1}}]}, {'a': 1, 'b': 2},
         "Parameter 'p' is invalid: length (2) is out of range "
         "(min: None, max: 1)"),
        ('custom_unknown', {'type': 'string', 'constraints': [
            {'custom_constraint': 'no.such'}]}, 'x',
         "Parameter 'p' is invalid: \"x\" does not validate no.such "
         "(constraint not found)"),
        ('custom_cloud_unverifiable', {'type': 'string', 'constraints': [
            {'custom_constraint': 'glance.image'}]}, 'cirros', None),
    ]

    def test_cases(self):
        for name, schema, value, expected in self.CASES:
            p = hot_param(schema, value)
            if expected is None:
                p.validate()
            else:
                err = self.assertRaises(exception.StackValidationFailed,
                                        p.validate)
                self.assertEqual(expected, str(err), name)

    def test_cloud_constraint_recorded_as_unverified(self):
        p = hot_param({'type': 'string', 'constraints': [
            {'custom_constraint': 'nova.flavor'}]}, 'm1.small')
        p.validate()
        self.assertEqual([('nova.flavor', 'nova')], p.unverified)


class TestCfnValues(base.TestCase):

    def test_constraint_description_replaces_message(self):
        for schema, value in (
                ({'MinLength': '4'}, 'foo'),
                ({'MaxLength': '2'}, 'foo'),
                ({'AllowedPattern': '[a-z]*'}, '1foo'),
                ({'AllowedValues': ['a', 'b']}, 'c')):
            schema = dict(schema, Type='String',
                          ConstraintDescription='wibble')
            p = cfn_param(schema, value)
            err = self.assertRaises(exception.StackValidationFailed,
                                    p.validate)
            self.assertEqual("Parameter 'p' is invalid: wibble", str(err))

    def test_number_limits_from_text(self):
        p = cfn_param({'Type': 'Number', 'MinValue': '3.0',
                       'MaxValue': '4.0'}, '3.5')
        p.validate()
        self.assertEqual(3.5, p.value())

    def test_noecho_any_case(self):
        for text in ('true', 'TrUe'):
            p = cfn_param({'Type': 'String', 'NoEcho': text}, 'secret')
            self.assertTrue(p.hidden())
            self.assertEqual('******', str(p))
        self.assertFalse(cfn_param({'Type': 'String',
                                    'NoEcho': 'false'}).hidden())

    def test_cfn_types(self):
        for ptype, kind in (('String', 'string'), ('Number', 'number'),
                            ('CommaDelimitedList', 'list'),
                            ('Json', 'map'), ('Boolean', 'boolean')):
            self.assertEqual(kind, cfn_param({'Type': ptype}).schema.kind)


class TestDefaults(base.TestCase):

    def test_default_used_without_value(self):
        p = hot_param({'type': 'number', 'default': '42'})
        p.validate()
        self.assertEqual(42, p.value())

    def test_value_beats_default(self):
        p = hot_param({'type': 'string', 'default': 'a'}, 'b')
        self.assertEqual('b', p.value())

    def test_empty_value_beats_default(self):
        for ptype, zero in (('string', ''), ('number', 0),
                            ('comma_delimited_list', []), ('json', {}),
                            ('boolean', False)):
            p = hot_param({'type': ptype, 'default': None}, zero)
            p.validate()
            self.assertEqual(zero, p.value(), ptype)

    def test_missing_value(self):
        p = hot_param({'type': 'string'})
        err = self.assertRaises(exception.UserParameterMissing, p.validate)
        self.assertEqual('The Parameter (p) was not provided.', str(err))
        self.assertRaises(exception.UserParameterMissing, p.value)

    def test_missing_value_ok_without_value_check(self):
        hot_param({'type': 'string'}).validate(validate_value=False)

    def test_default_checked_against_constraints(self):
        p = hot_param({'type': 'string', 'default': 'abc', 'constraints': [
            {'allowed_values': ['x'], 'description': 'wibble'}]})
        err = self.assertRaises(exception.InvalidSchemaError, p.validate,
                                validate_value=False)
        self.assertEqual("Parameter 'p' is invalid: Invalid default abc "
                         "(wibble)", str(err))

    def test_list_default_text_checked(self):
        p = hot_param({'type': 'comma_delimited_list', 'default': 'a,z',
                       'constraints': [{'allowed_values': ['a', 'b']}]})
        self.assertRaises(exception.InvalidSchemaError, p.validate)

    def test_default_skips_custom_constraints(self):
        p = hot_param({'type': 'string', 'default': 'whatever',
                       'constraints': [{'custom_constraint': 'ip_addr'}]})
        p.validate(validate_value=False)

    def test_constraint_must_suit_type(self):
        for ptype, cdef, cname in (
                ('json', {'allowed_values': [{}]}, 'AllowedValues'),
                ('string', {'range': {'min': 1}}, 'Range'),
                ('number', {'length': {'min': 1}}, 'Length'),
                ('number', {'allowed_pattern': 'x'}, 'AllowedPattern'),
                ('json', {'custom_constraint': 'x'}, 'CustomConstraint'),
                ('string', {'modulo': {'step': 2, 'offset': 0}},
                 'Modulo')):
            p = hot_param({'type': ptype, 'constraints': [cdef]}, 'x')
            err = self.assertRaises(exception.InvalidSchemaError,
                                    p.validate)
            self.assertEqual("Parameter 'p' is invalid: %s constraint "
                             "invalid for %s" % (cname, ptype), str(err))

    def test_param_defaults_override_template_default(self):
        params = parameters.Parameters(
            {'a': {'type': 'number', 'default': 42}},
            param_defaults={'a': 77, 'unknown': 1})
        self.assertEqual(77, params['a'])
        params = parameters.Parameters(
            {'a': {'type': 'number', 'default': 42}}, {'a': 111},
            param_defaults={'a': 77})
        self.assertEqual(111, params['a'])


class TestSchemaFromDict(base.TestCase):
    """Bad definitions: error and the path it names."""

    CASES = [
        ('unknown_key', 'hot', None, {'type': 'string', 'foo': 1},
         "parameters.p.foo: Invalid key 'foo' for parameter (p)"),
        ('no_type', 'hot', None, {'description': 'x'},
         'parameters.p: Missing parameter type for parameter: p'),
        ('bad_type', 'hot', None, {'type': 'List'},
         'parameters.p.type: Invalid type (List)'),
        ('type_not_text', 'hot', None, {'type': ['string']},
         "parameters.p.type: Invalid type (['string'])"),
        ('cfn_name_in_hot', 'hot', None, {'type': 'String'},
         'parameters.p.type: Invalid type (String)'),
        ('not_mapping', 'hot', None, 'string',
         'parameters.p: Invalid parameter (p), expected a mapping'),
        ('tags_too_early', 'hot', '2017-09-01',
         {'type': 'string', 'tags': ['a']},
         "parameters.p.tags: Invalid key 'tags' for parameter (p)"),
        ('tags_not_list', 'hot', '2018-03-02',
         {'type': 'string', 'tags': 'a'},
         'parameters.p.tags: Tags property should be a list for '
         'parameter: p'),
        ('constraints_not_list', 'hot', None,
         {'type': 'string', 'constraints': {'length': {'min': 1}}},
         'parameters.p.constraints: Invalid parameter constraints for '
         'parameter p, expected a list'),
        ('constraint_unknown_key', 'hot', None,
         {'type': 'string', 'constraints': [{'size': 1}]},
         "parameters.p.constraints[0].size: Invalid key 'size' for "
         "parameter constraints"),
        ('constraint_empty', 'hot', None,
         {'type': 'string', 'constraints': [{'description': 'x'}]},
         'parameters.p.constraints[0]: No constraint expressed'),
        ('modulo_too_early', 'hot', '2016-10-14',
         {'type': 'number',
          'constraints': [{'modulo': {'step': 2, 'offset': 0}}]},
         'parameters.p.constraints[0]: No constraint expressed'),
        ('range_unknown_key', 'hot', None,
         {'type': 'number', 'constraints': [{'range': {'low': 1}}]},
         "parameters.p.constraints[0].range.low: Invalid key 'low' for "
         "range constraint"),
        ('range_not_number', 'hot', None,
         {'type': 'number', 'constraints': [{'range': {'min': 'x'}}]},
         'parameters.p.constraints[0].range.min: Invalid min "x": could '
         'not convert string to float: \'x\''),
        ('length_empty', 'hot', None,
         {'type': 'string', 'constraints': [{'length': {}}]},
         'parameters.p.constraints[0]: A length constraint must have a '
         'min value and/or a max value specified.'),
        ('modulo_zero', 'hot', None,
         {'type': 'number',
          'constraints': [{'modulo': {'step': 0, 'offset': 0}}]},
         'parameters.p.constraints[0]: step cannot be 0.'),
        ('cfn_unknown_key', 'cfn', None,
         {'Type': 'String', 'Hidden': True},
         "Parameters.p.Hidden: Invalid key 'Hidden' for parameter (p)"),
        ('cfn_hot_key', 'cfn', None, {'type': 'string'},
         "Parameters.p.type: Invalid key 'type' for parameter (p)"),
        ('cfn_no_type', 'cfn', None, {'Default': 'x'},
         'Parameters.p: Missing parameter type for parameter: p'),
        ('cfn_bad_type', 'cfn', None, {'Type': 'string'},
         'Parameters.p.Type: Invalid type (string)'),
        ('cfn_allowed_not_list', 'cfn', None,
         {'Type': 'String', 'AllowedValues': 'abc'},
         'Parameters.p: AllowedValues must be a list'),
    ]

    def test_cases(self):
        for name, ttype, version, schema, expected in self.CASES:
            err = self.assertRaises(exception.InvalidSchemaError,
                                    parameters.Schema.from_dict, 'p',
                                    schema, ttype, version)
            self.assertEqual(expected, str(err), name)

    def test_error_keeps_upstream_text_and_path(self):
        err = self.assertRaises(exception.ParameterSchemaError,
                                parameters.Schema.from_dict, 'param_name',
                                {'foo': 'bar'})
        self.assertEqual("Invalid key 'foo' for parameter (param_name)",
                         err.error_message)
        self.assertEqual(['parameters', 'param_name', 'foo'], err.path)

    def test_all_hot_keys(self):
        s = parameters.Schema.from_dict('p', {
            'type': 'string', 'description': 'd', 'default': 'x',
            'hidden': True, 'label': 'L', 'immutable': True,
            'tags': ['t'], 'constraints': [{'length': {'min': 1}}]})
        self.assertEqual(('string', 'd', 'x', True, 'L', True, ['t']),
                         (s.type, s.description, s.default, s.hidden,
                          s.label, s.immutable, s.tags))
        self.assertIsInstance(s.constraints[0], constr.Length)

    def test_version_aliases(self):
        s = parameters.Schema.from_dict(
            'p', {'type': 'number',
                  'constraints': [{'modulo': {'step': 2, 'offset': 0}}]},
            'hot', 'ocata')
        self.assertIsInstance(s.constraints[0], constr.Modulo)
        parameters.Schema.from_dict('p', {'type': 'string', 'tags': []},
                                    'hot', 'queens')

    def test_hidden_text(self):
        self.assertTrue(hot_param({'type': 'string',
                                   'hidden': 'true'}).hidden())
        self.assertFalse(hot_param({'type': 'string',
                                    'hidden': 'false'}).hidden())


class TestParameters(base.TestCase):

    def test_hot_pseudo_parameters(self):
        params = parameters.Parameters(
            {}, pseudo={'stack_name': 's', 'stack_id': 'i',
                        'project_id': 'pr'})
        self.assertEqual({'OS::stack_name': 's', 'OS::stack_id': 'i',
                          'OS::project_id': 'pr'}, dict(params))

    def test_hot_without_name_has_no_stack_name(self):
        params = parameters.Parameters({})
        self.assertEqual({'OS::stack_id': '', 'OS::project_id': ''},
                         dict(params))

    def test_cfn_pseudo_parameters(self):
        params = parameters.Parameters(
            {}, pseudo={'stack_name': 'test_stack', 'stack_id': 'abc123'},
            template_type='cfn')
        self.assertEqual({
            'AWS::StackName': 'test_stack',
            'AWS::StackId': 'arn:openstack:heat:::stacks/test_stack/abc123',
            'AWS::Region': 'ap-southeast-1'}, dict(params))

    def test_cfn_without_name(self):
        params = parameters.Parameters({}, template_type='cfn')
        self.assertEqual({'AWS::StackId': 'None'}, dict(params))

    def test_pseudo_names_accepted_as_keys(self):
        params = parameters.Parameters({}, pseudo={'OS::stack_name': 'n'})
        self.assertEqual('n', params['OS::stack_name'])

    def test_user_value_for_pseudo_parameter_rejected(self):
        params = parameters.Parameters(
            {}, {'OS::stack_name': 'evil'}, pseudo={'stack_name': 's'})
        err = self.assertRaises(exception.UnknownUserParameter,
                                params.validate)
        self.assertEqual('The Parameter (OS::stack_name) was not defined '
                         'in template.', str(err))
        self.assertEqual('s', params['OS::stack_name'])

    def test_unknown_user_parameter(self):
        params = parameters.Parameters({'a': {'type': 'string'}},
                                       {'a': 'x', 'b': 'y'})
        self.assertRaises(exception.UnknownUserParameter, params.validate)

    def test_missing_user_parameter(self):
        params = parameters.Parameters({'a': {'type': 'string'}})
        self.assertRaises(exception.UserParameterMissing, params.validate)
        params.validate(validate_value=False)

    def test_param_defaults_do_not_touch_pseudo_parameters(self):
        params = parameters.Parameters(
            {}, param_defaults={'OS::stack_name': 'x'},
            pseudo={'stack_name': 's'})
        self.assertEqual('s', params['OS::stack_name'])

    def test_mapping_of_typed_values(self):
        params = parameters.Parameters(
            {'Foo': {'Type': 'String'},
             'Bar': {'Type': 'Number', 'Default': '42'}},
            {'Foo': 'foo'}, template_type='cfn',
            pseudo={'stack_name': 'test_params'})
        params.validate()
        as_dict = dict(params)
        self.assertEqual('foo', as_dict['Foo'])
        self.assertEqual(42, as_dict['Bar'])
        self.assertIn('AWS::Region', as_dict)

    def test_display_values_mask_hidden(self):
        params = parameters.Parameters(
            {'pw': {'type': 'string', 'hidden': True},
             'user': {'type': 'string'},
             'l': {'type': 'comma_delimited_list'}},
            {'pw': 'secret', 'user': 'me', 'l': [1, 3, 5]})
        shown = params.display_values()
        self.assertEqual(('******', 'me', '1,3,5'),
                         (shown['pw'], shown['user'], shown['l']))

    def test_unverified_lists_cloud_constraints(self):
        params = parameters.Parameters({
            'image': {'type': 'string', 'constraints': [
                {'custom_constraint': 'glance.image'}]},
            'net': {'type': 'string', 'constraints': [
                {'custom_constraint': 'ip_addr'},
                {'custom_constraint': 'neutron.network'}]},
        }, {'image': 'cirros', 'net': '10.0.0.1'})
        params.validate()
        self.assertEqual([('image', 'glance.image', 'glance'),
                          ('net', 'neutron.network', 'neutron')],
                         params.unverified())

    def test_immutable_params_modified(self):
        schemata = {'a': {'type': 'string', 'immutable': True},
                    'b': {'type': 'string'}}
        old = parameters.Parameters(schemata, {'a': '1', 'b': '1'})
        new = parameters.Parameters(schemata, {'a': '2', 'b': '2'})
        self.assertEqual(['a'], old.immutable_params_modified(
            new, {'a': '2', 'b': '2'}))
        self.assertEqual([], old.immutable_params_modified(new, {'a': '1'}))


class TestValidateOutput(base.TestCase):

    def _output(self, schema, value=None, defaults=None):
        params = parameters.Parameters(
            {'p': schema}, {'p': value} if value is not None else {},
            param_defaults=defaults, pseudo={'stack_name': 'dummy'})
        return params.validate_output()['p']

    def test_pinned_number_parameter(self):
        params = parameters.Parameters({'the_count': {'type': 'number'}},
                                       pseudo={'stack_name': 'dummy'})
        self.assertEqual({'the_count': {'Description': '',
                                        'Label': 'the_count',
                                        'NoEcho': 'false',
                                        'Type': 'Number'}},
                         params.validate_output())

    CASES = [
        ('default_raw', {'type': 'number', 'default': 10,
                         'description': 'the param description'}, None,
         {'Default': 10, 'Description': 'the param description',
          'Label': 'p', 'NoEcho': 'false', 'Type': 'Number'}),
        ('value_shown', {'type': 'number', 'default': 10}, 5,
         {'Default': 10, 'Value': 5, 'Description': '', 'Label': 'p',
          'NoEcho': 'false', 'Type': 'Number'}),
        ('hidden_shown_as_upstream', {'type': 'string', 'default': 'secret',
                                      'hidden': True}, None,
         {'Default': 'secret', 'Description': '', 'Label': 'p',
          'NoEcho': 'true', 'Type': 'String'}),
        ('label_and_tags', {'type': 'json', 'label': 'My P',
                            'tags': ['a']}, None,
         {'Description': '', 'Label': 'My P', 'NoEcho': 'false',
          'Type': 'Json', 'Tags': ['a']}),
        ('constraints', {'type': 'string', 'constraints': [
            {'length': {'min': 1, 'max': 8}, 'description': 'short'},
            {'allowed_values': ['a', 'b']},
            {'allowed_pattern': '[a-z]', 'description': 'lower'},
            {'custom_constraint': 'nova.keypair'}]}, None,
         {'Description': '', 'Label': 'p', 'NoEcho': 'false',
          'Type': 'String', 'MinLength': 1, 'MaxLength': 8,
          'AllowedValues': ['a', 'b'], 'AllowedPattern': '[a-z]',
          'CustomConstraint': 'nova.keypair',
          'ConstraintDescription': 'short lower'}),
        ('number_constraints', {'type': 'number', 'constraints': [
            {'range': {'min': 1}},
            {'modulo': {'step': 2, 'offset': 1}}]}, None,
         {'Description': '', 'Label': 'p', 'NoEcho': 'false',
          'Type': 'Number', 'MinValue': 1, 'Step': 2, 'Offset': 1}),
        ('list_type', {'type': 'comma_delimited_list'}, None,
         {'Description': '', 'Label': 'p', 'NoEcho': 'false',
          'Type': 'CommaDelimitedList'}),
    ]

    def test_cases(self):
        for name, schema, value, expected in self.CASES:
            self.assertEqual(expected, self._output(schema, value), name)

    def test_parameter_defaults_shown_as_default(self):
        out = self._output({'type': 'string', 'default': 'a'},
                           defaults={'p': 'b'})
        self.assertEqual('b', out['Default'])

    def test_cfn_output(self):
        params = parameters.Parameters(
            {'p': {'Type': 'String', 'NoEcho': 'true', 'MinLength': '2',
                   'ConstraintDescription': 'cd'}},
            template_type='cfn', pseudo={'stack_name': 'dummy'})
        self.assertEqual({'p': {'Description': '', 'Label': 'p',
                                'NoEcho': 'true', 'Type': 'String',
                                'MinLength': 2,
                                'ConstraintDescription': 'cd'}},
                         params.validate_output())

    def test_mask_hidden_masks_the_user_value_not_the_default(self):
        params = parameters.Parameters(
            {'p': {'type': 'string', 'default': 'secret', 'hidden': True}},
            {'p': 'other'})
        out = params.validate_output(mask_hidden=True)['p']
        self.assertEqual(('secret', '******'), (out['Default'],
                                                out['Value']))


class TestBadDefaults(base.TestCase):
    """schema -> InvalidSchemaError text of Parameter.validate."""

    CASES = [
        ('list_default_not_text', {'type': 'comma_delimited_list',
                                   'default': 0},
         "Parameter 'p' is invalid: Default must be a comma-delimited list "
         "string: 'int' object has no attribute 'split'"),
        ('json_default_garbage', {'type': 'json', 'default': '{x'},
         "Parameter 'p' is invalid: Invalid default {x (Value must be "
         "valid JSON: Expecting property name enclosed in double quotes: "
         "line 1 column 2 (char 1))"),
        ('number_default_out_of_range', {'type': 'number', 'default': 9,
                                         'constraints': [
                                             {'range': {'max': 5}}]},
         "Parameter 'p' is invalid: Invalid default 9 (9 is out of range "
         "(min: None, max: 5))"),
    ]

    def test_cases(self):
        for name, schema, expected in self.CASES:
            p = hot_param(schema)
            err = self.assertRaises(exception.InvalidSchemaError,
                                    p.validate, validate_value=False)
            self.assertEqual(expected, str(err), name)
