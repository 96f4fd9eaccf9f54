"""Lifecycle hooks of groups (heat.scaling.lifecycle, the AS engine):
launch waits ended by CONTINUE, ABANDON or the timeout; terminate waits
that hold a scale-in; a scale-out that cancels drains; the completion
URL and its notification, over real HTTP."""

import http.server
import json
import threading
import time

from heat.common import exception
from heat.db import api as db_api
from heat.engine.autoscaling import engine as eng
from heat.scaling import lifecycle
from heat.tests import db_fixtures
from heat.tests.unit.autoscaling import test_engine as base


class _Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers['Content-Length']))
        self.server.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


class Receiver:
    """Records the notifications POSTed to it."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     _Receiver)
        self.httpd.received = []
        self.url = 'http://127.0.0.1:%d/hook' % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_for(self, n, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.httpd.received) >= n:
                return list(self.httpd.received)
            time.sleep(0.02)
        raise AssertionError('%d notification(s), not %d' % (
            len(self.httpd.received), n))


def launch(**kw):
    return dict({'name': 'warm-up', 'transition': 'launch'}, **kw)


def terminate(**kw):
    return dict({'name': 'drain', 'transition': 'terminate'}, **kw)


class TestHookValidation(base.ASTestBase):
    BACKEND = db_fixtures.BACKENDS['sqlite']

    def test_bad_hooks_name_where(self):
        cases = [
            ([{'transition': 'launch'}], 'lifecycle_hooks[0].name'),
            ([launch(), launch(name='x')],
             'lifecycle_hooks[1].transition: a second launch hook'),
            ([launch(), terminate(name='warm-up')],
             "lifecycle_hooks[1].name: 'warm-up' is the name of another"),
            ([launch(heartbeat_timeout=0)],
             'lifecycle_hooks[0].heartbeat_timeout: 0 is not a number'),
            ([launch(default_result='MAYBE')],
             "lifecycle_hooks[0].default_result: 'MAYBE': allowed values "
             "are CONTINUE, ABANDON"),
            ([launch(notify_url='ftp://x')],
             "lifecycle_hooks[0].notify_url: 'ftp://x' is not an http(s)"),
            ([launch(colour=1)], 'lifecycle_hooks[0]: unknown key colour'),
            ({'name': 'x'}, 'lifecycle_hooks: '),
        ]
        for hooks, message in cases:
            e = self.assertRaises(exception.Invalid,
                                  self.rpc.create_scaling_group, self.ctx,
                                  'g', 0, 2, base.NONE,
                                  lifecycle_hooks=hooks)
            self.assertIn(message, str(e), hooks)
        # nothing was made
        self.assertEqual([], self.rpc.list_scaling_groups(self.ctx))

    def test_normalized_and_removed(self):
        gid = self.group(desired=0, lifecycle_hooks=[launch()])
        g = self.rpc.show_scaling_group(self.ctx, gid)
        self.assertEqual([{'name': 'warm-up', 'transition': 'launch',
                           'heartbeat_timeout': 3600.0,
                           'default_result': 'ABANDON', 'notify_url': None,
                           'metadata': None}], g['lifecycle_hooks'])
        g = self.rpc.update_scaling_group(self.ctx, gid, lifecycle_hooks=[])
        self.assertEqual([], g['lifecycle_hooks'])

    def test_drains_to_cancel_newest_first(self):
        self.assertEqual(['c', 'b'], lifecycle.drains_to_cancel(
            [(1.0, 'a'), (3.0, 'c'), (2.0, 'b')], 2))
        self.assertEqual([], lifecycle.drains_to_cancel([(1.0, 'a')], 0))


@db_fixtures.for_each_backend
class TestLifecycleHooks(base.ASTestBase):

    def setUp(self):
        super().setUp()
        self.receiver = Receiver()
        self.addCleanup(self.receiver.stop)

    def members(self, gid):
        return {m['name']: m for m in
                self.rpc.list_scaling_members(self.ctx, gid)}

    def lifecycle_acts(self, gid):
        return [a for a in self.rpc.list_scaling_activities(self.ctx, gid)
                if a['trigger'] == 'lifecycle']

    def test_launch_continue(self):
        gid = self.group(desired=2, lifecycle_hooks=[launch(
            notify_url=self.receiver.url, metadata='role=web')])
        g = self.settle(gid)
        self.assertEqual(2, g['current_size'])
        members = self.members(gid)
        self.assertEqual({eng.PENDING_WAIT},
                         {m['status'] for m in members.values()})
        for m in members.values():
            self.assertEqual('warm-up', m['lifecycle']['hook'])
            self.assertEqual('launch', m['lifecycle']['transition'])
            self.assertIsNotNone(m['lifecycle']['deadline'])
        notes = self.receiver.wait_for(2)
        self.assertEqual(set(members), {n['member'] for n in notes})
        for n in notes:
            self.assertEqual((gid, 'warm-up', 'launch', 'role=web'),
                             (n['group_id'], n['hook'], n['transition'],
                              n['metadata']))
            self.assertIn(eng.LIFECYCLE_PATH, n['completion_url'])
        first = sorted(members)[0]
        m = self.rpc.complete_lifecycle_action(self.ctx, gid, first,
                                               'CONTINUE')
        self.assertEqual('ACTIVE', m['status'])
        self.assertIsNone(m['lifecycle'])
        acts = self.lifecycle_acts(gid)
        self.assertEqual(1, len(acts))
        self.assertEqual('COMPLETE', acts[0]['status'])
        self.assertIn('member %s: launch hook warm-up completed CONTINUE '
                      '(by rpc)' % first, acts[0]['reason'])
        # once only
        e = self.assertRaises(exception.Invalid,
                              self.rpc.complete_lifecycle_action, self.ctx,
                              gid, first, 'CONTINUE')
        self.assertIn('not waiting for a lifecycle action (status ACTIVE)',
                      str(e))
        e = self.assertRaises(exception.Invalid,
                              self.rpc.complete_lifecycle_action, self.ctx,
                              gid, sorted(members)[1], 'LATER')
        self.assertIn("result: 'LATER'", str(e))

    def test_launch_abandon_by_the_completion_url_replaces(self):
        gid = self.group(desired=1, lifecycle_hooks=[launch(
            notify_url=self.receiver.url)])
        self.settle(gid)
        [note] = self.receiver.wait_for(1)
        token = note['completion_url'].rsplit('/', 1)[1]
        m = self.rpc.lifecycle_action_by_token(self.ctx, token,
                                               result='ABANDON')
        self.assertEqual('FAILED', m['status'])
        g = self.settle(gid)
        names = set(self.members(gid))
        self.assertNotIn(note['member'], names)
        self.assertEqual(1, len(names))
        self.assertEqual(1, g['current_size'])
        # the replacement waits too, with a token of its own
        notes = self.receiver.wait_for(2)
        self.assertEqual(names, {notes[1]['member']})
        self.assertNotEqual(token,
                            notes[1]['completion_url'].rsplit('/', 1)[1])
        # a used token is gone
        self.assertRaises(exception.EntityNotFound,
                          self.rpc.lifecycle_action_by_token, self.ctx,
                          token, result='CONTINUE')

    def test_launch_timeout_applies_the_default_and_heartbeat_extends(self):
        gid = self.group(desired=2, lifecycle_hooks=[launch(
            heartbeat_timeout=1, default_result='CONTINUE')])
        self.settle(gid)
        beat, other = sorted(self.members(gid))
        time.sleep(0.6)
        m = self.rpc.record_lifecycle_heartbeat(self.ctx, gid, beat)
        self.assertEqual(eng.PENDING_WAIT, m['status'])
        time.sleep(0.6)
        as_engine = self.fx.service.as_engine
        done = as_engine.expire_lifecycle_waits()
        self.assertEqual([other], [d['name'] for d in done])
        members = self.members(gid)
        self.assertEqual('ACTIVE', members[other]['status'])
        self.assertEqual(eng.PENDING_WAIT, members[beat]['status'])
        time.sleep(0.6)
        self.assertEqual([beat], [d['name'] for d in
                                  as_engine.expire_lifecycle_waits()])
        self.assertEqual([], as_engine.expire_lifecycle_waits())
        acts = self.lifecycle_acts(gid)
        self.assertEqual(2, len(acts))
        for a in acts:
            self.assertIn('completed CONTINUE (heartbeat timeout, default '
                          'result)', a['reason'])

    def test_launch_timeout_abandon_replaces(self):
        gid = self.group(desired=1, lifecycle_hooks=[launch(
            heartbeat_timeout=1)])
        [first] = self.members(gid) if self.settle(gid) else []
        time.sleep(1.1)
        self.assertEqual([first], [d['name'] for d in
                                   self.fx.service.as_engine.
                                   expire_lifecycle_waits()])
        self.settle(gid)
        names = set(self.members(gid))
        self.assertEqual(1, len(names))
        self.assertNotIn(first, names)

    def test_terminate_hook_holds_the_scale_in(self):
        gid = self.group(desired=3, min_size=0, lifecycle_hooks=[terminate(
            notify_url=self.receiver.url)])
        self.settle(gid)
        before = set(self.members(gid))
        g = self.rpc.resize_scaling_group(self.ctx, gid, capacity=1)
        g = self.settle(gid)
        self.assertEqual(1, g['current_size'])
        members = self.members(gid)
        waiting = sorted(n for n, m in members.items()
                         if m['status'] == eng.TERMINATING_WAIT)
        self.assertEqual(2, len(waiting))
        # their resources are still there
        self.assertEqual(sorted(before), self.resource_names(gid))
        notes = self.receiver.wait_for(2)
        self.assertEqual(set(waiting), {n['member'] for n in notes})
        # converging again does not drain one more (not counted twice)
        self.rpc.request_scaling_group_converge(self.ctx, gid)
        self.settle(gid)
        self.assertEqual(waiting, sorted(
            n for n, m in self.members(gid).items()
            if m['status'] == eng.TERMINATING_WAIT))
        self.rpc.complete_lifecycle_action(self.ctx, gid, waiting[0],
                                           'CONTINUE')
        self.settle(gid)
        self.assertNotIn(waiting[0], self.members(gid))
        self.assertIn(waiting[1], self.members(gid))
        self.assertNotIn(waiting[0], self.resource_names(gid))
        self.rpc.complete_lifecycle_action(self.ctx, gid, waiting[1],
                                           'ABANDON')
        self.settle(gid)
        self.assert_consistent(gid, 1)

    def test_scale_out_cancels_the_newest_drains(self):
        gid = self.group(desired=2, min_size=0,
                         lifecycle_hooks=[terminate()])
        self.settle(gid)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=4)
        self.settle(gid)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=1)
        self.settle(gid)
        draining = {n for n, m in self.members(gid).items()
                    if m['status'] == eng.TERMINATING_WAIT}
        self.assertEqual(3, len(draining))
        all_names = set(self.members(gid))
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=3)
        g = self.settle(gid)
        self.assertEqual(3, g['current_size'])
        members = self.members(gid)
        # no member made: two drains cancelled, the newest ones
        self.assertEqual(all_names, set(members))
        revived = {n for n in draining
                   if members[n]['status'] == 'ACTIVE'}
        self.assertEqual(2, len(revived))
        created = {n: db_api.scaling_member_get(None, gid, n).created_at
                   for n in draining}
        still = draining - revived
        self.assertTrue(all(created[r] >= created[s]
                            for r in revived for s in still))
        [act] = [a for a in self.lifecycle_acts(gid)
                 if 'cancelled' in a['reason']]
        self.assertEqual(sorted(revived),
                         sorted(act['decision']['cancelled']))


@db_fixtures.for_each_backend
class TestProtectionAndRemoval(base.ASTestBase):

    def test_scale_in_stops_at_protected_members_and_says_why(self):
        gid = self.group(desired=4, min_size=0)
        names = sorted(m['name'] for m in self.settle(gid)['members'])
        for name in names[:3]:
            self.rpc.update_scaling_member(self.ctx, gid, name,
                                           protected=True)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=1)
        g = self.settle(gid)
        self.assertEqual(names[:3], sorted(m['name'] for m in g['members']))
        why = ('2 member(s) above the desired capacity 1: scale-in '
               'protection of %s' % ', '.join(names[:3]))
        self.assertIn(why, g['status_reason'])
        [act] = [a for a in self.rpc.list_scaling_activities(self.ctx, gid)
                 if a['trigger'] == 'resize']
        self.assertEqual('COMPLETE', act['status'])
        self.assertIn('stopped at ' + why, act['reason'])

    def test_oldest_generation_removes_the_old_definition_first(self):
        gid = self.group(desired=2, min_size=0,
                         removal_policy='oldest_generation')
        old = {m['name'] for m in self.settle(gid)['members']}
        self.rpc.update_scaling_group(self.ctx, gid, member_definition={
            'type': 'OS::Heat::TestResource'}, desired_capacity=2)
        self.settle(gid)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=4)
        g = self.settle(gid)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=2)
        g = self.settle(gid)
        kept = {m['name'] for m in g['members']}
        self.assertEqual(set(), kept & old)
        self.assertEqual({1}, {m['generation'] for m in g['members']})


@db_fixtures.for_each_backend
class TestDrainsAndReplacements(base.ASTestBase):

    def test_a_replacement_does_not_cancel_a_drain(self):
        gid = self.group(desired=3, min_size=0, lifecycle_hooks=[terminate()])
        self.settle(gid)
        self.rpc.resize_scaling_group(self.ctx, gid, capacity=2)
        self.settle(gid)
        members = {m['name']: m['status'] for m in
                   self.rpc.list_scaling_members(self.ctx, gid)}
        [draining] = [n for n, s in members.items()
                      if s == eng.TERMINATING_WAIT]
        victim = sorted(n for n, s in members.items() if s == 'ACTIVE')[0]
        self.rpc.mark_member_unhealthy(self.ctx, gid, victim, 'broken')
        self.settle(gid)
        after = {m['name']: m['status'] for m in
                 self.rpc.list_scaling_members(self.ctx, gid)}
        self.assertEqual(eng.TERMINATING_WAIT, after[draining])
        self.assertNotIn(victim, after)
        self.assertEqual(2, sum(1 for s in after.values() if s == 'ACTIVE'))
        self.assertEqual(1, len(set(after) - set(members)))
