"""The auto-scaling tables: groups, leases and fencing, members, policies,
webhooks, activities and idempotency receipts."""

import datetime

from oslo_db import exception as db_exc

from heat.common import exception
from heat.db import api as db_api
from heat.db import models
from heat.tests import db_fixtures
from heat.tests.unit.db import utils
from heat.tests.unit.db.test_locks import race

T0 = datetime.datetime(2026, 5, 1, 12, 0, 0)
SEC = datetime.timedelta(seconds=1)
TTL = 30


class Ctx:
    """A request context: something enginefacade can hang state on."""


def create_group(name='asg', project=utils.PROJECT, **values):
    values.update(name=name, project=project)
    values.setdefault('min_size', 0)
    values.setdefault('max_size', 10)
    values.setdefault('desired_capacity', 2)
    return db_api.scaling_group_create(None, values)


def members(*names, generation=0, status='PENDING'):
    return [{'name': n, 'generation': generation, 'status': status}
            for n in names]


def create_policy(group, name='up', project=utils.PROJECT, **values):
    values.update(group_id=group.id, name=name, project=project)
    values.setdefault('adjustment_type', 'change_in_capacity')
    values.setdefault('scaling_adjustment', 1)
    return db_api.scaling_policy_create(None, values)


def create_activity(group, started_at, context=None, **values):
    values.update(group_id=group.id, project=group.project,
                  started_at=started_at)
    values.setdefault('trigger', 'rpc')
    values.setdefault('from_capacity', 1)
    values.setdefault('to_capacity', 2)
    values.setdefault('status', 'ACCEPTED')
    return db_api.scaling_activity_create(context, values)


@db_fixtures.for_each_backend
class TestScalingGroup(db_fixtures.DBTestCase):

    def test_create_sets_the_defaults(self):
        group = create_group()
        got = db_api.scaling_group_get(None, group.id, utils.PROJECT)
        self.assertEqual(
            (0, 0, 0, 0, False, 'INIT', 'default', 'hot', {}, None, None),
            (got.version, got.converged_version, got.fence, got.generation,
             got.suspended, got.status, got.removal_policy,
             got.template_format, got.definitions, got.lease_engine_id,
             got.lease_expires_at))
        self.assertEqual(36, len(got.id))
        self.assertIsNotNone(got.created_at)

    def test_group_id_is_not_a_stack_reference(self):
        # The id is the member stack's, which may be gone already.
        group = create_group(id='no-such-stack', stack_id='no-such-owner')
        self.assertEqual('no-such-stack', db_api.scaling_group_get(
            None, group.id, None).id)

    def test_values_round_trip(self):
        group = create_group(
            cooldown=60.5, cooldown_end=1777636800.123456,
            definitions={'0': {'type': 'OS::Nova::Server'}},
            rolling_update={'min_in_service': 1, 'max_batch_size': 2,
                            'pause_time': 0.5},
            rolling_generation=1, template_format='cfn')
        got = db_api.scaling_group_get(None, group.id, utils.PROJECT)
        # POSIX times keep sub-second precision (double, not float).
        self.assertEqual(1777636800.123456, got.cooldown_end)
        self.assertEqual(60.5, got.cooldown)
        self.assertEqual({'0': {'type': 'OS::Nova::Server'}},
                         got.definitions)
        self.assertEqual(2, got.rolling_update['max_batch_size'])
        self.assertEqual((1, 'cfn'), (got.rolling_generation,
                                      got.template_format))

    def test_other_project_does_not_find_it(self):
        group = create_group()
        exc = self.assertRaises(exception.EntityNotFound,
                                db_api.scaling_group_get, None, group.id,
                                utils.OTHER_PROJECT)
        self.assertIn('Scaling group', str(exc))
        self.assertIn(group.id, str(exc))
        self.assertIsNone(db_api.scaling_group_get_by_name(
            None, 'asg', utils.OTHER_PROJECT))
        self.assertEqual([], db_api.scaling_group_get_all(
            None, utils.OTHER_PROJECT))

    def test_admin_finds_every_project(self):
        a = create_group(project=utils.PROJECT)
        b = create_group(project=utils.OTHER_PROJECT)
        self.assertEqual(b.id, db_api.scaling_group_get(None, b.id,
                                                        None).id)
        self.assertEqual({a.id, b.id}, {
            g.id for g in db_api.scaling_group_get_all(None, None)})

    def test_missing_group(self):
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_group_get, None, 'nope', None)

    def test_get_by_name(self):
        group = create_group(name='web')
        create_group(name='db')
        self.assertEqual(group.id, db_api.scaling_group_get_by_name(
            None, 'web', utils.PROJECT).id)
        self.assertIsNone(db_api.scaling_group_get_by_name(
            None, 'nope', utils.PROJECT))

    def test_get_all_pages_and_filters_on_stack(self):
        ids = [create_group(name='g%d' % i, stack_id='owner' if i % 2
                            else None, created_at=T0 + i * SEC).id
               for i in range(5)]
        self.assertEqual(ids, [g.id for g in db_api.scaling_group_get_all(
            None, utils.PROJECT)])
        self.assertEqual(ids[:2], [g.id for g in db_api.scaling_group_get_all(
            None, utils.PROJECT, limit=2)])
        self.assertEqual(ids[2:4], [
            g.id for g in db_api.scaling_group_get_all(
                None, utils.PROJECT, limit=2, marker=ids[1])])
        self.assertEqual([ids[1], ids[3]], [
            g.id for g in db_api.scaling_group_get_all(
                None, utils.PROJECT, stack_id='owner')])
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_group_get_all, None,
                          utils.PROJECT, marker='nope')

    def test_update_returns_the_new_row(self):
        group = create_group()
        got = db_api.scaling_group_update(None, group.id, {
            'desired_capacity': 5,
            'version': models.ScalingGroup.version + 1,
            'status': 'CONVERGING'})
        self.assertEqual((5, 1, 'CONVERGING'), (
            got.desired_capacity, got.version, got.status))
        self.assertIsNotNone(got.updated_at)
        self.assertEqual(1, db_api.scaling_group_get(
            None, group.id, None).version)

    def test_update_of_missing_group(self):
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_group_update, None, 'nope',
                          {'status': 'ACTIVE'})
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_group_update, None, 'nope',
                          {'status': 'ACTIVE'}, expected_fence=0)

    def test_update_refuses_unknown_and_id_columns(self):
        group = create_group()
        self.assertRaises(KeyError, db_api.scaling_group_update, None,
                          group.id, {'bogus': 1})
        self.assertRaises(KeyError, db_api.scaling_group_update, None,
                          group.id, {'id': 'x'})

    def test_get_for_update_in_a_transaction(self):
        group = create_group()
        ctx = Ctx()
        with db_api.writer(ctx):
            row = db_api.scaling_group_get(ctx, group.id, utils.PROJECT,
                                           for_update=True)
            db_api.scaling_group_update(ctx, row.id, {
                'desired_capacity': row.desired_capacity + 1})
        self.assertEqual(3, db_api.scaling_group_get(
            None, group.id, None).desired_capacity)
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_group_get, None, group.id,
                          utils.OTHER_PROJECT, for_update=True)

    def test_decision_transaction_rolls_back_as_one(self):
        group = create_group()
        ctx = Ctx()
        try:
            with db_api.writer(ctx):
                db_api.scaling_group_get(ctx, group.id, None,
                                         for_update=True)
                db_api.scaling_group_update(ctx, group.id,
                                            {'desired_capacity': 9})
                act = create_activity(group, T0, context=ctx)
                db_api.scaling_receipt_create(ctx, group.id, 'k', act.id)
                raise RuntimeError('boom')
        except RuntimeError:
            pass
        self.assertEqual(2, db_api.scaling_group_get(
            None, group.id, None).desired_capacity)
        self.assertIsNone(db_api.scaling_receipt_get(None, group.id, 'k'))

    def test_delete_cascades_to_everything_of_the_group(self):
        group = create_group()
        other = create_group(name='other')
        for g in (group, other):
            db_api.scaling_member_create_many(None, g.id,
                                              members('m0', 'm1'))
            policy = create_policy(g)
            db_api.scaling_webhook_create(None, {
                'policy_id': policy.id, 'project': g.project,
                'token_hash': 'h-' + g.id})
            act = create_activity(g, T0)
            db_api.scaling_receipt_create(None, g.id, 'key', act.id)
        before = self.count_rows()
        self.assertTrue(db_api.scaling_group_delete(None, group.id))
        after = self.count_rows()
        self.assertEqual({t: n // 2 for t, n in before.items()}, after)
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_group_get, None, group.id, None)
        self.assertEqual(2, db_api.scaling_member_count(None, other.id))
        self.assertIsNotNone(db_api.scaling_webhook_get_by_token_hash(
            None, 'h-' + other.id))
        self.assertFalse(db_api.scaling_group_delete(None, group.id))


@db_fixtures.for_each_backend
class TestScalingLease(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.gid = create_group().id

    def group(self):
        return db_api.scaling_group_get(None, self.gid, None)

    def acquire(self, engine_id, now=T0, ttl=TTL):
        return db_api.scaling_group_acquire_lease(None, self.gid, engine_id,
                                                  ttl, now=now)

    def test_acquire_free_lease_bumps_fence(self):
        self.assertEqual(1, self.acquire('e1'))
        group = self.group()
        self.assertEqual(('e1', T0 + TTL * SEC, 1), (
            group.lease_engine_id, group.lease_expires_at, group.fence))

    def test_acquire_takes_a_timedelta(self):
        self.acquire('e1', ttl=datetime.timedelta(minutes=1))
        self.assertEqual(T0 + 60 * SEC, self.group().lease_expires_at)

    def test_acquire_default_now_is_current_time(self):
        before = models.utcnow()
        db_api.scaling_group_acquire_lease(None, self.gid, 'e1', TTL)
        expires = self.group().lease_expires_at
        self.assertTrue(before + TTL * SEC <= expires
                        <= models.utcnow() + TTL * SEC, expires)

    def test_live_lease_of_another_engine_is_refused(self):
        self.acquire('e1')
        self.assertIsNone(self.acquire('e2', now=T0 + (TTL - 1) * SEC))
        group = self.group()
        self.assertEqual(('e1', 1), (group.lease_engine_id, group.fence))

    def test_holder_reacquires_with_a_new_fence(self):
        self.assertEqual(1, self.acquire('e1'))
        self.assertEqual(2, self.acquire('e1', now=T0 + SEC))
        # The old fence is dead even for the same engine.
        self.assertFalse(db_api.scaling_group_renew_lease(
            None, self.gid, 'e1', 1, TTL, now=T0 + SEC))

    def test_lease_does_not_touch_updated_at(self):
        before = self.group().updated_at
        fence = self.acquire('e1')
        db_api.scaling_group_renew_lease(None, self.gid, 'e1', fence, TTL)
        db_api.scaling_group_release_lease(None, self.gid, 'e1', fence)
        self.assertEqual(before, self.group().updated_at)

    def test_acquire_of_missing_group(self):
        self.assertIsNone(db_api.scaling_group_acquire_lease(
            None, 'nope', 'e1', TTL, now=T0))

    def test_expired_lease_is_taken_over(self):
        old = self.acquire('e1')
        new = self.acquire('e2', now=T0 + (TTL + 1) * SEC)
        self.assertEqual(old + 1, new)
        self.assertEqual('e2', self.group().lease_engine_id)
        # The old holder can neither renew nor release any more.
        self.assertFalse(db_api.scaling_group_renew_lease(
            None, self.gid, 'e1', old, TTL, now=T0 + (TTL + 2) * SEC))
        self.assertFalse(db_api.scaling_group_release_lease(
            None, self.gid, 'e1', old))
        self.assertEqual(('e2', new), (self.group().lease_engine_id,
                                       self.group().fence))

    def test_renew_extends_the_lease(self):
        fence = self.acquire('e1')
        self.assertTrue(db_api.scaling_group_renew_lease(
            None, self.gid, 'e1', fence, TTL, now=T0 + 20 * SEC))
        self.assertEqual(T0 + (20 + TTL) * SEC,
                         self.group().lease_expires_at)
        # Renewed: no longer expired where the first lease would be.
        self.assertIsNone(self.acquire('e2', now=T0 + (TTL + 1) * SEC))
        self.assertEqual(fence, self.group().fence)

    def test_renew_by_other_engine_or_fence_fails(self):
        fence = self.acquire('e1')
        self.assertFalse(db_api.scaling_group_renew_lease(
            None, self.gid, 'e2', fence, TTL, now=T0))
        self.assertFalse(db_api.scaling_group_renew_lease(
            None, self.gid, 'e1', fence + 1, TTL, now=T0))
        self.assertEqual(T0 + TTL * SEC, self.group().lease_expires_at)

    def test_release_frees_the_lease_and_keeps_the_fence(self):
        fence = self.acquire('e1')
        self.assertTrue(db_api.scaling_group_release_lease(
            None, self.gid, 'e1', fence))
        group = self.group()
        self.assertEqual((None, None, fence), (
            group.lease_engine_id, group.lease_expires_at, group.fence))
        self.assertEqual(fence + 1, self.acquire('e2', now=T0 + SEC))
        self.assertFalse(db_api.scaling_group_release_lease(
            None, self.gid, 'e1', fence))

    def test_release_by_another_engine_is_refused(self):
        fence = self.acquire('e1')
        self.assertFalse(db_api.scaling_group_release_lease(
            None, self.gid, 'e2', fence))
        self.assertEqual('e1', self.group().lease_engine_id)

    def test_update_with_stale_fence_raises_lease_lost(self):
        old = self.acquire('e1')
        self.assertEqual(5, db_api.scaling_group_update(
            None, self.gid, {'desired_capacity': 5},
            expected_fence=old).desired_capacity)
        new = self.acquire('e2', now=T0 + (TTL + 1) * SEC)
        exc = self.assertRaises(
            exception.LeaseLost, db_api.scaling_group_update, None,
            self.gid, {'desired_capacity': 7}, expected_fence=old)
        self.assertIn('fencing token %d is stale' % old, str(exc))
        self.assertEqual(5, self.group().desired_capacity)
        self.assertEqual(7, db_api.scaling_group_update(
            None, self.gid, {'desired_capacity': 7},
            expected_fence=new).desired_capacity)

    def test_member_writes_with_stale_fence_raise_lease_lost(self):
        old = self.acquire('e1')
        db_api.scaling_member_create_many(None, self.gid, members('m0'),
                                          expected_fence=old)
        self.acquire('e2', now=T0 + (TTL + 1) * SEC)
        self.assertRaises(exception.LeaseLost,
                          db_api.scaling_member_create_many, None,
                          self.gid, members('m1'), expected_fence=old)
        self.assertRaises(exception.LeaseLost,
                          db_api.scaling_member_update, None, self.gid,
                          ['m0'], {'status': 'ACTIVE'},
                          expected_fence=old)
        self.assertRaises(exception.LeaseLost,
                          db_api.scaling_member_delete, None, self.gid,
                          ['m0'], expected_fence=old)
        rows = db_api.scaling_member_get_all(None, self.gid)
        self.assertEqual([('m0', 'PENDING')],
                         [(m.name, m.status) for m in rows])

    def test_member_writes_of_a_missing_group_with_a_fence(self):
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_member_update, None, 'nope',
                          ['m0'], {'status': 'ACTIVE'}, expected_fence=1)

    def test_concurrent_acquire_has_one_winner(self):
        results = race(6, lambda i: self.acquire('e%d' % i))
        winners = [r for r in results if r is not None]
        self.assertEqual([1], winners, results)
        holder = 'e%d' % results.index(1)
        self.assertEqual((holder, 1), (self.group().lease_engine_id,
                                       self.group().fence))

    def test_concurrent_takeover_of_expired_lease_has_one_winner(self):
        self.acquire('dead')
        later = T0 + (TTL + 1) * SEC
        results = race(6, lambda i: self.acquire('e%d' % i, now=later))
        self.assertEqual([2], [r for r in results if r is not None],
                         results)
        self.assertEqual('e%d' % results.index(2),
                         self.group().lease_engine_id)

    def test_fenced_write_racing_a_takeover(self):
        # However they interleave, a write under the old fence either
        # lands before the takeover or is refused; never after it.
        old = self.acquire('e1')
        later = T0 + (TTL + 1) * SEC

        def run(i):
            if i == 0:
                return self.acquire('e2', now=later)
            try:
                db_api.scaling_member_create_many(
                    None, self.gid, members('m%d' % i), expected_fence=old)
                return 'written'
            except exception.LeaseLost:
                return 'lost'

        results = race(5, run)
        self.assertEqual(old + 1, results[0])
        written = results.count('written')
        self.assertEqual(written, db_api.scaling_member_count(None,
                                                              self.gid))
        self.assertRaises(exception.LeaseLost,
                          db_api.scaling_member_create_many, None,
                          self.gid, members('late'), expected_fence=old)


@db_fixtures.for_each_backend
class TestNeedingConvergence(db_fixtures.DBTestCase):

    def make(self, name, t, **values):
        values.setdefault('created_at', T0 + t * SEC)
        return create_group(name=name, **values).id

    def test_selection(self):
        now = T0 + 100 * SEC
        behind = self.make('behind', 1, version=2, converged_version=1,
                           status='ACTIVE')
        converging = self.make('converging', 2, version=1,
                               converged_version=1, status='CONVERGING')
        deleting = self.make('deleting', 3, version=1, converged_version=1,
                             status='DELETING')
        expired = self.make('expired', 4, version=1, status='CONVERGING',
                            lease_engine_id='dead',
                            lease_expires_at=now - SEC)
        other_project = self.make('other', 5, version=1,
                                  project=utils.OTHER_PROJECT)
        # Not selected:
        self.make('done', 6, version=3, converged_version=3,
                  status='ACTIVE')
        self.make('leased', 7, version=1, status='CONVERGING',
                  lease_engine_id='e1', lease_expires_at=now + SEC)
        self.make('failed', 8, version=2, converged_version=1,
                  status='FAILED')
        self.make('init', 9)
        got = db_api.scaling_group_needing_convergence(None, now=now)
        self.assertEqual([behind, converging, deleting, expired,
                          other_project], [g.id for g in got])
        self.assertEqual([behind, converging], [
            g.id for g in db_api.scaling_group_needing_convergence(
                None, now=now, limit=2)])

    def test_longest_waiting_first(self):
        a = self.make('a', 1, version=1)
        b = self.make('b', 2, version=1)
        db_api.scaling_group_update(None, a, {'updated_at': T0 + 10 * SEC})
        self.assertEqual([b, a], [
            g.id for g in db_api.scaling_group_needing_convergence(
                None, now=T0 + 20 * SEC)])

    def test_default_now(self):
        gid = self.make('g', 1, version=1)
        db_api.scaling_group_acquire_lease(None, gid, 'e1', 3600)
        self.assertEqual([], db_api.scaling_group_needing_convergence(None))


@db_fixtures.for_each_backend
class TestScalingMembers(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.gid = create_group().id

    def names(self, **kw):
        return [m.name for m in db_api.scaling_member_get_all(
            None, self.gid, **kw)]

    def test_create_many_and_read_back(self):
        self.assertEqual(3, db_api.scaling_member_create_many(
            None, self.gid, members('b', 'c', 'a', generation=1)))
        rows = db_api.scaling_member_get_all(None, self.gid)
        # One creation time: the tie goes by name.
        self.assertEqual(['a', 'b', 'c'], [m.name for m in rows])
        self.assertEqual({(1, 'PENDING', False)}, {
            (m.generation, m.status, m.protected) for m in rows})
        self.assertEqual(1, len({m.created_at for m in rows}))

    def test_older_batches_come_first(self):
        db_api.scaling_member_create_many(None, self.gid, members('z'))
        db_api.scaling_member_create_many(None, self.gid, members('a'))
        self.assertEqual(['z', 'a'], self.names())

    def test_create_many_of_nothing(self):
        self.assertEqual(0, db_api.scaling_member_create_many(
            None, self.gid, []))
        self.assertEqual([], self.names())

    def test_duplicate_name_is_refused(self):
        db_api.scaling_member_create_many(None, self.gid, members('a'))
        self.assertRaises(db_exc.DBDuplicateEntry,
                          db_api.scaling_member_create_many, None,
                          self.gid, members('b', 'a'))
        self.assertEqual(['a'], self.names())
        # Another group may use the name.
        other = create_group(name='other').id
        db_api.scaling_member_create_many(None, other, members('a'))
        self.assertEqual(1, db_api.scaling_member_count(None, other))

    def test_unknown_member_key_is_refused(self):
        self.assertRaises(KeyError, db_api.scaling_member_create_many,
                          None, self.gid, [{'name': 'a', 'generation': 0,
                                            'status': 'PENDING',
                                            'bogus': 1}])

    def test_statuses_filter_and_count(self):
        db_api.scaling_member_create_many(None, self.gid, members('a', 'b'))
        db_api.scaling_member_create_many(None, self.gid,
                                          members('c', status='FAILED'))
        db_api.scaling_member_create_many(None, self.gid,
                                          members('d', status='REMOVING'))
        self.assertEqual(['c', 'd'],
                         self.names(statuses=['FAILED', 'REMOVING']))
        self.assertEqual(4, db_api.scaling_member_count(None, self.gid))
        self.assertEqual(2, db_api.scaling_member_count(
            None, self.gid, statuses=['PENDING']))
        self.assertEqual(0, db_api.scaling_member_count(
            None, self.gid, statuses=[]))

    def test_update_by_names(self):
        db_api.scaling_member_create_many(None, self.gid,
                                          members('a', 'b', 'c'))
        self.assertEqual(2, db_api.scaling_member_update(
            None, self.gid, ['a', 'c', 'ghost'],
            {'status': 'ACTIVE', 'generation': 3}))
        got = {m.name: (m.status, m.generation, m.updated_at is not None)
               for m in db_api.scaling_member_get_all(None, self.gid)}
        self.assertEqual({'a': ('ACTIVE', 3, True),
                          'b': ('PENDING', 0, False),
                          'c': ('ACTIVE', 3, True)}, got)
        self.assertRaises(KeyError, db_api.scaling_member_update, None,
                          self.gid, ['a'], {'name': 'x'})

    def test_delete_by_names(self):
        db_api.scaling_member_create_many(None, self.gid,
                                          members('a', 'b', 'c'))
        self.assertEqual(2, db_api.scaling_member_delete(
            None, self.gid, ['a', 'b', 'ghost']))
        self.assertEqual(['c'], self.names())

    def test_writes_touch_only_their_group(self):
        other = create_group(name='other').id
        db_api.scaling_member_create_many(None, self.gid, members('a'))
        db_api.scaling_member_create_many(None, other, members('a'))
        db_api.scaling_member_update(None, self.gid, ['a'],
                                     {'status': 'ACTIVE'})
        db_api.scaling_member_delete(None, self.gid, ['a'])
        self.assertEqual(['PENDING'], [
            m.status for m in db_api.scaling_member_get_all(None, other)])

    def test_many_names_go_in_chunks(self):
        names = ['m%04d' % i for i in range(1203)]
        db_api.scaling_member_create_many(None, self.gid, members(*names))
        self.assertEqual(1203, db_api.scaling_member_count(None, self.gid))
        self.assertEqual(1100, db_api.scaling_member_update(
            None, self.gid, names[:1100], {'status': 'ACTIVE'}))
        self.assertEqual(1100, db_api.scaling_member_count(
            None, self.gid, statuses=['ACTIVE']))
        self.assertEqual(1200, db_api.scaling_member_delete(
            None, self.gid, names[3:]))
        self.assertEqual(names[:3], self.names())

    def test_writes_with_current_fence(self):
        fence = db_api.scaling_group_acquire_lease(None, self.gid, 'e1',
                                                   TTL, now=T0)
        db_api.scaling_member_create_many(None, self.gid, members('a', 'b'),
                                          expected_fence=fence)
        self.assertEqual(1, db_api.scaling_member_update(
            None, self.gid, ['a'], {'status': 'ACTIVE'},
            expected_fence=fence))
        self.assertEqual(1, db_api.scaling_member_delete(
            None, self.gid, ['b'], expected_fence=fence))
        self.assertEqual(['ACTIVE'], [
            m.status for m in db_api.scaling_member_get_all(None,
                                                            self.gid)])

    def test_fence_zero_before_any_lease(self):
        # A fence of 0 is a real value, not "no fence".
        db_api.scaling_member_create_many(None, self.gid, members('a'),
                                          expected_fence=0)
        self.assertRaises(exception.LeaseLost,
                          db_api.scaling_member_create_many, None,
                          self.gid, members('b'), expected_fence=1)
        self.assertEqual(['a'], self.names())


@db_fixtures.for_each_backend
class TestScalingPolicies(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.group = create_group()

    def test_crud(self):
        policy = create_policy(self.group, min_adjustment_step=2,
                               cooldown=30.5, params={'x': 1})
        got = db_api.scaling_policy_get(None, policy.id, utils.PROJECT)
        self.assertEqual(('up', 'simple', 'change_in_capacity', 1.0, 2,
                          30.5, {'x': 1}),
                         (got.name, got.kind, got.adjustment_type,
                          got.scaling_adjustment, got.min_adjustment_step,
                          got.cooldown, got.params))
        updated = db_api.scaling_policy_update(
            None, policy.id, {'scaling_adjustment': -2.5})
        self.assertEqual(-2.5, updated.scaling_adjustment)
        self.assertIsNotNone(updated.updated_at)
        self.assertEqual(-2.5, db_api.scaling_policy_get(
            None, policy.id, None).scaling_adjustment)
        db_api.scaling_policy_delete(None, policy.id)
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_policy_get, None, policy.id, None)
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_policy_delete, None, policy.id)
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_policy_update, None, policy.id,
                          {'name': 'x'})

    def test_project_isolation(self):
        policy = create_policy(self.group)
        exc = self.assertRaises(exception.EntityNotFound,
                                db_api.scaling_policy_get, None, policy.id,
                                utils.OTHER_PROJECT)
        self.assertIn('Scaling policy', str(exc))
        self.assertEqual([], db_api.scaling_policy_get_all(
            None, self.group.id, utils.OTHER_PROJECT))
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_policy_update, None, policy.id,
                          {'name': 'x'}, project=utils.OTHER_PROJECT)
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_policy_delete, None, policy.id,
                          project=utils.OTHER_PROJECT)
        self.assertEqual('up', db_api.scaling_policy_get(
            None, policy.id, utils.PROJECT).name)

    def test_get_all_of_a_group(self):
        up = create_policy(self.group, 'up', created_at=T0)
        down = create_policy(self.group, 'down', created_at=T0 + SEC)
        create_policy(create_group(name='other'), 'up')
        self.assertEqual([up.id, down.id], [
            p.id for p in db_api.scaling_policy_get_all(
                None, self.group.id, utils.PROJECT)])
        self.assertEqual(2, len(db_api.scaling_policy_get_all(
            None, self.group.id, None)))

    def test_delete_takes_its_webhooks(self):
        policy = create_policy(self.group)
        keep = create_policy(self.group, 'down')
        for p in (policy, keep):
            db_api.scaling_webhook_create(None, {
                'policy_id': p.id, 'project': utils.PROJECT,
                'token_hash': 'h-' + p.id})
        db_api.scaling_policy_delete(None, policy.id, utils.PROJECT)
        self.assertEqual({'scaling_group': 1, 'scaling_policy': 1,
                          'scaling_webhook': 1}, self.count_rows())


@db_fixtures.for_each_backend
class TestScalingWebhooks(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.policy = create_policy(create_group())

    def create(self, token_hash='a' * 64, **values):
        values.update(policy_id=self.policy.id, token_hash=token_hash)
        values.setdefault('project', utils.PROJECT)
        return db_api.scaling_webhook_create(None, values)

    def test_lookup_by_token_hash_ignores_project(self):
        hook = self.create(name='hook')
        got = db_api.scaling_webhook_get_by_token_hash(None, 'a' * 64)
        self.assertEqual((hook.id, 'hook', True, self.policy.id),
                         (got.id, got.name, got.enabled, got.policy_id))
        self.assertIsNone(db_api.scaling_webhook_get_by_token_hash(
            None, 'b' * 64))

    def test_token_hash_is_unique(self):
        self.create()
        self.assertRaises(db_exc.DBDuplicateEntry, self.create)

    def test_get_all_and_delete_per_project(self):
        a = self.create('a' * 64, created_at=T0)
        b = self.create('b' * 64, created_at=T0 + SEC)
        self.assertEqual([a.id, b.id], [
            h.id for h in db_api.scaling_webhook_get_all(
                None, self.policy.id, utils.PROJECT)])
        self.assertEqual([], db_api.scaling_webhook_get_all(
            None, self.policy.id, utils.OTHER_PROJECT))
        exc = self.assertRaises(exception.EntityNotFound,
                                db_api.scaling_webhook_delete, None, a.id,
                                utils.OTHER_PROJECT)
        self.assertIn('Webhook', str(exc))
        db_api.scaling_webhook_delete(None, a.id, utils.PROJECT)
        self.assertEqual([b.id], [
            h.id for h in db_api.scaling_webhook_get_all(
                None, self.policy.id, None)])
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_webhook_delete, None, a.id)


@db_fixtures.for_each_backend
class TestScalingActivities(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.group = create_group()

    def test_create_and_update(self):
        act = create_activity(self.group, T0, decision={'accepted': True},
                              idempotency_key='k', engine_id='e1', fence=3)
        self.assertEqual('', act.reason)
        done = db_api.scaling_activity_update(None, act.id, {
            'status': 'COMPLETE', 'finished_at': T0 + SEC,
            'reason': 'grew'})
        self.assertEqual(('COMPLETE', T0 + SEC, 'grew'),
                         (done.status, done.finished_at, done.reason))
        got, = db_api.scaling_activity_get_all(None, self.group.id, None)
        self.assertEqual(({'accepted': True}, 'k', 'e1', 3, 'COMPLETE'),
                         (got.decision, got.idempotency_key, got.engine_id,
                          got.fence, got.status))
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_activity_update, None, 'nope',
                          {'status': 'FAILED'})

    def test_newest_first_with_pages(self):
        ids = [create_activity(self.group, T0 + i * SEC).id
               for i in range(5)]
        newest_first = list(reversed(ids))
        self.assertEqual(newest_first, [
            a.id for a in db_api.scaling_activity_get_all(
                None, self.group.id, utils.PROJECT)])
        page1 = db_api.scaling_activity_get_all(
            None, self.group.id, utils.PROJECT, limit=2)
        page2 = db_api.scaling_activity_get_all(
            None, self.group.id, utils.PROJECT, limit=2,
            marker=page1[-1].id)
        page3 = db_api.scaling_activity_get_all(
            None, self.group.id, utils.PROJECT, limit=2,
            marker=page2[-1].id)
        self.assertEqual(newest_first,
                         [a.id for a in page1 + page2 + page3])
        self.assertEqual(1, len(page3))
        self.assertRaises(exception.EntityNotFound,
                          db_api.scaling_activity_get_all, None,
                          self.group.id, utils.PROJECT, marker='nope')

    def test_same_start_time_pages_without_loss(self):
        ids = {create_activity(self.group, T0).id for _ in range(4)}
        seen, marker = [], None
        while True:
            page = db_api.scaling_activity_get_all(
                None, self.group.id, None, limit=1, marker=marker)
            if not page:
                break
            seen.append(page[0].id)
            marker = page[0].id
        self.assertEqual(4, len(seen))
        self.assertEqual(ids, set(seen))

    def test_project_and_group_isolation(self):
        create_activity(self.group, T0)
        create_activity(create_group(name='other'), T0)
        self.assertEqual(1, len(db_api.scaling_activity_get_all(
            None, self.group.id, utils.PROJECT)))
        self.assertEqual([], db_api.scaling_activity_get_all(
            None, self.group.id, utils.OTHER_PROJECT))


@db_fixtures.for_each_backend
class TestScalingReceipts(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.group = create_group()

    def test_create_and_get(self):
        self.assertIsNone(db_api.scaling_receipt_get(None, self.group.id,
                                                     'k1'))
        db_api.scaling_receipt_create(None, self.group.id, 'k1', 'act-1')
        got = db_api.scaling_receipt_get(None, self.group.id, 'k1')
        self.assertEqual(('k1', 'act-1'), (got.idempotency_key,
                                           got.activity_id))

    def test_repeated_key_is_a_duplicate(self):
        db_api.scaling_receipt_create(None, self.group.id, 'k1', 'act-1')
        self.assertRaises(db_exc.DBDuplicateEntry,
                          db_api.scaling_receipt_create, None,
                          self.group.id, 'k1', 'act-2')
        self.assertEqual('act-1', db_api.scaling_receipt_get(
            None, self.group.id, 'k1').activity_id)

    def test_same_key_in_another_group(self):
        other = create_group(name='other')
        db_api.scaling_receipt_create(None, self.group.id, 'k1', 'act-1')
        db_api.scaling_receipt_create(None, other.id, 'k1', 'act-2')
        self.assertEqual('act-2', db_api.scaling_receipt_get(
            None, other.id, 'k1').activity_id)

    def test_duplicate_keeps_the_callers_transaction_usable(self):
        db_api.scaling_receipt_create(None, self.group.id, 'k1', 'act-1')
        ctx = Ctx()
        with db_api.writer(ctx):
            self.assertRaises(db_exc.DBDuplicateEntry,
                              db_api.scaling_receipt_create, ctx,
                              self.group.id, 'k1', 'act-2')
            db_api.scaling_group_update(ctx, self.group.id,
                                        {'status': 'ACTIVE'})
        self.assertEqual('ACTIVE', db_api.scaling_group_get(
            None, self.group.id, None).status)

    def test_concurrent_repeats_have_one_winner(self):
        def run(i):
            try:
                db_api.scaling_receipt_create(None, self.group.id, 'k',
                                              'act-%d' % i)
                return True
            except db_exc.DBDuplicateEntry:
                return False

        results = race(5, run)
        self.assertEqual(1, results.count(True), results)
        self.assertEqual('act-%d' % results.index(True),
                         db_api.scaling_receipt_get(
                             None, self.group.id, 'k').activity_id)
