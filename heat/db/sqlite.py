"""SQLite set-up for the embedded mode: WAL, foreign keys, busy timeout.

WAL lets readers run while one writer commits, which is what one
``heat-all`` process with several worker threads needs. Every connection
also gets ``foreign_keys=ON`` (cascades and references are enforced as on
the server databases) and a busy timeout, so a writer waits for another
writer instead of failing at once with "database is locked".

Under WAL, ``synchronous`` defaults to NORMAL: a commit no longer waits
for an fsync (the WAL is synced at checkpoints). The database cannot be
corrupted that way; a power cut may lose the last commits. FULL is one
option away (``[database] sqlite_wal_synchronous``).

Write transactions start with ``BEGIN IMMEDIATE``: they take the write
lock up front. A deferred transaction that reads and then writes can
otherwise fail with SQLITE_BUSY (no waiting) when another writer
committed in between; an immediate one waits its turn on the busy
timeout instead. Read transactions keep a plain ``BEGIN``.

oslo.db gives file databases a NullPool: a new connection, set up
anew, for every transaction, which cost more than most of our queries.
``setup_engine`` swaps it for a QueuePool (``[database]
sqlite_pool_size``; 0 keeps oslo.db's NullPool). It also keeps one idle
"keeper" connection open for the engine's lifetime: closing the last
connection of a WAL database checkpoints and removes the WAL, and every
next transaction would pay for re-opening it. The keeper never holds a
transaction, so it blocks nobody. After fork(), the child gets fresh
pools; the parent's connections are never touched there.
"""

import contextlib
import os
import sqlite3
import threading
import weakref

import sqlalchemy as sa

# Execution option that api.writer() sets on the connection of a write
# transaction; the "begin" hook below turns it into BEGIN IMMEDIATE.
IMMEDIATE_OPTION = 'heat_sqlite_begin_immediate'


def is_sqlite(engine):
    return engine.dialect.name == 'sqlite'


def _file_path(engine):
    path = engine.url.database
    if not path or path == ':memory:' or path.startswith('file:'):
        return None
    return path


def setup_engine(engine, busy_timeout=30.0, journal_mode='WAL',
                 wal_synchronous='NORMAL', pool_size=5):
    """Install the connection hooks on an oslo.db-made SQLite engine.

    Returns the keeper connection (None for an in-memory database, which
    cannot use WAL anyway); the caller closes it when done with the
    engine.
    """
    timeout_ms = int(busy_timeout * 1000)
    keeper = None
    path = _file_path(engine)
    if path is not None:
        keeper = sqlite3.connect(path, timeout=busy_timeout,
                                 check_same_thread=False,
                                 isolation_level=None)
        if journal_mode:
            # Persistent in the file: set once here, not per connection
            # (where it would cost more than the rest of the connect).
            keeper.execute('PRAGMA journal_mode=%s' % journal_mode)
        # A read attaches the keeper to the WAL index, which is what marks
        # it as an open connection to the other ones.
        keeper.execute('SELECT count(*) FROM sqlite_master').fetchall()
    wal = (journal_mode or '').upper() == 'WAL'

    @sa.event.listens_for(engine, 'connect')
    def _on_connect(dbapi_con, con_record):
        cur = dbapi_con.cursor()
        try:
            cur.execute('PRAGMA busy_timeout=%d' % timeout_ms)
            cur.execute('PRAGMA foreign_keys=ON')
            if wal and wal_synchronous:
                # oslo.db's sqlite_synchronous=False (OFF) wins over ours.
                level = cur.execute('PRAGMA synchronous').fetchone()[0]
                if level != 0:
                    cur.execute('PRAGMA synchronous=%s' % wal_synchronous)
        finally:
            cur.close()

    @sa.event.listens_for(engine, 'checkin')
    def _on_checkin(dbapi_con, con_record):
        # oslo.db's "in a transaction" mark lives on the pooled record; a
        # connection must never go back to the pool still carrying it, or
        # its next borrower would run without BEGIN.
        con_record.info.pop('in_transaction', None)

    gate = _WriteGate()

    def _on_begin(conn):
        if (conn.get_execution_options().get(IMMEDIATE_OPTION)
                and 'in_transaction' not in conn.info):
            entered = gate.enter(busy_timeout,
                                 getattr(_local, 'priority', False))
            try:
                conn.exec_driver_sql('BEGIN IMMEDIATE')
            except BaseException:
                if entered:
                    gate.leave()
                raise
            if entered:
                conn.info[_GATE_KEY] = gate
            # oslo.db's own hook skips its BEGIN when it sees this mark.
            conn.info['in_transaction'] = True

    def _leave(dbapi_con, con_record, *args):
        held = con_record.info.pop(_GATE_KEY, None)
        if held is not None:
            held.leave()

    for name in ('checkin', 'invalidate', 'close', 'detach'):
        sa.event.listen(engine, name, _leave)

    # Ours must run before oslo.db's "begin" hook, which would emit a
    # plain BEGIN: take theirs off, add ours, put theirs back.
    theirs = list(engine.dispatch.begin)
    for fn in theirs:
        sa.event.remove(engine, 'begin', fn)
    sa.event.listen(engine, 'begin', _on_begin)
    for fn in theirs:
        sa.event.listen(engine, 'begin', fn)

    if path is not None and pool_size:
        _use_queue_pool(engine, pool_size)
    else:
        # oslo.db opened a test connection before these hooks existed;
        # drop it so every later one is set up the same way.
        engine.dispose()
    return keeper


_GATE_KEY = 'heat_sqlite_write_gate'


_local = threading.local()


@contextlib.contextmanager
def priority():
    """Write transactions of this thread, inside the block, go ahead of
    the others queued at the gate (the AS engine's decisions: a trigger's
    answer must not wait behind a converger's member writes)."""
    before = getattr(_local, 'priority', False)
    _local.priority = True
    try:
        yield
    finally:
        _local.priority = before


class _WriteGate:
    """One writer at a time in this process, handed over at once.

    SQLite lets one write transaction run; the others wait in its busy
    handler, which sleeps in growing steps (up to 100 ms) and so turns a
    1 ms wait into tens of milliseconds under load. Writers of one
    process queue here instead, on a lock released when the writing
    connection returns to the pool (after its commit or rollback), and
    the next one starts at once. A thread that already holds the gate
    (a nested write on a second connection) and a writer that waited
    longer than the busy timeout go straight to SQLite, as before.
    Writers inside :func:`priority` go first.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._held = False
        self._owner = None
        self._priority_waiting = 0

    def enter(self, timeout, priority=False):
        me = threading.get_ident()
        if self._owner == me:
            return False
        with self._cond:
            if priority:
                self._priority_waiting += 1
            try:
                free = self._cond.wait_for(
                    lambda: not self._held and (
                        priority or not self._priority_waiting),
                    timeout)
            finally:
                if priority:
                    self._priority_waiting -= 1
            if not free:
                return False
            self._held = True
            self._owner = me
            return True

    def leave(self):
        with self._cond:
            self._held = False
            self._owner = None
            self._cond.notify_all()


def _use_queue_pool(engine, pool_size):
    """Swap oslo.db's NullPool for a QueuePool of reusable connections.

    A connection then serves many transactions, one thread at a time
    (the pool hands it to one borrower at once), instead of being opened
    and set up for each. The listeners already registered on the old
    pool (oslo.db's and ours) carry over, as ``Pool.recreate`` does it.
    """
    old = engine.pool
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    cparams['check_same_thread'] = False
    dbapi = engine.dialect.loaded_dbapi

    def creator():
        return dbapi.connect(*cargs, **cparams)

    engine.pool = sa.pool.QueuePool(
        creator, pool_size=pool_size, max_overflow=pool_size * 2,
        timeout=60, _dispatch=old.dispatch, dialect=old._dialect,
        reset_on_return='rollback')
    old.dispose()
    _pooled_engines.add(engine)


# SQLite forbids using a connection opened before fork() in the child,
# even to close it. A child therefore gets fresh pools, and the parent's
# pools (and keepers, see heat.db.api) are parked here, never touched.
_pooled_engines = weakref.WeakSet()
inherited = []


def _after_fork_in_child():
    for engine in list(_pooled_engines):
        inherited.append(engine.pool)
        engine.pool = engine.pool.recreate()


os.register_at_fork(after_in_child=_after_fork_in_child)
