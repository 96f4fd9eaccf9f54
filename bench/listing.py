"""Benchmark of resource listings of a big member stack.

One process runs the embedded default (as ``bench/autoscaling.py``: an
EngineService on the in-process RPC, a SQLite file): a stack holding an
``OS::Heat::AutoScalingGroup`` of N ``OS::Heat::None`` members, then
``list_stack_resources`` of the group's member stack (what ``openstack
stack resource list`` on it asks) and of the parent with
``nested_depth=1``, each timed cold (first call) and warm (best of 3).

Prints one JSON document; the aim (issue "Performance") is linear
listings with a small constant: a member stack of 1,000 well under
0.5 s.

    .venv/bin/python bench/listing.py [--sizes 250,1000,2000]
"""

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import autoscaling  # noqa: E402  (bench/autoscaling.py: the embedded engine)

from heat.tests.functional import load  # noqa: E402


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def measure(bench, n):
    ident = bench.create('list%d' % n, load.template(n, n, down=True))
    bench.wait_converged(bench.group_id(ident), n)
    nested = bench.client.list_stack_resources(bench.ctx, ident,
                                               nested_depth=1)
    member_stack = [r for r in nested
                    if r.get('parent_resource') == 'group'][0][
        'stack_identity']
    out = {'members': n}
    for name, ident_, depth in (('member_stack', member_stack, 0),
                                ('parent_nested_depth_1', ident, 1)):
        def call(i=ident_, d=depth):
            return bench.client.list_stack_resources(bench.ctx, i,
                                                     nested_depth=d)
        cold, listed = timed(call)
        warm = min(timed(call)[0] for _ in range(3))
        out[name] = {'listed': len(listed), 'cold_s': round(cold, 3),
                     'warm_s': round(warm, 3)}
    bench.delete(ident)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='250,1000,2000')
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(',') if s]
    tmp = tempfile.mkdtemp(prefix='heat-bench-listing-')
    bench = autoscaling.Bench(tmp)
    try:
        results = [measure(bench, n) for n in sizes]
    finally:
        bench.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({'benchmark': 'listing', 'python':
                      platform.python_version(), 'results': results},
                     indent=2))


if __name__ == '__main__':
    main()
