"""The corpus's class-A main templates without auto-scaling types, run
through EngineService on a SQLite file: each is created, updated and
deleted as its ``.txt`` note says (the upstream functional test it comes
from), with the registry, files and parameters that test uses.

Each template is one test; its outcome is attached as a test detail and
``tearDownClass`` prints the list of every template with pass/fail.
Templates expected to fail because of a bug outside the service are
listed, with the reason, in ``EXPECTED_FAILURES`` (the only such list).
"""

import json
import os
import time

import yaml

from heat.common import context, exception
from heat.engine import service
from heat.tests import base, corpus, db_fixtures

#: template file -> why it is expected to fail (a bug outside the service).
EXPECTED_FAILURES = {
}

WAIT = 120
RG = 'heat/heat_integrationtests__functional__test_resource_group.py__'


def _read(name):
    with open(os.path.join(corpus.templates_dir(), name)) as f:
        return f.read()


class Harness:
    """What a scenario may do: the service, a context, assertions."""

    def __init__(self, tc, svc):
        self.tc = tc
        self.svc = svc
        self.ctx = context.RequestContext(project_id='corpus',
                                          user_id='tester')
        self.steps = []

    def step(self, text):
        self.steps.append(text)

    def create(self, name, tmpl, params=None, env=None, files=None,
               timeout=10, wait=True, expect='CREATE_COMPLETE', args=None):
        environment = dict(env or {})
        if params:
            environment['parameters'] = params
        self.step('create %s' % name)
        all_args = {'timeout_mins': timeout, 'disable_rollback': True}
        all_args.update(args or {})
        ident = self.svc.create_stack(self.ctx, name, tmpl, environment,
                                      files or {}, all_args)
        if wait:
            self.wait(ident, expect)
        return ident

    def update(self, ident, tmpl, params=None, env=None, files=None,
               existing=False, expect='UPDATE_COMPLETE', wait=True):
        environment = dict(env or {})
        if params:
            environment['parameters'] = params
        self.step('update %s' % ('(patch)' if existing else ''))
        args = {'timeout_mins': 10}
        if existing:
            args['existing'] = True
        self.svc.update_stack(self.ctx, ident, tmpl, environment,
                              files or {}, args)
        if wait:
            self.wait(ident, expect)

    def delete(self, ident):
        self.step('delete')
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident, 'DELETE_COMPLETE')

    def wait(self, ident, expect):
        self.tc.assertTrue(self.svc.wait(ident, WAIT),
                           'no end in %s s waiting for %s' % (WAIT, expect))
        self.tc.assertEqual(expect, self.state(ident), self.reason(ident))

    def state(self, ident):
        info = self.svc.show_stack(self.ctx, ident, resolve_outputs=False)[0]
        return '%s_%s' % (info['stack_action'], info['stack_status'])

    def reason(self, ident):
        return self.svc.show_stack(self.ctx, ident, resolve_outputs=False)[
            0]['stack_status_reason']

    def wait_state(self, ident, expect, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.state(ident) != expect:
            time.sleep(0.02)
        self.tc.assertEqual(expect, self.state(ident))

    def outputs(self, ident):
        info = self.svc.show_stack(self.ctx, ident)[0]
        for out in info['outputs']:
            self.tc.assertNotIn('output_error', out, out)
        return {o['output_key']: o['output_value'] for o in info['outputs']}

    def resources(self, ident, **kw):
        return {r['resource_name']: r for r in
                self.svc.list_stack_resources(self.ctx, ident, **kw)}

    def types(self, ident):
        return {n: r['resource_type']
                for n, r in self.resources(ident).items()}

    def nested(self, ident, name):
        """The nested stack identity of resource ``name`` (checked)."""
        res = self.resources(ident)[name]
        nested = res.get('nested_stack_id')
        self.tc.assertIsNotNone(nested, '%s has no nested stack' % name)
        self.tc.assertEqual(res['physical_resource_id'], nested['stack_id'])
        info = self.svc.show_stack(self.ctx, nested,
                                   resolve_outputs=False)[0]
        self.tc.assertEqual(ident['stack_id'], info['parent'])
        return nested

    def phys_ids(self, ident):
        return {n: r['physical_resource_id']
                for n, r in self.resources(ident).items()}

    def events(self, ident, **filters):
        return self.svc.list_events(self.ctx, ident, filters=filters or None)


# ---------------------------------------------------------------------------
# scenarios: one per main template

def rally_constraint(h, tmpl):
    # 40 members validating a 0.3 s constraint is a rally load; the same
    # shape, smaller.
    ident = h.create('rg_constraint', tmpl, params={'count': 4,
                                                    'delay': 0.01})
    nested = h.nested(ident, 'rg')
    h.tc.assertEqual({'0', '1', '2', '3'}, set(h.types(nested)))
    h.update(ident, tmpl, params={'count': 2, 'delay': 0.01})
    h.tc.assertEqual({'0', '1'}, set(h.types(nested)))
    h.delete(ident)


def rally_outputs(h, tmpl):
    ident = h.create('rg_outputs', tmpl, params={'attr_wait_secs': 0.01})
    outs = h.outputs(ident)
    h.tc.assertEqual({'val%d' % i: 'test_string' for i in range(1, 11)},
                     outs)
    h.update(ident, tmpl, params={'attr_wait_secs': 0})
    h.tc.assertEqual('test_string', h.outputs(ident)['val10'])
    h.delete(ident)


def rg_main(h, tmpl):
    env = {'resource_registry': {'My::RandomString':
                                 'OS::Heat::RandomString'}}
    two = tmpl.replace('count: 0', 'count: 2')
    ident = h.create('rg_main', two, env=env)
    h.tc.assertEqual({'random_group': 'OS::Heat::ResourceGroup'},
                     h.types(ident))
    nested = h.nested(ident, 'random_group')
    h.tc.assertEqual({'0': 'My::RandomString', '1': 'My::RandomString'},
                     h.types(nested))
    outs = h.outputs(ident)
    h.tc.assertEqual(30, len(outs['random1']))
    h.tc.assertEqual(30, len(outs['random2']))
    h.tc.assertEqual([outs['random1'], outs['random2']], outs['all_values'])
    # no-op update keeps values
    h.update(ident, two, env=env)
    h.tc.assertEqual(outs['random1'], h.outputs(ident)['random1'])
    # resize 2 -> 5 -> 3
    h.update(ident, tmpl.replace('count: 0', 'count: 5'), env=env)
    h.tc.assertEqual({str(i) for i in range(5)}, set(h.types(nested)))
    three = tmpl.replace('count: 0', 'count: 3')
    h.update(ident, three, env=env)
    h.tc.assertEqual({'0', '1', '2'}, set(h.types(nested)))
    # a salt change replaces the members inside the same nested stack
    before = h.phys_ids(nested)
    h.update(ident, three.replace('salt: initial', 'salt: more'), env=env)
    h.tc.assertEqual(nested, h.nested(ident, 'random_group'))
    h.tc.assertNotEqual(before['0'], h.phys_ids(nested)['0'])
    h.delete(ident)


def rg_main_zero_novalidate(h, tmpl):
    fail = _read(RG + 'ResourceGroupTest.test_resource_group_zero_'
                 'novalidate.nested_template_fail.yaml')
    env = {'resource_registry': {'My::RandomString': 'provider.yaml'}}
    files = {'provider.yaml': fail}
    ident = h.create('rg_zero', tmpl, env=env, files=files)
    nested = h.nested(ident, 'random_group')
    h.tc.assertEqual({}, h.types(nested))
    e = h.tc.assertRaises(exception.StackValidationFailed, h.update, ident,
                          tmpl.replace('count: 0', 'count: 2'), env=env,
                          files=files)
    h.tc.assertIn("Value 'BAD' is not an integer", str(e))
    e = h.tc.assertRaises(exception.StackValidationFailed, h.create,
                          'rg_zero2', tmpl.replace('count: 0', 'count: 2'),
                          env=env, files=files)
    h.tc.assertIn("Value 'BAD' is not an integer", str(e))
    h.delete(ident)


def rg_nested_timeout(h, tmpl):
    files = {
        'child.yaml': _read(RG + 'ResourceGroupTest.test_create_nested_'
                            'groups_with_timeout.child_template.yaml'),
        'value.yaml': _read(RG + 'ResourceGroupTest.test_create_nested_'
                            'groups_with_timeout.value_template.yaml'),
    }
    ident = h.create('rg_timeout', tmpl, files=files, timeout=10)
    listed = h.svc.list_stack_resources(h.ctx, ident, nested_depth=2,
                                        with_detail=True)
    groups = [r for r in listed
              if r['resource_type'] == 'OS::Heat::ResourceGroup']
    h.tc.assertEqual(3, len(groups))
    timeouts = set()
    for group in groups:
        nested = group['nested_stack_id']
        timeouts.add(h.svc.show_stack(h.ctx, nested)[0]['timeout_mins'])
    h.tc.assertEqual({10}, timeouts)
    h.delete(ident)


def rg_removal_policies(h, tmpl):
    ident = h.create('rg_removal', tmpl)
    nested = h.nested(ident, 'random_group')
    h.tc.assertEqual({str(i): 'OS::Heat::RandomString' for i in range(5)},
                     h.types(nested))
    h.update(ident, tmpl.replace(
        'removal_policies: []',
        "removal_policies: [{resource_list: ['1', '2', '3']}]"))
    h.tc.assertEqual({'0', '4', '5', '6', '7'}, set(h.types(nested)))
    h.delete(ident)


def rg_validation(h, tmpl):
    h.tc.assertEqual(
        {'Description': 'No description',
         'Environment': {'event_sinks': [], 'parameter_defaults': {},
                         'parameters': {},
                         'resource_registry': {'resources': {}}},
         'Parameters': {'the_count': {'Description': '',
                                      'Label': 'the_count',
                                      'NoEcho': 'false', 'Type': 'Number'}}},
        h.svc.validate_template(h.ctx, tmpl, {}))
    ident = h.create('rg_validation', tmpl, params={'the_count': 2})
    h.tc.assertEqual(2, len(h.types(h.nested(ident, 'the_group'))))
    h.update(ident, tmpl, params={'the_count': 1})
    h.tc.assertEqual(['0'], list(h.types(h.nested(ident, 'the_group'))))
    h.delete(ident)


def rg_null_params(h, tmpl):
    nested_file = _read(RG + 'ResourceGroupTestNullParams.nested_'
                        'template_file.yaml')
    env = {'resource_registry': {'My::RandomString': 'provider.yaml'}}
    cases = [('string', ''), ('boolean', False), ('number', 0),
             ('comma_delimited_list', []), ('json', {})]
    for i, (ptype, value) in enumerate(cases):
        h.step('param type %s' % ptype)
        files = {'provider.yaml': nested_file.replace('type: empty',
                                                      'type: %s' % ptype)}
        ident = h.create('rg_null_%d' % i,
                         tmpl.replace('type: empty', 'type: %s' % ptype),
                         params={'param': value}, env=env, files=files)
        h.tc.assertEqual([value], h.outputs(ident)['val'])
        h.delete(ident)


def rg_adopt(h, tmpl):
    def member(value, rid):
        return {'status': 'COMPLETE', 'name': value, 'resource_data':
                {'value': value}, 'metadata': {}, 'resource_id': rid,
                'action': 'CREATE', 'type': 'OS::Heat::RandomString',
                'resources': {}}

    data = {
        'resources': {'group1': {
            'status': 'COMPLETE', 'name': 'group1', 'resource_data': {},
            'metadata': {}, 'resource_id': 'test-group1-id',
            'action': 'CREATE', 'type': 'OS::Heat::ResourceGroup',
            'resources': {'0': member('goopie', 'ID-0'),
                          '1': member('different', 'ID-1')}}},
        'environment': {'parameters': {}},
        'template': yaml.safe_load(tmpl),
    }
    base.enable_stack_adopt(h.tc)
    ident = h.create('rg_adopt', None, expect='ADOPT_COMPLETE',
                     args={'adopt_stack_data': json.dumps(data)})
    h.nested(ident, 'group1')
    outs = h.outputs(ident)
    h.tc.assertEqual('goopie', outs['test0'])
    h.tc.assertEqual('different', outs['test1'])
    h.delete(ident)


def rg_error(h, tmpl):
    files = {'fail.yaml': _read(RG + 'ResourceGroupErrorResourceTest.'
                                'nested_templ.yaml')}
    ident = h.create('rg_error', tmpl, files=files, expect='CREATE_FAILED')
    h.delete(ident)


def rg_update_policy(h, tmpl):
    rows = [  # min, batch, count, update_replace, updated, created, deleted
        (1, 3, 10, False, 10, 0, 0),
        (1, 3, 10, True, 0, 10, 10),
        (1, 3, 6, False, 6, 0, 4),
        (1, 3, 12, False, 10, 2, 0),
        (8, 4, 6, False, 6, 0, 4),
        (8, 4, 10, False, 10, 0, 0),
        (0, 20, 10, False, 10, 0, 0),
        (20, 1, 10, False, 10, 0, 0),
    ]
    for i, (mins, batch, count, replace, upd, new, gone) in enumerate(rows):
        h.step('rolling update row %d' % i)
        ident = h.create('rg_policy_%d' % i, tmpl)
        nested = h.nested(ident, 'random_group')
        before = set(h.phys_ids(nested).values())
        t = yaml.safe_load(tmpl)
        grp = t['resources']['random_group']
        # pause_time 1 s between batches only costs time here (up to 10
        # batches a row): the counts checked do not depend on it.
        grp['update_policy']['rolling_update'].update(
            min_in_service=mins, max_batch_size=batch, pause_time=0.05)
        grp['properties']['count'] = count
        props = grp['properties']['resource_def']['properties']
        props['value'] = 'updated'
        props['update_replace'] = replace
        h.update(ident, t)
        after = set(h.phys_ids(nested).values())
        h.tc.assertEqual((upd, new, gone),
                         (len(before & after), len(after - before),
                          len(before - after)))
        h.delete(ident)


def rg_update_policy_derived(h, tmpl):
    """The derived update template as the file gives it (count 12, batch
    3, min_in_service 1, pause 1 s): 10 members kept, 2 added."""
    ident = h.create('rg_policy_derived', tmpl)
    nested = h.nested(ident, 'random_group')
    before = set(h.phys_ids(nested).values())
    h.update(ident, _read(
        RG + 'ResourceGroupUpdatePolicyTest.template__DERIVED_updated_'
        'value_count12.yaml'))
    after = set(h.phys_ids(nested).values())
    h.tc.assertEqual((10, 2, 0), (len(before & after), len(after - before),
                                  len(before - after)))
    h.delete(ident)


def provider_group(h, tmpl):
    one = yaml.safe_load(_read(
        'heat/heat_integrationtests__functional__test_create_update.py__'
        'test_template_one_resource.yaml'))
    res = one['resources']['test1']['properties']
    res['value'] = 'test_provider_group_template'
    res['wait_secs'] = 0
    res['action_wait_secs'] = {'create': 0}
    env = {'resource_registry': {'My::TestResource': 'provider.template'}}
    files = {'provider.template': json.dumps(one)}
    ident = h.create('provider_group', tmpl, env=env, files=files)
    h.tc.assertEqual({'test_group': 'OS::Heat::ResourceGroup'},
                     h.types(ident))
    nested = h.nested(ident, 'test_group')
    h.tc.assertEqual({'0': 'My::TestResource', '1': 'My::TestResource'},
                     h.types(nested))
    for name in ('0', '1'):
        h.tc.assertEqual({'test1': 'OS::Heat::TestResource'},
                         h.types(h.nested(nested, name)))
    two = json.loads(json.dumps(one))
    two['resources']['test2'] = two['resources']['test1']
    h.update(ident, tmpl, env=env,
             files={'provider.template': json.dumps(two)})
    h.tc.assertEqual({'0', '1'}, set(h.types(nested)))
    for name in ('0', '1'):
        h.tc.assertEqual({'test1', 'test2'},
                         set(h.types(h.nested(nested, name))))
    h.update(ident, None, params={'count': 3}, existing=True)
    h.tc.assertEqual({'0', '1', '2'}, set(h.types(nested)))
    h.delete(ident)


def delete_in_progress(h, tmpl):
    files = {'empty.yaml': _read(
        'heat/heat_integrationtests__functional__test_delete.py__'
        'DeleteInProgressTest.empty_template.yaml')}
    ident = h.create('delete_in_progress', tmpl, files=files, wait=False)
    h.wait_state(ident, 'CREATE_IN_PROGRESS', 10)
    h.delete(ident)


def admin_actions(h, tmpl):
    ident = h.create('rsg', tmpl)
    t = yaml.safe_load(tmpl)
    t['resources']['random_group']['properties']['count'] = 3
    h.update(ident, t)
    nested = h.nested(ident, 'random_group')
    h.tc.assertEqual({'0', '1', '2'}, set(h.types(nested)))
    for action, call in (('SUSPEND', h.svc.stack_suspend),
                         ('RESUME', h.svc.stack_resume)):
        h.step(action.lower())
        call(h.ctx, ident)
        h.wait(ident, '%s_COMPLETE' % action)
        for stack in (ident, nested):
            states = {(r['resource_action'], r['resource_status'])
                      for r in h.resources(stack).values()}
            h.tc.assertEqual({(action, 'COMPLETE')}, states)
    h.tc.assertEqual({'random_group': 'OS::Heat::ResourceGroup'},
                     h.types(ident))
    h.delete(ident)


def hook_pre_update(h, tmpl):
    env = {'resource_registry': {'resources': {'rg': {'hooks':
                                                      'pre-update'}}}}
    ident = h.create('hooks', tmpl, env=env)
    before = h.resources(ident)['rg']['physical_resource_id']
    t = yaml.safe_load(tmpl)
    t['resources']['rg']['properties']['count'] = 2
    h.update(ident, t, env=env, wait=False)
    h.wait_state(ident, 'UPDATE_IN_PROGRESS', 10)
    paused = 'UPDATE paused until Hook pre-update is cleared'
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reasons = [e['resource_status_reason'] for e in
                   h.events(ident, resource_name='rg')]
        if paused in reasons:
            break
        time.sleep(0.02)
    h.tc.assertIn(paused, reasons)
    rg = h.resources(ident)['rg']
    h.tc.assertEqual(('CREATE', 'COMPLETE'),
                     (rg['resource_action'], rg['resource_status']))
    h.step('signal unset_hook')
    h.svc.resource_signal(h.ctx, ident, 'rg', {'unset_hook': 'pre-update'})
    h.wait(ident, 'UPDATE_COMPLETE')
    reasons = [e['resource_status_reason'] for e in
               h.events(ident, resource_name='rg')]
    h.tc.assertIn('Hook pre-update is cleared', reasons)
    h.tc.assertEqual(before, h.resources(ident)['rg']['physical_resource_id'])
    h.delete(ident)


def example_resource_group(h, tmpl):
    ident = h.create('example_rg', tmpl)
    outs = h.outputs(ident)
    h.tc.assertEqual(outs['resource1_value'], outs['resource1_id'])
    h.tc.assertEqual([outs['resource1_value'], outs['resource2_value']],
                     outs['all_values'])
    h.update(ident, tmpl.replace('count: 2', 'count: 3'))
    h.tc.assertEqual(3, len(h.outputs(ident)['all_values']))
    h.delete(ident)


def example_index_lookup(h, tmpl):
    files = {'random.yaml': _read(
        'heat-templates/hot__resource_group__random.yaml')}
    ident = h.create('index_lookup', tmpl, files=files)
    h.tc.assertEqual([4, 5, 6],
                     [len(v) for v in h.outputs(ident)['all_values']])
    h.update(ident, tmpl, files=files,
             params={'random_lengths': '7,8,9'})
    h.tc.assertEqual([7, 8, 9],
                     [len(v) for v in h.outputs(ident)['all_values']])
    h.delete(ident)


SCENARIOS = [
    ('heat/rally-scenarios__extra__rg_template_with_constraint.yaml',
     rally_constraint),
    ('heat/rally-scenarios__extra__rg_template_with_outputs.yaml',
     rally_outputs),
    (RG + 'ResourceGroupTest.template.yaml', rg_main),
    (RG + 'ResourceGroupTest.template.yaml', rg_main_zero_novalidate),
    (RG + 'ResourceGroupTest.test_create_nested_groups_with_timeout.'
     'parent_template.yaml', rg_nested_timeout),
    (RG + 'ResourceGroupTest.test_update_removal_policies.rp_template.yaml',
     rg_removal_policies),
    (RG + 'ResourceGroupTest.test_validation.resource_group.yaml',
     rg_validation),
    (RG + 'ResourceGroupTestNullParams.template.yaml', rg_null_params),
    (RG + 'ResourceGroupAdoptTest.main_template.yaml', rg_adopt),
    (RG + 'ResourceGroupErrorResourceTest.template.yaml', rg_error),
    (RG + 'ResourceGroupUpdatePolicyTest.template.yaml', rg_update_policy),
    (RG + 'ResourceGroupUpdatePolicyTest.template.yaml',
     rg_update_policy_derived),
    ('heat/heat_integrationtests__functional__test_create_update.py__'
     'UpdateStackTest.provider_group_template.yaml', provider_group),
    ('heat/heat_integrationtests__functional__test_delete.py__'
     'DeleteInProgressTest.root_template.yaml', delete_in_progress),
    ('heat/heat_integrationtests__functional__test_admin_actions.py__'
     'rsg_template.yaml', admin_actions),
    ('heat-tempest-plugin/heat_tempest_plugin__tests__functional__'
     'test_hooks.py__HooksTest.test_hook_pre_update_in_place.template.yaml',
     hook_pre_update),
    ('heat-templates/hot__resource_group__resource_group.yaml',
     example_resource_group),
    ('heat-templates/hot__resource_group__resource_group_index_lookup.yaml',
     example_index_lookup),
]


class TestCorpusStacks(corpus.ScenarioTests, db_fixtures.DBTestCase):
    """One test per scenario, on a SQLite file."""

    BACKEND = db_fixtures.BACKENDS['sqlite']
    TITLE = 'corpus stacks (class A, no auto-scaling types)'
    EXPECTED_FAILURES = EXPECTED_FAILURES

    def setUp(self):
        super().setUp()
        if not corpus.available():
            self.skipTest('corpus not found at %s' % corpus.corpus_dir())
        self.svc = service.EngineService(engine_id='corpus-engine')
        self.addCleanup(self.svc.stop, WAIT)

    def make_harness(self):
        return Harness(self, self.svc)


TestCorpusStacks.add_scenarios(SCENARIOS)
