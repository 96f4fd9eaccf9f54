"""The ``openstack autoscaling ...`` commands through the real
``openstack`` entry point (a subprocess), against the real server
(heat-all: see :mod:`heat_autoscalingclient.tests.server`), with
``--os-auth-type none --os-endpoint ...`` as without Keystone."""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import textwrap

import fixtures
import testtools
import yaml

from heat_autoscalingclient.tests import server as server_mod

README = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'README.md')

COMMANDS = {
    'group list': 'List the project\'s scaling groups',
    'group create': 'Create a scaling group',
    'group show': 'Show a scaling group',
    'group update': 'Update a scaling group',
    'group delete': 'Delete scaling groups',
    'group suspend': 'Suspend a scaling group',
    'group resume': 'Resume a suspended scaling group',
    'group resize': 'Resize a scaling group',
    'group converge': 'Converge a scaling group now',
    'group evaluate': 'Evaluate the metric policies of a scaling group',
    'group replay': 'Replay a group\'s recorded metric samples',
    'member list': 'List the members of a scaling group',
    'member show': 'Show a member of a scaling group',
    'member remove': 'Remove members from a scaling group',
    'member protect': 'Protect a member',
    'member unprotect': 'Unprotect a member',
    'member mark unhealthy': 'Mark a member unhealthy',
    'member complete-lifecycle-action': 'End the lifecycle wait of a '
                                        'member',
    'member lifecycle-heartbeat': 'Extend the lifecycle wait of a member',
    'policy list': 'List the scaling policies of a group',
    'policy create': 'Create a scaling policy of a group: simple',
    'policy show': 'Show a scaling policy',
    'policy update': 'Update a scaling policy',
    'policy delete': 'Delete scaling policies',
    'policy execute': 'Execute a scaling policy now',
    'policy compare': 'Compare a shadow policy with the live policies',
    'webhook list': 'List the webhooks of a scaling policy',
    'webhook create': 'Create a webhook of a scaling policy',
    'webhook delete': 'Delete webhooks of a scaling policy',
    'webhook execute': 'Execute a webhook by its URL',
    'activity list': 'List the scaling activities of a group',
    'activity show': 'Show a scaling activity',
    'metric push': 'Push metric samples to a scaling group',
    'metric list': 'List the metric samples a scaling group keeps',
}

MEMBER_TEMPLATE = textwrap.dedent('''\
    heat_template_version: 2016-10-14
    parameters:
      length:
        type: number
        default: 5
    resources:
      word:
        type: OS::Heat::RandomString
        properties:
          length: {get_param: length}
    outputs:
      word:
        value: {get_attr: [word, value]}
    ''')


class CLITestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.openstack = shutil.which('openstack', path=server_mod.BINDIR)
        if self.openstack is None:
            self.skipTest('the openstack command (python-openstackclient) '
                          'is not installed next to this Python')
        self.server = server_mod.server()
        self.project = server_mod.new_project()
        self.endpoint = self.server.endpoint(self.project)
        self.cwd = self.useFixture(fixtures.TempDir()).path
        # nothing of the caller's cloud configuration
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith('OS_')}
        self.env['HOME'] = self.cwd

    def osc(self, *args, expect=0, auth=True):
        """``openstack [--os-auth-type none --os-endpoint E] autoscaling
        <args>``; asserts its exit status is ``expect``."""
        cmd = [self.openstack]
        if auth:
            cmd += ['--os-auth-type', 'none', '--os-endpoint',
                    self.endpoint]
        cmd += ['autoscaling'] + list(args)
        run = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=600, env=self.env, cwd=self.cwd,
                             stdin=subprocess.DEVNULL)
        if expect is not None:
            self.assertEqual(
                expect, run.returncode,
                '%s\nstdout: %s\nstderr: %s' % (' '.join(args), run.stdout,
                                                run.stderr))
        return run

    def osc_json(self, *args, **kwargs):
        return json.loads(self.osc(*(args + ('-f', 'json')),
                                   **kwargs).stdout)

    def osc_value(self, *args, **kwargs):
        return self.osc(*(args + ('-f', 'value')), **kwargs).stdout.strip()

    def write(self, name, text):
        with open(os.path.join(self.cwd, name), 'w') as f:
            f.write(text)


class TestHelp(CLITestCase):

    def test_every_command_has_help(self):
        def run_help(name):
            return name, self.osc(*(name.split() + ['--help']), auth=False,
                                  expect=None)

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(run_help, COMMANDS))
        for name, run in results:
            self.assertEqual(0, run.returncode, '%s: %s' % (name,
                                                            run.stderr))
            self.assertIn('usage: openstack autoscaling %s' % name,
                          run.stdout)
            self.assertIn(COMMANDS[name], ' '.join(run.stdout.split()))

    def test_commands_are_listed(self):
        run = subprocess.run(
            [self.openstack, 'command', 'list', '--group', 'autoscaling',
             '-f', 'json'], capture_output=True, text=True, timeout=120,
            env=self.env)
        self.assertEqual(0, run.returncode, run.stderr)
        listed = set()
        for entry in json.loads(run.stdout):
            listed.update(entry['Commands'])
        self.assertEqual({'autoscaling %s' % c for c in COMMANDS},
                         {c for c in listed if c.startswith('autoscaling')})


class TestGroupCommands(CLITestCase):

    def test_group_lifecycle(self):
        run = self.osc('group', 'create', 'web', '--min-size', '0',
                       '--max-size', '4', '--desired-capacity', '2',
                       '--cooldown', '0',
                       '--resource-type', 'OS::Heat::TestResource',
                       '--property', 'value=hello', '--wait', '-f', 'json')
        group = json.loads(run.stdout)
        self.assertEqual('ACTIVE', group['status'])
        self.assertTrue(group['converged'])
        self.assertEqual(2, group['current_size'])
        self.assertEqual({'type': 'OS::Heat::TestResource',
                          'properties': {'value': 'hello'}},
                         {k: group['resource'][k]
                          for k in ('type', 'properties')})
        # the progress line is on stderr, stdout is the JSON alone
        self.assertIn('web: ', run.stderr)
        self.assertIn('web: ACTIVE (converged), current 2 / desired 2',
                      run.stderr)

        self.assertEqual('web ACTIVE 2', self.osc_value(
            'group', 'list', '-c', 'Name', '-c', 'Status',
            '-c', 'Current Size'))
        listed = self.osc_json('group', 'list', '--long')
        self.assertEqual([group['id']], [g['ID'] for g in listed])
        self.assertIn('Version', listed[0])
        shown = yaml.safe_load(self.osc('group', 'show', 'web', '-f',
                                        'yaml').stdout)
        self.assertEqual(group['id'], shown['id'])
        self.assertEqual(group['id'], self.osc_value(
            'group', 'show', group['id'], '-c', 'id'))
        table = self.osc('group', 'show', 'web').stdout
        self.assertIn('| desired_capacity', table)

        updated = self.osc_json('group', 'update', 'web',
                                '--desired-capacity', '3', '--wait')
        self.assertEqual(3, updated['current_size'])
        self.assertEqual('ACTIVE', updated['status'])
        # --property alone changes the current definition; a rolling
        # replacement of the members
        updated = self.osc_json('group', 'update', 'web', '--property',
                                'value=bye', '--min-in-service', '1',
                                '--max-batch-size', '1', '--pause-time', '0',
                                '--replace-members', '--wait')
        self.assertEqual({'type': 'OS::Heat::TestResource',
                          'properties': {'value': 'bye'}},
                         {k: updated['resource'][k]
                          for k in ('type', 'properties')})
        self.assertEqual({'min_in_service': 1, 'max_batch_size': 1,
                          'pause_time': 0}, updated['rolling_update'])
        self.assertEqual(3, updated['current_size'])
        self.assertEqual(
            [updated['generation']] * 3,
            [m['Generation'] for m in self.osc_json('member', 'list',
                                                    'web')])

        decision = self.osc_json('group', 'resize', 'web', '--capacity',
                                 '1', '--wait')
        self.assertTrue(decision['accepted'])
        self.assertEqual((3, 1), (decision['from_capacity'],
                                  decision['to_capacity']))
        self.assertEqual('1', self.osc_value('group', 'show', 'web', '-c',
                                             'current_size'))
        self.assertEqual('2', self.osc_value(
            'group', 'resize', 'web', '--adjustment', '1', '-c',
            'to_capacity'))
        converged = self.osc_json('group', 'converge', 'web', '--wait')
        self.assertEqual(2, converged['current_size'])

        self.assertEqual('True', self.osc_value('group', 'suspend', 'web',
                                                '-c', 'suspended'))
        self.assertEqual('False', self.osc_value('group', 'resume', 'web',
                                                 '-c', 'suspended'))

        activities = self.osc_json('activity', 'list', 'web')
        self.assertGreaterEqual(len(activities), 2)
        self.assertEqual(
            {'ID', 'Trigger', 'Status', 'From', 'To', 'Reason',
             'Started At'}, set(activities[0]))
        newest = activities[0]
        self.assertEqual((1, 2), (newest['From'], newest['To']))
        activity = self.osc_json('activity', 'show', 'web', newest['ID'])
        self.assertEqual(newest['ID'], activity['id'])
        self.assertEqual(group['id'], activity['group_id'])
        self.assertEqual(1, len(self.osc_json('activity', 'list', 'web',
                                              '--limit', '1')))

        # a stale If-Match: HTTP 412, exit 1, the server's message
        run = self.osc('group', 'update', 'web', '--max-size', '5',
                       '--if-match', str(group['version']), expect=1)
        self.assertIn('HTTP 412', run.stderr)

        run = self.osc('group', 'delete', 'web', '--wait')
        self.assertEqual('', run.stdout)
        run = self.osc('group', 'show', 'web', expect=1)
        self.assertIn("No group with a name or id of 'web'", run.stderr)
        self.assertEqual('', self.osc_value('group', 'list'))

    def test_errors_exit_non_zero_with_the_server_message(self):
        run = self.osc('group', 'create', 'bad', '--min-size', '0',
                       '--max-size', '1', '--cooldown', '-1',
                       '--resource-type', 'OS::Heat::None', expect=1)
        self.assertIn('/cooldown', run.stderr)
        self.assertIn('HTTP 400', run.stderr)
        self.assertEqual('', run.stdout)

        run = self.osc('group', 'create', 'bad', '--min-size', '0',
                       expect=1)
        self.assertIn('--min-size and --max-size are required', run.stderr)
        run = self.osc('group', 'create', 'bad', '--min-size', '0',
                       '--max-size', '1', expect=1)
        self.assertIn('member definition', run.stderr)
        run = self.osc('group', 'resize', 'nope', expect=2)
        self.assertIn('--capacity', run.stderr)
        run = self.osc('group', 'delete', 'nope1', 'nope2', expect=1)
        self.assertIn('Unable to delete 2 of 2 groups', run.stderr)
        run = self.osc('member', 'list', 'nope', expect=1)
        self.assertIn('No group', run.stderr)

    def test_wait_exits_non_zero_when_the_group_fails(self):
        self.write('failing.yaml', yaml.safe_dump(
            {'type': 'OS::Heat::TestResource',
             'properties': {'value': 'x', 'fail': True}}))
        run = self.osc('group', 'create', 'doomed', '--min-size', '0',
                       '--max-size', '2', '--desired-capacity', '1',
                       '--resource-file', 'failing.yaml', '--wait',
                       '--timeout', '120', '-f', 'json', expect=1)
        self.assertIn('FAILED', run.stderr)
        self.assertEqual('FAILED', self.osc_value(
            'group', 'show', 'doomed', '-c', 'status'))

    def test_provider_template_files_and_environment(self):
        self.write('member.yaml', MEMBER_TEMPLATE)
        self.write('snippet.yaml', yaml.safe_dump(
            {'type': 'member.yaml', 'properties': {'length': 7}}))
        group = self.osc_json('group', 'create', 'prov', '--min-size', '0',
                              '--max-size', '2', '--desired-capacity', '1',
                              '--resource-file', 'snippet.yaml', '--wait')
        self.assertEqual('ACTIVE', group['status'])
        self.assertEqual(1, group['current_size'])
        self.assertEqual('member.yaml', group['resource']['type'])
        self.assertEqual(7, group['resource']['properties']['length'])

        # a type of the environment's resource_registry; the template
        # under another name, given with --file
        os.mkdir(os.path.join(self.cwd, 'lib'))
        self.write('lib/word.yaml', MEMBER_TEMPLATE)
        self.write('env.yaml', yaml.safe_dump(
            {'resource_registry': {'My::Word': 'word.yaml'}}))
        group = self.osc_json(
            'group', 'create', 'env', '--min-size', '0', '--max-size', '2',
            '--desired-capacity', '2', '--resource-type', 'My::Word',
            '--property', 'length=4', '--file', 'word.yaml=lib/word.yaml',
            '-e', 'env.yaml', '--wait')
        self.assertEqual('ACTIVE', group['status'])
        self.assertEqual(2, group['current_size'])

        updated = self.osc_json('group', 'update', 'env',
                                '--desired-capacity', '1', '--wait')
        self.assertEqual(1, updated['current_size'])
        self.osc('group', 'delete', 'prov', 'env', '--wait')
        self.assertEqual('', self.osc_value('group', 'list'))


class TestMemberPolicyWebhookCommands(CLITestCase):

    def test_member_commands(self):
        self.osc('group', 'create', 'g', '--min-size', '0', '--max-size',
                 '3', '--desired-capacity', '2', '--cooldown', '0',
                 '--resource-type', 'OS::Heat::None', '--wait')
        members = self.osc_json('member', 'list', 'g')
        self.assertEqual(2, len(members))
        self.assertEqual({'Name', 'Status', 'Health', 'Protected',
                          'Generation', 'Physical Resource ID',
                          'Created At'}, set(members[0]))
        first, second = members[0]['Name'], members[1]['Name']
        shown = self.osc_json('member', 'show', 'g', first)
        self.assertEqual(first, shown['name'])
        self.assertEqual('HEALTHY', shown['health'])
        self.assertEqual('True', self.osc_value(
            'member', 'protect', 'g', first, '-c', 'protected'))
        self.assertEqual('False', self.osc_value(
            'member', 'unprotect', 'g', first, '-c', 'protected'))
        marked = self.osc_json('member', 'mark', 'unhealthy', 'g', first,
                               '--reason', 'no answer')
        self.assertEqual(first, marked['name'])
        self.assertEqual('UNHEALTHY', marked['health'])
        self.osc('group', 'converge', 'g', '--wait')
        group = self.osc_json('member', 'remove', 'g', second, '--wait')
        self.assertEqual(1, group['desired_capacity'])
        self.assertEqual(1, group['current_size'])
        self.assertNotIn(second, self.osc_value('member', 'list', 'g',
                                                '-c', 'Name').split())
        run = self.osc('member', 'show', 'g', second, expect=1)
        self.assertIn('HTTP 404', run.stderr)

    def test_member_list_attributes(self):
        self.write('member.yaml', MEMBER_TEMPLATE + textwrap.indent(
            'Status:\n  value: up\n', '  '))
        self.write('snippet.yaml', yaml.safe_dump(
            {'type': 'member.yaml', 'properties': {'length': 7}}))
        self.osc('group', 'create', 'g', '--min-size', '0', '--max-size',
                 '3', '--desired-capacity', '2', '--resource-file',
                 'snippet.yaml', '--wait')
        members = self.osc_json('member', 'list', 'g', '--attribute',
                                'word', '--attribute', 'Status')
        self.assertEqual(2, len(members))
        for m in members:
            # one column per attribute, after the usual ones; a name
            # clashing with one of those is prefixed
            self.assertEqual({'Name', 'Status', 'Health', 'Protected',
                              'Generation', 'Physical Resource ID',
                              'Created At', 'word', 'Attribute Status'},
                             set(m))
            self.assertEqual(7, len(m['word']))
            self.assertEqual('ACTIVE', m['Status'])
            self.assertEqual('up', m['Attribute Status'])
        self.assertNotEqual(members[0]['word'], members[1]['word'])
        shown = self.osc_json('member', 'show', 'g', members[0]['Name'],
                              '--attribute', 'word')
        self.assertEqual({'word': members[0]['word']}, shown['attributes'])
        self.assertNotIn('attributes', self.osc_json(
            'member', 'show', 'g', members[0]['Name']))
        run = self.osc('member', 'list', 'g', '--attribute', 'nope',
                       expect=1)
        self.assertIn('HTTP 400', run.stderr)
        self.assertIn('(member.yaml nope)', run.stderr)

    def test_policy_and_webhook_commands(self):
        self.osc('group', 'create', 'g', '--min-size', '0', '--max-size',
                 '3', '--desired-capacity', '1', '--cooldown', '0',
                 '--resource-type', 'OS::Heat::None', '--wait')
        policy = self.osc_json('policy', 'create', 'g', 'up',
                               '--adjustment-type', 'change_in_capacity',
                               '--adjustment', '1', '--cooldown', '0')
        self.assertEqual('up', policy['name'])
        self.assertEqual(1, policy['scaling_adjustment'])
        self.assertEqual([['up', 'change_in_capacity']], [
            [p['Name'], p['Adjustment Type']]
            for p in self.osc_json('policy', 'list', 'g')])
        self.assertEqual(policy['id'], self.osc_value(
            'policy', 'show', 'g', 'up', '-c', 'id'))
        self.assertEqual('2', self.osc_value(
            'policy', 'update', 'g', 'up', '--adjustment', '2', '-c',
            'scaling_adjustment'))
        decision = self.osc_json('policy', 'execute', 'g', 'up',
                                 '--data', '{"why": "cli"}')
        self.assertTrue(decision['accepted'], decision)
        self.assertEqual((1, 3), (decision['from_capacity'],
                                  decision['to_capacity']))
        self.assertEqual(policy['id'], decision['policy_id'])

        down = self.osc_json('policy', 'create', 'g', 'down',
                             '--adjustment-type', 'change_in_capacity',
                             '--adjustment', '-1', '--cooldown', '0')
        webhook = self.osc_json('webhook', 'create', 'g', 'down', '--name',
                                'alarm')
        self.assertIn('/autoscaling/v1/webhooks/', webhook['url'])
        self.assertEqual(webhook['url'], webhook['url'].strip())
        self.assertEqual([[webhook['id'], 'alarm']], [
            [w['ID'], w['Name']]
            for w in self.osc_json('webhook', 'list', 'g', 'down')])

        # by URL alone: no --os-* option at all
        decision = self.osc_json('webhook', 'execute', webhook['url'],
                                 auth=False)
        self.assertTrue(decision['accepted'], decision)
        self.assertEqual(down['id'], decision['policy_id'])
        self.assertEqual(3, decision['from_capacity'])
        self.assertEqual(2, decision['to_capacity'])

        self.osc('webhook', 'delete', 'g', 'down', webhook['id'])
        self.assertEqual([], self.osc_json('webhook', 'list', 'g', 'down'))
        run = self.osc('webhook', 'execute', webhook['url'], auth=False,
                       expect=1)
        self.assertIn('HTTP 404', run.stderr)
        run = self.osc('webhook', 'execute', 'not-a-url', auth=False,
                       expect=1)
        self.assertIn('not a webhook URL', run.stderr)

        self.osc('policy', 'delete', 'g', 'up', 'down')
        self.assertEqual([], self.osc_json('policy', 'list', 'g'))
        run = self.osc('policy', 'show', 'g', 'up', expect=1)
        self.assertIn("No policy with a name or id of 'up'", run.stderr)


class TestReadme(CLITestCase):

    def test_the_cli_example_runs_as_written(self):
        if not os.path.exists(README):
            self.skipTest('no README.md next to the package (not a '
                          'source tree)')
        with open(README) as f:
            text = f.read()
        section = text.split('Against heat-all without Keystone:', 1)[1]
        script = re.search(r'```sh\n(.*?)```', section, re.S).group(1)
        self.assertIn('--os-auth-type none', script)
        script = script.replace('http://127.0.0.1:8004', self.server.base)
        env = dict(self.env, PATH=server_mod.BINDIR + os.pathsep +
                   self.env.get('PATH', ''))
        run = subprocess.run(['bash', '-euo', 'pipefail', '-c', script],
                             cwd=self.cwd, capture_output=True, text=True,
                             timeout=600, env=env, stdin=subprocess.DEVNULL)
        self.assertEqual(0, run.returncode, run.stdout + run.stderr)
        self.assertIn('exact_capacity 3', run.stdout)
        self.assertIn('ACCEPTED', run.stdout)
