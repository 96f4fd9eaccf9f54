"""Benchmark of scaling real cloud servers: the engine against direct boots.

On the test cloud (:mod:`heat.tests.functional.minicloud`: Nova with its
fake driver, its admin project ``mc-admin``, flavor ``mc.tiny``, image
``tiny``, network ``mc-net``), for each size N of ``--sizes`` (default
20,100):

- ``engine``: one ``heat-all`` process (the embedded default: SQLite file
  in a temporary ``--state-dir``, in-process RPC) on a free port, acting
  on the cloud through ``[clients] cloud = mc-admin`` (and
  ``OS_CLIENT_CONFIG_FILE``), ``[DEFAULT] max_concurrent_resources =
  --concurrency``. A stack: an ``OS::Heat::AutoScalingGroup`` of
  ``OS::Nova::Server`` (desired 0, max N; each server's metadata carries
  the stack id) and a ``+N`` ``change_in_capacity`` policy. From the
  REST signal of the policy (python-heatclient ``resources.signal``) to
  all N tagged servers ACTIVE in Nova (``all_active_s``, polled with
  openstacksdk every ``--observe-poll`` s) and to the group converged
  (its rows in the SQLite file); then from the stack's DELETE to no
  tagged server left in Nova and to the stack gone;
- ``direct``: the same N boots with openstacksdk from a thread pool of
  ``--concurrency`` threads (as the engine's converger), each thread
  booting a server and polling it every ``--direct-poll`` s until ACTIVE
  (the flavor, image and network ids are resolved once beforehand); the
  same observer measures all ACTIVE; then the deletes (each thread
  deletes and polls until the server is gone);
- ``direct_unbounded``: the same with N threads.

Reported per size: the three times to all ACTIVE, the engine's overhead
(``engine_s - direct_s``, in seconds and as a fraction of ``direct_s``),
the delete times, servers per second, per-member times (the engine's
from its CREATE IN_PROGRESS/COMPLETE events: how long a member holds a
converger slot; the direct threads' create-to-ACTIVE), the CPU seconds of
heat-all and of the cloud's processes during each phase, and the
1-minute load before and after each phase (each phase first waits, at
most ``--quiet-wait`` s, for the load to fall under ``--max-load``: other
work on the machine slows the cloud down).

``--profile``: one more engine scale-up of the largest size under
``py-spy record --idle --threads --nonblocking`` (``pip install
py-spy``), reported apart (the profiled run's figures are not the
measurement): the heaviest leaf frames, those of the busy (non-waiting)
samples, and for the converger's worker threads the share of samples
inside a few functions of interest.

Everything is cleaned up at the end, also on failure or SIGTERM: the
stacks are deleted, any server left with the benchmark's name prefix is
deleted directly, heat-all is stopped by its PID and the temporary
directory removed. The cloud itself is left running.

    .venv/bin/python bench/cloud.py [--sizes 20,100] [--concurrency 8]
        [--direct-poll 0.5] [--observe-poll 0.5] [--max-load 2]
        [--quiet-wait 180] [--profile]
"""

import argparse
import calendar
import collections
import concurrent.futures
import datetime
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from heat.tests.functional import load, processes  # noqa: E402

#: seconds a phase (boots, deletes, a stack action) may take
TIMEOUT = 900
#: the metadata key of every server the benchmark makes
TAG_KEY = 'heat_bench'
#: the metadata values (stack ids, direct prefixes) of this run's servers
MADE = set()
#: functions whose inclusive share of the converger threads' samples the
#: profile reports
INTERESTING = {
    '_act', 'create', 'wait_until', 'handle_create', 'check_create_complete',
    '_check_active', '_boot_args', 'find_id', 'find', 'create_server',
    'get_server', 'state_set', '_update_stored_properties',
    'resource_id_set', 'connection', '_connect', 'get_access', 'request',
    'getresponse', 'stack_context', 'physical_resource_name', 'sleep',
    'wait', 'do_execute', 'commit', '_run_handler', '_do_action',
}


def log(msg, *args):
    sys.stderr.write('[%s] %s\n' % (time.strftime('%H:%M:%S'),
                                    msg % args if args else msg))
    sys.stderr.flush()


def _r(x, digits=3):
    return None if x is None else round(x, digits)


def _pcts(values):
    """p50 / p90 / max of durations (seconds), or None."""
    if not values:
        return None
    v = sorted(values)
    return {'p50': _r(statistics.median(v)),
            'p90': _r(v[max(int(len(v) * 0.9) - 1, 0)]),
            'max': _r(v[-1]), 'mean': _r(statistics.fmean(v)),
            'count': len(v)}


# -- the machine ------------------------------------------------------------

def load_1m():
    with open('/proc/loadavg') as f:
        return float(f.read().split()[0])


def wait_quiet(max_load, max_wait):
    """Wait until the 1-minute load is under ``max_load`` (at most
    ``max_wait`` s); ``{'load_1m', 'waited_s', 'quiet'}``."""
    t0 = time.monotonic()
    announced = False
    while True:
        now = load_1m()
        waited = time.monotonic() - t0
        if now < max_load or waited >= max_wait:
            return {'load_1m': now, 'waited_s': round(waited, 1),
                    'quiet': now < max_load}
        if not announced:
            log('load %.2f >= %.2f: waiting (at most %ds)', now, max_load,
                max_wait)
            announced = True
        time.sleep(5)


def _ticks():
    return os.sysconf('SC_CLK_TCK')


def _all_stats():
    """``{pid: (pgrp, comm, cpu ticks)}`` of every process."""
    out = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                data = f.read()
        except OSError:
            continue
        comm = data[data.index('(') + 1:data.rindex(')')]
        fields = data[data.rindex(')') + 2:].split()
        out[int(entry)] = (int(fields[2]), comm,
                           int(fields[11]) + int(fields[12]))
    return out


def _machine_busy():
    with open('/proc/stat') as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    return sum(cpu) - idle, sum(cpu)


class Meter:
    """CPU seconds of heat-all, of the cloud's processes (by process
    group) and of MariaDB/RabbitMQ, and the machine's busy share, over a
    phase."""

    SHARED = ('mariadbd', 'mysqld', 'beam.smp')

    def __init__(self, heat_pid, cloud_pgids):
        self.heat_pid = heat_pid
        self.cloud_pgids = set(cloud_pgids)

    def sample(self):
        stats = _all_stats()
        heat = stats.get(self.heat_pid, (0, '', 0))[2] \
            if self.heat_pid else 0
        cloud = sum(t for pg, _c, t in stats.values()
                    if pg in self.cloud_pgids)
        shared = sum(t for _pg, c, t in stats.values()
                     if c in self.SHARED)
        return time.monotonic(), heat, cloud, shared, _machine_busy()

    def delta(self, before):
        after = self.sample()
        tick = float(_ticks())
        busy = after[4][0] - before[4][0]
        total = after[4][1] - before[4][1]
        return {'heat_all_cpu_s': round((after[1] - before[1]) / tick, 2)
                if self.heat_pid else None,
                'cloud_cpu_s': round((after[2] - before[2]) / tick, 2),
                'mariadb_rabbit_cpu_s': round((after[3] - before[3]) / tick,
                                              2),
                'machine_busy_fraction': round(busy / total, 3)
                if total else None}


# -- Nova, seen from outside --------------------------------------------------

class Observer:
    """Nova's servers whose name starts with ``prefix``, polled every
    ``interval`` s with a connection of its own.

    A poll is two brief listings (``GET /servers?name=^prefix`` and the
    same with ``status=ACTIVE``): a detailed listing makes Nova ask
    Neutron for the ports of every server listed in one request, whose
    URL outgrows the test cloud's limit (4094 bytes: HTTP 500 from about
    60 servers on), and it loads the cloud that is measured. The
    metadata tag (``TAG_KEY: value``) is checked once at the end
    (:meth:`tagged`, detailed listing by pages of 20)."""

    def __init__(self, conn, interval):
        self.conn = conn
        self.interval = interval
        self.polls = 0
        self.poll_s = []

    def servers(self, prefix):
        """``{id: 'ACTIVE' or 'OTHER'}``."""
        t0 = time.monotonic()
        name = '^%s' % re.escape(prefix)
        found = {s.id: 'OTHER'
                 for s in self.conn.compute.servers(details=False,
                                                    name=name)}
        if found:
            for s in self.conn.compute.servers(details=False, name=name,
                                               status='ACTIVE'):
                if s.id in found:
                    found[s.id] = 'ACTIVE'
        self.polls += 1
        self.poll_s.append(time.monotonic() - t0)
        return found

    def tagged(self, prefix, value):
        """How many of the servers named ``prefix...`` carry the tag."""
        return sum(1 for s in detailed(self.conn,
                                       name='^%s' % re.escape(prefix))
                   if (s.metadata or {}).get(TAG_KEY) == value)

    def wait(self, prefix, value, done, t0, what, extra=None, abort=None):
        """Poll until ``done(servers)`` (and ``extra()`` if given, which
        returns None while it waits, else its value); a dict of the
        seconds from ``t0`` each became true, the first time a server was
        seen and the servers' last statuses. ``abort()`` returning a
        message ends the wait with it (RuntimeError)."""
        deadline = time.monotonic() + TIMEOUT
        out = {'first_seen_s': None, 'done_s': None, 'extra_s': None,
               'extra': None}
        errors = 0
        while True:
            try:
                servers = self.servers(prefix)
            except Exception as exc:  # noqa: BLE001 - the cloud hiccups
                errors += 1
                if errors > 20:
                    raise
                log('observer: %s', exc)
                time.sleep(self.interval)
                continue
            now = time.monotonic() - t0
            if servers and out['first_seen_s'] is None:
                out['first_seen_s'] = now
            if out['done_s'] is None and done(servers):
                out['done_s'] = now
            if extra is not None and out['extra_s'] is None:
                value_x = extra()
                if value_x is not None:
                    out['extra_s'] = time.monotonic() - t0
                    out['extra'] = value_x
            out['servers'] = servers
            if out['done_s'] is not None and (extra is None or
                                              out['extra_s'] is not None):
                if what == 'active':
                    out['tagged'] = self.tagged(prefix, value)
                return out
            stop = abort() if abort is not None else None
            if stop:
                raise RuntimeError('%s: %s' % (what, stop))
            if time.monotonic() > deadline:
                raise RuntimeError('timed out (%ss) waiting for %s: %r'
                                   % (TIMEOUT, what,
                                      collections.Counter(servers.values())))
            time.sleep(self.interval)


def detailed(conn, **query):
    """Servers with details, by pages of 20 (see :class:`Observer`)."""
    return conn.compute.servers(details=True, limit=20, **query)


def all_active(n):
    return lambda servers: (len(servers) == n and
                            all(st == 'ACTIVE' for st in servers.values()))


def none_left(servers):
    return not servers


# -- the engine ---------------------------------------------------------------

TEMPLATE = '''
heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 0
      max_size: %(n)d
      desired_capacity: 0
      cooldown: 0
      resource:
        type: OS::Nova::Server
        properties:
          flavor: %(flavor)s
          image: %(image)s
          networks: [{network: %(network)s}]
          metadata: {%(tag)s: {get_param: "OS::stack_id"}}
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      auto_scaling_group_id: {get_resource: group}
      adjustment_type: change_in_capacity
      scaling_adjustment: %(n)d
      cooldown: 0
'''


def _parse_ts(value):
    if isinstance(value, datetime.datetime):
        dt = value
    else:
        dt = datetime.datetime.fromisoformat(str(value))
    return calendar.timegm(dt.timetuple()) + dt.microsecond / 1e6


class Engine:
    """One heat-all process acting on the cloud."""

    def __init__(self, cloud, concurrency, batch_size, tmp):
        self.cloud = cloud
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.tmp = tmp
        self.proc = None
        self.port = None
        self.stacks = []       # (name, id) still to delete
        self.hc = None
        self.db_path = os.path.join(tmp, 'state', 'heat.sqlite')
        self.project = 'bench-%s' % uuid.uuid4().hex[:8]

    def conf_text(self):
        return ('[DEFAULT]\n'
                'max_resources_per_stack = -1\n'
                'max_concurrent_resources = %d\n'
                '[autoscaling]\n'
                'converge_batch_size = %d\n'
                '[clients]\n'
                'cloud = %s\n' % (self.concurrency, self.batch_size,
                                  self.cloud.admin_cloud_name))

    def start(self):
        from heatclient import client as heat_client
        conf = os.path.join(self.tmp, 'heat.conf')
        with open(conf, 'w') as f:
            f.write(self.conf_text())
        self.port = processes.free_port()
        t0 = time.perf_counter()
        self.proc = processes.Process('heat-all', [
            'heat-all', '--config-file', conf, '--state-dir',
            os.path.join(self.tmp, 'state'), '--bind-host', '127.0.0.1',
            '--bind-port', str(self.port)], self.tmp)
        self.proc.wait_for('port %d' % self.port,
                           lambda: processes.answers('127.0.0.1',
                                                     self.port, 1))
        self.start_s = round(time.perf_counter() - t0, 2)
        self.hc = heat_client.Client(
            '1', endpoint='http://127.0.0.1:%d/v1/%s' % (self.port,
                                                        self.project),
            token='bench')
        return self

    @property
    def pid(self):
        return self.proc.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.proc.poll() is None

    def query(self, sql, args=()):
        conn = sqlite3.connect('file:%s?mode=ro' % self.db_path, uri=True,
                               timeout=30)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def settings(self):
        from heat.engine.resources import cloud as cloud_res
        return {'process': 'heat-all', 'database': 'sqlite file (WAL)',
                'rpc': 'in-process', 'auth': 'noauth',
                'clients_cloud': self.cloud.admin_cloud_name,
                'max_concurrent_resources': self.concurrency,
                'converge_batch_size': self.batch_size,
                'server_poll_start_s': cloud_res.CloudResource.poll_start,
                'server_poll_max_s': cloud_res.CloudResource.poll_max,
                'trigger': 'REST signal (python-heatclient '
                           'resources.signal) of a +N change_in_capacity '
                           'policy',
                'start_s': self.start_s}

    def stack_status(self, ident):
        from heatclient import exc
        try:
            stk = self.hc.stacks.get(ident)
        except exc.HTTPNotFound:
            return 'GONE', None
        return stk.stack_status, stk.stack_status_reason

    def wait_stack(self, ident, expected, interval=0.2):
        deadline = time.monotonic() + TIMEOUT
        while True:
            status, reason = self.stack_status(ident)
            if status in expected:
                return status
            if status.endswith('FAILED'):
                raise RuntimeError('stack %s: %s %s' % (ident, status,
                                                        reason))
            if time.monotonic() > deadline:
                raise RuntimeError('stack %s still %s after %ss'
                                   % (ident, status, TIMEOUT))
            time.sleep(interval)

    def create(self, name, n, ids):
        tmpl = TEMPLATE % {'n': n, 'flavor': ids['flavor_name'],
                           'image': ids['image_name'],
                           'network': ids['network_name'], 'tag': TAG_KEY}
        created = self.hc.stacks.create(stack_name=name, template=tmpl,
                                        timeout_mins=60)
        stack_id = created['stack']['id']
        ident = '%s/%s' % (name, stack_id)
        self.stacks.append(ident)
        self.wait_stack(ident, ('CREATE_COMPLETE',))
        return ident, stack_id

    def group_id(self, stack_id):
        return self.query('SELECT id FROM scaling_group WHERE stack_id = ?',
                          (stack_id,))[0][0]

    def group_state(self, gid):
        target = load.Target(self.port, lambda sql: self.query(sql), dict)
        return load.group_state(target, gid)

    def converged(self, gid, n):
        """The group's state once converged at ``n`` members, else None
        (raises if the group FAILED)."""
        g = self.group_state(gid)
        if g['status'] == 'FAILED':
            raise RuntimeError('group FAILED: %s' % g['status_reason'])
        if g['converged_version'] >= g['version'] and \
                g['active_members'] == g['desired_capacity'] == \
                g['member_rows'] == n:
            return g
        return None

    def member_events(self, since_wall):
        """Per member server: seconds from its CREATE IN_PROGRESS event
        to its CREATE COMPLETE (how long it held a converger slot), and
        the events' wall times."""
        rows = self.query(
            "SELECT stack_id, resource_name, resource_status, created_at "
            "FROM event WHERE resource_type = 'OS::Nova::Server' AND "
            "resource_action = 'CREATE'")
        spans = {}
        for stack_id, name, status, created in rows:
            ts = _parse_ts(created)
            if ts < since_wall - 1:
                continue
            spans.setdefault((stack_id, name), {})[status] = ts
        return [(s['IN_PROGRESS'], s['COMPLETE']) for s in spans.values()
                if 'IN_PROGRESS' in s and 'COMPLETE' in s]

    def delete(self, ident):
        self.hc.stacks.delete(ident)

    def stop(self):
        if self.proc is None:
            return None
        code = self.proc.stop()
        self.proc = None
        return code


def engine_run(engine, observer, meter, n, ids, tag, quiet, profile=None):
    # 8 characters: the members' names (``<stack>-group-<12>-<12>-<12>``)
    # stay within the 53 of a server's physical name, uncut, and start
    # with the stack's name
    name = 'bl%s' % uuid.uuid4().hex[:6]
    log('engine N=%d: creating stack %s', n, name)
    ident, stack_id = engine.create(name, n, ids)
    MADE.add(stack_id)
    gid = engine.group_id(stack_id)
    out = {'stack': ident, 'load_before': quiet(),
           'other_servers_in_cloud': other_servers(observer.conn)}
    spy = profile.start(engine.pid) if profile else None
    before = meter.sample()
    wall0 = time.time()
    t0 = time.monotonic()
    decision = engine.hc.resources.signal(ident, 'up')
    out['signal_s'] = _r(time.monotonic() - t0)
    log('engine N=%d: signalled (%.3fs): %s', n, out['signal_s'],
        json.dumps(decision)[:200])
    seen = observer.wait(name, stack_id, all_active(n), t0, 'active',
                         extra=lambda: engine.converged(gid, n))
    took = seen['done_s']
    out['cpu'] = meter.delta(before)
    if spy is not None:
        out['profile'] = profile.stop(spy)
    out.update(all_active_s=_r(took),
               tagged_servers=seen['tagged'],
               group_converged_s=_r(seen['extra_s']),
               first_server_seen_s=_r(seen['first_seen_s']),
               servers_per_s=_r(n / took, 2),
               decision=(decision or {}) if isinstance(decision, dict)
               else str(decision)[:300],
               group=seen['extra'])
    spans = engine.member_events(wall0)
    if spans:
        out['members'] = {
            'from_trigger_to_first_create_s': _r(
                min(s for s, _ in spans) - wall0),
            'from_trigger_to_last_complete_s': _r(
                max(e for _, e in spans) - wall0),
            'create_in_progress_to_complete_s': _pcts(
                [e - s for s, e in spans])}
    log('engine N=%d: all ACTIVE in %.2fs, converged in %.2fs', n, took,
        seen['extra_s'])
    out['load_after'] = load_1m()

    # delete
    out['delete_load_before'] = quiet()
    before = meter.sample()
    t0 = time.monotonic()
    engine.delete(ident)

    def stack_gone():
        status, reason = engine.stack_status(ident)
        if status in ('GONE', 'DELETE_COMPLETE'):
            return status
        if status.endswith('FAILED'):
            raise RuntimeError('stack delete: %s %s' % (status, reason))
        return None
    gone = observer.wait(name, stack_id, none_left, t0, 'delete',
                         extra=stack_gone)
    engine.stacks.remove(ident)
    out['delete'] = {'servers_gone_s': _r(gone['done_s']),
                     'stack_deleted_s': _r(gone['extra_s']),
                     'servers_per_s': _r(n / gone['done_s'], 2),
                     'cpu': meter.delta(before), 'load_after': load_1m()}
    log('engine N=%d: servers gone in %.2fs, stack deleted in %.2fs', n,
        gone['done_s'], gone['extra_s'])
    return out


# -- direct boots -------------------------------------------------------------

def direct_run(conn, observer, meter, n, ids, tag, workers, poll, variant,
               quiet):
    prefix = 'bd%s%d%s' % (tag, n, variant)
    MADE.add(prefix)
    out = {'threads': workers, 'poll_s': poll, 'load_before': quiet(),
           'other_servers_in_cloud': other_servers(observer.conn)}
    log('direct N=%d (%d threads): booting', n, workers)
    errors = []
    made = []   # server ids, as soon as Nova gave them

    def boot(i):
        t_start = time.monotonic()
        server = conn.compute.create_server(
            name='%s-%d' % (prefix, i), flavor_id=ids['flavor'],
            image_id=ids['image'], networks=[{'uuid': ids['network']}],
            metadata={TAG_KEY: prefix})
        t_call = time.monotonic()
        made.append(server.id)
        deadline = t_start + TIMEOUT
        while True:
            status = _status(conn, server.id)
            if status == 'ACTIVE':
                break
            if status == 'ERROR':
                raise RuntimeError('server %s ERROR' % server.id)
            if time.monotonic() > deadline:
                raise RuntimeError('server %s still %s' % (server.id,
                                                           status))
            time.sleep(poll)
        return server.id, t_start, t_call, time.monotonic()

    before = meter.sample()
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futs = [pool.submit(boot, i) for i in range(n)]
        try:
            seen = observer.wait(prefix, prefix, all_active(n), t0,
                                 'active', abort=lambda: _failed(futs))
        finally:
            results = []
            for f in futs:
                try:
                    results.append(f.result())
                except Exception as exc:  # noqa: BLE001 - reported
                    log('direct boot: %s: %s', type(exc).__name__, exc)
                    errors.append(str(exc)[:300])
    out['cpu'] = meter.delta(before)
    if errors:
        out['errors'] = errors[:5]
    took = seen['done_s']
    out.update(
        all_active_s=_r(took),
        tagged_servers=seen['tagged'],
        threads_done_s=_r(max(r[3] for r in results) - t0)
        if results else None,
        first_server_seen_s=_r(seen['first_seen_s']),
        servers_per_s=_r(n / took, 2),
        members={'create_call_s': _pcts([r[2] - r[1] for r in results]),
                 'create_to_active_s': _pcts([r[3] - r[1]
                                              for r in results])},
        load_after=load_1m())
    log('direct N=%d (%d threads): all ACTIVE in %.2fs', n, workers, took)

    ids_made = sorted(set(made) | set(seen['servers']))
    out['delete_load_before'] = quiet()
    before = meter.sample()
    t0 = time.monotonic()
    gone = delete_servers(conn, ids_made, workers, poll, observer, prefix,
                          prefix, t0)
    out['delete'] = {'servers_gone_s': _r(gone),
                     'servers_per_s': _r(n / gone, 2),
                     'cpu': meter.delta(before), 'load_after': load_1m()}
    log('direct N=%d (%d threads): deleted in %.2fs', n, workers, gone)
    return out


def _failed(futs):
    """Once every thread has ended, the first error, if any."""
    if not all(f.done() for f in futs):
        return None
    for f in futs:
        if f.exception() is not None:
            return 'a thread failed: %s' % f.exception()
    return None


def _retry(call, attempts=5, pause=0.5):
    """``call()``, again after a transient failure (a connection error,
    a 5xx); a 404 is raised at once."""
    from openstack import exceptions as sdk_exc
    for i in range(attempts):
        try:
            return call()
        except sdk_exc.NotFoundException:
            raise
        except Exception as exc:  # noqa: BLE001 - transient, or raised
            status = getattr(exc, 'status_code', None)
            if i == attempts - 1 or (status is not None and status < 500):
                raise
            log('retrying after %s: %s', type(exc).__name__,
                str(exc)[:200])
            time.sleep(pause)


def _status(conn, sid):
    return (_retry(lambda: conn.compute.get_server(sid)).status or
            '').upper()


def delete_servers(conn, server_ids, workers, poll, observer, prefix, value,
                   t0):
    from openstack import exceptions as sdk_exc

    def delete(sid):
        _retry(lambda: conn.compute.delete_server(sid, ignore_missing=True))
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                status = _status(conn, sid)
            except sdk_exc.NotFoundException:
                return
            if status in ('DELETED', 'SOFT_DELETED'):
                return
            time.sleep(poll)
        raise RuntimeError('server %s not deleted' % sid)

    with concurrent.futures.ThreadPoolExecutor(max(workers, 1)) as pool:
        futs = [pool.submit(delete, sid) for sid in server_ids]
        seen = observer.wait(prefix, value, none_left, t0, 'delete',
                             abort=lambda: _failed(futs))
        for f in futs:
            f.result()
    return seen['done_s']


def other_servers(conn):
    """Servers in the cloud (every project) at the start of a phase, when
    this run has none: others' work on the same cloud."""
    try:
        return sum(1 for _s in conn.compute.servers(details=False,
                                                    all_projects=True))
    except Exception:  # noqa: BLE001 - informative only
        return None


# -- profile ------------------------------------------------------------------

class Profile:
    """Two ``py-spy record`` of a process at once (``--nonblocking``):
    busy samples only (where the CPU goes) and every sample (``--idle``:
    where the converger's workers spend their wall time), summarised."""

    def __init__(self, tmp, rate=100):
        self.tmp = tmp
        self.rate = rate
        self.exe = shutil.which('py-spy', path=processes.BINDIR + os.pathsep
                                + os.environ.get('PATH', ''))

    def start(self, pid):
        if self.exe is None:
            raise RuntimeError('py-spy is not installed (pip install '
                               'py-spy)')
        spies = []
        for kind, extra in (('busy', []), ('wall', ['--idle'])):
            path = os.path.join(self.tmp, 'profile-%s-%d.txt' % (kind, pid))
            proc = subprocess.Popen(
                [self.exe, 'record', '--pid', str(pid), '--rate',
                 str(self.rate), '--format', 'raw', '--threads',
                 '--nonblocking', '--output', path] + extra,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            spies.append((kind, proc, path))
        time.sleep(1)   # attached
        return spies

    def stop(self, spies):
        out = {'rate_hz': self.rate}
        for kind, proc, path in spies:
            proc.send_signal(signal.SIGINT)
            try:
                _out, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                _out, err = proc.communicate()
            if not os.path.exists(path):
                out[kind] = {'error': (err or b'').decode(
                    'utf-8', 'replace')[-2000:]}
                continue
            keep = os.path.join(tempfile.gettempdir(),
                                'heat-bench-cloud-profile-%s.txt' % kind)
            shutil.copy(path, keep)
            out[kind] = summarise(path, wall=kind == 'wall')
            out[kind]['raw_file'] = keep
        return out


_FRAME = re.compile(r'^(?P<func>.+?) \((?P<file>[^()]+?)(?::(?P<line>\d+))?'
                    r'\)$')


def _frame(text):
    """``(qualified function, short file)`` of a raw py-spy frame."""
    m = _FRAME.match(text.strip())
    if not m:
        return text.strip(), ''
    f = m.group('file')
    short = f.split('site-packages/')[-1] if 'site-packages/' in f else \
        f.split('/work/main/')[-1]
    return m.group('func'), short


def _base(func):
    return func.rsplit('.', 1)[-1]


def summarise(path, wall=False, top=20):
    """Top frames of a ``py-spy record --format raw --threads`` file.

    Busy profile: the leaf frames (self) and the frames containing the
    samples (inclusive), every thread. Wall profile (``--idle``): of the
    converger's worker threads only (samples under ``Converger._act``),
    the leaves and the share of the samples inside each
    :data:`INTERESTING` function."""
    leaves = collections.Counter()
    incl = collections.Counter()
    threads = collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip('\n').rpartition(' ')
            try:
                count = int(count)
            except ValueError:
                continue
            frames = stack.split(';')
            thread = frames[0] if frames[0].startswith('thread') else ''
            parsed = [_frame(fr) for fr in frames
                      if not fr.startswith(('thread ', 'process '))]
            if not parsed:
                continue
            if wall and not any(_base(fn) == '_act' and 'converger' in fl
                                for fn, fl in parsed):
                continue
            total += count
            threads[re.sub(r'^thread \(\d+\): ', '',
                           re.sub(r'_\d+$', '', thread))] += count
            leaves['%s (%s)' % parsed[-1]] += count
            for fn, fl in set(parsed):
                if not wall or _base(fn) in INTERESTING:
                    incl['%s (%s)' % (fn, fl)] += count

    def table(counter):
        return [[k, v, round(v / total, 3)]
                for k, v in counter.most_common(top)] if total else []
    return {'samples': total,
            'what': ('converger worker threads, every sample (--idle)'
                     if wall else 'every thread, busy samples only'),
            'threads': threads.most_common(8),
            'top_self': table(leaves),
            'top_inclusive': table(incl)}


# -- cleanup ------------------------------------------------------------------

def cleanup(engine, conn, poll):
    """Delete the stacks left, then any server of this run directly."""
    problems = []
    if engine is not None and engine.alive():
        for ident in list(engine.stacks):
            try:
                log('cleanup: deleting stack %s', ident)
                engine.delete(ident)
                engine.wait_stack(ident, ('GONE', 'DELETE_COMPLETE'))
                engine.stacks.remove(ident)
            except Exception as exc:  # noqa: BLE001 - then directly
                problems.append('stack %s: %s' % (ident, exc))
    if conn is None:
        return problems
    try:
        left = [s.id for s in detailed(conn)
                if (s.metadata or {}).get(TAG_KEY) in MADE]
        if left:
            log('cleanup: deleting %d leftover servers', len(left))
            from openstack import exceptions as sdk_exc
            for sid in left:
                conn.compute.delete_server(sid, ignore_missing=True)
            deadline = time.monotonic() + TIMEOUT
            for sid in left:
                while time.monotonic() < deadline:
                    try:
                        conn.compute.get_server(sid)
                    except sdk_exc.NotFoundException:
                        break
                    time.sleep(poll)
    except Exception as exc:  # noqa: BLE001 - reported
        problems.append('servers: %s' % exc)
    return problems


# -- main ---------------------------------------------------------------------

def _sigterm(signum, frame):
    raise SystemExit('terminated by signal %d' % signum)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='20,100',
                        help='comma separated server counts')
    parser.add_argument('--concurrency', type=int, default=8,
                        help="the engine's max_concurrent_resources and "
                             "the direct pool's threads")
    parser.add_argument('--batch-size', type=int, default=100,
                        help="the engine's [autoscaling] "
                             "converge_batch_size")
    parser.add_argument('--direct-poll', type=float, default=0.5,
                        help='seconds between the direct threads\' polls '
                             'of their server')
    parser.add_argument('--observe-poll', type=float, default=0.5,
                        help='seconds between the observer\'s listings')
    parser.add_argument('--max-load', type=float, default=2.0)
    parser.add_argument('--quiet-wait', type=float, default=180,
                        help='seconds a phase waits at most for the load '
                             'to fall under --max-load')
    parser.add_argument('--no-unbounded', action='store_true')
    parser.add_argument('--profile', action='store_true',
                        help='one more engine run of the largest size '
                             'under py-spy')
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(',') if x.strip()]
    signal.signal(signal.SIGTERM, _sigterm)

    import logging
    logging.basicConfig(level=logging.WARNING)
    import unittest

    from heat.tests.functional import minicloud
    try:
        cloud = minicloud.ensure_up()
    except unittest.SkipTest as exc:
        # make bench runs every benchmark: say why this one cannot run
        print(json.dumps({'benchmark': 'cloud', 'skipped': str(exc)}))
        return 0
    os.environ['OS_CLIENT_CONFIG_FILE'] = cloud.clouds_yaml
    import openstack
    from keystoneauth1 import session as ks_session

    from heat.engine import clients as heat_clients

    # the direct threads' connection: the engine's settings (retries,
    # timeout, compute microversion), a pool for all the threads
    # (requests' default keeps 10 connections and drops the others)
    conn = openstack.connect(
        cloud=cloud.admin_cloud_name, app_name='heat-bench',
        **heat_clients.Clients(None)._adapter_options(heat_clients._conf()))
    pool = ks_session.TCPKeepAliveAdapter(pool_maxsize=max(sizes) + 10)
    conn.session.session.mount('http://', pool)
    conn.session.session.mount('https://', pool)
    watch_conn = openstack.connect(cloud=cloud.admin_cloud_name)
    observer = Observer(watch_conn, args.observe_poll)
    ids = {'flavor_name': minicloud.FLAVOR_NAME,
           'image_name': minicloud.IMAGE_NAME,
           'network_name': minicloud.NETWORK_NAME,
           'flavor': conn.compute.find_flavor(minicloud.FLAVOR_NAME,
                                              ignore_missing=False).id,
           'image': conn.image.find_image(minicloud.IMAGE_NAME,
                                          ignore_missing=False).id,
           'network': conn.network.find_network(minicloud.NETWORK_NAME,
                                                ignore_missing=False).id}
    tag = uuid.uuid4().hex[:6]
    tmp = tempfile.mkdtemp(prefix='heat-bench-cloud-')
    cloud_pgids = [p['pid'] for p in cloud.processes().values()]

    def quiet():
        return wait_quiet(args.max_load, args.quiet_wait)

    out = {'benchmark': 'cloud',
           'machine': {'python': platform.python_version(),
                       'cpus': os.cpu_count(),
                       'platform': platform.platform()},
           'cloud': {'nova_driver': 'fake.FakeDriver',
                     'cloud': cloud.admin_cloud_name,
                     'flavor': minicloud.FLAVOR_NAME,
                     'image': minicloud.IMAGE_NAME,
                     'network': minicloud.NETWORK_NAME},
           'run_tag': tag, 'load_at_start': load_1m(),
           'max_load': args.max_load,
           'observer_poll_s': args.observe_poll,
           'direct_settings': {
               'concurrency': args.concurrency,
               'poll_s': args.direct_poll,
               'ids': 'flavor, image and network resolved once',
               'connection': 'one openstacksdk Connection shared by the '
                             'threads, with the engine\'s adapter options '
                             '(retries, timeout, compute microversion %s)'
                             % heat_clients.COMPUTE_MICROVERSION}}
    engine = None
    try:
        engine = Engine(cloud, args.concurrency, args.batch_size,
                        tmp).start()
        out['engine_settings'] = engine.settings()
        meter = Meter(engine.pid, cloud_pgids)
        # filled as each size ends: a run cut short reports those done
        results = out['sizes'] = {}
        for n in sizes:
            r = {}
            r['engine'] = engine_run(engine, observer, meter, n, ids, tag,
                                     quiet)
            r['direct'] = direct_run(conn, observer, meter, n, ids, tag,
                                     args.concurrency, args.direct_poll,
                                     'c', quiet)
            if not args.no_unbounded:
                r['direct_unbounded'] = direct_run(
                    conn, observer, meter, n, ids, tag, n,
                    args.direct_poll, 'u', quiet)
            e, d = r['engine'], r['direct']
            u = r.get('direct_unbounded') or {}
            r['summary'] = {
                'servers': n,
                'engine_s': e['all_active_s'],
                'engine_group_converged_s': e['group_converged_s'],
                'direct_s': d['all_active_s'],
                'direct_unbounded_s': u.get('all_active_s'),
                'overhead_s': _r(e['all_active_s'] - d['all_active_s']),
                'overhead_fraction': _r(
                    (e['all_active_s'] - d['all_active_s']) /
                    d['all_active_s']),
                'engine_servers_per_s': e['servers_per_s'],
                'direct_servers_per_s': d['servers_per_s'],
                'direct_unbounded_servers_per_s': u.get('servers_per_s'),
                'engine_delete_s': e['delete']['servers_gone_s'],
                'engine_stack_delete_s': e['delete']['stack_deleted_s'],
                'direct_delete_s': d['delete']['servers_gone_s'],
                'direct_unbounded_delete_s': (u.get('delete') or {}).get(
                    'servers_gone_s'),
                'delete_overhead_s': _r(e['delete']['servers_gone_s'] -
                                        d['delete']['servers_gone_s']),
                'engine_heat_all_cpu_s': e['cpu']['heat_all_cpu_s'],
                'loads_1m': [e['load_before']['load_1m'],
                             d['load_before']['load_1m'],
                             (u.get('load_before') or {}).get('load_1m')],
            }
            results[str(n)] = r
            log('N=%d: %s', n, json.dumps(r['summary']))
        if args.profile:
            n = max(sizes)
            prof = Profile(tmp)
            r = engine_run(engine, observer, meter, n, ids, tag, quiet,
                           profile=prof)
            out['profiled_engine_run'] = r
        out['observer'] = {'polls': observer.polls,
                           'list_s': _pcts(observer.poll_s)}
    except BaseException as exc:
        out['error'] = '%s: %s' % (type(exc).__name__, str(exc)[-3000:])
        if engine is not None and engine.proc is not None:
            out['heat_all_stderr_tail'] = engine.proc.output()[1][-3000:]
        if not isinstance(exc, Exception):
            log('interrupted: cleaning up')
    finally:
        problems = cleanup(engine, conn, args.direct_poll)
        if problems:
            out['cleanup_problems'] = problems
        if engine is not None:
            code = engine.stop()
            if code not in (0, None):
                log('heat-all exit code at stop: %r', code)
        shutil.rmtree(tmp, ignore_errors=True)
        for c in (conn, watch_conn):
            try:
                c.close()
            except Exception:  # noqa: BLE001 - closing only
                pass
    print(json.dumps(out, indent=2))
    return 1 if 'error' in out else 0


if __name__ == '__main__':
    sys.exit(main())
