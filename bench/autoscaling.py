"""Benchmark of auto-scaling on the embedded default.

One process runs what ``heat-all`` runs: an EngineService served on the
in-process RPC transport, a SQLite file (WAL) and the REST API on a real
threaded WSGI server (cheroot) bound to 127.0.0.1. Groups are
``OS::Heat::AutoScalingGroup`` of ``OS::Heat::None`` members with +1/-1
(and +N/-N) ``change_in_capacity`` policies, created as stacks.

Measures (each printed in one JSON document):

- ``warm_up``: a stack of 10 members created and deleted first, so that
  the process's first-use costs (imports, compiled statement caches) are
  not counted in the first size's figures, as a running ``heat-all``
  paid them with its first stack; its seconds are reported;
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
  accepted triggers. The client threads run in the benchmark's own
  process, beside the server: they compete with it for the one
  interpreter (the figures of the earlier README rows);
- ``triggers_1_client_process`` and ``triggers_process``: the same
  load from a separate process (``--load process``, and both with
  ``--load both``, the default), the honest measure of the server alone
  (as ``heat-all`` is used): the clients take another interpreter and
  none of the server's;
- ``sizes``: with several ``--size`` (e.g. ``--size 100 --size 1000
  --size 10000``), ``create``, ``delete_stack``, ``plus_1``, ``plus_n``
  and ``minus_n`` (+N from 0 then -N back to 0) for each N;
- ``slow_members`` (``--slow 100``): a group of N ``OS::Heat::TestResource``
  members whose create takes 1 s each: seconds to create (the members'
  handlers run concurrently: well under N seconds) and to delete.

- ``bench_process_peak_rss_mb``: this process's peak RSS
  (``ru_maxrss``) at the end: the engine's parts and the bench's own
  bookkeeping together, every size included;
- ``heat_all_rss`` (``--heat-all-rss N``): a real ``heat-all`` process
  (embedded default, ``max_resources_per_stack = -1``) given over REST a
  stack whose ``OS::Heat::AutoScalingGroup`` starts at N
  ``OS::Heat::None`` members, until CREATE_COMPLETE; then
  +``--rss-step`` (default 1000) and -``--rss-step`` through the
  policies' signal URLs, each until converged; then the stack's
  resources listed with ``nested_depth=1`` (every member). ``peak_rss_mb``
  is the process's VmHWM (/proc/<pid>/status) at the end (aim: under
  400 MB at N = 10,000); ``stages`` has VmRSS and VmHWM after each step.
  ``--only-rss`` measures only that; ``--tracemalloc FILE`` runs heat-all
  under tracemalloc and writes its top entries (file:line, then
  tracebacks) after the listing to FILE (tracemalloc's own bookkeeping
  more than doubles the RSS: use it to attribute, not to measure).

``--no-triggers`` leaves out the decision and trigger measurements;
``--load thread|process|both`` chooses where the REST clients run;
``--profile FILE`` profiles every thread (yappi, CPU time) and writes
the top entries (cumulative) to FILE.

    .venv/bin/python bench/autoscaling.py [--size 1000 ...]
        [--triggers 1000] [--clients 8] [--no-triggers] [--slow 100]
        [--load thread|process|both] [--profile FILE]
        [--heat-all-rss 10000 [--rss-step 1000] [--only-rss]
         [--tracemalloc FILE]]
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

    def warm_up(self):
        """A stack of 10 members created and deleted before anything is
        measured: the process's first-use costs (imports of the resource
        types, compiled statement caches) are paid here, as a running
        heat-all paid them with its first stack. Seconds of each."""
        t0 = time.perf_counter()
        ident, _ = self.create_n(10)
        created = time.perf_counter() - t0
        deleted = self.delete_timed(ident)
        self.counter.take()
        return {'members': 10, 'create_seconds': round(created, 3),
                'delete_stack_seconds': deleted}

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

    def triggers(self, count, clients, separate=False):
        """``count`` REST triggers from ``clients`` keep-alive clients:
        threads of this process, or (``separate``) of another one."""
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
        load_before = os.getloadavg()[0]
        cpu0 = time.process_time()
        if separate:
            out = fire_in_process(port, path, count, clients)
        else:
            # the same load generator as bench/distributed.py
            out = distributed.fire(distributed.Target(port, None, dict),
                                   path, count, clients)
        out['load'] = 'separate process' if separate else \
            'threads of the server\'s process'
        final = self.wait_converged(gid, out['accepted'])
        # CPU seconds of this process (the server, the convergence of
        # the accepted triggers; and the clients when they are threads
        # here) per trigger: what the machine's load does not change
        out['process_cpu_ms_per_trigger'] = round(
            (time.process_time() - cpu0) * 1000 / count, 3)
        out['load_average_1min'] = [round(load_before, 2),
                                    round(os.getloadavg()[0], 2)]
        server.stop()
        self.delete(ident)
        out.update(final_capacity=final['desired_capacity'],
                   final_capacity_exact=(
                       final['desired_capacity'] == out['accepted'] ==
                       count))
        return out


#: the load generator of a separate process: ``fire`` of
#: heat/tests/functional/load.py, its result as JSON on stdout
_LOAD_PROCESS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from heat.tests.functional import load
port, path, count, clients = sys.argv[2:6]
print(json.dumps(load.fire(load.Target(int(port), None, dict), path,
                           int(count), int(clients))))
"""


def fire_in_process(port, path, count, clients):
    """:func:`heat.tests.functional.load.fire` run by another Python
    process (its clients use that interpreter, not the server's)."""
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(
        [sys.executable, '-c', _LOAD_PROCESS, root, str(port), path,
         str(count), str(clients)],
        capture_output=True, text=True, timeout=WAIT, check=False)
    if done.returncode != 0:
        raise RuntimeError('load process: exit %d: %s' % (
            done.returncode, done.stderr[-2000:]))
    return json.loads(done.stdout)


#: heat-all run by :func:`heat_all_rss` with ``--tracemalloc FILE``: the
#: command's own main, with a SIGUSR2 handler that writes tracemalloc's
#: top entries (by file:line, then by traceback) to FILE
_TRACED_HEAT_ALL = """
import signal, sys, threading, tracemalloc
tracemalloc.start(12)
out = sys.argv.pop(1)
def dump(signum, frame):
    def write():
        snap = tracemalloc.take_snapshot().filter_traces([
            tracemalloc.Filter(False, tracemalloc.__file__)])
        with open(out, 'w') as f:
            cur, peak = tracemalloc.get_traced_memory()
            f.write('traced now %.1f MB, traced peak %.1f MB\\n'
                    % (cur / 2**20, peak / 2**20))
            for st in snap.statistics('lineno')[:40]:
                f.write('%s\\n' % st)
            f.write('\\n# by traceback\\n')
            for st in snap.statistics('traceback')[:8]:
                f.write('%s\\n' % st)
                for line in st.traceback.format()[-24:]:
                    f.write('    %s\\n' % line)
        open(out + '.done', 'w').close()
    threading.Thread(target=write).start()
signal.signal(signal.SIGUSR2, dump)
from heat.cmd import all as heat_all
sys.exit(heat_all.main(sys.argv[1:]))
"""


def _loadavg():
    return ' '.join('%.2f' % x for x in os.getloadavg())


def _proc_status_kb(pid, key):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return None


def heat_all_rss(n, step, tracemalloc_file=None):
    """Peak RSS of a real ``heat-all`` process (VmHWM of
    /proc/<pid>/status) through a group of ``n`` ``OS::Heat::None``
    members: created over REST, +``step`` then -``step``, the member
    stack's resources listed (``nested_depth=1``)."""
    import signal

    from heat.tests.functional import processes
    tmp = tempfile.mkdtemp(prefix='heat-bench-rss-')
    conf = os.path.join(tmp, 'heat.conf')
    with open(conf, 'w') as f:
        f.write(distributed.CONF)
    port = processes.free_port()
    args = ['--config-file', conf, '--state-dir',
            os.path.join(tmp, 'state'), '--bind-host', '127.0.0.1',
            '--bind-port', str(port)]
    if tracemalloc_file:
        proc = processes.Process('heat-all', [
            os.path.basename(sys.executable), '-c', _TRACED_HEAT_ALL,
            tracemalloc_file] + args, tmp)
    else:
        proc = processes.Process('heat-all', ['heat-all'] + args, tmp)
    pid = proc.proc.pid
    samples = {'max_rss_kb': 0}
    stop = threading.Event()

    def sample():
        while not stop.wait(0.05):
            try:
                rss = _proc_status_kb(pid, 'VmRSS') or 0
            except OSError:
                return
            samples['max_rss_kb'] = max(samples['max_rss_kb'], rss)
    sampler = threading.Thread(target=sample, daemon=True)
    out = {'members': n, 'step': step,
           'process': 'heat-all (embedded default: SQLite, in-process '
                      'RPC)'}
    stages = {}

    def stage(name):
        stages[name] = {
            'rss_mb': round(_proc_status_kb(pid, 'VmRSS') / 1024, 1),
            'hwm_mb': round(_proc_status_kb(pid, 'VmHWM') / 1024, 1)}
    try:
        proc.wait_for('port %d' % port,
                      lambda: processes.answers('127.0.0.1', port, 1))
        sampler.start()
        stage('started')
        query = distributed.sqlite_query(
            os.path.join(tmp, 'state', 'heat.sqlite'))
        target = distributed.Target(port, query, dict)
        project, name = 'bench', 'rss%d' % n
        t0 = time.perf_counter()
        stack_id = distributed.post_stack(
            target, project, name,
            distributed.template(n, n + step, adjust=step, down=True))
        distributed.wait_stack_created(target, project, name, stack_id,
                                       timeout=WAIT)
        out['create_s'] = round(time.perf_counter() - t0, 2)
        stage('created')
        gid = query("SELECT id FROM scaling_group WHERE stack_id = '%s'"
                    % stack_id)[0][0]
        base = '/v1/%s/stacks/%s/%s' % (project, name, stack_id)
        for policy, size in (('up', n + step), ('down', n)):
            t0 = time.perf_counter()
            status, body = target.request(
                'POST', '%s/resources/%s/signal' % (base, policy), {})
            if status >= 300:
                raise RuntimeError('%s: HTTP %d %s' % (policy, status,
                                                       body[:500]))
            deadline = time.monotonic() + WAIT
            while True:
                g = distributed.group_state(target, gid)
                if g['converged_version'] >= g['version'] and \
                        g['desired_capacity'] == g['active_members'] == \
                        g['member_rows'] == size:
                    break
                if time.monotonic() > deadline or g['status'] == 'FAILED':
                    raise RuntimeError('%s: not converged: %s' % (policy, g))
                time.sleep(0.1)
            out['%s_s' % policy] = round(time.perf_counter() - t0, 2)
            stage('after_' + policy)
        t0 = time.perf_counter()
        status, body = target.request('GET', '%s/resources?nested_depth=1'
                                      % base)
        if status != 200:
            raise RuntimeError('listing: HTTP %d %s' % (status, body[:500]))
        out['listed_resources'] = len(json.loads(body)['resources'])
        out['list_s'] = round(time.perf_counter() - t0, 2)
        stage('after_list')
        if tracemalloc_file:
            os.kill(pid, signal.SIGUSR2)
            deadline = time.monotonic() + 300
            while not os.path.exists(tracemalloc_file + '.done') and \
                    time.monotonic() < deadline:
                time.sleep(0.5)
            out['tracemalloc'] = tracemalloc_file
        hwm = _proc_status_kb(pid, 'VmHWM')
        out['stages'] = stages
        out['peak_rss_mb'] = round(hwm / 1024, 1)
        out['sampled_max_rss_mb'] = round(samples['max_rss_kb'] / 1024, 1)
        out['aim_mb'] = 400
        out['under_aim'] = hwm / 1024 < 400
        return out
    finally:
        stop.set()
        code = proc.stop()
        if code not in (0, None):
            sys.stderr.write('heat-all exit code at stop: %r\n%s\n' % (
                code, proc.output()[1][-3000:]))
        shutil.rmtree(tmp, ignore_errors=True)


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
    parser.add_argument('--load', choices=('thread', 'process', 'both'),
                        default='both',
                        help='where the REST clients run: threads of this '
                             'process (beside the server), a separate '
                             'process, or both (default)')
    parser.add_argument('--profile', metavar='FILE',
                        help='profile every thread (yappi) into FILE')
    parser.add_argument('--heat-all-rss', type=int, default=0, metavar='N',
                        help='also the peak RSS of a real heat-all through '
                             'a group of N members (+/- --rss-step)')
    parser.add_argument('--rss-step', type=int, default=1000)
    parser.add_argument('--only-rss', action='store_true',
                        help='measure --heat-all-rss only')
    parser.add_argument('--tracemalloc', metavar='FILE',
                        help='with --heat-all-rss: tracemalloc\'s top '
                             'entries of heat-all after the listing, '
                             'into FILE')
    args = parser.parse_args(argv)
    if args.only_rss:
        out = {'benchmark': 'autoscaling', 'load_before': _loadavg(),
               'heat_all_rss': heat_all_rss(args.heat_all_rss or 10000,
                                            args.rss_step,
                                            args.tracemalloc)}
        out['peak_rss_mb'] = out['heat_all_rss']['peak_rss_mb']
        out['load_after'] = _loadavg()
        print(json.dumps(out, indent=2))
        return 0
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
            out['warm_up'] = bench.warm_up()
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
            if args.load in ('thread', 'both'):
                out['triggers_1_client'] = bench.triggers(args.triggers, 1)
                out['triggers'] = bench.triggers(args.triggers,
                                                 args.clients)
            if args.load in ('process', 'both'):
                out['triggers_1_client_process'] = bench.triggers(
                    args.triggers, 1, separate=True)
                out['triggers_process'] = bench.triggers(
                    args.triggers, args.clients, separate=True)
    finally:
        bench.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        if args.profile:
            _write_profile(args.profile)
    # this process's peak: the engine's parts and the bench's own
    # bookkeeping (the client, the JSON figures), all sizes together
    import resource
    out['bench_process_peak_rss_mb'] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if args.heat_all_rss:
        out['heat_all_rss'] = heat_all_rss(args.heat_all_rss, args.rss_step,
                                           args.tracemalloc)
        out['peak_rss_mb'] = out['heat_all_rss']['peak_rss_mb']
    print(json.dumps(out, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
