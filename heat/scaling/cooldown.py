"""Cooldown: whether a group may scale now, and until when it cools down.

This module owns three rules:

* **Sanitising** a cooldown: None or negative counts as 0 seconds, as in
  upstream's ``CooldownMixin._sanitize_cooldown``.
* **Which cooldown applies** to a policy-driven scale
  (:func:`effective_cooldown`). Upstream's ``adjust()`` uses the policy's
  ``cooldown`` when the policy has one and the group's otherwise
  (:data:`POLICY_OR_GROUP`), and writes ``cooldown_end = max(old_end, now
  + cooldown)`` (:func:`next_cooldown_end`). Because upstream also writes
  ``now + group cooldown`` after every create and update of the group, users
  observe the effective cooldown as the larger of the two
  (:data:`MAX_OF_GROUP_AND_POLICY`). Both are offered; **our engine uses
  POLICY_OR_GROUP** (the default of :class:`heat.scaling.simple.
  SimplePolicy`), which is upstream's arithmetic for a scale step and lets a
  policy deliberately cool down for less than its group.
* **The verdict** (:func:`verdict`): is a trigger allowed now?

  - ``now < cooldown_end`` (the shared end, or the end for the direction of
    the change when the group keeps separate scale-up and scale-down ends):
    rejected with :data:`~heat.scaling.decision.REJECT_COOLDOWN`, until that
    end. Upstream checks a recorded end whatever the policy's own cooldown.
  - An activity in progress and a cooldown > 0: rejected with
    :data:`~heat.scaling.decision.REJECT_IN_PROGRESS`. Upstream drops such a
    trigger silently; we reject it with a recorded reason.
  - An activity in progress and a cooldown of 0: allowed (**coalescing**).
    The AS engine adjusts the desired capacity atomically and the converger
    chases the latest value; upstream drops the trigger instead.

Times are POSIX seconds passed in by the caller.
"""

import typing

from heat.scaling import decision as dec

#: The policy's cooldown when it has one (not None), else the group's.
POLICY_OR_GROUP = 'policy_or_group'
#: The larger of the group's and the policy's cooldown.
MAX_OF_GROUP_AND_POLICY = 'max_of_group_and_policy'
COOLDOWN_RULES = (POLICY_OR_GROUP, MAX_OF_GROUP_AND_POLICY)

#: Directions of a change, for direction-specific cooldowns.
UP, NONE, DOWN = 1, 0, -1

#: The :class:`heat.scaling.state.GroupState` field each cooldown end
#: lives in.
SHARED_END = 'cooldown_end'
SCALE_UP_END = 'scale_up_cooldown_end'
SCALE_DOWN_END = 'scale_down_cooldown_end'


def sanitize(cooldown):
    """``cooldown`` in seconds, with None and negative values as 0."""
    if cooldown is None or cooldown < 0:
        return 0
    return cooldown


def effective_cooldown(group_cooldown, policy_cooldown,
                       rule=POLICY_OR_GROUP):
    """The cooldown (seconds) a policy's scale starts.

    :param group_cooldown: the group's ``cooldown`` (None: 0)
    :param policy_cooldown: the policy's ``cooldown`` (None: not set)
    :param rule: :data:`POLICY_OR_GROUP` (upstream's ``adjust()``: the
        policy's cooldown unless it is None, then the group's) or
        :data:`MAX_OF_GROUP_AND_POLICY` (the larger of the two, which is
        what upstream users observe because create and update also start
        a group cooldown)
    :raises ValueError: for an unknown rule
    """
    if rule == POLICY_OR_GROUP:
        if policy_cooldown is None:
            return sanitize(group_cooldown)
        return sanitize(policy_cooldown)
    if rule == MAX_OF_GROUP_AND_POLICY:
        return max(sanitize(group_cooldown), sanitize(policy_cooldown))
    raise ValueError('Unknown cooldown rule %r: allowed values are %s'
                     % (rule, ', '.join(COOLDOWN_RULES)))


def next_cooldown_end(old_end, now, cooldown):
    """The cooldown end after a scale at ``now``: ``max(old_end, now+c)``.

    A later end already recorded (say by a longer group cooldown) is never
    shortened, as upstream's ``_finished_scaling`` does.
    """
    end = now + sanitize(cooldown)
    if old_end is not None and old_end > end:
        return old_end
    return end


def end_field(direction, separate):
    """The GroupState field a change in ``direction`` cools down.

    :param direction: :data:`UP`, :data:`DOWN` or :data:`NONE`
    :param separate: the policy uses a direction-specific cooldown
    """
    if separate and direction > 0:
        return SCALE_UP_END
    if separate and direction < 0:
        return SCALE_DOWN_END
    return SHARED_END


def _sign(x):
    return (x > 0) - (x < 0)


class Verdict(typing.NamedTuple):
    """Whether a trigger may scale now.

    ``rejection`` is None when ``allowed``, else a ``REJECT_*`` code;
    ``until`` is the cooldown end that blocks it (None otherwise); ``reason``
    says the same in words.
    """

    allowed: bool
    rejection: typing.Optional[str]
    reason: str
    until: typing.Optional[float] = None


_ALLOWED = Verdict(True, None, 'not cooling down')


def blocking_end(group, now, direction=NONE):
    """The latest cooldown end still ahead of ``now`` for ``direction``.

    The shared ``cooldown_end`` always counts; ``scale_up_cooldown_end``
    counts for a change up and ``scale_down_cooldown_end`` for a change
    down. None when nothing blocks.
    """
    end = group.cooldown_end
    if direction > 0 and group.scale_up_cooldown_end is not None:
        if end is None or group.scale_up_cooldown_end > end:
            end = group.scale_up_cooldown_end
    elif direction < 0 and group.scale_down_cooldown_end is not None:
        if end is None or group.scale_down_cooldown_end > end:
            end = group.scale_down_cooldown_end
    if end is not None and now < end:
        return end
    return None


def verdict(group, now, cooldown, direction=NONE):
    """May ``group`` scale at ``now`` in ``direction``?

    :param group: :class:`heat.scaling.state.GroupState`
    :param now: POSIX seconds
    :param cooldown: the cooldown (seconds) of the policy about to act,
        see :func:`effective_cooldown`; it decides whether a trigger during
        an activity is rejected (> 0) or coalesced (0)
    :param direction: the sign of the change (:data:`UP`, :data:`DOWN`,
        :data:`NONE`); selects the direction-specific cooldown end
    :returns: :class:`Verdict`. A cooldown end still ahead of ``now`` is
        reported before an activity in progress.
    """
    end = blocking_end(group, now, _sign(direction))
    if end is not None:
        return Verdict(False, dec.REJECT_COOLDOWN,
                       'cooldown until %s' % dec.iso(end), end)
    if group.in_progress:
        if cooldown is not None and cooldown > 0:
            return Verdict(False, dec.REJECT_IN_PROGRESS,
                           'a scaling activity is in progress (cooldown '
                           '%gs)' % cooldown)
        return Verdict(True, None, 'a scaling activity is in progress; '
                       'cooldown 0: coalesced into the desired capacity')
    return _ALLOWED
