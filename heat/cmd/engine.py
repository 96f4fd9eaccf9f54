"""heat-engine: one or more engine processes on the message bus.

Each process registers itself in the service table, heartbeats, serves
the engine RPC topic and resumes what dead engines left. Run as many as
you like (``[DEFAULT] num_engine_workers`` forks that many here).
"""

import os
import signal
import sys

from heat.cmd import common


def _serve(conf):
    stop = common.stop_on_signal('heat-engine', conf)
    svc, rpc = common.start_engine(conf)
    try:
        common.wait(stop)
    finally:
        common.stop_gracefully(stop, rpc=rpc, svc=svc)


def main(argv=None):
    p = common.parser('heat-engine', __doc__.splitlines()[0])
    args = common.parse_args(p, argv)
    conf = common.load(args)
    common.prepare_database(conf, sync=False)
    workers = conf.num_engine_workers
    if workers == 1:
        _serve(conf)
        return 0
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own connections, engine id, threads
            from heat.db import api as db_api
            db_api.configure_from_conf(conf)
            _serve(conf)
            os._exit(0)
        children.append(pid)

    def forward(signum, frame):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    for pid in children:
        os.waitpid(pid, 0)
    return 0


if __name__ == '__main__':
    sys.exit(main())
