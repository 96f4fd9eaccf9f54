"""The stack lock and heartbeat functions against a tiny reference model.

Hypothesis generates sequences of lock operations by three engines, with
heartbeats and the clock moving on; after every step the database must
agree with the model: who holds the lock, and what each call returned.
Runs on a SQLite file (the other backends get the scenario tests).
"""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from heat.db import api as db_api
from heat.tests import base, db_fixtures
from heat.tests.unit.db import utils

ENGINES = ['e0', 'e1', 'e2']
DEAD_AFTER = datetime.timedelta(seconds=30)
T0 = datetime.datetime(2026, 6, 1)

engines = st.sampled_from(ENGINES)
operations = st.lists(st.one_of(
    st.tuples(st.just('create'), engines),
    st.tuples(st.just('release'), engines),
    st.tuples(st.just('steal'), engines, engines),
    st.tuples(st.just('acquire'), engines),
    st.tuples(st.just('heartbeat'), engines),
    st.tuples(st.just('wait'), st.integers(1, 45)),
), max_size=25)


class LockModel:
    def __init__(self):
        self.holder = None
        self.last_beat = {}
        self.now = T0

    def alive(self, engine):
        beat = self.last_beat.get(engine)
        return beat is not None and beat >= self.now - DEAD_AFTER

    def create(self, engine):
        if self.holder is None:
            self.holder = engine
            return None
        return self.holder

    def release(self, engine):
        if self.holder == engine:
            self.holder = None
            return True
        return False

    def steal(self, old, new):
        if self.holder == old and not self.alive(old):
            self.holder = new
            return True
        return False

    def acquire(self, engine):
        if self.holder is None:
            self.holder = engine
            return None
        if self.holder != engine and not self.alive(self.holder):
            self.holder = engine
            return None
        return self.holder


class TestLockAgainstModel(base.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(db_fixtures.DatabaseFixture(
            db_fixtures.BACKENDS['sqlite']))
        self.engine = db_api.get_engine()

    @given(operations)
    @settings(max_examples=60, deadline=None)
    def test_database_follows_model(self, ops):
        db_fixtures.delete_all_rows(self.engine)
        sid = utils.create_stack().id
        model = LockModel()
        services = {}
        for op in ops:
            kind, args = op[0], op[1:]
            if kind == 'wait':
                model.now += datetime.timedelta(seconds=args[0])
                continue
            if kind == 'heartbeat':
                engine = args[0]
                if engine in services:
                    db_api.service_heartbeat(None, services[engine],
                                             now=model.now)
                else:
                    services[engine] = db_api.service_create(
                        None, {'engine_id': engine}, now=model.now).id
                model.last_beat[engine] = model.now
                continue
            if kind == 'create':
                got = db_api.stack_lock_create(None, sid, args[0])
                want = model.create(args[0])
            elif kind == 'release':
                got = db_api.stack_lock_release(None, sid, args[0])
                want = model.release(args[0])
            elif kind == 'steal':
                got = db_api.stack_lock_steal(
                    None, sid, args[0], args[1], now=model.now,
                    dead_after=DEAD_AFTER)
                want = model.steal(*args)
            else:
                got = db_api.stack_lock_acquire(
                    None, sid, args[0], now=model.now,
                    dead_after=DEAD_AFTER)
                want = model.acquire(args[0])
            self.assertEqual(want, got, (op, ops))
            self.assertEqual(model.holder,
                             db_api.stack_lock_get_engine_id(None, sid),
                             (op, ops))
