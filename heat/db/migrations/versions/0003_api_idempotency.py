"""The Auto-Scaling API's idempotency records (first answers to POSTs
carrying an ``Idempotency-Key``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from heat.db.types import Json, Timestamp

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TABLE = 'api_idempotency_record'


def upgrade():
    op.create_table(
        TABLE,
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('project', sa.String(256), nullable=False),
        sa.Column('idempotency_key', sa.String(255), nullable=False),
        sa.Column('fingerprint', sa.String(64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('body', Json(), nullable=True),
        sa.Column('headers', Json(), nullable=True),
        sa.Column('created_at', Timestamp(), nullable=False),
        sa.Column('expires_at', Timestamp(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_%s' % TABLE)),
        sa.UniqueConstraint(
            'project', 'idempotency_key',
            name=op.f('uq_%s_project_idempotency_key' % TABLE)),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index(op.f('ix_%s_expires_at' % TABLE), TABLE, ['expires_at'])


def downgrade():
    op.drop_index(op.f('ix_%s_expires_at' % TABLE), table_name=TABLE)
    op.drop_table(TABLE)
