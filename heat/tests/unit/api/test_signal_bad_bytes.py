"""Bytes that are not UTF-8 (``%FF``) in a signed signal URL or a webhook
URL: answered like any other bad signature or unknown token, never with
an internal error type, and without any engine work."""

import threading
import urllib.error
import urllib.request

from cheroot import wsgi

from heat.tests.base import free_port
from heat.tests.unit.api import test_keystone
from heat.tests.unit.api.test_signal_endpoints import (
    RecordingEngine,
    SignalTestCase,
)


class TestSignedSignalBadBytes(SignalTestCase):

    def bad_urls(self, url):
        """``{what: url}``: the signed URL with a byte that is not UTF-8
        in each part of it."""
        return {
            'signature value': url.replace('Signature=', 'Signature=%FF'),
            'signature only': url.split('Signature=')[0] + 'Signature=%FF',
            'other value': url.replace('SignatureVersion=2',
                                       'SignatureVersion=%FF'),
            'access key': url.replace('AWSAccessKeyId=',
                                      'AWSAccessKeyId=%FF'),
            'parameter name': url + '&x%FF=1',
            'path (resource)': url.replace('resources%2Fhandle',
                                           'resources%2Fhan%FFdle'),
            'path (prefix)': url.replace('/v1/signal/', '/v1/signal/%FF'),
            'overlong': url.replace('Signature=', 'Signature=%C0%AF'),
        }

    def assertBadSignature(self, resp, what):
        body = self.assertError(resp, 403, 'InvalidSignature',
                                'Signature not valid')
        self.assertEqual('Forbidden', body['title'], what)
        self.assertIn('not valid UTF-8', body['error']['message'], what)
        self.assertNotIn('Unicode', resp.text, what)
        self.assertNotIn('codec', resp.text, what)
        self.assertIsNone(body['error']['traceback'], what)

    def test_bad_bytes_are_a_bad_signature(self):
        sid = self.make_stack()
        url = self.signed_url(sid)
        for what, bad in self.bad_urls(url).items():
            self.assertBadSignature(self.post(bad), what)
        # nothing reached the engine's signal path
        self.assertEqual([], self.engine_svc.keys)
        # and the good URL still works
        self.assertEqual(200, self.post(url).status_code)

    def test_same_answer_as_any_malformed_signature(self):
        sid = self.make_stack()
        url = self.signed_url(sid)
        bad = self.post(url.replace('Signature=', 'Signature=%FF'))
        tampered = self.post(url.replace('Signature=', 'Signature=A'))
        self.assertEqual(tampered.status_code, bad.status_code)
        self.assertEqual(set(tampered.json), set(bad.json))
        for key in ('code', 'title', 'explanation'):
            self.assertEqual(tampered.json[key], bad.json[key])
        self.assertEqual(tampered.json['error']['type'],
                         bad.json['error']['type'])

    def test_bad_bytes_behind_keystone(self):
        conf = test_keystone._conf('keystone')
        from keystonemiddleware import auth_token
        for group, opts in auth_token.list_opts():
            conf.register_opts(opts, group=group)
        conf.set_override('www_authenticate_uri', 'http://ks.example/v3',
                          group='keystone_authtoken')
        from heat.api import app as app_mod
        ks = app_mod.make_app(self.engine_svc, conf)
        sid = self.make_stack()
        url = self.signed_url(sid)
        for what, bad in self.bad_urls(url).items():
            self.assertBadSignature(self.post(bad, app=ks), what)
        resp = self.post('/v1/webhooks/ab%FFcd', app=ks)
        self.assertError(resp, 404, 'EntityNotFound')


class TestWebhookBadBytes(SignalTestCase):

    def test_bad_bytes_in_token_are_an_unknown_token(self):
        unknown = self.post('/v1/webhooks/nope')
        for path in ('/v1/webhooks/%FF', '/v1/webhooks/ab%FFcd',
                     '/v1/webhooks/%C0%AF',
                     '/v1/webhooks/%s%%FF' % RecordingEngine.WEBHOOK_TOKEN):
            resp = self.post(path)
            body = self.assertError(resp, 404, 'EntityNotFound')
            self.assertEqual(unknown.json['title'], body['title'], path)
            self.assertNotIn('Unicode', resp.text, path)
            self.assertNotIn('codec', resp.text, path)
        # only the plain unknown token was looked up
        self.assertEqual(['nope'], [t for t, _, _ in self.engine_svc.webhooks])

    def test_bad_bytes_in_query_do_not_matter(self):
        token = RecordingEngine.WEBHOOK_TOKEN
        resp = self.post('/v1/webhooks/%s?x=%%FF' % token)
        self.assertEqual(200, resp.status_code, resp.text)


class TestBadBytesOverHTTP(SignalTestCase):
    """Through a real HTTP server (cheroot): the same answers."""

    def test_over_http(self):
        port = free_port()
        server = wsgi.Server(('127.0.0.1', port), self.app, numthreads=2)
        server.prepare()
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(server.stop)
        sid = self.make_stack()
        url = self.signed_url(sid).replace(
            'http://localhost', 'http://127.0.0.1:%d' % port)
        cases = {url.replace('Signature=', 'Signature=%FF'): 403,
                 url.replace('resources%2Fhandle',
                             'resources%2Fhan%FFdle'): 403,
                 'http://127.0.0.1:%d/v1/webhooks/ab%%FFcd' % port: 404}
        for bad, code in cases.items():
            req = urllib.request.Request(bad, data=b'', method='POST')
            with self.assertRaises(urllib.error.HTTPError) as ctx:
                urllib.request.urlopen(req, timeout=10)
            self.assertEqual(code, ctx.exception.code, bad)
            text = ctx.exception.read().decode()
            self.assertNotIn('Unicode', text, bad)
