"""Update preview with ``show_nested``: the resources of nested stacks,
each with its ``parent_resource``, as upstream's preview lists them."""

from heat.engine import service
from heat.tests import db_fixtures
from heat.tests.unit.service.test_service_stacks import WAIT, ctx

PARENT = '''
heat_template_version: 2016-04-08
resources:
  nested1:
    type: nested1.yaml
'''

NESTED1 = '''
heat_template_version: 2016-04-08
resources:
  nested2:
    type: nested2.yaml
'''

NESTED2 = '''
heat_template_version: 2016-04-08
resources:
  random:
    type: OS::Heat::RandomString
'''

NESTED2_TWO = NESTED2 + '''
  random2:
    type: OS::Heat::RandomString
'''


class TestPreviewNested(db_fixtures.DBTestCase):

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.svc = service.EngineService(engine_id='engine-a')
        self.addCleanup(self.svc.stop, WAIT)
        self.ctx = ctx()

    def create(self, name, tmpl, files):
        ident = self.svc.create_stack(self.ctx, name, tmpl, {}, files,
                                      {'timeout_mins': 5})
        self.assertTrue(self.svc.wait(ident, WAIT))
        return ident

    def preview(self, ident, tmpl, files, show_nested=True):
        args = {'show_nested': True} if show_nested else {}
        return self.svc.preview_update_stack(self.ctx, ident, tmpl, {},
                                             files, args)

    @staticmethod
    def entries(changes, kind):
        return sorted((r['resource_name'], r.get('parent_resource'))
                      for r in changes[kind])

    def test_unchanged_nested_resources_are_listed_with_their_parent(self):
        files = {'nested1.yaml': NESTED1, 'nested2.yaml': NESTED2}
        ident = self.create('s1', PARENT, files=files)
        changes = self.preview(ident, PARENT, files)
        self.assertEqual([('random', 'nested2')],
                         self.entries(changes, 'unchanged'))
        # nested stacks are always updated: their resources decide
        self.assertEqual([('nested1', None), ('nested2', 'nested1')],
                         self.entries(changes, 'updated'))
        for kind in ('replaced', 'deleted', 'added'):
            self.assertEqual([], changes[kind], kind)

    def test_a_resource_added_in_a_nested_stack(self):
        files = {'nested1.yaml': NESTED1, 'nested2.yaml': NESTED2}
        ident = self.create('s1', PARENT, files=files)
        changes = self.preview(ident, PARENT, dict(
            files, **{'nested2.yaml': NESTED2_TWO}))
        self.assertEqual([('random2', 'nested2')],
                         self.entries(changes, 'added'))
        self.assertEqual([('random', 'nested2')],
                         self.entries(changes, 'unchanged'))
        self.assertEqual([], changes['deleted'])

    def test_a_resource_deleted_from_a_nested_stack(self):
        files = {'nested1.yaml': NESTED1, 'nested2.yaml': NESTED2_TWO}
        ident = self.create('s1', PARENT, files=files)
        changes = self.preview(ident, PARENT, dict(
            files, **{'nested2.yaml': NESTED2}))
        self.assertEqual([('random2', 'nested2')],
                         self.entries(changes, 'deleted'))
        self.assertEqual([], changes['added'])

    def test_a_replaced_nested_stack_deletes_all_it_holds(self):
        files = {'nested1.yaml': NESTED1, 'nested2.yaml': NESTED2}
        ident = self.create('s1', PARENT, files=files)
        changes = self.preview(
            ident, PARENT.replace('nested1.yaml', 'OS::Heat::None'), {})
        self.assertEqual([('nested1', None)],
                         self.entries(changes, 'replaced'))
        self.assertEqual([('nested2', 'nested1'), ('random', 'nested2')],
                         self.entries(changes, 'deleted'))
        for kind in ('updated', 'unchanged', 'added'):
            self.assertEqual([], changes[kind], kind)

    def test_without_show_nested_only_the_stack_itself(self):
        files = {'nested1.yaml': NESTED1, 'nested2.yaml': NESTED2}
        ident = self.create('s1', PARENT, files=files)
        changes = self.preview(ident, PARENT, files, show_nested=False)
        self.assertEqual([('nested1', None)],
                         self.entries(changes, 'updated'))
        self.assertEqual([], changes['unchanged'])

