"""Health checks of a group's members: the configuration, the verdicts.

Pure: no clock reads, no I/O. The engine's monitor
(:mod:`heat.engine.autoscaling.health`) polls and calls these.

A group's health check (:func:`parse`) is a dict::

    {"type": "status" | "http",      # default "status"
     "grace_period": 0,              # s after a member is created: not judged
     "interval": 10,                 # s between two checks of a member
     "timeout": 5,                   # s for one HTTP answer (<= interval)
     "healthy_threshold": 2,         # consecutive passes: healthy again
     "unhealthy_threshold": 3,       # consecutive failures: unhealthy
     "url_attribute": "url",         # http: the member attribute to poll
     "path": None,                   # http: replaces the URL's path
     "port": 80,                     # http: for an attribute that is a host
     "expected_codes": "200",        # http: Octavia's syntax, "200,202-204"
     "max_unhealthy_percent": 50,    # more unhealthy at once: replace none
     "max_replacements": None,       # replacements per period (None: any)
     "replacement_period": 3600,     # s
     "update_timeout": None,         # s a rolling batch has to be healthy
     "rollback": False}              # a batch that is not: roll back

``status`` checks look at each member's resource: a member whose
resource is in a FAILED state (a failed action, ``CHECK_FAILED`` after a
check or a ``mark unhealthy``) is unhealthy at once. ``http`` adds a
poll of each member's URL (the value of its resource's ``url_attribute``)
with the thresholds above (the counting of :class:`Counter`).

A rolling update of a group with a health check is gated: the new
members of a batch must all be HEALTHY before the next batch goes. A
batch member found UNHEALTHY, or not HEALTHY within ``update_timeout``
seconds (None: :func:`update_timeout`, enough for the grace period and
``healthy_threshold`` passes), stops the update; with ``rollback`` the
previous definition is rolled out again (once: a rollback that fails
its gate stops).
"""

import dataclasses
import math
import urllib.parse
from typing import Optional

TYPES = (STATUS, HTTP) = ('status', 'http')

#: the keys, in the order documentation lists them
KEYS = ('type', 'grace_period', 'interval', 'timeout', 'healthy_threshold',
        'unhealthy_threshold', 'url_attribute', 'path', 'port',
        'expected_codes', 'max_unhealthy_percent', 'max_replacements',
        'replacement_period', 'update_timeout', 'rollback')

#: verdicts of one member
HEALTHY, UNHEALTHY, UNKNOWN = 'HEALTHY', 'UNHEALTHY', 'UNKNOWN'


@dataclasses.dataclass(frozen=True)
class HealthCheck:
    type: str = STATUS
    grace_period: float = 0.0
    interval: float = 10.0
    timeout: float = 5.0
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    url_attribute: Optional[str] = None
    path: Optional[str] = None
    port: int = 80
    expected_codes: str = '200'
    max_unhealthy_percent: float = 50.0
    max_replacements: Optional[int] = None
    replacement_period: float = 3600.0
    update_timeout: Optional[float] = None
    rollback: bool = False

    def to_dict(self):
        return {k: getattr(self, k) for k in KEYS}

    @property
    def codes(self):
        return parse_codes(self.expected_codes)


class InvalidHealthCheck(ValueError):
    """A bad health check; the message names the key and the value."""


def _where(key):
    return 'health_check.%s' % key


def _number(data, key, default, minimum=0.0, strict=False, maximum=None,
            integer=False, allow_none=False):
    value = data.get(key, default)
    if value is None and allow_none:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        ok = math.isfinite(value) and (
            value > minimum if strict else value >= minimum)
        if maximum is not None:
            ok = ok and value <= maximum
        if integer:
            ok = ok and float(value).is_integer()
    if not ok:
        kind = 'an integer' if integer else 'a number'
        bound = ('greater than %s' if strict else 'at least %s') % (
            _fmt(minimum))
        if maximum is not None:
            bound += ' and at most %s' % _fmt(maximum)
        raise InvalidHealthCheck('%s: %r is not %s %s' % (
            _where(key), value, kind, bound))
    return int(value) if integer else float(value)


def _fmt(n):
    return '%d' % n if float(n).is_integer() else '%s' % n


def parse_codes(text):
    """The set-like check of Octavia's ``expected_codes``: ``"200"``,
    ``"200,202"``, ``"200-204"`` (combinable); a tuple of ``(low,
    high)`` ranges. ValueError naming the bad part."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidHealthCheck('%s: %r is not a list of HTTP status codes '
                                 'such as "200", "200,202" or "200-299"'
                                 % (_where('expected_codes'), text))
    out = []
    for part in text.split(','):
        part = part.strip()
        lo, _, hi = part.partition('-')
        try:
            low = int(lo)
            high = int(hi) if hi else low
        except ValueError:
            low = high = None
        if low is None or not (100 <= low <= high <= 599):
            raise InvalidHealthCheck(
                '%s: %r in %r is not a status code (100-599) or a range '
                'of them' % (_where('expected_codes'), part, text))
        out.append((low, high))
    return tuple(out)


def code_expected(codes, status):
    return any(lo <= status <= hi for lo, hi in codes)


def parse(data):
    """A :class:`HealthCheck` from its dict (None or ``{}``: None, no
    health check). InvalidHealthCheck names the offending key."""
    if data is None or data == {}:
        return None
    if not isinstance(data, dict):
        raise InvalidHealthCheck('health_check: %r is not a mapping'
                                 % (data,))
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise InvalidHealthCheck(
            'health_check: unknown key %s (allowed: %s)' % (
                unknown[0], ', '.join(KEYS)))
    kind = data.get('type', STATUS)
    if kind not in TYPES:
        raise InvalidHealthCheck('%s: %r: allowed values are %s' % (
            _where('type'), kind, ', '.join(TYPES)))
    interval = _number(data, 'interval', 10.0, strict=True)
    timeout = _number(data, 'timeout', min(5.0, interval), strict=True)
    if timeout > interval:
        raise InvalidHealthCheck(
            '%s: %s is greater than interval %s' % (
                _where('timeout'), _fmt(timeout), _fmt(interval)))
    url_attribute = data.get('url_attribute')
    if url_attribute is not None and (not isinstance(url_attribute, str) or
                                      not url_attribute):
        raise InvalidHealthCheck('%s: %r is not an attribute name' % (
            _where('url_attribute'), url_attribute))
    if kind == HTTP and not url_attribute:
        raise InvalidHealthCheck(
            '%s: required when type is http (the member attribute whose '
            'value is the URL or the host to poll)' % _where('url_attribute'))
    path = data.get('path')
    if path is not None and (not isinstance(path, str) or
                             not path.startswith('/')):
        raise InvalidHealthCheck('%s: %r does not start with /' % (
            _where('path'), path))
    codes = data.get('expected_codes', '200')
    parse_codes(codes)
    rollback = data.get('rollback', False)
    if not isinstance(rollback, bool):
        raise InvalidHealthCheck('%s: %r is not a boolean' % (
            _where('rollback'), rollback))
    return HealthCheck(
        type=kind,
        grace_period=_number(data, 'grace_period', 0.0),
        interval=interval, timeout=timeout,
        healthy_threshold=_number(data, 'healthy_threshold', 2, minimum=1,
                                  integer=True),
        unhealthy_threshold=_number(data, 'unhealthy_threshold', 3,
                                    minimum=1, integer=True),
        url_attribute=url_attribute, path=path,
        port=_number(data, 'port', 80, minimum=1, maximum=65535,
                     integer=True),
        expected_codes=codes,
        max_unhealthy_percent=_number(data, 'max_unhealthy_percent', 50.0,
                                      maximum=100.0),
        max_replacements=_number(data, 'max_replacements', None, minimum=1,
                                 integer=True, allow_none=True),
        replacement_period=_number(data, 'replacement_period', 3600.0,
                                   strict=True),
        update_timeout=_number(data, 'update_timeout', None, strict=True,
                               allow_none=True),
        rollback=rollback)


def normalize(data):
    """The stored form of a health check dict: every key with its
    default filled in (None for no health check)."""
    check = parse(data)
    return None if check is None else check.to_dict()


def target_url(check, value):
    """The URL to poll for a member whose ``url_attribute`` is
    ``value``: a URL (``path``, if set, replaces its path) or a host
    (``http://host:port`` + ``path`` or ``/``). None when ``value`` is
    not usable (empty, not a string)."""
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if '://' in value:
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ('http', 'https') or not parts.netloc:
            return None
        if check.path is not None:
            path, _, query = check.path.partition('?')
            parts = parts._replace(path=path, query=query)
        return urllib.parse.urlunsplit(parts)
    host = '[%s]' % value if ':' in value else value
    return 'http://%s:%d%s' % (host, check.port, check.path or '/')


@dataclasses.dataclass
class Counter:
    """The consecutive passes and failures of one member's polls.

    A member starts UNKNOWN; ``unhealthy_threshold`` failures in a row
    make it UNHEALTHY, ``healthy_threshold`` passes in a row HEALTHY
    (from UNKNOWN or UNHEALTHY). One pass resets the failures and one
    failure the passes."""

    verdict: str = UNKNOWN
    passes: int = 0
    failures: int = 0
    #: what the last failure was (for the record)
    evidence: Optional[str] = None

    def observe(self, check, ok, evidence=None):
        """Count one poll; the verdict after it."""
        if ok:
            self.passes += 1
            self.failures = 0
            if self.passes >= check.healthy_threshold:
                self.verdict = HEALTHY
        else:
            self.failures += 1
            self.passes = 0
            self.evidence = evidence
            if self.failures >= check.unhealthy_threshold:
                self.verdict = UNHEALTHY
        return self.verdict


def update_timeout(check):
    """Seconds the new members of a rolling batch have to become
    HEALTHY: ``update_timeout``, or the grace period plus
    ``healthy_threshold + 2`` intervals."""
    if check.update_timeout is not None:
        return check.update_timeout
    return check.grace_period + check.interval * (
        check.healthy_threshold + 2)


def guarded(check, total, unhealthy):
    """Why nothing may be replaced (a string), or None: more than
    ``max_unhealthy_percent`` of the ``total`` members are unhealthy at
    once (a monitoring outage, a bad dependency: replacing the whole
    group would not help)."""
    if not unhealthy or not total:
        return None
    percent = 100.0 * unhealthy / total
    if percent > check.max_unhealthy_percent:
        return ('%d of %d members unhealthy (%s%%), more than '
                'max_unhealthy_percent %s%%: none replaced' % (
                    unhealthy, total, _fmt(round(percent, 1)),
                    _fmt(check.max_unhealthy_percent)))
    return None


def replacements_allowed(check, recent):
    """How many replacements may start now, given ``recent``
    replacements within the last ``replacement_period`` seconds (None:
    no limit)."""
    if check.max_replacements is None:
        return None
    return max(check.max_replacements - recent, 0)
