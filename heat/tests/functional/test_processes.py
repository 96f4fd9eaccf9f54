"""The functional suite on real processes: ``heat-api`` and two
``heat-engine`` processes on RabbitMQ and MariaDB, driven by the real
python-heatclient (the scenarios of :mod:`heat.tests.heatclient_scenarios`).

Once per class: a fresh MariaDB database (PyMySQL), ``heat-manage
db_sync`` on it, a RabbitMQ virtual host of its own when ``rabbitmqctl``
can make one (else ``/``), a configuration file, then the processes on
free ports. Each start is waited for (the engine's ``service`` row and
its "serving" log line; the API's port) and times out with the process's
stderr. At the end the processes get SIGTERM (SIGKILL after 30 s), the
database and the virtual host are dropped.

Skipped, with the reason, when RabbitMQ (``HEAT_TEST_RABBIT_URL``,
default ``rabbit://guest:guest@127.0.0.1:5672/``) or MariaDB
(``HEAT_TEST_MYSQL_URL``, default ``mysql+pymysql://root@127.0.0.1``)
does not answer. Run: ``make functional`` or ``.venv/bin/python -m
testtools.run heat.tests.functional.test_processes``; the unit suite runs
these classes too (``heat/tests/unit/test_functional_processes.py``).
"""

import os
import unittest
import uuid

import fixtures
import testtools

from heat.tests.functional.processes import (  # noqa: F401
    BINDIR,
    MYSQL_URL,
    RABBIT_URL,
    START_TIMEOUT,
    Cluster,
    Process,
    ProcessStartError,
    answers,
    free_port,
    mysql,
    skip_reason,
)
from heat.tests.heatclient_scenarios import HeatclientScenarios


class ProcessesTestCase(testtools.TestCase):
    """One cluster per class; each test gets a project of its own."""

    cluster = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        cls.cluster = Cluster(engines=2).start()

    @classmethod
    def tearDownClass(cls):
        if cls.cluster is not None:
            cls.cluster.stop()
            cls.cluster = None
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.project = 'func-%s' % uuid.uuid4().hex[:8]
        self.endpoint = self.cluster.endpoint(self.project)
        self.hc = self.client()


class TestHeatclientOnProcesses(HeatclientScenarios, ProcessesTestCase):
    """The heatclient scenarios on heat-api + 2 heat-engine."""

    def test_both_engines_are_registered_and_alive(self):
        self.assertEqual(2, self.cluster._rows())
        for proc in self.cluster.processes:
            self.assertIsNone(proc.proc.poll(), proc.name)

    def test_stacks_spread_over_both_engines(self):
        # each create is handled by whichever engine takes the message;
        # every one completes, whichever it was
        idents = []
        for i in range(4):
            created = self.hc.stacks.create(
                stack_name='s%d' % i, template={
                    'heat_template_version': '2016-10-14',
                    'resources': {'r': {'type': 'OS::Heat::RandomString'}}})
            idents.append('s%d/%s' % (i, created['stack']['id']))
        for ident in idents:
            self.settle(ident, 'CREATE_COMPLETE')
        self.assertEqual(4, len(list(self.hc.stacks.list())))


class TestProcessStart(testtools.TestCase):
    """A process that cannot start fails the wait at once, with its
    stderr (no services needed)."""

    def test_a_failed_start_shows_the_stderr(self):
        workdir = self.useFixture(fixtures.TempDir()).path
        proc = Process('heat-engine', ['heat-engine', '--config-file',
                                       os.path.join(workdir, 'missing')],
                       workdir)
        self.addCleanup(proc.stop)
        err = self.assertRaises(ProcessStartError, proc.wait_for,
                                'its service row', lambda: False, 30)
        self.assertIn('heat-engine exited with status', str(err))
        self.assertIn('missing', str(err))
