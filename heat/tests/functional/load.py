"""The REST trigger load of ``bench/distributed.py`` and the functional
load and fault tests: a stack with an ``OS::Heat::AutoScalingGroup`` of
``OS::Heat::None`` (min 0, max 100000, desired 0, cooldown 0) and a +1
``change_in_capacity`` ``ScalingPolicy`` (cooldown 0), POSTs to the
policy's signal URL from concurrent keep-alive clients (:func:`fire`),
and the group's state read from the database afterwards
(:func:`run_load`).

``run_load(..., groups=N)`` with N > 1 makes N such stacks (one group
each: a user's N scaling groups, N stack locks and N leases) and spreads
the triggers round-robin over their policies' signal URLs (a client's
j-th trigger goes to group ``(client + j) % N``, so that at any moment
the clients hit different groups); every group's final desired capacity
is checked against the triggers accepted for it, and the total against
the total (``per_group``, ``every_capacity_exact``).

``fire(..., retry=Retry(...))`` is the mode of the fault test: every
trigger carries an ``Idempotency-Key`` of its own, and a client retries
the same key after a 5xx, a 429 or a transport error (waiting what
``Retry-After`` says), for at most ``Retry.max_seconds`` a trigger; every
attempt is recorded (``events``).

:class:`Target` is where the API listens (``port``) and how to read its
database (``query(sql) -> rows``) and its processes' logs.
"""

import http.client
import json
import sqlite3
import statistics
import threading
import time
import uuid

CONF = '[DEFAULT]\nmax_resources_per_stack = -1\n'
MAX_SIZE = 100000
#: error bodies kept per HTTP status
KEEP_BODIES = 5


def template(size=0, max_size=MAX_SIZE, adjust=1, down=False):
    """A group of ``size`` ``OS::Heat::None`` (min 0, cooldown 0) and an
    ``up`` policy of ``+adjust`` (cooldown 0); with ``down``, a ``down``
    policy of ``-adjust`` too."""
    def policy(adjustment):
        return {'type': 'OS::Heat::ScalingPolicy',
                'properties': {
                    'auto_scaling_group_id': {'get_resource': 'group'},
                    'adjustment_type': 'change_in_capacity',
                    'scaling_adjustment': adjustment, 'cooldown': 0}}
    resources = {
        'group': {
            'type': 'OS::Heat::AutoScalingGroup',
            'properties': {
                'min_size': 0, 'max_size': max_size,
                'desired_capacity': size, 'cooldown': 0,
                'resource': {'type': 'OS::Heat::None'}}},
        'up': policy(adjust),
    }
    if down:
        resources['down'] = policy(-adjust)
    return {'heat_template_version': '2016-10-14', 'resources': resources}


class Target:
    """Where the API listens and how to read its database."""

    def __init__(self, port, query, logs, cpu=None):
        self.port = port
        self.query = query      # sql -> rows
        self.logs = logs        # () -> {process name: stderr tail}
        #: () -> {process name: CPU seconds so far}, or None; run_load
        #: reports each process's CPU over the triggers (``cpu_s``)
        self.cpu = cpu

    def fire(self, path, count, clients):
        """:func:`fire`, with the CPU each process used meanwhile."""
        before = self.cpu() if self.cpu else None
        out = fire(self, path, count, clients)
        if before is not None:
            after = self.cpu()
            out['cpu_s'] = {k: round(after[k] - v, 2)
                            for k, v in before.items() if k in after}
            out['cpu_s_per_wall_s'] = {
                k: round(v / out['seconds'], 2)
                for k, v in out['cpu_s'].items()}
        return out

    def request(self, method, path, body=None, conn=None):
        status, data, _ = self.request_full(method, path, body, conn)
        return status, data

    def request_full(self, method, path, body=None, conn=None,
                     headers=None):
        """``(status, body, response headers)``."""
        own = conn is None
        if own:
            conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                              timeout=120)
        try:
            conn.request(method, path,
                         body=None if body is None else json.dumps(body),
                         headers=dict({'Content-Type': 'application/json',
                                       'X-Auth-Token': 'bench'},
                                      **(headers or {})))
            resp = conn.getresponse()
            return resp.status, resp.read(), dict(resp.getheaders())
        finally:
            if own:
                conn.close()


def percentile(sorted_values, fraction):
    return sorted_values[max(int(len(sorted_values) * fraction) - 1, 0)]


def _p50_p99_ms(seconds):
    """``(p50, p99)`` in milliseconds of sorted durations (None, None
    when there are none)."""
    if not seconds:
        return None, None
    return (round(statistics.median(seconds) * 1000, 2),
            round(percentile(seconds, 0.99) * 1000, 2))


def _in_clients(run, count, clients, with_index=False):
    """``run(k)`` (``run(k, i)`` for client ``i`` with ``with_index``) in
    ``clients`` threads, ``count`` triggers shared out between them; the
    seconds it took."""
    per = [count // clients + (1 if i < count % clients else 0)
           for i in range(clients)]
    t0 = time.perf_counter()
    threads = [threading.Thread(target=run,
                                args=(k, i) if with_index else (k,))
               for i, k in enumerate(per)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def create_stack(target, project, name, timeout=120):
    return wait_stack_created(target, project, name,
                              post_stack(target, project, name), timeout)


def post_stack(target, project, name, tmpl=None):
    """POST the stack (``tmpl``: :func:`template` by default); its id."""
    status, body = target.request('POST', '/v1/%s/stacks' % project, {
        'stack_name': name, 'template': tmpl or template(),
        'timeout_mins': 60})
    if status >= 300:
        raise RuntimeError('stack create: HTTP %d %s' % (status, body[:2000]))
    return json.loads(body)['stack']['id']


def wait_stack_created(target, project, name, stack_id, timeout=120):
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


class Retry:
    """How a client of :func:`fire` retries a trigger (same key): after
    a status in ``statuses`` (or any 5xx) or a transport error, wait
    ``Retry-After`` (else ``pause`` seconds), for at most ``max_seconds``
    from the trigger's first attempt."""

    def __init__(self, max_seconds=120, pause=0.5,
                 statuses=(429, 502, 503, 504)):
        self.max_seconds = max_seconds
        self.pause = pause
        self.statuses = statuses


def fire(target, path, count, clients, retry=None):
    """``count`` POSTs to ``path`` from ``clients`` keep-alive clients.
    ``path`` may be a list of paths: client ``i``'s ``j``-th trigger
    goes to ``path[(i + j) % len(path)]``, and ``per_path`` has, for
    each, the triggers sent and accepted."""
    paths = [path] if isinstance(path, str) else list(path)
    if retry is not None:
        if len(paths) != 1:
            raise ValueError('keyed retries take one path')
        return _fire_keyed(target, paths[0], count, clients, retry)
    latencies, statuses, bodies = [], {}, {}
    accepted = [0]
    sent_to = [0] * len(paths)
    accepted_by = [0] * len(paths)
    transport_errors = []
    lock = threading.Lock()
    def run(k, i):
        conn = http.client.HTTPConnection('127.0.0.1', target.port,
                                          timeout=120)
        mine, codes, errs, acc = [], {}, {}, 0
        sent, accs = [0] * len(paths), [0] * len(paths)
        for j in range(k):
            g = (i + j) % len(paths)
            path = paths[g]
            sent[g] += 1
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
                        accs[g] += 1
                    else:
                        errs.setdefault('not_accepted', []).append(
                            body[:1000].decode('utf-8', 'replace'))
                except (ValueError, AttributeError):
                    pass
        conn.close()
        with lock:
            latencies.extend(mine)
            accepted[0] += acc
            for g in range(len(paths)):
                sent_to[g] += sent[g]
                accepted_by[g] += accs[g]
            for c, v in codes.items():
                statuses[c] = statuses.get(c, 0) + v
            for c, v in errs.items():
                kept = bodies.setdefault(str(c), [])
                kept.extend(v[:KEEP_BODIES - len(kept)])

    took = _in_clients(run, count, clients, with_index=True)
    latencies.sort()
    p50, p99 = _p50_p99_ms(latencies)
    out = {
        'triggers': count, 'clients': clients,
        'seconds': round(took, 3),
        'decisions_per_s': round(count / took, 1),
        'p50_ms': p50, 'p99_ms': p99,
        'http_statuses': {str(k): v for k, v in sorted(statuses.items())},
        'http_5xx': sum(v for k, v in statuses.items() if k >= 500),
        'accepted': accepted[0],
    }
    if len(paths) > 1:
        out['per_path'] = {p: {'sent': sent_to[g],
                               'accepted': accepted_by[g]}
                           for g, p in enumerate(paths)}
    if bodies:
        out['error_bodies'] = bodies
    if transport_errors:
        out['transport_errors'] = {'count': len(transport_errors),
                                   'first': transport_errors[:KEEP_BODIES]}
    return out


def _fire_keyed(target, path, count, clients, retry):
    """:func:`fire` with an Idempotency-Key per trigger, retried."""
    events, latencies, trigger_latencies = [], [], []
    outcome = {}          # key -> final status (None: gave up)
    lock = threading.Lock()
    def connect():
        return http.client.HTTPConnection('127.0.0.1', target.port,
                                          timeout=120)

    def one(conn, key):
        t_first = time.monotonic()
        mine = []
        while True:
            t0 = time.perf_counter()
            try:
                status, body, headers = target.request_full(
                    'POST', path, {}, conn=conn,
                    headers={'Idempotency-Key': key})
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = connect()
                mine.append((time.monotonic(), 'transport', None,
                             repr(exc)[:200]))
                status, body, headers = None, b'', {}
            else:
                latencies.append(time.perf_counter() - t0)  # atomic
                after = headers.get('Retry-After')
                mine.append((time.monotonic(), status, after,
                             body[:300].decode('utf-8', 'replace')
                             if status >= 300 else None))
                if status < 300:
                    accepted = False
                    try:
                        accepted = bool(json.loads(body or b'null').get(
                            'accepted'))
                    except (ValueError, AttributeError):
                        pass
                    return conn, mine, ('accepted' if accepted
                                        else 'rejected'), \
                        time.monotonic() - t_first
                if status < 500 and status not in retry.statuses:
                    return conn, mine, status, time.monotonic() - t_first
            try:
                wait = float(headers.get('Retry-After') or retry.pause)
            except ValueError:
                wait = retry.pause
            if time.monotonic() + wait - t_first > retry.max_seconds:
                return conn, mine, None, time.monotonic() - t_first
            time.sleep(wait)

    def run(k):
        conn = connect()
        results = []
        for _ in range(k):
            key = uuid.uuid4().hex
            conn, mine, final, took = one(conn, key)
            results.append((key, mine, final, took))
        conn.close()
        with lock:
            for key, mine, final, took in results:
                events.extend(mine)
                outcome[key] = final
                trigger_latencies.append(took)

    took = _in_clients(run, count, clients)
    latencies.sort()
    trigger_latencies.sort()
    events.sort(key=lambda e: e[0])
    statuses = {}
    for e in events:
        statuses[str(e[1])] = statuses.get(str(e[1]), 0) + 1
    finals = {}
    for v in outcome.values():
        finals[str(v)] = finals.get(str(v), 0) + 1
    p50, p99 = _p50_p99_ms(latencies)
    trigger_p50, trigger_p99 = _p50_p99_ms(trigger_latencies)
    return {
        'triggers': count, 'clients': clients,
        'seconds': round(took, 3),
        'decisions_per_s': round(count / took, 1),
        'p50_ms': p50, 'p99_ms': p99,
        'trigger_p50_ms': trigger_p50, 'trigger_p99_ms': trigger_p99,
        'attempts': len(events),
        'http_statuses': statuses,
        'http_5xx': sum(v for k, v in statuses.items()
                        if k.isdigit() and int(k) >= 500),
        'outcomes': finals,
        'accepted': finals.get('accepted', 0),
        'keys': outcome,
        'events': events,
    }


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


def run_load(target, triggers, clients, converge_timeout, project=None,
             groups=1):
    """Create the stack(s), fire, wait for convergence, check. With
    ``groups`` > 1: that many stacks of one group each, the triggers
    spread round-robin over them (:func:`fire`), each group checked
    against the triggers accepted for it (``per_group``)."""
    if groups > 1:
        return _run_load_groups(target, triggers, clients, converge_timeout,
                                project, groups)
    project = project or 'bench-%s' % uuid.uuid4().hex[:8]
    name = 'dist%s' % uuid.uuid4().hex[:6]
    t0 = time.perf_counter()
    stack_id = create_stack(target, project, name)
    out = {'stack_create_s': round(time.perf_counter() - t0, 3)}
    gid = target.query("SELECT id FROM scaling_group WHERE stack_id = '%s'"
                       % stack_id)[0][0]
    path = '/v1/%s/stacks/%s/%s/resources/up/signal' % (project, name,
                                                         stack_id)
    out['group_id'] = gid
    out.update(target.fire(path, triggers, clients))
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


def _converged(g):
    return (g['converged_version'] >= g['version'] and
            g['active_members'] == g['desired_capacity'] ==
            g['member_rows'])


def _run_load_groups(target, triggers, clients, converge_timeout, project,
                     groups):
    project = project or 'bench-%s' % uuid.uuid4().hex[:8]
    base = 'dist%s' % uuid.uuid4().hex[:6]
    t0 = time.perf_counter()
    stacks = []
    for n in range(groups):      # POST them all, then wait for them all
        name = '%s-%02d' % (base, n)
        stacks.append((name, post_stack(target, project, name)))
    for name, stack_id in stacks:
        wait_stack_created(target, project, name, stack_id)
    out = {'groups': groups,
           'stack_create_s': round(time.perf_counter() - t0, 3)}
    gids, paths = [], []
    for name, stack_id in stacks:
        gids.append(target.query(
            "SELECT id FROM scaling_group WHERE stack_id = '%s'"
            % stack_id)[0][0])
        paths.append('/v1/%s/stacks/%s/%s/resources/up/signal'
                     % (project, name, stack_id))
    out.update(target.fire(paths, triggers, clients))
    per_path = out.pop('per_path')
    t_end = time.perf_counter()
    deadline = time.monotonic() + converge_timeout
    pending = set(gids)
    states = {}
    while True:
        for gid in list(pending):
            g = states[gid] = group_state(target, gid)
            if _converged(g):
                pending.discard(gid)
        failed = [gid for gid in pending if states[gid]['status'] ==
                  'FAILED']
        if not pending or failed or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    done = not pending
    out['converged'] = done
    out['converge_s'] = round(time.perf_counter() - t_end, 3) if done \
        else None
    per_group = []
    for (name, _stack_id), gid, path in zip(stacks, gids, paths):
        g = states[gid]
        sent = per_path[path]
        per_group.append({
            'stack': name, 'group_id': gid,
            'sent': sent['sent'], 'accepted': sent['accepted'],
            'desired_capacity': g['desired_capacity'],
            'active_members': g['active_members'],
            'member_rows': g['member_rows'],
            'converged': _converged(g), 'status': g['status'],
            'exact': g['desired_capacity'] == sent['accepted'],
            'members_equal_desired': g['active_members'] ==
            g['desired_capacity'] == g['member_rows']})
    out['final_capacity'] = sum(g['desired_capacity'] for g in per_group)
    out['every_capacity_exact'] = all(g['exact'] for g in per_group)
    out['final_capacity_equals_accepted'] = \
        out['every_capacity_exact'] and \
        out['final_capacity'] == out['accepted']
    out['members_equal_desired'] = all(g['members_equal_desired']
                                       for g in per_group)
    caps = [g['desired_capacity'] for g in per_group]
    out['capacity_per_group'] = {'min': min(caps), 'max': max(caps)}
    out['activities'] = sum(target.query(
        "SELECT COUNT(*) FROM scaling_activity WHERE group_id = '%s'"
        % gid)[0][0] for gid in gids)
    out['per_group'] = per_group
    problems = []
    if out['http_5xx']:
        problems.append('%d HTTP 5xx' % out['http_5xx'])
    if out['accepted'] != triggers:
        problems.append('accepted %d of %d' % (out['accepted'], triggers))
    for g in per_group:
        if not g['exact']:
            problems.append('group %s: desired capacity %s != accepted %d'
                            % (g['stack'], g['desired_capacity'],
                               g['accepted']))
        if not g['members_equal_desired']:
            problems.append('group %s: members %s/%s != desired %s' % (
                g['stack'], g['active_members'], g['member_rows'],
                g['desired_capacity']))
    if out['final_capacity'] != out['accepted']:
        problems.append('total desired capacity %s != accepted %d'
                        % (out['final_capacity'], out['accepted']))
    if not done:
        problems.append('%d group(s) not converged after %ss'
                        % (len(pending), converge_timeout))
    if problems:
        out['problems'] = problems
        out['stderr_tails'] = target.logs()
    return out


def proc_cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    import os
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def service_pids():
    """``{'mariadb': pid, 'rabbitmq': pid}`` of the local servers found
    in /proc (by command name), for :attr:`Target.cpu`."""
    import os
    names = {'mariadbd': 'mariadb', 'mysqld': 'mariadb',
             'beam.smp': 'rabbitmq'}
    found = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/comm' % entry) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm in names:
            found.setdefault(names[comm], int(entry))
    return found


def sqlite_query(path):
    """A function running one SQL query on the SQLite file ``path`` (a
    heat-all's state) and returning its rows."""
    def query(sql):
        conn = sqlite3.connect(path, timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    return query
