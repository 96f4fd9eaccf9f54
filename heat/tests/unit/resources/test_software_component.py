"""OS::Heat::SoftwareComponent: stored as a software config of group
``component``; a deployment to it runs for the actions its configs name;
one config per action; upstream's schema."""

from heat.common import exception
from heat.engine import resources
from heat.engine import software_config_service as sc_service
from heat.tests.unit.resources.test_none import StackTestCase

COMPONENT = '''
heat_template_version: 2016-10-14
parameters:
  create_script:
    type: string
    default: "#!/bin/sh\\necho create"
resources:
  component:
    type: OS::Heat::SoftwareComponent
    properties:
      configs:
        - actions: [CREATE]
          config: {get_param: create_script}
          tool: script
        - actions: [DELETE]
          config: "#!/bin/sh\\necho delete"
          tool: script
        - config: "#!/bin/sh\\necho default"
          tool: ansible
          actions: [SUSPEND]
      inputs: [{name: foo}]
      outputs: [{name: result}]
      options: {verbose: true}
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: component}
      server: server-1
      signal_transport: NO_SIGNAL
      actions: [UPDATE]
      input_values: {foo: bar}
outputs:
  configs:
    value: {get_attr: [component, configs]}
'''


def deployments(ctx):
    return sc_service.API.list_software_deployments(ctx)


class TestSoftwareComponent(StackTestCase):

    def test_stored_as_a_config_of_group_component(self):
        stack = self.create(COMPONENT)
        self.assertState(('CREATE', 'COMPLETE'), stack)
        rsrc = stack.resources['component']
        stored = sc_service.API.show_software_config(self.ctx,
                                                     rsrc.resource_id)
        self.assertEqual('component', stored['group'])
        configs = stored['config']['configs']
        self.assertEqual([['CREATE'], ['DELETE'], ['SUSPEND']],
                         [c['actions'] for c in configs])
        self.assertEqual(['script', 'script', 'ansible'],
                         [c['tool'] for c in configs])
        self.assertEqual({'verbose': True}, stored['options'])
        self.assertEqual(['foo'], [i['name'] for i in stored['inputs']])
        self.assertEqual(configs, stack.outputs()['configs'])

    def test_actions_default_to_create_and_update(self):
        text = COMPONENT.replace('        - actions: [CREATE]\n',
                                 '        -\n')
        stack = self.create(text)
        stored = sc_service.API.show_software_config(
            self.ctx, stack.resources['component'].resource_id)
        self.assertEqual(['CREATE', 'UPDATE'],
                         stored['config']['configs'][0]['actions'])

    def test_deployment_runs_for_the_components_actions(self):
        # the deployment's own actions ([UPDATE]) do not apply: the
        # component has a CREATE config, so the create deploys
        stack = self.create(COMPONENT)
        rows = deployments(self.ctx)
        self.assertEqual(1, len(rows))
        self.assertEqual(('CREATE', 'COMPLETE'),
                         (rows[0]['action'], rows[0]['status']))
        derived = sc_service.API.show_software_config(
            self.ctx, rows[0]['config_id'])
        self.assertEqual('component', derived['group'])
        self.assertEqual(3, len(derived['config']['configs']))
        inputs = {i['name']: i.get('value') for i in derived['inputs']}
        self.assertEqual('CREATE', inputs['deploy_action'])
        self.assertEqual('bar', inputs['foo'])
        # SUSPEND has a config: the suspend deploys again
        stack.suspend()
        self.assertState(('SUSPEND', 'COMPLETE'), stack)
        self.assertEqual('SUSPEND', deployments(self.ctx)[0]['action'])
        stack.resume()
        # no RESUME config: the deployment is left as it was
        self.assertEqual('SUSPEND', deployments(self.ctx)[0]['action'])

    def test_update_without_an_update_config_does_not_deploy(self):
        stack = self.create(COMPONENT)
        changed = COMPONENT.replace('{foo: bar}', '{foo: baz}')
        self.update(stack, changed)
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        row = deployments(self.ctx)[0]
        self.assertEqual('CREATE', row['action'])

    def test_update_replaces_the_component_config(self):
        stack = self.create(COMPONENT)
        old_id = stack.resources['component'].resource_id
        self.update(stack, COMPONENT, params={
            'create_script': '#!/bin/sh\necho other'})
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        new_id = self.load(stack).resources['component'].resource_id
        self.assertNotEqual(old_id, new_id)
        self.assertRaises(exception.NotFound,
                          sc_service.API.show_software_config, self.ctx,
                          old_id)

    def test_delete_removes_the_config_and_the_deployment(self):
        stack = self.create(COMPONENT)
        config_id = stack.resources['component'].resource_id
        stack.delete()
        self.assertState(('DELETE', 'COMPLETE'), stack)
        self.assertEqual([], deployments(self.ctx))
        self.assertRaises(exception.NotFound,
                          sc_service.API.show_software_config, self.ctx,
                          config_id)

    def test_one_action_in_two_configs_is_refused_naming_the_path(self):
        text = COMPONENT.replace('actions: [SUSPEND]', 'actions: [CREATE]')
        stack = self.parse(text)
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('Defining more than one configuration for the same '
                      'action in SoftwareComponent "component" is not '
                      'allowed.', str(exc))
        self.assertIn('resources.component.properties.configs[2].actions',
                      str(exc))

    def test_tool_is_required(self):
        text = COMPONENT.replace('          tool: ansible\n', '')
        stack = self.parse(text)
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('configs', str(exc))
        self.assertIn('tool', str(exc))

    def test_configs_is_required_and_not_empty(self):
        empty = COMPONENT.split('      configs:')[0] + \
            '      configs: []\n' + COMPONENT.split(
                '      inputs:')[1].join(['      inputs:', ''])
        stack = self.parse(empty)
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('configs', str(exc))

    def test_schema_matches_upstream(self):
        cls = resources.get_class('OS::Heat::SoftwareComponent')
        schema = cls.properties_schema
        self.assertEqual({'configs', 'inputs', 'outputs', 'options'},
                         set(schema))
        self.assertTrue(schema['configs'].required)
        item = schema['configs'].schema.schema
        self.assertEqual({'actions', 'config', 'tool'}, set(item))
        self.assertEqual(['CREATE', 'UPDATE'], item['actions'].default)
        self.assertTrue(item['tool'].required)
        self.assertEqual({'configs'}, set(cls.attributes_schema))
