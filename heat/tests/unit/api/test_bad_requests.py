"""Bad requests (malformed JSON, wrong types, oversized bodies, unknown
stacks) get a 4xx with upstream's error body, never a 500."""

import json
import types
import urllib.parse
import uuid

import webob
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from heat.api import app as app_mod
from heat.tests.unit.api import TEMPLATE, APITestCase

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=list(HealthCheck))

FIXED_ID = '8a2f1d4c-0000-4000-8000-000000000000'

#: (method, path) of every endpoint that takes a body
BODY_ENDPOINTS = [
    ('POST', '/stacks'), ('POST', '/stacks/preview'), ('POST', '/validate'),
    ('PUT', '/stacks/s1/{id}'), ('PATCH', '/stacks/s1/{id}'),
    ('PUT', '/stacks/s1/{id}/preview'), ('PATCH', '/stacks/s1/{id}/preview'),
    ('POST', '/stacks/s1/{id}/actions'),
    ('PATCH', '/stacks/s1/{id}/resources/res'),
    ('POST', '/stacks/s1/{id}/resources/res/signal'),
]

#: paths under a stack, for unknown stacks
STACK_PATHS = ['', '/template', '/environment', '/files', '/outputs',
               '/outputs/x', '/export', '/resources', '/resources/r',
               '/resources/r/metadata', '/events', '/resources/r/events',
               '/resources/r/events/e']

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) |
    st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8)


def not_json(raw):
    try:
        json.loads(raw.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        return True
    return False


malformed = st.binary(min_size=1, max_size=200).filter(not_json) | \
    st.sampled_from([b'{', b'{"a": }', b'[1, 2', b'nul', b"{'a': 1}",
                     b'{"stack_name": "s1",}', b'\xff\xfe'])

#: a field of a create body and a value of the wrong type for it
wrong_fields = st.one_of(
    st.tuples(st.just('stack_name'), st.integers() | st.lists(
        st.text(), max_size=2) | st.booleans()),
    st.tuples(st.just('template'), st.integers() | st.lists(
        st.integers(), max_size=2) | st.booleans() | st.floats(
        allow_nan=False)),
    st.tuples(st.just('parameters'), st.text(max_size=5) | st.lists(
        st.integers(), max_size=2) | st.integers()),
    st.tuples(st.just('files'), st.text(max_size=5) | st.lists(
        st.text(), max_size=2) | st.dictionaries(
        st.text(max_size=5), st.integers(), min_size=1, max_size=2)),
    st.tuples(st.just('environment'), st.integers() | st.lists(
        st.integers(), max_size=2)),
    st.tuples(st.just('environment_files'), st.text(min_size=1,
                                                    max_size=5)),
    st.tuples(st.just('timeout_mins'), st.text(
        alphabet='abc-', min_size=1, max_size=4) | st.integers(
        max_value=-1) | st.lists(st.integers(), min_size=1, max_size=2)),
    st.tuples(st.just('disable_rollback'), st.text(
        alphabet='xyz', min_size=1, max_size=4) | st.integers() | st.lists(
        st.booleans(), min_size=1, max_size=2)),
    st.tuples(st.just('tags'), st.integers() | st.lists(
        st.integers(), min_size=1, max_size=2)),
    st.tuples(st.just('clear_parameters'), st.integers() | st.lists(
        st.integers(), min_size=1, max_size=2) | st.dictionaries(
        st.text(max_size=3), st.text(max_size=3), min_size=1,
        max_size=2)),
    st.tuples(st.just('adopt_stack_data'), st.text(
        alphabet='{[:', min_size=1, max_size=5) | st.integers()),
)

path_text = st.text(min_size=1, max_size=30).filter(
    lambda t: t not in ('.', '..'))


class TestBadRequests(APITestCase):

    def setUp(self):
        super().setUp()
        self.sid = self.create('s1', template='''
heat_template_version: 2016-10-14
resources:
  res:
    type: OS::Heat::TestResource
''')

    def path(self, template):
        return template.replace('{id}', self.sid)

    def send(self, method, path, raw=None, app=None, headers=None):
        req = webob.Request.blank('/v1/p1' + path, method=method)
        if raw is not None:
            req.body = raw
            req.content_type = 'application/json'
        for key, value in (headers or {}).items():
            req.headers[key] = value
        return req.get_response(app or self.app)

    def assert4xx(self, resp):
        self.assertTrue(400 <= resp.status_code < 500,
                        '%s %s' % (resp.status, resp.text))
        self.assertEqual('application/json', resp.content_type)
        body = resp.json
        self.assertEqual(resp.status_code, body['code'])
        self.assertIsInstance(body['title'], str)
        self.assertIsInstance(body['explanation'], str)
        self.assertIsInstance(body['error']['message'], str)
        self.assertIsInstance(body['error']['type'], str)
        self.assertIn('traceback', body['error'])

    def assertUnchanged(self):
        stacks = self.request('GET', '/stacks').json['stacks']
        self.assertEqual([('s1', 'CREATE_COMPLETE')],
                         [(s['stack_name'], s['stack_status'])
                          for s in stacks])

    @SETTINGS
    @given(endpoint=st.sampled_from(BODY_ENDPOINTS), raw=malformed)
    def test_malformed_json(self, endpoint, raw):
        method, path = endpoint
        resp = self.send(method, self.path(path), raw)
        self.assert4xx(resp)
        self.assertEqual(400, resp.status_code)
        self.assertUnchanged()

    @SETTINGS
    @given(endpoint=st.sampled_from(BODY_ENDPOINTS),
           body=json_values.filter(lambda v: not isinstance(v, dict)
                                   and v is not None))
    def test_body_not_an_object(self, endpoint, body):
        method, path = endpoint
        resp = self.send(method, self.path(path), json.dumps(body).encode())
        if path.endswith('/signal') and resp.status_code == 200:
            return  # a signal's details may be any JSON value
        self.assert4xx(resp)
        self.wait(self.sid)
        self.assertUnchanged()

    @SETTINGS
    @given(method_path=st.sampled_from(BODY_ENDPOINTS[:7]),
           wrong=wrong_fields, extra=st.dictionaries(
               st.sampled_from(['parameters', 'files', 'environment']),
               st.just({}), max_size=2))
    def test_wrong_types(self, method_path, wrong, extra):
        method, path = method_path
        # validate reads only the template, its environment and files
        assume(wrong[0] != 'clear_parameters' or method == 'PATCH')
        assume(path != '/validate' or wrong[0] in (
            'template', 'parameters', 'files', 'environment',
            'environment_files'))
        body = {'stack_name': 'new1', 'template': TEMPLATE}
        body.update(extra)
        body[wrong[0]] = wrong[1]
        resp = self.send(method, self.path(path), json.dumps(body).encode())
        self.assert4xx(resp)
        self.wait(self.sid)
        self.assertUnchanged()

    @SETTINGS
    @given(endpoint=st.sampled_from(BODY_ENDPOINTS),
           extra=st.integers(min_value=1, max_value=5000))
    def test_oversized_bodies(self, endpoint, extra):
        limit = 2048
        small = app_mod.make_app(self.engine_svc, types.SimpleNamespace(
            max_json_body_size=limit))
        method, path = endpoint
        raw = json.dumps({'stack_name': 's9', 'template': TEMPLATE,
                          'pad': 'x' * (limit + extra)}).encode()
        resp = self.send(method, self.path(path), raw, app=small)
        self.assert4xx(resp)
        self.assertEqual('RequestTooLarge', resp.json['error']['type'])
        self.assertUnchanged()

    def test_default_limit_is_one_mebibyte(self):
        raw = json.dumps({'stack_name': 's9', 'template': TEMPLATE,
                          'pad': 'x' * 1048576}).encode()
        resp = self.send('POST', '/stacks', raw)
        self.assert4xx(resp)
        self.assertIn('exceeds maximum allowed size (1048576 bytes)',
                      resp.json['error']['message'])
        self.assertUnchanged()

    @SETTINGS
    @given(name=path_text, sub=st.sampled_from(STACK_PATHS),
           use_real_name=st.booleans(),
           method=st.sampled_from(['GET', 'DELETE', 'PUT', 'PATCH',
                                   'POST']))
    def test_unknown_stacks(self, name, sub, use_real_name, method):
        quoted = urllib.parse.quote(name, safe='')
        stack_id = str(uuid.uuid4())
        if use_real_name:
            path = '/stacks/s1/%s%s' % (stack_id, sub)
        else:
            path = '/stacks/%s/%s%s' % (quoted, stack_id, sub)
        body = json.dumps({'template': TEMPLATE}).encode() \
            if method in ('PUT', 'PATCH', 'POST') else None
        resp = self.send(method, path, body)
        self.assert4xx(resp)
        self.assertUnchanged()

    @SETTINGS
    @given(name=path_text, sub=st.sampled_from(
        ['', '/resources', '/events', '/template', '/environment',
         '/files']))
    def test_unknown_stack_lookup(self, name, sub):
        quoted = urllib.parse.quote(name, safe='')
        resp = self.send('GET', '/stacks/%s%s' % (quoted, sub))
        if name == 's1' or name == self.sid:
            self.assertEqual(302, resp.status_code)
            return
        self.assert4xx(resp)

    @SETTINGS
    @given(query=st.dictionaries(
        st.sampled_from(['limit', 'marker', 'sort_dir', 'sort_keys',
                         'show_deleted', 'show_nested', 'with_count',
                         'nested_depth', 'resolve_outputs', 'with_detail',
                         'resource_status', 'tags', 'name', 'status']),
        st.text(max_size=8), min_size=1, max_size=3),
        path=st.sampled_from(['/stacks', '/stacks/s1/{id}',
                              '/stacks/s1/{id}/events',
                              '/stacks/s1/{id}/resources']))
    def test_bad_query_parameters_never_500(self, query, path):
        resp = self.send('GET', self.path(path) + '?' +
                         urllib.parse.urlencode(query))
        if resp.status_code != 200:
            self.assert4xx(resp)
