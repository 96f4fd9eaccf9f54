"""Dependencies: topological order and cycles."""

import hypothesis
from hypothesis import strategies as st

from heat.common import exception
from heat.engine import dependencies
from heat.tests import base


def order(edges):
    return list(dependencies.Dependencies(edges))


class OrderTest(base.TestCase):

    CASES = [
        # name, (requirer, required) edges, expected order
        ('empty', [], []),
        ('single', [('a', None)], ['a']),
        ('chain', [('c', 'b'), ('b', 'a')], ['a', 'b', 'c']),
        ('diamond', [('d', 'b'), ('d', 'c'), ('b', 'a'), ('c', 'a')],
         ['a', 'b', 'c', 'd']),
        ('independent_keep_insertion_order',
         [('x', None), ('y', None), ('z', None)], ['x', 'y', 'z']),
        ('duplicate_edges', [('b', 'a'), ('b', 'a')], ['a', 'b']),
    ]

    def test_required_nodes_come_first(self):
        for name, edges, expected in self.CASES:
            self.assertEqual(expected, order(edges), name)

    def test_every_edge_is_respected(self):
        edges = [('web', 'db'), ('web', 'net'), ('db', 'net'),
                 ('lb', 'web'), ('dns', 'lb'), ('db', 'vol')]
        result = order(edges)
        for requirer, required in edges:
            self.assertLess(result.index(required), result.index(requirer))

    def test_reversed_is_the_delete_order(self):
        deps = dependencies.Dependencies([('c', 'b'), ('b', 'a')])
        self.assertEqual(['c', 'b', 'a'], list(reversed(deps)))

    def test_graph_queries(self):
        deps = dependencies.Dependencies([('b', 'a'), ('c', 'a'),
                                          ('d', None)])
        self.assertEqual(['a'], deps.requires('b'))
        self.assertEqual(['b', 'c'], deps.required_by('a'))
        self.assertEqual(['a', 'd'], deps.leaves())
        self.assertEqual(['b', 'c', 'd'], deps.roots())
        self.assertIn('d', deps)
        self.assertEqual(4, len(deps))
        self.assertEqual({'b': ['a'], 'a': [], 'c': ['a'], 'd': []},
                         deps.graph())
        self.assertIn(('d', None), deps.edges())

    def test_add_edges_later(self):
        deps = dependencies.Dependencies()
        deps += ('b', 'a')
        self.assertEqual(['a', 'b'], list(deps))


class CycleTest(base.TestCase):

    CASES = [
        ('self', [('a', 'a')], 'a -> a'),
        ('two', [('a', 'b'), ('b', 'a')], 'a -> b -> a'),
        ('three_after_a_tail', [('x', 'a'), ('a', 'b'), ('b', 'c'),
                                ('c', 'a')], 'a -> b -> c -> a'),
    ]

    def test_cycle_is_named(self):
        for name, edges, cycle in self.CASES:
            deps = dependencies.Dependencies(edges)
            ex = self.assertRaises(exception.CircularDependencyException,
                                   list, deps)
            self.assertEqual('Circular Dependency Found: %s' % cycle,
                             str(ex), name)
            self.assertRaises(exception.CircularDependencyException,
                              reversed, deps)

    def test_find_cycle_is_none_without_one(self):
        deps = dependencies.Dependencies([('b', 'a'), ('c', 'a')])
        self.assertIsNone(deps.find_cycle())


class PropertiesTest(base.TestCase):
    """Order and cycles over generated graphs."""

    @hypothesis.settings(max_examples=200, deadline=None)
    @hypothesis.given(st.lists(st.tuples(st.integers(0, 12),
                                         st.integers(0, 12)), max_size=40))
    def test_order_or_a_real_cycle(self, pairs):
        deps = dependencies.Dependencies(pairs)
        try:
            result = list(deps)
        except exception.CircularDependencyException:
            cycle = deps.find_cycle()
            self.assertIsNotNone(cycle)
            self.assertEqual(cycle[0], cycle[-1])
            for requirer, required in zip(cycle, cycle[1:]):
                self.assertIn(required, deps.requires(requirer))
            return
        self.assertIsNone(deps.find_cycle())
        self.assertEqual(sorted(set(n for p in pairs for n in p)),
                         sorted(result))
        for requirer, required in pairs:
            self.assertLess(result.index(required), result.index(requirer))
        delete_order = list(reversed(deps))
        self.assertEqual(sorted(result), sorted(delete_order))
        for requirer, required in pairs:
            if requirer != required:
                self.assertLess(delete_order.index(requirer),
                                delete_order.index(required))

    @hypothesis.settings(max_examples=100, deadline=None)
    @hypothesis.given(st.lists(st.tuples(st.integers(0, 12),
                                         st.integers(0, 12)), max_size=40))
    def test_acyclic_when_edges_point_down(self, pairs):
        # edges from a higher to a lower number never make a cycle
        edges = [(max(a, b), min(a, b)) for a, b in pairs if a != b]
        deps = dependencies.Dependencies(edges)
        result = list(deps)
        for requirer, required in edges:
            self.assertLess(result.index(required), result.index(requirer))
        delete_order = list(reversed(deps))
        for requirer, required in edges:
            self.assertLess(delete_order.index(requirer),
                            delete_order.index(required))
