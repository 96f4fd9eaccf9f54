"""Self-healing groups. Health checks: the check (``health_check``), what
the monitor last found (``health``), and the monitor's claim on the
group (``monitor_engine_id`` until ``monitor_expires_at``): one engine
at a time checks a group; each member's last verdict (``health``).
Lifecycle hooks: the group's ``lifecycle_hooks``; a member's wait
(``lifecycle``), its deadline (``hook_deadline``) and the sha256 of the
token of its completion URL (``hook_token_hash``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from heat.db import types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scaling_group') as batch:
        batch.add_column(sa.Column('health_check', types.Json,
                                   nullable=True))
        batch.add_column(sa.Column('health', types.Json, nullable=True))
        batch.add_column(sa.Column('monitor_engine_id', sa.String(36),
                                   nullable=True))
        batch.add_column(sa.Column('monitor_expires_at', types.Timestamp,
                                   nullable=True))
        batch.add_column(sa.Column('lifecycle_hooks', types.Json,
                                   nullable=True))
    with op.batch_alter_table('scaling_member') as batch:
        batch.add_column(sa.Column('health', sa.String(16), nullable=True))
        batch.add_column(sa.Column('lifecycle', types.Json, nullable=True))
        batch.add_column(sa.Column('hook_deadline', types.Timestamp,
                                   nullable=True))
        batch.add_column(sa.Column('hook_token_hash', sa.String(64),
                                   nullable=True))
        batch.create_index('ix_scaling_member_hook_deadline',
                           ['hook_deadline'])
        batch.create_index('ix_scaling_member_hook_token_hash',
                           ['hook_token_hash'], unique=True)


def downgrade():
    with op.batch_alter_table('scaling_member') as batch:
        batch.drop_index('ix_scaling_member_hook_token_hash')
        batch.drop_index('ix_scaling_member_hook_deadline')
        batch.drop_column('hook_token_hash')
        batch.drop_column('hook_deadline')
        batch.drop_column('lifecycle')
        batch.drop_column('health')
    with op.batch_alter_table('scaling_group') as batch:
        batch.drop_column('lifecycle_hooks')
        batch.drop_column('monitor_expires_at')
        batch.drop_column('monitor_engine_id')
        batch.drop_column('health')
        batch.drop_column('health_check')
