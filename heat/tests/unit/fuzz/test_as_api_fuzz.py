"""Property-based fuzzing of every operation of the Auto-Scaling API v1
(heat/api/autoscaling) from the OpenAPI document the app serves.

**Tool: schemathesis** (PyPI, test-requirements.txt). It installs on
Python 3.11 next to this venv's packages without changing any of them
(it builds on the Hypothesis the other fuzz tests use), loads the
document through the WSGI app in process
(``schemathesis.openapi.from_wsgi('/autoscaling/v1/openapi.json',
app)``: the document *served*, not the generator's output), turns every
operation into a Hypothesis strategy of requests (path and query
parameters, headers, bodies from the operation's JSON Schema; valid ones
in its ``positive`` mode, invalid ones in its ``negative`` mode) and
calls the app in process (werkzeug's test client: no socket). Its
pytest runner is not used: the strategies run under ``hypothesis.given``
in a testtools test like the rest of heat.tests.unit.fuzz, so stestr
runs them.

One test per operation of the served document (a test checks that the
served operations and these tests are the same set). Each example:

- path parameters: per parameter, the id of the object made in setUp
  (a group with two live members, its policy, a webhook and its token,
  an activity), an id of another kind of object or another project's
  group, or schemathesis's random string;
- headers: ``OpenStack-API-Version`` (served, unserved or random),
  ``If-Match`` (the group's current ETag, a stale one, ``*``, or
  random), ``Idempotency-Key`` (absent, random, or one of a small pool
  so that repeats and reuses happen);
- the answer: never a 5xx; a status the operation documents; its body
  valid (``jsonschema``, Draft 2020-12, formats checked) against the
  schema documented for that status (an error in the documented
  ``Error`` shape, its ``code`` the status; no body where none is
  documented); schemathesis's own checks too (``not_a_server_error``,
  ``status_code_conformance``, ``content_type_conformance``,
  ``response_schema_conformance``, ``response_headers_conformance``);
  a JSON body its request schema refuses is never accepted (not
  schemathesis's ``negative_data_rejection``: that one also wants a
  missing ``X-Auth-Token`` refused, which ``auth_strategy = noauth``
  rightly ignores);
- the database: a GET never writes; a rejected request (4xx) leaves the
  tables (scaling_group, scaling_member, scaling_policy,
  scaling_webhook, scaling_activity, scaling_trigger_receipt,
  api_idempotency_record, stack, resource; count and content hash)
  as they were, but for the record of its own ``Idempotency-Key`` (the
  API stores a first 4xx answer to replay it, doc/autoscaling-api.md),
  and casts no converge.

The convergers are stubbed once setUp's group has converged: an accepted
request's ``cast_converge`` is recorded, not run, so that no background
write blurs the before/after comparison and a fuzzed
``desired_capacity`` of a million builds nothing. A fixture object that
an accepted request deleted is made again before the next example.

Examples are derandomized (see :mod:`heat.tests.unit.fuzz`), 40 per
operation: the module takes about 25 s on 2 cores under stestr.
``HEAT_FUZZ_EXAMPLES=<n>`` runs ``n`` examples per operation,
``HEAT_FUZZ_SEED=<n>`` another repeatable draw (200 examples with seed
2 take about 2 minutes). Schemathesis keeps caches across the
operations of one process, so a test's draw may also depend on the
tests run before it in the same worker.

Found by it (tests in heat.tests.unit.api.autoscaling.
test_fuzz_regressions): counts over the database's integer columns
were 500s; resuming a running group was a 500 after writing the group;
a JSON ``null`` body was taken for no body.
"""

import hashlib
import json
import re
import time

import hypothesis
import jsonschema
import schemathesis
import sqlalchemy as sa
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup

from heat.api.autoscaling import openapi as as_openapi
from heat.common import context as context_mod
from heat.db import models
from heat.tests.unit import fuzz
from heat.tests.unit.api.autoscaling import RANDOM, TABLES, ASTestCase
from heat.tests.unit.fuzz import scaling

OPENAPI_PATH = '/autoscaling/v1/openapi.json'
#: examples per operation (``HEAT_FUZZ_EXAMPLES`` overrides)
EXAMPLES = 40

SCHEMATHESIS_CHECKS = [not_a_server_error, status_code_conformance,
                       content_type_conformance,
                       response_schema_conformance,
                       response_headers_conformance]

#: a small pool, so that keys repeat across examples (replays, reuses)
KEY_POOL = ('fuzz-key-1', 'fuzz-key-2')
VERSION_HEADERS = ('autoscaling 1.0', 'autoscaling 1.latest', 'latest',
                   'autoscaling latest', 'autoscaling 2.0',
                   'compute 2.1, autoscaling 1.0', 'autoscaling', '')


def _operations():
    """``{operationId: (method, path)}`` of the generated document (the
    test methods; the served one is compared with it)."""
    out = {}
    for path, methods in as_openapi.document()['paths'].items():
        for method, op in methods.items():
            out[op['operationId']] = (method.upper(), path)
    return out


OPERATIONS = _operations()


def _inline(node, doc):
    """``node`` with every local ``$ref`` replaced by what it names."""
    if isinstance(node, dict):
        ref = node.get('$ref')
        if isinstance(ref, str) and ref.startswith('#/'):
            target = doc
            for part in ref[2:].split('/'):
                target = target[part.replace('~1', '/').replace('~0', '~')]
            return _inline(target, doc)
        return {k: _inline(v, doc) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, doc) for v in node]
    return node


def header(resp, name):
    """A header of a schemathesis ``Response`` (lower-case keys, lists
    of values), '' when absent."""
    return (resp.headers.get(name.lower()) or [''])[0]


class TestAutoScalingAPIFuzz(ASTestCase):

    def setUp(self):
        # ASTestCase's setUp, with the anonymous rate limit off: the
        # webhook route is fuzzed, not its limiter
        super(ASTestCase, self).setUp()
        self.serve_engine_on_rpc(scaling.NO_RATE_LIMIT)
        group = self.make_group('fuzz', min_size=1, max_size=3, desired=2,
                                cooldown=0)
        other = self.as_request('POST', '/groups', {
            'name': 'other', 'min_size': 0, 'max_size': 1,
            'resource': RANDOM}, project='p2')
        self.assertEqual(201, other.status_code, other.text)
        self.other_group = other.json['group']['id']
        self.wait_group(group['id'], 2)
        self.wait_group(self.other_group, 0, project='p2')
        self.ctx = context_mod.RequestContext(project_id=self.PROJECT,
                                              roles=['member'])
        self.casts = []
        self.make_fixtures(group['id'])
        as_engine = self.engine_svc.as_engine
        self.real_cast = as_engine.cast_converge
        as_engine.cast_converge = lambda cnxt, gid: self.casts.append(gid)
        self.addCleanup(setattr, as_engine, 'cast_converge', self.real_cast)
        self.schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, self.app)
        resp = self.as_request('GET', '/' + OPENAPI_PATH)
        self.assertEqual(200, resp.status_code, resp.text)
        self.doc = resp.json
        self.strategies = {}
        self.settle()

    # -- the objects the valid ids name ---------------------------------

    def make_fixtures(self, group_id=None):
        """The group (``group_id``, or a new one, converged by the real
        converger), a policy, a webhook and an activity of it."""
        if group_id is None:
            group_id = self.make_group('fuzz', min_size=1, max_size=3,
                                       desired=2, cooldown=0)['id']
            self.real_cast(self.ctx, group_id)
            self.wait_group(group_id, 2)
            self.settle()
        G = '/groups/%s' % group_id
        self.policy = self.make_policy(group_id)['id']
        hook = self.as_request('POST', G + '/policies/%s/webhooks'
                               % self.policy, {'name': 'h'})
        self.assertEqual(201, hook.status_code, hook.text)
        self.webhook = hook.json['webhook']['id']
        self.token = hook.json['webhook']['url'].rsplit('/', 1)[1]
        self.member = self.as_request('GET', G + '/members').json[
            'members'][0]['name']
        self.activity = self.as_request('GET', G + '/activities').json[
            'activities'][0]['id']
        self.group = group_id

    def column(self, table, ident, column='id'):
        """``column`` of the row ``ident`` of ``table`` (None if none),
        read from the database: cheaper than through the API."""
        t = models.Base.metadata.tables[table]
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.c[column]).where(
                t.c.id == ident)).scalar()

    def restore_fixtures(self):
        """Make the fixture objects again if an accepted request deleted
        (or began deleting) one of them."""
        if self.column('scaling_group', self.group, 'status') in (
                None, 'DELETING'):
            self.make_fixtures()
        elif (self.column('scaling_policy', self.policy) is None or
              self.column('scaling_webhook', self.webhook) is None):
            self.make_fixtures(self.group)

    def path_values(self):
        """``{parameter: (valid, other)}``: the fixture object's id, and
        an id of something else (another kind, another project)."""
        return {'project_id': (self.PROJECT, 'p2'),
                'group_id': (self.group, self.other_group),
                'policy_id': (self.policy, self.group),
                'webhook_id': (self.webhook, self.policy),
                'member_name': (self.member, self.activity),
                'activity_id': (self.activity, self.group),
                'token': (self.token, self.webhook)}

    # -- the database ---------------------------------------------------

    def settle(self):
        """Wait until the real converger's last writes are done (two
        snapshots 50 ms apart the same)."""
        deadline = time.monotonic() + 10
        last = self.snapshot()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.snapshot()
            if now == last:
                return
            last = now
        self.fail('the database did not settle')

    def snapshot(self):
        """``{table: sorted rows}`` (``repr`` of each row)."""
        meta = models.Base.metadata
        out = {}
        with self.engine.connect() as conn:
            for name in TABLES:
                out[name] = sorted(repr(tuple(r)) for r in conn.execute(
                    sa.select(meta.tables[name])))
        return out

    @staticmethod
    def digest(rows):
        return {name: (len(r), hashlib.sha256(
            '\n'.join(r).encode('utf-8', 'surrogatepass')).hexdigest())
            for name, r in rows.items()}

    def assertNothingWritten(self, before, after, key, what):
        """``after`` is ``before``, but for one new
        api_idempotency_record row of ``key`` (if given)."""
        diff = {name: (sorted(set(before[name]) - set(after[name])),
                       sorted(set(after[name]) - set(before[name])))
                for name in TABLES
                if self.digest({name: before[name]}) !=
                self.digest({name: after[name]})}
        records = diff.pop('api_idempotency_record', None)
        if records is not None:
            gone, new = records
            ok = (key and not gone and len(new) == 1 and
                  repr(key) in new[0])
            if not ok:
                diff['api_idempotency_record'] = records
        self.assertEqual({}, diff, '%s wrote' % what)

    # -- one example ----------------------------------------------------

    def strategy(self, operation, mode, fixed):
        key = (operation.label, mode, tuple(sorted(fixed.items())))
        strat = self.strategies.get(key)
        if strat is None:
            strat = self.strategies[key] = operation.as_strategy(
                mode, path_parameters=fixed or None)
        return strat

    def draw_case(self, operation, data):
        mode = data.draw(st.sampled_from((GenerationMode.POSITIVE,
                                          GenerationMode.NEGATIVE)),
                         'mode')
        values = self.path_values()
        fixed = {}
        for name in re.findall(r'{(\w+)}', operation.path):
            pick = data.draw(st.sampled_from(('valid', 'valid', 'valid',
                                              'other', 'random')), name)
            if pick != 'random':
                fixed[name] = values[name][pick == 'other']
        case = data.draw(self.strategy(operation, mode, fixed), 'case')
        headers = dict(case.headers or {})
        names = {p['name'] for p in operation.definition.raw.get(
            'parameters', []) if 'name' in p} | {
            self.doc['components']['parameters'][p['$ref'].rsplit('/', 1)[
                1]]['name'] for p in operation.definition.raw.get(
                'parameters', []) if '$ref' in p}
        version = data.draw(st.one_of(st.none(), st.just(False),
                                      st.sampled_from(VERSION_HEADERS)),
                            'version')
        if version is False:
            headers.pop('OpenStack-API-Version', None)
        elif version is not None:
            headers['OpenStack-API-Version'] = version
        if 'If-Match' in names:
            match = data.draw(st.sampled_from(
                (None, False, 'current', 'current', 'W/current', '"0"',
                 '*')), 'if_match')
            if match is False:
                headers.pop('If-Match', None)
            elif match is not None:
                if 'current' in match:
                    match = match.replace('current', '"%s"' % self.column(
                        'scaling_group', self.group, 'version'))
                headers['If-Match'] = match
        if 'Idempotency-Key' in names:
            idem = data.draw(st.sampled_from(
                (None, False, False) + KEY_POOL), 'idempotency_key')
            if idem is False:
                headers.pop('Idempotency-Key', None)
            elif idem is not None:
                headers['Idempotency-Key'] = idem
        case.headers = headers
        return mode, case

    def fuzz_operation(self, operation_id, data):
        self.restore_fixtures()
        operation = self.operation(operation_id)
        mode, case = self.draw_case(operation, data)
        before = self.snapshot()
        self.casts.clear()
        resp = case.call()
        after = self.snapshot()
        what = '%s (%s) %s %r headers %r body %r' % (
            operation.label, mode.value, case.formatted_path,
            case.query, case.headers,
            case.body if not isinstance(case.body, bytes)
            else case.body[:200])
        self.check_answer(operation, resp, what)
        try:
            case.validate_response(resp, checks=SCHEMATHESIS_CHECKS)
        except FailureGroup as exc:
            # an exception group: testtools and stestr report it badly
            self.fail('%s: %s' % (what, exc))
        if self.body_is_invalid(operation, case):
            self.assertGreaterEqual(
                resp.status_code, 400,
                '%s: a body against its schema was accepted' % what)
        if resp.status_code >= 400 or operation.method.upper() == 'GET':
            key = (case.headers or {}).get('Idempotency-Key')
            self.assertNothingWritten(
                before, after,
                key if operation.method.upper() == 'POST' else None, what)
            self.assertEqual([], self.casts, '%s cast a converge' % what)

    def body_is_invalid(self, operation, case):
        """Whether ``case`` sends a JSON body its operation's schema
        refuses (schemathesis's negative_data_rejection would do, but it
        also counts a missing X-Auth-Token, which auth_strategy = noauth
        rightly ignores)."""
        body = operation.definition.raw.get('requestBody')
        if body is None or isinstance(case.body, (NotSet, bytes, str)):
            return False
        schema = _inline(body, self.doc)['content']['application/json'][
            'schema']
        return not jsonschema.Draft202012Validator(schema).is_valid(
            case.body)

    def check_answer(self, operation, resp, what):
        status = resp.status_code
        text = resp.content.decode('utf-8', 'replace')[:2000]
        self.assertLess(status, 500, '%s answered %s: %s' % (
            what, status, text))
        documented = operation.definition.raw['responses']
        self.assertIn(str(status), documented,
                      '%s: %d is not documented: %s' % (what, status, text))
        content = _inline(documented[str(status)], self.doc).get('content')
        if not content:
            self.assertEqual(b'', resp.content,
                             '%s: a body where none is documented' % what)
            return
        self.assertEqual('application/json',
                         header(resp, 'Content-Type').split(';')[0], what)
        body = json.loads(resp.content)
        schema = content['application/json']['schema']
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.
            FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(body), key=str)
        self.assertEqual([], [
            '%s: %s' % (e.json_path, e.message) for e in errors],
            '%s: the body does not match its schema: %s' % (what, text))
        if status >= 400:
            self.assertEqual(status, body['code'], what)
            self.assertTrue(body['error'].get('type'), what)
            self.assertTrue(body['error'].get('message', '').strip(), what)

    def operation(self, operation_id):
        """The schemathesis operation of ``operation_id`` (the one that
        serves the document too: schemathesis leaves it out unless a
        filter names it)."""
        try:
            return self.schema.find_operation_by_id(operation_id)
        except Exception:  # noqa: BLE001 - OperationNotFound
            return self.schema.include(
                operation_id=operation_id).find_operation_by_id(
                operation_id)

    def test_every_served_operation_is_fuzzed(self):
        served = {op['operationId'] for methods in self.doc['paths'].values()
                  for op in methods.values()}
        self.assertEqual(set(OPERATIONS), served)
        for operation_id in served:
            self.assertTrue(hasattr(self, 'test_' + operation_id),
                            operation_id)
            self.assertEqual(operation_id, self.operation(
                operation_id).definition.raw['operationId'])


def _make_test(operation_id):
    @fuzz.settings(EXAMPLES)
    @hypothesis.given(data=st.data())
    @fuzz.seeded
    def test(self, data):
        self.fuzz_operation(operation_id, data)
    test.__name__ = 'test_' + operation_id
    test.__qualname__ = 'TestAutoScalingAPIFuzz.' + test.__name__
    test.__doc__ = '%s %s' % OPERATIONS[operation_id]
    return test


for _operation_id in OPERATIONS:
    setattr(TestAutoScalingAPIFuzz, 'test_' + _operation_id,
            _make_test(_operation_id))
del _operation_id
