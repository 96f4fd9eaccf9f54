"""A scaling group's member stack reflects each convergence as upstream's
nested stack update does: ``UPDATE_IN_PROGRESS`` ("Stack UPDATE
started") while members are made or removed, then ``UPDATE_COMPLETE``
("Stack UPDATE completed successfully", ``updated_time`` set) or, on a
member failure, ``UPDATE_FAILED`` with the reason; two writes (and two
stack events) per convergence whatever its batches, none when nothing
changes, the parent stack untouched. Upstream's ``AutoScalingSignalTest``
waits for the nested stack's ``UPDATE_COMPLETE`` after a signal.

Through a served engine on each backend (templates), and on SQLite with
the converger's hooks for the crash and fencing cases."""

import time
from unittest import mock

import yaml
from oslo_config import cfg

from heat.common import exception
from heat.db import api as db_api
from heat.engine import stack_lock
from heat.engine.autoscaling import converger
from heat.engine.resources.openstack.heat import test_resource
from heat.tests import db_fixtures, engine_fixture
from heat.tests.unit.autoscaling import template_stacks
from heat.tests.unit.autoscaling.test_engine import ASTestBase, ctx

TMPL = '''
heat_template_version: 2016-10-14
parameters:
  member_type: {type: string, default: OS::Heat::None}
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 5
      desired_capacity: 2
      resource: {type: {get_param: member_type}}
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: 3
      cooldown: 0
  down:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: -2
      cooldown: 0
'''

STARTED = 'Stack UPDATE started'
COMPLETED = 'Stack UPDATE completed successfully'
CREATE_EVENTS = [('CREATE_IN_PROGRESS', 'Stack CREATE started'),
                 ('CREATE_COMPLETE', 'Stack CREATE completed successfully')]


@db_fixtures.for_each_backend
class TestMemberStackStatus(template_stacks.ServedStackCase):

    def setUp(self):
        super().setUp()
        # a scale-out of 3 takes several batches: still one update
        self.useFixture(engine_fixture._Override(
            cfg.CONF, 'converge_batch_size', 1, group='autoscaling'))
        self.addCleanup(setattr, converger, 'before_batch', None)

    def make(self, member_type='OS::Heat::None'):
        self.ident = self.create('s', TMPL,
                                 params={'member_type': member_type})
        res = self.svc.describe_stack_resource(self.ctx, self.ident, 'asg')
        self.gid = res['physical_resource_id']
        self.nested = res['nested_stack_id']
        self.parent_before = self.show(self.ident)

    def show(self, ident):
        info = self.svc.show_stack(self.ctx, ident, resolve_outputs=False)[0]
        return ('%s_%s' % (info['stack_action'], info['stack_status']),
                info['stack_status_reason'], info.get('updated_time'))

    def row(self):
        """``(state, reason, updated_at)`` of the member stack's row (the
        API's ``updated_time`` has seconds only)."""
        row = db_api.stack_get(None, self.gid, 'p1')
        return ('%s_%s' % (row.action, row.status), row.status_reason,
                row.updated_at)

    def stack_events(self, after_create=True):
        """The member stack's own events; with ``after_create``, those
        after its creation's two (which must come first)."""
        events = [('%s_%s' % (e['resource_action'], e['resource_status']),
                   e['resource_status_reason'])
                  for e in self.svc.list_events(self.ctx, self.nested)
                  if e['resource_type'] == 'OS::Heat::Stack']
        if not after_create:
            return events
        self.assertEqual(CREATE_EVENTS, events[:2])
        return events[2:]

    def wait_nested(self, state):
        """As upstream's AutoScalingSignalTest: wait for the nested
        stack's state."""
        deadline = time.monotonic() + template_stacks.WAIT
        while time.monotonic() < deadline:
            found = self.show(self.nested)
            if found[0] == state:
                return found
            time.sleep(0.02)
        self.fail('member stack not %s: %s' % (state, found))

    def wait_size(self, size):
        deadline = time.monotonic() + template_stacks.WAIT
        while time.monotonic() < deadline:
            g = self.client.show_scaling_group(self.ctx, self.gid)
            if g['converged'] and g['current_size'] == size:
                return g
            time.sleep(0.02)
        self.fail('group not converged to %d: %s' % (size, g))

    def watch_batches(self):
        seen = []

        def hook(group_id, batch):
            seen.append(self.show(self.nested)[:2])
        converger.before_batch = hook
        return seen

    def signal(self, policy):
        return self.svc.resource_signal(self.ctx, self.ident, policy, None)

    def assertParentUnchanged(self):
        self.assertEqual(self.parent_before, self.show(self.ident))

    # -- tests -------------------------------------------------------------

    def test_create_leaves_member_stack_created(self):
        self.make()
        self.assertEqual(('CREATE_COMPLETE',
                          'Stack CREATE completed successfully', None),
                         self.show(self.nested))
        self.assertEqual(CREATE_EVENTS, self.stack_events(after_create=False))

    def test_member_stack_in_progress_while_the_group_creates(self):
        # as upstream's nested stack: CREATE_IN_PROGRESS while the first
        # members are made, every batch of them
        seen = []

        def hook(group_id, batch):
            row = db_api.stack_get(None, group_id, 'p1')
            seen.append(('%s_%s' % (row.action, row.status),
                         row.status_reason))
        converger.before_batch = hook
        self.make()
        self.assertEqual([('CREATE_IN_PROGRESS', 'Stack CREATE started')] * 2,
                         seen)
        self.assertEqual('CREATE_COMPLETE', self.show(self.nested)[0])

    def test_member_failure_at_create_fails_the_creation(self):
        with mock.patch.object(test_resource.TestResource, 'handle_create',
                               side_effect=ValueError('boom')):
            ident = self.svc.create_stack(
                self.ctx, 'f', TMPL, {'parameters': {
                    'member_type': 'OS::Heat::TestResource'}}, {},
                {'disable_rollback': True})
            self.svc.wait(ident, template_stacks.WAIT)
        nested = self.svc.describe_stack_resource(
            self.ctx, ident, 'asg')['physical_resource_id']
        row = db_api.stack_get(None, nested, 'p1')
        self.assertEqual('CREATE_FAILED', '%s_%s' % (row.action, row.status))
        self.assertIn('boom', row.status_reason)

    def test_group_deletion_ends_member_stack_deleted(self):
        self.make()
        self.svc.delete_stack(self.ctx, self.ident)
        self.svc.wait(self.ident, template_stacks.WAIT)
        row = db_api.stack_get(None, self.gid, 'p1', show_deleted=True)
        self.assertIsNotNone(row.deleted_at)
        self.assertEqual(('DELETE_COMPLETE',
                          'Stack DELETE completed successfully'),
                         ('%s_%s' % (row.action, row.status),
                          row.status_reason))
        events = [('%s_%s' % (e.resource_action, e.resource_status),
                   e.resource_status_reason)
                  for e in db_api.event_get_all_by_stack(None, self.gid, 'p1')
                  if e.resource_type == 'OS::Heat::Stack']
        self.assertEqual(CREATE_EVENTS + [
            ('DELETE_IN_PROGRESS', 'Stack DELETE started'),
            ('DELETE_COMPLETE', 'Stack DELETE completed successfully')],
            events)

    def test_signal_scale_out(self):
        self.make()
        seen = self.watch_batches()
        self.assertTrue(self.signal('up')['accepted'])
        state, reason, updated = self.wait_nested('UPDATE_COMPLETE')
        self.assertEqual(COMPLETED, reason)
        self.assertIsNotNone(updated)
        self.assertEqual(5, self.wait_size(5)['current_size'])
        # every batch ran with the member stack UPDATE_IN_PROGRESS
        self.assertEqual([('UPDATE_IN_PROGRESS', STARTED)] * 3, seen)
        # one start, one end, whatever the batches
        self.assertEqual([('UPDATE_IN_PROGRESS', STARTED),
                          ('UPDATE_COMPLETE', COMPLETED)],
                         self.stack_events())
        self.assertParentUnchanged()

    def test_scale_in_after_scale_out(self):
        self.make()
        self.signal('up')
        self.wait_size(5)
        first = self.row()
        self.assertEqual('UPDATE_COMPLETE', first[0])
        seen = self.watch_batches()
        self.assertTrue(self.signal('down')['accepted'])
        self.wait_size(3)
        state, reason, updated = self.row()
        self.assertEqual(('UPDATE_COMPLETE', COMPLETED), (state, reason))
        self.assertGreater(updated, first[2])
        self.assertEqual([('UPDATE_IN_PROGRESS', STARTED)] * 2, seen)
        self.assertEqual([('UPDATE_IN_PROGRESS', STARTED),
                          ('UPDATE_COMPLETE', COMPLETED)] * 2,
                         self.stack_events())
        self.assertParentUnchanged()

    def test_member_failure_fails_the_update(self):
        self.make('OS::Heat::TestResource')
        with mock.patch.object(test_resource.TestResource, 'handle_create',
                               side_effect=ValueError('boom')):
            self.signal('up')
            state, reason, updated = self.wait_nested('UPDATE_FAILED')
        self.assertTrue(reason.startswith('Resource CREATE failed: '),
                        reason)
        self.assertIn('boom', reason)
        self.assertIsNotNone(updated)
        g = self.client.show_scaling_group(self.ctx, self.gid)
        self.assertEqual('FAILED', g['status'])
        self.assertEqual([('UPDATE_IN_PROGRESS', STARTED),
                          ('UPDATE_FAILED', reason)], self.stack_events())
        self.assertParentUnchanged()

    def test_rolling_update(self):
        self.make('OS::Heat::TestResource')
        tmpl = TMPL.replace(
            'resource: {type: {get_param: member_type}}',
            'resource: {type: {get_param: member_type}, '
            'properties: {value: two}}')
        self.update(self.ident, yaml.safe_load(tmpl),
                    env={'parameters': {
                        'member_type': 'OS::Heat::TestResource'}})
        state, reason, updated = self.wait_nested('UPDATE_COMPLETE')
        self.assertEqual(COMPLETED, reason)
        self.assertIsNotNone(updated)
        self.assertEqual([('UPDATE_IN_PROGRESS', STARTED),
                          ('UPDATE_COMPLETE', COMPLETED)],
                         self.stack_events())

    def test_converge_without_change_writes_nothing(self):
        self.make()
        self.signal('up')
        self.wait_size(5)
        before, events = self.row(), self.stack_events()
        # a converge with nothing to do, a trigger rejected at MaxSize
        self.client.converge_scaling_group(self.ctx, self.gid)
        self.wait_size(5)
        self.assertFalse(self.signal('up')['accepted'])
        self.wait_size(5)
        self.assertEqual(before, self.row())
        self.assertEqual(events, self.stack_events())
        self.assertParentUnchanged()


class TestMemberStackStatusCrashes(ASTestBase):
    """A converger that dies (or loses its lease) mid-update, on SQLite
    with the converger's hooks."""

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.useFixture(engine_fixture._Override(
            cfg.CONF, 'converge_batch_size', 2, group='autoscaling'))
        self.addCleanup(setattr, converger, 'before_batch', None)
        self.gid = self.group(desired=0)
        self.settle(self.gid)
        # only the test converges from here on
        self.fx.service.as_engine.cast_converge = lambda c, g: None

    def state(self):
        row = db_api.stack_get(None, self.gid, 'p1')
        return '%s_%s' % (row.action, row.status), row.status_reason

    def kill_at_batch(self, engine_id, batches):
        seen = []

        class Killed(BaseException):
            pass

        def hook(group_id, batch):
            seen.append(self.state())
            if len(seen) == batches:
                raise Killed()
        converger.before_batch = hook
        self.assertRaises(Killed, converger.converge, ctx(), self.gid,
                          engine_id)
        converger.before_batch = None
        return seen

    def test_next_converger_ends_a_dead_ones_update(self):
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=6)
        self.kill_at_batch('dead', 2)
        self.assertEqual(('UPDATE_IN_PROGRESS', 'Stack UPDATE started'),
                         self.state())
        converger.expire_lease_for_tests(self.gid)
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), self.gid, 'other'))
        self.assert_consistent(self.gid, 6)
        self.assertEqual(('UPDATE_COMPLETE',
                          'Stack UPDATE completed successfully'),
                         self.state())

    def test_update_left_in_progress_with_nothing_to_do(self):
        # the converger died after its last batch, before the end
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=2)
        converger.converge(ctx(), self.gid, 'e1')
        db_api.stack_update(None, self.gid, 'p1', {
            'action': 'UPDATE', 'status': 'IN_PROGRESS',
            'status_reason': 'Stack UPDATE started'})
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), self.gid, 'e2'))
        self.assertEqual(('UPDATE_COMPLETE',
                          'Stack UPDATE completed successfully'),
                         self.state())

    def test_a_fenced_out_converger_writes_no_state(self):
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=2)
        converger.converge(ctx(), self.gid, 'e1')
        before = db_api.stack_get(None, self.gid, 'p1').updated_at
        stale = converger.Converger(ctx(), self.gid, 'paused')
        self.assertTrue(stale._acquire())
        g = db_api.scaling_group_get(None, self.gid, None)
        converger.expire_lease_for_tests(self.gid)
        self.assertTrue(converger.Converger(ctx(), self.gid,
                                            'other')._acquire())
        self.assertRaises(exception.LeaseLost, stale._stack_state, g,
                          'IN_PROGRESS', 'Stack UPDATE started')
        self.assertEqual(('UPDATE_COMPLETE',
                          'Stack UPDATE completed successfully'),
                         self.state())
        self.assertEqual(before,
                         db_api.stack_get(None, self.gid, 'p1').updated_at)

    def test_stale_stack_reset_leaves_member_stack_to_its_converger(self):
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=4)
        self.kill_at_batch('dead', 2)
        self.assertEqual('UPDATE_IN_PROGRESS', self.state()[0])
        # the engines' reset of stacks left IN_PROGRESS passes it by
        self.assertEqual([], stack_lock.take_over(
            self.gid, 'p1', None, 'other'))
        self.fx.service.reset_stale_stacks()
        self.assertEqual('UPDATE_IN_PROGRESS', self.state()[0])
        rows = db_api.resource_get_all_by_stack(None, self.gid)
        self.assertNotIn('FAILED', [r.status for r in rows])
        converger.expire_lease_for_tests(self.gid)
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), self.gid, 'other'))
        self.assertEqual('UPDATE_COMPLETE', self.state()[0])
        self.assert_consistent(self.gid, 4)


class TestSuspendedGroup(ASTestBase):
    """A suspended group whose member stack a convergence updated
    meanwhile (UPDATE_COMPLETE, no longer SUSPEND_COMPLETE) is still
    resumed: the group's ``suspended`` says so, not the stack's action."""

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def test_resume_after_an_update_while_suspended(self):
        gid = self.group(desired=1)
        self.settle(gid)
        self.rpc.suspend_scaling_group(self.ctx, gid)
        row = db_api.stack_get(None, gid, 'p1')
        self.assertEqual(('SUSPEND', 'COMPLETE'), (row.action, row.status))
        # what a convergence while suspended leaves
        db_api.stack_update(None, gid, 'p1', {
            'action': 'UPDATE', 'status': 'COMPLETE',
            'status_reason': 'Stack UPDATE completed successfully'})
        self.rpc.resume_scaling_group(self.ctx, gid)
        row = db_api.stack_get(None, gid, 'p1')
        self.assertEqual(('RESUME', 'COMPLETE'), (row.action, row.status))
        states = {(r.action, r.status)
                  for r in db_api.resource_get_all_by_stack(None, gid)}
        self.assertEqual({('RESUME', 'COMPLETE')}, states)
