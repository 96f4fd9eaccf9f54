"""Benchmark of REST triggers on real processes: 1, 2 and 3 engines.

For each engine count of ``--engines`` (default 1,2,3): ``heat-api`` plus
that many ``heat-engine`` processes on RabbitMQ and a fresh MariaDB
database (:class:`heat.tests.functional.processes.Cluster`); then the
same on the embedded default (one ``heat-all`` process, SQLite in a
temporary ``--state-dir``, in-process RPC) for comparison.

In each, over REST (noauth: the project comes from the URL, any
``X-Auth-Token``): ``--groups`` stacks (default 20), each with an
``OS::Heat::AutoScalingGroup`` of ``OS::Heat::None`` (min 0, max 100000,
desired 0, cooldown 0) and a +1 ``change_in_capacity`` ``ScalingPolicy``
(cooldown 0): N stacks of one group each, as a user with N groups has
them (each stack its own lock, each group its own lease, so engines can
converge groups side by side). Then ``--triggers`` POSTs to the
policies' signal URLs (``/v1/<project>/stacks/<name>/<id>/resources/
up/signal``) from ``--clients`` concurrent keep-alive clients, spread
round-robin: client ``i``'s ``j``-th trigger goes to group ``(i + j) %
N``. ``--groups 1`` is the earlier run: every trigger on one group (the
load of ``heat/tests/functional/test_load.py``).

Reported per run: decisions per second, p50/p99 latency (ms, the HTTP
round trip: the decision is returned synchronously), HTTP status counts
(and the first error bodies), accepted count, and the CPU seconds each
process used while the triggers were fired (``cpu_s``: heat-api, each
engine, and the local ``mariadb`` and ``rabbitmq`` servers found in
/proc; ``cpu_s_per_wall_s`` is the same divided by the firing time, 1.0
being one core); then, waiting for convergence (at most
``--converge-timeout`` s), every group's desired capacity (read from the
database: there is no REST view of a group) against the triggers
accepted for that group (``per_group``, ``every_capacity_exact``) and
the total against the total (``final_capacity``), the seconds from the
last trigger to convergence, whether each group's ACTIVE member rows
equal its desired capacity (``members_equal_desired``), and the
activity rows. ``ok`` is true when there was no 5xx, every trigger was
accepted and every capacity is exact with its members converged.

``[DEFAULT] max_resources_per_stack = -1`` is set everywhere (as in
``bench/autoscaling.py``), so that the member stack is not capped at the
default 1000 resources.

Skipped (``"skipped"`` with the reason in the JSON) when RabbitMQ or
MariaDB does not answer; the embedded run still happens. Processes, the
databases and RabbitMQ vhosts are removed at the end.

    .venv/bin/python bench/distributed.py [--engines 1,2,3] [--groups 20]
        [--triggers 2000] [--clients 20] [--converge-timeout 180]
        [--no-embedded] [--set SECTION.KEY=VALUE ...]
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

from heat.tests.functional import processes  # noqa: E402
from heat.tests.functional.load import (  # noqa: E402
    CONF,
    Target,
    proc_cpu_seconds,
    run_load,
    service_pids,
    sqlite_query,
)


def _tails(procs, chars=3000):
    return {p.name: p.output()[1][-chars:] for p in procs}


def _cpu_of(procs):
    """A ``Target.cpu``: CPU seconds of ``procs`` and of the local
    MariaDB and RabbitMQ servers."""
    pids = {p.name: p.proc.pid for p in procs}
    pids.update(service_pids())

    def cpu():
        out = {}
        for name, pid in pids.items():
            try:
                out[name] = proc_cpu_seconds(pid)
            except OSError:
                pass
        return out
    return cpu


def _ok(out):
    return (not out.get('problems') and out.get('http_5xx') == 0 and
            out.get('accepted') == out.get('triggers') and
            bool(out.get('final_capacity_equals_accepted')) and
            bool(out.get('members_equal_desired')))


def conf_text(settings):
    """The bench's configuration, with ``settings`` (``SECTION.KEY=VALUE``
    strings, from ``--set``) added."""
    sections = {}
    for item in settings:
        key, sep, value = item.partition('=')
        section, dot, name = key.rpartition('.')
        if not sep or not dot or not name:
            raise SystemExit('--set %r: expected SECTION.KEY=VALUE' % item)
        sections.setdefault(section, []).append('%s = %s' % (name, value))
    text = CONF
    for section, lines in sections.items():
        text += '[%s]\n%s\n' % (section, '\n'.join(lines))
    return text


def distributed(engines, triggers, clients, converge_timeout, groups,
                conf=CONF):
    cluster = processes.Cluster(engines=engines, extra_conf=conf)
    t0 = time.perf_counter()
    try:
        cluster.start()
        started = round(time.perf_counter() - t0, 2)
        db = cluster.db_name

        target = Target(cluster.port,
                        lambda sql: processes.mysql(sql, database=db),
                        lambda: _tails(cluster.processes),
                        cpu=_cpu_of(cluster.processes))
        out = {'engines': engines, 'api_workers': 8,
               'start_s': started, 'rabbit_vhost': cluster.vhost or '/'}
        out.update(run_load(target, triggers, clients, converge_timeout,
                            groups=groups))
        out['ok'] = _ok(out)
        out['load_after'] = _load()
        return out
    finally:
        codes = cluster.stop()
        if any(c not in (0, None) for c in codes.values()):
            sys.stderr.write('exit codes at stop: %r\n' % codes)


def _load():
    return ' '.join('%.2f' % x for x in os.getloadavg())


def embedded(triggers, clients, converge_timeout, groups, conf_text=CONF):
    tmp = tempfile.mkdtemp(prefix='heat-bench-dist-')
    conf = os.path.join(tmp, 'heat.conf')
    with open(conf, 'w') as f:
        f.write(conf_text)
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
        query = sqlite_query(os.path.join(tmp, 'state', 'heat.sqlite'))
        target = Target(port, query, lambda: _tails([proc]),
                        cpu=_cpu_of([proc]))
        out = {'process': 'heat-all', 'database': 'sqlite file (WAL)',
               'rpc': 'in-process', 'start_s': started}
        out.update(run_load(target, triggers, clients, converge_timeout,
                            groups=groups))
        out['ok'] = _ok(out)
        out['load_after'] = _load()
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
    parser.add_argument('--groups', type=int, default=20,
                        help='stacks of one group each the triggers are '
                             'spread over (1: all on one group)')
    parser.add_argument('--converge-timeout', type=float, default=180)
    parser.add_argument('--no-embedded', action='store_true',
                        help='skip the heat-all comparison')
    parser.add_argument('--set', action='append', default=[],
                        metavar='SECTION.KEY=VALUE',
                        help='a configuration option of every process '
                             '(repeatable), e.g. '
                             'autoscaling.coalesce_window=0')
    args = parser.parse_args(argv)
    conf = conf_text(args.set)
    counts = [int(x) for x in args.engines.split(',') if x.strip()]
    out = {'benchmark': 'distributed',
           'machine': {'python': platform.python_version(),
                       'cpus': os.cpu_count(),
                       'platform': platform.platform()},
           'members': 'OS::Heat::None',
           'triggers': args.triggers, 'clients': args.clients,
           'groups': args.groups, 'set': args.set,
           'load_before': _load(),
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
                    n, args.triggers, args.clients, args.converge_timeout,
                    args.groups, conf)
            except Exception as exc:  # noqa: BLE001 - reported
                runs['engines_%d' % n] = {'error': str(exc)[-4000:]}
        out['distributed'] = runs
    if not args.no_embedded:
        try:
            out['embedded'] = embedded(args.triggers, args.clients,
                                       args.converge_timeout, args.groups,
                                       conf)
        except Exception as exc:  # noqa: BLE001 - reported
            out['embedded'] = {'error': str(exc)[-4000:]}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
