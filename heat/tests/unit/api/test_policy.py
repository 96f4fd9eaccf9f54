"""Policy defaults and the context a request runs with."""

import os
import time
from unittest import mock

import fixtures
import webob
from oslo_policy import _external as oslo_external

from heat.api import middleware, policy
from heat.common import context
from heat.tests import base
from heat.tests.unit.api import TEMPLATE, APITestCase


def ctx(project='p1', roles=('member', 'reader')):
    return context.RequestContext(project_id=project, user_id='u',
                                  roles=list(roles))


class TestEnforcer(base.TestCase):

    def setUp(self):
        super().setUp()
        self.enforcer = policy.Enforcer()

    def test_reader_reads_member_writes(self):
        reader = ctx(roles=['reader'])
        self.enforcer.enforce(reader, 'stacks:index', 'p1')
        self.enforcer.enforce(reader, 'events:show', 'p1')
        self.assertRaises(policy.Forbidden, self.enforcer.enforce, reader,
                          'stacks:create', 'p1')
        member = ctx(roles=['member'])
        self.enforcer.enforce(member, 'stacks:create', 'p1')
        self.enforcer.enforce(member, 'stacks:show', 'p1')

    def test_export_needs_a_member(self):
        # an export carries the abandon data (resource data, secrets
        # included): upstream's rule is a project member's
        reader = ctx(roles=['reader'])
        self.assertRaises(policy.Forbidden, self.enforcer.enforce, reader,
                          'stacks:export', 'p1')
        self.enforcer.enforce(reader, 'stacks:show', 'p1')
        self.enforcer.enforce(ctx(roles=['member']), 'stacks:export', 'p1')

    def test_other_project_is_refused(self):
        self.assertRaises(policy.Forbidden, self.enforcer.enforce, ctx(),
                          'stacks:index', 'p2')

    def test_admin(self):
        self.assertTrue(self.enforcer.is_admin(ctx(roles=['admin'])))
        self.assertFalse(self.enforcer.is_admin(ctx()))

    def test_unknown_rule_is_refused(self):
        self.assertRaises(policy.Forbidden, self.enforcer.enforce, ctx(),
                          'stacks:nothing', 'p1')

    def test_policy_files_are_looked_at_once_a_second(self):
        from oslo_policy import policy as oslo_policy
        real = oslo_policy.Enforcer.load_rules
        loads = []

        def counting(enforcer, force_reload=False):
            loads.append(force_reload)
            return real(enforcer, force_reload)
        with mock.patch.object(oslo_policy.Enforcer, 'load_rules',
                               counting):
            for _ in range(20):
                self.enforcer.enforce(ctx(), 'stacks:index', 'p1')
            self.assertEqual(1, len(loads))
            self.enforcer._enforcer._loaded_at -= 2  # a second later
            for _ in range(20):
                self.enforcer.enforce(ctx(), 'stacks:index', 'p1')
            self.assertEqual(2, len(loads))

    def test_an_edited_policy_file_applies_at_the_next_look(self):
        folder = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(folder, 'policy.yaml')
        with open(path, 'w') as f:
            f.write('{}\n')
        enforcer = policy.Enforcer(policy_file=path)
        reader = ctx(roles=['reader'])
        enforcer.enforce(reader, 'stacks:index', 'p1')
        with open(path, 'w') as f:
            f.write('"stacks:index": "role:admin"\n')
        # the file's time must move for oslo.policy to read it again
        os.utime(path, (time.time() + 5, time.time() + 5))
        enforcer._enforcer._loaded_at -= 2  # a second later
        self.assertRaises(policy.Forbidden, enforcer.enforce, reader,
                          'stacks:index', 'p1')
        enforcer.enforce(ctx(roles=['admin']), 'stacks:index', 'p1')

    def test_answers_are_remembered_for_the_same_credentials_only(self):
        member, reader = ctx(roles=['member']), ctx(roles=['reader'])
        for _ in range(3):
            self.enforcer.enforce(member, 'stacks:create', 'p1')
            self.assertRaises(policy.Forbidden, self.enforcer.enforce,
                              reader, 'stacks:create', 'p1')
            self.assertRaises(policy.Forbidden, self.enforcer.enforce,
                              member, 'stacks:create', 'p2')
            self.assertRaises(policy.Forbidden, self.enforcer.enforce,
                              ctx(project='p2', roles=['member']),
                              'stacks:create', 'p1')
        self.assertTrue(self.enforcer._enforcer.is_pure('stacks:create'))

    def test_an_http_check_is_never_remembered(self):
        inner = self.enforcer._enforcer
        inner.set_rules({'stacks:index': oslo_external.HttpCheck(
            'http', 'example.invalid/%(project_id)s')}, overwrite=False,
            use_conf=False)
        self.assertFalse(inner.is_pure('stacks:index'))
        answers = iter([True, False])
        with mock.patch.object(oslo_external.HttpCheck, '__call__',
                               lambda *a, **k: next(answers)):
            self.enforcer.enforce(ctx(), 'stacks:index', 'p1')
            self.assertRaises(policy.Forbidden, self.enforcer.enforce,
                              ctx(), 'stacks:index', 'p1')

    def test_every_routed_action_has_a_rule(self):
        from heat.api import v1
        mapper, controllers = v1.make_routes(engine=None)
        for name, controller, _url, action in (
                (c, controllers[c], u, a) for c, u, _m, a in v1._table()):
            self.assertIn('%s:%s' % (controller.POLICY_SCOPE, action),
                          policy.ACTIONS, name)


class TestLayering(base.TestCase):

    def test_api_reaches_the_engine_only_through_its_client(self):
        import os

        from heat.tests.unit import test_layering
        folder = os.path.dirname(os.path.abspath(policy.__file__))
        found = [(path, mod) for path, mod in
                 test_layering.forbidden_imports(folder)
                 if mod.startswith(('heat.engine', 'heat.db'))]
        self.assertEqual([], found)


class TestNoauthContext(base.TestCase):

    def test_project_from_url_and_roles(self):
        req = webob.Request.blank('/v1/p9/stacks', headers={
            'X-Auth-Token': 'tok', 'X-Auth-User': 'bob'})
        c = middleware.make_context(req, 'p9')
        self.assertEqual('p9', c.project_id)
        self.assertEqual(['member', 'reader'], c.roles)
        self.assertEqual('tok', c.auth_token)
        self.assertEqual('bob', c.user_name)
        self.assertFalse(c.is_admin)

    def test_context_set_by_earlier_middleware_wins(self):
        given = ctx('p3', roles=['reader'])
        req = webob.Request.blank('/v1/p9/stacks')
        req.environ[middleware.ENV_CONTEXT] = given
        self.assertIs(given, middleware.make_context(req, 'p9'))


class TestAccessThroughTheApp(APITestCase):

    def call(self, method, path, context_obj, body=None):
        req = webob.Request.blank('/v1/p1' + path, method=method)
        req.environ[middleware.ENV_CONTEXT] = context_obj
        if body is not None:
            req.json_body = body
        return req.get_response(self.app)

    def test_reader_cannot_create(self):
        resp = self.call('POST', '/stacks', ctx(roles=['reader']),
                         {'stack_name': 's1', 'template': TEMPLATE})
        self.assertError(resp, 403, 'Forbidden')
        self.assertEqual([], self.request('GET', '/stacks').json['stacks'])
        resp = self.call('GET', '/stacks', ctx(roles=['reader']))
        self.assertEqual(200, resp.status_code)

    def test_context_of_another_project_is_403(self):
        resp = self.call('GET', '/stacks', ctx('p2'))
        self.assertError(resp, 403, 'Forbidden')

    def test_no_roles_is_403(self):
        self.assertError(self.call('GET', '/stacks', ctx(roles=[])), 403)
