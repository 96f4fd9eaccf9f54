"""The mini OpenStack cloud (:mod:`heat.tests.functional.minicloud`)
boots a server.

:func:`minicloud.ensure_up` starts the cloud when it does not answer
(40-60 s here; the first time also about a minute of pip) and leaves it running
for the next tests; ``python -m heat.tests.functional.minicloud down``
stops it. Skipped, with the reason, when it cannot run or start
(MariaDB or RabbitMQ not answering, ``HEAT_MINICLOUD=0``, a failed pip
install, a service that did not answer, ...).
"""

import uuid

import testtools

from heat.tests.functional import minicloud


class MiniCloudTestCase(testtools.TestCase):

    cloud = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cloud = minicloud.ensure_up()

    def _delete_server(self, conn, server):
        conn.compute.delete_server(server, ignore_missing=True)
        conn.compute.wait_for_delete(server, interval=0.5, wait=120)

    def test_server_boots_active_and_is_deleted(self):
        conn = self.cloud.connect(minicloud.DEMO_CLOUD)
        server = conn.compute.create_server(
            name='mc-test-%s' % uuid.uuid4().hex[:8],
            flavor_id=self.cloud.flavor_id, image_id=self.cloud.image_id,
            networks=[{'uuid': self.cloud.network_id}])
        self.addCleanup(self._delete_server, conn, server)
        server = conn.compute.wait_for_server(server, status='ACTIVE',
                                              interval=0.5, wait=120)
        self.assertEqual('ACTIVE', server.status)
        self.assertEqual(self.cloud.demo_project_id, server.project_id)
        self.assertIn(minicloud.NETWORK_NAME, server.addresses)
        ports = list(conn.network.ports(device_id=server.id))
        self.assertEqual(['ACTIVE'], [p.status for p in ports])

        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, interval=0.5, wait=120)
        self.assertIsNone(conn.compute.find_server(server.id))
        self.assertEqual([], list(conn.network.ports(device_id=server.id)))

    def test_projects_are_isolated_and_aodh_answers(self):
        demo = self.cloud.connect(minicloud.DEMO_CLOUD)
        other = self.cloud.connect(minicloud.OTHER_CLOUD)
        name = 'mc-isolated-%s' % uuid.uuid4().hex[:8]
        net = demo.network.create_network(name=name)
        self.addCleanup(demo.network.delete_network, net,
                        ignore_missing=True)
        self.assertIsNone(other.network.find_network(name))
        for conn in (demo, other):
            url = conn.session.get_endpoint(service_type='alarming',
                                            interface='public')
            resp = conn.session.get(url + '/v2/alarms')
            self.assertEqual(200, resp.status_code)
            self.assertIsInstance(resp.json(), list)
