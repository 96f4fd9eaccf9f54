"""heat-all: API and engine in one process, the embedded default.

With no arguments it keeps its state (a SQLite file) under
``~/.local/state/heat``, brings the schema up to date, and serves the
Orchestration API on http://127.0.0.1:8004/v1/<project> with an
in-process RPC path and no Keystone (the project comes from the URL).
"""

import sys
import threading

from heat.cmd import common


def main(argv=None):
    p = common.parser('heat-all', __doc__.splitlines()[0])
    p.add_argument('--bind-host', default=None, metavar='HOST')
    p.add_argument('--bind-port', type=int, default=None, metavar='PORT')
    args = common.parse_args(p, argv)
    conf = common.load(args)
    common.prepare_database(conf, sync=True)
    stop = common.stop_on_signal('heat-all', conf)
    svc, rpc = common.start_engine(conf)
    server = None
    # Whatever happens from here on (a port in use, a closed stdout, a
    # signal), the engine's threads are stopped: a half-started heat-all
    # must not linger.
    try:
        server = common.make_wsgi_server(conf, common.api_app(conf),
                                         args.bind_host, args.bind_port)
        server.prepare()
        host, port = server.bind_addr[:2]
        if not conf.heat_metadata_server_url:
            # The engine in this process builds alarm_url / signal_url:
            # point them at the address really bound (e.g. --bind-port 0).
            shown = '[%s]' % host if ':' in host else host
            conf.set_override('heat_metadata_server_url',
                              'http://%s:%d' % (shown, port))
        print('heat-all: serving http://%s:%d/v1/<project> (state in %s)'
              % (host, port, conf.state_dir), flush=True)
        threading.Thread(target=server.serve, name='wsgi',
                         daemon=True).start()
        common.wait(stop)
    finally:
        common.stop_gracefully(stop, server, rpc, svc)
    return 0


if __name__ == '__main__':
    sys.exit(main())
