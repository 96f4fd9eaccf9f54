"""Scale-in: which members go first.

This module owns the member record the library plans with
(:class:`Member`) and the choice of victims when a group shrinks.

Upstream Heat orders a group's members FAILED first, then oldest
``created_at``, then name (``heat/common/grouputils.py``), and removes
from the front of that order; ``resource.N`` and ``InstanceList`` follow
the same order. :func:`order_members` is that order and
:data:`DEFAULT` the removal policy that keeps it.

Beyond upstream, :func:`choose_victims` offers removal policies
(:data:`POLICIES`), scale-in protection and zone balancing:

* ``default``: FAILED first, then oldest, then name (upstream).
* ``oldest``: the same order under its AWS name (``OldestInstance``).
* ``newest``: FAILED first, then newest, then name.
* ``oldest_definition`` (also named ``oldest_generation``): FAILED
  first, then the lowest definition ``generation`` (members a rolling
  update has not reached yet), then upstream order.
* ``random``: FAILED first (in upstream order), then uniformly at random,
  drawn from the ``rng`` the caller passes (``random.Random`` or alike).

Every policy removes FAILED members first because a failed member serves
nothing; pass ``failed_first=False`` for the policy's order alone.

Protected members (``protected=True``) are never chosen. When fewer
members than asked for can be removed, :func:`choose_victims` returns all
that can be, and the caller reports the shortfall: the group then stays
above its desired capacity.

Zone balancing (``balance_zones=True``) removes failed members first as
above, then takes each further victim from the zone that has the most
members left (protected ones count: they stay in that zone; members
without a zone form one zone of their own), choosing inside the zone by
the policy; ties between zones go to the zone whose best candidate comes
first in the policy's order (for ``random``, to a zone drawn at random).

Cost: choosing ``k`` victims among ``N`` members is O(N log k), with or
without zone balancing: one pass with a bounded heap, never a full sort.
Each :class:`Member` carries its upstream sort key, computed once when it
is built, so the default order compares in C.
"""

import collections
import dataclasses
import heapq
import itertools
import operator
from typing import Optional

FAILED = 'FAILED'

#: Removal policies.
POLICIES = (DEFAULT, OLDEST, NEWEST, OLDEST_DEFINITION, RANDOM,
            OLDEST_GENERATION) = (
    'default', 'oldest', 'newest', 'oldest_definition', 'random',
    'oldest_generation')


@dataclasses.dataclass(frozen=True, slots=True)
class Member:
    """One member of a group, as the library sees it.

    :param name: the member's resource name in the group's nested stack
    :param status: its resource status, e.g. ``COMPLETE`` or ``FAILED``
        (``CREATE_FAILED`` style statuses count as FAILED too)
    :param created_at: POSIX seconds it was created
    :param generation: the definition generation it was built from (a
        rolling update makes a new generation)
    :param zone: its availability zone, for zone balancing
    :param protected: scale-in protection: never chosen for removal

    Derived when built (not arguments, not compared): ``failed``, True
    when the status is FAILED or ends in ``_FAILED``, and ``rank``, the
    member's key in upstream order ``(not failed, created_at, name)``.
    """

    name: str
    status: str = 'COMPLETE'
    created_at: float = 0.0
    generation: int = 0
    zone: Optional[str] = None
    protected: bool = False
    failed: bool = dataclasses.field(init=False, repr=False, compare=False)
    rank: tuple = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self):
        failed = self.status.endswith(FAILED)
        object.__setattr__(self, 'failed', failed)
        object.__setattr__(self, 'rank',
                           (not failed, self.created_at, self.name))


_rank = operator.attrgetter('rank')
_age = operator.attrgetter('created_at', 'name')
_protected = operator.attrgetter('protected')
_zone = operator.attrgetter('zone')


def _newest_key(m):
    return (not m.failed, -m.created_at, m.name)


def _newest_only(m):
    return (-m.created_at, m.name)


def _generation_key(m):
    return (not m.failed, m.generation, m.created_at, m.name)


def _generation_only(m):
    return (m.generation, m.created_at, m.name)


#: policy -> (key with FAILED first, key without)
_KEYS = {
    DEFAULT: (_rank, _age),
    OLDEST: (_rank, _age),
    NEWEST: (_newest_key, _newest_only),
    OLDEST_DEFINITION: (_generation_key, _generation_only),
    OLDEST_GENERATION: (_generation_key, _generation_only),
    RANDOM: (_rank, _age),
}


def order_members(members):
    """``members`` in upstream order: FAILED first, then oldest, then name.

    This is the order of ``resource.N``, ``refs`` and ``InstanceList``,
    and upstream's order of removal.
    """
    return sorted(members, key=_rank)


def removal_key(policy=DEFAULT, failed_first=True):
    """The sort key (a function of a :class:`Member`) of ``policy``.

    Members with smaller keys are removed first. ``random`` has no fixed
    key; its key is upstream order, used for its FAILED members.

    :raises ValueError: for an unknown policy
    """
    try:
        keys = _KEYS[policy]
    except (KeyError, TypeError):
        raise ValueError('Unknown removal policy %r: allowed values are %s'
                         % (policy, ', '.join(POLICIES))) from None
    return keys[0] if failed_first else keys[1]


def choose_victims(members, count, policy=DEFAULT, rng=None,
                   balance_zones=False, failed_first=True):
    """The members to remove when the group shrinks by ``count``.

    :param members: the group's members (any iterable of :class:`Member`)
    :param count: how many to remove (<= 0: none)
    :param policy: one of :data:`POLICIES`
    :param rng: a ``random.Random``-like generator; required for
        ``random``, unused otherwise
    :param balance_zones: take each victim from the zone with the most
        members left
    :param failed_first: remove FAILED members before any other (default)
    :returns: a list of distinct members, first victim first; shorter than
        ``count`` when too few members are unprotected
    :raises ValueError: for an unknown policy, or ``random`` without
        ``rng``
    """
    key = removal_key(policy, failed_first)
    if policy == RANDOM and rng is None:
        raise ValueError('removal policy random needs a random generator '
                         '(rng)')
    if count <= 0:
        return []
    if not isinstance(members, (list, tuple)):
        members = list(members)
    candidates = list(itertools.filterfalse(_protected, members))
    victims = []
    if failed_first and (policy == RANDOM or balance_zones):
        # FAILED members go first whatever the zone or the dice say.
        failed = [m for m in candidates if m.failed]
        if failed:
            victims = heapq.nsmallest(count, failed, key=key)
            if len(victims) == count:
                return victims
            candidates = [m for m in candidates if not m.failed]
    need = count - len(victims)
    if balance_zones:
        return victims + _balanced(members, candidates, need, key, policy,
                                   rng, failed_first)
    if policy == RANDOM:
        return victims + _sample(candidates, need, rng)
    return victims + heapq.nsmallest(need, candidates, key=key)


def _sample(pool, count, rng):
    if count >= len(pool):
        pool = list(pool)
        rng.shuffle(pool)
        return pool
    return rng.sample(pool, count)


def _balanced(members, candidates, count, key, policy, rng, failed_first):
    # Zone sizes count every member still serving there, protected ones
    # included: they stay in the zone. FAILED members are already gone.
    if failed_first:
        serving = itertools.filterfalse(operator.attrgetter('failed'),
                                        members)
    else:
        serving = members
    size = collections.Counter(map(_zone, serving))
    per_zone = collections.defaultdict(list)
    for m in candidates:
        per_zone[m.zone].append(m)
    # Only the first `count` candidates of a zone can ever be chosen.
    if policy == RANDOM:
        best = {z: _sample(ms, count, rng) for z, ms in per_zone.items()}

        def tie(m):
            return rng.random()
    else:
        best = {z: heapq.nsmallest(count, ms, key=key)
                for z, ms in per_zone.items()}
        tie = key
    seq = itertools.count()
    zones = [(-size[z], tie(ms[0]), next(seq), z, 0)
             for z, ms in best.items() if ms]
    heapq.heapify(zones)
    victims = []
    while zones and len(victims) < count:
        _, _, _, zone, i = heapq.heappop(zones)
        ms = best[zone]
        victims.append(ms[i])
        size[zone] -= 1
        if i + 1 < len(ms):
            heapq.heappush(zones, (-size[zone], tie(ms[i + 1]), next(seq),
                                   zone, i + 1))
    return victims
