"""Configuration options of the database layer.

oslo.db owns ``[database] connection`` and the pool options; this module
adds the SQLite settings of the embedded mode to the same group and knows
the default URL under the state directory. ``heat.common.config`` (the
lead's) calls ``register_opts`` and lists ``list_opts`` for the sample.
"""

import os

import sqlalchemy as sa
from oslo_config import cfg
from oslo_db import options as oslo_db_options

DATABASE_GROUP = 'database'
SQLITE_FILE = 'heat.sqlite'

sqlite_opts = [
    cfg.FloatOpt('sqlite_busy_timeout', default=30.0, min=0,
                 help='Seconds a SQLite connection waits for another '
                      'writer to finish before failing with "database '
                      'is locked".'),
    cfg.StrOpt('sqlite_journal_mode', default='WAL',
               choices=['WAL', 'DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY'],
               help='SQLite journal mode. WAL lets readers run while a '
                    'writer commits; keep it unless the state directory '
                    'is on a file system without shared memory support.'),
    cfg.StrOpt('sqlite_wal_synchronous', default='NORMAL',
               choices=['NORMAL', 'FULL'],
               help='SQLite "synchronous" level in WAL mode. NORMAL does '
                    'not fsync on every commit: no corruption is possible, '
                    'but a power cut may lose the last transactions. FULL '
                    'fsyncs every commit. oslo.db\'s sqlite_synchronous = '
                    'False turns syncing off altogether.'),
    cfg.IntOpt('sqlite_pool_size', default=5, min=0,
               help='Connections kept open to a SQLite file database and '
                    'reused across transactions (up to twice as many more '
                    'open under load). 0 opens a connection per '
                    'transaction, as oslo.db does by default.'),
]


def default_connection_url(state_dir):
    """``sqlite:///<state_dir>/heat.sqlite``, with an absolute path."""
    path = os.path.join(os.path.abspath(state_dir), SQLITE_FILE)
    return 'sqlite:///%s' % path


def with_utf8mb4(connection_url):
    """A MariaDB/MySQL URL gets ``charset=utf8mb4`` unless it names one.

    oslo.db would otherwise pick "utf8" (3 bytes a character at most),
    which cannot carry what the utf8mb4 tables accept (emoji, say).
    """
    url = sa.engine.make_url(connection_url)
    if (url.get_backend_name() in ('mysql', 'mariadb')
            and 'charset' not in url.query):
        url = url.update_query_dict({'charset': 'utf8mb4'})
        return url.render_as_string(hide_password=False)
    return connection_url


def prepare_sqlite_file(connection_url):
    """Create a SQLite file URL's directory (0700) and file (0600).

    The database holds credentials and redacted resource data in the
    clear (see ``heat.db.api``), so only the owner may read it. Other
    URLs, and files that already exist, are left alone.
    """
    url = sa.engine.make_url(connection_url)
    path = url.database
    if (url.get_backend_name() != 'sqlite' or not path
            or path == ':memory:' or path.startswith('file:')):
        return
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


#: ``[database] max_pool_size`` of a server database. oslo.db's 5 is too
#: few for an engine: its RPC workers, convergers and sweep run
#: concurrently, and every connection past the pool is opened (TCP, login,
#: TLS context) and closed again per transaction. Measured with
#: bench/distributed.py: a third of an engine's time went to that.
MAX_POOL_SIZE = 20


def register_opts(conf, state_dir=None):
    """Register oslo.db's options and ours on ``conf``.

    With ``state_dir``, ``[database] connection`` defaults to the SQLite
    file under it. ``max_pool_size`` defaults to :data:`MAX_POOL_SIZE`.
    """
    if state_dir is not None:
        oslo_db_options.set_defaults(
            conf, connection=default_connection_url(state_dir),
            max_pool_size=MAX_POOL_SIZE)
    else:
        oslo_db_options.set_defaults(conf, max_pool_size=MAX_POOL_SIZE)
    conf.register_opts(sqlite_opts, group=DATABASE_GROUP)


def list_opts():
    yield DATABASE_GROUP, list(sqlite_opts)
