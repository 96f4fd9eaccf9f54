"""Random signal bodies to every way a signal comes in.

- the authenticated resource signal (``POST .../resources/{name}/signal``)
  of an ``OS::Heat::ScalingPolicy``, an ``AWS::AutoScaling::
  ScalingPolicy`` and ``OS::Heat::WaitConditionHandle`` (with and without
  a token);
- the policies' pre-signed ``alarm_url`` (``POST /v1/signal/{arn}?...``);
- a webhook (``POST /v1/webhooks/{token}``).

Bodies are random JSON (alarm-like and wait-condition-like documents
among them), random bytes and text, under random content types, huge and
deeply nested. No answer is a 500; the group's desired capacity, version
and activities change only by the one decision a request's answer
reports (:meth:`ScalingFuzzCase.assertDecisionApplied`); a handle's
signals change by at most the one the request carried, and only when it
was a valid one.
"""

import json

import fixtures
import hypothesis
from hypothesis import strategies as st

from heat.api import middleware
from heat.tests import db_fixtures
from heat.tests.unit import fuzz
from heat.tests.unit.fuzz import scaling
from heat.tests.unit.validate import test_fuzz as vfuzz

CONTENT_TYPES = st.sampled_from((
    'application/json', 'application/json; charset=latin-1', 'text/plain',
    'application/x-www-form-urlencoded', 'multipart/form-data',
    'application/octet-stream', 'application/x-yaml', ''))

ALARM_STATES = st.sampled_from(('alarm', 'ALARM', 'ok', 'OK',
                                'insufficient data', 'Alarm ', ''))
alarm_bodies = st.fixed_dictionaries({}, optional={
    'current': st.one_of(ALARM_STATES, vfuzz.values),
    'state': st.one_of(ALARM_STATES, vfuzz.values),
    'previous': vfuzz.values, 'reason': vfuzz.values,
    'reason_data': vfuzz.values, 'alarm_id': vfuzz.values})
#: a hook operation rather than a trigger (a valid hook name or not)
hook_bodies = st.fixed_dictionaries({'unset_hook': st.one_of(
    st.sampled_from(('pre-create', 'pre-update', 'pre-delete')),
    vfuzz.values)})
handle_bodies = st.fixed_dictionaries({}, optional={
    'status': st.one_of(st.sampled_from(('SUCCESS', 'FAILURE', 'success',
                                         'WAITING')), vfuzz.values),
    'reason': vfuzz.values, 'data': vfuzz.values,
    'id': st.one_of(st.sampled_from(('1', '2', 1)), vfuzz.values),
    'token': st.one_of(st.text(max_size=40), vfuzz.values),
    'other': vfuzz.values})
json_docs = st.one_of(vfuzz.values, alarm_bodies, handle_bodies,
                      hook_bodies)
raw_bodies = st.one_of(
    st.builds(lambda v: json.dumps(v).encode(), json_docs),
    st.binary(max_size=300),
    st.builds(lambda t: t.encode('utf-8', 'surrogatepass'),
              st.text(max_size=200)),
    st.just(b''), st.just(b'null'), st.just(b'   '),
    # "\\ud800" escapes: half a UTF-16 pair, or a whole one
    st.builds(lambda t: json.dumps({'current': t, 'reason': t}).encode(),
              st.text(st.characters(categories=['Cs', 'Lu', 'So']),
                      max_size=4)))

WC_KEYS = {'status', 'reason', 'data', 'id'}


def _valid_handle_signal(body):
    """Would a wait condition handle keep this signal?"""
    if body is None:
        return True
    if not isinstance(body, dict):
        return False
    body = {k: v for k, v in body.items() if k != 'token'}
    return (set(body) <= WC_KEYS and
            body.get('status', 'SUCCESS') in ('SUCCESS', 'FAILURE'))


def _parsed(raw):
    try:
        text = raw.decode('utf-8')
        return True, (json.loads(text) if text.strip() else None)
    except (ValueError, RecursionError):
        return False, None


class TestPolicySignals(scaling.ScalingFuzzCase):

    def setUp(self):
        super().setUp()
        self.urls = {p: self.alarm_url(p) for p in scaling.POLICIES}
        self.hook = self.create_webhook('down')

    def fire(self, where, policy, raw, content_type, key=None):
        headers = {'Idempotency-Key': key} if key else None
        if where == 'resource signal':
            return self.request('POST', self.stack_path(
                '/resources/%s/signal' % policy), raw=raw,
                content_type=content_type, headers=headers)
        if where == 'alarm_url':
            return self.post_url(self.urls[policy], raw, content_type,
                                 headers)
        return self.post_url('/v1/webhooks/' + self.hook, raw, content_type,
                             headers)

    @fuzz.settings(250)
    @hypothesis.given(st.sampled_from(('resource signal', 'alarm_url',
                                       'webhook')),
                      st.sampled_from(scaling.POLICIES), raw_bodies,
                      CONTENT_TYPES)
    @fuzz.seeded
    def test_random_body_changes_the_group_by_its_decision(
            self, where, policy, raw, content_type):
        before = self.group_state()
        resp = self.fire(where, policy, raw, content_type)
        after = self.group_state()
        what = '%s %s %r' % (where, policy, raw[:100])
        decision = self.assertDecisionApplied(resp, before, after, what)
        ok, _ = _parsed(raw)
        if not ok:
            # not JSON: refused before the engine, whatever the type says
            self.assertEqual(400, resp.status_code, what)
            self.assertIsNone(decision)

    @fuzz.settings(100)
    @hypothesis.given(st.sampled_from(('resource signal', 'alarm_url',
                                       'webhook')),
                      st.sampled_from(scaling.POLICIES),
                      st.one_of(alarm_bodies, alarm_bodies, hook_bodies))
    @fuzz.seeded
    def test_alarm_state_decides_whether_to_scale(self, where, policy,
                                                  body):
        before = self.group_state()
        resp = self.fire(where, policy, json.dumps(body).encode(),
                         'application/json')
        after = self.group_state()
        decision = self.assertDecisionApplied(resp, before, after, where)
        if where == 'webhook':
            return  # a webhook executes its policy whatever the body
        state = str(body.get('current', body.get('state', 'alarm')))
        if 'unset_hook' in body:
            return  # a hook operation, not a trigger
        if state.lower() == 'alarm':
            self.assertIsNotNone(decision, resp.text)
        else:
            # an alarm state other than "alarm": no decision, no change
            self.assertIsNone(decision, resp.text)
            self.assertEqual(before, after)


@db_fixtures.for_each_backend
class TestLargeAndOddBodies(scaling.ScalingFuzzCase):
    """Bodies at the limits, on every database: MariaDB's TEXT holds 64 KB
    and no database stores half a UTF-16 surrogate pair."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(name='heat.engine.service'))
        self.urls = {p: self.alarm_url(p) for p in scaling.POLICIES}
        self.hook = self.create_webhook('down')

    fire = TestPolicySignals.fire

    def test_huge_and_deep_bodies(self):
        limit = middleware.DEFAULT_MAX_JSON_BODY_SIZE
        too_big = json.dumps({'reason': 'x' * limit}).encode()
        big = json.dumps({'reason': 'x' * (limit - 100)}).encode()
        deep = {}
        for depth in (500, 990, 5000, 200000):
            deep[depth] = ('[' * depth + ']' * depth).encode()
        for where in ('resource signal', 'alarm_url', 'webhook'):
            before = self.group_state()
            resp = self.fire(where, 'up', too_big, 'application/json')
            self.assertClientError(resp, where, allowed=(400, 413))
            self.assertIn('exceeds maximum', resp.json['error']['message'])
            self.assertEqual(before, self.group_state())
            resp = self.fire(where, 'up', big, 'application/json')
            self.assertDecisionApplied(resp, before, self.group_state(),
                                       where + ' big')
            for depth, raw in deep.items():
                before = self.group_state()
                resp = self.fire(where, 'down', raw, 'application/json')
                self.assertDecisionApplied(resp, before,
                                           self.group_state(),
                                           '%s depth %d' % (where, depth))

    def test_long_text_in_every_field(self):
        # found by fuzzing on MariaDB: a 100 KB alarm state was quoted in
        # the policy's SIGNAL event, whose INSERT failed: a 500
        long = 'x' * 100000
        bodies = [{'current': long}, {'state': long}, {'reason': long},
                  {'unset_hook': long}, {long[:5000]: long}]
        for body in bodies:
            raw = json.dumps(body).encode()
            for where in ('resource signal', 'alarm_url', 'webhook'):
                for policy in ('up', 'aws_up'):
                    before = self.group_state()
                    resp = self.fire(where, policy, raw, 'application/json')
                    self.assertDecisionApplied(resp, before,
                                               self.group_state(),
                                               '%s %s' % (where, list(body)))
        events = self.request('GET', self.stack_path(
            '/resources/up/events')).json['events']
        self.assertTrue(events)
        for body in ({'reason': long, 'id': 'long'}, {'data': long}):
            before = self.metadata('handle')
            resp = self.request('POST', self.stack_path(
                '/resources/handle/signal'), body)
            self.assertEqual(200, resp.status_code, resp.text)
            self.wait(self.sid)
            after = self.metadata('handle')
            self.assertEqual(len(before) + 1, len(after))
        self.assertEqual(long, self.metadata('handle')['long']['reason'])
        reasons = [e['resource_status_reason'] for e in self.request(
            'GET', self.stack_path('/resources/handle/events')).json[
            'events'] if e['resource_status'].startswith('SIGNAL')]
        self.assertEqual(2, len(reasons))
        self.assertTrue(reasons[0].endswith('... (truncated)'), reasons[0])

    def test_nul_characters(self):
        # found by fuzzing on PostgreSQL (no NUL in text): an alarm state
        # "a\0" was quoted in the SIGNAL event, whose INSERT failed: a 500
        for raw in (b'{"current": "a\\u0000"}', b'{"reason": "\\u0000"}',
                    b'{"\\u0000": "\\u0000"}'):
            for where in ('resource signal', 'alarm_url', 'webhook'):
                before = self.group_state()
                resp = self.fire(where, 'up', raw, 'application/json')
                self.assertDecisionApplied(resp, before, self.group_state(),
                                           '%s %r' % (where, raw))
        before = self.metadata('handle')
        resp = self.request('POST', self.stack_path(
            '/resources/handle/signal'), {'reason': 'a\x00b', 'id': 'nul'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.wait(self.sid)
        self.assertEqual('a\x00b', self.metadata('handle')['nul']['reason'])
        events = self.request('GET', self.stack_path(
            '/resources/up/events')).json['events']
        self.assertIn('alarm state a\ufffd: no scaling action',
                      [e['resource_status_reason'] for e in events])

    def test_lone_surrogates_are_refused(self):
        # found by fuzzing: "\ud800" parses as JSON, but no database
        # stores it (a 500 from the event of such an alarm state)
        for raw in (b'{"current": "\\ud800"}', b'{"reason": "a\\uDFFFb"}',
                    b'{"\\udc80": 1}', b'"\\ud800"',
                    b'[{"status": "SUCCESS", "data": ["\\ud83d"]}]'):
            for where in ('resource signal', 'alarm_url', 'webhook'):
                before = self.group_state()
                resp = self.fire(where, 'up', raw, 'application/json')
                message = self.assertClientError(resp, raw, allowed=(400,))
                self.assertIn('surrogate', message)
                self.assertEqual(before, self.group_state())
            before = self.metadata('handle')
            resp = self.request('POST', self.stack_path(
                '/resources/handle/signal'), raw=raw)
            self.assertIn('surrogate', self.assertClientError(resp))
            self.assertEqual(before, self.metadata('handle'))
        # a pair is one character: accepted
        before = self.group_state()
        resp = self.fire('alarm_url', 'up', b'{"reason": "\\ud83d\\ude00"}',
                         'application/json')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertDecisionApplied(resp, before, self.group_state())


class TestHandleSignals(scaling.ScalingFuzzCase):

    def setUp(self):
        super().setUp()
        # an invalid signal fails in the background, logged with its
        # traceback by the engine: kept out of the test output
        self.useFixture(fixtures.FakeLogger(name='heat.engine.service'))

    @fuzz.settings(150)
    @hypothesis.given(raw_bodies, CONTENT_TYPES)
    @fuzz.seeded
    def test_random_body_adds_at_most_its_own_signal(self, raw,
                                                     content_type):
        before = self.metadata('handle')
        resp = self.request('POST', self.stack_path(
            '/resources/handle/signal'), raw=raw, content_type=content_type)
        self.assertNot500(resp, repr(raw[:100]))
        self.wait(self.sid)
        after = self.metadata('handle')
        ok, body = _parsed(raw)
        if resp.status_code >= 300:
            self.assertClientError(resp)
            self.assertEqual(before, after)
            return
        self.assertTrue(ok, raw)
        if not _valid_handle_signal(body):
            # accepted for the background, refused there: no trace
            self.assertEqual(before, after, raw)
            return
        # the signal is stored under its id (or its number), with its
        # defaults; every other one is as it was
        body = {k: v for k, v in (body or {}).items() if k != 'token'}
        number = len(before) + 1
        key = str(body.get('id', number))
        expected = {'status': body.get('status', 'SUCCESS'),
                    'reason': body.get('reason', 'Signal %d received'
                                       % number),
                    'data': body.get('data')}

        def canon(value):  # NaN != NaN: compare the JSON texts
            return json.dumps(value, sort_keys=True)
        self.assertEqual(canon(expected), canon(after.get(key)))
        others = ({k: v for k, v in before.items() if k != key},
                  {k: v for k, v in after.items() if k != key})
        self.assertEqual(canon(others[0]), canon(others[1]))

    @fuzz.settings(60)
    @hypothesis.given(handle_bodies)
    # found by fuzzing: compare_digest's TypeError on a non-ASCII token
    @hypothesis.example({'token': '\x80'})
    @hypothesis.example({'token': '\udc80'})
    @fuzz.seeded
    def test_token_handle_refuses_a_body_without_its_token(self, body):
        before = self.metadata('token_handle')
        resp = self.request('POST', self.stack_path(
            '/resources/token_handle/signal'), body)
        self.assertClientError(resp, repr(body), allowed=(400, 401, 403))
        self.wait(self.sid)
        self.assertEqual(before, self.metadata('token_handle'))
