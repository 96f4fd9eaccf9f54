"""Request limits over REST: template size (``max_template_size``,
524288 bytes as upstream), nested stack depth
(``max_nested_stack_depth``) and resources per stack
(``max_resources_per_stack``, nested stacks included), on create,
update, preview and preview of an update; plus ``template_url``. Each
is a 400 whose message names the limit and the offending value, and
leaves no row behind (the JSON body size limit, ``max_json_body_size``,
is tested endpoint by endpoint in test_bad_requests)."""

import json

from heat.common import config, template_format
from heat.tests.unit.api import APITestCase

SMALL = '''heat_template_version: 2016-10-14
resources:
  a:
    type: OS::Heat::None
'''


def hot(n, pad=0):
    """A template of ``n`` None resources, padded with a description of
    ``pad`` characters."""
    lines = ['heat_template_version: 2016-10-14',
             'description: "%s"' % ('x' * pad), 'resources:']
    for i in range(n):
        lines += ['  r%d:' % i, '    type: OS::Heat::None']
    return '\n'.join(lines) + '\n'


def chain(levels):
    """``(root template, files)``: a root whose resource is a template
    resource nesting ``levels`` stacks deep (level1.yaml ... levelN)."""
    files = {}
    for i in range(1, levels + 1):
        inner = ('level%d.yaml' % (i + 1) if i < levels else
                 'OS::Heat::None')
        files['level%d.yaml' % i] = (
            'heat_template_version: 2016-10-14\nresources:\n'
            '  inner:\n    type: %s\n' % inner)
    root = ('heat_template_version: 2016-10-14\nresources:\n'
            '  top:\n    type: level1.yaml\n')
    return root, files


def group(count):
    return '''heat_template_version: 2016-10-14
resources:
  one:
    type: OS::Heat::None
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: %d
      resource_def:
        type: OS::Heat::None
''' % count


class LimitTestCase(APITestCase):

    def setUp(self):
        super().setUp()
        self.sid = self.create('s1', template=SMALL)
        self.base = self.count_rows()

    def override(self, name, value):
        config.CONF.set_override(name, value)
        self.addCleanup(config.CONF.clear_override, name)

    def attempts(self, body):
        """Every way ``body`` (template, files...) reaches the engine:
        create, preview, update, patch-update, preview of an update."""
        s = '/stacks/s1/%s' % self.sid
        create = dict(body, stack_name='s2')
        return [('POST', '/stacks', create),
                ('POST', '/stacks/preview', create),
                ('PUT', s, body),
                ('PATCH', s, body),
                ('PUT', s + '/preview', body),
                ('PATCH', s + '/preview', body)]

    def assertRefused(self, body, *fragments, err_type=None):
        for method, path, data in self.attempts(body):
            what = '%s %s' % (method, path)
            resp = self.request(method, path, data)
            self.assertEqual(400, resp.status_code, '%s: %s'
                             % (what, resp.text))
            self.assertError(resp, 400, err_type)
            message = resp.json['error']['message']
            for fragment in fragments:
                self.assertIn(fragment, message, what)
            self.wait(self.sid)
            self.assertEqual(self.base, self.count_rows(), what)
        stack = self.request('GET', '/stacks/s1/%s' % self.sid).json['stack']
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'])
        self.assertEqual([], self.request('GET', '/stacks?name=s2')
                         .json['stacks'])


class TestBodySize(LimitTestCase):

    def test_body_over_the_limit_names_both_sizes(self):
        import types

        from heat.api import app as app_mod
        self.app = app_mod.make_app(self.engine_svc, types.SimpleNamespace(
            max_json_body_size=4096))
        body = {'template': hot(1, pad=5000)}
        size = len(json.dumps(dict(body, stack_name='s2')).encode())
        resp = self.request('POST', '/stacks', dict(body, stack_name='s2'))
        self.assertError(resp, 400, 'RequestTooLarge',
                         'JSON body size (%d bytes) exceeds maximum allowed '
                         'size (4096 bytes)' % size)
        self.assertRefused(body, '(4096 bytes)', err_type='RequestTooLarge')


class TestTemplateSize(LimitTestCase):

    def test_default_is_upstreams(self):
        self.assertEqual(524288, template_format.MAX_TEMPLATE_BYTES)

    def test_text_template_over_the_limit(self):
        text = hot(1, pad=524288)
        size = len(text.encode())
        self.assertRefused({'template': text}, str(size), '524288',
                           err_type='TemplateTooLarge')

    def test_template_as_json_object_over_the_limit(self):
        tmpl = {'heat_template_version': '2016-10-14',
                'description': 'x' * 524288,
                'resources': {'a': {'type': 'OS::Heat::None'}}}
        self.assertRefused({'template': tmpl}, '524288',
                           err_type='TemplateTooLarge')

    def test_nested_template_file_over_the_limit(self):
        body = {'template': 'heat_template_version: 2016-10-14\n'
                            'resources:\n  big:\n    type: big.yaml\n',
                'files': {'big.yaml': hot(1, pad=524288)}}
        self.assertRefused(body, '524288')

    def test_at_the_limit_is_accepted(self):
        text = hot(1)
        text = text.replace('description: ""', 'description: "%s"' % (
            'x' * (524288 - len(text.encode()))))
        self.assertEqual(524288, len(text.encode()))
        resp = self.request('POST', '/stacks/preview',
                            {'stack_name': 's2', 'template': text})
        self.assertEqual(200, resp.status_code, resp.text)

    def test_default_option_is_upstreams(self):
        self.assertEqual(524288, config.CONF.max_template_size)
        opts = {opt.dest: opt for group, opts in config.list_opts()
                if group is None for opt in opts}
        self.assertEqual(524288, opts['max_template_size'].default)

    def test_lowered_option_refuses_one_byte_over(self):
        self.override('max_template_size', 2048)
        text = hot(1)
        text = text.replace('description: ""', 'description: "%s"' % (
            'x' * (2049 - len(text.encode()))))
        self.assertEqual(2049, len(text.encode()))
        self.assertRefused(
            {'template': text},
            'Template size (2049 bytes) exceeds maximum allowed size '
            '(2048 bytes)', err_type='TemplateTooLarge')
        tmpl = {'heat_template_version': '2016-10-14',
                'description': 'x' * 2048,
                'resources': {'a': {'type': 'OS::Heat::None'}}}
        self.assertRefused({'template': tmpl}, '(2048 bytes)',
                           err_type='TemplateTooLarge')
        body = {'template': 'heat_template_version: 2016-10-14\n'
                            'resources:\n  big:\n    type: big.yaml\n',
                'files': {'big.yaml': text}}
        self.assertRefused(body, '(2049 bytes)', '(2048 bytes)')

    def test_lowered_option_accepts_its_size(self):
        self.override('max_template_size', 2048)
        text = hot(1)
        text = text.replace('description: ""', 'description: "%s"' % (
            'x' * (2048 - len(text.encode()))))
        self.assertEqual(2048, len(text.encode()))
        resp = self.request('POST', '/stacks/preview',
                            {'stack_name': 's2', 'template': text})
        self.assertEqual(200, resp.status_code, resp.text)

    def test_template_url_is_refused_by_name(self):
        for method, path, data in self.attempts(
                {'template_url': 'http://example.com/t.yaml'}):
            resp = self.request(method, path, data)
            self.assertError(resp, 400, message='template_url')
        self.assertEqual(self.base, self.count_rows())


class TestNestedDepth(LimitTestCase):

    def test_too_deep_is_refused_naming_the_limit(self):
        self.override('max_nested_stack_depth', 2)
        root, files = chain(3)
        self.assertRefused({'template': root, 'files': files},
                           'max_nested_stack_depth is 2', 'at depth 3')

    def test_at_the_limit_is_accepted(self):
        self.override('max_nested_stack_depth', 2)
        root, files = chain(2)
        sid = self.create('deep', template=root, files=files)
        stack = self.request('GET', '/stacks/deep/%s' % sid).json['stack']
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'],
                         stack['stack_status_reason'])


class TestResourcesPerStack(LimitTestCase):

    def test_too_many_resources_naming_the_limit_and_count(self):
        self.override('max_resources_per_stack', 3)
        self.assertRefused({'template': hot(4)},
                           'max_resources_per_stack is 3', ' 4 ')

    def test_nested_resources_count(self):
        self.override('max_resources_per_stack', 3)
        # one + the group's 3 members: 4 (the group itself not counted)
        self.assertRefused({'template': group(3)},
                           'max_resources_per_stack is 3', ' 4 ')

    def test_at_the_limit_is_accepted(self):
        self.override('max_resources_per_stack', 3)
        sid = self.create('s2', template=group(2))
        stack = self.request('GET', '/stacks/s2/%s' % sid).json['stack']
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'],
                         stack['stack_status_reason'])

    def test_template_resources_count_their_resources(self):
        self.override('max_resources_per_stack', 4)
        two = hot(2)
        root = ('heat_template_version: 2016-10-14\nresources:\n'
                '  a:\n    type: OS::Heat::None\n'
                '  b:\n    type: two.yaml\n  c:\n    type: two.yaml\n')
        # a + 2 + 2 = 5
        self.assertRefused({'template': root, 'files': {'two.yaml': two}},
                           'max_resources_per_stack is 4', ' 5 ')

    def test_group_members_that_are_stacks_count_their_resources(self):
        self.override('max_resources_per_stack', 5)
        root = group(3).replace('type: OS::Heat::None\n', 'type: two.yaml\n')
        root = root.replace('  one:\n    type: two.yaml\n',
                            '  one:\n    type: OS::Heat::None\n')
        # one + 3 members x 2 = 7
        self.assertRefused({'template': root,
                            'files': {'two.yaml': hot(2)}},
                           'max_resources_per_stack is 5', ' 7 ')

    def test_scaling_group_counts_its_initial_capacity(self):
        self.override('max_resources_per_stack', 3)
        tmpl = """heat_template_version: 2016-10-14
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      desired_capacity: 4
      max_size: 10
      resource:
        type: OS::Heat::None
"""
        self.assertRefused({'template': tmpl},
                           'max_resources_per_stack is 3', ' 4 ')

    def test_unlimited(self):
        self.override('max_resources_per_stack', -1)
        resp = self.request('POST', '/stacks/preview',
                            {'stack_name': 's2', 'template': hot(50)})
        self.assertEqual(200, resp.status_code, resp.text)
