"""Target tracking: resize a group so that a metric sits near a target.

The rule, one function each:

1. **Ratio** (:func:`recommend`): ``desired = ceil(current * metric /
   target)``. No change while ``|metric / target - 1| <= tolerance``.
   From zero members the formula would always give 0, so a group at 0
   with a positive metric goes to ``ceil(metric / target)`` (at least 1):
   the metric is then read as the load one member would carry.
2. **Stabilization** (:func:`stabilize`, like the Kubernetes HPA): over
   the recommendations seen inside the window, a scale-down goes only as
   far as the *highest* of them and a scale-up only as far as the
   *lowest*. The windows are per direction (defaults: up 0 s, down 300 s).
3. **Rate limits** (:func:`rate_limit_bounds`): per direction, a list of
   ``{type: members|percent, value, period}``; ``select`` picks the
   policy allowing the most change (``max``, default), the least
   (``min``), or forbids that direction (``disabled``).
4. **Bounds**: the result is clamped to ``[min_size, max_size]``.

Missing data (``metric is None``) follows ``missing_data``:

- ``hold`` (default): rejected with ``no_data``, and the current capacity
  is recorded as a recommendation, so the scale-down window restarts: a
  metric outage is never a reason to shrink right after it ends.
- ``ignore``: rejected with ``no_data``; nothing is recorded.
- ``scale_in``: the metric is taken as 0 (for queue-like metrics where
  silence means idle); stabilization and rate limits still apply.

The function is pure: the caller passes the :class:`Memory` it got back
from the previous call (recent recommendations and capacity changes) and
stores the new one. Target tracking has no cooldown (stabilization and
rate limits do that job) and ignores ``in_progress``: it names a level,
and the converger chases the latest one.
"""

import dataclasses
import math

from heat.scaling import decision as dec

MISSING_HOLD = 'hold'
MISSING_IGNORE = 'ignore'
MISSING_SCALE_IN = 'scale_in'
MISSING_DATA_RULES = (MISSING_HOLD, MISSING_IGNORE, MISSING_SCALE_IN)

LIMIT_MEMBERS = 'members'
LIMIT_PERCENT = 'percent'
LIMIT_TYPES = (LIMIT_MEMBERS, LIMIT_PERCENT)

SELECT_MAX = 'max'
SELECT_MIN = 'min'
SELECT_DISABLED = 'disabled'
SELECT_POLICIES = (SELECT_MAX, SELECT_MIN, SELECT_DISABLED)


def _fmt(x):
    """A number for a human: integers without a trailing '.0'."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, float):
        return '%.4g' % x
    return str(x)


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """At most ``value`` members (or percent of the capacity at the start
    of the period) of change in one direction per ``period`` seconds."""

    type: str
    value: float
    period: float

    def __post_init__(self):
        for field in ('value', 'period'):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(
                    value, (int, float)) or math.isnan(value):
                raise ValueError('rate limit %s %r is not a number'
                                 % (field, value))
        if self.type not in LIMIT_TYPES:
            raise ValueError('rate limit type %r is not one of %s'
                             % (self.type, ', '.join(LIMIT_TYPES)))
        if self.value is None or self.value <= 0:
            raise ValueError('rate limit value %r must be positive'
                             % (self.value,))
        if self.type == LIMIT_MEMBERS and int(self.value) != self.value:
            raise ValueError('rate limit value %r must be a whole number '
                             'of members' % (self.value,))
        if self.period is None or self.period <= 0:
            raise ValueError('rate limit period %r must be positive'
                             % (self.period,))

    def allowance(self, start):
        """Members of change this limit allows from ``start`` members.

        A percent limit allows at least one member, so that it can never
        freeze a group (in particular one at 0).
        """
        if self.type == LIMIT_MEMBERS:
            return int(self.value)
        return max(1, math.ceil(start * self.value / 100.0))

    def describe(self):
        unit = ' members' if self.type == LIMIT_MEMBERS else '%'
        return '%s%s per %ss' % (_fmt(self.value), unit, _fmt(self.period))


@dataclasses.dataclass(frozen=True)
class Behavior:
    """Damping for one direction: stabilization window and rate limits."""

    stabilization_window: float = 0.0
    rate_limits: tuple = ()
    select: str = SELECT_MAX

    def __post_init__(self):
        window = self.stabilization_window
        if isinstance(window, bool) or not isinstance(
                window, (int, float)) or math.isnan(window):
            raise ValueError('stabilization_window %r is not a number'
                             % (window,))
        if self.stabilization_window < 0:
            raise ValueError('stabilization_window %r must not be negative'
                             % (self.stabilization_window,))
        if self.select not in SELECT_POLICIES:
            raise ValueError('select %r is not one of %s'
                             % (self.select, ', '.join(SELECT_POLICIES)))
        object.__setattr__(self, 'rate_limits', tuple(self.rate_limits))


DEFAULT_SCALE_UP = Behavior(stabilization_window=0.0)
DEFAULT_SCALE_DOWN = Behavior(stabilization_window=300.0)


@dataclasses.dataclass(frozen=True)
class TargetTrackingPolicy:
    """Keep ``metric`` near ``target`` (target > 0)."""

    target: float
    tolerance: float = 0.1
    missing_data: str = MISSING_HOLD
    scale_up: Behavior = DEFAULT_SCALE_UP
    scale_down: Behavior = DEFAULT_SCALE_DOWN
    name: str = 'target_tracking'

    def __post_init__(self):
        for field in ('target', 'tolerance'):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(
                    value, (int, float)) or math.isnan(value):
                raise ValueError('%s %r is not a number' % (field, value))
        if not self.target > 0:
            raise ValueError('target %r must be a positive number'
                             % (self.target,))
        if not 0 <= self.tolerance < 1:
            raise ValueError('tolerance %r must be in [0, 1)'
                             % (self.tolerance,))
        if self.missing_data not in MISSING_DATA_RULES:
            raise ValueError('missing_data %r is not one of %s'
                             % (self.missing_data,
                                ', '.join(MISSING_DATA_RULES)))

    @property
    def horizon(self):
        """How long recommendations and changes must be remembered."""
        spans = [self.scale_up.stabilization_window,
                 self.scale_down.stabilization_window]
        spans += [r.period for r in self.scale_up.rate_limits]
        spans += [r.period for r in self.scale_down.rate_limits]
        return max(spans)


@dataclasses.dataclass(frozen=True)
class Memory:
    """What a target-tracking policy remembers between calls.

    ``recommendations`` are ``(time, capacity)`` pairs of raw
    recommendations; ``changes`` are ``(time, delta)`` pairs of applied
    capacity changes (for rate limits). Both are trimmed to the policy's
    horizon on every call.
    """

    recommendations: tuple = ()
    changes: tuple = ()

    def record_change(self, now, delta):
        """This memory after the group's capacity changed by ``delta``.

        :func:`decide` records its own accepted change; a caller who
        applies a different change (for example another policy's, after
        :func:`heat.scaling.combine.combine`) records that one instead.
        """
        if not delta:
            return self
        return dataclasses.replace(
            self, changes=self.changes + ((now, delta),))

    def to_dict(self):
        return {'recommendations': [list(r) for r in self.recommendations],
                'changes': [list(c) for c in self.changes]}

    @classmethod
    def from_dict(cls, data):
        data = data or {}
        return cls(
            tuple((float(t), int(c))
                  for t, c in data.get('recommendations') or ()),
            tuple((float(t), int(d)) for t, d in data.get('changes') or ()))


@dataclasses.dataclass(frozen=True)
class TrackingResult:
    """The decision, and the memory to store for the next call."""

    decision: dec.Decision
    memory: Memory


def recommend(current, metric, target, tolerance):
    """The raw recommendation and a sentence explaining it.

    Returns ``(capacity, rule, detail)`` where rule is ``ratio``,
    ``tolerance`` or ``scale_from_zero``.
    """
    ratio = metric / target
    if current == 0:
        if metric <= 0:
            return 0, 'ratio', ('metric %s with 0 members: stay at 0'
                                % _fmt(metric))
        # ceil(0 * ratio) is 0 whatever the load; read the metric as the
        # load one member would carry so that a group can wake up.
        want = max(1, math.ceil(ratio))
        return want, 'scale_from_zero', (
            'group is at 0 and metric %s > 0: start ceil(%s / %s) = %d '
            'member(s)' % (_fmt(metric), _fmt(metric), _fmt(target), want))
    # The epsilon keeps a metric exactly on the edge (55 / 50 with 0.1)
    # inside the band despite float error.
    if abs(ratio - 1.0) <= tolerance + 1e-9:
        return current, 'tolerance', (
            'metric %s / target %s = %s is within 1 ± %s: no change'
            % (_fmt(metric), _fmt(target), _fmt(ratio), _fmt(tolerance)))
    # Round away the float error of e.g. 3 * 0.7 / 0.7 before ceil.
    want = math.ceil(round(current * ratio, 9))
    return want, 'ratio', (
        'metric %s / target %s = %s: ceil(%d * %s) = %d'
        % (_fmt(metric), _fmt(target), _fmt(ratio), current, _fmt(ratio),
           want))


def stabilize(current, recommendation, now, history, up_window,
              down_window):
    """Damp ``recommendation`` with the recent ``history``.

    ``history`` holds ``(time, capacity)`` pairs of earlier
    recommendations. Returns ``(capacity, detail)``.
    """
    up = down = recommendation
    for t, cap in history:
        age = now - t
        if age < up_window:
            up = min(up, cap)
        if age < down_window:
            down = max(down, cap)
    result = current
    if result < up:
        result = up
    if result > down:
        result = down
    if result == recommendation:
        detail = 'recommendation %d stands' % recommendation
    elif recommendation > current:
        detail = ('scale-up held to %d: lowest recommendation in the last '
                  '%ss' % (result, _fmt(up_window)))
    else:
        detail = ('scale-down held to %d: highest recommendation in the '
                  'last %ss' % (result, _fmt(down_window)))
    return result, detail


def _limit(direction, behavior, current, now, changes):
    """Furthest capacity ``behavior`` allows in ``direction`` (+1/-1).

    Returns ``(capacity, detail)``; capacity is None when no limit is set.
    """
    if behavior.select == SELECT_DISABLED:
        return current, 'is disabled (select disabled)'
    if not behavior.rate_limits:
        return None, None
    options = []
    for rl in behavior.rate_limits:
        done = sum(d for t, d in changes
                   if now - t < rl.period and d * direction > 0)
        start = current - done
        edge = start + direction * rl.allowance(start)
        options.append((edge, rl))
    if (behavior.select == SELECT_MAX) == (direction > 0):
        edge, rl = max(options, key=lambda o: o[0])
    else:
        edge, rl = min(options, key=lambda o: o[0])
    edge = max(edge, 0)
    if direction > 0:
        edge = max(edge, current)
    else:
        edge = min(edge, current)
    return edge, 'at most %d (%s, select %s)' % (
        edge, rl.describe(), behavior.select)


def rate_limit_bounds(current, now, changes, scale_up, scale_down):
    """``(low, high, details)`` the rate limits allow from ``current``.

    ``changes`` are recent ``(time, delta)`` capacity changes. ``low`` or
    ``high`` is None when that direction has no limit.
    """
    high, up_detail = _limit(1, scale_up, current, now, changes)
    low, down_detail = _limit(-1, scale_down, current, now, changes)
    return low, high, {'up': up_detail, 'down': down_detail}


def _trim(pairs, now, horizon):
    return tuple(p for p in pairs if now - p[0] < horizon)


def decide(state, policy, metric, now, memory=None):
    """Decide a target-tracking policy for ``state`` at ``now``.

    :param state: :class:`heat.scaling.state.GroupState`
    :param policy: :class:`TargetTrackingPolicy`
    :param metric: the metric value (>= 0), or None (or NaN) when there
        is no data
    :param now: POSIX seconds
    :param memory: the :class:`Memory` returned by the previous call
    :returns: :class:`TrackingResult`
    """
    if metric is not None and math.isnan(metric):
        metric = None
    if metric is not None and (metric < 0 or math.isinf(metric)):
        raise ValueError('metric %r must be a finite number >= 0'
                         % (metric,))
    memory = memory or Memory()
    horizon = policy.horizon
    history = _trim(memory.recommendations, now, horizon)
    changes = _trim(memory.changes, now, horizon)
    current = state.capacity
    b = dec.DecisionBuilder(current, policy=policy.name,
                            kind='target_tracking', metric=metric,
                            target=policy.target,
                            tolerance=policy.tolerance, now=now)

    def result(decision, recommendation=None, change=0):
        recs = history
        if recommendation is not None:
            recs = recs + ((now, recommendation),)
        mem = Memory(recs, changes)
        return TrackingResult(decision, mem.record_change(now, change))

    if state.suspended:
        return result(b.reject(dec.REJECT_SUSPENDED,
                               'scaling is suspended'))
    if metric is None:
        if policy.missing_data == MISSING_SCALE_IN:
            metric = 0.0
            b.step('missing_data', None,
                   'no data: missing_data=scale_in reads it as 0')
        elif policy.missing_data == MISSING_HOLD:
            b.step('missing_data', current,
                   'no data: missing_data=hold records %d as a '
                   'recommendation' % current)
            return result(b.reject(dec.REJECT_NO_DATA,
                                   'no metric data: holding at %d'
                                   % current), current)
        else:
            b.step('missing_data', None, 'no data: missing_data=ignore')
            return result(b.reject(dec.REJECT_NO_DATA,
                                   'no metric data: nothing to do'))
    raw, rule, why = recommend(current, metric, policy.target,
                               policy.tolerance)
    b.step(rule, raw, why)
    stable, detail = stabilize(
        current, raw, now, history,
        policy.scale_up.stabilization_window,
        policy.scale_down.stabilization_window)
    if stable != raw or policy.scale_up.stabilization_window or \
            policy.scale_down.stabilization_window:
        b.step('stabilization', stable, detail)
    # The last rule that moved the capacity, for the reason.
    cause = detail if stable != raw else None

    limited = stable
    if stable != current:
        # Only the limits of the direction we move in matter.
        way = 1 if stable > current else -1
        edge, about = _limit(way, policy.scale_up if way > 0
                             else policy.scale_down, current, now, changes)
        word = 'scale-up' if way > 0 else 'scale-down'
        if edge is not None and (stable - edge) * way > 0:
            cause = '%s %s' % (word, about)
            limited = b.step('rate_limit', edge, cause)
        elif edge is not None:
            b.step('rate_limit', stable, '%d is within the %s limit: %s'
                   % (stable, word, about))

    final = min(max(limited, state.min_size), state.max_size)
    if final != limited:
        cause = 'clamped to [%d, %d]' % (state.min_size, state.max_size)
        b.step('clamp', final, cause)

    if final != current:
        verb = 'scale up' if final > current else 'scale down'
        reason = '%s from %d to %d: %s' % (verb, current, final, why)
        if cause:
            reason += ' (then %s)' % cause
        return result(b.accept(final, reason), raw, final - current)
    if raw == current:
        return result(b.reject(dec.REJECT_NO_CHANGE, why), raw)
    if stable == current:
        return result(b.reject(
            dec.REJECT_STABILIZATION,
            'recommendation %d held at %d by the stabilization window'
            % (raw, current)), raw)
    if limited == current:
        return result(b.reject(
            dec.REJECT_RATE_LIMIT,
            'recommendation %d blocked by the rate limit: %s'
            % (raw, cause)), raw)
    up = limited > current
    return result(b.reject(
        dec.REJECT_AT_MAX if up else dec.REJECT_AT_MIN,
        'recommendation %d, but the group is already at its %s size %d'
        % (raw, 'maximum' if up else 'minimum', current)), raw)


def missing_or_metric(value):
    """Parse a metric value where None, '' and 'nan' mean no data."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    value = float(value)
    if math.isnan(value):
        return None
    return value


__all__ = ['Behavior', 'Memory', 'RateLimit', 'TargetTrackingPolicy',
           'TrackingResult', 'decide', 'missing_or_metric', 'recommend',
           'rate_limit_bounds', 'stabilize']
