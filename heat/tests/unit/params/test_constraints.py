"""Constraints: definitions, checks, messages and the custom registry."""

import hypothesis
from hypothesis import strategies as st

from heat.common import exception
from heat.engine import constraints as constr
from heat.tests import base


def _error(constraint, value):
    try:
        constraint.validate(value)
    except ValueError as exc:
        return str(exc)
    return None


class TestConstraintChecks(base.TestCase):
    """One row per case: constraint, value, expected error (None: ok)."""

    CASES = [
        ('range_inside', constr.Range(1, 5), 3, None),
        ('range_min_edge', constr.Range(1, 5), 1, None),
        ('range_max_edge', constr.Range(1, 5), 5, None),
        ('range_below', constr.Range(1, 5), 0,
         '0 is out of range (min: 1, max: 5)'),
        ('range_above_text', constr.Range(1, 5), '6',
         '6 is out of range (min: 1, max: 5)'),
        ('range_min_only', constr.Range(min=2), 1,
         '1 is out of range (min: 2, max: None)'),
        ('range_float', constr.Range(0.5, 1.5), '1.0', None),
        ('range_description_wins', constr.Range(1, 2, 'one or two'), 3,
         'one or two'),
        ('length_ok', constr.Length(2, 3), 'abc', None),
        ('length_short', constr.Length(2, 3), 'a',
         'length (1) is out of range (min: 2, max: 3)'),
        ('length_list', constr.Length(max=1), ['a', 'b'],
         'length (2) is out of range (min: None, max: 1)'),
        ('length_map', constr.Length(min=1), {},
         'length (0) is out of range (min: 1, max: None)'),
        ('modulo_ok', constr.Modulo(2, 1), 7, None),
        ('modulo_text_ok', constr.Modulo(2, 0), '8', None),
        ('modulo_bad', constr.Modulo(2, 1), 4,
         '4 is not a multiple of 2 with an offset of 1)'),
        ('allowed_ok', constr.AllowedValues(['a', 'b']), 'a', None),
        ('allowed_bad', constr.AllowedValues(['a', 'b']), 'c',
         '"c" is not an allowed value [a, b]'),
        ('allowed_list_all_in', constr.AllowedValues(['a', 'b']),
         ['a', 'b', 'a'], None),
        ('allowed_list_one_out', constr.AllowedValues(['a', 'b']),
         ['a', 'z'], '"[\'a\', \'z\']" is not an allowed value [a, b]'),
        ('pattern_full_match', constr.AllowedPattern('[a-z]*'), 'abc', None),
        ('pattern_bad_prefix', constr.AllowedPattern('[a-z]*'), '1abc',
         '"1abc" does not match pattern "[a-z]*"'),
        ('pattern_bad_suffix', constr.AllowedPattern('[a-z]*'), 'abc1',
         '"abc1" does not match pattern "[a-z]*"'),
        ('custom_unknown', constr.CustomConstraint('no.such'), 'x',
         '"x" does not validate no.such (constraint not found)'),
        ('custom_ip_ok', constr.CustomConstraint('ip_addr'), '10.0.0.1',
         None),
        ('custom_ip_bad', constr.CustomConstraint('ip_addr'), '10.0.0',
         '"10.0.0" does not validate ip_addr'),
        ('custom_cidr_ok', constr.CustomConstraint('net_cidr'),
         '10.0.0.0/24', None),
        ('custom_cidr_bad', constr.CustomConstraint('net_cidr'),
         '10.0.0.1', '"10.0.0.1" does not validate net_cidr'),
        ('custom_mac_ok', constr.CustomConstraint('mac_addr'),
         'fa:16:3e:00:00:01', None),
        ('custom_iso_ok', constr.CustomConstraint('iso_8601'),
         '2016-07-11T12:00:00Z', None),
        ('custom_iso_bad', constr.CustomConstraint('iso_8601'), 'soon',
         '"soon" does not validate iso_8601'),
        ('custom_timezone_ok', constr.CustomConstraint('timezone'),
         'Europe/Paris', None),
        ('custom_timezone_bad', constr.CustomConstraint('timezone'),
         'Mars/Olympus', '"Mars/Olympus" does not validate timezone'),
        ('custom_cron_ok', constr.CustomConstraint('cron_expression'),
         '0 * * * *', None),
        ('custom_cron_bad', constr.CustomConstraint('cron_expression'),
         'every hour', '"every hour" does not validate cron_expression'),
        ('custom_dns_ok', constr.CustomConstraint('dns_name'),
         'www.example.com.', None),
        ('custom_dns_bad', constr.CustomConstraint('dns_name'), '-bad-',
         '"-bad-" does not validate dns_name'),
        ('custom_description_wins',
         constr.CustomConstraint('ip_addr', 'an IP please'), 'x',
         'an IP please'),
    ]

    def test_cases(self):
        for name, constraint, value, expected in self.CASES:
            self.assertEqual(expected, _error(constraint, value), name)


class TestConstraintDefinitions(base.TestCase):
    """Bad definitions: InvalidSchemaError with upstream's text."""

    CASES = [
        ('range_empty', lambda: constr.Range(),
         'A range constraint must have a min value and/or a max value '
         'specified.'),
        ('range_text', lambda: constr.Range('1', 2),
         'min/max must be numeric'),
        ('length_empty', lambda: constr.Length(),
         'A length constraint must have a min value and/or a max value '
         'specified.'),
        ('length_float', lambda: constr.Length(1.5),
         'min/max length must be integral'),
        ('modulo_missing_offset', lambda: constr.Modulo(step=2),
         'A modulo constraint must have a step value and an offset value '
         'specified.'),
        ('modulo_text', lambda: constr.Modulo('2', 1),
         'step/offset must be numeric'),
        ('modulo_fraction', lambda: constr.Modulo(2.5, 1),
         'step/offset must be integer'),
        ('modulo_zero_step', lambda: constr.Modulo(0, 0),
         'step cannot be 0.'),
        ('modulo_big_offset', lambda: constr.Modulo(2, 2),
         'offset must be smaller (by absolute value) than step.'),
        ('modulo_signs', lambda: constr.Modulo(-3, 1),
         'step and offset must be both positive or both negative.'),
        ('allowed_not_list', lambda: constr.AllowedValues('abc'),
         'AllowedValues must be a list'),
        ('pattern_not_string', lambda: constr.AllowedPattern(5),
         'AllowedPattern must be a string'),
        ('pattern_bad_regex', lambda: constr.AllowedPattern('(a'),
         'Invalid pattern "(a": missing ), unterminated subpattern at '
         'position 0'),
    ]

    def test_cases(self):
        for name, make, expected in self.CASES:
            err = self.assertRaises(exception.InvalidSchemaError, make)
            self.assertEqual(expected, str(err), name)


class TestConstraintKinds(base.TestCase):

    def test_valid_kinds_follow_upstream(self):
        expected = {
            'range': {'number'},
            'length': {'string', 'list', 'map'},
            'modulo': {'number'},
            'allowed_values': {'string', 'number', 'boolean', 'list'},
            'allowed_pattern': {'string'},
            'custom_constraint': {'string', 'number', 'boolean', 'list'},
        }
        for cls in (constr.Range, constr.Length, constr.Modulo,
                    constr.AllowedValues, constr.AllowedPattern,
                    constr.CustomConstraint):
            self.assertEqual(expected[cls.name], set(cls.valid_kinds))

    def test_to_dict_is_the_hot_form(self):
        self.assertEqual({'range': {'min': 1}, 'description': 'd'},
                         constr.Range(min=1, description='d').to_dict())
        self.assertEqual({'modulo': {'step': 2, 'offset': 1}},
                         constr.Modulo(2, 1).to_dict())
        self.assertEqual({'custom_constraint': 'nova.flavor'},
                         constr.CustomConstraint('nova.flavor').to_dict())


class TestCustomRegistry(base.TestCase):

    def _register(self, name, cls):
        constr.register_constraint(name, cls)
        self.addCleanup(constr.unregister_constraint, name)

    def test_registered_class_is_used(self):
        class Even(constr.BaseCustomConstraint):
            def validate(self, value, context=None):
                return int(value) % 2 == 0

        self._register('test.even', Even)
        c = constr.CustomConstraint('test.even')
        self.assertIsNone(_error(c, 4))
        self.assertEqual('"3" does not validate test.even', _error(c, 3))

    def test_checker_error_text_is_used(self):
        class Never(constr.BaseCustomConstraint):
            def validate(self, value, context=None):
                return False

            def error(self, value):
                return 'no %s for you' % value

        self._register('test.never', Never)
        self.assertEqual('no x for you',
                         _error(constr.CustomConstraint('test.never'), 'x'))

    def test_builtin_cloud_constraints_name_their_service(self):
        for name, service in (('glance.image', 'glance'),
                              ('nova.flavor', 'nova'),
                              ('nova.keypair', 'nova'),
                              ('neutron.network', 'neutron'),
                              ('cinder.volume', 'cinder'),
                              ('keystone.project', 'keystone')):
            self.assertEqual(service, constr.cloud_service(name), name)

    def test_common_constraints_are_not_cloud_ones(self):
        for name in constr.COMMON_CONSTRAINTS:
            self.assertIsNone(constr.cloud_service(name), name)
        self.assertIsNone(constr.cloud_service('no.such'))

    def test_cloud_constraint_without_cloud_is_unverifiable(self):
        c = constr.CustomConstraint('glance.image')
        err = self.assertRaises(constr.Unverifiable, c.validate, 'cirros')
        self.assertEqual(('glance.image', 'glance'),
                         (err.constraint, err.service))

    def test_cloud_constraint_with_cloud_asks_it(self):
        class Cloud:
            def __init__(self, known):
                self.known = known
                self.asked = []

            def find_cloud_resource(self, service, resource, value):
                self.asked.append((service, resource, value))
                if value not in self.known:
                    raise exception.EntityNotFound(entity='Image',
                                                   name=value)
                return True

        cloud = Cloud({'cirros'})
        c = constr.CustomConstraint('glance.image')
        c.validate('cirros', context=cloud)
        err = self.assertRaises(ValueError, c.validate, 'nope',
                                context=cloud)
        self.assertEqual("Error validating value 'nope': The Image (nope) "
                         "could not be found.", str(err))
        self.assertEqual([('glance', 'image', 'cirros'),
                          ('glance', 'image', 'nope')], cloud.asked)

    def test_str_to_num(self):
        self.assertEqual(3, constr.str_to_num('3'))
        self.assertIsInstance(constr.str_to_num('3'), int)
        self.assertEqual(3.5, constr.str_to_num('3.5'))
        err = self.assertRaises(ValueError, constr.str_to_num, 'BAD')
        self.assertEqual("could not convert string to float: 'BAD'",
                         str(err))


class TestConstraintProperties(base.TestCase):

    @hypothesis.given(st.integers(1, 50).flatmap(
        lambda step: st.tuples(st.just(step), st.integers(0, step - 1))),
        st.integers(-1000, 1000))
    def test_modulo_agrees_with_python(self, step_offset, value):
        step, offset = step_offset
        ok = _error(constr.Modulo(step, offset), value) is None
        self.assertEqual(value % step == offset, ok)

    @hypothesis.given(st.integers(0, 100).flatmap(
        lambda lo: st.tuples(st.just(lo), st.integers(lo, 200))),
        st.integers(-50, 250))
    def test_range_and_length_agree(self, bounds, n):
        lo, hi = bounds
        in_range = _error(constr.Range(lo, hi), n) is None
        self.assertEqual(lo <= n <= hi, in_range)
        if n >= 0:
            self.assertEqual(in_range,
                             _error(constr.Length(lo, hi), 'x' * n) is None)
