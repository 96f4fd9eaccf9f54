"""Lifecycle hooks of a group: a new member waits before it serves, a
member chosen for scale-in waits before it goes.

Pure: no clock reads, no I/O. The AS engine keeps the waits.

A group's ``lifecycle_hooks`` is a list of at most one hook per
transition::

    [{"name": "warm-up",            # required, unique in the group
      "transition": "launch",       # launch | terminate
      "heartbeat_timeout": 3600,    # s a wait lasts without heartbeat
      "default_result": "ABANDON",  # CONTINUE | ABANDON at the timeout
      "notify_url": None,           # POSTed when a wait begins
      "metadata": None}]            # a string passed in the notification

``launch``: a member whose resource was created waits in
``PENDING_WAIT`` (it counts toward the capacity, it is not yet judged by
health checks); CONTINUE makes it ACTIVE, ABANDON fails it (the group
replaces it, as any failed member).

``terminate``: a member chosen by a scale-in waits in
``TERMINATING_WAIT`` (no longer counted: the scale-in is done as far as
capacity goes); CONTINUE or ABANDON lets its deletion go on. A scale-out
while members wait there cancels the waits of the newest ones (they are
ACTIVE again) instead of creating as many new members.

A heartbeat moves the wait's deadline to ``now + heartbeat_timeout``; at
the deadline the ``default_result`` applies.
"""

import dataclasses
import math
import urllib.parse
from typing import Optional

TRANSITIONS = (LAUNCH, TERMINATE) = ('launch', 'terminate')
RESULTS = (CONTINUE, ABANDON) = ('CONTINUE', 'ABANDON')
#: member statuses of a wait, by transition
WAIT_STATUS = {LAUNCH: 'PENDING_WAIT', TERMINATE: 'TERMINATING_WAIT'}
KEYS = ('name', 'transition', 'heartbeat_timeout', 'default_result',
        'notify_url', 'metadata')
#: AWS's limits of HeartbeatTimeout
MIN_TIMEOUT, MAX_TIMEOUT = 1, 7200 * 24


class InvalidHook(ValueError):
    """A bad hook; the message names where (``lifecycle_hooks[i].key``)."""


@dataclasses.dataclass(frozen=True)
class Hook:
    name: str
    transition: str
    heartbeat_timeout: float = 3600.0
    default_result: str = ABANDON
    notify_url: Optional[str] = None
    metadata: Optional[str] = None

    def to_dict(self):
        return {k: getattr(self, k) for k in KEYS}


def parse(data):
    """The hooks of ``data`` (None or ``[]``: none), by transition:
    ``{transition: Hook}``. InvalidHook names the offending entry."""
    if data is None:
        return {}
    if not isinstance(data, list):
        raise InvalidHook('lifecycle_hooks: %r is not a list' % (data,))
    out = {}
    names = set()
    for i, item in enumerate(data):
        where = 'lifecycle_hooks[%d]' % i
        if not isinstance(item, dict):
            raise InvalidHook('%s: %r is not a mapping' % (where, item))
        unknown = sorted(set(item) - set(KEYS))
        if unknown:
            raise InvalidHook('%s: unknown key %s (allowed: %s)' % (
                where, unknown[0], ', '.join(KEYS)))
        name = item.get('name')
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise InvalidHook('%s.name: %r is not a name (1-255 '
                              'characters)' % (where, name))
        if name in names:
            raise InvalidHook('%s.name: %r is the name of another hook'
                              % (where, name))
        names.add(name)
        transition = item.get('transition')
        if transition not in TRANSITIONS:
            raise InvalidHook('%s.transition: %r: allowed values are %s'
                              % (where, transition, ', '.join(TRANSITIONS)))
        if transition in out:
            raise InvalidHook('%s.transition: a second %s hook (one hook '
                              'per transition)' % (where, transition))
        timeout = item.get('heartbeat_timeout', 3600)
        if isinstance(timeout, bool) or not isinstance(
                timeout, (int, float)) or not math.isfinite(timeout) or \
                not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT:
            raise InvalidHook('%s.heartbeat_timeout: %r is not a number of '
                              'seconds from %d to %d' % (
                                  where, timeout, MIN_TIMEOUT, MAX_TIMEOUT))
        result = item.get('default_result', ABANDON)
        if result not in RESULTS:
            raise InvalidHook('%s.default_result: %r: allowed values are %s'
                              % (where, result, ', '.join(RESULTS)))
        url = item.get('notify_url')
        if url is not None:
            parts = urllib.parse.urlsplit(url) if isinstance(url, str) \
                else None
            if parts is None or parts.scheme not in ('http', 'https') or \
                    not parts.netloc:
                raise InvalidHook('%s.notify_url: %r is not an http(s) URL'
                                  % (where, url))
        metadata = item.get('metadata')
        if metadata is not None and (not isinstance(metadata, str) or
                                     len(metadata) > 4096):
            raise InvalidHook('%s.metadata: not a string of at most 4096 '
                              'characters' % where)
        out[transition] = Hook(name=name, transition=transition,
                               heartbeat_timeout=float(timeout),
                               default_result=result, notify_url=url,
                               metadata=metadata)
    return out


def normalize(data):
    """The stored form: a list of complete hook dicts (None: no hook)."""
    hooks = parse(data)
    if not hooks:
        return None
    return [hooks[t].to_dict() for t in TRANSITIONS if t in hooks]


def check_result(result):
    if result not in RESULTS:
        raise InvalidHook('result: %r: allowed values are %s' % (
            result, ', '.join(RESULTS)))
    return result


def drains_to_cancel(draining, wanted):
    """Of the members waiting in ``TERMINATING_WAIT`` (``(created_at,
    name)`` pairs), the names whose drain a scale-out by ``wanted``
    members cancels: the newest first (they are the ones a scale-in
    would have kept longest)."""
    if wanted <= 0:
        return []
    ordered = sorted(draining, key=lambda m: (-m[0], m[1]))
    return [name for _created, name in ordered[:wanted]]
