"""Scheduled policies (``kind = 'scheduled'``): their ``params``.

A scheduled policy sets the group's ``min_size``, ``max_size`` and/or
``desired_capacity`` on a cron ``recurrence`` (five fields, read in the
IANA ``time_zone``, UTC by default) or once, ``at`` an ISO-8601 time.
The pure rules are :mod:`heat.scaling.scheduled`; this module checks what
a caller gives (:class:`~heat.common.exception.Invalid` naming the field
and the value), turns the stored params into a
:class:`~heat.scaling.scheduled.ScheduledAction` and says when the policy
runs next. The evaluator is :mod:`heat.engine.autoscaling.scheduler`.

``params`` holds the schedule as given plus ``checked_until``: the POSIX
time up to which the engines evaluated the policy (occurrences after it
are still to come or to be evaluated).
"""

import datetime
import zoneinfo

import croniter

from heat.common import exception
from heat.scaling import scheduled

KIND = 'scheduled'
#: the fields of a schedule (the Auto-Scaling API's ``schedule`` object,
#: the RPC's ``params``)
FIELDS = ('recurrence', 'at', 'time_zone', 'min_size', 'max_size',
          'desired_capacity')
SIZES = ('min_size', 'max_size', 'desired_capacity')
CHECKED_UNTIL = 'checked_until'


def _invalid(msg):
    return exception.Invalid(reason='schedule %s' % msg)


def iso_utc(ts):
    """``2027-01-01T07:00:00Z`` for POSIX seconds (None stays None)."""
    if ts is None:
        return None
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _action(schedule, name):
    return scheduled.ScheduledAction(
        name=name or 'scheduled', cron=schedule.get('recurrence'),
        at=schedule.get('at'), timezone=schedule.get('time_zone') or 'UTC',
        min_size=schedule.get('min_size'), max_size=schedule.get('max_size'),
        desired=schedule.get('desired_capacity'))


def validate(params, name, now):
    """The schedule of ``params`` (a dict of :data:`FIELDS`), checked; a
    new dict of only the fields given. Raises Invalid naming the field
    and its value; an ``at`` not after ``now`` is refused (it would never
    run)."""
    if not isinstance(params, dict):
        raise _invalid('must be an object with recurrence or at, got %r'
                       % (params,))
    extra = sorted(k for k in params if k not in FIELDS)
    if extra:
        raise _invalid('field %s is unknown (allowed: %s)'
                       % (extra[0], ', '.join(FIELDS)))
    out = {k: params[k] for k in FIELDS if params.get(k) is not None}
    if ('recurrence' in out) == ('at' in out):
        raise _invalid('must give exactly one of recurrence and at')
    zone = out.get('time_zone', 'UTC')
    if not isinstance(zone, str) or not zone:
        raise _invalid('time_zone %r is not an IANA time zone name'
                       % (zone,))
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise _invalid('time_zone %r is not an IANA time zone name (such '
                       'as Europe/Paris)' % (zone,)) from None
    if 'recurrence' in out:
        cron = out['recurrence']
        if not isinstance(cron, str) or len(cron.split()) != 5 or \
                not croniter.croniter.is_valid(cron):
            raise _invalid('recurrence %r is not a valid cron expression '
                           '(five fields: minute hour day-of-month month '
                           'day-of-week)' % (cron,))
    else:
        at = out['at']
        if not isinstance(at, str):
            raise _invalid('at %r is not an ISO-8601 time' % (at,))
        try:
            when = scheduled.parse_time(at, zone)
        except ValueError:
            raise _invalid('at %r is not an ISO-8601 time (such as '
                           '2027-01-01T08:00:00+01:00)' % (at,)) from None
        if when <= now:
            raise _invalid('at %r is in the past (now is %s): it would '
                           'never run' % (at, iso_utc(now)))
    for field in SIZES:
        value = out.get(field)
        if value is not None and (isinstance(value, bool) or
                                  not isinstance(value, int) or value < 0):
            raise _invalid('%s %r must be a whole number >= 0'
                           % (field, value))
    if not any(f in out for f in SIZES):
        raise _invalid('sets nothing: give at least one of min_size, '
                       'max_size and desired_capacity')
    lo, hi = out.get('min_size'), out.get('max_size')
    desired = out.get('desired_capacity')
    if lo is not None and hi is not None and lo > hi:
        raise _invalid('min_size %d is greater than max_size %d' % (lo, hi))
    if desired is not None and (
            (lo is not None and desired < lo) or
            (hi is not None and desired > hi)):
        raise _invalid('desired_capacity %d is outside min_size %s, '
                       'max_size %s' % (desired, lo, hi))
    try:
        _action(out, name)
    except ValueError as exc:
        raise _invalid(str(exc)) from exc
    return out


def schedule_of(params):
    """The schedule part of stored ``params`` (None if there is none)."""
    if not params:
        return None
    return {k: params[k] for k in FIELDS if params.get(k) is not None}


def action_of(p):
    """The :class:`ScheduledAction` of a policy row."""
    return _action(p.params or {}, p.name)


def posix(dt):
    """POSIX seconds of a database time (naive: UTC); 0.0 for None."""
    if dt is None:
        return 0.0
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def checked_until(p):
    until = (p.params or {}).get(CHECKED_UNTIL)
    if until is not None:
        return float(until)
    return posix(p.created_at)


def next_run(p):
    """POSIX time of the policy's next occurrence not yet evaluated, or
    None (an ``at`` that ran)."""
    try:
        return scheduled.next_fire(action_of(p), checked_until(p))
    except ValueError:
        return None


def describe(action):
    """``cron '0 8 * * 1-5' in Europe/Paris`` / ``at 2027-...Z``."""
    if action.cron is not None:
        return 'cron %r in %s' % (action.cron, action.timezone)
    return 'at %s' % iso_utc(action.at)
