"""What the engine added for the Auto-Scaling API (RPC 1.38): the
idempotency records and the version / ownership guards."""

import datetime

from heat.common import context as context_mod
from heat.common import exception
from heat.db import api as db_api
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import idempotency
from heat.tests import db_fixtures


def ctx(project='p1'):
    return context_mod.RequestContext(project_id=project, user_id='u',
                                      roles=['member'])


class TestIdempotencyRecords(db_fixtures.DBTestCase):

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def test_first_use_then_pending_then_done(self):
        self.assertEqual({'state': 'new'},
                         idempotency.claim(ctx(), 'p1', 'k', 'f1'))
        self.assertEqual({'state': 'in_progress'},
                         idempotency.claim(ctx(), 'p1', 'k', 'f1'))
        self.assertTrue(idempotency.finish(ctx(), 'p1', 'k', 201,
                                           {'a': 1}, {'ETag': '"1"'}))
        self.assertEqual({'state': 'done', 'status': 201, 'body': {'a': 1},
                          'headers': {'ETag': '"1"'}},
                         idempotency.claim(ctx(), 'p1', 'k', 'f1'))

    def test_another_request_with_the_key_is_a_mismatch(self):
        idempotency.claim(ctx(), 'p1', 'k', 'f1')
        self.assertEqual({'state': 'mismatch'},
                         idempotency.claim(ctx(), 'p1', 'k', 'f2'))

    def test_keys_are_per_project(self):
        idempotency.claim(ctx(), 'p1', 'k', 'f1')
        self.assertEqual({'state': 'new'},
                         idempotency.claim(ctx('p2'), 'p2', 'k', 'f1'))

    def test_a_server_error_releases_the_key(self):
        idempotency.claim(ctx(), 'p1', 'k', 'f1')
        self.assertFalse(idempotency.finish(ctx(), 'p1', 'k', 503, {}))
        self.assertEqual({'state': 'new'},
                         idempotency.claim(ctx(), 'p1', 'k', 'f1'))

    def test_records_expire(self):
        now = db_api.utcnow()
        db_api.api_idempotency_claim(ctx(), 'p1', 'k', 'f', 60, 600,
                                     now=now)
        db_api.api_idempotency_finish(ctx(), 'p1', 'k', 200, {}, {})
        later = now + datetime.timedelta(seconds=61)
        self.assertEqual(1, db_api.api_idempotency_purge(ctx(), now=later))
        row, claimed = db_api.api_idempotency_claim(ctx(), 'p1', 'k', 'f',
                                                    60, 600, now=later)
        self.assertTrue(claimed)

    def test_an_abandoned_claim_is_taken_over(self):
        now = db_api.utcnow()
        db_api.api_idempotency_claim(ctx(), 'p1', 'k', 'f', 3600, 600,
                                     now=now)
        _row, claimed = db_api.api_idempotency_claim(
            ctx(), 'p1', 'k', 'f', 3600, 600,
            now=now + datetime.timedelta(seconds=10))
        self.assertFalse(claimed)
        _row, claimed = db_api.api_idempotency_claim(
            ctx(), 'p1', 'k', 'f', 3600, 600,
            now=now + datetime.timedelta(seconds=601))
        self.assertTrue(claimed)


class _Group:
    def __init__(self, version=3, stack_id=None):
        self.id, self.version, self.stack_id = 'g', version, stack_id
        self.resource_name = 'asg'


class TestGuards(db_fixtures.DBTestCase):

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def test_version(self):
        eng.check_version(_Group(3), None)
        eng.check_version(_Group(3), 3)
        err = self.assertRaises(exception.ScalingGroupVersionMismatch,
                                eng.check_version, _Group(3), 2)
        self.assertIn('version 3, not 2', str(err))

    def test_owner(self):
        eng.check_owner(_Group(stack_id='s'), False)
        eng.check_owner(_Group(), True)
        err = self.assertRaises(exception.ScalingGroupOwnedByStack,
                                eng.check_owner, _Group(stack_id='s'), True)
        self.assertEqual('group g belongs to stack s resource asg: change it '
                         'through the stack', str(err))
