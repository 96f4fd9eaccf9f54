"""OS::Heat::ResourceChain: listed types in a nested stack, in order."""

from heat.common import exception
from heat.engine.resources.openstack.heat import resource_chain as rc
from heat.tests import base
from heat.tests.unit.nested.test_stack_resource import NestedTestCase, hot


def chain(types, concurrent=None, props=None):
    body = {'resources': types}
    if concurrent is not None:
        body['concurrent'] = concurrent
    if props is not None:
        body['resource_properties'] = props
    return {'type': 'OS::Heat::ResourceChain', 'properties': body}


class ChainTemplateTest(base.TestCase):

    def test_each_member_depends_on_the_previous(self):
        tmpl = rc.chain_template(['A', 'B', 'C'], {'p': 1})
        res = tmpl['resources']
        self.assertEqual(['0', '1', '2'], list(res))
        self.assertNotIn('depends_on', res['0'])
        self.assertEqual(['0'], res['1']['depends_on'])
        self.assertEqual(['1'], res['2']['depends_on'])
        self.assertEqual({'p': 1}, res['2']['properties'])

    def test_concurrent_members_depend_on_nothing(self):
        tmpl = rc.chain_template(['A', 'B'], None, concurrent=True)
        self.assertEqual([{'type': 'A'}, {'type': 'B'}],
                         list(tmpl['resources'].values()))


class ChainTest(NestedTestCase):

    def test_create_with_shared_properties(self):
        st = self.create(hot({'c': chain(
            ['OS::Heat::Value', 'OS::Heat::Value'],
            props={'value': 'same'})}))
        nested = st['c'].nested()
        self.assertEqual(['0', '1'], list(nested.resources))
        self.assertEqual(['same', 'same'], st['c'].FnGetAtt('value'))
        self.assertEqual([nested['0'].FnGetRefId(),
                          nested['1'].FnGetRefId()],
                         st['c'].FnGetAtt('refs'))
        self.assertEqual({'0': 'same', '1': 'same'},
                         st['c'].FnGetAtt('attributes', 'value'))
        self.assertEqual('same', st['c'].FnGetAtt('resource.1.value'))
        self.assertRaises(exception.InvalidTemplateAttribute,
                          st['c'].FnGetAtt, 'attributes')

    def test_created_in_order(self):
        st = self.create(hot({'c': chain(['OS::Heat::RandomString'] * 3)}))
        nested = st['c'].nested()
        times = [nested[n].created_time for n in ('0', '1', '2')]
        self.assertEqual(sorted(times), times)
        self.assertEqual(['0'], nested['1'].t.depends_on)

    def test_update_adds_members(self):
        st = self.create(hot({'c': chain(['OS::Heat::None'])}))
        st = self.update(st, hot({'c': chain(['OS::Heat::None'] * 3)}))
        self.assertEqual(['0', '1', '2'], list(st['c'].nested().resources))

    def test_unknown_type_fails_validation(self):
        st = self.make_stack(hot({'c': chain(['No::Such::Type'])}))
        err = self.assertRaises(exception.StackValidationFailed, st.validate)
        self.assertIn('No::Such::Type', str(err))
