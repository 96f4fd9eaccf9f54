"""auth_strategy = keystone: keystonemiddleware's auth_token in front of
the API, and the context middleware that builds the RequestContext from
the headers auth_token sets. Keystone itself is not needed: the context
middleware is driven with those headers set directly, and auth_token runs
with delay_auth_decision (a request without a token never reaches
Keystone)."""

import webob
from keystonemiddleware import auth_token
from oslo_config import cfg

from heat.api import app as app_mod
from heat.api import middleware
from heat.tests.unit.api import APITestCase

CONFIRMED = {
    'X-Identity-Status': 'Confirmed',
    'X-Project-Id': 'p1',
    'X-Project-Name': 'demo',
    'X-User-Id': 'u1',
    'X-User-Name': 'alice',
    'X-Roles': 'member, reader',
    'X-Auth-Token': 'tok',
}


class TestKeystoneContext(APITestCase):

    def setUp(self):
        super().setUp()
        self.app = middleware.KeystoneContext(
            app_mod.API(self.engine_svc, _conf('keystone')),
            www_authenticate_uri='http://keystone.example/v3')

    def test_context_from_auth_token_headers(self):
        seen = []

        def capture(environ, start_response):
            seen.append(environ[middleware.ENV_CONTEXT])
            start_response('204 No Content', [])
            return []

        req = webob.Request.blank('/v1/p1/stacks', headers=CONFIRMED)
        resp = req.get_response(middleware.KeystoneContext(capture))
        self.assertEqual(204, resp.status_code)
        ctx = seen[0]
        self.assertEqual(('p1', 'demo', 'u1', 'alice', 'tok'),
                         (ctx.project_id, ctx.project_name, ctx.user_id,
                          ctx.user_name, ctx.auth_token))
        self.assertEqual(['member', 'reader'], ctx.roles)
        self.assertFalse(ctx.is_admin)
        admin = dict(CONFIRMED, **{'X-Roles': 'admin'})
        webob.Request.blank('/v1/p1/stacks', headers=admin).get_response(
            middleware.KeystoneContext(capture))
        self.assertTrue(seen[1].is_admin)

    def test_confirmed_identity_uses_the_api(self):
        resp = self.request('GET', '/stacks', headers=CONFIRMED)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual([], resp.json['stacks'])
        resp = self.request('POST', '/stacks', {
            'stack_name': 's1', 'disable_rollback': True,
            'template': 'heat_template_version: 2016-10-14\n'},
            headers=CONFIRMED)
        self.assertEqual(201, resp.status_code, resp.text)
        self.wait(resp.json['stack']['id'])
        stacks = self.request('GET', '/stacks', headers=CONFIRMED).json
        self.assertEqual(['s1'], [s['stack_name'] for s in stacks['stacks']])

    def test_other_project_in_the_url_is_forbidden(self):
        resp = self.request('GET', '/stacks', project='p2',
                            headers=CONFIRMED)
        self.assertError(resp, 403)

    def test_unconfirmed_identity_is_401_with_upstreams_body(self):
        for status in (None, 'Invalid'):
            headers = dict(CONFIRMED)
            if status is None:
                del headers['X-Identity-Status']
            else:
                headers['X-Identity-Status'] = status
            resp = self.request('GET', '/stacks', headers=headers)
            body = self.assertError(resp, 401, 'HTTPUnauthorized',
                                    'Authentication required')
            self.assertEqual('Unauthorized', body['title'])
            self.assertEqual('Keystone uri="http://keystone.example/v3"',
                             resp.headers['WWW-Authenticate'])
            self.assertIn('x-openstack-request-id', resp.headers)

    def test_versions_need_no_token(self):
        for path in ('/', '/v1'):
            resp = webob.Request.blank(path).get_response(self.app)
            self.assertEqual(300, resp.status_code)


def _find(app, cls, depth=5):
    """The WSGI middleware of class ``cls`` in the pipeline ``app``."""
    for _ in range(depth):
        if isinstance(app, cls):
            return app
        app = getattr(app, '_app', None) or getattr(app, 'app', None)
    return None


def _conf(strategy):
    conf = cfg.ConfigOpts()
    conf([])
    from heat.api import options
    options.register_opts(conf)
    conf.set_override('auth_strategy', strategy)
    return conf


class TestPipeline(APITestCase):

    def test_keystone_puts_auth_token_in_front(self):
        conf = _conf('keystone')
        app = _find(app_mod.make_app(self.engine_svc, conf),
                    auth_token.AuthProtocol)
        self.assertIsNotNone(app, 'auth_token is not in the pipeline')
        self.assertIsInstance(app._app, middleware.KeystoneContext)
        self.assertIsInstance(app._app.app, app_mod.API)
        # auth_token's options are read from (and registered on) conf
        self.assertTrue(conf.keystone_authtoken.delay_auth_decision is
                        not None)
        self.assertTrue(app._delay_auth_decision)

    def test_noauth_has_no_auth_token(self):
        app = app_mod.make_app(self.engine_svc, _conf('noauth'))
        self.assertIsNone(_find(app, auth_token.AuthProtocol))

    def test_through_auth_token_without_a_token_is_401(self):
        conf = _conf('keystone')
        for group, opts in auth_token.list_opts():
            conf.register_opts(opts, group=group)
        conf.set_override('www_authenticate_uri', 'http://ks.example/v3',
                          group='keystone_authtoken')
        self.app = app_mod.make_app(self.engine_svc, conf)
        resp = self.request('GET', '/stacks')
        self.assertError(resp, 401, 'HTTPUnauthorized')
        self.assertEqual('Keystone uri="http://ks.example/v3"',
                         resp.headers['WWW-Authenticate'])
        # identity headers sent by a client are removed by auth_token:
        # they never authenticate anyone
        spoofed = {k: v for k, v in CONFIRMED.items()
                   if k != 'X-Auth-Token'}
        self.assertError(self.request('GET', '/stacks', headers=spoofed),
                         401, 'HTTPUnauthorized')
        resp = webob.Request.blank('/').get_response(self.app)
        self.assertEqual(300, resp.status_code)
