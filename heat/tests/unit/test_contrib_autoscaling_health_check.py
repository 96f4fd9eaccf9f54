"""contrib/heat-autoscaling-resources: ``OS::AutoScaling::Group``'s
``health_check`` property and ``health`` attribute.

In-process, with a recording Auto-Scaling API client: the property goes
to the API as the ``health_check`` body key of the create and of a PATCH
(``{}`` when the property was removed; the client leaves None out), and
its schema is the one of ``OS::Heat::AutoScalingGroup`` (the keys of
:mod:`heat.scaling.health`). Then on a real heat-all serving both APIs
(as :mod:`heat.tests.unit.test_contrib_autoscaling_resources`): the group
the API shows has the normalized check, changed and removed by stack
updates.
"""

import copy
import types

import testtools

from heat.common import exception
from heat.engine import resources
from heat.scaling import health
from heat.tests.unit import test_contrib_autoscaling_resources as plugin_tests
from heat.tests.unit.autoscaling_resources import test_schemas

CHECK = {'grace_period': 30, 'interval': 20, 'unhealthy_threshold': 2}

TMPL = {
    'heat_template_version': '2018-08-31',
    'resources': {
        'group': {
            'type': 'OS::AutoScaling::Group',
            'properties': {
                'min_size': 1, 'max_size': 3,
                'resource': {'type': 'OS::Heat::RandomString'},
                'health_check': CHECK,
            },
        },
    },
}


def template(health_check=None, drop=False, **props):
    tmpl = copy.deepcopy(TMPL)
    group = tmpl['resources']['group']['properties']
    if drop:
        del group['health_check']
    elif health_check is not None:
        group['health_check'] = health_check
    group.update(props)
    return tmpl


class FakeGroups:
    """``client.groups``: records the create and update bodies."""

    def __init__(self):
        self.calls = []
        self.shown = {}

    def create(self, idempotency_key=None, **body):
        self.calls.append(('create', body))
        return types.SimpleNamespace(id='g1')

    def update(self, group, **body):
        self.calls.append(('update', body))
        return types.SimpleNamespace(version=2)

    def get(self, group):
        shown = dict(self.shown)
        return types.SimpleNamespace(to_dict=lambda: shown, **shown)


class PluginCase(testtools.TestCase):
    """A group of the plug-in on a fake Auto-Scaling API client: what
    its create and update send."""

    def setUp(self):
        super().setUp()
        try:
            import heat_autoscaling_resources  # noqa: F401
        except ImportError:
            self.skipTest('heat-autoscaling-resources is not installed')
        self.groups = FakeGroups()

    def resource(self, tmpl):
        rsrc = test_schemas.make_stack(tmpl)['group']
        rsrc._as_client = types.SimpleNamespace(groups=self.groups)
        return rsrc

    def create(self, tmpl):
        rsrc = self.resource(tmpl)
        rsrc.handle_create()
        return rsrc, self.groups.calls[-1][1]

    def update(self, rsrc, tmpl):
        """The PATCH body of updating ``rsrc`` to ``tmpl`` (None: no
        request)."""
        after = self.resource(tmpl).t
        after_props = rsrc.make_properties(after)
        prop_diff = rsrc.update_template_diff_properties(after_props,
                                                         rsrc.properties)
        before = len(self.groups.calls)
        rsrc.handle_update(after, {}, prop_diff)
        rsrc.t = after
        if len(self.groups.calls) == before:
            return None
        return self.groups.calls[-1][1]


class TestPluginHealthCheck(PluginCase):

    # -- the schema ------------------------------------------------------

    def test_schema_is_the_engine_groups(self):
        plugin = resources.get_class('OS::AutoScaling::Group')
        engine = resources.get_class('OS::Heat::AutoScalingGroup')
        mine = plugin.properties_schema['health_check']
        theirs = engine.properties_schema['health_check']
        self.assertEqual(list(health.KEYS), list(mine.schema))
        self.assertTrue(mine.update_allowed)
        self.assertFalse(mine.required)
        # keys, types, constraints, defaults and descriptions alike
        self.assertEqual(theirs.to_dict()['schema'],
                         mine.to_dict()['schema'])
        self.assertIn('health', plugin.attributes_schema)

    # -- what goes to the API ----------------------------------------------

    def test_create_sends_it(self):
        _, body = self.create(template())
        self.assertEqual(health.normalize(CHECK),
                         health.normalize(body['health_check']))
        # unset keys are left to the API (timeout: min(5, interval))
        self.assertNotIn('timeout', body['health_check'])
        self.assertNotIn('max_replacements', body['health_check'])

    def test_create_without_it(self):
        _, body = self.create(template(drop=True))
        self.assertNotIn('health_check', body)
        tmpl = template(drop=True)
        tmpl['resources']['group']['properties']['health_check'] = None
        _, body = self.create(tmpl)
        self.assertNotIn('health_check', body)

    def test_empty_map_is_every_default(self):
        _, body = self.create(template({}))
        self.assertEqual(health.HealthCheck(),
                         health.parse(body['health_check']))
        self.assertEqual('status', body['health_check']['type'])

    def test_update_changes_and_removes_it(self):
        rsrc, _ = self.create(template())
        # the whole new check (the keys not given at their defaults)
        body = self.update(rsrc, template({'interval': 5}))
        self.assertEqual(['health_check'], list(body))
        self.assertEqual(health.normalize({'interval': 5}),
                         health.normalize(body['health_check']))
        self.assertEqual(('status', 0, 5),
                         tuple(body['health_check'][k] for k in
                               ('type', 'grace_period', 'interval')))
        # unchanged, with another change: not sent
        body = self.update(rsrc, template({'interval': 5}, max_size=4))
        self.assertEqual({'max_size': 4, 'min_size': 1}, body)
        # removed: {} (the API: no health check)
        self.assertEqual({'health_check': {}},
                         self.update(rsrc, template(drop=True, max_size=4)))
        # nothing changed: no request
        self.assertIsNone(self.update(rsrc, template(drop=True,
                                                     max_size=4)))

    def test_invalid_value_fails_validation(self):
        stack = test_schemas.make_stack(template({'port': 0}))
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('resources.group.properties.health_check.port: 0 is '
                      'out of range', str(err))

    def test_health_attribute(self):
        rsrc, _ = self.create(template())
        rsrc.resource_id = 'g1'
        self.groups.shown = {'health': {'status': 'DEGRADED',
                                        'unhealthy': 1}}
        self.assertEqual({'status': 'DEGRADED', 'unhealthy': 1},
                         rsrc._resolve_attribute('health'))
        self.groups.shown = {'health': None}
        self.assertIsNone(rsrc._resolve_attribute('health'))


class TestPluginHealthCheckStack(plugin_tests.PluginStackTestCase):
    """On heat-all: the Auto-Scaling API shows what the template says."""

    def template(self, health_check=None):
        tmpl = plugin_tests.stack_template(desired=1)
        del tmpl['resources']['up'], tmpl['resources']['hook']
        tmpl['outputs'] = {
            'group_id': {'value': {'get_resource': 'group'}},
            'health': {'value': {'get_attr': ['group', 'health']}}}
        if health_check is not None:
            tmpl['resources']['group']['properties'][
                'health_check'] = health_check
        return tmpl

    def test_create_update_remove(self):
        name, sid = self.create_stack(self.template(CHECK))
        stk = self.wait_stack(name, sid, 'CREATE')
        self.assertEqual('CREATE_COMPLETE', stk['stack_status'],
                         stk['stack_status_reason'])
        outs = self.outputs(stk)
        gid = outs['group_id']
        group = self.client.groups.get(gid).to_dict()
        self.assertEqual(health.normalize(CHECK), group['health_check'])
        # the health attribute: what the API shows once checked
        outs = self.wait_outputs(name, sid, lambda o: o.get('health'),
                                 'the health attribute')
        self.assertIn(outs['health']['status'],
                      ('HEALTHY', 'DEGRADED', 'GUARDED', 'LIMITED'))

        self.update_stack(name, sid, self.template({'type': 'status',
                                                    'interval': 7}), {})
        stk = self.wait_stack(name, sid, 'UPDATE')
        self.assertEqual('UPDATE_COMPLETE', stk['stack_status'],
                         stk['stack_status_reason'])
        group = self.client.groups.get(gid).to_dict()
        self.assertEqual(health.normalize({'interval': 7}),
                         group['health_check'])

        self.update_stack(name, sid, self.template(), {})
        stk = self.wait_stack(name, sid, 'UPDATE')
        self.assertEqual('UPDATE_COMPLETE', stk['stack_status'],
                         stk['stack_status_reason'])
        group = self.client.groups.get(gid).to_dict()
        self.assertIsNone(group['health_check'])
        self.assertIsNone(group['health'])
        self.assertEqual(gid, self.outputs(stk)['group_id'])
        self.delete_stack(name, sid)
        self.assert_no_group()
