"""OS::Heat::None, through real stacks on a SQLite file.

:class:`StackTestCase` (the helpers every module of this package uses)
lives here too.
"""

import threading
import uuid

from heat.common import context, template_format
from heat.db import api as db_api
from heat.engine import environment, template
from heat.engine import stack as stack_mod
from heat.tests import db_fixtures


class StackTestCase(db_fixtures.DBTestCase):
    """Stacks of engine resources on a throwaway SQLite file."""

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(project_id='test_tenant',
                                          user_id='test_user',
                                          user_name='tester')

    def parse(self, text, params=None, name='teststack', **kwargs):
        """A Stack (not stored) of template ``text``."""
        env = environment.Environment({'parameters': dict(params or {})})
        tmpl = template.Template.create(template_format.parse(text), env=env)
        return stack_mod.Stack(self.ctx, name, tmpl, **kwargs)

    def create(self, text, params=None, **kwargs):
        stack = self.parse(text, params, **kwargs)
        stack.validate()
        stack.create()
        return stack

    def update(self, stack, text, params=None):
        new = self.parse(text, params, name=stack.name)
        new.validate()
        stack.update(new)
        return stack

    def load(self, stack):
        return stack_mod.Stack.load(self.ctx, stack.id)

    def in_thread(self, fn, *args):
        """Run ``fn`` in a thread; returns its join function."""
        thread = threading.Thread(target=fn, args=args, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        return lambda: thread.join(10)

    def assertState(self, expected, obj):
        self.assertEqual(expected, tuple(obj.state),
                         getattr(obj, 'status_reason', ''))

    def events(self, stack, resource_name):
        """``(action, status, reason)`` of a resource's events, in order."""
        rows = db_api.event_get_all_by_stack(self.ctx, stack.id,
                                           self.ctx.project_id)
        return [(e.resource_action, e.resource_status,
                 e.resource_status_reason)
                for e in rows if e.resource_name == resource_name]


NONE = '''
heat_template_version: 2016-10-14
resources:
  none:
    type: OS::Heat::None
    properties: %s
outputs:
  attr:
    value: {get_attr: [none, anything, at, all]}
  ref:
    value: {get_resource: none}
'''


class TestNone(StackTestCase):

    def test_any_properties_are_accepted(self):
        for props in ('{}', '{image: cirros, flavor: m1.tiny}',
                      '{count: BAD, nested: {a: [1, 2]}}'):
            stack = self.create(NONE % props)
            self.assertState(('CREATE', 'COMPLETE'), stack)

    def test_resource_id_is_a_uuid4(self):
        stack = self.create(NONE % '{}')
        rsrc = stack.resources['none']
        self.assertEqual(4, uuid.UUID(rsrc.resource_id).version)
        self.assertEqual(rsrc.resource_id, stack.outputs()['ref'])

    def test_every_attribute_is_none(self):
        stack = self.create(NONE % '{}')
        self.assertIsNone(stack.outputs()['attr'])
        self.assertIsNone(stack.resources['none'].FnGetAtt('x'))

    def test_update_never_changes_or_replaces(self):
        stack = self.create(NONE % '{a: 1}')
        before = stack.resources['none'].resource_id
        for props in ('{a: 2}', '{b: [1]}', '{}'):
            self.update(stack, NONE % props)
            self.assertState(('UPDATE', 'COMPLETE'), stack)
            rsrc = self.load(stack).resources['none']
            self.assertEqual(before, rsrc.resource_id)
            self.assertEqual(('CREATE', 'COMPLETE'), tuple(rsrc.state))

    def test_delete(self):
        stack = self.create(NONE % '{a: 1}')
        stack.delete()
        self.assertState(('DELETE', 'COMPLETE'), stack)
