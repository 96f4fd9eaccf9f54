"""OS::Heat::RandomString: generation, validation, references, updates,
adopt."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from heat.common import exception
from heat.db import api as db_api
from heat.engine.resources.openstack.heat import random_string
from heat.tests import base
from heat.tests.unit.resources.test_none import StackTestCase

RANDOM = '''
heat_template_version: 2016-10-14
resources:
  rand:
    type: OS::Heat::RandomString
    properties: %s
outputs:
  ref:
    value: {get_resource: rand}
  value:
    value: {get_attr: [rand, value]}
'''


def template(props='{}'):
    return RANDOM % props


class TestGenerate(base.TestCase):
    """The generator alone: lengths, pools and minimums."""

    def test_character_classes(self):
        for name, pool in random_string.CHARACTER_CLASSES.items():
            value = random_string.generate(
                200, [{'class': name, 'min': 1}])
            self.assertEqual(200, len(value))
            self.assertLessEqual(set(value), set(pool), name)

    def test_class_pools(self):
        self.assertEqual(string.digits + 'ABCDEF',
                         random_string.CHARACTER_CLASSES['hexdigits'])
        self.assertEqual('01234567',
                         random_string.CHARACTER_CLASSES['octdigits'])

    def test_minimums_are_honoured(self):
        for _ in range(50):
            value = random_string.generate(
                10, [{'class': 'lowercase', 'min': 3}],
                [{'sequence': '!', 'min': 4}, {'sequence': '#', 'min': 2}])
            self.assertEqual(10, len(value))
            self.assertGreaterEqual(value.count('!'), 4)
            self.assertGreaterEqual(value.count('#'), 2)
            self.assertGreaterEqual(
                sum(c in string.ascii_lowercase for c in value), 3)

    @settings(max_examples=100, deadline=None)
    @given(classes=st.lists(st.tuples(
               st.sampled_from(sorted(random_string.CHARACTER_CLASSES)),
               st.integers(1, 5)), max_size=3),
           sequences=st.lists(st.tuples(
               st.text(st.characters(blacklist_categories=('Cs',)),
                       min_size=1, max_size=4),
               st.integers(1, 5)), max_size=3),
           extra=st.integers(0, 20))
    def test_length_and_minimums_for_any_input(self, classes, sequences,
                                               extra):
        length = sum(n for _, n in classes + sequences) + extra or 1
        value = random_string.generate(
            length, [{'class': c, 'min': n} for c, n in classes],
            [{'sequence': q, 'min': n} for q, n in sequences])
        self.assertEqual(length, len(value))
        allowed = set(''.join(q for q, _ in sequences))
        allowed.update(*(random_string.CHARACTER_CLASSES[c]
                         for c, _ in classes))
        if not classes and not sequences:
            allowed = set(random_string.CHARACTER_CLASSES['lettersdigits'])
        self.assertLessEqual(set(value), allowed)
        for chars, count in sequences:
            self.assertGreaterEqual(sum(c in chars for c in value), count)

    def test_values_differ(self):
        values = {random_string.generate(32, [{'class': 'lettersdigits',
                                               'min': 1}])
                  for _ in range(20)}
        self.assertEqual(20, len(values))


class TestRandomString(StackTestCase):

    def value(self, stack):
        return stack.outputs()['value']

    def test_defaults_32_letters_and_digits(self):
        stack = self.create(template())
        value = self.value(stack)
        self.assertEqual(32, len(value))
        self.assertLessEqual(set(value),
                             set(string.ascii_letters + string.digits))

    def test_properties_shape_the_value(self):
        # (case, properties, length, allowed characters)
        table = [
            ('length', '{length: 7}', 7, string.ascii_letters +
             string.digits),
            ('one class', '{length: 40, character_classes: '
             '[{class: digits}]}', 40, string.digits),
            ('two classes', '{length: 40, character_classes: '
             '[{class: lowercase, min: 5}, {class: octdigits, min: 5}]}',
             40, string.ascii_lowercase + string.octdigits),
            ('sequences and the default class', '{length: 12, '
             'character_sequences: [{sequence: "!@", min: 3}]}', 12,
             string.ascii_letters + string.digits + '!@'),
            ('hidden sequence property', '{length: 20, sequence: '
             'uppercase}', 20, string.ascii_uppercase),
        ]
        for case, props, length, allowed in table:
            stack = self.create(template(props))
            self.assertState(('CREATE', 'COMPLETE'), stack)
            value = self.value(stack)
            self.assertEqual(length, len(value), case)
            self.assertLessEqual(set(value), set(allowed), case)

    def test_sequence_minimum_is_honoured(self):
        stack = self.create(template(
            '{length: 12, character_sequences: [{sequence: "!", min: 5}]}'))
        self.assertGreaterEqual(self.value(stack).count('!'), 5)

    def test_validation_errors(self):
        table = [
            ('length: BAD', "{length: BAD}",
             "resources.rand.properties.length: Value 'BAD' is not an "
             "integer"),
            ('length 0', '{length: 0}',
             'resources.rand.properties.length: 0 is out of range '
             '(min: 1, max: 512)'),
            ('length 513', '{length: 513}',
             'resources.rand.properties.length: 513 is out of range '
             '(min: 1, max: 512)'),
            ('unknown class', '{character_classes: [{class: emoji}]}',
             'resources.rand.properties.character_classes[0].class: '
             '"emoji" is not an allowed value'),
            ('sequence without chars', '{character_sequences: [{min: 1}]}',
             'Property sequence not assigned'),
            ('minimums over length', '{length: 4, character_classes: '
             '[{class: digits, min: 3}], character_sequences: '
             '[{sequence: "!", min: 2}]}',
             'resources.rand.properties: Length property cannot be smaller '
             'than combined character class and character sequence '
             'minimums'),
            ('unknown property', '{size: 3}',
             'resources.rand.properties: Unknown Property size'),
        ]
        for case, props, message in table:
            stack = self.parse(template(props))
            exc = self.assertRaises(exception.StackValidationFailed,
                                    stack.validate)
            self.assertIn(message, str(exc), case)

    def test_reference_is_the_value_once_created(self):
        stack = self.parse(template())
        rsrc = stack.resources['rand']
        self.assertEqual('rand', rsrc.FnGetRefId())
        stack.create()
        self.assertEqual(self.value(stack), rsrc.FnGetRefId())
        self.assertEqual(self.value(stack), stack.outputs()['ref'])
        self.assertRegex(rsrc.resource_id, r'^teststack-rand-[a-z0-9]{12}$')

    def test_value_is_stored_redacted(self):
        stack = self.create(template())
        rsrc = stack.resources['rand']
        self.assertEqual({'value': db_api.REDACTED},
                         db_api.resource_data_get_all(self.ctx, rsrc.id))
        self.assertEqual(self.value(stack),
                         db_api.resource_data_get(self.ctx, rsrc.id,
                                                  'value'))

    def test_value_survives_reload(self):
        stack = self.create(template())
        self.assertEqual(self.value(stack), self.value(self.load(stack)))

    def test_update_replaces_with_a_new_value(self):
        # Nothing updates in place: salt (meant for it) and length alike.
        stack = self.create(template('{salt: a}'))
        old = self.value(stack)
        for props in ('{salt: b}', '{salt: b, length: 10}'):
            self.update(stack, template(props))
            self.assertState(('UPDATE', 'COMPLETE'), stack)
            new = self.value(self.load(stack))
            self.assertNotEqual(old, new, props)
            old = new
        self.assertEqual(10, len(old))

    def test_update_without_change_keeps_the_value(self):
        stack = self.create(template('{salt: a}'))
        old = self.value(stack)
        self.update(stack, template('{salt: a}'))
        self.assertEqual(old, self.value(self.load(stack)))

    def test_adopt_takes_the_value_from_resource_data(self):
        stack = self.parse(template(), adopt_stack_data={'resources': {
            'rand': {'resource_id': 'old-id', 'type': 'OS::Heat::RandomString',
                     'resource_data': {'value': 'adopted-secret'}}}})
        stack.adopt()
        self.assertState(('ADOPT', 'COMPLETE'), stack)
        self.assertEqual('adopted-secret', self.value(stack))
        self.assertEqual('adopted-secret', stack.outputs()['ref'])
        rsrc = stack.resources['rand']
        self.assertEqual({'value': db_api.REDACTED},
                         db_api.resource_data_get_all(self.ctx, rsrc.id))
