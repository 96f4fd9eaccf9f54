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

:class:`PrivatePushgateway` runs Debian's ``prometheus-pushgateway`` on
a free port of its own (stopped by its PID; :func:`pushgateway_skip_reason`
says why it cannot run: ``apt-get install prometheus-pushgateway``);
:meth:`PrivatePushgateway.push` puts a group of metrics with grouping
labels (``/metrics/job/<job>/<label>/<value>...``), e.g. one group per
member. ``PrivatePrometheus(..., pushgateway=gw.target)`` scrapes it with
``honor_labels: true``, so the pushed labels are the series' labels.
``tools/install_test_tools.sh`` installs both packages.
"""

import base64
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
PUSHGATEWAY = os.environ.get('HEAT_TEST_PUSHGATEWAY',
                             '/usr/bin/prometheus-pushgateway')
#: where the test cloud's Aodh evaluator looks for Prometheus
PORT = 19090
START_TIMEOUT = 60


def skip_reason():
    if not os.access(PROMETHEUS, os.X_OK):
        return ('prometheus not found at %s (Debian: apt-get install '
                'prometheus)' % PROMETHEUS)
    return None


def pushgateway_skip_reason():
    if not os.access(PUSHGATEWAY, os.X_OK):
        return ('prometheus-pushgateway not found at %s (Debian: apt-get '
                'install prometheus-pushgateway)' % PUSHGATEWAY)
    return None


def free_port():
    """A TCP port of 127.0.0.1 nobody listens on (now)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _port_taken(port):
    import socket
    with socket.socket() as probe:
        return probe.connect_ex(('127.0.0.1', port)) == 0


class _Daemon:
    """A server process of the test: started, waited for on ``/-/ready``,
    stopped by its PID."""

    name = None

    def _spawn(self, argv):
        self.log_path = os.path.join(self.workdir, '%s.log' % self.name)
        with open(self.log_path, 'w') as log:
            self.proc = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT,
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
            time.sleep(0.2)
        log = open(self.log_path).read()[-3000:]
        self.stop()
        raise RuntimeError('%s did not start on port %d: %s'
                           % (self.name, self.port, log))

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


class PrivatePushgateway(_Daemon):
    """``prometheus-pushgateway`` on a free port (no persistence)."""

    name = 'pushgateway'

    def __init__(self, port=None):
        self.port = port or free_port()
        self.workdir = tempfile.mkdtemp(prefix='heat-pushgateway-')
        self.proc = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    @property
    def target(self):
        return '127.0.0.1:%d' % self.port

    def start(self):
        if _port_taken(self.port):
            raise RuntimeError('port %d is taken' % self.port)
        return self._spawn([PUSHGATEWAY,
                            '--web.listen-address=127.0.0.1:%d' % self.port])

    @staticmethod
    def _group_path(job, labels):
        # a value with a '/' (or an empty one) goes base64-encoded
        parts = ['job', _path_value(job)]
        for key, value in sorted((labels or {}).items()):
            value = str(value)
            if not value or '/' in value:
                parts += ['%s@base64' % key, base64.urlsafe_b64encode(
                    value.encode()).decode() or '=']
            else:
                parts += [key, urllib.parse.quote(value, safe='')]
        return '/metrics/' + '/'.join(parts)

    def push(self, job, metrics, labels=None, replace=True):
        """Push ``metrics`` (``{name: value}``, gauges) as the group
        ``job`` + ``labels``: PUT replaces the group's metrics, POST
        (``replace=False``) only those of the same names."""
        lines = []
        for name, value in sorted(metrics.items()):
            lines.append('# TYPE %s gauge' % name)
            lines.append('%s %s' % (name, repr(float(value))))
        body = ('\n'.join(lines) + '\n').encode()
        req = urllib.request.Request(
            self.url + self._group_path(job, labels), data=body,
            method='PUT' if replace else 'POST',
            headers={'Content-Type': 'text/plain; version=0.0.4'})
        with urllib.request.urlopen(req, timeout=5) as resp:
            if resp.status not in (200, 202):
                raise RuntimeError('push to %s answered %d'
                                   % (req.full_url, resp.status))

    def delete(self, job, labels=None):
        """Delete the group ``job`` + ``labels`` (its series go stale in
        Prometheus at the next scrape)."""
        req = urllib.request.Request(
            self.url + self._group_path(job, labels), method='DELETE')
        with urllib.request.urlopen(req, timeout=5):
            pass


def _path_value(value):
    value = str(value)
    if not value or '/' in value:
        raise ValueError('job %r must be non-empty without a /' % value)
    return urllib.parse.quote(value, safe='')


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


class PrivatePrometheus(_Daemon):
    """``prometheus`` scraping ``targets`` every ``scrape_interval``
    seconds (default two) on ``port``; with ``pushgateway`` (a
    ``host:port``) it scrapes that one too, honoring the pushed labels.
    ``port=0`` picks a free port."""

    name = 'prometheus'

    def __init__(self, targets, port=PORT, pushgateway=None,
                 scrape_interval=2):
        self.targets = list(targets)
        self.port = port or free_port()
        self.pushgateway = pushgateway
        self.scrape_interval = scrape_interval
        self.workdir = tempfile.mkdtemp(prefix='heat-prometheus-')
        self.proc = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def start(self):
        if _port_taken(self.port):
            raise RuntimeError('port %d is taken: another Prometheus '
                               '(or another server) listens there'
                               % self.port)
        every = '%gs' % self.scrape_interval
        jobs = []
        if self.targets:
            jobs.append({'job_name': 'heat-test',
                         'static_configs': [{'targets': self.targets}]})
        if self.pushgateway:
            jobs.append({'job_name': 'pushgateway', 'honor_labels': True,
                         'static_configs': [
                             {'targets': [self.pushgateway]}]})
        conf = os.path.join(self.workdir, 'prometheus.yml')
        with open(conf, 'w') as f:
            json.dump({  # YAML is a superset of JSON
                # scrapes of a loaded 2-core machine can take a second:
                # a failed scrape makes the series stale at once
                'global': {'scrape_interval': every, 'scrape_timeout': every,
                           'evaluation_interval': every},
                'scrape_configs': jobs,
            }, f)
        return self._spawn(
            [PROMETHEUS, '--config.file=%s' % conf,
             '--storage.tsdb.path=%s' % os.path.join(self.workdir, 'data'),
             '--web.listen-address=127.0.0.1:%d' % self.port])

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
