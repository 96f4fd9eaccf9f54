"""Benchmark of the engine RPC round trip, per transport.

Prints JSON with the median and p99 (milliseconds) of one engine RPC
call, EngineClient -> transport -> EngineServer -> a real EngineService
(on a throwaway SQLite file) and back, for:

- the in-process fast path (the embedded default; aim: under 0.2 ms);
- RabbitMQ at ``--rabbit-url`` (aim: under 3 ms), or a ``skipped``
  reason when the broker does not answer.

Two calls are timed: ``get_revision`` (no database work: the pure round
trip, context and envelope included) and ``identify_stack`` of a stored
stack (one indexed read), next to ``identify_stack_direct``: the same
EngineService call without RPC.

    .venv/bin/python bench/rpc.py [--calls 2000] [--rabbit-url URL]
"""

import argparse
import json
import logging
import os
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
import warnings

warnings.filterwarnings('ignore')  # oslo's eventlet deprecation notice

from heat.common import context  # noqa: E402
from heat.db import api as db_api  # noqa: E402
from heat.db import migration  # noqa: E402
from heat.engine import service  # noqa: E402
from heat.rpc import client as rpc_client  # noqa: E402
from heat.rpc import server as rpc_server  # noqa: E402
from heat.rpc import transport as rpc_transport  # noqa: E402

TEMPLATE = '''
heat_template_version: 2016-10-14
resources:
  none:
    type: OS::Heat::None
'''


def percentile(samples, pct):
    ordered = sorted(samples)
    index = min(len(ordered) - 1, int(round(pct / 100.0 * len(ordered))))
    return ordered[index]


def timed(fn, calls, warmup):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return {'median_ms': round(statistics.median(samples), 4),
            'p99_ms': round(percentile(samples, 99), 4),
            'calls': calls}


def broker_reason(url):
    parsed = urllib.parse.urlsplit(url)
    host, port = parsed.hostname or '127.0.0.1', parsed.port or 5672
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as exc:
        return 'RabbitMQ does not answer at %s:%s (%s)' % (host, port, exc)
    return None


def bench_transport(engine, url, calls, warmup):
    transport = rpc_transport.get_transport(url)
    topic = 'engine-bench-%s' % uuid.uuid4().hex
    server = rpc_server.EngineServer(engine, transport, topic=topic).start()
    try:
        client = rpc_client.EngineClient(transport, topic=topic, timeout=30)
        cnxt = context.RequestContext(project_id='bench', user_id='u')
        name = 'bench-%s' % uuid.uuid4().hex[:8]
        identity = client.create_stack(cnxt, name, TEMPLATE, {}, {}, {})
        engine.wait(identity, 60)
        return {
            'identify_stack_direct': timed(
                lambda: engine.identify_stack(cnxt, name), calls, warmup),
            'get_revision': timed(lambda: client.get_revision(cnxt),
                                  calls, warmup),
            'identify_stack': timed(
                lambda: client.identify_stack(cnxt, name), calls,
                warmup),
        }
    finally:
        server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--calls', type=int, default=2000)
    parser.add_argument('--warmup', type=int, default=100)
    parser.add_argument('--rabbit-url', default=os.environ.get(
        'HEAT_TEST_RABBIT_URL', 'rabbit://guest:guest@127.0.0.1:5672/'))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    tmp = tempfile.mkdtemp(prefix='heat-bench-rpc-')
    url = 'sqlite:///%s' % os.path.join(tmp, 'heat.sqlite')
    engine = None
    try:
        migration.upgrade(url)
        db_api.configure(url)
        engine = service.EngineService(report_interval=3600)
        out = {
            'benchmark': 'rpc',
            'python': platform.python_version(),
            'in_process': bench_transport(engine, None, args.calls,
                                          args.warmup),
        }
        reason = broker_reason(args.rabbit_url)
        if reason:
            out['rabbitmq'] = {'skipped': reason}
        else:
            # fewer calls: each costs a broker round trip
            out['rabbitmq'] = bench_transport(
                engine, args.rabbit_url, max(100, args.calls // 4),
                min(args.warmup, 50))
        out['aims_ms'] = {'in_process_median': 0.2, 'rabbitmq_median': 3.0}
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write('\n')
    finally:
        if engine is not None:
            engine.stop(10)
        db_api.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
