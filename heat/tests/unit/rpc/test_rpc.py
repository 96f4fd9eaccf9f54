"""The engine RPC API end to end: EngineClient -> transport -> EngineServer
-> a real EngineService on a real (SQLite) database.

Every test runs on both transports: the in-process fast path
(``TestEngineRPC_inproc``) and RabbitMQ (``TestEngineRPC_rabbit``, which
skips with the reason when the broker does not answer). Each test case
uses its own topic, so parallel runs do not collide on the broker.
Results are compared with direct EngineService calls.
"""

import logging
import os
import socket
import threading
import time
import urllib.parse
import uuid

import fixtures

from heat.common import context, exception
from heat.db import api as db_api
from heat.engine import service
from heat.rpc import api as rpc_api
from heat.rpc import client as rpc_client
from heat.rpc import server as rpc_server
from heat.rpc import transport as rpc_transport
from heat.tests import base, db_fixtures

RABBIT_URL = os.environ.get('HEAT_TEST_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')
WAIT = 60

SIMPLE = '''
heat_template_version: 2016-10-14
parameters:
  label:
    type: string
    default: one
resources:
  none:
    type: OS::Heat::None
    properties:
      label: {get_param: label}
  val:
    type: OS::Heat::Value
    properties:
      value: {get_param: label}
outputs:
  label:
    description: the label
    value: {get_attr: [val, value]}
'''

INVALID = '''
heat_template_version: 2016-10-14
resources:
  bad:
    type: OS::Heat::None
    properties: 42
'''


def ctx(project='p1', **kw):
    return context.RequestContext(project_id=project, user_id='u1', **kw)


def rabbit_unavailable_reason(url=RABBIT_URL):
    """None if the broker answers, else why the RabbitMQ tests skip."""
    parsed = urllib.parse.urlsplit(url)
    host, port = parsed.hostname or '127.0.0.1', parsed.port or 5672
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as exc:
        return 'RabbitMQ does not answer at %s:%s (%s)' % (host, port, exc)
    return None


class _EngineRPCTests:
    """The tests; mixed into one TestCase per transport."""

    URL = None

    def setUp(self):
        super().setUp()
        reason = self.unavailable_reason()
        if reason:
            self.skipTest(reason)
        # Expected remote failures are logged by the servers: keep them
        # (shown only when a test fails).
        self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        self.useFixture(db_fixtures.DatabaseFixture(
            db_fixtures.BACKENDS['sqlite']))
        self.service = service.EngineService(report_interval=3600)
        self.addCleanup(self.service.stop, WAIT)
        self.topic = 'engine-test-%s' % uuid.uuid4().hex
        self.transport = rpc_transport.get_transport(self.URL)
        self.server = rpc_server.EngineServer(
            self.service, self.transport, topic=self.topic).start()
        self.addCleanup(self.server.stop)
        self.client = rpc_client.EngineClient(self.transport,
                                              topic=self.topic, timeout=30)

    def unavailable_reason(self):
        return None

    def create(self, name='s1', cnxt=None, template=SIMPLE, params=None):
        cnxt = cnxt or ctx()
        identity = self.client.create_stack(
            cnxt, name, template, params or {}, {}, {})
        self.assertTrue(self.service.wait(identity, WAIT))
        return identity

    # -- stacks --------------------------------------------------------------

    def test_create_returns_the_identity_and_the_stack_is_created(self):
        identity = self.create()
        self.assertEqual({'tenant', 'stack_name', 'stack_id', 'path'},
                         set(identity))
        self.assertEqual('s1', identity['stack_name'])
        shown = self.client.show_stack(ctx(), identity)
        self.assertEqual('CREATE', shown[0]['stack_action'])
        self.assertEqual('COMPLETE', shown[0]['stack_status'])

    def test_stack_reads_equal_direct_calls(self):
        identity = self.create()
        c = ctx()
        for method, args in [
                ('identify_stack', ('s1',)),
                ('show_stack', (identity,)),
                ('list_stacks', ()),
                ('count_stacks', ()),
                ('get_template', (identity,)),
                ('get_environment', (identity,)),
                ('get_files', (identity,)),
                ('list_outputs', (identity,)),
                ('show_output', (identity, 'label')),
                ('list_stack_resources', (identity,)),
                ('describe_stack_resource', (identity, 'val')),
                ('describe_stack_resources', (identity, None)),
                ('list_events', (identity,)),
                ('export_stack', (identity,))]:
            remote = getattr(self.client, method)(c, *args)
            direct = getattr(self.service, method)(c, *args)
            self.assertEqual(rpc_transport.wire(direct), remote, method)

    def test_list_stacks_arguments_reach_the_engine(self):
        self.create('a1')
        self.create('b1')
        names = [s['stack_name'] for s in self.client.list_stacks(
            ctx(), sort_keys=['stack_name'], sort_dir='asc', limit=1)]
        self.assertEqual(['a1'], names)
        self.assertEqual(1, self.client.count_stacks(
            ctx(), filters={'name': 'b1'}))

    def test_preview_and_validate_equal_direct_calls(self):
        c = ctx()
        self.assertEqual(
            rpc_transport.wire(self.service.validate_template(c, SIMPLE)),
            self.client.validate_template(c, SIMPLE))
        invalid = self.client.validate_template(c, INVALID)
        self.assertEqual(self.service.validate_template(c, INVALID),
                         invalid)
        self.assertIn('Error', invalid)
        preview = self.client.preview_stack(c, 'p', SIMPLE, {}, {}, {})
        self.assertEqual('p', preview['stack_name'])

    def test_update_then_output_changes(self):
        identity = self.create()
        self.client.update_stack(ctx(), identity, SIMPLE,
                                 {'parameters': {'label': 'two'}}, {}, {})
        self.assertTrue(self.service.wait(identity, WAIT))
        self.assertEqual('two', self.client.show_output(
            ctx(), identity, 'label')['output_value'])
        preview = self.client.preview_update_stack(
            ctx(), identity, SIMPLE, {'parameters': {'label': 'three'}},
            {}, {})
        self.assertEqual({'unchanged', 'updated', 'replaced', 'added',
                          'deleted'}, set(preview))

    def test_suspend_resume_check(self):
        identity = self.create()
        for method, action in [('stack_suspend', 'SUSPEND'),
                               ('stack_resume', 'RESUME'),
                               ('stack_check', 'CHECK')]:
            self.assertIsNone(getattr(self.client, method)(ctx(), identity))
            self.assertTrue(self.service.wait(identity, WAIT))
            shown = self.client.show_stack(ctx(), identity)[0]
            self.assertEqual((action, 'COMPLETE'),
                             (shown['stack_action'], shown['stack_status']),
                             method)

    def test_delete_by_call(self):
        identity = self.create()
        self.assertIsNone(self.client.delete_stack(ctx(), identity))
        self.assertTrue(self.service.wait(identity, WAIT))
        self.assertRaises(exception.StackNotFound,
                          self.client.identify_stack, ctx(), 's1')

    def test_delete_by_cast_happens(self):
        identity = self.create()
        self.assertIsNone(self.client.delete_stack(ctx(), identity,
                                                   cast=True))
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            row = db_api.stack_get(ctx(), identity['stack_id'], 'p1',
                                   show_deleted=True)
            if row is not None and (row.action, row.status) == (
                    'DELETE', 'COMPLETE'):
                break
            time.sleep(0.02)
        else:
            self.fail('the cast delete did not happen')

    def test_cast_errors_stay_with_the_engine(self):
        gone = {'tenant': 'p1', 'stack_name': 'gone',
                'stack_id': str(uuid.uuid4()), 'path': ''}
        self.assertIsNone(self.client.delete_stack(ctx(), gone, cast=True))
        # the engine still answers
        self.assertTrue(self.client.authenticated_to_backend(ctx()))

    def test_abandon(self):
        identity = self.create()
        data = self.client.abandon_stack(ctx(), identity)
        self.assertEqual('s1', data['name'])
        self.assertEqual({'none', 'val'}, set(data['resources']))

    # -- resources and events ------------------------------------------------

    def test_resource_signal_and_mark_unhealthy(self):
        identity = self.create()
        self.assertIsNone(self.client.resource_mark_unhealthy(
            ctx(), identity, 'none', True, 'sick'))
        rsrc = self.client.describe_stack_resource(ctx(), identity, 'none')
        self.assertEqual(('CHECK', 'FAILED', 'sick'),
                         (rsrc['resource_action'], rsrc['resource_status'],
                          rsrc['resource_status_reason']))
        # OS::Heat::None takes no signal: the engine's own error comes back
        direct = self._error(self.service.resource_signal, ctx(), identity,
                             'none', {}, sync_call=True)
        remote = self._error(self.client.resource_signal, ctx(), identity,
                             'none', {}, sync_call=True)
        self.assertEqual((type(direct), str(direct)),
                         (type(remote), str(remote)))

    def test_find_physical_resource(self):
        identity = self.create()
        rsrc = self.client.describe_stack_resource(ctx(), identity, 'none')
        found = self.client.find_physical_resource(
            ctx(), rsrc['physical_resource_id'])
        self.assertEqual(rsrc['resource_identity'], found)

    def test_list_events_arguments_reach_the_engine(self):
        identity = self.create()
        events = self.client.list_events(ctx(), identity,
                                         filters={'resource_name': 'val'},
                                         limit=1, sort_dir='desc')
        self.assertEqual(1, len(events))
        self.assertEqual('val', events[0]['resource_name'])

    # -- errors ------------------------------------------------------------

    def _error(self, fn, *args, **kwargs):
        try:
            fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            return exc
        self.fail('%s did not raise' % getattr(fn, '__name__', fn))

    def test_engine_errors_keep_their_class_and_message(self):
        identity = self.create()
        gone = dict(identity, stack_id=str(uuid.uuid4()))
        cases = [
            ('identify_stack', ('nope',)),
            ('show_stack', (gone,)),
            ('show_output', (identity, 'nope')),
            ('describe_stack_resource', (identity, 'nope')),
            ('create_stack', ('s1', SIMPLE, {}, {}, {})),
            ('create_stack', ('9bad', SIMPLE, {}, {}, {})),
            ('create_stack', ('s2', INVALID, {}, {}, {})),
            ('stack_cancel_update', (identity,)),
            ('resource_mark_unhealthy', (identity, 'none', 'yes')),
        ]
        for method, args in cases:
            direct = self._error(getattr(self.service, method), ctx(),
                                 *args)
            remote = self._error(getattr(self.client, method), ctx(), *args)
            self.assertIsInstance(direct, exception.HeatException, method)
            self.assertIs(type(direct), type(remote), method)
            self.assertEqual(str(direct), str(remote), method)

    def test_validation_error_keeps_its_path(self):
        direct = self._error(self.service.create_stack, ctx(), 's2',
                             INVALID, {}, {}, {})
        remote = self._error(self.client.create_stack, ctx(), 's2',
                             INVALID, {}, {}, {})
        self.assertIsInstance(remote, exception.StackValidationFailed)
        self.assertEqual(direct.path, remote.path)
        self.assertEqual(direct.error_message, remote.error_message)

    def test_other_errors_are_remote_errors_with_type_and_message(self):
        err = self._error(self.client.call, ctx(), 'identify_stack',
                          stack_name='s1', bogus=1)
        self.assertIsInstance(err, exception.RemoteError)
        self.assertEqual('TypeError', err.exc_type)
        self.assertIn('bogus', str(err))

    def test_unknown_method(self):
        err = self._error(self.client.call, ctx(), 'no_such_rpc')
        self.assertIsInstance(err, exception.RemoteError)
        self.assertEqual('NoSuchMethod', err.exc_type)
        self.assertIn('no_such_rpc', str(err))

    def test_newer_version_than_the_engine_is_refused(self):
        err = self._error(self.client.call, ctx(), 'identify_stack',
                          version='1.%d' % (int(
                              rpc_api.RPC_API_VERSION.split('.')[1]) + 1),
                          stack_name='s1')
        self.assertIsInstance(err, exception.RemoteError)
        self.assertEqual('UnsupportedVersion', err.exc_type)

    def test_lifecycle_methods_are_not_exposed(self):
        for method in ('stop', 'wait', 'start', 'heartbeat',
                       'reset_stale_stacks'):
            err = self._error(self.client.call, ctx(), method)
            self.assertEqual('NoSuchMethod', err.exc_type, method)

    def test_snapshot_rpcs_are_served(self):
        identity = self.create()
        snap = self.client.stack_snapshot(ctx(), identity, 'snap')
        self.assertEqual(('snap', 'COMPLETE'),
                         (snap['name'], snap['status']))
        self.assertEqual([snap],
                         self.client.stack_list_snapshots(ctx(), identity))
        self.assertEqual(snap, self.service.show_snapshot(ctx(), identity,
                                                          snap['id']))
        self.assertEqual(snap, self.client.show_snapshot(ctx(), identity,
                                                         snap['id']))
        self.assertIsNone(self.client.stack_restore(ctx(), identity,
                                                    snap['id']))
        self.assertTrue(self.service.wait(identity, WAIT))
        self.assertIsNone(self.client.delete_snapshot(ctx(), identity,
                                                      snap['id']))
        for method in ('show_snapshot', 'stack_restore', 'delete_snapshot'):
            direct = self._error(getattr(self.service, method), ctx(),
                                 identity, snap['id'])
            remote = self._error(getattr(self.client, method), ctx(),
                                 identity, snap['id'])
            self.assertIsInstance(remote, exception.NotFound, method)
            self.assertEqual(str(direct), str(remote), method)

    def test_software_deployment_rpcs_are_served(self):
        self.assertEqual([], self.client.list_software_configs(ctx()))
        err = self._error(self.client.show_software_deployment, ctx(), 'd1')
        self.assertIsInstance(err, exception.NotFound)
        self.assertEqual('Deployment with id d1 not found', str(err))
        # 'timeout' is an RPC argument here, not the call's
        err = self._error(self.client.check_software_deployment, ctx(),
                          'd1', 30)
        self.assertIsInstance(err, exception.NotFound)

    def test_template_catalogue(self):
        c = ctx()
        versions = self.client.list_template_versions(c)
        by_name = {v['version']: v for v in versions}
        self.assertEqual(
            {'version': 'heat_template_version.2016-10-14', 'type': 'hot',
             'aliases': ['heat_template_version.newton']},
            by_name['heat_template_version.2016-10-14'])
        self.assertEqual('cfn',
                         by_name['AWSTemplateFormatVersion.2010-09-09']
                         ['type'])
        names = [f['functions'] for f in
                 self.client.list_template_functions(
                     c, 'heat_template_version.2015-04-30')]
        self.assertIn('repeat', names)
        self.assertNotIn('str_split', names)
        conds = [f['functions'] for f in
                 self.client.list_template_functions(
                     c, 'heat_template_version.newton', with_condition=True)]
        self.assertIn('equals', conds)
        err = self._error(self.client.list_template_functions, c,
                          'heat_template_version.1999-01-01')
        self.assertIsInstance(err, exception.NotFound)
        self.assertIn('1999-01-01', str(err))

    def test_resource_types_and_schema(self):
        c = ctx()
        types = self.client.list_resource_types(c)
        self.assertIn('OS::Heat::None', types)
        self.assertEqual(['OS::Heat::RandomString'],
                         self.client.list_resource_types(
                             c, type_name='OS::Heat::RandomStr'))
        described = self.client.list_resource_types(
            c, type_name='OS::Heat::None$', with_description=True)
        self.assertEqual(['OS::Heat::None'],
                         [d['resource_type'] for d in described])
        schema = self.client.resource_schema(c, 'OS::Heat::RandomString')
        self.assertEqual('OS::Heat::RandomString', schema['resource_type'])
        self.assertEqual('integer', schema['properties']['length']['type'])
        self.assertIn('value', schema['attributes'])
        self.assertRaises(exception.ResourceTypeNotFound,
                          self.client.resource_schema, c, 'OS::No::Such')

    def test_cloud_types_are_listed_only_with_their_service(self):
        c = ctx()
        # no cloud configured: no type that needs a service is listed
        types = self.client.list_resource_types(c)
        self.assertIn('OS::Heat::AutoScalingGroup', types)
        for cloud_type in ('OS::Nova::Server', 'OS::Neutron::Port',
                           'OS::Aodh::Alarm', 'AWS::EC2::Instance'):
            self.assertNotIn(cloud_type, types)
        self.assertEqual([], self.client.list_resource_types(
            c, type_name='OS::Nova::'))

    def test_revision_and_backend(self):
        from heat import version
        self.assertEqual(version.version_string,
                         self.client.get_revision(ctx()))
        self.assertTrue(self.client.authenticated_to_backend(ctx()))

    # -- the context -------------------------------------------------------

    def test_project_isolation_through_the_context(self):
        identity = self.create('mine', cnxt=ctx('p1'))
        other = ctx('p2')
        self.assertRaises(exception.StackNotFound,
                          self.client.show_stack, other, identity)
        self.assertRaises(exception.StackNotFound,
                          self.client.identify_stack, other, 'mine')
        self.assertEqual([], self.client.list_stacks(other))
        self.assertEqual(1, len(self.client.list_stacks(ctx('p1'))))

    def test_context_reaches_the_engine_intact(self):
        seen = []
        original = self.service.identify_stack

        def spy(cnxt, stack_name):
            seen.append(cnxt)
            return original(cnxt, stack_name)

        self.service.identify_stack = spy
        self.create()
        c = ctx('p1', user_name='alice', roles=['member'],
                auth_token='tok', request_id='req-1')
        self.client.identify_stack(c, 's1')
        got = seen[0]
        self.assertIsInstance(got, context.RequestContext)
        self.assertEqual(c.to_dict(), got.to_dict())

    def test_admin_context_reaches_another_project(self):
        identity = self.create('theirs', cnxt=ctx('p1'))
        admin = ctx('p2', is_admin=True)
        shown = self.client.show_stack(admin, identity)
        self.assertEqual('theirs', shown[0]['stack_name'])


class TestEngineRPC_inproc(_EngineRPCTests, base.TestCase):
    """The fast path; also: a call runs in the caller's thread, a cast
    in another."""

    URL = None

    def _spy_thread(self):
        seen = []
        original = self.service.identify_stack

        def spy(cnxt, stack_name):
            seen.append(threading.current_thread())
            return original(cnxt, stack_name)

        self.service.identify_stack = spy
        return seen

    def test_call_runs_in_the_callers_thread(self):
        self.create()
        seen = self._spy_thread()
        self.client.identify_stack(ctx(), 's1')
        self.assertEqual([threading.current_thread()], seen)

    def test_cast_runs_in_another_thread(self):
        self.create()
        seen = self._spy_thread()
        self.client.cast(ctx(), 'identify_stack', stack_name='s1')
        self.transport.cleanup()  # waits for the casts
        self.assertEqual(1, len(seen))
        self.assertIsNot(threading.current_thread(), seen[0])


class TestEngineRPC_inproc_named(_EngineRPCTests, base.TestCase):
    """An explicit ``inproc://`` namespace behaves like the default."""

    URL = 'inproc://tests'

    def test_other_namespace_does_not_reach_this_engine(self):
        other = rpc_client.EngineClient('inproc://elsewhere',
                                        topic=self.topic)
        err = self._error(other.identify_stack, ctx(), 's1')
        self.assertIsInstance(err, exception.MessagingTimeout)


class TestEngineRPC_rabbit(_EngineRPCTests, base.TestCase):
    URL = RABBIT_URL

    def unavailable_reason(self):
        return rabbit_unavailable_reason(self.URL)


class _RecordingTransport:
    """A transport that serves nothing and records each call as
    ``(method, version, pick(kwargs))`` in :attr:`sent`."""

    def __init__(self, pick):
        self.pick = pick
        self.sent = []

    def make_server(self, *a, **kw):
        raise AssertionError('not a server')

    def call(self, target, ctxt, method, kwargs, version=None,
             timeout=None):
        self.sent.append((method, version, self.pick(kwargs)))
        return {rpc_api.REPLY_RESULT: None}


class TestClientSurface(base.TestCase):
    """The client and the endpoint expose the same, complete method list."""

    UPSTREAM = (
        'identify_stack list_stacks count_stacks show_stack preview_stack '
        'create_stack update_stack preview_update_stack delete_stack '
        'abandon_stack export_stack stack_suspend stack_resume stack_check '
        'stack_cancel_update migrate_convergence_1 get_template '
        'get_environment get_files list_outputs show_output '
        'validate_template list_template_versions list_template_functions '
        'list_resource_types resource_schema generate_template '
        'list_stack_resources describe_stack_resource '
        'describe_stack_resources find_physical_resource resource_signal '
        'resource_mark_unhealthy list_events stack_snapshot show_snapshot '
        'delete_snapshot stack_list_snapshots stack_restore '
        'list_software_configs show_software_config create_software_config '
        'delete_software_config list_software_deployments '
        'metadata_software_deployments show_software_deployment '
        'check_software_deployment create_software_deployment '
        'update_software_deployment delete_software_deployment '
        'signal_software_deployment get_revision authenticated_to_backend '
        'list_services').split()

    def test_every_upstream_method_is_on_client_and_endpoint(self):
        self.assertEqual(set(self.UPSTREAM) | set(rpc_client.AS_METHODS) |
                         set(rpc_client.AS_API_METHODS) |
                         set(rpc_client.AS_HEALTH_METHODS) |
                         set(rpc_client.AS_METRICS_METHODS),
                         set(rpc_client.ENGINE_METHODS))
        for name in rpc_client.ENGINE_METHODS:
            self.assertTrue(callable(getattr(rpc_client.EngineClient, name)),
                            name)
            self.assertTrue(callable(getattr(rpc_server.EngineEndpoint,
                                             name)), name)

    def test_auto_scaling_methods_are_pinned_to_the_new_version(self):
        for name in rpc_client.AS_METHODS:
            self.assertEqual(rpc_client.AS_VERSION,
                             rpc_client.ENGINE_METHODS[name], name)
            self.assertNotIn(name, self.UPSTREAM)
        for name in rpc_client.AS_API_METHODS:
            self.assertEqual(rpc_client.AS_API_VERSION,
                             rpc_client.ENGINE_METHODS[name], name)
            self.assertNotIn(name, self.UPSTREAM)
        for name in rpc_client.AS_HEALTH_METHODS:
            self.assertEqual(rpc_client.AS_HEALTH_VERSION,
                             rpc_client.ENGINE_METHODS[name], name)
            self.assertNotIn(name, self.UPSTREAM)
        for name in rpc_client.AS_METRICS_METHODS:
            self.assertEqual(rpc_client.AS_METRICS_VERSION,
                             rpc_client.ENGINE_METHODS[name], name)
            self.assertNotIn(name, self.UPSTREAM)
        # the newest version: signal_event of execute_scaling_policy;
        # the one before: the engine serves the snapshot RPCs (pinned to
        # upstream's versions, as the software config ones of the
        # version before)
        self.assertEqual(rpc_client.AS_SIGNAL_EVENT_VERSION,
                         rpc_api.RPC_API_VERSION)
        self.assertLess(rpc_client.SNAPSHOT_VERSION,
                        rpc_client.AS_SIGNAL_EVENT_VERSION)
        self.assertLess(rpc_client.SOFTWARE_CONFIG_VERSION,
                        rpc_client.SNAPSHOT_VERSION)

    def test_signal_event_needs_1_44_only_when_given(self):
        transport = _RecordingTransport(
            lambda kwargs: kwargs.get('signal_event', 'absent'))
        sent = transport.sent
        client = rpc_client.EngineClient(transport)
        client.execute_scaling_policy(ctx(), 'p')
        client.execute_scaling_policy(ctx(), 'p', trigger='signal',
                                      signal_event={'stack_id': 's'})
        self.assertEqual([
            ('execute_scaling_policy', '1.37', 'absent'),
            ('execute_scaling_policy', '1.44', {'stack_id': 's'}),
        ], sent)

    def test_member_attributes_need_1_39_only_when_given(self):
        transport = _RecordingTransport(lambda kwargs: kwargs)
        sent = transport.sent
        client = rpc_client.EngineClient(transport)
        client.list_scaling_members(ctx(), 'g')
        client.list_scaling_members(ctx(), 'g', attributes=[])
        client.list_scaling_members(ctx(), 'g', attributes=['a', 'b'])
        client.show_scaling_member(ctx(), 'g', 'm')
        client.show_scaling_member(ctx(), 'g', 'm', attributes='a')
        self.assertEqual([
            ('list_scaling_members', '1.38', {'group': 'g'}),
            ('list_scaling_members', '1.38', {'group': 'g'}),
            ('list_scaling_members', '1.39',
             {'group': 'g', 'attributes': ['a', 'b']}),
            ('show_scaling_member', '1.38', {'group': 'g', 'member': 'm'}),
            ('show_scaling_member', '1.39',
             {'group': 'g', 'member': 'm', 'attributes': ['a']}),
        ], sent)
        self.assertEqual({'list_scaling_members', 'show_scaling_member'},
                         set(rpc_client.AS_MEMBER_ATTRIBUTES_ARGUMENTS))
        for name in rpc_client.AS_MEMBER_ATTRIBUTES_ARGUMENTS:
            self.assertEqual(rpc_client.AS_API_VERSION,
                             rpc_client.ENGINE_METHODS[name], name)

    def test_health_check_needs_1_40_only_when_given(self):
        transport = _RecordingTransport(
            lambda kwargs: kwargs.get('health_check', 'absent'))
        sent = transport.sent
        client = rpc_client.EngineClient(transport)
        client.update_scaling_group(ctx(), 'g', min_size=1)
        client.update_scaling_group(ctx(), 'g', health_check={})
        client.create_scaling_group(ctx(), 'n', 0, 1, {'type': 'T'},
                                    health_check={'interval': 5})
        client.create_scaling_group(ctx(), 'n', 0, 1, {'type': 'T'})
        self.assertEqual([
            ('update_scaling_group', '1.37', 'absent'),
            # {} removes the check: it is sent
            ('update_scaling_group', '1.40', {}),
            ('create_scaling_group', '1.40', {'interval': 5}),
            ('create_scaling_group', '1.37', 'absent'),
        ], sent)
        for name in rpc_client.AS_HEALTH_ARGUMENTS:
            self.assertEqual(rpc_client.AS_VERSION,
                             rpc_client.ENGINE_METHODS[name], name)

    def test_pinned_versions_are_served(self):
        for name, version in rpc_client.ENGINE_METHODS.items():
            self.assertTrue(rpc_transport.version_is_compatible(
                rpc_api.RPC_API_VERSION, version), name)

    def test_transport_is_chosen_by_url(self):
        self.assertIsInstance(rpc_transport.get_transport(None),
                              rpc_transport.InProcTransport)
        self.assertIsInstance(rpc_transport.get_transport('inproc://x'),
                              rpc_transport.InProcTransport)
        self.assertIs(rpc_transport.get_transport('inproc://x'),
                      rpc_transport.get_transport('inproc://x'))

    def test_transport_follows_the_configuration(self):
        from heat.common import config
        conf = config.make_conf()
        # oslo.messaging's own default ('rabbit://') is not a choice:
        # an unset transport_url is the embedded in-process path
        self.assertIsInstance(rpc_transport.get_transport(conf),
                              rpc_transport.InProcTransport)
        conf.set_override('transport_url', 'inproc://conf-test')
        self.assertIs(rpc_transport.get_transport('inproc://conf-test'),
                      rpc_transport.get_transport(conf))
        if rabbit_unavailable_reason() is None:
            conf.set_override('transport_url', RABBIT_URL)
            self.assertIsInstance(rpc_transport.get_transport(conf),
                                  rpc_transport.MessagingTransport)
