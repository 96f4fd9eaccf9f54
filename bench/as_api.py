"""Benchmark of the Auto-Scaling API v1 through a real ``heat-all``.

Starts ``heat-all`` on the embedded default (a throwaway state
directory, SQLite, in-process RPC, noauth, a free port on 127.0.0.1),
then, over REST with plain ``http.client`` keep-alive connections (one
per client thread):

- ``execute_accepted``: ``POST /autoscaling/v1/<project>/groups/<id>/
  policies/<pid>/execute`` on a group of ``OS::Heat::None`` members
  (min 0, max 100000, desired 8, cooldown 0) with two policies of
  cooldown 0, +1 and -1 ``change_in_capacity``: each client alternates
  them, so every decision is accepted (the capacity stays within 0..16)
  and each one is converged meanwhile, as in production;
- ``execute_rejected``: the same on a group at its max (min 0, max 0):
  a +1 policy, every decision rejected (nothing written but the
  activity);

each with 1 client and with ``--clients`` concurrent clients, each
making ``--requests`` requests: decisions per second, p50/p99 latency
(ms), the HTTP status counts and whether every decision had the
expected outcome;

- ``list_groups``: ``--groups`` groups (``OS::Heat::None``, desired 0)
  created through the API (``POST .../groups`` from 8 threads) in a
  project of their own, then ``GET .../groups`` with the default page
  size (no ``limit``: every group) and with ``limit=1000``,
  ``--list-requests`` times each from one client: p50/p99 (ms).

Aims (the issue's): execute p99 under 20 ms for 1 client; the list of
1,000 groups under 100 ms. Prints one JSON document (``aims_met``).
Skipped (``"skipped"`` with the reason) when heat-all is not installed
next to this Python or does not start.

``--profile FILE``: run heat-all under yappi (every thread; the wall
clock, or the CPU clock with ``--profile-clock cpu``) and write its
functions by cumulative time to FILE at the end.

    .venv/bin/python bench/as_api.py [--requests 300] [--clients 8]
        [--groups 1000] [--list-requests 30] [--skip-execute]
        [--skip-list] [--profile FILE [--profile-clock cpu]]
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

PROJECT = 'bench'
LIST_PROJECT = 'benchlist'
MEMBER = {'type': 'OS::Heat::None'}

PROFILED = '''
import sys, yappi
yappi.set_clock_type(sys.argv[2])
yappi.start(builtins=False)
from heat.cmd.all import main
try:
    main(sys.argv[3:])
finally:
    yappi.stop()
    stats = yappi.get_func_stats()
    stats.sort('ttot')
    with open(sys.argv[1], 'w') as out:
        stats.print_all(out=out, columns={
            0: ('name', 90), 1: ('ncall', 10), 2: ('tsub', 8),
            3: ('ttot', 8), 4: ('tavg', 8)})
'''


def pct(ordered, q):
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))]


def summary(latencies, elapsed):
    ordered = sorted(latencies)
    return {'requests': len(ordered),
            'per_second': round(len(ordered) / elapsed, 1),
            'p50_ms': round(pct(ordered, 0.5) * 1000, 2),
            'p99_ms': round(pct(ordered, 0.99) * 1000, 2),
            'max_ms': round(ordered[-1] * 1000, 2)}


class Conn:
    """A keep-alive HTTP connection to heat-all."""

    def __init__(self, host, port):
        self.c = http.client.HTTPConnection(host, port, timeout=60)

    def call(self, method, path, body=None):
        headers = {'Accept': 'application/json'}
        data = None
        if body is not None:
            headers['Content-Type'] = 'application/json'
            data = json.dumps(body)
        self.c.request(method, path, body=data, headers=headers)
        resp = self.c.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)

    def ok(self, method, path, body=None, expect=(200, 201, 202, 204)):
        status, data = self.call(method, path, body)
        if status not in expect:
            raise RuntimeError('%s %s: %s %s' % (method, path, status, data))
        return data

    def close(self):
        self.c.close()


class HeatAll:
    def __init__(self, profile=None, clock='wall'):
        self.profile = profile
        self.clock = clock
        self.state = tempfile.mkdtemp(prefix='heat-bench-as-')
        self.proc = None

    def start(self):
        exe = shutil.which('heat-all', path=os.path.dirname(sys.executable))
        if exe is None:
            raise RuntimeError('heat-all is not installed next to %s'
                               % sys.executable)
        args = ['--state-dir', self.state, '--bind-host', '127.0.0.1',
                '--bind-port', '0']
        if self.profile:
            cmd = [sys.executable, '-c', PROFILED,
                   os.path.abspath(self.profile), self.clock] + args
        else:
            cmd = [exe] + args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        found = re.search(r'http://([\d.]+):(\d+)', line or '')
        if found is None:
            self.stop()
            raise RuntimeError('heat-all did not start: %r' % line)
        self.host, self.port = found.group(1), int(found.group(2))
        return self

    def conn(self):
        return Conn(self.host, self.port)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.state, ignore_errors=True)


def base(project):
    return '/autoscaling/v1/%s' % project


def wait_active(conn, gid, timeout=120, capacity=None):
    deadline = time.monotonic() + timeout
    while True:
        g = conn.ok('GET', '%s/groups/%s' % (base(PROJECT), gid))['group']
        if g['converged'] and (capacity is None or
                               g['current_size'] == capacity):
            return g
        if g['status'] == 'FAILED' or time.monotonic() > deadline:
            raise RuntimeError('group %s not converged: %s' % (gid, g))
        time.sleep(0.05)


def execute_load(server, paths, clients, requests, accepted):
    """``clients`` threads, each POSTing ``requests`` times to the paths
    in turn (client i starts at path i: the +1/-1 pairs interleave)."""
    latencies = []
    statuses = {}
    wrong = [0]
    lock = threading.Lock()
    errors = []

    def client(i):
        conn = server.conn()
        mine = []
        codes = {}
        bad = 0
        try:
            for n in range(requests):
                path = paths[(i + n) % len(paths)]
                t0 = time.perf_counter()
                status, data = conn.call('POST', path, {})
                mine.append(time.perf_counter() - t0)
                codes[status] = codes.get(status, 0) + 1
                if status != 200 or \
                        data['decision']['accepted'] != accepted:
                    bad += 1
                    if len(errors) < 3:
                        errors.append(data)
        finally:
            conn.close()
        with lock:
            latencies.extend(mine)
            wrong[0] += bad
            for k, v in codes.items():
                statuses[str(k)] = statuses.get(str(k), 0) + v

    threads = [threading.Thread(target=client, args=(i,))
               for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = summary(latencies, time.perf_counter() - t0)
    out.update(clients=clients, statuses=statuses,
               unexpected_outcomes=wrong[0])
    if errors:
        out['first_unexpected'] = errors
    return out


def bench_execute(server, args):
    conn = server.conn()
    g = conn.ok('POST', '%s/groups' % base(PROJECT), {
        'name': 'accept', 'min_size': 0, 'max_size': 100000,
        'desired_capacity': 8, 'cooldown': 0, 'resource': MEMBER})['group']
    gid = g['id']
    pols = [conn.ok('POST', '%s/groups/%s/policies' % (base(PROJECT), gid), {
        'name': name, 'adjustment_type': 'change_in_capacity',
        'scaling_adjustment': adj, 'cooldown': 0})['policy']['id']
        for name, adj in (('up', 1), ('down', -1))]
    wait_active(conn, gid, capacity=8)
    accept_paths = ['%s/groups/%s/policies/%s/execute' % (base(PROJECT), gid,
                                                          p) for p in pols]
    full = conn.ok('POST', '%s/groups' % base(PROJECT), {
        'name': 'full', 'min_size': 0, 'max_size': 0, 'desired_capacity': 0,
        'cooldown': 0, 'resource': MEMBER})['group']
    pfull = conn.ok('POST', '%s/groups/%s/policies' % (base(PROJECT),
                                                       full['id']), {
        'name': 'up', 'adjustment_type': 'change_in_capacity',
        'scaling_adjustment': 1, 'cooldown': 0})['policy']['id']
    reject_paths = ['%s/groups/%s/policies/%s/execute' % (
        base(PROJECT), full['id'], pfull)]
    # warm-up (first-use imports, caches, connections)
    execute_load(server, accept_paths, 1, 20, True)
    execute_load(server, reject_paths, 1, 20, False)
    out = {}
    for label, paths, ok in (('accepted', accept_paths, True),
                             ('rejected', reject_paths, False)):
        for clients in (1, args.clients):
            out['execute_%s_%d_client%s' % (
                label, clients, 's' if clients > 1 else '')] = \
                execute_load(server, paths, clients, args.requests, ok)
    conn.close()  # idle during the runs: the server may have closed it
    conn = server.conn()
    final = wait_active(conn, gid, timeout=300)
    out['accepted_group_after'] = {
        'desired_capacity': final['desired_capacity'],
        'current_size': final['current_size'],
        'converged': final['converged']}
    conn.close()
    return out


def bench_list(server, args):
    path = '%s/groups' % base(LIST_PROJECT)
    made = [0]
    lock = threading.Lock()
    failures = []

    def creator(i, n):
        conn = server.conn()
        try:
            for k in range(n):
                status, data = conn.call('POST', path, {
                    'name': 'g%02d-%05d' % (i, k), 'min_size': 0,
                    'max_size': 10, 'desired_capacity': 0,
                    'resource': MEMBER})
                if status != 201:
                    failures.append((status, data))
                    return
                with lock:
                    made[0] += 1
        finally:
            conn.close()

    threads = 8
    per = [args.groups // threads + (1 if i < args.groups % threads else 0)
           for i in range(threads)]
    t0 = time.perf_counter()
    workers = [threading.Thread(target=creator, args=(i, n))
               for i, n in enumerate(per)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    created_s = time.perf_counter() - t0
    if failures:
        raise RuntimeError('group creation failed: %s' % (failures[:3],))
    out = {'groups': made[0], 'created_through': 'REST POST .../groups, '
           '8 threads', 'create_seconds': round(created_s, 1)}
    conn = server.conn()
    for label, query in (('default_page', ''), ('limit_1000',
                                                 '?limit=1000')):
        conn.ok('GET', path + query)  # warm-up
        latencies = []
        listed = None
        t0 = time.perf_counter()
        for _ in range(args.list_requests):
            t1 = time.perf_counter()
            data = conn.ok('GET', path + query)
            latencies.append(time.perf_counter() - t1)
            listed = len(data['groups'])
        result = summary(latencies, time.perf_counter() - t0)
        result['listed'] = listed
        out[label] = result
    conn.close()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--requests', type=int, default=300,
                        help='execute requests per client per run')
    parser.add_argument('--clients', type=int, default=8)
    parser.add_argument('--groups', type=int, default=1000)
    parser.add_argument('--list-requests', type=int, default=30)
    parser.add_argument('--skip-list', action='store_true')
    parser.add_argument('--skip-execute', action='store_true')
    parser.add_argument('--profile', metavar='FILE')
    parser.add_argument('--profile-clock', choices=('wall', 'cpu'),
                        default='wall')
    args = parser.parse_args(argv)
    out = {'benchmark': 'as_api',
           'server': 'heat-all (SQLite, in-process RPC, noauth)',
           'machine': {'python': platform.python_version(),
                       'cpus': os.cpu_count(),
                       'platform': platform.platform()},
           'aims': {'execute_p99_ms_1_client': 20,
                    'list_1000_groups_ms': 100}}
    server = HeatAll(args.profile, args.profile_clock)
    t0 = time.perf_counter()
    try:
        try:
            server.start()
        except (OSError, RuntimeError) as exc:
            out['skipped'] = str(exc)
            print(json.dumps(out, indent=2))
            return
        if not args.skip_execute:
            out.update(bench_execute(server, args))
        if not args.skip_list:
            out['list_groups'] = bench_list(server, args)
    finally:
        server.stop()
    out['seconds'] = round(time.perf_counter() - t0, 1)
    met = {}
    one = out.get('execute_accepted_1_client')
    if one:
        met['execute_p99_1_client'] = (
            one['p99_ms'] < 20 and
            out['execute_rejected_1_client']['p99_ms'] < 20)
    lst = out.get('list_groups')
    if lst:
        met['list_1000_groups'] = (lst['default_page']['p99_ms'] < 100 and
                                   lst['limit_1000']['p99_ms'] < 100)
    out['aims_met'] = met
    if args.profile:
        out['profile'] = os.path.abspath(args.profile)
    print(json.dumps(out, indent=2))


if __name__ == '__main__':
    main()
