"""Column types: JSON and timestamps behave alike on every backend."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from heat.db import api as db_api
from heat.db import models
from heat.tests import base, db_fixtures
from heat.tests.unit.db import utils

# JSON as templates hold it: no NaN, and keys are strings.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


class TestJsonBindAndResult(base.TestCase):
    """The conversion itself, without a database."""

    @given(json_values)
    @settings(max_examples=200, deadline=None)
    def test_round_trip(self, value):
        json_type = models.Resource.__table__.c.rsrc_metadata.type
        dialect = sqlite.dialect()
        stored = json_type.process_bind_param(value, dialect)
        if value is None:
            self.assertIsNone(stored)
        self.assertEqual(value,
                         json_type.process_result_value(stored, dialect))


@db_fixtures.for_each_backend
class TestTypesOnBackend(db_fixtures.DBTestCase):

    def test_json_round_trips_through_the_database(self):
        # Hypothesis covers the conversion above; here, the values most
        # likely to differ between backends.
        values = [None, {}, [], 0, -1, 2**53, 1.5e-300, '', 'caf\u00e9',
                  '\U0001F680', {'nested': [{'a': None}, [True, False]]},
                  {'quote"s': "back\\slash", 'nl': 'a\nb'},
                  'x' * 70000]
        stack = utils.create_stack()
        for value in values:
            rsrc = utils.create_resource(stack, rsrc_metadata=value)
            self.assertEqual(value, db_api.resource_get(
                None, rsrc.id).rsrc_metadata)

    def test_timestamps_are_naive_utc(self):
        before = models.utcnow()
        stack = utils.create_stack()
        got = db_api.stack_get(None, stack.id, utils.PROJECT)
        self.assertIsNone(got.created_at.tzinfo)
        self.assertLessEqual(before, got.created_at)
        self.assertLess(got.created_at - before, datetime.timedelta(
            minutes=1))
