"""contrib/heat-autoscaling-resources: ``OS::AutoScaling::Group``'s
``lifecycle_hooks`` property.

In-process, with a recording Auto-Scaling API client: the property goes
to the API as the ``lifecycle_hooks`` body key of the create and of a
PATCH (``[]`` when the property was removed; the client leaves None
out), and its schema is the one of ``OS::Heat::AutoScalingGroup`` (the
keys of :mod:`heat.scaling.lifecycle`). Then on a real heat-all serving
both APIs (as :mod:`heat.tests.unit.test_contrib_autoscaling_resources`):
the group the API shows has the normalized hooks, its new members wait
on the launch hook, and stack updates change and remove the hooks.
"""

import copy

from heat.common import exception
from heat.engine import resources
from heat.scaling import lifecycle
from heat.tests.unit import test_contrib_autoscaling_health_check as hc_tests
from heat.tests.unit import test_contrib_autoscaling_resources as plugin_tests
from heat.tests.unit.autoscaling_resources import test_schemas

LAUNCH = {'name': 'warm-up', 'transition': 'launch',
          'heartbeat_timeout': 120, 'default_result': 'CONTINUE'}
TERMINATE = {'name': 'drain', 'transition': 'terminate',
             'notify_url': 'https://hooks.example.com/drain',
             'metadata': 'drain it'}
HOOKS = [LAUNCH, TERMINATE]

TMPL = {
    'heat_template_version': '2018-08-31',
    'resources': {
        'group': {
            'type': 'OS::AutoScaling::Group',
            'properties': {
                'min_size': 1, 'max_size': 3,
                'resource': {'type': 'OS::Heat::RandomString'},
                'lifecycle_hooks': HOOKS,
            },
        },
    },
}


def template(hooks=None, drop=False, **props):
    tmpl = copy.deepcopy(TMPL)
    group = tmpl['resources']['group']['properties']
    if drop:
        del group['lifecycle_hooks']
    elif hooks is not None:
        group['lifecycle_hooks'] = copy.deepcopy(hooks)
    group.update(props)
    return tmpl


class TestPluginLifecycleHooks(hc_tests.PluginCase):

    # -- the schema ------------------------------------------------------

    def test_schema_is_the_engine_groups(self):
        plugin = resources.get_class('OS::AutoScaling::Group')
        engine = resources.get_class('OS::Heat::AutoScalingGroup')
        mine = plugin.properties_schema['lifecycle_hooks']
        theirs = engine.properties_schema['lifecycle_hooks']
        self.assertEqual('List', mine.type)
        self.assertEqual(list(lifecycle.KEYS), list(mine.schema.schema))
        self.assertTrue(mine.update_allowed)
        self.assertFalse(mine.required)
        # the item: keys, types, constraints, defaults and descriptions
        # alike (the plug-in loads into upstream Heat: no heat.scaling)
        self.assertEqual(theirs.to_dict()['schema'],
                         mine.to_dict()['schema'])

    # -- what goes to the API ----------------------------------------------

    def test_create_sends_them(self):
        _, body = self.create(template())
        self.assertEqual(lifecycle.normalize(HOOKS),
                         lifecycle.normalize(body['lifecycle_hooks']))
        # the schema's defaults filled in, the keys not set left out
        self.assertEqual(
            [LAUNCH, dict(TERMINATE, heartbeat_timeout=3600,
                          default_result='ABANDON')],
            body['lifecycle_hooks'])
        self.assertNotIn('notify_url', body['lifecycle_hooks'][0])

    def test_create_without_them(self):
        # null and []: none
        for hooks in (None, []):
            tmpl = template(drop=True)
            tmpl['resources']['group']['properties'][
                'lifecycle_hooks'] = hooks
            _, body = self.create(tmpl)
            self.assertNotIn('lifecycle_hooks', body)
        _, body = self.create(template(drop=True))
        self.assertNotIn('lifecycle_hooks', body)

    def test_update_changes_and_removes_them(self):
        rsrc, _ = self.create(template())
        # the whole new list
        body = self.update(rsrc, template([TERMINATE]))
        self.assertEqual(['lifecycle_hooks'], list(body))
        self.assertEqual(lifecycle.normalize([TERMINATE]),
                         lifecycle.normalize(body['lifecycle_hooks']))
        # unchanged, with another change: not sent
        body = self.update(rsrc, template([TERMINATE], max_size=4))
        self.assertEqual({'max_size': 4, 'min_size': 1}, body)
        # removed: [] (the API: no hooks)
        self.assertEqual({'lifecycle_hooks': []},
                         self.update(rsrc, template(drop=True, max_size=4)))
        # nothing changed: no request
        self.assertIsNone(self.update(rsrc, template(drop=True,
                                                     max_size=4)))
        # added again; then [] removes them too
        body = self.update(rsrc, template([LAUNCH], max_size=4))
        self.assertEqual({'lifecycle_hooks': [LAUNCH]}, body)
        self.assertEqual({'lifecycle_hooks': []},
                         self.update(rsrc, template([], max_size=4)))

    def test_with_the_health_check(self):
        rsrc, body = self.create(template(health_check={'interval': 5}))
        self.assertEqual(5, body['health_check']['interval'])
        self.assertEqual(2, len(body['lifecycle_hooks']))
        body = self.update(rsrc, template([LAUNCH]))
        self.assertEqual({'health_check': {}, 'lifecycle_hooks': [LAUNCH]},
                         body)

    def test_invalid_value_fails_validation(self):
        for hooks, message in (
                ([LAUNCH, dict(TERMINATE, transition='boot')],
                 'lifecycle_hooks[1].transition: "boot" is not an allowed '
                 'value'),
                ([dict(LAUNCH, heartbeat_timeout=0)],
                 'lifecycle_hooks[0].heartbeat_timeout: 0 is out of '
                 'range'),
                ([dict(LAUNCH, default_result='GO')],
                 'lifecycle_hooks[0].default_result: "GO" is not an '
                 'allowed value'),
                ([{'transition': 'launch'}],
                 'lifecycle_hooks[0]: Property name not assigned')):
            stack = test_schemas.make_stack(template(hooks))
            err = self.assertRaises(exception.StackValidationFailed,
                                    stack.validate)
            self.assertIn('resources.group.properties.' + message,
                          str(err))


class TestPluginLifecycleHooksStack(plugin_tests.PluginStackTestCase):
    """On heat-all: the Auto-Scaling API shows what the template says."""

    def template(self, hooks=None, desired=2):
        tmpl = plugin_tests.stack_template(desired=desired)
        del tmpl['resources']['up'], tmpl['resources']['hook']
        tmpl['outputs'] = {
            'group_id': {'value': {'get_resource': 'group'}},
            'size': {'value': {'get_attr': ['group', 'current_size']}}}
        if hooks is not None:
            tmpl['resources']['group']['properties'][
                'lifecycle_hooks'] = hooks
        return tmpl

    def members(self, gid):
        return {m.name: m for m in self.client.members.list(gid)}

    def check_stack(self, name, sid, action):
        stk = self.wait_stack(name, sid, action)
        self.assertEqual('%s_COMPLETE' % action, stk['stack_status'],
                         stk['stack_status_reason'])
        return stk

    def test_create_update_remove(self):
        # a launch hook nobody completes within the test (3600 s, ABANDON)
        hooks = [{'name': 'warm-up', 'transition': 'launch'}, TERMINATE]
        name, sid = self.create_stack(self.template(hooks))
        stk = self.check_stack(name, sid, 'CREATE')
        outs = self.outputs(stk)
        gid = outs['group_id']
        group = self.client.groups.get(gid).to_dict()
        self.assertEqual(lifecycle.normalize(hooks),
                         group['lifecycle_hooks'])
        # the new members wait on the launch hook, and count
        members = self.members(gid)
        self.assertEqual(['PENDING_WAIT'] * 2,
                         [m.status for m in members.values()])
        self.assertEqual(2, outs['size'])
        first = sorted(members)[0]
        self.assertEqual('warm-up', members[first].lifecycle['hook'])
        member = self.client.members.complete_lifecycle_action(
            gid, first, 'CONTINUE')
        self.assertEqual('ACTIVE', member.status)

        # changed in place: the same group, the same members
        self.update_stack(name, sid, self.template([LAUNCH]), {})
        self.check_stack(name, sid, 'UPDATE')
        group = self.client.groups.get(gid).to_dict()
        self.assertEqual(lifecycle.normalize([LAUNCH]),
                         group['lifecycle_hooks'])
        self.assertEqual(sorted(members), sorted(self.members(gid)))

        # removed: the API shows none
        self.update_stack(name, sid, self.template(), {})
        stk = self.check_stack(name, sid, 'UPDATE')
        group = self.client.groups.get(gid).to_dict()
        self.assertEqual([], group['lifecycle_hooks'])
        self.assertEqual(gid, self.outputs(stk)['group_id'])
        self.delete_stack(name, sid)
        self.assert_no_group()

    def test_bad_value_fails_validation(self):
        resp = plugin_tests.requests.post(
            self.orch + '/stacks', timeout=30, json={
                'stack_name': 'bad', 'files': plugin_tests.FILES,
                'template': self.template([dict(LAUNCH,
                                                transition='boot')])})
        self.assertEqual(400, resp.status_code, resp.text)
        self.assertIn('lifecycle_hooks[0].transition', resp.text)
        self.assert_no_group()
