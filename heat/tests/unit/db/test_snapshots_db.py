"""Stack snapshots in the database: project scoping, the stack they
belong to, their order, and that they go with their stack."""

import datetime

from heat.common import exception
from heat.db import api as db_api
from heat.db.models import utcnow
from heat.tests import db_fixtures
from heat.tests.unit.db import utils
from heat.tests.unit.db.utils import OTHER_PROJECT, PROJECT


def create_snapshot(stack, name='snap', **values):
    values.update(stack_id=stack.id, tenant=stack.tenant, name=name)
    values.setdefault('status', 'IN_PROGRESS')
    return db_api.snapshot_create(None, values)


@db_fixtures.for_each_backend
class TestSnapshots(db_fixtures.DBTestCase):

    def test_data_round_trips_and_times_are_set(self):
        stack = utils.create_stack()
        snap = create_snapshot(stack, data={'resources': {'r': [1, None]}})
        got = db_api.snapshot_get(None, snap.id, PROJECT)
        self.assertEqual({'resources': {'r': [1, None]}}, got.data)
        self.assertEqual(stack.id, got.stack_id)
        self.assertIsNotNone(got.created_at)

    def test_another_projects_snapshot_is_not_found(self):
        snap = create_snapshot(utils.create_stack())
        err = self.assertRaises(exception.NotFound, db_api.snapshot_get,
                                None, snap.id, OTHER_PROJECT)
        self.assertEqual('Snapshot with id %s not found' % snap.id,
                         str(err))
        self.assertRaises(exception.NotFound, db_api.snapshot_update, None,
                          snap.id, {'status': 'COMPLETE'}, OTHER_PROJECT)
        self.assertRaises(exception.NotFound, db_api.snapshot_delete, None,
                          snap.id, OTHER_PROJECT)
        self.assertEqual([], db_api.snapshot_get_all(None, snap.stack_id,
                                                     OTHER_PROJECT))
        self.assertEqual('IN_PROGRESS', db_api.snapshot_get(
            None, snap.id, PROJECT).status)

    def test_another_stacks_snapshot_is_snapshot_not_found(self):
        one = utils.create_stack('one')
        two = utils.create_stack('two')
        snap = create_snapshot(one)
        self.assertEqual(snap.id, db_api.snapshot_get_by_stack(
            None, snap.id, one, PROJECT).id)
        err = self.assertRaises(exception.SnapshotNotFound,
                                db_api.snapshot_get_by_stack, None,
                                snap.id, two, PROJECT)
        self.assertEqual('The Snapshot (%s) for Stack (two) could not be '
                         'found.' % snap.id, str(err))

    def test_listing_is_oldest_first_and_per_stack(self):
        stack = utils.create_stack()
        start = utcnow()
        names = ['c', 'a', 'b']
        for i, name in enumerate(names):
            create_snapshot(stack, name,
                            created_at=start + datetime.timedelta(seconds=i))
        create_snapshot(utils.create_stack('other'), 'elsewhere')
        self.assertEqual(names, [s.name for s in db_api.snapshot_get_all(
            None, stack.id, PROJECT)])

    def test_update_sets_status_but_not_the_owner(self):
        snap = create_snapshot(utils.create_stack())
        got = db_api.snapshot_update(None, snap.id, {
            'status': 'COMPLETE', 'status_reason': 'done',
            'data': {'a': 1}}, PROJECT)
        self.assertEqual(('COMPLETE', 'done', {'a': 1}),
                         (got.status, got.status_reason, got.data))
        for column in ('stack_id', 'tenant', 'id'):
            self.assertRaises(KeyError, db_api.snapshot_update, None,
                              snap.id, {column: 'x'}, PROJECT)

    def test_delete(self):
        snap = create_snapshot(utils.create_stack())
        db_api.snapshot_delete(None, snap.id, PROJECT)
        self.assertRaises(exception.NotFound, db_api.snapshot_get, None,
                          snap.id, PROJECT)

    def test_deleting_the_stack_deletes_its_snapshots(self):
        stack = utils.create_stack()
        other = utils.create_stack('other')
        create_snapshot(stack)
        kept = create_snapshot(other)
        self.assertTrue(db_api.stack_delete(None, stack.id, PROJECT))
        self.assertEqual([], db_api.snapshot_get_all(None, stack.id,
                                                     PROJECT))
        self.assertEqual([kept.id], [s.id for s in db_api.snapshot_get_all(
            None, other.id, PROJECT)])

    def test_purge_removes_the_stack_with_its_snapshots(self):
        stack = utils.create_stack()
        create_snapshot(stack)
        deleted = datetime.datetime(2026, 1, 1)
        # a stack row marked deleted with a snapshot row left (written
        # before the soft delete existed): purge still removes both
        db_api.stack_update(None, stack.id, PROJECT, {'deleted_at': deleted})
        self.assertEqual(1, db_api.purge_deleted(
            None, datetime.timedelta(days=1),
            now=deleted + datetime.timedelta(days=2)))
        self.assertEqual(0, self.count_rows().get('snapshot', 0))
