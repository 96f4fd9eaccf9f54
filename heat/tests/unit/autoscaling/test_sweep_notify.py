"""The sweep thread and notifications."""

import threading
import time

from heat.common import context, notify
from heat.db import api as db_api
from heat.engine.autoscaling import sweep
from heat.tests import base, db_fixtures


@db_fixtures.for_each_backend
class TestSweep(db_fixtures.DBTestCase):

    def _group(self, gid, **values):
        row = dict(id=gid, project='p1', name=gid, min_size=0, max_size=5,
                   desired_capacity=1, definitions={'0': {'type': 'x'}},
                   version=2, converged_version=1, status='CONVERGING')
        row.update(values)
        return db_api.scaling_group_create(None, row)

    def test_sweep_casts_groups_needing_work(self):
        self._group('g-behind')
        self._group('g-done', version=1, status='ACTIVE')
        self._group('g-failed', status='FAILED')
        self._group('g-leased')
        db_api.scaling_group_acquire_lease(None, 'g-leased', 'e1', 60)
        casts = []
        ids = sweep.sweep_once(cast=lambda c, g: casts.append(
            (c.project_id, g)))
        self.assertEqual(['g-behind'], ids)
        self.assertEqual([('p1', 'g-behind')], casts)

    def test_sweeper_thread_runs_every_interval(self):
        self._group('g1')
        seen = threading.Event()
        s = sweep.Sweeper(0.05, cast=lambda c, g: seen.set()).start()
        self.addCleanup(s.stop, 5)
        self.assertTrue(seen.wait(10))
        s.stop(5)
        self.assertIsNone(s._thread)


class TestNotify(base.TestCase):

    def test_subscribers_see_notifications_and_never_break(self):
        got = []

        def bad(*a):
            raise RuntimeError('boom')

        def good(c, t, p, level):
            got.append((t, p, level))

        for fn in (bad, good):
            notify.subscribe(fn)
            self.addCleanup(notify.unsubscribe, fn)
        notify.notify(context.RequestContext(project_id='p'),
                      'orchestration.autoscaling.start', {'a': 1})
        self.assertEqual([('orchestration.autoscaling.start', {'a': 1},
                           'INFO')], got)
        notify.unsubscribe(good)
        notify.notify(None, 'x', {})
        self.assertEqual(1, len(got))

    def test_no_driver_no_notifier(self):
        notify.reset()
        t0 = time.time()
        notify.notify(None, 'orchestration.autoscaling.end', {})
        self.assertIsNone(notify._notifier)
        self.assertLess(time.time() - t0, 5)
