"""Events: creation, scoped listing with pagination, explicit purge."""

from heat.common import exception
from heat.db import api as db_api
from heat.tests import db_fixtures
from heat.tests.unit.db import utils
from heat.tests.unit.db.utils import OTHER_PROJECT, PROJECT


@db_fixtures.for_each_backend
class TestEvents(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.stack = utils.create_stack()

    def events(self, n, stack=None, **values):
        stack = stack or self.stack
        return [db_api.event_create(None, dict(
            values, stack_id=stack.id, resource_name='r%d' % i,
            resource_action='CREATE', resource_status='COMPLETE'))
            for i in range(n)]

    def names(self, **kw):
        return [e.resource_name for e in db_api.event_get_all_by_stack(
            None, self.stack.id, PROJECT, **kw)]

    def test_create_fills_uuid_and_time(self):
        event = db_api.event_create(None, {
            'stack_id': self.stack.id, 'resource_name': 'web',
            'resource_type': 'OS::Heat::None',
            'physical_resource_id': 'phys',
            'resource_status_reason': 'state changed'})
        got = db_api.event_get(None, event.uuid, PROJECT)
        self.assertEqual(36, len(got.uuid))
        self.assertIsNotNone(got.created_at)
        self.assertEqual(('web', 'OS::Heat::None', 'phys', 'state changed'),
                         (got.resource_name, got.resource_type,
                          got.physical_resource_id,
                          got.resource_status_reason))

    def test_listing_in_creation_order(self):
        self.events(3)
        self.assertEqual(['r0', 'r1', 'r2'], self.names())
        self.assertEqual(['r2', 'r1', 'r0'], self.names(sort_dir='desc'))

    def test_pagination_with_marker(self):
        created = self.events(5)
        self.assertEqual(['r2', 'r3'],
                         self.names(marker=created[1].uuid, limit=2))

    def test_filters(self):
        self.events(2)
        db_api.event_create(None, {'stack_id': self.stack.id,
                                   'resource_name': 'x',
                                   'resource_status': 'FAILED'})
        self.assertEqual(['x'], self.names(
            filters={'resource_status': 'FAILED'}))
        self.assertEqual(['r0', 'x'], self.names(
            filters={'resource_name': ['r0', 'x']}))

    def test_filter_on_unknown_key_is_refused(self):
        self.assertRaises(ValueError, self.names,
                          filters={'stack_id': 'x'})

    def test_other_project_sees_no_events(self):
        event = self.events(1)[0]
        self.assertEqual([], db_api.event_get_all_by_stack(
            None, self.stack.id, OTHER_PROJECT))
        self.assertEqual(0, db_api.event_count_all_by_stack(
            None, self.stack.id, OTHER_PROJECT))
        self.assertRaises(exception.EntityNotFound, db_api.event_get,
                          None, event.uuid, OTHER_PROJECT)

    def test_events_of_other_stacks_are_not_listed(self):
        self.events(2, stack=utils.create_stack('other'))
        self.assertEqual([], self.names())

    def test_events_of_deleted_stack_stay_listable_until_purge(self):
        self.events(2)
        db_api.stack_delete(None, self.stack.id, PROJECT)
        self.assertEqual(2, db_api.event_count_all_by_stack(
            None, self.stack.id, PROJECT))

    def test_create_does_not_purge(self):
        self.events(30)
        self.assertEqual(30, db_api.event_count_all_by_stack(
            None, self.stack.id, PROJECT))

    def test_purge_keeps_the_newest(self):
        self.events(10)
        self.assertEqual(7, db_api.event_purge(None, self.stack.id, keep=3))
        self.assertEqual(['r7', 'r8', 'r9'], self.names())

    def test_purge_with_fewer_events_than_kept_does_nothing(self):
        self.events(2)
        self.assertEqual(0, db_api.event_purge(None, self.stack.id, keep=5))
        self.assertEqual(2, len(self.names()))

    def test_purge_to_zero(self):
        self.events(3)
        self.assertEqual(3, db_api.event_purge(None, self.stack.id, keep=0))
        self.assertEqual([], self.names())

    def test_purge_is_per_stack(self):
        other = utils.create_stack('other')
        self.events(3, stack=other)
        self.events(3)
        db_api.event_purge(None, self.stack.id, keep=0)
        self.assertEqual(3, db_api.event_count_all_by_stack(
            None, other.id, PROJECT))

    def test_purge_drops_property_rows_only_purged_events_used(self):
        lone = db_api.resource_prop_data_create(None, {'a': 1})
        shared = db_api.resource_prop_data_create(None, {'b': 2})
        utils.create_resource(self.stack, rsrc_prop_data_id=shared.id)
        self.events(1, rsrc_prop_data_id=lone.id)
        self.events(1, rsrc_prop_data_id=shared.id)
        self.events(1)
        db_api.event_purge(None, self.stack.id, keep=1)
        self.assertRaises(exception.EntityNotFound,
                          db_api.resource_prop_data_get, None, lone.id)
        self.assertEqual({'b': 2}, db_api.resource_prop_data_get(
            None, shared.id).data)
