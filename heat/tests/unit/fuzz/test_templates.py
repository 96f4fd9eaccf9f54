"""Bad templates through the REST API: ``POST /stacks``, ``POST
/stacks/preview``, ``PUT``/``PATCH`` of a stack and ``POST /validate``.

Random values in every section of a HOT and a CFN template (the
strategies of :mod:`heat.tests.unit.validate.test_fuzz`, which fuzzes
the validator alone), random text, random request bodies and deep
nesting. Every answer is below 500, a refusal is a 4xx in upstream's
error shape, a refused create leaves no stack (nor template) row and a
refused update leaves the stack's template and state as they were.
"""

import itertools
import json

import hypothesis
from hypothesis import strategies as st

from heat.common import context as context_mod
from heat.db import api as db_api
from heat.db import models
from heat.tests import db_fixtures
from heat.tests.unit import api as api_tests
from heat.tests.unit import fuzz
from heat.tests.unit.validate import test_fuzz as vfuzz

BASE = '''heat_template_version: 2016-10-14
parameters:
  p1: {type: string, default: x}
resources:
  r1:
    type: OS::Heat::RandomString
    properties: {length: 8}
  r2:
    type: OS::Heat::None
outputs:
  o1: {value: {get_param: p1}}
'''

# templates as random text, random JSON and random structures
texts = st.one_of(
    st.text(max_size=200),
    st.builds(lambda v, rest: 'heat_template_version: %s\n%s' % (v, rest),
              st.sampled_from(vfuzz.HOT_VERSIONS), st.text(max_size=150)),
    st.builds(json.dumps, vfuzz.values))
templates = st.one_of(
    texts, vfuzz.values,
    st.builds(vfuzz._put, st.builds(vfuzz.hot_skeleton),
              st.sampled_from(vfuzz.HOT_SPOTS), vfuzz.values),
    st.builds(vfuzz._put, st.builds(vfuzz.cfn_skeleton),
              st.sampled_from(vfuzz.CFN_SPOTS), vfuzz.values))
#: the other keys of a create/update body, random or of a wrong type
body_extras = st.fixed_dictionaries({}, optional={
    'parameters': vfuzz.values, 'environment': vfuzz.values,
    'files': vfuzz.values, 'environment_files': vfuzz.values,
    'timeout_mins': vfuzz.values, 'disable_rollback': vfuzz.values,
    'tags': vfuzz.values, 'existing': vfuzz.values,
    'clear_parameters': vfuzz.values, 'converge': vfuzz.values,
    'unknown_key': vfuzz.values})


def _nested_body(name, depth):
    """A create body (JSON bytes) whose output value nests ``depth``
    ``list_join`` calls (written out: json.dumps would recurse)."""
    tmpl = json.dumps(vfuzz.hot_skeleton())
    value = ('{"list_join": [",", [' * depth + '"x"' + ']]}' * depth)
    tmpl = tmpl.replace('{"get_resource": "r1"}', value)
    return ('{"stack_name": "%s", "template": %s}' % (name, tmpl)).encode()


class TemplateFuzzCase(api_tests.APITestCase, fuzz.FuzzAssertions):

    def setUp(self):
        super().setUp()
        self.names = itertools.count()
        self.ctx = context_mod.RequestContext(project_id=self.PROJECT)

    def counts(self):
        """(stacks of the project, raw templates): what a refused create
        must leave as it was."""
        stacks = db_api.stack_count_all(self.ctx, self.PROJECT,
                                        show_nested=True, show_deleted=True)
        with db_api.reader(self.ctx) as session:
            raws = session.query(models.RawTemplate).count()
        return stacks, raws

    def post_create(self, body, path='/stacks'):
        before = self.counts()
        resp = self.request('POST', path, body)
        self.assertNot500(resp, 'POST %s' % path)
        after = self.counts()
        if path == '/stacks' and resp.status_code == 201:
            sid = resp.json['stack']['id']
            self.wait(sid)
            self.assertEqual(before[0] + 1, after[0])
            status = self.request('GET', '/stacks/%s/%s' % (
                body['stack_name'], sid)).json['stack']['stack_status']
            self.assertNotIn('IN_PROGRESS', status)
        elif resp.status_code >= 300:
            self.assertClientError(resp, 'POST %s' % path)
            self.assertEqual(before, after, 'a refused %s left rows: %s'
                             % (path, resp.text[:300]))
        else:
            # preview and validate write nothing, whatever they answer
            self.assertEqual(before, after)
        return resp

    def name(self):
        return 'fz%d' % next(self.names)


class TestCreateAndPreview(TemplateFuzzCase):

    @fuzz.settings(300)
    @hypothesis.given(templates)
    @fuzz.seeded
    def test_create_with_random_template(self, template):
        self.post_create({'stack_name': self.name(), 'template': template,
                          'disable_rollback': True})

    @fuzz.settings(200)
    @hypothesis.given(templates, st.sampled_from(('/stacks/preview',
                                                  '/validate')))
    # found by fuzzing: external_id with depends_on was a 500
    @hypothesis.example(vfuzz._put(vfuzz.hot_skeleton(),
                                   ('resources', 'r2', 'external_id'), 'x'),
                        '/stacks/preview')
    @fuzz.seeded
    def test_preview_and_validate_with_random_template(self, template,
                                                       path):
        self.post_create({'stack_name': self.name(), 'template': template},
                         path)

    @fuzz.settings(200)
    @hypothesis.given(body_extras, st.one_of(st.just(BASE), templates))
    # found by fuzzing: an environment file name not a string was a 500
    @hypothesis.example({'environment_files': [[]]}, BASE)
    @hypothesis.example({'environment_files': [{}], 'files': {}}, BASE)
    @fuzz.seeded
    def test_create_with_random_other_keys(self, extras, template):
        body = {'stack_name': self.name(), 'template': template}
        body.update(extras)
        self.post_create(body)

    @fuzz.settings(150)
    @hypothesis.given(st.one_of(vfuzz.values, st.text(max_size=300)))
    @fuzz.seeded
    def test_create_with_random_stack_name(self, name):
        self.post_create({'stack_name': name, 'template': BASE})

    @fuzz.settings(150)
    @hypothesis.given(vfuzz.values)
    @fuzz.seeded
    def test_random_body(self, body):
        for path in ('/stacks', '/stacks/preview', '/validate'):
            self.post_create(body, path)

    @fuzz.settings(100)
    # found by fuzzing the signals: "\\ud800" parses, no database
    # stores it; a stack or resource so named was accepted (201)
    @hypothesis.example(b'{"stack_name": "s", "template": {"heat_template_'
                        b'version": "2016-10-14", "resources": {"r\\ud800":'
                        b' {"type": "OS::Heat::None"}}}}', 'application/json')
    @hypothesis.example(b'{"stack_name": "s", "template": "heat_template_'
                        b'version: 2016-10-14", "parameters": {"p": '
                        b'"\\udfff"}}', 'application/json')
    @hypothesis.given(st.binary(max_size=300),
                      st.sampled_from(('application/json', 'text/plain',
                                       'application/x-yaml', '')))
    @fuzz.seeded
    def test_random_bytes_as_body(self, raw, content_type):
        for path in ('/stacks', '/stacks/preview', '/validate'):
            before = self.counts()
            resp = self.request('POST', path, raw=raw,
                                content_type=content_type)
            self.assertNot500(resp, path)
            if resp.status_code >= 400:
                self.assertClientError(resp, path)
            self.assertEqual(before, self.counts())

    def test_deep_nesting_is_refused_cleanly(self):
        for depth in (50, 1000, 5000):
            for path in ('/stacks', '/stacks/preview', '/validate'):
                before = self.counts()
                resp = self.request('POST', path, raw=_nested_body(
                    self.name(), depth))
                self.assertNot500(resp, '%s depth %d' % (path, depth))
                if resp.status_code >= 400:
                    self.assertClientError(resp)
                if resp.status_code != 201:
                    self.assertEqual(before, self.counts())
                else:
                    self.wait(resp.json['stack']['id'])
        text = ('heat_template_version: 2015-10-15\nresources:\n'
                '  r: {type: OS::Heat::None, properties: {v: %s%s}}\n'
                % ('[' * 5000, ']' * 5000))
        resp = self.post_create({'stack_name': self.name(),
                                 'template': text})
        self.assertIn('nest', self.assertClientError(resp).lower())
        # a JSON body nested past the parser's recursion limit
        raw = ('{"stack_name": "deep", "template": %s}'
               % ('[' * 100000 + ']' * 100000)).encode()
        before = self.counts()
        resp = self.request('POST', '/stacks', raw=raw)
        self.assertClientError(resp)
        self.assertEqual(before, self.counts())


class TestUpdate(TemplateFuzzCase):

    def setUp(self):
        super().setUp()
        self.sid = self.create('base', template=BASE)
        self.path = '/stacks/base/%s' % self.sid

    def snapshot(self):
        stack = self.request('GET', self.path).json['stack']
        template = self.request('GET', self.path + '/template').json
        keys = ('stack_status', 'stack_status_reason', 'parameters',
                'updated_time')
        return {k: stack.get(k) for k in keys}, template

    @fuzz.settings(200)
    @hypothesis.given(st.sampled_from(('PUT', 'PATCH')), templates,
                      body_extras)
    @fuzz.seeded
    def test_update_with_random_template(self, method, template, extras):
        body = {'template': template}
        body.update(extras)
        before = self.snapshot()
        counts = self.counts()
        resp = self.request(method, self.path, body)
        self.assertNot500(resp, '%s %s' % (method, self.path))
        if resp.status_code == 202:
            # accepted: the update ends, in a final state
            self.wait(self.sid)
            self.assertNotIn('IN_PROGRESS',
                             self.snapshot()[0]['stack_status'])
            return
        self.assertClientError(resp, method)
        self.assertEqual(before, self.snapshot())
        self.assertEqual(counts[0], self.counts()[0])

    @fuzz.settings(150)
    @hypothesis.given(st.sampled_from(('PUT', 'PATCH')), templates)
    @fuzz.seeded
    def test_preview_update_with_random_template(self, method, template):
        before = self.snapshot()
        counts = self.counts()
        resp = self.request(method, self.path + '/preview',
                            {'template': template})
        self.assertNot500(resp, 'preview update')
        if resp.status_code >= 400:
            self.assertClientError(resp, 'preview update')
        self.assertEqual(before, self.snapshot())
        self.assertEqual(counts, self.counts())


@db_fixtures.for_each_backend
class TestColumnLimits(TemplateFuzzCase):
    """What fits SQLite may not fit MariaDB's or PostgreSQL's columns:
    found by fuzzing on MariaDB, each was a 500 or a stack accepted and
    then failed by the database."""

    LONG_NAME = 'r' * 256

    def test_values_past_the_columns_are_refused(self):
        cases = [
            ({'timeout_mins': 2 ** 40}, 'Invalid timeout value'),
            ({'timeout_mins': 2 ** 31 - 1}, 'Invalid timeout value'),
            ({'timeout_mins': 10 ** 8 + 1}, 'Invalid timeout value'),
            ({'template': {'heat_template_version': '2016-10-14',
                           'resources': {self.LONG_NAME: {
                               'type': 'OS::Heat::None'}}}},
             'longer than 255 characters'),
            # PostgreSQL stores no NUL in text
            ({'template': {'heat_template_version': '2016-10-14',
                           'resources': {'r\x00': {
                               'type': 'OS::Heat::None'}}}},
             'contains a NUL character'),
            ({'tags': ['a\x00']}, 'contains a NUL character'),
        ]
        for extra, message in cases:
            body = {'stack_name': self.name(), 'template': BASE}
            body.update(extra)
            resp = self.post_create(body)
            self.assertIn(message, self.assertClientError(resp))
            resp = self.post_create(body, '/validate')
            self.assertNot500(resp)

    def test_values_at_the_limits_are_accepted(self):
        body = {'stack_name': self.name(), 'timeout_mins': 10 ** 8,
                'template': {'heat_template_version': '2016-10-14',
                             'resources': {self.LONG_NAME[1:]: {
                                 'type': 'OS::Heat::None'}}}}
        resp = self.post_create(body)
        self.assertEqual(201, resp.status_code, resp.text)
        stack = self.request('GET', '/stacks/%s/%s' % (
            body['stack_name'], resp.json['stack']['id'])).json['stack']
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'],
                         stack['stack_status_reason'])

    @fuzz.settings(40)
    @hypothesis.given(body_extras)
    @fuzz.seeded
    def test_random_other_keys(self, extras):
        body = {'stack_name': self.name(), 'template': BASE}
        body.update(extras)
        self.post_create(body)
