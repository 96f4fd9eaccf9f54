"""Metric-driven scaling: pushed metric samples
(``scaling_metric_sample``), the evaluations of groups with a shadow
policy (``scaling_evaluation``), and on ``scaling_group`` the evaluation
interval, when the next evaluation is due, the evaluator's claim
(``evaluator_engine_id`` until ``evaluator_expires_at``), the last
evaluation and the policies' memory (``metric_state``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from heat.db import types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def _table(name, *columns):
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('group_id', sa.String(36), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ['group_id'], ['scaling_group.id'], ondelete='CASCADE',
            name=op.f('fk_%s_group_id_scaling_group' % name)),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_%s' % name)),
        **TABLE_OPTS)


def upgrade():
    _table('scaling_metric_sample',
           sa.Column('name', sa.String(255), nullable=False),
           sa.Column('member', sa.String(255), nullable=True),
           sa.Column('value', sa.Double(), nullable=False),
           sa.Column('ts', sa.Double(), nullable=False))
    op.create_index(op.f('ix_scaling_metric_sample_group_id_name_id'),
                    'scaling_metric_sample', ['group_id', 'name', 'id'])
    _table('scaling_evaluation',
           sa.Column('at', sa.Double(), nullable=False),
           sa.Column('capacity', sa.Integer(), nullable=False),
           sa.Column('live_desired', sa.Integer(), nullable=False),
           sa.Column('shadow', types.Json, nullable=True))
    op.create_index(op.f('ix_scaling_evaluation_group_id_at'),
                    'scaling_evaluation', ['group_id', 'at'])
    with op.batch_alter_table('scaling_group') as batch:
        batch.add_column(sa.Column('evaluation_interval', sa.Double(),
                                   nullable=True))
        batch.add_column(sa.Column('next_evaluation_at', sa.Double(),
                                   nullable=True))
        batch.add_column(sa.Column('evaluator_engine_id', sa.String(36),
                                   nullable=True))
        batch.add_column(sa.Column('evaluator_expires_at', sa.Double(),
                                   nullable=True))
        batch.add_column(sa.Column('last_evaluation', types.Json,
                                   nullable=True))
        batch.add_column(sa.Column('metric_state', types.Json,
                                   nullable=True))
        batch.create_index('ix_scaling_group_next_evaluation_at',
                           ['next_evaluation_at'])


def downgrade():
    with op.batch_alter_table('scaling_group') as batch:
        batch.drop_index('ix_scaling_group_next_evaluation_at')
        batch.drop_column('metric_state')
        batch.drop_column('last_evaluation')
        batch.drop_column('evaluator_expires_at')
        batch.drop_column('evaluator_engine_id')
        batch.drop_column('next_evaluation_at')
        batch.drop_column('evaluation_interval')
    # their indexes go with them (MariaDB refuses to drop an index its
    # foreign key needs)
    op.drop_table('scaling_evaluation')
    op.drop_table('scaling_metric_sample')
