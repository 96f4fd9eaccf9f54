"""SIGTERM ends each long-running command within its bound, whatever
is running, and leaves the work in flight to another engine.

For each process (``heat-all`` alone on SQLite; ``heat-engine`` and
``heat-api`` on RabbitMQ and a fresh MariaDB database, see
:mod:`heat.tests.functional.processes`) and each situation:

- **hook**: a stack waiting on a ``pre-create`` breakpoint set in its
  environment;
- **group**: an ``OS::Heat::AutoScalingGroup`` scaling out members
  (``OS::Heat::TestResource``) that each take ``SLOW`` seconds;
- **request**: a stack create whose API call is running (its template's
  ``constraint_prop_secs`` makes validation, inside the create RPC, take
  ten minutes);

the process gets SIGTERM and must be gone within ``BOUND`` seconds
(``[DEFAULT] graceful_shutdown_timeout``, left at its default). Then
another process takes the work over: the hook stack, taken over, shows
its hook still pending, the hook is cleared and the create finished (a
stack update) through the new engine; the group converges to its
target on the new engine; a new create goes through.

The exit times are in each test's details (``exit-time``) and on
stderr (``[shutdown]``). Skipped, with the reason, when RabbitMQ or
MariaDB does not answer (the heat-all tests need neither). Run:
``.venv/bin/python -m testtools.run heat.tests.functional.test_shutdown``.
"""

import glob
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

import testtools
from heatclient import client as heat_client
from testtools import content

from heat.tests.functional.processes import (
    Cluster,
    Process,
    answers,
    mysql,
    skip_reason,
)

#: ``graceful_shutdown_timeout``'s default: the bound asserted
BOUND = 10
#: seconds the test waits for an exit before calling it hung (SIGKILL)
GIVE_UP = 40
#: seconds a member of the slow group takes to create
SLOW = 20
#: seconds another engine may take to finish what was left
TAKEOVER = 90

CONF = ('[DEFAULT]\n'
        'report_interval = 1\n'
        'service_down_time = 4\n'
        'stale_stack_check_interval = 1\n'
        '[autoscaling]\n'
        'lease_ttl = 3\n'
        'sweep_interval = 1\n')

HOOK_TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  r:
    type: OS::Heat::TestResource
'''
HOOK_ENV = {'resource_registry': {
    'resources': {'r': {'hooks': 'pre-create'}}}}

GROUP_TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 0
      max_size: 10
      desired_capacity: 0
      resource:
        type: OS::Heat::TestResource
        properties:
          action_wait_secs: {create: %d}
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      auto_scaling_group_id: {get_resource: group}
      adjustment_type: change_in_capacity
      scaling_adjustment: 2
      cooldown: 0
''' % SLOW

REQUEST_TEMPLATE = '''heat_template_version: 2016-10-14
parameters:
  delay: {type: number}
resources:
  r:
    type: OS::Heat::TestResource
    properties:
      constraint_prop_secs: {get_param: delay}
'''


def report(msg):
    sys.stderr.write('[shutdown] %s\n' % msg)
    sys.stderr.flush()


class _Base(testtools.TestCase):
    """The three situations and the takeover checks; subclasses say how
    the processes start and which one gets SIGTERM."""

    PROCESS = None
    POLL = 0.2

    def wait(self, what, fn, timeout):
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail('timed out (%ss) waiting for %s' % (timeout, what))
            time.sleep(self.POLL)

    def client(self, endpoint):
        return heat_client.Client('1', endpoint=endpoint, token='fake')

    def sigterm(self, proc, situation):
        """SIGTERM ``proc``; assert it exits within BOUND; the time."""
        t0 = time.monotonic()
        proc.proc.send_signal(signal.SIGTERM)
        try:
            proc.proc.wait(GIVE_UP)
        except subprocess.TimeoutExpired:
            proc.proc.kill()
            proc.proc.wait()
            elapsed = None
        else:
            elapsed = time.monotonic() - t0
        shown = ('%.2f s' % elapsed if elapsed is not None
                 else 'no exit in %d s (SIGKILLed)' % GIVE_UP)
        line = '%s, %s: exit %s after SIGTERM (bound %d s), status %s' % (
            self.PROCESS, situation, shown, BOUND, proc.proc.returncode)
        report(line)
        self.addDetail('exit-time', content.text_content(line))
        self.addDetail('stderr-tail', content.text_content(
            proc.output()[1][-3000:]))
        self.assertIsNotNone(elapsed, line)
        self.assertLessEqual(elapsed, BOUND, line)
        self.assertEqual(0, proc.proc.returncode, line)
        return elapsed

    # -- the situations ----------------------------------------------------

    def start_hook_stack(self, hc):
        created = hc.stacks.create(stack_name='hooked',
                                   template=HOOK_TEMPLATE,
                                   environment=HOOK_ENV)
        ident = 'hooked/%s' % created['stack']['id']

        def paused():
            return any('paused until Hook pre-create is cleared' in
                       (e.resource_status_reason or '')
                       for e in hc.events.list(ident))
        self.wait('the pre-create hook', paused, 60)
        return ident

    def finish_hook_stack(self, hc, ident):
        """Through the new engine: the stack, taken over, is FAILED; its
        hook still pending is cleared; an update finishes the create."""
        self.wait('the takeover of the hook stack', lambda: hc.stacks.get(
            ident).stack_status == 'CREATE_FAILED', TAKEOVER)
        hc.resources.signal(ident, 'r', data={'unset_hook': 'pre-create'})
        hc.stacks.update(ident, existing=True, template=HOOK_TEMPLATE)
        self.wait('UPDATE_COMPLETE', lambda: hc.stacks.get(
            ident).stack_status == 'UPDATE_COMPLETE', TAKEOVER)
        self.assertEqual('CREATE_COMPLETE',
                         hc.resources.get(ident, 'r').resource_status)

    def start_group(self, hc):
        created = hc.stacks.create(stack_name='grp', template=GROUP_TEMPLATE)
        ident = 'grp/%s' % created['stack']['id']
        self.wait('CREATE_COMPLETE', lambda: hc.stacks.get(
            ident).stack_status == 'CREATE_COMPLETE', 60)
        gid = self.query("SELECT id FROM scaling_group WHERE stack_id = "
                         "'%s'" % created['stack']['id'])[0][0]
        hc.resources.signal(ident, 'up')
        # the batch is acting: two members on their way, none made
        self.wait('2 members creating', lambda: self.query(
            "SELECT COUNT(*) FROM resource WHERE stack_id = '%s' AND "
            "action = 'CREATE' AND status = 'IN_PROGRESS'" % gid)[0][0] >= 2,
            60)
        return gid

    def finish_group(self, gid):
        def converged():
            row = self.query("SELECT version, converged_version, status "
                             "FROM scaling_group WHERE id = '%s'" % gid)[0]
            active = self.query("SELECT COUNT(*) FROM scaling_member WHERE "
                                "group_id = '%s' AND status = 'ACTIVE'"
                                % gid)[0][0]
            return row[1] >= row[0] and row[2] == 'ACTIVE' and active == 2
        self.wait('the group to converge on another engine', converged,
                  TAKEOVER)

    def start_request(self, endpoint):
        """A create whose RPC validates for ten minutes, in a thread."""
        hc = self.client(endpoint)
        outcome = []

        def create():
            try:
                outcome.append(hc.stacks.create(
                    stack_name='slow', template=REQUEST_TEMPLATE,
                    parameters={'delay': 600}))
            except Exception as exc:  # noqa: BLE001 - recorded
                outcome.append(exc)
        threading.Thread(target=create, daemon=True).start()
        time.sleep(3)  # the request reached validation
        self.assertEqual([], outcome)
        return outcome

    def finish_request(self, hc):
        created = hc.stacks.create(stack_name='quick',
                                   template=REQUEST_TEMPLATE,
                                   parameters={'delay': 0})
        ident = 'quick/%s' % created['stack']['id']
        self.wait('CREATE_COMPLETE', lambda: hc.stacks.get(
            ident).stack_status == 'CREATE_COMPLETE', 60)


# ---------------------------------------------------------------------------
# heat-all alone

class TestHeatAllShutdown(_Base):
    """heat-all on SQLite: SIGTERM, then a new heat-all on the same
    state directory takes over."""

    PROCESS = 'heat-all'

    def setUp(self):
        super().setUp()
        self.workdir = tempfile.mkdtemp(prefix='heat-shutdown-')
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.conf_path = os.path.join(self.workdir, 'heat.conf')
        with open(self.conf_path, 'w') as f:
            f.write(CONF)
        self.started = 0
        self.project = 'shutdown-%s' % uuid.uuid4().hex[:8]

    def start(self):
        self.started += 1
        proc = Process('heat-all-%d' % self.started, [
            'heat-all', '--config-file', self.conf_path, '--state-dir',
            os.path.join(self.workdir, 'state'), '--bind-host',
            '127.0.0.1', '--bind-port', '0'], self.workdir)
        self.addCleanup(proc.stop)
        proc.wait_for('its "serving" line',
                      lambda: 'serving http' in proc.output()[0])
        port = int(re.search(r'serving http://[^:]+:(\d+)/',
                             proc.output()[0]).group(1))
        self.endpoint = 'http://127.0.0.1:%d/v1/%s' % (port, self.project)
        return proc, self.client(self.endpoint)

    def query(self, sql):
        path, = glob.glob(os.path.join(self.workdir, 'state', '*.sqlite'))
        conn = sqlite3.connect(path, timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def test_hook(self):
        proc, hc = self.start()
        ident = self.start_hook_stack(hc)
        self.sigterm(proc, 'hook')
        _, hc = self.start()
        self.finish_hook_stack(hc, ident)

    def test_group(self):
        proc, hc = self.start()
        gid = self.start_group(hc)
        self.sigterm(proc, 'group')
        self.start()
        self.finish_group(gid)

    def test_request(self):
        proc, _ = self.start()
        self.start_request(self.endpoint)
        self.sigterm(proc, 'request')
        _, hc = self.start()
        self.finish_request(hc)


# ---------------------------------------------------------------------------
# heat-engine and heat-api on RabbitMQ and MariaDB

class _ClusterBase(_Base):

    def setUp(self):
        super().setUp()
        reason = skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        self.cluster = Cluster(engines=1, extra_conf=CONF).start()
        self.addCleanup(self.cluster.stop)
        self.project = 'shutdown-%s' % uuid.uuid4().hex[:8]
        self.endpoint = self.cluster.endpoint(self.project)
        self.hc = self.client(self.endpoint)

    def query(self, sql):
        return mysql(sql, self.cluster.db_name)

    def engine(self):
        engine, = self.cluster.engine_ids().values()
        return engine


class TestHeatEngineShutdown(_ClusterBase):
    """heat-engine: SIGTERM the only engine, then start another."""

    PROCESS = 'heat-engine'

    def test_hook(self):
        ident = self.start_hook_stack(self.hc)
        self.sigterm(self.engine(), 'hook')
        self.cluster.add_engine()
        self.finish_hook_stack(self.hc, ident)

    def test_group(self):
        gid = self.start_group(self.hc)
        self.sigterm(self.engine(), 'group')
        self.cluster.add_engine()
        self.finish_group(gid)

    def test_request(self):
        self.start_request(self.endpoint)
        self.sigterm(self.engine(), 'request')
        self.cluster.add_engine()
        self.finish_request(self.hc)


class TestHeatApiShutdown(_ClusterBase):
    """heat-api: SIGTERM it while the engine works, then start another
    heat-api; the engine finishes the work."""

    PROCESS = 'heat-api'

    def api(self):
        api, = [p for p in self.cluster.processes if p.name == 'heat-api']
        return api

    def restart_api(self):
        api = Process('heat-api-2', ['heat-api', '--config-file',
                                     self.cluster.conf_path],
                      self.cluster.workdir)
        self.cluster.processes.append(api)
        api.wait_for('port %d' % self.cluster.port,
                     lambda: answers('127.0.0.1', self.cluster.port, 1))

    def test_hook(self):
        ident = self.start_hook_stack(self.hc)
        self.sigterm(self.api(), 'hook')
        self.restart_api()
        # the engine still waits on the hook: clearing it ends the create
        self.hc.resources.signal(ident, 'r',
                                 data={'unset_hook': 'pre-create'})
        self.wait('CREATE_COMPLETE', lambda: self.hc.stacks.get(
            ident).stack_status == 'CREATE_COMPLETE', 60)

    def test_group(self):
        gid = self.start_group(self.hc)
        self.sigterm(self.api(), 'group')
        self.restart_api()
        self.finish_group(gid)

    def test_request(self):
        self.start_request(self.endpoint)
        self.sigterm(self.api(), 'request')
        self.restart_api()
        self.finish_request(self.hc)

