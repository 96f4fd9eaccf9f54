"""Auto-scaling: groups, members, policies, webhooks, activities, receipts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from heat.db.types import Json, Timestamp

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def _uuid(name, nullable=False):
    return sa.Column(name, sa.String(36), nullable=nullable)


def _str(name, length=255, nullable=True):
    return sa.Column(name, sa.String(length), nullable=nullable)


def _int(name, nullable=False):
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _float(name, nullable=True):
    return sa.Column(name, sa.Double(), nullable=nullable)


def _bool(name):
    return sa.Column(name, sa.Boolean(), nullable=False)


def _time(name, nullable=False):
    return sa.Column(name, Timestamp(), nullable=nullable)


def _int_pk():
    return sa.Column('id', sa.Integer(), autoincrement=True, nullable=False)


def _timestamps():
    return [_time('created_at'), _time('updated_at', nullable=True)]


def _create(name, *items, fks=(), unique=()):
    parts = list(items)
    for column, target in fks:
        parts.append(sa.ForeignKeyConstraint(
            [column], [target], ondelete='CASCADE',
            name=op.f('fk_%s_%s_%s' % (name, column, target.split('.')[0]))))
    for columns in unique:
        parts.append(sa.UniqueConstraint(
            *columns, name=op.f('uq_%s_%s' % (name, '_'.join(columns)))))
    op.create_table(name, *parts,
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_%s' % name)),
                    **TABLE_OPTS)


def _index(table, *columns):
    op.create_index(op.f('ix_%s_%s' % (table, '_'.join(columns))),
                    table, list(columns))


def upgrade():
    # No foreign key to stack: the member stack may go before the group.
    _create('scaling_group',
            _uuid('id'),
            _str('project', 256, nullable=False),
            _str('name', nullable=False),
            _uuid('stack_id', nullable=True),
            _str('resource_name'),
            _str('template_format', 16, nullable=False),
            _int('min_size'),
            _int('max_size'),
            _int('desired_capacity'),
            _float('cooldown'),
            _float('cooldown_end'),
            _float('scale_up_cooldown_end'),
            _float('scale_down_cooldown_end'),
            sa.Column('definitions', Json(), nullable=False),
            _int('generation'),
            _int('rolling_generation', nullable=True),
            sa.Column('rolling_update', Json(), nullable=True),
            _str('removal_policy', 32, nullable=False),
            _bool('suspended'),
            _str('status', 32, nullable=False),
            sa.Column('status_reason', sa.Text(), nullable=False),
            _int('version'),
            _int('converged_version'),
            _uuid('lease_engine_id', nullable=True),
            _time('lease_expires_at', nullable=True),
            _int('fence'),
            *_timestamps())
    _index('scaling_group', 'project')
    _index('scaling_group', 'stack_id')
    _create('scaling_member',
            _int_pk(),
            _uuid('group_id'),
            _str('name', 64, nullable=False),
            _int('generation'),
            _str('status', 16, nullable=False),
            _bool('protected'),
            *_timestamps(),
            fks=[('group_id', 'scaling_group.id')],
            unique=[('group_id', 'name')])
    _create('scaling_policy',
            _uuid('id'),
            _uuid('group_id'),
            _str('project', 256, nullable=False),
            _str('name', nullable=False),
            _uuid('stack_id', nullable=True),
            _str('resource_name'),
            _str('kind', 32, nullable=False),
            _str('adjustment_type', 32, nullable=False),
            _float('scaling_adjustment', nullable=False),
            _int('min_adjustment_step', nullable=True),
            _float('cooldown'),
            sa.Column('params', Json(), nullable=True),
            *_timestamps(),
            fks=[('group_id', 'scaling_group.id')])
    _index('scaling_policy', 'group_id')
    _create('scaling_webhook',
            _uuid('id'),
            _uuid('policy_id'),
            _str('project', 256, nullable=False),
            _str('name'),
            _str('token_hash', 64, nullable=False),
            _bool('enabled'),
            _time('created_at'),
            fks=[('policy_id', 'scaling_policy.id')],
            unique=[('token_hash',)])
    _index('scaling_webhook', 'policy_id')
    _create('scaling_activity',
            _uuid('id'),
            _uuid('group_id'),
            _str('project', 256, nullable=False),
            _uuid('policy_id', nullable=True),
            _str('trigger', 32, nullable=False),
            _str('idempotency_key'),
            sa.Column('decision', Json(), nullable=True),
            _int('from_capacity'),
            _int('to_capacity'),
            _str('status', 16, nullable=False),
            sa.Column('reason', sa.Text(), nullable=False),
            sa.Column('error', sa.Text(), nullable=True),
            _uuid('engine_id', nullable=True),
            _int('fence', nullable=True),
            _time('started_at'),
            _time('finished_at', nullable=True),
            fks=[('group_id', 'scaling_group.id')])
    _index('scaling_activity', 'group_id', 'started_at')
    _create('scaling_trigger_receipt',
            _int_pk(),
            _uuid('group_id'),
            _str('idempotency_key', nullable=False),
            _uuid('activity_id'),
            _time('created_at'),
            fks=[('group_id', 'scaling_group.id')],
            unique=[('group_id', 'idempotency_key')])


def downgrade():
    for table in ('scaling_trigger_receipt', 'scaling_activity',
                  'scaling_webhook', 'scaling_policy', 'scaling_member',
                  'scaling_group'):
        op.drop_table(table)
