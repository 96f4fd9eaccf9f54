"""Database commands behind ``heat-manage``: db_sync, db_version, purge.

Each takes the connection URL explicitly; ``heat.cmd.manage`` reads it
from ``[database] connection``.
"""

import datetime

import alembic.script

from heat.db import api as db_api
from heat.db import migration


def db_sync(connection_url, version=None):
    """Bring the schema to ``version`` (default: the latest).

    A ``version`` older than the database's revision migrates down
    (``'base'``: no schema at all). Returns the revision the database is
    at afterwards.
    """
    current = migration.current_revision(connection_url)
    if version and current and _is_older(version, current):
        migration.downgrade(connection_url, version)
    else:
        migration.upgrade(connection_url, version or 'head')
    return migration.current_revision(connection_url)


def db_version(connection_url):
    """The database's schema revision (None: no schema yet)."""
    return migration.current_revision(connection_url)


def purge_deleted(connection_url, age, granularity='days', now=None):
    """Purge stacks deleted more than ``age`` units ago; returns a count.

    ``granularity``: 'days', 'hours', 'minutes' or 'seconds', as
    ``heat-manage purge_deleted`` takes it.
    """
    if granularity not in ('days', 'hours', 'minutes', 'seconds'):
        raise ValueError('granularity must be days, hours, minutes or '
                         'seconds, not %r' % granularity)
    if age < 0:
        raise ValueError('age must be 0 or more, not %r' % age)
    if db_api.connection_url() != connection_url:
        db_api.configure(connection_url)
    return db_api.purge_deleted(
        None, datetime.timedelta(**{granularity: age}), now=now)


def _is_older(version, current):
    """Whether ``version`` is a strict ancestor of ``current``."""
    if version == 'base':
        return True
    script = alembic.script.ScriptDirectory.from_config(
        migration.alembic_config())
    target = script.get_revision(version).revision
    return any(rev.revision == target
               for rev in script.iterate_revisions(current, 'base')
               if rev.revision != current)
