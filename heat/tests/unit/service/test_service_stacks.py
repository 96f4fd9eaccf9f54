"""Stacks driven through EngineService on real databases (functional).

Every test runs on a SQLite file, MariaDB and PostgreSQL (the servers'
copies skip when they do not answer). Actions run in the service's
background threads; tests block with ``EngineService.wait``.

Tests that fail because of a bug in another module are listed, with the
reason, in ``EXPECTED_FAILURES`` (the only place they are marked).
"""

import json
import time
import unittest

from heat.common import context, exception
from heat.db import api as db_api
from heat.engine import service
from heat.tests import base, db_fixtures

#: test name -> why it is expected to fail (a bug outside the service).
EXPECTED_FAILURES = {
}

WAIT = 60

SIMPLE = '''
heat_template_version: 2016-10-14
description: A simple stack
parameters:
  length:
    type: number
    default: 8
  label:
    type: string
    default: one
resources:
  rand:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: length}
  val:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [rand, value]}
  none:
    type: OS::Heat::None
    properties:
      label: {get_param: label}
outputs:
  random:
    description: the random string
    value: {get_attr: [rand, value]}
  label:
    value: {get_param: label}
'''

SLOW = '''
heat_template_version: 2016-10-14
parameters:
  wait:
    type: number
    default: 0
  value:
    type: string
    default: a
resources:
  slow:
    type: OS::Heat::TestResource
    properties:
      value: {get_param: value}
      action_wait_secs:
        create: {get_param: wait}
        update: {get_param: wait}
'''

GROUP = '''
heat_template_version: 2016-10-14
parameters:
  count:
    type: number
    default: 2
resources:
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: count}
      resource_def:
        type: OS::Heat::RandomString
        properties:
          length: 10
outputs:
  values:
    value: {get_attr: [group, value]}
'''


def ctx(project='p1'):
    return context.RequestContext(project_id=project, user_id='u1',
                                  user_name='user1')


def env(**params):
    return {'parameters': params}


@db_fixtures.for_each_backend
class TestStacks(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.svc = service.EngineService(engine_id='engine-a')
        self.addCleanup(self.svc.stop, WAIT)
        self.ctx = ctx()

    # -- helpers -----------------------------------------------------------

    def create(self, name, tmpl=SIMPLE, params=None, files=None, args=None,
               wait=True, cnxt=None):
        ident = self.svc.create_stack(cnxt or self.ctx, name, tmpl,
                                      params or {}, files or {},
                                      args or {'timeout_mins': 5})
        if wait:
            self.wait(ident)
        return ident

    def wait(self, ident, timeout=WAIT):
        self.assertTrue(self.svc.wait(ident, timeout),
                        'stack action did not finish in %s s' % timeout)

    def show(self, ident, cnxt=None):
        return self.svc.show_stack(cnxt or self.ctx, ident)[0]

    def state(self, ident):
        info = self.svc.show_stack(self.ctx, ident, resolve_outputs=False)[0]
        return '%s_%s' % (info['stack_action'], info['stack_status'])

    def assertState(self, expected, ident):
        info = self.svc.show_stack(self.ctx, ident, resolve_outputs=False)[0]
        self.assertEqual(expected, '%s_%s' % (info['stack_action'],
                                              info['stack_status']),
                         info['stack_status_reason'])

    def wait_state(self, ident, expected, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state(ident) == expected:
                return
            time.sleep(0.02)
        self.assertState(expected, ident)

    def outputs(self, ident):
        return {o['output_key']: o.get('output_value')
                for o in self.show(ident)['outputs']}

    def resources(self, ident, **kw):
        return {r['resource_name']: r for r in
                self.svc.list_stack_resources(self.ctx, ident, **kw)}

    # -- create, show, list ------------------------------------------------

    def test_create_show(self):
        ident = self.create('s1', params=env(label='two'))
        self.assertEqual({'tenant', 'stack_name', 'stack_id', 'path'},
                         set(ident))
        self.assertEqual(('p1', 's1', ''), (ident['tenant'],
                                            ident['stack_name'],
                                            ident['path']))
        info = self.show(ident)
        self.assertEqual(ident, info['stack_identity'])
        self.assertEqual('CREATE', info['stack_action'])
        self.assertEqual('COMPLETE', info['stack_status'])
        self.assertEqual('A simple stack', info['description'])
        self.assertEqual(5, info['timeout_mins'])
        self.assertIsNone(info['parent'])
        self.assertEqual('two', info['parameters']['label'])
        self.assertEqual('8', info['parameters']['length'])
        self.assertEqual('s1', info['parameters']['OS::stack_name'])
        self.assertEqual(ident['stack_id'], info['parameters']['OS::stack_id'])
        self.assertRegex(info['creation_time'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        outs = {o['output_key']: o for o in info['outputs']}
        self.assertEqual(8, len(outs['random']['output_value']))
        self.assertEqual('the random string', outs['random']['description'])
        self.assertEqual('two', outs['label']['output_value'])
        self.assertNotIn('output_error', outs['random'])

    def test_list_identify_and_raw_data(self):
        ident = self.create('s1', params=env(label='x'),
                            files={'f.txt': 'hello'})
        listed = self.svc.list_stacks(self.ctx)
        self.assertEqual([ident], [s['stack_identity'] for s in listed])
        self.assertEqual('COMPLETE', listed[0]['stack_status'])
        self.assertEqual(1, self.svc.count_stacks(self.ctx))
        self.assertEqual(ident, self.svc.identify_stack(self.ctx, 's1'))
        self.assertEqual(ident, self.svc.identify_stack(
            self.ctx, ident['stack_id']))
        self.assertEqual('A simple stack',
                         self.svc.get_template(self.ctx, ident)[
                             'description'])
        self.assertEqual({'label': 'x'}, self.svc.get_environment(
            self.ctx, ident)['parameters'])
        self.assertEqual({'f.txt': 'hello'},
                         self.svc.get_files(self.ctx, ident))
        filtered = self.svc.list_stacks(
            self.ctx, filters={'stack_status': 'CREATE_COMPLETE'})
        self.assertEqual(1, len(filtered))
        self.assertEqual([], self.svc.list_stacks(
            self.ctx, filters={'stack_status': 'CREATE_FAILED'}))

    def test_outputs(self):
        ident = self.create('s1')
        self.assertEqual(
            [{'output_key': 'random', 'description': 'the random string'},
             {'output_key': 'label', 'description': 'No description given'}],
            self.svc.list_outputs(self.ctx, ident))
        out = self.svc.show_output(self.ctx, ident, 'label')
        self.assertEqual({'output_key': 'label', 'output_value': 'one',
                          'description': 'No description given'}, out)
        e = self.assertRaises(exception.NotFound, self.svc.show_output,
                              self.ctx, ident, 'nope')
        self.assertEqual('Specified output key nope not found.', str(e))

    def test_stack_exists(self):
        self.create('s1')
        e = self.assertRaises(exception.StackExists, self.svc.create_stack,
                              self.ctx, 's1', SIMPLE, {}, {}, {})
        self.assertEqual('The Stack (s1) already exists.', str(e))
        # another project may use the name
        other = self.create('s1', cnxt=ctx('p2'))
        self.assertEqual('p2', other['tenant'])

    def test_project_scoping(self):
        ident = self.create('s1')
        p2 = ctx('p2')
        calls = [
            lambda: self.svc.show_stack(p2, ident),
            lambda: self.svc.list_stack_resources(p2, ident),
            lambda: self.svc.describe_stack_resource(p2, ident, 'rand'),
            lambda: self.svc.list_events(p2, ident),
            lambda: self.svc.get_template(p2, ident),
            lambda: self.svc.get_environment(p2, ident),
            lambda: self.svc.get_files(p2, ident),
            lambda: self.svc.list_outputs(p2, ident),
            lambda: self.svc.update_stack(p2, ident, SIMPLE, {}, {}, {}),
            lambda: self.svc.delete_stack(p2, ident),
            lambda: self.svc.stack_suspend(p2, ident),
            lambda: self.svc.abandon_stack(p2, ident),
            lambda: self.svc.resource_signal(p2, ident, 'rand', None),
            lambda: self.svc.identify_stack(p2, 's1'),
            lambda: self.svc.identify_stack(p2, ident['stack_id']),
        ]
        for call in calls:
            e = self.assertRaises(exception.EntityNotFound, call)
            self.assertNotIn('rand', str(e))
        self.assertEqual([], self.svc.list_stacks(p2))
        # a forged identity naming the other project changes nothing
        forged = dict(ident, tenant='p2')
        self.assertRaises(exception.EntityNotFound, self.svc.show_stack,
                          p2, forged)
        self.assertState('CREATE_COMPLETE', ident)

    def test_listing_builds_each_dependency_graph_once(self):
        # A listing of N resources built the stack's dependency graph for
        # every resource, each build gathering the template's N names for
        # every resource: N**3 (25 s to list a member stack of 1,000).
        from heat.engine import stack as stack_mod
        from heat.engine import template as tmpl_mod
        n = 30
        resources = {'r0': {'type': 'OS::Heat::None'}}
        for i in range(1, n):
            resources['r%d' % i] = {
                'type': 'OS::Heat::None',
                'properties': {'a': {'get_resource': 'r0'}},
                'depends_on': ['r%d' % (i - 1)] if i > 1 else []}
        ident = self.create('big', json.dumps({
            'heat_template_version': '2018-08-31',
            'resources': resources}))
        graphs = []
        names = []
        real_deps = stack_mod.Stack.dependencies
        real_names = tmpl_mod.Template.all_rsrc_names

        def counting_deps(stk):
            graphs.append(stk.name)
            return real_deps(stk)

        def counting_names(tmpl):
            names.append(1)
            return real_names(tmpl)

        from unittest import mock
        for patcher in (
                mock.patch.object(stack_mod.Stack, 'dependencies',
                                  counting_deps),
                mock.patch.object(tmpl_mod.Template, 'all_rsrc_names',
                                  counting_names)):
            patcher.start()
            self.addCleanup(patcher.stop)
        res = self.resources(ident)
        self.assertEqual(n, len(res))
        self.assertEqual(['big'], graphs)
        self.assertEqual([], names)
        self.assertEqual(sorted('r%d' % i for i in range(1, n)),
                         sorted(res['r0']['required_by']))
        self.assertEqual(['r2'], res['r1']['required_by'])
        self.assertEqual([], res['r%d' % (n - 1)]['required_by'])
        # the CFN listing too
        graphs.clear()
        self.assertEqual(n, len(self.svc.describe_stack_resources(
            self.ctx, ident, None)))
        self.assertEqual(['big'], graphs)

    def test_wrong_name_in_identity(self):
        ident = self.create('s1')
        self.assertRaises(exception.EntityNotFound, self.svc.show_stack,
                          self.ctx, dict(ident, stack_name='other'))

    # -- resources and events ----------------------------------------------

    def test_resources(self):
        ident = self.create('s1')
        res = self.resources(ident)
        self.assertEqual({'rand', 'val', 'none'}, set(res))
        rand = res['rand']
        self.assertEqual('OS::Heat::RandomString', rand['resource_type'])
        self.assertEqual('CREATE', rand['resource_action'])
        self.assertEqual('COMPLETE', rand['resource_status'])
        self.assertEqual(['val'], rand['required_by'])
        self.assertEqual(ident, rand['stack_identity'])
        self.assertEqual(dict(ident, path='/resources/rand'),
                         rand['resource_identity'])
        self.assertNotEqual('', rand['physical_resource_id'])
        self.assertNotIn('attributes', rand)
        self.assertNotIn('nested_stack_id', rand)
        detail = self.svc.describe_stack_resource(self.ctx, ident, 'rand')
        self.assertEqual(8, len(detail['attributes']['value']))
        self.assertEqual({}, detail['metadata'])
        e = self.assertRaises(exception.ResourceNotFound,
                              self.svc.describe_stack_resource, self.ctx,
                              ident, 'nope')
        self.assertEqual('The Resource (nope) could not be found in Stack '
                         's1.', str(e))
        only = self.resources(ident, filters={'type': 'Value'})
        self.assertEqual(['val'], list(only))
        done = self.resources(ident, filters={'status': 'CREATE_COMPLETE'})
        self.assertEqual(3, len(done))

    def test_events(self):
        ident = self.create('s1')
        events = self.svc.list_events(self.ctx, ident)
        names = [e['resource_name'] for e in events]
        for name in ('rand', 'val', 'none', 's1'):
            self.assertIn(name, names)
        first = events[0]
        self.assertEqual(ident, first['stack_identity'])
        self.assertTrue(first['event_identity']['path'].startswith(
            '/resources/%s/events/' % first['resource_name']))
        self.assertEqual('s1', events[-1]['resource_name'])
        self.assertEqual('COMPLETE', events[-1]['resource_status'])
        rand = self.svc.list_events(self.ctx, ident,
                                    filters={'resource_name': 'rand'})
        self.assertEqual([('CREATE', 'IN_PROGRESS'), ('CREATE', 'COMPLETE')],
                         [(e['resource_action'], e['resource_status'])
                          for e in rand])
        page = self.svc.list_events(self.ctx, ident, limit=2)
        self.assertEqual(events[:2], page)
        marker = page[-1]['event_identity']['path'].rsplit('/', 1)[1]
        rest = self.svc.list_events(self.ctx, ident, marker=marker)
        self.assertEqual(events[2:], rest)
        desc = self.svc.list_events(self.ctx, ident, sort_dir='desc')
        self.assertEqual(list(reversed(events)), desc)
        done = self.svc.list_events(
            self.ctx, ident, filters={'resource_status': 'CREATE_COMPLETE'})
        self.assertTrue(done)
        self.assertEqual({'COMPLETE'},
                         {e['resource_status'] for e in done})

    # -- update --------------------------------------------------------------

    def test_update_put(self):
        ident = self.create('s1')
        old = self.outputs(ident)['random']
        self.svc.update_stack(self.ctx, ident, SIMPLE,
                              env(length=12, label='b'), {}, {})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)
        outs = self.outputs(ident)
        self.assertEqual(12, len(outs['random']))
        self.assertNotEqual(old, outs['random'])
        self.assertEqual('b', outs['label'])

    def test_update_patch_reuses_template_and_params(self):
        ident = self.create('s1', params=env(label='kept', length=6),
                            files={'f': 'x'})
        self.svc.update_stack(self.ctx, ident, None, env(length=9), {},
                              {'existing': True})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)
        outs = self.outputs(ident)
        self.assertEqual('kept', outs['label'])
        self.assertEqual(9, len(outs['random']))
        self.assertEqual({'f': 'x'}, self.svc.get_files(self.ctx, ident))
        # clear_parameters drops a stored value back to the default
        self.svc.update_stack(self.ctx, ident, None, {}, {},
                              {'existing': True,
                               'clear_parameters': ['label']})
        self.wait(ident)
        self.assertEqual('one', self.outputs(ident)['label'])

    def test_update_patch_refuses_a_parameter_the_template_lacks(self):
        ident = self.create('s1', params=env(label='kept'))
        err = self.assertRaises(
            exception.UnknownUserParameter, self.svc.update_stack,
            self.ctx, ident, None, env(nosuch=1), {}, {'existing': True})
        # the same message as a create with it
        self.assertEqual('The Parameter (nosuch) was not defined in '
                         'template.', str(err))
        self.assertState('CREATE_COMPLETE', ident)
        self.assertEqual('kept', self.outputs(ident)['label'])

    def test_update_clear_parameters_must_be_a_list_of_names(self):
        ident = self.create('s1')
        for bad in ('label', ['label', 3], {'label': 1}, 7):
            err = self.assertRaises(
                exception.Invalid, self.svc.update_stack, self.ctx, ident,
                None, {}, {}, {'existing': True, 'clear_parameters': bad})
            self.assertIn(repr(bad), str(err))

    def test_update_suspended_refused(self):
        ident = self.create('s1')
        self.svc.stack_suspend(self.ctx, ident)
        self.wait(ident)
        self.assertState('SUSPEND_COMPLETE', ident)
        e = self.assertRaises(exception.NotSupported, self.svc.update_stack,
                              self.ctx, ident, SIMPLE, {}, {}, {})
        self.assertEqual('Updating a stack when it is suspended is not '
                         'supported.', str(e))

    def test_action_in_progress(self):
        ident = self.create('s1', tmpl=SLOW, params=env(wait=30), wait=False)
        self.wait_state(ident, 'CREATE_IN_PROGRESS', 10)
        e = self.assertRaises(exception.ActionInProgress,
                              self.svc.stack_suspend, self.ctx, ident)
        self.assertIn('s1', str(e))
        # an update supersedes the create (upstream convergence)
        self.svc.update_stack(self.ctx, ident, SLOW, env(wait=30), {}, {})
        self.assertState('UPDATE_IN_PROGRESS', ident)
        self.assertRaises(exception.ActionInProgress,
                          self.svc.stack_suspend, self.ctx, ident)
        # delete cancels the update and deletes the stack
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertRaises(exception.EntityNotFound, self.svc.show_stack,
                          self.ctx, dict(ident, stack_id='0' * 8 + ident[
                              'stack_id'][8:]))
        deleted = self.svc.show_stack(self.ctx, ident)[0]
        self.assertEqual(('DELETE', 'COMPLETE'),
                         (deleted['stack_action'], deleted['stack_status']))

    def test_lock_across_engines(self):
        other = service.EngineService(engine_id='engine-b')
        self.addCleanup(other.stop, WAIT)
        ident = self.create('s1', tmpl=SLOW, params=env(wait=30), wait=False)
        self.wait_state(ident, 'CREATE_IN_PROGRESS', 10)
        self.assertRaises(exception.ActionInProgress, other.update_stack,
                          self.ctx, ident, SLOW, {}, {}, {})
        self.assertRaises(exception.ActionInProgress, other.delete_stack,
                          self.ctx, ident)
        self.assertRaises(exception.ActionInProgress, other.stack_check,
                          self.ctx, ident)
        # the engine running it can still delete it
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertState('DELETE_COMPLETE', ident)

    def test_stale_stacks_reset_at_start(self):
        ident = self.create('s1', tmpl=GROUP)
        nested = self.resources(ident)['group']['nested_stack_id']
        for sid in (ident['stack_id'], nested['stack_id']):
            db_api.stack_update(None, sid, 'p1', {'action': 'UPDATE',
                                                  'status': 'IN_PROGRESS'})
        self.assertIsNone(db_api.stack_lock_create(None, ident['stack_id'],
                                                   'ghost-engine'))
        # a live engine's stack is left alone
        busy = self.create('s2')
        db_api.stack_update(None, busy['stack_id'], 'p1',
                            {'action': 'UPDATE', 'status': 'IN_PROGRESS'})
        self.assertIsNone(db_api.stack_lock_create(None, busy['stack_id'],
                                                   'engine-a'))
        other = service.EngineService(engine_id='engine-c')
        self.addCleanup(other.stop, WAIT)
        for stack in (ident, nested):
            info = self.show(stack)
            self.assertEqual(('UPDATE', 'FAILED',
                              'Engine went down during stack UPDATE'),
                             (info['stack_action'], info['stack_status'],
                              info['stack_status_reason']))
        self.assertIsNone(db_api.stack_lock_get_engine_id(
            None, ident['stack_id']))
        self.assertState('UPDATE_IN_PROGRESS', busy)
        self.assertEqual('engine-a', db_api.stack_lock_get_engine_id(
            None, busy['stack_id']))
        # and the stack can be acted on again
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertState('DELETE_COMPLETE', ident)

    def test_admin_sees_other_project(self):
        ident = self.create('s1')
        admin = context.RequestContext(project_id='admin-project',
                                       user_id='root', is_admin=True)
        info = self.svc.show_stack(admin, ident)[0]
        self.assertEqual('s1', info['stack_name'])
        self.assertRaises(exception.EntityNotFound, self.svc.show_stack,
                          admin, dict(ident, tenant='admin-project'))

    def test_hidden_stack_tags(self):
        # upstream's default: a data-processing cluster's stack is hidden
        self.create('shown', args={'timeout_mins': 5, 'tags': 'web'})
        self.create('hidden', args={'timeout_mins': 5,
                                    'tags': 'data-processing-cluster,x'})

        def names(**kw):
            return sorted(s['stack_name']
                          for s in self.svc.list_stacks(self.ctx, **kw))
        self.assertEqual(['shown'], names())
        self.assertEqual(1, self.svc.count_stacks(self.ctx))
        self.assertEqual(['hidden', 'shown'], names(show_hidden=True))
        self.assertEqual(2, self.svc.count_stacks(self.ctx,
                                                  show_hidden=True))
        # not_tags ("not all of them") counts what the list shows
        self.assertEqual(['shown'], names(show_hidden=True,
                                          not_tags=['data-processing-'
                                                    'cluster', 'x']))
        self.assertEqual(1, self.svc.count_stacks(
            self.ctx, show_hidden=True,
            not_tags=['data-processing-cluster', 'x']))
        self.assertEqual(2, self.svc.count_stacks(
            self.ctx, show_hidden=True, not_tags=['x', 'web']))
        # the option decides what is hidden
        self.svc.conf.set_override('hidden_stack_tags', ['web'])
        self.addCleanup(self.svc.conf.clear_override, 'hidden_stack_tags')
        self.assertEqual(['hidden'], names())
        self.assertEqual(1, self.svc.count_stacks(self.ctx))

    def test_list_paging_and_sorting(self):
        idents = [self.create('s%d' % i, tmpl='heat_template_version: '
                              '2016-10-14\n') for i in range(3)]
        names = [s['stack_name'] for s in self.svc.list_stacks(
            self.ctx, sort_keys=['stack_name'], sort_dir='asc')]
        self.assertEqual(['s0', 's1', 's2'], names)
        page = self.svc.list_stacks(self.ctx, sort_keys=['stack_name'],
                                    sort_dir='asc', limit=2)
        self.assertEqual(['s0', 's1'], [s['stack_name'] for s in page])
        rest = self.svc.list_stacks(
            self.ctx, sort_keys=['stack_name'], sort_dir='asc',
            marker=page[-1]['stack_identity']['stack_id'])
        self.assertEqual(['s2'], [s['stack_name'] for s in rest])
        self.assertEqual(3, len(idents))

    def test_list_unknown_marker_is_ignored(self):
        # upstream ignores a marker that names no stack (no 404)
        for i in range(2):
            self.create('s%d' % i, tmpl='heat_template_version: '
                        '2016-10-14\n')
        names = sorted(s['stack_name'] for s in self.svc.list_stacks(
            self.ctx, marker='00000000-0000-0000-0000-000000000000'))
        self.assertEqual(['s0', 's1'], names)

    def test_cancel_update_rolls_back(self):
        ident = self.create('s1', tmpl=SLOW)
        self.svc.update_stack(self.ctx, ident, SLOW,
                              env(wait=30, value='b'), {},
                              {'disable_rollback': False})
        self.wait_state(ident, 'UPDATE_IN_PROGRESS', 10)
        self.svc.stack_cancel_update(self.ctx, ident,
                                     cancel_with_rollback=True)
        self.wait(ident)
        self.assertState('ROLLBACK_COMPLETE', ident)

    def test_cancel_create_without_rollback(self):
        # as upstream, the resource in progress is let finish
        ident = self.create('s1', tmpl=SLOW, params=env(wait=2), wait=False)
        self.wait_state(ident, 'CREATE_IN_PROGRESS', 10)
        self.assertRaises(exception.NotSupported,
                          self.svc.stack_cancel_update, self.ctx, ident,
                          cancel_with_rollback=True)
        self.svc.stack_cancel_update(self.ctx, ident,
                                     cancel_with_rollback=False)
        self.wait(ident, 10)
        self.assertState('CREATE_FAILED', ident)
        self.assertEqual('Stack CREATE cancelled',
                         self.show(ident)['stack_status_reason'])
        slow = self.resources(ident)['slow']
        self.assertEqual(('CREATE', 'COMPLETE'),
                         (slow['resource_action'], slow['resource_status']))

    def test_cancel_refused_when_not_updating(self):
        ident = self.create('s1')
        e = self.assertRaises(exception.NotSupported,
                              self.svc.stack_cancel_update, self.ctx, ident)
        self.assertEqual('Cancelling update when stack is CREATE_COMPLETE '
                         'is not supported.', str(e))

    # -- other actions -------------------------------------------------------

    def test_suspend_resume_check(self):
        ident = self.create('s1')
        for action, fn in (('SUSPEND', self.svc.stack_suspend),
                           ('RESUME', self.svc.stack_resume),
                           ('CHECK', self.svc.stack_check)):
            fn(self.ctx, ident)
            self.wait(ident)
            self.assertState('%s_COMPLETE' % action, ident)
            states = {(r['resource_action'], r['resource_status'])
                      for r in self.resources(ident).values()}
            self.assertEqual({(action, 'COMPLETE')}, states)

    def test_signal_during_suspend_refused(self):
        ident = self.create('s1')
        self.svc.stack_suspend(self.ctx, ident)
        self.wait(ident)
        e = self.assertRaises(exception.NotSupported,
                              self.svc.resource_signal, self.ctx, ident,
                              'none', {'a': 1})
        self.assertEqual('Signal resource during SUSPEND is not supported.',
                         str(e))
        reasons = [ev['resource_status_reason'] for ev in
                   self.svc.list_events(self.ctx, ident,
                                        filters={'resource_name': 'none'})]
        self.assertIn('Cannot signal resource during SUSPEND', reasons)

    def test_signal(self):
        tmpl = ('heat_template_version: 2016-10-14\n'
                'resources:\n'
                '  handle:\n'
                '    type: OS::Heat::WaitConditionHandle\n')
        ident = self.create('s1', tmpl=tmpl)
        token = self.svc.describe_stack_resource(
            self.ctx, ident, 'handle')['attributes']['token']
        self.assertTrue(token)
        # a wrong token is refused at once, before any thread starts
        self.assertRaises(exception.HeatException, self.svc.resource_signal,
                          self.ctx, ident, 'handle', {'token': 'bad'})
        details = {'status': 'SUCCESS', 'reason': 'ok', 'data': 'd',
                   'id': '1', 'token': token}
        meta = self.svc.resource_signal(self.ctx, ident, 'handle', details,
                                        sync_call=True)
        self.assertEqual({'1': {'status': 'SUCCESS', 'reason': 'ok',
                                'data': 'd'}}, meta)
        details = dict(details, id='2', reason='again')
        self.assertIsNone(self.svc.resource_signal(self.ctx, ident,
                                                   'handle', details))
        self.wait(ident)
        reasons = [e['resource_status_reason']
                   for e in self.svc.list_events(
                       self.ctx, ident, filters={'resource_name': 'handle'})]
        self.assertEqual(['Signal: status:SUCCESS reason:ok',
                          'Signal: status:SUCCESS reason:again'],
                         reasons[-2:])
        self.assertEqual({'1', '2'}, set(self.svc.describe_stack_resource(
            self.ctx, ident, 'handle')['metadata']))
        self.assertRaises(exception.ResourceNotFound,
                          self.svc.resource_signal, self.ctx, ident, 'nope',
                          None)

    def test_signal_event_action(self):
        tmpl = ('heat_template_version: 2016-10-14\n'
                'resources:\n'
                '  handle:\n'
                '    type: OS::Heat::WaitConditionHandle\n')
        ident = self.create('s1', tmpl=tmpl)
        token = self.svc.describe_stack_resource(
            self.ctx, ident, 'handle')['attributes']['token']
        self.svc.resource_signal(self.ctx, ident, 'handle',
                                 {'token': token}, sync_call=True)
        last = self.svc.list_events(self.ctx, ident)[-1]
        # upstream's REST view shows SIGNAL_COMPLETE
        self.assertEqual(('SIGNAL', 'COMPLETE'),
                         (last['resource_action'], last['resource_status']))

    def test_preview_update(self):
        ident = self.create('s1')
        changed = SIMPLE.replace('label: {get_param: label}',
                                 'label: other').replace(
            '  val:\n', '  val2:\n').replace(
            '      length: {get_param: length}',
            '      length: {get_param: length}\n      salt: x')
        out = self.svc.preview_update_stack(self.ctx, ident, changed, {}, {},
                                            {})
        names = {k: sorted(r['resource_name'] for r in v)
                 for k, v in out.items()}
        self.assertEqual(['val2'], names['added'])
        self.assertEqual(['val'], names['deleted'])
        self.assertIn('rand', names['replaced'])
        self.assertState('CREATE_COMPLETE', ident)

    def test_preview_update_none_is_never_replaced(self):
        ident = self.create('s1')
        changed = SIMPLE.replace('label: {get_param: label}',
                                 'label: other')
        out = self.svc.preview_update_stack(self.ctx, ident, changed, {}, {},
                                            {})
        self.assertEqual(['none'], [r['resource_name']
                                    for r in out['unchanged']
                                    if r['resource_name'] == 'none'])

    def test_mark_unhealthy(self):
        ident = self.create('s1')
        self.svc.resource_mark_unhealthy(self.ctx, ident, 'none', True,
                                         'broken')
        res = self.resources(ident)['none']
        self.assertEqual(('CHECK', 'FAILED', 'broken'),
                         (res['resource_action'], res['resource_status'],
                          res['resource_status_reason']))
        self.svc.resource_mark_unhealthy(self.ctx, ident, 'none', False)
        res = self.resources(ident)['none']
        self.assertEqual(('CHECK', 'COMPLETE'),
                         (res['resource_action'], res['resource_status']))
        self.assertRaises(exception.Invalid,
                          self.svc.resource_mark_unhealthy, self.ctx, ident,
                          'none', 'yes')

    def test_delete(self):
        ident = self.create('s1')
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertState('DELETE_COMPLETE', ident)
        self.assertEqual([], self.svc.list_stacks(self.ctx))
        self.assertRaises(exception.EntityNotFound, self.svc.identify_stack,
                          self.ctx, 's1')
        self.assertRaises(exception.EntityNotFound, self.svc.delete_stack,
                          self.ctx, ident)
        # the name is free again
        self.create('s1')

    def test_preview(self):
        info = self.svc.preview_stack(self.ctx, 'p1stack', SIMPLE, {}, {},
                                      {})
        self.assertEqual('p1stack', info['stack_name'])
        self.assertNotIn('stack_status', info)
        names = {r['resource_name'] for r in info['resources']}
        self.assertEqual({'rand', 'val', 'none'}, names)
        self.assertEqual([], self.svc.list_stacks(self.ctx))

    def test_abandon_and_adopt(self):
        base.enable_stack_adopt(self)
        ident = self.create('s1')
        value = self.outputs(ident)['random']
        data = self.svc.abandon_stack(self.ctx, ident)
        self.wait(ident)
        self.assertEqual('s1', data['name'])
        self.assertIn('rand', data['resources'])
        self.assertEqual([], self.svc.list_stacks(self.ctx))
        adopted = self.svc.create_stack(
            self.ctx, 's2', None, {}, {},
            {'adopt_stack_data': json.dumps(data), 'timeout_mins': 5})
        self.wait(adopted)
        self.assertState('ADOPT_COMPLETE', adopted)
        self.assertEqual(value, self.outputs(adopted)['random'])

    # -- nested stacks -------------------------------------------------------

    def test_group_nested(self):
        ident = self.create('s1', tmpl=GROUP)
        self.assertState('CREATE_COMPLETE', ident)
        group = self.resources(ident)['group']
        nested = group['nested_stack_id']
        self.assertEqual(group['physical_resource_id'], nested['stack_id'])
        self.assertRegex(nested['stack_name'], r'^s1-group-[a-z2-7]{12}$')
        info = self.show(nested)
        self.assertEqual(ident['stack_id'], info['parent'])
        self.assertEqual(5, info['timeout_mins'])
        members = self.resources(nested)
        self.assertEqual({'0', '1'}, set(members))
        self.assertEqual('group', members['0']['parent_resource'])
        deep = self.resources(ident, nested_depth=1)
        self.assertEqual({'group', '0', '1'}, set(deep))
        values = self.outputs(ident)['values']
        self.assertEqual(2, len(values))
        events = self.svc.list_events(self.ctx, ident, nested_depth=1)
        self.assertIn(nested, [e['stack_identity'] for e in events])
        self.assertIn('root_stack_id', events[0])
        # patch: only the count changes
        self.svc.update_stack(self.ctx, ident, None, env(count=3), {},
                              {'existing': True})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)
        self.assertEqual({'0', '1', '2'}, set(self.resources(nested)))
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertState('DELETE_COMPLETE', ident)
        gone = self.svc.show_stack(self.ctx, nested)[0]
        self.assertEqual(('DELETE', 'COMPLETE'),
                         (gone['stack_action'], gone['stack_status']))


def _mark_expected_failures():
    template = TestStacks.cls
    for name in EXPECTED_FAILURES:
        setattr(template, name,
                unittest.expectedFailure(getattr(template, name)))


_mark_expected_failures()
