"""What the long-running commands share: options, logging, the engine,
the API server and shutting down on a signal."""

import argparse
import logging
import signal
import socket
import threading

from heat.common import config

LOG = logging.getLogger('heat')


def parser(prog, description):
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument('--config-file', action='append', default=[],
                   metavar='PATH', help='a configuration file (repeatable)')
    p.add_argument('--state-dir', default=None, metavar='DIR',
                   help='state directory of the embedded default '
                        '(overrides [DEFAULT] state_dir)')
    p.add_argument('--debug', action='store_true', help='log debug output')
    return p


def load(args):
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format='%(asctime)s %(process)d %(levelname)s %(name)s %(message)s')
    return config.load(args.config_file, args.state_dir)


def prepare_database(conf, sync):
    """Point heat.db at ``[database] connection``; with ``sync`` bring the
    schema up to date first (the embedded default does, so that one
    command is enough)."""
    from heat.db import api as db_api
    from heat.db import migration
    from heat.db import options as db_options
    url = db_options.with_utf8mb4(conf.database.connection)
    db_options.prepare_sqlite_file(url)
    if sync:
        migration.upgrade(url, 'head')
    db_api.configure_from_conf(conf)
    return url


def start_engine(conf):
    """An EngineService serving RPC on the configured transport."""
    from heat.engine import service
    from heat.rpc import server
    svc = service.EngineService(conf=conf)
    rpc = server.EngineServer(svc, transport=conf,
                              host=svc.engine_id).start()
    LOG.info('engine %s serving on %s', svc.engine_id,
             conf.transport_url if _transport_set(conf) else 'in-process')
    return svc, rpc


def _transport_set(conf):
    location = conf.get_location('transport_url')
    return location is not None and location.location != \
        config.cfg.Locations.opt_default


def make_wsgi_server(conf, app, host=None, port=None):
    """A threaded WSGI server (cheroot) for ``app``."""
    from cheroot import wsgi
    host = host or conf.heat_api.bind_host
    port = conf.heat_api.bind_port if port is None else port
    return wsgi.Server((host, port), app,
                       numthreads=conf.heat_api.workers,
                       server_name=socket.gethostname())


def api_app(conf):
    from heat.api import app
    from heat.rpc import client
    return app.make_app(client.EngineClient(transport=conf), conf)


def stop_on_signal():
    """An Event set by SIGINT or SIGTERM; install it before saying that
    the service is ready, so that no signal finds the default handler."""
    stop = threading.Event()

    def handler(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def wait(stop):
    """Block until ``stop`` (from :func:`stop_on_signal`) is set."""
    while not stop.wait(1):
        pass
