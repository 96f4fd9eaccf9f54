"""A real mini OpenStack cloud on this machine, for functional tests.

Keystone, Placement, Glance, Neutron (API only, ML2 with the tiny
``mc_bind`` driver of ``mc_ml2/``), Nova (API, conductor, scheduler and
compute with the fake virt driver) and Aodh (API, evaluator and
notifier), installed from PyPI into a venv of their own, on MariaDB
(127.0.0.1:3306, root, no password) and RabbitMQ (127.0.0.1:5672,
guest/guest, ``rabbitmqctl``).

Usage from a test::

    from heat.tests.functional import minicloud
    cloud = minicloud.ensure_up()        # unittest.SkipTest if it cannot
    conn = cloud.connect('mc-demo')      # openstacksdk Connection
    conn.compute.create_server(name='x', flavor_id=cloud.flavor_id,
                               image_id=cloud.image_id,
                               networks=[{'uuid': cloud.network_id}])

From a shell: ``python -m heat.tests.functional.minicloud up|down|status``.

:func:`ensure_up` returns the cloud when it is up (Keystone issues a
token, Nova, Neutron, Glance, Placement and Aodh answer with it, and the
state directory records a finished start); else it starts it under an
exclusive lock of the state directory, so several test processes never
start it twice, and leaves it running for the next tests. A cloud that
cannot start raises :class:`unittest.SkipTest` with the reason (MariaDB
not answering, pip's last lines, a service's log tail, ...).

:meth:`MiniCloud.up` drops and recreates the databases ``*_mc`` and the
RabbitMQ vhosts ``mc_nova``/``mc_neutron``/``mc_aodh``, writes every
configuration file, syncs the databases, bootstraps Keystone and
registers the service users and the catalog (Keystone 15000, Placement
18778, Glance 19292, Nova 18774/v2.1, Neutron 19696, Aodh 18042), the
projects ``demo`` and ``other`` (users of the same names, password
``secret``, role ``member``), starts the services, maps the compute host
and seeds the raw image ``tiny``, the flavor ``mc.tiny`` (1 vCPU, 64 MB,
0 GB) and the shared flat network ``mc-net`` with subnet ``mc-subnet``
(192.0.2.0/24, DHCP off: addresses only exist in the database).

Everything lives in the state directory (``HEAT_MINICLOUD_DIR``, default
``~/.cache/heat-minicloud``): ``venv-<hash>/`` (hash of the pinned
requirements, the ``mc_ml2`` files and the Python version: reused while
they do not change), ``install-<hash>.log``, ``etc/`` (with
``clouds.yaml``: ``mc-admin``, ``mc-demo``, ``mc-other``), ``logs/``,
``run/<name>.pid``, ``data/`` and ``state.json`` (timings, seeded ids).
Processes are only ever stopped by the PIDs recorded there (SIGTERM, then
SIGKILL of their process group after a timeout).

``HEAT_MINICLOUD=0`` disables it (tests skip);
``HEAT_MINICLOUD_PROMETHEUS_PORT`` (default 19090) is where the Aodh
evaluator looks for Prometheus; ``HEAT_MINICLOUD_PYTHON`` is the Python
(3.11 or newer) the venv is made with (default: this one).
"""

import contextlib
import errno
import fcntl
import glob
import grp
import hashlib
import http.client
import json
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
from concurrent import futures

from heat.tests.functional.minicloud import configs

LOG = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
ML2_SRC = os.path.join(HERE, 'mc_ml2')
FILES = os.path.join(HERE, 'files')

#: what the cloud venv is made of (hashed into its directory name)
REQUIREMENTS = ('keystone==30.0.0', 'openstack-placement==16.0.0',
                'glance==33.0.0', 'nova==34.0.0', 'neutron==29.0.0',
                'aodh==23.0.0', 'openstacksdk', 'python-openstackclient',
                'gunicorn', 'PyMySQL')
DEFAULT_STATE_DIR = os.path.join('~', '.cache', 'heat-minicloud')
AUTH_URL = configs.AUTH_URL
PASSWORD = configs.PASSWORD
REGION = configs.REGION
MYSQL = ('127.0.0.1', 3306)
RABBIT = ('127.0.0.1', 5672)
PROMETHEUS_PORT = 19090

ADMIN_CLOUD = 'mc-admin'
DEMO_CLOUD = 'mc-demo'
OTHER_CLOUD = 'mc-other'
IMAGE_NAME = 'tiny'
FLAVOR_NAME = 'mc.tiny'
NETWORK_NAME = 'mc-net'
SUBNET_NAME = 'mc-subnet'
SUBNET_CIDR = '192.0.2.0/24'

#: gunicorn services: name, port, app, environment (``{d}``: state dir),
#: health path (2xx, 3xx or 401 = the application is loaded)
WSGI_SERVICES = (
    ('keystone', 15000, 'keystone.wsgi.api:application',
     {'OS_KEYSTONE_CONFIG_FILES': '{d}/etc/keystone/keystone.conf'},
     '/v3/'),
    ('placement', 18778, 'placement.wsgi.api:application',
     {'OS_PLACEMENT_CONFIG_DIR': '{d}/etc/placement'}, '/'),
    ('glance', 19292, 'glance.wsgi.api:application',
     {'OS_GLANCE_CONFIG_DIR': '{d}/etc/glance'}, '/v2/images'),
    ('neutron-api', 19696, 'neutron.wsgi.api:application',
     {'OS_NEUTRON_CONFIG_DIR': '{d}/etc/neutron',
      'OS_NEUTRON_CONFIG_FILES': 'neutron.conf;ml2_conf.ini'},
     '/v2.0/networks'),
    ('nova-api', 18774, 'nova.wsgi.osapi_compute:application',
     {'OS_NOVA_CONFIG_DIR': '{d}/etc/nova',
      'OS_NOVA_CONFIG_FILES': 'api-paste.ini;nova.conf;nova-api.conf'},
     '/v2.1/servers'),
    ('aodh-api', 18042, 'aodh.api.app:build_wsgi_app',
     {'MC_WSGI_ARGV': '["--config-file", "{d}/etc/aodh/aodh.conf"]'},
     '/v2/alarms'),
)
PORTS = {name: port for name, port, _, _, _ in WSGI_SERVICES}
#: what :meth:`MiniCloud.answers` asks with an admin token
CHECKS = (
    ('nova', 'http://127.0.0.1:18774/v2.1/flavors'),
    ('neutron', 'http://127.0.0.1:19696/v2.0/networks'),
    ('glance', 'http://127.0.0.1:19292/v2/images'),
    ('placement', 'http://127.0.0.1:18778/resource_providers'),
    ('aodh', 'http://127.0.0.1:18042/v2/alarms'),
)
DAEMONS = ('nova-conductor', 'nova-scheduler', 'nova-compute',
           'aodh-evaluator', 'aodh-notifier')
ALL_PROCESSES = tuple(PORTS) + DAEMONS

#: seconds
HTTP_TIMEOUT = 5
COMMAND_TIMEOUT = 600
INSTALL_TIMEOUT = 1800
SERVICE_TIMEOUT = 120
COMPUTE_TIMEOUT = 120
STOP_TIMEOUT = 20
LOCK_TIMEOUT = 1800
#: a gunicorn master booting more workers than this is in a crash loop
MAX_WORKER_BOOTS = 3


class MiniCloudError(Exception):
    """The cloud could not start (the message says why)."""


def _env_flag_off():
    return os.environ.get('HEAT_MINICLOUD', '').strip().lower() in (
        '0', 'no', 'false', 'off')


def _sbin_path():
    return os.pathsep.join([os.environ.get('PATH', ''), '/usr/local/sbin',
                            '/usr/sbin', '/sbin'])


def _rabbitmqctl():
    return shutil.which('rabbitmqctl', path=_sbin_path())


def _mysql_answers(timeout=3):
    """None if MariaDB sends its handshake, else why not."""
    try:
        with socket.create_connection(MYSQL, timeout) as s:
            s.settimeout(timeout)
            head = s.recv(5)
    except OSError as e:
        return 'MariaDB not answering on %s:%d: %s' % (MYSQL + (e,))
    if len(head) < 5:
        return 'MariaDB on %s:%d closed the connection' % MYSQL
    if head[4] == 0xff:
        return 'MariaDB on %s:%d refuses connections (error packet)' % MYSQL
    return None


def _rabbit_answers(timeout=3):
    """None if RabbitMQ answers an AMQP 0-9-1 header, else why not."""
    try:
        with socket.create_connection(RABBIT, timeout) as s:
            s.settimeout(timeout)
            s.sendall(b'AMQP\x00\x00\x09\x01')
            head = s.recv(8)
    except OSError as e:
        return 'RabbitMQ not answering on %s:%d: %s' % (RABBIT + (e,))
    if not head.startswith(b'\x01'):  # a method frame: connection.start
        return 'RabbitMQ on %s:%d: unexpected answer %r' % (RABBIT + (head,))
    return None


def _python():
    return os.environ.get('HEAT_MINICLOUD_PYTHON') or sys.executable


def _python_version(python):
    if python == sys.executable:
        return '%d.%d' % sys.version_info[:2]
    try:
        return subprocess.run(
            [python, '-c',
             'import sys; print("%d.%d" % sys.version_info[:2])'],
            capture_output=True, text=True, timeout=30,
            check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError) as e:
        raise MiniCloudError('python %s does not run: %s' % (
            python, e)) from e


def skip_reason():
    """Why the mini cloud cannot run here, or None."""
    if _env_flag_off():
        return 'mini cloud disabled (HEAT_MINICLOUD=%s)' % (
            os.environ['HEAT_MINICLOUD'])
    try:
        version = _python_version(_python())
    except MiniCloudError as e:
        return str(e)
    if tuple(int(x) for x in version.split('.')) < (3, 11):
        return ('the mini cloud needs Python >= 3.11 (Nova 34, Keystone 30)'
                ', %s is %s' % (_python(), version))
    reason = _mysql_answers() or _rabbit_answers()
    if reason:
        return reason
    if _rabbitmqctl() is None:
        return 'rabbitmqctl not found (needed for the vhosts mc_nova, ' \
               'mc_neutron, mc_aodh)'
    if shutil.which('nice') is None:
        return 'nice not found'
    return None


def venv_hash(python_version=None):
    """sha256 (16 hex digits) of what the cloud venv is made of."""
    h = hashlib.sha256()
    h.update(('python%s\n' % (python_version or
                              _python_version(_python()))).encode())
    for req in REQUIREMENTS:
        h.update(req.encode() + b'\n')
    for rel in _ml2_files():
        with open(os.path.join(ML2_SRC, rel), 'rb') as f:
            h.update(rel.encode() + b'\0' + f.read() + b'\0')
    return h.hexdigest()[:16]


def _ml2_files():
    out = []
    for root, dirs, files in os.walk(ML2_SRC):
        dirs[:] = sorted(d for d in dirs
                         if d not in ('__pycache__', 'build') and
                         not d.endswith('.egg-info'))
        for name in sorted(files):
            if not name.endswith(('.pyc', '.pyo')):
                out.append(os.path.relpath(os.path.join(root, name),
                                           ML2_SRC))
    return out


def _tail(path, lines=25, chars=4000):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode('utf-8', 'replace')
    except OSError as e:
        return '(%s: %s)' % (path, e.strerror)
    text = '\n'.join(text.splitlines()[-lines:])
    return text[-chars:]


def _proc_stat(pid):
    """(start time in clock ticks, process group, state) of ``pid``, or
    None when there is no such process."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(')') + 2:].split()
    # fields[0] is field 3 (state); pgrp is field 5, starttime field 22
    return int(fields[19]), int(fields[2]), fields[0]


def _alive(pid):
    st = _proc_stat(pid)
    return st is not None and st[2] not in ('Z', 'X')


def _rss_by_group():
    """{process group: (processes, RSS bytes)} of every process."""
    page = os.sysconf('SC_PAGE_SIZE')
    out = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rindex(')') + 2:].split()
        pgrp, rss = int(fields[2]), int(fields[21]) * page
        n, total = out.get(pgrp, (0, 0))
        out[pgrp] = (n + 1, total + rss)
    return out


def _http(method, url, body=None, headers=None, timeout=HTTP_TIMEOUT):
    """(status, headers, body bytes); raises OSError when nothing answers
    within ``timeout`` (never hangs: a port can accept and not answer)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=dict(headers or {}))
    if data is not None:
        req.add_header('Content-Type', 'application/json')
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()
    except http.client.HTTPException as e:  # not an OSError
        raise OSError('%s %s: %s: %s' % (
            method, url, type(e).__name__, e)) from e


def _token(user='admin', project='admin'):
    status, headers, body = _http('POST', AUTH_URL + '/auth/tokens', {
        'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': user, 'domain': {'name': 'Default'},
                'password': PASSWORD}}},
            'scope': {'project': {'name': project,
                                  'domain': {'name': 'Default'}}}}})
    if status != 201:
        raise OSError('token issue: HTTP %s %s' % (status, body[:200]))
    return headers['X-Subject-Token']


class MiniCloud:
    """The mini cloud of one state directory."""

    admin_cloud_name = ADMIN_CLOUD
    demo_cloud_name = DEMO_CLOUD
    other_cloud_name = OTHER_CLOUD
    auth_url = AUTH_URL
    region_name = REGION
    password = PASSWORD
    image_name = IMAGE_NAME
    flavor_name = FLAVOR_NAME
    network_name = NETWORK_NAME
    subnet_name = SUBNET_NAME
    subnet_cidr = SUBNET_CIDR
    ports = PORTS

    def __init__(self, state_dir=None):
        state_dir = (state_dir or os.environ.get('HEAT_MINICLOUD_DIR') or
                     DEFAULT_STATE_DIR)
        self.state_dir = os.path.abspath(os.path.expanduser(state_dir))
        self.prometheus_port = int(os.environ.get(
            'HEAT_MINICLOUD_PROMETHEUS_PORT', PROMETHEUS_PORT))
        self._lock_fd = None
        self._lock_depth = 0
        self._t0 = None
        self._timings = None
        self._timings_lock = threading.Lock()

    def __repr__(self):
        return '<MiniCloud %s>' % self.state_dir

    # ------------------------------------------------------------ paths
    def path(self, *parts):
        return os.path.join(self.state_dir, *parts)

    @property
    def clouds_yaml(self):
        return self.path('etc', 'clouds.yaml')

    @property
    def logs_dir(self):
        return self.path('logs')

    @property
    def venv(self):
        """The venv the cloud runs from (the recorded one, else the one
        the current requirements hash to)."""
        return self._state().get('venv') or self.path(
            'venv-%s' % venv_hash())

    def log(self, name):
        return self.path('logs', name)

    # ------------------------------------------------------------ state
    def _state(self):
        try:
            with open(self.path('state.json')) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def _update_state(self, **changes):
        state = self._state()
        state.update(changes)
        os.makedirs(self.state_dir, exist_ok=True)
        tmp = self.path('state.json.%d' % os.getpid())
        with open(tmp, 'w') as f:
            json.dump(state, f, indent=2, sort_keys=True)
        os.replace(tmp, self.path('state.json'))
        return state

    @property
    def seeded(self):
        """Ids and names of what :meth:`up` made: image_id, flavor_id,
        network_id, subnet_id, demo_project_id, other_project_id, ..."""
        return dict(self._state().get('seeded') or {})

    def _seeded(self, key):
        value = self.seeded.get(key)
        if value is None:
            raise MiniCloudError('%s unknown: the cloud of %s has not '
                                 'been started' % (key, self.state_dir))
        return value

    image_id = property(lambda self: self._seeded('image_id'))
    flavor_id = property(lambda self: self._seeded('flavor_id'))
    network_id = property(lambda self: self._seeded('network_id'))
    subnet_id = property(lambda self: self._seeded('subnet_id'))
    demo_project_id = property(lambda self: self._seeded('demo_project_id'))
    other_project_id = property(
        lambda self: self._seeded('other_project_id'))

    # ------------------------------------------------------------ clients
    def os_environ(self, cloud=ADMIN_CLOUD):
        """Environment variables for a client (``openstack``, sdk)."""
        return {'OS_CLIENT_CONFIG_FILE': self.clouds_yaml,
                'OS_CLOUD': cloud}

    def connect(self, cloud=ADMIN_CLOUD, **kwargs):
        """An openstacksdk Connection (the importer's openstacksdk) as
        ``cloud`` of :attr:`clouds_yaml`."""
        import openstack.config
        import openstack.connection
        config = openstack.config.OpenStackConfig(
            config_files=[self.clouds_yaml]).get_one(cloud=cloud, **kwargs)
        return openstack.connection.Connection(config=config)

    # ------------------------------------------------------------ health
    def answers(self):
        """{check: 'ok' or why not}: Keystone token, then an authenticated
        GET on each API."""
        try:
            token = _token()
        except OSError as e:
            return {'keystone': str(e)}
        out = {'keystone': 'ok'}
        for name, url in CHECKS:
            try:
                status = _http('GET', url,
                               headers={'X-Auth-Token': token})[0]
                out[name] = 'ok' if status == 200 else 'HTTP %s' % status
            except OSError as e:
                out[name] = str(e)
        return out

    def is_up(self):
        """A finished start is recorded, every process of it runs and
        every API answers."""
        if not self._state().get('ready'):
            return False
        running = self._recorded()
        if any(name not in running or not _alive(running[name])
               for name in ALL_PROCESSES):
            return False
        return all(v == 'ok' for v in self.answers().values())

    def processes(self):
        """{name: {'pid', 'alive', 'processes', 'rss_mib'}} of the
        recorded processes (with their workers: same process group)."""
        groups = _rss_by_group()
        out = {}
        for name, pid in sorted(self._recorded().items()):
            n, rss = groups.get(pid, (0, 0))
            out[name] = {'pid': pid, 'alive': _alive(pid), 'processes': n,
                         'rss_mib': round(rss / 2 ** 20, 1)}
        return out

    def status(self):
        state = self._state()
        procs = self.processes()
        answers = self.answers() if procs else {}
        up = bool(state.get('ready') and answers and
                  all(v == 'ok' for v in answers.values()) and
                  all(procs.get(n, {}).get('alive') for n in ALL_PROCESSES))
        return {
            'up': up,
            'state_dir': self.state_dir,
            'ready_recorded': bool(state.get('ready')),
            'answers': answers,
            'processes': procs,
            'memory_mib': round(sum(p['rss_mib'] for p in procs.values()),
                                1),
            'clouds_yaml': self.clouds_yaml,
            'clouds': [ADMIN_CLOUD, DEMO_CLOUD, OTHER_CLOUD],
            'auth_url': AUTH_URL,
            'venv': state.get('venv'),
            'venv_info': state.get('venv_info'),
            'seeded': state.get('seeded'),
            'timings': state.get('timings'),
            'last_error': state.get('last_error'),
            'starting_since': state.get('starting_since'),
            'logs': self.logs_dir,
        }

    # ------------------------------------------------------------ locking
    @contextlib.contextmanager
    def locked(self, timeout=LOCK_TIMEOUT):
        """Exclusive lock of the state directory (re-entrant within this
        object; other processes and objects wait for it)."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        os.makedirs(self.state_dir, exist_ok=True)
        fd = os.open(self.path('lock'), os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        holder = os.pread(fd, 64, 0).decode(
                            'ascii', 'replace').strip()
                        raise MiniCloudError(
                            '%s is locked by another process (pid %s) for '
                            'more than %d s' % (self.path('lock'), holder,
                                                timeout)) from None
                    time.sleep(0.5)
            os.ftruncate(fd, 0)
            os.pwrite(fd, b'%d\n' % os.getpid(), 0)
            self._lock_fd, self._lock_depth = fd, 1
            yield
        finally:
            if self._lock_fd == fd:
                self._lock_fd, self._lock_depth = None, 0
            os.close(fd)  # releases the lock

    # ------------------------------------------------------------ up
    def up(self, rebuild_venv=False, only_if_down=False):
        """(Re)start the cloud from scratch: fresh databases, vhosts,
        configuration and processes (the venv is reused when its hash
        matches, unless ``rebuild_venv``); with ``only_if_down``, nothing
        when it is up. Raises MiniCloudError."""
        with self.locked():
            if only_if_down and not rebuild_venv and self.is_up():
                self._progress('already up')
                return self
            return self._up(rebuild_venv)

    def _up(self, rebuild_venv=False):
        reason = skip_reason()
        if reason:
            raise MiniCloudError(reason)
        self._t0 = time.monotonic()
        self._timings = {'steps': {}, 'at': {}}
        started = time.time()
        os.makedirs(self.path('logs'), exist_ok=True)
        self._update_state(ready=False, last_error=None, seeded=None,
                           starting_since=started, starting_pid=os.getpid())
        try:
            self._stop_all()
            self._clean()
            self._check_ports_free()
            venv = self._ensure_venv(rebuild_venv)
            self._milestone('venv ready')
            self._write_files(venv)
            self._create_databases()
            self._milestone('configs + databases')
            with futures.ThreadPoolExecutor(2) as pool:
                keystone = pool.submit(self._keystone_chain, venv)
                syncs = pool.submit(self._db_sync_chain, venv)
                registered = keystone.result()
                syncs.result()
            self._milestone('keystone + catalog + db syncs')
            self._start_services(venv)
            self._milestone('all APIs answering')
            with futures.ThreadPoolExecutor(2) as pool:
                seed = pool.submit(self._seed, venv)
                compute = pool.submit(self._discover_compute, venv)
                seeded = seed.result()
                compute.result()
            self._milestone('bootable (image, flavor, network, host)')
        except BaseException as e:
            if not isinstance(e, Exception):  # KeyboardInterrupt, exit
                with contextlib.suppress(Exception):
                    self._stop_all()
                raise
            msg = str(e) if isinstance(e, MiniCloudError) else '%s: %s' % (
                type(e).__name__, e)
            self._progress('FAILED: %s' % msg)
            try:
                self._stop_all()
            finally:
                self._update_state(last_error=msg, starting_since=None,
                                   timings=self._timing_record(started))
            if isinstance(e, MiniCloudError):
                raise
            raise MiniCloudError(msg) from e
        seeded.update(registered)
        self._update_state(ready=True, seeded=seeded, starting_since=None,
                           timings=self._timing_record(started))
        self._progress('cloud ready in %.1f s' % (time.monotonic() - self._t0))
        return self

    def _timing_record(self, started):
        rec = self._state().get('timings') or {}
        rec['up'] = {
            'started': time.strftime('%Y-%m-%dT%H:%M:%S',
                                     time.localtime(started)),
            'total_s': round(time.monotonic() - self._t0, 1),
            'milestones_s': self._timings['at'],
            'steps_s': self._timings['steps'],
        }
        return rec

    def _elapsed(self):
        return time.monotonic() - self._t0 if self._t0 else 0.0

    def _progress(self, msg):
        line = '[%6.1fs] %s' % (self._elapsed(), msg)
        LOG.info('%s', line)
        try:
            with open(self.path('logs', 'up.log'), 'a') as f:
                f.write(line + '\n')
        except OSError:
            pass

    def _milestone(self, name):
        with self._timings_lock:
            self._timings['at'][name] = round(self._elapsed(), 1)
        self._progress(name)

    @contextlib.contextmanager
    def _step(self, name):
        t = time.monotonic()
        yield
        with self._timings_lock:
            steps = self._timings['steps']
            steps[name] = round(steps.get(name, 0) + time.monotonic() - t, 1)

    def _clean(self):
        """Empty the logs and the data of a previous run."""
        for rel in ('logs', 'run', 'data', 'etc/keystone/fernet-keys',
                    'etc/keystone/credential-keys'):
            path = self.path(rel)
            if rel == 'logs' and os.path.isdir(path):
                for name in os.listdir(path):
                    if name != 'up.log':
                        os.unlink(os.path.join(path, name))
                with open(os.path.join(path, 'up.log'), 'w'):
                    pass
                continue
            shutil.rmtree(path, ignore_errors=True)
        for rel in configs.DIRS:
            os.makedirs(self.path(rel), exist_ok=True)

    def _check_ports_free(self):
        taken = []
        for name, port in PORTS.items():
            with socket.socket() as s:
                s.settimeout(1)
                if s.connect_ex(('127.0.0.1', port)) == 0:
                    taken.append('%s (%d)' % (name, port))
        if taken:
            raise MiniCloudError(
                'ports in use by processes this state directory (%s) did not '
                'start: %s; another mini cloud running?' % (
                    self.state_dir, ', '.join(taken)))

    # ------------------------------------------------------------ commands
    def _env(self, venv=None, **extra):
        """A clean environment: no PYTHONPATH, VIRTUAL_ENV or OS_* of the
        caller; pip's settings, proxies and certificates kept."""
        keep = ('HOME', 'USER', 'LOGNAME', 'LANG', 'TZ', 'TMPDIR',
                'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY',
                'HTTPS_PROXY', 'NO_PROXY', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
                'REQUESTS_CA_BUNDLE')
        env = {k: v for k, v in os.environ.items()
               if k in keep or k.startswith(('PIP_', 'LC_'))}
        path = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        env['PATH'] = os.path.join(venv, 'bin') + ':' + path if venv else path
        env['HEAT_MINICLOUD_DIR'] = self.state_dir
        env['OS_CLIENT_CONFIG_FILE'] = self.clouds_yaml
        env.update(extra)
        return env

    def _run(self, name, argv, venv=None, env=None, log=None, nice=False,
             timeout=COMMAND_TIMEOUT):
        """Run a command to completion, output to ``log`` (default
        logs/<name>.log); MiniCloudError with its last lines when it
        fails. Returns its stdout (when ``log`` is False)."""
        if nice:
            argv = ['nice', '-n', '10'] + list(argv)
        env = env or self._env(venv)
        logpath = self.log(log or '%s.log' % name)
        with self._step(name):
            with open(logpath, 'ab') as out:
                out.write(('$ %s\n' % ' '.join(argv)).encode())
                out.flush()
                try:
                    proc = subprocess.run(
                        argv, env=env, cwd=self.state_dir,
                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=out, timeout=timeout)
                except subprocess.TimeoutExpired:
                    raise MiniCloudError('%s: %s did not finish in %d s; '
                                         'last lines of %s:\n%s' % (
                                             name, argv[0], timeout,
                                             logpath, _tail(logpath))
                                         ) from None
                except OSError as e:
                    raise MiniCloudError('%s: cannot run %s: %s' % (
                        name, argv[0], e)) from e
                out.write(proc.stdout)
        if proc.returncode != 0:
            raise MiniCloudError('%s failed (exit %d: %s); last lines of '
                                 '%s:\n%s' % (name, proc.returncode,
                                              ' '.join(argv[:4]), logpath,
                                              _tail(logpath)))
        return proc.stdout.decode('utf-8', 'replace')

    # ------------------------------------------------------------ venv
    def _ensure_venv(self, rebuild=False):
        python = _python()
        version = _python_version(python)
        digest = venv_hash(version)
        venv = self.path('venv-%s' % digest)
        marker = os.path.join(venv, '.minicloud-complete')
        if rebuild or not os.path.exists(marker):
            self._build_venv(python, venv, digest, marker)
        else:
            self._progress('venv %s reused' % venv)
        with open(marker) as f:
            info = json.load(f)
        self._update_state(venv=venv, venv_info=info)
        return venv

    def _build_venv(self, python, venv, digest, marker):
        log = self.path('install-%s.log' % digest)
        self._progress('building %s (log: %s)' % (venv, log))
        t = time.monotonic()
        shutil.rmtree(venv, ignore_errors=True)
        with open(log, 'w') as f:
            f.write('# %s\n# %s\n' % (time.ctime(), ' '.join(REQUIREMENTS)))
        # a copy: pip builds in the source tree (build/, *.egg-info)
        src = self.path('src', 'mc_ml2')
        shutil.rmtree(src, ignore_errors=True)
        shutil.copytree(ML2_SRC, src, ignore=shutil.ignore_patterns(
            '__pycache__', '*.pyc', 'build', '*.egg-info'))
        env = self._env(venv)
        pip = os.path.join(venv, 'bin', 'pip')

        def run(step, argv, nice=True):
            self._run(step, argv, env=env, log=log, nice=nice,
                      timeout=INSTALL_TIMEOUT)

        run('venv create', [python, '-m', 'venv', venv], nice=False)
        run('pip upgrade', [pip, 'install', '-q', '-U', 'pip', 'wheel',
                            'setuptools'])
        # mc_ml2 with build isolation: with --no-build-isolation the
        # venv's setuptools fails with "invalid command 'bdist_wheel'"
        run('pip install', [pip, 'install', '-q'] + list(REQUIREMENTS) +
            [src])
        try:
            self._run('pip check', [pip, 'check'], env=env, log=log)
            check = 'clean'
        except MiniCloudError as e:  # recorded, not fatal
            check = str(e).splitlines()[-1]
        size = subprocess.run(['du', '-sm', venv], capture_output=True,
                              text=True).stdout.split()[:1]
        info = {'hash': digest, 'requirements': list(REQUIREMENTS),
                'python': python, 'built': time.ctime(),
                'build_s': round(time.monotonic() - t, 1),
                'size_mb': int(size[0]) if size else None,
                'pip_check': check, 'install_log': log}
        with open(marker, 'w') as f:
            json.dump(info, f, indent=2)
        # older venvs (other pins) are 600 MB each
        for old in glob.glob(self.path('venv-*')):
            if old != venv:
                shutil.rmtree(old, ignore_errors=True)
        self._progress('venv built in %.1f s (%s MB)' % (
            info['build_s'], info['size_mb']))

    # ------------------------------------------------------------ files
    def _write_files(self, venv):
        files = configs.render(self.state_dir)
        try:
            files.update(configs.paste_files(self.state_dir, venv))
        except (OSError, ValueError) as e:
            raise MiniCloudError('paste files: %s' % e) from e
        for rel, text in files.items():
            path = self.path(rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(text)
        for name in ('mc_wsgi.py', 'incloud.py'):
            shutil.copy(os.path.join(FILES, name), self.path('wsgi', name))

    def _create_databases(self):
        import pymysql
        with self._step('databases'):
            try:
                conn = pymysql.connect(host=MYSQL[0], port=MYSQL[1],
                                       user='root', connect_timeout=10,
                                       autocommit=True)
            except pymysql.MySQLError as e:
                raise MiniCloudError('MariaDB %s:%d: %s' % (
                    MYSQL + (e,))) from e
            try:
                with conn.cursor() as cur:
                    for db in configs.DATABASES:
                        cur.execute('DROP DATABASE IF EXISTS `%s`' % db)
                        cur.execute('CREATE DATABASE `%s`' % db)
            except pymysql.MySQLError as e:
                raise MiniCloudError('MariaDB: creating the databases: %s'
                                     % (e,)) from e
            finally:
                conn.close()

    def _vhosts(self):
        ctl = _rabbitmqctl()
        for vhost in configs.VHOSTS:
            try:
                self._run('rabbitmqctl', [ctl, '-q', 'delete_vhost', vhost],
                          timeout=120)
            except MiniCloudError:
                pass  # did not exist
            self._run('rabbitmqctl', [ctl, '-q', 'add_vhost', vhost],
                      timeout=120)
            self._run('rabbitmqctl', [ctl, '-q', 'set_permissions', '-p',
                                      vhost, 'guest', '.*', '.*', '.*'],
                      timeout=120)

    # ------------------------------------------------------------ chains
    def _keystone_chain(self, venv):
        km = [os.path.join(venv, 'bin', 'keystone-manage'), '--config-file',
              self.path('etc', 'keystone', 'keystone.conf')]
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        self._run('keystone db_sync', km + ['db_sync'], venv, nice=True,
                  log='keystone-manage.log')
        for what in ('fernet_setup', 'credential_setup'):
            self._run('keystone ' + what, km + [
                what, '--keystone-user', user, '--keystone-group', group],
                venv, log='keystone-manage.log')
        url = AUTH_URL + '/'
        self._run('keystone bootstrap', km + [
            'bootstrap', '--bootstrap-password', PASSWORD,
            '--bootstrap-admin-url', url, '--bootstrap-internal-url', url,
            '--bootstrap-public-url', url, '--bootstrap-region-id', REGION],
            venv, log='keystone-manage.log')
        with self._step('keystone start'):
            self._start_wsgi(venv, 'keystone')
            self._wait_http(['keystone'])
        self._milestone('keystone answering')
        out = self._run('register', [os.path.join(venv, 'bin', 'python'),
                                     self.path('wsgi', 'incloud.py'),
                                     'register'], venv)
        self._milestone('catalog, projects, users registered')
        return json.loads(out.strip().splitlines()[-1])

    def _db_sync_chain(self, venv):
        self._vhosts()
        b = os.path.join(venv, 'bin')
        etc = self.path('etc')
        nova = [os.path.join(b, 'nova-manage'), '--config-file',
                os.path.join(etc, 'nova', 'nova.conf')]
        for name, argv in (
                ('placement db sync', [
                    os.path.join(b, 'placement-manage'), '--config-file',
                    os.path.join(etc, 'placement', 'placement.conf'),
                    'db', 'sync']),
                ('glance db_sync', [
                    os.path.join(b, 'glance-manage'), '--config-file',
                    os.path.join(etc, 'glance', 'glance-api.conf'),
                    'db_sync']),
                ('neutron upgrade heads', [
                    os.path.join(b, 'neutron-db-manage'), '--config-file',
                    os.path.join(etc, 'neutron', 'neutron.conf'),
                    '--config-file',
                    os.path.join(etc, 'neutron', 'ml2_conf.ini'),
                    'upgrade', 'heads']),
                ('nova api_db sync', nova + ['api_db', 'sync']),
                ('nova map_cell0', nova + [
                    'cell_v2', 'map_cell0', '--database_connection',
                    configs.DB_URL + '/nova_cell0_mc']),
                ('nova create_cell', nova + [
                    'cell_v2', 'create_cell', '--name', 'cell1']),
                ('nova db sync', nova + ['db', 'sync']),
                ('aodh-dbsync', [
                    os.path.join(b, 'aodh-dbsync'), '--config-file',
                    os.path.join(etc, 'aodh', 'aodh.conf')])):
            self._run(name, argv, venv, nice=True,
                      log=name.split()[0].split('-')[0] + '-manage.log')
        self._milestone('db syncs done')

    # ------------------------------------------------------------ processes
    def _spawn(self, name, argv, env, log):
        """Start ``argv`` detached (its own session, not our child: a
        short-lived Python starts it and exits), record its PID in
        run/<name>.pid unless ``pidfile`` is written by the program
        itself, and its start time in run/procs.json."""
        starter = ('import subprocess, sys\n'
                   'out = open(sys.argv[1], "ab")\n'
                   'p = subprocess.Popen(sys.argv[2:], stdin=subprocess.'
                   'DEVNULL, stdout=out, stderr=subprocess.STDOUT, '
                   'start_new_session=True, close_fds=True)\n'
                   'print(p.pid)\n')
        try:
            proc = subprocess.run(
                [sys.executable, '-c', starter, self.log(log)] + argv,
                env=env, cwd=self.state_dir, capture_output=True,
                text=True, timeout=60, check=True)
            pid = int(proc.stdout.strip())
        except (OSError, ValueError, subprocess.SubprocessError) as e:
            raise MiniCloudError('%s: cannot start %s: %s' % (
                name, argv[0], e)) from e
        st = _proc_stat(pid)
        procs = self._procs()
        procs[name] = {'pid': pid, 'start': st[0] if st else None,
                       'argv0': argv[0]}
        self._write_procs(procs)
        return pid

    def _procs(self):
        try:
            with open(self.path('run', 'procs.json')) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def _write_procs(self, procs):
        with self._timings_lock:
            os.makedirs(self.path('run'), exist_ok=True)
            tmp = self.path('run', 'procs.json.tmp')
            with open(tmp, 'w') as f:
                json.dump(procs, f, indent=1)
            os.replace(tmp, self.path('run', 'procs.json'))

    def _pidfile(self, name):
        return self.path('run', '%s.pid' % name)

    def _start_wsgi(self, venv, name):
        _, port, app, env, _ = next(s for s in WSGI_SERVICES
                                    if s[0] == name)
        env = {k: v.replace('{d}', self.state_dir) for k, v in env.items()}
        env = self._env(venv, MC_WSGI_APP=app, **env)
        pidfile = self._pidfile(name)
        if os.path.exists(pidfile):  # "Already running on PID ..."
            os.unlink(pidfile)
        argv = [os.path.join(venv, 'bin', 'gunicorn'),
                '--chdir', self.path('wsgi'),
                '--bind', '127.0.0.1:%d' % port,
                '--workers', '1', '--threads', '4', '--timeout', '120',
                '--graceful-timeout', '5', '--pid', pidfile,
                '--name', 'mc-%s' % name, 'mc_wsgi:application']
        pid = self._spawn(name, argv, env, '%s-gunicorn.log' % name)
        # gunicorn writes its --pid file itself; until it does, the
        # master's PID is in run/procs.json
        deadline = time.monotonic() + 30
        while not os.path.exists(pidfile):
            if not _alive(pid):
                raise MiniCloudError('%s: gunicorn exited at start; last '
                                     'lines of its log:\n%s' % (
                                         name, _tail(self.log(
                                             '%s-gunicorn.log' % name))))
            if time.monotonic() > deadline:
                raise MiniCloudError('%s: gunicorn wrote no %s in 30 s'
                                     % (name, pidfile))
            time.sleep(0.1)
        return pid

    def _start_daemon(self, venv, name):
        b = os.path.join(venv, 'bin')
        extra = {}
        if name.startswith('nova-'):
            conf = self.path('etc', 'nova', 'nova.conf')
        else:
            conf = self.path('etc', 'aodh', 'aodh.conf')
            # without them: "Could not load 'prometheus' ... Aetos
            # discovery from keystone failed ... Can't find prometheus
            # host and port configuration"
            extra = {'PROMETHEUS_HOST': '127.0.0.1',
                     'PROMETHEUS_PORT': str(self.prometheus_port)}
        argv = [os.path.join(b, name), '--config-file', conf,
                '--log-file', self.log('%s.log' % name)]
        pid = self._spawn(name, argv, self._env(venv, **extra),
                          '%s.out' % name)
        with open(self._pidfile(name), 'w') as f:
            f.write('%d\n' % pid)
        return pid

    def _start_services(self, venv):
        with self._step('start services'):
            for name in ('placement', 'glance', 'neutron-api', 'nova-api',
                         'aodh-api'):
                self._start_wsgi(venv, name)
            for name in ('nova-conductor', 'nova-scheduler',
                         'aodh-evaluator', 'aodh-notifier'):
                self._start_daemon(venv, name)
            # nova-compute reports its resources to Placement at start
            self._wait_http(['placement'])
            self._start_daemon(venv, 'nova-compute')
        with self._step('wait APIs'):
            self._wait_http([s[0] for s in WSGI_SERVICES])
        for name in DAEMONS:
            self._check_alive(name)

    def _log_tails(self, name):
        logs = ['%s-gunicorn.log' % name, '%s.log' % name, '%s.out' % name]
        if name == 'nova-api':
            logs.append('nova-api.log')
        out = []
        for log in logs:
            path = self.log(log)
            if os.path.exists(path) and os.path.getsize(path):
                out.append('--- %s:\n%s' % (path, _tail(path, 15, 2500)))
        return '\n'.join(out) or '(no log)'

    def _check_alive(self, name):
        pid = self._procs().get(name, {}).get('pid')
        if pid is None or not _alive(pid):
            raise MiniCloudError('%s (pid %s) exited; %s' % (
                name, pid, self._log_tails(name)))

    def _wait_http(self, names, timeout=SERVICE_TIMEOUT):
        """Until each WSGI service answers its health path (with a
        timeout per request: a port can accept and never answer)."""
        pending = {s[0]: 'http://127.0.0.1:%d%s' % (s[1], s[4])
                   for s in WSGI_SERVICES if s[0] in names}
        last = {}
        first_5xx = {}
        deadline = time.monotonic() + timeout
        while pending:
            for name, url in list(pending.items()):
                try:
                    status = _http('GET', url, timeout=3)[0]
                    if 200 <= status < 400 or status == 401:
                        del pending[name]
                        self._progress('%s answers (HTTP %d)' % (name,
                                                                 status))
                        continue
                    last[name] = 'HTTP %d' % status
                    # loaded but broken (e.g. its auth middleware)
                    since = first_5xx.setdefault(name, time.monotonic())
                    if status >= 500 and time.monotonic() - since > 15:
                        raise MiniCloudError(
                            '%s answers %s with HTTP %d for 15 s; %s' % (
                                name, url, status, self._log_tails(name)))
                except OSError as e:
                    last[name] = str(e)
                self._check_alive(name)
                boots = self._worker_boots(name)
                if boots > MAX_WORKER_BOOTS:
                    raise MiniCloudError(
                        '%s: gunicorn booted %d workers (they keep dying); '
                        '%s' % (name, boots, self._log_tails(name)))
            if not pending:
                break
            if time.monotonic() > deadline:
                raise MiniCloudError('%s not answering after %d s (%s); %s'
                                     % (', '.join(pending), timeout,
                                        '; '.join('%s: %s' % (n, last.get(n))
                                                  for n in pending),
                                        '\n'.join(self._log_tails(n)
                                                  for n in pending)))
            time.sleep(0.5)

    def _worker_boots(self, name):
        try:
            with open(self.log('%s-gunicorn.log' % name), 'rb') as f:
                return f.read().count(b'Booting worker with pid')
        except OSError:
            return 0

    def _discover_compute(self, venv):
        import pymysql
        with self._step('compute registered'):
            deadline = time.monotonic() + COMPUTE_TIMEOUT
            while True:
                self._check_alive('nova-compute')
                try:
                    conn = pymysql.connect(host=MYSQL[0], port=MYSQL[1],
                                           user='root', connect_timeout=10,
                                           database='nova_mc')
                    try:
                        with conn.cursor() as cur:
                            cur.execute('SELECT COUNT(*) FROM compute_nodes'
                                        ' WHERE deleted = 0')
                            n = cur.fetchone()[0]
                    finally:
                        conn.close()
                except pymysql.MySQLError:
                    n = 0
                if n:
                    break
                if time.monotonic() > deadline:
                    raise MiniCloudError(
                        'nova-compute registered no compute node in %d s; '
                        '%s' % (COMPUTE_TIMEOUT,
                                self._log_tails('nova-compute')))
                time.sleep(0.5)
        self._milestone('compute node registered')
        self._run('nova discover_hosts', [
            os.path.join(venv, 'bin', 'nova-manage'), '--config-file',
            self.path('etc', 'nova', 'nova.conf'), 'cell_v2',
            'discover_hosts'], venv, log='nova-manage.log')
        self._milestone('compute host mapped')

    def _seed(self, venv):
        out = self._run('seed', [os.path.join(venv, 'bin', 'python'),
                                 self.path('wsgi', 'incloud.py'), 'seed',
                                 self.path('data')], venv)
        self._milestone('image, flavor, network seeded')
        return json.loads(out.strip().splitlines()[-1])

    # ------------------------------------------------------------ down
    def _recorded(self):
        """{name: pid} of the processes this state directory started and
        that still run with the recorded start time (a PID reused by
        another program after a reboot is not ours)."""
        procs = self._procs()
        names = set(procs)
        for path in glob.glob(self.path('run', '*.pid')):
            names.add(os.path.basename(path)[:-len('.pid')])
        out = {}
        for name in names:
            pid = procs.get(name, {}).get('pid')
            try:
                with open(self._pidfile(name)) as f:
                    pid = int(f.read().strip() or 0) or pid
            except (OSError, ValueError):
                pass
            if not pid:
                continue
            st = _proc_stat(pid)
            start = procs.get(name, {}).get('start')
            if st is None or (start is not None and st[0] != start):
                continue
            out[name] = pid
        return out

    def down(self, timeout=STOP_TIMEOUT):
        """Stop every recorded process; returns the seconds it took."""
        with self.locked():
            t = time.monotonic()
            self._update_state(ready=False)
            killed = self._stop_all(timeout)
            took = round(time.monotonic() - t, 1)
            timings = self._state().get('timings') or {}
            timings['down'] = {'total_s': took, 'killed': killed,
                               'at': time.strftime('%Y-%m-%dT%H:%M:%S')}
            self._update_state(timings=timings)
            return took

    def _stop_all(self, timeout=STOP_TIMEOUT):
        """SIGTERM each recorded process, wait until it is gone (a gunicorn
        master must be gone before its port and pid file are free), then
        SIGKILL its process group; leftovers of the group get SIGKILL.
        Returns the names that needed SIGKILL."""
        pids = self._recorded()
        for name, pid in pids.items():
            self._progress('stopping %s (pid %d)' % (name, pid))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(_alive(p) for p in pids.values()):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        killed = []
        for name, pid in pids.items():
            if _alive(pid):
                killed.append(name)
                self._progress('%s (pid %d) still alive after %d s: '
                               'SIGKILL' % (name, pid, timeout))
            # workers (same process group) left behind by their master
            self._kill_group(pid)
        for name in pids:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._pidfile(name))
        for path in glob.glob(self.path('run', '*.pid')):
            os.unlink(path)  # stale: process gone or not ours
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path('run', 'procs.json'))
        return killed

    @staticmethod
    def _kill_group(pgid):
        """SIGKILL the process group ``pgid`` (a session leader we
        started) until it is empty."""
        for _ in range(50):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                return
            time.sleep(0.1)


_failures = {}


def ensure_up(state_dir=None):
    """The running mini cloud, started if it is not (under the state
    directory's lock); :class:`unittest.SkipTest` with the reason when it
    cannot run or start. A start that failed in this process is not
    retried by this process."""
    reason = skip_reason()
    if reason:
        raise unittest.SkipTest('mini cloud: %s' % reason)
    cloud = MiniCloud(state_dir)
    if cloud.is_up():
        return cloud
    if cloud.state_dir in _failures:
        raise unittest.SkipTest(_failures[cloud.state_dir])
    try:
        with cloud.locked():
            if not cloud.is_up():
                cloud._up()
    except MiniCloudError as e:
        _failures[cloud.state_dir] = 'mini cloud did not start: %s' % e
        raise unittest.SkipTest(_failures[cloud.state_dir]) from e
    return cloud


__all__ = ['MiniCloud', 'MiniCloudError', 'ensure_up', 'skip_reason',
           'venv_hash', 'ADMIN_CLOUD', 'DEMO_CLOUD', 'OTHER_CLOUD',
           'AUTH_URL', 'IMAGE_NAME', 'FLAVOR_NAME', 'NETWORK_NAME',
           'SUBNET_NAME', 'SUBNET_CIDR', 'REQUIREMENTS']
