"""Lifecycle hooks through the Auto-Scaling API (AS RPC 1.40): a group's
``lifecycle_hooks`` created, shown with their defaults, replaced and
removed by PATCH, each bad key a 400 naming it; the members' waits
(``lifecycle``, PENDING_WAIT, TERMINATING_WAIT) ended or extended by
``complete-lifecycle-action`` and ``lifecycle-heartbeat``; the public
completion URL (``POST /autoscaling/v1/lifecycle/{token}``), reached from
the notification POSTed to the hook's notify_url, with no token, rate
limited, the token never echoed."""

import time
import types

import webob
from keystonemiddleware import auth_token

from heat.api import app as app_mod
from heat.api import middleware
from heat.api.autoscaling import app as as_app
from heat.api.autoscaling import controllers
from heat.engine.autoscaling import engine as eng
from heat.scaling import lifecycle
from heat.tests import base
from heat.tests.unit.api import test_keystone
from heat.tests.unit.api.autoscaling import ASTestCase
from heat.tests.unit.autoscaling.test_lifecycle import Receiver

#: the defaults of a hook (what every group shows for the keys not given)
DEFAULTS = {'heartbeat_timeout': 3600.0, 'default_result': 'ABANDON',
            'notify_url': None, 'metadata': None}
WAIT_KEYS = {'hook', 'transition', 'started_at', 'default_result',
             'deadline'}


def launch(**kw):
    return dict({'name': 'warm-up', 'transition': 'launch'}, **kw)


def terminate(**kw):
    return dict({'name': 'drain', 'transition': 'terminate'}, **kw)


def shown(hook):
    """``hook`` as every group shows it: every key, in KEYS order."""
    full = dict(DEFAULTS, **hook)
    return {k: full[k] for k in lifecycle.KEYS}


class LifecycleAPITestCase(ASTestCase):

    def group(self, group_id):
        resp = self.as_request('GET', '/groups/%s' % group_id)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json['group']

    def patch(self, group, body, expect=200):
        resp = self.as_request('PATCH', '/groups/%s' % group['id'], body)
        self.assertEqual(expect, resp.status_code, resp.text)
        return resp.json['group'] if expect == 200 else resp

    def members(self, group_id):
        resp = self.as_request('GET', '/groups/%s/members' % group_id)
        self.assertEqual(200, resp.status_code, resp.text)
        return {m['name']: m for m in resp.json['members']}

    def member_action(self, group_id, name, action, body=None):
        return self.as_request('POST', '/groups/%s/members/%s/%s' % (
            group_id, name, action), body)


class TestHooksOfGroups(LifecycleAPITestCase):

    def test_create_shows_the_hooks_with_their_defaults(self):
        hooks = [launch(heartbeat_timeout=60),
                 terminate(default_result='CONTINUE', metadata='drain me',
                           notify_url='https://hooks.example/as')]
        g = self.make_group(min_size=0, desired=0, lifecycle_hooks=hooks)
        expected = [shown(h) for h in hooks]
        self.assertEqual(expected, g['lifecycle_hooks'])
        self.assertEqual(list(lifecycle.KEYS),
                         list(g['lifecycle_hooks'][0]))
        self.assertEqual(expected, self.group(g['id'])['lifecycle_hooks'])
        listed = self.as_request('GET', '/groups').json['groups']
        self.assertEqual([expected], [x['lifecycle_hooks'] for x in listed])
        # listed in transition order, whatever the order given
        g2 = self.make_group('g2', min_size=0, desired=0,
                             lifecycle_hooks=list(reversed(hooks)))
        self.assertEqual(expected, g2['lifecycle_hooks'])

    def test_without_hooks_the_list_is_empty(self):
        g = self.make_group(min_size=0, desired=0)
        self.assertEqual([], g['lifecycle_hooks'])
        for i, value in enumerate((None, [])):
            g = self.make_group('n%d' % i, min_size=0, desired=0,
                                lifecycle_hooks=value)
            self.assertEqual([], g['lifecycle_hooks'])

    def test_bad_hooks_are_400_naming_them(self):
        body = {'name': 'g', 'min_size': 0, 'max_size': 2,
                'resource': {'type': 'OS::Heat::RandomString'}}
        # typed by the API's schema: a JSON pointer
        cases = [
            ([launch(transition='boot')],
             "/lifecycle_hooks/0/transition: 'boot' is not one of"),
            ([launch(heartbeat_timeout=0)],
             '/lifecycle_hooks/0/heartbeat_timeout: 0 is less than the '
             'minimum of 1'),
            ([launch(heartbeat_timeout=lifecycle.MAX_TIMEOUT + 1)],
             '/lifecycle_hooks/0/heartbeat_timeout: %d is greater than '
             'the maximum of %d' % (lifecycle.MAX_TIMEOUT + 1,
                                    lifecycle.MAX_TIMEOUT)),
            ([launch(heartbeat_timeout='soon')],
             "/lifecycle_hooks/0/heartbeat_timeout: 'soon' is not of type"),
            ([launch(default_result='MAYBE')],
             "/lifecycle_hooks/0/default_result: 'MAYBE' is not one of"),
            ([launch(colour='red')],
             '/lifecycle_hooks/0/colour: unknown key'),
            ([{'transition': 'launch'}],
             "/lifecycle_hooks/0/name: 'name' is a required property"),
            ([launch(name='')], '/lifecycle_hooks/0/name'),
            ([launch(notify_url=5)],
             '/lifecycle_hooks/0/notify_url: 5 is not of type'),
            ([launch(metadata='x' * 4097)], '/lifecycle_hooks/0/metadata'),
            ([launch(), terminate(), launch(name='third')],
             '/lifecycle_hooks: '),
            ('warm-up', "/lifecycle_hooks: 'warm-up' is not of type"),
            (['warm-up'], "/lifecycle_hooks/0: 'warm-up' is not of type"),
        ]
        # what spans hooks, and the URL: the engine's Invalid, naming
        # lifecycle_hooks[i].key
        engine_cases = [
            ([launch(), launch(name='other')],
             'lifecycle_hooks[1].transition: a second launch hook (one '
             'hook per transition)'),
            ([launch(), terminate(name='warm-up')],
             "lifecycle_hooks[1].name: 'warm-up' is the name of another "
             "hook"),
            ([launch(notify_url='ftp://x')],
             "lifecycle_hooks[0].notify_url: 'ftp://x' is not an http(s) "
             "URL"),
            ([launch(name='  ')], 'lifecycle_hooks[0].name'),
        ]
        before = self.rows()
        for hooks, message in cases:
            resp = self.as_request('POST', '/groups',
                                   dict(body, lifecycle_hooks=hooks))
            self.assertError(resp, 400, 'InvalidInput', message)
        for hooks, message in engine_cases:
            resp = self.as_request('POST', '/groups',
                                   dict(body, lifecycle_hooks=hooks))
            self.assertError(resp, 400, None, message)
        self.assertEqual(before, self.rows())
        # the same on PATCH: the group keeps its hooks
        g = self.make_group(min_size=0, desired=0,
                            lifecycle_hooks=[launch()])
        for hooks, message in cases[:2] + engine_cases[:1]:
            resp = self.patch(g, {'lifecycle_hooks': hooks}, expect=400)
            self.assertError(resp, 400, None, message)
        after = self.group(g['id'])
        self.assertEqual(([shown(launch())], g['version']),
                         (after['lifecycle_hooks'], after['version']))

    def test_patch_replaces_them_all(self):
        g = self.make_group(min_size=0, desired=0,
                            lifecycle_hooks=[launch(heartbeat_timeout=60)])
        # a PATCH without lifecycle_hooks leaves them
        g2 = self.patch(g, {'max_size': 4})
        self.assertEqual([shown(launch(heartbeat_timeout=60))],
                         g2['lifecycle_hooks'])
        # a new list replaces the whole list (keys not given: defaults)
        g3 = self.patch(g2, {'lifecycle_hooks': [launch(), terminate()]})
        self.assertEqual([shown(launch()), shown(terminate())],
                         g3['lifecycle_hooks'])
        self.assertGreater(g3['version'], g2['version'])
        self.assertEqual(g3['lifecycle_hooks'],
                         self.group(g['id'])['lifecycle_hooks'])
        # the shown hooks given back are the same hooks
        g4 = self.patch(g3, {'lifecycle_hooks': g3['lifecycle_hooks']})
        self.assertEqual(g3['lifecycle_hooks'], g4['lifecycle_hooks'])
        # hooks added to a group that had none
        plain = self.make_group('plain', min_size=0, desired=0)
        added = self.patch(plain, {'lifecycle_hooks': [terminate()]})
        self.assertEqual([shown(terminate())], added['lifecycle_hooks'])

    def test_patch_null_or_empty_removes_them(self):
        for i, value in enumerate((None, [])):
            g = self.make_group('g%d' % i, min_size=0, desired=0,
                                lifecycle_hooks=[launch(), terminate()])
            removed = self.patch(g, {'lifecycle_hooks': value})
            self.assertEqual([], removed['lifecycle_hooks'])
            self.assertEqual([], self.group(g['id'])['lifecycle_hooks'])
            # removing what is not there is no error
            again = self.patch(removed, {'lifecycle_hooks': value})
            self.assertEqual([], again['lifecycle_hooks'])

    def test_the_openapi_document_describes_them(self):
        doc = self.as_request('GET', '//autoscaling/v1/openapi.json').json
        schemas = doc['components']['schemas']
        group = schemas['Group']['properties']
        self.assertEqual(sorted(lifecycle.KEYS), sorted(
            group['lifecycle_hooks']['items']['properties']))
        member = schemas['Member']['properties']
        self.assertEqual(WAIT_KEYS, set(member['lifecycle']['properties']))
        for method, path in (
                ('post', '/autoscaling/v1/{project_id}/groups'),
                ('patch', '/autoscaling/v1/{project_id}/groups/{group_id}')):
            body = doc['paths'][path][method]['requestBody']['content'][
                'application/json']['schema']
            hooks = body['properties']['lifecycle_hooks']
            self.assertFalse(hooks['items']['additionalProperties'])
            self.assertEqual(['launch', 'terminate'], hooks['items'][
                'properties']['transition']['enum'])
            self.assertEqual(lifecycle.MAX_TIMEOUT, hooks['items'][
                'properties']['heartbeat_timeout']['maximum'])
        m = '/autoscaling/v1/{project_id}/groups/{group_id}/members/' \
            '{member_name}'
        for action, rule in (
                ('complete-lifecycle-action',
                 'autoscaling:member:complete_lifecycle_action'),
                ('lifecycle-heartbeat',
                 'autoscaling:member:lifecycle_heartbeat')):
            op = doc['paths']['%s/%s' % (m, action)]['post']
            self.assertEqual(rule, op['x-policy-rule'])
            self.assertIn('200', op['responses'])
        public = doc['paths']['/autoscaling/v1/lifecycle/{token}']['post']
        self.assertEqual([], public['security'])
        self.assertNotIn('x-policy-rule', public)


class TestMemberWaits(LifecycleAPITestCase):

    def waiting_group(self, desired=2, **hook):
        g = self.make_group(min_size=0, desired=desired,
                            lifecycle_hooks=[launch(**hook)])
        self.wait_group(g['id'], desired)
        members = self.members(g['id'])
        self.assertEqual({eng.PENDING_WAIT},
                         {m['status'] for m in members.values()})
        return g, members

    def test_complete_and_heartbeat(self):
        g, members = self.waiting_group(heartbeat_timeout=600)
        first, second = sorted(members)
        wait = members[first]['lifecycle']
        self.assertEqual(WAIT_KEYS, set(wait))
        self.assertEqual(('warm-up', 'launch', 'ABANDON'), (
            wait['hook'], wait['transition'], wait['default_result']))
        self.assertIsNotNone(wait['deadline'])
        # a heartbeat: empty body or {}
        for body in (None, {}):
            resp = self.member_action(g['id'], first, 'lifecycle-heartbeat',
                                      body)
            self.assertEqual(200, resp.status_code, resp.text)
            m = resp.json['member']
            self.assertEqual((first, eng.PENDING_WAIT),
                             (m['name'], m['status']))
            self.assertGreaterEqual(m['lifecycle']['deadline'],
                                    wait['deadline'])
        # CONTINUE: ACTIVE, no wait
        resp = self.member_action(g['id'], first,
                                  'complete-lifecycle-action',
                                  {'result': 'CONTINUE'})
        self.assertEqual(200, resp.status_code, resp.text)
        m = resp.json['member']
        self.assertEqual((first, 'ACTIVE', None),
                         (m['name'], m['status'], m['lifecycle']))
        # (the engine's answer has no physical_resource_id: the member's
        # row alone)
        listed = self.members(g['id'])[first]
        self.assertEqual(dict(m, physical_resource_id=None),
                         dict(listed, physical_resource_id=None))
        # once only: a member that waits for nothing is the engine's 400
        for action, body in (('complete-lifecycle-action',
                              {'result': 'ABANDON'}),
                             ('lifecycle-heartbeat', {})):
            self.assertError(
                self.member_action(g['id'], first, action, body), 400,
                'Invalid', 'member %s is not waiting for a lifecycle '
                           'action (status ACTIVE)' % first)
        self.assertEqual('ACTIVE', self.members(g['id'])[first]['status'])
        # the group by its name works too
        resp = self.member_action(g['name'], second, 'lifecycle-heartbeat')
        self.assertEqual(200, resp.status_code, resp.text)
        acts = [a for a in self.as_request(
            'GET', '/groups/%s/activities' % g['id']).json['activities']
            if a['trigger'] == 'lifecycle']
        self.assertEqual(1, len(acts))
        self.assertIn('member %s: launch hook warm-up completed CONTINUE'
                      % first, acts[0]['reason'])

    def test_bad_requests(self):
        g, members = self.waiting_group(desired=1)
        [name] = members
        complete = 'complete-lifecycle-action'
        before = self.rows()
        for body, message in (
                ({'result': 'LATER'}, "/result: 'LATER' is not one of"),
                ({'result': 'continue'}, '/result'),
                ({}, "/result: 'result' is a required property"),
                (None, "/result: 'result' is a required property"),
                ({'result': 'CONTINUE', 'reason': 'x'},
                 '/reason: unknown key')):
            self.assertError(self.member_action(g['id'], name, complete,
                                                body),
                             400, 'InvalidInput', message)
        self.assertError(self.member_action(
            g['id'], name, 'lifecycle-heartbeat', {'result': 'CONTINUE'}),
            400, 'InvalidInput', '/result: unknown key')
        # unknown member, unknown group: 404
        for action, body in ((complete, {'result': 'CONTINUE'}),
                             ('lifecycle-heartbeat', {})):
            self.assertError(self.member_action(g['id'], 'nobody', action,
                                                body), 404,
                             'EntityNotFound', 'nobody')
            self.assertError(self.member_action('no-group', name, action,
                                                body), 404,
                             'EntityNotFound')
            # another project's group
            resp = self.as_request('POST', '/groups/%s/members/%s/%s' % (
                g['id'], name, action), body, project='p2')
            self.assertError(resp, 404, 'EntityNotFound')
            # a GET is a 405
            resp = self.as_request('GET', '/groups/%s/members/%s/%s' % (
                g['id'], name, action))
            self.assertEqual(405, resp.status_code, resp.text)
        self.assertEqual(before, self.rows())
        self.assertEqual(eng.PENDING_WAIT,
                         self.members(g['id'])[name]['status'])

    def test_abandon_replaces_the_member(self):
        g, members = self.waiting_group(desired=1)
        [name] = members
        resp = self.member_action(g['id'], name, 'complete-lifecycle-action',
                                  {'result': 'ABANDON'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('FAILED', resp.json['member']['status'])
        self.wait_group(g['id'], 1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = self.members(g['id'])
            if name not in now and len(now) == 1:
                break
            time.sleep(0.05)
        [(new, m)] = self.members(g['id']).items()
        self.assertNotEqual(name, new)
        # the replacement waits too
        self.assertEqual(eng.PENDING_WAIT, m['status'])

    def test_terminate_hook_holds_the_scale_in(self):
        g = self.make_group(min_size=0, desired=2,
                            lifecycle_hooks=[terminate()])
        self.wait_group(g['id'], 2)
        resp = self.as_request('POST', '/groups/%s/resize' % g['id'],
                               {'capacity': 1})
        self.assertEqual(200, resp.status_code, resp.text)
        self.wait_group(g['id'], 1)
        members = self.members(g['id'])
        [victim] = [n for n, m in members.items()
                    if m['status'] == eng.TERMINATING_WAIT]
        self.assertEqual(('drain', 'terminate'), (
            members[victim]['lifecycle']['hook'],
            members[victim]['lifecycle']['transition']))
        resp = self.member_action(g['id'], victim,
                                  'complete-lifecycle-action',
                                  {'result': 'CONTINUE'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('REMOVING', resp.json['member']['status'])
        self.wait_group(g['id'], 1)
        deadline = time.monotonic() + 30
        while victim in self.members(g['id']):
            self.assertLess(time.monotonic(), deadline,
                            'the member was not removed')
            time.sleep(0.05)
        self.assertEqual(1, len(self.members(g['id'])))


class TestCompletionURL(LifecycleAPITestCase):

    def setUp(self):
        super().setUp()
        self.receiver = Receiver()
        self.addCleanup(self.receiver.stop)

    def notified_group(self, desired=1, **hook):
        g = self.make_group(min_size=0, desired=desired,
                            lifecycle_hooks=[launch(
                                notify_url=self.receiver.url, **hook)])
        self.wait_group(g['id'], desired)
        return g, self.receiver.wait_for(desired)

    def post(self, token, body=None, app=None, **kw):
        req = webob.Request.blank('/autoscaling/v1/lifecycle/%s' % token,
                                  method='POST', **kw)
        if body is not None:
            req.json_body = body
        return req.get_response(app or self.app)

    def test_the_notification_and_its_url_complete_the_wait(self):
        g, [note] = self.notified_group(metadata='role=web',
                                        heartbeat_timeout=600)
        self.assertEqual(
            {'group_id': g['id'], 'group_name': 'g1', 'project': 'p1',
             'hook': 'warm-up', 'transition': 'launch',
             'status': eng.PENDING_WAIT, 'heartbeat_timeout': 600.0,
             'default_result': 'ABANDON', 'metadata': 'role=web'},
            {k: note[k] for k in (
                'group_id', 'group_name', 'project', 'hook', 'transition',
                'status', 'heartbeat_timeout', 'default_result',
                'metadata')})
        self.assertIn(note['member'], self.members(g['id']))
        url = note['completion_url']
        self.assertIn(eng.LIFECYCLE_PATH, url)
        token = url.rsplit('/', 1)[1]
        # a heartbeat
        resp = self.post(token, {'heartbeat': True})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual((note['member'], eng.PENDING_WAIT), (
            resp.json['member']['name'], resp.json['member']['status']))
        # bad bodies: 400, the wait goes on
        for body, message in (
                ({}, '/: give exactly one of result and heartbeat'),
                (None, '/: give exactly one of result and heartbeat'),
                ({'result': 'CONTINUE', 'heartbeat': True},
                 'give exactly one of result and heartbeat'),
                ({'heartbeat': False}, '/heartbeat'),
                ({'result': 'LATER'}, '/result'),
                ({'result': 'CONTINUE', 'x': 1}, '/x: unknown key')):
            resp = self.post(token, body)
            self.assertError(resp, 400, 'InvalidInput', message)
            self.assertNotIn(token, resp.text)
        self.assertEqual(eng.PENDING_WAIT,
                         self.members(g['id'])[note['member']]['status'])
        # the result: ACTIVE
        resp = self.post(token, {'result': 'CONTINUE'})
        self.assertEqual(200, resp.status_code, resp.text)
        member = resp.json['member']
        self.assertEqual((note['member'], 'ACTIVE', None), (
            member['name'], member['status'], member['lifecycle']))
        acts = [a for a in self.as_request(
            'GET', '/groups/%s/activities' % g['id']).json['activities']
            if a['trigger'] == 'lifecycle']
        self.assertEqual(['url'], [a['decision']['completed_by']
                                   for a in acts])
        # a used token is gone: a 404 that does not name it
        for body in ({'result': 'CONTINUE'}, {'heartbeat': True}):
            resp = self.post(token, body)
            self.assertError(resp, 404, 'EntityNotFound', '<redacted>')
            self.assertNotIn(token, resp.text)

    def test_abandon_by_the_url(self):
        g, [note] = self.notified_group()
        token = note['completion_url'].rsplit('/', 1)[1]
        resp = self.post(token, {'result': 'ABANDON'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('FAILED', resp.json['member']['status'])
        # the replacement waits with a token of its own
        notes = self.receiver.wait_for(2)
        self.assertNotEqual(note['member'], notes[1]['member'])
        self.assertNotEqual(note['completion_url'],
                            notes[1]['completion_url'])

    def test_unknown_tokens_are_404_not_naming_them(self):
        for token in ('not-a-token', 'x' * 43):
            resp = self.post(token, {'result': 'CONTINUE'})
            self.assertError(resp, 404, 'EntityNotFound', '<redacted>')
            self.assertNotIn(token, resp.text)
        resp = self.as_request('GET', '//autoscaling/v1/lifecycle/x')
        self.assertEqual(405, resp.status_code, resp.text)
        self.assertEqual('POST', resp.headers['Allow'])

    def test_no_token_needed_with_keystone(self):
        """With auth_strategy = keystone (auth_token in front), the
        completion URL needs no token; the member routes still do."""
        g, [note] = self.notified_group(heartbeat_timeout=600)
        token = note['completion_url'].rsplit('/', 1)[1]
        conf = test_keystone._conf('keystone')
        for group, opts in auth_token.list_opts():
            conf.register_opts(opts, group=group)
        conf.set_override('www_authenticate_uri', 'http://ks.example/v3',
                          group='keystone_authtoken')
        # heat-api (both APIs) and the Auto-Scaling API alone
        for app in (app_mod.make_app(self.client, conf),
                    as_app.make_app(self.client, conf)):
            resp = self.post(token, {'heartbeat': True}, app=app)
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertError(self.post('nope', {'heartbeat': True},
                                       app=app), 404, 'EntityNotFound')
            for path in ('/groups/%s/members/%s/lifecycle-heartbeat',
                         '/groups/%s/members/%s/complete-lifecycle-action'):
                req = webob.Request.blank(
                    '/autoscaling/v1/p1' + path % (g['id'], note['member']),
                    method='POST')
                req.json_body = {'result': 'CONTINUE'}
                self.assertEqual(401, req.get_response(app).status_code)
        resp = self.post(token, {'result': 'CONTINUE'},
                         app=as_app.make_app(self.client, conf))
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('ACTIVE', resp.json['member']['status'])

    def test_rate_limited_without_echoing_the_token(self):
        conf = types.SimpleNamespace(anonymous_rate_limit=0.001,
                                     anonymous_rate_burst=2,
                                     anonymous_client_rate_limit=0)
        app = app_mod.make_app(self.client, conf)
        token = 'secret-token-value'
        for _ in range(2):
            self.assertError(self.post(token, {'heartbeat': True}, app=app),
                             404)
        resp = self.post(token, {'heartbeat': True}, app=app)
        self.assertError(resp, 429, 'RateLimitExceeded', 'lifecycle')
        self.assertIn('Retry-After', resp.headers)
        self.assertNotIn(token, resp.text)
        # the same limiter as the webhooks': another token has its own
        # per-target bucket
        self.assertError(self.post('other', {'heartbeat': True}, app=app),
                         404)


class TestPolicy(LifecycleAPITestCase):

    def test_readers_may_not_end_or_extend_a_wait(self):
        g = self.make_group(min_size=0, desired=1,
                            lifecycle_hooks=[launch()])
        self.wait_group(g['id'], 1)
        [name] = self.members(g['id'])
        app = middleware.KeystoneContext(
            app_mod.API(self.client, test_keystone._conf('keystone')))
        reader = dict(test_keystone.CONFIRMED, **{'X-Roles': 'reader'})

        def post(action, body, headers):
            req = webob.Request.blank(
                '/autoscaling/v1/p1/groups/%s/members/%s/%s' % (
                    g['id'], name, action), method='POST',
                headers=headers)
            req.json_body = body
            return req.get_response(app)

        for action, rule, body in (
                ('lifecycle-heartbeat', 'lifecycle_heartbeat', {}),
                ('complete-lifecycle-action', 'complete_lifecycle_action',
                 {'result': 'CONTINUE'})):
            self.assertError(post(action, body, reader), 403, None,
                             'autoscaling:member:%s' % rule)
            resp = post(action, body, test_keystone.CONFIRMED)
            self.assertEqual(200, resp.status_code, resp.text)


class TestFormat(base.TestCase):

    def test_groups_without_hooks_show_an_empty_list(self):
        req = webob.Request.blank('/')
        req.environ['heat.autoscaling.project_url'] = 'http://x/p'
        self.assertEqual([], controllers.format_group(
            req, {'id': 'g'})['lifecycle_hooks'])
        hooks = [shown(launch())]
        self.assertEqual(hooks, controllers.format_group(
            req, {'id': 'g', 'lifecycle_hooks': hooks})['lifecycle_hooks'])
