"""OS::Heat::ResourceGroup end to end (real SQLite): naming, skip list,
count 0, validation, resizing, rolling updates, batch create, attributes,
and a thousand members."""

import json
import time

from heat.common import config, exception
from heat.engine.resources.openstack.heat import resource_group as rg
from heat.tests.unit.nested.test_stack_resource import (
    NAME_RE,
    NestedTestCase,
    hot,
)


def group(count=2, member=None, policy=None, **props):
    member = member or {'type': 'OS::Heat::RandomString',
                        'properties': {'salt': 's%index%', 'length': 16}}
    body = {'type': 'OS::Heat::ResourceGroup',
            'properties': dict(count=count, resource_def=member, **props)}
    if policy:
        body['update_policy'] = policy
    return body


def members(st, name='g'):
    return st[name].nested().resources


class CreateTest(NestedTestCase):

    def test_members_named_by_index_in_a_nested_stack(self):
        st = self.create(hot({'g': group(3)}), timeout=17)
        res = st['g']
        nested = res.nested()
        self.assertEqual(['0', '1', '2'], list(nested.resources))
        self.assertRegex(nested.name, NAME_RE % ('st', 'g'))
        self.assertEqual(res.resource_id, nested.id)
        self.assertEqual(res.resource_id, res.FnGetRefId())
        self.assertEqual(st.id, nested.owner_id)
        self.assertEqual(17, nested.timeout_mins)
        for member in nested.resources.values():
            self.assertEqual(('CREATE', 'COMPLETE'), member.state)
            self.assertEqual('OS::Heat::RandomString', member.type())

    def test_index_substituted_in_member_properties(self):
        st = self.create(hot({'g': group(2, {
            'type': 'OS::Heat::Value',
            'properties': {'value': ['v-%index%', {'k': '%index%'}]}})}))
        got = [m.FnGetAtt('value') for m in members(st).values()]
        self.assertEqual([['v-0', {'k': '0'}], ['v-1', {'k': '1'}]], got)

    def test_custom_index_var(self):
        st = self.create(hot({'g': group(2, {
            'type': 'OS::Heat::Value', 'properties': {'value': 'n__x__'}},
            index_var='__x__')}))
        self.assertEqual(['n0', 'n1'], st['g'].FnGetAtt('value'))

    def test_member_type_kept_as_written(self):
        env = {'resource_registry': {
            'My::RandomString': 'OS::Heat::RandomString'}}
        st = self.create(hot({'g': group(2, {'type': 'My::RandomString'})}),
                         env=env)
        self.assertEqual({'My::RandomString'},
                         {m.type() for m in members(st).values()})

    def test_count_zero_creates_an_empty_stack_without_validating(self):
        bad = {'type': 'OS::Heat::RandomString',
               'properties': {'length': 'BAD'}}
        st = self.create(hot({'g': group(0, bad)}))
        nested = st['g'].nested()
        self.assertIsNotNone(nested)
        self.assertEqual({}, nested.resources)
        self.assertEqual([], st['g'].FnGetAtt('refs'))

    def test_bad_member_fails_validation_with_a_nested_path(self):
        bad = {'type': 'OS::Heat::RandomString',
               'properties': {'length': 'BAD'}}
        st = self.make_stack(hot({'g': group(1, bad)}))
        err = self.assertRaises(exception.StackValidationFailed, st.validate)
        # upstream: the member reads its value in validate(), a ValueError
        # of the member resource
        self.assertEqual('ValueError', err.error)
        self.assertEqual(['resources', 'g<nested_stack>', 'resources', '0'],
                         err.path)
        self.assertEqual("Value 'BAD' is not an integer", err.error_message)

    def test_unknown_member_type_fails_validation(self):
        st = self.make_stack(hot({'g': group(1, {'type': 'idontexist'})}))
        err = self.assertRaises(exception.StackValidationFailed, st.validate)
        self.assertIn('idontexist', str(err))

    def test_pause_time_over_an_hour_is_refused(self):
        st = self.make_stack(hot({'g': group(
            2, policy={'rolling_update': {'pause_time': 3601}})}))
        err = self.assertRaises(exception.StackValidationFailed, st.validate)
        self.assertIn('Maximum pause_time allowed is 1hr(3600s), '
                      'provided 3601 seconds.', str(err))

    def test_failing_member_fails_the_group_then_delete_works(self):
        st = self.make_stack(hot({'g': group(2, {
            'type': 'OS::Heat::TestResource', 'properties': {'fail': True}})}))
        st.store()
        st.create()
        self.assertEqual(('CREATE', 'FAILED'), st.state)
        self.assertEqual(('CREATE', 'FAILED'), st['g'].state)
        st.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), st.state, st.status_reason)


class AttributesTest(NestedTestCase):

    def setUp(self):
        super().setUp()
        self.st = self.create(hot({'g': group(2, {
            'type': 'OS::Heat::Value',
            'properties': {'value': {'n': 'v%index%'}}})}, outputs={
            'all': {'value': {'get_attr': ['g', 'value']}},
            'refs': {'value': {'get_attr': ['g', 'refs']}},
            'one': {'value': {'get_attr': ['g', 'resource.1', 'value']}},
            'deep': {'value': {'get_attr': ['g', 'value', 'n']}},
        }))
        self.g = self.reload(self.st)['g']

    def test_member_attribute_lists(self):
        self.assertEqual([{'n': 'v0'}, {'n': 'v1'}], self.g.FnGetAtt('value'))
        self.assertEqual(['v0', 'v1'], self.g.FnGetAtt('value', 'n'))

    def test_refs_and_refs_map(self):
        nested = self.g.nested()
        refs = [nested['0'].FnGetRefId(), nested['1'].FnGetRefId()]
        self.assertEqual(refs, self.g.FnGetAtt('refs'))
        self.assertEqual(refs[1], self.g.FnGetAtt('refs', 1))
        self.assertEqual({'0': refs[0], '1': refs[1]},
                         self.g.FnGetAtt('refs_map'))
        self.assertEqual(refs[0], self.g.FnGetAtt('resource.0'))

    def test_resource_n_attribute(self):
        self.assertEqual({'n': 'v1'}, self.g.FnGetAtt('resource.1.value'))
        self.assertEqual('v1', self.g.FnGetAtt('resource.1', 'value', 'n'))
        self.assertRaises(exception.NotFound, self.g.FnGetAtt,
                          'resource.7')

    def test_attributes_map_needs_a_path(self):
        self.assertEqual({'0': {'n': 'v0'}, '1': {'n': 'v1'}},
                         self.g.FnGetAtt('attributes', 'value'))
        self.assertRaises(exception.InvalidTemplateAttribute,
                          self.g.FnGetAtt, 'attributes')

    def test_outputs_of_the_parent(self):
        outs = self.reload(self.st).outputs()
        self.assertEqual(['v0', 'v1'], outs['deep'])
        self.assertEqual({'n': 'v1'}, outs['one'])
        self.assertEqual(2, len(outs['refs']))

    def test_nested_template_has_refs_map_output(self):
        tmpl = self.g.nested().t.t
        self.assertEqual('2015-04-30', tmpl['heat_template_version'])
        self.assertIn('refs_map', tmpl['outputs'])


class ResizeTest(NestedTestCase):

    def test_grow_and_shrink_keep_existing_members(self):
        st = self.create(hot({'g': group(2)}))
        nested_id = st['g'].resource_id
        first = st['g'].nested()['0'].FnGetAtt('value')
        st = self.update(st, hot({'g': group(5)}))
        self.assertEqual(['0', '1', '2', '3', '4'], list(members(st)))
        st = self.update(st, hot({'g': group(3)}))
        self.assertEqual(['0', '1', '2'], list(members(st)))
        self.assertEqual(nested_id, st['g'].resource_id)
        self.assertEqual(first, members(st)['0'].FnGetAtt('value'))

    def test_removal_policies_skip_names_forever(self):
        st = self.create(hot({'g': group(5)}))
        st = self.update(st, hot({'g': group(
            5, removal_policies=[{'resource_list': ['1', '2', '3']}])}))
        self.assertEqual({'0', '4', '5', '6', '7'}, set(members(st)))
        self.assertEqual(['1', '2', '3'],
                         st['g'].FnGetAtt('removed_rsrc_list'))
        # append mode: the names stay skipped with the policy gone
        st = self.update(st, hot({'g': group(6)}))
        self.assertEqual({'0', '4', '5', '6', '7', '8'}, set(members(st)))
        self.assertEqual('1,2,3', st['g'].data()[rg.SKIP_LIST_KEY])

    def test_removal_by_reference(self):
        st = self.create(hot({'g': group(3)}))
        ref = members(st)['1'].FnGetRefId()
        st = self.update(st, hot({'g': group(
            3, removal_policies=[{'resource_list': [ref]}])}))
        self.assertEqual({'0', '2', '3'}, set(members(st)))

    def test_update_mode_replaces_the_skip_list(self):
        st = self.create(hot({'g': group(3)}))
        st = self.update(st, hot({'g': group(
            3, removal_policies=[{'resource_list': ['0']}])}))
        self.assertEqual({'1', '2', '3'}, set(members(st)))
        st = self.update(st, hot({'g': group(
            3, removal_policies=[], removal_policies_mode='update')}))
        self.assertEqual([], st['g'].FnGetAtt('removed_rsrc_list'))
        self.assertEqual({'0', '1', '2'}, set(members(st)))

    def test_property_change_updates_members_in_the_same_stack(self):
        st = self.create(hot({'g': group(2)}))
        nested_id = st['g'].resource_id
        old = [m.FnGetAtt('value') for m in members(st).values()]
        st = self.update(st, hot({'g': group(2, {
            'type': 'OS::Heat::RandomString',
            'properties': {'salt': 'new%index%', 'length': 16}})}))
        self.assertEqual(nested_id, st['g'].resource_id)
        new = [m.FnGetAtt('value') for m in members(st).values()]
        self.assertNotEqual(old[0], new[0])
        self.assertNotEqual(old[1], new[1])

    def test_files_change_alone_reaches_provider_members(self):
        def provider(value):
            return json.dumps(hot({'v': {'type': 'OS::Heat::Value',
                                         'properties': {'value': value}}},
                                  {'out': {'value': {
                                      'get_attr': ['v', 'value']}}}))
        tmpl = hot({'g': group(2, {'type': 'p.yaml'})})
        st = self.create(tmpl, files={'p.yaml': provider('one')})
        self.assertEqual(['one', 'one'], st['g'].FnGetAtt('out'))
        st = self.update(st, tmpl, files={'p.yaml': provider('two')})
        got = self.reload(st)['g'].FnGetAtt('out')
        self.assertEqual(['two', 'two'], got)


class RollingUpdateTest(NestedTestCase):

    def _count_batches(self):
        calls = []
        orig = rg.ResourceGroup.update_with_template

        def counting(res, tmpl, *args, **kwargs):
            calls.append(sorted(tmpl['resources'], key=int))
            return orig(res, tmpl, *args, **kwargs)
        self.patch(rg.ResourceGroup, 'update_with_template', counting)
        return calls

    def member(self, value):
        return {'type': 'OS::Heat::Value', 'properties': {'value': value}}

    def test_definition_change_rolls_in_batches(self):
        policy = {'rolling_update': {'max_batch_size': 2}}
        st = self.create(hot({'g': group(4, self.member('old'), policy)}))
        ids = {n: m.resource_id for n, m in members(st).items()}
        calls = self._count_batches()
        st = self.update(st, hot({'g': group(4, self.member('new'),
                                             policy)}))
        self.assertEqual(2, len(calls))
        self.assertEqual(['new'] * 4, st['g'].FnGetAtt('value'))
        # in place: same members, same physical ids (Value updates in place)
        self.assertEqual(ids, {n: m.resource_id
                               for n, m in members(st).items()})

    def test_min_in_service_grows_temporarily(self):
        policy = {'rolling_update': {'max_batch_size': 1,
                                     'min_in_service': 2}}
        st = self.create(hot({'g': group(2, self.member('old'), policy)}))
        calls = self._count_batches()
        st = self.update(st, hot({'g': group(2, self.member('new'),
                                             policy)}))
        expected = [(size, upd) for _, size, upd in rg.replace_plan(
            2, ['0', '1'], set(), 1, 2, 0)]
        self.assertEqual([s for s, _ in expected], [len(c) for c in calls])
        self.assertEqual(['0', '1'], list(members(st)))
        self.assertEqual(['new', 'new'], st['g'].FnGetAtt('value'))

    def test_without_policy_one_update(self):
        st = self.create(hot({'g': group(3, self.member('old'))}))
        calls = self._count_batches()
        self.update(st, hot({'g': group(3, self.member('new'))}))
        self.assertEqual(1, len(calls))

    def test_pauses_over_the_timeout_fail_the_update(self):
        policy = {'rolling_update': {'max_batch_size': 1,
                                     'pause_time': 60}}
        st = self.create(hot({'g': group(3, self.member('old'), policy)}),
                         timeout=2)
        st = self.update(st, hot({'g': group(3, self.member('new'),
                                             policy)}),
                         expect=('UPDATE', 'FAILED'), timeout=2)
        self.assertIn('will result in stack update timeout',
                      st.status_reason)


class BatchCreateTest(NestedTestCase):

    def test_members_created_a_batch_at_a_time(self):
        calls = RollingUpdateTest._count_batches(self)
        policy = {'batch_create': {'max_batch_size': 2}}
        st = self.create(hot({'g': group(5, policy=policy)}))
        self.assertEqual([['0', '1'], ['0', '1', '2', '3'],
                          ['0', '1', '2', '3', '4']], calls)
        self.assertEqual(5, len(members(st)))


class ThousandMembersTest(NestedTestCase):

    def test_nested_template_build_is_linear_and_fast(self):
        res_def = {'type': 'OS::Heat::None',
                   'properties': {'name': 'n-%index%'}}
        start = time.perf_counter()
        tmpl = rg.assemble(res_def, rg.member_names(1000), '%index%')
        took = time.perf_counter() - start
        self.assertEqual(1000, len(tmpl['resources']))
        self.assertLess(took, 0.5)

    def test_a_thousand_none_members(self):
        config.CONF.set_override('max_resources_per_stack', 1000)
        start = time.perf_counter()
        st = self.create(hot({'g': group(1000, {'type': 'OS::Heat::None'})}))
        took = time.perf_counter() - start
        self.assertEqual(1000, len(members(st)))
        # The goal is 5 s; the per-member database writes of the resource
        # layer dominate (see the report), so this only guards against
        # anything quadratic.
        self.assertLess(took, 30)


class AdoptAbandonTest(NestedTestCase):

    def test_adopt_uses_the_members_data(self):
        tmpl = hot({'g': group(2, {'type': 'OS::Heat::RandomString'})},
                   {'v': {'value': {'get_attr': ['g', 'resource.1.value']}}})
        data = {'resources': {'g': {
            'type': 'OS::Heat::ResourceGroup', 'resource_id': 'x',
            'resources': {
                '0': {'resource_id': 'r0', 'type': 'OS::Heat::RandomString',
                      'resource_data': {'value': 'goopie'}},
                '1': {'resource_id': 'r1', 'type': 'OS::Heat::RandomString',
                      'resource_data': {'value': 'different'}}}}}}
        st = self.make_stack(tmpl)
        st.adopt_stack_data = data
        st.store()
        st.adopt()
        self.assertEqual(('ADOPT', 'COMPLETE'), st.state, st.status_reason)
        self.assertEqual('different', self.reload(st).outputs()['v'])

    def test_abandon_data_holds_the_members(self):
        st = self.create(hot({'g': group(2)}))
        data = st['g'].prepare_abandon()
        self.assertEqual({'0', '1'}, set(data['resources']))

    def test_abandon_data_of_a_nested_stack_carries_its_template(self):
        st = self.create(hot({'g': group(2)}))
        data = st['g'].prepare_abandon()
        nested = st['g'].nested()
        self.assertEqual(nested.t.t, data['template'])
        self.assertEqual({'0', '1'}, set(
            data['template'][nested.t.get_section_name('resources')]))


class DeleteWhileCreatingTest(NestedTestCase):

    def test_cancelled_create_then_delete_completes(self):
        import threading
        empty = json.dumps({'heat_template_version': '2015-04-30'})
        env = {'resource_registry': {'empty.yaml': 'empty.yaml'}}
        st = self.make_stack(hot({'g': group(125, {'type': 'empty.yaml'})}),
                             files={'empty.yaml': empty}, env=env)
        st.store()
        worker = threading.Thread(target=st.create)
        worker.start()
        deadline = time.monotonic() + 10
        while st['g'].resource_id is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        st.cancel(rollback=False)
        worker.join(60)
        self.assertFalse(worker.is_alive())
        self.assertEqual('CREATE', st.action)
        st = self.reload(st)
        st.delete()
        self.assertEqual(('DELETE', 'COMPLETE'), st.state, st.status_reason)


class FailureReasonTest(NestedTestCase):

    def test_member_failure_reason_carries_the_nested_path(self):
        st = self.make_stack(hot({'g': group(1, {
            'type': 'OS::Heat::TestResource', 'properties': {'fail': True}})}))
        st.store()
        st.create()
        reason = st['g'].status_reason
        self.assertIn('resources.g.resources.0', reason)
        self.assertNotIn('Resource CREATE failed', reason)


class UpdatePolicyCountsTest(NestedTestCase):
    """Upstream's ResourceGroupUpdatePolicyTest: kept (U), created (C) and
    deleted (D) physical ids after a rolling update of 10 TestResources
    whose ``value`` changes."""

    # name: (min_in_service, max_batch_size, count, update_replace, U, C, D)
    CASES = {
        'update': (1, 3, 10, False, 10, 0, 0),
        'update_replace': (1, 3, 10, True, 0, 10, 10),
        'scaledown': (1, 3, 6, False, 6, 0, 4),
        'scaleup': (1, 3, 12, False, 10, 2, 0),
        'adjusted': (8, 4, 6, False, 6, 0, 4),
        'with_adjusted_capacity': (8, 4, 10, False, 10, 0, 0),
        'huge_batch_size': (0, 20, 10, False, 10, 0, 0),
        'huge_min_in_service': (20, 1, 10, False, 10, 0, 0),
    }

    def tmpl(self, count, value, replace, min_in, batch):
        return hot({'random_group': group(
            count, {'type': 'OS::Heat::TestResource',
                    'properties': {'value': value,
                                   'update_replace': replace}},
            {'rolling_update': {'min_in_service': min_in,
                                'max_batch_size': batch,
                                'pause_time': 0}})})

    def ids(self, st):
        return {m.resource_id
                for m in members(st, 'random_group').values()}

    def test_cases(self):
        for i, (case, row) in enumerate(sorted(self.CASES.items())):
            min_in, batch, count, replace, upd, cre, dele = row
            st = self.create(self.tmpl(10, 'initial', False, min_in, batch),
                             name='st%d' % i)
            before = self.ids(st)
            st = self.update(st, self.tmpl(count, 'updated', replace,
                                           min_in, batch))
            after = self.ids(st)
            self.assertEqual((upd, cre, dele),
                             (len(before & after), len(after - before),
                              len(before - after)), case)
            self.assertEqual(count, len(members(st, 'random_group')), case)
            values = st['random_group'].FnGetAtt('output')
            self.assertEqual(['updated'] * count, values, case)


class PreviewTest(NestedTestCase):

    def test_preview_lists_the_members(self):
        st = self.make_stack(hot({'g': group(3)}))
        previews = st.preview_resources()
        self.assertEqual(1, len(previews))
        self.assertEqual(['0', '1', '2'], [r.name for r in previews[0]])
        self.assertIsNone(st['g'].resource_id)


class SuspendResumeCheckTest(NestedTestCase):

    def test_actions_recurse_into_every_member(self):
        st = self.create(hot({'g': group(2)}))
        for action, run in (('SUSPEND', st.suspend), ('RESUME', st.resume),
                            ('CHECK', st.check)):
            run()
            self.assertEqual((action, 'COMPLETE'), st.state,
                             st.status_reason)
            nested = self.reload(st)['g'].nested()
            self.assertEqual((action, 'COMPLETE'), nested.state)
            self.assertEqual({(action, 'COMPLETE')},
                             {m.state for m in nested.resources.values()})


class ValidateWithoutValuesTest(NestedTestCase):

    def test_count_from_a_parameter_without_value(self):
        tmpl = hot({'g': group({'get_param': 'the_count'})},
                   parameters={'the_count': {'type': 'number'}})
        st = self.make_stack(tmpl)
        st.strict_validate = False
        st.validate()
