"""The decision path's cost, counted on a real SQLite database: what a
trigger reads before its decision transaction, what runs inside it, and
what it no longer does at all (issue 15)."""

import os
import threading
import uuid
from unittest import mock

import sqlalchemy as sa
import yaml

from heat.common import config, exception, uuids
from heat.db import api as db_api
from heat.db import models
from heat.engine import stack as stack_mod
from heat.tests import base, db_fixtures
from heat.tests.unit.autoscaling import template_stacks
from heat.tests.unit.autoscaling.test_engine import ASTestBase

TEMPLATE = yaml.safe_load('''
heat_template_version: 2016-10-14
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 0
      max_size: 100
      desired_capacity: 0
      resource: {type: OS::Heat::None}
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      auto_scaling_group_id: {get_resource: asg}
      adjustment_type: change_in_capacity
      scaling_adjustment: 1
      cooldown: 0
''')


class Statements:
    """The statements this thread runs on the database while counting,
    each as ``(text, inside a write transaction)``."""

    def __init__(self, test):
        self.thread = threading.get_ident()
        self.on = False
        self.in_write = False
        self.seen = []
        self.commits = 0
        engine = db_api.get_engine()
        for name, fn in (('before_cursor_execute', self._statement),
                         ('commit', self._commit),
                         ('rollback', self._rollback)):
            sa.event.listen(engine, name, fn)
            test.addCleanup(sa.event.remove, engine, name, fn)

    def _mine(self):
        return self.on and threading.get_ident() == self.thread

    def _statement(self, conn, cursor, statement, *args):
        if not self._mine():
            return
        text = ' '.join(statement.split())
        if text.upper().startswith('BEGIN IMMEDIATE'):
            self.in_write = True
        self.seen.append((text, self.in_write))

    def _commit(self, conn):
        if self._mine():
            if self.in_write:
                self.commits += 1
            self.in_write = False

    def _rollback(self, conn):
        if self._mine():
            self.in_write = False

    def __enter__(self):
        self.seen, self.commits, self.on = [], 0, True
        return self

    def __exit__(self, *exc):
        self.on = False

    def texts(self, inside=None):
        return [t for t, w in self.seen if inside is None or w == inside]

    def count(self, prefix, inside=None):
        return sum(1 for t in self.texts(inside)
                   if t.upper().startswith(prefix))


class TestDecisionStatements(template_stacks.ServedStackCase):
    """A trigger through a stack's policy, as the RPC and the signal
    API deliver it."""

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        config.CONF.set_override('max_resources_per_stack', -1)
        self.addCleanup(config.CONF.clear_override,
                        'max_resources_per_stack')
        self.ident = self.create('hot', TEMPLATE)
        self.policy = self.svc.describe_stack_resource(
            self.ctx, self.ident, 'up')['physical_resource_id']
        self.counted = Statements(self)

    def events(self, reason_part):
        with db_api.reader(None) as session:
            rows = session.query(models.Event).filter(
                models.Event.stack_id == self.ident['stack_id'],
                models.Event.resource_name == 'up',
                models.Event.resource_action == 'SIGNAL').all()
        return [e for e in rows if reason_part in
                (e.resource_status_reason or '')]

    def test_an_rpc_trigger_is_one_write_transaction_of_five_statements(
            self):
        self.client.execute_scaling_policy(self.ctx, self.policy)
        with self.counted as c:
            d = self.client.execute_scaling_policy(self.ctx, self.policy)
        self.assertTrue(d['accepted'], d)
        # BEGIN IMMEDIATE; the group and the policy; the activity; the
        # group; the SIGNAL event. No read transaction before it, no
        # write transaction of its own for the event after it.
        self.assertEqual(5, len(c.seen), c.texts())
        self.assertEqual([], c.texts(inside=False))
        self.assertEqual(1, c.commits)
        self.assertEqual(1, c.count('INSERT INTO EVENT', inside=True))
        self.assertEqual(2, len(self.events('(rpc)')))

    def test_a_signal_reads_stack_resource_and_environment_at_once(self):
        self.svc.resource_signal(self.ctx, self.ident, 'up', None)
        with self.counted as c:
            d = self.svc.resource_signal(self.ctx, self.ident, 'up', None)
        self.assertTrue(d['accepted'], d)
        before = []
        for text, inside in c.seen:
            if inside:
                break
            before.append(text)
        # one read transaction: BEGIN and one SELECT (the stack, the
        # resource and the environment joined); the policy is read
        # inside the decision transaction
        self.assertEqual(2, len(before), before)
        self.assertTrue(before[1].upper().startswith('SELECT'), before)
        self.assertLessEqual(len(c.seen), 8, c.texts())
        # then one write transaction: the decision and the SIGNAL event
        # (no write transaction of its own for the event)
        self.assertEqual(1, c.commits, c.texts())
        self.assertEqual(1, c.count('INSERT INTO EVENT', inside=True))
        self.assertEqual(0, c.count('INSERT INTO EVENT', inside=False))
        # each signal left its SIGNAL event
        self.assertEqual(2, len(self.events('')))

    def test_a_signal_loads_no_stack_and_no_template(self):
        self.svc.resource_signal(self.ctx, self.ident, 'up', None)
        me = threading.get_ident()
        loads = []

        def counting(real, what):
            def fn(*args, **kwargs):
                if threading.get_ident() == me:  # not the converger's
                    loads.append(what)
                return real(*args, **kwargs)
            return fn
        with mock.patch.object(stack_mod.Stack, 'load', counting(
                stack_mod.Stack.load, 'stack')), \
                mock.patch.object(db_api, 'raw_template_get', counting(
                    db_api.raw_template_get, 'template')):
            for _ in range(3):
                d = self.svc.resource_signal(self.ctx, self.ident, 'up',
                                             None)
                self.assertTrue(d['accepted'], d)
        self.assertEqual([], loads)

    def test_a_policy_named_by_id_is_not_read_before_its_transaction(
            self):
        self.client.execute_scaling_policy(self.ctx, self.policy)
        with mock.patch.object(db_api, 'scaling_policy_get',
                               wraps=db_api.scaling_policy_get) as read:
            for _ in range(3):
                self.client.execute_scaling_policy(self.ctx, self.policy)
                self.svc.resource_signal(self.ctx, self.ident, 'up', None)
        read.assert_not_called()

    def test_the_resource_budget_is_not_counted_under_the_row_lock(self):
        config.CONF.set_override('max_resources_per_stack', 1000)
        self.client.execute_scaling_policy(self.ctx, self.policy)
        with self.counted as c:
            d = self.client.execute_scaling_policy(self.ctx, self.policy)
        self.assertTrue(d['accepted'], d)
        self.assertEqual(
            [], [t for t in c.texts(inside=True) if 'count(' in t.lower()])
        self.assertEqual(5, len(c.texts(inside=True)), c.texts())


class TestRememberedPolicies(ASTestBase):
    """What a trigger remembers of a policy never hides a change to
    it."""

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.gid = self.group(desired=0)
        self.settle(self.gid)
        self.pid = self.rpc.create_scaling_policy(
            self.ctx, self.gid, 'up', 'change_in_capacity', 1,
            cooldown=0)['id']

    def test_an_updated_adjustment_applies_to_the_next_trigger(self):
        d = self.rpc.execute_scaling_policy(self.ctx, self.pid)
        self.assertEqual((0, 1), (d['current'], d['desired']))
        self.rpc.update_scaling_policy(self.ctx, self.pid,
                                       scaling_adjustment=3)
        d = self.rpc.execute_scaling_policy(self.ctx, self.pid)
        self.assertEqual((1, 4), (d['current'], d['desired']))

    def test_a_deleted_policy_is_not_found_by_its_next_trigger(self):
        self.rpc.execute_scaling_policy(self.ctx, self.pid)
        self.rpc.delete_scaling_policy(self.ctx, self.pid)
        self.assertRaises(exception.EntityNotFound,
                          self.rpc.execute_scaling_policy, self.ctx,
                          self.pid)

    def test_another_project_does_not_find_a_remembered_policy(self):
        from heat.tests.unit.autoscaling.test_engine import ctx
        self.rpc.execute_scaling_policy(self.ctx, self.pid)
        self.assertRaises(exception.EntityNotFound,
                          self.rpc.execute_scaling_policy, ctx('p2'),
                          self.pid)


class TestHotPathIds(base.TestCase):

    def test_many_ids_cost_one_system_call(self):
        calls = []
        real = os.urandom

        def counting(n):
            calls.append(n)
            return real(n)
        source = uuids._Source()
        with mock.patch.object(uuids.os, 'urandom', counting):
            ids = [source() for _ in range(uuids.BATCH)]
        self.assertEqual(1, len(calls))
        self.assertEqual(len(ids), len(set(ids)))
        for text in ids:
            self.assertEqual(4, uuid.UUID(text).version)
            self.assertEqual(text, str(uuid.UUID(text)))


@db_fixtures.for_each_backend
class TestEventsWithTheDecision(template_stacks.ServedStackCase):
    """The SIGNAL event of an RPC trigger is written in the decision's
    transaction (one INSERT ... SELECT), on every backend; a repeated
    trigger leaves one too, a retried commit none."""

    def setUp(self):
        super().setUp()
        config.CONF.set_override('max_resources_per_stack', -1)
        self.addCleanup(config.CONF.clear_override,
                        'max_resources_per_stack')
        self.ident = self.create('events', TEMPLATE)
        self.policy = self.svc.describe_stack_resource(
            self.ctx, self.ident, 'up')['physical_resource_id']

    def reasons(self):
        with db_api.reader(None) as session:
            rows = session.query(models.Event).filter(
                models.Event.stack_id == self.ident['stack_id'],
                models.Event.resource_name == 'up',
                models.Event.resource_action == 'SIGNAL').order_by(
                models.Event.id).all()
        return [(e.resource_status, e.resource_type,
                 e.resource_status_reason) for e in rows]

    def test_each_signal_leaves_its_event_with_the_decision(self):
        first = self.svc.resource_signal(self.ctx, self.ident, 'up', None,
                                         idempotency_key='s1')
        again = self.svc.resource_signal(self.ctx, self.ident, 'up', None,
                                         idempotency_key='s1')
        self.assertTrue(first['accepted'])
        self.assertTrue(again['repeated'])
        with db_api.reader(None) as session:
            res = session.query(models.Resource).filter(
                models.Resource.stack_id == self.ident['stack_id'],
                models.Resource.name == 'up').one()
            rows = session.query(models.Event).filter(
                models.Event.stack_id == self.ident['stack_id'],
                models.Event.resource_name == 'up',
                models.Event.resource_action == 'SIGNAL').order_by(
                models.Event.id).all()
        # the columns the policy resource's own event has (no trigger
        # suffix: the reason is the decision's, as upstream's)
        self.assertEqual([
            ('COMPLETE', 'OS::Heat::ScalingPolicy', res.nova_instance,
             res.rsrc_prop_data_id, first['reason']),
            ('COMPLETE', 'OS::Heat::ScalingPolicy', res.nova_instance,
             res.rsrc_prop_data_id,
             'repeated trigger, first decision: ' + first['reason']),
        ], [(e.resource_status, e.resource_type, e.physical_resource_id,
             e.rsrc_prop_data_id, e.resource_status_reason)
            for e in rows])
        for e in rows:
            self.assertIsNotNone(e.uuid)
            self.assertIsNotNone(e.created_at)

    def test_a_failed_signal_leaves_no_decision_and_its_event(self):
        from heat.engine.autoscaling import engine as as_engine
        gid = self.svc.describe_stack_resource(
            self.ctx, self.ident, 'asg')['physical_resource_id']
        activities = len(self.client.list_scaling_activities(self.ctx,
                                                             gid))
        real = as_engine.SignalEvent.store

        def failing(event, cnxt, result):
            real(event, cnxt, result)
            raise exception.NotSupported(feature='boom after the event')
        with mock.patch.object(as_engine.SignalEvent, 'store', failing):
            ex = self.assertRaises(exception.NotSupported,
                                   self.svc.resource_signal,
                                   self.ctx, self.ident, 'up', None)
        self.assertIn('boom after the event', str(ex))
        reasons = self.reasons()
        # the event of the decision was rolled back with it; the failure
        # has its own
        self.assertEqual(1, len(reasons), reasons)
        self.assertIn('Signal failed', reasons[0][2])
        self.assertEqual(0, self.client.show_scaling_group(
            self.ctx, gid)['desired_capacity'])
        self.assertEqual(activities, len(
            self.client.list_scaling_activities(self.ctx, gid)))

    def test_each_rpc_trigger_leaves_its_event(self):
        first = self.client.execute_scaling_policy(
            self.ctx, self.policy, idempotency_key='k1')
        again = self.client.execute_scaling_policy(
            self.ctx, self.policy, idempotency_key='k1')
        self.assertTrue(first['accepted'])
        self.assertTrue(again['repeated'])
        reasons = self.reasons()
        self.assertEqual(2, len(reasons), reasons)
        for status, rtype, reason in reasons:
            self.assertEqual(('COMPLETE',
                              'OS::Heat::ScalingPolicy'), (status, rtype))
            self.assertTrue(reason.endswith(' (rpc)'), reason)
        self.assertIn('repeated trigger, first decision: ', reasons[1][2])
        self.assertEqual(1, self.client.show_scaling_group(
            self.ctx, first['group_id'])['desired_capacity'])
