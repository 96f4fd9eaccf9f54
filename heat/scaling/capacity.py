"""Capacity arithmetic: adjustment types, rounding, minimum step, bounds.

This module owns the one rule every adjustment-based policy shares: given
the current capacity, an adjustment and its type, what is the new capacity.
It reproduces upstream Heat's ``calculate_new_capacity``
(``heat/scaling/scalingutil.py``) exactly, with one deliberate fix:

* ``change_in_capacity`` (CFN ``ChangeInCapacity``): ``current + adjustment``.
* ``exact_capacity`` (CFN ``ExactCapacity``): ``adjustment``.
* ``percent_change_in_capacity`` (CFN ``PercentChangeInCapacity``):
  ``d = current * adjustment / 100.0``; when ``|d| < 1`` the step rounds
  away from zero (at least one member), otherwise it truncates toward zero.
  ``min_adjustment_step`` then raises a smaller step to that many members,
  keeping its direction. The minimum step applies to percent types only.
* The result is clamped to ``[lower, upper]``.

The fix: upstream takes the direction of a percent step from ``d``, and
``d`` is 0 when the group is empty, which upstream treats as a decrease: a
percent policy can never grow a group from 0 (``+50%`` stays at 0, and with
a minimum step it even *shrinks*). Here the direction comes from the sign of
the adjustment, so ``+x%`` from 0 gives +1 (or ``+min_adjustment_step``).
For the same reason a 0% adjustment is no change at all, even with a minimum
step (upstream would step down by ``min_adjustment_step``).
"""

import typing

from heat.scaling import decision as dec

#: Adjustment types as HOT templates spell them.
ADJUSTMENT_TYPES = (
    EXACT_CAPACITY, CHANGE_IN_CAPACITY, PERCENT_CHANGE_IN_CAPACITY,
) = ('exact_capacity', 'change_in_capacity', 'percent_change_in_capacity')

#: The same adjustment types as CFN (AWS) templates spell them.
CFN_ADJUSTMENT_TYPES = (
    CFN_EXACT_CAPACITY, CFN_CHANGE_IN_CAPACITY,
    CFN_PERCENT_CHANGE_IN_CAPACITY,
) = ('ExactCapacity', 'ChangeInCapacity', 'PercentChangeInCapacity')

_HOT_NAME = dict(zip(ADJUSTMENT_TYPES, ADJUSTMENT_TYPES))
_HOT_NAME.update(zip(CFN_ADJUSTMENT_TYPES, ADJUSTMENT_TYPES))

_ALLOWED = ', '.join(ADJUSTMENT_TYPES + CFN_ADJUSTMENT_TYPES)


def normalize_adjustment_type(name):
    """The HOT name of adjustment type ``name`` (HOT or CFN spelling).

    :raises ValueError: naming ``name`` and the allowed names when it is
        not an adjustment type.
    """
    try:
        return _HOT_NAME[name]
    except (KeyError, TypeError):
        raise ValueError('Unknown adjustment_type %r: allowed values are %s'
                         % (name, _ALLOWED)) from None


def clamp(value, lower, upper):
    """``value`` kept within ``[lower, upper]``; a None bound is open.

    :raises ValueError: when both bounds are given and ``lower > upper``.
    """
    if lower is not None and upper is not None and lower > upper:
        raise ValueError('lower bound %r is greater than upper bound %r'
                         % (lower, upper))
    if upper is not None and value > upper:
        return upper
    if lower is not None and value < lower:
        return lower
    return value


def _whole(adjustment, adjustment_type):
    # Capacities are member counts. Upstream accepts a float change or exact
    # capacity and computes a fractional size; we refuse it instead.
    if type(adjustment) is int:
        return adjustment
    if isinstance(adjustment, bool) or not isinstance(
            adjustment, (int, float)):
        raise ValueError('adjustment %r for %s is not a number'
                         % (adjustment, adjustment_type))
    if adjustment != adjustment or adjustment in (
            float('inf'), float('-inf')) or int(adjustment) != adjustment:
        raise ValueError('adjustment %r for %s must be a whole number of '
                         'members' % (adjustment, adjustment_type))
    return int(adjustment)


def percent_step(current, adjustment):
    """The member step a percent adjustment makes from ``current``.

    ``d = current * adjustment / 100.0``: ``|d| < 1`` rounds away from zero,
    anything larger truncates toward zero. The direction is the sign of
    ``adjustment`` (the fix that lets a percent policy grow an empty group);
    a 0% adjustment is a step of 0.
    """
    if not adjustment:
        return 0
    d = current * adjustment / 100.0
    if -1.0 < d < 1.0:
        return 1 if adjustment > 0 else -1
    return int(d)


def apply_min_step(step, min_adjustment_step):
    """``step`` raised to at least ``min_adjustment_step`` members.

    The direction of ``step`` is kept; a zero step, or a missing or zero
    minimum, leaves ``step`` as it is.
    """
    if min_adjustment_step and step and min_adjustment_step > abs(step):
        return min_adjustment_step if step > 0 else -min_adjustment_step
    return step


def new_capacity(current, adjustment, adjustment_type,
                 min_adjustment_step=None, lower=None, upper=None):
    """The capacity after applying one adjustment to ``current``.

    :param current: the capacity the adjustment starts from (int >= 0)
    :param adjustment: members (change), the capacity (exact) or a percent
        of ``current`` (percent; may be fractional)
    :param adjustment_type: a HOT or CFN adjustment type name
    :param min_adjustment_step: the smallest step a percent adjustment
        makes, in members (None or 0: no minimum). Percent types only; it
        is ignored for the others, as upstream does.
    :param lower: the lowest capacity allowed (None: unbounded)
    :param upper: the highest capacity allowed (None: unbounded)
    :returns: the new capacity as an int
    :raises ValueError: for an unknown adjustment type, or a change or
        exact adjustment that is not a whole number

    Crossed bounds (``lower > upper``) are not checked here, to keep this
    fast; as upstream, a value above ``upper`` gives ``upper`` and one
    below ``lower`` gives ``lower``. :func:`decide_capacity` and
    :func:`clamp` refuse them.
    """
    try:
        kind = _HOT_NAME[adjustment_type]
    except (KeyError, TypeError):
        kind = normalize_adjustment_type(adjustment_type)  # raises
    if kind is CHANGE_IN_CAPACITY:
        value = current + _whole(adjustment, kind)
    elif kind is EXACT_CAPACITY:
        value = _whole(adjustment, kind)
    else:
        step = percent_step(current, adjustment)
        if min_adjustment_step:
            step = apply_min_step(step, min_adjustment_step)
        value = current + step
    if upper is not None and value > upper:
        return upper
    if lower is not None and value < lower:
        return lower
    return value


class CapacityOutcome(typing.NamedTuple):
    """What :func:`decide_capacity` found.

    ``raw`` is the capacity the adjustment alone gives (before the minimum
    step and the bounds), ``desired`` the final capacity and ``steps`` the
    :class:`heat.scaling.decision.Step` records of each rule that applied:
    ``raw`` always, ``min_adjustment_step`` and ``clamp`` only when they
    changed the capacity.
    """

    desired: int
    raw: int
    steps: tuple


def _signed(x):
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return '%+d' % x if isinstance(x, int) else '%+g' % x


def describe_adjustment(adjustment, adjustment_type):
    """A short human form of an adjustment: ``+1``, ``-25%`` or ``= 4``."""
    kind = normalize_adjustment_type(adjustment_type)
    if kind == EXACT_CAPACITY:
        return '= %s' % (adjustment,)
    if kind == PERCENT_CHANGE_IN_CAPACITY:
        return _signed(adjustment) + '%'
    return _signed(adjustment)


def decide_capacity(current, adjustment, adjustment_type,
                    min_adjustment_step=None, lower=None, upper=None):
    """:func:`new_capacity` with the record of how it got there.

    Same arguments and errors as :func:`new_capacity`; returns a
    :class:`CapacityOutcome` whose ``desired`` always equals
    ``new_capacity(...)`` and whose ``steps`` explain it for a
    :class:`heat.scaling.decision.Decision`.
    """
    kind = normalize_adjustment_type(adjustment_type)
    if kind is CHANGE_IN_CAPACITY:
        raw = value = current + _whole(adjustment, kind)
        steps = [dec.Step('raw', raw, 'change_in_capacity %+d: %d -> %d'
                          % (raw - current, current, raw))]
    elif kind is EXACT_CAPACITY:
        raw = value = _whole(adjustment, kind)
        steps = [dec.Step('raw', raw, 'exact_capacity %d: %d -> %d'
                          % (raw, current, raw))]
    else:
        step = percent_step(current, adjustment)
        raw = current + step
        steps = [dec.Step('raw', raw, '%s %s of %d is %g members, rounded '
                          'to %+d: %d -> %d' % (
                              kind, _signed(adjustment) + '%', current,
                              current * adjustment / 100.0, step, current,
                              raw))]
        stepped = apply_min_step(step, min_adjustment_step)
        value = current + stepped
        if stepped != step:
            steps.append(dec.Step(
                'min_adjustment_step', value,
                'step %+d is smaller than min_adjustment_step %d: %d -> %d'
                % (step, min_adjustment_step, current, value)))
    if lower is not None and upper is not None and lower > upper:
        clamp(value, lower, upper)  # raises
    if upper is not None and value > upper:
        final = upper
    elif lower is not None and value < lower:
        final = lower
    else:
        return CapacityOutcome(value, raw, tuple(steps))
    steps.append(dec.Step('clamp', final, '%d is outside [%s, %s]: '
                          'clamped to %d' % (value, _bound(lower),
                                             _bound(upper), final)))
    return CapacityOutcome(final, raw, tuple(steps))


def _bound(b):
    return 'unbounded' if b is None else b
