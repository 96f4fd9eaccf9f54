"""Load test on real processes: 2,000 triggers from 20 concurrent HTTP
clients against 3 engines.

``heat-api`` + 3 ``heat-engine`` processes on RabbitMQ and a fresh MariaDB
database (:mod:`heat.tests.functional.processes`); the stack of
:mod:`heat.tests.functional.load` (an ``OS::Heat::AutoScalingGroup`` of
``OS::Heat::None``, min 0, max 100000, desired 0, cooldown 0, and a +1
``ScalingPolicy`` with cooldown 0); ``TRIGGERS`` POSTs to the policy's
signal URL from ``CLIENTS`` keep-alive clients (no Idempotency-Key:
every POST is a trigger of its own).

Asserted: zero HTTP 5xx (no error at all); every trigger accepted (with
cooldown 0 and room to grow, none may be rejected); the final desired
capacity is exactly the number of triggers; the group converges with as
many ACTIVE member rows as member-stack resource rows, all distinct;
every trigger has an activity of its own (``trigger = 'signal'``,
``ACCEPTED`` then ``COMPLETE``), and the activities' capacities step
0 -> 1 -> ... -> TRIGGERS, each exactly once (no trigger lost, none
applied twice).

Figures on stderr (and in ``doc/reliability.md``): decisions per second,
p50/p99 latency of the HTTP round trip (the decision is returned
synchronously), seconds from the last trigger to convergence.

Environment: ``HEAT_LOAD_TRIGGERS`` (default 2000), ``HEAT_LOAD_CLIENTS``
(default 20), ``HEAT_LOAD_ENGINES`` (default 3). Skipped, with the
reason, when RabbitMQ or MariaDB does not answer. Run:
``.venv/bin/python -m testtools.run heat.tests.functional.test_load``.
"""

import json
import os
import sys
import time
import unittest
import uuid

import testtools

from heat.tests.functional import load
from heat.tests.functional.processes import Cluster, mysql, skip_reason

TRIGGERS = int(os.environ.get('HEAT_LOAD_TRIGGERS', '2000'))
CLIENTS = int(os.environ.get('HEAT_LOAD_CLIENTS', '20'))
ENGINES = int(os.environ.get('HEAT_LOAD_ENGINES', '3'))
#: seconds the group may take to converge after the last trigger
CONVERGE_TIMEOUT = 300


def report(msg):
    sys.stderr.write('[load] %s\n' % msg)
    sys.stderr.flush()


class TestLoad(testtools.TestCase):

    def setUp(self):
        super().setUp()
        reason = skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        self.cluster = Cluster(engines=ENGINES,
                               extra_conf=load.CONF).start()
        self.addCleanup(self.cluster.stop)
        db = self.cluster.db_name
        self.target = load.Target(
            self.cluster.port, lambda sql: mysql(sql, database=db),
            lambda: {p.name: p.output()[1][-3000:]
                     for p in self.cluster.processes})

    def q(self, sql):
        return self.target.query(sql)

    def test_triggers_from_concurrent_clients(self):
        project = 'load-%s' % uuid.uuid4().hex[:8]
        t0 = time.monotonic()
        out = load.run_load(self.target, TRIGGERS, CLIENTS,
                            CONVERGE_TIMEOUT, project=project)
        figures = {k: out.get(k) for k in (
            'decisions_per_s', 'p50_ms', 'p99_ms', 'seconds',
            'converge_s', 'http_statuses', 'accepted', 'activities')}
        figures.update(engines=ENGINES, clients=CLIENTS, triggers=TRIGGERS,
                       total_s=round(time.monotonic() - t0, 1))
        report(json.dumps(figures, sort_keys=True))
        if out.get('problems'):
            report('problems: %s' % out['problems'])
            for name, tail in (out.get('stderr_tails') or {}).items():
                report('%s stderr tail:\n%s' % (name, tail))

        self.assertEqual({'200': TRIGGERS}, out['http_statuses'],
                         out.get('error_bodies'))
        self.assertEqual(0, out['http_5xx'])
        self.assertNotIn('transport_errors', out)
        self.assertEqual(TRIGGERS, out['accepted'])
        self.assertTrue(out['converged'], out['final'])
        self.assertEqual(TRIGGERS, out['final_capacity'])
        self.assertTrue(out['members_equal_desired'], out['final'])

        gid = out['group_id']
        names = [r[0] for r in self.q(
            "SELECT name FROM scaling_member WHERE group_id = '%s'" % gid)]
        resources = [r[0] for r in self.q(
            "SELECT name FROM resource WHERE stack_id = '%s'" % gid)]
        self.assertEqual(TRIGGERS, len(set(names)))
        self.assertEqual(sorted(names), sorted(resources))

        # every trigger has its own activity, each step applied once
        acts = self.q(
            "SELECT from_capacity, to_capacity, status FROM "
            "scaling_activity WHERE group_id = '%s' AND `trigger` = "
            "'signal'" % gid)
        self.assertEqual(TRIGGERS, len(acts))
        self.assertEqual({'COMPLETE'}, {a[2] for a in acts})
        self.assertEqual([(i, i + 1) for i in range(TRIGGERS)],
                         sorted((a[0], a[1]) for a in acts))
