"""The engine's database layer (oslo.db + SQLAlchemy 2 + alembic).

- ``models``: typed models, the schema's shape.
- ``migrations/``: alembic revisions, the only way a schema is built.
- ``migration``: upgrade / downgrade / current revision / model check,
  with an alembic configuration built in code (no alembic.ini).
- ``manage``: ``db_sync`` and ``db_version`` behind ``heat-manage``.
- ``api``: every query; ``configure(url)`` first.
- ``options``: ``[database]`` options and the default SQLite URL under
  the state directory.
- ``sqlite``: WAL, foreign keys, busy timeout, BEGIN IMMEDIATE writers.
- ``types``: JSON and timestamp columns that behave alike on SQLite,
  MariaDB and PostgreSQL.
"""
