"""OS::Heat::Value: its value, typed by ``type``, as attribute."""

from heat.common import exception
from heat.tests.unit.resources.test_none import StackTestCase

VALUE = '''
heat_template_version: 2016-10-14
resources:
  val:
    type: OS::Heat::Value
    properties: %s
outputs:
  value:
    value: {get_attr: [val, value]}
'''


def template(props):
    return VALUE % props


class TestValue(StackTestCase):

    def test_value_typed_by_type(self):
        # (case, type, value as YAML, attribute)
        table = [
            ('none given, anything goes', None, '{a: [1, x]}',
             {'a': [1, 'x']}),
            ('string from a number', 'string', '42', '42'),
            ('number from text', 'number', '"42"', 42),
            ('float number', 'number', '"4.5"', 4.5),
            ('boolean from text', 'boolean', '"yes"', True),
            ('json', 'json', '{a: 1}', {'a': 1}),
            ('comma_delimited_list', 'comma_delimited_list', '[a, b]',
             ['a', 'b']),
        ]
        for case, kind, value, expected in table:
            props = '{value: %s%s}' % (
                value, ', type: %s' % kind if kind else '')
            stack = self.create(template(props))
            self.assertState(('CREATE', 'COMPLETE'), stack)
            self.assertEqual(expected, stack.outputs()['value'], case)

    def test_value_from_other_resources(self):
        stack = self.create('''
heat_template_version: 2016-10-14
resources:
  rand:
    type: OS::Heat::RandomString
  val:
    type: OS::Heat::Value
    properties:
      value: {list_join: ['-', [{get_resource: rand}, x]]}
outputs:
  value:
    value: {get_attr: [val, value]}
''')
        rand = stack.resources['rand'].FnGetRefId()
        self.assertEqual(rand + '-x', stack.outputs()['value'])

    def test_validation_errors(self):
        table = [
            ('no value', '{type: string}',
             'resources.val.properties: Property value not assigned'),
            ('bad type', '{value: 1, type: bogus}',
             'resources.val.properties.type: "bogus" is not an allowed '
             'value'),
            ('not a number', '{value: BAD, type: number}',
             "resources.val.properties.value: Value 'BAD' is not a "
             "number"),
            ('not a boolean', '{value: maybe, type: boolean}',
             'resources.val.properties.value: "maybe" is not a valid '
             'boolean'),
            ('not a map', '{value: [1], type: json}',
             'resources.val.properties.value: "[1]" is not a map'),
        ]
        for case, props, message in table:
            stack = self.parse(template(props))
            exc = self.assertRaises(exception.StackValidationFailed,
                                    stack.validate)
            self.assertIn(message, str(exc), case)

    def test_updates_in_place(self):
        stack = self.create(template('{value: one}'))
        physical = stack.resources['val'].resource_id
        for props, expected in (('{value: two}', 'two'),
                                ('{value: "3", type: number}', 3)):
            self.update(stack, template(props))
            self.assertState(('UPDATE', 'COMPLETE'), stack)
            loaded = self.load(stack)
            self.assertEqual(physical, loaded.resources['val'].resource_id)
            self.assertEqual(expected, loaded.outputs()['value'])

    def test_reference_is_the_physical_name(self):
        stack = self.create(template('{value: x}'))
        rsrc = stack.resources['val']
        self.assertRegex(rsrc.FnGetRefId(), r'^teststack-val-[a-z0-9]{12}$')
