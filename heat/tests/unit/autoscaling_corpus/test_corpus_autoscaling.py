"""The corpus's auto-scaling templates that run without a cloud (classes A
and A*, see ../shared/corpus/INDEX.md), run through a served engine on a
SQLite file: each behaves as its ``.txt`` note says (the upstream test it
comes from): sizes after each signal, cooldown, rolling-update counts,
error messages.

Each scenario is one test; ``tearDownClass`` prints every template with
pass/fail (the README states the count). Class A* templates carry
``glance.image`` / ``nova.flavor`` constraints, which a cloud-less engine
reports as unverifiable: they run with arbitrary image and flavor names,
as upstream's tests do with configured ones.

Triggers return their decision at once and the group converges in the
background, so scenarios wait for the member count (upstream's
``check_autoscale_complete``: the nested stack has exactly n members, all
``*_COMPLETE``).
"""

import json
import os
import time

import webob

from heat.common import exception, notify
from heat.tests import corpus, db_fixtures, engine_fixture
from heat.tests.unit.service import test_corpus_stacks as base_corpus

#: template file or scenario key -> why it is expected to fail.
EXPECTED_FAILURES = {
}

WAIT = 120
H = 'heat/'
AS = H + 'heat_integrationtests__functional__test_autoscaling.py__'
HAS = H + 'heat_integrationtests__functional__test_heat_autoscaling.py__'
IG = H + 'heat_integrationtests__functional__test_instance_group.py__'
NOTE = H + 'heat_integrationtests__functional__test_notifications.py__'
INLINE = H + 'heat__tests__autoscaling__inline_templates.py__'

_read = base_corpus._read


class Harness(base_corpus.Harness):
    """The stack harness, plus what auto-scaling scenarios need."""

    def __init__(self, tc, engine):
        super().__init__(tc, engine.service)
        self.engine = engine

    def signal(self, ident, name, details=None):
        self.step('signal %s' % name)
        return self.svc.resource_signal(self.ctx, ident, name, details)

    def members(self, nested):
        return self.resources(nested)

    def output_values(self, ident):
        """Every output's value (None where it has an error)."""
        info = self.svc.show_stack(self.ctx, ident)[0]
        return {o['output_key']: o['output_value'] for o in info['outputs']}

    def wait_members(self, nested, count, timeout=WAIT):
        """Until the member stack has exactly ``count`` members, all
        ``*_COMPLETE``; the members."""
        deadline = time.monotonic() + timeout
        members = {}
        while time.monotonic() < deadline:
            members = self.members(nested)
            if len(members) == count and all(
                    m['resource_status'] == 'COMPLETE'
                    for m in members.values()):
                return members
            time.sleep(0.02)
        self.tc.fail('member stack has %d members (%s), not %d complete'
                     % (len(members), sorted(
                         (m['resource_action'], m['resource_status'])
                         for m in members.values()), count))

    def member_states(self, nested):
        return {n: '%s_%s' % (m['resource_action'], m['resource_status'])
                for n, m in self.members(nested).items()}

    def group(self, ident, name):
        gid = self.resources(ident)[name]['physical_resource_id']
        return self.svc.show_scaling_group(self.ctx, gid)


def _env(provider, size, extra=None, params=None):
    env = {'resource_registry': {'AWS::EC2::Instance': 'provider.yaml'},
           'parameters': {'size': size, 'image': 'cirros-0.6',
                          'flavor': 'm1.tiny'}}
    env['parameters'].update(params or {})
    env['resource_registry'].update(extra or {})
    return env, {'provider.yaml': provider}


def _instances(h, ident):
    text = h.outputs(ident)['InstanceList']
    return [x for x in (text or '').split(',') if x]


# ---------------------------------------------------------------------------
# OS::Heat::AutoScalingGroup (test_heat_autoscaling.py)

def heat_asg_scale_up_max_size(h, tmpl):
    ident = h.create('asg_up', tmpl)
    h.tc.assertEqual(3, h.outputs(ident)['asg_size'])
    nested = h.nested(ident, 'random_group')
    for num in (4, 5, 6):
        h.signal(ident, 'scale_up_policy')
        h.wait_members(nested, min(num, 5))
    h.tc.assertEqual(5, h.outputs(ident)['asg_size'])
    # the third signal was rejected at max_size, with an event saying so
    reasons = [e['resource_status_reason'] for e in
               h.events(ident, resource_name='scale_up_policy')]
    h.tc.assertTrue(any('max_size 5' in r for r in reasons), reasons)
    h.delete(ident)


def heat_asg_scale_down_min_size(h, tmpl):
    ident = h.create('asg_down', tmpl)
    h.tc.assertEqual(3, h.outputs(ident)['asg_size'])
    nested = h.nested(ident, 'random_group')
    for num in (2, 1):
        h.signal(ident, 'scale_down_policy')
        h.wait_members(nested, max(num, 2))
    # resource.2 names no member any more: only that output has an error
    h.tc.assertEqual(2, h.output_values(ident)['asg_size'])
    h.delete(ident)


def heat_asg_path_attrs(h, tmpl):
    ident = h.create('asg_attrs', tmpl)
    h.tc.assertEqual({'random_group': 'OS::Heat::AutoScalingGroup',
                      'scale_up_policy': 'OS::Heat::ScalingPolicy',
                      'scale_down_policy': 'OS::Heat::ScalingPolicy'},
                     h.types(ident))
    outs = h.outputs(ident)
    h.tc.assertEqual(3, len(outs['all_values']))
    for i in range(3):
        h.tc.assertEqual(outs['value_%d' % i], outs['all_values'][i])
    h.delete(ident)


def heat_asg_cooldown(h, tmpl):
    ident = h.create('asg_cooldown', tmpl)
    h.tc.assertEqual(3, h.outputs(ident)['asg_size'])
    nested = h.nested(ident, 'random_group')
    h.signal(ident, 'scale_up_policy')
    # still 3 members, and the rejection is recorded (upstream says
    # nothing at all)
    h.wait_members(nested, 3)
    time.sleep(0.2)
    h.wait_members(nested, 3)
    reasons = [e['resource_status_reason'] for e in
               h.events(ident, resource_name='scale_up_policy')]
    h.tc.assertTrue(any('cooldown' in r for r in reasons), reasons)
    h.delete(ident)


def heat_asg_nested_path_attrs(h, tmpl):
    files = {'randomstr.yaml': _read(HAS + 'HeatAutoscalingTest.'
                                     'template_randomstr.yaml')}
    ident = h.create('asg_nested', tmpl, files=files)
    h.tc.assertEqual({'random_group': 'OS::Heat::AutoScalingGroup'},
                     h.types(ident))
    outs = h.outputs(ident)
    h.tc.assertEqual(3, len(outs['all_values']))
    for i in range(3):
        h.tc.assertIsNotNone(outs['value_%d' % i])
        h.tc.assertEqual(outs['value_%d' % i], outs['all_values'][i])
    h.delete(ident)


def heat_asg_update_no_changes(h, tmpl):
    ident = h.create('asg_nochange', tmpl)
    h.update(ident, tmpl.replace('scaling_adjustment: 1',
                                 'scaling_adjustment: 2'))
    h.delete(ident)


# ---------------------------------------------------------------------------
# AWS::AutoScaling::AutoScalingGroup (test_autoscaling.py)

def _instance_template():
    return _read(AS + 'AutoscalingGroupTest.instance_template.yaml')


def _bad_instance_template():
    return _read(AS + 'AutoscalingGroupTest.bad_instance_template.yaml')


def aws_asg_basic_create(h, tmpl):
    env, files = _env(_instance_template(), 4)
    ident = h.create('aws_basic', tmpl, env=env, files=files)
    h.tc.assertEqual(
        {'JobServerConfig': 'AWS::AutoScaling::LaunchConfiguration',
         'JobServerGroup': 'AWS::AutoScaling::AutoScalingGroup'},
        h.types(ident))
    h.tc.assertEqual(4, len(_instances(h, ident)))
    h.delete(ident)


def aws_asg_size_updates(h, tmpl):
    env, files = _env(_instance_template(), 2)
    ident = h.create('aws_size', tmpl, env=env, files=files)
    h.tc.assertEqual(2, len(_instances(h, ident)))
    env, files = _env(_instance_template(), 5)
    h.update(ident, tmpl, env=env, files=files)
    h.tc.assertEqual(5, len(_instances(h, ident)))
    h.delete(ident)


def aws_asg_update_replace(h, tmpl):
    env, files = _env(_instance_template(), 1)
    ident = h.create('aws_replace', tmpl, env=env, files=files)
    before = h.phys_ids(ident)['JobServerGroup']
    env, files = _env(_instance_template(), 1,
                      params={'AZ': 'wibble', 'user_data': 'new data'})
    h.update(ident, tmpl, env=env, files=files)
    h.tc.assertNotEqual(before, h.phys_ids(ident)['JobServerGroup'])
    h.delete(ident)


def _group_error(h, tmpl, name, group_type):
    env, files = _env(_bad_instance_template(), 2)
    ident = h.create(name, tmpl, env=env, files=files,
                     expect='CREATE_FAILED')
    h.tc.assertEqual(
        {'JobServerConfig': 'AWS::AutoScaling::LaunchConfiguration',
         'JobServerGroup': group_type}, h.types(ident))
    nested = h.nested(ident, 'JobServerGroup')
    h.tc.assertIn('CREATE_FAILED', h.member_states(nested).values())
    h.delete(ident)


def _group_update_error(h, tmpl, name):
    env, files = _env(_instance_template(), 2)
    ident = h.create(name, tmpl, env=env, files=files)
    nested = h.nested(ident, 'JobServerGroup')
    states = h.member_states(nested)
    h.tc.assertEqual(2, len(states))
    h.tc.assertTrue(all(s.endswith('_COMPLETE') for s in states.values()))
    env, files = _env(_bad_instance_template(), 3)
    h.update(ident, tmpl, env=env, files=files, expect='UPDATE_FAILED')
    h.tc.assertTrue(any(s.endswith('_FAILED')
                        for s in h.member_states(nested).values()),
                    h.member_states(nested))
    h.delete(ident)


def aws_asg_create_error(h, tmpl):
    _group_error(h, tmpl, 'aws_create_err',
                 'AWS::AutoScaling::AutoScalingGroup')


def aws_asg_update_error(h, tmpl):
    _group_update_error(h, tmpl, 'aws_update_err')


def aws_asg_suspend_resume(h, tmpl):
    env, files = _env(_instance_template(), 4)
    ident = h.create('aws_suspend', tmpl, env=env, files=files)
    nested = h.nested(ident, 'JobServerGroup')
    h.step('suspend')
    h.svc.stack_suspend(h.ctx, ident)
    h.wait(ident, 'SUSPEND_COMPLETE')
    h.tc.assertEqual({'SUSPEND_COMPLETE'},
                     set(h.member_states(nested).values()))
    h.step('resume')
    h.svc.stack_resume(h.ctx, ident)
    h.wait(ident, 'RESUME_COMPLETE')
    h.tc.assertEqual({'RESUME_COMPLETE'},
                     set(h.member_states(nested).values()))
    h.delete(ident)


def _signal_setup(h, name):
    tmpl = _read(AS + 'AutoScalingSignalTest.template.json')
    env, files = _env(_instance_template(), 2,
                      extra={'resources': {'custom_lb': {
                          'AWS::EC2::Instance': 'lb.yaml'}}})
    files['lb.yaml'] = _read(AS + 'AutoScalingSignalTest.lb_template.yaml')
    ident = h.create(name, tmpl, env=env, files=files)
    return tmpl, env, files, ident


def _check_instance_count(h, ident, count, timeout=WAIT):
    """The custom_lb's metadata (refreshed after scaling) and the output
    both list ``count`` instances."""
    deadline = time.monotonic() + timeout
    while True:
        md = h.svc.describe_stack_resource(h.ctx, ident,
                                           'custom_lb')['metadata']
        ips = [x for x in (md.get('IPs') or '').split(',') if x]
        if len(ips) == count and len(_instances(h, ident)) == count:
            return
        if time.monotonic() > deadline:
            h.tc.fail('custom_lb metadata lists %d instances and the '
                      'output %d, not %d' % (
                          len(ips), len(_instances(h, ident)), count))
        time.sleep(0.05)


def aws_signal_meta_update(h, tmpl):
    tmpl, env, files, ident = _signal_setup(h, 'aws_signal_md')
    _check_instance_count(h, ident, 2)
    h.signal(ident, 'ScaleUpPolicy')
    _check_instance_count(h, ident, 3)
    h.signal(ident, 'ScaleDownPolicy')
    _check_instance_count(h, ident, 1)
    h.delete(ident)


def aws_signal_with_policy_update(h, tmpl):
    _t, env, files, ident = _signal_setup(h, 'aws_signal_upd')
    _check_instance_count(h, ident, 2)
    h.signal(ident, 'ScaleUpPolicy')
    _check_instance_count(h, ident, 3)
    h.update(ident, tmpl, env=env, files=files)
    # no DesiredCapacity any more: the update keeps the current size
    _check_instance_count(h, ident, 3)
    h.signal(ident, 'ScaleUpPolicy')
    _check_instance_count(h, ident, 5)
    h.delete(ident)


def aws_signal_during_suspend(h, tmpl):
    _t, env, files, ident = _signal_setup(h, 'aws_signal_susp')
    _check_instance_count(h, ident, 2)
    h.svc.stack_suspend(h.ctx, ident)
    h.wait(ident, 'SUSPEND_COMPLETE')
    e = h.tc.assertRaises(exception.NotSupported, h.signal, ident,
                          'ScaleUpPolicy')
    h.tc.assertIn('Signal resource during SUSPEND is not supported', str(e))
    events = h.events(ident, resource_name='ScaleUpPolicy')
    h.tc.assertTrue(any(
        ev['resource_status_reason'] == 'Cannot signal resource during '
                                       'SUSPEND' and
        (ev['resource_action'], ev['resource_status']) ==
        ('SUSPEND', 'COMPLETE') for ev in events), events)
    nested = h.nested(ident, 'JobServerGroup')
    h.tc.assertEqual('SUSPEND_COMPLETE', h.state(ident))
    h.tc.assertEqual('SUSPEND_COMPLETE', h.state(nested))
    _check_instance_count(h, ident, 2)
    h.delete(ident)


# -- rolling updates --------------------------------------------------------

AWS_ROLLING = [
    # (name, min in service, batch, pause, change, kept, created, deleted)
    ('replace', 1, 3, 'PT1S', 'UserData', 10, 0, 0),
    ('replace_with_adjusted_capacity', 8, 4, 'PT1S', 'UserData', 8, 2, 2),
    ('replace_huge_batch_size', 0, 20, 'PT1S', 'UserData', 10, 0, 0),
    ('replace_huge_min_in_service', 20, 1, 'PT0S', 'UserData', 9, 1, 1),
    ('no_replace', 1, 3, 'PT0S', 'InstType', 10, 0, 0),
    ('no_replace_with_adjusted_capacity', 8, 4, 'PT0S', 'InstType', 8, 2, 2),
]
IG_ROLLING = [
    ('replace', 1, 3, 'PT1S', 'UserData', 5, 0, 0),
    ('replace_with_adjusted_capacity', 4, 4, 'PT1S', 'UserData', 2, 3, 3),
    ('replace_huge_batch_size', 0, 20, 'PT1S', 'UserData', 5, 0, 0),
    ('replace_huge_min_in_service', 20, 2, 'PT0S', 'UserData', 3, 2, 2),
    ('no_replace', 1, 3, 'PT0S', 'InstType', 5, 0, 0),
    ('no_replace_with_adjusted_capacity', 4, 4, 'PT0S', 'InstType', 2, 3, 3),
]


def _rolling(h, tmpl, policy_key, size, rows, prefix):
    import re
    for (name, mis, batch, pause, change, kept, created,
         deleted) in rows:
        h.step('rolling %s' % name)
        doc = json.loads(tmpl)
        group = doc['Resources']['JobServerGroup']
        group['UpdatePolicy'][policy_key] = {
            'MinInstancesInService': str(mis), 'MaxBatchSize': str(batch),
            'PauseTime': pause}
        if policy_key == 'AutoScalingRollingUpdate':
            group['Properties']['MinSize'] = {'Ref': 'size'}
        env, files = _env(_instance_template(), size)
        stack_name = '%s_%s' % (prefix, name)
        ident = h.create(stack_name, json.dumps(doc), env=env, files=files)
        ref_re = re.compile('^%s-JobServerConfig-[a-zA-Z0-9]+$'
                            % stack_name)
        ref_before = h.outputs(ident)['JobServerConfigRef']
        h.tc.assertRegex(ref_before, ref_re)
        h.tc.assertEqual(size, len(_instances(h, ident)))
        nested = h.nested(ident, 'JobServerGroup')
        # the listing's order is upstream's member order (oldest first);
        # the removed members must be the first D of it
        before = list(h.members(nested))
        params = {}
        if change == 'UserData':
            params['user_data'] = 'new data'
        else:
            params['flavor'] = 'm1.small'
        env, files = _env(_instance_template(), size, params=params)
        h.update(ident, json.dumps(doc), env=env, files=files)
        ref_after = h.outputs(ident)['JobServerConfigRef']
        h.tc.assertRegex(ref_after, ref_re)
        h.tc.assertNotEqual(ref_before, ref_after)
        states = h.member_states(nested)
        h.tc.assertEqual(size, len(states), name)
        h.tc.assertEqual({'UPDATE_COMPLETE'}, set(states.values()),
                         '%s: %s' % (name, states))
        after = set(states)
        h.tc.assertEqual(
            (kept, created, deleted),
            (len(after & set(before)), len(after - set(before)),
             len(set(before) - after)), name)
        if deleted:
            h.tc.assertEqual(set(before[:deleted]), set(before) - after,
                             '%s: the oldest members go' % name)
        h.delete(ident)


def aws_asg_rolling_update(h, tmpl):
    _rolling(h, tmpl, 'AutoScalingRollingUpdate', 10, AWS_ROLLING, 'awsru')


def ig_rolling_update(h, tmpl):
    _rolling(h, tmpl, 'RollingUpdate', 5, IG_ROLLING, 'igru')


# ---------------------------------------------------------------------------
# OS::Heat::InstanceGroup (test_instance_group.py)

def _ig_env(provider, size, params=None):
    return _env(provider, size, params=params)


def ig_basic_create(h, tmpl):
    env, files = _ig_env(_instance_template(), 4)
    ident = h.create('ig_basic', tmpl, env=env, files=files)
    h.tc.assertEqual(
        {'JobServerConfig': 'AWS::AutoScaling::LaunchConfiguration',
         'JobServerGroup': 'OS::Heat::InstanceGroup'}, h.types(ident))
    h.tc.assertEqual(4, len(_instances(h, ident)))
    h.delete(ident)


def ig_size_updates(h, tmpl):
    env, files = _ig_env(_instance_template(), 2)
    ident = h.create('ig_size', tmpl, env=env, files=files)
    h.tc.assertEqual(2, len(_instances(h, ident)))
    env, files = _ig_env(_instance_template(), 5)
    h.update(ident, tmpl, env=env, files=files)
    h.tc.assertEqual(5, len(_instances(h, ident)))
    h.delete(ident)


def ig_update_replace(h, tmpl):
    env, files = _ig_env(_instance_template(), 1)
    ident = h.create('ig_replace', tmpl, env=env, files=files)
    before = h.phys_ids(ident)['JobServerGroup']
    env, files = _ig_env(_instance_template(), '2',
                         params={'AZ': 'wibble', 'user_data': 'new data'})
    h.update(ident, tmpl, env=env, files=files)
    h.tc.assertNotEqual(before, h.phys_ids(ident)['JobServerGroup'])
    h.delete(ident)


def ig_create_error(h, tmpl):
    _group_error(h, tmpl, 'ig_create_err', 'OS::Heat::InstanceGroup')


def ig_update_error(h, tmpl):
    _group_update_error(h, tmpl, 'ig_update_err')


# ---------------------------------------------------------------------------
# alarm_url and notifications (test_notifications.py)

def notifications_alarm_url(h, tmpl):
    seen = []

    def listener(context, event_type, payload, level):
        seen.append(event_type)

    notify.subscribe(listener)
    h.tc.addCleanup(notify.unsubscribe, listener)
    ident = h.create('asg_notify', tmpl)
    nested = h.nested(ident, 'asg')
    h.wait_members(nested, 2)
    outs = h.outputs(ident)
    from heat.api import app as api_app
    wsgi = api_app.make_app(h.engine.client)
    for url, size in ((outs['scale_up_url'], 3), (outs['scale_dn_url'], 2)):
        h.step('POST %s' % url.split('?')[0])
        path_qs = url.split('://', 1)[1]
        path_qs = path_qs[path_qs.index('/'):]
        req = webob.Request.blank(path_qs, method='POST')
        resp = req.get_response(wsgi)
        h.tc.assertEqual(200, resp.status_int, resp.text)
        h.wait_members(nested, size)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and seen.count(
            'orchestration.autoscaling.end') < 2:
        time.sleep(0.02)
    h.tc.assertEqual(2, seen.count('orchestration.autoscaling.start'), seen)
    h.tc.assertEqual(2, seen.count('orchestration.autoscaling.end'), seen)
    h.delete(ident)


# ---------------------------------------------------------------------------
# unit fixtures (heat/tests)

def _bad_group(h, tmpl, name, policy):
    ident = h.create(name, tmpl, params={'ImageId': 'foo', 'KeyName': 'k'}
                     if 'KeyName' in tmpl else None)
    e = h.tc.assertRaises(exception.ResourceFailure, h.svc.resource_signal,
                          h.ctx, ident, policy, None, True)
    h.tc.assertIn('could not find scaling group', str(e))
    h.delete(ident)


def aws_policy_bad_group(h, tmpl):
    _bad_group(h, tmpl, 'aws_bad_group', 'WebServerScaleUpPolicy')


def heat_policy_bad_group(h, tmpl):
    _bad_group(h, tmpl, 'heat_bad_group', 'my-policy')


def policy_signal_api(h, tmpl):
    ident = h.create('policy_signal', tmpl)
    e = h.tc.assertRaises(exception.ResourceNotFound, h.svc.resource_signal,
                          h.ctx, ident, 'nope', None)
    h.tc.assertIn('nope', str(e))
    e = h.tc.assertRaises(exception.InvalidBreakPointHook,
                          h.svc.resource_signal, h.ctx, ident,
                          'WebServerScaleDownPolicy',
                          {'unset_hook': 'invalid'})
    h.tc.assertIn('Invalid hook type "invalid"', str(e))
    e = h.tc.assertRaises(exception.InvalidBreakPointHook,
                          h.svc.resource_signal, h.ctx, ident,
                          'WebServerScaleDownPolicy',
                          {'unset_hook': 'pre-update'})
    h.tc.assertIn('The "pre-update" hook is not defined', str(e))
    h.delete(ident)


def launch_config_metadata_replace(h, tmpl):
    ident = h.create('lc_replace', tmpl)
    before = h.phys_ids(ident)['JobServerConfig']
    h.update(ident, tmpl.replace('"foo": "bar"', '"foo": "baz"'))
    h.tc.assertNotEqual(before, h.phys_ids(ident)['JobServerConfig'])
    h.delete(ident)


SCENARIOS = [
    (HAS + 'HeatAutoscalingTest.template.yaml', heat_asg_scale_up_max_size),
    (HAS + 'HeatAutoscalingTest.template.yaml',
     heat_asg_scale_down_min_size),
    (HAS + 'HeatAutoscalingTest.template.yaml', heat_asg_path_attrs),
    (HAS + 'HeatAutoscalingTest.template__DERIVED_cooldown60.yaml',
     heat_asg_cooldown),
    (HAS + 'HeatAutoscalingTest.template_nested.yaml',
     heat_asg_nested_path_attrs),
    (HAS + 'AutoScalingGroupUpdateWithNoChanges.template.yaml',
     heat_asg_update_no_changes),
    (AS + 'AutoscalingGroupTest.template.json', aws_asg_basic_create),
    (AS + 'AutoscalingGroupTest.template.json', aws_asg_size_updates),
    (AS + 'AutoscalingGroupTest.template.json', aws_asg_update_replace),
    (AS + 'AutoscalingGroupTest.template.json', aws_asg_create_error),
    (AS + 'AutoscalingGroupTest.template.json', aws_asg_update_error),
    (AS + 'AutoscalingGroupTest.template.json', aws_asg_suspend_resume),
    (AS + 'AutoScalingSignalTest.template.json', aws_signal_meta_update),
    (AS + 'AutoScalingSignalTest.template__DERIVED_policy_update.json',
     aws_signal_with_policy_update),
    (AS + 'AutoScalingSignalTest.template.json', aws_signal_during_suspend),
    (AS + 'AutoscalingGroupTest.template__DERIVED_ig_tmpl_with_updt_'
     'policy.json', aws_asg_rolling_update),
    (IG + 'InstanceGroupTest.template.json', ig_basic_create),
    (IG + 'InstanceGroupTest.template.json', ig_size_updates),
    (IG + 'InstanceGroupTest.template.json', ig_update_replace),
    (IG + 'InstanceGroupTest.template.json', ig_create_error),
    (IG + 'InstanceGroupTest.template.json', ig_update_error),
    (IG + 'InstanceGroupTest.template__DERIVED_ig_tmpl_with_updt_'
     'policy.json', ig_rolling_update),
    (NOTE + 'NotificationTest.asg_template.yaml', notifications_alarm_url),
    (INLINE + 'as_template_bad_group.json', aws_policy_bad_group),
    (INLINE + 'as_heat_template_bad_group.yaml', heat_policy_bad_group),
    (H + 'heat__tests__engine__service__test_stack_resources.py__'
     'policy_template.json', policy_signal_api),
    (H + 'heat__tests__openstack__heat__test_instance_group.py__'
     'TestLaunchConfig.test_update_metadata_replace.lc_template.json',
     launch_config_metadata_replace),
]

#: the corpus files (class A and A*) with auto-scaling types; every one
#: has at least one scenario above (a test checks).
AS_TEMPLATES = {
    AS + 'AutoscalingGroupTest.template.json',
    AS + 'AutoScalingSignalTest.template.json',
    AS + 'AutoscalingGroupTest.template__DERIVED_ig_tmpl_with_updt_'
         'policy.json',
    AS + 'AutoScalingSignalTest.template__DERIVED_policy_update.json',
    HAS + 'HeatAutoscalingTest.template.yaml',
    HAS + 'HeatAutoscalingTest.template_nested.yaml',
    HAS + 'AutoScalingGroupUpdateWithNoChanges.template.yaml',
    HAS + 'HeatAutoscalingTest.template__DERIVED_cooldown60.yaml',
    IG + 'InstanceGroupTest.template.json',
    IG + 'InstanceGroupTest.template__DERIVED_ig_tmpl_with_updt_policy.json',
    NOTE + 'NotificationTest.asg_template.yaml',
    INLINE + 'as_template_bad_group.json',
    INLINE + 'as_heat_template_bad_group.yaml',
    H + 'heat__tests__engine__service__test_stack_resources.py__'
        'policy_template.json',
    H + 'heat__tests__openstack__heat__test_instance_group.py__'
        'TestLaunchConfig.test_update_metadata_replace.lc_template.json',
}


class TestCorpusAutoscaling(corpus.ScenarioTests, db_fixtures.DBTestCase):
    """One test per scenario, on a SQLite file, through a served engine."""

    BACKEND = db_fixtures.BACKENDS['sqlite']
    TITLE = 'corpus auto-scaling templates (class A and A*)'
    EXPECTED_FAILURES = EXPECTED_FAILURES

    def setUp(self):
        super().setUp()
        if not corpus.available():
            self.skipTest('corpus not found at %s' % corpus.corpus_dir())
        self.engine = self.useFixture(
            engine_fixture.EngineFixture(engine_id='corpus-as-engine'))

    def make_harness(self):
        return Harness(self, self.engine)

    def test_every_autoscaling_template_has_a_scenario(self):
        self.assertEqual(AS_TEMPLATES, {p for p, _f in SCENARIOS})
        for path in AS_TEMPLATES:
            self.assertTrue(os.path.exists(os.path.join(
                corpus.templates_dir(), path)), path)


TestCorpusAutoscaling.add_scenarios(SCENARIOS)
