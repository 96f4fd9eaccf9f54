"""Benchmark of the pure scaling library (heat.scaling), on one core.

Prints JSON: decisions per second for each policy kind, and the time to
plan the member change of a 10,000-member group growing or shrinking by
one. Each figure is the median of several runs; a run repeats the call
enough times to last a fair fraction of a second.

    .venv/bin/python bench/scaling_lib.py [--runs 5] [--quick]
"""

import argparse
import importlib
import json
import platform
import random
import statistics
import sys
import time

from heat.scaling import combine as cb
from heat.scaling import decision as dec
from heat.scaling import scheduled as sch
from heat.scaling import target_tracking as tt
from heat.scaling.state import GroupState

#: The aims from the project issue.
AIM_SIMPLE_PER_S = 100000
AIM_PLAN_MS = 5.0


def _optional(name):
    try:
        return importlib.import_module('heat.scaling.' + name)
    except ImportError:
        return None


def rate(fn, iterations, runs):
    """Median calls per second of ``fn`` over ``runs`` runs."""
    fn()  # warm up caches and lazy imports
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        rates.append(iterations / (time.perf_counter() - start))
    return round(statistics.median(rates))


def latency_ms(fn, iterations, runs):
    """Median milliseconds per call of ``fn`` over ``runs`` runs."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        times.append((time.perf_counter() - start) * 1000.0 / iterations)
    return round(statistics.median(times), 4)


def decision_benches():
    """``{kind: zero-argument callable}`` making one decision each."""
    group = GroupState(capacity=10, min_size=1, max_size=100, cooldown=60)
    benches = {}

    simple = _optional('simple')
    if simple is not None:
        policy = simple.SimplePolicy(
            adjustment_type='change_in_capacity', scaling_adjustment=1,
            cooldown=60, name='up')
        benches['simple'] = lambda: simple.decide(group, policy, 1000.0)

    step_scaling = _optional('step_scaling')
    if step_scaling is not None and _optional('capacity') is not None:
        sp = step_scaling.StepPolicy(
            threshold=80, warmup=300, bands=(
                step_scaling.StepBand(None, 0, -1),
                step_scaling.StepBand(0, 10, 1),
                step_scaling.StepBand(10, None, 3)))
        launches = (900.0,)
        benches['step'] = lambda: step_scaling.decide(group, sp, 95.0,
                                                      1000.0, launches)

    tp = tt.TargetTrackingPolicy(
        target=50,
        scale_up=tt.Behavior(rate_limits=[tt.RateLimit('percent', 100, 60),
                                          tt.RateLimit('members', 4, 60)]),
        scale_down=tt.Behavior(stabilization_window=300,
                               rate_limits=[tt.RateLimit('members', 2,
                                                         120)]))
    memory = tt.Memory(
        tuple((1000.0 - 30 * i, 10 + i % 3) for i in range(10)),
        ((900.0, 2), (950.0, -1)))
    benches['target_tracking'] = lambda: tt.decide(group, tp, 62.0, 1000.0,
                                                   memory)

    actions = [sch.ScheduledAction('morning', cron='0 8 * * 1-5',
                                   timezone='Europe/Paris', min_size=4),
               sch.ScheduledAction('evening', cron='0 19 * * 1-5',
                                   timezone='Europe/Paris', min_size=1)]
    # A one-hour window starting Monday 2026-11-23 06:30 UTC (07:30 in
    # Paris), so 'morning' fires once per decision.
    t0 = 1763879400.0
    benches['scheduled'] = lambda: sch.decide(group, actions, t0,
                                              t0 + 3600)

    proposals = [
        ('a', dec.DecisionBuilder(10).accept(12, 'a')),
        ('b', dec.DecisionBuilder(10).reject(dec.REJECT_NO_CHANGE, 'b')),
        ('c', dec.DecisionBuilder(10).accept(8, 'c')),
    ]
    benches['combine'] = lambda: cb.combine(proposals, cb.SAFEST)
    return benches


def planning_benches(size=10000):
    """``{name: callable}`` planning a ``size``-member group by +1 / -1."""
    members = _optional('members')
    removal = _optional('removal')
    if members is None or removal is None:
        return {}
    rng = random.Random(42)
    group = [removal.Member(members.short_id(rng), created_at=float(i),
                            zone='az%d' % (i % 3))
             for i in range(size)]
    # The AS engine keeps the names as a set (O(1) membership), so a
    # scale-out costs O(k) and never walks the group.
    names = {m.name for m in group}
    return {
        'scale_out_by_1': lambda: members.plan_resize(
            group, size + 1, 0, rng, names=names),
        'scale_in_by_1': lambda: members.plan_resize(group, size - 1, 0,
                                                     rng),
        'scale_in_by_1_balanced_zones': lambda: members.plan_resize(
            group, size - 1, 0, rng, balance_zones=True),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--quick', action='store_true',
                        help='fewer iterations (a smoke test, not a '
                        'measurement)')
    args = parser.parse_args(argv)
    scale = 0.02 if args.quick else 1.0
    result = {
        'python': platform.python_version(),
        'runs': args.runs,
        'decisions_per_second': {},
        'plan_ms_10000_members': {},
        'aims': {'simple_decisions_per_second': AIM_SIMPLE_PER_S,
                 'plan_ms': AIM_PLAN_MS},
        'missing': [],
    }
    iterations = {'simple': 50000, 'step': 30000, 'target_tracking': 20000,
                  'scheduled': 500, 'combine': 30000}
    benches = decision_benches()
    for kind in ('simple', 'step', 'target_tracking', 'scheduled',
                 'combine'):
        if kind not in benches:
            result['missing'].append(kind)
            continue
        n = max(1, int(iterations[kind] * scale))
        result['decisions_per_second'][kind] = rate(benches[kind], n,
                                                    args.runs)
    plans = planning_benches()
    if not plans:
        result['missing'].append('members')
    for name, fn in sorted(plans.items()):
        n = max(1, int(200 * scale))
        result['plan_ms_10000_members'][name] = latency_ms(fn, n,
                                                           args.runs)
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
