"""Fuzzing bad input through the REST API and the engine (issue 7).

The template validator alone is fuzzed in
:mod:`heat.tests.unit.validate.test_fuzz`; the tests here send bad
templates, parameters, signal bodies, webhook tokens and signed URLs to
the WSGI app on a real engine and check two invariants on every example:

- **no 500**: every answer is a 2xx or a 4xx, a 4xx in upstream's JSON
  error body (``code``, ``title``, ``explanation``, ``error.type``,
  ``error.message`` naming what was wrong);
- **no partial state**: a rejected request leaves the database as it was
  (no stack row for a refused create, the template and state of a stack
  kept after a refused update, a group's capacity, version and
  activities unchanged after a refused signal).

Examples are derandomized (the same on every run, no example database
written): ``HEAT_FUZZ_EXAMPLES=<n>`` runs ``n`` examples per test for a
longer hunt, ``HEAT_FUZZ_SEED=<n>`` a different, still repeatable, draw.
"""

import json
import os

import hypothesis

#: error body keys of upstream Heat's fault middleware
ERROR_KEYS = {'code', 'title', 'explanation', 'error'}


def settings(max_examples):
    """Hypothesis settings: ``max_examples`` (or ``HEAT_FUZZ_EXAMPLES``),
    no deadline, derandomized unless ``HEAT_FUZZ_SEED`` is set."""
    seed = os.environ.get('HEAT_FUZZ_SEED')
    return hypothesis.settings(
        max_examples=int(os.environ.get('HEAT_FUZZ_EXAMPLES',
                                        max_examples)),
        deadline=None, database=None, derandomize=seed is None,
        suppress_health_check=list(hypothesis.HealthCheck))


def seeded(test):
    """Apply ``HEAT_FUZZ_SEED`` (if set) to a ``@given`` test."""
    seed = os.environ.get('HEAT_FUZZ_SEED')
    if seed is None:
        return test
    return hypothesis.seed(int(seed))(test)


class FuzzAssertions:
    """Mixin for a ``testtools`` test case driving the WSGI app."""

    def assertNot500(self, resp, what=''):
        self.assertLess(resp.status_code, 500,
                        '%s answered %s: %s' % (what, resp.status,
                                                resp.text[:2000]))

    def assertClientError(self, resp, what='', allowed=None):
        """``resp`` is a 4xx (in ``allowed`` if given) in upstream's
        error shape, with a message; returns the message."""
        self.assertNot500(resp, what)
        self.assertGreaterEqual(resp.status_code, 400,
                                '%s accepted: %s' % (what, resp.text[:500]))
        if allowed is not None:
            self.assertIn(resp.status_code, allowed,
                          '%s: %s' % (what, resp.text[:500]))
        self.assertEqual('application/json', resp.content_type, resp.text)
        body = json.loads(resp.body)
        self.assertTrue(ERROR_KEYS <= set(body), body)
        self.assertEqual(resp.status_code, body['code'])
        err = body['error']
        self.assertTrue(err.get('type'), body)
        self.assertIsInstance(err.get('message'), str)
        self.assertTrue(err['message'].strip(), body)
        return err['message']
