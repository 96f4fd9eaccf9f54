"""Real ``heat-api`` and ``heat-engine`` processes on RabbitMQ and a
fresh MariaDB database, for the functional suites
(:mod:`heat.tests.functional.test_processes`,
:mod:`heat.tests.functional.test_crash`).

:class:`Cluster` makes the database (``heat-manage db_sync``), a RabbitMQ
virtual host of its own when ``rabbitmqctl`` can make one (else ``/``), a
configuration file (``extra_conf`` is appended to it), then the engines
and the API on free ports; :meth:`Cluster.add_engine` starts one more
engine, :meth:`Cluster.engine_ids` maps each running engine's id (from its
"serving" log line) to its :class:`Process`. :func:`skip_reason` says why
the services are not there, or None.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

from heat.tests.base import free_port  # noqa: F401 - also for importers

RABBIT_URL = os.environ.get('HEAT_TEST_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')
MYSQL_URL = os.environ.get('HEAT_TEST_MYSQL_URL',
                           'mysql+pymysql://root@127.0.0.1')
#: seconds a process may take to start.
START_TIMEOUT = 60
BINDIR = os.path.dirname(sys.executable)


def answers(host, port, timeout=2):
    try:
        with socket.create_connection((host, port), timeout):
            return True
    except OSError:
        return False


def _mysql_args(url=None):
    parts = urllib.parse.urlsplit(url or MYSQL_URL)
    return {'host': parts.hostname or '127.0.0.1',
            'port': parts.port or 3306,
            'user': urllib.parse.unquote(parts.username or 'root'),
            'password': urllib.parse.unquote(parts.password or '')}


def mysql(sql, database=None, url=None, connect_timeout=5):
    """Rows of ``sql`` on the test MariaDB server (in ``database``;
    ``url``: another server than :data:`MYSQL_URL`)."""
    import pymysql
    extra = {'database': database} if database else {}
    conn = pymysql.connect(connect_timeout=connect_timeout, autocommit=True,
                           **_mysql_args(url), **extra)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def _rabbitmqctl(*args):
    ctl = shutil.which('rabbitmqctl')
    if ctl is None:
        return False
    try:
        return subprocess.run([ctl] + list(args), capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def skip_reason():
    """Why the suite cannot run here, or None."""
    rabbit = urllib.parse.urlsplit(RABBIT_URL)
    if not answers(rabbit.hostname or '127.0.0.1', rabbit.port or 5672):
        return 'RabbitMQ does not answer at %s' % RABBIT_URL
    try:
        mysql('SELECT 1')
    except Exception as exc:  # noqa: BLE001 - any failure: skip
        return 'MariaDB does not answer at %s: %s' % (MYSQL_URL, exc)
    return None


class ProcessStartError(Exception):
    pass


class Process:
    """A command of this venv, its stdout and stderr in files."""

    def __init__(self, name, args, workdir):
        self.name = name
        self.out_path = os.path.join(workdir, '%s.out' % name)
        self.err_path = os.path.join(workdir, '%s.err' % name)
        with open(self.out_path, 'w') as out, \
                open(self.err_path, 'w') as err:
            self.proc = subprocess.Popen(
                [os.path.join(BINDIR, args[0])] + list(args[1:]),
                stdout=out, stderr=err, stdin=subprocess.DEVNULL)

    def output(self):
        with open(self.out_path) as out, open(self.err_path) as err:
            return out.read(), err.read()

    def wait_for(self, what, ready, timeout=START_TIMEOUT):
        """Poll ``ready()`` until true; a process that ends or a timeout
        raises ProcessStartError with its stderr."""
        deadline = time.monotonic() + timeout
        while True:
            if ready():
                return
            code = self.proc.poll()
            if code is not None or time.monotonic() > deadline:
                _, err = self.output()
                state = ('exited with status %s' % code if code is not None
                         else 'not ready after %ss' % timeout)
                raise ProcessStartError(
                    '%s %s while waiting for %s; its stderr (last 4000 '
                    'characters):\n%s' % (self.name, state, what,
                                          err[-4000:]))
            time.sleep(0.2)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Cluster:
    """heat-api + ``engines`` heat-engine processes on a fresh database
    (of :data:`MYSQL_URL`'s server, or of ``mysql_url``'s), on
    :data:`RABBIT_URL` (or on ``transport_url``, as given)."""

    def __init__(self, engines=2, extra_conf='', mysql_url=None,
                 transport_url=None):
        self.engines = engines
        self.extra_conf = extra_conf
        self.mysql_url = mysql_url or MYSQL_URL
        self.given_transport_url = transport_url
        self._started = 0
        self.workdir = tempfile.mkdtemp(prefix='heat-functional-')
        suffix = uuid.uuid4().hex[:12]
        self.db_name = 'heat_func_%s' % suffix
        self.vhost = None
        self.processes = []
        self.port = None

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def query(self, sql, database=None):
        """Rows of ``sql`` on the cluster's database server."""
        return mysql(sql, database, url=self.mysql_url)

    def _transport_url(self):
        if self.given_transport_url:
            return self.given_transport_url
        name = 'heat_func_%s' % self.db_name[-12:]
        if _rabbitmqctl('add_vhost', name):
            user = urllib.parse.urlsplit(RABBIT_URL).username or 'guest'
            if _rabbitmqctl('set_permissions', '-p', name, user,
                            '.*', '.*', '.*'):
                self.vhost = name
                return RABBIT_URL.rstrip('/') + '/' + name
            _rabbitmqctl('delete_vhost', name)
        return RABBIT_URL

    def _start(self):
        self.query('CREATE DATABASE `%s` CHARACTER SET utf8mb4'
                   % self.db_name)
        self.db_created = True
        self.port = free_port()
        self.conf_path = os.path.join(self.workdir, 'heat.conf')
        with open(self.conf_path, 'w') as f:
            f.write('[DEFAULT]\n'
                    'transport_url = %s\n'
                    'rpc_response_timeout = 30\n'
                    'state_dir = %s\n'
                    '[database]\n'
                    'connection = %s/%s\n'
                    '[heat_api]\n'
                    'bind_host = 127.0.0.1\n'
                    'bind_port = %d\n'
                    'workers = 8\n'
                    % (self._transport_url(), self.workdir,
                       self.mysql_url.rstrip('/'), self.db_name,
                       self.port))
            f.write(self.extra_conf)
        sync = subprocess.run(
            [os.path.join(BINDIR, 'heat-manage'), '--config-file',
             self.conf_path, 'db_sync'],
            capture_output=True, text=True, timeout=120)
        if sync.returncode != 0:
            raise ProcessStartError('heat-manage db_sync failed (%s):\n%s'
                                    % (sync.returncode, sync.stderr))
        for _ in range(self.engines):
            self.add_engine()
        api = Process('heat-api', ['heat-api', '--config-file',
                                   self.conf_path], self.workdir)
        self.processes.append(api)
        api.wait_for('port %d' % self.port,
                     lambda: answers('127.0.0.1', self.port, 1))

    def add_engine(self, wait=True):
        """Start one more heat-engine and (``wait``) wait for it to serve
        (:meth:`wait_engine`); its :class:`Process`."""
        i = self._started
        self._started += 1
        engine = Process('heat-engine-%d' % i,
                         ['heat-engine', '--config-file', self.conf_path],
                         self.workdir)
        self.processes.append(engine)
        if wait:
            self.wait_engine(engine)
        return engine

    def wait_engine(self, engine):
        """Wait for its "serving" log line and its service row."""
        engine.wait_for('its "serving" log line',
                        lambda e=engine: 'serving on' in e.output()[1])
        engine.wait_for('its service row',
                        lambda e=engine: self.engine_id(e) is not None and
                        self.query("SELECT COUNT(*) FROM `%s`.service "
                                   "WHERE engine_id = '%s'" % (
                                       self.db_name,
                                       self.engine_id(e)))[0][0] >= 1)

    @staticmethod
    def engine_id(engine):
        """The engine id a heat-engine process logged, or None."""
        found = re.search(r'engine (\S+) serving on', engine.output()[1])
        return found.group(1) if found else None

    def engine_ids(self):
        """``{engine_id: Process}`` of the engines still running."""
        return {self.engine_id(p): p for p in self.processes
                if p.name.startswith('heat-engine') and
                p.proc.poll() is None}

    def _rows(self):
        return self.query('SELECT COUNT(*) FROM `%s`.service WHERE '
                          'deleted_at IS NULL' % self.db_name)[0][0]

    def endpoint(self, project):
        return 'http://127.0.0.1:%d/v1/%s' % (self.port, project)

    def stop(self):
        codes = {}
        for proc in reversed(self.processes):
            codes[proc.name] = proc.stop()
        self.processes = []
        if getattr(self, 'db_created', False):
            try:
                self.query('DROP DATABASE IF EXISTS `%s`' % self.db_name)
            except Exception:  # noqa: BLE001 - best effort
                pass
            self.db_created = False
        if self.vhost:
            _rabbitmqctl('delete_vhost', self.vhost)
            self.vhost = None
        shutil.rmtree(self.workdir, ignore_errors=True)
        return codes
