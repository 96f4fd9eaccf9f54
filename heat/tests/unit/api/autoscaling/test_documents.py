"""The OpenAPI document, the policy rules and the sample policy file of
the Auto-Scaling API are valid and current."""

import json
import os
from unittest import mock

import fixtures
from oslo_policy import generator

from heat.api import policy
from heat.api.autoscaling import ROUTES, controllers, openapi
from heat.tests import base

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))))
CHECKED_IN = os.path.join(REPO, 'doc', 'autoscaling-api.openapi.json')
POLICY_SAMPLE = os.path.join(REPO, 'etc', 'heat', 'policy.yaml.sample')


class TestOpenAPI(base.TestCase):

    def test_document_is_valid_openapi_3_1(self):
        from openapi_spec_validator import validate
        from openapi_spec_validator.validation import OpenAPIV31SpecValidator
        validate(openapi.document(), cls=OpenAPIV31SpecValidator)

    def test_checked_in_copy_is_current(self):
        with open(CHECKED_IN) as f:
            committed = f.read()
        self.assertEqual(
            openapi.text(), committed,
            'regenerate: python -m heat.api.autoscaling.openapi > '
            'doc/autoscaling-api.openapi.json')

    def test_every_route_is_documented(self):
        paths = json.loads(openapi.text())['paths']
        for route in ROUTES:
            path = route.path.rstrip('/') or route.path
            self.assertIn(route.method.lower(), paths[path], route.path)


class TestPolicyRules(base.TestCase):

    def test_every_authenticated_route_has_a_rule(self):
        ctrls = controllers.make_controllers(None)
        for route in ROUTES:
            if route.controller == 'as_public':
                continue
            rule = '%s:%s' % (ctrls[route.controller].POLICY_SCOPE,
                              route.action)
            self.assertIn(rule, policy.ACTIONS)

    def test_reads_need_reader_and_writes_member(self):
        from heat.common import context
        enforcer = policy.Enforcer()
        reader = context.RequestContext(project_id='p1', user_id='u',
                                        roles=['reader'])
        member = context.RequestContext(project_id='p1', user_id='u',
                                        roles=['member'])
        for name, (check, _doc) in policy.AUTOSCALING_ACTIONS.items():
            enforcer.enforce(member, name, 'p1')
            if check == policy.READER:
                enforcer.enforce(reader, name, 'p1')
            else:
                self.assertRaises(policy.Forbidden, enforcer.enforce,
                                  reader, name, 'p1')
            self.assertRaises(policy.Forbidden, enforcer.enforce, member,
                              name, 'p2')

    def test_sample_policy_file_is_current(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        out = os.path.join(tmp, 'policy.yaml.sample')
        # what oslopolicy-sample-generator --config-file
        # etc/heat/heat-policy-generator.conf writes, without needing the
        # package's entry points installed
        with mock.patch.object(generator, 'get_policies_dict',
                               return_value={'heat': policy.list_rules()}):
            generator._generate_sample(['heat'], out)
        with open(out) as f:
            generated = f.read()
        with open(POLICY_SAMPLE) as f:
            committed = f.read()
        self.assertIn('autoscaling:group:create', committed)
        self.assertEqual(generated, committed,
                         'regenerate: oslopolicy-sample-generator '
                         '--config-file etc/heat/heat-policy-generator.conf')
