"""Metric policies (kinds ``step`` and ``target_tracking``): their
``params`` (validated, stored with the defaults filled in), the library
policies built from them, pushed samples (validation, ingestion) and
the metric value a policy sees.

The metric value (push source): the samples of ``metric.name`` of the
policy's group received in the last ``period`` seconds; per member label
the latest one (samples without a member label share one label);
``statistic`` over those values. No value: no data. Prometheus source:
an instant query; each series of the result (or the scalar) is one
value; ``statistic`` over them; an empty result, an error or a timeout:
no data, the reason recorded.

See doc/dev/metric-scaling-contract.md.
"""

import datetime
import math
import re

from oslo_config import cfg

from heat.common import exception
from heat.scaling import capacity as cap
from heat.scaling import step_scaling
from heat.scaling import target_tracking as tt

STEP, TARGET_TRACKING = 'step', 'target_tracking'
KINDS = (STEP, TARGET_TRACKING)
LIVE, SHADOW = 'live', 'shadow'
MODES = (LIVE, SHADOW)
PUSH, PROMETHEUS = 'push', 'prometheus'
SOURCES = (PUSH, PROMETHEUS)
STATISTICS = ('average', 'sum', 'maximum', 'minimum')

NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_.:-]{0,254}$')
MAX_MEMBER_LEN = 255
#: samples one push may carry
MAX_SAMPLES = 10000
#: a sample's timestamp may be this far in the future (clock skew)
MAX_FUTURE = 300.0

DEFAULT_PERIOD = 60
DEFAULT_INTERVAL = 10
COMMON_KEYS = ('metric', 'mode', 'evaluation_interval')
TT_KEYS = ('target', 'tolerance', 'scale_up', 'scale_down')
STEP_KEYS = ('threshold', 'bands', 'adjustment_type',
             'min_adjustment_magnitude', 'warmup')
METRIC_KEYS = ('name', 'source', 'query', 'url', 'statistic', 'period')
BEHAVIOR_KEYS = ('stabilization_window', 'rate_limits', 'select')
BEHAVIOR_DEFAULTS = {'scale_up': 0, 'scale_down': 300}


def _invalid(path, value, why):
    return exception.Invalid(reason='%s: %r %s' % (path, value, why))


def _is_number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _number(path, value, low=None, high=None, low_open=False,
            high_open=False, whole=False):
    if not _is_number(value):
        raise _invalid(path, value, 'is not a number')
    if whole and int(value) != value:
        raise _invalid(path, value, 'is not a whole number')
    if low is not None and (value < low or (low_open and value == low)):
        raise _invalid(path, value, 'must be %s %s' % (
            '>' if low_open else '>=', _fmt(low)))
    if high is not None and (value > high or (high_open and value == high)):
        raise _invalid(path, value, 'must be %s %s' % (
            '<' if high_open else '<=', _fmt(high)))
    return int(value) if whole else value


def _fmt(x):
    return str(int(x)) if float(x).is_integer() else str(x)


def _choice(path, value, choices):
    if value not in choices:
        raise _invalid(path, value, 'is not one of %s' % ', '.join(choices))
    return value


def _mapping(path, value, keys):
    if not isinstance(value, dict):
        raise _invalid(path, value, 'is not a mapping')
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise exception.Invalid(reason='%s.%s: unknown key (known: %s)' % (
            path, unknown[0], ', '.join(keys)))
    return value


def _name(path, value):
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise _invalid(path, value, 'is not a metric name '
                       '([A-Za-z_][A-Za-z0-9_.:-]*, at most 255 '
                       'characters)')
    return value


def _metric(data):
    path = 'params.metric'
    if data is None:
        raise exception.Invalid(reason='%s: required' % path)
    _mapping(path, data, METRIC_KEYS)
    if 'name' not in data:
        raise exception.Invalid(reason='%s.name: required' % path)
    out = {'name': _name(path + '.name', data['name'])}
    out['source'] = _choice(path + '.source', data.get('source', PUSH),
                            SOURCES)
    if out['source'] == PROMETHEUS:
        query = data.get('query')
        if not isinstance(query, str) or not query.strip():
            raise _invalid(path + '.query', query,
                           'is not a PromQL query (required with source '
                           'prometheus)')
        out['query'] = query
        url = data.get('url')
        if url is not None:
            if not isinstance(url, str) or not re.match(
                    r'^https?://[^/\s]+', url):
                raise _invalid(path + '.url', url, 'is not an http(s) URL')
            out['url'] = url
    else:
        for key in ('query', 'url'):
            if data.get(key) is not None:
                raise _invalid('%s.%s' % (path, key), data[key],
                               'applies only to source prometheus')
    out['statistic'] = _choice(path + '.statistic',
                               data.get('statistic', 'average'), STATISTICS)
    out['period'] = _number(path + '.period',
                            data.get('period', DEFAULT_PERIOD), 1, 86400)
    return out


def _behavior(path, data, default_window):
    data = {} if data is None else data
    _mapping(path, data, BEHAVIOR_KEYS)
    out = {'stabilization_window': _number(
        path + '.stabilization_window',
        data.get('stabilization_window', default_window), 0, 86400)}
    limits = data.get('rate_limits', [])
    if limits is None:
        limits = []
    if not isinstance(limits, list):
        raise _invalid(path + '.rate_limits', limits, 'is not a list')
    out['rate_limits'] = []
    for i, rl in enumerate(limits):
        where = '%s.rate_limits[%d]' % (path, i)
        _mapping(where, rl, ('type', 'value', 'period'))
        for key in ('type', 'value', 'period'):
            if key not in rl:
                raise exception.Invalid(reason='%s.%s: required'
                                        % (where, key))
        kind = _choice(where + '.type', rl['type'], tt.LIMIT_TYPES)
        value = _number(where + '.value', rl['value'], 0, low_open=True,
                        whole=kind == tt.LIMIT_MEMBERS)
        period = _number(where + '.period', rl['period'], 0, 86400,
                         low_open=True)
        out['rate_limits'].append({'type': kind, 'value': value,
                                   'period': period})
    out['select'] = _choice(path + '.select', data.get('select', 'max'),
                            tt.SELECT_POLICIES)
    return out


def validate(kind, params):
    """The stored form of a metric policy's ``params`` (defaults filled
    in); Invalid naming the key path and the value."""
    if kind not in KINDS:
        raise exception.Invalid(reason='kind %r is not a metric policy '
                                       'kind' % (kind,))
    keys = COMMON_KEYS + (TT_KEYS if kind == TARGET_TRACKING else STEP_KEYS)
    if params is None:
        raise exception.Invalid(reason='params: required for a %s policy'
                                % kind)
    _mapping('params', params, keys)
    out = {'metric': _metric(params.get('metric')),
           'mode': _choice('params.mode', params.get('mode', LIVE), MODES),
           'evaluation_interval': _number(
               'params.evaluation_interval',
               params.get('evaluation_interval', DEFAULT_INTERVAL), 1,
               3600)}
    if kind == TARGET_TRACKING:
        if 'target' not in params:
            raise exception.Invalid(reason='params.target: required')
        out['target'] = _number('params.target', params['target'], 0,
                                low_open=True)
        out['tolerance'] = _number('params.tolerance',
                                   params.get('tolerance', 0.1), 0, 1,
                                   high_open=True)
        for direction, window in BEHAVIOR_DEFAULTS.items():
            out[direction] = _behavior('params.' + direction,
                                       params.get(direction), window)
    else:
        for key in ('threshold', 'bands'):
            if key not in params:
                raise exception.Invalid(reason='params.%s: required' % key)
        out['threshold'] = _number('params.threshold', params['threshold'])
        bands = params['bands']
        if not isinstance(bands, list) or not bands:
            raise _invalid('params.bands', bands, 'is not a non-empty '
                           'list of bands')
        out['bands'] = []
        for i, band in enumerate(bands):
            where = 'params.bands[%d]' % i
            _mapping(where, band, ('lower', 'upper', 'adjustment'))
            if 'adjustment' not in band:
                raise exception.Invalid(reason='%s.adjustment: required'
                                        % where)
            item = {'lower': band.get('lower'), 'upper': band.get('upper'),
                    'adjustment': _number(where + '.adjustment',
                                          band['adjustment'])}
            for key in ('lower', 'upper'):
                if item[key] is not None:
                    _number('%s.%s' % (where, key), item[key])
            out['bands'].append(item)
        atype = params.get('adjustment_type', cap.CHANGE_IN_CAPACITY)
        try:
            atype = cap.normalize_adjustment_type(atype)
        except (ValueError, TypeError):
            raise _invalid('params.adjustment_type', atype, 'is not one of '
                           'change_in_capacity, exact_capacity, '
                           'percent_change_in_capacity') from None
        out['adjustment_type'] = atype
        mag = params.get('min_adjustment_magnitude')
        if mag is not None:
            mag = _number('params.min_adjustment_magnitude', mag, 0,
                          whole=True)
        out['min_adjustment_magnitude'] = mag
        out['warmup'] = _number('params.warmup', params.get('warmup', 0), 0,
                                86400)
    try:
        build(kind, out)
    except ValueError as exc:
        raise exception.Invalid(reason='params: %s' % exc) from None
    return out


def build(kind, params, name='policy'):
    """The library policy of stored ``params``
    (:class:`~heat.scaling.target_tracking.TargetTrackingPolicy` or
    :class:`~heat.scaling.step_scaling.StepPolicy`)."""
    if kind == TARGET_TRACKING:
        def behavior(data):
            return tt.Behavior(
                stabilization_window=data['stabilization_window'],
                rate_limits=tuple(tt.RateLimit(r['type'], r['value'],
                                               r['period'])
                                  for r in data['rate_limits']),
                select=data['select'])
        return tt.TargetTrackingPolicy(
            target=params['target'], tolerance=params['tolerance'],
            missing_data=tt.MISSING_HOLD,
            scale_up=behavior(params['scale_up']),
            scale_down=behavior(params['scale_down']), name=name)
    try:
        return step_scaling.StepPolicy(
            threshold=params['threshold'],
            bands=tuple(step_scaling.StepBand(b['lower'], b['upper'],
                                              b['adjustment'])
                        for b in params['bands']),
            adjustment_type=params['adjustment_type'],
            min_adjustment_magnitude=params['min_adjustment_magnitude'],
            warmup=params['warmup'], name=name)
    except ValueError as exc:
        text = str(exc)
        if text.startswith('band '):
            raise ValueError('bands: %s' % text) from None
        raise


# -- samples ---------------------------------------------------------------

def parse_time(path, value, now=None):
    """POSIX seconds of ``value`` (POSIX seconds or ISO-8601; naive is
    UTC); Invalid naming ``path``."""
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        try:
            dt = datetime.datetime.fromisoformat(text.replace('Z', '+00:00')
                                                 .replace('z', '+00:00'))
        except ValueError:
            dt = None
        if dt is not None:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=datetime.timezone.utc)
            return dt.timestamp()
    raise _invalid(path, value, 'is not a time (POSIX seconds or '
                   'ISO-8601)')


def iso_z(ts):
    """POSIX seconds as ``2027-01-02T03:04:05Z`` (milliseconds when not
    whole)."""
    dt = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    if float(ts).is_integer():
        return dt.strftime('%Y-%m-%dT%H:%M:%SZ')
    return dt.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'


def validate_samples(samples, now):
    """The rows to store of a push (dicts name, member, value, ts); the
    whole list is Invalid (naming e.g. ``samples[3].value``) or none."""
    if not isinstance(samples, list):
        raise _invalid('samples', samples, 'is not a list of samples')
    if not samples:
        raise exception.Invalid(reason='samples: at least one sample')
    if len(samples) > MAX_SAMPLES:
        raise exception.Invalid(reason='samples: %d samples, at most %d '
                                'in one push' % (len(samples), MAX_SAMPLES))
    rows = []
    for i, s in enumerate(samples):
        where = 'samples[%d]' % i
        _mapping(where, s, ('name', 'value', 'timestamp', 'member'))
        if 'name' not in s:
            raise exception.Invalid(reason='%s.name: required' % where)
        if 'value' not in s:
            raise exception.Invalid(reason='%s.value: required' % where)
        name = _name(where + '.name', s['name'])
        value = s['value']
        if not _is_number(value):
            raise _invalid(where + '.value', value,
                           'is not a finite number')
        ts = s.get('timestamp')
        ts = now if ts is None else parse_time(where + '.timestamp', ts)
        if ts > now + MAX_FUTURE:
            raise _invalid(where + '.timestamp', s['timestamp'],
                           'is more than %ds in the future'
                           % MAX_FUTURE)
        member = s.get('member')
        if member is not None and (not isinstance(member, str) or
                                   len(member) > MAX_MEMBER_LEN):
            raise _invalid(where + '.member', member, 'is not a member '
                           'label (a string of at most %d characters)'
                           % MAX_MEMBER_LEN)
        rows.append({'name': name, 'member': member, 'value': float(value),
                     'ts': ts})
    return rows


def sample_dict(row):
    return {'name': row.name, 'value': row.value,
            'timestamp': iso_z(row.ts), 'member': row.member}


# -- values ------------------------------------------------------------------

def statistic(name, values):
    if name == 'sum':
        return float(sum(values))
    if name == 'maximum':
        return float(max(values))
    if name == 'minimum':
        return float(min(values))
    return float(sum(values)) / len(values)


def push_value(metric, samples, now):
    """``(value or None, count, reason)`` of a push metric over
    ``samples`` (``(name, member, value, ts)`` of the group, in arrival
    order): per member label the latest sample of the last ``period``
    seconds, then the statistic."""
    since = now - metric['period']
    name = metric['name']
    latest = {}
    for s_name, member, value, ts in samples:
        if s_name != name or ts < since or ts > now + MAX_FUTURE:
            continue
        seen = latest.get(member)
        if seen is None or ts >= seen[1]:
            latest[member] = (value, ts)
    if not latest:
        return None, 0, 'no sample of %s in the last %ss' % (
            name, _fmt(metric['period']))
    values = [v for v, _t in latest.values()]
    return statistic(metric['statistic'], values), len(values), None


def prometheus_value(metric, cache=None):
    """``(value or None, count, reason)`` of a Prometheus metric: one
    instant query. ``cache`` (a dict kept for one evaluator tick): the
    same query is asked once, and a server whose query failed slowly (a
    timeout, an unreachable host) is not asked again in that tick, so a
    Prometheus outage costs one timeout per tick, not one per group."""
    import time

    from heat.engine.autoscaling import prometheus
    conf = cfg.CONF.autoscaling
    url = metric.get('url') or conf.prometheus_url
    cache = {} if cache is None else cache
    key = ('prometheus', url, metric['query'])
    if key in cache:
        values, reason = cache[key]
    elif ('down', url) in cache:
        values, reason = None, '%s (not asked again in this evaluation ' \
            'round)' % cache[('down', url)]
    else:
        started = time.monotonic()
        try:
            values = prometheus.query(url, metric['query'],
                                      conf.prometheus_timeout)
            reason = None
        except prometheus.MetricError as exc:
            values, reason = None, str(exc)
            if time.monotonic() - started > min(
                    1.0, conf.prometheus_timeout / 2):
                cache[('down', url)] = reason
        cache[key] = (values, reason)
    if values is None:
        return None, 0, reason
    if not values:
        return None, 0, 'the query %r returned no series' % metric['query']
    return statistic(metric['statistic'], values), len(values), None


def metric_key(metric):
    """What makes two policies' metric values the same."""
    return (metric['source'], metric['name'], metric.get('query'),
            metric.get('url'), metric['statistic'], metric['period'])
