"""Benchmark of auto-scaling on the embedded default.

One process runs what ``heat-all`` runs: an EngineService served on the
in-process RPC transport, a SQLite file (WAL) and the REST API on a real
threaded WSGI server (cheroot) bound to 127.0.0.1. Groups are
``OS::Heat::AutoScalingGroup`` of ``OS::Heat::None`` members with +1/-1
(and +N/-N) ``change_in_capacity`` policies, created as stacks.

Measures (each printed in one JSON document):

- ``create``: a stack whose group starts at N members (default 1000),
  until CREATE_COMPLETE (every member ACTIVE): seconds and rows
  inserted; ``delete_stack``: deleting that stack (its members with it)
  until it is gone;
- ``step_plus_1``: one +1 trigger at N = 10 and at N = 1000 until the
  group has converged: seconds, rows inserted and rows updated
  (statements counted by an SQLAlchemy listener), and the ratio of the two
  times (aim: within 1.5x);
- ``scale_0_to_n``: a group at 0 members given +N: seconds until N
  members exist (aim: 0 to 1000 in under 5 s); then -N back to 0;
- ``decisions_rpc``: ``--triggers`` calls of ``execute_scaling_policy``
  (the decision alone, through the in-process RPC) while the accepted
  decisions converge: decisions per second, p50/p99 latency;
- ``triggers_1_client`` and ``triggers``: ``--triggers`` POSTs to the +1
  policy's signal URL over
  REST from ``--clients`` concurrent keep-alive clients (cooldown 0, max
  large): decisions per second and the p50/p99 trigger-to-decision
  latency (the HTTP round trip: the decision is made and returned
  synchronously); the final capacity is checked against the count of
  accepted triggers;
- ``sizes``: with several ``--size`` (e.g. ``--size 100 --size 1000
  --size 10000``), ``create``, ``delete_stack``, ``plus_1``, ``plus_n``
  and ``minus_n`` (+N from 0 then -N back to 0) for each N;
- ``slow_members`` (``--slow 100``): a group of N ``OS::Heat::TestResource``
  members whose create takes 1 s each: seconds to create (the members'
  handlers run concurrently: well under N seconds) and to delete.

``--no-triggers`` leaves out the decision and trigger measurements;
``--profile FILE`` profiles every thread (yappi, CPU time) and writes
the top entries (cumulative) to FILE.

    .venv/bin/python bench/autoscaling.py [--size 1000 ...]
        [--triggers 1000] [--clients 8] [--no-triggers] [--slow 100]
        [--profile FILE]
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

# the REST load generator, shared with bench/distributed.py
from heat.tests.functional import load as distributed  # noqa: E402

WAIT = 600


class WriteCounter:
    """INSERT / UPDATE / DELETE statements and rows, by an SQLAlchemy
    listener on the engine's database."""

    def __init__(self, engine):
        import sqlalchemy as sa
        self.counts = {'insert': 0, 'update': 0, 'delete': 0}
        self.lock = threading.Lock()
        sa.event.listen(engine, 'after_cursor_execute', self._after)

    def _after(self, conn, cursor, statement, parameters, context,
               executemany):
        verb = statement.lstrip()[:6].lower()
        if verb not in self.counts:
            return
        rows = cursor.rowcount if cursor.rowcount and cursor.rowcount > 0 \
            else (len(parameters) if executemany else 1)
        with self.lock:
            self.counts[verb] += rows

    def take(self):
        with self.lock:
            out = dict(self.counts)
            for k in self.counts:
                self.counts[k] = 0
        return out


class Bench:
    def __init__(self, tmp):
        from heat.common import config, context
        from heat.db import api as db_api
        from heat.db import migration
        from heat.engine import service
        from heat.engine.autoscaling import client as as_client
        from heat.rpc import client as rpc_client
        from heat.rpc import server as rpc_server
        from heat.rpc import transport as rpc_transport

        conf = config.CONF
        rpc_transport.register_opts(conf)
        conf.set_override('transport_url', 'inproc://bench')
        conf.set_override('max_resources_per_stack', -1)
        as_client.reset()
        url = 'sqlite:///%s' % os.path.join(tmp, 'heat.sqlite')
        migration.upgrade(url)
        db_api.configure(url)
        self.counter = WriteCounter(db_api.get_engine())
        transport = rpc_transport.get_transport('inproc://bench')
        self.svc = service.EngineService(engine_id='bench-engine',
                                         report_interval=3600)
        self.svc.start()
        self.server = rpc_server.EngineServer(self.svc, transport).start()
        self.client = rpc_client.EngineClient(transport, timeout=WAIT)
        self.ctx = context.RequestContext(project_id='bench',
                                          user_id='bench')
        self.groups = {}

    def stop(self):
        from heat.db import api as db_api
        self.server.stop()
        self.svc.stop(WAIT)
        db_api.dispose()

    # -- helpers -------------------------------------------------------------

    def create(self, name, tmpl):
        ident = self.client.create_stack(self.ctx, name, json.dumps(tmpl),
                                         {}, {}, {'timeout_mins': 60})
        self.wait_stack(ident, 'CREATE_COMPLETE')
        return ident

    def wait_stack(self, ident, expect):
        if not self.svc.wait(ident, WAIT):
            raise RuntimeError('stack action did not end')
        info = self.client.show_stack(self.ctx, ident,
                                      resolve_outputs=False)[0]
        state = '%s_%s' % (info['stack_action'], info['stack_status'])
        if state != expect:
            raise RuntimeError('%s: %s' % (state,
                                           info['stack_status_reason']))

    def group_id(self, ident):
        # asked once per stack: describing the group resolves its
        # attributes, which reads every member
        key = ident['stack_id']
        if key not in self.groups:
            res = self.client.describe_stack_resource(self.ctx, ident,
                                                      'group')
            self.groups[key] = res['physical_resource_id']
        return self.groups[key]

    def wait_converged(self, gid, size):
        start = time.monotonic()
        deadline = start + WAIT
        while True:
            g = self.client.show_scaling_group(self.ctx, gid)
            if g['converged'] and g['current_size'] == size:
                return g
            if g['status'] == 'FAILED':
                raise RuntimeError('group FAILED: %s' % g['status_reason'])
            if time.monotonic() > deadline:
                raise RuntimeError('group not converged: %s' % g)
            # poll fast for short steps, gently for long ones (a poll is
            # a few queries: it must not slow down what it measures)
            time.sleep(0.002 if time.monotonic() - start < 0.2 else 0.02)

    def delete(self, ident):
        self.client.delete_stack(self.ctx, ident)
        self.svc.wait(ident, WAIT)

    def delete_timed(self, ident):
        """Seconds to delete a stack (and its group's members) until its
        deletion has ended."""
        t0 = time.perf_counter()
        self.delete(ident)
        took = time.perf_counter() - t0
        info = self.client.show_stack(self.ctx, ident,
                                      resolve_outputs=False)[0]
        state = '%s_%s' % (info['stack_action'], info['stack_status'])
        if state != 'DELETE_COMPLETE':
            raise RuntimeError('delete: %s' % state)
        return round(took, 3)

    # -- measurements --------------------------------------------------------

    def create_n(self, n, max_size=None):
        self.counter.take()
        t0 = time.perf_counter()
        ident = self.create('create%d' % n, distributed.template(
            n, max_size or max(n, 1), down=True))
        took = time.perf_counter() - t0
        return ident, {'members': n, 'seconds': round(took, 3),
                       'rows': self.counter.take()}

    def step(self, ident, n, policy='up', delta=1):
        gid = self.group_id(ident)
        self.wait_converged(gid, n)
        self.counter.take()
        t0 = time.perf_counter()
        decision = self.client.resource_signal(self.ctx, ident, policy,
                                               None, sync_call=False)
        self.wait_converged(gid, n + delta)
        took = time.perf_counter() - t0
        return {'from': n, 'to': n + delta, 'seconds': round(took, 4),
                'rows': self.counter.take(),
                'decision_reason': (decision or {}).get('reason')}

    def plus_one(self, n):
        ident, _c = self.create_n(n, max_size=n + 10)
        runs = [self.step(ident, n + i) for i in range(3)]
        self.delete(ident)
        best = min(runs, key=lambda r: r['seconds'])
        return {'members': n, 'seconds_best_of_3': best['seconds'],
                'seconds_runs': [r['seconds'] for r in runs],
                'rows': best['rows']}

    def big_steps(self, n):
        ident = self.create('big%d' % n, distributed.template(
            0, n, adjust=n, down=True))
        out = {'members': n}
        for name, policy, start, delta in (('plus_n', 'up', 0, n),
                                           ('minus_n', 'down', n, -n)):
            r = self.step(ident, start, policy, delta)
            out[name] = {'seconds': r['seconds'], 'rows': r['rows']}
        self.delete(ident)
        return out

    def size(self, n):
        """create, delete the stack, +1, +N / -N at ``n`` members."""
        ident, out = self.create_n(n)
        out = {'create': out}
        out['delete_stack'] = {'seconds': self.delete_timed(ident),
                               'rows': self.counter.take()}
        out['plus_1'] = self.plus_one(n)
        out.update(self.big_steps(n))
        return out

    def slow(self, n, secs=1):
        """``n`` members whose create takes ``secs`` each."""
        tmpl = distributed.template(n, n, down=True)
        tmpl['resources']['group']['properties']['resource'] = {
            'type': 'OS::Heat::TestResource',
            'properties': {'action_wait_secs': {'create': secs}}}
        t0 = time.perf_counter()
        ident = self.create('slow%d' % n, tmpl)
        took = time.perf_counter() - t0
        return {'members': n, 'type': 'OS::Heat::TestResource',
                'create_wait_secs': secs,
                'create_seconds': round(took, 3),
                'delete_stack_seconds': self.delete_timed(ident)}

    def decisions_rpc(self, count):
        """The decision alone: ``execute_scaling_policy`` over the RPC
        (cooldown 0, +1), each accepted decision converging a member in
        the background meanwhile."""
        ident = self.create('decisions', distributed.template(
            0, 1000000, down=True))
        gid = self.group_id(ident)
        policy = self.client.describe_stack_resource(
            self.ctx, ident, 'up')['physical_resource_id']
        latencies = []
        t0 = time.perf_counter()
        for _ in range(count):
            t1 = time.perf_counter()
            self.client.execute_scaling_policy(self.ctx, policy)
            latencies.append(time.perf_counter() - t1)
        took = time.perf_counter() - t0
        self.wait_converged(gid, count)
        self.delete(ident)
        latencies.sort()
        return {'decisions': count,
                'decisions_per_s': round(count / took, 1),
                'p50_ms': round(statistics.median(latencies) * 1000, 2),
                'p99_ms': round(latencies[int(len(latencies) * 0.99) - 1]
                                * 1000, 2)}

    def triggers(self, count, clients):
        from heat.api import app as api_app
        from heat.cmd import common
        ident = self.create('triggers', distributed.template(
            0, 1000000, down=True))
        gid = self.group_id(ident)
        from heat.common import config
        wsgi = api_app.make_app(self.client)
        server = common.make_wsgi_server(config.CONF, wsgi,
                                         host='127.0.0.1', port=0)
        server.prepare()
        port = server.bind_addr[1]
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        path = ('/v1/bench/stacks/%s/%s/resources/up/signal'
                % (ident['stack_name'], ident['stack_id']))
        # the same load generator as bench/distributed.py
        out = distributed.fire(distributed.Target(port, None, dict), path,
                               count, clients)
        final = self.wait_converged(gid, out['accepted'])
        server.stop()
        self.delete(ident)
        out.update(final_capacity=final['desired_capacity'],
                   final_capacity_exact=(
                       final['desired_capacity'] == out['accepted'] ==
                       count))
        return out


def _write_profile(path, top=40):
    import yappi
    yappi.stop()
    stats = yappi.get_func_stats()
    with open(path, 'w') as f:
        for key, only in (('ttot', None), ('tsub', None),
                          ('ttot', os.sep + 'heat' + os.sep)):
            stats.sort(key, 'desc')
            f.write('# top %d by %s%s (CPU seconds, all threads)\n' % (
                top, 'cumulative' if key == 'ttot' else 'own time',
                ', heat code only' if only else ''))
            f.write('%10s %10s %10s  %s\n' % ('ncall', 'tsub', 'ttot',
                                               'function'))
            chosen = [st for st in stats if only is None or
                      only in st.module][:top]
            for st in chosen:
                f.write('%10d %10.3f %10.3f  %s (%s:%d)\n' % (
                    st.ncall, st.tsub, st.ttot, st.name,
                    os.path.relpath(st.module), st.lineno))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, action='append',
                        help='members (repeat for several; default 1000)')
    parser.add_argument('--triggers', type=int, default=1000)
    parser.add_argument('--clients', type=int, default=8)
    parser.add_argument('--only-triggers', action='store_true',
                        help='measure the REST triggers only')
    parser.add_argument('--no-triggers', action='store_true',
                        help='leave out the decisions and triggers')
    parser.add_argument('--slow', type=int, default=0, metavar='N',
                        help='also N members whose create takes 1 s')
    parser.add_argument('--profile', metavar='FILE',
                        help='profile every thread (yappi) into FILE')
    args = parser.parse_args(argv)
    sizes = args.size or [1000]
    if args.profile:
        import yappi
        yappi.set_clock_type('cpu')
        yappi.start()
    import logging
    logging.basicConfig(level=logging.WARNING)
    tmp = tempfile.mkdtemp(prefix='heat-bench-as-')
    bench = Bench(tmp)
    try:
        out = {'benchmark': 'autoscaling',
               'machine': {'python': platform.python_version(),
                           'cpus': os.cpu_count(),
                           'platform': platform.platform()},
               'members': 'OS::Heat::None', 'database': 'sqlite file (WAL)',
               'rpc': 'in-process'}
        if not args.only_triggers:
            out['sizes'] = {}
            for n in sizes:
                out['sizes']['n%d' % n] = bench.size(n)
            large = out['sizes']['n%d' % sizes[-1]]
            out['create'] = large['create']
            out['delete_stack'] = large['delete_stack']
            small = bench.plus_one(10)
            out['step_plus_1'] = {
                'n10': small, 'n%d' % sizes[-1]: large['plus_1'],
                'ratio_large_to_small': round(
                    large['plus_1']['seconds_best_of_3'] /
                    small['seconds_best_of_3'], 2)}
            out['scale_0_to_n'] = {k: large[k] for k in
                                   ('members', 'plus_n', 'minus_n')}
            if args.slow:
                out['slow_members'] = bench.slow(args.slow)
        if not args.no_triggers:
            out['decisions_rpc'] = bench.decisions_rpc(args.triggers)
            out['triggers_1_client'] = bench.triggers(args.triggers, 1)
            out['triggers'] = bench.triggers(args.triggers, args.clients)
    finally:
        bench.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        if args.profile:
            _write_profile(args.profile)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
