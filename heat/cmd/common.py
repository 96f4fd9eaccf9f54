"""What the long-running commands share: options, logging, the engine,
the API server and shutting down on a signal."""

import argparse
import logging
import socket
import sys

from heat.common import config

LOG = logging.getLogger('heat')


LOG_HELP = ('Logging is oslo.log\'s: --debug, --log-file PATH, --log-dir '
            'DIR, --use-json, --log-config-append PATH, --use-syslog... '
            '(and the same options in [DEFAULT] of a configuration '
            'file). Without a log file, logs go to standard error.')


def parser(prog, description):
    p = argparse.ArgumentParser(prog=prog, description=description,
                                epilog=LOG_HELP, allow_abbrev=False)
    p.add_argument('--config-file', action='append', default=[],
                   metavar='PATH', help='a configuration file (repeatable)')
    p.add_argument('--state-dir', default=None, metavar='DIR',
                   help='state directory of the embedded default '
                        '(overrides [DEFAULT] state_dir)')
    return p


def parse_args(p, argv=None):
    """The command's own arguments; what ``p`` does not know (oslo.log's
    options) is kept in ``args.oslo_argv`` for oslo.config to parse."""
    args, rest = p.parse_known_args(argv)
    args.oslo_argv = rest
    return args


def load(args):
    """Register oslo.log's options, load the configuration (files, then
    the logging options of the command line) and set logging up."""
    conf = config.load(args.config_file, args.state_dir,
                       argv=list(getattr(args, 'oslo_argv', None) or []))
    config.setup_logging(conf)
    return conf


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
    # request_queue_size is the listen backlog: cheroot's 5 overflows
    # when the accept loop waits for the interpreter lock behind busy
    # engine threads while many clients connect (the kernel's
    # ListenOverflows counter rose with the fault suite's resets)
    server = wsgi.Server((host, port), app,
                         numthreads=conf.heat_api.workers,
                         request_queue_size=LISTEN_BACKLOG,
                         server_name=socket.gethostname())
    # cheroot keeps at most 10 idle keep-alive connections by default and
    # answers 'Connection: close' beyond that: with more clients than
    # that (alarm storms, the fault suite's 20) connections are closed
    # and opened again under load. Idle connections cost a selector
    # entry, not a thread.
    server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
    return server


#: idle keep-alive connections the API server keeps open
KEEP_ALIVE_CONNECTIONS = 1024
#: connections the kernel queues for the API server before it accepts
#: them (capped by net.core.somaxconn)
LISTEN_BACKLOG = 1024


def api_app(conf):
    from heat.api import app
    from heat.rpc import client
    return app.make_app(client.EngineClient(transport=conf), conf)


def stop_on_signal(name, conf):
    """A :class:`~heat.cmd.shutdown.Shutdown` set off by SIGINT or
    SIGTERM, bounded by ``[DEFAULT] graceful_shutdown_timeout``; install
    it before saying that the service is ready, so that no signal finds
    the default handler."""
    from heat.cmd import shutdown
    return shutdown.Shutdown(name, conf.graceful_shutdown_timeout).install()


def wait(stop):
    """Block until ``stop`` (from :func:`stop_on_signal`) is requested."""
    stop.wait()


def stop_gracefully(stop, server=None, rpc=None, svc=None):
    """Stop what a command runs within ``stop``'s bound (see
    :mod:`heat.cmd.shutdown`): ``server`` (the WSGI server), ``rpc``
    (an EngineServer) and ``svc`` (its EngineService) stop taking work
    at once; requests, RPCs and stack actions in flight get until the
    grace deadline; what still runs then is abandoned and the process
    ends (this returns only when nothing was)."""
    # called from a ``finally``: an exception may be on its way out
    failed = sys.exc_info()[0] is not None
    if stop.started_at is None:
        stop.request()  # an error ends the command, not a signal
    if server is not None:
        server.shutdown_timeout = stop.remaining()
        stop.in_background('API requests in flight', server.stop)
    if rpc is not None:
        stop.in_background('RPCs in flight', rpc.stop)
    if svc is not None:
        svc.stop_taking_work()
    stop.join()
    if svc is not None:
        abandoned = svc.stop(stop.remaining())
        stop.abandon(*('the action of stack %s' % s for s in abandoned))
    stop.finish(failed)
