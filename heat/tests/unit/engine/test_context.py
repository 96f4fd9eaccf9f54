"""The request context and its dict form."""

from heat.common import context
from heat.tests import base


class TestContext(base.TestCase):

    def test_round_trip_through_dict(self):
        ctx = context.RequestContext(
            project_id='p', user_id='u', user_name='alice', roles=['member'],
            auth_token='tok', request_id='req-1', region_name='r1')
        again = context.RequestContext.from_dict(ctx.to_dict())
        for field in ('project_id', 'user_id', 'user_name', 'roles',
                      'auth_token', 'request_id', 'region_name',
                      'is_admin'):
            self.assertEqual(getattr(ctx, field), getattr(again, field),
                             field)

    def test_upstream_aliases(self):
        ctx = context.RequestContext.from_dict(
            {'tenant_id': 'p', 'username': 'bob', 'unknown_key': 1})
        self.assertEqual('p', ctx.project_id)
        self.assertEqual('p', ctx.tenant_id)
        self.assertEqual('bob', ctx.username)
        self.assertEqual('p', ctx.to_dict()['tenant_id'])

    def test_request_id_is_generated(self):
        a, b = context.RequestContext(), context.RequestContext()
        self.assertTrue(a.request_id.startswith('req-'))
        self.assertNotEqual(a.request_id, b.request_id)

    def test_admin(self):
        cases = [({}, False), ({'is_admin': True}, True),
                 ({'roles': ['admin']}, True), ({'roles': ['x']}, False)]
        for kwargs, expected in cases:
            self.assertEqual(expected,
                             context.RequestContext(**kwargs).is_admin)
        admin = context.get_admin_context()
        self.assertTrue(admin.is_admin)
        self.assertIsNone(admin.project_id)
