"""The decision record: what every scaling rule returns.

A :class:`Decision` says whether a trigger changes the desired capacity, to
what, and why, together with the inputs it was made from and every step the
library applied on the way (raw result, minimum step, clamp to bounds,
cooldown or stabilization verdict, rate limit). It is plain data and
round-trips through JSON, so the AS engine can store it in a scaling
activity and users can read it in events.

Times in the library are POSIX seconds (``float``), passed in by the caller:
the library never reads a clock. :func:`iso` renders them for humans.
"""

import dataclasses
import datetime
import json
from typing import Any, Mapping, Optional

#: Machine-readable reasons for a trigger that does not change capacity.
#: The human reason string says the same in words.
REJECT_COOLDOWN = 'cooldown'
REJECT_IN_PROGRESS = 'in_progress'
REJECT_AT_MAX = 'at_max'
REJECT_AT_MIN = 'at_min'
REJECT_NO_CHANGE = 'no_change'
REJECT_SUSPENDED = 'suspended'
REJECT_STABILIZATION = 'stabilization'
REJECT_NO_DATA = 'no_data'
#: A rate limit (members or percent per period) allows no change now.
REJECT_RATE_LIMIT = 'rate_limit'
#: The stack tree's resource limit (``max_resources_per_stack``) leaves
#: no room for another member.
REJECT_RESOURCE_LIMIT = 'resource_limit'

REJECTIONS = frozenset([
    REJECT_COOLDOWN, REJECT_IN_PROGRESS, REJECT_AT_MAX, REJECT_AT_MIN,
    REJECT_NO_CHANGE, REJECT_SUSPENDED, REJECT_STABILIZATION, REJECT_NO_DATA,
    REJECT_RATE_LIMIT, REJECT_RESOURCE_LIMIT,
])


def iso(ts):
    """POSIX seconds as an ISO-8601 UTC string (None stays None)."""
    if ts is None:
        return None
    return datetime.datetime.fromtimestamp(
        ts, tz=datetime.timezone.utc).isoformat()


@dataclasses.dataclass(frozen=True)
class Step:
    """One rule applied while deciding.

    ``name`` says which rule (``raw``, ``min_adjustment_step``, ``clamp``,
    ``cooldown``, ``stabilization``, ``rate_limit``, ...), ``capacity`` is
    the capacity after the rule (None for a pure verdict) and ``detail`` is
    a short human sentence.
    """

    name: str
    capacity: Optional[int]
    detail: str

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Decision:
    """The outcome of one trigger against one group.

    ``accepted`` is True when ``desired`` differs from ``current`` and no
    rule rejected the change; otherwise ``rejection`` holds one of the
    ``REJECT_*`` codes and ``desired == current``.
    """

    accepted: bool
    current: int
    desired: int
    reason: str
    inputs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    steps: tuple = ()
    rejection: Optional[str] = None
    #: When set, the POSIX time until which the group is cooling down.
    cooldown_end: Optional[float] = None

    @property
    def change(self):
        return self.desired - self.current

    def to_dict(self):
        return {
            'accepted': self.accepted,
            'current': self.current,
            'desired': self.desired,
            'reason': self.reason,
            'rejection': self.rejection,
            'cooldown_end': self.cooldown_end,
            'inputs': dict(self.inputs),
            'steps': [s.to_dict() for s in self.steps],
        }

    def to_json(self):
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data):
        return cls(accepted=data['accepted'], current=data['current'],
                   desired=data['desired'], reason=data['reason'],
                   inputs=dict(data.get('inputs') or {}),
                   steps=tuple(Step(**s) for s in data.get('steps') or ()),
                   rejection=data.get('rejection'),
                   cooldown_end=data.get('cooldown_end'))

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))


def capped(decision, allowed, detail):
    """``decision`` with its scale-out kept to ``allowed`` members (a
    limit outside the policy, such as the stack tree's resource limit):
    unchanged when it asks for no more; accepted at ``allowed`` (a
    ``resource_limit`` step, the reason saying so) when that still grows
    the group; otherwise rejected with :data:`REJECT_RESOURCE_LIMIT` and
    no cooldown. ``detail`` says what limits it, in words."""
    if not decision.accepted or decision.desired <= max(allowed,
                                                        decision.current):
        return decision
    steps = decision.steps + (Step('resource_limit', max(
        allowed, decision.current), detail),)
    if allowed > decision.current:
        return dataclasses.replace(
            decision, desired=allowed, steps=steps,
            reason='%s; capped at %d: %s' % (decision.reason, allowed,
                                             detail))
    return dataclasses.replace(
        decision, accepted=False, desired=decision.current, steps=steps,
        rejection=REJECT_RESOURCE_LIMIT, cooldown_end=None,
        reason='no scaling: %s (asked for %d, at %d)' % (
            detail, decision.desired, decision.current))


class DecisionBuilder:
    """Collects steps while a rule runs, then makes the :class:`Decision`."""

    __slots__ = ('current', 'inputs', 'steps')

    def __init__(self, current, **inputs):
        self.current = current
        self.inputs = inputs
        self.steps = []

    def step(self, name, capacity, detail):
        self.steps.append(Step(name, capacity, detail))
        return capacity

    def accept(self, desired, reason, cooldown_end=None):
        if desired == self.current:
            return self.reject(REJECT_NO_CHANGE, reason,
                               cooldown_end=cooldown_end)
        return Decision(True, self.current, desired, reason,
                        self.inputs, tuple(self.steps), None, cooldown_end)

    def reject(self, code, reason, cooldown_end=None):
        if code not in REJECTIONS:
            raise ValueError('unknown rejection code %r' % code)
        return Decision(False, self.current, self.current, reason,
                        self.inputs, tuple(self.steps), code, cooldown_end)
