"""Member planning: which members to create, remove or update.

This module owns the step from "the group should have N members" to a
concrete, minimal plan the AS engine's converger applies to the group's
nested stack:

* :func:`plan_resize`: a scale-out creates exactly the missing members,
  named by :func:`short_id`, at the current definition generation; a
  scale-in removes victims chosen by :mod:`heat.scaling.removal`. Existing
  members keep their generation (a plain resize never updates anyone).
* :func:`plan_batch`: one batch of a rolling update (sizes from
  :mod:`heat.scaling.rolling_update`), by upstream's
  ``member_definitions`` rule (:func:`member_definitions`).

Cost: a scale-out by ``k`` costs O(k) when the caller passes the existing
names as a container with O(1) membership (a ``set`` or a ``dict``); the
library never walks the N members for it. A scale-in by ``k`` costs
O(N log k) (see :func:`heat.scaling.removal.choose_victims`). A rolling
batch orders all members, O(N log N): it rewrites members anyway.

Names: upstream names scaling-group members with ``short_id.generate_id()``
(12 lowercase base32 characters taken from a random UUID). We draw the same
shape from the generator the caller injects, so a seeded generator gives
stable names and tests can pin them.
"""

import dataclasses
import operator
from typing import Optional

from heat.scaling import removal as rm

_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
_NAME_BITS = 60         # 12 base32 characters of 5 bits
_MAX_TRIES = 1000


def short_id(rng):
    """A 12-character lowercase base32 name (``a-z``, ``2-7``).

    :param rng: a ``random.Random``-like generator (``getrandbits``)
    """
    bits = rng.getrandbits(_NAME_BITS)
    chars = []
    for _ in range(12):
        chars.append(_ALPHABET[bits & 31])
        bits >>= 5
    return ''.join(reversed(chars))


def new_names(count, rng, taken=()):
    """``count`` fresh names from :func:`short_id`, none in ``taken``.

    ``taken`` should offer O(1) membership (a set or dict) for the O(k)
    cost; names drawn here never repeat each other either.

    :raises RuntimeError: if the generator keeps repeating taken names (a
        broken generator; with 60 random bits a collision is
        astronomically rare)
    """
    fresh = []
    drawn = set()
    for _ in range(count):
        for _ in range(_MAX_TRIES):
            name = short_id(rng)
            if name not in taken and name not in drawn:
                break
        else:
            raise RuntimeError('no unused member name after %d tries'
                               % _MAX_TRIES)
        drawn.add(name)
        fresh.append(name)
    return fresh


def member_definitions(old, generation, count, num_new, new_name):
    """Upstream's ``member_definitions`` rule, on generations.

    :param old: ``(name, generation)`` pairs of the existing members,
        ordered first-to-remove (and first-to-update) first
    :param generation: the generation of the new definition
    :param count: how many members the group should have
    :param num_new: how many members should get the new definition in this
        step, counting created members; existing members make up the rest
    :param new_name: a function returning the next new member's name
    :returns: an iterator of ``(name, generation)`` pairs, ``count`` long

    The last ``count`` of ``old`` are kept (the first ones are removed);
    missing members are created at ``generation``; then up to ``num_new -
    created`` kept members whose generation differs are switched to
    ``generation``, from the front. ``num_new=0`` is a plain resize: no
    existing member changes.
    """
    kept = old[len(old) - count:] if count < len(old) else old
    if count <= 0:
        kept = []
    to_switch = num_new - (count - len(kept))
    for name, gen in kept:
        if gen != generation and to_switch > 0:
            to_switch -= 1
            yield name, generation
        else:
            yield name, gen
    for _ in range(count - len(kept)):
        yield new_name(), generation


@dataclasses.dataclass(frozen=True)
class MemberPlan:
    """What the converger should do to reach a member count.

    ``create`` lists the names of members to create at ``generation``;
    ``remove`` the members to delete, first victim first; ``update`` the
    members to switch to ``generation``. ``shortfall`` counts the members
    that should have gone but are protected from scale-in.
    """

    generation: int
    create: tuple = ()
    remove: tuple = ()
    update: tuple = ()
    shortfall: int = 0

    @property
    def empty(self):
        """True when there is nothing to do."""
        return not (self.create or self.remove or self.update)


def plan_resize(members, target, generation, rng, names=None,
                policy=rm.DEFAULT, balance_zones=False):
    """A minimal plan to bring the group to ``target`` members.

    :param members: the group's current members, a sized collection of
        :class:`heat.scaling.removal.Member` (FAILED ones included: they
        count, and are the first to go, as upstream)
    :param target: the member count to reach
    :param generation: the current definition generation, for new members
    :param rng: a ``random.Random``-like generator for names (and for the
        ``random`` removal policy)
    :param names: the existing member names as a container with O(1)
        membership; without it a scale-out builds one from ``members``
        (O(N))
    :param policy: the removal policy (see :mod:`heat.scaling.removal`)
    :param balance_zones: balance zones when removing
    :returns: :class:`MemberPlan`
    :raises ValueError: for a negative target
    """
    if target < 0:
        raise ValueError('target %r must not be negative' % (target,))
    n = len(members)
    if target > n:
        if names is None:
            names = {m.name for m in members}
        return MemberPlan(generation,
                          create=tuple(new_names(target - n, rng, names)))
    if target < n:
        victims = rm.choose_victims(members, n - target, policy, rng,
                                    balance_zones)
        return MemberPlan(generation, remove=tuple(victims),
                          shortfall=n - target - len(victims))
    return MemberPlan(generation)


def plan_batch(members, size, num_new, generation, rng, names=None):
    """One batch of a rolling update, by upstream's rule.

    :param members: the group's current members (FAILED included)
    :param size: the group's size after the batch (``group_size`` of
        :func:`heat.scaling.rolling_update.batches`)
    :param num_new: members to give the new definition in this batch
        (``num_to_update``)
    :param generation: the new definition's generation
    :param rng: generator for new names
    :param names: existing names with O(1) membership (optional)
    :returns: :class:`MemberPlan`. Members are ordered as upstream
        orders them (FAILED first, then oldest, then by name): the front
        ones are removed when the batch shrinks the group, and the
        front-most out-of-date members are switched to ``generation``.
        A member updated in place keeps its age, as a provider-template
        member does upstream; the caller recomputes the next batch from
        the group's real state (:func:`heat.scaling.rolling_update.
        next_batch` with the count of members at ``generation``), so a
        rolling update always ends with every member updated. Protection
        from scale-in does not apply: a rolling update replaces
        definitions, and removes only temporary extra members.
    """
    key = operator.attrgetter('rank')

    ordered = sorted(members, key=key)
    by_name = {m.name: m for m in ordered}
    if names is None:
        names = by_name
    pending = []
    pending_set = set()

    def make_name():
        name = new_names(1, rng, _Union(names, pending_set))[0]
        pending.append(name)
        pending_set.add(name)
        return name

    pairs = [(m.name, m.generation) for m in ordered]
    result = list(member_definitions(pairs, generation, size, num_new,
                                     make_name))
    kept = set()
    update = []
    for name, gen in result:
        member = by_name.get(name)
        if member is None:
            continue
        kept.add(name)
        if gen != member.generation:
            update.append(member)
    remove = tuple(m for m in ordered if m.name not in kept)
    return MemberPlan(generation, create=tuple(pending), remove=remove,
                      update=tuple(update))


class _Union:
    """Membership in either of two containers, without copying them."""

    __slots__ = ('a', 'b')

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __contains__(self, item):
        return item in self.a or item in self.b


def generation_counts(members, generation: Optional[int] = None):
    """``(up_to_date, total)``: members at ``generation`` and all members.

    With ``generation`` None, the highest generation among ``members``.
    Useful as the ``updated`` argument of
    :func:`heat.scaling.rolling_update.next_batch`.
    """
    members = list(members)
    if generation is None:
        generation = max((m.generation for m in members), default=0)
    return sum(1 for m in members if m.generation == generation), len(members)
