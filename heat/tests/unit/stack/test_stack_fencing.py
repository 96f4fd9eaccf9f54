"""A stack's action is fenced by its lock (heat.engine.stack_lock,
"Fencing"): an engine whose lock was taken over (it was paused, another
engine marked its action FAILED) can neither write the stack's state
nor free a lock taken again since. On SQLite, MariaDB and PostgreSQL
(the servers' copies skip when they do not answer)."""

import types

from heat.common import context, exception, template_format
from heat.db import api as db_api
from heat.engine import stack as stack_mod
from heat.engine import stack_lock, template
from heat.tests import db_fixtures

ONE = '''
heat_template_version: 2016-10-14
resources:
  none:
    type: OS::Heat::None
'''


@db_fixtures.for_each_backend
class TestStackFencing(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(project_id='p1', user_id='u1')
        tmpl = template.Template.create(template_format.parse(ONE))
        self.stack = stack_mod.Stack(self.ctx, 'fenced', tmpl)
        self.stack.store()

    def take(self, engine):
        lock = stack_lock.StackLock(self.ctx, self.stack.id, engine)
        lock.acquire()
        return lock

    def events(self):
        return [(e.resource_action, e.resource_status) for e in
                db_api.event_get_all_by_stack(self.ctx, self.stack.id, 'p1')
                if e.resource_name == 'fenced']

    def test_taken_over_action_cannot_write_the_stack(self):
        lock = self.take('engine-a')
        self.stack.set_lock_fence(lock.fence)
        self.stack.state_set('CREATE', 'IN_PROGRESS', 'started')
        # engine-a has no heartbeat (no service row): dead to engine-b,
        # which marks the action FAILED and frees the lock
        self.assertEqual([self.stack.id], stack_lock.take_over(
            self.stack.id, 'p1', 'engine-a', 'engine-b'))
        # engine-a resumes: its final write is refused, and logged
        exc = self.assertRaises(exception.StackLockLost,
                                self.stack.state_set, 'CREATE', 'COMPLETE',
                                'done')
        self.assertIn('engine-a', str(exc))
        row = db_api.stack_get(self.ctx, self.stack.id, 'p1')
        self.assertEqual(('CREATE', 'FAILED',
                          'Engine went down during stack CREATE'),
                         (row.action, row.status, row.status_reason))
        self.assertNotIn(('CREATE', 'COMPLETE'), self.events())
        # nor can it rewrite the stack row
        self.assertRaises(exception.StackLockLost, self.stack.store)

    def test_a_new_holder_is_fenced_from_the_old_one(self):
        old = self.take('engine-a')
        self.stack.set_lock_fence(old.fence)
        stack_lock.take_over(self.stack.id, 'p1', 'engine-a', 'engine-b')
        # engine-b starts the next action
        new = self.take('engine-b')
        self.assertRaises(exception.StackLockLost, self.stack.state_set,
                          'UPDATE', 'COMPLETE', 'stale')
        fresh = stack_mod.Stack.load(self.ctx, self.stack.id)
        fresh.set_lock_fence(new.fence)
        fresh.state_set('UPDATE', 'IN_PROGRESS', 'new holder')
        self.assertEqual('IN_PROGRESS', db_api.stack_get(
            self.ctx, self.stack.id, 'p1').status)

    def test_stale_release_keeps_a_lock_taken_again(self):
        old = self.take('engine-a')
        stack_lock.take_over(self.stack.id, 'p1', 'engine-a', 'engine-b')
        # the same engine takes the stack again for a new action...
        new = self.take('engine-a')
        # ...and the stale action's release frees nothing
        self.assertFalse(old.release())
        self.assertEqual('engine-a', db_api.stack_lock_get_engine_id(
            self.ctx, self.stack.id))
        self.assertTrue(new.release())
        self.assertIsNone(db_api.stack_lock_get_engine_id(
            self.ctx, self.stack.id))

    def test_holder_writes_while_it_holds_the_lock(self):
        lock = self.take('engine-a')
        self.stack.set_lock_fence(lock.fence)
        self.stack.state_set('CREATE', 'COMPLETE', 'done')
        self.stack.store()
        self.assertEqual('COMPLETE', db_api.stack_get(
            self.ctx, self.stack.id, 'p1').status)
        self.assertIn(('CREATE', 'COMPLETE'), self.events())

    def test_nested_stacks_write_under_their_root_lock(self):
        lock = self.take('engine-a')
        self.stack.set_lock_fence(lock.fence)
        nested = types.SimpleNamespace(
            _lock_fence=None,
            parent_resource=types.SimpleNamespace(stack=self.stack))
        self.assertEqual(lock.fence,
                         stack_mod.Stack.lock_fence(nested))
        orphan = types.SimpleNamespace(_lock_fence=None,
                                       parent_resource=None)
        self.assertIsNone(stack_mod.Stack.lock_fence(orphan))

    def test_taken_over_action_cannot_write_its_resources(self):
        lock = self.take('engine-a')
        self.stack.set_lock_fence(lock.fence)
        self.stack.state_set('CREATE', 'IN_PROGRESS', 'started')
        res = self.stack.resources['none']
        res.state_set('CREATE', 'IN_PROGRESS', 'creating')
        stack_lock.take_over(self.stack.id, 'p1', 'engine-a', 'engine-b')
        self.assertRaises(exception.StackLockLost, res.state_set,
                          'CREATE', 'COMPLETE', 'created')
        row = db_api.resource_get(self.ctx, res.id)
        self.assertEqual(('CREATE', 'FAILED',
                          'Engine went down during stack CREATE'),
                         (row.action, row.status, row.status_reason))
        # and no event of the refused write
        self.assertNotIn('created', [
            e.resource_status_reason for e in db_api.event_get_all_by_stack(
                self.ctx, self.stack.id, 'p1')])


NESTED = '''
heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 1
      resource_def:
        type: OS::Heat::TestResource
        properties:
          action_wait_secs:
            create: 30
'''


class TestNestedStackIdSavedAtOnce(db_fixtures.DBTestCase):
    """A stack resource's nested stack id is in its row while the nested
    stack is being created, not only with its final state."""

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def test_id_is_stored_before_the_nested_create_ends(self):
        import threading
        import time
        ctx = context.RequestContext(project_id='p1', user_id='u1')
        tmpl = template.Template.create(template_format.parse(NESTED))
        stack = stack_mod.Stack(ctx, 'outer', tmpl)
        stack.store()
        worker = threading.Thread(target=stack.create, daemon=True)
        worker.start()
        self.addCleanup(worker.join, 60)
        self.addCleanup(stack.cancel, False)
        deadline = time.monotonic() + 20
        row = None
        while time.monotonic() < deadline:
            rows = db_api.resource_get_all_by_stack(ctx, stack.id)
            children = db_api.stack_get_children(ctx, stack.id, 'p1')
            if rows and children:
                row = rows[0]
                break
            time.sleep(0.02)
        self.assertIsNotNone(row, 'the nested stack was never stored')
        time.sleep(0.2)
        row = db_api.resource_get_all_by_stack(ctx, stack.id)[0]
        self.assertEqual(('CREATE', 'IN_PROGRESS'), (row.action,
                                                     row.status))
        self.assertEqual(children[0].id, row.nova_instance)
