"""The fencing token of a stack lock: a fresh random token per taking of
the lock, so that an engine that lost its lock (paused, then taken over)
cannot write the stack's state nor release a lock taken again since.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stack_lock') as batch:
        batch.add_column(sa.Column('token', sa.String(32), nullable=True))


def downgrade():
    with op.batch_alter_table('stack_lock') as batch:
        batch.drop_column('token')
