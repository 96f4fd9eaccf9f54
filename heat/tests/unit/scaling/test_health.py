"""heat.scaling.health: the health check's keys, its verdicts."""

import testtools

from heat.scaling import health


class TestParse(testtools.TestCase):

    def test_none_and_empty_mean_no_check(self):
        self.assertIsNone(health.parse(None))
        self.assertIsNone(health.parse({}))
        self.assertIsNone(health.normalize({}))

    def test_defaults_filled(self):
        self.assertEqual({
            'type': 'status', 'grace_period': 0.0, 'interval': 10.0,
            'timeout': 5.0, 'healthy_threshold': 2,
            'unhealthy_threshold': 3, 'url_attribute': None, 'path': None,
            'port': 80, 'expected_codes': '200',
            'max_unhealthy_percent': 50.0, 'max_replacements': None,
            'replacement_period': 3600.0, 'update_timeout': None,
            'rollback': False}, health.normalize({
                'type': 'status'}))

    def test_short_interval_gives_shorter_default_timeout(self):
        self.assertEqual(2.0, health.parse({'interval': 2}).timeout)

    def test_errors_name_the_key_and_value(self):
        cases = [
            ({'type': 'tcp'}, "health_check.type: 'tcp': allowed values "
                              "are status, http"),
            ({'interval': 0}, 'health_check.interval: 0 is not a number '
                              'greater than 0'),
            ({'interval': True}, 'health_check.interval: True is not'),
            ({'interval': 5, 'timeout': 6},
             'health_check.timeout: 6 is greater than interval 5'),
            ({'type': 'http'}, 'health_check.url_attribute: required '
                               'when type is http'),
            ({'healthy_threshold': 1.5}, 'health_check.healthy_threshold: '
                                         '1.5 is not an integer at least 1'),
            ({'max_unhealthy_percent': 101},
             'health_check.max_unhealthy_percent: 101 is not a number at '
             'least 0 and at most 100'),
            ({'path': 'health'}, "health_check.path: 'health' does not "
                                 "start with /"),
            ({'expected_codes': '200-99'},
             "health_check.expected_codes: '200-99' in '200-99' is not"),
            ({'nosuch': 1}, 'health_check: unknown key nosuch'),
            ({'port': 70000}, 'health_check.port: 70000 is not an '
                              'integer at least 1 and at most 65535'),
            ('x', "health_check: 'x' is not a mapping"),
        ]
        for data, message in cases:
            e = self.assertRaises(health.InvalidHealthCheck, health.parse,
                                  data)
            self.assertIn(message, str(e), data)

    def test_codes(self):
        codes = health.parse_codes('200, 202-204')
        self.assertEqual(((200, 200), (202, 204)), codes)
        self.assertTrue(health.code_expected(codes, 203))
        self.assertFalse(health.code_expected(codes, 201))
        self.assertFalse(health.code_expected(codes, 500))


class TestTargetUrl(testtools.TestCase):

    def test_url_kept_or_path_replaced(self):
        plain = health.parse({'type': 'status'})
        with_path = health.parse({'path': '/healthz?deep=1'})
        url = 'http://10.0.0.5:8080/app'
        self.assertEqual(url, health.target_url(plain, url))
        self.assertEqual('http://10.0.0.5:8080/healthz?deep=1',
                         health.target_url(with_path, url))

    def test_host_gets_port_and_path(self):
        check = health.parse({'port': 8080, 'path': '/up'})
        self.assertEqual('http://10.0.0.5:8080/up',
                         health.target_url(check, '10.0.0.5'))
        self.assertEqual('http://[fd00::5]:8080/up',
                         health.target_url(check, 'fd00::5'))
        self.assertEqual('http://10.0.0.5:80/',
                         health.target_url(health.parse({'port': 80}),
                                           ['10.0.0.5', '10.0.0.6']))

    def test_unusable_values(self):
        check = health.parse({'type': 'status'})
        for value in (None, '', '  ', 5, [], 'ftp://x/y'):
            self.assertIsNone(health.target_url(check, value), value)


class TestCounter(testtools.TestCase):

    def test_thresholds(self):
        check = health.parse({'healthy_threshold': 2,
                              'unhealthy_threshold': 3})
        c = health.Counter()
        self.assertEqual('UNKNOWN', c.observe(check, True))
        self.assertEqual('HEALTHY', c.observe(check, True))
        self.assertEqual('HEALTHY', c.observe(check, False, 'a'))
        self.assertEqual('HEALTHY', c.observe(check, False, 'b'))
        # a pass in between starts the count again
        self.assertEqual('HEALTHY', c.observe(check, True))
        for evidence in 'cde':
            verdict = c.observe(check, False, evidence)
        self.assertEqual('UNHEALTHY', verdict)
        self.assertEqual((3, 'e'), (c.failures, c.evidence))
        self.assertEqual('UNHEALTHY', c.observe(check, True))
        self.assertEqual('HEALTHY', c.observe(check, True))


class TestGuardAndLimit(testtools.TestCase):

    def test_guard(self):
        check = health.parse({'max_unhealthy_percent': 50})
        self.assertIsNone(health.guarded(check, 10, 2))
        self.assertIsNone(health.guarded(check, 10, 5))
        self.assertIsNone(health.guarded(check, 0, 0))
        why = health.guarded(check, 10, 7)
        self.assertEqual('7 of 10 members unhealthy (70%), more than '
                         'max_unhealthy_percent 50%: none replaced', why)

    def test_limit(self):
        self.assertIsNone(health.replacements_allowed(
            health.parse({'interval': 5}), 100))
        check = health.parse({'max_replacements': 3})
        self.assertEqual(3, health.replacements_allowed(check, 0))
        self.assertEqual(1, health.replacements_allowed(check, 2))
        self.assertEqual(0, health.replacements_allowed(check, 5))
