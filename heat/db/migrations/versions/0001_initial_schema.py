"""Initial schema: stacks, templates, resources, events, locks, services.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from heat.db.types import Json, Timestamp

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# InnoDB for foreign keys and transactions, utf8mb4 for any user text;
# ignored by the other backends.
TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def _uuid(name, **kw):
    kw.setdefault('nullable', False)
    return sa.Column(name, sa.String(36), **kw)


def _str(name, length=255):
    return sa.Column(name, sa.String(length), nullable=True)


def _int_pk():
    return sa.Column('id', sa.Integer(), autoincrement=True, nullable=False)


def _timestamps():
    return [sa.Column('created_at', Timestamp(), nullable=False),
            sa.Column('updated_at', Timestamp(), nullable=True)]


def _fk(column, target, ondelete=None):
    """A foreign key, named by ``_create`` once the table is known."""
    return ('fk', column, target, ondelete)


def _create(name, *items):
    parts = []
    for item in items:
        if isinstance(item, tuple) and item[0] == 'fk':
            _, column, target, ondelete = item
            parts.append(sa.ForeignKeyConstraint(
                [column], [target], ondelete=ondelete,
                name=op.f('fk_%s_%s_%s' % (name, column,
                                           target.split('.')[0]))))
        else:
            parts.append(item)
    pk = _PRIMARY_KEYS.get(name, ['id'])
    op.create_table(name, *parts,
                    sa.PrimaryKeyConstraint(*pk, name=op.f('pk_%s' % name)),
                    **TABLE_OPTS)


_PRIMARY_KEYS = {'stack_lock': ['stack_id'],
                 'sync_point': ['entity_id', 'traversal_id', 'is_update']}


def _index(table, *columns):
    op.create_index(op.f('ix_%s_%s' % (table, '_'.join(columns))),
                    table, list(columns))


def upgrade():
    _create('raw_template_files',
            _int_pk(),
            sa.Column('files', Json(), nullable=True),
            *_timestamps())
    _create('resource_properties_data',
            _int_pk(),
            sa.Column('data', Json(), nullable=True),
            sa.Column('encrypted', sa.Boolean(), nullable=False),
            *_timestamps())
    _create('service',
            _uuid('id'),
            _uuid('engine_id'),
            _str('host'),
            _str('hostname'),
            _str('binary'),
            _str('topic'),
            sa.Column('report_interval', sa.Integer(), nullable=False),
            sa.Column('deleted_at', Timestamp(), nullable=True),
            *_timestamps())
    _index('service', 'engine_id')
    _create('user_creds',
            _int_pk(),
            _str('username'),
            _str('password'),
            _str('decrypt_method', 64),
            _str('tenant', 1024),
            _str('tenant_id', 256),
            _str('user_id', 64),
            _str('trustor_user_id', 64),
            _str('trust_id'),
            _str('region_name'),
            sa.Column('auth_url', sa.Text(), nullable=True),
            sa.Column('context', Json(), nullable=True),
            *_timestamps())
    _create('raw_template',
            _int_pk(),
            sa.Column('template', Json(), nullable=False),
            sa.Column('environment', Json(), nullable=True),
            sa.Column('files_id', sa.Integer(), nullable=True),
            *_timestamps(),
            _fk('files_id', 'raw_template_files.id'))
    _create('stack',
            _uuid('id'),
            sa.Column('name', sa.String(255), nullable=False),
            sa.Column('tenant', sa.String(256), nullable=False),
            _str('username', 256),
            sa.Column('raw_template_id', sa.Integer(), nullable=False),
            sa.Column('prev_raw_template_id', sa.Integer(), nullable=True),
            sa.Column('user_creds_id', sa.Integer(), nullable=True),
            _uuid('owner_id', nullable=True),
            _str('parent_resource_name'),
            sa.Column('nested_depth', sa.Integer(), nullable=False),
            sa.Column('timeout', sa.Integer(), nullable=True),
            sa.Column('disable_rollback', sa.Boolean(), nullable=False),
            _str('action'),
            _str('status'),
            sa.Column('status_reason', sa.Text(), nullable=True),
            _str('stack_user_project_id', 64),
            sa.Column('backup', sa.Boolean(), nullable=False),
            sa.Column('convergence', sa.Boolean(), nullable=False),
            _uuid('current_traversal', nullable=True),
            sa.Column('current_deps', Json(), nullable=True),
            sa.Column('deleted_at', Timestamp(), nullable=True),
            *_timestamps(),
            _fk('owner_id', 'stack.id'),
            _fk('prev_raw_template_id', 'raw_template.id'),
            _fk('raw_template_id', 'raw_template.id'),
            _fk('user_creds_id', 'user_creds.id'))
    _index('stack', 'deleted_at')
    _index('stack', 'owner_id')
    _index('stack', 'tenant', 'name')
    _create('event',
            _int_pk(),
            _uuid('uuid'),
            _uuid('stack_id'),
            _str('resource_action'),
            _str('resource_status'),
            _str('resource_name'),
            _str('resource_type'),
            _str('physical_resource_id'),
            sa.Column('resource_status_reason', sa.Text(), nullable=True),
            sa.Column('rsrc_prop_data_id', sa.Integer(), nullable=True),
            *_timestamps(),
            _fk('rsrc_prop_data_id', 'resource_properties_data.id'),
            _fk('stack_id', 'stack.id', ondelete='CASCADE'),
            sa.UniqueConstraint('uuid', name=op.f('uq_event_uuid')))
    _index('event', 'stack_id', 'id')
    _create('resource',
            _int_pk(),
            _uuid('uuid'),
            sa.Column('name', sa.String(255), nullable=False),
            _str('type'),
            _str('nova_instance'),
            _str('action'),
            _str('status'),
            sa.Column('status_reason', sa.Text(), nullable=True),
            _uuid('stack_id'),
            _uuid('root_stack_id', nullable=True),
            sa.Column('rsrc_metadata', Json(), nullable=True),
            sa.Column('properties_data', Json(), nullable=True),
            sa.Column('rsrc_prop_data_id', sa.Integer(), nullable=True),
            sa.Column('attr_data_id', sa.Integer(), nullable=True),
            _uuid('engine_id', nullable=True),
            sa.Column('atomic_key', sa.Integer(), nullable=False),
            sa.Column('needed_by', Json(), nullable=True),
            sa.Column('requires', Json(), nullable=True),
            sa.Column('replaces', sa.Integer(), nullable=True),
            sa.Column('replaced_by', sa.Integer(), nullable=True),
            sa.Column('current_template_id', sa.Integer(), nullable=True),
            *_timestamps(),
            _fk('attr_data_id', 'resource_properties_data.id'),
            _fk('current_template_id', 'raw_template.id'),
            _fk('rsrc_prop_data_id', 'resource_properties_data.id'),
            _fk('stack_id', 'stack.id', ondelete='CASCADE'),
            sa.UniqueConstraint('uuid', name=op.f('uq_resource_uuid')))
    _index('resource', 'root_stack_id')
    _index('resource', 'stack_id', 'name')
    _create('stack_lock',
            _uuid('stack_id'),
            _uuid('engine_id'),
            *_timestamps(),
            _fk('stack_id', 'stack.id', ondelete='CASCADE'))
    _create('stack_tag',
            _int_pk(),
            sa.Column('tag', sa.String(80), nullable=False),
            _uuid('stack_id'),
            _fk('stack_id', 'stack.id', ondelete='CASCADE'))
    _index('stack_tag', 'stack_id')
    _create('sync_point',
            _uuid('entity_id'),
            _uuid('traversal_id'),
            sa.Column('is_update', sa.Boolean(), nullable=False),
            sa.Column('atomic_key', sa.Integer(), nullable=False),
            _uuid('stack_id'),
            sa.Column('input_data', Json(), nullable=True),
            *_timestamps(),
            _fk('stack_id', 'stack.id', ondelete='CASCADE'))
    _index('sync_point', 'stack_id')
    _create('resource_data',
            _int_pk(),
            sa.Column('key', sa.String(255), nullable=False),
            sa.Column('value', sa.Text(), nullable=True),
            sa.Column('redact', sa.Boolean(), nullable=False),
            _str('decrypt_method', 64),
            sa.Column('resource_id', sa.Integer(), nullable=False),
            *_timestamps(),
            _fk('resource_id', 'resource.id', ondelete='CASCADE'),
            sa.UniqueConstraint('resource_id', 'key',
                                name=op.f('uq_resource_data_resource_id_key')))


def downgrade():
    # Dependants first; dropping a table drops its indexes and keys.
    for table in ('resource_data', 'sync_point', 'stack_tag', 'stack_lock',
                  'resource', 'event', 'stack', 'raw_template', 'user_creds',
                  'service', 'resource_properties_data',
                  'raw_template_files'):
        op.drop_table(table)
