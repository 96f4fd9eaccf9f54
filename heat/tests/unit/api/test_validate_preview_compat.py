"""Validate, preview and resource type templates as upstream answers
them (through the v1 API, on a real engine service).

Upstream references: heat-tempest-plugin's ``StackTemplateValidateTest``
(the implicit ``{'mynested.yaml': 'mynested.yaml'}`` registry entry) and
``StackPreviewTest`` (a preview's ids are ``'None'``, its template
description ``'No description'``); heat's ``ResourceGroupTest.
test_resource_group_zero_novalidate`` (the nested error path); upstream's
``generate_template`` (``Initial template of <class>``).
"""

from heat.tests.unit.api import APITestCase

RANDOM_TEMPLATE = '''
heat_template_version: 2014-10-16
description: the stack description
parameters:
  aparam:
    type: number
    default: 10
    description: the param description
resources:
  myres:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: aparam}
'''

PARENT_TEMPLATE = '''
heat_template_version: 2014-10-16
description: the parent template
parameters:
  pparam:
    type: number
    default: 5
    description: the param description
resources:
  nres:
    type: mynested.yaml
    properties:
      aparam: {get_param: pparam}
'''

PARENT_NOPROP = '''
heat_template_version: 2014-10-16
description: the parent template
resources:
  nres:
    type: mynested.yaml
'''

APARAM = {'Default': 10, 'Description': 'the param description',
          'Label': 'aparam', 'NoEcho': 'false', 'Type': 'Number'}
PPARAM = {'Default': 5, 'Description': 'the param description',
          'Label': 'pparam', 'NoEcho': 'false', 'Type': 'Number'}


def _env(registry=None):
    reg = {'resources': {}}
    reg.update(registry or {})
    return {'event_sinks': [], 'parameter_defaults': {}, 'parameters': {},
            'resource_registry': reg}


GROUP_TEMPLATE = '''
heat_template_version: 2013-05-23
resources:
  random_group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 0
      resource_def:
        type: My::RandomString
        properties:
          length: 30
          salt: initial
'''

BAD_PROVIDER = '''
heat_template_version: 2013-05-23
parameters:
  length:
    type: string
    default: 50
  salt:
    type: string
    default: initial
resources:
  random:
    type: OS::Heat::RandomString
    properties:
      length: BAD
'''

PREVIEW_TEMPLATE = '''
heat_template_version: 2015-04-30
parameters:
  incomming:
    type: string
resources:
  one:
    type: OS::Heat::TestResource
    properties:
      value: fred
  two:
    type: OS::Heat::TestResource
    properties:
      value: {get_param: incomming}
    depends_on: one
outputs:
  main_out:
    value: {get_attr: [two, output]}
'''

PREVIEW_MAIN = '''
heat_template_version: 2015-04-30
parameters:
  incomming:
    type: string
resources:
  main:
    type: nested.yaml
    properties:
      value: {get_param: incomming}
'''

PREVIEW_NESTED = '''
heat_template_version: 2015-04-30
parameters:
  value:
    type: string
resources:
  nested:
    type: OS::Heat::TestResource
    properties:
      value: {get_param: value}
outputs:
  output:
    value: {get_attr: [nested, output]}
'''


class TestValidate(APITestCase):

    def validate(self, query='', **body):
        resp = self.request('POST', '/validate' + query, body)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json

    def test_provider_file_type_is_in_the_environment(self):
        # upstream test_template_validate_nested_off
        self.assertEqual(
            {'Description': 'the parent template',
             'Parameters': {'pparam': PPARAM},
             'Environment': _env({'mynested.yaml': 'mynested.yaml'})},
            self.validate(template=PARENT_TEMPLATE,
                          files={'mynested.yaml': RANDOM_TEMPLATE}))

    def test_show_nested_with_the_implicit_registry_entry(self):
        # upstream test_template_validate_nested_on
        self.assertEqual(
            {'Description': 'the parent template',
             'Parameters': {},
             'NestedParameters': {'nres': {
                 'Description': 'the stack description',
                 'Parameters': {'aparam': APARAM},
                 'Type': 'mynested.yaml'}},
             'Environment': _env({'mynested.yaml': 'mynested.yaml'})},
            self.validate('?show_nested=true', template=PARENT_NOPROP,
                          files={'mynested.yaml': RANDOM_TEMPLATE}))

    def test_only_the_top_level_types_are_entered(self):
        # upstream test_template_validate_nested_on_multiple: the nested
        # template's own provider (mynested2.yaml) is not in the answer
        nested = RANDOM_TEMPLATE.replace('OS::Heat::RandomString',
                                         'mynested2.yaml')
        result = self.validate('?show_nested=true',
                               template=PARENT_TEMPLATE,
                               files={'mynested.yaml': nested,
                                      'mynested2.yaml': RANDOM_TEMPLATE})
        self.assertEqual(_env({'mynested.yaml': 'mynested.yaml'}),
                         result['Environment'])
        nres = result['NestedParameters']['nres']
        self.assertEqual(dict(APARAM, Value=5), nres['Parameters']['aparam'])
        self.assertEqual('mynested2.yaml',
                         nres['NestedParameters']['myres']['Type'])

    def test_registry_mapped_provider_adds_no_entry(self):
        env = {'resource_registry': {'My::RandomString': 'provider.yaml'}}
        result = self.validate(
            template=GROUP_TEMPLATE, environment=env,
            files={'provider.yaml': RANDOM_TEMPLATE.replace(
                'aparam', 'length')})
        self.assertEqual(_env({'My::RandomString': 'provider.yaml'}),
                         result['Environment'])

    def test_nested_resources_are_not_validated(self):
        # upstream's validate checks a nested template's structure, not
        # its resources (stack.validate(validate_res_tmpl_only=True)):
        # a bad member template of a group with members still validates
        env = {'resource_registry': {'My::RandomString': 'provider.yaml'}}
        files = {'provider.yaml': BAD_PROVIDER}
        for count in (0, 2):
            self.validate(template=GROUP_TEMPLATE.replace(
                'count: 0', 'count: %d' % count), environment=env,
                files=files)
        self.validate(template=PARENT_NOPROP,
                      files={'mynested.yaml': BAD_PROVIDER})

    def test_nested_template_structure_is_checked(self):
        bad_version = RANDOM_TEMPLATE.replace('2014-10-16', 'invalid')
        self.assertError(self.request('POST', '/validate', {
            'template': PARENT_NOPROP,
            'files': {'mynested.yaml': bad_version}}), 400,
            message='The template version is invalid')
        # the parent's properties against the nested parameters
        self.assertError(self.request('POST', '/validate', {
            'template': PARENT_TEMPLATE.replace('aparam:', 'nope:'),
            'files': {'mynested.yaml': RANDOM_TEMPLATE}}), 400,
            message='Unknown Property nope')
        # the top-level template's own resources are still checked
        self.assertError(self.request('POST', '/validate', {
            'template': RANDOM_TEMPLATE.replace('{get_param: aparam}',
                                                'BAD')}), 400,
            message="Value 'BAD' is not an integer")


class TestNestedErrorPath(APITestCase):
    """heat's ResourceGroupTest.test_resource_group_zero_novalidate: a
    bad member template fails create and update (not a count-0 group)
    with the path through the nested stacks."""

    NESTED_PATH = ('resources.random_group<nested_stack>.resources.'
                   '0<provider.yaml>.resources.random')
    ENV = {'resource_registry': {'My::RandomString': 'provider.yaml'}}
    FILES = {'provider.yaml': BAD_PROVIDER}

    def assert_nested_error(self, resp):
        body = self.assertError(resp, 400, 'StackValidationFailed',
                                self.NESTED_PATH)
        self.assertIn("Value 'BAD' is not an integer",
                      body['error']['message'])

    def test_create_update_and_preview_name_the_nested_path(self):
        sid = self.create(template=GROUP_TEMPLATE, files=self.FILES,
                          environment=self.ENV)
        two = GROUP_TEMPLATE.replace('count: 0', 'count: 2')
        body = {'template': two, 'files': self.FILES,
                'environment': self.ENV}
        self.assert_nested_error(self.request(
            'PUT', '/stacks/s1/%s' % sid, body))
        self.assert_nested_error(self.request(
            'POST', '/stacks', dict(body, stack_name='s2')))
        self.assert_nested_error(self.request(
            'POST', '/stacks/preview', dict(body, stack_name='s3')))

    def test_provider_resource_names_its_template(self):
        tmpl = ('heat_template_version: 2015-04-30\n'
                'resources:\n  n:\n    type: provider.yaml\n')
        self.assertError(self.request('POST', '/stacks', {
            'stack_name': 's4', 'template': tmpl, 'files': self.FILES}),
            400, message='resources.n<provider.yaml>.resources.random')


class TestPreview(APITestCase):

    def preview(self, **body):
        body.setdefault('disable_rollback', True)
        resp = self.request('POST', '/stacks/preview', body)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json['stack']

    def assert_unstored(self, res, stack_name):
        self.assertEqual(stack_name, res['stack_name'])
        for key, path in (('resource_identity',
                           '/resources/%s' % res['resource_name']),
                          ('stack_identity', '')):
            self.assertEqual({'tenant': self.PROJECT,
                              'stack_name': stack_name,
                              'stack_id': 'None', 'path': path}, res[key])

    def test_preview_stack_id_is_none(self):
        # upstream StackPreviewTest._assert_results
        stack = self.preview(stack_name='pv', template=PREVIEW_TEMPLATE,
                             environment={'parameters': {
                                 'incomming': 'abc'}})
        self.assertEqual('None', stack['id'])
        self.assertEqual([{'href': 'http://localhost/v1/p1/stacks/pv/None',
                           'rel': 'self'}], stack['links'])
        self.assertEqual('None', stack['parameters']['OS::stack_id'])
        self.assertEqual('pv', stack['parameters']['OS::stack_name'])
        self.assertIsNone(stack['parent'])
        self.assertEqual('No description', stack['template_description'])
        for res in stack['resources']:
            self.assert_unstored(res, 'pv')
        # nothing was stored
        self.assertEqual([], self.request('GET', '/stacks').json['stacks'])

    def test_nested_preview_resources_have_no_stack_id(self):
        # upstream StackPreviewTest.test_nested_pass
        stack = self.preview(stack_name='pv', template=PREVIEW_MAIN,
                             files={'nested.yaml': PREVIEW_NESTED},
                             environment={'parameters': {
                                 'incomming': 'abc'}})
        self.assertEqual('None', stack['id'])
        res = stack['resources'][0][0]
        self.assert_unstored(res, 'pv-%s' % res['parent_resource'])
        self.assertEqual('abc', res['properties']['value'])


class TestResourceTypeTemplate(APITestCase):

    TYPE = 'OS::Heat::RandomString'

    def template(self, query=''):
        resp = self.request('GET', '/resource_types/%s/template%s'
                            % (self.TYPE, query))
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json

    def test_hot_template(self):
        tmpl = self.template('?template_type=hot')
        self.assertEqual('2016-10-14', tmpl['heat_template_version'])
        self.assertEqual('Initial template of RandomString',
                         tmpl['description'])
        self.assertEqual({'type': 'number',
                          'description': 'Length of the string to '
                                         'generate.',
                          'default': 32,
                          'constraints': [{'range': {'min': 1,
                                                     'max': 512}}]},
                         tmpl['parameters']['length'])
        self.assertEqual(['lettersdigits', 'letters', 'lowercase',
                          'uppercase', 'digits', 'hexdigits', 'octdigits'],
                         tmpl['parameters']['sequence']['constraints'][0][
                             'allowed_values'])
        self.assertEqual('comma_delimited_list',
                         tmpl['parameters']['character_classes']['type'])
        res = tmpl['resources']['RandomString']
        self.assertEqual(self.TYPE, res['type'])
        self.assertEqual({n: {'get_param': n} for n in tmpl['parameters']},
                         res['properties'])
        self.assertEqual({'get_attr': ['RandomString', 'value']},
                         tmpl['outputs']['value']['value'])
        self.assertEqual({'get_attr': ['RandomString', 'show']},
                         tmpl['outputs']['show']['value'])
        self.assertEqual({'heat_template_version', 'description',
                          'parameters', 'resources', 'outputs'}, set(tmpl))

    def test_cfn_template_is_the_default(self):
        tmpl = self.template()
        self.assertEqual(tmpl, self.template('?template_type=cfn'))
        self.assertEqual('2012-12-12', tmpl['HeatTemplateFormatVersion'])
        self.assertEqual('Initial template of RandomString',
                         tmpl['Description'])
        self.assertEqual({'Type': 'Number',
                          'Description': 'Length of the string to '
                                         'generate.',
                          'Default': 32, 'MinValue': 1, 'MaxValue': 512},
                         tmpl['Parameters']['length'])
        res = tmpl['Resources']['RandomString']
        self.assertEqual(self.TYPE, res['Type'])
        self.assertEqual({'Ref': 'length'}, res['Properties']['length'])
        # a list property is split from its comma-delimited parameter
        self.assertEqual({'Fn::Split': [',', {'Ref': 'character_classes'}]},
                         res['Properties']['character_classes'])
        self.assertEqual({'Fn::GetAtt': ['RandomString', 'value']},
                         tmpl['Outputs']['value']['Value'])
        self.assertEqual({'HeatTemplateFormatVersion', 'Description',
                          'Parameters', 'Resources', 'Outputs'}, set(tmpl))

    def test_boolean_property_allows_upstreams_values(self):
        self.TYPE = 'OS::Heat::TestResource'
        hot = self.template('?template_type=hot')['parameters']['fail']
        self.assertEqual('boolean', hot['type'])
        self.assertIn({'allowed_values': ['True', 'true', 'False', 'false']},
                      hot['constraints'])
        cfn = self.template('?template_type=cfn')['Parameters']['fail']
        self.assertEqual('Boolean', cfn['Type'])
        self.assertEqual(['True', 'true', 'False', 'false'],
                         cfn['AllowedValues'])

    def test_generated_hot_template_validates(self):
        tmpl = self.template('?template_type=hot')
        resp = self.request('POST', '/validate', {'template': tmpl})
        self.assertEqual(200, resp.status_code, resp.text)

    def test_unknown_type_and_bad_template_type(self):
        self.assertError(self.request(
            'GET', '/resource_types/No::Such::Type/template'), 404)
        self.assertError(self.request(
            'GET', '/resource_types/%s/template?template_type=x'
            % self.TYPE), 400, message='Template type is not supported')

    def test_generate_template_over_rpc(self):
        # the RPC of `openstack orchestration resource type show TYPE
        # --template-type hot|cfn`
        from heat.common import context
        self.serve_engine_on_rpc()
        cnxt = context.RequestContext(project_id=self.PROJECT, user_id='u1')
        hot = self.client.generate_template(cnxt, self.TYPE,
                                            template_type='hot')
        self.assertEqual('2016-10-14', hot['heat_template_version'])
        cfn = self.client.generate_template(cnxt, self.TYPE)
        self.assertEqual('2012-12-12', cfn['HeatTemplateFormatVersion'])
        self.assertEqual(hot, self.template('?template_type=hot'))


class TestWithHeatclient(APITestCase):
    """What python-heatclient (the openstack CLI's library) gets."""

    def setUp(self):
        import threading

        from cheroot import wsgi
        from heatclient import client as heat_client

        from heat.tests.base import free_port
        super().setUp()
        port = free_port()
        self.server = wsgi.Server(('127.0.0.1', port), self.app,
                                  numthreads=2)
        self.server.prepare()
        thread = threading.Thread(target=self.server.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(self.server.stop)
        self.hc = heat_client.Client(
            '1', endpoint='http://127.0.0.1:%d/v1/p1' % port,
            token='fake-token')

    def test_resource_type_show_template_type(self):
        # `openstack orchestration resource type show TYPE
        # --template-type hot|cfn`
        hot = self.hc.resource_types.generate_template(
            'OS::Heat::RandomString', template_type='hot')
        self.assertEqual('2016-10-14', hot['heat_template_version'])
        self.assertIn('RandomString', hot['resources'])
        cfn = self.hc.resource_types.generate_template(
            'OS::Heat::RandomString', template_type='cfn')
        self.assertEqual('2012-12-12', cfn['HeatTemplateFormatVersion'])

    def test_validate_and_preview(self):
        result = self.hc.stacks.validate(
            template=PARENT_TEMPLATE,
            files={'mynested.yaml': RANDOM_TEMPLATE})
        self.assertEqual({'mynested.yaml': 'mynested.yaml',
                          'resources': {}},
                         result['Environment']['resource_registry'])
        preview = self.hc.stacks.preview(
            stack_name='pv', template=PREVIEW_TEMPLATE,
            disable_rollback=True,
            environment={'parameters': {'incomming': 'abc'}}).to_dict()
        self.assertEqual('None', preview['id'])
