"""The dependency runner, polling, deadlines and cancellation."""

import threading
import time

from heat.common import exception
from heat.engine import dependencies, scheduler
from heat.tests import base


def _deps(*edges):
    return dependencies.Dependencies(edges)


class Recorder:
    def __init__(self, fail=(), sleep=0.0):
        self.lock = threading.Lock()
        self.started = []
        self.finished = []
        self.fail = set(fail)
        self.sleep = sleep
        self.running = 0
        self.peak = 0

    def __call__(self, key):
        with self.lock:
            self.started.append(key)
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            if self.sleep:
                time.sleep(self.sleep)
            if key in self.fail:
                raise ValueError('%s broke' % key)
            with self.lock:
                self.finished.append(key)
        finally:
            with self.lock:
                self.running -= 1


class TestDependencyRunner(base.TestCase):

    def test_runs_each_node_after_what_it_requires(self):
        rec = Recorder()
        deps = _deps(('b', 'a'), ('c', 'b'), ('d', 'a'))
        scheduler.DependencyRunner(deps, rec)()
        order = rec.finished
        self.assertEqual({'a', 'b', 'c', 'd'}, set(order))
        self.assertLess(order.index('a'), order.index('b'))
        self.assertLess(order.index('b'), order.index('c'))
        self.assertLess(order.index('a'), order.index('d'))

    def test_reverse_runs_requirers_first(self):
        rec = Recorder()
        deps = _deps(('b', 'a'), ('c', 'b'))
        scheduler.DependencyRunner(deps, rec, reverse=True)()
        self.assertEqual(['c', 'b', 'a'], rec.finished)

    def test_independent_nodes_run_concurrently_within_the_bound(self):
        rec = Recorder(sleep=0.05)
        deps = _deps(*[('r%d' % i, None) for i in range(12)])
        start = time.monotonic()
        scheduler.DependencyRunner(deps, rec, workers=4)()
        self.assertEqual(12, len(rec.finished))
        self.assertEqual(4, rec.peak)
        self.assertLess(time.monotonic() - start, 0.5)

    def test_first_failure_stops_scheduling_and_is_raised(self):
        rec = Recorder(fail={'a'})
        deps = _deps(('b', 'a'), ('c', None))
        exc = self.assertRaises(
            ValueError, scheduler.DependencyRunner(deps, rec, workers=1))
        self.assertEqual('a broke', str(exc))
        self.assertNotIn('b', rec.started)

    def test_failure_cancels_the_waits_of_running_actions(self):
        control = scheduler.ActionControl()
        woke = []

        def action(key):
            if key == 'bad':
                time.sleep(0.05)
                raise ValueError('bad broke')
            try:
                scheduler.wait_until(lambda: False, control)
            except scheduler.Cancelled:
                woke.append(key)
                raise

        deps = _deps(('slow', None), ('bad', None))
        start = time.monotonic()
        exc = self.assertRaises(ValueError, scheduler.DependencyRunner(
            deps, action, control=control))
        self.assertEqual('bad broke', str(exc))
        self.assertEqual(['slow'], woke)
        self.assertLess(time.monotonic() - start, 1.0)

    def test_aggregate_runs_all_but_what_follows_a_failure(self):
        rec = Recorder(fail={'a'})
        deps = _deps(('b', 'a'), ('d', 'b'), ('c', None))
        self.assertRaises(ValueError, scheduler.DependencyRunner(
            deps, rec, aggregate=True))
        self.assertEqual({'c'}, set(rec.finished))
        self.assertNotIn('b', rec.started)
        self.assertNotIn('d', rec.started)

    def test_cycle_raises_before_anything_runs(self):
        rec = Recorder()
        deps = _deps(('a', 'b'), ('b', 'a'))
        self.assertRaises(exception.CircularDependencyException,
                          scheduler.DependencyRunner(deps, rec))
        self.assertEqual([], rec.started)

    def test_external_cancel_raises_cancelled(self):
        control = scheduler.ActionControl()

        def action(key):
            scheduler.wait_until(lambda: False, control)

        threading.Timer(0.05, control.cancel, ('Stop it',)).start()
        runner = scheduler.DependencyRunner(_deps(('a', None)), action,
                                            control=control)
        exc = self.assertRaises(scheduler.Cancelled, runner)
        self.assertEqual('Stop it', str(exc))


class TestWaitUntil(base.TestCase):

    def test_returns_the_value_once_done(self):
        calls = []

        def done():
            calls.append(1)
            return len(calls) == 3 and 'ok'

        self.assertEqual('ok', scheduler.wait_until(done))
        self.assertEqual(3, len(calls))

    def test_deadline_raises_timeout(self):
        control = scheduler.ActionControl(timeout=0.05)
        start = time.monotonic()
        self.assertRaises(exception.Timeout, scheduler.wait_until,
                          lambda: False, control)
        self.assertLess(time.monotonic() - start, 0.5)

    def test_nested_control_follows_its_parent(self):
        parent = scheduler.ActionControl(timeout=10)
        child = scheduler.ActionControl(timeout=1000, parent=parent)
        self.assertLessEqual(child.deadline, parent.deadline)
        parent.cancel('Operation cancelled', rollback=False)
        self.assertTrue(child.cancelled)
        self.assertFalse(child.rollback)
        late = scheduler.ActionControl(parent=parent)
        self.assertTrue(late.cancelled)

    def test_a_superseding_cancel_reaches_nested_waits_as_superseded(self):
        parent = scheduler.ActionControl()
        child = scheduler.ActionControl(parent=parent)
        parent.cancel('Stack UPDATE superseded by a new update',
                      rollback=False, superseded=True)
        exc = self.assertRaises(scheduler.Superseded, scheduler.wait_until,
                                lambda: False, child)
        self.assertEqual('Stack UPDATE superseded by a new update',
                         str(exc))
        self.assertTrue(scheduler.is_cancel(exc))
        self.assertTrue(scheduler.is_superseded(
            exception.ResourceFailure(exc)))
        self.assertFalse(child.rollback)
        late = scheduler.ActionControl(parent=parent)
        self.assertRaises(scheduler.Superseded, late.check)
        # a plain cancel is not a preemption
        self.assertFalse(scheduler.is_superseded(scheduler.Cancelled()))

    def test_root_cause_unwraps_resource_failures(self):
        inner = scheduler.Cancelled()
        wrapped = exception.ResourceFailure(
            exception.ResourceFailure(inner))
        self.assertTrue(scheduler.is_cancel(inner))
        self.assertTrue(scheduler.is_cancel(wrapped))
        self.assertFalse(scheduler.is_timeout(wrapped))
