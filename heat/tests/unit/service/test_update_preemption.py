"""A stack update supersedes the create or update in progress (upstream
Heat's convergence behaviour), through EngineService on a real database.

The running action is cancelled without rollback (nested stacks' actions
with it), its resources in progress end FAILED with a reason naming the
preemption, and the new update starts at once and takes them over. What
cannot be preempted still refuses the update with ``ActionInProgress``:
another live engine's action, a delete, a suspend. An invalid update is
refused before anything running is touched.
"""

import json
import time

import sqlalchemy as sa

from heat.common import context, exception, identifier
from heat.engine import service
from heat.tests import db_fixtures, engine_fixture

WAIT = 60
#: what a preemption may take, end to end (the superseded waits are
#: thousands of seconds)
QUICK = 20

SLOW = '''
heat_template_version: 2016-10-14
parameters:
  create_wait:
    type: number
    default: 0
  update_wait:
    type: number
    default: 0
  value:
    type: string
    default: a
resources:
  first:
    type: OS::Heat::TestResource
    properties:
      value: {get_param: value}
  slow:
    type: OS::Heat::TestResource
    depends_on: first
    properties:
      value: {get_param: value}
      action_wait_secs:
        create: {get_param: create_wait}
        update: {get_param: update_wait}
outputs:
  value:
    value: {get_attr: [slow, output]}
'''

SLOW_DELETE = '''
heat_template_version: 2016-10-14
resources:
  slow:
    type: OS::Heat::TestResource
    properties:
      action_wait_secs:
        delete: 3
'''

SCALED = '''
heat_template_version: 2016-10-14
parameters:
  create_wait:
    type: number
    default: 0
  size:
    type: number
    default: 1
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 0
      max_size: 3
      desired_capacity: {get_param: size}
      resource:
        type: OS::Heat::RandomString
  slow:
    type: OS::Heat::TestResource
    properties:
      action_wait_secs:
        create: {get_param: create_wait}
outputs:
  size:
    value: {get_attr: [asg, current_size]}
'''

#: members the converger takes 2 s to create
SLOW_MEMBERS = SCALED.replace(
    '        type: OS::Heat::RandomString',
    '        type: OS::Heat::TestResource\n'
    '        properties:\n'
    '          action_wait_secs: {create: 2}')

ROLLING_BACK = '''
heat_template_version: 2016-10-14
parameters:
  fail:
    type: boolean
    default: true
resources:
  first:
    type: OS::Heat::TestResource
    properties:
      action_wait_secs:
        delete: 4
  second:
    type: OS::Heat::TestResource
    depends_on: first
    properties:
      fail: {get_param: fail}
'''

HOOKED = {'resource_registry': {'resources': {'slow': {
    'hooks': 'pre-create'}}}}

SUPERSEDED_CREATE = 'Stack CREATE superseded by a new update'
SUPERSEDED_UPDATE = 'Stack UPDATE superseded by a new update'


def _tmpl(resources, output=None):
    tmpl = {'heat_template_version': 'queens',
            'parameters': {'input': {'type': 'string'}},
            'resources': resources}
    if output is not None:
        tmpl['outputs'] = {'delay_stack': {'value': output}}
    return json.dumps(tmpl)


# the scenario of upstream's SimultaneousUpdateNestedStackTest: a root
# with a template resource holding a template resource holding a slow one
ROOT = _tmpl({'nested_stack': {'type': 'preempt.yaml',
                               'properties': {
                                   'input': {'get_param': 'input'}}}},
             {'get_attr': ['nested_stack', 'delay_stack']})
PREEMPT = _tmpl({'delay_stack': {'type': 'delay.yaml',
                                 'properties': {
                                     'input': {'get_param': 'input'}}}},
                {'get_resource': 'delay_stack'})
DELAY = _tmpl({'delay_resource': {
    'type': 'OS::Heat::TestResource',
    'properties': {'action_wait_secs': {'update': 6000},
                   'value': {'get_param': 'input'}}}})


def ctx():
    return context.RequestContext(project_id='p1', user_id='u1',
                                  user_name='user1')


def env(**params):
    return {'parameters': params}


class PreemptionCase(db_fixtures.DBTestCase):
    """Helpers; the engine is ``self.svc``."""

    def setUp(self):
        super().setUp()
        self.svc = self.make_engine()
        self.ctx = ctx()

    def make_engine(self):
        svc = service.EngineService(engine_id='engine-a')
        self.addCleanup(svc.stop, WAIT)
        return svc

    # -- helpers -----------------------------------------------------------

    def create(self, name, tmpl=SLOW, params=None, files=None, wait=True):
        ident = self.svc.create_stack(self.ctx, name, tmpl, params or {},
                                      files or {}, {'timeout_mins': 60})
        if wait:
            self.wait(ident)
        return ident

    def update(self, ident, tmpl=SLOW, params=None, files=None):
        return self.svc.update_stack(self.ctx, ident, tmpl, params or {},
                                     files or {}, {'timeout_mins': 60})

    def wait(self, ident, timeout=WAIT):
        self.assertTrue(self.svc.wait(ident, timeout),
                        'stack action did not finish in %s s' % timeout)

    def show(self, ident):
        return self.svc.show_stack(self.ctx, ident)[0]

    def state(self, ident):
        info = self.svc.show_stack(self.ctx, ident, resolve_outputs=False)[0]
        return '%s_%s' % (info['stack_action'], info['stack_status'])

    def resource(self, ident, name):
        return self.svc.describe_stack_resource(self.ctx, ident, name)

    def resource_state(self, ident, name):
        res = self.resource(ident, name)
        return '%s_%s' % (res['resource_action'], res['resource_status'])

    def wait_for(self, predicate, what, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        self.fail('timed out waiting for %s' % what)

    def wait_resource(self, ident, name, state):
        self.wait_for(lambda: self.resource_state(ident, name) == state,
                      '%s %s' % (name, state))

    def reasons(self, ident):
        return [(e['resource_name'], '%s_%s' % (e['resource_action'],
                                                e['resource_status']),
                 e['resource_status_reason'])
                for e in self.svc.list_events(self.ctx, ident)]

    def output(self, ident, key):
        for out in self.show(ident).get('outputs') or []:
            if out['output_key'] == key:
                return out['output_value']
        self.fail('no output %s' % key)



@db_fixtures.for_each_backend
class TestUpdatePreemption(PreemptionCase):

    # -- preemption --------------------------------------------------------

    def test_update_during_create_preempts_and_completes_with_new_values(
            self):
        ident = self.create('s1', params=env(create_wait=6000), wait=False)
        self.wait_resource(ident, 'slow', 'CREATE_IN_PROGRESS')
        started = time.monotonic()
        self.update(ident, params=env(value='b'))
        # the call returns with the new update under way
        self.assertEqual('UPDATE_IN_PROGRESS', self.state(ident))
        self.wait(ident, QUICK)
        self.assertLess(time.monotonic() - started, QUICK)
        self.assertEqual('UPDATE_COMPLETE', self.state(ident))
        self.assertEqual('b', self.output(ident, 'value'))
        self.assertEqual('UPDATE_COMPLETE', self.resource_state(ident,
                                                                'first'))
        events = self.reasons(ident)
        self.assertIn(('s1', 'CREATE_FAILED', SUPERSEDED_CREATE), events)
        self.assertIn(('slow', 'CREATE_FAILED',
                       'CREATE aborted: superseded by a new update'),
                      events)
        # the create was not rolled back: no resource was deleted
        self.assertNotIn('ROLLBACK_IN_PROGRESS', [e[1] for e in events])

    def test_update_during_update_preempts(self):
        ident = self.create('s1')
        self.update(ident, params=env(update_wait=6000, value='b'))
        self.assertEqual('UPDATE_IN_PROGRESS', self.state(ident))
        self.wait_resource(ident, 'slow', 'UPDATE_IN_PROGRESS')
        started = time.monotonic()
        self.update(ident, params=env(value='c'))
        self.assertEqual('UPDATE_IN_PROGRESS', self.state(ident))
        self.wait(ident, QUICK)
        self.assertLess(time.monotonic() - started, QUICK)
        self.assertEqual('UPDATE_COMPLETE', self.state(ident))
        self.assertEqual('c', self.output(ident, 'value'))
        events = self.reasons(ident)
        self.assertIn(('s1', 'UPDATE_FAILED', SUPERSEDED_UPDATE), events)
        self.assertIn(('slow', 'UPDATE_FAILED',
                       'UPDATE aborted: superseded by a new update'),
                      events)
        # without rollback: the superseded update is not undone first
        self.assertNotIn('ROLLBACK_IN_PROGRESS', [e[1] for e in events])

    def test_update_during_a_create_rollback_preempts(self):
        ident = self.svc.create_stack(self.ctx, 's1', ROLLING_BACK, {}, {},
                                      {'timeout_mins': 60,
                                       'disable_rollback': False})
        self.wait_resource(ident, 'first', 'DELETE_IN_PROGRESS')
        self.assertEqual('ROLLBACK_IN_PROGRESS', self.state(ident))
        self.update(ident, ROLLING_BACK, env(fail=False))
        self.assertEqual('UPDATE_IN_PROGRESS', self.state(ident))
        self.wait(ident, QUICK)
        self.assertEqual('UPDATE_COMPLETE', self.state(ident))
        events = self.reasons(ident)
        self.assertIn(('s1', 'ROLLBACK_FAILED',
                       'Stack ROLLBACK superseded by a new update'), events)
        self.assertIn(('first', 'DELETE_FAILED',
                       'DELETE aborted: superseded by a new update'),
                      events)
        self.assertEqual('CREATE_COMPLETE',
                         self.resource_state(ident, 'second'))

    def test_update_supersedes_a_create_paused_on_a_hook(self):
        # as upstream convergence: the hook's wait ends with the create
        ident = self.create('s1', params=dict(HOOKED), wait=False)
        self.wait_for(lambda: any(
            'paused until Hook pre-create' in (reason or '')
            for _, _, reason in self.reasons(ident)), 'the pause')
        self.update(ident, params=env(value='b'))
        self.wait(ident, QUICK)
        self.assertEqual('UPDATE_COMPLETE', self.state(ident))
        self.assertEqual('b', self.output(ident, 'value'))

    def test_update_preempts_the_running_update_of_nested_stacks(self):
        files = {'preempt.yaml': PREEMPT, 'delay.yaml': DELAY}
        ident = self.create('root', ROOT, env(input='foo'), files)
        self.assertEqual('CREATE_COMPLETE', self.state(ident))
        # (upstream's test reads the delay stack's ARN from the output)
        delay_ident = dict(identifier.HeatIdentifier.from_arn(
            self.output(ident, 'delay_stack')))
        delay_name = delay_ident['stack_name']
        self.update(ident, ROOT, env(input='bar'), files)
        self.assertEqual('UPDATE_IN_PROGRESS', self.state(ident))
        self.wait_resource(delay_ident, 'delay_resource',
                           'UPDATE_IN_PROGRESS')

        started = time.monotonic()
        self.update(ident, ROOT, env(input='baz'),
                    {'preempt.yaml': _tmpl({})})
        self.assertEqual('UPDATE_IN_PROGRESS', self.state(ident))
        self.wait(ident, QUICK)
        self.assertLess(time.monotonic() - started, QUICK)
        self.assertEqual('UPDATE_COMPLETE', self.state(ident))
        # the delay stack's 6000 s update was cancelled, then the stack
        # deleted with the resource holding it
        deleted = self.svc.show_stack(self.ctx, delay_ident)[0]
        self.assertEqual(('DELETE', 'COMPLETE'),
                         (deleted['stack_action'], deleted['stack_status']))
        self.assertIn(('delay_resource', 'UPDATE_FAILED',
                       'UPDATE aborted: superseded by a new update'),
                      self.reasons(delay_ident))
        self.assertIn(('delay', 'UPDATE_FAILED', SUPERSEDED_UPDATE),
                      [('delay' if name == delay_name else name,
                        state, reason)
                       for name, state, reason in self.reasons(delay_ident)])
        self.assertIn(('root', 'UPDATE_FAILED', SUPERSEDED_UPDATE),
                      self.reasons(ident))

    # -- what is refused ---------------------------------------------------

    def test_an_invalid_update_is_refused_and_the_running_create_goes_on(
            self):
        ident = self.create('s1', params=env(create_wait=2), wait=False)
        self.wait_resource(ident, 'slow', 'CREATE_IN_PROGRESS')
        self.assertRaises(exception.StackValidationFailed, self.update,
                          ident, SLOW.replace('OS::Heat::TestResource',
                                              'OS::No::SuchType'))
        self.assertRaises(exception.UnknownUserParameter, self.update,
                          ident, SLOW, env(nonexistent='x'))
        self.assertEqual('CREATE_IN_PROGRESS', self.state(ident))
        self.assertEqual('CREATE_IN_PROGRESS',
                         self.resource_state(ident, 'slow'))
        self.wait(ident)
        self.assertEqual('CREATE_COMPLETE', self.state(ident))
        self.assertNotIn('superseded', ' '.join(
            reason or '' for _, _, reason in self.reasons(ident)))

    def test_an_update_of_another_live_engines_action_is_refused(self):
        other = service.EngineService(engine_id='engine-b')
        self.addCleanup(other.stop, WAIT)
        ident = self.create('s1', params=env(create_wait=6000), wait=False)
        self.wait_resource(ident, 'slow', 'CREATE_IN_PROGRESS')
        err = self.assertRaises(exception.ActionInProgress,
                                other.update_stack, self.ctx, ident, SLOW,
                                env(value='b'), {}, {})
        self.assertEqual('Stack s1 already has an action (CREATE) in '
                         'progress.', str(err))
        self.assertEqual('CREATE_IN_PROGRESS',
                         self.resource_state(ident, 'slow'))
        # the engine running it supersedes it
        self.update(ident, params=env(value='b'))
        self.wait(ident, QUICK)
        self.assertEqual('UPDATE_COMPLETE', self.state(ident))

    def test_an_update_during_a_delete_is_refused(self):
        ident = self.create('s1', SLOW_DELETE)
        self.svc.delete_stack(self.ctx, ident)
        self.wait_resource(ident, 'slow', 'DELETE_IN_PROGRESS')
        self.assertRaises(exception.NotSupported, self.update, ident,
                          SLOW_DELETE)
        self.assertEqual('DELETE_IN_PROGRESS',
                         self.resource_state(ident, 'slow'))
        self.wait(ident)

    def test_an_update_while_a_delete_waits_for_the_create_is_refused(
            self):
        ident = self.create('s1', params=env(create_wait=6000), wait=False)
        self.wait_resource(ident, 'slow', 'CREATE_IN_PROGRESS')
        self.svc.delete_stack(self.ctx, ident)
        try:
            self.update(ident, params=env(value='b'))
        except exception.ActionInProgress as err:
            # while the delete waits for the cancelled create to stop
            self.assertIn('DELETE', str(err))
        except exception.NotSupported:
            pass  # the delete runs already
        self.wait(ident)
        deleted = self.svc.show_stack(self.ctx, ident)[0]
        self.assertEqual(('DELETE', 'COMPLETE'),
                         (deleted['stack_action'], deleted['stack_status']))

    def test_a_restore_in_progress_is_not_preempted(self):
        ident = self.create('s1', params=env(update_wait=6000))
        snap = self.svc.stack_snapshot(self.ctx, ident, 'snap')
        self.update(ident, params=env(value='b'))
        self.wait(ident)
        # back to value a: the slow resource's update waits 6000 s
        self.svc.stack_restore(self.ctx, ident, snap['id'])
        self.wait_resource(ident, 'slow', 'UPDATE_IN_PROGRESS')
        self.assertEqual('RESTORE_IN_PROGRESS', self.state(ident))
        err = self.assertRaises(exception.ActionInProgress, self.update,
                                ident, SLOW, env(value='c'))
        self.assertIn('RESTORE', str(err))
        self.assertEqual('UPDATE_IN_PROGRESS',
                         self.resource_state(ident, 'slow'))
        # a delete still cancels it
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)



@db_fixtures.for_each_backend
class TestUpdatePreemptionOfAScalingGroupsStack(PreemptionCase):
    """The group's resources reach the AS engine over RPC, as in
    production: the engine is served on an in-process bus."""

    def make_engine(self):
        return self.useFixture(engine_fixture.EngineFixture()).service

    def test_update_of_a_stack_with_a_scaling_group_preempts_safely(self):
        # the group's converger works under the group's lease, not the
        # stack's action: superseding the create leaves it be, and the
        # new update resizes the group
        ident = self.create('s1', SCALED, env(create_wait=6000), wait=False)
        self.wait_resource(ident, 'slow', 'CREATE_IN_PROGRESS')
        self.wait_resource(ident, 'asg', 'CREATE_COMPLETE')
        self.update(ident, SCALED, env(size=2))
        self.wait(ident, QUICK)
        self.assertEqual('UPDATE_COMPLETE', self.state(ident))
        self.assertEqual('UPDATE_COMPLETE', self.resource_state(ident,
                                                                'asg'))
        self.assertEqual(2, self.output(ident, 'size'))

    def test_update_while_the_group_converges_leaves_the_converger_be(self):
        ident = self.create('s1', SLOW_MEMBERS, env(create_wait=6000),
                            wait=False)
        self.wait_resource(ident, 'asg', 'CREATE_IN_PROGRESS')
        self.update(ident, SLOW_MEMBERS, env(size=2))
        self.wait(ident, WAIT)
        self.assertEqual('UPDATE_COMPLETE', self.state(ident))
        self.assertEqual(2, self.output(ident, 'size'))
        groups = [e for e in self.reasons(ident) if e[0] == 'asg']
        self.assertIn(('asg', 'CREATE_FAILED',
                       'CREATE aborted: superseded by a new update'), groups)
        # one group left: the one the resource names, converged
        from heat.db import models
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(
                models.ScalingGroup.id, models.ScalingGroup.status)).all()
        group_id = self.resource(ident, 'asg')['physical_resource_id']
        self.assertEqual([group_id], [r[0] for r in rows], rows)
