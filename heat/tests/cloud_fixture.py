"""The mini-cloud for a test: a real OpenStack the engine acts on.

:class:`CloudFixture` makes sure the project's test cloud runs
(:func:`heat.tests.functional.minicloud.ensure_up`: started once, then
reused; the test skips with the reason when it cannot start), points the
engine's ``[clients] cloud`` at one of its ``clouds.yaml`` entries
(``mc-admin`` unless told otherwise) and gives the test an openstacksdk
connection of its own (``conn``) to check what the engine did::

    cloud = self.useFixture(cloud_fixture.CloudFixture())
    cloud.conn.compute.servers()
    cloud.minicloud.flavor      # 'mc.tiny'
"""

import os

import fixtures

from heat.common import config
from heat.engine import clients


class CloudFixture(fixtures.Fixture):

    def __init__(self, cloud='mc-admin'):
        super().__init__()
        self.cloud = cloud

    def setUp(self):
        # before the fixture's own setUp: a SkipTest raised inside it
        # would come out wrapped in a SetupError (a failure, not a skip)
        from heat.tests.functional import minicloud
        self.minicloud = minicloud.ensure_up()
        super().setUp()

    def _setUp(self):
        import openstack
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', self.minicloud.clouds_yaml))
        conf = config.CONF
        clients.register_opts(conf)
        conf.set_override('cloud', self.cloud, group='clients')
        self.addCleanup(conf.clear_override, 'cloud', group='clients')
        self.conn = openstack.connect(cloud=self.cloud)
        self.addCleanup(self.conn.close)

    @property
    def clouds_yaml(self):
        return os.path.abspath(self.minicloud.clouds_yaml)
