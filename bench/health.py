"""Benchmark of the health monitor: one engine checking a big group over
HTTP.

One process runs the embedded default (as ``bench/autoscaling.py``, whose
engine it reuses: an EngineService on the in-process RPC, a SQLite file
(WAL), the health monitor started by the service with the default
``[autoscaling] health_check_tick`` and ``health_check_workers``, the
converger's batch settings left at their defaults). A group of
``--members`` (default 2,000) provider-template members is created
through the RPC ``create_scaling_group`` with an ``http`` health check of
``--interval`` seconds (default 10; the other keys at their defaults:
timeout 5 s, unhealthy_threshold 3, healthy_threshold 2, MaxSize twice
the members so that replacements are created first).

The members' HTTP servers run in a **separate process** (this file run
with ``--serve``: an asyncio server, HTTP/1.1 keep-alive, listening on
``--ports`` ports (default 1,000) below the ephemeral range, answering
``GET /<token>`` with 200, or 500 for the tokens it was told to fail on
its control channel, the child's stdin/stdout), so that its CPU is not
counted against the engine's. Each member's URL is the output ``url`` of
its template: ``http://127.0.0.1:<base + random digits>/<random token>``
(two ``OS::Heat::RandomString``, 3 digits for 1,000 ports: members share
one definition, so nothing else can tell them apart). Members therefore
spread at random over the ports, about two per port at the defaults: the
engine keeps a keep-alive pool per host:port (1,000 of them), each shared
by about two members, close to the one host per member of a real group;
every poll names its own member by its token.

Measures (one JSON document); the monitor's ``check_group`` is wrapped
in place to time each check of the group (an append per check):

- ``cpu_fraction``: the engine process's CPU time (``time.process_time``,
  all its threads; the bench's main thread waits meanwhile) over a window
  of ``--window`` whole check periods (default 6: from the end of one
  check of the group to the end of the sixth after it) once every member
  has been judged HEALTHY, divided by the window's wall time: the
  fraction of one core. ``server_cpu_fraction`` is the server process's,
  for comparison;
- ``latency_ms``: p50/p99 of the polls in the window (the monitor's
  ``Poller.take_latencies()``: one GET, request to answer, in the
  engine); ``check_duration_s`` (one check of the group: the database,
  the polls, the verdicts) and ``check_period_s`` (start to start: the
  interval rounded up to the monitor's tick, whose own period is
  ``health_check_tick`` plus the time a look takes);
- ``failure``: ``--fail`` members (default 2) start answering 500 at one
  moment (the server's clock); ``detection_s`` is from then to the
  ``unhealthy`` activity's ``started_at`` (read from the database, not
  rounded to the second as the API shows it), ``replacement_s`` to the
  unhealthy member gone with the group at ``--members`` ACTIVE members
  (the replacement is created first), observed every 0.1 s;
- ``aims``: detection within one interval after the threshold
  (``detection_s <= interval x (unhealthy_threshold + 1)``, the issue's
  aim) and the monitor keeping up (every member polled at every check,
  a check shorter than the interval, p99 below the timeout).

Takes about 4 minutes at the defaults (creating the 2,000 nested
stacks is most of it). Not to be run beside other heavy work: the CPU
fraction is a share of a core the benchmark assumes it has.

    .venv/bin/python bench/health.py [--members 2000] [--interval 10]
        [--window 6] [--fail 2] [--ports 1000]
"""

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

WAIT = 900
#: the servers' port ranges tried, below the ephemeral ports (32768-)
BASES = range(21000, 32000, 1000)

MEMBER = '''heat_template_version: 2018-08-31
description: a member whose health URL is its own (bench/health.py)
resources:
  port:
    type: OS::Heat::RandomString
    properties:
      length: %(digits)d
      character_classes: [{class: digits, min: %(digits)d}]
  token:
    type: OS::Heat::RandomString
    properties:
      length: 24
      character_classes: [{class: lowercase, min: 24}]
outputs:
  url:
    value:
      str_replace:
        template: http://127.0.0.1:PREFIXPORT/TOKEN
        params:
          PREFIX: "%(prefix)s"
          PORT: {get_resource: port}
          TOKEN: {get_resource: token}
'''


def _raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


# -- the server process ------------------------------------------------------

class _State:
    def __init__(self):
        self.failing = set()
        self.hits = 0


class _HTTP(asyncio.Protocol):
    """GET /<token>: 200, or 500 for a failing token; keep-alive."""

    def __init__(self, state):
        self.state = state
        self.buf = b''
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b'\r\n\r\n')
            if end < 0:
                return
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            line = head.split(b'\r\n', 1)[0].split(b' ')
            path = line[1] if len(line) > 1 else b'/'
            token = path.lstrip(b'/').split(b'?', 1)[0].decode('ascii',
                                                               'replace')
            self.state.hits += 1
            if token in self.state.failing:
                status, body = b'500 Internal Server Error', b'failing\n'
            else:
                status, body = b'200 OK', b'ok\n'
            close = b'connection: close' in head.lower()
            self.transport.write(
                b'HTTP/1.1 %s\r\nContent-Type: text/plain\r\n'
                b'Content-Length: %d\r\n%s\r\n%s' % (
                    status, len(body),
                    b'Connection: close\r\n' if close else b'', body))
            if close:
                self.transport.close()
                return


async def _serve(ports):
    loop = asyncio.get_running_loop()
    state = _State()
    servers = []
    for base in BASES:
        try:
            for port in range(base, base + ports):
                servers.append(await loop.create_server(
                    lambda: _HTTP(state), '127.0.0.1', port, backlog=128))
        except OSError:
            for s in servers:
                s.close()
            servers = []
            continue
        break
    else:
        raise SystemExit('no free range of %d ports' % ports)
    out = sys.stdout
    out.write(json.dumps({'base': base}) + '\n')
    out.flush()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = json.loads(line)
        op = cmd['op']
        if op == 'fail':
            state.failing.update(cmd['keys'])
        elif op == 'heal':
            state.failing.difference_update(cmd['keys'])
        elif op == 'quit':
            break
        out.write(json.dumps({'at': time.time(), 'hits': state.hits,
                              'cpu': time.process_time()}) + '\n')
        out.flush()
    for s in servers:
        s.close()


def serve(ports):
    _raise_nofile()
    asyncio.run(_serve(ports))


class ServerProcess:
    """The child running :func:`serve`, driven through its stdin."""

    def __init__(self, ports):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), '--serve',
             '--ports', str(ports)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError('the server process did not start')
        self.base = json.loads(line)['base']

    def call(self, op, keys=()):
        self.proc.stdin.write(json.dumps({'op': op, 'keys': list(keys)})
                              + '\n')
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def stop(self):
        try:
            self.proc.stdin.write(json.dumps({'op': 'quit'}) + '\n')
            self.proc.stdin.close()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


# -- the measurement ---------------------------------------------------------

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def wait_for(what, fn, timeout=WAIT, step=0.1):
    deadline = time.monotonic() + timeout
    while True:
        out = fn()
        if out:
            return out
        if time.monotonic() > deadline:
            raise RuntimeError('timed out waiting for %s' % what)
        time.sleep(step)


class HealthBench:
    def __init__(self, bench, server, args):
        self.bench, self.server, self.args = bench, server, args
        self.client, self.ctx = bench.client, bench.ctx

    def monitor(self):
        return self.bench.svc._as_monitor

    def create(self):
        digits = len(str(self.args.ports - 1))
        prefix = str(self.server.base)[:-digits]
        tmpl = MEMBER % {'digits': digits, 'prefix': prefix}
        n = self.args.members
        t0 = time.perf_counter()
        g = self.client.create_scaling_group(
            self.ctx, 'health', 0, 2 * n, {'type': 'member.yaml'},
            desired_capacity=n, files={'member.yaml': tmpl},
            health_check={'type': 'http', 'url_attribute': 'url',
                          'interval': self.args.interval})
        self.gid = g['id']
        self.bench.wait_converged(self.gid, n)
        created = time.perf_counter() - t0
        self.check = g['health_check']
        # every member judged HEALTHY (healthy_threshold passes each)
        wait_for('every member healthy', self._all_healthy, step=0.5)
        return {'create_s': round(created, 1),
                'create_to_all_healthy_s': round(time.perf_counter() - t0,
                                                 1)}

    def _all_healthy(self):
        h = self.client.show_scaling_group(self.ctx, self.gid)['health']
        return (h and h['status'] == 'HEALTHY' and
                h['members'] == h['healthy'] == self.args.members)

    def instrument(self):
        """Record the start and end of each check of the group (the
        monitor's ``check_group``, wrapped in place: an append each)."""
        mon = self.monitor()
        inner = mon.check_group
        self.checks = []
        self.checked = threading.Condition()

        def check_group(*args, **kw):
            started = time.monotonic()
            try:
                return inner(*args, **kw)
            finally:
                with self.checked:
                    self.checks.append((started, time.monotonic()))
                    self.checked.notify_all()

        mon.check_group = check_group

    def wait_checks(self, count):
        """Wait for ``count`` more checks to end; the checks so far."""
        with self.checked:
            target = len(self.checks) + count
            if not self.checked.wait_for(
                    lambda: len(self.checks) >= target,
                    timeout=(count + 2) * self.args.interval + 60):
                raise RuntimeError('the monitor stopped checking')
            return list(self.checks)

    def window(self):
        """From the end of one check to the end of the ``--window``-th
        after it: whole check periods."""
        n, k = self.args.members, self.args.window
        mon = self.monitor()
        first = len(self.wait_checks(1))
        before = self.server.call('stats')
        mon.poller.take_latencies()
        w0, c0 = time.monotonic(), time.process_time()
        checks = self.wait_checks(k)[first:]
        wall, cpu = time.monotonic() - w0, time.process_time() - c0
        load = os.getloadavg()[0]
        lat = mon.poller.take_latencies()
        after = self.server.call('stats')
        starts = [s for s, _e in self.checks[first - 1:]][:k + 1]
        periods = [b - a for a, b in zip(starts, starts[1:])]
        durations = [e - s for s, e in checks]
        return {
            'checks': k,
            # the machine's 1-minute load at the window's end (other
            # work on the cores shows in the latencies)
            'loadavg_1m_at_end': round(load, 2),
            'window_s': round(wall, 2),
            'cpu_s': round(cpu, 2),
            'cpu_fraction': round(cpu / wall, 4),
            'server_cpu_fraction': round(
                (after['cpu'] - before['cpu']) / wall, 4),
            'polls': len(lat), 'polls_expected': n * k,
            'server_hits': after['hits'] - before['hits'],
            'latency_ms': {
                'p50': round(statistics.median(lat) * 1000, 2),
                'p99': round(percentile(lat, 0.99) * 1000, 2),
                'max': round(max(lat) * 1000, 2)},
            'check_period_s': {'mean': round(statistics.mean(periods), 2),
                               'max': round(max(periods), 2)},
            'check_duration_s': {
                'p50': round(statistics.median(durations), 3),
                'max': round(max(durations), 3)},
        }

    def failure(self):
        from heat.db import api as db_api
        from heat.db import models
        from heat.engine.autoscaling import schedule
        names = [m['name'] for m in self.client.list_scaling_members(
            self.ctx, self.gid)][:self.args.fail]
        bad = {name: self.client.show_scaling_member(
            self.ctx, self.gid, name, attributes=['url'])['attributes']['url']
            for name in names}
        tokens = [u.rsplit('/', 1)[1] for u in bad.values()]
        failed_at = self.server.call('fail', tokens)['at']

        def detected():
            with db_api.reader(None) as session:
                rows = session.query(models.ScalingActivity).filter_by(
                    group_id=self.gid, trigger='unhealthy').all()
            seen = {a.decision.get('member'): a for a in rows
                    if a.status != 'REJECTED'}
            return seen if set(bad) <= set(seen) else None

        seen = wait_for('the unhealthy activities', detected)
        detection = max(schedule.posix(seen[name].started_at)
                        for name in bad) - failed_at
        for name, url in bad.items():
            if url not in seen[name].reason:
                raise RuntimeError('activity does not name %s: %s'
                                   % (url, seen[name].reason))

        def replaced():
            counts = db_api.scaling_member_count_by_status(None, self.gid)
            if counts != {'ACTIVE': self.args.members}:
                return False
            names = {m.name for m in
                     db_api.scaling_member_get_all(None, self.gid)}
            return not (names & set(bad))

        wait_for('the replacements', replaced)
        replacement = time.time() - failed_at
        self.server.call('heal', tokens)
        threshold = self.check['unhealthy_threshold']
        return {'members_failed': len(bad),
                'unhealthy_threshold': threshold,
                'detection_s': round(detection, 2),
                'replacement_s': round(replacement, 2),
                'detection_aim_s': self.args.interval * (threshold + 1),
                'activity_reason': seen[next(iter(bad))].reason}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--members', type=int, default=2000)
    parser.add_argument('--interval', type=float, default=10.0)
    parser.add_argument('--window', type=int, default=6,
                        help='intervals of the CPU/latency window')
    parser.add_argument('--fail', type=int, default=2,
                        help='members made to fail at once')
    parser.add_argument('--ports', type=int, default=1000,
                        choices=(10, 100, 1000),
                        help='ports the server process listens on')
    parser.add_argument('--serve', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.ports)
    import logging
    logging.basicConfig(level=logging.WARNING)
    _raise_nofile()
    load = os.getloadavg()
    server = ServerProcess(args.ports)
    import autoscaling  # bench/autoscaling.py: the embedded engine
    tmp = tempfile.mkdtemp(prefix='heat-bench-health-')
    bench = None
    try:
        bench = autoscaling.Bench(tmp)
        hb = HealthBench(bench, server, args)
        out = {'benchmark': 'health',
               'machine': {'python': platform.python_version(),
                           'cpus': os.cpu_count(),
                           'platform': platform.platform(),
                           'loadavg_at_start': [round(x, 2) for x in load]},
               'members': args.members, 'interval': args.interval,
               'member': 'provider template (2 OS::Heat::RandomString)',
               'server': 'separate process, asyncio, %d ports from %d'
                         % (args.ports, server.base),
               'database': 'sqlite file (WAL)', 'rpc': 'in-process'}
        hb.instrument()
        out['setup'] = hb.create()
        out['health_check'] = hb.check
        win = out['window'] = hb.window()
        out['cpu_fraction'] = win['cpu_fraction']
        out['latency_ms'] = win['latency_ms']
        out['check_period_s'] = win['check_period_s']
        fail = out['failure'] = hb.failure()
        out['detection_s'] = fail['detection_s']
        out['replacement_s'] = fail['replacement_s']
        out['aims'] = {
            'detection_within_one_interval_after_threshold': {
                'aim_s': fail['detection_aim_s'],
                'measured_s': fail['detection_s'],
                'pass': fail['detection_s'] <= fail['detection_aim_s']},
            'keeps_up': {
                'polls': win['polls'],
                'polls_expected': win['polls_expected'],
                'check_duration_max_s': win['check_duration_s']['max'],
                'interval_s': args.interval,
                'p99_ms': win['latency_ms']['p99'],
                'timeout_ms': hb.check['timeout'] * 1000,
                'pass': (win['polls'] >= win['polls_expected'] and
                         win['check_duration_s']['max'] < args.interval and
                         win['latency_ms']['p99'] <
                         hb.check['timeout'] * 1000)},
        }
        out['machine']['loadavg_at_end'] = [round(x, 2)
                                            for x in os.getloadavg()]
    finally:
        if bench is not None:
            bench.stop()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
