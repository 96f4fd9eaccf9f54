"""Step scaling: the adjustment depends on how far an alarm is breached.

A :class:`StepPolicy` has an alarm ``threshold`` and a list of
:class:`StepBand` s. Each band covers an interval of ``metric -
threshold`` (its bounds are offsets from the threshold; None means
unbounded) and carries an adjustment, read with the policy's
``adjustment_type`` exactly as a simple policy's ``scaling_adjustment``
(change, exact or percent, with ``min_adjustment_magnitude`` as the
percent floor).

Band membership, as in AWS: a band entirely below the threshold
(``upper <= 0``) is ``lower < offset <= upper``; any other band is
``lower <= offset < upper``. So a metric exactly at the threshold
belongs to the scale-in band of a "less than or equal" alarm, unless a
band starts at 0: that band takes the threshold itself. Bands must not
overlap or leave gaps; :func:`validate_bands` names the offending band.

Warm-up: members added by earlier scale-outs of this policy that are
still inside their ``warmup`` seconds are *in flight*. A scale-out is
computed from the capacity without them and then compared with the
capacity with them: a repeated breach in the same band adds nothing, and
a breach in a higher band adds only the difference. So with 10 in
service, +1 in band A and +3 in band B: the first alarm in A gives 11;
the alarm repeating during warm-up gives 11 again (rejected, no change);
moving into B gives 13, not 14. Scale-ins and exact capacities ignore
warm-up.

Step scaling has no cooldown (warm-up does that job) and ignores
``in_progress``: its result is a level, and the converger chases the
latest one.
"""

import dataclasses
import math
from typing import Optional

from heat.scaling import capacity as cap
from heat.scaling import decision as dec


def _fmt(x):
    if x is None:
        return 'unbounded'
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return '%.4g' % x if isinstance(x, float) else str(x)


@dataclasses.dataclass(frozen=True)
class StepBand:
    """One band: offsets from the threshold and its adjustment."""

    lower: Optional[float]
    upper: Optional[float]
    adjustment: float

    def contains(self, offset, zero_taken_above=False):
        if self.upper is not None and self.upper <= 0:
            if offset == 0 and zero_taken_above:
                return False
            return ((self.lower is None or offset > self.lower) and
                    offset <= self.upper)
        return ((self.lower is None or offset >= self.lower) and
                (self.upper is None or offset < self.upper))

    def describe(self):
        """The interval in math notation, e.g. ``[0, 10)``, ``(-inf, 0]``."""
        below = self.upper is not None and self.upper <= 0
        lo = '(-inf' if self.lower is None else (
            '(' if below else '[') + _fmt(self.lower)
        hi = 'inf)' if self.upper is None else _fmt(self.upper) + (
            ']' if below else ')')
        return '%s, %s' % (lo, hi)


def validate_bands(bands):
    """Raise ValueError unless ``bands`` tile one interval exactly.

    Messages name the band by its index in the list as given.
    """
    if not bands:
        raise ValueError('a step policy needs at least one band')
    for i, band in enumerate(bands):
        if band.adjustment is None or isinstance(band.adjustment, bool):
            raise ValueError('band %d: adjustment %r is not a number'
                             % (i, band.adjustment))
        for name in ('lower', 'upper'):
            value = getattr(band, name)
            if value is not None and (isinstance(value, bool) or
                                      not isinstance(value, (int, float))
                                      or math.isnan(value)):
                raise ValueError('band %d: %s bound %r is not a number'
                                 % (i, name, value))
        if band.lower is None and band.upper is None and len(bands) > 1:
            raise ValueError('band %d is unbounded on both sides, so it '
                             'overlaps every other band' % i)
        if (band.lower is not None and band.upper is not None and
                band.lower >= band.upper):
            raise ValueError('band %d: lower bound %s is not below upper '
                             'bound %s' % (i, _fmt(band.lower),
                                           _fmt(band.upper)))
    order = sorted(range(len(bands)), key=lambda i: (
        -math.inf if bands[i].lower is None else bands[i].lower))
    for i in order[1:]:
        if bands[i].lower is None:
            raise ValueError('band %d: only the lowest band may have no '
                             'lower bound' % i)
    for prev, i in zip(order, order[1:]):
        top = bands[prev].upper
        if top is None:
            raise ValueError('band %d has no upper bound but band %d '
                             'starts at %s above it (overlap)'
                             % (prev, i, _fmt(bands[i].lower)))
        low = bands[i].lower
        if low < top:
            raise ValueError('band %d: lower bound %s overlaps band %d, '
                             'which ends at %s' % (i, _fmt(low), prev,
                                                   _fmt(top)))
        if low > top:
            raise ValueError('band %d: lower bound %s leaves a gap after '
                             'band %d, which ends at %s'
                             % (i, _fmt(low), prev, _fmt(top)))
    return [bands[i] for i in order]


@dataclasses.dataclass(frozen=True)
class StepPolicy:
    """An alarm threshold and the bands of adjustments around it."""

    threshold: float
    bands: tuple
    adjustment_type: str = 'change_in_capacity'
    min_adjustment_magnitude: Optional[int] = None
    warmup: float = 0.0
    name: str = 'step'

    def __post_init__(self):
        if isinstance(self.threshold, bool) or not isinstance(
                self.threshold, (int, float)) or math.isnan(self.threshold):
            raise ValueError('threshold %r is not a number'
                             % (self.threshold,))
        bands = tuple(b if isinstance(b, StepBand) else StepBand(**b)
                      for b in self.bands)
        object.__setattr__(self, 'bands', bands)
        validate_bands(bands)
        object.__setattr__(self, 'adjustment_type',
                           cap.normalize_adjustment_type(
                               self.adjustment_type))
        if self.min_adjustment_magnitude is not None:
            if self.adjustment_type != cap.PERCENT_CHANGE_IN_CAPACITY:
                raise ValueError('min_adjustment_magnitude applies only to '
                                 'the percent_change_in_capacity type')
            if self.min_adjustment_magnitude < 0:
                raise ValueError('min_adjustment_magnitude %r must not be '
                                 'negative' % self.min_adjustment_magnitude)
        if self.warmup is None or self.warmup < 0:
            raise ValueError('warmup %r must not be negative'
                             % (self.warmup,))
        for i, band in enumerate(bands):
            if self.adjustment_type == cap.EXACT_CAPACITY and (
                    band.adjustment < 0 or
                    int(band.adjustment) != band.adjustment):
                raise ValueError('band %d: exact capacity %r must be a '
                                 'whole number >= 0' % (i, band.adjustment))
            if self.adjustment_type == cap.CHANGE_IN_CAPACITY and \
                    int(band.adjustment) != band.adjustment:
                raise ValueError('band %d: change %r must be a whole number '
                                 'of members' % (i, band.adjustment))

    def band_for(self, metric):
        """``(index, band)`` covering ``metric``, or ``(None, None)``."""
        offset = metric - self.threshold
        zero_above = any(b.lower == 0 for b in self.bands)
        for i, band in enumerate(self.bands):
            if band.contains(offset, zero_above):
                return i, band
        return None, None


def warming(launches, now, warmup):
    """How many of ``launches`` (POSIX launch times) still warm up."""
    return sum(1 for t in launches if 0 <= now - t < warmup)


def decide(state, policy, metric, now, launches=()):
    """Decide a step policy for ``state`` at ``now``.

    :param state: :class:`heat.scaling.state.GroupState`
    :param policy: :class:`StepPolicy`
    :param metric: the alarm's metric value (None: no data)
    :param now: POSIX seconds
    :param launches: launch times of members this policy added; those
        younger than ``policy.warmup`` count as in flight
    :returns: :class:`heat.scaling.decision.Decision`
    """
    current = state.capacity
    b = dec.DecisionBuilder(current, policy=policy.name, kind='step',
                            metric=metric, threshold=policy.threshold,
                            adjustment_type=policy.adjustment_type,
                            now=now)
    if state.suspended:
        return b.reject(dec.REJECT_SUSPENDED, 'scaling is suspended')
    if metric is None or math.isnan(metric):
        return b.reject(dec.REJECT_NO_DATA, 'no metric data')
    index, band = policy.band_for(metric)
    offset = metric - policy.threshold
    if band is None:
        return b.reject(dec.REJECT_NO_CHANGE,
                        'metric %s (offset %s from threshold %s) is in no '
                        'band' % (_fmt(metric), _fmt(offset),
                                  _fmt(policy.threshold)))
    b.inputs['band'] = index
    b.step('band', None, 'metric %s is offset %s from threshold %s: band '
           '%d %s, adjustment %s' % (_fmt(metric), _fmt(offset),
                                     _fmt(policy.threshold), index,
                                     band.describe(),
                                     _fmt(band.adjustment)))
    outward = (policy.adjustment_type != cap.EXACT_CAPACITY and
               band.adjustment > 0)
    in_flight = warming(launches, now, policy.warmup) if outward else 0
    in_flight = min(in_flight, current)
    base = current - in_flight
    if in_flight:
        b.step('warmup', base, '%d member(s) still warming up: step from '
               '%d in service' % (in_flight, base))
    outcome = cap.decide_capacity(base, band.adjustment,
                                  policy.adjustment_type,
                                  policy.min_adjustment_magnitude)
    b.steps.extend(outcome.steps)
    raw = outcome.desired
    if in_flight and raw <= current:
        return b.reject(dec.REJECT_NO_CHANGE,
                        'band %d asks for %d, already covered by the %d '
                        'member(s) warming up (capacity %d)'
                        % (index, raw, in_flight, current))
    final = cap.clamp(raw, state.min_size, state.max_size)
    if final != raw:
        b.step('clamp', final, 'clamped to [%d, %d]'
               % (state.min_size, state.max_size))
    if final == current:
        if raw > current:
            return b.reject(dec.REJECT_AT_MAX, 'band %d asks for %d but the '
                            'group is at its maximum %d'
                            % (index, raw, current))
        if raw < current:
            return b.reject(dec.REJECT_AT_MIN, 'band %d asks for %d but the '
                            'group is at its minimum %d'
                            % (index, raw, current))
        return b.reject(dec.REJECT_NO_CHANGE, 'band %d leaves the group at '
                        '%d' % (index, current))
    return b.accept(final, 'band %d (offset %s from threshold %s): %s '
                    'from %d -> %d' % (
                        index, _fmt(offset), _fmt(policy.threshold),
                        cap.describe_adjustment(band.adjustment,
                                                policy.adjustment_type),
                        base, final))


def policy_from_dict(data, where='step policy'):
    """A :class:`StepPolicy` from a plain mapping (file format)."""
    known = {f.name for f in dataclasses.fields(StepPolicy)}
    extra = sorted(set(data) - known - {'kind'})
    if extra:
        raise ValueError('%s: unknown field(s) %s'
                         % (where, ', '.join(extra)))
    kw = {k: v for k, v in data.items() if k in known}
    for field in ('threshold', 'bands'):
        if field not in kw:
            raise ValueError('%s.%s: required' % (where, field))
    if not isinstance(kw['bands'], (list, tuple)):
        raise ValueError('%s.bands: expected a list of bands, got %r'
                         % (where, kw['bands']))
    bands = []
    for i, band in enumerate(kw.get('bands') or ()):
        if not isinstance(band, dict):
            raise ValueError('%s: band %d is not a mapping' % (where, i))
        unknown = sorted(set(band) - {'lower', 'upper', 'adjustment'})
        if unknown:
            raise ValueError('%s: band %d: unknown field(s) %s'
                             % (where, i, ', '.join(unknown)))
        if 'adjustment' not in band:
            raise ValueError('%s: band %d: adjustment is required'
                             % (where, i))
        bands.append(StepBand(band.get('lower'), band.get('upper'),
                              band['adjustment']))
    kw['bands'] = tuple(bands)
    try:
        return StepPolicy(**kw)
    except TypeError as exc:
        raise ValueError('%s: %s' % (where, exc)) from exc
