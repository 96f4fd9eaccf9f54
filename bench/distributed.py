"""Benchmark of REST triggers on real processes: 1, 2 and 3 engines.

For each engine count of ``--engines`` (default 1,2,3): ``heat-api`` plus
that many ``heat-engine`` processes on RabbitMQ and a fresh MariaDB
database (:class:`heat.tests.functional.processes.Cluster`); then the
same on the embedded default (one ``heat-all`` process, SQLite in a
temporary ``--state-dir``, in-process RPC) for comparison.

In each, over REST (noauth: the project comes from the URL, any
``X-Auth-Token``): a stack with an ``OS::Heat::AutoScalingGroup`` of
``OS::Heat::None`` (min 0, max 100000, desired 0, cooldown 0) and a +1
``change_in_capacity`` ``ScalingPolicy`` (cooldown 0); then
``--triggers`` POSTs to the policy's signal URL
(``/v1/<project>/stacks/<name>/<id>/resources/up/signal``) from
``--clients`` concurrent keep-alive clients. Reported per run:
decisions per second, p50/p99 latency (ms, the HTTP round trip: the
decision is returned synchronously), HTTP status counts (and the first
error bodies), accepted count; then, waiting for convergence (at most
``--converge-timeout`` s), the group's desired capacity (read from the
database: there is no REST view of a group) against the accepted count,
the seconds from the last trigger to convergence, whether the ACTIVE
member rows equal the desired capacity, and the activity rows.

``[DEFAULT] max_resources_per_stack = -1`` is set everywhere (as in
``bench/autoscaling.py``), so that the member stack is not capped at the
default 1000 resources.

Skipped (``"skipped"`` with the reason in the JSON) when RabbitMQ or
MariaDB does not answer; the embedded run still happens. Processes, the
databases and RabbitMQ vhosts are removed at the end.

    .venv/bin/python bench/distributed.py [--engines 1,2,3]
        [--triggers 2000] [--clients 20] [--converge-timeout 180]
"""

import argparse
import http.client
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from heat.tests.functional import processes  # noqa: E402

CONF = '[DEFAULT]\nmax_resources_per_stack = -1\n'
MAX_SIZE = 100000
#: error bodies kept per HTTP status
KEEP_BODIES = 5


def template():
    return {
        'heat_template_version': '2016-10-14',
        'resources': {
            'group': {
                'type': 'OS::Heat::AutoScalingGroup',
                'properties': {
                    'min_size': 0, 'max_size': MAX_SIZE,
                    'desired_capacity': 0, 'cooldown': 0,
                    'resource': {'type': 'OS::Heat::None'}}},
            'up': {
                'type': 'OS::Heat::ScalingPolicy',
                'properties': {
                    'auto_scaling_group_id': {'get_resource': 'group'},
                    'adjustment_type': 'change_in_capacity',
                    'scaling_adjustment': 1, 'cooldown': 0}},
        },
    }


class Target:
    """Where the API listens and how to read its database."""

    def __init__(self, port, query, logs):
        self.port = port
        self.query = query      # sql -> rows
        self.logs = logs        # () -> {process name: stderr tail}

    def request(self, method, path, body=None, conn=None):
        own = conn is None
        if own:
            conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                              timeout=120)
        try:
            conn.request(method, path,
                         body=None if body is None else json.dumps(body),
                         headers={'Content-Type': 'application/json',
                                  'X-Auth-Token': 'bench'})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            if own:
                conn.close()


def percentile(sorted_values, fraction):
    return sorted_values[max(int(len(sorted_values) * fraction) - 1, 0)]


def create_stack(target, project, name, timeout=120):
    status, body = target.request('POST', '/v1/%s/stacks' % project, {
        'stack_name': name, 'template': template(), 'timeout_mins': 60})
    if status >= 300:
        raise RuntimeError('stack create: HTTP %d %s' % (status, body[:2000]))
    stack_id = json.loads(body)['stack']['id']
    deadline = time.monotonic() + timeout
    while True:
        status, body = target.request(
            'GET', '/v1/%s/stacks/%s/%s' % (project, name, stack_id))
        if status == 200:
            stack = json.loads(body)['stack']
            if stack['stack_status'] == 'CREATE_COMPLETE':
                return stack_id
            if stack['stack_status'].endswith('FAILED'):
                raise RuntimeError('stack %s: %s' % (
                    stack['stack_status'], stack.get('stack_status_reason')))
        if time.monotonic() > deadline:
            raise RuntimeError('stack not CREATE_COMPLETE after %ss: %d %s'
                               % (timeout, status, body[:2000]))
        time.sleep(0.1)


def fire(target, path, count, clients):
    latencies, statuses, bodies = [], {}, {}
    accepted = [0]
    transport_errors = []
    lock = threading.Lock()
    per = [count // clients + (1 if i < count % clients else 0)
           for i in range(clients)]

    def run(k):
        conn = http.client.HTTPConnection('127.0.0.1', target.port,
                                          timeout=120)
        mine, codes, errs, acc = [], {}, {}, 0
        for _ in range(k):
            t0 = time.perf_counter()
            try:
                status, body = target.request('POST', path, {}, conn=conn)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection('127.0.0.1', target.port,
                                                  timeout=120)
                with lock:
                    transport_errors.append(repr(exc))
                continue
            mine.append(time.perf_counter() - t0)
            codes[status] = codes.get(status, 0) + 1
            if status >= 300:
                errs.setdefault(status, []).append(
                    body[:1000].decode('utf-8', 'replace'))
            else:
                try:
                    if json.loads(body or b'null').get('accepted'):
                        acc += 1
                except (ValueError, AttributeError):
                    pass
        conn.close()
        with lock:
            latencies.extend(mine)
            accepted[0] += acc
            for c, v in codes.items():
                statuses[c] = statuses.get(c, 0) + v
            for c, v in errs.items():
                kept = bodies.setdefault(str(c), [])
                kept.extend(v[:KEEP_BODIES - len(kept)])

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run, args=(k,)) for k in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    latencies.sort()
    out = {
        'triggers': count, 'clients': clients,
        'seconds': round(took, 3),
        'decisions_per_s': round(count / took, 1),
        'p50_ms': round(statistics.median(latencies) * 1000, 2)
        if latencies else None,
        'p99_ms': round(percentile(latencies, 0.99) * 1000, 2)
        if latencies else None,
        'http_statuses': {str(k): v for k, v in sorted(statuses.items())},
        'http_5xx': sum(v for k, v in statuses.items() if k >= 500),
        'accepted': accepted[0],
    }
    if bodies:
        out['error_bodies'] = bodies
    if transport_errors:
        out['transport_errors'] = {'count': len(transport_errors),
                                   'first': transport_errors[:KEEP_BODIES]}
    return out


def group_state(target, gid):
    (desired, version, converged, status, reason), = target.query(
        "SELECT desired_capacity, version, converged_version, status, "
        "status_reason FROM scaling_group WHERE id = '%s'" % gid)
    active = target.query("SELECT COUNT(*) FROM scaling_member WHERE "
                          "group_id = '%s' AND status = 'ACTIVE'" % gid)[0][0]
    rows = target.query("SELECT COUNT(*) FROM scaling_member WHERE "
                        "group_id = '%s'" % gid)[0][0]
    return {'desired_capacity': desired, 'version': version,
            'converged_version': converged, 'status': status,
            'status_reason': reason, 'active_members': active,
            'member_rows': rows}


def run_load(target, triggers, clients, converge_timeout):
    project = 'bench-%s' % uuid.uuid4().hex[:8]
    name = 'dist%s' % uuid.uuid4().hex[:6]
    t0 = time.perf_counter()
    stack_id = create_stack(target, project, name)
    out = {'stack_create_s': round(time.perf_counter() - t0, 3)}
    gid = target.query("SELECT id FROM scaling_group WHERE stack_id = '%s'"
                       % stack_id)[0][0]
    path = '/v1/%s/stacks/%s/%s/resources/up/signal' % (project, name,
                                                         stack_id)
    out.update(fire(target, path, triggers, clients))
    t_end = time.perf_counter()
    deadline = time.monotonic() + converge_timeout
    while True:
        g = group_state(target, gid)
        done = (g['converged_version'] >= g['version'] and
                g['active_members'] == g['desired_capacity'] ==
                g['member_rows'])
        if done or g['status'] == 'FAILED' or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    out['converged'] = bool(done)
    out['converge_s'] = round(time.perf_counter() - t_end, 3) if done \
        else None
    out['final'] = g
    out['final_capacity'] = g['desired_capacity']
    out['final_capacity_equals_accepted'] = \
        g['desired_capacity'] == out['accepted']
    out['members_equal_desired'] = \
        g['active_members'] == g['desired_capacity'] == g['member_rows']
    out['activities'] = target.query(
        "SELECT COUNT(*) FROM scaling_activity WHERE group_id = '%s'"
        % gid)[0][0]
    problems = []
    if out['http_5xx']:
        problems.append('%d HTTP 5xx' % out['http_5xx'])
    if out['accepted'] != triggers:
        problems.append('accepted %d of %d' % (out['accepted'], triggers))
    if not out['final_capacity_equals_accepted']:
        problems.append('desired capacity %s != accepted %d'
                        % (g['desired_capacity'], out['accepted']))
    if not done:
        problems.append('not converged after %ss' % converge_timeout)
    if problems:
        out['problems'] = problems
        out['stderr_tails'] = target.logs()
    return out


def _tails(procs, chars=3000):
    return {p.name: p.output()[1][-chars:] for p in procs}


def distributed(engines, triggers, clients, converge_timeout):
    cluster = processes.Cluster(engines=engines, extra_conf=CONF)
    t0 = time.perf_counter()
    try:
        cluster.start()
        started = round(time.perf_counter() - t0, 2)
        db = cluster.db_name

        target = Target(cluster.port,
                        lambda sql: processes.mysql(sql, database=db),
                        lambda: _tails(cluster.processes))
        out = {'engines': engines, 'api_workers': 8,
               'start_s': started, 'rabbit_vhost': cluster.vhost or '/'}
        out.update(run_load(target, triggers, clients, converge_timeout))
        return out
    finally:
        codes = cluster.stop()
        if any(c not in (0, None) for c in codes.values()):
            sys.stderr.write('exit codes at stop: %r\n' % codes)


def embedded(triggers, clients, converge_timeout):
    tmp = tempfile.mkdtemp(prefix='heat-bench-dist-')
    conf = os.path.join(tmp, 'heat.conf')
    with open(conf, 'w') as f:
        f.write(CONF)
    port = processes.free_port()
    proc = processes.Process('heat-all', [
        'heat-all', '--config-file', conf, '--state-dir',
        os.path.join(tmp, 'state'), '--bind-host', '127.0.0.1',
        '--bind-port', str(port)], tmp)
    try:
        t0 = time.perf_counter()
        proc.wait_for('port %d' % port,
                      lambda: processes.answers('127.0.0.1', port, 1))
        started = round(time.perf_counter() - t0, 2)
        path = os.path.join(tmp, 'state', 'heat.sqlite')

        def query(sql):
            conn = sqlite3.connect(path, timeout=30)
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()
        target = Target(port, query, lambda: _tails([proc]))
        out = {'process': 'heat-all', 'database': 'sqlite file (WAL)',
               'rpc': 'in-process', 'start_s': started}
        out.update(run_load(target, triggers, clients, converge_timeout))
        return out
    finally:
        code = proc.stop()
        if code not in (0, None):
            sys.stderr.write('heat-all exit code at stop: %r\n' % code)
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--engines', default='1,2,3',
                        help='comma separated engine counts')
    parser.add_argument('--triggers', type=int, default=2000)
    parser.add_argument('--clients', type=int, default=20)
    parser.add_argument('--converge-timeout', type=float, default=180)
    parser.add_argument('--no-embedded', action='store_true',
                        help='skip the heat-all comparison')
    args = parser.parse_args(argv)
    counts = [int(x) for x in args.engines.split(',') if x.strip()]
    out = {'benchmark': 'distributed',
           'machine': {'python': platform.python_version(),
                       'cpus': os.cpu_count(),
                       'platform': platform.platform()},
           'members': 'OS::Heat::None',
           'triggers': args.triggers, 'clients': args.clients,
           'rabbit': processes.RABBIT_URL.split('@')[-1],
           'mysql': processes.MYSQL_URL.split('@')[-1]}
    reason = processes.skip_reason()
    if reason:
        out['distributed'] = {'skipped': reason}
    else:
        runs = {}
        for n in counts:
            try:
                runs['engines_%d' % n] = distributed(
                    n, args.triggers, args.clients, args.converge_timeout)
            except Exception as exc:  # noqa: BLE001 - reported
                runs['engines_%d' % n] = {'error': str(exc)[-4000:]}
        out['distributed'] = runs
    if not args.no_embedded:
        try:
            out['embedded'] = embedded(args.triggers, args.clients,
                                       args.converge_timeout)
        except Exception as exc:  # noqa: BLE001 - reported
            out['embedded'] = {'error': str(exc)[-4000:]}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
