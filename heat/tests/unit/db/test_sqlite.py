"""The embedded SQLite set-up: WAL, foreign keys, busy timeout, write
transactions that take the write lock up front; and configuration."""

import os
import sqlite3
import threading

import fixtures
from oslo_config import cfg

from heat.db import api as db_api
from heat.db import migration, options
from heat.tests import base, db_fixtures
from heat.tests.unit.db import utils


class SQLiteTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.state_dir = self.useFixture(fixtures.TempDir()).path
        self.url = options.default_connection_url(self.state_dir)
        self.path = os.path.join(self.state_dir, 'heat.sqlite')
        migration.upgrade(self.url)
        self.addCleanup(db_api.dispose)

    def configure(self, **kw):
        db_api.configure(self.url, max_retries=1, **kw)

    def pragma(self, name):
        with db_api.get_engine().connect() as conn:
            return conn.exec_driver_sql('PRAGMA %s' % name).scalar()


class TestSQLiteSetup(SQLiteTestCase):

    def test_default_url_is_under_state_dir(self):
        self.assertEqual('sqlite:///%s' % self.path, self.url)
        self.assertTrue(os.path.isfile(self.path))

    def test_wal_is_on(self):
        self.configure()
        self.assertEqual('wal', self.pragma('journal_mode'))
        # Persistent: a plain connection sees it too.
        con = sqlite3.connect(self.path)
        self.addCleanup(con.close)
        self.assertEqual('wal', con.execute(
            'PRAGMA journal_mode').fetchone()[0])

    def test_journal_mode_is_configurable(self):
        self.configure(sqlite_journal_mode='DELETE')
        self.assertEqual('delete', self.pragma('journal_mode'))

    def test_foreign_keys_are_enforced(self):
        self.configure()
        self.assertEqual(1, self.pragma('foreign_keys'))

    def test_wal_syncs_normal_by_default(self):
        self.configure()
        self.assertEqual(1, self.pragma('synchronous'))

    def test_wal_sync_level_is_configurable(self):
        self.configure(sqlite_wal_synchronous='FULL')
        self.assertEqual(2, self.pragma('synchronous'))

    def test_oslo_sync_off_is_respected(self):
        self.configure(sqlite_synchronous=False)
        self.assertEqual(0, self.pragma('synchronous'))

    def test_wal_file_stays_open_between_transactions(self):
        # The keeper connection spares each transaction re-opening it.
        self.configure()
        utils.create_stack()
        self.assertTrue(os.path.exists(self.path + '-wal'))
        db_api.dispose()
        self.assertFalse(os.path.exists(self.path + '-wal'))

    def test_busy_timeout_is_set(self):
        self.configure(sqlite_busy_timeout=2.5)
        self.assertEqual(2500, self.pragma('busy_timeout'))

    def test_write_transaction_takes_write_lock_at_begin(self):
        self.configure()
        utils.create_stack()
        other = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        self.addCleanup(other.close)

        with db_api.writer() as session:
            # Nothing written yet, but the transaction began IMMEDIATE:
            # another writer is kept out from the start.
            session.execute(db_api.sa.text('SELECT 1'))
            self.assertRaises(sqlite3.OperationalError, other.execute,
                              'BEGIN IMMEDIATE')
        other.execute('BEGIN IMMEDIATE')
        other.execute('ROLLBACK')

    def test_read_transaction_does_not_block_writers(self):
        self.configure()
        stack = utils.create_stack()
        with db_api.reader() as session:
            session.execute(db_api.sa.text('SELECT count(*) FROM stack'))
            # A writer in another thread commits while we read (WAL).
            done = []
            t = threading.Thread(target=lambda: done.append(
                db_api.stack_update(None, stack.id, utils.PROJECT,
                                    {'status': 'COMPLETE'})))
            t.start()
            t.join(10)
            self.assertEqual([True], done)

    def test_concurrent_writers_wait_instead_of_failing(self):
        self.configure()
        stack = utils.create_stack()

        def write(i):
            for _ in range(10):
                db_api.event_create(None, {'stack_id': stack.id,
                                           'resource_name': 'w%d' % i})

        threads = [threading.Thread(target=write, args=(i,))
                   for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(40, db_api.event_count_all_by_stack(
            None, stack.id, utils.PROJECT))

    def test_deadlock_retry_sees_callers_transaction(self):
        self.configure()

        class Ctx:
            pass

        ctx = Ctx()
        self.assertFalse(db_api._in_transaction(ctx))
        with db_api.writer(ctx):
            self.assertTrue(db_api._in_transaction(ctx))
        self.assertFalse(db_api._in_transaction(ctx))

    def test_forked_child_can_reconfigure_and_write(self):
        self.configure()
        stack = utils.create_stack()
        pid = os.fork()
        if pid == 0:  # child: must leave through os._exit
            code = 1
            try:
                db_api.dispose()
                db_api.configure(self.url, max_retries=1)
                db_api.event_create(None, {'stack_id': stack.id})
                db_api.dispose()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(0, os.waitstatus_to_exitcode(status))
        db_api.event_create(None, {'stack_id': stack.id})
        self.assertEqual(2, db_api.event_count_all_by_stack(
            None, stack.id, utils.PROJECT))

    def test_forked_child_may_keep_using_the_api(self):
        # The child gets fresh connections; the parent's stay untouched.
        self.configure()
        stack = utils.create_stack()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                db_api.event_create(None, {'stack_id': stack.id})
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(0, os.waitstatus_to_exitcode(status))
        db_api.event_create(None, {'stack_id': stack.id})
        self.assertEqual(2, db_api.event_count_all_by_stack(
            None, stack.id, utils.PROJECT))

    def test_connections_are_pooled(self):
        self.configure()
        engine = db_api.get_engine()
        self.assertIsInstance(engine.pool, db_api.sa.pool.QueuePool)
        with engine.connect() as conn:
            first = conn.connection.dbapi_connection
        with engine.connect() as conn:
            self.assertIs(first, conn.connection.dbapi_connection)
            # A reused connection keeps its set-up.
            self.assertEqual(1, conn.exec_driver_sql(
                'PRAGMA foreign_keys').scalar())

    def test_returned_connection_forgets_transaction_mark(self):
        self.configure(sqlite_pool_size=1)
        engine = db_api.get_engine()
        with engine.connect() as conn:
            conn.info['in_transaction'] = True
        with engine.connect() as conn:
            self.assertNotIn('in_transaction', conn.info)

    def test_pool_size_zero_keeps_a_connection_per_transaction(self):
        self.configure(sqlite_pool_size=0)
        engine = db_api.get_engine()
        self.assertIsInstance(engine.pool, db_api.sa.pool.NullPool)
        utils.create_stack()
        self.assertEqual(1, db_api.stack_count_all(None, utils.PROJECT))
        self.assertEqual(1, self.pragma('foreign_keys'))

    def test_pooled_connections_serve_many_threads(self):
        self.configure(sqlite_pool_size=2)
        stack = utils.create_stack()
        errors = []

        def work():
            try:
                for _ in range(20):
                    db_api.event_create(None, {'stack_id': stack.id})
                    db_api.stack_get(None, stack.id, utils.PROJECT)
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual([], errors)
        self.assertEqual(120, db_api.event_count_all_by_stack(
            None, stack.id, utils.PROJECT))

    def test_unconfigured_api_says_so(self):
        db_api.dispose()
        self.assertRaises(RuntimeError, db_api.get_engine)

    def test_reconfigure_switches_database(self):
        self.configure()
        utils.create_stack()
        other_dir = self.useFixture(fixtures.TempDir()).path
        other_url = options.default_connection_url(other_dir)
        migration.upgrade(other_url)
        db_api.configure(other_url)
        self.assertEqual(other_url, db_api.connection_url())
        self.assertEqual(0, db_api.stack_count_all(None, utils.PROJECT))


class TestStateDir(base.TestCase):

    def test_db_sync_creates_private_state_dir_and_file(self):
        root = self.useFixture(fixtures.TempDir()).path
        state_dir = os.path.join(root, 'state', 'heat')
        url = options.default_connection_url(state_dir)
        migration.upgrade(url)
        path = os.path.join(state_dir, 'heat.sqlite')
        self.assertEqual(0o700, os.stat(state_dir).st_mode & 0o777)
        self.assertEqual(0o600, os.stat(path).st_mode & 0o777)
        self.assertEqual(migration.head_revision(),
                         migration.current_revision(url))

    def test_configure_creates_missing_state_dir(self):
        root = self.useFixture(fixtures.TempDir()).path
        url = options.default_connection_url(os.path.join(root, 'new'))
        db_api.configure(url)
        self.addCleanup(db_api.dispose)
        with db_api.get_engine().connect() as conn:
            self.assertEqual('wal', conn.exec_driver_sql(
                'PRAGMA journal_mode').scalar())

    def test_existing_file_mode_is_left_alone(self):
        root = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(root, 'heat.sqlite')
        with open(path, 'w'):
            pass
        os.chmod(path, 0o640)
        options.prepare_sqlite_file('sqlite:///' + path)
        self.assertEqual(0o640, os.stat(path).st_mode & 0o777)

    def test_other_urls_are_ignored(self):
        options.prepare_sqlite_file('sqlite://')
        options.prepare_sqlite_file('postgresql+psycopg2://u@h/db')


class TestOptions(base.TestCase):

    def test_register_and_configure_from_conf(self):
        state_dir = self.useFixture(fixtures.TempDir()).path
        conf = cfg.ConfigOpts()
        options.register_opts(conf, state_dir=state_dir)
        conf([], project='heat-test')
        self.assertEqual(options.default_connection_url(state_dir),
                         conf.database.connection)
        self.assertEqual(30.0, conf.database.sqlite_busy_timeout)
        self.assertEqual('WAL', conf.database.sqlite_journal_mode)
        conf.set_override('sqlite_busy_timeout', 1.5, group='database')
        migration.upgrade(conf.database.connection)
        db_api.configure_from_conf(conf)
        self.addCleanup(db_api.dispose)
        with db_api.get_engine().connect() as conn:
            self.assertEqual(1500, conn.exec_driver_sql(
                'PRAGMA busy_timeout').scalar())

    def test_list_opts_names_our_options(self):
        names = {opt.name for _group, opts in options.list_opts()
                 for opt in opts}
        self.assertEqual({'sqlite_busy_timeout', 'sqlite_journal_mode',
                          'sqlite_wal_synchronous', 'sqlite_pool_size'},
                         names)


class TestBackendsFixture(base.TestCase):

    def test_sqlite_is_always_available(self):
        self.assertIsNone(db_fixtures.BACKENDS['sqlite'].unavailable_reason())

    def test_unreachable_server_gives_a_reason(self):
        backend = db_fixtures.MySQLBackend()
        backend.admin_url = 'mysql+pymysql://root@127.0.0.1:1/test'
        reason = backend.unavailable_reason()
        self.assertIn('does not answer at 127.0.0.1:1', reason)

    def test_database_fixture_gives_a_configured_database(self):
        fixture = self.useFixture(db_fixtures.DatabaseFixture(
            db_fixtures.BACKENDS['sqlite']))
        self.assertEqual(fixture.url, db_api.connection_url())
        self.assertEqual(0, db_api.stack_count_all(None, utils.PROJECT))

    def test_mysql_urls_get_utf8mb4(self):
        self.assertEqual(
            'mysql+pymysql://u:p@h/db?charset=utf8mb4',
            options.with_utf8mb4('mysql+pymysql://u:p@h/db'))
        self.assertEqual(
            'mysql+pymysql://h/db?charset=latin1',
            options.with_utf8mb4('mysql+pymysql://h/db?charset=latin1'))
        self.assertEqual('sqlite:////x/heat.sqlite',
                         options.with_utf8mb4('sqlite:////x/heat.sqlite'))

    def test_throwaway_databases_are_dropped(self):
        for backend in db_fixtures.BACKENDS.values():
            if backend.unavailable_reason():
                continue
            fixture = db_fixtures.EmptyDatabase(backend)
            with fixture:
                url = fixture.url
            if backend.name == 'sqlite':
                self.assertFalse(os.path.exists(
                    db_api.sa.engine.make_url(url).database))
            else:
                engine = backend._engine()
                self.addCleanup(engine.dispose)
                name = db_api.sa.engine.make_url(url).database
                with engine.connect() as conn:
                    sql = ('SHOW DATABASES' if backend.name == 'mysql' else
                           'SELECT datname FROM pg_database')
                    names = {r[0] for r in conn.exec_driver_sql(sql)}
                self.assertNotIn(name, names)
