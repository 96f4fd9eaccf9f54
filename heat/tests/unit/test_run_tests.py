"""tools/run_tests.py: the two runs of a full test run and its line."""

import importlib.util
import os
import re
import sys
import unittest

import testtools

_PATH = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'tools',
                     'run_tests.py')


def _flatten(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _flatten(test)
        else:
            yield test


def _load():
    spec = importlib.util.spec_from_file_location('run_tests', _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestRunTests(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.rt = _load()

    def args(self, *argv):
        return self.rt.parse(list(argv))

    def test_a_full_run_is_the_serial_suites_and_the_rest_niced(self):
        [(serial, n1), (rest, n2)] = self.rt.commands(self.args())
        self.assertEqual(0, n1)
        self.assertEqual(self.rt.NICENESS, n2)
        self.assertEqual(['--repo-url', self.rt.SERIAL_REPO, 'run',
                          '--serial', self.rt.SERIAL], serial[3:])
        self.assertEqual(['run', '--concurrency', '2', '--exclude-regex',
                          self.rt.SERIAL], rest[3:])

    def test_the_serial_pattern_takes_every_test_the_shims_import(self):
        pattern = re.compile(self.rt.SERIAL)
        here = os.path.dirname(__file__)
        shims = sorted(f[:-3] for f in os.listdir(here)
                       if f.startswith('test_functional_') and
                       f.endswith('.py'))
        self.assertGreater(len(shims), 5)
        loader = unittest.TestLoader()
        ids = []
        for name in shims:
            suite = loader.loadTestsFromName('heat.tests.unit.' + name)
            ids += [t.id() for t in _flatten(suite)]
        self.assertGreater(len(ids), len(shims))
        self.assertEqual([], [i for i in ids if not pattern.match(i)])
        # and nothing else of the unit tests
        self.assertFalse(pattern.match(
            'heat.tests.unit.test_run_tests.TestRunTests.test_x'))
        self.assertFalse(pattern.match(
            'heat.tests.unit.scaling.test_functional_like.T.test_x'))

    def test_filters_or_a_test_path_are_one_plain_run(self):
        [(cmd, nice)] = self.rt.commands(self.args('scaling'))
        self.assertEqual(['run', 'scaling'], cmd[3:])
        self.assertEqual(0, nice)
        [(cmd, nice)] = self.rt.commands(
            self.args('--test-path', './heat/tests/functional'))
        self.assertEqual(['--test-path', './heat/tests/functional', 'run'],
                         cmd[3:])

    def test_the_line_sums_both_runs(self):
        rc, totals = self.rt.run([
            ([sys.executable, '-c', 'print(" - Passed: 3\\n - Failed: 0\\n'
              ' - Skipped: 2")'], 0),
            ([sys.executable, '-c', 'import sys; print(" - Passed: 4\\n'
              ' - Failed: 1"); sys.exit(1)'], 5)])
        self.assertEqual(1, rc)
        self.assertEqual({'passed': 7, 'failed': 1, 'skipped': 2}, totals)
        self.assertEqual('7 passed, 1 failed, 2 skipped',
                         self.rt.summary_line(totals))
        self.assertEqual('7 passed, 0 failed', self.rt.summary_line(
            {'passed': 7, 'failed': 0, 'skipped': 0}))
