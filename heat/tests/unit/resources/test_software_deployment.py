"""OS::Heat::SoftwareDeployment, StructuredDeployment and their groups,
on servers given as plain ids (no Nova): the derived config, NO_SIGNAL,
HEAT_SIGNAL completing and failing through signals, the stack timeout,
groups over three servers, validation refusals."""

import time

from heat.common import exception
from heat.engine import software_config_service as sc_service
from heat.tests.unit.resources.test_none import StackTestCase

DEPLOY = '''
heat_template_version: 2016-10-14
parameters:
  transport:
    type: string
    default: HEAT_SIGNAL
  foo:
    type: string
    default: one
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config: "#!/bin/sh\\necho $foo"
      inputs:
        - name: foo
        - name: bar
          default: dflt
      outputs:
        - name: result
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: server-1
      signal_transport: {get_param: transport}
      input_values:
        foo: {get_param: foo}
        extra: 7
outputs:
  result:
    value: {get_attr: [deployment, result]}
  stdout:
    value: {get_attr: [deployment, deploy_stdout]}
  code:
    value: {get_attr: [deployment, deploy_status_code]}
'''

GROUP = '''
heat_template_version: 2016-10-14
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      config: echo
      outputs: [{name: result}]
  deployments:
    type: OS::Heat::SoftwareDeploymentGroup
    properties:
      config: {get_resource: config}
      signal_transport: %s
      servers:
        web0: server-a
        web1: server-b
        web2: server-c
outputs:
  stdouts:
    value: {get_attr: [deployments, deploy_stdouts]}
  results:
    value: {get_attr: [deployments, result]}
'''

STRUCTURED = '''
heat_template_version: 2016-10-14
resources:
  config:
    type: OS::Heat::StructuredConfig
    properties:
      group: apply-config
      config:
        port: {get_input: port}
        items: [{get_input: name}, fixed]
      inputs: [{name: port}]
  deployment:
    type: OS::Heat::StructuredDeployment
    properties:
      config: {get_resource: config}
      server: server-9
      signal_transport: NO_SIGNAL
      input_values: {port: 8080, name: web}
'''

WAIT = 30


class TestSoftwareDeployment(StackTestCase):

    def deployment_row(self, stack, name='deployment'):
        rsrc = stack.resources[name]
        return sc_service.API.show_software_deployment(self.ctx,
                                                       rsrc.resource_id)

    def wait_in_progress(self, stack, name='deployment'):
        """The deployment id once the resource waits for its signal."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            rows = sc_service.API.list_software_deployments(self.ctx)
            waiting = [r for r in rows if r['status'] == 'IN_PROGRESS']
            if waiting:
                return waiting[0]['id']
            time.sleep(0.05)
        self.fail('no deployment went IN_PROGRESS')

    def start_create(self, text, **params):
        stack = self.parse(text, params)
        stack.validate()
        join = self.in_thread(stack.create)
        return stack, join

    def test_no_signal_completes_at_once(self):
        stack = self.create(DEPLOY, params={'transport': 'NO_SIGNAL'})
        self.assertState(('CREATE', 'COMPLETE'), stack)
        sd = self.deployment_row(stack)
        self.assertEqual(('CREATE', 'COMPLETE',
                          'Not waiting for outputs signal'),
                         (sd['action'], sd['status'], sd['status_reason']))
        self.assertEqual('server-1', sd['server_id'])
        self.assertIsNone(stack.outputs()['result'])

    def test_derived_config_holds_the_input_values(self):
        stack = self.create(DEPLOY, params={'transport': 'NO_SIGNAL'})
        sd = self.deployment_row(stack)
        source_id = stack.resources['config'].resource_id
        self.assertNotEqual(source_id, sd['config_id'])
        derived = sc_service.API.show_software_config(self.ctx,
                                                      sd['config_id'])
        values = {i['name']: i['value'] for i in derived['inputs']}
        self.assertEqual('one', values['foo'])
        self.assertEqual('dflt', values['bar'])
        self.assertEqual(7, values['extra'])
        self.assertEqual('server-1', values['deploy_server_id'])
        self.assertEqual('CREATE', values['deploy_action'])
        self.assertEqual('deployment', values['deploy_resource_name'])
        self.assertEqual('NO_SIGNAL', values['deploy_signal_transport'])
        self.assertEqual(stack.identifier().stack_path(),
                         values['deploy_stack_id'])
        self.assertEqual(('script', '#!/bin/sh\necho $foo'),
                         (derived['group'], derived['config']))
        metadata = sc_service.API.metadata_software_deployments(
            self.ctx, 'server-1')
        self.assertEqual([sd['config_id']], [c['id'] for c in metadata])

    def test_heat_signal_waits_then_completes(self):
        stack, join = self.start_create(DEPLOY)
        deployment_id = self.wait_in_progress(stack)
        self.assertEqual(('CREATE', 'IN_PROGRESS'), tuple(stack.state))
        sc_service.API.signal_software_deployment(
            self.ctx, deployment_id, {'result': 'ok', 'deploy_stdout': 'hi',
                                      'deploy_status_code': 0})
        join()
        self.assertState(('CREATE', 'COMPLETE'), stack)
        outputs = self.load(stack).outputs()
        self.assertEqual(('ok', 'hi', 0), (outputs['result'],
                                           outputs['stdout'],
                                           outputs['code']))

    def test_signal_through_the_resource_completes(self):
        stack, join = self.start_create(DEPLOY)
        self.wait_in_progress(stack)
        loaded = self.load(stack)
        loaded.resources['deployment'].signal({'result': 'via resource'})
        join()
        self.assertState(('CREATE', 'COMPLETE'), stack)
        self.assertEqual('via resource', self.load(stack).outputs()['result'])

    def test_non_zero_status_code_fails_the_resource(self):
        stack, join = self.start_create(DEPLOY)
        deployment_id = self.wait_in_progress(stack)
        sc_service.API.signal_software_deployment(
            self.ctx, deployment_id, {'deploy_status_code': 2,
                                      'deploy_stderr': 'oops'})
        join()
        self.assertEqual(('CREATE', 'FAILED'), tuple(stack.state))
        self.assertIn('Deployment to server failed: deploy_status_code : '
                      'Deployment exited with non-zero status code: 2',
                      stack.status_reason)

    def test_update_software_deployment_rpc_completes_the_wait(self):
        stack, join = self.start_create(DEPLOY)
        deployment_id = self.wait_in_progress(stack)
        sc_service.API.update_software_deployment(
            self.ctx, deployment_id, output_values={'result': 'put'},
            status='COMPLETE', status_reason='done')
        join()
        self.assertState(('CREATE', 'COMPLETE'), stack)

    def test_the_stack_timeout_applies(self):
        stack = self.parse(DEPLOY, timeout_mins=0.02)
        stack.validate()
        stack.create()
        self.assertEqual(('CREATE', 'FAILED'), tuple(stack.state))
        self.assertIn('timed out', stack.status_reason.lower())

    def test_update_of_input_values_deploys_again(self):
        stack = self.create(DEPLOY, params={'transport': 'NO_SIGNAL'})
        first = self.deployment_row(stack)
        self.update(stack, DEPLOY, params={'transport': 'NO_SIGNAL',
                                           'foo': 'two'})
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        second = self.deployment_row(self.load(stack))
        self.assertEqual(first['id'], second['id'])
        self.assertEqual('UPDATE', second['action'])
        self.assertEqual({'foo': 'two', 'extra': 7}, second['input_values'])
        # the previous derived config is gone
        self.assertRaises(exception.NotFound,
                          sc_service.API.show_software_config, self.ctx,
                          first['config_id'])

    def test_delete_removes_the_deployment_and_configs(self):
        stack = self.create(DEPLOY, params={'transport': 'NO_SIGNAL'})
        stack.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), tuple(stack.state))
        self.assertEqual([], sc_service.API.list_software_deployments(
            self.ctx))
        self.assertEqual([], sc_service.API.list_software_configs(self.ctx))

    def test_cfn_signal_hands_out_a_presigned_url(self):
        stack, join = self.start_create(DEPLOY, transport='CFN_SIGNAL')
        deployment_id = self.wait_in_progress(stack)
        sd = sc_service.API.show_software_deployment(self.ctx,
                                                     deployment_id)
        derived = sc_service.API.show_software_config(self.ctx,
                                                      sd['config_id'])
        values = {i['name']: i['value'] for i in derived['inputs']}
        self.assertIn('/v1/signal/arn%3Aopenstack%3Aheat',
                      values['deploy_signal_id'])
        self.assertIn('Signature=', values['deploy_signal_id'])
        self.assertEqual('POST', values['deploy_signal_verb'])
        sc_service.API.signal_software_deployment(self.ctx, deployment_id,
                                                  {})
        join()
        self.assertState(('CREATE', 'COMPLETE'), stack)

    def test_default_transport_is_cfn_signal(self):
        stack = self.parse(DEPLOY.replace(
            '      signal_transport: {get_param: transport}\n', ''))
        self.assertEqual('CFN_SIGNAL', stack.resources['deployment']
                         .properties['signal_transport'])

    def test_transports_needing_another_service_are_refused(self):
        for transport, service in (('TEMP_URL_SIGNAL', 'swift'),
                                   ('ZAQAR_SIGNAL', 'zaqar')):
            stack = self.parse(DEPLOY, {'transport': transport})
            exc = self.assertRaises(exception.StackValidationFailed,
                                    stack.validate)
            self.assertIn('resources.deployment.properties.'
                          'signal_transport', str(exc))
            self.assertIn('needs the %s' % service, str(exc))

    def test_server_is_required_and_actions_are_checked(self):
        stack = self.parse(DEPLOY.replace('server: server-1',
                                          'actions: [CREATE, REBOOT]'))
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('server', str(exc))

    def test_unknown_attribute_is_refused(self):
        stack = self.create(DEPLOY, params={'transport': 'NO_SIGNAL'})
        self.assertRaises(exception.InvalidTemplateAttribute,
                          stack.resources['deployment'].FnGetAtt, 'nope')

    def test_structured_deployment_substitutes_inputs(self):
        stack = self.create(STRUCTURED)
        self.assertState(('CREATE', 'COMPLETE'), stack)
        sd = self.deployment_row(stack)
        derived = sc_service.API.show_software_config(self.ctx,
                                                      sd['config_id'])
        self.assertEqual({'port': 8080, 'items': ['web', 'fixed']},
                         derived['config'])

    def test_structured_strict_refuses_a_missing_input(self):
        text = STRUCTURED.replace('      input_values: {port: 8080, name: '
                                  'web}',
                                  '      input_values: {port: 8080}\n'
                                  '      input_values_validate: STRICT')
        stack = self.create(text)
        self.assertEqual(('CREATE', 'FAILED'), tuple(stack.state))
        self.assertIn('name', stack.status_reason)


SERVER_METADATA = '''
heat_template_version: 2016-10-14
parameters:
  foo: {type: string, default: one}
resources:
  server:
    type: OS::Heat::None
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      config: echo
      inputs: [{name: foo, replace_on_change: true}]
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_resource: server}
      signal_transport: NO_SIGNAL
      input_values: {foo: {get_param: foo}}
'''


class TestServerResource(StackTestCase):

    def test_server_resource_metadata_lists_its_deployments(self):
        stack = self.create(SERVER_METADATA)
        self.assertState(('CREATE', 'COMPLETE'), stack)
        loaded = self.load(stack)
        sd = sc_service.API.show_software_deployment(
            self.ctx, loaded.resources['deployment'].resource_id)
        metadata = loaded.resources['server'].metadata_get(refresh=True)
        self.assertEqual([sd['config_id']],
                         [c['id'] for c in metadata['deployments']])

    def test_replace_on_change_input_replaces_the_deployment(self):
        stack = self.create(SERVER_METADATA)
        before = stack.resources['deployment'].resource_id
        self.update(stack, SERVER_METADATA, params={'foo': 'two'})
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        after = self.load(stack).resources['deployment'].resource_id
        self.assertNotEqual(before, after)
        self.assertEqual([after], [d['id'] for d in
                                   sc_service.API.list_software_deployments(
                                       self.ctx)])


class TestSoftwareDeploymentGroup(StackTestCase):

    def test_group_over_three_servers_with_no_signal(self):
        stack = self.create(GROUP % 'NO_SIGNAL')
        self.assertState(('CREATE', 'COMPLETE'), stack)
        rows = sc_service.API.list_software_deployments(self.ctx)
        self.assertEqual(['server-a', 'server-b', 'server-c'],
                         sorted(r['server_id'] for r in rows))
        self.assertEqual({'web0': None, 'web1': None, 'web2': None},
                         stack.outputs()['stdouts'])

    def test_group_waits_for_each_server(self):
        stack = self.parse(GROUP % 'HEAT_SIGNAL')
        stack.validate()
        join = self.in_thread(stack.create)
        deadline = time.monotonic() + WAIT
        rows = []
        while len(rows) < 3 and time.monotonic() < deadline:
            rows = [r for r in sc_service.API.list_software_deployments(
                self.ctx) if r['status'] == 'IN_PROGRESS']
            time.sleep(0.05)
        self.assertEqual(3, len(rows))
        for row in rows:
            sc_service.API.signal_software_deployment(
                self.ctx, row['id'], {'deploy_stdout': row['server_id'],
                                      'result': 'r-' + row['server_id']})
        join()
        self.assertState(('CREATE', 'COMPLETE'), stack)
        outputs = self.load(stack).outputs()
        self.assertEqual({'web0': 'server-a', 'web1': 'server-b',
                          'web2': 'server-c'}, outputs['stdouts'])
        self.assertEqual({'web0': 'r-server-a', 'web1': 'r-server-b',
                          'web2': 'r-server-c'}, outputs['results'])

    def test_group_update_follows_the_servers_map(self):
        stack = self.create(GROUP % 'NO_SIGNAL')
        fewer = (GROUP % 'NO_SIGNAL').replace(
            '        web2: server-c\n', '        web3: server-d\n')
        self.update(stack, fewer)
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        rows = sc_service.API.list_software_deployments(self.ctx)
        self.assertEqual(['server-a', 'server-b', 'server-d'],
                         sorted(r['server_id'] for r in rows))
        self.assertEqual({'web0', 'web1', 'web3'},
                         set(self.load(stack).outputs()['stdouts']))

    def test_group_refuses_a_transport_needing_swift(self):
        stack = self.parse(GROUP % 'TEMP_URL_SIGNAL')
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('resources.deployments.properties.signal_transport',
                      str(exc))


def group_with_policy(policy, servers=None, transport='NO_SIGNAL',
                      type_name='OS::Heat::SoftwareDeploymentGroup',
                      foo='one'):
    servers = servers or {'web0': 'server-a', 'web1': 'server-b',
                          'web2': 'server-c'}
    lines = ''.join('        %s: %s\n' % kv for kv in servers.items())
    return '''
heat_template_version: 2016-10-14
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      config: echo
      inputs: [{name: foo}]
  deployments:
    type: %s
    properties:
      config: {get_resource: config}
      signal_transport: %s
      input_values: {foo: %s}
      servers:
%s    update_policy:
%s
''' % (type_name, transport, foo, lines, policy)


class TestDeploymentGroupPolicies(StackTestCase):
    """update_policy rolling_update and batch_create, as upstream's
    SoftwareDeploymentGroup has them."""

    def nested_updates(self, stack):
        """Count the nested stack updates (one per batch)."""
        rsrc = stack.resources['deployments']
        calls = []
        original = rsrc.update_with_template

        def counting(tmpl, *args, **kwargs):
            calls.append(sorted(tmpl['resources']))
            return original(tmpl, *args, **kwargs)
        rsrc.update_with_template = counting
        return calls

    def test_batch_create_adds_max_batch_size_deployments_at_a_time(self):
        stack = self.parse(group_with_policy(
            '      batch_create: {max_batch_size: 2}'))
        stack.validate()
        calls = self.nested_updates(stack)
        stack.create()
        self.assertState(('CREATE', 'COMPLETE'), stack)
        self.assertEqual([['web0', 'web1'], ['web0', 'web1', 'web2']],
                         calls)
        rows = sc_service.API.list_software_deployments(self.ctx)
        self.assertEqual(['server-a', 'server-b', 'server-c'],
                         sorted(r['server_id'] for r in rows))

    def test_batch_create_pauses_between_batches(self):
        stack = self.parse(group_with_policy(
            '      batch_create: {max_batch_size: 1, pause_time: 0.3}'))
        stack.validate()
        started = time.monotonic()
        stack.create()
        self.assertState(('CREATE', 'COMPLETE'), stack)
        self.assertGreaterEqual(time.monotonic() - started, 0.6)

    def test_rolling_update_changes_max_batch_size_at_a_time(self):
        policy = '      rolling_update: {max_batch_size: 2}'
        stack = self.create(group_with_policy(policy))
        before = {r['server_id']: r['config_id'] for r in
                  sc_service.API.list_software_deployments(self.ctx)}
        new = self.parse(group_with_policy(policy, foo='two'),
                         name=stack.name)
        new.validate()
        calls = self.nested_updates(stack)
        stack.update(new)
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        self.assertEqual(2, len(calls))
        rows = sc_service.API.list_software_deployments(self.ctx)
        self.assertEqual(3, len(rows))
        for row in rows:
            self.assertEqual('UPDATE', row['action'])
            self.assertNotEqual(before[row['server_id']], row['config_id'])
            derived = sc_service.API.show_software_config(
                self.ctx, row['config_id'])
            values = {i['name']: i.get('value') for i in derived['inputs']}
            self.assertEqual('two', values['foo'])

    def test_rolling_update_follows_the_servers_map(self):
        policy = '      rolling_update: {max_batch_size: 1}'
        stack = self.create(group_with_policy(policy))
        servers = {'web0': 'server-a', 'web1': 'server-b',
                   'web3': 'server-d', 'web4': 'server-e'}
        self.update(stack, group_with_policy(policy, servers))
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        rows = sc_service.API.list_software_deployments(self.ctx)
        self.assertEqual(['server-a', 'server-b', 'server-d', 'server-e'],
                         sorted(r['server_id'] for r in rows))

    def test_update_policy_values_are_checked_naming_the_path(self):
        stack = self.parse(group_with_policy(
            '      rolling_update: {max_batch_size: 0}'))
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('resources.deployments.update_policy.rolling_update'
                      '.max_batch_size', str(exc))
        stack = self.parse(group_with_policy(
            '      batch_create: {pause_time: -1}'))
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('batch_create', str(exc))
        self.assertIn('pause_time', str(exc))

    def test_rolling_update_has_no_min_in_service(self):
        # upstream's SoftwareDeploymentGroup: max_batch_size, pause_time
        stack = self.parse(group_with_policy(
            '      rolling_update: {min_in_service: 1}'))
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('min_in_service', str(exc))

    def test_pause_time_over_an_hour_is_refused(self):
        stack = self.parse(group_with_policy(
            '      rolling_update: {pause_time: 3601}'))
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('Maximum pause_time allowed is 1hr(3600s)', str(exc))


class TestHiddenDeploymentsTypes(StackTestCase):
    """OS::Heat::SoftwareDeployments and StructuredDeployments: upstream's
    hidden, deprecated names of the group types; templates work."""

    def test_software_deployments_creates_updates_deletes(self):
        text = (GROUP % 'NO_SIGNAL').replace(
            'OS::Heat::SoftwareDeploymentGroup',
            'OS::Heat::SoftwareDeployments')
        stack = self.create(text)
        self.assertState(('CREATE', 'COMPLETE'), stack)
        self.assertEqual({'web0': None, 'web1': None, 'web2': None},
                         stack.outputs()['stdouts'])
        fewer = text.replace('        web2: server-c\n', '')
        self.update(stack, fewer)
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        rows = sc_service.API.list_software_deployments(self.ctx)
        self.assertEqual(['server-a', 'server-b'],
                         sorted(r['server_id'] for r in rows))
        stack.delete()
        self.assertState(('DELETE', 'COMPLETE'), stack)
        self.assertEqual([], sc_service.API.list_software_deployments(
            self.ctx))

    def test_structured_deployments_substitutes_inputs(self):
        text = '''
heat_template_version: 2016-10-14
resources:
  config:
    type: OS::Heat::StructuredConfig
    properties:
      config: {port: {get_input: port}}
      inputs: [{name: port}]
  deployments:
    type: OS::Heat::StructuredDeployments
    properties:
      config: {get_resource: config}
      signal_transport: NO_SIGNAL
      input_values: {port: 8080}
      servers: {a: server-a}
'''
        stack = self.create(text)
        self.assertState(('CREATE', 'COMPLETE'), stack)
        row = sc_service.API.list_software_deployments(self.ctx)[0]
        derived = sc_service.API.show_software_config(self.ctx,
                                                      row['config_id'])
        self.assertEqual({'port': 8080}, derived['config'])

    def test_replace_deprecated_type_by_the_group_type(self):
        # upstream's test_replace_deprecated: an update to the new name
        old = (GROUP % 'NO_SIGNAL').replace(
            'OS::Heat::SoftwareDeploymentGroup',
            'OS::Heat::SoftwareDeployments')
        stack = self.create(old)
        rows = sc_service.API.list_software_deployments(self.ctx)
        nested_id = stack.resources['deployments'].resource_id
        self.update(stack, GROUP % 'NO_SIGNAL')
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        rsrc = self.load(stack).resources['deployments']
        self.assertEqual('OS::Heat::SoftwareDeploymentGroup', rsrc.type())
        # updated in place (upstream's substitute_class): same nested
        # stack, same deployments
        self.assertEqual(nested_id, rsrc.resource_id)
        self.assertEqual(sorted(r['id'] for r in rows), sorted(
            r['id'] for r in sc_service.API.list_software_deployments(
                self.ctx)))
