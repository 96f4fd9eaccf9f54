"""Signals whose credential is the URL: ``POST /v1/signal/{arn}`` (the
pre-signed alarm_url) and ``POST /v1/webhooks/{token}``, through the WSGI
app on a real engine service; plus the Idempotency-Key header on them and
on ``.../resources/{res}/signal``."""

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

import webob
from cheroot import wsgi

from heat.api import app as app_mod
from heat.common import context as context_mod
from heat.common import exception, signing
from heat.engine import service
from heat.engine import stack as stack_mod
from heat.rpc import client as rpc_client
from heat.rpc import server as rpc_server
from heat.rpc import transport as rpc_transport
from heat.tests.base import free_port
from heat.tests.unit.api import APITestCase, test_keystone

#: a resource that takes signals without a token: a wait condition
#: handle with NO_SIGNAL (each signal is stored in its metadata)
TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  handle:
    type: OS::Heat::WaitConditionHandle
    properties:
      signal_transport: NO_SIGNAL
  other:
    type: OS::Heat::WaitConditionHandle
    properties:
      signal_transport: NO_SIGNAL
  plain:
    type: OS::Heat::None
'''

BASE = 'http://localhost'


class RecordingEngine(service.EngineService):
    """The real engine, recording the idempotency keys its signal entry
    points receive (and answering webhooks until the AS engine does)."""

    WEBHOOK_TOKEN = 'tok-' + 'x' * 40

    def __init__(self, *args, **kwargs):
        self.keys = []
        self.webhooks = []
        super().__init__(*args, **kwargs)

    def resource_signal(self, cnxt, stack_identity, resource_name, details,
                        sync_call=False, idempotency_key=None):
        self.keys.append(('resource_signal', resource_name,
                          idempotency_key))
        result = super().resource_signal(cnxt, stack_identity,
                                         resource_name, details,
                                         sync_call=sync_call,
                                         idempotency_key=idempotency_key)
        if idempotency_key is not None:
            return {'idempotency_key': idempotency_key}
        return result

    def execute_webhook(self, cnxt, token, idempotency_key=None,
                        details=None):
        self.webhooks.append((token, idempotency_key, details))
        if token != self.WEBHOOK_TOKEN:
            raise exception.EntityNotFound(entity='Webhook', name='token')
        return {'accepted': True, 'repeated': False,
                'idempotency_key': idempotency_key}


class SignalTestCase(APITestCase):

    ENGINE_CLASS = RecordingEngine

    def setUp(self):
        super().setUp()
        if self.ENGINE_CLASS is not None:
            self.engine_svc.stop(10)
            self.engine_svc = self.ENGINE_CLASS(engine_id='sig-engine',
                                                report_interval=0.5)
            self.addCleanup(self.engine_svc.stop, 10)
            self.app = app_mod.make_app(self.engine_svc)

    def ctx(self, project=None):
        return context_mod.RequestContext(project_id=project or self.PROJECT,
                                          roles=['member'])

    def make_stack(self, name='s1', project=None):
        sid = self.create(name, template=TEMPLATE, project=project)
        return sid

    def credentials(self, sid, resource='handle', project=None):
        """Give ``resource`` signing credentials (Resource.data_set)."""
        stk = stack_mod.Stack.load(self.ctx(project), sid)
        access, secret = signing.new_credentials()
        rsrc = stk.resources[resource]
        rsrc.data_set('access_key', access)
        rsrc.data_set('secret_key', secret, redact=True)
        return access, secret

    @staticmethod
    def arn(sid, resource='handle', name='s1', project='p1'):
        return 'arn:openstack:heat::%s:stacks/%s/%s/resources/%s' % (
            project, name, sid, resource)

    def signed_url(self, sid, resource='handle', creds=None, arn=None,
                   method='POST'):
        access, secret = creds or self.credentials(sid, resource)
        path = '/v1/signal/' + urllib.parse.quote(
            arn or self.arn(sid, resource), safe='')
        return signing.presigned_url(method, BASE, path, access, secret)

    def post(self, url, body=None, headers=None, method='POST', raw=None,
             app=None):
        parts = urllib.parse.urlsplit(url)
        req = webob.Request.blank(parts.path + '?' + parts.query,
                                  method=method)
        if raw is not None:
            req.body = raw
            req.content_type = 'application/json'
        elif body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        for key, value in (headers or {}).items():
            req.headers[key] = value
        return req.get_response(app or self.app)

    def events(self, sid, resource='handle'):
        return self.request('GET', '/stacks/s1/%s/resources/%s/events'
                            % (sid, resource)).json['events']

    def metadata(self, sid, resource='handle'):
        return self.request('GET', '/stacks/s1/%s/resources/%s/metadata'
                            % (sid, resource)).json['metadata']

    def assertSignalled(self, sid, signal_id='1', resource='handle'):
        self.wait(sid)
        self.assertIn('SIGNAL_COMPLETE', [e['resource_status']
                                          for e in self.events(sid,
                                                               resource)])
        self.assertEqual('SUCCESS',
                         self.metadata(sid, resource)[signal_id]['status'])


class TestSignedSignal(SignalTestCase):

    def test_good_url_is_200_and_signals(self):
        sid = self.make_stack()
        url = self.signed_url(sid)
        resp = self.post(url, {'status': 'SUCCESS', 'id': '1'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('application/json', resp.content_type)
        self.assertIsNone(resp.json)
        self.assertSignalled(sid)
        # the URL never expires and can be used again
        resp = self.post(url, {'status': 'SUCCESS', 'id': '2'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertSignalled(sid, '2')

    def test_empty_body_is_no_details(self):
        sid = self.make_stack()
        resp = self.post(self.signed_url(sid))
        self.assertEqual(200, resp.status_code, resp.text)
        self.wait(sid)
        meta = self.metadata(sid)
        self.assertEqual(['1'], list(meta))
        self.assertEqual('Signal 1 received', meta['1']['reason'])

    def test_malformed_json_is_400(self):
        sid = self.make_stack()
        self.assertError(self.post(self.signed_url(sid), raw=b'{"a": '),
                         400, 'HTTPBadRequest', 'not valid JSON')

    def tampered(self, url):
        """``{what: url}``: the same signed URL, each tampered once."""
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qsl(parts.query)

        def with_query(q):
            return urllib.parse.urlunsplit(parts._replace(
                query=urllib.parse.urlencode(q)))

        def setq(name, value):
            return with_query([(k, value if k == name else v)
                               for k, v in query])
        sig = dict(query)['Signature']
        return {
            'path': urllib.parse.urlunsplit(parts._replace(
                path=parts.path.replace('handle', 'other'))),
            'query': with_query(query + [('extra', '1')]),
            'timestamp': setq('Timestamp', '2001-01-01T00:00:00Z'),
            'signature': setq('Signature',
                              ('A' if sig[0] != 'A' else 'B') + sig[1:]),
            'access key': setq('AWSAccessKeyId', 'someone-else'),
            'missing signature': with_query(
                [(k, v) for k, v in query if k != 'Signature']),
        }

    def test_tampered_urls_are_403_and_change_nothing(self):
        sid = self.make_stack()
        url = self.signed_url(sid)
        # the other resource has credentials too: a path naming it with
        # handle's signature must still fail
        self.credentials(sid, 'other')
        before = {r: (self.events(sid, r), self.metadata(sid, r))
                  for r in ('handle', 'other')}
        for what, bad in self.tampered(url).items():
            resp = self.post(bad, {'status': 'SUCCESS', 'id': '1'})
            body = self.assertError(resp, 403, 'InvalidSignature',
                                    'Signature not valid')
            self.assertEqual('Forbidden', body['title'], what)
            self.assertIsNone(body['error']['traceback'])
        msgs = {what: self.post(bad).json['error']['message']
                for what, bad in self.tampered(url).items()}
        self.assertIn('missing query parameter Signature',
                      msgs['missing signature'])
        self.assertIn('unknown AWSAccessKeyId', msgs['access key'])
        # handle's signature, other's access key: refused either way
        self.assertIn('unknown AWSAccessKeyId', msgs['path'])
        self.assertIn('signature does not match', msgs['query'])
        self.assertIn('signature does not match', msgs['timestamp'])
        self.assertIn('signature does not match', msgs['signature'])
        self.wait(sid)
        after = {r: (self.events(sid, r), self.metadata(sid, r))
                 for r in ('handle', 'other')}
        self.assertEqual(before, after)
        self.assertEqual([], self.engine_svc.keys)

    def test_wrong_method_is_403_naming_it(self):
        sid = self.make_stack()
        url = self.signed_url(sid, method='PUT')
        resp = self.post(url)
        self.assertError(resp, 403, 'InvalidSignature',
                         'signed for PUT, not POST')
        # only POST is served
        resp = self.post(self.signed_url(sid), method='GET')
        self.assertError(resp, 405)
        self.assertEqual('POST', resp.headers['Allow'])

    def test_resource_without_credentials_is_403(self):
        sid = self.make_stack()
        creds = signing.new_credentials()
        resp = self.post(self.signed_url(sid, 'plain', creds=creds))
        self.assertError(resp, 403, 'InvalidSignature',
                         'takes no signed signals')
        # credentials of another resource do not sign for this one
        creds = self.credentials(sid, 'handle')
        resp = self.post(self.signed_url(sid, 'other', creds=creds))
        self.assertError(resp, 403, 'InvalidSignature')

    def test_unknown_stack_or_resource_is_404(self):
        sid = self.make_stack()
        creds = self.credentials(sid)
        self.assertError(self.post(self.signed_url(
            sid, creds=creds, arn=self.arn(str(uuid.uuid4())))), 404,
            'StackNotFound')
        self.assertError(self.post(self.signed_url(
            sid, creds=creds, arn=self.arn(sid, name='s2'))), 404,
            'StackNotFound')
        # another project's ARN does not find the stack
        self.assertError(self.post(self.signed_url(
            sid, creds=creds, arn=self.arn(sid, project='p2'))), 404,
            'StackNotFound')
        self.assertError(self.post(self.signed_url(
            sid, creds=creds, arn=self.arn(sid, resource='nope'))), 404,
            'ResourceNotFound')

    def test_bad_arn_is_400_naming_it(self):
        sid = self.make_stack()
        creds = self.credentials(sid)
        for arn in ('garbage', 'arn:openstack:heat::p1:stacks/s1/%s' % sid,
                    'arn:openstack:heat:::stacks/s1/%s/resources/h' % sid,
                    'arn:openstack:heat::p1:stacks/s1/%s/resources/h/x'
                    % sid):
            resp = self.post(self.signed_url(sid, creds=creds, arn=arn))
            self.assertError(resp, 400, 'Invalid', 'is not a resource ARN')
            self.assertIn(arn, resp.json['error']['message'])

    def test_idempotency_key_reaches_the_engine(self):
        sid = self.make_stack()
        resp = self.post(self.signed_url(sid), {'id': '1'},
                         headers={'Idempotency-Key': 'k-1'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual({'idempotency_key': 'k-1'}, resp.json)
        self.assertEqual([('resource_signal', 'handle', 'k-1')],
                         self.engine_svc.keys)
        self.assertSignalled(sid)

    def test_long_idempotency_key_is_400(self):
        sid = self.make_stack()
        resp = self.post(self.signed_url(sid),
                         headers={'Idempotency-Key': 'k' * 256})
        self.assertError(resp, 400, 'HTTPBadRequest', 'Idempotency-Key')
        self.assertEqual([], self.engine_svc.keys)
        resp = self.post(self.signed_url(sid),
                         headers={'Idempotency-Key': 'k' * 255})
        self.assertEqual(200, resp.status_code, resp.text)


class TestResourceSignalIdempotencyKey(SignalTestCase):

    def test_key_passed_and_result_is_the_body(self):
        sid = self.make_stack()
        path = '/stacks/s1/%s/resources/handle/signal' % sid
        resp = self.request('POST', path, {'id': '1'},
                            headers={'Idempotency-Key': 'abc'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual({'idempotency_key': 'abc'}, resp.json)
        # no header: as before (null body, no key)
        resp = self.request('POST', path, {'id': '2'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertIsNone(resp.json)
        self.assertEqual([('resource_signal', 'handle', 'abc'),
                          ('resource_signal', 'handle', None)],
                         self.engine_svc.keys)
        self.assertSignalled(sid, '2')
        self.assertError(self.request(
            'POST', path, headers={'Idempotency-Key': 'x' * 300}), 400,
            'HTTPBadRequest', 'Idempotency-Key header is longer than 255')


class TestWebhookEndpoint(SignalTestCase):

    def test_known_token_is_200_with_the_decision(self):
        token = RecordingEngine.WEBHOOK_TOKEN
        resp = self.post('/v1/webhooks/%s' % token, {'a': 1},
                         headers={'Idempotency-Key': 'w-1'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual({'accepted': True, 'repeated': False,
                          'idempotency_key': 'w-1'}, resp.json)
        self.assertEqual([(token, 'w-1', {'a': 1})], self.engine_svc.webhooks)

    def test_unknown_token_is_404(self):
        resp = self.post('/v1/webhooks/nope')
        self.assertError(resp, 404, 'EntityNotFound')
        self.assertError(self.post('/v1/webhooks/nope', method='GET'), 405)
        self.assertError(self.post('/v1/webhooks/nope',
                                   headers={'Idempotency-Key': 'k' * 256}),
                         400, 'HTTPBadRequest', 'Idempotency-Key')


class TestOverRPC(SignalTestCase):
    """The API on EngineClient over the in-process transport: the RPC
    ``signed_resource_signal`` (and its errors) cross the wire."""

    URL = 'inproc://sig-tests'

    def setUp(self):
        super().setUp()
        topic = 'sig-test-%s' % uuid.uuid4().hex
        transport = rpc_transport.get_transport(self.URL)
        server = rpc_server.EngineServer(self.engine_svc, transport,
                                         topic=topic).start()
        self.addCleanup(server.stop)
        client = rpc_client.EngineClient(transport, topic=topic, timeout=30)
        self.app = app_mod.make_app(client)

    def test_signed_signal_over_rpc(self):
        self.assertEqual(rpc_client.AS_VERSION,
                         rpc_client.ENGINE_METHODS['signed_resource_signal'])
        sid = self.make_stack()
        url = self.signed_url(sid)
        resp = self.post(url, {'status': 'SUCCESS', 'id': '1'},
                         headers={'Idempotency-Key': 'r-1'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual({'idempotency_key': 'r-1'}, resp.json)
        self.assertSignalled(sid)
        bad = url.replace('Signature=', 'Signature=A')
        self.assertError(self.post(bad), 403, 'InvalidSignature')
        self.assertError(self.post(self.signed_url(
            sid, arn=self.arn(str(uuid.uuid4())))), 404, 'StackNotFound')
        self.assertError(self.post('/v1/webhooks/nope'), 404,
                         'EntityNotFound')


class TestOverMessagingBus(TestOverRPC):
    """The same on oslo.messaging (its ``fake://`` driver): an RPC
    argument called ``method`` would clash with ``call(ctxt, method)``."""

    URL = 'fake://'

    def test_the_transport_is_oslo_messaging(self):
        self.assertIsInstance(rpc_transport.get_transport(self.URL),
                              rpc_transport.MessagingTransport)


class TestKeystone(SignalTestCase):
    """With auth_strategy = keystone (auth_token in front), signed URLs
    and webhooks need no token; nothing else gets through without one."""

    def setUp(self):
        super().setUp()
        conf = test_keystone._conf('keystone')
        from keystonemiddleware import auth_token
        for group, opts in auth_token.list_opts():
            conf.register_opts(opts, group=group)
        conf.set_override('www_authenticate_uri', 'http://ks.example/v3',
                          group='keystone_authtoken')
        self.keystone_app = app_mod.make_app(self.engine_svc, conf)

    def test_signed_url_and_webhook_bypass_auth_only(self):
        sid = self.make_stack()  # through the noauth app (self.app)
        url = self.signed_url(sid)
        ks = self.keystone_app
        resp = self.post(url, {'status': 'SUCCESS', 'id': '1'}, app=ks)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertSignalled(sid)
        self.assertError(self.post(url.replace('Signature=', 'Signature=A'),
                                   app=ks), 403, 'InvalidSignature')
        resp = self.post('/v1/webhooks/%s' % RecordingEngine.WEBHOOK_TOKEN,
                         app=ks)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertError(self.post('/v1/webhooks/nope', app=ks), 404,
                         'EntityNotFound')
        # everything else still needs a token, even under the public
        # prefixes and with spoofed identity headers
        spoofed = {k: v for k, v in test_keystone.CONFIRMED.items()
                   if k != 'X-Auth-Token'}
        for path in ('/v1/p1/stacks', '/v1/webhooks/stacks/s1',
                     '/v1/webhooks/stacks/s1/%s' % sid):
            for headers in ({}, spoofed):
                resp = self.post(path, method='GET', headers=headers,
                                 app=ks)
                self.assertError(resp, 401, 'HTTPUnauthorized')
        # a tenant called "signal" or "webhooks" cannot be reached through
        # the public routes: they only ever reach the signal controller
        resp = self.post('/v1/signal/stacks', {
            'stack_name': 'x', 'template': TEMPLATE}, headers=spoofed,
            app=ks)
        self.assertError(resp, 400, 'Invalid', 'is not a resource ARN')
        resp = self.post('/v1/webhooks/stacks', {
            'stack_name': 'x', 'template': TEMPLATE}, headers=spoofed,
            app=ks)
        self.assertError(resp, 404, 'EntityNotFound')
        self.assertError(self.post('/v1/signal/stacks', method='GET',
                                   app=ks), 405)


class TestOverHTTP(SignalTestCase):
    """The very alarm_url string, POSTed over a real HTTP server (cheroot
    decodes the quoted ARN into PATH_INFO): the signature still holds."""

    def test_alarm_url_over_http(self):
        port = free_port()
        server = wsgi.Server(('127.0.0.1', port), self.app, numthreads=2)
        server.prepare()
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(server.stop)
        sid = self.make_stack()
        access, secret = self.credentials(sid)
        path = '/v1/signal/' + urllib.parse.quote(self.arn(sid), safe='')
        url = signing.presigned_url('POST', 'http://127.0.0.1:%d' % port,
                                    path, access, secret)
        req = urllib.request.Request(
            url, data=json.dumps({'status': 'SUCCESS', 'id': '1'}).encode(),
            headers={'Content-Type': 'application/json',
                     'Idempotency-Key': 'h-1'}, method='POST')
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(200, resp.status)
            self.assertEqual({'idempotency_key': 'h-1'},
                             json.loads(resp.read()))
        self.assertSignalled(sid)
        bad = urllib.request.Request(url.replace('Signature=', 'Signature=A'),
                                     data=b'', method='POST')
        err = self.assertRaises(urllib.error.HTTPError,
                                urllib.request.urlopen, bad, timeout=30)
        self.assertEqual(403, err.code)
        body = json.loads(err.read())
        err.close()
        self.assertEqual('InvalidSignature', body['error']['type'])


ASG_TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 5
      resource:
        type: OS::Heat::RandomString
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: group}
      scaling_adjustment: 1
      cooldown: 0
outputs:
  alarm_url:
    value: {get_attr: [up, alarm_url]}
'''


class TestAutoScalingEndToEnd(SignalTestCase):
    """A stack with OS::Heat::AutoScalingGroup + OS::Heat::ScalingPolicy
    on a served engine (the resources reach the AS engine over RPC), the
    API on the RPC client: the policy's alarm_url and a webhook, POSTed
    through the WSGI app, grow the group."""

    ENGINE_CLASS = None

    def setUp(self):
        super().setUp()
        self.serve_engine_on_rpc()

    def group(self, sid):
        res = self.request('GET', '/stacks/s1/%s/resources/group' % sid)
        gid = res.json['resource']['physical_resource_id']
        return self.fx.client.show_scaling_group(self.ctx(), gid)

    def wait_size(self, sid, size):
        import time
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            group = self.group(sid)
            if group['converged'] and group['current_size'] == size:
                return group
            time.sleep(0.05)
        self.fail('group did not reach %s: %s' % (size, group))

    def test_alarm_url_and_webhook_grow_the_group(self):
        sid = self.create('s1', template=ASG_TEMPLATE)
        self.assertEqual(1, self.wait_size(sid, 1)['desired_capacity'])
        res = self.request(
            'GET', '/stacks/s1/%s/resources/up?with_attr=alarm_url'
            % sid).json['resource']
        url = res['attributes']['alarm_url']
        self.assertIn('/v1/signal/arn%3Aopenstack%3Aheat%3A%3Ap1%3Astacks',
                      url)
        self.assertIn('SignatureMethod=HmacSHA256', url)
        # the alarm_url output is the same kind of URL
        stack = self.request('GET', '/stacks/s1/%s' % sid).json['stack']
        out = [o['output_value'] for o in stack['outputs']
               if o['output_key'] == 'alarm_url'][0]
        self.assertEqual(url.split('?')[0], out.split('?')[0])

        # a tampered URL changes nothing
        bad = url.replace('Signature=', 'Signature=A')
        self.assertError(self.post(bad), 403, 'InvalidSignature')
        self.assertEqual(1, self.group(sid)['desired_capacity'])

        resp = self.post(url, headers={'Idempotency-Key': 'alarm-1'})
        self.assertEqual(200, resp.status_code, resp.text)
        decision = resp.json
        self.assertTrue(decision['accepted'], decision)
        self.assertFalse(decision['repeated'])
        self.assertEqual(2, self.wait_size(sid, 2)['desired_capacity'])
        # the same key again: the first decision, no growth
        again = self.post(url, headers={'Idempotency-Key': 'alarm-1'}).json
        self.assertTrue(again['repeated'])
        self.assertEqual(decision['activity_id'], again['activity_id'])
        self.assertEqual(2, self.group(sid)['desired_capacity'])
        # the signal left a SIGNAL event with the decision's reason
        events = self.events(sid, 'up')
        self.assertIn('SIGNAL_COMPLETE',
                      [e['resource_status'] for e in events])

        policy_id = self.request(
            'GET', '/stacks/s1/%s/resources/up' % sid).json['resource'][
            'physical_resource_id']
        hook = self.fx.client.create_webhook(self.ctx(), policy_id)
        resp = self.post('/v1/webhooks/%s' % hook['token'],
                         headers={'Idempotency-Key': 'hook-1'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertTrue(resp.json['accepted'], resp.json)
        self.assertEqual(3, self.wait_size(sid, 3)['desired_capacity'])
        # the webhook's trigger shows on the policy too, like a signal's
        reasons = [e['resource_status_reason']
                   for e in self.events(sid, 'up')]
        self.assertIn('change_in_capacity +1: 2 -> 3 (webhook)', reasons)
        self.assertError(self.post('/v1/webhooks/%s' % ('x' * 43)), 404,
                         'EntityNotFound')
