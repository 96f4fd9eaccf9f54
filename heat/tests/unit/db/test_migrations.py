"""The alembic migrations: they build the models' schema, and undo it."""

import ast
import datetime
import os

import sqlalchemy as sa

from heat.db import api as db_api
from heat.db import manage, migration, models
from heat.tests import base, db_fixtures
from heat.tests.unit.db import utils

DB_DIR = os.path.dirname(os.path.abspath(migration.__file__))


class MigrationTestBase(base.TestCase):
    BACKEND = None

    def setUp(self):
        super().setUp()
        reason = self.BACKEND.unavailable_reason()
        if reason:
            self.skipTest(reason)
        self.url = self.useFixture(
            db_fixtures.EmptyDatabase(self.BACKEND)).url
        self.engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        self.addCleanup(self.engine.dispose)

    def tables(self):
        return set(sa.inspect(self.engine).get_table_names())


@db_fixtures.for_each_backend
class TestMigrations(MigrationTestBase):

    def test_upgrade_creates_every_model_table(self):
        migration.upgrade(self.url)
        expected = set(models.Base.metadata.tables) | {'alembic_version'}
        self.assertEqual(expected, self.tables())

    def test_models_match_migrations(self):
        migration.upgrade(self.url)
        self.assertEqual([], migration.compare_models(self.engine))

    def test_compare_detects_a_missing_table(self):
        # The no-diff check above is only worth something if it can fail.
        migration.upgrade(self.url)
        with self.engine.begin() as conn:
            conn.exec_driver_sql('DROP TABLE stack_tag')
        diff = migration.compare_models(self.engine)
        self.assertIn(('add_table', 'stack_tag'),
                      [(d[0], d[1].name) for d in diff
                       if d[0] == 'add_table'])

    def test_downgrade_base_leaves_only_version_table(self):
        migration.upgrade(self.url)
        migration.downgrade(self.url, 'base')
        self.assertEqual({'alembic_version'}, self.tables())
        self.assertIsNone(migration.current_revision(self.url))

    def test_upgrade_after_downgrade_works(self):
        migration.upgrade(self.url)
        migration.downgrade(self.url, 'base')
        migration.upgrade(self.url)
        self.assertEqual([], migration.compare_models(self.engine))

    def test_db_sync_reaches_head_and_reports_it(self):
        self.assertIsNone(manage.db_version(self.url))
        self.assertEqual(migration.head_revision(),
                         manage.db_sync(self.url))
        self.assertEqual(migration.head_revision(),
                         manage.db_version(self.url))

    def test_db_sync_is_idempotent(self):
        manage.db_sync(self.url)
        self.assertEqual(migration.head_revision(),
                         manage.db_sync(self.url))

    def test_db_sync_to_base_downgrades(self):
        manage.db_sync(self.url)
        self.assertIsNone(manage.db_sync(self.url, 'base'))
        self.assertEqual({'alembic_version'}, self.tables())

    def test_db_sync_to_current_version_changes_nothing(self):
        manage.db_sync(self.url)
        head = migration.head_revision()
        self.assertEqual(head, manage.db_sync(self.url, head))
        self.assertEqual([], migration.compare_models(self.engine))

    def test_purge_deleted_command(self):
        manage.db_sync(self.url)
        db_api.configure(self.url, max_retries=1)
        self.addCleanup(db_api.dispose)
        stack = utils.create_stack()
        deleted = datetime.datetime(2026, 1, 1)
        db_api.stack_delete(None, stack.id, utils.PROJECT, now=deleted)
        self.assertEqual(0, manage.purge_deleted(
            self.url, 2, 'days', now=deleted + datetime.timedelta(days=1)))
        self.assertEqual(1, manage.purge_deleted(
            self.url, 2, 'days', now=deleted + datetime.timedelta(days=2)))
        self.assertRaises(ValueError, manage.purge_deleted, self.url, 1,
                          'weeks')

    def test_member_counts_by_status_read_the_index_alone(self):
        # 0009: counting a group's members by status (every show of a
        # group) must not read every member row
        migration.upgrade(self.url)
        indexes = {i['name']: i['column_names'] for i in
                   sa.inspect(self.engine).get_indexes('scaling_member')}
        self.assertEqual(['group_id', 'status'],
                         indexes.get('ix_scaling_member_group_id_status'))
        if self.engine.dialect.name == 'sqlite':
            with self.engine.connect() as conn:
                plan = ' '.join(str(r[-1]) for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT status, count(*) FROM "
                    "scaling_member WHERE group_id = 'g' GROUP BY status"))
            self.assertIn('COVERING INDEX ix_scaling_member_group_id_status',
                          plan)

    def test_upgrade_on_an_open_engine(self):
        # The engine path is what a process that already has a pool uses.
        migration.upgrade(engine=self.engine)
        self.assertEqual(migration.head_revision(),
                         migration.current_revision(engine=self.engine))

    def test_api_works_on_migrated_schema(self):
        migration.upgrade(self.url)
        db_api.configure(self.url, max_retries=1)
        self.addCleanup(db_api.dispose)
        tmpl = db_api.raw_template_create(None, {'template': {'a': 1}})
        self.assertEqual({'a': 1},
                         db_api.raw_template_get(None, tmpl.id).template)


class TestMigrationPackaging(base.TestCase):

    def test_migrations_are_packages(self):
        for sub in ('migrations', os.path.join('migrations', 'versions')):
            self.assertTrue(os.path.isfile(
                os.path.join(DB_DIR, sub, '__init__.py')), sub)

    def test_config_needs_no_ini_file(self):
        cfg = migration.alembic_config('sqlite://')
        self.assertIsNone(cfg.config_file_name)
        self.assertEqual(migration.MIGRATIONS_DIR,
                         cfg.get_main_option('script_location'))

    def test_single_head(self):
        self.assertEqual('0009', migration.head_revision())

    def test_no_create_all_in_production_code(self):
        offenders = []
        for root, _dirs, files in os.walk(DB_DIR):
            for name in files:
                if name.endswith('.py'):
                    path = os.path.join(root, name)
                    with open(path) as f:
                        if 'create_all' in f.read():
                            offenders.append(path)
        self.assertEqual([], offenders)


class TestDBLayering(base.TestCase):

    def test_db_imports_nothing_above_it(self):
        # heat/db sits below the engine, RPC and API layers.
        above = ('heat.engine', 'heat.rpc', 'heat.api', 'heat.scaling',
                 'heat.cmd')
        found = []
        for root, _dirs, files in os.walk(DB_DIR):
            for name in files:
                if not name.endswith('.py'):
                    continue
                path = os.path.join(root, name)
                with open(path) as f:
                    tree = ast.parse(f.read(), path)
                for node in ast.walk(tree):
                    mods = []
                    if isinstance(node, ast.Import):
                        mods = [a.name for a in node.names]
                    elif isinstance(node, ast.ImportFrom) and node.module:
                        mods = [node.module]
                    found += [(name, m) for m in mods
                              if m.startswith(above)]
        self.assertEqual([], found)
