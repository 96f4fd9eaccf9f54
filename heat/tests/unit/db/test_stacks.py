"""Stacks and templates: scoping, listing, CAS update, delete and purge."""

import datetime

import fixtures

from heat.common import exception
from heat.db import api as db_api
from heat.db.models import utcnow
from heat.tests import db_fixtures
from heat.tests.unit.db import utils
from heat.tests.unit.db.utils import OTHER_PROJECT, PROJECT


@db_fixtures.for_each_backend
class TestRawTemplates(db_fixtures.DBTestCase):

    def test_template_round_trips_json(self):
        tmpl = utils.template(description='caf\u00e9 \u2603',
                              outputs={'n': [1, 2.5, None, True]})
        created = utils.create_raw_template(template=tmpl,
                                            environment={'parameters': {}})
        got = db_api.raw_template_get(None, created.id)
        self.assertEqual(tmpl, got.template)
        self.assertEqual({'parameters': {}}, got.environment)

    def test_key_order_is_kept(self):
        tmpl = {'heat_template_version': '2018-08-31',
                'resources': {name: {'type': 'OS::Heat::None'}
                              for name in ('zeta', 'alpha', 'mid')},
                'outputs': {'b': {}, 'a': {}}}
        created = utils.create_raw_template(template=tmpl)
        got = db_api.raw_template_get(None, created.id).template
        self.assertEqual(['heat_template_version', 'resources', 'outputs'],
                         list(got))
        self.assertEqual(['zeta', 'alpha', 'mid'], list(got['resources']))
        self.assertEqual(['b', 'a'], list(got['outputs']))

    def test_four_byte_characters_round_trip(self):
        # utf8mb4 tables and connection on MariaDB (3-byte utf8 would fail).
        tmpl = utils.template(description='rocket \U0001F680')
        created = utils.create_raw_template(template=tmpl)
        self.assertEqual(tmpl,
                         db_api.raw_template_get(None, created.id).template)
        stack = utils.create_stack('st\U0001F680ck')
        self.assertEqual('st\U0001F680ck',
                         db_api.stack_get(None, stack.id, PROJECT).name)

    def test_large_template_is_kept_whole(self):
        # More than TEXT's 64 KiB, which MariaDB would truncate or refuse.
        tmpl = utils.template(description='x' * 200000)
        created = utils.create_raw_template(template=tmpl)
        self.assertEqual(tmpl,
                         db_api.raw_template_get(None, created.id).template)

    def test_files_are_stored_in_their_own_row(self):
        created = utils.create_raw_template(files={'a.yaml': 'x: 1'})
        self.assertIsNotNone(created.files_id)
        self.assertEqual({'a.yaml': 'x: 1'},
                         db_api.raw_template_files_get(
                             None, created.files_id).files)

    def test_missing_template_raises_not_found(self):
        self.assertRaises(exception.EntityNotFound,
                          db_api.raw_template_get, None, 12345)

    def test_update_replaces_template(self):
        created = utils.create_raw_template()
        db_api.raw_template_update(None, created.id,
                                   {'template': {'new': True}})
        self.assertEqual({'new': True},
                         db_api.raw_template_get(None, created.id).template)

    def test_update_with_new_files_drops_unused_old_files(self):
        created = utils.create_raw_template(files={'f': 'old'})
        updated = db_api.raw_template_update(None, created.id,
                                             {'files': {'f': 'new'}})
        self.assertEqual({'f': 'new'}, db_api.raw_template_files_get(
            None, updated.files_id).files)
        self.assertEqual(1, self.count_rows()['raw_template_files'])

    def test_delete_removes_template_and_its_files(self):
        created = utils.create_raw_template(files={'f': 'x'})
        db_api.raw_template_delete(None, created.id)
        self.assertEqual({}, self.count_rows())


@db_fixtures.for_each_backend
class TestStackScoping(db_fixtures.DBTestCase):

    def test_get_in_own_project(self):
        stack = utils.create_stack()
        got = db_api.stack_get(None, stack.id, PROJECT)
        self.assertEqual(stack.id, got.id)
        self.assertEqual(36, len(got.id))

    def test_get_from_other_project_finds_nothing(self):
        stack = utils.create_stack()
        self.assertIsNone(db_api.stack_get(None, stack.id, OTHER_PROJECT))

    def test_get_by_name_is_scoped(self):
        utils.create_stack('web')
        self.assertIsNotNone(db_api.stack_get_by_name(None, 'web', PROJECT))
        self.assertIsNone(db_api.stack_get_by_name(None, 'web',
                                                   OTHER_PROJECT))

    def test_listing_returns_only_own_project(self):
        mine = utils.create_stack('mine')
        utils.create_stack('theirs', project=OTHER_PROJECT)
        self.assertEqual([mine.id],
                         [s.id for s in db_api.stack_get_all(None, PROJECT)])
        self.assertEqual(1, db_api.stack_count_all(None, PROJECT))

    def test_update_from_other_project_changes_nothing(self):
        stack = utils.create_stack()
        self.assertFalse(db_api.stack_update(
            None, stack.id, OTHER_PROJECT, {'status': 'FAILED'}))
        self.assertEqual('IN_PROGRESS',
                         db_api.stack_get(None, stack.id, PROJECT).status)

    def test_delete_from_other_project_deletes_nothing(self):
        stack = utils.create_stack()
        self.assertFalse(db_api.stack_delete(None, stack.id, OTHER_PROJECT))
        self.assertIsNotNone(db_api.stack_get(None, stack.id, PROJECT))

    def test_status_from_other_project_is_not_found(self):
        stack = utils.create_stack()
        self.assertRaises(exception.EntityNotFound, db_api.stack_get_status,
                          None, stack.id, OTHER_PROJECT)

    def test_children_are_scoped(self):
        parent = utils.create_stack('parent')
        utils.create_stack('child', owner_id=parent.id, nested_depth=1)
        self.assertEqual(1, len(db_api.stack_get_children(
            None, parent.id, PROJECT)))
        self.assertEqual([], db_api.stack_get_children(
            None, parent.id, OTHER_PROJECT))

    def test_query_without_project_is_refused(self):
        stack = utils.create_stack()
        for project in (None, ''):
            self.assertRaises(ValueError, db_api.stack_get, None, stack.id,
                              project)
            self.assertRaises(ValueError, db_api.stack_get_all, None,
                              project)

    def test_create_without_project_is_refused(self):
        tmpl = utils.create_raw_template()
        self.assertRaises(ValueError, db_api.stack_create, None,
                          {'name': 's', 'raw_template_id': tmpl.id})


@db_fixtures.for_each_backend
class TestStackFields(db_fixtures.DBTestCase):

    def test_defaults(self):
        stack = db_api.stack_get(None, utils.create_stack().id, PROJECT)
        self.assertEqual(0, stack.nested_depth)
        self.assertTrue(stack.disable_rollback)
        self.assertIsNone(stack.timeout)
        self.assertIsNone(stack.owner_id)
        self.assertIsNone(stack.deleted_at)
        self.assertIsInstance(stack.created_at, datetime.datetime)
        self.assertIsNone(stack.created_at.tzinfo)

    def test_all_columns_round_trip(self):
        creds = db_api.user_creds_create(None, {'username': 'u',
                                                'tenant_id': PROJECT})
        parent = utils.create_stack('parent')
        stack = utils.create_stack(
            'child', owner_id=parent.id, nested_depth=1, timeout=42,
            disable_rollback=False, status_reason='because',
            user_creds_id=creds.id, parent_resource_name='group',
            current_deps={'edges': [['a', 'b']]}, convergence=True,
            tags=['x', 'y'])
        got = db_api.stack_get(None, stack.id, PROJECT)
        self.assertEqual(
            (parent.id, 1, 42, False, 'because', creds.id, 'group',
             {'edges': [['a', 'b']]}, True, ['x', 'y']),
            (got.owner_id, got.nested_depth, got.timeout,
             got.disable_rollback, got.status_reason, got.user_creds_id,
             got.parent_resource_name, got.current_deps, got.convergence,
             got.tag_names))

    def test_get_status(self):
        stack = utils.create_stack(status_reason='started')
        action, status, reason, _updated = db_api.stack_get_status(
            None, stack.id, PROJECT)
        self.assertEqual(('CREATE', 'IN_PROGRESS', 'started'),
                         (action, status, reason))

    def test_aware_timestamps_are_stored_as_naive_utc(self):
        tz = datetime.timezone(datetime.timedelta(hours=2))
        aware = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=tz)
        stack = utils.create_stack(created_at=aware)
        got = db_api.stack_get(None, stack.id, PROJECT)
        self.assertEqual(datetime.datetime(2026, 1, 1, 10, 0),
                         got.created_at)

    def test_timestamps_keep_microseconds(self):
        when = datetime.datetime(2026, 1, 1, 12, 0, 0, 123456)
        stack = utils.create_stack(created_at=when)
        self.assertEqual(when, db_api.stack_get(None, stack.id,
                                                PROJECT).created_at)

    def test_unknown_column_is_refused(self):
        self.assertRaises(KeyError, utils.create_stack, bogus=1)


@db_fixtures.for_each_backend
class TestStackListing(db_fixtures.DBTestCase):

    def _stacks(self, n):
        base = datetime.datetime(2026, 1, 1)
        return [utils.create_stack('s%d' % i,
                                   created_at=base + datetime.timedelta(
                                       minutes=i))
                for i in range(n)]

    def test_newest_first_by_default(self):
        stacks = self._stacks(3)
        self.assertEqual([s.id for s in reversed(stacks)],
                         [s.id for s in db_api.stack_get_all(None, PROJECT)])

    def test_pagination_with_marker(self):
        stacks = self._stacks(5)
        first = db_api.stack_get_all(None, PROJECT, limit=2,
                                     sort_dir='asc')
        rest = db_api.stack_get_all(None, PROJECT, limit=10,
                                    sort_dir='asc', marker=first[-1].id)
        self.assertEqual([s.id for s in stacks],
                         [s.id for s in first + rest])

    def test_marker_of_other_project_is_not_found(self):
        theirs = utils.create_stack('theirs', project=OTHER_PROJECT)
        self.assertRaises(exception.EntityNotFound, db_api.stack_get_all,
                          None, PROJECT, marker=theirs.id)

    def test_sort_by_name(self):
        for name in ('b', 'c', 'a'):
            utils.create_stack(name)
        self.assertEqual(['a', 'b', 'c'], [
            s.name for s in db_api.stack_get_all(
                None, PROJECT, sort_keys=['name'], sort_dir='asc')])

    def test_filters(self):
        utils.create_stack('a', status='COMPLETE')
        utils.create_stack('b', status='FAILED')
        got = db_api.stack_get_all(None, PROJECT,
                                   filters={'status': 'FAILED'})
        self.assertEqual(['b'], [s.name for s in got])
        got = db_api.stack_get_all(
            None, PROJECT, filters={'status': ['FAILED', 'COMPLETE']})
        self.assertEqual(2, len(got))

    def test_sort_on_unknown_key_is_refused(self):
        self.assertRaises(ValueError, db_api.stack_get_all, None, PROJECT,
                          sort_keys=['tenant'])

    def test_filter_on_unknown_key_is_refused(self):
        self.assertRaises(ValueError, db_api.stack_get_all, None, PROJECT,
                          filters={'tenant': OTHER_PROJECT})

    def test_nested_hidden_unless_asked(self):
        parent = utils.create_stack('parent')
        utils.create_stack('child', owner_id=parent.id, nested_depth=1)
        self.assertEqual(['parent'], [
            s.name for s in db_api.stack_get_all(None, PROJECT)])
        self.assertEqual(2, db_api.stack_count_all(None, PROJECT,
                                                   show_nested=True))

    def test_deleted_hidden_unless_asked(self):
        stack = utils.create_stack()
        db_api.stack_delete(None, stack.id, PROJECT)
        self.assertEqual([], db_api.stack_get_all(None, PROJECT))
        self.assertEqual([stack.id], [s.id for s in db_api.stack_get_all(
            None, PROJECT, show_deleted=True)])

    def test_tag_filters(self):
        utils.create_stack('ab', tags=['a', 'b'])
        utils.create_stack('a', tags=['a'])
        utils.create_stack('none')

        def names(**kw):
            return sorted(s.name for s in db_api.stack_get_all(
                None, PROJECT, **kw))

        self.assertEqual(['ab'], names(tags=['a', 'b']))
        self.assertEqual(['a', 'ab'], names(tags_any=['a', 'zzz']))
        self.assertEqual(['a', 'none'], names(not_tags=['b']))
        self.assertEqual(1, db_api.stack_count_all(None, PROJECT,
                                                   tags=['b']))


@db_fixtures.for_each_backend
class TestStackUpdate(db_fixtures.DBTestCase):

    def test_update_changes_values(self):
        stack = utils.create_stack()
        self.assertTrue(db_api.stack_update(
            None, stack.id, PROJECT, {'status': 'COMPLETE',
                                      'status_reason': 'done'}))
        got = db_api.stack_get(None, stack.id, PROJECT)
        self.assertEqual(('COMPLETE', 'done'),
                         (got.status, got.status_reason))
        self.assertIsNotNone(got.updated_at)

    def test_update_replaces_tags(self):
        stack = utils.create_stack(tags=['old'])
        db_api.stack_update(None, stack.id, PROJECT, {'tags': ['n1', 'n2']})
        self.assertEqual(['n1', 'n2'], db_api.stack_get(
            None, stack.id, PROJECT).tag_names)

    def test_traversal_cas_wins_with_expected_traversal(self):
        stack = utils.create_stack(current_traversal='t1')
        self.assertTrue(db_api.stack_update(
            None, stack.id, PROJECT, {'current_traversal': 't2'},
            exp_trvsl='t1'))
        self.assertEqual('t2', db_api.stack_get(
            None, stack.id, PROJECT).current_traversal)

    def test_traversal_cas_loses_after_another_update(self):
        stack = utils.create_stack(current_traversal='t1')
        db_api.stack_update(None, stack.id, PROJECT,
                            {'current_traversal': 't2'}, exp_trvsl='t1')
        self.assertFalse(db_api.stack_update(
            None, stack.id, PROJECT, {'current_traversal': 't3'},
            exp_trvsl='t1'))
        self.assertEqual('t2', db_api.stack_get(
            None, stack.id, PROJECT).current_traversal)

    def test_update_of_deleted_stack_does_nothing(self):
        stack = utils.create_stack()
        db_api.stack_delete(None, stack.id, PROJECT)
        self.assertFalse(db_api.stack_update(None, stack.id, PROJECT,
                                             {'status': 'X'}))

    def test_project_cannot_be_changed(self):
        stack = utils.create_stack()
        self.assertRaises(KeyError, db_api.stack_update, None, stack.id,
                          PROJECT, {'tenant': OTHER_PROJECT})

    def test_writes_in_one_context_share_a_transaction(self):
        stack = utils.create_stack()

        class Ctx:
            pass

        ctx = Ctx()

        class Boom(Exception):
            pass

        def both():
            with db_api.writer(ctx):
                db_api.stack_update(ctx, stack.id, PROJECT,
                                    {'status': 'COMPLETE'})
                db_api.event_create(ctx, {'stack_id': stack.id})
                raise Boom()

        self.assertRaises(Boom, both)
        self.assertEqual('IN_PROGRESS',
                         db_api.stack_get(None, stack.id, PROJECT).status)
        self.assertEqual(0, db_api.event_count_all_by_stack(
            None, stack.id, PROJECT))


@db_fixtures.for_each_backend
class TestStackDeleteAndPurge(db_fixtures.DBTestCase):

    def _full_stack(self, name='full', project=PROJECT, **values):
        """A stack with something in every table that hangs off stacks."""
        creds = db_api.user_creds_create(None, {'username': 'u',
                                                'password': 'secret'})
        tmpl = utils.create_raw_template(files={'f.yaml': 'x'})
        prev = utils.create_raw_template()
        stack = utils.create_stack(name, project=project,
                                   raw_template_id=tmpl.id,
                                   prev_raw_template_id=prev.id,
                                   user_creds_id=creds.id, tags=['t'],
                                   **values)
        props = db_api.resource_prop_data_create(None, {'p': 1})
        attrs = db_api.resource_prop_data_create(None, {'a': 2})
        old_tmpl = utils.create_raw_template()
        rsrc = utils.create_resource(stack, rsrc_prop_data_id=props.id,
                                     attr_data_id=attrs.id,
                                     current_template_id=old_tmpl.id)
        db_api.resource_data_set(None, rsrc.id, 'k', 'v')
        db_api.resource_data_set(None, rsrc.id, 'secret', 's', redact=True)
        ev_props = db_api.resource_prop_data_create(None, {'e': 3})
        db_api.event_create(None, {'stack_id': stack.id,
                                   'resource_name': 'res',
                                   'rsrc_prop_data_id': ev_props.id})
        db_api.event_create(None, {'stack_id': stack.id,
                                   'rsrc_prop_data_id': props.id})
        db_api.stack_lock_create(None, stack.id, 'engine-1')
        db_api.sync_point_create(None, {
            'entity_id': stack.id, 'traversal_id': 't', 'is_update': True,
            'stack_id': stack.id, 'input_data': {}})
        return stack

    def test_delete_is_soft(self):
        stack = utils.create_stack()
        now = datetime.datetime(2026, 3, 1, 12, 0)
        self.assertTrue(db_api.stack_delete(None, stack.id, PROJECT,
                                            now=now))
        self.assertIsNone(db_api.stack_get(None, stack.id, PROJECT))
        got = db_api.stack_get(None, stack.id, PROJECT, show_deleted=True)
        self.assertEqual(now, got.deleted_at)

    def test_delete_twice_reports_nothing_deleted(self):
        stack = utils.create_stack()
        db_api.stack_delete(None, stack.id, PROJECT)
        self.assertFalse(db_api.stack_delete(None, stack.id, PROJECT))

    def test_delete_drops_resources_data_lock_and_sync_points(self):
        stack = self._full_stack()
        db_api.stack_delete(None, stack.id, PROJECT)
        counts = self.count_rows()
        for table in ('resource', 'resource_data', 'stack_lock',
                      'sync_point'):
            self.assertNotIn(table, counts)
        # The resource's old template is gone; its attribute data too.
        # Property data an event still points at stays for the event.
        self.assertEqual(2, counts['raw_template'])
        self.assertEqual(2, counts['resource_properties_data'])
        self.assertEqual(2, counts['event'])
        self.assertEqual(1, counts['stack'])

    def test_nothing_left_after_delete_and_purge(self):
        stack = self._full_stack()
        db_api.stack_delete(None, stack.id, PROJECT)
        self.assertEqual(1, db_api.purge_deleted(None, 0))
        self.assertEqual({}, self.count_rows())

    def test_purge_keeps_what_other_stacks_use(self):
        stack = self._full_stack()
        shared = db_api.stack_get(None, stack.id, PROJECT).raw_template_id
        keeper = utils.create_stack('keeper', raw_template_id=shared,
                                    user_creds_id=stack.user_creds_id)
        db_api.stack_delete(None, stack.id, PROJECT)
        db_api.purge_deleted(None, 0)
        after = self.count_rows()
        self.assertEqual({'stack': 1, 'stack_tag': 0, 'raw_template': 1,
                          'raw_template_files': 1, 'user_creds': 1},
                         {t: after.get(t, 0) for t in (
                             'stack', 'stack_tag', 'raw_template',
                             'raw_template_files', 'user_creds')})
        got = db_api.stack_get(None, keeper.id, PROJECT)
        self.assertEqual({'f.yaml': 'x'}, db_api.raw_template_files_get(
            None, db_api.raw_template_get(
                None, got.raw_template_id).files_id).files)

    def test_purge_respects_age(self):
        stack = utils.create_stack()
        deleted = datetime.datetime(2026, 3, 1, 12, 0)
        db_api.stack_delete(None, stack.id, PROJECT, now=deleted)
        hour = datetime.timedelta(hours=1)
        self.assertEqual(0, db_api.purge_deleted(
            None, hour, now=deleted + datetime.timedelta(minutes=59)))
        self.assertEqual(1, db_api.purge_deleted(
            None, 3600, now=deleted + hour))
        self.assertEqual({}, self.count_rows())

    def test_purge_leaves_live_stacks_alone(self):
        utils.create_stack('live')
        self.assertEqual(0, db_api.purge_deleted(None, 0))
        self.assertEqual(1, db_api.stack_count_all(None, PROJECT))

    def test_purge_covers_every_project(self):
        for project in (PROJECT, OTHER_PROJECT):
            stack = self._full_stack(project=project)
            db_api.stack_delete(None, stack.id, project)
        self.assertEqual(2, db_api.purge_deleted(None, 0))
        self.assertEqual({}, self.count_rows())

    def test_purge_of_nested_tree_goes_children_first(self):
        parent = self._full_stack('parent')
        child = self._full_stack('child', owner_id=parent.id,
                                 nested_depth=1)
        grandchild = self._full_stack('grandchild', owner_id=child.id,
                                      nested_depth=2)
        for stack in (grandchild, child, parent):
            db_api.stack_delete(None, stack.id, PROJECT)
        self.assertEqual(3, db_api.purge_deleted(None, 0))
        self.assertEqual({}, self.count_rows())

    def test_purge_keeps_parent_of_live_nested_stack(self):
        parent = utils.create_stack('parent')
        child = utils.create_stack('child', owner_id=parent.id,
                                   nested_depth=1)
        db_api.stack_delete(None, parent.id, PROJECT)
        self.assertEqual(0, db_api.purge_deleted(None, 0))
        self.assertIsNotNone(db_api.stack_get(None, child.id, PROJECT))
        db_api.stack_delete(None, child.id, PROJECT)
        self.assertEqual(2, db_api.purge_deleted(None, 0))

    def test_purge_goes_past_a_batch_of_kept_parents(self):
        # Two deleted parents with live children fill the first batch of
        # 2; the deleted stack after them must still be purged.
        for i in range(2):
            parent = utils.create_stack('parent%d' % i, nested_depth=5)
            utils.create_stack('child%d' % i, owner_id=parent.id,
                               nested_depth=6)
            db_api.stack_delete(None, parent.id, PROJECT)
        lone = utils.create_stack('lone')
        db_api.stack_delete(None, lone.id, PROJECT)
        self.assertEqual(1, db_api.purge_deleted(None, 0, batch_size=2))
        self.assertIsNone(db_api.stack_get(None, lone.id, PROJECT,
                                           show_deleted=True))

    def test_purge_in_small_batches(self):
        for i in range(5):
            stack = self._full_stack('s%d' % i)
            db_api.stack_delete(None, stack.id, PROJECT)
        self.assertEqual(5, db_api.purge_deleted(None, 0, batch_size=2))
        self.assertEqual({}, self.count_rows())

    def test_purge_chunks_long_id_lists(self):
        # Large purges split IN (...) lists; a chunk of 2 exercises that.
        self.useFixture(fixtures.MockPatchObject(db_api, '_CHUNK', 2))
        stack = self._full_stack()
        for i in range(4):
            props = db_api.resource_prop_data_create(None, {'i': i})
            utils.create_resource(stack, 'extra%d' % i,
                                  rsrc_prop_data_id=props.id,
                                  current_template_id=utils
                                  .create_raw_template().id)
        db_api.stack_delete(None, stack.id, PROJECT)
        db_api.purge_deleted(None, 0)
        self.assertEqual({}, self.count_rows())

    def test_purge_uses_now_argument(self):
        stack = utils.create_stack()
        db_api.stack_delete(None, stack.id, PROJECT)
        past = utcnow() - datetime.timedelta(days=1)
        self.assertEqual(0, db_api.purge_deleted(None, 0, now=past))
