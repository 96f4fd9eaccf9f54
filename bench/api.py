"""Benchmark of the REST API through a real ``heat-all`` process.

Starts ``heat-all`` on the embedded default (a throwaway state
directory, a free port on 127.0.0.1), creates one stack, then measures
``GET /v1/<project>/stacks/<name>/<id>`` (a stack show, outputs
resolved) from ``--clients`` concurrent HTTP clients (keep-alive
connections, plain ``http.client``), each making ``--requests`` requests.
Prints JSON: requests per second, median and p99 latency (ms), and any
non-200 answers. Traffic goes to 127.0.0.1 only and the run is bounded
by the request count.

    .venv/bin/python bench/api.py [--clients 4] [--requests 500]
"""

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TEMPLATE = {
    'heat_template_version': '2016-10-14',
    'resources': {'r': {'type': 'OS::Heat::RandomString'}},
    'outputs': {'v': {'value': {'get_attr': ['r', 'value']}}},
}


def request(conn, method, path, body=None):
    headers = {'Content-Type': 'application/json', 'X-Auth-Token': 'x'}
    conn.request(method, path, body=json.dumps(body) if body else None,
                 headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, resp.getheader('Location'), data


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=4)
    parser.add_argument('--requests', type=int, default=500)
    args = parser.parse_args(argv)
    bindir = os.path.dirname(sys.executable)
    with tempfile.TemporaryDirectory(prefix='heat-bench-') as state:
        proc = subprocess.Popen(
            [os.path.join(bindir, 'heat-all'), '--state-dir', state,
             '--bind-port', '0'],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = proc.stdout.readline()
            host, port = re.search(r'http://([\d.]+):(\d+)', line).groups()
            port = int(port)
            conn = http.client.HTTPConnection(host, port, timeout=30)
            status, _loc, data = request(
                conn, 'POST', '/v1/bench/stacks',
                {'stack_name': 'b', 'template': TEMPLATE})
            if status != 201:
                raise SystemExit('create failed: %s %s' % (status, data))
            stack_id = json.loads(data)['stack']['id']
            path = '/v1/bench/stacks/b/%s' % stack_id
            deadline = time.monotonic() + 60
            while True:
                _s, _l, data = request(conn, 'GET', path)
                stack_status = json.loads(data)['stack']['stack_status']
                if not stack_status.endswith('IN_PROGRESS'):
                    break
                if time.monotonic() > deadline:
                    raise SystemExit('stack still %s' % stack_status)
                time.sleep(0.05)
            conn.close()

            latencies = []
            errors = []
            lock = threading.Lock()

            def client():
                c = http.client.HTTPConnection(host, port, timeout=30)
                mine = []
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    code, _l, _d = request(c, 'GET', path)
                    mine.append(time.perf_counter() - t0)
                    if code != 200:
                        with lock:
                            errors.append(code)
                c.close()
                with lock:
                    latencies.extend(mine)

            threads = [threading.Thread(target=client)
                       for _ in range(args.clients)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            proc.stdout.close()
    ordered = sorted(latencies)
    print(json.dumps({
        'benchmark': 'api',
        'endpoint': 'GET /v1/{project}/stacks/{name}/{id} via heat-all',
        'stack_status': stack_status,
        'clients': args.clients,
        'requests': len(latencies),
        'requests_per_second': round(len(latencies) / elapsed, 1),
        'median_ms': round(statistics.median(ordered) * 1000, 3),
        'p99_ms': round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 3),
        'non_200': len(errors),
    }, indent=2, sort_keys=True))


if __name__ == '__main__':
    main()
