"""The real server for the tests: ``heat-all`` (from the heat distribution,
next to this Python) on a free port, with its state (SQLite) in a
temporary folder, in-process RPC and no Keystone. One is started per test
process, at first use, and stopped at exit; each test works in a project
of its own.

The tests skip, with the reason, when heat-all (or the ``openstack``
command, for the CLI tests) is not installed next to this Python.
"""

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import testtools

BINDIR = os.path.dirname(sys.executable)
START_TIMEOUT = 120

_lock = threading.Lock()
_server = None
#: the servers started with a configuration of their own, by its text
_configured = {}


class HeatAll:
    """A heat-all process; ``base`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, port=0, config=None):
        """``port``: the port to bind (0: any free one); ``config``: the
        text of a configuration file given with ``--config-file``."""
        self.proc = None
        self.base = None
        self.state = None
        self.log_path = None
        self.port = port
        self.config = config

    def start(self):
        exe = shutil.which('heat-all', path=BINDIR)
        if exe is None:
            raise testtools.TestCase.skipException(
                'heat-all is not installed next to %s' % sys.executable)
        self.state = tempfile.mkdtemp(prefix='heat-asclient-')
        self.log_path = os.path.join(self.state, 'heat-all.log')
        args = [exe, '--state-dir', self.state, '--bind-host', '127.0.0.1',
                '--bind-port', str(self.port)]
        if self.config is not None:
            conf_path = os.path.join(self.state, 'heat.conf')
            with open(conf_path, 'w') as f:
                f.write(self.config)
            args += ['--config-file', conf_path]
        log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
            text=True)
        log.close()
        line = _readline(self.proc, START_TIMEOUT)
        match = re.search(r'http://([\d.]+):(\d+)/', line or '')
        if match is None:
            self.stop()
            raise RuntimeError('heat-all did not start: %r; its log:\n%s'
                               % (line, self.log_tail()))
        self.base = 'http://%s:%s' % match.groups()
        return self

    def endpoint(self, project):
        return '%s/autoscaling/v1/%s' % (self.base, project)

    def log_tail(self, size=4000):
        try:
            with open(self.log_path) as f:
                return f.read()[-size:]
        except OSError:
            return ''

    def stop(self):
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self.state:
            shutil.rmtree(self.state, ignore_errors=True)
            self.state = None


def _readline(proc, timeout):
    """The first line heat-all prints, or '' if it exits or says nothing
    in ``timeout`` seconds."""
    result = []
    reader = threading.Thread(
        target=lambda: result.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0] if result else ''


def server():
    """The shared heat-all of this test process (started on first use)."""
    global _server
    with _lock:
        if _server is None or _server.proc.poll() is not None:
            _server = HeatAll().start()
            atexit.register(_server.stop)
        return _server


def configured_server(config):
    """The shared heat-all of this test process started with the
    configuration file ``config`` (its text; started on first use)."""
    with _lock:
        found = _configured.get(config)
        if found is None or found.proc.poll() is not None:
            found = _configured[config] = HeatAll(config=config).start()
            atexit.register(found.stop)
        return found


def new_project():
    return 'p%s' % uuid.uuid4().hex[:12]


def wait_until(predicate, timeout=60, interval=0.1, message='condition'):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for %s' % message)
        time.sleep(interval)


def free_port():
    """A port free on 127.0.0.1 now (for a server whose own configuration
    must name its address before it starts)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
