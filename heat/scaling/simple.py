"""Simple scaling: one fixed adjustment per trigger, then a cooldown.

This module owns the simple policy kind, the one upstream Heat has
(``OS::Heat::ScalingPolicy`` and ``AWS::AutoScaling::ScalingPolicy``): each
alarm or signal applies ``scaling_adjustment`` of ``adjustment_type`` to the
group's capacity (see :mod:`heat.scaling.capacity` for the arithmetic), and
an accepted change starts a cooldown (see :mod:`heat.scaling.cooldown`).

:class:`SimplePolicy` validates its properties when built, with upstream's
messages where upstream has one, and refuses what upstream lets through by
mistake: a fractional ``scaling_adjustment`` for a change or exact type
(upstream computes a fractional group size from it).

:func:`decide` is the hot path of the AS engine; it is a handful of
comparisons, the capacity arithmetic and one :class:`~heat.scaling.decision.
Decision`. Its order of rules:

1. a suspended group rejects (``suspended``);
2. the cooldown verdict: a cooldown end ahead rejects (``cooldown``), an
   activity in progress rejects when the cooldown is > 0 (``in_progress``)
   and is coalesced when it is 0;
3. the capacity arithmetic, recorded step by step;
4. no change rejects: ``at_max`` when the adjustment pointed up, ``at_min``
   when it pointed down, ``no_change`` otherwise (upstream's silent
   ``NoActionRequired``);
5. otherwise the decision is accepted and carries the new cooldown end.

Upstream computes the capacity before it checks the cooldown, so an
unchanged capacity there is never reported as a cooldown; we report the
cooldown first because it is the reason that holds for the whole window.
"""

import dataclasses
import math
import numbers
from typing import Optional

from heat.scaling import capacity as cap
from heat.scaling import cooldown as cd
from heat.scaling import decision as dec

_CFN_NAMES = {
    'adjustment_type': 'AdjustmentType',
    'scaling_adjustment': 'ScalingAdjustment',
    'min_adjustment_step': 'MinAdjustmentStep',
    'cooldown': 'Cooldown',
}


def _is_number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


@dataclasses.dataclass(frozen=True)
class SimplePolicy:
    """A simple scaling policy.

    :param adjustment_type: HOT or CFN adjustment type; stored as its HOT
        name
    :param scaling_adjustment: members to add (negative: remove), the
        capacity to set, or the percent of the capacity to add
    :param min_adjustment_step: the smallest step of a percent adjustment
        (percent types only, as upstream)
    :param cooldown: seconds the group cools down after this policy scales
        it (None: the group's cooldown, see ``cooldown_rule``)
    :param scale_up_cooldown: when set, a scale up by this policy cools
        down only scale-ups, for this many seconds (kept in the group's
        ``scale_up_cooldown_end``)
    :param scale_down_cooldown: the same for scale-downs
    :param cooldown_rule: :data:`heat.scaling.cooldown.POLICY_OR_GROUP`
        (default, upstream's ``adjust()``) or
        :data:`heat.scaling.cooldown.MAX_OF_GROUP_AND_POLICY`
    :param name: the policy's name, recorded in decisions
    :raises ValueError: naming the property and the offending value
    """

    adjustment_type: str
    scaling_adjustment: float
    min_adjustment_step: Optional[int] = None
    cooldown: Optional[float] = None
    scale_up_cooldown: Optional[float] = None
    scale_down_cooldown: Optional[float] = None
    cooldown_rule: str = cd.POLICY_OR_GROUP
    name: str = 'simple'

    def __post_init__(self):
        cfn = self.adjustment_type in cap.CFN_ADJUSTMENT_TYPES

        def prop(name):
            return _CFN_NAMES.get(name, name) if cfn else name

        kind = cap.normalize_adjustment_type(self.adjustment_type)
        object.__setattr__(self, 'adjustment_type', kind)
        adj = self.scaling_adjustment
        if not _is_number(adj) or math.isnan(adj) or math.isinf(adj):
            raise ValueError('%s %r is not a number'
                             % (prop('scaling_adjustment'), adj))
        if kind != cap.PERCENT_CHANGE_IN_CAPACITY:
            if int(adj) != adj:
                raise ValueError(
                    '%s %r must be a whole number for %s %s: groups grow '
                    'and shrink by whole members'
                    % (prop('scaling_adjustment'), adj,
                       prop('adjustment_type'), self._type_name(cfn)))
            object.__setattr__(self, 'scaling_adjustment', int(adj))
        step = self.min_adjustment_step
        if step is not None:
            if kind != cap.PERCENT_CHANGE_IN_CAPACITY:
                # Upstream's ResourcePropertyValueDependency message.
                raise ValueError(
                    '%s property should only be specified for %s with '
                    'value %s.' % (
                        prop('min_adjustment_step'), prop('adjustment_type'),
                        cap.CFN_PERCENT_CHANGE_IN_CAPACITY if cfn
                        else cap.PERCENT_CHANGE_IN_CAPACITY))
            if not _is_number(step) or int(step) != step or step < 0:
                raise ValueError('%s %r must be a whole number >= 0'
                                 % (prop('min_adjustment_step'), step))
            object.__setattr__(self, 'min_adjustment_step', int(step))
        for field in ('cooldown', 'scale_up_cooldown', 'scale_down_cooldown'):
            value = getattr(self, field)
            if value is not None and (not _is_number(value) or
                                      math.isnan(value)):
                raise ValueError('%s %r is not a number of seconds'
                                 % (prop(field), value))
        if self.cooldown_rule not in cd.COOLDOWN_RULES:
            raise ValueError('cooldown_rule %r: allowed values are %s'
                             % (self.cooldown_rule,
                                ', '.join(cd.COOLDOWN_RULES)))
        # Not a field: a cache of describe() for the hot path.
        text = cap.describe_adjustment(adj, kind).replace('= ', '')
        object.__setattr__(self, '_text', '%s %s' % (kind, text))

    def _type_name(self, cfn):
        if not cfn:
            return self.adjustment_type
        return dict(zip(cap.ADJUSTMENT_TYPES,
                        cap.CFN_ADJUSTMENT_TYPES))[self.adjustment_type]

    def describe(self):
        """The adjustment in words: ``change_in_capacity +1``,
        ``percent_change_in_capacity -25%``, ``exact_capacity 4``."""
        return self._text

    def direction(self, current):
        """The sign of the change this policy asks for from ``current``."""
        adj = self.scaling_adjustment
        if self.adjustment_type == cap.EXACT_CAPACITY:
            adj = adj - current
        return (adj > 0) - (adj < 0)

    def cooldown_for(self, group_cooldown, direction):
        """``(seconds, separate)``: the cooldown a change in ``direction``
        starts, and whether it is a direction-specific one."""
        if direction > 0 and self.scale_up_cooldown is not None:
            return cd.sanitize(self.scale_up_cooldown), True
        if direction < 0 and self.scale_down_cooldown is not None:
            return cd.sanitize(self.scale_down_cooldown), True
        return cd.effective_cooldown(group_cooldown, self.cooldown,
                                     self.cooldown_rule), False


def cooldown_end_field(policy, decision):
    """The :class:`~heat.scaling.state.GroupState` field in which the AS
    engine stores ``decision.cooldown_end``: ``cooldown_end``, or
    ``scale_up_cooldown_end`` / ``scale_down_cooldown_end`` when ``policy``
    has a cooldown for the direction it pushes the group in."""
    direction = policy.direction(decision.current)
    return cd.end_field(direction, policy.cooldown_for(0, direction)[1])


def decide(group, policy, now, trigger=None):
    """Decide what one trigger of ``policy`` does to ``group`` at ``now``.

    :param group: :class:`heat.scaling.state.GroupState`; decisions start
        from ``group.capacity``
    :param policy: :class:`SimplePolicy`
    :param now: POSIX seconds
    :param trigger: the signal's details (JSON-serialisable), recorded in
        the decision's inputs; a simple policy acts whatever the alarm
        state, as upstream does
    :returns: :class:`heat.scaling.decision.Decision`; an accepted one
        carries ``cooldown_end`` (store it in the field
        :func:`cooldown_end_field` names)
    """
    current = group.capacity
    direction = policy.direction(current)
    seconds, separate = policy.cooldown_for(group.cooldown, direction)
    inputs = {
        'policy': policy.name, 'kind': 'simple',
        'adjustment_type': policy.adjustment_type,
        'scaling_adjustment': policy.scaling_adjustment,
        'min_adjustment_step': policy.min_adjustment_step,
        'cooldown': seconds,
        'min_size': group.min_size, 'max_size': group.max_size,
        'now': now,
    }
    if trigger is not None:
        inputs['trigger'] = trigger
    if group.suspended:
        return _reject(current, inputs, (), dec.REJECT_SUSPENDED,
                       'rejected: scaling is suspended')
    v = cd.verdict(group, now, seconds, direction)
    if not v.allowed:
        # the end that blocks it (None: an activity in progress)
        return _reject(current, inputs,
                       (dec.Step('cooldown', None, v.reason),),
                       v.rejection, 'rejected: ' + v.reason,
                       cooldown_end=v.until)
    outcome = cap.decide_capacity(current, policy.scaling_adjustment,
                                  policy.adjustment_type,
                                  policy.min_adjustment_step,
                                  group.min_size, group.max_size)
    steps = outcome.steps
    if group.in_progress:
        steps = (dec.Step('cooldown', None, v.reason),) + steps
    desired = outcome.desired
    what = policy.describe()
    if desired == current:
        last = steps[-1]
        unclamped = steps[-2].capacity if last.name == 'clamp' \
            else last.capacity
        if unclamped > current:
            return _reject(current, inputs, steps, dec.REJECT_AT_MAX,
                           'rejected: %s: already at max_size %d'
                           % (what, group.max_size))
        if unclamped < current:
            return _reject(current, inputs, steps, dec.REJECT_AT_MIN,
                           'rejected: %s: already at min_size %d'
                           % (what, group.min_size))
        return _reject(current, inputs, steps, dec.REJECT_NO_CHANGE,
                       'rejected: %s: capacity is already %d'
                       % (what, current))
    field = cd.end_field(direction, separate)
    end = cd.next_cooldown_end(getattr(group, field), now, seconds)
    steps += (dec.Step('cooldown', None, 'cooldown %gs starts: %s is now '
                       '+ %gs' % (seconds, field, end - now)),)
    if steps[-2].name == 'clamp':
        reason = '%s: %d -> %d (clamped to %s %d)' % (
            what, current, desired,
            'max_size' if desired == group.max_size else 'min_size',
            desired)
    else:
        reason = '%s: %d -> %d' % (what, current, desired)
    # Built directly rather than through DecisionBuilder: this is the hot
    # path, and desired != current was checked above.
    return dec.Decision(True, current, desired, reason, inputs, steps, None,
                        end)


def _reject(current, inputs, steps, code, reason, cooldown_end=None):
    return dec.Decision(False, current, current, reason, inputs, steps, code,
                        cooldown_end)
