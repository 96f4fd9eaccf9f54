"""The REST trigger load of ``bench/distributed.py`` and the functional
load and fault tests: a stack with an ``OS::Heat::AutoScalingGroup`` of
``OS::Heat::None`` (min 0, max 100000, desired 0, cooldown 0) and a +1
``change_in_capacity`` ``ScalingPolicy`` (cooldown 0), POSTs to the
policy's signal URL from concurrent keep-alive clients (:func:`fire`),
and the group's state read from the database afterwards
(:func:`run_load`).

:class:`Target` is where the API listens (``port``) and how to read its
database (``query(sql) -> rows``) and its processes' logs.
"""

import http.client
import json
import statistics
import threading
import time
import uuid

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
