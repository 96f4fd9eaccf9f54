"""Lifecycle hooks of groups through the library
(``groups.create/update(lifecycle_hooks=...)``,
``members.complete_lifecycle_action``, ``members.record_lifecycle_heartbeat``,
:func:`heat_autoscalingclient.client.lifecycle_action` on a completion
URL) and the CLI (``group create/update --lifecycle-hook``,
``--no-lifecycle-hooks``, ``member complete-lifecycle-action``, ``member
lifecycle-heartbeat``), against the real server (heat-all: see
:mod:`heat_autoscalingclient.tests.server`); the notifications go to a
small HTTP receiver in the test.
"""

import argparse
import contextlib
import http.server
import io
import json
import threading
import time
import uuid

import testtools

from heat_autoscalingclient import client as as_client
from heat_autoscalingclient import exceptions, models
from heat_autoscalingclient.osc.v1 import common
from heat_autoscalingclient.tests import server as server_mod
from heat_autoscalingclient.tests import test_cli, test_library

MEMBER = test_library.MEMBER
WAIT = test_library.WAIT
LAUNCH = {'name': 'warm-up', 'transition': 'launch',
          'heartbeat_timeout': 600}
TERMINATE = {'name': 'drain', 'transition': 'terminate',
             'default_result': 'CONTINUE'}
#: the keys of a hook not given, as the server shows them
DEFAULTS = {'heartbeat_timeout': 3600, 'default_result': 'ABANDON',
            'notify_url': None, 'metadata': None}
WAIT_KEYS = {'hook', 'transition', 'started_at', 'default_result',
             'deadline'}


def shown(hook):
    return dict(DEFAULTS, **hook)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers['Content-Length']))
        self.server.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


class Receiver:
    """An HTTP server on 127.0.0.1 keeping the JSON bodies POSTed to it
    (the hooks' notifications)."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     _Handler)
        self.httpd.received = []
        self.url = 'http://127.0.0.1:%d/hook' % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_for(self, n, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.httpd.received) >= n:
                return list(self.httpd.received)
            time.sleep(0.05)
        raise AssertionError('%d notification(s), not %d' % (
            len(self.httpd.received), n))


class TestModel(testtools.TestCase):

    def test_fields(self):
        hooks = [shown(LAUNCH)]
        g = models.Group.from_dict({'id': 'g', 'lifecycle_hooks': hooks})
        self.assertEqual((hooks, {}), (g.lifecycle_hooks, g.extra))
        self.assertEqual(hooks, g.to_dict()['lifecycle_hooks'])
        wait = {'hook': 'warm-up', 'transition': 'launch',
                'started_at': '2027-01-01T08:00:00Z',
                'default_result': 'ABANDON',
                'deadline': '2027-01-01T08:10:00Z'}
        m = models.Member.from_dict({'name': 'm', 'status': 'PENDING_WAIT',
                                     'lifecycle': wait})
        self.assertEqual((wait, {}), (m.lifecycle, m.extra))
        self.assertEqual(wait, m.to_dict()['lifecycle'])
        self.assertIsNone(models.Member.from_dict({'name': 'm'}).lifecycle)


class TestCommandValues(testtools.TestCase):
    """How ``--lifecycle-hook`` reads its values (no server)."""

    def parse(self, *args, update=False):
        parser = argparse.ArgumentParser()
        common.add_lifecycle_hook_args(parser, update=update)
        return parser.parse_args(list(args))

    def test_values(self):
        args = self.parse(
            '--lifecycle-hook', 'name=warm-up,transition=launch,'
            'heartbeat_timeout=600,default_result=CONTINUE,'
            'notify_url=https://hooks.example/as?a=1,2&b=3,'
            'metadata=role=web,tier=1',
            '--lifecycle-hook', 'name=drain,transition=terminate,'
            'heartbeat_timeout=2.5,notify_url=null')
        self.assertEqual([
            {'name': 'warm-up', 'transition': 'launch',
             'heartbeat_timeout': 600, 'default_result': 'CONTINUE',
             'notify_url': 'https://hooks.example/as?a=1,2&b=3',
             'metadata': 'role=web,tier=1'},
            {'name': 'drain', 'transition': 'terminate',
             'heartbeat_timeout': 2.5, 'notify_url': None}],
            args.lifecycle_hooks)
        self.assertEqual(args.lifecycle_hooks, common.lifecycle_hooks(args))
        # in metadata and notify_url, ",x=y" is part of the value
        self.assertEqual(
            {'name': 'a', 'transition': 'launch', 'metadata': 'x,colour=red',
             'notify_url': 'http://h/?a=1,b=2'},
            common.lifecycle_hook('name=a,metadata=x,colour=red,'
                                  'transition=launch,'
                                  'notify_url=http://h/?a=1,b=2'))
        # a value that is no number: the server names it
        self.assertEqual('soon', common.lifecycle_hook(
            'name=a,transition=launch,heartbeat_timeout=soon')[
            'heartbeat_timeout'])
        # not given: nothing sent
        self.assertIsNone(common.lifecycle_hooks(self.parse()))
        self.assertIsNone(common.lifecycle_hooks(self.parse(update=True)))

    def test_update_replaces_or_removes(self):
        args = self.parse('--lifecycle-hook', 'name=a,transition=launch',
                          update=True)
        self.assertEqual([{'name': 'a', 'transition': 'launch'}],
                         common.lifecycle_hooks(args))
        args = self.parse('--no-lifecycle-hooks', update=True)
        self.assertEqual([], common.lifecycle_hooks(args))

    def test_bad_values(self):
        for text, message in (
                ('name=a', 'transition required'),
                ('transition=launch', 'name required'),
                ('', 'expected key=value'),
                ('name=a,transition=launch,colour=red',
                 'unknown key colour (allowed: name, transition, '
                 'heartbeat_timeout, default_result, notify_url, '
                 'metadata)'),
                ('colour=red,name=a,transition=launch',
                 'unknown key colour'),
                ('name=a,name=b,transition=launch', 'name given twice'),
                ('warm-up', 'expected key=value')):
            e = self.assertRaises(ValueError, common.lifecycle_hook, text)
            self.assertIn(message, str(e))

    def test_usage_errors(self):
        for args in (('--lifecycle-hook', 'name=a'),
                     ('--lifecycle-hook', 'name=a,transition=launch,x=1'),
                     ('--lifecycle-hook', 'name=a,transition=launch',
                      '--no-lifecycle-hooks')):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                exc = self.assertRaises(SystemExit, self.parse, *args,
                                        update=True)
            self.assertEqual(2, exc.code)
            self.assertIn('lifecycle-hook', err.getvalue())


class HookAssertions:

    def assertHooks(self, expected, hooks):
        """``hooks`` (a group's lifecycle_hooks) are ``expected``, each
        with at least the expected keys."""
        self.assertEqual(len(expected), len(hooks or []), hooks)
        for want, got in zip(expected, hooks):
            self.assertEqual(want, {k: got.get(k) for k in want})


class TestLibraryLifecycle(HookAssertions, test_library.LibraryTestCase):

    def setUp(self):
        super().setUp()
        self.receiver = Receiver()
        self.addCleanup(self.receiver.stop)

    def members(self, group):
        return {m.name: m for m in self.client.members.list(group)}

    def test_hooks_created_replaced_removed(self):
        group = self.client.groups.create(
            name='web', min_size=0, max_size=3, desired_capacity=0,
            resource=MEMBER, lifecycle_hooks=[LAUNCH])
        self.assertHooks([shown(LAUNCH)], group.lifecycle_hooks)
        self.assertEqual({}, group.extra)
        self.assertHooks([shown(LAUNCH)],
                         self.client.groups.get(group).lifecycle_hooks)
        # other changes leave them
        group = self.client.groups.update(group, max_size=4)
        self.assertHooks([shown(LAUNCH)], group.lifecycle_hooks)
        # a list replaces them all
        group = self.client.groups.update(
            group, if_match=group, lifecycle_hooks=[TERMINATE])
        self.assertHooks([shown(TERMINATE)], group.lifecycle_hooks)
        # [] removes them
        group = self.client.groups.update(group, lifecycle_hooks=[])
        self.assertEqual([], group.lifecycle_hooks)
        self.assertEqual([], self.client.groups.get(group).lifecycle_hooks)
        plain = self.create_group(wait=False, desired=0)
        self.assertEqual([], plain.lifecycle_hooks)

    def test_bad_hooks_are_bad_requests_naming_the_key(self):
        name = 'g-%s' % uuid.uuid4().hex[:6]
        for hooks, message in (
                ([dict(LAUNCH, heartbeat_timeout=0)],
                 '/lifecycle_hooks/0/heartbeat_timeout'),
                ([dict(LAUNCH, colour='red')],
                 '/lifecycle_hooks/0/colour: unknown key'),
                ([LAUNCH, dict(LAUNCH, name='other')],
                 'lifecycle_hooks[1].transition: a second launch hook')):
            exc = self.assertRaises(
                exceptions.BadRequest, self.client.groups.create,
                name=name, min_size=0, max_size=1, resource=MEMBER,
                lifecycle_hooks=hooks)
            self.assertIn(message, exc.message)
        self.assertEqual([], list(self.client.groups.list()))

    def test_waits_ended_and_extended(self):
        group = self.create_group(desired=2, lifecycle_hooks=[
            dict(LAUNCH, notify_url=self.receiver.url, metadata='web')])
        self.assertEqual(2, group.current_size)
        members = self.members(group)
        self.assertEqual({'PENDING_WAIT'},
                         {m.status for m in members.values()})
        first, second = sorted(members)
        self.assertEqual(WAIT_KEYS, set(members[first].lifecycle))
        self.assertEqual('warm-up', members[first].lifecycle['hook'])

        beat = self.client.members.record_lifecycle_heartbeat(group, first)
        self.assertIsInstance(beat, models.Member)
        self.assertEqual((first, 'PENDING_WAIT'), (beat.name, beat.status))
        done = self.client.members.complete_lifecycle_action(
            group, members[first], 'CONTINUE')
        self.assertEqual(('ACTIVE', None), (done.status, done.lifecycle))
        exc = self.assertRaises(
            exceptions.BadRequest,
            self.client.members.complete_lifecycle_action, group, first,
            'ABANDON')
        self.assertIn('is not waiting for a lifecycle action (status '
                      'ACTIVE)', exc.message)
        self.assertRaises(exceptions.BadRequest,
                          self.client.members.complete_lifecycle_action,
                          group, second, 'LATER')
        self.assertRaises(exceptions.NotFound,
                          self.client.members.record_lifecycle_heartbeat,
                          group, 'nobody')

        # the other by the completion URL of its notification, no auth
        notes = {n['member']: n for n in self.receiver.wait_for(2)}
        self.assertEqual({first, second}, set(notes))
        note = notes[second]
        self.assertEqual(('warm-up', 'launch', 'web', group.id), (
            note['hook'], note['transition'], note['metadata'],
            note['group_id']))
        url = note['completion_url']
        self.assertIn('/autoscaling/v1/lifecycle/', url)
        self.assertRaises(ValueError, as_client.lifecycle_action, url)
        self.assertRaises(ValueError, as_client.lifecycle_action, url,
                          result='CONTINUE', heartbeat=True)
        member = as_client.lifecycle_action(url, heartbeat=True)
        self.assertEqual((second, 'PENDING_WAIT'),
                         (member.name, member.status))
        member = self.client.members.lifecycle_action(url,
                                                      result='CONTINUE')
        self.assertIsInstance(member, models.Member)
        self.assertEqual('ACTIVE', member.status)
        # used: gone
        exc = self.assertRaises(exceptions.NotFound,
                                as_client.lifecycle_action, url,
                                result='CONTINUE')
        self.assertNotIn(url.rsplit('/', 1)[1], str(exc))
        self.assertEqual({'ACTIVE'}, {m.status for m in
                                      self.members(group).values()})


class TestCLILifecycle(HookAssertions, test_cli.CLITestCase):

    def test_group_hooks(self):
        group = self.osc_json(
            'group', 'create', 'web', '--min-size', '0', '--max-size', '3',
            '--desired-capacity', '0', '--resource-type',
            'OS::Heat::RandomString', '--lifecycle-hook',
            'name=warm-up,transition=launch,heartbeat_timeout=600',
            '--lifecycle-hook', 'name=drain,transition=terminate,'
            'default_result=CONTINUE')
        self.assertHooks([shown(LAUNCH), shown(TERMINATE)],
                         group['lifecycle_hooks'])
        table = self.osc('group', 'show', 'web').stdout
        self.assertIn('| lifecycle_hooks', table)
        self.assertIn('"transition": "launch"', table)
        # any --lifecycle-hook replaces them all
        updated = self.osc_json('group', 'update', 'web', '--lifecycle-hook',
                                'name=drain,transition=terminate')
        self.assertHooks([shown({'name': 'drain',
                                 'transition': 'terminate'})],
                         updated['lifecycle_hooks'])
        updated = self.osc_json('group', 'update', 'web',
                                '--no-lifecycle-hooks')
        self.assertEqual([], updated['lifecycle_hooks'])
        self.assertEqual([], self.osc_json('group', 'show', 'web')[
            'lifecycle_hooks'])

    def test_hook_errors(self):
        run = self.osc('group', 'create', 'web', '--min-size', '0',
                       '--max-size', '1', '--resource-type',
                       'OS::Heat::RandomString', '--lifecycle-hook',
                       'name=a,transition=boot', expect=1)
        self.assertIn('/lifecycle_hooks/0/transition', run.stderr)
        self.assertIn('HTTP 400', run.stderr)
        run = self.osc('group', 'create', 'web', '--min-size', '0',
                       '--max-size', '1', '--resource-type',
                       'OS::Heat::RandomString', '--lifecycle-hook',
                       'name=a,transition=launch', '--lifecycle-hook',
                       'name=b,transition=launch', expect=1)
        self.assertIn('lifecycle_hooks[1].transition: a second launch hook',
                      run.stderr)
        run = self.osc('group', 'create', 'web', '--min-size', '0',
                       '--max-size', '1', '--resource-type',
                       'OS::Heat::RandomString', '--lifecycle-hook',
                       'name=a', expect=2)
        self.assertIn('transition required', run.stderr)
        self.assertEqual([], self.osc_json('group', 'list'))
        self.osc('group', 'create', 'web', '--min-size', '0', '--max-size',
                 '1', '--resource-type', 'OS::Heat::RandomString')
        self.osc('group', 'update', 'web', '--lifecycle-hook',
                 'name=a,transition=launch', '--no-lifecycle-hooks',
                 expect=2)

    def test_member_commands(self):
        self.osc('group', 'create', 'g', '--min-size', '0', '--max-size',
                 '3', '--desired-capacity', '2', '--resource-type',
                 'OS::Heat::None', '--lifecycle-hook',
                 'name=warm-up,transition=launch', '--wait')
        members = self.osc_json('member', 'list', 'g')
        self.assertEqual(['PENDING_WAIT'] * 2,
                         [m['Status'] for m in members])
        first, second = sorted(m['Name'] for m in members)
        shown_member = self.osc_json('member', 'show', 'g', first)
        self.assertEqual(WAIT_KEYS, set(shown_member['lifecycle']))
        beat = self.osc_json('member', 'lifecycle-heartbeat', 'g', first)
        self.assertEqual(('PENDING_WAIT', first),
                         (beat['status'], beat['name']))
        done = self.osc_json('member', 'complete-lifecycle-action', 'g',
                             first, '--result', 'CONTINUE')
        self.assertEqual(('ACTIVE', None), (done['status'],
                                            done['lifecycle']))
        run = self.osc('member', 'complete-lifecycle-action', 'g', first,
                       '--result', 'CONTINUE', expect=1)
        self.assertIn('is not waiting for a lifecycle action', run.stderr)
        self.assertIn('HTTP 400', run.stderr)
        run = self.osc('member', 'lifecycle-heartbeat', 'g', 'nobody',
                       expect=1)
        self.assertIn('HTTP 404', run.stderr)
        self.osc('member', 'complete-lifecycle-action', 'g', second,
                 '--result', 'LATER', expect=2)
        self.osc('member', 'complete-lifecycle-action', 'g', second,
                 expect=2)
        # ABANDON: FAILED, and the group replaces it
        done = self.osc_json('member', 'complete-lifecycle-action', 'g',
                             second, '--result', 'ABANDON')
        self.assertEqual('FAILED', done['status'])
        server_mod.wait_until(
            lambda: second not in self.osc_value(
                'member', 'list', 'g', '-c', 'Name').split(),
            timeout=WAIT, message='the abandoned member to be replaced')
