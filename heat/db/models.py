"""The engine's tables, as typed SQLAlchemy 2 models.

This module owns the shape of the schema; ``heat/db/migrations`` owns how
a database gets there (a test checks that both agree). Queries live in
``heat/db/api.py`` only.

Conventions:
- ids of user-visible objects (stacks, resource uuids, events, services)
  are 36-character UUID strings; internal rows use integer keys.
- times are timezone-naive UTC (``Timestamp``), as upstream Heat.
- JSON documents use ``Json`` (text on every backend).
- constraint names come from ``NAMING_CONVENTION`` so migrations can drop
  them by name on every backend.

To add tables, declare them here on ``Base`` and add one new migration
under ``migrations/versions`` (0002 added the auto-scaling ones).
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from heat.common import uuids
from heat.db.types import Json, Timestamp

NAMING_CONVENTION = {
    'ix': 'ix_%(table_name)s_%(column_0_N_name)s',
    'uq': 'uq_%(table_name)s_%(column_0_N_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}

UUID_LEN = 36


def new_uuid():
    return uuids.random_uuid()


def utcnow():
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self):
        ident = orm.object_mapper(self).primary_key_from_instance(self)
        return '<%s %s>' % (type(self).__name__, ','.join(map(str, ident)))


class TimestampMixin:
    created_at: Mapped[datetime.datetime] = mapped_column(
        Timestamp, default=utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        Timestamp, onupdate=utcnow)


def _fk(target, ondelete=None):
    return sa.ForeignKey(target, ondelete=ondelete)


class RawTemplateFiles(TimestampMixin, Base):
    """The files map of a template (``get_file`` contents), shared."""

    __tablename__ = 'raw_template_files'

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    files: Mapped[dict | None] = mapped_column(Json)


class RawTemplate(TimestampMixin, Base):
    """A template as submitted, with its environment."""

    __tablename__ = 'raw_template'

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    template: Mapped[dict] = mapped_column(Json)
    environment: Mapped[dict | None] = mapped_column(Json)
    files_id: Mapped[int | None] = mapped_column(
        _fk('raw_template_files.id'))


class UserCreds(TimestampMixin, Base):
    """The credentials/context a stack acts with on the user's behalf."""

    __tablename__ = 'user_creds'

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str | None] = mapped_column(sa.String(255))
    password: Mapped[str | None] = mapped_column(sa.String(255))
    decrypt_method: Mapped[str | None] = mapped_column(sa.String(64))
    tenant: Mapped[str | None] = mapped_column(sa.String(1024))
    tenant_id: Mapped[str | None] = mapped_column(sa.String(256))
    user_id: Mapped[str | None] = mapped_column(sa.String(64))
    trustor_user_id: Mapped[str | None] = mapped_column(sa.String(64))
    trust_id: Mapped[str | None] = mapped_column(sa.String(255))
    region_name: Mapped[str | None] = mapped_column(sa.String(255))
    auth_url: Mapped[str | None] = mapped_column(sa.Text)
    context: Mapped[dict | None] = mapped_column(Json)


class Stack(TimestampMixin, Base):
    """A stack; nested stacks point at their parent through owner_id.

    ``tenant`` is the project that owns the stack; every query on stacks
    filters on it. Deletion is soft (``deleted_at``) until purged.
    """

    __tablename__ = 'stack'
    __table_args__ = (
        sa.Index(None, 'tenant', 'name'),
        sa.Index(None, 'owner_id'),
        sa.Index(None, 'deleted_at'),
    )

    id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(sa.String(255))
    tenant: Mapped[str] = mapped_column(sa.String(256))
    username: Mapped[str | None] = mapped_column(sa.String(256))
    raw_template_id: Mapped[int] = mapped_column(_fk('raw_template.id'))
    prev_raw_template_id: Mapped[int | None] = mapped_column(
        _fk('raw_template.id'))
    user_creds_id: Mapped[int | None] = mapped_column(_fk('user_creds.id'))
    owner_id: Mapped[str | None] = mapped_column(
        sa.String(UUID_LEN), _fk('stack.id'))
    parent_resource_name: Mapped[str | None] = mapped_column(
        sa.String(255))
    nested_depth: Mapped[int] = mapped_column(default=0)
    timeout: Mapped[int | None] = mapped_column()
    disable_rollback: Mapped[bool] = mapped_column(default=True)
    action: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str | None] = mapped_column(sa.String(255))
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    stack_user_project_id: Mapped[str | None] = mapped_column(
        sa.String(64))
    backup: Mapped[bool] = mapped_column(default=False)
    convergence: Mapped[bool] = mapped_column(default=False)
    current_traversal: Mapped[str | None] = mapped_column(
        sa.String(UUID_LEN))
    current_deps: Mapped[dict | None] = mapped_column(Json)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)

    # Tags come with the stack on every load; there are few of them.
    tags: Mapped[list['StackTag']] = orm.relationship(
        lazy='selectin', cascade='all, delete-orphan',
        order_by='StackTag.id', passive_deletes=True)

    @property
    def tag_names(self):
        return [t.tag for t in self.tags]


class StackTag(Base):
    __tablename__ = 'stack_tag'

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    tag: Mapped[str] = mapped_column(sa.String(80))
    stack_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('stack.id', ondelete='CASCADE'),
        index=True)


class ResourcePropertiesData(TimestampMixin, Base):
    """Resolved properties (or attributes) of a resource, shared by events.

    Kept apart from ``resource`` so an event can point at the properties
    a resource had at that time without copying them.
    """

    __tablename__ = 'resource_properties_data'

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    data: Mapped[dict | None] = mapped_column(Json)
    encrypted: Mapped[bool] = mapped_column(default=False)


class Resource(TimestampMixin, Base):
    """One resource of a stack.

    ``engine_id`` + ``atomic_key`` form the compare-and-swap guard of
    ``resource_update``: a writer names the key it read, and the update
    only applies (and bumps the key) if nobody wrote in between.
    """

    __tablename__ = 'resource'
    __table_args__ = (
        sa.Index(None, 'stack_id', 'name'),
        sa.Index(None, 'root_stack_id'),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str | None] = mapped_column(sa.String(255))
    nova_instance: Mapped[str | None] = mapped_column(sa.String(255))
    action: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str | None] = mapped_column(sa.String(255))
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    stack_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('stack.id', ondelete='CASCADE'))
    root_stack_id: Mapped[str | None] = mapped_column(sa.String(UUID_LEN))
    rsrc_metadata: Mapped[dict | None] = mapped_column(Json)
    properties_data: Mapped[dict | None] = mapped_column(Json)
    rsrc_prop_data_id: Mapped[int | None] = mapped_column(
        _fk('resource_properties_data.id'))
    attr_data_id: Mapped[int | None] = mapped_column(
        _fk('resource_properties_data.id'))
    engine_id: Mapped[str | None] = mapped_column(sa.String(UUID_LEN))
    atomic_key: Mapped[int] = mapped_column(default=0)
    needed_by: Mapped[list | None] = mapped_column(Json)
    requires: Mapped[list | None] = mapped_column(Json)
    replaces: Mapped[int | None] = mapped_column()
    replaced_by: Mapped[int | None] = mapped_column()
    current_template_id: Mapped[int | None] = mapped_column(
        _fk('raw_template.id'))


class ResourceData(TimestampMixin, Base):
    """Key/value data of a resource (signed URLs, generated secrets).

    Values with ``redact`` set are never returned by listings; see
    ``heat.db.api.resource_data_get_all``.
    """

    __tablename__ = 'resource_data'
    __table_args__ = (sa.UniqueConstraint('resource_id', 'key'),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(sa.String(255))
    value: Mapped[str | None] = mapped_column(sa.Text)
    redact: Mapped[bool] = mapped_column(default=False)
    decrypt_method: Mapped[str | None] = mapped_column(sa.String(64))
    resource_id: Mapped[int] = mapped_column(
        _fk('resource.id', ondelete='CASCADE'))


class Event(TimestampMixin, Base):
    __tablename__ = 'event'
    __table_args__ = (sa.Index(None, 'stack_id', 'id'),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), unique=True, default=new_uuid)
    stack_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('stack.id', ondelete='CASCADE'))
    resource_action: Mapped[str | None] = mapped_column(sa.String(255))
    resource_status: Mapped[str | None] = mapped_column(sa.String(255))
    resource_name: Mapped[str | None] = mapped_column(sa.String(255))
    resource_type: Mapped[str | None] = mapped_column(sa.String(255))
    physical_resource_id: Mapped[str | None] = mapped_column(
        sa.String(255))
    resource_status_reason: Mapped[str | None] = mapped_column(sa.Text)
    rsrc_prop_data_id: Mapped[int | None] = mapped_column(
        _fk('resource_properties_data.id'))


class StackLock(TimestampMixin, Base):
    """Who (which engine) is acting on a stack right now."""

    __tablename__ = 'stack_lock'

    stack_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('stack.id', ondelete='CASCADE'),
        primary_key=True)
    engine_id: Mapped[str] = mapped_column(sa.String(UUID_LEN))
    #: fencing token: fresh for every taking of the lock (see
    #: heat.engine.stack_lock); None for locks taken without one
    token: Mapped[str | None] = mapped_column(sa.String(32))


class Service(TimestampMixin, Base):
    """An engine process; ``updated_at`` is its last heartbeat."""

    __tablename__ = 'service'
    __table_args__ = (sa.Index(None, 'engine_id'),)

    id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), primary_key=True, default=new_uuid)
    engine_id: Mapped[str] = mapped_column(sa.String(UUID_LEN))
    host: Mapped[str | None] = mapped_column(sa.String(255))
    hostname: Mapped[str | None] = mapped_column(sa.String(255))
    binary: Mapped[str | None] = mapped_column(sa.String(255))
    topic: Mapped[str | None] = mapped_column(sa.String(255))
    report_interval: Mapped[int] = mapped_column(default=60)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)


class SyncPoint(TimestampMixin, Base):
    """Convergence join point: one per (entity, traversal, direction)."""

    __tablename__ = 'sync_point'
    __table_args__ = (
        sa.PrimaryKeyConstraint('entity_id', 'traversal_id', 'is_update'),
    )

    entity_id: Mapped[str] = mapped_column(sa.String(UUID_LEN))
    traversal_id: Mapped[str] = mapped_column(sa.String(UUID_LEN))
    is_update: Mapped[bool] = mapped_column()
    atomic_key: Mapped[int] = mapped_column(default=0)
    stack_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('stack.id', ondelete='CASCADE'),
        index=True)
    input_data: Mapped[dict | None] = mapped_column(Json)


# ---------------------------------------------------------------------------
# Auto-scaling (doc/dev/autoscaling-engine.md, "Tables")
#
# Floats are double precision everywhere: POSIX times (cooldown ends) lose
# whole minutes in a single-precision FLOAT (MariaDB's plain FLOAT).

class ScalingGroup(TimestampMixin, Base):
    """A scaling group; ``id`` is the id of its member stack.

    No foreign key to ``stack``: the member stack may be deleted before
    the group row. ``version`` is bumped by every change of what the group
    should be, ``converged_version`` is what the converger last reached.
    ``lease_engine_id``/``lease_expires_at`` name the converger; ``fence``
    (+1 at every lease acquisition) fences off a converger that lost it.
    """

    __tablename__ = 'scaling_group'
    __table_args__ = (
        sa.Index(None, 'project'),
        sa.Index(None, 'stack_id'),
    )

    id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), primary_key=True, default=new_uuid)
    project: Mapped[str] = mapped_column(sa.String(256))
    name: Mapped[str] = mapped_column(sa.String(255))
    stack_id: Mapped[str | None] = mapped_column(sa.String(UUID_LEN))
    resource_name: Mapped[str | None] = mapped_column(sa.String(255))
    template_format: Mapped[str] = mapped_column(sa.String(16),
                                                 default='hot')
    min_size: Mapped[int] = mapped_column()
    max_size: Mapped[int] = mapped_column()
    desired_capacity: Mapped[int] = mapped_column()
    cooldown: Mapped[float | None] = mapped_column(sa.Double)
    cooldown_end: Mapped[float | None] = mapped_column(sa.Double)
    scale_up_cooldown_end: Mapped[float | None] = mapped_column(sa.Double)
    scale_down_cooldown_end: Mapped[float | None] = mapped_column(
        sa.Double)
    definitions: Mapped[dict] = mapped_column(Json, default=dict)
    generation: Mapped[int] = mapped_column(default=0)
    rolling_generation: Mapped[int | None] = mapped_column()
    rolling_update: Mapped[dict | None] = mapped_column(Json)
    removal_policy: Mapped[str] = mapped_column(sa.String(32),
                                                default='default')
    suspended: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(32), default='INIT')
    status_reason: Mapped[str] = mapped_column(sa.Text, default='')
    version: Mapped[int] = mapped_column(default=0)
    converged_version: Mapped[int] = mapped_column(default=0)
    lease_engine_id: Mapped[str | None] = mapped_column(
        sa.String(UUID_LEN))
    lease_expires_at: Mapped[datetime.datetime | None] = mapped_column(
        Timestamp)
    fence: Mapped[int] = mapped_column(default=0)
    #: the members' health check (heat.scaling.health, normalized) and
    #: what the monitor last found; the monitor's claim: one engine at a
    #: time checks the group (heat.engine.autoscaling.health)
    health_check: Mapped[dict | None] = mapped_column(Json)
    health: Mapped[dict | None] = mapped_column(Json)
    monitor_engine_id: Mapped[str | None] = mapped_column(
        sa.String(UUID_LEN))
    monitor_expires_at: Mapped[datetime.datetime | None] = mapped_column(
        Timestamp)
    #: heat.scaling.lifecycle, normalized
    lifecycle_hooks: Mapped[list | None] = mapped_column(Json)
    #: metric-driven scaling (heat.engine.autoscaling.evaluator): the
    #: shortest ``evaluation_interval`` of the group's metric policies
    #: (None: none), when the next evaluation is due (POSIX seconds), the
    #: evaluator's claim (one engine at a time evaluates the group), the
    #: last evaluation record and the policies' memory between
    #: evaluations (target tracking's recommendations and changes)
    evaluation_interval: Mapped[float | None] = mapped_column(sa.Double)
    next_evaluation_at: Mapped[float | None] = mapped_column(
        sa.Double, index=True)
    evaluator_engine_id: Mapped[str | None] = mapped_column(
        sa.String(UUID_LEN))
    evaluator_expires_at: Mapped[float | None] = mapped_column(sa.Double)
    last_evaluation: Mapped[dict | None] = mapped_column(Json)
    metric_state: Mapped[dict | None] = mapped_column(Json)


class ScalingMember(TimestampMixin, Base):
    """One member of a group (its resource lives in the member stack)."""

    __tablename__ = 'scaling_member'
    __table_args__ = (
        sa.UniqueConstraint('group_id', 'name'),
        # counts by status read the index alone (migration 0009)
        sa.Index('ix_scaling_member_group_id_status', 'group_id', 'status'),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('scaling_group.id', ondelete='CASCADE'))
    name: Mapped[str] = mapped_column(sa.String(64))
    generation: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16))
    protected: Mapped[bool] = mapped_column(default=False)
    #: the health monitor's last verdict (HEALTHY, UNHEALTHY; None: not
    #: judged yet, or the group has no health check)
    health: Mapped[str | None] = mapped_column(sa.String(16))
    #: a lifecycle hook's wait (PENDING_WAIT, TERMINATING_WAIT): the
    #: hook, when it began; until ``hook_deadline``; the completion URL's
    #: token's sha256
    lifecycle: Mapped[dict | None] = mapped_column(Json)
    hook_deadline: Mapped[datetime.datetime | None] = mapped_column(
        Timestamp, index=True)
    hook_token_hash: Mapped[str | None] = mapped_column(
        sa.String(64), index=True, unique=True)


class ScalingPolicy(TimestampMixin, Base):
    __tablename__ = 'scaling_policy'

    id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), primary_key=True, default=new_uuid)
    group_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('scaling_group.id', ondelete='CASCADE'),
        index=True)
    project: Mapped[str] = mapped_column(sa.String(256))
    name: Mapped[str] = mapped_column(sa.String(255))
    stack_id: Mapped[str | None] = mapped_column(sa.String(UUID_LEN))
    resource_name: Mapped[str | None] = mapped_column(sa.String(255))
    kind: Mapped[str] = mapped_column(sa.String(32), default='simple')
    adjustment_type: Mapped[str] = mapped_column(sa.String(32))
    scaling_adjustment: Mapped[float] = mapped_column(sa.Double)
    min_adjustment_step: Mapped[int | None] = mapped_column()
    cooldown: Mapped[float | None] = mapped_column(sa.Double)
    params: Mapped[dict | None] = mapped_column(Json)


class ScalingMetricSample(Base):
    """One pushed metric sample of a group (``ts``: POSIX seconds);
    at most ``[autoscaling] metric_window_samples`` per group and metric
    name are kept, the oldest dropped."""

    __tablename__ = 'scaling_metric_sample'
    __table_args__ = (sa.Index(None, 'group_id', 'name', 'id'),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('scaling_group.id', ondelete='CASCADE'))
    name: Mapped[str] = mapped_column(sa.String(255))
    member: Mapped[str | None] = mapped_column(sa.String(255))
    value: Mapped[float] = mapped_column(sa.Double)
    ts: Mapped[float] = mapped_column(sa.Double)


class ScalingEvaluation(Base):
    """One evaluation of a group that has a shadow policy: the capacity,
    what the live policies decided and what each shadow policy would
    have (``{policy id: desired}``); what ``compare`` reads."""

    __tablename__ = 'scaling_evaluation'
    __table_args__ = (sa.Index(None, 'group_id', 'at'),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('scaling_group.id', ondelete='CASCADE'))
    at: Mapped[float] = mapped_column(sa.Double)
    capacity: Mapped[int] = mapped_column()
    live_desired: Mapped[int] = mapped_column()
    shadow: Mapped[dict | None] = mapped_column(Json)


class ScalingWebhook(Base):
    """A capability URL of a policy; only the token's sha256 is kept."""

    __tablename__ = 'scaling_webhook'

    id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), primary_key=True, default=new_uuid)
    policy_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('scaling_policy.id', ondelete='CASCADE'),
        index=True)
    project: Mapped[str] = mapped_column(sa.String(256))
    name: Mapped[str | None] = mapped_column(sa.String(255))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime.datetime] = mapped_column(
        Timestamp, default=utcnow)


class ScalingActivity(Base):
    """One trigger of a group and what came of it."""

    __tablename__ = 'scaling_activity'
    __table_args__ = (sa.Index(None, 'group_id', 'started_at'),)

    id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), primary_key=True, default=new_uuid)
    group_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('scaling_group.id', ondelete='CASCADE'))
    project: Mapped[str] = mapped_column(sa.String(256))
    # No foreign key: the activity outlives its policy.
    policy_id: Mapped[str | None] = mapped_column(sa.String(UUID_LEN))
    trigger: Mapped[str] = mapped_column(sa.String(32))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255))
    decision: Mapped[dict | None] = mapped_column(Json)
    from_capacity: Mapped[int] = mapped_column()
    to_capacity: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text, default='')
    error: Mapped[str | None] = mapped_column(sa.Text)
    engine_id: Mapped[str | None] = mapped_column(sa.String(UUID_LEN))
    fence: Mapped[int | None] = mapped_column()
    started_at: Mapped[datetime.datetime] = mapped_column(
        Timestamp, default=utcnow)
    finished_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)


class ScalingTriggerReceipt(Base):
    """An idempotency key seen for a group, and the activity it made."""

    __tablename__ = 'scaling_trigger_receipt'
    __table_args__ = (sa.UniqueConstraint('group_id', 'idempotency_key'),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('scaling_group.id', ondelete='CASCADE'))
    idempotency_key: Mapped[str] = mapped_column(sa.String(255))
    activity_id: Mapped[str] = mapped_column(sa.String(UUID_LEN))
    created_at: Mapped[datetime.datetime] = mapped_column(
        Timestamp, default=utcnow)


class ApiIdempotencyRecord(Base):
    """The first answer of the Auto-Scaling API to a POST carrying an
    ``Idempotency-Key``: a repeat (same project, same key) gets it back.
    ``status`` is None while the first request is still being served.
    Rows live until ``expires_at`` (``[autoscaling]
    api_idempotency_retention``)."""

    __tablename__ = 'api_idempotency_record'
    __table_args__ = (sa.UniqueConstraint('project', 'idempotency_key'),
                      sa.Index(None, 'expires_at'))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    project: Mapped[str] = mapped_column(sa.String(256))
    idempotency_key: Mapped[str] = mapped_column(sa.String(255))
    #: sha256 of the method, the path and the body of the first request
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int | None] = mapped_column()
    body: Mapped[dict | None] = mapped_column(Json)
    headers: Mapped[dict | None] = mapped_column(Json)
    created_at: Mapped[datetime.datetime] = mapped_column(
        Timestamp, default=utcnow)
    expires_at: Mapped[datetime.datetime] = mapped_column(Timestamp)


# ---------------------------------------------------------------------------
# Software configs and deployments (upstream's tables; doc/software-config.md)

class SoftwareConfig(TimestampMixin, Base):
    """A software config: immutable once made. ``config`` holds the
    config text, ``inputs``, ``outputs`` and ``options``
    (``{'config', 'inputs', 'outputs', 'options'}``)."""

    __tablename__ = 'software_config'
    __table_args__ = (sa.Index(None, 'tenant'),)

    id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), primary_key=True, default=new_uuid)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    group: Mapped[str | None] = mapped_column(sa.String(255))
    config: Mapped[dict | None] = mapped_column(Json)
    tenant: Mapped[str] = mapped_column(sa.String(64))
    user: Mapped[str | None] = mapped_column(sa.String(64))


class SoftwareDeployment(TimestampMixin, Base):
    """A config deployed to a server: ``input_values`` given, and the
    ``output_values`` the server signalled back. ``tenant`` or
    ``stack_user_project_id`` may see it."""

    __tablename__ = 'software_deployment'
    __table_args__ = (sa.Index(None, 'tenant'),
                      sa.Index(None, 'server_id'))

    id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), primary_key=True, default=new_uuid)
    config_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('software_config.id'))
    server_id: Mapped[str] = mapped_column(sa.String(255))
    input_values: Mapped[dict | None] = mapped_column(Json)
    output_values: Mapped[dict | None] = mapped_column(Json)
    action: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str | None] = mapped_column(sa.String(255))
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    tenant: Mapped[str] = mapped_column(sa.String(64))
    stack_user_project_id: Mapped[str | None] = mapped_column(
        sa.String(64))

    config: Mapped['SoftwareConfig'] = orm.relationship(lazy='joined')


# ---------------------------------------------------------------------------
# Stack snapshots (upstream's table; heat/engine/snapshot_service.py)

class Snapshot(TimestampMixin, Base):
    """A stack's data at a point in time: ``data`` is the stack's abandon
    data (template, environment, files, each resource's id and data),
    taken when ``status`` became COMPLETE. ``tenant`` is the stack's
    project. Goes with its stack (deleted or purged)."""

    __tablename__ = 'snapshot'
    __table_args__ = (sa.Index(None, 'stack_id'),)

    id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), primary_key=True, default=new_uuid)
    stack_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), _fk('stack.id', ondelete='CASCADE'))
    name: Mapped[str | None] = mapped_column(sa.String(255))
    data: Mapped[dict | None] = mapped_column(Json)
    status: Mapped[str | None] = mapped_column(sa.String(255))
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    tenant: Mapped[str] = mapped_column(sa.String(256))
