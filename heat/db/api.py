"""Every query of the engine's database, and the session plumbing.

Sessions come from oslo.db's enginefacade. ``configure(url)`` points the
module at a database (SQLite file, MariaDB or PostgreSQL; same code).
Each function takes a ``context`` first: any object that can carry
attributes (the request context), or ``None`` for a call of its own.
Calls made inside ``with writer(ctx):`` on the same context join that one
transaction, which is how the engine groups several writes atomically.

Project scoping: every function that finds stacks (or events through
their stack) takes ``project_id`` and only ever matches that project's
rows; a stack of another project is simply not found. Resource-level
functions take ids the engine got from a scoped stack.

Compare-and-swap: ``resource_update``, ``stack_update`` (traversal),
``sync_point_update_input_data`` and the ``stack_lock_*`` functions are
single conditional UPDATE/INSERT/DELETE statements; they return whether
they won instead of raising, and the caller decides what losing means.

Redacted resource data: values with ``redact=True`` are stored as given
and never leave this module through a listing: ``resource_data_get_all``
masks them (``REDACTED``) unless the engine explicitly asks with
``reveal_redacted=True``, and ``resource_data_get`` returns one value the
engine named. They are not encrypted at rest: the project carries no
vetted cryptography library, and a home-made cipher would give false
comfort. The same holds for ``user_creds`` (password, trust id), which
no listing returns either. The ``decrypt_method`` columns are kept so
encryption (e.g. Fernet under a configured key) can be added later
without a migration; until then at-rest protection is the database's
own: the SQLite state directory and file are created owner-only
(0700/0600), and server databases rely on their access control and
storage encryption.
"""

import contextlib
import datetime
import functools
import logging
import os
import threading
import time

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import utils as db_utils
from sqlalchemy import orm

from heat.common import exception, uuids
from heat.db import models, options
from heat.db import sqlite as db_sqlite
from heat.db.models import utcnow

LOG = logging.getLogger(__name__)

REDACTED = '******'

# Returned as the holder of a lock that changed hands too fast to name.
UNKNOWN_HOLDER = ''

# An engine whose last heartbeat is older than this is dead; its stack
# locks may be stolen. The engine heartbeats well inside this window.
DEFAULT_DEAD_AFTER = datetime.timedelta(seconds=60)
# The process's dead_after when a caller names none (set_dead_after).
_dead_after = DEFAULT_DEAD_AFTER

_lock = threading.Lock()
_facade = None
_url = None
# SQLite keeper connections (see heat.db.sqlite), by id of their facade,
# with the id of the process that opened them.
_sqlite_keepers = {}


class _Context:
    """Carrier of enginefacade's state for callers without a context."""


# ---------------------------------------------------------------------------
# Configuration and sessions

def configure(connection_url, *, sqlite_busy_timeout=30.0,
              sqlite_journal_mode='WAL', sqlite_wal_synchronous='NORMAL',
              sqlite_pool_size=5, idle_transaction_timeout=0,
              **engine_options):
    """Point the module at ``connection_url`` (replacing any previous one).

    ``engine_options`` are oslo.db enginefacade options (``max_pool_size``,
    ``connection_recycle_time``, ``max_retries``...). SQLite gets WAL,
    foreign keys and a busy timeout (see ``heat.db.sqlite``). With
    ``idle_transaction_timeout`` (seconds), MariaDB and PostgreSQL end a
    transaction left idle that long (see
    :func:`_set_idle_transaction_timeout`).
    """
    global _facade, _url
    options.prepare_sqlite_file(connection_url)
    facade = enginefacade.transaction_context()
    engine_options.setdefault('sqlite_fk', True)
    # oslo.db's checkin hook sleeps to let eventlet switch; this project
    # runs on native threads, where it only costs time.
    engine_options.setdefault('thread_checkin', False)
    facade.configure(connection=options.with_utf8mb4(connection_url),
                     **engine_options)

    def _on_engine(engine):
        if db_sqlite.is_sqlite(engine):
            keeper = db_sqlite.setup_engine(
                engine, busy_timeout=sqlite_busy_timeout,
                journal_mode=sqlite_journal_mode,
                wal_synchronous=sqlite_wal_synchronous,
                pool_size=sqlite_pool_size)
            if keeper is not None:
                _sqlite_keepers[id(facade)] = (os.getpid(), keeper)
        elif idle_transaction_timeout:
            sa.event.listen(engine, 'connect', functools.partial(
                _set_idle_transaction_timeout, engine.dialect.name,
                idle_transaction_timeout))
            # (oslo.db's connection test pooled one without it)
            engine.dispose()

    facade.append_on_engine_create(_on_engine)
    with _lock:
        old, _facade, _url = _facade, facade, connection_url
    if old is not None:
        _dispose_facade(old)


def _set_idle_transaction_timeout(dialect, seconds, dbapi_conn, _record):
    """Have the server end a transaction of this connection that stays
    idle ``seconds`` (``[DEFAULT] db_idle_transaction_timeout``): a
    stopped process must not hold its row locks (a group's, whose lease
    another engine is taking over) for ever. MariaDB and PostgreSQL;
    other servers keep their own setting."""
    if dialect == 'postgresql':
        sql = 'SET idle_in_transaction_session_timeout = %d' % (
            seconds * 1000)
    elif dialect in ('mysql', 'mariadb'):
        sql = 'SET SESSION idle_transaction_timeout = %d' % seconds
    else:
        return
    cur = dbapi_conn.cursor()
    try:
        cur.execute(sql)
    except Exception as exc:  # noqa: BLE001 - MySQL has no such setting
        LOG.debug('%s: %s', sql, exc)
        dbapi_conn.rollback()
    else:
        dbapi_conn.commit()  # PostgreSQL undoes a SET rolled back
    finally:
        cur.close()


def configure_from_conf(conf):
    """``configure`` from an oslo.config object (``[database]`` group)."""
    db = conf.database
    kwargs = {
        'max_pool_size': db.max_pool_size,
        'max_overflow': db.max_overflow,
        'pool_timeout': db.pool_timeout,
        'connection_recycle_time': db.connection_recycle_time,
        'max_retries': db.max_retries,
        'retry_interval': db.retry_interval,
        'sqlite_synchronous': db.sqlite_synchronous,
    }
    group = getattr(conf, options.DATABASE_GROUP)
    configure(db.connection,
              sqlite_busy_timeout=group.sqlite_busy_timeout,
              sqlite_journal_mode=group.sqlite_journal_mode,
              sqlite_wal_synchronous=group.sqlite_wal_synchronous,
              sqlite_pool_size=group.sqlite_pool_size,
              idle_transaction_timeout=getattr(
                  conf, 'db_idle_transaction_timeout', 0),
              **{k: v for k, v in kwargs.items() if v is not None})
    global retry_seconds
    try:
        retry_seconds = float(conf.db_retry_seconds)
    except (AttributeError, TypeError, ValueError):  # NoSuchOptError too
        pass  # a configuration without the option keeps the default
    down = getattr(conf, 'service_down_time', None)
    if down is not None:
        set_dead_after(down)


def set_dead_after(seconds):
    """How long after its last heartbeat an engine counts as dead, for
    calls that name no ``dead_after`` (``[DEFAULT] service_down_time``).
    """
    global _dead_after
    if isinstance(seconds, datetime.timedelta):
        seconds = seconds.total_seconds()
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or seconds <= 0:
        raise ValueError('dead_after must be a positive number of '
                         'seconds, not %r' % (seconds,))
    _dead_after = datetime.timedelta(seconds=seconds)


def get_dead_after():
    """The process's current dead_after (a timedelta)."""
    return _dead_after


def _dispose_facade(facade):
    pid, keeper = _sqlite_keepers.pop(id(facade), (None, None))
    if keeper is not None:
        if pid == os.getpid():
            keeper.close()
        else:
            # Inherited through fork: SQLite must not touch a parent's
            # connection in the child, not even to close it (which is also
            # what garbage collection would do), so it is kept, unused.
            db_sqlite.inherited.append(keeper)
    facade.dispose_pool()


def dispose():
    """Close every pooled connection and forget the configuration."""
    global _facade, _url
    with _lock:
        old, _facade, _url = _facade, None, None
    if old is not None:
        _dispose_facade(old)


def _get_facade():
    facade = _facade
    if facade is None:
        raise RuntimeError('heat.db.api.configure() has not been called')
    return facade


def get_engine():
    return _get_facade().writer.get_engine()


def connection_url():
    return _url


@contextlib.contextmanager
def writer(context=None):
    """A write transaction (joined if ``context`` is already in one)."""
    ctx = _Context() if context is None else context
    with _get_facade().writer.using(ctx) as session:
        if not session.info.get('heat_begun'):
            session.info['heat_begun'] = True
            # On SQLite this makes the transaction BEGIN IMMEDIATE; the
            # option is meaningless (and ignored) elsewhere.
            if session.get_bind().dialect.name == 'sqlite':
                session.connection(execution_options={
                    db_sqlite.IMMEDIATE_OPTION: True})
        yield session


@contextlib.contextmanager
def reader(context=None):
    """A read transaction (joined if ``context`` is already in one)."""
    ctx = _Context() if context is None else context
    with _get_facade().reader.using(ctx) as session:
        yield session


#: ``with priority_writes():`` this thread's write transactions go ahead
#: of the process's other queued writers (SQLite; elsewhere a no-op: the
#: server databases lock rows, not the whole database)
priority_writes = db_sqlite.priority

DEADLOCK_RETRIES = 3

#: seconds a call keeps retrying after it lost its database connection
#: (``[DEFAULT] db_retry_seconds``, set by :func:`configure_from_conf`)
retry_seconds = 10.0
#: the first and the longest pause between two such retries
RETRY_PAUSE, RETRY_PAUSE_MAX = 0.05, 1.0
#: MariaDB/MySQL errors that mean "this connection is gone" but that
#: oslo.db reports as a plain DBError (1053: server shutdown in
#: progress; 1927: connection killed; 4031: idle client disconnected)
_MYSQL_GONE = (1053, 1927, 4031)


def is_disconnect(exc):
    """Whether a database error means the connection or server is gone
    (the call may be retried on a new connection)."""
    if isinstance(exc, db_exc.DBConnectionError):
        return True
    inner = getattr(exc, 'inner_exception', None)
    orig = getattr(inner, 'orig', inner)
    args = getattr(orig, 'args', ())
    return isinstance(exc, db_exc.DBError) and bool(args) and \
        args[0] in _MYSQL_GONE


class RetryBudget:
    """When a call that failed on the database may run again: a lost
    deadlock up to ``deadlocks`` times (its transaction was rolled back),
    a lost connection for ``seconds`` (default :data:`retry_seconds`),
    pausing :data:`RETRY_PAUSE` doubling up to :data:`RETRY_PAUSE_MAX`.

    ``pause(exc)`` sleeps and returns True when the call should run
    again, False when the error should be raised."""

    def __init__(self, deadlocks=DEADLOCK_RETRIES, seconds=None,
                 what='database call'):
        self.deadlocks_left = deadlocks
        self.seconds = retry_seconds if seconds is None else seconds
        self.what = what
        self.deadline = None
        self.pauses = 0

    def pause(self, exc):
        if isinstance(exc, db_exc.DBDeadlock):
            if self.deadlocks_left <= 0:
                return False
            self.deadlocks_left -= 1
            self.pauses += 1
            time.sleep(0.01 * self.pauses)
            return True
        if not is_disconnect(exc):
            return False
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + self.seconds
        delay = min(RETRY_PAUSE * 2 ** self.pauses, RETRY_PAUSE_MAX)
        if now + delay > self.deadline:
            return False
        self.pauses += 1
        LOG.warning('%s lost its database connection (%s); retry %d in '
                    '%.2fs', self.what, type(exc).__name__, self.pauses,
                    delay)
        time.sleep(delay)
        return True


def retry_on_deadlock(fn):
    """Retry a whole call that lost a deadlock (MariaDB's InnoDB can pick
    it as the victim of concurrent inserts on one key) or its database
    connection (the server restarted, a failover, a network cut): see
    :class:`RetryBudget`. Decorated calls are safe to repeat: compare-
    and-swap or idempotent writes.

    Only a call in its own transaction (``context`` None or not inside
    ``writer``) is retried: inside a caller's transaction the error has
    already rolled everything back, and only the caller can redo it.
    """
    @functools.wraps(fn)
    def wrapper(context, *args, **kwargs):
        budget = None
        while True:
            try:
                return fn(context, *args, **kwargs)
            except db_exc.DBError as exc:
                if _in_transaction(context):
                    raise
                if budget is None:
                    budget = RetryBudget(what=fn.__name__)
                if not budget.pause(exc):
                    raise
    return wrapper


#: the same, for reads on a trigger's path (they cannot deadlock, but
#: ride out a restart of the server like the decision they lead to)
retry_on_disconnect = retry_on_deadlock


def _in_transaction(context):
    tl = getattr(context, '_enginefacade_context', None)
    return tl is not None and getattr(tl, 'current', None) is not None


def _not_found(entity, name):
    return exception.EntityNotFound(entity=entity, name=name)


def _apply_values(obj, values):
    for key, value in values.items():
        if not hasattr(type(obj), key):
            raise KeyError('%s has no column %r' % (type(obj).__name__, key))
        setattr(obj, key, value)


# ---------------------------------------------------------------------------
# raw_template, raw_template_files

def raw_template_create(context, values):
    """Store a template; ``values['files']`` (a dict) goes to its own row."""
    values = dict(values)
    files = values.pop('files', None)
    with writer(context) as session:
        if files is not None:
            f = models.RawTemplateFiles(files=files)
            session.add(f)
            session.flush()
            values['files_id'] = f.id
        tmpl = models.RawTemplate()
        _apply_values(tmpl, values)
        session.add(tmpl)
        session.flush()
        return tmpl


@retry_on_disconnect
def raw_template_get(context, template_id):
    with reader(context) as session:
        tmpl = session.get(models.RawTemplate, template_id)
        if tmpl is None:
            raise _not_found('Template', template_id)
        return tmpl


def raw_template_files_get(context, files_id):
    with reader(context) as session:
        files = session.get(models.RawTemplateFiles, files_id)
        if files is None:
            raise _not_found('Template files', files_id)
        return files


def raw_template_update(context, template_id, values):
    values = dict(values)
    files = values.pop('files', None)
    with writer(context) as session:
        tmpl = session.get(models.RawTemplate, template_id)
        if tmpl is None:
            raise _not_found('Template', template_id)
        old_files_id = tmpl.files_id
        if files is not None:
            f = models.RawTemplateFiles(files=files)
            session.add(f)
            session.flush()
            values['files_id'] = f.id
        _apply_values(tmpl, values)
        session.flush()
        if old_files_id is not None and tmpl.files_id != old_files_id:
            _delete_unused_files(session, {old_files_id})
        return tmpl


def raw_template_delete(context, template_id):
    """Delete a template, and its files when no other template uses them."""
    with writer(context) as session:
        tmpl = session.get(models.RawTemplate, template_id)
        if tmpl is None:
            raise _not_found('Template', template_id)
        files_id = tmpl.files_id
        session.delete(tmpl)
        session.flush()
        if files_id is not None:
            _delete_unused_files(session, {files_id})


# ---------------------------------------------------------------------------
# user_creds

def user_creds_create(context, values):
    with writer(context) as session:
        creds = models.UserCreds()
        _apply_values(creds, values)
        session.add(creds)
        session.flush()
        return creds


def user_creds_get(context, creds_id):
    with reader(context) as session:
        creds = session.get(models.UserCreds, creds_id)
        if creds is None:
            raise _not_found('User credentials', creds_id)
        return creds


def user_creds_delete(context, creds_id):
    with writer(context) as session:
        creds = session.get(models.UserCreds, creds_id)
        if creds is None:
            raise _not_found('User credentials', creds_id)
        session.delete(creds)


# ---------------------------------------------------------------------------
# stack

def _stack_query(session, project_id, show_deleted=False):
    if not project_id:
        # A missing project would match nothing or, worse, everything on a
        # careless filter; fail loudly instead.
        raise ValueError('project_id is required for stack queries')
    query = session.query(models.Stack).filter(
        models.Stack.tenant == project_id)
    if not show_deleted:
        query = query.filter(models.Stack.deleted_at.is_(None))
    return query


def stack_create(context, values):
    """Create a stack row; ``values['tenant']`` is its project.

    ``values['tags']`` may be a list of strings.
    """
    values = dict(values)
    tags = values.pop('tags', None) or []
    if not values.get('tenant'):
        raise ValueError('a stack needs its project (tenant)')
    with writer(context) as session:
        stack = models.Stack()
        _apply_values(stack, values)
        stack.tags = [models.StackTag(tag=t) for t in tags]
        session.add(stack)
        session.flush()
        return stack


@retry_on_disconnect
def stack_get(context, stack_id, project_id, show_deleted=False,
              tags=True):
    """The stack, or None if it is not in ``project_id`` (or deleted).

    ``tags=False`` leaves ``tags`` unloaded (empty): one query instead of
    two, for the signal path, which never reads them.
    """
    with reader(context) as session:
        query = _stack_query(session, project_id, show_deleted).filter(
            models.Stack.id == stack_id)
        if not tags:
            query = query.options(orm.noload(models.Stack.tags))
        return query.one_or_none()


def stack_raw_template_id(context, stack_id):
    """The ``raw_template_id`` of a live (not deleted) stack, or None:
    one column (the converger's look at its owner stack)."""
    S = models.Stack
    with reader(context) as session:
        return session.execute(sa.select(S.raw_template_id).where(
            S.id == stack_id, S.deleted_at.is_(None))).scalar()


@functools.lru_cache(maxsize=None)
def _signal_rows_statement():
    """The statement of :func:`stack_resource_signal_rows`, built once
    (building it is most of the Python time of a signal's read; its
    values are bound at each execution)."""
    S, R, T = models.Stack, models.Resource, models.RawTemplate
    # (the resource joined on its (stack_id, name) index; a subquery
    # in the ON clause made SQLite scan the stack's resources)
    return sa.select(S, R, T.environment).select_from(S).where(
        S.tenant == sa.bindparam('project_id'), S.deleted_at.is_(None),
        S.id == sa.bindparam('stack_id')).options(
        orm.noload(S.tags)).outerjoin(
        R, sa.and_(R.stack_id == S.id,
                   R.name == sa.bindparam('resource_name'))).outerjoin(
        T, T.id == S.raw_template_id).order_by(R.id.desc()).limit(1)


@retry_on_disconnect
def stack_resource_signal_rows(context, stack_id, project_id,
                               resource_name):
    """What a signal to a resource needs, in one statement: ``(stack,
    resource or None, the stack's environment)`` of a live stack of the
    project (its tags not loaded; the resource the newest of that name,
    as :func:`resource_get_by_name_and_stack`), or None."""
    if not project_id:
        raise ValueError('project_id is required for stack queries')
    with reader(context) as session:
        found = session.execute(_signal_rows_statement(), {
            'project_id': project_id, 'stack_id': stack_id,
            'resource_name': resource_name}).one_or_none()
    if found is None:
        return None
    return found[0], found[1], found[2]


def stack_get_by_name(context, stack_name, project_id, owner_id=None):
    """A live top-level stack by name (or a nested one under ``owner_id``)."""
    with reader(context) as session:
        query = _stack_query(session, project_id).filter(
            models.Stack.name == stack_name,
            models.Stack.owner_id == owner_id
            if owner_id else models.Stack.owner_id.is_(None))
        return query.order_by(models.Stack.created_at).first()


def stack_get_children(context, stack_id, project_id, show_deleted=False):
    """Nested stacks whose owner is ``stack_id``."""
    with reader(context) as session:
        return _stack_query(session, project_id, show_deleted).filter(
            models.Stack.owner_id == stack_id).order_by(
            models.Stack.created_at, models.Stack.id).all()


_STACK_SORT_KEYS = ('created_at', 'updated_at', 'name', 'status', 'action')
_STACK_FILTER_KEYS = ('name', 'status', 'action', 'owner_id', 'username',
                      'parent_resource_name', 'id')


def _stack_list_query(session, project_id, filters, show_deleted,
                      show_nested, tags, tags_any, not_tags):
    query = _stack_query(session, project_id, show_deleted)
    if not show_nested:
        query = query.filter(models.Stack.owner_id.is_(None))
    for key, value in (filters or {}).items():
        if key not in _STACK_FILTER_KEYS:
            raise ValueError('cannot filter stacks on %r' % key)
        column = getattr(models.Stack, key)
        if isinstance(value, (list, tuple, set)):
            query = query.filter(column.in_(list(value)))
        else:
            query = query.filter(column == value)
    tag_col = models.StackTag.tag

    def _has(tag):
        return models.Stack.tags.any(tag_col == tag)

    for tag in tags or ():
        query = query.filter(_has(tag))
    if tags_any:
        query = query.filter(models.Stack.tags.any(tag_col.in_(tags_any)))
    for tag in not_tags or ():
        query = query.filter(~_has(tag))
    return query


def stack_get_all(context, project_id, *, limit=None, marker=None,
                  sort_keys=None, sort_dir='desc', filters=None,
                  show_deleted=False, show_nested=False, tags=None,
                  tags_any=None, not_tags=None):
    """The project's stacks, paginated by ``marker`` (a stack id).

    ``tags``: every tag must be present; ``tags_any``: at least one;
    ``not_tags``: none of them. Nested stacks only with ``show_nested``.
    """
    keys = list(sort_keys or ['created_at'])
    for key in keys:
        if key not in _STACK_SORT_KEYS:
            raise ValueError('cannot sort stacks on %r' % key)
    keys.append('id')
    with reader(context) as session:
        query = _stack_list_query(session, project_id, filters,
                                  show_deleted, show_nested, tags,
                                  tags_any, not_tags)
        marker_obj = None
        if marker is not None:
            marker_obj = _stack_query(session, project_id,
                                      show_deleted=True).filter(
                models.Stack.id == marker).one_or_none()
            if marker_obj is None:
                raise _not_found('Stack', marker)
        query = db_utils.paginate_query(
            query, models.Stack, limit, keys, marker=marker_obj,
            sort_dir=sort_dir)
        return query.all()


def stack_count_all(context, project_id, *, filters=None,
                    show_deleted=False, show_nested=False, tags=None,
                    tags_any=None, not_tags=None):
    with reader(context) as session:
        return _stack_list_query(session, project_id, filters,
                                 show_deleted, show_nested, tags,
                                 tags_any, not_tags).count()


def stack_claim_user_project(context, stack_id, project_id,
                             user_project_id):
    """Set the stack's ``stack_user_project_id`` to ``user_project_id``
    unless it already has one; the one it has afterwards (the first
    claim wins, so concurrent resources of a stack share one project)."""
    with writer(context) as session:
        M = models.Stack
        session.query(M).filter(
            M.id == stack_id, M.tenant == project_id,
            M.stack_user_project_id.is_(None)).update(
            {'stack_user_project_id': user_project_id},
            synchronize_session=False)
        return session.query(M.stack_user_project_id).filter(
            M.id == stack_id).scalar()


def stack_get_by_user_project(context, stack_id, user_project_id):
    """The live stack ``stack_id`` whose stack user project is
    ``user_project_id`` (a stack user's token is scoped to it), or
    None."""
    if not user_project_id:
        return None
    with reader(context) as session:
        M = models.Stack
        return session.query(M).filter(
            M.id == stack_id, M.deleted_at.is_(None),
            M.stack_user_project_id == user_project_id).one_or_none()


def stack_update(context, stack_id, project_id, values, exp_trvsl=None,
                 fence=None):
    """Update a live stack; with ``exp_trvsl``, only if it is the traversal.

    Returns True if the row was updated. ``values['tags']`` replaces the
    tags. A False return with ``exp_trvsl`` means another update took over
    the stack (its ``current_traversal`` changed); with ``fence``, that
    the lock it names is no longer held as it was taken
    (:func:`stack_lock_fence_clause`).
    """
    values = dict(values)
    tags = values.pop('tags', None)
    with writer(context) as session:
        query = _stack_query(session, project_id).filter(
            models.Stack.id == stack_id)
        if exp_trvsl is not None:
            query = query.filter(
                models.Stack.current_traversal == exp_trvsl)
        if fence is not None:
            query = query.filter(stack_lock_fence_clause(fence))
        values.setdefault('updated_at', utcnow())
        for key in values:
            if not hasattr(models.Stack, key) or key in ('id', 'tenant'):
                raise KeyError('cannot update stack column %r' % key)
        rows = query.update(values, synchronize_session=False)
        if rows != 1:
            return False
        if tags is not None:
            session.query(models.StackTag).filter(
                models.StackTag.stack_id == stack_id).delete(
                synchronize_session=False)
            session.add_all(models.StackTag(tag=t, stack_id=stack_id)
                            for t in tags)
        return True


def stack_get_status(context, stack_id, project_id):
    """``(action, status, status_reason, updated_at)`` of a live stack."""
    with reader(context) as session:
        row = session.query(
            models.Stack.action, models.Stack.status,
            models.Stack.status_reason, models.Stack.updated_at).filter(
            models.Stack.tenant == project_id,
            models.Stack.id == stack_id,
            models.Stack.deleted_at.is_(None)).one_or_none()
        if row is None:
            raise _not_found('Stack', stack_id)
        return tuple(row)


def stack_get_state(context, stack_id, project_id):
    """``(id, name, action, status, updated_at)`` of a live stack, or
    None: five columns, not the row (a member stack's state change)."""
    S = models.Stack
    with reader(context) as session:
        row = session.execute(sa.select(
            S.id, S.name, S.action, S.status, S.updated_at).where(
            S.tenant == project_id, S.id == stack_id,
            S.deleted_at.is_(None))).one_or_none()
    return row


def stack_count_total_resources(context, root_stack_id):
    """Resources of a stack tree (the stack and all its nested stacks)."""
    with reader(context) as session:
        return session.query(sa.func.count(models.Resource.id)).filter(
            models.Resource.root_stack_id == root_stack_id).scalar()


def scaling_member_resource_budget(context, member_stack_id):
    """What the resource limit (``max_resources_per_stack``) sees of a
    group: ``(others, per_member)``. ``others``: the resources of the
    group's stack tree that are not its members nor inside them;
    ``per_member``: what one member counts (1, plus the resources inside
    the members' own nested stacks on average, rounded up: a
    provider-template member counts what it holds).

    A few counts on indexed columns; the tree's root is found through
    the stacks' ``owner_id``."""
    S, R = models.Stack, models.Resource
    with reader(context) as session:
        root, seen = member_stack_id, 0
        while seen < 100:
            owner = session.query(S.owner_id).filter(
                S.id == root).scalar()
            if not owner:
                break
            root, seen = owner, seen + 1
        total = session.query(sa.func.count(R.id)).filter(
            R.root_stack_id == root).scalar() or 0
        members = session.query(sa.func.count(R.id)).filter(
            R.stack_id == member_stack_id).scalar() or 0
        inner = session.query(sa.func.count(R.id)).filter(
            R.stack_id.in_(sa.select(S.id).where(
                S.owner_id == member_stack_id,
                S.deleted_at.is_(None)))).scalar() or 0
    per_member = 1 + (-(-inner // members) if members else 0)
    return max(total - members - inner, 0), per_member


def stack_delete(context, stack_id, project_id, now=None):
    """Soft-delete a stack: mark ``deleted_at``, drop what hangs off it.

    Its resources (and their data), lock, sync points, snapshots and the
    rows only they referenced go now; the stack row, its templates,
    credentials, tags and events stay until ``purge_deleted``. Nested
    stacks are not touched: the engine deletes them first. Returns False
    if there was no such live stack in the project.
    """
    now = now or utcnow()
    with writer(context) as session:
        stack = _stack_query(session, project_id).filter(
            models.Stack.id == stack_id).one_or_none()
        if stack is None:
            return False
        refs = _delete_stack_dependents(session, [stack_id])
        stack.deleted_at = now
        stack.updated_at = now
        session.flush()
        _delete_unreferenced(session, refs)
        return True


class _Refs:
    """Shared rows that deleting some stacks may leave unreferenced."""

    def __init__(self):
        self.templates = set()
        self.creds = set()
        self.prop_data = set()


def _ids(session, column, *where):
    return {v for (v,) in session.query(column).filter(*where)
            if v is not None}


def _delete_stack_dependents(session, stack_ids):
    """Delete resources, data, locks, sync points and snapshots of
    ``stack_ids``."""
    R = models.Resource
    refs = _Refs()
    in_stacks = R.stack_id.in_(stack_ids)
    refs.templates |= _ids(session, R.current_template_id, in_stacks)
    refs.prop_data |= _ids(session, R.rsrc_prop_data_id, in_stacks)
    refs.prop_data |= _ids(session, R.attr_data_id, in_stacks)
    rsrc_ids = sa.select(R.id).where(in_stacks).scalar_subquery()
    for stmt in (
            sa.delete(models.ResourceData).where(
                models.ResourceData.resource_id.in_(rsrc_ids)),
            sa.delete(R).where(in_stacks),
            sa.delete(models.StackLock).where(
                models.StackLock.stack_id.in_(stack_ids)),
            sa.delete(models.SyncPoint).where(
                models.SyncPoint.stack_id.in_(stack_ids)),
            sa.delete(models.Snapshot).where(
                models.Snapshot.stack_id.in_(stack_ids))):
        session.execute(stmt, execution_options={
            'synchronize_session': False})
    return refs


# Bound parameters per IN (...): well under SQLite's limit of 32766.
_CHUNK = 500


def _chunks(ids):
    ids = sorted(ids)
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def _unused(session, ids, *columns):
    """Those of ``ids`` that no row refers to through ``columns``."""
    used = set()
    for chunk in _chunks(ids):
        for column in columns:
            used |= _ids(session, column, column.in_(chunk))
    return set(ids) - used


def _delete_ids(session, model, ids):
    for chunk in _chunks(ids):
        session.execute(sa.delete(model).where(model.id.in_(chunk)))


def _delete_unused_files(session, files_ids):
    _delete_ids(session, models.RawTemplateFiles,
                _unused(session, files_ids, models.RawTemplate.files_id))


def _delete_unreferenced(session, refs):
    """Delete templates, files, creds and property data nobody uses now."""
    S, R, E = models.Stack, models.Resource, models.Event
    templates = _unused(session, refs.templates, S.raw_template_id,
                        S.prev_raw_template_id, R.current_template_id)
    files = set()
    for chunk in _chunks(templates):
        files |= _ids(session, models.RawTemplate.files_id,
                      models.RawTemplate.id.in_(chunk))
    _delete_ids(session, models.RawTemplate, templates)
    _delete_unused_files(session, files)
    _delete_ids(session, models.UserCreds,
                _unused(session, refs.creds, S.user_creds_id))
    _delete_ids(session, models.ResourcePropertiesData,
                _unused(session, refs.prop_data, R.rsrc_prop_data_id,
                        R.attr_data_id, E.rsrc_prop_data_id))


def purge_deleted(context, age, now=None, batch_size=100):
    """Hard-delete stacks soft-deleted more than ``age`` ago (all projects).

    ``age`` is a ``timedelta`` or a number of seconds. Everything of a
    purged stack goes: events, tags, and the templates, files,
    credentials and property data no remaining row uses. A stack is kept
    while it still has a nested stack that is not purged with it. This is
    an operator command (``heat-manage purge_deleted``), hence not
    project-scoped. Returns the number of stacks purged.
    """
    if not isinstance(age, datetime.timedelta):
        age = datetime.timedelta(seconds=age)
    cutoff = (now or utcnow()) - age
    S = models.Stack
    total = 0
    kept = set()  # old enough, but still owning a stack that stays
    while True:
        with writer(context) as session:
            query = session.query(S.id, S.nested_depth).filter(
                S.deleted_at.is_not(None), S.deleted_at <= cutoff)
            if kept:
                query = query.filter(S.id.not_in(sorted(kept)))
            rows = query.order_by(S.nested_depth.desc(), S.id).limit(
                batch_size).all()
            candidates = {sid: depth for sid, depth in rows}
            # Children first: keep dropping candidates that still own a
            # stack which is not itself a candidate.
            while candidates:
                children = session.query(S.owner_id, S.id).filter(
                    S.owner_id.in_(list(candidates))).all()
                blocked = {owner for owner, child in children
                           if child not in candidates}
                if not blocked:
                    break
                kept |= blocked
                for owner in blocked:
                    del candidates[owner]
            if candidates:
                _purge_stacks(session, candidates)
                total += len(candidates)
        if len(rows) < batch_size:
            return total


def _purge_stacks(session, depth_by_id):
    S, E = models.Stack, models.Event
    ids = list(depth_by_id)
    refs = _delete_stack_dependents(session, ids)
    refs.templates |= _ids(session, S.raw_template_id, S.id.in_(ids))
    refs.templates |= _ids(session, S.prev_raw_template_id, S.id.in_(ids))
    refs.creds |= _ids(session, S.user_creds_id, S.id.in_(ids))
    refs.prop_data |= _ids(session, E.rsrc_prop_data_id,
                           E.stack_id.in_(ids))
    for stmt in (sa.delete(E).where(E.stack_id.in_(ids)),
                 sa.delete(models.StackTag).where(
                     models.StackTag.stack_id.in_(ids))):
        session.execute(stmt)
    # Deepest first: a parent row may only go once its children are gone
    # (the owner_id reference is checked row by row on some backends).
    for depth in sorted(set(depth_by_id.values()), reverse=True):
        level = [sid for sid, d in depth_by_id.items() if d == depth]
        session.execute(sa.delete(S).where(S.id.in_(level)))
    _delete_unreferenced(session, refs)


# ---------------------------------------------------------------------------
# resource, resource_properties_data

def resource_create(context, values):
    with writer(context) as session:
        rsrc = models.Resource()
        _apply_values(rsrc, values)
        session.add(rsrc)
        session.flush()
        return rsrc


def resource_get(context, resource_id):
    with reader(context) as session:
        rsrc = session.get(models.Resource, resource_id)
        if rsrc is None:
            raise _not_found('Resource', resource_id)
        return rsrc


def resource_get_by_uuid(context, resource_uuid):
    with reader(context) as session:
        rsrc = session.query(models.Resource).filter(
            models.Resource.uuid == resource_uuid).one_or_none()
        if rsrc is None:
            raise _not_found('Resource', resource_uuid)
        return rsrc


@retry_on_disconnect
def resource_get_by_name_and_stack(context, resource_name, stack_id):
    with reader(context) as session:
        return session.query(models.Resource).filter(
            models.Resource.stack_id == stack_id,
            models.Resource.name == resource_name).order_by(
            models.Resource.id.desc()).first()


def resource_get_all_by_stack(context, stack_id, filters=None):
    """Resources of one stack, oldest first; ``filters``: column=value."""
    with reader(context) as session:
        query = session.query(models.Resource).filter(
            models.Resource.stack_id == stack_id)
        for key, value in (filters or {}).items():
            if key not in models.Resource.__table__.columns:
                raise ValueError('cannot filter resources on %r' % key)
            query = query.filter(getattr(models.Resource, key) == value)
        return query.order_by(models.Resource.id).all()


def resource_get_all_by_root_stack(context, root_stack_id):
    with reader(context) as session:
        return session.query(models.Resource).filter(
            models.Resource.root_stack_id == root_stack_id).order_by(
            models.Resource.id).all()


def resource_get_by_physical_resource_id(context, physical_resource_id,
                                         project_id):
    """The resource with this physical id in a live stack of the project."""
    R, S = models.Resource, models.Stack
    with reader(context) as session:
        return session.query(R).join(S, R.stack_id == S.id).filter(
            R.nova_instance == physical_resource_id,
            S.tenant == project_id,
            S.deleted_at.is_(None)).order_by(R.id).first()


@retry_on_deadlock
def resource_update(context, resource_id, values, atomic_key,
                    expected_engine_id=None):
    """Compare-and-swap update of a resource; bumps ``atomic_key``.

    Applies ``values`` only if the row still has ``atomic_key`` and is
    held by ``expected_engine_id`` (None: held by nobody). Returns True
    if it won. ``values`` may set ``engine_id`` (take or release the
    resource) in the same statement.
    """
    R = models.Resource
    values = dict(values)
    if 'atomic_key' in values:
        raise KeyError('atomic_key is managed by resource_update')
    values['atomic_key'] = R.atomic_key + 1
    values.setdefault('updated_at', utcnow())
    engine_match = (R.engine_id.is_(None) if expected_engine_id is None
                    else R.engine_id == expected_engine_id)
    with writer(context) as session:
        result = session.execute(
            sa.update(R).where(R.id == resource_id,
                               R.atomic_key == atomic_key,
                               engine_match).values(values),
            execution_options={'synchronize_session': False})
        return result.rowcount == 1


def resource_update_and_save(context, resource_id, values):
    """Unconditional update (no CAS), for fields no one races on."""
    with writer(context) as session:
        rsrc = session.get(models.Resource, resource_id)
        if rsrc is None:
            raise _not_found('Resource', resource_id)
        _apply_values(rsrc, values)
        session.flush()
        return rsrc


def resource_delete(context, resource_id):
    """Delete a resource, its data and property rows nobody else uses."""
    R = models.Resource
    with writer(context) as session:
        rsrc = session.get(R, resource_id)
        if rsrc is None:
            raise _not_found('Resource', resource_id)
        refs = _Refs()
        refs.prop_data |= {i for i in (rsrc.rsrc_prop_data_id,
                                       rsrc.attr_data_id) if i}
        session.execute(sa.delete(models.ResourceData).where(
            models.ResourceData.resource_id == resource_id))
        session.execute(sa.delete(R).where(R.id == resource_id),
                        execution_options={'synchronize_session': False})
        _delete_unreferenced(session, refs)


# Batches of resource rows (a scaling group's converger writes one batch
# of members in O(1) statements, whatever the batch's size).

def resource_create_many(context, rows):
    """Insert resource rows (dicts of columns, each with its ``uuid``) in
    one executemany statement; ``{uuid: id}`` of the new rows (one more
    statement: ids are not returned by every driver's executemany)."""
    if not rows:
        return {}
    R = models.Resource
    with writer(context) as session:
        conn = session.connection()
        conn.execute(sa.insert(R), rows)
        ids = {}
        for chunk in _chunks([r['uuid'] for r in rows]):
            ids.update(conn.execute(sa.select(R.uuid, R.id).where(
                R.uuid.in_(chunk))).all())
        return ids


_RESOURCE_BATCH_KEYS = ('action', 'status', 'status_reason',
                        'nova_instance', 'properties_data',
                        'rsrc_metadata', 'updated_at')


def resource_update_many(context, rows):
    """Set the state of many resources in one executemany statement.

    Each of ``rows`` is a dict of ``id`` and the same subset of
    ``action, status, status_reason, nova_instance, properties_data,
    rsrc_metadata, updated_at``; ``atomic_key`` is bumped as
    :func:`resource_update` does (no compare-and-swap: the caller owns
    the rows, e.g. a converger fenced by its lease). The number matched.
    """
    if not rows:
        return 0
    R = models.Resource
    keys = [k for k in _RESOURCE_BATCH_KEYS if k in rows[0]]
    for row in rows:
        if set(row) != set(keys) | {'id'}:
            raise KeyError('resource_update_many: rows must set the same '
                           'columns (%s), not %s' % (
                               ', '.join(keys), sorted(row)))
    stmt = sa.update(R).where(R.id == sa.bindparam('b_id')).values(
        {k: sa.bindparam('b_' + k) for k in keys}
    ).values(atomic_key=R.atomic_key + 1)
    params = [{'b_' + k: v for k, v in row.items()} for row in rows]
    with writer(context) as session:
        return session.connection().execute(stmt, params).rowcount


def resource_delete_many(context, ids):
    """Delete resources, their data and the property rows nobody else
    uses, in one transaction of O(1) statements (per 500 ids)."""
    if not ids:
        return
    R = models.Resource
    with writer(context) as session:
        conn = session.connection()
        refs = _Refs()
        for chunk in _chunks(ids):
            for pid, aid in conn.execute(sa.select(
                    R.rsrc_prop_data_id, R.attr_data_id).where(
                    R.id.in_(chunk), sa.or_(R.rsrc_prop_data_id.isnot(None),
                                            R.attr_data_id.isnot(None)))):
                refs.prop_data |= {i for i in (pid, aid) if i}
            conn.execute(sa.delete(models.ResourceData).where(
                models.ResourceData.resource_id.in_(chunk)))
            conn.execute(sa.delete(R).where(R.id.in_(chunk)))
        if refs.prop_data:
            _delete_unreferenced(session, refs)


def event_create_many(context, rows):
    """Insert events (dicts of :class:`~heat.db.models.Event` columns) in
    one executemany statement, in the order given (ids follow it)."""
    if not rows:
        return
    with writer(context) as session:
        session.connection().execute(sa.insert(models.Event), rows)


def resource_prop_data_create(context, data, encrypted=False):
    with writer(context) as session:
        row = models.ResourcePropertiesData(data=data, encrypted=encrypted)
        session.add(row)
        session.flush()
        return row


def resource_prop_data_get(context, prop_data_id):
    with reader(context) as session:
        row = session.get(models.ResourcePropertiesData, prop_data_id)
        if row is None:
            raise _not_found('Resource properties data', prop_data_id)
        return row


# ---------------------------------------------------------------------------
# resource_data

def resource_data_set(context, resource_id, key, value, redact=False):
    """Create or replace one data item of a resource."""
    D = models.ResourceData
    with writer(context) as session:
        row = session.query(D).filter(D.resource_id == resource_id,
                                      D.key == key).one_or_none()
        if row is None:
            row = D(resource_id=resource_id, key=key)
            session.add(row)
        row.value = value
        row.redact = bool(redact)
        session.flush()
        return row


def resource_data_get(context, resource_id, key):
    """The real value of one item (redacted or not): engine use only."""
    D = models.ResourceData
    with reader(context) as session:
        row = session.query(D.value).filter(
            D.resource_id == resource_id, D.key == key).one_or_none()
        if row is None:
            raise _not_found('Resource data', key)
        return row[0]


def resource_data_get_all(context, resource_id, reveal_redacted=False):
    """``{key: value}`` of a resource; redacted values are ``REDACTED``.

    Only the engine, when it needs the secrets back (to rebuild a signed
    URL, say), passes ``reveal_redacted=True``; anything shown to users
    must use the default.
    """
    D = models.ResourceData
    with reader(context) as session:
        rows = session.query(D.key, D.value, D.redact).filter(
            D.resource_id == resource_id).order_by(D.key).all()
    return {key: value if (reveal_redacted or not redact) else REDACTED
            for key, value, redact in rows}


def resource_data_delete(context, resource_id, key):
    D = models.ResourceData
    with writer(context) as session:
        rows = session.query(D).filter(
            D.resource_id == resource_id, D.key == key).delete(
            synchronize_session=False)
        if not rows:
            raise _not_found('Resource data', key)


# ---------------------------------------------------------------------------
# event

def event_create(context, values):
    """Record an event. Old events are not purged here: see event_purge."""
    with writer(context) as session:
        event = models.Event()
        _apply_values(event, values)
        session.add(event)
        session.flush()
        return event


_EVENT_FILTER_KEYS = ('resource_action', 'resource_status',
                      'resource_name', 'resource_type',
                      'physical_resource_id', 'uuid')


def _event_query(session, stack_id, project_id):
    E, S = models.Event, models.Stack
    return session.query(E).join(S, E.stack_id == S.id).filter(
        S.tenant == project_id, E.stack_id == stack_id)


def event_get_all_by_stack(context, stack_id, project_id, *, limit=None,
                           marker=None, sort_dir='asc', filters=None):
    """Events of a stack of the project (deleted stacks included).

    Ordered by creation (id); ``marker`` is an event uuid.
    """
    E = models.Event
    with reader(context) as session:
        query = _event_query(session, stack_id, project_id)
        for key, value in (filters or {}).items():
            if key not in _EVENT_FILTER_KEYS:
                raise ValueError('cannot filter events on %r' % key)
            column = getattr(E, key)
            if isinstance(value, (list, tuple, set)):
                query = query.filter(column.in_(list(value)))
            else:
                query = query.filter(column == value)
        marker_obj = None
        if marker is not None:
            marker_obj = _event_query(session, stack_id, project_id).filter(
                E.uuid == marker).one_or_none()
            if marker_obj is None:
                raise _not_found('Event', marker)
        query = db_utils.paginate_query(query, E, limit, ['id'],
                                        marker=marker_obj,
                                        sort_dir=sort_dir)
        return query.all()


def event_count_all_by_stack(context, stack_id, project_id):
    with reader(context) as session:
        return _event_query(session, stack_id, project_id).count()


def event_get(context, event_uuid, project_id):
    E, S = models.Event, models.Stack
    with reader(context) as session:
        event = session.query(E).join(S, E.stack_id == S.id).filter(
            S.tenant == project_id, E.uuid == event_uuid).one_or_none()
        if event is None:
            raise _not_found('Event', event_uuid)
        return event


def event_purge(context, stack_id, keep):
    """Delete a stack's oldest events so that at most ``keep`` remain.

    Property data rows that only the deleted events used go with them.
    Returns the number of events deleted.
    """
    E = models.Event
    with writer(context) as session:
        # The newest `keep` events survive; everything older goes. Fetch
        # the boundary id in Python: MySQL rejects LIMIT in IN subqueries.
        boundary = session.query(E.id).filter(E.stack_id == stack_id).order_by(
            E.id.desc()).offset(keep).limit(1).scalar()
        if boundary is None:
            return 0
        old = (E.stack_id == stack_id, E.id <= boundary)
        refs = _Refs()
        refs.prop_data |= _ids(session, E.rsrc_prop_data_id, *old)
        count = session.execute(sa.delete(E).where(*old)).rowcount
        _delete_unreferenced(session, refs)
        return count


# ---------------------------------------------------------------------------
# service (engine heartbeat)

def service_create(context, values, now=None):
    """Register an engine; ``values`` needs ``engine_id``."""
    now = now or utcnow()
    with writer(context) as session:
        svc = models.Service(created_at=now, updated_at=now)
        _apply_values(svc, values)
        session.add(svc)
        session.flush()
        return svc


@retry_on_deadlock
def service_heartbeat(context, service_id, now=None):
    """Record that the engine is alive; False if the row is gone."""
    S = models.Service
    with writer(context) as session:
        rows = session.execute(
            sa.update(S).where(S.id == service_id,
                               S.deleted_at.is_(None)).values(
                updated_at=now or utcnow()),
            execution_options={'synchronize_session': False}).rowcount
        return rows == 1


def service_get(context, service_id):
    with reader(context) as session:
        svc = session.get(models.Service, service_id)
        if svc is None or svc.deleted_at is not None:
            raise _not_found('Service', service_id)
        return svc


def service_get_all(context):
    S = models.Service
    with reader(context) as session:
        return session.query(S).filter(S.deleted_at.is_(None)).order_by(
            S.created_at, S.id).all()


def service_delete(context, service_id, soft_delete=True, now=None):
    S = models.Service
    with writer(context) as session:
        query = session.query(S).filter(S.id == service_id)
        if soft_delete:
            query.update({'deleted_at': now or utcnow()},
                         synchronize_session=False)
        else:
            query.delete(synchronize_session=False)


def _alive_clause(engine_id, now, dead_after):
    S = models.Service
    cutoff = (now or utcnow()) - (dead_after or _dead_after)
    return sa.exists().where(S.engine_id == engine_id,
                             S.deleted_at.is_(None),
                             S.updated_at >= cutoff)


def engine_is_alive(context, engine_id, now=None, dead_after=None):
    """True if the engine heartbeat within ``dead_after`` before ``now``."""
    with reader(context) as session:
        return bool(session.query(
            _alive_clause(engine_id, now, dead_after)).scalar())


def engines_alive(context, now=None, dead_after=None):
    """Engine ids with a heartbeat within ``dead_after`` before ``now``."""
    S = models.Service
    cutoff = (now or utcnow()) - (dead_after or _dead_after)
    with reader(context) as session:
        return _ids(session, S.engine_id, S.deleted_at.is_(None),
                    S.updated_at >= cutoff)


# ---------------------------------------------------------------------------
# stack_lock

@retry_on_deadlock
def stack_lock_create(context, stack_id, engine_id, attempts=3,
                      token=None):
    """Take the stack's lock. Returns None if taken, else the holder id.

    The holder may be ``engine_id`` itself (a second take is refused, not
    granted twice). ``UNKNOWN_HOLDER`` means the lock kept changing hands
    faster than we could name its holder. ``token``: the fencing token
    the lock is taken with (see :func:`stack_lock_fence_clause`).
    """
    L = models.StackLock
    with writer(context) as session:
        for _ in range(attempts):
            try:
                # A savepoint, because a duplicate key aborts the whole
                # transaction on PostgreSQL.
                with session.begin_nested():
                    session.add(L(stack_id=stack_id, engine_id=engine_id,
                                  token=token))
                return None
            except db_exc.DBDuplicateEntry:
                pass
            holder = session.execute(sa.select(L.engine_id).where(
                L.stack_id == stack_id)).scalar()
            if holder is not None:
                return holder
    return UNKNOWN_HOLDER


def stack_lock_get_engine_id(context, stack_id):
    L = models.StackLock
    with reader(context) as session:
        row = session.query(L.engine_id).filter(
            L.stack_id == stack_id).one_or_none()
        return None if row is None else row[0]


@retry_on_deadlock
def stack_lock_steal(context, stack_id, old_engine_id, new_engine_id,
                     now=None, dead_after=None, token=None):
    """Take over a lock from a dead engine, as one conditional UPDATE.

    Succeeds (True) only if the lock is still held by ``old_engine_id``
    and that engine has no heartbeat within ``dead_after`` before ``now``:
    a live holder's lock cannot be stolen, and of two engines stealing at
    once exactly one wins.
    """
    L = models.StackLock
    with writer(context) as session:
        rows = session.execute(
            sa.update(L).where(
                L.stack_id == stack_id, L.engine_id == old_engine_id,
                ~_alive_clause(old_engine_id, now, dead_after)).values(
                engine_id=new_engine_id, token=token,
                updated_at=now or utcnow()),
            execution_options={'synchronize_session': False}).rowcount
        return rows == 1


@retry_on_deadlock
def stack_lock_release(context, stack_id, engine_id, token=None):
    """Release the lock if ``engine_id`` holds it (with ``token``, when
    given: the lock taken then, not one taken again since); True if it
    did."""
    L = models.StackLock
    with writer(context) as session:
        query = sa.delete(L).where(L.stack_id == stack_id,
                                   L.engine_id == engine_id)
        if token is not None:
            query = query.where(L.token == token)
        rows = session.execute(query).rowcount
        return rows == 1


def stack_lock_fence_clause(fence):
    """A WHERE clause true while the lock ``fence`` names is still held
    as it was taken: ``fence`` is ``(stack_id, engine_id, token)`` of a
    lock taken with a token. An engine whose lock was taken over (it was
    paused, another engine marked its action FAILED) writes nothing."""
    lock_stack_id, engine_id, token = fence
    L = models.StackLock
    return sa.exists().where(L.stack_id == lock_stack_id,
                             L.engine_id == engine_id, L.token == token)


def stack_lock_fence_held(context, fence, lock=False):
    """Whether the lock ``fence`` names is still held as it was taken.

    ``lock``: in the caller's write transaction, hold the lock row (a
    shared row lock on the server databases) until it ends, so that a
    takeover cannot steal the lock between this check and the caller's
    writes."""
    lock_stack_id, engine_id, token = fence
    L = models.StackLock
    if not lock:
        with reader(context) as session:
            return bool(session.query(
                stack_lock_fence_clause(fence)).scalar())
    with writer(context) as session:
        row = session.query(L.stack_id).filter(
            L.stack_id == lock_stack_id, L.engine_id == engine_id,
            L.token == token).with_for_update(read=True).one_or_none()
        return row is not None


def stack_lock_acquire(context, stack_id, engine_id, now=None,
                       dead_after=None, attempts=3, token=None):
    """Take the lock, stealing it from a dead holder. The DB half of
    the engine's stack lock.

    Returns None when ``engine_id`` now holds the lock, else the id of
    the live engine that does (possibly ``engine_id`` itself, or
    ``UNKNOWN_HOLDER``); the engine then reports ActionInProgress.
    """
    holder = UNKNOWN_HOLDER
    for _ in range(attempts):
        holder = stack_lock_create(context, stack_id, engine_id,
                                   token=token)
        if holder is None or holder == engine_id:
            return holder
        if holder == UNKNOWN_HOLDER:
            continue
        if stack_lock_steal(context, stack_id, holder, engine_id,
                            now=now, dead_after=dead_after, token=token):
            return None
        if engine_is_alive(context, holder, now=now, dead_after=dead_after):
            return holder
        # The dead holder's lock changed hands meanwhile: look again.
    return holder


def stack_lock_get_dead(context, now=None, dead_after=None):
    """``(stack_id, engine_id, project)`` of every lock whose holder has
    no heartbeat within ``dead_after`` before ``now`` (or no service row),
    oldest first."""
    L, St = models.StackLock, models.Stack
    with reader(context) as session:
        rows = session.query(L.stack_id, L.engine_id, St.tenant).join(
            St, St.id == L.stack_id).filter(
            ~_alive_clause(L.engine_id, now, dead_after)).order_by(
            L.created_at, L.stack_id).all()
        return [tuple(r) for r in rows]


def stack_lock_get_holders(context, stack_ids):
    """``{stack_id: engine_id}`` of the locked stacks among
    ``stack_ids``."""
    L = models.StackLock
    holders = {}
    with reader(context) as session:
        for chunk in _chunks(list(stack_ids)):
            holders.update(session.query(L.stack_id, L.engine_id).filter(
                L.stack_id.in_(chunk)).all())
    return holders


# ---------------------------------------------------------------------------
# sync_point (convergence)

def sync_point_create(context, values):
    with writer(context) as session:
        sp = models.SyncPoint()
        _apply_values(sp, values)
        session.add(sp)
        session.flush()
        return sp


def sync_point_get(context, entity_id, traversal_id, is_update):
    with reader(context) as session:
        sp = session.get(models.SyncPoint,
                         (entity_id, traversal_id, bool(is_update)))
        if sp is None:
            raise _not_found('Sync point', entity_id)
        return sp


@retry_on_deadlock
def sync_point_update_input_data(context, entity_id, traversal_id,
                                 is_update, atomic_key, input_data):
    """CAS on ``atomic_key``; True if the new input data was written."""
    P = models.SyncPoint
    with writer(context) as session:
        rows = session.execute(
            sa.update(P).where(
                P.entity_id == entity_id, P.traversal_id == traversal_id,
                P.is_update == bool(is_update),
                P.atomic_key == atomic_key).values(
                input_data=input_data, atomic_key=P.atomic_key + 1,
                updated_at=utcnow()),
            execution_options={'synchronize_session': False}).rowcount
        return rows == 1


def sync_point_delete_all_by_stack_and_traversal(context, stack_id,
                                                 traversal_id):
    P = models.SyncPoint
    with writer(context) as session:
        return session.execute(sa.delete(P).where(
            P.stack_id == stack_id,
            P.traversal_id == traversal_id)).rowcount


# ---------------------------------------------------------------------------
# auto-scaling (doc/dev/autoscaling-engine.md)
#
# ``project`` None means an admin (or engine-internal) call: no project
# filter. Otherwise a row of another project is simply not found.
#
# Fencing: a converger holds a group's lease with the ``fence`` it got
# when acquiring it. Every write it makes passes ``expected_fence``; the
# write first locks the group row (SELECT ... FOR UPDATE; SQLite's
# BEGIN IMMEDIATE already serialises writers) and raises LeaseLost if the
# fence moved, so an engine that lost its lease can never write again.

SCALING_GROUP = 'Scaling group'
SCALING_POLICY = 'Scaling policy'
SCALING_ACTIVITY = 'Scaling activity'
WEBHOOK = 'Webhook'

# Group statuses the sweep converges even when the version was reached.
_CONVERGING_STATUSES = ('CONVERGING', 'DELETING')


def _check_columns(model, values, frozen=('id',)):
    for key in values:
        if key in frozen or key not in model.__table__.columns:
            raise KeyError('cannot set %s column %r' % (model.__name__, key))


def _ttl(ttl):
    if isinstance(ttl, datetime.timedelta):
        return ttl
    return datetime.timedelta(seconds=ttl)


def _scaling_group_query(session, project):
    query = session.query(models.ScalingGroup)
    if project is not None:
        query = query.filter(models.ScalingGroup.project == project)
    return query


def _check_fence(session, group_id, expected_fence):
    """Lock the group row and check its fence (no-op without a fence)."""
    if expected_fence is None:
        return
    G = models.ScalingGroup
    fence = session.execute(
        sa.select(G.fence).where(G.id == group_id).with_for_update()
    ).scalar()
    if fence is None:
        raise _not_found(SCALING_GROUP, group_id)
    if fence != expected_fence:
        raise exception.LeaseLost(group=group_id, fence=expected_fence)


_LEASE_CHECK = sa.select(
    models.ScalingGroup.fence, models.ScalingGroup.lease_engine_id).where(
    models.ScalingGroup.id == sa.bindparam('group_id')).with_for_update(
    read=True)


def scaling_group_check_lease(context, group_id, engine_id, fence):
    """Inside the caller's write transaction: check that ``engine_id``
    still holds the group's lease under ``fence``, else LeaseLost (and
    EntityNotFound for a group that is gone). One statement.

    The group row stays share-locked until the caller commits (LOCK IN
    SHARE MODE / FOR SHARE; SQLite's BEGIN IMMEDIATE serialises writers
    anyway): the converger's concurrent member writes do not wait for
    each other, but a new holder's acquire (an UPDATE of the row) waits
    for them, and every write after it sees the moved fence. An expired
    lease nobody took over still passes: no one else can have written.
    """
    with writer(context) as session:
        # Core, not ORM: on every member row write, the ORM's statement
        # handling cost 6x the query itself
        row = session.connection().execute(
            _LEASE_CHECK, {'group_id': group_id}).one_or_none()
    if row is None:
        raise _not_found(SCALING_GROUP, group_id)
    if row.fence != fence or row.lease_engine_id != engine_id:
        raise exception.LeaseLost(group=group_id, fence=fence)


def scaling_group_create(context, values):
    with writer(context) as session:
        group = models.ScalingGroup()
        _apply_values(group, values)
        session.add(group)
        session.flush()
        return group


def scaling_group_get(context, group_id, project, for_update=False):
    """The group, or EntityNotFound; ``for_update`` locks the row until
    the caller's ``writer`` transaction ends."""
    G = models.ScalingGroup
    if for_update:
        with writer(context) as session:
            group = _scaling_group_query(session, project).filter(
                G.id == group_id).populate_existing().with_for_update(
            ).one_or_none()
    else:
        with reader(context) as session:
            group = _scaling_group_query(session, project).filter(
                G.id == group_id).one_or_none()
    if group is None:
        raise _not_found(SCALING_GROUP, group_id)
    return group


def scaling_group_get_by_name(context, name, project):
    G = models.ScalingGroup
    with reader(context) as session:
        return _scaling_group_query(session, project).filter(
            G.name == name).order_by(G.created_at, G.id).first()


#: the columns groups may be listed by
SCALING_GROUP_SORT_KEYS = ('name', 'created_at', 'updated_at', 'status')


def scaling_group_get_all(context, project, limit=None, marker=None,
                          stack_id=None, sort_key=None, sort_dir=None,
                          filters=None):
    """Groups, oldest first unless ``sort_key`` (one of
    :data:`SCALING_GROUP_SORT_KEYS`) and ``sort_dir`` (``asc``/``desc``)
    say otherwise, ties broken by id; ``marker`` is a group id (rows
    after it); ``filters``: ``{column: value}`` of ``name`` and
    ``status`` (equality)."""
    G = models.ScalingGroup
    sort_key = sort_key or 'created_at'
    if sort_key not in SCALING_GROUP_SORT_KEYS:
        raise exception.Invalid(reason='sort_key %r: allowed values are %s'
                                % (sort_key,
                                   ', '.join(SCALING_GROUP_SORT_KEYS)))
    sort_dir = sort_dir or 'asc'
    if sort_dir not in ('asc', 'desc'):
        raise exception.Invalid(reason='sort_dir %r: allowed values are '
                                       'asc, desc' % (sort_dir,))
    with reader(context) as session:
        query = _scaling_group_query(session, project)
        if stack_id is not None:
            query = query.filter(G.stack_id == stack_id)
        for column, value in (filters or {}).items():
            if column not in ('name', 'status'):
                raise exception.Invalid(reason='cannot filter groups by %r'
                                        % (column,))
            if value is not None:
                query = query.filter(getattr(G, column) == value)
        marker_obj = None
        if marker is not None:
            marker_obj = _scaling_group_query(session, project).filter(
                G.id == marker).one_or_none()
            if marker_obj is None:
                raise _not_found(SCALING_GROUP, marker)
        return db_utils.paginate_query(
            query, G, limit, [sort_key, 'id'], marker=marker_obj,
            sort_dirs=[sort_dir, sort_dir]).all()


@retry_on_deadlock
def scaling_group_update(context, group_id, values, expected_fence=None,
                         refresh=True):
    """One UPDATE of the group; the refreshed row (``refresh=False``:
    None, and no SELECT after the UPDATE: the decision transaction
    knows what it wrote).

    With ``expected_fence`` the UPDATE only matches while the group's
    fence is still that one, else LeaseLost. ``values`` may hold SQL
    expressions (``ScalingGroup.version + 1``).
    """
    G = models.ScalingGroup
    values = dict(values)
    _check_columns(G, values)
    values.setdefault('updated_at', utcnow())
    where = [G.id == group_id]
    if expected_fence is not None:
        where.append(G.fence == expected_fence)
    with writer(context) as session:
        rows = session.execute(
            sa.update(G).where(*where).values(values),
            execution_options={'synchronize_session': False}).rowcount
        if rows != 1:
            exists = session.execute(
                sa.select(G.id).where(G.id == group_id)).scalar()
            if exists is None or expected_fence is None:
                raise _not_found(SCALING_GROUP, group_id)
            raise exception.LeaseLost(group=group_id, fence=expected_fence)
        if not refresh:
            return None
        return session.query(G).filter(
            G.id == group_id).populate_existing().one()


@functools.lru_cache(maxsize=None)
def _group_and_policy_statement(with_project):
    """The statement of :func:`scaling_group_and_policy_for_update`
    (with or without the project), built once; its values are bound at
    each execution."""
    G, P = models.ScalingGroup, models.ScalingPolicy
    where = [G.id == sa.bindparam('group_id'),
             P.id == sa.bindparam('policy_id')]
    if with_project:
        where.append(G.project == sa.bindparam('project'))
    return sa.select(G, P).join(P, P.group_id == G.id).where(
        *where).with_for_update().execution_options(populate_existing=True)


def scaling_group_and_policy_for_update(context, group_id, project,
                                        policy_id):
    """``(group, policy)`` read in one statement, the group row locked
    until the caller's ``writer`` transaction ends (the decision
    transaction reads the policy it applies there, so no read of its own
    comes before it). EntityNotFound naming the group or the policy."""
    G = models.ScalingGroup
    params = {'group_id': group_id, 'policy_id': policy_id}
    if project is not None:
        params['project'] = project
    with writer(context) as session:
        found = session.execute(
            _group_and_policy_statement(project is not None),
            params).one_or_none()
        if found is None:
            group = _scaling_group_query(session, project).filter(
                G.id == group_id).one_or_none()
            raise _not_found(SCALING_POLICY if group is not None
                             else SCALING_GROUP,
                             policy_id if group is not None else group_id)
    return found[0], found[1]


#: a random UUID (text), as ``models.new_uuid`` makes them, for the
#: trigger's hot path (see :mod:`heat.common.uuids`)
new_uuid = uuids.random_uuid

_ACTIVITY_INSERT = sa.insert(models.ScalingActivity)


def scaling_activity_insert(context, values):
    """Store an activity in one Core INSERT (the decision transaction's:
    no unit of work, no object returned); its id."""
    values = dict(values)
    if not values.get('id'):
        values['id'] = new_uuid()
    values.setdefault('started_at', utcnow())
    values.setdefault('reason', '')
    with writer(context) as session:
        session.connection().execute(_ACTIVITY_INSERT, values)
    return values['id']


_EVENT_INSERT = sa.insert(models.Event)


def event_insert(context, values):
    """Store an event (a dict of :class:`~heat.db.models.Event` columns)
    in one Core INSERT, in the caller's transaction if there is one (no
    unit of work, no object returned: the decision transaction's)."""
    values = dict(values)
    if not values.get('uuid'):
        values['uuid'] = new_uuid()
    values.setdefault('created_at', utcnow())
    with writer(context) as session:
        session.connection().execute(_EVENT_INSERT, values)


def resource_event_insert(context, stack_id, resource_name, action,
                          reason):
    """One event of the resource ``resource_name`` of ``stack_id`` (its
    status, type and physical id as stored), in one ``INSERT ...
    SELECT``; nothing when the stack has no such resource."""
    R, E = models.Resource, models.Event
    newest = sa.select(sa.func.max(R.id)).where(
        R.stack_id == stack_id,
        R.name == resource_name).scalar_subquery()
    source = sa.select(
        sa.literal(new_uuid()),
        sa.literal(utcnow(), models.Event.__table__.c.created_at.type),
        R.stack_id, sa.literal(action), R.status, R.name, R.type,
        R.nova_instance, sa.literal(reason)).where(R.id == newest)
    stmt = sa.insert(E).from_select(
        ['uuid', 'created_at', 'stack_id', 'resource_action',
         'resource_status', 'resource_name', 'resource_type',
         'physical_resource_id', 'resource_status_reason'], source,
        include_defaults=False)
    with writer(context) as session:
        return session.connection().execute(stmt).rowcount


@retry_on_deadlock
def scaling_group_delete(context, group_id):
    """Delete the group and everything of it; False if it was not there.

    The dependants are deleted explicitly: SQLite may run without
    foreign key enforcement (and so without cascades).
    """
    G, P = models.ScalingGroup, models.ScalingPolicy
    with writer(context) as session:
        policies = sa.select(P.id).where(
            P.group_id == group_id).scalar_subquery()
        for stmt in (
                sa.delete(models.ScalingTriggerReceipt).where(
                    models.ScalingTriggerReceipt.group_id == group_id),
                sa.delete(models.ScalingActivity).where(
                    models.ScalingActivity.group_id == group_id),
                sa.delete(models.ScalingMetricSample).where(
                    models.ScalingMetricSample.group_id == group_id),
                sa.delete(models.ScalingEvaluation).where(
                    models.ScalingEvaluation.group_id == group_id),
                sa.delete(models.ScalingWebhook).where(
                    models.ScalingWebhook.policy_id.in_(policies)),
                sa.delete(P).where(P.group_id == group_id),
                sa.delete(models.ScalingMember).where(
                    models.ScalingMember.group_id == group_id)):
            session.execute(stmt, execution_options={
                'synchronize_session': False})
        rows = session.execute(
            sa.delete(G).where(G.id == group_id),
            execution_options={'synchronize_session': False}).rowcount
        return rows == 1


@retry_on_deadlock
def scaling_group_acquire_lease(context, group_id, engine_id, ttl,
                                now=None, with_row=False):
    """Take the group's lease: the new fence, or None if another engine
    holds a live one.

    One UPDATE that matches only a free, expired or already-ours lease,
    and bumps the fence (a re-acquisition by the holder too, so anything
    still running under its previous fence is fenced off). Of engines
    racing for it exactly one wins. ``ttl``: seconds or a timedelta.
    ``with_row``: ``(fence, the group's row as acquired)`` (read in the
    same transaction, in place of the fence alone), or None.
    """
    G = models.ScalingGroup
    now = now or utcnow()
    with writer(context) as session:
        rows = session.execute(
            sa.update(G).where(
                G.id == group_id,
                sa.or_(G.lease_engine_id.is_(None),
                       G.lease_expires_at < now,
                       G.lease_engine_id == engine_id)).values(
                lease_engine_id=engine_id,
                lease_expires_at=now + _ttl(ttl),
                fence=G.fence + 1,
                # Lease bookkeeping is not a change of the group.
                updated_at=G.updated_at),
            execution_options={'synchronize_session': False}).rowcount
        if rows != 1:
            return None
        if with_row:
            row = session.query(G).filter(
                G.id == group_id).populate_existing().one()
            return row.fence, row
        return session.execute(
            sa.select(G.fence).where(G.id == group_id)).scalar()


def scaling_group_progress(context, group_id):
    """``(version, converged_version, status)`` of the group (three
    columns, not the row: what a converger's recheck needs), or None
    when it is gone."""
    G = models.ScalingGroup
    with reader(context) as session:
        row = session.execute(sa.select(
            G.version, G.converged_version, G.status).where(
            G.id == group_id)).one_or_none()
    return tuple(row) if row is not None else None


@retry_on_deadlock
def scaling_group_renew_lease(context, group_id, engine_id, fence, ttl,
                              now=None):
    """Extend our lease to ``now + ttl``; False if it is not ours any more
    (another engine acquired it: the fence moved)."""
    G = models.ScalingGroup
    now = now or utcnow()
    with writer(context) as session:
        rows = session.execute(
            sa.update(G).where(
                G.id == group_id, G.lease_engine_id == engine_id,
                G.fence == fence).values(
                lease_expires_at=now + _ttl(ttl),
                updated_at=G.updated_at),
            execution_options={'synchronize_session': False}).rowcount
        return rows == 1


@retry_on_deadlock
def scaling_group_release_lease(context, group_id, engine_id, fence):
    """Give the lease up (the fence stays); False if it was not ours."""
    G = models.ScalingGroup
    with writer(context) as session:
        rows = session.execute(
            sa.update(G).where(
                G.id == group_id, G.lease_engine_id == engine_id,
                G.fence == fence).values(
                lease_engine_id=None, lease_expires_at=None,
                updated_at=G.updated_at),
            execution_options={'synchronize_session': False}).rowcount
        return rows == 1


# -- the health monitor's claim (heat.engine.autoscaling.health) ---------

def scaling_group_monitored(context):
    """``(id, project, health_check, monitor_engine_id,
    monitor_expires_at)`` of every group (all projects) with a health
    check and not being deleted, by id."""
    G = models.ScalingGroup
    with reader(context) as session:
        return [tuple(r) for r in session.query(
            G.id, G.project, G.health_check, G.monitor_engine_id,
            G.monitor_expires_at).filter(
            G.health_check.isnot(None),
            G.status != 'DELETING').order_by(G.id)]


@retry_on_deadlock
def scaling_group_claim_monitor(context, group_id, engine_id, ttl,
                                now=None):
    """Claim (or extend our claim on) the checking of a group until
    ``now + ttl``: one UPDATE matching a free, expired or already-ours
    claim, so of engines racing for it one wins. True if ours."""
    G = models.ScalingGroup
    now = now or utcnow()
    with writer(context) as session:
        return session.execute(
            sa.update(G).where(
                G.id == group_id, G.health_check.isnot(None),
                sa.or_(G.monitor_engine_id.is_(None),
                       G.monitor_expires_at < now,
                       G.monitor_engine_id == engine_id)).values(
                monitor_engine_id=engine_id,
                monitor_expires_at=now + _ttl(ttl),
                updated_at=G.updated_at),
            execution_options={'synchronize_session': False}).rowcount == 1


def scaling_group_release_monitor(context, group_id, engine_id):
    """Give our claim up (an engine stopping); False if not ours."""
    G = models.ScalingGroup
    with writer(context) as session:
        return session.execute(
            sa.update(G).where(
                G.id == group_id, G.monitor_engine_id == engine_id).values(
                monitor_engine_id=None, monitor_expires_at=None,
                updated_at=G.updated_at),
            execution_options={'synchronize_session': False}).rowcount == 1


def scaling_group_set_health(context, group_id, engine_id, health):
    """Record what the monitor found, only while ``engine_id`` holds the
    claim (not a change of the group: neither its version nor
    ``updated_at`` move). False if the claim is not ours any more."""
    G = models.ScalingGroup
    with writer(context) as session:
        return session.execute(
            sa.update(G).where(
                G.id == group_id, G.monitor_engine_id == engine_id).values(
                health=health, updated_at=G.updated_at),
            execution_options={'synchronize_session': False}).rowcount == 1


def scaling_member_set_health(context, group_id, names, health,
                              generation):
    """The monitor's verdict on the named members of ``generation`` (a
    member updated since it was judged keeps its fresh None; not a
    change of the members: ``updated_at`` stays); the rows matched."""
    M = models.ScalingMember
    count = 0
    with writer(context) as session:
        for chunk in _chunks(set(names)):
            count += session.execute(
                sa.update(M).where(M.group_id == group_id,
                                   M.generation == generation,
                                   M.name.in_(chunk)).values(
                    health=health, updated_at=M.updated_at),
                execution_options={'synchronize_session': False}).rowcount
    return count


# -- metric-driven scaling (heat.engine.autoscaling.evaluator) -----------

METRIC_KINDS = ('step', 'target_tracking')


def scaling_group_refresh_evaluation(context, group_id, now,
                                     soon_interval=None):
    """Set the group's ``evaluation_interval`` to the shortest of its
    metric policies' (None when it has none, and then nothing is due);
    with ``soon_interval`` (a policy just made or changed) the next
    evaluation is at most that far from ``now``. Call it in the
    transaction that changed the policies, the group row locked."""
    G, P = models.ScalingGroup, models.ScalingPolicy
    with writer(context) as session:
        rows = session.query(P.params).filter(
            P.group_id == group_id, P.kind.in_(METRIC_KINDS)).all()
        intervals = [float((params or {}).get('evaluation_interval') or 10)
                     for (params,) in rows]
        g = session.get(G, group_id)
        if g is None:
            return None
        values = {'updated_at': G.updated_at}
        if not intervals:
            values.update(evaluation_interval=None, next_evaluation_at=None)
        else:
            interval = min(intervals)
            nxt = g.next_evaluation_at
            if nxt is None:
                nxt = now + interval
            if soon_interval is not None:
                nxt = min(nxt, now + soon_interval)
            values.update(evaluation_interval=interval,
                          next_evaluation_at=min(nxt, now + interval))
        session.execute(sa.update(G).where(G.id == group_id).values(
            **values), execution_options={'synchronize_session': False})
        return values.get('evaluation_interval')


@retry_on_deadlock
def scaling_metric_samples_add(context, group_id, rows, window,
                               cutoff, max_names=None):
    """Store ``rows`` (dicts: name, member, value, ts) of a group in one
    transaction (the group's row locked), then keep only the ``window``
    newest (by arrival) per metric name of the batch and drop the group's
    samples older than ``cutoff`` (POSIX seconds). The number stored.

    With ``max_names``: when the group would then hold samples of more
    metric names than that, nothing is stored and Invalid names the
    first new name (checked only when the batch brings a name the group
    has no sample of)."""
    S, G = models.ScalingMetricSample, models.ScalingGroup
    with writer(context) as session:
        # pushes to one group one at a time (the window is exact): the
        # group row locked, as a decision does
        session.execute(sa.select(G.id).where(
            G.id == group_id).with_for_update())
        if max_names is not None:
            _check_metric_names(session, group_id, rows, cutoff, max_names)
        # Core executemany: the ORM's bulk path costs more than the
        # INSERT itself
        session.connection().execute(
            sa.insert(S.__table__), [dict(r, group_id=group_id)
                                     for r in rows])
        for name in sorted({r['name'] for r in rows}):
            edge = session.execute(
                sa.select(S.id).where(S.group_id == group_id,
                                      S.name == name).order_by(
                    S.id.desc()).offset(window).limit(1)).scalar()
            if edge is not None:
                session.execute(
                    sa.delete(S).where(S.group_id == group_id,
                                       S.name == name, S.id <= edge),
                    execution_options={'synchronize_session': False})
        session.execute(
            sa.delete(S).where(S.group_id == group_id, S.ts < cutoff),
            execution_options={'synchronize_session': False})
    return len(rows)


def _check_metric_names(session, group_id, rows, cutoff, max_names):
    S = models.ScalingMetricSample
    batch = list(dict.fromkeys(r['name'] for r in rows))
    new = [name for name in batch if session.execute(
        sa.select(S.id).where(S.group_id == group_id, S.name == name,
                              S.ts >= cutoff).limit(1)).first() is None]
    if not new:
        return
    held = session.execute(
        sa.select(sa.func.count(sa.distinct(S.name))).where(
            S.group_id == group_id, S.ts >= cutoff)).scalar() or 0
    if held + len(new) > max_names:
        room = max(0, max_names - held)
        name = new[room] if room < len(new) else new[0]
        index = next(i for i, r in enumerate(rows) if r['name'] == name)
        raise exception.Invalid(
            reason='samples[%d].name: %r would be metric %d of the group, '
                   'which holds samples of %d metric name(s) (at most %d: '
                   '[autoscaling] metric_names); nothing stored' % (
                       index, name, held + room + 1, held, max_names))


@retry_on_deadlock
def scaling_metric_samples_purge(context, cutoff):
    """Drop every sample older than ``cutoff``; how many."""
    S = models.ScalingMetricSample
    with writer(context) as session:
        return session.execute(
            sa.delete(S).where(S.ts < cutoff),
            execution_options={'synchronize_session': False}).rowcount


def scaling_metric_samples_get(context, group_id, name=None, since=None,
                               limit=1000):
    """The newest ``limit`` samples of a group (of metric ``name``, at
    or after ``since``), oldest first."""
    S = models.ScalingMetricSample
    with reader(context) as session:
        query = session.query(S).filter(S.group_id == group_id)
        if name is not None:
            query = query.filter(S.name == name)
        if since is not None:
            query = query.filter(S.ts >= since)
        rows = query.order_by(S.ts.desc(), S.id.desc()).limit(limit).all()
    rows.reverse()
    return rows


def scaling_metric_samples_recent(context, group_ids, since):
    """``(group_id, name, member, value, ts)`` of every sample of
    ``group_ids`` at or after ``since``, by id: what the evaluator
    aggregates (one query per chunk of groups)."""
    S = models.ScalingMetricSample
    out = []
    with reader(context) as session:
        for chunk in _chunks(set(group_ids)):
            out.extend(tuple(r) for r in session.query(
                S.group_id, S.name, S.member, S.value, S.ts).filter(
                S.group_id.in_(chunk), S.ts >= since).order_by(S.id))
    return out


@retry_on_deadlock
def scaling_group_claim_due(context, engine_id, now, min_ttl=30.0,
                            limit=None):
    """Claim the groups whose evaluation is due at ``now`` and whose
    evaluator claim is free, lapsed or ours: one UPDATE (per chunk) that
    moves their ``next_evaluation_at`` on by their interval and makes
    the claim ours until ``now + max(3 x interval, min_ttl)``. Of
    engines racing, each group goes to one. The ids claimed."""
    G = models.ScalingGroup
    free = sa.or_(G.evaluator_engine_id.is_(None),
                  G.evaluator_expires_at < now,
                  G.evaluator_engine_id == engine_id)
    with reader(context) as session:
        query = session.query(G.id).filter(
            G.next_evaluation_at <= now,
            G.evaluation_interval.isnot(None), G.status != 'DELETING',
            free).order_by(G.next_evaluation_at)
        if limit:
            query = query.limit(limit)
        due = [r[0] for r in query]
    if not due:
        return []
    ttl = sa.case((G.evaluation_interval * 3 > min_ttl,
                   G.evaluation_interval * 3), else_=min_ttl)
    step = G.next_evaluation_at + G.evaluation_interval
    claimed = []
    with writer(context) as session:
        for chunk in _chunks(due):
            session.execute(
                sa.update(G).where(
                    G.id.in_(chunk), G.next_evaluation_at <= now,
                    G.evaluation_interval.isnot(None), free).values(
                    evaluator_engine_id=engine_id,
                    evaluator_expires_at=now + ttl,
                    next_evaluation_at=sa.case(
                        (step > now, step),
                        else_=now + G.evaluation_interval),
                    updated_at=G.updated_at),
                execution_options={'synchronize_session': False})
            claimed.extend(r[0] for r in session.query(G.id).filter(
                G.id.in_(chunk), G.evaluator_engine_id == engine_id,
                G.next_evaluation_at > now))
    return claimed


@retry_on_deadlock
def scaling_group_release_evaluator(context, engine_id):
    """Give up every evaluator claim of ``engine_id`` (an engine
    stopping); how many."""
    G = models.ScalingGroup
    with writer(context) as session:
        return session.execute(
            sa.update(G).where(G.evaluator_engine_id == engine_id).values(
                evaluator_engine_id=None, evaluator_expires_at=None,
                updated_at=G.updated_at),
            execution_options={'synchronize_session': False}).rowcount


@retry_on_deadlock
def scaling_group_set_evaluations(context, writes, engine_id=None):
    """Record evaluations in one transaction: ``writes`` is a list of
    ``(group_id, last_evaluation, metric_state)``; each is written only
    while ``engine_id`` holds the group's evaluator claim (None: in any
    case). Not a change of the group (version, ``updated_at`` stay). The
    ids written."""
    G = models.ScalingGroup
    done = []
    with writer(context) as session:
        for group_id, record, state in writes:
            where = [G.id == group_id]
            if engine_id is not None:
                where.append(G.evaluator_engine_id == engine_id)
            if session.execute(
                    sa.update(G).where(*where).values(
                        last_evaluation=record, metric_state=state,
                        updated_at=G.updated_at),
                    execution_options={'synchronize_session': False}
            ).rowcount:
                done.append(group_id)
    return done


def scaling_evaluation_add(context, values, keep):
    """Store one evaluation record of a group with a shadow policy and
    drop the oldest beyond ``keep``."""
    E = models.ScalingEvaluation
    with writer(context) as session:
        row = E(**values)
        session.add(row)
        session.flush()
        if row.id % 16 == 0 or keep < 64:
            edge = session.execute(
                sa.select(E.id).where(E.group_id == values['group_id'])
                .order_by(E.id.desc()).offset(keep).limit(1)).scalar()
            if edge is not None:
                session.execute(
                    sa.delete(E).where(E.group_id == values['group_id'],
                                       E.id <= edge),
                    execution_options={'synchronize_session': False})
        return row.id


def scaling_evaluation_get_all(context, group_id, start, end):
    E = models.ScalingEvaluation
    with reader(context) as session:
        return session.query(E).filter(
            E.group_id == group_id, E.at >= start, E.at <= end).order_by(
            E.at, E.id).all()


def scaling_activity_count_since(context, group_id, trigger, since,
                                 statuses=None):
    """How many activities of ``trigger`` the group started since
    ``since`` (a datetime), of ``statuses`` if given."""
    A = models.ScalingActivity
    with reader(context) as session:
        query = session.query(sa.func.count(A.id)).filter(
            A.group_id == group_id, A.trigger == trigger,
            A.started_at >= since)
        if statuses:
            query = query.filter(A.status.in_(list(statuses)))
        return query.scalar() or 0


def scaling_group_needing_convergence(context, now=None, limit=100):
    """Groups (all projects) with work left and no live lease, the longest
    waiting first: behind their version or CONVERGING/DELETING, and not
    FAILED (a DELETING group is never FAILED, so deletion always goes on).
    """
    G = models.ScalingGroup
    now = now or utcnow()
    with reader(context) as session:
        query = session.query(G).filter(
            sa.or_(G.converged_version < G.version,
                   G.status.in_(_CONVERGING_STATUSES)),
            sa.or_(G.lease_engine_id.is_(None), G.lease_expires_at < now),
            G.status != 'FAILED').order_by(
            sa.func.coalesce(G.updated_at, G.created_at), G.id)
        if limit is not None:
            query = query.limit(limit)
        return query.all()


# scaling_member

_MEMBER_KEYS = ('name', 'generation', 'status', 'protected')


@retry_on_deadlock
def scaling_member_create_many(context, group_id, members,
                               expected_fence=None):
    """Insert members (dicts of name, generation, status[, protected]).

    They get one creation time; listings break that tie by name. A name
    already in the group raises DBDuplicateEntry. Returns the number
    inserted.
    """
    M = models.ScalingMember
    now = utcnow()
    rows = []
    for member in members:
        unknown = set(member) - set(_MEMBER_KEYS)
        if unknown:
            raise KeyError('cannot set ScalingMember columns %s'
                           % sorted(unknown))
        row = {'protected': False}
        row.update(member)
        row.update(group_id=group_id, created_at=now)
        rows.append(row)
    with writer(context) as session:
        _check_fence(session, group_id, expected_fence)
        if rows:
            session.execute(sa.insert(M), rows)
        return len(rows)


def _member_query(session, group_id, statuses):
    M = models.ScalingMember
    query = session.query(M).filter(M.group_id == group_id)
    if statuses is not None:
        query = query.filter(M.status.in_(list(statuses)))
    return query


def scaling_member_get_all(context, group_id, statuses=None):
    """Members, oldest first (``created_at, name``)."""
    M = models.ScalingMember
    with reader(context) as session:
        return _member_query(session, group_id, statuses).order_by(
            M.created_at, M.name).all()


def scaling_member_oldest(context, group_id, limit):
    """``[(name, generation)]`` of the ``limit`` oldest members
    (``created_at, name``, upstream's order for healthy members): one
    query of ``limit`` rows, whatever the group's size."""
    M = models.ScalingMember
    with reader(context) as session:
        return [tuple(r) for r in session.query(M.name, M.generation).filter(
            M.group_id == group_id).order_by(
            M.created_at, M.name).limit(limit)]


def scaling_member_census(context, group_id):
    """``({status: count}, protected count)`` of a group's members (one
    query)."""
    M = models.ScalingMember
    with reader(context) as session:
        rows = session.query(
            M.status, sa.func.count(),
            sa.func.sum(sa.case((M.protected.is_(True), 1), else_=0))
        ).filter(M.group_id == group_id).group_by(M.status).all()
    return ({r[0]: r[1] for r in rows},
            sum(int(r[2] or 0) for r in rows))


def scaling_member_count(context, group_id, statuses=None):
    with reader(context) as session:
        return _member_query(session, group_id, statuses).count()


@retry_on_deadlock
def scaling_member_update(context, group_id, names, values,
                          expected_fence=None):
    """Set ``values`` on the named members; the number of rows matched."""
    M = models.ScalingMember
    values = dict(values)
    _check_columns(M, values, frozen=('id', 'group_id', 'name'))
    values.setdefault('updated_at', utcnow())
    count = 0
    with writer(context) as session:
        _check_fence(session, group_id, expected_fence)
        for chunk in _chunks(set(names)):
            count += session.execute(
                sa.update(M).where(M.group_id == group_id,
                                   M.name.in_(chunk)).values(values),
                execution_options={'synchronize_session': False}).rowcount
    return count


@retry_on_deadlock
def scaling_member_delete(context, group_id, names, expected_fence=None):
    """Delete the named members; the number deleted."""
    M = models.ScalingMember
    count = 0
    with writer(context) as session:
        _check_fence(session, group_id, expected_fence)
        for chunk in _chunks(set(names)):
            count += session.execute(
                sa.delete(M).where(M.group_id == group_id,
                                   M.name.in_(chunk)),
                execution_options={'synchronize_session': False}).rowcount
    return count


# scaling_policy

def _policy_query(session, project):
    query = session.query(models.ScalingPolicy)
    if project is not None:
        query = query.filter(models.ScalingPolicy.project == project)
    return query


def scaling_policy_create(context, values):
    with writer(context) as session:
        policy = models.ScalingPolicy()
        _apply_values(policy, values)
        session.add(policy)
        session.flush()
        return policy


@retry_on_disconnect
def scaling_policy_get(context, policy_id, project):
    with reader(context) as session:
        policy = _policy_query(session, project).filter(
            models.ScalingPolicy.id == policy_id).one_or_none()
        if policy is None:
            raise _not_found(SCALING_POLICY, policy_id)
        return policy


def scaling_policy_get_all(context, group_id, project):
    P = models.ScalingPolicy
    with reader(context) as session:
        return _policy_query(session, project).filter(
            P.group_id == group_id).order_by(P.created_at, P.id).all()


@retry_on_deadlock
def scaling_policy_update(context, policy_id, values, project=None):
    """Update a policy; the refreshed row (EntityNotFound if missing)."""
    P = models.ScalingPolicy
    values = dict(values)
    _check_columns(P, values, frozen=('id', 'group_id', 'project'))
    values.setdefault('updated_at', utcnow())
    with writer(context) as session:
        policy = _policy_query(session, project).filter(
            P.id == policy_id).one_or_none()
        if policy is None:
            raise _not_found(SCALING_POLICY, policy_id)
        _apply_values(policy, values)
        session.flush()
        return policy


@retry_on_deadlock
def scaling_policy_delete(context, policy_id, project=None):
    """Delete a policy and its webhooks (EntityNotFound if missing)."""
    P = models.ScalingPolicy
    with writer(context) as session:
        if _policy_query(session, project).filter(
                P.id == policy_id).one_or_none() is None:
            raise _not_found(SCALING_POLICY, policy_id)
        session.execute(sa.delete(models.ScalingWebhook).where(
            models.ScalingWebhook.policy_id == policy_id))
        session.execute(sa.delete(P).where(P.id == policy_id),
                        execution_options={'synchronize_session': False})


# scaling_webhook

def scaling_webhook_create(context, values):
    """Store a webhook; ``values['token_hash']`` is unique."""
    with writer(context) as session:
        hook = models.ScalingWebhook()
        _apply_values(hook, values)
        session.add(hook)
        session.flush()
        return hook


def scaling_webhook_get_by_token_hash(context, token_hash):
    """The webhook of a token's hash, any project (the URL is the
    capability), or None."""
    W = models.ScalingWebhook
    with reader(context) as session:
        return session.query(W).filter(
            W.token_hash == token_hash).one_or_none()


def scaling_webhook_get_all(context, policy_id, project):
    W = models.ScalingWebhook
    with reader(context) as session:
        query = session.query(W).filter(W.policy_id == policy_id)
        if project is not None:
            query = query.filter(W.project == project)
        return query.order_by(W.created_at, W.id).all()


@retry_on_deadlock
def scaling_webhook_delete(context, webhook_id, project=None):
    W = models.ScalingWebhook
    where = [W.id == webhook_id]
    if project is not None:
        where.append(W.project == project)
    with writer(context) as session:
        rows = session.execute(
            sa.delete(W).where(*where),
            execution_options={'synchronize_session': False}).rowcount
        if not rows:
            raise _not_found(WEBHOOK, webhook_id)


# scaling_activity, scaling_trigger_receipt

def scaling_activity_create(context, values):
    with writer(context) as session:
        activity = models.ScalingActivity()
        _apply_values(activity, values)
        session.add(activity)
        session.flush()
        return activity


@retry_on_deadlock
def scaling_activity_update(context, activity_id, values):
    """Update an activity; the refreshed row (EntityNotFound if missing)."""
    A = models.ScalingActivity
    values = dict(values)
    _check_columns(A, values, frozen=('id', 'group_id', 'project'))
    with writer(context) as session:
        activity = session.get(A, activity_id)
        if activity is None:
            raise _not_found(SCALING_ACTIVITY, activity_id)
        _apply_values(activity, values)
        session.flush()
        return activity


def scaling_activity_get_all(context, group_id, project, limit=None,
                             marker=None):
    """A group's activities, newest first; ``marker``: an activity id
    (the rows after it)."""
    A = models.ScalingActivity

    def query(session):
        q = session.query(A).filter(A.group_id == group_id)
        if project is not None:
            q = q.filter(A.project == project)
        return q

    with reader(context) as session:
        marker_obj = None
        if marker is not None:
            marker_obj = query(session).filter(
                A.id == marker).one_or_none()
            if marker_obj is None:
                raise _not_found(SCALING_ACTIVITY, marker)
        return db_utils.paginate_query(
            query(session), A, limit, ['started_at', 'id'],
            marker=marker_obj, sort_dirs=['desc', 'asc']).all()


def scaling_receipt_get(context, group_id, key):
    R = models.ScalingTriggerReceipt
    with reader(context) as session:
        return session.query(R).filter(
            R.group_id == group_id, R.idempotency_key == key).one_or_none()


@retry_on_deadlock
def scaling_receipt_create(context, group_id, key, activity_id):
    """Record an idempotency key; DBDuplicateEntry if the group has it.

    In a savepoint, so a duplicate leaves the caller's transaction usable
    (PostgreSQL aborts a whole transaction on an error otherwise).
    """
    with writer(context) as session:
        receipt = models.ScalingTriggerReceipt(
            group_id=group_id, idempotency_key=key, activity_id=activity_id)
        with session.begin_nested():
            session.add(receipt)
        return receipt


# scaling members and activities, one at a time (the Auto-Scaling API)

def scaling_member_get(context, group_id, name):
    """The member ``name`` of the group, or EntityNotFound."""
    M = models.ScalingMember
    with reader(context) as session:
        row = session.query(M).filter(M.group_id == group_id,
                                      M.name == name).one_or_none()
    if row is None:
        raise _not_found('Scaling member', name)
    return row


def scaling_member_count_by_status(context, group_id):
    """``{status: number of members}`` of the group (one query)."""
    M = models.ScalingMember
    with reader(context) as session:
        return dict(session.query(M.status, sa.func.count()).filter(
            M.group_id == group_id).group_by(M.status).all())


def scaling_member_counts_by_status(context, group_ids):
    """``{group_id: {status: number of members}}`` of the groups (one
    query per 500 ids); a group without members is absent."""
    M = models.ScalingMember
    group_ids = list(group_ids)
    out = {}
    with reader(context) as session:
        for i in range(0, len(group_ids), 500):
            rows = session.query(M.group_id, M.status, sa.func.count()
                                 ).filter(M.group_id.in_(group_ids[i:i + 500])
                                          ).group_by(M.group_id, M.status)
            for group_id, status, count in rows:
                out.setdefault(group_id, {})[status] = count
    return out


def scaling_activity_get(context, activity_id, group_id, project):
    """An activity of the group, or EntityNotFound."""
    A = models.ScalingActivity
    with reader(context) as session:
        q = session.query(A).filter(A.id == activity_id,
                                    A.group_id == group_id)
        if project is not None:
            q = q.filter(A.project == project)
        row = q.one_or_none()
    if row is None:
        raise _not_found(SCALING_ACTIVITY, activity_id)
    return row


# api_idempotency_record: the first answers of the Auto-Scaling API

@retry_on_deadlock
def api_idempotency_claim(context, project, key, fingerprint, retention,
                          stale_after, now=None):
    """Claim ``key`` of ``project`` for a request, or read its record.

    ``(record, claimed)``: ``claimed`` True when this request is the
    first use of the key (the row inserted, ``status`` None: pending), or
    takes over a pending claim older than ``stale_after`` seconds (the
    process serving it died). Otherwise the stored record (finished or
    still pending). Expired records of the project are purged first,
    so the table holds at most what ``retention`` seconds bring.
    Concurrent first uses: the unique key lets exactly one insert win;
    the others read its row.
    """
    R = models.ApiIdempotencyRecord
    now = now or utcnow()
    with writer(context) as session:
        session.execute(sa.delete(R).where(
            R.project == project, R.expires_at < now),
            execution_options={'synchronize_session': False})
        row = session.query(R).filter(
            R.project == project, R.idempotency_key == key).with_for_update(
        ).one_or_none()
        if row is None:
            row = R(project=project, idempotency_key=key,
                    fingerprint=fingerprint, status=None, created_at=now,
                    expires_at=now + _ttl(retention))
            try:
                with session.begin_nested():
                    session.add(row)
            except db_exc.DBDuplicateEntry:
                row = None
            else:
                return row, True
    if row is None:
        with reader(context) as session:
            return session.query(R).filter(
                R.project == project,
                R.idempotency_key == key).one(), False
    if row.status is None and row.created_at < now - _ttl(stale_after) \
            and row.fingerprint == fingerprint:
        with writer(context) as session:
            taken = session.execute(sa.update(R).where(
                R.id == row.id, R.status.is_(None),
                R.created_at == row.created_at).values(created_at=now),
                execution_options={'synchronize_session': False}).rowcount
        if taken == 1:
            row.created_at = now
            return row, True
    return row, False


@retry_on_deadlock
def api_idempotency_finish(context, project, key, status, body, headers):
    """Store the answer of the request that claimed ``key``."""
    R = models.ApiIdempotencyRecord
    with writer(context) as session:
        return session.execute(sa.update(R).where(
            R.project == project, R.idempotency_key == key,
            R.status.is_(None)).values(status=status, body=body,
                                       headers=headers),
            execution_options={'synchronize_session': False}).rowcount == 1


@retry_on_deadlock
def api_idempotency_release(context, project, key):
    """Forget a pending claim (the request failed in a way a retry may
    mend: a 5xx)."""
    R = models.ApiIdempotencyRecord
    with writer(context) as session:
        session.execute(sa.delete(R).where(
            R.project == project, R.idempotency_key == key,
            R.status.is_(None)),
            execution_options={'synchronize_session': False})


def api_idempotency_purge(context, now=None):
    """Delete every expired record; the number deleted."""
    R = models.ApiIdempotencyRecord
    now = now or utcnow()
    with writer(context) as session:
        return session.execute(sa.delete(R).where(R.expires_at < now),
                               execution_options={
                                   'synchronize_session': False}).rowcount


# ---------------------------------------------------------------------------
# software_config, software_deployment
#
# Scoping as upstream: a config is seen by its project (``tenant``); a
# deployment by its project or by its stack user project (the server's
# credentials signal with that one). ``project`` None: every project
# (an admin's listing).

SOFTWARE_CONFIG = 'Software config'
SOFTWARE_DEPLOYMENT = 'Deployment'


def _config_not_found(config_id):
    return exception.NotFound(
        message='Software config with id %s not found' % config_id)


def _deployment_not_found(deployment_id):
    return exception.NotFound(
        message='Deployment with id %s not found' % deployment_id)


def software_config_create(context, values):
    with writer(context) as session:
        config = models.SoftwareConfig()
        _apply_values(config, values)
        session.add(config)
        session.flush()
        return config


def _software_config_get(session, config_id, project):
    SC = models.SoftwareConfig
    query = session.query(SC).filter(SC.id == str(config_id))
    if project is not None:
        query = query.filter(SC.tenant == project)
    config = query.one_or_none()
    if config is None:
        raise _config_not_found(config_id)
    return config


def software_config_get(context, config_id, project):
    """The config (``NotFound``, upstream's message, if another project's
    or missing)."""
    with reader(context) as session:
        return _software_config_get(session, config_id, project)


def software_config_get_all(context, project, limit=None, marker=None):
    """Configs, oldest first (ties by id); ``marker``: a config id, the
    rows after it."""
    SC = models.SoftwareConfig
    with reader(context) as session:
        query = session.query(SC)
        if project is not None:
            query = query.filter(SC.tenant == project)
        marker_obj = None
        if marker is not None:
            marker_obj = _software_config_get(session, marker, project)
        return db_utils.paginate_query(
            query, SC, limit, ['created_at', 'id'], marker=marker_obj,
            sort_dirs=['asc', 'asc']).all()


@retry_on_deadlock
def software_config_delete(context, config_id, project):
    """Delete a config; ``InvalidRestrictedAction`` while a deployment
    refers to it (upstream's message)."""
    SD = models.SoftwareDeployment
    with writer(context) as session:
        config = _software_config_get(session, config_id, project)
        used = session.query(SD.id).filter(
            SD.config_id == config.id).first()
        if used is not None:
            raise exception.InvalidRestrictedAction(
                message='Software config with id %s can not be deleted as '
                        'it is referenced.' % config_id)
        session.delete(config)


def software_deployment_create(context, values):
    with writer(context) as session:
        deployment = models.SoftwareDeployment()
        _apply_values(deployment, values)
        session.add(deployment)
        session.flush()
        session.refresh(deployment)
        return deployment


def _deployment_query(session, project):
    SD = models.SoftwareDeployment
    query = session.query(SD)
    if project is not None:
        query = query.filter(sa.or_(SD.tenant == project,
                                    SD.stack_user_project_id == project))
    return query


def _software_deployment_get(session, deployment_id, project):
    SD = models.SoftwareDeployment
    deployment = _deployment_query(session, project).filter(
        SD.id == str(deployment_id)).one_or_none()
    if deployment is None:
        raise _deployment_not_found(deployment_id)
    return deployment


def software_deployment_get(context, deployment_id, project):
    with reader(context) as session:
        return _software_deployment_get(session, deployment_id, project)


def software_deployment_get_all(context, project, server_id=None):
    """Deployments, oldest first (ties by id), of one server if
    ``server_id``."""
    SD = models.SoftwareDeployment
    with reader(context) as session:
        query = _deployment_query(session, project)
        if server_id:
            query = query.filter(SD.server_id == server_id)
        return query.order_by(SD.created_at, SD.id).all()


@retry_on_deadlock
def software_deployment_update(context, deployment_id, values, project):
    SD = models.SoftwareDeployment
    values = dict(values)
    _check_columns(SD, values, frozen=('id', 'tenant'))
    with writer(context) as session:
        deployment = _software_deployment_get(session, deployment_id,
                                              project)
        _apply_values(deployment, values)
        session.flush()
        session.refresh(deployment)
        return deployment


@retry_on_deadlock
def software_deployment_delete(context, deployment_id, project):
    with writer(context) as session:
        session.delete(_software_deployment_get(session, deployment_id,
                                                project))


# ---------------------------------------------------------------------------
# snapshot
#
# Scoping as upstream: a snapshot is seen by its stack's project
# (``tenant``); another project's is simply not found. A snapshot goes
# with its stack (``stack_delete``, ``purge_deleted``).

def _snapshot_not_found(snapshot_id):
    return exception.NotFound(
        message='Snapshot with id %s not found' % snapshot_id)


def snapshot_create(context, values):
    with writer(context) as session:
        snapshot = models.Snapshot()
        _apply_values(snapshot, values)
        session.add(snapshot)
        session.flush()
        session.refresh(snapshot)
        return snapshot


def _snapshot_get(session, snapshot_id, project):
    if not project:
        raise ValueError('project is required for snapshot queries')
    SN = models.Snapshot
    snapshot = session.query(SN).filter(
        SN.id == str(snapshot_id), SN.tenant == project).one_or_none()
    if snapshot is None:
        raise _snapshot_not_found(snapshot_id)
    return snapshot


def snapshot_get(context, snapshot_id, project):
    """The snapshot (``NotFound``, upstream's message, if another
    project's or missing)."""
    with reader(context) as session:
        return _snapshot_get(session, snapshot_id, project)


def snapshot_get_by_stack(context, snapshot_id, stack, project):
    """The snapshot of ``stack`` (anything with its ``id`` and ``name``)
    of ``project``: ``NotFound`` if the project has none with that id,
    ``SnapshotNotFound`` (upstream's) if it is another stack's."""
    snapshot = snapshot_get(context, snapshot_id, project)
    if snapshot.stack_id != stack.id:
        raise exception.SnapshotNotFound(snapshot=snapshot_id,
                                         stack=stack.name)
    return snapshot


def snapshot_get_all(context, stack_id, project):
    """The snapshots of a stack, oldest first (ties by id)."""
    if not project:
        raise ValueError('project is required for snapshot queries')
    SN = models.Snapshot
    with reader(context) as session:
        return session.query(SN).filter(
            SN.stack_id == stack_id, SN.tenant == project).order_by(
            SN.created_at, SN.id).all()


@retry_on_deadlock
def snapshot_update(context, snapshot_id, values, project):
    SN = models.Snapshot
    values = dict(values)
    _check_columns(SN, values, frozen=('id', 'stack_id', 'tenant'))
    with writer(context) as session:
        snapshot = _snapshot_get(session, snapshot_id, project)
        _apply_values(snapshot, values)
        session.flush()
        session.refresh(snapshot)
        return snapshot


@retry_on_deadlock
def snapshot_delete(context, snapshot_id, project):
    with writer(context) as session:
        session.delete(_snapshot_get(session, snapshot_id, project))
