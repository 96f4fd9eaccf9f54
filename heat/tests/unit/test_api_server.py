"""The API server (cheroot, ``heat.cmd.common.make_wsgi_server``) queues
connections that arrive while its accept loop is busy."""

import socket

from heat.cmd import common
from heat.common import config
from heat.tests import base


def _app(environ, start_response):
    start_response('200 OK', [('Content-Length', '0')])
    return [b'']


class TestListenBacklog(base.TestCase):

    def test_connections_wait_in_the_backlog_while_nothing_accepts(self):
        # bound and listening, its accept loop not running: what a burst
        # of clients meets while the loop waits for the interpreter lock.
        # With cheroot's default backlog of 5, the handshakes past the
        # 6th are dropped and these connects time out.
        server = common.make_wsgi_server(config.CONF, _app,
                                         host='127.0.0.1', port=0)
        server.prepare()
        self.addCleanup(server.stop)
        port = server.bind_addr[1]
        clients = []
        self.addCleanup(lambda: [c.close() for c in clients])
        for i in range(64):
            c = socket.socket()
            clients.append(c)
            c.settimeout(2)
            try:
                c.connect(('127.0.0.1', port))
            except OSError as exc:
                self.fail('connection %d of 64 was not queued: %s'
                          % (i + 1, exc))
