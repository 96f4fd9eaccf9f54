"""Private MariaDB and RabbitMQ servers for the fault tests.

Restarting the machine's shared MariaDB or RabbitMQ would disturb every
other test running against them, so a fault test starts its own:

- :class:`PrivateMariaDB`: ``mariadb-install-db`` into a temporary data
  directory, then ``mariadbd`` on a free port of 127.0.0.1 with its own
  socket and pid file, ``--skip-grant-tables`` (root, no password).
- :class:`PrivateRabbitMQ`: ``rabbitmq-server`` with its own node name,
  AMQP and distribution ports, Mnesia and log directories, an empty
  enabled-plugins file, a configuration letting ``guest`` in from
  127.0.0.1, and a private ``HOME`` (its Erlang cookie).

Each has :meth:`start`, :meth:`stop` (graceful: SIGTERM, then SIGKILL
after a timeout), :meth:`restart`, :meth:`answers` and a ``url``; start
waits until the server answers (MariaDB: a ``SELECT 1``; RabbitMQ: an
AMQP connection) and records how long that took in ``start_seconds``.
Data survive a restart (same directories). :func:`skip_reason` says why
the binaries are missing, or None.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

from heat.tests.base import free_port
from heat.tests.functional import processes

MARIADBD = os.environ.get('HEAT_TEST_MARIADBD', '/usr/sbin/mariadbd')
INSTALL_DB = shutil.which('mariadb-install-db') or \
    shutil.which('mysql_install_db')
# the script itself, not /usr/sbin/rabbitmq-server: Debian's wrapper
# switches to the rabbitmq user, which cannot write our directories
RABBITMQ_SERVER = os.environ.get('HEAT_TEST_RABBITMQ_SERVER',
                                 '/usr/lib/rabbitmq/bin/rabbitmq-server')
#: seconds a server may take to start or stop
START_TIMEOUT = 90
STOP_TIMEOUT = 60


def skip_reason():
    """Why private servers cannot run here, or None."""
    for what, path in (('mariadbd', MARIADBD),
                       ('mariadb-install-db', INSTALL_DB),
                       ('rabbitmq-server', RABBITMQ_SERVER)):
        if not path or not os.access(path, os.X_OK):
            return '%s not found (%s)' % (what, path)
    if shutil.which('erl') is None:
        return 'erl (Erlang, for rabbitmq-server) not found'
    return None


class ServiceError(Exception):
    pass


class _Server:
    """A server process in a directory of its own."""

    name = 'server'

    def __init__(self):
        self.workdir = tempfile.mkdtemp(prefix='heat-%s-' % self.name)
        self.proc = None
        self.starts = 0
        self.start_seconds = []

    def _command(self):
        raise NotImplementedError

    def _env(self):
        return None

    def answers(self):
        raise NotImplementedError

    def log_tail(self, chars=3000):
        path = os.path.join(self.workdir, '%s.log' % self.name)
        try:
            with open(path, errors='replace') as f:
                return f.read()[-chars:]
        except OSError:
            return ''

    def start(self):
        """Start the server and wait until it answers; the seconds
        that took."""
        if self.proc is not None and self.proc.poll() is None:
            raise ServiceError('%s is already running' % self.name)
        t0 = time.monotonic()
        log = open(os.path.join(self.workdir, '%s.log' % self.name), 'a')
        try:
            self.proc = subprocess.Popen(
                self._command(), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=self._env(),
                cwd=self.workdir, start_new_session=True)
        finally:
            log.close()
        deadline = t0 + START_TIMEOUT
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                state = ('exited with status %s' % self.proc.returncode
                         if self.proc.poll() is not None else
                         'not answering after %ss' % START_TIMEOUT)
                self.stop()
                raise ServiceError('%s %s; its log:\n%s' % (
                    self.name, state, self.log_tail()))
            time.sleep(0.05)
        took = time.monotonic() - t0
        self.starts += 1
        self.start_seconds.append(took)
        return took

    def stop(self):
        """Stop the server (SIGTERM to its process group, SIGKILL after
        :data:`STOP_TIMEOUT`); the seconds that took."""
        t0 = time.monotonic()
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return 0.0
        # the whole group: rabbitmq-server is a shell script running
        # the Erlang VM, which shuts down gracefully on SIGTERM
        self._signal(proc, signal.SIGTERM)
        deadline = t0 + STOP_TIMEOUT
        while self._group_alive(proc) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._signal(proc, signal.SIGKILL)
        proc.wait()
        return time.monotonic() - t0

    @staticmethod
    def _group_alive(proc):
        proc.poll()  # reap the leader, else it counts as alive
        try:
            os.killpg(proc.pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    @staticmethod
    def _signal(proc, sig):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def restart(self):
        """``(stop seconds, start seconds)``."""
        return self.stop(), self.start()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class PrivateMariaDB(_Server):
    """A MariaDB server of one test, root without password."""

    name = 'mariadb'

    def __init__(self):
        super().__init__()
        self.port = free_port()
        self.datadir = os.path.join(self.workdir, 'data')
        os.mkdir(self.datadir)
        install = subprocess.run(
            [INSTALL_DB, '--no-defaults', '--datadir=%s' % self.datadir,
             '--user=%s' % _user(), '--skip-test-db',
             '--auth-root-authentication-method=normal'],
            capture_output=True, text=True, timeout=120)
        if install.returncode != 0:
            raise ServiceError('mariadb-install-db failed (%s):\n%s' % (
                install.returncode, install.stdout[-2000:] +
                install.stderr[-2000:]))

    @property
    def url(self):
        """An SQLAlchemy URL without database."""
        return 'mysql+pymysql://root@127.0.0.1:%d' % self.port

    def _command(self):
        w = self.workdir
        return [MARIADBD, '--no-defaults', '--datadir=%s' % self.datadir,
                '--user=%s' % _user(), '--bind-address=127.0.0.1',
                '--port=%d' % self.port,
                '--socket=%s' % os.path.join(w, 'mysqld.sock'),
                '--pid-file=%s' % os.path.join(w, 'mysqld.pid'),
                '--skip-grant-tables', '--skip-name-resolve',
                '--innodb-buffer-pool-size=64M', '--max-connections=500',
                '--log-error=%s' % os.path.join(w, 'mariadb.log')]

    def query(self, sql, database=None):
        return processes.mysql(sql, database=database, url=self.url,
                               connect_timeout=2)

    def answers(self):
        try:
            self.query('SELECT 1')
            return True
        except Exception:  # noqa: BLE001 - not up (yet)
            return False


class PrivateRabbitMQ(_Server):
    """A RabbitMQ node of one test, guest/guest on 127.0.0.1."""

    name = 'rabbitmq'

    def __init__(self):
        super().__init__()
        self.port = free_port()
        self.dist_port = free_port()
        self.node = 'heat-fault-%d@localhost' % self.port
        w = self.workdir
        for sub in ('home', 'mnesia', 'log'):
            os.mkdir(os.path.join(w, sub))
        with open(os.path.join(w, 'enabled_plugins'), 'w') as f:
            f.write('[].\n')
        with open(os.path.join(w, 'rabbitmq.conf'), 'w') as f:
            f.write('listeners.tcp.default = 127.0.0.1:%d\n'
                    'loopback_users = none\n' % self.port)

    @property
    def url(self):
        return 'rabbit://guest:guest@127.0.0.1:%d/' % self.port

    def _command(self):
        return [RABBITMQ_SERVER]

    def _env(self):
        w = self.workdir
        env = dict(os.environ)
        env.update({
            'HOME': os.path.join(w, 'home'),
            'RABBITMQ_NODENAME': self.node,
            'RABBITMQ_NODE_IP_ADDRESS': '127.0.0.1',
            'RABBITMQ_NODE_PORT': str(self.port),
            'RABBITMQ_DIST_PORT': str(self.dist_port),
            'RABBITMQ_MNESIA_BASE': os.path.join(w, 'mnesia'),
            'RABBITMQ_LOG_BASE': os.path.join(w, 'log'),
            'RABBITMQ_ENABLED_PLUGINS_FILE': os.path.join(
                w, 'enabled_plugins'),
            'RABBITMQ_CONFIG_FILE': os.path.join(w, 'rabbitmq.conf'),
            'RABBITMQ_PID_FILE': os.path.join(w, 'rabbitmq.pid'),
        })
        return env

    def answers(self):
        import kombu
        conn = kombu.Connection('amqp://guest:guest@127.0.0.1:%d//'
                                % self.port, connect_timeout=1)
        try:
            conn.connect()
            return True
        except Exception:  # noqa: BLE001 - not up (yet)
            return False
        finally:
            conn.release()

    def log_tail(self, chars=3000):
        text = super().log_tail(chars)
        logs = os.path.join(self.workdir, 'log')
        for name in sorted(os.listdir(logs)) if os.path.isdir(logs) else ():
            with open(os.path.join(logs, name), errors='replace') as f:
                text += '\n--- %s\n%s' % (name, f.read()[-chars:])
        return text


def _user():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name
