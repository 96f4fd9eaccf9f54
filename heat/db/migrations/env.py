"""Alembic environment: runs migrations on the connection or URL given.

``heat.db.migration`` builds the alembic Config in code (no alembic.ini),
passing either an open connection (``config.attributes['connection']``)
or a URL (``sqlalchemy.url``).
"""

import sqlalchemy as sa
from alembic import context

from heat.db import models

target_metadata = models.Base.metadata


def _configure(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables.
        render_as_batch=connection.dialect.name == 'sqlite',
        compare_type=True,
    )


def run_migrations_offline():
    context.configure(url=context.config.get_main_option('sqlalchemy.url'),
                      target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = context.config.attributes.get('connection')
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(
        context.config.get_main_option('sqlalchemy.url'),
        poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == 'sqlite':
                conn.exec_driver_sql('PRAGMA foreign_keys=ON')
                # End the transaction the PRAGMA auto-began, or alembic
                # would take it for the caller's and never commit.
                conn.commit()
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
