"""``heat.api.wsgi:application`` under a real WSGI server (gunicorn, in
its own process), configured by ``HEAT_CONFIG_FILE`` alone."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import fixtures

from heat.db import migration
from heat.tests import base


class TestGunicorn(base.TestCase):

    def setUp(self):
        super().setUp()
        bindir = os.path.dirname(sys.executable)
        self.gunicorn = os.path.join(bindir, 'gunicorn')
        if not os.path.exists(self.gunicorn):
            self.skipTest('gunicorn is not installed')
        tmp = self.useFixture(fixtures.TempDir()).path
        db = 'sqlite:///%s' % os.path.join(tmp, 'heat.sqlite')
        migration.upgrade(db)
        conf = os.path.join(tmp, 'heat.conf')
        with open(conf, 'w') as f:
            f.write('[DEFAULT]\ntransport_url = inproc://wsgi-test\n'
                    '[database]\nconnection = %s\n' % db)
        self.port = base.free_port()
        env = dict(os.environ, HEAT_CONFIG_FILE=conf)
        self.proc = subprocess.Popen(
            [self.gunicorn, '--bind', '127.0.0.1:%d' % self.port,
             '--workers', '2', 'heat.api.wsgi:application'],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        self.addCleanup(self._stop)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail('gunicorn exited: %s' % self.proc.stderr.read())
            try:
                socket.create_connection(('127.0.0.1', self.port), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.fail('gunicorn did not listen on %d' % self.port)

    def _stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
        self.proc.stderr.close()

    def get(self, path):
        req = urllib.request.Request(
            'http://127.0.0.1:%d%s' % (self.port, path),
            headers={'X-Auth-Token': 'x', 'Accept': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def test_serves_the_api_from_the_configuration(self):
        status, body = self.get('/')
        self.assertIn(status, (200, 300))
        self.assertIn('v1.0', [v['id'] for v in body['versions']])
        # an API call reaches the RPC layer of the configured transport:
        # no engine listens on this private in-process bus, and the
        # answer says so in upstream's error body, not a traceback
        status, body = self.get('/v1/p1/stacks')
        self.assertGreaterEqual(status, 500)
        self.assertEqual(status, body['code'])
        self.assertIn('no engine listens on topic engine',
                      body['error']['message'])

