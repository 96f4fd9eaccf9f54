"""Property tests for the policy kinds (hypothesis).

No deadlines: a loaded CI machine must not turn a slow example into a
failure; these tests check behaviour, not speed.
"""

from hypothesis import given, settings
from hypothesis import strategies as hs

from heat.scaling import combine as cb
from heat.scaling import decision as dec
from heat.scaling import scheduled as sch
from heat.scaling import step_scaling as st
from heat.scaling import target_tracking as tt
from heat.scaling.state import GroupState
from heat.tests import base

metrics = hs.floats(min_value=0, max_value=1e4, allow_nan=False)
targets = hs.floats(min_value=0.01, max_value=1e3, allow_nan=False)
tolerances = hs.floats(min_value=0, max_value=0.5)


@hs.composite
def groups(draw):
    lo = draw(hs.integers(0, 50))
    hi = draw(hs.integers(lo, 200))
    cap = draw(hs.integers(lo, hi))
    return GroupState(capacity=cap, min_size=lo, max_size=hi)


@hs.composite
def behaviors(draw, max_window=600):
    limits = draw(hs.lists(hs.builds(
        tt.RateLimit, hs.sampled_from(tt.LIMIT_TYPES),
        hs.integers(1, 20), hs.integers(1, 600)), max_size=2))
    return tt.Behavior(
        stabilization_window=draw(hs.integers(0, max_window)),
        rate_limits=limits,
        select=draw(hs.sampled_from((tt.SELECT_MAX, tt.SELECT_MIN))))


@hs.composite
def tt_policies(draw):
    return tt.TargetTrackingPolicy(
        target=draw(targets), tolerance=draw(tolerances),
        scale_up=draw(behaviors()), scale_down=draw(behaviors()),
        missing_data=draw(hs.sampled_from(tt.MISSING_DATA_RULES)))


@hs.composite
def memories(draw, now=1000.0):
    recs = draw(hs.lists(hs.tuples(hs.floats(0, now), hs.integers(0, 300)),
                         max_size=6))
    changes = draw(hs.lists(hs.tuples(hs.floats(0, now),
                                      hs.integers(-20, 20)), max_size=6))
    return tt.Memory(tuple(sorted(recs)), tuple(sorted(changes)))


class TestTargetTrackingProperties(base.TestCase):

    @settings(deadline=None)
    @given(groups(), tt_policies(), hs.one_of(hs.none(), metrics),
           memories())
    def test_result_within_bounds(self, g, p, metric, memory):
        d = tt.decide(g, p, metric, 1000.0, memory).decision
        self.assertTrue(g.min_size <= d.desired <= g.max_size)
        self.assertEqual(d.accepted, d.rejection is None)

    @settings(deadline=None)
    @given(groups(), tt_policies(), metrics, metrics, memories())
    def test_monotone_in_metric(self, g, p, m1, m2, memory):
        lo, hi = sorted((m1, m2))
        d_lo = tt.decide(g, p, lo, 1000.0, memory).decision
        d_hi = tt.decide(g, p, hi, 1000.0, memory).decision
        self.assertLessEqual(d_lo.desired, d_hi.desired)

    @settings(max_examples=60, deadline=None)
    @given(hs.integers(0, 600), hs.integers(0, 600),
           hs.lists(hs.tuples(hs.integers(1, 120), metrics),
                    min_size=1, max_size=25),
           hs.integers(1, 30))
    def test_stabilization_never_flips_direction_in_window(
            self, up_w, down_w, steps, start):
        p = tt.TargetTrackingPolicy(
            target=50, tolerance=0.1,
            scale_up=tt.Behavior(stabilization_window=up_w),
            scale_down=tt.Behavior(stabilization_window=down_w))
        cap, now, memory = start, 0.0, tt.Memory()
        for gap, metric in steps:
            now += gap
            g = GroupState(capacity=cap, min_size=0, max_size=1000)
            res = tt.decide(g, p, metric, now, memory)
            d = res.decision
            raw = d.steps[0].capacity
            # Never moves against its own recommendation.
            if raw >= cap:
                self.assertGreaterEqual(d.desired, cap)
            if raw <= cap:
                self.assertLessEqual(d.desired, cap)
            # Goes down only as far as every recommendation in the down
            # window allows, up only as far as every one in the up window.
            window = [c for t, c in res.memory.recommendations
                      if now - t < down_w] + [raw]
            if d.desired < cap:
                self.assertGreaterEqual(d.desired, max(window))
            window = [c for t, c in res.memory.recommendations
                      if now - t < up_w] + [raw]
            if d.desired > cap:
                self.assertLessEqual(d.desired, min(window))
            memory, cap = res.memory, d.desired

    @settings(max_examples=60, deadline=None)
    @given(hs.sampled_from(tt.LIMIT_TYPES), hs.integers(1, 50),
           hs.integers(10, 300),
           hs.lists(hs.tuples(hs.integers(1, 100), metrics),
                    min_size=1, max_size=25),
           hs.integers(0, 40))
    def test_rate_limit_never_exceeded(self, kind, value, period, steps,
                                       start):
        limit = tt.RateLimit(kind, value, period)
        behavior = tt.Behavior(rate_limits=[limit])
        p = tt.TargetTrackingPolicy(target=50, scale_up=behavior,
                                    scale_down=behavior)
        cap, now, memory, applied = start, 0.0, tt.Memory(), []
        for gap, metric in steps:
            now += gap
            g = GroupState(capacity=cap, min_size=0, max_size=1000)
            res = tt.decide(g, p, metric, now, memory)
            delta = res.decision.change
            for sign in (1, -1):
                if delta * sign <= 0:
                    continue
                # Moves this way within the period, this one included,
                # stay within the allowance of the period's start.
                prior = sum(d for t, d in applied
                            if now - t < period and d * sign > 0)
                allowed = limit.allowance(cap - prior)
                self.assertLessEqual(abs(prior + delta), allowed)
                if kind == tt.LIMIT_MEMBERS:
                    self.assertLessEqual(abs(prior + delta), value)
            if delta:
                applied.append((now, delta))
            memory, cap = res.memory, res.decision.desired


@hs.composite
def step_policies(draw):
    cuts = sorted(set(draw(hs.lists(hs.integers(-100, 100), min_size=1,
                                    max_size=5))))
    edges = [None] + cuts + [None]
    kind = draw(hs.sampled_from(('change_in_capacity', 'exact_capacity',
                                 'percent_change_in_capacity')))
    adj = hs.integers(0, 50) if kind == 'exact_capacity' else \
        hs.integers(-50, 50)
    bands = tuple(st.StepBand(lo, hi, draw(adj))
                  for lo, hi in zip(edges, edges[1:]))
    return st.StepPolicy(threshold=draw(hs.integers(-50, 50)), bands=bands,
                         adjustment_type=kind,
                         warmup=draw(hs.integers(0, 300)))


class TestStepProperties(base.TestCase):

    @settings(deadline=None)
    @given(groups(), step_policies(), hs.floats(-500, 500),
           hs.lists(hs.floats(0, 1000), max_size=5))
    def test_result_within_bounds(self, g, p, metric, launches):
        d = st.decide(g, p, metric, 1000.0, launches)
        self.assertTrue(g.min_size <= d.desired <= g.max_size)

    @settings(deadline=None)
    @given(step_policies(), hs.floats(-500, 500))
    def test_full_band_cover_always_finds_a_band(self, p, metric):
        index, band = p.band_for(metric)
        self.assertIsNotNone(band)


class TestStepWarmupProperties(base.TestCase):

    @settings(deadline=None)
    @given(hs.integers(0, 50), hs.integers(1, 10), hs.integers(1, 10),
           hs.floats(0, 30), hs.integers(1, 299))
    def test_repeated_breach_never_double_scales(self, cap, small, extra,
                                                 offset, later):
        p = st.StepPolicy(threshold=0, warmup=300, bands=(
            st.StepBand(None, 0, -1), st.StepBand(0, 10, small),
            st.StepBand(10, None, small + extra)))
        g = GroupState(capacity=cap, min_size=0, max_size=1000)
        first = st.decide(g, p, offset, 0.0)
        added = first.desired - cap
        g2 = GroupState(capacity=first.desired, min_size=0, max_size=1000)
        again = st.decide(g2, p, offset, float(later),
                          launches=[0.0] * added)
        # The same breach during warm-up adds nothing.
        self.assertEqual(first.desired, again.desired)
        # A breach in the top band reaches exactly what it would have
        # reached from the start.
        top = st.decide(g2, p, 50, float(later), launches=[0.0] * added)
        self.assertEqual(cap + small + extra, top.desired)


class TestScheduledProperties(base.TestCase):

    @settings(deadline=None)
    @given(groups(), hs.lists(hs.builds(
        lambda at, lo, span, want: sch.ScheduledAction(
            'a', at=at, min_size=lo, max_size=lo + span,
            desired=min(lo + want, lo + span)),
        hs.integers(1, 1000), hs.integers(0, 20), hs.integers(0, 20),
        hs.integers(0, 40)), max_size=4))
    def test_desired_within_new_bounds(self, g, actions):
        r = sch.decide(g, actions, 0, 1000)
        self.assertTrue(r.min_size <= r.decision.desired <= r.max_size)


def decisions_from(current, wants):
    out = []
    for i, want in enumerate(wants):
        b = dec.DecisionBuilder(current)
        d = (b.reject(dec.REJECT_NO_CHANGE, 'hold') if want is None
             else b.accept(want, 'want'))
        out.append(('p%d' % i, d))
    return out


class TestCombineProperties(base.TestCase):

    @settings(deadline=None)
    @given(hs.integers(0, 50),
           hs.lists(hs.one_of(hs.none(), hs.integers(0, 100)), min_size=1,
                    max_size=6),
           hs.sampled_from(cb.MODES))
    def test_result_is_one_of_the_proposals(self, current, wants, mode):
        d = cb.combine(decisions_from(current, wants), mode)
        self.assertIn(d.desired, [current] + [w for w in wants
                                              if w is not None])

    @settings(deadline=None)
    @given(hs.integers(0, 50),
           hs.lists(hs.one_of(hs.none(), hs.integers(0, 100)), min_size=1,
                    max_size=6))
    def test_safest_never_scales_in_over_a_hold(self, current, wants):
        d = cb.combine(decisions_from(current, wants), cb.SAFEST)
        if None in wants or current in wants:
            self.assertGreaterEqual(d.desired, current)

    @settings(deadline=None)
    @given(hs.integers(0, 50),
           hs.lists(hs.integers(0, 100), min_size=1, max_size=6))
    def test_largest_takes_the_largest_proposal(self, current, wants):
        # A policy that wants the current capacity abstains.
        d = cb.combine(decisions_from(current, wants), cb.LARGEST)
        proposals = [w for w in wants if w != current]
        self.assertEqual(max(proposals) if proposals else current,
                         d.desired)


class TestCronWindowProperties(base.TestCase):

    @settings(deadline=None, max_examples=40)
    @given(hs.sampled_from(['*/7 * * * *', '0 * * * *', '15 8 * * 1-5',
                            '0 0 1 * *']),
           hs.sampled_from(['UTC', 'Europe/Paris', 'America/New_York']),
           hs.lists(hs.integers(1, 86400 * 3), min_size=1, max_size=6))
    def test_split_windows_fire_like_one_window(self, cron, zone, cuts):
        a = sch.ScheduledAction('a', cron=cron, timezone=zone, desired=1)
        t0 = 1790000000.0
        edges = [t0] + sorted(t0 + c for c in set(cuts))
        pieces = []
        for lo, hi in zip(edges, edges[1:]):
            pieces += [f.time for f in sch.fires_between([a], lo, hi)]
        whole = [f.time for f in sch.fires_between([a], edges[0],
                                                   edges[-1])]
        self.assertEqual(whole, pieces)
