"""The fixed cost of one convergence (issue 15): a scale-out by one
member of a group in a stack costs at most 6 write transactions and 32
statements, each write transaction checked against the converger's
lease (its first write is, or follows, a read or a write of the group's
fence), on SQLite, MariaDB and PostgreSQL; and the convergence still
completes everything it did: the member ACTIVE with its resource, the
activity COMPLETE, the member stack UPDATE_COMPLETE with its events, the
lease released."""

import time
import traceback
from unittest import mock

import sqlalchemy as sa
import yaml

from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import converger
from heat.tests import db_fixtures
from heat.tests.unit.autoscaling import template_stacks
from heat.tests.unit.autoscaling.test_engine import ctx

TMPL = '''
heat_template_version: 2016-10-14
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 0
      max_size: 100
      desired_capacity: 0
      cooldown: 0
      resource: {type: OS::Heat::None}
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: 1
      cooldown: 0
'''

#: the cost of a one-member convergence (it was 10 and 47 before)
MAX_TRANSACTIONS = 6
MAX_STATEMENTS = 32

_WRITES = ('INSERT', 'UPDATE', 'DELETE')


@db_fixtures.for_each_backend
class TestOneMemberConvergenceCost(template_stacks.ServedStackCase):

    def setUp(self):
        super().setUp()
        self.ident = self.create('s', TMPL)
        self.gid = self.svc.describe_stack_resource(
            self.ctx, self.ident, 'asg')['physical_resource_id']
        # a first scale-out (the member stack's creation ends with it)
        self.svc.resource_signal(self.ctx, self.ident, 'up', None)
        deadline = time.monotonic() + template_stacks.WAIT
        while True:
            g = db_api.scaling_group_get(None, self.gid, None)
            if g.converged_version >= g.version and not g.lease_engine_id:
                break
            if time.monotonic() > deadline:
                self.fail('group not settled')
            time.sleep(0.02)
        # the converger that released the lease may still be on its way
        # out (its last recheck): let it end
        lock = converger._group_lock(self.gid)
        self.assertTrue(lock.acquire(timeout=template_stacks.WAIT))
        lock.release()
        # from now on only the test converges
        self.svc.as_engine.cast_converge = lambda c, g: None

    def _converge(self):
        """Statements and commits of one convergence: ``[[statement,
        ...], ...]``, one list per transaction that committed (reads
        outside a write transaction fall in the next one's list), and
        the reads after the last commit."""
        segments = [[]]

        def commit(conn):
            segments.append([])

        def statement(conn, cursor, stmt, params, context, executemany):
            text = ' '.join(stmt.split())
            if text.upper().startswith(('BEGIN', 'SAVEPOINT', 'RELEASE',
                                        'ROLLBACK')):
                return
            segments[-1].append(text)
        engine = self.engine
        sa.event.listen(engine, 'commit', commit)
        sa.event.listen(engine, 'before_cursor_execute', statement)
        try:
            self.assertEqual(converger.CONVERGED,
                             converger.converge(ctx(), self.gid, 'A'))
        finally:
            sa.event.remove(engine, 'commit', commit)
            sa.event.remove(engine, 'before_cursor_execute', statement)
        return segments[:-1], segments[-1]

    def test_one_member_costs_at_most_6_transactions_32_statements(self):
        self.svc.resource_signal(self.ctx, self.ident, 'up', None)
        events_before = len(db_api.event_get_all_by_stack(None, self.gid,
                                                          'p1'))
        transactions, tail = self._converge()
        statements = sum(len(t) for t in transactions) + len(tail)
        self.assertLessEqual(len(transactions), MAX_TRANSACTIONS,
                             transactions)
        self.assertLessEqual(statements, MAX_STATEMENTS, transactions)
        # every write transaction is fenced: the group's fence is read
        # (locking) or written under a fence condition before, or by,
        # its first write
        for stmts in transactions:
            first = next(i for i, s in enumerate(stmts)
                         if s.upper().startswith(_WRITES))
            self.assertTrue(
                any('scaling_group' in s and 'fence' in s
                    for s in stmts[:first + 1]), stmts)
        # and everything is done
        g = db_api.scaling_group_get(None, self.gid, None)
        self.assertEqual((2, 'ACTIVE', g.version, None),
                         (g.desired_capacity, g.status,
                          g.converged_version, g.lease_engine_id))
        self.assertEqual({'ACTIVE'}, {
            m.status for m in db_api.scaling_member_get_all(None,
                                                            self.gid)})
        R = models.Resource
        with db_api.reader(None) as s:
            states = [(r.action, r.status) for r in s.query(R).filter(
                R.stack_id == self.gid)]
        self.assertEqual([('CREATE', 'COMPLETE')] * 2, states)
        A = models.ScalingActivity
        with db_api.reader(None) as s:
            statuses = {a.status for a in s.query(A).filter(
                A.group_id == self.gid, A.trigger == 'signal')}
        self.assertEqual({'COMPLETE'}, statuses)
        row = db_api.stack_get(None, self.gid, 'p1')
        self.assertEqual(('UPDATE', 'COMPLETE',
                          'Stack UPDATE completed successfully'),
                         (row.action, row.status, row.status_reason))
        events = db_api.event_get_all_by_stack(None, self.gid, 'p1')
        new = [(e.resource_type == 'OS::Heat::Stack', e.resource_action,
                e.resource_status) for e in events[events_before:]]
        self.assertEqual(sorted([
            (True, 'UPDATE', 'IN_PROGRESS'), (True, 'UPDATE', 'COMPLETE'),
            (False, 'CREATE', 'IN_PROGRESS'),
            (False, 'CREATE', 'COMPLETE')]), sorted(new))

    def test_nothing_to_do_costs_3_transactions(self):
        transactions, tail = self._converge()
        # the lease's acquisition and release, the group's converged
        # version between them
        self.assertEqual(3, len(transactions), transactions)
        g = db_api.scaling_group_get(None, self.gid, None)
        self.assertEqual((1, 'ACTIVE', g.version, None),
                         (g.desired_capacity, g.status,
                          g.converged_version, g.lease_engine_id))


LB = '''
heat_template_version: 2016-10-14
resources: {}
'''

WITH_LB = TMPL + '''
  lb:
    type: lb.yaml
    metadata:
      size: {get_attr: [asg, current_size]}
'''


@db_fixtures.for_each_backend
class TestOwnerMetadataRefresh(template_stacks.ServedStackCase):
    """Only an owner stack with a resource that re-resolves its metadata
    (a provider template's) is loaded after a convergence; one updated
    to hold such a resource has it refreshed from then on."""

    def signal_and_wait(self, ident, size):
        self.svc.resource_signal(self.ctx, ident, 'up', None)
        deadline = time.monotonic() + template_stacks.WAIT
        gid = self.svc.describe_stack_resource(
            self.ctx, ident, 'asg')['physical_resource_id']
        while True:
            g = db_api.scaling_group_get(None, gid, None)
            if g.converged_version >= g.version and \
                    not g.lease_engine_id and g.desired_capacity == size:
                return
            if time.monotonic() > deadline:
                self.fail('group not converged to %d' % size)
            time.sleep(0.02)

    def lb_size(self, ident):
        return self.svc.describe_stack_resource(
            self.ctx, ident, 'lb')['metadata'].get('size')

    def test_no_owner_load_without_such_resource(self):
        from heat.engine import stack as stack_mod
        ident = self.create('s', TMPL)
        self.signal_and_wait(ident, 1)   # the owner's template looked at
        loads = []
        real = stack_mod.Stack.load

        def load(context, stack_id, *args, **kwargs):
            # the converger's loads only (the signal loads the stack)
            if any(f.name == '_refresh_owner_metadata'
                   for f in traceback.extract_stack()):
                loads.append(stack_id)
            return real(context, stack_id, *args, **kwargs)
        with mock.patch.object(stack_mod.Stack, 'load',
                               side_effect=load):
            self.signal_and_wait(ident, 2)
        self.assertEqual([], loads)

    def test_update_adding_a_provider_resource_refreshes_it(self):
        ident = self.create('s', TMPL, files={'lb.yaml': LB})
        self.signal_and_wait(ident, 1)   # nothing to refresh: known
        self.update(ident, yaml.safe_load(WITH_LB), files={"lb.yaml": LB})
        self.assertEqual(1, self.lb_size(ident))
        self.signal_and_wait(ident, 2)
        deadline = time.monotonic() + template_stacks.WAIT
        while self.lb_size(ident) != 2:
            if time.monotonic() > deadline:
                self.fail('lb metadata not refreshed: %s'
                          % self.lb_size(ident))
            time.sleep(0.02)
