"""Property schemas and values: types, defaults, constraints, paths."""

from heat.common import exception
from heat.engine import constraints as constr
from heat.engine import parameters, properties
from heat.tests import base

S = properties.Schema


def props(schema, data, name='r'):
    return properties.Properties(schema, data, parent_name=name)


def validation_error(test, schema, data):
    return test.assertRaises(exception.StackValidationFailed,
                             props(schema, data).validate)


class TestTypes(base.TestCase):

    # (type, raw value, typed value)
    GOOD = [
        (S.INTEGER, 3, 3),
        (S.INTEGER, '42', 42),
        (S.INTEGER, 3.7, 3),
        (S.NUMBER, '1.5', 1.5),
        (S.NUMBER, '7', 7),
        (S.NUMBER, 2.5, 2.5),
        (S.STRING, 'x', 'x'),
        (S.STRING, 12, '12'),
        (S.BOOLEAN, True, True),
        (S.BOOLEAN, 'false', False),
        (S.BOOLEAN, 'TRUE', True),
        (S.LIST, ['a', 1], ['a', 1]),
        (S.MAP, {'k': 'v'}, {'k': 'v'}),
        (S.ANY, {'k': [1]}, {'k': [1]}),
    ]

    # (type, raw value, upstream message)
    BAD = [
        (S.INTEGER, 'BAD', "Value 'BAD' is not an integer"),
        (S.INTEGER, '3.0', "Value '3.0' is not an integer"),
        (S.INTEGER, [1], "Value '[1]' is not an integer"),
        (S.NUMBER, 'BAD', "Value 'BAD' is not a number"),
        (S.BOOLEAN, 'maybe', '"maybe" is not a valid boolean'),
        (S.BOOLEAN, 3, '"3" is not a valid boolean'),
        (S.STRING, ['a'], "Value must be a string; got ['a']"),
        (S.STRING, {'a': 1}, "Value must be a string; got {'a': 1}"),
        (S.LIST, 'abc', '"\'abc\'" is not a list'),
        (S.LIST, {'a': 1}, '"{\'a\': 1}" is not a list'),
        (S.MAP, 'abc', '"abc" is not a map'),
        (S.MAP, [1], '"[1]" is not a map'),
    ]

    def test_values_are_converted_to_the_type(self):
        for kind, raw, typed in self.GOOD:
            p = props({'p': S(kind)}, {'p': raw})
            p.validate()
            self.assertEqual(typed, p['p'], (kind, raw))

    def test_wrong_values_fail_with_upstream_message_and_path(self):
        for kind, raw, message in self.BAD:
            err = validation_error(self, {'p': S(kind)}, {'p': raw})
            self.assertEqual(message, err.error_message, (kind, raw))
            self.assertEqual(['resources', 'r', 'properties', 'p'],
                             err.path)
            self.assertEqual('Property error', err.error)
            self.assertEqual('resources.r.properties.p: ' + message,
                             str(err))

    def test_access_of_a_wrong_value_raises_too(self):
        p = props({'p': S(S.INTEGER)}, {'p': 'BAD'})
        err = self.assertRaises(exception.StackValidationFailed,
                                lambda: p['p'])
        self.assertEqual("resources.r.properties.p: Value 'BAD' is not an "
                         "integer", str(err))

    def test_unknown_type_is_a_schema_error(self):
        self.assertRaises(exception.InvalidSchemaError, S, 'Float')


class TestPresence(base.TestCase):

    def test_default_fills_an_absent_value(self):
        p = props({'p': S(S.INTEGER, default=5)}, {})
        self.assertEqual(5, p['p'])

    def test_absent_optional_value_is_none(self):
        self.assertIsNone(props({'p': S(S.STRING)}, {})['p'])

    def test_explicit_null_is_the_default_or_the_empty_value(self):
        cases = [(S(S.STRING), ''), (S(S.INTEGER), 0), (S(S.LIST), []),
                 (S(S.MAP), {}), (S(S.BOOLEAN), False),
                 (S(S.STRING, default='d'), 'd')]
        for schema, expected in cases:
            self.assertEqual(expected, props({'p': schema}, {'p': None})['p'])

    def test_missing_required_value_is_reported_at_the_properties(self):
        err = validation_error(self, {'p': S(S.STRING, required=True)}, {})
        self.assertEqual('Property p not assigned', err.error_message)
        self.assertEqual('resources.r.properties: Property p not assigned',
                         str(err))

    def test_unknown_property_is_reported(self):
        err = validation_error(self, {'p': S(S.STRING)}, {'q': 1})
        self.assertEqual('resources.r.properties: Unknown Property q',
                         str(err))
        self.assertEqual('Property error', err.error)

    def test_unimplemented_property_is_reported(self):
        schema = {'p': S(S.STRING, implemented=False)}
        err = validation_error(self, schema, {'p': 'x'})
        self.assertEqual('Property p not implemented yet', err.error_message)

    def test_mapping_interface(self):
        p = props({'a': S(S.STRING), 'b': S(S.INTEGER, default=1)},
                  {'a': 'x'})
        self.assertEqual(['a', 'b'], sorted(p))
        self.assertEqual(2, len(p))
        self.assertIn('a', p)
        self.assertEqual({'a': 'x', 'b': 1}, p.typed())
        self.assertRaises(KeyError, lambda: p['zz'])

    def test_path_follows_the_definition(self):
        p = properties.Properties({'p': S(S.INTEGER)}, {'p': 'x'},
                                  parent_name='r',
                                  path=['Resources', 'r', 'Properties'])
        err = self.assertRaises(exception.StackValidationFailed, p.validate)
        self.assertEqual('Resources.r.Properties.p', exception.format_path(
            err.path))


class TestConstraints(base.TestCase):

    CASES = [
        (S(S.INTEGER, constraints=[constr.Range(1, 10)]), 11,
         '11 is out of range (min: 1, max: 10)'),
        (S(S.STRING, constraints=[constr.Length(max=2)]), 'abc',
         'length (3) is out of range (min: None, max: 2)'),
        (S(S.STRING, constraints=[constr.AllowedValues(['a', 'b'])]), 'c',
         '"c" is not an allowed value [a, b]'),
        (S(S.STRING, constraints=[constr.AllowedPattern('[a-z]+')]), 'A1',
         '"A1" does not match pattern "[a-z]+"'),
        (S(S.STRING, constraints=[constr.CustomConstraint('ip_addr')]),
         'nope', None),
        (S(S.STRING, constraints=[
            constr.AllowedValues(['a'], description='pick a')]), 'z',
         'pick a'),
    ]

    def test_constraints_apply_with_their_messages(self):
        for schema, value, message in self.CASES:
            err = validation_error(self, {'p': schema}, {'p': value})
            if message is not None:
                self.assertEqual(message, err.error_message)
            self.assertEqual(['resources', 'r', 'properties', 'p'],
                             err.path)

    def test_values_within_constraints_pass(self):
        schema = {'p': S(S.NUMBER, constraints=[constr.Range(1, 10)])}
        props(schema, {'p': '5'}).validate()

    def test_allowed_numbers_compare_as_numbers(self):
        schema = {'p': S(S.INTEGER,
                         constraints=[constr.AllowedValues([1, 2])])}
        props(schema, {'p': '2'}).validate()

    def test_cloud_constraint_is_not_failed_without_a_cloud(self):
        schema = {'p': S(S.STRING, constraints=[
            constr.CustomConstraint('glance.image')])}
        props(schema, {'p': 'cirros'}).validate()

    def test_constraint_must_suit_the_type(self):
        self.assertRaises(exception.InvalidSchemaError, S, S.BOOLEAN,
                          constraints=[constr.Length(max=1)])


class TestNested(base.TestCase):

    PORT = S(S.MAP, schema={'port': S(S.INTEGER, required=True),
                            'name': S(S.STRING, default='p')})

    def test_list_of_maps_is_typed_with_defaults(self):
        schema = {'ports': S(S.LIST, schema=self.PORT)}
        p = props(schema, {'ports': [{'port': '80'}]})
        p.validate()
        self.assertEqual([{'port': 80, 'name': 'p'}], p['ports'])

    def test_errors_inside_carry_the_nested_path(self):
        schema = {'ports': S(S.LIST, schema=self.PORT)}
        cases = [
            ([{'port': 'x'}], "resources.r.properties.ports[0].port: "
                              "Value 'x' is not an integer"),
            ([{'port': 1}, {'port': 2, 'bad': 1}],
             'resources.r.properties.ports[1]: Unknown Property bad'),
            ([{'port': 1}, {}],
             'resources.r.properties.ports[1]: Property port not '
             'assigned'),
        ]
        for value, message in cases:
            err = validation_error(self, schema, {'ports': value})
            self.assertEqual(message, str(err))

    def test_list_schema_given_as_mapping_describes_each_item(self):
        schema = {'l': S(S.LIST, schema={'k': S(S.INTEGER)})}
        self.assertEqual([{'k': 1}], props(schema, {'l': [{'k': '1'}]})['l'])

    def test_map_schema(self):
        schema = {'m': S(S.MAP, schema={'k': S(S.BOOLEAN)})}
        self.assertEqual({'k': True}, props(schema, {'m': {'k': 'true'}})['m'])
        err = validation_error(self, schema, {'m': {'k': 'x'}})
        self.assertEqual('resources.r.properties.m.k: "x" is not a valid '
                         'boolean', str(err))

    def test_items_of_a_typed_list(self):
        schema = {'l': S(S.LIST, schema=S(S.INTEGER))}
        err = validation_error(self, schema, {'l': [1, 'b']})
        self.assertEqual(
            "resources.r.properties.l[1]: Value 'b' is not an integer",
            str(err))


class TestFromParam(base.TestCase):

    def param(self, body):
        return parameters.Schema.from_dict('p', body)

    def test_types_map_to_property_types(self):
        cases = [('string', S.STRING), ('number', S.NUMBER),
                 ('boolean', S.BOOLEAN), ('comma_delimited_list', S.LIST),
                 ('json', S.MAP)]
        for ptype, expected in cases:
            schema = S.from_param(self.param({'type': ptype}))
            self.assertEqual(expected, schema.type)
            self.assertTrue(schema.update_allowed)

    def test_required_unless_default(self):
        self.assertTrue(S.from_param(self.param({'type': 'string'}))
                        .required)
        self.assertFalse(S.from_param(
            self.param({'type': 'string', 'default': 'x'})).required)

    def test_constraints_are_kept(self):
        schema = S.from_param(self.param({
            'type': 'number', 'constraints': [{'range': {'max': 3}}]}))
        err = validation_error(self, {'p': schema}, {'p': 4})
        self.assertEqual('4 is out of range (min: None, max: 3)',
                         err.error_message)

    def test_list_and_json_accept_text(self):
        lst = S.from_param(self.param({'type': 'comma_delimited_list'}))
        self.assertEqual(['a', 'b'], props({'p': lst}, {'p': 'a,b'})['p'])
        js = S.from_param(self.param({'type': 'json'}))
        self.assertEqual('[{"a": 1}]', props({'p': js},
                                              {'p': [{'a': 1}]})['p'])


class TestResolution(base.TestCase):

    def test_values_are_resolved_on_access(self):
        calls = []

        def resolver(value):
            calls.append(value)
            return value.upper() if isinstance(value, str) else value

        p = properties.Properties({'p': S(S.STRING)}, {'p': 'x'},
                                  resolver=resolver, parent_name='r')
        self.assertEqual('X', p['p'])
        self.assertEqual('X', p['p'])
        self.assertEqual(['x', 'x'], calls)

    def test_resolution_errors_are_property_errors(self):
        def resolver(value):
            raise ValueError('boom')

        p = properties.Properties({'p': S(S.STRING)}, {'p': 'x'},
                                  resolver=resolver, parent_name='r')
        err = self.assertRaises(exception.StackValidationFailed, p.validate)
        self.assertEqual('resources.r.properties.p: boom', str(err))

    def test_update_allowed_and_immutable_sets(self):
        p = props({'a': S(S.STRING, update_allowed=True),
                   'b': S(S.STRING, immutable=True), 'c': S(S.STRING)}, {})
        self.assertEqual({'a'}, p.update_allowed_set())
        self.assertEqual({'b'}, p.immutable_set())


class TestSchemaDescription(base.TestCase):

    def test_to_dict(self):
        schema = S(S.LIST, 'ports', required=True, update_allowed=True,
                   constraints=[constr.Length(min=1)],
                   schema=S(S.MAP, schema={'port': S(S.INTEGER,
                                                     default=80)}))
        self.assertEqual({
            'type': 'list', 'description': 'ports', 'required': True,
            'update_allowed': True, 'immutable': False,
            'constraints': [{'length': {'min': 1}}],
            'schema': {'*': {
                'type': 'map', 'description': '', 'required': False,
                'update_allowed': False, 'immutable': False,
                'schema': {'port': {
                    'type': 'integer', 'description': '', 'default': 80,
                    'required': False, 'update_allowed': False,
                    'immutable': False}}}}}, schema.to_dict())
