"""The configuration options and the generated sample file."""

import os
import subprocess
import sys

import fixtures

from heat.common import config
from heat.tests import base

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


class TestConfig(base.TestCase):

    def test_embedded_default_is_sqlite_under_the_state_dir(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        conf = config.make_conf(state_dir_override=tmp)
        self.assertEqual('sqlite:///%s/heat.sqlite' % tmp,
                         conf.database.connection)

    def test_config_file_sets_the_connection(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'heat.conf')
        with open(path, 'w') as f:
            f.write('[database]\nconnection = sqlite:////srv/x.sqlite\n')
        conf = config.make_conf(default_config_files=[path])
        self.assertEqual('sqlite:////srv/x.sqlite', conf.database.connection)

    def test_sample_config_is_current(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        out = os.path.join(tmp, 'heat.conf.sample')
        subprocess.run(
            [sys.executable, '-m', 'oslo_config.generator',
             '--config-file',
             os.path.join(REPO, 'etc', 'heat', 'heat-config-generator.conf'),
             '--output-file', out],
            check=True, cwd=REPO, capture_output=True)
        with open(out) as f:
            generated = f.read()
        with open(os.path.join(REPO, 'etc', 'heat', 'heat.conf.sample')) as f:
            committed = f.read()
        self.assertEqual(generated, committed,
                         'regenerate: oslo-config-generator --config-file '
                         'etc/heat/heat-config-generator.conf')


class TestProductionExample(base.TestCase):
    """``etc/heat/heat.conf.production`` (doc/deployment.md's example)
    sets only options that exist, to values they accept."""

    PATH = os.path.join(REPO, 'etc', 'heat', 'heat.conf.production')

    def _sections(self):
        import configparser
        parser = configparser.ConfigParser()
        with open(self.PATH) as f:
            parser.read_file(f)
        return {'DEFAULT': dict(parser.defaults()),
                **{s: {k: v for k, v in parser.items(s)
                       if k not in parser.defaults()}
                   for s in parser.sections()}}

    def test_every_option_exists_and_parses(self):
        from heat.api import options as api_options
        from heat.rpc import transport as rpc_transport
        conf = config.make_conf(default_config_files=[self.PATH])
        # what heat-api and heat-engine register too (config.load)
        rpc_transport.register_opts(conf)
        api_options.register_opts(conf)
        checked = 0
        for section, values in self._sections().items():
            if section == 'keystone_authtoken':
                continue
            group = conf if section == 'DEFAULT' else conf[section]
            for key in values:
                # an unknown name raises NoSuchOptError; a bad value
                # raises ConfigFileValueError when read
                self.assertIsNotNone(getattr(group, key),
                                     '[%s] %s' % (section, key))
                checked += 1
        self.assertEqual(20, checked)
        self.assertEqual(4, conf.num_engine_workers)
        self.assertEqual(60, conf.autoscaling.lease_ttl)

    def test_keystone_section_names_auth_token_options(self):
        from keystoneauth1 import loading
        from keystonemiddleware import auth_token
        known = {opt.dest for _group, opts in auth_token.list_opts()
                 for opt in opts}
        known |= {opt.dest for opt in
                  loading.get_plugin_loader('password').get_options()}
        known.add('auth_type')
        for key in self._sections()['keystone_authtoken']:
            self.assertIn(key, known)

    def test_deployment_guide_points_at_it(self):
        with open(os.path.join(REPO, 'doc', 'deployment.md')) as f:
            self.assertIn('etc/heat/heat.conf.production', f.read())
