"""Upstream's ``resource_types:<type>`` rules: admin-only resource types
(``OS::Nova::Flavor``...) are hidden from a non-admin's resource type
list and refused (403 ``Forbidden``) at stack create, preview and update
and at resource type show, through the Orchestration API in-process."""

import os

import fixtures
import webob

from heat.api import middleware
from heat.api import policy as api_policy
from heat.common import context, exception, policy
from heat.db import api as db_api
from heat.tests import base
from heat.tests.unit.api import APITestCase

FLAVOR = '''heat_template_version: 2016-10-14
resources:
  flavor:
    type: OS::Nova::Flavor
    properties:
      ram: 512
      vcpus: 1
'''

NONE = '''heat_template_version: 2016-10-14
resources:
  noop:
    type: OS::Heat::None
'''

#: upstream's message for a non-admin (heat.common.policy.ResourceEnforcer
#: raises exception.Forbidden(action=<the rule>))
FLAVOR_MESSAGE = ('You are not authorized to use '
                  'resource_types:OS::Nova::Flavor.')

#: upstream's heat/policies/resource_types.py
UPSTREAM_RULES = {
    'resource_types:' + name for name in (
        'OS::Nova::Flavor', 'OS::Cinder::EncryptedVolumeType',
        'OS::Cinder::VolumeType', 'OS::Cinder::Quota',
        'OS::Neutron::Quota', 'OS::Nova::Quota', 'OS::Octavia::Quota',
        'OS::Manila::ShareType', 'OS::Neutron::ProviderNet',
        'OS::Neutron::QoSPolicy', 'OS::Neutron::QoSBandwidthLimitRule',
        'OS::Neutron::QoSDscpMarkingRule',
        'OS::Neutron::QoSMinimumBandwidthRule',
        'OS::Neutron::QoSMinimumPacketRateRule', 'OS::Neutron::Segment',
        'OS::Nova::HostAggregate', 'OS::Cinder::QoSSpecs',
        'OS::Cinder::QoSAssociation', 'OS::Keystone::*',
        'OS::Blazar::Host', 'OS::Octavia::Flavor',
        'OS::Octavia::FlavorProfile')}


def ctx(roles=('member', 'reader'), project='p1'):
    return context.RequestContext(project_id=project, user_id='u',
                                  roles=list(roles))


def admin():
    return ctx(roles=['admin'])


class TestRules(base.TestCase):

    def setUp(self):
        super().setUp()
        self.enforcer = policy.ResourceTypeEnforcer()

    def test_upstream_rules_and_defaults(self):
        rules = {r.name: r.check_str for r in policy.RESOURCE_TYPE_RULES}
        self.assertEqual(UPSTREAM_RULES, set(rules))
        self.assertEqual({'rule:project_admin'}, set(rules.values()))
        base_rules = {r.name: r.check_str for r in policy.BASE_RULES}
        self.assertEqual('role:admin', base_rules['project_admin'])
        # in the sample policy file's namespace too
        names = {r.name for r in api_policy.list_rules()}
        self.assertTrue(UPSTREAM_RULES <= names)
        self.assertEqual(len(names), len(api_policy.list_rules()))

    def test_non_admin_refused_with_upstreams_message(self):
        for type_name in ('OS::Nova::Flavor', 'OS::Nova::HostAggregate',
                          'OS::Cinder::VolumeType',
                          'OS::Cinder::EncryptedVolumeType',
                          'OS::Neutron::QoSPolicy',
                          'OS::Neutron::QoSBandwidthLimitRule',
                          'OS::Manila::ShareType'):
            ex = self.assertRaises(exception.Forbidden,
                                   self.enforcer.enforce, ctx(), type_name)
            self.assertEqual('You are not authorized to use '
                             'resource_types:%s.' % type_name, str(ex))
            self.enforcer.enforce(admin(), type_name)
            self.assertFalse(self.enforcer.allowed(ctx(), type_name))
            self.assertTrue(self.enforcer.allowed(admin(), type_name))

    def test_wildcard_rule_names_the_type(self):
        ex = self.assertRaises(exception.Forbidden, self.enforcer.enforce,
                               ctx(), 'OS::Keystone::Project')
        self.assertEqual('You are not authorized to use '
                         'OS::Keystone::Project.', str(ex))
        self.enforcer.enforce(admin(), 'OS::Keystone::Project')

    def test_types_without_a_rule_are_allowed(self):
        for type_name in ('OS::Nova::Server', 'OS::Heat::None',
                          'No::Such::Type', 'my_template.yaml'):
            self.enforcer.enforce(ctx(roles=['reader']), type_name)

    def test_policy_file_overrides_a_rule(self):
        folder = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(folder, 'policy.yaml')
        with open(path, 'w') as f:
            f.write('"resource_types:OS::Nova::Flavor": '
                    '"rule:project_member"\n'
                    # not a registered rule: ignored, as upstream
                    '"resource_types:OS::Heat::None": "!"\n')
        enforcer = policy.ResourceTypeEnforcer(policy_file=path)
        enforcer.enforce(ctx(), 'OS::Nova::Flavor')
        self.assertRaises(exception.Forbidden, enforcer.enforce,
                          ctx(roles=['reader']), 'OS::Nova::Flavor')
        enforcer.enforce(ctx(), 'OS::Heat::None')
        # the others keep their default
        self.assertRaises(exception.Forbidden, enforcer.enforce, ctx(),
                          'OS::Cinder::VolumeType')


class TestThroughTheAPI(APITestCase):

    def setUp(self):
        super().setUp()
        self.services = frozenset()
        self.useFixture(fixtures.MockPatch(
            'heat.engine.clients.available_services',
            side_effect=lambda _ctx: self.services))

    def call(self, method, path, context_obj=None, body=None):
        req = webob.Request.blank('/v1/p1' + path, method=method)
        req.environ[middleware.ENV_CONTEXT] = context_obj or ctx()
        if body is not None:
            req.json_body = body
        return req.get_response(self.app)

    def types(self, context_obj=None):
        resp = self.call('GET', '/resource_types', context_obj)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json['resource_types']

    def stack_rows(self):
        return db_api.stack_get_all(ctx(), 'p1', show_deleted=True,
                                    show_nested=True)

    def test_list_hides_admin_types_from_non_admins(self):
        self.services = frozenset(['nova', 'cinder', 'neutron', 'manila'])
        mine = self.types()
        self.assertIn('OS::Nova::Server', mine)
        self.assertIn('OS::Heat::None', mine)
        for hidden in ('OS::Nova::Flavor', 'OS::Nova::HostAggregate',
                       'OS::Cinder::VolumeType',
                       'OS::Cinder::EncryptedVolumeType',
                       'OS::Neutron::QoSPolicy',
                       'OS::Neutron::QoSBandwidthLimitRule',
                       'OS::Manila::ShareType'):
            self.assertNotIn(hidden, mine)
        admins = self.types(admin())
        self.assertIn('OS::Nova::Flavor', admins)
        self.assertIn('OS::Manila::ShareType', admins)
        self.assertEqual(set(mine), set(admins) - {
            n for n in admins if not policy.ResourceTypeEnforcer().allowed(
                ctx(), n)})
        # with_description and a name filter: the same rule
        resp = self.call('GET', '/resource_types?name=OS::Nova::F'
                         '&with_description=true')
        self.assertEqual(['OS::Nova::FloatingIP',
                          'OS::Nova::FloatingIPAssociation'],
                         [t['resource_type']
                          for t in resp.json['resource_types']])

    def test_types_of_services_not_in_the_catalog_are_not_listed(self):
        self.services = frozenset(['nova'])
        admins = self.types(admin())
        self.assertIn('OS::Nova::Flavor', admins)
        self.assertNotIn('OS::Cinder::VolumeType', admins)
        self.assertNotIn('OS::Neutron::Net', admins)
        self.services = frozenset()
        admins = self.types(admin())
        self.assertNotIn('OS::Nova::Flavor', admins)
        self.assertIn('OS::Heat::None', admins)

    def test_non_admin_create_is_403_and_stores_nothing(self):
        resp = self.call('POST', '/stacks', ctx(),
                         {'stack_name': 'f1', 'template': FLAVOR})
        self.assertError(resp, 403, 'Forbidden', FLAVOR_MESSAGE)
        self.assertEqual(FLAVOR_MESSAGE, resp.json['error']['message'])
        self.assertEqual([], self.stack_rows())
        # the cloud being there changes nothing
        self.services = frozenset(['nova'])
        resp = self.call('POST', '/stacks', ctx(),
                         {'stack_name': 'f1', 'template': FLAVOR})
        self.assertError(resp, 403, 'Forbidden', FLAVOR_MESSAGE)
        self.assertEqual([], self.stack_rows())

    def test_an_alias_in_the_environment_is_checked_too(self):
        template = FLAVOR.replace('OS::Nova::Flavor', 'My::Flavor')
        resp = self.call('POST', '/stacks', ctx(), {
            'stack_name': 'f1', 'template': template,
            'environment': {'resource_registry': {
                'My::Flavor': 'OS::Nova::Flavor'}}})
        self.assertError(resp, 403, 'Forbidden', FLAVOR_MESSAGE)
        self.assertEqual([], self.stack_rows())

    def test_admin_create_passes_the_check(self):
        resp = self.call('POST', '/stacks', admin(),
                         {'stack_name': 'f1', 'template': FLAVOR})
        # no cloud here: refused for the missing service, not the rule
        self.assertError(resp, 400, 'ResourceTypeUnavailable',
                         'Service nova is not available for resource type '
                         'OS::Nova::Flavor')

    def test_non_admin_preview_is_403(self):
        resp = self.call('POST', '/stacks/preview', ctx(),
                         {'stack_name': 'f1', 'template': FLAVOR})
        self.assertError(resp, 403, 'Forbidden', FLAVOR_MESSAGE)

    def test_non_admin_update_to_an_admin_type_is_403(self):
        resp = self.call('POST', '/stacks', ctx(),
                         {'stack_name': 's1', 'template': NONE})
        self.assertEqual(201, resp.status_code, resp.text)
        stack_id = resp.json['stack']['id']
        self.wait(stack_id)
        for method in ('PUT', 'PATCH'):
            resp = self.call(method, '/stacks/s1/%s' % stack_id, ctx(),
                             {'template': FLAVOR})
            self.assertError(resp, 403, 'Forbidden', FLAVOR_MESSAGE)
        resp = self.call('PUT', '/stacks/s1/%s/preview' % stack_id, ctx(),
                         {'template': FLAVOR})
        self.assertError(resp, 403, 'Forbidden', FLAVOR_MESSAGE)
        row = db_api.stack_get(ctx(), stack_id, 'p1')
        self.assertEqual(('CREATE', 'COMPLETE'), (row.action, row.status))

    def test_resource_type_show_is_403_for_a_non_admin(self):
        resp = self.call('GET', '/resource_types/OS::Nova::Flavor', ctx())
        self.assertError(resp, 403, 'Forbidden', FLAVOR_MESSAGE)
        resp = self.call('GET', '/resource_types/OS::Nova::Flavor',
                         admin())
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('OS::Nova::Flavor', resp.json['resource_type'])
        resp = self.call('GET', '/resource_types/OS::Heat::None', ctx())
        self.assertEqual(200, resp.status_code, resp.text)

    def test_resource_type_template_is_403_for_a_non_admin(self):
        if getattr(self.engine_svc, 'generate_template', None) is None:
            self.skipTest('the engine has no generate_template')
        resp = self.call('GET', '/resource_types/OS::Nova::Flavor/template',
                         ctx())
        self.assertError(resp, 403, 'Forbidden', FLAVOR_MESSAGE)
        resp = self.call('GET', '/resource_types/OS::Nova::Flavor/template',
                         admin())
        self.assertNotEqual(403, resp.status_code, resp.text)


class TestOverRPC(APITestCase):
    """The 403 crosses the message bus with its type and message."""

    def test_non_admin_create_is_403_over_rpc(self):
        self.serve_engine_on_rpc()
        req = webob.Request.blank('/v1/p1/stacks', method='POST')
        req.environ[middleware.ENV_CONTEXT] = ctx()
        req.json_body = {'stack_name': 'f1', 'template': FLAVOR}
        resp = req.get_response(self.app)
        self.assertError(resp, 403, 'Forbidden', FLAVOR_MESSAGE)
        self.assertEqual([], db_api.stack_get_all(ctx(), 'p1'))

