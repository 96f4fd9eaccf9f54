"""contrib/heat-autoscaling-resources in *upstream* OpenStack Heat.

Upstream Heat 27.0.1 (PyPI ``openstack-heat``, in its own venv built by
``make upstream-venv``: its package is also called ``heat``) runs
in-process under ``contrib/heat-autoscaling-resources/upstream/driver.py``
with the plug-in package's directory in its ``plugin_dirs``, and talks to
the Auto-Scaling API of our heat-all: the types are registered by
upstream's own loader, the template validates, the stack is created, the
group scales by its webhook URL and by a signal of the policy (the SIGNAL
event's reason is the API's decision), bad bounds fail the stack with the
API's message, and deleting the stack deletes the group.

Skipped, with the reason, when the upstream venv is not built.
"""

import json
import os
import subprocess
import tempfile
import uuid

from heat_autoscalingclient import client as as_client
from heat_autoscalingclient import exceptions as as_exc

from heat.tests.unit import test_contrib_autoscaling_resources as plugin_tests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
UPSTREAM_VENV = os.environ.get('HEAT_UPSTREAM_VENV',
                               os.path.join(REPO, '.venv-upstream'))
DRIVER = os.path.join(REPO, 'contrib', 'heat-autoscaling-resources',
                      'upstream', 'driver.py')
FILES = plugin_tests.FILES
TYPES = ['OS::AutoScaling::Group', 'OS::AutoScaling::Policy',
         'OS::AutoScaling::Webhook']


class TestPluginInUpstreamHeat(plugin_tests.PluginStackTestCase):

    def setUp(self):
        super().setUp()
        self.python = os.path.join(UPSTREAM_VENV, 'bin', 'python')
        stamp = os.path.join(UPSTREAM_VENV, '.installed')
        if not os.path.exists(stamp):
            self.skipTest('upstream Heat is not installed: %s is missing '
                          '(make upstream-venv builds it; make test tries '
                          'to)' % stamp)
        import heat_autoscaling_resources
        self.plugin_dir = heat_autoscaling_resources.plugin_dir()
        self.workdir = tempfile.mkdtemp(prefix='heat-upstream-')
        self.addCleanup(__import__('shutil').rmtree, self.workdir, True)
        self.conf = os.path.join(self.workdir, 'plugin.conf')
        with open(self.conf, 'w') as f:
            f.write('[clients_autoscaling]\nendpoint = %s\n'
                    % self.server.endpoint('%(project_id)s'))
        # the project of the upstream stacks is this test's project. A
        # request's token (upstream fails a stack create without one), no
        # password: the plug-in sends the token through upstream's
        # keystone_session (heat-all, without Keystone, ignores it); a
        # signal runs with upstream's stored context, which then has no
        # credentials at all, and the plug-in sends none
        self.context = {'op': 'context', 'values': {
            'tenant_id': self.project, 'tenant': self.project,
            'auth_token': 'token-%s' % self.project, 'password': None}}

    def drive(self, *steps):
        path = os.path.join(self.workdir, 'scenario-%s.json'
                            % uuid.uuid4().hex[:6])
        with open(path, 'w') as f:
            json.dump([self.context] + list(steps), f)
        proc = subprocess.run(
            [self.python, DRIVER, '--workdir', self.workdir,
             '--plugin-dir', self.plugin_dir, '--config-file', self.conf,
             '--scenario', path],
            capture_output=True, text=True, timeout=600)
        try:
            out = json.loads(proc.stdout)
        except ValueError:
            self.fail('the driver printed no JSON (exit %s):\n%s\n%s' % (
                proc.returncode, proc.stdout[-2000:], proc.stderr[-4000:]))
        self.assertNotIn('fatal', out, proc.stderr[-4000:])
        steps_out = out['steps'][1:]
        self.stderr = proc.stderr
        return steps_out

    def assert_ok(self, step):
        self.assertNotIn('error', step, '%s\n%s' % (
            json.dumps(step, indent=1)[:3000], self.stderr[-3000:]))

    def test_create_scale_by_webhook_and_delete(self):
        template = plugin_tests.stack_template()
        types, validated, created, outputs = self.drive(
            {'op': 'types', 'names': TYPES},
            {'op': 'validate', 'template': template, 'files': FILES},
            {'op': 'create', 'name': 'up1', 'template': template,
             'files': FILES, 'timeout': 240},
            {'op': 'outputs', 'name': 'up1'})
        # registered by upstream's own plug-in loader: the classes come
        # from the plug-in directory's modules, imported under upstream's
        # heat.engine.plugins package
        self.assert_ok(types)
        self.assertEqual({
            'OS::AutoScaling::Group':
                'heat.engine.plugins.resources.AutoScalingGroup',
            'OS::AutoScaling::Policy':
                'heat.engine.plugins.resources.AutoScalingPolicy',
            'OS::AutoScaling::Webhook':
                'heat.engine.plugins.resources.AutoScalingWebhook',
        }, types['registered'])
        self.assert_ok(validated)
        self.assert_ok(created)
        self.assertEqual(('CREATE', 'COMPLETE'),
                         (created['action'], created['status']),
                         json.dumps(created, indent=1)[:3000])
        self.assert_ok(outputs)
        outs = outputs['outputs']
        gid = outs['group_id']
        group = self.client.groups.get(gid)
        self.assertEqual((1, 4, 2, 2), (group.min_size, group.max_size,
                                        group.desired_capacity,
                                        group.current_size))
        self.assertEqual(2, outs['size'])
        self.assertEqual({m.name for m in self.client.members.list(gid)},
                         set(outs['values']))
        for value in outs['values'].values():
            self.assertRegex(value, r'^a-\w{8}$')

        # scale out by the webhook URL upstream's stack gave
        decision = as_client.execute_webhook(outs['url'])
        self.assertTrue(decision.accepted, decision.reason)
        self.assertEqual((2, 3), (decision.from_capacity,
                                  decision.to_capacity))
        self.client.groups.wait(gid, timeout=plugin_tests.WAIT,
                                interval=0.2, capacity=3)

        bad = plugin_tests.stack_template(min_size=5, max_size=2,
                                          desired=None)
        outputs, signalled, failed, deleted = self.drive(
            {'op': 'outputs', 'name': 'up1'},
            {'op': 'signal', 'name': 'up1', 'resource': 'up',
             'details': {}, 'sync': True},
            {'op': 'create', 'name': 'up-bad', 'template': bad,
             'files': FILES, 'timeout': 120},
            {'op': 'delete', 'name': 'up1', 'timeout': 240})
        self.assert_ok(outputs)
        self.assertEqual(3, outputs['outputs']['size'])
        self.assertEqual(3, len(outputs['outputs']['values']))
        # the signal executed the policy; its event says what was decided
        self.assert_ok(signalled)
        reasons = [e['reason'] for e in signalled['events']
                   if e['action'] == 'SIGNAL']
        self.assertTrue(reasons, signalled)
        # newest first
        self.assertTrue(reasons[0].startswith('Signal: '), reasons)
        self.assertIn('3', reasons[0])
        self.assertIn('4', reasons[0])
        # bad bounds: the API's message, and no group made
        self.assertEqual(('CREATE', 'FAILED'),
                         (failed.get('action'), failed.get('status')),
                         json.dumps(failed, indent=1)[:3000])
        self.assertIn('min_size: 5 is greater than max_size 2',
                      failed['status_reason'])
        # delete: the group is gone with the stack
        self.assert_ok(deleted)
        self.assertEqual(('DELETE', 'COMPLETE'),
                         (deleted['action'], deleted['status']),
                         json.dumps(deleted, indent=1)[:3000])
        self.assertRaises(as_exc.NotFound, self.client.groups.get, gid)
        self.assert_no_group()
