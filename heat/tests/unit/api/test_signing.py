"""Pre-signed URLs (heat/common/signing.py): what is signed, what a
tampered URL gets, and that the checks are constant-time."""

import datetime
import hmac
import urllib.parse
from unittest import mock

import hypothesis
import testtools
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heat.common import exception, signing

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=list(HealthCheck))

ARN = 'arn:openstack:heat::p1:stacks/s1/8a2f1d4c/resources/policy'
PATH = '/v1/signal/' + urllib.parse.quote(ARN, safe='')
BASE = 'http://heat.example.com:8004'
NOW = datetime.datetime(2024, 5, 1, 12, 0, 0,
                        tzinfo=datetime.timezone.utc)


def split(url):
    """``(path, [(name, value)])`` of a URL, as a WSGI server gives them
    (the path unquoted)."""
    parts = urllib.parse.urlsplit(url)
    return (urllib.parse.unquote(parts.path),
            urllib.parse.parse_qsl(parts.query, keep_blank_values=True))


class TestSigning(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.access, self.secret = signing.new_credentials()
        self.url = signing.presigned_url('POST', BASE, PATH, self.access,
                                         self.secret, now=NOW)
        self.path, self.query = split(self.url)

    def check(self, method='POST', path=None, query=None, **kwargs):
        kwargs.setdefault('access_key', self.access)
        return signing.verify(self.secret, method,
                              self.path if path is None else path,
                              self.query if query is None else query,
                              **kwargs)

    def assertRejected(self, reason, *args, **kwargs):
        exc = self.assertRaises(exception.InvalidSignature, self.check,
                                *args, **kwargs)
        self.assertIn(reason, str(exc))
        self.assertNotIn(self.secret, str(exc))
        return exc

    def with_param(self, name, value):
        return [(k, value if k == name else v) for k, v in self.query]

    # -- what is made --------------------------------------------------------

    def test_new_credentials_are_random_and_url_safe(self):
        pairs = {signing.new_credentials() for _ in range(20)}
        self.assertEqual(20, len(pairs))
        for access, secret in pairs:
            self.assertEqual(access, urllib.parse.quote(access, safe=''))
            self.assertEqual(secret, urllib.parse.quote(secret, safe=''))
            self.assertGreaterEqual(len(secret), 32)

    def test_url_shape(self):
        self.assertTrue(self.url.startswith(BASE + PATH + '?'))
        params = dict(self.query)
        self.assertEqual({'AWSAccessKeyId', 'SignatureMethod',
                          'SignatureVersion', 'Timestamp', 'Signature'},
                         set(params))
        self.assertEqual(self.access, params['AWSAccessKeyId'])
        self.assertEqual('HmacSHA256', params['SignatureMethod'])
        self.assertEqual('2', params['SignatureVersion'])
        self.assertEqual('2024-05-01T12:00:00Z', params['Timestamp'])
        self.assertNotIn(self.secret, self.url)
        # the ARN is quoted in the URL, as upstream's alarm_url
        self.assertIn(urllib.parse.quote(ARN, safe=''), self.url)

    def test_string_to_sign_covers_method_path_sorted_query(self):
        sts = signing.string_to_sign(
            'post', '/v1/signal/a:b/c d', {'b': '2', 'a': '1 +',
                                           'Signature': 'x'})
        self.assertEqual('POST\n/v1/signal/a%3Ab/c%20d\na=1%20%2B&b=2', sts)
        # the quoted and unquoted forms of a path sign alike
        self.assertEqual(
            signing.string_to_sign('POST', PATH, {}),
            signing.string_to_sign('POST', urllib.parse.unquote(PATH), {}))

    def test_base_url_path_is_signed(self):
        url = signing.presigned_url('POST', BASE + '/heat/', PATH,
                                    self.access, self.secret)
        path, query = split(url)
        self.assertTrue(path.startswith('/heat/v1/signal/'))
        signing.verify(self.secret, 'POST', path, query)
        self.assertRaises(exception.InvalidSignature, signing.verify,
                          self.secret, 'POST', path[len('/heat'):], query)

    def test_public_base_url(self):
        conf = mock.Mock(heat_metadata_server_url='https://h.example:99/')
        self.assertEqual('https://h.example:99',
                         signing.public_base_url(conf))
        conf = mock.Mock(heat_metadata_server_url=None)
        conf.heat_api.bind_host = '192.0.2.1'
        conf.heat_api.bind_port = 8004
        self.assertEqual('http://192.0.2.1:8004',
                         signing.public_base_url(conf))
        conf.heat_api.bind_host = '::1'
        self.assertEqual('http://[::1]:8004', signing.public_base_url(conf))
        # the process configuration's defaults
        self.assertTrue(signing.public_base_url().startswith('http'))

    # -- accepted ------------------------------------------------------------

    def test_round_trip(self):
        self.assertIsNone(self.check())
        # a dict, a list of pairs (the RPC form) and the quoted path
        self.check(query=dict(self.query))
        self.check(query=[list(p) for p in self.query])
        self.check(path=urllib.parse.urlsplit(self.url).path)
        self.check(method='post')

    def test_never_expires_by_default(self):
        later = NOW + datetime.timedelta(days=3650)
        self.check(now=later)
        self.check(max_age=60, now=NOW + datetime.timedelta(seconds=59))
        self.assertRejected('expired', max_age=60,
                            now=NOW + datetime.timedelta(seconds=61))
        self.assertRejected('in the future', max_age=60,
                            now=NOW - datetime.timedelta(seconds=61))

    # -- rejected ------------------------------------------------------------

    def test_tampered_path(self):
        other = PATH.replace('policy', 'policy2')
        self.assertRejected('signature does not match',
                            path=urllib.parse.unquote(other))
        self.assertRejected('signature does not match', path=self.path + '/')

    def test_wrong_method(self):
        self.assertRejected('signed for POST, not GET', method='GET')
        self.assertRejected('signed for POST, not PUT', method='PUT')
        self.assertRejected('signed for POST, not BREW', method='BREW')

    def test_tampered_query(self):
        self.assertRejected('signature does not match',
                            query=self.query + [('extra', '1')])
        self.assertRejected('signature does not match', query=self.with_param(
            'Timestamp', '2024-05-01T12:00:01Z'))
        self.assertRejected('more than once',
                            query=self.query + [('Timestamp', 'x')])
        self.assertRejected('malformed Timestamp',
                            query=self.with_param('Timestamp', 'yesterday'))
        self.assertRejected('SignatureMethod', query=self.with_param(
            'SignatureMethod', 'HmacSHA1'))
        self.assertRejected('SignatureVersion', query=self.with_param(
            'SignatureVersion', '4'))

    def test_tampered_signature(self):
        sig = dict(self.query)['Signature']
        flipped = ('A' if sig[0] != 'A' else 'B') + sig[1:]
        self.assertRejected('signature does not match',
                            query=self.with_param('Signature', flipped))
        self.assertRejected('signature does not match',
                            query=self.with_param('Signature', 'é' * 44))

    def test_tampered_access_key(self):
        # the stored access key differs
        self.assertRejected('unknown AWSAccessKeyId', access_key='other')
        # the URL's access key was changed (also breaks the signature)
        self.assertRejected('signature does not match',
                            query=self.with_param('AWSAccessKeyId', 'x'),
                            access_key=None)

    def test_wrong_secret(self):
        exc = self.assertRaises(
            exception.InvalidSignature, signing.verify, 'another secret',
            'POST', self.path, self.query)
        self.assertIn('signature does not match', str(exc))
        self.assertRaises(exception.InvalidSignature, signing.verify,
                          None, 'POST', self.path, self.query)

    def test_missing_parameters_are_named(self):
        for name in signing.PARAMS:
            query = [(k, v) for k, v in self.query if k != name]
            exc = self.assertRejected('missing query parameter',
                                      query=query)
            self.assertIn(name, str(exc))
        exc = self.assertRejected('missing query parameters', query=[])
        for name in signing.PARAMS:
            self.assertIn(name, str(exc))

    def test_messages_never_show_secret_or_expected_signature(self):
        expected = dict(self.query)['Signature']
        for kwargs in ({'method': 'GET'}, {'path': '/x'},
                       {'access_key': 'other'},
                       {'query': self.with_param('Signature', 'x')}):
            exc = self.assertRaises(exception.InvalidSignature, self.check,
                                    **kwargs)
            self.assertNotIn(self.secret, str(exc))
            self.assertNotIn(expected, str(exc))
            self.assertNotIn(self.access, str(exc))

    # -- constant time -----------------------------------------------------

    def test_compare_digest_is_used(self):
        calls = []
        real = hmac.compare_digest

        def recording(a, b):
            calls.append((a, b))
            return real(a, b)

        with mock.patch.object(hmac, 'compare_digest', recording):
            self.check()
            sig = dict(self.query)['Signature'].encode()
            self.assertIn(sig, [a for a, _ in calls])
            self.assertIn((self.access.encode(), self.access.encode()),
                          calls)
            del calls[:]
            self.assertRejected('signature does not match',
                                query=self.with_param('Signature', 'bad'))
            self.assertIn(b'bad', [a for a, _ in calls])
            del calls[:]
            self.assertRejected('unknown AWSAccessKeyId',
                                access_key='other')
            self.assertEqual([(self.access.encode(), b'other')], calls)


# -- fuzzing ----------------------------------------------------------------

text = st.text(max_size=30)


def _mutations():
    return st.one_of(
        st.tuples(st.just('method'), st.sampled_from(
            ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD']) | text),
        st.tuples(st.just('path'), text),
        st.tuples(st.just('append_path'), st.text(min_size=1, max_size=10)),
        st.tuples(st.just('set'), st.tuples(
            st.sampled_from(list(signing.PARAMS)) | text, text)),
        st.tuples(st.just('drop'), st.sampled_from(list(signing.PARAMS))),
        st.tuples(st.just('add'), st.tuples(text, text)),
        st.tuples(st.just('raw'), st.lists(
            st.one_of(st.tuples(text, text), st.lists(text, max_size=3),
                      st.integers(), st.none(), text), max_size=6)),
        st.tuples(st.just('url'), text),
    )


class TestFuzzTamperedURLs(testtools.TestCase):

    access, secret = signing.new_credentials()
    url = signing.presigned_url('POST', BASE, PATH, access, secret,
                                now=NOW)
    path, query = split(url)

    @SETTINGS
    @given(mutation=_mutations(), max_age=st.none() | st.integers(0, 10))
    def test_tampered_urls_only_raise_invalid_signature(self, mutation,
                                                        max_age):
        kind, value = mutation
        method, path, query = 'POST', self.path, list(self.query)
        if kind == 'method':
            method = value
        elif kind == 'path':
            path = value
        elif kind == 'append_path':
            path = path + value
        elif kind == 'set':
            name, new = value
            query = [(k, new if k == name else v) for k, v in query]
            if name not in dict(query):
                query.append((name, new))
        elif kind == 'drop':
            query = [(k, v) for k, v in query if k != value]
        elif kind == 'add':
            query.append(value)
        elif kind == 'raw':
            query = value
        elif kind == 'url':
            try:
                path, query = split(self.url[:len(value)] + value)
            except ValueError:
                # not a URL at all (e.g. an unbalanced "["): no HTTP
                # server hands such a request to the application
                hypothesis.assume(False)
        try:
            signing.verify(self.secret, method, path, query,
                           max_age=max_age, now=NOW,
                           access_key=self.access)
        except exception.InvalidSignature as exc:
            self.assertNotIn(self.secret, str(exc))
            return
        # accepted: then it signs the very same request
        self.assertEqual(signing.string_to_sign('POST', self.path,
                                                self.query),
                         signing.string_to_sign(method, path, query))

    @SETTINGS
    @given(method=text, path=text,
           query=st.lists(st.tuples(text, text), max_size=5))
    def test_any_request_round_trips(self, method, path, query):
        query = dict(query)
        query.update(signing.presigned_params(
            method, path, self.access, self.secret, now=NOW))
        query['Signature'] = signing.sign(self.secret, method, path, query)
        signing.verify(self.secret, method, path, list(query.items()),
                       access_key=self.access)
