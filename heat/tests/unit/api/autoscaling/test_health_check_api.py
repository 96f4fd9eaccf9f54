"""A group's ``health_check`` through the Auto-Scaling API (self-healing
groups, AS RPC 1.40): created, shown with its defaults, replaced and
removed by PATCH; each bad key a 400 naming it; the group's ``health``."""

import webob

from heat.api.autoscaling import controllers, schemas
from heat.scaling import health
from heat.tests import base
from heat.tests.unit.api.autoscaling import ASTestCase

HTTP_CHECK = {'type': 'http', 'url_attribute': 'url', 'interval': 5,
              'timeout': 2, 'path': '/healthz'}
#: the defaults every group shows (a check with nothing given)
DEFAULTS = health.HealthCheck().to_dict()
#: HTTP_CHECK as every group shows it: every key, the defaults filled in
HTTP_SHOWN = dict(DEFAULTS, **HTTP_CHECK)


class TestHealthCheckAPI(ASTestCase):

    def group(self, group_id):
        resp = self.as_request('GET', '/groups/%s' % group_id)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json['group']

    def patch(self, group, body, expect=200):
        resp = self.as_request('PATCH', '/groups/%s' % group['id'], body)
        self.assertEqual(expect, resp.status_code, resp.text)
        return resp.json['group'] if expect == 200 else resp

    def test_create_shows_the_check_with_its_defaults(self):
        g = self.make_group(min_size=0, desired=0,
                            health_check=HTTP_CHECK)
        self.assertEqual(HTTP_SHOWN, g['health_check'])
        self.assertEqual(
            {'grace_period': 0, 'healthy_threshold': 2,
             'unhealthy_threshold': 3, 'port': 80, 'expected_codes': '200',
             'max_unhealthy_percent': 50, 'max_replacements': None,
             'replacement_period': 3600},
            {k: g['health_check'][k] for k in (
                'grace_period', 'healthy_threshold', 'unhealthy_threshold',
                'port', 'expected_codes', 'max_unhealthy_percent',
                'max_replacements', 'replacement_period')})
        self.assertEqual(list(health.KEYS), sorted(
            g['health_check'], key=health.KEYS.index))
        self.assertEqual(health.normalize(HTTP_CHECK), g['health_check'])
        # not checked yet
        self.assertIsNone(g['health'])
        self.assertEqual(HTTP_SHOWN, self.group(g['id'])['health_check'])
        listed = self.as_request('GET', '/groups').json['groups']
        self.assertEqual([HTTP_SHOWN], [x['health_check'] for x in listed])
        self.assertIn('health', listed[0])

    def test_without_a_check_both_keys_are_null(self):
        g = self.make_group(min_size=0, desired=0)
        self.assertIsNone(g['health_check'])
        self.assertIsNone(g['health'])
        # null and {} on create: no check either
        for i, value in enumerate((None, {})):
            g = self.make_group('n%d' % i, min_size=0, desired=0,
                                health_check=value)
            self.assertIsNone(g['health_check'])
        # a status check is all defaults
        g = self.make_group('s', min_size=0, desired=0,
                            health_check={'type': 'status'})
        self.assertEqual(DEFAULTS, g['health_check'])

    def test_bad_keys_and_values_are_400_naming_them(self):
        body = {'name': 'g', 'min_size': 0, 'max_size': 2,
                'resource': {'type': 'OS::Heat::RandomString'}}
        cases = [
            ({'interval': 0}, '/health_check/interval: 0 is less than or '
                              'equal to the minimum of 0'),
            ({'interval': 'often'}, "/health_check/interval: 'often' is "
                                    "not of type 'number'"),
            ({'colour': 'red'}, '/health_check/colour: unknown key'),
            ({'type': 'tcp'}, "/health_check/type: 'tcp' is not one of"),
            ({'grace_period': -1}, '/health_check/grace_period: -1'),
            ({'healthy_threshold': 0}, '/health_check/healthy_threshold'),
            ({'unhealthy_threshold': 1.5},
             '/health_check/unhealthy_threshold: 1.5 is not of type '
             "'integer'"),
            ({'port': 70000}, '/health_check/port: 70000'),
            ({'max_replacements': 0}, '/health_check/max_replacements: 0'),
            ({'max_unhealthy_percent': 101},
             '/health_check/max_unhealthy_percent: 101'),
            ({'replacement_period': 0}, '/health_check/replacement_period'),
            ({'path': 'healthz'}, "/health_check/path: 'healthz'"),
            ({'url_attribute': ''}, '/health_check/url_attribute'),
            ({'expected_codes': 200}, '/health_check/expected_codes: 200'),
            ({'interval': schemas.INT_MAX + 1}, '/health_check/interval'),
            ({'update_timeout': 0}, '/health_check/update_timeout: 0'),
            ({'rollback': 'yes'}, "/health_check/rollback: 'yes' is not "
                                  "of type 'boolean'"),
            ('http', "/health_check: 'http' is not of type"),
        ]
        before = self.rows()
        for check, message in cases:
            resp = self.as_request('POST', '/groups',
                                   dict(body, health_check=check))
            self.assertError(resp, 400, 'InvalidInput', message)
        self.assertEqual(before, self.rows())
        # the same on PATCH, and the group keeps its check
        g = self.make_group(min_size=0, desired=0, health_check=HTTP_CHECK)
        for check, message in cases[:3]:
            resp = self.patch(g, {'health_check': check}, expect=400)
            self.assertError(resp, 400, 'InvalidInput', message)
        self.assertEqual(HTTP_SHOWN, self.group(g['id'])['health_check'])

    def test_rules_across_keys_are_the_engines_400(self):
        body = {'name': 'g', 'min_size': 0, 'max_size': 2,
                'resource': {'type': 'OS::Heat::RandomString'}}
        cases = [
            ({'interval': 5, 'timeout': 10},
             'health_check.timeout: 10 is greater than interval 5'),
            ({'type': 'http'}, 'health_check.url_attribute: required when '
                               'type is http'),
            ({'type': 'http', 'url_attribute': 'url',
              'expected_codes': '200-abc'}, 'health_check.expected_codes'),
            ({'expected_codes': '99'}, 'health_check.expected_codes'),
        ]
        before = self.rows()
        for check, message in cases:
            resp = self.as_request('POST', '/groups',
                                   dict(body, health_check=check))
            self.assertError(resp, 400, None, message)
        self.assertEqual(before, self.rows())
        g = self.make_group(min_size=0, desired=0, health_check=HTTP_CHECK)
        resp = self.patch(g, {'health_check': dict(HTTP_CHECK, timeout=6)},
                          expect=400)
        self.assertError(resp, 400, None, 'health_check.timeout: 6 is '
                                          'greater than interval 5')
        after = self.group(g['id'])
        self.assertEqual((HTTP_SHOWN, g['version']),
                         (after['health_check'], after['version']))

    def test_patch_replaces_the_whole_check(self):
        g = self.make_group(min_size=0, desired=0, health_check=HTTP_CHECK)
        # a PATCH without health_check leaves it
        g2 = self.patch(g, {'max_size': 4})
        self.assertEqual(HTTP_SHOWN, g2['health_check'])
        # a new one replaces it whole: the keys not given are defaults
        # again (path, url_attribute...)
        g3 = self.patch(g2, {'health_check': {'type': 'status',
                                              'grace_period': 30,
                                              'max_replacements': 2}})
        self.assertEqual(dict(DEFAULTS, grace_period=30,
                              max_replacements=2),
                         g3['health_check'])
        self.assertIsNone(g3['health'])
        self.assertGreater(g3['version'], g2['version'])
        self.assertEqual(g3['health_check'],
                         self.group(g['id'])['health_check'])
        # the shown check given back is the same check
        g4 = self.patch(g3, {'health_check': g3['health_check']})
        self.assertEqual(g3['health_check'], g4['health_check'])
        # a check added to a group that had none
        plain = self.make_group('plain', min_size=0, desired=0)
        added = self.patch(plain, {'health_check': HTTP_CHECK})
        self.assertEqual(HTTP_SHOWN, added['health_check'])

    def test_patch_null_or_empty_removes_it(self):
        for i, value in enumerate((None, {})):
            g = self.make_group('g%d' % i, min_size=0, desired=0,
                                health_check=HTTP_CHECK)
            removed = self.patch(g, {'health_check': value})
            self.assertIsNone(removed['health_check'])
            self.assertIsNone(removed['health'])
            self.assertIsNone(self.group(g['id'])['health_check'])
            # removing what is not there is no error
            again = self.patch(removed, {'health_check': value})
            self.assertIsNone(again['health_check'])

    def test_the_openapi_document_describes_it(self):
        doc = self.as_request('GET', '//autoscaling/v1/openapi.json').json
        group = doc['components']['schemas']['Group']['properties']
        self.assertEqual(sorted(health.KEYS), sorted(
            group['health_check']['properties']))
        self.assertEqual(['HEALTHY', 'DEGRADED', 'GUARDED', 'LIMITED'],
                         group['health']['properties']['status']['enum'])
        for method in ('post', 'patch'):
            path = ('/autoscaling/v1/{project_id}/groups' if method == 'post'
                    else '/autoscaling/v1/{project_id}/groups/{group_id}')
            body = doc['paths'][path][method]['requestBody']['content'][
                'application/json']['schema']
            check = body['properties']['health_check']
            self.assertFalse(check['additionalProperties'])
            self.assertEqual(sorted(health.KEYS),
                             sorted(check['properties']))


class TestFormatHealth(base.TestCase):
    """The group's ``health`` as the engine gives it, with ``checked_at``
    in ISO 8601 whatever the engine sent."""

    def format(self, **group):
        req = webob.Request.blank('/')
        req.environ['heat.autoscaling.project_url'] = 'http://x/p'
        return controllers.format_group(req, dict({'id': 'g'}, **group))

    def test_health_shown(self):
        found = {'status': 'DEGRADED', 'reason': '1 of 4 members unhealthy',
                 'checked_at': '2027-01-01T08:00:05Z', 'members': 4,
                 'healthy': 3, 'unhealthy': 1, 'engine_id': 'e1'}
        out = self.format(health_check=HTTP_SHOWN, health=found)
        self.assertEqual(found, out['health'])
        self.assertEqual(HTTP_SHOWN, out['health_check'])
        posix = dict(found, checked_at=1798790405.0)
        self.assertEqual(found, self.format(health=posix)['health'])
        out = self.format()
        self.assertEqual((None, None), (out['health_check'], out['health']))
