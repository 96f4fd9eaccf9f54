"""Attribute schemas, lazy resolution, caching and paths."""

from heat.engine import attributes
from heat.tests import base

A = attributes.Schema


class TestAttributes(base.TestCase):

    def setUp(self):
        super().setUp()
        self.calls = []

    def resolver(self, name):
        self.calls.append(name)
        return {'cached': 'c%d' % len(self.calls),
                'live': 'l%d' % len(self.calls)}[name]

    def attrs(self):
        return attributes.Attributes(
            'r', {'cached': A('c'), 'live': A('l', cache_mode=A.CACHE_NONE)},
            self.resolver)

    def test_values_are_resolved_only_when_asked(self):
        attrs = self.attrs()
        self.assertEqual([], self.calls)
        self.assertEqual('c1', attrs['cached'])
        self.assertEqual(['cached'], self.calls)

    def test_cache_modes(self):
        attrs = self.attrs()
        self.assertEqual('c1', attrs['cached'])
        self.assertEqual('c1', attrs['cached'])
        self.assertEqual('l2', attrs['live'])
        self.assertEqual('l3', attrs['live'])
        attrs.reset_resolved_values()
        self.assertEqual('c4', attrs['cached'])

    def test_unknown_attribute(self):
        err = self.assertRaises(KeyError, lambda: self.attrs()['nope'])
        self.assertIn('Invalid attribute nope', str(err))

    def test_mapping(self):
        self.assertEqual(['cached', 'live'], sorted(self.attrs()))
        self.assertIn('live', self.attrs())

    def test_base_show_attribute_is_not_cached(self):
        show = attributes.BASE_ATTRIBUTES['show']
        self.assertEqual(A.CACHE_NONE, show.cache_mode)

    def test_to_dict(self):
        self.assertEqual({'description': 'd', 'type': 'map'},
                         A('d', type=A.MAP).to_dict())
        self.assertEqual({'description': 'd'}, A('d').to_dict())

    def test_schema_checks_its_arguments(self):
        self.assertRaises(ValueError, A, 'x', cache_mode='forever')
        self.assertRaises(ValueError, A, 'x', type='Float')
        self.assertRaises(TypeError, attributes.Attributes, 'r',
                          {'a': 'not a schema'}, self.resolver)


class TestSelect(base.TestCase):

    VALUE = {'a': [10, {'b': 'deep'}], 's': 'text'}

    CASES = [
        ((), VALUE),
        (('a',), [10, {'b': 'deep'}]),
        (('a', 0), 10),
        (('a', '1', 'b'), 'deep'),
        (('a', 5), None),
        (('missing',), None),
        (('s', 0), 't'),
        (('s', '0'), None),
        (('a', 0, 'x'), None),
        (('a', 'x'), None),
    ]

    def test_paths_select_inside_the_value(self):
        for path, expected in self.CASES:
            self.assertEqual(
                expected, attributes.select_from_attribute(self.VALUE, path),
                path)
