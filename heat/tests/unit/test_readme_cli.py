"""The README's ``openstack`` CLI section runs as written against heat-all
(the port is the only thing changed: heat-all serves on a free one)."""

import os
import re
import signal
import subprocess
import sys

import fixtures

from heat.tests import base

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


def readme_cli_block(start='The `openstack` CLI (python-openstackclient'):
    with open(os.path.join(REPO, 'README.md')) as f:
        text = f.read()
    section = text.split(start, 1)[1]
    return re.search(r'```sh\n(.*?)```', section, re.S).group(1)


class TestReadmeCLI(base.TestCase):

    def heat_all(self):
        """A heat-all on a free port; the port."""
        state = self.useFixture(fixtures.TempDir()).path
        bindir = os.path.dirname(sys.executable)
        proc = subprocess.Popen(
            [os.path.join(bindir, 'heat-all'), '--state-dir', state,
             '--bind-port', '0'],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(self._stop, proc)
        return re.search(r':(\d+)/v1', proc.stdout.readline()).group(1)

    def test_the_autoscaling_cli_section_runs_as_written(self):
        port = self.heat_all()
        script = readme_cli_block('The Auto-Scaling API (').replace(
            '127.0.0.1:8004', '127.0.0.1:%s' % port)
        self.assertIn('autoscaling webhook execute', script)
        run = subprocess.run(['bash', '-euo', 'pipefail', '-c', script],
                             cwd=REPO, capture_output=True, text=True,
                             timeout=240)
        self.assertEqual(0, run.returncode, run.stderr)
        # the webhook's decision, then the activity list naming it
        self.assertRegex(run.stdout, r'change_in_capacity \+1: 2 -> 3')
        self.assertRegex(run.stdout, r'\| webhook +\|')

    def test_the_metric_scaling_section_runs_as_written(self):
        port = self.heat_all()
        script = readme_cli_block('Metric-driven scaling (').replace(
            '127.0.0.1:8004', '127.0.0.1:%s' % port)
        self.assertIn('autoscaling metric push', script)
        run = subprocess.run(['bash', '-euo', 'pipefail', '-c', script],
                             cwd=REPO, capture_output=True, text=True,
                             timeout=240)
        self.assertEqual(0, run.returncode, run.stderr)
        # whether heat-all's own evaluator or the evaluate command came
        # first, one metric activity took the group from 2 to 4
        self.assertRegex(run.stdout, r'\| metric +\|')
        self.assertRegex(run.stdout, r'scale up from 2 to 4')

    def test_the_openstack_cli_section_runs_as_written(self):
        port = self.heat_all()
        script = readme_cli_block().replace('127.0.0.1:8004',
                                            '127.0.0.1:%s' % port)
        self.assertIn('stack event list asdemo --resource', script)
        run = subprocess.run(['bash', '-euo', 'pipefail', '-c', script],
                             cwd=REPO, capture_output=True, text=True,
                             timeout=240)
        self.assertEqual(0, run.returncode, run.stderr)
        out = run.stdout
        self.assertIn('CREATE_COMPLETE', out)
        # the signal printed nothing; the event list shows its decision
        self.assertRegex(out, r'SIGNAL_COMPLETE +change_in_capacity '
                              r'\+1: \d+ -> \d+')

    @staticmethod
    def _stop(proc):
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
