"""A private Prometheus (Debian's ``prometheus``) and a metric the test
sets, for the tests whose alarms or policies read a real Prometheus.

:class:`MetricEndpoint` serves ``/metrics`` on 127.0.0.1 in a thread of
the test: gauges the test sets (:meth:`MetricEndpoint.set`).
:class:`PrivatePrometheus` runs ``prometheus`` on a port of its own
(:data:`PORT` by default: the test cloud's Aodh evaluator asks
127.0.0.1:19090), with its own data directory and a frequent scrape
of the given targets (every two seconds); it is stopped by its PID.
:func:`skip_reason` says why it cannot run here (``apt-get install
prometheus`` brings it).
"""

import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

PROMETHEUS = os.environ.get('HEAT_TEST_PROMETHEUS', '/usr/bin/prometheus')
#: where the test cloud's Aodh evaluator looks for Prometheus
PORT = 19090
START_TIMEOUT = 60


def skip_reason():
    if not os.access(PROMETHEUS, os.X_OK):
        return ('prometheus not found at %s (Debian: apt-get install '
                'prometheus)' % PROMETHEUS)
    return None


class MetricEndpoint:
    """``/metrics`` in Prometheus's text format, from a dict of gauges."""

    def __init__(self):
        self.values = {}
        self._lock = threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with endpoint._lock:
                    lines = ['%s %r' % (k, v)
                             for k, v in sorted(endpoint.values.items())]
                body = ('\n'.join(lines) + '\n').encode()
                self.send_response(200)
                self.send_header('Content-Type',
                                 'text/plain; version=0.0.4')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    @property
    def target(self):
        return '127.0.0.1:%d' % self.port

    def set(self, name, value):
        with self._lock:
            self.values[name] = float(value)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class PrivatePrometheus:
    """``prometheus`` scraping ``targets`` every second on ``port``."""

    def __init__(self, targets, port=PORT):
        self.targets = list(targets)
        self.port = port
        self.workdir = tempfile.mkdtemp(prefix='heat-prometheus-')
        self.proc = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def start(self):
        import socket
        with socket.socket() as probe:
            if probe.connect_ex(('127.0.0.1', self.port)) == 0:
                raise RuntimeError('port %d is taken: another Prometheus '
                                   '(or another server) listens there'
                                   % self.port)
        conf = os.path.join(self.workdir, 'prometheus.yml')
        with open(conf, 'w') as f:
            json.dump({  # YAML is a superset of JSON
                # scrapes of a loaded 2-core machine can take a second:
                # a failed scrape makes the series stale at once
                'global': {'scrape_interval': '2s', 'scrape_timeout': '2s',
                           'evaluation_interval': '2s'},
                'scrape_configs': [{
                    'job_name': 'heat-test',
                    'static_configs': [{'targets': self.targets}]}],
            }, f)
        self.log_path = os.path.join(self.workdir, 'prometheus.log')
        with open(self.log_path, 'w') as log:
            self.proc = subprocess.Popen(
                [PROMETHEUS, '--config.file=%s' % conf,
                 '--storage.tsdb.path=%s' % os.path.join(self.workdir,
                                                         'data'),
                 '--web.listen-address=127.0.0.1:%d' % self.port],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + '/-/ready',
                                            timeout=2) as resp:
                    if resp.status == 200 and self.proc.poll() is None:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        log = open(self.log_path).read()[-3000:]
        self.stop()
        raise RuntimeError('prometheus did not start on port %d: %s'
                           % (self.port, log))

    def wait_for(self, promql, timeout=START_TIMEOUT):
        """The value of ``promql`` once Prometheus has one (its first
        scrapes come a few seconds after the start)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.query(promql)
            if value is not None or time.monotonic() > deadline:
                return value
            time.sleep(0.5)

    def target_health(self):
        """``[(target, health, last error)]`` of the scrape targets."""
        with urllib.request.urlopen(self.url + '/api/v1/targets',
                                    timeout=5) as resp:
            active = json.load(resp)['data']['activeTargets']
        return [(t['scrapeUrl'], t['health'], t.get('lastError'))
                for t in active]

    def query(self, promql):
        """The value of an instant query's first sample, or None."""
        url = '%s/api/v1/query?%s' % (
            self.url, urllib.parse.urlencode({'query': promql}))
        with urllib.request.urlopen(url, timeout=5) as resp:
            result = json.load(resp)['data']['result']
        return float(result[0]['value'][1]) if result else None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)
