"""Validation errors as upstream's API words them (issue 12).

Upstream's engine raises ``StackValidationFailed`` with an ``error`` (a
label such as ``Property error``, or the name of the exception it wraps),
a ``path`` and a ``message``; its text is ``<error>: <path>: <message>``.
Sent to the API over RPC, the exception is rebuilt from its formatted
parts, each of which already ends in ``': '``, so the message the API
answers reads ``<error>: : <path>: : <message>`` (a part left out when
empty). Upstream's functional tests pin that text.

References: heat-tempest-plugin ``StackPreviewTest.test_basic_fail``,
heat ``ResourceGroupTest.test_resource_group_zero_novalidate``.
"""

from heat.api import faults
from heat.common import exception
from heat.tests.unit.api import APITestCase
from heat.tests.unit.api import test_validate_preview_compat as compat

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
      value: {get_param: missing}
    depends_on: one
'''

#: the group and the provider of upstream's
#: ``test_resource_group_zero_novalidate``, shared with the path tests
GROUP_TEMPLATE = compat.GROUP_TEMPLATE.replace('count: 0', 'count: %d')
BAD_PROVIDER = compat.BAD_PROVIDER


class TestValidationMessageParts(APITestCase):

    def message(self, exc):
        return faults.error_body(exc)[1]['error']['message']

    def test_error_path_and_message_are_each_followed_by_colon_colon(self):
        exc = exception.StackValidationFailed(
            error='Property error', path=['resources', 'a', 'properties'],
            message='Unknown Property b')
        self.assertEqual('Property error: : resources.a.properties: : '
                         'Unknown Property b', self.message(exc))

    def test_a_message_without_error_or_path_is_unchanged(self):
        exc = exception.StackValidationFailed(message='just this')
        self.assertEqual('just this', self.message(exc))

    def test_a_path_without_error(self):
        exc = exception.StackValidationFailed(
            path=['outputs', 'o'], message='bad')
        self.assertEqual('outputs.o: : bad', self.message(exc))


class TestMissingParameterInProperty(APITestCase):

    EXPECTED = ('Property error: : resources.two.properties.value: : '
                'The Parameter (missing) was not provided.')
    ENV = {'parameters': {'incomming': 'abc'}}

    def test_preview_names_the_property_not_the_function(self):
        resp = self.request('POST', '/stacks/preview', {
            'stack_name': 'pv', 'template': PREVIEW_TEMPLATE,
            'disable_rollback': True, 'environment': self.ENV})
        body = self.assertError(resp, 400, 'StackValidationFailed')
        self.assertEqual(self.EXPECTED, body['error']['message'])

    def test_create_names_the_property_not_the_function(self):
        resp = self.request('POST', '/stacks', {
            'stack_name': 'cr', 'template': PREVIEW_TEMPLATE,
            'environment': self.ENV})
        body = self.assertError(resp, 400, 'StackValidationFailed')
        self.assertEqual(self.EXPECTED, body['error']['message'])


class TestNestedPropertyValueError(APITestCase):
    """A bad property value of a member template: upstream's non-strict
    nested validation meets it when the resource reads the value, a
    ``ValueError`` at the resource's path."""

    EXPECTED = ("ValueError: : resources.random_group<nested_stack>."
                "resources.0<provider.yaml>.resources.random: : "
                "Value 'BAD' is not an integer")

    def test_group_create_and_update_report_upstream_text(self):
        body = {'files': {'provider.yaml': BAD_PROVIDER},
                'environment': {'resource_registry': {
                    'My::RandomString': 'provider.yaml'}}}
        sid = self.create(template=GROUP_TEMPLATE % 0, **body)
        two = dict(body, template=GROUP_TEMPLATE % 2)
        resp = self.request('PUT', '/stacks/s1/%s' % sid, two)
        err = self.assertError(resp, 400, 'StackValidationFailed')
        self.assertEqual(self.EXPECTED, err['error']['message'])
        resp = self.request('POST', '/stacks', dict(two, stack_name='s2'))
        err = self.assertError(resp, 400, 'StackValidationFailed')
        self.assertEqual(self.EXPECTED, err['error']['message'])

    def test_unknown_property_of_a_member_stays_a_property_error(self):
        # checked against the schema, not read: upstream's Property error
        # at the member's properties (heat/tests/functional/
        # test_cloud_corpus.py's Tacker template is refused so)
        provider = BAD_PROVIDER.replace('length: BAD', 'nope: 1')
        resp = self.request('POST', '/stacks', {
            'stack_name': 's3', 'template': GROUP_TEMPLATE % 2,
            'files': {'provider.yaml': provider},
            'environment': {'resource_registry': {
                'My::RandomString': 'provider.yaml'}}})
        err = self.assertError(resp, 400, 'StackValidationFailed')
        self.assertEqual(
            'Property error: : resources.random_group<nested_stack>.'
            'resources.0<provider.yaml>.resources.random.properties: : '
            'Unknown Property nope', err['error']['message'])


REMOTE_TEMPLATE = '''
heat_template_version: 2013-05-23
resources:
  my_stack:
    type: OS::Heat::Stack
    properties:
      context:
        region_name: %s
      template:
        get_file: remote_stack.yaml
'''

REMOTE_CHILD = '''
heat_template_version: 2013-05-23
resources:
  random1:
    type: OS::Heat::RandomString
'''


class TestRemoteStackRegion(APITestCase):
    """heat-tempest-plugin ``RemoteStackTest``: a region is reached
    through its Heat endpoint in the catalog; this engine serves its own
    region (Keystone's default ``RegionOne`` unless configured)."""

    def create_remote(self, region, child=REMOTE_CHILD):
        return self.request('POST', '/stacks', {
            'stack_name': 'rs', 'template': REMOTE_TEMPLATE % region,
            'files': {'remote_stack.yaml': child}})

    def test_another_region_is_refused_naming_the_missing_endpoint(self):
        body = self.assertError(self.create_remote('DARKHOLE'), 400,
                                'StackValidationFailed')
        self.assertEqual(
            'Cannot establish connection to Heat endpoint at region '
            '"DARKHOLE" due to "publicURL endpoint for orchestration '
            'service in DARKHOLE region not found"',
            body['error']['message'])

    def test_own_region_is_created(self):
        resp = self.create_remote('RegionOne')
        self.assertEqual(201, resp.status_code, resp.text)

    def test_invalid_template_quotes_the_regions_validate_answer(self):
        bad = REMOTE_CHILD.replace('resources', 'resource')
        body = self.assertError(self.create_remote('RegionOne', bad), 400,
                                'StackValidationFailed')
        self.assertEqual(
            'Failed validating stack template using Heat endpoint at '
            'region "RegionOne" due to "ERROR: The template section is '
            'invalid: resource"', body['error']['message'])
