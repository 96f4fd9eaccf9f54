"""Rolling updates: batch sizes, pauses, and the update timeout check.

This module owns the arithmetic of replacing a group's members with a new
definition a batch at a time, identical to upstream Heat
(``heat/scaling/rolling_update.py`` and the ``_get_batches`` /
``_update_timeout`` helpers of ``InstanceGroup`` and ``ResourceGroup``):

* :func:`needs_update` and :func:`next_batch`: one step of the update.
  ``next_batch`` may grow the group above its target for a while, so that
  ``min_in_service`` members keep serving while others are replaced.
* :func:`batches`: every batch of a scaling group's update (the rule of
  ``InstanceGroup``, which ``AWS::AutoScaling::AutoScalingGroup`` and
  ``OS::Heat::AutoScalingGroup`` inherit) and
  :func:`resource_group_batches`: ``ResourceGroup``'s rule, which does
  not count the temporary extra members as updated.
* :func:`resource_group_assemble`: which members of a ``ResourceGroup``
  hold the new definition after each batch (members are named by index;
  higher indices are updated first; names on the skip list are never
  used).
* Pauses: :func:`parse_iso_duration` and :func:`aws_pause_time` for the
  ``PauseTime`` of AWS groups and ``OS::Heat::InstanceGroup`` (ISO-8601
  ``PT#H#M#S``, at most one hour), :func:`os_pause_time` for the
  ``pause_time`` (seconds) of OS groups.
* :func:`update_timeout`: the whole update fails up front when the pauses
  alone (``(batches - 1) * pause``) reach the stack timeout; otherwise
  each batch may take what is left.
"""

import re

from heat.scaling import members as mb

_ISO_DURATION = re.compile(r'PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?\Z')

#: Upstream's longest PauseTime for AWS groups and InstanceGroup, seconds.
MAX_AWS_PAUSE = 3600


def needs_update(target, current, updated):
    """Whether a rolling update has more batches to do.

    :param target: the size the group should end at
    :param current: the group's size now
    :param updated: how many members already have the new definition
    :returns: False once the group is at ``target`` and every member is
        up to date
    """
    return not (updated >= current == target)


def next_batch(target, current, updated, batch_size, min_in_service):
    """The next batch of a rolling update: ``(new_size, num_to_update)``.

    ``new_size`` is the group's size after the batch and ``num_to_update``
    how many members get the new definition in it, by creating new members
    or updating existing ones. With ``min_in_service`` members to keep
    serving, the group grows above ``target`` while they are replaced.

    :param target: the size the group should end at
    :param current: the group's size now
    :param updated: members that already have the new definition
        (at most ``current``)
    :param batch_size: the most members to update at once
    :param min_in_service: members to keep in service meanwhile
    :raises ValueError: when ``updated`` exceeds ``current``
    """
    if updated > current:
        raise ValueError('%d members up to date is more than the %d in the '
                         'group' % (updated, current))
    keep = min(min_in_service, target, current)
    size = min(batch_size, max(target - updated, 0))
    return size + max(min(current, target - size), keep), size


def _check_batch_args(batch_size, min_in_service):
    if batch_size < 1:
        raise ValueError('batch size %r must be at least 1' % (batch_size,))
    if min_in_service < 0:
        raise ValueError('min in service %r must not be negative'
                         % (min_in_service,))


def batches(target, current, batch_size, min_in_service):
    """Every batch of a scaling group's rolling update, in order.

    Yields ``(group_size, num_to_update)`` tuples, as upstream
    ``InstanceGroup._get_batches`` does (and so both autoscaling groups):
    every member a batch creates or updates counts as up to date.

    :raises ValueError: for a batch size below 1 or a negative
        ``min_in_service`` (upstream would loop forever on a batch size
        of 0)
    """
    _check_batch_args(batch_size, min_in_service)
    updated = 0
    while needs_update(target, current, updated):
        current, num = next_batch(target, current, updated, batch_size,
                                  min_in_service)
        yield current, num
        updated += num


def resource_group_batches(target, current, batch_size, min_in_service):
    """Every batch of a ``ResourceGroup`` rolling update, in order.

    Like :func:`batches`, but members created above ``max(current,
    target)`` to keep ``min_in_service`` serving do not count as up to
    date (they are removed again at the end), as upstream
    ``ResourceGroup._get_batches`` does.
    """
    _check_batch_args(batch_size, min_in_service)
    updated = 0
    while needs_update(target, current, updated):
        size, num = next_batch(target, current, updated, batch_size,
                               min_in_service)
        yield size, num
        updated += num - max(size - max(current, target), 0)
        current = size


def resource_group_names(size, skip=()):
    """The first ``size`` member names of a ``ResourceGroup``.

    Members are named by index (``'0'``, ``'1'``, ...), skipping the names
    in ``skip`` (the group's removed/skip list).
    """
    names = []
    i = 0
    while len(names) < size:
        name = str(i)
        if name not in skip:
            names.append(name)
        i += 1
    return names


def resource_group_assemble(existing, size, target, max_updates,
                            generation, skip=()):
    """A ``ResourceGroup``'s members after one rolling-update batch.

    :param existing: ``(name, generation)`` pairs of the current members
    :param size: the group's size after the batch (``group_size`` of
        :func:`resource_group_batches`)
    :param target: the size the update ends at
    :param max_updates: ``num_to_update`` of the batch
    :param generation: the new definition's generation
    :param skip: names never used (the skip list); members with those
        names are left out
    :returns: ``(name, generation)`` pairs of the members after the batch

    Existing members whose names fall outside the first ``size`` names go
    first, then the members below ``target`` from the highest index down;
    members at or above ``target`` (temporary extras) are kept but not
    updated. New members take the lowest unused names.
    """
    names = resource_group_names(size, skip)
    index = {n: i for i, n in enumerate(names)}
    valid = [(n, g) for n, g in existing if n not in skip]

    def priority(item):
        i = index.get(item[0])
        if i is None:
            return 0            # not wanted any more: goes first
        if i < target:
            return target - i   # higher indices are updated first
        return size             # a temporary extra: never updated

    old = sorted(valid, key=priority)
    taken = {n for n, _ in valid}
    fresh = iter([n for n in names if n not in taken])
    return list(mb.member_definitions(old, generation, size, max_updates,
                                      lambda: next(fresh)))


def parse_iso_duration(text):
    """Seconds in an ISO-8601 duration of the form ``PT#H#M#S``.

    Year, month, week and day designators are not supported, as upstream.

    :raises ValueError: with upstream's message for anything else
    """
    m = _ISO_DURATION.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError('Only ISO 8601 duration format of the form '
                         'PT#H#M#S is supported.')
    h, mi, s = m.groups()
    return int(h or 0) * 3600 + int(mi or 0) * 60 + int(s or 0)


def aws_pause_time(text, name='PauseTime'):
    """Seconds of an AWS / InstanceGroup ``PauseTime`` (``PT#H#M#S``).

    :raises ValueError: for an unsupported duration, or one longer than
        one hour (upstream: "Maximum PauseTime is 1 hour.")
    """
    seconds = parse_iso_duration(text)
    if seconds > MAX_AWS_PAUSE:
        raise ValueError('Maximum %s is 1 hour.' % name)
    return seconds


def os_pause_time(value, name='pause_time'):
    """Seconds of an OS group's ``pause_time`` (a number >= 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError('%s %r is not a number of seconds' % (name, value))
    if value < 0 or value != value:
        raise ValueError('%s %r must not be negative' % (name, value))
    return value


def update_timeout(batch_count, pause, timeout):
    """The time each batch may take, after the pauses between batches.

    :param batch_count: the number of batches
    :param pause: seconds paused between two batches
    :param timeout: the stack timeout, seconds
    :returns: ``timeout - (batch_count - 1) * pause``
    :raises ValueError: with upstream's message when the pauses alone
        reach the timeout
    """
    total = pause * max(batch_count - 1, 0)
    if total >= timeout:
        raise ValueError('The current update policy will result in stack '
                         'update timeout.')
    return timeout - total
