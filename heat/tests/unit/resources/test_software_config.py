"""OS::Heat::SoftwareConfig, CloudConfig and MultipartMime."""

import email
import uuid

import yaml

from heat.common import exception
from heat.engine import software_config_service as sc_service
from heat.tests.unit.resources.test_none import StackTestCase

CONFIGS = '''
heat_template_version: 2016-10-14
parameters:
  script_text:
    type: string
    default: "#!/bin/sh\\necho hello"
resources:
  script:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config: {get_param: script_text}
      options: {debug: true}
      inputs:
        - name: foo
        - name: bar
          type: Number
          default: 3
      outputs:
        - name: result
          error_output: true
  boot:
    type: OS::Heat::CloudConfig
    properties:
      cloud_config:
        packages: [git]
        runcmd: [[ls, /]]
  mime:
    type: OS::Heat::MultipartMime
    properties:
      parts:
        - config: {get_resource: script}
        - config: {get_attr: [boot, config]}
          filename: boot.cfg
          subtype: cloud-config
        - config: inline text
outputs:
  script:
    value: {get_attr: [script, config]}
  boot:
    value: {get_attr: [boot, config]}
  mime:
    value: {get_attr: [mime, config]}
'''

OUTER = '''  outer:
    type: OS::Heat::MultipartMime
    properties:
      parts:
        - config: {get_resource: mime}
          type: multipart
        - config: last
          filename: run.sh
outputs:
  outer:
    value: {get_attr: [outer, config]}'''


def payloads(message):
    parsed = email.message_from_string(message)
    return [(p.get_content_type(), p.get_filename(), p.get_payload())
            for p in parsed.get_payload()]


class TestSoftwareConfig(StackTestCase):

    def test_config_attribute(self):
        stack = self.create(CONFIGS)
        self.assertState(('CREATE', 'COMPLETE'), stack)
        self.assertEqual('#!/bin/sh\necho hello', stack.outputs()['script'])

    def test_config_is_a_row_of_the_config_table(self):
        stack = self.create(CONFIGS)
        rsrc = self.load(stack).resources['script']
        self.assertEqual(4, uuid.UUID(rsrc.resource_id).version)
        # the physical id is the config id of the software config API
        stored = sc_service.API.show_software_config(self.ctx,
                                                     rsrc.resource_id)
        stored = {k: stored[k] for k in ('name', 'group', 'config',
                                         'options', 'inputs', 'outputs')}
        self.assertEqual({
            'name': rsrc.physical_resource_name(),
            'group': 'script',
            'config': '#!/bin/sh\necho hello',
            'options': {'debug': True},
            'inputs': [
                {'name': 'foo', 'description': None, 'type': 'String',
                 'default': None, 'replace_on_change': False},
                {'name': 'bar', 'description': None, 'type': 'Number',
                 'default': 3, 'replace_on_change': False}],
            'outputs': [
                {'name': 'result', 'description': None, 'type': 'String',
                 'error_output': True}],
        }, stored)

    def test_defaults(self):
        stack = self.create('''
heat_template_version: 2016-10-14
resources:
  empty:
    type: OS::Heat::SoftwareConfig
''')
        stored = stack.resources['empty'].stored_config()
        self.assertEqual('Heat::Ungrouped', stored['group'])
        self.assertIsNone(stored['config'])
        self.assertIsNone(stack.resources['empty'].FnGetAtt('config'))

    def test_any_change_replaces(self):
        stack = self.create(CONFIGS)
        before = {n: r.resource_id for n, r in stack.resources.items()}
        self.update(stack, CONFIGS, params={'script_text': 'echo bye'})
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        loaded = self.load(stack)
        self.assertEqual('echo bye', loaded.outputs()['script'])
        self.assertNotEqual(before['script'],
                            loaded.resources['script'].resource_id)
        # the message refers to the config: it is replaced too
        self.assertNotEqual(before['mime'],
                            loaded.resources['mime'].resource_id)
        self.assertEqual(before['boot'],
                         loaded.resources['boot'].resource_id)

    def test_cloud_config_is_yaml_after_a_header(self):
        stack = self.create(CONFIGS)
        text = stack.outputs()['boot']
        header, body = text.split('\n', 1)
        self.assertEqual('#cloud-config', header)
        self.assertEqual({'packages': ['git'], 'runcmd': [['ls', '/']]},
                         yaml.safe_load(body))
        stored = stack.resources['boot'].stored_config()
        self.assertEqual('Heat::Ungrouped', stored['group'])

    def test_multipart_message(self):
        stack = self.create(CONFIGS)
        parts = payloads(stack.outputs()['mime'])
        self.assertEqual([
            ('text/plain', None, '#!/bin/sh\necho hello'),
            ('text/cloud-config', 'boot.cfg', stack.outputs()['boot']),
            ('text/plain', None, 'inline text'),
        ], parts)

    def test_multipart_part_is_expanded(self):
        outer = CONFIGS.replace('\noutputs:', '\n' + OUTER)
        stack = self.create(outer)
        self.assertEqual(
            payloads(stack.outputs()['mime']) + [
                ('text/run', 'run.sh', 'last')],
            payloads(stack.outputs()['outer']))

    def test_part_may_be_a_config_of_another_stack(self):
        configs = self.create(CONFIGS, name='configs')
        config_id = configs.resources['script'].resource_id
        stack = self.create('''
heat_template_version: 2016-10-14
parameters:
  config_id:
    type: string
resources:
  mime:
    type: OS::Heat::MultipartMime
    properties:
      parts:
        - config: {get_param: config_id}
        - config: 00000000-0000-4000-8000-000000000000
outputs:
  mime:
    value: {get_attr: [mime, config]}
''', params={'config_id': config_id})
        self.assertEqual([
            ('text/plain', None, '#!/bin/sh\necho hello'),
            # an unknown id is taken as text
            ('text/plain', None, '00000000-0000-4000-8000-000000000000'),
        ], payloads(stack.outputs()['mime']))

    def test_validation_errors(self):
        table = [
            ('input type', '''
  bad:
    type: OS::Heat::SoftwareConfig
    properties:
      inputs: [{name: x, type: Float}]''',
             'resources.bad.properties.inputs[0].type: "Float" is not an '
             'allowed value'),
            ('input without name', '''
  bad:
    type: OS::Heat::SoftwareConfig
    properties:
      inputs: [{type: String}]''',
             'Property name not assigned'),
            ('part type', '''
  bad:
    type: OS::Heat::MultipartMime
    properties:
      parts: [{config: x, type: binary}]''',
             'resources.bad.properties.parts[0].type: "binary" is not an '
             'allowed value'),
            ('cloud_config not a map', '''
  bad:
    type: OS::Heat::CloudConfig
    properties:
      cloud_config: [1]''',
             'resources.bad.properties.cloud_config: "[1]" is not a map'),
        ]
        for case, resource, message in table:
            stack = self.parse('heat_template_version: 2016-10-14\n'
                               'resources:' + resource)
            exc = self.assertRaises(exception.StackValidationFailed,
                                    stack.validate)
            self.assertIn(message, str(exc), case)

    def test_delete_removes_the_config(self):
        stack = self.create(CONFIGS)
        rsrc = stack.resources['script']
        config_id = rsrc.resource_id
        rsrc.delete()
        self.assertRaises(exception.NotFound,
                          sc_service.API.show_software_config, self.ctx,
                          config_id)

    def test_structured_config_keeps_its_map(self):
        stack = self.create('''
heat_template_version: 2016-10-14
resources:
  structured:
    type: OS::Heat::StructuredConfig
    properties:
      group: apply-config
      config:
        foo: {get_input: bar}
outputs:
  config:
    value: {get_attr: [structured, config]}
''')
        self.assertEqual({'foo': {'get_input': 'bar'}},
                         stack.outputs()['config'])
