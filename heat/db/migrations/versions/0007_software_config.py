"""Software configs and deployments: ``software_config`` (a config's
name, group, and its text, inputs, outputs and options as one JSON
document) and ``software_deployment`` (a config deployed to a server,
its input and output values and its status).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from heat.db import types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def _times():
    return (sa.Column('created_at', types.Timestamp, nullable=False),
            sa.Column('updated_at', types.Timestamp, nullable=True))


def upgrade():
    op.create_table(
        'software_config',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('group', sa.String(255), nullable=True),
        sa.Column('config', types.Json, nullable=True),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('user', sa.String(64), nullable=True),
        *_times(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_software_config')),
        **TABLE_OPTS)
    op.create_index(op.f('ix_software_config_tenant'), 'software_config',
                    ['tenant'])
    op.create_table(
        'software_deployment',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('config_id', sa.String(36), nullable=False),
        sa.Column('server_id', sa.String(255), nullable=False),
        sa.Column('input_values', types.Json, nullable=True),
        sa.Column('output_values', types.Json, nullable=True),
        sa.Column('action', sa.String(255), nullable=True),
        sa.Column('status', sa.String(255), nullable=True),
        sa.Column('status_reason', sa.Text(), nullable=True),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('stack_user_project_id', sa.String(64), nullable=True),
        *_times(),
        sa.ForeignKeyConstraint(
            ['config_id'], ['software_config.id'],
            name=op.f('fk_software_deployment_config_id_software_config')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_software_deployment')),
        **TABLE_OPTS)
    op.create_index(op.f('ix_software_deployment_tenant'),
                    'software_deployment', ['tenant'])
    op.create_index(op.f('ix_software_deployment_server_id'),
                    'software_deployment', ['server_id'])


def downgrade():
    # indexes go with their tables (MariaDB refuses to drop an index a
    # foreign key needs)
    op.drop_table('software_deployment')
    op.drop_table('software_config')
