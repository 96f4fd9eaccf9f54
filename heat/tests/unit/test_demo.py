"""README command 1 (``make demo`` runs tools/demo.py) does its job."""

import os
import subprocess
import sys

from heat.tests import base

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


class TestDemo(base.TestCase):

    def test_demo_runs_every_step(self):
        proc = subprocess.run(
            [sys.executable, os.path.join(REPO, 'tools', 'demo.py')],
            capture_output=True, text=True, cwd=REPO, timeout=300)
        self.assertEqual(0, proc.returncode, proc.stderr)
        out = proc.stdout
        # 1: the example validated and resolved with the -P value.
        self.assertIn('parameter desired_capacity  Number  = 3', out)
        self.assertIn('"desired_capacity": 3', out)
        # 2: decisions with their reasons, a cooldown rejection among them.
        self.assertIn('accepted  3 -> 4  change_in_capacity +1: 3 -> 4', out)
        self.assertIn('cooldown  4 -> 4  rejected: cooldown until', out)
        self.assertIn('at_max    5 -> 5', out)
        # 3 and 4: the simulation summary and the schema.
        self.assertIn('"scale_out_events"', out)
        from heat.db import migration
        self.assertIn('database schema at revision %s'
                      % migration.head_revision(), out)
        # 5: heat-all driven over REST by python-heatclient.
        self.assertIn('POST /stacks -> CREATE_COMPLETE', out)
        self.assertIn('PATCH /stacks/demo count=3 -> UPDATE_COMPLETE, '
                      '3 members', out)
        self.assertIn('DELETE /stacks/demo -> DELETE_COMPLETE', out)
        # 6: auto-scaling on heat-all: decisions, reasons and the sizes
        self.assertIn('POST /stacks asdemo (min 1, max 4, desired 2, '
                      'cooldown 0) -> CREATE_COMPLETE', out)
        self.assertRegex(out, r'signal scale_up_policy +accepted +'
                              r'change_in_capacity \+1: 2 -> 3')
        # the openstack CLI without Keystone (README): the signal's
        # decision read back from the policy's events
        self.assertIn('$ openstack stack event list asdemo --resource '
                      'scale_down_policy', out)
        self.assertRegex(out, r'SIGNAL_COMPLETE  rejected: cooldown until')
        self.assertRegex(out, r'members: 4\n.*signal scale_up_policy +'
                              r'at_max +rejected: change_in_capacity \+1: '
                              r'already at max_size 4')
        self.assertRegex(out, r'POST alarm_url \(no token\) +accepted +'
                              r'change_in_capacity -1: 4 -> 3')
        self.assertIn('(repeat of an earlier trigger)', out)
        self.assertRegex(out, r'cooldown +rejected: cooldown until')
        self.assertIn('repeated trigger, first decision: '
                      'change_in_capacity -1: 3 -> 2', out)
        self.assertIn('DELETE /stacks/asdemo -> DELETE_COMPLETE', out)
        # 7: the Auto-Scaling API through `openstack autoscaling`: a
        # group of 2, a webhook executed by its URL without credentials
        # takes it to 3, the activities say why
        step7 = out[out.index('== 7.'):]
        self.assertRegex(step7, r'--wait -f value -c name -c status -c '
                                r'current_size\n +2\n +web\n +ACTIVE')
        self.assertRegex(step7, r'/autoscaling/v1/webhooks/<token>')
        self.assertRegex(step7, r'webhook execute "\$URL".*\n +True\n +'
                                r'change_in_capacity \+1: 2 -> 3')
        self.assertRegex(step7, r'converge web --wait.*\n +3\n +ACTIVE')
        self.assertRegex(step7, r'\| webhook +\| COMPLETE +\| '
                                r'change_in_capacity \+1: 2 -> 3')
        self.assertIn('group web deleted', step7)
