"""Real databases for tests: a SQLite file always, MariaDB and PostgreSQL
when they answer on this machine (oslo.db's "opportunistic" style).

Each backend makes a uniquely named throwaway database and drops it
afterwards; a server that does not answer makes its tests skip with the
reason. The schema is built with the alembic migrations, never with
``create_all``.

Use it in one of two ways:

- ``DatabaseFixture(backend)`` gives a migrated, configured database for
  one test (``heat.db.api`` points at it until cleanup).
- Subclass ``DBTestCase`` and decorate the class with
  ``@for_each_backend``: the module gets one copy of the class per
  backend (``TestStacks_sqlite``, ``TestStacks_mysql``,
  ``TestStacks_postgresql``). The database is made once per class and
  emptied before every test.

Server URLs default to the local services and can be overridden with
``HEAT_TEST_MYSQL_URL`` / ``HEAT_TEST_POSTGRESQL_URL`` (an admin URL:
its database is only used to create and drop the throwaway ones).
Setting ``HEAT_TEST_BACKENDS=sqlite`` (comma-separated names) limits the
backends tried.
"""

import os
import shutil
import socket
import sys
import tempfile
import threading
import uuid

import fixtures
import sqlalchemy as sa
import testtools

from heat.db import api as db_api
from heat.db import migration, models
from heat.tests import base

MYSQL_URL = os.environ.get(
    'HEAT_TEST_MYSQL_URL',
    'mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4')
POSTGRESQL_URL = os.environ.get(
    'HEAT_TEST_POSTGRESQL_URL',
    'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres')


def _throwaway_name():
    return 'heat_test_%d_%s' % (os.getpid(), uuid.uuid4().hex[:10])


class Backend:
    """One kind of database server (or SQLite) tests can run on."""

    name = None

    def __init__(self):
        self._available = None
        self._lock = threading.Lock()

    def unavailable_reason(self):
        """None if usable, else why the tests on it are skipped."""
        with self._lock:
            if self._available is None:
                self._available = self._probe()
        return self._available or None

    def _probe(self):
        return ''

    def create(self):
        """Make an empty throwaway database; returns its URL."""
        raise NotImplementedError

    def drop(self, url):
        raise NotImplementedError


class SQLiteFileBackend(Backend):
    name = 'sqlite'

    def create(self):
        tmp = tempfile.mkdtemp(prefix='heat-db-test-')
        return 'sqlite:///%s' % os.path.join(tmp, 'heat.sqlite')

    def drop(self, url):
        path = sa.engine.make_url(url).database
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


class _ServerBackend(Backend):
    admin_url = None

    def _engine(self):
        return sa.create_engine(self.admin_url, poolclass=sa.pool.NullPool,
                                isolation_level='AUTOCOMMIT')

    def _probe(self):
        url = sa.engine.make_url(self.admin_url)
        try:
            # A closed port fails here at once; a blackholed one in 2 s.
            socket.create_connection((url.host, url.port), timeout=2).close()
        except OSError as exc:
            return '%s does not answer at %s:%s (%s)' % (
                self.name, url.host, url.port, exc)
        engine = self._engine()
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql('SELECT 1')
        except Exception as exc:
            return 'cannot use %s at %s: %s' % (
                self.name, url.render_as_string(hide_password=True), exc)
        finally:
            engine.dispose()
        return ''

    def _run(self, sql):
        engine = self._engine()
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(sql)
        finally:
            engine.dispose()

    def create(self):
        name = _throwaway_name()
        self._run(self.create_sql % name)
        return sa.engine.make_url(self.admin_url).set(
            database=name).render_as_string(hide_password=False)

    def drop(self, url):
        name = sa.engine.make_url(url).database
        self._run(self.drop_sql % name)


class MySQLBackend(_ServerBackend):
    name = 'mysql'
    admin_url = MYSQL_URL
    create_sql = 'CREATE DATABASE %s CHARACTER SET utf8mb4'
    drop_sql = 'DROP DATABASE IF EXISTS %s'


class PostgreSQLBackend(_ServerBackend):
    name = 'postgresql'
    admin_url = POSTGRESQL_URL
    create_sql = 'CREATE DATABASE %s'
    # WITH (FORCE) ends sessions a failed test may have left open.
    drop_sql = 'DROP DATABASE IF EXISTS %s WITH (FORCE)'


BACKENDS = {b.name: b for b in (SQLiteFileBackend(), MySQLBackend(),
                                PostgreSQLBackend())}


def selected_backends():
    wanted = os.environ.get('HEAT_TEST_BACKENDS')
    if not wanted:
        return list(BACKENDS.values())
    return [BACKENDS[n.strip()] for n in wanted.split(',') if n.strip()]


class EmptyDatabase(fixtures.Fixture):
    """A throwaway database with no schema at all; ``self.url``."""

    def __init__(self, backend):
        super().__init__()
        self.backend = backend

    def _setUp(self):
        reason = self.backend.unavailable_reason()
        if reason:
            raise testtools.testcase.TestSkipped(reason)
        self.url = self.backend.create()
        self.addCleanup(self.backend.drop, self.url)


class DatabaseFixture(fixtures.Fixture):
    """A migrated database that ``heat.db.api`` is configured to use."""

    def __init__(self, backend):
        super().__init__()
        self.backend = backend

    def _setUp(self):
        self.url = self.useFixture(EmptyDatabase(self.backend)).url
        migration.upgrade(self.url)
        db_api.configure(self.url, max_retries=1)
        self.addCleanup(db_api.dispose)


def delete_all_rows(engine):
    """Empty every table (children first), keeping the schema."""
    with engine.begin() as conn:
        for table in reversed(models.Base.metadata.sorted_tables):
            # MariaDB checks a self-reference (stack.owner_id) row by row,
            # so a one-statement DELETE of a tree can fail: cut it first.
            own = [fk.parent for fk in table.foreign_keys
                   if fk.column.table is table]
            if own:
                conn.execute(table.update().values(
                    {col.name: None for col in own}))
            conn.execute(table.delete())


class DBTestCase(base.TestCase):
    """A test case on a real, migrated database of ``BACKEND``.

    The database is created once per class and emptied before each test.
    """

    BACKEND = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._db_skip = None
        cls._db_url = None
        backend = cls.BACKEND
        reason = backend.unavailable_reason() if backend else 'no backend'
        if reason:
            cls._db_skip = reason
            return
        cls._db_url = backend.create()
        try:
            migration.upgrade(cls._db_url)
        except Exception:
            backend.drop(cls._db_url)
            raise

    @classmethod
    def tearDownClass(cls):
        db_api.dispose()
        if cls._db_url is not None:
            cls.BACKEND.drop(cls._db_url)
            cls._db_url = None
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        if self._db_skip:
            self.skipTest(self._db_skip)
        if db_api.connection_url() != self._db_url:
            db_api.configure(self._db_url, max_retries=1)
        self.engine = db_api.get_engine()
        delete_all_rows(self.engine)

    def count_rows(self):
        """``{table: rows}`` for every table that is not empty."""
        counts = {}
        with self.engine.connect() as conn:
            for table in models.Base.metadata.sorted_tables:
                n = conn.execute(
                    sa.select(sa.func.count()).select_from(table)).scalar()
                if n:
                    counts[table.name] = n
        return counts


def for_each_backend(cls):
    """Class decorator: one subclass of ``cls`` per backend, in its module.

    The decorated class itself is removed from test discovery (its name
    is rebound to a non-test holder), so only the per-backend copies run.
    """
    module = sys.modules[cls.__module__]
    for backend in BACKENDS.values():
        name = '%s_%s' % (cls.__name__, backend.name)
        sub = type(name, (cls,), {'BACKEND': backend,
                                  '__module__': cls.__module__,
                                  '__qualname__': name})
        if backend in selected_backends():
            setattr(module, name, sub)
    # Hide the template class from loaders: no BACKEND, no tests.
    return _Template(cls)


class _Template:
    """What a ``@for_each_backend`` class name refers to afterwards."""

    def __init__(self, cls):
        self.cls = cls
