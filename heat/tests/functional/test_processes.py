"""The functional suite on real processes: ``heat-api`` and two
``heat-engine`` processes on RabbitMQ and MariaDB, driven by the real
python-heatclient (the scenarios of :mod:`heat.tests.heatclient_scenarios`).

Once per class: a fresh MariaDB database (PyMySQL), ``heat-manage
db_sync`` on it, a RabbitMQ virtual host of its own when ``rabbitmqctl``
can make one (else ``/``), a configuration file, then the processes on
free ports. Each start is waited for (the engine's ``service`` row and
its "serving" log line; the API's port) and times out with the process's
stderr. At the end the processes get SIGTERM (SIGKILL after 30 s), the
database and the virtual host are dropped.

Skipped, with the reason, when RabbitMQ (``HEAT_TEST_RABBIT_URL``,
default ``rabbit://guest:guest@127.0.0.1:5672/``) or MariaDB
(``HEAT_TEST_MYSQL_URL``, default ``mysql+pymysql://root@127.0.0.1``)
does not answer. Run: ``make functional`` or ``.venv/bin/python -m
testtools.run heat.tests.functional.test_processes``; the unit suite runs
these classes too (``heat/tests/unit/test_functional_processes.py``).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid

import fixtures
import testtools

from heat.tests.heatclient_scenarios import HeatclientScenarios

RABBIT_URL = os.environ.get('HEAT_TEST_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')
MYSQL_URL = os.environ.get('HEAT_TEST_MYSQL_URL',
                           'mysql+pymysql://root@127.0.0.1')
#: seconds a process may take to start.
START_TIMEOUT = 60
BINDIR = os.path.dirname(sys.executable)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def answers(host, port, timeout=2):
    try:
        with socket.create_connection((host, port), timeout):
            return True
    except OSError:
        return False


def _mysql_args():
    parts = urllib.parse.urlsplit(MYSQL_URL)
    return {'host': parts.hostname or '127.0.0.1',
            'port': parts.port or 3306,
            'user': urllib.parse.unquote(parts.username or 'root'),
            'password': urllib.parse.unquote(parts.password or '')}


def mysql(sql):
    import pymysql
    conn = pymysql.connect(connect_timeout=5, autocommit=True,
                           **_mysql_args())
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
    """heat-api + ``engines`` heat-engine processes on a fresh database."""

    def __init__(self, engines=2):
        self.engines = engines
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

    def _transport_url(self):
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
        mysql('CREATE DATABASE `%s` CHARACTER SET utf8mb4' % self.db_name)
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
                       MYSQL_URL.rstrip('/'), self.db_name, self.port))
        sync = subprocess.run(
            [os.path.join(BINDIR, 'heat-manage'), '--config-file',
             self.conf_path, 'db_sync'],
            capture_output=True, text=True, timeout=120)
        if sync.returncode != 0:
            raise ProcessStartError('heat-manage db_sync failed (%s):\n%s'
                                    % (sync.returncode, sync.stderr))
        for i in range(self.engines):
            engine = Process('heat-engine-%d' % i,
                             ['heat-engine', '--config-file',
                              self.conf_path], self.workdir)
            self.processes.append(engine)
            engine.wait_for('its service row',
                            lambda want=i + 1: self._rows() >= want)
            engine.wait_for('its "serving" log line',
                            lambda e=engine: 'serving on' in e.output()[1])
        api = Process('heat-api', ['heat-api', '--config-file',
                                   self.conf_path], self.workdir)
        self.processes.append(api)
        api.wait_for('port %d' % self.port,
                     lambda: answers('127.0.0.1', self.port, 1))

    def _rows(self):
        return mysql('SELECT COUNT(*) FROM `%s`.service WHERE deleted_at '
                     'IS NULL' % self.db_name)[0][0]

    def endpoint(self, project):
        return 'http://127.0.0.1:%d/v1/%s' % (self.port, project)

    def stop(self):
        codes = {}
        for proc in reversed(self.processes):
            codes[proc.name] = proc.stop()
        self.processes = []
        if getattr(self, 'db_created', False):
            try:
                mysql('DROP DATABASE IF EXISTS `%s`' % self.db_name)
            except Exception:  # noqa: BLE001 - best effort
                pass
            self.db_created = False
        if self.vhost:
            _rabbitmqctl('delete_vhost', self.vhost)
            self.vhost = None
        shutil.rmtree(self.workdir, ignore_errors=True)
        return codes


class ProcessesTestCase(testtools.TestCase):
    """One cluster per class; each test gets a project of its own."""

    cluster = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        cls.cluster = Cluster(engines=2).start()

    @classmethod
    def tearDownClass(cls):
        if cls.cluster is not None:
            cls.cluster.stop()
            cls.cluster = None
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.project = 'func-%s' % uuid.uuid4().hex[:8]
        self.endpoint = self.cluster.endpoint(self.project)
        self.hc = self.client()


class TestHeatclientOnProcesses(HeatclientScenarios, ProcessesTestCase):
    """The heatclient scenarios on heat-api + 2 heat-engine."""

    def test_both_engines_are_registered_and_alive(self):
        self.assertEqual(2, self.cluster._rows())
        for proc in self.cluster.processes:
            self.assertIsNone(proc.proc.poll(), proc.name)

    def test_stacks_spread_over_both_engines(self):
        # each create is handled by whichever engine takes the message;
        # every one completes, whichever it was
        idents = []
        for i in range(4):
            created = self.hc.stacks.create(
                stack_name='s%d' % i, template={
                    'heat_template_version': '2016-10-14',
                    'resources': {'r': {'type': 'OS::Heat::RandomString'}}})
            idents.append('s%d/%s' % (i, created['stack']['id']))
        for ident in idents:
            self.settle(ident, 'CREATE_COMPLETE')
        self.assertEqual(4, len(list(self.hc.stacks.list())))


class TestProcessStart(testtools.TestCase):
    """A process that cannot start fails the wait at once, with its
    stderr (no services needed)."""

    def test_a_failed_start_shows_the_stderr(self):
        workdir = self.useFixture(fixtures.TempDir()).path
        proc = Process('heat-engine', ['heat-engine', '--config-file',
                                       os.path.join(workdir, 'missing')],
                       workdir)
        self.addCleanup(proc.stop)
        err = self.assertRaises(ProcessStartError, proc.wait_for,
                                'its service row', lambda: False, 30)
        self.assertIn('heat-engine exited with status', str(err))
        self.assertIn('missing', str(err))
