"""Stacks whose action an engine's death interrupted end FAILED, without
a restart of any engine.

A dead engine is a ``service`` row whose heartbeat is old (or no row at
all) holding a stack's lock; a live engine's periodic look
(``EngineService.reset_dead_engine_stacks``) takes the lock over, marks
the stack tree's IN_PROGRESS stacks and resources FAILED ("Engine went
down during stack <ACTION>") with their events, and releases the lock.
Every test runs on a SQLite file, MariaDB and PostgreSQL (the servers'
copies skip when they do not answer).
"""

import datetime
import threading
import time
from unittest import mock

from heat.common import config, context, exception
from heat.db import api as db_api
from heat.db.models import utcnow
from heat.engine import service, stack_lock
from heat.tests import db_fixtures

WAIT = 60
REASON = 'Engine went down during stack %s'

GROUP = '''
heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 2
      resource_def:
        type: OS::Heat::RandomString
        properties:
          length: 10
'''

ONE = '''
heat_template_version: 2016-10-14
resources:
  none:
    type: OS::Heat::None
'''


def ctx(project='p1'):
    return context.RequestContext(project_id=project, user_id='u1',
                                  user_name='user1')


@db_fixtures.for_each_backend
class TestDeadEngineStacks(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        # No periodic look of its own: the tests call it.
        self.svc = service.EngineService(engine_id='engine-live',
                                         stale_check_interval=3600)
        self.addCleanup(self.svc.stop, WAIT)
        self.ctx = ctx()

    # -- helpers -----------------------------------------------------------

    def create(self, name, tmpl=GROUP):
        ident = self.svc.create_stack(self.ctx, name, tmpl, {}, {},
                                      {'timeout_mins': 5})
        self.assertTrue(self.svc.wait(ident, WAIT))
        return ident

    def service_row(self, engine_id, age=0):
        """A service row whose last heartbeat is ``age`` seconds old."""
        db_api.service_create(None, {'engine_id': engine_id},
                              now=utcnow() - datetime.timedelta(seconds=age))

    def interrupted(self, ident, holder, action='CREATE'):
        """Leave the stack as ``holder`` dying during ``action`` would:
        the tree and one resource of each stack IN_PROGRESS, the root's
        lock held. Returns the ids of the tree's stacks."""
        ids = [ident['stack_id']] + [
            s.id for s in db_api.stack_get_children(
                None, ident['stack_id'], 'p1')]
        for sid in ids:
            db_api.stack_update(None, sid, 'p1', {'action': action,
                                                  'status': 'IN_PROGRESS'})
            rsrc = db_api.resource_get_all_by_stack(None, sid)[0]
            db_api.resource_update_and_save(None, rsrc.id, {
                'action': action, 'status': 'IN_PROGRESS'})
        self.assertIsNone(db_api.stack_lock_create(None, ids[0], holder))
        return ids

    def stack_state(self, sid):
        row = db_api.stack_get(None, sid, 'p1')
        return (row.action, row.status, row.status_reason)

    def resource_states(self, sid):
        return [(r.action, r.status, r.status_reason)
                for r in db_api.resource_get_all_by_stack(None, sid)]

    def failed_events(self, sid):
        return [(e.resource_name, e.resource_action, e.resource_status,
                 e.resource_status_reason)
                for e in db_api.event_get_all_by_stack(None, sid, 'p1')
                if e.resource_status == 'FAILED']

    # -- the periodic look -------------------------------------------------

    def test_dead_engines_tree_is_failed_with_events_and_unlocked(self):
        ident = self.create('s1')
        self.service_row('engine-dead', age=3600)
        root, nested = self.interrupted(ident, 'engine-dead')
        self.assertEqual({root: [root, nested]},
                         self.svc.reset_dead_engine_stacks())
        for sid in (root, nested):
            self.assertEqual(('CREATE', 'FAILED', REASON % 'CREATE'),
                             self.stack_state(sid))
            self.assertIn(('CREATE', 'FAILED', REASON % 'CREATE'),
                          self.resource_states(sid))
            self.assertNotIn('IN_PROGRESS',
                             [s for _, s, _ in self.resource_states(sid)])
        stack_name = db_api.stack_get(None, root, 'p1').name
        group = db_api.resource_get_all_by_stack(None, root)[0]
        self.assertEqual(
            sorted([(stack_name, 'CREATE', 'FAILED', REASON % 'CREATE'),
                    (group.name, 'CREATE', 'FAILED', REASON % 'CREATE')]),
            sorted(self.failed_events(root)))
        self.assertIsNone(db_api.stack_lock_get_engine_id(None, root))

    def test_the_unrecorded_nested_stack_of_a_stack_resource_is_named(self):
        # The dead engine had not written the group's physical id (it
        # rides on the final state write): the takeover names the nested
        # stack, so that a delete removes it too.
        ident = self.create('s1')
        self.service_row('engine-dead', age=3600)
        root, nested = self.interrupted(ident, 'engine-dead')
        group = db_api.resource_get_all_by_stack(None, root)[0]
        db_api.resource_update_and_save(None, group.id,
                                        {'nova_instance': None})
        self.svc.reset_dead_engine_stacks()
        self.assertEqual(nested, db_api.resource_get(None,
                                                     group.id).nova_instance)
        self.svc.delete_stack(self.ctx, ident)
        self.assertTrue(self.svc.wait(ident, WAIT))
        self.assertIsNone(db_api.stack_get(None, nested, 'p1'))

    def test_a_reset_stack_can_be_updated_and_deleted(self):
        ident = self.create('s1', ONE)
        self.service_row('engine-dead', age=3600)
        self.interrupted(ident, 'engine-dead', action='UPDATE')
        self.svc.reset_dead_engine_stacks()
        self.svc.update_stack(self.ctx, ident, ONE, {}, {}, {})
        self.assertTrue(self.svc.wait(ident, WAIT))
        self.assertEqual('UPDATE', self.stack_state(ident['stack_id'])[0])
        self.assertEqual('COMPLETE', self.stack_state(ident['stack_id'])[1])
        self.svc.delete_stack(self.ctx, ident)
        self.assertTrue(self.svc.wait(ident, WAIT))
        row = db_api.stack_get(None, ident['stack_id'], 'p1',
                               show_deleted=True)
        self.assertEqual(('DELETE', 'COMPLETE'), (row.action, row.status))

    def test_a_lock_whose_holder_has_no_service_row_is_taken_over(self):
        ident = self.create('s1', ONE)
        root, = self.interrupted(ident, 'engine-never-registered')
        self.assertEqual({root: [root]}, self.svc.reset_dead_engine_stacks())
        self.assertEqual('FAILED', self.stack_state(root)[1])

    def test_live_holders_stack_is_left_alone(self):
        ident = self.create('s1')
        self.service_row('engine-busy')
        root, nested = self.interrupted(ident, 'engine-busy',
                                        action='UPDATE')
        self.assertEqual({}, self.svc.reset_dead_engine_stacks())
        for sid in (root, nested):
            self.assertEqual('IN_PROGRESS', self.stack_state(sid)[1])
            self.assertEqual([], self.failed_events(sid))
        self.assertEqual('engine-busy',
                         db_api.stack_lock_get_engine_id(None, root))

    def test_in_progress_stack_with_a_free_lock_is_left_alone(self):
        # Not a crash's leftover (a crash leaves its lock behind): only
        # the start-time reset touches it.
        ident = self.create('s1', ONE)
        root, = self.interrupted(ident, 'engine-dead')
        db_api.stack_lock_release(None, root, 'engine-dead')
        self.assertEqual({}, self.svc.reset_dead_engine_stacks())
        self.assertEqual('IN_PROGRESS', self.stack_state(root)[1])

    def test_nested_stack_locked_by_a_live_engine_is_left_alone(self):
        ident = self.create('s1')
        self.service_row('engine-dead', age=3600)
        self.service_row('engine-busy')
        root, nested = self.interrupted(ident, 'engine-dead')
        self.assertIsNone(db_api.stack_lock_create(None, nested,
                                                   'engine-busy'))
        self.assertEqual({root: [root]}, self.svc.reset_dead_engine_stacks())
        self.assertEqual('FAILED', self.stack_state(root)[1])
        self.assertEqual('IN_PROGRESS', self.stack_state(nested)[1])

    def test_engine_with_a_late_heartbeat_takes_nothing_over(self):
        # It may be the engine the others think dead.
        ident = self.create('s1', ONE)
        root, = self.interrupted(ident, 'engine-never-registered')
        self.svc._last_beat = time.monotonic() - 3600
        self.assertEqual({}, self.svc.reset_dead_engine_stacks())
        self.assertEqual('IN_PROGRESS', self.stack_state(root)[1])

    def test_a_failed_takeover_writes_nothing_and_is_retried(self):
        ident = self.create('s1', ONE)
        root, = self.interrupted(ident, 'engine-dead')
        with mock.patch.object(stack_lock, '_fail_resources',
                               side_effect=RuntimeError('db gone')):
            with self.assertLogs('heat.engine.stack_lock', 'ERROR'):
                self.assertEqual({}, self.svc.reset_dead_engine_stacks())
        self.assertEqual('IN_PROGRESS', self.stack_state(root)[1])
        self.assertEqual([], self.failed_events(root))
        self.assertEqual('engine-dead',
                         db_api.stack_lock_get_engine_id(None, root))
        self.assertEqual({root: [root]}, self.svc.reset_dead_engine_stacks())
        self.assertEqual('FAILED', self.stack_state(root)[1])

    def test_engines_looking_at_once_reset_the_stack_once(self):
        ident = self.create('s1')
        self.service_row('engine-dead', age=3600)
        root, nested = self.interrupted(ident, 'engine-dead')
        engines = ['engine-%d' % i for i in range(4)]
        for engine_id in engines:
            self.service_row(engine_id)
        barrier = threading.Barrier(len(engines))
        results, errors = {}, []

        def look(engine_id):
            barrier.wait(10)
            try:
                results[engine_id] = stack_lock.take_over_dead_locks(
                    engine_id)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=look, args=(e,))
                   for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
        self.assertEqual([], errors)
        winners = [e for e, taken in results.items() if taken]
        self.assertEqual(1, len(winners), results)
        self.assertEqual({root: [root, nested]}, results[winners[0]])
        for sid in (root, nested):
            stack_events = [e for e in self.failed_events(sid)
                            if e[0] == db_api.stack_get(
                                None, sid, 'p1').name]
            self.assertEqual(1, len(stack_events), stack_events)
        self.assertIsNone(db_api.stack_lock_get_engine_id(None, root))

    def test_the_engine_looks_periodically_without_a_restart(self):
        ident = self.create('s1', ONE)
        root, = self.interrupted(ident, 'engine-dead')
        looking = service.EngineService(engine_id='engine-looking',
                                        report_interval=0.1,
                                        stale_check_interval=0.2)
        self.addCleanup(looking.stop, WAIT)
        deadline = time.monotonic() + 30
        while self.stack_state(root)[1] == 'IN_PROGRESS' and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(('CREATE', 'FAILED', REASON % 'CREATE'),
                         self.stack_state(root))

    # -- a new action on a stack whose lock a dead engine holds ------------

    def test_an_action_takes_a_dead_engines_lock_over(self):
        ident = self.create('s1', ONE)
        self.service_row('engine-dead', age=3600)
        self.assertIsNone(db_api.stack_lock_create(
            None, ident['stack_id'], 'engine-dead'))
        self.svc.update_stack(self.ctx, ident, ONE, {}, {}, {})
        self.assertTrue(self.svc.wait(ident, WAIT))
        self.assertEqual(('UPDATE', 'COMPLETE'),
                         self.stack_state(ident['stack_id'])[:2])
        self.assertIsNone(db_api.stack_lock_get_engine_id(
            None, ident['stack_id']))

    def test_an_action_on_a_live_engines_stack_is_refused(self):
        ident = self.create('s1', ONE)
        self.service_row('engine-busy')
        self.assertIsNone(db_api.stack_lock_create(
            None, ident['stack_id'], 'engine-busy'))
        self.assertRaises(exception.ActionInProgress, self.svc.update_stack,
                          self.ctx, ident, ONE, {}, {}, {})

    # -- the start-time reset ----------------------------------------------

    def test_start_resets_dead_free_and_own_locks_with_resources(self):
        dead = self.create('dead', ONE)
        free = self.create('free', ONE)
        own = self.create('own', ONE)
        busy = self.create('busy', ONE)
        self.service_row('engine-busy')
        dead_id, = self.interrupted(dead, 'engine-dead')
        free_id, = self.interrupted(free, 'engine-x')
        db_api.stack_lock_release(None, free_id, 'engine-x')
        own_id, = self.interrupted(own, 'engine-restarted')
        busy_id, = self.interrupted(busy, 'engine-busy')
        restarted = service.EngineService(engine_id='engine-restarted',
                                          stale_check_interval=3600)
        self.addCleanup(restarted.stop, WAIT)
        for sid in (dead_id, free_id, own_id):
            self.assertEqual(('CREATE', 'FAILED', REASON % 'CREATE'),
                             self.stack_state(sid))
            self.assertEqual([('CREATE', 'FAILED', REASON % 'CREATE')],
                             self.resource_states(sid))
            self.assertEqual(2, len(self.failed_events(sid)))
            self.assertIsNone(db_api.stack_lock_get_engine_id(None, sid))
        self.assertEqual('IN_PROGRESS', self.stack_state(busy_id)[1])
        self.assertEqual('engine-busy',
                         db_api.stack_lock_get_engine_id(None, busy_id))


@db_fixtures.for_each_backend
class TestLiveness(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        before = db_api.get_dead_after()
        self.addCleanup(db_api.set_dead_after, before)

    def test_dead_after_is_set_in_seconds(self):
        db_api.set_dead_after(7)
        self.assertEqual(datetime.timedelta(seconds=7),
                         db_api.get_dead_after())
        db_api.service_create(None, {'engine_id': 'e1'},
                              now=utcnow() - datetime.timedelta(seconds=10))
        self.assertFalse(db_api.engine_is_alive(None, 'e1'))
        db_api.set_dead_after(60)
        self.assertTrue(db_api.engine_is_alive(None, 'e1'))

    def test_bad_dead_after_is_refused_naming_it(self):
        for bad in (0, -1, 'ten', True, None):
            e = self.assertRaises(ValueError, db_api.set_dead_after, bad)
            self.assertIn(repr(bad), str(e))

    def test_down_time_not_above_report_interval_is_refused(self):
        db_api.set_dead_after(10)
        conf = config.make_conf()
        conf.set_override('report_interval', 10)
        e = self.assertRaises(ValueError, service.EngineService,
                              engine_id='e1', conf=conf)
        self.assertEqual('service_down_time (10.0 s) must be more than '
                         'report_interval (10 s): engines would count as '
                         'dead between two heartbeats', str(e))

    def test_intervals_come_from_the_configuration(self):
        conf = config.make_conf()
        conf.set_override('report_interval', 5)
        svc = service.EngineService(engine_id='e1', conf=conf)
        self.addCleanup(svc.stop, WAIT)
        self.assertEqual((5, 10), (svc.report_interval,
                                   svc.stale_check_interval))

    def test_an_engine_whose_row_was_removed_registers_again(self):
        # heat-manage service clean took it for dead; it is not.
        svc = service.EngineService(engine_id='e1', report_interval=0.05,
                                    stale_check_interval=3600)
        self.addCleanup(svc.stop, WAIT)
        old = svc.service_id
        db_api.service_delete(None, old)
        self.assertFalse(db_api.engine_is_alive(None, 'e1'))
        deadline = time.monotonic() + 30
        while not db_api.engine_is_alive(None, 'e1') and \
                time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertTrue(db_api.engine_is_alive(None, 'e1'))
        self.assertNotEqual(old, svc.service_id)
