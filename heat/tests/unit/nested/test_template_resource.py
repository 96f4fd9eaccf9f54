"""Provider templates as resources (resource_registry and ``files``)."""

import json

from heat.common import exception
from heat.tests.unit.nested.test_stack_resource import NestedTestCase, hot

PROVIDER = {
    'heat_template_version': '2015-04-30',
    'parameters': {
        'length': {'type': 'number', 'default': 8},
        'word': {'type': 'string'},
    },
    'resources': {
        'rs': {'type': 'OS::Heat::RandomString',
               'properties': {'length': {'get_param': 'length'}}},
    },
    'outputs': {
        'value': {'value': {'get_attr': ['rs', 'value']}},
        'word': {'value': {'get_param': 'word'}},
    },
}


def files(provider=PROVIDER, name='provider.yaml'):
    return {name: json.dumps(provider)}


class ProviderTest(NestedTestCase):

    def test_registry_mapping_makes_a_nested_stack(self):
        env = {'resource_registry': {'My::Thing': 'provider.yaml'}}
        st = self.create(hot({'t': {'type': 'My::Thing', 'properties': {
            'length': 12, 'word': 'hi'}}}, {
            'v': {'value': {'get_attr': ['t', 'value']}},
            'w': {'value': {'get_attr': ['t', 'word']}}}),
            files=files(), env=env)
        res = st['t']
        self.assertEqual('My::Thing', res.type())
        nested = res.nested()
        self.assertEqual(st.id, nested.owner_id)
        self.assertEqual(res.resource_id, nested.id)
        outs = self.reload(st).outputs()
        self.assertEqual(12, len(outs['v']))
        self.assertEqual('hi', outs['w'])

    def test_get_attr_reaches_a_resource_of_the_nested_stack(self):
        st = self.create(hot({'t': {'type': 'provider.yaml',
                                    'properties': {'word': 'x'}}}, {
            'attr': {'value': {'get_attr': ['t', 'resource.rs', 'value']}},
            'ref': {'value': {'get_attr': ['t', 'resource.rs']}},
            'out': {'value': {'get_attr': ['t', 'value']}}}),
            files=files())
        outs = self.reload(st).outputs()
        inner = st['t'].nested()['rs']
        self.assertEqual(inner.FnGetAtt('value'), outs['attr'])
        self.assertEqual(inner.FnGetRefId(), outs['ref'])
        self.assertEqual(outs['out'], outs['attr'])
        err = self.assertRaises(exception.InvalidTemplateAttribute,
                                st['t'].FnGetAtt, 'resource.nope')
        self.assertIn('resource.nope', str(err))

    def test_type_may_be_the_template_name(self):
        st = self.create(hot({'t': {'type': 'provider.yaml',
                                    'properties': {'word': 'x'}}}),
                         files=files())
        self.assertEqual(8, len(st['t'].FnGetAtt('value')))

    def test_parameters_are_properties(self):
        st = self.make_stack(hot({'t': {'type': 'provider.yaml'}}),
                             files=files())
        err = self.assertRaises(exception.StackValidationFailed, st.validate)
        self.assertIn('word', str(err))
        st = self.make_stack(hot({'t': {'type': 'provider.yaml',
                                        'properties': {'word': 'x',
                                                       'nope': 1}}}),
                             files=files())
        err = self.assertRaises(exception.StackValidationFailed, st.validate)
        self.assertIn('Unknown Property nope', str(err))

    def test_unknown_attribute_is_not_judged_by_validate(self):
        # as upstream: the provider's outputs may change with the files
        # of an update; a missing one fails the output reading it
        st = self.make_stack(hot({'t': {'type': 'provider.yaml',
                                        'properties': {'word': 'x'}}},
                                 {'o': {'value': {
                                     'get_attr': ['t', 'missing']}}}),
                             files=files())
        st.validate()

    def test_reference_is_the_stack_arn_or_os_stack_id(self):
        st = self.create(hot({'t': {'type': 'provider.yaml',
                                    'properties': {'word': 'x'}}}),
                         files=files())
        self.assertIn(st['t'].resource_id, st['t'].FnGetRefId())
        self.assertTrue(st['t'].FnGetRefId().startswith('arn:'))
        with_id = dict(PROVIDER, outputs={
            'OS::stack_id': {'value': {'get_resource': 'rs'}}})
        st = self.create(hot({'t': {'type': 'provider.yaml',
                                    'properties': {'word': 'x'}}}),
                         files=files(with_id), name='st2')
        nested = st['t'].nested()
        self.assertEqual(nested['rs'].FnGetRefId(), st['t'].FnGetRefId())

    def test_missing_file_is_a_validation_error(self):
        st = self.make_stack(hot({'t': {'type': 'nothere.yaml'}}))
        err = self.assertRaises(exception.StackValidationFailed, st.validate)
        self.assertIn('nothere.yaml', str(err))

    def test_mapped_type_is_real_inside_its_own_template(self):
        inner = hot({'rs': {'type': 'OS::Heat::RandomString',
                            'properties': {'length': 5}}},
                    {'value': {'value': {'get_attr': ['rs', 'value']}}})
        env = {'resource_registry': {
            'OS::Heat::RandomString': 'rs.yaml'}}
        st = self.create(hot({'t': {'type': 'OS::Heat::RandomString'}}),
                         files=files(inner, 'rs.yaml'), env=env)
        self.assertEqual(5, len(st['t'].FnGetAtt('value')))
        inner_rs = st['t'].nested()['rs']
        self.assertIsNone(getattr(inner_rs, 'template_name', None))


class FalsyParametersTest(NestedTestCase):
    """Empty values pass unchanged through a group into a provider."""

    SCENARIOS = [('string', ''), ('boolean', False), ('number', 0),
                 ('comma_delimited_list', []), ('json', {})]

    def test_values_pass_unchanged(self):
        for i, (ptype, value) in enumerate(self.SCENARIOS):
            provider = {'heat_template_version': '2013-05-23',
                        'parameters': {'param': {'type': ptype}},
                        'outputs': {'val': {'value': {
                            'get_param': 'param'}}}}
            tmpl = {'heat_template_version': '2013-05-23',
                    'parameters': {'param': {'type': ptype}},
                    'resources': {'random_group': {
                        'type': 'OS::Heat::ResourceGroup',
                        'properties': {'count': 1, 'resource_def': {
                            'type': 'My::RandomString',
                            'properties': {
                                'param': {'get_param': 'param'}}}}}},
                    'outputs': {'val': {'value': {
                        'get_attr': ['random_group', 'val']}}}}
            env = {'resource_registry': {
                'My::RandomString': 'provider.yaml'}}
            st = self.create(tmpl, files=files(provider), env=env,
                             params={'param': value}, name='st%d' % i)
            self.assertEqual([value], self.reload(st).outputs()['val'],
                             ptype)


class ProviderUpdateTest(NestedTestCase):

    def test_new_property_values_reach_the_provider_stack(self):
        tmpl = hot({'t': {'type': 'provider.yaml', 'properties': {
            'word': {'get_param': 'w'}}}},
            {'w': {'value': {'get_attr': ['t', 'word']}}},
            parameters={'w': {'type': 'string'}})
        st = self.create(tmpl, files=files(), params={'w': 'one'})
        st = self.update(st, tmpl, files=files(), params={'w': 'two'})
        self.assertEqual('two', self.reload(st).outputs()['w'])

    def test_group_of_providers_follows_a_parameter_change(self):
        provider = {'heat_template_version': '2015-04-30',
                    'parameters': {'index': {'type': 'number'},
                                   'lengths': {
                                       'type': 'comma_delimited_list'}},
                    'resources': {'rs': {
                        'type': 'OS::Heat::RandomString',
                        'properties': {'length': {'get_param': [
                            'lengths', {'get_param': 'index'}]}}}},
                    'outputs': {'value': {'value': {
                        'get_attr': ['rs', 'value']}}}}
        tmpl = hot({'g': {'type': 'OS::Heat::ResourceGroup', 'properties': {
            'count': 3, 'resource_def': {'type': 'random.yaml', 'properties': {
                'index': '%index%', 'lengths': {'get_param': 'lengths'}}}}}},
            {'all': {'value': {'get_attr': ['g', 'value']}}},
            parameters={'lengths': {'type': 'comma_delimited_list'}})
        fl = files(provider, 'random.yaml')
        st = self.create(tmpl, files=fl, params={'lengths': '4,5,6'})
        self.assertEqual([4, 5, 6], [len(v) for v in
                                     self.reload(st).outputs()['all']])
        st = self.update(st, tmpl, files=fl, params={'lengths': '7,8,9'})
        self.assertEqual([7, 8, 9], [len(v) for v in
                                     self.reload(st).outputs()['all']])
