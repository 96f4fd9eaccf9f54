"""heat-api: the Orchestration API (WSGI) in front of engines on the bus.

:func:`application_from_env` builds the WSGI application for any WSGI
server (``HEAT_CONFIG_FILE`` names the configuration; the entry point is
``heat.api.wsgi:application``); the command serves it with a threaded
server (cheroot).
"""

import os
import sys
import threading

from heat.cmd import common


def application_from_env():
    """The WSGI application, configured from ``HEAT_CONFIG_FILE``."""
    from heat.common import config
    files = [f for f in os.environ.get('HEAT_CONFIG_FILE', '').split(':')
             if f]
    conf = config.load(files)
    config.setup_logging(conf)
    common.prepare_database(conf, sync=False)
    return common.api_app(conf)


def main(argv=None):
    p = common.parser('heat-api', __doc__.splitlines()[0])
    p.add_argument('--bind-host', default=None, metavar='HOST')
    p.add_argument('--bind-port', type=int, default=None, metavar='PORT')
    args = common.parse_args(p, argv)
    conf = common.load(args)
    common.prepare_database(conf, sync=False)
    server = common.make_wsgi_server(conf, common.api_app(conf),
                                     args.bind_host, args.bind_port)
    stop = common.stop_on_signal('heat-api', conf)
    try:
        server.prepare()
        host, port = server.bind_addr[:2]
        print('heat-api: serving http://%s:%d/v1/<project>' % (host, port),
              flush=True)
        threading.Thread(target=server.serve, name='wsgi',
                         daemon=True).start()
        common.wait(stop)
    finally:
        common.stop_gracefully(stop, server)
    return 0


if __name__ == '__main__':
    sys.exit(main())
