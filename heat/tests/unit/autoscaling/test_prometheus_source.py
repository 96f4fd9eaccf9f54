"""The Prometheus metric source (heat.engine.autoscaling.prometheus)
against a real private Prometheus scraping gauges the test sets (skipped
with the reason when ``prometheus`` cannot run here), and against a tiny
local HTTP server for the answers a healthy Prometheus does not give
(HTTP errors with long bodies, bad JSON, slow answers)."""

import http.server
import json
import threading
import time
import unittest
import urllib.parse

from heat.engine.autoscaling import prometheus as source
from heat.tests import base
from heat.tests.functional import prometheus as prom


class TestRealPrometheus(base.TestCase):
    """One Prometheus for the class, scraping three labelled gauges."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = prom.skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        cls.metrics = prom.MetricEndpoint()
        for member, value in (('a', 10), ('b', 20), ('c', 30)):
            cls.metrics.set('cpu_load{member="%s"}' % member, value)
        try:
            cls.prometheus = prom.PrivatePrometheus(
                [cls.metrics.target], port=0, scrape_interval=1).start()
        except RuntimeError as exc:
            cls.metrics.stop()
            raise unittest.SkipTest(str(exc)) from exc
        if cls.prometheus.wait_for('count(cpu_load) == 3') is None:
            cls.tearDownClass()
            raise RuntimeError('prometheus never scraped the test gauges')

    @classmethod
    def tearDownClass(cls):
        cls.prometheus.stop()
        cls.metrics.stop()
        super().tearDownClass()

    def query(self, promql, timeout=5):
        return source.query(self.prometheus.url, promql, timeout)

    def error(self, promql, url=None):
        exc = self.assertRaises(source.MetricError, source.query,
                                self.prometheus.url if url is None else url,
                                promql, 5)
        return str(exc)

    def test_vector_one_value_per_series(self):
        self.assertEqual([10.0, 20.0, 30.0], sorted(self.query('cpu_load')))

    def test_aggregated_vector(self):
        self.assertEqual([20.0], self.query('avg(cpu_load)'))
        self.assertEqual([60.0], self.query(
            'sum(cpu_load{member=~"a|b|c"})'))

    def test_scalar(self):
        self.assertEqual([60.0], self.query('scalar(sum(cpu_load))'))
        self.assertEqual([2.5], self.query('5 / 2'))

    def test_empty_vector_is_no_data(self):
        self.assertEqual([], self.query('cpu_load{member="nobody"}'))
        self.assertEqual([], self.query('no_such_metric'))

    def test_nan_and_inf_dropped(self):
        # 10/-10, 20/0 (+Inf), 30/10
        self.assertEqual([-1.0, 3.0], sorted(self.query(
            'cpu_load / (cpu_load - 20)')))
        self.assertEqual([], self.query('0 / 0'))
        self.assertEqual([], self.query('vector(-1) / 0'))

    def test_matrix_and_string_refused(self):
        why = self.error('cpu_load[1m]')
        self.assertIn('the query gives a matrix, not an instant vector or '
                      'a scalar', why)
        self.assertIn('%s/api/v1/query' % self.prometheus.url, why)
        self.assertIn('gives a string', self.error('"hello"'))

    def test_prometheus_error(self):
        why = self.error('sum(cpu_load')
        self.assertTrue(why.startswith(
            '%s/api/v1/query: Prometheus error (HTTP 400) bad_data: '
            % self.prometheus.url), why)
        self.assertIn('parse error', why)

    def test_url_forms(self):
        # a trailing slash is tolerated
        self.assertEqual([20.0], source.query(
            self.prometheus.url + '/', 'avg(cpu_load)', 5))
        # the path of another server: 404
        why = self.error('up', url=self.prometheus.url + '/nowhere')
        self.assertIn('/nowhere/api/v1/query: HTTP 404', why)

    def test_refused_connection(self):
        url = 'http://127.0.0.1:%d' % base.free_port()
        why = self.error('up', url=url)
        self.assertIn('%s/api/v1/query: cannot connect: ' % url, why)
        self.assertIn('refused', why)

    def test_no_url(self):
        self.assertIn('no Prometheus URL', self.error('up', url=''))


class _Canned(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):  # noqa: N802 - the http.server name
        owner = self.server.owner
        owner.requests.append(self.path)
        owner.auth.append(self.headers.get('Authorization'))
        status, body, delay = owner.answer
        if delay:
            time.sleep(delay)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        body = body.encode()
        try:
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (the timeout test)

    def log_message(self, fmt, *args):
        pass


class TestAnswers(base.TestCase):
    """What the source makes of answers a real server could give."""

    def setUp(self):
        super().setUp()
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     _Canned)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.requests = []
        self.auth = []
        self.answer = (200, {}, 0)
        thread = threading.Thread(target=self.httpd.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True)
        thread.start()
        self.addCleanup(self.httpd.server_close)
        self.addCleanup(self.httpd.shutdown)
        self.url = 'http://127.0.0.1:%d' % self.httpd.server_address[1]
        self.endpoint = self.url + '/api/v1/query'

    def ok(self, kind, result):
        return (200, {'status': 'success',
                      'data': {'resultType': kind, 'result': result}}, 0)

    def error(self, timeout=5, url=None):
        exc = self.assertRaises(source.MetricError, source.query,
                                url or self.url, 'up', timeout)
        return str(exc)

    def test_the_request(self):
        self.answer = self.ok('vector', [])
        promql = 'avg(cpu{group="a b&c",x=~".+"}) / 2'
        self.assertEqual([], source.query(self.url + '/prom/', promql, 5))
        [path] = self.requests
        path, _, qs = path.partition('?')
        self.assertEqual('/prom/api/v1/query', path)
        self.assertEqual({'query': [promql]}, urllib.parse.parse_qs(qs))

    def test_basic_auth_from_the_url_never_in_a_reason(self):
        import base64
        self.answer = (500, 'no', 0)
        url = 'http://us%%40er:s3cret@127.0.0.1:%d/p' % (
            self.httpd.server_address[1])
        why = self.error(url=url)
        self.assertEqual('Basic ' + base64.b64encode(
            b'us@er:s3cret').decode(), self.auth[0])
        self.assertEqual('%s/p/api/v1/query: HTTP 500: no' % self.url, why)
        self.assertNotIn('s3cret', why)

    def test_values(self):
        self.answer = self.ok('vector', [
            {'metric': {'m': '1'}, 'value': [1.5, '7']},
            {'metric': {'m': '2'}, 'value': [1.5, 'NaN']},
            {'metric': {'m': '3'}, 'value': [1.5, '+Inf']},
            {'metric': {'m': '4'}, 'value': [1.5, '-2.5e1']}])
        self.assertEqual([7.0, -25.0], source.query(self.url, 'up', 5))
        self.answer = self.ok('scalar', [1.5, '42'])
        self.assertEqual([42.0], source.query(self.url, 'up', 5))

    def test_http_error_body_cut(self):
        self.answer = (500, 'x' * 5000, 0)
        why = self.error()
        self.assertEqual('%s: HTTP 500: %s...' % (self.endpoint, 'x' * 200),
                         why)

    def test_prometheus_error_body(self):
        self.answer = (422, {'status': 'error', 'errorType': 'execution',
                             'error': 'query timed out in ' + 'y' * 500}, 0)
        why = self.error()
        self.assertTrue(why.startswith(
            '%s: Prometheus error (HTTP 422) execution: query timed out in '
            'yyy' % self.endpoint), why)
        self.assertLess(len(why), len(self.endpoint) + 300)
        # Prometheus's 503 (e.g. too many concurrent queries) alike
        self.answer = (503, {'status': 'error', 'errorType': 'unavailable',
                             'error': 'busy'}, 0)
        self.assertEqual('%s: Prometheus error (HTTP 503) unavailable: '
                         'busy' % self.endpoint, self.error())

    def test_not_json(self):
        self.answer = (200, '<html>a proxy\'s login page</html>', 0)
        self.assertEqual("%s: the answer is not JSON: <html>a proxy's login "
                         "page</html>" % self.endpoint, self.error())

    def test_unexpected_json(self):
        self.answer = (200, ['a', 'list'], 0)
        self.assertIn('the answer is not JSON', self.error())
        self.answer = (200, {'status': 'success'}, 0)
        self.assertIn('unexpected answer: {"status": "success"}',
                      self.error())
        self.answer = self.ok('histogram', [])
        self.assertIn("unknown result type 'histogram'", self.error())
        self.answer = self.ok('vector', [{'metric': {}}])
        self.assertIn('malformed series', self.error())
        self.answer = self.ok('vector', [{'value': [1, 'many']}])
        self.assertIn("a sample value is not a number: 'many'",
                      self.error())
        self.answer = self.ok('scalar', 'no')
        self.assertIn('malformed sample', self.error())

    def test_timeout(self):
        self.answer = self.ok('vector', [])[:2] + (2,)
        start = time.monotonic()
        why = self.error(timeout=0.3)
        self.assertLess(time.monotonic() - start, 1.5)
        self.assertEqual('%s: timed out after 0.3 s' % self.endpoint, why)
