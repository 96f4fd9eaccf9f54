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
