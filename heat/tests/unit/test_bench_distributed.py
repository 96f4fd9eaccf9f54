"""bench/distributed.py: the configuration ``--set`` gives every
process."""

import configparser
import importlib.util
import os

import testtools

_PATH = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'bench',
                     'distributed.py')


def _load():
    spec = importlib.util.spec_from_file_location('bench_distributed',
                                                  _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestSettings(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.bench = _load()

    def parsed(self, settings):
        parser = configparser.ConfigParser(strict=False)
        parser.read_string(self.bench.conf_text(settings))
        return parser

    def test_settings_land_in_their_sections(self):
        conf = self.parsed(['autoscaling.coalesce_window=0',
                            'autoscaling.lease_ttl=7',
                            'DEFAULT.debug=true'])
        self.assertEqual(('0', '7'),
                         (conf['autoscaling']['coalesce_window'],
                          conf['autoscaling']['lease_ttl']))
        # the bench's own options stay
        self.assertEqual(('-1', 'true'),
                         (conf['DEFAULT']['max_resources_per_stack'],
                          conf['DEFAULT']['debug']))

    def test_no_settings_is_the_bench_configuration(self):
        self.assertEqual(self.bench.CONF, self.bench.conf_text([]))

    def test_a_setting_without_section_or_value_is_refused_naming_it(self):
        for bad in ('coalesce_window=0', 'autoscaling.coalesce_window',
                    'autoscaling.=1'):
            exc = self.assertRaises(SystemExit, self.bench.conf_text, [bad])
            self.assertIn(repr(bad), str(exc))
