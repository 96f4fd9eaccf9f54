"""Schema migrations: upgrade, downgrade, current version, model check.

The alembic configuration is built in code from this package's location,
so migrations work from an installed package without an alembic.ini.
Production code builds the schema only through ``upgrade`` (never
creating tables straight from the models).
"""

import os

import alembic.autogenerate
import alembic.command
import alembic.config
import alembic.migration
import alembic.script
import sqlalchemy as sa

from heat.db import models, options

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'migrations')


def alembic_config(connection_url=None, connection=None):
    """An alembic Config for our migrations (URL or open connection)."""
    cfg = alembic.config.Config()
    cfg.set_main_option('script_location', MIGRATIONS_DIR)
    if connection_url is not None:
        connection_url = options.with_utf8mb4(connection_url)
        # ConfigParser interpolation would choke on '%' in passwords.
        cfg.set_main_option('sqlalchemy.url',
                            str(connection_url).replace('%', '%%'))
    if connection is not None:
        cfg.attributes['connection'] = connection
    return cfg


def _run(fn, connection_url, engine, *args):
    if connection_url is not None:
        options.prepare_sqlite_file(connection_url)
    if engine is not None:
        with engine.begin() as conn:
            fn(alembic_config(connection=conn), *args)
    else:
        fn(alembic_config(connection_url=connection_url), *args)


def upgrade(connection_url=None, revision='head', engine=None):
    """Migrate the database up to ``revision`` (default: the latest)."""
    _run(alembic.command.upgrade, connection_url, engine, revision or 'head')


def downgrade(connection_url=None, revision='base', engine=None):
    """Migrate the database down to ``revision`` ('base': empty)."""
    _run(alembic.command.downgrade, connection_url, engine, revision)


def head_revision():
    script = alembic.script.ScriptDirectory.from_config(alembic_config())
    return script.get_current_head()


def current_revision(connection_url=None, engine=None):
    """The revision the database is at, or None if never migrated."""
    own = engine is None
    engine = engine or sa.create_engine(options.with_utf8mb4(connection_url),
                                        poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return alembic.migration.MigrationContext.configure(
                conn).get_current_revision()
    finally:
        if own:
            engine.dispose()


def compare_models(engine):
    """Differences between the models and the database (empty: in sync)."""
    with engine.connect() as conn:
        ctx = alembic.migration.MigrationContext.configure(
            conn, opts={'compare_type': True})
        diff = alembic.autogenerate.compare_metadata(
            ctx, models.Base.metadata)
    # alembic_version is ours but not a model.
    return [d for d in diff
            if not (d[0] == 'remove_table' and
                    d[1].name == 'alembic_version')]
