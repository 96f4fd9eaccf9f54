"""Property tests for the core scaling rules (hypothesis).

Capacity arithmetic, cooldown, victims, member plans and rolling batches.
"""

import random

from hypothesis import assume, given, settings
from hypothesis import strategies as hs

from heat.scaling import capacity as cap
from heat.scaling import cooldown as cd
from heat.scaling import decision as dec
from heat.scaling import members as mb
from heat.scaling import removal as rm
from heat.scaling import rolling_update as ru
from heat.scaling import simple
from heat.scaling.state import GroupState
from heat.tests import base

T0 = 1_800_000_000.0

types = hs.sampled_from(cap.ADJUSTMENT_TYPES + cap.CFN_ADJUSTMENT_TYPES)
steps = hs.one_of(hs.none(), hs.integers(0, 20))
cooldowns = hs.one_of(hs.none(), hs.integers(0, 600))
percents = hs.one_of(hs.integers(-300, 300),
                     hs.floats(-300, 300, allow_nan=False))


@hs.composite
def bounds(draw):
    lo = draw(hs.integers(0, 50))
    hi = draw(hs.integers(lo, 200))
    cur = draw(hs.integers(0, 250))
    return cur, lo, hi


@hs.composite
def adjustments(draw):
    kind = draw(types)
    if cap.normalize_adjustment_type(kind) == cap.PERCENT_CHANGE_IN_CAPACITY:
        return kind, draw(percents), draw(steps)
    if cap.normalize_adjustment_type(kind) == cap.EXACT_CAPACITY:
        return kind, draw(hs.integers(0, 300)), None
    return kind, draw(hs.integers(-300, 300)), None


@hs.composite
def groups(draw):
    lo = draw(hs.integers(0, 20))
    hi = draw(hs.integers(lo, 60))
    return GroupState(capacity=draw(hs.integers(lo, hi)), min_size=lo,
                      max_size=hi, cooldown=draw(hs.integers(0, 600)))


@hs.composite
def policies(draw, cooldown=cooldowns):
    kind, adj, step = draw(adjustments())
    return simple.SimplePolicy(kind, adj, min_adjustment_step=step,
                               cooldown=draw(cooldown))


@hs.composite
def member_lists(draw, max_size=30):
    n = draw(hs.integers(0, max_size))
    return [rm.Member('m%d' % i,
                      draw(hs.sampled_from(('COMPLETE', 'FAILED'))),
                      float(draw(hs.integers(0, 10))),
                      draw(hs.integers(0, 3)),
                      draw(hs.sampled_from((None, 'a', 'b', 'c'))),
                      draw(hs.booleans()))
            for i in range(n)]


class CapacityPropertiesTest(base.TestCase):

    @given(bounds(), adjustments())
    def test_result_within_bounds(self, b, adjustment):
        cur, lo, hi = b
        kind, adj, step = adjustment
        result = cap.new_capacity(cur, adj, kind, step, lo, hi)
        self.assertTrue(lo <= result <= hi)
        self.assertIsInstance(result, int)

    @given(bounds(), adjustments())
    def test_decide_capacity_agrees_with_new_capacity(self, b, adjustment):
        cur, lo, hi = b
        kind, adj, step = adjustment
        outcome = cap.decide_capacity(cur, adj, kind, step, lo, hi)
        self.assertEqual(cap.new_capacity(cur, adj, kind, step, lo, hi),
                         outcome.desired)
        self.assertEqual(outcome.desired, outcome.steps[-1].capacity)

    @given(bounds(), hs.integers(0, 300))
    def test_exact_capacity_is_idempotent(self, b, adj):
        cur, lo, hi = b
        once = cap.new_capacity(cur, adj, 'exact_capacity', None, lo, hi)
        twice = cap.new_capacity(once, adj, 'ExactCapacity', None, lo, hi)
        self.assertEqual(once, twice)

    @given(bounds(), hs.integers(-300, 300), hs.integers(-300, 300))
    def test_change_is_monotone(self, b, a1, a2):
        cur, lo, hi = b
        a1, a2 = sorted((a1, a2))
        self.assertLessEqual(
            cap.new_capacity(cur, a1, 'change_in_capacity', None, lo, hi),
            cap.new_capacity(cur, a2, 'change_in_capacity', None, lo, hi))

    @given(bounds(), percents, percents, steps)
    def test_percent_is_monotone(self, b, a1, a2, step):
        cur, lo, hi = b
        a1, a2 = sorted((a1, a2))
        pct = cap.PERCENT_CHANGE_IN_CAPACITY
        self.assertLessEqual(cap.new_capacity(cur, a1, pct, step, lo, hi),
                             cap.new_capacity(cur, a2, pct, step, lo, hi))

    @given(hs.integers(0, 100), hs.floats(0.001, 300), steps)
    def test_positive_percent_always_grows_below_max(self, cur, adj, step):
        # The fix: even from 0, +x% adds at least one member.
        pct = cap.PERCENT_CHANGE_IN_CAPACITY
        self.assertGreater(cap.new_capacity(cur, adj, pct, step), cur)


class CooldownPropertiesTest(base.TestCase):

    @given(groups(), policies(cooldown=hs.integers(1, 600)), policies(),
           hs.floats(0, 1))
    def test_no_second_change_inside_the_window(self, g, first, second,
                                                frac):
        d1 = simple.decide(g, first, T0)
        assume(d1.accepted)
        window = d1.cooldown_end - T0
        self.assertGreaterEqual(window, 1)
        after = GroupState(capacity=d1.desired, min_size=g.min_size,
                           max_size=g.max_size, cooldown=g.cooldown,
                           cooldown_end=d1.cooldown_end)
        t = T0 + min(frac * window, window - 1e-3)
        d2 = simple.decide(after, second, t)
        self.assertFalse(d2.accepted)
        self.assertEqual(dec.REJECT_COOLDOWN, d2.rejection)
        self.assertEqual(d1.desired, d2.desired)

    @given(hs.one_of(hs.none(), hs.floats(-1e6, 1e9, allow_nan=False)),
           hs.floats(0, 1e9), hs.one_of(hs.none(), hs.integers(-100, 1e5)))
    def test_next_end_never_shortens(self, old, now, c):
        end = cd.next_cooldown_end(old, now, c)
        self.assertGreaterEqual(end, now)
        if old is not None:
            self.assertGreaterEqual(end, old)

    @given(groups(), policies(), hs.dictionaries(
        hs.text(max_size=5), hs.text(max_size=5), max_size=3))
    @settings(max_examples=50)
    def test_decisions_are_consistent_and_round_trip(self, g, p, trigger):
        d = simple.decide(g, p, T0, trigger)
        self.assertTrue(g.min_size <= d.desired <= g.max_size or
                        not d.accepted)
        self.assertEqual(d.accepted, d.rejection is None)
        if not d.accepted:
            self.assertEqual(d.current, d.desired)
        self.assertEqual(d, dec.Decision.from_json(d.to_json()))


class VictimPropertiesTest(base.TestCase):

    @given(member_lists(), hs.integers(-2, 40),
           hs.sampled_from(rm.POLICIES), hs.booleans(), hs.booleans(),
           hs.integers(0, 2**32))
    def test_victims_are_distinct_and_unprotected(self, members, count,
                                                  policy, zones, ff, seed):
        got = rm.choose_victims(members, count, policy,
                                random.Random(seed), zones, ff)
        names = [m.name for m in got]
        self.assertEqual(len(names), len(set(names)))
        self.assertFalse(any(m.protected for m in got))
        self.assertTrue(all(m in members for m in got))
        removable = sum(1 for m in members if not m.protected)
        self.assertEqual(max(0, min(count, removable)), len(got))

    @given(member_lists(), hs.integers(0, 40))
    def test_failed_go_before_healthy(self, members, count):
        got = rm.choose_victims(members, count)
        flags = [m.failed for m in got]
        self.assertEqual(sorted(flags, reverse=True), flags)

    @given(member_lists(), hs.integers(0, 40), hs.integers(0, 2**32))
    def test_zone_balance_keeps_zones_even(self, members, count, seed):
        members = [rm.Member(m.name, 'COMPLETE', m.created_at, zone=m.zone)
                   for m in members]
        got = {m.name for m in rm.choose_victims(members, count,
                                                 balance_zones=True)}
        left = {}
        for m in members:
            if m.name not in got:
                left[m.zone] = left.get(m.zone, 0) + 1
        before = {}
        for m in members:
            before[m.zone] = before.get(m.zone, 0) + 1
        if left:
            # No zone was emptied while another kept two more.
            top = max(left.values())
            for zone, n in before.items():
                self.assertGreaterEqual(left.get(zone, 0),
                                        min(n, top - 1))


class PlanPropertiesTest(base.TestCase):

    @given(member_lists(), hs.integers(0, 40), hs.integers(0, 2**32))
    @settings(max_examples=50)
    def test_plan_reaches_target_or_reports_shortfall(self, members, target,
                                                      seed):
        plan = mb.plan_resize(members, target, 4, random.Random(seed))
        size = len(members) + len(plan.create) - len(plan.remove)
        self.assertEqual(target + plan.shortfall, size)
        self.assertFalse(plan.create and plan.remove)
        existing = {m.name for m in members}
        self.assertFalse(existing & set(plan.create))
        self.assertEqual(len(plan.create), len(set(plan.create)))

    @given(hs.integers(0, 12), hs.integers(0, 12), hs.integers(1, 5),
           hs.integers(0, 12))
    @settings(max_examples=50)
    def test_batches_end_at_target_with_all_updated(self, target, current,
                                                    batch, keep):
        rng = random.Random(0)
        group = [rm.Member('m%d' % i, created_at=float(i))
                 for i in range(current)]
        count = 0
        # as the converger does: each batch from the group's real state
        while ru.needs_update(target, len(group),
                              sum(1 for m in group if m.generation == 1)):
            count += 1
            self.assertLess(count, 100)
            size, num = ru.next_batch(
                target, len(group),
                sum(1 for m in group if m.generation == 1), batch, keep)
            plan = mb.plan_batch(group, size, num, 1, rng)
            gone = {m.name for m in plan.remove}
            up = {m.name for m in plan.update}
            group = [rm.Member(m.name, m.status, m.created_at,
                               1 if m.name in up else m.generation)
                     for m in group if m.name not in gone]
            group += [rm.Member(n, created_at=100.0 + count, generation=1)
                      for n in plan.create]
            self.assertEqual(size, len(group))
        self.assertEqual(target, len(group))
        self.assertTrue(all(m.generation == 1 for m in group))

    @given(hs.lists(hs.integers(0, 2), max_size=12), hs.integers(0, 15),
           hs.integers(0, 15))
    def test_member_definitions_length_and_generations(self, gens, count,
                                                       num_new):
        old = [('o%d' % i, g) for i, g in enumerate(gens)]
        fresh = iter('n%d' % i for i in range(100))
        got = list(mb.member_definitions(old, 2, count, num_new,
                                         fresh.__next__))
        self.assertEqual(count, len(got))
        old_names = {n for n, _ in old}
        changed = sum(1 for n, g in got
                      if n not in old_names or dict(old)[n] != g)
        created = sum(1 for n, _ in got if n not in old_names)
        self.assertLessEqual(changed, max(num_new, created))
