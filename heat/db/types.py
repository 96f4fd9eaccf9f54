"""Column types that behave the same on SQLite, MariaDB and PostgreSQL.

``Json`` stores any JSON-serialisable value as text: one code path on all
three backends, and no reliance on a backend's own JSON type (MariaDB's is
an alias of LONGTEXT with a check constraint, SQLite has none). On MariaDB
the text is LONGTEXT, because templates and attribute data easily pass
TEXT's 64 KiB.

``Timestamp`` is a timezone-naive UTC ``DATETIME``; on MariaDB it keeps
microseconds (plain DATETIME truncates to the second, which would make
heartbeats and event times coarser there than elsewhere).
"""

import datetime
import json

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

LongText = sa.Text().with_variant(mysql.LONGTEXT(), 'mysql', 'mariadb')
MicroDateTime = sa.DateTime().with_variant(
    mysql.DATETIME(fsp=6), 'mysql', 'mariadb')


class Json(sa.types.TypeDecorator):
    """A JSON document kept as text; ``None`` is stored as SQL NULL."""

    impl = LongText
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        # Key order is kept: a template reads back as it was written.
        return json.dumps(value, separators=(',', ':'))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return json.loads(value)


class Timestamp(sa.types.TypeDecorator):
    """Timezone-naive UTC datetime with microseconds on every backend.

    Aware datetimes are converted to UTC and made naive before they are
    stored, so a caller passing ``datetime.now(timezone.utc)`` gets the
    same result as one passing a naive UTC value.
    """

    impl = MicroDateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc)
            value = value.replace(tzinfo=None)
        return value

