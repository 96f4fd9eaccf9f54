"""heat-manage template validate: arguments, files, output, exit codes."""

import io
import json
import os
import subprocess
import sys

import fixtures

from heat.cmd import manage
from heat.tests import base, pinned

HOT = pinned.VALIDATE_TEMPLATE
PINNED = pinned.VALIDATE_RESULT


class CliTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def run_cli(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        code = manage.main(list(argv), out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    def url(self, name):
        return manage._file_url(os.path.join(self.dir, name))


class TestParameterArguments(base.TestCase):

    def test_repeated_key_value_pairs(self):
        self.assertEqual({'a': '1', 'b': 'x=y'},
                         manage.parse_parameters(['a=1', 'b=x=y']))

    def test_semicolon_separated_pairs(self):
        self.assertEqual({'a': '1', 'b': '2'},
                         manage.parse_parameters(['a=1;b=2']))

    def test_pair_without_equals_is_an_input_error(self):
        err = self.assertRaises(manage.InputError,
                                manage.parse_parameters, ['novalue'])
        self.assertIn('Malformed parameter (novalue)', str(err))


class TestArgumentParsing(base.TestCase):

    def test_validate_arguments(self):
        args = manage.build_parser().parse_args(
            ['template', 'validate', 't.yaml', '-e', 'a.yaml', '-e',
             'b.yaml', '-P', 'x=1', '--show-nested'])
        self.assertEqual('t.yaml', args.file)
        self.assertEqual(['a.yaml', 'b.yaml'], args.environment)
        self.assertEqual(['x=1'], args.parameter)
        self.assertTrue(args.show_nested)

    def test_a_category_is_required(self):
        err = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        exc = self.assertRaises(SystemExit, manage.main, [])
        self.assertEqual(2, exc.code)


class TestFileCollection(CliTestCase):

    def test_get_file_and_provider_types_are_read_relative(self):
        self.write('sub/script.sh', 'echo hi\n')
        self.write('sub/member.yaml',
                   'heat_template_version: 2015-10-15\n'
                   'resources:\n'
                   '  r: {type: OS::Heat::None}\n')
        collector = manage.FileCollector()
        tmpl = {'resources': {
            'a': {'type': 'member.yaml',
                  'properties': {'x': {'get_file': 'script.sh'}}}}}
        collector.resolve_template(tmpl, self.url('sub') + '/')
        member_url = self.url('sub/member.yaml')
        script_url = self.url('sub/script.sh')
        self.assertEqual(member_url, tmpl['resources']['a']['type'])
        self.assertEqual(
            script_url, tmpl['resources']['a']['properties']['x']['get_file'])
        self.assertEqual('echo hi\n', collector.files[script_url])
        self.assertEqual({'heat_template_version': '2015-10-15',
                          'resources': {'r': {'type': 'OS::Heat::None'}}},
                         json.loads(collector.files[member_url]))

    def test_registry_files_are_read_but_type_names_are_not(self):
        self.write('env/provider.yaml',
                   'heat_template_version: 2015-10-15\n')
        collector = manage.FileCollector()
        registry = {'My::A': 'provider.yaml', 'My::B': 'OS::Heat::None',
                    'resources': {'r': {'hooks': 'pre-create',
                                        'My::C': 'provider.yaml'}}}
        collector.resolve_registry(registry, self.url('env') + '/')
        url = self.url('env/provider.yaml')
        self.assertEqual(url, registry['My::A'])
        self.assertEqual('OS::Heat::None', registry['My::B'])
        self.assertEqual({'hooks': 'pre-create', 'My::C': url},
                         registry['resources']['r'])
        self.assertEqual([url], list(collector.files))

    def test_missing_referenced_file_is_an_input_error(self):
        collector = manage.FileCollector()
        tmpl = {'resources': {'a': {'type': 'nowhere.yaml'}}}
        err = self.assertRaises(manage.InputError,
                                collector.resolve_template, tmpl,
                                self.url('x') + '/')
        self.assertIn('Could not fetch contents for', str(err))
        self.assertIn('nowhere.yaml', str(err))


class TestValidateCommand(CliTestCase):

    def test_valid_template_prints_json_and_exits_0(self):
        path = self.write('t.yaml', HOT)
        code, out, err = self.run_cli('template', 'validate', path)
        self.assertEqual(0, code, err)
        self.assertEqual(PINNED, json.loads(out))

    def test_plugin_dirs_of_the_config_file_are_loaded(self):
        from heat.engine import resources
        resources.reset_for_tests()
        self.addCleanup(resources.reset_for_tests)
        self.write('plugins/thing.py', (
            'from heat.engine import resource\n'
            'class Thing(resource.Resource):\n'
            '    pass\n'
            'def resource_mapping():\n'
            '    return {"OS::Test::ManagedThing": Thing}\n'))
        conf = self.write('heat.conf', '[DEFAULT]\nplugin_dirs = %s\n'
                          % os.path.join(self.dir, 'plugins'))
        path = self.write('t.yaml', 'heat_template_version: 2018-08-31\n'
                          'resources:\n'
                          '  t: {type: OS::Test::ManagedThing}\n')
        code, out, err = self.run_cli('template', 'validate', path)
        self.assertEqual(1, code)
        self.assertIn('OS::Test::ManagedThing', err)
        code, out, err = self.run_cli('--config-file', conf, 'template',
                                      'validate', path)
        self.assertEqual(0, code, err)
        self.assertEqual({}, json.loads(out)['Parameters'])

    def test_missing_file_exits_1_without_traceback(self):
        code, out, err = self.run_cli('template', 'validate',
                                      os.path.join(self.dir, 'none.yaml'))
        self.assertEqual(1, code)
        self.assertEqual('', out)
        self.assertIn('ERROR: Could not fetch contents for', err)
        self.assertNotIn('Traceback', err)

    def test_bad_yaml_exits_1_with_the_file_named(self):
        path = self.write('bad.yaml', 'heat_template_version: [\n')
        code, out, err = self.run_cli('template', 'validate', path)
        self.assertEqual(1, code)
        self.assertIn('bad.yaml', err)
        self.assertNotIn('Traceback', err)

    def test_invalid_template_prints_message_with_path(self):
        path = self.write('t.yaml', 'heat_template_version: 2015-10-15\n'
                                    'resources:\n'
                                    '  web:\n'
                                    '    type: idontexist\n')
        code, out, err = self.run_cli('template', 'validate', path)
        self.assertEqual(1, code)
        self.assertEqual('', out)
        self.assertIn('resources.web', err)
        self.assertIn('The Resource Type (idontexist) could not be found.',
                      err)

    def test_cloud_type_names_the_missing_service(self):
        path = self.write('t.yaml', 'heat_template_version: 2015-10-15\n'
                                    'parameters:\n'
                                    '  flavor:\n'
                                    '    type: string\n'
                                    '    constraints:\n'
                                    '      - custom_constraint: nova.flavor\n'
                                    'resources:\n'
                                    '  vm:\n'
                                    '    type: OS::Nova::Server\n')
        code, out, err = self.run_cli('template', 'validate', path)
        self.assertEqual(1, code)
        self.assertIn('note: parameters.flavor: nova.flavor not verified',
                      err)
        self.assertIn('Service nova is not available for resource type '
                      'OS::Nova::Server', err)

    def test_examples_validate(self):
        root = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
        ex = os.path.join(root, 'examples')
        code, out, err = self.run_cli(
            'template', 'validate',
            os.path.join(ex, 'templates', 'provider_group.yaml'),
            '-e', os.path.join(ex, 'templates', 'env.yaml'),
            '-P', 'count=3', '--show-nested')
        self.assertEqual(0, code, err)
        member = json.loads(out)['NestedParameters']['group'][
            'NestedParameters']['0']
        secret = member['Parameters']['secret']
        # Hidden, and its template default shown as upstream shows it.
        self.assertEqual(('true', 'not-so-secret'),
                         (secret['NoEcho'], secret['Default']))
        code, out, err = self.run_cli(
            'template', 'validate', os.path.join(ex, 'autoscaling.yaml'))
        self.assertEqual(0, code, err)

    def test_environment_and_parameters_reach_the_result(self):
        path = self.write('t.yaml', HOT)
        env = self.write('e.yaml', 'parameter_defaults:\n  the_count: 2\n')
        code, out, err = self.run_cli('template', 'validate', path,
                                      '-e', env, '-P', 'the_count=3')
        self.assertEqual(0, code, err)
        result = json.loads(out)
        self.assertEqual({'the_count': '3'},
                         result['Environment']['parameters'])
        self.assertEqual({'the_count': 2},
                         result['Environment']['parameter_defaults'])

    def test_provider_in_environment_registry_is_validated(self):
        self.write('p/member.yaml',
                   'heat_template_version: 2015-10-15\n'
                   'parameters:\n'
                   '  length: {type: number}\n'
                   'resources:\n'
                   '  r: {type: OS::Heat::RandomString}\n'
                   'outputs:\n'
                   '  value: {value: {get_attr: [r, value]}}\n')
        env = self.write('p/env.yaml',
                         'resource_registry:\n'
                         '  My::Member: member.yaml\n')
        path = self.write('t.yaml',
                          'heat_template_version: 2015-10-15\n'
                          'resources:\n'
                          '  m:\n'
                          '    type: My::Member\n'
                          '    properties: {length: 8}\n')
        code, out, err = self.run_cli('template', 'validate', path,
                                      '-e', env)
        self.assertEqual(0, code, err)
        self.assertEqual(
            {'My::Member': self.url('p/member.yaml'), 'resources': {}},
            json.loads(out)['Environment']['resource_registry'])

    def test_unverified_cloud_constraints_are_noted_on_stderr(self):
        path = self.write('t.yaml',
                          'heat_template_version: 2015-10-15\n'
                          'parameters:\n'
                          '  image:\n'
                          '    type: string\n'
                          '    constraints:\n'
                          '      - custom_constraint: glance.image\n'
                          'resources: {}\n')
        code, out, err = self.run_cli('template', 'validate', path)
        self.assertEqual(0, code, err)
        self.assertIn('glance.image', err)
        self.assertIn('glance', err)
        self.assertNotIn('UnverifiedConstraints', json.loads(out))
        code, out, err = self.run_cli('template', 'validate', path,
                                      '--show-unverified')
        self.assertEqual(0, code, err)
        self.assertEqual([{'path': 'parameters.image',
                           'constraint': 'glance.image',
                           'service': 'glance'}],
                         json.loads(out)['UnverifiedConstraints'])


class TestConsoleScript(CliTestCase):

    def test_module_runs_as_a_program(self):
        path = self.write('t.yaml', HOT)
        proc = subprocess.run(
            [sys.executable, '-m', 'heat.cmd.manage', 'template',
             'validate', path], capture_output=True, text=True)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertEqual(PINNED, json.loads(proc.stdout))
