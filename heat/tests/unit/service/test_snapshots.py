"""Stack snapshots through EngineService on real databases: taking,
listing, showing, restoring and deleting them, and what is refused.

Every test runs on a SQLite file, MariaDB and PostgreSQL (the servers'
copies skip when they do not answer).
"""

import fixtures

from heat.common import context, exception
from heat.db import api as db_api
from heat.engine import rsrc_defn, service, stack_lock
from heat.engine import stack as stack_mod
from heat.engine.resources.openstack.heat import test_resource
from heat.tests import db_fixtures

WAIT = 60

TEMPLATE = '''
heat_template_version: 2016-10-14
parameters:
  label:
    type: string
    default: one
resources:
  rand:
    type: OS::Heat::RandomString
    properties:
      length: 12
  gone:
    type: OS::Heat::RandomString
    properties:
      length: 6
  res:
    type: OS::Heat::TestResource
    properties:
      value: {get_param: label}
outputs:
  rand:
    value: {get_attr: [rand, value]}
'''

#: TEMPLATE after an update: ``gone`` removed, ``added`` added, the
#: label changed
UPDATED = '''
heat_template_version: 2016-10-14
parameters:
  label:
    type: string
    default: two
resources:
  rand:
    type: OS::Heat::RandomString
    properties:
      length: 12
  added:
    type: OS::Heat::RandomString
    properties:
      length: 4
  res:
    type: OS::Heat::TestResource
    properties:
      value: {get_param: label}
outputs:
  rand:
    value: {get_attr: [rand, value]}
'''

SLOW = '''
heat_template_version: 2016-10-14
resources:
  slow:
    type: OS::Heat::TestResource
    properties:
      value: a
      action_wait_secs:
        # short: a cancel without rollback lets it finish (as upstream)
        create: 3
'''

ISO_TIME = r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'


def ctx(project='p1'):
    return context.RequestContext(project_id=project, user_id='u1',
                                  user_name='user1')


@db_fixtures.for_each_backend
class TestSnapshots(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.svc = service.EngineService(engine_id='engine-a')
        self.addCleanup(self.svc.stop, WAIT)
        self.ctx = ctx()

    # -- helpers -----------------------------------------------------------

    def create(self, name='s1', tmpl=TEMPLATE, wait=True, cnxt=None):
        ident = self.svc.create_stack(cnxt or self.ctx, name, tmpl, {}, {},
                                      {'timeout_mins': 5})
        if wait:
            self.wait(ident)
        return ident

    def wait(self, ident):
        self.assertTrue(self.svc.wait(ident, WAIT),
                        'stack action did not finish in %s s' % WAIT)

    def state(self, ident):
        info = self.svc.show_stack(self.ctx, ident, resolve_outputs=False)[0]
        return ('%s_%s' % (info['stack_action'], info['stack_status']),
                info['stack_status_reason'])

    def physical_ids(self, ident):
        return {r['resource_name']: r['physical_resource_id'] for r in
                self.svc.list_stack_resources(self.ctx, ident)}

    def rand_value(self, ident):
        outs = self.svc.show_stack(self.ctx, ident)[0]['outputs']
        return {o['output_key']: o['output_value'] for o in outs}['rand']

    def patch_test_resource(self, name, fn):
        self.useFixture(fixtures.MockPatchObject(
            test_resource.TestResource, name, fn, create=True))

    # -- taking, listing, showing ------------------------------------------

    def test_snapshot_is_complete_with_the_stack_data(self):
        ident = self.create()
        snap = self.svc.stack_snapshot(self.ctx, ident, 'snap1')
        self.assertEqual({'id', 'name', 'status', 'status_reason', 'data',
                          'creation_time'}, set(snap))
        self.assertEqual(('snap1', 'COMPLETE'),
                         (snap['name'], snap['status']))
        self.assertEqual('Stack SNAPSHOT completed successfully',
                         snap['status_reason'])
        self.assertRegex(snap['creation_time'], ISO_TIME)
        data = snap['data']
        self.assertEqual(ident['stack_id'], data['id'])
        self.assertEqual('COMPLETE', data['status'])
        self.assertEqual({'rand', 'gone', 'res'}, set(data['resources']))
        self.assertEqual(self.physical_ids(ident)['rand'],
                         data['resources']['rand']['resource_id'])
        self.assertEqual(self.svc.get_template(self.ctx, ident),
                         data['template'])

    def test_snapshot_data_masks_secret_resource_data(self):
        # a reader may show a snapshot; only a member may export secrets
        ident = self.create()
        snap = self.svc.stack_snapshot(self.ctx, ident, 'snap1')
        self.assertEqual({'value': db_api.REDACTED},
                         snap['data']['resources']['rand']['resource_data'])
        self.assertEqual(12, len(self.svc.export_stack(
            self.ctx, ident)['resources']['rand']['resource_data'][
            'value']))
        self.assertEqual({'value': 'one'},
                         snap['data']['resources']['res']['resource_data'])

    def test_snapshot_is_a_stack_action_with_events(self):
        ident = self.create()
        self.svc.stack_snapshot(self.ctx, ident, None)
        self.assertEqual(('SNAPSHOT_COMPLETE',
                          'Stack SNAPSHOT completed successfully'),
                         self.state(ident))
        events = self.svc.list_events(self.ctx, ident,
                                      filters={'resource_name': 's1'})
        self.assertEqual([('SNAPSHOT', 'IN_PROGRESS'),
                          ('SNAPSHOT', 'COMPLETE')],
                         [(e['resource_action'], e['resource_status'])
                          for e in events][-2:])
        for res in self.svc.list_stack_resources(self.ctx, ident):
            self.assertEqual(('SNAPSHOT', 'COMPLETE'),
                             (res['resource_action'],
                              res['resource_status']))

    def test_list_is_oldest_first_and_show_finds_one(self):
        ident = self.create()
        first = self.svc.stack_snapshot(self.ctx, ident, 'a')
        second = self.svc.stack_snapshot(self.ctx, ident, 'b')
        listed = self.svc.stack_list_snapshots(self.ctx, ident)
        self.assertEqual(['a', 'b'], [s['name'] for s in listed])
        self.assertEqual([first, second], listed)
        self.assertEqual(second, self.svc.show_snapshot(self.ctx, ident,
                                                        second['id']))

    def test_taking_a_snapshot_leaves_no_resource_marked_abandoned(self):
        ident = self.create()
        stack = stack_mod.Stack.load(self.ctx, ident['stack_id'])
        stack.snapshot_data()
        self.assertEqual([False] * 3, [r.abandon_in_progress for r in
                                       stack.resources.values()])

    def test_handle_snapshot_failure_makes_the_snapshot_failed(self):
        def handle_snapshot(rsrc):
            raise ValueError('no room')
        self.patch_test_resource('handle_snapshot', handle_snapshot)
        ident = self.create()
        snap = self.svc.stack_snapshot(self.ctx, ident, 'bad')
        self.assertEqual('FAILED', snap['status'])
        self.assertIn('no room', snap['status_reason'])
        self.assertEqual('SNAPSHOT_FAILED', self.state(ident)[0])
        err = self.assertRaises(exception.NotSupported,
                                self.svc.stack_restore, self.ctx, ident,
                                snap['id'])
        self.assertEqual('Restoring a snapshot whose status is FAILED is '
                         'not supported.', str(err))

    # -- restoring ---------------------------------------------------------

    def test_restore_brings_back_the_snapshot(self):
        ident = self.create()
        value = self.rand_value(ident)
        before = self.physical_ids(ident)
        snap = self.svc.stack_snapshot(self.ctx, ident, 'snap1')
        self.svc.update_stack(self.ctx, ident, UPDATED, {}, {},
                              {'timeout_mins': 5})
        self.wait(ident)
        self.assertEqual({'rand', 'added', 'res'},
                         set(self.physical_ids(ident)))

        self.assertIsNone(self.svc.stack_restore(self.ctx, ident,
                                                 snap['id']))
        self.wait(ident)
        self.assertEqual(('RESTORE_COMPLETE', 'Stack successfully restored'),
                         self.state(ident))
        after = self.physical_ids(ident)
        # the unchanged resource keeps its physical resource and data
        self.assertEqual(before['rand'], after['rand'])
        self.assertEqual(value, self.rand_value(ident))
        # the one deleted since is back, the one added since is gone
        self.assertEqual({'rand', 'gone', 'res'}, set(after))
        self.assertEqual(snap['data']['template'],
                         self.svc.get_template(self.ctx, ident))
        self.assertEqual('one', self.svc.describe_stack_resource(
            self.ctx, ident, 'res')['attributes']['output'])

    def test_restore_lets_a_type_change_its_definition(self):
        seen = []

        def handle_restore(rsrc, defn, data):
            seen.append((defn.name, data['resource_id']))
            return rsrc_defn.ResourceDefinition(
                defn.name, defn.resource_type,
                properties={'value': 'restored'})
        self.patch_test_resource('handle_restore', handle_restore)
        ident = self.create()
        physical = self.physical_ids(ident)['res']
        snap = self.svc.stack_snapshot(self.ctx, ident, 'snap1')
        self.svc.stack_restore(self.ctx, ident, snap['id'])
        self.wait(ident)
        self.assertEqual('RESTORE_COMPLETE', self.state(ident)[0])
        self.assertEqual([('res', physical)], seen)
        self.assertEqual({'value': 'restored'}, self.svc.get_template(
            self.ctx, ident)['resources']['res']['properties'])

    # -- deleting ----------------------------------------------------------

    def test_delete_calls_handle_delete_snapshot_then_forgets_it(self):
        seen = []
        self.patch_test_resource(
            'handle_delete_snapshot',
            lambda rsrc, data: seen.append((rsrc.name, data['name'])))
        ident = self.create()
        snap = self.svc.stack_snapshot(self.ctx, ident, 'snap1')
        self.assertIsNone(self.svc.delete_snapshot(self.ctx, ident,
                                                   snap['id']))
        self.assertEqual([('res', 'res')], seen)
        self.assertEqual([], self.svc.stack_list_snapshots(self.ctx, ident))
        err = self.assertRaises(exception.NotFound, self.svc.show_snapshot,
                                self.ctx, ident, snap['id'])
        self.assertEqual('Snapshot with id %s not found' % snap['id'],
                         str(err))

    def test_deleting_the_stack_deletes_its_snapshots(self):
        ident = self.create()
        snap = self.svc.stack_snapshot(self.ctx, ident, 'snap1')
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertRaises(exception.NotFound, db_api.snapshot_get, None,
                          snap['id'], 'p1')

    # -- refusals ----------------------------------------------------------

    def test_stack_in_progress_is_refused(self):
        ident = self.create(tmpl=SLOW, wait=False)
        err = self.assertRaises(exception.ActionInProgress,
                                self.svc.stack_snapshot, self.ctx, ident,
                                'x')
        self.assertEqual('Stack s1 already has an action (CREATE) in '
                         'progress.', str(err))
        self.svc.stack_cancel_update(self.ctx, ident,
                                     cancel_with_rollback=False)
        self.wait(ident)
        self.assertEqual([], self.svc.stack_list_snapshots(self.ctx, ident))

    def test_a_held_stack_lock_refuses_a_snapshot(self):
        # the lock, not only the stored status, keeps two actions apart
        ident = self.create()
        lock = stack_lock.StackLock(self.ctx, ident['stack_id'],
                                    self.svc.engine_id)
        with lock.held():
            self.assertRaises(exception.ActionInProgress,
                              self.svc.stack_snapshot, self.ctx, ident, 'x')
        self.assertEqual([], self.svc.stack_list_snapshots(self.ctx, ident))

    def test_another_stacks_snapshot_is_not_found(self):
        one = self.create('s1')
        two = self.create('s2')
        snap = self.svc.stack_snapshot(self.ctx, one, 'snap1')
        for call in (self.svc.show_snapshot, self.svc.stack_restore,
                     self.svc.delete_snapshot):
            err = self.assertRaises(exception.SnapshotNotFound, call,
                                    self.ctx, two, snap['id'])
            self.assertEqual('The Snapshot (%s) for Stack (s2) could not be '
                             'found.' % snap['id'], str(err))
        self.assertEqual([snap], self.svc.stack_list_snapshots(self.ctx,
                                                               one))

    def test_unknown_snapshot_is_not_found(self):
        ident = self.create()
        for call in (self.svc.show_snapshot, self.svc.stack_restore,
                     self.svc.delete_snapshot):
            err = self.assertRaises(exception.NotFound, call, self.ctx,
                                    ident, 'nope')
            self.assertEqual('Snapshot with id nope not found', str(err))

    def test_another_projects_stack_and_snapshot_are_not_found(self):
        ident = self.create()
        snap = self.svc.stack_snapshot(self.ctx, ident, 'snap1')
        p2 = ctx('p2')
        for call, args in (
                (self.svc.stack_snapshot, ('x',)),
                (self.svc.stack_list_snapshots, ()),
                (self.svc.show_snapshot, (snap['id'],)),
                (self.svc.stack_restore, (snap['id'],)),
                (self.svc.delete_snapshot, (snap['id'],))):
            self.assertRaises(exception.StackNotFound, call, p2, ident,
                              *args)
        # nor is a snapshot of p1 through a stack of p2
        other = self.create('s2', cnxt=p2)
        self.assertRaises(exception.NotFound, self.svc.show_snapshot, p2,
                          other, snap['id'])
        self.assertEqual([snap], self.svc.stack_list_snapshots(self.ctx,
                                                               ident))
