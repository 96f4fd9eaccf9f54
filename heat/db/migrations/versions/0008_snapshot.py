"""Stack snapshots: ``snapshot`` (upstream's table), a stack's data at a
point in time (its abandon data: template, environment, files and each
resource's id and data) with a name and a status.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from heat.db import types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade():
    op.create_table(
        'snapshot',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('stack_id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('data', types.Json, nullable=True),
        sa.Column('status', sa.String(255), nullable=True),
        sa.Column('status_reason', sa.Text(), nullable=True),
        sa.Column('tenant', sa.String(256), nullable=False),
        sa.Column('created_at', types.Timestamp, nullable=False),
        sa.Column('updated_at', types.Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ['stack_id'], ['stack.id'], ondelete='CASCADE',
            name=op.f('fk_snapshot_stack_id_stack')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot')),
        **TABLE_OPTS)
    op.create_index(op.f('ix_snapshot_stack_id'), 'snapshot', ['stack_id'])


def downgrade():
    # the index goes with its table (MariaDB refuses to drop an index a
    # foreign key needs)
    op.drop_table('snapshot')
