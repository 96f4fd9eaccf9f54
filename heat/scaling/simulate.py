"""Replay a metric trace through scaling policies, offline.

::

    python -m heat.scaling.simulate --policy FILE --trace FILE \\
        [--boot-delay S] [--start N] [--json] [--plot out.png]

The policy file (YAML or JSON) describes the group and its policies::

    group: {min_size: 1, max_size: 10, capacity: 2, cooldown: 0}
    combine: largest          # or safest (see heat.scaling.combine)
    boot_delay: 60            # seconds before a new member is ready
    metric: average           # or total (see below)
    target: 50                # optional, for the over/under summary
    policies:
      - {name: cpu, kind: target_tracking, target: 50}
      - {name: burst, kind: step, threshold: 80,
         bands: [{lower: 0, adjustment: 2}]}
      - {name: up, kind: simple, alarm: {threshold: 90, comparison: gt},
         scaling_adjustment: 1, cooldown: 60}
      - {name: night, kind: scheduled, cron: '0 22 * * *', desired: 1}

The trace is CSV (``time,value`` rows, a header line is allowed) or JSON
(a list of ``[time, value]`` pairs or ``{"time": .., "value": ..}``
objects). Times are POSIX seconds or ISO-8601; an empty value, ``null``
or ``nan`` is missing data.

``metric: average`` (default) feeds each value to the policies as is.
``metric: total`` reads it as the group's total load and feeds
``load / ready members`` (or the load itself while no member is ready),
so that scaling out lowers the metric the policies see next.

At each sample the simulator fires the scheduled actions due since the
previous sample, then asks every other policy for a decision, combines
them, and applies the result: new members become ready after the boot
delay; scale-in removes members still booting first, then the oldest.
The output is the capacity timeline, every decision and a summary.

A trace can also be made from the metric samples a group recorded (the
Auto-Scaling API's ``GET .../metrics``) with :func:`points_from_samples`:
one point per distinct timestamp, the statistic of each member's latest
sample within a period, as the engine reads them (``openstack autoscaling
group replay`` does this).

Everything here except :func:`main` is pure: load, simulate and render
are separate functions that take and return plain data.
"""

import argparse
import csv
import dataclasses
import io
import json
import math
import os
import sys

import yaml

from heat.scaling import combine as cb
from heat.scaling import decision as dec
from heat.scaling import scheduled as sch
from heat.scaling import simple
from heat.scaling import step_scaling as st
from heat.scaling import target_tracking as tt
from heat.scaling.state import GroupState

KINDS = ('simple', 'step', 'target_tracking', 'scheduled')
METRIC_MODES = ('average', 'total')
COMPARISONS = {
    'gt': lambda v, t: v > t, 'ge': lambda v, t: v >= t,
    'lt': lambda v, t: v < t, 'le': lambda v, t: v <= t,
}


class InputError(Exception):
    """A bad policy or trace file; the message names file and place."""


# ---------------------------------------------------------------- loading

@dataclasses.dataclass(frozen=True)
class SimplePolicyEntry:
    """A simple policy behind a threshold alarm."""

    name: str
    policy: object
    threshold: float
    comparison: str


@dataclasses.dataclass(frozen=True)
class Config:
    """A parsed policy file."""

    min_size: int
    max_size: int
    capacity: int
    cooldown: float
    combine: str
    boot_delay: float
    metric: str
    target: object
    policies: tuple  # (name, kind, policy object)


def _load_structured(path, text):
    """YAML or JSON text as Python data; errors name file and line."""
    if path.endswith('.json'):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                '%s line %d column %d: invalid JSON: %s'
                % (path, exc.lineno, exc.colno, exc.msg)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        where = ' line %d' % (mark.line + 1) if mark else ''
        problem = getattr(exc, 'problem', None) or str(exc)
        raise InputError('%s%s: invalid YAML: %s'
                         % (path, where, problem)) from None


def _number(value, where, integer=False, minimum=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError('%s: %r is not a number' % (where, value))
    if integer and int(value) != value:
        raise ValueError('%s: %r is not a whole number' % (where, value))
    if minimum is not None and value < minimum:
        raise ValueError('%s: %r must be >= %s' % (where, value, minimum))
    return int(value) if integer else float(value)


def _check_keys(data, allowed, where):
    if not isinstance(data, dict):
        raise ValueError('%s: expected a mapping, got %r' % (where, data))
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise ValueError('%s: unknown field(s) %s (known: %s)'
                         % (where, ', '.join(extra),
                            ', '.join(sorted(allowed))))


def _behavior(data, where, default):
    if data is None:
        return default
    _check_keys(data, ('stabilization_window', 'rate_limits', 'select'),
                where)
    limits = []
    for i, item in enumerate(data.get('rate_limits') or ()):
        at = '%s.rate_limits[%d]' % (where, i)
        _check_keys(item, ('type', 'value', 'period'), at)
        try:
            limits.append(tt.RateLimit(item.get('type'), item.get('value'),
                                       item.get('period')))
        except (ValueError, TypeError) as exc:
            raise ValueError('%s: %s' % (at, exc)) from None
    try:
        return tt.Behavior(
            stabilization_window=data.get(
                'stabilization_window', default.stabilization_window),
            rate_limits=limits, select=data.get('select', default.select))
    except (ValueError, TypeError) as exc:
        raise ValueError('%s: %s' % (where, exc)) from None


def _target_tracking(data, where):
    _check_keys(data, ('name', 'kind', 'target', 'tolerance',
                       'missing_data', 'scale_up', 'scale_down'), where)
    if 'target' not in data:
        raise ValueError('%s.target: required' % where)
    kw = {k: data[k] for k in ('target', 'tolerance', 'missing_data')
          if k in data}
    kw['scale_up'] = _behavior(data.get('scale_up'), where + '.scale_up',
                               tt.DEFAULT_SCALE_UP)
    kw['scale_down'] = _behavior(data.get('scale_down'),
                                 where + '.scale_down',
                                 tt.DEFAULT_SCALE_DOWN)
    return tt.TargetTrackingPolicy(name=data['name'], **kw)


def _simple(data, where):
    alarm = data.get('alarm')
    if alarm is None:
        raise ValueError('%s: a simple policy needs an alarm '
                         '{threshold, comparison}' % where)
    _check_keys(alarm, ('threshold', 'comparison'), where + '.alarm')
    comparison = alarm.get('comparison', 'gt')
    if comparison not in COMPARISONS:
        raise ValueError('%s.alarm.comparison: %r is not one of %s'
                         % (where, comparison, ', '.join(COMPARISONS)))
    threshold = _number(alarm.get('threshold'), where + '.alarm.threshold')
    known = {f.name for f in dataclasses.fields(simple.SimplePolicy)}
    _check_keys(data, known | {'kind', 'alarm'}, where)
    fields = {k: v for k, v in data.items() if k in known}
    fields.setdefault('adjustment_type', 'change_in_capacity')
    if 'scaling_adjustment' not in fields:
        raise ValueError('%s.scaling_adjustment: required' % where)
    policy = simple.SimplePolicy(**fields)
    return SimplePolicyEntry(data['name'], policy, threshold, comparison)


def load_policy_file(path, text=None):
    """Parse a policy file into a :class:`Config` (or raise InputError)."""
    if text is None:
        text = _read(path)
    data = _load_structured(path, text)
    try:
        return _config(data)
    except (ValueError, TypeError) as exc:
        raise InputError('%s: %s' % (path, exc)) from None


def _config(data):
    _check_keys(data, ('group', 'combine', 'boot_delay', 'metric',
                       'target', 'policies'), 'top level')
    group = data.get('group')
    if group is None:
        raise ValueError('group: required (min_size, max_size)')
    _check_keys(group, ('min_size', 'max_size', 'capacity', 'cooldown'),
                'group')
    for field in ('min_size', 'max_size'):
        if field not in group:
            raise ValueError('group.%s: required' % field)
    lo = _number(group['min_size'], 'group.min_size', True, 0)
    hi = _number(group['max_size'], 'group.max_size', True, 0)
    if lo > hi:
        raise ValueError('group: min_size %d is greater than max_size %d'
                         % (lo, hi))
    start = _number(group.get('capacity', lo), 'group.capacity', True, 0)
    cooldown = _number(group.get('cooldown', 0) or 0, 'group.cooldown',
                       minimum=0)
    mode = data.get('combine', cb.LARGEST)
    if mode not in cb.MODES:
        raise ValueError('combine: %r is not one of %s'
                         % (mode, ', '.join(cb.MODES)))
    metric = data.get('metric', 'average')
    if metric not in METRIC_MODES:
        raise ValueError('metric: %r is not one of %s'
                         % (metric, ', '.join(METRIC_MODES)))
    boot = _number(data.get('boot_delay', 0), 'boot_delay', minimum=0)
    target = data.get('target')
    if target is not None:
        target = _number(target, 'target', minimum=0)
    items = data.get('policies')
    if not isinstance(items, list) or not items:
        raise ValueError('policies: give a list of at least one policy')
    policies, names = [], set()
    for i, item in enumerate(items):
        where = 'policies[%d]' % i
        if not isinstance(item, dict):
            raise ValueError('%s: expected a mapping, got %r'
                             % (where, item))
        name = item.get('name') or 'policy%d' % i
        item = dict(item, name=name)
        where = '%s (%s)' % (where, name)
        if name in names:
            raise ValueError('%s: duplicate policy name' % where)
        names.add(name)
        kind = item.get('kind')
        if kind not in KINDS:
            raise ValueError('%s.kind: %r is not one of %s'
                             % (where, kind, ', '.join(KINDS)))
        try:
            if kind == 'target_tracking':
                obj = _target_tracking(item, where)
            elif kind == 'step':
                obj = st.policy_from_dict(item, where)
            elif kind == 'scheduled':
                obj = sch.action_from_dict(item, where)
            else:
                obj = _simple(item, where)
        except (ValueError, TypeError) as exc:
            text = str(exc)
            if not text.startswith(where):
                text = '%s: %s' % (where, text)
            raise ValueError(text) from None
        policies.append((name, kind, obj))
    if target is None:
        for _n, kind, obj in policies:
            if kind == 'target_tracking':
                target = obj.target
                break
    return Config(lo, hi, start, cooldown, mode, boot, metric, target,
                  tuple(policies))


def _read(path):
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except OSError as exc:
        raise InputError('%s: cannot read: %s'
                         % (path, exc.strerror)) from None


def _trace_time(raw, where):
    if isinstance(raw, bool):
        raise InputError('%s: time %r is not a number or ISO-8601'
                         % (where, raw)) from None
    if isinstance(raw, (int, float)):
        return float(raw), False
    text = str(raw).strip()
    try:
        return float(text), False
    except ValueError:
        pass
    try:
        return sch.parse_time(text), True
    except ValueError:
        raise InputError('%s: time %r is not a number or ISO-8601'
                         % (where, raw)) from None


def _trace_value(raw, where):
    try:
        return tt.missing_or_metric(raw)
    except (TypeError, ValueError):
        raise InputError('%s: value %r is not a number'
                         % (where, raw)) from None


def load_trace(path, text=None):
    """``(points, iso)``: sorted ``(time, value-or-None)`` pairs, and
    whether the trace gave ISO times."""
    if text is None:
        text = _read(path)
    rows = []
    if path.endswith('.json'):
        data = _load_structured(path, text)
        if isinstance(data, dict) and 'points' in data:
            data = data['points']
        if not isinstance(data, list):
            raise InputError('%s: expected a list of [time, value] or '
                             '{time, value}' % path)
        for i, item in enumerate(data):
            where = '%s: point %d' % (path, i)
            if isinstance(item, dict):
                if 'time' not in item:
                    raise InputError('%s: missing "time"' % where)
                rows.append((where, item['time'], item.get('value')))
            elif isinstance(item, list) and len(item) == 2:
                rows.append((where, item[0], item[1]))
            else:
                raise InputError('%s: expected [time, value] or '
                                 '{time, value}, got %r' % (where, item))
    else:
        for n, row in enumerate(csv.reader(io.StringIO(text)), 1):
            where = '%s line %d' % (path, n)
            if not row or not ''.join(row).strip() or \
                    row[0].lstrip().startswith('#'):
                continue
            if len(row) != 2:
                raise InputError('%s: expected 2 columns time,value, got '
                                 '%d' % (where, len(row)))
            if n == 1 and row[0].strip().lower() in ('time', 't',
                                                     'timestamp'):
                continue
            rows.append((where, row[0], row[1]))
    points, iso = [], False
    for where, t, v in rows:
        t, was_iso = _trace_time(t, where)
        iso = iso or was_iso
        points.append((t, _trace_value(v, where)))
    if not points:
        raise InputError('%s: the trace has no points' % path)
    for (t0, _v), (t1, _w) in zip(points, points[1:]):
        if t1 <= t0:
            raise InputError('%s: times must increase (%s then %s)'
                             % (path, t0, t1))
    return points, iso


# ------------------------------------------- a trace from metric samples

#: how the values of the members make one metric value (the engine's
#: ``metric.statistic``)
STATISTICS = {
    'average': lambda values: sum(values) / len(values),
    'sum': sum,
    'maximum': max,
    'minimum': min,
}
#: the statistic that matches a policy file's ``metric`` mode: its
#: ``total`` is the group's total load (the sum over the members)
MODE_STATISTIC = {'average': 'average', 'total': 'sum'}
#: seconds a member's latest sample stands for it (the engine's default
#: ``metric.period``)
DEFAULT_PERIOD = 60.0


def points_from_samples(samples, statistic='average', period=DEFAULT_PERIOD,
                        name=None):
    """A trace (sorted ``(time, value)`` pairs, as :func:`load_trace`
    gives) from recorded metric samples, as the engine reads them:

    - ``samples``: dicts ``{"name", "value", "timestamp", "member"}`` (the
      Auto-Scaling API's ``GET .../metrics``), ``timestamp`` POSIX
      seconds or ISO 8601; only those named ``name`` when given;
    - one point per distinct timestamp ``t``: for each member label (the
      samples without one share a label) its latest sample at or before
      ``t`` and at most ``period`` seconds older than ``t``; ``statistic``
      (average, sum, maximum, minimum) of those values. A label whose
      latest sample is older no longer counts.

    A sample whose value is None (or not finite) is missing data: it
    stands for its member like any other and is left out of the
    statistic; a point where no member has a value is ``None`` (no
    data). Raises InputError naming the sample in error."""
    if statistic not in STATISTICS:
        raise InputError('statistic %r is not one of %s'
                         % (statistic, ', '.join(STATISTICS)))
    if isinstance(period, bool) or not isinstance(period, (int, float)) \
            or not period > 0:
        raise InputError('period %r must be a positive number'
                         % (period,))
    rows = []
    for i, sample in enumerate(samples):
        where = 'sample %d' % i
        if not isinstance(sample, dict):
            raise InputError('%s: expected a mapping, got %r'
                             % (where, sample))
        if name is not None and sample.get('name') != name:
            continue
        if sample.get('timestamp') is None:
            raise InputError('%s: no timestamp' % where)
        t, _iso = _trace_time(sample['timestamp'], where)
        value = sample.get('value')
        if value is not None:
            value = _trace_value(value, where)
        rows.append((t, i, sample.get('member'), value))
    rows.sort()
    reduce = STATISTICS[statistic]
    latest = {}
    points = []
    for index, (t, _i, member, value) in enumerate(rows):
        latest[member] = (t, value)
        if index + 1 < len(rows) and rows[index + 1][0] == t:
            continue  # the other samples of this instant first
        values = [v for ts, v in latest.values()
                  if t - ts <= period and v is not None]
        points.append((t, reduce(values) if values else None))
    return points


# ------------------------------------------------------------ simulation

@dataclasses.dataclass
class _Group:
    """The simulated group: desired, bounds, members, damping state."""

    desired: int
    min_size: int
    max_size: int
    cooldown: float
    cooldown_end: object = None
    scale_up_cooldown_end: object = None
    scale_down_cooldown_end: object = None
    members: list = dataclasses.field(default_factory=list)
    #: Applied ``(time, delta)`` capacity changes, for rate limits.
    changes: list = dataclasses.field(default_factory=list)

    def set_desired(self, now, desired):
        if desired != self.desired:
            self.changes.append((now, desired - self.desired))
            self.desired = desired

    def state(self):
        return GroupState(
            capacity=self.desired, min_size=self.min_size,
            max_size=self.max_size, cooldown=self.cooldown,
            cooldown_end=self.cooldown_end,
            scale_up_cooldown_end=self.scale_up_cooldown_end,
            scale_down_cooldown_end=self.scale_down_cooldown_end)

    def ready(self, now, boot_delay):
        return sum(1 for t in self.members if t + boot_delay <= now)

    def resize(self, now, boot_delay):
        """Converge members to desired; returns the launch times added."""
        added = []
        while len(self.members) < self.desired:
            self.members.append(now)
            added.append(now)
        surplus = len(self.members) - self.desired
        if surplus > 0:
            booting = [t for t in self.members if t + boot_delay > now]
            ready = [t for t in self.members if t + boot_delay <= now]
            booting.sort(reverse=True)  # newest booting first
            drop = booting[:surplus]
            rest = surplus - len(drop)
            keep = booting[len(drop):] + ready[rest:]
            self.members = sorted(keep)
        return added


def _decide_one(name, kind, obj, group, metric, now, memories, launches):
    state = group.state()
    if kind == 'target_tracking':
        # Rate limits count the group's applied changes, whoever made
        # them; the policy keeps only its own recommendations.
        mem = tt.Memory(memories.get(name, ()), tuple(group.changes))
        res = tt.decide(state, obj, metric, now, mem)
        memories[name] = res.memory.recommendations
        return res.decision
    if kind == 'step':
        return st.decide(state, obj, metric, now, launches.get(name, ()))
    b = dec.DecisionBuilder(state.capacity, policy=name, kind='simple',
                            metric=metric, now=now)
    if metric is None:
        return b.reject(dec.REJECT_NO_DATA, 'alarm has no data')
    if not COMPARISONS[obj.comparison](metric, obj.threshold):
        return b.reject(dec.REJECT_NO_CHANGE, 'alarm not breached: %s %s '
                        '%s is false' % (metric, obj.comparison,
                                         obj.threshold))
    return simple.decide(state, obj.policy, now,
                         trigger={'metric': metric})


def simulate(config, points, boot_delay=None, start=None):
    """Run ``points`` through ``config``; returns a plain-data report."""
    boot = config.boot_delay if boot_delay is None else boot_delay
    capacity = config.capacity if start is None else start
    group = _Group(min(max(capacity, config.min_size), config.max_size),
                   config.min_size, config.max_size, config.cooldown)
    group.members = [points[0][0] - boot] * group.desired
    actions = [obj for _n, kind, obj in config.policies
               if kind == 'scheduled']
    dynamic = [p for p in config.policies if p[1] != 'scheduled']
    memories, launches = {}, {}
    kinds = {name: kind for name, kind, _obj in config.policies}
    objects = {name: obj for name, _kind, obj in config.policies}
    # Remember changes only as long as some rate limit can look back.
    horizon = max([obj.horizon for _n, kind, obj in config.policies
                   if kind == 'target_tracking'], default=0)
    timeline, events = [], []
    prev = None
    for t, value in points:
        row = {'time': t, 'value': value}
        if actions and prev is not None:
            res = sch.decide(group.state(), actions, prev, t)
            if res.firings:
                group.min_size, group.max_size = res.min_size, res.max_size
                group.set_desired(t, res.decision.desired)
                events.append(_event(t, res.decision, 'scheduled'))
                row['scheduled'] = [f.action.name for f in res.firings]
        ready = group.ready(t, boot)
        metric = _observed(config.metric, value, ready)
        row['metric'] = metric
        decisions = [(name, _decide_one(name, kind, obj, group, metric, t,
                                        memories, launches))
                     for name, kind, obj in dynamic]
        if decisions:
            combined = cb.combine(decisions, config.combine)
            winner = combined.inputs.get('winner')
            if combined.accepted:
                group.set_desired(t, combined.desired)
                if combined.cooldown_end is not None:
                    field = 'cooldown_end'
                    if kinds[winner] == 'simple':
                        field = simple.cooldown_end_field(
                            objects[winner].policy,
                            dict(decisions)[winner])
                    setattr(group, field, combined.cooldown_end)
                events.append(_event(t, combined, winner))
            row['decision'] = {'winner': winner,
                               'accepted': combined.accepted,
                               'desired': combined.desired,
                               'rejection': combined.rejection,
                               'reason': combined.reason}
        added = group.resize(t, boot)
        if added and row.get('decision', {}).get('accepted'):
            winner = row['decision']['winner']
            if kinds[winner] == 'step':
                warm = objects[winner].warmup
                launches[winner] = tuple(
                    x for x in launches.get(winner, ())
                    if t - x < warm) + tuple(added)
        group.changes = [c for c in group.changes if t - c[0] < horizon]
        row['desired'] = group.desired
        row['ready'] = group.ready(t, boot)
        booting = [m + boot for m in group.members if m + boot > t]
        row['all_ready_at'] = max(booting) if booting else None
        row['min_size'], row['max_size'] = group.min_size, group.max_size
        timeline.append(row)
        prev = t
    return {'boot_delay': boot, 'combine': config.combine,
            'metric_mode': config.metric, 'target': config.target,
            'timeline': timeline, 'events': events,
            'summary': summarize(timeline, events, config, points)}


def _observed(mode, value, ready):
    if value is None or mode == 'average':
        return value
    return value / ready if ready else value


def _event(t, decision, source):
    return {'time': t, 'source': source, 'from': decision.current,
            'to': decision.desired, 'reason': decision.reason,
            'accepted': decision.accepted}


def summarize(timeline, events, config, points):
    """Scale events, time over/under target, capacity extremes."""
    duration = points[-1][0] - points[0][0]
    outs = sum(1 for e in events if e['to'] > e['from'])
    ins = sum(1 for e in events if e['to'] < e['from'])
    over = under = short = member_seconds = 0.0
    target = config.target
    tol = 0.0
    for _n, kind, obj in config.policies:
        if kind == 'target_tracking' and obj.target == target:
            tol = obj.tolerance
            break
    for row, nxt in zip(timeline, timeline[1:]):
        span = nxt['time'] - row['time']
        member_seconds += row['desired'] * span
        if row['all_ready_at'] is not None:
            short += min(span, row['all_ready_at'] - row['time'])
        m = row['metric']
        if target is not None and m is not None:
            if m > target * (1 + tol):
                over += span
            elif m < target * (1 - tol):
                under += span
    desired = [r['desired'] for r in timeline]
    return {
        'samples': len(timeline), 'duration': duration,
        'scale_out_events': outs, 'scale_in_events': ins,
        'min_desired': min(desired), 'max_desired': max(desired),
        'final_desired': desired[-1],
        'member_seconds': member_seconds,
        'time_over_target': over if target is not None else None,
        'time_under_target': under if target is not None else None,
        'time_waiting_for_boot': short,
    }


# ------------------------------------------------------------- rendering

def _fmt_time(t, iso):
    return dec.iso(t) if iso else '%g' % t


def _fmt_value(v):
    return '-' if v is None else '%.4g' % v


def render_text(report, iso=False):
    """The report as a human-readable table and summary."""
    out = ['%-25s %9s %9s %5s %7s  %s' % ('time', 'value', 'metric',
                                          'ready', 'desired', 'decision')]
    for row in report['timeline']:
        d = row.get('decision') or {}
        if d.get('accepted'):
            note = '%s -> %d' % (d['winner'], d['desired'])
        elif d:
            note = '(%s)' % d['rejection']
        else:
            note = ''
        if row.get('scheduled'):
            note = '; '.join(filter(None, [
                'scheduled %s' % ', '.join(row['scheduled']), note]))
        out.append('%-25s %9s %9s %5d %7d  %s' % (
            _fmt_time(row['time'], iso), _fmt_value(row['value']),
            _fmt_value(row['metric']), row['ready'], row['desired'], note))
    out.append('')
    out.append('events:')
    for e in report['events']:
        out.append('  %s  %s: %d -> %d  %s' % (
            _fmt_time(e['time'], iso), e['source'], e['from'], e['to'],
            e['reason']))
    if not report['events']:
        out.append('  (none)')
    out.append('')
    out.append('summary:')
    for key, value in report['summary'].items():
        out.append('  %-22s %s' % (key, 'n/a' if value is None else
                                   ('%g' % value
                                    if isinstance(value, float)
                                    else value)))
    return '\n'.join(out) + '\n'


def plot(report, path):
    """Draw metric and capacity over time into ``path`` (matplotlib)."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        from matplotlib import pyplot
    except ImportError:
        raise InputError('--plot needs matplotlib: pip install '
                         '"heat[plot]" (or pip install matplotlib)') from None
    rows = report['timeline']
    times = [r['time'] - rows[0]['time'] for r in rows]
    fig, ax = pyplot.subplots(figsize=(10, 4))
    ax.step(times, [r['desired'] for r in rows], where='post',
            label='desired')
    ax.step(times, [r['ready'] for r in rows], where='post', label='ready')
    ax.set_xlabel('seconds')
    ax.set_ylabel('members')
    ax2 = ax.twinx()
    ax2.plot(times, [math.nan if r['metric'] is None else r['metric']
                     for r in rows], color='grey', alpha=0.6,
             label='metric')
    if report.get('target') is not None:
        ax2.axhline(report['target'], color='grey', linestyle=':')
    ax2.set_ylabel('metric')
    lines = ax.get_lines() + ax2.get_lines()[:1]
    ax.legend(lines, [line.get_label() for line in lines], loc='upper left')
    fig.tight_layout()
    fig.savefig(path)
    pyplot.close(fig)


def main(argv=None, stdout=None, stderr=None):
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = argparse.ArgumentParser(
        prog='python -m heat.scaling.simulate',
        description='Replay a metric trace through scaling policies.')
    parser.add_argument('--policy', required=True,
                        help='policy file (YAML or JSON)')
    parser.add_argument('--trace', required=True,
                        help='metric trace (CSV or JSON of time,value)')
    parser.add_argument('--boot-delay', type=float, default=None,
                        help='seconds before a new member is ready '
                        '(overrides the policy file)')
    parser.add_argument('--start', type=int, default=None,
                        help='starting capacity (overrides the file)')
    parser.add_argument('--json', action='store_true',
                        help='print the report as JSON')
    parser.add_argument('--plot', metavar='PNG',
                        help='draw the timeline (needs matplotlib)')
    args = parser.parse_args(argv)
    try:
        if args.boot_delay is not None and args.boot_delay < 0:
            raise InputError('--boot-delay %g must not be negative'
                             % args.boot_delay)
        if args.start is not None and args.start < 0:
            raise InputError('--start %d must not be negative' % args.start)
        config = load_policy_file(args.policy)
        points, iso = load_trace(args.trace)
        report = simulate(config, points, args.boot_delay, args.start)
        if args.plot:
            plot(report, args.plot)
    except InputError as exc:
        stderr.write('error: %s\n' % exc)
        return 1
    if args.json:
        stdout.write(json.dumps(report, indent=2, sort_keys=True) + '\n')
    else:
        stdout.write(render_text(report, iso))
        if args.plot:
            stdout.write('plot written to %s\n' % os.path.abspath(args.plot))
    return 0


if __name__ == '__main__':
    sys.exit(main())
