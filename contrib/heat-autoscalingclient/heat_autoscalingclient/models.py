"""The API's objects as dataclasses: :class:`Group`, :class:`Member`,
:class:`Policy`, :class:`Decision`, :class:`Webhook`, :class:`Activity`,
:class:`Sample`, :class:`SamplesAccepted`, :class:`Evaluation`,
:class:`Comparison`.

Each has the contract's fields as attributes; keys the server sends that
this client does not know are kept in ``extra`` (and given back by
``to_dict()``, which returns the object as the server sent it). A
:class:`Group` also carries the ``etag`` of the answer it came from,
usable as ``if_match``.
"""

import dataclasses
from typing import Any, ClassVar


@dataclasses.dataclass
class Resource:
    """Base of the API objects."""

    extra: dict = dataclasses.field(default_factory=dict, repr=False,
                                    compare=False)
    # names that are not the server's fields
    _LOCAL: ClassVar[frozenset] = frozenset({'extra'})

    @classmethod
    def field_names(cls):
        return [f.name for f in dataclasses.fields(cls)
                if f.name not in cls._LOCAL]

    @classmethod
    def from_dict(cls, data, **local):
        data = dict(data or {})
        known = set(cls.field_names())
        kwargs = {k: data.pop(k) for k in list(data) if k in known}
        return cls(extra=data, **kwargs, **local)

    def to_dict(self):
        """The object's fields (and any extra ones) as a plain dict."""
        out = {name: getattr(self, name) for name in self.field_names()}
        out.update(self.extra)
        return out

    def __getitem__(self, key):
        # body-style access: obj['name']
        data = self.to_dict()
        return data[key]


@dataclasses.dataclass
class Group(Resource):
    """A scaling group (``GROUP`` of the contract)."""

    id: str = None
    name: str = None
    project_id: str = None
    stack_id: str = None
    resource_name: str = None
    min_size: int = None
    max_size: int = None
    desired_capacity: int = None
    current_size: int = None
    pending_size: int = None
    member_count: int = None
    cooldown: float = None
    cooldown_end: str = None
    status: str = None
    status_reason: str = None
    converged: bool = None
    suspended: bool = None
    generation: int = None
    version: int = None
    lease_holder: str = None
    lease_expires_at: str = None
    removal_policy: Any = None
    rolling_update: dict = None
    resource: dict = None
    #: the members' health check, every key with its value (None: none)
    health_check: dict = None
    #: what the last health check found (``status`` HEALTHY, DEGRADED,
    #: GUARDED or LIMITED, ``reason``, ``checked_at``, ``members``,
    #: ``healthy``, ``unhealthy``, ``engine_id``); None until checked
    health: dict = None
    #: the lifecycle hooks, every key with its value (``name``,
    #: ``transition`` launch|terminate, ``heartbeat_timeout``,
    #: ``default_result`` CONTINUE|ABANDON, ``notify_url``, ``metadata``);
    #: [] when none
    lifecycle_hooks: list = None
    #: the last evaluation of the group's metric policies (the record:
    #: ``at``, ``capacity``, ``metrics``, ``policies``, ``desired``,
    #: ``changed``, ``activity_id``, ``why``...); None when none yet
    last_evaluation: dict = None
    #: seconds between two evaluations; None without a metric policy
    evaluation_interval: float = None
    created_at: str = None
    updated_at: str = None
    links: list = None
    #: the ``ETag`` header of the answer this object came from (falls back
    #: to ``"<version>"``): pass the group itself, or this, as ``if_match``
    etag: str = dataclasses.field(default=None, compare=False)

    _LOCAL: ClassVar[frozenset] = frozenset({'extra', 'etag'})

    def __post_init__(self):
        if self.etag is None and self.version is not None:
            self.etag = '"%s"' % self.version

    @property
    def is_active(self):
        """Converged and ACTIVE: what the wait helpers wait for."""
        return self.status == 'ACTIVE' and bool(self.converged)


@dataclasses.dataclass
class Member(Resource):
    """A group member (``MEMBER``)."""

    name: str = None
    generation: int = None
    #: PENDING, ACTIVE, UPDATING, FAILED, REMOVING, or a lifecycle
    #: hook's wait: PENDING_WAIT (launch), TERMINATING_WAIT (terminate)
    status: str = None
    health: str = None
    protected: bool = None
    #: the wait of a member in PENDING_WAIT or TERMINATING_WAIT
    #: (``hook``, ``transition``, ``started_at``, ``default_result``,
    #: ``deadline``); None otherwise
    lifecycle: dict = None
    physical_resource_id: str = None
    created_at: str = None
    #: ``{name: value}`` of the attributes asked for
    #: (``members.list(group, attributes=[...])``); None when none were
    attributes: dict = None

    def to_dict(self):
        out = super().to_dict()
        if out.get('attributes') is None:
            out.pop('attributes', None)  # the server sent none
        return out


@dataclasses.dataclass
class Policy(Resource):
    """A scaling policy (``POLICY``): ``kind`` simple, scheduled, step or
    target_tracking."""

    id: str = None
    name: str = None
    group_id: str = None
    kind: str = None
    adjustment_type: str = None
    scaling_adjustment: float = None
    min_adjustment_step: int = None
    cooldown: float = None
    #: a scheduled policy's schedule (None for the other kinds)
    schedule: dict = None
    #: a scheduled policy's next occurrence (UTC, ISO 8601)
    next_run_at: str = None
    #: a metric policy's settings as stored (``metric``, ``mode``,
    #: ``evaluation_interval`` and its kind's keys, flat); None for the
    #: other kinds
    params: dict = None
    stack_id: str = None
    resource_name: str = None
    created_at: str = None
    updated_at: str = None
    links: list = None


@dataclasses.dataclass
class Decision(Resource):
    """What a resize, a policy execution or a webhook decided
    (``DECISION``)."""

    accepted: bool = None
    status: str = None
    reason: str = None
    #: the engine's code of a refusal, or None
    rejection: str = None
    from_capacity: int = None
    to_capacity: int = None
    cooldown_end: str = None
    activity_id: str = None
    group_id: str = None
    policy_id: str = None
    repeated: bool = None


@dataclasses.dataclass
class Webhook(Resource):
    """A webhook of a policy; ``url`` (the capability URL) is only set on
    the object :meth:`WebhookManager.create` returns."""

    id: str = None
    name: str = None
    policy_id: str = None
    enabled: bool = None
    created_at: str = None
    url: str = None


@dataclasses.dataclass
class Activity(Resource):
    """One scaling activity of a group (``ACTIVITY``)."""

    id: str = None
    group_id: str = None
    policy_id: str = None
    trigger: str = None
    idempotency_key: str = None
    status: str = None
    reason: str = None
    from_capacity: int = None
    to_capacity: int = None
    decision: dict = None
    error: Any = None
    engine_id: str = None
    started_at: str = None
    finished_at: str = None


@dataclasses.dataclass
class Sample(Resource):
    """A metric sample of a group (``GET .../metrics``)."""

    name: str = None
    value: float = None
    #: when it was measured (UTC, ISO 8601)
    timestamp: str = None
    member: str = None


@dataclasses.dataclass
class SamplesAccepted(Resource):
    """The answer to a push of samples (the API, or a metric policy's
    webhook): how many were stored."""

    accepted: int = None
    group_id: str = None


@dataclasses.dataclass
class Evaluation(Resource):
    """One evaluation of a group's metric policies (``POST
    .../evaluate``, a group's ``last_evaluation``)."""

    at: str = None
    engine_id: str = None
    #: the capacity it started from
    capacity: int = None
    #: per metric name: ``{"value", "values", "source"}``
    metrics: dict = None
    #: per policy id: ``{"name", "mode", "desired", "accepted",
    #: "reason"}``
    policies: dict = None
    #: the combined decision of the live policies
    desired: int = None
    changed: bool = None
    activity_id: str = None
    why: str = None


@dataclasses.dataclass
class Comparison(Resource):
    """A shadow policy's decisions against the live ones' over a period
    (``GET .../policies/{id}/compare``)."""

    policy_id: str = None
    group_id: str = None
    start: str = None
    end: str = None
    evaluations: int = None
    differed: int = None
    differed_percent: float = None
    shadow_higher: int = None
    shadow_lower: int = None
    mean_abs_difference: float = None
    max_abs_difference: int = None
    shadow_changes: int = None
    live_changes: int = None
