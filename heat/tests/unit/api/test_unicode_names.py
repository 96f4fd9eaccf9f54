"""A stack whose resource has a non-ASCII name, through the v1 API, as
upstream's StackUnicodeTemplateTest uses it (issue 12): the identity's
path holds the name as it is, the links percent-encode it, and the
resource is found by its name in a percent-encoded URL."""

import urllib.parse

from heat.tests.unit.api import APITestCase

NAME = '\u8d44\u6e90'

UNICODE_TEMPLATE = '''
heat_template_version: 2014-10-16
description: \u8fd9\u662f\u4e00\u4e2a\u63cf\u8ff0
parameters:
  \u53c2\u6570:
    type: number
    default: 10
resources:
  \u8d44\u6e90:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: \u53c2\u6570}
outputs:
  \u8f93\u51fa:
    value: {get_attr: [\u8d44\u6e90, value]}
'''

QUOTED = urllib.parse.quote(NAME, safe='')


class TestUnicodeResourceName(APITestCase):

    def test_preview_identity_path_holds_the_name_as_it_is(self):
        resp = self.request('POST', '/stacks/preview', {
            'stack_name': 'uni', 'template': UNICODE_TEMPLATE,
            'disable_rollback': True})
        self.assertEqual(200, resp.status_code, resp.text)
        res, = resp.json['stack']['resources']
        self.assertEqual(NAME, res['resource_name'])
        self.assertEqual('/resources/%s' % NAME,
                         res['resource_identity']['path'])

    def test_resource_links_percent_encode_the_name(self):
        stack_id = self.create('uni', UNICODE_TEMPLATE)
        resp = self.request('GET', '/stacks/uni/%s/resources' % stack_id)
        self.assertEqual(200, resp.status_code, resp.text)
        res, = resp.json['resources']
        self.assertEqual(NAME, res['resource_name'])
        hrefs = [link['href'] for link in res['links']
                 if link['rel'] == 'self']
        self.assertEqual(1, len(hrefs), res['links'])
        self.assertTrue(hrefs[0].endswith(
            '/v1/p1/stacks/uni/%s/resources/%s' % (stack_id, QUOTED)),
            hrefs[0])
        shown = self.request('GET', '/stacks/uni/%s/resources/%s'
                             % (stack_id, QUOTED))
        self.assertEqual(200, shown.status_code, shown.text)
        self.assertEqual(NAME, shown.json['resource']['resource_name'])
