"""The converger records a takeover: a converge that acquires a lease
another engine held and let expire (it died) says so in the open
activities' reason, or in a ``converge`` activity when none is open.
On SQLite, with the test hooks (``before_batch``,
``expire_lease_for_tests``)."""

from oslo_config import cfg

from heat.db import api as db_api
from heat.engine.autoscaling import converger
from heat.tests import db_fixtures, engine_fixture
from heat.tests.unit.autoscaling.test_engine import ASTestBase, ctx


class Killed(BaseException):
    """Raised from a hook: the converger dies like a crash."""


class TestTakeoverRecorded(ASTestBase):

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.useFixture(engine_fixture._Override(
            cfg.CONF, 'converge_batch_size', 5, group='autoscaling'))
        self.addCleanup(setattr, converger, 'before_batch', None)
        self.gid = self.group(desired=0)
        self.settle(self.gid)
        # only the test converges from here on
        self.fx.service.as_engine.cast_converge = lambda c, g: None

    def activities(self):
        return self.rpc.list_scaling_activities(self.ctx, self.gid)

    def kill_at_batch(self, engine_id, batches):
        seen = []

        def hook(group_id, batch):
            seen.append(batch)
            if len(seen) == batches:
                raise Killed()

        converger.before_batch = hook
        self.assertRaises(Killed, converger.converge, ctx(), self.gid,
                          engine_id)
        converger.before_batch = None

    def test_takeover_appends_to_the_open_activity(self):
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=12)
        self.kill_at_batch('dead', 2)
        self.assertEqual(converger.BUSY,
                         converger.converge(ctx(), self.gid, 'other'))
        converger.expire_lease_for_tests(self.gid)
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), self.gid, 'other'))
        self.assert_consistent(self.gid, 12)
        resize = [a for a in self.activities() if a['to_capacity'] == 12]
        self.assertEqual(1, len(resize))
        self.assertEqual('COMPLETE', resize[0]['status'])
        self.assertIn('resumed by engine other after the lease of engine '
                      'dead expired', resize[0]['reason'])
        # no extra activity: the open one carries the record
        self.assertEqual([], [a for a in self.activities()
                              if a['trigger'] == 'converge'])

    def test_each_takeover_is_appended(self):
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=20)
        self.kill_at_batch('e1', 2)
        converger.expire_lease_for_tests(self.gid)
        self.kill_at_batch('e2', 2)
        converger.expire_lease_for_tests(self.gid)
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), self.gid, 'e3'))
        self.assert_consistent(self.gid, 20)
        reason = [a for a in self.activities()
                  if a['to_capacity'] == 20][0]['reason']
        self.assertIn('resumed by engine e2 after the lease of engine e1 '
                      'expired', reason)
        self.assertIn('resumed by engine e3 after the lease of engine e2 '
                      'expired', reason)
        self.assertLess(reason.index('engine e2 after'),
                        reason.index('engine e3 after'))

    def test_takeover_without_open_activity_writes_one(self):
        fence = db_api.scaling_group_acquire_lease(None, self.gid, 'dead',
                                                   60)
        self.assertIsNotNone(fence)
        converger.expire_lease_for_tests(self.gid)
        converger.converge(ctx(), self.gid, 'other')
        rows = [a for a in self.activities() if a['trigger'] == 'converge']
        self.assertEqual(1, len(rows))
        self.assertEqual('resumed by engine other after the lease of '
                         'engine dead expired', rows[0]['reason'])
        self.assertEqual('COMPLETE', rows[0]['status'])
        self.assertEqual(('other', fence + 1),
                         (rows[0]['engine_id'], rows[0]['fence']))

    def test_no_record_without_a_takeover(self):
        # a live lease of another engine: busy, nothing recorded
        fence = db_api.scaling_group_acquire_lease(None, self.gid, 'live',
                                                   60)
        self.rpc.resize_scaling_group(self.ctx, self.gid, capacity=3)
        self.assertEqual(converger.BUSY,
                         converger.converge(ctx(), self.gid, 'other'))
        db_api.scaling_group_release_lease(None, self.gid, 'live', fence)
        # a released lease, and an engine re-taking its own expired one
        self.kill_at_batch('same', 1)
        converger.expire_lease_for_tests(self.gid)
        self.assertEqual(converger.CONVERGED,
                         converger.converge(ctx(), self.gid, 'same'))
        self.assert_consistent(self.gid, 3)
        self.assertEqual([], [a for a in self.activities()
                              if 'resumed by' in (a['reason'] or '')])
