"""The rate limit of the anonymous endpoints: the ones whose credential
is in the URL (``POST /v1/signal/{arn}``, ``POST /v1/webhooks/{token}``,
any route of :data:`heat.api.middleware.PUBLIC_CONTROLLERS`).

Those endpoints are served without authentication, so nothing but the
URL stands between the network and the engine's database. Two token
buckets answer each request before any database or RPC work:

- one per (client address, target): the target is the route's arguments
  (the arn of a signed signal, the token of a webhook), never the
  signature, which a client can vary at will;
- one per client address, over every target: a client trying random
  webhook tokens gets a fresh per-target bucket for each, and this one
  still stops it.

Over either limit the request is refused with a 429, a ``Retry-After``
header (whole seconds) and upstream's JSON error body (``error.type``
``RateLimitExceeded``).

The buckets live in the process: each heat-api process (each of its
threads share them) limits on its own, so with N API processes behind a
balancer a client gets up to N times the limit. The memory is bounded: a
bucket idle long enough to be full again is dropped (a fresh one is the
same), and beyond ``max_buckets`` the least recently used is dropped.
The client address is the WSGI ``REMOTE_ADDR``; ``X-Forwarded-For`` is
not trusted (anyone can write it), so behind a proxy every client shares
the proxy's address and the per-target bucket is what tells alarms apart.
"""

import collections
import math
import threading
import time

import webob.exc

#: most buckets one limiter keeps (about 200 bytes each)
MAX_BUCKETS = 10000


class RateLimitExceeded(webob.exc.HTTPTooManyRequests):
    """A 429 carrying the seconds after which a retry may succeed."""

    def __init__(self, detail, retry_after):
        super().__init__(detail)
        self.retry_after = retry_after
        self.headers['Retry-After'] = str(retry_after)


class TokenBucketLimiter:
    """Token buckets keyed by any hashable value, safe across threads.

    Each key may spend ``burst`` requests at once and gets ``rate``
    tokens back per second. ``clock`` returns seconds (monotonic).
    """

    def __init__(self, rate, burst, max_buckets=MAX_BUCKETS,
                 clock=time.monotonic):
        if rate <= 0:
            raise ValueError('rate %r: must be > 0' % (rate,))
        if burst < 1:
            raise ValueError('burst %r: must be >= 1' % (burst,))
        if max_buckets < 1:
            raise ValueError('max_buckets %r: must be >= 1' % (max_buckets,))
        self.rate = float(rate)
        self.burst = float(burst)
        self.max_buckets = max_buckets
        self.clock = clock
        # seconds after which an idle bucket is full again
        self.refill_time = self.burst / self.rate
        # key -> [tokens, last update]; least recently used first
        self._buckets = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._buckets)

    def acquire(self, key):
        """Spend one token of ``key``'s bucket: 0 when allowed, else the
        seconds until a token is back (nothing is spent)."""
        with self._lock:
            now = self.clock()
            self._evict_idle(now)
            bucket = self._buckets.pop(key, None)
            if bucket is None:
                bucket = [self.burst, now]
            else:
                elapsed = max(0.0, now - bucket[1])
                bucket[0] = min(self.burst, bucket[0] + elapsed * self.rate)
                bucket[1] = now
            self._buckets[key] = bucket
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
            if bucket[0] >= 1.0:
                bucket[0] -= 1.0
                return 0.0
            return (1.0 - bucket[0]) / self.rate

    def _evict_idle(self, now):
        # least recently used first: stop at the first bucket still in use
        while self._buckets:
            key, (_, last) = next(iter(self._buckets.items()))
            if now - last < self.refill_time:
                return
            del self._buckets[key]


class AnonymousRateLimit:
    """The two limiters of the anonymous endpoints (see the module
    docstring); ``rate`` 0 turns the per-target one off, ``client_rate``
    0 the per-client one."""

    def __init__(self, rate, burst, client_rate, client_burst=None,
                 max_buckets=MAX_BUCKETS, clock=time.monotonic):
        self.per_target = self.per_client = None
        if rate and rate > 0:
            self.per_target = TokenBucketLimiter(rate, burst, max_buckets,
                                                 clock)
        if client_rate and client_rate > 0:
            if client_burst is None:
                client_burst = max(burst, math.ceil(5 * client_rate))
            self.per_client = TokenBucketLimiter(client_rate, client_burst,
                                                 max_buckets, clock)

    @classmethod
    def from_conf(cls, opt, clock=time.monotonic):
        """From ``opt(name, default)``, the API's option reader."""
        return cls(float(opt('anonymous_rate_limit', 10.0)),
                   int(opt('anonymous_rate_burst', 50)),
                   float(opt('anonymous_client_rate_limit', 100.0)),
                   clock=clock)

    @property
    def enabled(self):
        return self.per_target is not None or self.per_client is not None

    def check(self, client, target, what):
        """Raise :class:`RateLimitExceeded` when ``client`` is over a
        limit for ``target``; ``what`` names the endpoint in the error."""
        client = client or 'unknown'
        if self.per_client is not None:
            wait = self.per_client.acquire(client)
            if wait:
                raise RateLimitExceeded(
                    'Too many unauthenticated requests from %s: the limit '
                    'is %g per second (anonymous_client_rate_limit), burst '
                    '%d. Retry after %d seconds.'
                    % (client, self.per_client.rate, self.per_client.burst,
                       _seconds(wait)), _seconds(wait))
        if self.per_target is not None:
            wait = self.per_target.acquire((client, target))
            if wait:
                raise RateLimitExceeded(
                    'Too many requests from %s to %s: the limit is %g per '
                    'second (anonymous_rate_limit), burst %d '
                    '(anonymous_rate_burst). Retry after %d seconds.'
                    % (client, what, self.per_target.rate,
                       self.per_target.burst, _seconds(wait)),
                    _seconds(wait))


def _seconds(wait):
    return max(1, math.ceil(wait))
