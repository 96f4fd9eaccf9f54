"""Scheduled actions: set a group's min, max and desired at given times.

An action fires either on a cron expression (five fields, read by
croniter, evaluated in the action's IANA time zone) or once, ``at`` a
time. Each firing sets whichever of ``min_size``, ``max_size`` and
``desired`` the action names; the rest keep their value.

Time is POSIX seconds everywhere; a window is half-open, ``(t0, t1]``, so
consecutive windows never fire an action twice. Daylight-saving changes
follow croniter: a local time that does not exist (spring forward) fires
at the first existing minute after it, and one that happens twice (fall
back) fires twice.

:func:`decide` applies every action due since the last evaluation, in
time order, and returns a decision for the latest one together with the
new bounds.
"""

import copy
import dataclasses
import datetime
import functools
import zoneinfo
from typing import Optional

import croniter

from heat.scaling import decision as dec


def _zone(name):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError('unknown time zone %r' % (name,)) from exc


def parse_time(value, timezone='UTC'):
    """POSIX seconds from a number or an ISO-8601 string.

    A string without an offset is local time in ``timezone``.
    """
    if isinstance(value, bool):
        raise ValueError('time %r is not a number or ISO-8601 string'
                         % (value,))
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ValueError('time %r is not a number or ISO-8601 string'
                             % (value,)) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(timezone))
    return moment.timestamp()


@dataclasses.dataclass(frozen=True)
class ScheduledAction:
    """One scheduled change of the group's sizing.

    Exactly one of ``cron`` and ``at``; at least one of ``min_size``,
    ``max_size`` and ``desired``. ``start`` and ``end`` (POSIX seconds)
    bound a recurring action.
    """

    name: str
    cron: Optional[str] = None
    at: Optional[float] = None
    timezone: str = 'UTC'
    min_size: Optional[int] = None
    max_size: Optional[int] = None
    desired: Optional[int] = None
    start: Optional[float] = None
    end: Optional[float] = None

    def __post_init__(self):
        where = 'scheduled action %r' % (self.name,)
        try:
            self._validate(where)
        except ValueError as exc:
            if str(exc).startswith(where):
                raise
            raise ValueError('%s: %s' % (where, exc)) from exc

    def _validate(self, where):
        if (self.cron is None) == (self.at is None):
            raise ValueError('%s: give exactly one of cron and at' % where)
        if self.cron is not None and not croniter.croniter.is_valid(
                self.cron):
            raise ValueError('%s: cron %r is not a valid cron expression'
                             % (where, self.cron))
        _zone(self.timezone)
        if self.at is not None:
            object.__setattr__(self, 'at',
                               parse_time(self.at, self.timezone))
        for field in ('start', 'end'):
            value = getattr(self, field)
            if value is not None:
                object.__setattr__(self, field,
                                   parse_time(value, self.timezone))
        sizes = (self.min_size, self.max_size, self.desired)
        if all(v is None for v in sizes):
            raise ValueError('%s: set at least one of min_size, max_size '
                             'and desired' % where)
        for field, value in zip(('min_size', 'max_size', 'desired'), sizes):
            if value is not None and (isinstance(value, bool) or
                                      not isinstance(value, int) or
                                      value < 0):
                raise ValueError('%s: %s %r must be a whole number >= 0'
                                 % (where, field, value))
        lo = self.min_size if self.min_size is not None else 0
        hi = self.max_size
        if hi is not None and lo > hi:
            raise ValueError('%s: min_size %d is greater than max_size %d'
                             % (where, lo, hi))
        if self.desired is not None and (
                self.desired < lo or (hi is not None and self.desired > hi)):
            raise ValueError('%s: desired %d is outside [%s, %s]'
                             % (where, self.desired, lo,
                                '' if hi is None else hi))

    def describe(self):
        parts = ['%s %d' % (f, getattr(self, f))
                 for f in ('min_size', 'max_size', 'desired')
                 if getattr(self, f) is not None]
        return ', '.join(parts)


@dataclasses.dataclass(frozen=True)
class Firing:
    """An action firing at ``time`` (POSIX seconds)."""

    time: float
    action: ScheduledAction


@functools.lru_cache(maxsize=256)
def _parsed_cron(expr):
    """A croniter holding the parsed ``expr``; callers use a copy.

    Parsing is most of croniter's cost; the parsed fields are only read,
    so copies can share them.
    """
    return croniter.croniter(expr, 0.0)


def _fire_times(action, after):
    """Fire times of ``action`` strictly after ``after``, in order."""
    if action.at is not None:
        if action.at > after:
            yield action.at
        return
    if action.start is not None:
        after = max(after, action.start - 1e-6)
    moment = datetime.datetime.fromtimestamp(after,
                                             tz=_zone(action.timezone))
    times = copy.copy(_parsed_cron(action.cron))
    times.set_current(moment, force=True)
    while True:
        fire = times.get_next(datetime.datetime).timestamp()
        if action.end is not None and fire > action.end:
            return
        yield fire


def next_fire(action, after):
    """The first time ``action`` fires strictly after ``after``, or None."""
    return next(_fire_times(action, after), None)


def fires_between(actions, t0, t1):
    """Every firing in ``(t0, t1]``, in time order (ties: list order)."""
    out = []
    for index, action in enumerate(actions):
        for t in _fire_times(action, t0):
            if t > t1:
                break
            out.append((t, index, action))
    out.sort(key=lambda f: (f[0], f[1]))
    return [Firing(t, a) for t, _i, a in out]


@dataclasses.dataclass(frozen=True)
class ScheduledResult:
    """The decision plus the group's bounds after the due actions.

    ``firings`` lists what was applied, oldest first; the decision is for
    the last of them.
    """

    decision: dec.Decision
    min_size: int
    max_size: int
    firings: tuple = ()


def _apply(lo, hi, desired, action):
    """Bounds and desired after ``action``; its own values win."""
    if action.min_size is not None:
        lo = action.min_size
        if action.max_size is None and hi < lo:
            hi = lo
    if action.max_size is not None:
        hi = action.max_size
        if action.min_size is None and lo > hi:
            lo = hi
    if action.desired is not None:
        desired = action.desired
    return lo, hi, min(max(desired, lo), hi)


def decide(state, actions, since, now):
    """Apply the actions due in ``(since, now]`` to ``state``.

    :returns: :class:`ScheduledResult`. The decision is accepted when the
        desired capacity changes; bounds may change even when it does not
        (the reason says so).
    """
    current = state.capacity
    b = dec.DecisionBuilder(current, kind='scheduled', since=since,
                            now=now)
    lo, hi = state.min_size, state.max_size
    if state.suspended:
        return ScheduledResult(
            b.reject(dec.REJECT_SUSPENDED,
                     'scaling is suspended: scheduled actions wait'),
            lo, hi)
    firings = fires_between(actions, since, now)
    if not firings:
        return ScheduledResult(
            b.reject(dec.REJECT_NO_CHANGE,
                     'no scheduled action due between %s and %s'
                     % (dec.iso(since), dec.iso(now))), lo, hi)
    desired = current
    for firing in firings:
        lo, hi, desired = _apply(lo, hi, desired, firing.action)
        b.step('schedule', desired,
               'action %r due at %s: %s -> min %d, max %d, desired %d'
               % (firing.action.name, dec.iso(firing.time),
                  firing.action.describe(), lo, hi, desired))
    last = firings[-1]
    b.inputs['policy'] = last.action.name
    reason = 'scheduled action %r (due %s)' % (last.action.name,
                                               dec.iso(last.time))
    bounds = ''
    if (lo, hi) != (state.min_size, state.max_size):
        bounds = '; bounds now [%d, %d]' % (lo, hi)
    if desired != current:
        decision = b.accept(desired, '%s sets desired %d%s'
                            % (reason, desired, bounds))
    else:
        decision = b.reject(dec.REJECT_NO_CHANGE, '%s leaves desired at '
                            '%d%s' % (reason, current, bounds))
    return ScheduledResult(decision, lo, hi, tuple(firings))


def action_from_dict(data, where='scheduled action'):
    """A :class:`ScheduledAction` from a plain mapping (file format)."""
    known = {f.name for f in dataclasses.fields(ScheduledAction)}
    extra = sorted(set(data) - known - {'kind'})
    if extra:
        raise ValueError('%s: unknown field(s) %s'
                         % (where, ', '.join(extra)))
    return ScheduledAction(**{k: v for k, v in data.items() if k in known})
