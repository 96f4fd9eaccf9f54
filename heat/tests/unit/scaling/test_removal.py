"""Scale-in victims: upstream order, policies, protection, zones."""

import random

from heat.scaling import removal as rm
from heat.tests import base, corpus


def M(name, created_at, status='COMPLETE', **kw):
    return rm.Member(name, status, float(created_at), **kw)


def names(members):
    return [m.name for m in members]


class UpstreamResizeTest(base.TestCase):
    """upstream's ResizeWithFailedInstancesTest through choose_victims."""

    def test_resize_with_failed_instances(self):
        table = corpus.expectations('ResizeWithFailedInstancesTest')
        rows = table['scenarios']
        self.assertEqual(6, len(rows))
        for row in rows:
            members = [M('r%d' % i, i,
                         'FAILED' if 'r%d' % i in row['failed'] else
                         'COMPLETE') for i in range(1, 5)]
            victims = rm.choose_victims(members, len(members) - row['size'])
            kept = sorted(set(names(members)) - set(names(victims)))
            self.assertEqual(sorted(row['content']), kept, row['name'])


#: Our own rows for a resize of members r1..r4, created in that order
#: (r1 oldest): size -> (FAILED members, members left). Failed members
#: go first (the oldest failed first), then the oldest; growing or
#: keeping the size removes nobody, failed or not.
RESIZE_WITH_FAILED = {
    'shrink_by_one_no_failed': (3, [], ['r2', 'r3', 'r4']),
    'shrink_by_two_no_failed': (2, [], ['r3', 'r4']),
    # the newest goes when it is the failed one
    'failed_newest_goes_first': (3, ['r4'], ['r1', 'r2', 'r3']),
    'failed_middle_goes_first': (3, ['r2'], ['r1', 'r3', 'r4']),
    # r3 (failed) first, then the oldest healthy one, r1
    'failed_then_oldest': (2, ['r3'], ['r2', 'r4']),
    'two_failed_both_go': (2, ['r2', 'r4'], ['r1', 'r3']),
    # of two failed members, the older (r1) goes first
    'oldest_failed_first': (3, ['r1', 'r4'], ['r2', 'r3', 'r4']),
    # 3 to go: r2 and r3 (failed), then r1 (oldest healthy)
    'more_to_go_than_failed': (1, ['r2', 'r3'], ['r4']),
    # all failed: by age, r1, r2, r3 go
    'all_failed': (1, ['r1', 'r2', 'r3', 'r4'], ['r4']),
    'to_zero': (0, ['r3'], []),
    'same_size_keeps_failed': (4, ['r2'], ['r1', 'r2', 'r3', 'r4']),
    'grow_keeps_failed': (5, ['r1'], ['r1', 'r2', 'r3', 'r4']),
}


def resize_group(failed):
    """Members r1..r4 created at 1..4, those in ``failed`` FAILED."""
    return [M('r%d' % i, i, 'FAILED' if 'r%d' % i in failed else 'COMPLETE')
            for i in range(1, 5)]


class ResizeWithFailedMembersTest(base.TestCase):
    """:data:`RESIZE_WITH_FAILED` through choose_victims (no corpus)."""

    def test_resize_with_failed_members(self):
        for case, (size, failed, left) in RESIZE_WITH_FAILED.items():
            members = resize_group(failed)
            victims = rm.choose_victims(members, len(members) - size)
            self.assertEqual(left, sorted(set(names(members)) -
                                          set(names(victims))), case)


class OrderMembersTest(base.TestCase):

    def test_failed_then_oldest_then_name(self):
        members = [M('b', 2), M('a', 2), M('old', 1), M('f2', 5, 'FAILED'),
                   M('f1', 9, 'CREATE_FAILED')]
        self.assertEqual(['f2', 'f1', 'old', 'a', 'b'],
                         names(rm.order_members(members)))

    def test_rank_is_upstream_key(self):
        self.assertEqual((False, 5.0, 'f'), M('f', 5, 'FAILED').rank)
        self.assertEqual((True, 1.0, 'a'), M('a', 1).rank)

    def test_derived_fields_do_not_affect_equality(self):
        self.assertEqual(M('a', 1), M('a', 1))
        self.assertEqual(hash(M('a', 1)), hash(M('a', 1)))
        self.assertNotEqual(M('a', 1), M('a', 1, 'FAILED'))

    def test_any_iterable_of_members(self):
        got = rm.choose_victims(iter([M('b', 2), M('a', 1)]), 1)
        self.assertEqual(['a'], names(got))

    def test_failed_property(self):
        self.assertTrue(M('x', 0, 'FAILED').failed)
        self.assertTrue(M('x', 0, 'UPDATE_FAILED').failed)
        self.assertFalse(M('x', 0, 'COMPLETE').failed)
        self.assertFalse(M('x', 0, 'CREATE_COMPLETE').failed)


MEMBERS = [
    M('a', 1, generation=2),
    M('b', 2, generation=1),
    M('c', 3, generation=1),
    M('d', 4, 'FAILED', generation=2),
    M('e', 5, generation=0),
]


class PolicyTest(base.TestCase):
    """(policy, count, failed_first) -> victims, first victim first."""

    CASES = {
        'default_one': (rm.DEFAULT, 1, True, ['d']),
        'default_three': (rm.DEFAULT, 3, True, ['d', 'a', 'b']),
        'oldest_is_default': (rm.OLDEST, 3, True, ['d', 'a', 'b']),
        'newest': (rm.NEWEST, 3, True, ['d', 'e', 'c']),
        'oldest_definition': (rm.OLDEST_DEFINITION, 3, True,
                              ['d', 'e', 'b']),
        'all': (rm.DEFAULT, 5, True, ['d', 'a', 'b', 'c', 'e']),
        'more_than_all': (rm.DEFAULT, 9, True, ['d', 'a', 'b', 'c', 'e']),
        'zero': (rm.DEFAULT, 0, True, []),
        'negative': (rm.DEFAULT, -2, True, []),
        'default_ignoring_failure': (rm.DEFAULT, 2, False, ['a', 'b']),
        'newest_ignoring_failure': (rm.NEWEST, 2, False, ['e', 'd']),
        'generation_ignoring_failure': (rm.OLDEST_DEFINITION, 2, False,
                                        ['e', 'b']),
    }

    def test_policies(self):
        for case, (policy, count, ff, expected) in self.CASES.items():
            self.assertEqual(expected, names(rm.choose_victims(
                MEMBERS, count, policy, failed_first=ff)), case)

    def test_unknown_policy(self):
        err = self.assertRaises(ValueError, rm.choose_victims, MEMBERS, 1,
                                'youngest')
        self.assertIn("'youngest'", str(err))
        self.assertIn('oldest_definition', str(err))

    def test_random_needs_rng(self):
        err = self.assertRaises(ValueError, rm.choose_victims, MEMBERS, 1,
                                rm.RANDOM)
        self.assertIn('rng', str(err))

    def test_random_is_seeded_and_failed_first(self):
        a = rm.choose_victims(MEMBERS, 3, rm.RANDOM, random.Random(7))
        b = rm.choose_victims(MEMBERS, 3, rm.RANDOM, random.Random(7))
        self.assertEqual(a, b)
        self.assertEqual('d', a[0].name)
        self.assertEqual(3, len(set(names(a))))

    def test_random_covers_all_healthy_members(self):
        rng = random.Random(1)
        seen = set()
        for _ in range(200):
            seen.update(names(rm.choose_victims(MEMBERS, 2, rm.RANDOM, rng,
                                                failed_first=False)))
        self.assertEqual({'a', 'b', 'c', 'd', 'e'}, seen)

    def test_random_more_than_all(self):
        got = rm.choose_victims(MEMBERS, 9, rm.RANDOM, random.Random(3))
        self.assertEqual(sorted(names(MEMBERS)), sorted(names(got)))


class ProtectionTest(base.TestCase):

    def test_protected_never_chosen(self):
        members = [M('a', 1, protected=True), M('b', 2),
                   M('c', 3, 'FAILED', protected=True), M('d', 4)]
        for policy in rm.POLICIES:
            got = rm.choose_victims(members, 2, policy, random.Random(0))
            self.assertEqual(['b', 'd'], sorted(names(got)), policy)

    def test_too_few_candidates_returns_what_can_go(self):
        members = [M('a', 1, protected=True), M('b', 2)]
        self.assertEqual(['b'], names(rm.choose_victims(members, 2)))
        self.assertEqual(['b'], names(rm.choose_victims(
            members, 2, balance_zones=True)))


class ZoneBalanceTest(base.TestCase):

    def zone_members(self):
        # zone x: 3 members, y: 2, z: 1 (created in name order)
        spec = [('x1', 'x'), ('y1', 'y'), ('z1', 'z'), ('x2', 'x'),
                ('y2', 'y'), ('x3', 'x')]
        return [M(n, i, zone=z) for i, (n, z) in enumerate(spec)]

    def test_largest_zone_first(self):
        got = rm.choose_victims(self.zone_members(), 1, balance_zones=True)
        self.assertEqual(['x1'], names(got))

    def test_balances_down(self):
        got = rm.choose_victims(self.zone_members(), 3, balance_zones=True)
        # x 3->2, then x and y tie at 2: y1 is older than x2.
        self.assertEqual(['x1', 'y1', 'x2'], names(got))

    def test_newest_inside_zone(self):
        got = rm.choose_victims(self.zone_members(), 2, rm.NEWEST,
                                balance_zones=True)
        self.assertEqual(['x3', 'y2'], names(got))

    def test_protected_members_count_toward_their_zone(self):
        members = [M('x1', 1, zone='x', protected=True),
                   M('x2', 2, zone='x', protected=True),
                   M('x3', 3, zone='x'), M('y1', 0, zone='y'),
                   M('y2', 4, zone='y')]
        got = rm.choose_victims(members, 1, balance_zones=True)
        self.assertEqual(['x3'], names(got))

    def test_failed_first_regardless_of_zone(self):
        members = self.zone_members() + [M('zf', 9, 'FAILED', zone='z')]
        got = rm.choose_victims(members, 2, balance_zones=True)
        self.assertEqual(['zf', 'x1'], names(got))

    def test_random_inside_zone_is_seeded(self):
        a = rm.choose_victims(self.zone_members(), 3, rm.RANDOM,
                              random.Random(5), balance_zones=True)
        b = rm.choose_victims(self.zone_members(), 3, rm.RANDOM,
                              random.Random(5), balance_zones=True)
        self.assertEqual(a, b)
        zones = [m.zone for m in a]
        self.assertEqual('x', zones[0])
        self.assertEqual(['x', 'x', 'y'], sorted(zones))

    def test_no_zone_is_one_zone(self):
        members = [M('a', 1), M('b', 2), M('c', 3, zone='x')]
        got = rm.choose_victims(members, 1, balance_zones=True)
        self.assertEqual(['a'], names(got))
