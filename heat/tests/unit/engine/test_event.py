"""Events: stored state changes and their identifiers."""

from heat.common import identifier
from heat.db import api as db_api
from heat.engine import event
from heat.tests import db_fixtures
from heat.tests.unit.db import utils as db_utils


class FakeStack:
    def __init__(self, row):
        self.id = row.id
        self.name = row.name

    def identifier(self):
        return identifier.HeatIdentifier(db_utils.PROJECT, self.name,
                                         self.id)


@db_fixtures.for_each_backend
class TestEvent(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.stack = FakeStack(db_utils.create_stack(name='st'))

    def make(self, **kwargs):
        values = dict(action='CREATE', status='COMPLETE',
                      reason='state changed', physical_resource_id='phys',
                      resource_name='web', resource_type='OS::Heat::None')
        values.update(kwargs)
        return event.Event(None, self.stack, values.pop('action'),
                           values.pop('status'), values.pop('reason'),
                           **values)

    def test_store_writes_one_row_with_every_field(self):
        ev = self.make()
        ev.store()
        rows = db_api.event_get_all_by_stack(None, self.stack.id,
                                             db_utils.PROJECT)
        self.assertEqual(1, len(rows))
        row = rows[0]
        self.assertEqual(
            ('web', 'CREATE', 'COMPLETE', 'state changed', 'phys',
             'OS::Heat::None'),
            (row.resource_name, row.resource_action, row.resource_status,
             row.resource_status_reason, row.physical_resource_id,
             row.resource_type))
        self.assertEqual(row.uuid, ev.uuid)
        self.assertEqual(row.id, ev.id)
        self.assertIsNotNone(ev.timestamp)

    def test_identifier_names_the_resource_and_event(self):
        ev = self.make()
        self.assertIsNone(ev.identifier())
        ev.store()
        self.assertEqual('%s/stacks/st/%s/resources/web/events/%s'
                         % (db_utils.PROJECT, self.stack.id, ev.uuid),
                         ev.identifier().url_path())

    def test_non_text_values_are_stored_as_text(self):
        ev = self.make(physical_resource_id=42, reason=None)
        ev.store()
        row = db_api.event_get(None, ev.uuid, db_utils.PROJECT)
        self.assertEqual('42', row.physical_resource_id)
        self.assertIsNone(row.resource_status_reason)

    def test_from_db(self):
        self.make(reason='why').store()
        row = db_api.event_get_all_by_stack(None, self.stack.id,
                                            db_utils.PROJECT)[0]
        ev = event.Event.from_db(None, self.stack, row)
        self.assertEqual(('CREATE', 'COMPLETE', 'why', 'web'),
                         (ev.action, ev.status, ev.reason, ev.resource_name))
        self.assertEqual(row.uuid, ev.as_dict()['uuid'])

    def test_resource_properties_are_kept_with_the_event(self):
        ev = self.make(resource_properties={'size': 3})
        ev.store()
        self.assertIsNotNone(ev.rsrc_prop_data_id)
        row = db_api.event_get(None, ev.uuid, db_utils.PROJECT)
        again = event.Event.from_db(None, self.stack, row)
        self.assertEqual({'size': 3}, again.resource_properties)
        self.assertEqual({}, self.make().resource_properties)
