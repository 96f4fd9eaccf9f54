"""heat-all as a real process, driven by the real python-heatclient."""

import os
import re
import signal
import subprocess
import sys
import time

import fixtures
from heatclient import client as heat_client
from heatclient import exc as heat_exc

from heat.tests import base

TEMPLATE = {
    'heat_template_version': '2016-10-14',
    'parameters': {'length': {'type': 'number', 'default': 8}},
    'resources': {'r': {'type': 'OS::Heat::RandomString',
                        'properties': {'length': {'get_param': 'length'}}}},
    'outputs': {'v': {'value': {'get_attr': ['r', 'value']}}},
}


class TestHeatAll(base.TestCase):

    def setUp(self):
        super().setUp()
        state = self.useFixture(fixtures.TempDir()).path
        bindir = os.path.dirname(sys.executable)
        self.proc = subprocess.Popen(
            [os.path.join(bindir, 'heat-all'), '--state-dir', state,
             '--bind-port', '0'],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(self._stop)
        line = self.proc.stdout.readline()
        match = re.search(r'http://([\d.]+):(\d+)/v1', line)
        self.assertIsNotNone(match, 'heat-all said: %r' % line)
        endpoint = 'http://%s:%s/v1/demo' % match.groups()
        self.hc = heat_client.Client('1', endpoint=endpoint, token='x')

    def _stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def wait_status(self, name, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            stack = self.hc.stacks.get(name)
            if not stack.stack_status.endswith('IN_PROGRESS'):
                return stack
            if time.monotonic() > deadline:
                self.fail('%s still %s' % (name, stack.stack_status))
            time.sleep(0.05)

    def test_create_update_delete_through_heatclient(self):
        self.hc.stacks.create(stack_name='s1', template=TEMPLATE)
        stack = self.wait_status('s1')
        self.assertEqual('CREATE_COMPLETE', stack.stack_status)
        value = self.hc.stacks.output_show('s1', 'v')['output']
        self.assertEqual(8, len(value['output_value']))
        self.assertEqual(['r'], [r.resource_name
                                 for r in self.hc.resources.list('s1')])

        self.hc.stacks.update(stack.id, existing=True,
                              parameters={'length': 12})
        stack = self.wait_status('s1')
        self.assertEqual('UPDATE_COMPLETE', stack.stack_status)
        value = self.hc.stacks.output_show('s1', 'v')['output']
        self.assertEqual(12, len(value['output_value']))

        self.hc.stacks.delete(stack.id)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            # As upstream, a deleted stack is either gone (404) or shown
            # DELETE_COMPLETE when looked up by id.
            try:
                status = self.hc.stacks.get(stack.id).stack_status
            except heat_exc.HTTPNotFound:
                break
            if status == 'DELETE_COMPLETE':
                break
            time.sleep(0.05)
        else:
            self.fail('stack not deleted')
        # DELETE_COMPLETE is recorded just before the row is marked
        # deleted: the list empties right after.
        deadline = time.monotonic() + 10
        while list(self.hc.stacks.list()):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)

    def test_sigterm_stops_it_cleanly(self):
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(0, self.proc.wait(30))


class TestHeatAllLogging(base.TestCase):
    """oslo.log's options on the command line: --debug, --log-file."""

    def test_debug_and_log_file(self):
        state = self.useFixture(fixtures.TempDir()).path
        log_file = os.path.join(state, 'heat.log')
        bindir = os.path.dirname(sys.executable)
        proc = subprocess.Popen(
            [os.path.join(bindir, 'heat-all'), '--state-dir', state,
             '--bind-port', '0', '--debug', '--log-file', log_file],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        self.assertIn('heat-all: serving http://', line)
        with open(log_file) as f:
            logged = f.read()
        self.assertIn(' INFO heat [-] engine ', logged)
        self.assertIn(' DEBUG ', logged)
        # with a log file, nothing is logged on stderr or stdout
        self.assertNotIn(' INFO ', err)
        self.assertEqual('', out)

    def start_and_stop(self):
        """heat-all started with the defaults and stopped: its first
        line on stdout and its stderr."""
        state = self.useFixture(fixtures.TempDir()).path
        bindir = os.path.dirname(sys.executable)
        proc = subprocess.Popen(
            [os.path.join(bindir, 'heat-all'), '--state-dir', state,
             '--bind-port', '0'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        self.assertIn('heat-all: serving http://', line)
        return line, err

    def test_logs_go_to_stderr_by_default(self):
        _, err = self.start_and_stop()
        self.assertIn(' INFO heat [-] engine ', err)
        self.assertNotIn(' DEBUG ', err)

    def test_start_prints_no_library_warnings(self):
        # eventlet's dnspython import used to print 8 lines of
        # CryptographyDeprecationWarning at every start
        _, err = self.start_and_stop()
        self.assertNotIn('Warning', err)

    def test_unknown_option_is_refused(self):
        bindir = os.path.dirname(sys.executable)
        proc = subprocess.run(
            [os.path.join(bindir, 'heat-engine'), '--no-such-option'],
            capture_output=True, text=True, timeout=60)
        self.assertNotEqual(0, proc.returncode)
        self.assertIn('no-such-option', proc.stderr)


class TestHeatAllStartFailure(base.TestCase):

    def test_a_port_in_use_ends_the_process(self):
        import socket
        busy = socket.socket()
        self.addCleanup(busy.close)
        busy.bind(('127.0.0.1', 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        state = self.useFixture(fixtures.TempDir()).path
        bindir = os.path.dirname(sys.executable)
        proc = subprocess.run(
            [os.path.join(bindir, 'heat-all'), '--state-dir', state,
             '--bind-port', str(port)],
            capture_output=True, text=True, timeout=60)
        # It fails and exits (no thread keeps a half-started service up).
        self.assertNotEqual(0, proc.returncode)
        self.assertIn('Address already in use', proc.stderr)
