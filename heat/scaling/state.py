"""The state of a scaling group as the library sees it.

The AS engine builds a :class:`GroupState` from its tables and passes it,
with a policy, the trigger and the current time, to a decision function.
The library never stores it.
"""

import dataclasses
from typing import Optional


@dataclasses.dataclass(frozen=True)
class GroupState:
    """A group's sizing and damping state at one instant.

    ``capacity`` is the capacity decisions start from: the group's desired
    capacity (the AS engine's choice), or, for upstream-compatible
    behaviour, its count of members that are not FAILED.
    """

    capacity: int
    min_size: int
    max_size: int
    #: Group cooldown in seconds (None or negative count as 0).
    cooldown: Optional[float] = 0
    #: POSIX time until which the group cools down (shared by both
    #: directions unless the direction-specific ends are used).
    cooldown_end: Optional[float] = None
    #: Direction-specific cooldown ends, when the group uses separate
    #: scale-up and scale-down cooldowns.
    scale_up_cooldown_end: Optional[float] = None
    scale_down_cooldown_end: Optional[float] = None
    #: An activity is being applied right now.
    in_progress: bool = False
    #: Scaling is suspended (the group or its stack is suspended).
    suspended: bool = False

    def __post_init__(self):
        if self.min_size < 0:
            raise ValueError('min_size %r must not be negative'
                             % self.min_size)
        if self.min_size > self.max_size:
            raise ValueError('min_size %r is greater than max_size %r'
                             % (self.min_size, self.max_size))
        if self.capacity < 0:
            raise ValueError('capacity %r must not be negative'
                             % self.capacity)
