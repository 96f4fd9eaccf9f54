"""The rate limit of the endpoints whose credential is in the URL
(:mod:`heat.api.ratelimit`): token buckets per (client, target) and per
client, a 429 with Retry-After before the engine is called, authenticated
endpoints never limited."""

import json
import threading
import types

import testtools
import webob

from heat.api import app as app_mod
from heat.api import ratelimit

ARN = 'arn:openstack:heat::p1:stacks/s1/%s/resources/up' % ('1' * 36)
OTHER_ARN = ARN.replace('/up', '/down')


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class CountingEngine:
    """Answers the signal RPCs and counts them: a 429 must come before
    any of them."""

    def __init__(self):
        self.calls = []

    def signed_resource_signal(self, cnxt, arn, method, path, params,
                               details, idempotency_key=None):
        self.calls.append(('signed', arn))
        return {'accepted': True}

    def execute_webhook(self, cnxt, token, idempotency_key=None,
                        details=None):
        self.calls.append(('webhook', token))
        return {'accepted': True}

    def resource_signal(self, cnxt, stack_identity, resource_name,
                        details, sync_call=False, idempotency_key=None):
        self.calls.append(('resource_signal', resource_name))
        return {'accepted': True}


class TestTokenBucket(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = FakeClock()

    def limiter(self, rate=2, burst=3, **kw):
        return ratelimit.TokenBucketLimiter(rate, burst, clock=self.clock,
                                            **kw)

    def test_burst_then_refused_with_the_wait(self):
        lim = self.limiter(rate=2, burst=3)
        self.assertEqual([0, 0, 0], [lim.acquire('k') for _ in range(3)])
        self.assertAlmostEqual(0.5, lim.acquire('k'))
        # a refusal spends nothing: the wait stays the same
        self.assertAlmostEqual(0.5, lim.acquire('k'))

    def test_refills_at_the_rate_up_to_the_burst(self):
        lim = self.limiter(rate=2, burst=3)
        for _ in range(3):
            lim.acquire('k')
        self.clock.now += 0.5
        self.assertEqual(0, lim.acquire('k'))
        self.assertGreater(lim.acquire('k'), 0)
        self.clock.now += 3600
        self.assertEqual([0, 0, 0], [lim.acquire('k') for _ in range(3)])
        self.assertGreater(lim.acquire('k'), 0)

    def test_keys_have_separate_buckets(self):
        lim = self.limiter(rate=1, burst=1)
        self.assertEqual(0, lim.acquire('a'))
        self.assertGreater(lim.acquire('a'), 0)
        self.assertEqual(0, lim.acquire('b'))

    def test_idle_full_buckets_are_dropped(self):
        lim = self.limiter(rate=1, burst=2)
        lim.acquire('a')
        lim.acquire('b')
        self.assertEqual(2, len(lim))
        self.clock.now += 2  # burst / rate: both full again
        lim.acquire('c')
        self.assertEqual(1, len(lim))

    def test_bucket_count_is_capped(self):
        lim = self.limiter(rate=0.001, burst=1, max_buckets=100)
        for i in range(1000):
            lim.acquire(i)
        self.assertEqual(100, len(lim))
        # the most recent keys are the ones kept
        self.assertGreater(lim.acquire(999), 0)

    def test_threads_share_a_bucket_exactly(self):
        lim = self.limiter(rate=0.001, burst=200)
        allowed = []
        lock = threading.Lock()

        def hammer():
            n = sum(1 for _ in range(100) if lim.acquire('k') == 0)
            with lock:
                allowed.append(n)

        threads = [threading.Thread(target=hammer) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(200, sum(allowed))

    def test_bad_settings_are_refused_by_name(self):
        self.assertRaisesRegex(ValueError, 'rate 0', self.limiter, rate=0)
        self.assertRaisesRegex(ValueError, 'burst 0', self.limiter, burst=0)


class TestAnonymousEndpoints(testtools.TestCase):
    """Over the WSGI app with a counting engine."""

    def setUp(self):
        super().setUp()
        self.clock = FakeClock()
        self.engine = CountingEngine()
        self.app = self.make(anonymous_rate_limit=2, anonymous_rate_burst=3,
                             anonymous_client_rate_limit=0)

    def make(self, **options):
        conf = types.SimpleNamespace(**options)
        app = app_mod.make_app(self.engine, conf)
        app.anonymous_limit = ratelimit.AnonymousRateLimit.from_conf(
            lambda name, default: getattr(conf, name, default),
            clock=self.clock)
        return app

    def post(self, path, client='192.0.2.1', app=None):
        req = webob.Request.blank(path, method='POST')
        req.environ['REMOTE_ADDR'] = client
        req.body = json.dumps({'x': 1}).encode()
        req.content_type = 'application/json'
        return req.get_response(app or self.app)

    def signal_path(self, arn=ARN, signature='sig'):
        return ('/v1/signal/%s?Signature=%s&Timestamp=now' % (arn,
                                                              signature))

    def assert429(self, resp, retry_after):
        self.assertEqual(429, resp.status_code, resp.text)
        self.assertEqual(str(retry_after), resp.headers['Retry-After'])
        body = resp.json
        self.assertEqual(429, body['code'])
        self.assertEqual('Too Many Requests', body['title'])
        self.assertEqual('RateLimitExceeded', body['error']['type'])
        self.assertIn('anonymous_rate_limit', body['error']['message'])
        self.assertIn('x-openstack-request-id', resp.headers)

    def test_signed_signal_burst_then_429_before_the_engine(self):
        for _ in range(3):
            self.assertEqual(200, self.post(self.signal_path()).status_code)
        self.assert429(self.post(self.signal_path()), 1)
        self.assertEqual(3, len(self.engine.calls))

    def test_webhook_burst_then_429_and_the_token_is_not_echoed(self):
        path = '/v1/webhooks/secret-token-value'
        for _ in range(3):
            self.assertEqual(200, self.post(path).status_code)
        resp = self.post(path)
        self.assert429(resp, 1)
        self.assertNotIn('secret-token-value', resp.text)
        self.assertEqual([('webhook', 'secret-token-value')] * 3,
                         self.engine.calls)

    def test_refill_over_time(self):
        for _ in range(3):
            self.post(self.signal_path())
        self.assert429(self.post(self.signal_path()), 1)
        self.clock.now += 0.5  # rate 2/s: one token back
        self.assertEqual(200, self.post(self.signal_path()).status_code)
        self.assertEqual(429, self.post(self.signal_path()).status_code)
        self.clock.now += 60
        for _ in range(3):
            self.assertEqual(200, self.post(self.signal_path()).status_code)

    def test_retry_after_rounds_the_wait_up(self):
        app = self.make(anonymous_rate_limit=0.1, anonymous_rate_burst=1,
                        anonymous_client_rate_limit=0)
        self.assertEqual(200, self.post(self.signal_path(), app=app)
                         .status_code)
        self.assert429(self.post(self.signal_path(), app=app), 10)
        self.clock.now += 9.5
        self.assert429(self.post(self.signal_path(), app=app), 1)

    def test_the_bucket_is_the_target_not_the_signature(self):
        for i in range(3):
            self.post(self.signal_path(signature='s%d' % i))
        self.assertEqual(429, self.post(self.signal_path(signature='new'))
                         .status_code)

    def test_separate_buckets_per_target_and_per_client(self):
        for _ in range(3):
            self.post(self.signal_path())
        self.assertEqual(429, self.post(self.signal_path()).status_code)
        self.assertEqual(200, self.post(self.signal_path(OTHER_ARN))
                         .status_code)
        self.assertEqual(200, self.post(self.signal_path(),
                                        client='192.0.2.2').status_code)
        self.assertEqual(200, self.post('/v1/webhooks/t1').status_code)

    def test_per_client_limit_stops_many_targets(self):
        app = self.make(anonymous_rate_limit=10, anonymous_rate_burst=50,
                        anonymous_client_rate_limit=1)
        # burst of the per-client bucket: max(50, 5 * 1) = 50
        codes = [self.post('/v1/webhooks/guess-%d' % i, app=app).status_code
                 for i in range(51)]
        self.assertEqual([200] * 50 + [429], codes)
        resp = self.post('/v1/webhooks/guess-x', app=app)
        self.assertIn('anonymous_client_rate_limit',
                      resp.json['error']['message'])
        self.assertEqual(200, self.post('/v1/webhooks/guess-y',
                                        client='192.0.2.9', app=app)
                         .status_code)

    def test_zero_disables(self):
        app = self.make(anonymous_rate_limit=0, anonymous_rate_burst=1,
                        anonymous_client_rate_limit=0)
        self.assertFalse(app.anonymous_limit.enabled)
        codes = {self.post(self.signal_path(), app=app).status_code
                 for _ in range(200)}
        self.assertEqual({200}, codes)

    def test_authenticated_signal_endpoint_is_not_limited(self):
        path = ('/v1/p1/stacks/s1/%s/resources/policy/signal' % ('1' * 36))
        codes = {self.post(path).status_code for _ in range(200)}
        self.assertEqual({200}, codes)
        self.assertEqual(200, len(self.engine.calls))

    def test_defaults(self):
        app = app_mod.make_app(self.engine)
        limit = app.anonymous_limit
        self.assertEqual((10.0, 50.0), (limit.per_target.rate,
                                        limit.per_target.burst))
        self.assertEqual((100.0, 500.0), (limit.per_client.rate,
                                          limit.per_client.burst))

    def test_options_registered_on_a_config(self):
        from oslo_config import cfg
        conf = cfg.ConfigOpts()
        conf([])
        app = app_mod.make_app(self.engine, conf)
        self.assertEqual(10.0, conf.anonymous_rate_limit)
        self.assertEqual(50, conf.anonymous_rate_burst)
        self.assertEqual(100.0, conf.anonymous_client_rate_limit)
        self.assertTrue(app.anonymous_limit.enabled)
