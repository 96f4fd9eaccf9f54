"""Conditions: lazy evaluation, references between them, cycles."""

from heat.common import exception
from heat.engine import conditions, function, template
from heat.tests import base
from heat.tests.unit.templates.test_template import Stack


class Counting(function.Function):
    """A condition that counts its evaluations."""

    calls = 0

    def result(self):
        type(self).calls += 1
        return self.args


class Broken(function.Function):

    def result(self):
        raise AssertionError('evaluated although nobody asked')


def stack_of(conds, params=None, version='2016-10-14'):
    tmpl = template.Template.create({
        'heat_template_version': version,
        'parameters': {'env': {'type': 'string', 'default': 'prod'}},
        'conditions': conds})
    return Stack(tmpl, params)


class IsEnabledTest(base.TestCase):

    def test_none_and_booleans(self):
        conds = conditions.Conditions({})
        self.assertTrue(conds.is_enabled(None))
        self.assertTrue(conds.is_enabled(True))
        self.assertFalse(conds.is_enabled(False))

    def test_unknown_names_are_value_errors(self):
        conds = conditions.Conditions({'a': True})
        for name in ('b', 1, ['a']):
            ex = self.assertRaises(ValueError, conds.is_enabled, name)
            self.assertEqual('Invalid condition "%s"' % (name,), str(ex))

    def test_definitions_must_be_a_map(self):
        ex = self.assertRaises(exception.StackValidationFailed,
                               conditions.Conditions, ['a'])
        self.assertEqual('conditions: Condition definitions must be a map. '
                         'Found a list instead', str(ex))

    def test_evaluated_once_and_lazily(self):
        Counting.calls = 0
        conds = conditions.Conditions({
            'a': Counting(None, 'c', True), 'never': Broken(None, 'b', 1)})
        self.assertTrue(conds.is_enabled('a'))
        self.assertTrue(conds.is_enabled('a'))
        self.assertEqual(1, Counting.calls)

    def test_result_must_be_boolean(self):
        conds = conditions.Conditions({'a': Counting(None, 'c', 'yes')})
        ex = self.assertRaises(exception.StackValidationFailed,
                               conds.is_enabled, 'a')
        self.assertEqual(['conditions', 'a'], ex.path)
        self.assertIn('evaluates to \'yes\', not a boolean', str(ex))


class TemplateConditionsTest(base.TestCase):

    CASES = [
        # name, definitions, user params, {condition: expected}
        ('literals', {'t': True, 'f': False}, {},
         {'t': True, 'f': False}),
        ('equals_param', {'prod': {'equals': [{'get_param': 'env'},
                                              'prod']}}, {},
         {'prod': True}),
        ('user_value', {'prod': {'equals': [{'get_param': 'env'},
                                            'prod']}}, {'env': 'dev'},
         {'prod': False}),
        ('reference_by_name', {'prod': True, 'dev': {'not': 'prod'}}, {},
         {'dev': False}),
        ('and_or', {'a': True, 'b': False, 'both': {'and': ['a', 'b']},
                    'either': {'or': ['a', 'b']}}, {},
         {'both': False, 'either': True}),
        ('chain', {'a': {'not': 'b'}, 'b': {'not': 'c'}, 'c': True}, {},
         {'a': True, 'b': False}),
    ]

    def test_values(self):
        for name, defs, params, expected in self.CASES:
            stack = stack_of(defs, params)
            conds = stack.t.conditions(stack)
            conds.validate()
            for cond, value in expected.items():
                self.assertEqual(value, conds.is_enabled(cond),
                                 (name, cond))

    CYCLES = [
        ('self', {'a': {'not': 'a'}}, 'a', 'a -> a'),
        ('pair', {'a': {'not': 'b'}, 'b': {'not': 'a'}}, 'a',
         'a -> b -> a'),
        ('triangle', {'a': {'and': [True, 'b']}, 'b': {'or': ['c', False]},
                      'c': {'not': 'a'}}, 'a', 'a -> b -> c -> a'),
    ]

    def test_cycles_name_the_chain(self):
        for name, defs, start, chain in self.CYCLES:
            stack = stack_of(defs)
            conds = stack.t.conditions(stack)
            ex = self.assertRaises(exception.StackValidationFailed,
                                   conds.is_enabled, start)
            self.assertIn('Circular definition for condition "%s" (%s)'
                          % (start, chain), str(ex), name)
            self.assertEqual(['conditions', start], ex.path[:2], name)
            # a failed evaluation leaves nothing half-done behind
            self.assertRaises(exception.StackValidationFailed,
                              conds.is_enabled, start)

    def test_invalid_definitions(self):
        cases = [
            ('string', {'a': 'b'},
             'conditions.a: The definition of condition "a" is invalid: b'),
            ('number', {'a': 1},
             'conditions.a: The definition of condition "a" is invalid: 1'),
            ('not_a_condition_function', {'a': {'get_resource': 'r'}},
             'conditions.a.get_resource: The function "get_resource" is '
             'invalid in this context'),
        ]
        for name, defs, message in cases:
            stack = stack_of(defs)
            ex = self.assertRaises(exception.StackValidationFailed,
                                   stack.t.conditions(stack).validate)
            self.assertEqual(message, str(ex), name)

    def test_reference_to_an_unknown_condition(self):
        stack = stack_of({'a': {'not': 'nope'}})
        ex = self.assertRaises(exception.StackValidationFailed,
                               stack.t.conditions(stack).is_enabled, 'a')
        self.assertEqual(['conditions', 'a'], ex.path[:2])
        self.assertIn('Invalid condition "nope"', str(ex))

    def test_a_broken_condition_nobody_uses_is_not_evaluated(self):
        stack = stack_of({'bad': {'not': 'nope'}, 'good': True})
        self.assertTrue(stack.t.conditions(stack).is_enabled('good'))

    def test_cached_per_stack(self):
        stack = stack_of({'a': True})
        self.assertIs(stack.t.conditions(stack), stack.t.conditions(stack))
        other = Stack(stack.t)
        self.assertIsNot(stack.t.conditions(stack),
                         stack.t.conditions(other))

    def test_cfn_conditions(self):
        tmpl = template.Template.create({
            'AWSTemplateFormatVersion': '2010-09-09',
            'Parameters': {'Env': {'Type': 'String', 'Default': 'prod'}},
            'Conditions': {'Prod': {'Fn::Equals': [{'Ref': 'Env'},
                                                   'prod']},
                           'Dev': {'Fn::Not': ['Prod']},
                           'Any': {'Fn::Or': ['Prod', 'Dev']}}})
        stack = Stack(tmpl)
        conds = tmpl.conditions(stack)
        conds.validate()
        self.assertEqual((True, False, True),
                         (conds.is_enabled('Prod'), conds.is_enabled('Dev'),
                          conds.is_enabled('Any')))
