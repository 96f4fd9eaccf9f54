"""``/v1/{tenant}/software_configs`` and ``/software_deployments``
through the WSGI app on a real engine service (SQLite): upstream's
bodies and status codes, the metadata order, signals, bad requests."""

import threading
import time
import urllib.parse

import webob
from cheroot import wsgi
from heatclient import client as heat_client
from heatclient import exc as heat_exc

from heat.common import context
from heat.tests.base import free_port
from heat.tests.unit.api import APITestCase

CONFIG = {'name': 'cfg', 'group': 'script', 'config': '#!/bin/sh\necho hi',
          'inputs': [{'name': 'foo'}],
          'outputs': [{'name': 'result'},
                      {'name': 'err', 'error_output': True}],
          'options': {'opt': 1}}


class SoftwareConfigAPITest(APITestCase):

    def make_config(self, **overrides):
        body = dict(CONFIG, **overrides)
        resp = self.request('POST', '/software_configs', body)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json['software_config']

    def make_deployment(self, config_id, server_id='server-1', **extra):
        body = dict({'config_id': config_id, 'server_id': server_id},
                    **extra)
        resp = self.request('POST', '/software_deployments', body)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json['software_deployment']

    # -- configs -------------------------------------------------------------

    def test_create_answers_200_with_the_config_and_defaults(self):
        sc = self.make_config()
        self.assertEqual('cfg', sc['name'])
        self.assertEqual('script', sc['group'])
        self.assertEqual('#!/bin/sh\necho hi', sc['config'])
        self.assertEqual([{'name': 'foo', 'type': 'String',
                           'replace_on_change': False}], sc['inputs'])
        self.assertEqual([{'name': 'result', 'type': 'String',
                           'error_output': False},
                          {'name': 'err', 'type': 'String',
                           'error_output': True}], sc['outputs'])
        self.assertEqual({'opt': 1}, sc['options'])
        self.assertTrue(sc['creation_time'].endswith('Z'))

    def test_show_gives_what_create_gave(self):
        sc = self.make_config()
        resp = self.request('GET', '/software_configs/%s' % sc['id'])
        self.assertEqual(200, resp.status_code)
        self.assertEqual({'software_config': sc}, resp.json)

    def test_list_gives_summaries_oldest_first_with_limit_and_marker(self):
        ids = [self.make_config(name='c%d' % i)['id'] for i in range(3)]
        listed = self.request('GET', '/software_configs').json
        self.assertEqual(ids, [c['id'] for c in listed['software_configs']])
        self.assertEqual({'id', 'name', 'group', 'creation_time'},
                         set(listed['software_configs'][0]))
        page = self.request('GET', '/software_configs?limit=1&marker=%s'
                            % ids[0]).json['software_configs']
        self.assertEqual([ids[1]], [c['id'] for c in page])

    def test_delete_answers_204_then_show_is_404(self):
        sc = self.make_config()
        resp = self.request('DELETE', '/software_configs/%s' % sc['id'])
        self.assertEqual(204, resp.status_code)
        self.assertError(
            self.request('GET', '/software_configs/%s' % sc['id']), 404,
            'NotFound', 'Software config with id %s not found' % sc['id'])

    def test_another_project_does_not_see_the_config(self):
        sc = self.make_config()
        self.assertError(
            self.request('GET', '/software_configs/%s' % sc['id'],
                         project='p2'), 404, 'NotFound')
        self.assertEqual([], self.request(
            'GET', '/software_configs',
            project='p2').json['software_configs'])

    def test_another_project_cannot_reach_a_deployment(self):
        sc = self.make_config()
        sd = self.make_deployment(sc['id'])
        path = '/software_deployments/%s' % sd['id']
        for method, body in (('GET', None), ('PUT', {'status': 'FAILED'}),
                             ('DELETE', None)):
            self.assertError(self.request(method, path, body, project='p2'),
                             404, 'NotFound')
        self.assertError(self.request('DELETE', '/software_configs/%s'
                                      % sc['id'], project='p2'), 404)
        self.assertError(self.request(
            'POST', '/software_deployments',
            {'server_id': 's', 'config_id': sc['id']}, project='p2'), 404)
        self.assertEqual([], self.request(
            'GET', '/software_deployments',
            project='p2').json['software_deployments'])
        self.assertEqual(sd, self.request('GET', path).json[
            'software_deployment'])

    def test_config_used_by_a_deployment_cannot_be_deleted(self):
        sc = self.make_config()
        self.make_deployment(sc['id'])
        self.assertError(
            self.request('DELETE', '/software_configs/%s' % sc['id']), 400,
            'InvalidRestrictedAction',
            'Software config with id %s can not be deleted as it is '
            'referenced.' % sc['id'])

    def test_global_tenant_listing_is_refused_by_default(self):
        self.make_config()
        self.assertError(self.request(
            'GET', '/software_configs?global_tenant=true'), 403)

    def test_bad_config_requests_name_the_field(self):
        cases = [
            ({'inputs': 'foo'}, 'Field "inputs" must be a list'),
            ({'options': []}, 'Field "options" must be an object'),
            ({'colour': 'red'}, 'Unknown field "colour"'),
            ({'inputs': [{'name': 'a', 'type': 'Text'}]},
             'inputs[0].type "Text" is not one of String'),
            ({'outputs': [{'type': 'String'}]},
             'outputs[0].name is required'),
            ({'inputs': [{'name': 'a', 'size': 1}]},
             'inputs[0]: unknown key size'),
        ]
        for extra, message in cases:
            resp = self.request('POST', '/software_configs',
                                dict(CONFIG, **extra))
            self.assertError(resp, 400, message=message)

    def test_an_admin_lists_every_project_with_its_project(self):
        mine = self.make_config()
        theirs = self.request('POST', '/software_configs', CONFIG,
                              project='p2').json['software_config']
        admin = context.RequestContext(project_id='p3', roles=['admin'])
        listed = self.engine_svc.list_software_configs(admin)
        self.assertEqual([(mine['id'], 'p1'), (theirs['id'], 'p2')],
                         [(c['id'], c['project']) for c in listed])

    def test_limit_must_be_an_integer(self):
        self.assertError(self.request('GET', '/software_configs?limit=x'),
                         400, message="'limit'")

    # -- deployments ---------------------------------------------------------

    def test_deployment_round_trip(self):
        sc = self.make_config()
        sd = self.make_deployment(sc['id'], input_values={'foo': 'bar'},
                                  action='CREATE', status='IN_PROGRESS')
        self.assertEqual({'id', 'config_id', 'server_id', 'input_values',
                          'output_values', 'action', 'status',
                          'status_reason', 'creation_time'}, set(sd))
        self.assertEqual(('IN_PROGRESS', 'CREATE', {'foo': 'bar'}),
                         (sd['status'], sd['action'], sd['input_values']))
        path = '/software_deployments/%s' % sd['id']
        self.assertEqual(sd, self.request('GET', path).json[
            'software_deployment'])
        resp = self.request('PUT', path, {
            'status': 'COMPLETE', 'status_reason': 'done',
            'output_values': {'result': 42}})
        self.assertEqual(200, resp.status_code, resp.text)
        updated = resp.json['software_deployment']
        self.assertEqual(('COMPLETE', 'done', {'result': 42}),
                         (updated['status'], updated['status_reason'],
                          updated['output_values']))
        self.assertIn('updated_time', updated)
        self.assertEqual(204, self.request('DELETE', path).status_code)
        self.assertError(self.request('GET', path), 404, 'NotFound',
                         'Deployment with id %s not found' % sd['id'])

    def test_deployments_list_by_server(self):
        sc = self.make_config()
        one = self.make_deployment(sc['id'], 'server-1')
        self.make_deployment(sc['id'], 'server-2')
        listed = self.request('GET', '/software_deployments').json
        self.assertEqual(2, len(listed['software_deployments']))
        only = self.request('GET', '/software_deployments?server_id='
                            'server-1').json['software_deployments']
        self.assertEqual([one['id']], [d['id'] for d in only])

    def test_create_defaults_are_upstreams(self):
        sd = self.make_deployment(self.make_config()['id'])
        self.assertEqual(('INIT', 'COMPLETE', ''),
                         (sd['action'], sd['status'], sd['status_reason']))

    def test_bad_deployment_requests_name_the_field(self):
        sc = self.make_config()
        cases = [
            ({'config_id': sc['id']}, 'Field "server_id" is required'),
            ({'server_id': 's'}, 'Field "config_id" is required'),
            ({'server_id': 's', 'config_id': sc['id'],
              'input_values': [1]}, 'Field "input_values" must be an '
                                    'object'),
            ({'server_id': 's', 'config_id': sc['id'], 'status': 'DONE'},
             'Field "status" must be one of IN_PROGRESS, FAILED, '
             'COMPLETE'),
        ]
        for body, message in cases:
            self.assertError(self.request('POST', '/software_deployments',
                                          body), 400, message=message)
        self.assertError(
            self.request('POST', '/software_deployments',
                         {'server_id': 's', 'config_id': 'nope'}),
            404, 'NotFound', 'Software config with id nope not found')

    def test_update_refuses_unknown_fields(self):
        sd = self.make_deployment(self.make_config()['id'])
        self.assertError(
            self.request('PUT', '/software_deployments/%s' % sd['id'],
                         {'server_id': 'other'}),
            400, message='Unknown field "server_id"')

    def test_metadata_lists_configs_by_name_then_creation(self):
        ids = {}
        for name in ('b', 'a', 'c', 'a'):
            sc = self.make_config(name=name, config='config %s' % name)
            self.make_deployment(sc['id'], 'server-1')
            ids.setdefault(name, []).append(sc['id'])
        other = self.make_config(name='0-first')
        self.make_deployment(other['id'], 'server-2')
        resp = self.request('GET', '/software_deployments/metadata/server-1')
        self.assertEqual(200, resp.status_code, resp.text)
        metadata = resp.json['metadata']
        self.assertEqual(ids['a'] + ids['b'] + ids['c'],
                         [c['id'] for c in metadata])
        self.assertEqual('config a', metadata[0]['config'])

    def test_metadata_of_another_project_is_empty(self):
        self.make_deployment(self.make_config()['id'], 'server-1')
        resp = self.request('GET', '/software_deployments/metadata/server-1',
                            project='p2')
        self.assertEqual({'metadata': []}, resp.json)


class SoftwareConfigOverRPCTest(SoftwareConfigAPITest):
    """The same requests, the app reaching the engine through the RPC
    client (errors and results through the wire form)."""

    def setUp(self):
        super().setUp()
        self.serve_engine_on_rpc()


class SignalSoftwareDeploymentTest(APITestCase):
    """``signal_software_deployment``, upstream's handling of
    ``deploy_status_code`` and ``error_output`` outputs."""

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(project_id=self.PROJECT,
                                          roles=['member'])
        sc = self.engine_svc.create_software_config(
            self.ctx, 'script', 'cfg', 'echo', outputs=CONFIG['outputs'])
        self.sd = self.engine_svc.create_software_deployment(
            self.ctx, 'server-1', config_id=sc['id'], action='CREATE',
            status='IN_PROGRESS')

    def signal(self, details):
        return self.engine_svc.signal_software_deployment(
            self.ctx, self.sd['id'], details)

    def shown(self):
        return self.engine_svc.show_software_deployment(self.ctx,
                                                        self.sd['id'])

    def test_outputs_complete_the_deployment(self):
        reason = self.signal({'result': 'ok', 'deploy_stdout': 'out',
                              'deploy_status_code': 0})
        self.assertEqual('deployment %s succeeded' % self.sd['id'], reason)
        sd = self.shown()
        self.assertEqual(('COMPLETE', 'Outputs received'),
                         (sd['status'], sd['status_reason']))
        self.assertEqual({'result': 'ok', 'deploy_stdout': 'out',
                          'deploy_stderr': None, 'deploy_status_code': 0},
                         sd['output_values'])

    def test_non_zero_status_code_fails_the_deployment(self):
        reason = self.signal({'deploy_status_code': 3,
                              'deploy_stderr': 'boom'})
        self.assertEqual('deployment %s failed (3)' % self.sd['id'], reason)
        sd = self.shown()
        self.assertEqual('FAILED', sd['status'])
        self.assertEqual('deploy_status_code : Deployment exited with '
                         'non-zero status code: 3', sd['status_reason'])

    def test_an_error_output_fails_the_deployment(self):
        self.signal({'err': 'disk full'})
        sd = self.shown()
        self.assertEqual(('FAILED', 'err : disk full'),
                         (sd['status'], sd['status_reason']))
        self.assertEqual('disk full', sd['output_values']['err'])

    def test_a_deployment_not_in_progress_ignores_signals(self):
        self.signal({'deploy_status_code': 0})
        self.assertIsNone(self.signal({'deploy_status_code': 1}))
        self.assertEqual('COMPLETE', self.shown()['status'])

    def test_check_returns_once_no_longer_in_progress(self):
        self.signal({})
        self.assertEqual('COMPLETE', self.engine_svc.check_software_deployment(
            self.ctx, self.sd['id'], 5)['status'])


DEPLOY_STACK = '''heat_template_version: 2016-10-14
parameters:
  transport: {type: string, default: HEAT_SIGNAL}
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      config: echo
      outputs: [{name: result}]
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: server-1
      signal_transport: {get_param: transport}
outputs:
  result:
    value: {get_attr: [deployment, result]}
'''


class DeploymentSignalAPITest(APITestCase):
    """A stack's deployment waits until the server signals through the
    REST API: the resource signal (HEAT_SIGNAL) or the pre-signed URL
    (CFN_SIGNAL)."""

    def waiting_deployment(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = self.request('GET', '/software_deployments').json[
                'software_deployments']
            if rows and rows[0]['status'] == 'IN_PROGRESS':
                return rows[0]
            time.sleep(0.05)
        self.fail('no deployment went IN_PROGRESS')

    def stack_status(self, stack_id):
        return self.request('GET', '/stacks/s1/%s' % stack_id).json['stack']

    def test_heat_signal_through_the_resource_signal_api(self):
        stack_id = self.create(template=DEPLOY_STACK, wait=False)
        sd = self.waiting_deployment()
        self.assertEqual('IN_PROGRESS',
                         self.stack_status(stack_id)['stack_status'].split(
                             '_', 1)[1])
        resp = self.request(
            'POST', '/stacks/s1/%s/resources/deployment/signal' % stack_id,
            {'result': 'done', 'deploy_status_code': 0})
        self.assertEqual(200, resp.status_code, resp.text)
        self.wait(stack_id)
        stack = self.stack_status(stack_id)
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'])
        self.assertEqual([{'output_key': 'result', 'output_value': 'done',
                           'description': 'No description given'}],
                         stack['outputs'])
        shown = self.request('GET', '/software_deployments/%s'
                             % sd['id']).json['software_deployment']
        self.assertEqual('COMPLETE', shown['status'])

    def test_heat_signal_failure_fails_the_stack(self):
        stack_id = self.create(template=DEPLOY_STACK, wait=False)
        self.waiting_deployment()
        self.request(
            'POST', '/stacks/s1/%s/resources/deployment/signal' % stack_id,
            {'deploy_status_code': 1, 'deploy_stderr': 'bad'})
        self.wait(stack_id)
        stack = self.stack_status(stack_id)
        self.assertEqual('CREATE_FAILED', stack['stack_status'])
        self.assertIn('Deployment exited with non-zero status code: 1',
                      stack['stack_status_reason'])

    def test_cfn_signal_through_the_presigned_url(self):
        stack_id = self.create(template=DEPLOY_STACK, wait=False,
                               parameters={'transport': 'CFN_SIGNAL'})
        sd = self.waiting_deployment()
        config = self.request('GET', '/software_configs/%s'
                              % sd['config_id']).json['software_config']
        url = {i['name']: i['value'] for i in config['inputs']}[
            'deploy_signal_id']
        parts = urllib.parse.urlsplit(url)
        req = webob.Request.blank(parts.path + '?' + parts.query,
                                  method='POST')
        req.body = b'{"result": "signed"}'
        req.content_type = 'application/json'
        resp = req.get_response(self.app)
        self.assertEqual(200, resp.status_code, resp.text)
        self.wait(stack_id)
        stack = self.stack_status(stack_id)
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'])
        self.assertEqual('signed', stack['outputs'][0]['output_value'])


class HeatclientSoftwareConfigTest(APITestCase):
    """python-heatclient's software_configs and software_deployments
    managers against the API over HTTP."""

    def setUp(self):
        super().setUp()
        port = free_port()
        server = wsgi.Server(('127.0.0.1', port), self.app, numthreads=2)
        server.prepare()
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(server.stop)
        self.hc = heat_client.Client(
            '1', endpoint='http://127.0.0.1:%d/v1/p1' % port,
            token='fake-token')

    def test_config_and_deployment_round_trip(self):
        sc = self.hc.software_configs.create(**CONFIG)
        self.assertEqual('cfg', sc.name)
        self.assertEqual(sc.id, self.hc.software_configs.get(sc.id).id)
        self.assertEqual([sc.id], [c.id for c in
                                   self.hc.software_configs.list()])
        sd = self.hc.software_deployments.create(
            config_id=sc.id, server_id='server-1', action='CREATE',
            status='IN_PROGRESS', input_values={'foo': 'x'})
        self.assertEqual('IN_PROGRESS', sd.status)
        metadata = self.hc.software_deployments.metadata(
            server_id='server-1')
        self.assertEqual([sc.id], [c['id'] for c in metadata])
        self.hc.software_deployments.update(
            deployment_id=sd.id, status='COMPLETE',
            output_values={'result': 1})
        shown = self.hc.software_deployments.get(deployment_id=sd.id)
        self.assertEqual(('COMPLETE', {'result': 1}),
                         (shown.status, shown.output_values))
        self.assertEqual([sd.id], [d.id for d in
                                   self.hc.software_deployments.list(
                                       server_id='server-1')])
        self.hc.software_deployments.delete(deployment_id=sd.id)
        self.hc.software_configs.delete(config_id=sc.id)
        self.assertRaises(heat_exc.HTTPNotFound,
                          self.hc.software_configs.get, sc.id)
