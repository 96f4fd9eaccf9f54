"""Locating the shared compatibility corpus.

The corpus lives beside the repository (``../shared/corpus``) on developer
machines and in CI; ``HEAT_CORPUS_DIR`` points elsewhere.
"""

import json
import os
import sys
import unittest

from testtools import content

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))


def corpus_dir():
    path = os.environ.get('HEAT_CORPUS_DIR') or os.path.join(
        _REPO, '..', 'shared', 'corpus')
    return os.path.normpath(path)


def available():
    return os.path.isdir(os.path.join(corpus_dir(), 'templates'))


def templates_dir():
    return os.path.join(corpus_dir(), 'templates')


def expectations_dir():
    return os.path.join(templates_dir(), 'heat', 'expectations')


def expectations(name_part):
    """Load the expectation table whose file name contains ``name_part``.

    :raises unittest.SkipTest: when the corpus, or its expectations
        folder, is absent (a fresh clone without ``../shared``): tests
        reading upstream's tables skip then, they never fail
    :raises LookupError: when the corpus is present but ``name_part``
        matches no table, or more than one
    """
    folder = expectations_dir()
    if not os.path.isdir(folder):
        raise unittest.SkipTest(
            'upstream expectation tables not found: %s does not exist '
            '(put the shared corpus at ../shared/corpus beside the '
            'repository, or point HEAT_CORPUS_DIR at it)' % folder)
    matches = [f for f in sorted(os.listdir(folder)) if name_part in f]
    if len(matches) != 1:
        raise LookupError('%r matches %r' % (name_part, matches))
    with open(os.path.join(folder, matches[0])) as f:
        return json.load(f)


class ScenarioTests:
    """Mixin of a TestCase running corpus scenarios, one test each.

    A scenario is ``(path, fn)``: ``fn(harness, template_text)`` for the
    corpus file ``path``. The class sets ``TITLE``, ``EXPECTED_FAILURES``
    (path or scenario key -> why; the only place a scenario is marked)
    and ``make_harness()``; :meth:`add_scenarios` makes the tests. Each
    outcome is attached as a test detail, and ``tearDownClass`` prints
    every scenario with pass/fail.
    """

    TITLE = 'corpus scenarios'
    EXPECTED_FAILURES = {}
    #: key -> (status, summary); each class gets its own in add_scenarios
    RESULTS = None

    def make_harness(self):
        raise NotImplementedError()

    @staticmethod
    def scenario_key(path, fn):
        return '%s [%s]' % (os.path.basename(path), fn.__name__)

    @classmethod
    def expected_to_fail(cls, path, fn):
        return (path in cls.EXPECTED_FAILURES or
                cls.scenario_key(path, fn) in cls.EXPECTED_FAILURES)

    @classmethod
    def tearDownClass(cls):
        if cls.RESULTS:
            lines = ['%s:' % cls.TITLE]
            for key in sorted(cls.RESULTS):
                status, why = cls.RESULTS[key]
                lines.append('  %-5s %s%s' % (status, key,
                                              '  -- %s' % why if why
                                              else ''))
            passed = sum(1 for v in cls.RESULTS.values() if v[0] == 'pass')
            xfail = sum(1 for v in cls.RESULTS.values() if v[0] == 'xfail')
            lines.append('  %d/%d passed, %d expected failure(s)' % (
                passed, len(cls.RESULTS), xfail))
            sys.stderr.write('\n'.join(lines) + '\n')
        super().tearDownClass()

    def run_scenario(self, path, fn):
        key = self.scenario_key(path, fn)
        h = self.make_harness()
        try:
            with open(os.path.join(templates_dir(), path)) as f:
                fn(h, f.read())
        except BaseException as exc:
            summary = '%s: %s (after: %s)' % (
                type(exc).__name__, ' '.join(str(exc).split())[:300],
                ' / '.join(h.steps))
            status = 'xfail' if self.expected_to_fail(path, fn) else 'FAIL'
            self.RESULTS[key] = (status, summary)
            self.addDetail('corpus-result', content.text_content(
                '%s %s\n%s' % (status, key, summary)))
            raise
        self.RESULTS[key] = ('pass', '')
        self.addDetail('corpus-result', content.text_content(
            'pass %s (%s)' % (key, ' / '.join(h.steps))))

    @classmethod
    def add_scenarios(cls, scenarios):
        """A ``test_<fn name>`` method for each ``(path, fn)``."""
        cls.RESULTS = {}
        for path, fn in scenarios:
            setattr(cls, 'test_%s' % fn.__name__, cls._make_test(path, fn))

    @classmethod
    def _make_test(cls, path, fn):
        def test(self):
            self.run_scenario(path, fn)
        test.__name__ = 'test_%s' % fn.__name__
        test.__doc__ = cls.scenario_key(path, fn)
        if cls.expected_to_fail(path, fn):
            test = unittest.expectedFailure(test)
        return test
