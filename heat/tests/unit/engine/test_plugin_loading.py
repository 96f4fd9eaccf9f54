"""Resource plug-ins: ``[DEFAULT] plugin_dirs`` and the
``heat.resource_plugins`` entry points (heat.engine.resources)."""

import importlib
import importlib.metadata
import logging
import os
import subprocess
import sys
import textwrap
import uuid

import fixtures

from heat.common import config, context, exception
from heat.engine import resource_types, resources, service
from heat.tests import base, db_fixtures

WAIT = 60
TYPE = 'OS::Test::PluginThing'

#: a plug-in module as upstream Heat plug-ins are written
PLUGIN = '''
from heat.engine import attributes, properties, resource


class PluginThing(resource.Resource):
    """A thing made by a resource plug-in."""

    properties_schema = {
        'name': properties.Schema(properties.Schema.STRING,
                                  'The name of the thing.', required=True),
    }
    attributes_schema = {
        'greeting': attributes.Schema('A greeting for the thing.'),
    }

    def handle_create(self):
        self.resource_id_set('plugin-' + self.properties['name'])

    def _resolve_attribute(self, name):
        if name == 'greeting':
            return 'hello ' + self.properties['name']
        return None


def resource_mapping():
    return {%(type)r: PluginThing}
''' % {'type': TYPE}

TEMPLATE = '''
heat_template_version: 2016-10-14
resources:
  thing:
    type: OS::Test::PluginThing
    properties:
      name: bob
outputs:
  greeting:
    value: {get_attr: [thing, greeting]}
'''


def _mapping_module(type_name, base_class='OS::Heat::None', extra=''):
    """Source of a module mapping ``type_name`` to a subclass of an engine
    type's class."""
    return textwrap.dedent('''
        from heat.engine import resources

        class Thing(resources.get_class(%(base)r)):
            """%(type)s, from a plug-in."""

        %(extra)s

        def resource_mapping():
            return {%(type)r: Thing}
        ''') % {'type': type_name, 'base': base_class, 'extra': extra}


class PluginFixture(fixtures.Fixture):
    """``plugin_dirs`` set to ``dirs``; the registry's plug-ins forgotten
    before and after (no type leaks into other tests).

    Of the ``heat.resource_plugins`` entry points installed, only those of
    the distributions ``dists`` names are seen (the plug-ins installed in
    the test environment do not change what a test loads).
    """

    def __init__(self, dirs, dists=()):
        super().__init__()
        self.dirs = dirs
        self.dists = set(dists)

    def _setUp(self):
        real = importlib.metadata.entry_points

        def entry_points(**kwargs):
            found = real(**kwargs)
            if kwargs.get('group') != resources.ENTRY_POINT_GROUP:
                return found
            return [ep for ep in found
                    if ep.dist is not None and ep.dist.name in self.dists]

        self.useFixture(fixtures.MonkeyPatch(
            'importlib.metadata.entry_points', entry_points))
        config.CONF.set_override('plugin_dirs', self.dirs)
        self.addCleanup(config.CONF.clear_override, 'plugin_dirs')
        resources.reset_for_tests()
        self.addCleanup(resources.reset_for_tests)


class PluginTestMixin:

    def make_dir(self, files):
        """A temporary directory holding ``{relative path: source}``."""
        path = self.useFixture(fixtures.TempDir()).path
        for name, text in files.items():
            full = os.path.join(path, name)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, 'w') as f:
                f.write(text)
        return path

    def use_dirs(self, *dirs, dists=()):
        self.useFixture(PluginFixture(list(dirs), dists))

    def capture_log(self):
        return self.useFixture(fixtures.FakeLogger(
            name='heat.engine.resources', level=logging.INFO,
            format='%(levelname)s %(message)s'))

    def warnings(self, log):
        return [line for line in log.output.splitlines()
                if line.startswith('WARNING')]


class TestPluginDirs(PluginTestMixin, base.TestCase):

    def test_plugin_type_is_registered(self):
        self.use_dirs(self.make_dir({'thing.py': PLUGIN}))
        cls = resources.get_class(TYPE)
        self.assertEqual('PluginThing', cls.__name__)
        self.assertRegex(cls.__module__,
                         r'^heat\.engine\.plugins\.dir\d+\.thing$')
        self.assertIn(TYPE, resources.all_types())
        self.assertEqual([TYPE], resources.plugin_types())
        # the engine's own types are still there
        self.assertIn('OS::Heat::None', resources.all_types())

    def test_without_the_directory_the_type_is_unknown(self):
        self.make_dir({'thing.py': PLUGIN})  # not configured
        self.use_dirs()
        self.assertRaises(exception.ResourceTypeNotFound,
                          resources.get_class, TYPE)
        self.assertEqual([], resources.plugin_types())

    def test_missing_directory_is_skipped_silently(self):
        log = self.capture_log()
        missing = os.path.join(self.make_dir({}), 'no', 'such', 'dir')
        self.use_dirs(missing, self.make_dir({'thing.py': PLUGIN}))
        self.assertEqual('PluginThing', resources.get_class(TYPE).__name__)
        self.assertEqual([], self.warnings(log))

    def test_broken_modules_are_skipped_with_a_warning(self):
        log = self.capture_log()
        path = self.make_dir({
            'a_raises.py': _mapping_module('OS::Test::Raises', extra=(
                'raise RuntimeError("plug-in exploded")')),
            'b_syntax.py': 'def broken(:\n',
            'c_missing_dep.py': 'import heat_no_such_dependency\n',
            'd_bad_mapping.py': 'def resource_mapping():\n'
                                '    raise ValueError("no mapping today")\n',
            'e_exits.py': 'import sys\nsys.exit(3)\n',
            'thing.py': PLUGIN,
        })
        self.use_dirs(path)
        self.assertEqual('PluginThing', resources.get_class(TYPE).__name__)
        self.assertEqual([TYPE], resources.plugin_types())
        self.assertRaises(exception.ResourceTypeNotFound,
                          resources.get_class, 'OS::Test::Raises')
        warned = self.warnings(log)
        self.assertEqual(5, len(warned), warned)
        for name, error in (
                ('a_raises.py', 'RuntimeError: plug-in exploded'),
                ('b_syntax.py', 'SyntaxError'),
                ('c_missing_dep.py', "No module named "
                                     "'heat_no_such_dependency'"),
                ('d_bad_mapping.py', 'ValueError: no mapping today'),
                ('e_exits.py', 'SystemExit: 3')):
            found = [w for w in warned if os.path.join(path, name) in w]
            self.assertEqual(1, len(found), (name, warned))
            self.assertIn(error, found[0])

    def test_same_module_name_in_two_directories(self):
        one = self.make_dir({'mod.py': _mapping_module('OS::Test::One')})
        two = self.make_dir({'mod.py': _mapping_module('OS::Test::Two')})
        self.use_dirs(one, two)
        cls_one = resources.get_class('OS::Test::One')
        cls_two = resources.get_class('OS::Test::Two')
        self.assertNotEqual(cls_one.__module__, cls_two.__module__)
        self.assertTrue(cls_one.__module__.endswith('.mod'))
        self.assertTrue(cls_two.__module__.endswith('.mod'))
        self.assertEqual(['OS::Test::One', 'OS::Test::Two'],
                         resources.plugin_types())

    def test_packages_are_walked(self):
        log = self.capture_log()
        path = self.make_dir({
            'pkg/__init__.py': '',
            'pkg/sub/__init__.py': 'from . import helper\n',
            'pkg/sub/helper.py': 'NAME = "OS::Test::Deep"\n',
            'pkg/sub/types.py': _mapping_module('OS::Test::Deep'),
            'notapkg/mod.py': _mapping_module('OS::Test::NoInit'),
        })
        self.use_dirs(path)
        cls = resources.get_class('OS::Test::Deep')
        self.assertTrue(cls.__module__.endswith('.pkg.sub.types'),
                        cls.__module__)
        # a directory without __init__.py is no package: not walked
        self.assertEqual(['OS::Test::Deep'], resources.plugin_types())
        self.assertEqual([], self.warnings(log))

    def test_tests_and_setup_are_not_plugins(self):
        # as upstream: test packages and setup.py are not imported
        log = self.capture_log()
        path = self.make_dir({
            'pkg/__init__.py': '',
            'pkg/tests/__init__.py': '',
            'pkg/tests/test_x.py': _mapping_module('OS::Test::FromTests'),
            'tests/__init__.py': _mapping_module('OS::Test::TopTests'),
            'setup.py': 'raise SystemExit("setup.py is not a plug-in")\n',
            'thing.py': PLUGIN,
        })
        self.use_dirs(path)
        self.assertEqual([TYPE], resources.plugin_types())
        self.assertEqual([], self.warnings(log))

    def test_available_resource_mapping_comes_first(self):
        path = self.make_dir({
            'filtered.py': _mapping_module('OS::Test::All', extra=(
                'def available_resource_mapping():\n'
                '    return {"OS::Test::Available": Thing}\n')),
            'unfiltered.py': _mapping_module('OS::Test::Fallback', extra=(
                'def available_resource_mapping():\n'
                '    return None\n')),
        })
        self.use_dirs(path)
        self.assertEqual(['OS::Test::Available', 'OS::Test::Fallback'],
                         resources.plugin_types())
        self.assertRaises(exception.ResourceTypeNotFound,
                          resources.get_class, 'OS::Test::All')

    def test_plugin_replaces_an_engine_type_with_a_warning(self):
        original = resources.get_class('OS::Heat::None')
        log = self.capture_log()
        path = self.make_dir({'override.py': _mapping_module(
            'OS::Heat::None')})
        self.use_dirs(path)
        replaced = resources.get_class('OS::Heat::None')
        self.assertIsNot(original, replaced)
        self.assertTrue(issubclass(replaced, original))
        warned = self.warnings(log)
        self.assertEqual(1, len(warned), warned)
        self.assertIn('replaces resource type OS::Heat::None', warned[0])
        self.assertIn(os.path.join(path, 'override.py'), warned[0])
        # forgetting the plug-ins gives the engine's class back
        resources.reset_for_tests()
        config.CONF.set_override('plugin_dirs', [])
        self.assertIs(original, resources.get_class('OS::Heat::None'))

    def test_reset_forgets_types_and_modules(self):
        path = self.make_dir({'thing.py': PLUGIN})
        self.use_dirs(path)
        module = resources.get_class(TYPE).__module__
        self.assertIn(module, sys.modules)
        resources.reset_for_tests()
        self.assertNotIn(module, sys.modules)
        config.CONF.set_override('plugin_dirs', [])
        self.assertNotIn(TYPE, resources.all_types())
        # and the next lookup loads the configured directories again
        resources.reset_for_tests()
        config.CONF.set_override('plugin_dirs', [path])
        self.assertEqual('PluginThing', resources.get_class(TYPE).__name__)

    def test_a_directory_is_loaded_once(self):
        path = self.make_dir({'thing.py': PLUGIN})
        self.use_dirs(path, path + os.sep)
        self.assertEqual([TYPE], resources.plugin_types())
        self.assertEqual([], resources.load_plugin_dir(path))

    def test_offline_validation_knows_plugin_types(self):
        self.capture_log()
        self.use_dirs(self.make_dir({
            'thing.py': PLUGIN,
            'nova.py': _mapping_module('OS::Nova::KeyPair')}))
        self.assertTrue(resource_types.check_available(TYPE).engine_internal)
        # a plug-in implementing a cloud type needs no cloud service
        self.assertIsNone(
            resource_types.check_available('OS::Nova::KeyPair').service)
        self.assertRaises(exception.ResourceTypeUnavailable,
                          resource_types.check_available, 'OS::Nova::Server')
        self.assertRaises(exception.ResourceTypeNotFound,
                          resource_types.check_available, 'OS::Test::Nope')


class TestEntryPoints(PluginTestMixin, base.TestCase):

    def install(self, entry_points):
        """A distribution on ``sys.path`` with a plug-in module and the
        ``heat.resource_plugins`` entry points given (``name = value``
        lines)."""
        suffix = uuid.uuid4().hex[:8]
        module = 'heat_test_ep_plugin_%s' % suffix
        dist = 'heat_test_ep_dist_%s' % suffix
        path = self.make_dir({
            module + '.py': PLUGIN + textwrap.dedent('''
                class Holder:
                    @staticmethod
                    def resource_mapping():
                        return {"OS::Test::FromObject": PluginThing}
                '''),
            dist + '-1.0.dist-info/METADATA': (
                'Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n' % dist),
            dist + '-1.0.dist-info/entry_points.txt': (
                '[heat.resource_plugins]\n' + ''.join(
                    '%s\n' % line.replace('MODULE', module)
                    for line in entry_points)),
        })
        sys.path.insert(0, path)
        self.addCleanup(sys.path.remove, path)
        importlib.invalidate_caches()
        self.addCleanup(sys.modules.pop, module, None)
        return module, dist

    def test_entry_point_module_is_loaded(self):
        module, dist = self.install(['thing = MODULE'])
        self.use_dirs(dists=[dist])
        cls = resources.get_class(TYPE)
        self.assertEqual(module, cls.__module__)
        self.assertEqual([TYPE], resources.plugin_types())

    def test_entry_point_object_is_loaded(self):
        _module, dist = self.install(['holder = MODULE:Holder'])
        self.use_dirs(dists=[dist])
        self.assertEqual(['OS::Test::FromObject'], resources.plugin_types())

    def test_broken_entry_points_are_skipped_with_a_warning(self):
        log = self.capture_log()
        _module, dist = self.install([
            'a_missing = heat_test_no_such_plugin_module',
            'b_nomapping = os.path',
            'c_thing = MODULE'])
        self.use_dirs(dists=[dist])
        self.assertEqual([TYPE], resources.plugin_types())
        warned = self.warnings(log)
        self.assertEqual(2, len(warned), warned)
        self.assertIn('a_missing = heat_test_no_such_plugin_module',
                      warned[0])
        self.assertIn('ModuleNotFoundError', warned[0])
        self.assertIn('b_nomapping = os.path', warned[1])
        self.assertIn('neither available_resource_mapping()', warned[1])

    def test_entry_points_of_the_group_are_read(self):
        seen = []

        def entry_points(**kwargs):
            seen.append(kwargs)
            return []

        self.use_dirs()
        self.useFixture(fixtures.MonkeyPatch(
            'importlib.metadata.entry_points', entry_points))
        resources.all_types()
        self.assertEqual([{'group': 'heat.resource_plugins'}], seen)

    def test_entry_point_and_directory_plugins_together(self):
        _module, dist = self.install(['holder = MODULE:Holder'])
        self.use_dirs(self.make_dir({'thing.py': PLUGIN}), dists=[dist])
        self.assertEqual(['OS::Test::FromObject', TYPE],
                         resources.plugin_types())

    def test_installed_contrib_plugin_registers_itself(self):
        # contrib/heat-autoscaling-resources, when pip-installed, needs no
        # plugin_dirs: its entry point is enough.
        name = 'heat-autoscaling-resources'
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            self.skipTest('%s is not installed' % name)
        self.use_dirs(dists=[name, name.replace('-', '_')])
        cls = resources.get_class('OS::AutoScaling::Group')
        self.assertEqual('heat_autoscaling_resources.resources',
                         cls.__module__)
        for suffix in ('Group', 'Policy', 'Webhook'):
            self.assertIn('OS::AutoScaling::' + suffix,
                          resources.plugin_types())


class TestProcessConfiguration(PluginTestMixin, base.TestCase):

    def test_config_file_plugin_dirs_reach_the_registry(self):
        # What heat-all and heat-engine do: load the configuration files,
        # then look types up.
        path = self.make_dir({'thing.py': PLUGIN})
        conf_file = os.path.join(self.make_dir({}), 'heat.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nplugin_dirs = /no/such/dir,%s\n' % path)
        code = textwrap.dedent('''
            import sys
            from heat.common import config
            from heat.engine import resources
            config.load([sys.argv[1]])
            print(resources.get_class(%r).__module__)
            print(%r in resources.plugin_types())
            ''') % (TYPE, TYPE)
        result = subprocess.run([sys.executable, '-c', code, conf_file],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(0, result.returncode, result.stderr)
        lines = result.stdout.splitlines()
        self.assertRegex(lines[0], r'^heat\.engine\.plugins\.dir\d+\.thing$')
        self.assertEqual('True', lines[1])


def ctx():
    return context.RequestContext(project_id='p1', user_id='u1',
                                  user_name='user1')


class TestPluginStacks(PluginTestMixin, db_fixtures.DBTestCase):
    """A plug-in type in real stacks, through the engine service."""

    BACKEND = db_fixtures.BACKENDS['sqlite']

    def setUp(self):
        super().setUp()
        self.use_dirs(self.make_dir({'thing.py': PLUGIN}))
        self.svc = service.EngineService(engine_id='engine-plugins')
        self.addCleanup(self.svc.stop, WAIT)
        self.ctx = ctx()

    def test_stack_with_a_plugin_resource(self):
        ident = self.svc.create_stack(self.ctx, 'plugged', TEMPLATE, {}, {},
                                      {'timeout_mins': 5})
        self.assertTrue(self.svc.wait(ident, WAIT))
        info = self.svc.show_stack(self.ctx, ident)[0]
        self.assertEqual(('CREATE', 'COMPLETE'),
                         (info['stack_action'], info['stack_status']),
                         info['stack_status_reason'])
        outputs = {o['output_key']: o.get('output_value')
                   for o in info['outputs']}
        self.assertEqual({'greeting': 'hello bob'}, outputs)
        [rsrc] = self.svc.list_stack_resources(self.ctx, ident)
        self.assertEqual(TYPE, rsrc['resource_type'])
        self.assertEqual('plugin-bob', rsrc['physical_resource_id'])
        self.assertEqual('CREATE_COMPLETE', '%s_%s' % (
            rsrc['resource_action'], rsrc['resource_status']))

    def test_plugin_property_is_validated(self):
        bad = TEMPLATE.replace('name: bob', 'nom: bob')
        self.assertRaises(exception.StackValidationFailed,
                          self.svc.create_stack, self.ctx, 'bad', bad, {},
                          {}, {'timeout_mins': 5})

    def test_type_list_and_schema(self):
        names = self.svc.list_resource_types(self.ctx)
        self.assertIn(TYPE, names)
        self.assertIn('OS::Heat::None', names)
        self.assertEqual([TYPE], self.svc.list_resource_types(
            self.ctx, type_name='OS::Test::'))
        described = self.svc.list_resource_types(
            self.ctx, type_name='OS::Test::', with_description=True)
        self.assertEqual([{'resource_type': TYPE,
                           'description': 'A thing made by a resource '
                                          'plug-in.'}], described)
        schema = self.svc.resource_schema(self.ctx, TYPE,
                                          with_description=True)
        self.assertEqual(TYPE, schema['resource_type'])
        self.assertEqual(['name'], list(schema['properties']))
        self.assertEqual('string', schema['properties']['name']['type'])
        self.assertTrue(schema['properties']['name']['required'])
        self.assertEqual('The name of the thing.',
                         schema['properties']['name']['description'])
        self.assertIn('greeting', schema['attributes'])
        self.assertEqual('A greeting for the thing.',
                         schema['attributes']['greeting']['description'])

    def test_template_validate_accepts_the_plugin_type(self):
        result = self.svc.validate_template(self.ctx, TEMPLATE)
        self.assertNotIn('Error', result)
        unknown = self.svc.validate_template(
            self.ctx, TEMPLATE.replace(TYPE, 'OS::Test::Unplugged'))
        self.assertIn('OS::Test::Unplugged', unknown['Error'])
