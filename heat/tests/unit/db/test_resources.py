"""Resources: compare-and-swap updates, data (with redaction), properties."""

import threading

from heat.common import exception
from heat.db import api as db_api
from heat.tests import db_fixtures
from heat.tests.unit.db import utils
from heat.tests.unit.db.utils import OTHER_PROJECT, PROJECT


@db_fixtures.for_each_backend
class TestResourceUpdateCAS(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.stack = utils.create_stack()
        self.rsrc = utils.create_resource(self.stack)

    def key(self):
        return db_api.resource_get(None, self.rsrc.id).atomic_key

    def test_new_resource_is_unheld_with_key_zero(self):
        got = db_api.resource_get(None, self.rsrc.id)
        self.assertEqual((None, 0), (got.engine_id, got.atomic_key))
        self.assertEqual(36, len(got.uuid))

    def test_update_with_current_key_wins_and_bumps_key(self):
        self.assertTrue(db_api.resource_update(
            None, self.rsrc.id, {'status': 'IN_PROGRESS'}, atomic_key=0))
        got = db_api.resource_get(None, self.rsrc.id)
        self.assertEqual(('IN_PROGRESS', 1), (got.status, got.atomic_key))

    def test_update_with_stale_key_loses_and_changes_nothing(self):
        db_api.resource_update(None, self.rsrc.id, {'status': 'A'}, 0)
        self.assertFalse(db_api.resource_update(
            None, self.rsrc.id, {'status': 'B'}, atomic_key=0))
        got = db_api.resource_get(None, self.rsrc.id)
        self.assertEqual(('A', 1), (got.status, got.atomic_key))

    def test_take_then_only_holder_may_update(self):
        self.assertTrue(db_api.resource_update(
            None, self.rsrc.id, {'engine_id': 'e1'}, 0))
        # Right key, wrong engine: refused.
        self.assertFalse(db_api.resource_update(
            None, self.rsrc.id, {'status': 'X'}, 1,
            expected_engine_id='e2'))
        # Right key, nobody expected, but e1 holds it: refused.
        self.assertFalse(db_api.resource_update(
            None, self.rsrc.id, {'status': 'X'}, 1))
        self.assertTrue(db_api.resource_update(
            None, self.rsrc.id, {'status': 'X', 'engine_id': None}, 1,
            expected_engine_id='e1'))
        got = db_api.resource_get(None, self.rsrc.id)
        self.assertEqual(('X', None, 2),
                         (got.status, got.engine_id, got.atomic_key))

    def test_two_engines_racing_for_one_key_exactly_one_wins(self):
        results = [db_api.resource_update(None, self.rsrc.id,
                                          {'engine_id': engine}, 0)
                   for engine in ('e1', 'e2')]
        self.assertEqual([True, False], results)
        self.assertEqual('e1', db_api.resource_get(None,
                                                   self.rsrc.id).engine_id)

    def test_concurrent_updates_with_one_key_have_one_winner(self):
        n = 6
        barrier = threading.Barrier(n)
        results = [None] * n

        def take(i):
            barrier.wait()
            results[i] = db_api.resource_update(
                None, self.rsrc.id, {'engine_id': 'e%d' % i}, 0)

        threads = [threading.Thread(target=take, args=(i,))
                   for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(1, results.count(True), results)
        got = db_api.resource_get(None, self.rsrc.id)
        self.assertEqual(('e%d' % results.index(True), 1),
                         (got.engine_id, got.atomic_key))

    def test_atomic_key_cannot_be_set_directly(self):
        self.assertRaises(KeyError, db_api.resource_update, None,
                          self.rsrc.id, {'atomic_key': 7}, 0)

    def test_update_of_missing_resource_loses(self):
        self.assertFalse(db_api.resource_update(None, 987654, {}, 0))

    def test_json_columns_round_trip(self):
        db_api.resource_update(None, self.rsrc.id, {
            'rsrc_metadata': {'m': [1, {'x': None}]},
            'requires': [3, 4], 'needed_by': [],
            'properties_data': {'p': 'v'}}, 0)
        got = db_api.resource_get(None, self.rsrc.id)
        self.assertEqual(({'m': [1, {'x': None}]}, [3, 4], [], {'p': 'v'}),
                         (got.rsrc_metadata, got.requires, got.needed_by,
                          got.properties_data))

    def test_replaces_and_replaced_by(self):
        new = utils.create_resource(self.stack, replaces=self.rsrc.id)
        db_api.resource_update_and_save(None, self.rsrc.id,
                                        {'replaced_by': new.id})
        self.assertEqual(new.id, db_api.resource_get(
            None, self.rsrc.id).replaced_by)
        self.assertEqual(self.rsrc.id, db_api.resource_get(
            None, new.id).replaces)


@db_fixtures.for_each_backend
class TestResourceQueries(db_fixtures.DBTestCase):

    def test_all_by_stack_in_creation_order(self):
        stack = utils.create_stack()
        other = utils.create_stack('other')
        names = ['a', 'c', 'b']
        for name in names:
            utils.create_resource(stack, name)
        utils.create_resource(other, 'z')
        self.assertEqual(names, [r.name for r in
                                 db_api.resource_get_all_by_stack(
                                     None, stack.id)])
        self.assertEqual(['c'], [r.name for r in
                                 db_api.resource_get_all_by_stack(
                                     None, stack.id, {'name': 'c'})])
        self.assertRaises(ValueError, db_api.resource_get_all_by_stack,
                          None, stack.id, {'bogus': 1})

    def test_get_by_name_and_uuid(self):
        stack = utils.create_stack()
        rsrc = utils.create_resource(stack, 'web')
        self.assertEqual(rsrc.id, db_api.resource_get_by_name_and_stack(
            None, 'web', stack.id).id)
        self.assertEqual(rsrc.id, db_api.resource_get_by_uuid(
            None, rsrc.uuid).id)
        self.assertRaises(exception.EntityNotFound,
                          db_api.resource_get_by_uuid, None, 'nope')

    def test_physical_id_lookup_is_project_scoped(self):
        stack = utils.create_stack()
        utils.create_resource(stack, nova_instance='phys-1')
        self.assertIsNotNone(db_api.resource_get_by_physical_resource_id(
            None, 'phys-1', PROJECT))
        self.assertIsNone(db_api.resource_get_by_physical_resource_id(
            None, 'phys-1', OTHER_PROJECT))

    def test_count_total_resources_of_a_tree(self):
        root = utils.create_stack('root')
        child = utils.create_stack('child', owner_id=root.id,
                                   nested_depth=1)
        utils.create_resource(root, 'a')
        utils.create_resource(child, 'b', root_stack_id=root.id)
        utils.create_resource(child, 'c', root_stack_id=root.id)
        self.assertEqual(3, db_api.stack_count_total_resources(None,
                                                               root.id))
        self.assertEqual(3, len(db_api.resource_get_all_by_root_stack(
            None, root.id)))

    def test_delete_removes_data_and_unshared_property_rows(self):
        stack = utils.create_stack()
        props = db_api.resource_prop_data_create(None, {'p': 1})
        shared = db_api.resource_prop_data_create(None, {'s': 1})
        rsrc = utils.create_resource(stack, rsrc_prop_data_id=props.id,
                                     attr_data_id=shared.id)
        db_api.event_create(None, {'stack_id': stack.id,
                                   'rsrc_prop_data_id': shared.id})
        db_api.resource_data_set(None, rsrc.id, 'k', 'v')
        db_api.resource_delete(None, rsrc.id)
        counts = self.count_rows()
        self.assertNotIn('resource', counts)
        self.assertNotIn('resource_data', counts)
        self.assertEqual(1, counts['resource_properties_data'])
        self.assertEqual({'s': 1}, db_api.resource_prop_data_get(
            None, shared.id).data)

    def test_deleting_a_stack_row_cascades_to_resources(self):
        # The ON DELETE CASCADE of the schema, checked on each backend
        # (SQLite only enforces it with foreign_keys=ON).
        stack = utils.create_stack()
        rsrc = utils.create_resource(stack)
        db_api.resource_data_set(None, rsrc.id, 'k', 'v')
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "DELETE FROM stack WHERE id = '%s'" % stack.id)
        counts = self.count_rows()
        self.assertNotIn('resource', counts)
        self.assertNotIn('resource_data', counts)

    def test_resource_of_unknown_stack_is_refused(self):
        from oslo_db import exception as db_exc
        self.assertRaises(db_exc.DBReferenceError, db_api.resource_create,
                          None, {'name': 'r', 'stack_id': 'no-such-stack'})


@db_fixtures.for_each_backend
class TestResourceData(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.rsrc = utils.create_resource(utils.create_stack())

    def test_set_and_get(self):
        db_api.resource_data_set(None, self.rsrc.id, 'url', 'http://x')
        self.assertEqual('http://x', db_api.resource_data_get(
            None, self.rsrc.id, 'url'))

    def test_set_replaces_value(self):
        db_api.resource_data_set(None, self.rsrc.id, 'k', 'one')
        db_api.resource_data_set(None, self.rsrc.id, 'k', 'two')
        self.assertEqual({'k': 'two'}, db_api.resource_data_get_all(
            None, self.rsrc.id))
        self.assertEqual(1, self.count_rows()['resource_data'])

    def test_listing_masks_redacted_values(self):
        db_api.resource_data_set(None, self.rsrc.id, 'plain', 'visible')
        db_api.resource_data_set(None, self.rsrc.id, 'password', 's3cret',
                                 redact=True)
        listing = db_api.resource_data_get_all(None, self.rsrc.id)
        self.assertEqual({'plain': 'visible', 'password': db_api.REDACTED},
                         listing)
        self.assertNotIn('s3cret', repr(listing))

    def test_engine_can_reveal_redacted_values(self):
        db_api.resource_data_set(None, self.rsrc.id, 'password', 's3cret',
                                 redact=True)
        self.assertEqual({'password': 's3cret'}, db_api.resource_data_get_all(
            None, self.rsrc.id, reveal_redacted=True))
        self.assertEqual('s3cret', db_api.resource_data_get(
            None, self.rsrc.id, 'password'))

    def test_unredacting_a_key_shows_it_again(self):
        db_api.resource_data_set(None, self.rsrc.id, 'k', 'a', redact=True)
        db_api.resource_data_set(None, self.rsrc.id, 'k', 'b')
        self.assertEqual({'k': 'b'}, db_api.resource_data_get_all(
            None, self.rsrc.id))

    def test_delete(self):
        db_api.resource_data_set(None, self.rsrc.id, 'k', 'v')
        db_api.resource_data_delete(None, self.rsrc.id, 'k')
        self.assertRaises(exception.EntityNotFound, db_api.resource_data_get,
                          None, self.rsrc.id, 'k')
        self.assertRaises(exception.EntityNotFound,
                          db_api.resource_data_delete, None, self.rsrc.id,
                          'k')

    def test_keys_are_per_resource(self):
        other = utils.create_resource(utils.create_stack('other'))
        db_api.resource_data_set(None, self.rsrc.id, 'k', 'mine')
        db_api.resource_data_set(None, other.id, 'k', 'theirs')
        self.assertEqual('mine', db_api.resource_data_get(
            None, self.rsrc.id, 'k'))


@db_fixtures.for_each_backend
class TestSyncPoints(db_fixtures.DBTestCase):

    def test_input_data_cas(self):
        stack = utils.create_stack()
        db_api.sync_point_create(None, {
            'entity_id': 'r1', 'traversal_id': 't1', 'is_update': True,
            'stack_id': stack.id, 'input_data': {}})
        self.assertTrue(db_api.sync_point_update_input_data(
            None, 'r1', 't1', True, 0, {'a': 1}))
        self.assertFalse(db_api.sync_point_update_input_data(
            None, 'r1', 't1', True, 0, {'b': 2}))
        sp = db_api.sync_point_get(None, 'r1', 't1', True)
        self.assertEqual(({'a': 1}, 1), (sp.input_data, sp.atomic_key))
        self.assertRaises(exception.EntityNotFound, db_api.sync_point_get,
                          None, 'r1', 't1', False)
        delete = db_api.sync_point_delete_all_by_stack_and_traversal
        self.assertEqual(1, delete(None, stack.id, 't1'))
