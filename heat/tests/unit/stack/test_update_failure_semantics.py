"""What an update does when things went wrong before it, or go wrong in
it (issue 12): replacement decided on the type a name resolves to, a
PATCH after a failed update, recovering from a failed update, listing
the resources a failed update left. Driven through EngineService on
real databases, as upstream's functional tests drive heat."""

import json

from heat.db import api as db_api
from heat.engine import service
from heat.tests import db_fixtures
from heat.tests.unit.service import test_service_stacks as svc_tests

WAIT = 60

EMPTY = 'heat_template_version: 2014-10-16\n'

FAIL_PARAM = '''
heat_template_version: 2014-10-16
parameters:
  do_fail:
    type: boolean
    default: false
resources:
  aresource:
    type: OS::Heat::TestResource
    properties:
      value: Test
      fail: {get_param: do_fail}
'''

ALIASED = {
    'heat_template_version': '2013-05-23',
    'resources': {'test1': {'type': 'My::TestResource'}},
}


def _aliased(type_name):
    tmpl = json.loads(json.dumps(ALIASED))
    tmpl['resources']['test1']['type'] = type_name
    return json.dumps(tmpl)


def _one_test_resource(**props):
    base = {'value': 'Test1', 'fail': False}
    base.update(props)
    return json.dumps({
        'heat_template_version': 'pike',
        'resources': {'test1': {'type': 'OS::Heat::TestResource',
                                'properties': base}}})


@db_fixtures.for_each_backend
class TestUpdateFailureSemantics(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.svc = service.EngineService(engine_id='engine-a')
        self.addCleanup(self.svc.stop, WAIT)
        self.ctx = svc_tests.ctx()

    # -- helpers -----------------------------------------------------------

    def create(self, name, tmpl, params=None, files=None, args=None):
        ident = self.svc.create_stack(self.ctx, name, tmpl, params or {},
                                      files or {},
                                      args or {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('CREATE_COMPLETE', ident)
        return ident

    def update(self, ident, tmpl, params=None, files=None, args=None,
               expected='UPDATE_COMPLETE'):
        self.svc.update_stack(self.ctx, ident, tmpl, params or {},
                              files or {}, args or {})
        self.wait(ident)
        self.assertState(expected, ident)

    def wait(self, ident):
        self.assertTrue(self.svc.wait(ident, WAIT),
                        'stack action did not finish in %s s' % WAIT)

    def assertState(self, expected, ident):
        info = self.svc.show_stack(self.ctx, ident, resolve_outputs=False)[0]
        self.assertEqual(expected, '%s_%s' % (info['stack_action'],
                                              info['stack_status']),
                         info['stack_status_reason'])

    def resources(self, ident):
        return {r['resource_name']: r for r in
                self.svc.list_stack_resources(self.ctx, ident)}

    def physical_id(self, ident, name):
        return self.resources(ident)[name]['physical_resource_id']

    # -- PATCH after a failed update ---------------------------------------

    def test_patch_after_failed_update_uses_the_failed_template(self):
        ident = self.create('s1', EMPTY)
        self.update(ident, FAIL_PARAM, {'parameters': {'do_fail': True}},
                    args={'disable_rollback': True},
                    expected='UPDATE_FAILED')
        # only the parameter: the template is the one last asked for
        self.update(ident, None, {'parameters': {'do_fail': False}},
                    args={'existing': True})
        self.assertEqual({'aresource': 'OS::Heat::TestResource'},
                         {n: r['resource_type'] for n, r in
                          self.resources(ident).items()})

    # -- replacement decided on the resolved type --------------------------

    def test_alias_renamed_to_the_same_type_is_updated_in_place(self):
        env = {'resource_registry': {
            'My::TestResource': 'OS::Heat::RandomString',
            'My::TestResource2': 'OS::Heat::RandomString'}}
        ident = self.create('s1', _aliased('My::TestResource'), env)
        before = self.resources(ident)['test1']
        self.update(ident, _aliased('My::TestResource2'), env)
        after = self.resources(ident)['test1']
        self.assertEqual(before['physical_resource_id'],
                         after['physical_resource_id'])
        self.assertEqual('My::TestResource2', after['resource_type'])

    def test_alias_mapped_to_another_type_is_replaced(self):
        ident = self.create('s1', _aliased('My::TestResource'), {
            'resource_registry': {
                'My::TestResource': 'OS::Heat::RandomString'}})
        before = self.physical_id(ident, 'test1')
        self.update(ident, _aliased('My::TestResource'), {
            'resource_registry': {
                'My::TestResource': 'OS::Heat::TestResource'}})
        self.assertNotEqual(before, self.physical_id(ident, 'test1'))

    def test_provider_under_another_name_keeps_its_nested_stack(self):
        files = {'provider.template': _one_test_resource()}
        env = {'resource_registry': {
            'My::TestResource': 'provider.template',
            'My::TestResource2': 'provider.template'}}
        ident = self.create('s1', _aliased('My::TestResource'), env, files)
        nested = self.physical_id(ident, 'test1')
        self.update(ident, _aliased('My::TestResource2'), env, files)
        after = self.resources(ident)['test1']
        self.assertEqual(nested, after['physical_resource_id'])
        self.assertEqual('My::TestResource2', after['resource_type'])

    def test_another_provider_template_is_a_replacement(self):
        env = {'resource_registry': {'My::TestResource': 'a.yaml'}}
        ident = self.create('s1', _aliased('My::TestResource'), env,
                            {'a.yaml': _one_test_resource()})
        nested = self.physical_id(ident, 'test1')
        env = {'resource_registry': {'My::TestResource': 'b.yaml'}}
        self.update(ident, _aliased('My::TestResource'), env,
                    {'b.yaml': _one_test_resource()})
        self.assertNotEqual(nested, self.physical_id(ident, 'test1'))

    # -- recovering from a failed update -----------------------------------

    def test_back_to_the_original_after_a_failed_replace_keeps_it(self):
        original = _one_test_resource(update_replace_value='1')
        ident = self.create('s1', original)
        kept = self.physical_id(ident, 'test1')
        self.update(ident, _one_test_resource(update_replace_value='2',
                                              fail=True),
                    args={'disable_rollback': True},
                    expected='UPDATE_FAILED')
        self.update(ident, original)
        self.assertEqual(kept, self.physical_id(ident, 'test1'))
        rows = db_api.resource_get_all_by_stack(self.ctx, ident['stack_id'])
        self.assertEqual(1, len(rows))

    def test_conditions_renamed_over_updates_are_not_checked_again(self):
        # each template's definitions resolve against its own conditions;
        # the old ones are never checked against the new template
        def tmpl(cond, names, fail=None, default='prod'):
            res = {n: {'type': 'OS::Heat::TestResource',
                       'properties': {'value': {'if': [cond, 'p', 't']}}}
                   for n in names}
            if fail is not None:
                res['test_fail'] = {'type': 'OS::Heat::TestResource',
                                    'properties': {'fail': fail},
                                    'depends_on': list(names)}
            return json.dumps({
                'heat_template_version': '2016-10-14',
                'parameters': {'env_type': {'type': 'string',
                                            'default': default}},
                'conditions': {cond: {'equals': [{'get_param': 'env_type'},
                                                 'prod']}},
                'resources': res})
        ident = self.create('s1', tmpl('cd1', ['test'], default='test'))
        self.update(ident, tmpl('cd2', ['test', 'test2']))
        self.update(ident, tmpl('cd3', ['test', 'test2'], fail=True),
                    args={'disable_rollback': True},
                    expected='UPDATE_FAILED')
        self.update(ident, tmpl('cd3', ['test2'], fail=False))
        self.assertEqual({'test2', 'test_fail'}, set(self.resources(ident)))

    # -- what a failed update leaves ---------------------------------------

    def test_resources_a_failed_update_did_not_delete_are_still_listed(self):
        def tmpl(with_my_res, fail):
            res = {'test1': {'type': 'OS::Heat::TestResource',
                             'properties': {'value': 'foo', 'fail': fail}},
                   'test2': {'type': 'OS::Heat::TestResource',
                             'depends_on': 'test1'}}
            if with_my_res:
                res['my_res'] = {'type': 'My::TestResource',
                                 'depends_on': 'test1'}
                res['test2']['depends_on'] = 'my_res'
            return json.dumps({'heat_template_version': 'rocky',
                               'resources': res})
        ident = self.create('s1', tmpl(True, False), {
            'resource_registry': {
                'My::TestResource': 'OS::Heat::TestResource'}})
        # test1 fails before test2 is updated, so my_res (test2 needed
        # it) is not deleted yet
        self.update(ident, tmpl(False, True),
                    args={'disable_rollback': True},
                    expected='UPDATE_FAILED')
        listed = self.resources(ident)
        self.assertEqual({'test1', 'test2', 'my_res'}, set(listed))
        self.assertEqual('My::TestResource',
                         listed['my_res']['resource_type'])
        # the next update deletes it
        self.update(ident, tmpl(False, False))
        self.assertEqual({'test1', 'test2'}, set(self.resources(ident)))
        rows = db_api.resource_get_all_by_stack(self.ctx, ident['stack_id'])
        self.assertEqual(['test1', 'test2'], sorted(r.name for r in rows))

    # -- old resources keep their own provider -----------------------------

    def test_group_members_moved_to_another_provider_path_are_replaced(self):
        def tmpl(path):
            return json.dumps({
                'heat_template_version': '2015-04-30',
                'resources': {'random_group': {
                    'type': 'OS::Heat::ResourceGroup',
                    'update_policy': {'rolling_update': {
                        'min_in_service': '1', 'max_batch_size': '3'}},
                    'properties': {'count': 4,
                                   'resource_def': {'type': path}}}}})
        nested = ('heat_template_version: "2013-05-23"\n'
                  'resources:\n  oops:\n    type: OS::Heat::TestResource\n')
        ident = self.create('s1', tmpl('/opt/provider.yaml'),
                            files={'/opt/provider.yaml': nested})
        # the new files lack the old path: the old members must not need it
        self.update(ident, tmpl('/opt1/provider.yaml'),
                    files={'/opt1/provider.yaml': nested})

    def test_type_change_refused_leaves_the_resource_of_its_old_type(self):
        tmpl = {'heat_template_version': '2013-05-23',
                'resources': {'bar': {'type': 'OS::Heat::TestResource',
                                      'properties': {'value': '1234'}}}}
        ident = self.create('s1', json.dumps(tmpl))
        kept = self.physical_id(ident, 'bar')
        tmpl['resources']['bar'] = {'type': 'OS::Heat::None'}
        both = {'resource_registry': {'resources': {
            'bar': {'restricted_actions': ['update', 'replace']}}}}
        self.update(ident, json.dumps(tmpl), both, expected='UPDATE_FAILED')
        listed = self.resources(ident)['bar']
        self.assertEqual('OS::Heat::TestResource', listed['resource_type'])
        # still a type change the next time, so still refused
        replace_only = {'resource_registry': {'resources': {
            'bar': {'restricted_actions': ['replace']}}}}
        self.update(ident, json.dumps(tmpl), replace_only,
                    expected='UPDATE_FAILED')
        self.assertEqual(kept, self.physical_id(ident, 'bar'))
        # allowed, it is replaced
        self.update(ident, json.dumps(tmpl))
        self.assertEqual('OS::Heat::None',
                         self.resources(ident)['bar']['resource_type'])
