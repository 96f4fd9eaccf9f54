"""The software_config and software_deployment tables on every backend:
scoping, order, paging, the referenced-config guard."""

from heat.common import exception
from heat.db import api as db_api
from heat.tests import db_fixtures


def make_config(name='c', tenant='p1', **values):
    values.update(name=name, tenant=tenant)
    values.setdefault('group', 'script')
    values.setdefault('config', {'config': 'echo', 'inputs': [],
                                 'outputs': [], 'options': {}})
    return db_api.software_config_create(None, values)


def make_deployment(config, server_id='s1', tenant='p1', **values):
    values.update(config_id=config.id, server_id=server_id, tenant=tenant)
    values.setdefault('status', 'IN_PROGRESS')
    return db_api.software_deployment_create(None, values)


@db_fixtures.for_each_backend
class TestSoftwareConfigDB(db_fixtures.DBTestCase):

    def test_config_round_trip_and_scoping(self):
        config = make_config()
        got = db_api.software_config_get(None, config.id, 'p1')
        self.assertEqual(('c', 'script', 'echo'),
                         (got.name, got.group, got.config['config']))
        self.assertIsNotNone(got.created_at)
        exc = self.assertRaises(exception.NotFound,
                                db_api.software_config_get, None,
                                config.id, 'p2')
        self.assertEqual('Software config with id %s not found'
                         % config.id, str(exc))
        # None: every project (an administrator)
        self.assertEqual(config.id, db_api.software_config_get(
            None, config.id, None).id)

    def test_listing_is_oldest_first_and_pages_by_marker(self):
        ids = [make_config('c%d' % i).id for i in range(3)]
        make_config('other', tenant='p2')
        self.assertEqual(ids, [c.id for c in db_api.software_config_get_all(
            None, 'p1')])
        self.assertEqual(ids[1:2], [c.id for c in
                                    db_api.software_config_get_all(
                                        None, 'p1', limit=1,
                                        marker=ids[0])])
        self.assertEqual(4, len(db_api.software_config_get_all(None, None)))

    def test_a_referenced_config_cannot_be_deleted(self):
        config = make_config()
        deployment = make_deployment(config)
        self.assertRaises(exception.InvalidRestrictedAction,
                          db_api.software_config_delete, None, config.id,
                          'p1')
        db_api.software_deployment_delete(None, deployment.id, 'p1')
        db_api.software_config_delete(None, config.id, 'p1')
        self.assertEqual([], db_api.software_config_get_all(None, None))

    def test_deployment_seen_by_its_stack_user_project(self):
        config = make_config()
        deployment = make_deployment(config, stack_user_project_id='sup')
        self.assertEqual(deployment.id, db_api.software_deployment_get(
            None, deployment.id, 'sup').id)
        self.assertRaises(exception.NotFound,
                          db_api.software_deployment_get, None,
                          deployment.id, 'p2')

    def test_deployments_by_server_with_their_config(self):
        config = make_config()
        first = make_deployment(config, 's1')
        make_deployment(config, 's2')
        rows = db_api.software_deployment_get_all(None, 'p1',
                                                  server_id='s1')
        self.assertEqual([first.id], [r.id for r in rows])
        self.assertEqual('c', rows[0].config.name)

    def test_update_changes_the_given_columns(self):
        deployment = make_deployment(make_config())
        updated = db_api.software_deployment_update(
            None, deployment.id, {'status': 'COMPLETE',
                                  'output_values': {'a': 1}}, 'p1')
        self.assertEqual(('COMPLETE', {'a': 1}),
                         (updated.status, updated.output_values))
        self.assertRaises(KeyError, db_api.software_deployment_update,
                          None, deployment.id, {'tenant': 'p2'}, 'p1')
