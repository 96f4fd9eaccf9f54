"""Environment, resource registry, hooks and merging environment files."""

from heat.common import exception
from heat.engine import environment, parameters
from heat.tests import base


def registry(snippet):
    return environment.Environment({'resource_registry': snippet}).registry


def resolve(snippet, type_name, resource_name=None):
    info = registry(snippet).get_resource_info(type_name, resource_name)
    return (info.kind, info.value)


class TestResourceInfo(base.TestCase):
    """registry, type (, resource) -> (kind, value)."""

    CASES = [
        ('unmapped', {}, 'OS::Nova::Server', None,
         ('type', 'OS::Nova::Server')),
        ('alias', {'My::Type': 'OS::Heat::RandomString'}, 'My::Type', None,
         ('alias', 'OS::Heat::RandomString')),
        ('alias_chain', {'A::A': 'B::B', 'B::B': 'C::C'}, 'A::A', None,
         ('alias', 'C::C')),
        ('provider_file', {'My::Type': 'my.yaml'}, 'My::Type', None,
         ('template', 'my.yaml')),
        ('provider_url', {'My::Type': 'https://x.test/t.template'},
         'My::Type', None, ('template', 'https://x.test/t.template')),
        ('provider_relative', {'My::Type': 'dir/nested.yaml'}, 'My::Type',
         None, ('template', 'dir/nested.yaml')),
        ('template_type_itself', {}, 'nested.yaml', None,
         ('template', 'nested.yaml')),
        ('template_name_as_key', {'nested.yaml': 'https://x/other.yaml'},
         'nested.yaml', None, ('template', 'nested.yaml')),
        ('alias_to_provider', {'A::A': 'B::B', 'B::B': 'b.yaml'}, 'A::A',
         None, ('template', 'b.yaml')),
        ('glob', {'OS::Networking::*': 'OS::Neutron::*'},
         'OS::Networking::FloatingIP', None,
         ('alias', 'OS::Neutron::FloatingIP')),
        ('glob_not_matching', {'OS::Networking::*': 'OS::Neutron::*'},
         'OS::Nova::Server', None, ('type', 'OS::Nova::Server')),
        ('glob_many_to_one', {'OS::*': 'OS::Heat::None'},
         'OS::Nova::Server', None, ('alias', 'OS::Heat::None')),
        ('glob_many_to_one_target', {'OS::*': 'OS::Heat::None'},
         'OS::Heat::None', None, ('type', 'OS::Heat::None')),
        ('glob_sorts_before_exact_as_upstream',
         {'My::*': 'Glob::Target', 'My::Type': 'Exact::Target'},
         'My::Type', None, ('alias', 'Glob::Target')),
        ('per_resource', {'My::Type': 'a.yaml', 'resources': {
            'r1': {'My::Type': 'b.yaml'}}}, 'My::Type', 'r1',
         ('template', 'b.yaml')),
        ('per_resource_other_name', {'My::Type': 'a.yaml', 'resources': {
            'r1': {'My::Type': 'b.yaml'}}}, 'My::Type', 'r2',
         ('template', 'a.yaml')),
        ('per_resource_no_wildcards', {'resources': {
            'r*': {'My::Type': 'b.yaml'}}}, 'My::Type', 'r1',
         ('type', 'My::Type')),
        ('removed_by_null', {'My::Type': None}, 'My::Type', None,
         ('type', 'My::Type')),
    ]

    def test_cases(self):
        for name, snippet, type_name, rname, expected in self.CASES:
            self.assertEqual(expected, resolve(snippet, type_name, rname),
                             name)

    def test_chain_and_name(self):
        info = registry({'A::A': 'B::B', 'B::B': 'c.yaml'}).get_resource_info(
            'A::A')
        self.assertEqual('A::A', info.name)
        self.assertEqual(['A::A', 'B::B', 'c.yaml'], info.chain)
        self.assertEqual('c.yaml', info.template_name)

    def test_not_a_type(self):
        self.assertIsNone(registry({}).get_resource_info(''))
        self.assertIsNone(registry({}).get_resource_info(None))

    def test_mapping_loop(self):
        err = self.assertRaises(exception.InvalidResourceType, resolve,
                                {'A::A': 'B::B', 'B::B': 'A::A'}, 'A::A')
        self.assertEqual('Resource type mapping loop in the environment: '
                         'A::A -> B::B -> A::A', str(err))

    def test_growing_glob_stops(self):
        self.assertRaises(exception.InvalidResourceType, resolve,
                          {'OS::*': 'OS::X::*'}, 'OS::Nova::Server')

    def test_later_load_overrides_and_null_removes_glob(self):
        reg = registry({'A::One': 'x.yaml', 'A::Two': 'y.yaml'})
        reg.load({'A::One': 'z.yaml'})
        self.assertEqual('z.yaml', reg.get_resource_info('A::One').value)
        reg.load({'A::*': None})
        self.assertEqual('type', reg.get_resource_info('A::Two').kind)


class TestRegistryErrors(base.TestCase):

    CASES = [
        ('registry_not_map', ['a'], exception.InvalidEnvironment,
         'resource_registry must be a mapping'),
        ('value_not_text', {'My::Type': 5}, exception.InvalidEnvironment,
         'resource_registry: "My::Type" must map to a type name or a '
         'template, not 5'),
        ('value_map_at_top', {'My::Type': {'a': 'b'}},
         exception.InvalidEnvironment,
         'resource_registry: "My::Type" must map to a type name or a '
         "template, not {'a': 'b'}"),
        ('resources_not_map', {'resources': ['r1']},
         exception.InvalidEnvironment,
         'resource_registry: "resources" must be a mapping'),
        ('resource_body_not_map', {'resources': {'r1': 'OS::Foo'}},
         exception.InvalidEnvironment,
         'resource_registry: "resources/r1" must be a mapping'),
        ('bad_hook', {'resources': {'r1': {'hooks': 'pre-creat'}}},
         exception.InvalidBreakPointHook,
         'Invalid hook type "pre-creat" for resource breakpoint, '
         "acceptable hook types are: ('pre-create', 'pre-update', "
         "'pre-delete', 'post-create', 'post-update', 'post-delete')"),
        ('bad_hook_in_list',
         {'resources': {'r1': {'hooks': ['pre-create', 'nope']}}},
         exception.InvalidBreakPointHook,
         'Invalid hook type "[\'pre-create\', \'nope\']" for resource '
         "breakpoint, acceptable hook types are: ('pre-create', "
         "'pre-update', 'pre-delete', 'post-create', 'post-update', "
         "'post-delete')"),
        ('hook_not_text', {'resources': {'r1': {'hooks': 5}}},
         exception.InvalidBreakPointHook, None),
        ('bad_restricted_action',
         {'resources': {'r1': {'restricted_actions': 'delete'}}},
         exception.InvalidRestrictedAction,
         'Invalid restricted_action type "delete" for resource, acceptable '
         "restricted_action types are: ('update', 'replace')"),
    ]

    def test_cases(self):
        for name, snippet, exc_class, expected in self.CASES:
            err = self.assertRaises(exc_class, registry, snippet)
            if expected is not None:
                self.assertEqual(expected, str(err), name)


class TestHooks(base.TestCase):

    REG = {'resources': {
        'server': {'hooks': 'pre-create'},
        'web_*': {'hooks': ['pre-update', 'pre-delete']},
        '*_db': {'hooks': ['post-create'], 'restricted_actions': 'replace'},
        'nested': {'child': {'hooks': 'pre-create'}},
    }}

    CASES = [
        ('exact', 'server', {'pre-create'}),
        ('prefix_pattern', 'web_1', {'pre-update', 'pre-delete'}),
        ('suffix_pattern', 'main_db', {'post-create'}),
        ('no_match', 'other', set()),
        ('nested_settings_are_not_hooks', 'nested', set()),
    ]

    def test_cases(self):
        reg = registry(self.REG)
        for name, rname, expected in self.CASES:
            self.assertEqual(expected, reg.hooks(rname), name)

    def test_matches_hook(self):
        reg = registry(self.REG)
        self.assertTrue(reg.matches_hook('web_2', 'pre-delete'))
        self.assertFalse(reg.matches_hook('web_2', 'pre-create'))

    def test_restricted_actions(self):
        reg = registry(self.REG)
        self.assertEqual({'replace'}, reg.restricted_actions('x_db'))
        self.assertEqual(set(), reg.restricted_actions('server'))

    def test_child_environment_gets_nested_settings(self):
        env = environment.Environment({'resource_registry': self.REG})
        child = environment.get_child_environment(
            env, {'p': 1}, child_resource_name='nested')
        self.assertEqual({'pre-create'}, child.hooks('child'))
        self.assertEqual(set(), child.hooks('server'))
        self.assertEqual({'p': 1}, child.params)


class TestEnvironment(base.TestCase):

    def test_empty_user_env_as_dict_is_upstream_shape(self):
        self.assertEqual({'event_sinks': [], 'parameter_defaults': {},
                          'parameters': {},
                          'resource_registry': {'resources': {}}},
                         environment.Environment().user_env_as_dict())

    def test_sections(self):
        env = environment.Environment({
            'parameters': {'a': 1},
            'parameter_defaults': {'b': 2},
            'resource_registry': {'My::T': 't.yaml', 'resources': {
                'r': {'hooks': 'pre-create'}}},
            'event_sinks': [{'type': 'zaqar-queue', 'target': 'q'}],
            'encrypted_param_names': ['a'],
            'parameter_merge_strategies': {'a': 'merge'},
        })
        self.assertEqual({'a': 1}, env.params)
        self.assertEqual({'b': 2}, env.param_defaults)
        self.assertEqual(['a'], env.encrypted_param_names)
        self.assertEqual([{'type': 'zaqar-queue', 'target': 'q'}],
                         env.event_sinks)
        self.assertEqual({
            'parameters': {'a': 1}, 'parameter_defaults': {'b': 2},
            'event_sinks': [{'type': 'zaqar-queue', 'target': 'q'}],
            'resource_registry': {'My::T': 't.yaml', 'resources': {
                'r': {'hooks': 'pre-create'}}}}, env.user_env_as_dict())
        self.assertEqual(['a'],
                         env.env_as_dict()['encrypted_param_names'])
        self.assertEqual('template', env.get_resource_info('My::T').kind)

    def test_flat_parameters(self):
        env = environment.Environment({'a': 1, 'b': 'x'})
        self.assertEqual({'a': 1, 'b': 'x'}, env.params)

    def test_input_not_shared(self):
        given = {'parameters': {'a': 1}}
        env = environment.Environment(given)
        env.params['a'] = 2
        self.assertEqual({'parameters': {'a': 1}}, given)

    def test_load_adds_on_top(self):
        env = environment.Environment({'parameters': {'a': 1}})
        env.load({'parameters': {'b': 2},
                  'resource_registry': {'X::Y': 'y.yaml'}})
        self.assertEqual({'a': 1, 'b': 2}, env.params)
        self.assertEqual('y.yaml', env.get_resource_info('X::Y').value)

    def test_bad_sections(self):
        for env, expected in (
                ({'parameters': ['a']},
                 'environment section "parameters" must be a mapping'),
                ({'event_sinks': {'type': 'x'}},
                 'environment section "event_sinks" must be a list'),
                ({'event_sinks': [{'target': 'q'}]},
                 "Invalid event sink {'target': 'q'}: a mapping with a "
                 '"type" is required')):
            err = self.assertRaises(exception.InvalidEnvironment,
                                    environment.Environment, env)
            self.assertEqual(expected, str(err))


def _schemata(**types):
    return {name: parameters.Schema.from_dict(name, {'type': t})
            for name, t in types.items()}


class TestMergeEnvironments(base.TestCase):

    def test_later_file_overwrites(self):
        files = {'env1': 'parameter_defaults:\n  net_name: net1\n',
                 'env2': 'parameter_defaults:\n  net_name: net2\n'
                         '  net_name2: net3\n'}
        params = {'parameters': {}, 'parameter_defaults': {}}
        environment.merge_environments(['env1', 'env2'], files, params)
        self.assertEqual({'net_name': 'net2', 'net_name2': 'net3'},
                         params['parameter_defaults'])

    def test_merge_strategy_lists(self):
        files = {
            'env1': 'parameter_defaults:\n  net_name: net1\n'
                    '  merged_param: [net1, net2]\n'
                    'parameter_merge_strategies:\n  merged_param: merge',
            'env2': 'parameter_defaults:\n  net_name: net2\n'
                    '  net_name2: net3\n  merged_param: [net3, net4]\n'
                    'parameter_merge_strategies:\n  merged_param: merge'}
        params = {'parameters': {}, 'parameter_defaults': {}}
        schemata = _schemata(net_name='string', net_name2='string',
                             merged_param='comma_delimited_list')
        environment.merge_environments(['env1', 'env2'], files, params,
                                       schemata)
        self.assertEqual({'net_name': 'net2', 'net_name2': 'net3',
                          'merged_param': ['net1', 'net2', 'net3', 'net4']},
                         params['parameter_defaults'])

    # strategy, type, first value, second value, merged
    STRATEGY_CASES = [
        ('overwrite', 'json', {'a': 1}, {'b': 2}, {'b': 2}),
        ('merge', 'json', {'a': {'x': 1}}, {'a': {'y': 2}, 'b': 2},
         {'a': {'y': 2}, 'b': 2}),
        ('deep_merge', 'json', {'a': {'x': 1}, 'l': [1], 's': 'ab'},
         {'a': {'y': 2}, 'l': [2], 's': 'cd'},
         {'a': {'x': 1, 'y': 2}, 'l': [1, 2], 's': 'abcd'}),
        ('merge', 'json', {'a': 1}, '{"b": 2}', {'a': 1, 'b': 2}),
        ('merge', 'comma_delimited_list', 'a,b', 'c', 'a,b,c'),
        ('merge', 'comma_delimited_list', 'a,b', ['c'], ['a', 'b', 'c']),
        ('merge', 'string', 'ab', 'cd', 'abcd'),
        ('merge', 'number', 1, '2', 3),
        ('merge', None, {'a': 1}, {'b': 2}, {'a': 1, 'b': 2}),
        ('merge', None, [1], [2], [1, 2]),
    ]

    def test_strategies(self):
        for strategy, ptype, first, second, merged in self.STRATEGY_CASES:
            files = {'e1': {'parameters': {'p': first}},
                     'e2': {'parameters': {'p': second},
                            'parameter_merge_strategies': {'p': strategy}}}
            files['e1']['parameter_merge_strategies'] = {'p': strategy}
            schemata = _schemata(p=ptype) if ptype else None
            params = {}
            environment.merge_environments(['e1', 'e2'], files, params,
                                           schemata)
            self.assertEqual(merged, params['parameters']['p'],
                             '%s %s' % (strategy, ptype))

    def test_raw_definitions_as_schemata(self):
        files = {'e1': {'parameters': {'a': 'x,y'}},
                 'e2': {'parameters': {'a': 'z'},
                        'parameter_merge_strategies': {'a': 'merge'}}}
        params = {}
        environment.merge_environments(
            ['e1', 'e2'], files, params,
            {'a': {'type': 'comma_delimited_list'}})
        self.assertEqual('x,y,z', params['parameters']['a'])

    def test_default_strategy_and_unknown_names(self):
        files = {'e1': {'parameters': {'a': 'x', 'b': 'y'}},
                 'e2': {'parameters': {'a': 'z', 'b': 'w'},
                        'parameter_merge_strategies': {
                            'default': 'merge', 'b': 'bogus'}}}
        params = {}
        environment.merge_environments(['e1', 'e2'], files, params,
                                       _schemata(a='string', b='string'))
        # an unknown strategy falls back to the file's default
        self.assertEqual({'a': 'xz', 'b': 'yw'}, params['parameters'])

    def test_names_not_in_schemata_ignored_after_first_file(self):
        files = {'e1': {'parameters': {'a': 1}},
                 'e2': {'parameters': {'a': 2, 'zzz': 3}}}
        params = {}
        environment.merge_environments(['e1', 'e2'], files, params,
                                       _schemata(a='number'))
        self.assertEqual({'a': 2}, params['parameters'])

    def test_conflicting_strategies(self):
        files = {'e1': {'parameters': {'a': 'x'}},
                 'e2': {'parameters': {'a': 'y'},
                        'parameter_merge_strategies': {'a': 'merge'}},
                 'e3': {'parameters': {'a': 'z'},
                        'parameter_merge_strategies': {'a': 'overwrite'}}}
        err = self.assertRaises(
            exception.ConflictingMergeStrategyForParam,
            environment.merge_environments, ['e1', 'e2', 'e3'], files, {},
            _schemata(a='string'))
        self.assertEqual("Conflicting merge strategy 'overwrite' for "
                         "parameter 'a' in file 'e3'.", str(err))

    def test_merge_boolean_is_invalid(self):
        files = {'e1': {'parameters': {'a': True}},
                 'e2': {'parameters': {'a': False},
                        'parameter_merge_strategies': {'a': 'merge'}}}
        err = self.assertRaises(
            exception.InvalidMergeStrategyForParam,
            environment.merge_environments, ['e1', 'e2'], files, {},
            _schemata(a='boolean'))
        self.assertEqual("Invalid merge strategy 'merge' for parameter "
                         "'a'.", str(err))

    def test_other_sections_merge_shallowly(self):
        files = {
            'e1': {'resource_registry': {'A::A': 'a.yaml',
                                         'resources': {'r': {
                                             'hooks': 'pre-create'}}},
                   'event_sinks': [{'type': 'zaqar-queue'}]},
            'e2': {'resource_registry': {'B::B': 'b.yaml'},
                   'event_sinks': [{'type': 'zaqar-queue', 'x': 1}],
                   'encrypted_param_names': ['p']}}
        params = {'resource_registry': {'A::A': 'old.yaml'}}
        environment.merge_environments(['e1', 'e2'], files, params)
        self.assertEqual({'A::A': 'a.yaml', 'B::B': 'b.yaml',
                          'resources': {'r': {'hooks': 'pre-create'}}},
                         params['resource_registry'])
        self.assertEqual(2, len(params['event_sinks']))
        self.assertEqual(['p'], params['encrypted_param_names'])

    def test_no_files_is_a_no_op(self):
        params = {'parameters': {'a': 1}}
        environment.merge_environments(None, {}, params)
        environment.merge_environments([], {}, params)
        self.assertEqual({'parameters': {'a': 1}}, params)

    def test_missing_file(self):
        err = self.assertRaises(exception.InvalidEnvironment,
                                environment.merge_environments, ['nope'],
                                {}, {})
        self.assertEqual('Environment file "nope" was not found in files',
                         str(err))

    def test_bad_file_named(self):
        err = self.assertRaises(exception.InvalidEnvironment,
                                environment.merge_environments, ['e'],
                                {'e': 'paramters: {}'}, {})
        self.assertEqual('Environment file "e": environment has wrong '
                         'section "paramters"', str(err))

    def test_get_param_merge_strategy(self):
        get = environment.get_param_merge_strategy
        self.assertEqual('overwrite', get(None, 'a'))
        self.assertEqual('overwrite', get({}, 'a'))
        self.assertEqual('merge', get({'default': 'merge'}, 'a'))
        self.assertEqual('deep_merge', get({'a': 'deep_merge'}, 'a'))
        self.assertEqual('overwrite', get({'a': 'nonsense'}, 'a'))
