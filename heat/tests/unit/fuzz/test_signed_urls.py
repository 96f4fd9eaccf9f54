"""Webhook URLs and pre-signed alarm URLs, tampered, expired, replayed.

- **Tampered**: random webhook tokens and valid ones mutated (a character
  changed, added or removed, the case changed, double-encoded); alarm
  URLs with the signature, a query parameter or the path changed, a
  parameter added, removed or doubled, another policy's or another
  project's ARN, another HTTP method. Every one is a 4xx (never 2xx,
  never 500), changes nothing, and its error body holds neither the
  signing secret, nor the signature the server expected, nor the real
  webhook token. Percent-encoding an unreserved character is *the same*
  URL (RFC 3986): it works as the original does, once.
- **Expired**: with ``[DEFAULT] signed_url_max_age`` set, a URL whose
  signed ``Timestamp`` is older (or further in the future) than that is
  a 403 saying it expired (or is in the future); with 0, the default, a
  URL never expires. An unparsable or missing ``Timestamp`` is a 403
  either way.
- **Replayed**: a request repeated with the same ``Idempotency-Key``
  returns the first decision and changes nothing, on the signal API, the
  alarm URL and a webhook; a repeat without a key is a new trigger (what
  an alarm service does each evaluation); a refused request's key stores
  no receipt.
"""

import datetime
import string
import urllib.parse
import uuid

import hypothesis
from hypothesis import strategies as st

from heat.common import config, signing
from heat.engine import stack as stack_mod
from heat.tests.unit import fuzz
from heat.tests.unit.fuzz import scaling

SIGNED = (signing.ACCESS_KEY_ID, signing.SIGNATURE_METHOD,
          signing.SIGNATURE_VERSION, signing.TIMESTAMP, signing.SIGNATURE)
OTHER_METHODS = ('GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS')
REFUSED = (400, 403, 404, 405)


def _split(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path, urllib.parse.parse_qsl(parts.query,
                                              keep_blank_values=True)


def _join(path, query):
    return '%s?%s' % (path, urllib.parse.urlencode(
        query, quote_via=urllib.parse.quote))


def _changed(text, draw, alphabet=string.printable):
    """``text`` with one character replaced by a different one."""
    i = draw(st.integers(0, len(text) - 1))
    c = draw(st.sampled_from(alphabet).filter(lambda c: c != text[i]))
    return text[:i] + c + text[i + 1:]


def _removed(text, draw):
    i = draw(st.integers(0, len(text) - 1))
    return text[:i] + text[i + 1:]


TOKEN_MUTATIONS = ('change', 'append', 'remove', 'swapcase', 'prefix',
                   'double-encode', 'random', 'bytes')
URL_MUTATIONS = ('signature change', 'signature append',
                 'signature remove', 'signature swapcase', 'signature +',
                 'value change', 'value append', 'value bytes',
                 'name case', 'removed',
                 'extra', 'doubled', 'other policy', 'other project',
                 'other stack', 'path change', 'path append',
                 'path bytes', 'method')


class SignedURLCase(scaling.ScalingFuzzCase):

    def setUp(self):
        super().setUp()
        self.token = self.create_webhook('up')
        self.creds = {p: self.credentials(p) for p in scaling.POLICIES}
        # what the alarm_url attribute is, signed once: a URL that does
        # not change from one example to the next
        self.url_up = self.signed('up')

    def credentials(self, policy):
        stk = stack_mod.Stack.load(self.ctx, self.sid)
        data = stk.resources[policy].data()
        return data['access_key'], data['secret_key']

    def arn(self, policy, tenant=None, stack_id=None):
        return 'arn:openstack:heat::%s:stacks/%s/%s/resources/%s' % (
            tenant or self.PROJECT, self.STACK, stack_id or self.sid,
            policy)

    def signal_path(self, policy, **kwargs):
        return '/v1/signal/' + urllib.parse.quote(self.arn(policy, **kwargs),
                                                  safe='')

    def signed(self, policy='up', timestamp=None, method='POST',
               path=None, drop=()):
        """An alarm URL of ``policy`` signed with its credentials, with
        ``timestamp`` (text) as Timestamp (default: now)."""
        access, secret = self.creds[policy]
        path = path or self.signal_path(policy)
        params = {signing.ACCESS_KEY_ID: access,
                  signing.SIGNATURE_METHOD: signing.METHOD_NAME,
                  signing.SIGNATURE_VERSION: signing.VERSION,
                  signing.TIMESTAMP: (signing.timestamp() if timestamp is None
                                      else timestamp)}
        for name in drop:
            params.pop(name)
        params[signing.SIGNATURE] = signing.sign(secret, method, path,
                                                 params)
        return _join(path, sorted(params.items()))

    def assertRefusedAndUnchanged(self, resp, before, what,
                                  secrets_=(), allowed=REFUSED):
        self.assertNot500(resp, what)
        self.assertFalse(200 <= resp.status_code < 300,
                         '%s was accepted: %s' % (what, resp.text))
        if resp.status_code != 405 or resp.body:
            self.assertClientError(resp, what, allowed)
        else:
            self.assertIn(resp.status_code, allowed, what)
        text = resp.body.decode('utf-8', 'replace')
        for secret in secrets_:
            if secret:
                self.assertNotIn(secret, text, what)
                self.assertNotIn(urllib.parse.quote(secret, safe=''), text,
                                 what)
        self.assertEqual(before, self.group_state(), what)
        return resp


class TestTamperedWebhooks(SignedURLCase):

    def mutate_token(self, kind, draw):
        """The path segment (quoted) of a mutated webhook token."""
        if kind == 'bytes':
            # any bytes, invalid UTF-8 among them
            return urllib.parse.quote(self.token.encode() + draw(
                st.binary(min_size=1, max_size=8)), safe='')
        return urllib.parse.quote(self._mutated_token(kind, draw), safe='')

    def _mutated_token(self, kind, draw):
        token = self.token
        if kind == 'change':
            return _changed(token, draw, string.ascii_letters +
                            string.digits + '-_')
        if kind == 'append':
            return token + draw(st.text(string.ascii_letters + '-_=',
                                        min_size=1, max_size=5))
        if kind == 'remove':
            return _removed(token, draw)
        if kind == 'swapcase':
            return token.swapcase()
        if kind == 'prefix':
            return token[:draw(st.integers(0, len(token) - 1))]
        if kind == 'double-encode':
            # "%2541" reaches the engine as "%41", not "A"
            i = draw(st.integers(0, len(token) - 1))
            return '%s%%%02X%s' % (token[:i], ord(token[i]), token[i + 1:])
        return draw(st.text(max_size=80))

    @fuzz.settings(200)
    @hypothesis.given(st.sampled_from(TOKEN_MUTATIONS), st.data())
    @fuzz.seeded
    def test_mutated_token_is_refused(self, kind, data):
        token = self.mutate_token(kind, data.draw)
        hypothesis.assume(urllib.parse.unquote(token) != self.token)
        before = self.group_state()
        resp = self.post_url('/v1/webhooks/' + token,
                             headers={'Idempotency-Key': 'wk'})
        self.assertRefusedAndUnchanged(resp, before, '%s %r' % (kind, token),
                                       secrets_=(self.token,))

    @fuzz.settings(20)
    @hypothesis.given(st.sampled_from(OTHER_METHODS))
    @fuzz.seeded
    def test_other_method_is_405(self, method):
        before = self.group_state()
        resp = self.post_url('/v1/webhooks/' + self.token, method=method)
        # OPTIONS is routed nowhere: 404
        self.assertRefusedAndUnchanged(resp, before, method,
                                       secrets_=(self.token,),
                                       allowed=(404, 405))

    @fuzz.settings(30)
    @hypothesis.given(st.data())
    @fuzz.seeded
    def test_percent_encoded_token_is_the_same_token(self, data):
        i = data.draw(st.integers(0, len(self.token) - 1))
        token = self.token
        path = '/v1/webhooks/%s%%%02X%s' % (token[:i], ord(token[i]),
                                            token[i + 1:])
        before = self.group_state()
        resp = self.post_url(path)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertDecisionApplied(resp, before, self.group_state(), path)

    def test_deleted_webhook_token_is_refused(self):
        hook = self.fx.client.create_webhook(self.ctx,
                                             self.policy_ids['down'])
        self.fx.client.delete_webhook(self.ctx, hook['id'])
        before = self.group_state()
        resp = self.post_url('/v1/webhooks/' + hook['token'])
        self.assertRefusedAndUnchanged(resp, before, 'deleted',
                                       secrets_=(hook['token'],),
                                       allowed=(404,))


class TestTamperedAlarmURLs(SignedURLCase):

    def mutate(self, kind, draw):
        """(method, url) of a tampered alarm URL of ``up``."""
        path, query = _split(self.url_up)
        q = dict(query)
        method = 'POST'

        def setq(name, value):
            return [(k, value if k == name else v) for k, v in query]

        sig = q[signing.SIGNATURE]
        name = draw(st.sampled_from(SIGNED[:4]))
        if kind == 'signature change':
            query = setq(signing.SIGNATURE, _changed(sig, draw))
        elif kind == 'signature append':
            query = setq(signing.SIGNATURE, sig + draw(st.text(min_size=1,
                                                               max_size=4)))
        elif kind == 'signature remove':
            query = setq(signing.SIGNATURE, _removed(sig, draw))
        elif kind == 'signature swapcase':
            query = setq(signing.SIGNATURE, sig.swapcase())
        elif kind == 'signature +':
            # base64's "+" sent unencoded is a space in a query
            hypothesis.assume('+' in sig)
            raw = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
            return method, '%s?%s' % (path, raw.replace(
                urllib.parse.quote(sig, safe=''), sig))
        elif kind == 'value change':
            query = setq(name, _changed(q[name], draw))
        elif kind == 'value bytes':
            query = setq(name, draw(st.binary(min_size=1, max_size=8)))
        elif kind == 'value append':
            query = setq(name, q[name] + draw(st.text(min_size=1,
                                                      max_size=4)))
        elif kind == 'name case':
            name = draw(st.sampled_from(SIGNED))
            query = [(k.swapcase() if k == name else k, v)
                     for k, v in query]
        elif kind == 'removed':
            name = draw(st.sampled_from(SIGNED))
            query = [(k, v) for k, v in query if k != name]
        elif kind == 'extra':
            query = query + [(draw(st.text(min_size=1, max_size=10)),
                              draw(st.text(max_size=10)))]
        elif kind == 'doubled':
            name = draw(st.sampled_from(SIGNED))
            query = query + [(name, draw(st.sampled_from((q[name], 'x'))))]
        elif kind == 'other policy':
            path = self.signal_path(draw(st.sampled_from(('down',
                                                          'aws_up'))))
        elif kind == 'other project':
            path = self.signal_path('up', tenant=draw(st.sampled_from(
                ('p2', 'P1', 'p1x', 'admin'))))
        elif kind == 'other stack':
            path = self.signal_path('up', stack_id=str(uuid.uuid4()))
        elif kind == 'path change':
            prefix = len('/v1/signal/')
            path = path[:prefix] + _changed(path[prefix:], draw,
                                            string.ascii_letters +
                                            string.digits + '%:')
        elif kind == 'path bytes':
            path = path + urllib.parse.quote(draw(st.binary(
                min_size=1, max_size=8)), safe='')
        elif kind == 'path append':
            path = path + draw(st.sampled_from(('x', '/', '%2F', '%2Fx',
                                                '/signal', '%00')))
        else:
            method = draw(st.sampled_from(OTHER_METHODS))
        return method, _join(path, query)

    def expected_signature(self, method, url):
        """What the server would have to compute for this request."""
        path, query = _split(url)
        try:
            return signing.sign(self.creds['up'][1], method, path, query)
        except Exception:  # noqa: BLE001 - an unsignable request
            return None

    @fuzz.settings(300)
    @hypothesis.given(st.sampled_from(URL_MUTATIONS), st.data())
    @fuzz.seeded
    def test_tampered_alarm_url_is_refused(self, kind, data):
        method, url = self.mutate(kind, data.draw)
        before = self.group_state()
        resp = self.post_url(url, method=method,
                             headers={'Idempotency-Key': 'tampered'})
        self.assertRefusedAndUnchanged(
            resp, before, '%s: %s %s' % (kind, method, url),
            secrets_=[s for _, s in self.creds.values()] +
            [self.expected_signature(method, url), self.token])
        self.assertEqual(before.receipts, self.group_state().receipts)

    @fuzz.settings(40)
    @hypothesis.given(st.sampled_from(('path', 'query')), st.data())
    @fuzz.seeded
    def test_percent_encoding_an_unreserved_character_is_the_same_url(
            self, where, data):
        path, query = _split(self.url_up)
        raw_query = urllib.parse.urlencode(query,
                                           quote_via=urllib.parse.quote)
        text = path if where == 'path' else raw_query
        # an alphanumeric character, not one of a "%XX" escape
        spots = [i for i, c in enumerate(text)
                 if c in string.ascii_letters + string.digits and
                 '%' not in text[max(i - 2, 0):i] and
                 not (where == 'path' and i < len('/v1/signal/'))]
        i = data.draw(st.sampled_from(spots))
        text = '%s%%%02X%s' % (text[:i], ord(text[i]), text[i + 1:])
        url = ('%s?%s' % (text, raw_query) if where == 'path'
               else '%s?%s' % (path, text))
        before = self.group_state()
        resp = self.post_url(url)
        self.assertEqual(200, resp.status_code, '%s: %s' % (url, resp.text))
        self.assertDecisionApplied(resp, before, self.group_state(), url)

    def test_another_projects_policy_is_refused(self):
        # the same template in project p2: its URL's path with p1's
        # signature, and p1's path signed with p2's credentials
        sid2 = self.create('other', template=scaling.TEMPLATE,
                           project='p2')
        before = self.group_state()
        ctx2 = self.ctx.__class__(project_id='p2', roles=['member'])
        data2 = stack_mod.Stack.load(ctx2, sid2).resources['up'].data()
        path2 = '/v1/signal/' + urllib.parse.quote(
            'arn:openstack:heat::p2:stacks/other/%s/resources/up' % sid2,
            safe='')
        _, query = _split(self.alarm_url('up'))
        for method, url in (
                ('POST', _join(path2, query)),
                ('POST', signing.presigned_url(
                    'POST', 'http://h', self.signal_path('up'),
                    data2['access_key'], data2['secret_key']))):
            resp = self.post_url(url, method=method)
            self.assertRefusedAndUnchanged(
                resp, before, url, allowed=(403, 404),
                secrets_=(self.creds['up'][1], data2['secret_key']))


#: Timestamp offsets (seconds from now) and texts
OFFSETS = st.integers(-60 * 10 ** 9, 60 * 10 ** 9)
TIMESTAMP_TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(('', 'now', '0', '2026-13-01T00:00:00Z',
                     '2026-02-30T00:00:00Z', '9999-12-31T23:59:59Z',
                     '0001-01-01T00:00:00Z', '2026-01-01',
                     '2026-01-01T00:00:00+14:00', '2026-01-01T00:00:00.5Z',
                     '1e10', 'T', '2026-01-01 00:00:00')))


class TestExpiry(SignedURLCase):

    def setUp(self):
        super().setUp()
        self.addCleanup(config.CONF.clear_override, 'signed_url_max_age')

    def max_age(self, seconds):
        config.CONF.set_override('signed_url_max_age', seconds)

    def fire(self, url):
        before = self.group_state()
        return before, self.post_url(url)

    def expect(self, url, before, resp, outcome, what):
        if outcome == 'accepted':
            self.assertEqual(200, resp.status_code, '%s: %s'
                             % (what, resp.text))
            self.assertIsNotNone(self.assertDecisionApplied(
                resp, before, self.group_state(), what))
            return
        self.assertRefusedAndUnchanged(
            resp, before, what, allowed=(403,),
            secrets_=[s for _, s in self.creds.values()])
        self.assertEqual('InvalidSignature', resp.json['error']['type'])
        self.assertIn(outcome, resp.json['error']['message'], what)

    @fuzz.settings(150)
    @hypothesis.given(st.sampled_from((0, 1, 60, 86400)), OFFSETS)
    @hypothesis.example(60, -3600)
    @hypothesis.example(60, 3600)
    @hypothesis.example(0, -10 ** 9)
    # found by fuzzing: a Timestamp of year 999 was written "999-..."
    @hypothesis.example(0, -32405855995)
    @hypothesis.example(0, -60 * 10 ** 9)
    @fuzz.seeded
    def test_timestamp_offsets(self, max_age, offset):
        # a second's slack either side of the limit: the request is
        # checked a moment after it was signed
        hypothesis.assume(max_age == 0 or abs(abs(offset) - max_age) > 2)
        self.max_age(max_age)
        when = (datetime.datetime.now(datetime.timezone.utc) +
                datetime.timedelta(seconds=offset))
        url = self.signed('up', timestamp=signing.timestamp(when))
        before, resp = self.fire(url)
        if max_age == 0 or abs(offset) < max_age:
            outcome = 'accepted'
        elif offset < 0:
            outcome = 'the URL has expired'
        else:
            outcome = 'is in the future'
        self.expect(url, before, resp, outcome,
                    'max_age %s offset %s' % (max_age, offset))

    @fuzz.settings(150)
    @hypothesis.given(st.sampled_from((0, 60)), TIMESTAMP_TEXTS)
    @fuzz.seeded
    def test_timestamp_texts(self, max_age, text):
        self.max_age(max_age)
        url = self.signed('up', timestamp=text)
        before, resp = self.fire(url)
        self.assertNot500(resp, repr(text))
        if resp.status_code == 200:
            # a Timestamp read as a time: within the limit, if any
            ts = signing._parse_timestamp(text)
            self.assertIsNotNone(ts, text)
            if max_age:
                age = (datetime.datetime.now(datetime.timezone.utc) -
                       ts).total_seconds()
                self.assertLessEqual(abs(age), max_age + 5, text)
            self.assertDecisionApplied(resp, before, self.group_state(),
                                       text)
            return
        message = self.assertRefusedAndUnchanged(
            resp, before, repr(text), allowed=(403,)).json['error'][
            'message']
        self.assertTrue(any(reason in message for reason in (
            'malformed Timestamp', 'missing query parameter',
            'the URL has expired', 'is in the future')), message)

    def test_missing_timestamp_is_refused_with_the_option_on_or_off(self):
        for max_age in (0, 60):
            self.max_age(max_age)
            url = self.signed('up', drop=(signing.TIMESTAMP,))
            before, resp = self.fire(url)
            self.expect(url, before, resp,
                        'missing query parameter Timestamp', 'missing')

    def test_the_alarm_url_attribute_is_signed_afresh(self):
        self.max_age(60)
        old = self.signed('up', timestamp=signing.timestamp(
            datetime.datetime.now(datetime.timezone.utc) -
            datetime.timedelta(hours=1)))
        before, resp = self.fire(old)
        self.expect(old, before, resp, 'the URL has expired', 'old')
        # "signed <Timestamp>": the client's own value, nothing secret
        self.assertIn('older than 60 seconds', resp.json['error']['message'])
        before, resp = self.fire(self.alarm_url('up'))
        self.expect(None, before, resp, 'accepted', 'fresh')

    def test_expiry_is_told_only_to_an_authentic_url(self):
        self.max_age(60)
        old = self.signed('up', timestamp='2001-01-01T00:00:00Z')
        bad = old.replace('Signature=', 'Signature=A')
        before, resp = self.fire(bad)
        self.expect(bad, before, resp, 'signature does not match', 'bad')


class TestReplay(SignedURLCase):

    def fire(self, where, key=None, tampered=False):
        headers = {'Idempotency-Key': key} if key else None
        if where == 'resource signal':
            path = self.stack_path('/resources/up/signal')
            if tampered:
                path = self.stack_path('/resources/nope/signal')
            return self.request('POST', path, headers=headers)
        if where == 'alarm_url':
            url = self.alarm_url('down')
            if tampered:
                url = url.replace('Signature=', 'Signature=A')
            return self.post_url(url, headers=headers)
        token = self.token + ('x' if tampered else '')
        return self.post_url('/v1/webhooks/' + token, headers=headers)

    WHERE = ('resource signal', 'alarm_url', 'webhook')

    @fuzz.settings(60)
    @hypothesis.given(st.lists(st.tuples(
        st.sampled_from(WHERE), st.sampled_from(('k1', 'k2', 'k3', None)),
        st.booleans()), min_size=1, max_size=8))
    @fuzz.seeded
    def test_replays_return_the_first_decision(self, requests):
        # every example starts afresh: keys of earlier examples are kept
        # by the group, so they are made unique here
        run = uuid.uuid4().hex[:8]
        first = {}
        for where, key, tampered in requests:
            key = key and '%s-%s' % (key, run)
            before = self.group_state()
            resp = self.fire(where, key, tampered)
            after = self.group_state()
            what = '%s key=%s tampered=%s' % (where, key, tampered)
            if tampered:
                self.assertRefusedAndUnchanged(
                    resp, before, what, secrets_=(self.token,))
                continue
            decision = self.assertDecisionApplied(resp, before, after, what)
            self.assertIsNotNone(decision, what)
            if key is None:
                self.assertFalse(decision['repeated'], what)
            elif key in first:
                self.assertTrue(decision['repeated'], what)
                self.assertEqual(first[key]['activity_id'],
                                 decision['activity_id'], what)
                self.assertEqual(first[key]['desired'], decision['desired'])
                self.assertEqual(before, after, what)
            else:
                self.assertFalse(decision['repeated'], what)
                self.assertEqual(before.receipts + 1, after.receipts)
                first[key] = decision

    def test_the_same_request_with_a_key_scales_once(self):
        for where in self.WHERE:
            key = 'once-' + where
            start = self.group_state()
            answers = [self.fire(where, key).json for _ in range(3)]
            end = self.group_state()
            self.assertEqual([False, True, True],
                             [a['repeated'] for a in answers])
            self.assertEqual(1, len({a['activity_id'] for a in answers}))
            self.assertEqual(start.activities + 1, end.activities)
            self.assertEqual(answers[0]['desired'], end.desired)

    def test_a_signed_url_replayed_without_a_key_is_a_new_trigger(self):
        # alarm services POST the same alarm_url each evaluation: each
        # is a trigger of its own (cooldown 0 here)
        url = self.alarm_url('up')
        down = self.alarm_url('down')
        self.post_url(down)
        self.post_url(down)
        start = self.group_state()
        self.assertEqual(1, start.desired)
        answers = [self.post_url(url).json for _ in range(2)]
        self.assertEqual([False, False], [a['repeated'] for a in answers])
        self.assertEqual([True, True], [a['accepted'] for a in answers])
        end = self.group_state()
        self.assertEqual(3, end.desired)
        self.assertEqual(start.activities + 2, end.activities)

    def test_a_refused_request_keeps_no_receipt(self):
        for where in self.WHERE:
            key = 'refused-' + where
            before = self.group_state()
            resp = self.fire(where, key, tampered=True)
            self.assertRefusedAndUnchanged(resp, before, where)
            resp = self.fire(where, key)
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertFalse(resp.json['repeated'], where)
            self.assertEqual(before.receipts + 1,
                             self.group_state().receipts)

    def test_an_expired_url_with_a_key_keeps_no_receipt(self):
        self.addCleanup(config.CONF.clear_override, 'signed_url_max_age')
        config.CONF.set_override('signed_url_max_age', 60)
        old = self.signed('up', timestamp='2001-01-01T00:00:00Z')
        before = self.group_state()
        resp = self.post_url(old, headers={'Idempotency-Key': 'exp'})
        self.assertRefusedAndUnchanged(resp, before, 'expired')
        resp = self.post_url(self.alarm_url('up'),
                             headers={'Idempotency-Key': 'exp'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertFalse(resp.json['repeated'])
        self.assertEqual(before.receipts + 1, self.group_state().receipts)
