"""Fault test on real processes: restart MariaDB, then RabbitMQ, in the
middle of a trigger load.

A private MariaDB and a private RabbitMQ
(:mod:`heat.tests.functional.services`, so that restarting them disturbs
no other test), ``heat-api`` + 3 ``heat-engine`` processes on them
(:class:`~heat.tests.functional.processes.Cluster`), the load stack of
:mod:`heat.tests.functional.load` (a group of ``OS::Heat::None``,
cooldown 0, a +1 policy), and :data:`TRIGGERS` signals of the policy from
:data:`CLIENTS` concurrent HTTP clients, each trigger with an
``Idempotency-Key`` of its own, retried with the same key after a 5xx, a
429 or a transport error (honouring ``Retry-After``, for at most
:data:`RETRY_SECONDS`). When the group's desired capacity passes a third
of the load MariaDB is stopped, kept down :data:`DOWN_SECONDS` and
started again; at two thirds RabbitMQ is.

Asserted: no HTTP 500; every other answer than a 2xx is a 502, 503 or
504 with ``Retry-After``; every key ends accepted; the final desired
capacity, the distinct keys accepted, the receipts and the accepted
activities all equal :data:`TRIGGERS`, and no activity was rejected; the
members converge to exactly that many (none duplicated); for each
restart the first 2xx answer comes less than :data:`BACK_WITHIN` seconds
after the service answers again; the 3 engines and the API are still
running, and each of the 3 engines decides triggers again after the
broker restart (its RPC server reconnected; if one decided none of the
last fifth of the load, more triggers are sent, for at most
:data:`RECONNECT_WITHIN` seconds, until it does). Figures on stderr:
start times of the services, each outage window, answers by status
during it, time back, throughput, latency percentiles.

Environment: ``HEAT_FAULT_TRIGGERS`` (default 2000),
``HEAT_FAULT_DOWN_SECONDS`` (default 2; above ``db_retry_seconds``, 10,
the engines give up and answer 503 until the database is back). Skipped,
with the reason, when ``mariadbd``, ``mariadb-install-db`` or
``rabbitmq-server`` is missing. Run: ``.venv/bin/python -m testtools.run
heat.tests.functional.test_faults``.
"""

import json
import os
import sys
import threading
import time
import unittest
import uuid

import testtools

from heat.tests.functional import load, services
from heat.tests.functional.processes import Cluster

TRIGGERS = int(os.environ.get('HEAT_FAULT_TRIGGERS', '2000'))
CLIENTS = 20
#: seconds a restarted service stays down
DOWN_SECONDS = float(os.environ.get('HEAT_FAULT_DOWN_SECONDS', '2'))
#: a trigger is retried for at most this long
RETRY_SECONDS = 180
#: seconds from a service answering again to the first 2xx trigger
BACK_WITHIN = 10
CONVERGE_TIMEOUT = 600
#: seconds every engine must be deciding triggers again after the load
RECONNECT_WITHIN = 60
RETRYABLE = (502, 503, 504)

CONF = load.CONF + ('[autoscaling]\n'
                    'lease_ttl = 5\n'
                    'sweep_interval = 1\n')


def report(msg):
    sys.stderr.write('[faults] %s\n' % msg)
    sys.stderr.flush()


class TestRestartsUnderLoad(testtools.TestCase):

    def setUp(self):
        super().setUp()
        reason = services.skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        self.db = services.PrivateMariaDB()
        self.addCleanup(self.db.cleanup)
        self.mq = services.PrivateRabbitMQ()
        self.addCleanup(self.mq.cleanup)
        report('private MariaDB answered %.2fs after start; private '
               'RabbitMQ %.2fs' % (self.db.start(), self.mq.start()))
        self.cluster = Cluster(engines=3, extra_conf=CONF,
                               mysql_url=self.db.url,
                               transport_url=self.mq.url).start()
        self.addCleanup(self.cluster.stop)
        self.addOnException(self.dump_logs)
        self.target = load.Target(
            self.cluster.port,
            lambda sql: self.db.query(sql, database=self.cluster.db_name),
            lambda: {p.name: p.output()[1][-3000:]
                     for p in self.cluster.processes})

    def dump_logs(self, exc_info):
        for p in self.cluster.processes:
            report('%s (pid %d, %s) stderr tail:\n%s' % (
                p.name, p.proc.pid, 'running' if p.proc.poll() is None
                else 'exit %s' % p.proc.returncode,
                p.output()[1][-4000:]))

    def q(self, sql):
        return self.target.query(sql)

    def desired(self, gid):
        try:
            return self.q("SELECT desired_capacity FROM scaling_group "
                          "WHERE id = '%s'" % gid)[0][0]
        except Exception:  # noqa: BLE001 - the database is down
            return None

    def restart(self, server, name, outages):
        t_stop = time.monotonic()
        server.stop()
        time.sleep(DOWN_SECONDS)
        server.start()
        t_back = time.monotonic()
        outages.append({'service': name, 'stop': t_stop, 'back': t_back})
        report('%s stopped, down %.1fs, answering again %.2fs after the '
               'stop' % (name, DOWN_SECONDS, t_back - t_stop))

    def test_restart_mariadb_then_rabbitmq_under_load(self):
        project = 'faults-%s' % uuid.uuid4().hex[:8]
        name = 'faults%s' % uuid.uuid4().hex[:6]
        stack_id = load.create_stack(self.target, project, name)
        gid = self.q("SELECT id FROM scaling_group WHERE stack_id = '%s'"
                     % stack_id)[0][0]
        path = '/v1/%s/stacks/%s/%s/resources/up/signal' % (project, name,
                                                             stack_id)
        result = {}

        def run():
            result.update(load.fire(self.target, path, TRIGGERS, CLIENTS,
                                    retry=load.Retry(RETRY_SECONDS)))

        loader = threading.Thread(target=run)
        t0 = time.monotonic()
        loader.start()
        outages = []
        for server, svc, fraction in ((self.db, 'MariaDB', 1 / 3),
                                      (self.mq, 'RabbitMQ', 2 / 3)):
            while loader.is_alive() and \
                    (self.desired(gid) or 0) < TRIGGERS * fraction:
                time.sleep(0.05)
            if not loader.is_alive():
                break
            self.restart(server, svc, outages)
        loader.join()
        self.assertEqual(2, len(outages),
                         'the load ended before both restarts')
        self.assertIn('events', result, 'the load failed')

        # answers during and after each outage
        events = result['events']
        for o in outages:
            ok_after = [e[0] for e in events if e[0] >= o['back'] and
                        isinstance(e[1], int) and e[1] < 300]
            o['time_back'] = (min(ok_after) - o['back']) if ok_after \
                else None
            window = [e for e in events if o['stop'] <= e[0] <=
                      o['back'] + (o['time_back'] or 0)]
            by_status = {}
            for e in window:
                by_status[str(e[1])] = by_status.get(str(e[1]), 0) + 1
            o['answers'] = by_status
            report('%s outage: t=%.1fs..%.1fs (%.2fs); answers meanwhile '
                   '(until the first 2xx after) %s; first 2xx %ss after '
                   'it answered again' % (
                       o['service'], o['stop'] - t0, o['back'] - t0,
                       o['back'] - o['stop'], by_status,
                       None if o['time_back'] is None
                       else round(o['time_back'], 2)))
        report('load: %d triggers, %d clients, %.1fs, %.1f triggers/s; '
               'request p50 %sms p99 %sms; trigger (with retries) p50 %sms '
               'p99 %sms; attempts %d by status %s; outcomes %s' % (
                   TRIGGERS, CLIENTS, result['seconds'],
                   result['decisions_per_s'], result['p50_ms'],
                   result['p99_ms'], result['trigger_p50_ms'],
                   result['trigger_p99_ms'], result['attempts'],
                   result['http_statuses'], result['outcomes']))
        failures = [e for e in events if e[1] == 'transport' or e[1] >= 300]
        if failures:
            report('first failed attempts: %r' % (failures[:5],))

        # no 500; every other failure is retryable and says when
        self.assertNotIn('500', result['http_statuses'])
        bad = [e for e in failures if e[1] not in RETRYABLE or not e[2]]
        self.assertEqual([], bad[:10],
                         'answers other than 2xx or 502/503/504 with '
                         'Retry-After')
        # every key accepted, exactly once
        self.assertEqual({'accepted': TRIGGERS}, result['outcomes'])
        keys = set(result['keys'])
        self.assertEqual(TRIGGERS, len(keys))
        receipts = {r[0] for r in self.q(
            "SELECT idempotency_key FROM scaling_trigger_receipt WHERE "
            "group_id = '%s'" % gid)}
        self.assertEqual(keys, receipts)
        activities = dict(self.q(
            "SELECT status, COUNT(*) FROM scaling_activity WHERE group_id "
            "= '%s' AND policy_id IS NOT NULL GROUP BY status" % gid))
        # (the converger moves them on to IN_PROGRESS, COMPLETE)
        self.assertEqual(TRIGGERS, sum(activities.values()), activities)
        self.assertNotIn('REJECTED', activities)

        # the members converge to exactly that many
        deadline = time.monotonic() + CONVERGE_TIMEOUT
        t_end = time.monotonic()
        while True:
            g = load.group_state(self.target, gid)
            done = (g['converged_version'] >= g['version'] and
                    g['active_members'] == g['desired_capacity'] ==
                    g['member_rows'])
            if done or g['status'] == 'FAILED' or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.5)
        report('converged %s %.1fs after the load: %r' % (
            done, time.monotonic() - t_end, g))
        self.assertTrue(done, g)
        self.assertEqual(TRIGGERS, g['desired_capacity'])
        self.assertEqual(TRIGGERS, g['member_rows'])
        names = [r[0] for r in self.q("SELECT name FROM scaling_member "
                                      "WHERE group_id = '%s'" % gid)]
        self.assertEqual(TRIGGERS, len(set(names)))

        # back within BACK_WITHIN seconds each time
        for o in outages:
            self.assertIsNotNone(o['time_back'], o['service'])
            self.assertLess(o['time_back'], BACK_WITHIN, o['service'])
        # nothing died, and every engine takes work again after the
        # broker restart (its RPC server reconnected): the engines that
        # decided the last fifth of the load (all after the restart),
        # then, for one missing there, more triggers until each engine
        # has decided one, for at most RECONNECT_WITHIN seconds
        engines = set(self.cluster.engine_ids())
        self.assertEqual(3, len(engines))
        late = [r[0] for r in self.q(
            "SELECT engine_id FROM scaling_activity WHERE group_id = '%s' "
            "AND policy_id IS NOT NULL ORDER BY started_at DESC, id "
            "LIMIT %d" % (gid, TRIGGERS // 5))]
        report('engines deciding the last %d triggers: %s' % (
            len(late), {e: late.count(e) for e in sorted(set(late))}))
        seen, extra = set(late), 0
        t_extra = time.monotonic()
        while seen != engines and \
                time.monotonic() - t_extra < RECONNECT_WITHIN:
            status, body = self.target.request('POST', path, {})
            extra += 1
            if status < 300:
                seen.add(self.q(
                    "SELECT engine_id FROM scaling_activity WHERE id = "
                    "'%s'" % json.loads(body)['activity_id'])[0][0])
        if extra:
            report('%d more triggers: %s decided one within %.1fs; '
                   'missing %s' % (extra, sorted(seen - set(late)),
                                   time.monotonic() - t_extra,
                                   sorted(engines - seen)))
        self.assertEqual(engines, seen)
        api = [p for p in self.cluster.processes if p.name == 'heat-api']
        self.assertIsNone(api[0].proc.poll())


# ---------------------------------------------------------------------------
# a stack action whose final state write falls in a database outage

FINAL_WAIT = 8
#: longer than the writes that end the action retry one after the other
#: (the resource's state and event, then the stack's: db_retry_seconds
#: each), with room for a loaded machine: at 8 s a fresh-clone run
#: under load wrote the stack's state when MariaDB was back already
FINAL_DOWN = 14
FINAL_RETRY = 2
FINAL_CHECK = 1
#: seconds from MariaDB answering again to a final state
FINAL_WITHIN = FINAL_CHECK + 10

FINAL_CONF = ('[DEFAULT]\n'
              'report_interval = 1\n'
              'stale_stack_check_interval = %d\n'
              'db_retry_seconds = %d\n' % (FINAL_CHECK, FINAL_RETRY))

FINAL_TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  slow:
    type: OS::Heat::TestResource
    properties:
      action_wait_secs:
        create: %d
''' % FINAL_WAIT


class TestFinalWriteInOutage(testtools.TestCase):
    """A private MariaDB, ``heat-api`` + one ``heat-engine``
    (``db_retry_seconds = 2``, ``stale_stack_check_interval = 1``): a
    stack create whose one resource ends after 8 s; MariaDB is stopped
    just before that end and kept down ``FINAL_DOWN`` (14 s), longer than
    the engine retries the action's last writes. The action's end (the
    resource's state, the stack's) cannot be written; the engine keeps
    the stack's lock, and once MariaDB answers again its stale-stack
    check writes the stack's final state and frees the lock: the stack
    is not left CREATE_IN_PROGRESS under a free lock."""

    def setUp(self):
        super().setUp()
        reason = services.skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        from heat.tests.functional import processes
        reason = processes.skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        self.db = services.PrivateMariaDB()
        self.addCleanup(self.db.cleanup)
        report('private MariaDB answered %.2fs after start'
               % self.db.start())
        self.cluster = Cluster(engines=1, extra_conf=FINAL_CONF,
                               mysql_url=self.db.url).start()
        self.addCleanup(self.cluster.stop)

    def q(self, sql):
        return self.db.query(sql, database=self.cluster.db_name)

    def test_final_state_written_after_the_outage(self):
        from heatclient import client as heat_client
        hc = heat_client.Client('1', endpoint=self.cluster.endpoint(
            'final-%s' % uuid.uuid4().hex[:6]), token='t')
        t0 = time.monotonic()
        stack_id = hc.stacks.create(stack_name='final',
                                    template=FINAL_TEMPLATE)['stack']['id']
        # stop MariaDB just before the resource's wait ends
        time.sleep(max(0.0, FINAL_WAIT - 1.5 - (time.monotonic() - t0)))
        t_stop = time.monotonic()
        self.db.stop()
        time.sleep(FINAL_DOWN)
        self.db.start()
        t_back = time.monotonic()
        report('final write: MariaDB stopped %.1fs into the create, down '
               '%.1fs' % (t_stop - t0, t_back - t_stop))
        deadline = t_back + FINAL_WITHIN + 30
        row = None
        while time.monotonic() < deadline:
            try:
                row = self.q("SELECT action, status, status_reason FROM "
                             "stack WHERE id = '%s'" % stack_id)[0]
            except Exception:  # noqa: BLE001 - not answering yet
                row = None
            if row and row[1] != 'IN_PROGRESS':
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - t_back
        engine = [p for p in self.cluster.processes
                  if p.name.startswith('heat-engine')][0]
        log = engine.output()[1]
        report('final write: stack %s %.2fs after MariaDB answered again '
               '(%s)' % (row and '%s_%s' % row[:2], elapsed,
                         row and row[2]))
        self.assertIsNotNone(row)
        self.assertEqual('CREATE', row[0])
        self.assertIn(row[1], ('COMPLETE', 'FAILED'), log[-3000:])
        self.assertLess(elapsed, FINAL_WITHIN, row)
        self.assertEqual(0, self.q("SELECT COUNT(*) FROM stack_lock")[0][0])
        self.assertIn('its lock is kept until its state is written', log)
        self.assertRegex(log, r'wrote the kept state CREATE_(COMPLETE|'
                              r'FAILED) of stack %s' % stack_id)
