"""A group's health check (self-healing groups) through the library
(``groups.create/update(health_check=...)``) and the CLI (``group
create/update --health-check KEY=VALUE``, ``--no-health-check``), against
the real server (heat-all: see :mod:`heat_autoscalingclient.tests.server`).
"""

import argparse
import contextlib
import io
import uuid

import testtools

from heat_autoscalingclient import exceptions, models
from heat_autoscalingclient.osc.v1 import common
from heat_autoscalingclient.tests import test_cli, test_library

MEMBER = test_library.MEMBER
HTTP_CHECK = {'type': 'http', 'url_attribute': 'url', 'interval': 5,
              'timeout': 2}
#: HTTP_CHECK as the server shows it: the defaults filled in (the
#: server may show more keys: the checks compare these)
HTTP_SHOWN = {'type': 'http', 'grace_period': 0, 'interval': 5,
              'timeout': 2, 'healthy_threshold': 2, 'unhealthy_threshold': 3,
              'url_attribute': 'url', 'path': None, 'port': 80,
              'expected_codes': '200', 'max_unhealthy_percent': 50,
              'max_replacements': None, 'replacement_period': 3600}
#: a status check with nothing given
STATUS_SHOWN = dict(HTTP_SHOWN, type='status', interval=10, timeout=5,
                    url_attribute=None)


class TestModel(testtools.TestCase):

    def test_group_fields(self):
        health = {'status': 'HEALTHY', 'reason': 'all 2 members healthy',
                  'checked_at': '2027-01-01T08:00:05Z', 'members': 2,
                  'healthy': 2, 'unhealthy': 0, 'engine_id': 'e1'}
        g = models.Group.from_dict({'id': 'g', 'health_check': HTTP_SHOWN,
                                    'health': health})
        self.assertEqual((HTTP_SHOWN, health, {}),
                         (g.health_check, g.health, g.extra))
        self.assertEqual(health, g.to_dict()['health'])
        self.assertIsNone(models.Group.from_dict({'id': 'g'}).health_check)


class TestCommandValues(testtools.TestCase):
    """How ``--health-check`` reads its values (no server)."""

    def parse(self, *args, update=False):
        parser = argparse.ArgumentParser()
        common.add_health_check_args(parser, update=update)
        return parser.parse_args(list(args))

    def test_values(self):
        args = self.parse('--health-check', 'type=http',
                          '--health-check', 'interval=5',
                          '--health-check', 'timeout=2.5',
                          '--health-check', 'url_attribute=url',
                          '--health-check', 'expected_codes=200',
                          '--health-check', 'path=/healthz',
                          '--health-check', 'max_replacements=null',
                          '--health-check', 'grace_period=soon',
                          '--health-check', 'rollback=true')
        self.assertEqual({'type': 'http', 'interval': 5, 'timeout': 2.5,
                          'url_attribute': 'url', 'expected_codes': '200',
                          'path': '/healthz', 'max_replacements': None,
                          'grace_period': 'soon', 'rollback': True},
                         args.health_check)
        self.assertEqual(args.health_check, common.health_check(args))
        # not given: nothing sent
        self.assertIsNone(common.health_check(self.parse()))

    def test_update_merges_and_removes(self):
        args = self.parse('--health-check', 'interval=20', update=True)
        self.assertEqual(dict(HTTP_SHOWN, interval=20),
                         common.health_check(args, current=HTTP_SHOWN))
        self.assertEqual({'interval': 20},
                         common.health_check(args, current=None))
        args = self.parse('--no-health-check', update=True)
        self.assertEqual({}, common.health_check(args, current=HTTP_SHOWN))
        self.assertIsNone(common.health_check(self.parse(update=True)))

    def test_usage_errors(self):
        for args in (('--health-check', 'interval'),
                     ('--health-check', '=5'),
                     ('--health-check', 'interval=5', '--no-health-check')):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                exc = self.assertRaises(SystemExit, self.parse, *args,
                                        update=True)
            self.assertEqual(2, exc.code)
            self.assertIn('health-check', err.getvalue())


class CheckAssertions:

    def assertCheck(self, expected, shown):
        """``shown`` (a group's health_check) has ``expected``'s keys
        and values (and may have more keys)."""
        self.assertIsInstance(shown, dict)
        self.assertEqual(expected, {k: shown.get(k) for k in expected})


class TestLibraryHealthCheck(CheckAssertions, test_library.LibraryTestCase):

    def test_create_update_remove(self):
        group = self.client.groups.create(
            name='web', min_size=0, max_size=3, desired_capacity=0,
            resource=MEMBER, health_check=HTTP_CHECK)
        self.assertCheck(HTTP_SHOWN, group.health_check)
        self.assertIsNone(group.health)
        self.assertEqual({}, group.extra)
        self.assertCheck(HTTP_SHOWN,
                         self.client.groups.get(group).health_check)
        # other changes leave it
        group = self.client.groups.update(group, max_size=4)
        self.assertCheck(HTTP_SHOWN, group.health_check)
        # a new check replaces it whole
        group = self.client.groups.update(
            group, if_match=group, health_check={'type': 'status',
                                                 'max_replacements': 2})
        self.assertCheck(dict(STATUS_SHOWN, max_replacements=2),
                         group.health_check)
        # {} removes it
        group = self.client.groups.update(group, health_check={})
        self.assertIsNone(group.health_check)
        self.assertIsNone(self.client.groups.get(group).health_check)
        # a group without one
        plain = self.create_group(wait=False, desired=0)
        self.assertIsNone(plain.health_check)
        self.assertIsNone(plain.health)

    def test_bad_checks_are_bad_requests_naming_the_key(self):
        name = 'g-%s' % uuid.uuid4().hex[:6]
        for check, message in (
                ({'interval': 0}, '/health_check/interval: 0'),
                ({'colour': 'red'}, '/health_check/colour: unknown key'),
                ({'interval': 5, 'timeout': 10},
                 'health_check.timeout: 10 is greater than interval 5'),
                ({'type': 'http'}, 'health_check.url_attribute')):
            exc = self.assertRaises(
                exceptions.BadRequest, self.client.groups.create,
                name=name, min_size=0, max_size=1, resource=MEMBER,
                health_check=check)
            self.assertIn(message, exc.message)
        self.assertEqual([], list(self.client.groups.list()))


class TestCLIHealthCheck(CheckAssertions, test_cli.CLITestCase):

    def test_create_show_update_remove(self):
        group = self.osc_json(
            'group', 'create', 'web', '--min-size', '0', '--max-size', '3',
            '--desired-capacity', '0', '--resource-type',
            'OS::Heat::RandomString', '--health-check', 'type=http',
            '--health-check', 'url_attribute=url', '--health-check',
            'interval=5', '--health-check', 'timeout=2',
            '--health-check', 'expected_codes=200')
        self.assertCheck(HTTP_SHOWN, group['health_check'])
        self.assertIsNone(group['health'])
        shown = self.osc_json('group', 'show', 'web')
        self.assertCheck(HTTP_SHOWN, shown['health_check'])
        self.assertIn('health', shown)
        table = self.osc('group', 'show', 'web').stdout
        self.assertIn('| health_check', table)
        self.assertIn('"url_attribute": "url"', table)
        self.assertIn('| health ', table)

        # the keys given change the current check, the others are kept
        updated = self.osc_json('group', 'update', 'web', '--health-check',
                                'max_replacements=2', '--health-check',
                                'path=/healthz')
        self.assertCheck(dict(HTTP_SHOWN, max_replacements=2,
                              path='/healthz'), updated['health_check'])
        updated = self.osc_json('group', 'update', 'web',
                                '--no-health-check')
        self.assertIsNone(updated['health_check'])
        self.assertIsNone(self.osc_json('group', 'show', 'web')[
            'health_check'])
        # added again, to a group that has none
        updated = self.osc_json('group', 'update', 'web', '--health-check',
                                'grace_period=30')
        self.assertCheck(dict(STATUS_SHOWN, grace_period=30),
                         updated['health_check'])

    def test_errors(self):
        run = self.osc('group', 'create', 'web', '--min-size', '0',
                       '--max-size', '1', '--resource-type',
                       'OS::Heat::RandomString', '--health-check',
                       'interval=0', expect=1)
        self.assertIn('/health_check/interval: 0', run.stderr)
        self.assertIn('HTTP 400', run.stderr)
        run = self.osc('group', 'create', 'web', '--min-size', '0',
                       '--max-size', '1', '--resource-type',
                       'OS::Heat::RandomString', '--health-check',
                       'type=http', expect=1)
        self.assertIn('health_check.url_attribute', run.stderr)
        self.osc('group', 'create', 'web', '--min-size', '0',
                 '--max-size', '1', '--resource-type',
                 'OS::Heat::RandomString', '--health-check', 'interval',
                 expect=2)
        self.assertEqual([], self.osc_json('group', 'list'))
        self.osc('group', 'create', 'web', '--min-size', '0', '--max-size',
                 '1', '--resource-type', 'OS::Heat::RandomString',
                 '--health-check', 'type=status')
        # over the current check, whose timeout (5) is over the new
        # interval: the engine names the key, nothing changes
        run = self.osc('group', 'update', 'web', '--health-check',
                       'interval=2', expect=1)
        self.assertIn('health_check.timeout: 5 is greater than interval 2',
                      run.stderr)
        self.assertCheck(STATUS_SHOWN, self.osc_json(
            'group', 'show', 'web')['health_check'])
        self.osc('group', 'update', 'web', '--health-check', 'interval=2',
                 '--no-health-check', expect=2)
