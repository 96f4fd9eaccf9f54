"""Member planning: names, resize plans, rolling batches."""

import random
import re

from heat.scaling import members as mb
from heat.scaling import removal as rm
from heat.scaling import rolling_update as ru
from heat.tests import base, corpus
from heat.tests.unit.scaling.test_removal import (
    RESIZE_WITH_FAILED,
    resize_group,
)

NAME = re.compile(r'^[a-z2-7]{12}$')


def M(name, created_at, status='COMPLETE', **kw):
    return rm.Member(name, status, float(created_at), **kw)


class CountingSet(set):
    """A set that counts membership checks."""

    checks = 0

    def __contains__(self, item):
        self.checks += 1
        return super().__contains__(item)


class NoIterList(list):
    """A list that refuses to be walked (len() still works)."""

    def __iter__(self):
        raise AssertionError('walked the member list')


class ShortIdTest(base.TestCase):

    def test_shape(self):
        rng = random.Random(0)
        for _ in range(200):
            self.assertRegex(mb.short_id(rng), NAME)

    def test_stable_for_a_seed(self):
        a = [mb.short_id(random.Random(42)) for _ in range(2)]
        self.assertEqual(a[0], a[1])
        self.assertNotEqual(mb.short_id(random.Random(1)),
                            mb.short_id(random.Random(2)))

    def test_uses_the_whole_alphabet(self):
        rng = random.Random(3)
        seen = set(''.join(mb.short_id(rng) for _ in range(200)))
        self.assertEqual(set('abcdefghijklmnopqrstuvwxyz234567'), seen)


class FixedRng:
    """Returns the given bit patterns in turn."""

    def __init__(self, *values):
        self.values = list(values)

    def getrandbits(self, n):
        return self.values.pop(0)


class NewNamesTest(base.TestCase):

    def test_collisions_are_redrawn(self):
        taken = {mb.short_id(FixedRng(0))}
        got = mb.new_names(2, FixedRng(0, 1, 1, 2), taken)
        self.assertEqual([mb.short_id(FixedRng(1)),
                          mb.short_id(FixedRng(2))], got)

    def test_broken_generator_fails_loudly(self):
        class Stuck:
            def getrandbits(self, n):
                return 0
        taken = {mb.short_id(Stuck())}
        self.assertRaises(RuntimeError, mb.new_names, 1, Stuck(), taken)


class MemberDefinitionsTest(base.TestCase):
    """(old generations, count, num_new) -> resulting (name, gen)."""

    OLD = [('a', 0), ('b', 0), ('c', 1), ('d', 0)]

    CASES = {
        'resize_same_keeps_all': (4, 0, [('a', 0), ('b', 0), ('c', 1),
                                         ('d', 0)]),
        'shrink_drops_first': (2, 0, [('c', 1), ('d', 0)]),
        'grow_creates_new_gen': (6, 0, [('a', 0), ('b', 0), ('c', 1),
                                        ('d', 0), ('n1', 1), ('n2', 1)]),
        'grow_counts_created_as_new': (5, 1, [('a', 0), ('b', 0), ('c', 1),
                                              ('d', 0), ('n1', 1)]),
        'switch_from_front': (4, 2, [('a', 1), ('b', 1), ('c', 1),
                                     ('d', 0)]),
        'switch_skips_up_to_date': (4, 3, [('a', 1), ('b', 1), ('c', 1),
                                           ('d', 1)]),
        'grow_and_switch': (5, 2, [('a', 1), ('b', 0), ('c', 1), ('d', 0),
                                   ('n1', 1)]),
        'zero_count': (0, 3, []),
    }

    def test_member_definitions(self):
        for case, (count, num_new, expected) in self.CASES.items():
            fresh = iter(['n1', 'n2', 'n3'])
            got = list(mb.member_definitions(self.OLD, 1, count, num_new,
                                             fresh.__next__))
            self.assertEqual(expected, got, case)


class PlanResizeTest(base.TestCase):

    def members(self):
        return [M('m1', 1), M('m2', 2, 'FAILED'), M('m3', 3),
                M('m4', 4, protected=True)]

    def test_scale_out_creates_only_the_missing(self):
        plan = mb.plan_resize(self.members(), 7, 3, random.Random(0))
        self.assertEqual(3, len(plan.create))
        self.assertEqual((), plan.remove)
        self.assertEqual((), plan.update)
        self.assertEqual(3, plan.generation)
        for name in plan.create:
            self.assertRegex(name, NAME)
        self.assertEqual(3, len(set(plan.create)))

    def test_scale_out_is_o_k_with_a_name_set(self):
        members = NoIterList(M('m%d' % i, i) for i in range(1000))
        names = CountingSet('m%d' % i for i in range(1000))
        plan = mb.plan_resize(members, 1003, 0, random.Random(0),
                              names=names)
        self.assertEqual(3, len(plan.create))
        self.assertEqual(3, names.checks)

    def test_scale_in_uses_the_removal_policy(self):
        plan = mb.plan_resize(self.members(), 2, 3, random.Random(0))
        self.assertEqual(['m2', 'm1'], [m.name for m in plan.remove])
        self.assertEqual((), plan.create)
        self.assertEqual(0, plan.shortfall)
        plan = mb.plan_resize(self.members(), 3, 3, random.Random(0),
                              policy=rm.NEWEST, )
        self.assertEqual(['m2'], [m.name for m in plan.remove])

    def test_protection_leaves_a_shortfall(self):
        plan = mb.plan_resize(self.members(), 0, 3, random.Random(0))
        self.assertEqual(['m2', 'm1', 'm3'], [m.name for m in plan.remove])
        self.assertEqual(1, plan.shortfall)

    def test_upstream_resize_with_failed_instances(self):
        rows = corpus.expectations('ResizeWithFailedInstancesTest')
        for row in rows['scenarios']:
            group = [M('r%d' % i, i, 'FAILED' if 'r%d' % i in row['failed']
                       else 'COMPLETE') for i in range(1, 5)]
            plan = mb.plan_resize(group, row['size'], 0, random.Random(0))
            gone = {m.name for m in plan.remove}
            self.assertEqual(sorted(row['content']),
                             sorted(m.name for m in group
                                    if m.name not in gone), row['name'])

    def test_resize_with_failed_members(self):
        """Our own rows (test_removal.RESIZE_WITH_FAILED): failed members
        are removed first, then the oldest; a grow only creates."""
        for case, (size, failed, left) in RESIZE_WITH_FAILED.items():
            group = resize_group(failed)
            plan = mb.plan_resize(group, size, 0, random.Random(0))
            gone = {m.name for m in plan.remove}
            self.assertEqual(left, sorted(m.name for m in group
                                          if m.name not in gone), case)
            self.assertEqual(max(size - len(group), 0), len(plan.create),
                             case)
            self.assertEqual((), plan.update, case)

    def test_same_size_is_empty(self):
        plan = mb.plan_resize(self.members(), 4, 3, random.Random(0))
        self.assertTrue(plan.empty)

    def test_negative_target(self):
        self.assertRaises(ValueError, mb.plan_resize, [], -1, 0,
                          random.Random(0))

    def test_seeded_names_are_stable(self):
        a = mb.plan_resize([], 3, 0, random.Random(9)).create
        b = mb.plan_resize([], 3, 0, random.Random(9)).create
        self.assertEqual(a, b)


class PlanBatchTest(base.TestCase):

    def test_rolls_whole_group_to_new_generation(self):
        """Apply every batch of updates in place; all end up new."""
        for target, current, batch, keep in ((5, 5, 2, 4), (5, 5, 1, 0),
                                             (3, 5, 2, 2), (6, 3, 2, 3),
                                             (4, 4, 4, 4)):
            self.roll(target, current, batch, keep)

    def roll(self, target, current, batch, keep):
        rng = random.Random(5)
        group = [M('m%d' % i, i) for i in range(current)]
        clock = 10
        steps = 0
        # as the converger does: each batch from the group's real state
        while ru.needs_update(target, len(group),
                              sum(1 for m in group if m.generation == 1)):
            steps += 1
            self.assertLess(steps, 100)
            size, num = ru.next_batch(
                target, len(group),
                sum(1 for m in group if m.generation == 1), batch, keep)
            plan = mb.plan_batch(group, size, num, 1, rng)
            gone = {m.name for m in plan.remove}
            switched = {m.name for m in plan.update}
            group = [rm.Member(m.name, m.status, m.created_at,
                               1 if m.name in switched else m.generation)
                     for m in group if m.name not in gone]
            for name in plan.create:
                clock += 1
                group.append(M(name, clock, generation=1))
            self.assertEqual(size, len(group))
        self.assertEqual(target, len(group))
        self.assertEqual({1}, {m.generation for m in group},
                         (target, current, batch, keep))

    def test_first_batch_updates_oldest_first(self):
        group = [M('new', 9), M('old', 1), M('mid', 5)]
        plan = mb.plan_batch(group, 3, 1, 1, random.Random(0))
        self.assertEqual(['old'], [m.name for m in plan.update])
        self.assertEqual((), plan.create)
        self.assertEqual((), plan.remove)

    def test_oldest_removed_first_updated_or_not_as_upstream(self):
        # upstream keeps the newest members when a batch shrinks the
        # group (old[-n:]), whatever their definition
        group = [M('a', 1, generation=1), M('b', 2), M('c', 3)]
        plan = mb.plan_batch(group, 2, 1, 1, random.Random(0))
        self.assertEqual(['a'], [m.name for m in plan.remove])
        self.assertEqual(['b'], [m.name for m in plan.update])

    def test_rolling_update_with_extra_capacity_removes_the_oldest(self):
        # upstream's functional expectation: 10 members, min in service
        # 8, batch 4: 8 kept, 2 created, the 2 oldest removed
        rng = random.Random(3)
        group = [M('m%02d' % i, i) for i in range(10)]
        clock = 100
        while ru.needs_update(10, len(group),
                              sum(1 for m in group if m.generation == 1)):
            size, num = ru.next_batch(
                10, len(group), sum(1 for m in group if m.generation == 1),
                4, 8)
            plan = mb.plan_batch(group, size, num, 1, rng)
            gone = {m.name for m in plan.remove}
            up = {m.name for m in plan.update}
            group = [rm.Member(m.name, m.status, m.created_at,
                               1 if m.name in up else m.generation)
                     for m in group if m.name not in gone]
            for name in plan.create:
                clock += 1
                group.append(M(name, clock, generation=1))
        names = {m.name for m in group}
        self.assertEqual(10, len(group))
        self.assertEqual({1}, {m.generation for m in group})
        self.assertEqual({'m%02d' % i for i in range(2, 10)},
                         names & {'m%02d' % i for i in range(10)})

    def test_failed_members_removed_first(self):
        group = [M('a', 1), M('f', 5, 'FAILED'), M('b', 2)]
        plan = mb.plan_batch(group, 2, 0, 1, random.Random(0))
        self.assertEqual(['f'], [m.name for m in plan.remove])
        self.assertEqual((), plan.update)

    def test_extra_member_for_min_in_service(self):
        group = [M('a', 1), M('b', 2)]
        plan = mb.plan_batch(group, 3, 1, 1, random.Random(0))
        self.assertEqual(1, len(plan.create))
        self.assertEqual((), plan.update)


class GenerationCountsTest(base.TestCase):

    def test_counts(self):
        group = [M('a', 1, generation=1), M('b', 2, generation=2),
                 M('c', 3, generation=2)]
        self.assertEqual((2, 3), mb.generation_counts(group))
        self.assertEqual((1, 3), mb.generation_counts(group, 1))
        self.assertEqual((0, 0), mb.generation_counts([]))
